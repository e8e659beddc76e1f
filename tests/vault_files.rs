//! The vault directory on disk: a directory others can write to is refused (exit 6), one
//! others can only read is accepted; a symlinked env file, journal, WAL or lock is
//! refused and nothing is created at its target; a planted temp file is not written
//! through; directories keyward did not make keep their mode.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn a_vault_directory_writable_by_others_is_refused() {
    // `journal/`: where releases before kept journals, in vaults made by them.
    for dir in ["", "envs", "journal"] {
        let kw = Sandbox::with_vault();
        kw.generate("A");
        let path = kw.vault().join(dir);
        fs::create_dir_all(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
        kw.cmd(["get", "A"])
            .assert()
            .code(6)
            .stdout(predicates::str::is_empty())
            .stderr(contains("writable by group or others"))
            .stderr(contains("chmod 700"));
        kw.cmd(["set", "B"])
            .write_stdin("value-b-123")
            .assert()
            .code(6)
            .stderr(contains("it is writable by group or others (mode 777)"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
        kw.cmd(["get", "A"]).assert().success();
        kw.cmd(["get", "B"])
            .assert()
            .code(3)
            .stderr(contains("no key `B` in environment `dev`"));
    }
}

#[test]
fn a_group_readable_vault_directory_is_accepted() {
    // What a git checkout with umask 022 makes: readable, not writable, by others.
    let kw = Sandbox::with_vault();
    kw.generate("A");
    fs::set_permissions(kw.vault(), fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["get", "A"]).assert().success();
}

#[test]
fn a_symlinked_journal_is_refused_and_nothing_is_created_at_its_target() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let _ = fs::remove_file(kw.journal_file("dev"));
    fs::create_dir_all(kw.journal_file("dev").parent().unwrap()).unwrap();
    let target = kw.path("elsewhere/stolen.db");
    fs::create_dir_all(kw.path("elsewhere")).unwrap();
    symlink(&target, kw.journal_file("dev")).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicates::str::is_empty())
        .stderr(contains("symlink"));
    let created: Vec<_> = fs::read_dir(kw.path("elsewhere")).unwrap().collect();
    assert!(created.is_empty(), "files created through the symlink");
}

#[test]
fn a_symlinked_journal_wal_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A"]).assert().success();
    let mut wal = kw.journal_file("dev").into_os_string();
    wal.push("-wal");
    let _ = fs::remove_file(&wal);
    symlink(kw.path("elsewhere-wal"), &wal).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
    assert!(!kw.path("elsewhere-wal").exists());
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_not_created() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let lock = kw.vault().join("envs/dev.lock");
    let _ = fs::remove_file(&lock);
    symlink(kw.path("elsewhere.lock"), &lock).unwrap();
    kw.cmd(["rotate", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
    assert!(!kw.path("elsewhere.lock").exists());
}

#[test]
fn a_symlinked_env_file_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let env = kw.env_file("dev");
    let moved = kw.path("moved.db.age");
    fs::rename(&env, &moved).unwrap();
    symlink(&moved, &env).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
}

#[test]
fn a_symlink_planted_at_the_temp_file_is_not_written_through() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let victim = kw.path("victim.txt");
    fs::write(&victim, "precious").unwrap();
    symlink(&victim, kw.vault().join("envs/dev.db.age.tmp")).unwrap();
    kw.cmd(["rotate", "A"]).assert().success();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    kw.cmd(["get", "A"]).assert().success();
}

#[test]
fn directories_keyward_did_not_make_keep_their_mode() {
    // A shared directory as the parent of a new identity file or vault: `/tmp`-like.
    let kw = Sandbox::new();
    let shared = kw.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    kw.cmd(["identity", "new", "--out", "shared/ci.key"])
        .assert()
        .success();
    let id = kw.path("shared/ci.key");
    kw.cmd(["init"])
        .env("KEYWARD_IDENTITY", &id)
        .env("KEYWARD_VAULT", shared.join("vault"))
        .assert()
        .success();
    let mode = fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        mode, 0o1777,
        "keyward changed the mode of a directory it did not make"
    );
    // Its own directories are private.
    let vault = fs::metadata(shared.join("vault"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(vault, 0o700);
}

/// A vault reached through a linked directory above it (`KEYWARD_VAULT=~/link/vault`, a
/// linked home) is the machine's own layout: every command works, reads (which journal)
/// included. A linked `journal/` inside the vault is refused, nothing made at its target.
#[test]
fn a_vault_under_a_linked_directory_works_and_a_linked_journal_directory_does_not() {
    let mut kw = Sandbox::with_vault();
    fs::create_dir_all(kw.path("real")).unwrap();
    symlink(kw.path("real"), kw.path("link")).unwrap();
    let linked = kw.path("link/vault");
    kw.set_env("KEYWARD_VAULT", linked.to_str().unwrap());
    kw.cmd(["init"]).assert().success();
    let value = kw.generate("A");
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stdout(format!("{value}\n"));
    kw.cmd(["audit", "verify"]).assert().success();
    let events = kw.json(["audit", "--json", "--action", "get"]);
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    // `journal/` itself a link (in a vault releases before made): refused.
    let journal = kw.path("real/vault/journal");
    fs::create_dir_all(kw.path("elsewhere")).unwrap();
    symlink(kw.path("elsewhere"), &journal).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("symlink"));
    assert_eq!(fs::read_dir(kw.path("elsewhere")).unwrap().count(), 0);
}
