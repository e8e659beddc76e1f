//! `keyward get`: print one active value, after recording the access.

use clap::Args;

use super::Context;
use crate::audit::Access;
use crate::error::Result;
use crate::names::{KeyName, now_ms};

/// Print a key's active value
///
/// Revoked, expired and retired versions are refused (exit 4) and nothing is printed.
/// The access is recorded in the audit journal before the value is printed; if it
/// cannot be recorded, nothing is printed.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward get STRIPE_KEY\n  keyward get -e prod STRIPE_KEY -n | pbcopy\n  curl -H \"Authorization: Bearer $(keyward get API_TOKEN)\" …"
)]
pub struct GetArgs {
    /// Name of the key
    pub name: KeyName,

    /// A specific version (it must still be active)
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Print no trailing newline
    #[arg(short = 'n', long)]
    pub no_newline: bool,
}

pub fn run(args: GetArgs, ctx: &Context) -> Result<()> {
    let env = ctx.open_env()?;
    let (_, version, value) = env.usable_value(&args.name, args.version, now_ms())?;
    // DESIGN §5: journal before release.
    ctx.audit(
        &env,
        Access::Get,
        Some(&args.name),
        Some(version.version),
        "ok",
    )?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "env": env.env,
            "name": args.name,
            "version": version.version,
            "value": String::from_utf8_lossy(value.expose()),
        }));
    }
    ctx.out.secret(&value, args.no_newline)
}
