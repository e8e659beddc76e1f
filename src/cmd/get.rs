//! `keyward get`: print one active value, after recording the access.

use clap::Args;

use super::Ui;
use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::ops::{self, Release};

/// Print a key's active value
///
/// Revoked, expired and retired versions are refused (exit 4) and nothing is printed.
/// The access is recorded in the audit journal before the value is printed; if it
/// cannot be recorded, nothing is printed. With stdout closed (`>&-`) nothing is read
/// and the exit code is 1; a reader that goes away before the value is written is
/// exit 1 too (`> /dev/null` is an explicit discard and succeeds).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward get STRIPE_KEY\n  keyward get -e prod STRIPE_KEY -n | pbcopy\n  curl -H \"Authorization: Bearer $(keyward get API_TOKEN)\" …"
)]
pub struct GetArgs {
    /// Name of the key
    pub name: KeyName,

    /// A specific version (it must still be active)
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Print no trailing newline
    #[arg(short = 'n', long)]
    pub no_newline: bool,
}

pub fn run(args: GetArgs, ctx: &Ui) -> Result<()> {
    // Checked before the access is journaled: a value nobody can receive is not released.
    super::delivery::require_stdout(true)?;
    let released = ops::release(ctx, Release::one(&args.name, args.version))?;
    let printed = match released.json_one() {
        Some(json) if ctx.out.json => ctx.out.json(&json),
        _ => match released.keys.first() {
            Some(k) => ctx.out.secret(&k.value, args.no_newline),
            None => Ok(()),
        },
    };
    // The value is this command's only product: unlike `list | head`, a reader that went
    // away before it was written is a failure, not a quiet end.
    printed.map_err(|e| match e {
        Error::BrokenPipe => Error::NotDelivered {
            name: args.name.clone(),
        },
        e => e,
    })
}
