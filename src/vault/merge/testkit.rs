//! Test-only builders for the merge rules' plain data, and a generator of three sides
//! (BASE, and OURS and THEIRS each derived from it by the changes keyward makes), for
//! the unit and property tests of each rule file and of `props`.

use std::collections::BTreeMap;
use std::rc::Rc;

use proptest::prelude::*;
use rusqlite::types::Value;

use crate::audit::{Actor, Via};
use crate::secret::Secret;
use crate::vault::RecipientInfo;
use crate::vault::schema::{ST_ACTIVE, ST_RETIRED, ST_RETIRING, ST_REVOKED};

use super::columns::Hook;
use super::keys::{Key, Keys};
use super::recipients::{RecipientSet, Trust};
use super::versions::Ver;

pub(super) const BOTH: Trust = Trust {
    ours: true,
    theirs: true,
};

/// The value numbered `n` (every test value is `value-<n>`) and its fingerprint.
pub(super) fn fp(n: u32) -> [u8; 32] {
    value(n).fingerprint()
}

fn value(n: u32) -> Secret {
    Secret::new(format!("value-{n}").into_bytes())
}

pub(super) fn actor(who: &str) -> Actor {
    Actor {
        recipient: format!("age1{who}"),
        os_user: who.into(),
        host: "host".into(),
        via: Via::File,
    }
}

/// Version `version` of value `n` with `status`, created at `created`; the times a
/// status implies are set from `created`.
pub(super) fn ver(n: u32, version: u32, status: i64, created: i64) -> Ver {
    Ver {
        version,
        value: value(n),
        created,
        expires: None,
        status,
        retire_at: (status >= ST_RETIRING).then_some(created + 5),
        revoked_at: (status == ST_REVOKED).then_some(created + 5),
        revoked_by: (status == ST_REVOKED).then(|| actor("base")),
        revoke_reason: (status == ST_REVOKED).then(|| "leaked".into()),
    }
}

pub(super) fn versions(vs: impl IntoIterator<Item = Ver>) -> BTreeMap<[u8; 32], Ver> {
    vs.into_iter().map(|v| (v.value.fingerprint(), v)).collect()
}

/// A key of `vs` with the columns every key row has, unset.
pub(super) fn key(vs: impl IntoIterator<Item = Ver>) -> Key {
    Key {
        cols: [col("rotate_every"), col("note")]
            .into_iter()
            .map(|c| (c, Value::Null))
            .collect(),
        hook: None,
        versions: versions(vs),
    }
}

pub(super) fn keys<const N: usize>(ks: [(&str, Key); N]) -> Keys {
    ks.into_iter().map(|(n, k)| (n.to_owned(), k)).collect()
}

pub(super) fn col(name: &str) -> Rc<str> {
    Rc::from(name)
}

pub(super) fn recipients(names: &[&str]) -> RecipientSet {
    names
        .iter()
        .map(|r| {
            let info = RecipientInfo {
                recipient: (*r).to_owned(),
                added_at: 0,
                added_by: None,
                label: None,
                role: crate::codes::Role::Write,
                signing_key: None,
                key_proof: None,
            };
            ((*r).to_owned(), info)
        })
        .collect()
}

// The generator. Names, recipients and values come from small pools so that the sides
// touch the same keys often; each side's new values are its own (OURS 100.., THEIRS
// 200..), as generated values are.

const NAMES: [&str; 4] = ["A", "B", "C", "D"];
const PEOPLE: [&str; 5] = ["age1ann", "age1bob", "age1cat", "age1dan", "age1eve"];

/// One change a side makes to BASE, as keyward would (statuses only forward).
#[derive(Clone, Debug)]
pub(super) enum Change {
    Rotate(usize),
    Revoke(usize, usize, i64),
    Retire(usize, usize),
    Expire(usize, usize, i64),
    Delete(usize),
    Add(usize),
    Rename(usize, usize),
    Period(usize, i64),
    Note(usize, u8),
    SetHook(usize, i64),
    Remove(usize),
    Grant(usize),
}

fn change() -> impl Strategy<Value = Change> {
    let (n, i, at) = (0..NAMES.len(), 0..4usize, 50..90i64);
    prop_oneof![
        3 => n.clone().prop_map(Change::Rotate),
        2 => (n.clone(), i.clone(), at.clone()).prop_map(|(n, i, t)| Change::Revoke(n, i, t)),
        1 => (n.clone(), i.clone()).prop_map(|(n, i)| Change::Retire(n, i)),
        1 => (n.clone(), i, at.clone()).prop_map(|(n, i, t)| Change::Expire(n, i, t)),
        1 => n.clone().prop_map(Change::Delete),
        1 => n.clone().prop_map(Change::Add),
        1 => (n.clone(), n.clone()).prop_map(|(a, b)| Change::Rename(a, b)),
        1 => (n.clone(), 1..4i64).prop_map(|(n, d)| Change::Period(n, d)),
        1 => (n.clone(), 0..3u8).prop_map(|(n, x)| Change::Note(n, x)),
        1 => (n.clone(), at).prop_map(|(n, t)| Change::SetHook(n, t)),
        1 => (0..PEOPLE.len()).prop_map(Change::Remove),
        1 => (0..PEOPLE.len()).prop_map(Change::Grant),
    ]
}

/// Three sides: BASE, and OURS and THEIRS derived from it.
#[derive(Clone, Debug)]
pub(super) struct Sides {
    pub(super) b: Keys,
    pub(super) o: Keys,
    pub(super) t: Keys,
    pub(super) br: RecipientSet,
    pub(super) or: RecipientSet,
    pub(super) tr: RecipientSet,
}

/// A BASE key per name (or none), each of up to three versions with any status.
fn base() -> impl Strategy<Value = (Keys, RecipientSet)> {
    let statuses = proptest::collection::vec(ST_ACTIVE..=ST_REVOKED, 1..4);
    (
        proptest::collection::vec(proptest::option::of(statuses), NAMES.len()),
        proptest::collection::btree_set(0..PEOPLE.len(), 1..4),
    )
        .prop_map(|(ks, people)| {
            let mut out = Keys::new();
            let mut n = 0;
            for (name, statuses) in NAMES.iter().zip(ks) {
                let Some(statuses) = statuses else { continue };
                let vs = statuses.iter().enumerate().map(|(i, s)| {
                    n += 1;
                    ver(n, i as u32 + 1, *s, 10 * (i as i64 + 1))
                });
                let mut k = key(vs.collect::<Vec<_>>());
                k.cols.insert(col("rotate_every"), Value::Integer(30));
                out.insert((*name).to_owned(), k);
            }
            let people: Vec<&str> = people.into_iter().map(|i| PEOPLE[i]).collect();
            (out, recipients(&people))
        })
}

/// Apply `changes` to a copy of BASE as side `who` would; new values numbered from
/// `first_value`, made at times from `clock`.
fn derive(
    b: &Keys,
    br: &RecipientSet,
    changes: &[Change],
    who: &str,
    first_value: u32,
    clock: i64,
) -> (Keys, RecipientSet) {
    let (mut ks, mut rs) = (b.clone(), br.clone());
    let mut next = first_value;
    for (step, c) in changes.iter().enumerate() {
        let now = clock + step as i64;
        let name = |i: &usize| NAMES[*i].to_owned();
        let nth = |k: &mut Key, i: usize| -> Option<[u8; 32]> {
            let n = k.versions.len();
            (n > 0).then(|| *k.versions.keys().nth(i % n).expect("in range"))
        };
        match c {
            Change::Rotate(i) => {
                let Some(k) = ks.get_mut(&name(i)) else {
                    continue;
                };
                for v in k.versions.values_mut().filter(|v| v.status == ST_ACTIVE) {
                    v.status = ST_RETIRING;
                    v.retire_at = Some(now + 7);
                }
                let top = k.versions.values().map(|v| v.version).max().unwrap_or(0);
                next += 1;
                let v = ver(next, top + 1, ST_ACTIVE, now);
                k.versions.insert(v.value.fingerprint(), v);
            }
            Change::Revoke(i, j, at) => {
                let Some(k) = ks.get_mut(&name(i)) else {
                    continue;
                };
                let Some(f) = nth(k, *j) else { continue };
                let v = k.versions.get_mut(&f).expect("listed");
                if v.status < ST_REVOKED {
                    v.status = ST_REVOKED;
                    v.retire_at = v.retire_at.or(Some(now + at));
                    v.revoked_at = Some(now + at);
                    v.revoked_by = Some(actor(who));
                    v.revoke_reason = Some(format!("revoked by {who}"));
                }
            }
            Change::Retire(i, j) => {
                let Some(k) = ks.get_mut(&name(i)) else {
                    continue;
                };
                let Some(f) = nth(k, *j) else { continue };
                let v = k.versions.get_mut(&f).expect("listed");
                if v.status < ST_RETIRED {
                    v.status = ST_RETIRED;
                    v.retire_at = v.retire_at.or(Some(now));
                }
            }
            Change::Expire(i, j, at) => {
                let Some(k) = ks.get_mut(&name(i)) else {
                    continue;
                };
                let Some(f) = nth(k, *j) else { continue };
                k.versions.get_mut(&f).expect("listed").expires = Some(*at);
            }
            Change::Delete(i) => {
                ks.remove(&name(i));
            }
            Change::Add(i) => {
                if let std::collections::btree_map::Entry::Vacant(e) = ks.entry(name(i)) {
                    next += 1;
                    e.insert(key([ver(next, 1, ST_ACTIVE, now)]));
                }
            }
            Change::Rename(from, to) => {
                if from != to
                    && !ks.contains_key(&name(to))
                    && let Some(k) = ks.remove(&name(from))
                {
                    ks.insert(name(to), k);
                }
            }
            Change::Period(i, days) => {
                if let Some(k) = ks.get_mut(&name(i)) {
                    k.cols.insert(col("rotate_every"), Value::Integer(*days));
                }
            }
            Change::Note(i, x) => {
                if let Some(k) = ks.get_mut(&name(i)) {
                    k.cols
                        .insert(col("note"), Value::Text(format!("{who} {x}")));
                }
            }
            Change::SetHook(i, at) => {
                if let Some(k) = ks.get_mut(&name(i)) {
                    k.hook = Some(Hook {
                        command: format!("./rotate-{who}"),
                        timeout: None,
                        set_at: *at,
                    });
                }
            }
            Change::Remove(p) => {
                // Never the last one: keyward refuses that.
                if rs.len() > 1 {
                    rs.remove(PEOPLE[*p]);
                }
            }
            Change::Grant(p) => {
                rs.extend(recipients(&[PEOPLE[*p]]));
            }
        }
    }
    (ks, rs)
}

/// BASE and two sides changed from it independently.
pub(super) fn sides() -> impl Strategy<Value = Sides> {
    let changes = || proptest::collection::vec(change(), 0..6);
    (base(), changes(), changes()).prop_map(|((b, br), oc, tc)| {
        let (o, or) = derive(&b, &br, &oc, "ours", 100, 100);
        let (t, tr) = derive(&b, &br, &tc, "theirs", 200, 100);
        Sides {
            b,
            o,
            t,
            br,
            or,
            tr,
        }
    })
}
