//! `run`'s redaction of the child's output: on by default on both streams, a value split
//! across writes, finished lines never held back, keyward's own credentials, a 64 KiB
//! value in bounded memory, values too short to redact named once.

use predicates::str::contains;
use std::fs;
use std::process::Stdio;
use std::time::Duration;

use crate::support::{KW, Sandbox, TRICKY};

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
        .code(2)
        .stderr(contains(
            "the argument '--redact' cannot be used with '--no-redact'",
        ));
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
    let out = kw.sh(&script).output().unwrap();
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

/// A key of several lines (a PEM body): a program that prints one of its lines alone
/// gets that line redacted too, as `export --format github-env` masks each line.
#[test]
fn one_line_of_a_multi_line_key_printed_alone_is_redacted() {
    let kw = Sandbox::with_vault();
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB\n-----END PRIVATE KEY-----";
    kw.set("TLS_KEY", pem);
    let out = kw
        .cmd([
            "run",
            "--",
            "sh",
            "-c",
            "printf '%s\\n' \"$TLS_KEY\" | sed -n 3p; printf '%s' \"$TLS_KEY\" | head -1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "[redacted:TLS_KEY]\n-----BEGIN PRIVATE KEY-----\n"
    );
}

#[test]
fn a_value_stored_with_a_trailing_newline_is_redacted_where_it_is_printed_trimmed() {
    let kw = Sandbox::with_vault();
    // `echo "$T" | keyward set API_KEY`: the newline is stored with the value.
    kw.set("API_KEY", "legacyApiKey701898\n");
    // Too short once trimmed: only the value as stored is matched.
    kw.set("PIN", "  1234\n\n");
    let out = kw
        .cmd([
            "run",
            "--",
            "sh",
            "-c",
            "t=$(printf %s \"$API_KEY\"); echo \"Bearer $t -> 200\"; printf '%s|' \"$API_KEY\"; echo \"pin 1234\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Bearer [redacted:API_KEY] -> 200\n[redacted:API_KEY]|pin 1234\n"
    );
}
