//! How an offboarding is planned (every environment, before anything changes), checked
//! again under the writer locks, and the one change it makes apart from rotations: the
//! older versions still in service of a key it cannot give a new value.

use super::Offboard;
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::ops::Context;
use crate::ops::envs::env_list;
use crate::ops::rotate::{Old, Outcome, Rotated, Rotation, Source, source_of};
use crate::vault::{EnvDb, KeyMeta, Status};

/// Plan every environment and check every refusal before anything changes.
pub(super) fn plan_all(
    ctx: &Context,
    targets: &[EnvDb],
    req: &Offboard,
    now: i64,
    dry_run: bool,
) -> Result<Vec<Plan>> {
    let mut only_recipient = Vec::new();
    let mut plans = Vec::new();
    for db in targets {
        if db.recipients()?.len() <= 1 {
            only_recipient.push(db.env.clone());
        }
        plans.push(plan_env(ctx, db, now, dry_run, req)?);
    }
    if !only_recipient.is_empty() {
        return Err(Error::OnlyRecipient {
            recipient: req.who(),
            envs: env_list(&only_recipient),
        });
    }
    refuse_not_admin(ctx, targets, req)?;
    Ok(plans)
}

/// DESIGN §15: removing a member is an admin's change. Every environment the
/// offboarding would change is asked before any is (the signer would refuse it only at
/// its own commit, after the environments before it were changed and committed, leaving
/// the person able to read the rest): exit 5 naming each one and the role held there,
/// on a dry run too.
fn refuse_not_admin(ctx: &Context, targets: &[EnvDb], req: &Offboard) -> Result<()> {
    let me = ctx.identity()?.recipient.clone();
    let mut refused = Vec::new();
    for db in targets {
        if let Some(has) = crate::ops::access::not_admin(db, &me)? {
            refused.push((db, has));
        }
    }
    let Some(((first, has), rest)) = refused.split_first() else {
        return Ok(());
    };
    let also: String = rest
        .iter()
        .map(|(db, has)| format!("; in `{}`, {has}", db.env))
        .collect();
    // An environment the person founded (and administers) must not shield them from
    // removal elsewhere: say how to offboard from the others, one at a time.
    let others: Vec<String> = targets
        .iter()
        .filter(|db| !refused.iter().any(|(r, _)| r.env == db.env))
        .map(|db| {
            crate::ops::plan::command_line(&[
                "offboard",
                req.recipient.as_str(),
                "-e",
                db.env.as_str(),
                "--reason",
                &req.reason,
            ])
        })
        .collect();
    let way = match others.is_empty() {
        true => String::new(),
        false => format!(
            "; to offboard them from the environments you administer, one at a time: `{}`",
            others.join("`, `")
        ),
    };
    Err(crate::error::SignedError::NotAllowed {
        env: first.env.clone(),
        who: first.person(&me),
        has: format!("{has}{also} (nothing was changed anywhere{way})"),
        what: format!("offboard {}", req.who()),
        needs: crate::codes::Role::Admin,
    }
    .into())
}

/// The first environment whose plan differs between the question and the writer locks.
pub(super) fn changed_env(asked: &[Plan], now: &[Plan]) -> Option<EnvName> {
    let keys = |p: &Plan| -> Vec<(String, u32, Option<u32>, Vec<u32>)> {
        p.keys
            .iter()
            .map(|(_, k)| {
                (
                    k.name.clone(),
                    k.old_version,
                    k.new_version,
                    k.revoked_older.clone(),
                )
            })
            .collect()
    };
    let env_of = |p: &Plan| p.env.parse::<EnvName>().ok();
    for i in 0..asked.len().max(now.len()) {
        match (asked.get(i), now.get(i)) {
            (Some(a), Some(b)) if a.env == b.env && keys(a) == keys(b) => continue,
            (Some(a), _) => return env_of(a),
            (None, Some(b)) => return env_of(b),
            (None, None) => break,
        }
    }
    None
}

/// What offboarding does (or would do) to one environment, with the keys to rotate.
pub(super) struct Plan {
    pub(super) env: String,
    pub(super) recipient_removed: bool,
    pub(super) verifier_key: Option<String>,
    pub(super) keys: Vec<(KeyMeta, Rotated)>,
    /// Where each key's new value comes from (same order as `keys`).
    pub(super) sources: Vec<Source>,
}

/// Every key that is not revoked: a generated one rotated (its planned new version), an
/// imported one with an approved rotation hook too; other imported ones listed as
/// needing a new value (or a hook approval).
fn plan_env(ctx: &Context, db: &EnvDb, now: i64, dry_run: bool, req: &Offboard) -> Result<Plan> {
    let mut keys = Vec::new();
    let mut sources = Vec::new();
    for k in db.keys()? {
        // Older versions still in service (retiring within an earlier grace), which the
        // person leaving read too. Without --grace they are revoked with the rest.
        let older: Vec<u32> = match req.grace {
            Some(_) => Vec::new(),
            None => db
                .versions(&k.meta)?
                .iter()
                .filter(|v| {
                    v.version < k.current.version
                        && matches!(v.status(now), Status::Active | Status::Retiring)
                })
                .map(|v| v.version)
                .collect(),
        };
        // A key whose newest version is revoked is left alone, unless an older one is
        // still in service: that one goes too.
        if k.current.status(now) == Status::Revoked && older.is_empty() {
            continue;
        }
        let source = source_of(ctx, db, &k.meta, &req.allow_hooks)?;
        let rotates = source.rotates();
        let outcome = match (rotates, dry_run, &source) {
            (true, true, _) => Outcome::WouldRotate,
            (true, false, _) => Outcome::Rotated,
            (false, _, Source::NotApproved) => Outcome::HookNotApproved,
            (false, _, _) => Outcome::NeedsNewValue,
        };
        let next = rotates.then_some(k.current.version + 1);
        let mut r = Rotated::new(&db.env, &k.meta, k.current.version, outcome, next);
        // A rotation revokes them itself; a key that is not rotated has them revoked
        // apart (`revoke_older_in_service`).
        if !rotates {
            r.revoked_older = older;
        }
        keys.push((k.meta, r));
        sources.push(source);
    }
    Ok(Plan {
        env: db.env.to_string(),
        recipient_removed: false,
        verifier_key: None,
        keys,
        sources,
    })
}

/// A key offboarding cannot give a new value (imported, or its hook failed or is not
/// approved here) keeps its current version until someone rotates it; but its older
/// versions still in service — retiring within an earlier rotation's grace — were read
/// by the person leaving and are no longer needed: those the plan named
/// (`revoked_older`, none with `--grace`) are revoked now, each with a `revoke` event,
/// as a rotation here would have. A hook that failed adds them to the plan here.
pub(super) fn revoke_older_in_service(
    db: &crate::vault::Tx<'_>,
    meta: &crate::vault::KeyMeta,
    r: &mut Rotated,
    rotation: &Rotation,
) -> Result<()> {
    if !matches!(rotation.old, Old::Revoke) {
        return Ok(());
    }
    let why = rotation.reason.as_deref().unwrap_or("offboarded");
    let mut revoked = Vec::new();
    for v in db.versions(meta)? {
        let in_service = matches!(v.status(rotation.now), Status::Active | Status::Retiring);
        if v.version < r.old_version && in_service {
            let actor_id = db.actor_id(&rotation.actor)?;
            db.revoke(meta, Some(v.version), actor_id, why, rotation.now)?;
            db.record(
                &rotation.actor,
                crate::audit::Action::Revoke,
                Some(meta.name.as_str()),
                Some(v.version),
                Some(why),
                rotation.now,
            )?;
            revoked.push(v.version);
        }
    }
    r.revoked_older = revoked;
    Ok(())
}

/// Version numbers as `1, 2`.
pub(super) fn first_few_versions(versions: &[u32]) -> String {
    versions
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", v")
}
