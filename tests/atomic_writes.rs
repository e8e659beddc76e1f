//! Every write is locked and atomic (DESIGN §1.5–1.6): concurrent writers lose no update,
//! a writer that cannot get the lock is busy (exit 7), and a SIGKILL at a random moment,
//! a full disk or a file-size limit leaves the old state or the new one, never a mix.

use std::fs;
use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use predicates::str::contains;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Sandbox, concurrently, under_shell};

/// keyward in the sandbox, with a long lock timeout, its output captured.
fn raw(kw: &Sandbox, args: &[&str]) -> Command {
    let mut c = kw.std_cmd(args);
    c.env("KEYWARD_LOCK_TIMEOUT", "60")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

#[test]
fn concurrent_writers_lose_no_update() {
    let kw = Sandbox::with_vault();
    kw.generate("SHARED");
    concurrently(
        &kw,
        6,
        r#"export KEYWARD_LOCK_TIMEOUT=60
        for i in 1 2 3 4; do "$KW" generate "P${W}_K$i" || exit 1; "$KW" rotate SHARED || exit 1; done"#,
    );
    let list: serde_json::Value = serde_json::from_str(&kw.stdout(["list", "--json"])).unwrap();
    assert_eq!(list["keys"].as_array().unwrap().len(), 1 + 6 * 4);
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "SHARED", "--json"])).unwrap();
    let versions = show["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1 + 6 * 4, "every rotation kept");
    let numbers: Vec<u64> = versions
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=25).collect::<Vec<_>>());
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn lock_timeout_is_configurable_and_busy_is_exit_7() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let before = fs::read(kw.env_file("dev")).unwrap();
    let lock = OpenOptions::new()
        .write(true)
        .open(kw.vault().join("envs/dev.lock"))
        .unwrap();
    lock.lock().unwrap();
    kw.cmd(["generate", "OTHER"])
        .env("KEYWARD_LOCK_TIMEOUT", "1")
        .assert()
        .code(7)
        .stderr(contains("locked by another writer"));
    kw.cmd(["rotate", "K"])
        .env("KEYWARD_LOCK_TIMEOUT", "0")
        .assert()
        .code(7)
        .stderr(contains("environment `dev` is locked by another writer"));
    // readers take no lock
    kw.cmd(["get", "K"]).assert().success();
    kw.cmd(["generate", "X"])
        .env("KEYWARD_LOCK_TIMEOUT", "soon")
        .assert()
        .code(2)
        .stderr(contains("KEYWARD_LOCK_TIMEOUT: invalid duration `soon`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    lock.unlock().unwrap();
    kw.cmd(["generate", "OTHER"])
        .env("KEYWARD_LOCK_TIMEOUT", "0")
        .assert()
        .success();
}

#[test]
fn sigkill_at_random_moments_leaves_old_or_new_state() {
    let kw = Sandbox::with_vault();
    kw.generate("ROT");
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    // A seeded schedule: KEYWARD_TEST_SEED=N replays a failing run.
    let seed: u64 = match std::env::var("KEYWARD_TEST_SEED") {
        Ok(s) => s.parse().expect("KEYWARD_TEST_SEED is a number"),
        Err(_) => rand::random(),
    };
    // libtest shows this with the failure (and swallows it on success).
    println!("kill schedule seed: {seed} (replay with KEYWARD_TEST_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..50 {
        let name = format!("K{i}");
        let file = kw.path(&format!("import{i}.env"));
        std::fs::write(
            &file,
            format!("IMP{i}_A=value-a-{i}\nIMP{i}_B=value-b-{i}\n"),
        )
        .unwrap();
        let mut cmd = match i % 5 {
            0 => raw(&kw, &["generate", &name]),
            1 => raw(&kw, &["rotate", "ROT"]),
            2 => raw(&kw, &["-e", "prod", "generate", &name]),
            3 => raw(
                &kw,
                &[
                    "-e",
                    "prod",
                    "import",
                    file.to_str().unwrap(),
                    "--format",
                    "dotenv",
                ],
            ),
            _ => raw(&kw, &["-e", "test", "access", "grant", &other_r]),
        };
        let mut child = cmd.spawn().unwrap();
        sleep(Duration::from_micros(rng.gen_range(0..25_000)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    for env in ["dev", "test", "prod"] {
        // every env opens, its chain verifies, and the next write is not blocked
        kw.cmd(["-e", env, "list"]).assert().success();
        kw.cmd(["-e", env, "audit", "verify"]).assert().success();
        kw.cmd(["-e", env, "generate", "AFTER"])
            .env("KEYWARD_LOCK_TIMEOUT", "0")
            .assert()
            .success();
        // old or new: every key has exactly the versions its events describe
        let list: serde_json::Value =
            serde_json::from_str(&kw.stdout(["-e", env, "list", "--json"])).unwrap();
        let count = |action: &str| {
            let v: serde_json::Value = serde_json::from_str(
                &kw.stdout(["-e", env, "audit", "--json", "--action", action]),
            )
            .unwrap();
            v.as_array().unwrap().len()
        };
        // an import is all or nothing: its keys come in pairs
        let imports = count("import");
        assert_eq!(imports % 2, 0, "half an import survived in {env}");
        assert_eq!(
            list["keys"].as_array().unwrap().len(),
            count("generate") + imports
        );
    }
    let rot: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "ROT", "--json"])).unwrap();
    let rotations: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "rotate"])).unwrap();
    assert_eq!(
        rot["versions"].as_array().unwrap().len(),
        1 + rotations.as_array().unwrap().len()
    );
    // no temp file left in the way
    let leftovers: Vec<_> = fs::read_dir(kw.vault().join("envs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".db.age") && !n.ends_with(".lock"))
        .collect();
    // a killed writer may leave its .tmp; it must not block anything (checked above)
    assert!(
        leftovers.iter().all(|n| n.ends_with(".db.age.tmp")),
        "{leftovers:?}"
    );
}

/// Run keyward with a file-size limit, as on a full disk: writes fail with EFBIG.
fn with_fsize_limit(kw: &Sandbox, args: &[&str], limit: u64) -> std::process::Output {
    let mut c = raw(kw, args);
    c.stdout(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

#[test]
fn full_disk_during_commit_leaves_file_intact_and_next_write_works() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("KEEP");
    let before = fs::read(kw.env_file("dev")).unwrap();
    let limit = before.len() as u64 / 2;
    let out = with_fsize_limit(&kw, &["generate", "NEW"], limit);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "a value was printed for an unsaved key"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert!(!kw.vault().join("envs/dev.db.age.tmp").exists());
    let out = with_fsize_limit(&kw, &["rotate", "KEEP"], limit);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert_eq!(kw.stdout(["get", "KEEP"]).trim_end(), v);
    kw.cmd(["generate", "NEW"]).assert().success();
}

#[test]
fn a_write_past_the_file_size_limit_fails_cleanly_instead_of_killing_keyward() {
    let kw = Sandbox::with_vault();
    kw.set("OLD_KEY", "old-value-that-must-survive-0123");
    // 8 values of 32 KiB of pseudo-random letters (small images are compressed, so
    // they must not compress much): the env file is well over 100 KiB, past
    // `ulimit -f 100` (100 blocks: 51,200 bytes in dash's 512-byte blocks, 102,400 in
    // 1 KiB ones).
    let mut dotenv = String::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..8 {
        let value: String = (0..32 * 1024)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (b'a' + ((x >> 33) % 26) as u8) as char
            })
            .collect();
        dotenv.push_str(&format!("BIG_{i}={value}\n"));
    }
    let file = kw.path("big.env");
    fs::write(&file, dotenv).unwrap();
    let before = fs::read(kw.env_file("dev")).unwrap();
    assert!((before.len() as u64) < 51_200, "the old env fits the limit");

    let out = under_shell(
        &kw,
        "ulimit -f 100",
        false,
        "import big.env --format dotenv",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a write error, not SIGXFSZ (exit 153 / signal): {:?} {stderr}",
        out.status
    );
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(
        !kw.path("vault/envs/dev.db.age.tmp").exists(),
        "the temp file is removed"
    );
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    let list = kw.stdout(["list"]);
    assert!(list.contains("OLD_KEY"), "{list}");
    assert!(!list.contains("BIG_0"), "{list}");
    assert_eq!(
        kw.stdout(["get", "OLD_KEY"]).trim_end(),
        "old-value-that-must-survive-0123"
    );
}

/// Start `generate NAME` stopped at the commit gate (`KEYWARD_TEST_COMMIT_GATE`, debug
/// builds): it waits at each stage until the test removes the stage's marker.
fn gated_generate(kw: &Sandbox, gate: &std::path::Path, name: &str) -> std::process::Child {
    gated(kw, gate, &["generate", name])
}

/// Start `args` stopped at the commit gate (see [`gated_generate`]).
fn gated(kw: &Sandbox, gate: &std::path::Path, args: &[&str]) -> std::process::Child {
    fs::create_dir_all(gate).unwrap();
    let mut c = kw.std_cmd(args);
    c.env("KEYWARD_TEST_COMMIT_GATE", gate)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

/// Wait until the writer stands at `stage`, optionally signal it, and let it go on.
fn at_stage(child: &std::process::Child, gate: &std::path::Path, stage: &str, sig: Option<i32>) {
    let marker = gate.join(stage);
    crate::support::wait_for(&format!("the writer at `{stage}`"), || marker.exists());
    if let Some(sig) = sig {
        // SAFETY (test): signals a child this test started and has not reaped.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
    }
    fs::remove_file(&marker).unwrap();
}

fn leftovers(kw: &Sandbox) -> Vec<String> {
    fs::read_dir(kw.vault().join("envs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".db.age") && !n.ends_with(".lock"))
        .collect()
}

#[test]
fn a_terminating_signal_before_the_commit_point_cancels_the_write_and_leaves_nothing() {
    use std::os::unix::process::ExitStatusExt;
    let kw = Sandbox::with_vault();
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let gate = kw.path(&format!("gate-{sig}"));
        let name = format!("CANCELLED_{sig}");
        let child = gated_generate(&kw, &gate, &name);
        // The encrypted temp file is complete and synced; the rename is next.
        at_stage(&child, &gate, "written", Some(sig));
        let out = child.wait_with_output().unwrap();
        // Ended by the signal itself (128+N to a shell), and nothing was printed.
        assert_eq!(out.status.signal(), Some(sig), "{out:?}");
        assert!(out.stdout.is_empty());
        // Nothing changed, and no temp file is left behind.
        kw.cmd(["get", &name]).assert().code(3);
        assert!(leftovers(&kw).is_empty(), "{:?}", leftovers(&kw));
    }
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn a_terminating_signal_after_the_commit_point_lets_the_write_finish_and_say_so() {
    let kw = Sandbox::with_vault();
    let gate = kw.path("gate");
    let child = gated_generate(&kw, &gate, "COMMITTED");
    at_stage(&child, &gate, "written", None);
    // The new file is in place: the signal waits until the command has finished.
    at_stage(&child, &gate, "renamed", Some(libc::SIGTERM));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.trim(), kw.stdout(["get", "COMMITTED"]).trim());
    assert!(printed.starts_with("kw_dev_"), "{printed}");
    // The pins moved with the file: the next read on this machine is not "ahead".
    kw.cmd(["get", "COMMITTED"])
        .assert()
        .success()
        .stderr(predicates::str::is_empty());
    assert!(leftovers(&kw).is_empty(), "{:?}", leftovers(&kw));
}

#[test]
fn a_directory_in_place_of_the_temp_file_is_exit_6_naming_it() {
    let kw = Sandbox::with_vault();
    let tmp = kw.vault().join("envs/dev.db.age.tmp");
    fs::create_dir(&tmp).unwrap();
    kw.cmd(["generate", "BLOCKED"])
        .assert()
        .code(6)
        .stderr(contains("dev.db.age.tmp"))
        .stderr(contains("not a regular file"));
    kw.cmd(["get", "BLOCKED"]).assert().code(3);
    fs::remove_dir(&tmp).unwrap();
    kw.cmd(["generate", "BLOCKED"]).assert().success();
}

/// The lock binds keyward's writers only: a `git pull` may bring a teammate's
/// environment of the same name while `env add` writes its own. The new file is
/// written only where no file is, never over one put there meanwhile.
#[test]
fn env_add_does_not_write_over_an_environment_put_in_place_meanwhile() {
    let (kw, token) = crate::support::token::vault_with_granted_token();
    let card = crate::support::token::card(&token);
    let recipient = card.split(':').nth(1).unwrap().to_owned();
    // The teammate's `staging`, pulled while this machine's is encrypted (the plugin
    // recipient's wrap is the moment).
    let pulled = kw.path("pulled.db.age");
    fs::copy(kw.env_file("dev"), &pulled).unwrap();
    let bytes = fs::read(&pulled).unwrap();
    let out = kw
        .cmd(["env", "add", "staging", "--recipient", &recipient])
        .env("AGE_PLUGIN_KWTEST_PLANT", &pulled)
        .env("AGE_PLUGIN_KWTEST_PLANT_AT", kw.env_file("staging"))
        .env("AGE_PLUGIN_KWTEST_PLANT_WHEN", "wrap")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!pulled.exists(), "the plugin planted the file: {err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("environment `staging` already exists"),
        "{err}"
    );
    assert_eq!(
        fs::read(kw.env_file("staging")).unwrap(),
        bytes,
        "the file put in place stays as it was"
    );
}

/// A file another program puts in place is checked for at the commit point itself, in
/// the rename (`renameat2`): one put there after this write's file was encrypted, an
/// instant before the rename, is not written over, and neither is an environment of
/// the same name pulled while `env add` wrote its own.
#[test]
fn a_file_put_in_place_just_before_the_rename_is_not_written_over() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "A"]).assert().success();
    let file = kw.env_file("dev");
    let base = fs::read(&file).unwrap();
    // A teammate's newer state, to be pulled in mid-write.
    kw.cmd(["generate", "NEWK"])
        .env("XDG_STATE_HOME", kw.path("state-teammate"))
        .assert()
        .success();
    let newer = fs::read(&file).unwrap();
    fs::write(&file, &base).unwrap();
    let staging = kw.vault().join("envs").join("staging.db.age");
    for (args, path, bytes, said) in [
        (
            &["generate", "B"][..],
            &file,
            &newer,
            "was replaced while this command changed `dev`",
        ),
        (
            &["env", "add", "staging"][..],
            &staging,
            &base,
            "environment `staging` already exists",
        ),
    ] {
        let gate = kw.path("gate");
        let mut child = gated(&kw, &gate, args);
        let written = gate.join("written");
        crate::support::wait_for("the writer at `written`", || written.exists());
        // The pull: another file renamed into place.
        let pulled = kw.path("pulled");
        fs::write(&pulled, bytes).unwrap();
        fs::rename(&pulled, path).unwrap();
        fs::remove_file(&written).unwrap();
        let renamed = gate.join("renamed");
        crate::support::wait_for("the writer to end", || {
            let _ = fs::remove_file(&renamed);
            child.try_wait().unwrap().is_some()
        });
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert_eq!(&fs::read(path).unwrap(), bytes, "{args:?}: written over");
        assert_eq!(leftovers(&kw), Vec::<String>::new(), "{args:?}");
    }
    kw.cmd(["get", "NEWK"]).assert().success();
}
