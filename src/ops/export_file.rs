//! `export -o FILE` (DESIGN §16): exported values on disk get what `render -o` gives —
//! a 0600 file written through a temp file and a rename, never over an existing file
//! without `--force`, never through a symbolic link (`fsutil::OutFile`). The file is
//! claimed before anything is read or journaled, so a refusal exports nothing.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsutil::OutFile;
use crate::ops::Context;

/// Write what `export` makes to `path` (0600), or refuse before it runs.
pub fn export_to(
    ctx: &Context,
    path: &Path,
    force: bool,
    export: impl FnOnce() -> Result<Zeroizing<Vec<u8>>>,
) -> Result<()> {
    let mut file = OutFile::create(path, force)?;
    let bytes = export()?;
    file.write_all(&bytes)
        .map_err(|e| Error::io("cannot write", path, e))?;
    file.commit()?;
    ctx.out.note(&format!(
        "wrote `{}` (mode 0600): plaintext values on disk, remove it when done",
        path.display()
    ));
    Ok(())
}
