//! Exposure (DESIGN §14): the versions a removed recipient could read stay **exposed**
//! — in `check`, `show` and a repeated `offboard` — until they are replaced.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{HOUR, MINUTE, Sandbox, T0};

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
    let (_, r) = kw.member_in("leaver.key", &["dev", "prod"]);
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
        .code(8)
        .stderr(contains("offboarded from `dev`"));

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
    let show = kw.json(["-e", "prod", "show", "PARTNER_API_KEY", "--json"]);
    assert_eq!(
        show["versions"][0]["exposed_to"][0]["recipient"],
        r.as_str()
    );
    assert_eq!(show["versions"][0]["exposed_to"][0]["action"], "offboard");
    let fresh = kw.json(["-e", "prod", "show", "SESSION_SECRET", "--json"]);
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

/// A rotation after a removal, with a grace, leaves the version the removed person read
/// accepted by `verify` until the grace ends: `check`, `show` and a repeated `offboard`
/// name it (by version, with the `revoke` that ends it), not only an unreplaced newest
/// value. Once revoked, or once the grace is over, it is no longer exposed.
#[test]
fn a_version_a_grace_keeps_in_service_after_a_removal_is_exposed_until_revoked() {
    let mut kw = Sandbox::with_vault_at(T0);
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    kw.set("IMPORTED", "provider-value-1");
    kw.generate("GEN");
    kw.generate("SHORT");

    kw.at(T0 + MINUTE);
    kw.cmd(["access", "revoke", "--yes", &r]).assert().success();
    kw.at(T0 + 2 * MINUTE);
    kw.cmd(["rotate", "IMPORTED", "--grace", "7d"])
        .write_stdin("provider-value-2")
        .assert()
        .success();
    kw.cmd(["rotate", "GEN", "--grace", "7d"])
        .assert()
        .success();
    kw.cmd(["rotate", "SHORT", "--grace", "1h"])
        .assert()
        .success();
    // the premise: the value they read still verifies
    kw.cmd(["verify"])
        .write_stdin("provider-value-1")
        .assert()
        .success();

    kw.at(T0 + 3 * MINUTE);
    let (code, v) = check_json(&kw, &["check", "--json"]);
    assert_eq!(code, 8, "{v}");
    let mut found: Vec<(String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["problem"] == "exposed")
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["version"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("GEN".to_owned(), 1),
            ("IMPORTED".to_owned(), 1),
            ("SHORT".to_owned(), 1)
        ]
    );
    let detail = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "IMPORTED")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains(&short(&r))
            && detail.contains("keyward revoke -e dev IMPORTED --version 1"),
        "{detail}"
    );
    kw.cmd(["show", "IMPORTED"]).assert().success().stdout(
        contains("version 1 still verifies")
            .and(contains("keyward revoke -e dev IMPORTED --version 1"))
            .and(contains("exposed to")),
    );
    let show = kw.json(["show", "IMPORTED", "--json"]);
    assert_eq!(
        show["versions"][0]["exposed_to"][0]["recipient"],
        r.as_str()
    );
    assert!(show["versions"][1].get("exposed_to").is_none(), "{show}");
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .code(8)
        .stderr(
            contains("not a recipient of any environment")
                .and(contains("older version(s)"))
                .and(contains("IMPORTED v1"))
                .and(contains("keyward revoke -e dev")),
        );

    // revoked by version: no longer exposed; SHORT's grace ends on its own
    for name in ["IMPORTED", "GEN"] {
        kw.cmd([
            "revoke",
            "--yes",
            name,
            "--version",
            "1",
            "--reason",
            "read by a leaver",
        ])
        .assert()
        .success();
    }
    kw.cmd(["verify"])
        .write_stdin("provider-value-1")
        .assert()
        .code(4);
    let (code, v) = check_json(&kw, &["check", "--json"]);
    assert_eq!(code, 8, "{v}");
    assert_eq!(exposed(&v), [("dev".to_owned(), "SHORT".to_owned())]);
    kw.at(T0 + 2 * HOUR);
    kw.cmd(["check"])
        .assert()
        .success()
        .stderr(contains("all keys are in order"));
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .success();
}

/// Exposure follows the chain's order, not the clocks of the machines that wrote it
/// (DESIGN §14): a key made on a machine whose clock runs ten minutes ahead, before a
/// removal made on a machine whose clock is right, could be read by the removed member
/// (it is exposed, though its time is later); a key made after a removal written by a
/// fast clock could not (it is not, though its time is earlier).
#[test]
fn exposure_follows_the_chains_order_not_the_writers_clocks() {
    let mut kw = Sandbox::with_vault_at(T0);
    let carol = kw.recipient_of(&kw.write_identity("carol.key"));
    let dave = kw.recipient_of(&kw.write_identity("dave.key"));
    for r in [&carol, &dave] {
        kw.cmd(["access", "grant", r]).assert().success();
    }
    // Bob's machine, ten minutes fast, makes a key at (real) T0 + 3 min.
    let bob = kw.path("state-bob");
    kw.cmd(["generate", "BOBKEY"])
        .env("XDG_STATE_HOME", &bob)
        .env("KEYWARD_TEST_NOW", (T0 + 13 * MINUTE).to_string())
        .assert()
        .success();
    // Alice, on time, removes Carol at T0 + 5 min.
    kw.at(T0 + 5 * MINUTE);
    kw.cmd(["access", "revoke", "--yes", &carol])
        .assert()
        .success();
    // Alice's clock then runs an hour fast as she removes Dave; Bob, on time again,
    // makes a key after that removal.
    kw.at(T0 + 70 * MINUTE);
    kw.cmd(["access", "revoke", "--yes", &dave])
        .assert()
        .success();
    kw.cmd(["generate", "AFTER"])
        .env("XDG_STATE_HOME", &bob)
        .env("KEYWARD_TEST_NOW", (T0 + 20 * MINUTE).to_string())
        .assert()
        .success();
    kw.at(T0 + 80 * MINUTE);
    let (code, v) = check_json(&kw, &["check", "--json"]);
    assert_eq!(code, 8, "{v}");
    let names: Vec<String> = exposed(&v).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["BOBKEY"], "{v}");
    let detail = v[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&short(&carol)) && detail.contains("and 1 more"),
        "{detail}"
    );
    kw.cmd(["show", "BOBKEY"])
        .assert()
        .success()
        .stdout(contains("exposed").and(contains(short(&carol))));
}

/// A key keeps its exposure through renames and deletes: a writer who makes `Y`, deletes
/// it and renames the exposed `X` onto the name does not make `X`'s value look made
/// after the removal (the making event is the key's own, not its name's).
#[test]
fn a_key_renamed_onto_a_name_once_used_stays_exposed() {
    let mut kw = Sandbox::with_vault_at(T0);
    let carol = kw.recipient_of(&kw.write_identity("carol.key"));
    kw.cmd(["access", "grant", &carol]).assert().success();
    kw.generate("X");
    kw.at(T0 + MINUTE);
    kw.cmd(["access", "revoke", "--yes", &carol])
        .assert()
        .success();
    kw.at(T0 + 2 * MINUTE);
    kw.generate("Y");
    kw.cmd(["delete", "Y", "--reason", "cleanup", "--yes"])
        .assert()
        .success();
    kw.cmd(["rename", "X", "Y"]).assert().success();
    let (code, v) = check_json(&kw, &["check", "--json"]);
    assert_eq!(code, 8, "{v}");
    let names: Vec<String> = exposed(&v).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Y"], "{v}");
    kw.cmd(["show", "Y"])
        .assert()
        .success()
        .stdout(contains("exposed").and(contains(short(&carol))));
    // A key made after the removal under a name deleted since is not.
    kw.generate("Z");
    kw.cmd(["delete", "Z", "--reason", "cleanup", "--yes"])
        .assert()
        .success();
    kw.generate("Z");
    // A key made after the removal and renamed since is not exposed, in `show` too
    // (which reads only the making events of the names the key had).
    kw.generate("NEWER");
    kw.cmd(["rename", "NEWER", "RENAMED"]).assert().success();
    let (_, v) = check_json(&kw, &["check", "--json"]);
    let names: Vec<String> = exposed(&v).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Y"], "{v}");
    let shown = kw.stdout(["show", "RENAMED"]);
    assert!(!shown.contains("exposed"), "{shown}");
}
