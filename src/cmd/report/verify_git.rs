//! How the reports of `ops::verify_git` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::verify_git::*;
use crate::output::{Output, Render};

impl Render for HistoryVerified {
    fn human(&self, out: &Output) -> Result<()> {
        let rows = self
            .heads
            .iter()
            .map(|h| {
                vec![
                    h.env.to_string(),
                    h.commit.clone(),
                    h.events.to_string(),
                    h.head.clone(),
                ]
            })
            .collect();
        out.table(&["ENV", "COMMIT", "EVENTS", "HEAD HASH"], rows)?;
        if !self.problems.is_empty() {
            let rows = self
                .problems
                .iter()
                .map(|p| {
                    vec![
                        p.commit.clone(),
                        p.env.to_string(),
                        p.author.clone(),
                        p.subject.clone(),
                        p.what(),
                    ]
                })
                .collect();
            out.table(&["COMMIT", "ENV", "AUTHOR", "SUBJECT", "PROBLEM"], rows)?;
            return Ok(());
        }
        if let Some(PinCheck {
            head,
            found_in: Some(env),
        }) = &self.pin
        {
            out.note(&format!("pinned head {head} is in the chain of `{env}`"));
        }
        if !self.remembered.is_empty() {
            out.note(&format!(
                "the history up to {} was verified before on this machine: not checked again (`--full` checks it)",
                self.remembered
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.note(&format!(
            "{} commit(s) changed an environment file; every chain checked extends its parent's{}",
            self.commits,
            if self.skipped.is_empty() {
                ""
            } else {
                " (some environments not checked, named above)"
            }
        ));
        Ok(())
    }
}
