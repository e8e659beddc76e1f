//! The agent's wire format and rendezvous: where its socket is, and the one JSON line a
//! client sends and the one it gets back. Shared by [`super::client`] and
//! [`super::server`]; holds no identity and makes no decision.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
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

/// The longest reply line a client reads (a hello's per-label counts are the largest):
/// what answers is checked to be an agent of ours, but a client never reads without end.
pub const MAX_REPLY: u64 = 1 << 20;

/// Send one request line. It may carry a file key: the line is zeroized when dropped.
/// Only [`super::dial::AgentStream`] calls it, on a connection it checked.
pub(super) fn write_request(stream: &mut impl Write, req: &Request) -> std::io::Result<()> {
    // Sized up front: no reallocation leaves a copy behind.
    let mut line = zeroize::Zeroizing::new(Vec::with_capacity(4096));
    serde_json::to_writer(&mut *line, req).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)
}

/// Read one reply line, at most [`MAX_REPLY`] bytes (longer is an error). It may carry
/// a file key: zeroized when dropped.
pub(super) fn read_reply(stream: impl Read) -> std::io::Result<Reply> {
    let mut reply = zeroize::Zeroizing::new(String::with_capacity(4096));
    BufReader::new(stream.take(MAX_REPLY)).read_line(&mut reply)?;
    if !reply.ends_with('\n') && reply.len() as u64 >= MAX_REPLY {
        return Err(std::io::Error::other(format!(
            "the agent's reply is longer than {MAX_REPLY} bytes"
        )));
    }
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
    check_runtime_dir()?;
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
    match runtime_dir() {
        (d, true) => d.join("keyward"),
        (d, false) => d.join(format!("keyward-{}", crate::sys::getuid())),
    }
}

/// The directory the agent's own directory is made in: `$XDG_RUNTIME_DIR`, or the temp
/// directory without it; and whether it is `$XDG_RUNTIME_DIR`.
fn runtime_dir() -> (PathBuf, bool) {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => (PathBuf::from(d), true),
        None => (std::env::temp_dir(), false),
    }
}

/// Refuse a runtime directory (or a directory above it) that another user could
/// change: whoever may rename entries in it may swap the agent's directory for one of
/// theirs between two connections (a hardware identity's file keys went to such a
/// fake agent). As ssh and gpg do: each directory must be this user's or root's, and
/// writable by group or others only with the sticky bit (`/tmp`). Checked by `unlock`
/// before an agent is started there, by `lock`, and before every client connection
/// (`dial`), which also checks the peer's uid.
pub fn check_runtime_dir() -> crate::error::Result<()> {
    let (base, xdg) = runtime_dir();
    let name = if xdg {
        "XDG_RUNTIME_DIR"
    } else {
        "the temporary directory"
    };
    let refuse = |what: String| crate::error::Error::BadIdentity {
        what: "agent".into(),
        detail: format!(
            "{what}, so another user could swap an agent's socket there; refusing to use an agent\nhint: `chmod 700` it if it is yours (`chmod +t` if it is shared on purpose); otherwise set XDG_RUNTIME_DIR to a 0700 directory of your own"
        ),
    };
    if !base.is_absolute() {
        return Err(refuse(format!(
            "{name} `{}` is not an absolute path",
            base.display()
        )));
    }
    let me = crate::sys::getuid();
    // The path as given and as resolved: a directory holding a link on the way, and the
    // directories the link leads through, must both be safe.
    let resolved = fs::canonicalize(&base).ok();
    for path in std::iter::once(&base).chain(resolved.as_ref()) {
        for dir in path.ancestors() {
            let Ok(meta) = fs::symlink_metadata(dir) else {
                continue; // not made yet: `unlock` makes it, 0700
            };
            if meta.file_type().is_symlink() {
                continue; // the directory holding it is checked next
            }
            if let Some(why) = unsafe_dir(&meta, me) {
                return Err(refuse(format!(
                    "{name} `{}`: `{}` {why}",
                    base.display(),
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// Why a directory on the runtime directory's path is unsafe for `me`, if it is.
fn unsafe_dir(meta: &fs::Metadata, me: u32) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    dir_rule(meta.is_dir(), meta.uid(), meta.mode(), me)
}

/// The rule itself, over plain data: a directory, owned by `me` or root, writable by
/// group or others only when sticky (then only an entry's owner may rename it).
fn dir_rule(is_dir: bool, owner: u32, mode: u32, me: u32) -> Option<String> {
    if !is_dir {
        return Some("is not a directory".into());
    }
    if owner != me && owner != 0 {
        return Some(format!("belongs to another user (uid {owner})"));
    }
    if mode & 0o022 != 0 && mode & 0o1000 == 0 {
        return Some(format!(
            "is writable by group or others without the sticky bit (mode {:04o})",
            mode & 0o7777
        ));
    }
    None
}

/// SHA-256 of the identity file as it is now (it is encrypted: nothing secret). An agent
/// reports the digest of the file it unlocked, so a replaced file is not served.
pub fn file_digest(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|b| hex::encode(Sha256::digest(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_directory_others_may_rename_in_is_refused() {
        let me = 1000;
        // the usual ones
        assert_eq!(dir_rule(true, me, 0o40700, me), None); // /run/user/1000
        assert_eq!(dir_rule(true, 0, 0o40755, me), None); // /run/user
        assert_eq!(dir_rule(true, 0, 0o41777, me), None); // /tmp
        assert_eq!(dir_rule(true, me, 0o41777, me), None);
        // writable by others, not sticky: whoever owns it
        for owner in [me, 0, 65534] {
            assert!(dir_rule(true, owner, 0o40777, me).is_some());
        }
        assert!(
            dir_rule(true, me, 0o40770, me)
                .unwrap()
                .contains("group or others")
        );
        assert!(dir_rule(true, me, 0o40702, me).unwrap().contains("0702"));
        // another user's, whatever its mode
        assert!(
            dir_rule(true, 65534, 0o40700, me)
                .unwrap()
                .contains("uid 65534")
        );
        assert!(dir_rule(true, 65534, 0o41777, me).is_some());
        assert!(dir_rule(false, me, 0o100600, me).is_some());
    }

    #[test]
    fn a_reply_is_read_up_to_its_bound() {
        let ok = b"{\"ok\":true}\n";
        assert!(read_reply(&ok[..]).unwrap().ok);
        // four times the bound, no line end: refused, and not read beyond the bound
        let mut long = std::io::repeat(b' ').take(4 * MAX_REPLY);
        let err = read_reply(&mut long)
            .err()
            .expect("an overlong reply is refused");
        assert!(err.to_string().contains("longer than"), "{err}");
        assert!(
            long.limit() >= 3 * MAX_REPLY,
            "read {} bytes",
            4 * MAX_REPLY - long.limit()
        );
        // a whole line just under the bound still parses
        let mut line = vec![b' '; MAX_REPLY as usize - ok.len()];
        line.extend_from_slice(ok);
        assert!(read_reply(&line[..]).unwrap().ok);
    }
}
