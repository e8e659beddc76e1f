//! XEdDSA (Signal's specification): an Ed25519-verifiable signature made with an X25519
//! private key. It lets the holder of an `age1…` identity vouch for its derived signing
//! key with the very key its recipient names; anyone checks it from the recipient alone.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use rand::RngCore;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use super::Sig;

/// Sign `msg` with the X25519 secret `k` (the `AGE-SECRET-KEY-1…` bytes).
pub(super) fn sign(k: &[u8; 32], msg: &[u8]) -> Sig {
    // The Edwards form of the X25519 key pair, with the sign bit of A cleared (the
    // verifier only knows the Montgomery u, which loses it): negate a when it is set.
    let mut clamped = Zeroizing::new(*k);
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    let mut a = Scalar::from_bytes_mod_order(*clamped);
    let mut big_a = EdwardsPoint::mul_base(&a).compress();
    if big_a.as_bytes()[31] & 0x80 != 0 {
        a = -a;
        big_a = EdwardsPoint::mul_base(&a).compress();
    }
    let mut z = Zeroizing::new([0u8; 64]);
    rand::rngs::OsRng.fill_bytes(&mut z[..]);
    // r = hash1(a || M || Z), hash1 = SHA-512 with the prefix 2^256 - 2 (little endian).
    let mut h = Sha512::new();
    let mut prefix = [0xffu8; 32];
    prefix[0] = 0xfe;
    h.update(prefix);
    h.update(a.as_bytes());
    h.update(msg);
    h.update(&z[..]);
    let r = Scalar::from_hash(h);
    let big_r = EdwardsPoint::mul_base(&r).compress();
    let mut h = Sha512::new();
    h.update(big_r.as_bytes());
    h.update(big_a.as_bytes());
    h.update(msg);
    let s = r + Scalar::from_hash(h) * a;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(big_r.as_bytes());
    out[32..].copy_from_slice(s.as_bytes());
    out
}

/// Check `sig` on `msg` against the X25519 public key `u`: an Ed25519 verification
/// under the Edwards point of `u` with a cleared sign bit.
pub(super) fn verify(u: &[u8; 32], msg: &[u8], sig: &Sig) -> bool {
    let Some(point) = MontgomeryPoint(*u).to_edwards(0) else {
        return false;
    };
    super::verify(point.compress().as_bytes(), msg, sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_under_the_x25519_public_key_only() {
        for _ in 0..16 {
            let id = age::x25519::Identity::generate();
            let k = super::super::x25519_secret(&id).unwrap();
            let u = super::super::x25519_public(&id.to_public().to_string()).unwrap();
            let sig = sign(&k, b"hello");
            assert!(verify(&u, b"hello", &sig));
            assert!(!verify(&u, b"hellp", &sig));
            let other = age::x25519::Identity::generate().to_public().to_string();
            assert!(!verify(
                &super::super::x25519_public(&other).unwrap(),
                b"hello",
                &sig
            ));
        }
    }
}
