//! A machine that verified a state holds the next changed file to it (DESIGN §8 round
//! 3: values of a version never change, statuses only move forward, every row change
//! with its event). A `write` member signs whatever rows they leave: without this, a
//! value swapped in place, or a version added, under an event about another key read
//! as an ordinary change everywhere but in `audit verify --git`.

use std::fs;

use keyward::audit::Action;
use predicates::prelude::*;
use predicates::str::contains;

use super::with_writer;
use crate::support::forge::signed_edit;
use crate::support::{decrypt_file, encrypt_image};

const OLD: &str = "the-deployed-value-0123456789abcdef";
const BOBS: &str = "a-value-bob-knows-0123456789abcdef";

/// Dan, a teammate with a state directory of his own, reads `dev` as it is now: his
/// machine keeps its rows. Returns his state directory.
fn dan_reads_dev(kw: &crate::support::Sandbox) -> std::path::PathBuf {
    let dan = kw.path("dan");
    kw.cmd(["list"])
        .env("XDG_STATE_HOME", &dan)
        .assert()
        .success();
    dan
}

/// Dan's `get K2` reads the value deployed before.
fn dan_gets_the_old_value(kw: &crate::support::Sandbox, dan: &std::path::Path) {
    kw.cmd(["get", "K2"])
        .env("XDG_STATE_HOME", dan)
        .assert()
        .success()
        .stdout(format!("{OLD}\n"));
}

#[test]
fn a_writer_changing_another_keys_rows_under_an_unrelated_event_is_refused_where_the_state_was_seen()
 {
    let (kw, bob_key, bob) = with_writer("bob");
    kw.set("K2", OLD);
    // Dan, a teammate, read `dev` as it is now.
    let dan = dan_reads_dev(&kw);
    let alice = kw.my_recipient();
    let file = kw.env_file("dev");
    let image = decrypt_file(&file, &bob_key);
    let recipients = [alice.as_str(), bob.as_str()];
    let k2 = "(SELECT id FROM keys WHERE name = 'K2')";
    let add_v2 = format!(
        "UPDATE versions SET status = 2, retire_at = 0 WHERE key_id = {k2};
         INSERT INTO versions(key_id, version, value, created, status)
           SELECT {k2}, 2, CAST('{BOBS}' AS BLOB), created, 0 FROM versions WHERE key_id = {k2}"
    );
    for (edit, says, event) in [
        // K2's value swapped in place for one Bob knows.
        (
            format!("UPDATE versions SET value = CAST('{BOBS}' AS BLOB) WHERE key_id = {k2}"),
            "`K2` v1 holds another value",
            (Action::Generate, Some("D1"), Some(1), None),
        ),
        // A version of Bob's added and put in service, under an event that names K2
        // but issues no value.
        (
            add_v2.clone(),
            "`K2` v2 holds a value no event issued",
            (Action::Resolve, Some("K2"), None, None),
        ),
        // The same under a `trust` event, which accepts rows on its writer's machine and
        // says nothing of values.
        (
            add_v2.clone(),
            "`K2` v2 holds a value no event issued",
            (Action::Trust, None, None, Some("accepted after review")),
        ),
        // The same under an event about another key.
        (
            add_v2,
            "`K2`",
            (Action::Generate, Some("D1"), Some(1), None),
        ),
    ] {
        let forged = signed_edit(&image, &edit, &bob, &bob_key, event);
        fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
        kw.cmd(["get", "K2"])
            .env("XDG_STATE_HOME", &dan)
            .assert()
            .code(6)
            .stderr(
                contains("since this machine verified it at event")
                    .and(contains(says))
                    .and(contains("a row changed without an event")),
            )
            .stdout("");
        // Refused every time, not only on the first read.
        kw.cmd(["run", "--", "true"])
            .env("XDG_STATE_HOME", &dan)
            .assert()
            .code(6);
    }
    // The same event with the rows it says: read, and held to from then on.
    let honest = signed_edit(
        &image,
        "UPDATE meta SET v = v WHERE 0",
        &bob,
        &bob_key,
        (Action::Generate, Some("D1"), Some(1), None),
    );
    fs::write(&file, encrypt_image(&honest, &recipients)).unwrap();
    dan_gets_the_old_value(&kw, &dan);
}

/// Bob's real changes, made with keyward, and Alice's after them: Dan, who saw the
/// state before all of them, reads each next file; the rows kept for him move on.
#[test]
fn ordinary_changes_by_others_read_on_a_machine_that_saw_the_state_before() {
    let (kw, bob_key, _bob) = with_writer("bob");
    let dan = dan_reads_dev(&kw);
    let as_bob = |args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_IDENTITY", &bob_key)
            .env("XDG_STATE_HOME", kw.path("bob-state"));
        c
    };
    as_bob(&["set", "B1"]).write_stdin(OLD).assert().success();
    as_bob(&["rotate", "K", "--grace", "1h"]).assert().success();
    as_bob(&["rename", "B1", "B2"]).assert().success();
    kw.cmd(["get", "B2"])
        .env("XDG_STATE_HOME", &dan)
        .assert()
        .success()
        .stdout(format!("{OLD}\n"));
    kw.cmd(["revoke", "K", "--version", "1", "--reason", "done", "--yes"])
        .assert()
        .success();
    as_bob(&["delete", "B2", "--reason", "unused", "--yes"])
        .assert()
        .success();
    kw.cmd(["list", "--json"])
        .env("XDG_STATE_HOME", &dan)
        .assert()
        .success()
        .stdout(contains("B2").not());
}

/// Alice and Bob share PUBLIC_KEY and SECRET_KEY; Dan read them; each then adds a key,
/// and Bob merges for real (a `merge` event joins the two lines), edits the merged file
/// with `sql`, signs it again as the merger, and pushes. Dan and a CI clone pull it.
fn bob_merges_and_edits(sql: &str) -> (crate::support::team::Team, usize, usize) {
    let mut t = crate::support::team::Team::new(&["alice", "bob"], &[]);
    let dan = t.fresh_machine(0, "dan");
    let ci = t.fresh_machine(0, "ci");
    t.kw(0, &["set", "PUBLIC_KEY"])
        .write_stdin("pk_public_0123456789")
        .assert()
        .success();
    t.kw(0, &["set", "SECRET_KEY"])
        .write_stdin(OLD)
        .assert()
        .success();
    t.sync(0, "keys");
    for m in [1, dan] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    t.kw(dan, &["list"]).assert().success();
    t.kw(0, &["generate", "X"]).assert().success();
    t.sync(0, "X");
    t.kw(1, &["generate", "Y"]).assert().success();
    t.git(1, &["commit", "-qam", "Y"]);
    t.git(
        1,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    let bob = &t.members[1];
    let file = t.env_file(1, "dev");
    let edited = crate::support::edit_image(&decrypt_file(&file, &bob.identity), |c| {
        c.execute_batch(sql).unwrap();
        crate::support::forge::resign(c, &bob.identity);
    });
    let recipients = [t.members[0].recipient.as_str(), bob.recipient.as_str()];
    fs::write(&file, encrypt_image(&edited, &recipients)).unwrap();
    t.git(1, &["commit", "-q", "-a", "--amend", "--no-edit"]);
    t.git(1, &["push", "-q", "origin", "main"]);
    for m in [dan, ci] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    (t, dan, ci)
}

/// Bob swaps two keys' values in the merged file. A merge never changes a value: Dan,
/// who read the state before, refuses it, and so does CI's `audit verify --git`.
#[test]
fn values_swapped_in_a_merge_are_refused_where_the_state_was_seen_and_in_ci() {
    let (t, dan, ci) = bob_merges_and_edits(
        "CREATE TEMP TABLE v AS SELECT k.name, v.value FROM versions v JOIN keys k ON k.id = v.key_id
           WHERE v.version = 1 AND k.name IN ('PUBLIC_KEY', 'SECRET_KEY');
         UPDATE versions SET value = (SELECT value FROM temp.v WHERE name =
             CASE (SELECT name FROM keys WHERE id = versions.key_id)
               WHEN 'PUBLIC_KEY' THEN 'SECRET_KEY' ELSE 'PUBLIC_KEY' END)
           WHERE version = 1 AND key_id IN
             (SELECT id FROM keys WHERE name IN ('PUBLIC_KEY', 'SECRET_KEY'));",
    );
    t.kw(dan, &["get", "PUBLIC_KEY"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("`PUBLIC_KEY` v1 holds another value"));
    t.kw(ci, &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("holds another value"));
}

/// Bob copies SECRET_KEY's value into a new version of PUBLIC_KEY in the merged file and
/// puts it in service: a merge brings no value from one key to another. Dan, who read
/// the state before, refuses it, and so does CI's `audit verify --git`.
#[test]
fn a_value_copied_from_another_key_in_a_merge_is_refused_where_seen_and_in_ci() {
    let (t, dan, ci) = bob_merges_and_edits(
        "UPDATE versions SET status = 2, retire_at = 0
           WHERE key_id = (SELECT id FROM keys WHERE name = 'PUBLIC_KEY');
         INSERT INTO versions(key_id, version, value, created, status)
           SELECT (SELECT id FROM keys WHERE name = 'PUBLIC_KEY'), 2, value, created, 0
           FROM versions WHERE key_id = (SELECT id FROM keys WHERE name = 'SECRET_KEY');",
    );
    t.kw(dan, &["get", "PUBLIC_KEY"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("`PUBLIC_KEY` v2 holds another key's value"));
    t.kw(ci, &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("`PUBLIC_KEY` v2 holds"));
}

/// Bob adds a version of his own to SECRET_KEY in the merged file and puts it in
/// service, the old one retired. Neither side held that value and no event of the
/// merge commit issued it: CI's `audit verify --git` names the merge commit.
#[test]
fn a_value_of_the_mergers_own_in_a_merge_is_refused_in_ci() {
    let (t, _dan, ci) = bob_merges_and_edits(&format!(
        "UPDATE versions SET status = 2, retire_at = 0
           WHERE key_id = (SELECT id FROM keys WHERE name = 'SECRET_KEY');
         INSERT INTO versions(key_id, version, value, created, status)
           SELECT key_id, 2, CAST('{BOBS}' AS BLOB), created, 0 FROM versions
           WHERE key_id = (SELECT id FROM keys WHERE name = 'SECRET_KEY');"
    ));
    t.kw(ci, &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(
            "`SECRET_KEY` v2 holds a value neither side of the merge holds and no event issued",
        ));
}

/// A branch made from the state this machine kept, checked out after this machine's own
/// later writes: an earlier state than the pinned one (read with a warning), and held to
/// the kept rows all the same, which it does not replace.
#[test]
fn a_branch_checked_out_is_held_to_the_kept_rows_too() {
    let (kw, bob_key, bob) = with_writer("bob");
    kw.set("K2", OLD);
    let dan = dan_reads_dev(&kw);
    let file = kw.env_file("dev");
    let kept_state = fs::read(&file).unwrap();
    // Dan's own write moves his pin on (the kept rows stay those he verified).
    kw.cmd(["set", "DANS"])
        .env("XDG_STATE_HOME", &dan)
        .write_stdin("dans-value-0123456789")
        .assert()
        .success();
    let dans = fs::read(&file).unwrap();
    // Bob's branch from the kept state: K2's value swapped under an event about D1.
    fs::write(&file, &kept_state).unwrap();
    let image = decrypt_file(&file, &bob_key);
    let forged = signed_edit(
        &image,
        &format!(
            "UPDATE versions SET value = CAST('{BOBS}' AS BLOB)
               WHERE key_id = (SELECT id FROM keys WHERE name = 'K2')"
        ),
        &bob,
        &bob_key,
        (Action::Generate, Some("D1"), Some(1), None),
    );
    let alice = kw.my_recipient();
    fs::write(
        &file,
        encrypt_image(&forged, &[alice.as_str(), bob.as_str()]),
    )
    .unwrap();
    kw.cmd(["get", "K2"])
        .env("XDG_STATE_HOME", &dan)
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("`K2` v1 holds another value"));
    // Back on his own state, Dan reads as before.
    fs::write(&file, &dans).unwrap();
    dan_gets_the_old_value(&kw, &dan);
}

/// The kept rows are not synced: a crash can leave them cut or empty. Such rows are no
/// rows (this machine's own state directory), never a lock-out: the next changed file
/// reads, and its rows are kept instead.
#[test]
fn damaged_kept_rows_are_no_rows_and_are_kept_again() {
    let (kw, _bob_key, _bob) = with_writer("bob");
    let dan = dan_reads_dev(&kw);
    let kept: Vec<_> = fs::read_dir(dan.join("keyward/pins"))
        .unwrap()
        .map(|d| d.unwrap().path().join("dev.rows"))
        .filter(|p| p.exists())
        .collect();
    assert_eq!(kept.len(), 1);
    for damage in [&b""[..], &b"kwrows1\0"[..], &[0x5a; 100][..]] {
        fs::write(&kept[0], damage).unwrap();
        kw.set("K2", OLD);
        kw.cmd(["get", "K2"])
            .env("XDG_STATE_HOME", &dan)
            .assert()
            .success()
            .stdout(format!("{OLD}\n"));
        assert!(fs::read(&kept[0]).unwrap().len() > 100, "kept again");
        kw.cmd(["delete", "K2", "--reason", "again", "--yes"])
            .assert()
            .success();
    }
}
