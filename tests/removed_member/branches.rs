//! Branches a removed member wrote, merged by the people who stayed.

use std::fs;

use keyward::recipient::short_recipient;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;
use crate::support::{can_decrypt, decrypt_file, edit_image, encrypt_image, statuses};

use super::{
    forge_with_heads, push_branch, remove_mallory, remove_mallory_only, team_before_removal,
};

#[test]
fn a_self_removing_branch_of_a_removed_member_grants_nothing_and_is_left_out() {
    let mut t = team_before_removal();
    let rotated = remove_mallory(&t);
    let mallory = t.members[1].recipient.clone();
    let m2_key = t.kw.write_identity("mallory2.key");
    let m2 = t.kw.recipient_of(&m2_key);
    // Mallory, on the state before: grants a key she controls, removes herself (so her
    // side no longer lists anyone Alice removed), and adds a value.
    t.out(1, &["generate", "-e", "prod", "FROM_MALLORY"]);
    t.out(1, &["access", "grant", "-e", "prod", &m2]);
    t.out(
        1,
        &[
            "access", "revoke", "-e", "prod", &mallory, "--force", "--yes",
        ],
    );
    push_branch(&t, "typo");
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    // DESIGN §15: every change of her branch is signed by her, whom main removed: the
    // whole branch is left out, and she is named.
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&mallory)),
        "the merge names what it left out: {said}"
    );

    let file = t.env_file(0, "prod");
    assert!(
        !can_decrypt(&file, &m2_key),
        "the key Mallory granted reads prod"
    );
    assert!(
        !can_decrypt(&file, &t.members[1].identity),
        "Mallory reads prod"
    );
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(
        !access.contains(&m2) && !access.contains(&mallory),
        "{access}"
    );
    assert_eq!(
        t.out(0, &["get", "-e", "prod", "DB_PASSWORD"]).trim(),
        rotated
    );
    for k in ["OLD", "API_TOKEN"] {
        let st = statuses(&t.show(0, "prod", k));
        assert!(st.values().all(|s| s == "revoked"), "{k}: {st:?}");
    }
    // Nothing of hers is in main.
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(!listed.contains("FROM_MALLORY"), "{listed}");
    // Pushed, and read on a fresh clone: the same, and its history checks.
    t.git(0, &["push", "-q", "origin", "main"]);
    let fresh = t.fresh_machine(0, "runner");
    t.kw(fresh, &["get", "-e", "prod", "API_TOKEN"])
        .assert()
        .code(4)
        .stderr(contains(
            "key `API_TOKEN` version 1 in `prod` is revoked since",
        ));
    t.kw(fresh, &["audit", "verify", "--git"])
        .assert()
        .success();
}

#[test]
fn a_status_edited_back_on_a_removed_members_branch_is_refused_by_the_merge() {
    let mut t = team_before_removal();
    remove_mallory(&t);
    let (alice, mallory) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    // Mallory writes with keyward, then makes the revoked OLD active again by hand in
    // her image — a key Alice's side left alone. (Her own keyward refuses to write over
    // a hand-edited file: its rows are not the state last signed, DESIGN §15.)
    t.out(1, &["generate", "-e", "prod", "FROM_MALLORY"]);
    let file = t.env_file(1, "prod");
    let image = decrypt_file(&file, &t.members[1].identity);
    let edited = edit_image(&image, |c| {
        c.execute(
            "UPDATE versions SET status = 0, revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
             WHERE key_id = (SELECT id FROM keys WHERE name = 'OLD')",
            [],
        )
        .unwrap();
    });
    fs::write(&file, encrypt_image(&edited, &[&alice, &mallory])).unwrap();
    push_branch(&t, "typo");
    let ours = fs::read(t.env_file(0, "prod")).unwrap();
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(
        !merge.status.success(),
        "the merge took an edited branch: {said}"
    );
    assert!(
        said.contains("`OLD` v1 moved back from revoked to active"),
        "the refusal names the key: {said}"
    );
    // Git reports a conflict and Alice's file is left as it was.
    t.git(0, &["merge", "--abort"]);
    assert_eq!(fs::read(t.env_file(0, "prod")).unwrap(), ours);
    let st = statuses(&t.show(0, "prod", "OLD"));
    assert!(st.values().all(|s| s == "revoked"), "{st:?}");
    // On a fresh machine, the branch itself is named by `audit verify --git`.
    let fresh = t.fresh_machine(0, "runner");
    t.kw(fresh, &["audit", "verify", "--git", "origin/typo"])
        .assert()
        .code(6)
        .stderr(contains("mallory").and(contains("`OLD` v1 moved back")));
}

#[test]
fn a_forged_file_carrying_published_heads_is_never_taken_by_the_merge_driver() {
    let t = team_before_removal();
    let stale = decrypt_file(&t.env_file(1, "prod"), &t.members[1].identity);
    remove_mallory(&t);
    let base_head = t.head(0, "prod");
    // Alice goes on on a branch; its head is published (a CI log).
    t.git(0, &["checkout", "-qb", "next"]);
    t.out(0, &["generate", "-e", "prod", "NEXT"]);
    t.git(0, &["commit", "-qam", "next"]);
    let next_head = t.head(0, "prod");
    // Mallory commits her forgery on top of main (she can fetch commits, not read them).
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["reset", "-q", "--hard", "origin/main"]);
    fs::write(
        t.env_file(1, "prod"),
        forge_with_heads(&t, &stale, &[base_head, next_head]),
    )
    .unwrap();
    push_branch(&t, "fix");
    let ours = fs::read(t.env_file(0, "prod")).unwrap();
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stdout).into_owned()
        + &String::from_utf8_lossy(&merge.stderr);
    assert!(
        !merge.status.success(),
        "the driver took the forgery: {said}"
    );
    assert!(said.contains("prod"), "{said}");
    t.git(0, &["merge", "--abort"]);
    assert_eq!(fs::read(t.env_file(0, "prod")).unwrap(), ours);
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(!access.contains(&t.members[1].recipient), "{access}");
}

#[test]
fn a_member_updating_a_removed_members_branch_with_main_grants_nothing() {
    // Bob read prod before Mallory's removal; he reviews her branch and brings main into
    // it. His side is hers: what she granted is withheld, whoever merges.
    let mut t = Team::new(&["alice", "mallory"], &[]);
    let bob = t.fresh_machine(0, "bob");
    t.out(0, &["generate", "-e", "prod", "DB_PASSWORD"]);
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(bob, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(bob, &["list", "-e", "prod"]);
    // Known by a label: the merge names her by it (main keeps it as a former label).
    let mallory = t.members[1].recipient.clone();
    t.out(
        0,
        &[
            "access", "grant", "-e", "prod", &mallory, "--name", "Mallory",
        ],
    );
    remove_mallory_only(&t);
    let m2_key = t.kw.write_identity("mallory2.key");
    t.out(
        1,
        &["access", "grant", "-e", "prod", &t.kw.recipient_of(&m2_key)],
    );
    push_branch(&t, "pr");
    t.git(bob, &["fetch", "-q", "origin"]);
    t.git(bob, &["checkout", "-q", "-b", "review", "origin/pr"]);
    t.out(bob, &["list", "-e", "prod"]);
    let merge = t.git_out(bob, &["merge", "--no-edit", "origin/main"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    // DESIGN §15: her side's changes are all signed by her, whom main removed: this
    // side (hers) is left out and main taken, whoever merges.
    assert!(
        said.contains("left out")
            && said.contains(&format!(
                "Mallory ({})",
                short_recipient(&t.members[1].recipient)
            )),
        "{said}"
    );
    assert!(!can_decrypt(&t.env_file(bob, "prod"), &m2_key));
    assert_eq!(
        fs::read(t.env_file(bob, "prod")).unwrap(),
        fs::read(t.env_file(0, "prod")).unwrap(),
        "main taken as it is"
    );
}

#[test]
fn a_removed_member_is_never_named_by_a_label_her_own_branch_gave_her() {
    // Mallory, unlabelled in the shared state, relabels Alice on her stale branch and
    // takes Alice's label. The merge names the barred signer as the base and main know
    // her (by her key alone), never as "Alice": a name her own side chose would put the
    // blame on the admin who removed her.
    let t = Team::new(&["alice", "mallory"], &[]);
    let alice = t.members[0].recipient.clone();
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["generate", "-e", "prod", "DB_PASSWORD"]);
    t.out(
        0,
        &["access", "grant", "-e", "prod", &alice, "--name", "Alice"],
    );
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.sync(0, "remove mallory");
    t.out(
        1,
        &["access", "grant", "-e", "prod", &alice, "--name", "Other"],
    );
    t.out(1, &["access", "grant", "-e", "prod", "--name", "Alice"]);
    t.out(1, &["generate", "-e", "prod", "FROM_MALLORY"]);
    let own = t.out(1, &["access", "list", "-e", "prod"]);
    assert!(
        own.lines()
            .any(|l| l.contains("Alice") && l.contains(&mallory)),
        "her branch calls her Alice: {own}"
    );
    push_branch(&t, "typo");
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    assert!(
        said.contains("left out") && said.contains(&short_recipient(&mallory)),
        "{said}"
    );
    assert!(
        !said.contains(&format!("Alice ({})", short_recipient(&mallory))),
        "the removed member named by the label she took: {said}"
    );
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(!listed.contains("FROM_MALLORY"), "{listed}");
}
