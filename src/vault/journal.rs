//! The append-only access journal, `<env>.db` beside this machine's pins (DESIGN §5;
//! each machine's own, see [`VaultPaths::journal`]): an on-disk SQLite database in WAL mode whose rows
//! are sealed by `vault::seal`. Appends are O(1) (the previous hash is read from the last
//! row's clear column) and serialised by SQLite's own `BEGIN IMMEDIATE` lock, so any
//! number of processes may append at once.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::audit::{self, Canonical, Chain, Event, GENESIS};
use crate::error::{Error, JournalError, Result};
use crate::fsutil::nofollow_error;
use crate::names::EnvName;
use crate::vault::keyring::AuditKeys;
use crate::vault::paths::VaultPaths;
use crate::vault::seal;

/// Proof that access events were appended durably: the only key that opens a
/// [`Withheld`](crate::vault::Withheld) value, so no value can leave the vault before its
/// access is recorded (DESIGN §5, fail closed). Only an append makes one.
#[derive(Debug)]
pub struct Journaled {
    events: u64,
    gap: Option<i64>,
}

impl Journaled {
    /// How many events the append recorded.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The journal had lost events this machine saw (deleted or cut back): the last
    /// sequence number seen. The append went on (the history is gone either way);
    /// `audit` refuses to pass over it.
    pub fn gap(&self) -> Option<i64> {
        self.gap
    }
}

/// The WAL size past which an append checkpoints and truncates it (see
/// [`Journal::settle`]): about 30 appends of a `get` (~3 pages each), fewer of a `run`
/// naming thousands of keys in its one event; recovering the index from a WAL this
/// size on the next open reads at most this much.
pub const SETTLE_AT: u64 = 128 * 1024;

/// How far the clock may be behind this machine's last recorded access before nothing
/// more is released (`ClockError::Behind`): a clock set back (a snapshot restored, a
/// device without a real-time clock, a steered time source) would bring expired keys
/// back. Steps of the clock smaller than this pass.
pub const CLOCK_SKEW: i64 = 5 * 60 * 1000;

/// Whether a clock reading `now` is behind `last`, an access recorded here, by more than
/// [`CLOCK_SKEW`]: the one rule the journal's appends, `check` and the refusals share.
pub fn clock_is_behind(now: i64, last: i64) -> bool {
    now.saturating_add(CLOCK_SKEW) < last
}

pub struct Journal {
    conn: Connection,
    env: EnvName,
    path: PathBuf,
    /// Where this machine pins the journal's head (DESIGN §8).
    pins: Option<crate::vault::paths::PinDir>,
}

/// The journal's one table, as every keyward since the first has written it.
pub(in crate::vault) const JOURNAL: &str = "CREATE TABLE IF NOT EXISTS journal(
               seq INTEGER PRIMARY KEY,
               nonce BLOB NOT NULL,
               sealed BLOB NOT NULL,
               hash BLOB NOT NULL
             );";

impl Journal {
    /// Open (creating if needed) the journal of `env`. Files are created 0600; SQLite
    /// gives the `-wal` and `-shm` files the same mode.
    pub fn open(paths: &VaultPaths, env: &EnvName) -> Result<Journal> {
        let dir = paths.make_journal_dir()?;
        let mine = paths.journal(env);
        paths.take_over_legacy_journal(env, &mine, &dir)?;
        // A log without its database (a move cut short by an earlier build) holds rows:
        // SQLite would discard it under a new database.
        let mut wal = mine.clone().into_os_string();
        wal.push("-wal");
        if std::fs::symlink_metadata(&mine).is_err() && std::fs::symlink_metadata(&wal).is_ok() {
            return Err(JournalError::LogAlone {
                env: env.clone(),
                log: wal.into(),
                db: mine,
            }
            .into());
        }
        // SQLite's no-follow open refuses a link anywhere on the path, not only at its
        // end: a vault reached through a linked directory above it (`~/link/vault`, a
        // linked home) is the machine's own layout, so the directory is named by its real
        // path. The journal directory itself must be a directory (refused above).
        let real = dir
            .canonicalize()
            .map_err(|e| Error::io("cannot open journal directory", &dir, e))?;
        let path = real.join(mine.file_name().expect("a journal is named"));
        // No symlinks: SQLite would create the database and its -wal/-shm wherever
        // they point.
        OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
            .open(&path)
            .and_then(crate::sys::require_regular)
            .map_err(|e| nofollow_error("cannot open journal", &path, e))
            .and_then(|file| check::private(&file, &path))?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            // Opened without following a link: a link there is refused as such.
            check::private_side(std::path::Path::new(&side))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let wrap = |e: rusqlite::Error| journal_error(&path, e);
        let conn = Connection::open_with_flags(&path, flags).map_err(wrap)?;
        // At most 24 days (`lock_timeout` refuses more): SQLite's busy handler takes an
        // `i32` of milliseconds.
        let timeout = crate::vault::lock::lock_timeout()?.max(Duration::from_millis(100));
        conn.busy_timeout(timeout).map_err(wrap)?;
        // Processes that open a new journal at once (parallel CI jobs' first reads) race
        // to switch it to WAL, and SQLite answers the losers "database is locked" at
        // once, without its busy handler: they wait and try again, within the lock
        // timeout, as the handler would have.
        let start = std::time::Instant::now();
        let deadline = start.checked_add(timeout).unwrap_or(start);
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                r => break r.map_err(wrap)?,
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(wrap)?;
        // A `get` opens the journal, appends one row and exits: the append keeps the
        // WAL small itself (see `settle`), so closing must not checkpoint it each time.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(wrap)?;
        // The journal is this machine's own file, but one taken over from the vault
        // (releases before kept it there, where anyone who could write the vault could
        // plant one), or a state directory restored from elsewhere, is not known to be
        // keyward's: nothing in its schema may run inside keyward's queries (a trigger
        // on insert that never ended hung every `get`), and it holds the one table
        // keyward writes.
        crate::vault::untrusted::guard(&conn, "the access journal", Some(&[("journal", JOURNAL)]))
            .map_err(|detail| Error::Corrupt {
                path: path.clone(),
                detail,
            })?;
        conn.execute_batch(JOURNAL).map_err(wrap)?;
        Ok(Journal {
            conn,
            env: env.clone(),
            path,
            pins: paths.pins.clone(),
        })
    }

    /// Open the journal of `env` if it exists (reading never creates one), and only if it
    /// is this machine's own (see [`Journal::require_own`]).
    pub fn open_existing(paths: &VaultPaths, env: &EnvName) -> Result<Option<Journal>> {
        let mine = paths.journal(env);
        if std::fs::symlink_metadata(&mine).is_err() && paths.pins.is_some() {
            // A journal of releases before, in the vault, taken over (see `open`).
            let dir = paths.make_journal_dir()?;
            paths.take_over_legacy_journal(env, &mine, &dir)?;
        }
        if std::fs::symlink_metadata(&mine).is_err() {
            // A journal this machine appended to is gone: deleted, not never made.
            if let Some(pins) = &paths.pins
                && let Some(seq) = pins.journal_pin(env)?.seen_seq()
            {
                return Err(JournalError::Gap {
                    env: env.clone(),
                    seen_seq: seq,
                }
                .into());
            }
            return Ok(None);
        }
        let journal = Journal::open(paths, env)?;
        journal.require_own()?;
        Ok(Some(journal))
    }

    /// Append one sealed event, durably (WAL + synchronous=FULL) before returning.
    pub fn append(&mut self, keys: &AuditKeys, canon: Canonical) -> Result<Journaled> {
        self.append_all(keys, std::iter::once(canon), |_| Ok(()))
    }

    /// Move the WAL into the database and truncate it once it has grown past
    /// [`SETTLE_AT`]. Each keyward process is short and the first connection to a WAL
    /// database rebuilds its index by reading the whole WAL: left to grow without bound,
    /// that read would make every `get` cost O(journal size). A WAL kept under a fixed
    /// size keeps appends O(1), and a checkpoint (two more fsyncs: the database, then
    /// the truncated WAL) is paid once every few dozen appends instead of on every one.
    /// Durability is the same either way: an append is durable when its commit has
    /// synced the WAL (`synchronous=FULL`); a checkpoint only moves committed pages.
    /// Best effort: a reader holding a snapshot makes it a no-op this time, never an
    /// error.
    fn settle(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() >= SETTLE_AT);
        if big {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// Append events in one durable transaction (an access is one event, whatever the
    /// number of keys; a `get` that is refused records the refusal the same way).
    ///
    /// `also` is given the events, as they will read back, inside the transaction and
    /// before its commit: an error from it rolls the append back, so a copy kept
    /// elsewhere (`KEYWARD_AUDIT_LOG`) that could not be written leaves no event here
    /// that says the value went out.
    ///
    /// Rows are sealed with the ring's current key. The head the append continues is
    /// checked first, inside the transaction, so that a journal whose head is not this
    /// chain's fails before anything is handed out: it must be this machine's journal
    /// ([`Journal::require_own`]), hold no row outside the chain (a sequence number not
    /// positive), end in a row sealed under the ring, and extend the head pinned here
    /// through rows that open and chain (only those since the pin: O(1) in use).
    pub fn append_all(
        &mut self,
        keys: &AuditKeys,
        events: impl IntoIterator<Item = Canonical>,
        also: impl FnOnce(&[Event]) -> Result<()>,
    ) -> Result<Journaled> {
        let path = self.path.clone();
        let wrap = |e: rusqlite::Error| journal_error(&path, e);
        let key = keys.current();
        // Unchecked only in name: the connection is this struct's own and nothing else
        // runs on it while `tx` lives; a shared borrow lets the checks below read the
        // rows through the same transaction.
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )
        .map_err(wrap)?;
        // O(1): the chain's head is the last row's clear hash column, and its seal says
        // whoever wrote it held the audit key, at that position.
        let head = self.sealed_head_at(keys)?;
        let last = head.map(|(seq, hash, _)| (seq, hash));
        // DESIGN §8: the head this machine saw must still be there.
        let pinned = match &self.pins {
            Some(pins) => pins.journal_pin(&self.env)?,
            None => Default::default(),
        };
        if let Some(pins) = &self.pins
            && !pinned.owned()
        {
            if last.is_some() {
                return Err(self.foreign());
            }
            // This machine starts the journal: noted before its first row, so that a
            // process that finds the row before this one pins it knows it is ours.
            pins.advance_journal(&self.env, (0, hex::encode(GENESIS)), None)?;
        }
        let old_gap = pinned.gap;
        let mut gap = None;
        for (pseq, phash) in pinned.heads.iter().filter(|(s, _)| *s > 0) {
            let at: Option<Vec<u8>> = tx
                .query_row("SELECT hash FROM journal WHERE seq = ?1", [pseq], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(wrap)?;
            if at.map(hex::encode).as_deref() != Some(phash.as_str()) {
                gap = Some(*pseq);
                break;
            }
        }
        if gap.is_none() {
            self.extends_pin(keys, &pinned, last)?;
        }
        let (mut seq, mut prev) = last.unwrap_or((0, GENESIS));
        let mut n = 0;
        let mut appended = Vec::new();
        let mut events: Vec<Canonical> = events.into_iter().collect();
        // The clock must not have gone back past this machine's last recorded access:
        // expiries and graces would be judged at a time already past (nothing released).
        if let Some((_, _, last_time)) = head {
            if let Some(early) = events.iter().find(|c| clock_is_behind(c.time, last_time)) {
                return Err(
                    crate::error::ClockError::behind(&self.env, early.time, last_time).into(),
                );
            }
            // A step back within the skew is recorded at the last time, so the rows'
            // times never go back: small steps, one access each, cannot walk the clock
            // back past the bound.
            for c in &mut events {
                c.time = c.time.max(last_time);
            }
        }
        // One draw from the OS for every nonce of this append.
        let mut nonces = crate::secret::RandomPool::new(24 * events.len());
        {
            let mut stmt = tx
                .prepare("INSERT INTO journal(seq, nonce, sealed, hash) VALUES (?1, ?2, ?3, ?4)")
                .map_err(wrap)?;
            for canon in events {
                // Never a wrapped-around number (the head is checked positive above).
                seq = seq.checked_add(1).ok_or_else(|| {
                    audit::broken(
                        &self.env,
                        Chain::Access,
                        seq,
                        "the journal has no room after it",
                    )
                })?;
                let bytes = canon.bytes();
                let hash = audit::chain_hash(&prev, &bytes);
                let (nonce, sealed) = seal::seal(key, &self.env, seq, &hash, &bytes, &mut nonces);
                stmt.execute(params![seq, &nonce[..], sealed, &hash[..]])
                    .map_err(wrap)?;
                appended.extend(canon.into_event(Chain::Access, seq, prev, hash));
                prev = hash;
                n += 1;
            }
        }
        also(&appended)?;
        tx.commit().map_err(wrap)?;
        self.settle();
        if let Some(pins) = &self.pins {
            pins.advance_journal(&self.env, (seq, hex::encode(prev)), gap)?;
        }
        Ok(Journaled {
            events: n,
            gap: gap.or(old_gap),
        })
    }

    /// Every access event, oldest first, unsealed and chain-checked.
    pub fn events(&self, keys: &AuditKeys) -> Result<Vec<Event>> {
        // The pin first, then the rows: a `get` finishing in between moves the pin past
        // rows this read would not have, and that is not a gap.
        let pinned = match &self.pins {
            Some(pins) => Some(pins.journal_pin(&self.env)?),
            None => None,
        };
        let out = self
            .events_after(keys, 0, GENESIS, usize::MAX)?
            .expect("the start of a chain is always there");
        // DESIGN §8: the history this machine saw must still be there.
        if let Some(pinned) = pinned {
            let lost = pinned.lost(|(pseq, phash)| {
                out.iter()
                    .any(|e| e.seq == *pseq && hex::encode(e.hash) == *phash)
            });
            if let Some(seen_seq) = lost {
                return Err(JournalError::Gap {
                    env: self.env.clone(),
                    seen_seq,
                }
                .into());
            }
        }
        Ok(out)
    }
}

/// Reading the journal from a position on (`audit follow`): O(events read), never the
/// whole chain again.
impl Journal {
    /// Up to `limit` events after event `after` (0: from the start), unsealed and
    /// chain-checked from `prev`, the hash of event `after`. `Ok(None)` when the journal
    /// no longer holds event `after` with that hash (cut back, replaced or rewritten):
    /// the caller cannot resume there.
    ///
    /// Rows are sealed with the audit key in force when they were appended: each one
    /// opens with a key of the ring no older than the one that opened the row before
    /// (DESIGN §8 round 3), so a row sealed with a replaced key after its replacement
    /// was seen here is refused.
    pub fn events_after(
        &self,
        keys: &AuditKeys,
        after: i64,
        prev: [u8; 32],
        limit: usize,
    ) -> Result<Option<Vec<Event>>> {
        let wrap = |e: rusqlite::Error| journal_error(&self.path, e);
        // A row numbered 0 or below is outside every chain and a read from 1 on would
        // never see it: refused, whatever position is read from.
        self.no_row_outside()?;
        if after > 0 {
            let at: Option<Vec<u8>> = self
                .conn
                .query_row("SELECT hash FROM journal WHERE seq = ?1", [after], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(wrap)?;
            if at.as_deref() != Some(&prev[..]) {
                return Ok(None);
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, nonce, sealed, hash FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(wrap)?;
        let mut rows = stmt
            .query(params![after, i64::try_from(limit).unwrap_or(-1)])
            .map_err(wrap)?;
        let mut prev = prev;
        let mut expect = after + 1;
        let mut key_at = 0;
        let floor = match &self.pins {
            Some(p) => p.journal_floor(&self.env)?,
            None => None,
        };
        let mut out = Vec::new();
        let broken = |seq, d: &str| audit::broken(&self.env, Chain::Access, seq, d);
        while let Some(r) = rows.next().map_err(wrap)? {
            let seq: i64 = r.get(0).map_err(wrap)?;
            let nonce: Vec<u8> = r.get(1).map_err(wrap)?;
            let sealed: Vec<u8> = r.get(2).map_err(wrap)?;
            let stored: Vec<u8> = r.get(3).map_err(wrap)?;
            if seq != expect {
                return Err(broken(seq, &format!("event {expect} is missing")));
            }
            let hash: [u8; 32] = stored
                .try_into()
                .map_err(|_| broken(seq, "malformed hash"))?;
            if let Some((after_seq, at_least)) = floor
                && seq > after_seq
            {
                key_at = key_at.max(at_least);
            }
            let opened = (key_at..keys.len()).find_map(|i| {
                let key = keys.get(i).expect("in range");
                seal::unseal(key, &self.env, seq, &hash, &nonce, &sealed).map(|p| (i, p))
            });
            let (at, plain) = opened.ok_or_else(|| {
                broken(
                    seq,
                    "its seal does not open (edited, moved, or sealed with an audit key replaced before it)",
                )
            })?;
            key_at = at;
            if audit::chain_hash(&prev, &plain) != hash {
                return Err(broken(
                    seq,
                    "its hash does not follow from the previous event (deleted or reordered)",
                ));
            }
            let canon: Canonical = serde_json::from_slice(&plain)
                .map_err(|_| broken(seq, "its content is malformed"))?;
            out.push(
                canon
                    .into_event(Chain::Access, seq, prev, hash)
                    .ok_or_else(|| broken(seq, "unknown action"))?,
            );
            prev = hash;
            expect += 1;
        }
        Ok(Some(out))
    }
}

#[path = "journal_check.rs"]
mod check;

/// Errors on the journal: a damaged, truncated or hostile file is an integrity error
/// (exit 6); only resource problems (busy, disk full, permissions) are plain errors.
fn journal_error(path: &std::path::Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::*;
    let damaged = match &e {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => true,
        // "unsupported file format": a header field (the schema format) no SQLite writes.
        _ => {
            matches!(
                e.sqlite_error_code(),
                Some(
                    DatabaseCorrupt
                        | NotADatabase
                        | ConstraintViolation
                        | TypeMismatch
                        | SchemaChanged
                )
            ) || e.to_string().contains("unsupported file format")
        }
    };
    if damaged {
        return Error::Corrupt {
            path: path.to_owned(),
            detail: format!("the access journal is damaged ({e})"),
        };
    }
    Error::Failed {
        what: "write the access journal",
        detail: format!("`{}`: {e}", path.display()),
    }
}
