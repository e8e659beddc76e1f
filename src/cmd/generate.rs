//! `keyward generate`: a new key from the OS CSPRNG, printed once.

use clap::Args;
use serde::Serialize;

use super::{Context, KeyMetaArgs};
use crate::audit::Action;
use crate::crypto::{self, DEFAULT_BYTES, DEFAULT_PREFIX, Format, GenSpec, MAX_BYTES, MIN_BYTES};
use crate::error::{Error, Result};
use crate::names::{KeyName, Prefix, loader_warning, now_ms};

/// Generate a new key and print it once
///
/// The default format is a checksummed token, `<prefix>_<env>_<30 random base62><6 base62
/// CRC32>`, which `verify` and `scan` recognise offline. Other formats take --bytes
/// (default 32, at least 16).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward generate STRIPE_KEY\n  keyward generate WEBHOOK_SECRET --format hex --bytes 32\n  keyward generate -e prod API_TOKEN --prefix acme --scope read --expires 90d --rotate-every 30d"
)]
pub struct GenerateArgs {
    /// Name of the key (letters, digits, `_`; it becomes an environment variable)
    pub name: KeyName,

    /// Value format
    #[arg(long, value_enum, default_value_t = Format::Token)]
    pub format: Format,

    /// Bytes of entropy for hex, base64url and alnum (16 to 1024)
    #[arg(long, value_name = "N")]
    pub bytes: Option<usize>,

    /// Token prefix (token format only)
    #[arg(long, value_name = "P")]
    pub prefix: Option<Prefix>,

    #[command(flatten)]
    pub meta: KeyMetaArgs,
}

#[derive(Serialize)]
struct Generated<'a> {
    env: &'a str,
    name: &'a str,
    version: u32,
    value: &'a str,
}

impl GenerateArgs {
    /// Check the flags before anything is opened: bad input is exit 2.
    pub fn spec(&self) -> Result<GenSpec> {
        if let Some(n) = self.bytes {
            if self.format == Format::Token {
                return Err(Error::usage(
                    "--bytes applies to --format hex, base64url or alnum; a token always carries 178 bits",
                ));
            }
            if n < MIN_BYTES {
                return Err(Error::usage(format!(
                    "--bytes {n} is too little entropy: at least {MIN_BYTES} bytes (128 bits)"
                )));
            }
            if n > MAX_BYTES {
                return Err(Error::usage(format!(
                    "--bytes {n} is over the limit of {MAX_BYTES}"
                )));
            }
        }
        if self.prefix.is_some() && self.format != Format::Token {
            return Err(Error::usage("--prefix applies to --format token only"));
        }
        Ok(GenSpec {
            format: self.format,
            bytes: self.bytes.unwrap_or(DEFAULT_BYTES),
            prefix: self
                .prefix
                .as_ref()
                .map(|p| p.0.clone())
                .unwrap_or_else(|| DEFAULT_PREFIX.into()),
        })
    }
}

pub fn run(args: GenerateArgs, ctx: &Context) -> Result<()> {
    let spec = args.spec()?;
    let now = now_ms();
    let expires = args.meta.expires_at(now)?;
    let mut db = ctx.write_env()?;
    let actor = ctx.actor()?;
    let value = crypto::generate(&spec, &db.env);
    let version = db.batch(|db| {
        let key = db.insert_key(&args.name, Some(&spec), &args.meta.new_key(), now)?;
        let version = db.add_version(&key, 0, &value, expires, now)?;
        db.record(
            &actor,
            Action::Generate,
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
    // Printed only once it is safely stored.
    if ctx.out.json {
        let text = String::from_utf8_lossy(value.expose());
        return ctx.out.json(&Generated {
            env: db.env.as_str(),
            name: args.name.as_str(),
            version,
            value: &text,
        });
    }
    ctx.out.note(&format!(
        "generated `{}` version {version} in `{}` (shown once; `keyward get {}` reads it again)",
        args.name, db.env, args.name
    ));
    ctx.out.secret(&value, false)
}
