//! `keyward init`: create the default identity (unless one is given) and the vault.

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::names::EnvName;
use crate::ops::{self, create::CreateVault};
use crate::recipient::RecipientString;

/// Create a vault with its environments, and a passphrase-protected identity
///
/// Without --identity/KEYWARD_IDENTITY, creates an X25519 identity protected by a
/// passphrase (asked twice on the terminal, or read from KEYWARD_PASSPHRASE_FILE /
/// KEYWARD_PASSPHRASE) as the default identity, and encrypts every environment to it.
/// With an identity given, encrypts the vault to that identity and creates no default
/// identity. Refuses to touch an existing vault.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward init\n  keyward init --envs dev,staging,prod\n  KEYWARD_IDENTITY=ci.key keyward init --recipient age1teammate…\n  keyward init --name 'Ana (backend)'"
)]
pub struct InitArgs {
    /// Environments to create, comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "dev,test,prod",
        value_name = "ENVS"
    )]
    pub envs: Vec<EnvName>,

    /// Another recipient for every environment (repeatable): `age1…` or an SSH public key
    #[arg(long = "recipient", value_name = "R")]
    pub recipients: Vec<RecipientString>,

    /// A co-founding admin for every environment (repeatable): their member card
    /// (`keyward identity show`) or recipient. With you, they make the trust root
    #[arg(long = "admin", value_name = "CARD|R")]
    pub admins: Vec<crate::ops::access::Grantee>,

    /// Your label (1-64 printable characters) in every environment: messages and the
    /// audit trail name you `LABEL (age1…)`, and others can type it instead of your
    /// recipient
    #[arg(long, value_name = "LABEL")]
    pub name: Option<crate::audit::Label>,
}

pub fn run(args: InitArgs, ctx: &Ui) -> Result<()> {
    let created = ops::create::create_vault(
        ctx,
        CreateVault {
            envs: args.envs,
            recipients: args.recipients,
            admins: args.admins,
            name: args.name,
        },
    )?;
    ctx.out.render(&created)
}
