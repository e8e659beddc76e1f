//! A team's day (DESIGN §16), what is said around a command rather than by it: which
//! vault is in use when another one is at hand, the errors of someone who has not
//! joined yet (never "run `keyward init`" where a vault exists), and after a change to
//! a vault kept in git, that it takes effect once committed and pushed.

use std::path::{Path, PathBuf};

use crate::error::{Error, TeamError};
use crate::ops::Context;
use crate::vault::discover::Source;

/// One line when the vault in use is not the only one at hand: a vault given by
/// `--vault`/`KEYWARD_VAULT` inside a work tree that has its own, or a work tree's vault
/// used while a personal vault exists.
pub fn say_vault(ctx: &Context) {
    let l = &ctx.located;
    let same = |a: &Path, b: &Path| canon(a) == canon(b);
    match (&l.source, &l.tree_vault, &l.personal) {
        (Source::Flag | Source::Env, Some(tree), _) if !same(&l.root, tree) => {
            ctx.out.note(&format!(
                "using the vault `{}` ({}); this work tree's vault `{}` is not used",
                l.root.display(),
                from(&l.source),
                tree.display()
            ))
        }
        (Source::WorkTree, _, Some(personal)) if !same(&l.root, personal) => {
            ctx.out.note(&format!(
                "using this work tree's vault `{}`; your personal vault `{}` is not used here (--vault picks another)",
                shown(&l.root),
                personal.display()
            ))
        }
        _ => {}
    }
}

fn canon(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn from(source: &Source) -> &'static str {
    match source {
        Source::Flag => "from --vault",
        Source::Env => "from KEYWARD_VAULT",
        Source::WorkTree => "this work tree's",
        Source::Personal => "your personal vault",
    }
}

/// A path as short as it reads from where the command runs (`vault`, `../vault`).
fn shown(p: &Path) -> String {
    let here = std::env::current_dir().ok().map(|d| canon(&d));
    let p = canon(p);
    match here.as_deref().and_then(|h| p.strip_prefix(h).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => p.display().to_string(),
    }
}

/// Errors said for what they are on a team's day: no identity beside the team's vault
/// (join it, never `init`), a vault given elsewhere while the work tree has one, and
/// "not a recipient" with the recipient to grant.
pub fn explain(ctx: &Context, e: Error) -> Error {
    let l = &ctx.located;
    match e {
        Error::NoIdentity { detail } => match (&l.tree_vault, &ctx.identity_spec) {
            (Some(vault), crate::identity::IdentitySpec::Default(default)) => {
                TeamError::NoIdentityForTeam {
                    default: default.clone(),
                    vault: PathBuf::from(shown(vault)),
                }
                .into()
            }
            _ => Error::NoIdentity { detail },
        },
        Error::VaultNotFound { path } => match &l.tree_vault {
            Some(found) if l.source != Source::WorkTree => TeamError::VaultElsewhere {
                path,
                from: from(&l.source),
                found: found.clone(),
            }
            .into(),
            _ => Error::VaultNotFound { path },
        },
        // DESIGN §16: `-e production` for `prod`: the long and short names of the
        // usual environments, and one name the start of the other.
        Error::EnvNotFound { env } => {
            let similar: Vec<crate::names::EnvName> = ctx
                .paths
                .env_names()
                .unwrap_or_default()
                .into_iter()
                .filter(|n| same_env(env.as_str(), n.as_str()))
                .collect();
            if similar.is_empty() {
                Error::EnvNotFound { env }
            } else {
                Error::EnvNotFoundSimilar { env, similar }
            }
        }
        Error::NotARecipient { env } => match ctx.identity() {
            Ok(id) => {
                let in_git = crate::vault::git::setup_state(&ctx.paths.root)
                    != crate::vault::git::SetupState::NotInGit;
                TeamError::NotARecipientYet {
                    recipient: id.recipient.clone(),
                    next: format!(
                        "send your member card (`keyward identity show`) to an admin of `{env}`, who runs `keyward access grant CARD -e {env}`{}",
                        if in_git {
                            ", commits and pushes; then `git pull`"
                        } else {
                            ""
                        }
                    ),
                    env,
                }
                .into()
            }
            Err(_) => Error::NotARecipient { env },
        },
        e => e,
    }
}

/// Whether `typed` is another usual name of the environment `known` (`production` and
/// `prod`, `development` and `dev`, `staging` and `stage`), or one starts the other.
fn same_env(typed: &str, known: &str) -> bool {
    const ALIASES: [&[&str]; 4] = [
        &["prod", "production", "prd", "live"],
        &["dev", "development", "devel"],
        &["test", "testing", "tst"],
        &["staging", "stage", "stg"],
    ];
    let (t, k) = (typed.to_ascii_lowercase(), known.to_ascii_lowercase());
    t != k
        && (ALIASES
            .iter()
            .any(|group| group.contains(&t.as_str()) && group.contains(&k.as_str()))
            || (t.len() >= 3 && k.len() >= 3 && (t.starts_with(&k) || k.starts_with(&t))))
}

/// After a change to a vault in a git work tree: the files changed, and that the change
/// takes effect for the team once committed and pushed — until then a removed person
/// keeps access through the file on the remote (`removal`).
pub fn say_commit_and_push(ctx: &Context, removal: bool) {
    let mut envs = ctx.changed.borrow().clone();
    envs.dedup();
    if envs.is_empty() {
        return;
    }
    let Some(top) = crate::vault::discover::work_tree_top(&ctx.paths.root) else {
        return;
    };
    let files: Vec<String> = envs
        .iter()
        .map(|env| {
            let f = canon(&ctx.paths.env_file(env));
            f.strip_prefix(&top)
                .map(|r| r.display().to_string())
                .unwrap_or_else(|_| f.display().to_string())
        })
        .collect();
    let until = if removal {
        " (whoever was removed keeps access through the file on the remote until then)"
    } else {
        ""
    };
    ctx.out.note(&format!(
        "changed {} — commit and push to take effect{until}",
        files.join(", ")
    ));
}

/// `identity new --out FILE` inside a git work tree, where git does not ignore it: one
/// `git add -A` away from a commit that hands the identity to everyone with the
/// repository (DESIGN §16).
pub fn warn_identity_in_work_tree(ctx: &Context, file: &Path) {
    let abs = canon(file);
    let Some(top) = crate::vault::discover::work_tree_top(abs.parent().unwrap_or(&abs)) else {
        return;
    };
    if crate::vault::git::is_ignored(&abs) == Some(true) {
        return;
    }
    let rel = abs
        .strip_prefix(&top)
        .map(|r| r.display().to_string())
        .unwrap_or_else(|_| abs.display().to_string());
    ctx.out.warn(&format!(
        "`{rel}` is an identity inside the git work tree `{}` and git does not ignore it: add it to `.gitignore`, or keep it outside the repository (a committed identity opens every environment it is a recipient of)",
        top.display()
    ));
}
