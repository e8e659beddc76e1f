//! Property tests across the rules (DESIGN §9): keys, versions, the floor and trust
//! merged together over generated sides, as `merge_files` runs them —
//! only the keys whose rows differ loaded, the changes applied to ours — minus the
//! files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use proptest::prelude::*;

use super::floor::floor_by_value;
use super::keys::{Changes, Keys, keys_to_merge, merge_keys};
use super::recipients::merge_recipients;
use super::testkit::{Sides, sides};

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

/// The keys a merge of generated sides leaves, minus the files.
fn merge(s: &Sides) -> Keys {
    let rs = merge_recipients(&s.br, &s.or, &s.tr);
    let (bs, os, ts) = (signatures(&s.b), signatures(&s.o), signatures(&s.t));
    let differ = keys_to_merge([&bs, &os, &ts]);
    let (bk, ok, tk) = (
        load(&s.b, &differ),
        load(&s.o, &differ),
        load(&s.t, &differ),
    );
    let (mut changes, _) = merge_keys(&differ, &bk, &ok, &tk, rs.trust, &mut Vec::new());
    floor_by_value(&mut changes, [&bk, &ok, &tk]);
    result_of(&s.o, &changes)
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// DESIGN §9 round 3: for every key, changed or not, no merged status is lower than
    /// BASE's or either side's for the same value, under any name.
    #[test]
    fn no_merged_status_is_lower_than_base_or_either_sides_for_the_same_value(s in sides()) {
        let m = merge(&s);
        let floor = highest_status([&s.b, &s.o, &s.t]);
        for (name, k) in &m {
            for (fp, v) in &k.versions {
                prop_assert!(
                    v.status >= floor[fp],
                    "`{}` v{}: status {} below {}", name, v.version, v.status, floor[fp]
                );
            }
        }
    }
}
