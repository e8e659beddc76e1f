//! Opening an environment as this machine knows it (DESIGN §8, §15): the file checked
//! against its pin before anything is read from it, and the pin moved when a write
//! commits. `store` loads and writes the bytes; this module decides whether they are
//! accepted.

use std::io::{self, BufReader};

use rusqlite::Connection;

use crate::error::{Error, Result, SignedError, describe_age};
use crate::fsutil::nofollow_error;
use crate::names::EnvName;
use crate::vault::fileseal;
use crate::vault::lock::{EnvLock, lock_env};
use crate::vault::paths::VaultPaths;
use crate::vault::relate;
use crate::vault::schema;
use crate::vault::seen::{Pin, Relation};
use crate::vault::store::{EnvDb, Tx, in_git_work_tree, open_nofollow};

impl EnvDb {
    /// Open `env` for reading: no lock, a read-only database.
    pub fn open_read(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        Self::open(paths, env, identity, None, false)
    }

    /// Open `env` for a read-modify-write: the lock is taken before the read.
    pub fn open_write(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        Self::open_locked(paths, env, identity, false)
    }

    /// Open `env` for writing whatever its pin says (`trust`, after review): the next
    /// commit replaces the pin. Everything else about the file is checked as usual.
    pub fn open_trusting(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        Self::open_locked(paths, env, identity, true)
    }

    /// The writer lock is taken before the read (DESIGN §2).
    fn open_locked(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
        trusting: bool,
    ) -> Result<EnvDb> {
        paths.require()?;
        if !paths.env_file(env).exists() {
            return Err(paths.missing_env(env));
        }
        let lock = lock_env(&paths.env_lock(env), env)?;
        Self::open(paths, env, identity, Some(lock), trusting)
    }

    /// How the file relates to what this machine saw before.
    pub fn history(&self) -> &Relation {
        &self.history
    }

    /// The pin this machine holds for the environment, if any.
    pub fn pin(&self) -> Option<&Pin> {
        self.pin.as_ref()
    }

    fn open(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
        lock: Option<EnvLock>,
        trusting: bool,
    ) -> Result<EnvDb> {
        if lock.is_some() {
            return Self::open_once(paths, env, identity, lock, trusting).map(|(db, _)| db);
        }
        // A read takes no lock: a writer may rename its new file into place and move
        // the pin between this read's open and its look at the pin, and the file read
        // would then look like an earlier state (a false "behind", and the statuses seen
        // here held against it: `get` of the value that was active refused). A file
        // that looks behind and is no longer the one at the path is read again.
        let mut tries = 0;
        loop {
            let (db, read) = Self::open_once(paths, env, identity, None, trusting)?;
            tries += 1;
            let behind = matches!(db.history, Relation::Behind { .. });
            if behind && tries < 4 && replaced_since(&paths.env_file(env), &read) {
                continue;
            }
            return Ok(db);
        }
    }

    fn open_once(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
        lock: Option<EnvLock>,
        trusting: bool,
    ) -> Result<(EnvDb, std::fs::File)> {
        paths.require()?;
        let path = paths.env_file(env);
        let file = open_nofollow(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => paths.missing_env(env),
            _ => nofollow_error("cannot open", &path, e),
        })?;
        // Which file this is (DESIGN §15: a file verified here is read as it is, each
        // chunk it reads checked against the seal made when it was verified).
        let expected = match (&paths.pins, fileseal::Layout::read(&file)) {
            (Some(pins), Some(layout)) if !trusting => pins.expected(env, &file, layout)?,
            _ => None,
        };
        let sealed = expected.is_some();
        // The file as opened, to seal after it is verified: the bytes read, not whatever
        // sits at the path by then (a file renamed into its place meanwhile).
        let read = file
            .try_clone()
            .map_err(|e| Error::io("cannot open", &path, e))?;
        let mut db = if lock.is_none() {
            // DESIGN §7 round 2: a read decrypts only the chunks its queries visit.
            Self::load_lazy(BufReader::new(file), paths, env, path, identity, expected)?
        } else {
            // A writer reads (and so authenticates) the whole file: it re-encrypts it. A
            // sealed file's chunks are checked against their hashes meanwhile, on the
            // second core (the decryption keeps the identity on this thread).
            let (checked, loaded) = crate::sys::both(
                || expected.as_ref().map_or(Ok(()), |e| e.check_all()),
                || {
                    Self::load(
                        BufReader::new(file),
                        paths,
                        env,
                        path.clone(),
                        identity,
                        lock,
                        false,
                    )
                },
            );
            checked.map_err(|e| Error::Corrupt {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            loaded?
        };
        db.trusting = trusting;
        if db.lock.is_some() {
            db.read_as = Some(Some(crate::vault::store::stamp(
                &read
                    .metadata()
                    .map_err(|e| Error::io("cannot open", &db.path, e))?,
            )));
        }
        db.check_pin(sealed, identity, &read)?;
        Ok((db, read))
    }

    /// Whether `identity` unwraps this environment's file key (reads the header only).
    pub fn can_open(
        paths: &VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
    ) -> Result<bool> {
        let path = paths.env_file(env);
        let mut file = open_nofollow(&path).map_err(|e| nofollow_error("cannot open", &path, e))?;
        crate::vault::store::check_header_size(&mut file, &path)?;
        let decryptor =
            age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| Error::Corrupt {
                path: path.clone(),
                detail: describe_age(&e),
            })?;
        match decryptor.decrypt(std::iter::once(identity)) {
            Ok(_) => Ok(true),
            Err(e) => match (crate::plugin::take_failure(), e) {
                (Some(plugin), _) => Err(plugin),
                (None, age::DecryptError::NoMatchingKeys) => Ok(false),
                (None, e) => Err(Error::Corrupt {
                    path,
                    detail: describe_age(&e),
                }),
            },
        }
    }

    /// DESIGN §8: compare the file with what this machine saw. An unrelated file is an
    /// error for every command; an earlier state is an error for writers (reads go on,
    /// with the statuses seen here). A first open or a later state moves the pin.
    ///
    /// Round 3: the file this machine verified (or wrote) at its pinned head — the same
    /// age header — is read as it is. Any other file is verified from its rows first:
    /// its whole lifecycle chain is recomputed, and only a recomputed hash can hold the
    /// pinned head (a row that merely stores a published head proves nothing).
    fn check_pin(
        &mut self,
        sealed: bool,
        identity: &dyn age::Identity,
        read: &std::fs::File,
    ) -> Result<()> {
        let Some(pins) = self.paths.pins.clone() else {
            return Ok(());
        };
        let pin = pins.load(&self.env)?;
        if self.trusting {
            // `trust` accepts a state the pin does not, never a history whose
            // signatures fail (DESIGN §15).
            let events = self.lifecycle_events()?;
            self.verify_signed(&events, None)?;
            // Accepting a vault that replaced the one seen at this path (refused for
            // its other root): what this machine kept of the old one is set aside, as
            // for a new first use, not carried into this one.
            // (An earlier state of the same environment is not another vault, whatever
            // happened to the directory: what was seen here stays.)
            let unrelated = match &pin {
                Some(p) => {
                    let keys = self.audit_keys()?;
                    let hashes = events.iter().map(|e| e.hash).collect();
                    matches!(
                        relate::compare(self, p, &keys, || Ok(hashes)),
                        Err(Error::UnrelatedEnv { .. })
                    )
                }
                None => false,
            };
            if unrelated && self.located(pins.vault_replaced(&self.paths, &self.env, identity))? {
                self.history = Relation::NewVault {
                    set_aside: pins.set_aside()?,
                };
                self.pin = None;
                return Ok(());
            }
            // `trust` of an earlier state writes what was seen here into the file.
            self.pin = pin.map(|p| p.with_seen(&pins, &self.env)).transpose()?;
            return Ok(());
        }
        // A pin from a build that did not record the history's own root cannot answer a
        // `KEYWARD_TRUST_ROOT` naming it: the file is verified again (once: the pin then
        // records it).
        let answers = |p: &Pin| p.history_root.is_some() || self.paths.trust_roots.is_empty();
        if sealed && let Some(p) = pin.as_ref().filter(|p| answers(p)) {
            // The very file verified here: every chunk read is checked against its seal.
            self.history = Relation::Current;
            self.root = p.root.clone();
            self.history_root = p.history_root.clone();
            self.check_trust_root(
                self.root.clone().as_deref(),
                self.history_root.clone().as_deref(),
            )?;
            self.pin = pin;
            return Ok(());
        }
        let keys = self.audit_keys()?;
        let mut events: Vec<crate::audit::Event> = Vec::new();
        let mut chain = || -> Result<std::collections::HashSet<[u8; 32]>> {
            events = self.lifecycle_events()?;
            Ok(events.iter().map(|e| e.hash).collect())
        };
        self.history = match &pin {
            None => {
                // Trust on first use, of a chain that recomputes.
                chain()?;
                Relation::Fresh
            }
            Some(p) => match relate::compare(self, p, &keys, chain) {
                Err(Error::UnrelatedEnv { .. })
                    if self.located(pins.vault_replaced(&self.paths, &self.env, identity))? =>
                {
                    // Another vault at this path is a new first use — but not one signed
                    // under another root than the vault seen here: that is what a clone of
                    // a rewritten repository looks like, made again after the pinned
                    // clone refused it. Checked before anything is set aside.
                    if let Some(expected) = p.root.clone() {
                        if events.is_empty() {
                            events = self.lifecycle_events()?;
                        }
                        let found = self.verify_signed(&events, None)?.root;
                        if found.as_deref() != Some(expected.as_str()) {
                            return Err(SignedError::ReplacedUnderAnotherRoot {
                                env: self.env.clone(),
                                expected,
                                found: found.unwrap_or_else(|| "none (unsigned)".into()),
                            }
                            .into());
                        }
                    }
                    Relation::NewVault {
                        set_aside: pins.set_aside()?,
                    }
                }
                other => self.located(other)?,
            },
        };
        let pin = match &self.history {
            Relation::NewVault { .. } => None,
            _ => pin,
        };
        // A changed file that extends the pinned state: what this machine saw go out of
        // service must still be (DESIGN §8 round 3), whatever the new rows say.
        if let (Relation::Current, Some(p)) = (&self.history, &pin) {
            let seen = pins.load_seen(&self.env)?;
            if !seen.is_empty() {
                // What happened since: every event that is not the pinned head or one of
                // its ancestors (a merge made elsewhere can put the other line's events —
                // a key deleted and made again — before the head in the file).
                let since: Vec<&crate::audit::Event> =
                    match events.iter().position(|e| hex::encode(e.hash) == p.hash) {
                        Some(at) => crate::audit::since(&events, at).collect(),
                        None => events.iter().collect(),
                    };
                self.located(relate::check_seen(self, &seen, &since, &events))?;
            }
        }
        // DESIGN §15: a file not verified here before has every signature of its history
        // checked, and its rows compared with the state its last writer signed (after the
        // check above, whose message names the key when a status went back).
        if events.is_empty() {
            events = self.lifecycle_events()?;
        }
        self.verify_signed(&events, pin.as_ref())?;
        // An earlier or diverging state (a branch checked out) is held to the kept rows
        // too when it holds their state, but does not replace them.
        match self.history {
            Relation::Fresh | Relation::Current | Relation::NewVault { .. } => {
                self.follow_kept_rows(&pins, &events, true)?
            }
            Relation::Behind { .. } => self.follow_kept_rows(&pins, &events, false)?,
            _ => {}
        }
        // What was seen out of service matters only for an earlier state (a current one
        // has moved at least as far): only then is it read.
        self.pin = match (&self.history, pin) {
            (Relation::Behind { .. }, Some(p)) => Some(p.with_seen(&pins, &self.env)?),
            (_, pin) => pin,
        };
        match self.history {
            Relation::Behind {
                pinned_seq,
                pinned_time,
                file_seq,
            } if self.lock.is_some() => Err(Error::Rewound {
                env: self.env.clone(),
                pinned_seq,
                pinned_time,
                file_seq,
                in_git: in_git_work_tree(&self.paths.root),
            }),
            Relation::Fresh | Relation::Current | Relation::NewVault { .. } => {
                let seal = fileseal::seal_file(read);
                self.located(pins.advance(self, false, seal.as_ref(), &|| journal_head(self)))
            }
            _ => Ok(()),
        }
    }

    /// Create a new environment file encrypted to `recipients`; `fill` writes the first
    /// rows (recipients, the `init`/`env-add` event) before the first commit.
    pub fn create(
        paths: &VaultPaths,
        env: &EnvName,
        signing: &crate::vault::signed::Signing<'_>,
        fill: impl FnOnce(&Tx<'_>) -> Result<()>,
    ) -> Result<()> {
        let lock = lock_env(&paths.env_lock(env), env)?;
        let path = paths.env_file(env);
        if path.exists() {
            return Err(Error::EnvExists { env: env.clone() });
        }
        let audit_key = crate::secret::random_key();
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(schema::SCHEMA)?;
        conn.execute_batch(schema::INDEX_REMOVALS)?;
        conn.execute(
            "INSERT INTO meta(k, v) VALUES ('format_version', ?1), ('env', ?2), ('audit_key', ?3), ('created', ?4)",
            rusqlite::params![schema::BASE_FORMAT, env.as_str(), &audit_key[..], crate::names::now_ms()],
        )?;
        let mut db = EnvDb {
            env: env.clone(),
            path,
            conn,
            paths: paths.clone(),
            lock: Some(lock),
            actor_cache: Default::default(),
            chain_head: Default::default(),
            history: Relation::Fresh,
            pin: None,
            trusting: false,
            replaced: false,
            format: std::cell::Cell::new(schema::BASE_FORMAT),
            chunks: None,
            packed: false,
            unindexed: std::cell::Cell::new(false),
            opened: None,
            // Written only where no file is (one put there meanwhile is not written over).
            read_as: Some(None),
            root: None,
            history_root: None,
            founders_pin: std::cell::Cell::new(false),
            written: None,
        };
        db.batch(fill)?;
        // DESIGN §15: the founder signs the first state, as its first admin.
        db.sign_change(signing)?;
        db.commit()
    }

    /// Encrypt the database to the environment's recipients and replace the file
    /// atomically: temp file, `finish()`, fsync, rename, fsync the directory.
    pub fn commit(&mut self) -> Result<()> {
        let seal = self.write_file()?;
        self.replaced = true;
        // DESIGN §8: this machine now knows the new head (and, after `trust`, nothing
        // older). The file is already in place: a failure here is reported, not undone.
        // Sealed as written, never as read back: a file put in its place meanwhile is
        // not the one this machine wrote.
        if let Some(pins) = &self.paths.pins {
            // Said as committed: a "cannot write pin" alone reads as a change that did
            // not happen (a rotation the user would then not roll out).
            let advanced = pins.advance(self, self.trusting, seal.as_ref(), &|| journal_head(self));
            // The rows later files are held to (`follow_kept_rows`): kept on a first
            // write here (nothing was kept yet: a vault made here), and after `trust`,
            // which accepts this state's rows as they are. Otherwise those of the state
            // verified last stay: the events since then include this machine's own.
            let advanced = advanced.and_then(|()| {
                if self.trusting || !pins.has_kept_rows(&self.env) {
                    self.keep_rows(pins)?;
                }
                // DESIGN §16: a machine that wrote an environment is not asked again
                // about writing it (`Context::refuse_first_use_write`).
                pins.note_write(&self.env)
            });
            self.located(advanced).map_err(|e| match e.exit_code() {
                6 => e,
                _ => Error::PinAfterCommit {
                    env: self.env.clone(),
                    detail: e.to_string().lines().next().unwrap_or_default().to_owned(),
                },
            })?;
        }
        Ok(())
    }
}

impl EnvDb {
    /// Whether a `commit` put this environment's new file in place: the change stands
    /// even when what follows it (the pins, the audit log) failed.
    pub fn replaced(&self) -> bool {
        self.replaced
    }
}

/// The access journal's last sequence number (0 when there is none yet). Asked by
/// `PinDir::advance` under the pin's lock, so not through `Journal::open_existing`,
/// which reads the journal's pin (and may take that lock): a journal that is gone is
/// the readers' to report (its pinned head says so), here it has no rows.
fn journal_head(db: &EnvDb) -> Result<i64> {
    if std::fs::symlink_metadata(db.paths().journal(&db.env)).is_err() {
        return Ok(0);
    }
    let journal = crate::vault::journal::Journal::open(db.paths(), &db.env)?;
    // Where rows sealed under a replaced key end: only a row the chain reaches counts
    // (a planted row at a high number would leave later rows under the old key open).
    Ok(journal
        .sealed_head(&db.audit_keys()?)?
        .map_or(0, |(seq, _)| seq))
}

#[cfg(test)]
#[path = "open_testkit.rs"]
mod testkit;
#[cfg(test)]
pub(crate) use testkit::{create_test_env, test_vault};

/// Whether the path now holds another file than `read` (a writer renamed a new one into
/// its place), or none.
fn replaced_since(path: &std::path::Path, read: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(path), read.metadata()) {
        (Ok(now), Ok(then)) => (now.dev(), now.ino()) != (then.dev(), then.ino()),
        _ => true,
    }
}
