//! One module per command, and the `Context` they share: where the vault is, which
//! identity and environment are in use, and how to print.

pub mod access;
pub mod audit;
pub mod check;
pub mod completions;
pub mod env;
pub mod export;
pub mod generate;
pub mod get;
pub mod identity;
pub mod import;
pub mod init;
pub mod list;
pub mod offboard;
pub mod revoke;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod set;
pub mod show;
pub mod unlock;
pub mod verify;

use std::cell::OnceCell;

use clap::Args;

use crate::audit::{Access, Actor};
use crate::cli::{Cli, Command};
use crate::crypto::{IdentitySpec, Unlocked, load_identity};
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, When};
use crate::output::Output;
use crate::vault::journal::Journal;
use crate::vault::paths::{default_identity_path, default_vault_dir};
use crate::vault::{EnvDb, NewKey, VaultPaths};

/// Environments the identity cannot open, with why.
pub type Skipped = Vec<(EnvName, Error)>;

/// What every command needs: resolved once from the global flags.
pub struct Context {
    pub paths: VaultPaths,
    pub env: EnvName,
    /// Whether `-e`/`KEYWARD_ENV` was given (`scan` covers every environment otherwise).
    pub env_explicit: bool,
    pub identity_spec: IdentitySpec,
    identity: OnceCell<Unlocked>,
    pub out: Output,
}

impl Context {
    pub fn new(cli: &Cli) -> Result<Context> {
        let root = match &cli.vault {
            Some(p) if !p.as_os_str().is_empty() => p.clone(),
            _ => default_vault_dir()?,
        };
        let default_identity = default_identity_path()?;
        let identity_spec = match &cli.identity {
            Some(s) => IdentitySpec::from_arg(s, default_identity),
            None => IdentitySpec::Default(default_identity),
        };
        // A literal secret key in argv is visible to every process on the machine.
        if let (IdentitySpec::Literal(_), Some(given)) = (&identity_spec, &cli.identity)
            && std::env::var("KEYWARD_IDENTITY").ok().as_deref() != Some(given.as_str())
        {
            return Err(Error::usage(
                "refusing a secret key on the command line, where every process can read it\nhint: put it in KEYWARD_IDENTITY, or in a 0600 file passed with --identity FILE",
            ));
        }
        Ok(Context {
            paths: VaultPaths::new(root),
            env: cli
                .env
                .clone()
                .unwrap_or_else(|| "dev".parse().expect("valid")),
            env_explicit: cli.env.is_some(),
            identity_spec,
            identity: OnceCell::new(),
            out: Output::new(cli.json, cli.quiet),
        })
    }

    /// The identity in use, unlocked on first need: a running agent first (for the
    /// default identity), then the file, asking for its passphrase if it has one.
    pub fn identity(&self) -> Result<&Unlocked> {
        if let Some(id) = self.identity.get() {
            return Ok(id);
        }
        let id = match &self.identity_spec {
            IdentitySpec::Default(path) | IdentitySpec::File(path) => {
                match crate::agent::client_for(path)? {
                    Some(agent) => agent,
                    None => load_identity(&self.identity_spec)?,
                }
            }
            spec => load_identity(spec)?,
        };
        Ok(self.identity.get_or_init(|| id))
    }

    pub fn actor(&self) -> Result<Actor> {
        Ok(Actor::current(self.identity()?))
    }

    /// The actor for `init` when it has just created the identity (not unlocked it).
    pub fn actor_for_recipient(&self, recipient: &str) -> Result<Actor> {
        match self.identity.get() {
            Some(id) => Ok(Actor::current(id)),
            None => Ok(Actor::named(recipient, "passphrase")),
        }
    }

    /// Open the current environment read-only (no writer lock).
    pub fn open_env(&self) -> Result<EnvDb> {
        self.open_env_named(&self.env)
    }

    pub fn open_env_named(&self, env: &EnvName) -> Result<EnvDb> {
        self.paths.require()?;
        EnvDb::open_read(&self.paths, env, self.identity()?.as_age())
    }

    /// Open the current environment for a read-modify-write (writer lock held).
    pub fn write_env(&self) -> Result<EnvDb> {
        self.write_env_named(&self.env)
    }

    pub fn write_env_named(&self, env: &EnvName) -> Result<EnvDb> {
        self.paths.require()?;
        let identity = self.identity()?;
        EnvDb::open_write(&self.paths, env, identity.as_age())
    }

    /// Record an access event in the journal, durably, before a value leaves the
    /// process (DESIGN §5: fail closed).
    pub fn audit(
        &self,
        db: &EnvDb,
        access: Access,
        key: Option<&KeyName>,
        version: Option<u32>,
        outcome: &str,
    ) -> Result<()> {
        let actor = self.actor()?;
        let canon = crate::audit::canonical(
            &db.env,
            &actor,
            access.as_str(),
            key.map(KeyName::as_str),
            version,
            None,
            Some(outcome),
            crate::names::now_ms(),
        );
        let key = db.audit_key()?;
        Journal::open(&self.paths, &db.env)?.append(&key, canon)
    }

    /// Record one access event per key handed out, in one durable journal transaction
    /// (`run` and `export` hand out many keys at once).
    pub fn audit_all(
        &self,
        db: &EnvDb,
        access: Access,
        keys: Vec<(&KeyName, Option<u32>)>,
        outcome: &str,
    ) -> Result<u64> {
        let actor = self.actor()?;
        let now = crate::names::now_ms();
        let events = keys.into_iter().map(|(k, v)| {
            crate::audit::canonical(
                &db.env,
                &actor,
                access.as_str(),
                Some(k.as_str()),
                v,
                None,
                Some(outcome),
                now,
            )
        });
        let key = db.audit_key()?;
        Journal::open(&self.paths, &db.env)?.append_all(&key, events)
    }

    /// Every environment in the vault: those this identity opens, and the others with
    /// why not (never an error by itself: DESIGN §3).
    pub fn open_all_envs(&self) -> Result<(Vec<EnvDb>, Skipped)> {
        let mut open = Vec::new();
        let mut skipped = Vec::new();
        let identity = self.identity()?;
        for env in self.paths.env_names()? {
            match EnvDb::open_read(&self.paths, &env, identity.as_age()) {
                Ok(db) => open.push(db),
                Err(e @ Error::NotARecipient { .. }) => skipped.push((env, e)),
                Err(e) => return Err(e),
            }
        }
        Ok((open, skipped))
    }
}

/// The keys `run` and `export` hand out, with their versions and values: each key
/// `only` names (unusable ones are exit 4, before anything is handed out), or every
/// active key.
pub fn handed_out(
    db: &EnvDb,
    only: Option<&[KeyName]>,
    now: i64,
) -> Result<Vec<(KeyName, u32, crate::crypto::Secret)>> {
    let mut keys = Vec::new();
    match only {
        Some(names) => {
            for name in names {
                let (_, v, value) = db.usable_value(name, None, now)?;
                keys.push((name.clone(), v.version, value));
            }
        }
        None => {
            for k in db.keys()? {
                if k.current.status(now) == crate::vault::Status::Active {
                    let value = db.value(&k.meta, k.current.version)?;
                    keys.push((k.meta.name.clone(), k.current.version, value));
                }
            }
        }
    }
    Ok(keys)
}

/// Metadata flags shared by `generate`, `set` and `rotate`.
#[derive(Debug, Clone, Args, Default)]
pub struct KeyMetaArgs {
    /// A scope the key grants (repeatable), e.g. `payments:write`
    #[arg(long = "scope", value_name = "SCOPE", value_parser = parse_scope)]
    pub scopes: Vec<String>,

    /// When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<When>,

    /// How often the key should be rotated (`check` and `rotate --all --due` use it)
    #[arg(long, value_name = "DUR")]
    pub rotate_every: Option<Dur>,

    /// A free-form note (never put a secret here: notes are not encrypted separately)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

impl KeyMetaArgs {
    pub fn new_key(&self) -> NewKey {
        NewKey {
            scopes: self.scopes.clone(),
            note: self.note.clone(),
            rotate_every: self.rotate_every.map(|d| d.secs),
        }
    }
    pub fn expires_at(&self, now: i64) -> Result<Option<i64>> {
        match self.expires {
            None => Ok(None),
            Some(w) => {
                let t = w.ahead(now);
                if t <= now {
                    return Err(Error::usage(
                        "--expires is in the past; give a future date or a duration like 90d",
                    ));
                }
                Ok(Some(t))
            }
        }
    }
}

fn parse_scope(s: &str) -> std::result::Result<String, String> {
    if s.is_empty()
        || s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.*/".contains(c))
    {
        return Err("invalid scope: use letters, digits and - _ : . * / (at most 64)".into());
    }
    Ok(s.to_owned())
}

pub fn dispatch(cli: Cli) -> Result<()> {
    let ctx = Context::new(&cli)?;
    match cli.command {
        Command::Init(a) => init::run(a, &ctx),
        Command::Identity(a) => identity::run(a, &ctx),
        Command::Unlock(a) => unlock::run_unlock(a, &ctx),
        Command::Lock(a) => unlock::run_lock(a, &ctx),
        Command::Agent(a) => unlock::run_agent(a, &ctx),
        Command::Env(a) => env::run(a, &ctx),
        Command::Generate(a) => generate::run(a, &ctx),
        Command::Set(a) => set::run(a, &ctx),
        Command::Get(a) => get::run(a, &ctx),
        Command::List(a) => list::run(a, &ctx),
        Command::Show(a) => show::run(a, &ctx),
        Command::Rotate(a) => rotate::run(a, &ctx),
        Command::Revoke(a) => revoke::run(a, &ctx),
        Command::Verify(a) => verify::run(a, &ctx),
        Command::Check(a) => check::run(a, &ctx),
        Command::Run(a) => run::run(a, &ctx),
        Command::Export(a) => export::run(a, &ctx),
        Command::Import(a) => import::run(a, &ctx),
        Command::Audit(a) => audit::run(a, &ctx),
        Command::Access(a) => access::run(a, &ctx),
        Command::Offboard(a) => offboard::run(a, &ctx),
        Command::Scan(a) => scan::run(a, &ctx),
        Command::Completions(a) => completions::run(a, &ctx),
    }
}
