//! Hook approvals (DESIGN §11): which rotation hooks a person on this machine approved,
//! by the SHA-256 of the exact command text. Anyone who can write an environment can
//! change a hook, so a hook runs here only if its hash is recorded here.
//!
//! Kept beside the pins (`$XDG_STATE_HOME/keyward/pins/<vault id>/<env>.hooks.json`),
//! never in the vault: a 0600 file in a 0700 directory, replaced atomically under a
//! lock. A file that is not private, or that cannot be parsed, is an error — never read
//! as "nothing approved" silently, never reset.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::create_private_dir;
use crate::names::{EnvName, KeyName};
use crate::vault::VaultPaths;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    v: u8,
    /// Key name → SHA-256 (hex) of the hook command approved for it.
    approved: BTreeMap<String, String>,
    /// Key name → the directory its hook runs in, recorded when it was approved, for a
    /// vault outside a git work tree (DESIGN §16; one inside runs from the tree's top).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    dirs: BTreeMap<String, String>,
}

/// The approvals of one environment of one vault on this machine.
pub struct Approvals {
    dir: PathBuf,
    env: EnvName,
}

impl Approvals {
    pub fn of(paths: &VaultPaths, env: &EnvName) -> Result<Approvals> {
        let pins = paths.pins.as_ref().ok_or(Error::Internal(
            "hook approvals of a vault without a state directory",
        ))?;
        Ok(Approvals {
            dir: pins.dir().to_owned(),
            env: env.clone(),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.hooks.json", self.env))
    }

    fn load(&self) -> Result<File> {
        let path = self.path();
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::default()),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        if !meta.is_file() || meta.mode() & 0o077 != 0 {
            return Err(Error::Hook(crate::error::HookError::ApprovalsUnsafe {
                path,
                mode: meta.mode() & 0o777,
            }));
        }
        let bytes = fs::read(&path).map_err(|e| Error::io("cannot read", path.clone(), e))?;
        let file: File = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Hook(crate::error::HookError::ApprovalsCorrupt {
                path: path.clone(),
                detail: e.to_string(),
            })
        })?;
        if file.v != 1
            || file
                .approved
                .values()
                .any(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::Hook(crate::error::HookError::ApprovalsCorrupt {
                path,
                detail: "unknown version or malformed hash".into(),
            }));
        }
        Ok(file)
    }

    /// The hash approved here for `key`'s hook, if any.
    pub fn approved(&self, key: &KeyName) -> Result<Option<String>> {
        Ok(self.load()?.approved.remove(key.as_str()))
    }

    /// Record `hash` as approved for `key` (replacing an earlier approval), to run in
    /// `dir` when given.
    pub fn approve(&self, key: &KeyName, hash: &str, dir: Option<&Path>) -> Result<()> {
        self.change(|f| {
            f.approved.insert(key.to_string(), hash.to_owned());
            match dir {
                Some(d) => f
                    .dirs
                    .insert(key.to_string(), d.to_string_lossy().into_owned()),
                None => f.dirs.remove(key.as_str()),
            };
        })
    }

    /// The directory recorded for `key`'s hook, if any.
    pub fn dir(&self, key: &KeyName) -> Result<Option<PathBuf>> {
        Ok(self.load()?.dirs.remove(key.as_str()).map(PathBuf::from))
    }

    /// Forget `key`'s approval (its hook was cleared here).
    pub fn forget(&self, key: &KeyName) -> Result<()> {
        self.change(|f| {
            f.approved.remove(key.as_str());
            f.dirs.remove(key.as_str());
        })
    }

    /// Read, change and replace the file under its lock.
    fn change(&self, f: impl FnOnce(&mut File)) -> Result<()> {
        create_private_dir(self.dir.parent().expect("pins/<id>"))?;
        create_private_dir(&self.dir)?;
        let lock_path = self.dir.join(format!("{}.hooks.lock", self.env));
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(crate::sys::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(|e| Error::io("cannot open", lock_path.clone(), e))?;
        lock.lock()
            .map_err(|e| Error::io("cannot lock", lock_path.clone(), e))?;
        let mut file = self.load()?;
        file.v = 1;
        f(&mut file);
        let bytes = serde_json::to_vec_pretty(&file).expect("plain map");
        write_atomic(&self.dir, &self.path(), &bytes)
    }
}

fn write_atomic(_dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsutil::replace_file(path, bytes, 0o600, true)
        .map_err(|e| Error::io("cannot write", path, e))
}
