//! Building the merged image: a copy of OURS's image brought to this build's format
//! (but format 5, which waits for a side that has it: `migrate`),
//! the merged rows, meta, verifier key and audit keys written into it, and the result
//! encrypted to the merged recipients, replacing OURS atomically (never plaintext on
//! disk). Writes what the rules decided; decides nothing itself.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::recipient::RecipientString;
use crate::vault::keys::purge_key;
use crate::vault::schema::FP_LEN;
use crate::vault::store::{EnvDb, Over, replace_encrypted, settle_fingerprints};

use super::env_secrets::{AuditKey, AuditSide, VerifierKey, replaced_keys};
use super::keys::Changes;
use super::recipients::RecipientSet;

/// A copy of OURS's image (schema, meta, actors, events) in memory, to write the
/// merged rows into.
pub(super) fn image_of(ours: &mut EnvDb) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    {
        let image = ours.conn.serialize(rusqlite::MAIN_DB)?;
        let image: &[u8] = &image;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, image, image.len(), false)?;
    }
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// Meta rows only theirs has (a setting made on their side) join ours'.
pub(super) fn copy_meta(conn: &Connection, theirs: &EnvDb) -> Result<()> {
    let mut stmt = theirs.conn.prepare("SELECT k, v FROM meta")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Value>(1)?)))?;
    for row in rows {
        let (k, v) = row?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(k, v) VALUES (?1, ?2)",
            params![k, v],
        )?;
    }
    Ok(())
}

/// Make `key` the result's verifier key.
pub(super) fn store_verifier_key(conn: &Connection, key: &VerifierKey) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO verifier_key(id, seed, created) VALUES (1, ?1, ?2)",
        params![key.seed.expose(), key.created],
    )?;
    Ok(())
}

/// Store the audit key `choice` in force, and both sides' replaced keys beside it.
pub(super) fn store_audit_key(
    conn: &Connection,
    choice: AuditKey<'_>,
    ours: &AuditSide<'_>,
    theirs: &AuditSide<'_>,
) -> Result<()> {
    let current: zeroize::Zeroizing<[u8; 32]> = match choice {
        AuditKey::Unchanged => return Ok(()),
        AuditKey::Kept(k) => zeroize::Zeroizing::new(*k),
        AuditKey::Fresh => crate::secret::random_key(),
    };
    let mut prev = zeroize::Zeroizing::new(Vec::new());
    for k in replaced_keys(ours, theirs, &current) {
        prev.extend_from_slice(k);
    }
    crate::vault::keyring::store_ring(conn, &prev, &current)
}

/// Encrypt the result to the merged recipients and replace `ours` with it. Returns the
/// new file's key (DESIGN §18: the merger's agent keeps it, so the next command does
/// not ask a hardware key for the file this machine just wrote).
pub(super) fn encrypt_over(
    ours: &Path,
    conn: &mut Connection,
    recipients: &RecipientSet,
    packed: bool,
) -> Result<Option<crate::identity::filekey::KeyBytes>> {
    let parsed = recipients
        .keys()
        .map(|r| {
            r.parse::<RecipientString>().map_err(|_| Error::CorruptDb {
                detail: "a stored recipient is not a valid recipient".into(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Hardware (plugin) recipients through their plugin, as every write (DESIGN §10).
    let (boxed, captured) =
        crate::identity::filekey::capturing(crate::plugin::encrypt_to(&parsed)?);
    let encryptor =
        age::Encryptor::with_recipients(boxed.iter().map(|r| r.as_ref() as &dyn age::Recipient))
            .map_err(|e| {
                crate::plugin::take_failure().unwrap_or_else(|| Error::Failed {
                    what: "encrypt to the recipients",
                    detail: e.to_string(),
                })
            })?;
    // The index in ours' image is empty when ours was compressed: rebuilt if the
    // result is too large to be.
    settle_fingerprints(conn, packed)?;
    let data = conn.serialize(rusqlite::MAIN_DB)?;
    replace_encrypted(&tmp_beside(ours), ours, Over::Whatever, encryptor, &data)?;
    Ok(captured.take())
}

/// A temp file next to `path` (same directory, so the rename is atomic).
fn tmp_beside(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".keyward-merge.tmp");
    path.with_file_name(name)
}

/// Replace `dest` with `bytes` (already ciphertext: THEIRS taken as it is).
pub(super) fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsutil::replace_file(dest, bytes, 0o600, true)
        .map_err(|e| Error::io("cannot write", dest, e))
}

/// Bring the result (a copy of OURS) to this build's format, as a write would: to
/// format 5 (`former_labels`, a settings table) only where a side has it already or
/// OURS is unsigned, so a writer may merge two signed format-4 sides; to format 6 (the
/// mark of a verifier serial floor) where THEIRS has it. Whether the result keeps
/// former labels.
pub(super) fn migrate(conn: &Connection, ours: &EnvDb, theirs: &EnvDb) -> Result<bool> {
    let format = ours.migrate_conn(
        conn,
        theirs.has_former_labels(),
        theirs.has_serial_floor_mark(),
    )?;
    conn.execute_batch(crate::vault::schema::INDEX_REMOVALS)?;
    Ok(format >= 5)
}

/// Actor row ids in the result, inserted on first use (actors match by value).
#[derive(Default)]
pub(super) struct ActorIds(HashMap<(String, String, String, String), i64>);

impl ActorIds {
    pub(super) fn id(&mut self, conn: &Connection, a: &Actor) -> Result<i64> {
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
    recipients: &RecipientSet,
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
        if let Some(h) = &k.hook {
            conn.prepare_cached(
                "INSERT INTO hooks(key_id, command, timeout, set_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, h.command, h.timeout, h.set_at])?;
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
            "INSERT INTO recipients(recipient, added_at, added_by, label, role, signing_key, key_proof) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.recipient,
                r.added_at,
                added_by,
                r.label,
                r.role.code(),
                r.signing_key.as_ref().map(|k| &k[..]),
                r.key_proof.as_ref().map(|p| &p[..])
            ],
        )?;
    }
    Ok(())
}
