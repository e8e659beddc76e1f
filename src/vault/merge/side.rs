//! The sides of a merge as read from their files: each opened and its chain recomputed
//! (`Side`), a cheap signature per key to find the keys that differ, and the check that
//! a side's rows follow from another's by the events it adds. Reads only; decides no
//! merge rule.

use std::collections::{BTreeSet, HashMap};

use crate::audit::{self, Event};
use crate::error::Result;
use crate::names::EnvName;
use crate::signing::Sig;
use crate::sys::both;
use crate::vault::VaultPaths;
use crate::vault::events::Hashes;
use crate::vault::paths::PinDir;
use crate::vault::seen::{Pin, SEALS_FROM};
use crate::vault::signed::{Signature, Verified};
use crate::vault::store::EnvDb;
use crate::vault::transition;

use super::report::{bad, refused};

/// One side opened: its database and its lifecycle events, every hash recomputed from
/// its rows (DESIGN §8 round 3: no row is "known" because it stores a known hash).
pub(super) struct Side {
    pub(super) db: EnvDb,
    events: Vec<Event>,
    hashes: Hashes,
    head: [u8; 32],
    /// Its signed history checked (DESIGN §15); the error is kept, not raised: a side
    /// whose changes are all by signers it may not have is left out, not refused.
    pub(super) verified: Result<Verified>,
    /// Its stored signatures (trusted only as far as `verified` says).
    pub(super) sigs: Vec<Signature>,
}

/// A side's key signatures (see [`signatures`]).
pub(super) type KeySigs = HashMap<String, u64>;

/// The three sides of a merge opened: each decrypted on this thread (the identity may
/// be a plugin's or an agent's) while BASE's chain is recomputed, then the three sides'
/// checks at once, each on its own database: OURS's and THEIRS's chains (compared with
/// BASE's where they share it), every side's signed history (OURS's and BASE's not
/// again when they are files verified here), and every side's key signatures. Of the errors a step
/// finds, BASE's is raised first, then OURS's, then THEIRS's.
pub(super) fn open_sides(
    paths: &VaultPaths,
    [base, ours, theirs]: [&[u8]; 3],
    id: &dyn age::Identity,
    pins: Option<&PinDir>,
    hasher: &std::collections::hash_map::RandomState,
) -> Result<([Side; 3], [KeySigs; 3])> {
    let b_db = EnvDb::open_bytes_any_env(paths, "BASE".into(), base, id)?;
    // A chain that does not recompute is refused here (exit 6): nothing is taken from a
    // side whose history was edited. BASE's is recomputed while the others decrypt.
    let (b_chain, (o_db, t_db)) = both(
        move || {
            let events = b_db.lifecycle_events_after(&[]);
            (b_db, events)
        },
        || {
            let o = EnvDb::open_bytes_any_env(paths, "OURS".into(), ours, id);
            let t = EnvDb::open_bytes_any_env(paths, "THEIRS".into(), theirs, id);
            (o, t)
        },
    );
    let (mut b_db, (b_events, b_hashes)) = (b_chain.0, b_chain.1?);
    let (o_db, t_db) = (o_db?, t_db?);
    let side = |mut db: EnvDb, bytes: Option<&[u8]>| -> Result<(Side, KeySigs)> {
        let (events, hashes) = db.lifecycle_events_after(&b_events)?;
        let (sigs, verified) = verify(&mut db, &events, bytes, pins)?;
        let keys = signatures(&db, hasher)?;
        Ok((Side::new(db, events, hashes, sigs, verified), keys))
    };
    let (o, (t, b)) = both(
        || side(o_db, Some(ours)),
        || {
            both(
                // THEIRS is another machine's work: seldom verified here.
                || side(t_db, None),
                || {
                    verify(&mut b_db, &b_events, Some(base), pins)
                        .and_then(|v| Ok((v, signatures(&b_db, hasher)?)))
                },
            )
        },
    );
    let ((sigs, verified), bs) = b?;
    let ((o, os), (t, ts)) = (o?, t?);
    let b = Side::new(b_db, b_events, b_hashes, sigs, verified);
    Ok(([b, o, t], [bs, os, ts]))
}

/// A side's stored signatures, and what checking its signed history found.
type Checked = (Vec<Signature>, Result<Verified>);

/// A side's stored signatures, and its signed history checked (DESIGN §15) under the
/// root pinned here — or taken as verified when `bytes` (given to be looked for) are a
/// file verified here: the one pinned, or one before it.
fn verify(
    db: &mut EnvDb,
    events: &[Event],
    bytes: Option<&[u8]>,
    pins: Option<&PinDir>,
) -> Result<Checked> {
    let sigs = db.signatures()?;
    // A pin that cannot be read is an error, as on any read: never "nothing pinned".
    let pin = match pins {
        Some(p) => p.load(&db.env)?.map(|pin| (p, pin)),
        None => None,
    };
    let here = pin.as_ref().zip(bytes);
    let known = here.and_then(|((dir, pin), bytes)| verified_here(dir, &db.env, pin, bytes));
    let verified = match known {
        // `KEYWARD_TRUST_ROOT` holds as it does on a read of the sealed file.
        Some(root) => {
            // The file verified here: its first signature is the one verified, and
            // gives the history's own root.
            let history = crate::vault::signed::history_of(&sigs, root.as_deref());
            db.check_trust_root(root.as_deref(), history.as_deref())
                .map(|()| {
                    db.root = root.clone();
                    db.history_root = history.clone();
                    Verified {
                        root,
                        history,
                        signatures: sigs.len(),
                    }
                })
        }
        // Any other file: under the root pinned here, as a read would.
        None => db.verify_signed(events, pin.as_ref().map(|(_, p)| p)),
    };
    Ok((sigs, verified))
}

impl Side {
    fn new(
        db: EnvDb,
        events: Vec<Event>,
        hashes: Hashes,
        sigs: Vec<Signature>,
        verified: Result<Verified>,
    ) -> Side {
        let head = events.last().map_or(audit::GENESIS, |e| e.hash);
        Side {
            db,
            events,
            hashes,
            head,
            verified,
            sigs,
        }
    }

    pub(super) fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Its lifecycle events, recomputed from its rows.
    pub(super) fn events(&self) -> &[Event] {
        &self.events
    }

    /// Whether this side's recomputed chain holds an event with hash `h`.
    pub(super) fn holds(&self, h: &[u8; 32]) -> bool {
        *h == audit::GENESIS || self.hashes.contains(h)
    }

    /// Refuse this side (`label`) unless it signs the events it shares with `other`
    /// (`other_label`) exactly as `other` does: the same signatures on those events,
    /// none more, none less. Each side's history is verified on its own, so a history
    /// whose signatures were deleted and made again from the same events — with its
    /// author as founder and admin, another trust root — verifies too, and so does one
    /// whose writer split a signature of his own in two; merged with the true one, the
    /// merger would sign a history every reader refuses (or takes, where nothing was
    /// pinned).
    pub(super) fn signs_alike(
        &self,
        other: &Side,
        env: &EnvName,
        [label, other_label]: [&str; 2],
    ) -> Result<()> {
        fn on_shared<'a>(a: &'a Side, b: &Side) -> HashMap<(&'a [u8; 32], &'a Sig), &'a Signature> {
            let sigs = a.sigs.iter().filter(|s| b.holds(&s.head));
            sigs.map(|s| ((&s.head, &s.sig), s)).collect()
        }
        let (mine, theirs) = (on_shared(self, other), on_shared(other, self));
        let same = mine.len() == theirs.len()
            && mine
                .iter()
                .all(|(id, s)| theirs.get(id).is_some_and(|t| t == s));
        if same {
            return Ok(());
        }
        Err(refused(
            env,
            format!(
                "{label} signs the history it shares with {other_label} otherwise than {other_label} does (its signatures were made again: another trust root, or forged)"
            ),
        ))
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

/// The trust root of `bytes` when they are a file this machine verified (or wrote)
/// (DESIGN §15: a file verified here is not verified again): its seal is the pinned
/// one (a merge's OURS, usually) or one of those before it (BASE, usually), all
/// verified under the pinned root. `None` for any other file: the side is then
/// verified from its rows.
fn verified_here(dir: &PinDir, env: &EnvName, pin: &Pin, bytes: &[u8]) -> Option<Option<String>> {
    let seal = crate::vault::fileseal::seal_bytes(bytes)?;
    let known = pin.seal.as_deref() == Some(hex::encode(seal).as_str())
        || pin.v >= SEALS_FROM && dir.earlier(env).contains(&seal);
    known.then(|| pin.root.clone())
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
    // DESIGN §15: and its signed history. A BASE that does not verify is refused by
    // `judge`, first: its stored signatures are not compared here. OURS and THEIRS
    // share more than BASE when a branch was merged into both.
    if b.verified.is_ok() {
        o.signs_alike(b, env, ["OURS", "BASE"])?;
        t.signs_alike(b, env, ["THEIRS", "BASE"])?;
        t.signs_alike(o, env, ["THEIRS", "OURS"])?;
    }
    Ok(())
}

/// Refuse `child` (`label`) unless its rows follow from `parent`'s by the events it
/// adds (`transition`); only keys whose signatures differ are read.
pub(super) fn follows(
    env: &EnvName,
    label: &str,
    parent: &Side,
    psig: &KeySigs,
    child: &Side,
    csig: &KeySigs,
) -> Result<()> {
    let differ = differing(psig, csig);
    let p = transition::rows_of(&parent.db, Some(&differ))?;
    rows_follow(env, label, &p, &parent.hashes, child, &differ)
}

/// [`follows`] for both sides from BASE: BASE's rows read once, each side's read and
/// checked at the same time (each on its own database; the sides come back).
pub(super) fn both_follow(
    env: &EnvName,
    b: &Side,
    bs: &KeySigs,
    [(o, os), (t, ts)]: [(Side, &KeySigs); 2],
) -> Result<(Side, Side)> {
    let (od, td) = (differing(bs, os), differing(bs, ts));
    let either: BTreeSet<String> = od.union(&td).cloned().collect();
    let p = transition::rows_of(&b.db, Some(&either))?;
    let (po, pt) = (p.only(&od), p.only(&td));
    let hashes = &b.hashes;
    let (o, t) = both(
        move || {
            let r = rows_follow(env, "OURS", &po, hashes, &o, &od);
            (o, r)
        },
        || {
            let r = rows_follow(env, "THEIRS", &pt, hashes, &t, &td);
            (t, r)
        },
    );
    o.1?;
    t.1?;
    Ok((o.0, t.0))
}

/// The names whose signatures differ between two sides (or that one side lacks).
fn differing(a: &KeySigs, b: &KeySigs) -> BTreeSet<String> {
    a.iter()
        .filter(|(n, s)| b.get(*n) != Some(s))
        .map(|(n, _)| n.clone())
        .chain(b.keys().filter(|n| !a.contains_key(*n)).cloned())
        .collect()
}

/// Refuse `child` unless its rows of the keys `differ` follow from `parent`'s (`p`,
/// those keys' rows; `parent_hashes`, its chain) by the events it adds.
fn rows_follow(
    env: &EnvName,
    label: &str,
    p: &transition::Rows,
    parent_hashes: &Hashes,
    child: &Side,
    differ: &BTreeSet<String>,
) -> Result<()> {
    let c = transition::rows_of(&child.db, Some(differ))?;
    let added: Vec<Event> = child
        .events
        .iter()
        .filter(|e| !parent_hashes.contains(&e.hash))
        .cloned()
        .collect();
    match transition::check_in(p, &c, &added, &child.events).first() {
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
) -> Result<KeySigs> {
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
