//! How the reports of `ops::hooks` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::hooks::*;
use crate::output::{Output, Render};

impl Render for HookChanged {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&match (self.change, &self.hash) {
            ("set", Some(h)) => format!(
                "set the rotation hook of `{}` in `{}` (hash {h}); approved on this machine — elsewhere it runs after `keyward hook allow {} -e {}`",
                self.name, self.env, self.name, self.env
            ),
            ("approved", Some(h)) => format!(
                "approved the rotation hook of `{}` in `{}` on this machine (hash {h})",
                self.name, self.env
            ),
            _ => format!(
                "cleared the rotation hook of `{}` in `{}`",
                self.name, self.env
            ),
        });
        Ok(())
    }
}

impl Render for HookList {
    fn human(&self, out: &Output) -> Result<()> {
        if self.0.is_empty() {
            out.note("no rotation hooks");
            return Ok(());
        }
        let rows = self
            .0
            .iter()
            .map(|h| {
                vec![
                    h.name.to_string(),
                    if h.approved {
                        "approved"
                    } else {
                        "not-approved"
                    }
                    .to_owned(),
                    format!("{}s", h.timeout_secs),
                    h.hash.clone(),
                    h.command.clone(),
                ]
            })
            .collect();
        out.table(&["NAME", "HERE", "TIMEOUT", "HASH", "COMMAND"], rows)
    }
}
