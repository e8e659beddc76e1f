//! References to keys, `kw://ENV/NAME` or `kw://NAME` (DESIGN §17): in `run --env-file`,
//! in variables already set to a reference when `run` starts, and inside `render`'s
//! `{{ }}`. A reference is the whole value; anything else is passed through as it is.
//!
//! Resolving reads every environment named, each through `release` (the one door):
//! every environment is opened and every key checked first ([`withhold`]), and only when
//! all of them can be handed out is each access journaled in that environment's own
//! journal and released ([`hand_out`]). An unknown key is exit 3, an environment the
//! identity cannot open exit 5, each naming where the reference was written; nothing
//! is journaled then and nothing starts.

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
use crate::ops::release::{Pick, Release, Released, hand_out, withhold};

/// What starts a reference.
pub const SCHEME: &[u8] = b"kw://";

/// Whether `value` holds [`SCHEME`] anywhere: a value that must never be handed to what
/// could resolve it (a variable, a rendered file), wherever it sits in the value.
pub fn holds_one(value: &[u8]) -> bool {
    memchr::memmem::find(value, SCHEME).is_some()
}

/// A key named by a reference; `env` is `None` for `kw://NAME` (the environment of `-e`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub env: Option<EnvName>,
    pub name: KeyName,
}

impl Reference {
    /// `Ok(None)`: not a reference (passed through). `Err`: it starts with `kw://` but is
    /// not a reference (said, never passed through: a typo must not reach a program as
    /// its password).
    pub fn parse(value: &[u8]) -> std::result::Result<Option<Reference>, String> {
        let Some(rest) = value.strip_prefix(SCHEME) else {
            return Ok(None);
        };
        let shown = String::from_utf8_lossy(value);
        let bad = |why: &str| Err(format!("`{shown}` is not a reference: {why}"));
        let Ok(rest) = std::str::from_utf8(rest) else {
            return bad("not UTF-8");
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (env, name) = match parts[..] {
            [name] => (None, name),
            [env, name] => match env.parse::<EnvName>() {
                Ok(env) => (Some(env), name),
                Err(e) => return bad(&format!("`{env}`: {e}")),
            },
            _ => return bad("expected kw://ENV/NAME or kw://NAME"),
        };
        match name.parse::<KeyName>() {
            Ok(name) => Ok(Some(Reference { env, name })),
            Err(e) => bad(&format!("`{name}`: {e}")),
        }
    }

    /// The environment it names, `-e`'s for `kw://NAME`.
    pub fn env_in<'a>(&'a self, ctx: &'a Context) -> &'a EnvName {
        self.env.as_ref().unwrap_or(&ctx.env)
    }
}

/// A reference and where it was written (for messages).
#[derive(Debug, Clone)]
pub struct Wanted {
    /// `line 3 of `.env``, `variable `DB_URL``.
    pub at: String,
    /// As written (`kw://prod/DB_URL`).
    pub written: String,
    pub reference: Reference,
    /// The inherited variable that holds it (`run`): a key of the command's own by that
    /// name wins, as a vault key wins over any inherited variable of its name
    /// (docs/ci.md), and the reference is then neither read nor set.
    pub inherited_as: Option<String>,
}

/// What to resolve.
pub struct Resolve<'a> {
    /// Recorded for every key handed out (`run`, `render`).
    pub access: Action,
    pub wanted: &'a [Wanted],
    /// The command's own keys of the environment of `-e` (`run`'s every active key, or
    /// `--only`), released with the references to that environment in one journal
    /// append; `None`: only what is referenced.
    pub own: Option<Pick<'a>>,
    /// Keys the command may set by their own names although they change how programs
    /// load (`--allow-name`).
    pub allow_loader: &'a [KeyName],
    /// `run --strict`: keys left out of "every active key" refuse the command before any
    /// access is journaled.
    pub strict: Option<crate::ops::run_guard::LeftOutOf>,
}

/// The values, per environment, after every access was journaled.
pub struct Resolved {
    pub released: Vec<Released>,
    /// Indexes (into `Resolve::wanted`) of inherited references a key of the command's
    /// own overrides: not resolved, their variables not to be set.
    pub overridden: Vec<usize>,
}

impl Resolved {
    /// The value of `name` in `env` (each was released, or resolving failed).
    pub fn value(&self, env: &EnvName, name: &KeyName) -> Option<&[u8]> {
        self.released
            .iter()
            .find(|r| r.env == *env)
            .and_then(|r| r.keys.iter().find(|k| k.name == *name))
            .map(|k| k.value.expose())
    }

    /// The keys of `env` handed out (the command's own and the referenced).
    pub fn of(&self, env: &EnvName) -> Option<&Released> {
        self.released.iter().find(|r| r.env == *env)
    }
}

/// Resolve every reference (and the command's own keys): all environments checked, then
/// each journaled and released. `wrap` says an error with where its reference was
/// written.
pub fn resolve(
    ctx: &Context,
    req: Resolve<'_>,
    wrap: &dyn Fn(&Wanted, Error) -> Error,
) -> Result<Resolved> {
    // An inherited reference yields to a key of the command's own of its name. Those
    // names are known now for `--only`, and once `-e`'s environment (opened first) is
    // picked for "every active key"; a reference overridden before its environment is
    // reached is never read.
    let mut overridden: Vec<usize> = Vec::new();
    let override_by = |own: &[&KeyName], overridden: &mut Vec<usize>| {
        for (i, w) in req.wanted.iter().enumerate() {
            let by_own = w
                .inherited_as
                .as_deref()
                .is_some_and(|var| own.iter().any(|n| n.as_str() == var));
            if by_own && !overridden.contains(&i) {
                overridden.push(i);
            }
        }
    };
    if let Some(Pick::Keys(Some(only))) = req.own {
        override_by(&only.iter().collect::<Vec<_>>(), &mut overridden);
    }
    // Environments in order: `-e`'s first when the command has keys of its own there.
    let mut envs: Vec<EnvName> = Vec::new();
    if req.own.is_some() {
        envs.push(ctx.env.clone());
    }
    for (i, w) in req.wanted.iter().enumerate() {
        let env = w.reference.env_in(ctx);
        if !envs.contains(env) && !overridden.contains(&i) {
            envs.push(env.clone());
        }
    }
    let mut pending = Vec::with_capacity(envs.len());
    for env in &envs {
        let wanted: Vec<&Wanted> = req
            .wanted
            .iter()
            .enumerate()
            .filter(|(i, w)| w.reference.env_in(ctx) == env && !overridden.contains(i))
            .map(|(_, w)| w)
            .collect();
        let own = if *env == ctx.env { req.own } else { None };
        if wanted.is_empty() && own.is_none() {
            // Every reference to it was overridden: not opened.
            continue;
        }
        let mut names: Vec<KeyName> = Vec::new();
        for w in &wanted {
            if !names.contains(&w.reference.name) {
                names.push(w.reference.name.clone());
            }
        }
        // Referenced keys reach the command under the reference's variable, not their
        // own names: a loader name is harmless there unless the command's own pick
        // sets it by name too.
        let mut allowed: Vec<KeyName> = req.allow_loader.to_vec();
        let combined: Vec<KeyName>;
        let pick = match own {
            None => {
                allowed.extend(names.iter().cloned());
                Pick::Keys(Some(&names))
            }
            Some(Pick::Keys(None)) => Pick::Every { required: &names },
            Some(Pick::Every { required }) => {
                combined = union(required, &names);
                Pick::Every {
                    required: &combined,
                }
            }
            Some(Pick::Keys(Some(only))) => {
                allowed.extend(names.iter().filter(|n| !only.contains(n)).cloned());
                combined = union(only, &names);
                Pick::Keys(Some(&combined))
            }
            Some(one @ Pick::One { .. }) => one,
        };
        let release = Release {
            access: req.access,
            pick,
            allow_loader: &allowed,
            utf8_only: false,
        };
        match withhold(ctx, env, release) {
            Ok(p) => {
                if matches!(own, Some(Pick::Every { .. } | Pick::Keys(None))) {
                    override_by(&p.names().collect::<Vec<_>>(), &mut overridden);
                }
                pending.push(p)
            }
            Err(e) => {
                let named = match &e {
                    Error::KeyNotFound { name, .. } | Error::Unusable { name, .. } => Some(name),
                    Error::RefusalNotRecorded { refused, .. } => match refused.as_ref() {
                        Error::Unusable { name, .. } => Some(name),
                        _ => None,
                    },
                    _ => None,
                };
                let culprit = match named {
                    Some(name) => wanted.iter().find(|w| w.reference.name == *name),
                    // The environment itself: not found, not ours to open, corrupt.
                    None => wanted.first(),
                };
                return Err(match culprit {
                    Some(w) => wrap(w, e),
                    // The command's own keys (`--only`): said as `run` says them.
                    None => e,
                });
            }
        }
    }
    if let Some(of) = req.strict {
        for p in &pending {
            crate::ops::run_guard::refuse_if_strict(p, true, of)?;
        }
    }
    // DESIGN §5: each environment's reads in its own journal, before any value leaves.
    let released = pending
        .into_iter()
        .map(|p| hand_out(ctx, p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Resolved {
        released,
        overridden,
    })
}

fn union(a: &[KeyName], b: &[KeyName]) -> Vec<KeyName> {
    let mut out = a.to_vec();
    out.extend(b.iter().filter(|n| !a.contains(n)).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_an_environment_or_not() {
        let r = Reference::parse(b"kw://prod/DB_PASSWORD").unwrap().unwrap();
        assert_eq!(r.env.unwrap().as_str(), "prod");
        assert_eq!(r.name.as_str(), "DB_PASSWORD");
        let r = Reference::parse(b"kw://API_KEY").unwrap().unwrap();
        assert!(r.env.is_none());
        assert_eq!(r.name.as_str(), "API_KEY");
    }

    #[test]
    fn other_values_pass_through() {
        for v in [&b"plain"[..], b"https://kw://x", b" kw://A", b"", b"KW://A"] {
            assert_eq!(Reference::parse(v), Ok(None), "{v:?}");
        }
    }

    #[test]
    fn a_malformed_reference_is_refused_not_passed_through() {
        for v in [
            "kw://",
            "kw://a/b/c",
            "kw://prod/bad-name",
            "kw://Bad Env/X",
            "kw://prod/",
            "kw://X ",
        ] {
            let e = Reference::parse(v.as_bytes()).unwrap_err();
            assert!(e.contains(&format!("`{v}`")), "{e}");
        }
    }
}
