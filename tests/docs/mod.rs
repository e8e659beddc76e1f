//! The docs are tested (issue 27): README.md and docs/**/*.md show only commands the
//! binary accepts, and link only to files and headings that exist.
//!
//! The convention it enforces: every fenced code block names its language. `sh` (or
//! `bash`, `shell`) holds commands and scripts, every line read as shell; `yaml` and `ini`
//! hold CI steps and services, a line that runs `keyward` read after its key (`- run:`,
//! `ExecStart=`); `text` holds layouts and output and never starts a line with `keyward `;
//! `sql` and `rust` are not read. Each `keyward …` command so found (also after `|`, `&&`,
//! `VAR=…`, `exec`, inside `$(…)` and `sh -c '…'`) must parse with `Cli::try_parse_from`.
//! Placeholders stand for plausible values: `$VAR` (64 hex digits when the name says HEAD
//! or HASH, `prod` when it ends in ENV, else a word), `$(…)` (an age recipient, what such
//! a substitution prints in these docs; the command inside is checked too), `<name>` (a
//! word), a word with `…` (`age1…` a recipient, `ed25519:…` a verifier key, else the word
//! without it). Redirections are dropped. README.md links to every file under docs/.

mod shell;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::error::ErrorKind;
use keyward::cli::Cli;

use shell::*;

const SHELL: [&str; 3] = ["sh", "bash", "shell"];
const CONFIG: [&str; 3] = ["yaml", "yml", "ini"];
const NOT_READ: [&str; 3] = ["text", "sql", "rust"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every `.md` under docs/, relative to the repository, sorted.
fn doc_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path.strip_prefix(root()).unwrap().to_path_buf());
            }
        }
    }
    let mut files = vec![PathBuf::from("README.md")];
    walk(&root().join("docs"), &mut files);
    files.sort();
    files
}

fn read(rel: &Path) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{}: {e}", rel.display()))
}

/// A fenced code block: its language, the line it opens on, its lines (1-based numbers).
struct Block {
    lang: String,
    start: usize,
    lines: Vec<(usize, String)>,
}

/// A markdown file's fenced code blocks, and the prose lines outside them.
fn parse_markdown(text: &str) -> (Vec<Block>, Vec<(usize, String)>) {
    let (mut blocks, mut prose) = (Vec::new(), Vec::new());
    let mut open: Option<(String, Block)> = None;
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        let trimmed = line.trim();
        match &mut open {
            None => match fence_of(trimmed) {
                Some(fence) => {
                    let lang = trimmed[fence.len()..].split_whitespace().next();
                    let lang = lang.unwrap_or("").to_owned();
                    open = Some((
                        fence,
                        Block {
                            lang,
                            start: n,
                            lines: Vec::new(),
                        },
                    ));
                }
                None => prose.push((n, line.to_owned())),
            },
            Some((fence, block)) => {
                if trimmed.len() >= fence.len() && trimmed.chars().all(|c| fence.starts_with(c)) {
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

/// Every `keyward …` command in a file's code blocks, with where it is (`file:line`);
/// blocks that break the convention are added to `problems`.
fn commands_in(rel: &Path, problems: &mut Vec<String>) -> Vec<(String, Vec<String>)> {
    let at = |n: usize| format!("{}:{n}", rel.display());
    let mut found = Vec::new();
    for block in parse_markdown(&read(rel)).0 {
        let lang = block.lang.as_str();
        // Logical lines: a trailing backslash continues the line.
        let mut logical: Vec<(usize, String)> = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (n, line) in &block.lines {
            let (start, mut text) = pending.take().unwrap_or((*n, String::new()));
            text.push_str(line);
            if text.ends_with('\\') {
                text.pop();
                pending = Some((start, text + " "));
            } else {
                logical.push((start, text));
            }
        }
        logical.extend(pending);

        let sources: Vec<(usize, String)> = if SHELL.contains(&lang) {
            logical
        } else if CONFIG.contains(&lang) {
            let steps = logical.into_iter().filter(|(_, l)| mentions_keyward(l));
            steps
                .map(|(n, l)| (n, config_value(&l).to_owned()))
                .collect()
        } else if NOT_READ.contains(&lang) {
            let commands = block
                .lines
                .iter()
                .filter(|(_, l)| l.trim().starts_with("keyward "));
            let why = "use a sh block, so that it is checked";
            problems
                .extend(commands.map(|(n, _)| format!("{}: a command in `{lang}`: {why}", at(*n))));
            Vec::new()
        } else {
            let known = "sh, yaml, ini, text, sql or rust";
            problems.push(format!(
                "{}: a block in `{lang}`: say {known}",
                at(block.start)
            ));
            Vec::new()
        };
        for (n, line) in sources {
            match shell_commands(&line) {
                Ok(commands) => found.extend(
                    commands
                        .into_iter()
                        .filter(|words| words.first().is_some_and(|w| w == "keyward"))
                        .map(|words| (at(n), words)),
                ),
                Err(e) => problems.push(format!("{}: not shell ({e}): {line}", at(n))),
            }
        }
    }
    found
}

/// Whether a config line runs `keyward` (not `/var/lib/keyward/…` or `keyward.audit`).
fn mentions_keyward(line: &str) -> bool {
    line.match_indices("keyward").any(|(i, _)| {
        line[i + 7..].starts_with([' ', '\t']) && !line[..i].ends_with(['/', '-', '_', '.'])
    })
}

/// What a YAML step (`- run: keyward …`) or an INI line (`ExecStart=/bin/sh -c '…'`) runs.
fn config_value(line: &str) -> &str {
    let s = line.trim_start();
    let s = s.strip_prefix("- ").unwrap_or(s);
    let yaml_key = |k: &str| {
        k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    // `ExecStart=`, not a shell assignment such as `FOO=1`.
    let ini_key = |k: &str| k.chars().all(|c| c.is_ascii_alphabetic()) && k != k.to_uppercase();
    match (s.split_once(": "), s.split_once('=')) {
        (Some((key, rest)), _) if !key.is_empty() && yaml_key(key) => rest,
        (_, Some((key, rest))) if !key.is_empty() && ini_key(key) => rest,
        _ => s,
    }
}

#[test]
fn every_documented_command_parses() {
    let mut problems = Vec::new();
    let mut checked = BTreeSet::new();
    for rel in doc_files() {
        for (at, words) in commands_in(&rel, &mut problems) {
            checked.insert(at.clone());
            match Cli::try_parse_from(&words) {
                Ok(_) => {}
                Err(e)
                    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {}
                Err(e) => {
                    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                    problems.push(format!("{at}: `{}`: {first}", words.join(" ")));
                }
            }
        }
    }
    let n = problems.len();
    assert!(
        n == 0,
        "{n} problem(s) in the docs' code blocks:\n{}",
        problems.join("\n")
    );
    // The reader itself works: the docs hold well over a hundred commands, some in README.
    assert!(
        checked.len() > 100,
        "only {} `keyward` commands found",
        checked.len()
    );
    assert!(checked.iter().any(|at| at.starts_with("README.md:")));
}

/// GitHub's anchors for a file's headings: lower case, punctuation other than `-` and `_`
/// removed, spaces as `-`; a repeated heading gets `-1`, `-2`….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in parse_markdown(text).1 {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let mut title = line[hashes..].trim().to_lowercase();
        for target in links(&title) {
            title = title.replace(&format!("]({target})"), "");
        }
        let slug: String = title
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let (mut unique, mut n) = (slug.clone(), 0);
        while !seen.insert(unique.clone()) {
            n += 1;
            unique = format!("{slug}-{n}");
        }
    }
    seen
}

/// The targets of the inline links in a line (inline code does not count).
fn links(line: &str) -> Vec<String> {
    let mut in_code = false;
    let text: String = line
        .chars()
        .map(|c| {
            in_code ^= c == '`';
            if in_code || c == '`' { ' ' } else { c }
        })
        .collect();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("](") {
        let Some(end) = rest[i + 2..].find(')') else {
            break;
        };
        out.push(rest[i + 2..i + 2 + end].trim().to_owned());
        rest = &rest[i + 2 + end..];
    }
    out
}

#[test]
fn every_relative_link_points_to_something_that_exists() {
    let mut problems = Vec::new();
    let mut from_readme = BTreeSet::new();
    let repo = root().canonicalize().unwrap();
    for rel in doc_files() {
        let dir = rel.parent().unwrap_or(Path::new(""));
        for (n, line) in parse_markdown(&read(&rel)).1 {
            for target in links(&line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let at = format!("{}:{n}: `{target}`", rel.display());
                // Relative to the file; canonical, so `reference/../ci.md` is `ci.md`.
                let file = if path.is_empty() {
                    rel.clone()
                } else {
                    dir.join(path)
                };
                let Ok(file) = root().join(&file).canonicalize() else {
                    problems.push(format!("{at}: {} does not exist", file.display()));
                    continue;
                };
                let file = file.strip_prefix(&repo).unwrap_or(&file).to_path_buf();
                if rel == Path::new("README.md") {
                    from_readme.insert(file.clone());
                }
                let Some(anchor) = anchor else { continue };
                if file.extension().is_none_or(|e| e != "md") {
                    problems.push(format!("{at}: an anchor into a file that is not markdown"));
                } else if !anchors(&read(&file)).contains(anchor) {
                    problems.push(format!(
                        "{at}: no heading `#{anchor}` in {}",
                        file.display()
                    ));
                }
            }
        }
    }
    for doc in doc_files().into_iter().filter(|d| d.starts_with("docs")) {
        if !from_readme.contains(&doc) {
            problems.push(format!("README.md does not link to {}", doc.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn readme_keeps_the_install_and_test_commands() {
    let blocks = parse_markdown(&read(Path::new("README.md"))).0;
    let shell = blocks
        .iter()
        .filter(|b| b.lang == "sh")
        .flat_map(|b| &b.lines);
    let lines: Vec<&str> = shell
        .map(|(_, l)| l.split(" #").next().unwrap().trim())
        .collect();
    for command in ["cargo install --locked --path .", "cargo test --locked"] {
        let missing = format!("README.md must show `{command}` in a sh block");
        assert!(lines.contains(&command), "{missing}");
    }
}

/// docs/reference/environment.md names every variable it reads: each `"KEYWARD_…"`
/// string in the source is in that page (a prefix such as a heredoc delimiter's, ending
/// in `_`, is not a variable).
#[test]
fn the_environment_page_names_every_variable_the_source_reads() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut sources = Vec::new();
    walk(&root().join("src"), &mut sources);
    let page = read(Path::new("docs/reference/environment.md"));
    let mut missing = BTreeSet::new();
    for file in sources {
        let text = fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("\"KEYWARD_") {
            let name: String = text[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            if !name.ends_with('_') && !page.contains(&format!("`{name}`")) {
                missing.insert(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/reference/environment.md does not name: {missing:?}"
    );
}

#[test]
fn the_shell_reader_reads_what_the_docs_write() {
    // (a line, its commands as the CLI would get them, joined by ` | `)
    let cases = [
        (
            r#"printf %s "$TOKEN" | keyward set -e prod A  # x"#,
            "printf %s value | keyward set -e prod A",
        ),
        ("keyward get A >&- 2>&1 > out.txt", "keyward get A"),
        (
            r#"X="$T/a b" exec keyward run -e <env> -- ./x"#,
            "keyward run -e prod -- ./x",
        ),
        (config_value("- run: keyward check"), "keyward check"),
        (
            config_value("ExecStart=/bin/sh -c 'keyward audit follow | jq .'"),
            "keyward audit follow | jq .",
        ),
        (
            r#"keyward audit verify --pin "${KEYWARD_DEV_HEAD}""#,
            &format!("keyward audit verify --pin {}", "a".repeat(64)),
        ),
        (
            r#"keyward access grant "$(keyward identity show)""#,
            &format!("keyward identity show | keyward access grant {RECIPIENT}"),
        ),
        (
            "keyward env add staging --recipient age1ops…",
            &format!("keyward env add staging --recipient {RECIPIENT}"),
        ),
    ];
    for (line, want) in cases {
        let commands = shell_commands(line).unwrap();
        let commands: Vec<String> = commands
            .iter()
            .filter(|c| c[0] != "/bin/sh")
            .map(|c| c.join(" "))
            .collect();
        assert_eq!(commands.join(" | "), want, "{line}");
    }
    assert!(shell_commands("keyward get 'A").is_err());
    assert!(shell_commands("keyward get A >").is_err());
    assert!(!mentions_keyward("-t keyward.audit /var/lib/keyward/x"));
    // A flag the CLI does not have is caught; one it has is not.
    let parses = |line: &str| Cli::try_parse_from(&shell_commands(line).unwrap()[0]).is_ok();
    assert!(!parses("keyward get -e prod A --no-such-flag"));
    assert!(parses("keyward get -e prod A -n"));
}
