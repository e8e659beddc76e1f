//! `check`: expiring, rotation-due and unused keys (exit 8), over one environment or all;
//! a check that skipped environments it could not open never passes as clean.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{DAY, MINUTE, Sandbox, T0, unused_keys, vault_with_unreadable_env};

#[test]
fn check_reports_expiring_overdue_and_unused_then_clean() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("FINE");
    kw.cmd(["check"]).assert().success();
    kw.cmd(["generate", "SOON", "--expires", "3d"])
        .assert()
        .success();
    kw.cmd(["generate", "OVERDUE", "--rotate-every", "1d"])
        .assert()
        .success();
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("OVERDUE").not());
    kw.at(T0 + DAY);
    let out = kw.cmd(["check", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems: Vec<(String, String)> = f
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_owned(),
                x["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(problems.contains(&("SOON".into(), "expiring".into())));
    assert!(problems.contains(&("OVERDUE".into(), "rotation-due".into())));
    assert!(!problems.iter().any(|(n, _)| n == "FINE"));
    kw.cmd(["check", "--within", "1d", "--json"])
        .assert()
        .code(8)
        .stdout(contains("SOON").not());
    // unused: FINE is read a day after it was made, the others never
    kw.stdout(["get", "FINE"]);
    kw.at(T0 + DAY + MINUTE);
    let unused = unused_keys(&kw, "1h");
    assert!(unused.iter().any(|k| k == "OVERDUE"));
    assert!(!unused.iter().any(|k| k == "FINE"), "{unused:?}");
    kw.cmd(["check", "--within", "soon"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'soon' for '--within <DUR>': invalid duration `soon`",
        ));
}

#[test]
fn check_all_envs_covers_every_environment() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-e", "prod", "generate", "P", "--expires", "1d"])
        .assert()
        .success();
    kw.cmd(["check"]).assert().success();
    kw.cmd(["check", "--all-envs"])
        .assert()
        .code(8)
        .stdout(contains("prod"));
}

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
        .stderr(contains(
            "check did not cover `shared`: the identity in use is not a recipient",
        ))
        .stdout(contains("prod"));
}

/// An environment put back to an earlier state than this machine saw (a backup from
/// before a revocation, a force-pushed branch) is a finding of `check` (exit 8, in
/// `--json` too), not only a warning on stderr: a machine without this history would
/// take the revoked key as active. `trust` after review clears it.
#[test]
fn an_environment_behind_what_was_seen_here_is_a_finding() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let before = std::fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["check"]).assert().success();
    std::fs::write(kw.env_file("dev"), &before).unwrap();
    let out = kw.cmd(["check", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["problem"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["behind-seen"], "{v}");
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("earlier state than this machine saw"));
    kw.cmd(["get", "K"]).assert().code(4);
    kw.cmd(["trust", "--reason", "restored backup", "--yes"])
        .assert()
        .success();
    kw.cmd(["check"]).assert().success();
    kw.cmd(["get", "K"]).assert().code(4);
}

/// A journal that does not read fails `check` as it fails every read (exit 6): the
/// check of the clock against it must not be skipped while `check` says all is well.
#[test]
fn check_fails_when_the_access_journal_does_not_read() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["get", "K"]).assert().success();
    kw.cmd(["check"]).assert().success();
    let journal = kw.journal_file("dev");
    let _ = std::fs::remove_file(journal.with_extension("db-wal"));
    let _ = std::fs::remove_file(journal.with_extension("db-shm"));
    std::fs::write(&journal, vec![b'x'; 8192]).unwrap();
    kw.cmd(["get", "K"]).assert().code(6);
    kw.cmd(["check"]).assert().code(6).stdout("");
}
