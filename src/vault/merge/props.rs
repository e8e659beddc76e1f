//! Property tests across the rules (DESIGN §9): keys, versions, the floor, trust,
//! recipients and exposures merged together over generated sides, as `merge_files`
//! runs them — only the keys whose rows differ loaded, the changes applied to ours —
//! minus the files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use proptest::prelude::*;

use super::exposed::exposed_versions;
use super::floor::floor_by_value;
use super::keys::{Changes, Keys, keys_to_merge, merge_keys};
use super::recipients::{Recipients, merge_recipients};
use super::report::{ExposedVersion, KeyConflict};
use super::testkit::{Sides, sides};

/// A merge of generated sides, minus the files.
struct Merge {
    keys: Keys,
    rs: Recipients,
    conflicts: Vec<KeyConflict>,
    exposed: Vec<ExposedVersion>,
}

/// A signature per key, as `side::signatures` makes them: equal keys, equal signatures.
fn signatures(side: &Keys) -> HashMap<String, u64> {
    side.iter()
        .map(|(name, k)| {
            let mut h = DefaultHasher::new();
            format!("{k:?}").hash(&mut h);
            (name.clone(), h.finish())
        })
        .collect()
}

/// The keys named in `only`, as `load::load_keys` reads them.
fn load(side: &Keys, only: &BTreeSet<String>) -> Keys {
    side.iter()
        .filter(|(name, _)| only.contains(*name))
        .map(|(name, k)| (name.clone(), k.clone()))
        .collect()
}

/// What ours becomes: the changes applied to ours' keys.
fn result_of(ours: &Keys, changes: &Changes) -> Keys {
    let mut out = ours.clone();
    for (name, change) in changes {
        match change {
            Some(k) => out.insert(name.clone(), k.clone()),
            None => out.remove(name),
        };
    }
    out
}

fn merge(s: &Sides) -> Merge {
    let rs = merge_recipients(&s.br, &s.or, &s.tr);
    let (bs, os, ts) = (signatures(&s.b), signatures(&s.o), signatures(&s.t));
    let differ = keys_to_merge([&bs, &os, &ts]);
    let (bk, ok, tk) = (
        load(&s.b, &differ),
        load(&s.o, &differ),
        load(&s.t, &differ),
    );
    let (mut changes, conflicts) = merge_keys(&differ, &bk, &ok, &tk, rs.trust, &mut Vec::new());
    floor_by_value(&mut changes, [&bk, &ok, &tk], &[]);
    let exposed = exposed_versions(&rs, &s.or, &s.tr, [&bk, &ok, &tk], &changes);
    Merge {
        keys: result_of(&s.o, &changes),
        rs,
        conflicts,
        exposed,
    }
}

/// Every value's status across `sides`, under any name: the highest.
fn highest_status<'a>(sides: impl IntoIterator<Item = &'a Keys>) -> BTreeMap<[u8; 32], i64> {
    let mut most = BTreeMap::new();
    for side in sides {
        for k in side.values() {
            for (fp, v) in &k.versions {
                let e = most.entry(*fp).or_insert(v.status);
                *e = (*e).max(v.status);
            }
        }
    }
    most
}

/// The same sides merged from the other end: OURS and THEIRS swapped.
fn swapped(s: &Sides) -> Sides {
    Sides {
        b: s.b.clone(),
        o: s.t.clone(),
        t: s.o.clone(),
        br: s.br.clone(),
        or: s.tr.clone(),
        tr: s.or.clone(),
    }
}

/// Per key, per value: its number, status, creation, expiry, end of grace and
/// revocation time (who revoked is the earlier revocation's; ours' on the same second).
type Meaning =
    BTreeMap<String, BTreeMap<[u8; 32], (u32, i64, i64, Option<i64>, Option<i64>, Option<i64>)>>;

fn meaning(keys: &Keys) -> Meaning {
    let row = |v: &super::versions::Ver| {
        (
            v.version,
            v.status,
            v.created,
            v.expires,
            v.retire_at,
            v.revoked_at,
        )
    };
    keys.iter()
        .map(|(name, k)| {
            let vs = k.versions.iter().map(|(fp, v)| (*fp, row(v))).collect();
            (name.clone(), vs)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// DESIGN §9 round 3: for every key, changed or not, no merged status is lower than
    /// BASE's or either side's for the same value, under any name.
    #[test]
    fn no_merged_status_is_lower_than_base_or_either_sides_for_the_same_value(s in sides()) {
        let m = merge(&s);
        let floor = highest_status([&s.b, &s.o, &s.t]);
        for (name, k) in &m.keys {
            for (fp, v) in &k.versions {
                prop_assert!(
                    v.status >= floor[fp],
                    "`{}` v{}: status {} below {}", name, v.version, v.status, floor[fp]
                );
            }
        }
    }

    /// DESIGN §9: the same logical result whichever side merges — the same keys,
    /// versions, statuses and times, rotation periods, hooks, recipients, conflicts and
    /// exposures (not which side's rows, labels or other metadata are kept).
    #[test]
    fn swapping_ours_and_theirs_gives_the_same_versions_statuses_and_recipients(s in sides()) {
        let (one, other) = (merge(&s), merge(&swapped(&s)));
        prop_assert_eq!(meaning(&one.keys), meaning(&other.keys));
        let periods = |m: &Merge| -> Vec<(String, Option<rusqlite::types::Value>)> {
            m.keys.iter().map(|(n, k)| (n.clone(), k.cols.get("rotate_every").cloned())).collect()
        };
        prop_assert_eq!(periods(&one), periods(&other));
        let hooks = |m: &Merge| -> Vec<(String, Option<(i64, String)>)> {
            let hook = |k: &super::keys::Key| k.hook.as_ref().map(|h| (h.set_at, h.command.clone()));
            m.keys.iter().map(|(n, k)| (n.clone(), hook(k))).collect()
        };
        prop_assert_eq!(hooks(&one), hooks(&other));
        let set = |v: &mut dyn Iterator<Item = &String>| v.cloned().collect::<BTreeSet<_>>();
        prop_assert_eq!(set(&mut one.rs.merged.keys()), set(&mut other.rs.merged.keys()));
        prop_assert_eq!(set(&mut one.rs.added.iter()), set(&mut other.rs.added.iter()));
        prop_assert_eq!(&one.conflicts, &other.conflicts);
        let exposed = |m: &Merge| -> BTreeSet<(String, u32, String)> {
            m.exposed.iter().map(|x| (x.key.clone(), x.version, x.recipient.clone())).collect()
        };
        prop_assert_eq!(exposed(&one), exposed(&other));
    }
}
