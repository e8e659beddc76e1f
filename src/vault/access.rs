//! The recipients of an environment: who can decrypt it (DESIGN §1.3).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::Actor;
use crate::error::Result;
use crate::recipient::RecipientString;
use crate::vault::store::{EnvDb, Tx};

/// A recipient with who added it and when.
#[derive(Clone, Debug, Serialize)]
pub struct RecipientInfo {
    pub recipient: String,
    pub added_at: i64,
    pub added_by: Option<String>,
}

impl EnvDb {
    pub fn recipients(&self) -> Result<Vec<RecipientInfo>> {
        self.located((|| -> Result<Vec<RecipientInfo>> {
            let mut stmt = self.conn.prepare(
                "SELECT r.recipient, r.added_at, a.recipient FROM recipients r
             LEFT JOIN actors a ON a.id = r.added_by ORDER BY r.added_at, r.recipient",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(RecipientInfo {
                    recipient: r.get(0)?,
                    added_at: r.get(1)?,
                    added_by: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }

    pub fn has_recipient(&self, r: &RecipientString) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM recipients WHERE recipient = ?1",
                [r.as_str()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// Recipients change only inside a change (`EnvDb::batch`), with their event.
impl Tx<'_> {
    /// Add a recipient; returns false when it was already there.
    pub fn add_recipient(&self, r: &RecipientString, actor: &Actor, now: i64) -> Result<bool> {
        let actor_id = self.actor_id(actor)?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO recipients(recipient, added_at, added_by) VALUES (?1, ?2, ?3)",
            params![r.as_str(), now, actor_id],
        )?;
        Ok(n == 1)
    }

    /// Remove a recipient; returns false when it was not there.
    pub fn remove_recipient(&self, r: &RecipientString) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM recipients WHERE recipient = ?1", [r.as_str()])?;
        Ok(n == 1)
    }
}
