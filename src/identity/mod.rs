//! Age identities: where the identity in use comes from, loading and unlocking it, and
//! writing new identity files.
//!
//! Owns every secret that is not a stored value: identities are loaded here and never
//! printed; passphrases come from `KEYWARD_PASSPHRASE_FILE`, `KEYWARD_PASSPHRASE` or a
//! hidden prompt, never argv. A literal key in `--identity` / `KEYWARD_IDENTITY` is
//! never taken for a path, so it never reaches a message. Knows nothing of vaults.

use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::audit::Via;
use crate::error::{Error, Result};
use crate::recipient::RecipientString;
mod agent_load;
pub mod filekey;
mod literal;
mod passphrase;
mod signer;
mod ssh;
mod write;
pub use agent_load::{AgentLoad, ForAgent, for_agent, ssh_signer};
use literal::{holds_secret_marker, parse_literal_identity};
#[allow(unused_imports)]
pub use passphrase::*;
pub use signer::{
    FileSigner, KeySigner, Sign, X25519Signer, create_signing_key_file, plugin_signing_key_path,
};
#[allow(unused_imports)]
pub use write::*;

/// Work factor written into new passphrase-protected identities (DESIGN §3: as Go `age -p`).
pub const SCRYPT_WRITE_LOG_N: u8 = 18;
/// Highest work factor accepted when reading, so a slower CI box never refuses the file.
pub const SCRYPT_MAX_LOG_N: u8 = 22;

// ---------------------------------------------------------------- identities

/// Where the identity in use comes from.
#[derive(Clone, Debug)]
pub enum IdentitySpec {
    /// `--identity` / `KEYWARD_IDENTITY` holding secret material rather than a path: an
    /// `AGE-SECRET-KEY-1…` string (alone, quoted, in any case, or inside a whole identity
    /// file's text), or something that looks like one. Never printed; validated on load.
    Literal(SecretString),
    /// `--identity` / `KEYWARD_IDENTITY` naming a file.
    File(PathBuf),
    /// The passphrase-protected default identity in the config dir.
    Default(PathBuf),
}

impl IdentitySpec {
    /// Classify an `--identity` / `KEYWARD_IDENTITY` value. Anything that holds secret
    /// material, or spans lines (a pasted file, never a path), is a literal: it is
    /// parsed on load and never echoed. Everything else is a path.
    pub fn from_arg(arg: &str, default_path: PathBuf) -> IdentitySpec {
        let trimmed = arg.trim();
        if trimmed.is_empty() {
            IdentitySpec::Default(default_path)
        } else if holds_secret_marker(arg) || trimmed.contains(['\n', '\r']) {
            IdentitySpec::Literal(SecretString::from(arg.to_owned()))
        } else {
            IdentitySpec::File(PathBuf::from(arg))
        }
    }
}

/// An unlocked identity: what age needs to decrypt, and the public recipient that
/// names its holder in audit events.
pub struct Unlocked {
    identity: Box<dyn age::Identity + Send + Sync>,
    /// Public recipient (`age1…` or `ssh-ed25519 …`).
    pub recipient: String,
    /// How it was unlocked: `file`, `literal`, `passphrase`, `ssh`, `agent`, `plugin`.
    pub via: Via,
    /// For a plugin identity (DESIGN §10), the binary that serves it
    /// (`age-plugin-yubikey`): every decryption goes through it.
    pub plugin: Option<String>,
    /// What signs this identity's writes (DESIGN §15), or why it cannot.
    signer: std::result::Result<Box<dyn Sign>, String>,
    /// DESIGN §18: where the file keys a token opens may be kept (the agent of a
    /// hardware identity); `None` for every other identity.
    file_keys: Option<std::sync::Arc<dyn filekey::FileKeys>>,
}

impl fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unlocked")
            .field("recipient", &self.recipient)
            .field("via", &self.via)
            .finish_non_exhaustive()
    }
}

impl Unlocked {
    /// Who is acting with this identity: its recipient, the OS user and host, and how it
    /// was unlocked.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor::named(&self.recipient, self.via)
    }

    pub fn new(
        identity: Box<dyn age::Identity + Send + Sync>,
        recipient: String,
        via: Via,
        signer: std::result::Result<Box<dyn Sign>, String>,
    ) -> Self {
        Unlocked {
            identity,
            recipient,
            via,
            plugin: None,
            signer,
            file_keys: None,
        }
    }

    /// What signs this identity's writes; an error (exit 5) saying why when it cannot
    /// (an `ssh-rsa` key, a plugin identity without its signing key file).
    pub fn signer(&self) -> Result<&dyn Sign> {
        match &self.signer {
            Ok(s) => Ok(s.as_ref()),
            Err(why) => Err(crate::error::SignedError::CannotSign { why: why.clone() }.into()),
        }
    }

    /// The member card of this identity (DESIGN §15): its recipient, signing key and,
    /// for an X25519 identity, the proof binding them.
    pub fn card(&self) -> Result<crate::signing::Card> {
        let signer = self.signer()?;
        Ok(crate::signing::Card {
            recipient: self.recipient_string()?.to_string(),
            key: signer.public()?,
            proof: signer.proof()?,
        })
    }
    pub fn as_age(&self) -> &dyn age::Identity {
        self.identity.as_ref()
    }
    /// The public recipient, validated: it can come from an agent's answer, so it is
    /// parsed like any other before it is stored in a vault.
    pub fn recipient_string(&self) -> Result<RecipientString> {
        self.recipient.parse().map_err(|detail| Error::BadIdentity {
            what: format!("recipient `{}`", self.recipient),
            detail,
        })
    }
    fn plugin(
        id: crate::plugin::PluginIdentity,
        recipient: RecipientString,
        file: Option<&Path>,
    ) -> Self {
        let binary = crate::plugin::binary_name(id.plugin());
        let signer: std::result::Result<Box<dyn Sign>, String> =
            match plugin_signing_key_path(file) {
                Some(p) => Ok(Box::new(FileSigner::new(p))),
                None => Err("a plugin identity given as text signs with a separate key: set KEYWARD_SIGNING_KEY to its file (`keyward identity signing-key --out FILE` makes one)".into()),
            };
        Unlocked {
            identity: Box::new(id),
            recipient: recipient.to_string(),
            via: Via::Plugin,
            plugin: Some(binary),
            signer,
            file_keys: None,
        }
    }
    fn x25519(id: age::x25519::Identity, via: Via) -> Self {
        let recipient = id.to_public().to_string();
        let signer: std::result::Result<Box<dyn Sign>, String> =
            X25519Signer::new(&id, recipient.clone())
                .map(|s| Box::new(s) as Box<dyn Sign>)
                .ok_or_else(|| "this X25519 identity has no usable secret form".to_owned());
        Unlocked::new(Box::new(id), recipient, via, signer)
    }
}

/// Refuse identity files other users could read, as ssh does.
fn check_permissions(path: &Path) -> Result<()> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NoIdentity {
            detail: format!(
                "identity file {} does not exist",
                crate::text::shown_path(path)
            ),
        },
        _ => Error::io("cannot read identity", path, e),
    })?;
    // A pipe is fine (`KEYWARD_IDENTITY=<(…)`); a directory is a mistake: unlock failed.
    if meta.is_dir() {
        return Err(Error::BadIdentity {
            what: format!("file `{}`", path.display()),
            detail: "it is a directory, not an identity file".into(),
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::IdentityPermissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Load the identity `spec` names. Passphrase-protected files ask for their passphrase
/// (or read it from the environment); SSH keys are accepted as age does.
pub fn load_identity(spec: &IdentitySpec) -> Result<Unlocked> {
    match spec {
        IdentitySpec::Literal(s) => {
            // DESIGN §10: a plugin identity (and the recipient comment pasted with it).
            if let Some(parsed) = crate::plugin::parse_identity(s.expose_secret()) {
                let (id, recipient) = parsed.map_err(|detail| Error::BadIdentity {
                    what: "from KEYWARD_IDENTITY / --identity".into(),
                    detail,
                })?;
                return Ok(Unlocked::plugin(id, recipient, None));
            }
            let id =
                parse_literal_identity(s.expose_secret()).map_err(|detail| Error::BadIdentity {
                    what: "from KEYWARD_IDENTITY / --identity".into(),
                    detail,
                })?;
            Ok(Unlocked::x25519(id, Via::Literal))
        }
        IdentitySpec::Default(path) if !path.exists() => Err(Error::NoIdentity {
            detail: format!("no default identity at `{}`", path.display()),
        }),
        IdentitySpec::File(path) | IdentitySpec::Default(path) => load_identity_file(path),
    }
}

/// The most an identity file may hold: age, SSH and plugin identities (encrypted or not)
/// are a few KiB at most; a device or an endless pipe named by mistake is refused
/// rather than read until memory runs out.
const MAX_IDENTITY_FILE: u64 = 1024 * 1024;

/// The identity file at `path`, read once its permissions are checked (at most
/// [`MAX_IDENTITY_FILE`]).
fn read_identity_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    use std::io::Read;
    check_permissions(path)?;
    let file = fs::File::open(path).map_err(|e| Error::io("cannot read identity", path, e))?;
    // Allocated once: a growing Vec would free copies it never zeroized.
    let mut raw = Zeroizing::new(Vec::with_capacity(64 * 1024));
    file.take(MAX_IDENTITY_FILE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| Error::io("cannot read identity", path, e))?;
    if raw.len() as u64 > MAX_IDENTITY_FILE {
        return Err(Error::BadIdentity {
            what: format!("file `{}`", path.display()),
            detail: "it is longer than 1 MiB: not an identity".into(),
        });
    }
    Ok(raw)
}

/// Whether an identity file is passphrase-protected: an age file, binary or armored.
fn is_protected(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

/// The identity inside the passphrase-protected file `path` (bytes `bytes`), the
/// passphrase asked.
fn open_protected(path: &Path, bytes: &[u8]) -> Result<age::x25519::Identity> {
    let inner = unlock_protected(path, bytes)?;
    parse_identity_text(&inner).map_err(|d| bad_identity(path, &d))
}

/// The identity file at `path` is not one keyward reads, and why.
fn bad_identity(path: &Path, detail: &str) -> Error {
    Error::BadIdentity {
        what: format!("`{}`", path.display()),
        detail: detail.to_owned(),
    }
}

fn load_identity_file(path: &Path) -> Result<Unlocked> {
    let bytes = read_identity_file(path)?;
    let bad = |detail: &str| bad_identity(path, detail);
    if is_protected(&bytes) {
        return Ok(Unlocked::x25519(
            open_protected(path, &bytes)?,
            Via::Passphrase,
        ));
    }
    if bytes.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----")
        || bytes.starts_with(b"-----BEGIN RSA PRIVATE KEY-----")
    {
        let ssh = age::ssh::Identity::from_buffer(&bytes[..], Some(path.display().to_string()))
            .map_err(|e| bad(&e.to_string()))?;
        if let age::ssh::Identity::Unsupported(_) = ssh {
            return Err(bad("unsupported SSH key type (use ed25519 or RSA)"));
        }
        let recipient = age::ssh::Recipient::try_from(ssh.clone())
            .map_err(|_| bad("cannot derive the SSH public key"))?
            .to_string();
        // DESIGN §15: an ed25519 key signs too. An encrypted one is unlocked here, once
        // (every command using an identity decrypts with it anyway), and age is handed
        // the same passphrase.
        let mut given = None;
        let signer: std::result::Result<Box<dyn Sign>, String> =
            match ssh_seed(path, &bytes, &mut given)? {
                ssh::SshSeed::Seed(seed) => Ok(Box::new(KeySigner::of_ssh_ed25519(&seed))),
                ssh::SshSeed::CannotSign(why) => Err(format!("`{}`: {why}", path.display())),
                ssh::SshSeed::WrongPassphrase => {
                    return Err(Error::WrongPassphrase {
                        path: path.to_owned(),
                    });
                }
            };
        let callbacks = PassphraseCallbacks {
            path: path.to_owned(),
            given,
        };
        return Ok(Unlocked::new(
            Box::new(ssh.with_callbacks(callbacks)),
            recipient,
            Via::Ssh,
            signer,
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("not an age identity file"))?;
    // DESIGN §10: an identity file as a plugin writes it (`age-plugin-yubikey
    // --generate > yubikey.txt`): the key stays in the token, the file names it.
    if let Some(parsed) = crate::plugin::parse_identity(text) {
        let (id, recipient) = parsed.map_err(|d| bad(&d))?;
        return Ok(Unlocked::plugin(id, recipient, Some(path)));
    }
    let id = parse_identity_text(text).map_err(|d| bad(&d))?;
    Ok(Unlocked::x25519(id, Via::File))
}

/// The Ed25519 seed of an SSH key file for signing, asking an encrypted key's
/// passphrase (environment, or up to three times on a terminal); the passphrase that
/// opened it is left in `given` for age to decrypt with.
fn ssh_seed(path: &Path, bytes: &[u8], given: &mut Option<SecretString>) -> Result<ssh::SshSeed> {
    let prompt = format!("Passphrase for {}: ", path.display());
    let from_env = passphrase_from_env(path)?.is_some();
    let tries = if from_env || !io::stdin().is_terminal() {
        1
    } else {
        PASSPHRASE_TRIES
    };
    let mut seed = ssh::SshSeed::WrongPassphrase;
    for _ in 0..tries {
        let mut asked = None;
        seed = ssh::ed25519_seed(bytes, || {
            let p = read_passphrase(&prompt, false, path)?;
            asked = Some(p.clone());
            Ok(p)
        })?;
        if !matches!(seed, ssh::SshSeed::WrongPassphrase) {
            *given = asked;
            break;
        }
    }
    Ok(seed)
}

/// The plugin binary of the identity `spec` names when it is a plugin identity (a file
/// as the plugin wrote it, or its text in `KEYWARD_IDENTITY`): `unlock` then has
/// nothing to hold, the key never leaves the token. Runs no plugin.
pub fn plugin_of(spec: &IdentitySpec) -> Result<Option<String>> {
    match spec {
        IdentitySpec::Literal(s) => Ok(match crate::plugin::parse_identity(s.expose_secret()) {
            Some(Ok((id, _))) => Some(crate::plugin::binary_name(id.plugin())),
            _ => None,
        }),
        IdentitySpec::File(path) | IdentitySpec::Default(path) if path.exists() => {
            plugin_of_file(path)
        }
        _ => Ok(None),
    }
}

fn plugin_of_file(path: &Path) -> Result<Option<String>> {
    let bytes = read_identity_file(path)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(None);
    };
    Ok(match crate::plugin::parse_identity(text) {
        Some(Ok((id, _))) => Some(crate::plugin::binary_name(id.plugin())),
        _ => None,
    })
}

/// Unlock a passphrase-protected identity file into its X25519 identity (for the agent,
/// which holds it in memory). Plain files and SSH keys need no unlock.
pub fn unlock_protected_file(path: &Path) -> Result<age::x25519::Identity> {
    let bytes = read_identity_file(path)?;
    if !is_protected(&bytes) {
        return Err(Error::NothingToUnlock {
            path: path.to_owned(),
        });
    }
    open_protected(path, &bytes)
}

/// The first `AGE-SECRET-KEY-1…` line of an identity file.
fn parse_identity_text(text: &str) -> std::result::Result<age::x25519::Identity, String> {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-SECRET-KEY-PQ-") {
            return Err(
                "post-quantum identities (AGE-SECRET-KEY-PQ-1…) are not supported yet".into(),
            );
        }
        return line
            .parse::<age::x25519::Identity>()
            .map_err(|_| "not an age identity file (expected an AGE-SECRET-KEY-1… line)".into());
    }
    Err("the identity file holds no identity".into())
}

/// Decrypt a passphrase-protected identity file into its plaintext text. A passphrase
/// from the environment gets one try; on a terminal a wrong (or empty) one is asked
/// again, [`PASSPHRASE_TRIES`] times in all.
fn unlock_protected(path: &Path, bytes: &[u8]) -> Result<Zeroizing<String>> {
    // Refuse a damaged or non-scrypt file before asking anything.
    if !protected_decryptor(path, bytes)?.is_scrypt() {
        return Err(Error::BadIdentity {
            what: format!("`{}`", path.display()),
            detail: "an encrypted identity file must be protected by a passphrase".into(),
        });
    }
    if let Some(given) = passphrase_from_env(path)? {
        return decrypt_protected(path, bytes, given);
    }
    if !io::stdin().is_terminal() {
        return Err(Error::NoPassphrase {
            path: path.to_owned(),
        });
    }
    let prompt = format!("Passphrase for {}: ", path.display());
    let mut attempt = 1;
    loop {
        let typed = if attempt == 1 {
            prompt_hidden(&prompt)?
        } else {
            prompt_hidden(&format!(
                "wrong passphrase, try again ({attempt} of {PASSPHRASE_TRIES})\n{prompt}"
            ))?
        };
        // An empty passphrase is never right (none is ever created): no scrypt for it.
        let result = if typed.expose_secret().is_empty() {
            Err(Error::WrongPassphrase {
                path: path.to_owned(),
            })
        } else {
            decrypt_protected(path, bytes, typed)
        };
        match result {
            Err(Error::WrongPassphrase { .. }) if attempt < PASSPHRASE_TRIES => attempt += 1,
            done => return done,
        }
    }
}

fn protected_decryptor<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<age::Decryptor<age::armor::ArmoredReader<io::BufReader<&'a [u8]>>>> {
    age::Decryptor::new(age::armor::ArmoredReader::new(bytes)).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        detail: crate::error::describe_age(&e),
    })
}

/// One try of `pass` on a passphrase-protected identity file.
fn decrypt_protected(path: &Path, bytes: &[u8], pass: SecretString) -> Result<Zeroizing<String>> {
    let corrupt = |detail: String| Error::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let decryptor = protected_decryptor(path, bytes)?;
    let mut scrypt = age::scrypt::Identity::new(pass);
    scrypt.set_max_work_factor(SCRYPT_MAX_LOG_N);
    let mut reader = decryptor
        .decrypt(std::iter::once(&scrypt as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                Error::WrongPassphrase {
                    path: path.to_owned(),
                }
            }
            age::DecryptError::ExcessiveWork { required, .. } => Error::BadIdentity {
                what: format!("`{}`", path.display()),
                detail: format!(
                    "scrypt work factor {required} is above the accepted maximum {SCRYPT_MAX_LOG_N}"
                ),
            },
            other => corrupt(crate::error::describe_age(&other)),
        })?;
    let mut out = Zeroizing::new(String::new());
    reader
        .read_to_string(&mut out)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
