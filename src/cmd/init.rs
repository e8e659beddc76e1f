//! `keyward init`: create the default identity (unless one is given) and the vault.

use std::fs;

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::audit::Action;
use crate::crypto::{self, IdentitySpec, RecipientString};
use crate::error::{Error, Result};
use crate::names::{EnvName, now_ms};
use crate::vault::paths::create_private_dir;
use crate::vault::{EnvDb, VaultPaths};

/// Create a vault with its environments, and a passphrase-protected identity
///
/// Without --identity/KEYWARD_IDENTITY, creates an X25519 identity protected by a
/// passphrase (asked twice on the terminal, or read from KEYWARD_PASSPHRASE_FILE /
/// KEYWARD_PASSPHRASE) as the default identity, and encrypts every environment to it.
/// With an identity given, encrypts the vault to that identity and creates no default
/// identity. Refuses to touch an existing vault.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward init\n  keyward init --envs dev,staging,prod\n  KEYWARD_IDENTITY=ci.key keyward init --recipient age1teammate…"
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
}

#[derive(Serialize)]
struct Created {
    vault: String,
    identity: Option<String>,
    recipient: String,
    envs: Vec<EnvName>,
}

pub fn run(args: InitArgs, ctx: &Context) -> Result<()> {
    let paths = &ctx.paths;
    if paths.exists() {
        return Err(Error::Refused(format!(
            "a vault already exists at `{}`; refusing to touch it\nhint: use --vault DIR for another vault",
            paths.root.display()
        )));
    }
    let mut envs = args.envs.clone();
    envs.sort();
    envs.dedup();
    if envs.is_empty() {
        return Err(Error::usage("--envs needs at least one environment"));
    }

    // The identity first: if it cannot be had, nothing is created.
    let (recipient, identity_path) = match &ctx.identity_spec {
        IdentitySpec::Default(path) if !path.exists() => {
            let pass =
                crypto::read_passphrase("Passphrase for the new keyward identity: ", true, path)?;
            let id = age::x25519::Identity::generate();
            crypto::write_protected_identity(path, &id, pass)?;
            ctx.out.note(&format!(
                "created identity `{}` (keep its passphrase safe)",
                path.display()
            ));
            (id.to_public().to_string(), Some(path.clone()))
        }
        IdentitySpec::Default(path) => (ctx.identity()?.recipient.clone(), Some(path.clone())),
        _ => (ctx.identity()?.recipient.clone(), None),
    };
    let actor = ctx.actor_for_recipient(&recipient)?;

    let mut recipients = vec![recipient.parse::<RecipientString>().map_err(Error::Other)?];
    for r in &args.recipients {
        if !recipients.contains(r) {
            recipients.push(r.clone());
        }
    }

    // Build the vault beside its final place and move it in at once, so a failure
    // halfway leaves no half-made vault behind.
    let parent = paths
        .root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| ".".into());
    create_private_dir(&parent)?;
    let staging_dir = parent.join(format!(
        ".{}.init-{}",
        paths
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vault".into()),
        std::process::id()
    ));
    let staging = VaultPaths::new(staging_dir.clone());
    let built = build(&staging, &envs, &recipients, &actor);
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&staging_dir);
        return Err(e);
    }
    if paths.root.exists() {
        // An empty directory someone made for us is fine; anything else is not ours.
        let empty = fs::read_dir(&paths.root)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            let _ = fs::remove_dir_all(&staging_dir);
            return Err(Error::Refused(format!(
                "`{}` exists and is not empty; refusing to put a vault there",
                paths.root.display()
            )));
        }
    }
    fs::rename(&staging_dir, &paths.root).map_err(|e| {
        let _ = fs::remove_dir_all(&staging_dir);
        Error::io("cannot create vault", &paths.root, e)
    })?;
    let _ = crate::vault::paths::sync_dir(&parent);

    let created = Created {
        vault: paths.root.display().to_string(),
        identity: identity_path.map(|p| p.display().to_string()),
        recipient: recipient.clone(),
        envs: envs.clone(),
    };
    if ctx.out.json {
        return ctx.out.json(&created);
    }
    let names: Vec<&str> = envs.iter().map(EnvName::as_str).collect();
    ctx.out.note(&format!(
        "created vault `{}` with environments {}",
        created.vault,
        names.join(", ")
    ));
    ctx.out
        .note("your recipient (share it so others can grant you access):");
    ctx.out.line(&recipient)
}

fn build(
    staging: &VaultPaths,
    envs: &[EnvName],
    recipients: &[RecipientString],
    actor: &crate::audit::Actor,
) -> Result<()> {
    create_private_dir(&staging.root)?;
    create_private_dir(&staging.envs_dir())?;
    create_private_dir(&staging.journal_dir())?;
    let now = now_ms();
    for env in envs {
        EnvDb::create(staging, env, |db| {
            for r in recipients {
                db.add_recipient(r, actor, now)?;
            }
            db.record(actor, Action::Init, None, None, None, now)
        })?;
    }
    Ok(())
}
