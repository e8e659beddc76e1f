//! `keyward list`: keys and their state, never values.

use clap::{Args, ValueEnum};

use super::Ui;
use crate::error::Result;
use crate::ops::{self, inspect::ListKeys};
use crate::vault::Status;

/// List keys with their status, version, scopes and expiry (never values)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward list\n  keyward list --all-envs --status expired\n  keyward list -e prod --json | jq -r '.keys[].name'\n  keyward list --all-envs --jsonl | grep merge-conflict"
)]
pub struct ListArgs {
    /// Every environment the identity can open (the others are named on stderr)
    #[arg(long)]
    pub all_envs: bool,

    /// Which keys to show, by the status of their newest version
    #[arg(long, value_enum, default_value_t = StatusFilter::All)]
    pub status: StatusFilter,

    /// One JSON object per key, one per line (the environments skipped are on stderr)
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Active,
    Revoked,
    Expired,
    All,
}

impl StatusFilter {
    /// The status keys must have, or `None` for every key.
    fn status(self) -> Option<Status> {
        match self {
            StatusFilter::All => None,
            StatusFilter::Active => Some(Status::Active),
            StatusFilter::Revoked => Some(Status::Revoked),
            StatusFilter::Expired => Some(Status::Expired),
        }
    }
}

pub fn run(args: ListArgs, ctx: &Ui) -> Result<()> {
    let listing = ops::inspect::list_keys(
        ctx,
        ListKeys {
            all_envs: args.all_envs,
            status: args.status.status(),
        },
    )?;
    if args.jsonl {
        return ctx.out.jsonl(&listing.keys);
    }
    ctx.out.render(&listing)
}
