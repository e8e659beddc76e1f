//! The verifier key (DESIGN §13) leaves with a removed member: they held its seed and
//! could sign sets every service pinning it accepts.

use predicates::str::contains;

use crate::support::team::Team;

/// Alice, Mallory and Bob share `prod`; Alice's first `verifier export` made its key,
/// which every one of them has read (Mallory keeps that state in her clone).
fn team_with_a_verifier_key() -> (Team, String) {
    let t = Team::new(&["alice", "mallory", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "API_TOKEN"]);
    t.out(
        0,
        &["verifier", "export", "-e", "prod", "-o", "../prod.kwset"],
    );
    t.sync(0, "prod with a verifier key");
    for m in [1, 2] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    let old = t
        .out(0, &["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    (t, old)
}

#[test]
fn removing_a_member_replaces_the_verifier_key_and_their_sets_fail_the_new_pin() {
    for how in ["access revoke", "offboard"] {
        let (t, old) = team_with_a_verifier_key();
        let mallory = t.members[1].recipient.clone();
        let removal = match how {
            "offboard" => t
                .kw(0, &["offboard", &mallory, "--reason", "left", "--yes"])
                .assert()
                .success(),
            _ => t
                .kw(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"])
                .assert()
                .success(),
        };
        let said = String::from_utf8_lossy(&removal.get_output().stderr).into_owned();
        let new = t
            .out(0, &["verifier", "pubkey", "-e", "prod"])
            .trim()
            .to_owned();
        assert_ne!(new, old, "{how}: the verifier key stayed");
        assert!(
            said.contains("the verifier key of `prod` was replaced") && said.contains(&new),
            "{how}: {said}"
        );
        let audit = t.out(
            0,
            &["audit", "-e", "prod", "--action", "verifier-key", "--json"],
        );
        assert!(
            audit.contains(&new) && audit.contains("replaced"),
            "{audit}"
        );
        // Mallory signs a set with the key she read, from her stale clone: a service
        // pinning the new key refuses it.
        t.out(
            1,
            &["verifier", "export", "-e", "prod", "-o", "../mallory.kwset"],
        );
        let set = t.members[1].dir.join("../mallory.kwset");
        t.kw(
            0,
            &[
                "verifier",
                "check",
                "--set",
                set.to_str().unwrap(),
                "--pubkey",
                &new,
            ],
        )
        .write_stdin("anything")
        .assert()
        .code(6)
        .stderr(contains(&old));
        t.sync(0, "mallory removed");
        t.kw(0, &["audit", "verify", "--git"]).assert().success();
    }
}

/// Bob's branch, from before the removal, still carries the old key: his merge keeps
/// the new one, however old the other is, and his merge reads on Alice's machine.
#[test]
fn a_merge_with_a_branch_from_before_the_removal_keeps_the_new_verifier_key() {
    let (t, old) = team_with_a_verifier_key();
    t.out(2, &["generate", "-e", "prod", "FROM_BOB"]);
    t.git(2, &["add", "-A"]);
    t.git(2, &["commit", "-qm", "bob's key"]);
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    let new = t
        .out(0, &["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    assert_ne!(new, old);
    t.sync(0, "mallory removed");
    t.sync(2, "bob merges");
    assert_eq!(
        t.out(2, &["verifier", "pubkey", "-e", "prod"]).trim(),
        new,
        "the merge brought back the key Mallory holds"
    );
    t.sync(0, "alice pulls");
    assert_eq!(t.out(0, &["verifier", "pubkey", "-e", "prod"]).trim(), new);
    t.out(0, &["get", "-e", "prod", "FROM_BOB"]);
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}

/// Bob makes the verifier key on his branch, while Mallory can still read it there;
/// Alice, who has none, removes Mallory. Bob's merge must not keep the key Mallory
/// could read: a fresh one, said, which Alice's machine and CI accept.
#[test]
fn a_verifier_key_made_where_a_removed_member_could_read_it_is_not_kept_by_a_merge() {
    let t = Team::new(&["alice", "mallory", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "API_TOKEN"]);
    t.sync(0, "prod");
    t.git(2, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(
        2,
        &["verifier", "export", "-e", "prod", "-o", "../bob.kwset"],
    );
    let bobs = t
        .out(2, &["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    t.git(2, &["add", "-A"]);
    t.git(2, &["commit", "-qm", "bob's verifier key"]);
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.sync(0, "mallory removed");
    t.git(2, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let now = t
        .out(2, &["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    assert_ne!(
        now, bobs,
        "the merge kept a verifier key Mallory could read"
    );
    t.git(2, &["push", "-q", "origin", "main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(t.out(0, &["verifier", "pubkey", "-e", "prod"]).trim(), now);
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}

/// Carol makes the verifier key (Mallory can read it) while Alice, who has none, removes
/// Mallory; Alice pulls. Carol's side is not trusted (it still lists Mallory), so its
/// key is not taken, and the merge says so, naming the key services pinned: before, it
/// dropped the key without a word (a review's repro).
#[test]
fn a_merge_that_drops_a_verifier_key_a_removed_member_could_read_names_it() {
    let t = Team::new(&["alice", "mallory", "carol"], &[]);
    t.out(0, &["generate", "-e", "prod", "API_TOKEN"]);
    t.sync(0, "prod");
    t.git(2, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(
        2,
        &["verifier", "export", "-e", "prod", "-o", "../carol.kwset"],
    );
    let carols = t
        .out(2, &["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    t.sync(2, "carol's verifier key");
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.git(0, &["add", "-A"]);
    t.git(0, &["commit", "-qm", "mallory removed"]);
    let pull = t.git_out(0, &["pull", "--no-rebase", "origin", "main"]);
    let said =
        String::from_utf8_lossy(&pull.stderr).into_owned() + &String::from_utf8_lossy(&pull.stdout);
    assert!(pull.status.success(), "{said}");
    assert!(
        said.contains(&format!("the verifier key {carols} is not kept")),
        "the merge dropped the key services pin without a word: {said}"
    );
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}
