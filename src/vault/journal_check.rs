//! What the journal checks before it trusts its own clear columns (`seq`, `hash`): the
//! head an append continues, rows outside the chain, whose journal it is, and the modes
//! of its files. Each check is O(1) or O(rows since the head pinned here), so a `get`
//! stays O(1) (DESIGN §5, §8).

use std::fs::File;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use rusqlite::OptionalExtension;

use super::{Journal, journal_error};
use crate::audit::{self, Chain};
use crate::error::{Error, JournalError, Result};
use crate::vault::journal_pin::JournalPinned;
use crate::vault::keyring::AuditKeys;
use crate::vault::seal;

/// The journal is this machine's own record, never shared: a file of another user is
/// refused, and one others may read (a checkout makes files 0644) is made 0600 again,
/// as `create_private_dir` does for its directory.
pub(super) fn private(file: &File, path: &Path) -> Result<()> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io("cannot open journal", path, e))?;
    if meta.uid() != crate::sys::getuid() {
        return Err(Error::UnsafeVaultPath {
            path: path.to_owned(),
            why: format!("belongs to another user (uid {})", meta.uid()),
        });
    }
    if meta.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("cannot set permissions on", path, e))?;
    }
    Ok(())
}

/// [`private`] for the `-wal` and `-shm` files, when there (SQLite makes them with the
/// database's mode, so one made while it was 0644 is 0644 too).
pub(super) fn private_side(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // A FIFO or a directory there is refused as such (exit 6), as the database is
    // (`require_regular`), not left to SQLite, whose "disk I/O error" would be exit 1.
    match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
        .open(path)
        .and_then(crate::sys::require_regular)
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(crate::fsutil::nofollow_error(
            "cannot open journal",
            path,
            e,
        )),
        Ok(file) => private(&file, path),
    }
}

/// A journal row as stored: `seq`, `nonce`, `sealed`, `hash`.
type Row = (i64, Vec<u8>, Vec<u8>, Vec<u8>);

impl Journal {
    fn broken(&self, seq: i64, detail: &str) -> Error {
        audit::broken(&self.env, Chain::Access, seq, detail)
    }

    /// Refuse a row numbered 0 or below: no chain holds one (they start at 1), so no
    /// read would ever show it, and an append after it would number from it. O(log n):
    /// `seq` is the table's rowid.
    pub(super) fn no_row_outside(&self) -> Result<()> {
        let min: Option<i64> = self
            .conn
            .query_row("SELECT min(seq) FROM journal", [], |r| r.get(0))
            .map_err(|e| journal_error(&self.path, e))?;
        match min {
            Some(seq) if seq < 1 => Err(self.broken(
                seq,
                "a row outside the chain (its sequence number is not positive)",
            )),
            _ => Ok(()),
        }
    }

    /// The last row's sequence number and hash, once its seal opens under a key of the
    /// ring at that position: a row planted without the audit key (a number no chain
    /// reaches, a hash copied from elsewhere) is not a head to continue.
    pub fn sealed_head(&self, keys: &AuditKeys) -> Result<Option<(i64, [u8; 32])>> {
        Ok(self.sealed_head_at(keys)?.map(|(seq, hash, _)| (seq, hash)))
    }

    /// [`Journal::sealed_head`], with the time the last row records: this machine's
    /// clock when it last recorded an access (`CLOCK_SKEW`).
    pub fn sealed_head_at(&self, keys: &AuditKeys) -> Result<Option<(i64, [u8; 32], i64)>> {
        self.no_row_outside()?;
        let last: Option<Row> = self
            .conn
            .query_row(
                "SELECT seq, nonce, sealed, hash FROM journal ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| journal_error(&self.path, e))?;
        let Some((seq, nonce, sealed, hash)) = last else {
            return Ok(None);
        };
        let hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| self.broken(seq, "malformed hash"))?;
        let opened = keys
            .all()
            .find_map(|key| seal::unseal(key, &self.env, seq, &hash, &nonce, &sealed));
        let Some(plain) = opened else {
            return Err(self.broken(
                seq,
                "the last row's seal does not open (a row planted or edited after the chain)",
            ));
        };
        #[derive(serde::Deserialize)]
        struct At {
            time: i64,
        }
        let at: At = serde_json::from_slice(&plain)
            .map_err(|_| self.broken(seq, "its content is malformed"))?;
        Ok(Some((seq, hash, at.time)))
    }

    /// The rows after the latest head pinned here open and chain from it: the append
    /// continues the chain this machine saw, not a head someone put after it. Reads
    /// only the rows since that head (none or a few: every append moves the pin).
    pub(super) fn extends_pin(
        &self,
        keys: &AuditKeys,
        pinned: &JournalPinned,
        last: Option<(i64, [u8; 32])>,
    ) -> Result<()> {
        let (Some((pseq, phash)), Some((seq, _))) = (pinned.latest(), last) else {
            return Ok(());
        };
        if seq <= *pseq {
            return Ok(());
        }
        let prev: [u8; 32] = hex::decode(phash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| self.broken(*pseq, "the head pinned here is malformed"))?;
        match self.events_after(keys, *pseq, prev, usize::MAX)? {
            // Checked by the caller: the pinned head is there.
            None => Err(self.broken(*pseq, "the head seen here is gone")),
            Some(_) => Ok(()),
        }
    }

    /// Whether the journal is this machine's: a journal with rows that no head pinned
    /// here names (DESIGN §8) came from elsewhere — committed to the repository and
    /// checked out with a clone, copied from another machine — or this machine lost its
    /// state. Its rows are not this machine's reads, and anyone holding the audit key
    /// can seal rows, so it is refused rather than adopted (exit 6, naming the file).
    pub fn require_own(&self) -> Result<()> {
        let Some(pins) = &self.pins else {
            return Ok(());
        };
        // The rows first, then the pin: an append that starts the journal notes it in
        // the pin before its first row commits, so a row seen here means the note is
        // there to be read (the other order would call a first row foreign).
        let rows: Option<i64> = self
            .conn
            .query_row("SELECT seq FROM journal LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| journal_error(&self.path, e))?;
        if rows.is_none() || pins.journal_pin(&self.env)?.owned() {
            return Ok(());
        }
        Err(self.foreign())
    }

    pub(super) fn foreign(&self) -> Error {
        JournalError::Foreign {
            env: self.env.clone(),
            path: self.path.clone(),
        }
        .into()
    }
}
