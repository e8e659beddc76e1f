//! Errors of hook, a group of [`Error`](super::Error) (each with its exit code).

use std::path::PathBuf;

use crate::names::{EnvName, KeyName};

#[derive(Debug, thiserror::Error)]
pub enum HookError {
    // Rotation hooks (DESIGN §11). Never the hook's output: it may hold a value.
    #[error(
        "the rotation hook of `{name}` in `{env}` is not approved on this machine (new, or changed since it was approved); it did not run and `{name}` was not changed\nhint: review it with `keyward hook allow {name} -e {env}`, or pass `--allow-hook {name}=HASH` with the hash `keyward hook list -e {env}` shows"
    )]
    HookNotApproved { name: KeyName, env: EnvName },
    #[error(
        "the rotation hook of `{name}` in `{env}` {why}; `{name}` was not changed (its output is not shown)\nhint: run the hook by hand to see what it does, or rotate with a value on stdin: `printf %s \"$NEW\" | keyward rotate -e {env} {name} --no-hook`"
    )]
    HookFailed {
        name: KeyName,
        env: EnvName,
        why: String,
    },
    #[error(
        "refusing --allow-hook `{name}`: the hook of `{name}` in `{env}` has hash `{actual}`, not the one given; nothing was run or changed\nhint: someone changed the hook since the hash was taken: review it with `keyward hook list -e {env}`"
    )]
    HookHashMismatch {
        name: KeyName,
        env: EnvName,
        actual: String,
    },
    #[error(
        "`{name}` in `{env}` has no rotation hook\nhint: `keyward hook set {name} -e {env} -- COMMAND` sets one"
    )]
    NoHook { name: KeyName, env: EnvName },
    #[error(
        "`{name}` in `{env}` is a generated key: keyward itself issues its new values, so it takes no rotation hook"
    )]
    HookOnGenerated { name: KeyName, env: EnvName },
    #[error("hook approvals `{}` are corrupt: {detail}; they are not reset silently\nhint: remove the file and approve each hook again with `keyward hook allow NAME`", path.display())]
    ApprovalsCorrupt { path: PathBuf, detail: String },
    /// DESIGN §11: hooks ran (their providers may have rolled the keys) and the change
    /// that stores their values failed: the failure, then where the values are kept
    /// (`kept`: said by `ops::rotate::issued`). The failure's exit code; its own hint
    /// left out ("run it again" would run the hooks again: the kept values' hint says
    /// what to do).
    #[error("{}\n{kept}", source.to_string().lines().next().unwrap_or_default())]
    IssuedNotStored {
        source: Box<super::Error>,
        kept: String,
    },
    #[error("hook approvals `{}` are not a private file (mode {mode:03o})\nhint: check who changed them; remove the file and approve each hook again", path.display())]
    ApprovalsUnsafe { path: PathBuf, mode: u32 },
}

impl HookError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            HookError::HookNotApproved { .. } | HookError::HookFailed { .. } => 8,
            HookError::HookHashMismatch { .. } | HookError::HookOnGenerated { .. } => 1,
            HookError::NoHook { .. } => 3,
            HookError::ApprovalsCorrupt { .. } | HookError::ApprovalsUnsafe { .. } => 6,
            HookError::IssuedNotStored { source, .. } => source.exit_code(),
        }
    }
}
