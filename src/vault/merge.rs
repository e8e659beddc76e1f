//! The merge driver's engine (DESIGN §9): three versions of one env file — BASE, OURS,
//! THEIRS — decrypted in memory and merged by meaning into a new image encrypted to
//! the merged recipients. Plaintext never leaves memory: values live in `Secret`s, the
//! image is built in an in-memory database, and the result replaces OURS atomically
//! (temp file and rename, like every commit).
//!
//! The rules, so that the same logical result comes out whichever side merges:
//! - keys match by name, versions by value, actors by value, recipients as a set;
//! - a version's status only moves forward (active → retiring → retired → revoked);
//!   expiry and end of grace take the earlier time, revocation the earlier one;
//! - new values on both sides for one key (both rotated it, or both added the name):
//!   all kept, numbered after BASE's newest in a deterministic order (creation time,
//!   then fingerprint); the newest is active, the other new ones retiring with no end
//!   until someone picks (`git resolve`, or a rotation); a `merge-conflict` event
//!   makes `check` report the key until then;
//! - metadata changed on one side wins; changed on both: the shorter rotation period,
//!   the earlier creation, else ours (reported);
//! - a key deleted on one side: its BASE values are gone; values the other side added
//!   since are kept (nothing new is lost);
//! - recipients: BASE ∪ added − removed (a removal on either side wins); a value the
//!   other side created while it still encrypted to a removed recipient is recorded
//!   `exposed` to that recipient, and `check` demands its rotation;
//! - events: every event of both sides once, the two chains joined by a `merge` event
//!   whose hash covers both heads (the chain is a DAG; both sides' heads stay in it).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::audit::{self, Action, Actor, Event};
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::recipient::RecipientString;
use crate::secret::Secret;
use crate::vault::VaultPaths;
use crate::vault::keys::{FP_LEN, purge_key};
use crate::vault::schema::{ST_ACTIVE, ST_RETIRING, ST_REVOKED};
use crate::vault::store::{EnvDb, replace_encrypted, settle_fingerprints};
use crate::vault::transition;

/// What a merge did, for the driver's report.
#[derive(Debug, Serialize)]
pub struct Merged {
    pub env: EnvName,
    pub outcome: Outcome,
    /// Keys both sides gave new values: both kept, `git resolve` picks one.
    pub conflicts: Vec<KeyConflict>,
    /// Versions a recipient removed on the other side could read.
    pub exposed: Vec<ExposedVersion>,
    /// Metadata changed differently on both sides, and what was kept.
    pub notes: Vec<String>,
    /// Recipients the merge adds since BASE (the driver names them: who can read next).
    pub added_recipients: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// OURS already held everything THEIRS has: left as it is.
    OursHasTheirs,
    /// THEIRS extended OURS: THEIRS taken as it is (a fast-forward).
    TookTheirs,
    /// Both sides changed: a merged image was written.
    Merged,
}

#[derive(Debug, Serialize)]
pub struct KeyConflict {
    pub key: String,
    /// The versions kept side by side; the last one is active.
    pub versions: Vec<u32>,
}

#[derive(Debug, Serialize)]
pub struct ExposedVersion {
    pub key: String,
    pub version: u32,
    pub recipient: String,
}

/// One side opened: its database and its lifecycle events, every hash recomputed from
/// its rows (DESIGN §8 round 3: no row is "known" because it stores a known hash).
struct Side {
    db: EnvDb,
    events: Vec<Event>,
    hashes: HashSet<[u8; 32]>,
    head: [u8; 32],
}

impl Side {
    fn open(paths: &VaultPaths, label: &str, bytes: &[u8], id: &dyn age::Identity) -> Result<Side> {
        let db = EnvDb::open_bytes_any_env(paths, label.into(), bytes, id)?;
        // A chain that does not recompute is refused here (exit 6): nothing is taken
        // from a side whose history was edited.
        let events = db.lifecycle_events()?;
        let hashes = events.iter().map(|e| e.hash).collect();
        let head = events.last().map_or(audit::GENESIS, |e| e.hash);
        Ok(Side {
            db,
            events,
            hashes,
            head,
        })
    }

    fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Whether this side's recomputed chain holds an event with hash `h`.
    fn holds(&self, h: &[u8; 32]) -> bool {
        *h == audit::GENESIS || self.hashes.contains(h)
    }

    /// This side's events that `other` does not hold, in this side's order.
    fn events_not_in(&self, other: &Side) -> Vec<Event> {
        self.events
            .iter()
            .filter(|e| !other.hashes.contains(&e.hash))
            .cloned()
            .collect()
    }
}

/// A version as merged: the value and its lifecycle columns.
#[derive(Clone)]
struct Ver {
    version: u32,
    value: Secret,
    created: i64,
    expires: Option<i64>,
    status: i64,
    retire_at: Option<i64>,
    revoked_at: Option<i64>,
    revoked_by: Option<Actor>,
    revoke_reason: Option<String>,
}

/// A key as merged: its metadata columns by name (whatever the schema holds, so a
/// column added later merges by the generic rule) and its versions by value.
#[derive(Clone)]
struct Key {
    cols: BTreeMap<Rc<str>, Value>,
    /// By the value's SHA-256: versions match by value (DESIGN §9).
    versions: BTreeMap<[u8; 32], Ver>,
}

type Keys = BTreeMap<String, Key>;

/// What the merge changes in ours, by key name: `Some` writes that key, `None` drops it;
/// a name not here stays as ours has it.
type Changes = BTreeMap<String, Option<Key>>;

/// Merge `base` and `theirs` into the env file at `ours` (git's `%O %B %A`). On any
/// error `ours` is untouched (git then reports a conflict).
#[allow(clippy::too_many_arguments)]
pub fn merge_files(
    paths: &VaultPaths,
    base: &[u8],
    ours: &Path,
    theirs: &[u8],
    identity: &dyn age::Identity,
    actor: &Actor,
    now: i64,
) -> Result<Merged> {
    let ours_bytes = std::fs::read(ours).map_err(|e| Error::io("cannot read", ours, e))?;
    let b = Side::open(paths, "BASE", base, identity)?;
    let mut o = Side::open(paths, "OURS", &ours_bytes, identity)?;
    let t = Side::open(paths, "THEIRS", theirs, identity)?;
    let env = o.db.env.clone();
    let ours_id = o.db.audit_keys()?.env_id();
    for (side, label) in [(&b, "BASE"), (&t, "THEIRS")] {
        if side.db.env != env {
            return Err(refused(
                &env,
                format!("{label} holds environment `{}`", side.db.env),
            ));
        }
        // The same environment: the same first audit key (later ones replace it on
        // every removal of a recipient).
        if side.db.audit_keys()?.env_id() != ours_id {
            return Err(refused(
                &env,
                format!(
                    "{label} is another environment of the same name (another vault, or re-created)"
                ),
            ));
        }
    }
    // DESIGN §8: both sides must extend BASE's history.
    for (side, label) in [(&o, "OURS"), (&t, "THEIRS")] {
        if !side.holds(&b.head()) {
            return Err(refused(
                &env,
                format!("{label}'s history does not contain BASE's (rewritten, rewound or forged)"),
            ));
        }
    }
    let report = |outcome| Merged {
        env: env.clone(),
        outcome,
        conflicts: Vec::new(),
        exposed: Vec::new(),
        notes: Vec::new(),
        added_recipients: Vec::new(),
    };
    // Only keys whose rows differ are looked at: a cheap signature per key first (most
    // keys of a large environment are the same on all three sides).
    let hasher = std::collections::hash_map::RandomState::new();
    let (bs, os, ts) = (
        signatures(&b.db, &hasher)?,
        signatures(&o.db, &hasher)?,
        signatures(&t.db, &hasher)?,
    );
    if o.holds(&t.head()) {
        // Ours is kept as it is; a THEIRS whose rows were edited after its last event is
        // still refused, so the edit never enters the merged history.
        follows(&env, "THEIRS", &b, &bs, &t, &ts)?;
        return Ok(report(Outcome::OursHasTheirs));
    }
    if t.holds(&o.head()) {
        // A fast-forward takes THEIRS as it is: only if its rows follow from ours' by
        // the events it adds (DESIGN §8 round 3).
        follows(&env, "THEIRS", &o, &os, &t, &ts)?;
        write_atomically(ours, theirs)?;
        return Ok(report(Outcome::TookTheirs));
    }
    // Each side's rows must follow from BASE's by the events it added: a status edited
    // back, a value changed or a version dropped by hand is refused, never merged.
    follows(&env, "OURS", &b, &bs, &o, &os)?;
    follows(&env, "THEIRS", &b, &bs, &t, &ts)?;

    // The events theirs adds (recomputed when the side was opened).
    let theirs_new = t.events_not_in(&o);
    let mut merged = report(Outcome::Merged);
    let rs = merge_recipients(&b.db, &o.db, &t.db)?;
    let (removed_by_ours, removed_by_theirs) = (&rs.removed_by_ours, &rs.removed_by_theirs);
    // DESIGN §9 round 3, and a removed recipient's way back: when one side removed a
    // recipient of BASE, the other side may be that person's work (they hold BASE) —
    // whatever it lists now: removing themselves there costs them nothing. Such a side
    // is not trusted with what would hurt: granting access, deleting keys, choosing the
    // verifier key — and every key either side changed is merged field by field.
    let trust = rs.trust;
    let differ: BTreeSet<String> = os
        .keys()
        .chain(ts.keys())
        .filter(|n| {
            let (b, o, t) = (bs.get(*n), os.get(*n), ts.get(*n));
            // With a removal on either side, every key either side changed is looked
            // at: its new values may be exposed, its side may not be trusted.
            if removed_by_ours.is_empty() && removed_by_theirs.is_empty() {
                t != b && t != o
            } else {
                t != b || o != b
            }
        })
        .cloned()
        .collect();
    let bk = load_keys(&b.db, &differ)?;
    let ok = load_keys(&o.db, &differ)?;
    let tk = load_keys(&t.db, &differ)?;
    let (mut keys, conflicts) = merge_keys(&differ, &bk, &ok, &tk, trust, &mut merged.notes);
    floor_by_value(&mut keys, [&bk, &ok, &tk]);
    let recipients = rs.merged;
    for (r, side) in &rs.withheld {
        merged.notes.push(format!(
            "{side} granted access to {r}, but the other side removed someone who could have written {side}: not granted; review, then `keyward access grant -e {env} {r}` if it is right"
        ));
    }
    merged.added_recipients = rs.added.clone();
    if recipients.is_empty() {
        return Err(refused(&env, "no recipient would be left".into()));
    }

    // The result: OURS's image (schema, meta, actors, events) with the merged rows.
    let mut conn = Connection::open_in_memory()?;
    {
        let image = o.db.conn.serialize(rusqlite::MAIN_DB)?;
        let image: &[u8] = &image;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, image, image.len(), false)?;
    }
    conn.pragma_update(None, "secure_delete", "ON")?;
    let tx = conn.transaction()?;
    migrate(&tx, &o.db)?;
    // Meta rows only theirs has (a setting made on their side) join ours'.
    if trust.theirs {
        let mut stmt = t.db.conn.prepare("SELECT k, v FROM meta")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Value>(1)?)))?;
        for row in rows {
            let (k, v) = row?;
            tx.execute(
                "INSERT OR IGNORE INTO meta(k, v) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
    }
    merge_verifier_key(&tx, &o.db, &t.db, trust, &mut merged.notes)?;
    merge_audit_keys(&tx, &o.db, &t.db, &recipients)?;
    let mut actors = ActorIds::default();
    append_events(&tx, &o, &theirs_new, &mut actors)?;
    write_rows(&tx, &keys, &recipients, &mut actors)?;
    // The join: one event whose hash covers both heads; what follows chains after it.
    // Grants left out are named in it (the recipients' rows differ from that side's).
    let withheld = (!rs.withheld.is_empty()).then(|| {
        let who: Vec<&str> = rs.withheld.iter().map(|(r, _)| r.as_str()).collect();
        format!(
            "withheld access granted on a side not trusted with it: {}",
            who.join(", ")
        )
    });
    let canon = audit::canonical(
        &env,
        actor,
        Action::Merge,
        None,
        None,
        withheld.as_deref(),
        None,
        now,
    );
    insert_event(&tx, &mut actors, &canon, None, Some([o.head(), t.head()]))?;
    for c in &conflicts {
        let versions: Vec<String> = c.versions.iter().map(|v| format!("v{v}")).collect();
        let reason = format!(
            "both sides gave it a new value: {} kept, v{} active; pick one with `keyward git resolve -e {env} {}`",
            versions.join(", "),
            c.versions.last().copied().unwrap_or_default(),
            c.key
        );
        let canon = audit::canonical(
            &env,
            actor,
            Action::MergeConflict,
            Some(&c.key),
            c.versions.last().copied(),
            Some(&reason),
            None,
            now,
        );
        insert_event(&tx, &mut actors, &canon, None, None)?;
    }
    // Values created on a side that still encrypted to someone the other side removed,
    // or on a side not trusted (it may be that person's work, whatever it lists now).
    let (o_has, t_has) = (o.db.recipients()?, t.db.recipients()?);
    let listed = |rs: &[crate::vault::RecipientInfo], r: &str| rs.iter().any(|x| x.recipient == r);
    for (removed, new_on, trusted, side_has) in [
        (removed_by_ours, &tk, trust.theirs, &t_has),
        (removed_by_theirs, &ok, trust.ours, &o_has),
    ] {
        for r in removed
            .iter()
            .filter(|r| !trusted || listed(side_has, r.as_str()))
        {
            for (name, k) in new_on {
                let base_vals = bk.get(name).map(|k| &k.versions);
                let mk = match keys.get(name) {
                    Some(Some(k)) => k,
                    Some(None) => continue,
                    None => match ok.get(name) {
                        Some(k) => k,
                        None => continue,
                    },
                };
                for value in k.versions.keys() {
                    if base_vals.is_some_and(|b| b.contains_key(value)) {
                        continue;
                    }
                    let Some(mv) = mk.versions.get(value) else {
                        continue;
                    };
                    if mv.status == ST_REVOKED {
                        continue;
                    }
                    let reason = format!(
                        "created on a side that still encrypted to {r}, removed on the other: rotate it (keyward rotate -e {env} {name})"
                    );
                    let canon = audit::canonical(
                        &env,
                        actor,
                        Action::Exposed,
                        Some(name),
                        Some(mv.version),
                        Some(&reason),
                        None,
                        now,
                    );
                    insert_event(&tx, &mut actors, &canon, Some(r), None)?;
                    merged.exposed.push(ExposedVersion {
                        key: name.clone(),
                        version: mv.version,
                        recipient: r.clone(),
                    });
                }
            }
        }
    }
    tx.commit()?;
    merged.conflicts = conflicts;

    // Encrypted to the merged recipients; never plaintext on disk.
    let parsed = recipients
        .keys()
        .map(|r| {
            r.parse::<RecipientString>()
                .map_err(|_| Error::CorruptDb {
                    detail: "a stored recipient is not a valid recipient".into(),
                })
                .and_then(|r| r.to_age())
        })
        .collect::<Result<Vec<_>>>()?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r.as_ref() as &dyn age::Recipient))
            .map_err(|e| Error::Failed {
            what: "encrypt to the recipients",
            detail: e.to_string(),
        })?;
    // The index in ours' image is empty when ours was compressed: rebuilt if the
    // result is too large to be.
    settle_fingerprints(&conn, o.db.packed)?;
    let data = conn.serialize(rusqlite::MAIN_DB)?;
    replace_encrypted(&tmp_beside(ours), ours, encryptor, &data)?;
    Ok(merged)
}

fn refused(env: &EnvName, why: String) -> Error {
    Error::Git(crate::error::GitError::GitMergeRefused {
        env: env.clone(),
        why,
    })
}

/// The verifier key (DESIGN §13), one per environment: the side that has one gives
/// it; two different ones (both sides made their first export) keep the older (then
/// the lower seed), and the merge says so: services that pinned the other public key
/// must pin this one.
fn merge_verifier_key(
    conn: &Connection,
    o: &EnvDb,
    t: &EnvDb,
    trust: Trust,
    notes: &mut Vec<String>,
) -> Result<()> {
    let read = |db: &EnvDb| -> Result<Option<(i64, Secret)>> {
        if !db.has_verifier_table() {
            return Ok(None);
        }
        Ok(rusqlite::OptionalExtension::optional(db.conn.query_row(
            "SELECT created, seed FROM verifier_key WHERE id = 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, Secret::new(r.get::<_, Vec<u8>>(1)?))),
        ))?)
    };
    let (ours, theirs) = (read(o)?, read(t)?);
    let take = match (&ours, &theirs) {
        (_, None) => None,
        (Some(o), Some(t)) if o.1 == t.1 => None,
        // An untrusted side never chooses the key services pin.
        (_, Some(_)) if !trust.theirs => None,
        (Some(_), Some(t)) if !trust.ours => Some(t),
        (None, Some(t)) => Some(t),
        (Some(o), Some(t)) => {
            notes.push(
                "both sides made a verifier key: the older is kept; services that pinned the other must pin `keyward verifier pubkey` again".into(),
            );
            ((t.0, t.1.expose()) < (o.0, o.1.expose())).then_some(t)
        }
    };
    if let Some((created, seed)) = take {
        conn.execute(
            "INSERT OR REPLACE INTO verifier_key(id, seed, created) VALUES (1, ?1, ?2)",
            params![seed.expose(), created],
        )?;
    }
    Ok(())
}

/// Refuse `child` (`label`) unless its rows follow from `parent`'s by the events it
/// adds (`transition`); only keys whose signatures differ are read.
fn follows(
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

/// The audit key of the result (DESIGN §8 round 3): nobody the merge leaves out may
/// hold it. Whoever read a state carrying a key holds it, so a side's key may be kept
/// only when the other side never carried it (it is not in the other side's ring) and
/// nobody of that side is left out; then its holders are all still recipients. When
/// both sides' keys qualify, the one with the lower fingerprint is kept — the same
/// whichever side merges, so two merges of one pair agree. Otherwise a fresh key. The
/// replaced keys of both sides are kept, each side's in its own order, so every
/// machine's journal rows still open in order.
fn merge_audit_keys(
    conn: &Connection,
    o: &EnvDb,
    t: &EnvDb,
    merged: &BTreeMap<String, crate::vault::RecipientInfo>,
) -> Result<()> {
    let (ok, tk) = (o.audit_keys()?, t.audit_keys()?);
    let keeps_all = |db: &EnvDb| -> Result<bool> {
        Ok(db
            .recipients()?
            .iter()
            .all(|r| merged.contains_key(&r.recipient)))
    };
    let (o_all, t_all) = (keeps_all(o)?, keeps_all(t)?);
    // One key, nobody left out: the result is ours as it is.
    if ok.current() == tk.current() && o_all && t_all {
        return Ok(());
    }
    let never_carried =
        |k: &[u8; 32], other: &crate::vault::keyring::AuditKeys| !other.all().any(|x| x == k);
    let mut candidates: Vec<&[u8; 32]> = Vec::new();
    if ok.current() != tk.current() {
        if o_all && never_carried(ok.current(), &tk) {
            candidates.push(ok.current());
        }
        if t_all && never_carried(tk.current(), &ok) {
            candidates.push(tk.current());
        }
    }
    let current: zeroize::Zeroizing<[u8; 32]> = match candidates
        .into_iter()
        .min_by_key(|k| crate::vault::keyring::fingerprint(k))
    {
        Some(k) => zeroize::Zeroizing::new(*k),
        None => crate::secret::random_key(),
    };
    let mut prev = zeroize::Zeroizing::new(Vec::new());
    let mut seen: Vec<[u8; 32]> = Vec::new();
    for k in ok.all().chain(tk.all()) {
        if *k != *current && !seen.contains(k) {
            seen.push(*k);
            prev.extend_from_slice(k);
        }
    }
    seen.iter_mut().for_each(zeroize::Zeroize::zeroize);
    crate::vault::keyring::store_ring(conn, &prev, &current)
}

/// A temp file next to `path` (same directory, so the rename is atomic).
fn tmp_beside(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".keyward-merge.tmp");
    path.with_file_name(name)
}

/// Replace `dest` with `bytes` (already ciphertext: THEIRS taken as it is).
fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<()> {
    crate::vault::paths::replace_file(dest, bytes, 0o600, true)
        .map_err(|e| Error::io("cannot write", dest, e))
}

/// Bring the result (a copy of OURS) to this build's format, as a write would.
fn migrate(conn: &Connection, ours: &EnvDb) -> Result<()> {
    ours.migrate_conn(conn)?;
    conn.execute_batch(crate::vault::schema::INDEX_REMOVALS)?;
    Ok(())
}

/// A signature of each key (its row but the id, and its versions' rows with the
/// revoking actor by value): equal signatures, equal keys. Keyed by a per-process
/// random SipHash key, so no file can be made to collide with another on purpose.
fn signatures(
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

/// The pseudo-column holding a key's rotation hook (DESIGN §11) as one value, so its
/// command, timeout and time merge together: `[command, timeout, set_at]` as JSON, or
/// NULL for none.
const HOOK: &str = "(hook)";

fn hook_of(db: &EnvDb, key_id: i64) -> Result<Value> {
    if !db.has_hooks_table() {
        return Ok(Value::Null);
    }
    let row: Option<(String, Option<i64>, i64)> = rusqlite::OptionalExtension::optional(
        db.conn
            .prepare_cached("SELECT command, timeout, set_at FROM hooks WHERE key_id = ?1")?
            .query_row([key_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))),
    )?;
    Ok(match row {
        None => Value::Null,
        Some(h) => Value::Text(serde_json::to_string(&h).expect("plain tuple")),
    })
}

/// A hook value's `set_at` and command, to pick the later of two.
fn hook_order(v: &Value) -> (i64, Vec<u8>) {
    match v {
        Value::Text(t) => serde_json::from_str::<(String, Option<i64>, i64)>(t)
            .map(|(c, _, at)| (at, c.into_bytes()))
            .unwrap_or_default(),
        _ => (i64::MIN, Vec::new()),
    }
}

/// The keys named in `only`, with their versions (indexed lookups, one key at a time).
fn load_keys(db: &EnvDb, only: &BTreeSet<String>) -> Result<Keys> {
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
            cols.insert(Rc::from(HOOK), hook_of(db, id)?);
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
            out.insert(wanted.clone(), Key { cols, versions });
        }
        Ok(out)
    })())
}

/// Whether two keys hold the same metadata and the same versions, field by field.
fn same_key(a: &Key, b: &Key) -> bool {
    a.cols == b.cols
        && a.versions.len() == b.versions.len()
        && a.versions
            .iter()
            .zip(&b.versions)
            .all(|((va, x), (vb, y))| {
                va == vb
                    && (
                        x.version,
                        x.created,
                        x.expires,
                        x.status,
                        x.retire_at,
                        x.revoked_at,
                    ) == (
                        y.version,
                        y.created,
                        y.expires,
                        y.status,
                        y.retire_at,
                        y.revoked_at,
                    )
                    && x.revoked_by == y.revoked_by
                    && x.revoke_reason == y.revoke_reason
            })
}

fn bad(detail: &str) -> Error {
    Error::CorruptDb {
        detail: detail.into(),
    }
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

/// Keys merged by name (see the module docs), as changes to ours; and the keys both
/// sides gave new values. A key one side left as BASE had it is the other side's,
/// without a field-by-field merge (most keys, in a large environment).
fn merge_keys(
    names: &BTreeSet<String>,
    b: &Keys,
    o: &Keys,
    t: &Keys,
    trust: Trust,
    notes: &mut Vec<String>,
) -> (Changes, Vec<KeyConflict>) {
    let mut out = Changes::new();
    let mut conflicts = Vec::new();
    let unchanged = |side: Option<&Key>, base: Option<&Key>| match (side, base) {
        (Some(s), Some(b)) => same_key(s, b),
        (None, None) => true,
        _ => false,
    };
    for name in names {
        let (bk, ok, tk) = (b.get(name), o.get(name), t.get(name));
        if unchanged(tk, bk) || matches!((ok, tk), (Some(x), Some(y)) if same_key(x, y)) {
            continue; // ours is the result
        }
        if unchanged(ok, bk) && trust.theirs {
            out.insert(name.clone(), tk.cloned());
            continue; // theirs is the result
        }
        let merged = match (ok, tk) {
            (None, None) => continue,
            // A delete by a side not trusted with one: the key stays as the other has it.
            (Some(_), None) if bk.is_some() && !trust.theirs => continue,
            (None, Some(k)) if bk.is_some() && !trust.ours => Some(k.clone()),
            // Deleted on one side: BASE's values go; what the other side added stays.
            (Some(k), None) | (None, Some(k)) if bk.is_some() => {
                let base = &bk.expect("checked").versions;
                let mut k = k.clone();
                k.versions.retain(|v, _| !base.contains_key(v));
                (!k.versions.is_empty()).then_some(k)
            }
            (Some(k), None) | (None, Some(k)) => Some(k.clone()),
            (Some(ok), Some(tk)) => {
                let cols = merge_cols(name, bk.map(|k| &k.cols), &ok.cols, &tk.cols, notes);
                let (versions, conflict) =
                    merge_versions(bk.map(|k| &k.versions), &ok.versions, &tk.versions, trust);
                if let Some(c) = conflict {
                    conflicts.push(KeyConflict {
                        key: name.clone(),
                        versions: c,
                    });
                }
                Some(Key { cols, versions })
            }
        };
        out.insert(name.clone(), merged);
    }
    (out, conflicts)
}

/// No merged value is less out of service than any side has it, under any name (DESIGN
/// §9 round 3: a key renamed on one side and rotated on the other must not bring the
/// retired value back as active under its new name). Values match by SHA-256.
fn floor_by_value(changes: &mut Changes, sides: [&Keys; 3]) {
    let mut most: HashMap<[u8; 32], &Ver> = HashMap::new();
    for side in sides {
        for k in side.values() {
            for (fp, v) in &k.versions {
                let e = most.entry(*fp).or_insert(v);
                if v.status > e.status {
                    *e = v;
                }
            }
        }
    }
    for k in changes.values_mut().flatten() {
        for (fp, v) in k.versions.iter_mut() {
            if let Some(m) = most.get(fp)
                && m.status > v.status
            {
                v.status = m.status;
                v.retire_at = m.retire_at.or(v.retire_at);
                v.revoked_at = m.revoked_at;
                v.revoked_by = m.revoked_by.clone();
                v.revoke_reason = m.revoke_reason.clone();
            }
        }
    }
}

/// Metadata columns, three-way: the side that changed wins; both changed: the safer
/// or earlier value where there is one, else ours (and a note).
fn merge_cols(
    name: &str,
    b: Option<&BTreeMap<Rc<str>, Value>>,
    o: &BTreeMap<Rc<str>, Value>,
    t: &BTreeMap<Rc<str>, Value>,
    notes: &mut Vec<String>,
) -> BTreeMap<Rc<str>, Value> {
    let mut out = o.clone();
    for (col, tv) in t {
        let ov = o.get(col).unwrap_or(&Value::Null);
        let bv = b.and_then(|b| b.get(col));
        if ov == tv || bv == Some(tv) {
            continue; // the same, or only ours changed it
        }
        if bv == Some(ov) {
            out.insert(col.clone(), tv.clone()); // only theirs changed it
            continue;
        }
        let pick = match &**col {
            // Shorter rotation period, earlier creation: the safer, the truer.
            "rotate_every" | "created" => min_value(ov, tv),
            // Hooks: the later one (a changed command needs approval again anyway).
            HOOK => {
                if hook_order(tv) > hook_order(ov) {
                    tv.clone()
                } else {
                    ov.clone()
                }
            }
            _ => {
                notes.push(format!(
                    "`{name}`: {col} changed on both sides; ours kept, theirs was {}",
                    describe(tv)
                ));
                ov.clone()
            }
        };
        out.insert(col.clone(), pick);
    }
    out
}

fn min_value(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Value::Integer(*x.min(y)),
        (Value::Null, v) | (v, Value::Null) => v.clone(),
        (a, _) => a.clone(),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "unset".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(s) => format!("\"{}\"", crate::output::escape(s)),
        Value::Blob(_) => "binary".into(),
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Three-way on an optional time: the side that changed wins; both: the earlier.
fn merge_time(b: Option<Option<i64>>, o: Option<i64>, t: Option<i64>) -> Option<i64> {
    match b {
        Some(b) if b == o => t,
        Some(b) if b == t => o,
        _ => min_opt(o, t),
    }
}

/// Versions of one key merged by value. Returns the versions and, when both sides
/// added values, their merged numbers (a conflict to resolve).
fn merge_versions(
    b: Option<&BTreeMap<[u8; 32], Ver>>,
    o: &BTreeMap<[u8; 32], Ver>,
    t: &BTreeMap<[u8; 32], Ver>,
    trust: Trust,
) -> (BTreeMap<[u8; 32], Ver>, Option<Vec<u32>>) {
    let empty = BTreeMap::new();
    let b = b.unwrap_or(&empty);
    let mut out = BTreeMap::new();
    for (value, ov) in o {
        let Some(tv) = t.get(value) else {
            // Only ours has it: new on ours, or (a BASE value) gone from theirs with
            // the key deleted and re-made there — then its deletion holds, if theirs
            // may delete.
            if !b.contains_key(value) || !trust.theirs {
                out.insert(*value, ov.clone());
            }
            continue;
        };
        let bv = b.get(value);
        // Status moves forward only; the earlier revocation is the one recorded.
        let status = ov.status.max(tv.status);
        let first_revoked = match (ov.revoked_at, tv.revoked_at) {
            (Some(x), Some(y)) if y < x => tv,
            (Some(_), _) => ov,
            (None, Some(_)) => tv,
            (None, None) => ov,
        };
        out.insert(
            *value,
            Ver {
                version: bv.map_or(ov.version, |b| b.version),
                value: ov.value.clone(),
                created: ov.created.min(tv.created),
                expires: merge_time(bv.map(|b| b.expires), ov.expires, tv.expires),
                status,
                retire_at: if status >= ST_RETIRING {
                    min_opt(ov.retire_at, tv.retire_at)
                } else {
                    None
                },
                revoked_at: first_revoked.revoked_at,
                revoked_by: first_revoked.revoked_by.clone(),
                revoke_reason: first_revoked.revoke_reason.clone(),
            },
        );
    }
    for (value, tv) in t {
        if !o.contains_key(value) && (!b.contains_key(value) || !trust.ours) {
            out.insert(*value, tv.clone());
        }
    }
    // New values from both sides: renumber after BASE's newest, deterministically.
    let new_o = o.keys().filter(|v| !b.contains_key(*v)).count();
    let new_t = t
        .keys()
        .filter(|v| !b.contains_key(*v) && !o.contains_key(*v))
        .count();
    if new_o == 0 || new_t == 0 {
        return (out, None);
    }
    let base_max = b.values().map(|v| v.version).max().unwrap_or(0);
    let mut fresh: Vec<(&[u8; 32], &mut Ver)> = out
        .iter_mut()
        .filter(|(fp, _)| !b.contains_key(*fp))
        .collect();
    fresh.sort_by_key(|(fp, v)| (v.created, **fp));
    // Either may be deployed: the newest value still active stays active, the other
    // active ones verify (retiring, no end) until someone picks. A value a side already
    // retired or revoked keeps its status.
    let keep_active = fresh.iter().rposition(|(_, v)| v.status == ST_ACTIVE);
    let mut numbers = Vec::with_capacity(fresh.len());
    for (i, (_, v)) in fresh.into_iter().enumerate() {
        v.version = base_max + 1 + i as u32;
        numbers.push(v.version);
        if Some(i) != keep_active && v.status == ST_ACTIVE {
            v.status = ST_RETIRING;
            v.retire_at = None;
        }
    }
    (out, Some(numbers))
}

/// Recipients: BASE ∪ added − removed. Returns the merged rows by recipient, and the
/// recipients each side removed that the other still had.
#[allow(clippy::type_complexity)]
/// Which sides may grant access, delete keys and pick the verifier key: a side that
/// still encrypted to someone the other side removed may have been written by them.
#[derive(Clone, Copy)]
struct Trust {
    ours: bool,
    theirs: bool,
}

/// The merged recipients and what the merge did to them.
struct Recipients {
    merged: BTreeMap<String, crate::vault::RecipientInfo>,
    /// Recipients BASE had that each side removed while the other kept them.
    removed_by_ours: Vec<String>,
    removed_by_theirs: Vec<String>,
    /// Added since BASE and in the result (the driver names them).
    added: Vec<String>,
    /// Added by a side not trusted with it, and left out: `(recipient, "ours"|"theirs")`.
    withheld: Vec<(String, &'static str)>,
    /// Which sides may grant, delete and pick the verifier key.
    trust: Trust,
}

/// Recipients: BASE ∪ added − removed, a removal on either side winning; additions by
/// a side not trusted (the other side removed someone of BASE) are withheld. Neither
/// side is an exception, not even this machine's: that it read or pinned a state only
/// says the state extends one the removed person could read.
fn merge_recipients(b: &EnvDb, o: &EnvDb, t: &EnvDb) -> Result<Recipients> {
    let set = |db: &EnvDb| -> Result<BTreeMap<String, crate::vault::RecipientInfo>> {
        Ok(db
            .recipients()?
            .into_iter()
            .map(|r| (r.recipient.clone(), r))
            .collect())
    };
    let (bs, os, ts) = (set(b)?, set(o)?, set(t)?);
    // Any recipient of BASE a side no longer lists, whatever the other side lists: a
    // removed member's branch may remove them too, to look like the other side.
    let removed_by_ours: Vec<String> = bs
        .keys()
        .filter(|r| !os.contains_key(*r))
        .cloned()
        .collect();
    let removed_by_theirs: Vec<String> = bs
        .keys()
        .filter(|r| !ts.contains_key(*r))
        .cloned()
        .collect();
    let (trust_ours, trust_theirs) = (removed_by_theirs.is_empty(), removed_by_ours.is_empty());
    let mut out = BTreeMap::new();
    let (mut added, mut withheld) = (Vec::new(), Vec::new());
    for (r, info) in os.iter().chain(ts.iter()) {
        if out.contains_key(r) || withheld.iter().any(|(w, _)| w == r) {
            continue;
        }
        let kept = if bs.contains_key(r) {
            os.contains_key(r) && ts.contains_key(r)
        } else {
            // New: granted by whichever side has it, if that side may grant.
            let by_ours = os.contains_key(r) && trust_ours;
            let by_theirs = ts.contains_key(r) && trust_theirs;
            if !(by_ours || by_theirs) {
                let side = if os.contains_key(r) { "ours" } else { "theirs" };
                withheld.push((r.clone(), side));
                continue;
            }
            added.push(r.clone());
            true
        };
        if kept {
            // Ours first (chain order): its label and who added it.
            out.insert(r.clone(), os.get(r).unwrap_or(info).clone());
        }
    }
    Ok(Recipients {
        merged: out,
        removed_by_ours,
        removed_by_theirs,
        added,
        withheld,
        trust: Trust {
            ours: trust_ours,
            theirs: trust_theirs,
        },
    })
}

/// Actor row ids in the result, inserted on first use (actors match by value).
#[derive(Default)]
struct ActorIds(HashMap<(String, String, String, String), i64>);

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
fn write_rows(
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
fn append_events(
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
fn insert_event(
    conn: &Connection,
    actors: &mut ActorIds,
    canon: &audit::Canonical,
    subject: Option<&str>,
    join: Option<[[u8; 32]; 2]>,
) -> Result<[u8; 32]> {
    insert_event_raw(conn, actors, canon, subject, None, join)
}

/// Insert one event row; `one`: an explicit single parent; `two`: a join.
fn insert_event_raw(
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
