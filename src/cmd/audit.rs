//! `keyward audit`: read, export and verify the audit trail (DESIGN §5).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ui;
use crate::audit::Action;
use crate::error::Result;
use crate::names::{Dur, When};
use crate::ops::{
    self,
    anomalies::Anomalies,
    audit::{EventQuery, Export, ExportFormat, VerifyChains},
    follow::{Follow, FollowFormat},
    verify_git::{HeadHash, VerifyHistory},
};

/// Show the audit trail: lifecycle and access events, merged in time order
///
/// Every issuance, use and deactivation is an event with its time, actor (public
/// recipient, OS user, host), key, version and reason, hash-chained so that an edit,
/// deletion or reordering is detected by `audit verify`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  keyward audit --key STRIPE_KEY --since 7d\n  keyward audit --actor bob --action get --all-envs\n  keyward audit --all-envs --action revoke\n  keyward audit export --format jsonl --out audit.jsonl\n  keyward audit verify --all-envs"
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Show only the newest N events
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// One JSON object per event, one per line (what `audit export --format jsonl` writes)
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Only events about this key
    #[arg(long, value_name = "K")]
    pub key: Option<String>,

    /// Only events by this actor: a recipient (in full, shortened as `audit` shows it,
    /// or its first 8 characters or more) or its label (`access grant --name`)
    #[arg(long, value_name = "WHO", value_parser = actor_parser)]
    pub actor: Option<String>,

    /// Only events whose machine reported this OS user (exactly). The writer's own
    /// claim (`$USER`), bound by no signature: anyone can report a member's name
    #[arg(long, value_name = "USER", value_parser = actor_parser)]
    pub os_user: Option<String>,

    /// Only events whose machine reported this host name (exactly; unsigned, as
    /// --os-user)
    #[arg(long, value_name = "HOST", value_parser = actor_parser)]
    pub host: Option<String>,

    /// Only events of this action (init, generate, get, revoke, …)
    #[arg(long, value_name = "A", value_parser = action_parser())]
    pub action: Option<Action>,

    /// Only events at or after WHEN (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<When>,

    /// Only events at or before WHEN
    #[arg(long, value_name = "WHEN")]
    pub until: Option<When>,

    /// Every environment the identity can open
    #[arg(long)]
    pub all_envs: bool,
}

/// `--action`: one of the action names, listed in help and completions.
fn action_parser() -> impl clap::builder::TypedValueParser<Value = Action> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Action::ALL.map(Action::as_str))
        .map(|s: String| Action::from_name(&s).expect("one of the possible values"))
}

/// `--actor`: anything but an empty string (which would match no one, silently).
fn actor_parser(s: &str) -> std::result::Result<String, String> {
    if s.trim().is_empty() {
        Err(
            "an actor is a recipient or a label, an OS user or a host name; it cannot be empty"
                .into(),
        )
    } else {
        Ok(s.to_owned())
    }
}

impl FilterArgs {
    fn query(self) -> EventQuery {
        EventQuery {
            key: self.key,
            actor: self.actor,
            os_user: self.os_user,
            host: self.host,
            action: self.action,
            since: self.since,
            until: self.until,
            all_envs: self.all_envs,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write events as JSON, JSON Lines or CSV, with their hashes for re-verification
    #[command(
        after_help = "Examples:\n  keyward audit export --format csv --out audit.csv\n  keyward audit export --format jsonl --all-envs --since 2026-01-01 | ship-to-siem"
    )]
    Export {
        /// Output format
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to FILE instead of stdout: created 0600, atomically; an existing FILE is
        /// refused (exit 1) unless --force, a symbolic link always
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace an existing --out FILE (never a symbolic link)
        #[arg(long, requires = "out")]
        force: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Check every hash chain; print each chain's head hash; exit 6 if anything was changed
    ///
    /// With --all-envs, an environment the identity cannot open is not checked: it is
    /// named on stderr (and in `skipped` with --json) and the exit code is 5, unless
    /// --skip-unreadable accepts the partial check.
    ///
    /// With --git (for CI, where no pins exist), the vault's history in the git
    /// repository around it is checked instead: every commit in REVS (default: all of
    /// HEAD's history) that changed an environment file must hold a lifecycle chain that
    /// extends the chain in each of its parents (a merge: contains each parent's head).
    /// A file replaced by an unrelated one (a forgery), rewound to an earlier state or
    /// deleted is exit 6, naming the commit, its author and subject. --pin HASH also
    /// requires a head printed earlier by `audit verify` to be in a final chain. -e ENV
    /// checks that environment's file only. An identity granted after an environment
    /// began (a CI job's) checks it from the first version it can read, and says from
    /// which commit; a version it cannot read after that is a gap (exit 5 unless
    /// --skip-unreadable).
    ///
    /// A history found good whole is remembered on this machine (per vault and
    /// identity, under a key only that identity can make): the next run checks only
    /// the commits after it. --full checks everything again.
    #[command(
        group(clap::ArgGroup::new("scope").args(["all_envs", "git"]).multiple(false)),
        after_help = "Examples:\n  keyward audit verify\n  keyward audit verify --all-envs --json\n  keyward audit verify --all-envs --skip-unreadable\n  keyward audit verify --git\n  keyward audit verify --git origin/main..HEAD --pin 3f2a…(64 hex digits)\n  keyward audit verify --git -e prod origin/main..HEAD   # a CI identity granted prod only"
    )]
    Verify {
        /// Every environment the identity can open
        #[arg(long)]
        all_envs: bool,
        /// Check the vault's history in the git repository around it, instead of the
        /// files as they are now
        #[arg(long)]
        git: bool,
        /// With --git: the history to walk, as for `git rev-list` (a commit, a branch, a
        /// range such as `origin/main..HEAD`); default: all of HEAD's
        #[arg(value_name = "REVS", requires = "git")]
        revs: Vec<String>,
        /// With --git: require this chain head (from `audit verify`, 64 hex digits) to
        /// be in the chain of some environment where REVS ends
        #[arg(long, value_name = "HASH", requires = "git")]
        pin: Option<HeadHash>,
        /// With --git: check every commit again, including those whose history this
        /// machine verified before (remembered per vault and identity)
        #[arg(long, requires = "git")]
        full: bool,
        /// With --all-envs or --git: exit 0 even if some environments could not be
        /// opened (they are still named)
        #[arg(long, requires = "scope")]
        skip_unreadable: bool,
    },
    /// Look for misuse: dead keys in use, guessing, new readers, read bursts, unused keys
    ///
    /// Examines the events from --since (default: the last day) to now, against a
    /// baseline: the --baseline period (default 30d) before that. Reports, never a value:
    ///
    /// dead-key-in-use: get, run or export refused on a revoked, retired or expired
    /// version, or verify matching one (the key is still presented somewhere: rotate
    /// whatever uses it, and find out how it got there).
    ///
    /// guessing: at least --guess-threshold verify attempts by one actor, within
    /// --guess-window, with keys the environment does not hold.
    ///
    /// new-reader: an actor (recipient, OS user, host, unlock method) reading in the
    /// window whom no event of the baseline names. An environment with no event in the
    /// baseline has no baseline: nobody is new there.
    ///
    /// read-burst: a key read at least --burst-min times within --burst-window, and at
    /// least --burst-factor times its usual rate in the baseline.
    ///
    /// unused: keys not read (get, run, export) for --unused-for (as `check`).
    ///
    /// Exit 8 when anything is found, 0 when nothing is. With --all-envs, environments
    /// the identity cannot open are named on stderr and the exit code is 5 unless
    /// --skip-unreadable (as `check`).
    #[command(
        after_help = "Examples:\n  keyward audit anomalies -e prod\n  keyward audit anomalies --all-envs --since 7d --json\n  keyward audit anomalies -e prod --guess-threshold 5 --unused-for 30d"
    )]
    Anomalies(AnomaliesArgs),
    /// Print each new event as a JSON line as soon as it is committed, until interrupted
    ///
    /// Lifecycle and access events, with the fields and hashes of `audit export --format
    /// jsonl`, in chain order per environment, for a log shipper reading stdin (Vector,
    /// Fluent Bit) to send on to a SIEM. Ends on SIGINT, SIGTERM, SIGHUP or when stdout
    /// is closed, with exit 0.
    ///
    /// Without --cursor it starts with what is committed from now on. With --cursor FILE
    /// it records after each batch how far it got (0600, replaced atomically) and a
    /// restart resumes there: nothing lost, nothing repeated. A new FILE starts at the
    /// first event of every chain. Environments that appear later (--all-envs) start at
    /// their first event. A position the chain no longer holds is exit 6.
    ///
    /// Waits on file-change notification (inotify) and uses no CPU while idle; --poll
    /// DUR looks every DUR instead (network filesystems, where notification misses
    /// other machines' writes).
    #[command(
        after_help = "Examples:\n  keyward audit follow -e prod\n  keyward audit follow --all-envs --cursor /var/lib/keyward/follow.cursor | vector --config siem.toml"
    )]
    Follow {
        /// Every environment the identity can open (and those created later)
        #[arg(long)]
        all_envs: bool,
        /// Output format
        #[arg(long, value_enum, default_value = "jsonl")]
        format: FollowFormat,
        /// Record the position in FILE and resume from it
        #[arg(long, value_name = "FILE")]
        cursor: Option<PathBuf>,
        /// Look for new events every DUR instead of waiting for change notification
        #[arg(long, value_name = "DUR")]
        poll: Option<Dur>,
    },
}

#[derive(Debug, Args)]
pub struct AnomaliesArgs {
    /// Every environment the identity can open
    #[arg(long)]
    pub all_envs: bool,
    /// Start of the window examined (RFC 3339, YYYY-MM-DD, or a duration ago: 7d)
    #[arg(long, value_name = "WHEN", default_value = "1d")]
    pub since: When,
    /// How far the baseline reaches back before the window
    #[arg(long, value_name = "DUR", default_value = "30d")]
    pub baseline: Dur,
    /// Failed verify attempts by one actor within --guess-window that count as guessing
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub guess_threshold: u32,
    /// The span --guess-threshold is counted in
    #[arg(long, value_name = "DUR", default_value = "1h")]
    pub guess_window: Dur,
    /// The span reads of one key are counted in for a burst
    #[arg(long, value_name = "DUR", default_value = "1h")]
    pub burst_window: Dur,
    /// How many times its usual rate a key must be read to be a burst
    #[arg(long, value_name = "F", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub burst_factor: u32,
    /// The fewest reads within --burst-window that can be a burst
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub burst_min: u32,
    /// Report keys not read (get, run, export) for DUR
    #[arg(long, value_name = "DUR", default_value = "90d")]
    pub unused_for: Dur,
    /// With --all-envs: do not fail (exit 5) because some environments cannot be opened
    #[arg(long, requires = "all_envs")]
    pub skip_unreadable: bool,
}

pub fn run(args: AuditArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        None => {
            let log = ops::audit::events(ctx, &args.filter.query(), args.limit)?;
            if args.jsonl {
                ctx.out.jsonl(&log.events)
            } else {
                ctx.out.render(&log)
            }
        }
        // Data in the --format asked for, not a report: nothing to render.
        Some(AuditCommand::Export {
            format,
            out,
            force,
            filter,
        }) => ops::audit::export(
            ctx,
            Export {
                query: filter.query(),
                format,
                out,
                force,
            },
        ),
        Some(AuditCommand::Verify {
            git: true,
            revs,
            pin,
            skip_unreadable,
            full,
            ..
        }) => {
            let verified = ops::verify_git::verify_history(
                ctx,
                VerifyHistory {
                    revs,
                    pin,
                    skip_unreadable,
                    full,
                },
            )?;
            ctx.out.render(&verified)?;
            verified.verdict()
        }
        Some(AuditCommand::Verify {
            all_envs,
            skip_unreadable,
            ..
        }) => {
            let verified = ops::audit::verify(
                ctx,
                VerifyChains {
                    all_envs,
                    skip_unreadable,
                },
            )?;
            ctx.out.render(&verified)?;
            verified.verdict()
        }
        Some(AuditCommand::Anomalies(a)) => {
            let report = ops::anomalies::anomalies(
                ctx,
                Anomalies {
                    all_envs: a.all_envs,
                    since: a.since,
                    baseline: a.baseline,
                    guess_threshold: a.guess_threshold as usize,
                    guess_window: a.guess_window,
                    burst_window: a.burst_window,
                    burst_factor: a.burst_factor,
                    burst_min: a.burst_min as usize,
                    unused_for: a.unused_for,
                    skip_unreadable: a.skip_unreadable,
                },
            )?;
            ctx.out.render(&report)?;
            report.verdict()
        }
        // A stdout closed at start ends it at once, as one closed later does (exit 0):
        // there is nobody to follow for.
        Some(AuditCommand::Follow { .. }) if crate::sys::stdout_was_closed() => Ok(()),
        // JSON lines on stdout, not a report.
        Some(AuditCommand::Follow {
            all_envs,
            format: FollowFormat::Jsonl,
            cursor,
            poll,
        }) => ops::follow::follow(
            ctx,
            Follow {
                all_envs,
                cursor,
                poll,
            },
        ),
    }
}
