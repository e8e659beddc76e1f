//! `keyward lock` reaches and ends the agent, whatever else is going on (a hostile
//! review): a client that trickles its request holds neither `lock`, the idle time nor
//! other commands; racing `unlock`s leave one agent, never one out of `lock`'s reach;
//! a loose mode on our own agent directory is repaired, not fatal; an identity given as
//! text never makes `lock` silent while agents run.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use predicates::str::contains;

use crate::support::{
    Sandbox, cheap_protected_vault, contains as bytes_contain, process_gone, wait_for,
};

const PASS: &str = "agent-stop passphrase";

/// Stops the sandbox's agents on drop, so a failed test leaves no process behind.
struct AgentGuard<'a>(&'a Sandbox);

impl Drop for AgentGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.cmd(["lock", "--all"]).output();
    }
}

/// A vault of a cheap passphrase-protected identity, a key `K` in it, and its agent
/// started for `dur`. The value of `K`.
fn unlocked(dur: &str) -> (Sandbox, String) {
    let kw = cheap_protected_vault(PASS);
    let value = "value-of-k-0123456789".to_owned();
    kw.cmd(["set", "K"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .write_stdin(value.clone())
        .assert()
        .success();
    kw.cmd(["unlock", "--for", dur])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    (kw, value)
}

fn socket(kw: &Sandbox) -> PathBuf {
    fs::read_dir(kw.path("run/keyward"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
        .expect("the agent's socket")
}

/// The pids of the agents serving sockets under `dir`.
fn agents_in(dir: &Path) -> Vec<i32> {
    let mut out = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmdline) = fs::read(e.path().join("cmdline"))
            && bytes_contain(&cmdline, b"__agent")
            && bytes_contain(&cmdline, dir.to_string_lossy().as_bytes())
            && !process_gone(pid)
        {
            out.push(pid);
        }
    }
    out
}

/// A client that connects to `sock` and sends its request a byte at a time, a byte
/// every 200 ms (each read of the agent gets one, so a timeout per read never fires),
/// until told to stop or the agent drops it.
struct Trickler(Arc<AtomicBool>);

impl Trickler {
    fn start(sock: &Path) -> Trickler {
        let mut stream = UnixStream::connect(sock).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) && stream.write_all(b" ").is_ok() {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        Trickler(stop)
    }
}

impl Drop for Trickler {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_trickling_client_holds_neither_other_commands_nor_lock() {
    let (kw, value) = unlocked("10m");
    let _guard = AgentGuard(&kw);
    let sock = socket(&kw);
    let pids = agents_in(&kw.path("run"));
    assert_eq!(pids.len(), 1);
    let _slow = Trickler::start(&sock);
    // No passphrase here: the value comes through the agent, not a fallback.
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stdout(format!("{value}\n"));
    let _slower = Trickler::start(&sock);
    kw.cmd(["lock"])
        .assert()
        .success()
        .stderr(contains("stopped the agent"));
    assert!(process_gone(pids[0]), "`lock` said stopped; the agent runs");
    assert!(!sock.exists());
}

#[test]
fn the_idle_time_ends_an_agent_a_trickling_client_holds() {
    let (kw, _) = unlocked("3s");
    let _guard = AgentGuard(&kw);
    let pids = agents_in(&kw.path("run"));
    assert_eq!(pids.len(), 1);
    let _slow = Trickler::start(&socket(&kw));
    wait_for("the idle agent to end", || process_gone(pids[0]));
}

/// An agent that starts on a socket another agent serves gives way (exit 0) and leaves
/// the socket alone: it used to remove it and bind its own, leaving the first agent
/// running, holding its identity, where no `lock` could reach it.
#[test]
fn a_second_agent_on_a_served_socket_gives_way_and_lock_ends_the_first() {
    let (kw, _) = unlocked("10m");
    let _guard = AgentGuard(&kw);
    let sock = socket(&kw);
    let first = agents_in(&kw.path("run"));
    assert_eq!(first.len(), 1);
    let other = age::x25519::Identity::generate();
    let payload = format!(
        "keyward-agent-v2\nkind:x25519\n\n{}\n",
        age::secrecy::ExposeSecret::expose_secret(&other.to_string())
    );
    let mut second = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .env_clear()
            .args(["__agent", "--socket"])
            .arg(&sock)
            .args(["--identity-path", "/nowhere", "--idle-secs", "600"])
            .args(["--identity-digest", "0"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    second
        .0
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let mut status = None;
    wait_for("the second agent to give way", || {
        status = second.0.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success());
    kw.cmd(["lock"]).assert().success();
    wait_for("the first agent to end", || process_gone(first[0]));
    assert!(agents_in(&kw.path("run")).is_empty());
}

/// Kills a process this test started, should the test fail before it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn racing_unlocks_leave_no_agent_that_lock_cannot_reach() {
    let kw = cheap_protected_vault(PASS);
    let _guard = AgentGuard(&kw);
    for _ in 0..3 {
        crate::support::concurrently(
            &kw,
            6,
            &format!("KEYWARD_PASSPHRASE='{PASS}' \"$KW\" unlock --for 8h"),
        );
        // At once, as a script would: an `unlock` returns only once its own agent gave
        // way (a third review: one that had not yet could take the place of the agent
        // `lock` stopped, and serve for 8 h).
        kw.cmd(["lock"]).assert().success();
        wait_for("every agent to end", || {
            agents_in(&kw.path("run")).is_empty()
        });
    }
}

/// Our own agent directory at 0755 (a `chmod` by hand): every command, `lock` too,
/// failed with exit 5 and a hint (`keyward lock`) that failed the same way. It is ours:
/// put back to 0700, and the agent used and stopped.
#[test]
fn a_loose_mode_on_our_own_agent_directory_is_repaired_not_fatal() {
    let (kw, value) = unlocked("10m");
    let _guard = AgentGuard(&kw);
    let pids = agents_in(&kw.path("run"));
    let dir = kw.path("run/keyward");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stdout(format!("{value}\n"));
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
    kw.cmd(["lock"])
        .assert()
        .success()
        .stderr(contains("stopped the agent"));
    wait_for("the agent to end", || process_gone(pids[0]));
}

#[test]
fn lock_with_an_identity_given_as_text_says_which_agents_still_run() {
    let (kw, _) = unlocked("10m");
    let _guard = AgentGuard(&kw);
    let other = age::x25519::Identity::generate();
    kw.cmd(["lock"])
        .env(
            "KEYWARD_IDENTITY",
            age::secrecy::ExposeSecret::expose_secret(&other.to_string()),
        )
        .assert()
        .success()
        .stderr(contains("1 agent(s) of yours run"))
        .stderr(contains("keyward lock --all"));
    assert_eq!(agents_in(&kw.path("run")).len(), 1);
}
