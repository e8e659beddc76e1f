//! The agent's wire format and rendezvous: where its socket is, and the one JSON line a
//! client sends and the one it gets back. Shared by [`super::client`] and
//! [`super::server`]; holds no identity and makes no decision.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use age_core::format::Stanza;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An age recipient stanza on the wire, its body in base64.
#[derive(Serialize, Deserialize)]
pub struct WireStanza {
    tag: String,
    args: Vec<String>,
    body: String,
}

impl From<&Stanza> for WireStanza {
    fn from(s: &Stanza) -> Self {
        WireStanza {
            tag: s.tag.clone(),
            args: s.args.clone(),
            body: B64.encode(&s.body),
        }
    }
}

impl WireStanza {
    /// The stanza it carries; `None` when the body is not base64.
    pub fn to_stanza(&self) -> Option<Stanza> {
        Some(Stanza {
            tag: self.tag.clone(),
            args: self.args.clone(),
            body: B64.decode(&self.body).ok()?,
        })
    }
}

/// A request. `now` is the client's clock (unix ms, `KEYWARD_TEST_NOW` in tests): the
/// agent ends when it says the agent has been idle longer than its duration, and kept
/// file keys expire by it as well as by the agent's own clock (either only shortens).
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request {
    Hello {
        #[serde(default)]
        now: Option<i64>,
    },
    Unwrap {
        stanzas: Vec<WireStanza>,
    },
    Extend {
        secs: u64,
    },
    /// DESIGN §15: sign a message with the identity's signing key (base64).
    Sign {
        message: String,
    },
    /// DESIGN §18: the file key kept for a header (hex `filekey::header_id`), if any.
    Recall {
        header: String,
        now: i64,
    },
    /// DESIGN §18: keep a file key (base64) for a header, under `label` (vault and
    /// environment), until `until` (client clock) if given.
    Keep {
        header: String,
        file_key: String,
        label: String,
        #[serde(default)]
        until: Option<i64>,
        now: i64,
    },
    /// DESIGN §18: forget every file key kept under `label`.
    Forget {
        label: String,
    },
    Stop,
}

#[derive(Serialize, Deserialize, Default)]
pub struct Reply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
    /// The unwrapped file key, base64 (Unwrap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether the pages holding the identity are locked in RAM (Hello only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_locked: Option<bool>,
    /// The identity's signing key and its binding proof, hex (Hello only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_proof: Option<String>,
    /// A signature, hex (Sign only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// What the agent holds (Hello only): `identity` (it unwraps file keys itself) or
    /// `file-keys` (a hardware identity: only the keys its token opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<String>,
    /// How many file keys it keeps, per label (Hello only; counts, never keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_keys: Option<std::collections::BTreeMap<String, u32>>,
    /// The signing key file it unlocked (Hello only; a hardware identity's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_path: Option<String>,
}

impl Reply {
    pub fn failed(why: &str) -> Reply {
        Reply {
            error: Some(why.into()),
            ..Reply::default()
        }
    }
}

/// Encode a file key for a reply.
pub fn encode_key(key: &[u8]) -> String {
    B64.encode(key)
}

/// Decode a reply's file key.
pub fn decode_key(encoded: &str) -> Option<Vec<u8>> {
    B64.decode(encoded.as_bytes()).ok()
}

/// Send one request line and read one reply line.
/// Both lines may carry a file key: each is zeroized when dropped.
pub fn call(stream: &mut UnixStream, req: &Request) -> std::io::Result<Reply> {
    // Sized up front: no reallocation leaves a copy behind.
    let mut line = zeroize::Zeroizing::new(Vec::with_capacity(4096));
    serde_json::to_writer(&mut *line, req).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut reply = zeroize::Zeroizing::new(String::with_capacity(4096));
    BufReader::new(stream.try_clone()?).read_line(&mut reply)?;
    serde_json::from_str(&reply).map_err(std::io::Error::other)
}

/// The socket of the agent serving `identity_path`:
/// `$XDG_RUNTIME_DIR/keyward/agent-<hash>.sock`, or `/tmp/keyward-<uid>/…` without it.
pub fn socket_path(identity_path: &Path) -> PathBuf {
    let canonical = fs::canonicalize(identity_path).unwrap_or_else(|_| identity_path.to_owned());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let name = format!("agent-{}.sock", hex::encode(&digest[..8]));
    socket_dir().join(name)
}

/// Make ready the directory of an agent's socket: created 0700 when missing; one that
/// is a symbolic link, not a directory, or not this user's is refused, never followed
/// or chmod'ed through — without XDG_RUNTIME_DIR it is `/tmp/keyward-<uid>`, which
/// another local user may have made first (a link to a directory of yours would have
/// its mode changed, and an agent left where `lock` refuses to reach it).
pub fn ready_socket_dir(dir: &Path) -> crate::error::Result<()> {
    use std::os::unix::fs::MetadataExt;
    if fs::symlink_metadata(dir).is_err() {
        crate::fsutil::create_private_dir(dir)?;
    }
    let meta =
        fs::symlink_metadata(dir).map_err(|e| crate::error::Error::io("cannot inspect", dir, e))?;
    if meta.file_type().is_symlink() || !meta.is_dir() || meta.uid() != crate::sys::getuid() {
        return Err(crate::error::Error::BadIdentity {
            what: "agent".into(),
            detail: format!(
                "agent directory `{}` is {}; refusing to start an agent there\nhint: check who made it, remove it, and run `keyward unlock` again (or set XDG_RUNTIME_DIR to your own runtime directory)",
                dir.display(),
                if meta.file_type().is_symlink() {
                    "a symbolic link"
                } else if !meta.is_dir() {
                    "not a directory"
                } else {
                    "another user's"
                }
            ),
        });
    }
    tighten_own_dir(dir)
}

/// Give this user's own agent directory (a real directory, not a link) back its 0700
/// mode when group or others have bits on it (a `chmod 755` by hand): the directory is
/// ours, and the socket in it is still checked (ours, 0600) before it is trusted, so
/// every command and `lock` keep reaching the agent instead of refusing it. Anything
/// else is left as it is, for the caller to refuse or ignore.
pub fn tighten_own_dir(dir: &Path) -> crate::error::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return Ok(());
    };
    if meta.is_dir() && meta.uid() == crate::sys::getuid() && meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| crate::error::Error::io("cannot set permissions on", dir, e))?;
    }
    Ok(())
}

/// The lock file beside an agent's socket (`agent-<hash>.lock`), which the agent serving
/// that socket holds locked (`flock`) for its whole life. Never removed: a lock file
/// removed while another process opens it would let two agents each hold "the" lock.
fn lock_path(socket: &Path) -> PathBuf {
    socket.with_extension("lock")
}

fn open_lock(path: &Path, create: bool) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .open(path)
}

/// The agent's side: lock `socket` for this process's life. `None` when another agent
/// holds it. A client only ever checks the lock for an instant (see [`socket_locked`]),
/// so a failed try is retried briefly before giving way.
pub fn lock_socket(socket: &Path) -> crate::error::Result<Option<fs::File>> {
    let path = lock_path(socket);
    let file = open_lock(&path, true)
        .map_err(|e| crate::fsutil::nofollow_error("cannot open lock file", &path, e))?;
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => {
                if start.elapsed() > std::time::Duration::from_millis(500) {
                    return Ok(None);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(crate::error::Error::io("cannot lock", &path, e));
            }
        }
    }
}

/// The client's side: whether an agent holds `socket` (it may not accept yet: it is
/// starting). A socket nobody holds and nobody accepts on is a killed agent's.
pub fn socket_locked(socket: &Path) -> bool {
    let Ok(file) = open_lock(&lock_path(socket), false) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false, // released when `file` closes, at once
        Err(fs::TryLockError::WouldBlock) => true,
        Err(fs::TryLockError::Error(_)) => false,
    }
}

/// Every agent socket of this user (`agent-*.sock` in the socket directory), whatever
/// identity file each serves.
pub fn agent_sockets() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(socket_dir()) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("agent-") && n.ends_with(".sock"))
        })
        .collect();
    out.sort();
    out
}

fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("keyward"),
        None => std::env::temp_dir().join(format!("keyward-{}", crate::sys::getuid())),
    }
}

/// SHA-256 of the identity file as it is now (it is encrypted: nothing secret). An agent
/// reports the digest of the file it unlocked, so a replaced file is not served.
pub fn file_digest(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|b| hex::encode(Sha256::digest(&b)))
}
