//! Signing keys and what proves who holds them (DESIGN §15). Pure cryptography over
//! bytes and strings: no files, no vault, no identity loading.
//!
//! - An X25519 identity signs with an Ed25519 key derived from its secret (HKDF-SHA-256,
//!   a fixed label): existing identities work unchanged and nothing new is stored.
//!   That derived key is not visible from the recipient, so its holder proves the
//!   binding once with the X25519 key itself: an XEdDSA signature over the recipient
//!   and the signing key ([`prove_binding`], checked by [`binding_holds`]). A proof
//!   needs the identity; nobody can claim someone else's recipient.
//! - An `ssh-ed25519` identity signs with that very key: its recipient is its binding.
//! - A plugin (hardware) identity cannot sign through age: it has a separate signing
//!   key, bound by an admin who grants its member card ([`Card`]).

mod card;
mod xeddsa;

pub use card::Card;

use ed25519_dalek::{Signature, VerifyingKey};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// An Ed25519 public key.
pub type PublicKey = [u8; 32];
/// An Ed25519 (or XEdDSA) signature.
pub type Sig = [u8; 64];

/// The HKDF label of the signing key derived from an X25519 identity. Fixed forever:
/// a member's signing key must not change while their identity does not.
const DERIVE_LABEL: &[u8] = b"keyward signing key v1";
/// The domain of a binding proof (a signature by the X25519 key).
const BIND_DOMAIN: &[u8] = b"keyward-bind-v1";
/// The domain of a trust root's fingerprint.
const ROOT_DOMAIN: &[u8] = b"keyward-root-v1";
const HISTORY_DOMAIN: &[u8] = b"keyward-history-root-v1";

/// The Ed25519 signing key of an X25519 identity, from its 32-byte secret.
pub fn derive_from_x25519(secret: &[u8; 32]) -> ed25519_dalek::SigningKey {
    let hk = Hkdf::<Sha256>::new(Some(b"keyward"), secret);
    let mut seed = Zeroizing::new([0u8; 32]);
    hk.expand(DERIVE_LABEL, &mut seed[..])
        .expect("32 bytes is a valid HKDF-SHA-256 output length");
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

/// The 32-byte secret of an X25519 identity (its `AGE-SECRET-KEY-1…` form decoded).
pub fn x25519_secret(identity: &age::x25519::Identity) -> Option<Zeroizing<[u8; 32]>> {
    use age::secrecy::ExposeSecret;
    let text = identity.to_string();
    let (hrp, data) = bech32::decode(text.expose_secret()).ok()?;
    let data = Zeroizing::new(data);
    if !hrp.as_str().eq_ignore_ascii_case("age-secret-key-") || data.len() != 32 {
        return None;
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&data);
    Some(out)
}

/// The X25519 public key of an `age1…` recipient (not a plugin's `age1<name>1…`).
pub fn x25519_public(recipient: &str) -> Option<[u8; 32]> {
    let (hrp, data) = bech32::decode(recipient).ok()?;
    if hrp.as_str() != "age" {
        return None;
    }
    data.try_into().ok()
}

/// The Ed25519 key of an `ssh-ed25519 AAAA…` recipient.
pub fn ssh_ed25519_key(recipient: &str) -> Option<PublicKey> {
    use base64::Engine;
    let b64 = recipient.strip_prefix("ssh-ed25519 ")?.split(' ').next()?;
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    // SSH wire format: string "ssh-ed25519", string key (32 bytes).
    let tag = b"ssh-ed25519";
    let mut at = 0;
    let mut field = || -> Option<&[u8]> {
        let len = u32::from_be_bytes(blob.get(at..at + 4)?.try_into().ok()?) as usize;
        let v = blob.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some(v)
    };
    if field()? != tag {
        return None;
    }
    let key: PublicKey = field()?.try_into().ok()?;
    (at == blob.len()).then_some(key)
}

/// What a binding proof signs: the recipient and the signing key it vouches for.
fn bind_message(recipient: &str, key: &PublicKey) -> Vec<u8> {
    let mut m = Vec::with_capacity(BIND_DOMAIN.len() + recipient.len() + 34);
    m.extend_from_slice(BIND_DOMAIN);
    m.push(0);
    m.extend_from_slice(recipient.as_bytes());
    m.push(0);
    m.extend_from_slice(key);
    m
}

/// Prove with the X25519 secret that `key` is the signing key of `recipient`.
pub fn prove_binding(x25519_secret: &[u8; 32], recipient: &str, key: &PublicKey) -> Sig {
    xeddsa::sign(x25519_secret, &bind_message(recipient, key))
}

/// How a recipient's signing key is bound to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// The recipient is the key (`ssh-ed25519`).
    Inherent,
    /// An XEdDSA proof by the recipient's X25519 key checks.
    Proven,
}

/// Whether `key` is provably `recipient`'s signing key: an `ssh-ed25519` recipient is
/// its own key; an X25519 recipient needs `proof`, made with its identity. A plugin
/// recipient can prove nothing (an admin's grant of its card binds it instead).
pub fn binding_holds(recipient: &str, key: &PublicKey, proof: Option<&[u8]>) -> Option<Binding> {
    if let Some(ssh) = ssh_ed25519_key(recipient) {
        return (ssh == *key).then_some(Binding::Inherent);
    }
    let u = x25519_public(recipient)?;
    let proof: &Sig = proof?.try_into().ok()?;
    xeddsa::verify(&u, &bind_message(recipient, key), proof).then_some(Binding::Proven)
}

/// Whether `recipient` can prove a binding itself: an X25519 recipient (an XEdDSA
/// proof) or an `ssh-ed25519` one (it is its key). Plugin and `ssh-rsa` recipients
/// cannot.
pub fn can_prove(recipient: &str) -> bool {
    x25519_public(recipient).is_some() || ssh_ed25519_key(recipient).is_some()
}

/// Whether `sig` is `key`'s signature of `msg` (strict: no malleable encodings, no
/// small-order keys). `verify_strict` is the plain check (the same equation) plus
/// those refusals, so it is the one check made.
pub fn verify(key: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    let (Ok(vk), Ok(sig)) = (VerifyingKey::from_bytes(key), Signature::from_slice(sig)) else {
        return false;
    };
    vk.verify_strict(msg, &sig).is_ok()
}

/// The fingerprint of a trust root: SHA-256 over the sorted signing keys of an
/// environment's first admins, as 64 hex digits.
pub fn root_fingerprint(admin_keys: &[PublicKey]) -> String {
    let mut keys = admin_keys.to_vec();
    keys.sort();
    keys.dedup();
    let mut h = Sha256::new();
    h.update(ROOT_DOMAIN);
    for k in &keys {
        h.update(k);
    }
    hex::encode(h.finalize())
}

/// The trust root of one environment's signed history: SHA-256 over its founders' root
/// (`root_fingerprint`), the head its first signature signs and that signature's
/// settings digest, as 64 hex digits. The founders' root alone is shared by every
/// history the same admins ever start (each environment of each vault they found), so a
/// repository replaced by another vault of theirs would pass a pin of it; the first
/// signed head and settings (whose rows hold the environment's random audit key as it
/// was made) name this history only.
pub fn history_root(founders: &str, first_head: &[u8; 32], first_settings: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(HISTORY_DOMAIN);
    h.update(founders.as_bytes());
    h.update(first_head);
    h.update(first_settings);
    hex::encode(h.finalize())
}

/// The shortest prefix of a root fingerprint accepted in `KEYWARD_TRUST_ROOT` (128
/// bits: a second root sharing it is out of anyone's reach).
pub const ROOT_PREFIX_MIN: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;

    #[test]
    fn the_derived_key_is_stable_and_proven_by_the_identity_alone() {
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let secret = x25519_secret(&id).unwrap();
        let sk = derive_from_x25519(&secret);
        assert_eq!(
            sk.verifying_key(),
            derive_from_x25519(&secret).verifying_key()
        );
        let key = sk.verifying_key().to_bytes();
        let proof = prove_binding(&secret, &recipient, &key);
        assert_eq!(
            binding_holds(&recipient, &key, Some(&proof)),
            Some(Binding::Proven)
        );
        // Not without the proof, not for another key, not by another identity.
        assert_eq!(binding_holds(&recipient, &key, None), None);
        let other = derive_from_x25519(&[7; 32]).verifying_key().to_bytes();
        assert_eq!(binding_holds(&recipient, &other, Some(&proof)), None);
        let mallory = age::x25519::Identity::generate();
        let forged = prove_binding(&x25519_secret(&mallory).unwrap(), &recipient, &other);
        assert_eq!(binding_holds(&recipient, &other, Some(&forged)), None);
        let mut bent = proof;
        bent[10] ^= 1;
        assert_eq!(binding_holds(&recipient, &key, Some(&bent)), None);
    }

    #[test]
    fn an_ssh_ed25519_recipient_is_its_own_binding() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let key = sk.verifying_key().to_bytes();
        let mut blob = Vec::new();
        for field in [&b"ssh-ed25519"[..], &key[..]] {
            blob.extend_from_slice(&(field.len() as u32).to_be_bytes());
            blob.extend_from_slice(field);
        }
        use base64::Engine;
        let r = format!(
            "ssh-ed25519 {}",
            base64::engine::general_purpose::STANDARD.encode(&blob)
        );
        assert_eq!(ssh_ed25519_key(&r), Some(key));
        assert_eq!(binding_holds(&r, &key, None), Some(Binding::Inherent));
        assert_eq!(binding_holds(&r, &[1; 32], None), None);
        let sig = sk.sign(b"m").to_bytes();
        assert!(verify(&key, b"m", &sig));
        assert!(!verify(&key, b"n", &sig));
    }

    #[test]
    fn a_root_is_the_same_whatever_the_order_of_its_admins() {
        let (a, b) = ([1; 32], [2; 32]);
        assert_eq!(root_fingerprint(&[a, b]), root_fingerprint(&[b, a]));
        assert_ne!(root_fingerprint(&[a]), root_fingerprint(&[a, b]));
        assert_eq!(root_fingerprint(&[a]).len(), 64);
    }
}
