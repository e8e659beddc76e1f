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
//! - new values on both sides for one key (each side has a value neither BASE nor the
//!   other side has: both rotated it, or both added the name): all kept, numbered
//!   after BASE's newest in a deterministic order (creation time, then fingerprint);
//!   the newest still active stays active, the other active new ones retire with no
//!   end until someone picks (`git resolve`, or a rotation); a `merge-conflict` event
//!   makes `check` report the key until then;
//! - metadata changed on one side wins; changed on both: the shorter rotation period,
//!   the earlier creation, the later hook, else ours (reported);
//! - a key deleted on one side: its BASE values are gone; values the other side added
//!   since are kept (nothing new is lost);
//! - recipients: BASE ∪ added − removed (a removal on either side wins); a value the
//!   other side created while it still encrypted to a removed recipient is recorded
//!   `exposed` to that recipient, and `check` demands its rotation;
//! - events: every event of both sides once, the two chains joined by a `merge` event
//!   whose hash covers both heads (the chain is a DAG; both sides' heads stay in it);
//! - trust between sides (round 3): a side is untrusted when the other side removed
//!   anyone of BASE, whatever it lists now; its grants are withheld and named, its
//!   deletes ignored, its new values marked exposed, and it never picks the verifier
//!   key (but see `env_secrets::merge_verifier_key`). No merged value, in any key, is
//!   less out of service than BASE or either side has it, under any name — nor than a
//!   side's events say it took it before deleting its key (`floor`).
//!
//! What lives where. The rules are pure functions over plain data (no SQL, no files):
//! `versions` (one key's versions by value), `columns` (metadata and hooks,
//! three-way), `keys` (keys by name), `floor` (statuses by value across names),
//! `recipients` (the set, and trust between sides), `exposed` (values a removed
//! recipient could read), `env_secrets` (the verifier key and the audit key) — each
//! with its unit and property tests beside it; `props` (tests only) holds the
//! properties that span them, `testkit` (tests only) the builders and the generator
//! of sides. The rest reads and writes: `side` opens a side and checks that its rows
//! follow from its events, `load` reads a side into plain data, `write` builds and
//! encrypts the merged image, `chain` appends the events, `report` is what a merge
//! returns. This file runs a merge in that order and decides no rule itself.

mod chain;
mod columns;
mod env_secrets;
mod exposed;
mod floor;
mod keys;
mod labels;
mod load;
#[cfg(test)]
mod props;
mod recipients;
mod report;
mod side;
mod signers;
#[cfg(test)]
mod testkit;
mod versions;
mod write;

use std::path::Path;

use crate::error::{Error, Result};
use crate::vault::VaultPaths;
use crate::vault::paths::PinDir;

pub use report::{ExposedVersion, KeyConflict, Merged, Outcome};
pub use signers::{Barred, barred};

use crate::vault::signed::Signing;
use chain::{append_events, record_merge};
use env_secrets::{AuditSide, Kept, VerifierKey, merge_audit_keys, pick_verifier_key};
use exposed::exposed_versions;
use floor::{deleted_out_of_service, floor_by_value, raised_at_base};
use keys::{keys_to_merge, merge_keys};
use load::{load_keys, recipients_of, verifier_key_of};
use recipients::merge_recipients;
use report::refused;
use side::{both_follow, check_sides, follows, open_sides};
use signers::{Judged, judge, sign_merge};
use write::{
    ActorIds, copy_meta, encrypt_over, image_of, migrate, store_audit_key, store_verifier_key,
    write_atomically, write_rows,
};

/// Merge `base` and `theirs` into the env file at `ours` (git's `%O %B %A`). On any
/// error `ours` is untouched (git then reports a conflict). `pins`: this machine's, to
/// tell an OURS verified here (not verified again).
#[allow(clippy::too_many_arguments)]
pub fn merge_files(
    paths: &VaultPaths,
    base: &[u8],
    ours: &Path,
    theirs: &[u8],
    identity: &dyn age::Identity,
    signing: &Signing<'_>,
    pins: Option<&PinDir>,
) -> Result<Merged> {
    let (actor, now) = (signing.actor, signing.now);
    let ours_bytes = std::fs::read(ours).map_err(|e| Error::io("cannot read", ours, e))?;
    // Only keys whose rows differ are looked at: a cheap signature per key first (most
    // keys of a large environment are the same on all three sides).
    let hasher = std::collections::hash_map::RandomState::new();
    let ([b, o, t], [bs, os, ts]) =
        open_sides(paths, [base, &ours_bytes, theirs], identity, pins, &hasher)?;
    let env = o.db.env.clone();
    check_sides(&b, &o, &t)?;
    // A THEIRS every read refuses is refused here too, even where ours would be kept as
    // it is: the merge commit would put a file into the branch's history that `audit
    // verify --git` then reports for ever, and git would say nothing of it.
    let theirs_verified = || match &t.verified {
        Ok(_) => Ok(()),
        Err(e) => Err(refused(
            &env,
            format!(
                "THEIRS's signed history does not verify ({})",
                e.to_string().lines().next().unwrap_or_default()
            ),
        )),
    };
    if o.holds(&t.head()) {
        // Ours is kept as it is; a THEIRS whose rows were edited after its last event is
        // still refused, so the edit never enters the merged history.
        follows(&env, "THEIRS", &b, &bs, &t, &ts)?;
        theirs_verified()?;
        return Ok(Merged::new(&env, Outcome::OursHasTheirs));
    }
    if t.holds(&o.head()) {
        // A fast-forward takes THEIRS as it is: only if its rows follow from ours' by
        // the events it adds (DESIGN §8 round 3), and its signatures hold (§15).
        follows(&env, "THEIRS", &o, &os, &t, &ts)?;
        theirs_verified()?;
        write_atomically(ours, theirs)?;
        return Ok(Merged::new(&env, Outcome::TookTheirs));
    }
    // Each side's rows must follow from BASE's by the events it added: a status edited
    // back, a value changed or a version dropped by hand is refused, never merged.
    let (mut o, t) = both_follow(&env, &b, &bs, [(o, &os), (t, &ts)])?;
    // DESIGN §15: changes signed by someone the other side removed (or who could not
    // write) are dropped and named.
    let signed = match judge(&env, &b, &o, &t)? {
        Judged::Both { signed } => signed,
        Judged::Drop { side, signers } => {
            let mut m = Merged::new(
                &env,
                if side == "THEIRS" {
                    Outcome::DroppedTheirs
                } else {
                    Outcome::DroppedOurs
                },
            );
            m.notes.push(format!(
                "{side}'s changes are all signed by {}, whom the other side removed or no longer allows to make them: left out",
                signers.join(", ")
            ));
            if side == "OURS" {
                write_atomically(ours, theirs)?;
            }
            return Ok(m);
        }
    };

    // The events theirs adds (recomputed when the side was opened).
    let theirs_new = t.events_not_in(&o);
    let mut merged = Merged::new(&env, Outcome::Merged);
    let (b_rs, o_rs, t_rs) = (
        recipients_of(&b.db)?,
        recipients_of(&o.db)?,
        recipients_of(&t.db)?,
    );
    // DESIGN §9 round 3, and a removed recipient's way back: when one side removed a
    // recipient of BASE, the other side may be that person's work (they hold BASE) —
    // whatever it lists now: removing themselves there costs them nothing. Such a side
    // is not trusted with what would hurt: granting access, deleting keys, choosing the
    // verifier key — and every key either side changed is merged field by field.
    let rs = merge_recipients(&b_rs, &o_rs, &t_rs);
    let trust = rs.trust;
    let differ = keys_to_merge([&bs, &os, &ts]);
    let bk = load_keys(&b.db, &differ)?;
    let ok = load_keys(&o.db, &differ)?;
    let tk = load_keys(&t.db, &differ)?;
    let (mut keys, conflicts) = merge_keys(&differ, &bk, &ok, &tk, trust, &mut merged.notes);
    // A side's revocation or rotation of a key it then deleted has no row left: its
    // events say what the value under another name must stay.
    let gone = [(&ok, &o), (&tk, &t)]
        .map(|(k, s)| (k, deleted_out_of_service(s.events(), |e| !b.holds(&e.hash))));
    let mut deleted = Vec::new();
    if gone.iter().any(|(_, d)| !d.is_empty()) {
        let names = gone
            .iter()
            .flat_map(|(_, d)| d.iter().map(|d| d.key.clone()));
        let at_base = load_keys(&b.db, &names.collect())?;
        for (side, d) in &gone {
            deleted.extend(raised_at_base(d, &at_base, side));
        }
    }
    floor_by_value(&mut keys, [&bk, &ok, &tk], &deleted);
    for (r, side) in &rs.withheld {
        merged.notes.push(format!(
            "{side} granted access to {r}, but the other side removed someone who could have written {side}: not granted; review, then `keyward access grant -e {env} {r}` if it is right"
        ));
    }
    merged.added_recipients = rs.added.clone();
    if rs.merged.is_empty() {
        return Err(refused(&env, "no recipient would be left".into()));
    }
    if let Some((label, one, other)) = rs.label_clash() {
        return Err(refused(
            &env,
            format!(
                "the sides give the label `{}` to two members ({} and {}), and a label names one: `git merge --abort`, relabel one of them on your side (`keyward access grant -e {env} RECIPIENT --name …`), commit, and merge again",
                crate::text::escape(&label),
                crate::recipient::short_recipient(&one),
                crate::recipient::short_recipient(&other)
            ),
        ));
    }

    // The result: OURS's image (schema, meta, actors, events) with the merged rows.
    let mut conn = image_of(&mut o.db)?;
    let tx = conn.transaction()?;
    let labelled = migrate(&tx, &o.db, &t.db)?;
    if trust.theirs {
        copy_meta(&tx, &t.db)?;
    }
    let (ours_verifier, theirs_verifier) = (verifier_key_of(&o.db)?, verifier_key_of(&t.db)?);
    let kept = pick_verifier_key(
        [
            (ours_verifier.as_ref(), &o_rs),
            (theirs_verifier.as_ref(), &t_rs),
        ],
        &rs.merged,
        trust,
        &mut merged.notes,
    );
    match (kept, &theirs_verifier) {
        (Kept::Theirs, Some(k)) => store_verifier_key(&tx, k)?,
        (Kept::Fresh, _) => {
            let fresh = VerifierKey {
                created: now,
                seed: crate::secret::Secret::new(crate::secret::random_key().to_vec()),
            };
            store_verifier_key(&tx, &fresh)?;
            merged.notes.push(format!(
                "the verifier key was replaced (someone this merge leaves out could read every side's): pin {} in every service and export a new set",
                fresh.public()
            ));
        }
        _ => {}
    }
    let (o_ring, t_ring) = (o.db.audit_keys()?, t.db.audit_keys()?);
    let (o_audit, t_audit) = (
        AuditSide {
            ring: o_ring.all().collect(),
            recipients: &o_rs,
        },
        AuditSide {
            ring: t_ring.all().collect(),
            recipients: &t_rs,
        },
    );
    let audit_key = merge_audit_keys(&o_audit, &t_audit, &rs.merged);
    store_audit_key(&tx, audit_key, &o_audit, &t_audit)?;
    let mut actors = ActorIds::default();
    append_events(&tx, &o, &theirs_new, &mut actors)?;
    write_rows(&tx, &keys, &rs.merged, &mut actors)?;
    let (bf, of, tf) = (
        b.db.former_labels()?,
        o.db.former_labels()?,
        t.db.former_labels()?,
    );
    let former = labels::former_labels(
        [
            Some(&bf[..]),
            trust.ours.then_some(&of[..]),
            trust.theirs.then_some(&tf[..]),
        ],
        &b_rs,
        &rs.merged,
    );
    if labelled {
        labels::write_former_labels(&tx, &former)?;
    }
    // Values created on a side that still encrypted to someone the other side removed,
    // or on a side not trusted (it may be that person's work, whatever it lists now).
    let exposed = exposed_versions(&rs, &o_rs, &t_rs, [&bk, &ok, &tk], &keys);
    let heads = [o.head(), t.head()];
    record_merge(
        &tx,
        &mut actors,
        &env,
        actor,
        now,
        heads,
        &rs,
        &conflicts,
        &exposed,
    )?;
    if signed {
        sign_merge(&tx, &env, &o, &t, &theirs_new, signing)?;
    }
    tx.commit()?;
    merged.conflicts = conflicts;
    merged.exposed = exposed;

    // Encrypted to the merged recipients; never plaintext on disk. The three sides and
    // their images are freed meanwhile (freeing them took a twentieth of a 10,000-key merge).
    let packed = o.db.packed;
    let ((), written) = crate::sys::both(
        move || drop((b, o, t)),
        || encrypt_over(ours, &mut conn, &rs.merged, packed),
    );
    merged.written = written?;
    Ok(merged)
}
