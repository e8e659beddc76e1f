//! The only way a value leaves the vault (`get`, `run`, `export`): pick the usable
//! versions, refuse what must not be handed out, journal the access, and only then
//! release the values. The vault gives values out `Withheld`; the journal's receipt is
//! the only thing that opens them, so "journal before release" holds by construction.

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName, is_loader_variable};
use crate::ops::Context;
use crate::secret::Secret;
use crate::vault::{EnvDb, Status, Withheld};

/// Which keys to hand out.
#[derive(Clone, Copy, Debug)]
pub enum Pick<'a> {
    /// One key: the version asked for (default the newest), which must be active.
    One {
        name: &'a KeyName,
        version: Option<u32>,
    },
    /// Each key named (every one must be usable, else nothing is handed out), or every
    /// active key when `None`.
    Keys(Option<&'a [KeyName]>),
    /// Every active key, and each of `required`, which must be usable (`run --file NAME`
    /// without `--only`: a file the command expects must not silently be missing).
    Every { required: &'a [KeyName] },
}

/// A request to hand values out.
#[derive(Clone, Copy, Debug)]
pub struct Release<'a> {
    pub access: Action,
    pub pick: Pick<'a>,
    /// Keys whose names change how programs load (PATH, LD_PRELOAD, …) that may be
    /// handed out anyway. `get` prints a value and sets no variable: not checked there.
    pub allow_loader: &'a [KeyName],
    /// Refuse values that are not UTF-8 (JSON cannot carry them), before journaling.
    pub utf8_only: bool,
}

impl<'a> Release<'a> {
    pub fn one(name: &'a KeyName, version: Option<u32>) -> Release<'a> {
        Release {
            access: Action::Get,
            pick: Pick::One { name, version },
            allow_loader: &[],
            utf8_only: false,
        }
    }
}

/// One released value.
#[derive(Debug)]
pub struct ReleasedKey {
    pub name: KeyName,
    pub version: u32,
    pub value: Secret,
}

/// Values handed out, after their access was journaled.
#[derive(Debug)]
pub struct Released {
    pub env: EnvName,
    pub keys: Vec<ReleasedKey>,
    /// Every key "every active key" left out, with why (revoked, expired, retired…):
    /// `run` names them (DESIGN §16). Empty when keys were named.
    pub left_out: Vec<(KeyName, Status)>,
}

/// `get --json`: the value with where it came from.
#[derive(Serialize)]
pub struct ReleasedJson<'a> {
    env: &'a EnvName,
    name: &'a KeyName,
    version: u32,
    value: std::borrow::Cow<'a, str>,
}

impl Released {
    /// The JSON form of a single released value (`get --json`).
    pub fn json_one(&self) -> Option<ReleasedJson<'_>> {
        let k = self.keys.first()?;
        Some(ReleasedJson {
            env: &self.env,
            name: &k.name,
            version: k.version,
            value: String::from_utf8_lossy(k.value.expose()),
        })
    }
}

/// Hand values out: the rules of DESIGN §5 and §6 in one place.
pub fn release(ctx: &Context, req: Release<'_>) -> Result<Released> {
    let pending = withhold(ctx, &ctx.env, req)?;
    hand_out(ctx, pending)
}

/// Values picked and checked in one environment, still withheld: nothing is journaled
/// yet. A command that reads several environments (`kw://ENV/NAME` references) checks
/// them all with [`withhold`] before [`hand_out`] journals each in its own journal, so a
/// reference that fails leaves no access recorded for values never handed out.
pub struct Pending {
    db: EnvDb,
    access: Action,
    picked: Vec<(KeyName, u32, Withheld)>,
    /// Keys of the environment left out (not in service), with their status.
    left_out: Vec<(KeyName, Status)>,
}

impl Pending {
    /// The environment the values come from.
    pub fn env(&self) -> &EnvName {
        &self.db.env
    }

    /// Keys of the environment "every active key" left out, with their status.
    pub fn left_out(&self) -> &[(KeyName, Status)] {
        &self.left_out
    }

    /// The names of the keys picked.
    pub fn names(&self) -> impl Iterator<Item = &KeyName> {
        self.picked.iter().map(|(n, _, _)| n)
    }
}

/// The first half of [`release`] in environment `env`: open it, pick the usable values
/// and refuse what must not be handed out (a refused read is recorded, as always).
pub fn withhold(ctx: &Context, env: &EnvName, req: Release<'_>) -> Result<Pending> {
    debug_assert!(req.access.releases_value());
    let db = ctx.open_env_named(env)?;
    // An export hands out the environment in bulk, to a file or another system: the
    // whole file is authenticated first (as `audit verify` does), not only the chunks
    // its queries visit, so a tampered chunk anywhere is exit 6 before anything leaves.
    if req.access == Action::Export {
        db.authenticate_all()?;
    }
    // DESIGN §14: a refused read (exit 4) is an event too, recorded before the refusal.
    let mut left_out = Vec::new();
    let picked = pick(&db, req.pick, ctx.now(), &mut left_out)
        .map_err(|e| ctx.refused(&db, req.access, e))?;
    // `get` and `render` set no variable: a loader name is harmless there.
    if !matches!(req.access, Action::Get | Action::Render) {
        refuse_loader_variables(
            picked.iter().map(|(n, _, _)| n),
            req.allow_loader,
            req.access,
            None,
        )?;
    }
    // DESIGN §17: a variable holding `kw://…` is resolved by the next `run` that
    // inherits it (and a rendered file by `run --env-file`), with that user's identity:
    // a value of this environment must never become a read of another. Anywhere in the
    // value: a rendered file is parsed again (blanks, quotes, lines). `get` prints it.
    if req.access != Action::Get {
        let refs: Vec<KeyName> = picked
            .iter()
            .filter(|(_, _, v)| v.satisfies(super::reference::holds_one))
            .map(|(n, _, _)| n.clone())
            .collect();
        if !refs.is_empty() {
            return Err(Error::ValueIsReference {
                names: refs,
                access: req.access,
            });
        }
    }
    if req.utf8_only
        && let Some((name, _, _)) = picked.iter().find(|(_, _, v)| !v.is_utf8())
    {
        return Err(Error::NotUtf8 { name: name.clone() });
    }
    Ok(Pending {
        db,
        access: req.access,
        picked,
        left_out,
    })
}

/// The second half of [`release`]: journal the access in the environment's own journal,
/// then release the values.
pub fn hand_out(ctx: &Context, pending: Pending) -> Result<Released> {
    let Pending {
        db,
        access,
        picked,
        left_out,
    } = pending;
    // DESIGN §5: the access is recorded, durably, before any value is handed out.
    let receipt = if picked.is_empty() {
        None
    } else {
        let events: Vec<(&KeyName, u32)> = picked.iter().map(|(n, v, _)| (n, *v)).collect();
        Some(ctx.journal(&db, access, &events, "ok")?)
    };
    let keys = match &receipt {
        None => Vec::new(),
        Some(receipt) => picked
            .into_iter()
            .map(|(name, version, value)| ReleasedKey {
                name,
                version,
                value: value.release(receipt),
            })
            .collect(),
    };
    Ok(Released {
        env: db.env.clone(),
        keys,
        left_out,
    })
}

/// The usable versions a request names, still withheld. A named key that is not
/// usable is exit 4 (or 3) before anything is handed out (the caller journals the
/// refusal).
fn pick(
    db: &EnvDb,
    pick: Pick<'_>,
    now: i64,
    left_out: &mut Vec<(KeyName, Status)>,
) -> Result<Vec<(KeyName, u32, Withheld)>> {
    let mut out = Vec::new();
    match pick {
        Pick::One { name, version } => {
            let (_, v, value) = db.usable_value(name, version, now)?;
            out.push((name.clone(), v.version, value));
        }
        Pick::Keys(Some(names)) => {
            // `--only A,A` names A once: a key given twice would be written twice (a
            // dotenv `import` refuses, a Secret's YAML has a duplicate key) and counted
            // twice in the access event.
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    continue;
                }
                let (_, v, value) = db.usable_value(name, None, now)?;
                out.push((name.clone(), v.version, value));
            }
        }
        Pick::Keys(None) => every_active(db, now, &mut out, left_out)?,
        Pick::Every { required } => {
            for name in required {
                db.usable_value(name, None, now)?;
            }
            every_active(db, now, &mut out, left_out)?;
        }
    }
    Ok(out)
}

/// Every active key of `db`, withheld; the others in `left_out`, with their status.
fn every_active(
    db: &EnvDb,
    now: i64,
    out: &mut Vec<(KeyName, u32, Withheld)>,
    left_out: &mut Vec<(KeyName, Status)>,
) -> Result<()> {
    for (k, value) in db.keys_with_values(now)? {
        match (k.current.status(now), value) {
            (Status::Active, Some(value)) => out.push((k.meta.name, k.current.version, value)),
            (status, _) => left_out.push((k.meta.name, status)),
        }
    }
    Ok(())
}

/// Anyone who can write an environment could otherwise make every teammate's `run`
/// load their code (LD_PRELOAD, PATH, NODE_OPTIONS, …): such names are handed out only
/// when the command line allows each one. The one rule for every variable keyward sets
/// by a name it did not choose: keys by their own names, and the variables of `run
/// --env-file` (`from`: that file), whose lines a rendered value can add.
pub fn refuse_loader_variables<'a>(
    names: impl IntoIterator<Item = &'a KeyName>,
    allowed: &[KeyName],
    access: Action,
    from: Option<&std::path::Path>,
) -> Result<()> {
    let mut refused: Vec<KeyName> = Vec::new();
    for n in names {
        if is_loader_variable(n.as_str()) && !allowed.contains(n) && !refused.contains(n) {
            refused.push(n.clone());
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Error::LoaderVariable {
            names: refused,
            access,
            from: from.map(std::path::Path::to_path_buf),
        })
    }
}
