//! `keyward identity new | show`: make a plain identity for CI, show the one in use.

use std::path::PathBuf;

use age::secrecy::ExposeSecret;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Ui;
use crate::error::Result;
use crate::identity::{self, IdentitySpec};
use crate::output::{Output, Render};

/// Create a plain identity (for CI) or show the recipient of the identity in use
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward identity new --out ci.key\n  keyward identity show\n  keyward -i ~/.ssh/id_ed25519 identity show"
)]
pub struct IdentityArgs {
    #[command(subcommand)]
    pub command: IdentityCommand,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Write a fresh identity and print its public recipient
    ///
    /// With --out, the identity goes to FILE (created 0600, never overwritten) and the
    /// recipient to stdout. Without it, the identity itself is printed on stdout (as
    /// `age-keygen` does), for piping into a CI secret store, and the recipient on stderr.
    ///
    /// With --passphrase, the identity is protected by a passphrase (asked twice on the
    /// terminal, or KEYWARD_PASSPHRASE_FILE / KEYWARD_PASSPHRASE) and written to FILE, or
    /// by default to your default identity: how a person joins a team's existing vault.
    /// Send the printed recipient to someone with access, who runs `keyward access grant`.
    #[command(
        after_help = "Examples:\n  keyward identity new --passphrase          # join a team: your default identity\n  keyward identity new --out ci.key\n  keyward access grant \"$(keyward identity new --out ci.key)\" -e prod"
    )]
    New {
        /// Where to write the identity
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,

        /// Protect it with a passphrase (default FILE: your default identity)
        #[arg(long)]
        passphrase: bool,
    },
    /// Print the public recipient of the identity in use, and whether an agent serves it
    #[command(after_help = "Examples:\n  keyward identity show\n  keyward identity show --json")]
    Show,
}

#[derive(Serialize)]
struct Shown {
    recipient: String,
    source: String,
    via: String,
    agent: bool,
    /// The plugin binary of a plugin identity (`age-plugin-yubikey`), DESIGN §10.
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Option<String>,
}

pub fn run(args: IdentityArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        IdentityCommand::New {
            out,
            passphrase: true,
        } => {
            let path = match out {
                Some(p) => p,
                None => crate::fsutil::default_identity_path()?,
            };
            let recipient = identity::create_identity_file(&path, true)?;
            ctx.out.note(&format!(
                "wrote identity `{}` (passphrase-protected, mode 0600); ask someone with access to run `keyward access grant {recipient} -e ENV`",
                path.display()
            ));
            ctx.out.line(&recipient)
        }
        IdentityCommand::New {
            out: Some(path),
            passphrase: false,
        } => {
            let recipient = identity::create_identity_file(&path, false)?;
            ctx.out
                .note(&format!("wrote identity `{}` (mode 0600)", path.display()));
            ctx.out.line(&recipient)
        }
        IdentityCommand::New {
            out: None,
            passphrase: false,
        } => {
            // No file: the secret key goes to stdout, once, for a CI secret variable.
            let id = age::x25519::Identity::generate();
            ctx.out.note(&format!("public key: {}", id.to_public()));
            ctx.out.line(id.to_string().expose_secret())
        }
        IdentityCommand::Show => {
            let id = ctx.identity()?;
            let source = match &ctx.identity_spec {
                IdentitySpec::Literal(_) => "KEYWARD_IDENTITY (literal)".to_owned(),
                IdentitySpec::File(p) | IdentitySpec::Default(p) => p.display().to_string(),
            };
            let shown = Shown {
                recipient: id.recipient.clone(),
                source,
                via: id.via.as_str().to_owned(),
                agent: id.via == crate::audit::Via::Agent,
                plugin: id.plugin.clone(),
            };
            ctx.out.render(&shown)
        }
    }
}

impl Render for Shown {
    /// The recipient on stdout (for `$(keyward identity show)`), the rest on stderr.
    fn human(&self, out: &Output) -> Result<()> {
        out.line(&self.recipient)?;
        out.note(&format!("identity: {}", self.source));
        if let Some(plugin) = &self.plugin {
            out.note(&format!(
                "unlocked by: plugin `{plugin}` (a hardware-backed identity: every decryption asks the plugin, and the token its PIN or touch)"
            ));
        } else if self.agent {
            out.note("unlocked by: the keyward agent (`keyward lock` ends it)");
        } else {
            out.note(&format!("unlocked by: {}", self.via));
        }
        Ok(())
    }
}
