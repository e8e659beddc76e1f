//! The client side of the agent, what commands use: find a running agent and trust it
//! only when its socket and directory are ours and 0600/0700 and it runs as us (every
//! connection goes through [`super::dial`]), start one, extend or stop it, and decrypt
//! through it. Never holds the identity itself.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use zeroize::Zeroizing;

use super::dial::{AgentStream, Refused, check_socket, dial, not_a_socket};
use super::protocol::{Request, WireStanza, decode_key, file_digest, socket_path};
use crate::audit::Via;
use crate::error::{Error, Result};
use crate::identity::{AgentLoad, ForAgent, Sign, Unlocked};
use crate::sys;

/// What a running agent says about itself.
#[derive(Debug, Clone)]
pub struct AgentInfo {
    pub recipient: String,
    /// The identity's signing key and binding proof (DESIGN §15); none from an agent
    /// started by an older build (which then cannot sign: restart it), or from a
    /// hardware identity's agent started without its signing key.
    pub signing: Option<([u8; 32], Option<[u8; 64]>)>,
    /// The signing key file a hardware identity's agent unlocked.
    pub signing_path: Option<PathBuf>,
    /// DESIGN §18: it keeps a hardware identity's file keys (and holds no identity).
    pub file_keys: Option<std::collections::BTreeMap<String, u32>>,
}

/// Connect to the agent for `identity_path` (through [`dial`]): `Ok(None)` when none runs
/// (a stale socket left by a killed agent is removed) or none could be trusted to (then
/// nothing is sent, and the command uses the identity itself), an error when a socket
/// that looks like our agent's cannot be trusted.
fn connect(identity_path: &Path) -> Result<Option<(PathBuf, AgentStream)>> {
    let sock = socket_path(identity_path);
    let Ok(meta) = fs::symlink_metadata(&sock) else {
        return Ok(None);
    };
    // A directory another user owns (without XDG_RUNTIME_DIR it is `/tmp/keyward-<uid>`,
    // which anyone may make first) holds no agent of ours: `unlock` refuses to start one
    // there. Ignored, never connected to, so a planted socket cannot stop every command.
    let dir = sock.parent().unwrap_or(Path::new("/"));
    if fs::symlink_metadata(dir).is_ok_and(|m| m.uid() != sys::getuid()) {
        return Ok(None);
    }
    // Not a socket (a stray `mkdir`): no agent listens there. The command goes on with
    // the identity; `lock` and `unlock` say what it is and what to do.
    if !meta.file_type().is_socket() {
        return Ok(None);
    }
    // A runtime directory another user could change: no agent of it is used (nothing is
    // sent); `unlock` refuses to start one there and `lock` says why.
    if super::protocol::check_runtime_dir().is_err() {
        return Ok(None);
    }
    match dial(&sock) {
        Ok(s) => Ok(Some((sock, s))),
        Err(Refused::Unreachable(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            // Nobody listens: an agent killed with SIGKILL. Never trust it; clear it —
            // unless an agent holds the socket's lock (it is starting).
            if !super::protocol::socket_locked(&sock) {
                let _ = fs::remove_file(&sock);
            }
            Ok(None)
        }
        // Busy or otherwise unreachable: fall back, but leave a live agent alone.
        Err(Refused::Unreachable(_)) => Ok(None),
        Err(Refused::Untrusted(e)) => Err(e),
    }
}

/// Ask the running agent for `identity_path` who it is, at client time `now` (an agent
/// idle past its time by that clock ends instead: `None`).
pub fn hello(identity_path: &Path, now: Option<i64>) -> Result<Option<AgentInfo>> {
    let Some((sock, mut stream)) = connect(identity_path)? else {
        return Ok(None);
    };
    // An agent that does not answer in time is busy (another client holds it) or hung:
    // as good as absent, so the command falls back to the identity itself.
    let Ok(reply) = stream.call(&Request::Hello { now }) else {
        return Ok(None);
    };
    if !reply.ok {
        // It ended (idle by the client's clock): wait briefly for its socket to go, so
        // the next command does not find it half gone.
        wait_gone(&sock, stream.peer_pid());
        return Ok(None);
    }
    let ours = fs::canonicalize(identity_path).unwrap_or_else(|_| identity_path.to_owned());
    // An agent unlocked from an older version of the file (the identity was replaced,
    // or its passphrase changed) is not used.
    let same_file =
        reply.identity_digest.is_some() && reply.identity_digest == file_digest(identity_path);
    let signing = reply
        .signing_key
        .as_deref()
        .and_then(|k| hex::decode(k).ok()?.try_into().ok())
        .map(|k: [u8; 32]| {
            let proof = reply
                .signing_proof
                .as_deref()
                .and_then(|p| hex::decode(p).ok()?.try_into().ok());
            (k, proof)
        });
    let file_keys = match reply.holds.as_deref() {
        Some("file-keys") => Some(reply.file_keys.unwrap_or_default()),
        _ => None,
    };
    match (reply.recipient, reply.identity_path) {
        (Some(recipient), Some(p)) if Path::new(&p) == ours && same_file => Ok(Some(AgentInfo {
            recipient,
            signing,
            signing_path: reply.signing_path.map(PathBuf::from),
            file_keys,
        })),
        // An agent for another identity: never use it.
        _ => Ok(None),
    }
}

/// The identity served by a running agent for `identity_path`, if one runs, at client
/// time `now`. A hardware identity's agent serves the identity read from its file,
/// decrypting with the file keys the agent keeps and keeping those its token opens
/// (DESIGN §18), and signs through the agent when it holds the signing key.
pub fn client_for(identity_path: &Path, now: Option<i64>) -> Result<Option<Unlocked>> {
    let Some(info) = hello(identity_path, now)? else {
        return Ok(None);
    };
    if info.file_keys.is_some() {
        let socket = socket_path(identity_path);
        let base = crate::identity::load_identity(&crate::identity::IdentitySpec::File(
            identity_path.to_owned(),
        ))?;
        if base.plugin.is_none() || base.recipient != info.recipient {
            return Ok(None);
        }
        let now = now.unwrap_or_else(crate::names::now_ms);
        let cached = super::filekeys::through_agent(base, socket.clone(), now);
        // The agent's signing key, when it is the one this command would unlock.
        let wanted = crate::identity::plugin_signing_key_path(Some(identity_path))
            .map(|p| fs::canonicalize(&p).unwrap_or(p));
        return Ok(Some(match (info.signing, info.signing_path) {
            (Some((key, proof)), Some(held)) if Some(&held) == wanted.as_ref() => {
                cached.signing_with(Box::new(AgentSigner { socket, key, proof }))
            }
            _ => cached,
        }));
    }
    let id = AgentIdentity {
        socket: socket_path(identity_path),
    };
    let signer: std::result::Result<Box<dyn Sign>, String> = match info.signing {
        Some((key, proof)) => Ok(Box::new(AgentSigner {
            socket: socket_path(identity_path),
            key,
            proof,
        })),
        None => Err("the running agent was started by an older keyward and cannot sign: `keyward lock`, then `keyward unlock`".into()),
    };
    Ok(Some(Unlocked::new(
        Box::new(id),
        info.recipient,
        Via::Agent,
        signer,
    )))
}

/// Signs through the agent, which holds the signing key (DESIGN §15).
pub(super) struct AgentSigner {
    socket: PathBuf,
    key: [u8; 32],
    proof: Option<[u8; 64]>,
}

impl Sign for AgentSigner {
    fn public(&self) -> Result<[u8; 32]> {
        Ok(self.key)
    }
    fn proof(&self) -> Result<Option<[u8; 64]>> {
        Ok(self.proof)
    }
    fn sign(&self, msg: &[u8]) -> Result<[u8; 64]> {
        use base64::Engine;
        let failed = |why: String| Error::Agent { why };
        let mut stream =
            dial(&self.socket).map_err(|e| failed(format!("cannot be reached to sign ({e})")))?;
        let req = Request::Sign {
            message: base64::engine::general_purpose::STANDARD.encode(msg),
        };
        let reply = stream
            .call(&req)
            .map_err(|e| failed(format!("did not sign ({e})")))?;
        let sig: [u8; 64] = reply
            .signature
            .as_deref()
            .and_then(|s| hex::decode(s).ok()?.try_into().ok())
            .ok_or_else(|| failed("did not sign".into()))?;
        // Never take the agent's word: the signature must check under its key.
        if !crate::signing::verify(&self.key, msg, &sig) {
            return Err(failed("returned a signature that does not check".into()));
        }
        Ok(sig)
    }
}

/// Ask a running agent to stay at least `secs` without use; it never shortens its idle
/// duration. Returns the duration it now has, `None` when no agent answered.
pub fn extend(identity_path: &Path, secs: u64) -> Result<Option<u64>> {
    let Some((_, mut stream)) = connect(identity_path)? else {
        return Ok(None);
    };
    Ok(stream
        .call(&Request::Extend { secs })
        .ok()
        .filter(|r| r.ok)
        .map(|r| r.idle_secs.unwrap_or(secs)))
}

/// Stop the agent for `identity_path`; `Ok(false)` when none ran, an error when one
/// runs and could not be stopped, or when what is at its socket path cannot be trusted
/// (a runtime directory others can change, a directory there).
pub fn stop(identity_path: &Path) -> Result<bool> {
    let sock = socket_path(identity_path);
    // An untrusted socket is never connected to, but `lock` clears it when it sits in
    // our own private directory: the hint for an untrusted socket points here, so this
    // must not fail the same way.
    if let Ok(meta) = fs::symlink_metadata(&sock)
        && let Err(refused) = check_socket(&sock)
    {
        let uid = sys::getuid();
        let dir = sock.parent().and_then(|d| fs::symlink_metadata(d).ok());
        let ours = dir
            .as_ref()
            .is_some_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
        // Another user's directory holds no agent of ours (see `connect`).
        if dir.is_some_and(|m| m.uid() != uid) {
            return Ok(false);
        }
        // A runtime directory others can change: said as it is, never worked around.
        super::protocol::check_runtime_dir()?;
        // Not a socket: said what it is, never removed (a directory may hold anything).
        if !meta.file_type().is_socket() {
            return Err(not_a_socket(&sock, &meta));
        }
        if !ours {
            return Err(refused);
        }
        fs::remove_file(&sock).map_err(|e| Error::io("cannot remove", &sock, e))?;
        return Ok(true);
    }
    let Some((sock, stream)) = connect(identity_path)? else {
        return Ok(false);
    };
    stop_at(&sock, stream)
}

/// `lock --all`: stop the agent behind every trusted socket of this user (an identity
/// file moved or renamed since `unlock` no longer names its agent's socket). Returns how
/// many were stopped.
pub fn stop_all() -> Result<usize> {
    let mut stopped = 0;
    for sock in super::protocol::agent_sockets() {
        match dial(&sock) {
            Ok(stream) => {
                stop_at(&sock, stream)?;
                stopped += 1;
            }
            Err(Refused::Untrusted(e)) => return Err(e),
            // Nobody listens: a killed agent's socket (unless one is starting there).
            Err(Refused::Unreachable(_)) if !super::protocol::socket_locked(&sock) => {
                let _ = fs::remove_file(&sock);
            }
            Err(Refused::Unreachable(_)) => {}
        }
    }
    Ok(stopped)
}

/// Stop the agent listening on `sock` (connected as `stream`), and make sure it ended:
/// asked first; if it has not gone (busy with another client, hung), SIGTERM, which it
/// checks between requests. An agent still running after both is an error: `lock` never
/// reports stopped an agent that still holds keys.
fn stop_at(sock: &Path, mut stream: AgentStream) -> Result<bool> {
    let pid = stream.peer_pid();
    stream.set_timeouts(Duration::from_secs(5));
    let _ = stream.call(&Request::Stop);
    drop(stream);
    if wait_gone(sock, pid) {
        return Ok(true);
    }
    let Some(pid) = pid else {
        return Err(Error::Agent {
            why: format!(
                "on `{}` did not stop when asked and may still run\nhint: find the `keyward __agent` process serving that socket and end it",
                sock.display()
            ),
        });
    };
    if !sys::is_agent_for(pid, sock) {
        // Never signal a process that only listens there (or reused the pid).
        return Err(Error::Agent {
            why: format!(
                "socket `{}` is held by pid {pid}, which is not a keyward agent for it and did not stop; nothing was sent to it\nhint: check what that process is before ending it",
                sock.display()
            ),
        });
    }
    sys::terminate(pid);
    if wait_gone(sock, Some(pid)) {
        return Ok(true);
    }
    Err(Error::Agent {
        why: format!(
            "on `{}` (pid {pid}) did not stop when asked, nor on SIGTERM; it still runs\nhint: end it with `kill -9 {pid}`",
            sock.display()
        ),
    })
}

/// Wait a while for an ending agent to end: its process, when its pid is known (its
/// socket path may already be another agent's, started meanwhile), else its socket.
/// Whether it did.
fn wait_gone(sock: &Path, pid: Option<u32>) -> bool {
    let gone = || match pid {
        Some(p) => !sys::process_running(p),
        None => !sock.exists(),
    };
    let start = Instant::now();
    while !gone() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    gone()
}

/// Decrypts through the agent: forwards stanzas, receives file keys.
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
        let mut stream = match dial(&self.socket) {
            Ok(s) => s,
            Err(e) => return Some(Err(age::DecryptError::Io(e.into()))),
        };
        let req = Request::Unwrap {
            stanzas: stanzas.iter().map(WireStanza::from).collect(),
        };
        let reply = match stream.call(&req) {
            Ok(r) => r,
            Err(e) => return Some(Err(age::DecryptError::Io(e))),
        };
        let encoded = Zeroizing::new(reply.file_key?);
        let raw = Zeroizing::new(decode_key(&encoded)?);
        let key: [u8; 16] = raw.as_slice().try_into().ok()?;
        Some(Ok(FileKey::new(Box::new(key))))
    }
}

/// A started agent, as it reported itself.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    /// Whether the identity's pages are locked in RAM. `false` where the system refused
    /// (RLIMIT_MEMLOCK too low, no CAP_IPC_LOCK): the agent still runs, not dumpable,
    /// but its identity could be written to swap.
    pub memory_locked: bool,
}

/// What the agent is started with, as it reads it from stdin (`held`).
fn payload(load: &ForAgent) -> Result<Zeroizing<Vec<u8>>> {
    // Sized once: no reallocation leaves a copy of a secret behind.
    let mut p = Zeroizing::new(Vec::with_capacity(20 * 1024));
    p.extend_from_slice(super::held::PAYLOAD_MAGIC.as_bytes());
    p.push(b'\n');
    match &load.load {
        AgentLoad::X25519(_) => p.extend_from_slice(b"kind:x25519\n"),
        AgentLoad::Ssh(_) => p.extend_from_slice(b"kind:ssh\n"),
        AgentLoad::Plugin { recipient, .. } => {
            p.extend_from_slice(b"kind:plugin\nrecipient:");
            p.extend_from_slice(recipient.as_bytes());
            p.push(b'\n');
        }
    }
    if let Some((path, _)) = &load.signing {
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let text = path.to_string_lossy();
        if text.contains('\n') {
            return Err(Error::Agent {
                why: "cannot hold a signing key whose path has a line break".into(),
            });
        }
        p.extend_from_slice(b"signing-path:");
        p.extend_from_slice(text.as_bytes());
        p.push(b'\n');
    }
    p.push(b'\n');
    match &load.load {
        AgentLoad::X25519(id) => {
            p.extend_from_slice(id.to_string().expose_secret().as_bytes());
            p.push(b'\n');
        }
        AgentLoad::Ssh(pem) => p.extend_from_slice(pem.as_bytes()),
        // DESIGN §18: nothing of a hardware identity; its key never leaves the token.
        AgentLoad::Plugin { .. } => {}
    }
    if let Some((_, key)) = &load.signing {
        p.push(0);
        p.extend_from_slice(key.to_string().expose_secret().as_bytes());
        p.push(b'\n');
    }
    Ok(p)
}

/// Start a detached agent for `identity_path` holding `load`, idle timeout `idle`, at
/// client time `now`. What it holds goes to the child over a pipe, never argv,
/// environment or a file.
pub fn spawn(identity_path: &Path, load: &ForAgent, idle: Duration, now: i64) -> Result<Started> {
    let sock = socket_path(identity_path);
    let dir = sock.parent().expect("socket has a directory").to_owned();
    super::protocol::ready_socket_dir(&dir)?;
    let exe = std::env::current_exe().map_err(|e| Error::Failed {
        what: "find keyward's own program",
        detail: e.to_string(),
    })?;
    let payload = payload(load)?;
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
    // Detached from the terminal's session: a Ctrl-C there must not end the agent.
    sys::new_session_on_exec(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| Error::Agent {
        why: format!("cannot start ({e})"),
    })?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(&payload).map_err(|e| Error::Agent {
            why: format!("cannot take the identity ({e})"),
        })?;
    }
    drop(payload);
    // Wait until it answers. Probe without `connect`'s stale-socket cleanup: a socket
    // that refuses now may belong to the agent that is still starting.
    let start = Instant::now();
    loop {
        // Through `dial`, like every connection: a socket that is not ours is refused.
        let dialed = match dial(&sock) {
            Err(Refused::Untrusted(e)) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
            Err(Refused::Unreachable(_)) => None,
            Ok(stream) => Some(stream),
        };
        if let Some(mut stream) = dialed {
            let theirs = stream.peer_pid().is_some_and(|p| p != child.id());
            if let Ok(reply) = stream.call(&Request::Hello { now: Some(now) })
                && reply.ok
            {
                // Another `unlock` won the race (ours gave way): that agent serves, and
                // stays at least as long as this one was asked to.
                if theirs {
                    extend(identity_path, idle.as_secs())?;
                    // Ours gives way within half a second (`protocol::lock_socket`): wait
                    // for that, so that a `lock` after this `unlock` can never stop the
                    // winner while ours still waits to take its place and then serves.
                    // Still there after that, it took the place of a winner that ended:
                    // it is the agent now, and was asked for.
                    let given_way = Instant::now();
                    while given_way.elapsed() < Duration::from_secs(2)
                        && matches!(child.try_wait(), Ok(None))
                    {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                return Ok(Started {
                    memory_locked: reply.memory_locked.unwrap_or(false),
                });
            }
        }
        // Exit 0 at start: it gave way to an agent that holds the socket already, which
        // is the one to answer.
        if let Ok(Some(status)) = child.try_wait()
            && !status.success()
        {
            return Err(Error::Agent {
                why: format!("exited at start ({status})"),
            });
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Agent {
                why: "did not answer within 30 s".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
