//! A side read into plain data: its keys (`Key`, `Ver`), its recipients and its
//! verifier key — what the rules merge. Reads only.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rusqlite::types::Value;

use crate::audit::{self, Actor};
use crate::error::Result;
use crate::secret::Secret;
use crate::vault::schema::{ST_ACTIVE, ST_REVOKED};
use crate::vault::store::EnvDb;

use super::columns::Hook;
use super::env_secrets::VerifierKey;
use super::keys::{Key, Keys};
use super::recipients::RecipientSet;
use super::report::bad;
use super::versions::Ver;

/// The recipients a side lists.
pub(super) fn recipients_of(db: &EnvDb) -> Result<RecipientSet> {
    Ok(db
        .recipients()?
        .into_iter()
        .map(|r| (r.recipient.clone(), r))
        .collect())
}

/// A side's verifier key, if it has made one.
pub(super) fn verifier_key_of(db: &EnvDb) -> Result<Option<VerifierKey>> {
    if !db.has_verifier_table() {
        return Ok(None);
    }
    Ok(rusqlite::OptionalExtension::optional(db.conn.query_row(
        "SELECT created, seed FROM verifier_key WHERE id = 1",
        [],
        |r| {
            Ok(VerifierKey {
                created: r.get::<_, i64>(0)?,
                seed: Secret::new(r.get::<_, Vec<u8>>(1)?),
            })
        },
    ))?)
}

/// A key's rotation hook, if it has one (format 3 on).
fn hook_of(db: &EnvDb, key_id: i64) -> Result<Option<Hook>> {
    if !db.has_hooks_table() {
        return Ok(None);
    }
    Ok(rusqlite::OptionalExtension::optional(
        db.conn
            .prepare_cached("SELECT command, timeout, set_at FROM hooks WHERE key_id = ?1")?
            .query_row([key_id], |r| {
                Ok(Hook {
                    command: r.get(0)?,
                    timeout: r.get(1)?,
                    set_at: r.get(2)?,
                })
            }),
    )?)
}

/// The keys named in `only`, with their versions (indexed lookups, one key at a time).
pub(super) fn load_keys(db: &EnvDb, only: &BTreeSet<String>) -> Result<Keys> {
    db.located((|| -> Result<Keys> {
        let mut out = Keys::new();
        let mut key_stmt = db.conn.prepare("SELECT * FROM keys WHERE name = ?1")?;
        let names: Vec<Rc<str>> = key_stmt.column_names().map(Rc::from).collect();
        let mut ver_stmt = db.conn.prepare(
            "SELECT v.version, v.value, v.created, v.expires, v.status, v.retire_at, v.revoked_at,
                    a.recipient, a.os_user, a.host, a.via, v.revoke_reason
             FROM versions v LEFT JOIN actors a ON a.id = v.revoked_by WHERE v.key_id = ?1",
        )?;
        for wanted in only {
            let mut rows = key_stmt.query([wanted])?;
            let Some(r) = rows.next()? else { continue };
            let mut cols = BTreeMap::new();
            for (i, n) in names.iter().enumerate() {
                cols.insert(n.clone(), r.get::<_, Value>(i)?);
            }
            let id = match cols.remove("id" as &str) {
                Some(Value::Integer(id)) => id,
                _ => return Err(bad("a key has no id")),
            };
            cols.remove("name" as &str);
            let hook = hook_of(db, id)?;
            let mut versions = BTreeMap::new();
            let mut vrows = ver_stmt.query([id])?;
            while let Some(r) = vrows.next()? {
                let value = Secret::new(r.get::<_, Vec<u8>>(1)?);
                let revoked_by = match r.get::<_, Option<String>>(7)? {
                    None => None,
                    Some(recipient) => Some(actor_from(
                        recipient,
                        r.get(8)?,
                        r.get(9)?,
                        r.get::<_, String>(10)?,
                    )?),
                };
                let v = Ver {
                    version: r.get(0)?,
                    created: r.get(2)?,
                    expires: r.get(3)?,
                    status: r.get(4)?,
                    retire_at: r.get(5)?,
                    revoked_at: r.get(6)?,
                    revoked_by,
                    revoke_reason: r.get(11)?,
                    value,
                };
                if !(ST_ACTIVE..=ST_REVOKED).contains(&v.status) {
                    return Err(bad("a version has an unknown status"));
                }
                versions.insert(v.value.fingerprint(), v);
            }
            out.insert(
                wanted.clone(),
                Key {
                    cols,
                    hook,
                    versions,
                },
            );
        }
        Ok(out)
    })())
}

fn actor_from(recipient: String, os_user: String, host: String, via: String) -> Result<Actor> {
    Ok(Actor {
        recipient,
        os_user,
        host,
        via: audit::Via::from_name(&via)
            .ok_or_else(|| bad("an actor has an unknown unlock method"))?,
    })
}
