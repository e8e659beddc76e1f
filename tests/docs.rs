//! The docs are tested (issue 27): README.md and docs/**/*.md say only what the binary
//! accepts, and point only at files and headings that exist.
//!
//! What a doc must follow, and what is checked:
//! - Every fenced code block names its language. `sh` (also `bash`, `shell`) holds
//!   commands and scripts: every line is read as shell. `console` holds a session: lines
//!   starting with `$ ` are commands, the rest output. `yaml` and `ini` hold CI steps and
//!   services: a line that mentions `keyward ` is read as shell after its key (`run:`,
//!   `- `, `ExecStart=`). `text` holds layouts and output and never starts a line with
//!   `keyward `; `sql` and `rust` are not read.
//! - Every `keyward …` command found that way (also after `|`, `&&`, `;`, `exec`, `VAR=…`,
//!   inside `$(…)`, and inside `sh -c '…'`) must parse with the real definition,
//!   `keyward::cli::Cli::try_parse_from`. Placeholders stand for plausible values: `$VAR`
//!   and `${VAR}` (64 hex digits when the name says HEAD or HASH, `prod` for one ending in
//!   ENV, else a word), `$(…)` (an age recipient, what such a substitution prints in these
//!   docs; the command inside is checked too), `<name>` (a word), a word with `…`
//!   (`age1…` an age recipient, `ed25519:…` a verifier public key, else the word without
//!   the ellipsis). Redirections (`> FILE`, `2>&1`, `>&-`) are dropped.
//! - Every relative link (`[text](path#anchor)`) outside code points to a file that
//!   exists, and its anchor to a heading of that file (GitHub's slugs).
//! - README.md links to every file under docs/, and keeps the install and test commands.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::error::ErrorKind;
use keyward::cli::Cli;

/// A valid X25519 recipient (the example of age's own README), for `age1…`.
const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
/// A valid Ed25519 public key (the base point), for `ed25519:…`.
const PUBKEY: &str = "ed25519:5866666666666666666666666666666666666666666666666666666666666666";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every `.md` under docs/, as paths relative to the repository.
fn doc_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut files = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect()
}

fn read(rel: &Path) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{}: {e}", rel.display()))
}

/// A fenced code block: its language and its lines with their 1-based line numbers.
struct Block {
    lang: String,
    start: usize,
    lines: Vec<(usize, String)>,
}

/// Splits a markdown file into its fenced code blocks and the prose lines outside them.
fn parse_markdown(text: &str) -> (Vec<Block>, Vec<(usize, String)>) {
    let mut blocks = Vec::new();
    let mut prose = Vec::new();
    let mut open: Option<(String, Block)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(fence) = fence_of(trimmed) {
                    let lang = trimmed[fence.len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("");
                    let block = Block {
                        lang: lang.to_owned(),
                        start: n,
                        lines: Vec::new(),
                    };
                    open = Some((fence, block));
                } else {
                    prose.push((n, line.to_owned()));
                }
            }
            Some((fence, block)) => {
                let closing = trimmed.trim_end();
                if closing.len() >= fence.len() && closing.chars().all(|c| fence.starts_with(c)) {
                    blocks.push(open.take().unwrap().1);
                } else {
                    block.lines.push((n, line.to_owned()));
                }
            }
        }
    }
    if let Some((_, block)) = open {
        panic!(
            "a code block opened at line {} is never closed",
            block.start
        );
    }
    (blocks, prose)
}

/// The fence (three or more backticks or tildes) a line opens with, if any.
fn fence_of(line: &str) -> Option<String> {
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let fence: String = line.chars().take_while(|x| *x == c).collect();
    (fence.len() >= 3).then_some(fence)
}

const SHELL: [&str; 3] = ["sh", "bash", "shell"];
const CONFIG: [&str; 3] = ["yaml", "yml", "ini"];
const NOT_READ: [&str; 3] = ["text", "sql", "rust"];

/// A command found in the docs: where, and its words after placeholders.
struct Found {
    at: String,
    words: Vec<String>,
}

/// Every `keyward …` command in a file's code blocks; also problems with the blocks.
fn commands_in(rel: &Path, problems: &mut Vec<String>) -> Vec<Found> {
    let (blocks, _) = parse_markdown(&read(rel));
    let mut found = Vec::new();
    for block in blocks {
        let lang = block.lang.as_str();
        let at = |n: usize| format!("{}:{n}", rel.display());
        // Logical lines: a trailing backslash continues the line.
        let mut logical: Vec<(usize, String)> = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (n, line) in &block.lines {
            let (start, mut text) = pending.take().unwrap_or((*n, String::new()));
            text.push_str(line);
            if text.ends_with('\\') {
                text.pop();
                text.push(' ');
                pending = Some((start, text));
            } else {
                logical.push((start, text));
            }
        }
        logical.extend(pending);

        let mut sources: Vec<(usize, String)> = Vec::new();
        if SHELL.contains(&lang) {
            sources = logical;
        } else if lang == "console" {
            sources.extend(
                logical
                    .into_iter()
                    .filter_map(|(n, l)| Some((n, l.trim_start().strip_prefix("$ ")?.to_owned()))),
            );
        } else if CONFIG.contains(&lang) {
            for (n, line) in logical {
                if !mentions_keyward(&line) {
                    continue;
                }
                let mut s = line.trim_start();
                s = s.strip_prefix("- ").unwrap_or(s);
                // A YAML key (`run: keyward …`) or an INI one (`ExecStart=/bin/sh -c '…'`).
                for sep in [": ", "="] {
                    if let Some((key, rest)) = s.split_once(sep)
                        && !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        s = rest;
                    }
                }
                sources.push((n, s.to_owned()));
            }
        } else if NOT_READ.contains(&lang) {
            for (n, line) in &block.lines {
                let line = line.trim_start();
                if line
                    .strip_prefix("$ ")
                    .unwrap_or(line)
                    .starts_with("keyward ")
                {
                    problems.push(format!(
                        "{}: a command in a `{lang}` block: use ```sh so it is checked",
                        at(*n)
                    ));
                }
            }
        } else {
            problems.push(format!(
                "{}: a code block without a known language (`{lang}`): say sh, console, yaml, ini, text, sql or rust",
                at(block.start)
            ));
        }
        for (n, line) in sources {
            match shell_commands(&line) {
                Ok(commands) => found.extend(
                    commands
                        .into_iter()
                        .filter(|w| w.first().is_some_and(|w| w == "keyward"))
                        .map(|words| Found { at: at(n), words }),
                ),
                Err(e) => problems.push(format!("{}: cannot read as shell ({e}): {line}", at(n))),
            }
        }
    }
    found
}

fn mentions_keyward(line: &str) -> bool {
    line.match_indices("keyward").any(|(i, _)| {
        line[i + 7..].starts_with([' ', '\t']) && !line[..i].ends_with(['/', '-', '_', '.'])
    })
}

/// The simple commands of a shell line (and of every `$(…)` and `sh -c '…'` in it), each
/// as its words after placeholders, with assignments and `exec` in front removed.
fn shell_commands(line: &str) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    let mut lexer = Lexer {
        chars: line.chars().collect(),
        pos: 0,
        nested: Vec::new(),
    };
    let mut current: Vec<String> = Vec::new();
    loop {
        match lexer.next_token()? {
            Token::End => break,
            Token::Sep => out.push(std::mem::take(&mut current)),
            Token::Word(w) => current.push(w),
        }
    }
    out.push(current);
    let mut commands = Vec::new();
    for nested in lexer.nested {
        commands.extend(shell_commands(&nested)?);
    }
    for mut words in out {
        while words.first().is_some_and(|w| {
            is_assignment(w) || ["exec", "command", "time", "then", "do", "!"].contains(&w.as_str())
        }) {
            words.remove(0);
        }
        let Some(first) = words.first() else { continue };
        if ["sh", "bash", "/bin/sh", "/bin/bash"].contains(&first.as_str())
            && words.get(1).is_some_and(|w| w == "-c")
            && let Some(script) = words.get(2)
        {
            commands.extend(shell_commands(script)?);
        }
        commands.push(words);
    }
    Ok(commands)
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

enum Token {
    Word(String),
    Sep,
    End,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// The text of each command substitution met, to be read as commands too.
    nested: Vec<String>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn skip_blanks(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn next_token(&mut self) -> Result<Token, String> {
        loop {
            self.skip_blanks();
            let Some(c) = self.peek(0) else {
                return Ok(Token::End);
            };
            match c {
                '#' => {
                    self.pos = self.chars.len();
                    return Ok(Token::End);
                }
                '|' | '&' | ';' | '(' | ')' => {
                    self.pos += 1;
                    return Ok(Token::Sep);
                }
                '<' if self.placeholder_len().is_some() => return self.word().map(Token::Word),
                '<' | '>' => self.redirection()?,
                c if c.is_ascii_digit() && self.is_fd_redirection() => self.redirection()?,
                _ => return self.word().map(Token::Word),
            }
        }
    }

    /// `<name>` (letters, digits, `_`, `-`): a placeholder, not a redirection.
    fn placeholder_len(&self) -> Option<usize> {
        let rest = &self.chars[self.pos + 1..];
        let end = rest.iter().position(|c| *c == '>')?;
        let name = &rest[..end];
        (!name.is_empty()
            && name[0].is_ascii_alphabetic()
            && name
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        .then_some(end + 2)
    }

    fn is_fd_redirection(&self) -> bool {
        let mut i = self.pos;
        while self.chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        matches!(self.chars.get(i), Some('<' | '>'))
    }

    /// Consumes `2>&1`, `>&-`, `>> FILE`, `< FILE`, `<(cmd)` and drops them.
    fn redirection(&mut self) -> Result<(), String> {
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek(0) == Some('<') && self.peek(1) == Some('(') {
            self.pos += 1;
            let inner = self.balanced()?;
            self.nested.push(inner);
            return Ok(());
        }
        while self.peek(0).is_some_and(|c| matches!(c, '<' | '>' | '|')) {
            self.pos += 1;
        }
        if self.peek(0) == Some('&') {
            self.pos += 1;
            while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                self.pos += 1;
            }
            return Ok(());
        }
        self.skip_blanks();
        match self.peek(0) {
            None | Some('|' | '&' | ';' | ')') => Err("a redirection without a target".into()),
            _ => self.word().map(drop),
        }
    }

    /// From an opening `(` to its matching `)`, quotes respected; returns what is inside.
    fn balanced(&mut self) -> Result<String, String> {
        debug_assert_eq!(self.peek(0), Some('('));
        self.pos += 1;
        let start = self.pos;
        let mut depth = 1;
        while let Some(c) = self.peek(0) {
            match c {
                '\'' => {
                    self.pos += 1;
                    while self.peek(0).is_some_and(|c| c != '\'') {
                        self.pos += 1;
                    }
                }
                '"' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        if c == '\\' {
                            self.pos += 1;
                        } else if c == '"' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                '\\' => self.pos += 1,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let inner: String = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        return Ok(inner);
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err("an unclosed `(`".into())
    }

    /// One word: quotes removed, expansions replaced by placeholders.
    fn word(&mut self) -> Result<String, String> {
        let mut w = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                '<' if self.placeholder_len().is_some() => {
                    let len = self.placeholder_len().unwrap();
                    let name: String = self.chars[self.pos + 1..self.pos + len - 1]
                        .iter()
                        .collect();
                    self.pos += len;
                    w.push_str(&placeholder_value(&name));
                }
                c if c.is_whitespace() || matches!(c, '|' | '&' | ';' | '(' | ')' | '<' | '>') => {
                    break;
                }
                '\'' => {
                    self.pos += 1;
                    loop {
                        match self.peek(0) {
                            None => return Err("an unclosed single quote".into()),
                            Some('\'') => break,
                            Some(c) => w.push(c),
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                '"' => {
                    self.pos += 1;
                    loop {
                        match self.peek(0) {
                            None => return Err("an unclosed double quote".into()),
                            Some('"') => break,
                            Some('\\')
                                if self
                                    .peek(1)
                                    .is_some_and(|c| matches!(c, '"' | '\\' | '$' | '`')) =>
                            {
                                w.push(self.peek(1).unwrap());
                                self.pos += 2;
                                continue;
                            }
                            Some('$') => {
                                self.expansion(&mut w)?;
                                continue;
                            }
                            Some('`') => {
                                self.backticks(&mut w)?;
                                continue;
                            }
                            Some(c) => w.push(c),
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                '\\' => {
                    if let Some(next) = self.peek(1) {
                        w.push(next);
                    }
                    self.pos += 2;
                }
                '$' => self.expansion(&mut w)?,
                '`' => self.backticks(&mut w)?,
                c => {
                    w.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(ellipsis_value(w))
    }

    /// `$(…)`, `${NAME}`, `$NAME`, `$1`, `$?`: appends a plausible value to `w`.
    fn expansion(&mut self, w: &mut String) -> Result<(), String> {
        self.pos += 1; // `$`
        match self.peek(0) {
            Some('(') => {
                let inner = self.balanced()?;
                self.nested.push(inner);
                w.push_str(RECIPIENT);
            }
            Some('{') => {
                let end = self.chars[self.pos..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("an unclosed `${`")?;
                let name: String = self.chars[self.pos + 1..self.pos + end].iter().collect();
                self.pos += end + 1;
                w.push_str(&variable_value(&name));
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                w.push_str(&variable_value(&name));
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '?' | '@' | '*' | '#' | '$' | '!') => {
                self.pos += 1;
                w.push_str("value");
            }
            _ => w.push('$'),
        }
        Ok(())
    }

    fn backticks(&mut self, w: &mut String) -> Result<(), String> {
        self.pos += 1;
        let end = self.chars[self.pos..]
            .iter()
            .position(|c| *c == '`')
            .ok_or("an unclosed backtick")?;
        self.nested
            .push(self.chars[self.pos..self.pos + end].iter().collect());
        self.pos += end + 1;
        w.push_str(RECIPIENT);
        Ok(())
    }
}

fn variable_value(name: &str) -> String {
    let name = name.trim_start_matches('#');
    let upper = name.to_ascii_uppercase();
    if upper.contains("HEAD") || upper.contains("HASH") {
        "a".repeat(64)
    } else if upper.ends_with("ENV") {
        "prod".into()
    } else {
        "value".into()
    }
}

fn placeholder_value(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "env" | "environment" => "prod".into(),
        "recipient" => RECIPIENT.into(),
        "hash" | "head" => "a".repeat(64),
        n if n.contains("key") || n.contains("name") => "STRIPE_KEY".into(),
        _ => "value".into(),
    }
}

/// A word written with an ellipsis (`age1teammate…`) stands for a whole value.
fn ellipsis_value(w: String) -> String {
    if !w.contains('…') {
        w
    } else if w.starts_with("age1") {
        RECIPIENT.into()
    } else if w.starts_with("ed25519:") {
        PUBKEY.into()
    } else {
        w.replace('…', "")
    }
}

#[test]
fn every_documented_command_parses() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut files_with_commands = BTreeSet::new();
    for rel in doc_files() {
        for found in commands_in(&rel, &mut problems) {
            checked += 1;
            files_with_commands.insert(rel.clone());
            match Cli::try_parse_from(&found.words) {
                Ok(_) => {}
                Err(e)
                    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {}
                Err(e) => {
                    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                    problems.push(format!(
                        "{}: `{}`: {first}",
                        found.at,
                        found.words.join(" ")
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the docs' code blocks:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The extractor itself works: the docs hold well over a hundred commands.
    assert!(
        checked > 100,
        "only {checked} `keyward` commands found in the docs"
    );
    assert!(files_with_commands.contains(Path::new("README.md")));
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` removed,
/// spaces as `-`; a repeated heading gets `-1`, `-2`….
fn anchors(text: &str) -> BTreeSet<String> {
    let (_, prose) = parse_markdown(text);
    let mut seen = BTreeSet::new();
    for (_, line) in prose {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let title = strip_links(line[hashes..].trim());
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while seen.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        seen.insert(candidate);
    }
    seen
}

/// `[text](target)` → `text`.
fn strip_links(s: &str) -> String {
    let mut out = s.to_owned();
    for (_, target) in links(s) {
        out = out.replace(&format!("]({target})"), "]");
    }
    out.replace(['[', ']'], "")
}

/// The targets of inline links in a line, with inline code removed first.
fn links(line: &str) -> Vec<(usize, String)> {
    let mut text = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            text.push(c);
        } else {
            text.push(' ');
        }
    }
    let mut out = Vec::new();
    let mut rest = text.as_str();
    let mut offset = 0;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        out.push((offset + i, after[..end].trim().to_owned()));
        offset += i + 2 + end;
        rest = &after[end..];
    }
    out
}

#[test]
fn every_relative_link_points_to_something_that_exists() {
    let mut problems = Vec::new();
    let mut readme_targets = BTreeSet::new();
    for rel in doc_files() {
        let text = read(&rel);
        let (_, prose) = parse_markdown(&text);
        let dir = rel.parent().unwrap_or(Path::new(""));
        for (n, line) in prose {
            for (_, target) in links(&line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    rel.clone()
                } else {
                    normalize(&dir.join(path))
                };
                let at = format!("{}:{n}", rel.display());
                if !root().join(&file).exists() {
                    problems.push(format!(
                        "{at}: `{target}`: {} does not exist",
                        file.display()
                    ));
                    continue;
                }
                if rel == Path::new("README.md") {
                    readme_targets.insert(file.clone());
                }
                if let Some(anchor) = anchor {
                    if file.extension().is_none_or(|e| e != "md") {
                        problems.push(format!(
                            "{at}: `{target}`: an anchor into a file that is not markdown"
                        ));
                    } else if !anchors(&read(&file)).contains(anchor) {
                        problems.push(format!(
                            "{at}: `{target}`: no heading `#{anchor}` in {}",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    for doc in doc_files().into_iter().filter(|d| d.starts_with("docs")) {
        if !readme_targets.contains(&doc) {
            problems.push(format!("README.md does not link to {}", doc.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// `docs/reference/../ci.md` → `docs/ci.md`; a path that leaves the repository stays as it is.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn readme_keeps_the_install_and_test_commands() {
    let (blocks, _) = parse_markdown(&read(Path::new("README.md")));
    let lines: Vec<String> = blocks
        .iter()
        .filter(|b| SHELL.contains(&b.lang.as_str()))
        .flat_map(|b| &b.lines)
        .map(|(_, l)| l.split(" #").next().unwrap().trim().to_owned())
        .collect();
    for command in ["cargo install --locked --path .", "cargo test --locked"] {
        assert!(
            lines.iter().any(|l| l == command),
            "README.md must show `{command}` in a ```sh block"
        );
    }
}

#[test]
fn the_shell_reader_reads_what_the_docs_write() {
    let cmds = |s: &str| shell_commands(s).unwrap();
    assert_eq!(
        cmds(r#"printf %s "$TOKEN" | keyward set -e prod GITHUB_TOKEN   # stdin"#),
        [
            vec!["printf", "%s", "value"],
            vec!["keyward", "set", "-e", "prod", "GITHUB_TOKEN"]
        ]
    );
    assert_eq!(
        cmds("keyward get A >&- 2>&1 > out.txt")[0],
        ["keyward", "get", "A"]
    );
    assert_eq!(
        cmds(r#"keyward access grant "$(keyward -i ci.key identity show)" -e prod"#),
        [
            vec!["keyward", "-i", "ci.key", "identity", "show"],
            vec!["keyward", "access", "grant", RECIPIENT, "-e", "prod"]
        ]
    );
    assert_eq!(
        cmds("KEYWARD_AUDIT_LOG=\"$RUNNER_TEMP/a.jsonl\" exec keyward run -e <env> -- ./deploy.sh")
            [0],
        ["keyward", "run", "-e", "prod", "--", "./deploy.sh"]
    );
    assert_eq!(
        cmds("/bin/sh -c 'keyward audit follow --all-envs | fluent-bit -i stdin'")[..2],
        [
            vec!["keyward", "audit", "follow", "--all-envs"],
            vec!["fluent-bit", "-i", "stdin"]
        ]
    );
    assert_eq!(
        cmds("keyward env add staging --recipient age1ops…")[0][5],
        RECIPIENT
    );
    assert!(shell_commands("keyward get 'A").is_err());
    // A command the CLI does not have is caught.
    assert!(Cli::try_parse_from(&cmds("keyward get -e prod A --no-such-flag")[0]).is_err());
    assert!(Cli::try_parse_from(&cmds("keyward get -e prod A -n")[0]).is_ok());
    assert!(mentions_keyward("  - run: keyward check --all-envs"));
    assert!(!mentions_keyward("-t keyward.audit /var/lib/keyward/x"));
}
