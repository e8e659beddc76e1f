//! `KEYWARD_AUDIT_LOG` (DESIGN §14): every event, access and lifecycle, is appended as
//! `audit export` prints it, outside the (possibly thrown-away) journal: an access event
//! before the journal commits it, a lifecycle event after its change commits. A log that
//! cannot be appended fails closed for reads (and the journal keeps no event of them),
//! and says a committed change is committed.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::str::contains;

use crate::support::{Sandbox, audit_events, jsonl, vault_with_revoked_key};

#[test]
fn a_refusal_that_cannot_be_recorded_stays_exit_4_and_says_so() {
    let mut kw = vault_with_revoked_key();
    // An audit log that cannot be appended to (a directory): the event is not recorded.
    kw.set_env("KEYWARD_AUDIT_LOG", kw.path("").to_str().unwrap());
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("is revoked"))
        .stderr(contains("the refusal could not be recorded"));
    kw.set_env("KEYWARD_AUDIT_LOG", "");
    let refused: Vec<_> = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl"]))
        .into_iter()
        .filter(|e| e["outcome"] == "refused")
        .collect();
    assert!(refused.is_empty(), "not recorded anywhere: {refused:?}");
}

#[test]
fn audit_log_gets_every_access_event_with_the_export_hashes() {
    let mut kw = Sandbox::with_vault();
    kw.generate("K");
    kw.generate("L");
    kw.generate("M");
    kw.cmd(["revoke", "L", "--reason", "old", "--yes"])
        .assert()
        .success();
    let log = kw.path("ci-audit.jsonl");
    kw.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    kw.stdout(["get", "K"]);
    kw.stdout(["run", "--only", "K,M", "--", "true"]);
    kw.cmd(["get", "L"])
        .assert()
        .code(4)
        .stderr(contains("key `L` version 1 in `dev` is revoked since"));
    kw.cmd(["verify"])
        .write_stdin("nope")
        .assert()
        .code(3)
        .stderr(contains(
            "key not found: the presented key is not in environment `dev`",
        ));

    let mode = fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let logged = jsonl(&fs::read_to_string(&log).unwrap());
    let exported: Vec<_> = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl"]))
        .into_iter()
        .filter(|e| e["chain"] == "access")
        .collect();
    assert_eq!(logged, exported);
    let outcomes: Vec<&str> = logged
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok", "ok", "refused", "unknown"]);
    // The run is one line naming both keys it handed out.
    assert_eq!(logged[1]["action"], "run");
    assert_eq!(logged[1]["keys"], serde_json::json!([["K", 1], ["M", 1]]));
}

#[test]
fn audit_log_that_cannot_be_appended_fails_closed() {
    let mut kw = Sandbox::with_vault();
    let value = kw.generate("K");
    let target = kw.path("elsewhere.jsonl");
    fs::write(&target, "").unwrap();
    let link = kw.path("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    kw.set_env("KEYWARD_AUDIT_LOG", link.to_str().unwrap());
    for args in [vec!["get", "K"], vec!["run", "--only", "K", "--", "env"]] {
        let out = kw
            .cmd(&args)
            .assert()
            .code(1)
            .stderr(contains("symbolic link"));
        let out = out.get_output();
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&value));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(&value));
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "");

    kw.set_env("KEYWARD_AUDIT_LOG", kw.path("").to_str().unwrap());
    kw.cmd(["get", "K"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("KEYWARD_AUDIT_LOG"));
    // A pipe nobody reads, or a device: refused at once, never waited on (the journal
    // of the environment waits for the log).
    let fifo = kw.path("audit.fifo");
    crate::support::mkfifo(&fifo);
    for log in [fifo.to_str().unwrap(), "/dev/null"] {
        kw.set_env("KEYWARD_AUDIT_LOG", log);
        kw.cmd(["get", "K"])
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("not a regular file"));
    }
    // Nothing went out, and the journal does not say it did: the log takes an event
    // before the journal commits it.
    kw.set_env("KEYWARD_AUDIT_LOG", "");
    let access: Vec<_> = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl"]))
        .into_iter()
        .filter(|e| e["chain"] == "access")
        .collect();
    assert!(access.is_empty(), "{access:?}");
}

#[test]
fn lifecycle_events_reach_the_audit_log_after_their_commit() {
    let mut kw = Sandbox::with_vault();
    let log = kw.path("ci-audit.jsonl");
    kw.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    kw.cmd(["trust", "--reason", "reviewed", "--yes"])
        .assert()
        .success();
    let logged = jsonl(&fs::read_to_string(&log).unwrap());
    let exported = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl", "--action", "trust"]));
    assert_eq!(logged, exported);
    assert_eq!(logged[0]["outcome"], "ok");
    assert_eq!(logged[0]["reason"], "reviewed");
}

#[test]
fn a_lifecycle_audit_log_failure_says_the_change_is_committed() {
    let mut kw = Sandbox::with_vault();
    kw.set_env("KEYWARD_AUDIT_LOG", kw.path("").to_str().unwrap());
    kw.cmd(["trust", "--reason", "reviewed", "--yes"])
        .assert()
        .code(1)
        .stderr(contains("is committed"))
        .stderr(contains("keyward audit export -e dev"));
    kw.set_env("KEYWARD_AUDIT_LOG", "");
    assert_eq!(audit_events(&kw, &["--action", "trust"]).len(), 1);
}

#[test]
fn creation_events_reach_the_audit_log() {
    let mut kw = Sandbox::new();
    let id = kw.write_identity("me.key");
    kw.identity = Some(id);
    let log = kw.path("ci-audit.jsonl");
    kw.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    kw.cmd(["init"]).assert().success();
    kw.cmd(["env", "add", "staging"]).assert().success();
    let logged = jsonl(&fs::read_to_string(&log).unwrap());
    let actions: Vec<(&str, &str)> = logged
        .iter()
        .map(|e| (e["env"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("dev", "init"),
            ("prod", "init"),
            ("test", "init"),
            ("staging", "env-add")
        ]
    );
    let mut exported = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl", "--all-envs"]));
    exported.sort_by_key(|e| e["env"].as_str().unwrap().to_owned());
    let mut sorted = logged.clone();
    sorted.sort_by_key(|e| e["env"].as_str().unwrap().to_owned());
    assert_eq!(sorted, exported);
}

#[test]
fn key_changes_reach_the_audit_log_after_their_commit() {
    let mut kw = Sandbox::with_vault();
    let log = kw.path("ci-audit.jsonl");
    kw.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    kw.generate("K");
    kw.cmd(["rotate", "K"]).assert().success();
    kw.cmd(["revoke", "K", "--reason", "x", "--yes"])
        .assert()
        .success();
    let other = kw.recipient_of(&kw.write_identity("other.key"));
    kw.cmd(["access", "grant", &other]).assert().success();
    kw.cmd(["access", "revoke", &other, "--yes"])
        .assert()
        .success();
    kw.generate("J");
    kw.cmd(["rotate", "--all", "--yes"]).assert().success();
    let logged = jsonl(&fs::read_to_string(&log).unwrap());
    let exported: Vec<_> = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl"]))
        .into_iter()
        .filter(|e| e["action"] != "init")
        .collect();
    assert_eq!(logged, exported);
    assert!(logged.iter().any(|e| e["action"] == "access-revoke"));
}
