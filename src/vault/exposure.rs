//! What exposure is judged by (DESIGN §14): the order of the lifecycle chain, never the
//! writers' clocks. A version made before a removal, in an earlier write, could be read
//! by the removed recipient; one made after it, or by the same write (offboarding's own
//! rotations, committed with the removal), could not. Two machines' clocks disagree by
//! minutes often enough (and a writer may set theirs): by time, a version made on a
//! fast clock before a removal looked made after it, and `check` passed.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use crate::codes::Action;
use crate::error::Result;
use crate::vault::store::EnvDb;

impl EnvDb {
    /// The first event of the write that recorded event `seq`: one command writes its
    /// events at one time and as one actor, so the run of events up to `seq` that share
    /// both is that write.
    pub fn write_start(&self, seq: i64) -> Result<i64> {
        self.located((|| -> Result<i64> {
            let (time, actor): (i64, Option<i64>) = self.conn.query_row(
                "SELECT time, actor FROM events WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let before: Option<i64> = self
                .conn
                .query_row(
                    "SELECT seq FROM events WHERE seq < ?1 AND (time != ?2 OR actor IS NOT ?3)
                     ORDER BY seq DESC LIMIT 1",
                    rusqlite::params![seq, time, actor],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(before.map_or(1, |b| b + 1))
        })())
    }

    /// The event that made each version made from event `from` on, `(key, version)` →
    /// its sequence number: the last `generate`, `set`, `import` or `rotate` event naming
    /// it (a key deleted and made again numbers its versions from 1 again). A version
    /// not in it was made before `from`. Only `key`'s, when given (`show`). Reads only
    /// the events since `from` (the earliest removal's write: usually few).
    pub fn versions_made_since(
        &self,
        from: i64,
        key: Option<&str>,
    ) -> Result<HashMap<(String, u32), i64>> {
        self.located((|| -> Result<HashMap<(String, u32), i64>> {
            let made = [
                Action::Generate,
                Action::Set,
                Action::Import,
                Action::Rotate,
            ]
            .map(|a| a.code().to_string())
            .join(", ");
            let mut stmt = self.conn.prepare(&format!(
                "SELECT key, version, MAX(seq) FROM events
                 WHERE seq >= ?1 AND action IN ({made}) AND version IS NOT NULL
                   AND key IS NOT NULL AND (?2 IS NULL OR key = ?2)
                 GROUP BY key, version"
            ))?;
            let rows = stmt.query_map(rusqlite::params![from, key], |r| {
                Ok(((r.get::<_, String>(0)?, r.get::<_, u32>(1)?), r.get(2)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }
}
