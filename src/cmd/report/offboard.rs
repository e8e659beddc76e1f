//! How the reports of `ops::offboard` are shown to people (`--json` prints their serde form).

use crate::cmd::report::rotate::render_rows;
use crate::error::Result;
use crate::ops::offboard::*;
use crate::output::{Output, Render};

impl Render for Offboarded {
    fn human(&self, out: &Output) -> Result<()> {
        if self.envs.is_empty() {
            out.note(&match &self.limited_to {
                Some(env) => format!("{} is not a recipient of `{env}`", self.recipient),
                None => format!(
                    "{} is not a recipient of any environment you can open",
                    self.recipient
                ),
            });
            self.note_exposed(out);
            return Ok(());
        }
        let (did, note) = if self.dry_run {
            ("would offboard from", "(dry run: nothing changed)")
        } else {
            ("offboarded from", "")
        };
        for p in &self.envs {
            out.note(&format!("{did} `{}`: {} {note}", p.env, self.recipient));
            render_rows(&p.keys, out)?;
            if let Some(public) = &p.verifier_key {
                out.warn(&super::verifier_key_replaced(
                    &p.env,
                    &self.recipient,
                    public,
                ));
            }
        }
        self.note_exposed(out);
        Ok(())
    }
}

impl Offboarded {
    /// The keys still exposed, per environment, each with the command that replaces it.
    fn note_exposed(&self, out: &Output) {
        let mut envs: Vec<&crate::names::EnvName> =
            self.still_exposed.iter().map(|e| &e.env).collect();
        envs.dedup();
        for env in envs {
            let older: Vec<String> = self
                .still_exposed
                .iter()
                .filter(|e| &e.env == env)
                .flat_map(|e| e.older.iter().map(move |v| format!("{} v{v}", e.name)))
                .collect();
            if let Some(first) = self
                .still_exposed
                .iter()
                .find(|e| &e.env == env && !e.older.is_empty())
            {
                out.warn(&format!(
                    "{} could read {} older version(s) in `{env}` that `verify` still accepts: {}; revoke each (`keyward revoke -e {env} {} --version {}`)",
                    self.recipient,
                    older.len(),
                    crate::text::summarize(
                        &older,
                        &format!("`keyward check -e {env} --json` lists all")
                    ),
                    first.name,
                    first.older[0]
                ));
            }
            let names: Vec<&str> = self
                .still_exposed
                .iter()
                .filter(|e| &e.env == env && e.current)
                .map(|e| e.name.as_str())
                .collect();
            let Some(first) = names.first() else {
                continue;
            };
            out.warn(&format!(
                "{} is no longer a recipient of `{env}`, but could read {} key(s) never rotated since: {}; rotate each (`keyward rotate -e {env} {first}`)",
                self.recipient,
                names.len(),
                crate::text::summarize(
                    &names,
                    &format!("`keyward check -e {env} --json` lists all")
                ),
            ));
        }
    }
}
