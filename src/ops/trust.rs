//! `keyward trust` (DESIGN §8): accept an environment file whose history does not extend
//! what this machine saw, after review. Shows the difference, asks (or needs `--yes`),
//! records a `trust` event, and replaces the pin with the file's head on commit.

use serde::Serialize;

use crate::error::{Error, Result, TeamError};
use crate::names::{EnvName, fmt_time};
use crate::ops::Confirmation;
use crate::ops::Context;
use crate::vault::EnvDb;
use crate::vault::relate;
use crate::vault::seen::Relation;

/// A request to trust the current environment.
#[derive(Debug)]
pub struct Trust {
    pub reason: String,
}

/// A chain head: where a history ends.
#[derive(Debug, Serialize)]
pub struct Head {
    pub seq: i64,
    pub time: String,
    pub hash: String,
}

/// What was accepted.
#[derive(Debug, Serialize)]
pub struct Trusted {
    pub env: EnvName,
    /// How the file related to what was seen: `fresh` (nothing pinned), `current`,
    /// `behind` (an earlier or diverging state), `unrelated` (another audit key),
    /// `before-removal`, or `gone` (no file any more: its removal is accepted).
    pub relation: &'static str,
    /// The head this machine had seen, if any.
    pub pinned: Option<Head>,
    /// The file's head before the `trust` event; null when its file is gone.
    pub file: Option<Head>,
    /// Who can decrypt the file now.
    pub recipients: Vec<String>,
    /// `gone`: where what this machine kept of the environment was set aside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_aside: Option<String>,
    /// `gone`: where its access journal was set aside, if there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_aside: Option<String>,
    /// The serial verifier sets continue above (recorded in the `trust` event), when
    /// the state is behind what this machine saw or exported (DESIGN §13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_floor: Option<i64>,
}

/// Plan `trust`: the file opened for writing whatever its pin says, and what it is
/// compared with what this machine saw, for review. An environment whose file is gone
/// after this machine read it is planned as accepting its removal.
pub fn plan(ctx: &Context, req: Trust) -> Result<TrustPlan> {
    if crate::vault::verifier::reason_holds_floor_words(&req.reason) {
        return Err(Error::usage(
            "a reason may not hold `verifier serials continue above`: keyward writes those words itself, with the floor it computed",
        ));
    }
    let identity = ctx.identity()?;
    let db = match EnvDb::open_trusting(&ctx.paths, &ctx.env, identity.as_age()) {
        Ok(db) => db,
        Err(Error::Team(TeamError::EnvGone {
            env,
            seq,
            time,
            hash,
            ..
        })) => {
            let report = Trusted {
                env: env.clone(),
                relation: "gone",
                pinned: Some(Head {
                    seq,
                    time: fmt_time(time),
                    hash,
                }),
                file: None,
                recipients: Vec::new(),
                set_aside: None,
                journal_aside: None,
                serial_floor: None,
            };
            return Ok(TrustPlan {
                req,
                target: Target::Gone(env),
                report,
            });
        }
        Err(e) => return Err(e),
    };
    ctx.may_write(&db)?;
    ctx.note_head(&db)?;
    let mut report = describe(&db)?;
    report.serial_floor = serial_floor(ctx, &db)?;
    // DESIGN §13, §15: the floor decides which verifier sets services take, the
    // environment's policy: an admin's to record (and only an admin's counts).
    if report.serial_floor.is_some()
        && let Some(has) = crate::ops::access::not_admin(&db, &identity.recipient)?
    {
        return Err(crate::error::SignedError::NotAllowed {
            env: db.env.clone(),
            who: ctx.who(&db, &identity.recipient),
            has,
            what: "accept an earlier state of an environment that publishes verifier sets (the trust records the serial its sets continue above)".into(),
            needs: crate::codes::Role::Admin,
        }
        .into());
    }
    Ok(TrustPlan {
        req,
        target: Target::File(Box::new(db)),
        report,
    })
}

/// A `trust` about to be recorded (see `plan`).
pub struct TrustPlan {
    req: Trust,
    target: Target,
    report: Trusted,
}

/// What is accepted: the file as it is, or that the environment's file is gone.
enum Target {
    File(Box<EnvDb>),
    Gone(EnvName),
}

impl super::Destructive for TrustPlan {
    type Done = Trusted;

    fn ask(&mut self, _ctx: &Context) -> Result<Option<Confirmation>> {
        let env = &self.report.env;
        Ok(Some(Confirmation {
            // Shown before the question: this is what the person is asked to accept.
            lines: self.report.lines(),
            warnings: Vec::new(),
            what: match self.target {
                Target::File(_) => format!("trust `{env}` as it is now"),
                Target::Gone(_) => format!("accept that `{env}` is gone"),
            },
            command: crate::ops::plan::command_line(&[
                "trust",
                "-e",
                env.as_str(),
                "--reason",
                self.req.reason.as_str(),
                "--yes",
            ]),
        }))
    }

    fn apply(self, ctx: &Context) -> Result<Trusted> {
        match self.target {
            Target::File(db) => trust(ctx, self.req, *db, self.report),
            Target::Gone(env) => forget(ctx, &self.req, &env, self.report),
        }
    }
}

fn trust(ctx: &Context, req: Trust, mut db: EnvDb, report: Trusted) -> Result<Trusted> {
    let actor = ctx.actor()?;
    let now = ctx.now();
    let earlier = matches!(report.relation, "behind" | "before-removal");
    let reason = crate::vault::verifier::trust_reason(&req.reason, report.serial_floor);
    db.batch(|tx| {
        // DESIGN §8: statuses only move forward, for every reader of the file.
        if earlier {
            tx.raise_to_seen(&actor, now)?;
        }
        tx.record_trust(&actor, &reason, now)
    })?;
    ctx.commit(&mut db)?;
    Ok(report)
}

/// DESIGN §13: the serial verifier sets of this environment must continue above, when
/// the state accepted is behind what this machine saw or exported: a set exported from
/// the state seen had a serial up to the head pinned (more, if a `trust` before raised
/// it: what was exported here counts too), and services keep the highest they loaded.
/// `None` when the file's own serial is above both already. Recorded in the `trust`
/// event, so every machine computes the same serial from the file (`EnvDb::set_serial`).
fn serial_floor(ctx: &Context, db: &EnvDb) -> Result<Option<i64>> {
    // The state seen here carried serials up to its own (above its head's number when a
    // `trust` before raised them: sets exported from it elsewhere had those).
    let seen = db.pin().map(|p| p.serial.unwrap_or(p.seq).max(p.seq));
    let exported = match &ctx.paths.pins {
        Some(pins) => pins.highest_exported(&db.env)?,
        None => None,
    };
    // No verifier key in the file and no set exported here: none to continue above
    // (a key made later signs sets services pin anew).
    if db.verifier_seed()?.is_none() && exported.is_none() {
        return Ok(None);
    }
    let floor = seen.max(exported);
    let own = db.set_serial()?;
    let floor = floor.filter(|f| *f > own);
    // What `set_serial` reads back (a bound on whatever a floor before was made of).
    if let Some(f) = floor
        && !crate::vault::verifier::floor_fits(f)
    {
        return Err(Error::Failed {
            what: "record a verifier serial floor",
            detail: format!(
                "the serial sets of `{}` would continue above {f}, past 4294967295 (an earlier floor no admin of keyward could have recorded?)\nhint: check the environment's `trust` events (`keyward audit -e {} --action trust`)",
                db.env, db.env
            ),
        });
    }
    Ok(floor)
}

/// `trust --clock`: what was accepted.
#[derive(Debug, Serialize)]
pub struct ClockAccepted {
    pub env: EnvName,
    /// This machine's last recorded access, ahead of the clock.
    pub last_access: String,
    pub now: String,
    /// Where the access journal went (kept).
    pub journal_aside: String,
    pub reason: String,
}

/// `trust --clock`: accept this machine's clock, set right after it ran ahead. Only this
/// machine's own state changes (its access journal set aside, kept; nothing in the
/// vault), so any member of the environment may, a `read` member included: their reads
/// were refused until the clock passed the time recorded ahead. Refused when the clock
/// is not behind: there is nothing to accept.
pub fn accept_clock(ctx: &Context, reason: &str) -> Result<ClockAccepted> {
    let db = ctx.open_env()?;
    let now = ctx.now();
    let Some((last, to)) = ctx.paths.accept_clock(&db.env, &db.audit_keys()?, now)? else {
        return Err(Error::usage(format!(
            "the clock is not behind this machine's last recorded access to `{}`: there is nothing to accept",
            db.env
        )));
    };
    Ok(ClockAccepted {
        reason: reason.to_owned(),
        env: db.env.clone(),
        last_access: fmt_time(last),
        now: fmt_time(now),
        journal_aside: to.display().to_string(),
    })
}

/// Accept a removal: what this machine kept of the environment is set aside (with who
/// accepted it, when and why: there is no environment left to record an event in), so
/// a file that appears under its name later is a first use, said as such.
fn forget(ctx: &Context, req: &Trust, env: &EnvName, mut report: Trusted) -> Result<Trusted> {
    let note = serde_json::json!({
        "action": "trust",
        "env": env.as_str(),
        "accepted": "removal",
        "time": fmt_time(ctx.now()),
        "actor": ctx.actor()?.recipient,
        "reason": req.reason,
        "pinned": report.pinned,
    });
    let (kept, journal) = ctx
        .paths
        .forget_env(env, &serde_json::to_vec_pretty(&note).expect("plain json"))?;
    report.set_aside = Some(kept.display().to_string());
    report.journal_aside = journal.map(|j| j.display().to_string());
    Ok(report)
}

/// The difference between the pin and the file, for review.
fn describe(db: &EnvDb) -> Result<Trusted> {
    let relation = match db.pin() {
        None => "fresh",
        Some(pin) => {
            // Recomputed from the rows, as every open does (DESIGN §8 round 3).
            let chain = || Ok(db.lifecycle_events()?.into_iter().map(|e| e.hash).collect());
            match relate::compare(db, pin, &db.audit_keys()?, chain) {
                Ok(Relation::Current) => "current",
                Ok(_) => "behind",
                Err(Error::FromBeforeRemoval { .. }) => "before-removal",
                Err(Error::UnrelatedEnv { .. }) => "unrelated",
                Err(e) => return Err(e),
            }
        }
    };
    let pinned = db.pin().map(|p| Head {
        seq: p.seq,
        time: fmt_time(p.time),
        hash: p.hash.clone(),
    });
    let (seq, hash, time) = db.last_event()?;
    Ok(Trusted {
        env: db.env.clone(),
        relation,
        pinned,
        file: Some(Head {
            seq,
            time: fmt_time(time),
            hash: hex::encode(hash),
        }),
        set_aside: None,
        journal_aside: None,
        serial_floor: None,
        recipients: db
            .recipient_strings()?
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    })
}

impl Trusted {
    /// What was found, for people: shown before the question and after the change.
    pub fn lines(&self) -> Vec<String> {
        let what = match self.relation {
            "fresh" => "this machine has not seen it before",
            "current" => "it already holds the history seen here",
            "behind" => "it is an earlier (or diverging) state of the history seen here",
            "gone" => "its file is gone (removed, or moved away) since this machine read it",
            "before-removal" => {
                "it is a state from before a recipient was removed (its audit key was replaced since): the removed recipient could have written it"
            }
            _ => {
                "it is NOT the environment seen here (another audit key): a replaced or forged file, or another vault's"
            }
        };
        let mut lines = vec![format!("environment `{}`: {what}", self.env)];
        if let Some(p) = &self.pinned {
            lines.push(format!(
                "  seen here: event {} at {} ({}…)",
                p.seq,
                p.time,
                &p.hash[..12]
            ));
        }
        let Some(file) = &self.file else {
            lines.push(
                "  accepting it sets aside what this machine kept of it: a file that appears under its name later is read as new to this machine (trust on first use)"
                    .to_owned(),
            );
            if let Some(to) = &self.set_aside {
                lines.push(format!("  set aside in `{to}`, with your reason"));
            }
            if let Some(to) = &self.journal_aside {
                lines.push(format!("  its access journal set aside as `{to}`"));
            }
            return lines;
        };
        lines.push(format!(
            "  the file:  event {} at {} ({}…)",
            file.seq,
            file.time,
            &file.hash.get(..12).unwrap_or("")
        ));
        lines.push(format!(
            "  recipients in the file (who can read what you write next): {}",
            self.recipients.join(", ")
        ));
        if let Some(floor) = self.serial_floor {
            lines.push(format!(
                "  verifier sets of it continue above serial {floor} (sets already published from the state seen here stay older)"
            ));
        }
        lines
    }
}

/// `trust root`: the trust root of the environment in use (DESIGN §15) — its first
/// signed state, by the signing keys of its first admins — as verified here, with who
/// they are.
#[derive(Debug, Serialize)]
pub struct TrustRoot {
    pub env: EnvName,
    /// The fingerprint of this history (64 hex digits) to pin; null while the history
    /// is unsigned.
    pub root: Option<String>,
    /// The founders' root: their signing keys alone, shared by every history they start
    /// (what `root` was before it named the history; still accepted by
    /// `KEYWARD_TRUST_ROOT`, which it makes accept any of their vaults).
    pub founders: Option<String>,
    /// The first admins (recipients) the root is made of.
    pub admins: Vec<String>,
    /// Their labels, where the environment has one for them.
    #[serde(skip)]
    pub labels: Vec<Option<String>>,
    /// How many signatures the history holds.
    pub signatures: usize,
}

pub fn root(ctx: &Context) -> Result<TrustRoot> {
    let db = ctx.open_env()?;
    let sigs = db.signatures()?;
    let first = sigs.iter().find(|s| s.prev.is_empty());
    // From the first signature itself when a read on a machine that pinned the history
    // before its own root was recorded holds the founders' root only.
    let founders = db.root().map(str::to_owned);
    let history = db
        .history_root()
        .map(str::to_owned)
        .or_else(|| crate::vault::signed::history_of(&sigs, db.root()));
    let labels: std::collections::HashMap<String, Option<String>> = db
        .recipients()?
        .into_iter()
        .map(|r| (r.recipient, r.label))
        .collect();
    let admins: Vec<String> = first
        .map(|s| {
            s.members
                .admins()
                .filter(|m| m.key.is_some())
                .map(|m| m.recipient.clone())
                .collect()
        })
        .unwrap_or_default();
    Ok(TrustRoot {
        env: db.env.clone(),
        root: history,
        founders,
        labels: admins
            .iter()
            .map(|a| labels.get(a).cloned().flatten())
            .collect(),
        admins,
        signatures: sigs.len(),
    })
}
