//! Writes to keys and versions: only inside a change (`EnvDb::batch`), so each lands in one SQL transaction and, through `commit`, in one atomic file replacement with its event.

#[allow(unused_imports)]
use super::*;

/// Writes: only inside a change (`EnvDb::batch`), so each lands in one SQL transaction
/// and, through `commit`, in one atomic file replacement with its event.
impl Tx<'_> {
    /// Insert a new key (no versions yet) and return its id.
    pub fn insert_key(
        &self,
        name: &KeyName,
        spec: Option<&GenSpec>,
        meta: &NewKey,
        now: i64,
    ) -> Result<KeyMeta> {
        self.located((|| -> Result<KeyMeta> {
        if self.has_key(name)? {
            return Err(Error::KeyExists {
                name: name.clone(),
                env: self.env.clone(),
            });
        }
        let scopes = meta.scopes.join(",");
        self.conn
            .prepare_cached(
                "INSERT INTO keys(name, kind, format, bytes, prefix, scopes, note, created, rotate_every)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                name.as_str(),
                if spec.is_some() { KIND_GENERATED } else { KIND_IMPORTED },
                spec.map(|g| g.format.code()),
                // Defaults are stored as NULL: every byte counts at 100,000 keys.
                spec.filter(|g| g.bytes != crate::token::DEFAULT_BYTES)
                    .map(|g| g.bytes as i64),
                spec.filter(|g| g.prefix != crate::token::DEFAULT_PREFIX)
                    .map(|g| g.prefix.as_str()),
                (!scopes.is_empty()).then_some(scopes),
                meta.note,
                now,
                meta.rotate_every,
            ])?;
        self.key(name)
    })())
    }

    /// Update metadata given on `set --overwrite`/`rotate` (only the flags given).
    pub fn update_meta(&self, key: &KeyMeta, meta: &NewKey) -> Result<()> {
        if !meta.scopes.is_empty() {
            self.conn.execute(
                "UPDATE keys SET scopes = ?1 WHERE id = ?2",
                params![meta.scopes.join(","), key.id],
            )?;
        }
        if let Some(note) = &meta.note {
            self.conn.execute(
                "UPDATE keys SET note = ?1 WHERE id = ?2",
                params![note, key.id],
            )?;
        }
        if let Some(every) = meta.rotate_every {
            self.conn.execute(
                "UPDATE keys SET rotate_every = ?1 WHERE id = ?2",
                params![every, key.id],
            )?;
        }
        Ok(())
    }

    /// Append version `previous + 1` with `value` (0 for a new key); returns its number.
    /// Callers know the newest version already; a wrong one fails on the primary key
    /// rather than being guessed. (A per-key `max(version)` lookup costs a statement
    /// re-prepare each time under SQLite's STAT4: most of a 10,000-key rotation.)
    pub fn add_version(
        &self,
        key: &KeyMeta,
        previous: u32,
        value: &Secret,
        expires: Option<i64>,
        now: i64,
    ) -> Result<u32> {
        self.located((|| -> Result<u32> {
        let next = previous + 1;
        self.conn
            .prepare_cached(
                "INSERT INTO versions(key_id, version, value, created, expires, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![key.id, next, value.expose(), now, expires, ST_ACTIVE])?;
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO fingerprints(fp, key_id, version) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![&value.fingerprint()[..FP_LEN], key.id, next])?;
        Ok(next)
    })())
    }

    /// Append many versions at once (`rotate --all`): each `NewVersion` is version
    /// `previous + 1` of its key, as `add_version` would add it. The rows go in through
    /// multi-row INSERTs of `ROWS_PER_INSERT` rows, one statement per kind of row
    /// prepared once per chunk size: per row, only its values are bound (one statement
    /// per row was most of a 10,000-key rotation, DESIGN §7).
    pub fn add_versions(&self, rows: &[NewVersion<'_>], now: i64) -> Result<()> {
        self.located((|| -> Result<()> {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut versions = self.conn.prepare_cached(&multi_row_insert(
                    "versions(key_id, version, value, created, expires, status)",
                    6,
                    chunk.len(),
                ))?;
                for (i, row) in chunk.iter().enumerate() {
                    let at = i * 6;
                    versions.raw_bind_parameter(at + 1, row.key.id)?;
                    versions.raw_bind_parameter(at + 2, row.previous + 1)?;
                    versions.raw_bind_parameter(at + 3, row.value.expose())?;
                    versions.raw_bind_parameter(at + 4, now)?;
                    versions.raw_bind_parameter(at + 5, row.expires)?;
                    versions.raw_bind_parameter(at + 6, ST_ACTIVE)?;
                }
                // (A cached statement's bindings, values included, are cleared as it
                // goes back to rusqlite's cache.)
                versions.raw_execute()?;
            }
            // The fingerprint index in its own order: one pass through its B-tree instead
            // of a page split wherever a random hash lands.
            let mut fps: Vec<([u8; FP_LEN], i64, u32)> = rows
                .iter()
                .map(|row| {
                    let fp = row.value.fingerprint();
                    let mut short = [0u8; FP_LEN];
                    short.copy_from_slice(&fp[..FP_LEN]);
                    (short, row.key.id, row.previous + 1)
                })
                .collect();
            fps.sort_unstable();
            for chunk in fps.chunks(ROWS_PER_INSERT) {
                let mut stmt = self.conn.prepare_cached(&multi_row_insert(
                    "OR IGNORE INTO fingerprints(fp, key_id, version)",
                    3,
                    chunk.len(),
                ))?;
                for (i, (fp, key_id, version)) in chunk.iter().enumerate() {
                    stmt.raw_bind_parameter(i * 3 + 1, &fp[..])?;
                    stmt.raw_bind_parameter(i * 3 + 2, key_id)?;
                    stmt.raw_bind_parameter(i * 3 + 3, version)?;
                }
                stmt.raw_execute()?;
            }
            Ok(())
        })())
    }

    /// `rename`: the key row takes the name `to`. Versions and fingerprints refer to the
    /// key by id, so they (and their statuses) follow unchanged; the caller has checked
    /// that `to` is free (the unique index refuses it otherwise).
    pub fn rename_key(&self, key: &KeyMeta, to: &KeyName) -> Result<()> {
        self.located((|| -> Result<()> {
            self.conn.execute(
                "UPDATE keys SET name = ?1 WHERE id = ?2",
                params![to.as_str(), key.id],
            )?;
            Ok(())
        })())
    }

    /// `delete`: every version of `key` (its values), their fingerprints and the key row.
    /// The database runs with `secure_delete`, so the freed pages are zeroed and no value
    /// survives in the image. Events are not touched. Returns how many versions went.
    pub fn delete_key(&self, key: &KeyMeta) -> Result<usize> {
        // Inside a change the image is migrated: format 3's `hooks` table is there.
        self.located(purge_key(&self.conn, key.id))
    }
}
