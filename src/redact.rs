//! Streaming redaction for `run`: every injected value in the child's output becomes
//! `[redacted:NAME]`, binary-safe, including a value split across two writes.
//!
//! Only the bytes that could still turn into a value are held back: the longest tail of
//! what has been read that is a proper prefix of some value. Output that cannot start a
//! value (a finished line, say) goes out at once.

use std::collections::HashSet;
use std::io::{self, Read, Write};

use aho_corasick::{AhoCorasick, MatchKind};

pub struct Redactor {
    ac: AhoCorasick,
    replacements: Vec<Vec<u8>>,
    prefixes: HashSet<Vec<u8>>,
    max_len: usize,
    pending: Vec<u8>,
}

impl Redactor {
    /// `values`: (name, value) pairs; empty values are ignored.
    pub fn new(values: &[(String, &[u8])]) -> Redactor {
        let values: Vec<&(String, &[u8])> = values.iter().filter(|(_, v)| !v.is_empty()).collect();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(values.iter().map(|(_, v)| *v))
            .expect("values build an automaton");
        let mut prefixes = HashSet::new();
        for (_, v) in &values {
            for end in 1..v.len() {
                prefixes.insert(v[..end].to_vec());
            }
        }
        Redactor {
            ac,
            replacements: values
                .iter()
                .map(|(n, _)| format!("[redacted:{n}]").into_bytes())
                .collect(),
            prefixes,
            max_len: values.iter().map(|(_, v)| v.len()).max().unwrap_or(0),
            pending: Vec::new(),
        }
    }

    /// Feed bytes; write out everything that can no longer be part of a value.
    pub fn feed(&mut self, data: &[u8], out: &mut impl Write) -> io::Result<()> {
        self.pending.extend_from_slice(data);
        let hold = self.hold_start();
        let mut pos = 0;
        let mut emitted_upto = 0;
        for m in self.ac.find_iter(&self.pending[..]) {
            if m.start() >= hold {
                break;
            }
            out.write_all(&self.pending[emitted_upto..m.start()])?;
            out.write_all(&self.replacements[m.pattern().as_usize()])?;
            emitted_upto = m.end();
            pos = m.end();
        }
        let flush_to = hold.max(pos);
        out.write_all(&self.pending[emitted_upto..flush_to])?;
        self.pending.drain(..flush_to);
        Ok(())
    }

    /// End of stream: what is held back cannot become a value any more.
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        let mut last = 0;
        for m in self.ac.find_iter(&rest[..]) {
            out.write_all(&rest[last..m.start()])?;
            out.write_all(&self.replacements[m.pattern().as_usize()])?;
            last = m.end();
        }
        out.write_all(&rest[last..])?;
        out.flush()
    }

    /// Where the longest tail of `pending` that is a proper prefix of a value starts.
    fn hold_start(&self) -> usize {
        let len = self.pending.len();
        let from = len.saturating_sub(self.max_len.saturating_sub(1));
        (from..len)
            .find(|&s| self.prefixes.contains(&self.pending[s..]))
            .unwrap_or(len)
    }

    /// Copy `input` to `output` through the filter until EOF, flushing after each read.
    pub fn pump(mut self, mut input: impl Read, mut output: impl Write) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.feed(&buf[..n], &mut output)?;
            output.flush()?;
        }
        self.finish(&mut output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn redact_chunks(values: &[(&str, &[u8])], chunks: &[&[u8]]) -> Vec<u8> {
        let owned: Vec<(String, &[u8])> = values.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        let mut r = Redactor::new(&owned);
        let mut out = Vec::new();
        for c in chunks {
            r.feed(c, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn replaces_every_value_with_its_name() {
        let out = redact_chunks(
            &[("A", b"secret1"), ("B", b"other-secret")],
            &[b"x secret1 y other-secret z secret1"],
        );
        assert_eq!(out, b"x [redacted:A] y [redacted:B] z [redacted:A]");
    }

    #[test]
    fn value_split_across_writes_is_caught() {
        let out = redact_chunks(&[("K", b"abcdef")], &[b"start abc", b"def end"]);
        assert_eq!(out, b"start [redacted:K] end");
    }

    #[test]
    fn output_that_cannot_start_a_value_is_not_held() {
        let owned = vec![("K".to_string(), &b"secretvalue"[..])];
        let mut r = Redactor::new(&owned);
        let mut out = Vec::new();
        r.feed(b"line one\n", &mut out).unwrap();
        assert_eq!(out, b"line one\n");
        r.feed(b"tail sec", &mut out).unwrap();
        assert_eq!(out, b"line one\ntail ");
    }

    #[test]
    fn longest_value_wins_when_one_contains_another() {
        let out = redact_chunks(&[("S", b"abc"), ("L", b"abcdef")], &[b"abcdef abc"]);
        assert_eq!(out, b"[redacted:L] [redacted:S]");
        let out = redact_chunks(&[("S", b"abc"), ("L", b"abcdef")], &[b"ab", b"cde", b"f!"]);
        assert_eq!(out, b"[redacted:L]!");
    }

    proptest! {
        #[test]
        fn split_anywhere_gives_the_same_output(
            value in "[0-9]{1,24}".prop_map(String::into_bytes),
            before in proptest::collection::vec(any::<u8>(), 0..40),
            after in proptest::collection::vec(any::<u8>(), 0..40),
            cut in 0usize..200,
        ) {
            let mut text = before.clone();
            text.extend_from_slice(&value);
            text.extend_from_slice(&after);
            let whole = redact_chunks(&[("K", &value)], &[&text]);
            let cut = cut % (text.len() + 1);
            let split = redact_chunks(&[("K", &value)], &[&text[..cut], &text[cut..]]);
            prop_assert_eq!(&whole, &split);
            // and the value never survives (digits: it cannot hide in `[redacted:K]`)
            prop_assert!(!whole.windows(value.len()).any(|w| w == &value[..]));
        }
    }
}
