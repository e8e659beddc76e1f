//! Moving an access journal with its write-ahead log: taking over the journal releases
//! before this one kept in the vault (`journal/<env>.db`), and setting one aside. The
//! journal is this machine's own record and lives beside its pins (see
//! [`VaultPaths::journal`]); a move may cross file systems (a vault in a work tree, the
//! state directory in the home directory), so a move that cannot rename copies.

use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, JournalError, Result};
use crate::fsutil::sync_dir;
use crate::names::EnvName;
use crate::vault::paths::VaultPaths;

/// The database and its log, log first: a log left behind would be replayed into
/// whatever database takes the name next, and a move cut short is finished by the next
/// one (the database, moved last, is still where it was).
const PARTS: [&str; 3] = ["-wal", "-shm", ""];

impl VaultPaths {
    /// Take over this machine's journal of `env` from the vault's `journal/<env>.db`,
    /// where releases before this one kept it, once, under a lock on this machine's
    /// journal directory (which `dir` is, created). Only a journal this machine kept:
    /// one holding every journal head pinned here, at least one past its start (a file committed to the repository,
    /// copied in, or an environment's this one replaced is another's: left where it is
    /// and never read). A gap pinned here does not stop it: the rows still there are
    /// kept, and `audit` still says what was lost until `trust`.
    ///
    /// Its log is folded into it first (a checkpoint), then the database alone is moved
    /// (one rename, or a copy put in place by one): a move cut short never leaves rows
    /// in a log apart from their database. A log the checkpoint cannot fold (another
    /// process holds it: an earlier release still running) is exit 7, and nothing
    /// moves; no journal is started in its place.
    pub(in crate::vault) fn take_over_legacy_journal(
        &self,
        env: &EnvName,
        mine: &Path,
        dir: &Path,
    ) -> Result<()> {
        let Some(pins) = &self.pins else {
            return Ok(());
        };
        let legacy = self.legacy_journal(env);
        let present = |p: &Path| fs::symlink_metadata(p).is_ok();
        if present(mine) || !present(&legacy) {
            return Ok(());
        }
        let pinned = pins.journal_pin(env)?;
        // Only heads past 0 say what the journal held: a journal this machine started
        // (head 0, noted before the first row) and never appended to was empty, and
        // `trust` leaves head 0 on a machine that had not read the environment. Every
        // rule below would hold for any file with heads at 0 alone.
        if !pinned.owned() || pinned.heads.iter().all(|(seq, _)| *seq <= 0) {
            return Ok(());
        }
        let lock = fs::File::open(dir).map_err(|e| Error::io("cannot open", dir, e))?;
        lock.lock().map_err(|e| Error::io("cannot lock", dir, e))?;
        if present(mine) || !present(&legacy) {
            return Ok(());
        }
        // Its rows must hold what this machine saw of its journal (the heads pinned),
        // compared by hash: a file in the vault is anyone's who can write there.
        let holds = |conn: &Connection| -> bool {
            pinned
                .heads
                .iter()
                .filter(|(seq, _)| *seq > 0)
                .all(|(seq, hash)| {
                    conn.query_row("SELECT hash FROM journal WHERE seq = ?1", [seq], |r| {
                        r.get::<_, Vec<u8>>(0)
                    })
                    .optional()
                    .ok()
                    .flatten()
                    .is_some_and(|h| hex::encode(h) == *hash)
                })
        };
        let Some(conn) = open_untrusted(&legacy) else {
            return Ok(());
        };
        if !holds(&conn) {
            return Ok(());
        }
        let folded: Option<(i64, i64, i64)> = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ok();
        if !matches!(folded, Some((0, _, _))) {
            return Err(JournalError::Busy { path: legacy }.into());
        }
        drop(conn);
        move_file(&legacy, mine).map_err(|e| Error::io("cannot move", &legacy, e))?;
        sync_dirs(&legacy, mine)?;
        for suffix in ["-wal", "-shm"] {
            let _ = fs::remove_file(with(&legacy, suffix));
        }
        Ok(())
    }

    /// Move a journal database `from` to `to`, with its `-wal` and `-shm` (log first),
    /// and sync both directories.
    pub(in crate::vault) fn move_journal(&self, from: &Path, to: &Path) -> Result<()> {
        for suffix in PARTS {
            match move_file(&with(from, suffix), &with(to, suffix)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                r => r.map_err(|e| Error::io("cannot move", with(from, suffix), e))?,
            }
        }
        sync_dirs(from, to)
    }
}

/// Move the file `from` to `to`: renamed, or across file systems copied beside `to`
/// (0600, synced) and renamed into place, then `from` removed.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => copy_over(from, to),
        r => r,
    }
}

/// Sync the directories of `from` and `to`, so a move between them outlives a crash.
fn sync_dirs(from: &Path, to: &Path) -> Result<()> {
    for dir in [from.parent(), to.parent()].into_iter().flatten() {
        sync_dir(dir).map_err(|e| Error::io("cannot sync", dir, e))?;
    }
    Ok(())
}

/// `path` with `suffix` appended to its name.
fn with(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Copy `from` to `to` (another file system): written beside `to`, 0600, synced, then
/// renamed into place; `from` is removed after.
fn copy_over(from: &Path, to: &Path) -> std::io::Result<()> {
    let tmp = with(to, ".moving");
    let copied = fs::copy(from, &tmp)
        .and_then(|_| fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)))
        .and_then(|()| fs::File::open(&tmp)?.sync_all())
        .and_then(|()| fs::rename(&tmp, to));
    if let Err(e) = copied {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::remove_file(from)
}

/// The journal database at `path` opened for reading its rows, if it is a regular file
/// (never through a link) whose schema is the journal's alone (nothing in it runs inside
/// keyward's queries); else none.
fn open_untrusted(path: &Path) -> Option<Connection> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
        .open(path)
        .ok()?;
    crate::sys::require_regular(file).ok()?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    // Read, never changed: closing must not fold its log into it.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .ok()?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
    // Held to what `Journal::open` holds a journal to: the one table keyward writes.
    let only = [("journal", crate::vault::journal::JOURNAL)];
    crate::vault::untrusted::guard(&conn, "the access journal", Some(&only)).ok()?;
    Some(conn)
}
