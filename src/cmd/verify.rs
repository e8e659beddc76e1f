//! `keyward verify`: is the presented key (on stdin) valid in this environment?

use clap::Args;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::Context;
use crate::audit::Action;
use crate::crypto::{self, Secret};
use crate::error::{Error, Result};
use crate::names::{fmt_time_ms, now_ms};
use crate::vault::{EnvDb, KeyMeta, Status, VersionInfo};

/// Check a presented key, read from stdin, against the environment
///
/// Exit 0 when it is an active version (or a retiring one within its grace period), 4
/// when it is known but not usable (revoked, expired, retired, or a token of another
/// environment), 3 when it is unknown. Token-format keys are checked offline by their
/// checksum first; then the SHA-256 fingerprint is looked up in an index and the value
/// compared in constant time. Prints the key's name, version, status, scopes and expiry,
/// never the key. One trailing newline on stdin is ignored.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward verify -e prod --json < token.txt\n  printf %s \"$PRESENTED\" | keyward verify -e prod"
)]
pub struct VerifyArgs {}

#[derive(Serialize)]
struct Verdict {
    valid: bool,
    env: String,
    name: Option<String>,
    version: Option<u32>,
    status: Option<Status>,
    scopes: Vec<String>,
    expires: Option<String>,
    reason: Option<String>,
}

pub fn run(_args: VerifyArgs, ctx: &Context) -> Result<()> {
    let presented = read_presented()?;
    let now = now_ms();

    // Hostile or broken input is a rejected key (exit 4), not an internal error: a
    // service branching on the exit code must see "no".
    if let Some(why) = malformed(&presented) {
        let db = ctx.open_env()?;
        ctx.audit(&db, Action::Verify, None, None, "malformed")?;
        return verdict(
            ctx,
            Verdict {
                valid: false,
                env: db.env.to_string(),
                name: None,
                version: None,
                status: None,
                scopes: vec![],
                expires: None,
                reason: Some(why.to_owned()),
            },
            Some(Error::Rejected(format!("rejected: {why}"))),
        );
    }

    // Offline first: a token names its environment and carries a checksum.
    let trimmed = strip_newline(&presented).unwrap_or_else(|| presented.clone());
    let token = crypto::parse_token(trimmed.expose());
    let looks_like_token = token.is_some() || crate::token::token_shaped(trimmed.expose());
    if looks_like_token && token.is_none() {
        return reject_unknown(ctx, None, "token checksum does not match");
    }
    if let Some(info) = &token
        && info.env != ctx.env.as_str()
    {
        let env = info.env.to_owned();
        let db = ctx.open_env()?;
        ctx.audit(&db, Action::Verify, None, None, "other-environment")?;
        return verdict(
            ctx,
            Verdict {
                valid: false,
                env: ctx.env.to_string(),
                name: None,
                version: None,
                status: None,
                scopes: vec![],
                expires: None,
                reason: Some(format!("a token of environment `{env}`")),
            },
            Some(Error::Rejected(format!(
                "rejected: this is a token of environment `{env}`, not `{}`",
                ctx.env
            ))),
        );
    }

    let db = ctx.open_env()?;
    let Some((key, version)) = lookup(&db, &presented)? else {
        return reject_unknown(ctx, Some(&db), "not in this environment");
    };
    let status = version.status(now);
    let valid = version.verifies(now);
    ctx.audit(
        &db,
        Action::Verify,
        Some(&key.name),
        Some(version.version),
        if valid { "ok" } else { status.as_str() },
    )?;
    let v = Verdict {
        valid,
        env: db.env.to_string(),
        name: Some(key.name.to_string()),
        version: Some(version.version),
        status: Some(status),
        scopes: key.scopes.clone(),
        expires: version.expires.map(fmt_time_ms),
        reason: None,
    };
    let err = (!valid).then(|| {
        Error::Rejected(format!(
            "rejected: `{}` version {} in `{}` is {}",
            key.name,
            version.version,
            db.env,
            status.as_str()
        ))
    });
    verdict(ctx, v, err)
}

/// Find the version whose value is `presented`: indexed fingerprint lookup, then a
/// constant-time comparison of the value itself.
fn lookup(db: &EnvDb, presented: &Secret) -> Result<Option<(KeyMeta, VersionInfo)>> {
    for candidate in [Some(presented.clone()), strip_newline(presented)]
        .into_iter()
        .flatten()
    {
        for (key, version, value) in db.find_fingerprint(&candidate.fingerprint())? {
            if bool::from(value.expose().ct_eq(candidate.expose())) {
                return Ok(Some((key, version)));
            }
        }
    }
    Ok(None)
}

fn strip_newline(s: &Secret) -> Option<Secret> {
    let b = s.expose();
    let b = b.strip_suffix(b"\n")?;
    let b = b.strip_suffix(b"\r").unwrap_or(b);
    Some(Secret::new(b.to_vec()))
}

/// The longest value keyward stores; a presented key longer than this (plus a newline)
/// cannot match, and reading stops there so hostile input cannot exhaust memory.
const MAX_PRESENTED: usize = 64 * 1024;

/// Read the presented key: a hidden prompt on a terminal, else stdin up to one byte past
/// the limit. Accept `echo $KEY |`: the lookup tries without one trailing newline too.
fn read_presented() -> Result<Secret> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        let v = rpassword::prompt_password("Key to verify: ")
            .map_err(|e| Error::io("cannot read the key from", "/dev/tty", e))?;
        return Ok(Secret::new(v.into_bytes()));
    }
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    std::io::stdin()
        .lock()
        .take(MAX_PRESENTED as u64 + 3)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("cannot read the key from", "stdin", e))?;
    Ok(Secret::new(std::mem::take(&mut *buf)))
}

/// Why a presented key cannot be a stored value, if it cannot.
fn malformed(presented: &Secret) -> Option<&'static str> {
    let trimmed = strip_newline(presented);
    let v = trimmed.as_ref().unwrap_or(presented).expose();
    if v.is_empty() {
        Some("the presented key is empty")
    } else if v.contains(&0) {
        Some("the presented key contains a NUL byte")
    } else if v.len() > MAX_PRESENTED {
        Some("the presented key is longer than 64 KiB")
    } else {
        None
    }
}

fn reject_unknown(ctx: &Context, db: Option<&EnvDb>, why: &str) -> Result<()> {
    let opened;
    let db = match db {
        Some(db) => db,
        None => {
            opened = ctx.open_env()?;
            &opened
        }
    };
    ctx.audit(db, Action::Verify, None, None, "unknown")?;
    verdict(
        ctx,
        Verdict {
            valid: false,
            env: db.env.to_string(),
            name: None,
            version: None,
            status: None,
            scopes: vec![],
            expires: None,
            reason: Some(why.to_owned()),
        },
        Some(Error::UnknownPresentedKey {
            env: db.env.clone(),
        }),
    )
}

fn verdict(ctx: &Context, v: Verdict, err: Option<Error>) -> Result<()> {
    if ctx.out.json {
        ctx.out.json(&v)?;
    } else if v.valid {
        ctx.out.line(&format!(
            "valid: `{}` version {} in `{}` ({}){}{}",
            v.name.as_deref().unwrap_or("?"),
            v.version.unwrap_or(0),
            v.env,
            v.status.map(Status::as_str).unwrap_or("?"),
            if v.scopes.is_empty() {
                String::new()
            } else {
                format!(", scopes: {}", v.scopes.join(","))
            },
            v.expires
                .as_deref()
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default(),
        ))?;
    }
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
