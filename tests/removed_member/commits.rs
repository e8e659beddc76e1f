//! Commits that change rows without their events, checked by `audit verify --git`.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;
use crate::support::{decrypt_file, edit_image, encrypt_image};

use super::{remove_mallory, team_before_removal};

#[test]
fn audit_verify_git_names_a_commit_whose_rows_change_without_their_events() {
    // Bob is a current member: his chain extends Alice's, his rows do not follow.
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "dev", "K"]);
    t.out(0, &["generate", "-e", "dev", "V"]);
    t.out(
        0,
        &["revoke", "-e", "dev", "K", "--reason", "leaked", "--yes"],
    );
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(1, &["generate", "-e", "dev", "COVER"]);
    let (alice, bob) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    let file = t.env_file(1, "dev");
    let image = decrypt_file(&file, &t.members[1].identity);
    let edited = edit_image(&image, |c| {
        c.execute(
            "UPDATE versions SET status = 0 WHERE key_id = (SELECT id FROM keys WHERE name = 'K')",
            [],
        )
        .unwrap();
        c.execute(
            "UPDATE versions SET value = CAST('bobs-own-value-0000' AS BLOB)
             WHERE key_id = (SELECT id FROM keys WHERE name = 'V')",
            [],
        )
        .unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &[&alice, &bob])).unwrap();
    t.sync(1, "add COVER");
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let out = t.kw(0, &["audit", "verify", "--git"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{said}");
    assert!(
        said.contains("add COVER") && said.contains("bob <bob@example.org>"),
        "names the commit and its author: {said}"
    );
    assert!(
        said.contains("`K` v1 moved back from revoked to active"),
        "names the key: {said}"
    );
    let json = t
        .kw(0, &["audit", "verify", "--git", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let keys: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["problem"]["key"].as_str())
        .collect();
    assert!(keys.contains(&"K"), "{v}");
}

#[test]
fn a_value_changed_under_its_version_is_named_too() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "dev", "V"]);
    t.sync(0, "V");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(1, &["rotate", "-e", "dev", "V"]);
    let (alice, bob) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    let file = t.env_file(1, "dev");
    let edited = edit_image(&decrypt_file(&file, &t.members[1].identity), |c| {
        c.execute(
            "UPDATE versions SET value = CAST('bobs-own-value-0000' AS BLOB) WHERE version = 1",
            [],
        )
        .unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &[&alice, &bob])).unwrap();
    t.sync(1, "rotate V");
    t.kw(1, &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("`V` v1 holds another value"));
}

#[test]
fn a_removed_members_commit_rolling_the_file_back_is_refused_where_it_lands_and_named() {
    let mut t = team_before_removal();
    remove_mallory(&t);
    // Mallory brings main into her clone and commits her old file over it: for
    // everyone else, a fast-forward.
    let stale = t.git(1, &["rev-parse", "HEAD"]).trim().to_owned();
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["merge", "-q", "--ff-only", "origin/main"]);
    t.git(1, &["checkout", &stale, "--", "vault/envs/prod.db.age"]);
    t.git(1, &["commit", "-qam", "fix formatting"]);
    t.git(1, &["push", "-q", "origin", "HEAD:main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Alice's machine saw the audit key replaced: the old state is not read, not even
    // with a warning (it was readable, so writable, by Mallory).
    t.kw(0, &["get", "-e", "prod", "DB_PASSWORD"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("from before a recipient was removed"));
    // A fresh runner names the commit and its author.
    let fresh = t.fresh_machine(0, "runner");
    t.kw(fresh, &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("fix formatting").and(contains("mallory <mallory@example.org>")));
}

#[test]
fn an_unreadable_commit_does_not_hide_the_forged_one_after_it() {
    let mut t = team_before_removal();
    let stale = decrypt_file(&t.env_file(1, "prod"), &t.members[1].identity);
    remove_mallory(&t);
    let mallory = t.members[1].recipient.clone();
    let alice = t.members[0].recipient.clone();
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["reset", "-q", "--hard", "origin/main"]);
    // F1: prod encrypted to her alone; F2: her state from before, readable by Alice.
    fs::write(t.env_file(1, "prod"), encrypt_image(&stale, &[&mallory])).unwrap();
    t.git(1, &["commit", "-qam", "chore: a"]);
    fs::write(
        t.env_file(1, "prod"),
        encrypt_image(&stale, &[&alice, &mallory]),
    )
    .unwrap();
    t.git(1, &["commit", "-qam", "chore: b"]);
    t.git(1, &["push", "-q", "origin", "HEAD:main"]);
    let fresh = t.fresh_machine(0, "runner");
    for extra in [&[][..], &["--skip-unreadable"]] {
        let mut args = vec!["audit", "verify", "--git"];
        args.extend_from_slice(extra);
        t.kw(fresh, &args)
            .assert()
            .code(6)
            .stderr(contains("chore: b").and(contains("mallory <mallory@example.org>")));
    }
}
