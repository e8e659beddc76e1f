//! `keyward check`: what needs attention — expired, expiring, overdue, unused keys.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::Dur;
use crate::ops::{self, check::Check};

/// List keys needing attention; exit 8 when there are any (for scheduled CI jobs)
///
/// Reports keys that are expired, expire within --within (default 14d), are past their
/// --rotate-every period, or (with --unused-for) have not been read for that long. Revoked
/// keys are not reported.
///
/// With --all-envs, an environment the identity cannot open is named on stderr (and in
/// `skipped` with --json, which then prints `{"findings": [...], "skipped": [...]}`), and
/// the exit code is 5: a check that did not cover everything must not pass as clean.
/// --skip-unreadable accepts the gap: the exit code is then that of the environments
/// checked, and the skipped ones are still named.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward check\n  keyward check --all-envs --within 30d --unused-for 90d\n  keyward check -e prod --json"
)]
pub struct CheckArgs {
    /// Every environment the identity can open
    #[arg(long)]
    pub all_envs: bool,

    /// Report keys expiring within DUR
    #[arg(long, value_name = "DUR", default_value = "14d")]
    pub within: Dur,

    /// Report keys not read (get, run, export) for DUR
    #[arg(long, value_name = "DUR")]
    pub unused_for: Option<Dur>,

    /// With --all-envs: do not fail (exit 5) because some environments cannot be opened
    #[arg(long, requires = "all_envs")]
    pub skip_unreadable: bool,

    /// One JSON object per finding, one per line (the environments skipped are on stderr)
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,
}

pub fn run(args: CheckArgs, ctx: &Ui) -> Result<()> {
    let report = ops::check::check(
        ctx,
        Check {
            all_envs: args.all_envs,
            within: args.within,
            unused_for: args.unused_for,
            skip_unreadable: args.skip_unreadable,
        },
    )?;
    if args.jsonl {
        ctx.out.jsonl(&report.findings)?;
    } else {
        ctx.out.render(&report)?;
    }
    report.verdict()
}
