//! DESIGN §14: a name that is not here may be elsewhere. The "not found" errors of
//! every command are completed here, on the error path only (it opens the other
//! environments): the environments holding the key, or environment names close to one.

use crate::error::Error;
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
use crate::vault::EnvDb;

impl Context {
    /// DESIGN §14: a name that is not here may be elsewhere. Completes a "not found"
    /// error with the environments (that this identity can open) holding the key, or
    /// with environment names close to a missing one. Only on the error path: it opens
    /// the other environments.
    pub fn explain_not_found(&self, e: Error) -> Error {
        match e {
            Error::KeyNotFound {
                name,
                env,
                similar,
                elsewhere,
            } if elsewhere.is_empty() => {
                let elsewhere = self.envs_holding(&name, &env);
                Error::KeyNotFound {
                    name,
                    env,
                    similar,
                    elsewhere,
                }
            }
            Error::EnvNotFound { env } => {
                let similar: Vec<EnvName> = self
                    .paths
                    .env_names()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| crate::names::closeness(env.as_str(), n.as_str()).is_some())
                    .collect();
                if similar.is_empty() {
                    Error::EnvNotFound { env }
                } else {
                    Error::EnvNotFoundSimilar { env, similar }
                }
            }
            e => e,
        }
    }

    /// The other environments this identity can open that hold `name`.
    fn envs_holding(&self, name: &KeyName, except: &EnvName) -> Vec<EnvName> {
        let (Ok(identity), Ok(envs)) = (self.identity(), self.paths.env_names()) else {
            return Vec::new();
        };
        // DESIGN §10: with a hardware identity every opening asks the token (a touch):
        // a hint is not worth one per environment.
        if identity.plugin.is_some() {
            return Vec::new();
        }
        envs.into_iter()
            .filter(|env| env != except)
            // An environment new here is first read by a command that says so.
            .filter(|env| self.seen_here(env))
            .filter(|env| {
                EnvDb::open_read(&self.paths, env, identity.as_age())
                    .and_then(|db| db.has_key(name))
                    .unwrap_or(false)
            })
            .collect()
    }
}
