//! `rotate` and `rotate --all`: a generated key gets a new value in its own format, an
//! imported one reads it from stdin; grace periods; `--due` and `--older-than`; a batch
//! beyond one statement chunk; never back to an earlier value, and a status only moves
//! forward.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{DAY, HOUR, SECOND, Sandbox, T0, get, verify, versions};

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
        .stderr(contains(
            "key `K` version 1 in `dev` is retired: replaced by a newer version",
        ))
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
        .code(2)
        .stderr(contains(
            "the argument '--due' cannot be used with '--older-than <DUR>'",
        ));
    kw.cmd(["rotate", "--due"])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --all\n  <NAME>",
        ));
    kw.cmd(["rotate", "K", "--grace", "1y"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value '1y' for '--grace <DUR>': invalid duration `1y`",
        ));
}

#[test]
fn a_batch_beyond_one_chunk_rotates_every_key_as_one_rotation_would() {
    let mut kw = Sandbox::with_vault_at(T0);
    // 66 keys: a full chunk of 64 rows and a partial one.
    let names: Vec<String> = (0..66).map(|i| format!("K{i:02}")).collect();
    let old: Vec<String> = names.iter().map(|n| kw.generate(n)).collect();
    kw.at(T0 + HOUR);
    let rows: serde_json::Value =
        serde_json::from_str(&kw.stdout(["rotate", "--all", "--yes", "--grace", "1h", "--json"]))
            .unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 66);
    assert!(
        rows.iter()
            .all(|r| r["result"] == "rotated" && r["new_version"] == 2)
    );

    // Every key: a new active value that `verify` finds (its fingerprint row, written in
    // index order, so chunks do not follow keys), the old one verifying during the grace.
    for (i, name) in names.iter().enumerate() {
        let new = kw.stdout(["get", name]).trim_end().to_owned();
        assert_ne!(new, old[i]);
        assert_eq!(verify(&kw, "dev", &new).0, 0, "new value of {name}");
        assert_eq!(
            verify(&kw, "dev", &old[i]).0,
            0,
            "old value of {name} in its grace"
        );
    }
    for i in [0, 63, 64, 65] {
        let show: serde_json::Value =
            serde_json::from_str(&kw.stdout(["show", &names[i], "--json"])).unwrap();
        assert_eq!(show["versions"][0]["status"], "retiring");
        assert_eq!(show["versions"][1]["status"], "active");
    }

    // One `rotate` event per key, in name order, each for version 2, chain intact.
    let events: serde_json::Value = serde_json::from_str(
        &kw.stdout(["audit", "--action", "rotate", "--limit", "1000", "--json"]),
    )
    .unwrap();
    let mut keys: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["version"], 2))
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 66);
    if keys.first() > keys.last() {
        keys.reverse();
    }
    assert_eq!(keys, names);
    kw.cmd(["audit", "verify"]).assert().success();

    // After the grace the old values stop verifying; the new ones do not.
    kw.at(T0 + 2 * HOUR + SECOND);
    assert_eq!(verify(&kw, "dev", &old[65]).0, 4);
    let new = kw.stdout(["get", &names[65]]).trim_end().to_owned();
    assert_eq!(verify(&kw, "dev", &new).0, 0);
}

#[test]
fn rotate_all_names_the_full_command_for_imported_keys() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "-e", "prod", "PARTNER_API_KEY"])
        .write_stdin("partner-value-12345")
        .assert()
        .success();
    kw.cmd(["rotate", "-e", "prod", "--all", "--yes"])
        .assert()
        .code(8)
        .stderr(contains(
            "`printf %s \"$NEW\" | keyward rotate -e prod PARTNER_API_KEY`",
        ));
}

#[test]
fn rotate_to_an_earlier_value_is_refused_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    let leaked = "leaked-provider-value-0001";
    let second = "second-provider-value-0002";
    kw.set("A", leaked);
    kw.cmd(["rotate", "A"])
        .write_stdin(second)
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    let versions_before = versions(&kw, "dev", "A");
    assert_eq!(versions_before.len(), 2);
    // the leaked value (version 1, retired) and the current one (version 2)
    for (value, earlier) in [(leaked, "version 1"), (second, "version 2")] {
        let out = kw.cmd(["rotate", "A"]).write_stdin(value).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(
            stderr.contains("`A`") && stderr.contains(earlier),
            "{stderr}"
        );
        assert!(!stderr.contains(value), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // nothing changed: same file, same versions, the current value still active
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), versions_before);
    assert_eq!(get(&kw, "dev", "A"), second);
    // a fresh value is still accepted
    kw.cmd(["rotate", "A"])
        .write_stdin("third-provider-value-0003")
        .assert()
        .success();
    assert_eq!(versions(&kw, "dev", "A").len(), 3);
}

#[test]
fn rotate_to_the_value_of_a_revoked_version_is_refused() {
    let kw = Sandbox::with_vault();
    kw.set("A", "first-value-revoked-later");
    kw.cmd(["rotate", "A"])
        .write_stdin("second-value-still-good")
        .assert()
        .success();
    kw.cmd([
        "revoke",
        "--yes",
        "A",
        "--version",
        "1",
        "--reason",
        "leaked",
    ])
    .assert()
    .success();
    kw.cmd(["rotate", "A"])
        .write_stdin("first-value-revoked-later")
        .assert()
        .code(4)
        .stderr(contains("version 1").and(contains("first-value").not()));
    assert_eq!(get(&kw, "dev", "A"), "second-value-still-good");
}

/// A later rotation with a longer grace must not bring back a version whose grace has
/// ended: status only moves forward. Both the one-key path (`rotate NAME`) and the batch
/// path (`rotate --all`) are checked. The rotations run on the test clock, hours in the
/// past; `verify` and `show` run at the present, so no margin is tight.
#[test]
fn a_later_rotation_never_brings_back_a_retired_version() {
    let kw = Sandbox::with_vault();
    let hour = 3_600_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let t0 = now - 10 * hour;
    let at = |ms: i64, args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_TEST_NOW", ms.to_string());
        c
    };
    let one = kw.generate("ONE");
    let all = kw.generate("ALL");
    // t0: the first versions retiring until t0 + 1h
    at(t0, &["rotate", "ONE", "--grace", "1h"])
        .assert()
        .success();
    at(t0, &["rotate", "--all", "--yes", "--grace", "1h"])
        .assert()
        .success();
    // t0 + 2h: that grace has ended; rotate again with a long one
    at(t0 + 2 * hour, &["rotate", "ONE", "--grace", "30d"])
        .assert()
        .success();
    at(
        t0 + 2 * hour,
        &["rotate", "--all", "--yes", "--grace", "30d"],
    )
    .assert()
    .success();
    for value in [&one, &all] {
        kw.cmd(["verify"])
            .write_stdin(value.as_str())
            .assert()
            .code(4)
            .stderr(contains("version 1 in `dev` is retired"));
    }
    let statuses = |name: &str| -> Vec<String> {
        versions(&kw, "dev", name)
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    };
    assert_eq!(
        statuses("ONE"),
        ["retired", "retired", "retiring", "retiring", "active"]
    );
    assert_eq!(statuses("ALL"), ["retired", "retiring", "active"]);
}

#[test]
fn rotating_a_revoked_key_issues_a_new_active_version_and_the_revoked_one_stays_refused() {
    let kw = Sandbox::with_vault();
    let leaked = kw.generate("K");
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    let out = kw.cmd(["rotate", "K"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("version 1 stays revoked"), "{err}");
    assert!(
        !err.contains("generate"),
        "never pointed at generate: {err}"
    );
    let fresh = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_ne!(fresh, leaked);
    assert_eq!(get(&kw, "dev", "K"), fresh);
    assert_eq!(
        versions(&kw, "dev", "K"),
        vec![(1, "revoked".to_owned()), (2, "active".to_owned())]
    );
    assert_eq!(
        verify(&kw, "dev", &leaked).0,
        4,
        "the leaked value stays refused"
    );
    assert_eq!(verify(&kw, "dev", &fresh).0, 0);
    // An imported key: a new value from stdin; the revoked one may not come back.
    kw.set("S", "first-provider-value");
    kw.cmd(["revoke", "S", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["rotate", "S"])
        .write_stdin("first-provider-value")
        .assert()
        .code(4);
    kw.cmd(["rotate", "S"])
        .write_stdin("second-provider-value")
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "S"), "second-provider-value");
    // `generate` of a name in use points at `rotate`, which now always answers.
    kw.cmd(["generate", "K"])
        .assert()
        .failure()
        .stderr(contains("keyward rotate K"));
}

#[test]
fn a_shorter_grace_never_cuts_an_older_versions_window() {
    let mut kw = Sandbox::with_vault_at(T0);
    let v1 = kw.generate("K");
    let v2 = kw
        .stdout(["rotate", "K", "--grace", "7d"])
        .trim()
        .to_owned();
    kw.at(T0 + HOUR);
    let out = kw.cmd(["rotate", "K", "--grace", "1h"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("version 1 keeps verifying until 2030-01-08") && err.contains("its own grace"),
        "{err}"
    );
    let show = kw.json(["show", "K", "--json"]);
    assert_eq!(show["versions"][0]["retire_at"], "2030-01-08T00:00:00.000Z");
    assert_eq!(show["versions"][1]["retire_at"], "2030-01-01T02:00:00.000Z");
    // Past v2's grace, within v1's: v1 still verifies as promised, v2 no longer.
    kw.at(T0 + 3 * HOUR);
    assert_eq!(verify(&kw, "dev", &v1).0, 0);
    assert_eq!(verify(&kw, "dev", &v2).0, 4);
    // Without a grace at all: the older promise still holds.
    kw.cmd(["rotate", "K"]).assert().success();
    assert_eq!(verify(&kw, "dev", &v1).0, 0);
    kw.at(T0 + 8 * DAY);
    assert_eq!(verify(&kw, "dev", &v1).0, 4);
    kw.cmd(["audit", "verify"]).assert().success();
}

/// The same promise through `rotate --all` (a scheduled job): a version already in its
/// grace keeps its own end, with a shorter `--grace` or none.
#[test]
fn rotate_all_never_cuts_a_grace_an_earlier_rotation_promised() {
    let mut kw = Sandbox::with_vault_at(T0);
    let v1 = kw.generate("K");
    kw.generate("OTHER");
    kw.cmd(["rotate", "K", "--grace", "24h"]).assert().success();
    kw.at(T0 + HOUR);
    for grace in [&["--grace", "1h"][..], &[][..]] {
        let mut args = vec!["rotate", "--all", "--yes"];
        args.extend_from_slice(grace);
        kw.cmd(&args).assert().success();
        let show = kw.json(["show", "K", "--json"]);
        assert_eq!(show["versions"][0]["status"], "retiring", "{grace:?}");
        assert_eq!(
            show["versions"][0]["retire_at"], "2030-01-02T00:00:00.000Z",
            "{grace:?}"
        );
    }
    kw.at(T0 + 3 * HOUR);
    assert_eq!(verify(&kw, "dev", &v1).0, 0, "inside the promised window");
    kw.at(T0 + DAY);
    assert_eq!(verify(&kw, "dev", &v1).0, 4);
}

#[test]
fn rotating_in_production_without_grace_asks_first_on_a_terminal() {
    let kw = Sandbox::with_vault();
    let old = kw.stdout(["-e", "prod", "generate", "K"]).trim().to_owned();
    let asked =
        "`prod` is production and there is no --grace: `K` v1 stops passing `verify` at once";
    let no = crate::support::pty::answer_on_terminal(&kw, &["-e", "prod", "rotate", "K"], "n");
    assert_eq!(no.code, 2, "{}", no.stderr);
    assert!(no.stderr.contains(asked), "{}", no.stderr);
    assert!(
        no.stderr.contains("keyward rotate K -e prod --grace 24h"),
        "the question offers the grace: {}",
        no.stderr
    );
    assert_eq!(get(&kw, "prod", "K"), old, "nothing changed");
    let yes = crate::support::pty::answer_on_terminal(&kw, &["-e", "prod", "rotate", "K"], "y");
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert_ne!(get(&kw, "prod", "K"), old);
    assert!(
        !yes.stderr.contains("every service still using them fails"),
        "asked, not warned after: {}",
        yes.stderr
    );
    // With a grace, --yes, in dev: nothing to ask.
    for args in [
        &["-e", "prod", "rotate", "K", "--grace", "1h"][..],
        &["-e", "prod", "rotate", "K", "--yes"],
        &["-e", "dev", "rotate", "K2"],
    ] {
        if args.contains(&"K2") {
            kw.generate("K2");
        }
        let r = crate::support::pty::answer_on_terminal(&kw, args, "n");
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("[y/N]"), "{args:?}: {}", r.stderr);
    }
    // Without a terminal (a script): no question; the warning says it.
    kw.cmd(["-e", "prod", "rotate", "K"])
        .assert()
        .success()
        .stderr(contains("is production and there is no --grace"));
}
