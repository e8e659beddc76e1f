//! The status floor by value (DESIGN §9 round 3), over plain data: no merged value is
//! less out of service than any side has it, under any name — nor than a side's own
//! events say it took it out of service before deleting its key. No SQL, no files.

use std::collections::HashMap;

use crate::audit::{Action, Event};
use crate::codes::Status;
use crate::vault::schema::{ST_RETIRED, ST_REVOKED};
use crate::vault::transition::{claims, renumbers};

use super::keys::{Changes, Key, Keys};
use super::versions::Ver;

/// What a side's own events took out of service of a key the side then deleted: the
/// key's name and version as BASE has them, and the event that did it.
pub(super) struct Deleted {
    pub(super) key: String,
    version: u32,
    floor: Status,
    event: Event,
}

/// What a side took out of service and then deleted (a `revoke`, or a `rotate` that moved
/// a version out), as BASE names it.
///
/// A side that revokes `K` and then deletes it has no row left to say so; if the other
/// side renamed `K` to `L`, the value lives on under `L`, and the floor by value, which
/// sees rows only, would bring the revoked value back in service (and every reader would
/// then refuse the merged file: its history says `K` v1 was revoked). `is_new` tells the
/// side's events that BASE does not hold; a claim is kept only when the key's name and
/// numbers are BASE's (no key made again, renamed into, or renumbered on the side before
/// the event), so the version is BASE's.
pub(super) fn deleted_out_of_service(
    side: &Keys,
    events: &[Event],
    is_new: impl Fn(&Event) -> bool,
) -> Vec<Deleted> {
    let mut out = Vec::new();
    if !events
        .iter()
        .any(|e| e.action == Action::Delete && is_new(e))
    {
        return out;
    }
    for c in claims(events).values().flatten() {
        let e = &events[c.event];
        let holds = |n: &String| {
            side.get(n)
                .is_some_and(|k| k.versions.values().any(|v| v.version == c.version))
        };
        if !is_new(e) || c.names.iter().any(holds) {
            continue;
        }
        // The names the key had on this side since BASE, the event's first and BASE's
        // last, and whether its numbers kept their meaning meanwhile.
        let mut before = vec![c.names[0].as_str()];
        let mut renumbered = false;
        for p in events[..c.event].iter().rev().filter(|p| is_new(p)) {
            let Some(k) = p.key.as_deref() else { continue };
            if !before.contains(&k) || !renumbers(p) {
                continue;
            }
            let from = p
                .reason
                .as_deref()
                .and_then(|r| r.strip_prefix("renamed from "));
            match from {
                Some(from) if p.action == Action::Rename && before.last() == Some(&k) => {
                    before.push(from)
                }
                _ => renumbered = true,
            }
        }
        if let (false, Some(key)) = (renumbered, before.last()) {
            out.push(Deleted {
                key: (*key).to_owned(),
                version: c.version,
                floor: c.floor(),
                event: e.clone(),
            });
        }
    }
    out
}

/// BASE's versions that `deleted` names, raised to what their events say, by the value's
/// SHA-256 (for [`floor_by_value`]). `base`: BASE's keys, those `deleted` names among
/// them. A rotation's end of grace is not in its event: such a value comes out retired,
/// its grace cut short rather than guessed.
pub(super) fn raised_at_base(deleted: &[Deleted], base: &Keys) -> Vec<([u8; 32], Ver)> {
    let mut out = Vec::new();
    for d in deleted {
        let found = base
            .get(&d.key)
            .and_then(|k| k.versions.iter().find(|(_, v)| v.version == d.version));
        let Some((fp, v)) = found else { continue };
        let (mut v, e) = (v.clone(), &d.event);
        if d.floor == Status::Revoked {
            v.status = ST_REVOKED;
            v.revoked_at = Some(e.time);
            v.revoked_by = Some(e.actor.clone());
            v.revoke_reason = e.reason.clone();
        } else if v.status < ST_RETIRED {
            v.status = ST_RETIRED;
            v.retire_at = Some(v.retire_at.map_or(e.time, |t| t.min(e.time)));
        }
        out.push((*fp, v));
    }
    out
}

/// No merged value is less out of service than any side has it, under any name (DESIGN
/// §9 round 3: a key renamed on one side and rotated on the other must not bring the
/// retired value back as active under its new name, whichever side renamed it). Values
/// match by SHA-256. `sides` are BASE, OURS and THEIRS as loaded; a key of ours the
/// merge leaves as ours has it is floored too, and joins `changes` if that raises it.
/// `deleted`: what a side took out of service and then deleted
/// ([`deleted_out_of_service`]).
pub(super) fn floor_by_value(
    changes: &mut Changes,
    sides: [&Keys; 3],
    deleted: &[([u8; 32], Ver)],
) {
    let mut most: HashMap<[u8; 32], &Ver> = HashMap::new();
    let rows = sides
        .iter()
        .flat_map(|side| side.values())
        .flat_map(|k| &k.versions);
    for (fp, v) in rows.chain(deleted.iter().map(|(fp, v)| (fp, v))) {
        let e = most.entry(*fp).or_insert(v);
        if v.status > e.status {
            *e = v;
        }
    }
    let raise = |k: &mut Key| -> bool {
        let mut raised = false;
        for (fp, v) in k.versions.iter_mut() {
            if let Some(m) = most.get(fp)
                && m.status > v.status
            {
                v.status = m.status;
                v.retire_at = m.retire_at.or(v.retire_at);
                v.revoked_at = m.revoked_at;
                v.revoked_by = m.revoked_by.clone();
                v.revoke_reason = m.revoke_reason.clone();
                raised = true;
            }
        }
        raised
    };
    for k in changes.values_mut().flatten() {
        raise(k);
    }
    let [_, ours, _] = sides;
    for (name, k) in ours {
        if changes.contains_key(name) {
            continue;
        }
        let mut k = k.clone();
        if raise(&mut k) {
            changes.insert(name.clone(), Some(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::merge::testkit::{actor, fp, key, keys, ver};
    use crate::vault::schema::{ST_ACTIVE, ST_RETIRED, ST_RETIRING, ST_REVOKED};
    use crate::vault::transition::testkit::history;

    #[test]
    fn a_value_out_of_service_under_one_name_is_out_of_service_under_another() {
        // Ours renamed E to E2; theirs rotated E, retiring value 1.
        let b = keys([("E", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let o = keys([("E2", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let mut retired = ver(1, 1, ST_RETIRED, 10);
        retired.retire_at = Some(70);
        let t = keys([("E", key([retired, ver(2, 2, ST_ACTIVE, 60)]))]);
        let mut changes: Changes = [("E2".to_owned(), Some(o["E2"].clone()))].into();
        floor_by_value(&mut changes, [&b, &o, &t], &[]);
        let v = &changes["E2"].as_ref().unwrap().versions[&fp(1)];
        assert_eq!((v.status, v.retire_at), (ST_RETIRED, Some(70)));
    }

    #[test]
    fn a_key_the_merge_leaves_as_ours_has_it_is_floored_too() {
        // The same, merged on ours' end: ours renamed E to E2, so E2 is ours' as it is
        // (theirs has no E2) — yet its value is retired on theirs.
        let b = keys([("E", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let o = keys([
            ("E2", key([ver(1, 1, ST_ACTIVE, 10)])),
            ("OTHER", key([ver(3, 1, ST_ACTIVE, 10)])),
        ]);
        let t = keys([(
            "E",
            key([ver(1, 1, ST_RETIRED, 10), ver(2, 2, ST_ACTIVE, 60)]),
        )]);
        let mut changes: Changes = [("E".to_owned(), None)].into();
        floor_by_value(&mut changes, [&b, &o, &t], &[]);
        let v = &changes["E2"].as_ref().expect("E2 rewritten").versions[&fp(1)];
        assert_eq!(v.status, ST_RETIRED);
        assert!(
            !changes.contains_key("OTHER"),
            "nothing to raise: left as ours has it"
        );
        assert!(changes["E"].is_none());
    }

    #[test]
    fn a_revocation_comes_with_its_time_actor_and_reason() {
        let b = keys([("K", key([ver(1, 1, ST_RETIRING, 10)]))]);
        let mut revoked = ver(1, 1, ST_REVOKED, 10);
        revoked.revoked_by = Some(actor("theirs"));
        let t = keys([("OTHER", key([revoked.clone()]))]);
        let mut changes: Changes = [("K".to_owned(), Some(b["K"].clone()))].into();
        floor_by_value(&mut changes, [&b, &b, &t], &[]);
        let v = &changes["K"].as_ref().unwrap().versions[&fp(1)];
        assert_eq!(v.status, ST_REVOKED);
        assert_eq!(v.revoked_at, revoked.revoked_at);
        assert_eq!(v.revoked_by, Some(actor("theirs")));
        assert_eq!(v.revoke_reason, revoked.revoke_reason);
        assert_eq!(v.retire_at, Some(15), "its own end of grace kept");
    }

    #[test]
    fn the_floor_never_lowers_a_status() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let mut changes: Changes =
            [("K".to_owned(), Some(key([ver(1, 1, ST_REVOKED, 10)])))].into();
        floor_by_value(&mut changes, [&b, &b, &b], &[]);
        assert_eq!(
            changes["K"].as_ref().unwrap().versions[&fp(1)].status,
            ST_REVOKED
        );
    }

    /// A side's history after a BASE of `generate K`: `steps`, each new; a rename's
    /// reason says where from.
    fn side_history(steps: &[(Action, &str, Option<u32>, Option<&str>)]) -> Vec<Event> {
        let mut all = vec![(Action::Generate, "K", Some(1))];
        all.extend(steps.iter().map(|(a, k, v, _)| (*a, *k, *v)));
        let mut h = history(&all);
        for (e, (_, _, _, why)) in h[1..].iter_mut().zip(steps) {
            e.reason = why.map(str::to_owned);
        }
        h
    }

    fn out_of_service(events: &[Event], side: &Keys, base: &Keys) -> Vec<([u8; 32], Ver)> {
        let d = deleted_out_of_service(side, events, |e| e.seq > 1);
        raised_at_base(&d, base)
    }

    #[test]
    fn a_key_revoked_then_deleted_keeps_its_value_revoked_by_its_event() {
        use Action::*;
        let base = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let mut h = side_history(&[
            (Revoke, "K", None, Some("leaked")),
            (Delete, "K", None, None),
        ]);
        h[1].actor = actor("ann");
        let got = out_of_service(&h, &Keys::new(), &base);
        assert_eq!(got.len(), 1);
        let (f, v) = &got[0];
        assert_eq!(*f, fp(1));
        assert_eq!(v.status, ST_REVOKED);
        assert_eq!(v.revoked_at, Some(h[1].time));
        assert_eq!(v.revoked_by, Some(actor("ann")));
        assert_eq!(v.revoke_reason.as_deref(), Some("leaked"));
        // Through the floor, the value renamed on the other side is revoked.
        let mut changes: Changes = [("L".to_owned(), Some(base["K"].clone()))].into();
        floor_by_value(&mut changes, [&base, &base, &Keys::new()], &got);
        assert_eq!(
            changes["L"].as_ref().unwrap().versions[&fp(1)].status,
            ST_REVOKED
        );
    }

    #[test]
    fn a_rotation_then_a_delete_retires_the_value_at_the_rotation() {
        use Action::*;
        let base = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let h = side_history(&[(Rotate, "K", Some(2), None), (Delete, "K", None, None)]);
        let got = out_of_service(&h, &Keys::new(), &base);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].1.status, got[0].1.retire_at),
            (ST_RETIRED, Some(h[1].time))
        );
    }

    #[test]
    fn renames_on_the_side_are_followed_back_to_the_name_base_has() {
        use Action::*;
        let base = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let h = side_history(&[
            (Rename, "J", None, Some("renamed from K")),
            (Revoke, "J", Some(1), None),
            (Delete, "J", None, None),
        ]);
        let got = out_of_service(&h, &Keys::new(), &base);
        assert_eq!(got.iter().map(|(f, _)| *f).collect::<Vec<_>>(), [fp(1)]);
    }

    #[test]
    fn nothing_is_said_of_base_values_when_the_numbers_changed_meaning_or_the_rows_remain() {
        use Action::*;
        let base = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        // The key was deleted and made again on the side before it was revoked: the
        // revocation is of the new value, not BASE's.
        let remade = side_history(&[
            (Delete, "K", None, None),
            (Generate, "K", Some(1), None),
            (Revoke, "K", None, None),
            (Delete, "K", None, None),
        ]);
        assert!(out_of_service(&remade, &Keys::new(), &base).is_empty());
        // Another key renamed into the name first.
        let into = side_history(&[
            (Delete, "K", None, None),
            (Rename, "K", None, Some("renamed from OTHER")),
            (Revoke, "K", None, None),
            (Delete, "K", None, None),
        ]);
        assert!(out_of_service(&into, &Keys::new(), &base).is_empty());
        // The side still holds the version: its rows say it (the floor reads them).
        let kept = side_history(&[(Revoke, "K", None, None), (Delete, "OTHER", None, None)]);
        assert!(out_of_service(&kept, &base, &base).is_empty());
        // No delete on the side: nothing to look for.
        let none = side_history(&[(Revoke, "K", None, None)]);
        assert!(out_of_service(&none, &Keys::new(), &base).is_empty());
        // A revocation BASE already holds is not the side's to say.
        let old = side_history(&[(Revoke, "K", None, None), (Delete, "K", None, None)]);
        let d = deleted_out_of_service(&Keys::new(), &old, |e| e.seq > 2);
        assert!(d.is_empty());
    }
}
