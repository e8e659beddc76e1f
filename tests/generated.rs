//! The committed completions and man pages match what the binary renders. Run with
//! `KEYWARD_REGENERATE=1 cargo test --test cli generated` to rewrite them.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use clap_complete::Generator;
use keyward::cmd::completions::{SHELLS, render_completion, render_man_pages};

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
    let mut cmd = keyward::cli::Cli::command();
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
