//! `keyward verifier` (DESIGN §13): export what a fleet needs to check presented keys
//! without the vault, print the public key a service pins, and answer from a set alone.
//!
//! The set holds exactly the versions `verify` accepts now: the rule is
//! `VersionInfo::verifies`, read through the same pins (`as_seen`), never re-derived
//! here. The format itself (canonical form, signature, files) is the `keyward-verifier`
//! crate, through `crate::verifier`; `check` answers with that crate's lookup, the one a
//! service links.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::fsutil::OutFile;
use crate::names::fmt_time_ms;
use crate::ops::Context;
use crate::text::first_few;
use crate::vault::{EnvDb, Kind, Status};
use crate::verifier::{
    Alg, Answer, Entry, HmacKey, Pinned, PublicKey, SET_FORMAT, SetInfo, SignedSet, SigningKey,
    VerifierSet, entry_hash,
};

/// The engines a set is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetFormat {
    /// An SQLite file, signed: open it read-only and query by hash
    Sqlite,
    /// One PostgreSQL transaction for `psql -v ON_ERROR_STOP=1 -f FILE`
    Sql,
    /// Commands for `redis-cli --pipe`
    Redis,
    /// JSON lines, signed: a header, then one object per version
    Jsonl,
}

impl SetFormat {
    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SetFormat::Sqlite => "sqlite",
            SetFormat::Sql => "sql",
            SetFormat::Redis => "redis",
            SetFormat::Jsonl => "jsonl",
        }
    }
}

/// `verifier export`.
pub struct Export {
    pub format: SetFormat,
    /// `None` or `-`: stdout.
    pub out: Option<PathBuf>,
    pub hmac_key: Option<HmacKey>,
}

/// What was exported (never a value, never a hash).
#[derive(Serialize)]
pub struct Exported {
    pub env: String,
    pub format: SetFormat,
    pub serial: i64,
    pub generated: String,
    pub entries: usize,
    pub alg: Alg,
    pub pubkey: String,
    pub out: Option<PathBuf>,
}

/// Build the set of `ctx.env` and write it. The verifier key is created on the first
/// export (a lifecycle event, in its own commit); the export itself is an access event,
/// journaled before anything is written (DESIGN §5: the set is derived from values).
pub fn export(ctx: &Context, req: Export) -> Result<Exported> {
    let to_stdout = req.out.as_deref().is_none_or(|p| p.as_os_str() == "-");
    if to_stdout && req.format == SetFormat::Sqlite && std::io::stdout().is_terminal() {
        return Err(Error::usage(format!(
            "an SQLite set is binary: write it to a file\nhint: `keyward verifier export -e {} -o {}.kwset`",
            ctx.env, ctx.env
        )));
    }
    if let Some(path) = req.out.as_deref().filter(|_| !to_stdout)
        && ctx.paths.holds(path)
    {
        // `-o "$VAULT/envs/prod.db.age"`: replacing on purpose (services reload the file)
        // must never replace what the vault keeps.
        return Err(Error::usage(format!(
            "refusing to write a verifier set to `{}`: it is inside the vault `{}` or this machine's state of it (pins, access journals), whose files it would replace\nhint: write it outside the vault: `keyward verifier export -e {} -o {}.kwset`",
            path.display(),
            ctx.paths.root.display(),
            ctx.env,
            ctx.env
        )));
    }
    let now = ctx.now();
    // A refused export (imported keys without an HMAC key, a clock behind this
    // machine's last recorded access, which the export's journaling would refuse)
    // makes no key either.
    let peek = ctx.open_env()?;
    if peek.verifier_seed()?.is_none() {
        entries(&peek, now, req.hmac_key.as_ref())?;
        ctx.paths
            .require_clock(&peek.env, &peek.audit_keys()?, now)?;
    }
    drop(peek);
    let (db, seed) = verifier_key(ctx)?;
    let key = SigningKey::from_seed(&seed);
    let entries = entries(&db, now, req.hmac_key.as_ref())?;
    // DESIGN §13: never below what a `trust` of an earlier state superseded.
    let serial = db.set_serial()?;
    let info = SetInfo {
        format: SET_FORMAT.into(),
        env: db.env.to_string(),
        serial,
        generated: now,
        alg: if req.hmac_key.is_some() {
            Alg::HmacSha256
        } else {
            Alg::Sha256
        },
        hmac_key_id: req.hmac_key.as_ref().map(HmacKey::id),
        entries: entries.len(),
        pubkey: key.public(),
    };
    let set = SignedSet::sign(info, entries, &key);
    let bytes = match req.format {
        SetFormat::Sqlite => set.to_sqlite()?,
        SetFormat::Jsonl => set.to_jsonl()?,
        SetFormat::Sql => crate::verifier::sql_script(&set),
        SetFormat::Redis => crate::verifier::redis_commands(&set)?,
    };
    let format_name = req.format.as_str();
    // Before anything is written: a set not newer than one exported here would be
    // refused by every service that loaded that one (or mixed with it at one serial).
    if let Some(pins) = &ctx.paths.pins {
        let (_, head, _) = db.last_event()?;
        pins.note_export(&db.env, &set.info.pubkey.to_string(), serial, &head)?;
    }
    ctx.journal_with_reason(
        &db,
        Action::VerifierExport,
        &[],
        crate::audit::OK,
        Some(&format!(
            "{format_name} set, {} version(s), serial {serial}, {}",
            set.info.entries,
            set.info.alg.as_str()
        )),
    )?;
    let out = if to_stdout {
        ctx.out.data(&bytes)?;
        None
    } else {
        let path = req.out.clone().unwrap_or_default();
        // A service reopening the file sees the old set or the new one (temp + rename).
        let mut file = OutFile::create(&path, true)?;
        file.write_all(&bytes)
            .map_err(|e| Error::io("cannot write", path.clone(), e))?;
        file.commit()?;
        Some(path)
    };
    Ok(Exported {
        env: set.info.env.clone(),
        format: req.format,
        serial,
        generated: fmt_time_ms(now),
        entries: set.info.entries,
        alg: set.info.alg,
        pubkey: set.info.pubkey.to_string(),
        out,
    })
}

/// The environment (open) and its verifier key, created first if it has none: a write
/// with a `verifier-key` event naming the public key.
fn verifier_key(ctx: &Context) -> Result<(EnvDb, zeroize::Zeroizing<[u8; 32]>)> {
    let db = ctx.open_env()?;
    if let Some(seed) = db.verifier_seed()? {
        return Ok((db, seed));
    }
    drop(db);
    let mut db = ctx.write_env()?;
    // Another export may have created it while this one waited for the lock.
    if let Some(seed) = db.verifier_seed()? {
        return Ok((db, seed));
    }
    let seed = crate::secret::random_key();
    let public = SigningKey::from_seed(&seed).public();
    let actor = ctx.actor()?;
    let now = ctx.now();
    db.batch(|tx| {
        tx.create_verifier_key(&seed, now)?;
        tx.record(
            &actor,
            Action::VerifierKey,
            None,
            None,
            Some(&format!("verifier key {public}")),
            now,
        )
    })?;
    ctx.commit(&mut db)?;
    ctx.out.note(&format!(
        "created the verifier key of `{}`: {public} (pin it in your services)",
        db.env
    ));
    Ok((db, seed))
}

/// Remove `recipient` from the environment being written, and record the verifier key
/// the removal replaced (if the environment has one): a `verifier-key` event naming the
/// new public key and who could read the old one. Returns the new public key, which the
/// report names: services pinning the old key must pin it. Offboarding and `access
/// revoke` both remove through here.
pub(crate) fn remove_recipient(
    tx: &crate::vault::Tx<'_>,
    actor: &crate::audit::Actor,
    recipient: &crate::recipient::RecipientString,
    who: &str,
    now: i64,
) -> Result<Option<String>> {
    let removed = tx.remove_recipient(recipient, now)?;
    let Some(public) = removed.verifier_key else {
        return Ok(None);
    };
    tx.record(
        actor,
        Action::VerifierKey,
        None,
        None,
        Some(&format!(
            "verifier key {public} (replaced: {who} could read the old one)"
        )),
        now,
    )?;
    Ok(Some(public.to_string()))
}

/// The keys that were ever given a value from outside (an `import`, `set`), under the
/// names they have now: a generated key that `import --overwrite` gave a new version
/// keeps its kind, and its new value may be as guessable as any imported one.
fn given_values(db: &EnvDb) -> Result<std::collections::HashSet<String>> {
    use crate::audit::Action;
    let mut given = std::collections::HashSet::new();
    for e in db.lifecycle_events()? {
        match (e.action, e.key) {
            (Action::Import | Action::Set, Some(k)) => {
                given.insert(k);
            }
            (Action::Rename, Some(to)) => {
                if let Some(from) = e
                    .reason
                    .as_deref()
                    .and_then(|r| r.strip_prefix("renamed from "))
                    && given.contains(from)
                {
                    given.insert(to);
                }
            }
            _ => {}
        }
    }
    Ok(given)
}

/// One entry per version `verify` accepts at `now`. Imported values need an HMAC key,
/// and so does every value of a key that was ever given one from outside.
fn entries(db: &EnvDb, now: i64, hmac: Option<&HmacKey>) -> Result<Vec<Entry>> {
    let keys: std::collections::HashMap<String, crate::vault::KeyMeta> = db
        .keys()?
        .into_iter()
        .map(|k| (k.meta.name.to_string(), k.meta))
        .collect();
    let given = given_values(db)?;
    let mut imported = Vec::new();
    let mut out = Vec::new();
    for (name, version, value) in db.every_version()? {
        // DESIGN §13: the same rule as `verify`, written once.
        if !version.verifies(now) {
            continue;
        }
        let Some(meta) = keys.get(name.as_str()) else {
            continue;
        };
        if (meta.kind == Kind::Imported || given.contains(name.as_str())) && hmac.is_none() {
            if !imported.contains(&name) {
                imported.push(name.clone());
            }
            continue;
        }
        let status = version.status(now);
        let grace_end = version.retire_at.filter(|_| status == Status::Retiring);
        let not_after = match (version.expires, grace_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        out.push(Entry {
            hash: entry_hash(value.expose(), hmac),
            env: db.env.to_string(),
            name: name.to_string(),
            version: version.version,
            status: status.as_str().to_owned(),
            scopes: meta.scopes.clone(),
            not_after,
        });
    }
    if !imported.is_empty() {
        imported.sort();
        let named: Vec<String> = imported.iter().map(|n| format!("`{n}`")).collect();
        return Err(Error::Verifier(
            crate::error::VerifierError::VerifierNeedsHmac {
                env: db.env.clone(),
                names: first_few(&named),
            },
        ));
    }
    Ok(out)
}

/// `verifier pubkey`: the public key services pin. An environment that has none yet
/// says how to make one (the first export), rather than writing here.
pub fn pubkey(ctx: &Context) -> Result<PubKey> {
    let db = ctx.open_env()?;
    match db.verifier_seed()? {
        Some(seed) => Ok(PubKey {
            env: db.env.to_string(),
            pubkey: SigningKey::from_seed(&seed).public().to_string(),
        }),
        None => Err(Error::Verifier(
            crate::error::VerifierError::VerifierNoKey {
                env: db.env.clone(),
            },
        )),
    }
}

#[derive(Serialize)]
pub struct PubKey {
    pub env: String,
    pub pubkey: String,
}

/// `verifier check`.
pub struct Check {
    pub set: PathBuf,
    pub pinned: Pinned,
}

/// The answer as `--json` prints it: `verify`'s fields, plus the set it came from.
#[derive(Serialize)]
pub struct Checked {
    pub valid: bool,
    pub env: String,
    pub name: Option<String>,
    pub version: Option<u32>,
    pub status: Option<String>,
    pub scopes: Vec<String>,
    pub not_after: Option<String>,
    pub reason: Option<String>,
    pub serial: i64,
    pub generated: String,
    pub signed_by: String,
    /// Whether the signer was checked against `--pubkey`.
    pub pinned: bool,
    #[serde(skip)]
    rejection: Option<Error>,
}

impl Checked {
    /// `Ok` when valid; otherwise `verify`'s exit: 4 rejected, 3 unknown.
    pub fn into_result(self) -> Result<()> {
        match self.rejection {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Answer for `presented` from the set alone: no identity, no vault, no journal (the
/// service that holds the set is the one to log its lookups).
pub fn check(ctx: &Context, req: Check, presented: &[u8]) -> Result<Checked> {
    let set = VerifierSet::open(&req.set, &req.pinned)?;
    // An environment asked for by name (-e, KEYWARD_ENV) is the only one answered for:
    // a set of another one is refused before any lookup, as another signer is.
    let set = if ctx.env_explicit {
        let set_env = set.info().env.clone();
        set.require_env(ctx.env.as_str()).map_err(|_| {
            Error::Verifier(crate::error::VerifierError::VerifierOtherEnv {
                path: req.set.clone(),
                set_env,
                env: ctx.env.clone(),
            })
        })?
    } else {
        set
    };
    let info = set.info();
    let env: crate::names::EnvName = info.env.parse().map_err(|_| {
        Error::Verifier(crate::error::VerifierError::VerifierSetInvalid {
            path: req.set.clone(),
            detail: "its environment name is not valid".into(),
        })
    })?;
    let answer = set.lookup(presented, ctx.now())?;
    let found = match &answer {
        Answer::Valid(f) | Answer::Expired(f) => Some(f.clone()),
        _ => None,
    };
    let rejection = match &answer {
        Answer::Valid(_) => None,
        Answer::Unknown => Some(Error::UnknownPresentedKey { env: env.clone() }),
        Answer::Expired(f) => Some(Error::Rejected(format!(
            "rejected: `{}` version {} in `{env}` ended at {} (the set was made before)",
            f.name,
            f.version,
            f.not_after.map(fmt_time_ms).unwrap_or_default()
        ))),
        Answer::OtherEnvironment(other) => Some(Error::Rejected(format!(
            "rejected: this is a token of environment `{other}`, not `{env}`"
        ))),
        Answer::Malformed(why) => Some(Error::Rejected(format!("rejected: {why}"))),
    };
    Ok(Checked {
        valid: rejection.is_none(),
        env: info.env.clone(),
        name: found.as_ref().map(|f| f.name.clone()),
        version: found.as_ref().map(|f| f.version),
        status: found.as_ref().map(|f| {
            if matches!(answer, Answer::Expired(_)) {
                "expired".to_owned()
            } else {
                f.status.clone()
            }
        }),
        scopes: found.as_ref().map(|f| f.scopes.clone()).unwrap_or_default(),
        not_after: found.as_ref().and_then(|f| f.not_after).map(fmt_time_ms),
        reason: (!matches!(answer, Answer::Valid(_))).then(|| answer.reason()),
        serial: info.serial,
        generated: fmt_time_ms(info.generated),
        signed_by: info.pubkey.to_string(),
        pinned: set.authenticated(),
        rejection,
    })
}

/// Parse `--pubkey` (clap value parser).
pub fn parse_pubkey(s: &str) -> std::result::Result<PublicKey, String> {
    s.parse()
        .map_err(|e: keyward_verifier::Error| e.to_string())
}
