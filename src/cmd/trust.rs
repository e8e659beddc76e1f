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
/// An environment this machine read whose file is gone (removed in git, say) is exit 6
/// for every command until `trust` accepts the removal: what this machine kept of it is
/// set aside, with who accepted it and why, and a file under that name later is new. An
/// environment accepted in another's place keeps its own access journal; the old one
/// stays beside it (with this machine's pins) as ENV.aside-TIME.db.
///
/// On a terminal it asks before changing anything; without one it needs --yes.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward trust -e prod --reason 'restored from backup after disk loss'\n  keyward trust -e dev --reason 'reviewed: reset to main' --yes\n  keyward trust -e prod --clock --reason 'the clock ran a day ahead until NTP fixed it'"
)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub command: Option<TrustCommand>,

    /// Why (required; recorded in the audit trail)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: Option<String>,

    /// Do not ask (needed without a terminal)
    #[arg(long)]
    pub yes: bool,

    /// Accept this machine's clock, set right after it ran ahead: reads are refused while
    /// the clock is behind the last access recorded here. The access journal is set
    /// aside (kept, not shown by `audit` any more) and a new one starts; nothing in the
    /// vault changes, so any member may. Refused when the clock is not behind
    #[arg(long)]
    pub clock: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum TrustCommand {
    /// Print the trust root of an environment: its first signed state and admins
    ///
    /// Every change is signed by its writer (DESIGN §15), and every signature checks
    /// back to the first signed state of the environment's history, made by the admins
    /// who started it: its root, one per environment. A machine with nothing pinned
    /// trusts it on first use and says so; CI pins it with KEYWARD_TRUST_ROOT=FINGERPRINT
    /// (or --trust-root), and a repository rewritten from another start, or replaced by
    /// another vault of the same admins, is then refused (exit 6). The fingerprint goes
    /// to stdout; --json also shows the founders' root (their keys alone, which every
    /// history they start shares).
    #[command(
        after_help = "Examples:\n  keyward trust root -e prod\n  KEYWARD_TRUST_ROOT=$(keyward trust root -e prod) keyward run -e prod -- ./deploy.sh\n  keyward trust root --json"
    )]
    Root,
}

pub fn run(args: TrustArgs, ctx: &Ui) -> Result<()> {
    if let Some(TrustCommand::Root) = args.command {
        return ctx.out.render(&trust::root(ctx)?);
    }
    let reason = args
        .reason
        .ok_or_else(|| crate::error::Error::usage("`trust` needs --reason TEXT"))?;
    if args.clock {
        return ctx.out.render(&trust::accept_clock(ctx, &reason)?);
    }
    let plan = trust::plan(ctx, Trust { reason })?;
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

impl crate::output::Render for trust::ClockAccepted {
    /// What was set aside, and what that gives up (on stderr).
    fn human(&self, out: &crate::output::Output) -> Result<()> {
        out.note(&format!(
            "this machine's clock ({}) accepted for `{}` (\"{}\"): the access journal, last written at {}, is set aside as `{}` and a new one starts; `audit`, `audit anomalies` and `audit follow` no longer show its rows (restart `audit follow` with a new cursor)",
            self.now, self.env, self.reason, self.last_access, self.journal_aside
        ));
        Ok(())
    }
}

impl crate::output::Render for trust::TrustRoot {
    /// The fingerprint on stdout (for `KEYWARD_TRUST_ROOT=$(…)`), who it is on stderr.
    fn human(&self, out: &crate::output::Output) -> Result<()> {
        let Some(root) = &self.root else {
            out.note(&format!(
                "`{}` has no signed history yet (written before signed writes): an admin's next write signs it, and its root is then printed here",
                self.env
            ));
            return Ok(());
        };
        out.line(root)?;
        let who: Vec<String> = self
            .admins
            .iter()
            .zip(&self.labels)
            .map(|(a, l)| {
                let short = crate::recipient::short_recipient(a);
                match l {
                    Some(l) => format!("{l} ({short})"),
                    None => short,
                }
            })
            .collect();
        out.note(&format!(
            "trust root of `{}`: its first signed state, by the signing keys of its first admins, {}; {} signed change(s) check back to it",
            self.env,
            who.join(", "),
            self.signatures
        ));
        Ok(())
    }
}
