//! DESIGN §11: a value a rotation hook issued is stored, or kept and said. A hook's
//! provider may have rolled the key as it ran (the old value may no longer work), so
//! when the change that stores the new values fails, they are kept on this machine
//! (`EnvDb::keep_issued`: encrypted, beside the pins) and the error says where and how
//! to store them.

use crate::error::{HookError, Result};
use crate::names::KeyName;
use crate::ops::hooks::Rolled;
use crate::secret::Secret;
use crate::vault::store::EnvDb;

/// The values the hooks of one change issued, by key name, until it commits.
#[derive(Default)]
pub(crate) struct Issued(Vec<(KeyName, Secret)>);

impl Issued {
    /// What `rolled` (per key id) issued; `name` gives each key id's name.
    pub(crate) fn of(rolled: &[(i64, Rolled)], name: impl Fn(i64) -> Option<KeyName>) -> Issued {
        Issued(
            rolled
                .iter()
                .filter_map(|(id, r)| match r {
                    Rolled::New(v) => name(*id).map(|n| (n, v.clone())),
                    Rolled::Failed(_) => None,
                })
                .collect(),
        )
    }

    /// One value a hook issued for `name`.
    pub(crate) fn one(name: &KeyName, value: &Secret) -> Issued {
        Issued(vec![(name.clone(), value.clone())])
    }

    /// `done`, the change that stores the values (its batch and commit), as it is, or,
    /// when it failed before its file was replaced, with the values kept and said.
    pub(crate) fn stored_or_kept<T>(self, db: &EnvDb, now: i64, done: Result<T>) -> Result<T> {
        let failed = match done {
            Ok(out) => return Ok(out),
            Err(e) if self.0.is_empty() || db.replaced() => return Err(e),
            Err(e) => e,
        };
        let env = &db.env;
        let names = self
            .0
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let values: Vec<(&KeyName, &[u8])> = self.0.iter().map(|(n, v)| (n, v.expose())).collect();
        let kept = match db.keep_issued(&values, now) {
            Ok((files, every)) => {
                let to = if every {
                    format!("encrypted to `{env}`'s recipients")
                } else {
                    format!(
                        "encrypted to `{env}`'s recipients but those behind a plugin this machine could not reach"
                    )
                };
                let listed: Vec<String> = self
                    .0
                    .iter()
                    .zip(&files)
                    .map(|((n, _), f)| format!("  {n}: {}", f.display()))
                    .collect();
                format!(
                    "the rotation hooks of {names} in `{env}` had run (their provider may have rolled those keys), and the new values were not stored; they are kept on this machine, {to}:\n{}\nhint: once the cause above is fixed, store each as issued: `age -d -i IDENTITY FILE | keyward rotate -e {env} NAME --no-hook` (IDENTITY: your identity file, as `KEYWARD_IDENTITY` names it), then remove FILE",
                    listed.join("\n")
                )
            }
            Err(e) => format!(
                "the rotation hooks of {names} in `{env}` had run (their provider may have rolled those keys), and the new values were not stored, nor could they be kept on this machine ({}); they are lost\nhint: roll those keys at their provider again once the cause above is fixed",
                e.to_string().lines().next().unwrap_or_default()
            ),
        };
        Err(HookError::IssuedNotStored {
            source: Box::new(failed),
            kept,
        }
        .into())
    }
}
