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

