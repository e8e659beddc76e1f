//! What an age plugin process is given (DESIGN §10; a hostile review): age starts a
//! plugin — a binary found on `PATH` by a name any admin can put in a recipient — with
//! keyward's environment, so keyward's own credentials (`KEYWARD_IDENTITY`, possibly the
//! secret key itself, `KEYWARD_PASSPHRASE`, `KEYWARD_PASSPHRASE_FILE`) must not be in
//! it; and `AGEDEBUG=plugin`, with which age prints the whole plugin protocol (the PIN,
//! the file keys, the plugin identity) to stderr, is ignored, with a warning, and no
//! message ever advises it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::Sandbox;
use crate::support::token::{PIN, identity_line, plugin_binary, vault_with_granted_token};

/// A vault of a plain identity with a kwtest token granted on `dev`, key `A` set, and
/// the token's PIN given without asking.
fn vault_with_token() -> (Sandbox, PathBuf) {
    let (kw, token) = vault_with_granted_token();
    kw.set("A", "value-of-a-0123456789");
    (kw, token)
}

/// Put first on `PATH` an `age-plugin-kwtest` that writes its environment to a file in
/// `dir`, then runs the real plugin. Returns `dir`.
fn record_plugin_environment(kw: &mut Sandbox) -> PathBuf {
    let bin = kw.path("recording");
    let dir = kw.path("recorded");
    fs::create_dir_all(&bin).unwrap();
    fs::create_dir_all(&dir).unwrap();
    let script = bin.join("age-plugin-kwtest");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}/env.'$$\nexec '{}' \"$@\"\n",
            dir.display(),
            plugin_binary().display()
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    kw.set_env("PATH", &format!("{}:{path}", bin.display()));
    dir
}

/// Every environment the recording plugin was started with.
fn recorded(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn a_plugin_is_started_without_keywards_credentials() {
    let (mut kw, _token) = vault_with_token();
    let dir = record_plugin_environment(&mut kw);
    let literal = kw.literal_identity();
    let pass_file = kw.path("pass.txt");
    crate::support::write_private(&pass_file, "a-passphrase-in-a-file\n");
    // CI: the admin's key itself in KEYWARD_IDENTITY; a write encrypts to the token's
    // recipient through the plugin.
    kw.cmd(["set", "B"])
        .env("KEYWARD_IDENTITY", &literal)
        .env("KEYWARD_PASSPHRASE", "a-passphrase-in-the-env")
        .env("KEYWARD_PASSPHRASE_FILE", &pass_file)
        .write_stdin("value-of-b-0123456789")
        .assert()
        .success();
    let envs = recorded(&dir);
    assert!(!envs.is_empty(), "the plugin was not run");
    for env in envs {
        for gone in [
            "KEYWARD_IDENTITY=",
            "KEYWARD_PASSPHRASE=",
            "KEYWARD_PASSPHRASE_FILE=",
        ] {
            assert!(!env.contains(gone), "{gone} reached the plugin");
        }
        assert!(!env.contains(&literal), "the secret key reached the plugin");
        assert!(!env.contains("a-passphrase-in-the-env"));
        // what a plugin needs still reaches it
        assert!(env.contains(&format!("AGE_PLUGIN_KWTEST_PIN={PIN}")));
    }
}

#[test]
fn agedebug_is_ignored_with_a_warning_so_no_pin_or_file_key_is_printed() {
    let (kw, token) = vault_with_token();
    let out = kw
        .cmd_as(&token, ["get", "A"])
        .env("AGEDEBUG", "plugin")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "value-of-a-0123456789\n"
    );
    assert!(stderr.contains("AGEDEBUG is set and ignored"), "{stderr}");
    // age's protocol trace: the identity it adds, the PIN it answers, the file key
    for traced in ["add-identity", "file-key", "-> ", "<- "] {
        assert!(!stderr.contains(traced), "{traced} in: {stderr}");
    }
    let id = identity_line(&token);
    assert!(!stderr.contains(&id[..30]), "{stderr}");
}

#[test]
fn a_plugin_failure_never_advises_agedebug() {
    let (kw, token) = vault_with_token();
    kw.cmd_as(&token, ["get", "A"])
        .env("AGE_PLUGIN_KWTEST_CRASH", "unwrap")
        .assert()
        .code(5)
        .stderr(contains("`age-plugin-kwtest` failed"))
        .stderr(contains("AGEDEBUG").not());
    kw.cmd(["set", "C"])
        .env("AGE_PLUGIN_KWTEST_CRASH", "wrap")
        .write_stdin("value-of-c-0123456789")
        .assert()
        .code(1)
        .stderr(contains("failed while encrypting"))
        .stderr(contains("AGEDEBUG").not());
}
