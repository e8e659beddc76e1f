//! The keys around a set: the Ed25519 pair that signs it (the secret half stays in the
//! keyward environment; services pin the public half) and the optional HMAC key that
//! hashes its entries. Also the entry hash itself, so exporter and service hash alike.
//!
//! Nothing here is random: a signing key comes from a seed the caller keeps (keyward
//! keeps it inside the encrypted environment), so this crate needs no RNG.

use std::fmt;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// An HMAC key shorter than this is refused: it is what keeps a low-entropy value from
/// being guessed from its hash, so it must not be guessable itself.
pub const MIN_HMAC_KEY: usize = 32;

/// The longest HMAC key file read: a longer one is probably the wrong file.
pub const MAX_HMAC_KEY_FILE: usize = 4096;

/// How each entry's hash was made (signed with the set, so it cannot be switched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alg {
    /// SHA-256 of the value: enough for generated keys (at least 128 bits of entropy).
    Sha256,
    /// HMAC-SHA-256 of the value under a key the service holds: for imported values,
    /// which may be guessable from a bare hash.
    HmacSha256,
}

impl Alg {
    /// The name the set stores: `sha256` or `hmac-sha256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Sha256 => "sha256",
            Alg::HmacSha256 => "hmac-sha256",
        }
    }
}

/// The secret key of an HMAC set, held by the services and by whoever exports. Wiped
/// when dropped; its `Debug` never shows it.
pub struct HmacKey(Zeroizing<Vec<u8>>);

impl HmacKey {
    /// Read a key file (at most 4 KiB; one trailing newline ignored). At least
    /// [`MIN_HMAC_KEY`] bytes, e.g. `head -c 32 /dev/urandom > hmac.key`.
    pub fn from_file(path: &Path) -> Result<HmacKey> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
        let mut bytes = Zeroizing::new(Vec::new());
        // One byte past the limit, so an over-long file is seen as one without reading
        // all of it.
        file.take(MAX_HMAC_KEY_FILE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(path, e))?;
        if bytes.len() > MAX_HMAC_KEY_FILE {
            return Err(Error::HmacKeyFileTooLong {
                path: path.to_owned(),
            });
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        HmacKey::from_bytes(bytes.to_vec()).map_err(|_| Error::HmacKeyFileTooShort {
            path: path.to_owned(),
        })
    }

    /// A key from its bytes; shorter than [`MIN_HMAC_KEY`] is refused.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<HmacKey> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_HMAC_KEY {
            return Err(Error::HmacKeyTooShort);
        }
        Ok(HmacKey(bytes))
    }

    /// Why the key looks made by hand rather than drawn at random, if it does: all
    /// one byte, fewer than 8 different bytes, a short pattern repeated, or bytes that
    /// count up or down by one step (`printf`, `head -c 32 /dev/zero`, `seq`). Such a
    /// key can be guessed, and with it every imported value the set hashes: the key
    /// exists only because those values may be guessable. 32 random bytes (or their
    /// hex or base64) never come close: at least 16 different bytes, no repeats. Not
    /// checked by [`HmacKey::from_bytes`] (a service must keep reading sets made with
    /// the key it holds); an exporter should refuse one.
    pub fn weakness(&self) -> Option<&'static str> {
        weakness(&self.0)
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// A public name for the key (derived, not the key): a set records it so a service
    /// holding another key is told so instead of finding nothing.
    pub fn id(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"keyward verifier hmac key id");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }

    /// A second copy for an opened set to keep (not `Clone`: copies of a secret are
    /// made where they are needed, not by accident).
    pub(crate) fn duplicate(&self) -> HmacKey {
        HmacKey(self.0.clone())
    }
}

/// See [`HmacKey::weakness`].
fn weakness(b: &[u8]) -> Option<&'static str> {
    let mut seen = [false; 256];
    for &x in b {
        seen[x as usize] = true;
    }
    let distinct = seen.iter().filter(|s| **s).count();
    if distinct == 1 {
        return Some("every byte is the same");
    }
    if distinct < 8 {
        return Some("it has fewer than 8 different bytes");
    }
    if (1..=b.len() / 2).any(|p| b[p..].iter().zip(b).all(|(x, y)| x == y)) {
        return Some("it repeats a pattern");
    }
    let step = b[1].wrapping_sub(b[0]);
    if b.windows(2).all(|w| w[1].wrapping_sub(w[0]) == step) {
        return Some("its bytes count up or down");
    }
    None
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

/// A file that cannot be opened or read: a missing one is told apart, since that is
/// usually a wrong path rather than a broken disk.
pub(crate) fn read_error(path: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_owned(),
        },
        _ => Error::Io {
            path: path.to_owned(),
            source: e,
        },
    }
}

/// The hash a set stores for `value`: SHA-256, or HMAC-SHA-256 under `key`. The
/// exporter and the lookup both call this, so they cannot hash differently.
pub fn entry_hash(value: &[u8], key: Option<&HmacKey>) -> [u8; 32] {
    match key {
        None => Sha256::digest(value).into(),
        Some(k) => {
            let mut mac = k.mac();
            mac.update(value);
            mac.finalize().into_bytes().into()
        }
    }
}

/// The public half of an environment's verifier key, as `keyward verifier pubkey`
/// prints it and a service pins it: `ed25519:` and 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The key's 32 bytes (a point on the curve, checked when the key was made).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Whether `signature` over `message` was made by this key.
    pub(crate) fn verifies(&self, message: &[u8], signature: &Signature) -> bool {
        VerifyingKey::from_bytes(&self.0)
            .expect("checked when parsed or derived")
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ed25519:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for PublicKey {
    type Err = Error;
    /// `ed25519:` and 64 hex digits; the prefix may be left out, surrounding spaces are
    /// ignored (a key pasted from a terminal).
    fn from_str(s: &str) -> Result<Self> {
        let h = s.trim().strip_prefix("ed25519:").unwrap_or(s.trim());
        let bytes: [u8; 32] = hex::decode(h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(Error::BadPublicKey)?;
        VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| Error::BadPublicKey)
    }
}

/// The secret half, which signs sets. Built from a 32-byte seed the caller keeps
/// secret (keyward keeps it inside the encrypted environment); wiped when dropped.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The public key services pin.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey([redacted], public: {})", self.public())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_reads_back_what_it_prints_and_refuses_the_rest() {
        let key = SigningKey::from_seed(&[7; 32]).public();
        assert_eq!(key.to_string().parse::<PublicKey>().unwrap(), key);
        let bare = key.to_string().trim_start_matches("ed25519:").to_owned();
        assert_eq!(format!(" {bare}\n").parse::<PublicKey>().unwrap(), key);
        for bad in [
            "",
            "ed25519:",
            "ed25519:00",
            &format!("{bare}00"),
            "ed25519:zz",
        ] {
            assert!(
                matches!(bad.parse::<PublicKey>(), Err(Error::BadPublicKey)),
                "{bad}"
            );
        }
    }

    #[test]
    fn hmac_keys_have_a_floor_and_a_stable_public_id() {
        assert!(matches!(
            HmacKey::from_bytes(vec![1; MIN_HMAC_KEY - 1]),
            Err(Error::HmacKeyTooShort)
        ));
        let a = HmacKey::from_bytes(vec![1; MIN_HMAC_KEY]).unwrap();
        let b = HmacKey::from_bytes(vec![2; MIN_HMAC_KEY]).unwrap();
        assert_eq!(a.id(), a.duplicate().id());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        assert_eq!(format!("{a:?}"), "HmacKey([redacted])");
        // Keyed: the same value hashes differently under another key, and unkeyed.
        assert_ne!(entry_hash(b"v", Some(&a)), entry_hash(b"v", Some(&b)));
        assert_ne!(entry_hash(b"v", Some(&a)), entry_hash(b"v", None));
    }

    #[test]
    fn keys_made_by_hand_are_told_apart_from_random_ones() {
        for (weak, why) in [
            (vec![0u8; 32], "every byte is the same"),
            (b"abcabcabcabcabcabcabcabcabcabcaX".to_vec(), "fewer than 8"),
            (b"hunter2!".repeat(4), "repeats a pattern"),
            ((0u8..32).collect(), "count up or down"),
            (
                (0u8..40).rev().map(|b| b.wrapping_mul(3)).collect(),
                "count up or down",
            ),
        ] {
            let got = HmacKey::from_bytes(weak.clone()).unwrap().weakness();
            assert!(got.is_some_and(|w| w.contains(why)), "{weak:?}: {got:?}");
        }
        // SHA-256 outputs stand in for random bytes (deterministically), raw and in hex.
        for i in 0u32..2000 {
            let raw = Sha256::digest(i.to_le_bytes()).to_vec();
            let hexed = hex::encode(&raw).into_bytes();
            for key in [raw, hexed] {
                assert_eq!(
                    HmacKey::from_bytes(key.clone()).unwrap().weakness(),
                    None,
                    "{key:?}"
                );
            }
        }
    }

    #[test]
    fn an_hmac_key_file_drops_one_newline_and_refuses_the_wrong_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hmac.key");
        std::fs::write(&path, [[9u8; 32].as_slice(), b"\n"].concat()).unwrap();
        let from_file = HmacKey::from_file(&path).unwrap();
        assert_eq!(
            from_file.id(),
            HmacKey::from_bytes(vec![9; 32]).unwrap().id()
        );
        std::fs::write(&path, [9u8; 31]).unwrap();
        assert!(matches!(
            HmacKey::from_file(&path),
            Err(Error::HmacKeyFileTooShort { .. })
        ));
        std::fs::write(&path, vec![9u8; MAX_HMAC_KEY_FILE + 1]).unwrap();
        assert!(matches!(
            HmacKey::from_file(&path),
            Err(Error::HmacKeyFileTooLong { .. })
        ));
        assert!(matches!(
            HmacKey::from_file(&dir.path().join("nope")),
            Err(Error::NotFound { .. })
        ));
    }
}
