//! Members (DESIGN §15): who can decrypt an environment and what each may sign — the
//! recipients with their roles and signing keys, as one canonical value a signature
//! commits to.

use sha2::{Digest, Sha256};

use crate::codes::Role;
use crate::signing::{PublicKey, Sig};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub recipient: String,
    pub role: Role,
    /// The member's signing key; `None` until their first signed write (or an admin's
    /// grant of their card) binds it.
    pub key: Option<PublicKey>,
    /// The proof, made with the member's own identity, that `key` is theirs (an X25519
    /// recipient's XEdDSA signature; `None` for `ssh-ed25519` recipients, which are
    /// their key, and for plugin recipients, which can prove nothing).
    pub proof: Option<Sig>,
}

impl Member {
    /// Whether this member's key is provably theirs, by its stored proof or because
    /// the recipient is the key; `false` for an unbound member or a key an admin only
    /// vouches for.
    pub fn proven(&self) -> bool {
        self.key.is_some_and(|k| {
            crate::signing::binding_holds(&self.recipient, &k, self.proof.as_ref().map(|p| &p[..]))
                .is_some()
        })
    }
}

/// The members of an environment, sorted by recipient (one canonical order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Members(Vec<Member>);

impl Members {
    pub fn new(mut list: Vec<Member>) -> Members {
        list.sort_by(|a, b| a.recipient.cmp(&b.recipient));
        list.dedup_by(|a, b| a.recipient == b.recipient);
        Members(list)
    }

    pub fn get(&self, recipient: &str) -> Option<&Member> {
        self.0
            .binary_search_by(|m| m.recipient.as_str().cmp(recipient))
            .ok()
            .map(|i| &self.0[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Member> {
        self.0.iter()
    }

    pub fn admins(&self) -> impl Iterator<Item = &Member> {
        self.0.iter().filter(|m| m.role == Role::Admin)
    }

    /// The same members, with `recipient` bound to `key` by `proof` (a signer's own
    /// binding, which needs no admin).
    pub fn with_binding(&self, recipient: &str, key: PublicKey, proof: Option<Sig>) -> Members {
        Members(
            self.0
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    if m.recipient == recipient && m.key.is_none() {
                        m.key = Some(key);
                        m.proof = proof;
                    }
                    m
                })
                .collect(),
        )
    }

    /// The canonical bytes: per member, the recipient's length (u16 BE) and bytes, the
    /// role code, and 0 (unbound), 1 followed by the 32-byte key, or 2 followed by the
    /// key and its 64-byte proof.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 100);
        for m in &self.0 {
            let r = m.recipient.as_bytes();
            out.extend_from_slice(&(r.len() as u16).to_be_bytes());
            out.extend_from_slice(r);
            out.push(m.role.code() as u8);
            match (&m.key, &m.proof) {
                (None, _) => out.push(0),
                (Some(k), None) => {
                    out.push(1);
                    out.extend_from_slice(k);
                }
                (Some(k), Some(p)) => {
                    out.push(2);
                    out.extend_from_slice(k);
                    out.extend_from_slice(p);
                }
            }
        }
        out
    }

    /// Read `encode`'s bytes back; `None` for anything else (a damaged or forged row).
    pub fn decode(mut bytes: &[u8]) -> Option<Members> {
        let mut list = Vec::new();
        while !bytes.is_empty() {
            let (len, rest) = bytes.split_at_checked(2)?;
            let len = u16::from_be_bytes(len.try_into().ok()?) as usize;
            let (r, rest) = rest.split_at_checked(len)?;
            let (&[role, flag], rest) = rest.split_first_chunk::<2>()?;
            let role = Role::from_code(role as i64)?;
            let (key, proof, rest) = match flag {
                0 => (None, None, rest),
                1 | 2 => {
                    let (k, rest) = rest.split_first_chunk::<32>()?;
                    if flag == 1 {
                        (Some(*k), None, rest)
                    } else {
                        let (p, rest) = rest.split_first_chunk::<64>()?;
                        (Some(*k), Some(*p), rest)
                    }
                }
                _ => return None,
            };
            list.push(Member {
                recipient: String::from_utf8(r.to_vec()).ok()?,
                role,
                key,
                proof,
            });
            bytes = rest;
        }
        let members = Members::new(list.clone());
        // Canonical only: sorted, no duplicates.
        (members.0 == list).then_some(members)
    }

    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.encode()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_read_back_and_only_canonical_bytes_do() {
        let m = Members::new(vec![
            Member {
                recipient: "b".into(),
                role: Role::Admin,
                key: Some([9; 32]),
                proof: None,
            },
            Member {
                recipient: "a".into(),
                role: Role::Read,
                key: None,
                proof: None,
            },
        ]);
        let bytes = m.encode();
        assert_eq!(Members::decode(&bytes), Some(m.clone()));
        assert_eq!(m.admins().count(), 1);
        assert_eq!(m.get("a").unwrap().role, Role::Read);
        // Out of order, truncated, a bad role: refused.
        let swapped = Members(m.0.iter().rev().cloned().collect()).encode();
        assert_eq!(Members::decode(&swapped), None);
        assert_eq!(Members::decode(&bytes[..bytes.len() - 1]), None);
        let mut bad = bytes.clone();
        bad[3] = 7;
        assert_eq!(Members::decode(&bad), None);
        assert_eq!(
            m.with_binding("a", [1; 32], None).get("a").unwrap().key,
            Some([1; 32])
        );
    }
}
