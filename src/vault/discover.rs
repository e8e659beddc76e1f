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
    /// A marker in the work tree that is not one `git setup` writes (a link, a device, a
    /// pipe, a directory, a large file): where it is and what it is. Never read, and
    /// never passed over for a vault further up or the personal one.
    pub bad_marker: Option<(PathBuf, &'static str)>,
}

/// Pick the vault: `explicit` (from `--vault` or `KEYWARD_VAULT`, `from_env` saying
/// which), else the work tree's, else `personal`.
pub fn locate(
    explicit: Option<PathBuf>,
    from_env: bool,
    cwd: Option<&Path>,
    personal: PathBuf,
) -> Located {
    let (tree_vault, bad_marker) = match cwd.map(work_tree_vault) {
        Some(Err(bad)) => (None, Some(bad)),
        Some(Ok(v)) => (v, None),
        None => (None, None),
    };
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
        bad_marker,
    }
}

/// The vault of the git work tree holding `cwd`: the nearest directory from `cwd` up to
/// the work tree's top with a marker or a `vault/` holding `envs/`. `Ok(None)` outside a
/// work tree, or in one without a vault; `Err` for the first marker on the way that is
/// not a small regular file (see `read_marker`).
pub fn work_tree_vault(cwd: &Path) -> Result<Option<PathBuf>, (PathBuf, &'static str)> {
    let Some(top) = cwd.ancestors().find(|d| d.join(".git").exists()) else {
        return Ok(None);
    };
    for dir in cwd.ancestors() {
        if let Some(v) = marked(dir, top)? {
            return Ok(Some(v));
        }
        let v = dir.join("vault");
        if v.join("envs").is_dir() {
            return Ok(Some(v));
        }
        if dir == top {
            break;
        }
    }
    Ok(None)
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
fn marked(dir: &Path, top: &Path) -> Result<Option<PathBuf>, (PathBuf, &'static str)> {
    let path = dir.join(MARKER);
    let Some(text) = read_marker(&path).map_err(|why| (path, why))? else {
        return Ok(None);
    };
    let Some(rel) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return Ok(None);
    };
    let vault = dir.join(rel);
    let (Ok(canon), Ok(top)) = (vault.canonicalize(), top.canonicalize()) else {
        return Ok(None);
    };
    Ok((canon.starts_with(&top) && canon.join("envs").is_dir()).then_some(vault))
}

/// Longest marker read: `git setup` writes a comment and one relative path.
const MARKER_MAX: u64 = 4096;

/// The text of the marker at `path`; `None` when there is none. A marker comes with a
/// clone, and every command reads it, even git's textconv: it is opened without
/// following a link and without waiting on a pipe, and must be a regular file of at most
/// `MARKER_MAX` bytes of UTF-8 (a link to `/dev/zero` or `/dev/tty` would otherwise take
/// all memory or hang every command in the tree).
fn read_marker(path: &Path) -> Result<Option<String>, &'static str> {
    use std::io::Read;
    let file = match crate::vault::store::open_nofollow(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if crate::sys::is_symlink_refusal(&e) => return Err("is a symbolic link"),
        Err(e) if crate::sys::is_not_regular(&e) => return Err("is not a regular file"),
        Err(_) => return Err("cannot be read"),
    };
    match file.metadata() {
        Ok(m) if m.len() > MARKER_MAX => return Err("is larger than a marker (4 KiB)"),
        Ok(_) => {}
        Err(_) => return Err("cannot be read"),
    }
    let mut text = String::new();
    match file.take(MARKER_MAX + 1).read_to_string(&mut text) {
        Ok(n) if n as u64 > MARKER_MAX => Err("is larger than a marker (4 KiB)"),
        Ok(_) => Ok(Some(text)),
        Err(_) => Err("is not a marker (not UTF-8 text)"),
    }
}

/// The text of a marker naming the vault at `vault_rel` (relative to the work tree's
/// top, where the marker goes).
pub fn marker_text(vault_rel: &str) -> String {
    format!(
        "# keyward: this repository's vault (found by walking up from where a command runs)\n{vault_rel}\n"
    )
}

pub use crate::fsutil::redirected_in_work_tree;

/// Where this machine has used a work tree's vault (DESIGN §16): the vault directories,
/// relative to the work tree's top, kept under `state/worktrees/` by the top's real
/// path. A marker or a nearer `vault/` comes with a commit, so a vault found somewhere
/// new in a work tree whose vault was used elsewhere is not taken without a word: it
/// could be an older copy of the vault, or a foreign one, that this machine's pins (kept
/// by the vault's path) would see as new.
pub struct KnownLocations {
    file: PathBuf,
    /// The work tree's top (its real path).
    pub top: PathBuf,
    /// The vault in use, relative to `top`.
    pub here: String,
    /// The vaults used here before, relative to `top`.
    pub known: Vec<String>,
}

impl KnownLocations {
    /// The record for the work tree holding `vault`, if it is in one and exists. A
    /// machine with no record yet (one that used the vault before keyward kept records)
    /// counts as used the places it holds pins for: the vault found now, and `vault/`.
    pub fn of(state: &Path, vault: &Path) -> Option<KnownLocations> {
        use sha2::{Digest, Sha256};
        let canon = vault.canonicalize().ok()?;
        // Already a real path: its ancestors are real too.
        let top = canon
            .ancestors()
            .find(|d| d.join(".git").exists())?
            .to_path_buf();
        let rel = canon.strip_prefix(&top).ok()?;
        let here = name_of(rel);
        let id = hex::encode(&Sha256::digest(top.as_os_str().as_encoded_bytes())[..12]);
        let file = state.join("worktrees").join(id);
        let known = match std::fs::read_to_string(&file) {
            Ok(t) => t.lines().skip(1).map(str::to_owned).collect(),
            Err(_) => {
                let pinned = |rel: &Path| {
                    let dir = top.join(rel);
                    let used = dir.is_dir()
                        && crate::vault::paths::PinDir::new(state, &dir, 0)
                            .dir()
                            .is_dir();
                    used.then(|| name_of(rel))
                };
                let mut known: Vec<String> = [rel, Path::new("vault")]
                    .into_iter()
                    .filter_map(pinned)
                    .collect();
                known.dedup();
                known
            }
        };
        Some(KnownLocations {
            file,
            top,
            here,
            known,
        })
    }

    /// Where `rel` (relative to the top) is, for messages.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        match rel.strip_prefix("hex:") {
            Some(_) => self.top.join(format!("<{rel}>")),
            None => self.top.join(rel),
        }
    }

    /// Whether the vault in use is one this machine used in this work tree, or the first.
    pub fn is_known(&self) -> bool {
        self.known.is_empty() || self.known.contains(&self.here)
    }

    /// Remember the vault in use (best effort: a machine that cannot write its state
    /// directory keeps its pins no better, and says so elsewhere).
    pub fn remember(&self) {
        if self.known.contains(&self.here) && self.file.exists() {
            return;
        }
        let mut text = format!("{}\n", self.top.display());
        let mut all = self.known.clone();
        if !all.contains(&self.here) {
            all.push(self.here.clone());
        }
        for k in &all {
            text.push_str(k);
            text.push('\n');
        }
        if let Some(dir) = self.file.parent()
            && crate::fsutil::create_private_dir(dir).is_ok()
        {
            let _ = crate::fsutil::replace_file(&self.file, text.as_bytes(), 0o600, false);
        }
    }
}

/// A path relative to a work tree's top as one line of the record: itself when it is
/// UTF-8 text without a line break, else `hex:` and its bytes (two names never share a
/// line, as a lossy conversion would make them).
fn name_of(rel: &Path) -> String {
    match rel.to_str() {
        Some(s) if !s.contains('\n') && !s.starts_with("hex:") => s.to_owned(),
        _ => format!("hex:{}", hex::encode(rel.as_os_str().as_encoded_bytes())),
    }
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
            Ok(Some(top.join("vault")))
        );
        assert_eq!(
            work_tree_vault(&top.join("vault/envs")),
            Ok(Some(top.join("vault")))
        );
        // Outside a work tree: nothing, even beside a vault.
        std::fs::create_dir_all(t.path().join("vault/envs")).unwrap();
        assert_eq!(work_tree_vault(t.path()), Ok(None));
        // A marker naming another directory of the tree; one leaving it is ignored.
        std::fs::create_dir_all(top.join("secrets/envs")).unwrap();
        std::fs::write(top.join(MARKER), marker_text("secrets")).unwrap();
        assert_eq!(
            work_tree_vault(&top.join("src")),
            Ok(Some(top.join("secrets")))
        );
        std::fs::write(top.join(MARKER), "../vault\n").unwrap();
        assert_eq!(
            work_tree_vault(&top.join("src")),
            Ok(Some(top.join("vault")))
        );
    }

    #[test]
    fn a_marker_that_is_not_a_small_regular_file_is_named_never_read() {
        let t = tempfile::tempdir().unwrap();
        let top = t.path();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("vault/envs")).unwrap();
        let marker = top.join(MARKER);
        let bad = |why| Err((marker.clone(), why));
        for target in ["/dev/zero", "vault"] {
            std::os::unix::fs::symlink(target, &marker).unwrap();
            assert_eq!(work_tree_vault(top), bad("is a symbolic link"));
            std::fs::remove_file(&marker).unwrap();
        }
        // A pipe nobody writes: opened without waiting, and refused.
        let made = std::process::Command::new("mkfifo").arg(&marker).status();
        assert!(made.unwrap().success());
        assert_eq!(work_tree_vault(top), bad("is not a regular file"));
        std::fs::remove_file(&marker).unwrap();
        std::fs::write(&marker, "x".repeat(4097)).unwrap();
        assert_eq!(work_tree_vault(top), bad("is larger than a marker (4 KiB)"));
        std::fs::write(&marker, [0xff, 0xfe, b'\n']).unwrap();
        assert_eq!(
            work_tree_vault(top),
            bad("is not a marker (not UTF-8 text)")
        );
        std::fs::write(&marker, marker_text("vault")).unwrap();
        assert_eq!(work_tree_vault(top), Ok(Some(top.join("vault"))));
    }
}
