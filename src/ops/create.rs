//! Creating the vault (`init`) and adding an environment (`env add`). A new environment
//! is encrypted to the identity in use first, then to each other recipient named, and
//! holds its creation event from its first commit on.

use serde::Serialize;

use crate::audit::{Action, Actor};
use crate::error::{Error, Result};
use crate::identity::IdentitySpec;
use crate::names::EnvName;
use crate::ops::Context;
use crate::recipient::RecipientString;
use crate::vault::{self, Tx};

/// `init`: the environments to create and the recipients besides the identity in use.
pub struct CreateVault {
    pub envs: Vec<EnvName>,
    pub recipients: Vec<RecipientString>,
}

/// What `init` made, as `init --json` prints it.
#[derive(Serialize)]
pub struct VaultCreated {
    pub vault: String,
    pub identity: Option<String>,
    pub recipient: String,
    pub envs: Vec<EnvName>,
    /// DESIGN §9: what `git setup` wrote, when the vault was created in a git work tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<crate::ops::git::GitSetUp>,
}

/// Create the vault: the default identity first when there is none (if it cannot be
/// had, nothing is created), then every environment, moved into place at once.
pub fn create_vault(ctx: &Context, req: CreateVault) -> Result<VaultCreated> {
    vault::create::ensure_no_vault(&ctx.paths)?;
    // DESIGN §10: refused before anything (the default identity included) is made.
    crate::plugin::require_plugins(&req.recipients)?;
    let mut envs = req.envs;
    envs.sort();
    envs.dedup();
    if envs.is_empty() {
        return Err(Error::usage("--envs needs at least one environment"));
    }

    let (recipient, identity_path) = match &ctx.identity_spec {
        IdentitySpec::Default(path) if !path.exists() => {
            let recipient = crate::identity::create_identity_file(path, true)?;
            // Said now, not in the report: the file exists even if the vault fails.
            ctx.out.note(&format!(
                "created identity `{}` (keep its passphrase safe)",
                path.display()
            ));
            (recipient, Some(path.clone()))
        }
        IdentitySpec::Default(path) => (ctx.identity()?.recipient.clone(), Some(path.clone())),
        _ => (ctx.identity()?.recipient.clone(), None),
    };
    let actor = ctx.actor_for_recipient(&recipient)?;
    // Our own recipient, parsed like any other: it may come from an agent's answer.
    let me: RecipientString = recipient
        .parse()
        .map_err(|_| Error::InvalidStoredRecipient {
            recipient: recipient.clone(),
        })?;
    let recipients = with_extra(me, req.recipients);
    let now = ctx.now();
    vault::create::create_vault(&ctx.paths, &envs, |tx| {
        first_rows(tx, &recipients, &actor, Action::Init, now)
    })?;
    ctx.created(&envs)?;
    // The vault exists now whatever git says: a failed setup is a warning with the
    // command that retries it, not a failed `init`.
    let git = match crate::ops::git::setup_if_in_git(ctx) {
        Ok(done) => done,
        Err(e) => {
            ctx.out.warn(&format!(
                "the vault is inside a git work tree but setting git up failed: {}\nhint: run `keyward git setup`",
                e.to_string().lines().next().unwrap_or("")
            ));
            None
        }
    };
    Ok(VaultCreated {
        vault: ctx.paths.root.display().to_string(),
        identity: identity_path.map(|p| p.display().to_string()),
        recipient,
        envs,
        git,
    })
}

/// `env add`: the new environment and the recipients besides the identity in use.
pub struct AddEnv {
    pub name: EnvName,
    pub recipients: Vec<RecipientString>,
}

/// What `env add` made, as `env add --json` prints it.
#[derive(Serialize)]
pub struct EnvAdded {
    pub env: EnvName,
    pub recipients: Vec<RecipientString>,
}

pub fn add_env(ctx: &Context, req: AddEnv) -> Result<EnvAdded> {
    vault::create::ensure_new_env(&ctx.paths, &req.name)?;
    crate::plugin::require_plugins(&req.recipients)?;
    let identity = ctx.identity()?;
    let actor = ctx.actor()?;
    let recipients = with_extra(identity.recipient_string()?, req.recipients);
    let now = ctx.now();
    vault::create::create_env(&ctx.paths, &req.name, |tx| {
        first_rows(tx, &recipients, &actor, Action::EnvAdd, now)
    })?;
    ctx.created(std::slice::from_ref(&req.name))?;
    crate::ops::access::warn_hardware(ctx, &req.name, &recipients);
    Ok(EnvAdded {
        env: req.name,
        recipients,
    })
}

/// `mine` first, then each other recipient once.
fn with_extra(mine: RecipientString, extra: Vec<RecipientString>) -> Vec<RecipientString> {
    let mut all = vec![mine];
    for r in extra {
        if !all.contains(&r) {
            all.push(r);
        }
    }
    all
}

/// The rows a new environment starts with: its recipients and its creation event.
fn first_rows(
    tx: &Tx<'_>,
    recipients: &[RecipientString],
    actor: &Actor,
    action: Action,
    now: i64,
) -> Result<()> {
    for r in recipients {
        tx.add_recipient(r, actor, now)?;
    }
    tx.record(actor, action, None, None, None, now)
}
