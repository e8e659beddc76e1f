//! What `keyward unlock` hands the agent (DESIGN §3, §18), by kind of identity file:
//!
//! - a passphrase-protected age identity: the identity, unlocked;
//! - an SSH key with a passphrase: the key, decrypted (unencrypted OpenSSH text);
//! - a hardware (plugin) identity: nothing of it — its key never leaves the token; the
//!   agent keeps the file keys the token opens — and its separate signing key
//!   (`<identity>.signing`, DESIGN §15), unlocked once so writes do not ask again.
//!
//! A plain age identity or an unencrypted SSH key has nothing to unlock.

use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::ssh::{SshUnlock, unlocked_pem};
use super::{PASSPHRASE_TRIES, passphrase_from_env, plugin_signing_key_path, read_passphrase};
use crate::error::{Error, Result};

/// What the agent holds.
pub enum AgentLoad {
    /// A passphrase-protected age identity, unlocked.
    X25519(age::x25519::Identity),
    /// An SSH key whose passphrase was given: its unencrypted OpenSSH text.
    Ssh(Zeroizing<String>),
    /// A hardware identity: its recipient and plugin binary, nothing secret.
    Plugin { recipient: String, plugin: String },
}

/// What `unlock` starts an agent with.
pub struct ForAgent {
    pub load: AgentLoad,
    /// A hardware identity's signing key, unlocked, and where it was read from.
    pub signing: Option<(PathBuf, age::x25519::Identity)>,
}

/// Unlock the identity file at `path` for an agent, asking what it needs (the
/// passphrase; for a hardware identity, its signing key's passphrase) once.
pub fn for_agent(path: &Path) -> Result<ForAgent> {
    let bytes = super::read_identity_file(path)?;
    let bad = |detail: &str| super::bad_identity(path, detail);
    if super::is_protected(&bytes) {
        return Ok(ForAgent {
            load: AgentLoad::X25519(super::open_protected(path, &bytes)?),
            signing: None,
        });
    }
    if bytes.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----") {
        return Ok(ForAgent {
            load: AgentLoad::Ssh(ssh_for_agent(path, &bytes)?),
            signing: None,
        });
    }
    if let Ok(text) = std::str::from_utf8(&bytes)
        && let Some(parsed) = crate::plugin::parse_identity(text)
    {
        let (id, recipient) = parsed.map_err(|d| bad(&d))?;
        // DESIGN §15: the signing key beside it, when there is one (a reader may have
        // none): unlocked here, once, for the agent's lifetime.
        let signing = match plugin_signing_key_path(Some(path)) {
            Some(p) if p.exists() => {
                let key = super::signer::unlock_signing_key(&p)?;
                Some((p, key))
            }
            _ => None,
        };
        return Ok(ForAgent {
            load: AgentLoad::Plugin {
                recipient: recipient.to_string(),
                plugin: crate::plugin::binary_name(id.plugin()),
            },
            signing,
        });
    }
    Err(Error::NothingToUnlock {
        path: path.to_owned(),
    })
}

/// An SSH key's passphrase, from the environment (one try) or the terminal (three),
/// and the key decrypted with it.
fn ssh_for_agent(path: &Path, bytes: &[u8]) -> Result<Zeroizing<String>> {
    let prompt = format!("Passphrase for {}: ", path.display());
    let from_env = passphrase_from_env(path)?.is_some();
    let tries = if from_env || !io::IsTerminal::is_terminal(&io::stdin()) {
        1
    } else {
        PASSPHRASE_TRIES
    };
    for _ in 0..tries {
        match unlocked_pem(bytes, || read_passphrase(&prompt, false, path))? {
            SshUnlock::Pem(pem) => return Ok(pem),
            SshUnlock::NotEncrypted => {
                return Err(Error::NothingToUnlock {
                    path: path.to_owned(),
                });
            }
            SshUnlock::Cannot(why) => {
                return Err(Error::BadIdentity {
                    what: format!("`{}`", path.display()),
                    detail: format!("the agent cannot hold this SSH key: {why}"),
                });
            }
            SshUnlock::WrongPassphrase => {}
        }
    }
    Err(Error::WrongPassphrase {
        path: path.to_owned(),
    })
}

/// The signer of an unencrypted `ssh-ed25519` key's text (the agent's, for an SSH key it
/// holds); `None` for a key that cannot sign (`ssh-rsa`).
pub fn ssh_signer(pem: &[u8]) -> Option<super::KeySigner> {
    match super::ssh::ed25519_seed(pem, || {
        Err(Error::Internal("an unencrypted key asked for a passphrase"))
    }) {
        Ok(super::ssh::SshSeed::Seed(seed)) => Some(super::KeySigner::of_ssh_ed25519(&seed)),
        _ => None,
    }
}
