//! Per-environment access: grant / revoke recipients, SSH keys, offboarding.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

fn as_other(kw: &Sandbox, other: &PathBuf, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd(args);
    c.env("KEYWARD_IDENTITY", other);
    c
}

#[test]
fn grant_on_dev_only_keeps_prod_closed() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    let v = kw.generate("K");
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    as_other(&kw, &other, &["get", "K"]).assert().code(5);
    kw.cmd(["access", "grant", &r]).assert().success();
    as_other(&kw, &other, &["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    as_other(&kw, &other, &["-e", "prod", "get", "P"])
        .assert()
        .code(5)
        .stderr(contains("not a recipient"));
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["access", "list", "--json"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let added = list.iter().find(|x| x["recipient"] == r.as_str()).unwrap();
    assert_eq!(added["added_by"], kw.my_recipient().as_str());
    assert_eq!(added["you"], false);
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "access-grant"])).unwrap();
    assert_eq!(ev[0]["reason"], r.as_str());
    // env list shows what the other identity can open
    let envs: serde_json::Value = serde_json::from_str(
        &as_other(&kw, &other, &["env", "list", "--json"])
            .output()
            .map(|o| String::from_utf8(o.stdout).unwrap())
            .unwrap(),
    )
    .unwrap();
    let access: Vec<(&str, &str)> = envs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["env"].as_str().unwrap(), e["access"].as_str().unwrap()))
        .collect();
    assert_eq!(access, [("dev", "yes"), ("prod", "no"), ("test", "no")]);
}

#[test]
fn revoking_a_recipient_locks_them_out() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    kw.generate("K");
    kw.cmd(["access", "grant", &r]).assert().success();
    as_other(&kw, &other, &["get", "K"]).assert().success();
    kw.cmd(["access", "revoke", "--yes", &r]).assert().success();
    as_other(&kw, &other, &["get", "K"]).assert().code(5);
    kw.cmd(["access", "revoke", "--yes", &r])
        .assert()
        .code(1)
        .stderr(contains("not a recipient"));
}

#[test]
fn last_recipient_and_self_removal_are_refused() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["access", "revoke", "--yes", &me])
        .assert()
        .code(1)
        .stderr(contains("last recipient"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    kw.cmd(["access", "revoke", "--yes", &me])
        .assert()
        .code(1)
        .stderr(contains("--force"));
    kw.cmd(["access", "revoke", "--yes", &me, "--force"])
        .assert()
        .success();
    kw.cmd(["list"]).assert().code(5);
    as_other(&kw, &other, &["list"]).assert().success();
}

#[test]
fn invalid_recipients_are_usage_errors() {
    let kw = Sandbox::with_vault();
    for bad in [
        "age1xyz",
        "ssh-ed25519 AAAAnotbase64",
        "bob@example.com",
        "age1pq1abc",
    ] {
        kw.cmd(["access", "grant", bad]).assert().code(2);
    }
}

fn ssh_key() -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let private = dir.join("test_ed25519");
    let public = fs::read_to_string(dir.join("test_ed25519.pub")).unwrap();
    (private, public.trim().to_owned())
}

#[test]
fn ssh_ed25519_key_can_be_granted_and_unlocks() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let (private, public) = ssh_key();
    // git does not keep modes: copy with 0600
    let key = kw.path("id_ed25519");
    fs::copy(&private, &key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["access", "grant", &public]).assert().success();
    as_other(&kw, &key, &["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    let shown = as_other(&kw, &key, &["identity", "show"]).output().unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).starts_with("ssh-ed25519 "));
    as_other(&kw, &key, &["-e", "prod", "list"])
        .assert()
        .code(5);
    // the comment is dropped: the stored recipient is canonical
    let list = kw.stdout(["access", "list", "--json"]);
    assert!(!list.contains("keyward-test-only"));
}

#[test]
fn offboard_cuts_access_rotates_and_lists_imported_keys() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&other);
    for env in ["dev", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
    }
    let dev_gen = kw.generate("GEN");
    let prod_gen = kw.stdout(["-e", "prod", "generate", "GEN"]);
    kw.set("IMPORTED", "provider-issued");
    let test_key = kw.stdout(["-e", "test", "generate", "UNTOUCHED"]);
    let test_before = fs::read(kw.env_file("test")).unwrap();

    // dry run: the plan, nothing changed
    let dev_before = fs::read(kw.env_file("dev")).unwrap();
    let out = kw
        .cmd([
            "offboard",
            &r,
            "--reason",
            "left the team",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan.as_array().unwrap().len(), 2);
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), dev_before);
    as_other(&kw, &other, &["get", "GEN"]).assert().success();

    let out = kw
        .cmd([
            "offboard",
            "--yes",
            &r,
            "--reason",
            "left the team",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dev = done
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["env"] == "dev")
        .unwrap();
    let keys = dev["keys"].as_array().unwrap();
    assert!(
        keys.iter()
            .any(|k| k["name"] == "GEN" && k["result"] == "rotated")
    );
    assert!(
        keys.iter()
            .any(|k| k["name"] == "IMPORTED" && k["result"] == "needs-new-value")
    );
    // access gone everywhere
    as_other(&kw, &other, &["get", "GEN"]).assert().code(5);
    as_other(&kw, &other, &["-e", "prod", "get", "GEN"])
        .assert()
        .code(5);
    // old values no longer verify; new ones do
    kw.cmd(["verify"])
        .write_stdin(dev_gen.as_str())
        .assert()
        .code(4);
    kw.cmd(["-e", "prod", "verify"])
        .write_stdin(prod_gen.trim_end())
        .assert()
        .code(4);
    let new_dev = kw.stdout(["get", "GEN"]);
    assert_ne!(new_dev.trim_end(), dev_gen);
    // untouched env is byte-identical and its key still good
    assert_eq!(fs::read(kw.env_file("test")).unwrap(), test_before);
    kw.cmd(["-e", "test", "verify"])
        .write_stdin(test_key.trim_end())
        .assert()
        .success();
    // recorded with its reason
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--all-envs", "--action", "offboard"]))
            .unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 2);
    assert!(ev[0]["reason"].as_str().unwrap().contains("left the team"));
    // running it again: no longer a recipient, but IMPORTED is still exposed (exit 8)
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .code(8)
        .stderr(contains("not a recipient of any environment").and(contains("IMPORTED")));
}

#[test]
fn offboard_with_grace_keeps_old_values_verifying() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    let v = kw.generate("GEN");
    kw.cmd([
        "offboard",
        "--yes",
        &r,
        "--reason",
        "contract ended",
        "--grace",
        "1h",
    ])
    .assert()
    .success();
    kw.cmd(["verify"])
        .write_stdin(v.as_str())
        .assert()
        .success();
    kw.cmd(["offboard", "--yes", &r]).assert().code(2);
    kw.cmd(["offboard", "--yes", &kw.my_recipient(), "--reason", "x"])
        .assert()
        .code(1)
        .stderr(contains("identity in use").and(contains("offboard")));
}
