//! Where the vault in use lies in a git work tree (DESIGN §16), checked before any
//! command reads it: commits decide where a work tree's vault is found, so the place is
//! held to what this machine used. Never reads the vault; remembers the place only once
//! the command has succeeded (`Context::succeeded`).

use crate::error::{Error, Result, TeamError};

/// How much of the vault's place a command is held to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LocationCheck {
    /// The way to it, and that this machine used it there (a command that reads it).
    #[default]
    Full,
    /// The way to it only (`audit verify --git`, which checks moves in the history).
    Way,
    /// Nothing (a command that never reads the work tree's vault).
    None,
}

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
    check: LocationCheck,
) -> Result<Option<crate::vault::discover::KnownLocations>> {
    use crate::vault::discover::{KnownLocations, Source, redirected_in_work_tree};
    // A marker that is not one `git setup` writes: the work tree's vault is unknown, so
    // neither a vault further up nor the personal one is taken in its place. A vault
    // named with `--vault` or `KEYWARD_VAULT` does not depend on it.
    if let Some((path, why)) = &located.bad_marker
        && !matches!(located.source, Source::Flag | Source::Env)
        && check != LocationCheck::None
    {
        return Err(Error::UnsafeVaultPath {
            path: path.clone(),
            why: format!(
                "{why}, where `keyward git setup` writes a small file naming the work tree's vault; remove it (`keyward git setup` writes it again), or name the vault with --vault"
            ),
        });
    }
    if located.source == Source::Personal || check == LocationCheck::None {
        return Ok(None);
    }
    if let Some((path, top)) = redirected_in_work_tree(&located.root) {
        return Err(Error::UnsafeVaultPath {
            path,
            why: format!(
                "is reached through a symlink inside the git work tree `{}`, where a commit can point one anywhere; name the vault by its real path",
                top.display()
            ),
        });
    }
    if check == LocationCheck::Way {
        return Ok(None);
    }
    let Some(known) = KnownLocations::of(state, &located.root) else {
        return Ok(None);
    };
    if located.source == Source::WorkTree && !known.is_known() {
        return Err(TeamError::VaultMoved {
            top: known.top.clone(),
            found: known.path_of(&known.here),
            known: known.known.iter().map(|k| known.path_of(k)).collect(),
        }
        .into());
    }
    Ok(Some(known))
}
