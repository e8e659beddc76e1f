//! `keyward hook`: the rotation hooks of imported keys (DESIGN §11).

use clap::{Args, Subcommand};

use super::Ui;
use crate::error::Result;
use crate::names::{Dur, KeyName};
use crate::ops::hooks;

/// Set, clear, approve or list the rotation hooks of imported keys
///
/// A rotation hook is a command that rolls an imported key at its provider: `rotate`,
/// `rotate --all` and `offboard` run it with the current value on stdin and
/// KEYWARD_KEY, KEYWARD_ENV in its environment, and store what it prints on stdout as
/// the new version (validated like `set`; never an earlier version's value). It runs
/// through `/bin/sh -c`, is killed after its timeout (default 60s; KEYWARD_HOOK_TIMEOUT
/// changes the default), and its stdout is never shown; its stderr is, redacted.
///
/// Hooks are stored encrypted in the environment, so anyone who can write it can
/// change one: a hook runs on a machine only after a person there approved its exact
/// command and its timeout. `hook set` approves it for you; on other machines `hook
/// allow NAME` shows the command and timeout and records their hash, and a CI job passes
/// `--allow-hook NAME=HASH` to `rotate` or `offboard`. A changed hook does not run until
/// approved again.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward hook set -e prod STRIPE_KEY -- ./ops/roll-stripe-key.sh\n  keyward hook set OPENAI_API_KEY --timeout 2m -- 'sed \"s/^/Authorization: Bearer /\" | curl -sf -X POST -H @- https://api.example.com/keys/roll | jq -r .key'\n  keyward hook allow -e prod STRIPE_KEY\n  keyward hook list -e prod --json\n  keyward hook clear STRIPE_KEY"
)]
pub struct HookArgs {
    #[command(subcommand)]
    pub command: HookCommand,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Give an imported key a rotation hook (approved on this machine)
    ///
    /// One argument is a shell command line (`'curl … | jq -r .key'`); several are
    /// words, quoted so the shell reads them back unchanged. Replaces an earlier hook.
    #[command(
        after_help = "Examples:\n  keyward hook set -e prod STRIPE_KEY -- ./ops/roll-stripe-key.sh\n  keyward hook set API_TOKEN --timeout 2m -- 'sed \"s/^/Authorization: Bearer /\" | curl -sf -X POST -H @- https://api.example.com/v1/keys/roll | jq -r .key'"
    )]
    Set {
        /// The imported key
        name: KeyName,
        /// How long the hook may run before it is killed [default: 60s]
        #[arg(long, value_name = "DUR")]
        timeout: Option<Dur>,
        /// The command
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD"
        )]
        command: Vec<String>,
    },
    /// Remove a key's rotation hook
    #[command(after_help = "Examples:\n  keyward hook clear -e prod STRIPE_KEY")]
    Clear { name: KeyName },
    /// Show a key's rotation hook and approve it on this machine
    ///
    /// On a terminal it shows the command and its timeout and asks; --yes skips the question, and
    /// without a terminal --yes is required (exit 2 otherwise).
    #[command(
        after_help = "Examples:\n  keyward hook allow -e prod STRIPE_KEY\n  keyward hook allow -e prod STRIPE_KEY --yes   # after reading it in `hook list`"
    )]
    Allow {
        name: KeyName,
        /// Do not ask (required without a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Every rotation hook of the environment, its hash, and whether it may run here
    #[command(
        after_help = "Examples:\n  keyward hook list -e prod\n  keyward hook list -e prod --json | jq -r '.[] | \"\\(.name)=\\(.hash)\"'   # for --allow-hook"
    )]
    List,
}

pub fn run(args: HookArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        HookCommand::Set {
            name,
            timeout,
            command,
        } => {
            let hook = hooks::new_hook(hooks::command_from_words(&command)?, timeout, ctx.now())?;
            ctx.out.render(&hooks::set(ctx, &name, hook)?)
        }
        HookCommand::Clear { name } => ctx.out.render(&hooks::clear(ctx, &name)?),
        HookCommand::Allow { name, yes } => {
            let plan = hooks::plan_allow(ctx, &name)?;
            ctx.out
                .render(&super::confirm::confirm_and_apply(ctx, plan, yes)?)
        }
        HookCommand::List => ctx.out.render(&hooks::list(ctx)?),
    }
}
