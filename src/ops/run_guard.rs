//! What `run` says around its child (DESIGN §16): the keys "every active key" left
//! out (revoked, expired, retired), named in one line — or, with `--strict` /
//! `KEYWARD_RUN_STRICT=1`, refused (exit 4) before the child starts, so a CI job does
//! not deploy without a key it expected; and after the child, when output shown
//! elsewhere had values redacted and a person watches stderr, which ones.

use crate::error::{Error, Result, TeamError};
use crate::names::KeyName;
use crate::ops::Context;
use crate::ops::release::{Pending, Released};
use crate::vault::Status;

/// `KEYWARD_RUN_STRICT`: `1`/`true` on, `0`/`false`/empty off, anything else a usage
/// error (a typo must not turn the check off silently; a value that is not UTF-8 is
/// one too, never "unset").
pub fn strict_from_env() -> Result<bool> {
    match std::env::var("KEYWARD_RUN_STRICT").as_deref() {
        Err(std::env::VarError::NotPresent) => Ok(false),
        Ok("") | Ok("0") | Ok("false") => Ok(false),
        Ok("1") | Ok("true") => Ok(true),
        Ok(_) | Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::usage("KEYWARD_RUN_STRICT must be 1 or 0"))
        }
    }
}

pub use crate::error::LeftOutOf;

/// With `--strict`, refuse (exit 4) when "every active key" left keys out, before any
/// access is journaled: nothing is handed out, started or written.
pub fn refuse_if_strict(pending: &Pending, strict: bool, of: LeftOutOf) -> Result<()> {
    if strict && !pending.left_out().is_empty() {
        return Err(TeamError::StrictLeftOut {
            env: pending.env().clone(),
            keys: describe(pending.left_out()),
            of,
        }
        .into());
    }
    Ok(())
}

/// The keys left out, named on stderr once they were handed out without them.
pub fn left_out(ctx: &Context, released: &Released, of: LeftOutOf) {
    if released.left_out.is_empty() {
        return;
    }
    let keys = describe(&released.left_out);
    ctx.out.note(&format!(
        "left out of {} (not in service): {keys}; --strict refuses to {} without them",
        of.place(),
        match of {
            LeftOutOf::Run => "start",
            LeftOutOf::Export => "export",
        }
    ));
}

fn describe(keys: &[(KeyName, Status)]) -> String {
    const SHOWN: usize = 8;
    let mut parts: Vec<String> = keys
        .iter()
        .take(SHOWN)
        .map(|(n, s)| format!("{n} ({})", s.as_str()))
        .collect();
    if keys.len() > SHOWN {
        parts.push(format!("and {} more", keys.len() - SHOWN));
    }
    parts.join(", ")
}

/// After the child: with stderr on a terminal, one note naming what was redacted from
/// each stream (`redacted STRIPE_KEY in stdout; --no-redact keeps values`).
pub fn say_redacted(ctx: &Context, stderr_on_terminal: bool, redacted: &[(&str, Vec<String>)]) {
    if !stderr_on_terminal {
        return;
    }
    let parts: Vec<String> = redacted
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(stream, names)| format!("redacted {} in {stream}", names.join(", ")))
        .collect();
    if !parts.is_empty() {
        ctx.out
            .note(&format!("{}; --no-redact keeps values", parts.join("; ")));
    }
}
