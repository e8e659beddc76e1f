//! What `audit follow` needs to know about the vault's files without opening them: the
//! directories to watch for changes, and a stamp telling whether a file was replaced
//! or written since it was last read.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::names::EnvName;
use crate::vault::VaultPaths;

/// Identity and state of a file: a replaced file (a commit's rename, a `git pull`)
/// has a new inode; a file written in place a new size or modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileStamp {
    /// The same file (not a replacement), whatever was written to it.
    pub fn same_file(&self, other: &FileStamp) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }
}

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(FileStamp {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
    })
}

impl VaultPaths {
    /// Where changes show: the vault root (its `journal/` appears on first access), the
    /// environment files and the journals.
    pub fn watch_dirs(&self) -> [PathBuf; 3] {
        [self.root.clone(), self.envs_dir(), self.journal_dir()]
    }

    /// The stamp of `env`'s environment file; none when it is missing.
    pub fn env_stamp(&self, env: &EnvName) -> Option<FileStamp> {
        stamp(&self.env_file(env))
    }

    /// The stamp of `env`'s journal; none when it is missing.
    pub fn journal_stamp(&self, env: &EnvName) -> Option<FileStamp> {
        stamp(&self.journal(env))
    }
}
