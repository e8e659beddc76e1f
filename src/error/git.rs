//! Errors of git, a group of [`Error`](super::Error) (each with its exit code).

use std::path::PathBuf;

use crate::names::{EnvName, KeyName};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "`git {args}` failed: {detail}\nhint: `scan --staged` runs inside a git work tree, with git on PATH"
    )]
    GitFailed { args: String, detail: String },
    // ---- `keyward git` (DESIGN §9): 1, a repository to fix or a step not there yet
    #[error("the vault `{}` is not inside a git work tree\nhint: run `git init` in the directory that should hold the vault (or clone the team's repository and point --vault at the vault in it), then `keyward git setup`", path.display())]
    GitSetupNotInGit { path: PathBuf },
    #[error(
        "`git {args}` failed while setting up the vault for git: {detail}\nhint: check that git is on PATH and the repository's .git is writable, then run `keyward git setup` again"
    )]
    GitSetupFailed { args: String, detail: String },
    #[error(
        "cannot merge `{env}` by meaning: {why}; the file was left as it was, so git reports a conflict\nhint: review both sides (`git log -p --merge -- vault/envs/{env}.db.age`), keep the right one (`git checkout --ours` or `--theirs`), and if keyward then refuses it, `keyward trust -e {env} --reason TEXT` after review"
    )]
    GitMergeRefused { env: EnvName, why: String },
    #[error(
        "`{name}` in `{env}` has no merge conflict to resolve\nhint: `keyward check -e {env}` lists the keys a merge left with two values"
    )]
    NoMergeConflict { name: KeyName, env: EnvName },
    #[error(
        "`{name}` in `{env}`: keeping v{version} would move it above v{newest}, and every machine's pins name values by version\nhint: keep the active value (`keyward git resolve -e {env} {name}`); to use another value, give the key a new version (`keyward rotate -e {env} {name}`)"
    )]
    ResolveKeepsNewest {
        name: KeyName,
        env: EnvName,
        version: u32,
        newest: u32,
    },
    #[error(
        "version {version} is not one of the values a merge kept for `{name}` in `{env}` ({kept})\nhint: pick one of them: `keyward git resolve -e {env} {name} --keep N`"
    )]
    NotAConflictVersion {
        name: KeyName,
        env: EnvName,
        version: u32,
        kept: String,
    },
    // ---- `audit verify --git` (DESIGN §8): 1 for git itself, 6 for what history shows
    #[error("`{}` is not inside a git work tree: there is no history to check\nhint: run `keyward audit verify --git` in a clone of the repository that holds the vault (or point --vault at the vault inside it)", path.display())]
    VaultNotInGit { path: PathBuf },
    #[error(
        "`git {args}` failed: {detail}\nhint: REVS is a commit, a branch or a range such as `origin/main..HEAD`; a shallow clone needs its full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)"
    )]
    GitHistory { args: String, detail: String },
    #[error(
        "the vault's git history was rewritten: {first}{}\nhint: nothing was changed; review that commit, restore the env file from the commit before it (`git checkout COMMIT~1 -- FILE`) and check who could push it",
        if *.more > 0 { format!(" (and {more} more, listed above)") } else { String::new() }
    )]
    HistoryRewritten { first: String, more: usize },
    #[error(
        "pinned head `{pin}` is not in the lifecycle chain of any environment at {at}\nhint: the history checked does not contain the state the pin was taken from: it was replaced or rewound, or the pin is mistyped (copy it from `keyward audit verify`)"
    )]
    PinNotFound { pin: String, at: String },
}

impl GitError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            GitError::NotAConflictVersion { .. } | GitError::ResolveKeepsNewest { .. } => 2,
            GitError::NoMergeConflict { .. } => 3,
            GitError::HistoryRewritten { .. }
            | GitError::PinNotFound { .. }
            | GitError::GitMergeRefused { .. } => 6,
            GitError::GitFailed { .. }
            | GitError::VaultNotInGit { .. }
            | GitError::GitHistory { .. }
            | GitError::GitSetupNotInGit { .. }
            | GitError::GitSetupFailed { .. } => 1,
        }
    }
}
