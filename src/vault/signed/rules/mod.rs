//! Who may sign what (DESIGN §15), written once: the writer checks its own change with
//! these rules before it signs, and every reader checks every signature of a history
//! with the same ones. Pure functions over plain data.
//!
//! - The first signature of a history (a new environment, or the checkpoint that
//!   starts signing an older one) is made by an admin of the members it signs.
//! - Every later one is made by a member of the state it builds on, with a role of
//!   `write` or more, with the key bound to them there — or, unbound, with a proof
//!   made by their identity.
//! - Changes to who can decrypt or write (members, roles, keys other than the
//!   signer's own binding), hooks, and the checkpoint need `admin`.
//! - Every event a signature covers is its signer's (the actor is the signer).
//! - No state is left without an admin.
//! - A merge's signature covers only the join (and the marks it leaves); its members and
//!   settings are what the merge rules make of the base and the two sides (`merge`).

use crate::codes::{Action, Role};
use crate::signing::{PublicKey, Sig};

use super::members::Members;

mod merge;

pub use merge::{Merge, SettingsAt, check_merge};

/// Why a signature (or a write about to be signed) is not allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The signer is not a member of the state the change builds on.
    NotMember,
    /// The signer's role does not allow `what`.
    Role {
        has: Role,
        what: String,
        needs: Role,
    },
    /// Signed with another key than the one bound to the signer.
    KeyMismatch,
    /// An unbound signer whose signature carries no proof of the binding.
    Unproven,
    /// The signed state does not bind the signer to the key that signed.
    NotBound,
    /// An event the signature covers names another actor.
    OtherActor { actor: String, action: Action },
    /// The state would have no admin.
    NoAdmin,
    /// An event where it cannot be (a checkpoint after the start, a merge's marks in a
    /// plain write).
    Misplaced(Action),
    /// A merge's member is not what the sides' changes make of them since the base: a
    /// removal undone, a grant left out, a side's old row over the other's change.
    MergedMembers { recipient: String },
    /// A member's signing key bound (by an admin) without the proof their identity
    /// made of it, where their identity could have made one.
    UnprovenBinding { recipient: String },
}

impl Refusal {
    /// In words, for a message naming the signer before it.
    pub fn describe(&self) -> String {
        match self {
            Refusal::NotMember => "is not a member of the state the change builds on".into(),
            Refusal::Role { has, what, needs } => {
                format!("is a `{has}` member and may not {what} (that needs `{needs}`)")
            }
            Refusal::KeyMismatch => "signed with another key than the one bound to them".into(),
            Refusal::Unproven => {
                "is not bound to a signing key and gave no proof made with their identity".into()
            }
            Refusal::NotBound => "signed a state that does not bind them to their key".into(),
            Refusal::OtherActor { actor, action } => format!(
                "signed a `{action}` event that names another actor ({})",
                crate::recipient::short_recipient(actor)
            ),
            Refusal::NoAdmin => "would leave no admin".into(),
            Refusal::Misplaced(a) => format!("signed a `{a}` event where none can be"),
            Refusal::UnprovenBinding { recipient } => format!(
                "bound {}'s signing key without a proof made by that identity (only a member card carries one)",
                crate::recipient::short_recipient(recipient)
            ),
            Refusal::MergedMembers { recipient } => format!(
                "merged {} otherwise than the sides' changes make them (a removal undone, a grant left out, or an old row over the other side's change)",
                crate::recipient::short_recipient(recipient)
            ),
        }
    }

    /// The role this refusal is about, for the writer's error (`NotAllowed`).
    pub fn needs(&self) -> Option<(Role, Role, &str)> {
        match self {
            Refusal::Role { has, what, needs } => Some((*has, *needs, what)),
            _ => None,
        }
    }
}

/// One signature of a plain write (or the first of a history), as data.
pub struct Write<'a> {
    pub signer: &'a str,
    pub key: PublicKey,
    /// Whether the signature's own proof binds `key` to `signer` (or the signer's
    /// recipient is that key).
    pub proven: bool,
    /// That proof, as the signer's binding keeps it.
    pub proof: Option<Sig>,
    /// Whether the settings only admins change (`SETTINGS_TABLES`) differ from the
    /// state it builds on.
    pub settings_changed: bool,
    /// The members of the state it builds on; `None` for the first signature.
    pub before: Option<&'a Members>,
    pub after: &'a Members,
    /// The events it covers, oldest first: action and actor recipient.
    pub events: &'a [(Action, &'a str)],
}

/// The events a signature vouches for as its own: after the last checkpoint among
/// them (those before one are unsigned history the checkpoint signs as it found it).
fn own<'a>(events: &'a [(Action, &'a str)]) -> &'a [(Action, &'a str)] {
    match events.iter().rposition(|(a, _)| *a == Action::Checkpoint) {
        Some(i) => &events[i..],
        None => events,
    }
}

pub(super) fn by_signer(signer: &str, events: &[(Action, &str)]) -> Result<(), Refusal> {
    for (action, actor) in events {
        if *actor != signer {
            return Err(Refusal::OtherActor {
                actor: (*actor).to_owned(),
                action: *action,
            });
        }
    }
    Ok(())
}

/// Whether the signer is bound to `key` in the state signed (or left it).
pub(super) fn bound_after(w_signer: &str, key: &PublicKey, after: &Members) -> Result<(), Refusal> {
    match after.get(w_signer) {
        None => Ok(()),
        Some(m) if m.key == Some(*key) => Ok(()),
        Some(_) => Err(Refusal::NotBound),
    }
}

/// Every signing key `after` binds that `before` did not is proven by the member's
/// own identity (its proof kept with the member, or a recipient that is its key) —
/// an admin may grant people and roles, but never choose someone else's key, which
/// would let them sign as that person. Only recipients that can prove nothing (plugin
/// identities: their token cannot sign) are bound on an admin's word.
fn bindings_proven(before: Option<&Members>, after: &Members) -> Result<(), Refusal> {
    for m in after.iter() {
        let Some(key) = m.key else { continue };
        let kept = before
            .and_then(|b| b.get(&m.recipient))
            .is_some_and(|b| b.key == Some(key) && b.proof == m.proof);
        if kept || m.proven() || !crate::signing::can_prove(&m.recipient) {
            continue;
        }
        return Err(Refusal::UnprovenBinding {
            recipient: m.recipient.clone(),
        });
    }
    Ok(())
}

/// What a change of the settings tables is, in a refusal.
pub(super) const SETTINGS_WHAT: &str =
    "change rotation hooks, the verifier key or the environment's settings";

/// The role the change signed by `s` on top of `before` (its one signed parent) needed:
/// `admin` when it changed the members beyond its signer's own binding, or the
/// settings; `write` otherwise. What a merge holds its side's changes to (DESIGN §15):
/// a change needing a role its signer no longer has on the other side (demoted there,
/// or removed) is not merged — as a removed member's is not.
pub fn needed_role(before: &super::Signature, s: &super::Signature) -> Role {
    let members = before.members.with_binding(&s.signer, s.key, s.proof);
    if members != s.members || before.settings != s.settings {
        Role::Admin
    } else {
        Role::Write
    }
}

/// [`needed_role`] of a change with any number of signed parents (`before`): a merge's
/// join needs `admin` when its members or settings are no parent's (an admin's call
/// there); a first signature, `write` (what founding needs is `check_write`'s).
pub fn needed_role_of(before: &[&super::Signature], s: &super::Signature) -> Role {
    before
        .iter()
        .map(|b| needed_role(b, s))
        .min()
        .unwrap_or(Role::Write)
}

/// Whether `signer`, a member of a merge's `base`, lost on the `other` side the role a
/// change of theirs `needs`: removed there, or demoted there below it. (A member the
/// other side left as the base had them keeps what their own side gave them.)
pub fn lost_role(signer: &str, needs: Role, base: &Members, other: &Members) -> bool {
    match (base.get(signer), other.get(signer)) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(b), Some(o)) => o.role < b.role && o.role < needs,
    }
}

pub fn check_write(w: &Write<'_>) -> Result<(), Refusal> {
    let own = own(w.events);
    bindings_proven(w.before, w.after)?;
    by_signer(w.signer, own)?;
    for (action, _) in own {
        match action {
            Action::Merge | Action::MergeConflict | Action::Exposed => {
                return Err(Refusal::Misplaced(*action));
            }
            Action::Checkpoint if w.before.is_some() => {
                return Err(Refusal::Misplaced(*action));
            }
            _ => {}
        }
    }
    let Some(before) = w.before else {
        // The first signature: its signer founds the members it signs, as their admin.
        // Nothing before it binds them: the trust root (its admins' keys) is what a
        // machine pins, on first use or from `KEYWARD_TRUST_ROOT`.
        let me = w.after.get(w.signer).ok_or(Refusal::NotMember)?;
        if me.role != Role::Admin {
            return Err(Refusal::Role {
                has: me.role,
                what: "start the signed history".into(),
                needs: Role::Admin,
            });
        }
        return bound_after(w.signer, &w.key, w.after);
    };
    let me = before.get(w.signer).ok_or(Refusal::NotMember)?;
    if me.role < Role::Write {
        return Err(Refusal::Role {
            has: me.role,
            what: "write".into(),
            needs: Role::Write,
        });
    }
    match me.key {
        Some(k) if k == w.key => {}
        Some(_) => return Err(Refusal::KeyMismatch),
        None if w.proven => {}
        None => return Err(Refusal::Unproven),
    }
    bound_after(w.signer, &w.key, w.after)?;
    if me.role < Role::Admin {
        if before.with_binding(w.signer, w.key, w.proof) != *w.after {
            return Err(Refusal::Role {
                has: me.role,
                what: "change who can decrypt or write, or their roles".into(),
                needs: Role::Admin,
            });
        }
        if w.settings_changed {
            return Err(Refusal::Role {
                has: me.role,
                what: SETTINGS_WHAT.into(),
                needs: Role::Admin,
            });
        }
        if let Some((action, _)) = own.iter().find(|(a, _)| a.needs_admin()) {
            return Err(Refusal::Role {
                has: me.role,
                what: format!("record `{action}`"),
                needs: Role::Admin,
            });
        }
    }
    // Last: a member who may not change roles at all is told that (exit 5), not that
    // the change would leave no admin. (The first signature's signer is its admin.)
    if w.after.admins().next().is_none() {
        return Err(Refusal::NoAdmin);
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::members::Member;
    use super::*;

    pub(crate) fn members(list: &[(&str, Role, Option<u8>)]) -> Members {
        Members::new(
            list.iter()
                .map(|(r, role, key)| Member {
                    recipient: (*r).into(),
                    role: *role,
                    key: key.map(|k| [k; 32]),
                    proof: None,
                })
                .collect(),
        )
    }

    fn write<'a>(
        signer: &'a str,
        key: u8,
        before: Option<&'a Members>,
        after: &'a Members,
        events: &'a [(Action, &'a str)],
    ) -> Write<'a> {
        Write {
            signer,
            key: [key; 32],
            proven: false,
            proof: None,
            settings_changed: false,
            before,
            after,
            events,
        }
    }

    #[test]
    fn a_writer_writes_keys_only_an_admin_changes_access() {
        let before = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dev", Role::Write, Some(2)),
            ("ci", Role::Read, Some(3)),
        ]);
        let set = [(Action::Set, "dev")];
        assert_eq!(
            check_write(&write("dev", 2, Some(&before), &before, &set)),
            Ok(())
        );
        // A read member writes: refused.
        let ci_set = [(Action::Set, "ci")];
        assert!(matches!(
            check_write(&write("ci", 3, Some(&before), &before, &ci_set)),
            Err(Refusal::Role {
                needs: Role::Write,
                ..
            })
        ));
        // A writer grants someone, or makes themselves admin: refused.
        let grant = [(Action::AccessGrant, "dev")];
        let more = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dev", Role::Write, Some(2)),
            ("ci", Role::Read, Some(3)),
            ("eve", Role::Write, None),
        ]);
        assert!(matches!(
            check_write(&write("dev", 2, Some(&before), &more, &grant)),
            Err(Refusal::Role {
                needs: Role::Admin,
                ..
            })
        ));
        let promoted = members(&[
            ("adm", Role::Admin, Some(1)),
            ("dev", Role::Admin, Some(2)),
            ("ci", Role::Read, Some(3)),
        ]);
        assert!(check_write(&write("dev", 2, Some(&before), &promoted, &set)).is_err());
        // The admin may.
        let adm_grant = [(Action::AccessGrant, "adm")];
        assert_eq!(
            check_write(&write("adm", 1, Some(&before), &more, &adm_grant)),
            Ok(())
        );
        // A hook is an admin's.
        let hook = [(Action::Hook, "dev")];
        assert!(check_write(&write("dev", 2, Some(&before), &before, &hook)).is_err());
    }

    #[test]
    fn every_event_is_its_signers_and_keys_must_match() {
        let before = members(&[("adm", Role::Admin, Some(1)), ("dev", Role::Write, Some(2))]);
        let forged = [(Action::Revoke, "adm")];
        assert!(matches!(
            check_write(&write("dev", 2, Some(&before), &before, &forged)),
            Err(Refusal::OtherActor { .. })
        ));
        let set = [(Action::Set, "dev")];
        assert_eq!(
            check_write(&write("dev", 9, Some(&before), &before, &set)),
            Err(Refusal::KeyMismatch)
        );
        assert_eq!(
            check_write(&write(
                "out",
                9,
                Some(&before),
                &before,
                &[(Action::Set, "out")]
            )),
            Err(Refusal::NotMember)
        );
    }

    #[test]
    fn an_admin_binds_someone_elses_key_only_with_their_proof() {
        let id = age::x25519::Identity::generate();
        let bob = id.to_public().to_string();
        let secret = crate::signing::x25519_secret(&id).unwrap();
        let real = crate::signing::derive_from_x25519(&secret)
            .verifying_key()
            .to_bytes();
        let before = members(&[("adm", Role::Admin, Some(1))]);
        let granted = |key: PublicKey, proof: Option<Sig>| {
            let mut list: Vec<Member> = before.iter().cloned().collect();
            list.push(Member {
                recipient: bob.clone(),
                role: Role::Write,
                key: Some(key),
                proof,
            });
            Members::new(list)
        };
        let ev = [(Action::AccessGrant, "adm")];
        // The admin's own key under Bob's recipient, with no proof or with a proof of
        // another key: refused.
        let chosen = granted([1; 32], None);
        let w = write("adm", 1, Some(&before), &chosen, &ev);
        assert_eq!(
            check_write(&w),
            Err(Refusal::UnprovenBinding {
                recipient: bob.clone()
            })
        );
        let proof = crate::signing::prove_binding(&secret, &bob, &real);
        let borrowed = granted([1; 32], Some(proof));
        let w = write("adm", 1, Some(&before), &borrowed, &ev);
        assert!(matches!(
            check_write(&w),
            Err(Refusal::UnprovenBinding { .. })
        ));
        // Bob's card: his key with his proof.
        let card = granted(real, Some(proof));
        let w = write("adm", 1, Some(&before), &card, &ev);
        assert_eq!(check_write(&w), Ok(()));
        // Kept as it was bound: no proof asked again.
        let w = write("adm", 1, Some(&card), &card, &ev);
        assert_eq!(check_write(&w), Ok(()));
    }

    #[test]
    fn an_unbound_member_binds_themselves_with_a_proof_only() {
        let before = members(&[("adm", Role::Admin, Some(1)), ("new", Role::Write, None)]);
        let after = before.with_binding("new", [5; 32], None);
        let set = [(Action::Set, "new")];
        let mut w = write("new", 5, Some(&before), &after, &set);
        assert_eq!(check_write(&w), Err(Refusal::Unproven));
        w.proven = true;
        assert_eq!(check_write(&w), Ok(()));
        // Not binding themselves in the state they sign: refused.
        w.after = &before;
        assert_eq!(check_write(&w), Err(Refusal::NotBound));
    }

    #[test]
    fn the_first_signature_is_an_admins_and_no_state_lacks_one() {
        let founded = members(&[("adm", Role::Admin, Some(1)), ("dev", Role::Write, None)]);
        let init = [(Action::Init, "adm")];
        assert_eq!(check_write(&write("adm", 1, None, &founded, &init)), Ok(()));
        assert!(check_write(&write("dev", 7, None, &founded, &[(Action::Init, "dev")])).is_err());
        // A checkpoint signs older events by others as it found them.
        let history = [
            (Action::Init, "someone"),
            (Action::Set, "else"),
            (Action::Checkpoint, "adm"),
            (Action::Set, "adm"),
        ];
        assert_eq!(
            check_write(&write("adm", 1, None, &founded, &history)),
            Ok(())
        );
        // ... but never later in a history.
        let before = founded.clone();
        let late = [(Action::Checkpoint, "adm")];
        assert_eq!(
            check_write(&write("adm", 1, Some(&before), &before, &late)),
            Err(Refusal::Misplaced(Action::Checkpoint))
        );
        let headless = members(&[("dev", Role::Write, Some(2))]);
        let revoke = [(Action::AccessRevoke, "adm")];
        assert_eq!(
            check_write(&write("adm", 1, Some(&founded), &headless, &revoke)),
            Err(Refusal::NoAdmin)
        );
    }
}
