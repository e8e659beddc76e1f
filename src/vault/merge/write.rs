//! Building the merged image: rows written, events appended and chained, the result
//! replacing OURS atomically. Writes what the rules decided; decides nothing itself.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::audit::{self, Action, Actor, Event};
use crate::error::{Error, Result};
use crate::vault::keys::{FP_LEN, purge_key};
use crate::vault::store::EnvDb;

use super::bad;
use super::columns::HOOK;
use super::keys::Changes;
use super::side::Side;

/// A temp file next to `path` (same directory, so the rename is atomic).
pub(super) fn tmp_beside(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".keyward-merge.tmp");
    path.with_file_name(name)
}

/// Replace `dest` with `bytes` (already ciphertext: THEIRS taken as it is).
pub(super) fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<()> {
    crate::vault::paths::replace_file(dest, bytes, 0o600, true)
        .map_err(|e| Error::io("cannot write", dest, e))
}

/// Bring the result (a copy of OURS) to this build's format, as a write would.
pub(super) fn migrate(conn: &Connection, ours: &EnvDb) -> Result<()> {
    ours.migrate_conn(conn)?;
    conn.execute_batch(crate::vault::schema::INDEX_REMOVALS)?;
    Ok(())
}

/// Actor row ids in the result, inserted on first use (actors match by value).
#[derive(Default)]
pub(super) struct ActorIds(HashMap<(String, String, String, String), i64>);

impl ActorIds {
    fn id(&mut self, conn: &Connection, a: &Actor) -> Result<i64> {
        let k = (
            a.recipient.clone(),
            a.os_user.clone(),
            a.host.clone(),
            a.via.as_str().to_owned(),
        );
        if let Some(id) = self.0.get(&k) {
            return Ok(*id);
        }
        let p = params![k.0, k.1, k.2, k.3];
        let found: Option<i64> = rusqlite::OptionalExtension::optional(conn.query_row(
            "SELECT id FROM actors WHERE recipient = ?1 AND os_user = ?2 AND host = ?3 AND via = ?4",
            p,
            |r| r.get(0),
        ))?;
        let id = match found {
            Some(id) => id,
            None => {
                conn.execute(
                    "INSERT INTO actors(recipient, os_user, host, via) VALUES (?1, ?2, ?3, ?4)",
                    p,
                )?;
                conn.last_insert_rowid()
            }
        };
        self.0.insert(k, id);
        Ok(id)
    }
}

/// Make the result's keys, versions, fingerprints and recipients the merged ones. The
/// result starts as a copy of ours: only keys that differ from ours are rewritten (a
/// merge of two large environments that each changed a few keys touches a few rows).
pub(super) fn write_rows(
    conn: &Connection,
    keys: &Changes,
    recipients: &BTreeMap<String, crate::vault::RecipientInfo>,
    actors: &mut ActorIds,
) -> Result<()> {
    // Ours' ids stay with ours' keys (by name); the others get new ones.
    let mut ids: HashMap<String, i64> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT name, id FROM keys")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for r in rows {
            let (n, id) = r?;
            ids.insert(n, id);
        }
    }
    let drop_key = |id: i64| -> Result<()> { purge_key(conn, id).map(drop) };
    for (name, change) in keys {
        if let (None, Some(id)) = (change, ids.get(name)) {
            drop_key(*id)?;
        }
    }
    conn.execute_batch("DELETE FROM recipients;")?;
    let cols: Vec<String> = {
        let stmt = conn.prepare("SELECT * FROM keys")?;
        stmt.column_names()
            .map(|s| s.to_string())
            .filter(|c| c != "id" && c != "name")
            .collect()
    };
    debug_assert!(!cols.iter().any(|c| c == HOOK));
    let sql = format!(
        "INSERT INTO keys(id, name{}) VALUES (?1, ?2{})",
        cols.iter().map(|c| format!(", {c}")).collect::<String>(),
        (0..cols.len())
            .map(|i| format!(", ?{}", i + 3))
            .collect::<String>()
    );
    let mut next_id = ids.values().copied().max().unwrap_or(0) + 1;
    for (name, k) in keys.iter().filter_map(|(n, c)| c.as_ref().map(|k| (n, k))) {
        let id = match ids.get(name) {
            Some(id) => {
                drop_key(*id)?;
                *id
            }
            None => {
                next_id += 1;
                next_id - 1
            }
        };
        let mut vals: Vec<Value> = vec![Value::Integer(id), Value::Text(name.clone())];
        vals.extend(
            cols.iter()
                .map(|c| k.cols.get(c.as_str()).cloned().unwrap_or(Value::Null)),
        );
        conn.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(vals))?;
        if let Some(Value::Text(h)) = k.cols.get(HOOK) {
            let (command, timeout, set_at): (String, Option<i64>, i64) =
                serde_json::from_str(h).map_err(|_| bad("a hook does not read back"))?;
            conn.prepare_cached(
                "INSERT INTO hooks(key_id, command, timeout, set_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, command, timeout, set_at])?;
        }
        for v in k.versions.values() {
            let revoked_by = v
                .revoked_by
                .as_ref()
                .map(|a| actors.id(conn, a))
                .transpose()?;
            conn.prepare_cached(
                "INSERT INTO versions(key_id, version, value, created, expires, status, retire_at, revoked_at, revoked_by, revoke_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                v.version,
                v.value.expose(),
                v.created,
                v.expires,
                v.status,
                v.retire_at,
                v.revoked_at,
                revoked_by,
                v.revoke_reason
            ])?;
            conn.prepare_cached(
                "INSERT OR IGNORE INTO fingerprints(fp, key_id, version) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![&v.value.fingerprint()[..FP_LEN], id, v.version])?;
        }
    }
    for r in recipients.values() {
        let added_by = match &r.added_by {
            // The adding actor by recipient: the first row of that recipient.
            Some(rec) => conn
                .query_row(
                    "SELECT id FROM actors WHERE recipient = ?1 ORDER BY id LIMIT 1",
                    [rec],
                    |r| r.get::<_, i64>(0),
                )
                .ok(),
            None => None,
        };
        conn.execute(
            "INSERT INTO recipients(recipient, added_at, added_by, label) VALUES (?1, ?2, ?3, ?4)",
            params![r.recipient, r.added_at, added_by, r.label],
        )?;
    }
    Ok(())
}

/// Theirs' events that ours lacks, in theirs' order, after ours' (whose rows stay as
/// they are). A row whose parent is not the row before it names its parents.
pub(super) fn append_events(
    conn: &Connection,
    o: &Side,
    theirs_new: &[Event],
    actors: &mut ActorIds,
) -> Result<()> {
    let mut last = o.head();
    for e in theirs_new {
        let canon = audit::canonical(
            &crate::names::EnvName::clone(&o.db.env),
            &e.actor,
            e.action,
            e.key.as_deref(),
            e.version,
            e.reason.as_deref(),
            None,
            e.time,
        );
        let parents = e.joined_hash.map(|j| [e.prev_hash, j]);
        let explicit_one = (parents.is_none() && e.prev_hash != last).then_some(e.prev_hash);
        let hash = insert_event_raw(
            conn,
            actors,
            &canon,
            e.subject.as_deref(),
            explicit_one,
            parents,
        )?;
        if hash != e.hash {
            return Err(bad("an event of THEIRS does not hash the same when merged"));
        }
        last = hash;
    }
    // The merge event follows; its parents are explicit, so `last` need not be ours'.
    Ok(())
}

/// Insert a new event: after the row before it, or joining two heads.
pub(super) fn insert_event(
    conn: &Connection,
    actors: &mut ActorIds,
    canon: &audit::Canonical,
    subject: Option<&str>,
    join: Option<[[u8; 32]; 2]>,
) -> Result<[u8; 32]> {
    insert_event_raw(conn, actors, canon, subject, None, join)
}

/// Insert one event row; `one`: an explicit single parent; `two`: a join.
pub(super) fn insert_event_raw(
    conn: &Connection,
    actors: &mut ActorIds,
    canon: &audit::Canonical,
    subject: Option<&str>,
    one: Option<[u8; 32]>,
    two: Option<[[u8; 32]; 2]>,
) -> Result<[u8; 32]> {
    let actor = Actor {
        recipient: canon.recipient.clone(),
        os_user: canon.os_user.clone(),
        host: canon.host.clone(),
        via: audit::Via::from_name(&canon.via).ok_or_else(|| bad("unknown unlock method"))?,
    };
    let actor_id = actors.id(conn, &actor)?;
    let bytes = canon.bytes_with(subject);
    let prev_row: Option<Vec<u8>> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    ))?;
    let (hash, parents): ([u8; 32], Option<Vec<u8>>) = match (one, two) {
        (_, Some([a, b])) => (audit::join_hash(&a, &b, &bytes), Some([a, b].concat())),
        (Some(p), None) => (audit::chain_hash(&p, &bytes), Some(p.to_vec())),
        (None, None) => {
            let prev: [u8; 32] = prev_row
                .as_deref()
                .map(|p| p.try_into().map_err(|_| bad("malformed event hash")))
                .transpose()?
                .unwrap_or(audit::GENESIS);
            (audit::chain_hash(&prev, &bytes), None)
        }
    };
    let action = Action::from_name(&canon.action).ok_or_else(|| bad("unknown action"))?;
    conn.prepare_cached(
        "INSERT INTO events(time, action, key, version, actor, reason, hash, subject, parents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        canon.time,
        action.code(),
        canon.key,
        canon.version,
        actor_id,
        canon.reason,
        &hash[..],
        subject,
        parents
    ])?;
    Ok(hash)
}
