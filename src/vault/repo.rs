//! The vault's history in git (DESIGN §8): which commits changed an environment file,
//! who made them, and each version of the file as it was committed.
//!
//! `git` runs as a subprocess (never through a shell, never libgit2); commits, trees
//! and blobs are read through one `git cat-file --batch` process. Nothing here decides
//! whether a history is honest: `ops::verify_git` does.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::vault::{EnvDb, VaultPaths};

/// Options of every git command here: replace objects off (`refs/replace/` would let a
/// commit id stand for other content, and a verdict remembered for a commit id must mean
/// that commit's own content), paths unquoted.
const GIT_OPTS: [&str; 4] = ["--no-replace-objects", "-c", "core.quotepath=off", "-C"];

/// A commit as `audit verify --git` names it.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub id: String,
    pub parents: Vec<String>,
    /// `Name <email>`, as git recorded it.
    pub author: String,
    /// The first line of the message.
    pub subject: String,
}

impl CommitInfo {
    /// The abbreviated id used in messages.
    pub fn short(&self) -> &str {
        short(&self.id)
    }
}

/// The first 10 hex digits of an object id.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

/// Environment files in one commit: env name → blob id.
pub type EnvBlobs = BTreeMap<EnvName, String>;

/// Where an environment that appears in a commit was held before (`held_before`).
#[derive(Clone, Debug)]
pub struct HeldBefore {
    pub commit: String,
    pub blob: String,
    /// At this very path: deleted on the way, and added again now.
    pub here: bool,
}

/// The git repository holding a vault, with one `cat-file --batch` process open.
pub struct GitHistory {
    top: PathBuf,
    /// The vault's `envs/` directory relative to the top of the work tree (`/`-separated).
    envs_rel: String,
    batch: Batch,
    commits: HashMap<String, CommitInfo>,
    trees: HashMap<String, EnvBlobs>,
    /// `-e ENV`: only this environment's file is looked at (DESIGN §16: a CI identity
    /// granted one environment gates on that one).
    only: Option<EnvName>,
}

impl GitHistory {
    /// Look at `env`'s file only.
    pub fn only(&mut self, env: EnvName) {
        self.only = Some(env);
    }

    /// The repository whose work tree holds `vault`.
    pub fn open(vault: &Path) -> Result<GitHistory> {
        let not_in_git = || {
            Error::Git(crate::error::GitError::VaultNotInGit {
                path: vault.to_path_buf(),
            })
        };
        if !vault.is_dir() {
            return Err(Error::VaultNotFound {
                path: vault.to_path_buf(),
            });
        }
        let out = Command::new("git")
            .args(GIT_OPTS)
            .arg(vault)
            .args(["rev-parse", "--show-toplevel"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                Error::Git(crate::error::GitError::GitHistory {
                    args: "rev-parse --show-toplevel".into(),
                    detail: e.to_string(),
                })
            })?;
        if !out.status.success() {
            return Err(not_in_git());
        }
        let top = String::from_utf8(out.stdout)
            .map_err(|_| not_in_git())?
            .trim_end_matches('\n')
            .to_owned();
        let top = PathBuf::from(top);
        let canon = |p: &Path| {
            p.canonicalize()
                .map_err(|e| Error::io("cannot resolve", p.to_path_buf(), e))
        };
        let rel = canon(vault)?
            .strip_prefix(canon(&top)?)
            .map_err(|_| not_in_git())?
            .to_path_buf();
        let rel = rel.to_str().ok_or_else(not_in_git)?;
        // One object name per line on cat-file's stdin.
        if rel.contains('\n') {
            return Err(not_in_git());
        }
        let envs_rel = if rel.is_empty() {
            "envs".to_owned()
        } else {
            format!("{rel}/envs")
        };
        let batch = Batch::start(&top)?;
        Ok(GitHistory {
            top,
            envs_rel,
            batch,
            commits: HashMap::new(),
            trees: HashMap::new(),
            only: None,
        })
    }

    /// Where an env file lives in a commit, for messages: `COMMIT:PATH`.
    pub fn label(&self, commit: &str, env: &EnvName) -> PathBuf {
        PathBuf::from(format!("{}:{}/{env}.db.age", short(commit), self.envs_rel))
    }

    /// The `envs/` path inside the repository.
    pub fn envs_path(&self) -> &str {
        &self.envs_rel
    }

    /// `git ARGS` in the repository; its stdout.
    fn git(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("git")
            .args(GIT_OPTS)
            .arg(&self.top)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                Error::Git(crate::error::GitError::GitHistory {
                    args: args.join(" "),
                    detail: e.to_string(),
                })
            })?;
        if !out.status.success() {
            return Err(Error::Git(crate::error::GitError::GitHistory {
                args: args.join(" "),
                detail: first_line(&String::from_utf8_lossy(&out.stderr)),
            }));
        }
        String::from_utf8(out.stdout).map_err(|_| {
            Error::Git(crate::error::GitError::GitHistory {
                args: args.join(" "),
                detail: "output is not UTF-8".into(),
            })
        })
    }

    /// Every commit in `revs` (default `HEAD`) that touched `envs/`, parents before
    /// children. `--full-history`: a merge that differs from any one parent is listed,
    /// so a "take theirs" resolution is checked too.
    /// `exclude`: commits whose histories are left out (`^C`: verified before).
    pub fn commits_touching_envs(
        &self,
        revs: &[String],
        exclude: &[String],
    ) -> Result<Vec<String>> {
        let not: Vec<String> = exclude.iter().map(|c| format!("^{c}")).collect();
        let mut args = vec!["rev-list", "--topo-order", "--reverse", "--full-history"];
        args.extend(revs_or_head(revs));
        args.extend(not.iter().map(String::as_str));
        let path = match &self.only {
            Some(env) => format!("{}/{env}.db.age", self.envs_rel),
            None => self.envs_rel.clone(),
        };
        args.extend(["--", &path]);
        Ok(self.git(&args)?.lines().map(str::to_owned).collect())
    }

    /// Whether `revs` name whole histories (no `A..B`, `^A` or `A...B`): then checking
    /// them checks everything before their tips.
    pub fn whole_history(&self, revs: &[String]) -> Result<bool> {
        let mut args = vec!["rev-parse", "--revs-only"];
        args.extend(revs_or_head(revs));
        Ok(!self.git(&args)?.lines().any(|l| l.starts_with('^')))
    }

    /// The best common ancestor of two commits, if they have one.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>> {
        Ok(self
            .git(&["merge-base", a, b])
            .ok()
            .and_then(|out| out.lines().next().map(str::to_owned)))
    }

    /// The commits `revs` end at (`B` of `A..B`; `HEAD` by default): where the final
    /// chains are read.
    pub fn tips(&self, revs: &[String]) -> Result<Vec<String>> {
        let mut args = vec!["rev-parse", "--revs-only"];
        args.extend(revs_or_head(revs));
        let out = self.git(&args)?;
        let mut tips = Vec::new();
        for line in out.lines().filter(|l| !l.starts_with('^')) {
            // `A...B` lists a merge base too; commits only.
            let id = self.git(&[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{line}^{{commit}}"),
            ])?;
            let id = id.trim().to_owned();
            if !tips.contains(&id) {
                tips.push(id);
            }
        }
        Ok(tips)
    }

    /// A commit's parents, author and subject.
    pub fn commit(&mut self, id: &str) -> Result<CommitInfo> {
        if let Some(c) = self.commits.get(id) {
            return Ok(c.clone());
        }
        let (kind, body) = self.batch.object(id, MAX_OBJECT)?.ok_or_else(|| {
            Error::Git(crate::error::GitError::GitHistory {
                args: format!("cat-file {id}"),
                detail: "the commit is missing (a shallow clone?)".into(),
            })
        })?;
        if kind != "commit" {
            return Err(Error::Git(crate::error::GitError::GitHistory {
                args: format!("cat-file {id}"),
                detail: format!("not a commit but a {kind}"),
            }));
        }
        let info = parse_commit(id, &body);
        self.commits.insert(id.to_owned(), info.clone());
        Ok(info)
    }

    /// Whether commit `id` tracks the vault's access journal (`journal/` beside
    /// `envs/`): git ignores it by `.gitignore`, and so takes it for a file it may
    /// replace — a pull of such a commit puts one member's journal over every other
    /// member's own, whose reads are then lost.
    pub fn tracks_journal(&mut self, id: &str) -> Result<bool> {
        let at = self.envs_rel.strip_suffix("envs").unwrap_or_default();
        Ok(matches!(
            self.batch.object(&format!("{id}:{at}journal"), MAX_OBJECT)?,
            Some((kind, _)) if kind == "tree"
        ))
    }

    /// The environment files in commit `id`'s `envs/` (none when it has no vault).
    pub fn env_blobs(&mut self, id: &str) -> Result<EnvBlobs> {
        if let Some(t) = self.trees.get(id) {
            return Ok(t.clone());
        }
        let name = format!("{id}:{}", self.envs_rel);
        let mut blobs = match self.batch.object(&name, MAX_OBJECT)? {
            None => EnvBlobs::new(),
            Some((kind, body)) if kind == "tree" => parse_env_tree(&body, self.batch.raw_len)?,
            Some(_) => EnvBlobs::new(),
        };
        if let Some(env) = &self.only {
            blobs.retain(|e, _| e == env);
        }
        self.trees.insert(id.to_owned(), blobs.clone());
        Ok(blobs)
    }

    /// DESIGN §16: where commit `id` itself keeps the vault, as a command run at the top
    /// of its work tree would find it (a `.keyward-vault` file there, else `vault/`):
    /// the blob of `env` there, when that is not the place this history is read from.
    /// A commit that moves the vault is then checked against what it moved, so an older
    /// or a foreign copy put in a new place is not taken as a new environment.
    pub fn moved_from(&mut self, id: &str, env: &EnvName) -> Result<Option<(String, String)>> {
        let rel = match self
            .batch
            .object(&format!("{id}:{}", super::discover::MARKER), MAX_OBJECT)?
        {
            Some((kind, body)) if kind == "blob" => String::from_utf8_lossy(&body)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .and_then(tree_path)
                .unwrap_or_else(|| "vault".to_owned()),
            _ => "vault".to_owned(),
        };
        let envs = if rel.is_empty() {
            "envs".to_owned()
        } else {
            format!("{rel}/envs")
        };
        if envs == self.envs_rel || envs.contains('\n') {
            return Ok(None);
        }
        let blobs = match self.batch.object(&format!("{id}:{envs}"), MAX_OBJECT)? {
            Some((kind, body)) if kind == "tree" => parse_env_tree(&body, self.batch.raw_len)?,
            _ => return Ok(None),
        };
        Ok(blobs.get(env).map(|b| (b.clone(), envs)))
    }

    /// The last place `env` was held before it appeared where this history is read
    /// from: walking back from `id` (itself included) along first parents, the first
    /// commit that kept it, in its own vault elsewhere (it moved) or here (it was
    /// deleted, and is added again) — its id, blob and which of the two. `None` when
    /// none held it at all (a new environment).
    pub fn held_before(&mut self, id: &str, env: &EnvName) -> Result<Option<HeldBefore>> {
        let mut at = id.to_owned();
        loop {
            if let Some(blob) = self.env_blobs(&at)?.get(env) {
                return Ok(Some(HeldBefore {
                    commit: at,
                    blob: blob.clone(),
                    here: true,
                }));
            }
            if let Some((blob, _)) = self.moved_from(&at, env)? {
                return Ok(Some(HeldBefore {
                    commit: at,
                    blob,
                    here: false,
                }));
            }
            match self.commit(&at)?.parents.first() {
                Some(p) => at = p.clone(),
                None => return Ok(None),
            }
        }
    }

    /// Open the env file stored as blob `blob` (read-only, in memory; `label` names it
    /// in errors).
    pub fn open_env(
        &mut self,
        paths: &VaultPaths,
        env: &EnvName,
        blob: &str,
        label: PathBuf,
        identity: &dyn age::Identity,
    ) -> Result<EnvDb> {
        let (kind, bytes) = self.batch.object(blob, MAX_ENV_BLOB)?.ok_or_else(|| {
            Error::Git(crate::error::GitError::GitHistory {
                args: format!("cat-file {blob}"),
                detail: "the blob is missing".into(),
            })
        })?;
        if kind != "blob" {
            return Err(Error::Git(crate::error::GitError::GitHistory {
                args: format!("cat-file {blob}"),
                detail: format!("not a blob but a {kind}"),
            }));
        }
        EnvDb::open_bytes(paths, env, label, &bytes, identity)
    }
}

fn revs_or_head(revs: &[String]) -> Vec<&str> {
    if revs.is_empty() {
        vec!["HEAD"]
    } else {
        revs.iter().map(String::as_str).collect()
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_owned()
}

/// The largest commit, tree or `.keyward-vault` marker read from a history: a real one
/// is a few KB. Objects are read whole, sized by git's header, and a pushed object of
/// zeros packs to almost nothing whatever its size.
const MAX_OBJECT: u64 = 16 << 20;

/// The largest environment file read from a history: as `git textconv`'s bound (the
/// rows of ten million keys are under 1 GiB); a larger blob is not a file keyward wrote.
const MAX_ENV_BLOB: u64 = 1 << 30;

/// `git cat-file --batch`: one object name per line in, `ID TYPE SIZE\nBYTES\n` out
/// (flushed per object, so a request can wait for its answer).
struct Batch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The work tree, to start over (see [`Batch::object`]).
    top: PathBuf,
    /// Bytes of a raw object id in a tree (20 for SHA-1, 32 for SHA-256 repositories).
    raw_len: usize,
}

impl Batch {
    fn start(top: &Path) -> Result<Batch> {
        let fail = |detail: String| {
            Error::Git(crate::error::GitError::GitHistory {
                args: "cat-file --batch".into(),
                detail,
            })
        };
        let mut child = Command::new("git")
            .args(GIT_OPTS)
            .arg(top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped"));
        Ok(Batch {
            child,
            stdin,
            stdout,
            raw_len: 20,
            top: top.to_owned(),
        })
    }

    /// The object `name` (an id or `REV:PATH`): its type and content, or `None` when it
    /// does not exist. An object larger than `max` is refused from git's header, before
    /// anything is allocated for it, as damage (exit 6: a history keyward did not write);
    /// a new `cat-file` answers the next request (reading past gigabytes took seconds).
    fn object(&mut self, name: &str, max: u64) -> Result<Option<(String, Vec<u8>)>> {
        let fail = |detail: String| {
            Error::Git(crate::error::GitError::GitHistory {
                args: format!("cat-file --batch ({name})"),
                detail,
            })
        };
        self.stdin
            .write_all(name.as_bytes())
            .and_then(|_| self.stdin.write_all(b"\n"))
            .and_then(|_| self.stdin.flush())
            .map_err(|e| fail(e.to_string()))?;
        let mut header = String::new();
        self.stdout
            .read_line(&mut header)
            .map_err(|e| fail(e.to_string()))?;
        let header = header.trim_end_matches('\n');
        let mut parts = header.split(' ');
        let (Some(id), Some(kind), Some(size), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            // `NAME missing`, `NAME ambiguous`, or nothing (git ended).
            return if header.ends_with(" missing") {
                Ok(None)
            } else {
                Err(fail(format!("unexpected answer `{header}`")))
            };
        };
        let size: u64 = size
            .parse()
            .map_err(|_| fail(format!("unexpected answer `{header}`")))?;
        self.raw_len = id.len() / 2;
        if size > max {
            *self = Batch::start(&self.top)?;
            return Err(Error::Corrupt {
                path: PathBuf::from(name),
                detail: format!(
                    "the git object is a {kind} of {size} bytes, more than keyward reads there ({} MiB)",
                    max >> 20
                ),
            });
        }
        let mut body = vec![0; size as usize + 1];
        self.stdout
            .read_exact(&mut body)
            .map_err(|e| fail(e.to_string()))?;
        body.pop(); // the newline after each object
        Ok(Some((kind.to_owned(), body)))
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing stdin ends cat-file; reap it so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parents, author and subject from a raw commit object.
fn parse_commit(id: &str, body: &[u8]) -> CommitInfo {
    let text = String::from_utf8_lossy(body);
    let (headers, message) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut parents = Vec::new();
    let mut author = String::new();
    for line in headers.lines() {
        if let Some(p) = line.strip_prefix("parent ") {
            parents.push(p.trim().to_owned());
        } else if let Some(a) = line.strip_prefix("author ") {
            // `Name <email> TIMESTAMP TZ`: keep `Name <email>`.
            author = match a.rfind('>') {
                Some(end) => a[..=end].to_owned(),
                None => a.to_owned(),
            };
        }
    }
    CommitInfo {
        id: id.to_owned(),
        parents,
        author,
        subject: message.lines().next().unwrap_or_default().to_owned(),
    }
}

/// `MODE NAME\0RAW-ID` entries of a tree: the regular files named `ENV.db.age`.
fn parse_env_tree(body: &[u8], raw_len: usize) -> Result<EnvBlobs> {
    let bad = || {
        Error::Git(crate::error::GitError::GitHistory {
            args: "cat-file --batch".into(),
            detail: "malformed tree object".into(),
        })
    };
    let mut out = EnvBlobs::new();
    let mut rest = body;
    while !rest.is_empty() {
        let nul = rest.iter().position(|b| *b == 0).ok_or_else(bad)?;
        let entry = std::str::from_utf8(&rest[..nul]).ok();
        let id = rest.get(nul + 1..nul + 1 + raw_len).ok_or_else(bad)?;
        rest = &rest[nul + 1 + raw_len..];
        let Some((mode, name)) = entry.and_then(|e| e.split_once(' ')) else {
            continue;
        };
        let Some(env) = name
            .strip_suffix(".db.age")
            .and_then(|n| n.parse::<EnvName>().ok())
        else {
            continue;
        };
        // An environment's file committed as a symbolic link (or a submodule, a tree):
        // every command refuses it in a checkout (exit 6), so the history check must not
        // pass it by.
        if !mode.starts_with("100") {
            return Err(Error::Corrupt {
                path: std::path::PathBuf::from(name),
                detail: format!(
                    "the environment `{env}` is committed as {} (mode {mode}), not a regular file; keyward refuses it",
                    match mode {
                        "120000" => "a symbolic link",
                        "160000" => "a submodule",
                        _ => "a directory",
                    }
                ),
            });
        }
        out.insert(env, hex::encode(id));
    }
    Ok(out)
}

/// A marker's path as a path inside a commit's tree: `.` and `..` resolved by name, no
/// leading or trailing `/`; `None` for one that leaves the tree or is absolute (then the
/// commit's vault is taken to be `vault/`, as discovery would find it).
fn tree_path(marker: &str) -> Option<String> {
    if marker.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in marker.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
#[path = "repo_tests.rs"]
mod tests;
