//! The one way a client reaches an agent. [`dial`] checks, before a byte is sent, that
//! the runtime directory is safe, that the agent's directory and socket are this user's
//! and 0700/0600, and — once connected — that the process listening runs as this user
//! (`SO_PEERCRED`). Every request a client makes (hello, extend, stop, sign, unwrap,
//! recall, keep, forget) goes over an [`AgentStream`], which only `dial` makes, so no call
//! site can connect by path and skip a check: checking once per command (at `hello`) let
//! another user who could swap the directory receive the `keep` that followed.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::protocol::{Reply, Request, read_reply, write_request};
use crate::error::{Error, Result};
use crate::sys;

/// A connection to a process of this user's listening on a checked agent socket.
pub(super) struct AgentStream {
    stream: UnixStream,
}

/// Why [`dial`] gave no connection.
pub(super) enum Refused {
    /// Nothing answered (no listener, busy): the agent is as good as absent.
    Unreachable(std::io::Error),
    /// Something is there that must not be trusted; nothing was sent to it.
    Untrusted(Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unreachable(e) => write!(f, "{e}"),
            // The first line: the hint is for the command that reports it whole.
            Refused::Untrusted(e) => {
                let text = e.to_string();
                write!(f, "{}", text.lines().next().unwrap_or_default())
            }
        }
    }
}

impl From<Refused> for std::io::Error {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Unreachable(e) => e,
            r @ Refused::Untrusted(_) => {
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, r.to_string())
            }
        }
    }
}

/// Connect to the agent socket `sock`, checking everything first (see the module doc).
pub(super) fn dial(sock: &Path) -> std::result::Result<AgentStream, Refused> {
    // Nothing there (not started yet, or gone): nothing to trust or distrust.
    fs::symlink_metadata(sock).map_err(Refused::Unreachable)?;
    check_socket(sock).map_err(Refused::Untrusted)?;
    let stream = UnixStream::connect(sock).map_err(Refused::Unreachable)?;
    // The socket file is ours, but what listens behind the path at `connect` may not be
    // (a directory swapped in between): the kernel's word on the listener is what counts.
    let me = sys::getuid();
    match sys::peer_uid(&stream) {
        Some(uid) if uid == me => {}
        other => {
            return Err(Refused::Untrusted(Error::BadIdentity {
                what: "agent".into(),
                detail: format!(
                    "agent socket `{}` is served by {}, not by you; refusing to trust it: nothing was sent to it\nhint: check who can write `{}` and the directories above it; `keyward lock` then `keyward unlock` start a new agent",
                    sock.display(),
                    match other {
                        Some(uid) => format!("a process of uid {uid}"),
                        None => "a process of unknown uid".into(),
                    },
                    sock.parent().unwrap_or(Path::new("/")).display()
                ),
            }));
        }
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    Ok(AgentStream { stream })
}

impl AgentStream {
    /// Send one request, read one reply (bounded: [`super::protocol::MAX_REPLY`]).
    pub(super) fn call(&mut self, req: &Request) -> std::io::Result<Reply> {
        write_request(&mut self.stream, req)?;
        read_reply(&self.stream)
    }

    /// The pid of the agent (the listening process).
    pub(super) fn peer_pid(&self) -> Option<u32> {
        sys::peer_pid(&self.stream)
    }

    /// Wait at most `limit` for each read and write.
    pub(super) fn set_timeouts(&self, limit: Duration) {
        let _ = self.stream.set_read_timeout(Some(limit));
        let _ = self.stream.set_write_timeout(Some(limit));
    }
}

/// Refuse a socket or directory another user could have planted or could reach, and a
/// runtime directory another user could change.
pub(super) fn check_socket(sock: &Path) -> Result<()> {
    super::protocol::check_runtime_dir()?;
    let bad = |what: String| Error::BadIdentity {
        what: "agent".into(),
        detail: format!(
            "{what}; refusing to trust it\nhint: `keyward lock` removes an untrusted socket from your own 0700 directory; otherwise remove it yourself after checking who made it"
        ),
    };
    let uid = sys::getuid();
    let dir = sock.parent().unwrap_or(Path::new("/"));
    // An own directory with a loose mode (a `chmod 755` by hand) is put back to 0700, as
    // `unlock` does, rather than locking every command and `lock` out of the agent; if
    // that fails, it is refused below.
    let _ = super::protocol::tighten_own_dir(dir);
    let dmeta = fs::symlink_metadata(dir).map_err(|e| Error::io("cannot inspect", dir, e))?;
    if !dmeta.is_dir() || dmeta.uid() != uid || dmeta.mode() & 0o077 != 0 {
        return Err(bad(format!(
            "agent directory `{}` is not a 0700 directory of yours",
            dir.display()
        )));
    }
    let meta = fs::symlink_metadata(sock).map_err(|e| Error::io("cannot inspect", sock, e))?;
    if !meta.file_type().is_socket() {
        return Err(not_a_socket(sock, &meta));
    }
    if meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(bad(format!(
            "agent socket `{}` is not a 0600 socket of yours",
            sock.display()
        )));
    }
    Ok(())
}

/// Something other than a socket at an agent's socket path (a stray `mkdir`): no agent
/// can listen there, nor start there. Never removed by keyward (a directory may hold
/// anything): the user is told what it is and to remove it.
pub(super) fn not_a_socket(sock: &Path, meta: &fs::Metadata) -> Error {
    let ft = meta.file_type();
    let (what, remove) = if ft.is_dir() {
        ("a directory", "rmdir")
    } else if ft.is_symlink() {
        ("a symbolic link", "rm")
    } else if ft.is_file() {
        ("a regular file", "rm")
    } else {
        ("not a socket", "rm")
    };
    Error::BadIdentity {
        what: "agent".into(),
        detail: format!(
            "`{}` is {what}, not an agent socket: no agent can run there\nhint: check what it is, remove it (`{remove} '{}'`), then run `keyward unlock` again",
            sock.display(),
            sock.display()
        ),
    }
}
