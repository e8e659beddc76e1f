//! What needs attention: keys expired, expiring, past their rotation period, or unused.
//! Revoked keys are not reported. A check over every environment that skipped some is
//! never a clean pass (`Error::Unreadable`, exit 5) unless the gap is accepted; any
//! finding is exit 8 (`CheckReport::verdict`).

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::names::{Dur, fmt_time, fmt_time_ms};
use crate::ops::Context;
use crate::ops::audit::access_events;
use crate::ops::envs::{SkippedEnv, open_envs, require_coverage, warn_not_covered};
use crate::vault::{EnvDb, KeyState, Status, VersionInfo};

/// `check`: where to look and what counts as a problem.
pub struct Check {
    pub all_envs: bool,
    /// Report keys expiring within this.
    pub within: Dur,
    /// Report keys not read (get, run, export) for this long.
    pub unused_for: Option<Dur>,
    /// Accept environments that cannot be opened (they are still named).
    pub skip_unreadable: bool,
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub env: String,
    pub name: String,
    pub version: u32,
    pub problem: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// Findings over one environment or all, and the environments that could not be
/// looked at: what `check` and `audit anomalies` report, and how they end. `--json`
/// prints the findings as an array; with --all-envs, `{"findings": [...], "skipped":
/// [...]}`.
pub struct Findings<T> {
    pub findings: Vec<T>,
    pub skipped: Vec<SkippedEnv>,
    pub(crate) all_envs: bool,
    pub(crate) accept_gap: bool,
}

impl<T: Serialize> Serialize for Findings<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct AllEnvs<'a, T> {
            findings: &'a [T],
            skipped: &'a [SkippedEnv],
        }
        if self.all_envs {
            AllEnvs {
                findings: &self.findings,
                skipped: &self.skipped,
            }
            .serialize(s)
        } else {
            self.findings.serialize(s)
        }
    }
}

impl<T> Findings<T> {
    /// Exit 5 if environments went unexamined (unless accepted), else 8 on findings:
    /// `command` names the command in the message, `what` the findings.
    pub fn verdict_of(&self, command: &'static str, what: &str) -> Result<()> {
        require_coverage(command, &self.skipped, self.accept_gap)?;
        if self.findings.is_empty() {
            Ok(())
        } else {
            Err(Error::Findings(format!("{} {what}", self.findings.len())))
        }
    }
}

/// What `check` reports.
pub type CheckReport = Findings<Finding>;

impl CheckReport {
    /// Exit 5 if environments went unchecked (unless accepted), else 8 on findings.
    pub fn verdict(&self) -> Result<()> {
        self.verdict_of("check", "finding(s)")
    }
}

pub fn check(ctx: &Context, req: Check) -> Result<CheckReport> {
    let now = ctx.now();
    let (envs, skipped) = open_envs(ctx, req.all_envs)?;
    let mut findings = Vec::new();
    for db in &envs {
        check_env(ctx, db, &req, now, &mut findings)?;
    }
    if req.skip_unreadable {
        warn_not_covered(ctx, "checked", &skipped);
    }
    Ok(CheckReport {
        findings,
        skipped,
        all_envs: req.all_envs,
        accept_gap: req.skip_unreadable,
    })
}

fn check_env(
    ctx: &Context,
    db: &EnvDb,
    req: &Check,
    now: i64,
    out: &mut Vec<Finding>,
) -> Result<()> {
    let last_use = match req.unused_for {
        Some(_) => LastReads::of(&access_events(ctx, db)?),
        None => LastReads::default(),
    };
    // DESIGN §11: values rotation hooks issued that a failed change kept on this
    // machine, not stored: their providers may no longer accept the stored ones.
    for (name, file) in db.kept_issued()? {
        out.push(Finding {
            env: db.env.to_string(),
            name,
            version: 0,
            problem: "issued-not-stored",
            detail: format!(
                "a value its rotation hook issued is kept in `{}`, not stored (the provider may no longer accept the stored one): store it with `age -d -i IDENTITY FILE | keyward rotate -e {} NAME --no-hook`, then remove the file",
                file.display(),
                db.env
            ),
            since: None,
        });
    }
    // DESIGN §15: an environment whose history is not signed yet (written before
    // signed writes) can be written by anyone who decrypts it, under any name.
    if !db.is_signed()? {
        out.push(Finding {
            env: db.env.to_string(),
            name: "-".into(),
            version: 0,
            problem: "unsigned-history",
            detail: format!(
                "its history is not signed yet: anyone who can decrypt it can write it under any name; an admin's next write signs it (e.g. `keyward access grant -e {} --role admin YOUR_RECIPIENT`, or any change)",
                db.env
            ),
            since: None,
        });
    }
    // An earlier state than this machine saw (a restored backup, a force-pushed
    // branch): reads here still refuse what was seen go out of service, but a machine
    // without this history (a fresh CI runner) takes the file as it is. Monitoring
    // must see it, not a warning on stderr.
    if let crate::vault::Relation::Behind {
        pinned_seq,
        pinned_time,
        file_seq,
    } = db.history()
    {
        out.push(Finding {
            env: db.env.to_string(),
            name: "-".into(),
            version: 0,
            problem: "behind-seen",
            detail: format!(
                "the file is an earlier state than this machine saw (its history ends at event {file_seq}; event {pinned_seq} was seen at {}): keys revoked since may be in service again for a machine without this history; get the newer file back, or `keyward trust -e {} --reason TEXT` after review",
                fmt_time(*pinned_time),
                db.env
            ),
            since: Some(fmt_time_ms(*pinned_time)),
        });
    }
    // A clock set back past this machine's last recorded access: expiries would be
    // judged at a time already past (reads refuse it: `ClockError::Behind`).
    // A journal that does not read fails the check, as it fails every read: a check
    // must not pass having skipped what it looks at.
    if let Some(last) = ctx.paths.clock_behind(&db.env, &db.audit_keys()?, now)? {
        out.push(Finding {
            env: db.env.to_string(),
            name: "-".into(),
            version: 0,
            problem: "clock-behind",
            detail: format!(
                "the system clock ({}) is behind this machine's last recorded access ({}): keys expired since may look valid, and reads are refused; set the clock right (or, if it was wrong then, `keyward trust -e {} --clock --reason TEXT`)",
                fmt_time(now),
                fmt_time(last),
                db.env
            ),
            since: Some(fmt_time_ms(last)),
        });
    }
    let exposures = Exposures::of(db, None)?;
    let conflicts = db.open_merge_conflicts()?;
    for k in db.keys()? {
        let v = &k.current;
        let name = k.meta.name.to_string();
        // Older versions still in service that a removed person read: each its own
        // finding, whatever the current version's state.
        for (older, by) in exposures.of_key(db, &k, now)? {
            if older.version == v.version {
                continue;
            }
            let until = older
                .retire_at
                .map(|t| format!(" until {}", fmt_time(t)))
                .unwrap_or_default();
            out.push(Finding {
                env: db.env.to_string(),
                name: name.clone(),
                version: older.version,
                problem: "exposed",
                detail: format!(
                    "v{} is still accepted by verify{until} and was readable by removed {}: revoke it with `keyward revoke -e {} {name} --version {}`",
                    older.version,
                    describe_removals(&by),
                    db.env,
                    older.version
                ),
                since: by.first().map(|r| fmt_time_ms(r.at)),
            });
        }
        let status = v.status(now);
        if status == Status::Revoked {
            continue;
        }
        let mut push = |problem, detail: String, since: Option<i64>| {
            out.push(Finding {
                env: db.env.to_string(),
                name: name.clone(),
                version: v.version,
                problem,
                detail,
                since: since.map(fmt_time_ms),
            })
        };
        if let Some((_, active)) = conflicts.iter().find(|(k, _)| *k == name) {
            push(
                "merge-conflict",
                format!(
                    "a merge kept two values (v{active} active): pick one with `keyward git resolve -e {} {name}`",
                    db.env
                ),
                None,
            );
        }
        let exposed = exposures.of_current(&name, v, now);
        if let Some(first) = exposed.first() {
            push(
                "exposed",
                format!("readable by removed {}", describe_removals(&exposed)),
                Some(first.at),
            );
        }
        match v.expires {
            Some(e) if e <= now => push("expired", format!("expired {}", fmt_time(e)), Some(e)),
            Some(e) if e <= now + req.within.millis() => {
                push("expiring", format!("expires {}", fmt_time(e)), Some(e))
            }
            _ => {}
        }
        if let Some(every) = k.meta.rotate_every {
            let due = v.created + every * 1000;
            if due <= now {
                push(
                    "rotation-due",
                    format!(
                        "rotate every {}; due since {}",
                        Dur::from_secs(every),
                        fmt_time(due)
                    ),
                    Some(due),
                );
            }
        }
        if let Some(unused) = req.unused_for
            && let Some(u) = last_use.unused(&k, unused, now)
        {
            push("unused", u.describe(), Some(u.since));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- unused keys

/// The last time each key was handed out (get, run, export), from the access journal:
/// the one rule for "unused", shared by `check --unused-for` and `audit anomalies`.
#[derive(Debug, Default)]
pub struct LastReads(HashMap<String, i64>);

/// A key not read for the period asked: since when, and whether it was ever read.
#[derive(Debug, Clone, Copy)]
pub struct Unused {
    /// The last read, or the key's creation if it was never read.
    pub since: i64,
    pub ever_read: bool,
}

impl Unused {
    /// `last read …` or `never read since …`.
    pub fn describe(&self) -> String {
        if self.ever_read {
            format!("last read {}", fmt_time(self.since))
        } else {
            format!("never read since {}", fmt_time(self.since))
        }
    }
}

impl LastReads {
    pub fn of(events: &[Event]) -> LastReads {
        let mut last: HashMap<String, i64> = HashMap::new();
        for e in events {
            if !e.action.releases_value() {
                continue;
            }
            for (k, _) in e.accessed() {
                match last.get_mut(k) {
                    Some(t) => *t = (*t).max(e.time),
                    None => {
                        last.insert(k.to_owned(), e.time);
                    }
                }
            }
        }
        LastReads(last)
    }

    /// Whether `k` has not been read for `unused_for` at `now`. A key created (or
    /// re-created) after its last read counts from its creation.
    /// A revoked key is never reported (it is not meant to be read).
    pub fn unused(&self, k: &KeyState, unused_for: Dur, now: i64) -> Option<Unused> {
        if k.current.status(now) == Status::Revoked {
            return None;
        }
        let read = self.0.get(k.meta.name.as_str()).copied();
        let since = read.unwrap_or(k.meta.created).max(k.meta.created);
        (since <= now - unused_for.millis()).then_some(Unused {
            since,
            ever_read: read.is_some(),
        })
    }
}

// ---------------------------------------------------------------- exposed versions

/// A recipient removed from an environment (`access revoke`, `offboard`): every version
/// made before then (in the chain's order, by an earlier write) that is still its key's
/// current version could be read by them.
#[derive(Clone, Debug, Serialize)]
pub struct Removal {
    /// The full recipient, as stored.
    pub recipient: String,
    #[serde(serialize_with = "ser_time")]
    pub at: i64,
    /// The first event of the write that removed them (`EnvDb::write_start`): versions
    /// made by events before it could be read by them. `None` for a merge's mark.
    #[serde(skip)]
    pub from: Option<i64>,
    /// `access-revoke` or `offboard`.
    pub action: &'static str,
    /// Their label, when the environment knows one (DESIGN §16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

fn ser_time<S: Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_time_ms(*t))
}

impl Removal {
    /// `age1abcd…wxyz (offboarded 2026-01-01 10:00 UTC)`.
    pub fn describe(&self) -> String {
        let how = match self.action {
            "offboard" => "offboarded",
            "exposed" => "removed on another branch; merged",
            _ => "access revoked",
        };
        format!(
            "{} ({how} {})",
            crate::recipient::person(&self.recipient, self.label.as_deref()),
            fmt_time(self.at)
        )
    }
}

/// The removals of one environment, derived from its lifecycle events (no stored
/// marking: DESIGN §14). Read once per environment.
pub struct Exposures {
    removals: Vec<Removal>,
    /// Versions a merge marked exposed (DESIGN §9): `(key, version, removal)`.
    marked: Vec<(String, u32, Removal)>,
    /// The event that made each version made since the earliest removal's write
    /// (`EnvDb::versions_made_since`).
    made: HashMap<(String, u32), i64>,
}

impl Exposures {
    /// The removals of `db`'s environment, judged for every key, or for `key` only
    /// (`show`: reads only its events since the removals).
    pub fn of(db: &EnvDb, key: Option<&str>) -> Result<Exposures> {
        let mut out = Vec::new();
        let labels = db.known_labels()?;
        for removed in db.removal_events()? {
            // The subject names the removed recipient. Events written before format 2
            // have none: then the reason does (`access-revoke`: the recipient;
            // `offboard`: `RECIPIENT: REASON`; a recipient never contains `: `).
            let recipient = match (removed.subject, removed.reason, removed.action) {
                (Some(subject), _, _) => subject,
                (None, Some(reason), Action::Offboard) => reason
                    .split_once(": ")
                    .map_or(reason.as_str(), |(r, _)| r)
                    .to_owned(),
                (None, Some(reason), _) => reason,
                (None, None, _) => continue,
            };
            let recipient = recipient.trim().to_owned();
            out.push(Removal {
                label: labels.get(&recipient).cloned(),
                recipient,
                at: removed.time,
                from: Some(db.write_start(removed.seq)?),
                action: removed.action.as_str(),
            });
        }
        // Which event made each version made since the earliest removal's write (one
        // made before it was made before every removal).
        let made = match out.iter().filter_map(|r| r.from).min() {
            Some(from) => db.versions_made_since(from, key)?,
            None => HashMap::new(),
        };
        let marked = db
            .merge_exposures()?
            .into_iter()
            .map(|(key, version, recipient, at)| {
                (
                    key,
                    version,
                    Removal {
                        label: labels.get(&recipient).cloned(),
                        recipient,
                        at,
                        from: None,
                        action: "exposed",
                    },
                )
            })
            .collect();
        Ok(Exposures {
            removals: out,
            marked,
            made,
        })
    }

    /// Who was removed after `v` was made, earliest first, if `v` is `key`'s current
    /// version and not revoked (a replaced or revoked value is no longer an exposure).
    /// "After" in the chain's order, never by the clocks of the machines that wrote the
    /// two events: a version made by the removal's own write (offboarding's rotations,
    /// committed with it) was never readable by the removed recipient. A version whose
    /// making event is not found by its name (renamed since) is judged by time.
    /// A merge may also have marked `v` exposed: a value created on a branch that still
    /// encrypted to someone removed on the other (DESIGN §9).
    pub fn of_current(&self, key: &str, v: &VersionInfo, now: i64) -> Vec<&Removal> {
        if v.status(now) == Status::Revoked {
            return Vec::new();
        }
        // Not made since the earliest removal's write: made before every removal.
        let made = self.made.get(&(key.to_owned(), v.version)).copied();
        let by_order = self.removals.iter().filter(|r| match (made, r.from) {
            (Some(made), Some(from)) => made < from,
            (None, _) => true,
            (Some(_), None) => v.created < r.at,
        });
        let by_merge = self
            .marked
            .iter()
            .filter(|(k, n, _)| k == key && *n == v.version)
            .map(|(_, _, r)| r);
        let mut out: Vec<&Removal> = Vec::new();
        for r in by_order.chain(by_merge) {
            if !out.iter().any(|o| o.recipient == r.recipient) {
                out.push(r);
            }
        }
        out
    }

    /// Every version of `k` still exposed, with who could read it: its current version
    /// as `of_current` says, then each older version still in service (retiring within
    /// a rotation's grace). A rotation after a removal, with a grace, keeps a version the
    /// removed person read accepted by `verify` until the grace ends: that is an
    /// exposure too, not only the newest value. Reads `k`'s versions only when the
    /// environment has removals at all.
    pub fn of_key(
        &self,
        db: &EnvDb,
        k: &KeyState,
        now: i64,
    ) -> Result<Vec<(VersionInfo, Vec<&Removal>)>> {
        let mut out = Vec::new();
        if self.is_empty() {
            return Ok(out);
        }
        let name = k.meta.name.as_str();
        let current = self.of_current(name, &k.current, now);
        if !current.is_empty() {
            out.push((k.current.clone(), current));
        }
        for v in db.versions(&k.meta)? {
            if v.version < k.current.version && v.verifies(now) {
                let by = self.of_current(name, &v, now);
                if !by.is_empty() {
                    out.push((v, by));
                }
            }
        }
        Ok(out)
    }

    /// Only the removals of `recipient`.
    pub fn of_recipient(self, recipient: &str) -> Exposures {
        Exposures {
            removals: self
                .removals
                .into_iter()
                .filter(|r| r.recipient == recipient)
                .collect(),
            marked: self
                .marked
                .into_iter()
                .filter(|(_, _, r)| r.recipient == recipient)
                .collect(),
            made: self.made,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.removals.is_empty() && self.marked.is_empty()
    }
}

/// `age1abcd…wxyz (offboarded …)`, and `+ N more` when several were removed since.
pub fn describe_removals(rs: &[&Removal]) -> String {
    match rs {
        [] => String::new(),
        [one] => one.describe(),
        [first, rest @ ..] => format!("{} and {} more", first.describe(), rest.len()),
    }
}
