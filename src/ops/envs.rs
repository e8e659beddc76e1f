//! What every report over several environments shares: which ones it opens, and how
//! it names the ones it could not (a report that did not cover everything never passes
//! as clean: `require_coverage`).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::ops::{Context, Skipped};
use crate::text::{FEW, summarize};
use crate::vault::EnvDb;

/// An environment a report could not open, as `skipped` in `--json` output.
#[derive(Serialize)]
pub struct SkippedEnv {
    pub env: EnvName,
    pub reason: String,
}

/// The environment in use, or (`all`) every environment: those the identity opens and,
/// named, those it cannot.
pub fn open_envs(ctx: &Context, all: bool) -> Result<(Vec<EnvDb>, Vec<SkippedEnv>)> {
    let (open, skipped): (Vec<EnvDb>, Skipped) = if all {
        ctx.open_all_envs()?
    } else {
        (vec![ctx.open_env()?], Vec::new())
    };
    let skipped = skipped
        .into_iter()
        .map(|(env, e)| SkippedEnv {
            env,
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })
        .collect();
    Ok((open, skipped))
}

/// `` `dev`, `prod` ``: environment names for a message.
pub fn env_list(envs: &[EnvName]) -> String {
    envs.iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A check over several environments that skipped some is not a clean pass (exit 5),
/// unless the user accepted the gap (`--skip-unreadable`).
pub fn require_coverage(
    what: &'static str,
    skipped: &[SkippedEnv],
    accept_gap: bool,
) -> Result<()> {
    if skipped.is_empty() || accept_gap {
        return Ok(());
    }
    let names: Vec<EnvName> = skipped.iter().map(|s| s.env.clone()).collect();
    Err(Error::Unreadable {
        what,
        envs: env_list(&names),
    })
}

/// Name the skipped environments on stderr, before the report: one line each when
/// there are few, one summarized line when there are many (`--json` has them all).
pub(crate) fn note_skipped(ctx: &Context, skipped: &[SkippedEnv]) {
    if skipped.len() > FEW {
        let names: Vec<String> = skipped.iter().map(|s| format!("`{}`", s.env)).collect();
        ctx.out.note(&format!(
            "skipped {} environments this identity is not a recipient of: {}",
            skipped.len(),
            summarize(&names, "`--json` lists all, as `skipped`")
        ));
        return;
    }
    for s in skipped {
        ctx.out.note(&format!(
            "skipped `{}`: this identity is not a recipient",
            s.env
        ));
    }
}

/// Read both chains of each environment (see `ops::audit`) and name the skipped ones.
pub(crate) fn open_envs_noting(ctx: &Context, all: bool) -> Result<Vec<EnvDb>> {
    let (open, skipped) = open_envs(ctx, all)?;
    note_skipped(ctx, &skipped);
    Ok(open)
}
