//! The one error type of keyward and the only place that maps errors to exit codes
//! (DESIGN §6). Messages never contain a secret value: variants carry names and paths only.

use std::path::PathBuf;

use crate::names::{EnvName, KeyName};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes, DESIGN §6. The man page's EXIT STATUS section is built from this table.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success; nothing found"),
    (1, "any other error"),
    (2, "usage error: bad flag, name, duration or date"),
    (3, "not found: vault, environment, key or version"),
    (
        4,
        "key not usable: revoked or expired; verify rejected the key",
    ),
    (
        5,
        "unlock failed: no identity, wrong passphrase, not a recipient",
    ),
    (
        6,
        "integrity: corrupt or tampered file, broken audit chain, unsafe vault permissions or a symlink in the vault",
    ),
    (7, "busy: lock not obtained within the timeout"),
    (
        8,
        "findings: check found keys needing attention, scan found leaks",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- 2: usage
    #[error("{0}")]
    Usage(String),

    // ---- 3: not found
    #[error("no vault at `{}`\nhint: run `keyward init` or point --vault / KEYWARD_VAULT at an existing vault", path.display())]
    VaultNotFound { path: PathBuf },
    #[error("no environment `{env}` in the vault\nhint: `keyward env list` shows the environments")]
    EnvNotFound { env: EnvName },
    #[error("no key `{name}` in environment `{env}`")]
    KeyNotFound { name: KeyName, env: EnvName },
    #[error("key `{name}` in environment `{env}` has no version {version}")]
    VersionNotFound {
        name: KeyName,
        env: EnvName,
        version: u32,
    },
    #[error("key not found: the presented key is not in environment `{env}`")]
    UnknownPresentedKey { env: EnvName },
    #[error("no file `{}`", path.display())]
    FileNotFound { path: PathBuf },

    // ---- 4: not usable
    #[error("key `{name}` version {version} in `{env}` is {status}{detail}")]
    Unusable {
        name: KeyName,
        env: EnvName,
        version: u32,
        status: &'static str,
        detail: String,
    },
    #[error("{0}")]
    Rejected(String),

    // ---- 5: unlock
    #[error(
        "no identity: {detail}\nhint: run `keyward init`, or set --identity / KEYWARD_IDENTITY"
    )]
    NoIdentity { detail: String },
    #[error("wrong passphrase for identity `{}`", path.display())]
    WrongPassphrase { path: PathBuf },
    #[error(
        "a passphrase is needed to unlock `{}` and there is no terminal to ask on\nhint: set KEYWARD_PASSPHRASE_FILE (or KEYWARD_PASSPHRASE), run `keyward unlock`, or use a plain identity",
        path.display()
    )]
    NoPassphrase { path: PathBuf },
    #[error("identity `{}` is readable by group or others (mode {mode:03o})\nhint: chmod 600 {}", path.display(), path.display())]
    IdentityPermissions { path: PathBuf, mode: u32 },
    #[error("cannot use identity {what}: {detail}")]
    BadIdentity { what: String, detail: String },
    #[error(
        "the identity in use is not a recipient of environment `{env}`\nhint: ask someone with access to run `keyward access grant <your recipient> -e {env}`"
    )]
    NotARecipient { env: EnvName },
    /// A command over every environment could not open some of them (`envs` is the
    /// list, each in backticks): a partial pass must not look like a clean one.
    #[error(
        "{what} did not cover {envs}: the identity in use is not a recipient\nhint: run it as a recipient of those environments, or pass --skip-unreadable to accept the gap"
    )]
    Unreadable { what: &'static str, envs: String },

    // ---- 6: integrity
    #[error("`{}` is corrupt or has been tampered with: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    /// A query on a decrypted environment database failed: its rows are not what keyward
    /// writes (a hostile or damaged image). `EnvDb` replaces it with `Corrupt`, which
    /// names the file; this is the fallback.
    #[error(
        "an environment database is corrupt or has been tampered with: {detail}\nhint: restore the file from git or a backup"
    )]
    CorruptDb { detail: String },
    #[error("refusing `{}`: it {why}; keyward refuses vault paths others could change\nhint: check who changed it; make it a real directory or file owned by you, mode 0700 for directories (`chmod 700`)", path.display())]
    UnsafeVaultPath { path: PathBuf, why: String },
    #[error("audit chain of `{env}` ({chain}) is broken at event {seq}: {detail}")]
    BrokenChain {
        env: EnvName,
        chain: &'static str,
        seq: i64,
        detail: String,
    },

    // ---- 7: busy
    #[error(
        "environment `{env}` is locked by another writer (waited {secs}s)\nhint: retry, or raise KEYWARD_LOCK_TIMEOUT"
    )]
    Busy { env: EnvName, secs: u64 },

    // ---- 8: findings (the command already printed them)
    #[error("{0}")]
    Findings(String),

    // ---- 1: refused changes to the vault, its environments and their recipients
    #[error(
        "a vault already exists at `{}`; refusing to touch it\nhint: use --vault DIR for another vault",
        path.display()
    )]
    VaultExists { path: PathBuf },
    #[error(
        "`{}` exists and is not empty; refusing to put a vault there\nhint: use --vault DIR to name a new or empty directory",
        path.display()
    )]
    VaultDirNotEmpty { path: PathBuf },
    #[error(
        "environment `{env}` already exists\nhint: `keyward env list` shows the environments; `keyward access grant <recipient> -e {env}` adds someone to it"
    )]
    EnvExists { env: EnvName },
    /// `recipient` is the short form (`age1abcd…wxyz`).
    #[error(
        "{recipient} is not a recipient of `{env}`\nhint: `keyward access list -e {env}` shows who is"
    )]
    NoSuchRecipient { recipient: String, env: EnvName },
    #[error(
        "refusing to remove the last recipient of `{env}`: nobody could decrypt it\nhint: grant someone else first: `keyward access grant <recipient> -e {env}`"
    )]
    LastRecipient { env: EnvName },
    /// `recipient` is the full recipient, so the hint is a command to copy.
    #[error(
        "refusing to remove your own identity from `{env}`\nhint: add --force if you mean to lose access: `keyward access revoke {recipient} -e {env} --force`"
    )]
    RevokingYourself { env: EnvName, recipient: String },

    // ---- 1: everything else
    #[error(
        "`{}` was written by a newer keyward (format {found}, this one reads up to {supported})\nhint: upgrade keyward",
        path.display()
    )]
    NewerFormat {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{0}")]
    Refused(String),
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
    /// A change over several environments failed after some were committed: says which
    /// (`done`, `left`: lists of names in backticks); exits with the failure's own code.
    #[error("{}; already changed and committed: {done}; not changed: {left}\nhint: fix the cause and run the same command again: it carries on with the environments left", failed.to_string().lines().next().unwrap_or_default())]
    PartlyDone {
        failed: Box<Error>,
        done: String,
        left: String,
    },
    /// `run` passes its child's status through; nothing is printed.
    #[error("")]
    ChildExit(u8),
    /// Stdout was closed (`keyward list | head`): end quietly.
    #[error("")]
    BrokenPipe,
}

impl Error {
    /// The only mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::VaultNotFound { .. }
            | Error::EnvNotFound { .. }
            | Error::KeyNotFound { .. }
            | Error::VersionNotFound { .. }
            | Error::UnknownPresentedKey { .. }
            | Error::FileNotFound { .. } => 3,
            Error::Unusable { .. } | Error::Rejected(_) => 4,
            Error::NoIdentity { .. }
            | Error::WrongPassphrase { .. }
            | Error::NoPassphrase { .. }
            | Error::IdentityPermissions { .. }
            | Error::BadIdentity { .. }
            | Error::NotARecipient { .. }
            | Error::Unreadable { .. } => 5,
            Error::Corrupt { .. }
            | Error::CorruptDb { .. }
            | Error::UnsafeVaultPath { .. }
            | Error::BrokenChain { .. } => 6,
            Error::Busy { .. } => 7,
            Error::Findings(_) => 8,
            Error::PartlyDone { failed, .. } => failed.exit_code(),
            Error::ChildExit(code) => *code,
            Error::BrokenPipe => 0,
            Error::NewerFormat { .. } | Error::Refused(_) | Error::Io { .. } | Error::Other(_) => 1,
            Error::VaultExists { .. }
            | Error::VaultDirNotEmpty { .. }
            | Error::EnvExists { .. }
            | Error::NoSuchRecipient { .. }
            | Error::LastRecipient { .. }
            | Error::RevokingYourself { .. } => 1,
        }
    }

    /// Whether `lib::run` should print this error (some carry only an exit code).
    pub fn is_silent(&self) -> bool {
        matches!(
            self,
            Error::ChildExit(_) | Error::BrokenPipe | Error::Findings(_)
        )
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            return Error::BrokenPipe;
        }
        Error::Io {
            action,
            path,
            source,
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}

impl From<rusqlite::Error> for Error {
    /// SQL errors on a database that decrypted fine mean a damaged or hostile image: the
    /// database is in memory and every statement is keyward's own, so a missing table,
    /// a violated constraint or a value of the wrong type or range can only come from
    /// the file. Only resource errors are not integrity errors.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::Error as E;
        use rusqlite::ErrorCode::*;
        let detail = match &e {
            E::FromSqlConversionFailure(_, _, inner) => inner.to_string(),
            E::InvalidColumnType(_, name, ty) => format!("column `{name}` holds {ty}"),
            E::IntegralValueOutOfRange(_, v) => format!("a stored number is out of range ({v})"),
            _ => match e.sqlite_error_code() {
                Some(DatabaseBusy | DatabaseLocked) => {
                    return Error::Other(format!("database busy: {e}"));
                }
                Some(OutOfMemory | DiskFull | ReadOnly | ApiMisuse) => {
                    return Error::Other(format!("database error: {e}"));
                }
                _ => e.to_string(),
            },
        };
        Error::CorruptDb { detail }
    }
}
