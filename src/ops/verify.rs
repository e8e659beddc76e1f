//! `keyward verify`: is a presented key valid in this environment? Every answer —
//! valid, rejected, unknown, malformed — is an access event, recorded before the
//! verdict is given; the key itself is never printed or stored.

use serde::Serialize;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::fmt_time_ms;
use crate::ops::Context;
use crate::secret::Secret;
use crate::vault::{EnvDb, KeyMeta, Status, VersionInfo};

/// The longest value keyward stores (the rule is the verifier crate's, so `verify` and a
/// verifier set refuse the same input).
pub use keyward_verifier::MAX_PRESENTED;

/// The answer, as `--json` prints it. `rejection` is the error (exit 4 or 3) a
/// rejected key ends the command with.
#[derive(Serialize)]
pub struct Verdict {
    pub valid: bool,
    pub env: String,
    pub name: Option<String>,
    pub version: Option<u32>,
    pub status: Option<Status>,
    pub scopes: Vec<String>,
    pub expires: Option<String>,
    pub reason: Option<String>,
    #[serde(skip)]
    rejection: Option<Error>,
}

impl Verdict {
    /// A rejection before any version was found: malformed, wrong checksum, another
    /// environment's token, unknown.
    fn rejected(env: String, reason: String, rejection: Error) -> Verdict {
        Verdict {
            valid: false,
            env,
            name: None,
            version: None,
            status: None,
            scopes: vec![],
            expires: None,
            reason: Some(reason),
            rejection: Some(rejection),
        }
    }

    /// `Ok` for a valid key; the rejection (exit 4, or 3 for an unknown key) otherwise.
    pub fn into_result(self) -> Result<()> {
        match self.rejection {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Check `presented` against the current environment.
pub fn verify(ctx: &Context, presented: &Secret) -> Result<Verdict> {
    let now = ctx.now();
    let db = ctx.open_env()?;
    let env = db.env.to_string();
    let reject = |outcome: &str, reason: String, error: Error| -> Result<Verdict> {
        ctx.journal(&db, Action::Verify, &[], outcome)?;
        Ok(Verdict::rejected(env.clone(), reason, error))
    };

    // Hostile or broken input is a rejected key (exit 4), not an internal error: a
    // service branching on the exit code must see "no".
    if let Some(why) = malformed(presented) {
        return reject(
            "malformed",
            why.to_owned(),
            Error::Rejected(format!("rejected: {why}")),
        );
    }
    // A token (its checksum holds) names its environment: another one's is refused by
    // that name, as a verifier set's lookup does.
    let trimmed = strip_newline(presented).unwrap_or_else(|| presented.clone());
    let token = crate::token::parse_token(trimmed.expose());
    if let Some(info) = &token
        && info.env != db.env.as_str()
    {
        let other = info.env.to_owned();
        return reject(
            "other-environment",
            format!("a token of environment `{other}`"),
            Error::Rejected(format!(
                "rejected: this is a token of environment `{other}`, not `{}`",
                db.env
            )),
        );
    }
    // Looked up before the shape says anything: an imported value may look like a
    // token (`sk_live_` and 36 letters) without being one, and it is still stored. The
    // shape only words the answer when nothing is found.
    let Some((key, version)) = lookup(&db, presented)? else {
        let reason = if token.is_none() && crate::token::token_shaped(trimmed.expose()) {
            "token checksum does not match"
        } else {
            "not in this environment"
        };
        return reject(
            "unknown",
            reason.into(),
            Error::UnknownPresentedKey {
                env: db.env.clone(),
            },
        );
    };
    let status = version.status(now);
    let valid = version.verifies(now);
    let events = [(&key.name, version.version)];
    ctx.journal(
        &db,
        Action::Verify,
        &events,
        if valid { "ok" } else { status.as_str() },
    )?;
    let rejection = (!valid).then(|| {
        Error::Rejected(format!(
            "rejected: `{}` version {} in `{}` is {}",
            key.name,
            version.version,
            db.env,
            status.as_str()
        ))
    });
    Ok(Verdict {
        valid,
        env,
        name: Some(key.name.to_string()),
        version: Some(version.version),
        status: Some(status),
        scopes: key.scopes.clone(),
        expires: version.expires.map(fmt_time_ms),
        reason: None,
        rejection,
    })
}

/// Find the version whose value is `presented` (or `presented` without one trailing
/// newline: `echo $KEY |`): indexed fingerprint lookup, then a constant-time
/// comparison of the value itself.
fn lookup(db: &EnvDb, presented: &Secret) -> Result<Option<(KeyMeta, VersionInfo)>> {
    for candidate in [Some(presented.clone()), strip_newline(presented)]
        .into_iter()
        .flatten()
    {
        for (key, version, value) in db.find_fingerprint(&candidate.fingerprint())? {
            if value.matches(candidate.expose()) {
                return Ok(Some((key, version)));
            }
        }
    }
    Ok(None)
}

fn strip_newline(s: &Secret) -> Option<Secret> {
    let b = s.expose();
    let b = b.strip_suffix(b"\n")?;
    let b = b.strip_suffix(b"\r").unwrap_or(b);
    Some(Secret::new(b.to_vec()))
}

/// Read the presented key: a hidden prompt on a terminal, else stdin up to a few bytes
/// past the limit (so hostile input cannot exhaust memory, and an over-long key is
/// still seen as one).
pub fn read_presented() -> Result<Secret> {
    crate::input::read_presented("Key to verify: ", MAX_PRESENTED + 3)
}

/// Why a presented key cannot be a stored value, if it cannot.
fn malformed(presented: &Secret) -> Option<&'static str> {
    let trimmed = strip_newline(presented);
    // One rule for `verify` and for a verifier set's lookup (`verifier check`, services).
    keyward_verifier::malformed(trimmed.as_ref().unwrap_or(presented).expose())
}
