//! The recipients of an environment: who can decrypt it (DESIGN §1.3).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::{Actor, Label};
use crate::error::Result;
use crate::recipient::RecipientString;
use crate::vault::store::{EnvDb, Tx};

/// A recipient with who added it and when.
#[derive(Clone, Debug, Serialize)]
pub struct RecipientInfo {
    pub recipient: String,
    pub added_at: i64,
    pub added_by: Option<String>,
    /// `access grant --name`; none for recipients added without one.
    pub label: Option<String>,
    /// DESIGN §15: what they may do (before format 4: everyone `write`).
    pub role: crate::codes::Role,
    /// Their signing key, once bound (hex in JSON); `None`: unbound.
    #[serde(serialize_with = "ser_key")]
    pub signing_key: Option<[u8; 32]>,
    /// The proof binding `signing_key` to the recipient, made with their identity.
    #[serde(skip)]
    pub key_proof: Option<[u8; 64]>,
}

fn ser_key<S: serde::Serializer>(
    k: &Option<[u8; 32]>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match k {
        Some(k) => s.serialize_str(&hex::encode(k)),
        None => s.serialize_none(),
    }
}

impl EnvDb {
    pub fn recipients(&self) -> Result<Vec<RecipientInfo>> {
        self.located((|| -> Result<Vec<RecipientInfo>> {
            // A format-1 image read without a write has no `label` column.
            let label = if self.has_labels() { "r.label" } else { "NULL" };
            let (role, key, proof) = if self.has_signatures() {
                ("r.role", "r.signing_key", "r.key_proof")
            } else {
                ("1", "NULL", "NULL")
            };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT r.recipient, r.added_at, a.recipient, {label}, {role}, {key}, {proof} FROM recipients r
             LEFT JOIN actors a ON a.id = r.added_by ORDER BY r.added_at, r.recipient",
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    RecipientInfo {
                        recipient: r.get(0)?,
                        added_at: r.get(1)?,
                        added_by: r.get(2)?,
                        label: r.get(3)?,
                        role: crate::codes::Role::Write,
                        signing_key: None,
                        key_proof: None,
                    },
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                    r.get::<_, Option<Vec<u8>>>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (mut info, role, key, proof) = row?;
                let bad = |what: &str| crate::error::Error::CorruptDb {
                    detail: format!("recipient {} has {what}", info.recipient),
                };
                info.role = crate::codes::Role::from_code(role).ok_or_else(|| bad("an unknown role"))?;
                // DESIGN §16: a label that could pass for a recipient is not a member's
                // name: not shown and never resolved, as if the member had none (a file
                // need not have been written by today's rules: an earlier release took
                // `deploy ssh-bot`). Not an error: the file is what its admin signed, and
                // `access grant R --name NEW` must still be able to replace it.
                if info.label.as_deref().and_then(Label::imitation).is_some() {
                    info.label = None;
                }
                info.signing_key = key
                    .map(|k| k.try_into().map_err(|_| bad("a malformed signing key")))
                    .transpose()?;
                info.key_proof = proof
                    .map(|p| p.try_into().map_err(|_| bad("a malformed binding proof")))
                    .transpose()?;
                out.push(info);
            }
            Ok(out)
        })())
    }

    /// The labels of removed members (format 5, DESIGN §16), by recipient; none before.
    pub fn former_labels(&self) -> Result<Vec<(String, String)>> {
        if !self.has_former_labels() {
            return Ok(Vec::new());
        }
        self.located((|| -> Result<Vec<(String, String)>> {
            let mut stmt = self
                .conn
                .prepare("SELECT recipient, label FROM former_labels ORDER BY recipient")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let rows: Vec<(String, String)> = rows.collect::<rusqlite::Result<_>>()?;
            // The same rule as members' labels (`recipients`): such a label is left out.
            Ok(rows
                .into_iter()
                .filter(|(_, l)| Label::imitation(l).is_none())
                .collect())
        })())
    }

    /// Every label this environment knows, by recipient: its members' (`access grant
    /// --name`), then the labels removed members had.
    pub fn known_labels(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut out = std::collections::HashMap::new();
        for r in self.recipients()? {
            if let Some(l) = r.label {
                out.insert(r.recipient, l);
            }
        }
        for (r, l) in self.former_labels()? {
            out.entry(r).or_insert(l);
        }
        Ok(out)
    }

    /// A member (or former member) as messages name them: `Bob (age1chh…)` (DESIGN §16).
    pub fn person(&self, recipient: &str) -> String {
        let label = self
            .known_labels()
            .ok()
            .and_then(|mut l| l.remove(recipient));
        crate::recipient::person(recipient, label.as_deref())
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
        self.add_labeled_recipient(r, None, actor, now)
    }

    /// Add a recipient with its label (`access grant --name`); returns false, and
    /// changes nothing, when it was already there.
    pub fn add_labeled_recipient(
        &self,
        r: &RecipientString,
        label: Option<&Label>,
        actor: &Actor,
        now: i64,
    ) -> Result<bool> {
        let actor_id = self.actor_id(actor)?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO recipients(recipient, added_at, added_by, label) VALUES (?1, ?2, ?3, ?4)",
            params![r.as_str(), now, actor_id, label.map(Label::as_str)],
        )?;
        Ok(n == 1)
    }

    /// Give a member a label (`access grant --name` for someone already there).
    pub fn set_label(&self, r: &RecipientString, label: &Label) -> Result<()> {
        self.conn.execute(
            "UPDATE recipients SET label = ?2 WHERE recipient = ?1",
            params![r.as_str(), label.as_str()],
        )?;
        Ok(())
    }

    /// Remove a recipient; `removed` is false when it was not there. A removal replaces
    /// the audit key (DESIGN §8 round 3) and the verifier key, if there is one (DESIGN
    /// §13), by construction: the removed recipient holds the old ones, and must not
    /// seal journal rows, pass a file off as current, or sign a verifier set a service
    /// accepts. The new verifier public key is returned, for the caller's event and the
    /// notice that services must pin it.
    pub fn remove_recipient(&self, r: &RecipientString, now: i64) -> Result<Removed> {
        // DESIGN §16: their label stays known (in the signed state), so the audit trail
        // still names them after they left.
        self.keep_former_labels()?;
        self.conn.execute(
            "INSERT INTO former_labels(recipient, label)
             SELECT recipient, label FROM recipients WHERE recipient = ?1 AND label IS NOT NULL
             ON CONFLICT(recipient) DO UPDATE SET label = excluded.label",
            [r.as_str()],
        )?;
        let n = self
            .conn
            .execute("DELETE FROM recipients WHERE recipient = ?1", [r.as_str()])?;
        let mut verifier_key = None;
        if n == 1 {
            self.replace_audit_key()?;
            verifier_key = self.replace_verifier_key(now)?;
        }
        Ok(Removed {
            removed: n == 1,
            verifier_key,
        })
    }
}

/// What [`Tx::remove_recipient`] did.
#[derive(Debug)]
pub struct Removed {
    /// Whether the recipient was there.
    pub removed: bool,
    /// The new verifier public key, when the environment had a verifier key (replaced).
    pub verifier_key: Option<keyward_verifier::PublicKey>,
}
