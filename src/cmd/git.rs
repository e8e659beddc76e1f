//! `keyward git`: keep the vault in a git repository (DESIGN §9).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ui;
use crate::error::Result;
use crate::names::{Dur, KeyName};
use crate::ops::git;

/// Keep the vault in git: attributes, ignores, readable diffs
///
/// `keyward git setup` prepares the repository that holds the vault: it writes
/// `.gitattributes` (env files are binary: a conflict, never a line merge of
/// ciphertext) and `.gitignore` (`journal/`, `*.lock`, `*.tmp`: each machine's own) in
/// the vault, to be committed; and, local to this clone, `.git/info/attributes` and
/// `git config --local` entries that send env files through keyward for diffs
/// (`git textconv`) and merges (`git merge`). Run it once in every clone; `init` runs
/// it when the vault is created inside a git work tree. It changes only what is
/// missing, and commits nothing.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward git setup\n  git log -p -- vault/envs/prod.db.age    # key names and events, never a value"
)]
pub struct GitArgs {
    #[command(subcommand)]
    pub command: GitCommand,
}

#[derive(Debug, Subcommand)]
pub enum GitCommand {
    Setup(SetupArgs),
    Textconv(TextconvArgs),
    Merge(MergeArgs),
    Resolve(ResolveArgs),
}

/// Write the vault's git attributes and ignores, and this clone's diff and merge config
///
/// Needs the vault inside a git work tree. Idempotent: lines already there are kept,
/// missing ones added. `keyward` must be on PATH for git to run it (else the absolute
/// path of this binary is written).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward git setup                      # once per clone\n  keyward --vault ops/vault git setup    # a vault elsewhere in the repository"
)]
pub struct SetupArgs {}

/// Print an env file's keys, versions, recipients and events, never a value (what git
/// shows in diffs)
///
/// Run by git for `git diff` and `git log -p`. The first line says whether the file's
/// signed history verifies, as any command checks it: `# DOES NOT VERIFY: …` for a file
/// changed without a signature (edited by hand) or an unsigned-history; its rows follow.
/// Each recipient shows with their role. Never asks for anything: without an
/// identity that can open the file (or with a passphrase and no agent), prints one
/// `keyward: cannot decrypt (…)` line, naming the file by its SHA-256 and size so that
/// a change still shows, and succeeds.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward git textconv vault/envs/prod.db.age   # what `git diff` shows for it"
)]
pub struct TextconvArgs {
    /// The env file (ciphertext) git hands over
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Merge driver for env files: merges by meaning (git runs it)
///
/// Decrypts BASE, OURS and THEIRS in memory, merges keys, versions, recipients and
/// events, and writes the result into OURS encrypted to the merged recipients; never
/// plaintext on disk. When both sides gave a key a new value, both are kept (the later
/// active) until `keyward git resolve`. When it cannot merge (a side that does not
/// extend BASE's history, an env file it cannot open), it leaves OURS as it is and
/// exits non-zero, so git reports a conflict.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward git merge %O %A %B %P   # as git runs it (merge.keyward.driver)"
)]
pub struct MergeArgs {
    /// The common ancestor (%O)
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// Our version (%A); the result would be written here
    #[arg(value_name = "OURS")]
    pub ours: PathBuf,
    /// Their version (%B)
    #[arg(value_name = "THEIRS")]
    pub theirs: PathBuf,
    /// The file's path in the repository (%P)
    #[arg(value_name = "PATH")]
    pub path: String,
}

/// Pick one of the values a merge kept for KEY (when both sides gave it a new value)
///
/// The active (newest) value stays; the other values a merge kept side by side retire
/// at once, or after `--grace` (time to deploy the kept value). To use another value,
/// rotate the key instead.
/// `check` reports such a key until it is resolved or rotated.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward git resolve -e prod STRIPE_KEY                # keep the active (newest) value\n  keyward git resolve -e prod STRIPE_KEY --keep 5 --grace 1d   # only if v5 is it; v4 verifies a day more"
)]
pub struct ResolveArgs {
    /// The key a merge left with two values
    #[arg(value_name = "KEY")]
    pub name: KeyName,
    /// Resolve only if this is the active version (what you reviewed); an older value
    /// cannot be kept: versions are never renumbered (pins name values by number)
    #[arg(long, value_name = "N")]
    pub keep: Option<u32>,
    /// How long the other values still verify (default: they retire at once; in
    /// `prod`/`production` a terminal asks first)
    #[arg(long, value_name = "DUR")]
    pub grace: Option<Dur>,
    /// Do not ask before retiring the other values at once in production
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: GitArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        GitCommand::Setup(_) => {
            let done = git::setup(ctx)?;
            ctx.out.render(&done)
        }
        GitCommand::Textconv(a) => {
            let text = git::textconv(ctx, &a.file)?;
            ctx.out.render(&text)
        }
        GitCommand::Merge(a) => {
            let merged = git::merge(
                ctx,
                git::Merge {
                    base: a.base,
                    ours: a.ours,
                    theirs: a.theirs,
                    path: a.path,
                },
            )?;
            ctx.out.render(&merged)
        }
        GitCommand::Resolve(a) => {
            // DESIGN §16: in production, no grace is asked about first, offering one.
            if !a.yes
                && std::io::IsTerminal::is_terminal(&std::io::stdin())
                && let Some(q) = crate::ops::no_grace::resolve_question(ctx, &a.name, a.grace)?
            {
                super::confirm::confirm(&ctx.out, &q)?;
            }
            let resolved = git::resolve(
                ctx,
                git::Resolve {
                    name: a.name,
                    keep: a.keep,
                    grace: a.grace,
                },
            )?;
            ctx.out.render(&resolved)
        }
    }
}
