//! How the reports of `ops::import` are shown to people (`--json` prints their serde form).

use crate::error::Result;
use crate::ops::import::*;
use crate::output::{Output, Render};

impl Render for ImportReport {
    fn human(&self, out: &Output) -> Result<()> {
        match self {
            ImportReport::One(done) => done.human(out),
            ImportReport::Many(done) => done.iter().try_for_each(|d| d.human(out)),
            ImportReport::Plan(plan) => plan.human(out),
        }
    }
}

impl Render for Imported {
    fn human(&self, out: &Output) -> Result<()> {
        out.note(&format!(
            "imported {} key(s) into `{}`: {} new, {} new version(s)",
            self.added + self.updated,
            self.env,
            self.added,
            self.updated
        ));
        Ok(())
    }
}

impl Render for ImportPlan {
    fn human(&self, out: &Output) -> Result<()> {
        let rows = self
            .keys
            .iter()
            .map(|k| {
                vec![
                    k.env.to_string(),
                    k.name.to_string(),
                    k.source.clone(),
                    match k.action {
                        "create" => "create".to_owned(),
                        a => format!("{a} (v{})", k.version),
                    },
                ]
            })
            .collect();
        out.table(&["ENV", "NAME", "SOURCE", "ACTION"], rows)?;
        let overwrite = self.keys.iter().filter(|k| k.action != "create").count();
        out.note(&format!(
            "dry run: {} key(s) would be imported ({} new, {overwrite} new version(s)); nothing was changed",
            self.keys.len(),
            self.keys.len() - overwrite
        ));
        Ok(())
    }
}
