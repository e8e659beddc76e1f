//! `import --from pass`: entries through gpg in a throw-away GNUPGHOME.

use std::fs;

use super::*;
use crate::support::peers::*;

#[test]
fn a_pass_store_round_trips_through_gpg_with_environments_from_paths() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(
        &kw,
        "prod/stripe/api-key",
        "sk_live_prod_value_1\nuser: ops@example.com\nurl: https://stripe\n",
    );
    store.insert(&kw, "prod/db.password", "prod-db-password-2\n");
    store.insert(&kw, "dev/stripe/api-key", "sk_test_dev_value_3\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let out = kw
        .cmd(["import", "--from", "pass", &dir, "--env-from-path"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    assert_eq!(names_in(&kw, "prod"), ["DB_PASSWORD", "STRIPE_API_KEY"]);
    assert_eq!(names_in(&kw, "dev"), ["STRIPE_API_KEY"]);
    // What gpg decrypts, first line only.
    for (env, entry, name) in [
        ("prod", "prod/stripe/api-key", "STRIPE_API_KEY"),
        ("prod", "prod/db.password", "DB_PASSWORD"),
        ("dev", "dev/stripe/api-key", "STRIPE_API_KEY"),
    ] {
        let shown = store.show(&kw, entry);
        let first = shown.split(|b| *b == b'\n').next().unwrap();
        assert_eq!(stored(&kw, env, name).as_bytes(), first, "{entry}");
        assert!(!err.contains(std::str::from_utf8(first).unwrap()));
    }
    let events = import_events(&kw, "prod");
    assert_eq!(events.len(), 2);
    let reason = &events
        .iter()
        .find(|(k, _)| k == "STRIPE_API_KEY")
        .unwrap()
        .1;
    assert_eq!(reason, &format!("pass:{dir}/prod/stripe/api-key"));
    kw.assert_nowhere_in_files("sk_live_prod_value_1");
    kw.assert_nowhere_in_files("prod-db-password-2");
}

#[test]
fn whole_entry_keeps_every_line_and_env_selects_one_folder() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "prod/cert", "line-one-of-cert\nline-two-of-cert\n");
    store.insert(&kw, "dev/other", "not-for-prod-value\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let out = kw
        .cmd([
            "import",
            "-e",
            "prod",
            "--from",
            "pass",
            &dir,
            "--env-from-path",
            "--whole-entry",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("left out 1 entry not under `prod/`"));
    let shown = store.show(&kw, "prod/cert");
    assert_eq!(
        format!("{}\n", stored(&kw, "prod", "CERT")).as_bytes(),
        &shown[..]
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn invalid_pass_names_are_listed_and_nothing_is_imported_without_rename_invalid() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "2fa/github", "two-fa-value-123\n");
    store.insert(&kw, "my key", "spaced-value-456\n");
    store.insert(&kw, "fine", "fine-value-789\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let err = fails(
        &kw,
        &["import", "--from", "pass", &dir],
        1,
        "2 entries are not valid",
        &["two-fa-value-123"],
    );
    assert!(
        err.contains("entry `2fa/github` (would be `_2FA_GITHUB`)"),
        "{err}"
    );
    assert!(err.contains("entry `my key` (would be `MY_KEY`)"), "{err}");
    assert!(names_in(&kw, "dev").is_empty());
    let plan = kw.stdout([
        "import",
        "--from",
        "pass",
        &dir,
        "--rename-invalid",
        "--dry-run",
    ]);
    assert!(
        plan.contains("_2FA_GITHUB") && plan.contains("2fa/github"),
        "{plan}"
    );
    assert!(names_in(&kw, "dev").is_empty());
    kw.cmd(["import", "--from", "pass", &dir, "--rename-invalid"])
        .assert()
        .success();
    assert_eq!(names_in(&kw, "dev"), ["FINE", "MY_KEY", "_2FA_GITHUB"]);
    assert_eq!(stored(&kw, "dev", "MY_KEY"), "spaced-value-456");
}

#[test]
fn two_pass_entries_giving_one_name_are_refused_naming_both() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "stripe/api-key", "value-with-dash\n");
    store.insert(&kw, "stripe/api_key", "value-with-underscore\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let err = fails(
        &kw,
        &["import", "--from", "pass", &dir],
        1,
        "both become `STRIPE_API_KEY`",
        &["value-with-dash"],
    );
    assert!(
        err.contains("`stripe/api-key`") && err.contains("`stripe/api_key`"),
        "{err}"
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn an_entry_outside_an_environment_folder_is_refused_with_env_from_path() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "prod/ok", "fine-prod-value\n");
    store.insert(&kw, "toplevel", "top-level-value\n");
    let dir = store.store.to_str().unwrap().to_owned();
    fails(
        &kw,
        &["import", "--from", "pass", &dir, "--env-from-path"],
        1,
        "first: `toplevel`",
        &[],
    );
    assert!(names_in(&kw, "prod").is_empty());
}

#[test]
fn an_empty_first_line_is_refused_naming_the_entry() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "a", "value-of-a-entry\n");
    store.insert(&kw, "blank", "\nsecond-line-only\n");
    let dir = store.store.to_str().unwrap().to_owned();
    fails(
        &kw,
        &["import", "--from", "pass", &dir],
        1,
        "entry `blank`: `BLANK`: refusing an empty value",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn without_gpg_a_pass_import_says_what_is_missing() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "a", "value-a-entry\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let bin = path_with_only(&kw, &["sh"]);
    kw.set_env("PATH", bin.to_str().unwrap());
    fails(
        &kw,
        &["import", "--from", "pass", &dir],
        1,
        "`gpg` was not found on PATH",
        &[],
    );
    kw.set_env("PATH", &std::env::var("PATH").unwrap());
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_pass_store_whose_key_is_not_in_gnupghome_is_exit_5() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "a", "value-a-entry\n");
    let dir = store.store.to_str().unwrap().to_owned();
    // GNUPGHOME is respected: another (empty) keyring has no key for the store.
    let empty = kw.path("empty-gnupg");
    fs::create_dir_all(&empty).unwrap();
    fs::set_permissions(&empty, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    kw.set_env("GNUPGHOME", empty.to_str().unwrap());
    fails(
        &kw,
        &["import", "--from", "pass", &dir],
        5,
        "entry `a` could not be decrypted",
        &["value-a-entry"],
    );
    let _ = std::process::Command::new("gpgconf")
        .env("GNUPGHOME", &empty)
        .args(["--kill", "gpg-agent"])
        .output();
    assert!(names_in(&kw, "dev").is_empty());
}
