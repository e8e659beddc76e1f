//! Who signed each side's changes (DESIGN §15), and the merge's own signature.
//!
//! Each side's history is verified as a whole (every signature against the roles in
//! force on that side). Changes a side holds that are signed by someone the other side
//! removed — or by someone who could not write at BASE, whose signatures do not verify
//! — are dropped and named: when every change the side adds since BASE is such a
//! change, the side is left out of the merge (the other side is the result); when they
//! are mixed with changes by others, the merge is refused (git reports a conflict),
//! since no state without them can be rebuilt.
//!
//! The merged result keeps both sides' signatures, and the merger signs the join.

use std::collections::HashSet;

use rusqlite::Connection;

use crate::audit::Event;
use crate::codes::{Action, Role};
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::vault::signed::rules;
use crate::vault::signed::{
    Members, Signature, Signing, check_new_join, insert_signature, load_members, load_signatures,
    settings_digest, state_digest,
};

use super::report::refused;
use super::side::Side;

/// What the signatures say about the two sides.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Judged {
    /// Both sides' changes may be merged; `signed`: the result is signed (else all three
    /// histories are unsigned, from before format 4).
    Both { signed: bool },
    /// This side's changes are all by signers it may not have; the other side is the
    /// result. The names, for the report.
    Drop {
        side: &'static str,
        signers: Vec<String>,
    },
}

/// Judge the sides (see the module docs).
pub(super) fn judge(env: &EnvName, b: &Side, o: &Side, t: &Side) -> Result<Judged> {
    if let Err(e) = &b.verified {
        return Err(refused(
            env,
            format!("BASE's signed history does not verify ({})", first_line(e)),
        ));
    }
    let signed = [b, o, t].map(|s| s.is_signed());
    if !signed[0] {
        let new = [o.adds_to(b), t.adds_to(b)];
        return match (signed[1], signed[2]) {
            (false, false) => Ok(Judged::Both { signed: false }),
            (true, true) if new[0] && new[1] => Err(refused(
                env,
                "both sides started a signed history on their own: take one side, then make the other side's changes again on top of it".into(),
            )),
            (true, false) | (false, true) if new[0] && new[1] => Err(refused(
                env,
                "one side signs its history and the other made unsigned changes since: take the signed side, then make the other side's changes again with this version of keyward".into(),
            )),
            _ => Ok(Judged::Both { signed: true }),
        };
    }
    let base_members = b.db.members()?;
    for (side, other, label) in [(o, t, "OURS"), (t, o, "THEIRS")] {
        let other_members = other.db.members()?;
        let barred = barred(&base_members, |h| b.holds(h), &side.sigs, &other_members);
        if side.verified.is_ok() && barred.signers.is_empty() {
            continue;
        }
        // Named as every message names a person: `Label (age1…)`, by the label BASE or
        // the other side knows (a removed member's former one included), never one the
        // barred side gave itself.
        let names = || barred.names(&[&b.db, &other.db]);
        if barred.all {
            return Ok(Judged::Drop {
                side: label,
                signers: names(),
            });
        }
        return Err(match &side.verified {
            Err(e) => refused(
                env,
                format!(
                    "{label}'s signed history does not verify ({})",
                    first_line(e)
                ),
            ),
            Ok(_) => refused(
                env,
                format!(
                    "{label} holds changes signed by {}, which the other side no longer allows (removed there, or given a role below what a change needed, or unable to write at BASE), among changes it does allow; the side cannot be left out in part",
                    names().join(", ")
                ),
            ),
        });
    }
    Ok(Judged::Both { signed: true })
}

/// A side's changes since BASE signed by someone it may not have: a member of BASE the
/// other side removed, or demoted below what the change needed, or one who could not
/// write at BASE.
pub struct Barred {
    /// Their recipients, one each.
    pub signers: Vec<String>,
    /// Every change the side adds (at least one) is theirs: the side can be left out
    /// as a whole.
    pub all: bool,
}

impl Barred {
    /// The signers, sorted: `Label (age1…)` by the first of `dbs` that knows a label for
    /// them, else the short recipient.
    pub fn names(&self, dbs: &[&crate::vault::store::EnvDb]) -> Vec<String> {
        let labels: Vec<_> = dbs.iter().filter_map(|d| d.known_labels().ok()).collect();
        let mut n: Vec<String> = self
            .signers
            .iter()
            .map(|s| {
                let label = labels.iter().find_map(|l| l.get(s));
                crate::recipient::person(s, label.map(String::as_str))
            })
            .collect();
        n.sort();
        n.dedup();
        n
    }
}

/// The merge rule of DESIGN §15, written once for the merge driver and for `audit
/// verify --git` (which accepts a merge commit that left such a side out): `side_sigs`
/// are the side's signatures, `in_base` tells those BASE already holds.
pub fn barred(
    base: &Members,
    in_base: impl Fn(&[u8; 32]) -> bool,
    side_sigs: &[Signature],
    other: &Members,
) -> Barred {
    let new: Vec<&Signature> = side_sigs.iter().filter(|s| !in_base(&s.head)).collect();
    let by_head: std::collections::HashMap<&[u8; 32], &Signature> =
        side_sigs.iter().map(|s| (&s.head, s)).collect();
    // What each change needed (admin, for access or settings), from its parents.
    let needs = |s: &Signature| {
        let parents: Vec<&Signature> = s
            .prev
            .iter()
            .filter_map(|p| by_head.get(p).copied())
            .collect();
        rules::needed_role_of(&parents, s)
    };
    // Removed on the other side, or demoted there below what the change needed (a
    // demotion takes a right away as a removal takes reading), or unable to write at
    // BASE.
    let is_barred = |s: &Signature| {
        rules::lost_role(&s.signer, needs(s), base, other)
            || base.get(&s.signer).is_some_and(|m| m.role < Role::Write)
    };
    let bad: Vec<&Signature> = new.iter().copied().filter(|s| is_barred(s)).collect();
    let mut signers: Vec<String> = bad.iter().map(|s| s.signer.clone()).collect();
    signers.sort();
    signers.dedup();
    Barred {
        all: !new.is_empty() && bad.len() == new.len(),
        signers,
    }
}

fn first_line(e: &Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// Sign the merged image in `conn`: both sides' signatures kept, the merger binding
/// their key if it was not, the join checked with the rules every reader applies.
pub(super) fn sign_merge(
    conn: &Connection,
    env: &EnvName,
    o: &Side,
    t: &Side,
    theirs_new: &[Event],
    signing: &Signing<'_>,
) -> Result<()> {
    // Both sides' signatures: ours are in the image, theirs added.
    let mut all = load_signatures(conn, env)?;
    let have: HashSet<[u8; 32]> = all.iter().map(|s| s.head).collect();
    for s in t.sigs.iter().filter(|s| !have.contains(&s.head)) {
        insert_signature(conn, s)?;
        all.push(s.clone());
    }
    let key = signing.signer.public()?;
    let proof = signing.signer.proof()?;
    let members = load_members(conn, true)?;
    if members
        .get(signing.recipient)
        .is_some_and(|m| m.key.is_none())
    {
        conn.execute(
            "UPDATE recipients SET signing_key = ?2, key_proof = ?3 WHERE recipient = ?1",
            rusqlite::params![signing.recipient, &key[..], proof.as_ref().map(|p| &p[..])],
        )?;
    }
    let after = load_members(conn, true)?;
    // The join's own events: the merge and the marks it left, all the merger's.
    let since: i64 = conn.query_row(
        "SELECT seq FROM events WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
        [Action::Merge.code()],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT e.action, a.recipient, e.hash FROM events e JOIN actors a ON a.id = e.actor
         WHERE e.seq >= ?1 ORDER BY e.seq",
    )?;
    let rows: Vec<(i64, String, Vec<u8>)> = stmt
        .query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let events: Vec<(Action, &str)> = rows
        .iter()
        .map(|(a, r, _)| (Action::from_code(*a).unwrap_or(Action::Merge), r.as_str()))
        .collect();
    let head: [u8; 32] = rows
        .last()
        .and_then(|(_, _, h)| h.as_slice().try_into().ok())
        .ok_or(Error::Internal("a merge without its event"))?;
    let proven =
        crate::signing::binding_holds(signing.recipient, &key, proof.as_ref().map(|p| &p[..]))
            .is_some();
    let mut sig = Signature {
        head,
        prev: vec![o.head(), t.head()],
        state: state_digest(conn)?,
        settings: settings_digest(conn)?,
        members: after,
        signer: signing.recipient.to_owned(),
        key,
        proof,
        sig: [0; 64],
    };
    // Checked as every reader will check it, against the latest signed state the sides
    // share — BASE's head, unless they share more (a squash, a cherry-pick, a
    // criss-cross): a join that does not fit is refused here, never written for every
    // reader to refuse.
    let chain = o.events().iter().chain(theirs_new).map(|e| e.hash);
    let checked = check_new_join(env, chain, &all, &sig, since, proven, &events).map_err(|e| {
        refused(
            env,
            format!("the merge would not verify ({})", first_line(&e)),
        )
    })?;
    checked.map_err(|r| {
        refused(
            env,
            format!(
                "the merger {} {}",
                o.db.person(signing.recipient),
                r.describe()
            ),
        )
    })?;
    sig.sig = signing.signer.sign(&sig.message(env))?;
    insert_signature(conn, &sig)
}
