//! `keyward env list | env add | env touch`: the environments of the vault, and how
//! often a hardware identity's token is asked to open one (DESIGN §18).

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
    ///
    /// ACCESS is `yes`, `no` (not a recipient), `unreadable`, `unknown` (no usable
    /// identity), or `gone`: an environment this machine read whose file has been
    /// removed since (commands on it are exit 6 until `keyward trust -e ENV` accepts
    /// the removal).
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
    /// Show or set how often a hardware key is asked to open the environment
    ///
    /// With a hardware identity (an age plugin: YubiKey, TPM) and `keyward unlock`, the
    /// agent keeps the file key the token opened, so the token is asked once per version
    /// of the environment's file: `once-per-change` (the default), optionally with
    /// --max-age, the longest a kept key serves. `every-command` keeps nothing: every
    /// command asks the token (for prod-like environments). The policy is part of the
    /// environment, shared by everyone who pulls it; only an admin sets it (a signed
    /// `touch` event). Without a policy, it prints the one in force.
    #[command(
        after_help = "Examples:\n  keyward env touch -e prod\n  keyward env touch every-command -e prod\n  keyward env touch once-per-change --max-age 8h -e staging"
    )]
    Touch {
        /// The policy to set
        #[arg(value_enum, value_name = "POLICY")]
        touch: Option<crate::names::Touch>,
        /// With once-per-change: the longest a kept file key serves (DUR)
        #[arg(long, value_name = "DUR", requires = "touch")]
        max_age: Option<crate::names::Dur>,
    },
}

pub fn run(args: EnvArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        EnvCommand::Touch { touch: None, .. } => ctx.out.render(&ops::touch::show(ctx)?),
        EnvCommand::Touch {
            touch: Some(touch),
            max_age,
        } => {
            let policy = crate::names::TouchPolicy::new(touch, max_age)
                .map_err(crate::error::Error::usage)?;
            ctx.out.render(&ops::touch::set(ctx, policy)?)
        }
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

impl crate::output::Render for ops::touch::TouchShown {
    fn human(&self, out: &crate::output::Output) -> Result<()> {
        if self.changed {
            out.note(&format!(
                "`{}` now asks a hardware key {}",
                self.env,
                match self.policy.touch {
                    crate::names::Touch::EveryCommand => "on every command",
                    crate::names::Touch::OncePerChange => "once per change of its file",
                }
            ));
        }
        out.line(&self.policy.to_string())
    }
}
