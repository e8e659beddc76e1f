//! What a single state's own events say of its rows (DESIGN §8 round 3, §15): a version
//! revoked by an event is revoked, and the versions a rotation moved out of service are
//! out of service, whatever the rows were changed to since.
//!
//! The rules between a state and its parent (`check`) need the parent's rows, which a
//! machine reading a changed file does not have (a pull, a fresh CI runner, the merge
//! driver's side after a squash): a member allowed to write could sign a state that
//! undoes an admin's revocation with an event naming another key, and only `audit verify
//! --git` would see the rows move back. These rules need only the file: each revocation
//! and rotation in its history must still hold in its rows.
//!
//! Where the history changed what a version number means — a key deleted, renamed, or
//! renumbered by a merge that kept two new values (or a `resolve` after one) — the event
//! is not applied: nothing is claimed that the rows may rightly contradict.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::audit::{Action, Event, GENESIS};
use crate::codes::Status;

use super::Broken;

/// What one event says of a version's status now: at least `floor`.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The key's name now (renames followed).
    pub key: String,
    pub version: u32,
    floor: Status,
    /// The event that says so: its number and writer, and what it did.
    seq: i64,
    by: String,
    what: &'static str,
}

/// What the revocations and rotations of `events` say of the rows, by key (its name
/// now). A rotation says it of every version before the one it issued; only the latest
/// one of each key is kept (it says the most).
pub fn claims(events: &[Event]) -> BTreeMap<String, Vec<Claim>> {
    // Built only for a revocation of every version (it walks back the event DAG): most
    // histories read for the first time have none, and this runs on every such read.
    let at: std::cell::OnceCell<HashMap<[u8; 32], usize>> = std::cell::OnceCell::new();
    let at = || {
        at.get_or_init(|| {
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.hash, i))
                .collect()
        })
    };
    // The events that change what a name or a version number means: few in any
    // history, so each event is followed through those after it only.
    let changers: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.action,
                Action::Rename | Action::Delete | Action::MergeConflict | Action::Resolve
            )
        })
        .map(|(i, _)| i)
        .collect();
    let mut out: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    let mut rotated: HashMap<String, (u32, usize)> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if !matches!(e.action, Action::Revoke | Action::Rotate) {
            continue;
        }
        let Some(key) = e.key.as_deref() else {
            continue;
        };
        let later = changers[changers.partition_point(|&c| c <= i)..]
            .iter()
            .map(|&c| &events[c]);
        let Some(now) = follow(key, later) else {
            continue;
        };
        let claim = |version, floor, what| Claim {
            key: now.clone(),
            version,
            floor,
            seq: e.seq,
            by: e.actor.recipient.clone(),
            what,
        };
        let list = match (e.action, e.version) {
            (Action::Revoke, Some(v)) => vec![claim(v, Status::Revoked, "revoked")],
            (Action::Revoke, None) => (1..=issued_before(events, at(), i, key))
                .map(|v| claim(v, Status::Revoked, "revoked"))
                .collect(),
            (_, Some(v)) => {
                let newest = rotated.entry(now.clone()).or_insert((v, i));
                if v >= newest.0 {
                    *newest = (v, i);
                }
                continue;
            }
            (_, None) => continue,
        };
        out.entry(now).or_default().extend(list);
    }
    for (key, (v, i)) in rotated {
        let e = &events[i];
        out.entry(key.clone())
            .or_default()
            .extend((1..v).map(|old| Claim {
                key: key.clone(),
                version: old,
                floor: Status::Retiring,
                seq: e.seq,
                by: e.actor.recipient.clone(),
                what: "moved out of service by a rotation",
            }));
    }
    out
}

/// The name `key` has after `later` (the events after the one naming it that rename,
/// delete or renumber keys); `None` when its version numbers no longer mean what they
/// did (deleted, or renumbered by a merge that kept two new values, or a `resolve`).
fn follow<'a>(key: &str, later: impl Iterator<Item = &'a Event>) -> Option<String> {
    let mut cur = key.to_owned();
    for e in later {
        let names_cur = e.key.as_deref() == Some(cur.as_str());
        match e.action {
            Action::Rename
                if e.reason.as_deref() == Some(format!("renamed from {cur}").as_str()) =>
            {
                cur = e.key.clone()?;
            }
            Action::Delete | Action::MergeConflict | Action::Resolve if names_cur => return None,
            _ => {}
        }
    }
    Some(cur)
}

/// Every way the rows contradict `claims`; `status` is the stored status of a version
/// (`None`: no such version: versions dropped are the rules between states' concern).
pub fn check_claims(
    claims: &BTreeMap<String, Vec<Claim>>,
    status: impl Fn(&str, u32) -> Option<i64>,
) -> Vec<Broken> {
    let mut out = Vec::new();
    for list in claims.values() {
        for c in list {
            match status(&c.key, c.version) {
                Some(s) if s < c.floor.code() => out.push(Broken {
                    key: Some(c.key.clone()),
                    what: format!(
                        "v{} was {} at event {} (by {}), and is {} now: a row changed without an event",
                        c.version,
                        c.what,
                        c.seq,
                        crate::recipient::short_recipient(&c.by),
                        Status::from_code(s).map_or("unknown", Status::as_str)
                    ),
                }),
                _ => {}
            }
        }
    }
    out
}

/// [`claims`] checked against `status` at once.
pub fn check_revocations(
    events: &[Event],
    status: impl Fn(&str, u32) -> Option<i64>,
) -> Vec<Broken> {
    check_claims(&claims(events), status)
}

/// The keys `claims` are about.
pub fn claimed_keys(claims: &BTreeMap<String, Vec<Claim>>) -> BTreeSet<String> {
    claims.keys().cloned().collect()
}

/// The highest version of `key` issued by the events event `i` builds on (its ancestors
/// through both parents of a merge), since the key last came to be under that name.
fn issued_before(events: &[Event], at: &HashMap<[u8; 32], usize>, i: usize, key: &str) -> u32 {
    let mut seen = vec![false; events.len()];
    let mut stack = vec![i];
    let mut ancestors = Vec::new();
    while let Some(j) = stack.pop() {
        if std::mem::replace(&mut seen[j], true) {
            continue;
        }
        ancestors.push(j);
        let e = &events[j];
        for p in [Some(e.prev_hash), e.joined_hash].into_iter().flatten() {
            if p != GENESIS
                && let Some(&k) = at.get(&p)
            {
                stack.push(k);
            }
        }
    }
    ancestors.sort_unstable_by(|a, b| b.cmp(a));
    let mut top = 0;
    for j in ancestors.into_iter().filter(|&j| j != i) {
        let e = &events[j];
        let names = e.key.as_deref() == Some(key);
        match e.action {
            // Before this, the name held another key (or none).
            Action::Delete | Action::Rename if names => break,
            Action::Generate | Action::Set | Action::Import | Action::Rotate if names => {
                top = top.max(e.version.unwrap_or(0));
            }
            _ => {}
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, Chain, Via};

    /// A linear history of `(action, key, version)`.
    fn history(steps: &[(Action, &str, Option<u32>)]) -> Vec<Event> {
        let mut prev = GENESIS;
        steps
            .iter()
            .enumerate()
            .map(|(i, (action, key, version))| {
                let mut hash = [0u8; 32];
                hash[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                let e = event(i as i64 + 1, *action, key, *version, prev, hash);
                prev = hash;
                e
            })
            .collect()
    }

    fn event(
        seq: i64,
        action: Action,
        key: &str,
        version: Option<u32>,
        prev_hash: [u8; 32],
        hash: [u8; 32],
    ) -> Event {
        Event {
            env: "prod".into(),
            chain: Chain::Lifecycle,
            seq,
            time: seq,
            action,
            key: (!key.is_empty()).then(|| key.to_owned()),
            version,
            keys: Vec::new(),
            actor: Actor {
                recipient: "age1admin".into(),
                os_user: "ann".into(),
                host: "box".into(),
                via: Via::File,
            },
            reason: None,
            subject: None,
            subject_label: None,
            actor_label: None,
            outcome: "ok".into(),
            prev_hash,
            hash,
            joined_hash: None,
            renumbered: None,
        }
    }

    fn rows(list: &[(&str, u32, Status)]) -> impl Fn(&str, u32) -> Option<i64> {
        let map: HashMap<(String, u32), i64> = list
            .iter()
            .map(|(k, v, s)| ((k.to_string(), *v), s.code()))
            .collect();
        move |k, v| map.get(&(k.to_owned(), v)).copied()
    }

    use Action::*;
    use Status::*;

    #[test]
    fn a_revocation_undone_in_the_rows_is_found() {
        let h = history(&[
            (Generate, "K1", Some(1)),
            (Revoke, "K1", None),
            (Generate, "D1", Some(1)),
        ]);
        let broken = check_revocations(&h, rows(&[("K1", 1, Active), ("D1", 1, Active)]));
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert!(
            broken[0].what.contains("v1 was revoked at event 2"),
            "{broken:?}"
        );
        assert!(check_revocations(&h, rows(&[("K1", 1, Revoked)])).is_empty());
        // One version named: that one only.
        let h = history(&[
            (Generate, "K", Some(1)),
            (Rotate, "K", Some(2)),
            (Revoke, "K", Some(1)),
        ]);
        assert!(check_revocations(&h, rows(&[("K", 1, Revoked), ("K", 2, Active)])).is_empty());
        assert_eq!(
            check_revocations(&h, rows(&[("K", 1, Retired), ("K", 2, Active)])).len(),
            1
        );
    }

    #[test]
    fn a_rotation_undone_in_the_rows_is_found() {
        let h = history(&[(Generate, "K", Some(1)), (Rotate, "K", Some(2))]);
        for ok in [Retiring, Retired, Revoked] {
            assert!(check_revocations(&h, rows(&[("K", 1, ok), ("K", 2, Active)])).is_empty());
        }
        let broken = check_revocations(&h, rows(&[("K", 1, Active), ("K", 2, Active)]));
        assert!(
            broken[0]
                .what
                .contains("moved out of service by a rotation")
        );
    }

    #[test]
    fn versions_issued_after_a_revocation_of_every_version_stay_in_service() {
        let h = history(&[
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
            (Rotate, "K", Some(2)),
        ]);
        assert!(check_revocations(&h, rows(&[("K", 1, Revoked), ("K", 2, Active)])).is_empty());
    }

    #[test]
    fn deleted_renamed_and_renumbered_keys_are_not_judged_but_renames_are_followed() {
        let revoked_then = |last: Action, key: &str| {
            history(&[
                (Generate, "K", Some(1)),
                (Revoke, "K", None),
                (last, key, None),
            ])
        };
        // Deleted and made again: v1 is another value.
        let h = history(&[
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
            (Delete, "K", None),
            (Generate, "K", Some(1)),
        ]);
        assert!(check_revocations(&h, rows(&[("K", 1, Active)])).is_empty());
        for last in [MergeConflict, Resolve] {
            assert!(
                check_revocations(&revoked_then(last, "K"), rows(&[("K", 1, Active)])).is_empty()
            );
        }
        // Renamed: the versions went with it.
        let mut h = revoked_then(Rename, "L");
        h[2].reason = Some("renamed from K".into());
        assert_eq!(check_revocations(&h, rows(&[("L", 1, Active)])).len(), 1);
        assert!(check_revocations(&h, rows(&[("L", 1, Revoked)])).is_empty());
        // Made again under its old name after a rename away: not the revoked one.
        let mut h = history(&[
            (Generate, "K", Some(1)),
            (Rename, "L", None),
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
        ]);
        h[1].reason = Some("renamed from K".into());
        assert_eq!(check_revocations(&h, rows(&[("K", 1, Active)])).len(), 1);
    }

    #[test]
    fn a_revocation_covers_what_its_own_side_had_issued_not_the_other_sides() {
        // BASE: K v1. One side revokes every version; the other rotates (v2). The merge
        // keeps the other side's new value in service.
        let base = event(1, Generate, "K", Some(1), GENESIS, [1; 32]);
        let rotate = event(2, Rotate, "K", Some(2), [1; 32], [2; 32]);
        let revoke = event(3, Revoke, "K", None, [1; 32], [3; 32]);
        let mut merge = event(4, Merge, "", None, [2; 32], [4; 32]);
        merge.joined_hash = Some([3; 32]);
        let h = vec![base, rotate, revoke, merge];
        assert!(check_revocations(&h, rows(&[("K", 1, Revoked), ("K", 2, Active)])).is_empty());
        assert_eq!(
            check_revocations(&h, rows(&[("K", 1, Retiring), ("K", 2, Active)])).len(),
            1
        );
    }
}
