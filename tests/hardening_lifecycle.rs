//! Hardening of the lifecycle commands (issue 13): no rotation back to an earlier value,
//! consistent imports, offboarding planned before anything changes, and checks over every
//! environment that do not pass as clean when they skipped some.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

fn as_other(kw: &Sandbox, other: &PathBuf, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd(args);
    c.env("KEYWARD_IDENTITY", other);
    c
}

/// The versions `show --json` lists for `name`: (version, status).
fn versions(kw: &Sandbox, env: &str, name: &str) -> Vec<(u64, String)> {
    let v: serde_json::Value =
        serde_json::from_str(&kw.stdout(["-e", env, "show", name, "--json"])).unwrap();
    v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["version"].as_u64().unwrap(),
                x["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn get(kw: &Sandbox, env: &str, name: &str) -> String {
    kw.stdout(["-e", env, "get", "-n", name])
}

/// A vault with an environment `shared` that only `other` can open (the sandbox identity
/// created it, then was removed by `other`). Returns `other`'s identity file.
fn vault_with_unreadable_env() -> (Sandbox, PathBuf) {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    kw.cmd(["env", "add", "shared", "--recipient", &other_r])
        .assert()
        .success();
    as_other(
        &kw,
        &other,
        &["-e", "shared", "access", "revoke", &kw.my_recipient()],
    )
    .assert()
    .success();
    kw.cmd(["-e", "shared", "list"]).assert().code(5);
    (kw, other)
}

// ---------------------------------------------------------------- rotate to an old value

#[test]
fn rotate_to_an_earlier_value_is_refused_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    let leaked = "leaked-provider-value-0001";
    let second = "second-provider-value-0002";
    kw.set("A", leaked);
    kw.cmd(["rotate", "A"])
        .write_stdin(second)
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    let versions_before = versions(&kw, "dev", "A");
    assert_eq!(versions_before.len(), 2);
    // the leaked value (version 1, retired) and the current one (version 2)
    for (value, earlier) in [(leaked, "version 1"), (second, "version 2")] {
        let out = kw.cmd(["rotate", "A"]).write_stdin(value).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(
            stderr.contains("`A`") && stderr.contains(earlier),
            "{stderr}"
        );
        assert!(!stderr.contains(value), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // nothing changed: same file, same versions, the current value still active
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), versions_before);
    assert_eq!(get(&kw, "dev", "A"), second);
    // a fresh value is still accepted
    kw.cmd(["rotate", "A"])
        .write_stdin("third-provider-value-0003")
        .assert()
        .success();
    assert_eq!(versions(&kw, "dev", "A").len(), 3);
}

#[test]
fn rotate_to_the_value_of_a_revoked_version_is_refused() {
    let kw = Sandbox::with_vault();
    kw.set("A", "first-value-revoked-later");
    kw.cmd(["rotate", "A"])
        .write_stdin("second-value-still-good")
        .assert()
        .success();
    kw.cmd(["revoke", "A", "--version", "1", "--reason", "leaked"])
        .assert()
        .success();
    kw.cmd(["rotate", "A"])
        .write_stdin("first-value-revoked-later")
        .assert()
        .code(4)
        .stderr(contains("version 1").and(contains("first-value").not()));
    assert_eq!(get(&kw, "dev", "A"), "second-value-still-good");
}

#[test]
fn import_overwrite_with_an_earlier_value_is_refused_and_imports_nothing() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("first.env"), "A=value-from-provider-1\n").unwrap();
    kw.cmd(["import", "first.env", "--format", "dotenv"])
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    // the same value again, next to a new key: nothing at all is imported
    fs::write(
        kw.path("again.env"),
        "NEW=brand-new-value-9\nA=value-from-provider-1\n",
    )
    .unwrap();
    let out = kw
        .cmd(["import", "again.env", "--format", "dotenv", "--overwrite"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("`A`") && stderr.contains("version 1"),
        "{stderr}"
    );
    assert!(!stderr.contains("value-from-provider"), "{stderr}");
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), [(1, "active".to_owned())]);
    kw.cmd(["get", "NEW"]).assert().code(3);
    // JSON too
    fs::write(kw.path("again.json"), r#"{"A":"value-from-provider-1"}"#).unwrap();
    kw.cmd(["import", "again.json", "--format", "json", "--overwrite"])
        .assert()
        .code(4)
        .stderr(contains("`A`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    // a new value is fine
    fs::write(kw.path("new.env"), "A=value-from-provider-2\n").unwrap();
    kw.cmd(["import", "new.env", "--format", "dotenv", "--overwrite"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "value-from-provider-2");
}

// ---------------------------------------------------------------- import formats

#[test]
fn json_import_with_a_duplicate_key_is_refused_like_dotenv() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("dup.env"),
        "A=first-dup-value\nA=second-dup-value\n",
    )
    .unwrap();
    let dotenv = kw
        .cmd(["import", "dup.env", "--format", "dotenv"])
        .output()
        .unwrap();
    fs::write(
        kw.path("dup.json"),
        r#"{"A":"first-dup-value","B":"other-value","A":"second-dup-value"}"#,
    )
    .unwrap();
    let json = kw
        .cmd(["import", "dup.json", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&json.stderr);
    assert_ne!(json.status.code(), Some(0), "{stderr}");
    assert_eq!(json.status.code(), dotenv.status.code(), "{stderr}");
    assert!(
        stderr.contains("`A`") && stderr.contains("twice"),
        "{stderr}"
    );
    assert!(!stderr.contains("dup-value"), "{stderr}");
    kw.cmd(["get", "A"]).assert().code(3);
    kw.cmd(["get", "B"]).assert().code(3);
}

#[test]
fn dotenv_import_accepts_a_byte_order_mark_and_crlf_line_endings() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("windows.env"),
        "\u{FEFF}A=plain-value\r\n# comment\r\nexport B=\"quoted value\"\r\nC='two\r\nlines'\r\n",
    )
    .unwrap();
    kw.cmd(["import", "windows.env", "--format", "dotenv"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "plain-value");
    assert_eq!(get(&kw, "dev", "B"), "quoted value");
    assert_eq!(get(&kw, "dev", "C"), "two\nlines");
}

