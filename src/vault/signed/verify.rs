//! Checking a whole signed history (DESIGN §15): every signature against its key, every
//! event covered by exactly one signature and written by its signer, each signer's
//! role taken from the members of the signed state the change builds on, and the rows
//! as they are now equal to the state the last signature signed.
//!
//! Segments: a signature covers the events its head reaches that the signed heads it
//! builds on (`prev`) do not. Walking back from its head stops exactly at those heads;
//! any other signed event on the way, or the start of the chain reached by a
//! signature that claims to build on something, is a forged history.

use std::collections::{HashMap, HashSet};

use crate::audit::{Event, GENESIS};
use crate::codes::Action;
use crate::error::{Error, Result, SignedError};
use crate::names::EnvName;

use super::Signature;
use super::members::Members;
use super::rules::{self, Merge, Write};

/// What verifying a history found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The trust root's fingerprint: the signing keys of the first signed state's
    /// admins. `None`: the history is not signed (older than format 4, never written
    /// since).
    pub root: Option<String>,
    /// The root of this history (`signing::history_root`): what `trust root` prints to
    /// pin. `None` when `root` is.
    pub history: Option<String>,
    /// How many signatures were checked.
    pub signatures: usize,
}

/// The history root of signatures `sigs`, verified under the founders' root `root`
/// (a file verified here, its root pinned): from its first signature, when that gives
/// the same founders' root.
pub fn history_of(sigs: &[super::Signature], root: Option<&str>) -> Option<String> {
    sigs.iter()
        .find(|s| s.prev.is_empty())
        .map(roots_of)
        .filter(|(founders, _)| root == Some(founders.as_str()))
        .map(|(_, history)| history)
}

/// The founders' root and the history root of a history whose first signature is
/// `first`.
pub fn roots_of(first: &super::Signature) -> (String, String) {
    let admins: Vec<[u8; 32]> = first.members.admins().filter_map(|m| m.key).collect();
    let founders = crate::signing::root_fingerprint(&admins);
    let history = crate::signing::history_root(&founders, &first.head, &first.settings);
    (founders, history)
}

fn bad(env: &EnvName, detail: String) -> Error {
    SignedError::BadSignature {
        env: env.clone(),
        detail,
    }
    .into()
}

/// An event as the hash chain links it: its hash, the previous event's and, for a
/// merge, the head it joined. A recomputed [`Event`], or a [`Link`] read from the rows
/// of a chain already recomputed in this process.
pub trait Linked {
    fn hash(&self) -> [u8; 32];
    fn prev(&self) -> [u8; 32];
    fn joined(&self) -> Option<[u8; 32]>;
}

impl Linked for Event {
    fn hash(&self) -> [u8; 32] {
        self.hash
    }
    fn prev(&self) -> [u8; 32] {
        self.prev_hash
    }
    fn joined(&self) -> Option<[u8; 32]> {
        self.joined_hash
    }
}

/// The links of one event, as stored (see `EnvDb::verified_links`).
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub seq: i64,
    pub hash: [u8; 32],
    pub prev: [u8; 32],
    pub joined: Option<[u8; 32]>,
}

impl From<&Event> for Link {
    fn from(e: &Event) -> Link {
        Link {
            seq: e.seq,
            hash: e.hash,
            prev: e.prev_hash,
            joined: e.joined_hash,
        }
    }
}

impl Linked for Link {
    fn hash(&self) -> [u8; 32] {
        self.hash
    }
    fn prev(&self) -> [u8; 32] {
        self.prev
    }
    fn joined(&self) -> Option<[u8; 32]> {
        self.joined
    }
}

/// The parents of event `i`: its previous event and, for a merge, the head it joined.
fn parents<E: Linked>(events: &[E], at: &HashMap<[u8; 32], usize>, i: usize) -> Vec<usize> {
    let e = &events[i];
    let mut out = Vec::with_capacity(2);
    if e.prev() != GENESIS
        && let Some(p) = at.get(&e.prev())
    {
        out.push(*p);
    }
    if let Some(j) = e.joined().and_then(|j| at.get(&j)) {
        out.push(*j);
    }
    out
}

/// The signature that covers event `i` of `events`, as [`verify_history`] assigns it:
/// of the signed heads in the order the history stores them, the first from which `i`
/// is reached through the events' parents (the hash chain: what the signatures bind).
/// Never by storage order alone, which no signature covers: a head concurrent with `i`
/// in a merged history does not cover it, wherever it is stored.
pub fn covering<'a, E: Linked>(
    events: &[E],
    sigs: &'a [Signature],
    i: usize,
) -> Option<&'a Signature> {
    let at: HashMap<[u8; 32], usize> = events
        .iter()
        .enumerate()
        .map(|(k, e)| (e.hash(), k))
        .collect();
    let mut heads: Vec<(usize, &Signature)> = sigs
        .iter()
        .filter_map(|s| at.get(&s.head).map(|&h| (h, s)))
        .filter(|(h, _)| *h >= i)
        .collect();
    heads.sort_by_key(|(h, _)| *h);
    heads.into_iter().find_map(|(h, s)| {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack = vec![h];
        while let Some(k) = stack.pop() {
            if k == i {
                return Some(s);
            }
            if k > i && seen.insert(k) {
                stack.extend(parents(events, &at, k));
            }
        }
        None
    })
}

/// A signer, its key and its proof, as one binding to check.
type Binding<'a> = (&'a str, &'a [u8; 32], Option<&'a [u8; 64]>);

/// Verify the history `events` (as `lifecycle_events` recomputed them) under `sigs`;
/// `members` and `digest` are the state the rows hold now.
pub fn verify_history<'a>(
    env: &EnvName,
    events: &[Event],
    sigs: &'a [Signature],
    members: &Members,
    digest: impl FnOnce() -> Result<([u8; 32], [u8; 32])>,
) -> Result<Verified> {
    if sigs.is_empty() {
        return Ok(Verified {
            root: None,
            history: None,
            signatures: 0,
        });
    }
    let at: HashMap<[u8; 32], usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash, i))
        .collect();
    // Signatures in the order of their heads (parents come first in a stored chain).
    let mut order: Vec<(usize, &Signature)> = Vec::with_capacity(sigs.len());
    for s in sigs {
        let i = *at.get(&s.head).ok_or_else(|| {
            bad(
                env,
                format!(
                    "a signature by {} signs an event the history does not hold",
                    crate::recipient::short_recipient(&s.signer)
                ),
            )
        })?;
        order.push((i, s));
    }
    order.sort_by_key(|(i, _)| *i);
    let sig_at: HashMap<[u8; 32], usize> = order
        .iter()
        .enumerate()
        .map(|(k, (_, s))| (s.head, k))
        .collect();
    // Whether each signer's key is bound to them (an XEdDSA check, the costliest part of
    // a signature): the same signer signs most changes with the same key and proof, so
    // each distinct binding is checked once per history.
    let mut bindings: HashMap<Binding<'a>, bool> = HashMap::new();
    let mut proven = |s: &'a Signature| -> bool {
        *bindings
            .entry((s.signer.as_str(), &s.key, s.proof.as_ref()))
            .or_insert_with(|| s.proven())
    };
    // Which signature covers each event.
    let mut owner: Vec<Option<usize>> = vec![None; events.len()];
    for (k, (head, s)) in order.iter().enumerate() {
        let seq = events[*head].seq;
        let who = crate::recipient::short_recipient(&s.signer);
        if !s.checks(env) {
            return Err(bad(
                env,
                format!("the signature at event {seq} by {who} does not check (forged or altered)"),
            ));
        }
        let prev: Vec<usize> = s
            .prev
            .iter()
            .map(|p| {
                sig_at.get(p).copied().filter(|&j| j < k).ok_or_else(|| {
                    bad(
                        env,
                        format!("the signature at event {seq} builds on a state that is not signed before it"),
                    )
                })
            })
            .collect::<Result<_>>()?;
        // Walk back from the head to the heads it builds on.
        let mut segment = Vec::new();
        let mut hit: HashSet<usize> = HashSet::new();
        let mut stack = vec![*head];
        while let Some(i) = stack.pop() {
            match owner[i] {
                Some(o) if o == k => {}
                Some(o) => {
                    if !prev.contains(&o) || order[o].0 != i {
                        return Err(bad(
                            env,
                            format!(
                                "the change signed at event {seq} reaches into another signed change"
                            ),
                        ));
                    }
                    hit.insert(o);
                }
                None => {
                    owner[i] = Some(k);
                    segment.push(i);
                    let ps = parents(events, &at, i);
                    if ps.is_empty() && !prev.is_empty() {
                        return Err(bad(
                            env,
                            format!("the change signed at event {seq} restarts the history"),
                        ));
                    }
                    stack.extend(ps);
                }
            }
        }
        if hit.len() != prev.len() {
            return Err(bad(
                env,
                format!("the change signed at event {seq} does not build on the states it names"),
            ));
        }
        segment.sort_unstable();
        let evs: Vec<(Action, &str)> = segment
            .iter()
            .map(|&i| (events[i].action, events[i].actor.recipient.as_str()))
            .collect();
        let refused = match prev.as_slice() {
            [] | [_] => rules::check_write(&Write {
                signer: &s.signer,
                key: s.key,
                proven: proven(s),
                proof: s.proof,
                settings_changed: prev
                    .first()
                    .is_some_and(|&p| order[p].1.settings != s.settings),
                before: prev.first().map(|&p| &order[p].1.members),
                after: &s.members,
                events: &evs,
            }),
            [a, b] => check_join(env, &order, s, [*a, *b], seq, proven(s), &evs)?,
            _ => unreachable!("at most two heads are stored"),
        };
        if let Err(r) = refused {
            return Err(bad(
                env,
                format!("the change signed at event {seq}: {who} {}", r.describe()),
            ));
        }
    }
    if let Some(i) = owner.iter().position(Option::is_none) {
        let e = &events[i];
        return Err(bad(
            env,
            format!(
                "event {} ({}, by {}) is not covered by any signature",
                e.seq,
                e.action,
                crate::recipient::short_recipient(&e.actor.recipient)
            ),
        ));
    }
    // The last event is a signed head (nothing else covers it), and the rows are the
    // state signed there.
    let last = &events[events.len() - 1];
    let (_, top) = order[owner[events.len() - 1].expect("every event is covered")];
    if top.head != last.hash {
        return Err(bad(
            env,
            format!("the head (event {}) is not signed", last.seq),
        ));
    }
    if top.members != *members || (top.state, top.settings) != digest()? {
        return Err(bad(
            env,
            format!(
                "the rows are not the state {} signed at event {} (changed without a signed event)",
                crate::recipient::short_recipient(&top.signer),
                last.seq
            ),
        ));
    }
    let (_, first) = order[0];
    let (founders, history) = roots_of(first);
    Ok(Verified {
        root: Some(founders),
        history: Some(history),
        signatures: order.len(),
    })
}

/// The signed ancestors of signature `k` (itself included).
fn ancestors(
    order: &[(usize, &Signature)],
    sig_at: impl Fn(&[u8; 32]) -> Option<usize>,
    k: usize,
) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut stack = vec![k];
    while let Some(s) = stack.pop() {
        if seen.insert(s) {
            stack.extend(order[s].1.prev.iter().filter_map(&sig_at));
        }
    }
    seen
}

fn index(order: &[(usize, &Signature)]) -> HashMap<[u8; 32], usize> {
    order
        .iter()
        .enumerate()
        .map(|(k, (_, s))| (s.head, k))
        .collect()
}

/// What every reader checks of the signature `join` of a merge of the signed states `a`
/// and `b` (indexes into `order`): the latest signed state both build on, no side
/// keeping changes by someone the other side removed or demoted below them, and the
/// merge rules against that state. `Ok(Err(_))`: refused by the rules.
fn check_join(
    env: &EnvName,
    order: &[(usize, &Signature)],
    join: &Signature,
    [a, b]: [usize; 2],
    seq: i64,
    proven: bool,
    events: &[(Action, &str)],
) -> Result<std::result::Result<(), rules::Refusal>> {
    let base = common_base(order, a, b).ok_or_else(|| {
        bad(
            env,
            format!(
                "the merge signed at event {seq} joins histories with no signed state in common"
            ),
        )
    })?;
    for (side, other) in [(a, b), (b, a)] {
        removed_signer(env, order, base, side, other, seq)?;
    }
    Ok(rules::check_merge(&Merge {
        signer: &join.signer,
        key: join.key,
        proven,
        proof: join.proof,
        settings: rules::SettingsAt {
            base: order[base].1.settings,
            sides: [order[a].1.settings, order[b].1.settings],
            after: join.settings,
        },
        sides: [&order[a].1.members, &order[b].1.members],
        base: &order[base].1.members,
        after: &join.members,
        events,
    }))
}

/// [`check_join`] for a merge about to be signed (the merge driver's), so that it never
/// signs a join every reader then refuses — git's BASE may be an earlier state than the
/// one the sides share (after a squash, a cherry-pick or a criss-cross): `chain` is the
/// merged events' hashes in order, `sigs` the sides' signatures, `seq` the merge
/// event's number.
pub(crate) fn check_new_join(
    env: &EnvName,
    chain: impl Iterator<Item = [u8; 32]>,
    sigs: &[Signature],
    join: &Signature,
    seq: i64,
    proven: bool,
    events: &[(Action, &str)],
) -> Result<std::result::Result<(), rules::Refusal>> {
    let at: HashMap<[u8; 32], usize> = chain.enumerate().map(|(i, h)| (h, i)).collect();
    let mut order: Vec<(usize, &Signature)> = sigs
        .iter()
        .filter_map(|s| Some((*at.get(&s.head)?, s)))
        .collect();
    order.sort_by_key(|(i, _)| *i);
    let idx = index(&order);
    let side = |h: &[u8; 32]| {
        idx.get(h)
            .copied()
            .ok_or_else(|| bad(env, "a side's head is not a signed state".into()))
    };
    let [a, b] = match join.prev.as_slice() {
        [a, b] => [side(a)?, side(b)?],
        _ => return Err(Error::Internal("a merge signature joins two states")),
    };
    check_join(env, &order, join, [a, b], seq, proven, events)
}

/// The latest signed state both `a` and `b` build on.
fn common_base(order: &[(usize, &Signature)], a: usize, b: usize) -> Option<usize> {
    let idx = index(order);
    let at = |h: &[u8; 32]| idx.get(h).copied();
    let of_a = ancestors(order, at, a);
    ancestors(order, at, b)
        .into_iter()
        .filter(|s| of_a.contains(s))
        .max()
}

/// DESIGN §15: a merge drops changes signed by someone the other side removed, or
/// demoted below what the change needed. A merged history holding one (signed on
/// `side` since `base` by a member of `base` whom `other` no longer lists, or lists
/// lower) was not merged by these rules.
fn removed_signer(
    env: &EnvName,
    order: &[(usize, &Signature)],
    base: usize,
    side: usize,
    other: usize,
    seq: i64,
) -> Result<()> {
    let idx = index(order);
    let at = |h: &[u8; 32]| idx.get(h).copied();
    let before = ancestors(order, at, base);
    let (base_members, other_members) = (&order[base].1.members, &order[other].1.members);
    for s in ancestors(order, at, side) {
        let sig = order[s].1;
        let parents: Vec<&Signature> = sig
            .prev
            .iter()
            .filter_map(|p| at(p).map(|b| order[b].1))
            .collect();
        let needs = rules::needed_role_of(&parents, sig);
        if !before.contains(&s) && rules::lost_role(&sig.signer, needs, base_members, other_members)
        {
            let what = match other_members.get(&sig.signer) {
                None => "removed".to_owned(),
                Some(m) => format!("made `{}` (the change needed `{needs}`)", m.role),
            };
            return Err(bad(
                env,
                format!(
                    "the merge at event {seq} keeps changes signed by {}, whom the other side {what}",
                    crate::recipient::short_recipient(&sig.signer)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod covering_tests {
    use super::*;
    use crate::audit::GENESIS;

    fn event(seq: i64, prev: Option<u8>, joined: Option<u8>) -> Event {
        let mut e = crate::vault::transition::testkit::event(
            seq,
            Action::Set,
            "",
            None,
            prev.map_or(GENESIS, |p| [p; 32]),
            [seq as u8; 32],
        );
        e.joined_hash = joined.map(|j| [j; 32]);
        e
    }

    fn signed(head: u8, signer: &str) -> Signature {
        Signature {
            head: [head; 32],
            prev: Vec::new(),
            state: [0; 32],
            settings: [0; 32],
            members: Members::default(),
            signer: signer.into(),
            key: [0; 32],
            proof: None,
            sig: [0; 64],
        }
    }

    /// A merged history stores one side's events after the other's in any order its
    /// parents allow: a head concurrent with an event, stored after it, does not cover it.
    #[test]
    fn the_covering_signature_follows_the_chain_not_the_storage_order() {
        // 1 base; 2 on branch a; 3 on branch b (concurrent, stored between); 4 on a; 5
        // joins them.
        let events = vec![
            event(1, None, None),
            event(2, Some(1), None),
            event(3, Some(1), None),
            event(4, Some(2), None),
            event(5, Some(4), Some(3)),
        ];
        let sigs = vec![
            signed(1, "founder"),
            signed(3, "admin"),
            signed(4, "writer"),
            signed(5, "merger"),
        ];
        let by = |i: usize| covering(&events, &sigs, i).map(|s| s.signer.as_str());
        assert_eq!(
            by(1),
            Some("writer"),
            "event 2 is the writer's, not the admin's"
        );
        assert_eq!(by(2), Some("admin"));
        assert_eq!(by(3), Some("writer"));
        assert_eq!(by(4), Some("merger"));
        assert_eq!(by(0), Some("founder"));
    }
}
