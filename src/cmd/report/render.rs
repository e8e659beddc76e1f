//! How the reports of `ops::render` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::render::*;
use crate::output::{Output, Render};

impl Render for Rendered {
    fn human(&self, out: &Output) -> Result<()> {
        if let Some(path) = &self.out {
            out.note(&format!(
                "rendered {} key(s) from `{}` into `{}` (mode 0600)",
                self.keys.len(),
                self.env,
                path.display()
            ));
        }
        Ok(())
    }
}
