//! Where a work tree's vault is (DESIGN §16), against someone who can push to the
//! repository. A commit can add a `.keyward-vault` marker, a nearer `vault/` or a symlink,
//! and so put another directory where commands find the vault: an older copy of it (a
//! removed member's, from before the removal) or a foreign one. This machine's pins are
//! kept by the vault's path, so such a vault would be new to them. A machine that used
//! the work tree's vault refuses one found elsewhere until it is named once; a symlink on
//! the way inside the work tree is refused; `audit verify --git` checks a moved vault
//! against what it moved.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::Team;

/// `keyward ARGS` as member `m`, the vault found from the work tree (no `KEYWARD_VAULT`).
fn found(team: &Team, m: usize, args: &[&str]) -> assert_cmd::Command {
    let mut c = team.kw(m, args);
    c.env_remove("KEYWARD_VAULT");
    c
}

/// `keyward ARGS` as member `m`, the vault named: `REL` in the member's clone.
fn named(team: &Team, m: usize, rel: &str, args: &[&str]) -> assert_cmd::Command {
    let mut c = team.kw(m, args);
    c.env("KEYWARD_VAULT", team.members[m].dir.join(rel));
    c
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_removed_member_who_moves_the_vault_is_refused_where_it_was_used_and_in_ci() {
    let mut team = Team::new(&["alice", "bob", "mallory"], &[]);
    let ci = team.fresh_machine(1, "ci");
    team.kw(0, &["generate", "STRIPE_KEY"]).assert().success();
    team.sync(0, "a key");
    for m in [1, 2] {
        team.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    // Bob reads through the work tree: this machine now knows where its vault is.
    found(&team, 1, &["get", "STRIPE_KEY"]).assert().success();
    let mallory = team.members[2].recipient.clone();
    team.kw(0, &["offboard", &mallory, "--reason", "left", "--yes"])
        .assert()
        .success();
    team.sync(0, "offboard mallory");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let real = found(&team, 1, &["get", "STRIPE_KEY"]).output().unwrap();
    assert!(real.status.success());

    // Mallory's stale clone, from before her removal: a value of her choosing, signed
    // while she was a member, committed in another directory a marker names.
    let dir = team.members[2].dir.clone();
    team.kw(2, &["set", "STRIPE_KEY_2"])
        .write_stdin("sk_live_MALLORYS_OWN_VALUE")
        .assert()
        .success();
    let stale: Vec<(String, Vec<u8>)> = fs::read_dir(dir.join("vault/envs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".db.age"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    team.git(2, &["checkout", "-q", "--", "vault"]);
    team.git(2, &["pull", "-q", "--no-rebase", "origin", "main"]);
    for (name, bytes) in &stale {
        write(&dir, &format!("shadow/envs/{name}"), bytes);
    }
    write(&dir, ".keyward-vault", b"shadow\n");
    team.git(2, &["add", "-A"]);
    team.git(2, &["commit", "-q", "-m", "vault: tidy"]);
    team.git(2, &["push", "-q", "origin", "main"]);

    // Bob pulls: the vault is now found elsewhere, and nothing is read from it.
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let dir1 = team.members[1].dir.clone();
    for args in [
        &["get", "STRIPE_KEY_2"][..],
        &["list"],
        &["generate", "NEW_KEY"],
    ] {
        found(&team, 1, args).assert().code(6).stdout("").stderr(
            contains(format!(
                "is now found at `{}`",
                dir1.join("shadow").display()
            ))
            .and(contains(format!(
                "used it at `{}`",
                dir1.join("vault").display()
            ))),
        );
    }
    // The vault it used is still there, and still what it was.
    let again = named(&team, 1, "vault", &["get", "STRIPE_KEY"])
        .output()
        .unwrap();
    assert_eq!(again.stdout, real.stdout);

    // CI, with nothing pinned, reads the vault the marker names: the history check
    // compares it with the vault it replaced, and refuses the commit that moved it.
    team.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
    named(&team, ci, "shadow", &["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("vault: tidy").and(contains("leaves parent")));
}

#[test]
fn a_vault_moved_by_its_team_is_taken_once_named_and_its_history_verifies() {
    let mut team = Team::new(&["alice", "bob"], &[]);
    let ci = team.fresh_machine(1, "ci");
    team.kw(0, &["generate", "K"]).assert().success();
    team.sync(0, "a key");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let value = found(&team, 1, &["get", "K"]).output().unwrap();
    assert!(value.status.success());
    // Alice moves the vault, and says where with a marker.
    team.git(0, &["mv", "vault", "secrets"]);
    write(&team.members[0].dir, ".keyward-vault", b"secrets\n");
    team.git(0, &["add", "-A"]);
    team.git(0, &["commit", "-q", "-m", "move the vault"]);
    team.git(0, &["push", "-q", "origin", "main"]);
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let secrets = team.members[1].dir.join("secrets");
    found(&team, 1, &["get", "K"])
        .assert()
        .code(6)
        .stderr(contains(format!("is now found at `{}`", secrets.display())));
    // A command naming it that fails does not make it known.
    named(&team, 1, "secrets", &["get", "NOPE"])
        .assert()
        .code(3);
    found(&team, 1, &["get", "K"]).assert().code(6);
    // Reviewed, Bob names it once; from then on it is found as before.
    named(&team, 1, "secrets", &["get", "K"])
        .assert()
        .success()
        .stdout(predicate::eq(value.stdout.as_slice()));
    found(&team, 1, &["get", "K"])
        .assert()
        .success()
        .stdout(predicate::eq(value.stdout.as_slice()));
    // CI: the moved vault extends what it moved.
    team.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
    named(&team, ci, "secrets", &["audit", "verify", "--git"])
        .assert()
        .success();
}

#[test]
fn a_vault_reached_through_a_symlink_inside_the_work_tree_is_refused() {
    let mut team = Team::new(&["alice", "bob"], &[]);
    let ci = team.fresh_machine(1, "ci");
    team.kw(0, &["generate", "K"]).assert().success();
    team.sync(0, "a key");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    found(&team, 1, &["get", "K"]).assert().success();
    // A commit turns `vault` into a link to another directory of the tree.
    let a = team.members[0].dir.clone();
    team.git(0, &["mv", "vault", ".v"]);
    std::os::unix::fs::symlink(".v", a.join("vault")).unwrap();
    team.git(0, &["add", "-A"]);
    team.git(0, &["commit", "-q", "-m", "link"]);
    team.git(0, &["push", "-q", "origin", "main"]);
    for m in [1, ci] {
        team.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
        let link = format!("{}", team.members[m].dir.join("vault").display());
        found(&team, m, &["get", "K"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(
                contains(format!("refusing `{link}`"))
                    .and(contains("symlink inside the git work tree")),
            );
        named(&team, m, "vault", &["audit", "verify", "--git"])
            .assert()
            .code(6)
            .stderr(contains("symlink inside the git work tree"));
    }
}

/// A stale copy of the vault: the files of `vault/envs` in member `m`'s clone now, to
/// put elsewhere after a later change.
fn snapshot(team: &Team, m: usize) -> Vec<(String, Vec<u8>)> {
    fs::read_dir(team.members[m].dir.join("vault/envs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".db.age"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect()
}

/// Alice and Bob; `K` generated and rotated, with Bob's machine having read it through
/// the work tree after the rotation; a copy of the vault from before the rotation. The
/// CI machine's index last.
fn rotated_with_stale_copy() -> (Team, Vec<(String, Vec<u8>)>, usize) {
    let mut team = Team::new(&["alice", "bob"], &[]);
    let ci = team.fresh_machine(1, "ci");
    team.kw(0, &["generate", "K"]).assert().success();
    team.sync(0, "a key");
    let stale = snapshot(&team, 0);
    team.kw(0, &["rotate", "K"]).assert().success();
    team.sync(0, "rotate");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    found(&team, 1, &["get", "K"]).assert().success();
    (team, stale, ci)
}

fn commit_push(team: &Team, m: usize, what: &str) {
    team.git(m, &["add", "-A"]);
    team.git(m, &["commit", "-q", "-m", what]);
    team.git(m, &["push", "-q", "origin", "main"]);
}

/// Review of the fix: a marker whose way goes through a link and back (`l/../old`), in
/// a directory whose name is not UTF-8, names an old copy; and a machine that used the
/// vault before keyward kept records of where (only its pins say so).
#[test]
fn a_way_through_a_link_and_back_and_a_machine_without_a_record_are_held_too() {
    use std::os::unix::ffi::OsStrExt;
    let (team, stale, _) = rotated_with_stale_copy();
    let a = team.members[0].dir.clone();
    let odd = a.join(std::ffi::OsStr::from_bytes(b"\xff"));
    for (name, bytes) in &stale {
        write(&odd, &format!("old/envs/{name}"), bytes);
    }
    write(&odd, "sub/.keep", b"");
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(b"\xff/sub"), a.join("l")).unwrap();
    write(&a, ".keyward-vault", b"l/../old\n");
    commit_push(&team, 0, "tidy");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    found(&team, 1, &["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains(
            "reached through a symlink inside the git work tree",
        ));
    // The nearest `vault/`, in a directory whose name is not UTF-8: still a place this
    // machine never used (it is named in the record by its bytes).
    let b = team.members[1].dir.clone();
    for (name, bytes) in &stale {
        write(&b, &format!("\u{1}/vault/envs/{name}"), bytes);
    }
    let odd_b = b.join(std::ffi::OsStr::from_bytes(b"\xfe"));
    fs::rename(b.join("\u{1}"), &odd_b).unwrap();
    found(&team, 1, &["get", "K"])
        .current_dir(&odd_b)
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("is now found at"));
    fs::remove_dir_all(&odd_b).unwrap();
    // Bob's machine as before records were kept: its pins only.
    fs::remove_dir_all(team.members[1].state.join("keyward/worktrees")).unwrap();
    found(&team, 1, &["get", "K"]).assert().code(6).stdout("");
    // A plain old copy under a marker, with no record either.
    team.git(0, &["rm", "-q", "-r", "l", ".keyward-vault"]);
    for (name, bytes) in &stale {
        write(&a, &format!("old/envs/{name}"), bytes);
    }
    write(&a, ".keyward-vault", b"old\n");
    commit_push(&team, 0, "tidy again");
    team.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let _ = fs::remove_dir_all(team.members[1].state.join("keyward/worktrees"));
    let old = team.members[1].dir.join("old");
    found(&team, 1, &["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains(format!("is now found at `{}`", old.display())));
    // Commands that never read the work tree's vault are not held to it.
    found(&team, 1, &["identity", "show"]).assert().success();
    found(&team, 1, &["completions", "bash"]).assert().success();
}

/// Review of the fix: `audit verify --git` catches a move made in two commits (the vault
/// deleted, then an old copy added elsewhere with a marker), and a marker spelled
/// `vault/.` before the move.
#[test]
fn a_vault_moved_in_two_commits_or_behind_an_odd_marker_is_caught_in_ci() {
    for first in ["delete", "marker"] {
        let (team, stale, ci) = rotated_with_stale_copy();
        let a = team.members[0].dir.clone();
        match first {
            "delete" => team.git(0, &["rm", "-q", "-r", "vault"]),
            _ => {
                write(&a, ".keyward-vault", b"vault/.\n");
                String::new()
            }
        };
        commit_push(&team, 0, "step one");
        if first == "marker" {
            team.git(0, &["rm", "-q", "-r", "vault"]);
        }
        for (name, bytes) in &stale {
            write(&a, &format!("old/envs/{name}"), bytes);
        }
        write(&a, ".keyward-vault", b"old\n");
        commit_push(&team, 0, "step two");
        team.git(ci, &["pull", "-q", "--no-rebase", "origin", "main"]);
        named(&team, ci, "old", &["audit", "verify", "--git"])
            .assert()
            .code(6)
            .stderr(contains("step two"));
    }
}
