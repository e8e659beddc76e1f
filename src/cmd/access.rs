//! `keyward access` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct AccessArgs {}

pub fn run(_args: AccessArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
