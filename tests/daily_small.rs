//! Issue 22, "small things that break scripts and habits": `--json` into a closed pipe,
//! `run`'s 126/127, an agent never shortened, `export`'s default format and `--json`,
//! and passphrase tries on a terminal.

use std::process::Stdio;

use crate::support::Sandbox;

// ---- --json into a closed pipe ends quietly with 0 (DESIGN §14)

/// Run `args` with stdout a pipe whose reader is already gone: every write fails with
/// EPIPE, deterministically (what `| head -1` does once it has its line).
fn into_closed_pipe(kw: &Sandbox, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    kw.std_cmd(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn json_into_a_closed_pipe_ends_quietly_with_0() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for args in [
        &["audit", "--json"][..],
        &["list", "--json"],
        &["list", "--json", "--all-envs"],
        &["show", "A", "--json"],
        &["check", "--json"],
    ] {
        let out = into_closed_pipe(&kw, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn json_into_a_closed_pipe_keeps_a_pipefail_job_green() {
    let kw = Sandbox::with_vault();
    // enough output that `head -1` has gone before keyward's last write
    let dotenv: String = (0..2000).map(|i| format!("KEY_{i}=v\n")).collect();
    kw.cmd(["import", "-", "--format", "dotenv"])
        .write_stdin(dotenv)
        .assert()
        .success();
    let out = kw
        .shell(r#"set -o pipefail; "$KW" list --json | head -1 >/dev/null && "$KW" audit --json | head -1 >/dev/null"#)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn get_json_into_a_closed_pipe_is_still_not_delivered() {
    // a value is get's only product: a closed pipe is a failure there, never quiet
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let out = into_closed_pipe(&kw, &["get", "A", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not delivered"));
}
