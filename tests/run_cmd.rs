//! `keyward run`: injection, redaction, exit codes, signals.

use std::fs;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

const TRICKY: &str = "it's \"quoted\" $HOME `tick` \\ back\nsecond line";

#[test]
fn injects_values_exactly_with_no_redact() {
    let kw = Sandbox::with_vault();
    kw.set("TRICKY", TRICKY);
    let tok = kw.generate("TOK");
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$TRICKY\" \"$TOK\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{TRICKY}|{tok}")
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&tok));
}

#[test]
fn captured_output_is_redacted_by_default_on_both_streams() {
    let kw = Sandbox::with_vault();
    kw.set("TRICKY", TRICKY);
    let tok = kw.generate("TOK");
    let out = kw
        .cmd([
            "run",
            "--",
            "sh",
            "-c",
            "printf 'out %s %s' \"$TOK\" \"$TRICKY\"; printf 'err %s' \"$TOK\" >&2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "out [redacted:TOK] [redacted:TRICKY]"
    );
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "err [redacted:TOK]");
    // KEYWARD_REDACT=0 turns it off, --redact wins over it
    let out = kw
        .cmd(["run", "--", "sh", "-c", "printf %s \"$TOK\""])
        .env("KEYWARD_REDACT", "0")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), tok);
    let out = kw
        .cmd(["run", "--redact", "--", "sh", "-c", "printf %s \"$TOK\""])
        .env("KEYWARD_REDACT", "0")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "[redacted:TOK]");
    kw.cmd(["run", "--redact", "--no-redact", "--", "true"])
        .assert()
        .code(2);
}

#[test]
fn value_split_across_two_writes_is_redacted() {
    let kw = Sandbox::with_vault();
    kw.set("SPLIT", "abcdef-secret-value");
    let out = kw
        .cmd([
            "run",
            "--",
            "sh",
            "-c",
            "printf 'x abcdef'; sleep 0.3; printf -- '-secret-value y\\n'",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "x [redacted:SPLIT] y\n"
    );
}

#[test]
fn redaction_does_not_hold_finished_lines() {
    // The first line must arrive while the child is still running.
    let kw = Sandbox::with_vault();
    kw.set("K", "some-secret-value");
    let mut child = kw
        .std_cmd(["run", "--", "sh", "-c", "echo first; sleep 2; echo second"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 6];
    std::io::Read::read_exact(&mut stdout, &mut buf).unwrap();
    assert_eq!(&buf, b"first\n");
    assert!(
        start.elapsed() < Duration::from_millis(1800),
        "line was held back"
    );
    child.wait().unwrap();
}

#[test]
fn exit_code_and_signal_pass_through() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["run", "--", "sh", "-c", "exit 7"]).assert().code(7);
    kw.cmd(["run", "--", "sh", "-c", "exit 0"])
        .assert()
        .success();
    kw.cmd(["run", "--", "sh", "-c", "kill -KILL $$"])
        .assert()
        .code(128 + 9);
    kw.cmd(["run", "--", "/nonexistent/program"])
        .assert()
        .code(1)
        .stderr(contains("cannot start"));
    kw.cmd(["run"]).assert().code(2);
}

#[test]
fn only_limits_keys_and_refuses_unusable_before_start() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.generate("DEAD");
    kw.cmd(["revoke", "DEAD", "--reason", "test"])
        .assert()
        .success();
    let out = kw.stdout([
        "run",
        "--only",
        "A",
        "--",
        "sh",
        "-c",
        "echo ${A:+a}${B:+b}${DEAD:+d}",
    ]);
    assert_eq!(out, "a\n");
    // unnamed revoked keys are skipped silently
    let out = kw.stdout(["run", "--", "sh", "-c", "echo ${A:+a}${B:+b}${DEAD:+d}"]);
    assert_eq!(out, "ab\n");
    let marker = kw.path("started");
    kw.cmd([
        "run",
        "--only",
        "A,DEAD",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ])
    .assert()
    .code(4)
    .stderr(contains("revoked"));
    assert!(!marker.exists(), "the command started");
    kw.cmd(["run", "--only", "NOPE", "--", "true"])
        .assert()
        .code(3);
    kw.cmd(["run", "--only", "1bad", "--", "true"])
        .assert()
        .code(2);
}

#[test]
fn vault_key_overrides_inherited_variable_and_pristine_drops_the_rest() {
    let kw = Sandbox::with_vault();
    kw.set("HOMEISH", "from-vault");
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "echo $HOMEISH $INHERITED",
        ])
        .env("HOMEISH", "inherited")
        .env("INHERITED", "yes")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "from-vault yes\n");
    let out = kw
        .cmd(["run", "--no-redact", "--pristine", "--", "/usr/bin/env"])
        .env("INHERITED", "yes")
        .output()
        .unwrap();
    let env = String::from_utf8(out.stdout).unwrap();
    assert!(env.contains("HOMEISH=from-vault"));
    assert!(env.contains("PATH="));
    assert!(!env.contains("INHERITED"));
    assert!(!env.contains("KEYWARD_IDENTITY"));
}

#[test]
fn sigterm_reaches_the_child_and_leaves_no_orphan() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let marker = kw.path("got-term");
    let pidfile = kw.path("child.pid");
    let script = format!(
        "echo $$ > '{}'; trap 'echo term > \"{}\"; exit 42' TERM; while :; do sleep 0.05; done",
        pidfile.display(),
        marker.display()
    );
    let mut c: Command = kw.std_cmd(["run", "--", "sh", "-c", &script]);
    let mut child = c
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !pidfile.exists() || fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "child never started"
        );
        sleep(Duration::from_millis(20));
    }
    let child_pid: i32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: signalling a process we started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42));
    assert_eq!(fs::read_to_string(&marker).unwrap().trim(), "term");
    sleep(Duration::from_millis(100));
    // SAFETY: signal 0 only checks existence.
    let alive = unsafe { libc::kill(child_pid, 0) } == 0;
    assert!(!alive, "child left behind");
}

#[test]
fn run_records_access_events_and_keeps_values_out_of_argv_and_files() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let out = kw
        .cmd([
            "run",
            "--",
            "sh",
            "-c",
            "cat /proc/$$/cmdline; grep -i 'core file' /proc/$PPID/limits",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&v));
    // the keyward process holding the value has core dumps off
    assert!(
        stdout
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(5)
            .any(|w| w == ["core", "file", "size", "0", "0"]),
        "{stdout}"
    );
    kw.assert_nowhere_in_files(&v);
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "run"])).unwrap();
    assert_eq!(ev[0]["key"], "K");
    assert_eq!(ev[0]["version"], 1);
}

#[test]
fn missing_passphrase_without_terminal_fails_at_once() {
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "pw");
    kw.cmd(["init", "--envs", "dev"]).assert().success();
    let start = Instant::now();
    kw.cmd(["run", "--", "true"])
        .env_remove("KEYWARD_PASSPHRASE")
        .assert()
        .code(5)
        .stderr(contains("no terminal").and(contains("pw").not()));
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn literal_identity_and_passphrase_are_redacted_from_the_child_output() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let literal = kw.literal_identity();
    let out = kw
        .cmd([
            "run",
            "--pass-keyward-env",
            "--",
            "sh",
            "-c",
            "echo $KEYWARD_IDENTITY $KEYWARD_PASSPHRASE",
        ])
        .env("KEYWARD_IDENTITY", &literal)
        .env("KEYWARD_PASSPHRASE", "unrelated-passphrase")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(&literal), "{stdout}");
    assert!(!stdout.contains("unrelated-passphrase"), "{stdout}");
    assert!(stdout.contains("[redacted:KEYWARD_IDENTITY]"));
}
