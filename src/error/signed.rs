//! Errors of signed writes (DESIGN §15), a group of [`Error`](super::Error) (each with
//! its exit code): who may write, whether a history's signatures hold, the trust root.

use crate::codes::Role;
use crate::names::EnvName;

#[derive(Debug, thiserror::Error)]
pub enum SignedError {
    /// The identity in use has no signing key (an `ssh-rsa` key, a plugin identity
    /// without its signing key file): it may read, not write.
    #[error("this identity cannot sign a change: {why}")]
    CannotSign { why: String },
    /// A hardware identity's signing key file is not a key `keyward identity
    /// signing-key` made: not passphrase-protected, or damaged. A local file, never in
    /// the vault's git (5: the key cannot be used).
    #[error(
        "the signing key `{}` {why}: it is not a passphrase-protected key made by `keyward identity signing-key`\nhint: restore it from your own backup; or move it away, run `keyward identity signing-key` for a new one, and have an admin grant your new member card (`keyward identity show`)",
        path.display()
    )]
    SigningKeyUnusable {
        path: std::path::PathBuf,
        why: String,
    },
    /// The passphrase given for a hardware identity's signing key does not open it.
    #[error(
        "wrong passphrase for the signing key `{}`\nhint: it is the passphrase given to `keyward identity signing-key`; check KEYWARD_PASSPHRASE_FILE / KEYWARD_PASSPHRASE, which are read before the prompt",
        path.display()
    )]
    SigningKeyWrongPassphrase { path: std::path::PathBuf },
    /// A signature, a binding or a role does not hold somewhere in the history, or the
    /// rows are not the state the last writer signed.
    #[error(
        "the signed history of `{env}` does not verify: {}\nhint: nothing was changed; restore the file from git (the last commit `keyward audit verify --git -e {env}` accepts), and tell the environment's admins",
        crate::text::escape(.detail)
    )]
    BadSignature { env: EnvName, detail: String },
    /// The writer's role does not allow the change.
    #[error(
        "{who} may not {what} in `{env}`: {has}; that needs the `{needs}` role\nhint: ask an admin of `{env}` (`keyward access list -e {env}` shows the roles)"
    )]
    NotAllowed {
        env: EnvName,
        who: String,
        has: String,
        what: String,
        needs: Role,
    },
    /// The change would leave no admin (nobody could grant or remove access again).
    #[error(
        "this change would leave `{env}` without an admin\nhint: make another member an admin first: `keyward access grant -e {env} --role admin WHO`"
    )]
    NoAdminLeft { env: EnvName },
    /// The history's trust root is not the one this machine was told to expect.
    #[error(
        "the trust root of `{env}` is {found}, not the expected {expected}: its history is not the one you pinned (a rewritten or foreign repository, or another environment's root)\nhint: nothing was read or changed; compare with `keyward trust root -e {env}` on a machine you trust"
    )]
    TrustRootMismatch {
        env: EnvName,
        expected: String,
        found: String,
    },
    /// A new vault at the path of one pinned here, whose environment is signed under
    /// another root: a rewritten repository cloned again is not a first use.
    #[error(
        "the vault at this path was replaced, and `{env}` in it is signed under the trust root {found}, not {expected} as the vault seen here before: a new clone of a rewritten or foreign repository is not a first use\nhint: nothing was read or changed; compare with `keyward trust root -e {env}` on a machine you trust, and if the vault was replaced on purpose, accept it after review with `keyward trust -e {env} --reason TEXT`"
    )]
    ReplacedUnderAnotherRoot {
        env: EnvName,
        expected: String,
        found: String,
    },
    /// A trust root is required but the environment's history is not signed yet.
    #[error(
        "`{env}` has no signed history, so it cannot match the trust root {expected}\nhint: an admin's next write signs it (`keyward check -e {env}` reports `unsigned-history` until then)"
    )]
    Unsigned { env: EnvName, expected: String },
    /// `KEYWARD_TRUST_ROOT` / `--trust-root` that is no fingerprint.
    #[error(
        "{} is not a trust root fingerprint (at least 32 hex digits, as `keyward trust root` prints it); leave KEYWARD_TRUST_ROOT unset to trust on first use",
        crate::text::shown(given)
    )]
    BadTrustRoot { given: String },
}

impl SignedError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            SignedError::CannotSign { .. }
            | SignedError::SigningKeyUnusable { .. }
            | SignedError::SigningKeyWrongPassphrase { .. }
            | SignedError::NotAllowed { .. } => 5,
            SignedError::BadSignature { .. }
            | SignedError::TrustRootMismatch { .. }
            | SignedError::ReplacedUnderAnotherRoot { .. }
            | SignedError::Unsigned { .. } => 6,
            SignedError::NoAdminLeft { .. } | SignedError::BadTrustRoot { .. } => 2,
        }
    }
}
