//! `keyward revoke`: take a key (or one version) out of service now, with a reason.

use clap::Args;

use super::Context;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{KeyName, fmt_time, now_ms};
use crate::vault::Status;

/// Revoke a key, or one version of it, at once
///
/// Revoking a key revokes every version: `get`, `run` and `export` refuse it (exit 4) and
/// `verify` rejects it. The time, the actor and the reason are recorded and shown by `show`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward revoke STRIPE_KEY --reason 'leaked in build log #4512'\n  keyward revoke -e prod API_TOKEN --version 3 --reason 'superseded early'"
)]
pub struct RevokeArgs {
    /// Name of the key
    pub name: KeyName,

    /// Revoke only this version
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Why (required; recorded in the audit trail)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,
}

pub fn run(args: RevokeArgs, ctx: &Context) -> Result<()> {
    if args.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    let now = now_ms();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&args.name)?;
    if let Some(n) = args.version {
        db.version(&key, n)?;
    }
    let changed = db.batch(|db| {
        let actor_id = db.actor_id(&actor)?;
        let n = db.revoke(&key, args.version, actor_id, &args.reason, now)?;
        if n > 0 {
            db.record(
                &actor,
                Action::Revoke,
                Some(args.name.as_str()),
                args.version,
                Some(&args.reason),
                now,
            )?;
        }
        Ok(n)
    })?;
    if changed > 0 {
        db.commit()?;
    }
    let what = match args.version {
        Some(n) => format!("version {n} of `{}`", args.name),
        None => format!("every version of `{}`", args.name),
    };
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "env": db.env, "name": args.name, "version": args.version,
            "revoked": changed, "reason": args.reason,
        }));
    }
    if changed == 0 {
        ctx.out
            .note(&format!("{what} in `{}` was already revoked", db.env));
    } else {
        ctx.out.note(&format!(
            "revoked {what} in `{}` at {}",
            db.env,
            fmt_time(now)
        ));
        let current = db.current(&key)?;
        if current.status(now) == Status::Active {
            ctx.out
                .note(&format!("version {} is still active", current.version));
        }
    }
    Ok(())
}
