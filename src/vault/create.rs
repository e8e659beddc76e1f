//! Creating a vault and adding an environment: the file-system side. A vault is built
//! beside its final place and moved in with one rename, so a failure halfway leaves no
//! half-made vault behind; what goes into each new environment is the caller's (`fill`,
//! given a `Tx`, as for every write).

use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::fsutil::{create_private_dir, sync_dir};
use crate::names::EnvName;
use crate::vault::signed::Signing;
use crate::vault::{EnvDb, Tx, VaultPaths};

/// Refuse to create a vault where one exists (before anything else is made, e.g. an
/// identity).
/// Nor where this machine read a vault whose `envs/` is gone (`require_not_seen`): a
/// new vault there would set what it kept of the old one aside without a word.
pub fn ensure_no_vault(paths: &VaultPaths) -> Result<()> {
    if paths.exists() {
        return Err(Error::VaultExists {
            path: paths.root.clone(),
        });
    }
    paths.require_not_seen()
}

/// Create the vault at `paths` with `envs`, each filled by `fill` before its first
/// commit: built in a private staging directory beside the vault, then renamed into
/// place (an empty directory already there is replaced; anything else is refused).
pub fn create_vault(
    paths: &VaultPaths,
    envs: &[EnvName],
    signing: &Signing<'_>,
    fill: impl Fn(&Tx<'_>) -> Result<()>,
) -> Result<()> {
    ensure_no_vault(paths)?;
    let parent: PathBuf = paths
        .root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| ".".into());
    crate::fsutil::ensure_dir(&parent)?;
    let staging_dir = parent.join(format!(
        ".{}.init-{}",
        paths
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vault".into()),
        std::process::id()
    ));
    let staging = VaultPaths::new(staging_dir.clone());
    let discard = |e: Error| {
        let _ = fs::remove_dir_all(&staging_dir);
        e
    };
    build(&staging, envs, signing, &fill).map_err(discard)?;
    if paths.root.exists() {
        // An empty directory someone made for us is fine; anything else is not ours.
        let empty = fs::read_dir(&paths.root)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(discard(Error::VaultDirNotEmpty {
                path: paths.root.clone(),
            }));
        }
    }
    fs::rename(&staging_dir, &paths.root)
        .map_err(|e| discard(Error::io("cannot create vault", &paths.root, e)))?;
    let _ = sync_dir(&parent);
    Ok(())
}

fn build(
    staging: &VaultPaths,
    envs: &[EnvName],
    signing: &Signing<'_>,
    fill: &impl Fn(&Tx<'_>) -> Result<()>,
) -> Result<()> {
    create_private_dir(&staging.root)?;
    create_private_dir(&staging.envs_dir())?;
    for env in envs {
        EnvDb::create(staging, env, signing, fill)?;
    }
    Ok(())
}

/// Refuse a new environment in a vault that is missing or unsafe, or whose file exists.
pub fn ensure_new_env(paths: &VaultPaths, env: &EnvName) -> Result<()> {
    paths.require()?;
    if paths.env_file(env).exists() {
        return Err(Error::EnvExists { env: env.clone() });
    }
    Ok(())
}

/// Add `env` to an existing vault, filled by `fill` before its first commit.
pub fn create_env(
    paths: &VaultPaths,
    env: &EnvName,
    signing: &Signing<'_>,
    fill: impl FnOnce(&Tx<'_>) -> Result<()>,
) -> Result<()> {
    ensure_new_env(paths, env)?;
    // A journal left by an environment of this name removed before: its rows are not
    // the new one's (kept aside, never deleted).
    let now = paths
        .pins
        .as_ref()
        .map_or_else(crate::names::now_ms, |p| p.now);
    paths.set_journal_aside(env, now)?;
    EnvDb::create(paths, env, signing, fill)
}
