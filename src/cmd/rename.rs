//! `keyward rename`: give a key a new name, keeping its versions and history.

use clap::Args;

use super::Ui;
use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::ops::rename::{self, Rename};

/// Rename a key, keeping every version and its history
///
/// The versions, their statuses and revocations move with the key; earlier audit events
/// keep the old name, and a `rename` event records the change. The new name must be a
/// valid key name not used in the environment.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward rename STRIPE_KY STRIPE_KEY\n  keyward rename -e prod OLD_API_TOKEN API_TOKEN"
)]
pub struct RenameArgs {
    /// Current name of the key
    pub old: KeyName,

    /// New name (letters, digits and `_`, not starting with a digit)
    pub new: String,
}

pub fn run(args: RenameArgs, ctx: &Ui) -> Result<()> {
    let to = args.new.parse::<KeyName>().map_err(|why| {
        Error::usage(format!(
            "cannot rename `{}` to the new name given: {why}",
            args.old
        ))
    })?;
    let renamed = rename::rename(ctx, Rename { from: args.old, to })?;
    ctx.out.render(&renamed)
}
