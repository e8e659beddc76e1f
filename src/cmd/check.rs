//! `keyward check`: what needs attention — expired, expiring, overdue, unused keys.

use std::collections::HashMap;

use clap::Args;
use serde::Serialize;

use super::Context;
use super::list::Skipped;
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, fmt_time, fmt_time_ms, now_ms};
use crate::vault::{EnvDb, Status};

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
}

/// The findings and what could not be checked, as `check --all-envs --json` prints them.
#[derive(Serialize)]
struct AllEnvs<'a> {
    findings: &'a [Finding],
    skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize)]
struct Finding {
    env: String,
    name: String,
    version: u32,
    problem: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
}

pub fn run(args: CheckArgs, ctx: &Context) -> Result<()> {
    let now = now_ms();
    let (envs, skipped) = if args.all_envs {
        ctx.open_all_envs()?
    } else {
        (vec![ctx.open_env()?], Vec::new())
    };
    let mut findings = Vec::new();
    for db in &envs {
        check_env(ctx, db, &args, now, &mut findings)?;
    }
    let skipped_names: Vec<EnvName> = skipped.iter().map(|(env, _)| env.clone()).collect();
    if !skipped.is_empty() && args.skip_unreadable {
        ctx.out.warn(&format!(
            "not checked: {} (this identity is not a recipient)",
            env_list(&skipped_names)
        ));
    }
    if ctx.out.json {
        if args.all_envs {
            let skipped = skipped
                .into_iter()
                .map(|(env, e)| Skipped {
                    env: env.to_string(),
                    reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
                })
                .collect();
            ctx.out.json(&AllEnvs {
                findings: &findings,
                skipped,
            })?;
        } else {
            ctx.out.json(&findings)?;
        }
    } else if findings.is_empty() {
        ctx.out.note(if skipped_names.is_empty() {
            "all keys are in order"
        } else {
            "all keys are in order in the environments checked"
        });
    } else {
        let rows = findings
            .iter()
            .map(|f| {
                vec![
                    f.env.clone(),
                    f.name.clone(),
                    f.version.to_string(),
                    f.problem.to_owned(),
                    f.detail.clone(),
                ]
            })
            .collect();
        ctx.out
            .table(&["ENV", "NAME", "VER", "PROBLEM", "DETAIL"], rows)?;
    }
    if !skipped_names.is_empty() && !args.skip_unreadable {
        return Err(Error::Unreadable {
            what: "check",
            envs: env_list(&skipped_names),
        });
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Error::Findings(format!("{} finding(s)", findings.len())))
    }
}

/// `dev`, `prod`: environment names for a message.
pub fn env_list(envs: &[EnvName]) -> String {
    envs.iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_env(
    ctx: &Context,
    db: &EnvDb,
    args: &CheckArgs,
    now: i64,
    out: &mut Vec<Finding>,
) -> Result<()> {
    let last_use = match args.unused_for {
        Some(_) => last_access(ctx, db)?,
        None => HashMap::new(),
    };
    for k in db.keys()? {
        let v = &k.current;
        let status = v.status(now);
        if status == Status::Revoked {
            continue;
        }
        let name = k.meta.name.to_string();
        let mut push = |problem, detail: String, since: Option<i64>| {
            out.push(Finding {
                env: db.env.to_string(),
                name: name.clone(),
                version: v.version,
                problem,
                detail,
                since: since.map(fmt_time_ms),
            })
        };
        match v.expires {
            Some(e) if e <= now => push("expired", format!("expired {}", fmt_time(e)), Some(e)),
            Some(e) if e <= now + args.within.millis() => {
                push("expiring", format!("expires {}", fmt_time(e)), Some(e))
            }
            _ => {}
        }
        if let Some(every) = k.meta.rotate_every {
            let due = v.created + every * 1000;
            if due <= now {
                push(
                    "rotation-due",
                    format!(
                        "rotate every {}; due since {}",
                        Dur::from_secs(every),
                        fmt_time(due)
                    ),
                    Some(due),
                );
            }
        }
        if let Some(unused) = args.unused_for {
            let last = last_use
                .get(k.meta.name.as_str())
                .copied()
                .unwrap_or(k.meta.created)
                .max(k.meta.created);
            if last <= now - unused.millis() {
                let what = if last_use.contains_key(k.meta.name.as_str()) {
                    format!("last read {}", fmt_time(last))
                } else {
                    format!("never read since {}", fmt_time(last))
                };
                push("unused", what, Some(last));
            }
        }
    }
    Ok(())
}

/// The last time each key was handed out (get, run, export), from the access journal.
fn last_access(ctx: &Context, db: &EnvDb) -> Result<HashMap<String, i64>> {
    let mut last = HashMap::new();
    for e in crate::cmd::audit::access_events(ctx, db)? {
        if e.action.releases_value()
            && let Some(k) = e.key
        {
            let t = last.entry(k).or_insert(e.time);
            *t = (*t).max(e.time);
        }
    }
    Ok(last)
}
