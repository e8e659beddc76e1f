//! One key's versions merged by value (DESIGN §9), over plain data: statuses only
//! forward, the earlier expiry, end of grace and revocation, and new values from both
//! sides renumbered after BASE's newest in a deterministic order. No SQL, no files.

use std::collections::BTreeMap;

use crate::audit::Actor;
use crate::secret::Secret;
use crate::vault::schema::{ST_ACTIVE, ST_RETIRING};

use super::recipients::Trust;

/// A version as merged: the value and its lifecycle columns.
#[derive(Clone, Debug)]
pub(super) struct Ver {
    pub(super) version: u32,
    pub(super) value: Secret,
    pub(super) created: i64,
    pub(super) expires: Option<i64>,
    pub(super) status: i64,
    pub(super) retire_at: Option<i64>,
    pub(super) revoked_at: Option<i64>,
    pub(super) revoked_by: Option<Actor>,
    pub(super) revoke_reason: Option<String>,
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
pub(super) fn merge_versions(
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
    // New values from both sides — each side has one neither BASE nor the other side
    // has (a value both made the same way, as both renaming one key, is no conflict):
    // renumber after BASE's newest, deterministically.
    let new_on = |x: &BTreeMap<[u8; 32], Ver>, y: &BTreeMap<[u8; 32], Ver>| {
        x.keys().any(|v| !b.contains_key(v) && !y.contains_key(v))
    };
    if !new_on(o, t) || !new_on(t, o) {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::vault::merge::recipients::merge_recipients;
    use crate::vault::merge::testkit::{BOTH, actor, fp, sides, ver, versions};
    use crate::vault::schema::{ST_RETIRED, ST_REVOKED};

    const NOT_THEIRS: Trust = Trust {
        ours: true,
        theirs: false,
    };

    #[test]
    fn a_status_only_moves_forward_whichever_side_moved_it() {
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let o = versions([ver(1, 1, ST_RETIRED, 10)]);
        let t = versions([ver(1, 1, ST_RETIRING, 10)]);
        for (o, t) in [(&o, &t), (&t, &o)] {
            let (out, conflict) = merge_versions(Some(&b), o, t, BOTH);
            assert_eq!(out[&fp(1)].status, ST_RETIRED);
            assert!(conflict.is_none());
        }
    }

    #[test]
    fn the_earlier_revocation_is_the_one_recorded() {
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let revoked = |at: i64, who: &str| {
            let mut v = ver(1, 1, ST_REVOKED, 10);
            v.revoked_at = Some(at);
            v.revoked_by = Some(actor(who));
            v.revoke_reason = Some(format!("{who} saw it leak"));
            versions([v])
        };
        let (o, t) = (revoked(40, "ours"), revoked(30, "theirs"));
        for (o, t) in [(&o, &t), (&t, &o)] {
            let v = &merge_versions(Some(&b), o, t, BOTH).0[&fp(1)];
            assert_eq!(v.revoked_at, Some(30));
            assert_eq!(v.revoked_by, Some(actor("theirs")));
            assert_eq!(v.revoke_reason.as_deref(), Some("theirs saw it leak"));
        }
    }

    #[test]
    fn an_expiry_changed_on_one_side_wins_and_on_both_the_earlier() {
        let at = |b: Option<i64>, o: Option<i64>, t: Option<i64>| {
            let side = |e| {
                let mut v = ver(1, 1, ST_ACTIVE, 10);
                v.expires = e;
                versions([v])
            };
            merge_versions(Some(&side(b)), &side(o), &side(t), BOTH).0[&fp(1)].expires
        };
        // One side changed it: that side's, even when later or removed.
        assert_eq!(at(Some(30), Some(30), Some(60)), Some(60));
        assert_eq!(at(Some(30), None, Some(30)), None);
        // Both changed it: the earlier.
        assert_eq!(at(Some(30), Some(50), Some(40)), Some(40));
        assert_eq!(at(None, Some(50), Some(40)), Some(40));
        assert_eq!(at(Some(30), None, Some(40)), Some(40));
    }

    #[test]
    fn grace_ends_at_the_earlier_time_and_only_for_a_value_out_of_service() {
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let retiring = |at: i64| {
            let mut v = ver(1, 1, ST_RETIRING, 10);
            v.retire_at = Some(at);
            versions([v])
        };
        let (o, t) = (retiring(70), retiring(50));
        assert_eq!(
            merge_versions(Some(&b), &o, &t, BOTH).0[&fp(1)].retire_at,
            Some(50)
        );
        let mut active = ver(1, 1, ST_ACTIVE, 10);
        active.retire_at = Some(99); // not a state keyward writes: dropped
        let a = versions([active]);
        assert_eq!(
            merge_versions(Some(&b), &a, &a, BOTH).0[&fp(1)].retire_at,
            None
        );
    }

    #[test]
    fn new_values_on_both_sides_follow_bases_newest_and_the_newest_stays_active() {
        let b = versions([ver(1, 1, ST_RETIRED, 10), ver(2, 2, ST_ACTIVE, 20)]);
        let o = versions([
            ver(1, 1, ST_RETIRED, 10),
            ver(2, 2, ST_RETIRING, 20),
            ver(3, 3, ST_ACTIVE, 101),
        ]);
        let t = versions([
            ver(1, 1, ST_RETIRED, 10),
            ver(2, 2, ST_RETIRING, 20),
            ver(4, 3, ST_ACTIVE, 100),
        ]);
        for (o, t) in [(&o, &t), (&t, &o)] {
            let (out, conflict) = merge_versions(Some(&b), o, t, BOTH);
            assert_eq!(conflict, Some(vec![3, 4]));
            // Value 4 was made first: v3, retiring with no end until someone picks.
            let (v3, v4) = (&out[&fp(4)], &out[&fp(3)]);
            assert_eq!(
                (v3.version, v3.status, v3.retire_at),
                (3, ST_RETIRING, None)
            );
            assert_eq!((v4.version, v4.status), (4, ST_ACTIVE));
            assert_eq!(out[&fp(2)].version, 2);
        }
    }

    #[test]
    fn values_made_at_the_same_time_are_numbered_by_fingerprint() {
        let o = versions([ver(1, 1, ST_ACTIVE, 100)]);
        let t = versions([ver(2, 1, ST_ACTIVE, 100)]);
        let (out, conflict) = merge_versions(None, &o, &t, BOTH);
        assert_eq!(conflict, Some(vec![1, 2]));
        let (first, second) = if fp(1) < fp(2) { (1, 2) } else { (2, 1) };
        assert_eq!(out[&fp(first)].version, 1);
        assert_eq!(out[&fp(second)].version, 2);
        assert_eq!(out[&fp(second)].status, ST_ACTIVE);
    }

    #[test]
    fn a_new_value_a_side_took_out_of_service_keeps_its_status() {
        // Theirs rotated twice and revoked its newest; ours rotated once.
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let o = versions([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 100)]);
        let t = versions([
            ver(1, 1, ST_RETIRED, 10),
            ver(3, 2, ST_RETIRED, 101),
            ver(4, 3, ST_REVOKED, 102),
        ]);
        let (out, conflict) = merge_versions(Some(&b), &o, &t, BOTH);
        assert_eq!(conflict, Some(vec![2, 3, 4]));
        // The newest still active is ours' value: it stays active.
        assert_eq!((out[&fp(2)].version, out[&fp(2)].status), (2, ST_ACTIVE));
        assert_eq!((out[&fp(3)].version, out[&fp(3)].status), (3, ST_RETIRED));
        assert_eq!((out[&fp(4)].version, out[&fp(4)].status), (4, ST_REVOKED));
    }

    #[test]
    fn a_new_value_both_sides_have_is_no_conflict_whichever_side_merges() {
        // Both renamed a key to C (no C in BASE); theirs also rotated C.
        let o = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let t = versions([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 100)]);
        for (o, t) in [(&o, &t), (&t, &o)] {
            let (out, conflict) = merge_versions(None, o, t, BOTH);
            assert!(conflict.is_none());
            assert_eq!((out[&fp(1)].version, out[&fp(1)].status), (1, ST_RETIRING));
            assert_eq!((out[&fp(2)].version, out[&fp(2)].status), (2, ST_ACTIVE));
        }
    }

    #[test]
    fn new_values_on_one_side_only_keep_their_numbers() {
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let o = versions([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 100)]);
        let (out, conflict) = merge_versions(Some(&b), &o, &b, BOTH);
        assert!(conflict.is_none());
        assert_eq!((out[&fp(2)].version, out[&fp(2)].status), (2, ST_ACTIVE));
        assert_eq!(out[&fp(1)].status, ST_RETIRING);
    }

    #[test]
    fn a_base_value_a_side_dropped_goes_only_if_that_side_may_delete() {
        // Theirs deleted the key and made it again: value 1 is gone there.
        let b = versions([ver(1, 1, ST_ACTIVE, 10)]);
        let t = versions([ver(2, 1, ST_ACTIVE, 100)]);
        let (out, _) = merge_versions(Some(&b), &b, &t, BOTH);
        assert!(!out.contains_key(&fp(1)));
        let (out, _) = merge_versions(Some(&b), &b, &t, NOT_THEIRS);
        assert!(out.contains_key(&fp(1)), "an untrusted side's delete holds");
        // The same from ours' end.
        let flip = Trust {
            ours: false,
            theirs: true,
        };
        assert!(
            merge_versions(Some(&b), &t, &b, flip)
                .0
                .contains_key(&fp(1))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// DESIGN §9: no merged version is less out of service than BASE or either side
        /// has it.
        #[test]
        fn no_merged_version_has_a_lower_status_than_base_or_either_side(s in sides()) {
            let trust = merge_recipients(&s.br, &s.or, &s.tr).trust;
            for (name, o) in &s.o {
                let Some(t) = s.t.get(name) else { continue };
                let b = s.b.get(name).map(|k| &k.versions);
                let (out, _) = merge_versions(b, &o.versions, &t.versions, trust);
                for (f, v) in &out {
                    for side in [b, Some(&o.versions), Some(&t.versions)].into_iter().flatten() {
                        if let Some(was) = side.get(f) {
                            prop_assert!(v.status >= was.status, "`{}` v{}", name, v.version);
                        }
                    }
                }
            }
        }

        /// DESIGN §9: new values on both sides are numbered after BASE's newest, in
        /// order, no gaps; at most one of them active.
        #[test]
        fn new_values_from_both_sides_are_numbered_after_bases_newest(s in sides()) {
            let trust = merge_recipients(&s.br, &s.or, &s.tr).trust;
            for (name, o) in &s.o {
                let Some(t) = s.t.get(name) else { continue };
                let b = s.b.get(name).map(|k| &k.versions);
                let (out, conflict) = merge_versions(b, &o.versions, &t.versions, trust);
                let Some(numbers) = conflict else { continue };
                let top = b.into_iter().flat_map(|b| b.values()).map(|v| v.version).max().unwrap_or(0);
                let want: Vec<u32> = (top + 1..=top + numbers.len() as u32).collect();
                prop_assert_eq!(&numbers, &want);
                let fresh: Vec<&Ver> = out.values().filter(|v| v.version > top).collect();
                prop_assert_eq!(fresh.len(), numbers.len());
                prop_assert!(fresh.iter().filter(|v| v.status == ST_ACTIVE).count() <= 1);
                let mut by_number = fresh.clone();
                by_number.sort_by_key(|v| v.version);
                let order: Vec<(i64, [u8; 32])> = by_number.iter().map(|v| (v.created, v.value.fingerprint())).collect();
                prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "not in creation order");
            }
        }

        /// DESIGN §9: one key's versions merge to the same values, numbers, statuses
        /// and times whichever side merges (who revoked is the earlier revocation's;
        /// on the same second, ours').
        #[test]
        fn one_keys_versions_merge_the_same_whichever_side_merges(s in sides()) {
            let trust = merge_recipients(&s.br, &s.or, &s.tr).trust;
            let flip = Trust { ours: trust.theirs, theirs: trust.ours };
            for (name, o) in &s.o {
                let Some(t) = s.t.get(name) else { continue };
                let b = s.b.get(name).map(|k| &k.versions);
                let (one, c1) = merge_versions(b, &o.versions, &t.versions, trust);
                let (other, c2) = merge_versions(b, &t.versions, &o.versions, flip);
                prop_assert_eq!(c1, c2);
                let view = |m: &BTreeMap<[u8; 32], Ver>| -> Vec<_> {
                    m.iter()
                        .map(|(f, v)| (*f, v.version, v.status, v.created, v.expires, v.retire_at, v.revoked_at))
                        .collect()
                };
                prop_assert_eq!(view(&one), view(&other), "`{}`", name);
            }
        }
    }
}
