//! `keyward run`: start a command with the environment's keys in its environment.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::run::RunRequest;

/// Run a command with the environment's active keys as environment variables
///
/// Each active key becomes a variable of the same name (overriding an inherited one).
/// Revoked, expired and retired keys are left out and named in one line on stderr;
/// --strict (or KEYWARD_RUN_STRICT=1, for CI) refuses to start instead (exit 4), and
/// --only naming one starts nothing either (exit 4). With stderr on a terminal, a note
/// names the values redacted from the child's output. The child's exit code is passed through (128+N after signal N); if the
/// command cannot start, the exit code is 127 when it is not found and 126 when it
/// cannot be executed (as `env` and `sh` do). SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGALRM sent to keyward reach the child.
///
/// When keyward's stdout or stderr is not a terminal (a CI log, a file, a pipe), that
/// stream of the child is filtered so every injected value reads `[redacted:NAME]`.
/// --redact forces the filter, --no-redact turns it off; KEYWARD_REDACT=1/0 sets the
/// default. On a terminal the child gets the terminal itself. Values shorter than 8
/// bytes are not filtered (they would match by chance); a warning names their keys.
///
/// keyward's own credentials (KEYWARD_IDENTITY, KEYWARD_PASSPHRASE,
/// KEYWARD_PASSPHRASE_FILE and every other KEYWARD_* variable except KEYWARD_VAULT,
/// KEYWARD_ENV, KEYWARD_REDACT and KEYWARD_LOCK_TIMEOUT) are removed from the child's
/// environment, so the child cannot open keys that --only left out;
/// --pass-keyward-env keeps them.
///
/// Keys named like variables that change how programs load or shells start (PATH,
/// LD_*, DYLD_*, BASH_ENV, NODE_OPTIONS, PYTHONPATH, ...) are refused and nothing
/// starts, unless --allow-name names each one.
///
/// --file NAME writes the key to its own 0600 file in a fresh 0700 directory under
/// $XDG_RUNTIME_DIR (else /dev/shm), which must be a memory-backed file system (tmpfs)
/// unless --allow-disk, and gives the child NAME_FILE=PATH instead of NAME. The files
/// are regular files (read them as often as needed); the directory is removed when the
/// command ends or keyward is signalled, and after a `kill -9` by the next keyward
/// command. Writing a file is an access event, journaled first.
///
/// References: a value `kw://ENV/NAME` (or `kw://NAME`, the environment of -e) stands for
/// that key's value. --env-file FILE reads a dotenv file (one to commit: it holds no
/// value) whose references are resolved and whose other values are passed through as
/// they are; the command then gets the file's variables and, of -e's keys, only those
/// --only and --file name. Variables already set to a reference when `run` starts are
/// resolved too (as `op run` does with `op://`). Every environment named must be one the
/// identity can open (exit 5) and hold the key, usable (exit 3, 4), or nothing starts;
/// each read is journaled in its environment's journal, and resolved values are redacted
/// like the others.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward run -- ./server\n  keyward run -e prod --only STRIPE_KEY,DB_URL -- ./deploy.sh\n  keyward run --pristine -- env\n  keyward run -e prod --file GCP_SA_JSON -- sh -c 'gcloud auth activate-service-account --key-file \"$GCP_SA_JSON_FILE\"'\n  keyward run -e test --redact -- make integration-test 2>&1 | tee build.log\n  keyward run --env-file .env.keyward -- ./server\n  DB_PASSWORD=kw://prod/DB_PASSWORD keyward run -- ./migrate"
)]
pub struct RunArgs {
    /// Only these keys (comma-separated); each must be usable
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub only: Option<Vec<KeyName>>,

    /// Give the child only the keys plus PATH, HOME, USER, LANG and TERM
    #[arg(long)]
    pub pristine: bool,

    /// Filter injected values out of the child's output, even on a terminal
    #[arg(long, conflicts_with = "no_redact")]
    pub redact: bool,

    /// Never filter the child's output
    #[arg(long)]
    pub no_redact: bool,

    /// Pass keyward's own KEYWARD_* variables (identity, passphrase) to the child
    #[arg(long)]
    pub pass_keyward_env: bool,

    /// Inject this key even though its name makes programs run other code (PATH, LD_*,
    /// GIT_CONFIG_*, HOME, ...); repeatable
    #[arg(long = "allow-name", value_name = "NAME")]
    pub allow_names: Vec<KeyName>,

    /// Give this key to the command as a file: a 0600 file in a fresh 0700 directory on
    /// tmpfs, its path in NAME_FILE (instead of NAME); repeatable. The directory is
    /// removed when the command ends
    #[arg(long = "file", value_name = "NAME")]
    pub files: Vec<KeyName>,

    /// With --file: accept a directory that is not memory-backed (tmpfs) for the files
    #[arg(long, requires = "files")]
    pub allow_disk: bool,

    /// Give the command the variables of this dotenv file, `kw://ENV/NAME` references
    /// resolved (and of -e's keys only those --only and --file name)
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Refuse to start (exit 4) when a key is left out because it is revoked, expired or
    /// retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)
    #[arg(long)]
    pub strict: bool,

    /// The command and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}

pub fn run(args: RunArgs, ctx: &Ui) -> Result<()> {
    let redact = match (args.redact, args.no_redact) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    crate::ops::run::run(
        ctx,
        RunRequest {
            command: &args.command,
            only: args.only.as_deref(),
            pristine: args.pristine,
            redact,
            pass_keyward_env: args.pass_keyward_env,
            allow_loader: &args.allow_names,
            files: &args.files,
            allow_disk: args.allow_disk,
            env_file: args.env_file.as_deref(),
            strict: args.strict || crate::ops::run_guard::strict_from_env()?,
        },
    )
}
