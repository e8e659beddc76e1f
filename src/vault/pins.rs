//! Pins (DESIGN §8): what this machine last saw of each environment, kept outside the
//! vault, so that a replaced or rewound env file is noticed.
//!
//! age gives confidentiality, not authenticity: anyone who knows an environment's public
//! recipients can write a valid env file, and an old file is as valid as a new one. Two
//! secrets only recipients hold tell them apart: the environment's audit key (random,
//! made with the environment, never printed) and its lifecycle chain. A pin keeps a
//! fingerprint of the first and the head of the second. A file is accepted when it has
//! the same audit key and its chain holds the pinned head at the pinned position; the
//! pin then advances. Another audit key means an unrelated file (forged, or another
//! vault's); the same key without the pinned head means an earlier (or diverging) state.
//!
//! A pin also remembers the versions this machine has seen go out of service, so that
//! an older file cannot bring a revoked key back: statuses only move forward.
//!
//! Pins live in `$XDG_STATE_HOME/keyward/pins/<vault id>/<env>.json` (the vault id is a
//! hash of the vault's canonical path): 0600 files in 0700 directories, replaced
//! atomically under a lock, never moved backwards. An unreadable or corrupt pin is an
//! error, never a reset. The access journal's head, which every read advances, is in a
//! record beside the pin, rewritten in place (`journal_pin`).

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::create_private_dir;
use crate::names::EnvName;
use crate::vault::paths::PinDir;
use crate::vault::relate::{root_stamp, snapshot};
use crate::vault::seen::{EARLIER_SEALS, PIN_VERSION, Pin, SEALS_FROM, Seen};
use crate::vault::store::EnvDb;

impl PinDir {
    pub(in crate::vault) fn file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.json"))
    }

    fn seen_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.seen.json"))
    }

    /// `<env>.verified`: the seals of files verified (or written) here before the pinned
    /// one, under the pinned root, newest first, 32 bytes each (see [`PinDir::earlier`]).
    fn earlier_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.verified"))
    }

    /// The seals of the files this machine verified (or wrote) before the one pinned,
    /// newest first, at most [`EARLIER_SEALS`]: each verified under the pinned root,
    /// so the same bytes need not be verified again (a merge's BASE: the state before
    /// this machine's own changes, usually). Only that saving rests on the record, so
    /// one that cannot be read counts as empty: every file is then verified.
    pub(in crate::vault) fn earlier(&self, env: &EnvName) -> Vec<[u8; 32]> {
        match Self::read(&self.earlier_file(env)) {
            Ok(Some(bytes)) if bytes.len() % 32 == 0 => bytes
                .chunks_exact(32)
                .map(|c| c.try_into().expect("32 bytes"))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Keep `record` (newest first) as the seals verified here before `pinned`: without
    /// `pinned`, without repeats, at most [`EARLIER_SEALS`]; written only when it changes.
    fn store_earlier(
        &self,
        env: &EnvName,
        before: &[[u8; 32]],
        record: Vec<[u8; 32]>,
        pinned: Option<&str>,
    ) -> Result<()> {
        let mut kept: Vec<[u8; 32]> = Vec::with_capacity(EARLIER_SEALS);
        for s in record {
            if Some(hex::encode(s).as_str()) != pinned && !kept.contains(&s) {
                kept.push(s);
            }
        }
        kept.truncate(EARLIER_SEALS);
        if kept == before {
            return Ok(());
        }
        self.write_atomic(&self.earlier_file(env), &kept.concat(), false)
    }

    /// A pin file's bytes, if it exists. One that cannot be read or is readable by
    /// others is an error: silently starting over would turn any replaced file into a
    /// first open. Opened once, never through a symbolic link and never waiting on a
    /// FIFO, and checked on the descriptor read from (`fstat`), so the file checked is
    /// the file read. One removed meanwhile is none.
    pub(in crate::vault) fn read(path: &Path) -> Result<Option<Vec<u8>>> {
        use std::io::Read;
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            // A symbolic link (a link's mode is 777).
            Err(e) if crate::sys::is_symlink_refusal(&e) => {
                return Err(Error::PinUnsafe {
                    path: path.to_owned(),
                    mode: 0o777,
                });
            }
            Err(e) => return Err(Error::io("cannot read pin", path, e)),
        };
        Self::private(&file, path, "cannot read pin")?;
        let mut bytes = Vec::new();
        (&file)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read pin", path, e))?;
        Ok(Some(bytes))
    }

    /// `file`'s metadata, when it is a regular file no one else may read (the rule for
    /// every file kept here).
    pub(in crate::vault) fn private(
        file: &fs::File,
        path: &Path,
        what: &'static str,
    ) -> Result<fs::Metadata> {
        let meta = file.metadata().map_err(|e| Error::io(what, path, e))?;
        if !meta.is_file() || meta.mode() & 0o077 != 0 {
            return Err(Error::PinUnsafe {
                path: path.to_owned(),
                mode: meta.mode() & 0o777,
            });
        }
        Ok(meta)
    }

    /// What was seen out of service of `env`'s keys (empty if nothing was).
    pub fn load_seen(&self, env: &EnvName) -> Result<BTreeMap<String, Seen>> {
        let path = self.seen_file(env);
        match Self::read(&path)? {
            None => Ok(BTreeMap::new()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::PinCorrupt {
                path,
                detail: e.to_string(),
            }),
        }
    }

    /// The pin of `env`, if this machine has seen it (without `seen`: see
    /// [`PinDir::load_seen`]). A corrupt pin is an error, never a reset.
    pub fn load(&self, env: &EnvName) -> Result<Option<Pin>> {
        let path = self.file(env);
        let Some(bytes) = Self::read(&path)? else {
            return Ok(None);
        };
        let mut pin: Pin = serde_json::from_slice(&bytes).map_err(|e| Error::PinCorrupt {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if !(1..=PIN_VERSION).contains(&pin.v) || pin.hash.len() != 64 || pin.audit_key.len() != 32
        {
            return Err(Error::PinCorrupt {
                path,
                detail: "unknown version or malformed hash".into(),
            });
        }
        if pin.v < SEALS_FROM {
            // Sealed under older rules: the file is verified again, once.
            pin.seal = None;
        }
        Ok(Some(pin))
    }

    /// Record what `db` holds now (a file verified from its rows, or written here, whose
    /// age header digests to `header`): under the pin's lock, merged with what is stored
    /// (a concurrent command's advance is never lost, and the head never moves back),
    /// then replaced atomically. `replace`: take `db`'s head even if it does not extend
    /// the stored one (`trust`). `journal_head`: the access journal's last sequence number
    /// (asked only when the audit key changed).
    pub(crate) fn advance(
        &self,
        db: &EnvDb,
        replace: bool,
        sealed: Option<&crate::vault::fileseal::Sealed>,
        journal_head: &dyn Fn() -> Result<i64>,
    ) -> Result<()> {
        let _lock = self.lock(&db.env)?;
        let old = self.load(&db.env)?;
        let mut pin = snapshot(db, self.now)?;
        if let Some(s) = sealed {
            let bytes: Vec<u8> = s.chunks.iter().flatten().copied().collect();
            self.write_atomic(&self.chunks_file(&db.env), &bytes, true)?;
            pin.seal = Some(hex::encode(s.seal));
        }
        // The files verified here, newest first: the one just sealed, then those known.
        let earlier = self.earlier(&db.env);
        let mut record: Vec<[u8; 32]> = sealed.map(|s| s.seal).into_iter().collect();
        let same_env = old.as_ref().is_some_and(|old| {
            old.audit_key == pin.audit_key
                || pin.ring.contains(&old.audit_key)
                || old.env_id.is_some() && old.env_id == pin.env_id
        });
        // The journal's head and gap are carried over only for the same environment,
        // unless `trust` accepts the state as it is.
        let keeps_journal = same_env && !replace;
        let had_pin = old.is_some();
        if let Some(old) = old {
            // What this machine pinned of the journal: copied into the JSON, and where
            // rows sealed before a key replacement end.
            let journal = same_env.then(|| self.journal_pin_locked(&db.env, &old));
            if same_env {
                for (k, s) in &self.load_seen(&db.env)? {
                    pin.seen.entry(k.clone()).or_default().merge(s);
                }
            }
            if let Some(journal) = journal.as_ref().filter(|_| !replace) {
                // The journal's latest head and gap, copied into the JSON too, durably:
                // a build before the record reads them there.
                pin.journal = journal.latest().cloned();
                pin.journal_gap = journal.gap;
            }
            if same_env {
                pin.journal_floor = old.journal_floor;
                // Never forgotten: a signed history stays signed under its root.
                pin.root = pin.root.take().or(old.root.clone());
                pin.history_root = pin.history_root.take().or(old.history_root.clone());
                // Serials only grow: a floor for `trust` of an earlier state.
                pin.serial = pin.serial.max(old.serial);
            }
            // What was verified here stays so while the environment and its root do,
            // nothing was accepted after review (`trust`), and the rules are these.
            if same_env && !replace && pin.root == old.root && old.v >= SEALS_FROM {
                let known = old.seal.as_deref().and_then(|h| hex::decode(h).ok());
                record.extend(known.and_then(|k| <[u8; 32]>::try_from(k).ok()));
                record.extend_from_slice(&earlier);
            }
            if same_env && pin.audit_key != old.audit_key && pin.ring.contains(&old.audit_key) {
                // A newer key, first seen here: the journal's rows from now on. With the
                // journal not there (deleted, to be restored), the rows seen here end
                // where this machine last saw them.
                let seen = journal.as_ref().and_then(|j| j.seen_seq()).unwrap_or(0);
                let head = journal_head()?.max(seen);
                pin.journal_floor = Some((head, pin.ring.len()));
            }
            if !replace && same_env && old.seq > pin.seq && old.audit_key == pin.audit_key {
                // Another command saw a later state meanwhile: keep its head (the file it
                // verified is another one, so this one is checked again next time).
                pin.seq = old.seq;
                pin.hash = old.hash.clone();
                pin.time = old.time;
                pin.seal = old.seal.clone();
            }
        }
        self.store_seen(&db.env, &pin.seen)?;
        self.store_earlier(&db.env, &earlier, record, pin.seal.as_deref())?;
        self.store(&db.env, &pin)?;
        if replace {
            // `trust` accepts the journal as it is (DESIGN §8): this machine's own.
            self.restart_journal(&db.env)?;
        } else if !keeps_journal {
            self.forget_journal(&db.env)?;
        }
        if had_pin && !same_env {
            // Another environment in this one's place (`trust`, or `env add` after a
            // removal): the journal's rows are the old one's.
            db.paths().set_journal_aside(&db.env, self.now)?;
        }
        Ok(())
    }

    fn chunks_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.chunks"))
    }

    /// The chunks `file` must hold if it is the file this machine verified (or wrote)
    /// at the pinned head: its header and nonce (`layout`) and the sealed chunk hashes
    /// make the pinned seal. `None`: another file, to be verified from its rows.
    pub(in crate::vault) fn expected(
        &self,
        env: &EnvName,
        file: &std::fs::File,
        layout: crate::vault::fileseal::Layout,
    ) -> Result<Option<crate::vault::fileseal::Expected>> {
        let Some(pin) = self.load(env)? else {
            return Ok(None);
        };
        let Some(seal) = pin.seal.as_deref().and_then(|s| {
            let mut h = [0u8; 32];
            hex::decode_to_slice(s, &mut h).ok().map(|()| h)
        }) else {
            return Ok(None);
        };
        let Some(bytes) = Self::read(&self.chunks_file(env))? else {
            return Ok(None);
        };
        let chunks = bytes
            .chunks(32)
            .filter_map(|c| <[u8; 32]>::try_from(c).ok())
            .collect();
        Ok(crate::vault::fileseal::Expected::new(
            file, layout, chunks, &seal,
        ))
    }

    /// Whether the vault at `root` is another vault than the one pinned here (DESIGN
    /// §8 round 3: machine state is keyed by the vault's path and its own identity).
    /// Called when `env`'s file is unrelated to its pin; true only when the vault's
    /// directory is not the one seen here (a new directory at the same path) and no
    /// other environment pinned here is still there as it was seen. Fails closed:
    /// anything that cannot be checked counts as the same vault.
    pub fn vault_replaced(
        &self,
        paths: &crate::vault::VaultPaths,
        env: &EnvName,
        identity: &dyn age::Identity,
    ) -> Result<bool> {
        let Some(seen_root) = self.load_root()? else {
            return Ok(false);
        };
        if root_stamp(&paths.root).as_ref() == Some(&seen_root) {
            return Ok(false);
        }
        let Ok(pinned) = self.pinned_envs() else {
            return Ok(false);
        };
        for other in pinned {
            if &other == env {
                continue;
            }
            let Some(pin) = self.load(&other)? else {
                continue;
            };
            let path = paths.env_file(&other);
            // Opened as every env file is (no symlink followed, a regular file only, a
            // FIFO never waited on): a link or a pipe where a pinned environment's file
            // was is refused as such (exit 6), not followed into a hang or an endless
            // read. Read as `get` reads, through the age stream, never whole into memory.
            let file = match crate::vault::store::open_nofollow(&path) {
                Ok(f) => f,
                // Gone counts as known: deleting the others must not make a forgery "new".
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) if crate::sys::is_symlink_refusal(&e) || crate::sys::is_not_regular(&e) => {
                    return Err(crate::fsutil::nofollow_error("cannot open", &path, e));
                }
                Err(_) => return Ok(false),
            };
            if let Some(s) = crate::vault::fileseal::seal_file(&file)
                && pin.seal.as_deref() == Some(hex::encode(s.seal).as_str())
            {
                return Ok(false);
            }
            let mut file = file;
            if std::io::Seek::rewind(&mut file).is_err() {
                return Ok(false);
            }
            let input = std::io::BufReader::new(file);
            match EnvDb::load_lazy(input, paths, &other, path, identity, None)
                .and_then(|db| db.audit_keys())
            {
                Ok(keys) => {
                    let fps = keys.fingerprints();
                    if fps.contains(&pin.audit_key) || pin.env_id.as_deref() == Some(&keys.env_id())
                    {
                        return Ok(false);
                    }
                }
                Err(_) => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Move everything kept for the vault pinned here (pins, seen versions, hook
    /// approvals) aside, for a new vault at the same path; returns where it went.
    pub fn set_aside(&self) -> Result<PathBuf> {
        let mut to = self.dir.clone().into_os_string();
        to.push(format!(".replaced-{}", self.now));
        let to = PathBuf::from(to);
        fs::rename(&self.dir, &to).map_err(|e| Error::io("cannot set aside", &self.dir, e))?;
        Ok(to)
    }

    /// Remember which directory the vault is (`root_stamp`), the first time a pin is
    /// written for it: a new directory at the same path is another vault.
    fn note_root(&self, root: &Path) -> Result<()> {
        let path = self.dir.join("vault.mark");
        if path.exists() {
            return Ok(());
        }
        let Some(stamp) = root_stamp(root) else {
            return Ok(());
        };
        let bytes = serde_json::to_vec(&stamp).expect("a string");
        self.write_atomic(&path, &bytes, true)
    }

    fn load_root(&self) -> Result<Option<String>> {
        let path = self.dir.join("vault.mark");
        match Self::read(&path)? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| Error::PinCorrupt {
                        path,
                        detail: e.to_string(),
                    })
            }
        }
    }

    /// Take the pin's lock (held until the returned file is dropped).
    pub(in crate::vault) fn lock(&self, env: &EnvName) -> Result<fs::File> {
        create_private_dir(self.dir.parent().expect("pins/<id>"))?;
        create_private_dir(&self.dir)?;
        let lock_path = self.dir.join(format!("{env}.lock"));
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(crate::sys::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(|e| Error::io("cannot open pin lock", &lock_path, e))?;
        lock.lock()
            .map_err(|e| Error::io("cannot lock pin", &lock_path, e))?;
        Ok(lock)
    }

    fn store_seen(&self, env: &EnvName, seen: &BTreeMap<String, Seen>) -> Result<()> {
        let bytes = serde_json::to_vec(seen).expect("plain map");
        self.write_atomic(&self.seen_file(env), &bytes, true)
    }

    /// Replace the pin atomically and durably (temp file, fsync, rename): it holds a
    /// lifecycle head. (The journal's head, advanced by every read, is in its own record:
    /// see `journal_pin`.)
    pub(in crate::vault) fn store(&self, env: &EnvName, pin: &Pin) -> Result<()> {
        if let Some(root) = &self.root {
            self.note_root(root)?;
        }
        let bytes = serde_json::to_vec(pin).expect("plain struct");
        self.write_atomic(&self.file(env), &bytes, true)
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
        crate::fsutil::replace_file(path, bytes, 0o600, durable)
            .map_err(|e| Error::io("cannot write pin", path, e))
    }

    /// From which journal row on, which key of the ring at least (see `Pin`).
    pub fn journal_floor(&self, env: &EnvName) -> Result<Option<(i64, usize)>> {
        Ok(self.load(env)?.and_then(|p| p.journal_floor))
    }
}
