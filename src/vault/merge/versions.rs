//! One key's versions merged by value (DESIGN §9), over plain data: statuses only
//! forward, the earlier expiry, end of grace and revocation, and new values from both
//! sides renumbered after BASE's newest in a deterministic order. No SQL, no files.

use std::collections::BTreeMap;

use crate::audit::Actor;
use crate::secret::Secret;
use crate::vault::schema::{ST_ACTIVE, ST_RETIRING};

use super::recipients::Trust;

/// A version as merged: the value and its lifecycle columns.
#[derive(Clone, Debug)]
pub(super) struct Ver {
    pub(super) version: u32,
    pub(super) value: Secret,
    pub(super) created: i64,
    pub(super) expires: Option<i64>,
    pub(super) status: i64,
    pub(super) retire_at: Option<i64>,
    pub(super) revoked_at: Option<i64>,
    pub(super) revoked_by: Option<Actor>,
    pub(super) revoke_reason: Option<String>,
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Three-way on an optional time: the side that changed wins; both: the earlier.
fn merge_time(b: Option<Option<i64>>, o: Option<i64>, t: Option<i64>) -> Option<i64> {
    match b {
        Some(b) if b == o => t,
        Some(b) if b == t => o,
        _ => min_opt(o, t),
    }
}

/// Versions of one key merged by value. Returns the versions and, when both sides
/// added values, their merged numbers (a conflict to resolve).
pub(super) fn merge_versions(
    b: Option<&BTreeMap<[u8; 32], Ver>>,
    o: &BTreeMap<[u8; 32], Ver>,
    t: &BTreeMap<[u8; 32], Ver>,
    trust: Trust,
) -> (BTreeMap<[u8; 32], Ver>, Option<Vec<u32>>) {
    let empty = BTreeMap::new();
    let b = b.unwrap_or(&empty);
    let mut out = BTreeMap::new();
    for (value, ov) in o {
        let Some(tv) = t.get(value) else {
            // Only ours has it: new on ours, or (a BASE value) gone from theirs with
            // the key deleted and re-made there — then its deletion holds, if theirs
            // may delete.
            if !b.contains_key(value) || !trust.theirs {
                out.insert(*value, ov.clone());
            }
            continue;
        };
        let bv = b.get(value);
        // Status moves forward only; the earlier revocation is the one recorded.
        let status = ov.status.max(tv.status);
        let first_revoked = match (ov.revoked_at, tv.revoked_at) {
            (Some(x), Some(y)) if y < x => tv,
            (Some(_), _) => ov,
            (None, Some(_)) => tv,
            (None, None) => ov,
        };
        out.insert(
            *value,
            Ver {
                version: bv.map_or(ov.version, |b| b.version),
                value: ov.value.clone(),
                created: ov.created.min(tv.created),
                expires: merge_time(bv.map(|b| b.expires), ov.expires, tv.expires),
                status,
                retire_at: if status >= ST_RETIRING {
                    min_opt(ov.retire_at, tv.retire_at)
                } else {
                    None
                },
                revoked_at: first_revoked.revoked_at,
                revoked_by: first_revoked.revoked_by.clone(),
                revoke_reason: first_revoked.revoke_reason.clone(),
            },
        );
    }
    for (value, tv) in t {
        if !o.contains_key(value) && (!b.contains_key(value) || !trust.ours) {
            out.insert(*value, tv.clone());
        }
    }
    // New values from both sides: renumber after BASE's newest, deterministically.
    let new_o = o.keys().filter(|v| !b.contains_key(*v)).count();
    let new_t = t
        .keys()
        .filter(|v| !b.contains_key(*v) && !o.contains_key(*v))
        .count();
    if new_o == 0 || new_t == 0 {
        return (out, None);
    }
    let base_max = b.values().map(|v| v.version).max().unwrap_or(0);
    let mut fresh: Vec<(&[u8; 32], &mut Ver)> = out
        .iter_mut()
        .filter(|(fp, _)| !b.contains_key(*fp))
        .collect();
    fresh.sort_by_key(|(fp, v)| (v.created, **fp));
    // Either may be deployed: the newest value still active stays active, the other
    // active ones verify (retiring, no end) until someone picks. A value a side already
    // retired or revoked keeps its status.
    let keep_active = fresh.iter().rposition(|(_, v)| v.status == ST_ACTIVE);
    let mut numbers = Vec::with_capacity(fresh.len());
    for (i, (_, v)) in fresh.into_iter().enumerate() {
        v.version = base_max + 1 + i as u32;
        numbers.push(v.version);
        if Some(i) != keep_active && v.status == ST_ACTIVE {
            v.status = ST_RETIRING;
            v.retire_at = None;
        }
    }
    (out, Some(numbers))
}
