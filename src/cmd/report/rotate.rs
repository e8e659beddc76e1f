//! How the reports of `ops::rotate` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::rotate::*;
use crate::output::{Output, Render};

impl Render for RotatedOne {
    fn human(&self, out: &Output) -> Result<()> {
        let old = self.version - 1;
        use crate::vault::Status;
        let mut grace = if self.older.contains(&(old, Status::Revoked, None)) {
            format!("; version {old} stays revoked (it never verifies again)")
        } else {
            match self.retire_at {
                Some(at) => format!("; version {old} verifies until {}", fmt_time(at)),
                None => format!("; version {old} is retired"),
            }
        };
        // DESIGN §16: a shorter grace cuts no older promise; each keeps its own end.
        for (v, _, until) in self
            .older
            .iter()
            .filter(|(v, s, _)| *v != old && *s == Status::Retiring)
        {
            if let Some(t) = until {
                grace.push_str(&format!(
                    "; version {v} keeps verifying until {} (its own grace)",
                    fmt_time(*t)
                ));
            }
        }
        let hook = if self.by_hook {
            " (new value from its rotation hook)"
        } else {
            ""
        };
        // The value first: what the note says is then true of what was printed.
        if let Some(v) = &self.value {
            out.secret(v, false)?;
        }
        out.note(&format!(
            "rotated `{}` in `{}` to version {}{hook}{grace}",
            self.name, self.env, self.version
        ));
        Ok(())
    }
}

impl Render for Batch {
    fn human(&self, out: &Output) -> Result<()> {
        render_rows(&self.0, out)
    }
}

/// The batch table (shared with `offboard`, one per environment).
pub(crate) fn render_rows(rows: &[Rotated], out: &Output) -> Result<()> {
    if rows.is_empty() {
        out.note("nothing to rotate");
        return Ok(());
    }
    let cells = rows
        .iter()
        .map(|r| {
            vec![
                r.env.clone(),
                r.name.clone(),
                r.kind.to_owned(),
                r.result.as_str().to_owned(),
                r.old_version.to_string(),
                r.new_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    out.table(&["ENV", "NAME", "KIND", "RESULT", "OLD", "NEW"], cells)?;
    for r in rows.iter().filter(|r| !r.revoked_older.is_empty()) {
        let versions: Vec<String> = r.revoked_older.iter().map(u32::to_string).collect();
        out.note(&format!(
            "`{}` in `{}`: older version(s) {} still in service revoked with the offboarding; version {} stays until replaced",
            r.name,
            r.env,
            versions.join(", "),
            r.old_version
        ));
    }
    let unapproved: Vec<&str> = rows
        .iter()
        .filter(|r| r.result == Outcome::HookNotApproved)
        .map(|r| r.name.as_str())
        .collect();
    if let Some(first) = rows.iter().find(|r| r.result == Outcome::HookNotApproved) {
        out.note(&format!(
            "{} key(s) have a rotation hook not approved on this machine (new, or changed since): review each with `keyward hook allow -e {} {}`: {}",
            unapproved.len(),
            first.env,
            first.name,
            crate::text::summarize(&unapproved, "the table and `--json` list all")
        ));
    }
    let pending: Vec<&Rotated> = rows
        .iter()
        .filter(|r| r.new_version.is_none() && r.result != Outcome::HookNotApproved)
        .collect();
    if let Some(first) = pending.first() {
        // A complete, copy-pasteable command (DESIGN §14): with its `-e`.
        let names: Vec<&str> = pending.iter().map(|r| r.name.as_str()).collect();
        out.note(&format!(
            "{} imported key(s) need a new value from their provider, then `printf %s \"$NEW\" | keyward rotate -e {} {}`: {}",
            names.len(),
            first.env,
            first.name,
            crate::text::summarize(&names, "the table and `--json` list all")
        ));
    }
    Ok(())
}
