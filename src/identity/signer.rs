//! The signing key of the identity in use (DESIGN §15): every write is signed by its
//! writer. Where the key comes from:
//!
//! - an X25519 identity: derived from it (nothing stored), with a binding proof made by
//!   the X25519 key so that other machines can tell it is this recipient's;
//! - an `ssh-ed25519` identity: that key (its recipient is the proof);
//! - a plugin identity: a separate passphrase-protected key file beside the identity
//!   (`keyward identity signing-key`; `KEYWARD_SIGNING_KEY` names another), unlocked
//!   only when something is signed;
//! - an `ssh-rsa` identity: none; it can read but not write a signed environment.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ed25519_dalek::Signer as _;

use crate::error::{Error, Result, SignedError};
use crate::signing::{self, PublicKey, Sig};

/// Something that signs for the identity in use: a key held here, or the agent.
pub trait Sign: Send + Sync {
    /// The public signing key.
    fn public(&self) -> Result<PublicKey>;
    /// The binding proof of an X25519 identity (an XEdDSA signature by it); none for
    /// keys that are their own proof or that an admin binds.
    fn proof(&self) -> Result<Option<Sig>>;
    fn sign(&self, msg: &[u8]) -> Result<Sig>;
}

/// A signing key held in this process (zeroized on drop by `ed25519_dalek`).
pub struct KeySigner {
    key: ed25519_dalek::SigningKey,
    proof: Option<Sig>,
}

impl KeySigner {
    /// The signer of an X25519 identity, with its binding proof.
    pub fn of_x25519(identity: &age::x25519::Identity) -> Option<KeySigner> {
        let secret = signing::x25519_secret(identity)?;
        Some(KeySigner::of_x25519_secret(
            &secret,
            &identity.to_public().to_string(),
        ))
    }

    fn of_x25519_secret(secret: &[u8; 32], recipient: &str) -> KeySigner {
        let key = signing::derive_from_x25519(secret);
        let proof = signing::prove_binding(secret, recipient, &key.verifying_key().to_bytes());
        KeySigner {
            key,
            proof: Some(proof),
        }
    }

    /// A signer holding `key` (a hardware identity's separate key, in the agent).
    pub fn from_key(key: ed25519_dalek::SigningKey, proof: Option<Sig>) -> KeySigner {
        KeySigner { key, proof }
    }

    /// The signer of an `ssh-ed25519` identity: its own key (seed = first 32 bytes of
    /// OpenSSH's 64-byte private key).
    pub fn of_ssh_ed25519(seed: &[u8; 32]) -> KeySigner {
        KeySigner {
            key: ed25519_dalek::SigningKey::from_bytes(seed),
            proof: None,
        }
    }
}

impl Sign for KeySigner {
    fn public(&self) -> Result<PublicKey> {
        Ok(self.key.verifying_key().to_bytes())
    }
    fn proof(&self) -> Result<Option<Sig>> {
        Ok(self.proof)
    }
    fn sign(&self, msg: &[u8]) -> Result<Sig> {
        Ok(self.key.sign(msg).to_bytes())
    }
}

/// The signer of an X25519 identity, made on first use: most commands only read, and
/// deriving the key and its XEdDSA binding proof was a tenth of a `get`'s instructions.
pub struct X25519Signer {
    secret: zeroize::Zeroizing<[u8; 32]>,
    recipient: String,
    made: OnceLock<KeySigner>,
}

impl X25519Signer {
    /// The signer of `identity`, whose recipient string is `recipient`; none when the
    /// identity has no usable secret form (as [`KeySigner::of_x25519`]).
    pub fn new(identity: &age::x25519::Identity, recipient: String) -> Option<X25519Signer> {
        Some(X25519Signer {
            secret: signing::x25519_secret(identity)?,
            recipient,
            made: OnceLock::new(),
        })
    }

    fn signer(&self) -> &KeySigner {
        self.made
            .get_or_init(|| KeySigner::of_x25519_secret(&self.secret, &self.recipient))
    }
}

impl Sign for X25519Signer {
    fn public(&self) -> Result<PublicKey> {
        self.signer().public()
    }
    fn proof(&self) -> Result<Option<Sig>> {
        self.signer().proof()
    }
    fn sign(&self, msg: &[u8]) -> Result<Sig> {
        self.signer().sign(msg)
    }
}

/// A plugin identity's separate signing key: a passphrase-protected file, unlocked on
/// first use (reads never need it).
pub struct FileSigner {
    pub path: PathBuf,
    key: OnceLock<ed25519_dalek::SigningKey>,
}

impl FileSigner {
    pub fn new(path: PathBuf) -> FileSigner {
        FileSigner {
            path,
            key: OnceLock::new(),
        }
    }

    fn key(&self) -> Result<&ed25519_dalek::SigningKey> {
        if let Some(k) = self.key.get() {
            return Ok(k);
        }
        if !self.path.exists() {
            return Err(SignedError::CannotSign {
                why: format!(
                    "a plugin identity signs with a separate key, and there is none at `{}`\nhint: `keyward identity signing-key` creates it; then have an admin grant your member card (`keyward identity show`)",
                    self.path.display()
                ),
            }
            .into());
        }
        let id = unlock_signing_key(&self.path)?;
        let secret = signing::x25519_secret(&id).ok_or(Error::Internal(
            "an X25519 identity without its secret form",
        ))?;
        Ok(self
            .key
            .get_or_init(|| signing::derive_from_x25519(&secret)))
    }
}

impl Sign for FileSigner {
    fn public(&self) -> Result<PublicKey> {
        Ok(self.key()?.verifying_key().to_bytes())
    }
    fn proof(&self) -> Result<Option<Sig>> {
        Ok(None)
    }
    fn sign(&self, msg: &[u8]) -> Result<Sig> {
        Ok(self.key()?.sign(msg).to_bytes())
    }
}

/// Unlock a plugin identity's signing key file (asking its passphrase), with errors
/// about a signing key: it is made by `keyward identity signing-key` and kept only on
/// this machine, so neither an identity's hints (`keyward init`, `keyward unlock`) nor a
/// vault file's (restore from git) fit it.
pub fn unlock_signing_key(path: &Path) -> Result<age::x25519::Identity> {
    let unusable = |why: String| {
        Error::from(SignedError::SigningKeyUnusable {
            path: path.to_owned(),
            why,
        })
    };
    match super::unlock_protected_file(path) {
        Err(Error::NothingToUnlock { .. }) => {
            Err(unusable("is not protected by a passphrase".into()))
        }
        Err(Error::Corrupt { detail, .. }) => Err(unusable(format!("is damaged ({detail})"))),
        Err(Error::WrongPassphrase { .. }) => Err(SignedError::SigningKeyWrongPassphrase {
            path: path.to_owned(),
        }
        .into()),
        other => other,
    }
}

/// Where a plugin identity's signing key lives: `KEYWARD_SIGNING_KEY`, else beside the
/// identity file (`<identity>.signing`); an identity given as text has no file to be
/// beside, so it needs the variable.
pub fn plugin_signing_key_path(identity_file: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KEYWARD_SIGNING_KEY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    identity_file.map(|p| {
        let mut name = p.file_name().unwrap_or_default().to_os_string();
        name.push(".signing");
        p.with_file_name(name)
    })
}

/// Create a plugin identity's signing key at `path`: a fresh key, passphrase-protected
/// like an identity (scrypt), 0600, never over an existing file. Returns the public key.
pub fn create_signing_key_file(path: &Path) -> Result<PublicKey> {
    let id = age::x25519::Identity::generate();
    let pass = super::read_passphrase("Passphrase for the new signing key: ", true, path)?;
    super::write_protected_identity(path, &id, pass)?;
    let secret = signing::x25519_secret(&id).ok_or(Error::Internal(
        "an X25519 identity without its secret form",
    ))?;
    Ok(signing::derive_from_x25519(&secret)
        .verifying_key()
        .to_bytes())
}
