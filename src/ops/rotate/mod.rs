//! Rotation: a new version of a key, the older ones moved out of service. One key
//! (`rotate NAME`), a batch (`rotate --all`, one commit) and `offboard` all apply a
//! [`Rotation`]. The rules live here once: a revoked key gets a new active version (its
//! revoked ones stay revoked), a new value never reissues an earlier one, older
//! versions only move forward (active → retiring → retired / revoked, a grace never
//! lengthened nor cut: a retiring version keeps its own end), and every instant is
//! computed without overflow.

use serde::Serialize;

use super::Context;
use crate::audit::{Action, Actor};
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, fmt_time};
use crate::ops::Confirmation;
use crate::ops::hooks::{self, AllowHook, Rolled};
use crate::secret::Secret;
use crate::text::first_few;
use crate::vault::keys::NewVersion;
use crate::vault::{EnvDb, KeyMeta, Kind, NewKey, Status, Tx};
mod all;
pub(crate) mod issued;
#[allow(unused_imports)]
pub use all::*;

/// What happens to the versions a rotation replaces.
#[derive(Clone, Copy, Debug)]
pub enum Old {
    /// `retiring` until the given time (still passing `verify`), or `retired` at once.
    Retire(Option<i64>),
    /// `revoked` at once (offboarding: the old value may be in the wrong hands).
    Revoke,
}

/// How to rotate: who, when, why, and what becomes of the old versions.
pub struct Rotation {
    pub old: Old,
    /// Expiry of the new version (`--expires`); without it the version replaced passes
    /// on its lifetime (`VersionInfo::renewed_expiry`).
    pub expires: Option<i64>,
    pub reason: Option<String>,
    pub actor: Actor,
    pub now: i64,
}

impl Rotation {
    /// Issue version `previous + 1` of `key` with `value`, move the older versions out of
    /// service and record the `rotate` event, inside the caller's change.
    pub(crate) fn apply(
        &self,
        db: &Tx<'_>,
        key: &KeyMeta,
        previous: u32,
        value: &Secret,
    ) -> Result<u32> {
        let version = self.apply_batched(db, key, previous, value)?;
        match self.old {
            Old::Retire(at) => db.retire_older(key, version, at)?,
            Old::Revoke => {
                let actor_id = db.actor_id(&self.actor)?;
                let why = self.reason.as_deref().unwrap_or("rotated");
                for v in db.versions(key)? {
                    if v.version < version && v.status(self.now) != Status::Revoked {
                        db.revoke(key, Some(v.version), actor_id, why, self.now)?;
                    }
                }
            }
        }
        Ok(version)
    }

    /// A new version only; the caller moves the older ones out of service.
    fn apply_batched(
        &self,
        db: &Tx<'_>,
        key: &KeyMeta,
        previous: u32,
        value: &Secret,
    ) -> Result<u32> {
        self.issue(db, key, &db.version(key, previous)?, value)
    }

    /// The same, given the version it replaces: `rotate --all` read every key's newest
    /// version in its selection already (no second lookup per key).
    fn issue(
        &self,
        db: &Tx<'_>,
        key: &KeyMeta,
        replaced: &crate::vault::VersionInfo,
        value: &Secret,
    ) -> Result<u32> {
        let expires = match self.expires {
            Some(e) => Some(e),
            None => replaced.renewed_expiry(self.now),
        };
        let version = db.add_version(key, replaced.version, value, expires, self.now)?;
        self.record(db, key, version)?;
        Ok(version)
    }

    /// `issue` for a whole batch (`rotate --all`): each key's next version with its
    /// value, and the `rotate` events in the same order, written together
    /// (`Tx::add_versions`, `Tx::record_each`). The caller retires the older versions.
    fn issue_all(&self, db: &Tx<'_>, issued: &[(&crate::vault::KeyState, Secret)]) -> Result<()> {
        let rows: Vec<NewVersion<'_>> = issued
            .iter()
            .map(|(k, value)| NewVersion {
                key: &k.meta,
                previous: k.current.version,
                value,
                expires: match self.expires {
                    Some(e) => Some(e),
                    None => k.current.renewed_expiry(self.now),
                },
            })
            .collect();
        db.add_versions(&rows, self.now)?;
        let events: Vec<(&str, u32)> = issued
            .iter()
            .map(|(k, _)| (k.meta.name.as_str(), k.current.version + 1))
            .collect();
        db.record_each(
            &self.actor,
            Action::Rotate,
            &events,
            self.reason.as_deref(),
            self.now,
        )
    }

    fn record(&self, db: &Tx<'_>, key: &KeyMeta, version: u32) -> Result<()> {
        db.record(
            &self.actor,
            Action::Rotate,
            Some(key.name.as_str()),
            Some(version),
            self.reason.as_deref(),
            self.now,
        )
    }
}

/// The end of a grace period starting now: `None` retires at once.
pub fn grace_end(grace: Option<Dur>, now: i64) -> Option<i64> {
    grace.map(|g| g.after(now))
}

/// The earlier version of `key` that held `value`, if any (any status: a revoked or
/// retired value may be the leaked one a rotation is meant to replace). Fingerprint
/// lookup, then a constant-time comparison of the value itself.
pub fn earlier_version_with(db: &EnvDb, key: &KeyMeta, value: &Secret) -> Result<Option<u32>> {
    for (k, v, old) in db.find_fingerprint(&value.fingerprint())? {
        if k.id == key.id && old.matches(value.expose()) {
            return Ok(Some(v.version));
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------- one key

/// `rotate NAME`.
pub struct RotateOne {
    pub name: KeyName,
    pub grace: Option<Dur>,
    pub expires: Option<i64>,
    pub reason: Option<String>,
    /// Metadata flags given (only those change).
    pub meta: NewKey,
    /// `--no-hook`: an imported key's new value comes from stdin even if it has a hook.
    pub no_hook: bool,
    /// `--allow-hook NAME=HASH`: hooks approved for this command.
    pub allow_hooks: Vec<AllowHook>,
    /// A person was asked about the missing grace already (`no_grace`): no warning.
    pub asked: bool,
}

pub fn rotate_one(ctx: &Context, req: RotateOne) -> Result<RotatedOne> {
    let now = ctx.now();
    let name = &req.name;
    // Unlock the identity (its passphrase prompt, three tries) before anything asks for
    // the new value, so a wrong passphrase never throws away a value just typed; then ask
    // for an imported key's new value before taking the writer lock: a person at a
    // prompt must not block every other writer.
    ctx.identity()?;
    let peek = ctx.open_env()?;
    // DESIGN §16: a revoked key is replaced under its name (the leaked value stays
    // revoked: a new version only retires active and retiring ones).
    let key = peek.key(name)?;
    // DESIGN §11: an imported key with a hook gets its value from the hook, if a person
    // on this machine approved that exact command.
    let hook = match key.kind {
        Kind::Imported if !req.no_hook => match peek.hook(&key)? {
            None => None,
            Some(h) => Some(
                hooks::approve(ctx, &peek.env, name, h, &req.allow_hooks)?.ok_or_else(|| {
                    Error::Hook(crate::error::HookError::HookNotApproved {
                        name: name.clone(),
                        env: peek.env.clone(),
                    })
                })?,
            ),
        },
        _ => None,
    };
    let provided = match (key.kind, &hook) {
        (Kind::Imported, None) => Some(crate::input::read_value(&format!(
            "New value for {name}: "
        ))?),
        _ => None,
    };
    drop(peek);

    let mut db = ctx.write_env()?;
    let key = db.key(name)?;
    let changed = || Error::ChangedMeanwhile {
        name: name.clone(),
        env: db.env.clone(),
    };
    // Who writes, and whether the write can be made, are settled before a hook runs: a
    // hook's provider may roll the key as it runs, and its value must then be stored.
    let actor = ctx.actor()?;
    if hook.is_some() {
        db.ready_to_write()?;
    }
    let value = match (&provided, &key.spec, &hook) {
        (Some(v), None, None) => v.clone(),
        (None, Some(spec), None) => crate::token::generate(spec, &db.env),
        (None, None, Some(h)) => {
            // The command approved must be the one stored now (under the lock).
            if db.hook(&key)?.as_ref() != Some(h.hook()) {
                return Err(changed());
            }
            match hooks::roll(ctx, &db, &key, h)? {
                Rolled::New(v) => v,
                Rolled::Failed(why) => {
                    return Err(Error::Hook(crate::error::HookError::HookFailed {
                        name: name.clone(),
                        env: db.env.clone(),
                        why,
                    }));
                }
            }
        }
        _ => return Err(changed()),
    };
    if let Some(earlier) = earlier_version_with(&db, &key, &value)? {
        return Err(Error::Reissue {
            at: String::new(),
            name: key.name.clone(),
            env: db.env.clone(),
            earlier,
        });
    }
    let retire_at = grace_end(req.grace, now);
    if let Some(w) = production_without_grace(&db.env, req.grace).filter(|_| !req.asked) {
        ctx.out.warn(&w);
    }
    let rotation = Rotation {
        old: Old::Retire(retire_at),
        expires: req.expires,
        reason: req.reason,
        actor,
        now,
    };
    let issued = match &hook {
        Some(_) => issued::Issued::one(name, &value),
        None => issued::Issued::default(),
    };
    let done = db
        .batch(|db| {
            let previous = db.current(&key)?.version;
            let v = rotation.apply(db, &key, previous, &value)?;
            db.update_meta(&key, &req.meta)?;
            Ok(v)
        })
        .and_then(|v| ctx.commit(&mut db).map(|()| v));
    let version = issued.stored_or_kept(&db, now, done)?;
    // What became of the older versions still in service, or of a revoked one replaced.
    let older = db
        .versions(&key)?
        .into_iter()
        .filter(|v| v.version < version)
        .filter_map(|v| match v.status(now) {
            Status::Retiring => Some((v.version, Status::Retiring, v.retire_at)),
            Status::Revoked if v.version + 1 == version => Some((v.version, Status::Revoked, None)),
            _ => None,
        })
        .collect();
    Ok(RotatedOne {
        env: db.env.clone(),
        name: req.name,
        value: (provided.is_none() && hook.is_none()).then_some(value),
        version,
        retire_at,
        by_hook: hook.is_some(),
        older,
    })
}

/// One rotated key; a generated value is printed once (`--json`: in the object).
/// Field order as the `--json` object has always printed it.
#[derive(Serialize)]
pub struct RotatedOne {
    pub env: EnvName,
    pub name: KeyName,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::issue::lossy_opt"
    )]
    pub value: Option<Secret>,
    pub version: u32,
    #[serde(skip)]
    pub retire_at: Option<i64>,
    /// The new value came from the key's rotation hook (and is not printed).
    #[serde(skip)]
    pub by_hook: bool,
    /// Older versions still verifying (each until its own end, DESIGN §16), and the
    /// revoked one a new version replaced.
    #[serde(skip)]
    pub older: Vec<(u32, Status, Option<i64>)>,
}
