//! The unlock agent: one passphrase, many commands; lock, expiry, stale and untrusted
//! sockets; the identity never leaves the agent.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, contains as bytes_contain, process_gone, wait_for};

const PASS: &str = "agent test passphrase";

/// A sandbox with a passphrase-protected default identity; stops its agent on drop.
struct Locked(Sandbox);

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = self.0.cmd(["lock"]).output();
    }
}

fn protected() -> Locked {
    let kw = Sandbox::new();
    kw.cmd(["init"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    Locked(kw)
}

fn socket(kw: &Sandbox) -> Option<PathBuf> {
    let dir = kw.path("run/keyward");
    fs::read_dir(dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
}

fn agent_pid(sock: &std::path::Path) -> Option<i32> {
    for e in fs::read_dir("/proc").ok()? {
        let e = e.ok()?;
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmdline) = fs::read(e.path().join("cmdline"))
            && bytes_contain(&cmdline, b"__agent")
            && bytes_contain(&cmdline, sock.to_string_lossy().as_bytes())
        {
            return Some(pid);
        }
    }
    None
}

#[test]
fn one_unlock_serves_many_commands_until_lock() {
    let guard = protected();
    let kw = &guard.0;
    // without an agent and without a passphrase: exit 5 at once
    kw.cmd(["list"]).assert().code(5);
    kw.cmd(["unlock", "--for", "10m"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    let v = kw.generate("K");
    assert_eq!(kw.stdout(["get", "K"]).trim_end(), v);
    kw.stdout(["list"]);
    kw.stdout(["-e", "prod", "generate", "P"]);
    kw.cmd(["identity", "show"])
        .assert()
        .success()
        .stderr(contains("agent"));
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev[0]["actor"]["via"], "agent");
    // unlock again extends without asking
    kw.cmd(["unlock", "--for", "1h"]).assert().success();
    // the identity is in no file, and the protocol does not give it out
    for (p, bytes) in kw.plaintext_files() {
        assert!(
            !bytes_contain(&bytes, b"AGE-SECRET-KEY-"),
            "{}",
            p.display()
        );
    }
    let sock = socket(kw).expect("agent socket");
    for req in [
        "{\"op\":\"hello\"}\n",
        "{\"op\":\"identity\"}\n",
        "{\"op\":\"unwrap\",\"stanzas\":[]}\n",
        "garbage\n",
    ] {
        let mut s = UnixStream::connect(&sock).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut reply = String::new();
        BufReader::new(&s).read_line(&mut reply).unwrap();
        assert!(!reply.contains("AGE-SECRET-KEY"), "{reply}");
    }
    kw.cmd(["lock"])
        .assert()
        .success()
        .stderr(contains("stopped"));
    assert!(socket(kw).is_none(), "socket left behind");
    kw.cmd(["get", "K"]).assert().code(5).stdout("");
    kw.cmd(["lock"]).assert().success();
}

#[test]
fn agent_ends_after_its_idle_time() {
    let guard = protected();
    let kw = &guard.0;
    // The idle time is a real timer in the agent process: poll for its end (bounded)
    // instead of sleeping past it.
    kw.cmd(["unlock", "--for", "5s"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    let sock = socket(kw).expect("agent socket");
    let pid = agent_pid(&sock).expect("agent process");
    kw.cmd(["list"]).assert().success();
    wait_for("the agent to end after its idle time", || process_gone(pid));
    assert!(socket(kw).is_none(), "socket left behind");
    kw.cmd(["list"]).assert().code(5);
}

#[test]
fn untrusted_and_stale_sockets_are_never_used() {
    let guard = protected();
    let kw = &guard.0;
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    let sock = socket(kw).unwrap();
    assert_eq!(
        fs::metadata(&sock).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let dir = sock.parent().unwrap().to_owned();
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    // a socket others could reach is refused, loudly
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o666)).unwrap();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("refusing to trust"));
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["list"]).assert().code(5).stderr(contains("0700"));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    kw.cmd(["list"]).assert().success();

    // an agent killed with SIGKILL leaves a stale socket: it is removed, not trusted
    let pid = agent_pid(&sock).expect("agent process");
    // SAFETY: killing the agent process this test started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    wait_for("the killed agent to be gone", || process_gone(pid));
    assert!(sock.exists());
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("no terminal"));
    assert!(!sock.exists(), "stale socket kept");
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success();
}

#[test]
fn unlock_needs_a_protected_identity_and_a_passphrase() {
    let kw = Sandbox::with_vault();
    kw.cmd(["unlock"])
        .assert()
        .code(1)
        .stderr(contains("nothing to unlock"));
    kw.cmd(["lock"]).assert().success();
    let fresh = Sandbox::new();
    fresh.cmd(["unlock"]).assert().code(5);
    fresh.cmd(["unlock", "--for", "forever"]).assert().code(2);
}

#[test]
fn wrong_passphrase_starts_no_agent() {
    let guard = protected();
    let kw = &guard.0;
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", "not it")
        .assert()
        .code(5)
        .stderr(contains("wrong passphrase").and(contains("not it").not()));
    assert!(socket(kw).is_none());
}

#[test]
fn agent_is_not_used_once_the_identity_file_changes() {
    let guard = protected();
    let kw = &guard.0;
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success();
    // the identity file is replaced (here: a byte appended): the old agent is ignored
    let id = kw.path("config/keyward/identity.age");
    let mut bytes = fs::read(&id).unwrap();
    bytes.push(b'\n');
    fs::write(&id, bytes).unwrap();
    kw.cmd(["list"]).assert().code(5);
    // unlocking again replaces the old agent
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success();
}
