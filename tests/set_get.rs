//! `set` and `get`: a value goes in from stdin only, byte for byte, and comes out exactly;
//! an empty value or a NUL is refused.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{KW, Sandbox, contains as bytes_contain};

#[test]
fn set_reads_stdin_byte_exact_and_get_prints_it() {
    let kw = Sandbox::with_vault();
    let value = "sk_live_\"quoted\" $HOME `tick` \\ back\nsecond line ";
    kw.set("OPENAI", value);
    let out = kw.cmd(["get", "OPENAI", "-n"]).output().unwrap();
    assert_eq!(out.stdout, value.as_bytes());
    let out = kw.cmd(["get", "OPENAI"]).output().unwrap();
    assert_eq!(out.stdout, format!("{value}\n").as_bytes());
    assert!(!bytes_contain(&out.stderr, b"sk_live"));
}

#[test]
fn set_refuses_empty_value_and_nul() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "E"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(contains("empty"));
    kw.cmd(["set", "E"])
        .write_stdin("a\0b")
        .assert()
        .code(1)
        .stderr(contains("NUL"));
    kw.cmd(["get", "E"])
        .assert()
        .code(3)
        .stderr(contains("no key `E` in environment `dev`"));
}

#[test]
fn set_has_no_value_flag() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "K", "--value", "x"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--value' found"));
    // A value given as an argument is refused, and not repeated.
    kw.cmd(["set", "K", "secretvalue"])
        .assert()
        .code(2)
        .stderr(contains("unexpected extra argument (not shown"))
        .stderr(contains("secretvalue").not());
}

#[test]
fn get_json_carries_name_version_and_value() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let out: serde_json::Value = serde_json::from_str(&kw.stdout(["get", "K", "--json"])).unwrap();
    assert_eq!(out["value"], v.as_str());
    assert_eq!(out["version"], 1);
    assert_eq!(out["env"], "dev");
}

/// A value is read up to one byte past its 64 KiB limit, never more: an endless stdin
/// (`yes | keyward set X`) is refused at once instead of filling memory.
#[test]
fn set_stops_reading_an_endless_stdin_at_the_limit() {
    let kw = Sandbox::with_vault();
    assert_cmd::Command::from_std(kw.sh(&format!("yes | '{KW}' set X")))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("refusing a value over 64 KiB"));
    kw.cmd(["get", "X"]).assert().code(3);
}
