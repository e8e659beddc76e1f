//! What someone with write access to the vault or the state directory can plant, and
//! what a mistaken setting can do: every case is refused with its documented exit code,
//! never followed, waited on, read without bound, or taken for "no vault" (h14).

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, mkfifo};

/// This sandbox's pin directory of its vault (`pins/<id>/`).
fn pin_dir(kw: &Sandbox) -> PathBuf {
    kw.journal_file("dev")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_owned()
}

/// The names in the sandbox's `pins/`.
fn pin_dirs(kw: &Sandbox) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(kw.path("state/keyward/pins"))
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A re-clone (a new directory at the vault's path) whose `dev` is another vault's: keyward
/// then asks whether the whole vault was replaced, and looks at the other pinned
/// environments' files. A link or a pipe there is refused (exit 6, naming the file), as
/// at any env file: never followed, never waited on (a FIFO hung `get` for good; a link
/// to a device was read without bound).
#[test]
fn another_env_file_linked_or_piped_is_refused_when_a_replaced_vault_is_checked() {
    let kw = Sandbox::with_vault();
    kw.set("K1", "the-real-value-0001");
    for env in ["dev", "prod", "test"] {
        kw.cmd(["-e", env, "list"]).assert().success();
    }
    // Another vault encrypted to the same identity: its `dev` is what the attacker puts.
    let other = kw.path("other-vault");
    kw.cmd(["init"])
        .env("KEYWARD_VAULT", &other)
        .env("XDG_STATE_HOME", kw.path("other-state"))
        .assert()
        .success();
    // A new directory at the same path (the old one kept, so its inode is not reused).
    fs::rename(kw.vault(), kw.path("old-vault")).unwrap();
    fs::create_dir(kw.vault()).unwrap();
    fs::set_permissions(kw.vault(), fs::Permissions::from_mode(0o700)).unwrap();
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(kw.path("old-vault/envs"))
        .arg(kw.vault())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    fs::copy(other.join("envs/dev.db.age"), kw.env_file("dev")).unwrap();
    let prod = kw.env_file("prod");
    let real_prod = kw.path("old-vault/envs/prod.db.age");
    let fifo = kw.path("fifo");
    mkfifo(&fifo);
    // A link to a FIFO, a link to the real file (followed, it would pass), a FIFO itself.
    for (i, why) in ["is a symlink", "is a symlink", "is not a regular file"]
        .into_iter()
        .enumerate()
    {
        let _ = fs::remove_file(&prod);
        match i {
            0 => std::os::unix::fs::symlink(&fifo, &prod).unwrap(),
            1 => std::os::unix::fs::symlink(&real_prod, &prod).unwrap(),
            _ => mkfifo(&prod),
        }
        kw.cmd(["get", "K1"])
            .timeout(Duration::from_secs(60))
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(prod.to_str().unwrap()).and(contains(why)));
    }
    // Nothing was set aside: the pins of the vault seen here are where they were.
    assert!(
        pin_dirs(&kw).iter().all(|d| !d.contains(".replaced-")),
        "pins were set aside: {:?}",
        pin_dirs(&kw)
    );
}

/// `envs/` removed from a vault this machine read is those environments gone (exit 6,
/// as for one removed file), not "no vault, run `keyward init`" (exit 3); `init` there
/// refuses too, rather than set what this machine kept of the old vault aside unsaid,
/// and says how to start over on purpose. Something else at `envs/` is an unsafe path.
#[test]
fn a_removed_envs_directory_of_a_vault_read_here_is_gone_not_no_vault() {
    let kw = Sandbox::with_vault();
    kw.set("K1", "secret-value-0001");
    kw.stdout(["get", "K1"]);
    let envs = kw.vault().join("envs");
    fs::rename(&envs, kw.path("envs-kept")).unwrap();
    let pins = pin_dir(&kw);
    let mv = format!("mv '{}'", pins.display());
    let gone = || {
        contains("has no `envs/` directory any more")
            .and(contains("`dev`"))
            .and(contains(mv.clone()))
    };
    for args in [
        &["get", "K1"][..],
        &["list"],
        &["check"],
        &["audit", "verify"],
    ] {
        kw.cmd(args).assert().code(6).stdout("").stderr(gone());
    }
    let before = pin_dirs(&kw);
    kw.cmd(["init"]).assert().code(6).stderr(gone());
    assert_eq!(pin_dirs(&kw), before, "init set the pins aside");
    assert!(!envs.exists(), "init made a vault over one seen here");
    // A regular file (or a dangling link) where `envs/` belongs: an unsafe path.
    fs::write(&envs, "not a directory").unwrap();
    kw.cmd(["get", "K1"])
        .assert()
        .code(6)
        .stderr(contains("is not a directory"));
    fs::remove_file(&envs).unwrap();
    std::os::unix::fs::symlink(kw.path("nowhere"), &envs).unwrap();
    kw.cmd(["get", "K1"])
        .assert()
        .code(6)
        .stderr(contains("is a symlink"));
    fs::remove_file(&envs).unwrap();
    // Put back, it is read as before.
    fs::rename(kw.path("envs-kept"), &envs).unwrap();
    kw.cmd(["get", "K1"])
        .assert()
        .success()
        .stdout("secret-value-0001\n");
    // Removed on purpose: the hint's way out starts a new vault, saying nothing false.
    fs::remove_dir_all(&envs).unwrap();
    let mut aside = pins.clone().into_os_string();
    aside.push(".removed");
    fs::rename(&pins, &aside).unwrap();
    kw.cmd(["init"]).assert().success();
    kw.cmd(["get", "K1"]).assert().code(3);
    // A vault this machine never read is still "no vault" (exit 3).
    let fresh = Sandbox::new();
    fresh
        .cmd(["get", "K1"])
        .env("KEYWARD_VAULT", fresh.path("vault"))
        .assert()
        .code(3)
        .stderr(contains("no vault at"));
}

/// The vault's pin directory (`pins/<id>/`) others could write to is refused as `pins/`
/// is: whoever can write there can unlink the pins, and a replaced file would then be a
/// first use.
#[test]
fn a_pin_directory_others_can_write_to_is_refused() {
    let kw = Sandbox::with_vault();
    kw.set("A", "value-a-0001");
    kw.stdout(["get", "A"]);
    let dir = pin_dir(&kw);
    for mode in [0o777, 0o720, 0o702] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
        kw.cmd(["get", "A"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(dir.to_str().unwrap()).and(contains("writable by group or others")));
        kw.cmd(["set", "B"])
            .write_stdin("value-b-0001")
            .assert()
            .code(6);
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    kw.cmd(["get", "B"]).assert().code(3);
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("value-a-0001\n");
}

/// A FIFO or a directory at the access journal's `-wal` or `-shm` is exit 6 naming it
/// (as a symlink there is), not SQLite's "disk I/O error" (exit 1).
#[test]
fn a_pipe_or_directory_at_the_journals_side_files_is_exit_6() {
    let kw = Sandbox::with_vault();
    kw.set("A", "value-a-0001");
    kw.stdout(["get", "A"]);
    let journal = kw.journal_file("dev");
    for suffix in ["-wal", "-shm"] {
        let mut side = journal.clone().into_os_string();
        side.push(suffix);
        let side = PathBuf::from(side);
        let plants: [&dyn Fn(&Path); 2] = [&mkfifo, &|p| fs::create_dir(p).unwrap()];
        for plant in plants {
            let _ = fs::remove_file(&side);
            let _ = fs::remove_dir(&side);
            plant(&side);
            kw.cmd(["get", "A"])
                .timeout(Duration::from_secs(60))
                .assert()
                .code(6)
                .stdout("")
                .stderr(contains(side.to_str().unwrap()).and(contains("is not a regular file")));
        }
        let _ = fs::remove_dir(&side);
        let _ = fs::remove_file(&side);
    }
}

/// `KEYWARD_LOCK_TIMEOUT` beyond the longest wait (24 days: SQLite's busy handler counts
/// milliseconds in an `i32`) is a usage error naming the variable and its limit, for
/// every command (a panic, exit 101, before); 24 days itself works. A value that is not
/// UTF-8 is a usage error too, never read as unset.
#[test]
fn a_lock_timeout_too_long_or_not_utf8_is_a_usage_error() {
    let kw = Sandbox::with_vault();
    kw.set("A", "value-a-0001");
    for long in ["30d", "25d", "2147484", "417420w"] {
        for args in [&["get", "A"][..], &["set", "B"], &["audit"]] {
            kw.cmd(args)
                .env("KEYWARD_LOCK_TIMEOUT", long)
                .write_stdin("value-b-0001")
                .assert()
                .code(2)
                .stdout("")
                .stderr(contains("KEYWARD_LOCK_TIMEOUT").and(contains("24d")));
        }
    }
    kw.cmd(["get", "B"]).assert().code(3);
    kw.cmd(["get", "A"])
        .env("KEYWARD_LOCK_TIMEOUT", "24d")
        .assert()
        .success()
        .stdout("value-a-0001\n");
    let bad = std::ffi::OsStr::from_bytes(b"10\xff");
    for args in [&["get", "A"][..], &["set", "B"]] {
        kw.cmd(args)
            .env("KEYWARD_LOCK_TIMEOUT", bad)
            .write_stdin("value-b-0001")
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("KEYWARD_LOCK_TIMEOUT").and(contains("UTF-8")));
    }
    kw.cmd(["get", "B"]).assert().code(3);
}
