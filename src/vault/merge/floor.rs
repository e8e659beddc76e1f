//! The status floor by value (DESIGN §9 round 3), over plain data: no merged value is
//! less out of service than any side has it, under any name. No SQL, no files.

use std::collections::HashMap;

use super::keys::{Changes, Keys};
use super::versions::Ver;

/// No merged value is less out of service than any side has it, under any name (DESIGN
/// §9 round 3: a key renamed on one side and rotated on the other must not bring the
/// retired value back as active under its new name). Values match by SHA-256.
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
    for k in changes.values_mut().flatten() {
        for (fp, v) in k.versions.iter_mut() {
            if let Some(m) = most.get(fp)
                && m.status > v.status
            {
                v.status = m.status;
                v.retire_at = m.retire_at.or(v.retire_at);
                v.revoked_at = m.revoked_at;
                v.revoked_by = m.revoked_by.clone();
                v.revoke_reason = m.revoke_reason.clone();
            }
        }
    }
}
