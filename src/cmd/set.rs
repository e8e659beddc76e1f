//! `keyward set`: store a key issued elsewhere, its value read from stdin.

use clap::Args;

use super::{Context, KeyMetaArgs};
use crate::audit::Action;
use crate::crypto;
use crate::error::Result;
use crate::names::{KeyName, loader_warning, now_ms};

/// Store a key issued elsewhere; the value is read from stdin (or a hidden prompt)
///
/// The value is taken byte for byte: `printf %s "$V" | keyward set NAME` stores no
/// trailing newline, `echo` would store one. There is no flag that takes a value: argv
/// is visible to every user of the machine and lands in shell history.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward set OPENAI_API_KEY            # hidden prompt\n  printf %s \"$TOKEN\" | keyward set -e prod GITHUB_TOKEN --expires 2027-01-01\n  keyward set DB_PASSWORD --note 'rotated by DBA' < secret.txt"
)]
pub struct SetArgs {
    /// Name of the key (letters, digits, `_`; it becomes an environment variable)
    pub name: KeyName,

    #[command(flatten)]
    pub meta: KeyMetaArgs,
}

pub fn run(args: SetArgs, ctx: &Context) -> Result<()> {
    let now = now_ms();
    let expires = args.meta.expires_at(now)?;
    ctx.paths.require()?;
    let value = crypto::read_value(&format!("Value for {}: ", args.name))?;
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let version = db.batch(|db| {
        let key = db.insert_key(&args.name, None, &args.meta.new_key(), now)?;
        let version = db.add_version(&key, 0, &value, expires, now)?;
        db.record(
            &actor,
            Action::Set,
            Some(args.name.as_str()),
            Some(version),
            None,
            now,
        )?;
        Ok(version)
    })?;
    db.commit()?;
    if let Some(w) = loader_warning(&args.name) {
        ctx.out.warn(&w);
    }
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "env": db.env, "name": args.name, "version": version,
        }));
    }
    ctx.out.note(&format!(
        "stored `{}` version {version} in `{}`",
        args.name, db.env
    ));
    Ok(())
}
