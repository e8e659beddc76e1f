//! `keyward rotate`: a new version, the old one retiring for a grace period.

use clap::Args;

use super::{KeyMetaArgs, Ui};
use crate::error::Result;
use crate::names::{Dur, KeyName};
use crate::ops::hooks::AllowHook;
use crate::ops::rotate::{self, RotateAll, RotateOne, Select};

/// Rotate a key: issue a new version and retire the old one
///
/// A generated key gets a new value in the same format, prefix and scopes, printed once.
/// An imported key takes its new value from stdin (or a hidden prompt). The old version
/// stays valid for `verify` during --grace (`retiring`) but is never handed out; without
/// --grace it is retired at once. A new value equal to any earlier version of the key
/// (the leaked one, say) is refused with exit 4, and nothing changes.
///
/// With --all, every key matching --older-than or --due (default: every key) is rotated in
/// one commit. Imported keys in the batch are not changed: they are listed as needing a
/// new value from their provider, and the exit code is 8 while any remain. On a terminal,
/// --all first shows how many keys will change and the grace period, and asks; --yes
/// skips the question, and without a terminal --yes is required (exit 2 otherwise). In an
/// environment named `prod` or `production`, rotating one key without --grace asks first
/// on a terminal (--yes skips it) and warns otherwise: the old value stops working at once.
///
/// An imported key with a rotation hook (`keyward hook`) gets its new value from the
/// hook, if the hook is approved on this machine (or by --allow-hook): it runs with the
/// current value on stdin and prints the new one. A hook that fails, times out, prints
/// nothing or an invalid or earlier value changes nothing: the key is listed as
/// needs-new-value (exit 8); a hook not approved here does not run (hook-not-approved,
/// exit 8).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward rotate STRIPE_KEY --grace 1h --reason 'quarterly rotation'\n  printf %s \"$NEW\" | keyward rotate OPENAI_API_KEY\n  keyward rotate --all --due --grace 24h\n  keyward rotate -e prod --all --older-than 90d --grace 24h --yes --json"
)]
pub struct RotateArgs {
    /// Name of the key (omit with --all)
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<KeyName>,

    /// Rotate every key in the environment (one commit)
    #[arg(long)]
    pub all: bool,

    /// With --all: only keys whose current version is older than DUR
    #[arg(long, value_name = "DUR", requires = "all", conflicts_with = "due")]
    pub older_than: Option<Dur>,

    /// With --all: only keys past their --rotate-every period
    #[arg(long, requires = "all")]
    pub due: bool,

    /// How long the old version still passes `verify` (default: retired at once)
    #[arg(long, value_name = "DUR")]
    pub grace: Option<Dur>,

    /// Why (recorded in the audit trail)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Do not ask: with --all (required without a terminal), and before rotating
    /// without --grace in `prod`/`production` on a terminal
    #[arg(long)]
    pub yes: bool,

    /// Run NAME's rotation hook in this command if its hash is HASH (what `keyward hook
    /// list` shows), without an approval recorded on this machine (CI); repeatable. A
    /// wrong hash is refused and nothing runs
    #[arg(long = "allow-hook", value_name = "NAME=HASH")]
    pub allow_hooks: Vec<AllowHook>,

    /// Read an imported key's new value from stdin even if it has a rotation hook
    #[arg(long, conflicts_with = "all")]
    pub no_hook: bool,

    #[command(flatten)]
    pub meta: KeyMetaArgs,
}

pub fn run(args: RotateArgs, ctx: &Ui) -> Result<()> {
    let expires = args.meta.expires_at(ctx.now())?;
    let Some(name) = args.name else {
        let select = match (args.older_than, args.due) {
            (Some(age), _) => Select::OlderThan(age),
            (None, true) => Select::Due,
            (None, false) => Select::Every,
        };
        let plan = rotate::plan_all(RotateAll {
            select,
            grace: args.grace,
            expires,
            reason: args.reason,
            allow_hooks: args.allow_hooks,
        });
        let batch = super::confirm::confirm_and_apply(ctx, plan, args.yes)?;
        ctx.out.render(&batch)?;
        return batch.outcome();
    };
    // A generated key's new value is printed once: with stdout closed it would reach
    // no one.
    super::delivery::require_stdout(true)?;
    // DESIGN §16: in production, no grace is asked about first (on a terminal).
    let mut asked = false;
    if !args.yes
        && std::io::IsTerminal::is_terminal(&std::io::stdin())
        && let Some(q) = crate::ops::no_grace::rotate_question(ctx, &name, args.grace)?
    {
        super::confirm::confirm(&ctx.out, &q)?;
        asked = true;
    }
    let rotated = rotate::rotate_one(
        ctx,
        RotateOne {
            asked,
            name,
            grace: args.grace,
            expires,
            reason: args.reason,
            meta: args.meta.new_key(),
            no_hook: args.no_hook,
            allow_hooks: args.allow_hooks,
        },
    )?;
    // A generated value is printed once the rotation is committed; a stdout that fails
    // then cannot undo it.
    ctx.out.render(&rotated).map_err(|e| match &rotated.value {
        Some(_) => super::delivery::committed_unprinted(
            e,
            "rotate it again (that would replace it)",
            &rotated.name,
            rotated.version,
            &rotated.env,
        ),
        None => e,
    })
}
