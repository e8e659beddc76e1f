//! `audit follow` (DESIGN §12): every new event, lifecycle and access, as a JSON line
//! (the `audit export --format jsonl` form, hashes included) as soon as it is
//! committed, until SIGINT, SIGTERM, SIGHUP or a closed stdout.
//!
//! Events are read by position, per environment and chain: the lifecycle chain in
//! `seq` order from the environment file, the journal by `seq` through SQLite (so a
//! WAL checkpoint or truncation changes nothing). A position is a sequence number and
//! the hash of the event there: resuming checks the event is still there, so a cursor
//! never silently skips or repeats. With `--cursor FILE` the positions are written
//! (0600, temp file and rename) after each batch reaches stdout, and a restart resumes
//! there; environments that appear later start at their first event.
//!
//! Woken by inotify on the vault's directories (a commit's rename, a `git pull`
//! replacing a file, a journal append), with one more look shortly after each change
//! (a change notification can precede the commit it belongs to) and a slow look when
//! idle; `--poll DUR` (or no inotify) looks every DUR instead. Never a busy loop.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::audit::{Chain, Event, GENESIS};
use crate::error::{Error, Result};
use crate::fsutil::{OutFile, stdout_error};
use crate::names::{Dur, EnvName};
use crate::ops::Context;
use crate::ops::audit::{labels, write_jsonl};
use crate::sys::{self, Wake};
use crate::vault::follow::FileStamp;
use crate::vault::journal::Journal;
mod cursor;
#[allow(unused_imports)]
use cursor::*;

/// How often an idle follower with file-change notification looks anyway (a change it
/// could not see: a directory replaced, a network filesystem).
const IDLE_LOOK: Duration = Duration::from_secs(30);
/// The second look after a change.
const SETTLE_LOOK: Duration = Duration::from_millis(250);
/// Without notification and without `--poll`.
const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// Journal events read, written and recorded in the cursor at a time (bounded memory
/// on a first run over a large journal; a stop request is honoured between pages).
const PAGE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub enum FollowFormat {
    Jsonl,
}

/// `audit follow`: which environments, where to keep the position, how to wait.
pub struct Follow {
    pub all_envs: bool,
    pub cursor: Option<PathBuf>,
    /// Look every DUR instead of waiting for file-change notification.
    pub poll: Option<Dur>,
}

/// What the follower keeps per environment between looks. Never the environment
/// database itself (it holds values): only its audit key, to unseal the journal.
#[derive(Default)]
struct EnvState {
    /// The environment file as last read.
    stamp: Option<FileStamp>,
    key: Option<std::rc::Rc<crate::vault::keyring::AuditKeys>>,
    journal: Option<(Journal, Option<FileStamp>)>,
    noted: bool,
    /// The file as it was when it last failed to open: a file being written in place
    /// (git writes a checked-out file that way) gets one more look before it is an
    /// error.
    failed: Option<FileStamp>,
}

/// Follow until told to stop.
pub fn follow(ctx: &Context, req: Follow) -> Result<()> {
    ctx.paths.require()?;
    if !req.all_envs {
        // A missing environment is exit 3 now, not a silent wait.
        drop(ctx.open_env()?);
    }
    let signals = sys::termination_signals().map_err(|e| Error::Failed {
        what: "watch for termination signals",
        detail: e.to_string(),
    })?;
    let watch = match req.poll {
        Some(_) => None,
        None => match sys::DirWatch::new() {
            Ok(w) => Some(w),
            Err(e) => {
                ctx.out.warn(&format!(
                    "no file-change notification ({e}); looking every {}s",
                    DEFAULT_POLL.as_secs()
                ));
                None
            }
        },
    };
    let idle = match (&watch, req.poll) {
        (Some(_), _) => IDLE_LOOK,
        (None, Some(d)) => Duration::from_secs(d.secs as u64),
        (None, None) => DEFAULT_POLL,
    };
    let vault = std::fs::canonicalize(&ctx.paths.root)
        .unwrap_or_else(|_| ctx.paths.root.clone())
        .to_string_lossy()
        .into_owned();
    let mut cursor = Cursor::load(req.cursor, vault)?;
    cursor.validate(ctx)?;
    let mut f = Follower {
        ctx,
        all_envs: req.all_envs,
        cursor,
        states: HashMap::new(),
        labels: HashMap::new(),
        signals: &signals,
        again: false,
    };
    // Without a cursor file: what is committed from now on, in the environments there
    // now (one that appears later is new, all of it).
    let mut first = !f.cursor.resumes();
    let mut settle = false;
    loop {
        if let Some(w) = &watch {
            for dir in ctx.paths.watch_dirs() {
                // A directory not there yet (`journal/`) shows up in the root's watch.
                let _ = w.add(&dir);
            }
        }
        f.again = false;
        f.look(first)?;
        first = false;
        settle |= f.again;
        if sys::stop_requested(&signals) {
            break;
        }
        let timeout = if settle { SETTLE_LOOK } else { idle };
        match sys::wait_for_change(watch.as_ref(), &signals, timeout).map_err(|e| {
            Error::Failed {
                what: "wait for changes",
                detail: e.to_string(),
            }
        })? {
            Wake::Stop | Wake::StdoutClosed => break,
            Wake::Changed => {
                if let Some(w) = &watch {
                    w.drain();
                }
                settle = true;
            }
            Wake::Timeout => settle = false,
        }
    }
    Ok(())
}

struct Follower<'a> {
    ctx: &'a Context,
    all_envs: bool,
    cursor: Cursor,
    states: HashMap<EnvName, EnvState>,
    labels: HashMap<String, String>,
    signals: &'a std::os::unix::net::UnixStream,
    /// Something must be looked at again soon (a file caught mid-write).
    again: bool,
}

impl Follower<'_> {
    /// One look at every environment followed: deliver what is new. With `skip`, move
    /// to the current heads without delivering.
    fn look(&mut self, skip: bool) -> Result<()> {
        let envs = if self.all_envs {
            self.ctx.paths.env_names()?
        } else {
            vec![self.ctx.env.clone()]
        };
        for env in envs {
            self.lifecycle(&env, skip)?;
            self.access(&env, skip)?;
            if sys::stop_requested(self.signals) {
                break;
            }
        }
        // A new cursor file is written only once the first look has placed every chain
        // at its head: whoever waits for the file (a script, a test) and then commits
        // knows the follower will deliver it. Saved after the first environment, it
        // said "ready" while later chains were still to be placed, and an event
        // committed in between was skipped as "before the start".
        if skip {
            self.cursor.save()?;
        }
        Ok(())
    }

    /// Reread the environment file if it changed (a commit, a `git pull`) and deliver
    /// its lifecycle events after the position.
    fn lifecycle(&mut self, env: &EnvName, skip: bool) -> Result<()> {
        let stamp = self.ctx.paths.env_stamp(env);
        let state = self.states.entry(env.clone()).or_default();
        if stamp.is_none() || stamp == state.stamp {
            return Ok(());
        }
        let db = match self.ctx.open_env_named(env) {
            Ok(db) => db,
            Err(Error::NotARecipient { .. }) if self.all_envs => {
                if !state.noted {
                    self.ctx.out.warn(&format!(
                        "not following `{env}`: this identity is not a recipient"
                    ));
                    state.noted = true;
                }
                state.stamp = stamp;
                state.key = None;
                return Ok(());
            }
            Err(_) if state.failed != stamp => {
                state.failed = stamp;
                self.again = true;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        state.failed = None;
        state.stamp = stamp;
        let keys = db.audit_keys()?;
        // Stored positions are used only once their MAC checks under these keys.
        self.cursor.learn(env.as_str(), &keys)?;
        state.key = Some(std::rc::Rc::new(keys));
        self.labels.extend(labels(std::slice::from_ref(&db))?);
        let events = db.lifecycle_events()?;
        drop(db);
        let pos = self.cursor.pos(env).lifecycle.clone();
        let new = if skip {
            Vec::new()
        } else {
            match after(&events, &pos) {
                Some(new) => new,
                None if events.len() < pos.seq as usize => {
                    // An earlier state (a branch checked out): nothing new until the
                    // newer one is back; opening it has warned.
                    return Ok(());
                }
                None => {
                    return Err(Error::FollowCursorLost {
                        env: env.clone(),
                        chain: Chain::Lifecycle,
                        seq: pos.seq,
                    });
                }
            }
        };
        self.deliver(new)?;
        if let Some(last) = events.last() {
            self.cursor.set(env, Chain::Lifecycle, Pos::at(last));
        }
        // The first look saves once, after every chain is positioned (`look`).
        if skip { Ok(()) } else { self.cursor.save() }
    }

    /// Deliver the journal's events after the position, a page at a time.
    fn access(&mut self, env: &EnvName, skip: bool) -> Result<()> {
        let Some(state) = self.states.get_mut(env) else {
            return Ok(());
        };
        let Some(key) = state.key.clone() else {
            return Ok(());
        };
        // A journal deleted or replaced is reopened (and checked against the position).
        let stamp = self.ctx.paths.journal_stamp(env);
        if let Some((_, old)) = &state.journal
            && match (old, &stamp) {
                (Some(a), Some(b)) => !a.same_file(b),
                _ => true,
            }
        {
            state.journal = None;
        }
        if state.journal.is_none() {
            match Journal::open_existing(&self.ctx.paths, env)? {
                Some(j) => state.journal = Some((j, stamp)),
                None => return Ok(()),
            }
        }
        let (journal, _) = state.journal.as_ref().expect("opened above");
        if skip {
            // Only a head the chain reaches (sealed at its place): never a planted row.
            if let Some((seq, hash)) = journal.sealed_head(&key)? {
                let pos = Pos {
                    seq,
                    hash: hex::encode(hash),
                };
                self.cursor.set(env, Chain::Access, pos);
            }
            return Ok(());
        }
        loop {
            let pos = self.cursor.pos(env).access.clone();
            let prev = pos.hash().expect("checked when loaded or set");
            let state = self.states.get(env).expect("present");
            let (journal, _) = state.journal.as_ref().expect("opened above");
            let page = journal
                .events_after(&key, pos.seq, prev, PAGE)?
                .ok_or_else(|| Error::FollowCursorLost {
                    env: env.clone(),
                    chain: Chain::Access,
                    seq: pos.seq,
                })?;
            self.deliver(&page)?;
            if let Some(last) = page.last() {
                self.cursor.set(env, Chain::Access, Pos::at(last));
            }
            self.cursor.save()?;
            if page.len() < PAGE || sys::stop_requested(self.signals) {
                return Ok(());
            }
        }
    }

    /// Write `events` to stdout as JSON lines and flush: a closed pipe ends quietly.
    fn deliver<'e>(&self, events: impl IntoIterator<Item = &'e Event>) -> Result<()> {
        let mut events = events.into_iter().peekable();
        if events.peek().is_none() {
            return Ok(());
        }
        let json = |e: serde_json::Error| stdout_error(e.into());
        let mut w = BufWriter::new(std::io::stdout().lock());
        for e in events {
            let mut e = e.clone();
            e.subject_label = e.subject.as_ref().and_then(|s| self.labels.get(s)).cloned();
            write_jsonl(&mut w, &e).map_err(json)?;
        }
        w.flush().map_err(stdout_error)
    }
}

/// The lifecycle events not yet delivered: every event that is not `pos`'s event or
/// one of its ancestors in the chain's DAG (a position is always the head of the file
/// it was read from, so those are exactly what was delivered). A merge made on another
/// machine can place that side's events before the position in the file: they are new
/// all the same. `pos` is found by its sequence number or (should a merge have
/// renumbered the chain) by its hash. `None` when the chain does not hold it.
fn after<'a>(events: &'a [Event], pos: &Pos) -> Option<Vec<&'a Event>> {
    if pos.seq == 0 {
        return Some(events.iter().collect());
    }
    let at = usize::try_from(pos.seq - 1)
        .ok()
        .filter(|&at| {
            events
                .get(at)
                .is_some_and(|e| hex::encode(e.hash) == pos.hash)
        })
        .or_else(|| events.iter().position(|e| hex::encode(e.hash) == pos.hash))?;
    Some(crate::audit::since(events, at).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Action, Actor, Via, canonical, chain_hash};

    fn chain(n: i64) -> Vec<Event> {
        let env: EnvName = "dev".parse().unwrap();
        let actor = Actor {
            recipient: "age1x".into(),
            os_user: "u".into(),
            host: "h".into(),
            via: Via::File,
        };
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let c = canonical(
                    &env,
                    &actor,
                    Action::Set,
                    Some("K"),
                    Some(1),
                    None,
                    None,
                    seq,
                );
                let hash = chain_hash(&prev, &c.bytes());
                let e = c.into_event(Chain::Lifecycle, seq, prev, hash).unwrap();
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn after_resumes_by_seq_then_by_hash_and_refuses_the_unknown() {
        let events = chain(5);
        assert_eq!(after(&events, &Pos::start()).unwrap().len(), 5);
        assert_eq!(after(&events, &Pos::at(&events[1])).unwrap()[0].seq, 3);
        assert!(after(&events, &Pos::at(&events[4])).unwrap().is_empty());
        // The same event at another position (a merge renumbered the chain).
        let moved = Pos {
            seq: 1,
            hash: hex::encode(events[2].hash),
        };
        assert_eq!(after(&events, &moved).unwrap()[0].seq, 4);
        let unknown = Pos {
            seq: 2,
            hash: "ab".repeat(32),
        };
        assert!(after(&events, &unknown).is_none());
        // Past the end (an earlier state of the file): nothing to resume from yet.
        let ahead = Pos {
            seq: 9,
            hash: "cd".repeat(32),
        };
        assert!(after(&events, &ahead).is_none());
    }

    #[test]
    fn a_merge_that_puts_the_other_sides_events_before_the_position_delivers_them() {
        // 1; a developer's 2 on 1 (not pushed); the monitor's 3 on 1, delivered; the
        // developer pulls, merges (4 joins 3) and pushes: the file reads 1, 2, 3, 4.
        let mut e = chain(4);
        e[2].prev_hash = e[0].hash;
        e[3].prev_hash = e[1].hash;
        e[3].joined_hash = Some(e[2].hash);
        let seen = Pos {
            seq: 2,
            hash: hex::encode(e[2].hash),
        };
        let new: Vec<i64> = after(&e, &seen).unwrap().iter().map(|x| x.seq).collect();
        assert_eq!(new, [2, 4]);
    }
}
