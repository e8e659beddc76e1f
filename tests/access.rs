//! `access list|grant|revoke`: per-environment recipients (age and SSH keys), their
//! labels, the last recipient and self-removal refused, the subject of each change in
//! the audit trail.

use std::fs;

use predicates::str::contains;

use crate::support::{Sandbox, audit_events, ssh_identity};

#[test]
fn grant_on_dev_only_keeps_prod_closed() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    let v = kw.generate("K");
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    kw.cmd_as(&other, ["get", "K"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
    kw.cmd(["access", "grant", &r]).assert().success();
    kw.cmd_as(&other, ["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    kw.cmd_as(&other, ["-e", "prod", "get", "P"])
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
        &kw.cmd_as(&other, ["env", "list", "--json"])
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
    kw.cmd_as(&other, ["get", "K"]).assert().success();
    kw.cmd(["access", "revoke", "--yes", &r]).assert().success();
    kw.cmd_as(&other, ["get", "K"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
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
    // DESIGN §15: the only admin cannot leave the environment without one.
    let granted = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["access", "revoke", "--yes", &me, "--force"])
        .assert()
        .code(2)
        .stderr(contains("without an admin"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), granted);
    kw.cmd(["access", "grant", &r, "--role", "admin"])
        .assert()
        .success();
    kw.cmd(["access", "revoke", "--yes", &me, "--force"])
        .assert()
        .success();
    kw.cmd(["list"]).assert().code(5).stderr(contains(
        "the identity in use is not a recipient of environment `dev`",
    ));
    kw.cmd_as(&other, ["list"]).assert().success();
}

#[test]
fn invalid_recipients_are_usage_errors() {
    let kw = Sandbox::with_vault();
    for bad in ["age1xyz", "ssh-ed25519 AAAAnotbase64", "age1pq1abc"] {
        kw.cmd(["access", "grant", bad])
            .assert()
            .code(2)
            .stderr(contains(format!(
                "invalid value '{bad}' for '[CARD|RECIPIENT|LABEL]'"
            )));
    }
    // Not a recipient: a label, which names nobody here (DESIGN §16).
    kw.cmd(["access", "grant", "bob@example.com"])
        .assert()
        .code(2)
        .stderr(contains("no member labelled `bob@example.com`"));
}

#[test]
fn ssh_ed25519_key_can_be_granted_and_unlocks() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let (key, public) = ssh_identity(&kw);
    kw.cmd(["access", "grant", &public]).assert().success();
    kw.cmd_as(&key, ["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    let shown = kw.cmd_as(&key, ["identity", "show"]).output().unwrap();
    // Its member card: the key is its own binding, so the card carries no proof.
    let card = String::from_utf8_lossy(&shown.stdout);
    assert!(card.starts_with("kw-member1:ssh-ed25519 "), "{card}");
    assert!(card.trim_end().ends_with(":-"), "{card}");
    // It signs its writes with that key (DESIGN §15).
    kw.cmd_as(&key, ["set", "S"])
        .write_stdin("from-ssh")
        .assert()
        .success();
    kw.cmd(["audit", "verify"]).assert().success();
    kw.cmd_as(&key, ["-e", "prod", "list"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `prod`",
        ));
    // the comment is dropped: the stored recipient is canonical
    let list = kw.stdout(["access", "list", "--json"]);
    assert!(!list.contains("keyward-test-only"));
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

    let list = kw.json(["access", "list", "--json"]);
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

    let grants = audit_events(&kw, &["--action", "access-grant"]);
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["subject"], r.as_str());
    assert_eq!(grants[0]["subject_label"], "Ana (backend)");
    assert_eq!(grants[0]["reason"], r.as_str(), "the reason keeps its form");
    // Other events carry no subject.
    let init = audit_events(&kw, &["--action", "init"]);
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
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",subject,subject_label,keys")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(&format!(",{r},Ana (backend),")),
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
    let revokes = audit_events(&kw, &["--action", "access-revoke"]);
    assert_eq!(revokes[0]["subject"], ra.as_str());
    // ana is no longer a recipient: her label stays known (DESIGN §16).
    assert_eq!(revokes[0]["subject_label"], "ana");
    assert_eq!(revokes[0]["reason"], ra.as_str());

    kw.cmd(["offboard", "--yes", &rb, "--reason", "left the team"])
        .assert()
        .code(8)
        .stderr(contains("offboarded from `dev`"));
    let off = audit_events(&kw, &["--action", "offboard"]);
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
    let list = kw.json(["access", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|x| x["label"] == max.as_str())
    );
}
