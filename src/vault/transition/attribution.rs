//! Who revoked a version, as its row says, must be who the history says did (DESIGN §15:
//! an event's actor is its signer). `show` prints a revocation's author, time and reason
//! from the version's row; a member allowed to write signs whatever rows they leave, so
//! without this they could revoke a key and record an admin as its author, with a reason
//! of their choosing, and only `audit` (the event, by its signer) would tell otherwise.
//!
//! Every revoked version that names its author must have the event that revoked it, by
//! that author at that time with that reason: a `revoke` of its key, a `rotate` of its
//! key (a rotation or an offboarding that revokes what it replaces), or a `trust` that
//! kept what the machine had seen revoked. Keys renamed in the history are matched by
//! author, time and reason only (the event names the key as it was then).

use std::collections::{HashMap, HashSet};

use crate::audit::{Action, Event};

use super::Broken;

/// A revoked version as its row records it.
#[derive(Clone, Debug)]
pub struct Revocation {
    pub key: String,
    pub version: u32,
    pub at: i64,
    /// The author's recipient; `None` in rows written before authors were kept.
    pub by: Option<String>,
    pub reason: Option<String>,
}

/// The reason `trust` records on the versions it keeps revoked (`raise_to_seen`).
pub const KEPT_BY_TRUST: &str = "revoked on this machine before `trust` accepted an earlier state";

/// Every revoked version whose recorded author, time and reason no event of `events`
/// accounts for.
pub fn check_attribution(events: &[Event], revoked: &[Revocation]) -> Vec<Broken> {
    let mut by_moment: HashMap<(i64, &str), Vec<&Event>> = HashMap::new();
    let mut renamed: HashSet<&str> = HashSet::new();
    for e in events {
        if matches!(e.action, Action::Revoke | Action::Rotate | Action::Trust) {
            by_moment
                .entry((e.time, e.actor.recipient.as_str()))
                .or_default()
                .push(e);
        }
        if e.action == Action::Rename {
            renamed.extend(e.key.as_deref());
            renamed.extend(
                e.reason
                    .as_deref()
                    .and_then(|r| r.strip_prefix("renamed from ")),
            );
        }
    }
    let mut out = Vec::new();
    for r in revoked {
        let Some(by) = r.by.as_deref() else {
            continue;
        };
        let reason = r.reason.as_deref();
        let same_key =
            |e: &Event| renamed.contains(r.key.as_str()) || e.key.as_deref() == Some(&r.key);
        let explained = by_moment.get(&(r.at, by)).is_some_and(|list| {
            list.iter().any(|e| match e.action {
                Action::Revoke => same_key(e) && reason == e.reason.as_deref(),
                Action::Rotate => {
                    same_key(e) && reason == Some(e.reason.as_deref().unwrap_or("rotated"))
                }
                _ => reason == Some(KEPT_BY_TRUST),
            })
        });
        if !explained {
            out.push(Broken {
                key: Some(r.key.clone()),
                what: format!(
                    "v{} is recorded as revoked by {} at {}, but no event of the history did that: a row changed without an event",
                    r.version,
                    crate::recipient::short_recipient(by),
                    crate::names::fmt_time(r.at)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, Chain, GENESIS, Via};

    fn event(
        action: Action,
        key: Option<&str>,
        time: i64,
        by: &str,
        reason: Option<&str>,
    ) -> Event {
        Event {
            env: "prod".into(),
            chain: Chain::Lifecycle,
            seq: time,
            time,
            action,
            key: key.map(str::to_owned),
            version: None,
            keys: Vec::new(),
            actor: Actor {
                recipient: by.into(),
                os_user: "u".into(),
                host: "h".into(),
                via: Via::File,
            },
            reason: reason.map(str::to_owned),
            subject: None,
            subject_label: None,
            actor_label: None,
            outcome: "ok".into(),
            prev_hash: GENESIS,
            hash: [time as u8; 32],
            joined_hash: None,
            renumbered: None,
        }
    }

    fn revoked(key: &str, at: i64, by: &str, reason: &str) -> Revocation {
        Revocation {
            key: key.into(),
            version: 1,
            at,
            by: Some(by.into()),
            reason: Some(reason.into()),
        }
    }

    #[test]
    fn a_revocation_recorded_as_someone_elses_is_found() {
        let h = [
            event(Action::Revoke, Some("K1"), 10, "age1alice", Some("leaked")),
            event(Action::Revoke, Some("K2"), 20, "age1bob", Some("mine")),
        ];
        assert!(
            check_attribution(
                &h,
                &[
                    revoked("K1", 10, "age1alice", "leaked"),
                    revoked("K2", 20, "age1bob", "mine")
                ]
            )
            .is_empty()
        );
        // Bob's revocation recorded as Alice's, at the time of hers, with a reason of his.
        for forged in [
            revoked("K2", 20, "age1alice", "mine"),
            revoked("K2", 10, "age1alice", "leaked"),
            revoked("K2", 20, "age1bob", "per Alice: compromised"),
        ] {
            assert_eq!(check_attribution(&h, &[forged]).len(), 1);
        }
    }

    #[test]
    fn rotations_trusts_and_renamed_keys_account_for_their_revocations() {
        let h = [
            event(Action::Rotate, Some("K"), 10, "age1ann", None),
            event(
                Action::Rotate,
                Some("L"),
                20,
                "age1ann",
                Some("offboard: left"),
            ),
            event(Action::Trust, None, 30, "age1ann", Some("reviewed")),
            event(Action::Revoke, Some("OLD"), 40, "age1ann", Some("x")),
            event(
                Action::Rename,
                Some("NEW"),
                50,
                "age1ann",
                Some("renamed from OLD"),
            ),
        ];
        assert!(
            check_attribution(
                &h,
                &[
                    revoked("K", 10, "age1ann", "rotated"),
                    revoked("L", 20, "age1ann", "offboard: left"),
                    revoked("M", 30, "age1ann", KEPT_BY_TRUST),
                    revoked("NEW", 40, "age1ann", "x"),
                ]
            )
            .is_empty()
        );
        assert_eq!(
            check_attribution(&h, &[revoked("M", 30, "age1ann", "reviewed")]).len(),
            1
        );
        // No author kept (older rows): nothing to hold it to.
        let mut old = revoked("K", 99, "x", "y");
        old.by = None;
        assert!(check_attribution(&h, &[old]).is_empty());
    }
}
