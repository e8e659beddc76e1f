//! The environment's audit keys (DESIGN §5, §8 round 3): the key that seals the access
//! journal now, and every key it replaced.
//!
//! Every recipient can read the audit key, so a removed recipient still holds the one in
//! force when they left. Each removal of a recipient therefore replaces it (by
//! construction: `Tx::remove_recipient` does it), and the journal is sealed with the new
//! key from then on: a removed member can no longer seal journal rows, and a file built
//! from a state they could read carries a key this machine saw replaced (`pins`).
//!
//! The keys live in `meta`, inside the encrypted image: `audit_key` (the current one)
//! and `audit_key_prev` (the replaced ones, oldest first, 32 bytes each), so no format
//! change is needed and an older build still finds the current key where it always was.
//! The first key of the ring names the environment on this machine (`env_id`): it never
//! changes, every clone derives the same one, and nobody without the file can guess it.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::vault::store::{EnvDb, Tx};

/// The audit keys of one environment, oldest first; the last one is in force.
pub struct AuditKeys {
    keys: Vec<Zeroizing<[u8; 32]>>,
}

impl AuditKeys {
    /// A ring of one key (tests, and environments whose key was never replaced).
    pub fn single(key: Zeroizing<[u8; 32]>) -> AuditKeys {
        AuditKeys { keys: vec![key] }
    }

    /// The key in force: new journal rows are sealed with it.
    pub fn current(&self) -> &[u8; 32] {
        self.keys.last().expect("a ring holds at least one key")
    }

    /// Every key, oldest first.
    pub fn all(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.keys.iter().map(|k| &**k)
    }

    /// How many keys the ring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring is empty (never, for a ring read from an environment).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key at `index` (oldest first).
    pub fn get(&self, index: usize) -> Option<&[u8; 32]> {
        self.keys.get(index).map(|k| &**k)
    }

    /// The environment's identity on this machine: derived from its first key, so it
    /// survives every replacement and is the same in every clone.
    pub fn env_id(&self) -> String {
        let first = self.keys.first().expect("a ring holds at least one key");
        let mut h = Sha256::new();
        h.update(b"keyward-env-id-v1\0");
        h.update(&first[..]);
        hex::encode(&h.finalize()[..16])
    }

    /// Fingerprints (first 16 bytes of SHA-256, hex) of every key, oldest first: what a
    /// pin keeps to tell an earlier key from an unrelated one.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys.iter().map(|k| fingerprint(k)).collect()
    }
}

/// A key's fingerprint as pins store it.
pub fn fingerprint(key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(&key[..])[..16])
}

impl EnvDb {
    /// Every audit key of the environment, oldest first.
    pub fn audit_keys(&self) -> Result<AuditKeys> {
        self.located((|| -> Result<AuditKeys> {
            let bad = |detail: &str| Error::CorruptDb {
                detail: detail.into(),
            };
            let prev: Option<Vec<u8>> = rusqlite::OptionalExtension::optional(
                self.conn
                    .query_row("SELECT v FROM meta WHERE k = 'audit_key_prev'", [], |r| {
                        r.get(0)
                    }),
            )?;
            let prev = Zeroizing::new(prev.unwrap_or_default());
            if !prev.len().is_multiple_of(32) {
                return Err(bad("the replaced audit keys are malformed"));
            }
            let mut keys: Vec<Zeroizing<[u8; 32]>> = prev
                .chunks(32)
                .map(|c| Zeroizing::new(c.try_into().expect("32-byte chunks")))
                .collect();
            keys.push(self.audit_key()?);
            Ok(AuditKeys { keys })
        })())
    }
}

impl Tx<'_> {
    /// Replace the audit key (a recipient was removed): the current key joins the
    /// replaced ones, a fresh random key is in force from this commit on.
    pub fn replace_audit_key(&self) -> Result<()> {
        let ring = self.audit_keys()?;
        let mut prev = Zeroizing::new(Vec::with_capacity(32 * ring.len()));
        for k in ring.all() {
            prev.extend_from_slice(k);
        }
        self.set_audit_keys(&prev, &crate::secret::random_key())
    }

    fn set_audit_keys(&self, prev: &[u8], current: &[u8; 32]) -> Result<()> {
        store_ring(&self.conn, prev, current)
    }
}

/// Store `prev` (replaced keys, oldest first, concatenated) and `current` into an image
/// being written (a change, or the merge driver's result).
pub(in crate::vault) fn store_ring(
    conn: &rusqlite::Connection,
    prev: &[u8],
    current: &[u8; 32],
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta(k, v) VALUES ('audit_key_prev', ?1)",
        [prev],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO meta(k, v) VALUES ('audit_key', ?1)",
        [&current[..]],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_id_is_the_first_keys_and_survives_replacement() {
        let a = AuditKeys::single(Zeroizing::new([1; 32]));
        let b = AuditKeys {
            keys: vec![Zeroizing::new([1; 32]), Zeroizing::new([2; 32])],
        };
        assert_eq!(a.env_id(), b.env_id());
        assert_eq!(b.current(), &[2; 32]);
        assert_ne!(
            a.env_id(),
            AuditKeys::single(Zeroizing::new([2; 32])).env_id()
        );
        assert_eq!(b.fingerprints()[0], fingerprint(&[1; 32]));
    }
}
