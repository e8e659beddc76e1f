//! Files and directories outside any one layer: private directories, atomic small-file
//! writes, the platform directories keyward keeps its files in, symlink refusals. The
//! bottom of the stack: it knows nothing of vaults, identities or commands.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use crate::error::{Error, Result};

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
    directories::ProjectDirs::from("", "", "keyward").ok_or(Error::NoHomeDir)
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

/// Replace `path` with `bytes` atomically: a temp file beside it with a random name
/// (`tempfile`: created afresh with O_EXCL, never through a symlink, so two writers never
/// share one), given `mode`, written and renamed over `path`; with `durable`, the file
/// and then the directory are synced. A failure removes the temp file and leaves `path`
/// as it was. The one way keyward's small files (pins, hook approvals, git attributes,
/// a merge's result) are written.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".keyward-")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if durable {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsync a directory so a rename inside it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// A write to stdout failed (a closed pipe is told apart where it matters).
pub fn stdout_error(e: io::Error) -> Error {
    Error::io("cannot write to", "stdout", e)
}

/// A file named by `--out`, written whole or not at all: data goes to a 0600 temp file
/// created beside it (`O_CREAT|O_EXCL|O_NOFOLLOW`), which `commit` fsyncs and moves into
/// place. An existing path is refused unless `force`; a symbolic link is refused always
/// (even with `force`), so the output can never land on whatever a link points at. If
/// the command fails before `commit`, the temp file is removed and the path untouched.
pub struct OutFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<io::BufWriter<File>>,
    force: bool,
    committed: bool,
}

impl OutFile {
    pub fn create(path: &Path, force: bool) -> Result<OutFile> {
        refuse_existing(path, force)?;
        let Some(name) = path.file_name() else {
            return Err(Error::NotAFile {
                path: path.to_owned(),
            });
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        for _ in 0..16 {
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".{:016x}.tmp", rand::random::<u64>()));
            let tmp = dir.join(tmp_name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(crate::sys::O_NOFOLLOW)
                .open(&tmp)
            {
                Ok(f) => {
                    return Ok(OutFile {
                        path: path.to_owned(),
                        tmp,
                        file: Some(io::BufWriter::new(f)),
                        force,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io("cannot create a file in", dir, e)),
            }
        }
        Err(Error::Failed {
            what: "create a temporary file",
            detail: format!("no free name in `{}`", dir.display()),
        })
    }

    /// fsync the data, move it to the path (without `force`: only if nothing appeared
    /// there meanwhile), fsync the directory.
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let io_err = |e| Error::io("cannot write", path.clone(), e);
        let file = self.file.take().expect("commit runs once");
        let file = file.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        drop(file);
        if self.force {
            // rename(2) replaces a link placed here meanwhile, never its target.
            std::fs::rename(&self.tmp, &self.path).map_err(io_err)?;
            self.committed = true;
        } else {
            // link(2) fails if the path exists (a dangling link included): no clobbering
            // even when something appears between the check and now.
            match std::fs::hard_link(&self.tmp, &self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(refuse_existing(&self.path, false).err().unwrap_or(
                        Error::OutputExists {
                            path: self.path.clone(),
                        },
                    ));
                }
                // A file system without hard links: check, then rename.
                Err(_) => {
                    refuse_existing(&self.path, false)?;
                    std::fs::rename(&self.tmp, &self.path).map_err(io_err)?;
                    self.committed = true;
                }
            }
        }
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        crate::fsutil::sync_dir(dir).map_err(|e| Error::io("cannot sync", dir, e))
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for OutFile {
    /// Not committed (an error on the way) or linked into place: the temp name goes.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// `Ok` when `path` may be written: absent, or (with `force`) an existing regular file.
fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot write", path, e)),
        Ok(m) if m.file_type().is_symlink() => Err(Error::OutputIsSymlink {
            path: path.to_owned(),
        }),
        Ok(m) if !m.is_file() => Err(Error::NotAFile {
            path: path.to_owned(),
        }),
        Ok(_) if force => Ok(()),
        Ok(_) => Err(Error::OutputExists {
            path: path.to_owned(),
        }),
    }
}
