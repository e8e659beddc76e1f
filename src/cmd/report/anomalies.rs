//! How the reports of `ops::anomalies` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::anomalies::*;
use crate::output::{Output, Render, or_dash};

impl Render for AnomalyReport {
    fn human(&self, out: &Output) -> Result<()> {
        if self.report.findings.is_empty() {
            out.note(&format!("no anomalies since {}", fmt_time(self.since)));
            return Ok(());
        }
        let rows = self
            .report
            .findings
            .iter()
            .map(|f| {
                let when = if f.from == f.to {
                    fmt_time(f.from)
                } else {
                    format!("{} – {}", fmt_time(f.from), fmt_time(f.to))
                };
                vec![
                    f.env.clone().into(),
                    out.status(f.kind.as_str()),
                    or_dash(f.key.clone()).into(),
                    or_dash(f.version.map(|v| v.to_string())).into(),
                    or_dash(f.actor.as_ref().map(who)).into(),
                    when.into(),
                    f.reason.clone().into(),
                ]
            })
            .collect();
        out.table(
            &["ENV", "KIND", "KEY", "VER", "ACTOR", "WHEN", "REASON"],
            rows,
        )
    }
}
