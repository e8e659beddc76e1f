//! Values exposed by a merge (DESIGN §9), over plain data: a value created on a side
//! that still encrypted to someone the other side removed, or on a side not trusted
//! (it may be that person's work, whatever it lists now), could be read by them, and
//! `check` demands its rotation. No SQL, no files.

use crate::vault::schema::ST_REVOKED;

use super::keys::{Changes, Keys};
use super::recipients::{RecipientSet, Recipients};
use super::report::ExposedVersion;

/// The values new since BASE that a removed recipient could read, with their merged
/// numbers, in a fixed order: theirs' values to those ours removed first, then ours'
/// values to those theirs removed; by recipient, key name and value. `keys` are the
/// merged changes (after the floor), `ours`/`theirs` the recipients each side lists.
pub(super) fn exposed_versions(
    rs: &Recipients,
    ours: &RecipientSet,
    theirs: &RecipientSet,
    [bk, ok, tk]: [&Keys; 3],
    keys: &Changes,
) -> Vec<ExposedVersion> {
    let mut out = Vec::new();
    for (removed, new_on, trusted, side_has) in [
        (&rs.removed_by_ours, tk, rs.trust.theirs, theirs),
        (&rs.removed_by_theirs, ok, rs.trust.ours, ours),
    ] {
        for r in removed
            .iter()
            .filter(|r| !trusted || side_has.contains_key(r.as_str()))
        {
            for (name, k) in new_on {
                let base_vals = bk.get(name).map(|k| &k.versions);
                // The key as merged: changed, or ours' as it is.
                let mk = match keys.get(name) {
                    Some(Some(k)) => k,
                    Some(None) => continue,
                    None => match ok.get(name) {
                        Some(k) => k,
                        None => continue,
                    },
                };
                for value in k.versions.keys() {
                    if base_vals.is_some_and(|b| b.contains_key(value)) {
                        continue;
                    }
                    let Some(mv) = mk.versions.get(value) else {
                        continue;
                    };
                    if mv.status == ST_REVOKED {
                        continue;
                    }
                    out.push(ExposedVersion {
                        key: name.clone(),
                        version: mv.version,
                        recipient: r.clone(),
                    });
                }
            }
        }
    }
    out
}
