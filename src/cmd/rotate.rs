//! `keyward rotate` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct RotateArgs {}

pub fn run(_args: RotateArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
