//! Each error says what happened and what to do next (issue 14): the hint names the
//! command with the flags it needs. Messages never contain a value.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn a_missing_key_suggests_close_names_and_the_list_command_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "STRIPE_KEYS"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "GITHUB_TOKEN"])
        .assert()
        .success();
    kw.cmd(["get", "-e", "prod", "STRIPE_KYE"])
        .assert()
        .code(3)
        .stderr(contains("no key `STRIPE_KYE` in environment `prod`"))
        .stderr(contains("did you mean `STRIPE_KEY` or `STRIPE_KEYS`?"))
        .stderr(contains("`keyward list -e prod`"))
        .stderr(contains("GITHUB_TOKEN").not());
    // Another case of the same name is the closest match.
    kw.cmd(["show", "-e", "prod", "github_token"])
        .assert()
        .code(3)
        .stderr(contains("did you mean `GITHUB_TOKEN`?"));
    // Nothing close: only the list hint.
    kw.cmd(["get", "-e", "prod", "DATABASE_URL"])
        .assert()
        .code(3)
        .stderr(contains("did you mean").not())
        .stderr(contains("`keyward list -e prod`"));
}

#[test]
fn a_missing_version_points_at_show_with_its_env() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A", "--version", "7"])
        .assert()
        .code(3)
        .stderr(contains("has no version 7"))
        .stderr(contains("`keyward show A -e dev`"));
}

#[test]
fn a_missing_environment_says_how_to_list_and_create_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list", "-e", "staging"])
        .assert()
        .code(3)
        .stderr(contains("`keyward env list`"))
        .stderr(contains("`keyward env add staging`"));
}

#[test]
fn a_corrupt_file_says_nothing_changed_and_how_to_restore_it() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let path = kw.env_file("dev");
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 0x55;
    fs::write(&path, &bytes).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicate::str::is_empty())
        .stderr(contains("is corrupt or has been tampered with"))
        .stderr(contains("restore the file from git"));
}

#[test]
fn a_broken_audit_chain_says_to_compare_with_history() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let conn = crate::support::open_image(&kw.decrypt_env("dev"));
    conn.execute("UPDATE events SET reason = 'edited' WHERE seq = 1", [])
        .unwrap();
    let mut conn = conn;
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("is broken at event 1"))
        .stderr(contains("compare the file with its git history"));
}

/// The hint for an untrusted agent socket is `keyward lock`: it must not fail the same
/// way. A socket others could reach, in our own 0700 directory, is removed unheard.
#[test]
fn lock_clears_an_untrusted_agent_socket_that_the_hint_points_at() {
    use sha2::Digest;
    use std::os::unix::fs::PermissionsExt;
    let kw = Sandbox::with_vault();
    let id = fs::canonicalize(kw.identity.as_ref().unwrap()).unwrap();
    let digest = sha2::Sha256::digest(id.as_os_str().as_encoded_bytes());
    let dir = kw.path("run/keyward");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let sock = dir.join(format!("agent-{}.sock", hex::encode(&digest[..8])));
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o666)).unwrap();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("refusing to trust"))
        .stderr(contains("`keyward lock`"));
    kw.cmd(["lock"]).assert().success();
    assert!(!sock.exists(), "lock left the untrusted socket");
    kw.cmd(["list"]).assert().success();
}

#[test]
fn a_key_missing_here_names_the_environments_that_hold_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "API_TOKEN"])
        .assert()
        .success();
    kw.cmd(["get", "API_TOKEN"])
        .assert()
        .code(3)
        .stderr(contains("no key `API_TOKEN` in environment `dev`"))
        .stderr(contains("`API_TOKEN` exists in `prod` (add `-e prod`)"));
    kw.cmd(["generate", "-e", "test", "API_TOKEN"])
        .assert()
        .success();
    kw.cmd(["show", "API_TOKEN"])
        .assert()
        .code(3)
        .stderr(contains("exists in `prod`, `test` (add `-e ENV`)"));
}

#[test]
fn an_environment_name_in_the_wrong_case_or_misspelled_is_corrected() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list", "-e", "PROD"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `prod`?"));
    kw.cmd(["list", "-e", "prdo"])
        .assert()
        .code(3)
        .stderr(contains("did you mean `prod`?"));
}

#[test]
fn the_note_after_generate_names_its_environment() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "API_TOKEN"])
        .assert()
        .success()
        .stderr(contains("`keyward get -e prod API_TOKEN` reads it again"));
}

#[test]
fn rotate_all_names_the_full_command_for_imported_keys() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "-e", "prod", "PARTNER_API_KEY"])
        .write_stdin("partner-value-12345")
        .assert()
        .success();
    kw.cmd(["rotate", "-e", "prod", "--all", "--yes"])
        .assert()
        .code(8)
        .stderr(contains(
            "`printf %s \"$NEW\" | keyward rotate -e prod PARTNER_API_KEY`",
        ));
}

/// Joining a team: a second person makes a passphrase-protected default identity for
/// the existing vault, is granted access, and reads.
#[test]
fn a_new_person_joins_an_existing_vault_with_identity_new_passphrase() {
    let alice = Sandbox::with_vault();
    alice.set("A", "shared-value-12345");
    let mut bob = Sandbox::new();
    bob.set_env("KEYWARD_VAULT", alice.vault().to_str().unwrap());
    bob.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("`keyward identity new --passphrase` to join"));
    bob.set_env("KEYWARD_PASSPHRASE", "bob's long passphrase");
    let out = bob
        .cmd(["identity", "new", "--passphrase"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    let id = bob.path("config/keyward/identity.age");
    let text = fs::read(&id).unwrap();
    assert!(
        text.starts_with(b"age-encryption.org/")
            || text.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
        "not passphrase-protected"
    );
    assert!(!crate::support::contains(&text, b"AGE-SECRET-KEY"));
    // Never over an existing identity.
    bob.cmd(["identity", "new", "--passphrase"])
        .assert()
        .code(1);
    alice
        .cmd(["access", "grant", &recipient, "-e", "dev"])
        .assert()
        .success();
    bob.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("shared-value-12345\n");
}

/// A scan that cannot read an environment's values says so even with `-q` (it is never
/// an error by itself: a pre-commit hook must work without prod access).
#[test]
fn scan_names_the_environments_it_could_not_read_even_when_quiet() {
    let kw = Sandbox::with_vault();
    let other = kw.recipient_of(&kw.write_identity("other.key"));
    kw.cmd(["env", "add", "secret", "--recipient", &other])
        .assert()
        .success();
    kw.cmd([
        "access",
        "revoke",
        &kw.my_recipient(),
        "-e",
        "secret",
        "--force",
        "--yes",
    ])
    .assert()
    .success();
    fs::write(kw.path("clean.txt"), "nothing here\n").unwrap();
    kw.cmd(["-q", "scan", "clean.txt"])
        .assert()
        .success()
        .stderr(contains("warning: not scanning for keys of `secret`"));
}
