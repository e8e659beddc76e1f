//! `keyward offboard`: cut a departing person's access everywhere and rotate what they
//! could read.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::Dur;
use crate::ops::hooks::AllowHook;
use crate::ops::offboard::{self, Offboard};
use crate::ops::people::Person;

/// Remove a recipient from every environment and rotate every key they could read
///
/// For each environment whose recipients include R: remove R, rotate every generated key
/// (old versions revoked at once, or retiring for --grace), and list the imported keys R
/// could read, which need a new value from their provider (exit 8 while any remain).
/// Removing a recipient alone cannot take back values already decrypted (old copies,
/// backups, git history): rotation is what makes them worthless. Imported keys with a
/// rotation hook approved on this machine (or by --allow-hook) are rotated by their hook;
/// with a hook on every imported key, offboarding leaves nothing to do by hand.
///
/// Every environment is planned and checked before any is changed. An environment the
/// identity cannot open is refused (exit 5, naming it; --dry-run too) unless
/// --skip-unreadable; an explicit -e/KEYWARD_ENV limits the offboarding to that
/// environment. If writing one environment fails after others were committed, what those
/// hold is shown (their rotated keys, a replaced verifier key to pin) and the error names
/// both; the same command run again carries on with the rest.
///
/// On a terminal it first shows, for each environment, the keys that will change and the
/// grace period, and asks; --yes skips the question, and without a terminal --yes is
/// required (exit 2 otherwise; --dry-run never asks).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward offboard age1former… --reason 'left the company' --dry-run\n  keyward offboard age1former… --reason 'left the company' --grace 1h\n  keyward offboard age1former… --reason 'left the company' --yes   # no question (CI)"
)]
pub struct OffboardArgs {
    /// The recipient to remove (`age1…` or an SSH public key), or a member's label
    #[arg(value_name = "RECIPIENT|LABEL")]
    pub recipient: Person,

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

    /// Do not ask (required without a terminal, unless --dry-run)
    #[arg(long)]
    pub yes: bool,

    /// Run NAME's rotation hook in this command if its hash is HASH (what `keyward hook
    /// list` shows), without an approval recorded on this machine (CI); repeatable
    #[arg(long = "allow-hook", value_name = "NAME=HASH")]
    pub allow_hooks: Vec<AllowHook>,
}

pub fn run(args: OffboardArgs, ctx: &Ui) -> Result<()> {
    let (recipient, label) = offboard::whom(ctx, &args.recipient)?;
    let plan = offboard::plan(
        ctx,
        Offboard {
            recipient,
            label,
            reason: args.reason,
            grace: args.grace,
            dry_run: args.dry_run,
            skip_unreadable: args.skip_unreadable,
            allow_hooks: args.allow_hooks,
        },
    )?;
    let offboarded = super::confirm::confirm_and_apply(ctx, plan, args.yes)?;
    ctx.out.render(&offboarded)?;
    offboarded.outcome()
}
