//! `keyward audit`: read, export and verify the audit trail (DESIGN §5).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::Context;
use super::list::Skipped;
use crate::audit::{Action, ChainReport, Event, Filter};
use crate::error::{Error, Result};
use crate::names::{When, fmt_time, now_ms};
use crate::output::{OutFile, or_dash, stdout_error};
use crate::vault::EnvDb;
use crate::vault::journal::Journal;

/// Show the audit trail: lifecycle and access events, merged in time order
///
/// Every issuance, use and deactivation is an event with its time, actor (public
/// recipient, OS user, host), key, version and reason, hash-chained so that an edit,
/// deletion or reordering is detected by `audit verify`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  keyward audit --key STRIPE_KEY --since 7d\n  keyward audit --all-envs --action revoke\n  keyward audit export --format jsonl --out audit.jsonl\n  keyward audit verify --all-envs"
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Show only the newest N events
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Only events about this key
    #[arg(long, value_name = "K")]
    pub key: Option<String>,

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

impl FilterArgs {
    fn filter(&self, now: i64) -> Filter {
        Filter {
            key: self.key.clone(),
            action: self.action,
            since: self.since.map(|w| w.before(now)),
            until: self.until.map(|w| w.before(now)),
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
    #[command(
        after_help = "Examples:\n  keyward audit verify\n  keyward audit verify --all-envs --json\n  keyward audit verify --all-envs --skip-unreadable"
    )]
    Verify {
        /// Every environment the identity can open
        #[arg(long)]
        all_envs: bool,
        /// With --all-envs: exit 0 even if some environments could not be opened (they
        /// are still named)
        #[arg(long, requires = "all_envs")]
        skip_unreadable: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Jsonl,
    Csv,
}

pub fn run(args: AuditArgs, ctx: &Context) -> Result<()> {
    let now = now_ms();
    match args.command {
        None => show(ctx, &args.filter, args.limit, now),
        Some(AuditCommand::Export {
            format,
            out,
            force,
            filter,
        }) => export(ctx, &filter, format, out, force, now),
        Some(AuditCommand::Verify {
            all_envs,
            skip_unreadable,
        }) => verify(ctx, all_envs, skip_unreadable),
    }
}

/// The access events of `db`'s environment, unsealed and chain-checked.
pub fn access_events(ctx: &Context, db: &EnvDb) -> Result<Vec<Event>> {
    match Journal::open_existing(&ctx.paths, &db.env)? {
        None => Ok(Vec::new()),
        Some(j) => j.events(&*db.audit_key()?),
    }
}

/// The environments to read, and those the identity cannot open (`all` only).
fn envs(ctx: &Context, all: bool) -> Result<(Vec<EnvDb>, super::Skipped)> {
    if all {
        ctx.open_all_envs()
    } else {
        Ok((vec![ctx.open_env()?], Vec::new()))
    }
}

fn collect(ctx: &Context, f: &FilterArgs, now: i64) -> Result<Vec<Event>> {
    let filter = f.filter(now);
    let mut events = Vec::new();
    let (open, skipped) = envs(ctx, f.all_envs)?;
    for (env, _) in skipped {
        ctx.out.note(&format!(
            "skipped `{env}`: this identity is not a recipient"
        ));
    }
    for db in open {
        events.extend(
            db.lifecycle_events()?
                .into_iter()
                .filter(|e| filter.matches(e)),
        );
        events.extend(
            access_events(ctx, &db)?
                .into_iter()
                .filter(|e| filter.matches(e)),
        );
    }
    events.sort_by(|a, b| (a.time, &a.env, a.chain, a.seq).cmp(&(b.time, &b.env, b.chain, b.seq)));
    Ok(events)
}

fn show(ctx: &Context, f: &FilterArgs, limit: Option<usize>, now: i64) -> Result<()> {
    let mut events = collect(ctx, f, now)?;
    if let Some(n) = limit {
        let skip = events.len().saturating_sub(n);
        events.drain(..skip);
    }
    if ctx.out.json {
        return ctx.out.json(&events);
    }
    if events.is_empty() {
        ctx.out.note("no events");
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|e| {
            vec![
                fmt_time(e.time),
                e.env.clone(),
                e.action.to_string(),
                or_dash(e.key.clone()),
                or_dash(e.version.map(|v| v.to_string())),
                format!(
                    "{}@{} ({})",
                    e.actor.os_user,
                    e.actor.host,
                    crate::crypto::short_recipient(&e.actor.recipient)
                ),
                or_dash(
                    e.reason
                        .clone()
                        .or_else(|| e.outcome.clone().filter(|o| o != "ok")),
                ),
            ]
        })
        .collect();
    ctx.out.table(
        &["TIME", "ENV", "ACTION", "KEY", "VER", "ACTOR", "REASON"],
        rows,
    )
}

const CSV_HEADER: &str = "env,chain,seq,time,action,key,version,actor_recipient,actor_user,actor_host,actor_via,reason,outcome,prev_hash,hash";

fn export(
    ctx: &Context,
    f: &FilterArgs,
    format: ExportFormat,
    out: Option<PathBuf>,
    force: bool,
    now: i64,
) -> Result<()> {
    let events = collect(ctx, f, now)?;
    match &out {
        Some(p) => {
            let mut file = OutFile::create(p, force)?;
            write_events(&mut file, format, &events, &|e| {
                Error::io("cannot write", p.clone(), e)
            })?;
            file.commit()?;
            ctx.out.note(&format!(
                "wrote {} event(s) to `{}`",
                events.len(),
                p.display()
            ));
        }
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write_events(&mut w, format, &events, &stdout_error)?;
        }
    }
    Ok(())
}

fn write_events(
    w: &mut dyn Write,
    format: ExportFormat,
    events: &[Event],
    io: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    match format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, events)
                .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
            w.write_all(b"\n").map_err(io)?;
        }
        ExportFormat::Jsonl => {
            for e in events {
                serde_json::to_writer(&mut *w, e)
                    .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
                w.write_all(b"\n").map_err(io)?;
            }
        }
        ExportFormat::Csv => {
            writeln!(w, "{CSV_HEADER}").map_err(io)?;
            for e in events {
                let fields = [
                    e.env.clone(),
                    e.chain.to_owned(),
                    e.seq.to_string(),
                    crate::names::fmt_time_ms(e.time),
                    e.action.to_string(),
                    e.key.clone().unwrap_or_default(),
                    e.version.map(|v| v.to_string()).unwrap_or_default(),
                    e.actor.recipient.clone(),
                    e.actor.os_user.clone(),
                    e.actor.host.clone(),
                    e.actor.via.clone(),
                    e.reason.clone().unwrap_or_default(),
                    e.outcome.clone().unwrap_or_default(),
                    hex::encode(e.prev_hash),
                    hex::encode(e.hash),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                w.write_all(line.join(",").as_bytes())
                    .and_then(|_| w.write_all(b"\r\n"))
                    .map_err(io)?;
            }
        }
    }
    w.flush().map_err(io)
}

/// RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes.
/// Fields are otherwise exact, so another system can recompute the hashes.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A verified chain's length and head hash (the genesis hash when it is empty).
fn report(db: &EnvDb, chain: &'static str, events: &[Event]) -> ChainReport {
    ChainReport {
        env: db.env.to_string(),
        chain,
        events: events.len() as u64,
        head: hex::encode(events.last().map_or(crate::audit::GENESIS, |e| e.hash)),
    }
}

/// What `audit verify --json` prints: every chain checked, and every environment that
/// was not (the same `skipped` shape as `list --json`).
#[derive(Serialize)]
struct Verified {
    chains: Vec<ChainReport>,
    skipped: Vec<Skipped>,
}

fn verify(ctx: &Context, all: bool, skip_unreadable: bool) -> Result<()> {
    let (open, skipped) = envs(ctx, all)?;
    let mut chains = Vec::new();
    for db in &open {
        // Reading each chain checks it: a break is an error naming the event.
        chains.push(report(db, "lifecycle", &db.lifecycle_events()?));
        chains.push(report(db, "access", &access_events(ctx, db)?));
    }
    // A check that did not check everything must not look like a clean pass: named on
    // stderr even with -q, and exit 5 unless --skip-unreadable.
    for (env, _) in &skipped {
        ctx.out.warn(&format!(
            "not checked `{env}`: this identity is not a recipient"
        ));
    }
    let unchecked = (!skipped.is_empty() && !skip_unreadable).then(|| Error::Unreadable {
        what: "audit verify --all-envs",
        envs: skipped
            .iter()
            .map(|(env, _)| format!("`{env}`"))
            .collect::<Vec<_>>()
            .join(", "),
    });
    if ctx.out.json {
        ctx.out.json(&Verified {
            chains,
            skipped: skipped
                .iter()
                .map(|(env, e)| Skipped {
                    env: env.to_string(),
                    reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
                })
                .collect(),
        })?;
        return unchecked.map_or(Ok(()), Err);
    }
    let rows = chains
        .iter()
        .map(|r| {
            vec![
                r.env.clone(),
                r.chain.to_owned(),
                r.events.to_string(),
                r.head.clone(),
            ]
        })
        .collect();
    ctx.out
        .table(&["ENV", "CHAIN", "EVENTS", "HEAD HASH"], rows)?;
    if let Some(e) = unchecked {
        return Err(e);
    }
    if skipped.is_empty() {
        ctx.out.note("all chains intact");
    } else {
        ctx.out.note(&format!(
            "all chains checked are intact; {} environment(s) not checked",
            skipped.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quotes_per_rfc4180() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
