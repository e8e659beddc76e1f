//! `audit verify --git` (DESIGN §8): a vault committed to a real git repository, with
//! honest history (commits, a branch, a merge) and with the rewrites an attacker or an
//! accident makes: a forged file, a fork from an old state, a rewind, a merge that drops
//! one side, a deleted file; and `--pin`.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, open_image};

/// `git ARGS` in the sandbox directory, isolated from the developer's configuration; its
/// stdout.
fn git(kw: &Sandbox, args: &[&str]) -> String {
    crate::support::git::git(kw, kw.dir.path(), args)
}

/// A sandbox whose directory is a git work tree holding the vault (journal, locks and
/// temp files ignored, as `git setup` will write).
fn repo() -> Sandbox {
    let mut kw = Sandbox::with_vault();
    kw.set_env("GIT_CONFIG_NOSYSTEM", "1");
    git(&kw, &["init", "-q", "-b", "main"]);
    git(&kw, &["config", "user.name", "Alice Honest"]);
    git(&kw, &["config", "user.email", "alice@example.org"]);
    fs::write(kw.vault().join(".gitignore"), "journal/\n*.lock\n*.tmp\n").unwrap();
    commit(&kw, "init the vault");
    kw
}

/// Forget what this machine saw (its pins): the next command runs as on a new machine.
fn fresh_machine(kw: &Sandbox) {
    let _ = fs::remove_dir_all(kw.path("state/keyward/pins"));
}

/// Commit everything in the vault; the new commit's short id (as keyward prints it).
fn commit(kw: &Sandbox, subject: &str) -> String {
    commit_as(kw, subject, "Alice Honest")
}

fn commit_as(kw: &Sandbox, subject: &str, author: &str) -> String {
    git(kw, &["add", "-A", "vault"]);
    let who = format!(
        "{author} <{}@example.org>",
        author.to_lowercase().replace(' ', ".")
    );
    git(
        kw,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            &who,
            "-m",
            subject,
        ],
    );
    head(kw)
}

fn head(kw: &Sandbox) -> String {
    git(kw, &["rev-parse", "HEAD"]).trim()[..10].to_owned()
}

/// `audit verify --git ARGS --json`, parsed (whatever the exit code).
fn verify_json(kw: &Sandbox, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["audit", "verify", "--git", "--json"];
    all.extend(args);
    let out = kw.cmd(all).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The head hash of `env` at the tip, as `audit verify` prints it.
fn head_of(kw: &Sandbox, env: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "verify", "--json", "-e", env])).unwrap();
    v["chains"][0]["head"].as_str().unwrap().to_owned()
}

#[test]
fn honest_history_with_a_branch_and_a_merge_passes() {
    let kw = repo();
    kw.generate("STRIPE_KEY");
    commit(&kw, "add STRIPE_KEY");
    kw.generate("DB_PASSWORD");
    commit(&kw, "add DB_PASSWORD");
    // A branch rotates a key in dev while main changes prod: the merge commit's dev is
    // the branch's, its prod is main's.
    git(&kw, &["checkout", "-q", "-b", "feature"]);
    kw.stdout(["rotate", "STRIPE_KEY"]);
    commit(&kw, "rotate STRIPE_KEY");
    git(&kw, &["checkout", "-q", "main"]);
    kw.stdout(["generate", "PROD_KEY", "-e", "prod"]);
    commit(&kw, "add PROD_KEY to prod");
    git(
        &kw,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
    );
    kw.stdout(["rotate", "DB_PASSWORD"]);
    commit(&kw, "rotate DB_PASSWORD");

    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .success()
        .stderr(contains("every chain checked extends its parent's"));
    // The history verified above is remembered here (tests/verified_commits.rs):
    // `--full` checks every commit again.
    let v = verify_json(&kw, &["--full"]);
    // init, 2 adds, the branch's rotation, prod, the merge, the last rotation.
    assert_eq!(v["commits"], 7, "{v}");
    assert_eq!(v["problems"].as_array().unwrap().len(), 0, "{v}");
    let dev = v["heads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["env"] == "dev")
        .unwrap();
    assert_eq!(dev["head"], head_of(&kw, "dev"), "{v}");
    // A range checks only its own commits.
    let v = verify_json(&kw, &["--full", "HEAD~1..HEAD"]);
    assert_eq!(v["commits"], 1, "{v}");
}

#[test]
fn a_commit_that_swaps_in_a_forged_file_is_exit_6_naming_it() {
    let kw = repo();
    kw.generate("STRIPE_KEY");
    commit(&kw, "add STRIPE_KEY");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    // The attacker knows only the public recipient: an env of their own making,
    // encrypted to the victim with the age crate (never keyward's writer).
    let attacker = Sandbox::with_vault();
    attacker.set("STRIPE_KEY", "sk_attacker_chosen_value");
    kw.encrypt_env("dev", &attacker.decrypt_env("dev"));
    // A machine that has seen the real file refuses the forged one (tests/history.rs);
    // a fresh one (a CI runner) pinning the trust root refuses it too (DESIGN §15).
    kw.cmd(["get", "STRIPE_KEY"])
        .assert()
        .code(6)
        .stderr(contains("is not the environment `dev` last seen here"));
    fresh_machine(&kw);
    kw.cmd(["get", "STRIPE_KEY"])
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .code(6)
        .stderr(contains("the trust root of `dev` is"));
    // Without the root it is trusted on first use, and says whose root that is.
    kw.cmd(["get", "STRIPE_KEY"])
        .assert()
        .stdout(contains("sk_attacker_chosen_value"))
        .stderr(contains("trusting its signed history on first use"));
    let forged = commit_as(&kw, "bump deps", "Mallory Evil");
    // The forged file lists only its maker: the victim may not write to it.
    kw.cmd(["generate", "LATER"])
        .assert()
        .code(5)
        .stderr(contains("not a member"));

    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{forged}`")))
        .stderr(contains(
            "\"bump deps\" by Mallory Evil <mallory.evil@example.org>",
        ))
        .stderr(contains("replaced `dev` with an unrelated file"));
    let v = verify_json(&kw, &[]);
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "only the forging commit: {v}");
    assert_eq!(problems[0]["commit"], forged.as_str());
    assert_eq!(problems[0]["problem"]["kind"], "unrelated");
    // The history before the forgery is clean.
    kw.cmd(["audit", "verify", "--git", &format!("{forged}~1")])
        .assert()
        .success();
}

#[test]
fn a_fork_from_an_older_state_with_a_rehashed_chain_is_exit_6() {
    let kw = repo();
    kw.generate("STRIPE_KEY");
    commit(&kw, "add STRIPE_KEY");
    // A former recipient kept this image; the victim then revokes the key.
    let old = kw.decrypt_env("dev");
    kw.stdout(["revoke", "--yes", "STRIPE_KEY", "--reason", "leaked"]);
    commit(&kw, "revoke STRIPE_KEY");
    // They append an event to the old chain with a correct hash and put it back.
    let mut conn = open_image(&old);
    let (prev, time): (Vec<u8>, i64) = conn
        .query_row(
            "SELECT hash, time FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (recipient, os_user, host, via): (String, String, String, String) = conn
        .query_row(
            "SELECT recipient, os_user, host, via FROM actors WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let canon = keyward::audit::Canonical {
        v: 1,
        time: time + 1,
        env: "dev".into(),
        action: "set".into(),
        key: Some("STRIPE_KEY".into()),
        version: Some(1),
        recipient,
        os_user,
        host,
        via,
        reason: None,
        outcome: None,
        keys: None,
    };
    let hash = keyward::audit::chain_hash(&prev.try_into().unwrap(), &canon.bytes());
    conn.execute(
        "INSERT INTO events(time, action, key, version, actor, reason, hash) VALUES (?1, ?2, 'STRIPE_KEY', 1, 1, NULL, ?3)",
        rusqlite::params![time + 1, keyward::audit::Action::Set.code(), &hash[..]],
    )
    .unwrap();
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    // The forged chain recomputes on its own, but nobody signed its new event (DESIGN
    // §15): refused even where nothing else is known.
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("event 3 (set"))
        .stderr(contains("is not covered by any signature"));
    let fork = commit_as(&kw, "fix typo", "Mallory Evil");

    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{fork}`")))
        .stderr(contains("Mallory Evil"))
        .stderr(contains("leaves parent"));
}

#[test]
fn a_commit_that_rewinds_the_file_is_exit_6() {
    let kw = repo();
    kw.generate("OPENAI");
    commit(&kw, "add OPENAI");
    let before_revoke = fs::read(kw.env_file("dev")).unwrap();
    kw.stdout(["revoke", "--yes", "OPENAI", "--reason", "leaked"]);
    commit(&kw, "revoke OPENAI");
    fs::write(kw.env_file("dev"), before_revoke).unwrap();
    let rewind = commit_as(&kw, "restore backup", "Bob Careless");

    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{rewind}`")))
        .stderr(contains("Bob Careless"))
        .stderr(contains("rewound `dev` from event 3 to 2"));
    let v = verify_json(&kw, &[]);
    assert_eq!(v["problems"][0]["problem"]["kind"], "rewound", "{v}");
}

#[test]
fn a_merge_that_drops_one_sides_changes_is_exit_6_naming_the_merge() {
    let kw = repo();
    kw.generate("A");
    commit(&kw, "add A");
    git(&kw, &["checkout", "-q", "-b", "feature"]);
    kw.stdout(["revoke", "--yes", "A", "--reason", "leaked"]);
    commit(&kw, "revoke A");
    git(&kw, &["checkout", "-q", "main"]);
    // Another developer's machine: this one's pins would refuse to write over the
    // revocation it saw (DESIGN §8) — the merge driver's job (§9).
    fresh_machine(&kw);
    kw.generate("B");
    commit(&kw, "add B");
    // Both sides changed dev; "keep ours" throws the revocation away.
    git(
        &kw,
        &[
            "merge",
            "-q",
            "-s",
            "ours",
            "-m",
            "merge feature",
            "feature",
        ],
    );
    let merge = head(&kw);

    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{merge}`")))
        .stderr(contains("\"merge feature\""));
}

#[test]
fn a_commit_that_deletes_an_env_file_is_exit_6() {
    let kw = repo();
    fs::remove_file(kw.env_file("test")).unwrap();
    let gone = commit(&kw, "drop test");
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{gone}`")))
        .stderr(contains("removed `test`"));
}

#[test]
fn pin_must_be_in_a_final_chain() {
    let kw = repo();
    kw.generate("A");
    commit(&kw, "add A");
    let pinned = head_of(&kw, "dev");
    kw.stdout(["rotate", "A"]);
    commit(&kw, "rotate A");

    kw.cmd(["audit", "verify", "--git", "--pin", &pinned])
        .assert()
        .success()
        .stderr(contains(format!(
            "pinned head {pinned} is in the chain of `dev`"
        )));
    let wrong = "ab".repeat(32);
    kw.cmd(["audit", "verify", "--git", "--pin", &wrong])
        .assert()
        .code(6)
        .stderr(contains(format!("pinned head `{wrong}`")));
    // A head from another vault is no anchor either.
    let other = Sandbox::with_vault();
    kw.cmd(["audit", "verify", "--git", "--pin", &head_of(&other, "dev")])
        .assert()
        .code(6)
        .stderr(contains(
            "is not in the lifecycle chain of any environment at",
        ));
    kw.cmd(["audit", "verify", "--git", "--pin", "abc"])
        .assert()
        .code(2)
        .stderr(contains("64 hex digits"));
}

#[test]
fn a_vault_outside_a_git_work_tree_is_a_clear_error() {
    let kw = Sandbox::with_vault();
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(1)
        .stderr(contains("is not inside a git work tree"))
        .stderr(contains("vault").and(contains("hint:")));
}

#[test]
fn revs_are_never_passed_to_git_as_options() {
    let kw = repo();
    kw.cmd(["audit", "verify", "--git", "--", "--output=/tmp/x"])
        .assert()
        .code(2)
        .stderr(contains("is not a revision"));
}

#[test]
fn a_ci_identity_granted_later_checks_from_the_first_version_it_can_read() {
    let kw = repo();
    kw.generate("K");
    commit(&kw, "K");
    kw.stdout(["rotate", "K"]);
    commit(&kw, "rotate K");
    // CI joins `dev` now, read only.
    let ci = kw.write_identity("ci.key");
    let rc = kw.recipient_of(&ci);
    kw.cmd(["access", "grant", &rc, "--role", "read"])
        .assert()
        .success();
    let granted = commit(&kw, "grant CI");
    kw.stdout(["rotate", "K"]);
    commit(&kw, "rotate K again");
    fresh_machine(&kw);
    // The gate on a fresh runner, as CI: dev from the grant on; prod and test it cannot
    // read at all (not granted there): named, and a gap without --skip-unreadable.
    let as_ci = |args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_IDENTITY", &ci);
        c
    };
    as_ci(&["audit", "verify", "--git"])
        .assert()
        .code(5)
        .stderr(contains(format!(
            "checked `dev` from commit {granted}, the first version this identity can read (3 earlier version(s) predate its access"
        )))
        .stderr(contains("not checked `prod`"));
    // `-e dev`: the environment it was granted, and nothing else to skip.
    as_ci(&["audit", "verify", "--git", "-e", "dev"])
        .assert()
        .success()
        .stderr(contains(format!("checked `dev` from commit {granted}")))
        .stderr(contains("not checked").not());
    let v = {
        let out = as_ci(&["audit", "verify", "--git", "--skip-unreadable", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(v["from"][0]["env"], "dev");
    assert_eq!(v["from"][0]["commit"], granted.as_str());
    assert_eq!(v["from"][0]["earlier"], 3);
    assert!(
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["env"] != "dev")
    );
    // The range gate of a pull request: only the new commits, all readable.
    let base = git(&kw, &["rev-parse", "HEAD"]).trim().to_owned();
    kw.stdout(["rotate", "K"]);
    commit(&kw, "a PR's rotation");
    let pin = {
        let mut c = kw.cmd(["audit", "verify", "--json", "-e", "dev"]);
        c.env("KEYWARD_IDENTITY", &ci);
        let v: serde_json::Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
        v["chains"][0]["head"].as_str().unwrap().to_owned()
    };
    as_ci(&[
        "audit",
        "verify",
        "--git",
        "-e",
        "dev",
        &format!("{base}..HEAD"),
        "--pin",
        &pin,
    ])
    .assert()
    .success()
    .stderr(contains("1 commit(s) changed an environment file"));
    // A version it could read, then one it cannot (removed from dev): a gap, named.
    kw.cmd(["access", "revoke", &rc, "--yes"])
        .assert()
        .success();
    let removed = commit(&kw, "CI removed");
    fresh_machine(&kw);
    as_ci(&["audit", "verify", "--git", "-e", "dev"])
        .assert()
        .code(5)
        .stderr(contains(format!(
            "not checked `dev`: the identity in use is not a recipient in 1 version(s) of it after it could read it, first in commit {removed}"
        )));
}

/// A hostile review: an environment's file committed as a symbolic link (pointing out of
/// the repository) was skipped by the history check — "0 commit(s) changed an
/// environment file", exit 0 — while every command refuses the checkout. CI refuses it.
#[test]
fn an_environment_file_committed_as_a_symbolic_link_is_exit_6() {
    let kw = repo();
    std::os::unix::fs::symlink(
        "../../../outside.db.age",
        kw.vault().join("envs/staging.db.age"),
    )
    .unwrap();
    commit(&kw, "add staging");
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains(
            "the environment `staging` is committed as a symbolic link",
        ));
}

/// The access journal is each machine's own: git ignores it, and so replaces an
/// ignored file with a tracked one on a pull — a commit that tracks it would put one
/// member's journal over every other member's (review h8 #4). It is a problem of the
/// history, named with its commit.
#[test]
fn a_commit_that_tracks_the_access_journal_is_exit_6() {
    let kw = repo();
    kw.generate("OPENAI");
    commit(&kw, "add OPENAI");
    kw.stdout(["get", "OPENAI"]);
    kw.cmd(["audit", "verify", "--git"]).assert().success();
    // A journal in the vault, as releases before kept it, force-added.
    fs::create_dir_all(kw.vault().join("journal")).unwrap();
    fs::copy(kw.journal_file("dev"), kw.vault().join("journal/dev.db")).unwrap();
    git(&kw, &["add", "-f", "vault/journal"]);
    let tracked = commit_as(&kw, "keep the journal", "Bob Careless");
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!("commit `{tracked}`")))
        .stderr(contains("tracks the vault's access journal"));
    git(&kw, &["rm", "-r", "-q", "--cached", "vault/journal"]);
    commit(&kw, "untrack the journal");
    kw.cmd(["audit", "verify", "--git"]).assert().success();
}

/// A git object larger than any keyward reads there is refused from git's header, before
/// anything is allocated for it, as damage (exit 6): objects were read whole, sized by
/// the header, and a pushed blob of 2.5 GB of zeros (2.8 MB of `.git`) aborted the
/// verify. Here a commit of 17 MiB (a real one is a few KB).
#[test]
fn an_oversize_git_object_is_refused_as_damage_without_reading_it_whole() {
    let kw = repo();
    kw.set("API", "value-1");
    commit(&kw, "one key");
    fs::write(kw.path("message"), "x".repeat(17 << 20)).unwrap();
    let msg = kw.path("message");
    git(
        &kw,
        &["commit", "-q", "--allow-empty", "-F", msg.to_str().unwrap()],
    );
    let id = git(&kw, &["rev-parse", "HEAD"]).trim().to_owned();
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains(format!(
            "`{id}` is corrupt or has been tampered with: the git object is a commit of 1782"
        )))
        .stderr(contains("bytes, more than keyward reads there (16 MiB)"));
}
