//! How the reports of `ops::verify` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::verify::*;
use crate::output::{Output, Render};
use crate::vault::Status;

impl Render for Verdict {
    /// One line for a valid key; a rejection is said by the error, on stderr.
    fn human(&self, out: &Output) -> Result<()> {
        if !self.valid {
            return Ok(());
        }
        out.line(&format!(
            "valid: `{}` version {} in `{}` ({}){}{}",
            self.name.as_deref().unwrap_or("?"),
            self.version.unwrap_or(0),
            self.env,
            self.status.map(Status::as_str).unwrap_or("?"),
            if self.scopes.is_empty() {
                String::new()
            } else {
                format!(", scopes: {}", self.scopes.join(","))
            },
            self.expires
                .as_deref()
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default(),
        ))
    }
}
