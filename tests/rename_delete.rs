//! `rename` and `delete` (DESIGN §14): a misspelled or unused key can be renamed with its
//! history, or deleted — values erased from the image, lifecycle events kept and the
//! chain still verifying. `delete` asks like the other destructive commands (terminal,
//! `--yes`, no terminal: exit 2; cancelled: exit 2, nothing changed).

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::pty::{Run, answer_on_terminal, answer_on_terminal_with};
use crate::support::{self, Sandbox, audit_events, get};

/// A key `K` with two versions: version 1 retired, version 2 active. Their values.
fn rotated_key(kw: &Sandbox) -> (String, String) {
    let v1 = kw.generate("K");
    kw.stdout(["rotate", "K", "--reason", "scheduled"]);
    let v2 = get(kw, "dev", "K");
    assert_ne!(v1, v2);
    (v1, v2)
}

// ---------------------------------------------------------------- rename

#[test]
fn rename_keeps_every_version_and_records_an_event() {
    let kw = Sandbox::with_vault();
    let (v1, v2) = rotated_key(&kw);
    kw.cmd(["rename", "K", "NEW_K"])
        .assert()
        .success()
        .stderr(contains("renamed `K` to `NEW_K` in `dev`").and(contains("2 version(s)")));

    assert_eq!(get(&kw, "dev", "NEW_K"), v2);
    kw.cmd(["get", "K"])
        .assert()
        .code(3)
        .stderr(contains("no key `K` in environment `dev`"));
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "NEW_K", "--json"])).unwrap();
    assert_eq!(show["versions"][0]["status"], "retired");
    assert_eq!(show["versions"][1]["status"], "active");
    // The retired value is still recognised as this key's old version.
    kw.cmd(["verify"])
        .write_stdin(v1.as_str())
        .assert()
        .code(4)
        .stderr(contains("NEW_K"));

    let renamed = audit_events(&kw, &["--action", "rename"]);
    assert_eq!(renamed.len(), 1, "{renamed:?}");
    assert_eq!(renamed[0]["key"], "NEW_K");
    assert_eq!(renamed[0]["reason"], "renamed from K");
    assert_eq!(renamed[0]["chain"], "lifecycle");
    // Earlier events keep the old name; the chain still verifies.
    assert_eq!(
        audit_events(&kw, &["--key", "K", "--action", "rotate"]).len(),
        1
    );
    kw.cmd(["audit", "verify"]).assert().success();
    // The old name is free again.
    kw.generate("K");
}

#[test]
fn rename_to_a_used_name_names_both_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rename", "A", "B"]).assert().code(1).stderr(
        contains("cannot rename `A` to `B` in `dev`: key `B` already exists")
            .and(contains("hint: pick another name"))
            .and(contains("keyward delete -e dev B --reason")),
    );
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn rename_to_an_invalid_name_or_itself_is_a_usage_error() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rename", "A", "9-bad"])
        .assert()
        .code(2)
        .stderr(contains("cannot rename `A`").and(contains("invalid key name `9-bad`")));
    kw.cmd(["rename", "A", "A"])
        .assert()
        .code(2)
        .stderr(contains("cannot rename `A` to itself"));
    kw.cmd(["rename", "NOPE", "OTHER"])
        .assert()
        .code(3)
        .stderr(contains("no key `NOPE` in environment `dev`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn rename_to_a_loader_variable_warns_like_set() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["rename", "A", "LD_PRELOAD"])
        .assert()
        .success()
        .stderr(contains("`LD_PRELOAD` makes programs run other code"));
    kw.cmd(["rename", "LD_PRELOAD", "B"])
        .assert()
        .success()
        .stderr(contains("makes programs run other code").not());
}

// ---------------------------------------------------------------- delete

#[test]
fn delete_erases_every_value_and_keeps_the_events() {
    let kw = Sandbox::with_vault();
    let (v1, v2) = rotated_key(&kw);
    let other = kw.generate("OTHER");
    kw.cmd(["delete", "K", "--reason", "misspelled", "--yes"])
        .write_stdin("")
        .assert()
        .success()
        .stderr(contains("deleted `K` and its 2 version(s) in `dev`"));

    kw.cmd(["get", "K"])
        .assert()
        .code(3)
        .stderr(contains("no key `K` in environment `dev`"));
    assert_eq!(get(&kw, "dev", "OTHER"), other);
    let image = kw.decrypt_env("dev");
    for v in [&v1, &v2] {
        assert!(
            !support::contains(&image, v.as_bytes()),
            "a deleted value is still in the image"
        );
        kw.assert_nowhere_in_files(v);
    }
    assert!(support::contains(&image, other.as_bytes()));

    let trail = audit_events(&kw, &["--key", "K"]);
    let actions: Vec<&str> = trail
        .iter()
        .filter(|e| e["chain"] == "lifecycle")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["generate", "rotate", "delete"], "{trail:?}");
    let deleted = trail.iter().find(|e| e["action"] == "delete").unwrap();
    assert_eq!(deleted["reason"], "misspelled");
    kw.cmd(["audit", "verify"]).assert().success();
    // The name is free again.
    kw.generate("K");
}

#[test]
fn delete_without_a_terminal_needs_yes_and_a_reason() {
    let kw = Sandbox::with_vault();
    rotated_key(&kw);
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["delete", "K", "--reason", "it's unused"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            contains("delete `K` and its 2 version(s) in `dev` needs confirmation").and(contains(
                "hint: `keyward delete -e dev K --reason \"it's unused\" --yes`",
            )),
        );
    kw.cmd(["delete", "K", "--yes"])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --reason <TEXT>",
        ));
    kw.cmd(["delete", "K", "--reason", " ", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("--reason must not be empty"));
    kw.cmd(["delete", "NOPE", "--reason", "x", "--yes"])
        .assert()
        .code(3)
        .stderr(contains("no key `NOPE` in environment `dev`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn delete_on_a_terminal_shows_what_goes_and_asks() {
    let kw = Sandbox::with_vault();
    let (_, v2) = rotated_key(&kw);
    let before = fs::read(kw.env_file("dev")).unwrap();

    let Run {
        code, stderr: err, ..
    } = answer_on_terminal(&kw, &["delete", "K", "--reason", "unused"], "n");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "`K` and its 2 version(s) are deleted: version 1 (retired), version 2 (active)"
        ),
        "{err}"
    );
    assert!(err.contains("reason: unused"), "{err}");
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(get(&kw, "dev", "K"), v2);

    let Run {
        code, stderr: err, ..
    } = answer_on_terminal(&kw, &["delete", "K", "--reason", "unused"], "y");
    assert_eq!(code, 0, "{err}");
    kw.cmd(["get", "K"])
        .assert()
        .code(3)
        .stderr(contains("no key `K` in environment `dev`"));
}

#[test]
fn delete_refuses_when_the_key_changed_while_asked() {
    let kw = Sandbox::with_vault();
    rotated_key(&kw);
    let Run {
        code, stderr: err, ..
    } = answer_on_terminal_with(
        &kw,
        &["delete", "K", "--reason", "unused"],
        "y",
        Some(&["rotate", "K"]),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`dev` changed while you were asked; nothing was changed"),
        "{err}"
    );
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["versions"].as_array().unwrap().len(), 3);
}

/// A revoked key deleted, and another key renamed to its name: the name holds the other
/// key's versions now, which the revocation never touched. Every machine reads it,
/// one that saw nothing before included.
#[test]
fn a_key_renamed_to_the_name_of_a_revoked_and_deleted_one_reads_everywhere() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let j = kw.generate("J");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["delete", "K", "--reason", "gone", "--yes"])
        .assert()
        .success();
    kw.cmd(["rename", "J", "K"]).assert().success();
    // The other machine has the vault's files, not this machine's journal (a clone).
    let clone = crate::support::clone_of_envs(&kw, "clone");
    for (state, vault) in [("state", kw.vault()), ("fresh", clone)] {
        kw.cmd(["get", "K"])
            .env("XDG_STATE_HOME", kw.path(state))
            .env("KEYWARD_VAULT", &vault)
            .assert()
            .success()
            .stdout(format!("{j}\n"));
        kw.cmd(["audit", "verify"])
            .env("XDG_STATE_HOME", kw.path(state))
            .env("KEYWARD_VAULT", &vault)
            .assert()
            .success();
    }
}
