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
//! Version numbers are what the events name, so a claim is not applied where they may
//! have come to mean another value on a line the event did not see: a key made again
//! (a `generate`, `set` or `import` of version 1) or renumbered by a merge that kept two
//! new values (`merge-conflict`), anywhere but before the event on its own line of the
//! history (its ancestors in the event DAG). A `delete` or `resolve` does not lift a
//! claim by itself (a key deleted is gone, and nothing is claimed of it; a delete a merge
//! did not take leaves its key as it was; a resolve only follows a merge-conflict), and a
//! rename is followed to the name the value has now — falling back to the name it had
//! when the rename names a key that is not there.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::audit::{Action, Event, GENESIS};
use crate::codes::Status;

use super::Broken;

/// What one event says of a version's status now: at least `floor`.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The names the key had from the event on (renames followed), the latest last.
    pub names: Vec<String>,
    pub version: u32,
    floor: Status,
    /// The event that says so: its place in the events the claims were made from, its
    /// number and writer, and what it did.
    pub event: usize,
    seq: i64,
    by: String,
    what: &'static str,
}

/// The events that may give a name's version numbers another meaning: a version 1
/// issued (the key made, or made again), another key renamed to it (the name now holds
/// that key's versions), and a merge that renumbered it.
pub fn renumbers(e: &Event) -> bool {
    match e.action {
        Action::Generate | Action::Set | Action::Import => e.version == Some(1),
        Action::Rename | Action::MergeConflict => true,
        _ => false,
    }
}

/// A key's first making: the one renumbering event that is always an ancestor of what
/// is done to the key, so it alone needs no look.
fn first_making(e: &Event) -> bool {
    matches!(e.action, Action::Generate | Action::Set | Action::Import)
}

/// What the revocations and rotations of `events` say of the rows, by key (its name
/// now). A rotation says it of every version before the one it issued; only the latest
/// one of each key is kept (it says the most).
pub fn claims(events: &[Event]) -> BTreeMap<String, Vec<Claim>> {
    let dag = Dag::new(events);
    let renames: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.action == Action::Rename)
        .map(|(i, _)| i)
        .collect();
    // Per name, the events that renumber it: the first making of a key is one, and
    // always an ancestor of what is done to it, so only a second one needs a look.
    let mut renumbering: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if renumbers(e)
            && let Some(k) = e.key.as_deref()
        {
            renumbering.entry(k).or_default().push(i);
        }
    }
    // Whether, for event `i` whose key had `names` from then on, some renumbering of
    // one of those names happened off `i`'s own line — the renames `names` followed
    // excepted (they carried the versions along, numbers and all).
    let risky = |names: &[String], i: usize| {
        names.iter().enumerate().any(|(k, n)| {
            let followed = k
                .checked_sub(1)
                .map(|p| format!("renamed from {}", names[p]));
            renumbering.get(n.as_str()).is_some_and(|list| {
                let list: Vec<usize> = list
                    .iter()
                    .copied()
                    .filter(|&d| {
                        !(events[d].action == Action::Rename
                            && followed.is_some()
                            && events[d].reason == followed)
                    })
                    .collect();
                let needs_look =
                    list.len() > 1 || list.first().is_some_and(|&d| !first_making(&events[d]));
                needs_look && list.iter().any(|&d| d != i && !dag.is_ancestor(d, i))
            })
        })
    };
    let mut out: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    let mut rotated: HashMap<String, (u32, usize, Vec<String>)> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if !matches!(e.action, Action::Revoke | Action::Rotate) {
            continue;
        }
        let Some(key) = e.key.as_deref() else {
            continue;
        };
        // A rename after the event is the revoked key's when it is on the event's own
        // line, or when it saw the same key: every making of the name the event saw
        // is one the rename saw too (a rename on another line of a key this line
        // deleted and made again is of another value).
        let same_key = |r: usize, name: &str| {
            dag.is_ancestor(i, r)
                || renumbering.get(name).is_none_or(|list| {
                    list.iter()
                        .filter(|&&d| d != r && d < i && dag.is_ancestor(d, i))
                        .all(|&d| dag.is_ancestor(d, r))
                })
        };
        let later = renames[renames.partition_point(|&r| r <= i)..]
            .iter()
            .map(|&r| (r, &events[r]));
        let names = follow(key, later, same_key);
        let now = names.last().expect("at least the key").clone();
        let claim = |version, floor, what| Claim {
            names: names.clone(),
            version,
            floor,
            event: i,
            seq: e.seq,
            by: e.actor.recipient.clone(),
            what,
        };
        let list = match (e.action, e.version) {
            (Action::Revoke, _) if risky(&names, i) => continue,
            (Action::Revoke, Some(v)) => vec![claim(v, Status::Revoked, "revoked")],
            (Action::Revoke, None) => (1..=issued_before(events, i, key))
                .map(|v| claim(v, Status::Revoked, "revoked"))
                .collect(),
            (_, Some(v)) => {
                let newest = rotated.entry(now.clone()).or_insert((v, i, names.clone()));
                if v >= newest.0 {
                    *newest = (v, i, names.clone());
                }
                continue;
            }
            (_, None) => continue,
        };
        out.entry(now).or_default().extend(list);
    }
    for (key, (v, i, names)) in rotated {
        if risky(&names, i) {
            continue;
        }
        let e = &events[i];
        out.entry(key).or_default().extend((1..v).map(|old| Claim {
            names: names.clone(),
            version: old,
            floor: Status::Retiring,
            event: i,
            seq: e.seq,
            by: e.actor.recipient.clone(),
            what: "moved out of service by a rotation",
        }));
    }
    out
}

/// The names `key` has after `later` (the renames after the event naming it), from
/// `key` itself to the latest.
fn follow<'a>(
    key: &str,
    later: impl Iterator<Item = (usize, &'a Event)>,
    same_key: impl Fn(usize, &str) -> bool,
) -> Vec<String> {
    let mut names = vec![key.to_owned()];
    for (r, e) in later {
        let cur = names.last().expect("at least the key");
        if e.reason.as_deref() == Some(format!("renamed from {cur}").as_str())
            && same_key(r, cur)
            && let Some(to) = &e.key
        {
            names.push(to.clone());
        }
    }
    names
}

impl Claim {
    /// How far out of service the event says the version is, at least.
    pub fn floor(&self) -> Status {
        self.floor
    }
}

/// Every way the rows contradict `claims`; `status` is the stored status of a version
/// (`None`: no such version: versions dropped are the rules between states' concern). A
/// claim is judged under the latest of its names that holds the version.
pub fn check_claims(
    claims: &BTreeMap<String, Vec<Claim>>,
    status: impl Fn(&str, u32) -> Option<i64>,
) -> Vec<Broken> {
    let mut out = Vec::new();
    for list in claims.values() {
        for c in list {
            let found = c
                .names
                .iter()
                .rev()
                .find_map(|n| status(n, c.version).map(|s| (n, s)));
            match found {
                Some((name, s)) if s < c.floor.code() => out.push(Broken {
                    key: Some(name.clone()),
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

/// Every name `claims` may be judged under.
pub fn claimed_keys(claims: &BTreeMap<String, Vec<Claim>>) -> BTreeSet<String> {
    claims
        .values()
        .flatten()
        .flat_map(|c| c.names.iter().cloned())
        .collect()
}

/// The event DAG: each event's parents (its previous event and, for a merge, the head it
/// joined), indexed only when a question needs it.
struct Dag<'a> {
    events: &'a [Event],
    at: std::cell::OnceCell<HashMap<[u8; 32], usize>>,
}

impl<'a> Dag<'a> {
    fn new(events: &'a [Event]) -> Dag<'a> {
        Dag {
            events,
            at: std::cell::OnceCell::new(),
        }
    }

    fn parents(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let at = self.at.get_or_init(|| {
            self.events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.hash, i))
                .collect()
        });
        let e = &self.events[i];
        [Some(e.prev_hash), e.joined_hash]
            .into_iter()
            .flatten()
            .filter(|p| *p != GENESIS)
            .filter_map(move |p| at.get(&p).copied())
    }

    /// Whether event `d` is an ancestor of event `i`. Parents come before their
    /// children in a stored chain, so the walk back from `i` stops below `d`.
    fn is_ancestor(&self, d: usize, i: usize) -> bool {
        if d > i {
            return false;
        }
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if j == d {
                return true;
            }
            if j < d || !seen.insert(j) {
                continue;
            }
            stack.extend(self.parents(j));
        }
        false
    }
}

/// The highest version of `key` issued by the events event `i` builds on (its ancestors
/// through both parents of a merge), since the key last came to be: renames followed
/// back to the name it had, a merge's renumbering counted.
fn issued_before(events: &[Event], i: usize, key: &str) -> u32 {
    let mut cur = key.to_owned();
    let mut top = 0;
    let ancestors = crate::audit::ancestry(events, i);
    for j in (0..i).rev().filter(|&j| ancestors[j]) {
        let e = &events[j];
        if e.key.as_deref() != Some(cur.as_str()) {
            continue;
        }
        match e.action {
            Action::Delete => break,
            Action::Rename => match e
                .reason
                .as_deref()
                .and_then(|r| r.strip_prefix("renamed from "))
            {
                Some(from) => cur = from.to_owned(),
                None => break,
            },
            Action::Generate | Action::Set | Action::Import | Action::Rotate => {
                top = top.max(e.version.unwrap_or(0));
            }
            // "both sides gave it a new value: v2, v3 kept"
            Action::MergeConflict => {
                for word in e.reason.as_deref().unwrap_or("").split([' ', ',', ':']) {
                    if let Some(v) = word.strip_prefix('v').and_then(|n| n.parse::<u32>().ok()) {
                        top = top.max(v);
                    }
                }
            }
            _ => {}
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{event, history};
    use super::*;

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

    /// One line deleted K, made it again and revoked the new one; the other renamed the
    /// old K to L. Merged, L holds the old value, in service: the revocation is of the
    /// new K, and the other line's rename is of a key this line had deleted.
    #[test]
    fn a_rename_on_another_line_of_a_key_made_again_here_is_not_the_revoked_key() {
        let h = |n: u8| {
            let mut x = [0u8; 32];
            x[0] = n;
            x
        };
        let ev = |seq: i64, action, key, version, prev: u8, reason: Option<&str>| {
            let mut e = event(seq, action, key, version, h(prev), h(seq as u8));
            e.reason = reason.map(str::to_owned);
            e
        };
        let mut merge = ev(6, Merge, "", None, 4, None);
        merge.joined_hash = Some(h(5));
        let events = vec![
            ev(1, Generate, "K", Some(1), 0, None),
            ev(2, Delete, "K", None, 1, None),
            ev(3, Generate, "K", Some(1), 2, None),
            ev(4, Revoke, "K", None, 3, None),
            ev(5, Rename, "L", None, 1, Some("renamed from K")),
            merge,
        ];
        let merged = rows(&[("K", 1, Revoked), ("L", 1, Active)]);
        assert!(check_revocations(&events, &merged).is_empty());
        // Where the rename did see the revoked key (no making of K on the revoking
        // line), it is followed: the value under L must stay revoked.
        let plain = vec![
            ev(1, Generate, "K", Some(1), 0, None),
            ev(4, Revoke, "K", None, 1, None),
            ev(5, Rename, "L", None, 1, Some("renamed from K")),
            {
                let mut m = ev(6, Merge, "", None, 4, None);
                m.joined_hash = Some(h(5));
                m
            },
        ];
        assert_eq!(
            check_revocations(&plain, rows(&[("L", 1, Active)])).len(),
            1
        );
    }

    #[test]
    fn keys_made_again_are_not_judged_but_renames_are_followed_both_ways() {
        // Deleted and made again: v1 is another value.
        let h = history(&[
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
            (Delete, "K", None),
            (Generate, "K", Some(1)),
        ]);
        assert!(check_revocations(&h, rows(&[("K", 1, Active)])).is_empty());
        // Renamed: the versions went with it.
        let mut h = history(&[
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
            (Rename, "L", None),
        ]);
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
        // Renamed before the revocation of every version: its versions are counted
        // under the name they were issued under.
        let mut h = history(&[
            (Generate, "K", Some(1)),
            (Rename, "L", None),
            (Revoke, "L", None),
        ]);
        h[1].reason = Some("renamed from K".into());
        assert_eq!(check_revocations(&h, rows(&[("L", 1, Active)])).len(), 1);
    }

    #[test]
    fn a_name_another_key_is_renamed_to_after_a_delete_is_not_the_one_revoked() {
        let mut h = history(&[
            (Generate, "K", Some(1)),
            (Generate, "J", Some(1)),
            (Revoke, "K", None),
            (Rotate, "K", Some(2)),
            (Delete, "K", None),
            (Rename, "K", None),
        ]);
        h[5].reason = Some("renamed from J".into());
        assert!(check_revocations(&h, rows(&[("K", 1, Active)])).is_empty());
    }

    #[test]
    fn events_that_do_nothing_do_not_lift_a_revocation() {
        // A writer's `resolve` with no merge-conflict, a `delete` that left the rows, a
        // rename to a key that is not there: the revoked value is still judged.
        for (action, key, reason) in [
            (Resolve, "K", None),
            (Delete, "K", None),
            (Rename, "GHOST", Some("renamed from K")),
        ] {
            let mut h = history(&[
                (Generate, "K", Some(1)),
                (Revoke, "K", None),
                (action, key, None),
            ]);
            h[2].reason = reason.map(str::to_owned);
            assert_eq!(
                check_revocations(&h, rows(&[("K", 1, Active)])).len(),
                1,
                "{action:?}"
            );
        }
        // A merge-conflict is a renumbering: not judged.
        let h = history(&[
            (Generate, "K", Some(1)),
            (Revoke, "K", None),
            (MergeConflict, "K", None),
        ]);
        assert!(check_revocations(&h, rows(&[("K", 1, Active)])).is_empty());
    }

    #[test]
    fn a_key_made_again_on_another_branch_is_not_the_one_revoked() {
        // BASE: K v1. One side deletes K and makes it again (a new v1); the other
        // revokes K. Merged, v1 is the new value, in service.
        let base = event(1, Generate, "K", Some(1), GENESIS, [1; 32]);
        let delete = event(2, Delete, "K", None, [1; 32], [2; 32]);
        let again = event(3, Generate, "K", Some(1), [2; 32], [3; 32]);
        let revoke = event(4, Revoke, "K", None, [1; 32], [4; 32]);
        let mut merge = event(5, Merge, "", None, [3; 32], [5; 32]);
        merge.joined_hash = Some([4; 32]);
        let h = vec![base, delete, again, revoke, merge];
        assert!(check_revocations(&h, rows(&[("K", 1, Active)])).is_empty());
    }

    #[test]
    fn a_revocation_after_a_renumbering_merge_covers_every_version_it_kept() {
        let base = event(1, Generate, "K", Some(1), GENESIS, [1; 32]);
        let ours = event(2, Rotate, "K", Some(2), [1; 32], [2; 32]);
        let theirs = event(3, Rotate, "K", Some(2), [1; 32], [3; 32]);
        let mut merge = event(4, Merge, "", None, [2; 32], [4; 32]);
        merge.joined_hash = Some([3; 32]);
        let mut conflict = event(5, MergeConflict, "K", None, [4; 32], [5; 32]);
        conflict.reason = Some("both sides gave it a new value: v2, v3 kept".into());
        let revoke = event(6, Revoke, "K", None, [5; 32], [6; 32]);
        let h = vec![base, ours, theirs, merge, conflict, revoke];
        let all = [("K", 1, Revoked), ("K", 2, Revoked), ("K", 3, Revoked)];
        assert!(check_revocations(&h, rows(&all)).is_empty());
        let broken = check_revocations(
            &h,
            rows(&[("K", 1, Revoked), ("K", 2, Revoked), ("K", 3, Active)]),
        );
        assert_eq!(broken.len(), 1, "{broken:?}");
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
