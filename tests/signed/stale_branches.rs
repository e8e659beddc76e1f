//! Stale branches of members demoted since (DESIGN §9, §15): what a member wrote on a
//! state from before they were demoted or made `read` — changes that needed the role
//! they lost are left out of a merge, as a removed member's are, and a merge signature
//! keeping their old role is refused when pulled, checked in CI or merged. And the
//! driver checks its own merge signature as every reader will, against the state both
//! sides share even when git's BASE is an earlier one (a squashed branch).

use std::fs;

use super::merge_signatures::{merge_in, remerged, said};
use super::{branch_as, branch_in, card_of};
use crate::support::Sandbox;

/// Dave, an admin demoted by Alice to `write`, held a state from when he was admin: he
/// writes on it, merges it with the current state, keeps himself admin in the merge
/// and signs it again — on a branch of main's head, pushed.
fn demoted_admin_branch() -> (crate::support::team::Team, String, String) {
    let t = crate::support::team::Team::new(&["alice"], &[]);
    let dave_key = t.kw.write_identity("dave.key");
    let dave = t.kw.recipient_of(&dave_key);
    let alice = t.members[0].recipient.clone();
    t.out(0, &["generate", "-e", "prod", "DB"]);
    let card = card_of(&t.kw, &dave_key);
    t.out(
        0,
        &["access", "grant", "-e", "prod", &card, "--role", "admin"],
    );
    t.sync(0, "dave admin");
    let file = t.env_file(0, "prod");
    let old = fs::read(&file).unwrap();
    t.out(
        0,
        &["access", "grant", "-e", "prod", &dave, "--role", "write"],
    );
    t.sync(0, "dave demoted");
    let root = t.out(0, &["trust", "root", "-e", "prod"]).trim().to_owned();
    let now = fs::read(&file).unwrap();
    let vault = t.members[0].dir.join("vault");
    let generate = ["generate", "-e", "prod", "W"];
    let w = branch_in(&t.kw, &vault, "prod", &dave_key, &old, "w", &generate);
    let merged = merge_in(&t.kw, "prod", &dave_key, &old, &w, &now, "wn");
    let forged = remerged(
        &t.kw,
        &merged,
        &dave_key,
        &[&alice, &dave],
        "UPDATE recipients SET role = 2 WHERE recipient = ?1",
        &dave,
    );
    t.git(0, &["checkout", "-q", "-b", "dave"]);
    fs::write(&file, forged).unwrap();
    t.git(0, &["commit", "-qam", "tidy"]);
    t.git(0, &["push", "-q", "origin", "dave"]);
    t.git(0, &["checkout", "-q", "main"]);
    (t, dave, root)
}

fn role_of(t: &crate::support::team::Team, m: usize, who: &str) -> Option<String> {
    let out = t
        .kw(m, &["access", "list", "-e", "prod", "--json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == who)
        .map(|r| r["role"].as_str().unwrap().to_owned())
}

#[test]
fn a_demoted_admins_merge_branch_is_refused_pulled_checked_in_ci_or_merged() {
    let (mut t, dave, root) = demoted_admin_branch();
    // Pulled by a fast-forward (no driver): refused where Alice reads it.
    t.git(0, &["merge", "-q", "--ff-only", "dave"]);
    assert_eq!(role_of(&t, 0, &dave), None);
    t.kw(0, &["access", "list", "-e", "prod"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains(
            "otherwise than the sides' changes make them",
        ));
    t.git(0, &["reset", "-q", "--hard", "origin/main"]);
    // CI's check of the branch names the commit.
    let runner = t.fresh_machine(0, "runner");
    t.git(runner, &["fetch", "-q", "origin", "dave"]);
    let ci = t
        .kw(runner, &["audit", "verify", "--git", "FETCH_HEAD"])
        .env("KEYWARD_TRUST_ROOT", &root)
        .output()
        .unwrap();
    assert_eq!(ci.status.code(), Some(6), "{}", said(&ci));
    assert!(said(&ci).contains("tidy"), "{}", said(&ci));
    // Main moves on and Alice merges the branch with the driver: refused, and Dave
    // stays a writer.
    t.out(0, &["rotate", "-e", "prod", "DB"]);
    t.git(0, &["commit", "-qam", "rotate"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "dave"]);
    assert!(!merge.status.success(), "{}", said(&merge));
    assert!(
        said(&merge).contains("THEIRS's signed history does not verify"),
        "{}",
        said(&merge)
    );
    t.git(0, &["merge", "--abort"]);
    assert_eq!(role_of(&t, 0, &dave).as_deref(), Some("write"));
}

#[test]
fn changes_of_a_member_made_read_on_the_other_side_are_left_out_as_a_removed_members() {
    // Alice makes Dave (an admin) `read`; Dave, on his stale clone, writes and pushes a
    // branch.
    let (t, dave) = dave_made("read");
    t.out(1, &["generate", "-e", "prod", "FROM_DAVE"]);
    t.git(1, &["commit", "-qam", "deps"]);
    t.git(1, &["push", "-q", "origin", "main:dave"]);
    // Main moves on; Alice merges the branch: his side is left out, and he is named.
    t.out(0, &["rotate", "-e", "prod", "DB"]);
    t.git(0, &["commit", "-qam", "rotate"]);
    merged_leaving_out(&t, "dave", &dave);
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(!listed.contains("FROM_DAVE"), "{listed}");
    assert_eq!(role_of(&t, 0, &dave).as_deref(), Some("read"));
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}

#[test]
fn a_merge_whose_sides_share_more_than_gits_base_is_checked_as_readers_will() {
    // A squash (or a cherry-pick) leaves git's BASE before a state both sides hold.
    let (kw, _, dave) = super::with_member("dave", "admin");
    let s0 = fs::read(kw.env_file("dev")).unwrap();
    // The feature branch demotes Dave and goes on; main takes the demotion (squashed)
    // and, later, makes Dave admin again.
    kw.cmd(["access", "grant", &dave, "--role", "write"])
        .assert()
        .success();
    let s1 = fs::read(kw.env_file("dev")).unwrap();
    kw.generate("X");
    let feature = fs::read(kw.env_file("dev")).unwrap();
    fs::write(kw.env_file("dev"), &s1).unwrap();
    kw.cmd(["access", "grant", &dave, "--role", "admin"])
        .env("XDG_STATE_HOME", kw.path("main-machine"))
        .assert()
        .success();
    let main = fs::read(kw.env_file("dev")).unwrap();
    fs::write(kw.env_file("dev"), &feature).unwrap();
    // Merging main into the feature with git's BASE (before the demotion) would keep
    // the demotion; every reader checks the join against the state both sides share
    // (after it), where main's promotion is the change. The driver refuses rather
    // than sign a file every reader refuses.
    let [b, o, t] = kw.merge_sides("sides", [&s0, &feature, &main]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains(
            "otherwise than the sides' changes make them",
        ));
    assert_eq!(fs::read(&o).unwrap(), feature);
    // With the base both sides share, the same merge goes through, Dave admin again,
    // and reads everywhere.
    let [b, _, _] = kw.merge_sides("shared", [&s1, &feature, &main]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success();
    fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
    assert_eq!(
        role_of_in(&kw, &dave).as_deref(),
        Some("admin"),
        "main's promotion merged"
    );
}

/// `recipient`'s role in the sandbox's `dev`, read on a machine with nothing pinned.
fn role_of_in(kw: &Sandbox, recipient: &str) -> Option<String> {
    let out = kw
        .cmd(["access", "list", "--json"])
        .env("XDG_STATE_HOME", kw.path("reader"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()?
        .iter()
        .find(|r| r["recipient"] == recipient)
        .map(|r| r["role"].as_str().unwrap().to_owned())
}

#[test]
fn an_admin_demoted_to_write_has_the_grants_of_a_stale_branch_left_out() {
    // Alice makes Dave (an admin) a writer. On his stale clone, still admin there, he
    // adds a key (a writer's change), then grants a key of his own (an admin's).
    let (t, dave) = dave_made("write");
    t.out(1, &["generate", "-e", "prod", "FROM_DAVE"]);
    t.git(1, &["commit", "-qam", "a key"]);
    t.git(1, &["push", "-q", "origin", "main:dave-key"]);
    let spare = t.kw.write_identity("dave-spare.key");
    let spare_card = card_of(&t.kw, &spare);
    t.out(
        1,
        &[
            "access",
            "grant",
            "-e",
            "prod",
            &spare_card,
            "--role",
            "admin",
        ],
    );
    t.git(1, &["commit", "-qam", "ci key"]);
    t.git(1, &["push", "-q", "origin", "main:dave"]);
    // Main moves on; Alice merges his first branch: a writer's change, merged.
    t.out(0, &["rotate", "-e", "prod", "DB"]);
    t.git(0, &["commit", "-qam", "rotate"]);
    t.git(0, &["fetch", "-q", "origin", "dave-key"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    assert!(merge.status.success(), "{}", said(&merge));
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(listed.contains("FROM_DAVE"), "{listed}");
    // Then the second: his grant needed the admin role main took from him, so it is left
    // out, and he is named.
    merged_leaving_out(&t, "dave", &dave);
    assert!(!crate::support::can_decrypt(&t.env_file(0, "prod"), &spare));
    assert_eq!(role_of(&t, 0, &dave).as_deref(), Some("write"));
    t.kw(0, &["audit", "verify", "--git"]).assert().success();
}

/// Alice and Dave, both admins, share `prod` (with `DB`); Dave's clone has it; then
/// Alice makes Dave `role` and pushes. The team and Dave's recipient.
fn dave_made(role: &str) -> (crate::support::team::Team, String) {
    let t = crate::support::team::Team::new(&["alice", "dave"], &[]);
    t.out(0, &["generate", "-e", "prod", "DB"]);
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let dave = t.members[1].recipient.clone();
    t.out(0, &["access", "grant", "-e", "prod", &dave, "--role", role]);
    t.sync(0, "dave demoted");
    (t, dave)
}

/// Alice merges origin's `branch`: it succeeds, leaving the branch's side out and
/// naming `who`.
fn merged_leaving_out(t: &crate::support::team::Team, branch: &str, who: &str) {
    t.git(0, &["fetch", "-q", "origin", branch]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = said(&merge);
    assert!(merge.status.success(), "{said}");
    let named = keyward::recipient::short_recipient(who);
    assert!(said.contains("left out") && said.contains(&named), "{said}");
}

#[test]
fn a_merge_readers_would_refuse_for_a_demoted_signers_grant_is_refused_by_the_driver() {
    // Git's BASE is before X was made admin (a squashed branch); both sides hold the
    // state where X is admin. On one side X grants Z; on the other, Alice makes X a
    // writer. By git's BASE, X is nobody the other side demoted; by the state both sides
    // share — what every reader checks — X's grant needed the role main took away.
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let s0 = fs::read(kw.env_file("dev")).unwrap();
    let x_key = kw.write_identity("x.key");
    let x = kw.recipient_of(&x_key);
    let x_card = card_of(&kw, &x_key);
    kw.cmd(["access", "grant", &x_card, "--role", "admin"])
        .assert()
        .success();
    let s1 = fs::read(kw.env_file("dev")).unwrap();
    let z_key = kw.write_identity("z.key");
    let z_card = card_of(&kw, &z_key);
    let grant = ["access", "grant", z_card.as_str(), "--role", "write"];
    let feature = branch_as(&kw, &x_key, &s1, "feature", &grant);
    kw.cmd(["access", "grant", &x, "--role", "write"])
        .assert()
        .success();
    let main = fs::read(kw.env_file("dev")).unwrap();
    let [b, o, t] = kw.merge_sides("sides", [&s0, &main, &feature]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains("the merge would not verify"))
        .stderr(predicates::str::contains(
            "made `write` (the change needed `admin`)",
        ));
    assert_eq!(fs::read(&o).unwrap(), main);
}

#[test]
fn a_promotion_on_one_side_and_the_members_first_signed_write_on_the_other_both_merge() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    // Dev is granted by bare recipient: a writer, unbound until a first signed write.
    let dev_key = kw.write_identity("dev.key");
    let dev = kw.recipient_of(&dev_key);
    kw.cmd(["access", "grant", &dev]).assert().success();
    let base = fs::read(kw.env_file("dev")).unwrap();
    // Dev's first write, on a branch, binds his key; on main, Alice promotes him.
    let branch = branch_as(&kw, &dev_key, &base, "dev", &["generate", "FROM_DEV"]);
    kw.cmd(["access", "grant", &dev, "--role", "admin"])
        .assert()
        .success();
    let main = fs::read(kw.env_file("dev")).unwrap();
    // Merged either way round (Alice pulling the branch; Dev pulling main): each field
    // as the side that changed it has it — admin, and bound.
    for (who, ours, theirs) in [(None, &main, &branch), (Some(&dev_key), &branch, &main)] {
        let [b, o, t] = kw.merge_sides(&format!("sides-{}", who.is_some()), [&base, ours, theirs]);
        let mut merge = kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"]);
        if let Some(key) = who {
            merge
                .env("KEYWARD_IDENTITY", key)
                .env("XDG_STATE_HOME", kw.path("state-dev-merge"));
        }
        merge.assert().success();
        fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
        let list = kw
            .cmd(["access", "list", "--json"])
            .env(
                "XDG_STATE_HOME",
                kw.path(&format!("reader-{}", who.is_some())),
            )
            .output()
            .unwrap();
        assert!(list.status.success(), "{}", said(&list));
        let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        let me = v
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["recipient"] == dev.as_str());
        let me = me.unwrap();
        assert_eq!(me["role"], "admin", "{me}");
        assert!(me["signing_key"].is_string(), "{me}");
    }
}
