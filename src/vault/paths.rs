//! Where things live on disk (DESIGN §2) and how private directories are made.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::names::EnvName;

/// The vault directory and the paths inside it.
#[derive(Clone, Debug)]
pub struct VaultPaths {
    pub root: PathBuf,
    /// Where this machine pins what it saw of the vault (DESIGN §8); `None` for a vault
    /// being built, which nobody has seen yet.
    pub pins: Option<crate::vault::pins::PinDir>,
}

impl VaultPaths {
    pub fn new(root: PathBuf) -> Self {
        VaultPaths { root, pins: None }
    }

    /// The vault at `root`, with its pins under `state` (`$XDG_STATE_HOME/keyward`), at
    /// the time `now` of the command.
    pub fn pinned(root: PathBuf, state: &Path, now: i64) -> Self {
        let pins = crate::vault::pins::PinDir::new(state, &root, now);
        VaultPaths {
            root,
            pins: Some(pins),
        }
    }
    pub fn envs_dir(&self) -> PathBuf {
        self.root.join("envs")
    }
    pub fn journal_dir(&self) -> PathBuf {
        self.root.join("journal")
    }
    pub fn env_file(&self, env: &EnvName) -> PathBuf {
        self.envs_dir().join(format!("{env}.db.age"))
    }
    pub fn env_tmp(&self, env: &EnvName) -> PathBuf {
        self.envs_dir().join(format!("{env}.db.age.tmp"))
    }
    pub fn env_lock(&self, env: &EnvName) -> PathBuf {
        self.envs_dir().join(format!("{env}.lock"))
    }
    pub fn journal(&self, env: &EnvName) -> PathBuf {
        self.journal_dir().join(format!("{env}.db"))
    }

    /// Whether a vault exists here (its `envs/` directory does).
    pub fn exists(&self) -> bool {
        self.envs_dir().is_dir()
    }

    /// The vault exists and is safe to use: the vault directory, `envs/` and `journal/`
    /// belong to this user and are not writable by group or others, and the two inner
    /// directories are real directories, not symlinks (as ssh checks `~/.ssh`). Anyone
    /// who can write there can swap files under us.
    pub fn require(&self) -> Result<()> {
        if !self.exists() {
            return Err(Error::VaultNotFound {
                path: self.root.clone(),
            });
        }
        check_private_dir(&self.root, true)?;
        check_private_dir(&self.envs_dir(), false)?;
        let journal = self.journal_dir();
        if fs::symlink_metadata(&journal).is_ok() {
            check_private_dir(&journal, false)?;
        }
        Ok(())
    }

    /// Every environment with a file in `envs/`, sorted by name.
    pub fn env_names(&self) -> Result<Vec<EnvName>> {
        self.require()?;
        let dir = self.envs_dir();
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| Error::io("cannot list", &dir, e))? {
            let entry = entry.map_err(|e| Error::io("cannot list", &dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str().and_then(|n| n.strip_suffix(".db.age")) else {
                continue;
            };
            if let Ok(env) = name.parse::<EnvName>() {
                out.push(env);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// The default vault: `$XDG_DATA_HOME/keyward/vault` on Linux.
pub fn default_vault_dir() -> Result<PathBuf> {
    Ok(project_dirs()?.data_dir().join("vault"))
}

/// The state directory pins live in: `$XDG_STATE_HOME/keyward` on Linux.
pub fn default_state_dir() -> Result<PathBuf> {
    let dirs = project_dirs()?;
    Ok(dirs
        .state_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.data_local_dir().join("state")))
}

/// The default passphrase-protected identity: `$XDG_CONFIG_HOME/keyward/identity.age`.
pub fn default_identity_path() -> Result<PathBuf> {
    Ok(project_dirs()?.config_dir().join("identity.age"))
}

fn project_dirs() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "keyward").ok_or_else(|| {
        Error::Other("cannot find a home directory\nhint: set HOME, or pass --vault".into())
    })
}

/// Create `dir` and its missing parents (0700), leaving a directory that is already
/// there as it is: for the parent of a file the user named (`identity new --out
/// /tmp/k`, a vault at `/srv/vault`), whose mode is not keyward's to change — tightening
/// `/tmp` or `/` would break every other user of it.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io("cannot create directory", dir, e))?;
    }
    Ok(())
}

/// Create `dir` and its missing parents; the leaf is made (and kept) 0700. Only for
/// keyward's own directories (the vault's, the state and agent directories).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io("cannot create directory", dir, e))?;
    }
    let meta = fs::metadata(dir).map_err(|e| Error::io("cannot read", dir, e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("cannot set permissions on", dir, e))?;
    }
    Ok(())
}

/// Refuse a vault directory that someone else could write into. `follow`: whether the
/// path itself may be a symlink (the vault root may; `envs/` and `journal/` may not).
fn check_private_dir(dir: &Path, follow: bool) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = if follow {
        fs::metadata(dir)
    } else {
        fs::symlink_metadata(dir)
    }
    .map_err(|e| Error::io("cannot read", dir, e))?;
    let unsafe_path = |why: &str| Error::UnsafeVaultPath {
        path: dir.to_owned(),
        why: why.to_owned(),
    };
    if meta.file_type().is_symlink() {
        return Err(unsafe_path("is a symlink"));
    }
    if !meta.is_dir() {
        return Err(unsafe_path("is not a directory"));
    }
    if meta.uid() != crate::sys::getuid() {
        return Err(unsafe_path(&format!(
            "belongs to another user (uid {})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_path(&format!(
            "is writable by group or others (mode {:03o})",
            meta.mode() & 0o777
        )));
    }
    Ok(())
}

/// Refuse a symlink where a vault file should be: opening through it would read or
/// write wherever an attacker with access to the directory pointed it.
pub fn refuse_symlink(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::UnsafeVaultPath {
            path: path.to_owned(),
            why: "is a symlink".into(),
        }),
        _ => Ok(()),
    }
}

/// Map an error from an `O_NOFOLLOW` open: ELOOP means the path was a symlink.
pub fn nofollow_error(action: &'static str, path: &Path, e: io::Error) -> Error {
    if crate::sys::is_symlink_refusal(&e) {
        Error::UnsafeVaultPath {
            path: path.to_owned(),
            why: "is a symlink".into(),
        }
    } else {
        Error::io(action, path, e)
    }
}

/// fsync a directory so a rename inside it survives a crash.
/// Replace `path` with `bytes` atomically: a temp file beside it (`.NAME.tmp`, created
/// afresh with `mode`, never through a symlink), written, renamed over `path`; with
/// `durable`, the file and then the directory are synced. A failure removes the temp
/// file and leaves `path` as it was. The one way keyward's small files (pins, hook
/// approvals, git attributes, a merge's result) are written.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let _ = std::fs::remove_file(&tmp);
    let write = || -> io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(crate::sys::O_NOFOLLOW)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        match path.parent() {
            Some(dir) if durable && !dir.as_os_str().is_empty() => sync_dir(dir),
            Some(_) if durable => sync_dir(Path::new(".")),
            _ => Ok(()),
        }
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}
