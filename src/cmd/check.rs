//! `keyward check` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn run(_args: CheckArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
