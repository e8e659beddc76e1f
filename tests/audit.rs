//! Audit trail: events for every action, filters, exports, tamper detection, fail-closed.

use std::fs;
use std::process::{Child, Stdio};

use predicates::str::contains;
use sha2::{Digest, Sha256};

use crate::support::{Sandbox, contains as bytes_contain, open_image};

fn events(kw: &Sandbox, args: &[&str]) -> Vec<serde_json::Value> {
    let mut a = vec!["audit", "--json"];
    a.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&kw.stdout(&a)).unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn every_action_is_recorded_with_actor_and_reason() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("S", "imported-value");
    kw.stdout(["get", "K"]);
    kw.stdout(["rotate", "K", "--reason", "scheduled"]);
    kw.cmd(["verify"]).write_stdin(v.as_str()).assert().code(4);
    kw.cmd(["verify"])
        .write_stdin("unknown-thing")
        .assert()
        .code(3);
    kw.cmd(["revoke", "--yes", "S", "--reason", "provider breach"])
        .assert()
        .success();
    let ev = events(&kw, &[]);
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
    assert_eq!(events(&kw, &["--key", "A"]).len(), 3);
    assert_eq!(events(&kw, &["--action", "get"]).len(), 2);
    assert_eq!(events(&kw, &["--since", "1h"]).len(), 5);
    assert_eq!(events(&kw, &["--until", "2001-01-01"]).len(), 0);
    assert_eq!(events(&kw, &["--since", "2001-01-01T00:00:00Z"]).len(), 5);
    let last = events(&kw, &["--limit", "1"]);
    assert_eq!(last.len(), 1);
    assert_eq!(last[0]["action"], "get");
    kw.cmd(["audit", "--action", "frobnicate"]).assert().code(2);
    kw.cmd(["audit", "--since", "yesterday"]).assert().code(2);
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    assert_eq!(events(&kw, &["--all-envs", "--action", "init"]).len(), 3);
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
    let text = format!("{{{}}}", body.join(","));
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
    kw.stdout(["get", "K"]);
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
    assert_eq!(json.len(), 4);
    for e in &json {
        assert_eq!(rehash(e), e["hash"].as_str().unwrap(), "{e}");
    }
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
    assert_eq!(rows[0][15..], ["subject", "subject_label"]);
    assert_eq!(rows.len(), 5);
    let revoke = rows.iter().find(|r| r[4] == "revoke").unwrap();
    assert_eq!(revoke[11], "a \"quoted\", comma\nand newline");
    let json_revoke = json.iter().find(|e| e["action"] == "revoke").unwrap();
    assert_eq!(revoke[14], json_revoke["hash"].as_str().unwrap());
    kw.cmd(["audit", "export", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn parallel_gets_from_8_processes_give_80_events_and_intact_chain() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let script = r#"for i in 1 2 3 4 5 6 7 8 9 10; do "$KW" get K >/dev/null || exit 1; done"#;
    let children: Vec<Child> = (0..8)
        .map(|_| kw.shell(script).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(events(&kw, &["--action", "get"]).len(), 80);
    kw.cmd(["audit", "verify", "--json"])
        .assert()
        .success()
        .stdout(contains("\"events\": 80"));
}

#[test]
fn reads_never_rewrite_the_env_file() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.stdout(["get", "K"]);
    kw.cmd(["verify"])
        .write_stdin(v.as_str())
        .assert()
        .success();
    kw.stdout(["list"]);
    kw.stdout(["audit"]);
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn journal_reveals_no_key_names_or_values() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("VERY_DISTINCTIVE_NAME");
    for _ in 0..3 {
        kw.stdout(["get", "VERY_DISTINCTIVE_NAME"]);
    }
    let journal = kw.journal_file("dev");
    let mut all = fs::read(&journal).unwrap();
    for ext in ["-wal", "-shm"] {
        let mut p = journal.clone().into_os_string();
        p.push(ext);
        all.extend(fs::read(p).unwrap_or_default());
    }
    assert!(!all.is_empty());
    assert!(!bytes_contain(&all, b"VERY_DISTINCTIVE_NAME"));
    assert!(!bytes_contain(&all, v.as_bytes()));
    assert!(!bytes_contain(&all, kw.my_recipient().as_bytes()));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&journal).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

fn tamper_lifecycle(sql: &str) {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.stdout(["rotate", "A"]);
    kw.cmd(["audit", "verify"]).assert().success();
    let image = kw.decrypt_env("dev");
    let mut conn = open_image(&image);
    conn.execute_batch(sql).unwrap();
    let data = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    kw.encrypt_env("dev", &data);
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("broken at event"));
}

#[test]
fn editing_a_lifecycle_event_breaks_the_chain() {
    tamper_lifecycle("UPDATE events SET key = 'B' WHERE seq = 2;");
}

#[test]
fn deleting_a_lifecycle_event_breaks_the_chain() {
    tamper_lifecycle("DELETE FROM events WHERE seq = 3;");
}

#[test]
fn reordering_lifecycle_events_breaks_the_chain() {
    tamper_lifecycle(
        "UPDATE events SET seq = 100 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 100;",
    );
}

#[test]
fn editing_or_deleting_a_journal_row_breaks_the_chain() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    for _ in 0..3 {
        kw.stdout(["get", "K"]);
    }
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    conn.execute("DELETE FROM journal WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("access"));

    let kw = Sandbox::with_vault();
    kw.generate("K");
    for _ in 0..3 {
        kw.stdout(["get", "K"]);
    }
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    // swap two sealed blobs: each is bound to its own row
    conn.execute_batch(
        "UPDATE journal SET sealed = (SELECT sealed FROM journal WHERE seq = 1), nonce = (SELECT nonce FROM journal WHERE seq = 1) WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    kw.cmd(["audit", "verify"]).assert().code(6);
    kw.cmd(["audit"]).assert().code(6);
}

#[test]
fn unwritable_journal_fails_closed_with_nothing_on_stdout() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    // Replace the journal directory by a file: no journal can be written (works as root).
    let dir = kw.vault().join("journal");
    fs::remove_dir_all(&dir).unwrap();
    fs::write(&dir, "not a directory").unwrap();
    kw.cmd(["get", "K"]).assert().failure().stdout("");
    kw.cmd(["verify"])
        .write_stdin("x")
        .assert()
        .failure()
        .stdout("");
}

#[test]
fn garbage_journal_is_an_integrity_error() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    fs::write(kw.journal_file("dev"), vec![0x5a; 8192]).unwrap();
    for ext in ["-wal", "-shm"] {
        let mut p = kw.journal_file("dev").into_os_string();
        p.push(ext);
        let _ = fs::remove_file(p);
    }
    kw.cmd(["get", "K"]).assert().code(6).stdout("");
    kw.cmd(["audit", "verify"]).assert().code(6);
}
