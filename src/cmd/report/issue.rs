//! How the reports of `ops::issue` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::issue::*;
use crate::output::{Output, Render};

impl Render for Generated {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "generated `{}` version {} in `{}`; its value is on stdout (`keyward get -e {} {}` prints it again, as a recorded read)",
            self.name, self.version, self.env, self.env, self.name
        ));
        out.secret(&self.value, false)
    }
}

impl Render for Stored {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "stored `{}` version {} in `{}`",
            self.name, self.version, self.env
        ));
        Ok(())
    }
}
