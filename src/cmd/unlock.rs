//! `keyward unlock | lock`: the agent that unlocks a passphrase-protected identity (or an
//! SSH key with a passphrase) once, or keeps a hardware identity's file keys (DESIGN §18).

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::{Error, Result};
use crate::identity::{self, IdentitySpec};
use crate::names::Dur;

/// Unlock the identity once and keep it in a background agent
///
/// Asks the passphrase once and starts an agent that holds the decrypted identity (a
/// passphrase-protected age identity, or an SSH key with a passphrase) in memory
/// (locked where permitted, not dumpable) behind a 0600 Unix socket in
/// $XDG_RUNTIME_DIR/keyward/. Every command then uses it instead of asking again.
///
/// With a hardware identity (YubiKey, TPM: an age plugin) the key never leaves the
/// token: the agent keeps the file keys the token opens instead, each bound to one
/// version of one environment file, so the token is asked once per version (a pull
/// that changed the file asks once; your own writes hand their new key over) — unless
/// the environment's policy is `touch = every-command` (`keyward env touch`). It also
/// holds the identity's signing key, asking its passphrase here once.
///
/// The agent ends after --for without use, on `keyward lock`, on SIGTERM, or (a
/// hardware identity's too) when the machine sleeps. Running `unlock` again extends a
/// running agent: a longer --for lengthens its time, a shorter one (or the default)
/// never shortens it; `keyward lock` ends it.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward unlock\n  keyward unlock --for 1h\n  keyward -i ~/.config/keyward/yubikey.txt unlock --for 8h\n  KEYWARD_PASSPHRASE_FILE=~/.kw-pass keyward unlock --for 8h"
)]
pub struct UnlockArgs {
    /// How long the agent may stay unused before it ends
    #[arg(long = "for", value_name = "DUR", default_value = "15m")]
    pub duration: Dur,
}

/// Stop the agent (exit 0 even when none runs)
///
/// The agent is found by the identity file it unlocked: one moved or renamed since
/// `unlock` no longer names it (nor does an identity given as text), and `lock` then
/// says how many other agents run. --all stops every agent of yours. An agent that does
/// not end when asked (busy with another client) gets SIGTERM; one still running after
/// that is an error (exit 1), never reported stopped.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  keyward lock\n  keyward lock --all")]
pub struct LockArgs {
    /// Stop every agent of yours, whatever identity file each unlocked
    #[arg(long)]
    pub all: bool,
}

/// The agent process itself, `keyward __agent` (started by `keyward unlock`). Not a
/// subcommand of the command line users see: no help, no completion, no man page.
#[derive(Debug, clap::Parser)]
#[command(name = "keyward __agent")]
pub struct AgentArgs {
    #[arg(long)]
    pub socket: PathBuf,
    #[arg(long)]
    pub identity_path: String,
    #[arg(long)]
    pub identity_digest: String,
    #[arg(long)]
    pub idle_secs: u64,
}

/// The identity file an agent can serve: the default identity, or a file given with
/// --identity (a literal key needs no unlock).
fn identity_path(ctx: &Ui) -> Result<PathBuf> {
    match &ctx.identity_spec {
        IdentitySpec::Default(p) | IdentitySpec::File(p) => Ok(p.clone()),
        IdentitySpec::Literal(_) => Err(Error::LiteralNeedsNoUnlock),
    }
}

pub fn run_unlock(args: UnlockArgs, ctx: &Ui) -> Result<()> {
    let path = match identity_path(ctx) {
        Ok(p) => p,
        // DESIGN §18: an agent is found by its identity file; a hardware identity given
        // as text has none.
        Err(e) => {
            return match identity::plugin_of(&ctx.identity_spec)? {
                Some(plugin) => Err(Error::usage(format!(
                    "the agent serves a hardware identity (`{plugin}`) given as a file: save the identity text to a 0600 file and set KEYWARD_IDENTITY (or --identity) to its path"
                ))),
                None => Err(e),
            };
        }
    };
    // A runtime directory others could change is refused before the passphrase or the
    // token is asked for nothing.
    crate::agent::protocol::check_runtime_dir()?;
    if extended(&path, &args, ctx)? {
        return Ok(());
    }
    if !path.exists() {
        return Err(Error::NoIdentity {
            detail: format!("no identity at `{}`", path.display()),
        });
    }
    let load = identity::for_agent(&path)?;
    // Another `unlock` may have started the agent while this one asked its passphrase:
    // that agent is the one to extend, not to stop.
    if extended(&path, &args, ctx)? {
        return Ok(());
    }
    // An agent still holding an older version of this identity file gives way.
    crate::agent::stop(&path)?;
    let started = crate::agent::spawn(
        &path,
        &load,
        std::time::Duration::from_secs(args.duration.secs as u64),
        ctx.now(),
    )?;
    if !started.memory_locked {
        ctx.out.warn(
            "the agent could not lock the identity's memory (RLIMIT_MEMLOCK too low?): it is not dumpable, but the key could be written to swap",
        );
    }
    match &load.load {
        identity::AgentLoad::Plugin { plugin, .. } => {
            // DESIGN §18: the key stays in the token; the agent keeps file keys.
            ctx.out.note(&format!(
                "unlocked `{}`: the agent keeps the file keys `{plugin}` opens, never the key in the token, so each version of an environment asks the token once; it ends after {} without use, on `keyward lock`, or when the machine sleeps",
                path.display(),
                args.duration
            ));
            match &load.signing {
                Some((p, _)) => ctx.out.note(&format!(
                    "it holds your signing key `{}` too: writes do not ask its passphrase again",
                    p.display()
                )),
                None => ctx.out.note(
                    "no signing key was found beside the identity: reads only (`keyward identity signing-key` makes one)",
                ),
            }
            for (env, policy) in crate::ops::touch::policies_seen(ctx)? {
                if !policy.keeps() {
                    ctx.out.note(&format!(
                        "`{env}` asks the token on every command (touch = every-command): the agent keeps nothing for it"
                    ));
                }
            }
        }
        _ => ctx.out.note(&format!(
            "unlocked `{}`; the agent ends after {} without use, or on `keyward lock`",
            path.display(),
            args.duration
        )),
    }
    drop(load);
    Ok(())
}

/// Extend the running agent for `path`, if one serves it, to at least `--for`; whether
/// one did.
fn extended(path: &std::path::Path, args: &UnlockArgs, ctx: &Ui) -> Result<bool> {
    let secs = args.duration.secs as u64;
    if crate::agent::hello(path, Some(ctx.now()))?.is_none() {
        return Ok(false);
    }
    let Some(now) = crate::agent::extend(path, secs)? else {
        return Ok(false);
    };
    let now = Dur::from_secs(now.min(i64::MAX as u64) as i64);
    ctx.out.note(&if now.secs > args.duration.secs {
        format!(
            "the agent for `{}` keeps its longer time: it ends after {now} without use (`keyward lock` ends it now)",
            path.display()
        )
    } else {
        format!(
            "the agent for `{}` now ends after {now} without use",
            path.display()
        )
    });
    Ok(true)
}

pub fn run_lock(args: LockArgs, ctx: &Ui) -> Result<()> {
    if args.all {
        let n = crate::agent::stop_all()?;
        ctx.out.note(&match n {
            0 => "no agent was running".to_owned(),
            n => format!("stopped {n} agent(s)"),
        });
        return Ok(());
    }
    let path = match identity_path(ctx) {
        Ok(p) => p,
        // An identity given as text has no agent of its own (one is found by its file),
        // but one unlocked from the same key's file may run: never silence then.
        Err(_) => {
            match crate::agent::protocol::agent_sockets().len() {
                0 => ctx.out.note("no agent was running"),
                n => ctx.out.warn(&format!(
                    "the identity is given as text, and an agent is found by its identity file: none was stopped, but {n} agent(s) of yours run\nhint: `keyward lock --all` stops every one"
                )),
            }
            return Ok(());
        }
    };
    if crate::agent::stop(&path)? {
        ctx.out.note("stopped the agent");
        return Ok(());
    }
    // Not silence when others run: the identity file may have moved since `unlock`.
    match crate::agent::protocol::agent_sockets().len() {
        0 => ctx.out.note("no agent was running"),
        n => ctx.out.warn(&format!(
            "no agent runs for `{}`, but {n} agent(s) of yours run for other identity files (one moved or renamed since `unlock`?)\nhint: `keyward lock --all` stops every one",
            path.display()
        )),
    }
    Ok(())
}

pub fn run_agent(args: AgentArgs) -> Result<()> {
    crate::agent::serve(
        &args.socket,
        &args.identity_path,
        &args.identity_digest,
        args.idle_secs,
    )
}
