//! How the reports of `ops::export` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::output::{Output, Render};

impl Render for crate::ops::export::Written {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "{} {} key(s) from `{}` {} `{}`{}",
            if self.appended {
                "appended"
            } else {
                "exported"
            },
            self.keys,
            self.env,
            if self.appended { "to" } else { "into" },
            self.path.display(),
            if self.appended { "" } else { " (mode 0600)" }
        ));
        Ok(())
    }
}
