//! Read-only reports on the vault: the environments (`env list`), the keys (`list`) and
//! one key's history (`show`); never a value.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, fmt_time_ms};
use crate::ops::Context;
use crate::ops::check::{Exposures, Removal};
use crate::ops::envs::{SkippedEnv, note_skipped, open_envs};
use crate::token::Format;
use crate::vault::{EnvDb, KeyState, Status};

// ---------------------------------------------------------------- env list

/// One environment and whether the identity in use can open it.
#[derive(Serialize)]
pub struct EnvRow {
    pub env: EnvName,
    /// `yes`, `no`, `unreadable`, `unknown` without a usable identity, or `gone`: read
    /// on this machine before, its file removed since (`trust` accepts the removal).
    pub access: &'static str,
    /// DESIGN §10: the plugin binary that opened it, for a plugin identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}

/// `env list`: every environment, as a JSON array.
#[derive(Serialize)]
#[serde(transparent)]
pub struct EnvList(pub Vec<EnvRow>);

pub fn list_envs(ctx: &Context) -> Result<EnvList> {
    let envs = ctx.paths.env_names()?;
    // Without any identity we can still list names; access is then unknown.
    let identity = ctx.identity().ok();
    let mut rows = Vec::new();
    for env in envs {
        let access = match identity {
            None => "unknown",
            Some(id) => match EnvDb::can_open(&ctx.paths, &env, id.as_age()) {
                Ok(true) => "yes",
                Ok(false) => "no",
                // A plugin that cannot unlock (no terminal for its PIN, a wrong PIN,
                // not installed) says nothing about this environment: the command
                // fails with the plugin's reason rather than list every env as
                // unreadable.
                Err(
                    e @ (Error::Plugin(crate::error::PluginError::PluginMissing { .. })
                    | Error::Plugin(crate::error::PluginError::PluginNoTerminal { .. })
                    | Error::Plugin(crate::error::PluginError::PluginDeclined { .. })
                    | Error::Plugin(crate::error::PluginError::PluginRefused { .. })
                    | Error::Plugin(crate::error::PluginError::PluginFailed { .. })),
                ) => return Err(e),
                Err(_) => "unreadable",
            },
        };
        let plugin = identity
            .and_then(|id| id.plugin.clone())
            .filter(|_| access == "yes");
        rows.push(EnvRow {
            env,
            access,
            plugin,
        });
    }
    // DESIGN §8: a removal is not silence.
    for (env, _) in ctx.paths.gone_envs()? {
        rows.push(EnvRow {
            env,
            access: "gone",
            plugin: None,
        });
    }
    rows.sort_by(|a, b| a.env.cmp(&b.env));
    Ok(EnvList(rows))
}

// ---------------------------------------------------------------- list

/// `list`: the environment in use or all of them, keys whose newest version has
/// `status` (every key when `None`).
pub struct ListKeys {
    pub all_envs: bool,
    pub status: Option<Status>,
}

/// A key as `list --json` prints it: a stable shape for scripts.
#[derive(Serialize)]
pub struct KeyView {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    pub version: u32,
    /// The newest version's status, or `merge-conflict` while a merge left the key with
    /// two values nobody picked yet (DESIGN §16).
    pub status: &'static str,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: Option<String>,
    pub rotate_every: Option<String>,
    pub note: Option<String>,
    #[serde(skip)]
    pub expires_ms: Option<i64>,
}

impl KeyView {
    /// The view of `k`, taking its strings rather than copying them (`list` makes
    /// 100,000 of these).
    pub fn new(env: &EnvDb, k: KeyState, now: i64, conflict: bool) -> KeyView {
        KeyView {
            env: env.env.to_string(),
            kind: k.meta.kind.as_str(),
            version: k.current.version,
            status: if conflict {
                "merge-conflict"
            } else {
                k.current.status(now).as_str()
            },
            created: fmt_time_ms(k.meta.created),
            expires: k.current.expires.map(fmt_time_ms),
            rotate_every: k.meta.rotate_every.map(|s| Dur::from_secs(s).to_string()),
            expires_ms: k.current.expires,
            name: k.meta.name.into_string(),
            scopes: k.meta.scopes,
            note: k.meta.note,
        }
    }
}

/// What `list --json` prints.
#[derive(Serialize)]
pub struct Listing {
    pub keys: Vec<KeyView>,
    /// Environments the identity cannot open.
    pub skipped: Vec<SkippedEnv>,
}

/// `list`: the skipped environments are named on stderr and in `skipped`; listing what
/// can be read is never an error by itself (DESIGN §3).
pub fn list_keys(ctx: &Context, req: ListKeys) -> Result<Listing> {
    let now = ctx.now();
    let (envs, skipped) = open_envs(ctx, req.all_envs)?;
    let mut keys = Vec::new();
    for env in &envs {
        let conflicts: std::collections::HashSet<String> = env
            .open_merge_conflicts()?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for k in env.keys()? {
            if req.status.is_none_or(|s| s == k.current.status(now)) {
                let conflict = conflicts.contains(k.meta.name.as_str());
                keys.push(KeyView::new(env, k, now, conflict));
            }
        }
    }
    note_skipped(ctx, &skipped);
    Ok(Listing { keys, skipped })
}

// ---------------------------------------------------------------- show

/// What `show --json` prints: a key's metadata and every version, no value.
#[derive(Serialize)]
pub struct KeyDetail {
    pub env: String,
    pub name: String,
    pub kind: &'static str,
    pub format: Option<&'static str>,
    pub prefix: Option<String>,
    pub scopes: Vec<String>,
    pub note: Option<String>,
    pub created: String,
    pub rotate_every: Option<String>,
    /// The expiry policy: each new version expires this long after it is created (the
    /// current version's lifetime, carried over by rotation).
    pub lifetime: Option<String>,
    pub status: Status,
    pub versions: Vec<VersionDetail>,
    /// The key's rotation hook (DESIGN §11), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_hook: Option<HookDetail>,
    #[serde(skip)]
    pub(crate) created_ms: i64,
}

/// A rotation hook as `show` gives it: the command, its hash, whether it may run here.
#[derive(Serialize)]
pub struct HookDetail {
    pub command: String,
    pub hash: String,
    pub approved: bool,
}

#[derive(Serialize)]
pub struct VersionDetail {
    pub version: u32,
    pub status: Status,
    pub created: String,
    pub expires: Option<String>,
    pub retire_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    /// The label of who revoked it, when known (DESIGN §16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by_label: Option<String>,
    pub revoke_reason: Option<String>,
    /// Recipients removed since this (current) version was created, who could read it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exposed_to: Vec<Removal>,
    #[serde(skip)]
    pub(crate) ms: VersionTimes,
}

/// The raw times behind a version's strings, for the human table.
pub(crate) struct VersionTimes {
    pub(crate) created: i64,
    pub(crate) expires: Option<i64>,
    pub(crate) retire_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

pub fn show_key(ctx: &Context, name: &KeyName) -> Result<KeyDetail> {
    let env = ctx.open_env()?;
    let now = ctx.now();
    let key = env.key(name)?;
    let versions = env.versions(&key)?;
    let status = versions
        .last()
        .map(|v| v.status(now))
        .unwrap_or(Status::Retired);
    let exposures = Exposures::of(&env, Some(key.name.as_str()))?;
    let labels = env.known_labels()?;
    let newest = versions.last().map(|v| v.version);
    let lifetime = versions.last().and_then(|v| v.lifetime());
    let rotation_hook = match env.hook(&key)? {
        None => None,
        Some(h) => {
            let hash = crate::ops::hooks::hash(&h);
            let approved = crate::vault::approvals::Approvals::of(&ctx.paths, &env.env)?
                .approved(&key.name)?
                .as_deref()
                == Some(hash.as_str());
            Some(HookDetail {
                command: h.command,
                hash,
                approved,
            })
        }
    };
    Ok(KeyDetail {
        rotation_hook,
        env: env.env.to_string(),
        name: key.name.to_string(),
        kind: key.kind.as_str(),
        format: key.spec.as_ref().map(|g| g.format.as_str()),
        prefix: key
            .spec
            .as_ref()
            .filter(|g| g.format == Format::Token)
            .map(|g| g.prefix.clone()),
        scopes: key.scopes.clone(),
        note: key.note.clone(),
        created: fmt_time_ms(key.created),
        rotate_every: key.rotate_every.map(|s| Dur::from_secs(s).to_string()),
        lifetime: lifetime.map(fmt_lifetime),
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
                revoked_by_label: v.revoked_by.as_ref().and_then(|r| labels.get(r)).cloned(),
                revoke_reason: v.revoke_reason.clone(),
                // The newest version until it is replaced; an older one while it is
                // still in service (retiring within a grace).
                exposed_to: if Some(v.version) == newest || v.verifies(now) {
                    exposures
                        .of_current(key.name.as_str(), v, now)
                        .into_iter()
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                },
                ms: VersionTimes {
                    created: v.created,
                    expires: v.expires,
                    retire_at: v.retire_at,
                    revoked_at: v.revoked_at,
                },
            })
            .collect(),
        created_ms: key.created,
    })
}

/// A lifetime in ms as a duration (`90d`), or roughly (`about 89d 23h`) when it is not a
/// whole number of minutes (an absolute date given at creation).
fn fmt_lifetime(ms: i64) -> String {
    let secs = ms / 1000;
    if ms % 60_000 == 0 {
        return Dur::from_secs(secs).to_string();
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("about {m}m"),
        (0, _) => format!("about {h}h {m}m"),
        _ => format!("about {d}d {h}h"),
    }
}
