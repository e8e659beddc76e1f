//! How the reports of `ops::check` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::check::*;
use crate::output::{Output, Render};

impl Render for CheckReport {
    fn human(&self, out: &Output) -> Result<()> {
        if self.findings.is_empty() {
            out.note(if self.skipped.is_empty() {
                "all keys are in order"
            } else {
                "all keys are in order in the environments checked"
            });
            return Ok(());
        }
        let rows = self
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.env.clone().into(),
                    f.name.clone().into(),
                    f.version.to_string().into(),
                    out.status(f.problem),
                    f.detail.clone().into(),
                ]
            })
            .collect();
        out.table(&["ENV", "NAME", "VER", "PROBLEM", "DETAIL"], rows)
    }
}
