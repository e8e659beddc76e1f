//! `keyward rotate`: a new version, the old one retiring for a grace period.

use clap::Args;
use serde::Serialize;

use super::{Context, KeyMetaArgs};
use crate::audit::{Action, Actor};
use crate::crypto::{self, Secret};
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, now_ms};
use crate::vault::{EnvDb, KeyMeta, Kind, Status, Tx};

/// Rotate a key: issue a new version and retire the old one
///
/// A generated key gets a new value in the same format, prefix and scopes, printed once.
/// An imported key takes its new value from stdin (or a hidden prompt). The old version
/// stays valid for `verify` during --grace (`retiring`) but is never handed out; without
/// --grace it is retired at once. A new value equal to any earlier version of the key
/// (the leaked one, say) is refused with exit 4, and nothing changes.
///
/// With --all, every key matching --older-than or --due (default: every key) is rotated in
/// one commit. Imported keys in the batch are not changed: they are listed as needing a
/// new value from their provider, and the exit code is 8 while any remain.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward rotate STRIPE_KEY --grace 1h --reason 'quarterly rotation'\n  printf %s \"$NEW\" | keyward rotate OPENAI_API_KEY\n  keyward rotate --all --due --grace 24h\n  keyward rotate -e prod --all --older-than 90d --json"
)]
pub struct RotateArgs {
    /// Name of the key (omit with --all)
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub name: Option<KeyName>,

    /// Rotate every key in the environment (one commit)
    #[arg(long)]
    pub all: bool,

    /// With --all: only keys whose current version is older than DUR
    #[arg(long, value_name = "DUR", requires = "all", conflicts_with = "due")]
    pub older_than: Option<Dur>,

    /// With --all: only keys past their --rotate-every period
    #[arg(long, requires = "all")]
    pub due: bool,

    /// How long the old version still passes `verify` (default: retired at once)
    #[arg(long, value_name = "DUR")]
    pub grace: Option<Dur>,

    /// Why (recorded in the audit trail)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    #[command(flatten)]
    pub meta: KeyMetaArgs,
}

/// What happens to the versions a rotation replaces.
#[derive(Clone, Copy, Debug)]
pub enum Old {
    /// `retiring` until the given time, or `retired` at once.
    Retire(Option<i64>),
    /// Left for the caller to retire in one statement (`EnvDb::retire_superseded`).
    RetireLater,
    /// `revoked` at once (offboarding: the old value may be in the wrong hands).
    Revoke,
}

/// One rotated (or skipped) key, as the batch table and `--json` show it.
#[derive(Debug, Serialize)]
pub struct Rotated {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    /// `rotated`, or `needs-new-value` for an imported key in a batch.
    pub result: &'static str,
    pub old_version: u32,
    pub new_version: Option<u32>,
}

/// Issue a new version of `key` with `value` and move the older versions out of service.
/// Runs inside the caller's batch; records the `rotate` event.
#[allow(clippy::too_many_arguments)]
pub fn rotate_key(
    db: &Tx<'_>,
    key: &KeyMeta,
    previous: u32,
    value: &Secret,
    old: Old,
    expires: Option<i64>,
    actor: &Actor,
    reason: Option<&str>,
    now: i64,
) -> Result<u32> {
    let version = db.add_version(key, previous, value, expires, now)?;
    match old {
        Old::Retire(at) => db.retire_older(key, version, at)?,
        Old::RetireLater => {}
        Old::Revoke => {
            let actor_id = db.actor_id(actor)?;
            let why = reason.unwrap_or("rotated");
            for v in db.versions(key)? {
                if v.version < version && v.status(now) != Status::Revoked {
                    db.revoke(key, Some(v.version), actor_id, why, now)?;
                }
            }
        }
    }
    db.record(
        actor,
        Action::Rotate,
        Some(key.name.as_str()),
        Some(version),
        reason,
        now,
    )?;
    Ok(version)
}

pub fn run(args: RotateArgs, ctx: &Context) -> Result<()> {
    let now = now_ms();
    let expires = args.meta.expires_at(now)?;
    let old = Old::Retire(args.grace.map(|g| now + g.millis()));
    match &args.name {
        Some(name) => rotate_one(ctx, &args, name, old, expires, now),
        None => rotate_all(ctx, &args, old, expires, now),
    }
}

fn rotate_one(
    ctx: &Context,
    args: &RotateArgs,
    name: &KeyName,
    old: Old,
    expires: Option<i64>,
    now: i64,
) -> Result<()> {
    // Ask for an imported key's new value before taking the writer lock: a person at
    // a prompt must not block every other writer.
    let peek = ctx.open_env()?;
    let key = peek.key(name)?;
    refuse_revoked(&peek, &key, now)?;
    let provided = match key.kind {
        Kind::Imported => Some(crypto::read_value(&format!("New value for {name}: "))?),
        Kind::Generated => None,
    };
    drop(peek);

    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(name)?;
    refuse_revoked(&db, &key, now)?;
    let value = match (&provided, &key.spec) {
        (Some(v), _) => v.clone(),
        (None, Some(spec)) => crypto::generate(spec, &db.env),
        (None, None) => {
            return Err(Error::Other(format!(
                "key `{name}` changed kind while waiting; run the command again"
            )));
        }
    };
    if let Some(earlier) = earlier_version_with(&db, &key, &value)? {
        return Err(reissue_refused("", &key.name, &db.env, earlier));
    }
    let version = db.batch(|db| {
        let previous = db.current(&key)?.version;
        let v = rotate_key(
            db,
            &key,
            previous,
            &value,
            old,
            expires,
            &actor,
            args.reason.as_deref(),
            now,
        )?;
        db.update_meta(&key, &args.meta.new_key())?;
        Ok(v)
    })?;
    db.commit()?;
    if ctx.out.json {
        let mut out = serde_json::json!({
            "env": db.env, "name": name, "version": version,
        });
        if provided.is_none() {
            out["value"] = String::from_utf8_lossy(value.expose()).into_owned().into();
        }
        return ctx.out.json(&out);
    }
    let grace = match old {
        Old::Retire(Some(at)) => format!(
            "; version {} verifies until {}",
            version - 1,
            crate::names::fmt_time(at)
        ),
        _ => format!("; version {} is retired", version - 1),
    };
    ctx.out.note(&format!(
        "rotated `{name}` in `{}` to version {version}{grace}",
        db.env
    ));
    if provided.is_none() {
        ctx.out.secret(&value, false)?;
    }
    Ok(())
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

/// Refusal of a new value equal to an earlier one: reissuing a value (perhaps the leaked
/// one) would make a rotation look done while the old value still works. Exit 4; the
/// message names the key and version, never the value. `at` locates it (`line 3: `).
pub fn reissue_refused(at: &str, name: &KeyName, env: &EnvName, earlier: u32) -> Error {
    Error::Rejected(format!(
        "{at}the new value of `{name}` in `{env}` is the value of its version {earlier}: a new version must not reissue an earlier value; nothing changed\nhint: get a fresh value from the key's provider"
    ))
}

fn refuse_revoked(db: &EnvDb, key: &KeyMeta, now: i64) -> Result<()> {
    if db.current(key)?.status(now) == Status::Revoked {
        return Err(Error::RevokedNotRotated {
            name: key.name.clone(),
            env: db.env.clone(),
            version: db.current(key)?.version,
        });
    }
    Ok(())
}

fn rotate_all(
    ctx: &Context,
    args: &RotateArgs,
    old: Old,
    expires: Option<i64>,
    now: i64,
) -> Result<()> {
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let states = db.keys()?;
    let selected: Vec<_> = states
        .into_iter()
        .filter(|k| k.current.status(now) != Status::Revoked)
        .filter(|k| match (args.older_than, args.due) {
            (Some(age), _) => k.current.created <= now - age.millis(),
            (None, true) => k
                .meta
                .rotate_every
                .is_some_and(|every| k.current.created + every * 1000 <= now),
            (None, false) => true,
        })
        .collect();
    let env = db.env.to_string();
    let results = db.batch(|db| {
        let mut out = Vec::new();
        for k in &selected {
            let (result, new_version) = match &k.meta.spec {
                Some(spec) => {
                    let value = crypto::generate(spec, &db.env);
                    let v = rotate_key(
                        db,
                        &k.meta,
                        k.current.version,
                        &value,
                        Old::RetireLater,
                        expires,
                        &actor,
                        args.reason.as_deref(),
                        now,
                    )?;
                    ("rotated", Some(v))
                }
                None => ("needs-new-value", None),
            };
            out.push(Rotated {
                env: env.clone(),
                name: k.meta.name.to_string(),
                kind: k.meta.kind.as_str(),
                result,
                old_version: k.current.version,
                new_version,
            });
        }
        if let Old::Retire(at) = old {
            db.retire_superseded(now, at)?;
        }
        Ok(out)
    })?;
    if results.iter().any(|r| r.new_version.is_some()) {
        db.commit()?;
    }
    print_batch(ctx, &results)?;
    let pending = results.iter().filter(|r| r.new_version.is_none()).count();
    if pending > 0 {
        return Err(Error::Findings(format!(
            "{pending} imported key(s) need a new value from their provider"
        )));
    }
    Ok(())
}

/// The batch table shared with `offboard`.
pub fn print_batch(ctx: &Context, results: &[Rotated]) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(results);
    }
    if results.is_empty() {
        ctx.out.note("nothing to rotate");
        return Ok(());
    }
    let rows = results
        .iter()
        .map(|r| {
            vec![
                r.env.clone(),
                r.name.clone(),
                r.kind.to_owned(),
                r.result.to_owned(),
                r.old_version.to_string(),
                r.new_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    ctx.out
        .table(&["ENV", "NAME", "KIND", "RESULT", "OLD", "NEW"], rows)?;
    let pending: Vec<&str> = results
        .iter()
        .filter(|r| r.new_version.is_none())
        .map(|r| r.name.as_str())
        .collect();
    if !pending.is_empty() {
        ctx.out.note(&format!(
            "imported keys need a new value from their provider, then `keyward rotate NAME`: {}",
            pending.join(", ")
        ));
    }
    Ok(())
}
