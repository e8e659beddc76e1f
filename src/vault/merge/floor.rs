//! The status floor by value (DESIGN §9 round 3), over plain data: no merged value is
//! less out of service than any side has it, under any name — nor than a side's own
//! events say it took it out of service before deleting its key. No SQL, no files.

use std::collections::HashMap;

use crate::audit::{Action, Event};
use crate::codes::Status;
use crate::vault::schema::{ST_RETIRED, ST_REVOKED};
use crate::vault::transition::renumbers;

use super::keys::{Changes, Key, Keys};
use super::versions::Ver;

/// What a side's own events took out of service of a key as BASE has it: the key's name
/// in BASE, the version (`None`: every version BASE has, as a rotation or a revocation
/// of the whole key says), and the event that did it.
pub(super) struct Deleted {
    pub(super) key: String,
    version: Option<u32>,
    floor: Status,
    event: Event,
}

/// What a side took out of service (a `revoke`, or a `rotate` that moved BASE's versions
/// out) of the keys BASE has, as BASE names them — for a side that deleted a key since
/// BASE, whose rows may no longer say so.
///
/// A side that revokes `K` and then deletes it (and perhaps makes `K` again) has no row
/// left of the revoked value; if the other side renamed `K` to `L`, the value lives on
/// under `L`, and the floor by value, which sees rows only, would bring it back in
/// service. Each revocation or rotation the side added is followed back over its own
/// line of history (the event's ancestors, not whatever else the side merged) through
/// the renames on it to the name BASE has; one whose key was made, renamed into or
/// renumbered on that line first is about another value and says nothing of BASE's.
/// `is_new` tells the side's events that BASE does not hold.
pub(super) fn deleted_out_of_service(
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
    for (i, e) in events.iter().enumerate() {
        let floor = match e.action {
            Action::Revoke => Status::Revoked,
            Action::Rotate => Status::Retiring,
            _ => continue,
        };
        let Some(key) = e.key.as_deref().filter(|_| is_new(e)) else {
            continue;
        };
        let line = crate::audit::ancestry(events, i);
        let mut name = key;
        let mut base_values = true;
        for (p, _) in events[..i]
            .iter()
            .zip(&line)
            .rev()
            .filter(|(p, on_line)| **on_line && is_new(p))
        {
            if p.key.as_deref() != Some(name) || !renumbers(p) {
                continue;
            }
            let from = p
                .reason
                .as_deref()
                .and_then(|r| r.strip_prefix("renamed from "));
            match from {
                Some(from) if p.action == Action::Rename => name = from,
                _ => {
                    base_values = false;
                    break;
                }
            }
        }
        if base_values {
            out.push(Deleted {
                key: name.to_owned(),
                version: e.version.filter(|_| e.action == Action::Revoke),
                floor,
                event: e.clone(),
            });
        }
    }
    out
}

/// BASE's versions that `deleted` names and `side` (the side whose events they are) no
/// longer holds under any name, raised to what their events say, by the value's SHA-256
/// (for [`floor_by_value`]; a value the side still holds is floored by its rows).
/// `base`: BASE's keys, those `deleted` names among them. A rotation's end of grace is
/// not in its event: such a value comes out retired, its grace cut short rather than
/// guessed.
pub(super) fn raised_at_base(
    deleted: &[Deleted],
    base: &Keys,
    side: &Keys,
) -> Vec<([u8; 32], Ver)> {
    let held: std::collections::HashSet<&[u8; 32]> =
        side.values().flat_map(|k| k.versions.keys()).collect();
    let mut out = Vec::new();
    for d in deleted {
        let Some(k) = base.get(&d.key) else { continue };
        let named = k
            .versions
            .iter()
            .filter(|(fp, v)| d.version.is_none_or(|n| n == v.version) && !held.contains(fp));
        for (fp, v) in named {
            let (mut v, e) = (v.clone(), &d.event);
            if d.floor == Status::Revoked {
                v.status = ST_REVOKED;
                v.revoked_at = Some(e.time);
                v.revoked_by = Some(e.actor.clone());
                v.revoke_reason = e.reason.clone();
            } else if v.status < ST_RETIRED {
                v.status = ST_RETIRED;
                v.retire_at = Some(v.retire_at.map_or(e.time, |t| t.min(e.time)));
            } else {
                continue;
            }
            out.push((*fp, v));
        }
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
        let d = deleted_out_of_service(events, |e| e.seq > 1);
        raised_at_base(&d, base, side)
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
        let d = deleted_out_of_service(&old, |e| e.seq > 2);
        assert!(d.is_empty());
    }

    #[test]
    fn a_key_revoked_deleted_and_made_again_keeps_the_old_value_revoked() {
        use Action::*;
        let base = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let h = side_history(&[
            (Revoke, "K", None, Some("leaked")),
            (Delete, "K", None, None),
            (Generate, "K", Some(1), None),
        ]);
        // The side's K v1 is another value now: BASE's is not held, so it is raised.
        let side = keys([("K", key([ver(2, 1, ST_ACTIVE, 60)]))]);
        let got = out_of_service(&h, &side, &base);
        assert_eq!(
            got.iter().map(|(f, v)| (*f, v.status)).collect::<Vec<_>>(),
            [(fp(1), ST_REVOKED)]
        );
    }

    /// A rename merged into the side from another line is not the revoked key's past:
    /// carol deleted X and renamed Y to X, alice renamed X to K, revoked K and deleted it;
    /// the side holds both lines. Y's value was never revoked, X's was.
    #[test]
    fn renames_on_another_line_of_the_side_are_not_followed() {
        use crate::vault::transition::testkit::event;
        use Action::*;
        let h = |n: u8| {
            let mut x = [0u8; 32];
            x[0] = n;
            x
        };
        let ev = |seq, action, key, reason: Option<&str>, prev, joined: Option<u8>| {
            let mut e = event(seq, action, key, None, h(prev), h(seq as u8));
            e.reason = reason.map(str::to_owned);
            e.joined_hash = joined.map(h);
            e
        };
        let events = vec![
            ev(1, Generate, "X", None, 0, None),
            ev(2, Generate, "Y", None, 1, None),
            ev(3, Delete, "X", None, 2, None),
            ev(4, Rename, "X", Some("renamed from Y"), 3, None),
            ev(5, Rename, "K", Some("renamed from X"), 2, None),
            ev(6, Revoke, "K", Some("leaked"), 5, None),
            ev(7, Delete, "K", None, 6, None),
            ev(8, Merge, "", None, 4, Some(7)),
        ];
        let base = keys([
            ("X", key([ver(1, 1, ST_ACTIVE, 10)])),
            ("Y", key([ver(2, 1, ST_ACTIVE, 10)])),
        ]);
        let side = keys([("X", key([ver(2, 1, ST_ACTIVE, 10)]))]);
        let d = deleted_out_of_service(&events, |e| e.seq > 2);
        let got = raised_at_base(&d, &base, &side);
        assert_eq!(got.iter().map(|(f, _)| *f).collect::<Vec<_>>(), [fp(1)]);
    }
}
