//! Streaming redaction for `run`: every injected value in the child's output becomes
//! `[redacted:NAME]`, binary-safe, including a value split across two writes.
//!
//! Only the bytes that could still turn into a value are held back: the longest tail of
//! what has been read that is a proper prefix of some value. Output that cannot start a
//! value (a finished line, say) goes out at once.
//!
//! Memory and time are linear in the total size of the values: "could this tail still
//! become a value?" is answered by walking a trie of the values with Aho-Corasick failure
//! links (one node per value byte), not by a set of every prefix (quadratic: 2 GB for one
//! 64 KiB value), built on the first byte of output and shared by both streams.
//! Everything the redactor owns (values, trie, held bytes, read buffer) is zeroed when
//! it is dropped. The `aho_corasick` automaton that finds whole values keeps its own
//! tables, which no API lets us zero; core dumps are off (DESIGN §2).
//!
//! Values shorter than `MIN_LEN` bytes are not redacted: a one-character value would
//! turn every occurrence of that character into a marker, which shows where it appears
//! (the same rule as `scan`, which does not search for them either).

use std::io::{self, Read, Write};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use zeroize::{Zeroize, Zeroizing};

/// Shortest value that is redacted (and that `scan` searches for): shorter ones would
/// match by chance.
pub const MIN_LEN: usize = 8;

/// Shortest word of a multi-line value redacted on its own: a PEM body line (64), a
/// base64 blob or a token is longer; a word of the value's structure is not.
pub const LINE_WORD_MIN: usize = 24;

/// Whether a word of a multi-line value is key material rather than its structure: at
/// least [`LINE_WORD_MIN`] bytes mixing two of lowercase, uppercase and digits (base64,
/// hex, a token — not a field name such as `"service_account",`), and neither PEM armor
/// (`-----BEGIN …`) nor a URL.
fn key_like(word: &[u8]) -> bool {
    let classes = [
        word.iter().any(u8::is_ascii_lowercase),
        word.iter().any(u8::is_ascii_uppercase),
        word.iter().any(u8::is_ascii_digit),
    ];
    word.len() >= LINE_WORD_MIN
        && !word.starts_with(b"-----")
        && !word.windows(3).any(|w| w == b"://")
        && classes.iter().filter(|c| **c).count() >= 2
}

/// What is searched for a value: the value without the ASCII blanks (spaces, tabs,
/// newlines) around it, when that is still [`MIN_LEN`] bytes or more, else the value as
/// it is. Every place the whole value occurs holds this form too, so nothing found before
/// is missed; and a value stored with a trailing newline (`echo "$T" | keyward set K`)
/// is also found where a program printed it trimmed. `scan` searches this form;
/// `run`'s redaction searches it beside the value as it is.
pub fn searched_form(value: &[u8]) -> &[u8] {
    let trimmed = value.trim_ascii();
    if trimmed.len() >= MIN_LEN {
        trimmed
    } else {
        value
    }
}

/// Values longer than this are matched by a contiguous NFA rather than a DFA.
const DFA_MAX_VALUE_LEN: usize = 1024;

/// No node.
const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

/// One byte of one or more values: a trie node with its failure link.
#[derive(Clone, Copy, Zeroize)]
struct Node {
    byte: u8,
    depth: u32,
    first_child: u32,
    next_sibling: u32,
    /// The node of the longest proper suffix of this node's string that is in the trie.
    fail: u32,
    /// This node, or the first node along the failure chain that has a child: the
    /// longest suffix that is a *proper* prefix of a value.
    proper: u32,
}

/// The values as a trie with failure links: nodes ≤ total bytes of the values + 1.
struct Trie {
    nodes: Vec<Node>,
    /// The root's children by byte (the root is where most bytes of ordinary output land).
    root_next: [u32; 256],
}

impl Trie {
    fn new<'a>(values: impl Iterator<Item = &'a [u8]> + Clone) -> Trie {
        let total: usize = values.clone().map(<[u8]>::len).sum();
        let mut t = Trie {
            nodes: Vec::with_capacity(total + 1),
            root_next: [NONE; 256],
        };
        t.nodes.push(Node {
            byte: 0,
            depth: 0,
            first_child: NONE,
            next_sibling: NONE,
            fail: ROOT,
            proper: ROOT,
        });
        for v in values {
            let mut at = ROOT;
            for &b in v {
                at = match t.child(at, b) {
                    Some(c) => c,
                    None => t.add_child(at, b),
                };
            }
        }
        t.link();
        t
    }

    fn child(&self, node: u32, b: u8) -> Option<u32> {
        if node == ROOT {
            let c = self.root_next[b as usize];
            return (c != NONE).then_some(c);
        }
        let mut c = self.nodes[node as usize].first_child;
        while c != NONE {
            let n = &self.nodes[c as usize];
            if n.byte == b {
                return Some(c);
            }
            c = n.next_sibling;
        }
        None
    }

    fn add_child(&mut self, parent: u32, b: u8) -> u32 {
        let id = self.nodes.len() as u32;
        let p = self.nodes[parent as usize];
        self.nodes.push(Node {
            byte: b,
            depth: p.depth + 1,
            first_child: NONE,
            next_sibling: p.first_child,
            fail: ROOT,
            proper: ROOT,
        });
        self.nodes[parent as usize].first_child = id;
        if parent == ROOT {
            self.root_next[b as usize] = id;
        }
        id
    }

    /// Failure and proper-prefix links, breadth first (a node's links point to
    /// shallower nodes, which are done by then).
    fn link(&mut self) {
        let mut queue = Vec::with_capacity(self.nodes.len());
        queue.push(ROOT);
        let mut i = 0;
        while i < queue.len() {
            let u = queue[i];
            i += 1;
            let un = self.nodes[u as usize];
            self.nodes[u as usize].proper = if un.first_child != NONE || u == ROOT {
                u
            } else {
                self.nodes[un.fail as usize].proper
            };
            let mut c = un.first_child;
            while c != NONE {
                let b = self.nodes[c as usize].byte;
                let fail = if u == ROOT {
                    ROOT
                } else {
                    let mut f = un.fail;
                    loop {
                        if let Some(x) = self.child(f, b) {
                            break x;
                        }
                        if f == ROOT {
                            break ROOT;
                        }
                        f = self.nodes[f as usize].fail;
                    }
                };
                self.nodes[c as usize].fail = fail;
                queue.push(c);
                c = self.nodes[c as usize].next_sibling;
            }
        }
    }

    /// Length of the longest suffix of `text` that is a proper prefix of a value.
    fn held_tail(&self, text: &[u8]) -> usize {
        let mut at = ROOT;
        for &b in text {
            at = loop {
                if let Some(c) = self.child(at, b) {
                    break c;
                }
                if at == ROOT {
                    break ROOT;
                }
                at = self.nodes[at as usize].fail;
            };
        }
        let proper = self.nodes[at as usize].proper;
        self.nodes[proper as usize].depth as usize
    }

    #[cfg(test)]
    fn bytes_held(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>() + std::mem::size_of_val(&self.root_next)
    }
}

impl Drop for Trie {
    fn drop(&mut self) {
        // The node bytes spell out the values.
        self.nodes.zeroize();
    }
}

/// What the redactor knows about the values, built once and shared by the redactors
/// of stdout and stderr.
struct Values {
    ac: AhoCorasick,
    trie: Trie,
    replacements: Vec<Vec<u8>>,
    max_len: usize,
}

impl Values {
    fn build(source: &[(String, Zeroizing<Vec<u8>>)]) -> Values {
        let max_len = source.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            // A DFA is the fastest to search, but building one for a long value can take
            // time quadratic in its length (20 s for a periodic 64 KiB value); the
            // contiguous NFA builds in linear time and memory.
            .kind((max_len > DFA_MAX_VALUE_LEN).then_some(AhoCorasickKind::ContiguousNFA))
            .build(source.iter().map(|(_, v)| &v[..]))
            .expect("values build an automaton");
        Values {
            ac,
            trie: Trie::new(source.iter().map(|(_, v)| &v[..])),
            replacements: source
                .iter()
                .map(|(n, _)| format!("[redacted:{n}]").into_bytes())
                .collect(),
            max_len,
        }
    }
}

/// The values, and what is built from them on the first byte of output (a child that
/// prints nothing costs nothing; ~4 ms for a 64 KiB value otherwise).
struct Shared {
    source: Vec<(String, Zeroizing<Vec<u8>>)>,
    built: OnceLock<Values>,
}

impl Shared {
    fn values(&self) -> &Values {
        self.built.get_or_init(|| Values::build(&self.source))
    }
}

pub struct Redactor {
    shared: Arc<Shared>,
    /// Bytes read but not yet written: only ever grown by `append`, which moves them to
    /// a new zeroized buffer instead of letting `Vec` free an old one unzeroed.
    pending: Zeroizing<Vec<u8>>,
    /// Which values this stream redacted (by index), for the note that names them.
    hit: Vec<bool>,
}

impl Clone for Redactor {
    /// Another stream with the same values (shared, built once) and nothing held.
    fn clone(&self) -> Self {
        Redactor {
            shared: Arc::clone(&self.shared),
            pending: Zeroizing::new(Vec::with_capacity(self.pending.capacity())),
            hit: Vec::new(),
        }
    }
}

impl Redactor {
    /// `values`: (name, value) pairs; empty values and values shorter than `MIN_LEN`
    /// are not redacted (`too_short` names the latter, for a warning).
    ///
    /// A value is also matched without the ASCII blanks around it ([`searched_form`]):
    /// one stored with `echo "$T" | keyward set K` ends in a newline, and a program that
    /// trims what it reads (`.strip()`, `$(…)`) prints it without. Where the whole
    /// value is printed, the longest match wins: the marker takes its newline too.
    ///
    /// A value of several lines (a PEM body, a JSON credential, a kubeconfig) is also
    /// redacted piece by piece, as a program may print one line of it alone: each word
    /// (run of non-blank bytes) that looks like key material ([`key_like`]). The rest is
    /// the value's structure (`apiVersion: v1`, `"type": "service_account"`, a URL, an
    /// indentation), which the program's own output shares: never a pattern.
    pub fn new(values: &[(String, &[u8])]) -> Redactor {
        let mut source: Vec<(String, Zeroizing<Vec<u8>>)> = Vec::new();
        for (n, v) in values {
            if v.len() >= MIN_LEN {
                source.push((n.clone(), Zeroizing::new(v.to_vec())));
            }
            let trimmed = searched_form(v);
            if trimmed.len() < v.len() {
                source.push((n.clone(), Zeroizing::new(trimmed.to_vec())));
            }
            if v.contains(&b'\n') {
                for word in v.split(|b| b.is_ascii_whitespace()) {
                    if key_like(word) {
                        source.push((n.clone(), Zeroizing::new(word.to_vec())));
                    }
                }
            }
        }
        let max_len = source.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        Redactor {
            shared: Arc::new(Shared {
                source,
                built: OnceLock::new(),
            }),
            pending: Zeroizing::new(Vec::with_capacity(READ_SIZE + max_len)),
            hit: Vec::new(),
        }
    }

    /// Remember that value `i` was redacted.
    fn mark(&mut self, i: usize) {
        if self.hit.len() <= i {
            self.hit.resize(self.shared.source.len().max(i + 1), false);
        }
        self.hit[i] = true;
    }

    /// The names of the values this stream redacted so far (never a value).
    pub fn redacted(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (i, _) in self.hit.iter().enumerate().filter(|(_, h)| **h) {
            let name = &self.shared.source[i].0;
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The names whose values are too short to redact (never the values).
    pub fn too_short<'a>(values: &'a [(String, &[u8])]) -> Vec<&'a str> {
        values
            .iter()
            .filter(|(_, v)| !v.is_empty() && v.len() < MIN_LEN)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Bytes of memory the redactor holds (its own tables, the automaton, the held
    /// output): linear in the total size of the values.
    #[cfg(test)]
    pub fn bytes_held(&self) -> usize {
        let source: usize = self.shared.source.iter().map(|(_, v)| v.capacity()).sum();
        let built = if self.shared.source.is_empty() {
            0
        } else {
            let v = self.shared.values();
            v.trie.bytes_held()
                + v.ac.memory_usage()
                + v.replacements.iter().map(Vec::capacity).sum::<usize>()
        };
        source + built + self.pending.capacity()
    }

    /// Append to `pending` without leaving an unzeroed copy behind on reallocation.
    fn append(&mut self, data: &[u8]) {
        let need = self.pending.len() + data.len();
        if need > self.pending.capacity() {
            let mut grown =
                Zeroizing::new(Vec::with_capacity(need.max(2 * self.pending.capacity())));
            grown.extend_from_slice(&self.pending);
            self.pending = grown; // the old buffer is zeroed as it drops
        }
        self.pending.extend_from_slice(data);
    }

    /// Feed bytes; write out everything that can no longer be part of a value.
    pub fn feed(&mut self, data: &[u8], out: &mut impl Write) -> io::Result<()> {
        if self.shared.source.is_empty() {
            return out.write_all(data);
        }
        let shared = Arc::clone(&self.shared);
        let values = shared.values();
        let ac = &values.ac;
        self.append(data);
        let len = self.pending.len();
        let window = len.min(values.max_len.saturating_sub(1));
        let hold = len - values.trie.held_tail(&self.pending[len - window..]);
        let mut pos = 0;
        let mut emitted_upto = 0;
        let mut hits = Vec::new();
        for m in ac.find_iter(&self.pending[..]) {
            if m.start() >= hold {
                break;
            }
            out.write_all(&self.pending[emitted_upto..m.start()])?;
            out.write_all(&values.replacements[m.pattern().as_usize()])?;
            hits.push(m.pattern().as_usize());
            emitted_upto = m.end();
            pos = m.end();
        }
        let flush_to = hold.max(pos);
        out.write_all(&self.pending[emitted_upto..flush_to])?;
        // Shift the held tail to the front; the bytes left past the new end are zeroed.
        self.pending.copy_within(flush_to.., 0);
        let keep = len - flush_to;
        self.pending[keep..].zeroize();
        self.pending.truncate(keep);
        for i in hits {
            self.mark(i);
        }
        Ok(())
    }

    /// End of stream: what is held back cannot become a value any more.
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        let rest = std::mem::take(&mut *self.pending);
        let rest = Zeroizing::new(rest);
        let mut last = 0;
        let mut hits = Vec::new();
        if !rest.is_empty() && !self.shared.source.is_empty() {
            let shared = Arc::clone(&self.shared);
            let values = shared.values();
            for m in values.ac.find_iter(&rest[..]) {
                out.write_all(&rest[last..m.start()])?;
                out.write_all(&values.replacements[m.pattern().as_usize()])?;
                hits.push(m.pattern().as_usize());
                last = m.end();
            }
        }
        for i in hits {
            self.mark(i);
        }
        out.write_all(&rest[last..])?;
        out.flush()
    }

    /// `pump`, then the names of the values it redacted (DESIGN §16: a note names them)
    /// and what stopped `output` from taking the stream.
    ///
    /// A reader that went away (a broken pipe: `| head -1`) is not an error: reading
    /// stops and the child meets the closed pipe at its next write, as in a shell
    /// pipeline. Any other error (a full disk, an I/O error, a closed stdout) is
    /// returned, and `input` is still read to its end, the bytes wiped and dropped: the
    /// command runs to its end rather than die half-way through a deploy because its log
    /// could not be written.
    pub fn pump_named(mut self, mut input: impl Read, output: impl Write) -> Pumped {
        let lost = match self.pump_inner(&mut input, output) {
            Ok(()) => None,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => None,
            Err(e) => {
                drain(&mut input);
                Some(e)
            }
        };
        Pumped {
            redacted: self.redacted(),
            lost,
        }
    }

    /// Copy `input` to `output` through the filter until EOF, flushing after each read.
    pub fn pump(mut self, mut input: impl Read, output: impl Write) -> io::Result<()> {
        self.pump_inner(&mut input, output)
    }

    fn pump_inner(&mut self, input: &mut impl Read, mut output: impl Write) -> io::Result<()> {
        self.feed_all(input, &mut output)?;
        self.finish(&mut output)
    }

    /// `pump` for a capture cut short at a size limit: its end is not the stream's end,
    /// so what is held back there (the start of a value whose rest was never read) is
    /// dropped, not shown as `finish` would. Says whether bytes were dropped.
    pub fn pump_cut(mut self, mut input: impl Read, mut output: impl Write) -> io::Result<bool> {
        self.feed_all(&mut input, &mut output)?;
        let dropped = !self.pending.is_empty();
        self.pending.zeroize();
        self.pending.clear();
        output.flush()?;
        Ok(dropped)
    }

    /// Feed all of `input`, flushing after each read; nothing of the held tail goes out.
    fn feed_all(&mut self, input: &mut impl Read, mut output: impl Write) -> io::Result<()> {
        let mut buf = Zeroizing::new(vec![0u8; READ_SIZE]);
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
        Ok(())
    }
}

/// What became of a stream `pump_named` passed on.
#[derive(Debug, Default)]
pub struct Pumped {
    /// The names of the values redacted from it.
    pub redacted: Vec<String>,
    /// Why the output stopped taking it (never a broken pipe); what came after was
    /// read and dropped.
    pub lost: Option<io::Error>,
}

/// Read `input` to its end and drop what it gives, through a buffer wiped after use
/// (the bytes may hold values). A read error ends it: the writer is gone anyway.
fn drain(input: &mut impl Read) {
    let mut buf = Zeroizing::new(vec![0u8; READ_SIZE]);
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// What `pump` reads at once.
const READ_SIZE: usize = 64 * 1024;

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
