//! Rotation: a new version of a key, the older ones moved out of service. One key
//! (`rotate NAME`), a batch (`rotate --all`, one commit) and `offboard` all apply a
//! [`Rotation`]. The rules live here once: a revoked key is not rotated, a new value never
//! reissues an earlier one, older versions only move forward (active → retiring → retired
//! / revoked, a grace never lengthened), and every instant is computed without overflow.

use serde::Serialize;

use super::Context;
use crate::audit::{Action, Actor};
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, fmt_time};
use crate::ops::Confirmation;
use crate::ops::hooks::{self, AllowHook, Rolled};
use crate::secret::Secret;
use crate::text::first_few;
use crate::vault::hooks::StoredHook;
use crate::vault::keys::NewVersion;
use crate::vault::{EnvDb, KeyMeta, Kind, NewKey, Status, Tx};

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
    /// on its lifetime (`next_expiry`).
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
            None => next_expiry(replaced, self.now),
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
                    None => next_expiry(&k.current, self.now),
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

/// A key's expiry policy survives rotation (DESIGN §14): the new version gets the
/// lifetime of the one it replaces (expires − created, so an absolute date given at
/// creation becomes that lifetime) again from `now`.
pub(crate) fn next_expiry(replaced: &crate::vault::VersionInfo, now: i64) -> Option<i64> {
    replaced
        .lifetime()
        .map(|l| now.saturating_add(l).min(crate::names::MAX_TIME_MS))
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

/// A revoked key is not rotated: its name stays burnt (exit 4).
fn refuse_revoked(db: &EnvDb, key: &KeyMeta, now: i64) -> Result<()> {
    let current = db.current(key)?;
    if current.status(now) == Status::Revoked {
        return Err(Error::RevokedNotRotated {
            name: key.name.clone(),
            env: db.env.clone(),
            version: current.version,
        });
    }
    Ok(())
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
    let key = peek.key(name)?;
    refuse_revoked(&peek, &key, now)?;
    // DESIGN §11: an imported key with a hook gets its value from the hook, if a person
    // on this machine approved that exact command.
    let hook = match key.kind {
        Kind::Imported if !req.no_hook => peek.hook(&key)?,
        _ => None,
    };
    if let Some(h) = &hook
        && !hooks::approved(ctx, &peek.env, name, h, &req.allow_hooks)?
    {
        return Err(Error::Hook(crate::error::HookError::HookNotApproved {
            name: name.clone(),
            env: peek.env.clone(),
        }));
    }
    let provided = match (key.kind, &hook) {
        (Kind::Imported, None) => Some(crate::input::read_value(&format!(
            "New value for {name}: "
        ))?),
        _ => None,
    };
    drop(peek);

    let mut db = ctx.write_env()?;
    let key = db.key(name)?;
    refuse_revoked(&db, &key, now)?;
    let changed = || Error::ChangedMeanwhile {
        name: name.clone(),
        env: db.env.clone(),
    };
    let value = match (&provided, &key.spec, &hook) {
        (Some(v), None, None) => v.clone(),
        (None, Some(spec), None) => crate::token::generate(spec, &db.env),
        (None, None, Some(h)) => {
            // The command approved must be the one stored now (under the lock).
            if db.hook(&key)?.as_ref() != Some(h) {
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
    if let Some(w) = production_without_grace(&db.env, req.grace) {
        ctx.out.warn(&w);
    }
    let rotation = Rotation {
        old: Old::Retire(retire_at),
        expires: req.expires,
        reason: req.reason,
        actor: ctx.actor()?,
        now,
    };
    let version = db.batch(|db| {
        let previous = db.current(&key)?.version;
        let v = rotation.apply(db, &key, previous, &value)?;
        db.update_meta(&key, &req.meta)?;
        Ok(v)
    })?;
    db.commit()?;
    ctx.committed(&db)?;
    Ok(RotatedOne {
        env: db.env.clone(),
        name: req.name,
        value: (provided.is_none() && hook.is_none()).then_some(value),
        version,
        retire_at,
        by_hook: hook.is_some(),
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
}

// ---------------------------------------------------------------- --all

/// Which keys `rotate --all` takes (revoked ones never).
#[derive(Clone, Copy, Debug)]
pub enum Select {
    Every,
    /// Whose current version is older than this.
    OlderThan(Dur),
    /// Past their `--rotate-every` period.
    Due,
}

/// `rotate --all`: every selected key in one commit.
pub struct RotateAll {
    pub select: Select,
    pub grace: Option<Dur>,
    pub expires: Option<i64>,
    pub reason: Option<String>,
    /// `--allow-hook NAME=HASH`: hooks approved for this command.
    pub allow_hooks: Vec<AllowHook>,
}

/// Where a key's new value comes from in a batch (`rotate --all`, `offboard`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// keyward generates it.
    Generate,
    /// The key's rotation hook, approved here.
    Hook(StoredHook),
    /// The key has a hook that is not approved here: it does not run.
    NotApproved,
    /// Its provider, by hand (an imported key without a hook).
    Provider,
}

impl Source {
    /// Whether the batch gives the key a new version.
    pub(crate) fn rotates(&self) -> bool {
        matches!(self, Source::Generate | Source::Hook(_))
    }

    fn tag(&self) -> u8 {
        match self {
            Source::Generate => 0,
            Source::Hook(_) => 1,
            Source::NotApproved => 2,
            Source::Provider => 3,
        }
    }
}

/// Where `key`'s new value would come from. An `--allow-hook` with a wrong hash is
/// refused here, before anything runs or changes.
pub(crate) fn source_of(
    ctx: &Context,
    db: &EnvDb,
    key: &KeyMeta,
    allow: &[AllowHook],
) -> Result<Source> {
    if key.spec.is_some() {
        return Ok(Source::Generate);
    }
    Ok(match db.hook(key)? {
        None => Source::Provider,
        Some(h) if hooks::approved(ctx, &db.env, &key.name, &h, allow)? => Source::Hook(h),
        Some(_) => Source::NotApproved,
    })
}

/// Run the approved hooks of a batch (under the writer lock): per key, what it gave. A
/// hook that cannot even be started because its access could not be journaled counts as
/// failed; the keys rolled before it are still stored.
pub(crate) fn roll_all<'k>(
    ctx: &Context,
    db: &EnvDb,
    keys: impl Iterator<Item = (&'k KeyMeta, &'k Source)>,
) -> Vec<(i64, Rolled)> {
    let mut out = Vec::new();
    for (meta, source) in keys {
        if let Source::Hook(h) = source {
            let rolled = hooks::roll(ctx, db, meta, h).unwrap_or_else(|e| {
                Rolled::Failed(format!(
                    "did not run: {}",
                    e.to_string().lines().next().unwrap_or_default()
                ))
            });
            if let Rolled::Failed(why) = &rolled {
                ctx.out.warn(&format!(
                    "the rotation hook of `{}` in `{}` {why}; `{}` was not changed (its output is not shown)",
                    meta.name, db.env, meta.name
                ));
            }
            out.push((meta.id, rolled));
        }
    }
    out
}

impl RotateAll {
    /// This command again, with its `-e` (and `--yes` when `yes`), for a hint.
    fn command(&self, env: &EnvName, yes: bool) -> String {
        let mut w: Vec<String> = vec![
            "rotate".into(),
            "-e".into(),
            env.to_string(),
            "--all".into(),
        ];
        match self.select {
            Select::Every => {}
            Select::OlderThan(age) => w.extend(["--older-than".into(), age.to_string()]),
            Select::Due => w.push("--due".into()),
        }
        if let Some(g) = self.grace {
            w.extend(["--grace".into(), g.to_string()]);
        }
        if let Some(t) = self.expires {
            w.extend(["--expires".into(), fmt_time(t)]);
        }
        if let Some(r) = &self.reason {
            w.extend(["--reason".into(), r.clone()]);
        }
        if yes {
            w.push("--yes".into());
        }
        crate::ops::plan::command_line(&w)
    }

    /// The keys this batch takes from `db`, in name order (revoked ones never).
    fn selected(&self, db: &EnvDb, now: i64) -> Result<Vec<crate::vault::KeyState>> {
        Ok(db
            .keys()?
            .into_iter()
            .filter(|k| k.current.status(now) != Status::Revoked)
            .filter(|k| match self.select {
                Select::Every => true,
                Select::OlderThan(age) => k.current.created <= age.before(now),
                Select::Due => k
                    .meta
                    .rotate_every
                    .is_some_and(|every| Dur::from_secs(every).after(k.current.created) <= now),
            })
            .collect())
    }

    /// What the batch will change, for the question (DESIGN §14).
    fn confirmation(
        &self,
        env: &EnvName,
        selected: &[(crate::vault::KeyState, Source)],
        now: i64,
    ) -> Confirmation {
        let of = |want: &dyn Fn(&Source) -> bool| -> Vec<&str> {
            selected
                .iter()
                .filter(|(_, s)| want(s))
                .map(|(k, _)| k.meta.name.as_str())
                .collect()
        };
        let generated = of(&|s| *s == Source::Generate);
        let hooked = of(&|s| matches!(s, Source::Hook(_)));
        let imported = of(&|s| !s.rotates());
        let mut lines = vec![format!(
            "in `{env}`, {} generated key(s) get a new value: {}",
            generated.len(),
            first_few(&generated)
        )];
        if !hooked.is_empty() {
            lines.push(format!(
                "{} imported key(s) get a new value from their rotation hook (run now, with the current value on stdin): {}",
                hooked.len(),
                first_few(&hooked)
            ));
        }
        if !imported.is_empty() {
            lines.push(format!(
                "{} imported key(s) are not changed (their provider issues new values): {}",
                imported.len(),
                first_few(&imported)
            ));
        }
        lines.push(grace_line(self.grace, now));
        Confirmation {
            lines,
            warnings: production_without_grace(env, self.grace)
                .into_iter()
                .collect(),
            what: format!(
                "rotate {} key(s) in `{env}`",
                generated.len() + hooked.len()
            ),
            command: self.command(env, true),
        }
    }

    /// The selected keys with where each one's new value comes from.
    fn planned(
        &self,
        ctx: &Context,
        db: &EnvDb,
        now: i64,
    ) -> Result<Vec<(crate::vault::KeyState, Source)>> {
        self.selected(db, now)?
            .into_iter()
            .map(|k| {
                let source = source_of(ctx, db, &k.meta, &self.allow_hooks)?;
                Ok((k, source))
            })
            .collect()
    }
}

/// What becomes of the old versions, said plainly.
pub(crate) fn grace_line(grace: Option<Dur>, now: i64) -> String {
    match grace {
        Some(g) => format!(
            "old versions keep passing `verify` for {g} (until {}), then stop working",
            fmt_time(g.after(now))
        ),
        None => "no grace period: old versions stop working at once".to_owned(),
    }
}

/// An environment named `prod` or `production` (any case).
pub(crate) fn is_production(env: &EnvName) -> bool {
    ["prod", "production"]
        .iter()
        .any(|p| env.as_str().eq_ignore_ascii_case(p))
}

/// DESIGN §14: rotating in production without a grace period breaks every service still
/// using the old values; say so plainly.
pub(crate) fn production_without_grace(env: &EnvName, grace: Option<Dur>) -> Option<String> {
    (is_production(env) && grace.is_none()).then(|| {
        format!(
            "`{env}` is production and there is no --grace: the old values stop working at once, and every service still using them fails (--grace 24h keeps them valid for `verify` meanwhile)"
        )
    })
}

/// Plan `rotate --all`: nothing read yet.
pub fn plan_all(req: RotateAll) -> RotateAllPlan {
    RotateAllPlan { req, asked: None }
}

/// A `rotate --all` about to be made (see `plan_all`).
pub struct RotateAllPlan {
    req: RotateAll,
    /// What the question showed, checked again under the lock.
    asked: Option<Vec<(String, u32, u8)>>,
}

impl super::Destructive for RotateAllPlan {
    type Done = Batch;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        // DESIGN §14: show what will change and ask before the writer lock is taken (a
        // person at a prompt must not block every other writer); what was confirmed
        // must still be what happens once the lock is held.
        let now = ctx.now();
        let peek = ctx.open_env()?;
        let selected = self.req.planned(ctx, &peek, now)?;
        if !selected.iter().any(|(_, s)| s.rotates()) {
            return Ok(None);
        }
        let c = self.req.confirmation(&peek.env, &selected, now);
        self.asked = Some(fingerprint(&selected));
        Ok(Some(c))
    }

    fn apply(self, ctx: &Context) -> Result<Batch> {
        rotate_all(ctx, self.req, self.asked)
    }
}

fn rotate_all(
    ctx: &Context,
    req: RotateAll,
    asked: Option<Vec<(String, u32, u8)>>,
) -> Result<Batch> {
    let now = ctx.now();
    // Not asked (`--yes`, or nothing to ask about): what a question would have said.
    let yes = asked.is_none();
    let mut db = ctx.write_env()?;
    let rotation = Rotation {
        old: Old::Retire(grace_end(req.grace, now)),
        expires: req.expires,
        reason: req.reason.clone(),
        actor: ctx.actor()?,
        now,
    };
    let selected = req.planned(ctx, &db, now)?;
    if asked.is_some_and(|a| a != fingerprint(&selected)) {
        return Err(Error::ChangedWhileAsked {
            env: db.env.clone(),
            command: req.command(&db.env, false),
        });
    }
    let rotates = selected.iter().any(|(_, s)| s.rotates());
    if let Some(w) = production_without_grace(&db.env, req.grace).filter(|_| yes && rotates) {
        ctx.out.warn(&w);
    }
    // DESIGN §11: hooks run under the writer lock, so what a provider has just issued is
    // stored by this commit and never lost to a concurrent writer.
    let mut rolled = roll_all(ctx, &db, selected.iter().map(|(k, s)| (&k.meta, s)));
    let env = db.env.clone();
    let rows = db.batch(|db| {
        let mut out = Vec::with_capacity(selected.len());
        // The new values of the batch, in name order: written together below.
        let mut issued: Vec<(&crate::vault::KeyState, Secret)> = Vec::new();
        let mut values = crate::token::Batch::default();
        for (k, source) in &selected {
            let mut hook = None;
            let value = match (&k.meta.spec, source) {
                (Some(spec), _) => Some(values.generate(spec, &env)),
                (None, Source::Hook(_)) => match take_rolled(&mut rolled, k.meta.id) {
                    Rolled::New(value) => {
                        hook = Some("new value from its rotation hook".to_owned());
                        Some(value)
                    }
                    Rolled::Failed(why) => {
                        hook = Some(format!("hook {why}"));
                        None
                    }
                },
                _ => None,
            };
            let (outcome, new_version) = match (&value, source) {
                (Some(_), _) => (Outcome::Rotated, Some(k.current.version + 1)),
                (None, Source::NotApproved) => (Outcome::HookNotApproved, None),
                (None, _) => (Outcome::NeedsNewValue, None),
            };
            let mut row = Rotated::new(&env, &k.meta, k.current.version, outcome, new_version);
            row.hook = hook;
            out.push(row);
            if let Some(value) = value {
                issued.push((k, value));
            }
        }
        // Every still valid version of these keys is older than the one it gets now.
        if let Old::Retire(at) = rotation.old {
            let ids: Vec<i64> = issued.iter().map(|(k, _)| k.meta.id).collect();
            db.retire_versions_of(&ids, at)?;
        }
        rotation.issue_all(db, &issued)?;
        Ok(out)
    })?;
    if rows.iter().any(|r| r.new_version.is_some()) {
        db.commit()?;
        ctx.committed(&db)?;
    }
    Ok(Batch(rows))
}

/// What a hook gave for key `id` (every approved hook of the batch ran).
pub(crate) fn take_rolled(rolled: &mut Vec<(i64, Rolled)>, id: i64) -> Rolled {
    match rolled.iter().position(|(k, _)| *k == id) {
        Some(i) => rolled.swap_remove(i).1,
        None => Rolled::Failed("did not run".into()),
    }
}

/// What a batch would change, to tell whether it changed while a person was asked.
fn fingerprint(selected: &[(crate::vault::KeyState, Source)]) -> Vec<(String, u32, u8)> {
    selected
        .iter()
        .map(|(k, s)| (k.meta.name.to_string(), k.current.version, s.tag()))
        .collect()
}

/// What a batch did to one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Rotated,
    /// `offboard --dry-run`.
    WouldRotate,
    /// An imported key: its provider issues the new value (or its hook failed).
    NeedsNewValue,
    /// An imported key whose rotation hook is not approved on this machine: not run.
    HookNotApproved,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Rotated => "rotated",
            Outcome::WouldRotate => "would-rotate",
            Outcome::NeedsNewValue => "needs-new-value",
            Outcome::HookNotApproved => "hook-not-approved",
        }
    }
}

/// One rotated (or skipped) key, as the batch table and `--json` show it.
#[derive(Debug, Serialize)]
pub struct Rotated {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    pub result: Outcome,
    pub old_version: u32,
    pub new_version: Option<u32>,
    /// What the key's rotation hook did, when it has one that ran (never its output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
}

impl Rotated {
    pub(crate) fn new(
        env: &EnvName,
        key: &KeyMeta,
        old_version: u32,
        result: Outcome,
        new_version: Option<u32>,
    ) -> Rotated {
        Rotated {
            env: env.to_string(),
            name: key.name.to_string(),
            kind: key.kind.as_str(),
            result,
            old_version,
            new_version,
            hook: None,
        }
    }
}

/// The rows of a batch (`rotate --all`, one environment of `offboard`).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Batch(pub Vec<Rotated>);

impl Batch {
    /// Imported keys left for their provider.
    pub fn pending(&self) -> usize {
        self.0.iter().filter(|r| r.new_version.is_none()).count()
    }

    /// Exit 8 while imported keys still need a new value (the table already says which).
    pub fn outcome(&self) -> Result<()> {
        needs_new_values(self.pending())
    }
}

pub(crate) fn needs_new_values(pending: usize) -> Result<()> {
    if pending > 0 {
        return Err(Error::Findings(format!(
            "{pending} imported key(s) need a new value from their provider"
        )));
    }
    Ok(())
}
