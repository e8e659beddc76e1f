//! How the reports of `ops::audit` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::fmt_time;
use crate::ops::audit::*;
use crate::output::{Output, Render, or_dash};
use crate::text::first_few;

impl Render for EventLog {
    fn human(&self, out: &Output) -> Result<()> {
        if self.events.is_empty() {
            out.note("no events");
            return Ok(());
        }
        let rows = self
            .events
            .iter()
            .map(|e| {
                // An access to several keys: the entry of the key asked about (`--key`).
                let asked = self
                    .key
                    .as_deref()
                    .and_then(|k| e.keys.iter().find(|(n, _)| n == k));
                vec![
                    fmt_time(e.time),
                    e.env.clone(),
                    e.action.to_string(),
                    // That key, else how many and the first few (`--json` lists each).
                    match (asked, e.keys.as_slice()) {
                        (_, []) => or_dash(e.key.clone()),
                        (Some((k, _)), keys) => format!("{k} (one of {} keys)", keys.len()),
                        (None, keys) => {
                            let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
                            format!("{} keys: {}", names.len(), first_few(&names))
                        }
                    },
                    // DESIGN §16: a value a merge renumbered, under the number it has now.
                    or_dash(
                        e.version
                            .or(asked.map(|(_, v)| *v))
                            .map(|v| match e.renumbered {
                                Some(now) => format!("{v} (now v{now}: renumbered by a merge)"),
                                None => v.to_string(),
                            }),
                    ),
                    // `Ana (age1…) as uid@host`, or `age1… as uid@host` without a label:
                    // the recipient the event is bound to first, then what its machine
                    // reported (`$USER` is the writer's own text, and could read as a
                    // member's name if it came first).
                    format!(
                        "{} as {}@{}",
                        who(&e.actor.recipient, e.actor_label.as_deref()),
                        e.actor.os_user,
                        e.actor.host
                    ),
                    or_dash(
                        e.subject
                            .as_deref()
                            .map(|s| who(s, e.subject_label.as_deref())),
                    ),
                    e.outcome.clone(),
                    or_dash(e.reason.clone()),
                ]
            })
            .collect();
        out.table(
            &[
                "TIME", "ENV", "ACTION", "KEY", "VER", "ACTOR", "SUBJECT", "OUTCOME", "REASON",
            ],
            rows,
        )
    }
}

impl Render for Verified {
    fn human(&self, out: &Output) -> Result<()> {
        let rows = self
            .chains
            .iter()
            .map(|r| {
                vec![
                    r.env.clone(),
                    r.chain.to_string(),
                    r.events.to_string(),
                    r.head.clone(),
                ]
            })
            .collect();
        out.table(&["ENV", "CHAIN", "EVENTS", "HEAD HASH"], rows)?;
        for s in &self.signed {
            match &s.root {
                Some(root) => out.note(&format!(
                    "`{}`: {} signature(s) check, each by a member whose role allowed it; trust root {root}",
                    s.env, s.signatures
                )),
                None => out.warn(&format!(
                    "`{}`: its history is not signed yet (written before signed writes); an admin's next write signs it",
                    s.env
                )),
            }
        }
        if self.skipped.is_empty() {
            out.note("all chains intact");
        } else if self.accept_gap {
            out.note(&format!(
                "all chains checked are intact; {} environment(s) not checked",
                self.skipped.len()
            ));
        }
        Ok(())
    }
}
