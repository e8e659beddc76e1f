//! Candidates for shell completion (`keyward completions --list`, hidden): key names,
//! environments and recipients, one per line. Completion runs on every TAB, so this
//! never prompts, never prints an error, never journals (a name is not a value) and
//! never prints a value: with an identity that would need a passphrase (and no agent
//! holding it), an unreadable vault or anything else amiss, there are no candidates.

use crate::identity::{IdentitySpec, Unlocked, load_identity};
use crate::ops::Context;
use crate::vault::EnvDb;

/// What a completion script asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    /// Key names in the environment (`-e`, default dev)
    Keys,
    /// Environments in the vault (file names only: needs no identity)
    Envs,
    /// Recipients of the environment
    Recipients,
}

/// Why there are no candidates, when a person could do something about it (DESIGN §16:
/// the scripts say it once, instead of falling back to file names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The identity needs its passphrase (or a token) and no agent holds it.
    Locked,
}

/// The candidates, sorted; empty whenever they cannot be had without asking anything,
/// with why when the identity is locked.
pub fn candidates(ctx: &Context, what: Candidates) -> (Vec<String>, Option<Missing>) {
    let listed = candidates_of(ctx, what);
    let locked = listed.is_empty()
        && what != Candidates::Envs
        && ctx
            .paths
            .env_names()
            .ok()
            .is_some_and(|all| all.contains(&ctx.env))
        && is_locked(&ctx.identity_spec);
    (listed, locked.then_some(Missing::Locked))
}

/// Whether the identity file would ask for a passphrase and no agent holds it (a
/// hardware identity is not "locked": it asks its token, which completion never does).
fn is_locked(spec: &IdentitySpec) -> bool {
    match spec {
        IdentitySpec::Literal(_) => false,
        IdentitySpec::Default(path) | IdentitySpec::File(path) => {
            !matches!(crate::agent::client_for(path, None), Ok(Some(_)))
                && read_head(path).is_some_and(|h| may_ask(&h))
        }
    }
}

/// An encrypted identity (`age-encryption.org/`, `-----BEGIN AGE ENCRYPTED FILE-----`)
/// or an SSH key (`-----BEGIN …`): either may ask for a passphrase.
fn may_ask(head: &[u8]) -> bool {
    head.starts_with(b"age-encryption.org/") || head.starts_with(b"-----BEGIN")
}

fn candidates_of(ctx: &Context, what: Candidates) -> Vec<String> {
    let names = || ctx.paths.env_names().ok();
    match what {
        Candidates::Envs => names()
            .unwrap_or_default()
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        Candidates::Keys | Candidates::Recipients => {
            // An environment that is not there has nothing to offer (and `-e` half
            // typed must not make us open anything else).
            if !names().is_some_and(|all| all.contains(&ctx.env)) {
                return Vec::new();
            }
            // Nor is one new to this machine opened (and so pinned) by a TAB: its first
            // read is a command's, which says whose it is.
            if !ctx.seen_here(&ctx.env) {
                return Vec::new();
            }
            let Some(identity) = identity_without_prompt(&ctx.identity_spec) else {
                return Vec::new();
            };
            let Ok(db) = EnvDb::open_read(&ctx.paths, &ctx.env, identity.as_age()) else {
                return Vec::new();
            };
            let listed = match what {
                Candidates::Keys => db.keys().map(|ks| {
                    ks.into_iter()
                        .map(|k| k.meta.name.as_str().to_owned())
                        .collect()
                }),
                _ => db
                    .recipients()
                    .map(|rs| rs.into_iter().map(|r| r.recipient).collect()),
            };
            let mut listed: Vec<String> = listed.unwrap_or_default();
            listed.sort();
            listed
        }
    }
}

/// The identity in use if it opens without a prompt: a running agent for the identity
/// file, a plain identity file, or a literal `KEYWARD_IDENTITY`. A passphrase-protected
/// file (even with `KEYWARD_PASSPHRASE*` set: an scrypt unlock per TAB is ~1 s) and an
/// SSH key (which may ask for its passphrase) and a plugin identity give `None`.
fn identity_without_prompt(spec: &IdentitySpec) -> Option<Unlocked> {
    // A plugin identity (DESIGN §10) asks its token for a PIN or a touch on every
    // opening: never on a TAB.
    let quiet = |id: Unlocked| id.plugin.is_none().then_some(id);
    match spec {
        IdentitySpec::Literal(_) => load_identity(spec).ok().and_then(quiet),
        IdentitySpec::Default(path) | IdentitySpec::File(path) => {
            // A hardware identity's agent (DESIGN §18) may still ask its token: never
            // on a TAB.
            if let Ok(Some(agent)) = crate::agent::client_for(path, None) {
                return quiet(agent);
            }
            if may_ask(&read_head(path)?) {
                None
            } else {
                load_identity(spec).ok().and_then(quiet)
            }
        }
    }
}

/// The first bytes of a file: enough to tell a plain identity from an encrypted one.
fn read_head(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(32);
    std::fs::File::open(path)
        .ok()?
        .take(32)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}
