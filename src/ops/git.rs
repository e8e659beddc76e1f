//! A vault kept in git (DESIGN §9): `git setup` (the attributes, ignores and local
//! config that make git treat env files right), the hint when it was not run, the merge
//! driver (`git merge`, by meaning: `vault::merge`), and `git resolve`, which picks one
//! of the values a merge kept when both sides gave a key a new value. The text form git
//! shows in diffs is `textconv`'s.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{Dur, EnvName, KeyName, fmt_time};
use crate::ops::Context;
use crate::vault::git::{
    self as vgit, Change, GitRepo, SetupState, VAULT_ATTRIBUTES, VAULT_IGNORE,
};
use crate::vault::merge::{Merged, merge_files};
use crate::vault::{Status, VaultPaths};

pub use super::textconv::{EnvText, textconv};

/// The one-line hint for a vault in a work tree that `git setup` has not prepared.
pub const SETUP_HINT: &str = "hint: run `keyward git setup` so merges and diffs of env files work";

/// What `git setup` wrote, as `git setup --json` prints it.
#[derive(Serialize)]
pub struct GitSetUp {
    /// The top of the work tree.
    pub repository: String,
    pub files: Vec<FileChange>,
    pub config: Vec<ConfigChange>,
}

#[derive(Serialize)]
pub struct FileChange {
    pub path: String,
    /// Committed with the vault, or local to this clone.
    pub committed: bool,
    pub change: Change,
}

#[derive(Serialize)]
pub struct ConfigChange {
    pub key: String,
    pub value: String,
    pub changed: bool,
}

/// `git setup`: idempotent; every line is added only where it is missing.
pub fn setup(ctx: &Context) -> Result<GitSetUp> {
    ctx.paths.require()?;
    let root = &ctx.paths.root;
    let repo = GitRepo::of(root)?.ok_or_else(|| {
        Error::Git(crate::error::GitError::GitSetupNotInGit { path: root.clone() })
    })?;
    let mut files = Vec::new();
    let mut file = |path: PathBuf, committed: bool, lines: &[&str]| -> Result<()> {
        let change = vgit::ensure_lines(&path, lines)?;
        files.push(FileChange {
            path: path.display().to_string(),
            committed,
            change,
        });
        Ok(())
    };
    file(root.join(".gitattributes"), true, VAULT_ATTRIBUTES)?;
    file(root.join(".gitignore"), true, VAULT_IGNORE)?;
    file(repo.info_attributes.clone(), false, &[&repo.info_line()])?;
    // DESIGN §16: commands find `vault/` by walking up; any other place, by a marker
    // at the top of the work tree (committed, so every clone finds it).
    if repo.vault_rel != "vault" {
        let rel = if repo.vault_rel.is_empty() {
            "."
        } else {
            repo.vault_rel.as_str()
        };
        let text = crate::vault::discover::marker_text(rel);
        let lines: Vec<&str> = text.lines().collect();
        file(repo.top.join(crate::vault::discover::MARKER), true, &lines)?;
    }

    let kw = keyward_command();
    let wanted = [
        (
            "merge.keyward.name",
            "keyward: merge env files by meaning".to_owned(),
        ),
        (
            "merge.keyward.driver",
            format!("{kw} git merge %O %A %B %P"),
        ),
        ("diff.keyward.textconv", format!("{kw} git textconv")),
        // A textconv cache would keep key names in .git, outside any encryption.
        ("diff.keyward.cachetextconv", "false".to_owned()),
    ];
    let have = repo.keyward_config()?;
    let mut config = Vec::new();
    for (key, value) in wanted {
        let changed = have.get(key) != Some(&value);
        if changed {
            repo.set_config(key, &value)?;
        }
        config.push(ConfigChange {
            key: key.to_owned(),
            value,
            changed,
        });
    }
    Ok(GitSetUp {
        repository: repo.top.display().to_string(),
        files,
        config,
    })
}

/// `git setup` when the vault is inside a git work tree (what `init` runs); `None`
/// outside one.
pub fn setup_if_in_git(ctx: &Context) -> Result<Option<GitSetUp>> {
    match vgit::setup_state(&ctx.paths.root) {
        SetupState::NotInGit => Ok(None),
        _ => setup(ctx).map(Some),
    }
}

/// The hint for a vault in a work tree `git setup` did not prepare: a file-system
/// check, no subprocess, so every command can afford it. On a terminal every time; in a
/// log (CI, where a fresh clone is never set up) once per vault on the machine.
pub fn hint_if_not_set_up(ctx: &Context, on_terminal: bool) {
    if ctx.paths.exists()
        && vgit::setup_state(&ctx.paths.root) == SetupState::NotSetUp
        && (on_terminal || vgit::first_setup_hint(&ctx.paths))
    {
        ctx.out.note(SETUP_HINT);
    }
}

/// How git runs keyward: plain `keyward` when that is what PATH finds (an upgrade
/// keeps working), else the absolute path of this binary, quoted for the shell git
/// runs drivers through (a build run from its directory, a test).
fn keyward_command() -> String {
    let exe = std::env::current_exe().and_then(|p| p.canonicalize()).ok();
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("keyward"))
            .find(|p| p.is_file())
            .and_then(|p| p.canonicalize().ok())
    });
    match exe {
        Some(exe) if on_path.as_ref() != Some(&exe) => {
            crate::ops::plan::shell_word(&exe.to_string_lossy()).into_owned()
        }
        _ => "keyward".to_owned(),
    }
}

/// `git merge BASE OURS THEIRS PATH` as git runs it (DESIGN §9).
pub struct Merge {
    pub base: PathBuf,
    pub ours: PathBuf,
    pub theirs: PathBuf,
    /// The file's path in the repository, for messages.
    pub path: String,
}

/// Merge by meaning into OURS; on any error OURS is left as git gave it, so git
/// reports a conflict and the error says why.
pub fn merge(ctx: &Context, req: Merge) -> Result<Merged> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io("cannot read", p, e));
    // An absent BASE (both sides created the file) reads as empty: refused below.
    let base = read(&req.base)?;
    let theirs = read(&req.theirs)?;
    let identity = ctx.identity()?;
    let actor = identity.actor();
    // The sides are held to `KEYWARD_TRUST_ROOT` as a read is (DESIGN §15).
    let paths = VaultPaths {
        trust_roots: ctx.paths.trust_roots.clone(),
        ..VaultPaths::new(ctx.paths.root.clone())
    };
    if base.is_empty() {
        return Err(Error::Git(crate::error::GitError::GitMergeRefused {
            env: env_of_path(&req.path),
            why: "both sides created it (no common version): they are two different environments"
                .into(),
        }));
    }
    let merged = merge_files(
        &paths,
        &base,
        &req.ours,
        &theirs,
        identity.as_age(),
        &ctx.signing(&actor)?,
        ctx.paths.pins.as_ref(),
    )
    .map_err(|e| named(e, Some(env_of_path(&req.path))))?;
    // DESIGN §18: the result's key to a hardware identity's agent.
    crate::ops::touch::merged(ctx, &req.ours, merged.written.as_ref());
    Ok(merged)
}

/// The environment a repository path names (`…/envs/ENV.db.age`), for messages.
fn env_of_path(path: &str) -> EnvName {
    env_from_path(Path::new(path)).unwrap_or_else(|| "env".parse().expect("a valid name"))
}

/// DESIGN §16: the environment a file's name says — `%P` (`vault/envs/prod.db.age`), or
/// the temp file git hands textconv (`XXXXXX_prod.db.age` before git 2.38) — so a
/// message about a file keyward cannot open names it rather than a placeholder.
pub(super) fn env_from_path(path: &Path) -> Option<EnvName> {
    let name = path.file_name()?.to_str()?.strip_suffix(".db.age")?;
    let name = match name.split_once('_') {
        Some((tmp, rest)) if tmp.len() == 6 && tmp.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            rest
        }
        _ => name,
    };
    name.parse().ok()
}

/// An error about the placeholder a file not yet decrypted has, named after `env`.
pub(super) fn named(e: Error, env: Option<EnvName>) -> Error {
    match (e, env) {
        (Error::NotARecipient { .. }, Some(env)) => Error::NotARecipient { env },
        (e, _) => e,
    }
}

/// `git resolve KEY [--keep N] [--grace DUR]`: pick one of the values a merge kept.
pub struct Resolve {
    pub name: KeyName,
    /// The version to keep; the active (newest) one when not given.
    pub keep: Option<u32>,
    /// How long the other values keep verifying; at once without.
    pub grace: Option<Dur>,
}

#[derive(Serialize)]
pub struct Resolved {
    pub env: EnvName,
    pub name: KeyName,
    /// The kept value's version (the key's newest, active).
    pub version: u32,
    /// The versions that retire.
    pub retiring: Vec<u32>,
    #[serde(skip)]
    pub retire_at: Option<i64>,
}

pub fn resolve(ctx: &Context, req: Resolve) -> Result<Resolved> {
    let now = ctx.now();
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let key = db.key(&req.name)?;
    let open = db.open_merge_conflicts()?;
    if !open.iter().any(|(k, _)| k == req.name.as_str()) {
        return Err(Error::Git(crate::error::GitError::NoMergeConflict {
            name: req.name,
            env: db.env.clone(),
        }));
    }
    let versions = db.versions(&key)?;
    let newest = versions.last().map(|v| v.version).unwrap_or(0);
    // The values side by side: active, or retiring with no end (what a merge leaves).
    let tied: Vec<u32> = versions
        .iter()
        .filter(|v| match v.status(now) {
            Status::Active => true,
            Status::Retiring => v.retire_at.is_none(),
            _ => false,
        })
        .map(|v| v.version)
        .collect();
    let keep = req.keep.unwrap_or(newest);
    if tied.contains(&keep) && keep != newest {
        // Moving an older value to the top would renumber versions, and pins and
        // exposure marks on every machine name values by their numbers.
        return Err(Error::Git(crate::error::GitError::ResolveKeepsNewest {
            name: req.name,
            env: db.env.clone(),
            version: keep,
            newest,
        }));
    }
    if !tied.contains(&keep) {
        let kept: Vec<String> = tied.iter().map(|v| format!("v{v}")).collect();
        return Err(Error::Git(crate::error::GitError::NotAConflictVersion {
            name: req.name,
            env: db.env.clone(),
            version: keep,
            kept: kept.join(", "),
        }));
    }
    let retire_at = req.grace.map(|g| g.after(now));
    let retiring: Vec<u32> = tied.iter().filter(|v| **v != keep).copied().collect();
    let reason = format!(
        "kept v{newest}; {} retire{}",
        if retiring.is_empty() {
            "nothing else to".to_owned()
        } else {
            retiring
                .iter()
                .map(|v| format!("v{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        retire_at
            .map(|t| format!(" at {}", fmt_time(t)))
            .unwrap_or_else(|| " now".into())
    );
    db.batch(|db| {
        db.resolve_conflict(&key, newest, retire_at)?;
        db.record(
            &actor,
            Action::Resolve,
            Some(req.name.as_str()),
            Some(newest),
            Some(&reason),
            now,
        )
    })?;
    ctx.commit(&mut db)?;
    Ok(Resolved {
        env: db.env.clone(),
        name: req.name,
        version: newest,
        retiring,
        retire_at,
    })
}
