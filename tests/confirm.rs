//! Destructive commands ask first (DESIGN §14): `rotate --all`, `revoke`, `offboard` and
//! `access revoke` show what will change and ask on a terminal; `--yes` skips the
//! question; without a terminal they need `--yes` (exit 2, the hint is the whole
//! command); a refused question is exit 2 and changes nothing; a change made while the
//! question was open is not applied.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::pty::{answer_on_terminal, answer_on_terminal_with};
use crate::support::{Sandbox, get};

/// A vault with two generated keys and an imported one in `prod`.
fn prod_vault() -> Sandbox {
    let kw = Sandbox::with_vault();
    for name in ["A", "B"] {
        kw.cmd(["-e", "prod", "generate", name]).assert().success();
    }
    kw.cmd(["-e", "prod", "set", "IMP"])
        .write_stdin("from-the-provider")
        .assert()
        .success();
    kw
}

/// A vault where a second identity can read `dev` and `prod`; its recipient and file.
fn shared_vault() -> (Sandbox, PathBuf, String) {
    let kw = prod_vault();
    kw.cmd(["generate", "D"]).assert().success();
    let (other, r) = kw.member_in("other.key", &["dev", "prod"]);
    (kw, other, r)
}

fn env_files(kw: &Sandbox) -> Vec<Vec<u8>> {
    ["dev", "test", "prod"]
        .iter()
        .map(|e| fs::read(kw.env_file(e)).unwrap())
        .collect()
}

// ---------------------------------------------------------------- no terminal

#[test]
fn rotate_all_without_a_terminal_needs_yes_and_names_the_whole_command() {
    let kw = prod_vault();
    let before = fs::read(kw.env_file("prod")).unwrap();
    kw.cmd([
        "-e",
        "prod",
        "rotate",
        "--all",
        "--grace",
        "1h",
        "--reason",
        "it's time",
    ])
    .write_stdin("")
    .assert()
    .code(2)
    .stderr(
        contains("rotate 2 key(s) in `prod` needs confirmation")
            .and(contains("no terminal"))
            .and(contains(
                "hint: `keyward rotate -e prod --all --grace 1h --reason \"it's time\" --yes`",
            )),
    );
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), before);

    let a = get(&kw, "prod", "A");
    kw.cmd(["-e", "prod", "rotate", "--all", "--grace", "1h", "--yes"])
        .write_stdin("")
        .assert()
        .code(8)
        .stderr(contains(
            "1 imported key(s) need a new value from their provider",
        ))
        .stdout(contains("rotated"));
    assert_ne!(get(&kw, "prod", "A"), a);
}

#[test]
fn rotate_all_with_nothing_to_rotate_does_not_ask() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-e", "prod", "rotate", "--all"])
        .write_stdin("")
        .assert()
        .success()
        .stderr(contains("nothing to rotate"));
}

#[test]
fn revoke_without_a_terminal_needs_yes_and_names_the_whole_command() {
    let kw = prod_vault();
    let before = fs::read(kw.env_file("prod")).unwrap();
    kw.cmd([
        "-e",
        "prod",
        "revoke",
        "A",
        "--version",
        "1",
        "--reason",
        "leaked",
    ])
    .write_stdin("")
    .assert()
    .code(2)
    .stderr(
        contains("revoke version 1 of `A` in `prod` needs confirmation").and(contains(
            "hint: `keyward revoke -e prod A --version 1 --reason leaked --yes`",
        )),
    );
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), before);
    kw.cmd(["-e", "prod", "get", "A"]).assert().success();

    kw.cmd(["-e", "prod", "revoke", "A", "--reason", "leaked", "--yes"])
        .write_stdin("")
        .assert()
        .success();
    kw.cmd(["-e", "prod", "get", "A"])
        .assert()
        .code(4)
        .stderr(contains("key `A` version 1 in `prod` is revoked since"));
}

#[test]
fn offboard_without_a_terminal_needs_yes_and_changes_no_environment() {
    let (kw, other, r) = shared_vault();
    let before = env_files(&kw);
    kw.cmd(["offboard", &r, "--reason", "left"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            contains("from `dev`, `prod` needs confirmation").and(contains(format!(
                "hint: `keyward offboard {r} --reason left --yes`"
            ))),
        );
    assert_eq!(env_files(&kw), before);
    // Limited with -e: the hint keeps it.
    kw.cmd(["-e", "prod", "offboard", &r, "--reason", "left"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(contains(format!(
            "hint: `keyward offboard {r} --reason left -e prod --yes`"
        )));
    assert_eq!(env_files(&kw), before);

    kw.cmd(["offboard", &r, "--reason", "left", "--yes"])
        .write_stdin("")
        .assert()
        .code(8)
        .stderr(contains("offboarded from `dev`"));
    let mut c = kw.cmd(["-e", "prod", "get", "A"]);
    c.env("KEYWARD_IDENTITY", &other)
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `prod`",
        ));
}

#[test]
fn offboard_dry_run_never_asks() {
    let (kw, _, r) = shared_vault();
    let before = env_files(&kw);
    kw.cmd(["offboard", &r, "--reason", "left", "--dry-run"])
        .write_stdin("")
        .assert()
        .code(8)
        .stderr(contains("dry run"));
    assert_eq!(env_files(&kw), before);
}

#[test]
fn access_revoke_without_a_terminal_needs_yes_and_names_the_whole_command() {
    let (kw, other, r) = shared_vault();
    let before = env_files(&kw);
    kw.cmd(["access", "revoke", &r])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            contains("access to `dev` needs confirmation").and(contains(format!(
                "hint: `keyward access revoke {r} -e dev --yes`"
            ))),
        );
    assert_eq!(env_files(&kw), before);

    kw.cmd(["access", "revoke", &r, "--yes"])
        .write_stdin("")
        .assert()
        .success();
    let mut c = kw.cmd(["get", "D"]);
    c.env("KEYWARD_IDENTITY", &other)
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
}

#[test]
fn refusals_come_before_the_question() {
    // The last recipient cannot go: said at once, not after a question.
    let kw = Sandbox::with_vault();
    kw.cmd(["access", "revoke", &kw.my_recipient(), "--force"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(contains("last recipient"));
    kw.cmd(["revoke", "NOPE", "--reason", "x"])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(contains("no key `NOPE` in environment `dev`"));
}

// ---------------------------------------------------------------- production warning

#[test]
fn rotating_in_prod_without_grace_says_old_values_stop_working_at_once() {
    let kw = prod_vault();
    let plainly = "old values stop working at once";
    kw.cmd(["-e", "prod", "rotate", "--all", "--yes"])
        .write_stdin("")
        .assert()
        .code(8)
        .stderr(contains(format!(
            "warning: `prod` is production and there is no --grace: the {plainly}"
        )));
    kw.cmd(["-e", "prod", "rotate", "A"])
        .assert()
        .success()
        .stderr(contains(plainly));
    // With a grace period, or outside production: no warning.
    kw.cmd(["-e", "prod", "rotate", "--all", "--grace", "1h", "--yes"])
        .write_stdin("")
        .assert()
        .code(8)
        .stderr(contains(plainly).not());
    kw.cmd(["generate", "DEVKEY"]).assert().success();
    kw.cmd(["rotate", "--all", "--yes"])
        .write_stdin("")
        .assert()
        .success()
        .stderr(contains(plainly).not());
}

// ---------------------------------------------------------------- on a terminal

#[test]
fn rotate_all_on_a_terminal_shows_real_numbers_and_yes_rotates() {
    let kw = prod_vault();
    let a = get(&kw, "prod", "A");
    let run = answer_on_terminal(&kw, &["-e", "prod", "rotate", "--all"], "y");
    assert_eq!(run.code, 8, "{}", run.stderr);
    for said in [
        "in `prod`, 2 generated key(s) get a new value: A, B",
        "1 imported key(s) are not changed",
        "no grace period: old versions stop working at once",
        "warning: `prod` is production and there is no --grace",
        "rotate 2 key(s) in `prod`? [y/N]",
    ] {
        assert!(run.stderr.contains(said), "{said:?} in {}", run.stderr);
    }
    assert!(run.stdout.contains("rotated"), "{}", run.stdout);
    assert_ne!(get(&kw, "prod", "A"), a);
}

#[test]
fn rotate_all_refused_on_a_terminal_is_exit_2_and_changes_nothing() {
    let kw = prod_vault();
    let before = fs::read(kw.env_file("prod")).unwrap();
    let run = answer_on_terminal(
        &kw,
        &["-e", "prod", "rotate", "--all", "--grace", "1d"],
        "n",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("old versions keep passing `verify` for 1d"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cancelled; nothing was changed"));
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), before);
}

#[test]
fn revoke_on_a_terminal_asks_and_only_yes_revokes() {
    let kw = prod_vault();
    let before = fs::read(kw.env_file("prod")).unwrap();
    let args = ["-e", "prod", "revoke", "A", "--reason", "leaked"];
    let run = answer_on_terminal(&kw, &args, "n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("1 version(s) of `A` are revoked at once")
            && run
                .stderr
                .contains("revoke every version of `A` in `prod`? [y/N]"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), before);

    let run = answer_on_terminal(&kw, &args, "y");
    assert_eq!(run.code, 0, "{}", run.stderr);
    kw.cmd(["-e", "prod", "get", "A"])
        .assert()
        .code(4)
        .stderr(contains("key `A` version 1 in `prod` is revoked since"));
}

#[test]
fn offboard_on_a_terminal_shows_each_environment_and_only_yes_offboards() {
    let (kw, other, r) = shared_vault();
    let before = env_files(&kw);
    let args = ["offboard", r.as_str(), "--reason", "left"];
    let run = answer_on_terminal(&kw, &args, "n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    for said in [
        "in `dev`: ",
        "in `prod`: ",
        "2 generated key(s) get a new value: A, B; 1 imported key(s) need a new value",
        "old versions are revoked and stop working at once",
        "from `dev`, `prod`? [y/N]",
    ] {
        assert!(run.stderr.contains(said), "{said:?} in {}", run.stderr);
    }
    assert_eq!(env_files(&kw), before);

    let run = answer_on_terminal(&kw, &args, "y");
    assert_eq!(run.code, 8, "{}", run.stderr);
    let mut c = kw.cmd(["-e", "prod", "get", "A"]);
    c.env("KEYWARD_IDENTITY", &other)
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `prod`",
        ));
}

#[test]
fn access_revoke_on_a_terminal_says_who_loses_access() {
    let (kw, other, r) = shared_vault();
    let run = answer_on_terminal(&kw, &["-e", "prod", "access", "revoke", &r], "y");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("loses access to `prod`")
            && run.stderr.contains("`keyward offboard ")
            && run.stderr.contains("access to `prod`? [y/N]"),
        "{}",
        run.stderr
    );
    let mut c = kw.cmd(["-e", "prod", "get", "A"]);
    c.env("KEYWARD_IDENTITY", &other)
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `prod`",
        ));
}

#[test]
fn a_change_while_the_question_is_open_is_not_applied() {
    let kw = prod_vault();
    let run = answer_on_terminal_with(
        &kw,
        &["-e", "prod", "rotate", "--all", "--grace", "1h"],
        "y",
        Some(&["-e", "prod", "generate", "C"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`prod` changed while you were asked; nothing was changed")
            && run
                .stderr
                .contains("hint: run `keyward rotate -e prod --all --grace 1h` again"),
        "{}",
        run.stderr
    );
    // Only the change made meanwhile is there: every key is still at version 1.
    let keys: serde_json::Value =
        serde_json::from_str(&kw.stdout(["-e", "prod", "list", "--json"])).unwrap();
    let versions: Vec<u64> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [1, 1, 1, 1], "{keys}");
}

#[test]
fn revoke_and_offboard_do_not_apply_what_changed_while_asked() {
    let (kw, _, r) = shared_vault();
    let run = answer_on_terminal_with(
        &kw,
        &["-e", "prod", "revoke", "A", "--reason", "leaked"],
        "y",
        Some(&["-e", "prod", "rotate", "A"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hint: run `keyward revoke -e prod A --reason leaked` again"),
        "{}",
        run.stderr
    );
    kw.cmd(["-e", "prod", "get", "A"]).assert().success();

    let run = answer_on_terminal_with(
        &kw,
        &["offboard", &r, "--reason", "left"],
        "y",
        Some(&["-e", "prod", "generate", "C"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`prod` changed while you were asked; nothing was changed"),
        "{}",
        run.stderr
    );
    let recipients = kw.stdout(["-e", "prod", "access", "list", "--json"]);
    assert!(recipients.contains(&r), "still a recipient: {recipients}");
}
