//! `keyward env list | env add`: the environments of the vault.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::crypto::RecipientString;
use crate::error::{Error, Result};
use crate::names::{EnvName, now_ms};
use crate::vault::EnvDb;

/// List environments, or add one encrypted to you and the recipients you name
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward env list\n  keyward env add staging --recipient age1teammate…"
)]
pub struct EnvArgs {
    #[command(subcommand)]
    pub command: EnvCommand,
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Every environment, and whether the identity in use can open it
    #[command(after_help = "Examples:\n  keyward env list\n  keyward env list --json")]
    List,
    /// Create an environment encrypted to the identity in use plus each --recipient
    #[command(
        after_help = "Examples:\n  keyward env add staging\n  keyward env add prod-eu --recipient age1ops… --recipient \"ssh-ed25519 AAAA…\""
    )]
    Add {
        /// Name of the new environment
        name: EnvName,
        /// Another recipient (repeatable): `age1…` or an SSH public key
        #[arg(long = "recipient", value_name = "R")]
        recipients: Vec<RecipientString>,
    },
}

#[derive(Serialize)]
struct EnvRow {
    env: EnvName,
    access: &'static str,
}

pub fn run(args: EnvArgs, ctx: &Context) -> Result<()> {
    match args.command {
        EnvCommand::List => list(ctx),
        EnvCommand::Add { name, recipients } => add(ctx, name, recipients),
    }
}

fn list(ctx: &Context) -> Result<()> {
    let envs = ctx.paths.env_names()?;
    // Without any identity we can still list names; access is then unknown.
    let identity = ctx.identity().ok();
    let mut rows = Vec::new();
    for env in envs {
        let access = match identity {
            None => "unknown",
            Some(id) => match EnvDb::can_open(&ctx.paths, &env, id.as_age()) {
                Ok(true) => "yes",
                Ok(false) => "no",
                Err(_) => "unreadable",
            },
        };
        rows.push(EnvRow { env, access });
    }
    if ctx.out.json {
        return ctx.out.json(&rows);
    }
    ctx.out.table(
        &["ENV", "ACCESS"],
        rows.iter()
            .map(|r| vec![r.env.to_string(), r.access.to_owned()])
            .collect(),
    )
}

fn add(ctx: &Context, name: EnvName, extra: Vec<RecipientString>) -> Result<()> {
    ctx.paths.require()?;
    if ctx.paths.env_file(&name).exists() {
        return Err(Error::Refused(format!(
            "environment `{name}` already exists"
        )));
    }
    let identity = ctx.identity()?;
    let actor = ctx.actor()?;
    let mine: RecipientString = identity.recipient_string()?;
    let mut recipients = vec![mine];
    for r in extra {
        if !recipients.contains(&r) {
            recipients.push(r);
        }
    }
    let now = now_ms();
    EnvDb::create(&ctx.paths, &name, |db| {
        for r in &recipients {
            db.add_recipient(r, &actor, now)?;
        }
        db.record(&actor, Action::EnvAdd, None, None, None, now)
    })?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "env": name,
            "recipients": recipients,
        }));
    }
    ctx.out.note(&format!(
        "created environment `{name}` encrypted to {} recipient(s)",
        recipients.len()
    ));
    Ok(())
}
