//! The one error type of keyward and the only place that maps errors to exit codes
//! (DESIGN §6). Messages never contain a secret value: variants carry names and paths only.

use std::path::PathBuf;

use crate::names::{EnvName, KeyName};

mod clock;
mod exit;
mod git;
mod hints;
mod hook;
mod import;
mod journal;
mod plugin;
mod signed;
mod sql;
mod team;
mod verifier;

pub use clock::ClockError;
pub use exit::{EXIT_CODES, describe_age};
pub use git::GitError;
pub use hints::NotExecutable;
use hints::*;
pub use hook::HookError;
pub use import::{ImportError, SopsFailure};
pub use journal::JournalError;
pub use plugin::PluginError;
pub use signed::SignedError;
pub use team::{LeftOutOf, TeamError};
pub use verifier::VerifierError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- 2: usage
    #[error("{0}")]
    Usage(String),
    #[error(
        "this changes the vault and there is no terminal to ask on\nhint: add --yes to confirm"
    )]
    NeedsYes,
    #[error("cancelled; nothing was changed")]
    Cancelled,
    // ---- confirmations of destructive commands (DESIGN §14)
    /// A destructive command without a terminal to ask on and without `--yes`.
    /// `what`: the change, with its numbers; `command`: the same command with `--yes`.
    #[error(
        "{what} needs confirmation and there is no terminal to ask on; nothing was changed\nhint: `{command}` confirms it"
    )]
    ConfirmationNeeded { what: String, command: String },
    /// The environment changed between the question and the writer lock: what was
    /// confirmed is not what would happen. `command`: the same command, to ask again.
    #[error(
        "`{env}` changed while you were asked; nothing was changed\nhint: run `{command}` again to see what it would change now"
    )]
    ChangedWhileAsked { env: EnvName, command: String },
    // ---- end of confirmations

    // ---- 3: not found
    #[error("no vault at `{}`\nhint: run `keyward init` or point --vault / KEYWARD_VAULT at an existing vault", path.display())]
    VaultNotFound { path: PathBuf },
    #[error(
        "no environment `{env}` in the vault\nhint: `keyward env list` shows the environments; `keyward env add {env}` creates it"
    )]
    EnvNotFound { env: EnvName },
    #[error(
        "no environment `{env}` in the vault\nhint: did you mean {}? `keyward env list` shows the environments",
        .similar.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(" or ")
    )]
    EnvNotFoundSimilar { env: EnvName, similar: Vec<EnvName> },
    #[error(
        "no key {} in environment `{env}`\nhint: {}{}`keyward list -e {env}` shows its keys", crate::text::shown(name.as_str()),
        found_elsewhere(.name, .elsewhere),
        did_you_mean(.similar)
    )]
    KeyNotFound {
        name: KeyName,
        env: EnvName,
        /// Close names that exist (typos, another case), for the hint.
        similar: Vec<KeyName>,
        /// Other environments the identity can open that hold this name.
        elsewhere: Vec<EnvName>,
    },
    #[error(
        "key `{name}` in environment `{env}` has no version {version}\nhint: `keyward show {name} -e {env}` lists its versions"
    )]
    VersionNotFound {
        name: KeyName,
        env: EnvName,
        version: u32,
    },
    #[error(
        "key not found: the presented key is not in environment `{env}`\nhint: check the environment (`-e ENV`); `keyward verify -e ENV` checks another"
    )]
    UnknownPresentedKey { env: EnvName },
    #[error("no file `{}`", path.display())]
    FileNotFound { path: PathBuf },

    // ---- 4: not usable
    #[error(
        "key `{name}` version {version} in `{env}` is {}{}",
        .status.as_str(),
        unusable_detail(.name, .env, *.status, *.at, .reason.as_deref())
    )]
    Unusable {
        name: KeyName,
        env: EnvName,
        version: u32,
        status: crate::codes::Status,
        /// When it was revoked, expired, or stops verifying (retiring).
        at: Option<i64>,
        /// Why it was revoked.
        reason: Option<String>,
    },
    #[error("{0}")]
    Rejected(String),

    // ---- 5: unlock
    #[error(
        "no identity: {detail}\nhint: run `keyward init` for a new vault, `keyward identity new --passphrase` to join an existing one, or set --identity / KEYWARD_IDENTITY"
    )]
    NoIdentity { detail: String },
    #[error("wrong passphrase for identity `{}`\nhint: the passphrase is the one given when the identity was created (`keyward init`); check KEYWARD_PASSPHRASE_FILE / KEYWARD_PASSPHRASE, which are read before the prompt", path.display())]
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
    /// DESIGN §16: a write to an environment this machine has never seen, which others
    /// can read (a planted `vault/` in a clone could be holding out for your secrets).
    #[error(
        "refusing to write to `{env}` on its first use here: this machine has not written to it before, and whatever is stored in it can be read by {others}\nhint: nothing was written; if those are the people you mean to share it with, run the command again (it is then known here, trust root {root}); a job that writes on fresh machines names the vault with KEYWARD_VAULT or pins the root with KEYWARD_TRUST_ROOT"
    )]
    FirstUseWrite {
        env: EnvName,
        others: String,
        root: String,
    },
    /// A command over every environment could not open some of them (`envs` is the
    /// list, each in backticks): a partial pass must not look like a clean one.
    #[error(
        "{what} did not cover {envs}: the identity in use is not a recipient\nhint: run it as a recipient of those environments, or pass --skip-unreadable to accept the gap"
    )]
    Unreadable { what: &'static str, envs: String },

    // ---- 6: integrity
    // The detail may quote text a hostile file holds: shown escaped, on this one line.
    #[error("`{}` is corrupt or has been tampered with: {}\nhint: nothing was changed; restore the file from git (`git log -- FILE`, `git checkout REV -- FILE`) or a backup", path.display(), crate::text::escape(.detail))]
    Corrupt { path: PathBuf, detail: String },
    /// A query on a decrypted environment database failed (a hostile or damaged image);
    /// `EnvDb` replaces it with `Corrupt`, which names the file: this is the fallback.
    #[error(
        "an environment database is corrupt or has been tampered with: {}\nhint: restore the file from git or a backup",
        crate::text::escape(.detail)
    )]
    CorruptDb { detail: String },
    #[error("refusing `{}`: it {why}; keyward refuses vault paths others could change\nhint: check who changed it; make it a real directory or file owned by you, mode 0700 for directories (`chmod 700`)", path.display())]
    UnsafeVaultPath { path: PathBuf, why: String },
    /// DESIGN §8: the file is not a state of the environment this machine saw (another
    /// audit key): a forged file, or another vault's.
    #[error(
        "`{}` is not the environment `{env}` last seen here: it does not hold the history seen up to event {pinned_seq} ({}) — a replaced or forged file; nothing was read from it\nhint: restore the file from git or a backup; if the replacement is expected, review it and run `keyward trust -e {env} --reason TEXT`",
        path.display(),
        crate::names::fmt_time(*pinned_time)
    )]
    UnrelatedEnv {
        env: EnvName,
        path: PathBuf,
        pinned_seq: i64,
        pinned_time: i64,
    },
    /// DESIGN §8 round 3: the file carries an audit key this machine saw replaced when
    /// a recipient was removed: a state from before that removal, which the removed
    /// recipient could read and so could have written.
    #[error(
        "`{}` is a state of `{env}` from before a recipient was removed (its audit key was replaced since, as seen here at event {pinned_seq}, {}): the removed recipient could have written it; nothing was read from it\nhint: {}",
        path.display(),
        crate::names::fmt_time(*pinned_time),
        if *.in_git {
            "merge (or check out) the branch that holds the newer state; if this state is expected, review it and run `keyward trust -e ENV --reason TEXT`"
        } else {
            "restore the newer file from a backup; if this state is expected, review it and run `keyward trust -e ENV --reason TEXT`"
        }
    )]
    FromBeforeRemoval {
        env: EnvName,
        path: PathBuf,
        pinned_seq: i64,
        pinned_time: i64,
        in_git: bool,
    },
    /// DESIGN §8: an earlier (or diverging) state of the environment seen here: a write
    /// would throw away what was done since.
    #[error(
        "environment `{env}` is behind what was seen here: its history ends at event {file_seq}, but event {pinned_seq} ({}) was seen; refusing to write over a newer state\nhint: {}",
        crate::names::fmt_time(*pinned_time),
        if *.in_git {
            "this vault is in git: merge (or check out) the branch that holds the newer state, or after review `keyward trust -e ENV --reason TEXT`"
        } else {
            "restore the newer file from a backup, or after review `keyward trust -e ENV --reason TEXT`"
        }
    )]
    Rewound {
        env: EnvName,
        pinned_seq: i64,
        pinned_time: i64,
        file_seq: i64,
        in_git: bool,
    },
    #[error("pin `{}` is corrupt: {detail}; it is not reset silently\nhint: if you trust the vault as it is, remove the pin and run `keyward trust -e ENV --reason TEXT`", path.display())]
    PinCorrupt { path: PathBuf, detail: String },
    #[error("pin `{}` is not a private file (mode {mode:03o})\nhint: check who changed it; `chmod 600` it", path.display())]
    PinUnsafe { path: PathBuf, mode: u32 },
    #[error(
        "audit chain of `{env}` ({chain}) is broken at event {seq}: {detail}\nhint: the audit trail was edited; compare the file with its git history or a backup before trusting it"
    )]
    BrokenChain {
        env: EnvName,
        chain: crate::codes::Chain,
        seq: i64,
        detail: String,
    },

    // ---- 7: busy
    #[error(
        "environment `{env}` is locked by another writer (waited {secs}s)\nhint: retry, or raise KEYWARD_LOCK_TIMEOUT"
    )]
    Busy { env: EnvName, secs: u64 },
    #[error("the cursor `{}` is in use by another `keyward audit follow` (it holds `{}`)\nhint: give each follower its own --cursor FILE; two on one file would each deliver every event", path.display(), lock.display())]
    CursorBusy { path: PathBuf, lock: PathBuf },

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
    // Values: what `set`, `rotate` and `import` accept (never named in the message).
    #[error(
        "refusing an empty value\nhint: pipe the value on stdin, e.g. `printf %s \"$VALUE\" | keyward set NAME`"
    )]
    EmptyValue,
    #[error(
        "refusing a value with a NUL byte: it could not be injected as an environment variable"
    )]
    ValueWithNul,
    #[error("refusing a value over 64 KiB")]
    ValueTooLong,
    // Files keyward writes at a path the user names (`audit export --out`, identities).
    #[error("refusing to overwrite `{}`: it already exists\nhint: add --force to replace it, or name another file", path.display())]
    OutputExists { path: PathBuf },
    #[error("refusing to write `{}`: it is a symbolic link (never followed, even with --force)\nhint: name the real file instead", path.display())]
    OutputIsSymlink { path: PathBuf },
    #[error("refusing to write `{}`: the way to it inside the git work tree `{}` goes through a symbolic link, which a commit can point anywhere\nhint: name the file by its real path", path.display(), top.display())]
    OutputThroughLink { path: PathBuf, top: PathBuf },
    #[error("refusing to write `{}`: it is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "the passphrases did not match in three tries; nothing was written\nhint: run the command again and type the same passphrase twice"
    )]
    PassphrasesDiffer,
    #[error("`{}` is not protected by a passphrase: there is nothing to unlock\nhint: commands use a plain identity directly; `keyward unlock` is for passphrase-protected ones", path.display())]
    NothingToUnlock { path: PathBuf },
    #[error(
        "a literal identity (KEYWARD_IDENTITY holding the key) needs no unlock: there is no passphrase"
    )]
    LiteralNeedsNoUnlock,
    #[error(
        "environment `{env}` would have no recipients; nothing was changed\nhint: grant another recipient first (`keyward access grant RECIPIENT -e {env}`)"
    )]
    NoRecipients { env: EnvName },
    #[error(
        "scan incomplete: {} path(s) could not be read: {}\nhint: fix their permissions or leave them out (pipe a stream on stdin: `keyward scan < FILE`); a scan that skipped files is never reported clean",
        .unreadable.len(),
        crate::text::escape(&crate::text::first_few(.unreadable))
    )]
    ScanIncomplete { unreadable: Vec<String> },
    /// `run`/`export` of a key (or a `run --env-file` variable) whose name makes programs run
    /// other code (DESIGN: an environment's writer must not run code in teammates' commands).
    #[error("{}", loader_refusal(.names, *.access, .from.as_deref()))]
    LoaderVariable {
        names: Vec<KeyName>,
        access: crate::codes::Action,
        /// `None`: keys of the environment; `Some`: variables of this `--env-file`.
        from: Option<PathBuf>,
    },

    #[error(
        "refusing to {} {}: the value holds a key reference (`kw://…`), which a later `keyward run` that inherits it (or reads it with --env-file) would resolve with its user's identity — whoever can write this environment could read another one; nothing was done\nhint: store the key itself, or put the reference in the env file of `run --env-file`",
        match .access { crate::codes::Action::Export => "export", crate::codes::Action::Render => "render", _ => "inject" },
        backticked(.names)
    )]
    ValueIsReference {
        names: Vec<KeyName>,
        access: crate::codes::Action,
    },

    /// `render` of a line break a value would add to the output (`--allow-multiline`).
    #[error("{}", line_break_refusal(.names))]
    ValueHasLineBreak { names: Vec<KeyName> },
    #[error(
        "the value of `{name}` is not UTF-8, which JSON cannot carry\nhint: use --format dotenv or shell"
    )]
    NotUtf8 { name: KeyName },
    #[error(
        "stdout is closed: there is nowhere to print the value, so nothing was read or changed\nhint: run the command with stdout open, e.g. redirected to a file or a pipe"
    )]
    StdoutClosed,
    #[error("stdout was closed before the value of `{name}` was written: it was not delivered")]
    NotDelivered { name: KeyName },
    #[error("stdout was closed before the output was written: it was not delivered")]
    OutputNotDelivered,
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What failed underneath keyward (the system, SQLite, a crate) with no more to say
    /// than its own message: `what` keyward was doing.
    #[error("cannot {what}: {detail}")]
    Failed { what: &'static str, detail: String },
    /// A program error: a state keyward's own code should never reach.
    #[error(
        "internal error: {0}\nhint: this is a bug in keyward; please report it with the command that led to it"
    )]
    Internal(&'static str),
    #[error("cannot find a home directory\nhint: set HOME, or pass --vault")]
    NoHomeDir,
    #[error("stored recipient `{recipient}` is invalid")]
    InvalidStoredRecipient { recipient: String },
    #[error("the agent {why}")]
    Agent { why: String },
    /// A change over several environments failed after some were committed: says which
    /// (`done`, `left`: lists of names in backticks); exits with the failure's own code.
    #[error("{}; already changed and committed: {done}; not changed: {left}\nhint: fix the cause, then {next}", failed.to_string().lines().next().unwrap_or_default())]
    PartlyDone {
        failed: Box<Error>,
        done: String,
        left: String,
        /// How to finish (`offboard` carries on when run again; an import does not).
        next: &'static str,
    },
    // ---- issuing and deactivating keys (ops::issue, ops::rotate, ops::offboard)
    #[error(
        "key `{name}` already exists in `{env}`\nhint: `keyward rotate {name} -e {env}` issues a new value"
    )]
    KeyExists { name: KeyName, env: EnvName },
    // ---- rename and delete (ops::rename)
    /// `rename OLD NEW` where NEW is taken: names both, and nothing changed.
    #[error(
        "cannot rename `{from}` to `{to}` in `{env}`: key `{to}` already exists; nothing changed\nhint: pick another name, or remove the other key first: `keyward delete -e {env} {to} --reason TEXT`"
    )]
    RenameTargetExists {
        from: KeyName,
        to: KeyName,
        env: EnvName,
    },
    /// A new value equal to an earlier version's (perhaps the leaked one): the rotation
    /// would look done while the old value still works. Exit 4; never names the value.
    /// `at` locates it in an import (`line 3: `), empty otherwise.
    #[error(
        "{at}the new value of `{name}` in `{env}` is the value of its version {earlier}: a new version must not reissue an earlier value; nothing changed\nhint: get a fresh value from the key's provider, then `keyward rotate {name} -e {env}` reads it from stdin"
    )]
    Reissue {
        at: String,
        name: KeyName,
        env: EnvName,
        earlier: u32,
    },
    #[error(
        "key `{name}` in `{env}` changed while waiting for the writer lock; nothing changed\nhint: run `keyward rotate {name} -e {env}` again"
    )]
    ChangedMeanwhile { name: KeyName, env: EnvName },
    /// Another file was put at the env file's path while a writer held it (the lock
    /// binds keyward's writers only: a `git pull`, a sync tool).
    #[error("`{}` was replaced while this command changed `{env}` (a `git pull` or checkout, a sync tool?); nothing was written over it\nhint: run the command again: it reads the file as it is now", path.display())]
    EnvReplacedMeanwhile { env: EnvName, path: PathBuf },
    /// The same, the file put there meanwhile not swapped back (kept, never removed).
    #[error("`{}` was replaced while this command changed `{env}`, and putting it back failed (the path changed again meanwhile): the file put there is kept as `{}`, and this command's file may be at the path
hint: move it back (`mv {} {}`), then run the command again", path.display(), aside.display(), aside.display(), path.display())]
    EnvLeftAside {
        env: EnvName,
        path: PathBuf,
        aside: PathBuf,
    },
    /// An import names a key twice (`at`: `line 3` or `key "NAME"`).
    #[error(
        "{at}: `{name}` appears twice; nothing imported\nhint: keep one of them and run the import again"
    )]
    ImportDuplicate { at: String, name: KeyName },
    #[error(
        "{at}: `{name}` already exists in `{env}`; nothing imported\nhint: `keyward import {file} --format {format} --overwrite -e {env}` adds a new version"
    )]
    ImportExists {
        at: String,
        name: KeyName,
        env: EnvName,
        file: String,
        format: &'static str,
    },
    /// An import file that does not parse, or a value keyward does not store (`detail`
    /// says which line or key and why; never the value).
    #[error("{detail}; nothing imported\nhint: fix the file and run the import again")]
    ImportInvalid { detail: String },
    #[error(
        "refusing to offboard the identity in use ({recipient}): it would remove its own access midway\nhint: run `keyward offboard RECIPIENT --reason TEXT` as another recipient (--identity FILE)"
    )]
    OffboardSelf { recipient: String },
    /// Removing the recipient would leave `envs` (names in backticks) with nobody to open them.
    #[error(
        "{recipient} is the only recipient of {envs}; nothing changed\nhint: grant someone else access there first (`keyward access grant RECIPIENT -e ENV`), then offboard again"
    )]
    OnlyRecipient { recipient: String, envs: String },

    /// `run` passes its child's status through; nothing is printed.
    #[error("")]
    ChildExit(u8),
    /// Stdout was closed (`keyward list | head`): end quietly.
    #[error("")]
    BrokenPipe,

    // ---- refused reads and the audit log (ops::context, DESIGN §14)
    /// A read refused (exit 4: revoked, retired, expired) whose event could not be
    /// recorded. Still the refusal's exit code: nothing was handed out, and a script
    /// branching on 4 must still see "refused"; the message says the trail lacks it.
    #[error("{}; the refusal could not be recorded: {}\nhint: nothing was handed out; `keyward audit verify -e {env}` checks the access journal", refused.to_string().lines().next().unwrap_or_default(), cause.to_string().lines().next().unwrap_or_default())]
    RefusalNotRecorded {
        refused: Box<Error>,
        cause: Box<Error>,
        env: EnvName,
    },
    /// `KEYWARD_AUDIT_LOG` could not take an access event: fail closed.
    #[error(
        "cannot append to the audit log `{}` (KEYWARD_AUDIT_LOG): {detail}; nothing was handed out\nhint: make FILE a writable regular file (not a symbolic link), or unset KEYWARD_AUDIT_LOG, and run the command again",
        path.display()
    )]
    AuditLogFailed { path: PathBuf, detail: String },
    /// `KEYWARD_AUDIT_LOG` could not take lifecycle events after their change committed.
    #[error(
        "the change to `{env}` is committed, but its events could not be appended to the audit log `{}` (KEYWARD_AUDIT_LOG): {detail}\nhint: `keyward audit export -e {env} --format jsonl` prints every event of `{env}` for the log",
        path.display()
    )]
    AuditLogAfterCommit {
        env: EnvName,
        path: PathBuf,
        detail: String,
    },
    #[error(
        "the change to `{env}` is committed, but this machine could not record it in its pins: {detail}\nhint: the change stands; free space in (or fix the permissions of) the state directory, then any command that reads `{env}` records it (`keyward list -e {env}`)"
    )]
    PinAfterCommit { env: EnvName, detail: String },
    // ---- issue 22 (daily use): `run` could not start its command; 127 and 126 as
    // `env`, `sh` and `timeout` exit. The access was journaled before the spawn (values
    // are only handed to a child that exists), so the message says no value left.
    #[error(
        "cannot run `{program}`: {}{}\nhint: {}",
        if *.interpreter { "its interpreter (the `#!` line) was not found" } else { "command not found" },
        journaled_note(*.keys),
        not_found_hint(program, env, *.interpreter)
    )]
    CommandNotFound {
        program: String,
        env: EnvName,
        /// The file exists: what is missing is the interpreter its `#!` line names.
        interpreter: bool,
        /// How many keys' access was journaled before the spawn.
        keys: usize,
    },
    #[error(
        "cannot run `{program}`: {reason}{}\nhint: {}",
        journaled_note(*keys),
        not_executable_hint(program, env, *reason)
    )]
    CommandNotExecutable {
        program: String,
        env: EnvName,
        reason: NotExecutable,
        /// How many keys' access was journaled before the spawn.
        keys: usize,
    },
    /// `export --json` with a format that is not JSON: one of the two would be ignored.
    #[error(
        "`--json` asks for JSON but `--format {format}` asks for {format}; nothing was exported\nhint: `keyward export -e {env} --format json`, or drop --json for {format}"
    )]
    ExportJsonConflict { format: String, env: EnvName },
    // ---- issue 18 (keys as files, templates, rotation hooks: DESIGN §11)
    /// `run --file`: the base directory is on a disk, where a key would outlive the run.
    #[error(
        "refusing to write key files in `{}`: it is not a memory-backed file system (tmpfs), so the keys could reach the disk; nothing was read\nhint: point XDG_RUNTIME_DIR at a tmpfs directory (or unset it to use /dev/shm), or add --allow-disk to accept a file on disk",
        dir.display()
    )]
    KeyFilesOnDisk { dir: PathBuf },
    #[error("refusing `{}` for key files: it {why}\nhint: remove it (or `chmod 700` it if it is yours) and run the command again", path.display())]
    KeyFilesDirUnsafe { path: PathBuf, why: String },
    /// `render`: a placeholder whose key cannot be handed out; the exit code is the
    /// cause's (3 not found, 4 not usable). Nothing was written.
    #[error("{}", in_template(template, *line, placeholder, source))]
    InTemplate {
        template: String,
        line: usize,
        placeholder: String,
        source: Box<Error>,
    },
    #[error(
        "template `{template}` line {line}: {detail}; nothing was written\nhint: a placeholder is `{{{{ NAME }}}}` with a key name; write `{{{{ \"{{{{\" }}}}` for a literal `{{{{`"
    )]
    TemplateInvalid {
        template: String,
        line: usize,
        detail: String,
    },
    // ---- `audit follow` (DESIGN §12)
    /// The cursor names an event its chain no longer holds: resuming there could lose
    /// or repeat events, so `follow` stops.
    #[error(
        "cannot resume at event {seq} of the {chain} chain of `{env}`: that chain no longer holds it (cut back, replaced or rewritten)\nhint: check the chain with `keyward audit verify -e {env}`; to start over, move the cursor file away (events are then delivered again from the start)"
    )]
    FollowCursorLost {
        env: EnvName,
        chain: crate::codes::Chain,
        seq: i64,
    },
    #[error("cursor `{}` is corrupt: {detail}; it is not reset silently\nhint: move it away to start over (events are then delivered again from the start)", path.display())]
    CursorCorrupt { path: PathBuf, detail: String },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error(transparent)]
    Hook(#[from] HookError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error(transparent)]
    Verifier(#[from] VerifierError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Signed(#[from] SignedError),
    #[error(transparent)]
    Team(#[from] TeamError),
}

#[cfg(test)]
mod tests;
