//! The environment's verifier key (DESIGN §13): the Ed25519 key that signs verifier
//! sets, kept inside the encrypted environment like the audit key, so only someone who
//! can read the environment can sign a set for it. One row at most (`verifier_key`,
//! format 3); created by the first `verifier export`, in a write with its own event.

use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::vault::store::{EnvDb, Tx};

impl EnvDb {
    /// The verifier key's 32-byte seed, if the environment has one. A format-2 image
    /// (no table yet) has none.
    pub fn verifier_seed(&self) -> Result<Option<Zeroizing<[u8; 32]>>> {
        if !self.has_verifier_table() {
            return Ok(None);
        }
        self.located((|| -> Result<Option<Zeroizing<[u8; 32]>>> {
            let seed: Option<Zeroizing<Vec<u8>>> = self
                .conn
                .query_row("SELECT seed FROM verifier_key WHERE id = 1", [], |r| {
                    r.get::<_, Vec<u8>>(0).map(Zeroizing::new)
                })
                .optional()?;
            let Some(seed) = seed else {
                return Ok(None);
            };
            let arr: [u8; 32] = seed.as_slice().try_into().map_err(|_| Error::CorruptDb {
                detail: "the verifier key has the wrong length".into(),
            })?;
            Ok(Some(Zeroizing::new(arr)))
        })())
    }
}

impl Tx<'_> {
    /// Replace the verifier key, if the environment has one, with a fresh random one
    /// made at `now` (a reader was removed: they hold the old seed and could sign a set
    /// services accept). Returns the new public key.
    pub(in crate::vault) fn replace_verifier_key(
        &self,
        now: i64,
    ) -> Result<Option<keyward_verifier::PublicKey>> {
        if self.verifier_seed()?.is_none() {
            return Ok(None);
        }
        let seed = crate::secret::random_key();
        self.located((|| -> Result<()> {
            self.conn.execute(
                "UPDATE verifier_key SET seed = ?1, created = ?2 WHERE id = 1",
                params![&seed[..], now],
            )?;
            Ok(())
        })())?;
        Ok(Some(
            keyward_verifier::SigningKey::from_seed(&seed).public(),
        ))
    }

    /// Store `seed` as the environment's verifier key; refused if it has one (a key
    /// services pin is replaced only when a reader is removed, and then said).
    pub fn create_verifier_key(&self, seed: &[u8; 32], now: i64) -> Result<()> {
        self.located((|| -> Result<()> {
            self.conn.execute(
                "INSERT INTO verifier_key(id, seed, created) VALUES (1, ?1, ?2)",
                params![&seed[..], now],
            )?;
            Ok(())
        })())
    }
}
