//! `audit verify --git` remembers the commits whose whole history it found good on this
//! machine (DESIGN §7, §8 round 3): the next run walks only what came after them, and
//! `--full` walks everything. A remembered verdict never lets a bad commit pass: the
//! memory is keyed by the commit and its blobs, the trust roots and a key only the
//! identity can make, so an edited memory file only makes the next run check more.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use predicates::str::contains;

use crate::support::Sandbox;

fn git(kw: &Sandbox, args: &[&str]) -> String {
    crate::support::git::git(kw, kw.dir.path(), args)
}

/// A sandbox whose directory is a git work tree holding the vault, with one key.
fn repo() -> Sandbox {
    let mut kw = Sandbox::with_vault();
    kw.set_env("GIT_CONFIG_NOSYSTEM", "1");
    git(&kw, &["init", "-q", "-b", "main"]);
    git(&kw, &["config", "user.name", "Alice Honest"]);
    git(&kw, &["config", "user.email", "alice@example.org"]);
    fs::write(kw.vault().join(".gitignore"), "journal/\n*.lock\n*.tmp\n").unwrap();
    commit(&kw, "init the vault");
    kw.generate("STRIPE_KEY");
    commit(&kw, "add STRIPE_KEY");
    kw
}

/// Commit everything in the vault; the new commit's full id.
fn commit(kw: &Sandbox, subject: &str) -> String {
    git(kw, &["add", "-A", "vault"]);
    git(kw, &["commit", "-q", "--allow-empty", "-m", subject]);
    git(kw, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// `audit verify --git ARGS --json`, parsed, and its exit code.
fn verify(kw: &Sandbox, args: &[&str]) -> (serde_json::Value, i32) {
    let mut all = vec!["audit", "verify", "--git", "--json"];
    all.extend(args);
    let out = kw.cmd(all).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (v, out.status.code().unwrap())
}

/// The memory file of the sandbox's vault (one vault: one pin directory).
fn memory_file(kw: &Sandbox) -> PathBuf {
    let pins = kw.path("state/keyward/pins");
    for dir in fs::read_dir(&pins).unwrap() {
        let f = dir.unwrap().path().join("verified-commits");
        if f.exists() {
            return f;
        }
    }
    panic!("no verified-commits file under {}", pins.display());
}

#[test]
fn a_verified_history_is_not_walked_again_and_full_walks_it() {
    let kw = repo();
    kw.stdout(["rotate", "STRIPE_KEY"]);
    let tip = commit(&kw, "rotate STRIPE_KEY");

    let (v, code) = verify(&kw, &[]);
    assert_eq!((code, v["commits"].as_u64()), (0, Some(3)), "{v}");
    assert_eq!(v["remembered"].as_array().unwrap().len(), 0, "{v}");
    let file = memory_file(&kw);
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(fs::read_to_string(&file).unwrap().contains(&tip));

    // Again: nothing new to check, and it says where the remembered history ends.
    let (v, code) = verify(&kw, &[]);
    assert_eq!((code, v["commits"].as_u64()), (0, Some(0)), "{v}");
    assert_eq!(v["remembered"], serde_json::json!([&tip[..10]]), "{v}");
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .success()
        .stderr(contains(format!(
            "the history up to `{}` was verified before on this machine",
            &tip[..10]
        )));

    // One new commit: only it is checked (against the remembered parent).
    kw.generate("DB_PASSWORD");
    let newer = commit(&kw, "add DB_PASSWORD");
    let (v, code) = verify(&kw, &[]);
    assert_eq!((code, v["commits"].as_u64()), (0, Some(1)), "{v}");
    assert_eq!(v["remembered"], serde_json::json!([&tip[..10]]), "{v}");
    let heads = v["heads"].clone();

    // --full checks every commit again, and finds the same final chains.
    let (v, code) = verify(&kw, &["--full"]);
    assert_eq!((code, v["commits"].as_u64()), (0, Some(4)), "{v}");
    assert_eq!(v["heads"], heads, "{v}");
    assert_eq!(v["remembered"].as_array().unwrap().len(), 0, "{v}");
    assert!(fs::read_to_string(&file).unwrap().contains(&newer));

    // A range checks only part of a history: its tip is not remembered.
    kw.stdout(["rotate", "STRIPE_KEY"]);
    let ranged = commit(&kw, "rotate again");
    let (v, code) = verify(&kw, &["HEAD~1..HEAD"]);
    assert_eq!((code, v["commits"].as_u64()), (0, Some(1)), "{v}");
    assert!(!fs::read_to_string(&file).unwrap().contains(&ranged));
}

/// A commit that swaps in a file made by an outsider from the public recipient: exit 6
/// when checked. Returns its full id.
fn forge(kw: &Sandbox) -> String {
    let attacker = Sandbox::with_vault();
    attacker.set("STRIPE_KEY", "sk_attacker_chosen_value");
    kw.encrypt_env("dev", &attacker.decrypt_env("dev"));
    commit(kw, "bump deps")
}

#[test]
fn a_tampered_memory_does_not_turn_a_bad_commit_good() {
    let kw = repo();
    let good = git(&kw, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(verify(&kw, &[]).1, 0);
    let file = memory_file(&kw);
    let line = fs::read_to_string(&file).unwrap();
    let tag = line.split_whitespace().nth(2).unwrap().to_owned();
    assert!(line.contains(&good), "{line}");

    let bad = forge(&kw);
    let expect_bad = |kw: &Sandbox, why: &str| {
        let (v, code) = verify(kw, &[]);
        assert_eq!(code, 6, "{why}: {v}");
        assert_eq!(v["problems"][0]["commit"], &bad[..10], "{why}: {v}");
        assert_eq!(
            v["problems"][0]["problem"]["kind"], "unrelated",
            "{why}: {v}"
        );
    };
    expect_bad(&kw, "untouched memory");

    // The good commit's tag moved to the bad commit; a made-up tag; both at once.
    let write = |text: String| {
        fs::write(&file, text).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    };
    write(format!("v1 {bad} {tag}\n"));
    expect_bad(&kw, "the good commit's tag on the bad commit");
    write(format!("v1 {bad} {}\n", "ab".repeat(32)));
    expect_bad(&kw, "a made-up tag");
    write(format!("{line}v1 {bad} {tag}\n"));
    expect_bad(&kw, "a good line and a forged one");
    // Garbage is ignored with a warning, never an error that stops the check.
    write("not a memory\n".into());
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("malformed: ignored"));
    // A memory file others can read is refused, as a pin is.
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["audit", "verify", "--git"])
        .assert()
        .code(6)
        .stderr(contains("is not a private file"));
}

#[test]
fn a_remembered_history_holds_only_for_the_same_trust_root() {
    let kw = repo();
    assert_eq!(verify(&kw, &[]).1, 0);
    assert_eq!(verify(&kw, &[]).0["commits"].as_u64(), Some(0));
    // A CI pin of another root: the remembered verdict (reached without one) does not
    // apply, and the history is checked against the root.
    let (v, code) = verify(&kw, &["--trust-root", &"f".repeat(64)]);
    assert_eq!(code, 6, "{v}");
    assert_eq!(v["remembered"].as_array().map(Vec::len), Some(0), "{v}");
}
