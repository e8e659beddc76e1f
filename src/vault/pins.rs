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
//! error, never a reset.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fsutil::create_private_dir;
use crate::names::EnvName;
use crate::vault::keyring::AuditKeys;
use crate::vault::schema::*;
use crate::vault::store::EnvDb;
use std::collections::HashSet;

/// The pin format this build writes (1: before audit keys were replaced on removal;
/// read as it is, its next advance writes 2).
const PIN_VERSION: u8 = 2;

/// A journal head as pinned: its sequence number and hash (hex).
pub type JournalHead = (i64, String);

/// What this machine knows of one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    v: u8,
    /// First 16 bytes of SHA-256 of the environment's audit key in force, in hex.
    audit_key: String,
    /// The same for every audit key of the environment seen here, oldest first (each
    /// removal of a recipient replaces the key: DESIGN §8 round 3). A file whose key is
    /// one of the older ones is a state from before a removal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ring: Vec<String>,
    /// The environment's identity (`AuditKeys::env_id`): the same in every clone,
    /// unchanged by key replacements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env_id: Option<String>,
    /// The lifecycle chain's head when last seen: its sequence number, hash and time.
    pub seq: i64,
    pub hash: String,
    pub time: i64,
    /// The seal (`fileseal`) of the file verified (or written) here at that head; the
    /// hashes of its chunks are in `<env>.chunks`. A file with the same header and nonce
    /// is read without checking its chain again, each chunk it reads checked against
    /// its hash. Any other file is verified from its rows before it is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seal: Option<String>,
    /// Per key, what was seen out of service (statuses only move forward). Kept in its
    /// own file (`<env>.seen.json`, one entry per rotated or revoked key): it matters
    /// only for an earlier state, so a `get` of a current file never reads it.
    #[serde(skip)]
    seen: BTreeMap<String, Seen>,
    /// The access journal's head when last appended to or read here: `(seq, hash)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    journal: Option<(i64, String)>,
    /// The journal lost events this machine saw (deleted or cut back): the sequence
    /// number last seen. Kept until `trust`, so `audit` never passes over the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    journal_gap: Option<i64>,
    /// When this machine first saw the audit key in force: the journal's head then and
    /// the key's place in the ring. Rows after that head must open with that key or a
    /// newer one: a removed recipient's key seals nothing here after its removal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    journal_floor: Option<(i64, usize)>,
}

/// The out-of-service versions of one key seen here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    /// Every version up to this one was seen retired, revoked or expired.
    dead: u32,
    /// Whether version `dead` itself was seen revoked (for the message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    revoked: bool,
    /// Versions up to `.0` were seen retiring, verifying until `.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grace: Option<(u32, i64)>,
    /// Versions up to `.0` were seen expired, at `.1` at the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expired: Option<(u32, i64)>,
}

impl Seen {
    /// A version as read from the file — `(status, retire_at, expires)` — raised to
    /// what was seen here: never less out of service than this machine saw it.
    pub fn raise(
        &self,
        version: u32,
        (status, retire_at, expires): (i64, Option<i64>, Option<i64>),
    ) -> (i64, Option<i64>, Option<i64>) {
        let earlier = |a: Option<i64>, b: i64| Some(a.map_or(b, |a| a.min(b)));
        let expires = match self.expired {
            Some((v, at)) if version <= v => earlier(expires, at),
            _ => expires,
        };
        if version < self.dead || (version == self.dead && !self.revoked) {
            return (status.max(ST_RETIRED), retire_at, expires);
        }
        if version == self.dead {
            return (ST_REVOKED, retire_at, expires);
        }
        match self.grace {
            Some((v, until)) if version <= v && status == ST_ACTIVE => {
                (ST_RETIRING, earlier(retire_at, until), expires)
            }
            _ => (status, retire_at, expires),
        }
    }

    fn merge(&mut self, other: &Seen) {
        if other.dead > self.dead || (other.dead == self.dead && other.revoked) {
            self.revoked = other.revoked;
        }
        self.dead = self.dead.max(other.dead);
        let widest = |a: Option<(u32, i64)>, b: Option<(u32, i64)>| match (a, b) {
            (Some(a), Some(b)) => Some((a.0.max(b.0), a.1.min(b.1))),
            (a, b) => a.or(b),
        };
        self.grace = widest(self.grace, other.grace);
        self.expired = widest(self.expired, other.expired);
    }
}

/// How an opened file relates to its pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum History {
    /// Never seen here (a first open: trust on first use).
    Fresh,
    /// Holds the pinned head: the same state, or a later one.
    Current,
    /// Has the pinned audit key but not the pinned head: an earlier state (an older
    /// branch, a restored backup) or a diverging one. Reads warn; writes are refused.
    Behind {
        pinned_seq: i64,
        pinned_time: i64,
        file_seq: i64,
    },
    /// Never seen here, and neither is the vault: another vault now sits at a path
    /// where this machine pinned one before (a reused CI workspace). Trusted on first
    /// use; what was kept for the old vault (pins, hook approvals) was set aside to the
    /// directory named here.
    NewVault { set_aside: PathBuf },
    /// Not checked (no state directory; `trust`; a vault being created).
    Unchecked,
}

/// Where a vault's pins live.
#[derive(Clone, Debug)]
pub struct PinDir {
    dir: PathBuf,
    /// The vault's directory (to tell a new directory at the same path).
    root: Option<PathBuf>,
    /// The time of the command: what counts as expired or past its grace.
    now: i64,
}

impl PinDir {
    /// The pins of the vault at `root`, under `state` (`$XDG_STATE_HOME/keyward`).
    pub fn new(state: &Path, root: &Path, now: i64) -> PinDir {
        let canonical = fs::canonicalize(root).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(root))
                .unwrap_or_else(|_| root.to_owned())
        });
        let id = hex::encode(&Sha256::digest(canonical.as_os_str().as_encoded_bytes())[..12]);
        PinDir {
            dir: state.join("pins").join(id),
            root: Some(root.to_owned()),
            now,
        }
    }

    /// This vault's pin directory (hook approvals live beside the pins: `approvals`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.json"))
    }

    fn seen_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.seen.json"))
    }

    /// A pin file's bytes, if it exists. One that cannot be read or is readable by
    /// others is an error: silently starting over would turn any replaced file into a
    /// first open.
    fn read(path: &Path) -> Result<Option<Vec<u8>>> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read pin", path, e)),
        };
        if !meta.is_file() || meta.mode() & 0o077 != 0 {
            return Err(Error::PinUnsafe {
                path: path.to_owned(),
                mode: meta.mode() & 0o777,
            });
        }
        fs::read(path)
            .map(Some)
            .map_err(|e| Error::io("cannot read pin", path, e))
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
        let pin: Pin = serde_json::from_slice(&bytes).map_err(|e| Error::PinCorrupt {
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
        Ok(Some(pin))
    }

    /// Record what `db` holds now (a file verified from its rows, or written here, whose
    /// age header digests to `header`): under the pin's lock, merged with what is stored
    /// (a concurrent command's advance is never lost, and the head never moves back),
    /// then replaced atomically. `replace`: take `db`'s head even if it does not extend
    /// the stored one (`trust`).
    pub(crate) fn advance(
        &self,
        db: &EnvDb,
        replace: bool,
        sealed: Option<&crate::vault::fileseal::Sealed>,
    ) -> Result<()> {
        let _lock = self.lock(&db.env)?;
        let old = self.load(&db.env)?;
        let mut pin = snapshot(db, self.now)?;
        if let Some(s) = sealed {
            let bytes: Vec<u8> = s.chunks.iter().flatten().copied().collect();
            self.write_atomic(&self.chunks_file(&db.env), &bytes, true)?;
            pin.seal = Some(hex::encode(s.seal));
        }
        if let Some(old) = old {
            let same_env = old.audit_key == pin.audit_key
                || pin.ring.contains(&old.audit_key)
                || old.env_id.is_some() && old.env_id == pin.env_id;
            if same_env {
                for (k, s) in &self.load_seen(&db.env)? {
                    pin.seen.entry(k.clone()).or_default().merge(s);
                }
            }
            if same_env && !replace {
                pin.journal = old.journal.clone();
                pin.journal_gap = old.journal_gap;
            }
            if same_env {
                pin.journal_floor = old.journal_floor;
            }
            if same_env && pin.audit_key != old.audit_key && pin.ring.contains(&old.audit_key) {
                // A newer key, first seen here: the journal's rows from now on.
                let head = crate::vault::journal::Journal::open_existing(db.paths(), &db.env)?
                    .map(|j| j.head())
                    .transpose()?
                    .flatten()
                    .map_or(0, |(seq, _)| seq);
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
        self.store(&db.env, &pin, true)
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
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(_) => return Ok(false),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(other) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| !n.contains('.'))
                .and_then(|n| n.parse::<EnvName>().ok())
            else {
                continue;
            };
            if &other == env {
                continue;
            }
            let Some(pin) = self.load(&other)? else {
                continue;
            };
            let file = paths.env_file(&other);
            // Gone counts as known: deleting the others must not make a forgery "new".
            if !file.exists() {
                return Ok(false);
            }
            if let Some(s) = crate::vault::store::seal_path(&file)
                && pin.seal.as_deref() == Some(hex::encode(s.seal).as_str())
            {
                return Ok(false);
            }
            let Ok(bytes) = fs::read(&file) else {
                return Ok(false);
            };
            match EnvDb::open_bytes(paths, &other, file.clone(), &bytes, identity)
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
    fn lock(&self, env: &EnvName) -> Result<fs::File> {
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

    /// Replace the pin atomically (temp file, rename). `durable`: fsync too — for
    /// lifecycle heads; a journal head lost in a crash only makes the next check laxer.
    fn store(&self, env: &EnvName, pin: &Pin, durable: bool) -> Result<()> {
        if let Some(root) = &self.root {
            self.note_root(root)?;
        }
        let bytes = serde_json::to_vec(pin).expect("plain struct");
        self.write_atomic(&self.file(env), &bytes, durable)
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
        crate::fsutil::replace_file(path, bytes, 0o600, durable)
            .map_err(|e| Error::io("cannot write pin", path, e))
    }

    /// From which journal row on, which key of the ring at least (see `Pin`).
    pub fn journal_floor(&self, env: &EnvName) -> Result<Option<(i64, usize)>> {
        Ok(self.load(env)?.and_then(|p| p.journal_floor))
    }

    /// The journal head this machine saw, and whether a gap was found before.
    pub fn journal_pin(&self, env: &EnvName) -> Result<(Option<JournalHead>, Option<i64>)> {
        Ok(self
            .load(env)?
            .map(|p| (p.journal, p.journal_gap))
            .unwrap_or_default())
    }

    /// After an append or a full read: the journal's head is `head`; `gap`: it had lost
    /// events seen here (kept until `trust`). No pin yet: nothing to record.
    pub fn advance_journal(
        &self,
        env: &EnvName,
        head: (i64, String),
        gap: Option<i64>,
    ) -> Result<()> {
        let _lock = self.lock(env)?;
        let Some(mut pin) = self.load(env)? else {
            return Ok(());
        };
        let before = pin.clone();
        if pin.journal.as_ref().is_none_or(|(s, _)| head.0 >= *s) || gap.is_some() {
            pin.journal = Some(head);
        }
        pin.journal_gap = pin.journal_gap.or(gap);
        if pin == before {
            return Ok(());
        }
        self.store(env, &pin, false)
    }
}

/// Compare a file with its pin (see the module docs). `keys`: the file's audit keys;
/// `chain`: every lifecycle hash of the file, recomputed from its rows (DESIGN §8 round
/// 3: a head is accepted only when it is recomputed, never because a row stores it),
/// asked for only once the file is known to be a state of the pinned environment.
pub fn compare(
    db: &EnvDb,
    pin: &Pin,
    keys: &AuditKeys,
    chain: impl FnOnce() -> Result<HashSet<[u8; 32]>>,
) -> Result<History> {
    let fps = keys.fingerprints();
    let current = fps.last().expect("a ring holds at least one key");
    if *current != pin.audit_key {
        if pin.ring.contains(current) {
            // A key this machine saw replaced: a state from before a removal.
            return Err(Error::FromBeforeRemoval {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
                in_git: crate::vault::store::in_git_work_tree(&db.paths().root),
            });
        }
        // A later state carries the pinned key among its replaced ones. A file that
        // shares only keys older than the pinned one branched off before a removal
        // this machine saw (whatever key it claims now: anyone can write a fresh one).
        let later = fps.contains(&pin.audit_key);
        if !later && pin.ring.iter().any(|f| fps.contains(f)) {
            return Err(Error::FromBeforeRemoval {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
                in_git: crate::vault::store::in_git_work_tree(&db.paths().root),
            });
        }
        if !later {
            return Err(Error::UnrelatedEnv {
                env: db.env.clone(),
                path: db.path.clone(),
                pinned_seq: pin.seq,
                pinned_time: pin.time,
            });
        }
    }
    // A merge (DESIGN §9) may have moved the pinned event to another place in the
    // chain: any recomputed hash will do (each covers its parents).
    // Only a related file has its chain recomputed (the relation needs no walk).
    let chain = chain()?;
    let pinned: Option<[u8; 32]> = hex::decode(&pin.hash).ok().and_then(|h| h.try_into().ok());
    if pinned.is_some_and(|h| chain.contains(&h)) {
        return Ok(History::Current);
    }
    let (file_seq, _, _) = head(db)?;
    Ok(History::Behind {
        pinned_seq: pin.seq,
        pinned_time: pin.time,
        file_seq,
    })
}

/// A file that extends the pinned state must keep every version this machine saw out of
/// service out of it: a status moved back, or an expiry moved later with no event on
/// its key since the pinned head (`since`), is a row edited outside keyward (exit 6).
/// Versions a merge renumbered (a `merge-conflict` on the key since) are not compared
/// by number.
pub fn check_seen(
    db: &EnvDb,
    seen: &BTreeMap<String, Seen>,
    since: &[crate::audit::Event],
) -> Result<()> {
    use crate::audit::Action;
    let mut stmt = db.conn.prepare(
        "SELECT v.version, v.status, v.retire_at, v.expires FROM versions v
         JOIN keys k ON k.id = v.key_id WHERE k.name = ?1 ORDER BY v.version",
    )?;
    for (name, s) in seen {
        let on_key: Vec<&crate::audit::Event> = since
            .iter()
            .filter(|e| e.key.as_deref() == Some(name.as_str()))
            .collect();
        // Renumbered by a merge, or another key under this name now (deleted and made
        // again, renamed away): the numbers seen are not this key's.
        let renamed_away = since.iter().any(|e| {
            e.action == Action::Rename
                && e.reason.as_deref() == Some(format!("renamed from {name}").as_str())
        });
        if renamed_away
            || on_key.iter().any(|e| {
                matches!(
                    e.action,
                    Action::MergeConflict | Action::Delete | Action::Rename
                )
            })
        {
            continue;
        }
        let rows = stmt.query_map([name], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        for row in rows {
            let (version, status, retire_at, expires) = row?;
            let (raised, _, raised_expires) = s.raise(version, (status, retire_at, expires));
            // What is kept here is a summary (the newest version seen out of service,
            // and whether it was revoked): exact for that version only — a merge may
            // keep an older value active below it. So: the version seen revoked is
            // revoked still. (Every row is checked by `audit verify --git`.)
            let back = version == s.dead && s.revoked && status != ST_REVOKED;
            let detail = if back {
                Some(format!(
                    "`{name}` v{version} was seen {} on this machine; this file has it {}",
                    status_word(raised.max(ST_REVOKED)),
                    status_word(status)
                ))
            } else if raised_expires != expires && on_key.is_empty() {
                Some(format!(
                    "`{name}` v{version} was seen expired on this machine; this file moves its expiry later with no event on the key"
                ))
            } else {
                None
            };
            if let Some(detail) = detail {
                return Err(Error::Corrupt {
                    path: db.path.clone(),
                    detail: format!(
                        "{detail}: a row edited outside keyward; nothing was read from it"
                    ),
                });
            }
        }
    }
    Ok(())
}

fn status_word(s: i64) -> &'static str {
    match s {
        ST_ACTIVE => "active",
        ST_RETIRING => "retiring",
        ST_RETIRED => "retired",
        _ => "revoked",
    }
}

/// Which directory sits at the vault's path (device, inode, birth time), kept in this
/// machine's state directory: nothing anyone can write into the vault (or push through
/// git) changes it.
fn root_stamp(root: &Path) -> Option<String> {
    crate::sys::dir_identity(root)
}

/// The lifecycle chain's head: `(seq, hash, time)`; `(0, [], 0)` for an empty chain.
pub fn head(db: &EnvDb) -> Result<(i64, Vec<u8>, i64)> {
    Ok(db
        .conn
        .query_row(
            "SELECT seq, hash, time FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .unwrap_or((0, Vec::new(), 0)))
}

/// The pin `db` would leave: its audit key, its head, and every version out of service
/// at `now` (one query over the versions that are not plainly active).
fn snapshot(db: &EnvDb, now: i64) -> Result<Pin> {
    let (seq, hash, time) = head(db)?;
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut stmt = db.conn.prepare(
        "SELECT k.name, v.version, v.status, v.retire_at, v.expires FROM versions v
         JOIN keys k ON k.id = v.key_id
         WHERE v.status != ?1 OR (v.expires IS NOT NULL AND v.expires <= ?2)",
    )?;
    let rows = stmt.query_map(params![ST_ACTIVE, now], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (name, version, status, retire_at, expires) = row?;
        let s = seen.entry(name).or_default();
        let over = retire_at.is_some_and(|t| t <= now);
        if let Some(at) = expires.filter(|e| *e <= now) {
            s.merge(&Seen {
                expired: Some((version, at)),
                ..Seen::default()
            });
        }
        if status == ST_RETIRED || status == ST_REVOKED || (status == ST_RETIRING && over) {
            s.merge(&Seen {
                dead: version,
                revoked: status == ST_REVOKED,
                ..Seen::default()
            });
        } else if let (ST_RETIRING, Some(until)) = (status, retire_at) {
            s.merge(&Seen {
                grace: Some((version, until)),
                ..Seen::default()
            });
        }
    }
    let keys = db.audit_keys()?;
    let mut ring = keys.fingerprints();
    let audit_key = ring.pop().expect("a ring holds at least one key");
    Ok(Pin {
        v: PIN_VERSION,
        audit_key,
        ring,
        env_id: Some(keys.env_id()),
        seal: None,
        journal_floor: None,
        seq,
        hash: hex::encode(hash),
        time,
        seen,
        journal: None,
        journal_gap: None,
    })
}

impl Pin {
    /// Load what was seen out of service into this pin (for an earlier state).
    pub fn with_seen(mut self, pins: &PinDir, env: &EnvName) -> Result<Pin> {
        self.seen = pins.load_seen(env)?;
        Ok(self)
    }

    /// What was seen out of service of key `name`.
    pub fn seen(&self, name: &str) -> Option<&Seen> {
        self.seen.get(name)
    }
}

impl crate::vault::Tx<'_> {
    /// `trust` of an earlier state: write into the file what this machine saw — versions
    /// it saw revoked, retired, expired or retiring become so here too — so that
    /// statuses move forward for every reader, not just this machine. Returns how many
    /// versions changed.
    pub fn raise_to_seen(&self, actor: &crate::audit::Actor, now: i64) -> Result<usize> {
        let Some(pin) = self.pin.as_ref() else {
            return Ok(0);
        };
        let actor_id = self.actor_id(actor)?;
        let mut changed = 0;
        for (name, seen) in &pin.seen {
            let Ok(name) = name.parse::<crate::names::KeyName>() else {
                continue;
            };
            let Ok(key) = self.key(&name) else {
                continue;
            };
            for v in self.versions(&key)? {
                // `versions` reads through the pin: the raised status and times.
                let stored: (i64, Option<i64>) = self.conn.query_row(
                    "SELECT status, retire_at FROM versions WHERE key_id = ?1 AND version = ?2",
                    params![key.id, v.version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let raised = seen.raise(v.version, (stored.0, stored.1, v.expires));
                if (raised.0, raised.1) == stored {
                    continue;
                }
                if raised.0 == ST_REVOKED {
                    self.revoke(
                        &key,
                        Some(v.version),
                        actor_id,
                        "revoked on this machine before `trust` accepted an earlier state",
                        now,
                    )?;
                } else {
                    self.conn.execute(
                        "UPDATE versions SET status = ?1, retire_at = ?2 WHERE key_id = ?3 AND version = ?4",
                        params![raised.0, raised.1, key.id, v.version],
                    )?;
                }
                changed += 1;
            }
        }
        Ok(changed)
    }
}
