//! How the reports of `ops::issue` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::issue::*;
use crate::output::{Output, Render};

impl Render for Generated {
    /// The value first, then the note that says it is on stdout: the note is true only
    /// once the value was written (`generate > /dev/full` must not claim it).
    fn human(&self, out: &Output) -> Result<()> {
        out.secret(&self.value, false)?;
        out.note(&format!(
            "generated `{}` version {} in `{}`; its value is on stdout (`keyward get -e {} {}` prints it again, as a recorded read)",
            self.name, self.version, self.env, self.env, self.name
        ));
        Ok(())
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
