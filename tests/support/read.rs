//! Reading back what keyward printed: values, `verify`'s answer, versions and their
//! statuses, audit events. Each runs a command that must succeed unless it says
//! otherwise.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Sandbox;

/// `get -e ENV -n NAME`: the value exactly as stored.
pub fn get(kw: &Sandbox, env: &str, name: &str) -> String {
    kw.stdout(["-e", env, "get", "-n", name])
}

/// `verify -e ENV --json` with `presented` on stdin: its exit code and JSON answer. The
/// presented key must appear in neither stdout nor stderr.
pub fn verify(kw: &Sandbox, env: &str, presented: &str) -> (i32, String) {
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

/// The statuses of a key's versions in a `show --json`, by version number.
pub fn statuses(show: &Value) -> BTreeMap<u64, String> {
    show["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The versions `show --json` lists for `name` in `env`: (version, status), in order.
pub fn versions(kw: &Sandbox, env: &str, name: &str) -> Vec<(u64, String)> {
    statuses(&kw.json(["-e", env, "show", name, "--json"]))
        .into_iter()
        .collect()
}

/// `audit --json ARGS`: the events.
pub fn audit_events(kw: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut a = vec!["audit", "--json"];
    a.extend_from_slice(args);
    kw.json(&a).as_array().unwrap().clone()
}

/// The key of each event of `action` (`-` for an event without a key).
pub fn audit_keys(kw: &Sandbox, action: &str) -> Vec<String> {
    audit_events(kw, &["--action", action])
        .iter()
        .flat_map(event_keys)
        .collect()
}

/// The keys one event is about: its `key` (`-` for none), or each of its `keys` (an
/// access to several keys is one event).
pub fn event_keys(e: &Value) -> Vec<String> {
    match e["keys"].as_array() {
        Some(keys) => keys
            .iter()
            .map(|k| k[0].as_str().unwrap().to_owned())
            .collect(),
        None => vec![e["key"].as_str().unwrap_or("-").to_owned()],
    }
}

/// The keys `check --unused-for PERIOD --json` finds unused.
pub fn unused_keys(kw: &Sandbox, period: &str) -> Vec<String> {
    let out = kw
        .cmd(["check", "--unused-for", period, "--json"])
        .output()
        .unwrap();
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["problem"] == "unused")
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

/// One JSON value per line (`audit export --format jsonl`, an audit log).
pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
