//! The command line (DESIGN §6): global flags and one subcommand per module in `cmd`.
//! `Cli::command()` is the single source for `--help`, the man pages and completions.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::names::EnvName;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "An age-encrypted vault for API keys: generate, inject, rotate, revoke, scan and audit",
    long_about = "keyward keeps API keys in an age-encrypted SQLite vault, one encrypted file per \
environment (dev, test, prod). It generates keys with a CSPRNG, injects them into commands, \
rotates, expires and revokes them, scans code for leaks and keeps a tamper-evident audit trail.\n\n\
Values never come from the command line: `set`, `rotate` of an imported key and `verify` read \
them from stdin or a hidden prompt.",
    after_help = "Examples:\n  keyward init\n  keyward generate STRIPE_KEY --scope payments --rotate-every 90d\n  keyward get STRIPE_KEY\n  keyward run -e prod -- ./deploy.sh\n  keyward list --all-envs"
)]
pub struct Cli {
    /// Vault directory [default: $XDG_DATA_HOME/keyward/vault]
    #[arg(
        long,
        global = true,
        env = "KEYWARD_VAULT",
        value_name = "DIR",
        hide_env_values = true
    )]
    pub vault: Option<PathBuf>,

    /// Identity file: a plain or passphrase-protected age identity, or an SSH private key. A literal AGE-SECRET-KEY-1… is refused here (argv is visible to every process): put it in KEYWARD_IDENTITY instead
    #[arg(
        short = 'i',
        long,
        global = true,
        env = "KEYWARD_IDENTITY",
        value_name = "IDENTITY",
        hide_env_values = true
    )]
    pub identity: Option<String>,

    /// Environment to act on [default: dev]
    #[arg(
        short = 'e',
        long = "env",
        global = true,
        env = "KEYWARD_ENV",
        value_name = "ENV",
        hide_env_values = true
    )]
    pub env: Option<EnvName>,

    /// The trust root every environment's signed history must have (`keyward trust root`
    /// prints it): a fingerprint, or several separated by commas. Pin it in CI: a
    /// repository rewritten from another start is then refused (exit 6)
    #[arg(
        long,
        global = true,
        env = "KEYWARD_TRUST_ROOT",
        value_name = "FINGERPRINT",
        hide_env_values = true
    )]
    pub trust_root: Option<String>,

    /// Print data as JSON
    #[arg(long, global = true)]
    pub json: bool,

    /// Print no notes on stderr (errors and warnings still show)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(cmd::init::InitArgs),
    Identity(cmd::identity::IdentityArgs),
    Unlock(cmd::unlock::UnlockArgs),
    Lock(cmd::unlock::LockArgs),
    Env(cmd::env::EnvArgs),
    Generate(cmd::generate::GenerateArgs),
    Set(cmd::set::SetArgs),
    Get(cmd::get::GetArgs),
    List(cmd::list::ListArgs),
    Show(cmd::show::ShowArgs),
    Rotate(cmd::rotate::RotateArgs),
    Revoke(cmd::revoke::RevokeArgs),
    Rename(cmd::rename::RenameArgs),
    Delete(cmd::delete::DeleteArgs),
    Verify(cmd::verify::VerifyArgs),
    Check(cmd::check::CheckArgs),
    Run(cmd::run::RunArgs),
    Export(cmd::export::ExportArgs),
    Import(cmd::import::ImportArgs),
    Audit(cmd::audit::AuditArgs),
    Access(cmd::access::AccessArgs),
    Offboard(cmd::offboard::OffboardArgs),
    Trust(cmd::trust::TrustArgs),
    Git(cmd::git::GitArgs),
    Scan(cmd::scan::ScanArgs),
    Completions(cmd::completions::CompletionsArgs),
    Render(cmd::render::RenderArgs),
    Hook(cmd::hook::HookArgs),
    Verifier(cmd::verifier::VerifierArgs),
}
