//! Keys merged by name (DESIGN §9), over plain data: a key one side left as BASE had
//! it is the other side's when that side is trusted; otherwise, or when both changed
//! it, it is merged column by column and value by value; deletes by a side not
//! trusted with one are ignored, whichever side runs the merge. No SQL, no files.

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
/// keys): every key either side changed. A key only ours changed is looked at too:
/// the other side may have taken one of its values out of service under another name
/// (the floor), or may not be trusted with what ours did to it. Keys neither side
/// changed stay as ours has them.
pub(super) fn keys_to_merge([bs, os, ts]: [&HashMap<String, u64>; 3]) -> BTreeSet<String> {
    os.keys()
        .chain(ts.keys())
        .filter(|n| {
            let (b, o, t) = (bs.get(*n), os.get(*n), ts.get(*n));
            t != b || o != b
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
/// without a field-by-field merge (most keys, in a large environment), if the other
/// side is trusted.
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
        if matches!((ok, tk), (Some(x), Some(y)) if same_key(x, y)) {
            continue; // ours is the result
        }
        // A side left as BASE had it gives way to the other — if that other side is
        // trusted with what it did (its deletes), whichever side this is.
        if unchanged(tk, bk) && trust.ours {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::merge::testkit::{BOTH, col, fp, key, keys, ver};
    use crate::vault::schema::{ST_ACTIVE, ST_RETIRED, ST_RETIRING};

    const NOT_THEIRS: Trust = Trust {
        ours: true,
        theirs: false,
    };

    fn names(b: &Keys, o: &Keys, t: &Keys) -> BTreeSet<String> {
        b.keys().chain(o.keys()).chain(t.keys()).cloned().collect()
    }

    fn merge(b: &Keys, o: &Keys, t: &Keys, trust: Trust) -> (Changes, Vec<KeyConflict>) {
        merge_keys(&names(b, o, t), b, o, t, trust, &mut Vec::new())
    }

    fn rotated() -> Key {
        key([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 100)])
    }

    #[test]
    fn a_key_only_theirs_changed_is_theirs_and_one_only_ours_changed_stays() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let changed = keys([("K", rotated())]);
        let (changes, conflicts) = merge(&b, &b, &changed, BOTH);
        assert!(same_key(changes["K"].as_ref().unwrap(), &changed["K"]));
        assert!(conflicts.is_empty());
        let (changes, _) = merge(&b, &changed, &b, BOTH);
        assert!(changes.is_empty(), "ours is the result as it is");
    }

    #[test]
    fn a_key_deleted_on_one_side_keeps_only_what_the_other_side_added() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let deleted = keys([]);
        let (changes, _) = merge(&b, &deleted, &keys([("K", rotated())]), BOTH);
        let k = changes["K"].as_ref().unwrap();
        assert_eq!(k.versions.keys().collect::<Vec<_>>(), vec![&fp(2)]);
        // Nothing new on the other side: the key goes.
        let (changes, _) = merge(&b, &b, &deleted, BOTH);
        assert!(changes["K"].is_none());
    }

    #[test]
    fn a_delete_by_a_side_not_trusted_with_one_is_ignored() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let deleted = keys([]);
        let (changes, _) = merge(&b, &b, &deleted, NOT_THEIRS);
        assert!(!changes.contains_key("K"), "the key stays as ours has it");
        // And a key the trusted side changed keeps its BASE values too.
        let (changes, _) = merge(&b, &keys([("K", rotated())]), &deleted, NOT_THEIRS);
        assert!(!changes.contains_key("K"));
        let flip = Trust {
            ours: false,
            theirs: true,
        };
        let (changes, _) = merge(&b, &deleted, &keys([("K", rotated())]), flip);
        assert!(same_key(changes["K"].as_ref().unwrap(), &rotated()));
        // Ours not trusted, theirs as BASE had it: ours' delete is ignored all the
        // same — the result does not depend on which side runs the merge.
        let (changes, _) = merge(&b, &deleted, &b, flip);
        assert!(same_key(changes["K"].as_ref().expect("kept"), &b["K"]));
    }

    #[test]
    fn a_key_both_sides_changed_merges_column_by_column_and_value_by_value() {
        let mut base = key([ver(1, 1, ST_ACTIVE, 10)]);
        base.cols.insert(col("rotate_every"), Value::Integer(30));
        let b = keys([("K", base.clone())]);
        let mut o = base.clone();
        o.cols.insert(col("rotate_every"), Value::Integer(7));
        o.versions.get_mut(&fp(1)).unwrap().status = ST_RETIRED;
        let mut t = rotated();
        t.cols = base.cols.clone();
        t.cols.insert(col("note"), Value::Text("theirs".into()));
        let (changes, conflicts) = merge(&b, &keys([("K", o)]), &keys([("K", t)]), BOTH);
        let k = changes["K"].as_ref().unwrap();
        assert_eq!(k.cols[&col("rotate_every")], Value::Integer(7));
        assert_eq!(k.cols[&col("note")], Value::Text("theirs".into()));
        assert_eq!(k.versions[&fp(1)].status, ST_RETIRED);
        assert_eq!(k.versions[&fp(2)].status, ST_ACTIVE);
        assert!(conflicts.is_empty());
    }

    #[test]
    fn new_values_on_both_sides_are_a_conflict_named_with_its_versions() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let o = keys([("K", rotated())]);
        let t = keys([(
            "K",
            key([ver(1, 1, ST_RETIRING, 10), ver(3, 2, ST_ACTIVE, 90)]),
        )]);
        let (_, conflicts) = merge(&b, &o, &t, BOTH);
        assert_eq!(
            conflicts,
            vec![KeyConflict {
                key: "K".into(),
                versions: vec![2, 3]
            }]
        );
        // The same name added on both sides.
        let (o, t) = (
            keys([("N", key([ver(4, 1, ST_ACTIVE, 90)]))]),
            keys([("N", key([ver(5, 1, ST_ACTIVE, 91)]))]),
        );
        let (changes, conflicts) = merge(&keys([]), &o, &t, BOTH);
        assert_eq!(conflicts[0].versions, vec![1, 2]);
        assert_eq!(changes["N"].as_ref().unwrap().versions.len(), 2);
    }

    #[test]
    fn the_keys_to_merge_are_those_either_side_changed() {
        let sig = |pairs: &[(&str, u64)]| -> HashMap<String, u64> {
            pairs.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect()
        };
        let b = sig(&[
            ("SAME", 1),
            ("OURS", 1),
            ("THEIRS", 1),
            ("BOTH", 1),
            ("GONE", 1),
        ]);
        let o = sig(&[
            ("SAME", 1),
            ("OURS", 2),
            ("THEIRS", 1),
            ("BOTH", 2),
            ("GONE", 1),
            ("NEW", 1),
        ]);
        let t = sig(&[("SAME", 1), ("OURS", 1), ("THEIRS", 2), ("BOTH", 2)]);
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            keys_to_merge([&b, &o, &t]),
            set(&["BOTH", "GONE", "NEW", "OURS", "THEIRS"])
        );
    }
}
