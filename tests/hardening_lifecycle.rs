//! Hardening of the lifecycle commands (issue 13): no rotation back to an earlier value,
//! consistent imports, offboarding planned before anything changes, and checks over every
//! environment that do not pass as clean when they skipped some.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

fn as_other(kw: &Sandbox, other: &PathBuf, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd(args);
    c.env("KEYWARD_IDENTITY", other);
    c
}

/// The versions `show --json` lists for `name`: (version, status).
fn versions(kw: &Sandbox, env: &str, name: &str) -> Vec<(u64, String)> {
    let v: serde_json::Value =
        serde_json::from_str(&kw.stdout(["-e", env, "show", name, "--json"])).unwrap();
    v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["version"].as_u64().unwrap(),
                x["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn get(kw: &Sandbox, env: &str, name: &str) -> String {
    kw.stdout(["-e", env, "get", "-n", name])
}

/// A vault with an environment `shared` that only `other` can open (the sandbox identity
/// created it, then was removed by `other`). Returns `other`'s identity file.
fn vault_with_unreadable_env() -> (Sandbox, PathBuf) {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    kw.cmd(["env", "add", "shared", "--recipient", &other_r])
        .assert()
        .success();
    as_other(
        &kw,
        &other,
        &[
            "-e",
            "shared",
            "access",
            "revoke",
            "--yes",
            &kw.my_recipient(),
        ],
    )
    .assert()
    .success();
    kw.cmd(["-e", "shared", "list"]).assert().code(5);
    (kw, other)
}

// ---------------------------------------------------------------- rotate to an old value

#[test]
fn rotate_to_an_earlier_value_is_refused_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    let leaked = "leaked-provider-value-0001";
    let second = "second-provider-value-0002";
    kw.set("A", leaked);
    kw.cmd(["rotate", "A"])
        .write_stdin(second)
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    let versions_before = versions(&kw, "dev", "A");
    assert_eq!(versions_before.len(), 2);
    // the leaked value (version 1, retired) and the current one (version 2)
    for (value, earlier) in [(leaked, "version 1"), (second, "version 2")] {
        let out = kw.cmd(["rotate", "A"]).write_stdin(value).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(
            stderr.contains("`A`") && stderr.contains(earlier),
            "{stderr}"
        );
        assert!(!stderr.contains(value), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // nothing changed: same file, same versions, the current value still active
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), versions_before);
    assert_eq!(get(&kw, "dev", "A"), second);
    // a fresh value is still accepted
    kw.cmd(["rotate", "A"])
        .write_stdin("third-provider-value-0003")
        .assert()
        .success();
    assert_eq!(versions(&kw, "dev", "A").len(), 3);
}

#[test]
fn rotate_to_the_value_of_a_revoked_version_is_refused() {
    let kw = Sandbox::with_vault();
    kw.set("A", "first-value-revoked-later");
    kw.cmd(["rotate", "A"])
        .write_stdin("second-value-still-good")
        .assert()
        .success();
    kw.cmd([
        "revoke",
        "--yes",
        "A",
        "--version",
        "1",
        "--reason",
        "leaked",
    ])
    .assert()
    .success();
    kw.cmd(["rotate", "A"])
        .write_stdin("first-value-revoked-later")
        .assert()
        .code(4)
        .stderr(contains("version 1").and(contains("first-value").not()));
    assert_eq!(get(&kw, "dev", "A"), "second-value-still-good");
}

#[test]
fn import_overwrite_with_an_earlier_value_is_refused_and_imports_nothing() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("first.env"), "A=value-from-provider-1\n").unwrap();
    kw.cmd(["import", "first.env", "--format", "dotenv"])
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    // the same value again, next to a new key: nothing at all is imported
    fs::write(
        kw.path("again.env"),
        "NEW=brand-new-value-9\nA=value-from-provider-1\n",
    )
    .unwrap();
    let out = kw
        .cmd(["import", "again.env", "--format", "dotenv", "--overwrite"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("`A`") && stderr.contains("version 1"),
        "{stderr}"
    );
    assert!(!stderr.contains("value-from-provider"), "{stderr}");
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), [(1, "active".to_owned())]);
    kw.cmd(["get", "NEW"]).assert().code(3);
    // JSON too
    fs::write(kw.path("again.json"), r#"{"A":"value-from-provider-1"}"#).unwrap();
    kw.cmd(["import", "again.json", "--format", "json", "--overwrite"])
        .assert()
        .code(4)
        .stderr(contains("`A`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    // a new value is fine
    fs::write(kw.path("new.env"), "A=value-from-provider-2\n").unwrap();
    kw.cmd(["import", "new.env", "--format", "dotenv", "--overwrite"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "value-from-provider-2");
}

// ---------------------------------------------------------------- import formats

#[test]
fn json_import_with_a_duplicate_key_is_refused_like_dotenv() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("dup.env"),
        "A=first-dup-value\nA=second-dup-value\n",
    )
    .unwrap();
    let dotenv = kw
        .cmd(["import", "dup.env", "--format", "dotenv"])
        .output()
        .unwrap();
    fs::write(
        kw.path("dup.json"),
        r#"{"A":"first-dup-value","B":"other-value","A":"second-dup-value"}"#,
    )
    .unwrap();
    let json = kw
        .cmd(["import", "dup.json", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&json.stderr);
    assert_ne!(json.status.code(), Some(0), "{stderr}");
    assert_eq!(json.status.code(), dotenv.status.code(), "{stderr}");
    assert!(
        stderr.contains("`A`") && stderr.contains("twice"),
        "{stderr}"
    );
    assert!(!stderr.contains("dup-value"), "{stderr}");
    kw.cmd(["get", "A"]).assert().code(3);
    kw.cmd(["get", "B"]).assert().code(3);
}

#[test]
fn dotenv_import_accepts_a_byte_order_mark_and_crlf_line_endings() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("windows.env"),
        "\u{FEFF}A=plain-value\r\n# comment\r\nexport B=\"quoted value\"\r\nC='two\r\nlines'\r\n",
    )
    .unwrap();
    kw.cmd(["import", "windows.env", "--format", "dotenv"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "plain-value");
    assert_eq!(get(&kw, "dev", "B"), "quoted value");
    assert_eq!(get(&kw, "dev", "C"), "two\nlines");
}

// ---------------------------------------------------------------- check --all-envs

#[test]
fn check_all_envs_fails_while_it_skips_environments() {
    let (kw, _other) = vault_with_unreadable_env();
    let out = kw.cmd(["check", "--all-envs"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("`shared`"), "{stderr}");
    assert!(!stderr.contains("all keys are in order\n"), "{stderr}");

    let out = kw.cmd(["check", "--all-envs", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["env"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["shared"]);

    // accepting the gap: the usual outcome, the gap still named
    kw.cmd(["check", "--all-envs", "--skip-unreadable"])
        .assert()
        .success()
        .stderr(contains("`shared`"));
    kw.cmd(["-e", "prod", "generate", "P", "--expires", "1d"])
        .assert()
        .success();
    kw.cmd(["check", "--all-envs", "--skip-unreadable"])
        .assert()
        .code(8)
        .stdout(contains("prod"))
        .stderr(contains("`shared`"));
    // findings are still printed when the gap makes it exit 5
    kw.cmd(["check", "--all-envs"])
        .assert()
        .code(5)
        .stdout(contains("prod"));
}

// ---------------------------------------------------------------- offboard

#[test]
fn offboard_refuses_environments_it_cannot_open_unless_told_to_skip_them() {
    let (kw, _other) = vault_with_unreadable_env();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    kw.cmd(["access", "grant", &r]).assert().success();
    let value = kw.generate("GEN");
    let before = fs::read(kw.env_file("dev")).unwrap();

    kw.cmd(["offboard", "--yes", &r, "--reason", "left"])
        .assert()
        .code(5)
        .stderr(contains("`shared`").and(contains("--skip-unreadable")));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    as_other(&kw, &leaver, &["get", "-n", "GEN"])
        .assert()
        .success()
        .stdout(value.clone());

    kw.cmd([
        "offboard",
        "--yes",
        &r,
        "--reason",
        "left",
        "--skip-unreadable",
    ])
    .assert()
    .success()
    .stderr(contains("`shared`"));
    as_other(&kw, &leaver, &["get", "GEN"]).assert().code(5);
    kw.cmd(["verify"]).write_stdin(value).assert().code(4);
}

/// Remove every recipient of `env` but `keep` from its recipients table, behind
/// keyward's back (the file stays encrypted to the sandbox identity).
fn leave_only_recipient(kw: &Sandbox, env: &str, keep: &str) {
    let image = kw.decrypt_env(env);
    let mut conn = crate::support::open_image(&image);
    let n = conn
        .execute("DELETE FROM recipients WHERE recipient != ?1", [keep])
        .unwrap();
    assert!(n >= 1);
    let out = conn.serialize(rusqlite::MAIN_DB).unwrap();
    kw.encrypt_env(env, &out);
}

#[test]
fn offboard_refuses_before_changing_any_environment() {
    let kw = Sandbox::with_vault();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
    }
    let dev_value = kw.generate("GEN");
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    // `prod` (planned after `dev`) lists the leaver as its only recipient
    leave_only_recipient(&kw, "prod", &r);
    let dev_before = fs::read(kw.env_file("dev")).unwrap();
    let prod_before = fs::read(kw.env_file("prod")).unwrap();

    let out = kw
        .cmd(["offboard", "--yes", &r, "--reason", "left"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("only recipient of `prod`") && stderr.contains("nothing changed"),
        "{stderr}"
    );
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), dev_before);
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), prod_before);
    kw.cmd(["verify"])
        .write_stdin(dev_value.as_str())
        .assert()
        .success();
    as_other(&kw, &leaver, &["get", "GEN"]).assert().success();
}

#[test]
fn offboard_failing_after_a_commit_names_the_environments_changed() {
    let kw = Sandbox::with_vault();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod", "test"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
        kw.cmd(["-e", env, "generate", "GEN"]).assert().success();
    }
    // `test` (the last in name order) cannot be written
    let blocker = kw.vault().join("envs").join("test.db.age.tmp");
    fs::create_dir(&blocker).unwrap();
    let test_before = fs::read(kw.env_file("test")).unwrap();

    let out = kw
        .cmd(["offboard", "--yes", &r, "--reason", "left"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("already changed and committed: `dev`, `prod`")
            && stderr.contains("not changed: `test`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert_eq!(fs::read(kw.env_file("test")).unwrap(), test_before);
    as_other(&kw, &leaver, &["get", "GEN"]).assert().code(5);
    as_other(&kw, &leaver, &["-e", "test", "get", "GEN"])
        .assert()
        .success();

    // the same command again finishes the job
    fs::remove_dir(&blocker).unwrap();
    kw.cmd(["offboard", "--yes", &r, "--reason", "left"])
        .assert()
        .success()
        .stderr(contains("`test`").and(contains("`dev`").not()));
    as_other(&kw, &leaver, &["-e", "test", "get", "GEN"])
        .assert()
        .code(5);
}

#[test]
fn offboard_with_an_explicit_env_changes_only_that_env() {
    let kw = Sandbox::with_vault();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
        kw.cmd(["-e", env, "generate", "GEN"]).assert().success();
    }
    let out = kw
        .cmd([
            "-e",
            "dev",
            "offboard",
            &r,
            "--reason",
            "x",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs: Vec<&str> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["env"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev"]);

    let prod_before = fs::read(kw.env_file("prod")).unwrap();
    kw.cmd(["-e", "dev", "offboard", "--yes", &r, "--reason", "x"])
        .assert()
        .success();
    as_other(&kw, &leaver, &["get", "GEN"]).assert().code(5);
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), prod_before);
    as_other(&kw, &leaver, &["-e", "prod", "get", "GEN"])
        .assert()
        .success();
}

// ---------------------------------------------------------------- status only moves forward

/// A later rotation with a longer grace must not bring back a version whose grace has
/// ended: status only moves forward. Both the one-key path (`rotate NAME`) and the batch
/// path (`rotate --all`) are checked. The rotations run on the test clock, hours in the
/// past; `verify` and `show` run at the present, so no margin is tight.
#[test]
fn a_later_rotation_never_brings_back_a_retired_version() {
    let kw = Sandbox::with_vault();
    let hour = 3_600_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let t0 = now - 10 * hour;
    let at = |ms: i64, args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_TEST_NOW", ms.to_string());
        c
    };
    let one = kw.generate("ONE");
    let all = kw.generate("ALL");
    // t0: the first versions retiring until t0 + 1h
    at(t0, &["rotate", "ONE", "--grace", "1h"])
        .assert()
        .success();
    at(t0, &["rotate", "--all", "--yes", "--grace", "1h"])
        .assert()
        .success();
    // t0 + 2h: that grace has ended; rotate again with a long one
    at(t0 + 2 * hour, &["rotate", "ONE", "--grace", "30d"])
        .assert()
        .success();
    at(
        t0 + 2 * hour,
        &["rotate", "--all", "--yes", "--grace", "30d"],
    )
    .assert()
    .success();
    for value in [&one, &all] {
        kw.cmd(["verify"])
            .write_stdin(value.as_str())
            .assert()
            .code(4);
    }
    let statuses = |name: &str| -> Vec<String> {
        versions(&kw, "dev", name)
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    };
    assert_eq!(
        statuses("ONE"),
        ["retired", "retired", "retiring", "retiring", "active"]
    );
    assert_eq!(statuses("ALL"), ["retired", "retiring", "active"]);
}

/// Each refusal of issuing or rotating names the next command with the flags it needs.
#[test]
fn issue_and_rotate_refusals_name_the_next_command() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-e", "prod", "generate", "A"]).assert().success();
    kw.cmd(["-e", "prod", "generate", "A"])
        .assert()
        .code(1)
        .stderr(contains("already exists").and(contains("`keyward rotate A -e prod`")));
    kw.cmd(["-e", "prod", "import", "-", "--format", "dotenv"])
        .write_stdin("A=some-provider-value\n")
        .assert()
        .code(1)
        .stderr(
            contains("line 1: `A` already exists in `prod`").and(contains(
                "`keyward import - --format dotenv --overwrite -e prod`",
            )),
        );
    kw.cmd(["-e", "prod", "import", "-", "--format", "json"])
        .write_stdin(r#"{"B": "one-value", "B": "two-value"}"#)
        .assert()
        .code(1)
        .stderr(contains("key \"B\": `B` appears twice; nothing imported"));
    kw.cmd(["-e", "prod", "set", "S"])
        .write_stdin("first-provider-value")
        .assert()
        .success();
    kw.cmd(["-e", "prod", "rotate", "S"])
        .write_stdin("first-provider-value")
        .assert()
        .code(4)
        .stderr(contains("version 1").and(contains("`keyward rotate S -e prod`")));
    kw.cmd(["-e", "prod", "revoke", "--yes", "S", "--reason", "leaked"])
        .assert()
        .success();
    kw.cmd(["-e", "prod", "rotate", "S"])
        .write_stdin("fresh-provider-value")
        .assert()
        .code(4)
        .stderr(contains("not rotated").and(contains("`keyward generate NEW_NAME -e prod`")));
}
