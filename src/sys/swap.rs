//! Renames that say what they replace (`renameat2`): the commit point of a write that
//! must not put its file over one another program put there meanwhile.

use std::io;
use std::path::Path;

use rustix::fs::{CWD, RenameFlags, renameat_with};

/// Move `from` to `to` only if nothing is at `to` (EEXIST otherwise). `Ok(false)`: the
/// file system cannot say (no `renameat2` flags there), and nothing was moved.
pub fn rename_new(from: &Path, to: &Path) -> io::Result<bool> {
    supported(renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE))
}

/// Swap `a` and `b`, both of which must exist, in one step. `Ok(false)`: the file system
/// cannot (no `renameat2` flags there), and nothing was moved.
pub fn swap(a: &Path, b: &Path) -> io::Result<bool> {
    supported(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE))
}

fn supported(r: rustix::io::Result<()>) -> io::Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS | rustix::io::Errno::OPNOTSUPP) => {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}
