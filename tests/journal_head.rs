//! The access journal's head as this machine pinned it (DESIGN §8): a fixed-size record
//! beside the environment's pin, rewritten in place by every read, so a cut-back or
//! deleted journal is noticed without a read replacing the pin file each time.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::support::Sandbox;

/// `$XDG_STATE_HOME/keyward/pins/<vault id>/<env>.journal`.
fn record(kw: &Sandbox, env: &str) -> PathBuf {
    let dirs: Vec<_> = fs::read_dir(kw.path("state/keyward/pins"))
        .unwrap()
        .map(|d| d.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "one vault pinned: {dirs:?}");
    dirs[0].join(format!("{env}.journal"))
}

/// The sequence number and hash a record holds.
fn head(bytes: &str) -> (i64, String) {
    let fields: Vec<&str> = bytes.split(' ').collect();
    (fields[0].parse().unwrap(), fields[1].to_owned())
}

#[test]
fn a_read_advances_the_journal_head_in_place_and_leaves_the_pin_alone() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A"]).assert().success();
    let rec = record(&kw, "dev");
    let pin = rec.with_extension("json");
    let first = fs::read_to_string(&rec).unwrap();
    let (ino, pin_ino) = (
        fs::metadata(&rec).unwrap().ino(),
        fs::metadata(&pin).unwrap().ino(),
    );
    let pin_bytes = fs::read(&pin).unwrap();
    for _ in 0..3 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let now = fs::read_to_string(&rec).unwrap();
    assert_eq!(now.len(), 124, "{now:?}");
    // One event per read, each one the head in turn.
    assert_eq!(head(&now).0, head(&first).0 + 3, "{first:?} then {now:?}");
    assert_ne!(head(&now).1, head(&first).1);
    let meta = fs::metadata(&rec).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    // Rewritten in place (the same file), and the pin not replaced by a read.
    assert_eq!(meta.ino(), ino);
    assert_eq!(fs::metadata(&pin).unwrap().ino(), pin_ino);
    assert_eq!(fs::read(&pin).unwrap(), pin_bytes);
}

#[test]
fn a_damaged_journal_record_is_an_error_not_a_reset_and_an_empty_one_starts_over() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A"]).assert().success();
    let rec = record(&kw, "dev");
    let good = fs::read(&rec).unwrap();
    // Well formed but for its check: another sequence number (digit for digit).
    let mut edited = good.clone();
    edited[19] = if edited[19] == b'7' { b'8' } else { b'7' };
    for bad in [edited, vec![0; good.len()], b"0 ab --\n".to_vec()] {
        fs::write(&rec, &bad).unwrap();
        kw.cmd(["get", "A"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains("journal record `"))
            .stderr(contains("dev.journal` is corrupt"))
            .stderr(contains("not reset silently"))
            .stderr(contains("remove it, then `keyward audit verify -e dev`"));
        kw.cmd(["audit", "verify"])
            .assert()
            .code(6)
            .stderr(contains("is corrupt"));
    }
    // As the hint says: without the record, the journal is checked against the pin's
    // copy of its head, and reads go on.
    fs::remove_file(&rec).unwrap();
    kw.cmd(["audit", "verify", "-e", "dev"]).assert().success();
    kw.cmd(["get", "A"]).assert().success();
    fs::write(&rec, &good).unwrap();
    fs::set_permissions(&rec, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("not a private file (mode 644)"));
    fs::set_permissions(&rec, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["get", "A"]).assert().success();
    // Empty: made, and lost in a crash before it reached the disk. Read as no record.
    fs::write(&rec, b"").unwrap();
    kw.cmd(["get", "A"]).assert().success();
    let after = fs::read_to_string(&rec).unwrap();
    assert_eq!(
        head(&after).0,
        head(std::str::from_utf8(&good).unwrap()).0 + 3,
        "one event for each read that passed since `good`"
    );
    // Never through a symbolic link.
    let elsewhere = kw.path("elsewhere");
    fs::write(&elsewhere, &good).unwrap();
    fs::remove_file(&rec).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &rec).unwrap();
    kw.cmd(["get", "A"]).assert().code(6).stdout("");
    assert_eq!(fs::read(&elsewhere).unwrap(), good);
}

/// Write `head` into the JSON pin beside `rec`, as a build before the record kept it.
fn set_json_head(rec: &Path, (seq, hash): &(i64, String)) {
    let pin = rec.with_extension("json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&pin).unwrap()).unwrap();
    json["journal"] = serde_json::json!([seq, hash]);
    fs::write(&pin, serde_json::to_vec(&json).unwrap()).unwrap();
}

/// Three reads, then two more: the record put back as it was after the third, and the
/// JSON pin given the fifth's head (an older build read the journal since the record was
/// last written, and advanced the JSON's head past it). The third's sequence number and
/// the fifth's head.
fn record_behind_the_json(kw: &Sandbox) -> (i64, (i64, String)) {
    kw.generate("A");
    for _ in 0..3 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let rec = record(kw, "dev");
    let behind = fs::read(&rec).unwrap();
    for _ in 0..2 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let later = head(&fs::read_to_string(&rec).unwrap());
    fs::write(&rec, &behind).unwrap();
    set_json_head(&rec, &later);
    (head(std::str::from_utf8(&behind).unwrap()).0, later)
}

/// Both kept: the later head counts.
#[test]
fn a_record_behind_the_json_pins_head_counts_the_later_head() {
    let kw = Sandbox::with_vault();
    let (_, (seq, _)) = record_behind_the_json(&kw);
    // Cut back past the JSON's head, not the record's.
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    conn.execute("DELETE FROM journal WHERE seq >= ?1", [seq])
        .unwrap();
    drop(conn);
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains(format!("event {seq} was seen here and is gone")));
}

#[test]
fn a_journal_head_pinned_by_an_older_build_still_catches_a_cut_back_journal() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for _ in 0..5 {
        kw.cmd(["get", "A"]).assert().success();
    }
    // A build before the record kept the head in the JSON pin.
    let rec = record(&kw, "dev");
    let (seq, hash) = head(&fs::read_to_string(&rec).unwrap());
    fs::remove_file(&rec).unwrap();
    set_json_head(&rec, &(seq, hash));
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    conn.execute("DELETE FROM journal WHERE seq > 2", [])
        .unwrap();
    drop(conn);
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains(format!("event {seq} was seen here and is gone")));
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stderr(contains("has lost events seen here"));
    // The gap is kept in the record from now on, until `trust`.
    kw.cmd(["audit", "verify"]).assert().code(6);
    kw.cmd([
        "trust",
        "--reason",
        "journal restored from an old backup",
        "--yes",
    ])
    .assert()
    .success();
    kw.cmd(["audit", "verify"]).assert().success();
}

/// Both heads are checked when the record and the JSON pin hold different ones: here the
/// record's event is gone and the JSON's later one is still there.
#[test]
fn every_head_kept_here_is_checked_not_only_the_latest() {
    let kw = Sandbox::with_vault();
    let (gone, _) = record_behind_the_json(&kw);
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    conn.execute("DELETE FROM journal WHERE seq = ?1", [gone])
        .unwrap();
    drop(conn);
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stderr(contains("has lost events seen here"));
    kw.cmd(["audit", "verify"]).assert().code(6);
}

/// Each write of the pin copies the record's head and gap into its JSON, durably: a
/// build before the record, run on this machine, checks them there.
#[test]
fn a_pin_write_copies_the_journal_head_and_gap_into_the_json_pin() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for _ in 0..2 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let rec = record(&kw, "dev");
    let pin = rec.with_extension("json");
    kw.cmd(["rotate", "A"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&pin).unwrap()).unwrap();
    let (seq, hash) = head(&fs::read_to_string(&rec).unwrap());
    assert_eq!(json["journal"], serde_json::json!([seq, hash]), "{json}");
    assert!(json.get("journal_gap").is_none(), "{json}");
    for f in ["dev.db", "dev.db-wal", "dev.db-shm"] {
        let _ = fs::remove_file(kw.vault().join("journal").join(f));
    }
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stderr(contains("has lost events seen here"));
    kw.cmd(["rotate", "A"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&pin).unwrap()).unwrap();
    assert_eq!(json["journal_gap"], serde_json::json!(seq), "{json}");
}

/// A removal replaces the audit key, and the pin's write then asks where the journal
/// ends. With the journal gone and the record damaged, the build that brought the
/// record asked through the journal's pin, whose damaged record it then read again
/// under the pin's lock, which that write already held: the same process waited on
/// itself for ever (seen with `timeout`). Now the removal is done and said, and the
/// next read says the record is damaged.
#[test]
fn a_removal_with_the_journal_gone_and_its_record_damaged_is_done_and_does_not_hang() {
    let kw = Sandbox::with_vault();
    let ana = kw.write_identity("ana.key");
    let ra = kw.recipient_of(&ana);
    kw.generate("A");
    kw.cmd(["access", "grant", &ra, "--name", "ana"])
        .assert()
        .success();
    kw.cmd(["get", "A"]).assert().success();
    for f in ["dev.db", "dev.db-wal", "dev.db-shm"] {
        let _ = fs::remove_file(kw.vault().join("journal").join(f));
    }
    fs::write(record(&kw, "dev"), b"garbage").unwrap();
    kw.cmd(["access", "revoke", &ra, "--yes"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    kw.cmd_as(&ana, ["get", "A"])
        .assert()
        .code(5)
        .stderr(contains("not a recipient"));
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("dev.journal` is corrupt"));
}
