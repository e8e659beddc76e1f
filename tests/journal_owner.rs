//! What the access journal trusts of its own file (DESIGN §5, §8): not a head it did not
//! chain to (a planted row, a number that would wrap around), not a row outside the
//! chain, and not a journal that is not this machine's (one that came with a clone, or
//! from another machine). Each is exit 6, before any value is handed out.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, concurrently, copy_dir};

fn journal(kw: &Sandbox) -> rusqlite::Connection {
    rusqlite::Connection::open(kw.journal_file("dev")).unwrap()
}

fn gets(kw: &Sandbox) -> usize {
    kw.stdout(["audit", "--action", "get"])
        .lines()
        .filter(|l| l.contains("get"))
        .count()
}

#[test]
fn a_head_the_chain_does_not_reach_is_refused_before_the_value_goes_out() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["get", "K"]).assert().success();
    kw.cmd(["get", "K"]).assert().success();
    // Planted without the audit key: a row at the last number (the next append would
    // wrap around to i64::MIN, where no read looks), then rows numbered 0 and below.
    let planted = [
        "INSERT INTO journal VALUES (9223372036854775807, zeroblob(24), zeroblob(40), zeroblob(32))",
        "INSERT INTO journal VALUES (0, zeroblob(24), zeroblob(40), zeroblob(32))",
        "INSERT INTO journal VALUES (-9223372036854775808, zeroblob(24), zeroblob(40), zeroblob(32))",
        // A real row's sealed columns copied to a later number: its seal binds its place.
        "INSERT INTO journal SELECT 7, nonce, sealed, hash FROM journal WHERE seq = 2",
    ];
    for (sql, says) in planted.iter().zip([
        "broken at event 9223372036854775807: the last row's seal does not open",
        "broken at event 0: a row outside the chain",
        "broken at event -9223372036854775808: a row outside the chain",
        "broken at event 7: the last row's seal does not open",
    ]) {
        journal(&kw).execute_batch(sql).unwrap();
        kw.cmd(["get", "K"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(says));
        kw.cmd(["audit", "verify"])
            .assert()
            .code(6)
            .stderr(contains("chain of `dev` (access) is broken"));
        journal(&kw)
            .execute_batch("DELETE FROM journal WHERE seq <= 0 OR seq > 2")
            .unwrap();
    }
    // Nothing was recorded at a wrapped-around number, nothing was handed out: the
    // two reads are the chain, and the next read continues it.
    let rows: Vec<i64> = journal(&kw)
        .prepare("SELECT seq FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, [1, 2]);
    kw.cmd(["get", "K"]).assert().success();
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&kw), 3);
}

/// Another machine: the same identity, its own HOME and state directory, and a copy of
/// the vault as a clone brings it (with `from`'s journal force-added to git, checked out
/// 0644). Returns it with the path of `from`'s journal in the copy.
fn elsewhere(from: &Sandbox) -> (Sandbox, std::path::PathBuf) {
    let mut there = Sandbox::new();
    there.identity = from.identity.clone();
    let vault = there.path("clone/vault");
    copy_dir(&from.vault(), &vault);
    there.set_env("KEYWARD_VAULT", vault.to_str().unwrap());
    let file = vault
        .join("journal")
        .join(from.journal_file("dev").file_name().unwrap());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(file.parent().unwrap(), fs::Permissions::from_mode(0o755)).unwrap();
    (there, file)
}

/// Move a journal with its log and index, as `mv` of the three files would.
fn move_journal(from: &std::path::Path, to: &std::path::Path) {
    for ext in ["", "-wal", "-shm"] {
        let with = |p: &std::path::Path| {
            let mut p = p.as_os_str().to_owned();
            p.push(ext);
            std::path::PathBuf::from(p)
        };
        if with(from).exists() {
            fs::rename(with(from), with(to)).unwrap();
        }
    }
}

/// `there`'s own journal of `dev` in the copy [`elsewhere`] made.
fn own_journal(there: &Sandbox) -> std::path::PathBuf {
    there
        .path("clone/vault/journal")
        .join(there.journal_file("dev").file_name().unwrap())
}

#[test]
fn a_journal_from_another_machine_is_a_file_beside_this_ones_never_read_nor_replacing_it() {
    let kw = Sandbox::with_vault();
    kw.generate("STALE_KEY");
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["get", "STALE_KEY"]).assert().success();

    // A clone that brought the first machine's journal: its reads go to its own, and
    // the one it brought is neither read nor written.
    let (there, theirs) = elsewhere(&kw);
    let brought = fs::read(&theirs).unwrap();
    there.cmd(["get", "STALE_KEY"]).assert().success();
    there.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&there), 1);
    let own = own_journal(&there);
    assert_ne!(own, theirs);
    assert!(own.is_file());
    assert_eq!(fs::read(&theirs).unwrap(), brought);

    // The other way: a pull that puts the second machine's journal into the first
    // machine's vault leaves the first machine's own as it was (under one shared name,
    // git replaced it, and its reads were lost).
    let pulled = kw.vault().join("journal").join(own.file_name().unwrap());
    fs::copy(&own, &pulled).unwrap();
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&kw), 3);
}

#[test]
fn a_journal_under_this_machines_name_that_it_never_kept_is_not_adopted() {
    let kw = Sandbox::with_vault();
    kw.generate("STALE_KEY");
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["get", "STALE_KEY"]).assert().success();

    // Copied in under the second machine's own name.
    let (there, theirs) = elsewhere(&kw);
    there.cmd(["list"]).assert().success();
    let state = there.path("state/keyward");
    fs::write(state.join("journal-id"), "0123456789abcdef\n").unwrap();
    fs::set_permissions(state.join("journal-id"), fs::Permissions::from_mode(0o600)).unwrap();
    let file = own_journal(&there);
    move_journal(&theirs, &file);
    let refused = "is not this machine's: it holds events this machine never recorded";
    for args in [
        &["audit", "--key", "STALE_KEY"][..],
        &["audit", "verify"],
        &["check", "--unused-for", "1d"],
        &["get", "STALE_KEY"],
    ] {
        there
            .cmd(args)
            .assert()
            .code(6)
            .stdout(contains("get").not())
            .stderr(contains(refused))
            .stderr(contains(file.to_str().unwrap()))
            .stderr(contains("move it away"));
    }
    // The files are made private again, as keyward makes them.
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    // As the hint says: moved away, the next read starts this machine's own journal,
    // which holds this machine's reads only.
    fs::rename(&file, file.with_extension("db.foreign")).unwrap();
    there.cmd(["get", "STALE_KEY"]).assert().success();
    there.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&there), 1);

    // A machine that lost its state directory and restored only its journal id (as
    // `docs/ops-offboarding.md` says): `trust` adopts the journal as it is, after which
    // it is checked as this machine's.
    let (lost, _) = elsewhere(&kw);
    fs::create_dir_all(lost.path("state/keyward")).unwrap();
    fs::copy(
        kw.path("state/keyward/journal-id"),
        lost.path("state/keyward/journal-id"),
    )
    .unwrap();
    lost.cmd(["get", "STALE_KEY"])
        .assert()
        .code(6)
        .stderr(contains(refused));
    lost.cmd([
        "trust",
        "-e",
        "dev",
        "--reason",
        "state directory lost",
        "--yes",
    ])
    .assert()
    .success();
    lost.cmd(["get", "STALE_KEY"]).assert().success();
    lost.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&lost), 3);
}

#[test]
fn a_first_journal_is_this_machines_however_many_processes_start_it() {
    // Parallel first reads (CI jobs) race to make the journal: none finds the others'
    // rows foreign.
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["list"]).assert().success();
    concurrently(&kw, 16, "\"$KW\" get K >/dev/null");
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&kw), 16);

    // The CI path: a fresh runner with `KEYWARD_AUDIT_LOG`, no journal yet.
    let mut ci = Sandbox::with_vault();
    ci.generate("K");
    let log = ci.path("audit.jsonl");
    ci.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    ci.cmd(["get", "K"]).assert().success();
    ci.cmd(["get", "K"]).assert().success();
    let logged = fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().filter(|l| l.contains(r#""get""#)).count(), 2);
    assert_eq!(gets(&ci), 2);
}

#[test]
fn a_journal_an_earlier_release_kept_here_is_taken_over_and_one_from_elsewhere_is_left() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["get", "K"]).assert().success();
    kw.cmd(["get", "K"]).assert().success();
    // As an earlier release left it: `journal/dev.db`, with its log and index.
    let own = kw.journal_file("dev");
    let legacy = kw.vault().join("journal/dev.db");
    move_journal(&own, &legacy);
    assert!(!own.exists());
    kw.cmd(["audit", "verify"]).assert().success();
    assert!(own.is_file());
    let left: Vec<_> = fs::read_dir(kw.vault().join("journal"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("dev.db"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(gets(&kw), 2);
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(gets(&kw), 3);

    // An earlier release's journal that came with the repository is another machine's:
    // left where it is, never read, and this machine starts its own.
    let (there, theirs) = elsewhere(&kw);
    let brought = there.path("clone/vault/journal/dev.db");
    move_journal(&theirs, &brought);
    let bytes = fs::read(&brought).unwrap();
    there.cmd(["get", "K"]).assert().success();
    there.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&there), 1);
    assert_eq!(fs::read(&brought).unwrap(), bytes);
}

#[test]
fn the_journal_id_is_made_private_once_and_one_that_does_not_read_is_exit_6() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["get", "K"]).assert().success();
    let id_file = kw.path("state/keyward/journal-id");
    let id = fs::read_to_string(&id_file).unwrap();
    assert_eq!(id.len(), 17, "{id:?}");
    assert_eq!(
        fs::metadata(&id_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(fs::read_to_string(&id_file).unwrap(), id, "made once");

    // Never replaced: a new name would leave this machine's journal behind.
    fs::write(&id_file, "not-an-id\n").unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains(id_file.to_str().unwrap()))
        .stderr(contains("is not 16 hexadecimal digits"));
    assert_eq!(fs::read_to_string(&id_file).unwrap(), "not-an-id\n");
    fs::write(&id_file, &id).unwrap();
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(gets(&kw), 3);
}
