//! The access journal's head as this machine saw it (DESIGN §8), kept beside the pin in
//! `<env>.journal` ([`JournalRecord`]): every read advances it, so it is rewritten in
//! place under the pin's lock rather than replacing the pin file each time.
//!
//! Pins written before the record keep a head (and a gap) in their JSON. Both are
//! checked: each head must still be in the journal. `advance` copies the record into
//! the JSON whenever it writes the pin, durably, so that a build before the record,
//! run on the same machine, still checks a recent head and sees a gap found here.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;

use crate::error::{Error, JournalError, Result};
use crate::names::EnvName;
use crate::vault::paths::PinDir;
use crate::vault::seen::{JournalHead, JournalRecord, Pin};

/// What this machine pinned of an environment's journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalPinned {
    /// Heads seen here, each of which must still be in the journal: the record's, and
    /// the JSON pin's when a build before the record left another one there.
    pub heads: Vec<JournalHead>,
    /// The journal lost events seen here: the sequence number last seen (kept until
    /// `trust`).
    pub gap: Option<i64>,
}

impl JournalPinned {
    /// The latest head (the record's on a tie: it comes first).
    pub fn latest(&self) -> Option<&JournalHead> {
        self.heads.iter().rev().max_by_key(|(s, _)| *s)
    }

    /// The latest sequence number seen, or the gap: what a vanished journal is said
    /// to have lost (nothing, when only its start was: head 0).
    pub fn seen_seq(&self) -> Option<i64> {
        self.latest()
            .map(|(s, _)| *s)
            .filter(|s| *s > 0)
            .or(self.gap)
    }

    /// The first head `present` says is gone, else the gap already known. Head 0 (the
    /// start, before any row) is always there.
    pub fn lost(&self, mut present: impl FnMut(&JournalHead) -> bool) -> Option<i64> {
        self.gap.or_else(|| {
            self.heads
                .iter()
                .find(|h| h.0 > 0 && !present(h))
                .map(|(s, _)| *s)
        })
    }

    /// Whether this machine keeps the journal: it started it (head 0, noted before the
    /// first row), appended to it or read it whole (a later head), or accepted it as it
    /// is (`trust`). A journal with rows and none of these came from elsewhere.
    pub fn owned(&self) -> bool {
        !self.heads.is_empty() || self.gap.is_some()
    }
}

impl PinDir {
    /// `<env>.journal`: the access journal's head seen here ([`JournalRecord`]).
    fn journal_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.journal"))
    }

    /// The journal heads this machine saw, and whether a gap was found before. Nothing
    /// without a pin: the record counts only beside the pin it belongs to (a pin
    /// removed to start over takes the journal's with it). Never called under the
    /// pin's lock (a record that does not read is read again under it).
    pub fn journal_pin(&self, env: &EnvName) -> Result<JournalPinned> {
        let Some(pin) = self.load(env)? else {
            return Ok(JournalPinned::default());
        };
        let record = self.load_journal(env, false)?;
        Ok(journal_of(&pin, record.as_ref()))
    }

    /// [`PinDir::journal_pin`] for `advance`, which holds the pin's lock and has read
    /// the JSON pin (`old`). A record that does not read counts as none here: the write
    /// this pin records is done, and its pin must advance; every read of the journal's
    /// pin says the record is corrupt (exit 6) until it is dealt with.
    pub(in crate::vault) fn journal_pin_locked(&self, env: &EnvName, old: &Pin) -> JournalPinned {
        let record = self.load_journal(env, true).unwrap_or(None);
        journal_of(old, record.as_ref())
    }

    /// The journal record of `env`, if there is one. An empty file is none (made, and
    /// lost in a crash before its first write reached the disk), and so is one removed
    /// while being read (`trust`). A record that does not read is read again under
    /// the pin's lock (`locked`: already held by the caller), in case a writer was
    /// halfway through it; if it still does not read, it is corrupt: an error, never a
    /// reset.
    fn load_journal(&self, env: &EnvName, locked: bool) -> Result<Option<JournalRecord>> {
        let path = self.journal_file(env);
        let bytes = Self::read(&path)?;
        let read = match bytes {
            None => Ok(None),
            Some(b) if b.is_empty() => Ok(None),
            Some(b) => JournalRecord::decode(&b).map(Some),
        };
        match read {
            Ok(r) => Ok(r),
            Err(_) if !locked => {
                let _lock = self.lock(env)?;
                self.load_journal(env, true)
            }
            Err(why) => Err(JournalError::RecordCorrupt {
                env: env.clone(),
                path,
                detail: why.into(),
            }
            .into()),
        }
    }

    /// Rewrite the journal record in place (see [`JournalRecord`]): the caller holds the
    /// pin's lock. Created 0600, never through a symbolic link. `durable`: fsync too
    /// (a gap, first found: it must outlive a crash until `trust`).
    fn store_journal(&self, env: &EnvName, record: &JournalRecord, durable: bool) -> Result<()> {
        let path = self.journal_file(env);
        let Some(bytes) = record.encode() else {
            // The head comes from the journal; a malformed one can only be the JSON
            // pin's (a gap or head from an edited pin).
            return Err(Error::PinCorrupt {
                path: self.file(env),
                detail: "its journal head or gap is malformed".into(),
            });
        };
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
            .open(&path)
            .map_err(|e| Error::io("cannot write pin", &path, e))?;
        let meta = Self::private(&file, &path, "cannot write pin")?;
        file.write_all_at(&bytes, 0)
            .and_then(|()| {
                // Only ever this length: a longer file was not written by this build.
                if meta.len() > JournalRecord::LEN as u64 {
                    file.set_len(JournalRecord::LEN as u64)
                } else {
                    Ok(())
                }
            })
            .and_then(|()| if durable { file.sync_all() } else { Ok(()) })
            .map_err(|e| Error::io("cannot write pin", &path, e))
    }

    /// `trust`: the journal is accepted as it is, this machine's from now on — its head
    /// seen here starts over at 0 (nothing seen, so nothing lost), and the next append
    /// checks every row from the start once. The caller holds the pin's lock.
    pub(in crate::vault) fn restart_journal(&self, env: &EnvName) -> Result<()> {
        let record = JournalRecord {
            head: (0, hex::encode(crate::audit::GENESIS)),
            gap: None,
        };
        self.store_journal(env, &record, true)
    }

    /// Drop the journal record (another environment pinned in its place, or first
    /// pinned here): its head belongs to what was pinned before. The caller holds the
    /// pin's lock.
    pub(in crate::vault) fn forget_journal(&self, env: &EnvName) -> Result<()> {
        let path = self.journal_file(env);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io("cannot remove pin", &path, e))
            }
            _ => Ok(()),
        }
    }

    /// After an append or a full read: the journal's head is `head`; `gap`: it had lost
    /// events seen here (kept until `trust`). No pin yet: nothing to record.
    pub fn advance_journal(
        &self,
        env: &EnvName,
        head: (i64, String),
        gap: Option<i64>,
    ) -> Result<()> {
        let _lock = self.lock(env)?;
        let Some(pin) = self.load(env)? else {
            return Ok(());
        };
        let record = self.load_journal(env, true)?;
        // The record's head moves forward only, or to where the journal now ends after
        // a gap; a JSON head from an older build stays where it is, checked as it is.
        let mut journal = record
            .as_ref()
            .map(|r| r.head.clone())
            .or(pin.journal.clone());
        if journal.as_ref().is_none_or(|(s, _)| head.0 >= *s) || gap.is_some() {
            journal = Some(head);
        }
        let known_gap = journal_of(&pin, record.as_ref()).gap;
        let Some(head) = journal else {
            return Ok(());
        };
        let new = JournalRecord {
            head,
            gap: known_gap.or(gap),
        };
        if record.as_ref() == Some(&new) {
            return Ok(());
        }
        let first_gap = new.gap.is_some() && record.as_ref().is_none_or(|r| r.gap.is_none());
        self.store_journal(env, &new, first_gap)?;
        // A gap must outlive the record too (a damaged record is removed to recover):
        // the pin keeps it as well, written durably. Rare: once until `trust`. So must
        // the journal being this machine's (`JournalPinned::owned`): the first head
        // after its start is copied into the pin, once.
        let first_head = pin.journal.is_none() && new.head.0 > 0;
        if first_gap && pin.journal_gap.is_none() || first_head {
            let mut pin = pin;
            pin.journal_gap = pin.journal_gap.or(new.gap);
            if first_head {
                pin.journal = Some(new.head.clone());
            }
            self.store(env, &pin)?;
        }
        Ok(())
    }
}

/// The heads and gap of `pin` and its record together: both heads when they differ,
/// a gap in either.
fn journal_of(pin: &Pin, record: Option<&JournalRecord>) -> JournalPinned {
    let mut heads: Vec<JournalHead> = record.map(|r| r.head.clone()).into_iter().collect();
    if let Some(old) = &pin.journal
        && !heads.contains(old)
    {
        heads.push(old.clone());
    }
    JournalPinned {
        heads,
        gap: record.and_then(|r| r.gap).or(pin.journal_gap),
    }
}
