//! Where things live on disk (DESIGN §2) and how private directories are made.

use std::fs;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::names::EnvName;
use sha2::{Digest, Sha256};

/// The vault directory and the paths inside it.
#[derive(Clone, Debug)]
pub struct VaultPaths {
    pub root: PathBuf,
    /// Where this machine pins what it saw of the vault (DESIGN §8); `None` for a vault
    /// being built, which nobody has seen yet.
    pub pins: Option<PinDir>,
    /// DESIGN §15: the trust roots a history must have (`KEYWARD_TRUST_ROOT`,
    /// `--trust-root`: fingerprints or prefixes of at least 32 hex digits); empty:
    /// trust on first use.
    pub trust_roots: Vec<String>,
}

impl VaultPaths {
    pub fn new(root: PathBuf) -> Self {
        VaultPaths {
            root,
            pins: None,
            trust_roots: Vec::new(),
        }
    }

    /// The vault at `root`, with its pins under `state` (`$XDG_STATE_HOME/keyward`), at
    /// the time `now` of the command.
    pub fn pinned(root: PathBuf, state: &Path, now: i64) -> Self {
        let pins = PinDir::new(state, &root, now);
        VaultPaths {
            root,
            pins: Some(pins),
            trust_roots: Vec::new(),
        }
    }
    pub fn envs_dir(&self) -> PathBuf {
        self.root.join("envs")
    }
    /// Where this machine keeps its access journals of this vault: beside its pins
    /// ([`PinDir::journal_dir`]), never in the vault. A vault being built (no pins) has
    /// none of its own yet: the vault's `journal/`, where releases before kept them.
    pub fn journal_dir(&self) -> PathBuf {
        match &self.pins {
            Some(pins) => pins.journal_dir(),
            None => self.vault_journal_dir(),
        }
    }

    /// [`VaultPaths::journal_dir`], made if missing (0700): a real directory of this
    /// user's that no one else may write, as the vault's own are (`require`).
    pub fn make_journal_dir(&self) -> Result<PathBuf> {
        let dir = self.journal_dir();
        if fs::symlink_metadata(&dir).is_ok() {
            check_private_dir(&dir, false)?;
        } else {
            crate::fsutil::create_private_dir(&dir)?;
        }
        Ok(dir)
    }

    /// The vault's `journal/`: where releases before this one kept each machine's
    /// journal (see [`VaultPaths::journal`]).
    pub fn vault_journal_dir(&self) -> PathBuf {
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
    /// This machine's access journal of `env`, in [`VaultPaths::journal_dir`]. The
    /// journal is each machine's own record and lives with its pins: in the vault's
    /// `journal/` (releases before), a checkout could replace it, since git takes an
    /// ignored file for one it may overwrite — a journal committed by one member (or by
    /// anyone who can push, on purpose) replaced every teammate's on their next pull, and
    /// the reads it held were lost — and anyone who could write the vault directory could
    /// delete it.
    pub fn journal(&self, env: &EnvName) -> PathBuf {
        self.journal_dir().join(format!("{env}.db"))
    }

    /// `journal/<env>.db` in the vault: where releases before this one kept this
    /// machine's journal (see [`VaultPaths::journal`]); taken over once by the machine
    /// whose pins own it.
    pub fn legacy_journal(&self, env: &EnvName) -> PathBuf {
        self.vault_journal_dir().join(format!("{env}.db"))
    }

    /// Whether `path`, a file about to be written, would land inside the vault
    /// directory or this machine's state of it (its pins and access journals), where it
    /// would replace what keyward keeps (an environment, the access journal, a pin).
    pub fn holds(&self, path: &Path) -> bool {
        std::iter::once(&self.root)
            .chain(self.pins.as_ref().map(|p| &p.dir))
            .any(|dir| inside(path, dir))
    }
}

/// Whether `path` lands inside `dir`. Decided twice, and inside if either says so: by
/// name (`.` and `..` resolved as written) and by where the directory really is (its
/// nearest existing ancestor, as given, resolved through every link and `..` as the
/// kernel does; the rest appended).
fn inside(path: &Path, dir: &Path) -> bool {
    let lexical = crate::fsutil::lexical(path);
    if lexical.starts_with(crate::fsutil::lexical(dir)) {
        return true;
    }
    let Ok(root) = fs::canonicalize(dir) else {
        return false;
    };
    // As given, `..` included: after a link, the kernel takes `..` from wherever
    // the link points.
    let Ok(given) = std::path::absolute(path) else {
        return false;
    };
    let mut rest = Vec::new();
    let mut probe = given.as_path();
    loop {
        if let Ok(real) = fs::canonicalize(probe) {
            let full = rest.iter().rev().fold(real, |p, c| p.join(c));
            return full.starts_with(&root);
        }
        match (probe.file_name(), probe.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_owned());
                probe = parent;
            }
            _ => return false,
        }
    }
}

impl VaultPaths {
    /// Whether a vault exists here (its `envs/` directory does).
    pub fn exists(&self) -> bool {
        self.envs_dir().is_dir()
    }

    /// The vault exists and is safe to use: the vault directory, `envs/` and `journal/`
    /// belong to this user and are not writable by group or others, and the two inner
    /// directories are real directories, not symlinks (as ssh checks `~/.ssh`). Anyone
    /// who can write there can swap files under us. The same holds for this vault's pin
    /// directory (`pins/<id>/`), where anyone who could write could unlink the pins and
    /// turn the next replaced file into a first use.
    ///
    /// No `envs/` is "no vault" (exit 3) only for a vault this machine never read: for
    /// one whose environments it pinned, it is those environments gone (exit 6, as for
    /// one removed file), and something else at `envs/` (a file, a dangling link) is
    /// refused as an unsafe path whatever was read before.
    pub fn require(&self) -> Result<()> {
        if let Some(pins) = &self.pins
            && fs::symlink_metadata(&pins.dir).is_ok()
        {
            check_private_dir(&pins.dir, true)?;
        }
        if !self.exists() {
            if fs::symlink_metadata(self.envs_dir()).is_ok() {
                check_private_dir(&self.envs_dir(), false)?;
            }
            self.require_not_seen()?;
            return Err(Error::VaultNotFound {
                path: self.root.clone(),
            });
        }
        check_private_dir(&self.root, true)?;
        check_private_dir(&self.envs_dir(), false)?;
        let journal = self.vault_journal_dir();
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

/// Where a vault's pins live.
#[derive(Clone, Debug)]
pub struct PinDir {
    pub(in crate::vault) dir: PathBuf,
    /// The vault's directory (to tell a new directory at the same path).
    pub(in crate::vault) root: Option<PathBuf>,
    /// The time of the command: what counts as expired or past its grace.
    pub(in crate::vault) now: i64,
}

/// The machine's state directory (`$XDG_STATE_HOME/keyward`) and its `pins/` and
/// `worktrees/`, where they exist, are this user's and not writable by group or others:
/// whoever could write there could take pins away (a replaced file would then be a
/// first open) or name another vault location as known. Checked once a command, as the
/// vault directory is (`require`). A link to the directory is the user's own layout.
pub fn check_state_dir(state: &Path) -> Result<()> {
    for dir in [
        state.to_path_buf(),
        state.join("pins"),
        state.join("worktrees"),
    ] {
        if dir.exists() {
            check_private_dir(&dir, true)?;
        }
    }
    Ok(())
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

    /// This machine's access journals of the vault (`journal/` beside the pins).
    pub fn journal_dir(&self) -> PathBuf {
        self.dir.join("journal")
    }

    /// This vault's pin directory (hook approvals live beside the pins: `approvals`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
