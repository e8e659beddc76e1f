//! Obligations that are remembered (DESIGN §14): versions a removed recipient could read
//! stay **exposed** until replaced, and a key's expiry policy survives rotation.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{DAY, HOUR, MINUTE, Sandbox, T0};

fn json(kw: &Sandbox, args: &[&str]) -> Value {
    serde_json::from_str(&kw.stdout(args)).unwrap()
}

/// `age1abcd…wxyz`, as tables show a recipient.
fn short(r: &str) -> String {
    format!("{}…{}", &r[..10], &r[r.len() - 6..])
}

fn exposed(check: &Value) -> Vec<(String, String)> {
    let findings = check.get("findings").unwrap_or(check).as_array().unwrap();
    findings
        .iter()
        .filter(|f| f["problem"] == "exposed")
        .map(|f| {
            (
                f["env"].as_str().unwrap().to_owned(),
                f["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn check_json(kw: &Sandbox, args: &[&str]) -> (i32, Value) {
    let out = kw.cmd(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v)
}

#[test]
fn offboarding_leaves_imported_keys_exposed_until_rotated() {
    let mut kw = Sandbox::with_vault_at(T0);
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
    }
    kw.cmd(["-e", "prod", "set", "PARTNER_API_KEY"])
        .write_stdin("partner-issued-1")
        .assert()
        .success();
    kw.cmd(["-e", "prod", "generate", "SESSION_SECRET"])
        .assert()
        .success();
    kw.set("DEV_IMPORTED", "dev-provider-value");
    kw.cmd(["check", "--all-envs"]).assert().success();

    kw.at(T0 + HOUR);
    kw.cmd(["offboard", "--yes", &r, "--reason", "left the team"])
        .assert()
        .code(8);

    // generated keys were rotated with the offboarding: not exposed; imported ones are.
    kw.at(T0 + 2 * HOUR);
    let (code, v) = check_json(&kw, &["check", "--all-envs", "--json"]);
    assert_eq!(code, 8);
    let mut found = exposed(&v);
    found.sort();
    assert_eq!(
        found,
        [
            ("dev".to_owned(), "DEV_IMPORTED".to_owned()),
            ("prod".to_owned(), "PARTNER_API_KEY".to_owned())
        ]
    );
    let f = &v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "PARTNER_API_KEY")
        .unwrap()
        .clone();
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.contains(&short(&r)), "{detail}");
    assert!(
        detail.contains("offboarded 2030-01-01T01:00:00Z"),
        "{detail}"
    );
    kw.cmd(["-e", "prod", "check"])
        .assert()
        .code(8)
        .stdout(contains("exposed").and(contains("PARTNER_API_KEY")));

    // show says so, and by whom
    kw.cmd(["-e", "prod", "show", "PARTNER_API_KEY"])
        .assert()
        .success()
        .stdout(
            contains("exposed")
                .and(contains(short(&r)))
                .and(contains("keyward rotate -e prod PARTNER_API_KEY")),
        );
    let show = json(&kw, &["-e", "prod", "show", "PARTNER_API_KEY", "--json"]);
    assert_eq!(
        show["versions"][0]["exposed_to"][0]["recipient"],
        r.as_str()
    );
    assert_eq!(show["versions"][0]["exposed_to"][0]["action"], "offboard");
    let fresh = json(&kw, &["-e", "prod", "show", "SESSION_SECRET", "--json"]);
    assert!(fresh["versions"][1].get("exposed_to").is_none());
    kw.cmd(["-e", "prod", "show", "SESSION_SECRET"])
        .assert()
        .success()
        .stdout(contains("exposed").not());

    // a second offboarding says they are gone, and that keys remain exposed: exit 8
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .code(8)
        .stderr(
            contains("not a recipient of any environment")
                .and(contains("PARTNER_API_KEY"))
                .and(contains("keyward rotate -e prod PARTNER_API_KEY")),
        );

    // rotating replaces the exposed version: prod is in order; dev still is not
    kw.cmd(["-e", "prod", "rotate", "PARTNER_API_KEY"])
        .write_stdin("partner-issued-2")
        .assert()
        .success();
    kw.cmd(["-e", "prod", "check"])
        .assert()
        .success()
        .stderr(contains("all keys are in order"));
    kw.cmd(["-e", "prod", "show", "PARTNER_API_KEY"])
        .assert()
        .success()
        .stdout(contains("exposed").not());
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .code(8)
        .stderr(contains("DEV_IMPORTED").and(contains("PARTNER_API_KEY").not()));
    kw.cmd(["rotate", "DEV_IMPORTED"])
        .write_stdin("dev-provider-value-2")
        .assert()
        .success();
    kw.cmd(["check", "--all-envs"]).assert().success();
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .success()
        .stderr(contains("not a recipient of any environment"));
}

#[test]
fn access_revoke_exposes_every_current_version_created_before_it() {
    let mut kw = Sandbox::with_vault_at(T0);
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    kw.generate("OLD_GEN");
    kw.set("OLD_SET", "value-before");
    kw.generate("REVOKED");
    kw.cmd(["revoke", "--yes", "REVOKED", "--reason", "unused"])
        .assert()
        .success();

    kw.at(T0 + MINUTE);
    kw.cmd(["access", "revoke", "--yes", &r]).assert().success();
    kw.at(T0 + 2 * MINUTE);
    kw.generate("AFTER"); // created after the removal: never readable by them

    let (code, v) = check_json(&kw, &["check", "--json"]);
    assert_eq!(code, 8);
    let mut names: Vec<String> = exposed(&v).into_iter().map(|(_, n)| n).collect();
    names.sort();
    assert_eq!(names, ["OLD_GEN", "OLD_SET"]);
    let detail = v[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&short(&r)) && detail.contains("access revoked"),
        "{detail}"
    );
    kw.cmd(["show", "OLD_GEN"])
        .assert()
        .success()
        .stdout(contains("exposed").and(contains(short(&r))));

    // the other key holder (dev is still readable by this identity) rotates both
    kw.cmd(["rotate", "OLD_GEN"]).assert().success();
    kw.cmd(["rotate", "OLD_SET"])
        .write_stdin("value-after")
        .assert()
        .success();
    kw.cmd(["check"]).assert().success();
    // get pays nothing for this and is unaffected by it
    kw.cmd(["get", "OLD_SET", "-n"])
        .assert()
        .success()
        .stdout("value-after");
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
    let show = json(&kw, &["-e", "prod", "show", "API_TOKEN", "--json"]);
    assert_eq!(show["lifetime"], "90d");
    assert_eq!(show["versions"][1]["expires"], "2030-04-11T00:00:00.000Z");

    // rotate --all 20 days later: each key keeps its own lifetime; none is added
    kw.at(T0 + 20 * DAY);
    kw.cmd(["-e", "prod", "rotate", "--all", "--yes"])
        .assert()
        .success();
    let show = json(&kw, &["-e", "prod", "show", "API_TOKEN", "--json"]);
    assert_eq!(show["versions"][2]["expires"], "2030-04-21T00:00:00.000Z");
    let other = json(&kw, &["-e", "prod", "show", "OTHER", "--json"]); // day 20 + 30d
    assert_eq!(other["versions"][1]["expires"], "2030-02-20T00:00:00.000Z");
    let forever = json(&kw, &["-e", "prod", "show", "FOREVER", "--json"]);
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
    let show = json(&kw, &["-e", "prod", "show", "API_TOKEN", "--json"]);
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
    let show = json(&kw, &["show", "CERT_KEY", "--json"]);
    assert_eq!(show["lifetime"], "708h");
    kw.at(T0 + 40 * DAY);
    kw.cmd(["rotate", "CERT_KEY"])
        .write_stdin("cert-v2")
        .assert()
        .success();
    let show = json(&kw, &["show", "CERT_KEY", "--json"]);
    assert_eq!(show["versions"][1]["expires"], "2030-03-11T12:00:00.000Z");
    // bad input: a rotation expiry in the past is still refused
    kw.cmd(["rotate", "CERT_KEY", "--expires", "2029-01-01"])
        .write_stdin("cert-v3")
        .assert()
        .code(2);
}
