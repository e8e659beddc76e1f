//! What a merge tells its caller: the report of a merge that went through, and the two
//! errors it refuses with (a side that does not merge, a row that does not read back).

use serde::Serialize;

use crate::error::Error;
use crate::names::EnvName;

/// What a merge did, for the driver's report.
#[derive(Debug, Serialize)]
pub struct Merged {
    pub env: EnvName,
    pub outcome: Outcome,
    /// Keys both sides gave new values: both kept, `git resolve` picks one.
    pub conflicts: Vec<KeyConflict>,
    /// Versions a recipient removed on the other side could read.
    pub exposed: Vec<ExposedVersion>,
    /// Metadata changed differently on both sides, and what was kept.
    pub notes: Vec<String>,
    /// Recipients the merge adds since BASE (the driver names them: who can read next).
    pub added_recipients: Vec<String>,
    /// DESIGN §18: the key of the file the merge wrote (none when it kept a side).
    #[serde(skip)]
    pub written: Option<crate::identity::filekey::KeyBytes>,
}

impl Merged {
    /// A report with nothing to say yet.
    pub(super) fn new(env: &EnvName, outcome: Outcome) -> Merged {
        Merged {
            env: env.clone(),
            outcome,
            conflicts: Vec::new(),
            exposed: Vec::new(),
            notes: Vec::new(),
            added_recipients: Vec::new(),
            written: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// OURS already held everything THEIRS has: left as it is.
    OursHasTheirs,
    /// THEIRS extended OURS: THEIRS taken as it is (a fast-forward).
    TookTheirs,
    /// Both sides changed: a merged image was written.
    Merged,
    /// DESIGN §15: THEIRS's changes were all signed by someone OURS removed (or who
    /// could not write): left out, OURS kept as it is.
    DroppedTheirs,
    /// The same for OURS's changes: THEIRS taken as it is.
    DroppedOurs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyConflict {
    pub key: String,
    /// The versions kept side by side; the last one is active.
    pub versions: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExposedVersion {
    pub key: String,
    pub version: u32,
    pub recipient: String,
}

/// The merge will not go through: git then reports a conflict, OURS untouched.
pub(super) fn refused(env: &EnvName, why: String) -> Error {
    Error::Git(crate::error::GitError::GitMergeRefused {
        env: env.clone(),
        why,
    })
}

/// A row of a side that does not read back as keyward writes it.
pub(super) fn bad(detail: &str) -> Error {
    Error::CorruptDb {
        detail: detail.into(),
    }
}
