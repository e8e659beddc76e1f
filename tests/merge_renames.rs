//! Merges where one side renamed a key (DESIGN §9, §14): versions match by value across
//! names, so what the other side did to the key under its old name — made it again,
//! revoked it, rotated it and then deleted it — reaches the value under its new name.

use crate::support::team::Team;

/// Alice and Bob sharing `K` (Bob has pulled it), and a CI machine of Bob's identity that
/// has not read anything yet; K's value.
fn two_clones_with_k() -> (Team, usize, String) {
    let mut t = Team::new(&["alice", "bob"], &[]);
    let ci = t.fresh_machine(1, "ci");
    let old = t.out(0, &["generate", "K"]).trim().to_owned();
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    (t, ci, old)
}

/// Both clones' changes pushed, the second by `merger` (0 or 1), which merges; the other
/// clone and CI pull the merge. Each of the three lists `dev` (asserted to succeed);
/// their outputs, by member.
fn merged_and_listed(t: &Team, merger: usize, ci: usize) -> Vec<(usize, std::process::Output)> {
    let (first, second) = (1 - merger, merger);
    t.sync(first, "changes");
    t.sync(second, "changes, merged");
    t.git(first, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
    [0, 1, ci]
        .into_iter()
        .map(|m| {
            let list = t.kw(m, &["list", "--json"]).output().unwrap();
            assert!(
                list.status.success(),
                "merged by {merger}, read by {m}: {list:?}"
            );
            (m, list)
        })
        .collect()
}

/// One side deletes a key and makes it again; the other renames it. Merged, the old
/// value is under the new name and the new value under the old one: every machine reads
/// it, and CI's `audit verify --git` takes the merge commit against both parents.
#[test]
fn a_key_made_again_on_one_side_and_renamed_on_the_other_verifies_in_ci() {
    for merger in [0, 1] {
        let (t, ci, old) = two_clones_with_k();
        let (remake, rename) = (merger, 1 - merger);
        t.kw(rename, &["rename", "K", "L"]).assert().success();
        t.kw(remake, &["delete", "K", "--reason", "start over", "--yes"])
            .assert()
            .success();
        let fresh = t.out(remake, &["generate", "K"]).trim().to_owned();
        t.sync(rename, "rename K to L");
        t.sync(remake, "make K again");
        t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
        assert_eq!(t.out(ci, &["get", "K"]).trim(), fresh);
        assert_eq!(t.out(ci, &["get", "L"]).trim(), old);
    }
}

/// One side takes a key out of service and then deletes it; the other renames it. The
/// merge drops the deleted name, but the value lives on under the new one: it must stay
/// as far out of service as the deleting side left it (DESIGN §9: no merged value is
/// less out of service than a side had it, under any name), whichever way git merges,
/// and every machine — the two members and a fresh runner — reads the merged file.
#[test]
fn a_key_taken_out_of_service_and_deleted_on_one_side_and_renamed_on_the_other_stays_out() {
    for (how, merger) in [("revoke", 0), ("revoke", 1), ("rotate", 0), ("rotate", 1)] {
        let (t, ci, old) = two_clones_with_k();
        let (remove, rename) = (merger, 1 - merger);
        let out_of_service: &[&str] = if how == "revoke" {
            &["revoke", "K", "--reason", "leaked", "--yes"]
        } else {
            &["rotate", "K", "--grace", "1h", "--reason", "scheduled"]
        };
        t.kw(remove, out_of_service).assert().success();
        t.kw(remove, &["delete", "K", "--reason", "unused", "--yes"])
            .assert()
            .success();
        t.kw(rename, &["rename", "K", "L"]).assert().success();
        t.sync(rename, "rename K to L");
        t.sync(remove, "take K out and delete it");
        t.git(rename, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        // A rotation's end of grace is not in its event, and the rows that held it are
        // deleted: the value comes out retired, never guessed back into service.
        let want = if how == "revoke" {
            "revoked"
        } else {
            "retired"
        };
        for m in [remove, rename, ci] {
            let what = format!("{how}, merged by {merger}, read by {m}");
            let show = t.show(m, "dev", "L");
            assert_eq!(show["versions"][0]["status"], want, "{what}: {show}");
            let get = t.kw(m, &["get", "L"]).output().unwrap();
            assert_eq!(get.status.code(), Some(4), "{what}: {get:?}");
            assert!(
                !String::from_utf8_lossy(&get.stdout).contains(&old),
                "{what}"
            );
        }
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
        if how == "revoke" {
            let show = t.show(ci, "dev", "L");
            let v = &show["versions"][0];
            assert_eq!(v["revoke_reason"], "leaked", "{show}");
        }
    }
}

/// The side that revoked `K` also made the name again — deleted and generated, with the
/// revocation before or after the making. The other side renamed the old `K` to `L`.
/// Whichever way git merges: the old value under `L` is revoked exactly when the
/// revocation was of it, and every machine (and CI's `audit verify --git`) reads it.
#[test]
fn a_key_made_again_and_revoked_on_one_side_and_renamed_on_the_other_keeps_each_value_right() {
    for (revoke_first, merger) in [(true, 0), (true, 1), (false, 0), (false, 1)] {
        let (t, ci, old) = two_clones_with_k();
        let (remake, rename) = (merger, 1 - merger);
        let revoke = ["revoke", "K", "--reason", "leaked", "--yes"];
        if revoke_first {
            t.kw(remake, &revoke).assert().success();
        }
        t.kw(remake, &["delete", "K", "--reason", "start over", "--yes"])
            .assert()
            .success();
        let fresh = t.out(remake, &["generate", "K"]).trim().to_owned();
        if !revoke_first {
            t.kw(remake, &revoke).assert().success();
        }
        t.kw(rename, &["rename", "K", "L"]).assert().success();
        t.sync(rename, "rename K to L");
        t.sync(remake, "revoke and make K again");
        t.git(rename, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        let what = |m| format!("revoke first: {revoke_first}, merged by {merger}, read by {m}");
        for m in [remake, rename, ci] {
            let get_l = t.kw(m, &["get", "L"]).output().unwrap();
            let get_k = t.kw(m, &["get", "K"]).output().unwrap();
            if revoke_first {
                // The old value was revoked, then K made again: L (the old value) stays
                // revoked, K (the new one) is in service.
                assert_eq!(get_l.status.code(), Some(4), "{}: {get_l:?}", what(m));
                assert!(!String::from_utf8_lossy(&get_l.stdout).contains(&old));
                assert_eq!(
                    String::from_utf8_lossy(&get_k.stdout).trim(),
                    fresh,
                    "{}",
                    what(m)
                );
            } else {
                // The new K was revoked; the old value under L never was.
                assert_eq!(
                    String::from_utf8_lossy(&get_l.stdout).trim(),
                    old,
                    "{}: {get_l:?}",
                    what(m)
                );
                assert_eq!(get_k.status.code(), Some(4), "{}: {get_k:?}", what(m));
            }
        }
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
    }
}

/// Three people: Alice renames X to K, revokes K and deletes it; Carol (from the same
/// start) deletes X and renames Y to X, and merges Alice's work; Bob, from the start
/// too, merges the result. Y's value, now X, was never revoked: it stays in service on
/// every machine (Carol's rename is not part of Alice's line of history).
#[test]
fn a_rename_merged_from_another_line_is_not_taken_for_the_revoked_keys_past() {
    let mut t = Team::new(&["alice", "bob", "carol"], &[]);
    let ci = t.fresh_machine(1, "ci");
    t.out(0, &["generate", "X"]);
    let y = t.out(0, &["generate", "Y"]).trim().to_owned();
    t.sync(0, "X and Y");
    for m in [1, 2] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    t.kw(0, &["rename", "X", "K"]).assert().success();
    t.kw(0, &["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    t.kw(0, &["delete", "K", "--reason", "gone", "--yes"])
        .assert()
        .success();
    t.sync(0, "X renamed to K, revoked, deleted");
    t.kw(2, &["delete", "X", "--reason", "old", "--yes"])
        .assert()
        .success();
    t.kw(2, &["rename", "Y", "X"]).assert().success();
    t.sync(2, "Y is X now");
    t.kw(1, &["generate", "Z"]).assert().success();
    t.sync(1, "Z");
    t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
    for m in [1, ci] {
        t.kw(m, &["get", "X"])
            .assert()
            .success()
            .stdout(format!("{y}\n"));
    }
    t.kw(ci, &["audit", "verify", "--git"]).assert().success();
}

/// One side renames K to L and rotates L; the other rotates K. The merge keeps the old
/// name with the other side's new value and L with this side's: every machine reads it,
/// and CI's `audit verify --git` takes the merge commit against both parents (L's v2 is
/// not K's v2 from the other parent, whose value is still there, under K).
#[test]
fn a_key_renamed_and_rotated_on_one_side_and_rotated_on_the_other_verifies_in_ci() {
    for merger in [0, 1] {
        let (t, ci, _) = two_clones_with_k();
        let (renamer, rotator) = (merger, 1 - merger);
        t.kw(renamer, &["rename", "K", "L"]).assert().success();
        let on_l = t.out(renamer, &["rotate", "L"]).trim().to_owned();
        let on_k = t.out(rotator, &["rotate", "K"]).trim().to_owned();
        t.sync(rotator, "rotate K");
        t.sync(renamer, "rename K to L, rotate L");
        t.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
        assert_eq!(t.out(ci, &["get", "L"]).trim(), on_l);
        assert_eq!(t.out(ci, &["get", "K"]).trim(), on_k);
    }
}

/// Bob read `K` as it was (the rows his machine keeps), then renamed it to L and back;
/// Alice renamed it to L. Merged, K's value is under L. Bob's machine holds the merged
/// file to the rows it kept, over both lines' renames: no single name follows from
/// them, and the value is there, so it reads (as CI's `audit verify --git` does).
#[test]
fn renames_on_both_lines_since_the_state_a_machine_kept_read_after_the_merge() {
    for merger in [0, 1] {
        let (t, ci, old) = two_clones_with_k();
        t.kw(1, &["list"]).assert().success();
        t.kw(1, &["rename", "K", "L"]).assert().success();
        t.kw(1, &["rename", "L", "K"]).assert().success();
        t.kw(0, &["rename", "K", "L"]).assert().success();
        for (m, list) in merged_and_listed(&t, merger, ci) {
            let names = String::from_utf8_lossy(&list.stdout).into_owned();
            let under = if names.contains("\"L\"") { "L" } else { "K" };
            assert_eq!(t.out(m, &["get", under]).trim(), old);
        }
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
    }
}

/// Both sides rename K, to different names; the merge keeps both. A machine that read
/// one side holds the merged file to it: the other name's value is the same key's (the
/// renames connect them), not another key's copied in. And CI takes the merge commit.
#[test]
fn a_key_renamed_apart_on_both_sides_reads_where_one_side_was_seen_and_in_ci() {
    let (mut t, ci, old) = two_clones_with_k();
    let bob2 = t.fresh_machine(1, "bob2");
    t.kw(1, &["rename", "K", "K_B"]).assert().success();
    t.sync(1, "K is K_B");
    t.git(bob2, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.kw(bob2, &["list"]).assert().success();
    t.kw(0, &["rename", "K", "K_A"]).assert().success();
    t.sync(0, "K is K_A");
    for m in [bob2, ci] {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
        let list = t.kw(m, &["list", "--json"]).output().unwrap();
        assert!(list.status.success(), "read by {m}: {list:?}");
    }
    for name in ["K_A", "K_B"] {
        let listed = t.out(ci, &["list", "--json"]);
        if listed.contains(&format!("\"{name}\"")) {
            assert_eq!(t.out(ci, &["get", name]).trim(), old);
        }
    }
    t.kw(ci, &["audit", "verify", "--git"]).assert().success();
}

/// Bob read K, then deleted it, made it again and renamed it away and back; Alice
/// renamed the old K to L. Merged, the old value is under L and K holds Bob's new one:
/// Bob's machine, which kept the rows of the old K, reads it (battery seed 4848), as
/// every other machine and CI do.
#[test]
fn a_key_made_again_and_renamed_back_on_one_side_and_renamed_on_the_other_reads_where_seen() {
    for merger in [0, 1] {
        let (t, ci, old) = two_clones_with_k();
        t.kw(1, &["list"]).assert().success();
        t.kw(1, &["delete", "K", "--reason", "start over", "--yes"])
            .assert()
            .success();
        let fresh = t.out(1, &["generate", "K"]).trim().to_owned();
        t.kw(1, &["rename", "K", "L"]).assert().success();
        t.kw(1, &["rename", "L", "K"]).assert().success();
        t.kw(0, &["rename", "K", "L"]).assert().success();
        merged_and_listed(&t, merger, ci);
        let listed = t.out(ci, &["list", "--json"]);
        if listed.contains("\"L\"") {
            assert_eq!(t.out(ci, &["get", "L"]).trim(), old);
        }
        if listed.contains("\"K\"") {
            assert_eq!(t.out(ci, &["get", "K"]).trim(), fresh);
        }
        t.kw(ci, &["audit", "verify", "--git"]).assert().success();
    }
}
