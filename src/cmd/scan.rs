//! `keyward scan`: find vault keys in files, trees and stdin, with no false positives.
//!
//! keyward knows its keys exactly, so it looks for the values themselves (every version,
//! any status, one multi-pattern automaton), plus any keyward-format token whose checksum
//! is valid but which this vault does not hold (a key from another vault or environment).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::crypto::{self, Secret};
use crate::error::{Error, Result};
use crate::names::now_ms;
use crate::vault::Status;

/// Scan files, directory trees or stdin for leaked keys
///
/// Finds the exact value of every version of every key (current, retiring, retired,
/// revoked) in every environment the identity can open (or only -e ENV), and any
/// keyward token with a valid checksum that the vault does not hold. Directories are
/// walked in parallel, honouring .gitignore (--no-ignore scans everything); hidden files
/// are scanned, `.git/` is skipped. Binary files are searched too (a key is ASCII), and
/// so is UTF-16 text (a file saved by a Windows editor). Findings show a masked value,
/// never the key. Exit 8 when anything is found.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward scan\n  keyward scan src/ config/ .env.example\n  git log -p | keyward scan -\n  keyward scan --staged            # in a pre-commit hook\n  keyward scan -e prod --json logs/"
)]
pub struct ScanArgs {
    /// Files or directories to scan, `-` for stdin [default: .]
    pub paths: Vec<PathBuf>,

    /// Scan files that .gitignore and .ignore exclude
    #[arg(long)]
    pub no_ignore: bool,

    /// Scan what is staged for the next commit in the git repository here
    #[arg(long, conflicts_with = "paths")]
    pub staged: bool,
}

/// One vault value to look for.
struct Pattern {
    env: String,
    name: String,
    version: u32,
    status: Status,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    path: String,
    line: usize,
    column: usize,
    env: String,
    /// The key's name, or `null` for a token the vault does not hold.
    name: Option<String>,
    version: Option<u32>,
    status: String,
    masked: String,
    /// `utf-16` when the key was found as UTF-16 text; absent for bytes as they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

impl Finding {
    /// A finding whose line and column are filled in once all hits of a file are known.
    fn new(
        path: &str,
        env: &str,
        key: Option<(String, u32)>,
        status: &str,
        masked: String,
    ) -> Self {
        let (name, version) = key.unzip();
        Finding {
            path: path.to_owned(),
            line: 0,
            column: 0,
            env: env.to_owned(),
            name,
            version,
            status: status.to_owned(),
            masked,
            encoding: None,
        }
    }
}

/// Token-format values are found through their 36-character body after a `_` (a hash
/// lookup per candidate: fast however many keys the vault holds); every other value goes
/// into one Aho-Corasick automaton.
struct Scanner {
    ac: Option<AhoCorasick>,
    /// Pattern index of each automaton pattern.
    ac_index: Vec<usize>,
    tokens: HashMap<[u8; BODY], Vec<usize>>,
    values: Vec<Secret>,
    patterns: Vec<Pattern>,
    masks: Vec<String>,
}

const BODY: usize = crypto::TOKEN_RANDOM_CHARS + crypto::TOKEN_CHECK_CHARS;

/// Shorter values would be found all over a tree by coincidence.
const MIN_VALUE_LEN: usize = 8;

pub fn run(args: ScanArgs, ctx: &Context) -> Result<()> {
    let scanner = build_scanner(ctx)?;
    let findings = Mutex::new(Vec::new());
    if args.staged {
        scan_staged(&scanner, &findings)?;
    } else {
        let mut paths = args.paths.clone();
        if paths.is_empty() {
            paths.push(PathBuf::from("."));
        }
        let (stdin, files): (Vec<_>, Vec<_>) =
            paths.into_iter().partition(|p| p.as_os_str() == "-");
        if !stdin.is_empty() {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Error::io("cannot read", "stdin", e))?;
            scanner.scan_all("<stdin>", &buf, &findings);
        }
        if !files.is_empty() {
            walk(ctx, &scanner, &files, args.no_ignore, &findings)?;
        }
    }
    let mut findings = findings.into_inner().expect("no poisoned lock");
    findings.sort();
    findings.dedup();
    report(ctx, &findings)
}

fn build_scanner(ctx: &Context) -> Result<Scanner> {
    let now = now_ms();
    let envs = if ctx.env_explicit {
        vec![ctx.open_env()?]
    } else {
        let (open, skipped) = ctx.open_all_envs()?;
        for (env, _) in skipped {
            ctx.out.note(&format!(
                "not scanning for keys of `{env}`: this identity is not a recipient (its tokens are still recognised)"
            ));
        }
        open
    };
    let mut patterns = Vec::new();
    let mut short = 0;
    let mut values: Vec<Secret> = Vec::new();
    let mut masks = Vec::new();
    for db in &envs {
        for (name, version, value) in db.every_version()? {
            if value.len() < MIN_VALUE_LEN {
                short += 1;
                continue;
            }
            masks.push(crypto::mask(value.expose()));
            patterns.push(Pattern {
                env: db.env.to_string(),
                name: name.to_string(),
                version: version.version,
                status: version.status(now),
            });
            values.push(value);
        }
    }
    if short > 0 {
        ctx.out.warn(&format!(
            "{short} value(s) shorter than {MIN_VALUE_LEN} bytes are not searched for: they would match by chance"
        ));
    }
    let mut tokens: HashMap<[u8; BODY], Vec<usize>> = HashMap::new();
    let mut ac_index = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match crypto::parse_token(v.expose()) {
            Some(_) => {
                let body: [u8; BODY] = v.expose()[v.len() - BODY..].try_into().expect("length");
                tokens.entry(body).or_default().push(i);
            }
            None => ac_index.push(i),
        }
    }
    let ac = if ac_index.is_empty() {
        None
    } else {
        let pats = ac_index.iter().map(|&i| values[i].expose());
        let kind = (ac_index.len() <= 2_000).then_some(AhoCorasickKind::DFA);
        Some(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(kind)
                .build(pats)
                .map_err(|e| Error::Other(format!("cannot build the scanner: {e}")))?,
        )
    };
    Ok(Scanner {
        ac,
        ac_index,
        tokens,
        values,
        patterns,
        masks,
    })
}

impl Scanner {
    /// Scan a file's bytes as they are and, when they hold a NUL byte (binary, or UTF-16
    /// text: every ASCII character of UTF-16 comes with a zero byte), also their UTF-16
    /// readings, so a key saved by a Windows editor is still found.
    fn scan_all(&self, path: &str, data: &[u8], out: &Mutex<Vec<Finding>>) {
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
        let mut hits: Vec<(usize, Finding)> = Vec::new();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        let mut known = |i: usize, start: usize, end: usize| {
            let p = &self.patterns[i];
            covered.push((start, end));
            hits.push((
                start,
                Finding::new(
                    path,
                    &p.env,
                    Some((p.name.clone(), p.version)),
                    p.status.as_str(),
                    self.masks[i].clone(),
                ),
            ));
        };
        if let Some(ac) = &self.ac {
            for m in ac.find_iter(data) {
                known(self.ac_index[m.pattern().as_usize()], m.start(), m.end());
            }
        }
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
                    let v = self.values[i].expose();
                    if end >= v.len() && &data[end - v.len()..end] == v {
                        known(i, end - v.len(), end);
                    }
                }
            }
        }
        for (start, end) in find_tokens(data) {
            if covered.iter().any(|&(s, e)| s < end && start < e) {
                continue;
            }
            let token = &data[start..end];
            if let Some(info) = crypto::parse_token(token) {
                hits.push((
                    start,
                    Finding::new(path, info.env, None, "unknown-token", crypto::mask(token)),
                ));
            }
        }
        if hits.is_empty() {
            return;
        }
        hits.sort_by_key(|(at, _)| *at);
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

/// Byte ranges shaped like a keyward token: `<prefix>_<env>_<36 base62>`, with word
/// boundaries. The checksum is checked by the caller.
fn find_tokens(data: &[u8]) -> Vec<(usize, usize)> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    // Anchor on the `_` before the body: 36 alphanumerics then a non-word byte.
    for us in memchr::memchr_iter(b'_', data) {
        let body_end = us + 1 + BODY;
        if body_end > data.len()
            || !data[us + 1..body_end].iter().all(u8::is_ascii_alphanumeric)
            || data.get(body_end).is_some_and(|&b| word(b))
        {
            continue;
        }
        // Walk back over `<env>` to the `_` after the prefix, then over the prefix.
        let mut i = us;
        while i > 0
            && (data[i - 1].is_ascii_lowercase()
                || data[i - 1].is_ascii_digit()
                || data[i - 1] == b'-')
        {
            i -= 1;
        }
        if i == 0 || data[i - 1] != b'_' || i == us {
            continue;
        }
        let mut start = i - 1;
        while start > 0
            && (data[start - 1].is_ascii_lowercase() || data[start - 1].is_ascii_digit())
        {
            start -= 1;
        }
        if start == i - 1 || (start > 0 && word(data[start - 1])) {
            continue;
        }
        out.push((start, body_end));
    }
    out
}

fn walk(
    ctx: &Context,
    scanner: &Scanner,
    paths: &[PathBuf],
    no_ignore: bool,
    findings: &Mutex<Vec<Finding>>,
) -> Result<()> {
    for p in paths {
        if !p.exists() {
            return Err(Error::FileNotFound { path: p.clone() });
        }
    }
    let mut builder = ignore::WalkBuilder::new(&paths[0]);
    for p in &paths[1..] {
        builder.add(p);
    }
    builder
        .hidden(false)
        .parents(!no_ignore)
        .ignore(!no_ignore)
        .git_ignore(!no_ignore)
        .git_global(!no_ignore)
        .git_exclude(!no_ignore)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    let errors = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.lock().expect("no poisoned lock").push(e.to_string());
                    return ignore::WalkState::Continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_file()) {
                scan_file(scanner, entry.path(), findings, &errors);
            }
            ignore::WalkState::Continue
        })
    });
    let errors = errors.into_inner().expect("no poisoned lock");
    for e in &errors {
        ctx.out.warn(e);
    }
    // A scan that could not read everything must not report "clean".
    if !errors.is_empty() && findings.lock().expect("no poisoned lock").is_empty() {
        return Err(Error::Other(format!(
            "scan incomplete: {} path(s) could not be read",
            errors.len()
        )));
    }
    Ok(())
}

fn scan_file(
    scanner: &Scanner,
    path: &Path,
    findings: &Mutex<Vec<Finding>>,
    errors: &Mutex<Vec<String>>,
) {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            errors
                .lock()
                .expect("no poisoned lock")
                .push(format!("cannot read `{}`: {e}", path.display()));
            return;
        }
    };
    // Binary files too: skipping them (as git and ripgrep do for display) would let a
    // key past the pre-commit hook in any file with a NUL byte.
    let shown = path.strip_prefix("./").unwrap_or(path);
    scanner.scan_all(&shown.display().to_string(), &data, findings);
}

fn scan_staged(scanner: &Scanner, findings: &Mutex<Vec<Finding>>) -> Result<()> {
    let git = |args: &[&str]| -> Result<Vec<u8>> {
        let out = Command::new("git")
            .args(args)
            .output()
            .map_err(|e| Error::Other(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(Error::Other(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out.stdout)
    };
    let names = git(&[
        "diff",
        "--cached",
        "--name-only",
        "-z",
        "--diff-filter=ACMR",
    ])?;
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let blob = git(&["show", &format!(":{name}")])?;
        scanner.scan_all(&name, &blob, findings);
    }
    Ok(())
}

fn report(ctx: &Context, findings: &[Finding]) -> Result<()> {
    if ctx.out.json {
        ctx.out.json(findings)?;
    } else {
        for f in findings {
            let what = match (&f.name, f.version) {
                (Some(n), Some(v)) => format!("{}/{n} v{v} ({})", f.env, f.status),
                _ => format!("unknown keyward token of environment `{}`", f.env),
            };
            // `line` escapes control characters: a file name holding a newline or an
            // escape sequence cannot forge or hide a finding (JSON keeps it exact).
            let encoding = f
                .encoding
                .map(|e| format!(" (as {} text)", e.to_uppercase()))
                .unwrap_or_default();
            ctx.out.line(&format!(
                "{}:{}:{}: {what} {}{encoding}",
                f.path, f.line, f.column, f.masked
            ))?;
        }
    }
    if findings.is_empty() {
        ctx.out.note("no keys found");
        Ok(())
    } else {
        ctx.out
            .note(&format!("{} leaked key(s) found", findings.len()));
        Err(Error::Findings(format!("{} finding(s)", findings.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_are_found_with_word_boundaries() {
        let t = b"kw_prod_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let text = [b"x = \"".as_slice(), t, b"\";"].concat();
        assert_eq!(find_tokens(&text), vec![(5, 5 + t.len())]);
        // part of a longer word: not a token
        let glued = [b"my".as_slice(), b"_", t].concat();
        assert_eq!(find_tokens(&glued), vec![]);
        let longer = [t.as_slice(), b"B"].concat();
        assert_eq!(find_tokens(&longer), vec![]);
        // env names may hold dashes
        let dashed = b"acme_eu-west-1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(find_tokens(dashed), vec![(0, dashed.len())]);
        assert_eq!(find_tokens(b"snake_case_identifier_here"), vec![]);
    }

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
}
