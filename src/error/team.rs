//! Errors of a team's day (DESIGN §16), a group of [`Error`](super::Error) (each with
//! its exit code): the identity a CI job or a newcomer lacks, said for what it is —
//! never "run `keyward init`" where a vault already exists.

use std::path::PathBuf;

use crate::names::EnvName;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error(
        "KEYWARD_IDENTITY is set but empty: is the secret passed to this job?\nhint: in CI, store the `AGE-SECRET-KEY-1…` line of the job's identity as a masked secret and pass it to this step as KEYWARD_IDENTITY (a fork's pull request gets no secrets)"
    )]
    IdentityEnvEmpty,
    #[error(
        "the identity file {} ({from}) does not exist\nhint: check the path (relative paths start where keyward runs); KEYWARD_IDENTITY may also hold the `AGE-SECRET-KEY-1…` line itself",
        crate::text::shown_path(path)
    )]
    IdentityFileMissing { path: PathBuf, from: &'static str },
    #[error("no identity: no default identity at `{}`, and this work tree holds the team's vault `{}`\nhint: to join it: `keyward identity new --passphrase`, send the card `keyward identity show` prints to an admin, run `keyward git setup`, and `git pull` once they granted you", default.display(), vault.display())]
    NoIdentityForTeam { default: PathBuf, vault: PathBuf },
    #[error("no vault at `{}` ({from}), but this work tree holds one at `{}`\nhint: unset KEYWARD_VAULT (or pass --vault {}) to use it, and run `keyward git setup` once in this clone", path.display(), found.display(), found.display())]
    VaultElsewhere {
        path: PathBuf,
        from: &'static str,
        found: PathBuf,
    },
    /// DESIGN §16: the work tree's vault is found somewhere this machine never used it
    /// (a commit added a marker or a nearer `vault/`): another vault in its place.
    #[error(
        "the vault of the git work tree `{}` is now found at `{}`, but this machine used it at {}: a commit can move where it is found (a `.keyward-vault` file, a nearer `vault/`), and a vault put there — an older copy, or a foreign one — would be new to this machine's pins; nothing was read\nhint: review what moved it (`git log -- .keyward-vault`); to use the vault at `{}` anyway, name it once: `keyward --vault '{}' …`",
        top.display(),
        found.display(),
        known.iter().map(|k| format!("`{}`", k.display())).collect::<Vec<_>>().join(", "),
        found.display(),
        found.display()
    )]
    VaultMoved {
        top: PathBuf,
        found: PathBuf,
        known: Vec<PathBuf>,
    },
    /// DESIGN §8: an environment this machine pinned has no file any more. Deleting a
    /// file must not pass as "nothing there": a check over every environment would
    /// skip it, and a file put back later would be a first use. Accepting the removal
    /// is a decision (`trust`), as accepting a rewound file is.
    #[error(
        "environment `{env}` is gone: this machine read it up to event {seq} ({}, head {}…), and its file `{}` is not there any more; nothing was read\nhint: {}; if it was removed on purpose, `keyward trust -e {env} --reason TEXT` accepts the removal on this machine; otherwise restore the file",
        crate::names::fmt_time(*time),
        hash.get(..12).unwrap_or(hash),
        path.display(),
        if *in_git { format!("the vault is in git: `git log -- '{}'` shows who removed it", path.display()) } else { "find out who removed it".to_owned() }
    )]
    EnvGone {
        env: EnvName,
        path: PathBuf,
        seq: i64,
        time: i64,
        hash: String,
        in_git: bool,
    },
    /// A check over every environment that found pinned ones gone (see `EnvGone`):
    /// never a clean pass, whatever `--skip-unreadable` accepts.
    #[error(
        "{what}: environment(s) this machine read before are gone (their files are not there any more): {envs}; the check did not cover them\nhint: if they were removed on purpose, `keyward trust -e ENV --reason TEXT` accepts each removal on this machine; otherwise restore the files"
    )]
    EnvsGone { what: &'static str, envs: String },
    /// DESIGN §8: the whole `envs/` of a vault this machine read is gone. Not "no vault,
    /// run `keyward init`": that hint, followed, made a new vault at the path and set
    /// what this machine kept of the old one aside without a word. Removing every file
    /// is a change to the vault as removing one is (`EnvGone`).
    #[error(
        "the vault at `{}` has no `envs/` directory any more, but this machine read its environment(s) {envs} before: they are gone; nothing was read\nhint: {}; restore `envs/` (from git or a backup); if the vault was removed on purpose, set what this machine kept of it aside first (`mv '{}' '{}.removed'`), then `keyward init` makes a new one",
        root.display(),
        if *in_git { format!("the vault is in git: `git log -- '{}'` shows who removed it", root.join("envs").display()) } else { "find out who removed it".to_owned() },
        pins.display(),
        pins.display()
    )]
    VaultGone {
        root: PathBuf,
        envs: String,
        pins: PathBuf,
        in_git: bool,
    },
    /// `completions --list` with a locked identity: exit 5 and no word (the completion
    /// scripts say why, once).
    #[error("the identity is locked")]
    CompletionLocked,
    #[error(
        "{} --strict: key(s) of `{env}` not in service would be left out of {}: {keys}; {}\nhint: rotate or remove them (`keyward check -e {env}`), or name the keys needed with --only",
        .of.command(), .of.place(), .of.nothing()
    )]
    StrictLeftOut {
        env: EnvName,
        keys: String,
        of: LeftOutOf,
    },
    #[error(
        "the identity in use is not a recipient of environment `{env}`\nhint: {next}; your recipient is {recipient}"
    )]
    NotARecipientYet {
        env: EnvName,
        recipient: String,
        next: String,
    },
}

impl TeamError {
    pub fn exit_code(&self) -> u8 {
        match self {
            TeamError::VaultElsewhere { .. } => 3,
            TeamError::StrictLeftOut { .. } => 4,
            TeamError::VaultMoved { .. }
            | TeamError::EnvGone { .. }
            | TeamError::EnvsGone { .. }
            | TeamError::VaultGone { .. } => 6,
            TeamError::IdentityEnvEmpty
            | TeamError::CompletionLocked
            | TeamError::IdentityFileMissing { .. }
            | TeamError::NoIdentityForTeam { .. }
            | TeamError::NotARecipientYet { .. } => 5,
        }
    }
}

/// What "every active key" went into: the keys it left out are named for it.
#[derive(Clone, Copy, Debug)]
pub enum LeftOutOf {
    /// `run`: the child's environment.
    Run,
    /// `export`: the file or stream written.
    Export,
}

impl LeftOutOf {
    pub fn command(self) -> &'static str {
        match self {
            LeftOutOf::Run => "run",
            LeftOutOf::Export => "export",
        }
    }

    pub fn place(self) -> &'static str {
        match self {
            LeftOutOf::Run => "the command's environment",
            LeftOutOf::Export => "the export",
        }
    }

    pub fn nothing(self) -> &'static str {
        match self {
            LeftOutOf::Run => "nothing started",
            LeftOutOf::Export => "nothing was written",
        }
    }
}
