//! Who may sign a merge, and what (DESIGN §9, §15): the signature covers only the join
//! and the marks it leaves, and its members and settings must be what the merge rules
//! make of the base and the two sides — never merely "as one side has them", which
//! would let anyone who may sign a merge take an old side's member or setting back over
//! the other side's later change (a demoted admin keeping their role, a grant or a
//! replaced hook undone).
//!
//! Per member, three-way from the last signed state both sides share:
//! - a member of the base: removed when either side removed them; else with the role
//!   of the side that changed it (the lower when both changed it) and either side's
//!   binding;
//! - a member new since the base: as a side that granted them has them; left out only
//!   when every side granting them is untrusted — the other side removed someone of the
//!   base, so it may be that person's work (what the merge driver withholds).
//!
//! The settings only admins change (one digest): the side that changed them decides (an
//! untrusted side's change may be left out), either side's when both did; anything else
//! is an admin's to sign. The merger must be a writer (an admin, for settings of their
//! own) in the merged members, so a role taken away on one side cannot be used from the
//! other.

use crate::codes::{Action, Role};
use crate::signing::{PublicKey, Sig};

use super::super::members::{Member, Members};
use super::{Refusal, SETTINGS_WHAT, bound_after, by_signer};

/// One signature of a merge, as data.
pub struct Merge<'a> {
    pub signer: &'a str,
    pub key: PublicKey,
    pub proven: bool,
    pub proof: Option<Sig>,
    /// The settings digests (`SETTINGS_TABLES`) at the base, at each side's head and
    /// signed by the merge.
    pub settings: SettingsAt,
    /// The members at each side's signed head.
    pub sides: [&'a Members; 2],
    /// The members at the last signed state both sides share.
    pub base: &'a Members,
    pub after: &'a Members,
    pub events: &'a [(Action, &'a str)],
}

/// A settings digest at the base, at each side and after a merge.
#[derive(Clone, Copy, Debug)]
pub struct SettingsAt {
    pub base: [u8; 32],
    pub sides: [[u8; 32]; 2],
    pub after: [u8; 32],
}

pub fn check_merge(m: &Merge<'_>) -> Result<(), Refusal> {
    by_signer(m.signer, m.events)?;
    for (i, (action, _)) in m.events.iter().enumerate() {
        let fits = match i {
            0 => *action == Action::Merge,
            _ => matches!(action, Action::MergeConflict | Action::Exposed),
        };
        if !fits {
            return Err(Refusal::Misplaced(*action));
        }
    }
    if m.after.admins().next().is_none() {
        return Err(Refusal::NoAdmin);
    }
    bound_after(m.signer, &m.key, m.after)?;
    // The merger's key: bound to them on a side where they could write (or proven).
    let mut allowed = None;
    for side in m.sides {
        if let Some(me) = side.get(m.signer) {
            let key_ok = match me.key {
                Some(k) => k == m.key,
                None => m.proven,
            };
            let r = if me.role < Role::Write {
                Err(Refusal::Role {
                    has: me.role,
                    what: "write".into(),
                    needs: Role::Write,
                })
            } else if key_ok {
                Ok(())
            } else if me.key.is_some() {
                Err(Refusal::KeyMismatch)
            } else {
                Err(Refusal::Unproven)
            };
            allowed = match (allowed, r) {
                (Some(Ok(())), _) | (_, Ok(())) => Some(Ok(())),
                (_, r) => Some(r),
            };
        }
    }
    allowed.unwrap_or(Err(Refusal::NotMember))?;
    // The members: three-way (the merger may bind themselves, on every side alike).
    let bind = |s: &Members| s.with_binding(m.signer, m.key, m.proof);
    let (base, sides) = (bind(m.base), m.sides.map(bind));
    let trusted = trusted(&base, &sides);
    let everyone = base
        .iter()
        .chain(sides.iter().flat_map(|s| s.iter()))
        .chain(m.after.iter())
        .map(|x| x.recipient.as_str());
    for r in everyone {
        let sided = [sides[0].get(r), sides[1].get(r)];
        if !member_merged(base.get(r), sided, trusted, m.after.get(r)) {
            return Err(Refusal::MergedMembers {
                recipient: r.to_owned(),
            });
        }
    }
    // The merger's role where it counts: in the merged members, so a role one side took
    // away is not used from the other.
    let me = m.after.get(m.signer).ok_or(Refusal::NotMember)?;
    if me.role < Role::Write {
        return Err(Refusal::Role {
            has: me.role,
            what: "sign a merge".into(),
            needs: Role::Write,
        });
    }
    if !settings_merged(&m.settings, trusted) && me.role < Role::Admin {
        return Err(Refusal::Role {
            has: me.role,
            what: format!("{SETTINGS_WHAT} (settings neither side's changes make)"),
            needs: Role::Admin,
        });
    }
    Ok(())
}

/// Whether each side may grant: the other side removed nobody of the base.
fn trusted(base: &Members, sides: &[Members; 2]) -> [bool; 2] {
    let removed_nobody = |s: &Members| base.iter().all(|b| s.get(&b.recipient).is_some());
    [removed_nobody(&sides[1]), removed_nobody(&sides[0])]
}

/// Whether `got` is what the merge rules make of one member (see the module docs).
fn member_merged(
    base: Option<&Member>,
    sides: [Option<&Member>; 2],
    trusted: [bool; 2],
    got: Option<&Member>,
) -> bool {
    match (base, sides) {
        // The role as the side that changed it has it (the lower when both changed it:
        // a demotion is never undone by the other side's change).
        (Some(b), [Some(s0), Some(s1)]) => got.is_some_and(|g| {
            let role = match (s0.role == b.role, s1.role == b.role) {
                (true, _) => s1.role,
                (false, true) => s0.role,
                (false, false) => s0.role.min(s1.role),
            };
            // The binding: either side's. The driver takes the changing side's; merges
            // by earlier builds kept ours' whole row, and a side's binding was made
            // there by the member or an admin: no role comes with it.
            let binding = |m: &Member| (m.key, m.proof);
            g.role == role && (binding(g) == binding(s0) || binding(g) == binding(s1))
        }),
        // Removed on a side: a removal wins.
        (Some(_), _) => got.is_none(),
        (None, sides) => match got {
            Some(g) => sides.contains(&Some(g)),
            None => (0..2).all(|i| sides[i].is_none() || !trusted[i]),
        },
    }
}

/// Whether the merged settings are the ones the sides' changes make.
fn settings_merged(s: &SettingsAt, trusted: [bool; 2]) -> bool {
    let [s0, s1] = s.sides;
    let kept = |i: usize| s.after == s.sides[i] || !trusted[i] && s.after == s.base;
    match (s0 != s.base, s1 != s.base) {
        (false, false) => s.after == s.base,
        (true, false) => kept(0),
        (false, true) => kept(1),
        (true, true) => s.after == s0 || s.after == s1,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::members;
    use super::*;

    const SAME: SettingsAt = SettingsAt {
        base: [0; 32],
        sides: [[0; 32]; 2],
        after: [0; 32],
    };

    fn merge<'a>(
        signer: &'a str,
        key: u8,
        base: &'a Members,
        sides: [&'a Members; 2],
        after: &'a Members,
        events: &'a [(Action, &'a str)],
    ) -> Merge<'a> {
        Merge {
            signer,
            key: [key; 32],
            proven: false,
            proof: None,
            settings: SAME,
            sides,
            base,
            after,
            events,
        }
    }

    #[test]
    fn a_merge_keeps_removals_and_takes_members_as_the_side_that_changed_them() {
        let base = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dev", Role::Write, Some(2)),
            ("old", Role::Write, Some(3)),
        ]);
        let ours = members(&[("adm", Role::Admin, Some(1)), ("dev", Role::Write, Some(2))]);
        let theirs = base.clone();
        let events = [(Action::Merge, "dev")];
        let ok = merge("dev", 2, &base, [&ours, &theirs], &ours, &events);
        assert_eq!(check_merge(&ok), Ok(()));
        // Keeping `old`, whom ours removed: refused.
        assert!(matches!(
            check_merge(&Merge {
                after: &theirs,
                ..ok
            }),
            Err(Refusal::MergedMembers { .. })
        ));
        // Promoting oneself in the merge: no side has it.
        let promoted = members(&[("adm", Role::Admin, Some(1)), ("dev", Role::Admin, Some(2))]);
        assert!(
            check_merge(&Merge {
                after: &promoted,
                ..ok
            })
            .is_err()
        );
        // A plain write's event in a merge's segment: misplaced.
        let set = [(Action::Merge, "dev"), (Action::Set, "dev")];
        assert!(check_merge(&Merge { events: &set, ..ok }).is_err());
    }

    #[test]
    fn a_change_one_side_made_is_never_undone_by_the_other_sides_old_row() {
        let base = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Admin, Some(2)),
        ]);
        // The admin demoted Dave on one side; Dave wrote on his old state on the other.
        let demoted = members(&[("adm", Role::Admin, Some(1)), ("dave", Role::Read, Some(2))]);
        let events = [(Action::Merge, "dave")];
        let keeps_admin = merge("dave", 2, &base, [&base, &demoted], &base, &events);
        assert!(matches!(
            check_merge(&keeps_admin),
            Err(Refusal::MergedMembers { recipient }) if recipient == "dave"
        ));
        // Dave rebinds himself on his side as well: both sides changed him; the role is
        // main's (the one that changed it), the binding either side's.
        let rebound = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Admin, Some(9)),
        ]);
        let adm = [(Action::Merge, "adm")];
        for (role, key, ok) in [
            (Role::Admin, 9, false),
            (Role::Read, 9, true),
            (Role::Read, 2, true),
            (Role::Read, 5, false),
        ] {
            let after = members(&[("adm", Role::Admin, Some(1)), ("dave", role, Some(key))]);
            let m = merge("adm", 1, &base, [&rebound, &demoted], &after, &adm);
            assert_eq!(check_merge(&m).is_ok(), ok, "{role:?} {key}");
        }
        // Merged as the rules make it, Dave is `read`: he may not sign it.
        let as_merged = Merge {
            after: &demoted,
            ..keeps_admin
        };
        assert!(matches!(
            check_merge(&as_merged),
            Err(Refusal::Role {
                has: Role::Read,
                ..
            })
        ));
        // The admin signs the same join.
        let adm = [(Action::Merge, "adm")];
        let by_admin = Merge {
            signer: "adm",
            key: [1; 32],
            events: &adm,
            ..as_merged
        };
        assert_eq!(check_merge(&by_admin), Ok(()));
        // A grant on one side cannot be left out while that side is trusted...
        let granted = members(&[
            ("adm", Role::Admin, Some(1)),
            ("carol", Role::Write, Some(4)),
            ("dave", Role::Admin, Some(2)),
        ]);
        let dropped = merge("adm", 1, &base, [&base, &granted], &base, &adm);
        assert!(matches!(
            check_merge(&dropped),
            Err(Refusal::MergedMembers { recipient }) if recipient == "carol"
        ));
        // ...but is, when the other side removed someone of the base (the driver
        // withholds it: that side may be the removed person's work).
        let removed = members(&[("adm", Role::Admin, Some(1))]);
        let withheld = merge("adm", 1, &base, [&removed, &granted], &removed, &adm);
        assert_eq!(check_merge(&withheld), Ok(()));
        let kept = Merge {
            after: &members(&[
                ("adm", Role::Admin, Some(1)),
                ("carol", Role::Write, Some(4)),
            ]),
            ..withheld
        };
        assert_eq!(check_merge(&kept), Ok(()));
    }

    #[test]
    fn a_change_needing_a_role_the_other_side_took_away_is_lost() {
        use super::super::super::Signature;
        use super::super::{lost_role, needed_role, needed_role_of};
        let sig = |members: &Members, settings: u8| Signature {
            head: [0; 32],
            prev: Vec::new(),
            state: [0; 32],
            settings: [settings; 32],
            members: members.clone(),
            signer: "dave".into(),
            key: [2; 32],
            proof: None,
            sig: [0; 64],
        };
        let base = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Admin, Some(2)),
        ]);
        let granted = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Admin, Some(2)),
            ("eve", Role::Admin, None),
        ]);
        assert_eq!(needed_role(&sig(&base, 0), &sig(&base, 0)), Role::Write);
        assert_eq!(needed_role(&sig(&base, 0), &sig(&granted, 0)), Role::Admin);
        assert_eq!(needed_role(&sig(&base, 0), &sig(&base, 1)), Role::Admin);
        // A join of two states: `admin` only when its settings or members are neither's.
        let (p1, p2) = (sig(&base, 0), sig(&base, 1));
        assert_eq!(needed_role_of(&[&p1, &p2], &sig(&base, 1)), Role::Write);
        assert_eq!(needed_role_of(&[&p1, &p2], &sig(&base, 2)), Role::Admin);
        assert_eq!(needed_role_of(&[], &sig(&base, 2)), Role::Write);
        let demoted = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Write, Some(2)),
        ]);
        let removed = members(&[("adm", Role::Admin, Some(1))]);
        assert!(lost_role("dave", Role::Admin, &base, &demoted));
        assert!(!lost_role("dave", Role::Write, &base, &demoted));
        assert!(lost_role("dave", Role::Write, &base, &removed));
        // Not demoted on the other side (made admin on their own): nothing lost.
        let writer = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dave", Role::Write, Some(2)),
        ]);
        assert!(!lost_role("dave", Role::Admin, &writer, &writer));
        // Not a member of the base: not this rule's.
        assert!(!lost_role("eve", Role::Admin, &base, &removed));
    }

    #[test]
    fn settings_are_the_side_that_changed_them_or_an_admins_call() {
        let base = members(&[("adm", Role::Admin, Some(1)), ("dev", Role::Write, Some(2))]);
        let events = [(Action::Merge, "dev")];
        let at = |sides: [u8; 2], after: u8| SettingsAt {
            base: [0; 32],
            sides: sides.map(|s| [s; 32]),
            after: [after; 32],
        };
        let by = |signer, key, settings| {
            let ev: &[(Action, &str)] = if signer == "dev" {
                &events
            } else {
                &[(Action::Merge, "adm")]
            };
            check_merge(&Merge {
                settings,
                ..merge(signer, key, &base, [&base, &base], &base, ev)
            })
        };
        // The side that changed them decides; either side's when both did.
        assert_eq!(by("dev", 2, at([0, 7], 7)), Ok(()));
        assert_eq!(by("dev", 2, at([7, 8], 8)), Ok(()));
        // A writer taking back the base's over a side's change (a hook an admin
        // replaced), or signing settings of their own: an admin's call.
        for s in [at([0, 7], 0), at([7, 8], 9), at([0, 0], 5)] {
            assert!(matches!(
                by("dev", 2, s),
                Err(Refusal::Role {
                    needs: Role::Admin,
                    ..
                })
            ));
            assert_eq!(by("adm", 1, s), Ok(()));
        }
    }
}
