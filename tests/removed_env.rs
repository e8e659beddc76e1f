//! An environment whose file is removed after this machine read it (DESIGN §8). A
//! removal is a change to the vault like a rewind: a check over every environment does
//! not pass without it, a command on it says it is gone (exit 6), and a file put back
//! later is the environment seen here. `trust` accepts the removal; from then on a file
//! of that name is a first use, and an environment taking the name (`env add`, a
//! replaced file trusted) starts a clean access journal, the old one kept aside.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;
use crate::support::team::Team;

/// A vault whose `prod` was read here (its key, so its journal has an event), then
/// removed; the removed file's bytes and the key's value.
fn removed_prod() -> (Sandbox, Vec<u8>, String) {
    let kw = Sandbox::with_vault();
    let value = kw.stdout(["generate", "-e", "prod", "STRIPE_KEY"]);
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success();
    let bytes = fs::read(kw.env_file("prod")).unwrap();
    fs::remove_file(kw.env_file("prod")).unwrap();
    (kw, bytes, value.trim_end().to_owned())
}

/// The directories `trust` set aside a removed `env`'s pins in.
fn set_aside(kw: &Sandbox, env: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for vault in fs::read_dir(kw.path("state/keyward/pins")).unwrap() {
        for f in fs::read_dir(vault.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(&format!("{env}.gone-")) {
                out.push(p);
            }
        }
    }
    out
}

/// The access journals set aside for `env` (beside this machine's journal).
fn journals_aside(kw: &Sandbox, env: &str) -> Vec<String> {
    fs::read_dir(kw.journal_file(env).parent().unwrap())
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{env}.aside-")) && n.ends_with(".db"))
        .collect()
}

#[test]
fn a_removed_env_fails_every_check_over_all_envs_whatever_skip_unreadable_accepts() {
    let (kw, _, _) = removed_prod();
    for args in [
        &["check", "--all-envs"][..],
        &["check", "--all-envs", "--skip-unreadable"],
        &["audit", "verify", "--all-envs", "--skip-unreadable"],
        &["audit", "anomalies", "--all-envs", "--skip-unreadable"],
    ] {
        kw.cmd(args)
            .assert()
            .code(6)
            .stderr(contains(
                "read before are gone (their files are not there any more): `prod`",
            ))
            .stderr(contains("keyward trust -e ENV --reason TEXT"));
    }
    let out = kw.cmd(["--json", "check", "--all-envs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["skipped"][0]["env"], "prod", "{report}");
    assert_eq!(report["skipped"][0]["gone"], true, "{report}");
    // A command on it says so, with what to do; not "no environment `prod`" (exit 3).
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .code(6)
        .stderr(contains("environment `prod` is gone"))
        .stderr(contains("keyward trust -e prod --reason TEXT"));
    kw.cmd(["audit", "verify", "-e", "prod"]).assert().code(6);
    // Listings and scans are not checks of the vault: they go on, and name it.
    let envs = kw.json(["env", "list", "--json"]);
    assert_eq!(
        envs.as_array()
            .unwrap()
            .iter()
            .find(|e| e["env"] == "prod")
            .unwrap()["access"],
        "gone",
        "{envs}"
    );
    kw.cmd(["list", "--all-envs"])
        .assert()
        .success()
        .stderr(contains("environment `prod` is gone"));
    kw.cmd(["scan", "-"])
        .write_stdin("nothing here\n")
        .assert()
        .success()
        .stderr(contains(
            "not scanning for its keys: environment `prod` is gone",
        ));
    // The other environments are still checked.
    kw.cmd(["audit", "verify", "--all-envs", "--skip-unreadable"])
        .assert()
        .stdout(contains("dev"))
        .stdout(contains("test"));
}

#[test]
fn trust_accepts_a_removal_after_asking_and_keeps_who_why_and_the_journal() {
    let (kw, _, _) = removed_prod();
    // No terminal and no --yes: refused, nothing changed.
    kw.cmd([
        "trust",
        "-e",
        "prod",
        "--reason",
        "prod moved to the ops vault",
    ])
    .assert()
    .code(2)
    .stderr(contains("accept that `prod` is gone"));
    kw.cmd(["check", "--all-envs"]).assert().code(6);
    assert!(set_aside(&kw, "prod").is_empty());

    kw.cmd([
        "trust",
        "-e",
        "prod",
        "--reason",
        "prod moved to the ops vault",
        "--yes",
    ])
    .assert()
    .success()
    .stderr(contains("its file is gone"))
    .stderr(contains("set aside in"))
    .stderr(contains("its access journal set aside as"));
    kw.cmd(["check", "--all-envs"]).assert().success();
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"]).assert().code(3);
    // Who accepted it, when and why: there is no environment left to hold the event.
    let aside = set_aside(&kw, "prod");
    assert_eq!(aside.len(), 1, "{aside:?}");
    let note: serde_json::Value =
        serde_json::from_slice(&fs::read(aside[0].join("trust.json")).unwrap()).unwrap();
    assert_eq!(note["reason"], "prod moved to the ops vault", "{note}");
    assert_eq!(note["actor"], kw.my_recipient().as_str(), "{note}");
    assert_eq!(note["accepted"], "removal", "{note}");
    assert!(aside[0].join("prod.json").exists(), "the old pin is kept");
    assert_eq!(journals_aside(&kw, "prod").len(), 1);
}

#[test]
fn a_removed_env_put_back_is_the_env_seen_here_and_after_trust_a_first_use() {
    let (kw, bytes, value) = removed_prod();
    // Put back before any decision: the same environment, read as before.
    fs::write(kw.env_file("prod"), &bytes).unwrap();
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(format!("{value}\n"))
        .stderr(contains("new to this machine").not());
    kw.cmd(["check", "--all-envs"]).assert().success();

    fs::remove_file(kw.env_file("prod")).unwrap();
    kw.cmd(["trust", "-e", "prod", "--reason", "gone", "--yes"])
        .assert()
        .success();
    fs::write(kw.env_file("prod"), &bytes).unwrap();
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(format!("{value}\n"))
        .stderr(contains("`prod` is new to this machine"));
    kw.cmd(["audit", "verify", "-e", "prod"]).assert().success();
}

#[test]
fn an_env_added_in_place_of_a_removed_one_starts_a_clean_journal() {
    let (kw, _, _) = removed_prod();
    kw.cmd(["env", "add", "prod"])
        .assert()
        .success()
        .stderr(contains("read an earlier `prod` (up to event"));
    kw.stdout(["generate", "-e", "prod", "NEW_KEY"]);
    kw.cmd(["get", "-e", "prod", "NEW_KEY"]).assert().success();
    // The old environment's access events are sealed under keys the new one does not
    // hold: read with it, every one would be "tampered".
    kw.cmd(["audit", "verify", "-e", "prod"])
        .assert()
        .success()
        .stderr(contains("all chains intact"));
    kw.cmd(["audit", "-e", "prod", "--action", "get"])
        .assert()
        .success()
        .stdout(contains("NEW_KEY"))
        .stdout(contains("STRIPE_KEY").not());
    kw.cmd(["check", "--all-envs"]).assert().success();
    assert_eq!(journals_aside(&kw, "prod").len(), 1);
}

#[test]
fn trusting_a_replaced_env_sets_the_old_journal_aside() {
    let kw = Sandbox::with_vault();
    kw.stdout(["generate", "-e", "prod", "STRIPE_KEY"]);
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success();
    // Another vault's `prod`, encrypted to the same identity, put in its place.
    let other = kw.path("other-vault");
    kw.cmd(["--vault", other.to_str().unwrap(), "init", "--envs", "prod"])
        .assert()
        .success();
    fs::copy(other.join("envs/prod.db.age"), kw.env_file("prod")).unwrap();
    kw.cmd(["list", "-e", "prod"]).assert().code(6);
    kw.cmd([
        "trust",
        "-e",
        "prod",
        "--reason",
        "replaced on purpose",
        "--yes",
    ])
    .assert()
    .success();
    kw.cmd(["audit", "verify", "-e", "prod"]).assert().success();
    kw.cmd(["audit", "-e", "prod"]).assert().success();
    assert_eq!(journals_aside(&kw, "prod").len(), 1);
}

#[test]
fn a_teammate_who_removes_an_env_in_git_is_noticed_on_every_clone_that_read_it() {
    let team = Team::new(&["alice", "bob"], &[]);
    team.kw(1, &["check", "--all-envs"]).assert().success();
    team.git(0, &["rm", "-q", "vault/envs/test.db.age"]);
    team.git(0, &["commit", "-q", "-m", "drop the test environment"]);
    team.git(0, &["push", "-q", "origin", "main"]);
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    team.kw(1, &["check", "--all-envs"])
        .assert()
        .code(6)
        .stderr(contains("`test`"));
    team.kw(1, &["get", "-e", "test", "ANY"])
        .assert()
        .code(6)
        .stderr(contains("the vault is in git: `git log -- '"))
        .stderr(contains("vault/envs/test.db.age'` shows who removed it"));
    team.kw(
        1,
        &[
            "trust",
            "-e",
            "test",
            "--reason",
            "alice dropped test",
            "--yes",
        ],
    )
    .assert()
    .success();
    team.kw(1, &["check", "--all-envs"]).assert().success();
}

/// An environment removed in git, then put back from an older commit (a removed
/// member's copy from before their removal, still encrypted to them): a pull request's
/// range starts after the deletion, so the file looked created there. It is that
/// environment back, and an earlier state of it: `audit verify --git` on the range
/// refuses it. A new environment of the same name (a history of its own) passes, and so
/// does the removed file put back exactly as it was last.
#[test]
fn an_earlier_state_of_a_removed_env_put_back_fails_the_range_after_the_deletion() {
    let team = Team::new(&["alice"], &[]);
    let file = "vault/envs/test.db.age";
    let path = team.members[0].dir.join(file);
    let early = fs::read(&path).unwrap();
    team.kw(0, &["generate", "-e", "test", "LATER"])
        .assert()
        .success();
    team.git(0, &["commit", "-qam", "a key in test"]);
    let last = fs::read(&path).unwrap();
    team.git(0, &["rm", "-q", file]);
    team.git(0, &["commit", "-qm", "retire test"]);
    let deleted = team.git(0, &["rev-parse", "HEAD"]).trim().to_owned();
    let range = format!("{deleted}..HEAD");
    let put_back = |bytes: &[u8], what: &str| {
        fs::write(&path, bytes).unwrap();
        team.git(0, &["add", file]);
        team.git(0, &["commit", "-qm", what]);
    };
    put_back(&early, "restore test");
    team.kw(0, &["audit", "verify", "--git", "-e", "test", &range])
        .assert()
        .code(6)
        .stderr(contains("restore test").and(contains("rewound `test`")));
    team.git(0, &["reset", "-q", "--hard", &deleted]);
    put_back(&last, "undo the removal");
    team.kw(0, &["audit", "verify", "--git", "-e", "test", &range])
        .assert()
        .success();
    team.git(0, &["reset", "-q", "--hard", &deleted]);
    team.kw(0, &["trust", "-e", "test", "--reason", "retired", "--yes"])
        .assert()
        .success();
    team.kw(0, &["env", "add", "test"]).assert().success();
    team.git(0, &["add", file]);
    team.git(0, &["commit", "-qm", "a new test"]);
    team.kw(0, &["audit", "verify", "--git", "-e", "test", &range])
        .assert()
        .success();
}
