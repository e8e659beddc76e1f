//! Issuing keys: `generate`, `set` and `import` all go through [`issue`], which inserts
//! each key, its version and its event in one change and commits once. The rules live
//! here once: an existing key is refused (or, for `import --overwrite`, given a new
//! version that retires the old one), a new value never reissues an earlier one, an
//! import is all or nothing, and a loader variable is stored with a warning.

use std::io::IsTerminal;
use std::path::Path;

use serde::Serialize;

use super::Context;
use super::rotate::earlier_version_with;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName, loader_warning};
use crate::secret::Secret;
use crate::token::GenSpec;
use crate::vault::hooks::StoredHook;
use crate::vault::{EnvDb, NewKey};

/// Where a new key's value comes from.
pub enum Source {
    /// A fresh value from the OS CSPRNG (`generate`); the report carries it, printed once.
    Generate(GenSpec),
    /// A value issued elsewhere, read from stdin or a hidden prompt (`set`).
    Stdin,
    /// A value issued elsewhere, already read (`import`); `at` locates it (`line 3`).
    Given { value: Secret, at: String },
}

/// One key to issue.
pub struct NewIssue {
    pub name: KeyName,
    pub source: Source,
    pub meta: NewKey,
    /// Absolute expiry (unix ms), already checked to be in the future.
    pub expires: Option<i64>,
    /// `--rotate-with`: a rotation hook stored with the key (DESIGN §11), in the same
    /// commit, and approved on this machine (the person typed it).
    pub hook: Option<StoredHook>,
    /// The reason of its event: where an imported value came from (`sops:FILE`).
    pub reason: Option<String>,
}

/// A request to issue keys, in one commit.
pub struct Issue {
    pub keys: Vec<NewIssue>,
    /// Recorded as the event of every key.
    pub action: Action,
    /// What happens to a key that already exists.
    pub existing: Existing,
    /// The environment to issue in; `None`: the one of `-e`.
    pub env: Option<EnvName>,
    /// Check everything a real issue checks, then stop: nothing written, no writer lock
    /// (`import --dry-run`); the report says what each key would become.
    pub dry_run: bool,
}

/// What happens to a key that already exists.
pub enum Existing {
    /// Refused: `keyward rotate` issues new values.
    Refuse,
    /// Refused, naming the import that would add a new version (`file`, `format`).
    RefuseImport { file: String, format: &'static str },
    /// A new version; older versions retired at once (`import --overwrite`).
    NewVersion,
}

/// A source resolved before the writer lock is taken.
enum Ready {
    Generate(GenSpec),
    Given { value: Secret, at: String },
}

/// What was issued: the environment, and per key its version, whether the key is new,
/// and the value when keyward generated it.
pub struct Issued {
    pub env: EnvName,
    pub keys: Vec<IssuedKey>,
}

pub struct IssuedKey {
    pub name: KeyName,
    pub version: u32,
    pub new_key: bool,
    pub generated: Option<Secret>,
}

/// Issue every key of `req` in one change and one commit, or none of them.
pub fn issue(ctx: &Context, req: Issue) -> Result<Issued> {
    let ready = ready(ctx, req)?;
    let env = ready.env.clone().unwrap_or_else(|| ctx.env.clone());
    let mut db = if ready.dry_run {
        let db = ctx.open_env_named(&env)?;
        // DESIGN §15: a dry run refuses what the write would refuse (a `read` member),
        // so an import across environments never writes one before another refuses.
        ctx.may_write(&db)?;
        db
    } else {
        ctx.write_env_named(&env)?
    };
    let issued = stage(ctx, &mut db, &ready)?;
    if ready.dry_run {
        return Ok(Issued {
            env: db.env.clone(),
            keys: issued,
        });
    }
    finish(ctx, db, &ready, issued)
}

/// Issue several requests, each in its own environment (an import across folders):
/// every environment opened for writing (its lock taken) and every key checked and
/// staged before the first commit, so a busy lock or a refusal anywhere changes
/// nothing. Only a failure between commits (I/O, a crash) leaves some committed:
/// `PartlyDone` names them.
pub fn issue_all(ctx: &Context, reqs: Vec<Issue>) -> Result<Vec<Issued>> {
    let mut readied = Vec::with_capacity(reqs.len());
    for req in reqs {
        readied.push(ready(ctx, req)?);
    }
    let mut opened = Vec::with_capacity(readied.len());
    for r in &readied {
        opened.push(ctx.write_env_named(r.env.as_ref().unwrap_or(&ctx.env))?);
    }
    let mut staged = Vec::with_capacity(opened.len());
    for (db, r) in opened.iter_mut().zip(&readied) {
        staged.push(stage(ctx, db, r)?);
    }
    let mut done: Vec<Issued> = Vec::with_capacity(staged.len());
    let total = staged.len();
    for ((db, r), issued) in opened.into_iter().zip(&readied).zip(staged) {
        let env = db.env.clone();
        match finish(ctx, db, r, issued) {
            Ok(i) => done.push(i),
            Err(e) if done.is_empty() => return Err(e),
            Err(e) => {
                return Err(Error::PartlyDone {
                    failed: Box::new(e),
                    done: done
                        .iter()
                        .map(|d| format!("`{}`", d.env))
                        .collect::<Vec<_>>()
                        .join(", "),
                    left: format!("`{env}` and {} more", total - done.len() - 1),
                    next: "import the environments left one at a time (with --env-from-path, `-e ENV` takes that folder only)",
                });
            }
        }
    }
    Ok(done)
}

/// A key to issue with its value at hand: name, source, metadata, expiry, hook and the
/// reason of its event.
type ReadyKey = (
    KeyName,
    Ready,
    NewKey,
    Option<i64>,
    Option<StoredHook>,
    Option<String>,
);

/// A request whose values are all at hand (read from a person before any writer lock).
struct Readied {
    keys: Vec<ReadyKey>,
    action: Action,
    existing: Existing,
    env: Option<EnvName>,
    dry_run: bool,
}

/// Resolve each key's source: a value read from a person comes before the writer lock
/// (a prompt must not block every other writer).
fn ready(ctx: &Context, req: Issue) -> Result<Readied> {
    let mut keys = Vec::with_capacity(req.keys.len());
    for k in req.keys {
        let ready = match k.source {
            Source::Generate(spec) => Ready::Generate(spec),
            Source::Given { value, at } => Ready::Given { value, at },
            Source::Stdin => {
                ctx.paths.require()?;
                // The identity is unlocked before the value is asked for: a wrong
                // passphrase must never lose a secret someone just typed or pasted.
                // A plugin identity (DESIGN §10) is unlocked by its token only when an
                // environment is opened: open it now (its PIN, a touch), so a wrong PIN
                // never loses a value typed at the terminal. The write reuses the PIN.
                if ctx.identity()?.plugin.is_some() && std::io::stdin().is_terminal() {
                    ctx.open_env()?;
                }
                let value = crate::input::read_value(&format!("Value for {}: ", k.name))?;
                Ready::Given {
                    value,
                    at: String::new(),
                }
            }
        };
        keys.push((k.name, ready, k.meta, k.expires, k.hook, k.reason));
    }
    Ok(Readied {
        keys,
        action: req.action,
        existing: req.existing,
        env: req.env,
        dry_run: req.dry_run,
    })
}

/// Every refusal, then (unless a dry run) every key, version and event written into
/// `db`, uncommitted: all or nothing.
fn stage(ctx: &Context, db: &mut EnvDb, req: &Readied) -> Result<Vec<IssuedKey>> {
    let keys = &req.keys;
    let now = ctx.now();
    let actor = ctx.actor()?;
    // Every refusal before anything is written: all or nothing.
    let mut existing = Vec::with_capacity(keys.len());
    for (name, ready, _, _, _, _) in keys.iter() {
        let exists = db.has_key(name)?;
        if exists {
            let at = match ready {
                Ready::Given { at, .. } => at.clone(),
                Ready::Generate(_) => String::new(),
            };
            match &req.existing {
                Existing::Refuse => {
                    return Err(Error::KeyExists {
                        name: name.clone(),
                        env: db.env.clone(),
                    });
                }
                Existing::RefuseImport { file, format } => {
                    return Err(Error::ImportExists {
                        at,
                        name: name.clone(),
                        env: db.env.clone(),
                        file: file.clone(),
                        format,
                    });
                }
                Existing::NewVersion => {}
            }
        }
        existing.push(exists);
    }
    for ((name, ready, _, _, _, _), exists) in keys.iter().zip(&existing) {
        if let (true, Ready::Given { value, at }) = (exists, ready) {
            let key = db.key(name)?;
            if let Some(earlier) = earlier_version_with(db, &key, value)? {
                return Err(Error::Reissue {
                    at: if at.is_empty() {
                        String::new()
                    } else {
                        format!("{at}: ")
                    },
                    name: name.clone(),
                    env: db.env.clone(),
                    earlier,
                });
            }
        }
    }

    let env = db.env.clone();
    if req.dry_run {
        let mut planned = Vec::with_capacity(keys.len());
        for ((name, _, _, _, _, _), exists) in keys.iter().zip(&existing) {
            let version = match exists {
                true => db.current(&db.key(name)?)?.version + 1,
                false => 1,
            };
            planned.push(IssuedKey {
                name: name.clone(),
                version,
                new_key: !exists,
                generated: None,
            });
        }
        return Ok(planned);
    }
    db.batch(|db| {
        let mut out = Vec::with_capacity(keys.len());
        for ((name, ready, meta, expires, hook, reason), exists) in keys.iter().zip(&existing) {
            let (value, spec, generated) = match ready {
                Ready::Generate(spec) => {
                    let v = crate::token::generate(spec, &env);
                    (v.clone(), Some(spec), Some(v))
                }
                Ready::Given { value, .. } => (value.clone(), None, None),
            };
            let (key, previous, renewed) = if *exists {
                let key = db.key(name)?;
                let current = db.current(&key)?;
                // A new version of a key keeps its expiry policy, as `rotate` does.
                (key, current.version, current.renewed_expiry(now))
            } else {
                (db.insert_key(name, spec, meta, now)?, 0, None)
            };
            let expires = expires.or(renewed);
            let version = db.add_version(&key, previous, &value, expires, now)?;
            if version > 1 {
                db.retire_older(&key, version, None)?;
            }
            db.record(
                &actor,
                req.action,
                Some(name.as_str()),
                Some(version),
                reason.as_deref(),
                now,
            )?;
            if let Some(hook) = hook {
                crate::ops::hooks::record_change(db, ctx, &key, Some(hook))?;
            }
            out.push(IssuedKey {
                name: name.clone(),
                version,
                new_key: !exists,
                generated,
            });
        }
        Ok(out)
    })
}

/// Commit what `stage` wrote, record the hooks it stored as approved here, and say
/// which keys are loader variables.
fn finish(ctx: &Context, mut db: EnvDb, req: &Readied, issued: Vec<IssuedKey>) -> Result<Issued> {
    let env = db.env.clone();
    ctx.commit(&mut db)?;
    let approvals = crate::vault::approvals::Approvals::of(&ctx.paths, &env)?;
    for (name, _, _, _, hook, _) in &req.keys {
        if let Some(h) = hook {
            approvals.approve(
                name,
                &crate::ops::hooks::hash(h),
                crate::ops::hook_dir::to_record(ctx).as_deref(),
            )?;
        }
    }
    for k in &issued {
        if let Some(w) = loader_warning(&k.name) {
            ctx.out.warn(&w);
        }
    }
    Ok(Issued { env, keys: issued })
}

// ---------------------------------------------------------------- generate

/// `generate`: a new key from `spec`.
pub fn generate(
    ctx: &Context,
    name: KeyName,
    spec: GenSpec,
    meta: NewKey,
    expires: Option<i64>,
) -> Result<Generated> {
    let mut issued = issue(
        ctx,
        Issue {
            keys: vec![NewIssue {
                name,
                source: Source::Generate(spec),
                meta,
                expires,
                hook: None,
                reason: None,
            }],
            action: Action::Generate,
            existing: Existing::Refuse,
            env: None,
            dry_run: false,
        },
    )?;
    let k = issued.keys.pop().expect("one key issued");
    Ok(Generated {
        env: issued.env,
        name: k.name,
        version: k.version,
        value: k.generated.expect("a generated key"),
    })
}

/// A generated key, its value printed once (`--json`: in the object).
#[derive(Serialize)]
pub struct Generated {
    pub env: EnvName,
    pub name: KeyName,
    pub version: u32,
    #[serde(serialize_with = "lossy")]
    pub value: Secret,
}

/// A value in a JSON report: text, invalid UTF-8 replaced (generated values are ASCII).
pub(crate) fn lossy<S: serde::Serializer>(
    v: &Secret,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(v.expose()))
}

pub(crate) fn lossy_opt<S: serde::Serializer>(
    v: &Option<Secret>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => lossy(v, s),
        None => s.serialize_none(),
    }
}

// ---------------------------------------------------------------- set

/// `set`: a key issued elsewhere, its value read from stdin.
pub fn set(
    ctx: &Context,
    name: KeyName,
    meta: NewKey,
    expires: Option<i64>,
    hook: Option<StoredHook>,
) -> Result<Stored> {
    let mut issued = issue(
        ctx,
        Issue {
            keys: vec![NewIssue {
                name,
                source: Source::Stdin,
                meta,
                expires,
                hook,
                reason: None,
            }],
            action: Action::Set,
            existing: Existing::Refuse,
            env: None,
            dry_run: false,
        },
    )?;
    let k = issued.keys.pop().expect("one key issued");
    Ok(Stored {
        env: issued.env,
        name: k.name,
        version: k.version,
    })
}

#[derive(Serialize)]
pub struct Stored {
    pub env: EnvName,
    pub name: KeyName,
    pub version: u32,
}

// ---------------------------------------------------------------- import

/// The formats `import` reads.
#[derive(Debug, Clone, Copy)]
pub enum ImportFormat {
    Dotenv,
    Json,
}

impl ImportFormat {
    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Dotenv => "dotenv",
            ImportFormat::Json => "json",
        }
    }
}

/// The largest import file read (a dotenv file of a 1,000,000-key environment is
/// ~70 MiB): more is refused before it fills memory (`--file /dev/zero`).
pub(crate) const MAX_IMPORT: usize = 256 << 20;

/// The most entries one import (and one `run --env-file`) reads: far above any real
/// environment, and each entry costs about a kilobyte through the import's checks, so
/// a file of millions of short lines (far under [`MAX_IMPORT`]) is refused at this
/// count instead of filling memory.
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// The bytes of an import file, or of stdin for `-`, wiped when dropped.
pub(crate) fn read_input(file: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if file.as_os_str() == "-" {
        // A closed stdin is the runtime's /dev/null, not an empty input: "nothing to
        // import" would hide that the pipe never came (`scan -` refuses it too).
        if crate::sys::stdin_was_closed() {
            return Err(Error::io(
                "cannot read",
                "stdin",
                std::io::Error::other("stdin is closed"),
            ));
        }
        return crate::input::read_capped(std::io::stdin().lock(), MAX_IMPORT)
            .map_err(|e| Error::io("cannot read", "stdin", e));
    }
    crate::input::read_file_capped(file, MAX_IMPORT)
}

/// `(where, name, value)` for each entry; `where` is `line N` or `key "NAME"`. `file`
/// names the input in a refusal of more than [`MAX_ENTRIES`] entries.
pub(crate) fn parse(
    raw: &[u8],
    format: ImportFormat,
    file: &str,
) -> Result<Vec<(String, KeyName, Secret)>> {
    let invalid = |detail: String| Error::ImportInvalid { detail };
    let too_many = || -> Error {
        crate::error::ImportError::TooManyKeys {
            file: file.to_owned(),
            max: MAX_ENTRIES,
        }
        .into()
    };
    match format {
        ImportFormat::Dotenv => Ok(crate::dotenv::parse_dotenv_at_most(raw, MAX_ENTRIES)
            .map_err(invalid)?
            .ok_or_else(too_many)?
            .into_iter()
            .map(|e| (format!("line {}", e.line), e.name, e.value))
            .collect()),
        ImportFormat::Json => {
            // Every member in file order, duplicates kept: `serde_json::Value` would keep
            // only the last of `{"A":"x","A":"y"}`, and a duplicate must be refused as it
            // is in a dotenv file.
            let members: JsonMembers = serde_json::from_slice(raw).map_err(|e| {
                if e.to_string().starts_with(TOO_MANY) {
                    return too_many();
                }
                invalid(if e.is_data() {
                    "expected a JSON object of strings".into()
                } else {
                    format!("not valid JSON (line {}, column {})", e.line(), e.column())
                })
            })?;
            let mut out = Vec::new();
            for (i, (k, v)) in members.0.into_iter().enumerate() {
                // Never the text itself: a member whose name is not a key name is as
                // likely a value put where the name goes (`{"sk_live_…": "NAME"}`).
                let name: KeyName = k.parse().map_err(|_| {
                    invalid(format!(
                        "member {} of the object: its name is not a valid key name (letters, digits and `_`, not starting with a digit; the name is not shown: it may be a value)",
                        i + 1
                    ))
                })?;
                let serde_json::Value::String(s) = v else {
                    return Err(invalid(format!(
                        "key \"{name}\": the value must be a string"
                    )));
                };
                out.push((format!("key \"{name}\""), name, Secret::new(s.into_bytes())));
            }
            Ok(out)
        }
    }
}

/// What [`JsonMembers`] fails with past [`MAX_ENTRIES`] members (told from a syntax
/// error by it).
const TOO_MANY: &str = "more members than an import takes";

/// The members of a JSON object in file order, duplicates included.
struct JsonMembers(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for JsonMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = JsonMembers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<JsonMembers, A::Error> {
                let mut out = Vec::new();
                while let Some(member) = map.next_entry()? {
                    if out.len() == MAX_ENTRIES {
                        return Err(serde::de::Error::custom(TOO_MANY));
                    }
                    out.push(member);
                }
                Ok(JsonMembers(out))
            }
        }
        d.deserialize_map(Members)
    }
}
