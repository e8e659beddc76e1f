//! Every error's message and exit code, by example.
use super::*;
use crate::codes::Action;
use crate::codes::Status;

/// One of each situation the user can meet, with the names it carries.
fn samples() -> Vec<Error> {
    let (k, e, p) = (
        || "STRIPE_KEY".parse::<KeyName>().unwrap(),
        || "prod".parse::<EnvName>().unwrap(),
        || PathBuf::from("/v/envs/prod.db.age"),
    );
    vec![
        Error::VaultNotFound { path: p() },
        Error::EnvNotFound { env: e() },
        Error::EnvNotFoundSimilar {
            env: e(),
            similar: vec!["prod-eu".parse().unwrap()],
        },
        Error::KeyNotFound {
            name: k(),
            env: e(),
            similar: vec![k()],
            elsewhere: vec!["dev".parse().unwrap()],
        },
        Error::VersionNotFound {
            name: k(),
            env: e(),
            version: 3,
        },
        Error::UnknownPresentedKey { env: e() },
        Error::FileNotFound { path: p() },
        Error::Unusable {
            name: k(),
            env: e(),
            version: 2,
            status: Status::Expired,
            at: Some(0),
            reason: None,
        },
        Error::WrongPassphrase { path: p() },
        Error::NoPassphrase { path: p() },
        Error::IdentityPermissions {
            path: p(),
            mode: 0o644,
        },
        Error::NotARecipient { env: e() },
        Error::Corrupt {
            path: p(),
            detail: "payload damaged".into(),
        },
        Error::CorruptDb {
            detail: "column `x` holds Text".into(),
        },
        Error::UnsafeVaultPath {
            path: p(),
            why: "is a symlink".into(),
        },
        Error::Team(crate::error::TeamError::VaultMoved {
            top: p(),
            found: p(),
            known: vec![p()],
        }),
        Error::PinAfterCommit {
            env: e(),
            detail: "No space left on device".into(),
        },
        Error::BrokenChain {
            env: e(),
            chain: crate::codes::Chain::Lifecycle,
            seq: 4,
            detail: "edited".into(),
        },
        Error::Busy { env: e(), secs: 10 },
        Error::EnvExists { env: e() },
        Error::LastRecipient { env: e() },
        Error::NewerFormat {
            path: p(),
            found: 2,
            supported: 1,
        },
        Error::EmptyValue,
        Error::ValueWithNul,
        Error::ValueTooLong,
        Error::OutputExists { path: p() },
        Error::OutputIsSymlink { path: p() },
        Error::NotAFile { path: p() },
        Error::PassphrasesDiffer,
        Error::NothingToUnlock { path: p() },
        Error::LiteralNeedsNoUnlock,
        Error::NoRecipients { env: e() },
        Error::ScanIncomplete {
            unreadable: vec!["a: denied".into(), "b: denied".into()],
        },
        Error::Git(crate::error::GitError::GitFailed {
            args: "diff --cached".into(),
            detail: "not a git repository".into(),
        }),
        Error::Git(crate::error::GitError::VaultNotInGit { path: p() }),
        Error::Git(crate::error::GitError::GitSetupNotInGit { path: p() }),
        Error::Git(crate::error::GitError::GitSetupFailed {
            args: "config --local diff.keyward.textconv".into(),
            detail: "could not lock config file".into(),
        }),
        Error::Git(crate::error::GitError::GitMergeRefused {
            env: e(),
            why: "THEIRS's history does not contain BASE's".into(),
        }),
        Error::Git(crate::error::GitError::NoMergeConflict {
            name: k(),
            env: e(),
        }),
        Error::Git(crate::error::GitError::ResolveKeepsNewest {
            name: k(),
            env: e(),
            version: 4,
            newest: 5,
        }),
        Error::Git(crate::error::GitError::NotAConflictVersion {
            name: k(),
            env: e(),
            version: 3,
            kept: "v4, v5".into(),
        }),
        Error::Git(crate::error::GitError::GitHistory {
            args: "rev-list HEAD".into(),
            detail: "bad revision".into(),
        }),
        Error::Git(crate::error::GitError::HistoryRewritten {
            first: "commit `abc1234` (\"rotate\" by A <a@x>) rewound `prod` from event 9 to 7"
                .into(),
            more: 1,
        }),
        Error::Git(crate::error::GitError::PinNotFound {
            pin: "00ff".into(),
            at: "`abc1234`".into(),
        }),
        Error::LoaderVariable {
            names: vec!["LD_PRELOAD".parse().unwrap()],
            access: Action::Run,
            from: None,
        },
        Error::LoaderVariable {
            names: vec!["GIT_CONFIG_COUNT".parse().unwrap()],
            access: Action::Run,
            from: Some(".env".into()),
        },
        Error::ValueIsReference {
            names: vec![k()],
            access: Action::Export,
        },
        Error::ValueHasLineBreak { names: vec![k()] },
        Error::NotUtf8 { name: k() },
        Error::StdoutClosed,
        Error::NotDelivered { name: k() },
        Error::OutputNotDelivered,
        Error::KeyExists {
            name: k(),
            env: e(),
        },
        Error::RenameTargetExists {
            from: k(),
            to: "STRIPE_KEY_OLD".parse().unwrap(),
            env: e(),
        },
        Error::Reissue {
            at: String::new(),
            name: k(),
            env: e(),
            earlier: 1,
        },
        Error::RefusalNotRecorded {
            refused: Box::new(Error::Unusable {
                name: k(),
                env: e(),
                version: 1,
                status: Status::Revoked,
                at: Some(0),
                reason: None,
            }),
            cause: Box::new(Error::Failed {
                what: "write",
                detail: "disk full".into(),
            }),
            env: e(),
        },
        Error::AuditLogFailed {
            path: p(),
            detail: "it is a symbolic link".into(),
        },
        Error::AuditLogAfterCommit {
            env: e(),
            path: p(),
            detail: "disk full".into(),
        },
        Error::CommandNotFound {
            program: "./deploy.sh".into(),
            env: e(),
            interpreter: false,
            keys: 2,
        },
        Error::CommandNotFound {
            program: "deploy".into(),
            env: e(),
            interpreter: false,
            keys: 2,
        },
        Error::CommandNotFound {
            program: "./deploy.sh".into(),
            env: e(),
            interpreter: true,
            keys: 1,
        },
        Error::CommandNotExecutable {
            program: "./deploy.sh".into(),
            env: e(),
            reason: NotExecutable::Permission,
            keys: 0,
        },
        Error::CommandNotExecutable {
            program: "./deploy".into(),
            env: e(),
            reason: NotExecutable::Directory,
            keys: 3,
        },
        Error::ExportJsonConflict {
            format: "dotenv".into(),
            env: e(),
        },
        Error::ConfirmationNeeded {
            what: "rotating 3 keys in `prod`".into(),
            command: "keyward rotate -e prod --all --yes".into(),
        },
        Error::ChangedWhileAsked {
            env: e(),
            command: "keyward rotate -e prod --all".into(),
        },
        Error::Plugin(crate::error::PluginError::PluginMissing {
            binary: "age-plugin-yubikey".into(),
        }),
        Error::Plugin(crate::error::PluginError::PluginMissingToEncrypt {
            binary: "age-plugin-yubikey".into(),
        }),
        Error::Plugin(crate::error::PluginError::PluginNoTerminal {
            binary: "age-plugin-yubikey".into(),
            asks: "a PIN",
        }),
        Error::Plugin(crate::error::PluginError::PluginDeclined {
            binary: "age-plugin-yubikey".into(),
        }),
        Error::Plugin(crate::error::PluginError::PluginRefused {
            binary: "age-plugin-yubikey".into(),
            detail: "wrong PIN".into(),
        }),
        Error::Plugin(crate::error::PluginError::PluginFailed {
            binary: "age-plugin-yubikey".into(),
            detail: "it stopped in the middle of the protocol".into(),
        }),
        Error::Plugin(crate::error::PluginError::PluginEncryptFailed {
            binary: "age-plugin-yubikey".into(),
            detail: "it stopped in the middle of the protocol".into(),
        }),
        Error::KeyFilesOnDisk { dir: p() },
        Error::KeyFilesDirUnsafe {
            path: p(),
            why: "belongs to another user (uid 0)".into(),
        },
        Error::InTemplate {
            template: "config.tmpl".into(),
            line: 3,
            placeholder: "{{ STRIPE_KEY }}".into(),
            source: Box::new(Error::KeyNotFound {
                name: k(),
                env: e(),
                similar: vec![],
                elsewhere: vec![],
            }),
        },
        Error::TemplateInvalid {
            template: "config.tmpl".into(),
            line: 3,
            detail: "`{{ a-b }}` is not a key name".into(),
        },
        Error::Hook(crate::error::HookError::HookNotApproved {
            name: k(),
            env: e(),
        }),
        Error::Hook(crate::error::HookError::HookFailed {
            name: k(),
            env: e(),
            why: "exited with status 3".into(),
        }),
        Error::Hook(crate::error::HookError::HookHashMismatch {
            name: k(),
            env: e(),
            actual: "ab".repeat(32),
        }),
        Error::Hook(crate::error::HookError::NoHook {
            name: k(),
            env: e(),
        }),
        Error::Hook(crate::error::HookError::HookOnGenerated {
            name: k(),
            env: e(),
        }),
        Error::Hook(crate::error::HookError::ApprovalsCorrupt {
            path: p(),
            detail: "expected value".into(),
        }),
        Error::Hook(crate::error::HookError::ApprovalsUnsafe {
            path: p(),
            mode: 0o644,
        }),
        Error::FollowCursorLost {
            env: e(),
            chain: crate::codes::Chain::Access,
            seq: 12,
        },
        Error::CursorCorrupt {
            path: p(),
            detail: "not JSON".into(),
        },
        Error::Verifier(crate::error::VerifierError::VerifierNeedsHmac {
            env: e(),
            names: "`STRIPE_KEY`".into(),
        }),
        Error::Verifier(crate::error::VerifierError::VerifierSetInvalid {
            path: p(),
            detail: "its signature does not match its contents".into(),
        }),
        Error::Verifier(crate::error::VerifierError::VerifierWrongKey {
            path: p(),
            signer: "ed25519:00".into(),
            pinned: "ed25519:11".into(),
        }),
        Error::Verifier(crate::error::VerifierError::VerifierSetStale {
            path: p(),
            serial: 3,
            required: 4,
        }),
        Error::Verifier(crate::error::VerifierError::VerifierHmacKeyNeeded { path: p() }),
        Error::Verifier(crate::error::VerifierError::VerifierHmacKeyMismatch { path: p() }),
        Error::Verifier(crate::error::VerifierError::VerifierSetNotHmac { path: p() }),
        Error::Verifier(crate::error::VerifierError::VerifierNoKey { env: e() }),
        Error::Verifier(crate::error::VerifierError::VerifierSerialBehind {
            env: e(),
            serial: 6,
            exported: 7,
        }),
        Error::Verifier(crate::error::VerifierError::VerifierOtherEnv {
            path: p(),
            set_env: "dev".into(),
            env: e(),
        }),
        Error::Signed(crate::error::SignedError::SigningKeyUnusable {
            path: p(),
            why: "is not protected by a passphrase".into(),
        }),
        Error::Signed(crate::error::SignedError::SigningKeyWrongPassphrase { path: p() }),
    ]
}

/// STYLE: one line, lowercase, names in backticks; an optional second line starting
/// `hint:`; the exit code from the type.
#[test]
fn every_message_is_one_line_plus_an_optional_hint() {
    for err in samples() {
        let text = err.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            (1..=2).contains(&lines.len()),
            "{err:?} has {} lines: {text}",
            lines.len()
        );
        let first = lines[0].chars().next().unwrap();
        assert!(
            first.is_lowercase() || first == '`' || first == '/',
            "{err:?} does not start lowercase: {text}"
        );
        if let Some(hint) = lines.get(1) {
            assert!(
                hint.starts_with("hint: "),
                "{err:?}: second line is not a hint: {text}"
            );
        }
        assert!(
            (1..=8).contains(&err.exit_code()) || [126, 127].contains(&err.exit_code()),
            "{err:?}"
        );
    }
}

#[test]
fn hints_name_the_command_with_the_flags_it_needs() {
    let e: EnvName = "prod".parse().unwrap();
    let k: KeyName = "STRIPE_KEY".parse().unwrap();
    let text = Error::KeyNotFound {
        name: k.clone(),
        env: e.clone(),
        similar: vec![],
        elsewhere: vec![],
    }
    .to_string();
    assert!(text.contains("`keyward list -e prod`"), "{text}");
    let text = Error::VersionNotFound {
        name: k.clone(),
        env: e.clone(),
        version: 9,
    }
    .to_string();
    assert!(text.contains("`keyward show STRIPE_KEY -e prod`"), "{text}");
    let text = Error::Unusable {
        name: k,
        env: e.clone(),
        version: 1,
        status: Status::Expired,
        at: Some(0),
        reason: None,
    }
    .to_string();
    assert!(
        text.contains("`keyward rotate STRIPE_KEY -e prod`"),
        "{text}"
    );
    let text = Error::NoRecipients { env: e }.to_string();
    assert!(text.contains("-e prod"), "{text}");
}
