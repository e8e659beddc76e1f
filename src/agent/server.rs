//! The agent process (`keyward __agent`): reads one identity from stdin, keeps it in
//! locked memory where permitted, and answers unwrap requests from peers of its own uid
//! until idle, `keyward lock` or a termination signal. The identity never leaves this
//! process: only file keys go out, and only to our own uid.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use age_core::format::Stanza;
use zeroize::Zeroizing;

use super::protocol::{Reply, Request, WireStanza, encode_key};
use crate::error::{Error, Result};
use crate::sys;

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
    let mut memory_locked = sys::lock_in_memory(line.as_slice()).is_ok();
    let n = sys::read_stdin_line_unbuffered(&mut line).map_err(|e| Error::Agent {
        why: format!("cannot read the identity ({e})"),
    })?;
    let identity: Box<age::x25519::Identity> = std::str::from_utf8(&line[..n])
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Box::new)
        .ok_or_else(|| Error::Agent {
            why: "got no identity on stdin".into(),
        })?;
    drop(line);
    memory_locked &= sys::lock_in_memory(identity.as_ref()).is_ok();
    let recipient = identity.to_public().to_string();
    // DESIGN §15: the signing key derived from the identity, held as the identity is.
    let signer = crate::identity::KeySigner::of_x25519(&identity).ok_or_else(|| Error::Agent {
        why: "the identity has no usable secret form".into(),
    })?;
    let (signing_key, signing_proof) = {
        use crate::identity::Sign;
        (
            signer.public().map(hex::encode).ok(),
            signer.proof().ok().flatten().map(hex::encode),
        )
    };
    let stop = Arc::new(AtomicBool::new(false));
    sys::stop_on_termination(&stop).map_err(|e| Error::Agent {
        why: format!("cannot watch for termination signals ({e})"),
    })?;

    let dir = socket.parent().expect("socket has a directory");
    crate::fsutil::create_private_dir(dir)?;
    let _ = fs::remove_file(socket);
    // The socket is created 0600 (no window where another user could connect).
    let listener = sys::with_umask(0o177, || UnixListener::bind(socket))
        .map_err(|e| Error::io("cannot listen on", socket, e))?;
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
        let wait = left
            .min(Duration::from_secs(60))
            .max(Duration::from_millis(1));
        if !sys::wait_readable(&listener, wait) {
            continue; // timeout or EINTR: re-check the stop flag and the idle time
        }
        let Ok((mut stream, _)) = listener.accept() else {
            continue;
        };
        if sys::peer_uid(&stream) != Some(sys::getuid()) {
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
                signing_key: signing_key.clone(),
                signing_proof: signing_proof.clone(),
                ..Reply::default()
            },
            Ok(Request::Sign { message }) => sign(&signer, &message),
            Ok(Request::Unwrap { stanzas }) => unwrap(&identity, &stanzas),
            Ok(Request::Extend { secs }) => {
                // Never shortened: a habitual `unlock` (15m) after `unlock --for 8h`
                // keeps the 8h; a longer duration extends. `lock` is how to end it.
                idle = idle.max(Duration::from_secs(secs.max(1)));
                Reply {
                    ok: true,
                    idle_secs: Some(idle.as_secs()),
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
            Err(_) => Reply::failed("bad request"),
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

fn sign(signer: &crate::identity::KeySigner, message: &str) -> Reply {
    use crate::identity::Sign;
    use base64::Engine;
    let Ok(msg) = base64::engine::general_purpose::STANDARD.decode(message) else {
        return Reply::failed("bad message");
    };
    match signer.sign(&msg) {
        Ok(sig) => Reply {
            ok: true,
            signature: Some(hex::encode(sig)),
            ..Reply::default()
        },
        Err(_) => Reply::failed("cannot sign"),
    }
}

fn unwrap(identity: &age::x25519::Identity, stanzas: &[WireStanza]) -> Reply {
    let parsed: Option<Vec<Stanza>> = stanzas.iter().map(WireStanza::to_stanza).collect();
    let Some(parsed) = parsed else {
        return Reply::failed("bad stanza");
    };
    match age::Identity::unwrap_stanzas(identity, &parsed) {
        Some(Ok(key)) => Reply {
            ok: true,
            file_key: Some(encode_key(key.expose_secret())),
            ..Reply::default()
        },
        _ => Reply::failed("no matching identity"),
    }
}
