//! How an environment file relates to what this machine saw (DESIGN §8, round 3): the
//! comparison with the pin (audit keys, the recomputed chain), the check of a changed
//! file against what was seen out of service, the pin a file would leave, and `trust`
//! writing what was seen into an earlier state. Reads the file's rows; the pin files
//! themselves are `pins`'.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use rusqlite::params;

use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::vault::keyring::AuditKeys;
use crate::vault::paths::PinDir;
use crate::vault::schema::*;
use crate::vault::seen::{PIN_VERSION, Pin, Relation, Seen};
use crate::vault::store::EnvDb;

/// Compare a file with its pin (see the module docs). `keys`: the file's audit keys;
/// `chain`: every lifecycle hash of the file, recomputed from its rows (DESIGN §8 round
/// 3: a head is accepted only when it is recomputed, never because a row stores it),
/// asked for only once the file is known to be a state of the pinned environment.
pub fn compare(
    db: &EnvDb,
    pin: &Pin,
    keys: &AuditKeys,
    chain: impl FnOnce() -> Result<HashSet<[u8; 32]>>,
) -> Result<Relation> {
    let fps = keys.fingerprints();
    let current = fps.last().expect("a ring holds at least one key");
    if *current != pin.audit_key {
        if pin.ring.contains(current) {
            // A key this machine saw replaced: a state from before a removal.
            return Err(Error::FromBeforeRemoval {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
                in_git: crate::vault::store::in_git_work_tree(&db.paths().root),
            });
        }
        // A later state carries the pinned key among its replaced ones. A file that
        // shares only keys older than the pinned one branched off before a removal
        // this machine saw (whatever key it claims now: anyone can write a fresh one).
        let later = fps.contains(&pin.audit_key);
        if !later && pin.ring.iter().any(|f| fps.contains(f)) {
            return Err(Error::FromBeforeRemoval {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
                in_git: crate::vault::store::in_git_work_tree(&db.paths().root),
            });
        }
        if !later {
            return Err(Error::UnrelatedEnv {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
            });
        }
    }
    // A merge (DESIGN §9) may have moved the pinned event to another place in the
    // chain: any recomputed hash will do (each covers its parents).
    // Only a related file has its chain recomputed (the relation needs no walk).
    let chain = chain()?;
    let pinned: Option<[u8; 32]> = hex::decode(&pin.hash).ok().and_then(|h| h.try_into().ok());
    if pinned.is_some_and(|h| chain.contains(&h)) {
        return Ok(Relation::Current);
    }
    let (file_seq, _, _) = db.last_event()?;
    Ok(Relation::Behind {
        pinned_seq: pin.seq,
        pinned_time: pin.time,
        file_seq,
    })
}

/// A file that extends the pinned state must keep every version this machine saw out of
/// service out of it: a status moved back, or an expiry moved later with no event on
/// its key since the pinned head (`since`), is a row edited outside keyward (exit 6).
/// Versions a merge renumbered (a `merge-conflict` on the key since) are not compared
/// by number.
pub fn check_seen(
    db: &EnvDb,
    seen: &BTreeMap<String, Seen>,
    since: &[&crate::audit::Event],
    all: &[crate::audit::Event],
) -> Result<()> {
    use crate::audit::Action;
    let mut stmt = db.conn.prepare(
        "SELECT v.version, v.status, v.retire_at, v.expires FROM versions v
         JOIN keys k ON k.id = v.key_id WHERE k.name = ?1 ORDER BY v.version",
    )?;
    // Keys deleted and made again anywhere in the history (this machine's own writes
    // included, whose seen record outlives them): the numbers seen were another key's.
    let mut deleted = std::collections::HashSet::new();
    let mut remade = std::collections::HashSet::new();
    for e in all {
        let Some(k) = e.key.as_deref() else { continue };
        match e.action {
            Action::Delete => {
                deleted.insert(k);
            }
            Action::Generate | Action::Set | Action::Import | Action::Rename
                if deleted.contains(k) && (e.action == Action::Rename || e.version == Some(1)) =>
            {
                remade.insert(k);
            }
            _ => {}
        }
    }
    for (name, s) in seen {
        if remade.contains(name.as_str()) {
            continue;
        }
        let on_key: Vec<&crate::audit::Event> = since
            .iter()
            .copied()
            .filter(|e| e.key.as_deref() == Some(name.as_str()))
            .collect();
        // Renumbered by a merge, or another key under this name now (deleted and made
        // again, renamed away): the numbers seen are not this key's.
        let renamed_away = since.iter().any(|e| {
            e.action == Action::Rename
                && e.reason.as_deref() == Some(format!("renamed from {name}").as_str())
        });
        if renamed_away
            || on_key.iter().any(|e| {
                matches!(
                    e.action,
                    Action::MergeConflict | Action::Delete | Action::Rename
                )
            })
        {
            continue;
        }
        let rows = stmt.query_map([name], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        for row in rows {
            let (version, status, retire_at, expires) = row?;
            let (raised, _, raised_expires) = s.raise(version, (status, retire_at, expires));
            // What is kept here is a summary (the newest version seen out of service,
            // and whether it was revoked): exact for that version only — a merge may
            // keep an older value active below it. So: the version seen revoked is
            // revoked still. (Every row is checked by `audit verify --git`.)
            let back = version == s.dead && s.revoked && status != ST_REVOKED;
            let detail = if back {
                Some(format!(
                    "`{name}` v{version} was seen {} on this machine; this file has it {}",
                    status_word(raised.max(ST_REVOKED)),
                    status_word(status)
                ))
            } else if raised_expires != expires && on_key.is_empty() {
                Some(format!(
                    "`{name}` v{version} was seen expired on this machine; this file moves its expiry later with no event on the key"
                ))
            } else {
                None
            };
            if let Some(detail) = detail {
                return Err(Error::Corrupt {
                    path: db.path.clone(),
                    detail: format!(
                        "{detail}: a row edited outside keyward; nothing was read from it"
                    ),
                });
            }
        }
    }
    Ok(())
}

fn status_word(s: i64) -> &'static str {
    match s {
        ST_ACTIVE => "active",
        ST_RETIRING => "retiring",
        ST_RETIRED => "retired",
        _ => "revoked",
    }
}

/// Which directory sits at the vault's path (device, inode, birth time), kept in this
/// machine's state directory: nothing anyone can write into the vault (or push through
/// git) changes it.
pub(in crate::vault) fn root_stamp(root: &Path) -> Option<String> {
    crate::sys::dir_identity(root)
}

/// The pin `db` would leave: its audit key, its head, and every version out of service
/// at `now` (one query over the versions that are not plainly active).
pub(in crate::vault) fn snapshot(db: &EnvDb, now: i64) -> Result<Pin> {
    let (seq, hash, time) = db.last_event()?;
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut stmt = db.conn.prepare(
        "SELECT k.name, v.version, v.status, v.retire_at, v.expires FROM versions v
         JOIN keys k ON k.id = v.key_id
         WHERE v.status != ?1 OR (v.expires IS NOT NULL AND v.expires <= ?2)",
    )?;
    let rows = stmt.query_map(params![ST_ACTIVE, now], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (name, version, status, retire_at, expires) = row?;
        let s = seen.entry(name).or_default();
        let over = retire_at.is_some_and(|t| t <= now);
        if let Some(at) = expires.filter(|e| *e <= now) {
            s.merge(&Seen {
                expired: Some((version, at)),
                ..Seen::default()
            });
        }
        if status == ST_RETIRED || status == ST_REVOKED || (status == ST_RETIRING && over) {
            s.merge(&Seen {
                dead: version,
                revoked: status == ST_REVOKED,
                ..Seen::default()
            });
        } else if let (ST_RETIRING, Some(until)) = (status, retire_at) {
            s.merge(&Seen {
                grace: Some((version, until)),
                ..Seen::default()
            });
        }
    }
    let keys = db.audit_keys()?;
    let mut ring = keys.fingerprints();
    let audit_key = ring.pop().expect("a ring holds at least one key");
    Ok(Pin {
        v: PIN_VERSION,
        audit_key,
        ring,
        env_id: Some(keys.env_id()),
        seal: None,
        journal_floor: None,
        seq,
        hash: hex::encode(hash),
        time,
        seen,
        journal: None,
        journal_gap: None,
        root: db.root.clone(),
        history_root: db.history_root.clone(),
        serial: Some(db.set_serial()?).filter(|s| *s > seq),
    })
}

impl crate::vault::Tx<'_> {
    /// `trust` of an earlier state: write into the file what this machine saw — versions
    /// it saw revoked, retired, expired or retiring become so here too — so that
    /// statuses move forward for every reader, not just this machine. Returns how many
    /// versions changed.
    pub fn raise_to_seen(&self, actor: &crate::audit::Actor, now: i64) -> Result<usize> {
        let Some(pin) = self.pin.as_ref() else {
            return Ok(0);
        };
        let actor_id = self.actor_id(actor)?;
        let mut changed = 0;
        for (name, seen) in &pin.seen {
            let Ok(name) = name.parse::<crate::names::KeyName>() else {
                continue;
            };
            let Ok(key) = self.key(&name) else {
                continue;
            };
            for v in self.versions(&key)? {
                // `versions` reads through the pin: the raised status and times.
                let stored: (i64, Option<i64>) = self.conn.query_row(
                    "SELECT status, retire_at FROM versions WHERE key_id = ?1 AND version = ?2",
                    params![key.id, v.version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let raised = seen.raise(v.version, (stored.0, stored.1, v.expires));
                if (raised.0, raised.1) == stored {
                    continue;
                }
                if raised.0 == ST_REVOKED {
                    self.revoke(
                        &key,
                        Some(v.version),
                        actor_id,
                        crate::vault::transition::KEPT_BY_TRUST,
                        now,
                    )?;
                } else {
                    self.raise_status(key.id, v.version, raised.0, raised.1)?;
                }
                changed += 1;
            }
        }
        Ok(changed)
    }
}
impl Pin {
    /// Load what was seen out of service into this pin (for an earlier state).
    pub fn with_seen(mut self, pins: &PinDir, env: &EnvName) -> Result<Pin> {
        self.seen = pins.load_seen(env)?;
        Ok(self)
    }
}
