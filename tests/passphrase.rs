//! Passphrase-protected identities (DESIGN §3): the passphrase from `KEYWARD_PASSPHRASE`
//! or a private file (one try), or typed on a terminal (three tries); sources that cannot
//! unlock are exit 5 at once, never a wait on a stdin that is not a terminal; a command
//! that also asks for a value unlocks first, so nothing typed is lost.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use predicates::str::contains;

use crate::support::pty::on_terminal;
use crate::support::{Sandbox, cheap_protected_identity, cheap_protected_vault, wait_for};

#[test]
fn passphrase_identity_init_and_unlock() {
    // The only test that pays for scrypt twice: init, then one unlock.
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "correct horse battery staple");
    kw.cmd(["init"]).assert().success();
    let id_path = kw.path("config/keyward/identity.age");
    let text = fs::read_to_string(&id_path).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!text.contains("AGE-SECRET-KEY"));
    assert_eq!(
        fs::metadata(&id_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    kw.cmd(["generate", "K"])
        .env("KEYWARD_PASSPHRASE", "wrong")
        .assert()
        .code(5)
        .stderr(contains("wrong passphrase"));
    // Bytes that are not UTF-8 are refused by name, never read as unset.
    kw.cmd(["generate", "K"])
        .env(
            "KEYWARD_PASSPHRASE",
            std::ffi::OsStr::from_bytes(b"correct horse\xff"),
        )
        .assert()
        .code(2)
        .stderr(contains("KEYWARD_PASSPHRASE is not valid UTF-8"));
    let pf = kw.path("pass.txt");
    fs::write(&pf, "correct horse battery staple\n").unwrap();
    fs::set_permissions(&pf, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["list"])
        .env_remove("KEYWARD_PASSPHRASE")
        .env("KEYWARD_PASSPHRASE_FILE", &pf)
        .assert()
        .success();
}

#[test]
fn init_without_a_passphrase_source_or_a_terminal_fails_at_once_and_creates_nothing() {
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "pw-for-this-test");
    // init without a passphrase source: exit 5, nothing created
    kw.cmd(["init"])
        .env_remove("KEYWARD_PASSPHRASE")
        .assert()
        .code(5)
        .stderr(contains("no terminal"));
    assert!(!kw.vault().exists());
    assert!(!kw.path("config/keyward/identity.age").exists());
}

#[test]
fn run_never_waits_for_a_passphrase_on_a_stdin_that_is_not_a_terminal() {
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "pw");
    kw.cmd(["init", "--envs", "dev"]).assert().success();
    // stdin stays open and silent: a keyward that waited for a passphrase on it would
    // never exit (the bound in wait_for turns that hang into a failure).
    let mut child = kw
        .std_cmd(["run", "--", "true"])
        .env_remove("KEYWARD_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let mut status = None;
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("keyward to give up without a terminal", || {
            status = child.try_wait().unwrap();
            status.is_some()
        })
    }));
    if waited.is_err() {
        let _ = child.kill();
        panic!("keyward waited for a passphrase with no terminal");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.unwrap().code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no terminal"), "{stderr}");
    assert!(!stderr.contains("pw"), "{stderr}");
}

const PASS: &str = "hardening passphrase 7d1c";

/// `identity show` with `identity` and no passphrase variable set.
fn show_with(kw: &Sandbox, identity: &Path) -> assert_cmd::Command {
    let mut c = kw.cmd(["identity", "show"]);
    c.env("KEYWARD_IDENTITY", identity)
        .env_remove("KEYWARD_PASSPHRASE")
        .env_remove("KEYWARD_PASSPHRASE_FILE")
        .timeout(Duration::from_secs(120)); // a watchdog for the old endless read, not a timing check
    c
}

#[test]
fn a_0600_passphrase_file_unlocks() {
    let kw = Sandbox::new();
    let (id, recipient) = cheap_protected_identity(&kw, "id.age", PASS);
    let pf = kw.path("pass.txt");
    fs::write(&pf, format!("{PASS}\n")).unwrap();
    fs::set_permissions(&pf, fs::Permissions::from_mode(0o600)).unwrap();
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", &pf)
        .assert()
        .success()
        .stdout(contains(recipient));
}

#[test]
fn an_endless_passphrase_file_is_capped_at_64_kib_and_exits_5() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age", PASS);
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", "/dev/zero")
        .assert()
        .code(5)
        .stderr(contains("longer than 64 KiB"));
    // a regular 0600 file one byte over the cap: the same
    let big = kw.path("big.txt");
    fs::write(&big, vec![b'a'; 64 * 1024 + 1]).unwrap();
    fs::set_permissions(&big, fs::Permissions::from_mode(0o600)).unwrap();
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", &big)
        .assert()
        .code(5)
        .stderr(contains("longer than 64 KiB"));
}

#[test]
fn a_passphrase_file_readable_by_others_is_refused_with_exit_5() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age", PASS);
    let pf = kw.path("pass.txt");
    fs::write(&pf, format!("{PASS}\n")).unwrap();
    for mode in [0o644, 0o640, 0o604] {
        fs::set_permissions(&pf, fs::Permissions::from_mode(mode)).unwrap();
        let out = show_with(&kw, &id)
            .env("KEYWARD_PASSPHRASE_FILE", &pf)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "mode {mode:o}: {stderr}");
        assert!(stderr.contains("readable by group or others"), "{stderr}");
        assert!(stderr.contains("chmod 600"), "{stderr}");
        assert!(!stderr.contains(PASS));
        assert!(out.stdout.is_empty(), "no recipient: it was not unlocked");
    }
}

#[test]
fn a_missing_or_unreadable_passphrase_file_exits_5() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age", PASS);
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", kw.path("no-such-file"))
        .assert()
        .code(5)
        .stderr(contains("cannot read the passphrase file"));
    // a directory cannot be read as a file (root reads any mode, so no chmod 000 here)
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", kw.path("tmp"))
        .assert()
        .code(5)
        .stderr(contains("cannot read the passphrase file"));
}

/// The passphrase itself, put in KEYWARD_PASSPHRASE_FILE rather than KEYWARD_PASSPHRASE
/// (the names differ by `_FILE`), names no file: the error says so without repeating it.
#[test]
fn a_passphrase_put_in_the_file_variable_is_never_repeated() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age", PASS);
    for slip in [
        "Tr0ub4dor&3-correct-horse",
        "correct horse battery staple",
        "a/b correct horse",
        "/K7MDENGbPxRfiCYEXAMPLEKEY0123456789abcd",
    ] {
        let out = show_with(&kw, &id)
            .env("KEYWARD_PASSPHRASE_FILE", slip)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{stderr}");
        assert!(
            stderr.contains("KEYWARD_PASSPHRASE_FILE does not name a readable file"),
            "{stderr}"
        );
        assert!(stderr.contains("its value is not shown"), "{stderr}");
        assert!(
            stderr.contains("the passphrase itself goes in KEYWARD_PASSPHRASE"),
            "{stderr}"
        );
        for part in slip.split(['/', ' ']).filter(|p| p.len() > 3) {
            assert!(!stderr.contains(part), "{part} in {stderr}");
        }
        assert!(out.stdout.is_empty(), "not unlocked");
    }
    // A path with a mistyped file name is shown, so it can be fixed.
    let typo = kw.path("pasword.txt");
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", &typo)
        .assert()
        .code(5)
        .stderr(contains(format!(
            "cannot read the passphrase file `{}`",
            typo.display()
        )));
}

#[test]
fn an_empty_passphrase_variable_exits_5_with_a_clear_message() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age", PASS);
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE", "")
        .assert()
        .code(5)
        .stderr(contains("KEYWARD_PASSPHRASE is set but empty"));
    let empty = kw.path("empty.txt");
    fs::write(&empty, "\n").unwrap();
    fs::set_permissions(&empty, fs::Permissions::from_mode(0o600)).unwrap();
    show_with(&kw, &id)
        .env("KEYWARD_PASSPHRASE_FILE", &empty)
        .assert()
        .code(5)
        .stderr(contains("is empty"));
}

#[test]
fn a_wrong_passphrase_on_a_terminal_is_asked_again() {
    let kw = cheap_protected_vault(PASS);
    let (shown, code) = on_terminal(
        &kw,
        &["identity", "show"],
        &[("Passphrase for", &["wrong one", "", PASS])],
    );
    assert_eq!(code, 0, "{shown}");
    assert_eq!(shown.matches("Passphrase for").count(), 3, "{shown}");
    assert!(
        shown.contains("wrong passphrase, try again (2 of 3)"),
        "{shown}"
    );
    assert!(
        shown.contains("wrong passphrase, try again (3 of 3)"),
        "{shown}"
    );
    assert!(shown.contains("age1"), "{shown}");
}

#[test]
fn three_wrong_passphrases_on_a_terminal_end_with_exit_5() {
    let kw = cheap_protected_vault(PASS);
    let (shown, code) = on_terminal(
        &kw,
        &["list"],
        &[("Passphrase for", &["one", "two", "three", PASS])],
    );
    assert_eq!(code, 5, "{shown}");
    assert_eq!(shown.matches("Passphrase for").count(), 3, "{shown}");
    assert!(shown.contains("error: wrong passphrase"), "{shown}");
}

#[test]
fn a_passphrase_from_the_environment_gets_one_try_even_on_a_terminal() {
    let mut kw = cheap_protected_vault(PASS);
    kw.set_env("KEYWARD_PASSPHRASE", "not it");
    let (shown, code) = on_terminal(&kw, &["list"], &[("Passphrase for", &[PASS])]);
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Passphrase for"), "{shown}");
    assert!(shown.contains("error: wrong passphrase"), "{shown}");

    let pf = kw.path("pass.txt");
    fs::write(&pf, "not it either\n").unwrap();
    fs::set_permissions(&pf, fs::Permissions::from_mode(0o600)).unwrap();
    kw.set_env("KEYWARD_PASSPHRASE_FILE", pf.to_str().unwrap());
    let (shown, code) = on_terminal(&kw, &["list"], &[("Passphrase for", &[PASS])]);
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Passphrase for"), "{shown}");
}

#[test]
fn an_empty_new_passphrase_is_refused_before_it_is_asked_again() {
    let kw = Sandbox::new();
    let (shown, code) = on_terminal(
        &kw,
        &["init"],
        &[
            ("Passphrase for the new keyward identity", &[""]),
            ("Repeat passphrase", &[""]),
        ],
    );
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("an empty passphrase is not allowed"),
        "{shown}"
    );
    assert!(!shown.contains("Repeat passphrase"), "{shown}");
    assert!(!kw.vault().exists(), "nothing was created");
}

#[test]
fn set_unlocks_before_it_asks_for_the_value() {
    let kw = cheap_protected_vault(PASS);
    let value = "sk_live_typed_by_hand_0123456789";
    let (shown, code) = on_terminal(
        &kw,
        &["set", "STRIPE_KEY"],
        &[
            ("Passphrase for", &[PASS]),
            ("Value for STRIPE_KEY", &[value]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    let asked_pass = shown.find("Passphrase for").expect("passphrase asked");
    let asked_value = shown.find("Value for STRIPE_KEY").expect("value asked");
    assert!(asked_pass < asked_value, "{shown}");
    assert!(!shown.contains(value), "the value was echoed: {shown}");
    let got = kw
        .cmd(["get", "STRIPE_KEY"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&got.stdout), format!("{value}\n"));

    // three wrong passphrases: the value is never asked for, so nothing typed is lost
    let (shown, code) = on_terminal(
        &kw,
        &["set", "OTHER_KEY"],
        &[
            ("Passphrase for", &["a", "b", "c"]),
            ("Value for OTHER_KEY", &[value]),
        ],
    );
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Value for"), "{shown}");
}

#[test]
fn rotate_of_an_imported_key_unlocks_before_it_asks_for_the_value() {
    let kw = cheap_protected_vault(PASS);
    kw.cmd(["set", "PARTNER_KEY"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .write_stdin("first-value")
        .assert()
        .success();
    let value = "partner_value_typed_by_hand_0123";
    let (shown, code) = on_terminal(
        &kw,
        &["rotate", "PARTNER_KEY"],
        &[
            ("Passphrase for", &[PASS]),
            ("New value for PARTNER_KEY", &[value]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    let asked_pass = shown.find("Passphrase for").expect("passphrase asked");
    let asked_value = shown.find("New value for").expect("value asked");
    assert!(asked_pass < asked_value, "{shown}");
    assert!(!shown.contains(value), "the value was echoed: {shown}");

    // three wrong passphrases: the value is never asked for
    let (shown, code) = on_terminal(
        &kw,
        &["rotate", "PARTNER_KEY"],
        &[
            ("Passphrase for", &["a", "b", "c"]),
            ("New value for", &[value]),
        ],
    );
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("New value for"), "{shown}");
}

#[test]
fn init_asks_again_when_the_repetition_does_not_match_three_times_at_most() {
    let kw = Sandbox::new();
    let (shown, code) = on_terminal(
        &kw,
        &["init"],
        &[
            (
                "Passphrase for the new keyward identity",
                &["first try", "second try"],
            ),
            ("Repeat passphrase", &["first tyr", "second try"]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    assert_eq!(
        shown
            .matches("the passphrases do not match; type it again")
            .count(),
        1,
        "{shown}"
    );
    assert!(!shown.contains("first t"), "never echoed: {shown}");
    kw.cmd(["list"])
        .env("KEYWARD_PASSPHRASE", "second try")
        .assert()
        .success();

    let again = Sandbox::new();
    let (shown, code) = on_terminal(
        &again,
        &["init"],
        &[
            (
                "Passphrase for the new keyward identity",
                &["one", "two", "three"],
            ),
            ("Repeat passphrase", &["uno", "dos", "tres"]),
        ],
    );
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("the passphrases did not match in three tries; nothing was written"),
        "{shown}"
    );
    assert!(!again.vault().exists(), "nothing was created");
}
