//! How the reports of `ops::rename` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::rename::*;
use crate::output::{Output, Render};

impl Render for Renamed {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "renamed `{}` to `{}` in `{}` at {} ({} version(s), with their history)",
            self.from,
            self.to,
            self.env,
            fmt_time(self.at),
            self.versions
        ));
        Ok(())
    }
}

impl Render for Deleted {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "deleted `{}` and its {} version(s) in `{}` at {}; its audit events are kept",
            self.name,
            self.deleted,
            self.env,
            fmt_time(self.at)
        ));
        Ok(())
    }
}
