//! A vault written by keyward format 1, committed in `tests/fixtures/vault-v1`: a change
//! that cannot read old vaults, or reads them differently, fails here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::Sandbox;

const GEN_V1: &str = "kw_dev_LxgfJUSBqhWOVHcY1Hh4xjQwrAhXu22sys3T";
const GEN_V2: &str = "kw_dev_FBCDD03SCOBCKNDsV60X4YTaeTKO4E1B0gqE";
const IMPORTED: &str = "imported-fixture-value \"quoted\" $x";
const PRODKEY: &str = "d7c8d3a54d6c1e4482bf2bb6af032e2a";

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn fixture_sandbox() -> Sandbox {
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v1"), &kw.vault());
    let id = kw.path("identity-v1.key");
    fs::copy(fixtures.join("identity-v1.key"), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(id);
    kw
}

#[test]
fn format_1_vault_reads_as_written() {
    let kw = fixture_sandbox();
    assert_eq!(kw.stdout(["get", "GEN", "-n"]), GEN_V2);
    assert_eq!(kw.stdout(["get", "IMPORTED", "-n"]), IMPORTED);
    assert_eq!(kw.stdout(["-e", "prod", "get", "PRODKEY", "-n"]), PRODKEY);
    kw.cmd(["get", "DEAD"]).assert().code(4);
    kw.cmd(["verify"]).write_stdin(GEN_V1).assert().success();
    kw.cmd(["verify"]).write_stdin(GEN_V2).assert().success();
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "GEN", "--json"])).unwrap();
    assert_eq!(show["scopes"], serde_json::json!(["read"]));
    assert_eq!(show["rotate_every"], "90d");
    assert_eq!(show["versions"][0]["status"], "retiring");
    let dead: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "DEAD", "--json"])).unwrap();
    assert_eq!(dead["versions"][0]["revoke_reason"], "fixture revoke");
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    let events: serde_json::Value = serde_json::from_str(&kw.stdout(["audit", "--json"])).unwrap();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chain"] == "lifecycle")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["init", "generate", "set", "rotate", "generate", "revoke"]
    );
}

#[test]
fn format_1_vault_accepts_new_writes() {
    let kw = fixture_sandbox();
    kw.generate("NEW");
    kw.stdout(["rotate", "GEN"]);
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(kw.stdout(["get", "IMPORTED", "-n"]), IMPORTED);
}
