//! Room on a file system, asked for ahead of a write that must not fail halfway.

use std::io;
use std::os::fd::AsFd;

/// Allocate `len` bytes to `file` (`fallocate`): a full file system or `ulimit -f` says
/// so now (ENOSPC, EFBIG). `Ok(false)`: the file system cannot tell ahead (no
/// `fallocate`), and the write will find out.
pub fn reserve(file: &impl AsFd, len: u64) -> io::Result<bool> {
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), 0, len) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::OPNOTSUPP) | Err(rustix::io::Errno::NOSYS) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
