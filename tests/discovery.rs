//! Finding the team's vault (DESIGN §16): inside a git work tree that holds a vault,
//! commands use it, found by walking up like git finds `.git` (`--vault`, then
//! `KEYWARD_VAULT`, then the work tree's vault, then the personal one), with one line
//! when another vault is at hand; a newcomer's and a CI job's missing identity said for
//! what it is, never "run `keyward init`"; the `git setup` hint once in a log.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::git::git;
use crate::support::{Sandbox, pty};

/// A sandbox with an identity and a repository `repo` whose vault (`repo/vault`, or
/// `repo/REL`) holds `KEY` in `dev`; the vault was made with `init` (which runs `git
/// setup`) and committed. Commands of the sandbox no longer name a vault.
fn repo_with_vault(rel: &str) -> (Sandbox, PathBuf) {
    let mut kw = Sandbox::new();
    let id = kw.write_identity("me.key");
    kw.identity = Some(id);
    let repo = kw.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&kw, &repo, &["init", "-q", "-b", "main"]);
    git(&kw, &repo, &["config", "user.name", "me"]);
    git(&kw, &repo, &["config", "user.email", "me@example.org"]);
    kw.cmd(["init"])
        .env("KEYWARD_VAULT", repo.join(rel))
        .assert()
        .success();
    kw.cmd(["set", "KEY"])
        .env("KEYWARD_VAULT", repo.join(rel))
        .write_stdin("the-teams-value")
        .assert()
        .success();
    git(&kw, &repo, &["add", "-A"]);
    git(&kw, &repo, &["commit", "-qm", "vault"]);
    (kw, repo)
}

/// `keyward ARGS` run in `dir` with no vault named.
fn kw_in(kw: &Sandbox, dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd(args);
    c.env_remove("KEYWARD_VAULT").current_dir(dir);
    c
}

#[test]
fn commands_in_a_work_tree_use_its_vault_found_by_walking_up() {
    let (kw, repo) = repo_with_vault("vault");
    let deep = repo.join("src/deep");
    std::fs::create_dir_all(&deep).unwrap();
    for dir in [repo.clone(), deep.clone(), repo.join("vault/envs")] {
        kw_in(&kw, &dir, &["get", "KEY", "-n"])
            .assert()
            .success()
            .stdout("the-teams-value")
            .stderr(contains("not used").not());
    }
    // Outside the work tree: the personal vault (none yet).
    kw_in(&kw, kw.dir.path(), &["get", "KEY"])
        .assert()
        .code(3)
        .stderr(contains("no vault at"));

    // With a personal vault too, one line says which is used, both ways round.
    kw_in(&kw, kw.dir.path(), &["init"]).assert().success();
    let personal = kw.path("data/keyward/vault");
    assert!(personal.join("envs").is_dir());
    kw_in(&kw, &deep, &["get", "KEY", "-n"])
        .assert()
        .success()
        .stdout("the-teams-value")
        .stderr(contains("using this work tree's vault"))
        .stderr(contains("your personal vault"));
    kw_in(&kw, &deep, &["-q", "get", "KEY", "-n"])
        .assert()
        .success()
        .stderr("");
    kw_in(&kw, &deep, &["get", "KEY"])
        .env("KEYWARD_VAULT", &personal)
        .assert()
        .code(3)
        .stderr(contains("(from KEYWARD_VAULT); this work tree's vault"));
    kw_in(&kw, &deep, &["--vault", personal.to_str().unwrap(), "list"])
        .assert()
        .success()
        .stderr(contains("(from --vault); this work tree's vault"));
    // A vault given elsewhere that is not there: the work tree's is named, not `init`.
    kw_in(&kw, &deep, &["list"])
        .env("KEYWARD_VAULT", kw.path("nowhere"))
        .assert()
        .code(3)
        .stderr(contains("but this work tree holds one at"))
        .stderr(contains("keyward init").not());
}

#[test]
fn a_vault_elsewhere_in_the_tree_is_found_by_the_marker_git_setup_commits() {
    let (kw, repo) = repo_with_vault("ops/secrets");
    let marker = std::fs::read_to_string(repo.join(".keyward-vault")).unwrap();
    assert!(marker.lines().any(|l| l == "ops/secrets"), "{marker}");
    let tracked = git(&kw, &repo, &["ls-files"]);
    assert!(tracked.lines().any(|l| l == ".keyward-vault"), "{tracked}");
    let src = repo.join("src");
    std::fs::create_dir_all(&src).unwrap();
    kw_in(&kw, &src, &["get", "KEY", "-n"])
        .assert()
        .success()
        .stdout("the-teams-value");
    // A marker pointing out of the work tree is not followed.
    std::fs::write(repo.join(".keyward-vault"), "../../elsewhere\n").unwrap();
    kw_in(&kw, &src, &["get", "KEY"]).assert().code(3);
}

#[test]
fn a_marker_that_is_not_a_small_file_is_refused_never_read_or_passed_over() {
    // A marker comes with a clone: a link to a device would take all memory or hang
    // every command in the tree (git's textconv included), and one skipped would let the
    // personal vault stand in for the team's.
    let (kw, repo) = repo_with_vault("ops/secrets");
    let marker = repo.join(".keyward-vault");
    let good = std::fs::read(&marker).unwrap();
    let refused = |why: &str| {
        kw_in(&kw, &repo, &["get", "KEY"])
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(".keyward-vault"))
            .stderr(contains(why.to_owned()))
            .stderr(contains("--vault"));
    };
    for target in ["/dev/zero", "/dev/tty", "ops/secrets"] {
        std::fs::remove_file(&marker).unwrap();
        std::os::unix::fs::symlink(target, &marker).unwrap();
        refused("is a symbolic link");
    }
    std::fs::remove_file(&marker).unwrap();
    crate::support::mkfifo(&marker);
    refused("is not a regular file");
    std::fs::remove_file(&marker).unwrap();
    std::fs::write(&marker, "x".repeat(5000)).unwrap();
    refused("larger than a marker");
    // A vault named outright does not depend on it.
    kw.cmd(["get", "KEY", "-n"])
        .env("KEYWARD_VAULT", repo.join("ops/secrets"))
        .current_dir(&repo)
        .assert()
        .success()
        .stdout("the-teams-value");
    std::fs::write(&marker, good).unwrap();
    kw_in(&kw, &repo, &["get", "KEY", "-n"])
        .assert()
        .success()
        .stdout("the-teams-value");
}

#[test]
fn a_newcomer_in_a_fresh_clone_is_told_how_to_join_never_to_init() {
    let (kw, repo) = repo_with_vault("vault");
    let clone = kw.path("clone");
    git(
        &kw,
        kw.dir.path(),
        &[
            "clone",
            "-q",
            repo.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let mut newcomer = kw.cmd(["list"]);
    newcomer
        .env_remove("KEYWARD_VAULT")
        .env_remove("KEYWARD_IDENTITY")
        .current_dir(&clone);
    newcomer
        .assert()
        .code(5)
        .stderr(contains("this work tree holds the team's vault `vault`"))
        .stderr(contains("keyward identity new --passphrase"))
        .stderr(contains("keyward git setup"))
        .stderr(contains("keyward init").not());
    // With an identity of their own, not granted yet: their recipient, to send.
    let theirs = kw.write_identity("newcomer.key");
    let recipient = kw.recipient_of(&theirs);
    kw.cmd(["list"])
        .env_remove("KEYWARD_VAULT")
        .env("KEYWARD_IDENTITY", &theirs)
        .current_dir(&clone)
        .assert()
        .code(5)
        .stderr(contains("is not a recipient of environment `dev`"))
        .stderr(contains(format!("your recipient is {recipient}")))
        .stderr(contains("keyward identity show"))
        .stderr(contains("then `git pull`"));
}

#[test]
fn a_ci_identity_not_passed_or_not_there_is_its_own_error() {
    let kw = Sandbox::with_vault();
    kw.cmd(["get", "KEY"])
        .env("KEYWARD_IDENTITY", "")
        .assert()
        .code(5)
        .stderr(contains("KEYWARD_IDENTITY is set but empty"))
        .stderr(contains("is the secret passed to this job?"))
        .stderr(contains("keyward init").not());
    let missing = kw.path("nope/ci.key");
    kw.cmd(["get", "KEY"])
        .env("KEYWARD_IDENTITY", &missing)
        .assert()
        .code(5)
        .stderr(contains(format!(
            "the identity file `{}` (from KEYWARD_IDENTITY) does not exist",
            missing.display()
        )))
        .stderr(contains("keyward init").not());
    kw.cmd(["-i", missing.to_str().unwrap(), "get", "KEY"])
        .assert()
        .code(5)
        .stderr(contains("(from --identity) does not exist"));
}

#[test]
fn the_git_setup_hint_is_said_once_in_a_log_and_every_time_on_a_terminal() {
    let (kw, repo) = repo_with_vault("vault");
    let clone = kw.path("clone");
    git(
        &kw,
        kw.dir.path(),
        &[
            "clone",
            "-q",
            repo.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let hint = "run `keyward git setup`";
    kw_in(&kw, &clone, &["list"])
        .assert()
        .success()
        .stderr(contains(hint));
    kw_in(&kw, &clone, &["list"])
        .assert()
        .success()
        .stderr(contains(hint).not());
    // Remembered beside the pins, private like them.
    let pins = kw.path("state/keyward/pins");
    let hinted: Vec<_> = std::fs::read_dir(&pins)
        .unwrap()
        .map(|d| d.unwrap().path().join("git-setup-hinted"))
        .filter(|p| p.exists())
        .collect();
    assert_eq!(hinted.len(), 1, "{hinted:?}");
    let mode = std::os::unix::fs::MetadataExt::mode(&std::fs::metadata(&hinted[0]).unwrap());
    assert_eq!(mode & 0o777, 0o600);
    for _ in 0..2 {
        let mut c = kw.std_cmd(["list"]);
        c.env_remove("KEYWARD_VAULT").current_dir(&clone);
        let t = pty::run_on_terminal(c, &[]);
        assert_eq!(t.code, 0, "{}", t.shown);
        assert!(t.shown.contains(hint), "{}", t.shown);
    }
}

#[test]
fn a_change_to_a_vault_in_a_work_tree_says_to_commit_and_push() {
    let (kw, repo) = repo_with_vault("vault");
    let bob = kw.write_identity("bob.key");
    let rb = kw.recipient_of(&bob);
    let remind = "changed vault/envs/dev.db.age — commit and push to take effect";
    let removed = "whoever was removed keeps access through the file on the remote until then";
    kw_in(&kw, &repo, &["access", "grant", &rb])
        .assert()
        .success()
        .stderr(contains(remind))
        .stderr(contains(removed).not());
    kw_in(&kw, &repo.join("vault"), &["rotate", "KEY"])
        .write_stdin("the-teams-second-value")
        .assert()
        .success()
        .stderr(contains(remind));
    kw_in(&kw, &repo, &["access", "revoke", &rb, "--yes"])
        .assert()
        .success()
        .stderr(contains(remind))
        .stderr(contains(removed));
    kw_in(&kw, &repo, &["-e", "prod", "access", "grant", &rb])
        .assert()
        .success()
        .stderr(contains("changed vault/envs/prod.db.age"));
    // Offboarding commits every environment it covers, even when keys are left to do
    // (exit 8: what Bob could read in `dev` before his removal there).
    kw_in(&kw, &repo, &["offboard", &rb, "--reason", "left", "--yes"])
        .assert()
        .code(8)
        .stderr(contains("changed vault/envs/prod.db.age — commit and push"))
        .stderr(contains(removed));
    // Every other change too: an incident's revoke above all, which CI and teammates
    // do not see until it is pushed.
    let set = kw_in(&kw, &repo, &["set", "OTHER"])
        .write_stdin("another-value")
        .assert()
        .success();
    let said = String::from_utf8_lossy(&set.get_output().stderr).into_owned();
    assert!(said.contains(remind), "{said}");
    for args in [
        &["revoke", "OTHER", "--reason", "leaked", "--yes"][..],
        &["rename", "OTHER", "GONE"],
        &["delete", "GONE", "--reason", "unused", "--yes"],
        &["generate", "FRESH"],
        &["env", "add", "staging"],
    ] {
        kw_in(&kw, &repo, args)
            .assert()
            .success()
            .stderr(contains("— commit and push to take effect"))
            .stderr(contains(removed).not());
    }
    // Nothing changed, or a read: nothing to say.
    for args in [
        &["access", "list"][..],
        &["get", "KEY"],
        &["offboard", &rb, "--reason", "x", "--dry-run"],
    ] {
        kw_in(&kw, &repo, args)
            .assert()
            .stderr(contains("commit and push").not());
    }
    // Outside a work tree there is nothing to push.
    let personal = Sandbox::with_vault();
    personal
        .cmd(["rotate", "KEY2"])
        .assert()
        .code(3)
        .stderr(contains("commit and push").not());
    personal.generate("KEY2");
    personal
        .cmd(["rotate", "KEY2"])
        .assert()
        .success()
        .stderr(contains("commit and push").not());
}

/// teams-in-git.md: the founder makes the team's vault with `init --vault vault` at the
/// top of the clone. A bare `init` there makes the personal vault, outside the work
/// tree, and says how the vault would live in the repository instead; with `--vault`
/// it does not.
#[test]
fn init_in_a_work_tree_without_a_vault_says_how_to_keep_one_there() {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("me.key"));
    let repo = kw.path("repo");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&kw, &repo, &["init", "-q", "-b", "main"]);
    kw_in(&kw, &repo.join("src"), &["init"])
        .assert()
        .success()
        .stderr(contains(
            "this is your personal vault, outside the git work tree",
        ))
        .stderr(contains("`keyward init --vault vault`"));
    assert!(kw.path("data/keyward/vault/envs").is_dir());
    assert!(!repo.join("vault").exists());
    // The founder's way: the vault in the repository, set up for git, and no hint.
    kw_in(&kw, &repo, &["init", "--vault", "vault"])
        .assert()
        .success()
        .stderr(contains("personal vault").not());
    assert!(repo.join("vault/envs").is_dir());
    assert!(repo.join("vault/.gitattributes").is_file());
    // Outside any work tree: nothing to say.
    let elsewhere = kw.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    kw_in(
        &kw,
        &elsewhere,
        &["init", "--vault", elsewhere.join("v").to_str().unwrap()],
    )
    .assert()
    .success()
    .stderr(contains("personal vault").not());
}

/// A vault found in the work tree that others can read: this machine's first write to
/// it is asked about (a repository someone else made could hold a vault encrypted to
/// your public recipient and theirs, in place of your own), whether or not a read came
/// first. Refused once, naming who would read the value; nothing written; the refusal
/// is the acceptance, so the same command again goes through. A vault named
/// explicitly, or a pinned root, is a choice.
#[test]
fn a_first_write_to_a_work_tree_vault_others_can_read_is_refused_naming_them() {
    let (kw, repo) = repo_with_vault("vault");
    let mallory = kw.write_identity("mallory.key");
    let theirs = kw.recipient_of(&mallory);
    kw.cmd(["access", "grant", &theirs, "--name", "mallory"])
        .env("KEYWARD_VAULT", repo.join("vault"))
        .assert()
        .success();
    let env_file = repo.join("vault/envs/dev.db.age");
    let before = std::fs::read(&env_file).unwrap();
    let machine = |name: &str| kw.path(name);
    // A read's first use of the work tree's vault is said even with -q (a script's).
    kw_in(&kw, &repo, &["-q", "get", "KEY"])
        .env("XDG_STATE_HOME", machine("reading-machine"))
        .assert()
        .success()
        .stderr(contains("warning: `dev` is new to this machine"));
    let out = kw_in(&kw, &repo, &["set", "STRIPE_KEY"])
        .env("XDG_STATE_HOME", machine("new-machine"))
        .write_stdin("sk_live_mine")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing to write to `dev` on its first use here")
            && err.contains("mallory (")
            && err.contains("run the command again"),
        "{err}"
    );
    assert!(!err.contains("sk_live_mine"));
    assert_eq!(
        std::fs::read(&env_file).unwrap(),
        before,
        "something was written"
    );
    kw_in(&kw, &repo, &["set", "STRIPE_KEY"])
        .env("XDG_STATE_HOME", machine("new-machine"))
        .write_stdin("sk_live_mine")
        .assert()
        .success();
    // A read first (the trust on first use) does not make the write's question moot.
    kw_in(&kw, &repo, &["set", "STRIPE_KEY_2"])
        .env("XDG_STATE_HOME", machine("reading-machine"))
        .write_stdin("sk_live_mine_2")
        .assert()
        .code(1)
        .stderr(contains("mallory ("));
    // And a machine that wrote it before is not asked again.
    kw_in(&kw, &repo, &["set", "STRIPE_KEY_3"])
        .env("XDG_STATE_HOME", machine("new-machine"))
        .write_stdin("sk_live_mine_3")
        .assert()
        .success();
    // Named with KEYWARD_VAULT, or under a pinned root: no refusal.
    let root = kw_in(&kw, &repo, &["trust", "root"])
        .env("XDG_STATE_HOME", machine("new-machine"))
        .output()
        .unwrap();
    let root = String::from_utf8_lossy(&root.stdout).trim().to_owned();
    kw.cmd(["set", "OTHER"])
        .env("KEYWARD_VAULT", repo.join("vault"))
        .env("XDG_STATE_HOME", machine("explicit-machine"))
        .write_stdin("v1-value")
        .assert()
        .success();
    kw_in(&kw, &repo, &["set", "THIRD"])
        .env("XDG_STATE_HOME", machine("ci-machine"))
        .env("KEYWARD_TRUST_ROOT", &root)
        .write_stdin("v1-value")
        .assert()
        .success();
}
