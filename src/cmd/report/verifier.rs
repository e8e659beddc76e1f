//! How the reports of `ops::verifier` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::verifier::*;
use crate::output::{Output, Render};

impl Render for Exported {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "wrote {} version(s) of `{}` ({}, serial {}, {}){}; signed by {}",
            self.entries,
            self.env,
            self.format.as_str(),
            self.serial,
            self.alg.as_str(),
            self.out
                .as_ref()
                .map(|p| format!(" to `{}`", p.display()))
                .unwrap_or_default(),
            self.pubkey
        ));
        Ok(())
    }
}

impl Render for PubKey {
    fn human(&self, out: &Output) -> Result<()> {
        out.line(&self.pubkey)
    }
}

impl Render for Checked {
    fn human(&self, out: &Output) -> Result<()> {
        if !self.pinned {
            out.warn(&format!(
                "the set's signature was checked against the key it names ({}), not a pinned one: pass --pubkey to know who made it",
                self.signed_by
            ));
        }
        if !self.valid {
            return Ok(());
        }
        out.line(&format!(
            "valid: `{}` version {} in `{}` ({}){}{} [set serial {}]",
            self.name.as_deref().unwrap_or("?"),
            self.version.unwrap_or(0),
            self.env,
            self.status.as_deref().unwrap_or("?"),
            if self.scopes.is_empty() {
                String::new()
            } else {
                format!(", scopes: {}", self.scopes.join(","))
            },
            self.not_after
                .as_deref()
                .map(|e| format!(", until {e}"))
                .unwrap_or_default(),
            self.serial
        ))
    }
}
