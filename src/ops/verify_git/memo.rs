//! What `audit verify --git` remembers between runs (DESIGN §8 round 3, §7): the commits
//! whose whole history it found good on this machine, so that the next run walks only the
//! commits after them (`--full` walks everything again).
//!
//! A remembered commit is a verdict, so it must never let a forged blob pass:
//!
//! - it is keyed by content: the commit id (which covers its tree and parents) and the
//!   blob id of every environment file in it, read from the repository again each time
//!   (git runs with replace objects off: a commit id always means the same content);
//! - it holds only for the same trust roots (`KEYWARD_TRUST_ROOT`) and the same keyward
//!   version (the rules may change);
//! - its tag is an HMAC under a key that only the identity in use can make (derived from
//!   its signature of a fixed label: deterministic Ed25519, so the same key every run),
//!   so a line written by anyone else, or copied to another commit, checks nothing: it
//!   is dropped and that history is checked again.
//!
//! A commit is remembered only after a run that checked all of its history (no range
//! such as `A..B`), found no problem and skipped nothing.

use crate::error::Result;
use crate::ops::Context;
use crate::vault::repo::{EnvBlobs, GitHistory};
use crate::vault::verified::Memory;

/// The fixed message whose signature is the memory's key; never signed for anything else.
const KEY_LABEL: &[u8] = b"keyward: the key of this machine's memory of verified commits (v1)";

/// The memory of this vault on this machine, when it can be kept: a vault with a pin
/// directory and an identity that signs without asking (a plugin identity's separate
/// signing key would ask for its passphrase: not for a cache).
pub(super) fn open(ctx: &Context) -> Result<Option<Memory>> {
    let Some(pins) = &ctx.paths.pins else {
        return Ok(None);
    };
    let id = ctx.identity()?;
    if id.plugin.is_some() {
        return Ok(None);
    }
    let sig = match id.signer().and_then(|s| s.sign(KEY_LABEL)) {
        Ok(sig) => sig,
        Err(e) => {
            ctx.out.warn(&format!(
                "verified commits are not remembered: {}",
                e.to_string().lines().next().unwrap_or_default()
            ));
            return Ok(None);
        }
    };
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"keyward verified-commits key\0");
    h.update(sig);
    let memory = Memory::load(pins, h.finalize().into())?;
    if memory.malformed > 0 {
        ctx.out.warn(&format!(
            "{} line(s) of `{}` are malformed: ignored (their history is checked again)",
            memory.malformed,
            memory.path().display()
        ));
    }
    Ok(Some(memory))
}

/// The verification rules a remembered verdict was reached under; a verdict reached
/// under others is not one (2: merge signatures checked three-way).
const RULES: u32 = 2;

/// What a verdict on `commit` was reached on: the bytes its tag covers.
pub(super) fn message(
    git: &GitHistory,
    roots: &[String],
    commit: &str,
    blobs: &EnvBlobs,
) -> Vec<u8> {
    let mut roots = roots.to_vec();
    roots.sort();
    let mut m = format!(
        "keyward verified commit\nversion {} rules {RULES}\nenvs {}\nroots {}\ncommit {commit}\n",
        env!("CARGO_PKG_VERSION"),
        git.envs_path(),
        roots.join(",")
    );
    for (env, blob) in blobs {
        m.push_str(&format!("env {env} {blob}\n"));
    }
    m.into_bytes()
}

/// The remembered commits whose tags check against the repository as it is now: their
/// histories need no new check. Every other line is left out (and forgotten at the next
/// store).
pub(super) fn valid(memory: &Memory, git: &mut GitHistory, roots: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for r in memory.remembered() {
        // A commit this repository does not have (another clone's, gc'd) checks nothing.
        let Ok(info) = git.commit(&r.commit) else {
            continue;
        };
        let Ok(blobs) = git.env_blobs(&info.id) else {
            continue;
        };
        if memory.holds(r, &message(git, roots, &info.id, &blobs)) {
            out.push(info.id);
        }
    }
    out
}

/// After a run that found nothing wrong and skipped nothing: remember `tips` when `revs`
/// named whole histories (a range checks only part of one). Lines that did not check
/// this run (`kept` holds those that did) are dropped, never kept. A memory that cannot
/// be written is said, not an error: the next run checks more.
pub(super) fn remember(
    ctx: &Context,
    memory: &mut Memory,
    git: &mut GitHistory,
    revs: &[String],
    tips: &[String],
    kept: &[String],
) -> Result<()> {
    if !git.whole_history(revs)? {
        return Ok(());
    }
    let roots = &ctx.paths.trust_roots;
    let mut done = Vec::new();
    for tip in tips {
        let blobs = git.env_blobs(tip)?;
        done.push((tip.clone(), message(git, roots, tip, &blobs)));
    }
    if let Err(e) = memory.store(&done, |r| kept.contains(&r.commit)) {
        ctx.out
            .warn(&format!("verified commits are not remembered: {e}"));
    }
    Ok(())
}
