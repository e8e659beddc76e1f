//! Revocation: a key, or one version of it, out of service now, with a reason. Revoking
//! what is already revoked changes nothing and records nothing.

use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName};
use crate::ops::Confirmation;
use crate::vault::{EnvDb, KeyMeta, Status};

/// `revoke NAME [--version N] --reason TEXT`.
pub struct Revoke {
    pub name: KeyName,
    /// Only this version; every version otherwise.
    pub version: Option<u32>,
    /// Required and not blank.
    pub reason: String,
}

impl Revoke {
    /// This command again, with its `-e` (and `--yes` when `yes`), for a hint.
    fn command(&self, env: &EnvName, yes: bool) -> String {
        let mut w = vec!["revoke".to_owned(), "-e".into(), env.to_string()];
        w.push(self.name.to_string());
        if let Some(n) = self.version {
            w.extend(["--version".into(), n.to_string()]);
        }
        w.extend(["--reason".into(), self.reason.clone()]);
        if yes {
            w.push("--yes".into());
        }
        crate::ops::plan::command_line(&w)
    }

    /// The versions this revocation changes (those not revoked yet), oldest first.
    fn targets(&self, db: &EnvDb, key: &KeyMeta, now: i64) -> Result<Vec<u32>> {
        if let Some(n) = self.version {
            db.version(key, n)?;
        }
        Ok(db
            .versions(key)?
            .into_iter()
            .filter(|v| self.version.is_none_or(|n| n == v.version))
            .filter(|v| v.status(now) != Status::Revoked)
            .map(|v| v.version)
            .collect())
    }

    /// What will change, for the question (DESIGN §14).
    fn confirmation(&self, env: &EnvName, targets: &[u32], current: u32) -> Confirmation {
        let what = match self.version {
            Some(n) => format!("revoke version {n} of `{}` in `{env}`", self.name),
            None => format!("revoke every version of `{}` in `{env}`", self.name),
        };
        let listed: Vec<String> = targets.iter().map(|v| v.to_string()).collect();
        let mut lines = vec![format!(
            "in `{env}`, {} version(s) of `{}` are revoked at once (version {}): `get`, `run` and `export` refuse them and `verify` rejects them",
            targets.len(),
            self.name,
            listed.join(", ")
        )];
        if targets.contains(&current) {
            lines.push(format!(
                "`{}` has no usable version afterwards, and a revoked key cannot be rotated",
                self.name
            ));
        } else {
            lines.push(format!("version {current} stays as it is"));
        }
        lines.push(format!("reason: {}", self.reason));
        Confirmation {
            lines,
            warnings: Vec::new(),
            what,
            command: self.command(env, true),
        }
    }
}

/// Plan a revocation: the request checked, nothing read yet.
pub fn plan(req: Revoke) -> Result<RevokePlan> {
    if req.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    Ok(RevokePlan { req, asked: None })
}

/// A revocation about to be made (see `plan`).
pub struct RevokePlan {
    req: Revoke,
    /// The versions shown in the question: what must still be revoked under the lock.
    asked: Option<Vec<u32>>,
}

impl super::Destructive for RevokePlan {
    type Done = Revoked;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        let req = &self.req;
        let peek = ctx.open_env()?;
        let key = peek.key(&req.name)?;
        let targets = req.targets(&peek, &key, ctx.now())?;
        if targets.is_empty() {
            return Ok(None);
        }
        let current = peek.current(&key)?.version;
        let confirmation = req.confirmation(&peek.env, &targets, current);
        self.asked = Some(targets);
        Ok(Some(confirmation))
    }

    fn apply(self, ctx: &Context) -> Result<Revoked> {
        apply(ctx, self.req, self.asked)
    }
}

fn apply(ctx: &Context, req: Revoke, asked: Option<Vec<u32>>) -> Result<Revoked> {
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&req.name)?;
    let targets = req.targets(&db, &key, now)?;
    if asked.is_some_and(|a| a != targets) {
        return Err(Error::ChangedWhileAsked {
            env: db.env.clone(),
            command: req.command(&db.env, false),
        });
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
        ctx.commit(&mut db)?;
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
