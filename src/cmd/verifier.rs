//! `keyward verifier`: verifier sets for services (DESIGN §13).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ui;
use crate::error::Result;
use crate::ops::verifier::{Check, Export, SetFormat, parse_pubkey};
use crate::verifier::{Pinned, PublicKey};

/// Export hash-only verifier sets, so services check presented keys without the vault
///
/// A set lists, for every version `keyward verify` accepts now (active, or retiring
/// within its grace; not expired), the SHA-256 of its value (HMAC-SHA-256 with
/// --hmac-key-file), its key name, version, status, scopes and `not_after` — never a
/// value. Revoked, retired and expired versions are absent. Each set carries a serial
/// (it grows with every change to the environment, and stays above every earlier set
/// after `trust` of an earlier state) and its generation time.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward verifier export -e prod -o prod.kwset\n  keyward verifier export -e prod --format sql | psql -v ON_ERROR_STOP=1\n  keyward verifier export -e prod --format redis | redis-cli --pipe\n  keyward verifier pubkey -e prod\n  printf %s \"$PRESENTED\" | keyward verifier check --set prod.kwset --pubkey ed25519:…"
)]
pub struct VerifierArgs {
    #[command(subcommand)]
    pub command: VerifierCommand,
}

#[derive(Debug, Subcommand)]
pub enum VerifierCommand {
    /// Write the environment's verifier set (sqlite, sql, redis or jsonl)
    ///
    /// sqlite (the default) and jsonl sets are signed with the environment's Ed25519
    /// verifier key, created by the first export (a lifecycle event). sql is one
    /// transaction for `psql` that replaces the set atomically and refuses an older
    /// serial; redis is commands for `redis-cli --pipe`, one key per hash expiring at its
    /// `not_after`, switched in atomically. A file given with -o is replaced through a
    /// temp file and rename, never inside the vault. An export whose serial would not be
    /// above a set this machine already exported is refused (exit 6). Every export is
    /// recorded in the audit trail.
    #[command(
        after_help = "Examples:\n  keyward verifier export -e prod -o /srv/keys/prod.kwset\n  keyward verifier export -e prod --format jsonl -o prod.jsonl\n  keyward verifier export -e prod --format sql --hmac-key-file hmac.key > prod.sql"
    )]
    Export {
        /// Output format
        #[arg(long, value_enum, default_value = "sqlite")]
        format: SetFormat,
        /// Write to FILE (replaced atomically) instead of stdout; `-` is stdout
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
        /// Hash with HMAC-SHA-256 under the key in FILE (at least 32 random bytes:
        /// `head -c 32 /dev/urandom`); required when the set would hold imported keys,
        /// whose values may be guessable
        #[arg(long, value_name = "FILE")]
        hmac_key_file: Option<PathBuf>,
    },
    /// Print the environment's verifier public key, for services to pin
    #[command(after_help = "Examples:\n  keyward verifier pubkey -e prod")]
    Pubkey,
    /// Check a presented key (stdin) against a set file alone: no identity, no vault
    ///
    /// What a service does: the set's signature is checked (against --pubkey when
    /// given), then the key's hash is looked up and its `not_after` compared with now.
    /// Exit codes as `keyward verify`: 0 valid, 4 rejected (expired since the set was
    /// made, another environment's token, malformed), 3 unknown (also revoked, retired
    /// or expired when the set was made); 6 when the set is damaged, edited, signed by
    /// another key, older than --min-serial, or of another environment than the one
    /// given with -e or KEYWARD_ENV (without either, the set's own is answered for).
    #[command(
        after_help = "Examples:\n  keyward verifier check --set prod.kwset --pubkey ed25519:… --json < presented.txt\n  printf %s \"$PRESENTED\" | keyward verifier check --set prod.kwset --min-serial 40"
    )]
    Check {
        /// The set file (sqlite or jsonl)
        #[arg(long, value_name = "FILE")]
        set: PathBuf,
        /// The public key the set must be signed by (`keyward verifier pubkey`)
        #[arg(long, value_name = "KEY", value_parser = parse_pubkey)]
        pubkey: Option<PublicKey>,
        /// Refuse a set with a lower serial (one older than a set already seen)
        #[arg(long, value_name = "N")]
        min_serial: Option<i64>,
        /// The HMAC key an hmac-sha256 set was exported with
        #[arg(long, value_name = "FILE")]
        hmac_key_file: Option<PathBuf>,
    },
}

pub fn run(args: VerifierArgs, ctx: &Ui) -> Result<()> {
    match args.command {
        VerifierCommand::Export {
            format,
            out,
            hmac_key_file,
        } => {
            let hmac_key = hmac_key_file
                .as_deref()
                .map(crate::verifier::hmac_key_file_for_export)
                .transpose()?;
            let exported = crate::ops::verifier::export(
                ctx,
                Export {
                    format,
                    out,
                    hmac_key,
                },
            )?;
            // On stdout the set is the data; the report is a note on stderr.
            if exported.out.is_none() {
                return crate::output::Render::human(&exported, &ctx.out);
            }
            ctx.out.render(&exported)
        }
        VerifierCommand::Pubkey => ctx.out.render(&crate::ops::verifier::pubkey(ctx)?),
        VerifierCommand::Check {
            set,
            pubkey,
            min_serial,
            hmac_key_file,
        } => {
            let hmac_key = hmac_key_file
                .as_deref()
                .map(crate::verifier::hmac_key_file)
                .transpose()?;
            let presented = crate::ops::verify::read_presented()?;
            let checked = crate::ops::verifier::check(
                ctx,
                Check {
                    set,
                    pinned: Pinned {
                        pubkey,
                        min_serial,
                        hmac_key,
                    },
                },
                presented.expose(),
            )?;
            ctx.out.render(&checked)?;
            checked.into_result()
        }
    }
}
