//! `keyward import` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct ImportArgs {}

pub fn run(_args: ImportArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
