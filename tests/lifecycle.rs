//! Key lifecycle: rotate with grace periods, revoke, expiry, verify, check.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{DAY, HOUR, MINUTE, SECOND, Sandbox, T0};

fn verify(kw: &Sandbox, env: &str, presented: &str) -> (i32, String) {
    let out = kw
        .cmd(["-e", env, "verify", "--json"])
        .write_stdin(presented)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(presented), "verify printed the key");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(presented));
    (out.status.code().unwrap(), stdout)
}

#[test]
fn rotate_generated_key_prints_new_value_in_same_format() {
    let kw = Sandbox::with_vault();
    let v1 = kw.stdout(["generate", "K", "--prefix", "acme", "--scope", "read"]);
    let v2 = kw.stdout(["rotate", "K"]);
    assert_ne!(v1, v2);
    assert!(v2.starts_with("acme_dev_"), "{v2}");
    assert_eq!(kw.stdout(["get", "K"]), v2);
    let hex1 = kw.stdout(["generate", "H", "--format", "hex", "--bytes", "20"]);
    let hex2 = kw.stdout(["rotate", "H"]);
    assert_eq!(hex1.len(), hex2.len());
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["scopes"], serde_json::json!(["read"]));
    assert_eq!(show["versions"][0]["status"], "retired");
    assert_eq!(show["versions"][1]["status"], "active");
}

#[test]
fn rotate_without_grace_retires_old_version_at_once() {
    let kw = Sandbox::with_vault();
    let v1 = kw.generate("K");
    kw.stdout(["rotate", "K"]);
    let (code, out) = verify(&kw, "dev", &v1);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("retired"));
    kw.cmd(["get", "K", "--version", "1"])
        .assert()
        .code(4)
        .stdout("");
}

#[test]
fn grace_period_keeps_old_version_verifying_until_it_ends() {
    let mut kw = Sandbox::with_vault_at(T0);
    let v1 = kw.generate("K");
    let v2 = kw.stdout(["rotate", "K", "--grace", "1h", "--reason", "scheduled"]);
    kw.at(T0 + HOUR - SECOND);
    let (code, out) = verify(&kw, "dev", &v1);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"retiring\""), "{out}");
    // A retiring version is never handed out.
    kw.cmd(["get", "K", "--version", "1"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("retiring"));
    assert_eq!(kw.stdout(["get", "K"]), v2);
    kw.at(T0 + HOUR);
    let (code, out) = verify(&kw, "dev", &v1);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("\"retired\""), "{out}");
    assert_eq!(verify(&kw, "dev", v2.trim_end()).0, 0);
}

#[test]
fn rotate_imported_key_reads_new_value_from_stdin() {
    let kw = Sandbox::with_vault();
    kw.set("OPENAI", "sk-old-value-1");
    kw.cmd(["rotate", "OPENAI"])
        .write_stdin("sk-new-value-2")
        .assert()
        .success()
        .stdout("");
    assert_eq!(kw.stdout(["get", "OPENAI", "-n"]), "sk-new-value-2");
    kw.cmd(["rotate", "OPENAI"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(contains("empty"));
    assert_eq!(kw.stdout(["get", "OPENAI", "-n"]), "sk-new-value-2");
}

#[test]
fn revoke_requires_reason_and_blocks_every_use() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.cmd(["revoke", "--yes", "K"]).assert().code(2);
    kw.cmd(["revoke", "--yes", "K", "--reason", "leaked in build log"])
        .assert()
        .success();
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("revoked").and(contains("leaked in build log")));
    let (code, _) = verify(&kw, "dev", &v);
    assert_eq!(code, 4);
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    let ver = &show["versions"][0];
    assert_eq!(ver["status"], "revoked");
    assert_eq!(ver["revoke_reason"], "leaked in build log");
    assert_eq!(ver["revoked_by"], kw.my_recipient());
    assert!(ver["revoked_at"].is_string());
    kw.cmd(["rotate", "K"])
        .assert()
        .code(4)
        .stderr(contains("revoked"));
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["list", "--json", "--status", "revoked"])).unwrap();
    assert_eq!(list["keys"][0]["name"], "K");
}

#[test]
fn revoking_one_version_keeps_the_newer_valid() {
    let kw = Sandbox::with_vault();
    let v1 = kw.generate("K");
    let v2 = kw.stdout(["rotate", "K", "--grace", "1h"]);
    kw.cmd([
        "revoke",
        "--yes",
        "K",
        "--version",
        "1",
        "--reason",
        "compromised",
    ])
    .assert()
    .success();
    assert_eq!(verify(&kw, "dev", &v1).0, 4);
    assert_eq!(verify(&kw, "dev", v2.trim_end()).0, 0);
    assert_eq!(kw.stdout(["get", "K"]), v2);
    kw.cmd(["revoke", "--yes", "K", "--version", "9", "--reason", "x"])
        .assert()
        .code(3);
}

#[test]
fn expired_key_is_refused_with_when() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.cmd(["set", "TEMP", "--expires", "1h"])
        .write_stdin("short-lived-value")
        .assert()
        .success();
    kw.at(T0 + HOUR - SECOND);
    kw.stdout(["get", "TEMP"]);
    kw.at(T0 + HOUR);
    kw.cmd(["get", "TEMP"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("expired at"));
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["list", "--json", "--status", "expired"])).unwrap();
    assert_eq!(list["keys"][0]["status"], "expired");
    let active: serde_json::Value =
        serde_json::from_str(&kw.stdout(["list", "--json", "--status", "active"])).unwrap();
    assert_eq!(active["keys"].as_array().unwrap().len(), 0);
    assert_eq!(verify(&kw, "dev", "short-lived-value").0, 4);
    // rotating gives it a fresh, unexpired version
    kw.cmd(["rotate", "TEMP", "--expires", "30d"])
        .write_stdin("renewed-value")
        .assert()
        .success();
    assert_eq!(kw.stdout(["get", "TEMP", "-n"]), "renewed-value");
}

#[test]
fn verify_tells_unknown_from_unusable_and_other_environment() {
    let kw = Sandbox::with_vault();
    let dev = kw.generate("K");
    let prod = kw.stdout(["-e", "prod", "generate", "K"]);
    let (code, out) = verify(&kw, "dev", &dev);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "K");
    assert_eq!(v["version"], 1);
    assert_eq!(v["status"], "active");
    // A dev key presented to prod: known, but not usable there.
    let (code, out) = verify(&kw, "prod", &dev);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("environment `dev`"));
    assert_eq!(verify(&kw, "prod", prod.trim_end()).0, 0);
    // One changed character: the checksum fails offline.
    let mut bad = dev.clone().into_bytes();
    let i = bad.len() - 12;
    bad[i] = if bad[i] == b'a' { b'b' } else { b'a' };
    let bad = String::from_utf8(bad).unwrap();
    assert_eq!(verify(&kw, "dev", &bad).0, 3);
    assert_eq!(verify(&kw, "dev", "not-a-key-at-all").0, 3);
    // A trailing newline (echo) is tolerated.
    assert_eq!(verify(&kw, "dev", &format!("{dev}\n")).0, 0);
    // Non-token values are found by fingerprint.
    kw.set("IMPORTED", "imported-value-123");
    assert_eq!(verify(&kw, "dev", "imported-value-123").0, 0);
}

#[test]
fn verify_reads_stdin_never_argv() {
    let kw = Sandbox::with_vault();
    kw.cmd(["verify", "kw_dev_somethingsomething"])
        .assert()
        .code(2);
    // Empty input is a rejected key (exit 4), not an internal error.
    kw.cmd(["verify"]).write_stdin("").assert().code(4);
}

#[test]
fn rotate_all_is_one_batch_and_lists_imported_keys() {
    let kw = Sandbox::with_vault();
    let a = kw.generate("A");
    let b = kw.generate("B");
    kw.set("IMP", "imported-1");
    kw.cmd(["revoke", "--yes", "B", "--reason", "gone"])
        .assert()
        .success();
    let out = kw
        .cmd(["rotate", "--all", "--yes", "--grace", "1h", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let a_row = rows.iter().find(|r| r["name"] == "A").unwrap();
    assert_eq!(a_row["result"], "rotated");
    assert_eq!(a_row["new_version"], 2);
    let imp = rows.iter().find(|r| r["name"] == "IMP").unwrap();
    assert_eq!(imp["result"], "needs-new-value");
    assert_ne!(kw.stdout(["get", "A"]).trim_end(), a);
    assert_eq!(verify(&kw, "dev", &a).0, 0, "retiring during grace");
    assert_eq!(verify(&kw, "dev", &b).0, 4, "revoked stays revoked");
    assert_eq!(kw.stdout(["get", "IMP", "-n"]), "imported-1");
    // only generated keys: exit 0
    let kw2 = Sandbox::with_vault();
    kw2.generate("X");
    kw2.cmd(["rotate", "--all", "--yes"]).assert().success();
}

#[test]
fn rotate_all_due_and_older_than_select_keys() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.cmd(["generate", "FAST", "--rotate-every", "1d"])
        .assert()
        .success();
    kw.generate("SLOW");
    kw.at(T0 + DAY - SECOND);
    let rows: serde_json::Value =
        serde_json::from_str(&kw.stdout(["rotate", "--all", "--yes", "--due", "--json"])).unwrap();
    assert_eq!(rows, serde_json::json!([]), "nothing is due yet");
    kw.at(T0 + DAY);
    let rows: serde_json::Value =
        serde_json::from_str(&kw.stdout(["rotate", "--all", "--yes", "--due", "--json"])).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["FAST"]);
    // FAST's current version is new now; SLOW's is a day old
    let rows: serde_json::Value = serde_json::from_str(&kw.stdout([
        "rotate",
        "--all",
        "--yes",
        "--older-than",
        "2d",
        "--json",
    ]))
    .unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 0);
    let rows: serde_json::Value = serde_json::from_str(&kw.stdout([
        "rotate",
        "--all",
        "--yes",
        "--older-than",
        "1d",
        "--json",
    ]))
    .unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SLOW"]);
    kw.cmd(["rotate", "--all", "--yes", "--due", "--older-than", "1d"])
        .assert()
        .code(2);
    kw.cmd(["rotate", "--due"]).assert().code(2);
    kw.cmd(["rotate", "K", "--grace", "1y"]).assert().code(2);
}

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
    let out = kw
        .cmd(["check", "--unused-for", "1h", "--json"])
        .output()
        .unwrap();
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unused: Vec<&str> = f
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["problem"] == "unused")
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(unused.contains(&"OVERDUE"));
    assert!(!unused.contains(&"FINE"), "{unused:?}");
    kw.cmd(["check", "--within", "soon"]).assert().code(2);
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
