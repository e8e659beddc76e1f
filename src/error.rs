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
    (126, "run: the command was found but cannot be executed"),
    (127, "run: the command was not found"),
];

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
        "no key `{name}` in environment `{env}`\nhint: {}{}`keyward list -e {env}` shows its keys",
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
    #[error(
        "key `{name}` version {version} in `{env}` is revoked; a revoked key is not rotated\nhint: generate a new key under another name (`keyward generate NEW_NAME -e {env}`)"
    )]
    RevokedNotRotated {
        name: KeyName,
        env: EnvName,
        version: u32,
    },

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
    /// A command over every environment could not open some of them (`envs` is the
    /// list, each in backticks): a partial pass must not look like a clean one.
    #[error(
        "{what} did not cover {envs}: the identity in use is not a recipient\nhint: run it as a recipient of those environments, or pass --skip-unreadable to accept the gap"
    )]
    Unreadable { what: &'static str, envs: String },

    // ---- 6: integrity
    #[error("`{}` is corrupt or has been tampered with: {detail}\nhint: nothing was changed; restore the file from git (`git log -- FILE`, `git checkout REV -- FILE`) or a backup", path.display())]
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
    /// DESIGN §8: the access journal lost events this machine saw.
    #[error(
        "the access journal of `{env}` has lost events: event {seen_seq} was seen here and is gone (the journal was deleted or cut back)\nhint: restore `journal/{env}.db` from a backup; to accept the loss after review, `keyward trust -e {env} --reason TEXT`"
    )]
    JournalGap { env: EnvName, seen_seq: i64 },
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
    #[error("refusing to write `{}`: it is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "the passphrases do not match; nothing was written\nhint: run the command again and type the same passphrase twice"
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
        "scan incomplete: {unreadable} path(s) could not be read (named above)\nhint: fix their permissions or leave them out; a scan that skipped files is never reported clean"
    )]
    ScanIncomplete { unreadable: usize },
    #[error(
        "`git {args}` failed: {detail}\nhint: `scan --staged` runs inside a git work tree, with git on PATH"
    )]
    GitFailed { args: String, detail: String },
    /// `run`/`export` of a key whose name changes how programs load (DESIGN: whoever can
    /// write an environment must not be able to run code in every teammate's command).
    #[error(
        "refusing to {} {}: such a variable changes how programs are loaded or shells start, so whoever can write this environment could run code here; nothing was done\nhint: if the key is meant to set it, pass {}",
        if *.access == crate::codes::Action::Export { "export" } else { "inject" },
        backticked(.names),
        .names.iter().map(|n| format!("--allow-name {n}")).collect::<Vec<_>>().join(" ")
    )]
    LoaderVariable {
        names: Vec<KeyName>,
        access: crate::codes::Action,
    },
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

    #[error(
        "the value of `{name}` is not UTF-8, which JSON cannot carry\nhint: use --format dotenv or shell"
    )]
    NotUtf8 { name: KeyName },
    #[error(
        "stdout is closed: there is nowhere to print the value, so it was not read\nhint: run `keyward get` with stdout open, e.g. redirected to a file or a pipe"
    )]
    StdoutClosed,
    #[error("stdout was closed before the value of `{name}` was written: it was not delivered")]
    NotDelivered { name: KeyName },
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
    // ---- age plugins: hardware-backed identities and recipients (DESIGN §10)
    /// The plugin binary of the identity in use is not on `PATH` (5: cannot unlock).
    #[error(
        "`{binary}` is not on PATH: it is needed to unlock the identity in use\nhint: install {binary} (the plugin of your hardware key) and make sure it is on PATH"
    )]
    PluginMissing { binary: String },
    /// The plugin of a recipient is not on `PATH`: age encrypts to a plugin recipient
    /// through its plugin, so nothing can be written (1, refused before any write).
    #[error(
        "`{binary}` is not on PATH: keyward encrypts to its recipients through it; nothing was written\nhint: install {binary} and make sure it is on PATH (every writer of an environment with such a recipient needs it)"
    )]
    PluginMissingToEncrypt { binary: String },
    #[error(
        "`{binary}` asks for a PIN and there is no terminal to ask on\nhint: run the command on a terminal; a hardware identity cannot be unlocked unattended (give CI a plain identity of its own)"
    )]
    PluginNoTerminal { binary: String },
    /// The plugin answered but did not unwrap (a wrong PIN, a missing token): `detail`
    /// is its own message, one line.
    #[error(
        "`{binary}` could not unlock the identity in use: {detail}\nhint: check the PIN and that the token is plugged in (a token locks itself after a few wrong PINs)"
    )]
    PluginRefused { binary: String, detail: String },
    #[error(
        "`{binary}` failed while unlocking the identity in use: {detail}; nothing was changed\nhint: run it again; `AGEDEBUG=plugin` shows what the plugin says"
    )]
    PluginFailed { binary: String, detail: String },
    #[error(
        "`{binary}` failed while encrypting: {detail}; nothing was written\nhint: run it again; `AGEDEBUG=plugin` shows what the plugin says"
    )]
    PluginEncryptFailed { binary: String, detail: String },
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
    #[error("hook approvals `{}` are not a private file (mode {mode:03o})\nhint: check who changed them; remove the file and approve each hook again", path.display())]
    ApprovalsUnsafe { path: PathBuf, mode: u32 },
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
    /// DESIGN §13: a bare hash of an imported value may be guessed back.
    #[error(
        "`{env}` holds imported keys ({names}): their values may be guessable, so a set of bare SHA-256 hashes could give them away; nothing was exported\nhint: `keyward verifier export -e {env} --hmac-key-file FILE` (32 random bytes your services also hold: `head -c 32 /dev/urandom > FILE`)"
    )]
    VerifierNeedsHmac { env: EnvName, names: String },
    /// A verifier set that is damaged, edited or not a set at all.
    #[error(
        "verifier set `{path}` cannot be trusted: {detail}\nhint: use the file `keyward verifier export` wrote, unchanged"
    )]
    VerifierSetInvalid { path: PathBuf, detail: String },
    /// Signed by another key than the one pinned.
    #[error(
        "verifier set `{path}` is signed by {signer}, not by the pinned {pinned}\nhint: `keyward verifier pubkey -e ENV` prints the key of the environment the set should come from"
    )]
    VerifierWrongKey {
        path: PathBuf,
        signer: String,
        pinned: String,
    },
    /// A set older than the service requires (an earlier state of the environment).
    #[error(
        "verifier set `{path}` has serial {serial}, older than the {required} required\nhint: export a current set: `keyward verifier export`"
    )]
    VerifierSetStale {
        path: PathBuf,
        serial: i64,
        required: i64,
    },
    /// An HMAC set checked without its key.
    #[error(
        "verifier set `{path}` holds HMAC-SHA-256 hashes\nhint: give the key it was exported with: --hmac-key-file FILE"
    )]
    VerifierHmacKeyNeeded { path: PathBuf },
    /// An HMAC set checked with another key.
    #[error(
        "verifier set `{path}` was exported with another HMAC key than the one given\nhint: give the key file it was exported with"
    )]
    VerifierHmacKeyMismatch { path: PathBuf },
    /// `verifier pubkey` before the first export made the key.
    #[error(
        "`{env}` has no verifier key yet\nhint: the first `keyward verifier export -e {env}` creates it"
    )]
    VerifierNoKey { env: EnvName },
}

/// "template `t` line 3, `{{ NOPE }}`: <cause>; nothing was written", with the
/// cause's hint kept as the second line.
fn in_template(template: &str, line: usize, placeholder: &str, source: &Error) -> String {
    let text = source.to_string();
    let (first, hint) = match text.split_once('\n') {
        Some((first, hint)) => (first, format!("\n{hint}")),
        None => (text.as_str(), String::new()),
    };
    format!(
        "template `{template}` line {line}, `{placeholder}`: {first}; nothing was written{hint}"
    )
}

/// What became of the keys when `run`'s command did not start.
fn journaled_note(keys: usize) -> String {
    match keys {
        0 => String::new(),
        1 => "; the read of 1 key was journaled, its value reached no process".to_owned(),
        n => format!("; the read of {n} keys was journaled, no value reached any process"),
    }
}

/// Why `run` found its command but could not execute it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotExecutable {
    /// EACCES on a file: no execute permission (or a `noexec` mount).
    Permission,
    /// EACCES on a directory.
    Directory,
    /// ENOEXEC: no `#!` line the kernel accepts, or a program for another machine.
    Format,
}

impl std::fmt::Display for NotExecutable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotExecutable::Permission => "permission denied",
            NotExecutable::Directory => "it is a directory",
            NotExecutable::Format => "exec format error",
        })
    }
}

/// The next step when `run` found `program` but could not execute it.
fn not_executable_hint(program: &str, env: &EnvName, reason: NotExecutable) -> String {
    match reason {
        NotExecutable::Directory => {
            format!("name the program inside it: `keyward run -e {env} -- {program}/PROGRAM`")
        }
        _ => format!(
            "make it executable (`chmod +x {program}`) or name its interpreter: `keyward run -e {env} -- sh {program}`"
        ),
    }
}

/// The next step when `run` found no command `program`.
fn not_found_hint(program: &str, env: &EnvName, interpreter: bool) -> String {
    if interpreter {
        format!(
            "install the interpreter named on the first line of `{program}`, or name another: `keyward run -e {env} -- sh {program}`"
        )
    } else if program.contains('/') {
        format!(
            "no file `{program}`: check the path (relative paths start from the current directory)"
        )
    } else {
        format!(
            "`{program}` is not on `PATH`: give its path, e.g. `keyward run -e {env} -- ./{program}`"
        )
    }
}

/// The rest of an `Unusable` message: since when, why, and what to do.
fn unusable_detail(
    name: &KeyName,
    env: &EnvName,
    status: crate::codes::Status,
    at: Option<i64>,
    reason: Option<&str>,
) -> String {
    use crate::codes::Status;
    let t = at.map(crate::names::fmt_time).unwrap_or_default();
    match status {
        Status::Revoked => format!(
            " since {t}{}",
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ),
        Status::Expired => format!(
            ": it expired at {t}\nhint: `keyward rotate {name} -e {env}` issues a new version"
        ),
        Status::Retiring => {
            format!(": replaced by a newer version; it only passes `verify` until {t}")
        }
        _ => ": replaced by a newer version".to_owned(),
    }
}

/// "it exists in `prod` (add `-e prod`); " for a hint, or nothing.
fn found_elsewhere(name: &KeyName, envs: &[EnvName]) -> String {
    match envs {
        [] => String::new(),
        [one] => format!("`{name}` exists in `{one}` (add `-e {one}`); "),
        many => format!(
            "`{name}` exists in {} (add `-e ENV`); ",
            many.iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// "did you mean `A` or `B`? " for a hint, or nothing.
fn did_you_mean(similar: &[KeyName]) -> String {
    match similar {
        [] => String::new(),
        [one] => format!("did you mean `{one}`? "),
        [init @ .., last] => format!("did you mean {} or `{last}`? ", backticked(init)),
    }
}

/// `A`, `B` → "`A`, `B`".
fn backticked(names: &[KeyName]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// The only mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::NeedsYes | Error::Cancelled => 2,
            Error::ConfirmationNeeded { .. } => 2,
            Error::NotAConflictVersion { .. } | Error::ResolveKeepsNewest { .. } => 2,
            Error::ChangedWhileAsked { .. } => 1,
            Error::VaultNotFound { .. }
            | Error::EnvNotFound { .. }
            | Error::EnvNotFoundSimilar { .. }
            | Error::KeyNotFound { .. }
            | Error::VersionNotFound { .. }
            | Error::UnknownPresentedKey { .. }
            | Error::FileNotFound { .. }
            | Error::NoMergeConflict { .. } => 3,
            Error::Unusable { .. }
            | Error::Rejected(_)
            | Error::RevokedNotRotated { .. }
            | Error::Reissue { .. } => 4,
            Error::NoIdentity { .. }
            | Error::WrongPassphrase { .. }
            | Error::NoPassphrase { .. }
            | Error::IdentityPermissions { .. }
            | Error::BadIdentity { .. }
            | Error::NotARecipient { .. }
            | Error::Unreadable { .. } => 5,
            Error::PluginMissing { .. }
            | Error::PluginNoTerminal { .. }
            | Error::PluginRefused { .. }
            | Error::PluginFailed { .. } => 5,
            Error::PluginMissingToEncrypt { .. } | Error::PluginEncryptFailed { .. } => 1,
            Error::Corrupt { .. }
            | Error::CorruptDb { .. }
            | Error::UnsafeVaultPath { .. }
            | Error::UnrelatedEnv { .. }
            | Error::FromBeforeRemoval { .. }
            | Error::Rewound { .. }
            | Error::PinCorrupt { .. }
            | Error::JournalGap { .. }
            | Error::PinUnsafe { .. }
            | Error::BrokenChain { .. }
            | Error::HistoryRewritten { .. }
            | Error::PinNotFound { .. }
            | Error::GitMergeRefused { .. }
            | Error::FollowCursorLost { .. }
            | Error::CursorCorrupt { .. } => 6,
            Error::Busy { .. } => 7,
            Error::Findings(_) => 8,
            Error::PartlyDone { failed, .. } => failed.exit_code(),
            Error::RefusalNotRecorded { refused, .. } => refused.exit_code(),
            Error::AuditLogFailed { .. } | Error::AuditLogAfterCommit { .. } => 1,
            Error::ChildExit(code) => *code,
            Error::BrokenPipe => 0,
            Error::CommandNotFound { .. } => 127,
            Error::CommandNotExecutable { .. } => 126,
            Error::ExportJsonConflict { .. } => 2,
            Error::KeyFilesOnDisk { .. } | Error::KeyFilesDirUnsafe { .. } => 1,
            Error::InTemplate { source, .. } => source.exit_code(),
            Error::TemplateInvalid { .. } => 1,
            Error::HookNotApproved { .. } | Error::HookFailed { .. } => 8,
            Error::HookHashMismatch { .. } | Error::HookOnGenerated { .. } => 1,
            Error::NoHook { .. } => 3,
            Error::ApprovalsCorrupt { .. } | Error::ApprovalsUnsafe { .. } => 6,
            Error::VerifierNeedsHmac { .. }
            | Error::VerifierHmacKeyNeeded { .. }
            | Error::VerifierHmacKeyMismatch { .. } => 2,
            Error::VerifierNoKey { .. } => 3,
            Error::VerifierSetInvalid { .. }
            | Error::VerifierWrongKey { .. }
            | Error::VerifierSetStale { .. } => 6,
            Error::NewerFormat { .. }
            | Error::Refused(_)
            | Error::LoaderVariable { .. }
            | Error::NotUtf8 { .. }
            | Error::StdoutClosed
            | Error::NotDelivered { .. }
            | Error::Io { .. }
            | Error::Other(_)
            | Error::KeyExists { .. }
            | Error::RenameTargetExists { .. }
            | Error::ChangedMeanwhile { .. }
            | Error::ImportDuplicate { .. }
            | Error::ImportExists { .. }
            | Error::ImportInvalid { .. }
            | Error::OffboardSelf { .. }
            | Error::OnlyRecipient { .. }
            | Error::VaultExists { .. }
            | Error::VaultDirNotEmpty { .. }
            | Error::EnvExists { .. }
            | Error::NoSuchRecipient { .. }
            | Error::LastRecipient { .. }
            | Error::RevokingYourself { .. }
            | Error::EmptyValue
            | Error::ValueWithNul
            | Error::ValueTooLong
            | Error::OutputExists { .. }
            | Error::OutputIsSymlink { .. }
            | Error::NotAFile { .. }
            | Error::PassphrasesDiffer
            | Error::NothingToUnlock { .. }
            | Error::LiteralNeedsNoUnlock
            | Error::NoRecipients { .. }
            | Error::ScanIncomplete { .. }
            | Error::GitFailed { .. }
            | Error::VaultNotInGit { .. }
            | Error::GitHistory { .. }
            | Error::GitSetupNotInGit { .. }
            | Error::GitSetupFailed { .. } => 1,
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

/// Age's own messages contain Unicode isolation marks; describe errors by variant.
pub fn describe_age(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::DecryptionFailed => "decryption failed (payload damaged)".into(),
        age::DecryptError::ExcessiveWork { required, .. } => {
            format!("excessive scrypt work factor {required}")
        }
        age::DecryptError::InvalidHeader => "not a valid age file (bad header)".into(),
        age::DecryptError::InvalidMac => "age header MAC does not match".into(),
        age::DecryptError::Io(io) => format!("not a complete age file ({})", io.kind()),
        age::DecryptError::KeyDecryptionFailed => "key decryption failed".into(),
        age::DecryptError::NoMatchingKeys => "no matching identity".into(),
        age::DecryptError::UnknownFormat => "unknown age format version".into(),
        _ => "age decryption error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Action;
    use crate::codes::Status;

    /// One of each situation the user can meet, with the names it carries.
    fn samples() -> Vec<Error> {
        let (k, e, p) = (
            || "STRIPE_KEY".parse::<KeyName>().unwrap(),
            || "prod".parse::<EnvName>().unwrap(),
            || PathBuf::from("/v/envs/prod.db.age"),
        );
        vec![
            Error::VaultNotFound { path: p() },
            Error::EnvNotFound { env: e() },
            Error::EnvNotFoundSimilar {
                env: e(),
                similar: vec!["prod-eu".parse().unwrap()],
            },
            Error::KeyNotFound {
                name: k(),
                env: e(),
                similar: vec![k()],
                elsewhere: vec!["dev".parse().unwrap()],
            },
            Error::VersionNotFound {
                name: k(),
                env: e(),
                version: 3,
            },
            Error::UnknownPresentedKey { env: e() },
            Error::FileNotFound { path: p() },
            Error::Unusable {
                name: k(),
                env: e(),
                version: 2,
                status: Status::Expired,
                at: Some(0),
                reason: None,
            },
            Error::RevokedNotRotated {
                name: k(),
                env: e(),
                version: 1,
            },
            Error::WrongPassphrase { path: p() },
            Error::NoPassphrase { path: p() },
            Error::IdentityPermissions {
                path: p(),
                mode: 0o644,
            },
            Error::NotARecipient { env: e() },
            Error::Corrupt {
                path: p(),
                detail: "payload damaged".into(),
            },
            Error::CorruptDb {
                detail: "column `x` holds Text".into(),
            },
            Error::UnsafeVaultPath {
                path: p(),
                why: "is a symlink".into(),
            },
            Error::BrokenChain {
                env: e(),
                chain: crate::codes::Chain::Lifecycle,
                seq: 4,
                detail: "edited".into(),
            },
            Error::Busy { env: e(), secs: 10 },
            Error::EnvExists { env: e() },
            Error::LastRecipient { env: e() },
            Error::NewerFormat {
                path: p(),
                found: 2,
                supported: 1,
            },
            Error::EmptyValue,
            Error::ValueWithNul,
            Error::ValueTooLong,
            Error::OutputExists { path: p() },
            Error::OutputIsSymlink { path: p() },
            Error::NotAFile { path: p() },
            Error::PassphrasesDiffer,
            Error::NothingToUnlock { path: p() },
            Error::LiteralNeedsNoUnlock,
            Error::NoRecipients { env: e() },
            Error::ScanIncomplete { unreadable: 2 },
            Error::GitFailed {
                args: "diff --cached".into(),
                detail: "not a git repository".into(),
            },
            Error::VaultNotInGit { path: p() },
            Error::GitSetupNotInGit { path: p() },
            Error::GitSetupFailed {
                args: "config --local diff.keyward.textconv".into(),
                detail: "could not lock config file".into(),
            },
            Error::GitMergeRefused {
                env: e(),
                why: "THEIRS's history does not contain BASE's".into(),
            },
            Error::NoMergeConflict {
                name: k(),
                env: e(),
            },
            Error::ResolveKeepsNewest {
                name: k(),
                env: e(),
                version: 4,
                newest: 5,
            },
            Error::NotAConflictVersion {
                name: k(),
                env: e(),
                version: 3,
                kept: "v4, v5".into(),
            },
            Error::GitHistory {
                args: "rev-list HEAD".into(),
                detail: "bad revision".into(),
            },
            Error::HistoryRewritten {
                first: "commit `abc1234` (\"rotate\" by A <a@x>) rewound `prod` from event 9 to 7"
                    .into(),
                more: 1,
            },
            Error::PinNotFound {
                pin: "00ff".into(),
                at: "`abc1234`".into(),
            },
            Error::LoaderVariable {
                names: vec!["LD_PRELOAD".parse().unwrap()],
                access: Action::Run,
            },
            Error::NotUtf8 { name: k() },
            Error::StdoutClosed,
            Error::NotDelivered { name: k() },
            Error::KeyExists {
                name: k(),
                env: e(),
            },
            Error::RenameTargetExists {
                from: k(),
                to: "STRIPE_KEY_OLD".parse().unwrap(),
                env: e(),
            },
            Error::Reissue {
                at: String::new(),
                name: k(),
                env: e(),
                earlier: 1,
            },
            Error::RefusalNotRecorded {
                refused: Box::new(Error::Unusable {
                    name: k(),
                    env: e(),
                    version: 1,
                    status: Status::Revoked,
                    at: Some(0),
                    reason: None,
                }),
                cause: Box::new(Error::Other("disk full".into())),
                env: e(),
            },
            Error::AuditLogFailed {
                path: p(),
                detail: "it is a symbolic link".into(),
            },
            Error::AuditLogAfterCommit {
                env: e(),
                path: p(),
                detail: "disk full".into(),
            },
            Error::CommandNotFound {
                program: "./deploy.sh".into(),
                env: e(),
                interpreter: false,
                keys: 2,
            },
            Error::CommandNotFound {
                program: "deploy".into(),
                env: e(),
                interpreter: false,
                keys: 2,
            },
            Error::CommandNotFound {
                program: "./deploy.sh".into(),
                env: e(),
                interpreter: true,
                keys: 1,
            },
            Error::CommandNotExecutable {
                program: "./deploy.sh".into(),
                env: e(),
                reason: NotExecutable::Permission,
                keys: 0,
            },
            Error::CommandNotExecutable {
                program: "./deploy".into(),
                env: e(),
                reason: NotExecutable::Directory,
                keys: 3,
            },
            Error::ExportJsonConflict {
                format: "dotenv".into(),
                env: e(),
            },
            Error::ConfirmationNeeded {
                what: "rotating 3 keys in `prod`".into(),
                command: "keyward rotate -e prod --all --yes".into(),
            },
            Error::ChangedWhileAsked {
                env: e(),
                command: "keyward rotate -e prod --all".into(),
            },
            Error::PluginMissing {
                binary: "age-plugin-yubikey".into(),
            },
            Error::PluginMissingToEncrypt {
                binary: "age-plugin-yubikey".into(),
            },
            Error::PluginNoTerminal {
                binary: "age-plugin-yubikey".into(),
            },
            Error::PluginRefused {
                binary: "age-plugin-yubikey".into(),
                detail: "wrong PIN".into(),
            },
            Error::PluginFailed {
                binary: "age-plugin-yubikey".into(),
                detail: "it stopped in the middle of the protocol".into(),
            },
            Error::PluginEncryptFailed {
                binary: "age-plugin-yubikey".into(),
                detail: "it stopped in the middle of the protocol".into(),
            },
            Error::KeyFilesOnDisk { dir: p() },
            Error::KeyFilesDirUnsafe {
                path: p(),
                why: "belongs to another user (uid 0)".into(),
            },
            Error::InTemplate {
                template: "config.tmpl".into(),
                line: 3,
                placeholder: "{{ STRIPE_KEY }}".into(),
                source: Box::new(Error::KeyNotFound {
                    name: k(),
                    env: e(),
                    similar: vec![],
                    elsewhere: vec![],
                }),
            },
            Error::TemplateInvalid {
                template: "config.tmpl".into(),
                line: 3,
                detail: "`{{ a-b }}` is not a key name".into(),
            },
            Error::HookNotApproved {
                name: k(),
                env: e(),
            },
            Error::HookFailed {
                name: k(),
                env: e(),
                why: "exited with status 3".into(),
            },
            Error::HookHashMismatch {
                name: k(),
                env: e(),
                actual: "ab".repeat(32),
            },
            Error::NoHook {
                name: k(),
                env: e(),
            },
            Error::HookOnGenerated {
                name: k(),
                env: e(),
            },
            Error::ApprovalsCorrupt {
                path: p(),
                detail: "expected value".into(),
            },
            Error::ApprovalsUnsafe {
                path: p(),
                mode: 0o644,
            },
            Error::FollowCursorLost {
                env: e(),
                chain: crate::codes::Chain::Access,
                seq: 12,
            },
            Error::CursorCorrupt {
                path: p(),
                detail: "not JSON".into(),
            },
            Error::VerifierNeedsHmac {
                env: e(),
                names: "`STRIPE_KEY`".into(),
            },
            Error::VerifierSetInvalid {
                path: p(),
                detail: "its signature does not match its contents".into(),
            },
            Error::VerifierWrongKey {
                path: p(),
                signer: "ed25519:00".into(),
                pinned: "ed25519:11".into(),
            },
            Error::VerifierSetStale {
                path: p(),
                serial: 3,
                required: 4,
            },
            Error::VerifierHmacKeyNeeded { path: p() },
            Error::VerifierHmacKeyMismatch { path: p() },
            Error::VerifierNoKey { env: e() },
        ]
    }

    /// STYLE: one line, lowercase, names in backticks; an optional second line starting
    /// `hint:`; the exit code from the type.
    #[test]
    fn every_message_is_one_line_plus_an_optional_hint() {
        for err in samples() {
            let text = err.to_string();
            let lines: Vec<&str> = text.lines().collect();
            assert!(
                (1..=2).contains(&lines.len()),
                "{err:?} has {} lines: {text}",
                lines.len()
            );
            let first = lines[0].chars().next().unwrap();
            assert!(
                first.is_lowercase() || first == '`' || first == '/',
                "{err:?} does not start lowercase: {text}"
            );
            if let Some(hint) = lines.get(1) {
                assert!(
                    hint.starts_with("hint: "),
                    "{err:?}: second line is not a hint: {text}"
                );
            }
            assert!(
                (1..=8).contains(&err.exit_code()) || [126, 127].contains(&err.exit_code()),
                "{err:?}"
            );
        }
    }

    #[test]
    fn hints_name_the_command_with_the_flags_it_needs() {
        let e: EnvName = "prod".parse().unwrap();
        let k: KeyName = "STRIPE_KEY".parse().unwrap();
        let text = Error::KeyNotFound {
            name: k.clone(),
            env: e.clone(),
            similar: vec![],
            elsewhere: vec![],
        }
        .to_string();
        assert!(text.contains("`keyward list -e prod`"), "{text}");
        let text = Error::VersionNotFound {
            name: k.clone(),
            env: e.clone(),
            version: 9,
        }
        .to_string();
        assert!(text.contains("`keyward show STRIPE_KEY -e prod`"), "{text}");
        let text = Error::Unusable {
            name: k,
            env: e.clone(),
            version: 1,
            status: Status::Expired,
            at: Some(0),
            reason: None,
        }
        .to_string();
        assert!(
            text.contains("`keyward rotate STRIPE_KEY -e prod`"),
            "{text}"
        );
        let text = Error::NoRecipients { env: e }.to_string();
        assert!(text.contains("-e prod"), "{text}");
    }
}
