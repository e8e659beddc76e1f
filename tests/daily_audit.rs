//! An audit that answers "who" (DESIGN §14): refused reads are events, every event has
//! an outcome, `--actor` filters, and `KEYWARD_AUDIT_LOG` keeps every event outside the
//! (possibly thrown-away) journal.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::str::contains;

use crate::support::Sandbox;

fn events(kw: &Sandbox, args: &[&str]) -> Vec<serde_json::Value> {
    let mut a = vec!["audit", "--json"];
    a.extend_from_slice(args);
    serde_json::from_str::<serde_json::Value>(&kw.stdout(&a))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A vault with `K` generated and then revoked.
fn with_revoked_key() -> Sandbox {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw
}

#[test]
fn refused_reads_of_a_revoked_key_are_events_with_outcome_refused() {
    let kw = with_revoked_key();
    kw.cmd(["get", "K"]).assert().code(4).stdout("");
    kw.cmd(["export", "--format", "dotenv", "--only", "K"])
        .assert()
        .code(4)
        .stdout("");
    kw.cmd(["run", "--only", "K", "--", "true"])
        .assert()
        .code(4);
    let ev = events(&kw, &["--key", "K"]);
    let refused: Vec<_> = ev.iter().filter(|e| e["outcome"] == "refused").collect();
    let actions: Vec<&str> = refused
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["get", "export", "run"]);
    for e in refused {
        assert_eq!(e["reason"], "revoked");
        assert_eq!(e["version"], 1);
        assert_eq!(e["chain"], "access");
    }
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn a_refused_read_of_an_expired_version_names_expired() {
    let mut kw = Sandbox::with_vault_at(crate::support::T0);
    kw.cmd(["generate", "K", "--expires", "1d"])
        .assert()
        .success();
    kw.at(crate::support::T0 + 2 * crate::support::DAY);
    kw.cmd(["get", "K"]).assert().code(4);
    let last = events(&kw, &["--limit", "1"]).remove(0);
    assert_eq!(last["outcome"], "refused");
    assert_eq!(last["reason"], "expired");
}

#[test]
fn a_refusal_that_cannot_be_recorded_stays_exit_4_and_says_so() {
    let mut kw = with_revoked_key();
    // An audit log that cannot be appended to (a directory): the event is not recorded.
    kw.set_env("KEYWARD_AUDIT_LOG", kw.path("").to_str().unwrap());
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("is revoked"))
        .stderr(contains("the refusal could not be recorded"));
}

#[test]
fn lifecycle_events_read_back_with_outcome_ok_in_every_form() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    for e in events(&kw, &[]) {
        assert_eq!(e["outcome"], "ok", "{e}");
    }
    let table = kw.stdout(["audit"]);
    assert!(table.lines().next().unwrap().contains("OUTCOME"), "{table}");
    let init_row = table.lines().find(|l| l.contains("init")).unwrap();
    assert!(init_row.contains(" ok"), "{init_row}");
    let lines = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl"]));
    assert!(lines.iter().all(|e| e["outcome"] == "ok"));
    let csv = kw.stdout(["audit", "export", "--format", "csv"]);
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "outcome").unwrap();
    for row in rows {
        assert_eq!(row.split(',').nth(at), Some("ok"), "{row}");
    }
    // The stored (hashed) form is unchanged: the chains still verify.
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn actor_filter_matches_recipient_prefix_os_user_or_host() {
    let mut kw = Sandbox::with_vault();
    kw.set_env("USER", "alice");
    kw.generate("K");
    kw.set_env("USER", "bob");
    kw.stdout(["get", "K"]);
    kw.stdout(["get", "K"]);

    let by_bob = events(&kw, &["--actor", "bob"]);
    assert_eq!(by_bob.len(), 2);
    assert!(by_bob.iter().all(|e| e["actor"]["os_user"] == "bob"));
    assert_eq!(events(&kw, &["--actor", "alice"]).len(), 1);
    assert_eq!(events(&kw, &["--actor", "bo"]).len(), 0);

    let me = kw.my_recipient();
    let all = events(&kw, &[]).len();
    assert_eq!(events(&kw, &["--actor", &me]).len(), all);
    assert_eq!(events(&kw, &["--actor", &me[..8]]).len(), all);
    assert_eq!(events(&kw, &["--actor", &me[..7]]).len(), 0);
    let host = events(&kw, &[])[0]["actor"]["host"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(events(&kw, &["--actor", &host]).len(), all);

    let exported = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl", "--actor", "bob"]));
    assert_eq!(exported, by_bob);

    kw.cmd(["audit", "--actor", ""])
        .assert()
        .code(2)
        .stderr(contains("cannot be empty"));
}

#[test]
fn audit_log_gets_every_access_event_with_the_export_hashes() {
    let mut kw = Sandbox::with_vault();
    kw.generate("K");
    kw.generate("L");
    kw.cmd(["revoke", "L", "--reason", "old", "--yes"])
        .assert()
        .success();
    let log = kw.path("ci-audit.jsonl");
    kw.set_env("KEYWARD_AUDIT_LOG", log.to_str().unwrap());
    kw.stdout(["get", "K"]);
    kw.stdout(["run", "--only", "K", "--", "true"]);
    kw.cmd(["get", "L"]).assert().code(4);
    kw.cmd(["verify"]).write_stdin("nope").assert().code(3);

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
    assert_eq!(events(&kw, &["--action", "trust"]).len(), 1);
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
