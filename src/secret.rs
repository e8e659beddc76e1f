//! `Secret`: the one container for bytes that must never be printed by accident.
//!
//! Owns the redacted `Debug`, zeroize-on-drop and the SHA-256 fingerprint that `verify`
//! and `scan` look values up by. Never reads, writes or generates a value itself.

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Bytes that must never be printed by accident: `Debug` says `[redacted]`, drop zeroizes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(Zeroizing::new(bytes))
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// SHA-256 of the value, the fingerprint `verify` and `scan` look up.
    pub fn fingerprint(&self) -> [u8; 32] {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// SHA-256 of `bytes`: the index key of a stored value (DESIGN: `verify` looks it up).
pub fn fingerprint(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// 32 fresh bytes from the OS CSPRNG, zeroized on drop: a new key (the per-environment
/// audit key that seals the journal).
pub fn random_key() -> zeroize::Zeroizing<[u8; 32]> {
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key[..]);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(
            format!("{:?}", Secret::new(b"hunter2".to_vec())),
            "[redacted]"
        );
    }
}

/// Output of the OS CSPRNG drawn in blocks of a chosen size, for code that needs many
/// small random draws at once (values of a batch, nonces of a journal append): one system
/// call per block instead of one per draw. Each byte is handed out once and wiped from
/// the block as it is; the block is zeroized on drop.
pub struct RandomPool {
    pool: Zeroizing<Vec<u8>>,
    used: usize,
}

impl RandomPool {
    /// A pool drawing `block` bytes at a time (at least 1), on first use.
    pub fn new(block: usize) -> RandomPool {
        let block = block.max(1);
        RandomPool {
            pool: Zeroizing::new(vec![0u8; block]),
            used: block,
        }
    }
}

impl rand::RngCore for RandomPool {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let mut at = 0;
        while at < dest.len() {
            if self.used == self.pool.len() {
                rand::rngs::OsRng.fill_bytes(&mut self.pool);
                self.used = 0;
            }
            let n = (dest.len() - at).min(self.pool.len() - self.used);
            let from = &mut self.pool[self.used..self.used + n];
            dest[at..at + n].copy_from_slice(from);
            zeroize::Zeroize::zeroize(from);
            self.used += n;
            at += n;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod pool_tests {
    use rand::RngCore;

    #[test]
    fn a_random_pool_never_hands_out_the_same_bytes_twice() {
        // Draws across block boundaries (a block of 40, draws of 24): fresh bytes each
        // time, and the block is refilled rather than reused.
        let mut pool = super::RandomPool::new(40);
        let draws: Vec<[u8; 24]> = (0..50)
            .map(|_| {
                let mut b = [0u8; 24];
                pool.fill_bytes(&mut b);
                b
            })
            .collect();
        for (i, a) in draws.iter().enumerate() {
            assert_ne!(a, &[0u8; 24]);
            for b in &draws[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
