//! Files that have no name until they are complete (Linux `O_TMPFILE`): an output that a
//! signal or `kill -9` interrupts leaves nothing behind, because there is nothing to
//! remove — the file system frees an unnamed file when its last descriptor closes.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

/// A new 0600 file in `dir` with no name, open for reading and writing; `None` where
/// the system or the file system has no unnamed files (the caller names a temp file).
#[cfg(target_os = "linux")]
pub fn unnamed_file(dir: &Path) -> io::Result<Option<File>> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    match rustix::fs::open(
        dir,
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    ) {
        Ok(fd) => Ok(Some(File::from(fd))),
        // No O_TMPFILE in this kernel (it reads as O_DIRECTORY) or this file system.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn unnamed_file(_dir: &Path) -> io::Result<Option<File>> {
    Ok(None)
}

/// Give the unnamed `file` the name `to` (which must not exist: `AlreadyExists`
/// otherwise, never a replacement). Through `/proc/self/fd`, which needs no privilege
/// (`AT_EMPTY_PATH` would).
#[cfg(target_os = "linux")]
pub fn name_unnamed(file: &File, to: &Path) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD};
    let fd = format!("/proc/self/fd/{}", file.as_raw_fd());
    rustix::fs::linkat(CWD, fd.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW).map_err(Into::into)
}

#[cfg(not(target_os = "linux"))]
pub fn name_unnamed(_file: &File, _to: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}
