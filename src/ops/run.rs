//! Running a command with keys in its environment (`keyward run`): the child's
//! environment (keys in, keyward's own credentials out), redaction of its output, and
//! the signals that must reach it. Values come only from `release`, after the access
//! was journaled.

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::ops::Context;
use crate::ops::release::{Pick, Release, release};
use crate::redact::{MIN_LEN, Redactor};

/// What `run` is asked to do.
#[derive(Debug)]
pub struct RunRequest<'a> {
    pub command: &'a [OsString],
    /// Only these keys (each must be usable), or every active key.
    pub only: Option<&'a [KeyName]>,
    /// The child gets only the keys plus PATH, HOME, USER, LANG and TERM.
    pub pristine: bool,
    /// `Some(true)`: filter output even on a terminal; `Some(false)`: never.
    pub redact: Option<bool>,
    pub pass_keyward_env: bool,
    pub allow_loader: &'a [KeyName],
}

/// The child's pid, for the signal handlers (0: none yet).
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid <= 0 {
        return;
    }
    // A Ctrl-C on the terminal already reached the child (same process group); forward
    // only what was sent to keyward alone (kill, a CI runner's SIGTERM).
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let code = unsafe { (*info).si_code };
    if code == libc::SI_USER || code == libc::SI_QUEUE || code == libc::SI_TKILL {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// The signals `run` forwards to its child.
const FORWARDED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn forwarded_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset reads it; both only
    // write the local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in FORWARDED {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

/// Block the forwarded signals on this (the only) thread until the child's pid is
/// recorded: a SIGTERM that arrives in between stays pending and reaches the child
/// when `unblock` runs, instead of hitting a handler with no child to forward to.
/// Returns the mask to restore.
fn block_forwarded() -> libc::sigset_t {
    let set = forwarded_set();
    // SAFETY: both sets are valid; pthread_sigmask only changes this thread's mask.
    unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}

fn restore_mask(old: &libc::sigset_t) {
    // SAFETY: `old` came from pthread_sigmask.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut());
    }
}

fn install_forwarding() {
    for sig in FORWARDED {
        // SAFETY: a zeroed sigaction with our handler and SA_SIGINFO is valid.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = forward as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// In the forked child, before exec: take the default action for the forwarded
/// signals again (our handler would find no child there and swallow them), ask for
/// SIGTERM when keyward dies, and only then unblock what keyward blocked across the
/// spawn, so a pending signal acts on the child.
fn prepare_child(parent: libc::pid_t, old_mask: libc::sigset_t) -> io::Result<()> {
    // SAFETY: signal, prctl, getppid, kill, getpid and sigprocmask are
    // async-signal-safe, as a pre_exec hook requires; they affect only this process.
    unsafe {
        for sig in FORWARDED {
            libc::signal(sig, libc::SIG_DFL);
        }
        #[cfg(target_os = "linux")]
        {
            // Linux: if keyward itself is killed (SIGKILL), the child gets SIGTERM.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            // keyward may have died before the prctl took effect: then no signal comes
            // (we were re-parented already), so send it ourselves.
            if libc::getppid() != parent {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = parent;
        libc::sigprocmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut());
    }
    Ok(())
}

/// Inherited variables whose name starts with `KEYWARD_` that the child keeps: where
/// the vault is and which environment, never a credential.
const KEYWARD_KEPT: [&str; 4] = [
    "KEYWARD_VAULT",
    "KEYWARD_ENV",
    "KEYWARD_REDACT",
    "KEYWARD_LOCK_TIMEOUT",
];

/// Whether to filter a stream: the flags, then KEYWARD_REDACT, then "not a terminal".
fn redact_stream(req: &RunRequest<'_>, is_terminal: bool) -> Result<bool> {
    if let Some(forced) = req.redact {
        return Ok(forced);
    }
    match std::env::var("KEYWARD_REDACT").ok().as_deref() {
        Some("1") | Some("true") => Ok(true),
        Some("0") | Some("false") => Ok(false),
        Some("") | None => Ok(!is_terminal),
        Some(_) => Err(Error::usage("KEYWARD_REDACT must be 1 or 0")),
    }
}

/// Start `req.command` with the released keys in its environment and pass its exit
/// status through (`Error::ChildExit`, 128+N after signal N).
pub fn run(ctx: &Context, req: RunRequest<'_>) -> Result<()> {
    let redact_out = redact_stream(&req, io::stdout().is_terminal())?;
    let redact_err = redact_stream(&req, io::stderr().is_terminal())?;
    // Every key named by --only must be usable, and loader variables allowed, before
    // anything is journaled or started; then the access is journaled (DESIGN §5).
    let released = release(
        ctx,
        Release {
            access: Action::Run,
            pick: Pick::Keys(req.only),
            allow_loader: req.allow_loader,
            utf8_only: false,
        },
    )?;
    let keys: Vec<(&KeyName, &[u8])> = released
        .keys
        .iter()
        .map(|k| (&k.name, k.value.expose()))
        .collect();

    let (program, rest) = req
        .command
        .split_first()
        .ok_or_else(|| Error::usage("no command to run"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest).stdin(Stdio::inherit());
    if req.pristine {
        cmd.env_clear();
        for keep in ["PATH", "HOME", "USER", "LANG", "TERM"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
    } else if !req.pass_keyward_env {
        // keyward's own credentials would let the child open every key, including
        // those --only left out, unredacted.
        for (k, _) in std::env::vars_os() {
            let name = k.to_string_lossy();
            if name.starts_with("KEYWARD_") && !KEYWARD_KEPT.contains(&&*name) {
                cmd.env_remove(&k);
            }
        }
    }
    for (name, value) in &keys {
        cmd.env(name.as_str(), OsStr::from_bytes(value));
    }
    cmd.stdout(if redact_out {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });
    cmd.stderr(if redact_err {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });

    let mut pairs: Vec<(String, &[u8])> = keys.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    // Passed through on request: keep them out of the child's logs too.
    let inherited: Vec<(String, zeroize::Zeroizing<Vec<u8>>)> = if req.pass_keyward_env
        && !req.pristine
    {
        ["KEYWARD_IDENTITY", "KEYWARD_PASSPHRASE"]
            .iter()
            .filter_map(|k| {
                std::env::var_os(k).map(|v| (k.to_string(), zeroize::Zeroizing::new(v.into_vec())))
            })
            .filter(|(k, v)| *k != "KEYWARD_IDENTITY" || contains_secret_key(v))
            .collect()
    } else {
        Vec::new()
    };
    pairs.extend(inherited.iter().map(|(k, v)| (k.clone(), v.as_slice())));
    if redact_out || redact_err {
        let short = Redactor::too_short(&pairs);
        if !short.is_empty() {
            let names: Vec<String> = short.iter().map(|n| format!("`{n}`")).collect();
            ctx.out.warn(&format!(
                "not redacting {}: values shorter than {MIN_LEN} bytes would match by chance (as `scan` skips them)",
                names.join(", ")
            ));
        }
    }

    let child = {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id() as libc::pid_t;
        let old_mask = block_forwarded();
        // SAFETY: prepare_child makes only async-signal-safe calls.
        unsafe {
            cmd.pre_exec(move || prepare_child(parent, old_mask));
        }
        install_forwarding();
        let spawned = cmd.spawn();
        if let Ok(child) = &spawned {
            CHILD.store(child.id() as i32, Ordering::SeqCst);
        }
        // A signal that arrived meanwhile is delivered now, to the child if there is one.
        restore_mask(&old_mask);
        spawned
    }
    .map_err(|e| Error::Other(format!("cannot start `{}`: {e}", program.to_string_lossy())))?;
    // The command holds copies of the values in its env; drop it now.
    drop(cmd);
    supervise(child, &pairs)
}

/// Pump the child's redacted output and wait for it; its exit code becomes ours.
fn supervise(mut child: std::process::Child, pairs: &[(String, &[u8])]) -> Result<()> {
    let mut pumps = Vec::new();
    // Built once (after the child started, so it runs meanwhile), shared by both streams.
    let redactor = (child.stdout.is_some() || child.stderr.is_some()).then(|| Redactor::new(pairs));
    if let Some(out) = child.stdout.take() {
        let r = redactor.clone().expect("built when a stream is piped");
        pumps.push(std::thread::spawn(move || {
            r.pump(
                out,
                io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            )
        }));
    }
    if let Some(err) = child.stderr.take() {
        let r = redactor.clone().expect("built when a stream is piped");
        pumps.push(std::thread::spawn(move || {
            r.pump(
                err,
                io::BufWriter::with_capacity(1 << 16, io::stderr().lock()),
            )
        }));
    }
    let status = child
        .wait()
        .map_err(|e| Error::Other(format!("cannot wait for the command: {e}")))?;
    CHILD.store(0, Ordering::SeqCst);
    for p in pumps {
        // A closed stdout on our side is not the child's failure: keep its code.
        let _ = p.join();
    }
    let code = match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        _ => 1,
    };
    if code == 0 {
        Ok(())
    } else {
        Err(Error::ChildExit(code.clamp(1, 255) as u8))
    }
}

/// Whether a KEYWARD_IDENTITY value holds a key itself (not a path), in any case.
fn contains_secret_key(v: &[u8]) -> bool {
    let upper = zeroize::Zeroizing::new(v.to_ascii_uppercase());
    upper.windows(15).any(|w| w == b"AGE-SECRET-KEY-")
}
