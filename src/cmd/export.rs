//! `keyward export`: the environment's active keys as dotenv, JSON or shell.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
pub use crate::ops::export::ExportFormat;

/// Print the active keys as dotenv, JSON or shell `export` lines
///
/// Every value round-trips exactly through `eval` (shell), a JSON parser (json) and
/// `keyward import` (dotenv). Each exported key is recorded in the audit trail first.
/// Prefer `keyward run`: an exported file is plaintext on disk.
///
/// Without --format the output is dotenv (JSON with --json); --json with --format
/// dotenv or shell is refused (exit 2) rather than ignored.
///
/// Keys named like variables that change how programs load or shells start (PATH,
/// LD_*, DYLD_*, BASH_ENV, NODE_OPTIONS, PYTHONPATH, ...) are refused in every format
/// (the output is meant to become an environment) and nothing is exported, unless
/// --allow-name names each one.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward export -e test --only DB_URL,API_KEY -o .env.test   # 0600\n  eval \"$(keyward export --format shell)\"\n  keyward export --format json | jq 'keys'"
)]
pub struct ExportArgs {
    /// Output format [default: dotenv; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,

    /// Only these keys (comma-separated); each must be usable
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub only: Option<Vec<KeyName>>,

    /// Export this key even though its name changes how programs load (PATH, LD_*,
    /// ...); repeatable
    #[arg(long = "allow-name", value_name = "NAME")]
    pub allow_names: Vec<KeyName>,

    /// Write to FILE (created 0600 through a temp file and a rename; `-`: stdout)
    /// instead of stdout
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,

    /// With -o: replace an existing FILE (never a symbolic link)
    #[arg(long, requires = "out")]
    pub force: bool,
}

pub fn run(args: ExportArgs, ctx: &Ui) -> Result<()> {
    let export =
        || crate::ops::export::export(ctx, args.format, args.only.as_deref(), &args.allow_names);
    match args
        .out
        .as_deref()
        .filter(|p| *p != std::path::Path::new("-"))
    {
        Some(path) => crate::ops::export_file::export_to(ctx, path, args.force, export),
        None => ctx.out.data(&export()?),
    }
}
