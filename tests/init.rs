//! `init` and `env add`: a new vault with its environments, private from the start, and
//! the refusals that leave an existing one as it was.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn init_creates_private_vault_with_three_environments() {
    let kw = Sandbox::with_vault();
    for env in ["dev", "test", "prod"] {
        let meta = fs::metadata(kw.env_file(env)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{env}");
    }
    // No `journal/`: each machine keeps its journal beside its pins.
    assert!(!kw.vault().join("journal").exists());
    for dir in ["", "envs"] {
        let meta = fs::metadata(kw.vault().join(dir)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{dir}");
    }
    let out = kw.stdout(["env", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["env"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "prod", "test"]);
}

#[test]
fn init_on_existing_vault_refuses_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["init"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn init_with_custom_envs_and_extra_recipient() {
    let mut kw = Sandbox::new();
    let me = kw.write_identity("me.key");
    let other = kw.write_identity("other.key");
    kw.identity = Some(me);
    let other_r = kw.recipient_of(&other);
    kw.cmd(["init", "--envs", "dev,staging", "--recipient", &other_r])
        .assert()
        .success();
    assert!(kw.env_file("staging").exists());
    assert!(!kw.env_file("prod").exists());
    kw.generate("K");
    // The extra recipient can read.
    kw.cmd(["-i", other.to_str().unwrap(), "get", "K"])
        .assert()
        .success();
}

#[test]
fn env_add_and_refusals() {
    let kw = Sandbox::with_vault();
    kw.cmd(["env", "add", "staging"]).assert().success();
    kw.cmd(["-e", "staging", "generate", "K"])
        .assert()
        .success();
    kw.cmd(["env", "add", "staging"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    kw.cmd(["env", "add", "Bad_Env"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'Bad_Env' for '<NAME>': invalid environment name",
        ));
    kw.cmd(["env", "add", "x", "--recipient", "age1notvalid"])
        .assert()
        .code(2)
        .stderr(contains("invalid age recipient"));
}
