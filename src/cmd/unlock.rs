//! `keyward unlock | lock`: the agent that unlocks a passphrase-protected identity once.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::{Error, Result};
use crate::identity::{self, IdentitySpec};
use crate::names::Dur;

/// Unlock the identity once and keep it in a background agent
///
/// Asks the passphrase once and starts an agent that holds the decrypted identity in
/// memory (locked where permitted, not dumpable) behind a 0600 Unix socket in
/// $XDG_RUNTIME_DIR/keyward/. Every command then uses it instead of asking again. The
/// agent ends after --for without use, on `keyward lock`, or on SIGTERM. Running
/// `unlock` again extends a running agent: a longer --for lengthens its time, a shorter
/// one (or the default) never shortens it; `keyward lock` ends it.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward unlock\n  keyward unlock --for 1h\n  KEYWARD_PASSPHRASE_FILE=~/.kw-pass keyward unlock --for 8h"
)]
pub struct UnlockArgs {
    /// How long the agent may stay unused before it ends
    #[arg(long = "for", value_name = "DUR", default_value = "15m")]
    pub duration: Dur,
}

/// Stop the agent (exit 0 even when none runs)
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  keyward lock")]
pub struct LockArgs {}

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
    // DESIGN §10: a plugin identity's key never leaves its token, so there is nothing
    // for an agent to hold, and a plugin session cannot outlive one command. Say so
    // and succeed: every command asks the plugin, and the token applies its own PIN
    // and touch policy (a PIN policy of "once" asks once per plugin session).
    if let Some(plugin) = identity::plugin_of(&ctx.identity_spec)? {
        ctx.out.note(&format!(
            "the identity in use is a plugin identity (`{plugin}`): its key stays in the token, so no agent is started; each command asks `{plugin}`, which asks for the PIN or a touch as the token's policy says (a PIN given once is reused within one command)"
        ));
        return Ok(());
    }
    let path = identity_path(ctx)?;
    let secs = args.duration.secs as u64;
    if crate::agent::hello(&path)?.is_some()
        && let Some(now) = crate::agent::extend(&path, secs)?
    {
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
        return Ok(());
    }
    if !path.exists() {
        return Err(Error::NoIdentity {
            detail: format!("no identity at `{}`", path.display()),
        });
    }
    let identity = identity::unlock_protected_file(&path)?;
    // An agent still holding an older version of this identity file gives way.
    crate::agent::stop(&path)?;
    let started = crate::agent::spawn(&path, &identity, std::time::Duration::from_secs(secs))?;
    drop(identity);
    if !started.memory_locked {
        ctx.out.warn(
            "the agent could not lock the identity's memory (RLIMIT_MEMLOCK too low?): it is not dumpable, but the key could be written to swap",
        );
    }
    ctx.out.note(&format!(
        "unlocked `{}`; the agent ends after {} without use, or on `keyward lock`",
        path.display(),
        args.duration
    ));
    Ok(())
}

pub fn run_lock(_args: LockArgs, ctx: &Ui) -> Result<()> {
    let path = match identity_path(ctx) {
        Ok(p) => p,
        Err(_) => return Ok(()),
    };
    if crate::agent::stop(&path)? {
        ctx.out.note("stopped the agent");
    } else {
        ctx.out.note("no agent was running");
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
