//! Asking a person before a destructive change (DESIGN §14): what will change is shown
//! and the question asked on a terminal; `--yes` skips it; without a terminal the
//! command needs `--yes` (exit 2); a refused question is exit 2 and changes nothing.

use std::io::IsTerminal;

use super::Ui;
use crate::error::{Error, Result};
use crate::ops::{Confirmation, Destructive};
use crate::output::Output;

/// The one way a destructive operation runs: ask (unless `yes`), then apply.
pub fn confirm_and_apply<P: Destructive>(ctx: &Ui, mut plan: P, yes: bool) -> Result<P::Done> {
    if !yes && let Some(c) = plan.ask(ctx)? {
        confirm(&ctx.out, &c)?;
    }
    plan.apply(ctx)
}

/// Show what will change and ask on a terminal. Without a terminal: exit 2 naming the
/// command with `--yes`. A refused question is [`Error::Cancelled`] (exit 2).
pub fn confirm(out: &Output, c: &Confirmation) -> Result<()> {
    let needs_yes = || Error::ConfirmationNeeded {
        what: c.what.clone(),
        command: c.command.clone(),
    };
    if !std::io::stdin().is_terminal() {
        return Err(needs_yes());
    }
    // Shown even with -q: a question without what it is about cannot be answered.
    for line in &c.lines {
        eprintln!("{}", crate::text::escape_lines(line));
    }
    for w in &c.warnings {
        out.warn(w);
    }
    match crate::input::confirm(&format!("{}?", c.what)) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::Cancelled),
        Err(Error::NeedsYes) => Err(needs_yes()),
        Err(e) => Err(e),
    }
}
