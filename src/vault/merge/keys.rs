//! Keys merged by name (DESIGN §9), over plain data: a key one side left as BASE had
//! it is the other side's; a key changed on both is merged column by column and value
//! by value; deletes by a side not trusted with one are ignored. No SQL, no files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use rusqlite::types::Value;

use super::columns::{Hook, merge_cols, merge_hook};
use super::recipients::Trust;
use super::report::KeyConflict;
use super::versions::{Ver, merge_versions};

/// A key as merged: its metadata columns by name (whatever the schema holds, so a
/// column added later merges by the generic rule), its rotation hook and its versions
/// by value.
#[derive(Clone, Debug)]
pub(super) struct Key {
    pub(super) cols: BTreeMap<Rc<str>, Value>,
    pub(super) hook: Option<Hook>,
    /// By the value's SHA-256: versions match by value (DESIGN §9).
    pub(super) versions: BTreeMap<[u8; 32], Ver>,
}

pub(super) type Keys = BTreeMap<String, Key>;

/// What the merge changes in ours, by key name: `Some` writes that key, `None` drops it;
/// a name not here stays as ours has it.
pub(super) type Changes = BTreeMap<String, Option<Key>>;

/// The keys to merge, by their signatures on each side (equal signatures, equal
/// keys): with no removal, those theirs changed and ours does not already have as
/// theirs has them (the others stay as ours has them); with a removal on either side,
/// every key either side changed — its new values may be exposed, its side may not be
/// trusted.
pub(super) fn keys_to_merge(
    [bs, os, ts]: [&HashMap<String, u64>; 3],
    any_removed: bool,
) -> BTreeSet<String> {
    os.keys()
        .chain(ts.keys())
        .filter(|n| {
            let (b, o, t) = (bs.get(*n), os.get(*n), ts.get(*n));
            if any_removed {
                t != b || o != b
            } else {
                t != b && t != o
            }
        })
        .cloned()
        .collect()
}

/// Whether two keys hold the same metadata and the same versions, field by field.
pub(super) fn same_key(a: &Key, b: &Key) -> bool {
    a.cols == b.cols
        && a.hook == b.hook
        && a.versions.len() == b.versions.len()
        && a.versions
            .iter()
            .zip(&b.versions)
            .all(|((va, x), (vb, y))| {
                va == vb
                    && (
                        x.version,
                        x.created,
                        x.expires,
                        x.status,
                        x.retire_at,
                        x.revoked_at,
                    ) == (
                        y.version,
                        y.created,
                        y.expires,
                        y.status,
                        y.retire_at,
                        y.revoked_at,
                    )
                    && x.revoked_by == y.revoked_by
                    && x.revoke_reason == y.revoke_reason
            })
}

/// Keys merged by name (see the module docs), as changes to ours; and the keys both
/// sides gave new values. A key one side left as BASE had it is the other side's,
/// without a field-by-field merge (most keys, in a large environment).
pub(super) fn merge_keys(
    names: &BTreeSet<String>,
    b: &Keys,
    o: &Keys,
    t: &Keys,
    trust: Trust,
    notes: &mut Vec<String>,
) -> (Changes, Vec<KeyConflict>) {
    let mut out = Changes::new();
    let mut conflicts = Vec::new();
    let unchanged = |side: Option<&Key>, base: Option<&Key>| match (side, base) {
        (Some(s), Some(b)) => same_key(s, b),
        (None, None) => true,
        _ => false,
    };
    for name in names {
        let (bk, ok, tk) = (b.get(name), o.get(name), t.get(name));
        if unchanged(tk, bk) || matches!((ok, tk), (Some(x), Some(y)) if same_key(x, y)) {
            continue; // ours is the result
        }
        if unchanged(ok, bk) && trust.theirs {
            out.insert(name.clone(), tk.cloned());
            continue; // theirs is the result
        }
        let merged = match (ok, tk) {
            (None, None) => continue,
            // A delete by a side not trusted with one: the key stays as the other has it.
            (Some(_), None) if bk.is_some() && !trust.theirs => continue,
            (None, Some(k)) if bk.is_some() && !trust.ours => Some(k.clone()),
            // Deleted on one side: BASE's values go; what the other side added stays.
            (Some(k), None) | (None, Some(k)) if bk.is_some() => {
                let base = &bk.expect("checked").versions;
                let mut k = k.clone();
                k.versions.retain(|v, _| !base.contains_key(v));
                (!k.versions.is_empty()).then_some(k)
            }
            (Some(k), None) | (None, Some(k)) => Some(k.clone()),
            (Some(ok), Some(tk)) => {
                let cols = merge_cols(name, bk.map(|k| &k.cols), &ok.cols, &tk.cols, notes);
                let hook = merge_hook(bk.map(|k| &k.hook), &ok.hook, &tk.hook);
                let (versions, conflict) =
                    merge_versions(bk.map(|k| &k.versions), &ok.versions, &tk.versions, trust);
                if let Some(c) = conflict {
                    conflicts.push(KeyConflict {
                        key: name.clone(),
                        versions: c,
                    });
                }
                Some(Key {
                    cols,
                    hook,
                    versions,
                })
            }
        };
        out.insert(name.clone(), merged);
    }
    (out, conflicts)
}
