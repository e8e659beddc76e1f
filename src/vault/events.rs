//! Lifecycle events inside the environment database: written in the same commit as the
//! change they describe (DESIGN §5).

use rusqlite::{OptionalExtension, params};

use crate::audit::{self, Action, Actor, Canonical, Chain, Event, GENESIS};
use crate::error::Result;
use crate::vault::keys::{ROWS_PER_INSERT, multi_row_insert};
use crate::vault::store::{EnvDb, Tx};

/// Actors and lifecycle events are written only inside a change (`EnvDb::batch`), so an
/// event is always committed with the change it describes (DESIGN §5).
impl Tx<'_> {
    /// The actor's row id, inserted on first use.
    pub fn actor_id(&self, actor: &Actor) -> Result<i64> {
        if let Some((cached, id)) = &*self.actor_cache.borrow()
            && cached == actor
        {
            return Ok(*id);
        }
        let id = self.actor_id_uncached(actor)?;
        self.actor_cache.replace(Some((actor.clone(), id)));
        Ok(id)
    }

    fn actor_id_uncached(&self, actor: &Actor) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM actors WHERE recipient = ?1 AND os_user = ?2 AND host = ?3 AND via = ?4",
        )?;
        let p = params![
            actor.recipient,
            actor.os_user,
            actor.host,
            actor.via.as_str()
        ];
        if let Some(id) = stmt.query_row(p, |r| r.get(0)).optional()? {
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO actors(recipient, os_user, host, via) VALUES (?1, ?2, ?3, ?4)",
            p,
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Append a lifecycle event to the chain in this (uncommitted) database.
    pub fn record(
        &self,
        actor: &Actor,
        action: Action,
        key: Option<&str>,
        version: Option<u32>,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.record_event(actor, action, key, version, reason, None, now)
    }

    /// Record an access change (`access-grant`, `access-revoke`, `offboard`) about
    /// `subject`, the recipient in full: stored and hashed with the event.
    pub fn record_about(
        &self,
        actor: &Actor,
        action: Action,
        subject: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.record_event(actor, action, None, None, reason, Some(subject), now)
    }

    /// The hash the next lifecycle event chains to: this writer's cached head, else the
    /// last stored event's.
    fn chain_tip(&self) -> Result<[u8; 32]> {
        Ok(match self.chain_head.get() {
            Some(h) => h,
            None => self
                .conn
                .prepare_cached("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")?
                .query_row([], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
                .map(|h| {
                    // A malformed head must not silently restart the chain at GENESIS.
                    h.try_into().map_err(|_| crate::error::Error::CorruptDb {
                        detail: "the last lifecycle event has a malformed hash".into(),
                    })
                })
                .transpose()?
                .unwrap_or(GENESIS),
        })
    }

    /// One event per `(key, version)`, in that order, as `record` would append them one
    /// by one (`rotate --all`): the chain is hashed in memory and the rows go in through
    /// multi-row INSERTs, one statement per chunk size (DESIGN §7).
    pub fn record_each(
        &self,
        actor: &Actor,
        action: Action,
        keys: &[(&str, u32)],
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.located((|| -> Result<()> {
            let actor_id = self.actor_id(actor)?;
            let mut prev = self.chain_tip()?;
            for chunk in keys.chunks(ROWS_PER_INSERT) {
                let mut stmt = self.conn.prepare_cached(&multi_row_insert(
                    "events(time, action, key, version, actor, reason, hash)",
                    7,
                    chunk.len(),
                ))?;
                for (i, (key, version)) in chunk.iter().enumerate() {
                    let canon = audit::canonical(
                        &self.env,
                        actor,
                        action,
                        Some(key),
                        Some(*version),
                        reason,
                        None,
                        now,
                    );
                    let hash = audit::chain_hash(&prev, &canon.bytes_with(None));
                    let at = i * 7;
                    stmt.raw_bind_parameter(at + 1, now)?;
                    stmt.raw_bind_parameter(at + 2, action.code())?;
                    stmt.raw_bind_parameter(at + 3, *key)?;
                    stmt.raw_bind_parameter(at + 4, *version)?;
                    stmt.raw_bind_parameter(at + 5, actor_id)?;
                    stmt.raw_bind_parameter(at + 6, reason)?;
                    stmt.raw_bind_parameter(at + 7, &hash[..])?;
                    prev = hash;
                }
                stmt.raw_execute()?;
            }
            // Only once every row is in (a failed batch rolls back and forgets it).
            self.chain_head.set(Some(prev));
            Ok(())
        })())
    }

    #[allow(clippy::too_many_arguments)]
    fn record_event(
        &self,
        actor: &Actor,
        action: Action,
        key: Option<&str>,
        version: Option<u32>,
        reason: Option<&str>,
        subject: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.located((|| -> Result<()> {
        let actor_id = self.actor_id(actor)?;
        let prev = self.chain_tip()?;
        let canon = audit::canonical(&self.env, actor, action, key, version, reason, None, now);
        let hash = audit::chain_hash(&prev, &canon.bytes_with(subject));
        self.conn
            .prepare_cached(
                "INSERT INTO events(time, action, key, version, actor, reason, hash, subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![now, action.code(), key, version, actor_id, reason, &hash[..], subject])?;
        self.chain_head.set(Some(hash));
        Ok(())
    })())
    }
}

/// A recipient removal as recorded (see `EnvDb::removal_events`).
#[derive(Debug)]
pub struct Removed {
    /// Its place in the chain: exposure is judged by order, not by writers' clocks.
    pub seq: i64,
    pub time: i64,
    pub action: Action,
    /// The removed recipient, stored since format 2.
    pub subject: Option<String>,
    pub reason: Option<String>,
}

impl EnvDb {
    /// The recipient removals (`access-revoke`, `offboard`), oldest first: time, action,
    /// subject (the removed recipient; format 2) and reason, without reading or checking
    /// the rest of the chain (`audit verify` does that). For deriving which versions are
    /// exposed (DESIGN §14).
    pub fn removal_events(&self) -> Result<Vec<Removed>> {
        self.located((|| -> Result<Vec<Removed>> {
            // A format-1 image read without a write has no `subject` column.
            let subject = if self.has_labels() { "subject" } else { "NULL" };
            // The codes as literals, the very term of the partial index
            // `schema::INDEX_REMOVALS` (SQLite uses it only for a query that repeats it).
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT time, action, {subject}, reason, seq FROM events WHERE action IN ({}, {}) ORDER BY seq",
                Action::AccessRevoke.code(),
                Action::Offboard.code()
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (time, code, subject, reason, seq) = row?;
                if let Some(action) = Action::from_code(code) {
                    out.push(Removed {
                        seq,
                        time,
                        action,
                        subject,
                        reason,
                    });
                }
            }
            Ok(out)
        })())
    }

    /// Keys a merge left with several values (DESIGN §9) that nobody has resolved
    /// since: a `merge-conflict` event with no later rotation, new value, resolve,
    /// revocation or delete of that key. `(key, the conflict's active version)`.
    pub fn open_merge_conflicts(&self) -> Result<Vec<(String, u32)>> {
        self.located((|| -> Result<Vec<(String, u32)>> {
            // The marks are read through the partial index `events_merge_marks`
            // (`schema::INDEX_REMOVALS`): its very term, codes as literals. Only a key
            // with a mark has its later events looked at.
            let marks = format!(
                "action IN ({}, {})",
                Action::MergeConflict.code(),
                Action::Exposed.code()
            );
            let mut stmt = self.conn.prepare_cached(&format!(
                "WITH m AS (SELECT seq, action, key, version FROM events WHERE {marks})
                 SELECT c.key, c.version FROM m c
                 WHERE c.action = ?1 AND c.key IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM m l WHERE l.key = c.key AND l.action = ?1 AND l.seq > c.seq)
                   AND NOT EXISTS (SELECT 1 FROM events f WHERE f.seq > c.seq AND f.key = c.key
                                   AND f.action IN (?2, ?3, ?4, ?5, ?6, ?7, ?8))
                 ORDER BY c.key"
            ))?;
            let rows = stmt.query_map(
                params![
                    Action::MergeConflict.code(),
                    Action::Rotate.code(),
                    Action::Resolve.code(),
                    Action::Revoke.code(),
                    Action::Delete.code(),
                    Action::Set.code(),
                    Action::Import.code(),
                    Action::Generate.code()
                ],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<u32>>(1)?.unwrap_or(0))),
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }

    /// Versions a merge recorded as exposed (DESIGN §9): `(key, version, recipient,
    /// time)`, from `exposed` events.
    pub fn merge_exposures(&self) -> Result<Vec<(String, u32, String, i64)>> {
        self.located((|| -> Result<Vec<(String, u32, String, i64)>> {
            if !self.has_labels() {
                return Ok(Vec::new());
            }
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT key, version, subject, time FROM events
                 WHERE action IN ({}, {}) AND action = ?1
                   AND key IS NOT NULL AND version IS NOT NULL AND subject IS NOT NULL
                 ORDER BY seq",
                Action::MergeConflict.code(),
                Action::Exposed.code()
            ))?;
            let rows = stmt.query_map([Action::Exposed.code()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }

    /// The hash of the last lifecycle event, without checking the chain.
    pub fn lifecycle_head(&self) -> Result<Option<[u8; 32]>> {
        self.located((|| -> Result<Option<[u8; 32]>> {
            let h: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            h.map(|h| {
                h.try_into().map_err(|_| crate::error::Error::CorruptDb {
                    detail: "the last lifecycle event has a malformed hash".into(),
                })
            })
            .transpose()
        })())
    }

    /// Every lifecycle event, oldest first, with its chain checked as it is read:
    /// `Err(BrokenChain)` names the first event whose hash does not follow.
    pub fn lifecycle_events(&self) -> Result<Vec<Event>> {
        self.lifecycle_walk(&[]).map(|(events, _)| events)
    }

    /// [`EnvDb::lifecycle_events`] of a file that shares a prefix of its history with
    /// `known`, a chain this process recomputed from another file's rows (a merge's
    /// BASE, which both sides extend): an event whose every hashed field, parents and
    /// stored hash equal `known`'s at the same place would recompute to that hash, so
    /// the comparison stands for the hashing (DESIGN §7 round 3: the shared prefix is
    /// recomputed once). Any difference, anywhere, and the event is hashed as usual.
    /// With the set of the chain's hashes, made as it is checked.
    pub fn lifecycle_events_after(&self, known: &[Event]) -> Result<(Vec<Event>, Hashes)> {
        self.lifecycle_walk(known)
    }

    /// Every event is recomputed from its row (or found equal, field by field, to the
    /// event at its place in `known`, itself recomputed): no row is taken as known
    /// because it stores a known hash (DESIGN §8 round 3).
    fn lifecycle_walk(&self, known: &[Event]) -> Result<(Vec<Event>, Hashes)> {
        self.located((|| -> Result<(Vec<Event>, Hashes)> {
        // A format-1 image read without a write has no `subject` column, and one
        // before format 3 no `parents`.
        let subject = if self.has_labels() { "e.subject" } else { "NULL" };
        let parents = if self.has_parents() { "e.parents" } else { "NULL" };
        let mut prev = GENESIS;
        // Sized once from the rows counted, up to a bound (the rows are not checked yet: a
        // hostile file's millions of junk rows must fail at the first, not reserve
        // gigabytes first): a large chain's events are not moved again and again as the
        // vector grows.
        let count: i64 = self.conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        let mut out = Vec::with_capacity(count.clamp(0, RESERVE_AT_MOST) as usize);
        // Every hash so far: an explicit parent must be an earlier event (DESIGN §9: a
        // merged chain is a DAG, stored in an order where parents come first).
        let mut earlier = Hashes::with_capacity(out.capacity());
        let mut expect_seq = 1;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT e.seq, e.time, e.action, e.key, e.version, a.recipient, a.os_user, a.host, a.via, e.reason, e.hash, {subject}, {parents}
             FROM events e LEFT JOIN actors a ON a.id = e.actor WHERE e.seq >= ?1 ORDER BY e.seq",
        ))?;
        let mut rows = stmt.query([expect_seq])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let stored: Vec<u8> = r.get(10)?;
            let recipient: Option<String> = r.get(5)?;
            let Some(recipient) = recipient else {
                return Err(audit::broken(
                    &self.env,
                    Chain::Lifecycle,
                    seq,
                    "its actor is missing",
                ));
            };
            if seq != expect_seq {
                return Err(audit::broken(
                    &self.env,
                    Chain::Lifecycle,
                    seq,
                    &format!("event {expect_seq} is missing"),
                ));
            }
            let code: i64 = r.get(2)?;
            let Some(action) = Action::from_code(code).filter(|a| !a.is_access()) else {
                return Err(audit::broken(&self.env, Chain::Lifecycle, seq, "unknown action"));
            };
            let canon = Canonical {
                v: 1,
                time: r.get(1)?,
                env: self.env.to_string(),
                action: action.as_str().to_owned(),
                key: r.get(3)?,
                version: r.get(4)?,
                recipient,
                os_user: r.get(6)?,
                host: r.get(7)?,
                via: r.get(8)?,
                reason: r.get(9)?,
                outcome: None,
                keys: None,
            };
            let subject: Option<String> = r.get(11)?;
            let explicit: Option<Vec<u8>> = r.get(12)?;
            let broken = |why: &str| audit::broken(&self.env, Chain::Lifecycle, seq, why);
            let (first, joined) = match explicit.as_deref() {
                None => (prev, None),
                Some(p) => {
                    let hashes: Vec<[u8; 32]> = p
                        .chunks(32)
                        .map(|c| c.try_into().map_err(|_| broken("its parents are malformed")))
                        .collect::<Result<_>>()?;
                    if hashes.iter().any(|h| !earlier.contains(h)) {
                        return Err(broken("a parent it names is not an earlier event"));
                    }
                    match (hashes.as_slice(), action) {
                        ([one], _) => (*one, None),
                        ([a, b], Action::Merge) if a != b => (*a, Some(*b)),
                        _ => return Err(broken("its parents are malformed")),
                    }
                }
            };
            let same = known.get(out.len()).filter(|k| {
                k.seq == seq
                    && k.prev_hash == first
                    && k.joined_hash == joined
                    && k.hash.as_slice() == stored.as_slice()
                    && k.subject == subject
                    && hashes_as(&canon, k)
            });
            let hash = match (same, &joined) {
                (Some(k), _) => k.hash,
                (None, None) => audit::chain_hash(&first, &canon.bytes_with(subject.as_deref())),
                (None, Some(second)) => {
                    audit::join_hash(&first, second, &canon.bytes_with(subject.as_deref()))
                }
            };
            if stored.as_slice() != hash {
                return Err(audit::broken(
                    &self.env,
                    Chain::Lifecycle,
                    seq,
                    "its hash does not match its content and the previous event (edited, deleted or reordered)",
                ));
            }
            let mut event = canon
                .into_event(Chain::Lifecycle, seq, first, hash)
                .ok_or_else(|| audit::broken(&self.env, Chain::Lifecycle, seq, "unknown action"))?;
            event.subject = subject;
            event.joined_hash = joined;
            out.push(event);
            earlier.insert(hash);
            prev = hash;
            expect_seq += 1;
        }
        Ok((out, earlier))
    })())
    }
}

/// The most events a chain walk reserves room for before reading them (~27 MB).
const RESERVE_AT_MOST: i64 = 1 << 16;

/// The hashes of a chain's events.
pub type Hashes = std::collections::HashSet<[u8; 32]>;

/// Whether `canon`, a lifecycle row's canonical form (`v` 1, no outcome, no key list),
/// holds every hashed field of `k`, an event of a recomputed lifecycle chain: then its
/// canonical bytes are `k`'s.
fn hashes_as(canon: &Canonical, k: &Event) -> bool {
    canon.v == 1
        && canon.outcome.is_none()
        && canon.keys.is_none()
        && k.keys.is_empty()
        && canon.time == k.time
        && canon.env == k.env
        && canon.action == k.action.as_str()
        && canon.key == k.key
        && canon.version == k.version
        && canon.recipient == k.actor.recipient
        && canon.os_user == k.actor.os_user
        && canon.host == k.actor.host
        && canon.via == k.actor.via.as_str()
        && canon.reason == k.reason
}

#[cfg(test)]
mod shared_prefix_tests {
    use crate::audit::{Action, Actor, Via};
    use crate::vault::store::EnvDb;

    /// A chain compared with a known one takes a known hash only for an event equal to
    /// it in every hashed field: any field edited under its stored hash is refused,
    /// exactly as when every event is hashed.
    #[test]
    fn an_event_edited_under_its_stored_hash_is_refused_even_where_a_known_chain_has_it() {
        let (_dir, paths, env, id) = crate::vault::open::test_vault();
        let me = crate::recipient::RecipientString::from(&id.to_public());
        let me = Actor::named(me.as_str(), Via::File);
        crate::vault::open::create_test_env(&paths, &env, &id, |db| {
            db.record(&me, Action::Generate, Some("K"), Some(1), Some("why"), 5)?;
            db.record_about(&me, Action::AccessGrant, "age1someone", None, 6)
        })
        .unwrap();
        let db = EnvDb::open_write(&paths, &env, &id).unwrap();
        let known = db.lifecycle_events().unwrap();
        assert!(known.len() >= 3);
        let (again, hashes) = db.lifecycle_events_after(&known).unwrap();
        assert!(known.iter().all(|e| hashes.contains(&e.hash)));
        assert_eq!(
            again.iter().map(|e| e.hash).collect::<Vec<_>>(),
            known.iter().map(|e| e.hash).collect::<Vec<_>>()
        );
        let generate = Action::Generate.code();
        let grant = Action::AccessGrant.code();
        let edits = [
            format!("UPDATE events SET time = 7 WHERE action = {generate}"),
            format!(
                "UPDATE events SET action = {} WHERE action = {generate}",
                Action::Rotate.code()
            ),
            format!("UPDATE events SET key = 'L' WHERE action = {generate}"),
            format!("UPDATE events SET version = 2 WHERE action = {generate}"),
            format!("UPDATE events SET reason = 'other' WHERE action = {generate}"),
            format!(
                "INSERT INTO actors(id, recipient, os_user, host, via) VALUES (99, 'age1else', 'u', 'h', 'file');
                 UPDATE events SET actor = 99 WHERE action = {generate}"
            ),
            "UPDATE actors SET os_user = 'mallory'".to_owned(),
            "UPDATE actors SET host = 'elsewhere'".to_owned(),
            "UPDATE actors SET via = 'ssh'".to_owned(),
            "UPDATE actors SET recipient = 'age1else'".to_owned(),
            format!("UPDATE events SET subject = 'age1else' WHERE action = {grant}"),
        ];
        for edit in edits {
            db.conn.execute_batch("SAVEPOINT edit").unwrap();
            let before = db.conn.total_changes();
            db.conn.execute_batch(&edit).unwrap();
            assert!(db.conn.total_changes() > before, "{edit}: nothing changed");
            let err = db.lifecycle_events_after(&known).unwrap_err();
            assert!(
                matches!(err, crate::error::Error::BrokenChain { .. }),
                "{edit}: {err}"
            );
            assert!(db.lifecycle_events().is_err(), "{edit}");
            db.conn
                .execute_batch("ROLLBACK TO edit; RELEASE edit")
                .unwrap();
        }
        assert!(db.lifecycle_events_after(&known).is_ok());
    }
}

#[cfg(test)]
mod removal_index_tests {
    use crate::audit::Action;
    use crate::vault::schema;

    /// The partial index and the query repeat one term: SQLite uses a partial index only
    /// for a query whose WHERE clause contains it.
    #[test]
    fn removals_are_read_through_their_partial_index() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(schema::SCHEMA).unwrap();
        conn.execute_batch(schema::INDEX_REMOVALS).unwrap();
        let term = format!(
            "action IN ({}, {})",
            Action::AccessRevoke.code(),
            Action::Offboard.code()
        );
        assert!(schema::INDEX_REMOVALS.contains(&term));
        let plan: String = conn
            .query_row(
                &format!("EXPLAIN QUERY PLAN SELECT time FROM events WHERE {term} ORDER BY seq"),
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("events_removals"), "{plan}");
    }
}
