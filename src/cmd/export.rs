//! `keyward export`: the environment's active keys as dotenv, JSON, shell, a Kubernetes
//! Secret or GitHub Actions environment blocks.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
pub use crate::ops::export::ExportFormat;
use crate::ops::export::ExportRequest;
use crate::ops::platform::{K8sName, K8sNamespace};

/// Print the active keys as dotenv, JSON, shell `export` lines, a Kubernetes Secret, or
/// GitHub Actions environment blocks
///
/// Every value round-trips exactly through `eval` (shell), a JSON parser (json) and
/// `keyward import` (dotenv). Each exported key is recorded in the audit trail first.
/// Prefer `keyward run`: an exported file is plaintext on disk. With -o FILE the output
/// goes to a new file, mode 0600, written whole or not at all (an existing FILE only with
/// --force, never through a symbolic link).
///
/// Without --format the output is dotenv (JSON with --json); --json with another
/// --format is refused (exit 2) rather than ignored.
///
/// --format k8s-secret --name NAME [--namespace NS]: a Kubernetes `Secret` manifest for
/// `kubectl apply -f -`: values under `stringData`, those that are not UTF-8 base64 under
/// `data`.
///
/// --format github-env: appends one `NAME<<DELIMITER` block per key to the file named by
/// $GITHUB_ENV (or -o FILE), so later steps of the job have the keys as variables; the
/// delimiter is random and occurs in no value, so a multi-line value cannot end its block
/// early. It prints one `::add-mask::` workflow command per value line on stdout, before
/// the file is written, so GitHub masks the keys in every later log. Without $GITHUB_ENV
/// or -o it is a usage error (exit 2). The runner reads the file as UTF-8 text: a value
/// that is not UTF-8 is refused before anything is read out.
///
/// Keys named like variables that change how programs load or shells start (PATH,
/// LD_*, DYLD_*, BASH_ENV, NODE_OPTIONS, PYTHONPATH, ...) are refused in every format
/// (the output is meant to become an environment) and nothing is exported, unless
/// --allow-name names each one.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward export -e test --only DB_URL,API_KEY > .env.test\n  eval \"$(keyward export --format shell)\"\n  keyward export --format json | jq 'keys'\n  keyward export -e prod --format k8s-secret --name api-keys --namespace shop | kubectl apply -f -\n  keyward export -e prod --format github-env --only DEPLOY_TOKEN"
)]
pub struct ExportArgs {
    /// Output format [default: dotenv; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,

    /// Only these keys (comma-separated); each must be usable
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub only: Option<Vec<KeyName>>,

    /// Export this key even though its name makes programs run other code (PATH, LD_*,
    /// GIT_CONFIG_*, HOME, ...); repeatable
    #[arg(long = "allow-name", value_name = "NAME")]
    pub allow_names: Vec<KeyName>,

    /// Write to FILE (mode 0600; `-`: stdout) instead of stdout; github-env appends to it
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Replace FILE if it exists (a symbolic link is refused even so)
    #[arg(long, requires = "out")]
    pub force: bool,

    /// With --format k8s-secret: the Secret's name
    #[arg(long, value_name = "NAME")]
    pub name: Option<K8sName>,

    /// With --format k8s-secret: the Secret's namespace
    #[arg(long, value_name = "NS", requires = "name")]
    pub namespace: Option<K8sNamespace>,

    /// Refuse to export (exit 4) when a key is left out because it is revoked, expired or
    /// retired, instead of naming it on stderr; KEYWARD_RUN_STRICT=1 sets it (for CI)
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: ExportArgs, ctx: &Ui) -> Result<()> {
    // github-env prints its masks on stdout whatever -o says.
    super::delivery::require_stdout(
        super::delivery::is_stdout(args.out.as_deref())
            || matches!(
                args.format,
                Some(crate::ops::export::ExportFormat::GithubEnv)
            ),
    )?;
    // A closed stdout is a failed delivery, github-env's masks included (printed before
    // the file is appended): never exit 0 for keys no later step received.
    let exported = super::delivery::delivered(crate::ops::export::export(
        ctx,
        ExportRequest {
            format: args.format,
            only: args.only.as_deref(),
            allow_loader: &args.allow_names,
            out: args.out.as_deref(),
            force: args.force,
            name: args.name.as_ref(),
            namespace: args.namespace.as_ref(),
            strict: args.strict || crate::ops::run_guard::strict_from_env()?,
        },
    ))?;
    super::delivery::delivered(ctx.out.data(&exported.stdout))?;
    match &exported.written {
        Some(w) => ctx.out.render(w),
        None => Ok(()),
    }
}
