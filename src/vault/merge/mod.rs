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
//!
//! What lives where, by the sections of a merge: `side` opens a side and checks that
//! its rows follow from its events; `load` reads keys into plain data; `versions`,
//! `columns`, `keys` and `floor` merge them by the rules above; `recipients` merges the
//! recipient set and decides the trust between sides; `env_secrets` picks the verifier
//! key and the audit key; `write` builds the merged image. This file runs a merge in
//! that order.

mod columns;
mod env_secrets;
mod floor;
mod keys;
mod load;
mod recipients;
mod side;
mod versions;
mod write;

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::audit::{self, Action, Actor};
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::recipient::RecipientString;
use crate::vault::VaultPaths;
use crate::vault::schema::ST_REVOKED;
use crate::vault::store::{replace_encrypted, settle_fingerprints};

use env_secrets::{merge_audit_keys, merge_verifier_key};
use floor::floor_by_value;
use keys::merge_keys;
use load::load_keys;
use recipients::merge_recipients;
use side::{Side, follows, signatures};
use write::{
    ActorIds, append_events, insert_event, migrate, tmp_beside, write_atomically, write_rows,
};

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
            .map_err(|e| Error::Other(format!("cannot encrypt to the recipients: {e}")))?;
    // The index in ours' image is empty when ours was compressed: rebuilt if the
    // result is too large to be.
    settle_fingerprints(&conn, o.db.packed)?;
    let data = conn.serialize(rusqlite::MAIN_DB)?;
    replace_encrypted(&tmp_beside(ours), ours, encryptor, &data)?;
    Ok(merged)
}

fn refused(env: &EnvName, why: String) -> Error {
    Error::GitMergeRefused {
        env: env.clone(),
        why,
    }
}

fn bad(detail: &str) -> Error {
    Error::CorruptDb {
        detail: detail.into(),
    }
}
