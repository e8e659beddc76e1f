//! `keyward scan`: flags in, `scan::run`, the report out. The scanning itself lives in
//! `crate::scan`.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::scan::Source;

/// Scan files, directory trees or stdin for leaked keys
///
/// Finds the exact value of every version of every key (current, retiring, retired,
/// revoked) in every environment the identity can open (or only -e ENV), and any
/// keyward token with a valid checksum that the vault does not hold, naming every key
/// that holds a value found. Directories are walked in parallel: every file git tracks
/// is scanned, and every untracked file git does not ignore (.gitignore; not .ignore,
/// and no ignore file outside a git work tree); --no-ignore scans everything. Hidden
/// files are scanned, `.git/` is skipped. Binary files are searched too (a key is
/// ASCII), and so is UTF-16 text (a file saved by a Windows editor). Findings show a
/// masked value, never the key. Exit 8 when anything is found.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward scan\n  keyward scan src/ config/ .env.example\n  git log -p | keyward scan -\n  keyward scan --staged            # in a pre-commit hook\n  keyward scan -e prod --json logs/"
)]
pub struct ScanArgs {
    /// Files or directories to scan, `-` for stdin [default: .]
    pub paths: Vec<PathBuf>,

    /// Scan untracked files that git ignores too
    #[arg(long)]
    pub no_ignore: bool,

    /// Scan what is staged for the next commit in the git repository here
    #[arg(long, conflicts_with = "paths")]
    pub staged: bool,
}

pub fn run(args: ScanArgs, ctx: &Ui) -> Result<()> {
    let source = if args.staged {
        Source::Staged
    } else {
        Source::Paths {
            paths: args.paths,
            no_ignore: args.no_ignore,
        }
    };
    let report = crate::ops::scan::run(ctx, source)?;
    ctx.out.render(&report)?;
    ctx.out.note(&report.summary());
    report.outcome()
}
