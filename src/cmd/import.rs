//! `keyward import`: keys issued elsewhere — a dotenv or JSON file, a sops file, a pass
//! or passage store — all or nothing.

use std::path::PathBuf;

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::KeyName;
use crate::ops::hooks;
use crate::ops::import::{self, ImportFormat, ImportRequest, Peer, SopsType};

/// Import keys from a dotenv or JSON file, a sops file, or a pass or passage store, all
/// or nothing
///
/// Any bad line (invalid name, bad quoting, duplicate, empty value) imports nothing, and
/// the error names the line; a key given twice in a JSON object is refused the same way.
/// A key that exists is refused unless --overwrite, which adds a new version and retires
/// the old one; a value equal to any earlier version of that key is refused (exit 4) and
/// nothing is imported. A dotenv file may start with a UTF-8 byte order mark and use CRLF
/// line endings. Imported keys get new values from their provider: `rotate` reads them
/// from stdin. Each key's `import` event names its source (`sops:FILE`, `pass:PATH`).
/// An import is a write, signed like every other: a `read` member of an environment is
/// refused (exit 5) before anything is decrypted or written.
///
/// --from sops FILE: the file (dotenv, JSON or YAML, its type from its name or
/// --input-type) is decrypted by the real `sops` binary, so every key type sops supports
/// works (age, PGP, cloud KMS). keyward hands its own identity to sops in the child's
/// environment (SOPS_AGE_KEY_FILE for a plain identity file, SOPS_AGE_SSH_PRIVATE_KEY_FILE
/// for an SSH key, SOPS_AGE_KEY for a literal KEYWARD_IDENTITY) unless that variable is
/// set already; nothing is written to disk. Nested keys are joined with `_` (`db:
/// password:` becomes `db_password`, list items by index), and two keys that give one
/// name are refused naming both.
///
/// --from passage DIR and --from pass DIR: one key per entry. passage entries are age
/// files decrypted with the identity in use (no passage binary needed); pass entries go
/// through `gpg --decrypt --batch` (GNUPGHOME is respected). The entry's path becomes the
/// name: `stripe/api-key` gives `STRIPE_API_KEY` (`/`, `-` and `.` become `_`, letters
/// upper case). With --env-from-path the first folder names the environment
/// (`prod/stripe/api-key` goes to `prod` as `STRIPE_API_KEY`); with -e as well, only that
/// environment's folder is imported. Only the first line is the value (pass keeps notes
/// on the next lines) unless --whole-entry.
///
/// Entries whose names are not valid key names are listed with the name they would get,
/// and nothing is imported unless --rename-invalid. --dry-run prints what would be
/// created or overwritten, with each key's source, and changes nothing; it never prints a
/// value.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward import .env --format dotenv\n  keyward import -e prod secrets.json --format json --overwrite\n  op read op://vault/item/env | keyward import - --format dotenv\n  keyward import -e prod --from sops secrets.enc.yaml --dry-run\n  keyward import --from passage ~/.passage/store --env-from-path\n  keyward import -e prod --from pass ~/.password-store --env-from-path --rename-invalid"
)]
pub struct ImportArgs {
    /// The file to read (`-` for stdin), the sops file, or the store's directory
    #[arg(value_name = "FILE|DIR")]
    pub file: PathBuf,

    /// Input format of a plain file
    #[arg(
        long,
        value_enum,
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub format: Option<ImportFormat>,

    /// Read from a peer: a sops-encrypted file, or a pass or passage store
    #[arg(long, value_enum, value_name = "PEER")]
    pub from: Option<Peer>,

    /// With --from sops: the file's type, when its name does not end in .env, .json or
    /// .yaml
    #[arg(long, value_enum, requires = "from")]
    pub input_type: Option<SopsType>,

    /// With --from pass|passage: each entry's first folder names its environment
    #[arg(long, requires = "from")]
    pub env_from_path: bool,

    /// With --from pass|passage: the whole entry is the value, not only its first line
    #[arg(long, requires = "from")]
    pub whole_entry: bool,

    /// Import entries that are not valid key names under the names they would get
    #[arg(long)]
    pub rename_invalid: bool,

    /// Check everything and print what would be imported; change nothing
    #[arg(long)]
    pub dry_run: bool,

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
    let report = import::import(
        ctx,
        ImportRequest {
            file: args.file,
            format: args.format,
            from: args.from,
            input_type: args.input_type,
            env_from_path: args.env_from_path,
            whole_entry: args.whole_entry,
            rename_invalid: args.rename_invalid,
            dry_run: args.dry_run,
            overwrite: args.overwrite,
            hooks: args
                .rotate_with
                .into_iter()
                .map(|(name, cmd)| Ok((name, hooks::new_hook(cmd, None, ctx.now())?)))
                .collect::<Result<_>>()?,
        },
    )?;
    ctx.out.render(&report)
}
