//! `keyward revoke` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct RevokeArgs {}

pub fn run(_args: RevokeArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
