//! How the reports of `ops::inspect` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::check::{Removal, describe_removals};
use crate::ops::inspect::*;
use crate::output::{Output, Render, or_dash};
use crate::vault::Status;

impl Render for EnvList {
    fn human(&self, out: &Output) -> Result<()> {
        out.table(
            &["ENV", "ACCESS"],
            self.0
                .iter()
                .map(|r| {
                    let access = match &r.plugin {
                        Some(p) => format!("{} (through {p})", r.access),
                        None => r.access.to_owned(),
                    };
                    vec![r.env.to_string(), access]
                })
                .collect(),
        )
    }
}

impl Render for Listing {
    fn human(&self, out: &Output) -> Result<()> {
        if self.keys.is_empty() {
            out.note("no keys");
            return Ok(());
        }
        let rows = self
            .keys
            .iter()
            .map(|k| {
                vec![
                    k.env.clone().into(),
                    k.name.clone().into(),
                    k.kind.into(),
                    k.version.to_string().into(),
                    out.status(k.status),
                    or_dash(Some(k.scopes.join(","))).into(),
                    or_dash(k.expires_ms.map(fmt_time)).into(),
                    or_dash(k.rotate_every.clone()).into(),
                ]
            })
            .collect();
        out.table(
            &[
                "ENV", "NAME", "KIND", "VER", "STATUS", "SCOPES", "EXPIRES", "ROTATE",
            ],
            rows,
        )
    }
}

impl Render for KeyDetail {
    fn human(&self, out: &Output) -> Result<()> {
        out.line(&format!("name:         {}", self.name))?;
        out.line(&format!("environment:  {}", self.env))?;
        out.styled_line(&["status:       ".into(), out.status(self.status.as_str())])?;
        let mut lines = vec![
            format!(
                "kind:         {}{}",
                self.kind,
                self.format.map(|f| format!(" ({f})")).unwrap_or_default()
            ),
            format!("scopes:       {}", or_dash(Some(self.scopes.join(", ")))),
            format!("created:      {}", fmt_time(self.created_ms)),
            format!("rotate every: {}", or_dash(self.rotate_every.clone())),
            format!(
                "expiry:       {}",
                match &self.lifetime {
                    Some(l) => format!("{l} after each new version is created"),
                    None => "-".into(),
                }
            ),
        ];
        if let Some(v) = self.versions.last().filter(|v| !v.exposed_to.is_empty()) {
            let who: Vec<&Removal> = v.exposed_to.iter().collect();
            lines.push(format!(
                "exposed:      version {} was readable by removed {}: rotate it (keyward rotate -e {} {})",
                v.version,
                describe_removals(&who),
                self.env,
                self.name
            ));
        }
        let newest = self.versions.last().map(|v| v.version);
        for v in self
            .versions
            .iter()
            .filter(|v| Some(v.version) != newest && !v.exposed_to.is_empty())
        {
            let who: Vec<&Removal> = v.exposed_to.iter().collect();
            lines.push(format!(
                "exposed:      version {} still verifies and was readable by removed {}: revoke it (keyward revoke -e {} {} --version {})",
                v.version,
                describe_removals(&who),
                self.env,
                self.name,
                v.version
            ));
        }
        if let Some(n) = &self.note {
            lines.push(format!("note:         {n}"));
        }
        if let Some(h) = &self.rotation_hook {
            lines.push(format!(
                "rotation hook: {} ({})",
                h.command,
                if h.approved {
                    "approved on this machine".to_owned()
                } else {
                    format!(
                        "not approved on this machine: `keyward hook allow -e {} {}`",
                        self.env, self.name
                    )
                }
            ));
        }
        for l in lines {
            out.line(&l)?;
        }
        out.line("")?;
        let rows = self
            .versions
            .iter()
            .map(|v| {
                let detail = match v.status {
                    Status::Revoked => format!(
                        "revoked {} by {}: {}",
                        v.ms.revoked_at.map(fmt_time).unwrap_or_default(),
                        v.revoked_by
                            .as_deref()
                            .map(|r| crate::recipient::person(r, v.revoked_by_label.as_deref()))
                            .unwrap_or_else(|| "?".into()),
                        v.revoke_reason.clone().unwrap_or_default()
                    ),
                    // A merge keeps both new values verifying until someone picks (DESIGN §9):
                    // no end to show, and what ends it.
                    Status::Retiring if !v.exposed_to.is_empty() => {
                        let who: Vec<&Removal> = v.exposed_to.iter().collect();
                        format!(
                            "verifies{}; exposed to {}",
                            v.ms.retire_at
                                .map(|t| format!(" until {}", fmt_time(t)))
                                .unwrap_or_default(),
                            describe_removals(&who)
                        )
                    }
                    Status::Retiring => match v.ms.retire_at {
                        Some(t) => format!("verifies until {}", fmt_time(t)),
                        None => format!(
                            "kept verifying by a merge until someone picks: `keyward git resolve -e {} {}`",
                            self.env, self.name
                        ),
                    },
                    _ if !v.exposed_to.is_empty() => {
                        let who: Vec<&Removal> = v.exposed_to.iter().collect();
                        format!("exposed to {}", describe_removals(&who))
                    }
                    _ => String::new(),
                };
                vec![
                    v.version.to_string().into(),
                    out.status(v.status.as_str()),
                    fmt_time(v.ms.created).into(),
                    or_dash(v.ms.expires.map(fmt_time)).into(),
                    or_dash(Some(detail)).into(),
                ]
            })
            .collect();
        out.table(&["VERSION", "STATUS", "CREATED", "EXPIRES", "DETAIL"], rows)
    }
}
