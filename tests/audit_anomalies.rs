//! `audit anomalies` (DESIGN §12): each kind of finding produced by real commands under
//! the test clock, reported with its fields; a quiet vault reports nothing; never a value.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{
    DAY, HOUR, MINUTE, Sandbox, T0, audit_events, unused_keys, vault_with_unreadable_env,
};

/// `audit anomalies ARGS --json` at the sandbox clock: the findings and the exit code.
fn anomalies(kw: &Sandbox, args: &[&str]) -> (Vec<Value>, i32, String) {
    let mut a = vec!["audit", "anomalies", "--json"];
    a.extend_from_slice(args);
    let out = kw.cmd(&a).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    let findings = v
        .as_array()
        .or_else(|| v["findings"].as_array())
        .unwrap()
        .clone();
    (
        findings,
        out.status.code().unwrap(),
        format!("{stdout}{stderr}"),
    )
}

fn of_kind<'a>(findings: &'a [Value], kind: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["kind"] == kind).collect()
}

/// Run `script` (a burst of commands, each at `BASE + i` minutes) with `BASE` = `base`;
/// every command must succeed.
fn each_minute_from(kw: &Sandbox, base: i64, script: &str) {
    let st = kw
        .shell(script)
        .env("BASE", base.to_string())
        .status()
        .unwrap();
    assert!(st.success());
}

/// A vault at `T0` with keys `A` and `B`, each read once an hour after `init`: a
/// baseline in which the sandbox identity is a known reader.
fn quiet_vault() -> (Sandbox, String, String) {
    let mut kw = Sandbox::with_vault_at(T0);
    let a = kw.generate("A");
    let b = kw.generate("B");
    kw.at(T0 + HOUR);
    kw.stdout(["get", "A"]);
    kw.stdout(["get", "B"]);
    (kw, a, b)
}

#[test]
fn a_quiet_vault_reports_nothing_and_exits_0() {
    let (mut kw, a, b) = quiet_vault();
    // The same reader, at the usual pace, inside the window.
    kw.at(T0 + 3 * DAY);
    kw.stdout(["get", "A"]);
    kw.cmd(["verify"]).write_stdin(b.clone()).assert().success();
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(findings, Vec::<Value>::new(), "{text}");
    assert_eq!(code, 0);
    kw.cmd(["audit", "anomalies"])
        .assert()
        .success()
        .stdout("")
        .stderr(contains("no anomalies since 2030-01-03T00:00:00Z"));
    assert!(!text.contains(&a) && !text.contains(&b));
}

#[test]
fn a_revoked_key_presented_to_verify_is_a_dead_key_in_use() {
    let (mut kw, a, _) = quiet_vault();
    kw.cmd(["revoke", "A", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.at(T0 + 2 * DAY);
    // Presented twice to verify, and asked for once with get: both refused.
    for _ in 0..2 {
        kw.cmd(["verify"])
            .write_stdin(a.clone())
            .assert()
            .code(4)
            .stderr(contains("rejected: `A` version 1 in `dev` is revoked"));
    }
    kw.cmd(["get", "A"])
        .assert()
        .code(4)
        .stderr(contains("key `A` version 1 in `dev` is revoked since"));
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8, "{text}");
    let dead = of_kind(&findings, "dead-key-in-use");
    assert_eq!(dead.len(), 2, "{text}");
    let verify = dead
        .iter()
        .find(|f| f["reason"].as_str().unwrap().starts_with("verify"))
        .unwrap();
    assert_eq!(verify["env"], "dev");
    assert_eq!(verify["key"], "A");
    assert_eq!(verify["version"], 1);
    assert_eq!(verify["count"], 2);
    assert_eq!(verify["actor"]["recipient"], kw.my_recipient());
    assert!(
        verify["actor"]["host"]
            .as_str()
            .is_some_and(|h| !h.is_empty())
    );
    assert_eq!(verify["from"], "2030-01-03T00:00:00.000Z");
    assert!(verify["reason"].as_str().unwrap().contains("revoked"));
    let get = dead.iter().find(|f| f != &verify).unwrap();
    assert_eq!(get["count"], 1);
    assert!(
        get["reason"]
            .as_str()
            .unwrap()
            .starts_with("get refused: version 1 is revoked")
    );
    assert!(!text.contains(&a));

    // Outside the window it is history, not a finding.
    kw.at(T0 + 5 * DAY);
    let (findings, _, text) = anomalies(&kw, &[]);
    assert!(of_kind(&findings, "dead-key-in-use").is_empty(), "{text}");
    let (findings, _, _) = anomalies(&kw, &["--since", "4d"]);
    assert_eq!(of_kind(&findings, "dead-key-in-use").len(), 2);
}

#[test]
fn retired_and_expired_versions_presented_are_dead_keys_in_use() {
    let (mut kw, a, _) = quiet_vault();
    kw.cmd(["rotate", "A", "--grace", "1h"]).assert().success();
    kw.cmd(["generate", "E", "--expires", "1d"])
        .assert()
        .success();
    let e = kw.stdout(["get", "E"]).trim_end().to_owned();
    // During the grace period the old version still verifies: not a finding.
    kw.cmd(["verify"]).write_stdin(a.clone()).assert().success();
    let (findings, _, text) = anomalies(&kw, &[]);
    assert!(of_kind(&findings, "dead-key-in-use").is_empty(), "{text}");

    kw.at(T0 + 3 * DAY);
    kw.cmd(["verify"])
        .write_stdin(a.clone())
        .assert()
        .code(4)
        .stderr(contains("rejected: `A` version 1 in `dev` is retired"));
    kw.cmd(["verify"])
        .write_stdin(e.clone())
        .assert()
        .code(4)
        .stderr(contains("rejected: `E` version 1 in `dev` is expired"));
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8);
    let mut dead: Vec<(String, String)> = of_kind(&findings, "dead-key-in-use")
        .iter()
        .map(|f| {
            let r = f["reason"].as_str().unwrap();
            let status = ["retired", "expired"].into_iter().find(|s| r.contains(s));
            (
                f["key"].as_str().unwrap().to_owned(),
                status.unwrap().to_owned(),
            )
        })
        .collect();
    dead.sort();
    assert_eq!(
        dead,
        [
            ("A".into(), "retired".into()),
            ("E".into(), "expired".into())
        ],
        "{text}"
    );
    assert!(!text.contains(&a) && !text.contains(&e));
}

#[test]
fn twenty_wrong_keys_are_guessing_and_five_are_not() {
    let (mut kw, _, _) = quiet_vault();
    kw.at(T0 + 2 * DAY);
    for i in 0..5 {
        kw.cmd(["verify"])
            .write_stdin(format!("not-a-key-{i}"))
            .assert()
            .code(3)
            .stderr(contains(
                "key not found: the presented key is not in environment `dev`",
            ));
    }
    let (findings, _, text) = anomalies(&kw, &[]);
    assert!(of_kind(&findings, "guessing").is_empty(), "{text}");

    // Twenty more, one a minute: within the hour window.
    let script = "for i in $(seq 1 20); do
        KEYWARD_TEST_NOW=$(( BASE + i * 60000 )) \"$KW\" verify <<< \"guess-$i\" 2>/dev/null
        [ $? = 3 ] || exit 1
    done";
    let base = (T0 + 3 * DAY).to_string();
    let st = kw.shell(script).env("BASE", &base).status().unwrap();
    assert!(st.success());
    kw.at(T0 + 3 * DAY + HOUR);
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8);
    let guessing = of_kind(&findings, "guessing");
    assert_eq!(guessing.len(), 1, "{text}");
    let g = guessing[0];
    assert_eq!(g["count"], 20);
    assert_eq!(g["key"], Value::Null);
    assert_eq!(g["actor"]["recipient"], kw.my_recipient());
    assert_eq!(g["from"], "2030-01-04T00:01:00.000Z");
    assert_eq!(g["to"], "2030-01-04T00:20:00.000Z");
    // A higher threshold: not guessing any more.
    let (findings, _, _) = anomalies(&kw, &["--guess-threshold", "21"]);
    assert!(of_kind(&findings, "guessing").is_empty());
}

#[test]
fn a_new_identity_or_user_reading_prod_is_a_new_reader() {
    let mut kw = Sandbox::with_vault_at(T0);
    let p = kw
        .stdout(["-e", "prod", "generate", "P"])
        .trim_end()
        .to_owned();
    kw.at(T0 + HOUR);
    kw.stdout(["-e", "prod", "get", "P"]);
    let bob = kw.write_identity("bob.key");
    let bob_r = kw.recipient_of(&bob);
    kw.cmd(["-e", "prod", "access", "grant", &bob_r])
        .assert()
        .success();

    kw.at(T0 + 10 * DAY);
    // A known reader: nothing new.
    kw.stdout(["-e", "prod", "get", "P"]);
    let (findings, _, text) = anomalies(&kw, &["-e", "prod"]);
    assert!(of_kind(&findings, "new-reader").is_empty(), "{text}");

    // Bob, from his own HOME and identity.
    let bob_home = kw.path("bob-home");
    std::fs::create_dir_all(&bob_home).unwrap();
    kw.cmd(["-e", "prod", "get", "P"])
        .env("KEYWARD_IDENTITY", &bob)
        .env("HOME", &bob_home)
        .env("USER", "bob")
        .assert()
        .success();
    // The same identity as an OS user never seen.
    kw.at(T0 + 10 * DAY + MINUTE);
    kw.cmd(["-e", "prod", "get", "P"])
        .env("USER", "mallory")
        .assert()
        .success();
    kw.at(T0 + 10 * DAY + HOUR);
    let (findings, code, text) = anomalies(&kw, &["-e", "prod"]);
    assert_eq!(code, 8);
    let new = of_kind(&findings, "new-reader");
    assert_eq!(new.len(), 2, "{text}");
    assert_eq!(new[0]["actor"]["recipient"], bob_r);
    assert_eq!(new[0]["actor"]["os_user"], "bob");
    assert_eq!(new[0]["key"], "P");
    assert_eq!(new[0]["version"], 1);
    assert_eq!(new[0]["env"], "prod");
    assert_eq!(new[0]["from"], "2030-01-11T00:00:00.000Z");
    assert_eq!(new[1]["actor"]["recipient"], kw.my_recipient());
    assert_eq!(new[1]["actor"]["os_user"], "mallory");
    assert!(!text.contains(&p));
    // dev saw none of it.
    let (findings, _, _) = anomalies(&kw, &["-e", "dev"]);
    assert!(of_kind(&findings, "new-reader").is_empty());
}

#[test]
fn a_burst_of_gets_is_a_read_burst_against_the_baseline() {
    let (mut kw, a, _) = quiet_vault();
    // The usual: A read once a day.
    for d in 1..10 {
        kw.at(T0 + d * DAY);
        kw.stdout(["get", "A"]);
    }
    // Then 25 reads of A within half an hour, and 5 of B after them (not a burst).
    let base = T0 + 10 * DAY;
    each_minute_from(
        &kw,
        base,
        "for i in $(seq 1 25); do
            KEYWARD_TEST_NOW=$(( BASE + i * 60000 )) \"$KW\" get A >/dev/null || exit 1
        done
        for i in $(seq 26 30); do
            KEYWARD_TEST_NOW=$(( BASE + i * 60000 )) \"$KW\" get B >/dev/null || exit 1
        done",
    );
    kw.at(base + HOUR);
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8, "{text}");
    let bursts = of_kind(&findings, "read-burst");
    assert_eq!(bursts.len(), 1, "{text}");
    let b = bursts[0];
    assert_eq!(b["key"], "A");
    assert_eq!(b["version"], 1);
    assert_eq!(b["count"], 25);
    assert_eq!(b["actor"]["recipient"], kw.my_recipient());
    assert_eq!(b["from"], "2030-01-11T00:01:00.000Z");
    assert_eq!(b["to"], "2030-01-11T00:25:00.000Z");
    assert!(
        b["reason"]
            .as_str()
            .unwrap()
            .starts_with("25 reads within 1h")
    );
    assert!(!text.contains(&a));
    // A higher floor: no burst.
    let (findings, _, _) = anomalies(&kw, &["--burst-min", "26"]);
    assert!(of_kind(&findings, "read-burst").is_empty());
}

#[test]
fn a_burst_of_runs_is_a_read_burst_of_each_key_they_hand_out() {
    let (mut kw, _, _) = quiet_vault();
    for d in 1..10 {
        kw.at(T0 + d * DAY);
        kw.cmd(["run", "--", "true"]).assert().success();
    }
    // 25 runs within half an hour: each is one event naming A and B.
    let base = T0 + 10 * DAY;
    each_minute_from(
        &kw,
        base,
        "for i in $(seq 1 25); do
            KEYWARD_TEST_NOW=$(( BASE + i * 60000 )) \"$KW\" run -- true || exit 1
        done",
    );
    assert_eq!(audit_events(&kw, &["--action", "run"]).len(), 34);
    kw.at(base + HOUR);
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8, "{text}");
    let bursts = of_kind(&findings, "read-burst");
    let keys: Vec<&Value> = bursts.iter().map(|b| &b["key"]).collect();
    assert_eq!(keys, ["A", "B"], "{text}");
    for b in bursts {
        assert_eq!(b["version"], 1, "{text}");
        assert_eq!(b["count"], 25, "{text}");
    }
}

#[test]
fn unused_keys_are_found_by_the_same_rule_as_check() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("READ");
    kw.generate("NEVER");
    kw.at(T0 + 50 * DAY);
    kw.stdout(["get", "READ"]);
    kw.at(T0 + 100 * DAY);
    let (findings, code, text) = anomalies(&kw, &[]);
    assert_eq!(code, 8);
    let unused = of_kind(&findings, "unused");
    assert_eq!(unused.len(), 1, "{text}");
    assert_eq!(unused[0]["key"], "NEVER");
    assert_eq!(unused[0]["from"], "2030-01-01T00:00:00.000Z");
    assert_eq!(unused[0]["actor"], Value::Null);
    assert!(
        unused[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("never read since 2030-01-01T00:00:00Z")
    );
    // check says the same about the same key.
    assert_eq!(unused_keys(&kw, "90d"), ["NEVER"]);
    // A shorter period catches READ too.
    let (findings, _, _) = anomalies(&kw, &["--unused-for", "30d"]);
    assert_eq!(of_kind(&findings, "unused").len(), 2);
}

#[test]
fn environments_it_cannot_open_are_exit_5_unless_skipped() {
    let (kw, _other) = vault_with_unreadable_env();
    let (_, code, text) = anomalies(&kw, &["--all-envs"]);
    assert_eq!(code, 5, "{text}");
    assert!(text.contains("`shared`"));
    kw.cmd(["audit", "anomalies", "--all-envs", "--skip-unreadable"])
        .assert()
        .success()
        .stderr(contains("`shared`"));
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let kw = Sandbox::with_vault();
    for bad in [
        &["--guess-threshold", "0"][..],
        &["--burst-factor", "0"],
        &["--since", "yesterday"],
        &["--unused-for", "0d"],
        &["--skip-unreadable"],
    ] {
        let mut a = vec!["audit", "anomalies"];
        a.extend_from_slice(bad);
        kw.cmd(&a)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("error").and(contains("panicked").not()));
    }
}

/// A window that holds no time is a usage error, never "no anomalies" (exit 0): a
/// `--since` after now (a date meant for a scheduler whose clock runs ahead), and, for
/// `audit` and `audit export`, a `--since` after `--until`.
#[test]
fn a_window_that_ends_before_it_starts_is_a_usage_error_not_an_empty_answer() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.at(T0 + HOUR);
    kw.cmd(["get", "K"]).assert().code(4);
    let (found, code, _) = anomalies(&kw, &["--since", "1d"]);
    assert_eq!(code, 8, "{found:?}");
    kw.cmd(["audit", "anomalies", "--since", "2030-01-02"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("is in the future"));
    for sub in [
        &["audit"][..],
        &["audit", "export", "--format", "jsonl"][..],
    ] {
        let mut args = sub.to_vec();
        args.extend(["--since", "2030-01-01T00:30:00Z", "--until", "2030-01-01"]);
        kw.cmd(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("is after --until"));
    }
    // The right way round still answers.
    let listed = kw.stdout(["audit", "--since", "2030-01-01", "--until", "2030-01-02"]);
    assert!(listed.contains("revoke"), "{listed}");
}
