//! Rotation hooks as stored (format 3's `hooks` table, DESIGN §11): per key, the shell
//! command that rolls it at its provider. Stored inside the encrypted environment like
//! every other piece of a key's metadata; whether it may run here is not stored here
//! (see `vault::approvals`: approvals are local to a machine).

use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::names::KeyName;
use crate::vault::store::{EnvDb, Tx};
use crate::vault::{KeyMeta, schema::MAX_TIME_MS};

/// A key's rotation hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredHook {
    /// The command, run by `/bin/sh -c`.
    pub command: String,
    /// Seconds; `None`: the default.
    pub timeout: Option<u64>,
    pub set_at: i64,
}

/// Longest hook command accepted from an image (and from the command line).
pub const MAX_COMMAND: usize = 8 * 1024;

/// Longest timeout a hook may carry: a day.
pub const MAX_TIMEOUT_SECS: u64 = 24 * 3600;

fn hook_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StoredHook> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Integer,
            format!("a rotation hook's {what} is out of range").into(),
        )
    };
    let command: String = r.get(at)?;
    if command.is_empty() || command.len() > MAX_COMMAND || command.contains('\0') {
        return Err(bad(at, "command"));
    }
    let timeout: Option<i64> = r.get(at + 1)?;
    let timeout = match timeout {
        None => None,
        Some(t) if (1..=MAX_TIMEOUT_SECS as i64).contains(&t) => Some(t as u64),
        Some(_) => return Err(bad(at + 1, "timeout")),
    };
    let set_at: i64 = r.get(at + 2)?;
    if !(0..=MAX_TIME_MS).contains(&set_at) {
        return Err(bad(at + 2, "time"));
    }
    Ok(StoredHook {
        command,
        timeout,
        set_at,
    })
}

impl EnvDb {
    /// The rotation hook of `key`, if it has one (an image older than format 3 has none).
    pub fn hook(&self, key: &KeyMeta) -> Result<Option<StoredHook>> {
        if !self.has_hooks_table() {
            return Ok(None);
        }
        self.located((|| -> Result<Option<StoredHook>> {
            Ok(self
                .conn
                .prepare_cached("SELECT command, timeout, set_at FROM hooks WHERE key_id = ?1")?
                .query_row([key.id], |r| hook_from_row(r, 0))
                .optional()?)
        })())
    }

    /// Every key with a hook, by name.
    pub fn hooks(&self) -> Result<Vec<(KeyName, StoredHook)>> {
        if !self.has_hooks_table() {
            return Ok(Vec::new());
        }
        self.located((|| -> Result<Vec<(KeyName, StoredHook)>> {
            let mut stmt = self.conn.prepare(
                "SELECT k.name, h.command, h.timeout, h.set_at FROM hooks h JOIN keys k ON k.id = h.key_id ORDER BY k.name",
            )?;
            let rows = stmt.query_map([], |r| {
                let name: String = r.get(0)?;
                let name = name.parse::<KeyName>().map_err(|_| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        "a stored key name is invalid".into(),
                    )
                })?;
                Ok((name, hook_from_row(r, 1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })())
    }
}

impl Tx<'_> {
    /// Give `key` this hook, replacing any earlier one.
    pub fn set_hook(&self, key: &KeyMeta, hook: &StoredHook) -> Result<()> {
        self.located((|| -> Result<()> {
            self.conn.execute(
                "INSERT INTO hooks(key_id, command, timeout, set_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key_id) DO UPDATE SET command = ?2, timeout = ?3, set_at = ?4",
                params![
                    key.id,
                    hook.command,
                    hook.timeout.map(|t| t as i64),
                    hook.set_at
                ],
            )?;
            Ok(())
        })())
    }

    /// Remove `key`'s hook; whether it had one.
    pub fn clear_hook(&self, key: &KeyMeta) -> Result<bool> {
        self.located((|| -> Result<bool> {
            Ok(self
                .conn
                .execute("DELETE FROM hooks WHERE key_id = ?1", [key.id])?
                > 0)
        })())
    }
}
