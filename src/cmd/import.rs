//! `keyward import`: keys issued elsewhere, from a dotenv or JSON file, all or nothing.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::hooks;
use crate::ops::issue::{self, Import, ImportFormat};

/// Import keys from a dotenv or JSON file (or `-` for stdin), all or nothing
///
/// Any bad line (invalid name, bad quoting, duplicate, empty value) imports nothing, and
/// the error names the line; a key given twice in a JSON object is refused the same way.
/// A key that exists is refused unless --overwrite, which adds a new version and retires
/// the old one; a value equal to any earlier version of that key is refused (exit 4) and
/// nothing is imported. A dotenv file may start with a UTF-8 byte order mark and use CRLF
/// line endings. Imported keys get new values from their provider: `rotate` reads them
/// from stdin.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward import .env --format dotenv\n  keyward import -e prod secrets.json --format json --overwrite\n  op read op://vault/item/env | keyward import - --format dotenv"
)]
pub struct ImportArgs {
    /// The file to read, or `-` for stdin
    pub file: PathBuf,

    /// Input format
    #[arg(long, value_enum)]
    pub format: ImportFormat,

    /// Add a new version to keys that already exist
    #[arg(long)]
    pub overwrite: bool,

    /// Give the key NAME of the file a rotation hook (a shell command; see `keyward hook
    /// --help`), approved on this machine; repeatable
    #[arg(long = "rotate-with", value_name = "NAME=CMD", value_parser = parse_hook)]
    pub rotate_with: Vec<(KeyName, String)>,
}

fn parse_hook(s: &str) -> std::result::Result<(KeyName, String), String> {
    let (name, cmd) = s
        .split_once('=')
        .ok_or("expected NAME=CMD, e.g. STRIPE_KEY=./roll-stripe.sh")?;
    Ok((name.parse()?, cmd.to_owned()))
}

pub fn run(args: ImportArgs, ctx: &Ui) -> Result<()> {
    let imported = issue::import(
        ctx,
        Import {
            file: args.file,
            format: args.format,
            overwrite: args.overwrite,
            hooks: args
                .rotate_with
                .into_iter()
                .map(|(name, cmd)| Ok((name, hooks::new_hook(cmd, None, ctx.now())?)))
                .collect::<Result<_>>()?,
        },
    )?;
    ctx.out.render(&imported)
}
