//! `keyward scan` and git: every file a repository tracks is scanned whatever an ignore
//! rule says (`.ignore` is not git's and is never honoured; `.gitignore` only skips
//! untracked files, and only inside a work tree), and `--staged` reads each staged file
//! by its blob id, whatever its name.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::git::git;
use crate::support::{Sandbox, outcome};

fn commit(kw: &Sandbox, repo: &Path) {
    git(
        kw,
        repo,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "x",
        ],
    );
}

/// `scan --json ARGS` in `dir`: exit code, the paths of the findings (sorted), stderr.
fn scanned(kw: &Sandbox, dir: &Path, args: &[&str], key: &str) -> (i32, Vec<String>, String) {
    let mut a = vec!["scan", "--json"];
    a.extend_from_slice(args);
    let (code, stdout, stderr) = outcome(kw.cmd(&a).current_dir(dir));
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "the key shown"
    );
    let v: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let mut paths: Vec<String> = v
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    (code, paths, stderr)
}

/// A hostile review: a committed `sub/.ignore` holding `*` (ripgrep's file, which git
/// tracks and pushes like any other) and a file force-added over a `.gitignore` rule
/// were both skipped, and the CI scan said "no keys found", exit 0.
#[test]
fn every_tracked_file_is_scanned_whatever_an_ignore_rule_says() {
    let kw = Sandbox::with_vault();
    let key = kw.generate("LEAK");
    let repo = kw.path("repo");
    fs::create_dir_all(repo.join("sub")).unwrap();
    fs::create_dir_all(repo.join("vendor/lib")).unwrap();
    git(&kw, &repo, &["init", "-q"]);
    fs::write(repo.join("sub/creds.txt"), format!("{key}\n")).unwrap();
    fs::write(repo.join("sub/.ignore"), "*\n").unwrap();
    fs::write(repo.join(".gitignore"), "*.env\n").unwrap();
    fs::write(repo.join("old.env"), format!("K={key}\n")).unwrap();
    fs::write(repo.join("sub/deep.env"), format!("K={key}\n")).unwrap();
    git(&kw, &repo, &["add", "-f", "."]);
    commit(&kw, &repo);
    // Untracked and ignored: not in the repository, not scanned (unless --no-ignore).
    fs::write(repo.join("local.env"), format!("K={key}\n")).unwrap();
    // A repository nested in the tree (not a submodule): its own tracked files too.
    let lib = repo.join("vendor/lib");
    git(&kw, &lib, &["init", "-q"]);
    fs::write(lib.join(".gitignore"), "*\n").unwrap();
    fs::write(lib.join("conf.txt"), format!("{key}\n")).unwrap();
    git(&kw, &lib, &["add", "-f", "conf.txt"]);

    let tracked = vec![
        "old.env".to_owned(),
        "sub/creds.txt".to_owned(),
        "sub/deep.env".to_owned(),
        "vendor/lib/conf.txt".to_owned(),
    ];
    let (code, paths, _) = scanned(&kw, &repo, &["."], &key);
    assert_eq!(code, 8);
    assert_eq!(
        paths, tracked,
        "every tracked file, not the ignored untracked one"
    );
    // The human form and the default path (`.`) say the same.
    kw.cmd(["scan"])
        .current_dir(&repo)
        .assert()
        .code(8)
        .stderr(contains("4 leaked key(s) found"))
        .stdout(contains("old.env:1:3: dev/LEAK v1 (active)"));
    // A directory inside the work tree, named from outside it.
    let (code, paths, _) = scanned(&kw, &kw.path(""), &["repo/sub"], &key);
    assert_eq!(code, 8);
    assert_eq!(paths, vec!["repo/sub/creds.txt", "repo/sub/deep.env"]);
    // Staged but not committed counts as tracked.
    fs::write(repo.join("new.env"), format!("K={key}\n")).unwrap();
    git(&kw, &repo, &["add", "-f", "new.env"]);
    let (_, paths, _) = scanned(&kw, &repo, &[], &key);
    assert!(paths.contains(&"new.env".to_owned()), "{paths:?}");
    assert!(!paths.contains(&"local.env".to_owned()), "{paths:?}");
    // --no-ignore: every file, tracked or not.
    let (code, paths, _) = scanned(&kw, &repo, &["--no-ignore"], &key);
    assert_eq!(code, 8);
    assert!(paths.contains(&"local.env".to_owned()), "{paths:?}");
    assert!(paths.contains(&"old.env".to_owned()), "{paths:?}");
}

/// Outside a git work tree no ignore file is honoured (a copied tree's `.gitignore`
/// means nothing to git there), and a `.git` that git cannot read makes the scan say so
/// and scan everything, never skip quietly.
#[test]
fn outside_a_work_tree_nothing_is_ignored() {
    let kw = Sandbox::with_vault();
    let key = kw.generate("LEAK");
    let plain = kw.path("plain");
    fs::create_dir_all(&plain).unwrap();
    fs::write(plain.join(".gitignore"), "*.env\n").unwrap();
    fs::write(plain.join(".ignore"), "*\n").unwrap();
    fs::write(plain.join("a.env"), format!("K={key}\n")).unwrap();
    let (code, paths, _) = scanned(&kw, &plain, &[], &key);
    assert_eq!(code, 8);
    assert_eq!(paths, vec!["a.env"]);

    // A `.git` directory that is no repository git knows.
    fs::create_dir_all(plain.join(".git")).unwrap();
    let (code, paths, stderr) = scanned(&kw, &plain, &[], &key);
    assert_eq!(code, 8);
    assert_eq!(paths, vec!["a.env"]);
    assert!(
        stderr.contains("cannot list the files git tracks")
            && stderr.contains("scanning every file there"),
        "{stderr}"
    );
    // Nothing to find there is still a clean scan once everything was read.
    fs::write(plain.join("a.env"), "K=nothing\n").unwrap();
    kw.cmd(["scan"])
        .current_dir(&plain)
        .assert()
        .success()
        .stderr(contains("cannot list the files git tracks").and(contains("no keys found")));
}

/// A hostile review: `scan --staged` read `git show :0:notes.txt` for a file named
/// `0:notes.txt` (git's "stage 0 of notes.txt"), found the clean `notes.txt` and let the
/// commit through; a staged name that is not UTF-8 made the hook fail.
#[test]
fn staged_files_are_read_by_blob_whatever_their_name() {
    let kw = Sandbox::with_vault();
    let key = kw.generate("LEAK");
    let repo = kw.path("repo");
    fs::create_dir_all(&repo).unwrap();
    git(&kw, &repo, &["init", "-q"]);
    fs::write(repo.join("0:notes.txt"), format!("k={key}\n")).unwrap();
    fs::write(repo.join("notes.txt"), "nothing here\n").unwrap();
    let latin1 = OsStr::from_bytes(b"caf\xe9.txt");
    fs::write(repo.join(latin1), format!("\n  {key}\n")).unwrap();
    git(&kw, &repo, &["add", "."]);
    // The working copies no longer hold it: the index does.
    fs::write(repo.join("0:notes.txt"), "fixed\n").unwrap();
    fs::write(repo.join(latin1), "fixed\n").unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--staged"]).current_dir(&repo));
    assert_eq!(code, 8, "{stderr}");
    assert!(!stdout.contains(&key) && !stderr.contains(&key));
    assert!(stderr.contains("2 leaked key(s) found"), "{stderr}");
    assert!(stdout.contains("0:notes.txt:1:3: dev/LEAK v1"), "{stdout}");
    assert!(
        stdout.contains("caf\u{fffd}.txt:2:3: dev/LEAK v1"),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("notes.txt")),
        "{stdout}"
    );

    // Only the clean file staged: clean.
    git(&kw, &repo, &["rm", "-r", "-q", "-f", "--cached", "."]);
    git(&kw, &repo, &["add", "notes.txt"]);
    kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .success()
        .stderr(contains("no keys found"));
}

/// The access journal is each machine's own: a commit of it would put this machine's
/// journal over each teammate's on their next pull (git takes an ignored file for one it
/// may replace). The pre-commit hook's `scan --staged` stops it: a finding, exit 8.
#[test]
fn a_staged_access_journal_is_a_finding_of_its_own() {
    let kw = Sandbox::with_vault();
    let top = kw.dir.path();
    git(&kw, top, &["init", "-q", "-b", "main"]);
    fs::write(kw.vault().join(".gitignore"), "journal/\n*.lock\n*.tmp\n").unwrap();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    git(&kw, top, &["add", "vault"]);
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--staged"]).current_dir(top));
    assert_eq!(
        code, 0,
        "the env files alone are no finding: {stdout}{stderr}"
    );
    // A journal in the vault, as releases before kept it (this one keeps it beside
    // its pins): a machine's own record, never the repository's.
    fs::create_dir_all(kw.vault().join("journal")).unwrap();
    fs::copy(kw.journal_file("dev"), kw.vault().join("journal/dev.db")).unwrap();
    git(&kw, top, &["add", "-f", "vault/journal"]);
    kw.cmd(["scan", "--staged"])
        .current_dir(top)
        .assert()
        .code(8)
        .stdout(contains(format!(
            "vault/journal/{}:1:1: the access journal of `dev` is staged",
            kw.journal_file("dev")
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
        )));
    let (code, stdout, _) = outcome(kw.cmd(["scan", "--staged", "--json"]).current_dir(top));
    assert_eq!(code, 8);
    let v: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert!(
        v.iter()
            .any(|f| f["status"] == "access-journal" && f["env"] == "dev"),
        "{stdout}"
    );
    git(&kw, top, &["rm", "-r", "-q", "--cached", "vault/journal"]);
    kw.cmd(["scan", "--staged"])
        .current_dir(top)
        .assert()
        .success();
}
