//! A vault kept in git (DESIGN §9): `git setup` and what it writes, `init` running it,
//! the hint when it was not run, what `git add -A` leaves out, binary conflicts in
//! clones without the driver (and the driver once set up), and the value-free textconv.
//! Real git in the sandbox, isolated from the developer's configuration.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::git::{git, git_out};
use crate::support::{Sandbox, contains as bytes_contain};

const HINT: &str = "hint: run `keyward git setup` so merges and diffs of env files work";

/// `git init` in `dir` with a committer.
fn git_init(kw: &Sandbox, dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    git(kw, dir, &["init", "-q", "-b", "main"]);
    identify(kw, dir, "Alice");
}

fn identify(kw: &Sandbox, dir: &Path, name: &str) {
    git(kw, dir, &["config", "user.name", name]);
    git(
        kw,
        dir,
        &[
            "config",
            "user.email",
            &format!("{}@example.org", name.to_lowercase()),
        ],
    );
}

/// A sandbox whose vault was made first, then put in a git work tree (no setup).
fn vault_then_git() -> Sandbox {
    let kw = Sandbox::with_vault();
    git_init(&kw, kw.dir.path());
    kw
}

fn setup_files(kw: &Sandbox) -> Vec<(PathBuf, Vec<u8>)> {
    [
        kw.vault().join(".gitattributes"),
        kw.vault().join(".gitignore"),
        kw.path(".git/info/attributes"),
        kw.path(".git/config"),
    ]
    .into_iter()
    .map(|p| {
        let b = fs::read(&p).unwrap_or_default();
        (p, b)
    })
    .collect()
}

#[test]
fn git_setup_writes_attributes_ignores_and_local_config_and_is_idempotent() {
    let kw = vault_then_git();
    // What a person already had stays, and is not repeated.
    fs::write(kw.vault().join(".gitignore"), "notes.txt\n*.lock\n").unwrap();
    kw.cmd(["git", "setup"]).assert().success();

    let attrs = fs::read_to_string(kw.vault().join(".gitattributes")).unwrap();
    assert_eq!(attrs, "envs/*.db.age -text -diff merge=binary\n");
    let ignore = fs::read_to_string(kw.vault().join(".gitignore")).unwrap();
    assert_eq!(ignore, "notes.txt\n*.lock\njournal/\n*.tmp\n");
    // info/attributes is read for the whole repository: anchored at its top.
    let info = fs::read_to_string(kw.path(".git/info/attributes")).unwrap();
    assert!(
        info.lines()
            .any(|l| l == "vault/envs/*.db.age merge=keyward diff=keyward"),
        "{info}"
    );
    let get = |k: &str| {
        git(&kw, kw.dir.path(), &["config", "--local", k])
            .trim()
            .to_owned()
    };
    assert!(get("merge.keyward.name").contains("keyward"));
    assert!(
        get("merge.keyward.driver").ends_with("keyward git merge %O %A %B %P"),
        "{}",
        get("merge.keyward.driver")
    );
    assert!(get("diff.keyward.textconv").ends_with("keyward git textconv"));
    assert_eq!(get("diff.keyward.cachetextconv"), "false");
    // git itself sees the attributes: the local ones win over the committed ones.
    let check = git(
        &kw,
        kw.dir.path(),
        &[
            "check-attr",
            "merge",
            "diff",
            "--",
            "vault/envs/prod.db.age",
        ],
    );
    assert!(check.contains("merge: keyward"), "{check}");
    assert!(check.contains("diff: keyward"), "{check}");

    let before = setup_files(&kw);
    kw.cmd(["git", "setup"])
        .assert()
        .success()
        .stderr(contains("unchanged").and(contains("created").not()));
    assert_eq!(setup_files(&kw), before, "a second run changed a file");
}

#[test]
fn git_setup_outside_a_work_tree_is_a_clear_error() {
    let kw = Sandbox::with_vault();
    kw.cmd(["git", "setup"])
        .assert()
        .code(1)
        .stderr(contains("is not inside a git work tree").and(contains("git init")));
    assert!(!kw.vault().join(".gitattributes").exists());
}

#[test]
fn init_inside_a_work_tree_runs_git_setup() {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("me.key"));
    git_init(&kw, kw.dir.path());
    kw.cmd(["init"])
        .assert()
        .success()
        .stderr(contains("git setup"));
    assert!(kw.vault().join(".gitattributes").is_file());
    assert!(kw.vault().join(".gitignore").is_file());
    let info = fs::read_to_string(kw.path(".git/info/attributes")).unwrap();
    assert!(info.contains("vault/envs/*.db.age merge=keyward diff=keyward"));
    // Outside a work tree, init writes no git files.
    let plain = Sandbox::with_vault();
    assert!(!plain.vault().join(".gitattributes").exists());
}

#[test]
fn hint_appears_in_a_work_tree_until_git_setup_is_run() {
    let kw = Sandbox::with_vault();
    kw.cmd(["list"])
        .assert()
        .success()
        .stderr(contains(HINT).not());
    git_init(&kw, kw.dir.path());
    kw.cmd(["list"]).assert().success().stderr(contains(HINT));
    // Without a terminal (a CI log) once per vault on the machine; on a terminal every
    // time (tests/discovery.rs).
    kw.cmd(["show", "NOPE"])
        .assert()
        .code(3)
        .stderr(contains(HINT).not());
    kw.cmd(["git", "setup"]).assert().success();
    kw.cmd(["list"])
        .assert()
        .success()
        .stderr(contains(HINT).not());
}

#[test]
fn git_add_all_leaves_out_journal_locks_and_temp_files() {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("me.key"));
    git_init(&kw, kw.dir.path());
    kw.cmd(["init"]).assert().success();
    let value = kw.generate("API_KEY");
    for _ in 0..3 {
        assert_eq!(kw.stdout(["get", "API_KEY"]).trim_end(), value);
    }
    assert!(kw.journal_file("dev").exists());
    assert!(kw.vault().join("envs/dev.lock").exists());
    fs::write(kw.vault().join("envs/dev.db.age.tmp"), "x").unwrap();
    git(&kw, kw.dir.path(), &["add", "-A", "vault"]);
    let status = git(&kw, kw.dir.path(), &["status", "--porcelain"]);
    assert!(status.contains("vault/envs/dev.db.age"), "{status}");
    assert!(status.contains("vault/.gitattributes"), "{status}");
    for left_out in ["journal", ".lock", ".tmp"] {
        assert!(
            !status
                .lines()
                .any(|l| l.starts_with('A') && l.contains(left_out)),
            "`{left_out}` staged:\n{status}"
        );
    }
}

/// Recipients enough that the age header alone is longer than the 8,000 bytes git
/// inspects for a NUL: without `merge=binary` git would take the file for text.
fn many_recipients(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| age::x25519::Identity::generate().to_public().to_string())
        .collect()
}

#[test]
fn clones_without_the_driver_get_a_binary_conflict_never_a_line_merge() {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("me.key"));
    let root = kw.dir.path().to_path_buf();
    git(
        &kw,
        &root,
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    git(&kw, &root, &["clone", "-q", "origin.git", "a"]);
    identify(&kw, &root.join("a"), "Alice");
    kw.set_env("KEYWARD_VAULT", root.join("a/vault").to_str().unwrap());
    let mut init = vec!["init".to_owned(), "--envs".into(), "prod".into()];
    for r in many_recipients(90) {
        init.push("--recipient".into());
        init.push(r);
    }
    kw.cmd(&init).assert().success();
    let a = root.join("a");
    git(&kw, &a, &["add", "-A"]);
    git(&kw, &a, &["commit", "-q", "-m", "vault"]);
    git(&kw, &a, &["push", "-q", "origin", "main"]);
    let header = fs::read(root.join("a/vault/envs/prod.db.age")).unwrap();
    assert!(
        !header[..8000].contains(&0),
        "the test needs a header git would take for text"
    );

    // Two clones that never ran `git setup`: only the committed attributes apply.
    for (who, name) in [("b", "Bob"), ("c", "Carol")] {
        git(&kw, &root, &["clone", "-q", "origin.git", who]);
        identify(&kw, &root.join(who), name);
    }
    let (b, c) = (root.join("b"), root.join("c"));
    kw.set_env("KEYWARD_VAULT", b.join("vault").to_str().unwrap());
    let bob_value = kw
        .stdout(["generate", "-e", "prod", "BOB_KEY"])
        .trim()
        .to_owned();
    git(&kw, &b, &["commit", "-qam", "bob adds a key"]);
    git(&kw, &b, &["push", "-q", "origin", "main"]);

    kw.set_env("KEYWARD_VAULT", c.join("vault").to_str().unwrap());
    let carol_value = kw
        .stdout(["generate", "-e", "prod", "CAROL_KEY"])
        .trim()
        .to_owned();
    git(&kw, &c, &["commit", "-qam", "carol adds a key"]);
    let ours = fs::read(c.join("vault/envs/prod.db.age")).unwrap();
    let pull = git_out(&kw, &c, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(!pull.status.success(), "the pull merged: {pull:?}");
    let conflicted = git(&kw, &c, &["diff", "--name-only", "--diff-filter=U"]);
    assert_eq!(conflicted.trim(), "vault/envs/prod.db.age");
    // A binary conflict: the work-tree file is our side, whole, no markers in it.
    let now = fs::read(c.join("vault/envs/prod.db.age")).unwrap();
    assert!(!bytes_contain(&now, b"<<<<<<<") && !bytes_contain(&now, b">>>>>>>"));
    assert_eq!(now, ours, "the env file is not our side as it was");
    kw.cmd(["show", "-e", "prod", "CAROL_KEY"])
        .assert()
        .success();

    // The way out (README): keep their side, accept it, redo ours.
    git(
        &kw,
        &c,
        &["checkout", "--theirs", "--", "vault/envs/prod.db.age"],
    );
    kw.cmd([
        "trust",
        "-e",
        "prod",
        "--reason",
        "took origin's prod in a conflict",
        "--yes",
    ])
    .assert()
    .success();
    kw.stdout(["generate", "-e", "prod", "CAROL_KEY"]);
    git(&kw, &c, &["add", "vault/envs/prod.db.age"]);
    git(&kw, &c, &["commit", "-q", "--no-edit"]);
    let listed = kw.stdout(["list", "-e", "prod"]);
    assert!(
        listed.contains("BOB_KEY") && listed.contains("CAROL_KEY"),
        "{listed}"
    );
    for v in [&bob_value, &carol_value] {
        assert!(!listed.contains(v.as_str()));
    }

    git(&kw, &c, &["push", "-q", "origin", "main"]);

    // A clone with the driver configured (init ran `git setup` in `a`): git runs
    // `keyward git merge`, which merges by meaning: no conflict, both sides' keys.
    kw.set_env("KEYWARD_VAULT", a.join("vault").to_str().unwrap());
    kw.stdout(["generate", "-e", "prod", "ALICE_KEY"]);
    git(&kw, &a, &["commit", "-qam", "alice adds a key"]);
    let pull = git_out(&kw, &a, &["pull", "--no-rebase", "origin", "main"]);
    assert!(pull.status.success(), "the pull did not merge: {pull:?}");
    let listed = kw.stdout(["list", "-e", "prod"]);
    for k in ["ALICE_KEY", "BOB_KEY", "CAROL_KEY"] {
        assert!(listed.contains(k), "{k} missing: {listed}");
    }

    // Clone `b` has no driver: the same situation there is a binary conflict until
    // `git setup`, after which the merge completes.
    kw.set_env("KEYWARD_VAULT", b.join("vault").to_str().unwrap());
    kw.stdout(["generate", "-e", "prod", "BOB_TWO"]);
    git(&kw, &b, &["commit", "-qam", "bob adds another"]);
    git(&kw, &a, &["push", "-q", "origin", "main"]);
    let pull = git_out(&kw, &b, &["pull", "--no-rebase", "origin", "main"]);
    assert!(!pull.status.success(), "merged without a driver: {pull:?}");
    git(&kw, &b, &["merge", "--abort"]);
    kw.cmd(["git", "setup"]).assert().success();
    let pull = git_out(&kw, &b, &["pull", "--no-rebase", "origin", "main"]);
    assert!(
        pull.status.success(),
        "the pull did not merge after setup: {pull:?}"
    );
    let listed = kw.stdout(["list", "-e", "prod"]);
    for k in ["ALICE_KEY", "BOB_KEY", "BOB_TWO", "CAROL_KEY"] {
        assert!(listed.contains(k), "{k} missing: {listed}");
    }
}

/// A repository with history: keys generated, set, rotated and revoked over two
/// commits, then one more change left uncommitted. Returns every value.
fn history_repo() -> (Sandbox, Vec<String>) {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("me.key"));
    git_init(&kw, kw.dir.path());
    kw.cmd(["init"]).assert().success();
    let mut values = vec![kw.generate("STRIPE_KEY")];
    let imported = "imported-Value-7Qz9xW2pL5mN8rT4";
    kw.cmd([
        "set",
        "DB_PASSWORD",
        "--scope",
        "db:read",
        "--note",
        "primary db",
    ])
    .write_stdin(imported)
    .assert()
    .success();
    values.push(imported.to_owned());
    git(&kw, kw.dir.path(), &["add", "-A", "vault"]);
    git(&kw, kw.dir.path(), &["commit", "-qm", "keys"]);
    kw.stdout(["rotate", "STRIPE_KEY", "--reason", "quarterly"]);
    values.push(kw.stdout(["get", "STRIPE_KEY"]).trim_end().to_owned());
    kw.cmd([
        "revoke",
        "DB_PASSWORD",
        "--reason",
        "leaked in a log",
        "--yes",
    ])
    .assert()
    .success();
    git(&kw, kw.dir.path(), &["commit", "-qam", "rotate and revoke"]);
    kw.stdout(["generate", "LATE_KEY"]);
    values.push(kw.stdout(["get", "LATE_KEY"]).trim_end().to_owned());
    (kw, values)
}

fn assert_no_value(text: &str, values: &[String]) {
    for v in values {
        assert!(
            !text.contains(v.as_str()),
            "a value is in the output:\n{text}"
        );
    }
}

#[test]
fn git_diff_and_log_show_keys_and_events_and_never_a_value() {
    let (kw, values) = history_repo();
    let root = kw.dir.path();

    let log = git(&kw, root, &["log", "-p", "--", "vault/envs/dev.db.age"]);
    assert!(!log.contains("Binary files"), "{log}");
    for shown in [
        "+key STRIPE_KEY v2 active",
        "-key STRIPE_KEY v1 active",
        "rotate STRIPE_KEY v2",
        "reason=\"quarterly\"",
        "+key DB_PASSWORD v1 revoked",
        "reason=\"leaked in a log\"",
        "scopes=db:read",
        "note=\"primary db\"",
        "+recipient age1",
    ] {
        assert!(log.contains(shown), "`{shown}` not in git log -p:\n{log}");
    }
    assert_no_value(&log, &values);

    let diff = git(&kw, root, &["diff", "--", "vault/envs/dev.db.age"]);
    assert!(diff.contains("+key LATE_KEY v1 active"), "{diff}");
    assert!(diff.contains("generate LATE_KEY v1"), "{diff}");
    // Only what changed: the keys already committed are context, not changes.
    assert!(!diff.contains("+key STRIPE_KEY"), "{diff}");
    assert_no_value(&diff, &values);

    // No textconv cache: nothing derived from the plaintext is kept in .git.
    assert_eq!(git(&kw, root, &["for-each-ref", "refs/notes"]), "");
    for v in &values {
        kw.assert_nowhere_in_files(v);
    }
}

#[test]
fn textconv_without_an_identity_prints_one_placeholder_line_and_succeeds() {
    let (mut kw, values) = history_repo();
    let file = kw.env_file("dev");
    // The identity works: the real text.
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), file.as_os_str()]);
    assert!(text.contains("key STRIPE_KEY"), "{text}");
    assert_no_value(&text, &values);

    // Another identity, not a recipient.
    let other = kw.write_identity("other.key");
    kw.set_env("KEYWARD_IDENTITY", other.to_str().unwrap());
    let out = kw
        .cmd(["git".as_ref(), "textconv".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("keyward: cannot decrypt ("), "{text}");

    // No identity at all, and git log -p through it still works.
    kw.identity = None;
    kw.set_env("KEYWARD_IDENTITY", "");
    let out = kw
        .cmd(["git".as_ref(), "textconv".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("keyward: cannot decrypt (no identity"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    let log = git(
        &kw,
        kw.dir.path(),
        &["log", "-p", "--", "vault/envs/dev.db.age"],
    );
    assert!(log.contains("+keyward: cannot decrypt ("), "{log}");
    assert!(!log.contains("STRIPE_KEY"), "{log}");
    // A change nobody here can decrypt is still a change: the commit that rotated and
    // revoked shows the old version's line going and the new one's coming, each named
    // by its bytes; an unchanged file's line is the same.
    let diff = git(
        &kw,
        kw.dir.path(),
        &["diff", "HEAD~1", "HEAD", "--", "vault"],
    );
    let gone: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("-keyward:"))
        .collect();
    let came: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("+keyward:"))
        .collect();
    assert_eq!((gone.len(), came.len()), (1, 1), "{diff}");
    assert!(came[0].contains("; file sha256 "), "{diff}");
    assert_ne!(gone[0][1..], came[0][1..], "{diff}");
    let again = kw
        .cmd(["git".as_ref(), "textconv".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(again.stdout, text.as_bytes());
}

#[test]
fn textconv_of_a_passphrase_identity_without_agent_never_asks() {
    // The default identity, protected by a passphrase, made by `init`.
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "correct horse battery staple");
    kw.cmd(["init"]).assert().success();
    kw.generate("STRIPE_KEY");
    let file = kw.env_file("dev");
    let textconv = |kw: &Sandbox| {
        let out = kw
            .cmd(["git".as_ref(), "textconv".as_ref(), file.as_os_str()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(textconv(&kw).contains("key STRIPE_KEY"));
    kw.set_env("KEYWARD_PASSPHRASE", "");
    let text = textconv(&kw);
    assert!(
        text.starts_with("keyward: cannot decrypt (") && text.contains("keyward unlock"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn the_driver_and_textconv_name_the_environment_from_the_path_never_a_temp_file() {
    let (mut kw, _) = history_repo();
    let file = kw.env_file("dev");
    let tmp = kw.path("tmp/Ab3xYz_dev.db.age");
    let blob = kw.path("tmp/.merge_file_aBcDeF");
    for p in [&tmp, &blob] {
        fs::copy(&file, p).unwrap();
    }
    let other = kw.write_identity("other.key");
    kw.set_env("KEYWARD_IDENTITY", other.to_str().unwrap());
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), tmp.as_os_str()]);
    assert!(
        text.contains("not a recipient of environment `dev`"),
        "{text}"
    );
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), blob.as_os_str()]);
    assert!(
        text.contains("not a recipient of this environment"),
        "{text}"
    );
    assert!(!text.contains("`env`"), "{text}");
    // The driver, as git runs it: temp files, and the path in the repository.
    let b = blob.to_str().unwrap();
    kw.cmd(["git", "merge", b, b, b, "vault/envs/dev.db.age"])
        .assert()
        .failure()
        .stderr(contains("not a recipient of environment `dev`"))
        .stderr(contains("`env`").not());
}
