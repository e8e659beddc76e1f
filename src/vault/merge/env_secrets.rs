//! The environment's own secrets in a merge, over plain data: which verifier key
//! (DESIGN §13) and which audit key (DESIGN §8 round 3) the result carries. No SQL,
//! no files: `load` reads them, `write` stores what is picked here.

use crate::secret::Secret;
use crate::vault::keyring::fingerprint;

use super::recipients::{RecipientSet, Trust};

/// A side's verifier key: its seed and when it was made.
#[derive(Clone, Debug)]
pub(super) struct VerifierKey {
    pub(super) created: i64,
    pub(super) seed: Secret,
}

/// Which side's verifier key the result carries (none, if that side has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pick {
    Ours,
    Theirs,
}

/// The verifier key (DESIGN §13), one per environment: the side that has one gives
/// it; two different ones (both sides made their first export) keep the older (then
/// the lower seed), and the merge says so: services that pinned the other public key
/// must pin this one.
pub(super) fn merge_verifier_key(
    ours: Option<&VerifierKey>,
    theirs: Option<&VerifierKey>,
    trust: Trust,
    notes: &mut Vec<String>,
) -> Pick {
    match (ours, theirs) {
        (_, None) => Pick::Ours,
        (Some(o), Some(t)) if o.seed == t.seed => Pick::Ours,
        // An untrusted side never chooses the key services pin.
        (_, Some(_)) if !trust.theirs => Pick::Ours,
        (Some(_), Some(_)) if !trust.ours => Pick::Theirs,
        (None, Some(_)) => Pick::Theirs,
        (Some(o), Some(t)) => {
            notes.push(
                "both sides made a verifier key: the older is kept; services that pinned the other must pin `keyward verifier pubkey` again".into(),
            );
            if (t.created, t.seed.expose()) < (o.created, o.seed.expose()) {
                Pick::Theirs
            } else {
                Pick::Ours
            }
        }
    }
}

/// A side's audit keys (oldest first, the last in force) and who can read that side:
/// every one of them may hold every key of its ring.
pub(super) struct AuditSide<'a> {
    pub(super) ring: Vec<&'a [u8; 32]>,
    pub(super) recipients: &'a RecipientSet,
}

impl<'a> AuditSide<'a> {
    fn current(&self) -> &'a [u8; 32] {
        self.ring.last().expect("a ring holds at least one key")
    }

    /// Whether everyone who could read this side is still a recipient of the result.
    fn nobody_left_out(&self, merged: &RecipientSet) -> bool {
        self.recipients.keys().all(|r| merged.contains_key(r))
    }

    /// Whether `key` was ever in this side's ring (so its readers may hold it).
    fn carried(&self, key: &[u8; 32]) -> bool {
        self.ring.contains(&key)
    }
}

/// The audit key in force in the result.
pub(super) enum AuditKey<'a> {
    /// Both sides have the same key in force and nobody is left out: ours as it is.
    Unchanged,
    /// This key (one side's current key) stays in force.
    Kept(&'a [u8; 32]),
    /// A fresh random key.
    Fresh,
}

/// The audit key of the result (DESIGN §8 round 3): nobody the merge leaves out may
/// hold it. Whoever read a state carrying a key holds it, so a side's key may be kept
/// only when the other side never carried it (it is not in the other side's ring) and
/// nobody of that side is left out; then its holders are all still recipients. When
/// both sides' keys qualify, the one with the lower fingerprint is kept — the same
/// whichever side merges, so two merges of one pair agree. Otherwise a fresh key.
pub(super) fn merge_audit_keys<'a>(
    ours: &AuditSide<'a>,
    theirs: &AuditSide<'a>,
    merged: &RecipientSet,
) -> AuditKey<'a> {
    let (o_all, t_all) = (ours.nobody_left_out(merged), theirs.nobody_left_out(merged));
    let (oc, tc) = (ours.current(), theirs.current());
    // One key, nobody left out: the result is ours as it is.
    if oc == tc && o_all && t_all {
        return AuditKey::Unchanged;
    }
    let mut candidates: Vec<&[u8; 32]> = Vec::new();
    if oc != tc {
        if o_all && !theirs.carried(oc) {
            candidates.push(oc);
        }
        if t_all && !ours.carried(tc) {
            candidates.push(tc);
        }
    }
    match candidates.into_iter().min_by_key(|k| fingerprint(k)) {
        Some(k) => AuditKey::Kept(k),
        None => AuditKey::Fresh,
    }
}

/// The replaced keys the result keeps beside `current`: both sides' rings, each
/// side's in its own order, ours first, each key once — so every machine's journal
/// rows still open in order.
pub(super) fn replaced_keys<'a>(
    ours: &AuditSide<'a>,
    theirs: &AuditSide<'a>,
    current: &[u8; 32],
) -> Vec<&'a [u8; 32]> {
    let mut out: Vec<&[u8; 32]> = Vec::new();
    for k in ours.ring.iter().chain(theirs.ring.iter()) {
        if *k != current && !out.contains(k) {
            out.push(k);
        }
    }
    out
}
