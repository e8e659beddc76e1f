//! Issue 13 hardening of `run`, `export`, `get` and the time flags: keyward's own
//! credentials stay out of the child, linear redaction, short values, loader variables,
//! overflowing durations, a closed stdout, and the parent-death signal.

use std::fs;
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

const KW: &str = env!("CARGO_BIN_EXE_keyward");

/// Poll (bounded) until `cond` holds.
fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        sleep(Duration::from_millis(20));
    }
}

/// `sh -c SCRIPT` with the sandbox's environment, for redirections keyward cannot make.
fn sh(kw: &Sandbox, script: &str) -> std::process::Command {
    let mut sh = std::process::Command::new("sh");
    for (k, v) in kw.std_cmd(Vec::<String>::new()).get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh.current_dir(kw.dir.path()).args(["-c", script]);
    sh
}

fn env_lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(str::to_owned)
        .collect()
}

// ---- keyward's own credentials

#[test]
fn run_keeps_keyward_credentials_from_the_child_unless_passed_through() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let id = kw.identity.clone().unwrap();
    let out = kw
        .cmd(["run", "--no-redact", "--", "env"])
        .env("KEYWARD_PASSPHRASE", "a-passphrase-here")
        .env("KEYWARD_PASSPHRASE_FILE", kw.path("pw.txt"))
        .env("KEYWARD_FUTURE_SECRET", "x")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = env_lines(&out.stdout);
    for gone in [
        "KEYWARD_IDENTITY=",
        "KEYWARD_PASSPHRASE=",
        "KEYWARD_PASSPHRASE_FILE=",
        "KEYWARD_FUTURE_SECRET=",
    ] {
        assert!(
            !lines.iter().any(|l| l.starts_with(gone)),
            "{gone} reached the child"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| *l == format!("KEYWARD_VAULT={}", kw.vault().display()))
    );
    assert!(lines.iter().any(|l| l.starts_with("K=")));

    let out = kw
        .cmd(["run", "--no-redact", "--pass-keyward-env", "--", "env"])
        .env("KEYWARD_PASSPHRASE", "a-passphrase-here")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = env_lines(&out.stdout);
    assert!(
        lines
            .iter()
            .any(|l| *l == format!("KEYWARD_IDENTITY={}", id.display()))
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "KEYWARD_PASSPHRASE=a-passphrase-here")
    );
}

#[test]
fn a_child_cannot_read_keys_that_only_left_out() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let b = kw.generate("B");
    let script = format!("'{KW}' get B");
    let out = kw
        .cmd(["run", "--only", "A", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&b));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&b));
    // The inner keyward had no identity: unlock failed (5), passed through.
    assert_eq!(out.status.code(), Some(5));
}

// ---- redaction

#[test]
fn run_redacts_a_64_kib_value_in_bounded_memory() {
    let kw = Sandbox::with_vault();
    let big: String = (0..64 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    kw.set("BIG", &big);
    // 1 GiB of address space: the old prefix set needed ~2 GiB per stream.
    let script = format!(
        "ulimit -v 1048576; exec '{KW}' run --redact -- sh -c 'printf \"<%s>\" \"$BIG\"; printf \"[%s]\" \"$BIG\" >&2'"
    );
    let out = sh(&kw, &script).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "<[redacted:BIG]>");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "[[redacted:BIG]]");
}

#[test]
fn values_under_8_bytes_are_not_redacted_and_one_warning_names_their_keys() {
    let kw = Sandbox::with_vault();
    kw.set("ONE", "e");
    kw.set("SHORT", "zq7x");
    kw.set("LONG", "long-enough-value");
    let out = kw
        .cmd([
            "run",
            "--redact",
            "--",
            "sh",
            "-c",
            "echo parent-edits $SHORT $LONG",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "parent-edits zq7x [redacted:LONG]\n"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("`ONE`") && stderr.contains("`SHORT`"),
        "{stderr}"
    );
    assert!(stderr.contains("8 bytes"), "{stderr}");
    assert!(!stderr.contains("zq7x"), "a value in the warning: {stderr}");
    assert!(!stderr.contains("`LONG`"), "{stderr}");
}

// ---- loader variables

#[test]
fn run_refuses_a_loader_variable_and_starts_nothing_unless_allowed() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "PATH"])
        .write_stdin("/tmp/evil-bin")
        .assert()
        .success()
        .stderr(contains("warning:").and(contains("`PATH`")));
    kw.generate("K");
    let marker = kw.path("started");
    let script = format!("echo \"$PATH\" > '{}'", marker.display());
    kw.cmd(["run", "--", "/bin/sh", "-c", &script])
        .assert()
        .code(1)
        .stderr(contains("`PATH`").and(contains("--allow-name PATH")));
    assert!(!marker.exists(), "the command ran");
    // nothing was released: no run event in the journal
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "run"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 0, "{ev}");
    // --only without it is fine; --allow-name lets it through
    kw.cmd(["run", "--only", "K", "--", "/bin/sh", "-c", "true"])
        .assert()
        .success();
    kw.cmd([
        "run",
        "--allow-name",
        "PATH",
        "--",
        "/bin/sh",
        "-c",
        &script,
    ])
    .assert()
    .success();
    assert_eq!(fs::read_to_string(&marker).unwrap(), "/tmp/evil-bin\n");
}

#[test]
fn export_refuses_loader_variables_in_shell_and_dotenv_unless_allowed() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "LD_PRELOAD"])
        .assert()
        .success()
        .stderr(contains("warning:").and(contains("`LD_PRELOAD`")));
    kw.set("BASH_ENV", "/tmp/evil.sh");
    for format in ["shell", "dotenv", "json"] {
        kw.cmd(["export", "--format", format])
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                contains("`LD_PRELOAD`")
                    .and(contains("`BASH_ENV`"))
                    .and(contains("--allow-name BASH_ENV --allow-name LD_PRELOAD")),
            );
    }
    kw.cmd(["export", "--format", "shell", "--allow-name", "LD_PRELOAD"])
        .assert()
        .code(1)
        .stderr(contains("`BASH_ENV`").and(contains("`LD_PRELOAD`").not()));
    kw.cmd([
        "export",
        "--format",
        "shell",
        "--allow-name",
        "LD_PRELOAD",
        "--allow-name",
        "BASH_ENV",
    ])
    .assert()
    .success()
    .stdout(contains("/tmp/evil.sh"));
}

// ---- durations and dates

#[test]
fn durations_beyond_8000_years_are_usage_errors_for_every_flag() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let recipient = kw.my_recipient();
    let huge = "999999999999w";
    let cases: Vec<Vec<&str>> = vec![
        vec!["generate", "A", "--rotate-every", huge],
        vec!["generate", "A", "--expires", huge],
        vec!["rotate", "K", "--grace", huge],
        vec!["rotate", "--all", "--yes", "--older-than", huge],
        vec!["check", "--within", huge],
        vec!["check", "--unused-for", huge],
        vec!["audit", "--since", huge],
        vec![
            "offboard", "--yes", &recipient, "--reason", "r", "--grace", huge,
        ],
    ];
    for args in cases {
        kw.cmd(&args)
            .assert()
            .code(2)
            .stderr(contains("8000 years"));
    }
    kw.cmd(["set", "B", "--expires", huge])
        .write_stdin("some-value-1234")
        .assert()
        .code(2);
    kw.cmd(["get", "A"]).assert().code(3);
    kw.cmd(["get", "B"]).assert().code(3);
    // K was not rotated
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["versions"].as_array().unwrap().len(), 1, "{show}");
}

#[test]
fn the_longest_allowed_expiry_is_stored_and_shown_as_a_date() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "A", "--expires", "417420w"])
        .assert()
        .success();
    kw.stdout(["show", "A"]);
    let show = kw.stdout(["show", "A", "--json"]);
    assert!(show.contains("9999-12-31T23:59:59"), "{show}");
    assert!(!show.contains("9223372036854775807"), "{show}");
}

#[test]
fn expires_0s_says_what_is_wrong() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "A", "--expires", "0s"])
        .assert()
        .code(2)
        .stderr(contains("greater than zero").and(contains("invalid date").not()));
}

// ---- get with nowhere to write

#[test]
fn get_with_stdout_closed_fails_and_releases_nothing() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let out = sh(&kw, &format!("'{KW}' get A >&-")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is closed"), "{stderr}");
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 0, "released: {ev}");
    // an explicit discard is not an error
    let out = sh(&kw, &format!("'{KW}' get A > /dev/null"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn get_into_a_pipe_nobody_reads_fails_but_list_ends_quietly() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = kw
        .std_cmd(["get", "A"])
        .stdout(Stdio::from(writer.try_clone().unwrap()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not delivered"));
    let out = kw
        .std_cmd(["list"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

// ---- process hygiene

/// Kills a process on drop (a failed test must not leave its child looping).
struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // SAFETY: signalling a process this test started.
        unsafe {
            libc::kill(self.0, libc::SIGKILL);
        }
    }
}

#[test]
fn the_child_gets_sigterm_when_keyward_is_killed() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let ready = kw.path("ready");
    let marker = kw.path("marker");
    let script = format!(
        "trap 'echo got > \"{}\"; exit' TERM; echo $$ > \"{}.tmp\"; mv \"{}.tmp\" \"{}\"; while :; do sleep 0.1; done",
        marker.display(),
        ready.display(),
        ready.display(),
        ready.display()
    );
    let mut keyward = kw
        .std_cmd(["run", "--no-redact", "--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the child to start", Duration::from_secs(20), || {
        ready.exists()
    });
    let pid: i32 = fs::read_to_string(&ready).unwrap().trim().parse().unwrap();
    let _guard = KillOnDrop(pid);
    keyward.kill().unwrap(); // SIGKILL: no handler of keyward's runs
    keyward.wait().unwrap();
    wait_for("the child's SIGTERM", Duration::from_secs(10), || {
        fs::read_to_string(&marker).is_ok_and(|s| s.trim() == "got")
    });
}
