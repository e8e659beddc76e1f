//! The environment's own secrets in a merge: which verifier key (DESIGN §13) and which
//! audit key (DESIGN §8 round 3) the result carries.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::secret::Secret;
use crate::vault::store::EnvDb;

use super::recipients::Trust;

/// The verifier key (DESIGN §13), one per environment: the side that has one gives
/// it; two different ones (both sides made their first export) keep the older (then
/// the lower seed), and the merge says so: services that pinned the other public key
/// must pin this one.
pub(super) fn merge_verifier_key(
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

/// The audit key of the result (DESIGN §8 round 3): nobody the merge leaves out may
/// hold it. Whoever read a state carrying a key holds it, so a side's key may be kept
/// only when the other side never carried it (it is not in the other side's ring) and
/// nobody of that side is left out; then its holders are all still recipients. When
/// both sides' keys qualify, the one with the lower fingerprint is kept — the same
/// whichever side merges, so two merges of one pair agree. Otherwise a fresh key. The
/// replaced keys of both sides are kept, each side's in its own order, so every
/// machine's journal rows still open in order.
pub(super) fn merge_audit_keys(
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
