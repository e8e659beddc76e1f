//! Revocation: a key, or one version of it, out of service now, with a reason. Revoking
//! what is already revoked changes nothing and records nothing.

use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName, fmt_time};
use crate::output::{Output, Render};
use crate::vault::Status;

/// `revoke NAME [--version N] --reason TEXT`.
pub struct Revoke {
    pub name: KeyName,
    /// Only this version; every version otherwise.
    pub version: Option<u32>,
    /// Required and not blank.
    pub reason: String,
}

pub fn revoke(ctx: &Context, req: Revoke) -> Result<Revoked> {
    if req.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&req.name)?;
    if let Some(n) = req.version {
        db.version(&key, n)?;
    }
    let changed = db.batch(|db| {
        let actor_id = db.actor_id(&actor)?;
        let n = db.revoke(&key, req.version, actor_id, &req.reason, now)?;
        if n > 0 {
            db.record(
                &actor,
                Action::Revoke,
                Some(req.name.as_str()),
                req.version,
                Some(&req.reason),
                now,
            )?;
        }
        Ok(n)
    })?;
    if changed > 0 {
        db.commit()?;
    }
    let current = db.current(&key)?;
    Ok(Revoked {
        env: db.env.clone(),
        name: req.name,
        reason: req.reason,
        revoked: changed,
        version: req.version,
        at: now,
        still_active: (current.status(now) == Status::Active).then_some(current.version),
    })
}

/// Field order as the `--json` object has always printed it.
#[derive(Serialize)]
pub struct Revoked {
    pub env: EnvName,
    pub name: KeyName,
    pub reason: String,
    /// How many versions changed (0: already revoked).
    pub revoked: usize,
    pub version: Option<u32>,
    #[serde(skip)]
    pub at: i64,
    /// The current version, if it is still active (a single older version was revoked).
    #[serde(skip)]
    pub still_active: Option<u32>,
}

impl Render for Revoked {
    fn human(&self, out: &Output) -> Result<()> {
        let what = match self.version {
            Some(n) => format!("version {n} of `{}`", self.name),
            None => format!("every version of `{}`", self.name),
        };
        if self.revoked == 0 {
            out.note(&format!("{what} in `{}` was already revoked", self.env));
            return Ok(());
        }
        out.note(&format!(
            "revoked {what} in `{}` at {}",
            self.env,
            fmt_time(self.at)
        ));
        if let Some(v) = self.still_active {
            out.note(&format!("version {v} is still active"));
        }
        Ok(())
    }
}
