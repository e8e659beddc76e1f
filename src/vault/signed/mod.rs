//! Signed writes (DESIGN §15): every write ends with its new head signed by its writer,
//! over the digest of the whole logical state and the members with their roles; every
//! reader that has not seen a file before checks every signature of its history
//! against the roles in force where it was made.
//!
//! `members` is the canonical member list, `digest` the state digest, `rules` who may
//! sign what (shared by writers and readers), `verify` the walk over a history's
//! signatures, `sign` the writer's side. This file holds the stored signature and the
//! SQL around it.

mod digest;
pub mod members;
mod on_read;
pub mod rules;
mod sign;
mod verify;

pub use digest::{SETTINGS_TABLES, settings_digest, state_digest};
pub use members::{Member, Members};
pub use sign::{Signed, Signing};
pub(crate) use verify::check_new_join;
pub use verify::{Link, Linked, Verified, covering, history_of, roots_of, verify_history};

use rusqlite::{Connection, OptionalExtension, params};

use crate::codes::Role;
use crate::error::{Error, Result, SignedError};
use crate::names::EnvName;
use crate::signing::{PublicKey, Sig};
use crate::vault::store::{EnvDb, Tx};

/// The domain of a signed head.
const HEAD_DOMAIN: &[u8] = b"keyward-signed-head-v1";

/// One stored signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The lifecycle event it signs (the head after the write).
    pub head: [u8; 32],
    /// The signed heads it builds on: none for the first, two for a merge.
    pub prev: Vec<[u8; 32]>,
    /// The digest of the whole logical state at `head`.
    pub state: [u8; 32],
    /// The digest of the settings only admins change (`SETTINGS_TABLES`) at `head`.
    pub settings: [u8; 32],
    pub members: Members,
    /// The signer's recipient.
    pub signer: String,
    pub key: PublicKey,
    pub proof: Option<Sig>,
    pub sig: Sig,
}

impl Signature {
    /// What the signer signs: the environment, the head, what it builds on, the state
    /// and its settings, the members, and who signs with which key.
    pub fn message(&self, env: &EnvName) -> Vec<u8> {
        let mut m = Vec::with_capacity(256);
        m.extend_from_slice(HEAD_DOMAIN);
        m.push(0);
        m.extend_from_slice(env.as_str().as_bytes());
        m.push(0);
        m.extend_from_slice(&self.head);
        m.push(self.prev.len() as u8);
        for p in &self.prev {
            m.extend_from_slice(p);
        }
        m.extend_from_slice(&self.state);
        m.extend_from_slice(&self.settings);
        m.extend_from_slice(&self.members.hash());
        m.extend_from_slice(self.signer.as_bytes());
        m.push(0);
        m.extend_from_slice(&self.key);
        m
    }

    /// Whether the signature checks under its key.
    pub fn checks(&self, env: &EnvName) -> bool {
        crate::signing::verify(&self.key, &self.message(env), &self.sig)
    }

    /// Whether its proof binds its key to its signer (or the signer's recipient is the
    /// key).
    pub fn proven(&self) -> bool {
        crate::signing::binding_holds(&self.signer, &self.key, self.proof.as_ref().map(|p| &p[..]))
            .is_some()
    }
}

/// A malformed signature row: the history cannot be verified.
fn malformed(env: &EnvName, what: &str) -> Error {
    SignedError::BadSignature {
        env: env.clone(),
        detail: format!("a stored signature is malformed ({what})"),
    }
    .into()
}

/// Every stored signature of an image (empty before format 4).
pub(in crate::vault) fn load_signatures(
    conn: &Connection,
    env: &EnvName,
) -> Result<Vec<Signature>> {
    let mut stmt = conn.prepare(
        "SELECT head, prev, state, members, signer, key, proof, sig, settings FROM signatures",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    let fixed = |b: Vec<u8>, what: &str| -> Result<[u8; 32]> {
        b.try_into().map_err(|_| malformed(env, what))
    };
    while let Some(r) = rows.next()? {
        let prev: Vec<u8> = r.get(1)?;
        if !prev.len().is_multiple_of(32) || prev.len() > 64 {
            return Err(malformed(env, "the heads it builds on"));
        }
        let members: Vec<u8> = r.get(3)?;
        let proof: Option<Vec<u8>> = r.get(6)?;
        let sig: Vec<u8> = r.get(7)?;
        out.push(Signature {
            head: fixed(r.get(0)?, "its head")?,
            prev: prev
                .chunks(32)
                .map(|c| c.try_into().expect("32-byte chunks"))
                .collect(),
            state: fixed(r.get(2)?, "its state digest")?,
            settings: fixed(r.get(8)?, "its settings digest")?,
            members: Members::decode(&members).ok_or_else(|| malformed(env, "its members"))?,
            signer: r.get(4)?,
            key: fixed(r.get(5)?, "its key")?,
            proof: proof
                .map(|p| p.try_into().map_err(|_| malformed(env, "its proof")))
                .transpose()?,
            sig: sig
                .try_into()
                .map_err(|_| malformed(env, "its signature"))?,
        });
    }
    Ok(out)
}

/// The members as the rows hold them (before format 4: everyone `write`, unbound).
pub(in crate::vault) fn load_members(conn: &Connection, signed: bool) -> Result<Members> {
    let sql = if signed {
        "SELECT recipient, role, signing_key, key_proof FROM recipients"
    } else {
        "SELECT recipient, 1, NULL, NULL FROM recipients"
    };
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<Vec<u8>>>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
        ))
    })?;
    let mut list = Vec::new();
    for row in rows {
        let (recipient, role, key, proof) = row?;
        let bad = |what: &str| Error::CorruptDb {
            detail: format!("recipient {recipient} has {what}"),
        };
        list.push(Member {
            role: Role::from_code(role).ok_or_else(|| bad("an unknown role"))?,
            key: key
                .map(|k| k.try_into().map_err(|_| bad("a malformed signing key")))
                .transpose()?,
            proof: proof
                .map(|p| p.try_into().map_err(|_| bad("a malformed binding proof")))
                .transpose()?,
            recipient,
        });
    }
    Ok(Members::new(list))
}

/// Store a signature (the tests' forgers use it too: a row is a row).
pub fn insert_signature(conn: &Connection, s: &Signature) -> Result<()> {
    conn.execute(
        "INSERT INTO signatures(head, prev, state, members, signer, key, proof, sig, settings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            &s.head[..],
            s.prev.concat(),
            &s.state[..],
            s.members.encode(),
            s.signer,
            &s.key[..],
            s.proof.as_ref().map(|p| &p[..]),
            &s.sig[..],
            &s.settings[..]
        ],
    )?;
    Ok(())
}

impl EnvDb {
    /// The members with their roles and keys, as the rows hold them.
    pub fn members(&self) -> Result<Members> {
        self.located(load_members(&self.conn, self.has_signatures()))
    }

    /// The role of `recipient` here (`None`: not a member). Before format 4 everyone
    /// may write.
    pub fn role_of(&self, recipient: &str) -> Result<Option<Role>> {
        Ok(self.members()?.get(recipient).map(|m| m.role))
    }

    /// Every stored signature (none before format 4).
    pub fn signatures(&self) -> Result<Vec<Signature>> {
        if !self.has_signatures() {
            return Ok(Vec::new());
        }
        self.located(load_signatures(&self.conn, &self.env))
    }

    /// The founders' root of this history (`signing::root_fingerprint`), when it was
    /// verified or pinned here: what this machine's pins hold it to, and what tells
    /// whether two environments were founded by the same admins.
    pub fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    /// Whether `KEYWARD_TRUST_ROOT` accepted this history only by its founders' root:
    /// the pin that `trust root` printed before it named histories, which any vault
    /// those admins found passes.
    pub fn founders_pin(&self) -> bool {
        self.founders_pin.get()
    }

    /// The root of this history itself (`signing::history_root`), when known: the
    /// fingerprint to pin with `KEYWARD_TRUST_ROOT`.
    pub fn history_root(&self) -> Option<&str> {
        self.history_root.as_deref()
    }

    /// Whether the image holds any signature: `false` for an unsigned (older) history.
    pub fn is_signed(&self) -> Result<bool> {
        if !self.has_signatures() {
            return Ok(false);
        }
        self.located((|| -> Result<bool> {
            Ok(self
                .conn
                .query_row("SELECT 1 FROM signatures LIMIT 1", [], |_| Ok(()))
                .optional()?
                .is_some())
        })())
    }
}

impl Tx<'_> {
    /// Set a member's role (an admin's change: `access grant --role`).
    pub fn set_role(&self, recipient: &str, role: Role) -> Result<()> {
        self.conn.execute(
            "UPDATE recipients SET role = ?2 WHERE recipient = ?1",
            params![recipient, role.code()],
        )?;
        Ok(())
    }

    /// Bind a member's signing key with the proof their identity made of it (their own
    /// first signed write, or an admin's grant of their card; `None` where the
    /// recipient is the key, or for a plugin card an admin vouches for).
    pub fn bind_key(&self, recipient: &str, key: &PublicKey, proof: Option<&Sig>) -> Result<()> {
        self.conn.execute(
            "UPDATE recipients SET signing_key = ?2, key_proof = ?3 WHERE recipient = ?1",
            params![recipient, &key[..], proof.map(|p| &p[..])],
        )?;
        Ok(())
    }
}
