//! Where the vault in use lies in a git work tree (DESIGN §16), checked before any
//! command reads it: commits decide where a work tree's vault is found, so the place is
//! held to what this machine used. Never reads the vault; remembers the place only once
//! the command has succeeded (`Context::succeeded`).

use crate::error::{Error, Result, TeamError};

/// DESIGN §16: a vault in a git work tree is where commits can move it. Its path
/// inside the tree may not pass through a symlink (a commit can point one anywhere),
/// and a vault the work tree's own files lead to (a marker, the nearest `vault/`) must be
/// one this machine used there before, or the first: another is refused until a command
/// that names it with `--vault` or `KEYWARD_VAULT` succeeds, which makes it known. The
/// personal vault is the machine's own choice of path, whatever repository holds it.
/// Returns the location to remember once the command has succeeded.
pub fn check_work_tree_vault(
    located: &crate::vault::discover::Located,
    state: &std::path::Path,
) -> Result<Option<crate::vault::discover::KnownLocations>> {
    use crate::vault::discover::{KnownLocations, Source, symlink_in_work_tree};
    if located.source == Source::Personal {
        return Ok(None);
    }
    if let Some((link, top)) = symlink_in_work_tree(&located.root) {
        return Err(Error::UnsafeVaultPath {
            path: link,
            why: format!(
                "is a symlink inside the git work tree `{}`, where a commit can point it anywhere; name the vault by its real path",
                top.display()
            ),
        });
    }
    let Some(known) = KnownLocations::of(state, &located.root) else {
        return Ok(None);
    };
    if located.source == Source::WorkTree && !known.is_known() {
        return Err(TeamError::VaultMoved {
            top: known.top.clone(),
            found: known.here.clone(),
            known: known.known.clone(),
        }
        .into());
    }
    Ok(Some(known))
}
