//! The sides of a merge as read from their files: each opened and its chain recomputed
//! (`Side`), a cheap signature per key to find the keys that differ, and the check that
//! a side's rows follow from another's by the events it adds. Reads only; decides no
//! merge rule.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::audit::{self, Event};
use crate::error::Result;
use crate::names::EnvName;
use crate::vault::VaultPaths;
use crate::vault::paths::PinDir;
use crate::vault::store::EnvDb;
use crate::vault::transition;

use super::report::{bad, refused};

/// One side opened: its database and its lifecycle events, every hash recomputed from
/// its rows (DESIGN §8 round 3: no row is "known" because it stores a known hash).
pub(super) struct Side {
    pub(super) db: EnvDb,
    events: Vec<Event>,
    hashes: HashSet<[u8; 32]>,
    head: [u8; 32],
    /// Its signed history checked (DESIGN §15); the error is kept, not raised: a side
    /// whose changes are all by signers it may not have is left out, not refused.
    pub(super) verified: Result<crate::vault::signed::Verified>,
    /// Its stored signatures (trusted only as far as `verified` says).
    pub(super) sigs: Vec<crate::vault::signed::Signature>,
}

impl Side {
    pub(super) fn open(
        paths: &VaultPaths,
        label: &str,
        bytes: &[u8],
        id: &dyn age::Identity,
        base: Option<&Side>,
        pins: Option<&PinDir>,
    ) -> Result<Side> {
        let mut db = EnvDb::open_bytes_any_env(paths, label.into(), bytes, id)?;
        // A chain that does not recompute is refused here (exit 6): nothing is taken
        // from a side whose history was edited. The events a side shares with BASE's
        // recomputed chain are compared with them rather than hashed again.
        let events = db.lifecycle_events_after(base.map_or(&[][..], |b| &b.events))?;
        let hashes = events.iter().map(|e| e.hash).collect();
        let head = events.last().map_or(audit::GENESIS, |e| e.hash);
        let sigs = db.signatures()?;
        let verified = match pins.and_then(|p| verified_here(p, &db.env, bytes)) {
            Some(root) => {
                db.root = root.clone();
                Ok(crate::vault::signed::Verified {
                    root,
                    signatures: sigs.len(),
                })
            }
            None => db.verify_signed(&events, None),
        };
        Ok(Side {
            db,
            events,
            hashes,
            head,
            verified,
            sigs,
        })
    }

    pub(super) fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Whether this side's recomputed chain holds an event with hash `h`.
    pub(super) fn holds(&self, h: &[u8; 32]) -> bool {
        *h == audit::GENESIS || self.hashes.contains(h)
    }

    /// Whether its history is signed (and verifies).
    pub(super) fn is_signed(&self) -> bool {
        !self.sigs.is_empty()
    }

    /// Whether it holds events `base` does not.
    pub(super) fn adds_to(&self, base: &Side) -> bool {
        self.events.iter().any(|e| !base.hashes.contains(&e.hash))
    }

    /// This side's events that `other` does not hold, in this side's order.
    pub(super) fn events_not_in(&self, other: &Side) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| !other.hashes.contains(&e.hash))
            .cloned()
            .collect()
    }
}

/// The trust root of `bytes` when they are the very file this machine verified (or
/// wrote) at `env`'s pinned head (DESIGN §15: a file verified here is not verified
/// again; a merge's OURS, usually): its seal is the pinned one. `None` for any other
/// file, and when the pin cannot be read: the side is then verified from its rows.
fn verified_here(pins: &PinDir, env: &EnvName, bytes: &[u8]) -> Option<Option<String>> {
    let pin = pins.load(env).ok()??;
    let sealed = pin.seal.as_deref()?;
    let seal = crate::vault::fileseal::seal_bytes(bytes)?;
    (hex::encode(seal) == sealed).then_some(pin.root)
}

/// Refuse the merge unless BASE and THEIRS hold OURS's environment (the same name and
/// the same first audit key) and both OURS and THEIRS extend BASE's history.
pub(super) fn check_sides(b: &Side, o: &Side, t: &Side) -> Result<()> {
    let env = &o.db.env;
    let ours_id = o.db.audit_keys()?.env_id();
    for (side, label) in [(b, "BASE"), (t, "THEIRS")] {
        if side.db.env != *env {
            return Err(refused(
                env,
                format!("{label} holds environment `{}`", side.db.env),
            ));
        }
        // The same environment: the same first audit key (later ones replace it on
        // every removal of a recipient).
        if side.db.audit_keys()?.env_id() != ours_id {
            return Err(refused(
                env,
                format!(
                    "{label} is another environment of the same name (another vault, or re-created)"
                ),
            ));
        }
    }
    // DESIGN §8: both sides must extend BASE's history.
    for (side, label) in [(o, "OURS"), (t, "THEIRS")] {
        if !side.holds(&b.head()) {
            return Err(refused(
                env,
                format!("{label}'s history does not contain BASE's (rewritten, rewound or forged)"),
            ));
        }
    }
    Ok(())
}

/// Refuse `child` (`label`) unless its rows follow from `parent`'s by the events it
/// adds (`transition`); only keys whose signatures differ are read.
pub(super) fn follows(
    env: &EnvName,
    label: &str,
    parent: &Side,
    psig: &HashMap<String, u64>,
    child: &Side,
    csig: &HashMap<String, u64>,
) -> Result<()> {
    let differ: BTreeSet<String> = psig
        .keys()
        .chain(csig.keys())
        .filter(|n| psig.get(*n) != csig.get(*n))
        .cloned()
        .collect();
    let p = transition::rows_of(&parent.db, Some(&differ))?;
    let c = transition::rows_of(&child.db, Some(&differ))?;
    let added = child.events_not_in(parent);
    match transition::check(&p, &c, &added).first() {
        None => Ok(()),
        Some(broken) => Err(refused(
            env,
            format!(
                "{label} changed rows without the events that make such a change ({broken}): edited outside keyward"
            ),
        )),
    }
}

/// A signature of each key (its row but the id, and its versions' rows with the
/// revoking actor by value): equal signatures, equal keys. Keyed by a per-process
/// random SipHash key, so no file can be made to collide with another on purpose.
pub(super) fn signatures(
    db: &EnvDb,
    hasher: &std::collections::hash_map::RandomState,
) -> Result<HashMap<String, u64>> {
    use rusqlite::types::ValueRef;
    use std::hash::{BuildHasher, DefaultHasher, Hasher};
    fn feed(h: &mut DefaultHasher, v: ValueRef<'_>) {
        match v {
            ValueRef::Null => h.write_u8(0),
            ValueRef::Integer(x) => {
                h.write_u8(1);
                h.write_i64(x)
            }
            ValueRef::Real(x) => {
                h.write_u8(2);
                h.write_u64(x.to_bits())
            }
            ValueRef::Text(b) | ValueRef::Blob(b) => {
                h.write_u8(3);
                h.write_usize(b.len());
                h.write(b)
            }
        }
    }
    db.located((|| -> Result<HashMap<String, u64>> {
        // Sequential scans in each table's own order (keys by id, versions and hooks by
        // key id), walked in step: no per-key lookups.
        let mut keys: Vec<(i64, String, DefaultHasher)> = Vec::new();
        {
            let mut stmt = db.conn.prepare("SELECT * FROM keys ORDER BY id")?;
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let id_at = names.iter().position(|n| n == "id").ok_or_else(|| bad("keys has no id"))?;
            let name_at = names
                .iter()
                .position(|n| n == "name")
                .ok_or_else(|| bad("keys has no name"))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let mut h = hasher.build_hasher();
                for i in (0..names.len()).filter(|i| *i != id_at) {
                    feed(&mut h, r.get_ref(i)?);
                }
                keys.push((r.get(id_at)?, r.get(name_at)?, h));
            }
        }
        // Revoking actors by value (ids differ between files).
        let mut actors: HashMap<i64, DefaultHasher> = HashMap::new();
        {
            let mut stmt = db.conn.prepare("SELECT id, recipient, os_user, host, via FROM actors")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let mut h = hasher.build_hasher();
                for i in 1..5 {
                    feed(&mut h, r.get_ref(i)?);
                }
                actors.insert(r.get(0)?, h);
            }
        }
        let mut walk = |sql: &str, with_actor: Option<usize>| -> Result<()> {
            let mut stmt = db.conn.prepare(sql)?;
            let n = stmt.column_count();
            let mut rows = stmt.query([])?;
            let mut at = 0;
            while let Some(r) = rows.next()? {
                let key_id: i64 = r.get(0)?;
                while at < keys.len() && keys[at].0 < key_id {
                    at += 1;
                }
                let Some((id, _, h)) = keys.get_mut(at) else { break };
                if *id != key_id {
                    continue; // a row of no key: not a state keyward writes; differs anyway
                }
                for i in 1..n {
                    match (with_actor, r.get_ref(i)?) {
                        (Some(a), ValueRef::Integer(x)) if a == i => {
                            h.write_u64(actors.get(&x).map_or(0, |ah| ah.finish()))
                        }
                        (_, v) => feed(h, v),
                    }
                }
            }
            Ok(())
        };
        walk(
            "SELECT key_id, version, value, created, expires, status, retire_at, revoked_at, revoked_by, revoke_reason
             FROM versions ORDER BY key_id, version",
            Some(8),
        )?;
        // A rotation hook (format 3) is part of its key.
        if db.has_hooks_table() {
            walk(
                "SELECT key_id, 'hook', command, timeout, set_at FROM hooks ORDER BY key_id",
                None,
            )?;
        }
        Ok(keys.into_iter().map(|(_, name, h)| (name, h.finish())).collect())
    })())
}
