//! What `audit verify --git` finds and reports: the problems with a commit, the heads, a pin's check, and the verdict (exit 6 for a rewritten history, 5 for one not fully checked).

#[allow(unused_imports)]
use super::*;

/// What is wrong with one commit's version of one environment file.
#[derive(Serialize, Debug)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// Its chain shares no event with the parent's: a forgery or another vault's file.
    Unrelated { parent: String },
    /// Its chain is an earlier state of the parent's.
    Rewound {
        parent: String,
        from: usize,
        to: usize,
    },
    /// Its chain leaves the parent's after event `after` (a fork from an old state).
    Diverged {
        parent: String,
        after: usize,
        from: usize,
        to: usize,
    },
    /// The file was deleted: re-adding any file later would then pass as "created".
    Removed { parent: String },
    /// The file decrypts but is not an intact keyward database (its chain is broken,
    /// it holds another environment, …).
    Damaged { detail: String },
    /// Its chain extends the parent's, but its rows do not follow from the parent's by
    /// the events it adds (DESIGN §8 round 3): a status moved back, a value changed, a
    /// version dropped, a recipient added without its event.
    Rows {
        parent: String,
        key: Option<String>,
        detail: String,
    },
}

/// One commit that rewrote an environment's history.
#[derive(Serialize, Debug)]
pub struct Rewrite {
    pub commit: String,
    pub env: EnvName,
    pub author: String,
    pub subject: String,
    pub problem: Problem,
}

impl Rewrite {
    pub(crate) fn what(&self) -> String {
        let env = &self.env;
        match &self.problem {
            Problem::Unrelated { parent } => format!(
                "replaced `{env}` with an unrelated file (its chain shares no event with parent `{parent}`'s)"
            ),
            Problem::Rewound { parent, from, to } => format!(
                "rewound `{env}` from event {from} to {to} (an earlier state of parent `{parent}`'s)"
            ),
            Problem::Diverged {
                parent,
                after,
                from,
                to,
            } => format!(
                "replaced `{env}` with a chain that leaves parent `{parent}`'s after event {after} (parent at {from}, commit at {to})"
            ),
            Problem::Removed { parent } => {
                format!("removed `{env}` (present in parent `{parent}`)")
            }
            Problem::Damaged { detail } => format!("holds a damaged `{env}`: {detail}"),
            Problem::Rows { parent, detail, .. } => format!(
                "changed rows of `{env}` without the events that make such a change (against parent `{parent}`): {detail}"
            ),
        }
    }
}

impl fmt::Display for Rewrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "commit `{}` (\"{}\" by {}) {}",
            self.commit,
            self.subject,
            self.author,
            self.what()
        )
    }
}

/// An environment's chain at a commit `REVS` ends at.
#[derive(Serialize)]
pub struct EnvHead {
    pub env: EnvName,
    pub commit: String,
    pub events: usize,
    pub head: String,
}

/// Whether the pinned head was found, and where.
#[derive(Serialize)]
pub struct PinCheck {
    pub head: String,
    pub found_in: Option<EnvName>,
}

/// What `audit verify --git --json` prints.
#[derive(Serialize)]
pub struct HistoryVerified {
    /// Commits that changed an environment file, each checked against its parents.
    pub commits: usize,
    /// Commits whose whole history was verified before on this machine and not walked
    /// again (`--full` walks it).
    pub remembered: Vec<String>,
    pub heads: Vec<EnvHead>,
    pub problems: Vec<Rewrite>,
    pub pin: Option<PinCheck>,
    pub skipped: Vec<SkippedEnv>,
    /// Environments checked from the first version this identity can read (DESIGN §16).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<super::CheckedFrom>,
    #[serde(skip)]
    pub(super) accept_gap: bool,
    #[serde(skip)]
    pub(super) tips: Vec<String>,
}

impl HistoryVerified {
    /// A rewritten history or a missing pin is exit 6; a partial check exit 5 unless
    /// `--skip-unreadable`.
    pub fn verdict(&self) -> Result<()> {
        if let Some(first) = self.problems.first() {
            return Err(Error::Git(crate::error::GitError::HistoryRewritten {
                first: first.to_string(),
                more: self.problems.len() - 1,
            }));
        }
        if let Some(pin) = &self.pin
            && pin.found_in.is_none()
        {
            return Err(Error::Git(crate::error::GitError::PinNotFound {
                pin: pin.head.clone(),
                at: self
                    .tips
                    .iter()
                    .map(|t| format!("`{}`", short(t)))
                    .collect::<Vec<_>>()
                    .join(", "),
            }));
        }
        require_coverage("audit verify --git", &self.skipped, self.accept_gap)
    }
}

/// Why `child` does not extend `parent` (both intact chains).
pub(super) fn classify(child: &[[u8; 32]], parent: &[[u8; 32]], parent_id: &str) -> Problem {
    let common = child.iter().zip(parent).take_while(|(a, b)| a == b).count();
    let parent_id = parent_id.to_owned();
    if common == child.len() && child.len() < parent.len() {
        Problem::Rewound {
            parent: parent_id,
            from: parent.len(),
            to: child.len(),
        }
    } else if common == 0 {
        Problem::Unrelated { parent: parent_id }
    } else {
        Problem::Diverged {
            parent: parent_id,
            after: common,
            from: parent.len(),
            to: child.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> [u8; 32] {
        [n; 32]
    }

    #[test]
    fn a_shorter_prefix_is_a_rewind_a_fork_diverges_nothing_shared_is_unrelated() {
        let parent = [h(1), h(2), h(3)];
        assert!(matches!(
            classify(&[h(1)], &parent, "p"),
            Problem::Rewound { from: 3, to: 1, .. }
        ));
        assert!(matches!(
            classify(&[h(1), h(9), h(8), h(7)], &parent, "p"),
            Problem::Diverged {
                after: 1,
                from: 3,
                to: 4,
                ..
            }
        ));
        assert!(matches!(
            classify(&[h(7), h(8)], &parent, "p"),
            Problem::Unrelated { .. }
        ));
    }

    #[test]
    fn a_pin_is_64_hex_digits() {
        let hex = "ab".repeat(32);
        assert_eq!(hex.parse::<HeadHash>().unwrap().to_string(), hex);
        assert!("abcd".parse::<HeadHash>().is_err());
        assert!("zz".repeat(32).parse::<HeadHash>().is_err());
    }
}

/// A journal committed with the vault, at a tip of the history checked: every member's
/// own is replaced by it on a pull (DESIGN §5: the journal is each machine's record,
/// never shared). One problem per environment of that commit.
pub(super) fn journal_tracked(
    git: &mut crate::vault::repo::GitHistory,
    tips: &[String],
) -> crate::error::Result<Vec<Rewrite>> {
    let mut out = Vec::new();
    for tip in tips {
        if git.tracks_journal(tip)? {
            let c = git.commit(tip)?;
            for env in git.env_blobs(tip)?.into_keys() {
                out.push(Rewrite {
                    commit: c.short().to_owned(),
                    env,
                    author: c.author.clone(),
                    subject: c.subject.clone(),
                    problem: Problem::Damaged {
                        detail: "the commit tracks the vault's access journal (`journal/`), one machine's own record, kept there by releases before this one (a pull put it over each member's own, whose reads were lost); `git rm -r --cached` it and commit".into(),
                    },
                });
            }
        }
    }
    Ok(out)
}

/// A lifecycle chain head as `audit verify` prints it: 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadHash(pub(super) [u8; 32]);

impl std::str::FromStr for HeadHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut h = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut h).map_err(|_| {
            "expected a chain head as printed by `keyward audit verify`: 64 hex digits".to_owned()
        })?;
        Ok(HeadHash(h))
    }
}

impl std::fmt::Display for HeadHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
