//! A hardware identity's signing key file (DESIGN §15) that is not one `keyward identity
//! signing-key` made — a plain identity or an empty file in its place, a truncated copy
//! — or a wrong passphrase for it: exit 5 (the key cannot be used), and a message about
//! the signing key, never an identity's hints (`keyward init`, `keyward unlock` "is for
//! passphrase-protected ones") nor a vault file's ("restore the file from git": the key
//! is a local file, never in the vault's git). `set` and `unlock` alike.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::token::vault_with_granted_token;
use crate::support::{Sandbox, write_private};

/// A vault of a plain identity with a kwtest token granted on `dev`, its PIN given
/// without asking. The sandbox, the token and its signing key file.
fn vault_with_token() -> (Sandbox, PathBuf, PathBuf) {
    let (kw, token) = vault_with_granted_token();
    let signing = kw.path("token.txt.signing");
    (kw, token, signing)
}

/// `set B` and `unlock` as the token's holder both fail with exit 5 and `says`, and
/// none of the hints that belong to something else.
fn both_refuse(kw: &Sandbox, token: &Path, says: &str) {
    let set = kw
        .cmd_as(token, ["set", "B"])
        .write_stdin("value-of-b-0123456789")
        .assert()
        .code(5);
    let unlock = kw.cmd_as(token, ["unlock"]).assert().code(5);
    for out in [set.get_output(), unlock.get_output()] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        for wrong in [
            "keyward init",
            "restore the file from git",
            "nothing to unlock",
        ] {
            assert!(!stderr.contains(wrong), "{wrong} in: {stderr}");
        }
    }
}

#[test]
fn a_signing_key_file_that_is_not_passphrase_protected_is_named_as_such() {
    let (kw, token, signing) = vault_with_token();
    let plain = kw.write_identity("plain.txt");
    write_private(&signing, fs::read(plain).unwrap());
    both_refuse(
        &kw,
        &token,
        "is not protected by a passphrase: it is not a passphrase-protected key made by `keyward identity signing-key`",
    );
    write_private(&signing, "");
    both_refuse(&kw, &token, "is not protected by a passphrase");
}

#[test]
fn a_truncated_signing_key_file_is_damaged_not_a_vault_file_to_restore_from_git() {
    let (kw, token, signing) = vault_with_token();
    let bytes = fs::read(&signing).unwrap();
    write_private(&signing, &bytes[..bytes.len() / 2]);
    both_refuse(&kw, &token, "is damaged");
}

#[test]
fn a_wrong_passphrase_for_the_signing_key_names_the_signing_key() {
    let (mut kw, token, _) = vault_with_token();
    kw.set_env("KEYWARD_PASSPHRASE", "not-the-signing-passphrase");
    both_refuse(&kw, &token, "wrong passphrase for the signing key");
    // the token still reads: the signing key is needed only to write
    kw.cmd_as(&token, ["list"])
        .assert()
        .success()
        .stderr(contains("wrong passphrase").not());
}
