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
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
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
        // SAFETY: getuid cannot fail.
        None => std::env::temp_dir().join(format!("keyward-{}", unsafe { libc::getuid() })),
    }
}

fn uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
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

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Start a detached agent for `identity_path` holding `identity`, idle timeout `idle`.
/// The identity goes to the child over a pipe, never argv, environment or a file.
pub fn spawn(identity_path: &Path, identity: &age::x25519::Identity, idle: Duration) -> Result<()> {
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
    // SAFETY: setsid is async-signal-safe; detaching from the terminal's session.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
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
            if call(&mut stream, &Request::Hello).is_ok_and(|r| r.ok) {
                return Ok(());
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

/// The agent's main loop (`keyward __agent`). Reads the identity from stdin.
pub fn serve(
    socket: &Path,
    identity_path: &str,
    identity_digest: &str,
    idle_secs: u64,
) -> Result<()> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| Error::Other(format!("agent: cannot read the identity: {e}")))?;
    let identity: age::x25519::Identity = line
        .trim()
        .parse()
        .map_err(|_| Error::Other("agent: not an identity on stdin".into()))?;
    drop(line);
    let recipient = identity.to_public().to_string();
    // Keep our pages out of swap where permitted (EPERM without CAP_IPC_LOCK and a low
    // RLIMIT_MEMLOCK is fine: the process is still not dumpable).
    // SAFETY: plain syscall.
    unsafe {
        libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE);
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(sig, on_term as *const () as libc::sighandler_t);
        }
    }

    let dir = socket.parent().expect("socket has a directory");
    crate::vault::paths::create_private_dir(dir)?;
    let _ = fs::remove_file(socket);
    // SAFETY: umask only affects this process's file creation.
    let old = unsafe { libc::umask(0o177) };
    let listener = UnixListener::bind(socket);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    let listener = listener.map_err(|e| Error::io("cannot listen on", socket, e))?;
    fs::set_permissions(socket, fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io("cannot set permissions on", socket, e))?;

    let mut idle = Duration::from_secs(idle_secs.max(1));
    let mut last_use = Instant::now();
    let fd = listener.as_raw_fd();
    loop {
        if STOP.load(Ordering::SeqCst) {
            break;
        }
        let left = idle.saturating_sub(last_use.elapsed());
        if left.is_zero() {
            break;
        }
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(60_000) as libc::c_int;
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, ms.max(1)) };
        if n <= 0 {
            continue; // timeout or EINTR: re-check STOP and the idle time
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
                STOP.store(true, Ordering::SeqCst);
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
    let mut cred = libc::ucred {
        pid: 0,
        uid: u32::MAX,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cred.uid)
}
