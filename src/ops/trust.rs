//! `keyward trust` (DESIGN §8): accept an environment file whose history does not extend
//! what this machine saw, after review. Shows the difference, asks (or needs `--yes`),
//! records a `trust` event, and replaces the pin with the file's head on commit.

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, Result};
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
    /// `behind` (an earlier or diverging state), `unrelated` (another audit key).
    pub relation: &'static str,
    /// The head this machine had seen, if any.
    pub pinned: Option<Head>,
    /// The file's head before the `trust` event.
    pub file: Head,
    /// Who can decrypt the file now.
    pub recipients: Vec<String>,
}

/// Plan `trust`: the file opened for writing whatever its pin says, and what it is
/// compared with what this machine saw, for review.
pub fn plan(ctx: &Context, req: Trust) -> Result<TrustPlan> {
    let identity = ctx.identity()?;
    let db = EnvDb::open_trusting(&ctx.paths, &ctx.env, identity.as_age())?;
    ctx.may_write(&db)?;
    ctx.note_head(&db)?;
    let report = describe(&db)?;
    Ok(TrustPlan { req, db, report })
}

/// A `trust` about to be recorded (see `plan`).
pub struct TrustPlan {
    req: Trust,
    db: EnvDb,
    report: Trusted,
}

impl super::Destructive for TrustPlan {
    type Done = Trusted;

    fn ask(&mut self, _ctx: &Context) -> Result<Option<Confirmation>> {
        Ok(Some(Confirmation {
            // Shown before the question: this is what the person is asked to accept.
            lines: self.report.lines(),
            warnings: Vec::new(),
            what: format!("trust `{}` as it is now", self.db.env),
            command: crate::ops::plan::command_line(&[
                "trust",
                "-e",
                self.db.env.as_str(),
                "--reason",
                self.req.reason.as_str(),
                "--yes",
            ]),
        }))
    }

    fn apply(self, ctx: &Context) -> Result<Trusted> {
        trust(ctx, self)
    }
}

fn trust(ctx: &Context, plan: TrustPlan) -> Result<Trusted> {
    let TrustPlan {
        req,
        mut db,
        report,
    } = plan;
    let actor = ctx.actor()?;
    let now = ctx.now();
    let earlier = matches!(report.relation, "behind" | "before-removal");
    db.batch(|tx| {
        // DESIGN §8: statuses only move forward, for every reader of the file.
        if earlier {
            tx.raise_to_seen(&actor, now)?;
        }
        tx.record(
            &actor,
            Action::Trust,
            None,
            None,
            Some(req.reason.as_str()),
            now,
        )
    })?;
    ctx.commit(&mut db)?;
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
        file: Head {
            seq,
            time: fmt_time(time),
            hash: hex::encode(hash),
        },
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
        lines.push(format!(
            "  the file:  event {} at {} ({}…)",
            self.file.seq,
            self.file.time,
            &self.file.hash.get(..12).unwrap_or("")
        ));
        lines.push(format!(
            "  recipients in the file (who can read what you write next): {}",
            self.recipients.join(", ")
        ));
        lines
    }
}

/// `trust root`: the trust root of the environment in use (DESIGN §15) — the signing
/// keys of its first admins — as verified here, with who they are.
#[derive(Debug, Serialize)]
pub struct TrustRoot {
    pub env: EnvName,
    /// The fingerprint (64 hex digits); null while the history is unsigned.
    pub root: Option<String>,
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
        root: db.root().map(str::to_owned),
        labels: admins
            .iter()
            .map(|a| labels.get(a).cloned().flatten())
            .collect(),
        admins,
        signatures: sigs.len(),
    })
}
