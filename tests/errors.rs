//! Each error says what happened and what to do next (issue 14): the hint names the
//! command with the flags it needs. Messages never contain a value.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn a_missing_key_suggests_close_names_and_the_list_command_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEYS"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "GITHUB_TOKEN"])
        .assert()
        .success();
    kw.cmd(["get", "-e", "prod", "STRIPE_KYE"])
        .assert()
        .code(3)
        .stderr(contains("no key `STRIPE_KYE` in environment `prod`"))
        .stderr(contains("did you mean `STRIPE_KEY` or `STRIPE_KEYS`?"))
        .stderr(contains("`keyward list -e prod`"))
        .stderr(contains("GITHUB_TOKEN").not());
    // Another case of the same name is the closest match.
    kw.cmd(["show", "-e", "prod", "github_token"])
        .assert()
        .code(3)
        .stderr(contains("did you mean `GITHUB_TOKEN`?"));
    // Nothing close: only the list hint.
    kw.cmd(["get", "-e", "prod", "DATABASE_URL"])
        .assert()
        .code(3)
        .stderr(contains("did you mean").not())
        .stderr(contains("`keyward list -e prod`"));
}

#[test]
fn a_missing_version_points_at_show_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A", "--version", "7"])
        .assert()
        .code(3)
        .stderr(contains("has no version 7"))
        .stderr(contains("`keyward show A -e dev`"));
}

#[test]
fn a_missing_environment_says_how_to_list_and_create_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list", "-e", "staging"])
        .assert()
        .code(3)
        .stderr(contains("`keyward env list`"))
        .stderr(contains("`keyward env add staging`"));
}

#[test]
fn a_corrupt_file_says_nothing_changed_and_how_to_restore_it() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let path = kw.env_file("dev");
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 0x55;
    fs::write(&path, &bytes).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicate::str::is_empty())
        .stderr(contains("is corrupt or has been tampered with"))
        .stderr(contains("restore the file from git"));
}

#[test]
fn a_broken_audit_chain_says_to_compare_with_history() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let conn = crate::support::open_image(&kw.decrypt_env("dev"));
    conn.execute("UPDATE events SET reason = 'edited' WHERE seq = 1", [])
        .unwrap();
    let mut conn = conn;
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("is broken at event 1"))
        .stderr(contains("compare the file with its git history"));
}
