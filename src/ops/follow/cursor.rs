//! The follower's cursor: each chain's last delivered event (sequence number and hash), written atomically after each batch reached stdout, checked against the recomputed chains when `follow` starts, and never moved back.

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
}

impl Default for EnvPos {
    fn default() -> Self {
        EnvPos {
            lifecycle: Pos::start(),
            access: Pos::start(),
        }
    }
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
}

impl Cursor {
    /// The cursor at `path` (a missing file is a new cursor: every chain from its
    /// start), or positions kept in memory only.
    pub(super) fn load(path: Option<PathBuf>, vault: String) -> Result<Cursor> {
        let fresh = CursorFile {
            v: 1,
            vault: vault.clone(),
            envs: BTreeMap::new(),
        };
        let Some(p) = path else {
            return Ok(Cursor {
                path: None,
                file: fresh,
                dirty: false,
            });
        };
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
        if file.v != 1 {
            return Err(corrupt(format!("unknown cursor version {}", file.v)));
        }
        for (env, pos) in &file.envs {
            for (chain, pos) in [("lifecycle", &pos.lifecycle), ("access", &pos.access)] {
                if pos.seq < 0 || pos.hash().is_none() {
                    return Err(corrupt(format!("a malformed {chain} position for `{env}`")));
                }
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
        })
    }

    /// Check every position against the chains as they are now, recomputed (DESIGN §8
    /// round 3): a position must name an event there, with that hash. A cursor past the
    /// end of a chain is refused — unless the environment file is an earlier state this
    /// machine knows of (a branch checked out), whose newer state will come back.
    pub(super) fn validate(&self, ctx: &Context) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let invalid = |env: &str, chain: Chain, detail: String| Error::CursorCorrupt {
            path: path.clone(),
            detail: format!("its {chain} position for `{env}` {detail}"),
        };
        for (env, pos) in &self.file.envs {
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
            let events = db.lifecycle_events()?;
            let l = &pos.lifecycle;
            let behind = matches!(db.history(), crate::vault::Relation::Behind { .. });
            if l.seq > 0
                && !events.iter().any(|e| hex::encode(e.hash) == l.hash)
                && !(behind && l.seq as usize > events.len())
            {
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
