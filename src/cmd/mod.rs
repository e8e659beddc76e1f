//! One module per command: its flags (clap `Args`, whose doc comments are the help) and
//! a short `run` that calls one operation in `ops` and renders its report. The flags
//! several commands share live here.

pub mod access;
pub mod audit;
pub mod check;
pub mod completions;
pub mod confirm;
pub mod delete;
mod delivery;
pub mod env;
pub mod export;
pub mod generate;
pub mod get;
pub mod git;
pub mod hook;
pub mod identity;
pub mod import;
pub mod init;
pub mod list;
pub mod offboard;
pub mod rename;
pub mod render;
mod report;
pub mod revoke;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod set;
pub mod show;
pub mod trust;
pub mod unlock;
mod values;
pub mod verifier;
pub mod verify;

use clap::Args;

use crate::error::{Error, Result};
use crate::names::{Dur, When};
use crate::output::Output;
use crate::vault::NewKey;

pub use crate::ops::context::Context;

/// Metadata flags shared by `generate`, `set` and `rotate`.
#[derive(Debug, Clone, Args, Default)]
pub struct KeyMetaArgs {
    /// A scope the key grants (repeatable), e.g. `payments:write`
    #[arg(long = "scope", value_name = "SCOPE", value_parser = parse_scope)]
    pub scopes: Vec<String>,

    /// When the key expires: RFC 3339, YYYY-MM-DD, or a duration from now (90d)
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<When>,

    /// How often the key should be rotated (`check` and `rotate --all --due` use it)
    #[arg(long, value_name = "DUR")]
    pub rotate_every: Option<Dur>,

    /// A free-form note (never put a secret here: notes are not encrypted separately)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

impl KeyMetaArgs {
    pub fn new_key(&self) -> NewKey {
        NewKey {
            scopes: self.scopes.clone(),
            note: self.note.clone(),
            rotate_every: self.rotate_every.map(|d| d.secs),
        }
    }
    pub fn expires_at(&self, now: i64) -> Result<Option<i64>> {
        match self.expires {
            None => Ok(None),
            Some(w) => {
                let t = w.ahead(now);
                if t <= now {
                    return Err(Error::usage(
                        "--expires is in the past; give a future date or a duration like 90d",
                    ));
                }
                Ok(Some(t))
            }
        }
    }
}

fn parse_scope(s: &str) -> std::result::Result<String, String> {
    if s.is_empty()
        || s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.*/".contains(c))
    {
        return Err("invalid scope: use letters, digits and - _ : . * / (at most 64)".into());
    }
    Ok(s.to_owned())
}

/// What a command runs with: the operations' context, and the output it renders its
/// report to (the context's notes go there too). Derefs to the context, so a command
/// hands `ctx` to an operation as it is.
pub struct Ui {
    pub(crate) ctx: Context,
    pub out: Output,
}

impl std::ops::Deref for Ui {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}
