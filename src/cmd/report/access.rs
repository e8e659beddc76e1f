//! How the reports of `ops::access` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::access::*;
use crate::output::{Output, Render, or_dash};
use crate::recipient::short_recipient;

impl Render for Recipients {
    fn human(&self, out: &Output) -> Result<()> {
        let rows = self
            .0
            .iter()
            .map(|v| {
                vec![
                    format!("{}{}", v.recipient, if v.you { " (you)" } else { "" }),
                    or_dash(v.label.clone()),
                    // Not a slice of `added_at`: a stored time out of range prints as a
                    // number, which has no 19th byte.
                    fmt_time(v.added_ms),
                    or_dash(v.added_by.as_deref().map(short_recipient)),
                    v.role.to_string(),
                    if v.signing_key.is_some() {
                        "bound"
                    } else {
                        "unbound"
                    }
                    .to_owned(),
                    match &v.plugin {
                        Some(p) => format!("yes ({p})"),
                        None => "no".to_owned(),
                    },
                ]
            })
            .collect();
        out.table(
            &[
                "RECIPIENT",
                "LABEL",
                "ADDED",
                "ADDED BY",
                "ROLE",
                "SIGNING KEY",
                "HARDWARE",
            ],
            rows,
        )
    }
}

impl Render for AccessChanged {
    fn human(&self, out: &Output) -> Result<()> {
        let r = crate::recipient::person(
            self.recipient.as_str(),
            self.label.as_ref().map(|l| l.as_str()),
        );
        let env = &self.env;
        out.note(&match self.change {
            Change::AlreadyGranted => format!(
                "{r} can already decrypt `{env}` as `{}`; nothing changed",
                self.role.unwrap_or(crate::codes::Role::Write)
            ),
            Change::Granted => format!(
                "granted {r} access to `{env}` as `{}` at {}",
                self.role.unwrap_or(crate::codes::Role::Write),
                fmt_time(self.at)
            ),
            Change::Updated => format!("{r} in `{env}`: {}", self.updated.join("; ")),
            Change::Revoked => format!(
                "revoked {r}'s access to `{env}`; keys they already read still work until rotated (`keyward offboard` does both)"
            ),
        });
        if self.vouched {
            out.note(&format!(
                "{r}'s signing key is bound on your word: a hardware identity's card carries no proof, so make sure it came from them"
            ));
        }
        if let Some(public) = &self.verifier_key {
            out.warn(&super::verifier_key_replaced(env.as_str(), &r, public));
        }
        Ok(())
    }
}
