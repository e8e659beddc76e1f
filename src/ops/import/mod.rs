//! `keyward import` (DESIGN §17): keys issued elsewhere, from a dotenv or JSON file or
//! from a peer — a sops file (`sops.rs`), a pass or passage store (`store.rs`) — all or
//! nothing.
//!
//! Every source gives the same thing: values with where they came from and the name
//! each would get (`names.rs`). The rules then hold once for all of them: a name that is
//! not valid is listed with the name it would get and nothing is imported unless
//! `--rename-invalid`; two entries that give one name are refused naming both; every
//! value is checked as `set` checks it; then `ops::issue` stores each environment's keys
//! in one commit, one `import` event per key naming its source. `--dry-run` runs every
//! check and stops before the writer lock.

mod child;
mod ciphertext;
pub mod names;
mod sops;
mod store;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, ImportError, Result};
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
pub use crate::ops::issue::ImportFormat;
use crate::ops::issue::{self, Existing, Issue, Issued, NewIssue, Source};
use crate::secret::Secret;
use crate::vault::NewKey;
use crate::vault::hooks::StoredHook;
use names::Mapped;

/// The peers `import --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Sops,
    Pass,
    Passage,
}

impl Peer {
    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Peer::Sops => "sops",
            Peer::Pass => "pass",
            Peer::Passage => "passage",
        }
    }
}

/// What sops reads a file as (`--input-type`; by default its extension says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SopsType {
    Dotenv,
    Json,
    Yaml,
}

/// `import`: what to read and how.
pub struct ImportRequest {
    /// The file (`-`: stdin), sops file or store directory.
    pub file: PathBuf,
    /// The format of a plain file (without `from`).
    pub format: Option<ImportFormat>,
    pub from: Option<Peer>,
    /// sops: the file's type, when its name does not say.
    pub input_type: Option<SopsType>,
    /// pass/passage: each entry's first path component names its environment.
    pub env_from_path: bool,
    /// pass/passage: the whole entry is the value, not its first line.
    pub whole_entry: bool,
    /// Import entries whose names are not valid under the names they would get.
    pub rename_invalid: bool,
    pub dry_run: bool,
    pub overwrite: bool,
    /// `--rotate-with NAME=CMD`: rotation hooks for keys of the source.
    pub hooks: Vec<(KeyName, StoredHook)>,
}

/// One value read from a source, before its name is checked.
pub(crate) struct Found {
    /// Where it is, for messages: `line 3`, `key `db.password``, `entry `prod/x``.
    pub at: String,
    /// Where it is, for the dry-run table.
    pub source: String,
    /// The reason of its `import` event: the source (`sops:FILE`).
    pub reason: String,
    /// With `--env-from-path`: the environment its path names.
    pub env: Option<EnvName>,
    /// Its name joins nested keys (said once, with an example).
    pub flattened: bool,
    pub name: Mapped,
    pub value: Secret,
}

/// What `import` did, or with `--dry-run` would do.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ImportReport {
    /// One environment (always, without `--env-from-path`): the object `import --json`
    /// has always printed.
    One(Imported),
    /// `--env-from-path`: one object per environment.
    Many(Vec<Imported>),
    Plan(ImportPlan),
}

/// Field order as the `--json` object has always printed it.
#[derive(Serialize)]
pub struct Imported {
    pub added: usize,
    pub env: EnvName,
    pub updated: usize,
}

/// `--dry-run`: each key, where it comes from, and what would happen; never a value.
#[derive(Serialize)]
pub struct ImportPlan {
    pub dry_run: bool,
    pub keys: Vec<Planned>,
}

#[derive(Serialize)]
pub struct Planned {
    pub env: EnvName,
    pub name: KeyName,
    pub source: String,
    /// `create` or `overwrite` (a new version of an existing key).
    pub action: &'static str,
    pub version: u32,
}

pub fn import(ctx: &Context, req: ImportRequest) -> Result<ImportReport> {
    check_flags(&req)?;
    ctx.paths.require()?;
    // DESIGN §15: an import is a signed write; where the environment is known already, a
    // `read` member is refused before any peer is asked to decrypt anything.
    if !req.env_from_path || ctx.env_explicit {
        ctx.may_write(&ctx.open_env()?)?;
    }
    let found = read_source(ctx, &req)?;

    // Names: none fixed silently.
    let invalid: Vec<String> = found
        .iter()
        .filter_map(|f| match &f.name {
            Mapped::Invalid(would) => Some(format!("{} (would be `{would}`)", f.at)),
            Mapped::Valid(_) => None,
        })
        .collect();
    if !invalid.is_empty() && !req.rename_invalid {
        return Err(ImportError::InvalidNames {
            count: invalid.len(),
            list: invalid.join(", "),
        }
        .into());
    }
    let name_of = |f: &Found| match &f.name {
        Mapped::Valid(n) | Mapped::Invalid(n) => n.clone(),
    };
    let env_of = |f: &Found| f.env.clone().unwrap_or_else(|| ctx.env.clone());

    // One name per environment, and every value one keyward stores.
    let mut seen: HashMap<(EnvName, KeyName), usize> = HashMap::new();
    for (i, f) in found.iter().enumerate() {
        let name = name_of(f);
        if let Some(&first) = seen.get(&(env_of(f), name.clone())) {
            return Err(if req.from.is_none() {
                Error::ImportDuplicate {
                    at: f.at.clone(),
                    name,
                }
            } else {
                ImportError::NameCollision {
                    name,
                    first: found[first].at.clone(),
                    second: f.at.clone(),
                }
                .into()
            });
        }
        seen.insert((env_of(f), name.clone()), i);
        crate::input::check_value(&f.value).map_err(|e| Error::ImportInvalid {
            detail: format!(
                "{}: `{name}`: {}",
                f.at,
                e.to_string().lines().next().unwrap_or_default()
            ),
        })?;
    }
    if let Some((name, _)) = req
        .hooks
        .iter()
        .find(|(n, _)| !found.iter().any(|f| name_of(f) == *n))
    {
        return Err(Error::usage(format!(
            "--rotate-with names `{name}`, which is not among the keys imported; nothing was imported"
        )));
    }
    if let Some(f) = found.iter().find(|f| f.flattened) {
        ctx.out.note(&format!(
            "nested keys are joined with `_` into one name each ({} is `{}`)",
            f.at,
            name_of(f)
        ));
    }

    // An empty source (an empty or comment-only file, `{}`) imports nothing: said, and
    // not an error (as `--dry-run` says "0 keys").
    if found.is_empty() && !req.dry_run {
        ctx.out.note(&format!(
            "nothing to import: `{}` holds no keys; nothing changed",
            crate::text::escape(&req.file.display().to_string())
        ));
        return Ok(ImportReport::Many(Vec::new()));
    }

    // Each environment's keys, in the order the source gives them.
    let mut groups: Vec<(EnvName, Vec<(KeyName, Found)>)> = Vec::new();
    for f in found {
        let (env, name) = (env_of(&f), name_of(&f));
        match groups.iter_mut().find(|(e, _)| *e == env) {
            Some((_, keys)) => keys.push((name, f)),
            None => groups.push((env, vec![(name, f)])),
        }
    }
    let sources: Vec<Vec<String>> = groups
        .iter()
        .map(|(_, keys)| keys.iter().map(|(_, f)| f.source.clone()).collect())
        .collect();
    let mut issues: Vec<Issue> = Vec::new();
    for (env, keys) in groups {
        issues.push(Issue {
            keys: keys
                .into_iter()
                .map(|(name, f)| NewIssue {
                    hook: req
                        .hooks
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, h)| h.clone()),
                    name,
                    source: Source::Given {
                        value: f.value,
                        at: f.at,
                    },
                    meta: NewKey::default(),
                    expires: None,
                    reason: Some(f.reason),
                })
                .collect(),
            action: Action::Import,
            existing: if req.overwrite {
                Existing::NewVersion
            } else {
                Existing::RefuseImport {
                    file: req.file.display().to_string(),
                    format: req.format.map(ImportFormat::as_str).unwrap_or(""),
                }
            },
            env: Some(env),
            dry_run: true,
        });
    }

    // Every environment checked before any is written.
    let mut plans = Vec::new();
    if req.dry_run || issues.len() > 1 {
        for issue in &issues {
            plans.push(
                issue::issue(ctx, copy_of(issue)).map_err(|e| said(e, &req, ctx.env_explicit))?,
            );
        }
    }
    if req.dry_run {
        let keys = plans
            .into_iter()
            .zip(sources)
            .flat_map(|(plan, sources)| {
                let env = plan.env;
                plan.keys
                    .into_iter()
                    .zip(sources)
                    .map(move |(k, source)| Planned {
                        env: env.clone(),
                        name: k.name,
                        source,
                        action: if k.new_key { "create" } else { "overwrite" },
                        version: k.version,
                    })
            })
            .collect();
        return Ok(ImportReport::Plan(ImportPlan {
            dry_run: true,
            keys,
        }));
    }
    // Every environment locked and every key staged before the first commit.
    let mut done: Vec<Imported> = if issues.len() > 1 {
        let issues = issues
            .into_iter()
            .map(|mut i| {
                i.dry_run = false;
                i
            })
            .collect();
        issue::issue_all(ctx, issues)
            .map_err(|e| match e {
                Error::PartlyDone {
                    failed,
                    done,
                    left,
                    next,
                } => Error::PartlyDone {
                    failed: Box::new(said(*failed, &req, ctx.env_explicit)),
                    done,
                    left,
                    next,
                },
                e => said(e, &req, ctx.env_explicit),
            })?
            .into_iter()
            .map(imported)
            .collect()
    } else {
        let mut done = Vec::new();
        for mut issue in issues {
            issue.dry_run = false;
            done.push(imported(
                issue::issue(ctx, issue).map_err(|e| said(e, &req, ctx.env_explicit))?,
            ));
        }
        done
    };
    Ok(if req.env_from_path {
        ImportReport::Many(done)
    } else {
        ImportReport::One(done.pop().expect("one environment"))
    })
}

fn imported(issued: Issued) -> Imported {
    let added = issued.keys.iter().filter(|k| k.new_key).count();
    Imported {
        added,
        env: issued.env,
        updated: issued.keys.len() - added,
    }
}

/// The same request again (the dry run consumes its own copy of the values).
fn copy_of(issue: &Issue) -> Issue {
    Issue {
        keys: issue
            .keys
            .iter()
            .map(|k| NewIssue {
                name: k.name.clone(),
                source: match &k.source {
                    Source::Given { value, at } => Source::Given {
                        value: value.clone(),
                        at: at.clone(),
                    },
                    _ => unreachable!("an import's values are given"),
                },
                meta: NewKey::default(),
                expires: None,
                hook: k.hook.clone(),
                reason: k.reason.clone(),
            })
            .collect(),
        action: issue.action,
        existing: match &issue.existing {
            Existing::NewVersion => Existing::NewVersion,
            Existing::Refuse => Existing::Refuse,
            Existing::RefuseImport { file, format } => Existing::RefuseImport {
                file: file.clone(),
                format,
            },
        },
        env: issue.env.clone(),
        dry_run: true,
    }
}

/// A key that exists, said with the command that adds a new version from this source:
/// the same selection of entries, so `-e ENV` only where it selects nothing else (with
/// `--env-from-path`, `-e` keeps one folder: only if it was given).
fn said(e: Error, req: &ImportRequest, env_given: bool) -> Error {
    let Some(peer) = req.from else {
        return e;
    };
    match e {
        Error::ImportExists { at, name, env, .. } => {
            let file = shell_word(&req.file.display().to_string());
            let mut command = format!("keyward import --from {} {file}", peer.as_str());
            if req.env_from_path {
                command.push_str(" --env-from-path");
            }
            if req.whole_entry {
                command.push_str(" --whole-entry");
            }
            if req.rename_invalid {
                command.push_str(" --rename-invalid");
            }
            command.push_str(" --overwrite");
            if !req.env_from_path || env_given {
                command.push_str(&format!(" -e {env}"));
            }
            ImportError::PeerExists {
                at,
                name,
                env,
                command,
            }
            .into()
        }
        e => e,
    }
}

/// A path as one shell word, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| s.to_owned())
}

/// Flags that belong to another source are refused, not ignored (exit 2).
fn check_flags(req: &ImportRequest) -> Result<()> {
    let store = matches!(req.from, Some(Peer::Pass | Peer::Passage));
    let bad = |flag: &str, with: &str| {
        Err(Error::usage(format!(
            "{flag} applies to {with} only; nothing was imported"
        )))
    };
    if req.input_type.is_some() && req.from != Some(Peer::Sops) {
        return bad("--input-type", "--from sops");
    }
    if req.env_from_path && !store {
        return bad("--env-from-path", "--from pass and --from passage");
    }
    if req.whole_entry && !store {
        return bad("--whole-entry", "--from pass and --from passage");
    }
    Ok(())
}

fn read_source(ctx: &Context, req: &ImportRequest) -> Result<Vec<Found>> {
    let file = &req.file;
    let peer = match req.from {
        Some(peer) => peer,
        None => {
            let format = req
                .format
                .ok_or_else(|| Error::usage("--format dotenv|json is needed to read a file"))?;
            let raw = issue::read_input(file)?;
            let label = if file.as_os_str() == "-" {
                "stdin".to_owned()
            } else {
                file.display().to_string()
            };
            return Ok(issue::parse(&raw, format, &label)?
                .into_iter()
                .map(|(at, name, value)| Found {
                    source: format!("{label}: {at}"),
                    reason: format!("{}:{label}", format.as_str()),
                    at,
                    env: None,
                    flattened: false,
                    name: Mapped::Valid(name),
                    value,
                })
                .collect());
        }
    };
    if peer == Peer::Sops {
        return sops::read(ctx, file, req.input_type);
    }
    if file.as_os_str() == "-" {
        return Err(Error::usage(format!(
            "--from {} reads a store's directory, not stdin",
            peer.as_str()
        )));
    }
    // `-e prod --env-from-path`: the `prod/` folder only, the others never decrypted.
    let folders = store::Folders {
        split: req.env_from_path,
        only: (ctx.env_explicit && req.env_from_path).then(|| ctx.env.as_str()),
    };
    let read = store::read(ctx, file, peer, req.whole_entry, folders)?;
    let mut found = Vec::with_capacity(read.entries.len());
    let (mut no_folder, mut left_out) = (Vec::new(), read.left_out);
    for e in read.entries {
        let parts: Vec<&str> = e.path.split('/').collect();
        let (env, rest) = if req.env_from_path {
            match parts.split_first() {
                Some((first, rest)) if !rest.is_empty() => match first.parse::<EnvName>() {
                    Ok(env) => (Some(env), rest),
                    Err(_) => {
                        no_folder.push(e.path.clone());
                        continue;
                    }
                },
                _ => {
                    no_folder.push(e.path.clone());
                    continue;
                }
            }
        } else {
            (None, &parts[..])
        };
        // `-e prod --env-from-path`: the `prod/` folder only.
        if ctx.env_explicit && env.as_ref().is_some_and(|env| *env != ctx.env) {
            left_out += 1;
            continue;
        }
        found.push(Found {
            at: format!("entry `{}`", e.path),
            source: e.path.clone(),
            reason: format!("{}:{}", peer.as_str(), file.join(&e.path).display()),
            name: names::from_entry_path(rest),
            env,
            flattened: false,
            value: e.value,
        });
    }
    if ctx.env_explicit && req.env_from_path {
        left_out += no_folder.len();
        no_folder.clear();
    }
    if let Some(first) = no_folder.first() {
        return Err(ImportError::NoEnvFolder {
            count: no_folder.len(),
            first: first.clone(),
        }
        .into());
    }
    if left_out > 0 {
        ctx.out.note(&format!(
            "left out {left_out} entr{} not under `{}/`",
            if left_out == 1 { "y" } else { "ies" },
            ctx.env
        ));
    }
    if found.is_empty() {
        return Err(ImportError::EmptyStore {
            dir: file.clone(),
            what: if ctx.env_explicit && req.env_from_path {
                "matching (none under the environment's folder)"
            } else {
                "readable"
            },
        }
        .into());
    }
    Ok(found)
}
