//! Age identities and recipients, passphrases, secret containers and key generation.
//!
//! Owns every secret that is not a stored value: identities are loaded here and never
//! printed; passphrases come from the environment or a hidden prompt, never argv.

use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::names::EnvName;

/// Work factor written into new passphrase-protected identities (DESIGN §3: as Go `age -p`).
pub const SCRYPT_WRITE_LOG_N: u8 = 18;
/// Highest work factor accepted when reading, so a slower CI box never refuses the file.
pub const SCRYPT_MAX_LOG_N: u8 = 22;

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

pub fn fingerprint(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Keep plaintext out of core dumps and away from same-uid debuggers (DESIGN §2).
/// SQLite frees its own buffers without zeroing them, so this is the backstop.
///
/// Also turns SIGXFSZ (a write past `ulimit -f`) from "kill the process" into an EFBIG
/// error, so a full quota takes the normal error path: exit 1, temp file removed. A
/// handler rather than SIG_IGN: handlers reset to the default on exec, so the children
/// of `run` see the signal exactly as they would without keyward.
///
/// A protection the system refuses is not fatal (the command's other checks still hold);
/// each refusal comes back as one line for the caller to print as a warning.
pub fn harden_process() -> Vec<String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let mut refused = Vec::new();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        refused.push(format!("cannot disable core dumps (RLIMIT_CORE): {e}"));
    }
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        refused.push(format!(
            "cannot make the process non-dumpable (PR_SET_DUMPABLE): {e}"
        ));
    }
    let ignored = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, ignored) {
        refused.push(format!("cannot catch SIGXFSZ: {e}"));
    }
    refused
}

// ---------------------------------------------------------------- passphrases

/// Longest passphrase file read: anything longer is not a passphrase (and
/// `KEYWARD_PASSPHRASE_FILE=/dev/zero` must end, not read forever).
pub const MAX_PASSPHRASE_FILE: u64 = 64 * 1024;

/// Where a passphrase comes from, in order: `KEYWARD_PASSPHRASE_FILE`,
/// `KEYWARD_PASSPHRASE` (weaker: visible to same-user processes), a hidden prompt when
/// stdin is a terminal. With none of them, fail at once: never hang a CI job.
///
/// Every failure of the environment sources is an unlock failure (exit 5), and no
/// message ever holds a byte of the passphrase.
pub fn read_passphrase(prompt: &str, confirm: bool, for_path: &Path) -> Result<SecretString> {
    let unusable = |detail: String| Error::BadIdentity {
        what: format!("`{}`", for_path.display()),
        detail,
    };
    if let Some(file) = std::env::var_os("KEYWARD_PASSPHRASE_FILE") {
        let text = read_passphrase_file(Path::new(&file)).map_err(unusable)?;
        return non_empty(
            text,
            "the passphrase file (KEYWARD_PASSPHRASE_FILE) is empty",
        )
        .map_err(unusable);
    }
    if let Ok(p) = std::env::var("KEYWARD_PASSPHRASE") {
        return non_empty(SecretString::from(p), "KEYWARD_PASSPHRASE is set but empty")
            .map_err(unusable);
    }
    if !io::stdin().is_terminal() {
        return Err(Error::NoPassphrase {
            path: for_path.to_owned(),
        });
    }
    let first = rpassword::prompt_password(prompt)
        .map_err(|e| Error::io("cannot read passphrase from", "/dev/tty", e))?;
    let first = SecretString::from(first);
    if confirm {
        let again = SecretString::from(
            rpassword::prompt_password("Repeat passphrase: ")
                .map_err(|e| Error::io("cannot read passphrase from", "/dev/tty", e))?,
        );
        if again.expose_secret() != first.expose_secret() {
            return Err(Error::Refused("the passphrases do not match".into()));
        }
    }
    non_empty(first, "an empty passphrase is not allowed").map_err(Error::Refused)
}

/// The passphrase in `KEYWARD_PASSPHRASE_FILE`, without its trailing newline. A regular
/// file readable by group or others is refused, as identity files are; a pipe or device
/// (`<(pass show kw)`) has no such mode to check. At most 64 KiB is read.
fn read_passphrase_file(path: &Path) -> std::result::Result<SecretString, String> {
    let named = format!(
        "passphrase file `{}` (KEYWARD_PASSPHRASE_FILE)",
        path.display()
    );
    let file = fs::File::open(path).map_err(|e| format!("cannot read the {named}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the {named}: {e}"))?;
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_file() && mode & 0o077 != 0 {
        return Err(format!(
            "the {named} is readable by group or others (mode {mode:03o})\nhint: chmod 600 {}",
            path.display()
        ));
    }
    // Allocated once at full size: a growing Vec would free copies it never zeroized.
    let mut raw = Zeroizing::new(Vec::with_capacity(MAX_PASSPHRASE_FILE as usize + 1));
    file.take(MAX_PASSPHRASE_FILE + 1)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the {named}: {e}"))?;
    if raw.len() as u64 > MAX_PASSPHRASE_FILE {
        return Err(format!(
            "the {named} is longer than 64 KiB: it does not hold a passphrase"
        ));
    }
    while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        raw.pop();
    }
    let text = String::from_utf8(raw.to_vec()).map_err(|e| {
        e.into_bytes().zeroize();
        format!("the {named} is not UTF-8")
    })?;
    Ok(SecretString::from(text))
}

fn non_empty(p: SecretString, why: &str) -> std::result::Result<SecretString, String> {
    if p.expose_secret().is_empty() {
        return Err(why.to_owned());
    }
    Ok(p)
}

/// Lets age ask for an SSH key's passphrase through our own passphrase sources.
#[derive(Clone)]
struct PassphraseCallbacks {
    path: PathBuf,
}

impl age::Callbacks for PassphraseCallbacks {
    fn display_message(&self, message: &str) {
        eprintln!("{message}");
    }
    fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
        None
    }
    fn request_public_string(&self, _: &str) -> Option<String> {
        None
    }
    fn request_passphrase(&self, _description: &str) -> Option<SecretString> {
        let prompt = format!("Passphrase for {}: ", self.path.display());
        read_passphrase(&prompt, false, &self.path).ok()
    }
}

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

/// Text that marks secret identity material. A value holding one is never taken for a
/// path, so it can never reach a message as "file `…` does not exist" (DESIGN §1.4).
const SECRET_MARKERS: &[&[u8]] = &[b"AGE-SECRET-KEY", b"AGE-PLUGIN-", b"PRIVATE KEY-----"];

/// Byte offsets where `needle` (ASCII) occurs in `hay`, ignoring ASCII case.
fn find_ignore_case<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| w.eq_ignore_ascii_case(needle))
        .map(|(i, _)| i)
}

fn holds_secret_marker(value: &str) -> bool {
    SECRET_MARKERS
        .iter()
        .any(|m| find_ignore_case(value.as_bytes(), m).next().is_some())
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

    /// How to name this identity in messages: never the secret itself.
    pub fn describe(&self) -> String {
        match self {
            IdentitySpec::Literal(_) => "from KEYWARD_IDENTITY / --identity (literal key)".into(),
            IdentitySpec::File(p) | IdentitySpec::Default(p) => format!("`{}`", p.display()),
        }
    }
}

/// The X25519 identity in a literal value: the first `AGE-SECRET-KEY-1…` in it that
/// parses, found case-insensitively anywhere (alone, in quotes, with whitespace, inside
/// a whole identity file with its comments). Bech32 is case-insensitive but must be all
/// one case, so a key written all in lower case is read as its upper-case form and a
/// mixed-case one is invalid. Errors describe the value; they never contain any of it.
fn parse_literal_identity(value: &str) -> std::result::Result<age::x25519::Identity, String> {
    const PREFIX: &[u8] = b"AGE-SECRET-KEY-";
    let bytes = value.as_bytes();
    let mut post_quantum = false;
    for start in find_ignore_case(bytes, PREFIX) {
        let len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        let token = &bytes[start..start + len];
        if token[PREFIX.len()..].starts_with(b"PQ-") || token[PREFIX.len()..].starts_with(b"pq-") {
            post_quantum = true;
            continue;
        }
        let upper = token.iter().any(u8::is_ascii_uppercase);
        let lower = token.iter().any(u8::is_ascii_lowercase);
        if upper && lower {
            continue;
        }
        let mut normal = Zeroizing::new(token.to_vec());
        normal.make_ascii_uppercase();
        let Ok(text) = std::str::from_utf8(&normal) else {
            continue;
        };
        if let Ok(id) = text.parse::<age::x25519::Identity>() {
            return Ok(id);
        }
    }
    let has = |m: &[u8]| find_ignore_case(bytes, m).next().is_some();
    Err(if post_quantum {
        "post-quantum identities (AGE-SECRET-KEY-PQ-1…) are not supported yet".into()
    } else if has(b"AGE-SECRET-KEY") {
        "the identity value looks like a secret key but is not valid (an AGE-SECRET-KEY-1… \
         string, all in one case)"
            .into()
    } else if has(b"AGE-PLUGIN-") {
        "plugin identities (AGE-PLUGIN-…) are not supported: use an X25519 or SSH identity".into()
    } else if has(b"PRIVATE KEY-----") {
        "the identity value holds a private key's text, not a path\nhint: write it to a 0600 \
         file and set KEYWARD_IDENTITY to that file's path"
            .into()
    } else {
        "the identity value spans several lines but holds no AGE-SECRET-KEY-1… key\nhint: set \
         KEYWARD_IDENTITY to a file's path or to the key itself"
            .into()
    })
}

/// An unlocked identity: what age needs to decrypt, and the public recipient that
/// names its holder in audit events.
pub struct Unlocked {
    identity: Box<dyn age::Identity + Send + Sync>,
    /// Public recipient (`age1…` or `ssh-ed25519 …`).
    pub recipient: String,
    /// How it was unlocked: `file`, `literal`, `passphrase`, `ssh`, `agent`.
    pub via: &'static str,
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
    pub fn new(
        identity: Box<dyn age::Identity + Send + Sync>,
        recipient: String,
        via: &'static str,
    ) -> Self {
        Unlocked {
            identity,
            recipient,
            via,
        }
    }
    pub fn as_age(&self) -> &dyn age::Identity {
        self.identity.as_ref()
    }
    fn x25519(id: age::x25519::Identity, via: &'static str) -> Self {
        let recipient = id.to_public().to_string();
        Unlocked::new(Box::new(id), recipient, via)
    }
}

/// Refuse identity files other users could read, as ssh does.
fn check_permissions(path: &Path) -> Result<()> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NoIdentity {
            detail: format!("identity file `{}` does not exist", path.display()),
        },
        _ => Error::io("cannot read identity", path, e),
    })?;
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
            let id =
                parse_literal_identity(s.expose_secret()).map_err(|detail| Error::BadIdentity {
                    what: "from KEYWARD_IDENTITY / --identity".into(),
                    detail,
                })?;
            Ok(Unlocked::x25519(id, "literal"))
        }
        IdentitySpec::Default(path) if !path.exists() => Err(Error::NoIdentity {
            detail: format!("no default identity at `{}`", path.display()),
        }),
        IdentitySpec::File(path) | IdentitySpec::Default(path) => load_identity_file(path),
    }
}

fn load_identity_file(path: &Path) -> Result<Unlocked> {
    check_permissions(path)?;
    let bytes =
        Zeroizing::new(fs::read(path).map_err(|e| Error::io("cannot read identity", path, e))?);
    let bad = |detail: &str| Error::BadIdentity {
        what: format!("`{}`", path.display()),
        detail: detail.to_owned(),
    };
    if bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    {
        let inner = unlock_protected(path, &bytes)?;
        let id = parse_identity_text(&inner).map_err(|d| bad(&d))?;
        return Ok(Unlocked::x25519(id, "passphrase"));
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
        let callbacks = PassphraseCallbacks {
            path: path.to_owned(),
        };
        return Ok(Unlocked::new(
            Box::new(SendSync(ssh.with_callbacks(callbacks))),
            recipient,
            "ssh",
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("not an age identity file"))?;
    let id = parse_identity_text(text).map_err(|d| bad(&d))?;
    Ok(Unlocked::x25519(id, "file"))
}

/// `impl age::Identity` from `with_callbacks` is not nameable; it is built from Send +
/// Sync parts, so this wrapper only restates that for the box.
struct SendSync<T>(T);
// SAFETY: the wrapped DecryptableIdentity holds an ssh::Identity and our callbacks,
// both Send + Sync; the opaque type just hides it.
unsafe impl<T> Send for SendSync<T> {}
unsafe impl<T> Sync for SendSync<T> {}
impl<T: age::Identity> age::Identity for SendSync<T> {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        self.0.unwrap_stanza(stanza)
    }
}

/// Unlock a passphrase-protected identity file into its X25519 identity (for the agent,
/// which holds it in memory). Plain files and SSH keys need no unlock.
pub fn unlock_protected_file(path: &Path) -> Result<age::x25519::Identity> {
    check_permissions(path)?;
    let bytes =
        Zeroizing::new(fs::read(path).map_err(|e| Error::io("cannot read identity", path, e))?);
    if !(bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"))
    {
        return Err(Error::Refused(format!(
            "`{}` is not protected by a passphrase: there is nothing to unlock",
            path.display()
        )));
    }
    let inner = unlock_protected(path, &bytes)?;
    parse_identity_text(&inner).map_err(|detail| Error::BadIdentity {
        what: format!("`{}`", path.display()),
        detail,
    })
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

/// Decrypt a passphrase-protected identity file into its plaintext text.
fn unlock_protected(path: &Path, bytes: &[u8]) -> Result<Zeroizing<String>> {
    let corrupt = |detail: String| Error::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let reader = age::armor::ArmoredReader::new(bytes);
    let decryptor = age::Decryptor::new(reader).map_err(|e| corrupt(describe_age(&e)))?;
    if !decryptor.is_scrypt() {
        return Err(Error::BadIdentity {
            what: format!("`{}`", path.display()),
            detail: "an encrypted identity file must be protected by a passphrase".into(),
        });
    }
    let pass = read_passphrase(&format!("Passphrase for {}: ", path.display()), false, path)?;
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
            other => corrupt(describe_age(&other)),
        })?;
    let mut out = Zeroizing::new(String::new());
    reader
        .read_to_string(&mut out)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(out)
}

/// Age's own messages contain Unicode isolation marks; describe errors by variant.
pub fn describe_age(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::DecryptionFailed => "decryption failed (payload damaged)".into(),
        age::DecryptError::ExcessiveWork { required, .. } => {
            format!("excessive scrypt work factor {required}")
        }
        age::DecryptError::InvalidHeader => "not a valid age file (bad header)".into(),
        age::DecryptError::InvalidMac => "age header MAC does not match".into(),
        age::DecryptError::Io(io) => format!("not a complete age file ({})", io.kind()),
        age::DecryptError::KeyDecryptionFailed => "key decryption failed".into(),
        age::DecryptError::NoMatchingKeys => "no matching identity".into(),
        age::DecryptError::UnknownFormat => "unknown age format version".into(),
        _ => "age decryption error".into(),
    }
}

/// Write a new passphrase-protected identity (armored age scrypt file, work factor 18).
pub fn write_protected_identity(
    path: &Path,
    identity: &age::x25519::Identity,
    passphrase: SecretString,
) -> Result<()> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    recipient.set_work_factor(SCRYPT_WRITE_LOG_N);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| Error::Other(format!("cannot encrypt identity: {e}")))?;
    let text = identity_file_text(identity);
    let mut out = Vec::new();
    {
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(|e| Error::io("cannot write identity", path, e))?;
        let mut w = encryptor
            .wrap_output(armor)
            .map_err(|e| Error::io("cannot write identity", path, e))?;
        w.write_all(text.as_bytes())
            .and_then(|_| w.finish())
            .and_then(|armor| armor.finish())
            .map_err(|e| Error::io("cannot write identity", path, e))?;
    }
    write_new_private_file(path, &out)
}

/// Write a plain identity file (for CI), 0600, refusing to overwrite.
pub fn write_plain_identity(path: &Path, identity: &age::x25519::Identity) -> Result<()> {
    let text = identity_file_text(identity);
    write_new_private_file(path, text.as_bytes())
}

/// The text of an identity file as `age-keygen` writes it.
pub fn identity_file_text(identity: &age::x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "# created: {}\n# public key: {}\n{}\n",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        identity.to_public(),
        identity.to_string().expose_secret()
    ))
}

/// Create `path` with mode 0600 (parent 0700), failing if it exists.
pub fn write_new_private_file(path: &Path, data: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::vault::paths::create_private_dir(dir)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::Refused(format!(
                "`{}` already exists; refusing to overwrite it",
                path.display()
            )),
            _ => Error::io("cannot create", path, e),
        })?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io("cannot write", path, e))
}

// ---------------------------------------------------------------- recipients

/// A validated, canonical recipient string: `age1…`, `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…`
/// (the comment is dropped).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RecipientString(pub String);

impl std::str::FromStr for RecipientString {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        // Go age's post-quantum recipients have the HRP `age1pq` (`age1pq1…`). An X25519
        // recipient's data may itself start with `pq` (about 1 in 1024 keys), but never
        // with `pq1`: `1` is not a bech32 data character.
        if s.starts_with("age1pq1") {
            return Err("post-quantum age recipients are not supported yet".into());
        }
        if s.starts_with("age1") {
            let r: age::x25519::Recipient = s
                .parse()
                .map_err(|_| format!("invalid age recipient `{}`", truncate(s)))?;
            return Ok(RecipientString(r.to_string()));
        }
        if s.starts_with("ssh-") {
            let r: age::ssh::Recipient = s.parse().map_err(|e| match e {
                age::ssh::ParseRecipientKeyError::Unsupported(t) => {
                    format!("unsupported SSH key type `{t}` (use ssh-ed25519 or ssh-rsa)")
                }
                age::ssh::ParseRecipientKeyError::RsaModulusTooSmall => {
                    "SSH RSA key is too small (under 2048 bits)".into()
                }
                _ => format!("invalid SSH public key `{}`", truncate(s)),
            })?;
            return Ok(RecipientString(r.to_string()));
        }
        Err(format!(
            "invalid recipient `{}`: expected `age1…`, `ssh-ed25519 …` or `ssh-rsa …`",
            truncate(s)
        ))
    }
}

impl fmt::Display for RecipientString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RecipientString {
    /// Parse into the age recipient that encrypts to it.
    pub fn to_age(&self) -> Result<Box<dyn age::Recipient + Send>> {
        if self.0.starts_with("age1") {
            let r: age::x25519::Recipient = self
                .0
                .parse()
                .map_err(|_| Error::Other(format!("stored recipient `{}` is invalid", self.0)))?;
            Ok(Box::new(r))
        } else {
            let r: age::ssh::Recipient = self
                .0
                .parse()
                .map_err(|_| Error::Other(format!("stored recipient `{}` is invalid", self.0)))?;
            Ok(Box::new(r))
        }
    }

    /// A short form for tables: `age1abcd…wxyz`.
    pub fn short(&self) -> String {
        short_recipient(&self.0)
    }
}

pub fn short_recipient(r: &str) -> String {
    if r.starts_with("age1") && r.len() > 20 {
        format!("{}…{}", &r[..10], &r[r.len() - 6..])
    } else if let Some((kind, rest)) = r.split_once(' ') {
        let rest = rest.split(' ').next().unwrap_or("");
        if rest.len() > 12 {
            format!("{kind} …{}", &rest[rest.len() - 10..])
        } else {
            r.to_owned()
        }
    } else {
        r.to_owned()
    }
}

fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(24).flat_map(char::escape_default).collect();
    if s.chars().count() > 24 {
        t.push('…');
    }
    t
}

// ---------------------------------------------------------------- key generation

pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a token body: 30 × log2(62) ≈ 178 bits.
pub const TOKEN_RANDOM_CHARS: usize = 30;
/// Checksum characters: CRC32 in 6 base62 digits.
pub const TOKEN_CHECK_CHARS: usize = 6;
/// Minimum entropy for any generated key (DESIGN §4).
pub const MIN_BYTES: usize = 16;
/// Upper bound on `--bytes`, to keep values sane as environment variables.
pub const MAX_BYTES: usize = 1024;

/// The value format of a generated key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `<prefix>_<env>_<30 random base62><6 base62 CRC32>`: recognisable offline.
    Token,
    /// Lowercase hex of N random bytes.
    Hex,
    /// URL-safe base64 (no padding) of N random bytes.
    Base64url,
    /// Letters and digits carrying N bytes of entropy.
    Alnum,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Token => "token",
            Format::Hex => "hex",
            Format::Base64url => "base64url",
            Format::Alnum => "alnum",
        }
    }
    /// The stored code of a format (schema: `keys.format`).
    pub fn code(self) -> i64 {
        match self {
            Format::Token => 0,
            Format::Hex => 1,
            Format::Base64url => 2,
            Format::Alnum => 3,
        }
    }
    pub fn from_code(c: i64) -> Option<Format> {
        Some(match c {
            0 => Format::Token,
            1 => Format::Hex,
            2 => Format::Base64url,
            3 => Format::Alnum,
            _ => return None,
        })
    }
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "token" => Format::Token,
            "hex" => Format::Hex,
            "base64url" => Format::Base64url,
            "alnum" => Format::Alnum,
            _ => return None,
        })
    }
}

/// How to generate a key: what `generate` is told and `rotate` repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSpec {
    pub format: Format,
    pub bytes: usize,
    pub prefix: String,
}

pub const DEFAULT_PREFIX: &str = "kw";
pub const DEFAULT_BYTES: usize = 32;

/// Generate a value from the OS CSPRNG.
pub fn generate(spec: &GenSpec, env: &EnvName) -> Secret {
    let mut rng = OsRng;
    match spec.format {
        Format::Token => Secret::new(make_token(&spec.prefix, env.as_str(), &mut rng).into_bytes()),
        Format::Hex => {
            let mut raw = Zeroizing::new(vec![0u8; spec.bytes]);
            rng.fill_bytes(&mut raw);
            Secret::new(hex::encode(&*raw).into_bytes())
        }
        Format::Base64url => {
            use base64::Engine;
            let mut raw = Zeroizing::new(vec![0u8; spec.bytes]);
            rng.fill_bytes(&mut raw);
            Secret::new(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(&*raw)
                    .into_bytes(),
            )
        }
        Format::Alnum => {
            // ceil(bytes * 8 / log2(62)) characters carry at least `bytes` of entropy.
            let chars = ((spec.bytes as f64 * 8.0) / 62f64.log2()).ceil() as usize;
            Secret::new(base62_random(chars, &mut rng))
        }
    }
}

/// `n` uniform base62 characters. Random bytes are drawn in one call and mapped by
/// rejection sampling (bytes ≥ 248 = 4 × 62 are dropped), so there is no modulo bias and
/// no system call per character.
fn base62_random(n: usize, rng: &mut impl RngCore) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < n {
        rng.fill_bytes(&mut buf[..]);
        for b in buf.iter() {
            if *b < 248 && out.len() < n {
                out.push(BASE62[(*b % 62) as usize]);
            }
        }
    }
    out
}

fn make_token(prefix: &str, env: &str, rng: &mut impl RngCore) -> String {
    let mut body = String::with_capacity(prefix.len() + env.len() + 38);
    body.push_str(prefix);
    body.push('_');
    body.push_str(env);
    body.push('_');
    let mut random = base62_random(TOKEN_RANDOM_CHARS, rng);
    body.push_str(std::str::from_utf8(&random).expect("base62 is ascii"));
    random.zeroize();
    let check = token_checksum(body.as_bytes());
    body.push_str(&check);
    body
}

/// CRC32 over `<prefix>_<env>_<random>`, as 6 base62 digits (62^6 > 2^32).
fn token_checksum(signed: &[u8]) -> String {
    let mut n = crc32fast::hash(signed) as u64;
    let mut out = [b'0'; TOKEN_CHECK_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

/// A recognised keyward token: what its fields say, with its checksum verified.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenInfo<'a> {
    pub prefix: &'a str,
    pub env: &'a str,
}

/// Whether `s` (exactly) is a keyward token with a valid checksum.
pub fn parse_token(s: &[u8]) -> Option<TokenInfo<'_>> {
    let s = std::str::from_utf8(s).ok()?;
    let body_len = TOKEN_RANDOM_CHARS + TOKEN_CHECK_CHARS;
    if s.len() < body_len + 4 {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - body_len);
    let head = head.strip_suffix('_')?;
    let (prefix, env) = head.split_once('_')?;
    prefix.parse::<crate::names::Prefix>().ok()?;
    env.parse::<EnvName>().ok()?;
    if !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (random, check) = tail.split_at(TOKEN_RANDOM_CHARS);
    let signed_len = s.len() - TOKEN_CHECK_CHARS;
    let _ = random;
    let expected = token_checksum(&s.as_bytes()[..signed_len]);
    // Not secret-dependent in a useful way (the checksum is public), but cheap to do right.
    if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), check.as_bytes()).into() {
        Some(TokenInfo { prefix, env })
    } else {
        None
    }
}

/// Mask a value for display: its first characters (up to the token's env) and last 2.
pub fn mask(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let chars: Vec<char> = s.chars().collect();
    if let Some(info) = parse_token(value) {
        let head = info.prefix.len() + info.env.len() + 2;
        let tail: String = chars[chars.len() - 2..].iter().collect();
        return format!("{}…{tail}", &s[..head]);
    }
    if chars.len() <= 8 {
        return "…".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

/// Read a value from stdin: the hidden prompt on a terminal, otherwise every byte of
/// stdin exactly as given. Empty values and NUL bytes are refused (values become
/// environment variables, which cannot hold NUL).
pub fn read_value(prompt: &str) -> Result<Secret> {
    let value = if io::stdin().is_terminal() {
        let v = rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("cannot read value from", "/dev/tty", e))?;
        Secret::new(v.into_bytes())
    } else {
        let mut buf = Zeroizing::new(Vec::new());
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read value from", "stdin", e))?;
        Secret::new(std::mem::take(&mut *buf))
    };
    check_value(&value)?;
    Ok(value)
}

pub fn check_value(value: &Secret) -> Result<()> {
    if value.is_empty() {
        return Err(Error::Refused(
            "refusing an empty value\nhint: pipe the value on stdin, e.g. `printf %s \"$VALUE\" | keyward set NAME`".into(),
        ));
    }
    if value.expose().contains(&0) {
        return Err(Error::Refused(
            "refusing a value with a NUL byte: it could not be injected as an environment variable"
                .into(),
        ));
    }
    if value.len() > 64 * 1024 {
        return Err(Error::Refused("refusing a value over 64 KiB".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(s: &str) -> EnvName {
        s.parse().unwrap()
    }

    #[test]
    fn token_has_documented_shape_and_checks() {
        let spec = GenSpec {
            format: Format::Token,
            bytes: DEFAULT_BYTES,
            prefix: "kw".into(),
        };
        let t = generate(&spec, &env("prod"));
        let s = std::str::from_utf8(t.expose()).unwrap();
        assert!(s.starts_with("kw_prod_"), "{s}");
        assert_eq!(s.len(), "kw_prod_".len() + 36);
        assert_eq!(
            parse_token(t.expose()),
            Some(TokenInfo {
                prefix: "kw",
                env: "prod"
            })
        );
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let spec = GenSpec {
            format: Format::Token,
            bytes: 32,
            prefix: "kw".into(),
        };
        let t = generate(&spec, &env("dev"));
        let mut bytes = t.expose().to_vec();
        let i = bytes.len() - 10;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        assert_eq!(parse_token(&bytes), None);
        // the environment is covered by the checksum too
        let swapped = String::from_utf8(t.expose().to_vec())
            .unwrap()
            .replacen("_dev_", "_dex_", 1);
        assert_eq!(parse_token(swapped.as_bytes()), None);
    }

    #[test]
    fn formats_carry_requested_entropy() {
        let e = env("dev");
        let g = |format, bytes| {
            generate(
                &GenSpec {
                    format,
                    bytes,
                    prefix: "kw".into(),
                },
                &e,
            )
        };
        assert_eq!(g(Format::Hex, 16).len(), 32);
        assert_eq!(g(Format::Base64url, 32).len(), 43);
        assert_eq!(g(Format::Alnum, 16).len(), 22);
        assert_ne!(g(Format::Hex, 16), g(Format::Hex, 16));
    }

    #[test]
    fn mask_never_shows_the_body() {
        let m = mask(b"kw_prod_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZZ");
        assert!(!m.contains("AAAA"));
        assert_eq!(mask(b"sk_live_abcdefghijklmn"), "sk_…mn");
    }

    #[test]
    fn hardened_process_is_not_dumpable_and_has_no_core_limit() {
        assert_eq!(harden_process(), Vec::<String>::new());
        let lim = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((lim.current, lim.maximum), (Some(0), Some(0)));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }

    fn literal(value: &str) -> std::result::Result<String, String> {
        parse_literal_identity(value).map(|id| id.to_public().to_string())
    }

    #[test]
    fn a_secret_key_is_found_in_every_form_it_is_pasted_in() {
        let id = age::x25519::Identity::generate();
        let key = id.to_string().expose_secret().to_owned();
        let public = id.to_public().to_string();
        let forms = [
            key.clone(),
            format!("  {key}\n"),
            format!("'{key}'"),
            format!("\"{key}\""),
            key.to_lowercase(),
            format!("# created: 2026-01-01T00:00:00Z\n# public key: {public}\n{key}\n"),
            format!("# the AGE-SECRET-KEY-1 line follows\r\n{key}\r\n"),
        ];
        for form in forms {
            assert!(matches!(
                IdentitySpec::from_arg(&form, PathBuf::from("/default")),
                IdentitySpec::Literal(_)
            ));
            assert_eq!(literal(&form), Ok(public.clone()));
        }
    }

    #[test]
    fn a_bad_secret_key_is_described_never_echoed() {
        let key = age::x25519::Identity::generate()
            .to_string()
            .expose_secret()
            .to_owned();
        let mut broken = key.clone();
        broken.pop();
        broken.push(if key.ends_with('Q') { 'P' } else { 'Q' });
        let mixed = format!("{}{}", &key[..30], key[30..].to_lowercase());
        let plugin = "AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQ".to_owned();
        let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n".to_owned();
        let pq = "AGE-SECRET-KEY-PQ-1QQQQQQQQQQQQQQQQ".to_owned();
        for (value, says) in [
            (&broken, "looks like a secret key but is not valid"),
            (&mixed, "looks like a secret key but is not valid"),
            (&plugin, "plugin identities"),
            (&ssh, "private key's text"),
            (&pq, "post-quantum"),
        ] {
            assert!(matches!(
                IdentitySpec::from_arg(value, PathBuf::from("/default")),
                IdentitySpec::Literal(_)
            ));
            let err = literal(value).unwrap_err();
            assert!(err.contains(says), "{err}");
            assert!(!err.contains(&value[..20]), "{err}");
            assert!(
                !err.to_lowercase().contains(&value[..20].to_lowercase()),
                "{err}"
            );
        }
        // a path is still a path
        assert!(matches!(
            IdentitySpec::from_arg("/home/me/.config/keyward/ci.key", PathBuf::from("/d")),
            IdentitySpec::File(_)
        ));
    }

    #[test]
    fn identity_spec_debug_never_shows_the_key() {
        let key = age::x25519::Identity::generate()
            .to_string()
            .expose_secret()
            .to_owned();
        let spec = IdentitySpec::from_arg(&key, PathBuf::from("/d"));
        assert!(!format!("{spec:?}").contains(&key[15..40]));
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(
            format!("{:?}", Secret::new(b"hunter2".to_vec())),
            "[redacted]"
        );
    }

    #[test]
    fn recipients_are_validated_and_canonical() {
        let id = age::x25519::Identity::generate();
        let r = id.to_public().to_string();
        assert_eq!(r.parse::<RecipientString>().unwrap().0, r);
        assert!("age1nope".parse::<RecipientString>().is_err());
        assert!("hello".parse::<RecipientString>().is_err());
    }

    proptest! {
        #[test]
        fn token_parser_never_panics(s in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse_token(&s);
            let _ = mask(&s);
        }

        #[test]
        fn random_strings_of_token_shape_rarely_check(body in "[0-9A-Za-z]{36}") {
            let s = format!("kw_dev_{body}");
            // A random body passes the CRC with probability 2^-32: treat a pass as a bug.
            prop_assert!(parse_token(s.as_bytes()).is_none());
        }
    }
}
