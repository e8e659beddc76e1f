//! Expiry: an expired version is refused with when it expired; a key's expiry is a
//! lifetime that each new version gets again; the longest and shortest expiries allowed.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{DAY, HOUR, MINUTE, SECOND, Sandbox, T0, verify};

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
fn expiry_lifetime_survives_rotation() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.cmd(["-e", "prod", "generate", "API_TOKEN", "--expires", "90d"])
        .assert()
        .success();
    kw.cmd(["-e", "prod", "generate", "OTHER", "--expires", "30d"])
        .assert()
        .success();
    kw.cmd(["-e", "prod", "generate", "FOREVER"])
        .assert()
        .success();
    kw.cmd(["-e", "prod", "show", "API_TOKEN"])
        .assert()
        .success()
        .stdout(contains("expiry:       90d after each new version"));

    // rotate one key 10 days later: 90 days again from the new version's creation
    kw.at(T0 + 10 * DAY);
    kw.cmd(["-e", "prod", "rotate", "API_TOKEN"])
        .assert()
        .success();
    let show = kw.json(["-e", "prod", "show", "API_TOKEN", "--json"]);
    assert_eq!(show["lifetime"], "90d");
    assert_eq!(show["versions"][1]["expires"], "2030-04-11T00:00:00.000Z");

    // rotate --all 20 days later: each key keeps its own lifetime; none is added
    kw.at(T0 + 20 * DAY);
    kw.cmd(["-e", "prod", "rotate", "--all", "--yes"])
        .assert()
        .success();
    let show = kw.json(["-e", "prod", "show", "API_TOKEN", "--json"]);
    assert_eq!(show["versions"][2]["expires"], "2030-04-21T00:00:00.000Z");
    let other = kw.json(["-e", "prod", "show", "OTHER", "--json"]); // day 20 + 30d
    assert_eq!(other["versions"][1]["expires"], "2030-02-20T00:00:00.000Z");
    let forever = kw.json(["-e", "prod", "show", "FOREVER", "--json"]);
    assert_eq!(forever["versions"][1]["expires"], Value::Null);
    assert_eq!(forever["lifetime"], Value::Null);
    kw.cmd(["-e", "prod", "show", "FOREVER"])
        .assert()
        .success()
        .stdout(contains("expiry:       -"));

    // check still sees it coming
    kw.at(T0 + 105 * DAY);
    kw.cmd(["-e", "prod", "check"])
        .assert()
        .code(8)
        .stdout(contains("API_TOKEN").and(contains("expiring")));

    // an explicit --expires on rotate wins, and becomes the policy
    kw.cmd(["-e", "prod", "rotate", "API_TOKEN", "--expires", "7d"])
        .assert()
        .success();
    let show = kw.json(["-e", "prod", "show", "API_TOKEN", "--json"]);
    assert_eq!(show["lifetime"], "1w");
    assert_eq!(show["versions"][3]["expires"], "2030-04-23T00:00:00.000Z");
}

#[test]
fn an_absolute_expiry_date_becomes_a_lifetime() {
    let mut kw = Sandbox::with_vault_at(T0 + 12 * HOUR);
    kw.cmd(["set", "CERT_KEY", "--expires", "2030-01-31"])
        .write_stdin("cert-v1")
        .assert()
        .success();
    // 30 days minus 12 hours, given as a date: kept as that lifetime
    let show = kw.json(["show", "CERT_KEY", "--json"]);
    assert_eq!(show["lifetime"], "708h");
    kw.at(T0 + 40 * DAY);
    kw.cmd(["rotate", "CERT_KEY"])
        .write_stdin("cert-v2")
        .assert()
        .success();
    let show = kw.json(["show", "CERT_KEY", "--json"]);
    assert_eq!(show["versions"][1]["expires"], "2030-03-11T12:00:00.000Z");
    // bad input: a rotation expiry in the past is still refused
    kw.cmd(["rotate", "CERT_KEY", "--expires", "2029-01-01"])
        .write_stdin("cert-v3")
        .assert()
        .code(2)
        .stderr(contains("--expires is in the past"));
}

#[test]
fn the_longest_allowed_expiry_is_stored_and_shown_as_a_date() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "A", "--expires", "417420w"])
        .assert()
        .success();
    kw.stdout(["show", "A"]);
    let show = kw.stdout(["show", "A", "--json"]);
    assert!(show.contains("9999-12-31T23:59:59"), "{show}");
    assert!(!show.contains("9223372036854775807"), "{show}");
}

#[test]
fn expires_0s_says_what_is_wrong() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "A", "--expires", "0s"])
        .assert()
        .code(2)
        .stderr(contains("greater than zero").and(contains("invalid date").not()));
}

/// A clock before 1970 (a dead real-time clock, a hostile time source) is refused with
/// a clear error, never a panic: expiries cannot be judged by it.
#[test]
fn a_clock_before_1970_is_refused_not_a_panic() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    kw.at(-5 * SECOND);
    for args in [&["get", "K"][..], &["check"][..], &["list"][..]] {
        kw.cmd(args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("the system clock is before 1970"));
    }
}

/// `import --overwrite` gives an existing key a new version "as `rotate` does": with
/// its expiry policy (DESIGN §14), not a version that never expires; a new key from
/// the same import has none.
#[test]
fn import_overwrite_keeps_a_keys_expiry_policy() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.cmd(["set", "IMP", "--expires", "7d"])
        .write_stdin("imported-value-one-0001")
        .assert()
        .success();
    kw.at(T0 + DAY);
    let file = kw.path("new.env");
    std::fs::write(
        &file,
        "IMP=imported-value-two-0002\nFRESH=fresh-value-0003\n",
    )
    .unwrap();
    kw.cmd([
        "import",
        file.to_str().unwrap(),
        "--format",
        "dotenv",
        "--overwrite",
    ])
    .assert()
    .success();
    let show = kw.json(["show", "IMP", "--json"]);
    assert_eq!(show["lifetime"], "1w");
    assert_eq!(show["versions"][1]["expires"], "2030-01-09T00:00:00.000Z");
    assert_eq!(
        kw.json(["show", "FRESH", "--json"])["lifetime"],
        Value::Null
    );
    kw.at(T0 + 30 * DAY);
    kw.cmd(["get", "IMP"])
        .assert()
        .code(4)
        .stderr(contains("expired at"));
    kw.cmd(["check"]).assert().code(8).stdout(contains("IMP"));
}

/// A clock set back past this machine's last recorded access (a snapshot restored, a
/// device without a real-time clock, a steered time source) releases nothing: an expired
/// key would come back. `check` reports it. A step smaller than five minutes passes.
/// When the time recorded then was the wrong one (the clock was ahead), `trust` accepts
/// this clock: the journal is set aside, kept, and a new one starts.
#[test]
fn a_clock_set_back_past_the_last_recorded_access_releases_nothing() {
    let mut kw = Sandbox::with_vault_at(T0);
    let value = kw.stdout(["generate", "K", "--expires", "1h"]);
    kw.generate("FOREVER");
    kw.at(T0 + 2 * HOUR);
    kw.cmd(["get", "K"]).assert().code(4);
    kw.at(T0 - 30 * DAY);
    kw.cmd(["get", "K"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains(
            "is behind this machine's last recorded access to `dev`",
        ));
    kw.cmd(["verify"])
        .write_stdin(value.trim())
        .assert()
        .code(1)
        .stderr(contains("is behind"));
    kw.cmd(["run", "--", "true"]).assert().code(1);
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("clock-behind"));
    // Four minutes back: a small step passes (the key is still expired), recorded at
    // the last time; four more do not walk the bound back.
    kw.at(T0 + 2 * HOUR - 4 * MINUTE);
    kw.cmd(["get", "K"]).assert().code(4);
    kw.at(T0 + 2 * HOUR - 8 * MINUTE);
    kw.cmd(["get", "FOREVER"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("is behind"));
    // The clock ran ten days ahead when FOREVER was read, then was set right.
    kw.at(T0 + 10 * DAY);
    kw.stdout(["get", "FOREVER"]);
    kw.at(T0 + 3 * HOUR);
    kw.cmd(["get", "FOREVER"]).assert().code(1);
    kw.cmd(["audit", "anomalies"])
        .assert()
        .code(1)
        .stderr(contains("is behind"));
    // A `trust` for another reason does not accept the clock: only `--clock` does.
    kw.cmd(["trust", "--reason", "reviewed", "--yes"])
        .assert()
        .success();
    kw.cmd(["get", "FOREVER"]).assert().code(1);
    let trusted = kw
        .cmd([
            "trust",
            "--clock",
            "--reason",
            "the clock was ten days ahead",
        ])
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{trusted:?}");
    let said = String::from_utf8_lossy(&trusted.stderr);
    assert!(
        said.contains("clock (2030-01-01T03:00:00Z) accepted") && said.contains("set aside as"),
        "{said}"
    );
    kw.stdout(["get", "FOREVER"]);
    kw.cmd(["get", "K"]).assert().code(4);
    // Nothing to accept any more.
    kw.cmd(["trust", "--clock", "--reason", "again"])
        .assert()
        .code(2)
        .stderr(contains("the clock is not behind"));
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("K").and(contains("clock-behind").not()));
}

/// A `read` member (a CI runner's identity) whose clock ran ahead once may accept the
/// clock set right: `trust --clock` changes only this machine's state, never the vault,
/// where a `read` member may not write.
#[test]
fn a_read_member_accepts_its_own_clock_set_right() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    let ci = kw.write_identity("ci.key");
    let rc = kw.recipient_of(&ci);
    kw.cmd(["access", "grant", &rc, "--role", "read"])
        .assert()
        .success();
    let as_ci = |kw: &Sandbox, args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_IDENTITY", &ci)
            .env("XDG_STATE_HOME", kw.path("state-ci"));
        c
    };
    kw.at(T0 + 365 * DAY);
    as_ci(&kw, &["get", "K"]).assert().success();
    kw.at(T0 + DAY);
    as_ci(&kw, &["get", "K"]).assert().code(1);
    as_ci(&kw, &["trust", "--reason", "x", "--yes"])
        .assert()
        .code(5);
    as_ci(
        &kw,
        &[
            "trust",
            "--clock",
            "--reason",
            "NTP was steered a year ahead",
        ],
    )
    .assert()
    .success();
    as_ci(&kw, &["get", "K"]).assert().success();
    as_ci(&kw, &["audit", "verify"]).assert().success();
    // Ahead again, accepted again at the same clock reading: the first journal set
    // aside is kept, not replaced by the second.
    kw.at(T0 + 365 * DAY);
    as_ci(&kw, &["get", "K"]).assert().success();
    kw.at(T0 + DAY);
    as_ci(&kw, &["trust", "--clock", "--reason", "again"])
        .assert()
        .success();
    let dir = kw
        .journal_in(&kw.path("state-ci"), &kw.vault(), "dev")
        .parent()
        .unwrap()
        .to_owned();
    let aside = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            n.starts_with("dev.aside-") && n.ends_with(".db")
        })
        .count();
    assert_eq!(aside, 2);
}
