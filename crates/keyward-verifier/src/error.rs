//! Everything that can go wrong opening a set, reading an HMAC key or writing a set.
//!
//! One variant per situation, carrying the path a service needs to say which file. A
//! refused *key* is not an error: it is an [`Answer`](crate::Answer). An error means the
//! set itself cannot be trusted (or read), so a service should keep answering from the
//! set it already holds, or refuse everything — never accept on an error.
//!
//! The enum is deliberately not `#[non_exhaustive]`: the keyward CLI maps each variant to
//! its own exit code in a `match` the compiler checks, so a new situation cannot slip
//! through as a generic failure.

use std::path::PathBuf;

use crate::keys::{MAX_HMAC_KEY_FILE, MIN_HMAC_KEY, PublicKey};

/// Why a set (or a key for it) was refused or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The set or key file does not exist.
    #[error("no file `{}`", path.display())]
    NotFound { path: PathBuf },
    /// The set or key file exists but cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Damaged, edited after signing, of an unknown format, or not a set at all.
    #[error("verifier set `{}` cannot be trusted: {detail}", path.display())]
    SetInvalid { path: PathBuf, detail: String },
    /// Validly signed, but by another key than the one pinned: a set of another
    /// environment, or a forgery.
    #[error("verifier set `{}` is signed by {signer}, not by the pinned {pinned}", path.display())]
    WrongKey {
        path: PathBuf,
        signer: PublicKey,
        pinned: PublicKey,
    },
    /// Older than the serial required: an earlier state of the environment, which may
    /// still list a key revoked since (a rollback).
    #[error(
        "verifier set `{}` has serial {serial}, older than the {required} required",
        path.display()
    )]
    SetStale {
        path: PathBuf,
        serial: i64,
        required: i64,
    },
    /// An `hmac-sha256` set opened without an HMAC key.
    #[error("verifier set `{}` holds HMAC-SHA-256 hashes: give the key it was exported with", path.display())]
    HmacKeyNeeded { path: PathBuf },
    /// An `hmac-sha256` set opened with another HMAC key than the one it was made with.
    #[error("verifier set `{}` was exported with another HMAC key than the one given", path.display())]
    HmacKeyMismatch { path: PathBuf },
    /// A plain `sha256` set opened with an HMAC key: a downgrade. A service given a key
    /// was set up for HMAC sets (as it must be once an environment has imported keys,
    /// whose bare SHA-256 can be guessed back), so a set without one is refused, never
    /// answered from.
    #[error("verifier set `{}` holds plain SHA-256 hashes, not HMAC-SHA-256 under the key given", path.display())]
    HmacKeyNotUsed { path: PathBuf },
    /// An HMAC key shorter than [`MIN_HMAC_KEY`] bytes.
    #[error("an HMAC key has at least {MIN_HMAC_KEY} bytes")]
    HmacKeyTooShort,
    /// The same, read from a file.
    #[error("the HMAC key in `{}` is shorter than {MIN_HMAC_KEY} bytes", path.display())]
    HmacKeyFileTooShort { path: PathBuf },
    /// A key file longer than any key: probably the wrong file.
    #[error(
        "the HMAC key file `{}` is longer than {} KiB; is it the right file?",
        path.display(),
        MAX_HMAC_KEY_FILE / 1024
    )]
    HmacKeyFileTooLong { path: PathBuf },
    /// Not `ed25519:` and 64 hex digits of a valid Ed25519 point.
    #[error(
        "a verifier public key is `ed25519:` and 64 hex digits, as `keyward verifier pubkey` prints it"
    )]
    BadPublicKey,
    /// Writing an SQLite set failed (in memory: only resource errors).
    #[error("cannot write the set as SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing a JSON-lines set failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What the crate's functions return.
pub type Result<T, E = Error> = std::result::Result<T, E>;
