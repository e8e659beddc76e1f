//! The writer's side of signed writes (DESIGN §15): before a commit writes the file,
//! the change is checked with the very rules every reader applies, the writer's key is
//! bound to them if it was not, and the new head is signed over the state digest and
//! the members. The first write of an unsigned history signs it as a checkpoint and
//! makes its writer the first admin.

use rusqlite::params;

use crate::audit::Actor;
use crate::codes::{Action, Role};
use crate::error::{Error, Result, SignedError};
use crate::identity::Sign;
use crate::vault::store::{EnvDb, Tx};

use super::rules::{self, Refusal};
use super::{
    Signature, insert_signature, load_members, load_signatures, settings_digest, state_digest,
};

/// Who signs a write, and as whom its events are recorded.
pub struct Signing<'a> {
    pub signer: &'a dyn Sign,
    pub recipient: &'a str,
    pub actor: &'a Actor,
    pub now: i64,
}

/// What signing a change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed {
    /// The change recorded nothing (the state is the one signed at its head).
    Nothing,
    /// The new head is signed.
    Head,
    /// An unsigned history was signed as it was: its writer is its first admin.
    Checkpoint,
}

impl EnvDb {
    /// Sign the change this writer made, inside its transaction, before `commit` writes
    /// the file. Refused (nothing written) when the writer's role does not allow it.
    pub fn sign_change(&mut self, s: &Signing<'_>) -> Result<Signed> {
        let opened = self.opened;
        let signed = self.batch(|tx| sign(tx, s, opened))?;
        if signed != Signed::Nothing && self.root.is_none() {
            // The first signature: its admins are the trust root from now on.
            let first = self
                .signatures()?
                .into_iter()
                .find(|x| x.prev.is_empty())
                .ok_or(Error::Internal(
                    "a signed history without its first signature",
                ))?;
            let (founders, history) = super::verify::roots_of(&first);
            self.root = Some(founders);
            self.history_root = Some(history);
        }
        Ok(signed)
    }
}

fn head_of(tx: &Tx<'_>) -> Result<Option<([u8; 32], i64)>> {
    let Some(h) = tx.lifecycle_head()? else {
        return Ok(None);
    };
    let seq: i64 = tx
        .conn
        .query_row("SELECT max(seq) FROM events", [], |r| r.get(0))?;
    Ok(Some((h, seq)))
}

fn sign(tx: &Tx<'_>, s: &Signing<'_>, opened: Option<([u8; 32], i64)>) -> Result<Signed> {
    let env = tx.env.clone();
    let conn = &tx.conn;
    let sigs = load_signatures(conn, &env)?;
    let key = s.signer.public()?;
    let proof = s.signer.proof()?;
    let built_on = opened.and_then(|(h, _)| sigs.iter().find(|x| x.head == h));
    let mut checkpoint = false;
    let (before, prev) = match (sigs.is_empty(), built_on) {
        (true, _) => {
            // The first signature: a new environment, or an unsigned history signed as
            // it stands (DESIGN §15 migration).
            checkpoint = opened.is_some();
            tx.set_role(s.recipient, Role::Admin)?;
            if checkpoint {
                tx.record(
                    s.actor,
                    Action::Checkpoint,
                    None,
                    None,
                    Some("signed history starts here: the state as it was, signed by its first admin"),
                    s.now,
                )?;
            }
            (None, Vec::new())
        }
        (false, Some(p)) => (Some(p.members.clone()), vec![p.head]),
        (false, None) => {
            return Err(SignedError::BadSignature {
                env,
                detail: "the state this write builds on is not signed".into(),
            }
            .into());
        }
    };
    let (head, _) = head_of(tx)?.ok_or(Error::Internal("a signed write without any event"))?;
    if let Some(p) = built_on
        && p.head == head
    {
        // No event: nothing to sign, as long as nothing changed either.
        let members = load_members(conn, true)?;
        if p.members == members && p.state == state_digest(conn)? {
            return Ok(Signed::Nothing);
        }
        return Err(Error::Internal("a change that records no event"));
    }
    // Format 6: a floor recorded by a build that did not mark it (DESIGN §13) is marked
    // by the next admin's write (the mark is a setting: an admin's to change).
    if tx.format.get() < crate::vault::schema::FLOOR_FORMAT
        && before
            .as_ref()
            .and_then(|m| m.get(s.recipient))
            .is_some_and(|m| m.role == Role::Admin)
        && tx.holds_serial_floor()?
    {
        tx.mark_serial_floor()?;
    }
    let members = load_members(conn, true)?;
    if members.get(s.recipient).is_some_and(|m| m.key.is_none()) {
        tx.bind_key(s.recipient, &key, proof.as_ref())?;
    }
    let after = load_members(conn, true)?;
    let events: Vec<(Action, String)> = {
        let since = opened.filter(|_| !checkpoint).map_or(0, |(_, seq)| seq);
        let mut stmt = conn.prepare(
            "SELECT e.action, a.recipient FROM events e JOIN actors a ON a.id = e.actor
             WHERE e.seq > ?1 ORDER BY e.seq",
        )?;
        stmt.query_map(params![since], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .map(|row| {
            let (code, actor) = row?;
            let action = Action::from_code(code).ok_or_else(|| Error::CorruptDb {
                detail: "an event has an unknown action".into(),
            })?;
            Ok((action, actor))
        })
        .collect::<Result<_>>()?
    };
    let evs: Vec<(Action, &str)> = events.iter().map(|(a, r)| (*a, r.as_str())).collect();
    let settings = settings_digest(conn)?;
    let proven =
        crate::signing::binding_holds(s.recipient, &key, proof.as_ref().map(|p| &p[..])).is_some();
    rules::check_write(&rules::Write {
        signer: s.recipient,
        key,
        proven,
        proof,
        settings_changed: built_on.is_some_and(|p| p.settings != settings),
        before: before.as_ref(),
        after: &after,
        events: &evs,
    })
    .map_err(|r| refused(&env, s.recipient, r))?;
    let mut sig = Signature {
        head,
        prev,
        state: state_digest(conn)?,
        settings,
        members: after,
        signer: s.recipient.to_owned(),
        key,
        proof,
        sig: [0; 64],
    };
    sig.sig = s.signer.sign(&sig.message(&env))?;
    insert_signature(conn, &sig)?;
    Ok(if checkpoint {
        Signed::Checkpoint
    } else {
        Signed::Head
    })
}

/// The writer's error for a change the rules refuse.
fn refused(env: &crate::names::EnvName, who: &str, r: Refusal) -> Error {
    let who_short = crate::recipient::short_recipient(who);
    match r {
        Refusal::Role { has, what, needs } => SignedError::NotAllowed {
            env: env.clone(),
            who: who_short,
            has: format!("a `{has}` member"),
            what,
            needs,
        }
        .into(),
        Refusal::NotMember => SignedError::NotAllowed {
            env: env.clone(),
            who: who_short,
            has: "not a member".into(),
            what: "write".into(),
            needs: Role::Write,
        }
        .into(),
        Refusal::NoAdmin => SignedError::NoAdminLeft { env: env.clone() }.into(),
        other => SignedError::CannotSign {
            why: format!("in `{env}`, {who_short} {}", other.describe()),
        }
        .into(),
    }
}
