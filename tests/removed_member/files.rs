//! Forged files and journal rows, met by a machine that pinned what it saw.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;
use crate::support::{decrypt_file, edit_image, encrypt_image};

use super::{forge_with_heads, remove_mallory, team_before_removal};

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
    let trail = || t.out(0, &["audit", "export", "-e", "prod", "--format", "jsonl"]);
    let events = trail();
    // Someone who can write Alice's vault puts the old file back for a moment and reads
    // with Mallory's identity and a state of their own holding a copy of Alice's
    // journal, which it adopts (`trust`): a read would append a row sealed with the key
    // Mallory holds. The journal's last row is sealed with the key that replaced it,
    // which the old file does not hold: the append is refused before the value goes
    // out (DESIGN §8).
    fs::write(t.env_file(0, "prod"), &before).unwrap();
    let vault = t.members[0].dir.join("vault");
    let alices = t.kw.journal_in(&t.members[0].state, &vault, "prod");
    let theirs =
        t.kw.journal_in(&t.kw.path("state-intruder"), &vault, "prod");
    fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    for ext in ["", "-wal", "-shm"] {
        let (mut a, mut b) = (
            alices.clone().into_os_string(),
            theirs.clone().into_os_string(),
        );
        a.push(ext);
        b.push(ext);
        if std::path::Path::new(&a).exists() {
            fs::copy(&a, &b).unwrap();
        }
    }
    let intruder = |args: &[&str]| {
        let mut c = t.kw.std_cmd(args);
        c.env("KEYWARD_IDENTITY", &t.members[1].identity)
            .env("XDG_STATE_HOME", t.kw.path("state-intruder"))
            .env("KEYWARD_VAULT", t.members[0].dir.join("vault"));
        c.output().unwrap()
    };
    intruder(&["trust", "-e", "prod", "--reason", "mine", "--yes"]);
    let read = intruder(&["get", "-e", "prod", "DB_PASSWORD"]);
    assert_eq!(read.status.code(), Some(6));
    assert!(read.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&read.stderr).contains("the last row's seal does not open"),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    fs::write(t.env_file(0, "prod"), &after).unwrap();
    assert_eq!(trail(), events, "nothing appended");
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
