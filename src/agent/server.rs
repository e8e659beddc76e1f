//! The agent process (`keyward __agent`): reads what it holds from stdin (`held`), keeps
//! it in locked memory where permitted, and answers peers of its own uid until idle,
//! `keyward lock`, a termination signal, or the machine's suspend (DESIGN §18: the kernel
//! says it slept). The identity never leaves this process: only file keys go out, and
//! only to our own uid. Everything it holds is zeroized when it ends.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

use super::held::Held;
use super::protocol::{Reply, Request};
use crate::error::{Error, Result};
use crate::sys;

/// More suspended time than this since the last look: the machine slept.
const SLEPT_MS: i64 = 2_000;

/// The longest one connection may take to send its request line, in total. The agent
/// answers one connection at a time: a peer that sends a byte now and then must not
/// hold it, or `lock`, SIGTERM and the idle time would wait on that peer for as long as
/// it liked (a deadline per `read` bounds nothing).
const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// Reads `stream` until `until`, however the peer trickles its bytes; then `TimedOut`.
struct Deadline<'a> {
    stream: &'a UnixStream,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

/// The request line a peer sends within [`REQUEST_DEADLINE`]; `None` when it took longer
/// or the read failed (the connection is dropped unanswered).
fn read_request(stream: &UnixStream) -> Option<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    let reader = Deadline {
        stream,
        until: Instant::now() + REQUEST_DEADLINE,
    };
    BufReader::new(reader)
        .take(1 << 20)
        .read_line(&mut line)
        .ok()?;
    Some(line)
}

/// Whether the machine slept between two readings of [`sys::suspended_ms`].
fn slept(before: Option<i64>, now: Option<i64>) -> bool {
    matches!((before, now), (Some(b), Some(n)) if n - b > SLEPT_MS)
}

/// When the agent ends without use: its own timer, and the clock its clients report
/// (DESIGN §18: a test moves that clock instead of waiting). Either only shortens.
struct Idle {
    idle: Duration,
    last_use: Instant,
    last_client: Option<i64>,
}

impl Idle {
    /// A request at client time `now` (if it says): `false` when the agent had been idle
    /// longer than its duration by that clock.
    fn used_at(&mut self, now: Option<i64>) -> bool {
        if let (Some(now), Some(last)) = (now, self.last_client)
            && now.saturating_sub(last) >= self.idle.as_millis() as i64
        {
            return false;
        }
        self.last_use = Instant::now();
        if let Some(now) = now {
            self.last_client = Some(self.last_client.map_or(now, |l| l.max(now)));
        }
        true
    }
}

/// The agent's main loop (`keyward __agent`). Reads what it holds from stdin.
pub fn serve(
    socket: &Path,
    identity_path: &str,
    identity_digest: &str,
    idle_secs: u64,
) -> Result<()> {
    let mut held = Held::from_stdin()?;
    let stop = Arc::new(AtomicBool::new(false));
    sys::stop_on_termination(&stop).map_err(|e| Error::Agent {
        why: format!("cannot watch for termination signals ({e})"),
    })?;

    let dir = socket.parent().expect("socket has a directory");
    super::protocol::ready_socket_dir(dir)?;
    // One agent per socket, for its whole life (an exclusive lock beside the socket):
    // a second `unlock` racing the first leaves at once, and its spawner talks to the
    // agent that holds the lock. Removing a live agent's socket would orphan that agent
    // (running, holding keys, out of `lock`'s reach).
    let Some(_serving) = super::protocol::lock_socket(socket)? else {
        return Ok(());
    };
    // Holding the lock, a socket still here was left by a killed agent, unless one that
    // predates the lock still accepts on it: never removed then.
    if UnixStream::connect(socket).is_ok() {
        return Ok(());
    }
    let _ = fs::remove_file(socket);
    // The socket is created 0600 (no window where another user could connect).
    let listener = sys::with_umask(0o177, || UnixListener::bind(socket))
        .map_err(|e| Error::io("cannot listen on", socket, e))?;
    fs::set_permissions(socket, fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io("cannot set permissions on", socket, e))?;

    let mut idle = Idle {
        idle: Duration::from_secs(idle_secs.max(1)),
        last_use: Instant::now(),
        last_client: None,
    };
    let mut suspended = sys::suspended_ms();
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        // DESIGN §18: lock on suspend — checked before anything is answered.
        let now_suspended = sys::suspended_ms();
        if slept(suspended, now_suspended) {
            break;
        }
        suspended = now_suspended;
        let left = idle.idle.saturating_sub(idle.last_use.elapsed());
        if left.is_zero() {
            break;
        }
        let wait = left
            .min(Duration::from_secs(10))
            .max(Duration::from_millis(1));
        if !sys::wait_readable(&listener, wait) {
            continue; // timeout or EINTR: re-check the stop flag, sleep and idle time
        }
        let Ok((mut stream, _)) = listener.accept() else {
            continue;
        };
        if sys::peer_uid(&stream) != Some(sys::getuid()) {
            continue; // another user: no answer at all
        }
        let _ = stream.set_write_timeout(Some(REQUEST_DEADLINE));
        let Some(req_line) = read_request(&stream) else {
            continue;
        };
        if slept(suspended, sys::suspended_ms()) {
            break;
        }
        let request = serde_json::from_str::<Request>(&req_line);
        let client_now = match &request {
            Ok(Request::Hello { now }) => *now,
            Ok(Request::Recall { now, .. } | Request::Keep { now, .. }) => Some(*now),
            _ => None,
        };
        if !idle.used_at(client_now) {
            // Idle past its time by the client's clock: ends now, as its own timer would.
            let _ = write_reply(&mut stream, Reply::failed("locked: idle past its time"));
            break;
        }
        let reply = match request {
            Ok(Request::Hello { now }) => Reply {
                ok: true,
                recipient: Some(held.recipient.clone()),
                identity_path: Some(identity_path.to_owned()),
                identity_digest: Some(identity_digest.to_owned()),
                idle_secs: Some(idle.idle.as_secs()),
                memory_locked: Some(held.memory_locked),
                signing_key: held.signing_key.clone(),
                signing_proof: held.signing_proof.clone(),
                signing_path: held.signing_path.clone(),
                holds: Some(held.holds().to_owned()),
                file_keys: held.counts(now),
                ..Reply::default()
            },
            Ok(Request::Sign { message }) => held.sign(&message),
            Ok(Request::Unwrap { stanzas }) => held.unwrap(&stanzas),
            Ok(Request::Recall { header, now }) => held.recall(&header, now),
            Ok(Request::Keep {
                header,
                mut file_key,
                label,
                until,
                now,
            }) => {
                let r = held.keep(&header, &file_key, &label, until, now);
                file_key.zeroize();
                r
            }
            Ok(Request::Forget { label }) => held.forget(&label),
            Ok(Request::Extend { secs }) => {
                // Never shortened: a habitual `unlock` (15m) after `unlock --for 8h`
                // keeps the 8h; a longer duration extends. `lock` is how to end it.
                idle.idle = idle.idle.max(Duration::from_secs(secs.max(1)));
                Reply {
                    ok: true,
                    idle_secs: Some(idle.idle.as_secs()),
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
        let _ = write_reply(&mut stream, reply);
    }
    let _ = fs::remove_file(socket);
    drop(held); // identity and kept keys zeroized on drop
    Ok(())
}

/// Send one reply line; a file key in it is zeroized with the line.
fn write_reply(stream: &mut impl Write, mut reply: Reply) -> std::io::Result<()> {
    // Sized up front: no reallocation leaves a copy of a key behind.
    let mut out = Zeroizing::new(Vec::with_capacity(4096));
    let written = serde_json::to_writer(&mut *out, &reply).map_err(std::io::Error::other);
    if let Some(k) = reply.file_key.as_mut() {
        k.zeroize();
    }
    written?;
    out.push(b'\n');
    stream.write_all(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_growth_of_suspended_time_is_a_sleep() {
        assert!(!slept(Some(100), Some(100)));
        assert!(!slept(Some(100), Some(100 + SLEPT_MS)));
        assert!(slept(Some(100), Some(101 + SLEPT_MS)));
        assert!(!slept(None, Some(1_000_000)));
    }

    #[test]
    fn a_client_clock_past_the_idle_time_ends_the_agent_and_never_extends_it() {
        let mut idle = Idle {
            idle: Duration::from_secs(900),
            last_use: Instant::now(),
            last_client: None,
        };
        assert!(idle.used_at(None));
        assert!(idle.used_at(Some(1_000)));
        assert!(idle.used_at(Some(1_000 + 899_999)));
        // an earlier clock (another test's) neither ends nor rewinds it
        assert!(idle.used_at(Some(5)));
        assert_eq!(idle.last_client, Some(1_000 + 899_999));
        assert!(!idle.used_at(Some(1_000 + 899_999 + 900_000)));
    }
}
