//! `keyward unlock | lock` (in progress).

use clap::Args;

use super::Context;
use crate::error::{Error, Result};

/// (in progress)
#[derive(Debug, Args)]
pub struct UnlockArgs {}
/// (in progress)
#[derive(Debug, Args)]
pub struct LockArgs {}
/// (in progress)
#[derive(Debug, Args)]
pub struct AgentArgs {}

pub fn run_unlock(_a: UnlockArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
pub fn run_lock(_a: LockArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
pub fn run_agent(_a: AgentArgs, _ctx: &Context) -> Result<()> {
    Err(Error::Other("not implemented yet".into()))
}
