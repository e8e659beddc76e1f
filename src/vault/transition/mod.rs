//! What may change between two states of one environment (DESIGN §8 round 3): the rows
//! of a child state checked against a parent's and the events the child added.
//!
//! A chain that extends its parent's proves only that the writer could read the parent:
//! it says nothing about rows changed without an event. So between a state and its
//! parent (a commit and each of its parents in `audit verify --git`; a side and BASE in
//! the merge driver; OURS and THEIRS on a fast-forward):
//! - a version's status only moves forward (active → retiring → retired → revoked); the
//!   one way back is `git resolve` confirming a value a merge left retiring with no end;
//! - a version's value never changes, and versions are never renumbered (but by a merge
//!   that kept two new values, which it records) or dropped (but with their key, by a
//!   recorded `delete`, or under a new name, by a recorded `rename`);
//! - recipients come only with an access event naming them, and go only with one;
//! - every key whose rows differ has an event naming it (or one that changes many keys
//!   at once: `merge`, `offboard`, `trust`).
//!
//! The rules are plain functions over plain data (`Rows`), tested beside them; `rows`
//! reads them from an open environment.

mod attribution;
mod index;
mod revocations;
mod rows;
#[cfg(test)]
pub(crate) mod testkit;

pub use attribution::{KEPT_BY_TRUST, Revocation, check_attribution};
pub use revocations::{Claim, check_claims, check_revocations, claimed_keys, claims, renumbers};
pub use rows::{revocations_of, rows, rows_of, statuses_of};

use std::collections::{BTreeMap, BTreeSet};

use crate::audit::{Action, Event};
use crate::vault::schema::{ST_ACTIVE, ST_RETIRING};
use index::{Fate, Index};

/// One version as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerRow {
    /// SHA-256 of the value (recomputed, never read from the fingerprint index).
    pub fp: [u8; 32],
    pub status: i64,
    pub retire_at: Option<i64>,
    pub expires: Option<i64>,
}

/// The rows of one state: keys by name, their versions by number, and the recipients.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    pub keys: BTreeMap<String, BTreeMap<u32, VerRow>>,
    pub recipients: BTreeSet<String>,
    /// The values of the keys left out, by key, when these are the rows of some keys
    /// only (`only`): where a value was before, and under which name.
    pub others: BTreeMap<String, Vec<[u8; 32]>>,
}

/// A rule a child state breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The key concerned (`None`: the recipients).
    pub key: Option<String>,
    pub what: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(k) => write!(f, "`{k}` {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl Rows {
    /// The rows of the keys in `names` (and every recipient).
    pub fn only(&self, names: &BTreeSet<String>) -> Rows {
        let (kept, left): (Vec<_>, Vec<_>) =
            self.keys.iter().partition(|(k, _)| names.contains(*k));
        Rows {
            keys: kept
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            recipients: self.recipients.clone(),
            others: left
                .into_iter()
                .map(|(k, v)| (k.clone(), v.values().map(|v| v.fp).collect()))
                .chain(self.others.iter().map(|(k, v)| (k.clone(), v.clone())))
                .collect(),
        }
    }
}

/// Whether a version's status may move from `from` to `to`, with `resolved`: a
/// `resolve` of its key among the new events.
pub fn status_may_move(from: &VerRow, to: i64, resolved: bool) -> bool {
    // A value a merge left retiring with no end is held, not retired (DESIGN §9).
    let held = from.status == ST_RETIRING && from.retire_at.is_none();
    crate::codes::Status::may_move(from.status, held, to, resolved)
}

/// Every rule `child` breaks against `parent`, given the events the child adds.
pub fn check(parent: &Rows, child: &Rows, new_events: &[Event]) -> Vec<Broken> {
    check_in(parent, child, new_events, new_events)
}

/// [`check`], given the child's whole `history` too: the names a key had anywhere in it
/// (renames on any line, before the new events included) are its own.
pub fn check_in(
    parent: &Rows,
    child: &Rows,
    new_events: &[Event],
    history: &[Event],
) -> Vec<Broken> {
    let mut out = Vec::new();
    let index = Index::new(new_events, history);
    let named = |k: &str, actions: &[Action]| index.named(k, actions);
    let any_named = |k: &str| index.any_named(k);
    let merged = new_events.iter().any(|e| e.action == Action::Merge);
    let bulk = new_events
        .iter()
        .any(|e| matches!(e.action, Action::Merge | Action::Offboard | Action::Trust));
    let fail = |out: &mut Vec<Broken>, k: &str, what: String| {
        out.push(Broken {
            key: Some(k.to_owned()),
            what,
        })
    };
    // In a merge, whether a parent version's value is still in the child, under any
    // name, at least as far out of service: keys merge by name and versions by value,
    // so a rename on one side can meet the other side's change of the old name.
    let still_there = |pv: &VerRow| {
        child
            .keys
            .values()
            .any(|k| k.values().any(|v| v.fp == pv.fp && v.status >= pv.status))
    };
    // Whether some new event renamed a key away from `name` (on any line).
    let renamed_away = |name: &str| index.renamed_from.contains_key(name);
    // Child keys some parent key became (by name, or under a new name).
    let mut matched: BTreeSet<String> = BTreeSet::new();
    for (name, pvers) in &parent.keys {
        let shares =
            |c: &BTreeMap<u32, VerRow>| pvers.values().any(|p| c.values().any(|v| v.fp == p.fp));
        let fate = index.fate(name);
        let deleted = matches!(fate, Fate::Deleted);
        let target = match fate {
            Fate::Kept(to) => match child.keys.get(&to) {
                // Renamed, in a merge, to a name whose values are not this key's while
                // the key is still under its own name with them: the rename was the
                // other line's, of the key this name held there (this line deleted it
                // and made it again, or renamed another key to it). Checked by name.
                Some(c) if merged && to != *name && !shares(c) => {
                    match child.keys.get(name).filter(|k| shares(k)) {
                        Some(k) => Some((name.clone(), k)),
                        None => Some((to, c)),
                    }
                }
                Some(c) => Some((to, c)),
                // A rename the merge did not take: the key is still under its old name.
                None => child
                    .keys
                    .get(name)
                    .filter(|c| shares(c))
                    .map(|c| (name.clone(), c)),
            },
            // Deleted — unless the key is still there with its values (a merge that
            // did not take a delete by a side not trusted with one): then it is checked.
            Fate::Deleted => match child.keys.get(name) {
                Some(c) if shares(c) => Some((name.clone(), c)),
                _ => continue,
            },
        };
        let Some((cname, cvers)) = target else {
            // Across a merge, renames on both lines (one renamed K to L, the other renamed
            // it away and back) leave no single name to follow: every value still there,
            // under any name and as far out of service, is the key accounted for.
            if merged && renamed_away(name) && !pvers.is_empty() && pvers.values().all(still_there)
            {
                continue;
            }
            fail(
                &mut out,
                name,
                "is gone with no `delete` or `rename` event".into(),
            );
            continue;
        };
        matched.insert(cname.clone());
        let resolved = named(&cname, &[Action::Resolve]);
        let renumbered = named(&cname, &[Action::MergeConflict]);
        let explained = bulk || any_named(&cname) || any_named(name);
        let mut differs = false;
        for (n, pv) in pvers {
            let cv = match cvers.get(n) {
                Some(cv) if cv.fp == pv.fp => cv,
                // A merge that kept two new values numbered them after BASE's.
                _ if renumbered && cvers.values().any(|cv| cv.fp == pv.fp) => {
                    differs = true;
                    cvers.values().find(|cv| cv.fp == pv.fp).expect("found")
                }
                // A merge of a rename and a rotation on the other side: the key was
                // followed to its new name, whose number is the other side's new value
                // here, while this value is still under the old name, same number (the
                // other side kept it there). Nothing else: a value swapped in place is
                // a value swapped, merge or not.
                Some(_)
                    if merged
                        && cname != *name
                        && child
                            .keys
                            .get(name)
                            .and_then(|k| k.get(n))
                            .is_some_and(|v| v.fp == pv.fp && v.status >= pv.status) =>
                {
                    differs = true;
                    continue;
                }
                // A merge of a key made again on one line (its number issued anew by an
                // event there) and renamed on the other: this value lives on under a
                // name the key had, as far out of service; the number holds the new one.
                Some(_)
                    if merged && {
                        let names = index.family(name);
                        index.issues_value(&names)
                            && child.keys.iter().any(|(k, vs)| {
                                names.contains(k.as_str())
                                    && vs.values().any(|v| v.fp == pv.fp && v.status >= pv.status)
                            })
                    } =>
                {
                    differs = true;
                    continue;
                }
                Some(_) => {
                    fail(&mut out, &cname, format!("v{n} holds another value"));
                    continue;
                }
                // A delete that a merge met with the other side's new values: the old
                // ones go, the new ones stay.
                None if deleted => {
                    differs = true;
                    continue;
                }
                // A merge of a rename with a change on the other side keeps a value
                // under the name each side gave it: still there, under the other name.
                None if merged && still_there(pv) => {
                    differs = true;
                    continue;
                }
                None => {
                    fail(
                        &mut out,
                        &cname,
                        format!("v{n} is gone with no `delete` event"),
                    );
                    continue;
                }
            };
            if !status_may_move(pv, cv.status, resolved) {
                fail(
                    &mut out,
                    &cname,
                    format!(
                        "v{n} moved back from {} to {}",
                        status_name(pv.status),
                        status_name(cv.status)
                    ),
                );
            }
            // An expiry may come earlier; later (or none) only by an event on the key.
            let later = match (pv.expires, cv.expires) {
                (Some(p), Some(c)) => c > p,
                (Some(_), None) => true,
                _ => false,
            };
            if later && !any_named(&cname) && !any_named(name) {
                fail(
                    &mut out,
                    &cname,
                    format!("v{n} expires later with no event naming it"),
                );
            }
            differs |= cv != pv;
        }
        differs |= cvers.len() != pvers.len() || cname != *name;
        if differs && !explained {
            fail(&mut out, &cname, "changed with no event naming it".into());
        }
    }
    for name in child.keys.keys() {
        if matched.contains(name) || merged || any_named(name) {
            continue;
        }
        fail(&mut out, name, "appeared with no event naming it".into());
    }
    // Every value the child holds where the parent did not — under this key, or a name
    // it had among the new events — was issued by an event that issues values (generate,
    // set, import, rotate) of it: any event naming a key explains a change of its
    // statuses, not a new version of someone's choosing, nor another key's value copied
    // in (a `trust` event included: it accepts rows as they are on the machine that
    // wrote it, and it says nothing of values). A merge may bring values its events did
    // not issue (from before them: a delete the merge did not take), but never a value
    // the parent holds under another key.
    let anywhere: std::collections::HashSet<&[u8; 32]> = parent
        .keys
        .values()
        .flat_map(|k| k.values().map(|v| &v.fp))
        .chain(parent.others.values().flatten())
        .collect();
    for (name, cvers) in &child.keys {
        let mut lineage: Option<(BTreeSet<&str>, std::collections::HashSet<&[u8; 32]>)> = None;
        for (n, cv) in cvers {
            // From before a merge's events (a key one line deleted and the other renamed
            // keeps its values under the new name): not the parent's anywhere, and not
            // issued among the new events. Only `merge_values` (both parents) can say
            // more.
            if merged && !anywhere.contains(&cv.fp) {
                continue;
            }
            let (names, held) = lineage.get_or_insert_with(|| {
                let names = index.family(name);
                let held = parent
                    .keys
                    .iter()
                    .filter(|(k, _)| names.contains(k.as_str()))
                    .flat_map(|(_, k)| k.values().map(|v| &v.fp))
                    .chain(
                        parent
                            .others
                            .iter()
                            .filter(|(k, _)| names.contains(k.as_str()))
                            .flat_map(|(_, v)| v),
                    )
                    .collect();
                (names, held)
            });
            if held.contains(&cv.fp) {
                continue;
            }
            if !index.issues_value(names) {
                fail(
                    &mut out,
                    name,
                    match anywhere.contains(&cv.fp) {
                        true => {
                            format!("v{n} holds another key's value, and no event issued it here")
                        }
                        false => format!("v{n} holds a value no event issued"),
                    },
                );
            }
        }
    }
    let access = |r: &str, actions: &[Action]| {
        new_events
            .iter()
            .any(|e| actions.contains(&e.action) && e.subject.as_deref().is_none_or(|s| s == r))
    };
    for r in child.recipients.difference(&parent.recipients) {
        if !access(r, &[Action::AccessGrant, Action::Init, Action::EnvAdd]) {
            out.push(Broken {
                key: None,
                what: format!(
                    "recipient {} was added with no `access-grant` event",
                    short(r)
                ),
            });
        }
    }
    // A merge may leave out a recipient one side had (a removal on the other side wins;
    // a grant by a side not trusted with it is withheld): fewer readers, never more.
    for r in parent.recipients.difference(&child.recipients) {
        if !merged && !access(r, &[Action::AccessRevoke, Action::Offboard]) {
            out.push(Broken {
                key: None,
                what: format!(
                    "recipient {} was removed with no `access-revoke` event",
                    short(r)
                ),
            });
        }
    }
    out
}

/// DESIGN §9: a merge brings no value of its own. Every value of `child` (a merge of the
/// two `parents`, whose history is `events`) is one a parent holds under its key (or a
/// name it had), or was issued by a `generate`, `set`, `import` or `rotate` of its key
/// among `own` — the events neither parent holds (the merge's, and whatever its commit
/// added after it). `check` against each parent cannot say this:
/// what one parent lacks the other's events explain, whichever side issued it.
pub fn merge_values(
    parents: [&Rows; 2],
    child: &Rows,
    events: &[Event],
    own: &[Event],
) -> Vec<Broken> {
    let mut out = Vec::new();
    for (name, vers) in &child.keys {
        // The names this key had anywhere in its history (renames on either side).
        let names = family(name, events);
        let known: std::collections::HashSet<&[u8; 32]> = parents
            .iter()
            .flat_map(|p| p.keys.iter())
            .filter(|(k, _)| names.contains(k.as_str()))
            .flat_map(|(_, k)| k.values().map(|v| &v.fp))
            .collect();
        let mut issued: Option<BTreeSet<&str>> = None;
        for (n, v) in vers {
            if known.contains(&v.fp) {
                continue;
            }
            let issued = issued.get_or_insert_with(|| issuing_names(name, own));
            if !issues_value(own, issued) {
                out.push(Broken {
                    key: Some(name.clone()),
                    what: format!(
                        "v{n} holds a value neither side of the merge holds and no event issued"
                    ),
                });
            }
        }
    }
    out
}

/// Whether one of `events` issues a value (generate, set, import, rotate) of a key
/// named one of `names`.
fn issues_value(events: &[Event], names: &BTreeSet<&str>) -> bool {
    events.iter().any(|e| {
        matches!(
            e.action,
            Action::Generate | Action::Set | Action::Import | Action::Rotate
        ) && e.key.as_deref().is_some_and(|k| names.contains(k))
    })
}

/// `name` and every name connected to it by a rename among `events`, either way: the
/// names one key had on every line of the history (two sides may rename it apart).
fn family<'a>(name: &'a str, events: &'a [Event]) -> BTreeSet<&'a str> {
    let edges: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.action == Action::Rename)
        .filter_map(|e| {
            Some((
                e.key.as_deref()?,
                e.reason.as_deref()?.strip_prefix("renamed from ")?,
            ))
        })
        .collect();
    let mut names = BTreeSet::from([name]);
    loop {
        let before = names.len();
        for (to, from) in &edges {
            if names.contains(to) || names.contains(from) {
                names.insert(to);
                names.insert(from);
            }
        }
        if names.len() == before {
            return names;
        }
    }
}

/// `name` and every name its key had among `events`, followed back through renames.
fn issuing_names<'a>(name: &'a str, events: &'a [Event]) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::from([name]);
    loop {
        let before = names.len();
        for e in events.iter().filter(|e| e.action == Action::Rename) {
            if let (Some(to), Some(from)) = (
                e.key.as_deref(),
                e.reason
                    .as_deref()
                    .and_then(|r| r.strip_prefix("renamed from ")),
            ) && names.contains(to)
            {
                names.insert(from);
            }
        }
        if names.len() == before {
            return names;
        }
    }
}

fn short(r: &str) -> String {
    crate::recipient::short_recipient(r)
}

fn status_name(s: i64) -> &'static str {
    match s {
        ST_ACTIVE => "active",
        ST_RETIRING => "retiring",
        2 => "retired",
        3 => "revoked",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;
