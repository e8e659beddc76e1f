//! `keyward identity new | show | signing-key`: make a plain identity for CI, show the
//! one in use (its member card), make a hardware identity's signing key.

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
    /// Print your member card: the public recipient and signing key of the identity
    /// in use, which an admin grants (`access grant CARD`)
    ///
    /// Every write is signed (DESIGN §15): an age identity signs with a key derived from
    /// it, an ssh-ed25519 key with itself, a hardware (plugin) identity with a separate
    /// key (`identity signing-key`). The card carries that key and, for an age identity,
    /// a proof made with the identity that the key is yours. --recipient prints only the
    /// recipient.
    #[command(
        after_help = "Examples:\n  keyward identity show\n  keyward identity show --recipient\n  keyward identity show --json"
    )]
    Show {
        /// Print only the recipient
        #[arg(long)]
        recipient: bool,
    },
    /// Create the signing key of a hardware (plugin) identity, beside it
    ///
    /// A plugin identity decrypts in its token but cannot sign writes (DESIGN §15): it
    /// signs with a separate Ed25519 key, kept passphrase-protected next to the identity
    /// file (`IDENTITY.signing`, or --out FILE; KEYWARD_SIGNING_KEY names it when the
    /// identity is given as text). Prints the member card for an admin to grant: a
    /// plugin card carries no proof, so the admin vouches for it.
    #[command(
        after_help = "Examples:\n  keyward -i yubikey.txt identity signing-key\n  KEYWARD_SIGNING_KEY=~/.config/keyward/yk.signing keyward identity signing-key"
    )]
    SigningKey {
        /// Where to write it [default: beside the identity file]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Serialize)]
struct Shown {
    recipient: String,
    /// The member card (DESIGN §15); null when this identity cannot sign.
    card: Option<String>,
    /// The signing key, hex; null when this identity cannot sign.
    signing_key: Option<String>,
    /// Why it cannot sign, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    cannot_sign: Option<String>,
    #[serde(skip)]
    only_recipient: bool,
    source: String,
    via: String,
    agent: bool,
    /// The plugin binary of a plugin identity (`age-plugin-yubikey`), DESIGN §10.
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Option<String>,
    /// DESIGN §18: what a hardware identity's agent holds (counts, never keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_holds: Option<crate::ops::touch::AgentHolds>,
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
            let (recipient, _) = identity::create_identity_file(&path, true)?;
            crate::ops::team::warn_identity_in_work_tree(ctx, &path);
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
            let (recipient, _) = identity::create_identity_file(&path, false)?;
            crate::ops::team::warn_identity_in_work_tree(ctx, &path);
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
        IdentityCommand::SigningKey { out } => {
            let id = ctx.identity()?;
            if id.plugin.is_none() {
                return Err(crate::error::Error::usage(
                    "only a hardware (plugin) identity has a separate signing key; an age or ssh-ed25519 identity signs with its own (`keyward identity show` prints its card)",
                ));
            }
            let file = match &ctx.identity_spec {
                IdentitySpec::File(p) | IdentitySpec::Default(p) => Some(p.as_path()),
                IdentitySpec::Literal(_) => None,
            };
            let path = out
                .or_else(|| identity::plugin_signing_key_path(file))
                .ok_or_else(|| {
                    crate::error::Error::usage(
                        "the identity is given as text: say where the signing key goes with --out FILE, and set KEYWARD_SIGNING_KEY to it",
                    )
                })?;
            let key = identity::create_signing_key_file(&path)?;
            let card = crate::signing::Card {
                recipient: id.recipient_string()?.to_string(),
                key,
                proof: None,
            };
            ctx.out.note(&format!(
                "wrote signing key `{}` (passphrase-protected, mode 0600); give your card to an admin: keyward access grant CARD -e ENV",
                path.display()
            ));
            ctx.out.line(&card.to_string())
        }
        IdentityCommand::Show { recipient } => {
            let id = ctx.identity()?;
            let source = match &ctx.identity_spec {
                IdentitySpec::Literal(_) => "KEYWARD_IDENTITY (literal)".to_owned(),
                IdentitySpec::File(p) | IdentitySpec::Default(p) => p.display().to_string(),
            };
            let card = if recipient { None } else { Some(id.card()) };
            let (card, cannot_sign) = match card {
                None => (None, None),
                Some(Ok(c)) => (Some(c), None),
                Some(Err(e)) => (None, Some(e.to_string())),
            };
            let shown = Shown {
                signing_key: card.as_ref().map(|c| hex::encode(c.key)),
                card: card.map(|c| c.to_string()),
                cannot_sign,
                only_recipient: recipient,
                recipient: id.recipient.clone(),
                source,
                via: id.via.as_str().to_owned(),
                agent: id.via == crate::audit::Via::Agent || id.file_keys().is_some(),
                plugin: id.plugin.clone(),
                agent_holds: match id.file_keys() {
                    Some(_) => crate::ops::touch::agent_holds(ctx)?,
                    None => None,
                },
            };
            ctx.out.render(&shown)
        }
    }
}

impl Render for Shown {
    /// The recipient on stdout (for `$(keyward identity show)`), the rest on stderr.
    fn human(&self, out: &Output) -> Result<()> {
        match (&self.card, self.only_recipient) {
            (Some(card), false) => {
                out.line(card)?;
                out.note(&format!("recipient: {}", self.recipient));
            }
            _ => out.line(&self.recipient)?,
        }
        if let Some(why) = &self.cannot_sign {
            out.warn(&format!(
                "no member card: {}",
                why.lines().next().unwrap_or_default()
            ));
        }
        out.note(&format!("identity: {}", self.source));
        if let (Some(plugin), Some(holds)) = (&self.plugin, &self.agent_holds) {
            let per_env: Vec<String> = holds
                .file_keys
                .iter()
                .map(|(env, n)| format!("{env}: {n}"))
                .collect();
            let total: u32 = holds.file_keys.values().sum::<u32>() + holds.elsewhere;
            out.note(&format!(
                "unlocked by: plugin `{plugin}` through the keyward agent, which holds {total} file key{} ({}{}) and {} signing key, never the key in the token (`keyward lock` drops them)",
                if total == 1 { "" } else { "s" },
                if per_env.is_empty() { "none for this vault".to_owned() } else { per_env.join(", ") },
                if holds.elsewhere > 0 { format!("; {} for other vaults", holds.elsewhere) } else { String::new() },
                if holds.signing_key { "your" } else { "no" },
            ));
        } else if let Some(plugin) = &self.plugin {
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
