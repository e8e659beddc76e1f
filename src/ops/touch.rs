//! Touch once per change (DESIGN §18): with a hardware identity served by an agent, a
//! token is asked once per version of an environment file, not once per command.
//!
//! - After an environment is opened ([`opened`]): the key the token opened (if it was
//!   asked: the agent kept none for this file) goes to the agent — unless the
//!   environment's policy is `touch = every-command`, which keeps nothing (and drops what
//!   was kept of it). A kept key serves at most the policy's `max-age`.
//! - After a write ([`committed`]): the new file's key, which this process made, goes to
//!   the agent the same way, so the writer's next command asks nothing.
//! - The policy ([`set`], [`show`]): a signed `touch` event, an admin's change.
//!
//! Handing a key over is a convenience: when the agent cannot take it, the command says
//! so and goes on (the next command asks the token again).

use serde::Serialize;

use crate::audit::Action;
use crate::error::Result;
use crate::identity::filekey::Held;
use crate::names::{EnvName, TouchPolicy};
use crate::ops::Context;
use crate::vault::EnvDb;

/// What the agent files an environment's keys under: the vault and the environment.
pub fn label(ctx: &Context, env: &EnvName) -> String {
    format!("{}\t{env}", ctx.paths.root.display())
}

/// The environment of a label, when it is of this command's vault.
pub fn env_of_label<'a>(ctx: &Context, label: &'a str) -> Option<&'a str> {
    let (root, env) = label.split_once('\t')?;
    (root == ctx.paths.root.display().to_string()).then_some(env)
}

/// Hand `keys` of `db`'s file to the agent as `db`'s policy says.
fn keep(ctx: &Context, db: &EnvDb, keys: Vec<Held>) -> Result<()> {
    let identity = ctx.identity()?;
    let Some(store) = identity.file_keys() else {
        return Ok(());
    };
    // A policy that cannot be read keeps nothing (the next command asks the token).
    let policy = match db.touch_policy() {
        Ok(p) => p,
        Err(e) => {
            ctx.out.warn(&format!(
                "cannot read `{}`'s touch policy, so its key is not kept: {}",
                db.env,
                e.to_string().lines().next().unwrap_or_default()
            ));
            return Ok(());
        }
    };
    note(ctx, db, &policy);
    let label = label(ctx, &db.env);
    let handed = if policy.keeps() {
        let until = policy.max_age.map(|d| d.after(ctx.now()));
        store.keep(&label, keys, until, ctx.now())
    } else {
        // Nothing is kept for it, and nothing kept before it was every-command stays.
        store.forget(&label)
    };
    if let Err(e) = handed {
        ctx.out.warn(&format!(
            "the agent {}; the next command on `{}` asks the token again",
            e.to_string().trim_start_matches("the agent "),
            db.env
        ));
    }
    Ok(())
}

/// After `db` was opened: the key the token opened for it, if it was asked. Without an
/// agent the token is asked every time; the policy is remembered then too, so a later
/// `unlock` can name the environments that will keep asking.
pub(crate) fn opened(ctx: &Context, db: &EnvDb) -> Result<()> {
    let identity = ctx.identity()?;
    if identity.plugin.is_none() {
        return Ok(());
    }
    match identity.file_keys() {
        // The key of the file this environment was read from, if the token opened it
        // (rather than the agent's kept key): by its header, so no other file's key is
        // ever kept under this environment's policy.
        Some(store) if store.any_unwrapped() => {
            match db.file_header().and_then(|h| store.take_unwrapped(&h)) {
                Some(held) => keep(ctx, db, vec![held]),
                None => Ok(()),
            }
        }
        Some(_) => Ok(()),
        None => {
            if let Ok(policy) = db.touch_policy() {
                note(ctx, db, &policy);
            }
            Ok(())
        }
    }
}

/// Remember `db`'s policy for `unlock` (a failure only warns: nothing depends on it).
fn note(ctx: &Context, db: &EnvDb, policy: &TouchPolicy) {
    if let Some(pins) = &ctx.paths.pins
        && let Err(e) = pins.note_touch(&db.env, policy)
    {
        ctx.out.warn(&format!(
            "cannot remember `{}`'s touch policy for `keyward unlock`: {e}",
            db.env
        ));
    }
}

/// After `db` was committed: the new file's key, made by this process.
pub(crate) fn committed(ctx: &Context, db: &EnvDb) -> Result<()> {
    if ctx.identity()?.file_keys().is_none() {
        return Ok(());
    }
    match db.written_file_key() {
        Some(held) => keep(ctx, db, vec![held]),
        None => Ok(()),
    }
}

/// The policies this machine last saw in the vault in use (for `unlock`).
pub fn policies_seen(ctx: &Context) -> Result<Vec<(EnvName, TouchPolicy)>> {
    match &ctx.paths.pins {
        Some(pins) => Ok(pins.touch_seen()?.into_iter().collect()),
        None => Ok(Vec::new()),
    }
}

/// An environment's touch policy, as `env touch` shows or set it.
#[derive(Serialize)]
pub struct TouchShown {
    pub env: EnvName,
    pub touch: &'static str,
    /// Seconds; null: kept for the agent's lifetime.
    pub max_age_secs: Option<i64>,
    #[serde(skip)]
    pub policy: TouchPolicy,
    /// Whether this command changed it.
    pub changed: bool,
}

impl TouchShown {
    fn of(env: EnvName, policy: TouchPolicy, changed: bool) -> TouchShown {
        TouchShown {
            env,
            touch: policy.touch.as_str(),
            max_age_secs: policy.max_age.map(|d| d.secs),
            policy,
            changed,
        }
    }
}

/// `env touch`: the policy of the current environment.
pub fn show(ctx: &Context) -> Result<TouchShown> {
    let db = ctx.open_env()?;
    Ok(TouchShown::of(db.env.clone(), db.touch_policy()?, false))
}

/// `env touch POLICY`: record a new policy (an admin's signed change, DESIGN §15).
pub fn set(ctx: &Context, policy: TouchPolicy) -> Result<TouchShown> {
    let mut db = ctx.write_env()?;
    let identity = ctx.identity()?;
    // Refused before anything is asked of a signing key: the rules refuse it again
    // when the change is signed.
    if let Some(role) = db.role_of(&identity.recipient)?
        && role < crate::codes::Role::Admin
    {
        return Err(crate::error::SignedError::NotAllowed {
            env: db.env.clone(),
            who: ctx.who(&db, &identity.recipient),
            has: format!("a `{role}` member"),
            what: "set the touch policy".into(),
            needs: crate::codes::Role::Admin,
        }
        .into());
    }
    if db.touch_policy()? == policy {
        return Ok(TouchShown::of(db.env.clone(), policy, false));
    }
    let actor = ctx.actor()?;
    let stored = policy.stored();
    db.batch(|tx| tx.record(&actor, Action::Touch, None, None, Some(&stored), ctx.now()))?;
    ctx.commit(&mut db)?;
    Ok(TouchShown::of(db.env.clone(), policy, true))
}

/// What a hardware identity's agent holds (`identity show`): counts, never keys.
#[derive(Serialize)]
pub struct AgentHolds {
    /// File keys kept per environment of the vault in use.
    pub file_keys: std::collections::BTreeMap<String, u32>,
    /// File keys kept for other vaults.
    pub elsewhere: u32,
    /// Whether it holds the identity's signing key.
    pub signing_key: bool,
}

/// What the agent serving the identity in use holds, when it is a hardware identity's.
pub fn agent_holds(ctx: &Context) -> Result<Option<AgentHolds>> {
    let path = match &ctx.identity_spec {
        crate::identity::IdentitySpec::File(p) | crate::identity::IdentitySpec::Default(p) => p,
        crate::identity::IdentitySpec::Literal(_) => return Ok(None),
    };
    let Some(info) = crate::agent::hello(path, Some(ctx.now()))? else {
        return Ok(None);
    };
    let Some(counts) = info.file_keys else {
        return Ok(None);
    };
    let mut holds = AgentHolds {
        file_keys: Default::default(),
        elsewhere: 0,
        signing_key: info.signing.is_some(),
    };
    for (label, n) in counts {
        match env_of_label(ctx, &label) {
            Some(env) => {
                holds.file_keys.insert(env.to_owned(), n);
            }
            None => holds.elsewhere += n,
        }
    }
    Ok(Some(holds))
}

/// After the merge driver replaced `ours` (git's file for the result): the key of the
/// file now there — the one the merge wrote, or the one the token opened for the side
/// taken as it was — goes to the agent as the merged environment's policy says. A
/// failure only warns: the merge itself is done.
pub(crate) fn merged(
    ctx: &Context,
    ours: &std::path::Path,
    written: Option<&crate::identity::filekey::KeyBytes>,
) {
    if let Err(e) = hand_over_merged(ctx, ours, written) {
        ctx.out.warn(&format!(
            "the merged file's key was not handed to the agent ({}); the next command asks the token",
            e.to_string().lines().next().unwrap_or_default()
        ));
    }
}

fn hand_over_merged(
    ctx: &Context,
    ours: &std::path::Path,
    written: Option<&crate::identity::filekey::KeyBytes>,
) -> Result<()> {
    use crate::identity::filekey::{KnownKey, bind, header_of};
    let identity = ctx.identity()?;
    let Some(store) = identity.file_keys() else {
        return Ok(());
    };
    let bytes = std::fs::read(ours).map_err(|e| crate::error::Error::io("cannot read", ours, e))?;
    let Some(header) = header_of(&bytes[..]) else {
        return Ok(());
    };
    let held = match written.and_then(|k| bind(&bytes[..], k.bytes())) {
        Some(h) => h,
        None => match store.take_unwrapped(&header) {
            Some(h) => h,
            None => return Ok(()),
        },
    };
    // The merged environment's policy, read from the result with the key just bound.
    let paths = crate::vault::VaultPaths::new(ctx.paths.root.clone());
    let db = EnvDb::open_bytes_any_env(&paths, ours.to_owned(), &bytes, &KnownKey(held.copy()))?;
    keep(ctx, &db, vec![held])
}
