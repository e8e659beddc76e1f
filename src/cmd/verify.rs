//! `keyward verify`: is the presented key (on stdin) valid in this environment?

use clap::Args;

use super::Ui;
use crate::error::Result;
use crate::ops::verify::{read_presented, verify};

/// Check a presented key, read from stdin, against the environment
///
/// Exit 0 when it is an active version (or a retiring one within its grace period), 4
/// when it is known but not usable (revoked, expired, retired, or a token of another
/// environment), 3 when it is unknown. Token-format keys are checked offline by their
/// checksum first; then the SHA-256 fingerprint is looked up in an index and the value
/// compared in constant time. Prints the key's name, version, status, scopes and expiry,
/// never the key. One trailing newline on stdin is ignored.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward verify -e prod --json < token.txt\n  printf %s \"$PRESENTED\" | keyward verify -e prod"
)]
pub struct VerifyArgs {}

pub fn run(_args: VerifyArgs, ctx: &Ui) -> Result<()> {
    let presented = read_presented()?;
    let verdict = verify(ctx, &presented)?;
    ctx.out.render(&verdict)?;
    verdict.into_result()
}
