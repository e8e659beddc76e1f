//! The `Context` every operation runs in: where the vault is, which identity and
//! environment are in use, the clock, and how to print. Resolved once from the global
//! flags; identities are unlocked on first need.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use crate::audit::{Action, Actor, Via};
use crate::error::{Error, Result};
use crate::fsutil::{default_identity_path, default_state_dir, default_vault_dir};
use crate::identity::{IdentitySpec, Unlocked, load_identity};
use crate::names::{EnvName, KeyName};
use crate::ops::audit::AuditLog;
use crate::vault::journal::Journal;
use crate::vault::{EnvDb, Journaled, VaultPaths};

/// Environments the identity cannot open, with why.
pub type Skipped = Vec<(EnvName, Error)>;

/// The global flags, as plain options (`cmd` turns the command line into these).
#[derive(Clone, Debug, Default)]
pub struct Globals {
    /// How much of where the vault is found to check first (`ops::location`).
    pub check_location: crate::ops::location::LocationCheck,
    pub vault: Option<std::path::PathBuf>,
    pub identity: Option<String>,
    /// `identity` was given as `-i`/`--identity`, not by `KEYWARD_IDENTITY`.
    pub identity_in_argv: bool,
    pub env: Option<EnvName>,
    /// `--trust-root` / `KEYWARD_TRUST_ROOT` (DESIGN §15).
    pub trust_root: Option<String>,
}

/// What operations say besides their reports: notes and warnings for people (stderr),
/// data for stdout, and whether JSON was asked for. Implemented by the command's output
/// (the `Output` of `cmd`); operations never see a terminal or a table.
pub trait Say {
    fn note(&self, s: &str);
    fn warn(&self, s: &str);
    /// Bytes for stdout, exactly (a rendered template, a set on stdout).
    fn data(&self, bytes: &[u8]) -> Result<()>;
    /// `--json`: reports are printed as JSON, so nothing else goes to stdout.
    fn json(&self) -> bool;
}

/// What every command needs: resolved once from the global flags.
pub struct Context {
    pub paths: VaultPaths,
    pub env: EnvName,
    /// Whether `-e`/`KEYWARD_ENV` was given (`scan` covers every environment otherwise).
    pub env_explicit: bool,
    /// Where the vault was found, and the others there are (DESIGN §16).
    pub located: crate::vault::discover::Located,
    pub identity_spec: IdentitySpec,
    /// `KEYWARD_IDENTITY` set but empty, and no `--identity` (DESIGN §16: its own error).
    identity_env_empty: bool,
    identity: OnceCell<Unlocked>,
    /// Where notes and warnings go (the command's output; never a table from here).
    pub out: Box<dyn Say>,
    /// The time this command runs at, read once (see `clock`).
    now: i64,
    /// `KEYWARD_AUDIT_LOG`: where every event is also appended.
    audit_log: Option<AuditLog>,
    /// With an audit log: each environment opened for writing, and the last lifecycle
    /// event of it already in the log (its head when opened), so `committed` appends
    /// exactly the events this command added.
    logged: RefCell<HashMap<EnvName, i64>>,
    /// The environments this command committed, in order (DESIGN §16: said after it).
    pub changed: RefCell<Vec<EnvName>>,
    /// The work tree's vault location to remember if the command succeeds.
    location: Option<crate::vault::discover::KnownLocations>,
}

impl Context {
    pub fn new(cli: Globals, out: Box<dyn Say>) -> Result<Context> {
        // DESIGN §16: --vault, KEYWARD_VAULT, the work tree's vault, the personal one.
        let explicit = cli.vault.clone().filter(|p| !p.as_os_str().is_empty());
        // A secret key pasted where the vault's path goes would be repeated by every
        // message that names the vault: refused unshown, like one in any argument.
        if explicit.as_deref().is_some_and(|p| {
            let upper = p.to_string_lossy().to_ascii_uppercase();
            upper.contains("AGE-SECRET-KEY-") || upper.contains("AGE-PLUGIN-")
        }) {
            return Err(Error::usage(
                "the vault's path (--vault or KEYWARD_VAULT) holds a secret key; it is not shown, and nothing was done\nhint: point it at the vault's directory; treat that key as exposed (make a new identity, and have it granted in place of the old one)",
            ));
        }
        let from_env = explicit.is_some()
            && std::env::var_os("KEYWARD_VAULT").map(std::path::PathBuf::from) == explicit;
        let cwd = std::env::current_dir().ok();
        let located = crate::vault::discover::locate(
            explicit,
            from_env,
            cwd.as_deref(),
            default_vault_dir()?,
        );
        let root = located.root.clone();
        let state = default_state_dir()?;
        crate::vault::paths::check_state_dir(&state)?;
        let location =
            crate::ops::location::check_work_tree_vault(&located, &state, cli.check_location)?;
        let default_identity = default_identity_path()?;
        let identity_spec = match &cli.identity {
            Some(s) => IdentitySpec::from_arg(s, default_identity),
            None => IdentitySpec::Default(default_identity),
        };
        // A literal secret key in argv is visible to every process on the machine, even
        // one that is also in KEYWARD_IDENTITY (`-i "$KEYWARD_IDENTITY"`).
        if matches!(identity_spec, IdentitySpec::Literal(_)) && cli.identity_in_argv {
            return Err(Error::usage(
                "refusing a secret key on the command line, where every process can read it\nhint: put it in KEYWARD_IDENTITY, or in a 0600 file passed with --identity FILE",
            ));
        }
        let now = clock()?;
        let mut paths = VaultPaths::pinned(root, &state, now);
        paths.trust_roots = trust_roots(cli.trust_root.as_deref())?;
        Ok(Context {
            paths,
            env: cli
                .env
                .clone()
                .unwrap_or_else(|| "dev".parse().expect("valid")),
            env_explicit: cli.env.is_some(),
            located,
            identity_env_empty: cli.identity.as_deref().is_none_or(|s| s.trim().is_empty())
                && crate::sys::var_os("KEYWARD_IDENTITY")
                    .is_some_and(|v| v.to_string_lossy().trim().is_empty()),
            identity_spec,
            identity: OnceCell::new(),
            out,
            now,
            audit_log: AuditLog::from_env(),
            logged: RefCell::new(HashMap::new()),
            changed: RefCell::new(Vec::new()),
            location,
        })
    }

    /// The command succeeded: its vault, in a git work tree, is now one this machine
    /// used there (see `check_work_tree_vault`).
    pub fn succeeded(&self) {
        if let Some(l) = &self.location {
            l.remember();
        }
    }

    /// The time this command runs at, in unix ms: one reading for the whole command, so
    /// every event and status of one command agree.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The identity in use, unlocked on first need: a running agent first (for the
    /// default identity), then the file, asking for its passphrase if it has one.
    pub fn identity(&self) -> Result<&Unlocked> {
        if let Some(id) = self.identity.get() {
            return Ok(id);
        }
        // DESIGN §16: a CI secret not passed, or a path that is not there, is said as
        // such (never "run `keyward init`").
        if self.identity_env_empty {
            return Err(crate::error::TeamError::IdentityEnvEmpty.into());
        }
        if let IdentitySpec::File(path) = &self.identity_spec
            && !path.exists()
        {
            let from_env = crate::sys::var_os("KEYWARD_IDENTITY").is_some_and(|v| *v == **path);
            return Err(crate::error::TeamError::IdentityFileMissing {
                path: path.clone(),
                from: if from_env {
                    "from KEYWARD_IDENTITY"
                } else {
                    "from --identity"
                },
            }
            .into());
        }
        let id = match &self.identity_spec {
            IdentitySpec::Default(path) | IdentitySpec::File(path) => {
                match crate::agent::client_for(path, Some(self.now))? {
                    Some(agent) => agent,
                    None => load_identity(&self.identity_spec)?,
                }
            }
            spec => load_identity(spec)?,
        };
        Ok(self.identity.get_or_init(|| id))
    }

    pub fn actor(&self) -> Result<Actor> {
        Ok(self.identity()?.actor())
    }

    /// The actor for `init` when it has just created the identity (not unlocked it).
    pub fn actor_for_recipient(&self, recipient: &str) -> Result<Actor> {
        match self.identity.get() {
            Some(id) => Ok(id.actor()),
            None => Ok(Actor::named(recipient, Via::Passphrase)),
        }
    }

    /// Open the current environment read-only (no writer lock).
    pub fn open_env(&self) -> Result<EnvDb> {
        self.open_env_named(&self.env)
    }

    pub fn open_env_named(&self, env: &EnvName) -> Result<EnvDb> {
        self.paths.require()?;
        let db = EnvDb::open_read(&self.paths, env, self.identity()?.as_age())?;
        crate::ops::touch::opened(self, &db)?; // DESIGN §18
        self.warn_if_behind(&db);
        Ok(db)
    }

    /// Open the current environment for a read-modify-write (writer lock held).
    pub fn write_env(&self) -> Result<EnvDb> {
        self.write_env_named(&self.env)
    }

    pub fn write_env_named(&self, env: &EnvName) -> Result<EnvDb> {
        self.paths.require()?;
        let identity = self.identity()?;
        // DESIGN §15: an identity that cannot sign is refused before anything is asked
        // of a token (a hardware identity's signing key is unlocked here, once).
        identity.signer()?.public()?;
        let db = EnvDb::open_write(&self.paths, env, identity.as_age())?;
        crate::ops::touch::opened(self, &db)?; // DESIGN §18
        self.warn_if_behind(&db);
        self.refuse_first_use_write(&db)?;
        self.may_write(&db)?;
        self.note_head(&db)?;
        Ok(db)
    }

    /// DESIGN §15: refuse at once (before any work, exit 5) a write this identity could
    /// not sign: no signing key, or a `read` member. The rules themselves run again when
    /// the change is signed (`commit`).
    pub fn may_write(&self, db: &EnvDb) -> Result<()> {
        let identity = self.identity()?;
        identity.signer()?;
        if let Some(crate::codes::Role::Read) = db.role_of(&identity.recipient)? {
            return Err(crate::error::SignedError::NotAllowed {
                env: db.env.clone(),
                who: self.who(db, &identity.recipient),
                has: "a `read` member".into(),
                what: "write".into(),
                needs: crate::codes::Role::Write,
            }
            .into());
        }
        Ok(())
    }

    /// A recipient as messages name a person: `Label (age1…short)`, or the short form.
    pub fn who(&self, db: &EnvDb, recipient: &str) -> String {
        db.person(recipient)
    }

    /// What signs this command's writes (DESIGN §15).
    pub fn signing<'a>(&'a self, actor: &'a Actor) -> Result<crate::vault::signed::Signing<'a>> {
        let identity = self.identity()?;
        Ok(crate::vault::signed::Signing {
            signer: identity.signer()?,
            recipient: &identity.recipient,
            actor,
            now: self.now,
        })
    }

    /// With an audit log, remember `db`'s lifecycle head: `committed` appends the
    /// events after it. `write_env` does this; an operation opening an environment for
    /// writing another way calls it itself.
    pub fn note_head(&self, db: &EnvDb) -> Result<()> {
        if self.audit_log.is_some() {
            let (seq, _, _) = db.last_event()?;
            self.logged.borrow_mut().insert(db.env.clone(), seq);
        }
        Ok(())
    }

    /// Call right after an environment is created (`init`, `env add`): a change like a
    /// commit (for the reminder to commit and push); with `KEYWARD_AUDIT_LOG`, read
    /// each new environment back and append its events (all of them are this command's). A passphrase identity `init` has just made is
    /// unlocked for this, so it asks for the passphrase once more.
    pub fn created(&self, envs: &[EnvName]) -> Result<()> {
        self.changed.borrow_mut().extend(envs.iter().cloned());
        if self.audit_log.is_none() {
            return Ok(());
        }
        for env in envs {
            let db = self
                .open_env_named(env)
                .map_err(|e| Error::AuditLogAfterCommit {
                    env: env.clone(),
                    path: self
                        .audit_log
                        .as_ref()
                        .map(|l| l.path.clone())
                        .unwrap_or_default(),
                    detail: e.to_string().lines().next().unwrap_or_default().into(),
                })?;
            self.logged.borrow_mut().insert(env.clone(), 0);
            self.committed(&db)?;
        }
        Ok(())
    }

    /// Commit a change: the file written atomically and pinned, then (with
    /// `KEYWARD_AUDIT_LOG`) the lifecycle events it recorded appended to the log (DESIGN
    /// §14). The one way an operation commits, so no commit can skip the log.
    pub fn commit(&self, db: &mut EnvDb) -> Result<()> {
        let actor = self.actor()?;
        let signed = db.sign_change(&self.signing(&actor)?)?;
        if signed == crate::vault::signed::Signed::Checkpoint {
            self.out.note(&format!(
                "`{}` had no signed history: this write signs it as it stands, with you as its first admin (trust root {})",
                db.env,
                db.history_root().or(db.root()).unwrap_or("?")
            ));
        }
        db.commit()?;
        crate::ops::touch::committed(self, db)?; // DESIGN §18
        self.changed.borrow_mut().push(db.env.clone());
        self.committed(db)
    }

    /// After `db.commit()`: with `KEYWARD_AUDIT_LOG`, append the lifecycle events the
    /// commit recorded. The change is committed by then, so a failure says so (exit 1)
    /// rather than pretending nothing happened.
    fn committed(&self, db: &EnvDb) -> Result<()> {
        let Some(log) = &self.audit_log else {
            return Ok(());
        };
        let failed = |detail: String| Error::AuditLogAfterCommit {
            env: db.env.clone(),
            path: log.path.clone(),
            detail,
        };
        let from = self.logged.borrow().get(&db.env).copied();
        let Some(from) = from else {
            return Err(Error::Internal(
                "an environment committed without being opened through `write_env`",
            ));
        };
        let new: Vec<_> = db
            .lifecycle_events()
            .map_err(|e| failed(e.to_string().lines().next().unwrap_or_default().into()))?
            .into_iter()
            .filter(|e| e.seq > from)
            .collect();
        log.append(&new).map_err(failed)?;
        if let Some(last) = new.last() {
            self.logged.borrow_mut().insert(db.env.clone(), last.seq);
        }
        Ok(())
    }

    /// Record one access event — about one `(key, version)`, about several (`keys`), or
    /// keyless for an empty list — durably, in one journal transaction, before anything is handed out
    /// (DESIGN §5); with `KEYWARD_AUDIT_LOG`, append them there too before returning
    /// (DESIGN §14). The receipt is what opens a `Withheld` value.
    pub(crate) fn journal(
        &self,
        db: &EnvDb,
        access: Action,
        keys: &[(&KeyName, u32)],
        outcome: &str,
    ) -> Result<Journaled> {
        self.journal_with_reason(db, access, keys, outcome, None)
    }

    /// A read refused with exit 4 (revoked, retired, expired) is an event too, with
    /// outcome `refused` and the status as its reason, recorded before the refusal is
    /// returned. If it cannot be recorded the exit code stays the refusal's (nothing was
    /// handed out either way) and the message says the trail lacks it.
    pub(crate) fn refused(&self, db: &EnvDb, access: Action, refusal: Error) -> Error {
        let Error::Unusable {
            name,
            version,
            status,
            ..
        } = &refusal
        else {
            return refusal;
        };
        let reason = status.as_str();
        match self.journal_with_reason(
            db,
            access,
            &[(name, *version)],
            crate::audit::REFUSED,
            Some(reason),
        ) {
            Ok(_) => refusal,
            Err(cause) => Error::RefusalNotRecorded {
                refused: Box::new(refusal),
                cause: Box::new(cause),
                env: db.env.clone(),
            },
        }
    }

    pub(crate) fn journal_with_reason(
        &self,
        db: &EnvDb,
        access: Action,
        keys: &[(&KeyName, u32)],
        outcome: &str,
        reason: Option<&str>,
    ) -> Result<Journaled> {
        debug_assert!(access.is_access());
        let actor = self.actor()?;
        let event = |key: Option<&KeyName>, version: Option<u32>| {
            crate::audit::canonical(
                &db.env,
                &actor,
                access,
                key.map(KeyName::as_str),
                version,
                reason,
                Some(outcome),
                self.now,
            )
        };
        // One event per command: a single key as `key`/`version`, several under `keys`
        // (one sealed row, one hash, however many keys a `run` hands out).
        let events = match keys {
            [] => vec![event(None, None)],
            [(k, v)] => vec![event(Some(k), Some(*v))],
            many => {
                let mut canon = event(None, None);
                canon.keys = Some(
                    many.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), *v))
                        .collect(),
                );
                vec![canon]
            }
        };
        let keys = db.audit_keys()?;
        // DESIGN §14: with `KEYWARD_AUDIT_LOG`, the log takes the events before the
        // journal commits them, and a log that cannot take them rolls the journal back:
        // both fail closed, and neither says a value went out that did not.
        let to_log = |appended: &[crate::audit::Event]| match &self.audit_log {
            None => Ok(()),
            Some(log) => log
                .append(appended)
                .map_err(|detail| Error::AuditLogFailed {
                    path: log.path.clone(),
                    detail,
                }),
        };
        let journaled = Journal::open(&self.paths, &db.env)?.append_all(&keys, events, to_log)?;
        if let Some(seen) = journaled.gap() {
            // The history is gone either way; refusing would not bring it back.
            self.out.warn(&format!(
                "the access journal of `{}` has lost events seen here (up to event {seen}); this access is recorded, but `keyward audit` refuses to pass over the gap until `keyward trust -e {} --reason TEXT`",
                db.env, db.env
            ));
        }
        Ok(journaled)
    }

    /// Every environment in the vault: those this identity opens, and the others with
    /// why not (never an error by itself: DESIGN §3).
    pub fn open_all_envs(&self) -> Result<(Vec<EnvDb>, Skipped)> {
        let mut open = Vec::new();
        let mut skipped = Vec::new();
        let identity = self.identity()?;
        for env in self.paths.env_names()? {
            match EnvDb::open_read(&self.paths, &env, identity.as_age()) {
                Ok(db) => {
                    crate::ops::touch::opened(self, &db)?; // DESIGN §18
                    self.warn_if_behind(&db);
                    open.push(db)
                }
                Err(e @ Error::NotARecipient { .. }) => skipped.push((env, e)),
                Err(e) => return Err(e),
            }
        }
        Ok((open, skipped))
    }
}

/// `--trust-root` / `KEYWARD_TRUST_ROOT`: fingerprints (or prefixes of at least 32 hex
/// digits) separated by commas; absent means trust on first use. Set but holding no
/// fingerprint (empty, spaces, commas) is a usage error, not first use: it is what a CI
/// secret that was never passed looks like, and the job believes it pins the root.
fn trust_roots(given: Option<&str>) -> Result<Vec<String>> {
    let given = match given {
        Some(g) => g,
        // clap reads an empty variable as absent: it is still set.
        None if std::env::var_os("KEYWARD_TRUST_ROOT").is_some() => "",
        None => return Ok(Vec::new()),
    };
    if given.split(',').all(|s| s.trim().is_empty()) {
        return Err(crate::error::SignedError::BadTrustRoot {
            given: crate::text::escape(&given.chars().take(80).collect::<String>()).into_owned(),
        }
        .into());
    }
    given
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let ok = (crate::signing::ROOT_PREFIX_MIN..=64).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_hexdigit());
            if ok {
                Ok(s.to_ascii_lowercase())
            } else {
                Err(crate::error::SignedError::BadTrustRoot {
                    given: crate::text::escape(&s.chars().take(80).collect::<String>())
                        .into_owned(),
                }
                .into())
            }
        })
        .collect()
}

/// The clock. Test builds (debug assertions on, which is what `cargo test` runs) honour
/// `KEYWARD_TEST_NOW` — RFC 3339, a date, or unix milliseconds — so tests set the time
/// instead of waiting for it to pass. Release builds have no such variable: a
/// production binary always reads the system clock.
fn clock() -> Result<i64> {
    match read_clock()? {
        ms if ms < 0 => Err(crate::error::ClockError::BeforeEpoch.into()),
        ms => Ok(ms),
    }
}

/// The system clock, or in debug builds `KEYWARD_TEST_NOW` (tests set the time).
fn read_clock() -> Result<i64> {
    #[cfg(debug_assertions)]
    if let Some(v) = std::env::var_os("KEYWARD_TEST_NOW") {
        let v = v.to_string_lossy();
        if let Ok(ms) = v.parse::<i64>() {
            return Ok(ms);
        }
        return match v.parse::<crate::names::When>() {
            Ok(crate::names::When::At(ms)) => Ok(ms),
            _ => Err(Error::usage(format!(
                "KEYWARD_TEST_NOW: `{v}` is not a time (unix ms or RFC 3339)"
            ))),
        };
    }
    Ok(crate::names::now_ms())
}

#[cfg(test)]
#[path = "context_tests.rs"]
mod commit_tests;
