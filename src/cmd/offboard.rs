//! `keyward offboard`: cut a departing person's access everywhere and rotate what they
//! could read.

use clap::Args;
use serde::Serialize;

use super::Context;
use super::check::env_list;
use super::rotate::{Old, Rotated, rotate_key};
use crate::crypto::{self, RecipientString};
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, now_ms};
use crate::vault::{EnvDb, KeyMeta, Status};

/// Remove a recipient from every environment and rotate every key they could read
///
/// For each environment whose recipients include R: remove R, rotate every generated key
/// (old versions revoked at once, or retiring for --grace), and list the imported keys R
/// could read, which need a new value from their provider (exit 8 while any remain).
/// Removing a recipient alone cannot take back values already decrypted (old copies,
/// backups, git history): rotation is what makes them worthless.
///
/// Every environment is planned and checked before any is changed. An environment the
/// identity cannot open is refused (exit 5, naming it; --dry-run too) unless
/// --skip-unreadable; an explicit -e/KEYWARD_ENV limits the offboarding to that
/// environment. If writing one environment fails after others were committed, the error
/// names both; the same command run again carries on with the rest.
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

    /// Go ahead although some environments cannot be opened (they are still named)
    #[arg(long)]
    pub skip_unreadable: bool,
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
    if args.recipient.as_str() == me {
        return Err(Error::Refused(
            "refusing to offboard the identity in use; run it as someone else".into(),
        ));
    }
    let old = match args.grace {
        Some(g) => Old::Retire(Some(now + g.millis())),
        None => Old::Revoke,
    };
    // An explicit `-e`/KEYWARD_ENV limits the offboarding to that environment.
    let (readable, skipped) = if ctx.env_explicit {
        (vec![ctx.open_env()?], Vec::new())
    } else {
        ctx.open_all_envs()?
    };
    if !skipped.is_empty() {
        let names: Vec<EnvName> = skipped.into_iter().map(|(env, _)| env).collect();
        // The person may still read those: an offboarding that did not cover them must
        // not look complete.
        if !args.skip_unreadable {
            return Err(Error::Unreadable {
                what: "offboard",
                envs: env_list(&names),
            });
        }
        ctx.out.warn(&format!(
            "not offboarded from {} (this identity cannot open them): if {} can read them, ask one of their recipients to offboard there too",
            env_list(&names),
            args.recipient.short()
        ));
    }

    // 1. The environments the recipient can read, each opened for writing (writer locks
    //    taken in name order, so two offboardings cannot deadlock), or read-only for a
    //    dry run. Whether it is a recipient is asked again under the lock.
    let mut targets: Vec<EnvDb> = Vec::new();
    for peek in readable {
        if !peek.has_recipient(&args.recipient)? {
            continue;
        }
        let db = if args.dry_run {
            peek
        } else {
            let env = peek.env.clone();
            drop(peek);
            ctx.write_env_named(&env)?
        };
        if db.has_recipient(&args.recipient)? {
            targets.push(db);
        }
    }

    // 2. Plan every environment and check every refusal before anything changes.
    let mut only_recipient = Vec::new();
    let mut plans = Vec::new();
    for db in &targets {
        if db.recipients()?.len() <= 1 {
            only_recipient.push(db.env.clone());
        }
        plans.push(plan_env(db, now, args.dry_run)?);
    }
    if !only_recipient.is_empty() {
        return Err(Error::Refused(format!(
            "{} is the only recipient of {}; nothing changed\nhint: grant someone else access there first",
            args.recipient.short(),
            env_list(&only_recipient)
        )));
    }

    // 3. Apply, one commit per environment. A failure after the first commit says
    //    which environments already changed: running the same command again finishes.
    if !args.dry_run {
        let actor = ctx.actor()?;
        let reason = args.reason.as_str();
        let names: Vec<EnvName> = targets.iter().map(|db| db.env.clone()).collect();
        let mut done: Vec<EnvName> = Vec::new();
        for (i, (db, (plan, keys))) in targets.iter_mut().zip(plans.iter_mut()).enumerate() {
            let applied = db
                .batch(|db| {
                    for (meta, r) in keys.iter() {
                        let Some(spec) = &meta.spec else { continue };
                        let value = crypto::generate(spec, &db.env);
                        let v = rotate_key(
                            db,
                            meta,
                            r.old_version,
                            &value,
                            old,
                            None,
                            &actor,
                            Some(reason),
                            now,
                        )?;
                        debug_assert_eq!(r.new_version, Some(v));
                    }
                    db.remove_recipient(&args.recipient)?;
                    db.record(
                        &actor,
                        Action::Offboard,
                        None,
                        None,
                        Some(&format!("{}: {reason}", args.recipient)),
                        now,
                    )?;
                    Ok(())
                })
                .and_then(|()| db.commit());
            if let Err(failed) = applied {
                if done.is_empty() {
                    return Err(failed);
                }
                return Err(Error::PartlyDone {
                    failed: Box::new(failed),
                    done: env_list(&done),
                    left: env_list(&names[i..]),
                });
            }
            plan.recipient_removed = true;
            done.push(db.env.clone());
        }
    }
    drop(targets);
    let plans: Vec<EnvPlan> = plans
        .into_iter()
        .map(|(mut plan, keys)| {
            plan.keys = keys.into_iter().map(|(_, r)| r).collect();
            plan
        })
        .collect();
    let pending: usize = plans
        .iter()
        .map(|p| p.keys.iter().filter(|k| k.new_version.is_none()).count())
        .sum();
    if ctx.out.json {
        ctx.out.json(&plans)?;
    } else if plans.is_empty() {
        ctx.out.note(&if ctx.env_explicit {
            format!(
                "{} is not a recipient of `{}`",
                args.recipient.short(),
                ctx.env
            )
        } else {
            format!(
                "{} is not a recipient of any environment you can open",
                args.recipient.short()
            )
        });
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

/// What offboarding does to one environment: every key that is not revoked, a generated
/// one rotated (its planned new version), an imported one listed as needing a new value.
fn plan_env(db: &EnvDb, now: i64, dry_run: bool) -> Result<(EnvPlan, Vec<(KeyMeta, Rotated)>)> {
    let mut keys = Vec::new();
    for k in db.keys()? {
        if k.current.status(now) == Status::Revoked {
            continue;
        }
        let rotates = k.meta.spec.is_some();
        let r = Rotated {
            env: db.env.to_string(),
            name: k.meta.name.to_string(),
            kind: k.meta.kind.as_str(),
            result: match (rotates, dry_run) {
                (true, true) => "would-rotate",
                (true, false) => "rotated",
                (false, _) => "needs-new-value",
            },
            old_version: k.current.version,
            new_version: rotates.then_some(k.current.version + 1),
        };
        keys.push((k.meta, r));
    }
    let plan = EnvPlan {
        env: db.env.to_string(),
        recipient_removed: false,
        keys: Vec::new(),
    };
    Ok((plan, keys))
}
