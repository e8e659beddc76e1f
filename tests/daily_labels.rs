//! Issue 22, "an audit that answers who": recipient labels (`access grant --name`),
//! the `subject` of access changes, `audit --actor LABEL`, and format 2 (a format-1
//! vault reads as before and is migrated by its next write).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::support::{Sandbox, open_image};

fn as_other(kw: &Sandbox, other: &PathBuf, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd(args);
    c.env("KEYWARD_IDENTITY", other);
    c
}

fn json(kw: &Sandbox, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&kw.stdout(args)).unwrap()
}

fn lifecycle(kw: &Sandbox, action: &str) -> Vec<serde_json::Value> {
    json(kw, &["audit", "--json", "--action", action])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn grant_name_is_listed_and_names_the_subject_in_audit() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("ana.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r, "--name", "Ana (backend)"])
        .assert()
        .success()
        .stderr(contains("Ana (backend)"));

    let list = json(&kw, &["access", "list", "--json"]);
    let ana = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["recipient"] == r.as_str())
        .unwrap()
        .clone();
    assert_eq!(ana["label"], "Ana (backend)");
    let me = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["recipient"] == kw.my_recipient().as_str())
        .unwrap()
        .clone();
    assert_eq!(me["label"], serde_json::Value::Null, "init leaves it empty");
    let table = kw.stdout(["access", "list"]);
    assert!(
        table.contains("LABEL") && table.contains("Ana (backend)"),
        "{table}"
    );

    let grants = lifecycle(&kw, "access-grant");
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["subject"], r.as_str());
    assert_eq!(grants[0]["subject_label"], "Ana (backend)");
    assert_eq!(grants[0]["reason"], r.as_str(), "the reason keeps its form");
    // Other events carry no subject.
    let init = lifecycle(&kw, "init");
    assert_eq!(init[0]["subject"], serde_json::Value::Null);

    let human = kw.stdout(["audit", "--action", "access-grant"]);
    assert!(
        human.contains("SUBJECT") && human.contains("Ana (backend)"),
        "{human}"
    );
    kw.cmd(["audit", "verify"]).assert().success();

    let csv = kw.stdout([
        "audit",
        "export",
        "--format",
        "csv",
        "--action",
        "access-grant",
    ]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",subject,subject_label"));
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(&format!(",{r},Ana (backend)")),
        "{csv}"
    );
}

#[test]
fn revoke_and_offboard_carry_their_subject_and_check_still_sees_exposure() {
    let kw = Sandbox::with_vault();
    let ana = kw.write_identity("ana.key");
    let ra = kw.recipient_of(&ana);
    let bob = kw.write_identity("bob.key");
    let rb = kw.recipient_of(&bob);
    kw.set("IMPORTED", "imported-value-1");
    kw.cmd(["access", "grant", &ra, "--name", "ana"])
        .assert()
        .success();
    kw.cmd(["access", "grant", &rb, "--name", "bob"])
        .assert()
        .success();
    kw.cmd(["access", "revoke", &ra, "--yes"])
        .assert()
        .success();
    let revokes = lifecycle(&kw, "access-revoke");
    assert_eq!(revokes[0]["subject"], ra.as_str());
    // ana is no longer a recipient: her label is not known any more.
    assert_eq!(revokes[0]["subject_label"], serde_json::Value::Null);
    assert_eq!(revokes[0]["reason"], ra.as_str());

    kw.cmd(["offboard", "--yes", &rb, "--reason", "left the team"])
        .assert()
        .code(8);
    let off = lifecycle(&kw, "offboard");
    assert_eq!(off.len(), 1);
    assert_eq!(off[0]["subject"], rb.as_str());
    assert_eq!(off[0]["reason"], format!("{rb}: left the team"));
    kw.cmd(["audit", "verify"]).assert().success();
    // The imported key both could read is still exposed.
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("IMPORTED"));
}

#[test]
fn audit_actor_matches_a_label() {
    let kw = Sandbox::with_vault();
    let ana = kw.write_identity("ana.key");
    let ra = kw.recipient_of(&ana);
    kw.generate("K");
    kw.cmd(["access", "grant", &ra, "--name", "Ana"])
        .assert()
        .success();
    as_other(&kw, &ana, &["get", "K"]).assert().success();
    let got = json(&kw, &["audit", "--json", "--actor", "Ana"]);
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["action"], "get");
    assert_eq!(got[0]["actor"]["recipient"], ra.as_str());
    // The label is exact: a part of it matches no one.
    let none = json(&kw, &["audit", "--json", "--actor", "An"]);
    assert_eq!(none.as_array().unwrap().len(), 0);
    // Human output names the actor by its label.
    let human = kw.stdout(["audit", "--actor", "Ana"]);
    assert!(human.contains("(Ana)"), "{human}");
}

#[test]
fn bad_labels_are_refused_before_anything_changes() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    let before = fs::read(kw.env_file("dev")).unwrap();
    let long = "x".repeat(65);
    for bad in ["", "   ", "tab\there", "new\nline", long.as_str()] {
        kw.cmd(["access", "grant", &r, "--name", bad])
            .assert()
            .code(2)
            .stderr(contains("label"));
    }
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    let max = "é".repeat(64);
    kw.cmd(["access", "grant", &r, "--name", &max])
        .assert()
        .success();
    let list = json(&kw, &["access", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|x| x["label"] == max.as_str())
    );
}

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

fn format_version(kw: &Sandbox, env: &str) -> i64 {
    let conn = open_image(&kw.decrypt_env(env));
    conn.query_row("SELECT v FROM meta WHERE k = 'format_version'", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn a_format_1_vault_reads_as_before_and_is_migrated_by_its_next_write() {
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v1"), &kw.vault());
    let id = kw.path("identity-v1.key");
    fs::copy(fixtures.join("identity-v1.key"), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(id);

    // Reads leave format 1 as it is, without the new columns.
    let before = json(&kw, &["audit", "--json"]);
    let list = json(&kw, &["access", "list", "--json"]);
    assert_eq!(list[0]["label"], serde_json::Value::Null);
    assert!(
        before
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject"].is_null())
    );
    assert_eq!(format_version(&kw, "dev"), 1);

    // The next write migrates, in the same commit; old events keep their hashes.
    let other = kw.write_identity("ana.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r, "--name", "Ana"])
        .assert()
        .success();
    assert_eq!(
        format_version(&kw, "dev"),
        keyward::vault::schema::FORMAT_VERSION
    );
    assert_eq!(
        format_version(&kw, "prod"),
        1,
        "an environment not written stays"
    );
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    let after = json(&kw, &["audit", "--json"]);
    let hashes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["chain"] == "lifecycle")
            .map(|e| e["hash"].as_str().unwrap().to_owned())
            .collect()
    };
    let (old, new) = (hashes(&before), hashes(&after));
    assert_eq!(new.len(), old.len() + 1);
    assert_eq!(&new[..old.len()], &old[..]);
    let grant = lifecycle(&kw, "access-grant");
    assert_eq!(grant[0]["subject"], r.as_str());
    assert_eq!(grant[0]["subject_label"], "Ana");
    let list = json(&kw, &["access", "list", "--json"]);
    assert!(list.as_array().unwrap().iter().any(|x| x["label"] == "Ana"));
}
