//! How the reports of `ops::render` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::render::*;
use crate::output::{Output, Render};

impl Render for Rendered {
    fn human(&self, out: &Output) -> Result<()> {
        if let Some(path) = &self.out {
            let others = match self.references.len() {
                0 => String::new(),
                n => format!(" and {n} from other environments"),
            };
            out.note(&format!(
                "rendered {} key(s) from `{}`{others} into `{}` (mode 0600)",
                self.keys.len(),
                self.env,
                path.display()
            ));
        }
        Ok(())
    }
}
