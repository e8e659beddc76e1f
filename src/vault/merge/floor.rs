//! The status floor by value (DESIGN §9 round 3), over plain data: no merged value is
//! less out of service than any side has it, under any name. No SQL, no files.

use std::collections::HashMap;

use super::keys::{Changes, Key, Keys};
use super::versions::Ver;

/// No merged value is less out of service than any side has it, under any name (DESIGN
/// §9 round 3: a key renamed on one side and rotated on the other must not bring the
/// retired value back as active under its new name, whichever side renamed it). Values
/// match by SHA-256. `sides` are BASE, OURS and THEIRS as loaded; a key of ours the
/// merge leaves as ours has it is floored too, and joins `changes` if that raises it.
pub(super) fn floor_by_value(changes: &mut Changes, sides: [&Keys; 3]) {
    let mut most: HashMap<[u8; 32], &Ver> = HashMap::new();
    for side in sides {
        for k in side.values() {
            for (fp, v) in &k.versions {
                let e = most.entry(*fp).or_insert(v);
                if v.status > e.status {
                    *e = v;
                }
            }
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

    #[test]
    fn a_value_out_of_service_under_one_name_is_out_of_service_under_another() {
        // Ours renamed E to E2; theirs rotated E, retiring value 1.
        let b = keys([("E", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let o = keys([("E2", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let mut retired = ver(1, 1, ST_RETIRED, 10);
        retired.retire_at = Some(70);
        let t = keys([("E", key([retired, ver(2, 2, ST_ACTIVE, 60)]))]);
        let mut changes: Changes = [("E2".to_owned(), Some(o["E2"].clone()))].into();
        floor_by_value(&mut changes, [&b, &o, &t]);
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
        floor_by_value(&mut changes, [&b, &o, &t]);
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
        floor_by_value(&mut changes, [&b, &b, &t]);
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
        floor_by_value(&mut changes, [&b, &b, &b]);
        assert_eq!(
            changes["K"].as_ref().unwrap().versions[&fp(1)].status,
            ST_REVOKED
        );
    }
}
