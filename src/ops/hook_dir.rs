//! Where a rotation hook runs (DESIGN §16): a command such as `./scripts/roll-stripe.sh`
//! means the same script whether `rotate` runs from the repository's top, from `vault/`
//! or from anywhere else. For a vault in a git work tree, hooks run from the tree's top
//! (the same on every clone); for one outside, from the directory recorded on this
//! machine when the hook was set or approved (else where keyward runs).

use std::path::PathBuf;

use crate::error::Result;
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
use crate::vault::approvals::Approvals;

/// What to record with an approval made here: `None` in a work tree (its top is the
/// rule), else the directory the person is in.
pub fn to_record(ctx: &Context) -> Option<PathBuf> {
    if crate::vault::discover::work_tree_top(&ctx.paths.root).is_some() {
        return None;
    }
    std::env::current_dir().ok()
}

/// The directory `name`'s hook runs in; `None`: where keyward runs.
pub fn of(ctx: &Context, env: &EnvName, name: &KeyName) -> Result<Option<PathBuf>> {
    if let Some(top) = crate::vault::discover::work_tree_top(&ctx.paths.root) {
        return Ok(Some(top));
    }
    Approvals::of(&ctx.paths, env)?.dir(name)
}
