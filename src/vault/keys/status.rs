//! The one place a stored status moves (DESIGN §9, STYLE: rules by construction): every
//! statement here only moves a version forward — active → retiring → retired → revoked
//! (`codes::Status::may_move`) — and never lengthens a grace already running. The one
//! way back is `resolve_conflict` confirming a value a merge *held* retiring with no end.
//! Nothing else in keyward writes `versions.status` but the merge driver, which writes
//! rows its rules computed forward-only (`vault::merge`), and a new version's insert.

use rusqlite::params;

use crate::error::Result;
use crate::vault::keys::KeyMeta;
use crate::vault::keys::ROWS_PER_INSERT;
use crate::vault::schema::*;
use crate::vault::store::Tx;

impl Tx<'_> {
    /// Move every still-valid older version of `key` out of service: `retiring` until
    /// `retire_at` when a grace period is given, `retired` at once otherwise.
    pub fn retire_older(&self, key: &KeyMeta, below: u32, retire_at: Option<i64>) -> Result<()> {
        self.located((|| -> Result<()> {
            let (status, at) = match retire_at {
                Some(t) => (ST_RETIRING, Some(t)),
                None => (ST_RETIRED, None),
            };
            self.conn
                // Status only moves forward, and a grace already running keeps its own
                // end (DESIGN §16): never lengthened, so a version whose grace has ended
                // never verifies again, and never cut short by a shorter --grace. A value
                // a merge held retiring with no end gets this rotation's.
                .prepare_cached(
                    "UPDATE versions SET
                   status = CASE WHEN status = ?6 AND retire_at IS NOT NULL THEN status ELSE ?1 END,
                   retire_at = CASE WHEN status = ?6 AND retire_at IS NOT NULL THEN retire_at ELSE ?2 END
                 WHERE key_id = ?3 AND version < ?4 AND status IN (?5, ?6)",
                )?
                .execute(params![status, at, key.id, below, ST_ACTIVE, ST_RETIRING])?;
            Ok(())
        })())
    }

    /// Revoke one version, or every version when `version` is `None`.
    pub fn revoke(
        &self,
        key: &KeyMeta,
        version: Option<u32>,
        actor_id: i64,
        reason: &str,
        now: i64,
    ) -> Result<usize> {
        self.located((|| -> Result<usize> {
            let n = self.conn.execute(
            "UPDATE versions SET status = ?1, revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4
             WHERE key_id = ?5 AND (?6 IS NULL OR version = ?6) AND status != ?1",
            params![ST_REVOKED, now, actor_id, reason, key.id, version],
        )?;
            Ok(n)
        })())
    }

    /// Before a batch adds new versions of `keys` (`rotate --all`): retire (or mark
    /// retiring until `retire_at`) every still valid version they have — all of which
    /// the new ones supersede. One statement per `ROWS_PER_INSERT` keys, each a seek to
    /// the key's rows, instead of a scan of every version with a probe per row.
    pub fn retire_versions_of(&self, keys: &[i64], retire_at: Option<i64>) -> Result<()> {
        self.located((|| -> Result<()> {
            let status = if retire_at.is_some() {
                ST_RETIRING
            } else {
                ST_RETIRED
            };
            for chunk in keys.chunks(ROWS_PER_INSERT) {
                let ids = vec!["?"; chunk.len()].join(", ");
                let mut stmt = self.conn.prepare_cached(&format!(
                    // As in `retire_older`: a grace already running keeps its own end,
                    // never lengthened and never cut short (a scheduled `rotate --all`
                    // must not end a window an earlier `rotate --grace` promised).
                    "UPDATE versions SET
                       status = CASE WHEN status = ?4 AND retire_at IS NOT NULL THEN status ELSE ?1 END,
                       retire_at = CASE WHEN status = ?4 AND retire_at IS NOT NULL THEN retire_at ELSE ?2 END
                     WHERE status IN (?3, ?4) AND key_id IN ({ids})"
                ))?;
                stmt.raw_bind_parameter(1, status)?;
                stmt.raw_bind_parameter(2, retire_at)?;
                stmt.raw_bind_parameter(3, ST_ACTIVE)?;
                stmt.raw_bind_parameter(4, ST_RETIRING)?;
                for (i, id) in chunk.iter().enumerate() {
                    stmt.raw_bind_parameter(5 + i, id)?;
                }
                stmt.raw_execute()?;
            }
            Ok(())
        })())
    }

    /// `git resolve` (DESIGN §9): of the values a merge kept side by side, the newest
    /// (`newest`, the active one) stays; the others retire at `retire_at` (`None`: at
    /// once). Version numbers never move: pins and exposure marks name values by them.
    /// A grace already running is never lengthened.
    pub fn resolve_conflict(
        &self,
        key: &KeyMeta,
        newest: u32,
        retire_at: Option<i64>,
    ) -> Result<()> {
        self.located((|| -> Result<()> {
            // The one way back (`Status::may_move`): a value the merge *held* retiring
            // with no end is confirmed. A value someone retired (an end set) or revoked
            // stays as it is: resolve picks among held values, it never un-retires.
            self.conn.execute(
                "UPDATE versions SET status = ?1, retire_at = NULL
                 WHERE key_id = ?2 AND version = ?3
                   AND (status = ?1 OR (status = ?4 AND retire_at IS NULL))",
                params![ST_ACTIVE, key.id, newest, ST_RETIRING],
            )?;
            let status = if retire_at.is_some() {
                ST_RETIRING
            } else {
                ST_RETIRED
            };
            self.conn.execute(
                "UPDATE versions SET status = ?1,
                   retire_at = CASE WHEN status = ?5 AND retire_at IS NOT NULL AND retire_at < ?2 THEN retire_at ELSE ?2 END
                 WHERE key_id = ?3 AND version != ?4
                   AND (status = ?6 OR (status = ?5 AND retire_at IS NULL))",
                params![status, retire_at, key.id, newest, ST_RETIRING, ST_ACTIVE],
            )?;
            Ok(())
        })())
    }

    /// Raise version `version` of key `key_id` to `status` (with `retire_at` for a
    /// retiring one), never lowering it: what `trust` writes from what this machine
    /// saw. Returns whether it moved.
    pub(in crate::vault) fn raise_status(
        &self,
        key_id: i64,
        version: u32,
        status: i64,
        retire_at: Option<i64>,
    ) -> Result<bool> {
        self.located((|| -> Result<bool> {
            let n = self.conn.execute(
                "UPDATE versions SET status = ?1,
                   retire_at = CASE WHEN retire_at IS NOT NULL AND retire_at < ?2 THEN retire_at ELSE ?2 END
                 WHERE key_id = ?3 AND version = ?4 AND ?1 != ?5
                   AND (status < ?1 OR (status = ?1 AND ?2 IS NOT NULL
                                        AND (retire_at IS NULL OR retire_at > ?2)))",
                params![status, retire_at, key_id, version, ST_REVOKED],
            )?;
            Ok(n == 1)
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::keys::NewKey;

    /// What `trust` writes from this machine's pin only ever raises a status: a version
    /// revoked or retired in the file stays so whatever the pin asks, and a grace
    /// running keeps its end unless the pin's is earlier. (`seen` computes a raise
    /// already; this is the guard under it, by construction.)
    #[test]
    fn raise_status_never_lowers_a_status_or_lengthens_a_grace() {
        let (_dir, paths, env, id) = crate::vault::open::test_vault();
        crate::vault::open::create_test_env(&paths, &env, &id, |db| {
            let meta = NewKey {
                scopes: Vec::new(),
                note: None,
                rotate_every: None,
            };
            let status = |id: i64, v: u32| -> (i64, Option<i64>) {
                db.conn
                    .query_row(
                        "SELECT status, retire_at FROM versions WHERE key_id = ?1 AND version = ?2",
                        params![id, v],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .unwrap()
            };
            let key = db.insert_key(&"K".parse().unwrap(), None, &meta, 0)?;
            for v in 0..3 {
                db.add_version(&key, v, &crate::secret::Secret::new(vec![b'a' + v as u8]), None, 0)?;
            }
            db.conn.execute(
                "UPDATE versions SET status = ?1 WHERE key_id = ?2 AND version = 1",
                params![ST_REVOKED, key.id],
            )?;
            db.conn.execute(
                "UPDATE versions SET status = ?1 WHERE key_id = ?2 AND version = 2",
                params![ST_RETIRED, key.id],
            )?;
            db.conn.execute(
                "UPDATE versions SET status = ?1, retire_at = 100 WHERE key_id = ?2 AND version = 3",
                params![ST_RETIRING, key.id],
            )?;
            for to in [ST_ACTIVE, ST_RETIRING, ST_RETIRED] {
                assert!(!db.raise_status(key.id, 1, to, Some(50))?, "revoked lowered to {to}");
            }
            assert_eq!(status(key.id, 1).0, ST_REVOKED);
            assert!(!db.raise_status(key.id, 2, ST_ACTIVE, None)?);
            assert!(!db.raise_status(key.id, 2, ST_RETIRING, Some(50))?);
            assert_eq!(status(key.id, 2), (ST_RETIRED, None));
            assert!(!db.raise_status(key.id, 3, ST_ACTIVE, None)?);
            assert!(!db.raise_status(key.id, 3, ST_RETIRING, Some(200))?, "grace lengthened");
            assert_eq!(status(key.id, 3), (ST_RETIRING, Some(100)));
            assert!(db.raise_status(key.id, 3, ST_RETIRING, Some(60))?);
            assert_eq!(status(key.id, 3), (ST_RETIRING, Some(60)));
            assert!(db.raise_status(key.id, 3, ST_RETIRED, None)?);
            assert_eq!(status(key.id, 3).0, ST_RETIRED);
            Ok(())
        })
        .unwrap();
    }
}
