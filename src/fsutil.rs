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
    } else if crate::sys::is_not_regular(&e) {
        Error::UnsafeVaultPath {
            path: path.to_owned(),
            why: "is not a regular file (a directory, pipe or device)".into(),
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

/// A file named by `--out`, written whole or not at all, never left half-written or
/// hidden beside it: data goes to a 0600 file with no name in the same directory
/// (`O_TMPFILE`), which `commit` fsyncs and names. An output interrupted by Ctrl-C, a
/// CI job's SIGTERM or `kill -9` leaves nothing (an unnamed file is freed when its
/// descriptor closes); where the file system has no unnamed files, a named temp file
/// (`O_CREAT|O_EXCL|O_NOFOLLOW`) is used and removed on every error. An existing path is
/// refused unless `force`; a symbolic link is refused always (even with `force`), so
/// the output can never land on whatever a link points at.
pub struct OutFile {
    path: PathBuf,
    dir: PathBuf,
    /// The data's temp name: from the start without unnamed files; otherwise only for
    /// the instant between naming the data and renaming it over the path (`force`).
    tmp: Option<PathBuf>,
    file: Option<io::BufWriter<File>>,
    force: bool,
    committed: bool,
}

impl OutFile {
    pub fn create(path: &Path, force: bool) -> Result<OutFile> {
        refuse_existing(path, force)?;
        // A directory on the way that a commit could have made a link (`deploy ->
        // ~/.ssh`): the output would land wherever the repository points it.
        if let Some(top) = link_in_work_tree(path) {
            return Err(Error::OutputThroughLink {
                path: path.to_owned(),
                top,
            });
        }
        if path.file_name().is_none() {
            return Err(Error::NotAFile {
                path: path.to_owned(),
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let (tmp, file) = match crate::sys::unnamed_file(dir) {
            Ok(Some(f)) => (None, f),
            Ok(None) => {
                let (tmp, f) = temp_beside(path, dir, new_private)?;
                (Some(tmp), f)
            }
            Err(e) => return Err(Error::io("cannot create a file in", dir, e)),
        };
        Ok(OutFile {
            path: path.to_owned(),
            dir: dir.to_owned(),
            tmp,
            file: Some(io::BufWriter::new(file)),
            force,
            committed: false,
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
        if self.tmp.is_none() {
            // The data has no name yet: without `force`, the path is its first (link(2)
            // fails if the path exists, a dangling link included: no clobbering even
            // when something appeared since the check).
            if !self.force {
                match crate::sys::name_unnamed(&file, &self.path) {
                    Ok(()) => return self.sync_dir(),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        return Err(refuse_existing(&self.path, false).err().unwrap_or(
                            Error::OutputExists {
                                path: self.path.clone(),
                            },
                        ));
                    }
                    Err(_) => {} // no /proc: named below, then as before
                }
            }
            let named = temp_beside(&self.path, &self.dir, |tmp| {
                crate::sys::name_unnamed(&file, tmp).map(|()| tmp.to_owned())
            });
            self.tmp = Some(match named {
                Ok(tmp) => tmp,
                // No way to name it: its bytes copied into a named temp file.
                Err(_) => copy_to_temp(&file, &self.path, &self.dir)?,
            });
        }
        drop(file);
        let tmp = self.tmp.clone().expect("named above");
        if self.force {
            // rename(2) replaces a link placed here meanwhile, never its target.
            std::fs::rename(&tmp, &self.path).map_err(io_err)?;
            self.committed = true;
        } else {
            match std::fs::hard_link(&tmp, &self.path) {
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
                    std::fs::rename(&tmp, &self.path).map_err(io_err)?;
                    self.committed = true;
                }
            }
        }
        self.sync_dir()
    }

    fn sync_dir(&self) -> Result<()> {
        crate::fsutil::sync_dir(&self.dir).map_err(|e| Error::io("cannot sync", &self.dir, e))
    }
}

/// `make` tried on fresh names `.NAME.<16 hex>.tmp` beside `path` until one is free.
fn temp_beside<T>(path: &Path, dir: &Path, make: impl Fn(&Path) -> io::Result<T>) -> Result<T> {
    let name = path.file_name().unwrap_or_default();
    for _ in 0..16 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{:016x}.tmp", rand::random::<u64>()));
        match make(&dir.join(tmp_name)) {
            Ok(t) => return Ok(t),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("cannot create a file in", dir, e)),
        }
    }
    Err(Error::Failed {
        what: "create a temporary file",
        detail: format!("no free name in `{}`", dir.display()),
    })
}

/// A new 0600 file at `tmp`, never through a symbolic link and never an existing one.
fn new_private(tmp: &Path) -> io::Result<(PathBuf, File)> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .open(tmp)
        .map(|f| (tmp.to_owned(), f))
}

/// The bytes of the unnamed `file`, copied into a new named temp file beside `path`.
fn copy_to_temp(mut file: &File, path: &Path, dir: &Path) -> Result<PathBuf> {
    use std::io::Seek;
    let (tmp, mut out) = temp_beside(path, dir, new_private)?;
    let copied = file
        .seek(io::SeekFrom::Start(0))
        .and_then(|_| io::copy(&mut file, &mut out))
        .and_then(|_| out.sync_all());
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("cannot write", path, e));
    }
    Ok(tmp)
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
        if !self.committed
            && let Some(tmp) = &self.tmp
        {
            let _ = std::fs::remove_file(tmp);
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

/// The top of the git work tree holding a symbolic link on the way to `path` (its
/// directories, as given: a `..` after a link leaves wherever the link points), if
/// any: a commit can make such a link and point it anywhere (`deploy -> ~/.ssh`, or a
/// home directory that is a repository itself). Links outside any work tree (a home on
/// another disk) are the machine's own.
pub fn link_in_work_tree(path: &Path) -> Option<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let parent = abs.parent()?;
    let mut way = PathBuf::new();
    for c in parent.components() {
        way.push(c);
        if std::fs::symlink_metadata(&way).is_ok_and(|m| m.file_type().is_symlink()) {
            let holder = lexical(way.parent()?);
            if let Some(top) = holder.ancestors().find(|d| d.join(".git").exists()) {
                return Some(top.to_path_buf());
            }
        }
    }
    None
}

/// `path` made absolute (from the current directory) with `.` and `..` resolved by
/// name, no link followed: the way to it as the command was given or found it.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether something inside the git work tree holding `vault` redirects the way to it —
/// a symlink on the path, or a `..` after one — with that top: a commit can make either
/// and point the vault anywhere (another directory of the tree holding an older or a
/// foreign vault, which this machine's pins, kept by the vault's real path, would take
/// as new). The way as given, resolved by name inside the work tree, must be where the
/// vault really is. `None` outside a work tree, for a vault not there yet, or when the
/// way is straight. Links above the top (a home on another disk) are the machine's own.
pub fn redirected_in_work_tree(vault: &Path) -> Option<(PathBuf, PathBuf)> {
    let real = vault.canonicalize().ok()?;
    let path = lexical(vault);
    let top = path
        .ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())?
        .to_path_buf();
    let inside = path.strip_prefix(&top).ok()?;
    let expected = top.canonicalize().ok()?.join(inside);
    (expected != real).then(|| (vault.to_path_buf(), top))
}
