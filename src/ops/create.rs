//! Creating the vault (`init`) and adding an environment (`env add`). A new environment
//! is encrypted to the identity in use first, then to each other recipient named, and
//! holds its creation event from its first commit on.

use serde::Serialize;

use crate::audit::{Action, Actor};
use crate::error::{Error, Result, TeamError};
use crate::identity::IdentitySpec;
use crate::names::EnvName;
use crate::ops::Context;
use crate::recipient::RecipientString;
use crate::vault::{self, Tx};

/// `init`: the environments to create and the recipients besides the identity in use.
pub struct CreateVault {
    pub envs: Vec<EnvName>,
    pub recipients: Vec<RecipientString>,
    /// DESIGN §15: co-founders who are admins from the start (and part of the trust
    /// root when their card binds their signing key).
    pub admins: Vec<crate::ops::access::Grantee>,
    /// `--name`: the founder's label (DESIGN §16).
    pub name: Option<crate::audit::Label>,
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

    let mut fresh = None;
    let (recipient, identity_path) = match &ctx.identity_spec {
        IdentitySpec::Default(path) if !path.exists() => {
            let (recipient, identity) = crate::identity::create_identity_file(path, true)?;
            fresh = Some(identity);
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
    let admins = admin_keys(&req.admins)?;
    let now = ctx.now();
    // DESIGN §15: the founder signs each new environment as its first admin.
    let fresh_signer = fresh
        .as_ref()
        .map(|id| {
            crate::identity::KeySigner::of_x25519(id)
                .ok_or(Error::Internal("a new identity without its secret form"))
        })
        .transpose()?;
    let signing = match &fresh_signer {
        Some(signer) => crate::vault::signed::Signing {
            signer,
            recipient: &recipient,
            actor: &actor,
            now,
        },
        None => ctx.signing(&actor)?,
    };
    vault::create::create_vault(&ctx.paths, &envs, &signing, |tx| {
        first_rows(tx, &recipients, &admins, &actor, Action::Init, now)?;
        if let Some(l) = &req.name {
            tx.set_label(&recipients[0], l)?;
        }
        Ok(())
    })?;
    // Built aside and moved into place, the environments are pinned now: this machine
    // made them, nothing here is a first use. (Not with a hardware identity: a touch
    // per environment is not worth it; its first read pins, saying so.)
    for env in &envs {
        match &fresh {
            Some(id) => drop(vault::EnvDb::open_read(&ctx.paths, env, id)?),
            None if ctx.identity()?.plugin.is_none() => drop(vault::EnvDb::open_read(
                &ctx.paths,
                env,
                ctx.identity()?.as_age(),
            )?),
            None => {}
        }
    }
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
    // DESIGN §16: `init` in a repository without a vault makes the personal one; say
    // how a team's vault would live in this repository instead.
    if ctx.located.source == crate::vault::discover::Source::Personal
        && let Some(top) = std::env::current_dir()
            .ok()
            .and_then(|cwd| crate::vault::discover::work_tree_top(&cwd))
        && crate::vault::discover::work_tree_top(&ctx.paths.root).is_none()
    {
        ctx.out.note(&format!(
            "this is your personal vault, outside the git work tree `{}`\nhint: to keep a team's vault in this repository instead: `keyward init --vault vault` at its top",
            top.display()
        ));
    }
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
    /// Recipients, or labels of members of other environments (DESIGN §16).
    pub recipients: Vec<crate::ops::people::Person>,
    /// Admins besides you (DESIGN §15).
    pub admins: Vec<crate::ops::access::Grantee>,
}

/// What `env add` made, as `env add --json` prints it.
#[derive(Serialize)]
pub struct EnvAdded {
    pub env: EnvName,
    pub recipients: Vec<RecipientString>,
}

pub fn add_env(ctx: &Context, req: AddEnv) -> Result<EnvAdded> {
    vault::create::ensure_new_env(&ctx.paths, &req.name)?;
    // DESIGN §8: creating it is the decision `trust` would ask for; said, not silent.
    if let Error::Team(TeamError::EnvGone { seq, .. }) = ctx.paths.missing_env(&req.name) {
        ctx.out.note(&format!(
            "this machine read an earlier `{}` (up to event {seq}) whose file is gone: the new environment takes its place here, and the old one's access journal is kept aside beside this machine's pins",
            req.name
        ));
    }
    // Labels name members of the other environments: they come with their label.
    let mut labelled = Vec::new();
    let mut named = Vec::new();
    let others = if req.recipients.iter().any(|p| p.recipient().is_none()) {
        ctx.open_all_envs()?.0
    } else {
        Vec::new()
    };
    for p in &req.recipients {
        let found = p.resolve_among(ctx, &others)?;
        if let Some(l) = found
            .label
            .as_deref()
            .and_then(|l| l.parse::<crate::audit::Label>().ok())
        {
            labelled.push((found.recipient.clone(), l));
        }
        named.push(found.recipient);
    }
    drop(others);
    // DESIGN §16: a label names one member; two carried from other environments may
    // read the same (`Alice`, `alice`).
    for (i, (r, l)) in labelled.iter().enumerate() {
        if let Some((other, _)) = labelled[..i]
            .iter()
            .find(|(o, ol)| o != r && crate::audit::Label::same_as(ol.as_str(), l.as_str()))
        {
            return Err(Error::usage(format!(
                "`{l}` would name two members of `{}` ({} and {}): a label names one member\nhint: give one of them another label in its environment first (`keyward access grant -e ENV RECIPIENT --name …`), or name them by recipient",
                req.name,
                crate::recipient::short_recipient(other.as_str()),
                crate::recipient::short_recipient(r.as_str())
            )));
        }
    }
    crate::plugin::require_plugins(&named)?;
    let identity = ctx.identity()?;
    let actor = ctx.actor()?;
    let recipients = with_extra(identity.recipient_string()?, named);
    let admins = admin_keys(&req.admins)?;
    let now = ctx.now();
    vault::create::create_env(&ctx.paths, &req.name, &ctx.signing(&actor)?, |tx| {
        first_rows(tx, &recipients, &admins, &actor, Action::EnvAdd, now)?;
        for (r, l) in &labelled {
            tx.set_label(r, l)?;
        }
        Ok(())
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

/// `--admin` co-founders with the signing key each card binds (checked: a card whose
/// proof fails is refused before anything is made).
fn admin_keys(
    admins: &[crate::ops::access::Grantee],
) -> Result<Vec<(RecipientString, Option<crate::ops::access::CardKey>)>> {
    admins
        .iter()
        .map(|a| Ok((a.recipient.clone(), a.key()?.0)))
        .collect()
}

/// The rows a new environment starts with: its recipients (the co-founding admins
/// with their roles and keys) and its creation event.
fn first_rows(
    tx: &Tx<'_>,
    recipients: &[RecipientString],
    admins: &[(RecipientString, Option<crate::ops::access::CardKey>)],
    actor: &Actor,
    action: Action,
    now: i64,
) -> Result<()> {
    for r in recipients {
        tx.add_recipient(r, actor, now)?;
    }
    for (r, key) in admins {
        tx.add_recipient(r, actor, now)?;
        tx.set_role(r.as_str(), crate::codes::Role::Admin)?;
        if let Some(k) = key {
            tx.bind_key(r.as_str(), &k.key, k.proof.as_ref())?;
        }
    }
    tx.record(actor, action, None, None, None, now)
}
