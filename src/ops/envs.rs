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
    /// Its file is gone after this machine read it (DESIGN §8): never a clean pass.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// The environment in use, or (`all`) every environment: those the identity opens and,
/// named, those it cannot.
pub fn open_envs(ctx: &Context, all: bool) -> Result<(Vec<EnvDb>, Vec<SkippedEnv>)> {
    let (open, skipped): (Vec<EnvDb>, Skipped) = if all {
        ctx.open_all_envs()?
    } else {
        (vec![ctx.open_env()?], Vec::new())
    };
    let gone = if all {
        ctx.paths.gone_envs()?
    } else {
        Vec::new()
    };
    let entry = |gone: bool| {
        move |(env, e): (EnvName, Error)| SkippedEnv {
            env,
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
            gone,
        }
    };
    let skipped = skipped
        .into_iter()
        .map(entry(false))
        .chain(gone.into_iter().map(entry(true)))
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
    // DESIGN §8: a removal is accepted by `trust`, never by accepting a partial check.
    let gone: Vec<EnvName> = skipped
        .iter()
        .filter(|s| s.gone)
        .map(|s| s.env.clone())
        .collect();
    if !gone.is_empty() {
        return Err(crate::error::TeamError::EnvsGone {
            what,
            envs: env_list(&gone),
        }
        .into());
    }
    if skipped.is_empty() || accept_gap {
        return Ok(());
    }
    let names: Vec<EnvName> = skipped.iter().map(|s| s.env.clone()).collect();
    Err(Error::Unreadable {
        what,
        envs: env_list(&names),
    })
}

/// Name what a check over several environments did not cover, on stderr even with
/// `-q` (what was not checked must not go unnoticed): `not checked: …`.
pub(crate) fn warn_not_covered(ctx: &Context, verb: &str, skipped: &[SkippedEnv]) {
    let mut unreadable = Vec::new();
    for s in skipped {
        if s.gone {
            ctx.out.warn(&format!("not {verb}: {}", s.reason));
        } else {
            unreadable.push(s.env.clone());
        }
    }
    if !unreadable.is_empty() {
        ctx.out.warn(&format!(
            "not {verb}: {} (this identity is not a recipient)",
            env_list(&unreadable)
        ));
    }
}

/// Name the skipped environments on stderr, before the report: one line each when
/// there are few, one summarized line when there are many (`--json` has them all).
pub(crate) fn note_skipped(ctx: &Context, skipped: &[SkippedEnv]) {
    let (gone, skipped): (Vec<&SkippedEnv>, Vec<&SkippedEnv>) =
        skipped.iter().partition(|s| s.gone);
    for s in gone {
        ctx.out.warn(&format!("skipped: {}", s.reason));
    }
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
