//! `keyward offboard`: cut a departing person's access everywhere and rotate what they
//! could read.

use clap::Args;
use serde::Serialize;

use super::Context;
use super::rotate::{Old, Rotated, rotate_key};
use crate::crypto::{self, RecipientString};
use crate::error::{Error, Result};
use crate::names::{Dur, now_ms};
use crate::vault::Status;

/// Remove a recipient from every environment and rotate every key they could read
///
/// For each environment whose recipients include R: remove R, rotate every generated key
/// (old versions revoked at once, or retiring for --grace), and list the imported keys R
/// could read, which need a new value from their provider (exit 8 while any remain).
/// Removing a recipient alone cannot take back values already decrypted (old copies,
/// backups, git history): rotation is what makes them worthless.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward offboard age1former… --reason 'left the company' --dry-run\n  keyward offboard age1former… --reason 'left the company' --grace 1h"
)]
pub struct OffboardArgs {
    /// The recipient to remove (`age1…` or an SSH public key)
    pub recipient: RecipientString,

    /// Why (required; recorded in the audit trail)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,

    /// Let old versions pass `verify` for DUR (default: revoked at once)
    #[arg(long, value_name = "DUR")]
    pub grace: Option<Dur>,

    /// Show the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Serialize)]
struct EnvPlan {
    env: String,
    recipient_removed: bool,
    keys: Vec<Rotated>,
}

pub fn run(args: OffboardArgs, ctx: &Context) -> Result<()> {
    if args.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    let now = now_ms();
    let me = ctx.identity()?.recipient.clone();
    if args.recipient.0 == me {
        return Err(Error::Refused(
            "refusing to offboard the identity in use; run it as someone else".into(),
        ));
    }
    let old = match args.grace {
        Some(g) => Old::Retire(Some(now + g.millis())),
        None => Old::Revoke,
    };
    let (readable, skipped) = ctx.open_all_envs()?;
    for (env, _) in &skipped {
        ctx.out.warn(&format!(
            "cannot open `{env}`: if {} can read it, ask one of its recipients to offboard there too",
            args.recipient.short()
        ));
    }
    let mut plans = Vec::new();
    for peek in readable {
        if !peek.has_recipient(&args.recipient)? {
            continue;
        }
        let env = peek.env.clone();
        drop(peek);
        let mut db = ctx.write_env_named(&env)?;
        let actor = ctx.actor()?;
        if db.recipients()?.len() <= 1 {
            return Err(Error::Refused(format!(
                "{} is the only recipient of `{env}`; grant someone else first",
                args.recipient.short()
            )));
        }
        let reason = args.reason.as_str();
        let keys = db.batch(|db| {
            let mut out = Vec::new();
            for k in db.keys()? {
                if k.current.status(now) == Status::Revoked {
                    continue;
                }
                let new_version = match (&k.meta.spec, args.dry_run) {
                    (Some(_), true) => Some(k.current.version + 1),
                    (Some(spec), false) => {
                        let value = crypto::generate(spec, &db.env);
                        Some(rotate_key(
                            db,
                            &k.meta,
                            k.current.version,
                            &value,
                            old,
                            None,
                            &actor,
                            Some(reason),
                            now,
                        )?)
                    }
                    (None, _) => None,
                };
                out.push(Rotated {
                    env: env.to_string(),
                    name: k.meta.name.to_string(),
                    kind: k.meta.kind.as_str(),
                    result: if new_version.is_some() {
                        if args.dry_run {
                            "would-rotate"
                        } else {
                            "rotated"
                        }
                    } else {
                        "needs-new-value"
                    },
                    old_version: k.current.version,
                    new_version,
                });
            }
            if !args.dry_run {
                db.remove_recipient(&args.recipient)?;
                db.record(
                    &actor,
                    "offboard",
                    None,
                    None,
                    Some(&format!("{}: {reason}", args.recipient)),
                    now,
                )?;
            }
            Ok(out)
        })?;
        if !args.dry_run {
            db.commit()?;
        }
        plans.push(EnvPlan {
            env: env.to_string(),
            recipient_removed: !args.dry_run,
            keys,
        });
    }
    let pending: usize = plans
        .iter()
        .map(|p| p.keys.iter().filter(|k| k.new_version.is_none()).count())
        .sum();
    if ctx.out.json {
        ctx.out.json(&plans)?;
    } else if plans.is_empty() {
        ctx.out.note(&format!(
            "{} is not a recipient of any environment you can open",
            args.recipient.short()
        ));
    } else {
        for p in &plans {
            ctx.out.note(&format!(
                "{} `{}`: {} {}",
                if args.dry_run {
                    "would offboard from"
                } else {
                    "offboarded from"
                },
                p.env,
                args.recipient.short(),
                if args.dry_run {
                    "(dry run: nothing changed)"
                } else {
                    ""
                }
            ));
            super::rotate::print_batch(ctx, &p.keys)?;
        }
    }
    if pending > 0 {
        return Err(Error::Findings(format!(
            "{pending} imported key(s) need a new value from their provider"
        )));
    }
    Ok(())
}
