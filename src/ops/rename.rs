//! Renaming and deleting a key (DESIGN §14). A rename moves the key row to a new name:
//! its versions, statuses and revocations follow by id. A delete removes every value
//! (securely: the database runs with `secure_delete`) and the key, but never an event:
//! the lifecycle chain still verifies and still tells what the key was.

use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName, loader_warning};
use crate::ops::Confirmation;
use crate::vault::{EnvDb, KeyMeta};

// ---------------------------------------------------------------- rename

/// `rename OLD NEW`.
pub struct Rename {
    pub from: KeyName,
    pub to: KeyName,
}

pub fn rename(ctx: &Context, req: Rename) -> Result<Renamed> {
    if req.from == req.to {
        return Err(Error::usage(format!(
            "cannot rename `{}` to itself: give a different new name",
            req.from
        )));
    }
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&req.from)?;
    if db.has_key(&req.to)? {
        return Err(Error::RenameTargetExists {
            from: req.from,
            to: req.to,
            env: db.env.clone(),
        });
    }
    let versions = db.versions(&key)?.len();
    let reason = format!("renamed from {}", req.from);
    db.batch(|db| {
        db.rename_key(&key, &req.to)?;
        db.record(
            &actor,
            Action::Rename,
            Some(req.to.as_str()),
            None,
            Some(&reason),
            now,
        )
    })?;
    ctx.commit(&mut db)?;
    if let Some(w) = loader_warning(&req.to) {
        ctx.out.warn(&w);
    }
    Ok(Renamed {
        env: db.env.clone(),
        from: req.from,
        to: req.to,
        versions,
        at: now,
    })
}

#[derive(Serialize)]
pub struct Renamed {
    pub env: EnvName,
    pub from: KeyName,
    pub to: KeyName,
    /// How many versions moved with the key.
    pub versions: usize,
    #[serde(skip)]
    pub at: i64,
}

// ---------------------------------------------------------------- delete

/// `delete NAME --reason TEXT`.
pub struct Delete {
    pub name: KeyName,
    /// Required and not blank.
    pub reason: String,
}

impl Delete {
    /// This command again, with its `-e` (and `--yes` when `yes`), for a hint.
    fn command(&self, env: &EnvName, yes: bool) -> String {
        let mut w = vec!["delete".to_owned(), "-e".into(), env.to_string()];
        w.push(self.name.to_string());
        w.extend(["--reason".into(), self.reason.clone()]);
        if yes {
            w.push("--yes".into());
        }
        crate::ops::plan::command_line(&w)
    }

    /// Every version with its status now, oldest first: what the delete removes.
    fn targets(db: &EnvDb, key: &KeyMeta, now: i64) -> Result<Vec<(u32, &'static str)>> {
        Ok(db
            .versions(key)?
            .into_iter()
            .map(|v| (v.version, v.status(now).as_str()))
            .collect())
    }

    /// What will be removed, for the question (DESIGN §14).
    fn confirmation(&self, env: &EnvName, targets: &[(u32, &str)]) -> Confirmation {
        let listed: Vec<String> = targets
            .iter()
            .map(|(v, s)| format!("version {v} ({s})"))
            .collect();
        Confirmation {
            lines: vec![
                format!(
                    "in `{env}`, `{}` and its {} version(s) are deleted: {}",
                    self.name,
                    targets.len(),
                    listed.join(", ")
                ),
                "their values are erased and cannot be recovered; the key's audit events stay"
                    .into(),
                format!("reason: {}", self.reason),
            ],
            warnings: Vec::new(),
            what: format!(
                "delete `{}` and its {} version(s) in `{env}`",
                self.name,
                targets.len()
            ),
            command: self.command(env, true),
        }
    }
}

/// Plan a delete: the request checked, nothing read yet.
pub fn plan_delete(req: Delete) -> Result<DeletePlan> {
    if req.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    Ok(DeletePlan { req, asked: None })
}

/// A delete about to be made (see `plan_delete`).
pub struct DeletePlan {
    req: Delete,
    /// The versions the question showed, checked again under the lock.
    asked: Option<Vec<(u32, &'static str)>>,
}

impl super::Destructive for DeletePlan {
    type Done = Deleted;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        // As `revoke`: ask before the writer lock is taken; what was confirmed must
        // still be what happens once the lock is held.
        let peek = ctx.open_env()?;
        let key = peek.key(&self.req.name)?;
        let targets = Delete::targets(&peek, &key, ctx.now())?;
        let c = self.req.confirmation(&peek.env, &targets);
        self.asked = Some(targets);
        Ok(Some(c))
    }

    fn apply(self, ctx: &Context) -> Result<Deleted> {
        delete(ctx, self.req, self.asked)
    }
}

fn delete(ctx: &Context, req: Delete, asked: Option<Vec<(u32, &'static str)>>) -> Result<Deleted> {
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&req.name)?;
    let targets = Delete::targets(&db, &key, now)?;
    if asked.is_some_and(|a| a != targets) {
        return Err(Error::ChangedWhileAsked {
            env: db.env.clone(),
            command: req.command(&db.env, false),
        });
    }
    let deleted = db.batch(|db| {
        let n = db.delete_key(&key)?;
        db.record(
            &actor,
            Action::Delete,
            Some(req.name.as_str()),
            None,
            Some(&req.reason),
            now,
        )?;
        Ok(n)
    })?;
    ctx.commit(&mut db)?;
    Ok(Deleted {
        env: db.env.clone(),
        name: req.name,
        reason: req.reason,
        deleted,
        at: now,
    })
}

#[derive(Serialize)]
pub struct Deleted {
    pub env: EnvName,
    pub name: KeyName,
    pub reason: String,
    /// How many versions were removed.
    pub deleted: usize,
    #[serde(skip)]
    pub at: i64,
}
