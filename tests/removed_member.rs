//! A removed member stays removed (DESIGN §8, §9 round 3): through a merge of a branch
//! they wrote, a forged file carrying a published head, a hand-edited commit, or a
//! journal row sealed with the key they still hold. Real repositories, a bare origin,
//! clones with their own identities, pins and clocks; the attacker writes what anyone
//! holding an old state can write: their own keyward on a stale clone, and images
//! edited by hand and encrypted to the public recipients.

use std::fs;

use keyward::recipient::short_recipient;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;
use crate::support::{can_decrypt, decrypt_file, edit_image, encrypt_image, statuses};

/// Alice (0) and Mallory (1) share `prod` with `DB_PASSWORD`, an `OLD` key revoked
/// before Mallory leaves, and `API_TOKEN`; Mallory holds that state in her clone.
fn team_before_removal() -> Team {
    let t = Team::new(&["alice", "mallory"], &[]);
    for k in ["DB_PASSWORD", "API_TOKEN", "OLD"] {
        t.out(0, &["generate", "-e", "prod", k]);
    }
    t.out(
        0,
        &["revoke", "-e", "prod", "OLD", "--reason", "leaked", "--yes"],
    );
    t.sync(0, "prod keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t
}

/// Alice removes Mallory from `prod`, rotates `DB_PASSWORD` and revokes `API_TOKEN`;
/// pushed. Returns the value rotated after the removal.
fn remove_mallory(t: &Team) -> String {
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.out(0, &["rotate", "-e", "prod", "DB_PASSWORD"]);
    t.out(
        0,
        &[
            "revoke",
            "-e",
            "prod",
            "API_TOKEN",
            "--reason",
            "leaked",
            "--yes",
        ],
    );
    t.sync(0, "remove mallory");
    t.out(0, &["get", "-e", "prod", "DB_PASSWORD"])
        .trim()
        .to_owned()
}

/// Mallory's branch `name` (from her stale clone) pushed to origin; Alice fetches it.
fn push_branch(t: &Team, name: &str) {
    t.git(1, &["add", "-A"]);
    t.git(1, &["commit", "-qm", "docs typo"]);
    t.git(1, &["push", "-q", "origin", &format!("main:{name}")]);
    t.git(0, &["fetch", "-q", "origin", name]);
}

#[test]
fn a_self_removing_branch_of_a_removed_member_grants_nothing_and_is_left_out() {
    let mut t = team_before_removal();
    let rotated = remove_mallory(&t);
    let mallory = t.members[1].recipient.clone();
    let m2_key = t.kw.write_identity("mallory2.key");
    let m2 = t.kw.recipient_of(&m2_key);
    // Mallory, on the state before: grants a key she controls, removes herself (so her
    // side no longer lists anyone Alice removed), and adds a value.
    t.out(1, &["generate", "-e", "prod", "FROM_MALLORY"]);
    t.out(1, &["access", "grant", "-e", "prod", &m2]);
    t.out(
        1,
        &[
            "access", "revoke", "-e", "prod", &mallory, "--force", "--yes",
        ],
    );
    push_branch(&t, "typo");
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    // DESIGN §15: every change of her branch is signed by her, whom main removed: the
    // whole branch is left out, and she is named.
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&mallory)),
        "the merge names what it left out: {said}"
    );

    let file = t.env_file(0, "prod");
    assert!(
        !can_decrypt(&file, &m2_key),
        "the key Mallory granted reads prod"
    );
    assert!(
        !can_decrypt(&file, &t.members[1].identity),
        "Mallory reads prod"
    );
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(
        !access.contains(&m2) && !access.contains(&mallory),
        "{access}"
    );
    assert_eq!(
        t.out(0, &["get", "-e", "prod", "DB_PASSWORD"]).trim(),
        rotated
    );
    for k in ["OLD", "API_TOKEN"] {
        let st = statuses(&t.show(0, "prod", k));
        assert!(st.values().all(|s| s == "revoked"), "{k}: {st:?}");
    }
    // Nothing of hers is in main.
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(!listed.contains("FROM_MALLORY"), "{listed}");
    // Pushed, and read on a fresh clone: the same, and its history checks.
    t.git(0, &["push", "-q", "origin", "main"]);
    let fresh = t.fresh_machine(0, "runner");
    t.kw(fresh, &["get", "-e", "prod", "API_TOKEN"])
        .assert()
        .code(4)
        .stderr(contains(
            "key `API_TOKEN` version 1 in `prod` is revoked since",
        ));
    t.kw(fresh, &["audit", "verify", "--git"])
        .assert()
        .success();
}

#[test]
fn a_status_edited_back_on_a_removed_members_branch_is_refused_by_the_merge() {
    let mut t = team_before_removal();
    remove_mallory(&t);
    let (alice, mallory) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    // Mallory writes with keyward, then makes the revoked OLD active again by hand in
    // her image — a key Alice's side left alone. (Her own keyward refuses to write over
    // a hand-edited file: its rows are not the state last signed, DESIGN §15.)
    t.out(1, &["generate", "-e", "prod", "FROM_MALLORY"]);
    let file = t.env_file(1, "prod");
    let image = decrypt_file(&file, &t.members[1].identity);
    let edited = edit_image(&image, |c| {
        c.execute(
            "UPDATE versions SET status = 0, revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
             WHERE key_id = (SELECT id FROM keys WHERE name = 'OLD')",
            [],
        )
        .unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &[&alice, &mallory])).unwrap();
    push_branch(&t, "typo");
    let ours = fs::read(t.env_file(0, "prod")).unwrap();
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(
        !merge.status.success(),
        "the merge took an edited branch: {said}"
    );
    assert!(
        said.contains("`OLD` v1 moved back from revoked to active"),
        "the refusal names the key: {said}"
    );
    // Git reports a conflict and Alice's file is left as it was.
    t.git(0, &["merge", "--abort"]);
    assert_eq!(fs::read(t.env_file(0, "prod")).unwrap(), ours);
    let st = statuses(&t.show(0, "prod", "OLD"));
    assert!(st.values().all(|s| s == "revoked"), "{st:?}");
    // On a fresh machine, the branch itself is named by `audit verify --git`.
    let fresh = t.fresh_machine(0, "runner");
    t.kw(fresh, &["audit", "verify", "--git", "origin/typo"])
        .assert()
        .code(6)
        .stderr(contains("mallory").and(contains("`OLD` v1 moved back")));
}

/// Mallory's forgery: the state she could read, with `DB_PASSWORD` set to her own value,
/// and events rows that merely *store* the heads Alice published (`heads`), encrypted
/// to Alice and herself.
fn forge_with_heads(t: &Team, stale: &[u8], heads: &[String]) -> Vec<u8> {
    let (alice, mallory) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    let edited = edit_image(stale, |c| {
        c.execute(
            "UPDATE versions SET value = CAST('mallory-controlled-value' AS BLOB)
             WHERE key_id = (SELECT id FROM keys WHERE name = 'DB_PASSWORD') AND status = 0",
            [],
        )
        .unwrap();
        for h in heads {
            c.execute(
                "INSERT INTO events(time, action, key, version, actor, reason, hash)
                 SELECT time + 1, action, key, version, actor, reason, ?1 FROM events ORDER BY seq DESC LIMIT 1",
                [hex::decode(h).unwrap()],
            )
            .unwrap();
        }
        c.execute(
            "INSERT OR IGNORE INTO recipients(recipient, added_at) VALUES (?1, 0)",
            [&mallory],
        )
        .unwrap();
    });
    encrypt_image(&edited, &[&alice, &mallory])
}

#[test]
fn a_forged_file_carrying_a_published_head_is_refused_where_it_is_pinned() {
    let t = team_before_removal();
    let stale = decrypt_file(&t.env_file(1, "prod"), &t.members[1].identity);
    remove_mallory(&t);
    // The head Alice's CI printed, and her machine pinned.
    let head = t.head(0, "prod");
    let forged = forge_with_heads(&t, &stale, &[head]);
    // Someone with write access to Alice's work tree drops it in place.
    fs::write(t.env_file(0, "prod"), &forged).unwrap();
    for args in [
        &["get", "-e", "prod", "DB_PASSWORD"][..],
        &["access", "list", "-e", "prod"],
        &["set", "-e", "prod", "NEW"],
    ] {
        t.kw(0, args)
            .write_stdin("some-new-value-123")
            .assert()
            .code(6)
            .stdout(contains("mallory-controlled").not())
            .stderr(contains("from before a recipient was removed"));
    }
    // The next command after the real file is back is served as before.
    t.git(0, &["checkout", "--", "vault"]);
    t.out(0, &["get", "-e", "prod", "DB_PASSWORD"]);
}

#[test]
fn a_forged_file_carrying_published_heads_is_never_taken_by_the_merge_driver() {
    let t = team_before_removal();
    let stale = decrypt_file(&t.env_file(1, "prod"), &t.members[1].identity);
    remove_mallory(&t);
    let base_head = t.head(0, "prod");
    // Alice goes on on a branch; its head is published (a CI log).
    t.git(0, &["checkout", "-qb", "next"]);
    t.out(0, &["generate", "-e", "prod", "NEXT"]);
    t.git(0, &["commit", "-qam", "next"]);
    let next_head = t.head(0, "prod");
    // Mallory commits her forgery on top of main (she can fetch commits, not read them).
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["reset", "-q", "--hard", "origin/main"]);
    fs::write(
        t.env_file(1, "prod"),
        forge_with_heads(&t, &stale, &[base_head, next_head]),
    )
    .unwrap();
    push_branch(&t, "fix");
    let ours = fs::read(t.env_file(0, "prod")).unwrap();
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(
        !merge.status.success(),
        "the driver took the forgery: {said}"
    );
    assert!(said.contains("prod"), "{said}");
    t.git(0, &["merge", "--abort"]);
    assert_eq!(fs::read(t.env_file(0, "prod")).unwrap(), ours);
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(!access.contains(&t.members[1].recipient), "{access}");
}

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
fn every_removal_replaces_the_audit_key_and_the_journal_goes_on_under_the_new_one() {
    let t = Team::new(&["alice", "mallory"], &[]);
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.out(0, &["get", "-e", "prod", "K"]);
    let key_of = |t: &Team| -> (Vec<u8>, Vec<u8>) {
        let c = crate::support::open_image(&decrypt_file(
            &t.env_file(0, "prod"),
            &t.members[0].identity,
        ));
        let get = |k: &str| -> Vec<u8> {
            c.query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
                .unwrap_or_default()
        };
        (get("audit_key"), get("audit_key_prev"))
    };
    let (before, _) = key_of(&t);
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["offboard", &mallory, "--reason", "left", "--yes"]);
    let (after, prev) = key_of(&t);
    assert_ne!(
        before, after,
        "the removed member still holds the audit key"
    );
    assert_eq!(
        prev, before,
        "the replaced key is kept for the journal's older rows"
    );
    // Reads before and after the removal are both in the (intact) trail.
    t.out(0, &["get", "-e", "prod", "K"]);
    let trail: serde_json::Value =
        serde_json::from_str(&t.out(0, &["audit", "-e", "prod", "--action", "get", "--json"]))
            .unwrap();
    assert_eq!(trail.as_array().map(Vec::len), Some(2), "{trail}");
    t.kw(0, &["audit", "verify", "-e", "prod"])
        .assert()
        .success();
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
fn a_member_updating_a_removed_members_branch_with_main_grants_nothing() {
    // Bob read prod before Mallory's removal; he reviews her branch and brings main into
    // it. His side is hers: what she granted is withheld, whoever merges.
    let mut t = Team::new(&["alice", "mallory"], &[]);
    let bob = t.fresh_machine(0, "bob");
    t.out(0, &["generate", "-e", "prod", "DB_PASSWORD"]);
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(bob, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(bob, &["list", "-e", "prod"]);
    remove_mallory_only(&t);
    let m2_key = t.kw.write_identity("mallory2.key");
    t.out(
        1,
        &["access", "grant", "-e", "prod", &t.kw.recipient_of(&m2_key)],
    );
    push_branch(&t, "pr");
    t.git(bob, &["fetch", "-q", "origin"]);
    t.git(bob, &["checkout", "-q", "-b", "review", "origin/pr"]);
    t.out(bob, &["list", "-e", "prod"]);
    let merge = t.git_out(bob, &["merge", "--no-edit", "origin/main"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    // DESIGN §15: her side's changes are all signed by her, whom main removed: this
    // side (hers) is left out and main taken, whoever merges.
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&t.members[1].recipient)),
        "{said}"
    );
    assert!(!can_decrypt(&t.env_file(bob, "prod"), &m2_key));
    assert_eq!(
        fs::read(t.env_file(bob, "prod")).unwrap(),
        fs::read(t.env_file(0, "prod")).unwrap(),
        "main taken as it is"
    );
}

/// Alice removes Mallory from `prod` and rotates `DB_PASSWORD`; pushed.
fn remove_mallory_only(t: &Team) {
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.out(0, &["rotate", "-e", "prod", "DB_PASSWORD"]);
    t.sync(0, "remove mallory");
}

#[test]
fn a_forged_file_claiming_a_newer_audit_key_over_an_old_one_is_from_before_the_removal() {
    let t = team_before_removal();
    let stale = decrypt_file(&t.env_file(1, "prod"), &t.members[1].identity);
    remove_mallory(&t);
    t.out(0, &["get", "-e", "prod", "DB_PASSWORD"]);
    let (alice, mallory) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    // Her old key moved into the replaced ones, a fresh key "in force", a value of hers.
    let forged = edit_image(&stale, |c| {
        let old: Vec<u8> = c
            .query_row("SELECT v FROM meta WHERE k = 'audit_key'", [], |r| r.get(0))
            .unwrap();
        c.execute(
            "INSERT OR REPLACE INTO meta(k, v) VALUES ('audit_key_prev', ?1), ('audit_key', ?2)",
            rusqlite::params![old, vec![9u8; 32]],
        )
        .unwrap();
        c.execute(
            "UPDATE versions SET value = CAST('attacker-chosen-password' AS BLOB)
             WHERE key_id = (SELECT id FROM keys WHERE name = 'DB_PASSWORD')",
            [],
        )
        .unwrap();
    });
    fs::write(
        t.env_file(0, "prod"),
        encrypt_image(&forged, &[&alice, &mallory]),
    )
    .unwrap();
    for args in [
        &["get", "-e", "prod", "DB_PASSWORD"][..],
        &["run", "-e", "prod", "--", "true"],
    ] {
        t.kw(0, args)
            .assert()
            .code(6)
            .stdout(contains("attacker-chosen").not())
            .stderr(contains("from before a recipient was removed"));
    }
}

#[test]
fn journal_rows_sealed_with_a_replaced_key_after_its_replacement_are_refused() {
    let t = team_before_removal();
    t.out(0, &["get", "-e", "prod", "DB_PASSWORD"]);
    let before = fs::read(t.env_file(0, "prod")).unwrap();
    remove_mallory(&t);
    let after = fs::read(t.env_file(0, "prod")).unwrap();
    // Someone who can write Alice's vault puts the old file back for a moment and reads
    // with Mallory's identity and state: a row sealed with the key Mallory holds.
    fs::write(t.env_file(0, "prod"), &before).unwrap();
    let mut c = t.kw.std_cmd(["get", "-e", "prod", "DB_PASSWORD"]);
    c.env("KEYWARD_IDENTITY", &t.members[1].identity)
        .env("XDG_STATE_HOME", t.kw.path("state-intruder"))
        .env("KEYWARD_VAULT", t.members[0].dir.join("vault"));
    assert!(c.output().unwrap().status.success());
    fs::write(t.env_file(0, "prod"), &after).unwrap();
    t.kw(0, &["audit", "-e", "prod"])
        .assert()
        .code(6)
        .stderr(contains("sealed with an audit key replaced before it"));
}

#[test]
fn a_status_moved_back_by_a_current_member_is_refused_where_it_was_seen() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "API_TOKEN"]);
    t.out(
        0,
        &[
            "revoke",
            "-e",
            "prod",
            "API_TOKEN",
            "--reason",
            "leaked",
            "--yes",
        ],
    );
    t.sync(0, "revoke");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(1, &["generate", "-e", "prod", "COVER"]);
    let (alice, bob) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    let file = t.env_file(1, "prod");
    let edited = edit_image(&decrypt_file(&file, &t.members[1].identity), |c| {
        c.execute("UPDATE versions SET status = 0, revoked_at = NULL", [])
            .unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &[&alice, &bob])).unwrap();
    t.sync(1, "COVER");
    // A fast-forward for Alice: no merge driver, her pin is what stands.
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.kw(0, &["get", "-e", "prod", "API_TOKEN"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("`API_TOKEN` v1 was seen revoked on this machine"));
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
