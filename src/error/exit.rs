//! The one mapping from errors to exit codes (DESIGN §6), and the constructors every
//! layer uses.

use std::path::PathBuf;

use super::Error;

/// Exit codes, DESIGN §6. The man page's EXIT STATUS section is built from this table.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success; nothing found"),
    (1, "any other error"),
    (2, "usage error: bad flag, name, duration or date"),
    (3, "not found: vault, environment, key or version"),
    (
        4,
        "key not usable: revoked or expired; verify rejected the key; run --strict would leave a key out",
    ),
    (
        5,
        "unlock failed: no identity, wrong passphrase, not a recipient",
    ),
    (
        6,
        "integrity: corrupt or tampered file, broken audit chain, unsafe vault permissions or a symlink in the vault",
    ),
    (7, "busy: lock not obtained within the timeout"),
    (
        8,
        "findings: check found keys needing attention, scan found leaks",
    ),
    (126, "run: the command was found but cannot be executed"),
    (127, "run: the command was not found"),
];

/// Age's own messages contain Unicode isolation marks; describe errors by variant.
pub fn describe_age(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::DecryptionFailed => "decryption failed (payload damaged)".into(),
        age::DecryptError::ExcessiveWork { required, .. } => {
            format!("excessive scrypt work factor {required}")
        }
        age::DecryptError::InvalidHeader => "not a valid age file (bad header)".into(),
        age::DecryptError::InvalidMac => "age header MAC does not match".into(),
        age::DecryptError::Io(io) => format!("not a complete age file ({})", io.kind()),
        age::DecryptError::KeyDecryptionFailed => "key decryption failed".into(),
        age::DecryptError::NoMatchingKeys => "no matching identity".into(),
        age::DecryptError::UnknownFormat => "unknown age format version".into(),
        _ => "age decryption error".into(),
    }
}

impl Error {
    /// The only mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::NeedsYes | Error::Cancelled => 2,
            Error::ConfirmationNeeded { .. } => 2,
            Error::ChangedWhileAsked { .. } => 1,
            Error::VaultNotFound { .. }
            | Error::EnvNotFound { .. }
            | Error::EnvNotFoundSimilar { .. }
            | Error::KeyNotFound { .. }
            | Error::VersionNotFound { .. }
            | Error::UnknownPresentedKey { .. }
            | Error::FileNotFound { .. } => 3,
            Error::Unusable { .. } | Error::Rejected(_) | Error::Reissue { .. } => 4,
            Error::NoIdentity { .. }
            | Error::WrongPassphrase { .. }
            | Error::NoPassphrase { .. }
            | Error::IdentityPermissions { .. }
            | Error::BadIdentity { .. }
            | Error::NotARecipient { .. }
            | Error::Unreadable { .. } => 5,
            Error::Corrupt { .. }
            | Error::CorruptDb { .. }
            | Error::UnsafeVaultPath { .. }
            | Error::UnrelatedEnv { .. }
            | Error::FromBeforeRemoval { .. }
            | Error::Rewound { .. }
            | Error::PinCorrupt { .. }
            | Error::PinUnsafe { .. }
            | Error::BrokenChain { .. }
            | Error::FollowCursorLost { .. }
            | Error::CursorCorrupt { .. } => 6,
            Error::Busy { .. } | Error::CursorBusy { .. } => 7,
            Error::Findings(_) => 8,
            Error::PartlyDone { failed, .. } => failed.exit_code(),
            Error::RefusalNotRecorded { refused, .. } => refused.exit_code(),
            Error::AuditLogFailed { .. }
            | Error::AuditLogAfterCommit { .. }
            | Error::PinAfterCommit { .. } => 1,
            Error::ChildExit(code) => *code,
            Error::BrokenPipe => 0,
            Error::CommandNotFound { .. } => 127,
            Error::CommandNotExecutable { .. } => 126,
            Error::ExportJsonConflict { .. } => 2,
            Error::KeyFilesOnDisk { .. } | Error::KeyFilesDirUnsafe { .. } => 1,
            Error::InTemplate { source, .. } => source.exit_code(),
            Error::TemplateInvalid { .. } => 1,
            Error::NewerFormat { .. }
            | Error::Refused(_)
            | Error::LoaderVariable { .. }
            | Error::ValueIsReference { .. }
            | Error::ValueHasLineBreak { .. }
            | Error::FirstUseWrite { .. }
            | Error::NotUtf8 { .. }
            | Error::StdoutClosed
            | Error::NotDelivered { .. }
            | Error::OutputNotDelivered
            | Error::Io { .. }
            | Error::Failed { .. }
            | Error::Internal(_)
            | Error::NoHomeDir
            | Error::InvalidStoredRecipient { .. }
            | Error::Agent { .. }
            | Error::KeyExists { .. }
            | Error::RenameTargetExists { .. }
            | Error::ChangedMeanwhile { .. }
            | Error::EnvReplacedMeanwhile { .. }
            | Error::EnvLeftAside { .. }
            | Error::ImportDuplicate { .. }
            | Error::ImportExists { .. }
            | Error::ImportInvalid { .. }
            | Error::OffboardSelf { .. }
            | Error::OnlyRecipient { .. }
            | Error::VaultExists { .. }
            | Error::VaultDirNotEmpty { .. }
            | Error::EnvExists { .. }
            | Error::NoSuchRecipient { .. }
            | Error::LastRecipient { .. }
            | Error::RevokingYourself { .. }
            | Error::EmptyValue
            | Error::ValueWithNul
            | Error::ValueTooLong
            | Error::OutputExists { .. }
            | Error::OutputIsSymlink { .. }
            | Error::OutputThroughLink { .. }
            | Error::NotAFile { .. }
            | Error::PassphrasesDiffer
            | Error::NothingToUnlock { .. }
            | Error::LiteralNeedsNoUnlock
            | Error::NoRecipients { .. }
            | Error::ScanIncomplete { .. } => 1,
            Error::Git(e) => e.exit_code(),
            Error::Plugin(e) => e.exit_code(),
            Error::Hook(e) => e.exit_code(),
            Error::Verifier(e) => e.exit_code(),
            Error::Journal(e) => e.exit_code(),
            Error::Clock(e) => e.exit_code(),
            Error::Import(e) => e.exit_code(),
            Error::Signed(e) => e.exit_code(),
            Error::Team(e) => e.exit_code(),
        }
    }

    /// Whether `lib::run` should print this error (some carry only an exit code).
    pub fn is_silent(&self) -> bool {
        matches!(
            self,
            Error::ChildExit(_)
                | Error::BrokenPipe
                | Error::Findings(_)
                | Error::Team(crate::error::TeamError::CompletionLocked)
        )
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            return Error::BrokenPipe;
        }
        Error::Io {
            action,
            path,
            source,
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}
