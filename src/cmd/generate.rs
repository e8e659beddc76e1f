//! `keyward generate`: a new key from the OS CSPRNG, printed once.

use clap::Args;

use super::{KeyMetaArgs, Ui};
use crate::error::{Error, Result};
use crate::names::{KeyName, Prefix};
use crate::ops::issue;
use crate::token::{DEFAULT_BYTES, DEFAULT_PREFIX, Format, GenSpec, MAX_BYTES, MIN_BYTES};

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
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| DEFAULT_PREFIX.into()),
        })
    }
}

pub fn run(args: GenerateArgs, ctx: &Ui) -> Result<()> {
    let spec = args.spec()?;
    // The value is printed once: with stdout closed it would reach no one.
    super::delivery::require_stdout(true)?;
    let expires = args.meta.expires_at(ctx.now())?;
    let generated = issue::generate(ctx, args.name, spec, args.meta.new_key(), expires)?;
    // Printed only once it is safely stored; a stdout that fails now (a full disk) cannot
    // undo the commit: the error says the key exists and how to read it, so that no one
    // retries into "already exists" (docs/reference/exit-codes.md: committed, exit 1).
    ctx.out.render(&generated).map_err(|e| {
        super::delivery::committed_unprinted(
            e,
            "generate it again (it exists)",
            &generated.name,
            generated.version,
            &generated.env,
        )
    })
}
