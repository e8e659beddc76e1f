//! The follower's cursor: each chain's last delivered event (sequence number and hash), written atomically after each batch reached stdout, checked against the recomputed chains when `follow` starts, and never moved back.
//!
//! Each environment's positions carry a MAC under a key derived from that environment's
//! audit key (which only identities that open it hold): a cursor file is kept where a
//! service can write it, and whoever else can write there must not move a position
//! forward to a later `(seq, hash)` — read from the journal's clear columns, no identity
//! needed — and so skip events silently, nor make one repeat events for ever. A position
//! whose MAC does not check is exit 6 naming the cursor; so is a cursor written before
//! positions were authenticated (version 1).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::vault::keyring::AuditKeys;

#[allow(unused_imports)]
use super::*;

/// A position in one chain: the last event delivered (seq 0: none yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Pos {
    pub(super) seq: i64,
    pub(super) hash: String,
}

impl Pos {
    pub(super) fn start() -> Pos {
        Pos {
            seq: 0,
            hash: hex::encode(GENESIS),
        }
    }

    pub(super) fn at(e: &Event) -> Pos {
        Pos {
            seq: e.seq,
            hash: hex::encode(e.hash),
        }
    }

    pub(super) fn hash(&self) -> Option<[u8; 32]> {
        hex::decode(&self.hash).ok()?.try_into().ok()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct EnvPos {
    pub(super) lifecycle: Pos,
    pub(super) access: Pos,
    /// HMAC-SHA256 of both positions, the vault and the environment, under [`mac_key`]
    /// of the environment's audit key in force when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) mac: Option<String>,
}

impl Default for EnvPos {
    fn default() -> Self {
        EnvPos {
            lifecycle: Pos::start(),
            access: Pos::start(),
            mac: None,
        }
    }
}

/// The cursor's version: 2 since positions carry a MAC.
const VERSION: u8 = 2;

/// The key that authenticates a cursor's positions for an environment, derived from one
/// of its audit keys (never the audit key itself: a MAC key is not a sealing key).
fn mac_key(audit_key: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(audit_key).expect("any key length");
    m.update(b"keyward-follow-cursor-v2");
    Zeroizing::new(m.finalize().into_bytes().into())
}

fn mac(key: &[u8; 32], vault: &str, env: &str, pos: &EnvPos) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    for part in [vault.as_bytes(), env.as_bytes()] {
        m.update(&(part.len() as u64).to_be_bytes());
        m.update(part);
    }
    for p in [&pos.lifecycle, &pos.access] {
        m.update(&p.seq.to_be_bytes());
        m.update(&p.hash().unwrap_or_default());
    }
    m
}

/// The cursor file's content.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CursorFile {
    pub(super) v: u8,
    /// The vault followed (a cursor of another vault is refused).
    pub(super) vault: String,
    pub(super) envs: BTreeMap<String, EnvPos>,
}

/// The positions, and where they are kept.
pub(super) struct Cursor {
    pub(super) path: Option<PathBuf>,
    pub(super) file: CursorFile,
    pub(super) dirty: bool,
    /// The MAC keys of each environment whose audit keys were read (oldest first; the
    /// last one writes), once its stored positions checked.
    keys: BTreeMap<String, Vec<Zeroizing<[u8; 32]>>>,
    /// `<cursor>.lock`, held for the follower's life: one follower per cursor.
    _lock: Option<std::fs::File>,
}

/// Take `<path>.lock` (0600, never through a link) for this follower, or say another
/// holds it. The cursor itself is replaced by a rename at each save, so it cannot be
/// the file locked; two followers on one cursor would each deliver every event and
/// overwrite each other's positions.
fn lock_beside(path: &std::path::Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock = PathBuf::from(name);
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(sys::O_NOFOLLOW | sys::O_NONBLOCK)
        .open(&lock)
        .and_then(sys::require_regular)
        .map_err(|e| crate::fsutil::nofollow_error("cannot open", &lock, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::CursorBusy {
            path: path.to_owned(),
            lock,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", lock, e)),
    }
}

impl Cursor {
    /// The cursor at `path` (a missing file is a new cursor: every chain from its
    /// start), or positions kept in memory only.
    pub(super) fn load(path: Option<PathBuf>, vault: String) -> Result<Cursor> {
        let fresh = CursorFile {
            v: VERSION,
            vault: vault.clone(),
            envs: BTreeMap::new(),
        };
        let Some(p) = path else {
            return Ok(Cursor {
                path: None,
                file: fresh,
                dirty: false,
                keys: BTreeMap::new(),
                _lock: None,
            });
        };
        let lock = Some(lock_beside(&p)?);
        let text = match read_nofollow(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Written now, before any event: a cursor that cannot be kept (its
                // directory missing or read-only) fails here, not after the whole
                // history went out, which a restart would send again.
                let mut cursor = Cursor {
                    path: Some(p),
                    file: fresh,
                    dirty: true,
                    keys: BTreeMap::new(),
                    _lock: lock,
                };
                cursor.save()?;
                return Ok(cursor);
            }
            Err(e) if sys::is_symlink_refusal(&e) => {
                return Err(Error::OutputIsSymlink { path: p });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Error::CursorCorrupt {
                    path: p,
                    detail: "not a cursor (not UTF-8 text)".into(),
                });
            }
            Err(e) => return Err(Error::io("cannot read", p, e)),
        };
        let corrupt = |detail: String| Error::CursorCorrupt {
            path: p.clone(),
            detail,
        };
        let file: CursorFile =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not a cursor ({e})")))?;
        if file.v == 1 {
            return Err(corrupt(
                "written by an earlier keyward, its positions not authenticated".into(),
            ));
        }
        if file.v != VERSION {
            return Err(corrupt(format!("unknown cursor version {}", file.v)));
        }
        for (env, pos) in &file.envs {
            for (chain, pos) in [("lifecycle", &pos.lifecycle), ("access", &pos.access)] {
                if pos.seq < 0 || pos.hash().is_none() {
                    return Err(corrupt(format!("a malformed {chain} position for `{env}`")));
                }
            }
            if pos
                .mac
                .as_deref()
                .and_then(|m| hex::decode(m).ok())
                .map(|m| m.len())
                != Some(32)
            {
                return Err(corrupt(format!("its positions for `{env}` carry no MAC")));
            }
        }
        if file.vault != vault {
            return Err(Error::usage(format!(
                "cursor `{}` follows the vault `{}`, not `{vault}`\nhint: give each vault its own cursor file",
                p.display(),
                file.vault
            )));
        }
        Ok(Cursor {
            path: Some(p),
            file,
            dirty: false,
            keys: BTreeMap::new(),
            _lock: lock,
        })
    }

    /// The audit keys of `env`, read by the follower: the positions stored for it must
    /// carry a MAC under one of them (checked once, before they are used), and they are
    /// written under the newest.
    pub(super) fn learn(&mut self, env: &str, keys: &AuditKeys) -> Result<()> {
        if self.keys.contains_key(env) {
            return Ok(());
        }
        let derived: Vec<_> = keys.all().map(mac_key).collect();
        if let (Some(path), Some(pos)) = (&self.path, self.file.envs.get(env)) {
            let stored = pos.mac.as_deref().and_then(|m| hex::decode(m).ok());
            let ok = stored.is_some_and(|tag| {
                derived.iter().any(|k| {
                    mac(k, &self.file.vault, env, pos)
                        .verify_slice(&tag)
                        .is_ok()
                })
            });
            if !ok {
                return Err(Error::CursorCorrupt {
                    path: path.clone(),
                    detail: format!(
                        "its positions for `{env}` are not the ones a follower of this vault wrote (edited, or from another cursor)"
                    ),
                });
            }
        }
        self.keys.insert(env.to_owned(), derived);
        Ok(())
    }

    /// Check every position against the chains as they are now, recomputed (DESIGN §8
    /// round 3): a position must name an event there, with that hash. A cursor past the
    /// end of a chain is refused — unless the environment file is an earlier state this
    /// machine knows of (a branch checked out), whose newer state will come back.
    pub(super) fn validate(&mut self, ctx: &Context) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let mut renumbered = Vec::new();
        let invalid = |env: &str, chain: Chain, detail: String| Error::CursorCorrupt {
            path: path.clone(),
            detail: format!("its {chain} position for `{env}` {detail}"),
        };
        let envs: Vec<(String, EnvPos)> = self.file.envs.clone().into_iter().collect();
        for (env, pos) in &envs {
            let Ok(name) = env.parse::<EnvName>() else {
                return Err(invalid(
                    env,
                    Chain::Lifecycle,
                    "names no environment".into(),
                ));
            };
            let db = match ctx.open_env_named(&name) {
                Ok(db) => db,
                // Not readable here (any more): nothing to check, nothing to deliver.
                Err(Error::NotARecipient { .. } | Error::EnvNotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            self.learn(env, &db.audit_keys()?)?;
            let events = db.lifecycle_events()?;
            let l = &pos.lifecycle;
            let behind = matches!(db.history(), crate::vault::Relation::Behind { .. });
            let at = |seq: i64| usize::try_from(seq - 1).ok().and_then(|i| events.get(i));
            let found = events.iter().position(|e| hex::encode(e.hash) == l.hash);
            if l.seq > 0
                && at(l.seq).is_none_or(|e| hex::encode(e.hash) != l.hash)
                && let Some(i) = found
            {
                // The event is there at another number: only a merge renumbers a chain
                // (the position is authenticated), and resuming goes on from where the
                // event is now, so that the position moves on past it.
                renumbered.push((env.clone(), i as i64 + 1));
            } else if l.seq > 0 && found.is_none() && !(behind && l.seq as usize > events.len()) {
                return Err(invalid(
                    env,
                    Chain::Lifecycle,
                    format!(
                        "names event {} with a hash the chain does not hold (the chain has {} events)",
                        l.seq,
                        events.len()
                    ),
                ));
            }
            let a = &pos.access;
            if a.seq == 0 {
                continue;
            }
            let keys = db.audit_keys()?;
            let held = match Journal::open_existing(&ctx.paths, &name)? {
                None => None,
                Some(j) => j
                    .events_after(&keys, 0, GENESIS, a.seq as usize)?
                    .and_then(|evs| evs.last().map(|e| (e.seq, hex::encode(e.hash)))),
            };
            if held != Some((a.seq, a.hash.clone())) {
                return Err(invalid(
                    env,
                    Chain::Access,
                    format!(
                        "names event {} that the journal does not hold as recorded",
                        a.seq
                    ),
                ));
            }
        }
        for (env, seq) in renumbered {
            if let Some(p) = self.file.envs.get_mut(&env) {
                p.lifecycle.seq = seq;
                self.dirty = true;
            }
        }
        Ok(())
    }

    pub(super) fn resumes(&self) -> bool {
        self.path.is_some()
    }

    pub(super) fn pos(&mut self, env: &EnvName) -> &mut EnvPos {
        self.file.envs.entry(env.to_string()).or_default()
    }

    pub(super) fn set(&mut self, env: &EnvName, chain: Chain, pos: Pos) {
        let p = self.pos(env);
        let slot = match chain {
            Chain::Lifecycle => &mut p.lifecycle,
            Chain::Access => &mut p.access,
        };
        // A cursor never moves back (DESIGN §12 round 3): delivering again what was
        // delivered is as wrong as skipping.
        if pos.seq < slot.seq {
            return;
        }
        if *slot != pos {
            *slot = pos;
            self.dirty = true;
        }
    }

    /// Write the positions (after the events they cover reached stdout).
    pub(super) fn save(&mut self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        for (env, pos) in self.file.envs.iter_mut() {
            // An environment not read in this run keeps the MAC it came with.
            if let Some(key) = self.keys.get(env).and_then(|k| k.last()) {
                let tag = mac(key, &self.file.vault, env, pos).finalize().into_bytes();
                pos.mac = Some(hex::encode(tag));
            }
        }
        let mut f = OutFile::create(path, true)?;
        let mut bytes = serde_json::to_vec(&self.file).expect("plain struct serializes");
        bytes.push(b'\n');
        f.write_all(&bytes)
            .map_err(|e| Error::io("cannot write", path.clone(), e))?;
        f.commit()?;
        self.dirty = false;
        Ok(())
    }
}

pub(super) fn read_nofollow(p: &std::path::Path) -> std::io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(sys::O_NOFOLLOW)
        .open(p)?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(s)
}
