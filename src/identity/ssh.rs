//! The Ed25519 key inside an OpenSSH private key file, for signing (DESIGN §15). The
//! age crate decrypts with SSH keys but does not hand their key out, so the file is
//! read here too: `openssh-key-v1`, unencrypted or protected the way `ssh-keygen`
//! protects keys (bcrypt KDF, AES-256-CTR). Anything else cannot sign, and says so.

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use zeroize::Zeroizing;

/// What reading the key for signing gave.
pub(super) enum SshSeed {
    /// The 32-byte Ed25519 seed.
    Seed(Zeroizing<[u8; 32]>),
    /// The passphrase does not open it.
    WrongPassphrase,
    /// Not a key that can sign here, and why.
    CannotSign(String),
}

/// A reader over SSH wire-format fields.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_at_checked(4)?;
        self.0 = rest;
        Some(u32::from_be_bytes(head.try_into().ok()?))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }
}

/// The decoded body of a `-----BEGIN OPENSSH PRIVATE KEY-----` file.
fn pem_body(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let text = std::str::from_utf8(text).ok()?;
    let b64: Zeroizing<String> = Zeroizing::new(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----") && !l.is_empty())
            .collect(),
    );
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()
        .map(Zeroizing::new)
}

/// The one key of an `openssh-key-v1` file: its public blob and its private section,
/// decrypted when the file is encrypted (then `encrypted`).
struct Opened {
    public: Vec<u8>,
    plain: Zeroizing<Vec<u8>>,
    encrypted: bool,
}

/// Read the key in `file`, asking `passphrase` only when it is encrypted the way
/// `ssh-keygen` encrypts (bcrypt KDF, AES-256-CTR). `Err(why)` inside: not a key
/// keyward reads. A wrong passphrase is seen by the caller (the check integers differ).
fn open_key(
    file: &[u8],
    passphrase: impl FnOnce() -> crate::error::Result<SecretString>,
) -> crate::error::Result<Result<Opened, &'static str>> {
    let Some(body) = pem_body(file) else {
        return Ok(Err("its OpenSSH key text does not decode"));
    };
    let Some(rest) = body.strip_prefix(b"openssh-key-v1\0") else {
        return Ok(Err(
            "it is not an openssh-key-v1 key (convert it with `ssh-keygen -p`)",
        ));
    };
    let mut w = Wire(rest);
    let (Some(cipher), Some(kdf), Some(kdf_opts), Some(1), Some(public), Some(private)) = (
        w.string(),
        w.string(),
        w.string(),
        w.u32(),
        w.string(),
        w.string(),
    ) else {
        return Ok(Err("its OpenSSH key structure is not one key"));
    };
    let (plain, encrypted) = match (cipher, kdf) {
        (b"none", b"none") => (Zeroizing::new(private.to_vec()), false),
        (b"aes256-ctr", b"bcrypt") => {
            let mut o = Wire(kdf_opts);
            let (Some(salt), Some(rounds)) = (o.string(), o.u32()) else {
                return Ok(Err("its key derivation options are malformed"));
            };
            let pass = passphrase()?;
            let mut km = Zeroizing::new([0u8; 48]);
            if bcrypt_pbkdf::bcrypt_pbkdf(
                pass.expose_secret().as_bytes(),
                salt,
                rounds,
                &mut km[..],
            )
            .is_err()
            {
                return Ok(Err("its key derivation options are not usable"));
            }
            use aes::cipher::{KeyIvInit, StreamCipher};
            let mut c = ctr::Ctr128BE::<aes::Aes256>::new(km[..32].into(), km[32..].into());
            let mut buf = Zeroizing::new(private.to_vec());
            c.apply_keystream(&mut buf);
            (buf, true)
        }
        _ => {
            return Ok(Err(
                "its key is encrypted with a cipher keyward does not read (ssh-keygen's default, aes256-ctr, is)",
            ));
        }
    };
    Ok(Ok(Opened {
        public: public.to_vec(),
        plain,
        encrypted,
    }))
}

/// The Ed25519 seed of the OpenSSH key in `file`; `passphrase` is asked only when the
/// key is encrypted.
pub(super) fn ed25519_seed(
    file: &[u8],
    passphrase: impl FnOnce() -> crate::error::Result<SecretString>,
) -> crate::error::Result<SshSeed> {
    let plain = match open_key(file, passphrase)? {
        Ok(opened) => opened.plain,
        Err(why) => return Ok(SshSeed::CannotSign(why.to_owned())),
    };
    let cannot = |why: &str| Ok(SshSeed::CannotSign(why.to_owned()));
    let mut p = Wire(&plain);
    let (Some(c1), Some(c2)) = (p.u32(), p.u32()) else {
        return cannot("its private section is malformed");
    };
    if c1 != c2 {
        return Ok(SshSeed::WrongPassphrase);
    }
    let (Some(b"ssh-ed25519"), Some(_), Some(secret)) = (p.string(), p.string(), p.string()) else {
        return cannot("it is not an ssh-ed25519 key (an ssh-rsa key can read but not sign)");
    };
    let Some(seed) = secret.get(..32) else {
        return cannot("its private key is malformed");
    };
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(seed);
    Ok(SshSeed::Seed(out))
}

/// What unlocking an OpenSSH key for the agent gave (DESIGN §18: SSH keys with a
/// passphrase are held by the agent like passphrase-protected identities).
pub(super) enum SshUnlock {
    /// The same key as unencrypted OpenSSH text, which age reads as it reads any key.
    Pem(Zeroizing<String>),
    /// The key is not encrypted: there is nothing to unlock.
    NotEncrypted,
    WrongPassphrase,
    /// Not a key keyward can decrypt, and why.
    Cannot(String),
}

/// Decrypt the OpenSSH key in `file` (`passphrase` asked only when it is encrypted) and
/// write it back unencrypted: the private section as decrypted (check integers, keys,
/// comment, padding 1, 2, 3…), under cipher and KDF `none`.
pub(super) fn unlocked_pem(
    file: &[u8],
    passphrase: impl FnOnce() -> crate::error::Result<SecretString>,
) -> crate::error::Result<SshUnlock> {
    let (public, plain) = match open_key(file, passphrase)? {
        Ok(Opened {
            encrypted: false, ..
        }) => return Ok(SshUnlock::NotEncrypted),
        Ok(opened) => (opened.public, opened.plain),
        Err(why) => return Ok(SshUnlock::Cannot(why.to_owned())),
    };
    if plain.len() < 8 || plain[..4] != plain[4..8] {
        return Ok(SshUnlock::WrongPassphrase);
    }
    // Sized once: no reallocation leaves an unzeroized copy behind.
    let mut raw = Zeroizing::new(Vec::with_capacity(64 + public.len() + plain.len()));
    raw.extend_from_slice(b"openssh-key-v1\0");
    for field in [&b"none"[..], b"none", b""] {
        raw.extend_from_slice(&(field.len() as u32).to_be_bytes());
        raw.extend_from_slice(field);
    }
    raw.extend_from_slice(&1u32.to_be_bytes());
    for field in [&public[..], &plain[..]] {
        raw.extend_from_slice(&(field.len() as u32).to_be_bytes());
        raw.extend_from_slice(field);
    }
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&raw[..]));
    let mut pem = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 70 + 80));
    pem.push_str("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(70) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END OPENSSH PRIVATE KEY-----\n");
    Ok(SshUnlock::Pem(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_test_key_gives_the_key_its_recipient_names() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let key = std::fs::read(dir.join("test_ed25519")).unwrap();
        let public = std::fs::read_to_string(dir.join("test_ed25519.pub")).unwrap();
        let SshSeed::Seed(seed) = ed25519_seed(&key, || panic!("not encrypted")).unwrap() else {
            panic!("no seed");
        };
        let derived = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        assert_eq!(
            crate::signing::ssh_ed25519_key(public.trim()),
            Some(derived)
        );
        assert!(matches!(
            ed25519_seed(b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n", || panic!()).unwrap(),
            SshSeed::CannotSign(_)
        ));
        assert!(matches!(
            unlocked_pem(&key, || panic!("not encrypted")).unwrap(),
            SshUnlock::NotEncrypted
        ));
    }

    /// `tests/fixtures/test_ed25519_protected` is the same key with passphrase
    /// `kw-ssh-test-pass` (`ssh-keygen -p`): unlocked for the agent it is that key,
    /// unencrypted, as age reads it.
    #[test]
    fn a_protected_key_unlocks_to_the_same_key_unencrypted() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let key = std::fs::read(dir.join("test_ed25519_protected")).unwrap();
        let public = std::fs::read_to_string(dir.join("test_ed25519.pub")).unwrap();
        let SshUnlock::Pem(pem) =
            unlocked_pem(&key, || Ok(SecretString::from("kw-ssh-test-pass"))).unwrap()
        else {
            panic!("not unlocked");
        };
        let id = age::ssh::Identity::from_buffer(pem.as_bytes(), None).unwrap();
        assert!(matches!(id, age::ssh::Identity::Unencrypted(_)));
        let recipient = age::ssh::Recipient::try_from(id).unwrap().to_string();
        let mut words = public.split_whitespace();
        let (kind, blob) = (words.next().unwrap(), words.next().unwrap());
        assert_eq!(recipient, format!("{kind} {blob}"));
        assert!(matches!(
            ed25519_seed(pem.as_bytes(), || panic!("unencrypted")).unwrap(),
            SshSeed::Seed(_)
        ));
        assert!(matches!(
            unlocked_pem(&key, || Ok(SecretString::from("not it"))).unwrap(),
            SshUnlock::WrongPassphrase
        ));
    }
}
