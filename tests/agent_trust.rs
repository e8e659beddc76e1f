//! Whom a client of the agent trusts (DESIGN §3, §18): a runtime directory another
//! user could change is refused by `unlock` and `lock` and never used by commands; a
//! listener of another uid behind our own socket file is sent nothing; a reply is read
//! only up to its bound; something other than a socket at the socket's path is named,
//! never removed, and blocks no command.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::{Sandbox, cheap_protected_vault};

const PASS: &str = "agent trust passphrase";

/// Stops the sandbox's agent on drop (with its runtime directory made 0700 first), so a
/// failed test leaves no process behind.
struct AgentGuard<'a>(&'a Sandbox);

impl Drop for AgentGuard<'_> {
    fn drop(&mut self) {
        let _ = fs::set_permissions(self.0.path("run"), fs::Permissions::from_mode(0o700));
        let _ = self.0.cmd(["lock"]).output();
    }
}

/// The socket path of the agent for the sandbox's identity (`id.age`), with its 0700
/// directory made.
fn socket_path(kw: &Sandbox) -> PathBuf {
    use sha2::Digest;
    let id = fs::canonicalize(kw.path("id.age")).unwrap();
    let digest = sha2::Sha256::digest(id.as_os_str().as_encoded_bytes());
    let dir = kw.path("run/keyward");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(kw.path("run"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    dir.join(format!("agent-{}.sock", hex::encode(&digest[..8])))
}

/// Finding h10-1: another user able to rename entries in a world-writable runtime
/// directory swapped the agent's directory for one holding a fake agent, which then
/// received a hardware identity's file key. `unlock` refuses such a directory; with
/// the sticky bit (only an entry's owner may rename it) it is fine.
#[test]
fn unlock_refuses_a_runtime_directory_others_can_write_without_the_sticky_bit() {
    let kw = &cheap_protected_vault(PASS);
    let _agent = AgentGuard(kw);
    let run = kw.path("run");
    fs::create_dir_all(&run).unwrap();
    fs::set_permissions(&run, fs::Permissions::from_mode(0o777)).unwrap();
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .code(5)
        .stderr(contains(format!("XDG_RUNTIME_DIR `{}`", run.display())))
        .stderr(contains(
            "writable by group or others without the sticky bit (mode 0777)",
        ))
        .stderr(contains("hint: `chmod 700`"));
    // refused before the passphrase is asked for nothing
    kw.cmd(["unlock"])
        .assert()
        .code(5)
        .stderr(contains("without the sticky bit (mode 0777)"));
    assert!(!run.join("keyward").exists(), "an agent directory was made");
    // every other command goes on with the identity itself
    kw.cmd(["list"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();

    // sticky, as /tmp: fine
    fs::set_permissions(&run, fs::Permissions::from_mode(0o1777)).unwrap();
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success(); // through the agent: no passphrase given
}

/// An agent started in a sound runtime directory that later turns world-writable is no
/// longer used (no command sends it anything), and `lock` says why rather than "no
/// agent was running"; once the directory is fixed, `lock` stops it.
#[test]
fn an_agent_whose_runtime_directory_turns_world_writable_is_not_used_and_lock_says_why() {
    let kw = &cheap_protected_vault(PASS);
    let _agent = AgentGuard(kw);
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success(); // through the agent
    let run = kw.path("run");
    fs::set_permissions(&run, fs::Permissions::from_mode(0o777)).unwrap();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("a passphrase is needed to unlock"));
    kw.cmd(["lock"])
        .assert()
        .code(5)
        .stderr(contains("without the sticky bit (mode 0777)"))
        .stderr(contains("stopped").not());
    fs::set_permissions(&run, fs::Permissions::from_mode(0o700)).unwrap();
    kw.cmd(["list"]).assert().success(); // still running, reachable again
    kw.cmd(["lock"])
        .assert()
        .success()
        .stderr(contains("stopped the agent"));
}

/// The socket file is ours and 0600 in our 0700 directory, but the process listening
/// behind it runs as another uid (what a swapped directory gives): the client checks
/// the peer's uid (`SO_PEERCRED`) before it sends anything, and sends nothing. Needs
/// root, to have a process of another uid listen; skipped otherwise.
#[test]
fn a_listener_of_another_uid_behind_our_socket_file_is_sent_nothing() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let kw = &cheap_protected_vault(PASS);
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        eprintln!("note: not root, cannot have another uid listen; skipped");
        return;
    }
    let sock = socket_path(kw);
    let listener = UnixListener::bind(&sock).unwrap();
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o600)).unwrap();
    // The kernel records a listener's credentials at `listen`: a child running as uid
    // 65534 listens again on our socket (inherited until its exec) and leaves.
    let fd = listener.as_raw_fd();
    let mut child = std::process::Command::new("true");
    child.uid(65534).gid(65534);
    // SAFETY: the closure makes one system call (listen), async-signal-safe, on a
    // descriptor this process owns and keeps open.
    unsafe {
        child.pre_exec(move || {
            if libc::listen(fd, 16) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    match child.status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("note: cannot run a process as uid 65534 ({other:?}); skipped");
            return;
        }
    }
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("is served by a process of uid 65534"))
        .stderr(contains("nothing was sent to it"));
    // The client did connect (the check is on the connection), and sent not a byte.
    listener.set_nonblocking(true).unwrap();
    let (mut conn, _) = listener.accept().expect("the client connected");
    conn.set_nonblocking(false).unwrap();
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert!(
        got.is_empty(),
        "sent to another uid: {}",
        String::from_utf8_lossy(&got)
    );
}

/// A same-uid listener that answers without end (no agent of ours does): the client
/// reads at most its bound, treats it as no agent and goes on with the identity.
#[test]
fn an_endless_reply_is_cut_at_its_bound_and_the_command_goes_on() {
    let kw = &cheap_protected_vault(PASS);
    let sock = socket_path(kw);
    let listener = UnixListener::bind(&sock).unwrap();
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o600)).unwrap();
    let talker = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let block = [b' '; 64 * 1024];
        let mut sent = 0usize;
        // Until the client hangs up; never more than 64 MiB.
        while sent < 64 << 20 && conn.write_all(&block).is_ok() {
            sent += block.len();
        }
        sent
    });
    kw.cmd(["list"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let sent = talker.join().unwrap();
    assert!(sent < 64 << 20, "the client read all {sent} bytes");
}

/// Finding h10-2: a directory at the socket's path (a stray `mkdir`) failed every
/// command on the identity (exit 5, with `keyward lock` as the hint) and `lock` failed
/// too ("Is a directory"). No agent can listen there: commands go on with the identity;
/// `lock` and `unlock` say what it is and what to do, and leave it alone.
#[test]
fn a_directory_at_the_socket_path_blocks_no_command_and_lock_says_what_to_do() {
    let kw = &cheap_protected_vault(PASS);
    let _agent = AgentGuard(kw);
    let sock = socket_path(kw);
    fs::create_dir(&sock).unwrap();
    fs::write(sock.join("keep-me"), "x").unwrap();
    kw.cmd(["list"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    for cmd in [&["lock"][..], &["unlock"][..]] {
        kw.cmd(cmd)
            .env("KEYWARD_PASSPHRASE", PASS)
            .assert()
            .code(5)
            .stderr(contains(format!(
                "`{}` is a directory, not an agent socket",
                sock.display()
            )))
            .stderr(contains(format!(
                "hint: check what it is, remove it (`rmdir '{}'`)",
                sock.display()
            )));
    }
    assert!(sock.join("keep-me").exists(), "the directory was touched");
    fs::remove_dir_all(&sock).unwrap();
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success(); // through the agent
}
