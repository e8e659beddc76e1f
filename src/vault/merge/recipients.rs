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
    /// Whether either side removed anyone of BASE.
    pub(super) fn any_removed(&self) -> bool {
        !self.removed_by_ours.is_empty() || !self.removed_by_theirs.is_empty()
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
            out.insert(r.clone(), os.get(r).unwrap_or(info).clone());
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
