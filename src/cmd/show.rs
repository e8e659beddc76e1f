//! `keyward show`: one key's metadata and version history, never its value.

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::error::Result;
use crate::names::{Dur, KeyName, fmt_time, fmt_time_ms, now_ms};
use crate::output::or_dash;
use crate::vault::Status;

/// Show a key's metadata and version history (no values)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward show STRIPE_KEY\n  keyward show -e prod STRIPE_KEY --json"
)]
pub struct ShowArgs {
    /// Name of the key
    pub name: KeyName,
}

#[derive(Serialize)]
struct KeyDetail {
    env: String,
    name: String,
    kind: &'static str,
    format: Option<&'static str>,
    prefix: Option<String>,
    scopes: Vec<String>,
    note: Option<String>,
    created: String,
    rotate_every: Option<String>,
    status: Status,
    versions: Vec<VersionDetail>,
}

#[derive(Serialize)]
struct VersionDetail {
    version: u32,
    status: Status,
    created: String,
    expires: Option<String>,
    retire_at: Option<String>,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    revoke_reason: Option<String>,
}

pub fn run(args: ShowArgs, ctx: &Context) -> Result<()> {
    let env = ctx.open_env()?;
    let now = now_ms();
    let key = env.key(&args.name)?;
    let versions = env.versions(&key)?;
    let status = versions
        .last()
        .map(|v| v.status(now))
        .unwrap_or(Status::Retired);
    let detail = KeyDetail {
        env: env.env.to_string(),
        name: key.name.to_string(),
        kind: key.kind.as_str(),
        format: key.spec.as_ref().map(|g| g.format.as_str()),
        prefix: key
            .spec
            .as_ref()
            .filter(|g| g.format == crate::crypto::Format::Token)
            .map(|g| g.prefix.clone()),
        scopes: key.scopes.clone(),
        note: key.note.clone(),
        created: fmt_time_ms(key.created),
        rotate_every: key.rotate_every.map(|s| Dur::from_secs(s).to_string()),
        status,
        versions: versions
            .iter()
            .map(|v| VersionDetail {
                version: v.version,
                status: v.status(now),
                created: fmt_time_ms(v.created),
                expires: v.expires.map(fmt_time_ms),
                retire_at: v.retire_at.map(fmt_time_ms),
                revoked_at: v.revoked_at.map(fmt_time_ms),
                revoked_by: v.revoked_by.clone(),
                revoke_reason: v.revoke_reason.clone(),
            })
            .collect(),
    };
    if ctx.out.json {
        return ctx.out.json(&detail);
    }
    let mut lines = vec![
        format!("name:         {}", detail.name),
        format!("environment:  {}", detail.env),
        format!("status:       {}", detail.status.as_str()),
        format!(
            "kind:         {}{}",
            detail.kind,
            detail.format.map(|f| format!(" ({f})")).unwrap_or_default()
        ),
        format!("scopes:       {}", or_dash(Some(detail.scopes.join(", ")))),
        format!("created:      {}", fmt_time(key.created)),
        format!("rotate every: {}", or_dash(detail.rotate_every.clone())),
    ];
    if let Some(n) = &detail.note {
        lines.push(format!("note:         {n}"));
    }
    for l in lines {
        ctx.out.line(&l)?;
    }
    ctx.out.line("")?;
    let rows = versions
        .iter()
        .map(|v| {
            let status = v.status(now);
            let detail = match status {
                Status::Revoked => format!(
                    "revoked {} by {}: {}",
                    v.revoked_at.map(fmt_time).unwrap_or_default(),
                    v.revoked_by
                        .as_deref()
                        .map(crate::crypto::short_recipient)
                        .unwrap_or_else(|| "?".into()),
                    v.revoke_reason.clone().unwrap_or_default()
                ),
                Status::Retiring => format!(
                    "verifies until {}",
                    v.retire_at.map(fmt_time).unwrap_or_default()
                ),
                _ => String::new(),
            };
            vec![
                v.version.to_string(),
                status.as_str().to_owned(),
                fmt_time(v.created),
                or_dash(v.expires.map(fmt_time)),
                or_dash(Some(detail)),
            ]
        })
        .collect();
    ctx.out
        .table(&["VERSION", "STATUS", "CREATED", "EXPIRES", "DETAIL"], rows)
}
