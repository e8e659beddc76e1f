//! `keyward run`: start a command with the environment's keys in its environment.

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use clap::Args;

use super::Context;
use crate::audit::Access;
use crate::error::{Error, Result};
use crate::names::{KeyName, now_ms};
use crate::redact::Redactor;

/// Run a command with the environment's active keys as environment variables
///
/// Each active key becomes a variable of the same name (overriding an inherited one).
/// Revoked and expired keys are skipped, unless --only names one: then nothing starts
/// (exit 4). The child's exit code is passed through (128+N after signal N); SIGINT,
/// SIGTERM and SIGHUP sent to keyward reach the child.
///
/// When keyward's stdout or stderr is not a terminal (a CI log, a file, a pipe), that
/// stream of the child is filtered so every injected value reads `[redacted:NAME]`.
/// --redact forces the filter, --no-redact turns it off; KEYWARD_REDACT=1/0 sets the
/// default. On a terminal the child gets the terminal itself.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward run -- ./server\n  keyward run -e prod --only STRIPE_KEY,DB_URL -- ./deploy.sh\n  keyward run --pristine -- env\n  keyward run -e test --redact -- make integration-test 2>&1 | tee build.log"
)]
pub struct RunArgs {
    /// Only these keys (comma-separated); each must be usable
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub only: Option<Vec<KeyName>>,

    /// Give the child only the keys plus PATH, HOME, USER, LANG and TERM
    #[arg(long)]
    pub pristine: bool,

    /// Filter injected values out of the child's output, even on a terminal
    #[arg(long, conflicts_with = "no_redact")]
    pub redact: bool,

    /// Never filter the child's output
    #[arg(long)]
    pub no_redact: bool,

    /// The command and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
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

fn install_forwarding() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
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

/// Whether to filter a stream: the flags, then KEYWARD_REDACT, then "not a terminal".
fn redact_stream(args: &RunArgs, is_terminal: bool) -> Result<bool> {
    if args.redact {
        return Ok(true);
    }
    if args.no_redact {
        return Ok(false);
    }
    match std::env::var("KEYWARD_REDACT").ok().as_deref() {
        Some("1") | Some("true") => Ok(true),
        Some("0") | Some("false") => Ok(false),
        Some("") | None => Ok(!is_terminal),
        Some(_) => Err(Error::usage("KEYWARD_REDACT must be 1 or 0")),
    }
}

pub fn run(args: RunArgs, ctx: &Context) -> Result<()> {
    let redact_out = redact_stream(&args, io::stdout().is_terminal())?;
    let redact_err = redact_stream(&args, io::stderr().is_terminal())?;
    let db = ctx.open_env()?;
    let now = now_ms();
    // Every key named by --only must be usable before anything starts.
    let keys = super::handed_out(&db, args.only.as_deref(), now)?;
    // DESIGN §5: every key handed out is journaled before the child can see it.
    if !keys.is_empty() {
        let events = keys.iter().map(|(n, v, _)| (n, Some(*v))).collect();
        ctx.audit_all(&db, Access::Run, events, "ok")?;
    }
    drop(db);

    let (program, rest) = args.command.split_first().expect("clap requires CMD");
    let mut cmd = Command::new(program);
    cmd.args(rest).stdin(Stdio::inherit());
    if args.pristine {
        cmd.env_clear();
        for keep in ["PATH", "HOME", "USER", "LANG", "TERM"] {
            if let Some(v) = std::env::var_os(keep) {
                cmd.env(keep, v);
            }
        }
    }
    for (name, _, value) in &keys {
        cmd.env(name.as_str(), OsStr::from_bytes(value.expose()));
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

    // Linux: if keyward itself is killed (SIGKILL), the child gets SIGTERM: no orphan.
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and only affects the child.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    install_forwarding();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Other(format!("cannot start `{}`: {e}", program.to_string_lossy())))?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    // The command holds copies of the values in its env; drop it now.
    drop(cmd);

    let mut pairs: Vec<(String, &[u8])> = keys
        .iter()
        .map(|(n, _, v)| (n.to_string(), v.expose()))
        .collect();
    // The child inherits these unless --pristine: keep them out of its logs too.
    let inherited: Vec<(String, Vec<u8>)> = ["KEYWARD_IDENTITY", "KEYWARD_PASSPHRASE"]
        .iter()
        .filter_map(|k| {
            std::env::var(k)
                .ok()
                .map(|v| (k.to_string(), v.into_bytes()))
        })
        .filter(|(k, v)| *k != "KEYWARD_IDENTITY" || v.starts_with(b"AGE-SECRET-KEY-"))
        .filter(|(_, v)| v.len() >= 8)
        .collect();
    pairs.extend(inherited.iter().map(|(k, v)| (k.clone(), v.as_slice())));
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        let r = Redactor::new(&pairs);
        pumps.push(std::thread::spawn(move || {
            r.pump(
                out,
                io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            )
        }));
    }
    if let Some(err) = child.stderr.take() {
        let r = Redactor::new(&pairs);
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
    drop(keys);
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
