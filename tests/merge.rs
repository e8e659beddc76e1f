//! The merge driver (DESIGN §9) with real git: a bare repository and clones with their
//! own identities, state (pins) and clocks, merging concurrent changes by meaning.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::{Team, assert_no_plaintext, put_file};
use crate::support::{Sandbox, statuses};

/// Value-free text of an env without the events a merger writes (its actor differs
/// with who merged): the logical state.
fn logical(team: &Team, m: usize, file: &Path) -> String {
    team.out(m, &["git", "textconv", file.to_str().unwrap()])
        .lines()
        .filter(|l| {
            !(l.contains(" merge by ") || l.contains(" merge-conflict ") || l.contains(" exposed "))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn concurrent_changes_merge_on_pull_and_every_side_keeps_its_work() {
    let t = Team::new(&["alice", "bob"], &[]);
    let a_old = t.out(0, &["generate", "-e", "prod", "A"]).trim().to_owned();
    t.sync(0, "A");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Alice rotates A; Bob adds B; neither knows of the other.
    let a_new = t.out(0, &["rotate", "-e", "prod", "A"]).trim().to_owned();
    t.sync(0, "rotate A");
    let b = t.out(1, &["generate", "-e", "prod", "B"]).trim().to_owned();
    let pull = t.git_out(1, &["add", "-A"]);
    assert!(pull.status.success());
    t.git(1, &["commit", "-q", "-m", "add B"]);
    let pull = t.git_out(1, &["pull", "--no-rebase", "origin", "main"]);
    let said = String::from_utf8_lossy(&pull.stderr).into_owned();
    assert!(pull.status.success(), "{said}");
    assert!(said.contains("merged `prod` by meaning"), "{said}");
    // Both changes are there, and A's old value, retired by Alice, stays retired.
    let listed = t.out(1, &["list", "-e", "prod", "--json"]);
    assert!(
        listed.contains("\"B\"") && listed.contains("\"A\""),
        "{listed}"
    );
    assert_eq!(t.out(1, &["get", "-e", "prod", "A"]).trim(), a_new);
    assert_eq!(t.out(1, &["get", "-e", "prod", "B"]).trim(), b);
    t.kw(1, &["verify", "-e", "prod"])
        .write_stdin(a_old.clone())
        .assert()
        .code(4)
        .stderr(contains("rejected: `A` version 1 in `prod` is retired"));
    t.kw(1, &["audit", "verify", "-e", "prod"])
        .assert()
        .success();
    // Both heads are in the merged chain: neither side's pin is broken.
    t.git(1, &["push", "-q", "origin", "main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["generate", "-e", "prod", "C"]);
    t.out(1, &["generate", "-e", "prod", "D"]);
    // No merge leaves a value in the repository or the work tree in plaintext.
    for v in [&a_old, &a_new, &b] {
        for m in &t.members {
            assert_no_plaintext(&m.dir, v);
        }
        assert_no_plaintext(&t.origin, v);
        assert_no_plaintext(&t.kw.path("tmp"), v);
    }
}

#[test]
fn the_same_concurrent_pair_merged_either_way_gives_the_same_state() {
    let t = Team::new(&["alice", "bob"], &["dana"]);
    let dana = t.extra_recipient("dana");
    t.out(0, &["generate", "-e", "dev", "SHARED"]);
    t.out(0, &["generate", "-e", "dev", "OLD"]);
    t.sync(0, "base");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let base = fs::read(t.env_file(0, "dev")).unwrap();
    // Alice: rotate SHARED, revoke OLD, remove dana. Bob: rotate SHARED, add NEW.
    t.out(0, &["rotate", "-e", "dev", "SHARED"]);
    t.out(
        0,
        &["revoke", "-e", "dev", "OLD", "--reason", "leaked", "--yes"],
    );
    t.out(0, &["access", "revoke", "-e", "dev", &dana, "--yes"]);
    t.out(1, &["rotate", "-e", "dev", "SHARED"]);
    t.out(1, &["generate", "-e", "dev", "NEW"]);
    let (alice, bob) = (
        fs::read(t.env_file(0, "dev")).unwrap(),
        fs::read(t.env_file(1, "dev")).unwrap(),
    );
    let dir = t.kw.path("pair");
    fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| put_file(&dir, name, bytes);
    let (o, a1, b1) = (
        put("base", &base),
        put("a-ours", &alice),
        put("a-theirs", &bob),
    );
    t.kw(0, &["git", "merge", &o, &a1, &b1, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let (b2, a2) = (put("b-ours", &bob), put("b-theirs", &alice));
    t.kw(1, &["git", "merge", &o, &b2, &a2, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let one = logical(&t, 0, Path::new(&a1));
    let two = logical(&t, 1, Path::new(&b2));
    assert_eq!(one, two, "the merged states differ with the direction");
    // And that state is right: both SHARED values kept (v2, v3), OLD revoked, dana gone.
    assert!(one.contains("key SHARED v2 retiring"), "{one}");
    assert!(one.contains("key SHARED v3 active"), "{one}");
    assert!(one.contains("key OLD v1 revoked"), "{one}");
    assert!(one.contains("key NEW v1 active"), "{one}");
    assert!(!one.contains(&format!("recipient {dana}")), "{one}");
    // The merged file is encrypted to the merged recipients only.
    let merged = fs::read(&a1).unwrap();
    let dana_id: age::x25519::Identity = Sandbox::secret_key_of(&t.kw.path("dana.key"))
        .parse()
        .unwrap();
    let d = age::Decryptor::new(&merged[..]).unwrap();
    assert!(
        d.decrypt(std::iter::once(&dana_id as &dyn age::Identity))
            .is_err()
    );
}

#[test]
fn both_sides_rotating_a_key_keep_both_values_until_resolved() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let from_alice = t.out(0, &["rotate", "-e", "prod", "K"]).trim().to_owned();
    t.sync(0, "alice rotates K");
    let from_bob = t.out(1, &["rotate", "-e", "prod", "K"]).trim().to_owned();
    t.sync(1, "bob rotates K");
    // Both values verify (either may be deployed); the later one is active.
    for v in [&from_alice, &from_bob] {
        t.kw(1, &["verify", "-e", "prod"])
            .write_stdin(v.clone())
            .assert()
            .success();
    }
    let st = statuses(&t.show(1, "prod", "K"));
    assert_eq!(st.len(), 3, "{st:?}");
    assert_eq!(st[&3], "active");
    assert_eq!(st[&2], "retiring");
    assert_eq!(st[&1], "retired");
    let active = t.out(1, &["get", "-e", "prod", "K"]).trim().to_owned();
    // `check` reports the key until someone picks.
    t.kw(1, &["check", "-e", "prod"])
        .assert()
        .code(8)
        .stdout(contains("merge-conflict").and(contains("git resolve -e prod K")));
    // Bad picks: a version that was not kept side by side, a key without a conflict.
    t.kw(1, &["git", "resolve", "-e", "prod", "K", "--keep", "1"])
        .assert()
        .code(2)
        .stderr(contains("v2, v3"));
    t.out(1, &["generate", "-e", "prod", "OTHER"]);
    t.kw(1, &["git", "resolve", "-e", "prod", "OTHER"])
        .assert()
        .code(3)
        .stderr(contains(
            "`OTHER` in `prod` has no merge conflict to resolve",
        ));
    // Keeping the older value would renumber versions that pins name: refused.
    t.kw(1, &["git", "resolve", "-e", "prod", "K", "--keep", "2"])
        .assert()
        .code(2)
        .stderr(contains("pins"));
    // Keep the active one, with a day of grace for the other.
    let other = if active == from_alice {
        &from_bob
    } else {
        &from_alice
    };
    t.kw(
        1,
        &[
            "git", "resolve", "-e", "prod", "K", "--keep", "3", "--grace", "1d",
        ],
    )
    .assert()
    .success()
    .stderr(contains("v3 is the active value"));
    assert_eq!(
        t.out(1, &["get", "-e", "prod", "K"]).trim(),
        active.as_str()
    );
    let st = statuses(&t.show(1, "prod", "K"));
    assert_eq!((st[&3].as_str(), st[&2].as_str()), ("active", "retiring"));
    t.kw(1, &["verify", "-e", "prod"])
        .write_stdin(other.clone())
        .assert()
        .success();
    t.kw(1, &["check", "-e", "prod"]).assert().success();
    t.kw(1, &["audit", "-e", "prod", "--action", "resolve"])
        .assert()
        .success()
        .stdout(contains("resolve"));
}

#[test]
fn offboarding_on_one_side_marks_what_the_other_side_added_as_exposed() {
    let t = Team::new(&["alice", "bob"], &["mallory"]);
    let mallory = t.extra_recipient("mallory");
    t.out(0, &["generate", "-e", "dev", "KEEP"]);
    t.sync(0, "KEEP");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["offboard", &mallory, "--reason", "left", "--yes"]);
    t.sync(0, "offboard mallory");
    // Bob, not yet knowing, adds a key: his commit is encrypted to mallory.
    let added = t
        .out(1, &["generate", "-e", "dev", "ADDED"])
        .trim()
        .to_owned();
    t.sync(1, "ADDED");
    let access = t.out(1, &["access", "list", "-e", "dev"]);
    assert!(!access.contains(&mallory), "{access}");
    t.kw(1, &["check", "-e", "dev"])
        .assert()
        .code(8)
        .stdout(contains("ADDED").and(contains("exposed")))
        .stdout(contains("KEEP").not());
    // Mallory can read ADDED from Bob's commit in history: rotating it is what helps.
    t.out(1, &["rotate", "-e", "dev", "ADDED"]);
    t.kw(1, &["check", "-e", "dev"]).assert().success();
    t.kw(1, &["verify", "-e", "dev"])
        .write_stdin(added)
        .assert()
        .code(4)
        .stderr(contains("rejected: `ADDED` version 1 in `dev` is retired"));
}

#[test]
fn the_driver_refuses_what_does_not_extend_base_and_leaves_ours_untouched() {
    let t = Team::new(&["alice"], &[]);
    t.out(0, &["generate", "-e", "dev", "K"]);
    let older = fs::read(t.env_file(0, "dev")).unwrap();
    t.out(0, &["rotate", "-e", "dev", "K"]);
    let newer = fs::read(t.env_file(0, "dev")).unwrap();
    let dir = t.kw.path("refuse");
    fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| put_file(&dir, name, bytes);
    // THEIRS older than BASE: a rewound side.
    let (o, a, b) = (
        put("base", &newer),
        put("ours", &newer),
        put("theirs", &older),
    );
    t.kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains("THEIRS").and(contains("-e dev")));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // THEIRS from another vault (a forgery with the public recipients).
    let other = Sandbox::with_vault();
    let forged = fs::read(other.env_file("dev")).unwrap();
    let b = put("theirs", &forged);
    let out = t
        .kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // THEIRS not decryptable, BASE empty (both sides created the env), damaged OURS.
    let b = put("theirs", b"age-encryption.org/v1\ngarbage");
    t.kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains(
            "`THEIRS` is corrupt or has been tampered with: unknown age format",
        ));
    let empty = put("empty", b"");
    let b = put("theirs", &newer);
    t.kw(
        0,
        &["git", "merge", &empty, &a, &b, "vault/envs/dev.db.age"],
    )
    .assert()
    .code(6)
    .stderr(contains("both sides created it"));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // No temp file is left beside OURS.
    let left: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter().all(|n| !n.to_string_lossy().contains(".tmp")),
        "{left:?}"
    );
}

#[test]
fn rotation_hooks_merge_with_their_keys_and_the_later_change_wins() {
    let t = Team::new(&["alice", "bob"], &[]);
    for name in ["ONE", "TWO", "BOTH"] {
        t.kw(0, &["set", "-e", "dev", name])
            .write_stdin(format!("imported-{name}-value"))
            .assert()
            .success();
        t.out(0, &["hook", "set", "-e", "dev", name, "--", "echo", "base"]);
    }
    t.sync(0, "imported keys with hooks");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Bob changes BOTH's hook first and clears TWO's; Alice changes ONE's, and BOTH's
    // later than Bob. Bob merges: the later change (theirs) wins.
    let set = |m: usize, name: &str, cmd: &str| {
        t.out(m, &["hook", "set", "-e", "dev", name, "--", "echo", cmd]);
    };
    set(1, "BOTH", "bob-both");
    t.out(1, &["hook", "clear", "-e", "dev", "TWO"]);
    set(0, "ONE", "alice-one");
    set(0, "BOTH", "alice-both");
    t.sync(0, "alice's hooks");
    t.sync(1, "bob's hooks");
    let hook = |name: &str| {
        let v = t.show(1, "dev", name);
        serde_json::to_string(&v["rotation_hook"]).unwrap()
    };
    assert!(hook("ONE").contains("alice-one"), "{}", hook("ONE"));
    assert_eq!(hook("TWO"), "null", "a clear on one side is a change");
    assert!(hook("BOTH").contains("alice-both"), "{}", hook("BOTH"));
    // Diffs show that a hook changed, by its hash, never the command (it may hold a
    // provider's token).
    let file = t.env_file(1, "dev");
    let text = t.out(1, &["git", "textconv", file.to_str().unwrap()]);
    assert!(text.contains("key ONE rotation-hook sha256:"), "{text}");
    assert!(
        !text.contains("alice-one") && !text.contains("echo"),
        "{text}"
    );
}

#[test]
fn a_verifier_key_made_on_both_sides_merges_to_the_older_one() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "dev", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Both make the environment's verifier key with their first export; Alice first.
    let set = |m: usize| {
        let f = t.kw.path(&format!("set-{m}.db"));
        t.out(
            m,
            &["verifier", "export", "-e", "dev", "-o", f.to_str().unwrap()],
        );
        t.out(m, &["verifier", "pubkey", "-e", "dev"])
            .trim()
            .to_owned()
    };
    let alice = set(0);
    let bob = set(1);
    assert_ne!(alice, bob);
    t.sync(0, "alice's verifier key");
    t.git(1, &["add", "-A"]);
    t.git(1, &["commit", "-q", "-m", "bob's verifier key"]);
    let pull = t.git_out(1, &["pull", "--no-rebase", "origin", "main"]);
    assert!(pull.status.success());
    assert!(
        String::from_utf8_lossy(&pull.stderr).contains("verifier key"),
        "the merge says the key changed: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(t.out(1, &["verifier", "pubkey", "-e", "dev"]).trim(), alice);
    // Only one side made one: it stays.
    t.git(1, &["push", "-q", "origin", "main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(t.out(0, &["verifier", "pubkey", "-e", "dev"]).trim(), alice);
}

#[test]
fn a_removed_recipients_branch_cannot_grant_itself_access_back_through_a_merge() {
    // Mallory could read the vault before she was offboarded: she still holds that
    // state (and its audit key), so she can write a branch from it. What that branch
    // grants, deletes or un-revokes must not survive Alice's merge.
    let t = Team::new(&["alice", "mallory"], &[]);
    let fresh_id = t.kw.write_identity("mallory2.key");
    let fresh = t.kw.recipient_of(&fresh_id);
    t.out(0, &["generate", "-e", "prod", "STRIPE_KEY"]);
    t.out(0, &["generate", "-e", "prod", "OLD"]);
    t.out(
        0,
        &["revoke", "-e", "prod", "OLD", "--reason", "leaked", "--yes"],
    );
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["offboard", &mallory, "--reason", "left", "--yes"]);
    t.out(0, &["generate", "-e", "prod", "AFTER"]);
    t.sync(0, "offboard mallory");
    // Mallory, from the state before: grants a fresh key, deletes STRIPE_KEY.
    t.out(1, &["access", "grant", "-e", "prod", &fresh]);
    t.out(
        1,
        &[
            "delete",
            "-e",
            "prod",
            "STRIPE_KEY",
            "--reason",
            "x",
            "--yes",
        ],
    );
    t.git(1, &["commit", "-qam", "docs typo"]);
    t.git(1, &["push", "-q", "origin", "main:typo"]);
    t.git(0, &["fetch", "-q", "origin", "typo"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    // DESIGN §15: every change on her branch is signed by her, whom main removed:
    // left out as a whole, and she is named.
    assert!(
        said.contains("left out") && said.contains(&keyward::recipient::short_recipient(&mallory)),
        "the merge says what it left out: {said}"
    );
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(
        !access.contains(&fresh) && !access.contains(&mallory),
        "{access}"
    );
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(
        listed.contains("\"STRIPE_KEY\"") && listed.contains("\"AFTER\""),
        "{listed}"
    );
    let st = statuses(&t.show(0, "prod", "OLD"));
    assert!(st.values().all(|s| s == "revoked"), "{st:?}");
    // The merged file is not encrypted to the key she tried to add.
    let merged = fs::read(t.env_file(0, "prod")).unwrap();
    let id: age::x25519::Identity = Sandbox::secret_key_of(&t.kw.path("mallory2.key"))
        .parse()
        .unwrap();
    let d = age::Decryptor::new(&merged[..]).unwrap();
    assert!(
        d.decrypt(std::iter::once(&id as &dyn age::Identity))
            .is_err()
    );
}

#[test]
fn renames_deletes_and_rotations_on_two_sides_merge_and_their_history_checks() {
    let t = Team::new(&["alice", "bob"], &[]);
    for k in ["A", "B", "C", "D", "E"] {
        t.out(0, &["generate", "-e", "prod", k]);
    }
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Alice: renames twice, renames then deletes, renames away and reuses the name,
    // renames one Bob rotates.
    t.out(0, &["rename", "-e", "prod", "A", "A1"]);
    t.out(0, &["rename", "-e", "prod", "A1", "A2"]);
    t.out(0, &["rename", "-e", "prod", "B", "B1"]);
    t.out(
        0,
        &["delete", "-e", "prod", "B1", "--reason", "gone", "--yes"],
    );
    t.out(0, &["rename", "-e", "prod", "C", "C_OLD"]);
    t.out(0, &["generate", "-e", "prod", "C"]);
    t.out(0, &["rename", "-e", "prod", "E", "E2"]);
    t.sync(0, "alice renames");
    for k in ["D", "E"] {
        t.out(1, &["rotate", "-e", "prod", k]);
    }
    t.sync(1, "bob rotates");
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    for m in 0..2 {
        t.kw(m, &["audit", "verify", "--git"]).assert().success();
    }
    // The value Bob retired is not active again under Alice's new name.
    let e2 = statuses(&t.show(0, "prod", "E2"));
    assert_ne!(e2[&1], "active", "{e2:?}");
}

#[test]
fn a_branch_that_merged_main_after_a_removal_reads_main_again_with_a_warning() {
    let t = Team::new(&["alice", "bob"], &["carol"]);
    let carol = t.extra_recipient("carol");
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(1, &["checkout", "-qb", "feature"]);
    t.out(1, &["generate", "-e", "prod", "FEATURE"]);
    t.git(1, &["commit", "-qam", "feature"]);
    t.out(0, &["access", "revoke", "-e", "prod", &carol, "--yes"]);
    t.sync(0, "remove carol");
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["merge", "-q", "--no-edit", "origin/main"]);
    t.out(1, &["list", "-e", "prod"]);
    // Main, written by Alice after the removal, is an earlier state here — not one from
    // before the removal.
    t.git(1, &["checkout", "-q", "main"]);
    t.git(1, &["merge", "-q", "--ff-only", "origin/main"]);
    t.kw(1, &["get", "-e", "prod", "K"])
        .assert()
        .success()
        .stderr(contains("is behind what was seen here"));
}

/// Alice and Bob each rotate `K` in `prod` (with a grace) on their own side of a pull:
/// Bob's merge leaves `K` in a merge conflict.
fn both_rotated_k_in_prod() -> Team {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["rotate", "-e", "prod", "K", "--grace", "1h"]);
    t.sync(0, "alice rotates K");
    t.out(1, &["rotate", "-e", "prod", "K", "--grace", "1h"]);
    t.sync(1, "bob rotates K");
    t
}

#[test]
fn resolving_in_production_without_grace_asks_and_offers_one() {
    let t = both_rotated_k_in_prod();
    let no = t.answer_on_terminal(1, &["git", "resolve", "-e", "prod", "K"], "n");
    assert_eq!(no.code, 2, "{}", no.stderr);
    assert!(
        no.stderr
            .contains("`prod` is production and there is no --grace")
            && no
                .stderr
                .contains("keyward git resolve -e prod K --grace 24h"),
        "{}",
        no.stderr
    );
    t.kw(1, &["check", "-e", "prod"])
        .assert()
        .code(8)
        .stdout(contains("merge-conflict"));
    let yes = t.answer_on_terminal(1, &["git", "resolve", "-e", "prod", "K"], "y");
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert!(
        yes.stderr
            .contains("changed vault/envs/prod.db.age — commit and push to take effect"),
        "{}",
        yes.stderr
    );
    t.kw(1, &["check", "-e", "prod"]).assert().success();
}

#[test]
fn a_merge_conflict_shows_in_list_and_show_and_renumbered_events_say_so() {
    let t = both_rotated_k_in_prod();
    // list: the key's state, not a plain `active`.
    let list = t.out(1, &["list", "-e", "prod", "--json"]);
    let keys: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(keys["keys"][0]["status"], "merge-conflict", "{list}");
    assert!(t.out(1, &["list", "-e", "prod"]).contains("merge-conflict"));
    // show: the value kept verifying has no empty end, and says what ends it.
    let show = t.out(1, &["show", "-e", "prod", "K"]);
    assert!(
        !show.contains("verifies until \n") && !show.contains("verifies until  "),
        "{show}"
    );
    assert!(
        show.contains(
            "kept verifying by a merge until someone picks: `keyward git resolve -e prod K`"
        ),
        "{show}"
    );
    // audit: both sides' rotations said `v2`; the one now v3 says so.
    let events: Vec<serde_json::Value> =
        serde_json::from_str(&t.out(1, &["audit", "-e", "prod", "--action", "rotate", "--json"]))
            .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e["version"] == 2));
    let renumbered: Vec<_> = events.iter().filter(|e| e["renumbered"] == 3).collect();
    assert_eq!(renumbered.len(), 1, "{events:?}");
    assert!(events.iter().any(|e| e.get("renumbered").is_none()));
    let human = t.out(1, &["audit", "-e", "prod", "--action", "rotate"]);
    assert!(
        human.contains("2 (now v3: renumbered by a merge)"),
        "{human}"
    );
    // The value the later rotation made is v3's (the active one).
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let later = events
        .iter()
        .max_by_key(|e| e["time"].as_str().unwrap().to_owned())
        .unwrap();
    assert_eq!(later["renumbered"], 3);
    // After resolving, the list says active again.
    t.kw(1, &["git", "resolve", "-e", "prod", "K", "--grace", "1h"])
        .assert()
        .success();
    let keys: serde_json::Value =
        serde_json::from_str(&t.out(1, &["list", "-e", "prod", "--json"])).unwrap();
    assert_eq!(keys["keys"][0]["status"], "active");
}

/// One side deletes a key and makes it again; the other revokes it. Merged, the key is
/// the new value (the deleted values stay deleted), in service: a revocation on one
/// branch says nothing of a value made on another, whichever way git merges.
#[test]
fn a_key_made_again_on_one_side_and_revoked_on_the_other_merges_and_reads() {
    for merger in [0, 1] {
        let mut t = Team::new(&["alice", "bob"], &[]);
        let ci = t.fresh_machine(1, "ci");
        t.out(0, &["generate", "K"]);
        t.sync(0, "K");
        t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
        let (remake, revoke) = (merger, 1 - merger);
        t.kw(revoke, &["revoke", "K", "--reason", "leaked", "--yes"])
            .assert()
            .success();
        // The side that makes it again revoked the old one first: its own machine saw
        // K v1 revoked, and must not take the new K v1 for that one.
        t.kw(
            remake,
            &["revoke", "K", "--reason", "leaked here too", "--yes"],
        )
        .assert()
        .success();
        t.kw(remake, &["delete", "K", "--reason", "start over", "--yes"])
            .assert()
            .success();
        let fresh = t.out(remake, &["generate", "K"]).trim().to_owned();
        t.sync(revoke, "revoke K");
        t.sync(remake, "make K again");
        assert_eq!(t.out(remake, &["get", "K"]).trim(), fresh);
        t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.kw(ci, &["audit", "verify"]).assert().success();
        t.kw(ci, &["get", "K"])
            .assert()
            .success()
            .stdout(format!("{fresh}\n"));
        // And on the machine that revoked it, which saw the old K revoked: the key was
        // made again on the other line, so what it saw is not this key's.
        t.git(revoke, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.kw(revoke, &["get", "K"])
            .assert()
            .success()
            .stdout(format!("{fresh}\n"));
    }
}

/// A THEIRS every read refuses (an outsider's file: the base image with a table of its
/// own, encrypted to the public recipient) is refused by the driver too, with the
/// reason, even where ours would be kept as it is (THEIRS added no event): the merge
/// commit would otherwise put a damaged file into the branch's history, which `audit
/// verify --git` would report for ever, with git saying nothing.
#[test]
fn a_theirs_every_read_refuses_is_refused_even_when_ours_holds_its_history() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let base = fs::read(kw.env_file("dev")).unwrap();
    let me = kw.recipient_of(kw.identity.as_ref().unwrap());
    let forged = crate::support::encrypt_image(
        &crate::support::gzipped(&crate::support::edit_image(&kw.decrypt_env("dev"), |c| {
            c.execute_batch("CREATE TABLE pad(x BLOB); INSERT INTO pad VALUES (zeroblob(64));")
                .unwrap();
        })),
        &[&me],
    );
    kw.generate("OURS_K");
    let ours = fs::read(kw.env_file("dev")).unwrap();
    for (n, ours) in [&ours, &base].into_iter().enumerate() {
        let [b, o, t] = kw.merge_sides(&format!("forged-{n}"), [&base, ours, &forged]);
        kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
            .assert()
            .failure()
            .stderr(contains("THEIRS's signed history does not verify"));
        assert_eq!(&fs::read(&o).unwrap(), ours, "ours left as it was");
    }
}
