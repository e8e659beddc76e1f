//! `audit anomalies` (DESIGN §12): what in the audit trail looks like misuse. Reads
//! both chains of each environment once (checking them, as every audit read does) and
//! reports, never a value:
//!
//! - **dead key in use**: `get`/`run`/`export` refused on a revoked, retired or expired
//!   version, or `verify` matching one (a leaked key still presented somewhere);
//! - **guessing**: `verify` of keys the environment does not hold, at least
//!   `guess_threshold` by one actor within `guess_window`;
//! - **new reader**: the first access in the window by an actor (recipient, OS user,
//!   host, unlock method) that no event of the baseline (the `baseline` period before
//!   the window) names;
//! - **read burst**: a key read at least `burst_min` times, and `burst_factor` times its
//!   baseline rate, within `burst_window`;
//! - **unused**: keys not read for `unused_for` (the rule of `check --unused-for`).
//!
//! The window is `--since` to now. Times come from the command's clock, so tests set it.

use std::collections::{HashMap, HashSet};

use serde::{Serialize, Serializer};

use crate::audit::{Action, Actor, Chain, Event};
use crate::error::Result;
use crate::names::{Dur, When, fmt_time_ms};
use crate::ops::Context;
use crate::ops::audit::access_events;
use crate::ops::check::Findings;
use crate::ops::check::LastReads;
use crate::ops::envs::{open_envs, warn_not_covered};
use crate::recipient::short_recipient;
use crate::vault::EnvDb;

/// `audit anomalies`: where to look, the window, and the thresholds (defaults in
/// `cmd::audit`, documented in the README).
#[derive(Clone, Debug)]
pub struct Anomalies {
    pub all_envs: bool,
    /// The start of the window examined; it ends now.
    pub since: When,
    /// How far before the window the baseline reaches (new readers, usual read rates).
    pub baseline: Dur,
    pub guess_threshold: usize,
    pub guess_window: Dur,
    pub burst_window: Dur,
    pub burst_factor: u32,
    pub burst_min: usize,
    pub unused_for: Dur,
    pub skip_unreadable: bool,
}

/// The kinds of finding, in the order reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    DeadKeyInUse,
    Guessing,
    NewReader,
    ReadBurst,
    Unused,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DeadKeyInUse => "dead-key-in-use",
            Kind::Guessing => "guessing",
            Kind::NewReader => "new-reader",
            Kind::ReadBurst => "read-burst",
            Kind::Unused => "unused",
        }
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding: where, what, who, when (`from`..`to`, the first and last event it
/// covers), how many events, and why, in one line. Never a value.
#[derive(Clone, Debug, Serialize)]
pub struct Anomaly {
    pub env: String,
    pub kind: Kind,
    pub key: Option<String>,
    pub version: Option<u32>,
    /// Who acted: recipient, OS user, host and unlock method (none for `unused`).
    pub actor: Option<Actor>,
    #[serde(serialize_with = "ser_time")]
    pub from: i64,
    #[serde(serialize_with = "ser_time")]
    pub to: i64,
    /// The events the finding covers (0 for `unused`).
    pub count: u64,
    pub reason: String,
}

fn ser_time<S: Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_time_ms(*t))
}

/// The findings and what could not be examined (`Findings`, as `check` reports them),
/// and where the window starts.
pub struct AnomalyReport {
    pub report: Findings<Anomaly>,
    pub(crate) since: i64,
}

impl Serialize for AnomalyReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.report.serialize(s)
    }
}

impl AnomalyReport {
    /// Exit 5 if environments went unexamined (unless accepted), else 8 on findings.
    pub fn verdict(&self) -> Result<()> {
        self.report.verdict_of("audit anomalies", "anomalies")
    }
}

/// `age1abc…xyz (via) as user@host`: an actor in one cell, the recipient first (the
/// user and host are what its machine reported).
pub(crate) fn who(a: &Actor) -> String {
    format!(
        "{} ({}) as {}@{}",
        short_recipient(&a.recipient),
        a.via,
        a.os_user,
        a.host
    )
}

/// Examine every environment asked for.
pub fn anomalies(ctx: &Context, req: Anomalies) -> Result<AnomalyReport> {
    let now = ctx.now();
    let since = req.since.before(now);
    // A window starting after now examines nothing: "no anomalies" would be a check
    // that skipped everything (a date meant for another clock, a typo).
    if since > now {
        return Err(crate::error::Error::usage(format!(
            "--since ({}) is in the future (now is {}): nothing would be examined",
            crate::names::fmt_time(since),
            crate::names::fmt_time(now)
        )));
    }
    let (envs, skipped) = open_envs(ctx, req.all_envs)?;
    let mut findings = Vec::new();
    for db in &envs {
        // A clock set back past this machine's last recorded access would end the
        // window before events already recorded: "no anomalies" of a window that skipped
        // them. Refused, as reads are (`check` reports it as `clock-behind`).
        ctx.paths.require_clock(&db.env, &db.audit_keys()?, now)?;
        let access = access_events(ctx, db)?;
        let lifecycle = db.lifecycle_events()?;
        let mut found = examine(&db.env.to_string(), &access, &lifecycle, &req, since, now);
        found.extend(unused(db, &access, req.unused_for, now)?);
        findings.extend(found);
    }
    // Named on stderr even with -q: what was not examined must not go unnoticed.
    warn_not_covered(ctx, "examined", &skipped);
    Ok(AnomalyReport {
        report: Findings {
            findings,
            skipped,
            all_envs: req.all_envs,
            accept_gap: req.skip_unreadable,
        },
        since,
    })
}

/// The statuses a `verify` outcome or a refusal's reason names when the version is
/// dead: it must not be in use anywhere.
const DEAD: [&str; 3] = ["revoked", "retired", "expired"];

/// Whether `e` is an attempt on a dead version: a refused read of one, or a `verify`
/// that matched one (its outcome is the status).
fn dead_attempt(e: &Event) -> Option<&str> {
    if e.key.is_none() || e.chain != Chain::Access {
        return None;
    }
    let status = if e.action == Action::Verify {
        e.outcome.as_str()
    } else if e.outcome == crate::audit::REFUSED {
        e.reason.as_deref()?
    } else {
        return None;
    };
    DEAD.contains(&status).then_some(status)
}

/// A `verify` of a key this environment does not hold (unknown, malformed, another
/// environment's token): no key was matched.
fn failed_guess(e: &Event) -> bool {
    e.action == Action::Verify && e.key.is_none() && e.outcome != crate::audit::OK
}

/// The findings of one environment's events, but `unused` (which needs its keys).
/// Pure: the events, the thresholds and the clock in, findings out.
pub fn examine(
    env: &str,
    access: &[Event],
    lifecycle: &[Event],
    req: &Anomalies,
    since: i64,
    now: i64,
) -> Vec<Anomaly> {
    let base_from = req.baseline.before(since);
    let in_window = |t: i64| t >= since && t <= now;
    let in_baseline = |t: i64| t >= base_from && t < since;
    let mut out = Vec::new();
    let finding =
        |kind, key: Option<&String>, version, actor: &Actor, times: &[i64], reason| Anomaly {
            env: env.to_owned(),
            kind,
            key: key.cloned(),
            version,
            actor: Some(actor.clone()),
            from: times.first().copied().unwrap_or(since),
            to: times.last().copied().unwrap_or(since),
            count: times.len() as u64,
            reason,
        };

    // Dead keys in use, and the groups the other kinds need, in one pass.
    type DeadKey<'a> = (&'a str, u32, Action, &'a str, &'a Actor);
    let mut dead: HashMap<DeadKey<'_>, Vec<i64>> = HashMap::new();
    let mut guesses: HashMap<&Actor, Vec<i64>> = HashMap::new();
    // Each key's reads, with the version read (an access to several keys reads each).
    let mut reads: HashMap<&str, Vec<(&Event, Option<u32>)>> = HashMap::new();
    let mut first_by_new: HashMap<&Actor, Vec<&Event>> = HashMap::new();
    let mut known: HashSet<&Actor> = HashSet::new();
    let mut has_baseline = false;
    for e in lifecycle {
        if in_baseline(e.time) {
            known.insert(&e.actor);
            has_baseline = true;
        }
    }
    for e in access {
        if in_baseline(e.time) {
            known.insert(&e.actor);
            has_baseline = true;
        }
    }
    for e in access {
        let window = in_window(e.time);
        if window {
            if let (Some(status), Some(key), Some(v)) = (dead_attempt(e), &e.key, e.version) {
                dead.entry((key, v, e.action, status, &e.actor))
                    .or_default()
                    .push(e.time);
            }
            if failed_guess(e) {
                guesses.entry(&e.actor).or_default().push(e.time);
            }
            if has_baseline && !known.contains(&e.actor) {
                first_by_new.entry(&e.actor).or_default().push(e);
            }
        }
        if e.action.releases_value()
            && e.outcome == crate::audit::OK
            && (window || in_baseline(e.time))
        {
            for (k, v) in e.accessed() {
                reads.entry(k).or_default().push((e, v));
            }
        }
    }

    for ((key, version, action, status, actor), mut times) in dead {
        times.sort_unstable();
        let key = key.to_owned();
        let reason = if action == Action::Verify {
            format!(
                "verify matched version {version}, which is {status}: the key is still presented somewhere{}",
                times_suffix(times.len())
            )
        } else {
            format!(
                "{action} refused: version {version} is {status}{}",
                times_suffix(times.len())
            )
        };
        out.push(finding(
            Kind::DeadKeyInUse,
            Some(&key),
            Some(version),
            actor,
            &times,
            reason,
        ));
    }

    let guess_window = req.guess_window.millis();
    for (actor, mut times) in guesses {
        times.sort_unstable();
        for (a, b) in dense_runs(&times, guess_window, req.guess_threshold) {
            let run = &times[a..=b];
            out.push(finding(
                Kind::Guessing,
                None,
                None,
                actor,
                run,
                format!(
                    "{} verify attempts with keys this environment does not hold (threshold: {} within {})",
                    run.len(),
                    req.guess_threshold,
                    req.guess_window
                ),
            ));
        }
    }

    for (actor, evs) in first_by_new {
        let first = evs
            .iter()
            .min_by_key(|e| (e.time, e.seq))
            .expect("non-empty");
        let mut times: Vec<i64> = evs.iter().map(|e| e.time).collect();
        times.sort_unstable();
        out.push(Anomaly {
            key: first.key.clone(),
            version: first.version,
            ..finding(
                Kind::NewReader,
                None,
                None,
                actor,
                &times,
                format!(
                    "first access by an actor not seen in the {} before the window ({} first){}",
                    req.baseline,
                    // One access to several keys names no single key: say how many.
                    match first.keys.len() {
                        0 => first.action.to_string(),
                        n => format!("{} of {n} keys", first.action),
                    },
                    times_suffix(times.len())
                ),
            )
        });
    }

    let burst_window = req.burst_window.millis();
    let baseline_ms = since.saturating_sub(base_from).max(1);
    for (key, evs) in reads {
        let usual = evs.iter().filter(|(e, _)| in_baseline(e.time)).count();
        let mut recent: Vec<(&Event, Option<u32>)> =
            evs.into_iter().filter(|(e, _)| in_window(e.time)).collect();
        if recent.len() < req.burst_min {
            continue;
        }
        recent.sort_by_key(|(e, _)| (e.time, e.seq));
        // The usual number of reads in one burst window, from the baseline.
        let expected = usual as f64 * burst_window as f64 / baseline_ms as f64;
        let threshold = req
            .burst_min
            .max((expected * f64::from(req.burst_factor)).ceil() as usize);
        let times: Vec<i64> = recent.iter().map(|(e, _)| e.time).collect();
        for (a, b) in dense_runs(&times, burst_window, threshold) {
            let run: Vec<&Event> = recent[a..=b].iter().map(|(e, _)| *e).collect();
            let (actor, actors) = most_frequent(&run);
            let versions: HashSet<Option<u32>> = recent[a..=b].iter().map(|(_, v)| *v).collect();
            let version = (versions.len() == 1).then(|| recent[a].1).flatten();
            let by = if actors > 1 {
                format!("; {actors} actors, most often this one")
            } else {
                String::new()
            };
            out.push(Anomaly {
                version,
                ..finding(
                    Kind::ReadBurst,
                    Some(&key.to_owned()),
                    None,
                    actor,
                    &times[a..=b],
                    format!(
                        "{} reads within {} (usual: {expected:.1} per {} over the {} before the window; threshold {threshold}){by}",
                        run.len(),
                        req.burst_window,
                        req.burst_window,
                        req.baseline,
                    ),
                )
            });
        }
    }

    out.sort_by(|a, b| {
        (a.kind, a.from, &a.key, a.version).cmp(&(b.kind, b.from, &b.key, b.version))
    });
    out
}

/// ` (N times)` when more than once.
fn times_suffix(n: usize) -> String {
    if n > 1 {
        format!(" ({n} times)")
    } else {
        String::new()
    }
}

/// The actor with the most events in `run` (the earliest on a tie), and how many
/// actors there are.
fn most_frequent<'a>(run: &[&'a Event]) -> (&'a Actor, usize) {
    let mut counts: HashMap<&Actor, usize> = HashMap::new();
    for e in run {
        *counts.entry(&e.actor).or_default() += 1;
    }
    let best = run
        .iter()
        .map(|e| &e.actor)
        .max_by_key(|a| counts[a])
        .expect("a run is never empty");
    // `max_by_key` keeps the last maximum: look for the first one instead.
    let top = counts[best];
    let first = run
        .iter()
        .map(|e| &e.actor)
        .find(|a| counts[a] == top)
        .expect("the maximum is in the run");
    (first, counts.len())
}

/// The stretches of sorted `times` where some span of `window` ms holds at least
/// `threshold` of them, as inclusive index ranges; overlapping spans join into one.
pub fn dense_runs(times: &[i64], window: i64, threshold: usize) -> Vec<(usize, usize)> {
    let threshold = threshold.max(1);
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window {
            lo += 1;
        }
        if hi + 1 - lo >= threshold {
            match runs.last_mut() {
                Some((_, end)) if lo <= *end => *end = hi,
                _ => runs.push((lo, hi)),
            }
        }
    }
    runs
}

/// Keys not read for `unused_for` (the rule `check --unused-for` applies).
fn unused(db: &EnvDb, access: &[Event], unused_for: Dur, now: i64) -> Result<Vec<Anomaly>> {
    let last = LastReads::of(access);
    let mut out = Vec::new();
    for k in db.keys()? {
        if let Some(u) = last.unused(&k, unused_for, now) {
            out.push(Anomaly {
                env: db.env.to_string(),
                kind: Kind::Unused,
                key: Some(k.meta.name.to_string()),
                version: Some(k.current.version),
                actor: None,
                from: u.since,
                to: now,
                count: 0,
                reason: format!("{} (not read for {unused_for} or more)", u.describe()),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::dense_runs;

    #[test]
    fn dense_runs_join_overlapping_spans() {
        // threshold 3 within 10 ms
        let t = [0, 1, 2, 50, 51, 100, 101, 102, 103, 200];
        assert_eq!(dense_runs(&t, 10, 3), vec![(0, 2), (5, 8)]);
        assert_eq!(dense_runs(&t, 10, 5), vec![]);
        assert_eq!(dense_runs(&t, 1000, 10), vec![(0, 9)]);
        // a span is [t, t + window): 0 and 10 are not within 10 ms of each other
        assert_eq!(dense_runs(&[0, 10], 10, 2), vec![]);
        assert_eq!(dense_runs(&[], 10, 1), vec![]);
    }
}
