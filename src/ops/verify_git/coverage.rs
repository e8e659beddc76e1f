//! What `audit verify --git` could not check, and from where it checked (DESIGN §16).
//!
//! A CI identity granted after the vault began cannot read the versions before its
//! grant: those predate its access and are not a gap. Each environment is checked from
//! the first version this identity can read, said with the commit; a version it cannot
//! read after that one (its access removed, a branch without it) is a gap, and so is an
//! environment it can read nowhere — `--skip-unreadable` accepts those.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::names::EnvName;
use crate::ops::envs::SkippedEnv;
use crate::vault::repo::short;

/// Where the check of one environment started: the first version this identity can
/// read, and how many versions before it predate its access.
#[derive(Serialize, Debug)]
pub struct CheckedFrom {
    pub env: EnvName,
    pub commit: String,
    pub earlier: usize,
}

/// Per environment: the first readable commit, the unreadable versions before it, and
/// the gaps after it (first commit and how many).
#[derive(Default)]
pub(super) struct Unchecked {
    readable: BTreeMap<EnvName, String>,
    before: BTreeMap<EnvName, (String, BTreeSet<String>)>,
    gaps: BTreeMap<EnvName, (String, BTreeSet<String>)>,
}

impl Unchecked {
    /// A version of `env` this identity read, in `commit` (commits come oldest first).
    pub(super) fn readable(&mut self, env: &EnvName, commit: &str) {
        self.readable
            .entry(env.clone())
            .or_insert_with(|| short(commit).to_owned());
    }

    /// A version of `env` it cannot read, in `commit`: before its first readable one,
    /// history from before its access; after it, a gap.
    pub(super) fn add(&mut self, env: &EnvName, commit: &str) {
        let into = if self.readable.contains_key(env) {
            &mut self.gaps
        } else {
            &mut self.before
        };
        // Once per commit (a tip is also the commit that last changed the file).
        into.entry(env.clone())
            .or_insert_with(|| (short(commit).to_owned(), BTreeSet::new()))
            .1
            .insert(commit.to_owned());
    }

    /// The gaps (and the environments read nowhere), and where each check started.
    pub(super) fn finish(self) -> (Vec<SkippedEnv>, Vec<CheckedFrom>) {
        let mut skipped = Vec::new();
        let mut from = Vec::new();
        for (env, (first, seen)) in self.gaps {
            let n = seen.len();
            skipped.push(SkippedEnv {
                env,
                reason: format!(
                    "the identity in use is not a recipient in {n} version(s) of it after it could read it, first in commit {first}"
                ),
                gone: false,
            });
        }
        for (env, (first, seen)) in self.before {
            let n = seen.len();
            match self.readable.get(&env) {
                Some(commit) => from.push(CheckedFrom {
                    env,
                    commit: commit.clone(),
                    earlier: n,
                }),
                None => skipped.push(SkippedEnv {
                    env,
                    reason: format!(
                        "the identity in use is not a recipient in {n} version(s) of it, first in commit {first}"
                    ),
                    gone: false,
                }),
            }
        }
        skipped.sort_by(|a, b| a.env.cmp(&b.env));
        (skipped, from)
    }
}
