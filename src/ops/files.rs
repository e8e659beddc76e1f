//! Keys as files (`run --file`, DESIGN §11): each value in its own 0600 file, in a fresh
//! 0700 directory on a memory-backed file system, removed when the command ends, and
//! swept by the next keyward command when a `kill -9` left it behind.
//!
//! Where: `$XDG_RUNTIME_DIR/keyward-files-<uid>/`, or `/dev/shm/keyward-files-<uid>/`
//! without it (then the OS temp dir, where there is no `/dev/shm`). The base must be
//! tmpfs or ramfs (checked with `statfs`), so no value reaches a disk or swap-less
//! storage; anything else is refused unless `--allow-disk`.
//!
//! Each run's directory is named `run-<pid>-<start>-<random>`: the pid and start time of
//! the keyward process that owns it, so a later command can tell, with one `readdir`
//! and no lock, which directories belong to processes that no longer exist. The sweep
//! touches only entries of that exact form that are real directories (never a symlink)
//! owned by this user, and never follows a link inside them.
//!
//! This module never reads a value: it is given released values (the access already
//! journaled, DESIGN §5) and writes them.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::sys;

/// Where key files go, checked before any value is released.
#[derive(Debug)]
pub struct Location {
    /// The per-user directory holding each run's directory.
    user_dir: PathBuf,
}

/// The base directory: `XDG_RUNTIME_DIR`, else `/dev/shm`, else the OS temp dir.
fn base() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        return shm.to_owned();
    }
    std::env::temp_dir()
}

fn user_dir_in(base: &Path) -> PathBuf {
    base.join(format!("keyward-files-{}", sys::getuid()))
}

impl Location {
    /// The location for this machine and user. Refused (nothing released yet) when the
    /// base is not memory-backed, unless `allow_disk`.
    pub fn choose(allow_disk: bool) -> Result<Location> {
        let base = base();
        let memory = sys::is_memory_backed(&base)
            .map_err(|e| Error::io("cannot check the file system of", base.clone(), e))?;
        if !memory && !allow_disk {
            return Err(Error::KeyFilesOnDisk { dir: base });
        }
        Ok(Location {
            user_dir: user_dir_in(&base),
        })
    }

    /// Make this run's directory (and the per-user one, 0700, if missing).
    pub fn create(&self) -> Result<KeyFiles> {
        private_dir(&self.user_dir)?;
        let (pid, start) = sys::process_identity();
        for _ in 0..16 {
            let dir = self
                .user_dir
                .join(format!("run-{pid}-{start}-{:08x}", rand::random::<u32>()));
            match DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {
                    return Ok(KeyFiles { dir });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io("cannot create directory", dir, e)),
            }
        }
        Err(Error::Failed {
            what: "create a directory for key files",
            detail: format!("no free name in `{}`", self.user_dir.display()),
        })
    }
}

/// The per-user directory: created 0700 if missing; if present it must be a real
/// directory owned by this user that nobody else can enter (another user could
/// otherwise have made it first, in a shared `/dev/shm`, and read every file).
fn private_dir(dir: &Path) -> Result<()> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("cannot create directory", dir, e)),
    }
    let meta = fs::symlink_metadata(dir).map_err(|e| Error::io("cannot read", dir, e))?;
    let why = if meta.file_type().is_symlink() {
        Some("is a symbolic link".to_owned())
    } else if !meta.is_dir() {
        Some("is not a directory".to_owned())
    } else if meta.uid() != sys::getuid() {
        Some(format!("belongs to another user (uid {})", meta.uid()))
    } else if meta.mode() & 0o077 != 0 {
        Some(format!(
            "can be entered by group or others (mode {:03o})",
            meta.mode() & 0o777
        ))
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(Error::KeyFilesDirUnsafe {
            path: dir.to_owned(),
            why,
        }),
    }
}

/// One run's directory of key files; removed, with its files, when dropped — after the
/// child has exited, on every error path, and after a forwarded signal ended the child.
#[derive(Debug)]
pub struct KeyFiles {
    dir: PathBuf,
}

impl KeyFiles {
    /// Write `value` to a new 0600 file named after the key; return its path. A regular
    /// file, not a pipe: a program may read it as often as it likes.
    pub fn write(&mut self, name: &KeyName, value: &[u8]) -> Result<PathBuf> {
        let path = self.dir.join(name.as_str());
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(sys::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::io("cannot create", path.clone(), e))?;
        f.write_all(value)
            .map_err(|e| Error::io("cannot write", path.clone(), e))?;
        Ok(path)
    }
}

impl Drop for KeyFiles {
    fn drop(&mut self) {
        // `remove_dir_all` never follows a symlink it finds inside.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Remove the directories of keyward processes that no longer exist (a `kill -9`
/// cannot be caught). One `readdir` of the per-user directory; best effort and silent:
/// it runs before every command, and a failure here must not stop that command.
pub fn sweep() {
    let user_dir = user_dir_in(&base());
    // A per-user directory that is not ours is left alone (and refused by `run --file`).
    let Ok(meta) = fs::symlink_metadata(&user_dir) else {
        return;
    };
    if !meta.is_dir() || meta.uid() != sys::getuid() {
        return;
    }
    let Ok(entries) = fs::read_dir(&user_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((pid, start)) = name.to_str().and_then(owner_of) else {
            continue;
        };
        if sys::process_alive(pid, start) {
            continue;
        }
        let path = entry.path();
        // Only our own real directories (DirEntry::metadata does not follow links).
        let Ok(m) = entry.metadata() else { continue };
        if m.is_dir() && m.uid() == sys::getuid() {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// The owner a run directory's name records: `run-<pid>-<start>-<8 hex>`.
fn owner_of(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.strip_prefix("run-")?.split('-');
    let pid = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    let tag = parts.next()?;
    if parts.next().is_some() || tag.len() != 8 || !tag.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((pid, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_the_exact_form_have_an_owner() {
        assert_eq!(owner_of("run-123-456-0badcafe"), Some((123, 456)));
        for bad in [
            "run-123-456",
            "run-123-456-xyz",
            "run-123-456-0badcafe-1",
            "run--456-0badcafe",
            "other",
            "run-12a-456-0badcafe",
        ] {
            assert_eq!(owner_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let (pid, start) = sys::process_identity();
        assert!(sys::process_alive(pid, start));
        assert!(!sys::process_alive(pid, start + 1));
    }
}
