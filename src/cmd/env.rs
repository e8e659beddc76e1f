//! `keyward env list | env add`: the environments of the vault.

use clap::{Args, Subcommand};

use super::Ui;
use crate::error::Result;
use crate::names::EnvName;
use crate::ops::{self, create::AddEnv};

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
        after_help = "Examples:\n  keyward env add staging\n  keyward env add prod-eu --recipient age1ops… --recipient \"ssh-ed25519 AAAA…\"\n  keyward env add staging --recipient Ana   # by label"
    )]
    Add {
        /// Name of the new environment
        name: EnvName,
        /// Another recipient (repeatable): `age1…`, an SSH public key, or the label of
        /// a member of another environment (their label comes along)
        #[arg(long = "recipient", value_name = "R|LABEL")]
        recipients: Vec<crate::ops::people::Person>,
        /// Another admin (repeatable): their member card or recipient (DESIGN §15)
        #[arg(long = "admin", value_name = "CARD|R")]
        admins: Vec<crate::ops::access::Grantee>,
    },
}

pub fn run(args: EnvArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        EnvCommand::List => ctx.out.render(&ops::inspect::list_envs(ctx)?),
        EnvCommand::Add {
            name,
            recipients,
            admins,
        } => ctx.out.render(&ops::create::add_env(
            ctx,
            AddEnv {
                name,
                recipients,
                admins,
            },
        )?),
    }
}
