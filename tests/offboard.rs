//! `offboard`: access cut everywhere, generated keys rotated, imported ones listed; a
//! grace period; planned before anything changes; environments it cannot open refused
//! unless skipped; a failure after a commit names what changed.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{HOUR, Sandbox, T0, vault_with_unreadable_env};

#[test]
fn offboard_cuts_access_rotates_and_lists_imported_keys() {
    let kw = Sandbox::with_vault();
    let (other, r) = kw.member_in("leaver.key", &["dev", "prod"]);
    let dev_gen = kw.generate("GEN");
    let prod_gen = kw.stdout(["-e", "prod", "generate", "GEN"]);
    kw.set("IMPORTED", "provider-issued");
    let test_key = kw.stdout(["-e", "test", "generate", "UNTOUCHED"]);
    let test_before = fs::read(kw.env_file("test")).unwrap();

    // dry run: the plan, nothing changed
    let dev_before = fs::read(kw.env_file("dev")).unwrap();
    let out = kw
        .cmd([
            "offboard",
            &r,
            "--reason",
            "left the team",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan.as_array().unwrap().len(), 2);
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), dev_before);
    kw.cmd_as(&other, ["get", "GEN"]).assert().success();

    let out = kw
        .cmd([
            "offboard",
            "--yes",
            &r,
            "--reason",
            "left the team",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dev = done
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["env"] == "dev")
        .unwrap();
    let keys = dev["keys"].as_array().unwrap();
    assert!(
        keys.iter()
            .any(|k| k["name"] == "GEN" && k["result"] == "rotated")
    );
    assert!(
        keys.iter()
            .any(|k| k["name"] == "IMPORTED" && k["result"] == "needs-new-value")
    );
    // access gone everywhere
    kw.cmd_as(&other, ["get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
    kw.cmd_as(&other, ["-e", "prod", "get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `prod`",
        ));
    // old values no longer verify; new ones do
    kw.cmd(["verify"])
        .write_stdin(dev_gen.as_str())
        .assert()
        .code(4)
        .stderr(contains("rejected: `GEN` version 1 in `dev` is revoked"));
    kw.cmd(["-e", "prod", "verify"])
        .write_stdin(prod_gen.trim_end())
        .assert()
        .code(4)
        .stderr(contains("rejected: `GEN` version 1 in `prod` is revoked"));
    let new_dev = kw.stdout(["get", "GEN"]);
    assert_ne!(new_dev.trim_end(), dev_gen);
    // untouched env is byte-identical and its key still good
    assert_eq!(fs::read(kw.env_file("test")).unwrap(), test_before);
    kw.cmd(["-e", "test", "verify"])
        .write_stdin(test_key.trim_end())
        .assert()
        .success();
    // recorded with its reason
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--all-envs", "--action", "offboard"]))
            .unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 2);
    assert!(ev[0]["reason"].as_str().unwrap().contains("left the team"));
    // running it again: no longer a recipient, but IMPORTED is still exposed (exit 8)
    kw.cmd(["offboard", "--yes", &r, "--reason", "again"])
        .assert()
        .code(8)
        .stderr(contains("not a recipient of any environment").and(contains("IMPORTED")));
}

#[test]
fn offboard_with_grace_keeps_old_values_verifying() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    let v = kw.generate("GEN");
    kw.cmd([
        "offboard",
        "--yes",
        &r,
        "--reason",
        "contract ended",
        "--grace",
        "1h",
    ])
    .assert()
    .success();
    kw.cmd(["verify"])
        .write_stdin(v.as_str())
        .assert()
        .success();
    kw.cmd(["offboard", "--yes", &r])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --reason <TEXT>",
        ));
    kw.cmd(["offboard", "--yes", &kw.my_recipient(), "--reason", "x"])
        .assert()
        .code(1)
        .stderr(contains("identity in use").and(contains("offboard")));
}

#[test]
fn offboard_refuses_environments_it_cannot_open_unless_told_to_skip_them() {
    let (kw, _other) = vault_with_unreadable_env();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    kw.cmd(["access", "grant", &r]).assert().success();
    let value = kw.generate("GEN");
    let before = fs::read(kw.env_file("dev")).unwrap();

    kw.cmd(["offboard", "--yes", &r, "--reason", "left"])
        .assert()
        .code(5)
        .stderr(contains("`shared`").and(contains("--skip-unreadable")));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    kw.cmd_as(&leaver, ["get", "-n", "GEN"])
        .assert()
        .success()
        .stdout(value.clone());

    kw.cmd([
        "offboard",
        "--yes",
        &r,
        "--reason",
        "left",
        "--skip-unreadable",
    ])
    .assert()
    .success()
    .stderr(contains("`shared`"));
    kw.cmd_as(&leaver, ["get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
    kw.cmd(["verify"])
        .write_stdin(value)
        .assert()
        .code(4)
        .stderr(contains("rejected: `GEN` version 1 in `dev` is revoked"));
}

/// Remove every recipient of `env` but `keep` from its recipients table, behind
/// keyward's back (the file stays encrypted to the sandbox identity).
fn leave_only_recipient(kw: &Sandbox, env: &str, keep: &str) {
    kw.edit_env(env, |conn| {
        let n = conn
            .execute("DELETE FROM recipients WHERE recipient != ?1", [keep])
            .unwrap();
        assert!(n >= 1);
        // Its admin now, so the state signed by hand holds (DESIGN §15).
        conn.execute(
            "UPDATE recipients SET role = 2 WHERE recipient = ?1",
            [keep],
        )
        .unwrap();
    });
}

#[test]
fn offboard_refuses_before_changing_any_environment() {
    let kw = Sandbox::with_vault();
    let (leaver, r) = kw.member_in("leaver.key", &["dev", "prod"]);
    let dev_value = kw.generate("GEN");
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    // `prod` (planned after `dev`) lists the leaver as its only recipient, as read by a
    // machine that never verified the state before (this one would refuse the edit).
    leave_only_recipient(&kw, "prod", &r);
    kw.forget_kept_rows("prod");
    let dev_before = fs::read(kw.env_file("dev")).unwrap();
    let prod_before = fs::read(kw.env_file("prod")).unwrap();

    let out = kw
        .cmd(["offboard", "--yes", &r, "--reason", "left"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("only recipient of `prod`") && stderr.contains("nothing changed"),
        "{stderr}"
    );
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), dev_before);
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), prod_before);
    kw.cmd(["verify"])
        .write_stdin(dev_value.as_str())
        .assert()
        .success();
    kw.cmd_as(&leaver, ["get", "GEN"]).assert().success();
}

/// A vault whose `dev`, `prod` and `test` each hold `GEN` and list a leaver, and whose
/// `prod` signs verifier sets (the leaver holds its key, which a removal replaces). The
/// sandbox, the leaver's identity file and recipient.
fn leaver_in_three_envs() -> (Sandbox, std::path::PathBuf, String) {
    let kw = Sandbox::with_vault();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod", "test"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
        kw.cmd(["-e", env, "generate", "GEN"]).assert().success();
    }
    let set = kw.path("prod.kwset");
    kw.cmd([
        "-e",
        "prod",
        "verifier",
        "export",
        "-o",
        set.to_str().unwrap(),
    ])
    .assert()
    .success();
    (kw, leaver, r)
}

#[test]
fn offboard_failing_after_a_commit_names_the_environments_changed() {
    let (kw, leaver, r) = leaver_in_three_envs();
    // `test` (the last in name order) cannot be written: a directory in the way of its
    // temp file (exit 6, a path someone else could have put there)
    let blocker = kw.vault().join("envs").join("test.db.age.tmp");
    fs::create_dir(&blocker).unwrap();
    let test_before = fs::read(kw.env_file("test")).unwrap();
    let pubkey = || kw.stdout(["-e", "prod", "verifier", "pubkey"]);
    let old_key = pubkey();

    let out = kw
        .cmd(["offboard", "--yes", &r, "--reason", "left"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    let error: Vec<&str> = stderr.lines().rev().take(2).collect();
    assert!(
        error[1].contains("already changed and committed: `dev`, `prod`")
            && error[1].contains("not changed: `test`")
            && error[0].starts_with("hint: "),
        "{stderr}"
    );
    assert_eq!(fs::read(kw.env_file("test")).unwrap(), test_before);
    // What was committed is reported as a whole run reports it, the rotated keys and the
    // verifier key to pin again: no later run would say so (it plans `test` only).
    let new_key = pubkey();
    assert_ne!(new_key, old_key);
    let public = new_key
        .split_whitespace()
        .find(|w| w.starts_with("ed25519:"))
        .unwrap();
    assert!(
        stderr.contains("the verifier key of `prod` was replaced (")
            && stderr.contains(&format!("could sign sets with the old one): pin {public} ")),
        "{stderr}"
    );
    assert!(stderr.contains("offboarded from `dev`"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("GEN"), "{stdout}");
    kw.cmd_as(&leaver, ["get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
    kw.cmd_as(&leaver, ["-e", "test", "get", "GEN"])
        .assert()
        .success();

    // the same command again finishes the job
    fs::remove_dir(&blocker).unwrap();
    kw.cmd(["offboard", "--yes", &r, "--reason", "left"])
        .assert()
        .success()
        .stderr(contains("`test`").and(contains("`dev`").not()));
    kw.cmd_as(&leaver, ["-e", "test", "get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `test`",
        ));
}

#[test]
fn offboard_with_an_explicit_env_changes_only_that_env() {
    let kw = Sandbox::with_vault();
    let leaver = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&leaver);
    for env in ["dev", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &r])
            .assert()
            .success();
        kw.cmd(["-e", env, "generate", "GEN"]).assert().success();
    }
    let out = kw
        .cmd([
            "-e",
            "dev",
            "offboard",
            &r,
            "--reason",
            "x",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs: Vec<&str> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["env"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev"]);

    let prod_before = fs::read(kw.env_file("prod")).unwrap();
    kw.cmd(["-e", "dev", "offboard", "--yes", &r, "--reason", "x"])
        .assert()
        .success();
    kw.cmd_as(&leaver, ["get", "GEN"])
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), prod_before);
    kw.cmd_as(&leaver, ["-e", "prod", "get", "GEN"])
        .assert()
        .success();
}

/// An imported key rotated with a grace before someone leaves: its older version is
/// still in service, and they read it. Offboarding cannot give the key a new value, but
/// it revokes that older one (with its event, and says so); before, it verified to the
/// end of its grace after the follow-up rotation too, and `check` was silent.
#[test]
fn offboard_revokes_the_older_versions_still_in_service_of_a_key_it_cannot_rotate() {
    let mut kw = Sandbox::with_vault_at(T0);
    let other = kw.write_identity("leaver.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r, "--role", "read"])
        .assert()
        .success();
    kw.set("PARTNER_KEY", "partner-key-v1");
    kw.cmd(["rotate", "PARTNER_KEY", "--grace", "30d", "--no-hook"])
        .write_stdin("partner-key-v2")
        .assert()
        .success();
    // A second key whose newest version leaked and was revoked: its older one, still
    // in its grace, is the value in service (a review found offboarding skipped it).
    kw.set("LEAKED", "leaked-v1");
    kw.cmd(["rotate", "LEAKED", "--grace", "30d", "--no-hook"])
        .write_stdin("leaked-v2")
        .assert()
        .success();
    kw.cmd([
        "revoke",
        "LEAKED",
        "--version",
        "2",
        "--reason",
        "leaked",
        "--yes",
    ])
    .assert()
    .success();
    kw.at(T0 + HOUR);
    for v in ["partner-key-v1", "leaked-v1"] {
        kw.cmd(["verify"]).write_stdin(v).assert().success();
    }
    // The dry run says what will go.
    let dry = kw
        .cmd(["offboard", &r, "--reason", "left", "--dry-run"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&dry.stderr);
    assert!(
        said.contains("`PARTNER_KEY` in `dev`: older version(s) 1 still in service")
            && said.contains("`LEAKED` in `dev`: older version(s) 1 still in service"),
        "{said}"
    );
    kw.cmd(["verify"])
        .write_stdin("partner-key-v1")
        .assert()
        .success();
    let out = kw
        .cmd(["offboard", &r, "--reason", "left", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(
        err.contains("`PARTNER_KEY` in `dev`: older version(s) 1 still in service revoked"),
        "{err}"
    );
    for v in ["partner-key-v1", "leaked-v1"] {
        kw.cmd(["verify"]).write_stdin(v).assert().code(4);
    }
    kw.cmd(["verify"])
        .write_stdin("partner-key-v2")
        .assert()
        .success();
    let revokes = kw.json([
        "audit",
        "--json",
        "--action",
        "revoke",
        "--key",
        "PARTNER_KEY",
    ]);
    assert_eq!(revokes.as_array().unwrap().len(), 1, "{revokes}");
    assert_eq!(revokes[0]["version"], 1);
    // The follow-up the offboarding asks for leaves nothing they read in service.
    kw.cmd(["rotate", "PARTNER_KEY", "--no-hook"])
        .write_stdin("partner-key-v3")
        .assert()
        .success();
    kw.cmd(["verify"])
        .write_stdin("partner-key-v2")
        .assert()
        .code(4);
    kw.cmd(["check"]).assert().success();
    kw.cmd(["audit", "verify"]).assert().success();
}

/// DESIGN §15: removing a member is an admin's change. An environment where the
/// offboarder is not an admin is found when the offboarding is planned — on a dry run
/// too — and nothing is changed anywhere (it used to commit `dev`, then fail on `prod`,
/// leaving the person able to read `prod`). `access revoke` refuses before it asks.
#[test]
fn offboard_needs_the_admin_role_in_every_environment_before_changing_any() {
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let bob = kw.write_identity("bob.key");
    let rb = kw.recipient_of(&bob);
    let (leaver, r) = kw.member_in("leaver.key", &["dev", "prod"]);
    kw.cmd(["-e", "prod", "access", "grant", &rb, "--role", "admin"])
        .assert()
        .success();
    kw.cmd_as(
        &bob,
        ["-e", "prod", "access", "grant", &me, "--role", "write"],
    )
    .assert()
    .success();
    kw.generate("GEN");
    let before = ["dev", "prod"].map(|e| fs::read(kw.env_file(e)).unwrap());

    for extra in ["--dry-run", "--yes"] {
        let out = kw
            .cmd(["offboard", &r, "--reason", "left", extra])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{extra}: {said}");
        assert!(
            said.contains("may not offboard")
                && said.contains("in `prod`: a `write` member")
                && said.contains("needs the `admin` role")
                && said.contains("(nothing was changed anywhere; to offboard them from the environments you administer, one at a time: `keyward offboard ")
                && said.contains(&format!("{r} -e dev --reason left`)")),
            "{extra}: {said}"
        );
        assert!(
            out.stdout.is_empty(),
            "no plan shown as if it would go through"
        );
    }
    assert_eq!(
        ["dev", "prod"].map(|e| fs::read(kw.env_file(e)).unwrap()),
        before
    );
    kw.cmd_as(&leaver, ["get", "GEN"]).assert().success();
    kw.cmd(["-e", "prod", "access", "revoke", &r, "--yes"])
        .assert()
        .code(5)
        .stderr(contains("may not remove").and(contains("a `write` member")));
    // Where it is an admin, the offboarding goes through.
    kw.cmd(["offboard", &r, "--reason", "left", "--yes", "-e", "dev"])
        .assert()
        .success();
    kw.cmd_as(&leaver, ["get", "GEN"]).assert().code(5);
}

/// `offboard R` of [`leaver_in_three_envs`] stopped after `prod`'s file was replaced:
/// exit `code`, `dev` and `prod` reported as changed, with `prod`'s new verifier key, and
/// `test` as not. Its stderr.
fn offboard_stopped_after_prod(kw: &Sandbox, r: &str, code: i32) -> String {
    let out = kw
        .cmd(["offboard", "--yes", r, "--reason", "left"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.contains("already changed and committed: `dev`, `prod`")
            && stderr.contains("not changed: `test`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("offboarded from `prod`")
            && stderr.contains("the verifier key of `prod` was replaced ("),
        "{stderr}"
    );
    stderr
}

#[test]
fn offboard_whose_pins_fail_after_a_commit_reports_that_environment_as_changed() {
    // `prod`'s file is replaced, then this machine's pins cannot be written (its pin
    // directory is taken away while `prod`'s rotation hook runs): the change stands,
    // so `prod` is reported as changed, with the verifier key it replaced.
    let (kw, leaver, r) = leaver_in_three_envs();
    let hook = kw.path("sabotage.sh");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat > /dev/null\nfor d in '{}'/*; do rm -rf \"$d\"; touch \"$d\"; done\necho provider-value-0042\n",
            kw.path("state/keyward/pins").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    kw.cmd([
        "-e",
        "prod",
        "set",
        "IMPORTED",
        "--rotate-with",
        hook.to_str().unwrap(),
    ])
    .write_stdin("provider-value-0001")
    .assert()
    .success();

    let stderr = offboard_stopped_after_prod(&kw, &r, 1);
    assert!(
        stderr.contains("could not record it in its pins"),
        "{stderr}"
    );
    // It was: the leaver can no longer read `prod`.
    fs::remove_file(
        kw.path("state/keyward/pins")
            .read_dir()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    kw.cmd_as(&leaver, ["-e", "prod", "get", "GEN"])
        .assert()
        .code(5);
}

#[test]
fn offboard_whose_journal_fails_after_a_commit_reports_that_environment_as_changed() {
    // The removal replaces `prod`'s audit key, so recording the new state reads `prod`'s
    // journal, which is damaged: the file was replaced before that, and stands.
    let (kw, leaver, r) = leaver_in_three_envs();
    kw.cmd(["-e", "prod", "get", "GEN"]).assert().success();
    let journal = kw.journal_file("prod");
    crate::support::remove_db(&journal);
    fs::write(&journal, vec![0x5a; 8192]).unwrap();
    offboard_stopped_after_prod(&kw, &r, 6);
    kw.cmd_as(&leaver, ["-e", "prod", "get", "GEN"])
        .assert()
        .code(5);
}
