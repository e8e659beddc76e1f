//! `keyward run`: injection, redaction, exit codes, signals.

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::str::contains;

use crate::support::{Sandbox, process_gone, wait_for};

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
    // The child prints its first line, then waits for a file only the test creates
    // after reading that line: the line must come through while the child still runs.
    let kw = Sandbox::with_vault();
    kw.set("K", "some-secret-value");
    let go = kw.path("go");
    let script = format!(
        "echo first; while [ ! -e '{}' ]; do sleep 0.02; done; echo second",
        go.display()
    );
    let mut child = kw
        .std_cmd(["run", "--redact", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 6];
        let first = std::io::Read::read_exact(&mut stdout, &mut buf).map(|_| buf);
        tx.send(first).unwrap();
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
        rest
    });
    // A bound against hanging, not a timing assertion: without the line we give up.
    let first = rx.recv_timeout(Duration::from_secs(60));
    fs::write(&go, "").unwrap();
    let status = child.wait().unwrap();
    let rest = reader.join().unwrap();
    assert_eq!(
        first
            .expect("first line held back while the child was running")
            .unwrap(),
        *b"first\n"
    );
    assert_eq!(rest, b"second\n");
    assert!(status.success());
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
        .code(127)
        .stderr(contains("command not found"));
    kw.cmd(["run"]).assert().code(2);
}

#[test]
fn only_limits_keys_and_refuses_unusable_before_start() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.generate("DEAD");
    kw.cmd(["revoke", "--yes", "DEAD", "--reason", "test"])
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

/// Start `keyward run` on a shell that writes its pid to `child.pid` and, on SIGTERM,
/// writes `got-term` and exits 42. Returns keyward and the shell's pid.
fn run_trapping_child(kw: &Sandbox) -> (std::process::Child, i32) {
    let marker = kw.path("got-term");
    let pidfile = kw.path("child.pid");
    // the pid file appears whole (mv), after the trap is set
    let script = format!(
        "trap 'echo term > \"{marker}\"; exit 42' TERM; echo $$ > '{pid}.tmp'; mv '{pid}.tmp' '{pid}'; while :; do sleep 0.05; done",
        marker = marker.display(),
        pid = pidfile.display()
    );
    let mut c: Command = kw.std_cmd(["run", "--", "sh", "-c", &script]);
    let mut child = c
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::panic::catch_unwind(|| wait_for("the child to start", || pidfile.exists()));
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        std::panic::resume_unwind(e);
    }
    let child_pid: i32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (child, child_pid)
}

#[test]
fn sigterm_reaches_the_child_and_its_code_comes_back() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let (mut keyward, _) = run_trapping_child(&kw);
    // SAFETY: signalling a process we started.
    unsafe {
        libc::kill(keyward.id() as i32, libc::SIGTERM);
    }
    let status = keyward.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "the child's code, not keyward's own"
    );
    assert_eq!(
        fs::read_to_string(kw.path("got-term")).unwrap().trim(),
        "term"
    );
}

#[test]
fn sigkill_of_keyward_leaves_no_orphan() {
    // SIGKILL cannot be forwarded: the child learns of keyward's death only through
    // PR_SET_PDEATHSIG, and must get SIGTERM instead of running on, orphaned.
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let (mut keyward, child_pid) = run_trapping_child(&kw);
    keyward.kill().unwrap(); // SIGKILL
    keyward.wait().unwrap();
    let marker = kw.path("got-term");
    let got_term = std::panic::catch_unwind(|| {
        wait_for("the orphaned child to get SIGTERM", || {
            marker.exists() && process_gone(child_pid)
        })
    });
    if got_term.is_err() {
        // SAFETY: ending the loop this test started, so it does not outlive the test.
        unsafe {
            libc::kill(child_pid, libc::SIGKILL);
        }
        panic!("child {child_pid} kept running after keyward was killed");
    }
    assert_eq!(fs::read_to_string(&marker).unwrap().trim(), "term");
}

#[test]
fn run_records_access_events_and_keeps_values_out_of_argv_and_files() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    // Redaction off, so a value in keyward's argv (or the child's) would show as is;
    // the `value` line proves that it would.
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "printf 'parent-exe %s\\n' \"$(readlink /proc/$PPID/exe)\"; \
             printf 'keyward-argv '; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; \
             printf 'child-argv '; tr '\\0' ' ' < /proc/$$/cmdline; echo; \
             printf 'value %s\\n' \"$K\"; \
             grep -i 'core file' /proc/$PPID/limits",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |tag: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap_or_else(|| panic!("no `{tag}` line in {stdout}"))
            .to_owned()
    };
    // $PPID is keyward itself, which holds the value while the child runs
    assert!(
        line("parent-exe ").ends_with("/keyward"),
        "{}",
        line("parent-exe ")
    );
    let keyward_argv = line("keyward-argv ");
    assert!(
        keyward_argv.contains(" run --no-redact -- sh -c "),
        "{keyward_argv}"
    );
    assert!(!keyward_argv.contains(&v), "value in keyward's argv");
    let child_argv = line("child-argv ");
    assert!(child_argv.starts_with("sh -c "), "{child_argv}");
    assert!(!child_argv.contains(&v), "value in the child's argv");
    assert_eq!(
        line("value "),
        v,
        "the check above could not have seen a value"
    );
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
    // stdin stays open and silent: a keyward that waited for a passphrase on it would
    // never exit (the bound in wait_for turns that hang into a failure).
    let mut child = kw
        .std_cmd(["run", "--", "true"])
        .env_remove("KEYWARD_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let mut status = None;
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("keyward to give up without a terminal", || {
            status = child.try_wait().unwrap();
            status.is_some()
        })
    }));
    if waited.is_err() {
        let _ = child.kill();
        panic!("keyward waited for a passphrase with no terminal");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.unwrap().code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no terminal"), "{stderr}");
    assert!(!stderr.contains("pw"), "{stderr}");
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
