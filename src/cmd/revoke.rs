//! `keyward revoke`: take a key (or one version) out of service now, with a reason.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::revoke::{self, Revoke};

/// Revoke a key, or one version of it, at once
///
/// Revoking a key revokes every version: `get`, `run` and `export` refuse it (exit 4) and
/// `verify` rejects it. The time, the actor and the reason are recorded and shown by `show`.
///
/// On a terminal it first shows which versions will be revoked, and asks; --yes skips the
/// question, and without a terminal --yes is required (exit 2 otherwise).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward revoke STRIPE_KEY --reason 'leaked in build log #4512'\n  keyward revoke -e prod API_TOKEN --version 3 --reason 'superseded early' --yes"
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

    /// Do not ask (required without a terminal)
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: RevokeArgs, ctx: &Ui) -> Result<()> {
    let plan = revoke::plan(Revoke {
        name: args.name,
        version: args.version,
        reason: args.reason,
    })?;
    let revoked = super::confirm::confirm_and_apply(ctx, plan, args.yes)?;
    ctx.out.render(&revoked)
}
