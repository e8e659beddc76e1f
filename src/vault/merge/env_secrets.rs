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

impl VerifierKey {
    /// The public key services pin.
    pub(super) fn public(&self) -> keyward_verifier::PublicKey {
        let seed: [u8; 32] = self.seed.expose().try_into().unwrap_or([0; 32]);
        keyward_verifier::SigningKey::from_seed(&seed).public()
    }
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
/// must pin this one. An untrusted THEIRS never gives its key. Not yet symmetric: an
/// untrusted OURS keeps the key it made when THEIRS has none, or when neither side is
/// trusted (making it so means dropping a key from the result: not decided here).
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

/// Which verifier key the result carries, once exposure is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kept {
    /// OURS's (or none, if OURS has none).
    Ours,
    Theirs,
    /// A fresh key: every side's key could be read by someone the merge leaves out.
    Fresh,
}

/// The verifier key of the result (DESIGN §13): [`merge_verifier_key`] among the sides'
/// keys that nobody the merge leaves out could read — a reader of a side carrying the
/// key who is not a recipient of the result (one side removed them, which replaced its
/// own key, while the other side still has the old one). A removed reader must not keep
/// a key services accept sets from, so such a key is never kept, however old; when no
/// side's key qualifies, the result gets a fresh one.
pub(super) fn pick_verifier_key(
    sides: [(Option<&VerifierKey>, &RecipientSet); 2],
    merged: &RecipientSet,
    trust: Trust,
    notes: &mut Vec<String>,
) -> Kept {
    let exposed = |k: &VerifierKey| {
        sides.iter().any(|(key, readers)| {
            key.is_some_and(|c| c.seed == k.seed) && readers.keys().any(|r| !merged.contains_key(r))
        })
    };
    let [(ours, _), (theirs, _)] = sides;
    let (o, t) = (ours.filter(|k| !exposed(k)), theirs.filter(|k| !exposed(k)));
    let kept = match merge_verifier_key(o, t, trust, notes) {
        Pick::Theirs if t.is_some() => Kept::Theirs,
        // OURS's image keeps its key, unless that key is exposed.
        _ if o.is_none() && ours.is_some() => Kept::Fresh,
        _ => Kept::Ours,
    };
    // A key services may pin, dropped because a reader the merge leaves out could read
    // it, is named (the result may keep none: the side that made it is not trusted, and
    // a key made here would be a setting neither side made).
    let kept_seed = match kept {
        Kept::Ours => o.map(|k| &k.seed),
        Kept::Theirs => t.map(|k| &k.seed),
        Kept::Fresh => None,
    };
    let mut named: Vec<&Secret> = Vec::new();
    for k in [ours, theirs].into_iter().flatten() {
        if exposed(k) && kept_seed != Some(&k.seed) && !named.contains(&&k.seed) {
            named.push(&k.seed);
            notes.push(format!(
                "the verifier key {} is not kept: someone this merge leaves out could read it; services pinning it must pin the environment's key instead (`keyward verifier pubkey`, or the one the next `keyward verifier export` makes)",
                k.public()
            ));
        }
    }
    kept
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::vault::merge::recipients::merge_recipients;
    use crate::vault::merge::testkit::{BOTH, recipients};

    fn vk(created: i64, seed: u8) -> VerifierKey {
        VerifierKey {
            created,
            seed: Secret::new(vec![seed; 32]),
        }
    }

    #[test]
    fn the_side_that_has_a_verifier_key_gives_it() {
        let mut notes = Vec::new();
        let k = vk(10, 1);
        assert_eq!(
            merge_verifier_key(None, Some(&k), BOTH, &mut notes),
            Pick::Theirs
        );
        assert_eq!(
            merge_verifier_key(Some(&k), None, BOTH, &mut notes),
            Pick::Ours
        );
        assert_eq!(
            merge_verifier_key(Some(&k), Some(&k), BOTH, &mut notes),
            Pick::Ours
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn two_verifier_keys_keep_the_older_then_the_lower_seed_and_say_so() {
        let (older, newer) = (vk(10, 9), vk(20, 1));
        let mut notes = Vec::new();
        assert_eq!(
            merge_verifier_key(Some(&newer), Some(&older), BOTH, &mut notes),
            Pick::Theirs
        );
        assert_eq!(
            merge_verifier_key(Some(&older), Some(&newer), BOTH, &mut notes),
            Pick::Ours
        );
        let (low, high) = (vk(10, 1), vk(10, 2));
        assert_eq!(
            merge_verifier_key(Some(&high), Some(&low), BOTH, &mut notes),
            Pick::Theirs
        );
        assert_eq!(notes.len(), 3);
        assert!(notes[0].contains("`keyward verifier pubkey`"));
    }

    #[test]
    fn a_side_not_trusted_never_picks_the_verifier_key() {
        let (older, newer) = (vk(10, 9), vk(20, 1));
        let mut notes = Vec::new();
        let not_theirs = Trust {
            ours: true,
            theirs: false,
        };
        assert_eq!(
            merge_verifier_key(None, Some(&older), not_theirs, &mut notes),
            Pick::Ours
        );
        assert_eq!(
            merge_verifier_key(Some(&newer), Some(&older), not_theirs, &mut notes),
            Pick::Ours
        );
        let not_ours = Trust {
            ours: false,
            theirs: true,
        };
        assert_eq!(
            merge_verifier_key(Some(&older), Some(&newer), not_ours, &mut notes),
            Pick::Theirs
        );
        assert!(notes.is_empty(), "no choice was made between two keys");
    }

    const K: [[u8; 32]; 6] = [[0; 32], [1; 32], [2; 32], [3; 32], [4; 32], [5; 32]];

    fn side<'a>(ring: &[&'a [u8; 32]], rs: &'a RecipientSet) -> AuditSide<'a> {
        AuditSide {
            ring: ring.to_vec(),
            recipients: rs,
        }
    }

    #[test]
    fn one_key_and_nobody_left_out_leaves_ours_as_it_is() {
        let rs = recipients(&["ann", "bob"]);
        let (o, t) = (side(&[&K[0]], &rs), side(&[&K[0]], &rs));
        assert!(matches!(merge_audit_keys(&o, &t, &rs), AuditKey::Unchanged));
        // The same key but someone left out: a fresh one.
        let merged = recipients(&["ann"]);
        assert!(matches!(merge_audit_keys(&o, &t, &merged), AuditKey::Fresh));
    }

    #[test]
    fn a_sides_key_is_kept_when_nobody_left_out_ever_held_it() {
        // Ours removed cat and replaced the key (K1); theirs still holds K0, which cat
        // read: K1 is kept, K0 is not.
        let (br, or) = (recipients(&["ann", "cat"]), recipients(&["ann"]));
        let merged = merge_recipients(&br, &or, &br).merged;
        let (o, t) = (side(&[&K[0], &K[1]], &or), side(&[&K[0]], &br));
        assert!(matches!(merge_audit_keys(&o, &t, &merged), AuditKey::Kept(k) if *k == K[1]));
        assert!(matches!(merge_audit_keys(&t, &o, &merged), AuditKey::Kept(k) if *k == K[1]));
        assert_eq!(replaced_keys(&o, &t, &K[1]), [&K[0]]);
    }

    #[test]
    fn a_key_the_other_side_carried_is_not_kept() {
        // Theirs moved on from K1 (its ring holds it): whoever theirs left out read it.
        let rs = recipients(&["ann"]);
        let (o, t) = (
            side(&[&K[0], &K[1]], &rs),
            side(&[&K[0], &K[1], &K[2]], &rs),
        );
        let dan = recipients(&["ann", "dan"]);
        let t_with_dan = side(&[&K[0], &K[1], &K[2]], &dan);
        assert!(matches!(
            merge_audit_keys(&o, &t_with_dan, &rs),
            AuditKey::Fresh
        ));
        // Nobody left out: theirs' K2, which ours never carried, is kept.
        assert!(matches!(merge_audit_keys(&o, &t, &rs), AuditKey::Kept(k) if *k == K[2]));
    }

    #[test]
    fn both_keys_qualifying_keep_the_lower_fingerprint_whichever_side_merges() {
        let rs = recipients(&["ann"]);
        let (o, t) = (side(&[&K[0], &K[1]], &rs), side(&[&K[0], &K[2]], &rs));
        let lower = if fingerprint(&K[1]) < fingerprint(&K[2]) {
            K[1]
        } else {
            K[2]
        };
        assert!(matches!(merge_audit_keys(&o, &t, &rs), AuditKey::Kept(k) if *k == lower));
        assert!(matches!(merge_audit_keys(&t, &o, &rs), AuditKey::Kept(k) if *k == lower));
    }

    #[test]
    fn the_replaced_keys_are_both_rings_once_ours_first() {
        let rs = recipients(&["ann"]);
        let (o, t) = (
            side(&[&K[0], &K[1]], &rs),
            side(&[&K[0], &K[2], &K[3]], &rs),
        );
        assert_eq!(replaced_keys(&o, &t, &K[3]), [&K[0], &K[1], &K[2]]);
        assert_eq!(replaced_keys(&o, &t, &K[5]), [&K[0], &K[1], &K[2], &K[3]]);
    }

    const PEOPLE: [&str; 5] = ["ann", "bob", "cat", "dan", "eve"];

    /// BASE's ring and recipients; each side removes or adds some, replacing the key
    /// on every removal (and sometimes for no removal: a merge's fresh key). Theirs
    /// may have taken ours' keys before moving on (an earlier merge of ours).
    #[allow(clippy::type_complexity)]
    fn rings() -> impl Strategy<Value = (Vec<u8>, [BTreeSet<usize>; 3], Vec<u8>, Vec<u8>)> {
        let people = || proptest::collection::btree_set(0..PEOPLE.len(), 1..4);
        let shape = (1..3u8, 0..2u8, 0..2u8, any::<bool>());
        (shape, people(), people(), people()).prop_map(
            |((base_len, o_more, t_more, t_took_ours), b, o, t)| {
                let base: Vec<u8> = (0..base_len).collect();
                let replaced = |side: &BTreeSet<usize>| u8::from(b.difference(side).count() > 0);
                let mut o_ring = base.clone();
                o_ring.extend((0..replaced(&o) + o_more).map(|i| 10 + i));
                let mut t_ring = if t_took_ours {
                    o_ring.clone()
                } else {
                    base.clone()
                };
                t_ring.extend((0..replaced(&t) + t_more).map(|i| 20 + i));
                (base, [b, o, t], o_ring, t_ring)
            },
        )
    }

    proptest! {
        /// DESIGN §8 round 3: a kept audit key was never held by anyone the merge leaves
        /// out (whoever could read a side may hold every key of its ring).
        #[test]
        fn a_kept_audit_key_was_never_held_by_anyone_left_out((base, people, o_ring, t_ring) in rings()) {
            let keys: Vec<[u8; 32]> = (0..32u8).map(|i| [i; 32]).collect();
            let [b, o, t] = people.map(|s| recipients(&s.iter().map(|i| PEOPLE[*i]).collect::<Vec<_>>()));
            let merged = merge_recipients(&b, &o, &t).merged;
            let ring = |r: &[u8]| r.iter().map(|i| &keys[*i as usize]).collect::<Vec<_>>();
            let (os, ts) = (side(&ring(&o_ring), &o), side(&ring(&t_ring), &t));
            let base_side = side(&ring(&base), &b);
            let kept = match merge_audit_keys(&os, &ts, &merged) {
                AuditKey::Kept(k) => *k,
                AuditKey::Unchanged => *os.current(),
                AuditKey::Fresh => return Ok(()),
            };
            for s in [&base_side, &os, &ts] {
                if s.carried(&kept) {
                    for r in s.recipients.keys() {
                        prop_assert!(merged.contains_key(r), "{} held the kept key and is left out", r);
                    }
                }
            }
        }

        /// DESIGN §8 round 3: two merges of one pair agree on the audit key.
        #[test]
        fn the_audit_key_is_the_same_whichever_side_merges((_base, people, o_ring, t_ring) in rings()) {
            let keys: Vec<[u8; 32]> = (0..32u8).map(|i| [i; 32]).collect();
            let [b, o, t] = people.map(|s| recipients(&s.iter().map(|i| PEOPLE[*i]).collect::<Vec<_>>()));
            let merged = merge_recipients(&b, &o, &t).merged;
            let ring = |r: &[u8]| r.iter().map(|i| &keys[*i as usize]).collect::<Vec<_>>();
            let (os, ts) = (side(&ring(&o_ring), &o), side(&ring(&t_ring), &t));
            let pick = |x: &AuditSide<'_>, y: &AuditSide<'_>| match merge_audit_keys(x, y, &merged) {
                AuditKey::Unchanged => Some(*x.current()),
                AuditKey::Kept(k) => Some(*k),
                AuditKey::Fresh => None,
            };
            prop_assert_eq!(pick(&os, &ts), pick(&ts, &os));
        }
    }
}
