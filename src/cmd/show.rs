//! `keyward show`: one key's metadata and version history, never its value.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops;

/// Show a key's metadata and version history (no values)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward show STRIPE_KEY\n  keyward show -e prod STRIPE_KEY --json"
)]
pub struct ShowArgs {
    /// Name of the key
    pub name: KeyName,
}

pub fn run(args: ShowArgs, ctx: &Ui) -> Result<()> {
    ctx.out.render(&ops::inspect::show_key(ctx, &args.name)?)
}
