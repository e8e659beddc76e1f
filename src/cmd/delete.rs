//! `keyward delete`: remove a key and its values for good, keeping its audit events.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::rename::{self, Delete};

/// Delete a key and every version of it
///
/// The values are erased from the vault (not merely marked): `get` then finds no key
/// (exit 3). The key's audit events are kept, and a `delete` event records the reason.
/// To take a key out of service but keep it, use `revoke`.
///
/// On a terminal it first shows what will be removed, and asks; --yes skips the
/// question, and without a terminal --yes is required (exit 2 otherwise).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward delete STRIPE_KY --reason 'misspelled, never used'\n  keyward delete -e prod OLD_TOKEN --reason 'service retired' --yes"
)]
pub struct DeleteArgs {
    /// Name of the key
    pub name: KeyName,

    /// Why (required; recorded in the audit trail)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,

    /// Do not ask (required without a terminal)
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: DeleteArgs, ctx: &Ui) -> Result<()> {
    let plan = rename::plan_delete(Delete {
        name: args.name,
        reason: args.reason,
    })?;
    let deleted = super::confirm::confirm_and_apply(ctx, plan, args.yes)?;
    ctx.out.render(&deleted)
}
