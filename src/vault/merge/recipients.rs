//! The recipients of the result (DESIGN §9), and the trust between sides that follows
//! from them (round 3): BASE ∪ added − removed, a removal winning; a side is untrusted
//! when the other side removed anyone of BASE.

use std::collections::BTreeMap;

use crate::vault::RecipientInfo;

/// A side's recipients by recipient string.
pub(super) type RecipientSet = BTreeMap<String, RecipientInfo>;

/// Which sides may grant access, delete keys and pick the verifier key: a side is not
/// trusted when the other side removed anyone of BASE, since it may be that person's
/// work (they hold BASE), whatever it lists now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Trust {
    pub(super) ours: bool,
    pub(super) theirs: bool,
}

/// The merged recipients and what the merge did to them.
pub(super) struct Recipients {
    pub(super) merged: RecipientSet,
    /// Recipients BASE had that each side no longer lists (whatever the other lists).
    pub(super) removed_by_ours: Vec<String>,
    pub(super) removed_by_theirs: Vec<String>,
    /// Added since BASE and in the result (the driver names them).
    pub(super) added: Vec<String>,
    /// Added by a side not trusted with it, and left out: `(recipient, "ours"|"theirs")`.
    pub(super) withheld: Vec<(String, &'static str)>,
    /// Which sides may grant, delete and pick the verifier key.
    pub(super) trust: Trust,
}

impl Recipients {
    /// Two members of the result whose labels read as the same person (equal but for
    /// case and spaces), each label set on its own side: `(label, one, other)`. A label names one
    /// member (DESIGN §16), and a merge must not make it name two.
    pub(super) fn label_clash(&self) -> Option<(String, String, String)> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (r, info) in &self.merged {
            let Some(label) = info.label.as_deref() else {
                continue;
            };
            if let Some(first) = seen.insert(crate::audit::Label::as_read(label), r) {
                return Some((label.to_owned(), first.to_owned(), r.clone()));
            }
        }
        None
    }
}

/// Recipients: BASE ∪ added − removed, a removal on either side winning; additions by
/// a side not trusted (the other side removed someone of BASE) are withheld. Neither
/// side is an exception, not even this machine's: that it read or pinned a state only
/// says the state extends one the removed person could read.
pub(super) fn merge_recipients(
    bs: &RecipientSet,
    os: &RecipientSet,
    ts: &RecipientSet,
) -> Recipients {
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
            let mut merged = os.get(r).unwrap_or(info).clone();
            // DESIGN §15: role and signing key as the side that changed them has them
            // (ours when both did); each is a change signed on that side.
            if let (Some(o), Some(t), Some(b)) = (os.get(r), ts.get(r), bs.get(r)) {
                // DESIGN §15: field by field, as the side that changed it has it. The
                // role, when both changed it, the lower (a demotion is never undone by
                // the other side's change); the binding, ours when both changed it.
                merged.role = match (o.role == b.role, t.role == b.role) {
                    (true, _) => t.role,
                    (false, true) => o.role,
                    (false, false) => o.role.min(t.role),
                };
                let binding = |x: &RecipientInfo| (x.signing_key, x.key_proof);
                if binding(o) == binding(b) {
                    (merged.signing_key, merged.key_proof) = binding(t);
                }
                // The label too (an admin's, in the settings every merge signs): as the
                // side that changed it has it.
                if b.label == o.label && b.label != t.label {
                    merged.label = t.label.clone();
                }
            }
            out.insert(r.clone(), merged);
        }
    }
    Recipients {
        merged: out,
        removed_by_ours,
        removed_by_theirs,
        added,
        withheld,
        trust: Trust {
            ours: trust_ours,
            theirs: trust_theirs,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::vault::merge::testkit::recipients;

    fn names(rs: &RecipientSet) -> Vec<&str> {
        rs.keys().map(String::as_str).collect()
    }

    #[test]
    fn the_result_is_base_and_what_was_added_less_what_was_removed() {
        let b = recipients(&["ann", "bob"]);
        let o = recipients(&["ann", "bob", "cat"]);
        let t = recipients(&["ann", "bob", "dan"]);
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(names(&rs.merged), ["ann", "bob", "cat", "dan"]);
        assert_eq!(rs.added, ["cat", "dan"]);
        assert!(rs.withheld.is_empty());
        assert_eq!(
            rs.trust,
            Trust {
                ours: true,
                theirs: true
            }
        );
    }

    #[test]
    fn a_removal_on_either_side_wins() {
        let b = recipients(&["ann", "bob", "cat"]);
        let (o, t) = (recipients(&["ann", "bob"]), recipients(&["ann", "cat"]));
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(names(&rs.merged), ["ann"]);
        assert_eq!(rs.removed_by_ours, ["cat"]);
        assert_eq!(rs.removed_by_theirs, ["bob"]);
    }

    #[test]
    fn a_side_is_untrusted_when_the_other_removed_anyone_of_base_whatever_it_lists() {
        // Ours removed cat; cat's branch removed cat too, to look like ours, and grants
        // a key of their own.
        let b = recipients(&["ann", "cat"]);
        let o = recipients(&["ann"]);
        let t = recipients(&["ann", "cat2"]);
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(
            rs.trust,
            Trust {
                ours: false,
                theirs: false
            }
        );
        assert_eq!(names(&rs.merged), ["ann"]);
        assert_eq!(rs.withheld, [("cat2".to_owned(), "theirs")]);
        assert!(rs.added.is_empty());
    }

    #[test]
    fn a_grant_by_the_side_that_removed_someone_stands() {
        let b = recipients(&["ann", "cat"]);
        let o = recipients(&["ann", "dan"]);
        let t = recipients(&["ann", "cat", "eve"]);
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(
            rs.trust,
            Trust {
                ours: true,
                theirs: false
            }
        );
        assert_eq!(names(&rs.merged), ["ann", "dan"]);
        assert_eq!(rs.added, ["dan"]);
        assert_eq!(rs.withheld, [("eve".to_owned(), "theirs")]);
        // Granted on both sides: it stands when either side may grant.
        let t = recipients(&["ann", "cat", "dan"]);
        assert_eq!(names(&merge_recipients(&b, &o, &t).merged), ["ann", "dan"]);
    }

    #[test]
    fn a_recipient_both_sides_list_keeps_ours_row() {
        let b = recipients(&["ann"]);
        let mut o = b.clone();
        o.get_mut("ann").unwrap().label = Some("ours".into());
        let mut t = b.clone();
        t.get_mut("ann").unwrap().label = Some("theirs".into());
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(rs.merged["ann"].label.as_deref(), Some("ours"));
        // A label only theirs changed (an admin's relabel) is theirs.
        let rs = merge_recipients(&b, &b, &t);
        assert_eq!(rs.merged["ann"].label.as_deref(), Some("theirs"));
    }

    #[test]
    fn a_member_both_sides_granted_is_as_ours_has_them() {
        use crate::codes::Role;
        let b = recipients(&["ann"]);
        let mut o = recipients(&["ann", "cat"]);
        o.get_mut("cat").unwrap().role = Role::Admin;
        o.get_mut("cat").unwrap().signing_key = Some([3; 32]);
        let t = recipients(&["ann", "cat"]);
        let rs = merge_recipients(&b, &o, &t);
        assert_eq!(rs.merged["cat"].role, Role::Admin);
        assert_eq!(rs.merged["cat"].signing_key, Some([3; 32]));
    }

    #[test]
    fn a_member_both_sides_changed_takes_each_field_from_the_side_that_changed_it() {
        use crate::codes::Role;
        let mut b = recipients(&["ann"]);
        b.get_mut("ann").unwrap().role = Role::Admin;
        // Demoted on one side; rebound on the other (still admin there).
        let mut demoted = b.clone();
        demoted.get_mut("ann").unwrap().role = Role::Write;
        let mut rebound = b.clone();
        rebound.get_mut("ann").unwrap().signing_key = Some([7; 32]);
        for (o, t) in [(&rebound, &demoted), (&demoted, &rebound)] {
            let rs = merge_recipients(&b, o, t);
            assert_eq!(rs.merged["ann"].role, Role::Write);
            assert_eq!(rs.merged["ann"].signing_key, Some([7; 32]));
        }
        // Both changed the role: the lower.
        let mut promoted_read = rebound.clone();
        promoted_read.get_mut("ann").unwrap().role = Role::Read;
        let rs = merge_recipients(&b, &demoted, &promoted_read);
        assert_eq!(rs.merged["ann"].role, Role::Read);
    }

    const PEOPLE: [&str; 6] = ["ann", "bob", "cat", "dan", "eve", "fay"];

    /// BASE, and each side as BASE less some and plus some.
    fn three() -> impl Strategy<Value = (RecipientSet, RecipientSet, RecipientSet)> {
        let set = || proptest::collection::btree_set(0..PEOPLE.len(), 0..4);
        (set(), set(), set(), set(), set()).prop_map(|(b, or, oa, tr, ta)| {
            let pick = |s: &BTreeSet<usize>| s.iter().map(|i| PEOPLE[*i]).collect::<Vec<_>>();
            let side = |removed: &BTreeSet<usize>, added: &BTreeSet<usize>| {
                let keep = b.difference(removed).chain(added.difference(&b)).copied();
                recipients(&pick(&keep.collect()))
            };
            (recipients(&pick(&b)), side(&or, &oa), side(&tr, &ta))
        })
    }

    proptest! {
        /// DESIGN §9: BASE ∪ added − removed; a removal on either side is never undone.
        #[test]
        fn a_removal_on_either_side_is_never_undone((b, o, t) in three()) {
            let rs = merge_recipients(&b, &o, &t);
            for r in b.keys().filter(|r| !o.contains_key(*r) || !t.contains_key(*r)) {
                prop_assert!(!rs.merged.contains_key(r), "{} came back", r);
            }
            for r in rs.merged.keys() {
                prop_assert!(o.contains_key(r) || t.contains_key(r));
            }
        }

        /// DESIGN §9 round 3: an untrusted side never adds a recipient; what it granted
        /// is withheld and named.
        #[test]
        fn an_untrusted_side_never_adds_a_recipient((b, o, t) in three()) {
            let rs = merge_recipients(&b, &o, &t);
            prop_assert_eq!(rs.trust.ours, b.keys().all(|r| t.contains_key(r)));
            prop_assert_eq!(rs.trust.theirs, b.keys().all(|r| o.contains_key(r)));
            for r in rs.merged.keys().filter(|r| !b.contains_key(*r)) {
                let by_ours = rs.trust.ours && o.contains_key(r);
                let by_theirs = rs.trust.theirs && t.contains_key(r);
                prop_assert!(by_ours || by_theirs, "{} added by a side not trusted", r);
            }
            for r in o.keys().chain(t.keys()).filter(|r| !b.contains_key(*r)) {
                let named = rs.withheld.iter().any(|(w, _)| w == r);
                prop_assert!(rs.merged.contains_key(r) != named, "{} neither added nor named", r);
            }
        }

        /// DESIGN §9: the same recipients and the same trust, mirrored, whichever side
        /// merges.
        #[test]
        fn recipients_merge_the_same_whichever_side_merges((b, o, t) in three()) {
            let (one, other) = (merge_recipients(&b, &o, &t), merge_recipients(&b, &t, &o));
            prop_assert_eq!(names(&one.merged), names(&other.merged));
            prop_assert_eq!((one.trust.ours, one.trust.theirs), (other.trust.theirs, other.trust.ours));
            let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
            prop_assert_eq!(set(&one.added), set(&other.added));
            let withheld = |rs: &Recipients| rs.withheld.iter().map(|(r, _)| r.clone()).collect::<BTreeSet<_>>();
            prop_assert_eq!(withheld(&one), withheld(&other));
        }
    }
}
