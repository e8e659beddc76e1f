//! How the reports of `ops::git` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::git::*;
use crate::output::{Output, Render};
use crate::recipient::short_recipient;
use crate::vault::git::Change;
use crate::vault::merge::{Merged, Outcome};

impl Render for GitSetUp {
    fn human(&self, out: &Output) -> Result<()> {
        for f in &self.files {
            let kind = if f.committed { "commit it" } else { "local" };
            out.note(&format!("{} `{}` ({kind})", f.change.as_str(), f.path));
        }
        for c in &self.config {
            let what = if c.changed { "set" } else { "unchanged" };
            out.note(&format!("{what} git config {} = {}", c.key, c.value));
        }
        if self
            .files
            .iter()
            .any(|f| f.committed && f.change != Change::Unchanged)
        {
            out.note("commit `.gitattributes` and `.gitignore` with the vault");
        }
        Ok(())
    }
}

impl Render for Merged {
    fn human(&self, out: &Output) -> Result<()> {
        // git shows a driver's output during `git merge`/`git pull`: stderr, short.
        match self.outcome {
            Outcome::OursHasTheirs => {}
            Outcome::TookTheirs => out.note(&format!(
                "keyward: `{}` taken from the other side (it extends this one)",
                self.env
            )),
            Outcome::Merged => out.note(&format!("keyward: merged `{}` by meaning", self.env)),
            Outcome::DroppedTheirs => out.warn(&format!(
                "keyward: the other side's changes to `{}` were left out (see below)",
                self.env
            )),
            Outcome::DroppedOurs => out.warn(&format!(
                "keyward: this side's changes to `{}` were left out, the other side taken (see below)",
                self.env
            )),
        }
        if !self.added_recipients.is_empty() {
            let who: Vec<String> = self
                .added_recipients
                .iter()
                .map(|r| short_recipient(r))
                .collect();
            out.note(&format!(
                "keyward: `{}` is now also encrypted to {} (granted on one side): they can read what is written next",
                self.env,
                who.join(", ")
            ));
        }
        for c in &self.conflicts {
            let vs: Vec<String> = c.versions.iter().map(|v| format!("v{v}")).collect();
            out.warn(&format!(
                "`{}` in `{}` got a new value on both sides: kept {} (the last active, the others still verify); pick one: keyward git resolve -e {} {}",
                c.key,
                self.env,
                vs.join(", "),
                self.env,
                c.key
            ));
        }
        for x in &self.exposed {
            out.warn(&format!(
                "`{}` v{} in `{}` was readable by removed {}: rotate it (keyward rotate -e {} {})",
                x.key,
                x.version,
                self.env,
                short_recipient(&x.recipient),
                self.env,
                x.key
            ));
        }
        for n in &self.notes {
            out.warn(&format!("`{}`: {}", self.env, crate::text::escape(n)));
        }
        Ok(())
    }
}

impl Render for Resolved {
    fn human(&self, out: &Output) -> Result<()> {
        let others: Vec<String> = self.retiring.iter().map(|v| format!("v{v}")).collect();
        let when = match self.retire_at {
            Some(t) => format!("retire at {}", fmt_time(t)),
            None => "are retired".into(),
        };
        out.note(&format!(
            "resolved `{}` in `{}`: v{} is the active value; {} {when}",
            self.name,
            self.env,
            self.version,
            if others.is_empty() {
                "no other value".into()
            } else {
                others.join(", ")
            }
        ));
        Ok(())
    }
}

impl Render for EnvText {
    fn human(&self, out: &Output) -> Result<()> {
        let mut text = String::new();
        for l in &self.lines {
            text.push_str(l);
            text.push('\n');
        }
        out.data(text.as_bytes())
    }
}
