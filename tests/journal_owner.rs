//! What the access journal trusts of its own file (DESIGN §5, §8): not a head it did not
//! chain to (a planted row, a number that would wrap around), not a row outside the
//! chain, and not a journal that is not this machine's (one that came with a clone, or
//! from another machine). Each is exit 6, before any value is handed out.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
/// the vault as a clone brings it, with `from`'s journal force-added to git by a release
/// that kept journals in the vault (`journal/dev.db`, checked out 0644). Returns it with
/// the path of that journal in the copy.
fn elsewhere(from: &Sandbox) -> (Sandbox, PathBuf) {
    let mut there = Sandbox::new();
    there.identity = from.identity.clone();
    let vault = there.path("clone/vault");
    copy_dir(&from.vault(), &vault);
    there.set_env("KEYWARD_VAULT", vault.to_str().unwrap());
    let file = vault.join("journal/dev.db");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    copy_journal(&from.journal_file("dev"), &file);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(file.parent().unwrap(), fs::Permissions::from_mode(0o755)).unwrap();
    (there, file)
}

/// A vault whose key `K` was read `n` times: the sandbox, this machine's journal of
/// `dev` (beside its pins), and where releases before this one kept it in the vault.
fn read_times(n: usize) -> (Sandbox, PathBuf, PathBuf) {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    for _ in 0..n {
        kw.cmd(["get", "K"]).assert().success();
    }
    let own = kw.journal_file("dev");
    let legacy = kw.vault().join("journal/dev.db");
    (kw, own, legacy)
}

/// `path` with `ext` appended to its name.
fn with(path: &Path, ext: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(ext);
    PathBuf::from(p)
}

/// Copy a journal with its log and index, as `cp` of the three files would.
fn copy_journal(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    for ext in ["", "-wal", "-shm"] {
        if with(from, ext).exists() {
            fs::copy(with(from, ext), with(to, ext)).unwrap();
        }
    }
}

/// Move a journal with its log and index, as `mv` of the three files would.
fn move_journal(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    for ext in ["", "-wal", "-shm"] {
        if with(from, ext).exists() {
            fs::rename(with(from, ext), with(to, ext)).unwrap();
        }
    }
}

/// `there`'s own journal of `dev` for the copy [`elsewhere`] made.
fn own_journal(there: &Sandbox) -> PathBuf {
    there.journal_in(&there.path("state"), &there.path("clone/vault"), "dev")
}

#[test]
fn a_journal_in_the_repository_is_never_this_machines_nor_does_a_pull_replace_it() {
    let kw = Sandbox::with_vault();
    kw.generate("STALE_KEY");
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    // This machine's journal lives with its pins, not in the vault.
    assert!(kw.journal_file("dev").is_file());
    assert!(!kw.vault().join("journal").exists());

    // A clone that brought another machine's journal: its reads go to its own, and the
    // one it brought is neither read nor written.
    let (there, theirs) = elsewhere(&kw);
    let brought = fs::read(&theirs).unwrap();
    there.cmd(["get", "STALE_KEY"]).assert().success();
    there.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&there), 1);
    assert!(own_journal(&there).is_file());
    assert_eq!(fs::read(&theirs).unwrap(), brought);

    // The other way: whatever a pull puts in the vault's `journal/` (another machine's
    // journal, under any name) leaves this machine's own as it was: in the vault, git
    // replaced it, and its reads were lost.
    copy_journal(&own_journal(&there), &kw.vault().join("journal/dev.db"));
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&kw), 3);
}

#[test]
fn a_journal_this_machine_never_kept_in_its_place_is_not_adopted() {
    let kw = Sandbox::with_vault();
    kw.generate("STALE_KEY");
    kw.cmd(["get", "STALE_KEY"]).assert().success();
    kw.cmd(["get", "STALE_KEY"]).assert().success();

    // Another machine's journal in this machine's place (a state directory restored
    // from elsewhere, or copied in).
    let (there, _) = elsewhere(&kw);
    there.cmd(["list"]).assert().success();
    let file = own_journal(&there);
    copy_journal(&kw.journal_file("dev"), &file);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
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
    // The file is made private again, as keyward makes it.
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);

    // As the hint says: moved away, the next read starts this machine's own journal,
    // which holds this machine's reads only.
    move_journal(&file, &file.with_extension("db.foreign"));
    there.cmd(["get", "STALE_KEY"]).assert().success();
    there.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&there), 1);

    // A machine that lost its state directory and put its journal back from a backup:
    // `trust` adopts the journal as it is, after which it is checked as this machine's.
    let (lost, _) = elsewhere(&kw);
    lost.cmd(["list"]).assert().success();
    copy_journal(&kw.journal_file("dev"), &own_journal(&lost));
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
fn a_journal_an_earlier_release_kept_in_the_vault_is_taken_over_only_when_it_is_this_machines() {
    let (kw, own, legacy) = read_times(2);
    let (there, _) = elsewhere(&kw);
    there.cmd(["get", "K"]).assert().success();

    // In the vault as an earlier release left it, but holding another machine's rows
    // (not the head this machine pinned): not taken over, and the journal this machine
    // kept is missing, which `audit` says.
    move_journal(&own, &kw.path("kept-aside.db"));
    copy_journal(&own_journal(&there), &legacy);
    let planted = fs::read(&legacy).unwrap();
    kw.cmd(["audit"])
        .assert()
        .code(6)
        .stderr(contains("has lost events: event 2 was seen here"));
    assert_eq!(fs::read(&legacy).unwrap(), planted);
    assert!(!own.exists());

    // This machine's own, as an earlier release left it: taken over into the state
    // directory with its log, every event kept.
    fs::remove_dir_all(kw.vault().join("journal")).unwrap();
    move_journal(&kw.path("kept-aside.db"), &legacy);
    kw.cmd(["audit", "verify"]).assert().success();
    assert!(own.is_file());
    assert!(
        fs::read_dir(kw.vault().join("journal"))
            .unwrap()
            .next()
            .is_none(),
        "left behind in the vault"
    );
    assert_eq!(gets(&kw), 2);
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(gets(&kw), 3);
}

/// `trust` on a machine that had not read the environment leaves the journal's head at
/// its start (0), which every file's rows "hold": a journal a pull then brings into the
/// vault (a teammate's, force-added by an earlier release) is not taken over for it.
#[test]
fn a_journal_in_the_vault_is_not_taken_over_by_a_machine_that_never_read() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["trust", "--reason", "reviewed", "--yes"])
        .assert()
        .success();
    let own = kw.journal_file("dev");
    assert!(!own.exists(), "no journal before the first read");
    // A teammate's machine (same identity for brevity) reads three times.
    let mut there = Sandbox::new();
    there.identity = kw.identity.clone();
    copy_dir(&kw.vault(), &there.path("clone/vault"));
    there.set_env("KEYWARD_VAULT", there.path("clone/vault").to_str().unwrap());
    for _ in 0..3 {
        there.cmd(["get", "K"]).assert().success();
    }
    let legacy = kw.vault().join("journal/dev.db");
    copy_journal(&own_journal(&there), &legacy);
    let planted = fs::read(&legacy).unwrap();
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(fs::read(&legacy).unwrap(), planted, "left where it is");
    assert_eq!(
        gets(&kw),
        1,
        "this machine's one read, none of the teammate's"
    );
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn a_log_left_without_its_journal_is_refused_never_thrown_away() {
    // What a take-over cut short by an earlier build left: the log moved beside the
    // pins, its database still in the vault. A new database there would discard it.
    let (kw, own, legacy) = read_times(3);
    let wal = with(&own, "-wal");
    assert!(
        fs::metadata(&wal).unwrap().len() > 0,
        "the rows are in the log"
    );
    fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    fs::rename(&own, &legacy).unwrap();
    let _ = fs::remove_file(with(&own, "-shm"));
    let log = fs::read(&wal).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("the access journal's log `"))
        .stderr(contains("lies without its database"))
        .stderr(contains("keep the log as evidence"))
        .stderr(contains("`keyward trust -e dev --reason TEXT`"));
    assert_eq!(fs::read(&wal).unwrap(), log);
    assert!(!own.exists());
    // Put back together, every event is there.
    fs::rename(&legacy, &own).unwrap();
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(gets(&kw), 3);
}

#[test]
fn a_journal_with_a_gap_seen_here_is_taken_over_with_the_rows_it_still_holds() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    for _ in 0..4 {
        kw.cmd(["get", "K"]).assert().success();
    }
    // The last row lost: the next read says so and the gap is kept until `trust`.
    journal(&kw)
        .execute_batch("DELETE FROM journal WHERE seq = 4")
        .unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stderr(contains("has lost events seen here"));
    // As an earlier release left it, in the vault: taken over all the same.
    let own = kw.journal_file("dev");
    move_journal(&own, &kw.vault().join("journal/dev.db"));
    kw.cmd(["audit"]).assert().code(6);
    assert!(own.is_file(), "taken over");
    kw.cmd(["trust", "-e", "dev", "--reason", "the lost row", "--yes"])
        .assert()
        .success();
    assert_eq!(gets(&kw), 4);
}

#[test]
fn a_journal_in_the_vault_holding_sql_keyward_never_writes_is_never_taken_over() {
    // Its rows are this machine's, but an index was added (anyone who can write the
    // vault can; a trigger or a view is refused as well): it is not read into the state
    // directory, and the loss is said.
    let (kw, own, legacy) = read_times(2);
    move_journal(&own, &legacy);
    rusqlite::Connection::open(&legacy)
        .unwrap()
        .execute_batch("CREATE INDEX j ON journal(hash);")
        .unwrap();
    kw.cmd(["audit"])
        .assert()
        .code(6)
        .stderr(contains("has lost events: event 2 was seen here"));
    assert!(!own.exists());
    assert!(legacy.exists());
}
