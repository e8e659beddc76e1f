//! How the reports of `scan::report` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::output::{Output, Render};
use crate::scan::report::*;

impl Render for ScanReport {
    fn human(&self, out: &Output) -> Result<()> {
        for f in &self.findings {
            let what = match (&f.name, f.version, f.status.as_str()) {
                (Some(n), Some(v), _) => format!("{}/{n} v{v} ({})", f.env, f.status),
                // DESIGN §16: said with certainty, from the recipient it derives.
                (_, _, "vault-identity") => format!(
                    "an identity of this vault: it decrypts {} (offboard its recipient to rotate what it could read)",
                    f.env
                        .split(',')
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (_, _, "access-journal") => format!(
                    "the access journal of `{}` is staged: a pull of it would replace each teammate's own journal (`git rm -r --cached` it; `.gitignore` keeps it out)",
                    f.env
                ),
                (_, _, "age-identity") => {
                    "an age identity (not a recipient of an environment this identity opens)"
                        .to_owned()
                }
                _ => format!("unknown keyward token of environment `{}`", f.env),
            };
            // `line` escapes control characters: a file name holding a newline or an
            // escape sequence cannot forge or hide a finding (JSON keeps it exact).
            let encoding = f
                .encoding
                .map(|e| format!(" (as {} text)", e.to_uppercase()))
                .unwrap_or_default();
            out.line(&format!(
                "{}:{}:{}: {what} {}{encoding}",
                f.path, f.line, f.column, f.masked
            ))?;
        }
        Ok(())
    }
}
