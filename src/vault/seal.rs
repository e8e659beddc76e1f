//! Sealing of access-journal rows (DESIGN §5): XChaCha20-Poly1305 with a random 24-byte
//! nonce, under the environment's audit key, with the row's clear columns as associated
//! data, so a sealed blob cannot be moved to another row or another environment's
//! journal. The journal reveals nothing without the environment's identity.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::names::EnvName;

/// Associated data of a sealed journal row: the row's clear columns, so a sealed blob
/// cannot be moved to another row or another environment's journal.
fn journal_ad(env: &EnvName, seq: i64, hash: &[u8; 32]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(64 + env.as_str().len());
    ad.extend_from_slice(b"keyward-journal-v1\0");
    ad.extend_from_slice(env.as_str().as_bytes());
    ad.push(0);
    ad.extend_from_slice(&seq.to_be_bytes());
    ad.extend_from_slice(hash);
    ad
}

/// Seal a canonical event for the journal: `(nonce, ciphertext)`.
pub(in crate::vault) fn seal(
    key: &[u8; 32],
    env: &EnvName,
    seq: i64,
    hash: &[u8; 32],
    canonical: &[u8],
    random: &mut impl RngCore,
) -> ([u8; 24], Vec<u8>) {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    random.fill_bytes(&mut nonce);
    let ad = journal_ad(env, seq, hash);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: canonical,
                aad: &ad,
            },
        )
        .expect("encryption of a bounded buffer cannot fail");
    (nonce, sealed)
}

/// Open a sealed journal row; `None` when it was tampered with or moved.
pub(in crate::vault) fn unseal(
    key: &[u8; 32],
    env: &EnvName,
    seq: i64,
    hash: &[u8; 32],
    nonce: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    if nonce.len() != 24 {
        return None;
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    let ad = journal_ad(env, seq, hash);
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &ad,
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvName {
        "dev".parse().unwrap()
    }

    #[test]
    fn sealed_rows_cannot_move() {
        let key = [7u8; 32];
        let h = [1u8; 32];
        let (nonce, sealed) = seal(&key, &env(), 5, &h, b"event", &mut rand::rngs::OsRng);
        assert_eq!(
            unseal(&key, &env(), 5, &h, &nonce, &sealed).unwrap(),
            b"event"
        );
        assert!(unseal(&key, &env(), 6, &h, &nonce, &sealed).is_none());
        assert!(unseal(&key, &"prod".parse().unwrap(), 5, &h, &nonce, &sealed).is_none());
        assert!(unseal(&[8u8; 32], &env(), 5, &h, &nonce, &sealed).is_none());
    }
}
