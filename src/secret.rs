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
