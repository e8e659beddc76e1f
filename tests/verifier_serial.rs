//! The serial of a verifier set never goes back (DESIGN §13): services keep the highest
//! serial they loaded and refuse a lower one, so a set made after `trust` of an earlier
//! state (a restored backup) must land above every set published before, on any
//! machine, and an export not newer than one this machine made is refused.

use std::fs;

use crate::support::{Sandbox, T0};

/// `verifier export --json -o OUT`'s serial; `ci`: as a runner with no state and the
/// vault as a checkout has it (`ci-vault`, a copy without this machine's journal).
fn serial_of(kw: &Sandbox, out: &str, ci: bool) -> i64 {
    let mut c = kw.cmd(["verifier", "export", "--json", "-o", out]);
    if ci {
        let copied = kw
            .sh("rm -rf ci-vault && cp -a vault ci-vault && rm -rf ci-vault/journal")
            .status()
            .unwrap();
        assert!(copied.success());
        c.env("XDG_STATE_HOME", kw.path("ci-state"))
            .env("KEYWARD_VAULT", kw.path("ci-vault"));
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["serial"].as_i64().unwrap()
}

fn check_code(kw: &Sandbox, set: &str, min: i64, presented: &str) -> Option<i32> {
    kw.cmd(["verifier", "check", "--set", set, "--min-serial"])
        .arg(min.to_string())
        .write_stdin(presented.as_bytes().to_vec())
        .output()
        .unwrap()
        .status
        .code()
}

#[test]
fn a_set_after_trusting_a_restored_backup_is_above_every_set_published_before() {
    let kw = Sandbox::with_vault_at(T0);
    let k = kw.generate("K");
    kw.generate("J");
    serial_of(&kw, "first.kwset", false);
    let backup = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "J", "--yes"]).assert().success();
    kw.generate("X");
    kw.generate("Y");
    let published = serial_of(&kw, "published.kwset", false);
    assert_eq!(check_code(&kw, "published.kwset", published, &k), Some(0));

    fs::write(kw.env_file("dev"), &backup).unwrap();
    let trusted = kw
        .cmd(["trust", "--reason", "restored backup after review", "--yes"])
        .output()
        .unwrap();
    assert!(trusted.status.success());
    let said = String::from_utf8_lossy(&trusted.stderr);
    assert!(
        said.contains(&format!(
            "verifier sets of it continue above serial {published}"
        )),
        "{said}"
    );
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    let after = serial_of(&kw, "new.kwset", false);
    assert!(after > published, "serial {after} after {published}");
    // The service that keeps the highest serial takes it: K is gone from it.
    assert_eq!(check_code(&kw, "new.kwset", published, &k), Some(3));
    // The trust event carries the floor, so a runner with no state computes the same.
    assert_eq!(serial_of(&kw, "ci.kwset", true), after);
    let audit = kw.stdout(["audit", "--json"]);
    assert!(
        audit.contains(&format!(
            "restored backup after review; verifier serials continue above {published}"
        )),
        "{audit}"
    );
}

/// Every event after the trust counts on top of the floor, and a `trust` of the state
/// as it is adds no floor.
#[test]
fn serials_keep_growing_after_a_trust_and_a_current_trust_changes_nothing_but_one() {
    let kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    serial_of(&kw, "first.kwset", false);
    let backup = fs::read(kw.env_file("dev")).unwrap();
    kw.generate("X");
    kw.generate("Y");
    kw.generate("Z");
    let published = serial_of(&kw, "a.kwset", false);
    fs::write(kw.env_file("dev"), &backup).unwrap();
    kw.cmd(["trust", "--reason", "rollback", "--yes"])
        .assert()
        .success();
    let one = serial_of(&kw, "b.kwset", false);
    assert_eq!(one, published + 1);
    kw.generate("W");
    assert_eq!(serial_of(&kw, "c.kwset", false), one + 1);
    kw.cmd(["trust", "--reason", "again", "--yes"])
        .assert()
        .success();
    assert_eq!(serial_of(&kw, "d.kwset", false), one + 2);
    let audit = kw.stdout(["audit", "--json"]);
    assert!(!audit.contains("again; verifier"), "{audit}");
}

/// After a new key, `verifier export -o b.kwset` refused (exit 6): what it said.
fn refused_export(kw: &Sandbox) -> String {
    kw.generate("L");
    let out = kw
        .cmd(["verifier", "export", "-o", "b.kwset"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(6), "{err}");
    err
}

/// This machine remembers the highest serial it exported (beside its pins): a state
/// whose sets would not be above it (one trusted by an older keyward, which recorded
/// no floor) is refused before anything is written, and `trust` is the way on.
#[test]
fn an_export_not_newer_than_one_made_here_is_refused_until_trust() {
    let kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    let serial = serial_of(&kw, "a.kwset", false);
    let records: Vec<_> = crate::support::files_under(&kw.path("state"))
        .into_iter()
        .filter(|p| p.ends_with("dev.sets.json"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let text = fs::read_to_string(&records[0]).unwrap();
    assert!(text.contains(&format!("\"serial\":{serial}")), "{text}");
    // The same state again: allowed (the set drops what expired, at the same serial).
    assert_eq!(serial_of(&kw, "a.kwset", false), serial);
    // As if a later state (serial 40) had been exported here before a rollback.
    let raised = text.replace(&format!("\"serial\":{serial}"), "\"serial\":40");
    fs::write(&records[0], raised).unwrap();
    let err = refused_export(&kw);
    assert!(
        err.contains(&format!(
            "would have serial {}, but this machine already exported serial 40",
            serial + 1
        )) && err.contains("hint: "),
        "{err}"
    );
    assert!(!kw.path("b.kwset").exists(), "nothing written");
    kw.cmd(["trust", "--reason", "publish from here", "--yes"])
        .assert()
        .success();
    assert_eq!(serial_of(&kw, "b.kwset", false), 41);
}

/// A damaged record of the serials exported here is not taken for "none exported":
/// that would let an export go below a published serial. It is named, with what
/// removing it gives up, and nothing is written.
#[test]
fn a_damaged_record_of_exported_serials_is_named_and_never_reset() {
    let kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    serial_of(&kw, "a.kwset", false);
    let record = crate::support::files_under(&kw.path("state"))
        .into_iter()
        .find(|p| p.ends_with("dev.sets.json"))
        .unwrap();
    fs::write(&record, b"{\"v\":1,\"sets\":").unwrap();
    let err = refused_export(&kw);
    assert!(
        err.contains(&format!("`{}`", record.display()))
            && err.contains("record of the verifier sets it exported for `dev`, is corrupt")
            && err.contains("hint: it keeps exports above the serial services already hold"),
        "{err}"
    );
    assert!(!kw.path("b.kwset").exists(), "nothing written");
    assert_eq!(fs::read(&record).unwrap(), b"{\"v\":1,\"sets\":");
}

#[test]
fn a_second_restore_continues_above_the_serial_a_runner_published_from_the_first() {
    // After a first restore the serial is above the head's number (the floor); a runner
    // with no state publishes from that state; a second restore on this machine, which
    // never exported that serial itself, must still continue above it.
    let kw = Sandbox::with_vault_at(T0);
    let k = kw.generate("K");
    serial_of(&kw, "first.kwset", false);
    let backup = fs::read(kw.env_file("dev")).unwrap();
    for name in ["A", "B", "C", "D"] {
        kw.generate(name);
    }
    serial_of(&kw, "second.kwset", false);
    fs::write(kw.env_file("dev"), &backup).unwrap();
    kw.cmd(["trust", "--reason", "first restore", "--yes"])
        .assert()
        .success();
    let backup2 = fs::read(kw.env_file("dev")).unwrap();
    for name in ["E", "F", "G", "H"] {
        kw.generate(name);
    }
    let published = serial_of(&kw, "ci.kwset", true);
    // This machine reads the state the runner published from (its pin records it).
    kw.cmd(["list"]).assert().success();
    fs::write(kw.env_file("dev"), &backup2).unwrap();
    kw.cmd(["trust", "--reason", "second restore", "--yes"])
        .assert()
        .success();
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    let after = serial_of(&kw, "after.kwset", false);
    assert!(after > published, "serial {after} after {published}");
    assert_eq!(check_code(&kw, "after.kwset", published, &k), Some(3));
}

/// DESIGN §13, §15: which sets services take is the environment's policy. A floor counts
/// only where an admin signed it: a writer's `trust` of an earlier state is refused (it
/// would record one), no reason may carry one typed by hand, and one a writer writes
/// into a `trust` event and signs with their own key is not counted.
#[test]
fn only_a_floor_an_admin_signed_counts() {
    use crate::support::{edit_image, forge};
    let kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    let (bob_key, bob) = crate::support::bound_writer(&kw);
    let first = serial_of(&kw, "a.kwset", false);
    kw.cmd([
        "trust",
        "--reason",
        "fine; verifier serials continue above 4000000000",
        "--yes",
    ])
    .assert()
    .code(2)
    .stderr(predicates::str::contains("a reason may not hold"));
    // A writer's hand-made floor, signed with the writer's own key: read, not counted.
    kw.encrypt_env(
        "dev",
        &edit_image(&kw.decrypt_env("dev"), |c| {
            forge::append_event_with_reason(
                c,
                &bob,
                keyward::audit::Action::Trust,
                Some("restored; verifier serials continue above 4000000000"),
            );
            forge::resign(c, &bob_key);
        }),
    );
    let audit = kw.stdout(["audit", "--action", "trust"]);
    assert!(audit.contains("continue above 4000000000"), "{audit}");
    let after = serial_of(&kw, "b.kwset", false);
    assert!(after > first && after < 100, "{first} then {after}");
    // A writer's `trust` of an earlier state would record a floor: an admin's to do.
    kw.generate("Y"); // encrypted to every member again (the forgery was to one)
    let base = fs::read(kw.env_file("dev")).unwrap();
    kw.generate("X");
    serial_of(&kw, "c.kwset", false);
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd_as(&bob_key, ["trust", "--reason", "restored", "--yes"])
        .assert()
        .code(5)
        .stderr(predicates::str::contains(
            "may not accept an earlier state of an environment that publishes verifier sets",
        ))
        .stderr(predicates::str::contains("that needs the `admin` role"));
    kw.cmd(["trust", "--reason", "restored", "--yes"])
        .assert()
        .success();
    assert!(serial_of(&kw, "d.kwset", false) > after + 2);
}
