//! How the reports of `ops::revoke` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::revoke::*;
use crate::output::{Output, Render};

impl Render for Revoked {
    fn human(&self, out: &Output) -> Result<()> {
        let what = match self.version {
            Some(n) => format!("version {n} of `{}`", self.name),
            None => format!("every version of `{}`", self.name),
        };
        if self.revoked == 0 {
            out.note(&format!("{what} in `{}` was already revoked", self.env));
            return Ok(());
        }
        out.note(&format!(
            "revoked {what} in `{}` at {}",
            self.env,
            fmt_time(self.at)
        ));
        if let Some(v) = self.still_active {
            out.note(&format!("version {v} is still active"));
        }
        Ok(())
    }
}
