//! How the reports of `ops::create` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::names::EnvName;
use crate::ops::create::*;
use crate::output::{Output, Render};

impl Render for VaultCreated {
    fn human(&self, out: &Output) -> Result<()> {
        let names: Vec<&str> = self.envs.iter().map(EnvName::as_str).collect();
        out.note(&format!(
            "created vault `{}` with environments {}",
            self.vault,
            names.join(", ")
        ));
        if let Some(git) = &self.git {
            out.note("the vault is inside a git work tree: ran `keyward git setup`");
            git.human(out)?;
        }
        out.note("your recipient (share it so others can grant you access):");
        out.line(&self.recipient)
    }
}

impl Render for EnvAdded {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "created environment `{}` encrypted to {} recipient(s)",
            self.env,
            self.recipients.len()
        ));
        Ok(())
    }
}
