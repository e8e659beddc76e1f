//! The vault's files for git (DESIGN §9): `.gitattributes` and `.gitignore` in the
//! vault, the repository's `info/attributes` and local config, and the cheap check of
//! whether they were written.
//!
//! `git` runs as a subprocess (never through a shell). Lines are only ever added, never
//! removed or reordered, so what a person wrote in these files stays; each file is
//! replaced atomically (temp file, rename).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Committed in the vault: without the driver, a conflict on an env file is a binary
/// conflict (one side or the other, valid ciphertext), never a line merge.
pub const VAULT_ATTRIBUTES: &[&str] = &["envs/*.db.age -text -diff merge=binary"];
/// Committed in the vault: each machine's access journal, writer locks and temp files.
pub const VAULT_IGNORE: &[&str] = &["journal/", "*.lock", "*.tmp"];

/// The repository whose work tree holds a vault.
#[derive(Clone, Debug)]
pub struct GitRepo {
    /// The top of the work tree.
    pub top: PathBuf,
    /// The vault directory relative to `top` (`/`-separated; empty at the top).
    pub vault_rel: String,
    /// `$GIT_COMMON_DIR/info/attributes`: local, read by git, never committed.
    pub info_attributes: PathBuf,
}

/// What happened to one file: created, lines added to it, or nothing to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Created,
    Completed,
    Unchanged,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Completed => "completed",
            Change::Unchanged => "unchanged",
        }
    }
}

impl GitRepo {
    /// The repository whose work tree holds `vault`; `None` outside any work tree.
    pub fn of(vault: &Path) -> Result<Option<GitRepo>> {
        let args = [
            "rev-parse",
            "--show-toplevel",
            "--git-path",
            "info/attributes",
        ];
        let out = git_in(vault, &args)?;
        if !out.status.success() {
            return Ok(None);
        }
        let text = String::from_utf8(out.stdout).map_err(|_| {
            Error::Git(crate::error::GitError::GitSetupFailed {
                args: args.join(" "),
                detail: "output is not UTF-8".into(),
            })
        })?;
        let mut lines = text.lines();
        let (Some(top), Some(attrs)) = (lines.next(), lines.next()) else {
            return Ok(None);
        };
        let top = PathBuf::from(top);
        // `--git-path` is relative to where git ran (the vault) unless absolute; the git
        // dir exists, so it is resolved for messages (`info/` may not exist yet).
        let attrs = vault.join(attrs);
        let attrs = match attrs.parent().and_then(Path::parent) {
            Some(git_dir) => git_dir
                .canonicalize()
                .map(|d| d.join("info").join("attributes"))
                .unwrap_or(attrs),
            None => attrs,
        };
        let canon = |p: &Path| {
            p.canonicalize()
                .map_err(|e| Error::io("cannot resolve", p.to_path_buf(), e))
        };
        let Ok(rel) = canon(vault)?
            .strip_prefix(canon(&top)?)
            .map(Path::to_path_buf)
        else {
            return Ok(None);
        };
        let vault_rel = rel
            .to_str()
            .ok_or_else(|| {
                Error::Git(crate::error::GitError::GitSetupFailed {
                    args: args.join(" "),
                    detail: "the vault's path is not UTF-8".into(),
                })
            })?
            .to_owned();
        Ok(Some(GitRepo {
            top,
            vault_rel,
            info_attributes: attrs,
        }))
    }

    /// The line of `info/attributes` that sends this vault's env files through keyward.
    pub fn info_line(&self) -> String {
        info_line(&self.vault_rel)
    }

    /// `git config --local` values under `merge.keyward.` and `diff.keyward.`.
    pub fn keyward_config(&self) -> Result<BTreeMap<String, String>> {
        let args = [
            "config",
            "--local",
            "--null",
            "--get-regexp",
            r"^(merge|diff)\.keyward\.",
        ];
        let out = git_in(&self.top, &args)?;
        // 1: no such key, which is what a repository not set up has.
        match out.status.code() {
            Some(0) => {}
            Some(1) => return Ok(BTreeMap::new()),
            _ => return Err(failed(&args, &out.stderr)),
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text
            .split('\0')
            .filter(|e| !e.is_empty())
            .map(|e| match e.split_once('\n') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e.to_owned(), String::new()),
            })
            .collect())
    }

    /// `git config --local KEY VALUE`.
    pub fn set_config(&self, key: &str, value: &str) -> Result<()> {
        let args = ["config", "--local", key, value];
        let out = git_in(&self.top, &args)?;
        if !out.status.success() {
            return Err(failed(&args[..3], &out.stderr));
        }
        Ok(())
    }
}

/// `<vault-rel>/envs/*.db.age merge=keyward diff=keyward`: info/attributes is read for
/// the whole repository, so the pattern is anchored at its top. A path with spaces,
/// quotes or glob characters is escaped and quoted as git reads it.
pub fn info_line(vault_rel: &str) -> String {
    let pattern = if vault_rel.is_empty() {
        "envs/*.db.age".to_owned()
    } else {
        format!("{}/envs/*.db.age", glob_escape(vault_rel))
    };
    format!("{} merge=keyward diff=keyward", attr_quote(&pattern))
}

fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A pattern with whitespace, a quote or a leading `#`/`!` is C-quoted (git's
/// `unquote_c_style`); any other is written as it is.
fn attr_quote(pattern: &str) -> String {
    let plain = !pattern.is_empty()
        && !pattern.starts_with(['#', '"'])
        && pattern
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control());
    if plain {
        return pattern.to_owned();
    }
    let mut out = String::from("\"");
    for c in pattern.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Add each of `lines` that `path` lacks (compared trimmed), after what is there;
/// create the file with them if it does not exist.
pub fn ensure_lines(path: &Path, lines: &[&str]) -> Result<Change> {
    let existing = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() || !m.is_file() => {
            return Err(Error::NotAFile {
                path: path.to_owned(),
            });
        }
        Ok(_) => Some(fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    let have = existing.as_deref().unwrap_or("");
    let missing: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !have.lines().any(|h| h.trim() == l.trim()))
        .collect();
    if missing.is_empty() {
        return Ok(Change::Unchanged);
    }
    let mut text = have.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for l in &missing {
        text.push_str(l);
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())?;
    Ok(if existing.is_some() {
        Change::Completed
    } else {
        Change::Created
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    // Committed files: readable as the umask allows, like any file in the repository.
    crate::fsutil::replace_file(path, bytes, 0o666, true)
        .map_err(|e| Error::io("cannot write", path, e))
}

/// Whether the vault at `vault` sits in a git work tree, and whether `git setup` wrote
/// its line into the repository's `info/attributes`. A file-system walk, no subprocess:
/// every command that opens a vault may ask.
#[derive(Debug, PartialEq, Eq)]
pub enum SetupState {
    NotInGit,
    NotSetUp,
    SetUp,
}

/// Whether the "run `keyward git setup`" hint is due without a terminal (a CI log): once
/// per vault on this machine, remembered beside its pins (DESIGN §16). `true` the first
/// time only; without a state directory, never (a log is not the place to repeat it).
pub fn first_setup_hint(paths: &crate::vault::VaultPaths) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(pins) = &paths.pins else {
        return false;
    };
    if crate::fsutil::create_private_dir(pins.dir()).is_err() {
        return false;
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .open(pins.dir().join("git-setup-hinted"))
        .is_ok()
}

pub fn setup_state(vault: &Path) -> SetupState {
    let Ok(start) = fs::canonicalize(vault) else {
        return SetupState::NotInGit;
    };
    let Some(top) = start.ancestors().find(|d| d.join(".git").exists()) else {
        return SetupState::NotInGit;
    };
    let Some(common) = common_dir(&top.join(".git")) else {
        return SetupState::NotSetUp;
    };
    let rel = start
        .strip_prefix(top)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or("");
    let want = info_line(rel);
    match fs::read_to_string(common.join("info").join("attributes")) {
        Ok(text) if text.lines().any(|l| l.trim() == want) => SetupState::SetUp,
        _ => SetupState::NotSetUp,
    }
}

/// The git directory shared by all work trees: `.git` itself, or what a `.git` file
/// (`gitdir: …`, a linked work tree or submodule) and its `commondir` point at.
fn common_dir(dot_git: &Path) -> Option<PathBuf> {
    if dot_git.is_dir() {
        return Some(dot_git.to_owned());
    }
    let text = fs::read_to_string(dot_git).ok()?;
    let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let gitdir = dot_git.parent()?.join(gitdir);
    match fs::read_to_string(gitdir.join("commondir")) {
        Ok(c) => Some(gitdir.join(c.trim())),
        Err(_) => Some(gitdir),
    }
}

/// `git -C DIR ARGS`, stdin closed, output captured; only a failure to start is an error.
/// Whether git ignores `file` (in the work tree holding it): `None` when git cannot say
/// (no git, not a work tree).
pub fn is_ignored(file: &Path) -> Option<bool> {
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty())?;
    let name = file.file_name()?;
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    match out.code() {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}

fn git_in(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::Git(crate::error::GitError::GitSetupFailed {
                args: args.join(" "),
                detail: e.to_string(),
            })
        })
}

fn failed(args: &[&str], stderr: &[u8]) -> Error {
    let text = String::from_utf8_lossy(stderr);
    Error::Git(crate::error::GitError::GitSetupFailed {
        args: args.join(" "),
        detail: text.lines().next().unwrap_or("no message").to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_line_is_anchored_at_the_repository_top_and_quoted_when_needed() {
        assert_eq!(info_line(""), "envs/*.db.age merge=keyward diff=keyward");
        assert_eq!(
            info_line("ops/vault"),
            "ops/vault/envs/*.db.age merge=keyward diff=keyward"
        );
        assert_eq!(
            info_line("my vault[1]"),
            "\"my vault\\\\[1\\\\]/envs/*.db.age\" merge=keyward diff=keyward"
        );
    }

    #[test]
    fn ensure_lines_adds_only_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".gitignore");
        fs::write(&p, "target\n*.lock").unwrap();
        assert_eq!(ensure_lines(&p, VAULT_IGNORE).unwrap(), Change::Completed);
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "target\n*.lock\njournal/\n*.tmp\n"
        );
        assert_eq!(ensure_lines(&p, VAULT_IGNORE).unwrap(), Change::Unchanged);
    }
}
