//! The keyward agent (DESIGN §3): holds one decrypted identity in memory behind a 0600
//! Unix socket, so interactive commands stop paying a ~1 s scrypt unlock each.
//!
//! The identity never leaves the agent. Clients send the recipient stanzas of the file
//! they open; the agent answers with the unwrapped file key or "no match". The agent
//! serves only peers of its own uid (`SO_PEERCRED`), ends after its idle duration, on
//! `keyward lock` or SIGTERM, and removes its socket. A client refuses a socket (or its
//! directory) with the wrong owner or mode, and replaces a stale one.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::Unlocked;
use crate::error::{Error, Result};

#[derive(Serialize, Deserialize)]
struct WireStanza {
    tag: String,
    args: Vec<String>,
    body: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Request {
    Hello,
    Unwrap { stanzas: Vec<WireStanza> },
    Extend { secs: u64 },
    Stop,
}

#[derive(Serialize, Deserialize, Default)]
struct Reply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idle_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Whether the pages holding the identity are locked in RAM (Hello only).
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_locked: Option<bool>,
}

/// What a running agent says about itself.
#[derive(Debug, Clone)]
pub struct AgentInfo {
    pub recipient: String,
    pub idle_secs: u64,
}

/// The socket of the agent serving `identity_path`:
/// `$XDG_RUNTIME_DIR/keyward/agent-<hash>.sock`, or `/tmp/keyward-<uid>/…` without it.
pub fn socket_path(identity_path: &Path) -> PathBuf {
    let canonical = fs::canonicalize(identity_path).unwrap_or_else(|_| identity_path.to_owned());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let name = format!("agent-{}.sock", hex::encode(&digest[..8]));
    socket_dir().join(name)
}

fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("keyward"),
        None => std::env::temp_dir().join(format!("keyward-{}", uid())),
    }
}

fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// Refuse a socket or directory another user could have planted or could reach.
fn check_socket(sock: &Path) -> Result<()> {
    let bad = |what: String| Error::BadIdentity {
        what: "agent".into(),
        detail: format!("{what}; refusing to trust it\nhint: remove it, or run `keyward lock`"),
    };
    let dir = sock.parent().unwrap_or(Path::new("/"));
    let dmeta = fs::symlink_metadata(dir).map_err(|e| Error::io("cannot inspect", dir, e))?;
    if !dmeta.is_dir() || dmeta.uid() != uid() || dmeta.mode() & 0o077 != 0 {
        return Err(bad(format!(
            "agent directory `{}` is not a 0700 directory of yours",
            dir.display()
        )));
    }
    let meta = fs::symlink_metadata(sock).map_err(|e| Error::io("cannot inspect", sock, e))?;
    if !meta.file_type().is_socket() || meta.uid() != uid() || meta.mode() & 0o077 != 0 {
        return Err(bad(format!(
            "agent socket `{}` is not a 0600 socket of yours",
            sock.display()
        )));
    }
    Ok(())
}

/// Connect to the agent for `identity_path`: `Ok(None)` when none runs (a stale socket
/// left by a killed agent is removed), an error when the socket cannot be trusted.
fn connect(identity_path: &Path) -> Result<Option<(PathBuf, UnixStream)>> {
    let sock = socket_path(identity_path);
    if fs::symlink_metadata(&sock).is_err() {
        return Ok(None);
    }
    check_socket(&sock)?;
    match UnixStream::connect(&sock) {
        Ok(s) => {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            Ok(Some((sock, s)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            // Nobody listens: an agent killed with SIGKILL. Never trust it; clear it.
            let _ = fs::remove_file(&sock);
            Ok(None)
        }
        // Busy or otherwise unreachable: fall back, but leave a live agent alone.
        Err(_) => Ok(None),
    }
}

fn call(stream: &mut UnixStream, req: &Request) -> std::io::Result<Reply> {
    let mut line = serde_json::to_vec(req).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut reply = String::new();
    BufReader::new(stream.try_clone()?).read_line(&mut reply)?;
    serde_json::from_str(&reply).map_err(std::io::Error::other)
}

/// Ask the running agent for `identity_path` who it is.
pub fn hello(identity_path: &Path) -> Result<Option<AgentInfo>> {
    let Some((_, mut stream)) = connect(identity_path)? else {
        return Ok(None);
    };
    let reply =
        call(&mut stream, &Request::Hello).map_err(|e| Error::Other(format!("agent: {e}")))?;
    let ours = fs::canonicalize(identity_path).unwrap_or_else(|_| identity_path.to_owned());
    // An agent unlocked from an older version of the file (the identity was replaced,
    // or its passphrase changed) is not used.
    let same_file =
        reply.identity_digest.is_some() && reply.identity_digest == file_digest(identity_path);
    match (reply.recipient, reply.identity_path) {
        (Some(recipient), Some(p)) if Path::new(&p) == ours && same_file => Ok(Some(AgentInfo {
            recipient,
            idle_secs: reply.idle_secs.unwrap_or(0),
        })),
        // An agent for another identity: never use it.
        _ => Ok(None),
    }
}

/// SHA-256 of the identity file as it is now (it is encrypted: nothing secret).
fn file_digest(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|b| hex::encode(Sha256::digest(&b)))
}

/// The identity served by a running agent for `identity_path`, if one runs.
pub fn client_for(identity_path: &Path) -> Result<Option<Unlocked>> {
    let Some(info) = hello(identity_path)? else {
        return Ok(None);
    };
    let id = AgentIdentity {
        socket: socket_path(identity_path),
    };
    Ok(Some(Unlocked::new(Box::new(id), info.recipient, "agent")))
}

/// Extend a running agent's idle duration.
pub fn extend(identity_path: &Path, secs: u64) -> Result<bool> {
    let Some((_, mut stream)) = connect(identity_path)? else {
        return Ok(false);
    };
    Ok(call(&mut stream, &Request::Extend { secs })
        .map(|r| r.ok)
        .unwrap_or(false))
}

/// Stop the agent for `identity_path`; `Ok(false)` when none ran.
pub fn stop(identity_path: &Path) -> Result<bool> {
    let sock = socket_path(identity_path);
    let Some((_, mut stream)) = connect(identity_path)? else {
        return Ok(false);
    };
    let _ = call(&mut stream, &Request::Stop);
    // Wait briefly for it to remove its socket.
    let start = Instant::now();
    while sock.exists() && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(true)
}

/// The client side: forwards stanzas, receives file keys.
struct AgentIdentity {
    socket: PathBuf,
}

impl age::Identity for AgentIdentity {
    fn unwrap_stanza(
        &self,
        stanza: &Stanza,
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        let copy = Stanza {
            tag: stanza.tag.clone(),
            args: stanza.args.clone(),
            body: stanza.body.clone(),
        };
        self.unwrap_stanzas(&[copy])
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        let mut stream = match UnixStream::connect(&self.socket) {
            Ok(s) => s,
            Err(e) => return Some(Err(age::DecryptError::Io(e))),
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let req = Request::Unwrap {
            stanzas: stanzas
                .iter()
                .map(|s| WireStanza {
                    tag: s.tag.clone(),
                    args: s.args.clone(),
                    body: B64.encode(&s.body),
                })
                .collect(),
        };
        let reply = match call(&mut stream, &req) {
            Ok(r) => r,
            Err(e) => return Some(Err(age::DecryptError::Io(e))),
        };
        let encoded = Zeroizing::new(reply.file_key?);
        let raw = Zeroizing::new(B64.decode(encoded.as_bytes()).ok()?);
        let key: [u8; 16] = raw.as_slice().try_into().ok()?;
        Some(Ok(FileKey::new(Box::new(key))))
    }
}

// ------------------------------------------------------------------- the agent process

/// A started agent, as it reported itself.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    /// Whether the identity's pages are locked in RAM. `false` where the system refused
    /// (RLIMIT_MEMLOCK too low, no CAP_IPC_LOCK): the agent still runs, not dumpable,
    /// but its identity could be written to swap.
    pub memory_locked: bool,
}

/// Start a detached agent for `identity_path` holding `identity`, idle timeout `idle`.
/// The identity goes to the child over a pipe, never argv, environment or a file.
pub fn spawn(
    identity_path: &Path,
    identity: &age::x25519::Identity,
    idle: Duration,
) -> Result<Started> {
    use std::os::unix::process::CommandExt;
    let sock = socket_path(identity_path);
    let dir = sock.parent().expect("socket has a directory").to_owned();
    crate::vault::paths::create_private_dir(&dir)?;
    let exe =
        std::env::current_exe().map_err(|e| Error::Other(format!("cannot find keyward: {e}")))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.env_clear()
        .arg("__agent")
        .arg("--socket")
        .arg(&sock)
        .arg("--identity-path")
        .arg(fs::canonicalize(identity_path).unwrap_or_else(|_| identity_path.to_owned()))
        .arg("--idle-secs")
        .arg(idle.as_secs().to_string())
        .arg("--identity-digest")
        .arg(file_digest(identity_path).unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: the closure runs between fork and exec, where only async-signal-safe
    // calls are allowed: it makes one setsid system call (rustix, no allocation, no
    // lock) to detach the agent from the terminal's session.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Other(format!("cannot start the agent: {e}")))?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        let secret = identity.to_string();
        stdin
            .write_all(secret.expose_secret().as_bytes())
            .and_then(|_| stdin.write_all(b"\n"))
            .map_err(|e| Error::Other(format!("cannot hand the identity to the agent: {e}")))?;
    }
    // Wait until it answers. Probe without `connect`'s stale-socket cleanup: a socket
    // that refuses now may belong to the agent that is still starting.
    let start = Instant::now();
    loop {
        if let Ok(mut stream) = UnixStream::connect(&sock) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            if let Ok(reply) = call(&mut stream, &Request::Hello)
                && reply.ok
            {
                return Ok(Started {
                    memory_locked: reply.memory_locked.unwrap_or(false),
                });
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Other(format!(
                "the agent exited at start ({status})"
            )));
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Other("the agent did not answer within 30 s".into()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Lock the pages holding `value` in RAM so the identity never reaches swap. Only these
/// pages: `mlockall(MCL_FUTURE)` made every later allocation count against
/// RLIMIT_MEMLOCK, so a small limit turned into failed allocations.
fn lock_in_memory<T: ?Sized>(value: &T) -> rustix::io::Result<()> {
    let len = std::mem::size_of_val(value);
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the range is exactly `value`'s own memory, borrowed for the call, so it is
    // mapped; mlock only pins its pages and neither reads nor writes them. The callers
    // pass heap buffers that stay allocated, unmoved, until the process ends.
    unsafe { rustix::mm::mlock((value as *const T).cast_mut().cast(), len) }
}

/// Read the identity line from stdin straight into `buf`, with no buffering layer
/// (std's stdin buffer would keep a copy of the key that nothing zeroizes).
fn read_identity_line(buf: &mut [u8]) -> std::io::Result<usize> {
    let stdin = std::io::stdin();
    let mut n = 0;
    while n < buf.len() && !buf[..n].contains(&b'\n') {
        match rustix::io::read(stdin.as_fd(), &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// The agent's main loop (`keyward __agent`). Reads the identity from stdin.
pub fn serve(
    socket: &Path,
    identity_path: &str,
    identity_digest: &str,
    idle_secs: u64,
) -> Result<()> {
    // The key's text and the parsed identity live in heap buffers locked in RAM where
    // the system permits; where it refuses (EPERM/ENOMEM under a low RLIMIT_MEMLOCK)
    // the agent still runs, not dumpable, and `unlock` tells the user.
    let mut line = Zeroizing::new(vec![0u8; 256]);
    let mut memory_locked = lock_in_memory(line.as_slice()).is_ok();
    let n = read_identity_line(&mut line)
        .map_err(|e| Error::Other(format!("agent: cannot read the identity: {e}")))?;
    let identity: Box<age::x25519::Identity> = std::str::from_utf8(&line[..n])
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Box::new)
        .ok_or_else(|| Error::Other("agent: not an identity on stdin".into()))?;
    drop(line);
    memory_locked &= lock_in_memory(identity.as_ref()).is_ok();
    let recipient = identity.to_public().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| Error::Other(format!("agent: cannot handle signal {sig}: {e}")))?;
    }

    let dir = socket.parent().expect("socket has a directory");
    crate::vault::paths::create_private_dir(dir)?;
    let _ = fs::remove_file(socket);
    // The socket is created 0600 (no window where another user could connect).
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let listener = UnixListener::bind(socket);
    rustix::process::umask(old);
    let listener = listener.map_err(|e| Error::io("cannot listen on", socket, e))?;
    fs::set_permissions(socket, fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io("cannot set permissions on", socket, e))?;

    let mut idle = Duration::from_secs(idle_secs.max(1));
    let mut last_use = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let left = idle.saturating_sub(last_use.elapsed());
        if left.is_zero() {
            break;
        }
        let mut pfd = [rustix::event::PollFd::new(
            &listener,
            rustix::event::PollFlags::IN,
        )];
        let wait = left
            .min(Duration::from_secs(60))
            .max(Duration::from_millis(1));
        let timeout = rustix::event::Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: wait.subsec_nanos().into(),
        };
        match rustix::event::poll(&mut pfd, Some(&timeout)) {
            Ok(n) if n > 0 => {}
            _ => continue, // timeout or EINTR: re-check the stop flag and the idle time
        }
        let Ok((mut stream, _)) = listener.accept() else {
            continue;
        };
        if peer_uid(&stream) != Some(uid()) {
            continue; // another user: no answer at all
        }
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut req_line = Zeroizing::new(String::new());
        if BufReader::new(&stream)
            .take(1 << 20)
            .read_line(&mut req_line)
            .is_err()
        {
            continue;
        }
        last_use = Instant::now();
        let reply = match serde_json::from_str::<Request>(&req_line) {
            Ok(Request::Hello) => Reply {
                ok: true,
                recipient: Some(recipient.clone()),
                identity_path: Some(identity_path.to_owned()),
                identity_digest: Some(identity_digest.to_owned()),
                idle_secs: Some(idle.as_secs()),
                memory_locked: Some(memory_locked),
                ..Reply::default()
            },
            Ok(Request::Unwrap { stanzas }) => unwrap(&identity, &stanzas),
            Ok(Request::Extend { secs }) => {
                idle = Duration::from_secs(secs.max(1));
                Reply {
                    ok: true,
                    idle_secs: Some(secs),
                    ..Reply::default()
                }
            }
            Ok(Request::Stop) => {
                stop.store(true, Ordering::SeqCst);
                Reply {
                    ok: true,
                    ..Reply::default()
                }
            }
            Err(_) => Reply {
                error: Some("bad request".into()),
                ..Reply::default()
            },
        };
        if let Ok(mut out) = serde_json::to_vec(&reply) {
            out.push(b'\n');
            let _ = stream.write_all(&out);
        }
    }
    let _ = fs::remove_file(socket);
    drop(identity); // x25519 secret zeroized on drop
    Ok(())
}

fn unwrap(identity: &age::x25519::Identity, stanzas: &[WireStanza]) -> Reply {
    let parsed: Option<Vec<Stanza>> = stanzas
        .iter()
        .map(|s| {
            Some(Stanza {
                tag: s.tag.clone(),
                args: s.args.clone(),
                body: B64.decode(&s.body).ok()?,
            })
        })
        .collect();
    let Some(parsed) = parsed else {
        return Reply {
            error: Some("bad stanza".into()),
            ..Reply::default()
        };
    };
    match age::Identity::unwrap_stanzas(identity, &parsed) {
        Some(Ok(key)) => Reply {
            ok: true,
            file_key: Some(B64.encode(key.expose_secret())),
            ..Reply::default()
        },
        _ => Reply {
            error: Some("no matching identity".into()),
            ..Reply::default()
        },
    }
}

fn peer_uid(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream)
        .ok()
        .map(|cred| cred.uid.as_raw())
}
