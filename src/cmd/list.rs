//! `keyward list`: keys and their state, never values.

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Context;
use crate::error::Result;
use crate::names::{Dur, fmt_time, fmt_time_ms, now_ms};
use crate::output::or_dash;
use crate::vault::{EnvDb, KeyState, Status};

/// List keys with their status, version, scopes and expiry (never values)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward list\n  keyward list --all-envs --status expired\n  keyward list -e prod --json | jq -r '.keys[].name'"
)]
pub struct ListArgs {
    /// Every environment the identity can open (the others are named on stderr)
    #[arg(long)]
    pub all_envs: bool,

    /// Which keys to show, by the status of their newest version
    #[arg(long, value_enum, default_value_t = StatusFilter::All)]
    pub status: StatusFilter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Active,
    Revoked,
    Expired,
    All,
}

impl StatusFilter {
    fn admits(self, s: Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Active => s == Status::Active,
            StatusFilter::Revoked => s == Status::Revoked,
            StatusFilter::Expired => s == Status::Expired,
        }
    }
}

/// A key as `list --json` prints it: a stable shape for scripts.
#[derive(Serialize)]
pub struct KeyView {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    pub version: u32,
    pub status: Status,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: Option<String>,
    pub rotate_every: Option<String>,
    pub note: Option<String>,
    #[serde(skip)]
    pub expires_ms: Option<i64>,
}

impl KeyView {
    pub fn new(env: &EnvDb, k: &KeyState, now: i64) -> KeyView {
        KeyView {
            env: env.env.to_string(),
            name: k.meta.name.to_string(),
            kind: k.meta.kind.as_str(),
            version: k.current.version,
            status: k.current.status(now),
            scopes: k.meta.scopes.clone(),
            created: fmt_time_ms(k.meta.created),
            expires: k.current.expires.map(fmt_time_ms),
            rotate_every: k.meta.rotate_every.map(|s| Dur::from_secs(s).to_string()),
            note: k.meta.note.clone(),
            expires_ms: k.current.expires,
        }
    }
}

#[derive(Serialize)]
struct Listing {
    keys: Vec<KeyView>,
    /// Environments the identity cannot open.
    skipped: Vec<Skipped>,
}

#[derive(Serialize)]
pub struct Skipped {
    pub env: String,
    pub reason: String,
}

pub fn run(args: ListArgs, ctx: &Context) -> Result<()> {
    let now = now_ms();
    let (envs, skipped) = if args.all_envs {
        ctx.open_all_envs()?
    } else {
        (vec![ctx.open_env()?], Vec::new())
    };
    let mut keys = Vec::new();
    for env in &envs {
        for k in env.keys()? {
            if args.status.admits(k.current.status(now)) {
                keys.push(KeyView::new(env, &k, now));
            }
        }
    }
    let skipped: Vec<Skipped> = skipped
        .into_iter()
        .map(|(env, e)| Skipped {
            env: env.to_string(),
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })
        .collect();
    for s in &skipped {
        ctx.out.note(&format!(
            "skipped `{}`: this identity is not a recipient",
            s.env
        ));
    }
    if ctx.out.json {
        return ctx.out.json(&Listing { keys, skipped });
    }
    if keys.is_empty() {
        ctx.out.note("no keys");
        return Ok(());
    }
    let rows = keys
        .iter()
        .map(|k| {
            vec![
                k.env.clone(),
                k.name.clone(),
                k.kind.to_owned(),
                k.version.to_string(),
                k.status.as_str().to_owned(),
                or_dash(Some(k.scopes.join(","))),
                or_dash(k.expires_ms.map(fmt_time)),
                or_dash(k.rotate_every.clone()),
            ]
        })
        .collect();
    ctx.out.table(
        &[
            "ENV", "NAME", "KIND", "VER", "STATUS", "SCOPES", "EXPIRES", "ROTATE",
        ],
        rows,
    )
}
