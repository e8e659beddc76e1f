//! `keyward trust`: accept an environment file that does not extend what this machine
//! saw (a rewound or replaced file), after review.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::ops::trust::{self, Trust};

/// Accept the environment file as it is now, after review
///
/// keyward remembers (outside the vault) the history it last saw of each environment. A
/// file that does not extend it — an older state (an old branch, a restored backup) or
/// a different file altogether (replaced, forged, another vault's) — is refused for
/// writing, and a different file for reading too. After you have reviewed the file (its
/// keys, its recipients, its history: `keyward show`, `access list`, `audit`, or git),
/// `trust` accepts it: it prints what changed, records a `trust` event with your reason,
/// and remembers the file's history from now on. Trusting an earlier state of the same
/// environment writes into it what this machine saw: versions revoked, retired or
/// expired since stay so, for every reader.
///
/// On a terminal it asks before changing anything; without one it needs --yes.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward trust -e prod --reason 'restored from backup after disk loss'\n  keyward trust -e dev --reason 'reviewed: reset to main' --yes"
)]
pub struct TrustArgs {
    /// Why (required; recorded in the audit trail)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,

    /// Do not ask (needed without a terminal)
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: TrustArgs, ctx: &Ui) -> Result<()> {
    let plan = trust::plan(
        ctx,
        Trust {
            reason: args.reason,
        },
    )?;
    let trusted = super::confirm::confirm_and_apply(ctx, plan, args.yes)?;
    ctx.out.render(&trusted)
}

impl crate::output::Render for trust::Trusted {
    /// What was found and accepted (on stderr: the answer is the only data).
    fn human(&self, out: &crate::output::Output) -> Result<()> {
        for line in self.lines() {
            out.note(&line);
        }
        Ok(())
    }
}
