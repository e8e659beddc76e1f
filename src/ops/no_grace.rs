//! DESIGN §16: in production, a change that stops values verifying at once asks first
//! on a terminal — `rotate` without `--grace` (as `revoke` does), and `git resolve`
//! without `--grace`, whose question offers the grace instead of warning after the
//! fact. Asking is the command's business: these only say what the question is about,
//! or `None` when there is nothing to ask.

use crate::error::Result;
use crate::names::KeyName;
use crate::ops::rotate::is_production;
use crate::ops::{Confirmation, Context};
use crate::vault::Status;

/// `rotate NAME` in production with no grace, when a version in service would retire.
pub fn rotate_question(
    ctx: &Context,
    name: &KeyName,
    grace: Option<crate::names::Dur>,
) -> Result<Option<Confirmation>> {
    let env = &ctx.env;
    if !is_production(env) || grace.is_some() {
        return Ok(None);
    }
    let db = ctx.open_env()?;
    let key = db.key(name)?;
    let current = db.current(&key)?;
    if matches!(current.status(ctx.now()), Status::Revoked | Status::Retired) {
        return Ok(None); // nothing in service retires
    }
    let word = crate::ops::plan::shell_word(name.as_str());
    Ok(Some(Confirmation {
        lines: vec![
            format!(
                "`{env}` is production and there is no --grace: `{name}` v{} stops passing `verify` at once, and every service still using it fails",
                current.version
            ),
            format!(
                "to keep it verifying meanwhile, answer n and run `keyward rotate {word} -e {env} --grace 24h`"
            ),
        ],
        warnings: Vec::new(),
        what: format!("rotate `{name}` in `{env}` with no grace"),
        command: crate::ops::plan::command_line(&[
            "rotate",
            name.as_str(),
            "-e",
            env.as_str(),
            "--yes",
        ]),
    }))
}

/// `git resolve NAME` in production with no grace, when the key has values to retire.
pub fn resolve_question(
    ctx: &Context,
    name: &KeyName,
    grace: Option<crate::names::Dur>,
) -> Result<Option<Confirmation>> {
    let env = &ctx.env;
    if !is_production(env) || grace.is_some() {
        return Ok(None);
    }
    let db = ctx.open_env()?;
    if !db
        .open_merge_conflicts()?
        .iter()
        .any(|(k, _)| k == name.as_str())
    {
        return Ok(None); // `resolve` says why there is nothing to do
    }
    let word = crate::ops::plan::shell_word(name.as_str());
    Ok(Some(Confirmation {
        lines: vec![
            format!(
                "`{env}` is production and there is no --grace: the value(s) of `{name}` other than the active one stop passing `verify` at once (either may already be deployed)"
            ),
            format!(
                "a grace keeps them verifying while services move over: answer n and run `keyward git resolve -e {env} {word} --grace 24h`"
            ),
        ],
        warnings: Vec::new(),
        what: format!("resolve `{name}` in `{env}`, retiring the other value(s) at once"),
        command: crate::ops::plan::command_line(&[
            "git",
            "resolve",
            "-e",
            env.as_str(),
            name.as_str(),
            "--yes",
        ]),
    }))
}
