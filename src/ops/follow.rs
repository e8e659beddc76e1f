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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
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

/// A position in one chain: the last event delivered (seq 0: none yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Pos {
    seq: i64,
    hash: String,
}

impl Pos {
    fn start() -> Pos {
        Pos {
            seq: 0,
            hash: hex::encode(GENESIS),
        }
    }

    fn at(e: &Event) -> Pos {
        Pos {
            seq: e.seq,
            hash: hex::encode(e.hash),
        }
    }

    fn hash(&self) -> Option<[u8; 32]> {
        hex::decode(&self.hash).ok()?.try_into().ok()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct EnvPos {
    lifecycle: Pos,
    access: Pos,
}

impl Default for EnvPos {
    fn default() -> Self {
        EnvPos {
            lifecycle: Pos::start(),
            access: Pos::start(),
        }
    }
}

/// The cursor file's content.
#[derive(Debug, Serialize, Deserialize)]
struct CursorFile {
    v: u8,
    /// The vault followed (a cursor of another vault is refused).
    vault: String,
    envs: BTreeMap<String, EnvPos>,
}

/// The positions, and where they are kept.
struct Cursor {
    path: Option<PathBuf>,
    file: CursorFile,
    dirty: bool,
}

impl Cursor {
    /// The cursor at `path` (a missing file is a new cursor: every chain from its
    /// start), or positions kept in memory only.
    fn load(path: Option<PathBuf>, vault: String) -> Result<Cursor> {
        let fresh = CursorFile {
            v: 1,
            vault: vault.clone(),
            envs: BTreeMap::new(),
        };
        let Some(p) = path else {
            return Ok(Cursor {
                path: None,
                file: fresh,
                dirty: false,
            });
        };
        let text = match read_nofollow(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Cursor {
                    path: Some(p),
                    file: fresh,
                    dirty: true,
                });
            }
            Err(e) if sys::is_symlink_refusal(&e) => {
                return Err(Error::OutputIsSymlink { path: p });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Error::CursorCorrupt {
                    path: p,
                    detail: "not a cursor (not UTF-8 text)".into(),
                });
            }
            Err(e) => return Err(Error::io("cannot read", p, e)),
        };
        let corrupt = |detail: String| Error::CursorCorrupt {
            path: p.clone(),
            detail,
        };
        let file: CursorFile =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not a cursor ({e})")))?;
        if file.v != 1 {
            return Err(corrupt(format!("unknown cursor version {}", file.v)));
        }
        for (env, pos) in &file.envs {
            for (chain, pos) in [("lifecycle", &pos.lifecycle), ("access", &pos.access)] {
                if pos.seq < 0 || pos.hash().is_none() {
                    return Err(corrupt(format!("a malformed {chain} position for `{env}`")));
                }
            }
        }
        if file.vault != vault {
            return Err(Error::usage(format!(
                "cursor `{}` follows the vault `{}`, not `{vault}`\nhint: give each vault its own cursor file",
                p.display(),
                file.vault
            )));
        }
        Ok(Cursor {
            path: Some(p),
            file,
            dirty: false,
        })
    }

    /// Check every position against the chains as they are now, recomputed (DESIGN §8
    /// round 3): a position must name an event there, with that hash. A cursor past the
    /// end of a chain is refused — unless the environment file is an earlier state this
    /// machine knows of (a branch checked out), whose newer state will come back.
    fn validate(&self, ctx: &Context) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let invalid = |env: &str, chain: Chain, detail: String| Error::CursorCorrupt {
            path: path.clone(),
            detail: format!("its {chain} position for `{env}` {detail}"),
        };
        for (env, pos) in &self.file.envs {
            let Ok(name) = env.parse::<EnvName>() else {
                return Err(invalid(
                    env,
                    Chain::Lifecycle,
                    "names no environment".into(),
                ));
            };
            let db = match ctx.open_env_named(&name) {
                Ok(db) => db,
                // Not readable here (any more): nothing to check, nothing to deliver.
                Err(Error::NotARecipient { .. } | Error::EnvNotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let events = db.lifecycle_events()?;
            let l = &pos.lifecycle;
            let behind = matches!(db.history(), crate::vault::History::Behind { .. });
            if l.seq > 0
                && !events.iter().any(|e| hex::encode(e.hash) == l.hash)
                && !(behind && l.seq as usize > events.len())
            {
                return Err(invalid(
                    env,
                    Chain::Lifecycle,
                    format!(
                        "names event {} with a hash the chain does not hold (the chain has {} events)",
                        l.seq,
                        events.len()
                    ),
                ));
            }
            let a = &pos.access;
            if a.seq == 0 {
                continue;
            }
            let keys = db.audit_keys()?;
            let held = match Journal::open_existing(&ctx.paths, &name)? {
                None => None,
                Some(j) => j
                    .events_after(&keys, 0, GENESIS, a.seq as usize)?
                    .and_then(|evs| evs.last().map(|e| (e.seq, hex::encode(e.hash)))),
            };
            if held != Some((a.seq, a.hash.clone())) {
                return Err(invalid(
                    env,
                    Chain::Access,
                    format!(
                        "names event {} that the journal does not hold as recorded",
                        a.seq
                    ),
                ));
            }
        }
        Ok(())
    }

    fn resumes(&self) -> bool {
        self.path.is_some()
    }

    fn pos(&mut self, env: &EnvName) -> &mut EnvPos {
        self.file.envs.entry(env.to_string()).or_default()
    }

    fn set(&mut self, env: &EnvName, chain: Chain, pos: Pos) {
        let p = self.pos(env);
        let slot = match chain {
            Chain::Lifecycle => &mut p.lifecycle,
            Chain::Access => &mut p.access,
        };
        // A cursor never moves back (DESIGN §12 round 3): delivering again what was
        // delivered is as wrong as skipping.
        if pos.seq < slot.seq {
            return;
        }
        if *slot != pos {
            *slot = pos;
            self.dirty = true;
        }
    }

    /// Write the positions (after the events they cover reached stdout).
    fn save(&mut self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        let mut f = OutFile::create(path, true)?;
        let mut bytes = serde_json::to_vec(&self.file).expect("plain struct serializes");
        bytes.push(b'\n');
        f.write_all(&bytes)
            .map_err(|e| Error::io("cannot write", path.clone(), e))?;
        f.commit()?;
        self.dirty = false;
        Ok(())
    }
}

fn read_nofollow(p: &std::path::Path) -> std::io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(sys::O_NOFOLLOW)
        .open(p)?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(s)
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
    let signals = sys::termination_signals().map_err(|e| Error::Other(e.to_string()))?;
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
    let cursor = Cursor::load(req.cursor, vault)?;
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
        match sys::wait_for_change(watch.as_ref(), &signals, timeout)
            .map_err(|e| Error::Other(format!("cannot wait for changes: {e}")))?
        {
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
        state.key = Some(std::rc::Rc::new(db.audit_keys()?));
        self.labels.extend(labels(std::slice::from_ref(&db))?);
        let events = db.lifecycle_events()?;
        drop(db);
        let pos = self.cursor.pos(env).lifecycle.clone();
        let new = if skip {
            &[][..]
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
        self.cursor.save()
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
            if let Some((seq, hash)) = journal.head()? {
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
    fn deliver(&self, events: &[Event]) -> Result<()> {
        if events.is_empty() {
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

/// The lifecycle events after `pos`: found by its sequence number, or (should a merge
/// have renumbered the chain) by its hash. `None` when the chain does not hold it.
fn after<'a>(events: &'a [Event], pos: &Pos) -> Option<&'a [Event]> {
    if pos.seq == 0 {
        return Some(events);
    }
    let at = usize::try_from(pos.seq - 1).ok()?;
    if events
        .get(at)
        .is_some_and(|e| hex::encode(e.hash) == pos.hash)
    {
        return Some(&events[at + 1..]);
    }
    let i = events
        .iter()
        .position(|e| hex::encode(e.hash) == pos.hash)?;
    Some(&events[i + 1..])
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
}
