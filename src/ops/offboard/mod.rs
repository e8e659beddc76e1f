//! Offboarding: remove a recipient from every environment it can read and rotate what it
//! could read. Every environment is planned and every refusal checked before any is
//! changed; then each is changed in its own commit, and a failure after the first names
//! the environments already changed.

use serde::Serialize;

mod plan;

use plan::{Plan, changed_env, first_few_versions, plan_all, revoke_older_in_service};

use super::Context;
use super::check::Exposures;
use super::envs::env_list;
use super::hooks::{AllowHook, Rolled};
use super::rotate::{
    Old, Outcome, Rotated, Rotation, Source, grace_end, grace_line, needs_new_values, roll_all,
    take_rolled,
};
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName};
use crate::ops::Confirmation;
use crate::recipient::RecipientString;
use crate::text::first_few;
use crate::vault::{EnvDb, KeyMeta};

/// `offboard RECIPIENT`.
pub struct Offboard {
    pub recipient: RecipientString,
    /// Their label, for messages (DESIGN §16); looked up when not given.
    pub label: Option<String>,
    /// Required and not blank (recorded with every rotation and the offboard event).
    pub reason: String,
    /// Old versions retiring for this long; without it they are revoked at once.
    pub grace: Option<Dur>,
    pub dry_run: bool,
    /// Go ahead although some environments cannot be opened (they are still named).
    pub skip_unreadable: bool,
    /// `--allow-hook NAME=HASH`: rotation hooks approved for this command.
    pub allow_hooks: Vec<AllowHook>,
}

/// Plan an offboarding: every refusal checked and the environments the recipient can
/// read found (read-only), nothing changed.
pub fn plan(ctx: &Context, mut req: Offboard) -> Result<OffboardPlan> {
    if req.reason.trim().is_empty() {
        return Err(Error::usage("--reason must not be empty"));
    }
    let now = ctx.now();
    let me = ctx.identity()?.recipient.clone();
    if req.recipient.as_str() == me {
        return Err(Error::OffboardSelf {
            recipient: req.who(),
        });
    }
    let old = match req.grace {
        Some(_) => Old::Retire(grace_end(req.grace, now)),
        None => Old::Revoke,
    };
    // An explicit `-e`/KEYWARD_ENV limits the offboarding to that environment.
    let (readable, skipped) = if ctx.env_explicit {
        (vec![ctx.open_env()?], Vec::new())
    } else {
        ctx.open_all_envs()?
    };
    if !skipped.is_empty() {
        let names: Vec<EnvName> = skipped.into_iter().map(|(env, _)| env).collect();
        // The person may still read those: an offboarding that did not cover them must
        // not look complete.
        if !req.skip_unreadable {
            return Err(Error::Unreadable {
                what: "offboard",
                envs: env_list(&names),
            });
        }
        ctx.out.warn(&format!(
            "not offboarded from {} (this identity cannot open them): if {} can read them, ask one of their recipients to offboard there too",
            env_list(&names),
            req.who()
        ));
    }

    // 1. The environments the recipient can read (read-only so far).
    //    Where it is no longer one, the versions it could read that were never replaced
    //    are still exposed (DESIGN §14): said, and exit 8, until they are rotated.
    let mut targets: Vec<EnvDb> = Vec::new();
    let mut still_exposed = Vec::new();
    // Their label where every environment that labels them agrees; else none (the
    // recipient names them), never the first environment's word (DESIGN §16).
    if req.label.is_none() {
        req.label = crate::ops::people::agreed_label(&readable, req.recipient.as_str())?;
    }
    for peek in readable {
        if peek.has_recipient(&req.recipient)? {
            targets.push(peek);
        } else {
            still_exposed.extend(exposed_to(&peek, &req.recipient, now)?);
        }
    }

    Ok(OffboardPlan {
        req,
        targets,
        still_exposed,
        old,
        now,
        asked: None,
    })
}

/// Whom `offboard PERSON` is about: a recipient as it is, or the one member of the
/// environments it covers (`-e`, else every one this identity opens) with that label.
pub fn whom(
    ctx: &Context,
    person: &crate::ops::people::Person,
) -> Result<(RecipientString, Option<String>)> {
    if let Some(r) = person.recipient() {
        return Ok((r.clone(), None));
    }
    let dbs = if ctx.env_explicit {
        vec![ctx.open_env()?]
    } else {
        ctx.open_all_envs()?.0
    };
    // A removed member's label still names them (DESIGN §16): offboarding them again
    // says what they can still read, as it does given their recipient.
    let found = match person.resolve_among(ctx, &dbs) {
        Ok(found) => found,
        Err(e) => person.resolve_former_among(&dbs)?.ok_or(e)?,
    };
    Ok((found.recipient, found.label))
}

/// An offboarding about to be made (see `plan`).
pub struct OffboardPlan {
    req: Offboard,
    /// The environments the recipient can read, opened read-only.
    targets: Vec<EnvDb>,
    still_exposed: Vec<Exposed>,
    old: Old,
    now: i64,
    /// What the question showed, checked again under the writer locks.
    asked: Option<Vec<Plan>>,
}

impl super::Destructive for OffboardPlan {
    type Done = Offboarded;

    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>> {
        // DESIGN §14: every refusal checked, then show what will change and ask, before
        // any writer lock is taken; what was confirmed must still be what happens under
        // them.
        if self.req.dry_run {
            return Ok(None);
        }
        let plans = plan_all(ctx, &self.targets, &self.req, self.now, false)?;
        if plans.is_empty() {
            return Ok(None);
        }
        let c = self.req.confirmation(ctx, &plans, self.now);
        self.asked = Some(plans);
        Ok(Some(c))
    }

    fn apply(self, ctx: &Context) -> Result<Offboarded> {
        apply(ctx, self)
    }
}

fn apply(ctx: &Context, plan: OffboardPlan) -> Result<Offboarded> {
    let OffboardPlan {
        req,
        mut targets,
        still_exposed,
        old,
        now,
        asked,
    } = plan;
    // 2. Each environment opened for writing (writer locks taken in name order, so two
    //    offboardings cannot deadlock); whether it is a recipient is asked again under
    //    the lock. Then every environment planned and every refusal checked again before
    //    anything changes.
    if !req.dry_run {
        let envs: Vec<EnvName> = targets.drain(..).map(|db| db.env.clone()).collect();
        for env in envs {
            let db = ctx.write_env_named(&env)?;
            if db.has_recipient(&req.recipient)? {
                targets.push(db);
            }
        }
    }
    let mut plans = plan_all(ctx, &targets, &req, now, req.dry_run)?;
    if let Some(env) = asked.and_then(|asked| changed_env(&asked, &plans)) {
        return Err(Error::ChangedWhileAsked {
            env,
            command: req.command(ctx, false),
        });
    }

    // 3. Apply, one commit per environment. A failure after the first commit says
    //    which environments already changed: running the same command again finishes.
    let mut stopped = None;
    if !req.dry_run {
        let rotation = Rotation {
            old,
            expires: None,
            reason: Some(req.reason.clone()),
            actor: ctx.actor()?,
            now,
        };
        let names: Vec<EnvName> = targets.iter().map(|db| db.env.clone()).collect();
        let mut done: Vec<EnvName> = Vec::new();
        for (db, plan) in targets.iter_mut().zip(plans.iter_mut()) {
            // DESIGN §11: approved hooks run under the writer lock, before the change,
            // once the write is known to be possible; what they issued is stored, or
            // kept and said.
            let ready = if plan.sources.iter().any(|s| matches!(s, Source::Hook(_))) {
                db.ready_to_write()
            } else {
                Ok(())
            };
            let mut rolled = match ready {
                Ok(()) => roll_all(
                    ctx,
                    db,
                    plan.keys
                        .iter()
                        .zip(&plan.sources)
                        .map(|((m, _), s)| (m, s)),
                ),
                Err(_) => Vec::new(),
            };
            let issued = crate::ops::rotate::issued::Issued::of(&rolled, |id| {
                plan.keys
                    .iter()
                    .find(|(m, _)| m.id == id)
                    .map(|(m, _)| m.name.clone())
            });
            let mut verifier_key = None;
            let applied = ready
                .and_then(|()| {
                    db.batch(|db| {
                        for ((meta, r), source) in plan.keys.iter_mut().zip(&plan.sources) {
                            let value = match (&meta.spec, source) {
                                (Some(spec), _) => crate::token::generate(spec, &db.env),
                                (None, Source::Hook(_)) => {
                                    match take_rolled(&mut rolled, meta.id) {
                                        Rolled::New(v) => {
                                            r.hook =
                                                Some("new value from its rotation hook".into());
                                            v
                                        }
                                        Rolled::Failed(why) => {
                                            r.hook = Some(format!("hook {why}"));
                                            r.result = Outcome::NeedsNewValue;
                                            r.new_version = None;
                                            revoke_older_in_service(db, meta, r, &rotation)?;
                                            continue;
                                        }
                                    }
                                }
                                _ => {
                                    revoke_older_in_service(db, meta, r, &rotation)?;
                                    continue;
                                }
                            };
                            let v = rotation.apply(db, meta, r.old_version, &value)?;
                            debug_assert_eq!(r.new_version, Some(v));
                        }
                        verifier_key = super::verifier::remove_recipient(
                            db,
                            &rotation.actor,
                            &req.recipient,
                            &req.who(),
                            now,
                        )?;
                        // The reason keeps its form: `check` reads removals from it.
                        db.record_about(
                            &rotation.actor,
                            Action::Offboard,
                            req.recipient.as_str(),
                            Some(&format!("{}: {}", req.recipient, req.reason)),
                            now,
                        )?;
                        Ok(())
                    })
                })
                .and_then(|()| ctx.commit(db));
            let applied = issued.stored_or_kept(db, now, applied);
            // A failure after the file was replaced (this machine's pins, its journal,
            // the audit log) leaves the change committed: it counts as done, and is
            // reported.
            if applied.is_ok() || db.replaced() {
                plan.recipient_removed = true;
                plan.verifier_key = verifier_key;
                done.push(db.env.clone());
            }
            if let Err(failed) = applied {
                if done.is_empty() {
                    return Err(failed);
                }
                // What the committed environments hold is reported all the same: a
                // verifier key they replaced must be pinned again in every service, and
                // no later run would say so (it plans only where the recipient is left).
                let left = &names[done.len()..];
                stopped = Some(if left.is_empty() {
                    failed
                } else {
                    Error::PartlyDone {
                        failed: Box::new(failed),
                        done: env_list(&done),
                        left: env_list(left),
                        next: "run the same command again: it carries on with the environments left",
                    }
                });
                break;
            }
        }
        if stopped.is_some() {
            plans.truncate(done.len());
        }
    }
    drop(targets);
    Ok(Offboarded {
        envs: plans
            .into_iter()
            .map(|p| EnvPlan {
                env: p.env,
                recipient_removed: p.recipient_removed,
                keys: p.keys.into_iter().map(|(_, r)| r).collect(),
                verifier_key: p.verifier_key,
            })
            .collect(),
        recipient: req.who(),
        still_exposed,
        dry_run: req.dry_run,
        limited_to: ctx.env_explicit.then(|| ctx.env.clone()),
        stopped,
    })
}

impl Offboard {
    /// The person, as messages name them: `Bob (age1chh…)`.
    fn who(&self) -> String {
        crate::recipient::person(self.recipient.as_str(), self.label.as_deref())
    }

    /// This command again, with its `-e` if one limited it (and `--yes` when `yes`).
    fn command(&self, ctx: &Context, yes: bool) -> String {
        let mut w = vec!["offboard".to_owned(), self.recipient.as_str().to_owned()];
        w.extend(["--reason".into(), self.reason.clone()]);
        if let Some(g) = self.grace {
            w.extend(["--grace".into(), g.to_string()]);
        }
        if self.skip_unreadable {
            w.push("--skip-unreadable".into());
        }
        if ctx.env_explicit {
            w.extend(["-e".into(), ctx.env.to_string()]);
        }
        if yes {
            w.push("--yes".into());
        }
        crate::ops::plan::command_line(&w)
    }

    /// What will change, for the question (DESIGN §14).
    fn confirmation(&self, ctx: &Context, plans: &[Plan], now: i64) -> Confirmation {
        let r = self.who();
        let mut lines = Vec::new();
        for p in plans {
            let pick = |want: &dyn Fn(&KeyMeta, &Source) -> bool| -> Vec<&str> {
                p.keys
                    .iter()
                    .zip(&p.sources)
                    .filter(|((m, _), s)| want(m, s))
                    .map(|((_, k), _)| k.name.as_str())
                    .collect()
            };
            let generated = pick(&|m, _| m.spec.is_some());
            let hooked = pick(&|m, s| m.spec.is_none() && s.rotates());
            let imported = pick(&|_, s| !s.rotates());
            let mut line = format!(
                "in `{}`: {r} loses access; {} generated key(s) get a new value",
                p.env,
                generated.len()
            );
            if !generated.is_empty() {
                line.push_str(&format!(": {}", first_few(&generated)));
            }
            if !hooked.is_empty() {
                line.push_str(&format!(
                    "; {} imported key(s) get a new value from their rotation hook: {}",
                    hooked.len(),
                    first_few(&hooked)
                ));
            }
            if !imported.is_empty() {
                line.push_str(&format!(
                    "; {} imported key(s) need a new value from their provider: {}",
                    imported.len(),
                    first_few(&imported)
                ));
            }
            let older: Vec<String> = p
                .keys
                .iter()
                .filter(|(_, k)| !k.revoked_older.is_empty())
                .map(|(_, k)| format!("{} v{}", k.name, first_few_versions(&k.revoked_older)))
                .collect();
            if !older.is_empty() {
                let shown: Vec<&str> = older.iter().map(String::as_str).collect();
                line.push_str(&format!(
                    "; older versions still in service, which they read, are revoked: {}",
                    first_few(&shown)
                ));
            }
            lines.push(line);
        }
        lines.push(match self.grace {
            Some(_) => grace_line(self.grace, now),
            None => "no grace period: old versions are revoked and stop working at once".into(),
        });
        lines.push(format!("reason: {}", self.reason));
        let envs: Vec<String> = plans.iter().map(|p| format!("`{}`", p.env)).collect();
        Confirmation {
            lines,
            warnings: Vec::new(),
            what: format!("offboard {r} from {}", envs.join(", ")),
            command: self.command(ctx, true),
        }
    }
}

/// The versions in service in `db` that `recipient`, removed from it, could read.
fn exposed_to(db: &EnvDb, recipient: &RecipientString, now: i64) -> Result<Vec<Exposed>> {
    let removals = Exposures::of(db, None)?.of_recipient(recipient.as_str());
    if removals.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for k in db.keys()? {
        let versions = removals.of_key(db, &k, now)?;
        if versions.is_empty() {
            continue;
        }
        out.push(Exposed {
            env: db.env.clone(),
            name: k.meta.name.to_string(),
            current: versions.iter().any(|(v, _)| v.version == k.current.version),
            older: versions
                .iter()
                .map(|(v, _)| v.version)
                .filter(|n| *n != k.current.version)
                .collect(),
        });
    }
    Ok(out)
}

/// A key with versions in service that a recipient no longer in its environment could
/// read: its current one (replaced by a rotation), older ones still retiring (revoked
/// by version).
pub struct Exposed {
    pub env: EnvName,
    pub name: String,
    pub current: bool,
    pub older: Vec<u32>,
}

/// One environment as `--json` shows it.
#[derive(Serialize)]
pub struct EnvPlan {
    pub env: String,
    /// Whether the recipient was removed (false on a dry run).
    pub recipient_removed: bool,
    pub keys: Vec<Rotated>,
    /// The environment's new verifier public key, when the removal replaced it: services
    /// must pin this one (the removed person could sign sets with the old one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifier_key: Option<String>,
}

/// The environments offboarded (or planned, on a dry run).
#[derive(Serialize)]
#[serde(transparent)]
pub struct Offboarded {
    pub envs: Vec<EnvPlan>,
    #[serde(skip)]
    pub recipient: String,
    /// Keys the recipient could read in environments it was already removed from.
    #[serde(skip)]
    pub still_exposed: Vec<Exposed>,
    #[serde(skip)]
    pub dry_run: bool,
    /// The environment given with `-e`, if the offboarding was limited to it.
    #[serde(skip)]
    pub limited_to: Option<EnvName>,
    /// Writing an environment failed after others were committed (`PartlyDone`): `envs`
    /// holds those committed, and the command fails with this once they are shown.
    #[serde(skip)]
    pub stopped: Option<Error>,
}

impl Offboarded {
    /// The failure that stopped it partway, if one did; else exit 8 while imported keys
    /// still need a new value (the tables already say which).
    pub fn outcome(mut self) -> Result<()> {
        if let Some(stopped) = self.stopped.take() {
            return Err(stopped);
        }
        let pending = self
            .envs
            .iter()
            .flat_map(|p| &p.keys)
            .filter(|k| k.new_version.is_none())
            .count();
        needs_new_values(pending)?;
        if !self.still_exposed.is_empty() {
            return Err(Error::Findings(format!(
                "{} key(s) {} could read are still exposed",
                self.still_exposed.len(),
                self.recipient
            )));
        }
        Ok(())
    }
}
