//! DESIGN §11: a value a rotation hook issued is stored, or kept and said. A hook's
//! provider may roll the key as the hook runs, so a write bound to fail is found before
//! any hook runs, and when the change fails after its hooks ran all the same, their
//! values are kept on this machine, encrypted, and the error says where.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::support::{Sandbox, decrypt_file, get};

const OLD: &str = "old-provider-key-0001";

/// A hook that notes it ran (`<name>.ran`), runs `then` (shell), and prints `new`,
/// written cut in two so that only a copy keyward made holds it whole.
fn hook(kw: &Sandbox, name: &str, then: &str, new: &str) -> String {
    let (a, b) = new.split_at(new.len() / 2);
    let path = kw.path(name);
    fs::write(
        &path,
        format!(
            "#!/bin/sh\ncat > /dev/null\ntouch '{}.ran'\n{then}\necho '{a}''{b}'\n",
            path.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
    path.to_str().unwrap().to_owned()
}

fn with_hooked(kw: &Sandbox, name: &str, hook: &str) {
    kw.cmd(["set", name, "--rotate-with", hook])
        .write_stdin(OLD)
        .assert()
        .success();
}

fn tmp_path(kw: &Sandbox) -> PathBuf {
    kw.vault().join("envs/dev.db.age.tmp")
}

#[test]
fn a_write_bound_to_fail_is_found_before_any_hook_runs() {
    let kw = Sandbox::with_vault();
    let h = hook(&kw, "roll.sh", "", "rolled-value-0002");
    with_hooked(&kw, "API", &h);
    // Someone who can write the vault plants a directory where the commit writes.
    fs::create_dir(tmp_path(&kw)).unwrap();
    for args in [&["rotate", "API"][..], &["rotate", "--all", "--yes"]] {
        let out = kw.cmd(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{args:?}: {err}");
        assert!(err.contains("is not a regular file"), "{args:?}: {err}");
        assert!(!kw.path("roll.sh.ran").exists(), "{args:?}: the hook ran");
    }
    fs::remove_dir(tmp_path(&kw)).unwrap();
    assert_eq!(get(&kw, "dev", "API"), OLD);
}

#[test]
fn values_hooks_issued_are_kept_encrypted_when_their_change_cannot_be_stored() {
    let kw = Sandbox::with_vault();
    // The second hook plants the directory after the check: the commit fails after
    // both hooks ran, and both values exist nowhere else.
    let first = hook(&kw, "a.sh", "", "issued-value-aaaa-0001");
    let plant = format!("mkdir '{}'", tmp_path(&kw).display());
    let second = hook(&kw, "b.sh", &plant, "issued-value-bbbb-0002");
    with_hooked(&kw, "A_KEY", &first);
    with_hooked(&kw, "B_KEY", &second);
    let out = kw.cmd(["rotate", "--all", "--yes"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(kw.path("a.sh.ran").exists() && kw.path("b.sh.ran").exists());
    assert!(
        err.contains("the rotation hooks of `A_KEY`, `B_KEY` in `dev` had run")
            && err.contains("they are kept on this machine, encrypted to `dev`'s recipients"),
        "{err}"
    );
    assert!(!err.contains("issued-value"), "{err}");
    assert_eq!(get(&kw, "dev", "A_KEY"), OLD);
    // One file per key, named in the error, private, and no value in plain text.
    let kept: Vec<PathBuf> = err
        .lines()
        .filter_map(|l| l.trim().split_once(": ").map(|(_, p)| PathBuf::from(p)))
        .filter(|p| p.extension().is_some_and(|e| e == "age") && p.exists())
        .collect();
    assert_eq!(kept.len(), 2, "{err}");
    kw.assert_nowhere_in_files("issued-value-aaaa-0001");
    kw.assert_nowhere_in_files("issued-value-bbbb-0002");
    let identity = kw.identity.clone().unwrap();
    for (file, (name, value)) in kept.iter().zip([
        ("A_KEY", "issued-value-aaaa-0001"),
        ("B_KEY", "issued-value-bbbb-0002"),
    ]) {
        assert!(file.to_str().unwrap().ends_with(&format!("-{name}.age")));
        assert_eq!(
            fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(decrypt_file(file, &identity), value.as_bytes());
    }
    // `check` reports each kept value until it is stored (exit 8); one kept for another
    // environment whose name starts the same (`dev-2`) is not `dev`'s.
    let other = kept[0]
        .parent()
        .unwrap()
        .join("dev-2-1700000000000-ACME.age");
    fs::write(&other, b"not ours").unwrap();
    let out = kw.cmd(["check", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kept_names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["problem"] == "issued-not-stored")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(kept_names, ["A_KEY", "B_KEY"], "{found}");
    // As the hint says: the cause fixed, each stored as it was issued.
    fs::remove_dir(tmp_path(&kw)).unwrap();
    for (file, name) in kept.iter().zip(["A_KEY", "B_KEY"]) {
        kw.cmd(["rotate", name, "--no-hook"])
            .write_stdin(decrypt_file(file, &identity))
            .assert()
            .success();
    }
    assert_eq!(get(&kw, "dev", "A_KEY"), "issued-value-aaaa-0001");
    assert_eq!(get(&kw, "dev", "B_KEY"), "issued-value-bbbb-0002");
    for file in kept.iter().chain([&other]) {
        fs::remove_file(file).unwrap();
    }
    let after = kw.cmd(["check", "--json"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&after.stdout).contains("issued-not-stored"));
}

#[test]
fn one_rotation_and_an_offboarding_keep_what_their_hooks_issued_too() {
    let kw = Sandbox::with_vault();
    let plant = format!("mkdir '{}'", tmp_path(&kw).display());
    let h = hook(&kw, "roll.sh", &plant, "issued-value-cccc-0003");
    with_hooked(&kw, "API", &h);
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(
        err.contains("the rotation hooks of `API` in `dev` had run"),
        "{err}"
    );
    assert!(!err.contains("issued-value"), "{err}");
    fs::remove_dir(tmp_path(&kw)).unwrap();
    // Offboarding a member rotates every key she could read, hooks included.
    let bob_key = kw.write_identity("bob.key");
    let bob = kw.recipient_of(&bob_key);
    kw.cmd(["access", "grant", &bob]).assert().success();
    let out = kw
        .cmd(["offboard", &bob, "--reason", "left", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(
        err.contains("the rotation hooks of `API` in `dev` had run"),
        "{err}"
    );
    kw.assert_nowhere_in_files("issued-value-cccc-0003");
}

/// The writer lock binds keyward's writers only: a `git pull` may put a teammate's
/// newer file in place while a hook runs. The commit does not write over a file it
/// never read; the hook's value is kept.
#[test]
fn a_file_put_in_place_while_a_hook_ran_is_not_written_over() {
    let kw = Sandbox::with_vault();
    let newer = kw.path("newer.db.age");
    let file = kw.env_file("dev");
    let pull = format!(
        "cp '{}' '{}.pulled' && mv '{}.pulled' '{}'",
        newer.display(),
        file.display(),
        file.display(),
        file.display()
    );
    let h = hook(&kw, "roll.sh", &pull, "issued-value-dddd-0004");
    with_hooked(&kw, "API", &h);
    let base = fs::read(&file).unwrap();
    // A teammate's machine adds a key to the same state.
    kw.cmd(["generate", "NEWK"])
        .env("XDG_STATE_HOME", kw.path("state-teammate"))
        .assert()
        .success();
    fs::copy(&file, &newer).unwrap();
    fs::write(&file, &base).unwrap();
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("was replaced while this command changed `dev`")
            && err.contains("the rotation hooks of `API` in `dev` had run"),
        "{err}"
    );
    // Only the kept values' hint: running the command again would run the hook again.
    assert!(!err.contains("run the command again"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), fs::read(&newer).unwrap());
    kw.cmd(["get", "NEWK"]).assert().success();
    assert_eq!(get(&kw, "dev", "API"), OLD);
}

/// A recipient behind a plugin this machine cannot run fails every write: found before
/// the hook runs; and when the plugin goes away while a hook runs, the value is kept all
/// the same, encrypted to the recipients this machine can reach.
#[test]
fn a_plugin_recipient_out_of_reach_is_found_before_the_hook_and_does_not_lose_its_value() {
    let (kw, _token) = crate::support::token::vault_with_granted_token();
    let h = hook(&kw, "roll.sh", "", "issued-value-eeee-0005");
    with_hooked(&kw, "API", &h);
    // No plugin on PATH: refused before the hook runs.
    let out = kw
        .cmd(["rotate", "API"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("age-plugin-kwtest"), "{err}");
    assert!(!kw.path("roll.sh.ran").exists(), "the hook ran: {err}");
    // The plugin goes away while the hook runs.
    let gone = format!("rm '{}'", kw.path("plugins/age-plugin-kwtest").display());
    let h = hook(&kw, "roll2.sh", &gone, "issued-value-ffff-0006");
    kw.cmd(["hook", "set", "API", &h]).assert().success();
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(kw.path("roll2.sh.ran").exists(), "{err}");
    assert!(
        err.contains("but those behind a plugin this machine could not reach"),
        "{err}"
    );
    let file = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("API: "))
        .map(PathBuf::from)
        .unwrap();
    let identity = kw.identity.clone().unwrap();
    assert_eq!(decrypt_file(&file, &identity), b"issued-value-ffff-0006");
}
