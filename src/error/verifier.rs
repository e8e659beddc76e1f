//! Errors of verifier, a group of [`Error`](super::Error) (each with its exit code).

use std::path::PathBuf;

use crate::names::EnvName;

#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// DESIGN §13: a bare hash of an imported value may be guessed back.
    #[error(
        "`{env}` holds imported keys ({names}): their values may be guessable, so a set of bare SHA-256 hashes could give them away; nothing was exported\nhint: `keyward verifier export -e {env} --hmac-key-file FILE` (32 random bytes your services also hold: `head -c 32 /dev/urandom > FILE`)"
    )]
    VerifierNeedsHmac { env: EnvName, names: String },
    /// A verifier set that is damaged, edited or not a set at all.
    #[error(
        "verifier set `{path}` cannot be trusted: {detail}\nhint: use the file `keyward verifier export` wrote, unchanged"
    )]
    VerifierSetInvalid { path: PathBuf, detail: String },
    /// Signed by another key than the one pinned.
    #[error(
        "verifier set `{path}` is signed by {signer}, not by the pinned {pinned}\nhint: `keyward verifier pubkey -e ENV` prints the key of the environment the set should come from"
    )]
    VerifierWrongKey {
        path: PathBuf,
        signer: String,
        pinned: String,
    },
    /// A set older than the service requires (an earlier state of the environment).
    #[error(
        "verifier set `{path}` has serial {serial}, older than the {required} required\nhint: export a current set: `keyward verifier export`"
    )]
    VerifierSetStale {
        path: PathBuf,
        serial: i64,
        required: i64,
    },
    /// An HMAC set checked without its key.
    #[error(
        "verifier set `{path}` holds HMAC-SHA-256 hashes\nhint: give the key it was exported with: --hmac-key-file FILE"
    )]
    VerifierHmacKeyNeeded { path: PathBuf },
    /// An HMAC set checked with another key.
    #[error(
        "verifier set `{path}` was exported with another HMAC key than the one given\nhint: give the key file it was exported with"
    )]
    VerifierHmacKeyMismatch { path: PathBuf },
    /// A plain SHA-256 set checked with an HMAC key: a downgrade, refused.
    #[error(
        "verifier set `{path}` holds plain SHA-256 hashes, not HMAC-SHA-256 under the key given\nhint: export it with the key your services hold: `keyward verifier export --hmac-key-file FILE`"
    )]
    VerifierSetNotHmac { path: PathBuf },
    /// `verifier pubkey` before the first export made the key.
    #[error(
        "`{env}` has no verifier key yet\nhint: the first `keyward verifier export -e {env}` creates it"
    )]
    VerifierNoKey { env: EnvName },
    /// An export whose serial would not be above a set this machine already exported
    /// (DESIGN §13): services keep the highest serial they loaded, so they would refuse
    /// it, or (at the same serial) take it in place of a set with other contents.
    #[error(
        "a verifier set of `{env}` would have serial {serial}, but this machine already exported serial {exported} (a later or diverging state); services would refuse it or mix the two\nhint: export from the state that published serial {exported} (pull or merge it); if this state is the one to publish from now on, `keyward trust -e {env} --reason TEXT` makes its sets continue above {exported}"
    )]
    VerifierSerialBehind {
        env: EnvName,
        serial: i64,
        exported: i64,
    },
    /// This machine's record of the serials it exported (`<env>.sets.json` beside the
    /// pins) does not read. Removing it would let an export go below a published serial.
    #[error(
        "`{}`, this machine's record of the verifier sets it exported for `{env}`, is corrupt: {detail}; it is not reset silently\nhint: it keeps exports above the serial services already hold. Note the serial your services loaded last, remove the file, and export again: services refuse a set below that serial, so check the new one is above it", path.display()
    )]
    ExportRecordCorrupt {
        env: EnvName,
        path: PathBuf,
        detail: String,
    },
    /// `verifier check -e ENV` given a set of another environment.
    #[error(
        "verifier set `{path}` is the set of environment `{set_env}`, not of `{env}` (the one given with -e or KEYWARD_ENV); nothing was looked up\nhint: check against the set `keyward verifier export -e {env}` wrote"
    )]
    VerifierOtherEnv {
        path: PathBuf,
        set_env: String,
        env: EnvName,
    },
}

impl VerifierError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            VerifierError::VerifierNeedsHmac { .. }
            | VerifierError::VerifierHmacKeyNeeded { .. }
            | VerifierError::VerifierHmacKeyMismatch { .. }
            | VerifierError::VerifierSetNotHmac { .. } => 2,
            VerifierError::VerifierNoKey { .. } => 3,
            VerifierError::VerifierSetInvalid { .. }
            | VerifierError::VerifierWrongKey { .. }
            | VerifierError::VerifierSetStale { .. }
            | VerifierError::VerifierSerialBehind { .. }
            | VerifierError::ExportRecordCorrupt { .. }
            | VerifierError::VerifierOtherEnv { .. } => 6,
        }
    }
}
