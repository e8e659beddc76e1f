//! The matcher: given the vault's values, find them (and any other valid keyward token)
//! in a buffer, with line and column. Pure: no files, no vault, no output.
//!
//! A value is searched for without the ASCII blanks around it (as `run` redacts it,
//! [`searched_form`]): one stored with a trailing newline is found where it was printed
//! trimmed, and every place the whole value occurs is still found.
//!
//! Token-format values are found through their 36-character body after a `_` (a hash
//! lookup per candidate: fast however many keys the vault holds); every other value goes
//! into one Aho-Corasick automaton. Token shapes come from `crate::token`, the only
//! place the grammar lives.
//!
//! Every key whose value occurs is reported, not one per matched text: keys holding the
//! same value (a revoked dev key and the active prod key it was copied to) are one
//! automaton pattern that names them all, and the automaton reports overlapping matches,
//! so a value inside another key's value (a password inside a database URL) is found
//! too. Each value is reported once per line it occurs on (its first place there): a
//! value that overlaps itself (`aaaaaaaa` in a line of `a`s) would otherwise be a finding
//! at every offset, millions for a file a hostile commit can make. So the matches kept
//! are at most the lines times the values found on them, and both stay linear in the
//! bytes scanned plus the matches kept.

use std::collections::HashMap;
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::report::Finding;
use crate::error::{Error, Result};
use crate::redact::searched_form;
use crate::secret::Secret;
use crate::token::{self, TOKEN_BODY_CHARS as BODY};
use crate::vault::Status;

/// Shorter values would be found all over a tree by coincidence.
pub const MIN_VALUE_LEN: usize = 8;

/// The most findings one file (one reading of it) lists: a hostile file of millions of
/// well-formed tokens would otherwise hold a heap-allocated finding per token (1 GB for
/// 88 MB of tokens) and print as many lines. Past it the findings are counted, and the
/// count is said (see [`Scanner::take_notes`]); the scan still exits 8.
pub const MAX_FINDINGS_PER_FILE: usize = 1000;

/// One vault value to look for, and what to call it when found.
pub struct Pattern {
    pub env: String,
    pub name: String,
    pub version: u32,
    pub status: Status,
    pub value: Secret,
}

pub struct Scanner {
    ac: Option<AhoCorasick>,
    /// The patterns holding each automaton pattern's value (one automaton pattern per
    /// distinct value, naming every key, environment and version that holds it).
    ac_index: Vec<Vec<usize>>,
    tokens: HashMap<[u8; BODY], Vec<usize>>,
    patterns: Vec<Pattern>,
    masks: Vec<String>,
    /// The vault's recipients, to tell an identity of this vault (DESIGN §16).
    known: super::identities::Known,
    /// What the scan left out, to say (findings past [`MAX_FINDINGS_PER_FILE`]).
    notes: Mutex<Vec<String>>,
}

impl Scanner {
    /// Build the matcher for `patterns`, which the caller has already filtered to values
    /// of at least [`MIN_VALUE_LEN`] bytes.
    pub fn new(patterns: Vec<Pattern>) -> Result<Scanner> {
        let masks = patterns
            .iter()
            .map(|p| token::mask(p.value.expose()))
            .collect();
        let mut tokens: HashMap<[u8; BODY], Vec<usize>> = HashMap::new();
        let mut ac_index: Vec<Vec<usize>> = Vec::new();
        // Distinct value → its automaton pattern. Keyed by the value itself (no copy):
        // the map lives only while the automaton is built.
        let mut distinct: HashMap<&[u8], usize> = HashMap::new();
        for (i, p) in patterns.iter().enumerate() {
            let v = searched_form(p.value.expose());
            match token::parse_token(v) {
                Some(_) => {
                    let body: [u8; BODY] = v[v.len() - BODY..].try_into().expect("length");
                    tokens.entry(body).or_default().push(i);
                }
                None => {
                    let next = ac_index.len();
                    let at = *distinct.entry(v).or_insert(next);
                    if at == next {
                        ac_index.push(Vec::new());
                    }
                    ac_index[at].push(i);
                }
            }
        }
        drop(distinct);
        let ac = if ac_index.is_empty() {
            None
        } else {
            let pats = ac_index
                .iter()
                .map(|keys| searched_form(patterns[keys[0]].value.expose()));
            let kind = (ac_index.len() <= 2_000).then_some(AhoCorasickKind::DFA);
            Some(
                AhoCorasick::builder()
                    // Standard semantics, searched overlapping: every value found
                    // wherever it ends, including inside a longer one.
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(pats)
                    .map_err(|e| Error::Failed {
                        what: "build the scanner",
                        detail: e.to_string(),
                    })?,
            )
        };
        Ok(Scanner {
            ac,
            ac_index,
            tokens,
            patterns,
            masks,
            known: Default::default(),
            notes: Mutex::default(),
        })
    }

    /// The recipients of the environments opened, with the environments each opens: an
    /// identity found of one of them is said to be this vault's.
    pub fn knowing(mut self, known: super::identities::Known) -> Scanner {
        self.known = known;
        self
    }

    /// What the scans so far left out (a file's findings past [`MAX_FINDINGS_PER_FILE`]),
    /// one line each, to warn about.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().expect("no poisoned lock"))
    }

    /// Scan a file's bytes as they are and, when they hold a NUL byte (binary, or UTF-16
    /// text: every ASCII character of UTF-16 comes with a zero byte), also their UTF-16
    /// readings, so a key saved by a Windows editor is still found.
    pub fn scan_all(&self, path: &str, data: &[u8], out: &Mutex<Vec<Finding>>) {
        self.scan(path, data, None, out);
        if memchr::memchr(0, data).is_some() {
            for align in [0, 1] {
                self.scan(path, &utf16_ascii(data, align), Some("utf-16"), out);
            }
        }
    }

    /// Scan one buffer and add its findings.
    fn scan(
        &self,
        path: &str,
        data: &[u8],
        encoding: Option<&'static str>,
        out: &Mutex<Vec<Finding>>,
    ) {
        let mut hits = Kept::default();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        // Per value: where the line of its last kept match ends (see the module doc).
        let mut kept_until: HashMap<usize, usize> = HashMap::new();
        let mut first_on_line = |value: usize, start: usize| -> bool {
            if kept_until.get(&value).is_some_and(|&until| start < until) {
                return false;
            }
            let eol = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |n| start + n);
            kept_until.insert(value, eol);
            true
        };
        // Every match of a vault value, kept or not, covers its bytes (so that a token
        // skipped as a second on its line is not then reported as unknown); a run of
        // matches overlapping each other (they come by their end) is one span.
        let mut cover = |start: usize, end: usize| match covered.last_mut() {
            Some(last) if start <= last.1 && last.0 <= end => {
                *last = (last.0.min(start), last.1.max(end))
            }
            _ => covered.push((start, end)),
        };
        let known = |hits: &mut Kept, i: usize, start: usize| {
            let p = &self.patterns[i];
            hits.keep_value(i, start, || {
                Finding::new(
                    path,
                    &p.env,
                    Some((p.name.clone(), p.version)),
                    p.status.as_str(),
                    self.masks[i].clone(),
                )
            });
        };
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(data) {
                let value = m.pattern().as_usize();
                cover(m.start(), m.end());
                if !first_on_line(value, m.start()) {
                    continue;
                }
                for &i in &self.ac_index[value] {
                    known(&mut hits, i, m.start());
                }
            }
        }
        hits.next_source();
        if !self.tokens.is_empty() {
            for us in memchr::memchr_iter(b'_', data) {
                let Some(body) = data.get(us + 1..us + 1 + BODY) else {
                    break;
                };
                if !body.iter().all(u8::is_ascii_alphanumeric) {
                    continue;
                }
                let Some(candidates) = self.tokens.get(body) else {
                    continue;
                };
                let end = us + 1 + BODY;
                for &i in candidates {
                    let v = searched_form(self.patterns[i].value.expose());
                    // Token values are told from automaton values by their index.
                    if end >= v.len() && &data[end - v.len()..end] == v {
                        cover(end - v.len(), end);
                        if first_on_line(usize::MAX - i, end - v.len()) {
                            known(&mut hits, i, end - v.len());
                        }
                    }
                }
            }
        }
        // A token already reported as a vault value is not reported again as unknown:
        // the kept matches by start, with the furthest end reached so far, answer
        // "does any kept match overlap this one" by one binary search.
        covered.sort_unstable();
        let reach: Vec<usize> = covered
            .iter()
            .scan(0, |far, &(_, e)| {
                *far = (*far).max(e);
                Some(*far)
            })
            .collect();
        let overlaps = |start: usize, end: usize| {
            let before = covered.partition_point(|&(s, _)| s < end);
            before > 0 && reach[before - 1] > start
        };
        hits.next_source();
        for (start, end) in token::find_tokens(data) {
            if overlaps(start, end) {
                continue;
            }
            let found = &data[start..end];
            if let Some(info) = token::parse_token(found) {
                hits.keep(start, || {
                    Finding::new(path, info.env, None, "unknown-token", token::mask(found))
                });
            }
        }
        hits.next_source();
        for (start, recipient) in super::identities::find(data) {
            hits.keep(start, || {
                let (env, status, masked) = super::identities::describe(&recipient, &self.known);
                Finding::new(path, &env, None, status, masked)
            });
        }
        let (hits, past) = hits.first();
        if past > 0 {
            let reading = encoding.map_or(String::new(), |e| format!(" (read as {e})"));
            self.notes.lock().expect("no poisoned lock").push(format!(
                "`{path}`{reading}: {past} more finding(s) past the first {MAX_FINDINGS_PER_FILE} of a kind not listed"
            ));
        }
        if hits.is_empty() {
            return;
        }
        // Line and column (1-based, column in bytes), counted once through the buffer.
        let (mut line, mut line_start, mut pos) = (1, 0, 0);
        let mut done = Vec::with_capacity(hits.len());
        for (at, mut f) in hits {
            for nl in memchr::memchr_iter(b'\n', &data[pos..at]) {
                line += 1;
                line_start = pos + nl + 1;
            }
            pos = at;
            f.line = line;
            f.column = at - line_start + 1;
            f.encoding = encoding;
            done.push(f);
        }
        out.lock().expect("no poisoned lock").extend(done);
    }
}

/// The hits of one buffer, at most [`MAX_FINDINGS_PER_FILE`] of each vault value (so that
/// no key crowds out another: a thousand copies of a test key before the one line that
/// holds a production key) and of each other source (unknown tokens, identities: each
/// comes in the order of the buffer), the others only counted; a finding past that is
/// never built.
#[derive(Default)]
struct Kept {
    hits: Vec<(usize, Finding)>,
    of_source: usize,
    of_value: std::collections::HashMap<usize, usize>,
    past: usize,
}

impl Kept {
    /// A hit of vault value `i` (its own budget).
    fn keep_value(&mut self, i: usize, start: usize, finding: impl FnOnce() -> Finding) {
        let n = self.of_value.entry(i).or_default();
        if *n < MAX_FINDINGS_PER_FILE {
            *n += 1;
            self.hits.push((start, finding()));
        } else {
            self.past += 1;
        }
    }

    fn keep(&mut self, start: usize, finding: impl FnOnce() -> Finding) {
        if self.of_source < MAX_FINDINGS_PER_FILE {
            self.of_source += 1;
            self.hits.push((start, finding()));
        } else {
            self.past += 1;
        }
    }

    fn next_source(&mut self) {
        self.of_source = 0;
    }

    /// The hits kept, by place, and how many more there were. Never cut to a total: a
    /// vault's own value after a thousand foreign tokens must still be named (each
    /// source is bounded already).
    fn first(mut self) -> (Vec<(usize, Finding)>, usize) {
        self.hits.sort_by_key(|(at, _)| *at);
        (self.hits, self.past)
    }
}

/// The ASCII text in `data` read as UTF-16 code units from byte `align`: a unit `(c, 0)`
/// with `c` ASCII becomes `c`, any other unit a NUL (never part of a key), so lines and
/// columns count code units. Little-endian text is the reading at its own alignment;
/// big-endian text (`0, c`) is the little-endian reading one byte later, so alignments 0
/// and 1 cover both byte orders (a BOM decodes to a NUL). A lone last byte counts as a
/// unit whose other byte is 0 (the end of big-endian text).
fn utf16_ascii(data: &[u8], align: usize) -> Vec<u8> {
    data.get(align..)
        .unwrap_or_default()
        .chunks(2)
        .map(|unit| match *unit {
            [c, 0] | [c] if c.is_ascii() => c,
            _ => 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_readings_recover_ascii_in_both_byte_orders() {
        let le: Vec<u8> = "\u{feff}a=KEY\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16_ascii(&le, 0), b"\0a=KEY\n");
        let be: Vec<u8> = "\u{feff}é KEY"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_ascii(&be, 1), b"\0\0 KEY");
        assert_eq!(utf16_ascii(b"x", 1), b"");
    }

    #[test]
    fn values_are_found_with_line_and_column_and_masked() {
        let scanner = Scanner::new(vec![Pattern {
            env: "dev".into(),
            name: "API".into(),
            version: 2,
            status: Status::Active,
            value: Secret::new(b"sk_live_abcdefghijklmn".to_vec()),
        }])
        .unwrap();
        let out = Mutex::new(Vec::new());
        scanner.scan_all("f", b"a\nkey = sk_live_abcdefghijklmn\n", &out);
        let found = out.into_inner().unwrap();
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!((f.line, f.column), (2, 7));
        assert_eq!((f.name.as_deref(), f.version), (Some("API"), Some(2)));
        assert_eq!(f.masked, "…", "22 characters: too short to show any");
    }

    fn pattern(env: &str, name: &str, status: Status, value: &str) -> Pattern {
        Pattern {
            env: env.into(),
            name: name.into(),
            version: 1,
            status,
            value: Secret::new(value.as_bytes().to_vec()),
        }
    }

    #[test]
    fn every_key_holding_a_value_found_is_named_and_values_inside_others_too() {
        let scanner = Scanner::new(vec![
            pattern("dev", "OLD", Status::Revoked, "sk_shared_ABCDEFGH12345"),
            pattern("prod", "STRIPE", Status::Active, "sk_shared_ABCDEFGH12345"),
            pattern("prod", "PW", Status::Active, "Pa55w0rd!xyz"),
            pattern(
                "test",
                "URL",
                Status::Active,
                "postgres://app:Pa55w0rd!xyz@db/a",
            ),
        ])
        .unwrap();
        let out = Mutex::new(Vec::new());
        scanner.scan_all(
            "f",
            b"s=sk_shared_ABCDEFGH12345
postgres://app:Pa55w0rd!xyz@db/a",
            &out,
        );
        let mut found: Vec<_> = out
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|f| (f.env, f.name.unwrap(), f.line, f.column))
            .collect();
        found.sort();
        let want = |e: &str, n: &str, l, c| (e.to_owned(), n.to_owned(), l, c);
        assert_eq!(
            found,
            vec![
                want("dev", "OLD", 1, 3),
                want("prod", "PW", 2, 16),
                want("prod", "STRIPE", 1, 3),
                want("test", "URL", 2, 1),
            ]
        );
    }

    #[test]
    fn a_value_is_one_finding_per_line_however_often_it_overlaps_itself() {
        let token = token::generate(
            &token::GenSpec {
                format: token::Format::Token,
                bytes: token::DEFAULT_BYTES,
                prefix: "kw".into(),
            },
            &"dev".parse().unwrap(),
        );
        let token = String::from_utf8(token.expose().to_vec()).unwrap();
        let scanner = Scanner::new(vec![
            pattern("dev", "A12", Status::Active, &"a".repeat(12)),
            pattern("dev", "A16", Status::Active, &"a".repeat(16)),
            pattern("dev", "T", Status::Active, &token),
        ])
        .unwrap();
        let out = Mutex::new(Vec::new());
        // A hostile file: 2 lines of 100,000 `a`s, then a line holding the token thrice.
        let line = "a".repeat(100_000);
        let data = format!("{line}\n{line}\n{token} {token} x={token}\n");
        scanner.scan_all("f", data.as_bytes(), &out);
        let mut found: Vec<_> = out
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|f| (f.line, f.name.unwrap_or_default(), f.status))
            .collect();
        found.sort();
        let want = |l, n: &str| (l, n.to_owned(), "active".to_owned());
        assert_eq!(
            found,
            vec![
                want(1, "A12"),
                want(1, "A16"),
                want(2, "A12"),
                want(2, "A16"),
                want(3, "T"),
            ],
            "once per value and line; the token's other places are not unknown tokens"
        );
    }
}
