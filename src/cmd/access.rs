//! `keyward access`: who can decrypt an environment (DESIGN §1.3).

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::crypto::{RecipientString, short_recipient};
use crate::error::{Error, Result};
use crate::names::{fmt_time, fmt_time_ms, now_ms};
use crate::output::or_dash;

/// List, grant or revoke the recipients of an environment
///
/// Each environment is encrypted to its own recipients: granting re-encrypts it to one
/// more, revoking to one fewer, in one atomic commit recorded in the audit trail.
/// Revoking a recipient does not take back what they already decrypted: see `offboard`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward access list -e prod\n  keyward access grant age1teammate… -e dev\n  keyward access grant \"$(cat ~/.ssh/id_ed25519.pub)\" -e test\n  keyward access revoke age1former… -e prod"
)]
pub struct AccessArgs {
    #[command(subcommand)]
    pub command: AccessCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Recipients of the environment, with who added each and when
    #[command(after_help = "Examples:\n  keyward access list -e prod --json")]
    List,
    /// Let a recipient (`age1…` or an SSH public key) decrypt the environment
    #[command(after_help = "Examples:\n  keyward access grant age1teammate… -e dev")]
    Grant {
        /// The recipient to add
        recipient: RecipientString,
    },
    /// Stop a recipient from decrypting future versions of the environment
    #[command(
        after_help = "Examples:\n  keyward access revoke age1former… -e prod\n  keyward offboard age1former… --reason 'left the team'   # also rotates"
    )]
    Revoke {
        /// The recipient to remove
        recipient: RecipientString,
        /// Allow removing your own identity (you will lose access)
        #[arg(long)]
        force: bool,
    },
}

#[derive(Serialize)]
struct RecipientView {
    recipient: String,
    added_at: String,
    added_by: Option<String>,
    you: bool,
    #[serde(skip)]
    added_ms: i64,
}

pub fn run(args: AccessArgs, ctx: &Context) -> Result<()> {
    match args.command {
        AccessCommand::List => list(ctx),
        AccessCommand::Grant { recipient } => grant(ctx, recipient),
        AccessCommand::Revoke { recipient, force } => revoke(ctx, recipient, force),
    }
}

fn list(ctx: &Context) -> Result<()> {
    let db = ctx.open_env()?;
    let me = ctx.identity()?.recipient.clone();
    let views: Vec<RecipientView> = db
        .recipients()?
        .into_iter()
        .map(|r| RecipientView {
            you: r.recipient == me,
            added_at: fmt_time_ms(r.added_at),
            added_ms: r.added_at,
            added_by: r.added_by,
            recipient: r.recipient,
        })
        .collect();
    if ctx.out.json {
        return ctx.out.json(&views);
    }
    let rows = views
        .iter()
        .map(|v| {
            vec![
                format!("{}{}", v.recipient, if v.you { " (you)" } else { "" }),
                // Not a slice of `added_at`: a stored time out of range prints as a
                // number, which has no 19th byte.
                fmt_time(v.added_ms),
                or_dash(v.added_by.as_deref().map(short_recipient)),
            ]
        })
        .collect();
    ctx.out.table(&["RECIPIENT", "ADDED", "ADDED BY"], rows)
}

fn grant(ctx: &Context, r: RecipientString) -> Result<()> {
    let now = now_ms();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let added = db.batch(|db| {
        let added = db.add_recipient(&r, &actor, now)?;
        if added {
            db.record(
                &actor,
                Action::AccessGrant,
                None,
                None,
                Some(r.as_str()),
                now,
            )?;
        }
        Ok(added)
    })?;
    if !added {
        ctx.out
            .note(&format!("{} can already decrypt `{}`", r.short(), db.env));
        return Ok(());
    }
    db.commit()?;
    ctx.out.note(&format!(
        "granted {} access to `{}` at {}",
        r.short(),
        db.env,
        fmt_time(now)
    ));
    Ok(())
}

fn revoke(ctx: &Context, r: RecipientString, force: bool) -> Result<()> {
    let now = now_ms();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    if !db.has_recipient(&r)? {
        return Err(Error::Refused(format!(
            "{} is not a recipient of `{}`",
            r.short(),
            db.env
        )));
    }
    if db.recipients()?.len() <= 1 {
        return Err(Error::Refused(format!(
            "refusing to remove the last recipient of `{}`: nobody could decrypt it",
            db.env
        )));
    }
    if r.as_str() == actor.recipient && !force {
        return Err(Error::Refused(format!(
            "refusing to remove your own identity from `{}`\nhint: add --force if you mean to lose access",
            db.env
        )));
    }
    db.batch(|db| {
        db.remove_recipient(&r)?;
        db.record(
            &actor,
            Action::AccessRevoke,
            None,
            None,
            Some(r.as_str()),
            now,
        )
    })?;
    db.commit()?;
    ctx.out.note(&format!(
        "revoked {}'s access to `{}`; keys they already read still work until rotated (`keyward offboard` does both)",
        r.short(),
        db.env
    ));
    Ok(())
}
