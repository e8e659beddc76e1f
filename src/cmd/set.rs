//! `keyward set`: store a key issued elsewhere, its value read from stdin.

use clap::Args;

use super::{KeyMetaArgs, Ui};
use crate::error::Result;
use crate::names::{Dur, KeyName};
use crate::ops::issue;

/// Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)
///
/// The value is taken byte for byte: `printf %s "$V" | keyward set NAME` stores no
/// trailing newline, `echo` would store one. There is no flag that takes a value: argv
/// is visible to every user of the machine and lands in shell history.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward set OPENAI_API_KEY            # hidden prompt\n  printf %s \"$TOKEN\" | keyward set -e prod GITHUB_TOKEN --expires 2027-01-01\n  keyward set DB_PASSWORD --note 'rotated by DBA' < secret.txt\n  keyward set -e prod STRIPE_KEY --rotate-with ./ops/roll-stripe-key.sh < key.txt"
)]
pub struct SetArgs {
    /// Name of the key (letters, digits, `_`; it becomes an environment variable)
    pub name: KeyName,

    /// A rotation hook: a shell command that rolls the key at its provider (current
    /// value on stdin, new value on stdout), run by `rotate` and `offboard`; approved on
    /// this machine. See `keyward hook --help`
    #[arg(long, value_name = "CMD")]
    pub rotate_with: Option<String>,

    /// How long the rotation hook may run before it is killed [default: 60s]
    #[arg(long, value_name = "DUR", requires = "rotate_with")]
    pub hook_timeout: Option<Dur>,

    #[command(flatten)]
    pub meta: KeyMetaArgs,
}

pub fn run(args: SetArgs, ctx: &Ui) -> Result<()> {
    let expires = args.meta.expires_at(ctx.now())?;
    let hook = args
        .rotate_with
        .map(|c| crate::ops::hooks::new_hook(c, args.hook_timeout, ctx.now()))
        .transpose()?;
    let stored = issue::set(ctx, args.name, args.meta.new_key(), expires, hook)?;
    ctx.out.render(&stored)
}
