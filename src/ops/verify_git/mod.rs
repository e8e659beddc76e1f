//! `audit verify --git` (DESIGN §8): on a machine with no pins (CI), the vault's git
//! history is the witness. Every commit that changed an environment file must hold a
//! lifecycle chain that extends the chain in each parent commit: only someone who could
//! decrypt the parent's file can produce one. A file replaced by an unrelated one (a
//! forgery from the public recipients, another vault's file) or rewound to an earlier
//! state is exit 6, naming the commit, the environment and the author.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use crate::audit::GENESIS;
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::ops::Context;
use crate::ops::envs::{SkippedEnv, require_coverage};
use crate::vault::repo::{CommitInfo, GitHistory, short};
use crate::vault::transition;
mod coverage;
mod memo;
mod report;
pub use coverage::CheckedFrom;
use coverage::Unchecked;
#[allow(unused_imports)]
pub use report::*;

/// `audit verify --git [REVS] [--pin HASH]`.
pub struct VerifyHistory {
    /// What `git rev-list` walks (`HEAD` when empty): a commit, a branch, `A..B`.
    pub revs: Vec<String>,
    pub pin: Option<HeadHash>,
    pub skip_unreadable: bool,
    /// Check every commit again, ignoring the commits remembered as verified here.
    pub full: bool,
}

/// A decrypted chain: every event's hash, oldest first (`lifecycle_events` recomputed
/// each one, so the chain is intact).
type Hashes = Vec<[u8; 32]>;

/// Why a blob's chain could not be read.
#[derive(Clone)]
enum Unread {
    NotRecipient,
    Damaged(String),
}

/// What opening one blob gave.
#[derive(Clone)]
enum Opened {
    /// Events in the chain and the head hash.
    Head(usize, [u8; 32]),
    Failed(Unread),
}

/// One blob read whole: its recomputed events and its rows (`transition`).
struct Read {
    events: Vec<crate::audit::Event>,
    rows: transition::Rows,
    /// DESIGN §15: its trust root, every signature of its history checked against the
    /// roles in force where it was made (`None` for an unsigned history); or why its
    /// signed history does not verify (reported after the rows check, which names the
    /// key when rows changed without their events).
    signed: std::result::Result<Option<String>, String>,
    /// Its signatures and members, for a merge that left a side out (DESIGN §15).
    sigs: Vec<crate::vault::signed::Signature>,
    members: crate::vault::signed::Members,
}

/// Reads env blobs, remembering each blob's head so no blob is decrypted twice on the
/// common path (a file is the child's version once and the parent's once).
struct Reader<'a> {
    ctx: &'a Context,
    git: GitHistory,
    heads: HashMap<String, Opened>,
    /// The last blobs read whole (a child is usually the next commit's parent).
    read: HashMap<String, std::rc::Rc<Read>>,
}

impl Reader<'_> {
    /// `env` in `blob` read whole: its events (recomputed) and its rows.
    fn read(
        &mut self,
        commit: &str,
        env: &EnvName,
        blob: &str,
    ) -> Result<Result<std::rc::Rc<Read>, Unread>> {
        if let Some(r) = self.read.get(blob) {
            return Ok(Ok(r.clone()));
        }
        let label = self.git.label(commit, env);
        let identity = self.ctx.identity()?.as_age();
        let opened = self
            .git
            .open_env(&self.ctx.paths, env, blob, label, identity)
            .and_then(|mut db| {
                let events = db.lifecycle_events()?;
                let signed = match db.verify_signed(&events, None) {
                    Ok(v) => Ok(v.root),
                    Err(e) if e.exit_code() == 6 => {
                        Err(e.to_string().lines().next().unwrap_or_default().to_owned())
                    }
                    Err(e) => return Err(e),
                };
                Ok(Read {
                    rows: transition::rows(&db)?,
                    sigs: db.signatures()?,
                    members: db.members()?,
                    events,
                    signed,
                })
            });
        let result = match opened {
            Ok(read) => Ok(std::rc::Rc::new(read)),
            Err(Error::NotARecipient { .. }) => Err(Unread::NotRecipient),
            Err(e) if e.exit_code() == 6 => Err(Unread::Damaged(
                e.to_string().lines().next().unwrap_or_default().to_owned(),
            )),
            Err(e) => return Err(e),
        };
        let head = match &result {
            Ok(r) => Opened::Head(r.events.len(), r.events.last().map_or(GENESIS, |e| e.hash)),
            Err(u) => Opened::Failed(u.clone()),
        };
        self.heads.insert(blob.to_owned(), head);
        if let Ok(r) = &result {
            if self.read.len() >= 8 {
                self.read.clear();
            }
            self.read.insert(blob.to_owned(), r.clone());
        }
        Ok(result)
    }

    /// The full chain of `env` in `blob` (committed in `commit`).
    fn chain(&mut self, commit: &str, env: &EnvName, blob: &str) -> Result<Result<Hashes, Unread>> {
        if let Some(r) = self.read.get(blob) {
            return Ok(Ok(r.events.iter().map(|e| e.hash).collect()));
        }
        let label = self.git.label(commit, env);
        let identity = self.ctx.identity()?.as_age();
        let opened = self
            .git
            .open_env(&self.ctx.paths, env, blob, label, identity)
            .and_then(|db| db.lifecycle_events());
        let result = match opened {
            Ok(events) => Ok(events.iter().map(|e| e.hash).collect::<Hashes>()),
            Err(Error::NotARecipient { .. }) => Err(Unread::NotRecipient),
            Err(e) if e.exit_code() == 6 => Err(Unread::Damaged(
                e.to_string().lines().next().unwrap_or_default().to_owned(),
            )),
            Err(e) => return Err(e),
        };
        let head = match &result {
            Ok(h) => Opened::Head(h.len(), h.last().copied().unwrap_or(GENESIS)),
            Err(u) => Opened::Failed(u.clone()),
        };
        self.heads.insert(blob.to_owned(), head);
        Ok(result)
    }

    /// The head of `env` in `blob`, from the cache when it was read before.
    fn head(&mut self, commit: &str, env: &EnvName, blob: &str) -> Result<Opened> {
        if let Some(o) = self.heads.get(blob) {
            return Ok(o.clone());
        }
        // Reading the chain caches its head.
        let _ = self.chain(commit, env, blob)?;
        Ok(self.heads[blob].clone())
    }
}

/// Walk the history of the vault's `envs/` in `req.revs` and check every change.
pub fn verify_history(ctx: &Context, req: VerifyHistory) -> Result<HistoryVerified> {
    for r in &req.revs {
        // Never an option to git, whatever the argument says.
        if r.starts_with('-') || r.is_empty() {
            return Err(Error::usage(format!(
                "`{r}` is not a revision: REVS is a commit, a branch or a range such as `origin/main..HEAD`"
            )));
        }
    }
    let mut git = GitHistory::open(&ctx.paths.root)?;
    if ctx.env_explicit {
        git.only(ctx.env.clone());
    }
    // DESIGN §7 round 3: the histories of commits verified whole before on this machine
    // are not walked again (`memo` says why a remembered verdict cannot be forged).
    let roots = &ctx.paths.trust_roots;
    let mut memory = memo::open(ctx)?;
    let remembered = match (&memory, req.full) {
        (Some(m), false) => memo::valid(m, &mut git, roots),
        _ => Vec::new(),
    };
    let commits = git.commits_touching_envs(&req.revs, &remembered)?;
    let tips = git.tips(&req.revs)?;
    let mut rd = Reader {
        ctx,
        git,
        heads: HashMap::new(),
        read: HashMap::new(),
    };
    let mut problems = Vec::new();
    let mut flagged = BTreeSet::new();
    let mut unchecked = Unchecked::default();
    let mut checked = 0;
    for id in &commits {
        let commit = rd.git.commit(id)?;
        let blobs = rd.git.env_blobs(id)?;
        let mut parents = Vec::new();
        for p in &commit.parents {
            let info = rd.git.commit(p)?;
            let pblobs = rd.git.env_blobs(p)?;
            parents.push((info, pblobs));
        }
        let mut touched = false;
        let mut flag = |commit: &CommitInfo, env: &EnvName, problem: Problem| {
            if flagged.insert((commit.id.clone(), env.clone())) {
                problems.push(Rewrite {
                    commit: commit.short().to_owned(),
                    env: env.clone(),
                    author: commit.author.clone(),
                    subject: commit.subject.clone(),
                    problem,
                });
            }
        };
        // Deleted files: deleting and re-adding would otherwise pass as a new env.
        for (parent, pblobs) in &parents {
            for (env, pblob) in pblobs {
                if blobs.contains_key(env) {
                    continue;
                }
                touched = true;
                match rd.head(&parent.id, env, pblob)? {
                    Opened::Failed(Unread::NotRecipient) => unchecked.add(env, id),
                    _ => flag(
                        &commit,
                        env,
                        Problem::Removed {
                            parent: parent.short().to_owned(),
                        },
                    ),
                }
            }
        }
        for (env, blob) in &blobs {
            let changed: Vec<_> = parents
                .iter()
                .filter(|(_, pb)| pb.get(env) != Some(blob))
                .collect();
            if !parents.is_empty() && changed.is_empty() {
                continue; // the same file as in every parent
            }
            touched = true;
            let child = match rd.read(id, env, blob)? {
                Ok(r) => {
                    unchecked.readable(env, id);
                    r
                }
                Err(Unread::NotRecipient) => {
                    unchecked.add(env, id);
                    continue;
                }
                Err(Unread::Damaged(detail)) => {
                    flag(&commit, env, Problem::Damaged { detail });
                    continue;
                }
            };
            let hashes: Hashes = child.events.iter().map(|e| e.hash).collect();
            // A merge commit's two parents as read, for `transition::merge_values`.
            let mut sides: Vec<(String, std::rc::Rc<Read>)> = Vec::new();
            for (parent, pblobs) in changed {
                // Created in this commit, unless the parent (or, when the vault was
                // deleted first, an earlier commit) held it where that commit kept its
                // vault: then it moved, and what it moved is what it must extend. Held
                // here before a deletion, it is either a new environment of the same
                // name (a history of its own) or that one back, which must then be its
                // last state, not an earlier one put back (a removed member's copy from
                // before the removal, say, which a range starting after the deletion
                // would otherwise take as created).
                let mut again = false;
                let pblob = match pblobs.get(env) {
                    Some(b) => b.clone(),
                    None => match rd.git.held_before(&parent.id, env)? {
                        Some(held) => {
                            again = held.here;
                            held.blob
                        }
                        None => continue,
                    },
                };
                if again
                    && let Ok(old) = rd.chain(&parent.id, env, &pblob)?
                    && old.first().is_none_or(|genesis| !hashes.contains(genesis))
                {
                    continue;
                }
                let (mut parent, mut pblob) = (parent.clone(), pblob);
                let (pseq, phead) = match rd.head(&parent.id, env, &pblob)? {
                    Opened::Head(n, h) => (n, h),
                    Opened::Failed(Unread::NotRecipient) => {
                        // Round 3: an unreadable commit must not hide the one after it:
                        // compare with the nearest ancestor this identity can read. None:
                        // this is the first version it can read (DESIGN §16: the check
                        // starts here; the parent was counted where it was visited).
                        match nearest_readable(&mut rd, &parent.id, env)? {
                            Some((a, ablob, n, h)) => {
                                unchecked.add(env, &parent.id);
                                (parent, pblob) = (a, ablob);
                                (n, h)
                            }
                            None => continue,
                        }
                    }
                    Opened::Failed(Unread::Damaged(detail)) => {
                        // Flagged at the parent (once), even when it is outside REVS.
                        flag(&parent, env, Problem::Damaged { detail });
                        continue;
                    }
                };
                // DESIGN §8: the parent's head in this chain means every event up to it
                // is the parent's (each hash covers the ones before). Usually at the
                // same place; a merge (DESIGN §9) may have moved it.
                if pseq == 0 || hashes.get(pseq - 1) == Some(&phead) || hashes.contains(&phead) {
                    // Round 3: and the rows follow from the parent's by the new events.
                    if pseq > 0
                        && let Ok(parent_read) = rd.read(&parent.id, env, &pblob)?
                    {
                        let known: std::collections::HashSet<[u8; 32]> =
                            parent_read.events.iter().map(|e| e.hash).collect();
                        let added: Vec<crate::audit::Event> = child
                            .events
                            .iter()
                            .filter(|e| !known.contains(&e.hash))
                            .cloned()
                            .collect();
                        // DESIGN §15: a signed history stays signed, under the same root.
                        if let (Ok(Some(_)), Ok(child_root)) = (&parent_read.signed, &child.signed)
                            && child_root.as_ref()
                                != parent_read.signed.as_ref().ok().and_then(|r| r.as_ref())
                        {
                            flag(
                                &commit,
                                env,
                                Problem::Damaged {
                                    detail: if child_root.is_none() {
                                        format!(
                                            "its history is not signed and its parent {}'s is (signatures stripped)",
                                            parent.short()
                                        )
                                    } else {
                                        format!(
                                            "its history is signed under another trust root than its parent {}'s (rewritten outside the chain of signed changes)",
                                            parent.short()
                                        )
                                    },
                                },
                            );
                            continue;
                        }
                        if let Some(b) = transition::check_in(
                            &parent_read.rows,
                            &child.rows,
                            &added,
                            &child.events,
                        )
                        .first()
                        {
                            flag(
                                &commit,
                                env,
                                Problem::Rows {
                                    parent: parent.short().to_owned(),
                                    key: b.key.clone(),
                                    detail: b.to_string(),
                                },
                            );
                        }
                        sides.push((parent.short().to_owned(), parent_read));
                    }
                    continue;
                }
                // DESIGN §15: a merge that left this side out, as the merge driver does
                // when all its changes are signed by someone the other side removed.
                if commit.parents.len() == 2
                    && left_out(&mut rd, &commit, env, &parent.id, &pblob, &hashes)?
                {
                    continue;
                }
                // Only now the parent's whole chain, to say what is wrong.
                let problem = match rd.chain(&parent.id, env, &pblob)? {
                    Ok(ph) => classify(&hashes, &ph, parent.short()),
                    Err(_) => Problem::Unrelated {
                        parent: parent.short().to_owned(),
                    },
                };
                flag(&commit, env, problem);
            }
            // DESIGN §9: a merge brings no value of its own (both sides read and changed).
            if let [(pa, a), (pb, b)] = &sides[..] {
                let theirs: Hashes = a.events.iter().chain(&b.events).map(|e| e.hash).collect();
                let own: Vec<crate::audit::Event> = child
                    .events
                    .iter()
                    .filter(|e| !theirs.contains(&e.hash))
                    .cloned()
                    .collect();
                if let Some(broken) =
                    transition::merge_values([&a.rows, &b.rows], &child.rows, &child.events, &own)
                        .first()
                {
                    flag(
                        &commit,
                        env,
                        Problem::Rows {
                            parent: format!("{pa}` and `{pb}"),
                            key: broken.key.clone(),
                            detail: broken.to_string(),
                        },
                    );
                }
            }
            // DESIGN §15: after the rows (whose message names the key), the signatures.
            if let Err(detail) = &child.signed {
                flag(
                    &commit,
                    env,
                    Problem::Damaged {
                        detail: detail.clone(),
                    },
                );
            }
        }
        if touched {
            checked += 1;
        }
    }

    problems.extend(report::journal_tracked(&mut rd.git, &tips)?);

    // The final chains: what the pin must be in, and the heads to print.
    let mut heads = Vec::new();
    let mut found_in = None;
    for tip in &tips {
        rd.git.commit(tip)?;
        for (env, blob) in rd.git.env_blobs(tip)? {
            // The whole chain only for a pin; the cached head otherwise.
            let opened = match req.pin {
                Some(pin) => match rd.chain(tip, &env, &blob)? {
                    Ok(h) => {
                        if found_in.is_none() && h.contains(&pin.0) {
                            found_in = Some(env.clone());
                        }
                        Opened::Head(h.len(), h.last().copied().unwrap_or(GENESIS))
                    }
                    Err(u) => Opened::Failed(u),
                },
                None => rd.head(tip, &env, &blob)?,
            };
            match opened {
                Opened::Head(events, head) => heads.push(EnvHead {
                    env,
                    commit: short(tip).to_owned(),
                    events,
                    head: hex::encode(head),
                }),
                Opened::Failed(Unread::NotRecipient) => unchecked.add(&env, tip),
                // Flagged where it was committed, when that is inside REVS.
                Opened::Failed(Unread::Damaged(_)) => {}
            }
        }
    }
    let (skipped, from) = unchecked.finish();
    // Named on stderr even with -q: what was not checked must not go unnoticed.
    for s in &skipped {
        ctx.out
            .warn(&format!("not checked `{}`: {}", s.env, s.reason));
    }
    for f in &from {
        ctx.out.note(&format!(
            "checked `{}` from commit {}, the first version this identity can read ({} earlier version(s) predate its access; --pin HEAD anchors a head printed before)",
            f.env, f.commit, f.earlier
        ));
    }
    // Remember the tips of a history checked whole and found good: every environment
    // (not `-e ENV`'s file only) and every version of it (not from a later grant).
    if let Some(memory) = &mut memory
        && problems.is_empty()
        && skipped.is_empty()
        && !ctx.env_explicit
        && from.is_empty()
        && req.pin.is_none_or(|_| found_in.is_some())
    {
        memo::remember(ctx, memory, &mut rd.git, &req.revs, &tips, &remembered)?;
    }
    Ok(HistoryVerified {
        remembered: remembered.iter().map(|c| short(c).to_owned()).collect(),
        commits: checked,
        heads,
        problems,
        pin: req.pin.map(|p| PinCheck {
            head: p.to_string(),
            found_in,
        }),
        skipped,
        from,
        accept_gap: req.skip_unreadable,
        tips,
    })
}

/// Whether merge `commit` is the state of its other parent with the side of `parent`
/// left out by the merge rule (every change it added since the merge base is signed by
/// someone the other parent removed, or who could not write there).
fn left_out(
    rd: &mut Reader<'_>,
    commit: &CommitInfo,
    env: &EnvName,
    parent: &str,
    pblob: &str,
    child: &[[u8; 32]],
) -> Result<bool> {
    let Some(other) = commit
        .parents
        .iter()
        .find(|p| p.as_str() != parent)
        .cloned()
    else {
        return Ok(false);
    };
    let Some(oblob) = rd.git.env_blobs(&other)?.get(env).cloned() else {
        return Ok(false);
    };
    let Ok(o) = rd.read(&other, env, &oblob)? else {
        return Ok(false);
    };
    // The result holds the other parent's history, whole.
    if !o.events.last().is_some_and(|e| child.contains(&e.hash)) {
        return Ok(false);
    }
    let Some(base) = rd.git.merge_base(parent, &other)? else {
        return Ok(false);
    };
    let Some(bblob) = rd.git.env_blobs(&base)?.get(env).cloned() else {
        return Ok(false);
    };
    let (Ok(b), Ok(p)) = (rd.read(&base, env, &bblob)?, rd.read(parent, env, pblob)?) else {
        return Ok(false);
    };
    let in_base: std::collections::HashSet<[u8; 32]> = b.events.iter().map(|e| e.hash).collect();
    Ok(crate::vault::merge::barred(&b.members, |h| in_base.contains(h), &p.sigs, &o.members).all)
}

/// A readable version of an env file: its commit, blob, and chain length and head.
type Readable = (CommitInfo, String, usize, [u8; 32]);

/// The nearest ancestor of `start` (itself unreadable) whose `env` this identity can
/// read: its commit, blob, and chain length and head. Breadth first along parents; none
/// when the environment did not exist further back, or nothing readable is found.
fn nearest_readable(rd: &mut Reader<'_>, start: &str, env: &EnvName) -> Result<Option<Readable>> {
    let mut queue: std::collections::VecDeque<String> =
        rd.git.commit(start)?.parents.into_iter().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id.clone()) || seen.len() > 100_000 {
            continue;
        }
        let info = rd.git.commit(&id)?;
        let Some(blob) = rd.git.env_blobs(&id)?.get(env).cloned() else {
            continue;
        };
        match rd.head(&id, env, &blob)? {
            Opened::Head(n, h) => return Ok(Some((info, blob, n, h))),
            Opened::Failed(_) => queue.extend(info.parents.iter().cloned()),
        }
    }
    Ok(None)
}
