//! The committed completions and man pages match what the binary renders. Run with
//! `KEYWARD_REGENERATE=1 cargo test --test cli generated` to rewrite them.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use clap_complete::Generator;
use clap_mangen::roff::{Roff, bold, italic, roman};
use keyward::cli::Cli;
use keyward::error::EXIT_CODES;
use keyward::{SHELLS, render_completion};

use crate::support::Sandbox;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn assert_generated(rel: &str, rendered: &[u8]) {
    let path = root().join(rel);
    if std::env::var_os("KEYWARD_REGENERATE").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, rendered).unwrap();
        return;
    }
    let committed = fs::read(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "`{rel}` is stale: run `KEYWARD_REGENERATE=1 cargo test --locked --test cli generated` and commit the result"
    );
}

#[test]
fn completions_are_up_to_date() {
    for shell in SHELLS {
        let path = format!("completions/{}", shell.file_name("keyward"));
        assert_generated(&path, &render_completion(shell));
    }
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = render_man_pages().unwrap();
    assert!(pages.len() > 20, "one page per subcommand");
    for (name, body) in &pages {
        assert_generated(&format!("man/{name}"), body);
    }
    // no stale page for a removed command
    if std::env::var_os("KEYWARD_REGENERATE").is_none() {
        for entry in fs::read_dir(root().join("man")).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                pages.iter().any(|(n, _)| *n == name),
                "man/{name} is not rendered any more: delete it"
            );
        }
    }
}

#[test]
fn main_man_page_documents_environment_files_and_exit_status() {
    let pages = render_man_pages().unwrap();
    let main = String::from_utf8(
        pages
            .iter()
            .find(|(n, _)| n == "keyward.1")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    for needle in [
        ".SH ENVIRONMENT",
        "KEYWARD_VAULT",
        "KEYWARD_IDENTITY",
        "KEYWARD_ENV",
        "KEYWARD_PASSPHRASE_FILE",
        "KEYWARD_PASSPHRASE",
        "NO_COLOR",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(main.contains(needle), "keyward.1 lacks {needle}");
    }
    for (code, _) in keyward::error::EXIT_CODES {
        assert!(
            main.contains(&format!("\\fB{code}\\fR")),
            "exit code {code}"
        );
    }
}

#[test]
fn man_pages_render_without_groff_warnings() {
    if Command::new("groff").arg("--version").output().is_err() {
        eprintln!("groff is not installed: skipping the warnings check");
        return;
    }
    for (name, body) in render_man_pages().unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(&name);
        fs::write(&path, &body).unwrap();
        let out = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        assert!(
            out.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_subcommand_help_has_an_example() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut stack: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
    let mut checked = 0;
    while let Some(sub) = stack.pop() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        stack.extend(sub.get_subcommands().cloned());
        let help = sub.clone().render_long_help().to_string();
        assert!(
            help.contains("Examples:\n  keyward"),
            "`{}` has no Examples section",
            sub.get_bin_name().unwrap_or(sub.get_name())
        );
        checked += 1;
    }
    assert!(checked > 25, "{checked}");
}

#[test]
fn completions_subcommand_prints_the_committed_script() {
    let kw = Sandbox::new();
    let out = kw.cmd(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, render_completion(clap_complete::Shell::Bash));
    let bad = kw.cmd(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

// ---------------------------------------------------------------- man pages

/// Every man page: `(file name, contents)`, `keyward.1` first, then one per subcommand
/// (`keyward-rotate.1`, `keyward-access-grant.1`, …).
fn render_man_pages() -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = vec![("keyward.1".to_owned(), render_main_page(&cmd)?)];
    let mut stack: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    while let Some(sub) = stack.pop() {
        stack.extend(
            sub.get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                .cloned(),
        );
        let man = clap_mangen::Man::new(sub.clone());
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        pages.push((man.get_filename(), buf));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pages
        .into_iter()
        .map(|(name, body)| (name, ascii_roff(&body)))
        .collect())
}

/// groff reads ASCII: write every other character as a `\[uXXXX]` escape.
fn ascii_roff(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out.into_bytes()
}

fn render_main_page(cmd: &clap::Command) -> Result<Vec<u8>, std::io::Error> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    man.render_subcommands_section(&mut buf)?;
    man.render_extra_section(&mut buf)?;

    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in FILES {
        roff.control("TP", []);
        roff.text([italic(*path)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, what) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*what)]);
    }
    roff.control("TP", []);
    roff.text([bold("run")]);
    roff.text([roman(
        "passes its child's exit code through (128+N when a signal killed it).",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "age(1), sqlite3(1), and one page per subcommand: keyward-generate(1), keyward-rotate(1), …",
    )]);
    roff.to_writer(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

const ENVIRONMENT: &[(&str, &str)] = &[
    ("KEYWARD_VAULT", "The vault directory (as --vault)."),
    (
        "KEYWARD_IDENTITY",
        "The identity (as --identity): a path to an age identity file (plain or passphrase-protected), an SSH private key, or a literal AGE-SECRET-KEY-1... string, as a CI secret variable holds.",
    ),
    ("KEYWARD_ENV", "The environment (as --env); default dev."),
    (
        "KEYWARD_PASSPHRASE_FILE",
        "A file holding the passphrase of a passphrase-protected identity, for automation.",
    ),
    (
        "KEYWARD_PASSPHRASE",
        "The passphrase itself. Weaker than the file: other processes of the same user can read a process's environment.",
    ),
    (
        "KEYWARD_LOCK_TIMEOUT",
        "How long a writer waits for the environment lock (seconds or a duration; 0 tries once); default 10s. Then exit 7.",
    ),
    (
        "KEYWARD_REDACT",
        "1 or 0: whether `run` redacts injected values from its child's output by default (default: when the output is not a terminal).",
    ),
    ("NO_COLOR", "Disables colour and table borders."),
    (
        "XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR",
        "Where the default vault, the default identity and the agent socket live.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_DATA_HOME/keyward/vault/envs/ENV.db.age",
        "An environment: a standard age file holding a standard SQLite database (0600).",
    ),
    (
        "$XDG_DATA_HOME/keyward/vault/envs/ENV.lock",
        "The writer lock of an environment.",
    ),
    (
        "$XDG_STATE_HOME/keyward/pins/VAULT/journal/ENV.db",
        "This machine's sealed, append-only access journal of an environment of the vault VAULT (0600; beside this machine's pins, never in the vault).",
    ),
    (
        "$XDG_CONFIG_HOME/keyward/identity.age",
        "The default identity, protected by a passphrase (age scrypt).",
    ),
];

/// The agent process (`keyward __agent`) is internal: no completion offers it.
#[test]
fn completions_never_offer_the_internal_agent_command() {
    for shell in SHELLS {
        let script = String::from_utf8(render_completion(shell)).unwrap();
        assert!(
            !script.contains("__agent"),
            "{shell:?} completion offers __agent"
        );
    }
}
