//! Which vault a command uses (DESIGN §16): `--vault`, then `KEYWARD_VAULT`, then the
//! vault of the git work tree the command runs in — found by walking up from the
//! current directory as git finds `.git`: a marker file `git setup` writes
//! (`.keyward-vault`, holding the vault's path relative to it) or a `vault/` holding
//! `envs/` — then the personal vault. File-system checks only: no subprocess, so
//! every command can afford it.
//!
//! A marker comes with a clone, so it is not trusted to point anywhere: a path that
//! leaves the work tree is ignored.

use std::path::{Path, PathBuf};

/// The marker `git setup` writes at the top of a work tree whose vault is not `vault/`.
pub const MARKER: &str = ".keyward-vault";

/// Where the vault in use was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `--vault DIR`.
    Flag,
    /// `KEYWARD_VAULT`.
    Env,
    /// The git work tree the command runs in.
    WorkTree,
    /// The personal vault (the platform data directory).
    Personal,
}

/// The vault a command uses, and the others it did not.
#[derive(Clone, Debug)]
pub struct Located {
    pub root: PathBuf,
    pub source: Source,
    /// The vault of the work tree the command runs in, if there is one.
    pub tree_vault: Option<PathBuf>,
    /// The personal vault, if one exists.
    pub personal: Option<PathBuf>,
}

/// Pick the vault: `explicit` (from `--vault` or `KEYWARD_VAULT`, `from_env` saying
/// which), else the work tree's, else `personal`.
pub fn locate(
    explicit: Option<PathBuf>,
    from_env: bool,
    cwd: Option<&Path>,
    personal: PathBuf,
) -> Located {
    let tree_vault = cwd.and_then(work_tree_vault);
    let personal_exists = personal.join("envs").is_dir();
    let (root, source) = match (explicit, &tree_vault) {
        (Some(p), _) => (p, if from_env { Source::Env } else { Source::Flag }),
        (None, Some(t)) => (t.clone(), Source::WorkTree),
        (None, None) => (personal.clone(), Source::Personal),
    };
    Located {
        root,
        source,
        tree_vault,
        personal: personal_exists.then_some(personal),
    }
}

/// The vault of the git work tree holding `cwd`: the nearest directory from `cwd` up to
/// the work tree's top with a marker or a `vault/` holding `envs/`. `None` outside a
/// work tree, or in one without a vault.
pub fn work_tree_vault(cwd: &Path) -> Option<PathBuf> {
    let top = cwd.ancestors().find(|d| d.join(".git").exists())?;
    for dir in cwd.ancestors() {
        if let Some(v) = marked(dir, top) {
            return Some(v);
        }
        let v = dir.join("vault");
        if v.join("envs").is_dir() {
            return Some(v);
        }
        if dir == top {
            break;
        }
    }
    None
}

/// The top of the git work tree holding `path` (a file-system walk, no subprocess).
pub fn work_tree_top(path: &Path) -> Option<PathBuf> {
    let start = path.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The vault a marker in `dir` names, if it is inside the work tree at `top`.
fn marked(dir: &Path, top: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    let rel = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let vault = dir.join(rel);
    let (canon, top) = (vault.canonicalize().ok()?, top.canonicalize().ok()?);
    (canon.starts_with(&top) && canon.join("envs").is_dir()).then_some(vault)
}

/// The text of a marker naming the vault at `vault_rel` (relative to the work tree's
/// top, where the marker goes).
pub fn marker_text(vault_rel: &str) -> String {
    format!(
        "# keyward: this repository's vault (found by walking up from where a command runs)\n{vault_rel}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_vault_inside_the_work_tree_wins_and_a_marker_never_leaves_it() {
        let t = tempfile::tempdir().unwrap();
        let top = t.path().join("repo");
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("vault/envs")).unwrap();
        std::fs::create_dir_all(top.join("src/deep")).unwrap();
        assert_eq!(
            work_tree_vault(&top.join("src/deep")),
            Some(top.join("vault"))
        );
        assert_eq!(
            work_tree_vault(&top.join("vault/envs")),
            Some(top.join("vault"))
        );
        // Outside a work tree: nothing, even beside a vault.
        std::fs::create_dir_all(t.path().join("vault/envs")).unwrap();
        assert_eq!(work_tree_vault(t.path()), None);
        // A marker naming another directory of the tree; one leaving it is ignored.
        std::fs::create_dir_all(top.join("secrets/envs")).unwrap();
        std::fs::write(top.join(MARKER), marker_text("secrets")).unwrap();
        assert_eq!(work_tree_vault(&top.join("src")), Some(top.join("secrets")));
        std::fs::write(top.join(MARKER), "../vault\n").unwrap();
        assert_eq!(work_tree_vault(&top.join("src")), Some(top.join("vault")));
    }
}
