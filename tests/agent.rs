//! The unlock agent (DESIGN §3): one passphrase, many commands; `unlock` never shortens
//! a running agent; `lock`, the idle time, stale and untrusted sockets; the identity
//! never leaves the agent, whose memory lock covers only the identity's pages.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::{
    Sandbox, cheap_protected_vault, contains as bytes_contain, process_gone, under_shell, wait_for,
};

const PASS: &str = "agent test passphrase";

/// Stops the sandbox's agent on drop, so a failed test leaves no process behind.
struct AgentGuard<'a>(&'a Sandbox);

impl Drop for AgentGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.cmd(["lock"]).output();
    }
}

/// A sandbox with a passphrase-protected default identity (made by `init`).
fn protected() -> Sandbox {
    let kw = Sandbox::new();
    kw.cmd(["init"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw
}

/// A 0600 file holding `PASS`, for `KEYWARD_PASSPHRASE_FILE`.
fn pass_file(kw: &Sandbox) -> PathBuf {
    let path = kw.path("pass.txt");
    fs::write(&path, format!("{PASS}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// The agent's socket, if one is there.
fn socket(kw: &Sandbox) -> Option<PathBuf> {
    let dir = kw.path("run/keyward");
    fs::read_dir(dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
}

/// The pid of the agent listening on `sock`.
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
    let kw = &protected();
    let _agent = AgentGuard(kw);
    // without an agent and without a passphrase: exit 5 at once
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("a passphrase is needed to unlock"));
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
    // DESIGN §15: the agent signs the writes with the key derived from the identity it
    // holds (the key never leaves it): the card it gives is the key bound here, and
    // the history checks.
    let card = kw.stdout(["identity", "show"]);
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["access", "list", "--json", "-e", "prod"])).unwrap();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["you"] == true)
        .unwrap();
    let key = mine["signing_key"].as_str().unwrap();
    assert!(card.contains(&format!(":{key}:")), "{card} {key}");
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
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
    kw.cmd(["get", "K"])
        .assert()
        .code(5)
        .stderr(contains("a passphrase is needed to unlock"))
        .stdout("");
    kw.cmd(["lock"]).assert().success();
}

#[test]
fn agent_ends_after_its_idle_time() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
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
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("a passphrase is needed to unlock"));
}

#[test]
fn untrusted_and_stale_sockets_are_never_used() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
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
    // our own directory with a loose mode is put back to 0700, not refused (see
    // agent_stop.rs)
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["list"]).assert().success();
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

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
    fresh
        .cmd(["unlock"])
        .assert()
        .code(5)
        .stderr(contains("no identity: no identity at"));
    fresh
        .cmd(["unlock", "--for", "forever"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'forever' for '--for <DUR>': invalid duration `forever`",
        ));
}

#[test]
fn wrong_passphrase_starts_no_agent() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", "not it")
        .assert()
        .code(5)
        .stderr(contains("wrong passphrase").and(contains("not it").not()));
    assert!(socket(kw).is_none());
}

#[test]
fn agent_is_not_used_once_the_identity_file_changes() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
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
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("a passphrase is needed to unlock"));
    // unlocking again replaces the old agent
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw.cmd(["list"]).assert().success();
}

/// The running agent's idle duration in seconds, as it reports it over its socket.
fn agent_idle_secs(kw: &Sandbox) -> u64 {
    let sock = socket(kw).expect("an agent socket");
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"{\"op\":\"hello\"}\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&s).read_line(&mut reply).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    reply["idle_secs"].as_u64().expect("idle_secs in hello")
}

#[test]
fn a_plain_unlock_never_shortens_a_running_agent() {
    let kw = cheap_protected_vault(PASS);
    let _agent = AgentGuard(&kw);
    kw.cmd(["unlock", "--for", "8h"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // the habitual `unlock` (default 15m) keeps the 8h, and asks nothing
    let out = kw.cmd(["unlock"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("keeps its longer time: it ends after 8h"),
        "{err}"
    );
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // an explicitly shorter --for does not shorten it either
    kw.cmd(["unlock", "--for", "5m"]).assert().success();
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // a longer one extends
    let out = kw.cmd(["unlock", "--for", "1d"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("now ends after 1d without use"), "{err}");
    assert_eq!(agent_idle_secs(&kw), 24 * 3600);

    // and the agent still serves
    kw.generate("K");
}

/// The hint for an untrusted agent socket is `keyward lock`: it must not fail the same
/// way. A socket others could reach, in our own 0700 directory, is removed unheard.
#[test]
fn lock_clears_an_untrusted_agent_socket_that_the_hint_points_at() {
    use sha2::Digest;
    use std::os::unix::fs::PermissionsExt;
    let kw = Sandbox::with_vault();
    let id = fs::canonicalize(kw.identity.as_ref().unwrap()).unwrap();
    let digest = sha2::Sha256::digest(id.as_os_str().as_encoded_bytes());
    let dir = kw.path("run/keyward");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let sock = dir.join(format!("agent-{}.sock", hex::encode(&digest[..8])));
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o666)).unwrap();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("refusing to trust"))
        .stderr(contains("`keyward lock`"));
    kw.cmd(["lock"]).assert().success();
    assert!(!sock.exists(), "lock left the untrusted socket");
    kw.cmd(["list"]).assert().success();
}

/// Without XDG_RUNTIME_DIR the agent's directory is `/tmp/keyward-<uid>`, which another
/// local user may make first, with a file named like the agent's socket in it (a hostile
/// review): every command of a plain identity failed, exit 5, and `lock` too. A
/// directory another user owns holds no agent of ours: ignored, never connected to.
#[test]
fn an_agent_directory_another_user_made_is_ignored_not_fatal() {
    use sha2::Digest;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::fs::PermissionsExt;
    let kw = Sandbox::with_vault();
    if fs::metadata(kw.path("")).unwrap().uid() != 0 {
        eprintln!("note: not root, cannot make a directory another user owns; skipped");
        return;
    }
    let id = fs::canonicalize(kw.identity.as_ref().unwrap()).unwrap();
    let digest = sha2::Sha256::digest(id.as_os_str().as_encoded_bytes());
    let dir = kw.path("run/keyward");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join(format!("agent-{}.sock", hex::encode(&digest[..8]))),
        "",
    )
    .unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    kw.set("A", "value-a");
    assert_eq!(kw.stdout(["get", "A"]).trim(), "value-a");
    kw.cmd(["lock"]).assert().success();
}

/// `/proc/PID/status` of the running agent.
fn agent_status(kw: &Sandbox) -> String {
    let sock = socket(kw).expect("an agent socket");
    let pid = agent_pid(&sock).unwrap_or_else(|| panic!("no agent process for {}", sock.display()));
    fs::read_to_string(format!("/proc/{pid}/status")).unwrap()
}

fn status_kb(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in status"))
}

#[test]
fn the_agent_locks_only_its_identity_pages() {
    let kw = &cheap_protected_vault(PASS);
    let _agent = AgentGuard(kw);
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE_FILE", pass_file(kw))
        .assert()
        .success()
        .stderr(contains("could not lock").not());
    let status = agent_status(kw);
    let locked = status_kb(&status, "VmLck:");
    // the key's buffer and the identity: a page or two, not the whole process
    // (mlockall locked every mapping: megabytes)
    assert!(locked > 0, "the identity's pages are locked: {status}");
    assert!(
        locked <= 64,
        "only the identity's pages are locked: {locked} kB"
    );
    // and it serves
    let v = kw.generate("K");
    assert_eq!(kw.stdout(["get", "K"]).trim_end(), v);
}

#[test]
fn an_agent_that_may_not_lock_memory_still_runs_and_says_so() {
    let kw = &cheap_protected_vault(PASS);
    let _agent = AgentGuard(kw);
    let out = under_shell(
        kw,
        &format!(
            "ulimit -l 0; export KEYWARD_PASSPHRASE_FILE='{}'",
            pass_file(kw).display()
        ),
        true,
        "unlock",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: the agent could not lock the identity's memory"),
        "{stderr}"
    );
    let status = agent_status(kw);
    assert_eq!(status_kb(&status, "VmLck:"), 0);
    // it serves every command without a passphrase
    let v = kw.generate("K");
    assert_eq!(kw.stdout(["get", "K"]).trim_end(), v);
    kw.cmd(["identity", "show"])
        .assert()
        .success()
        .stderr(contains("agent"));
}

/// DESIGN §18: an SSH key with a passphrase joins the passphrase-protected identities —
/// `unlock` asks it once and the agent holds the key (not its passphrase).
#[test]
fn an_ssh_key_with_a_passphrase_is_unlocked_once_and_held_by_the_agent() {
    const SSH_PASS: &str = "kw-ssh-test-pass";
    let mut kw = Sandbox::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let key = kw.path("id_protected");
    fs::copy(fixtures.join("test_ed25519_protected"), &key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(key.clone());
    let _agent = AgentGuard(&kw);
    kw.cmd(["init", "--envs", "dev"])
        .env("KEYWARD_PASSPHRASE", SSH_PASS)
        .assert()
        .success();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("passphrase"));
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", "not it")
        .assert()
        .code(5)
        .stderr(contains("wrong passphrase"));
    assert!(socket(&kw).is_none());
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", SSH_PASS)
        .assert()
        .success()
        .stderr(contains("unlocked"));
    // Reads and signed writes, with no passphrase and no terminal.
    let v = kw.generate("K");
    assert_eq!(kw.stdout(["get", "K"]).trim_end(), v);
    kw.cmd(["set", "S"])
        .write_stdin("s-0123456789abcdef")
        .assert()
        .success();
    kw.cmd(["audit", "verify"]).assert().success();
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev[0]["actor"]["via"], "agent");
    kw.cmd(["identity", "show"])
        .assert()
        .success()
        .stdout(contains("ssh-ed25519"))
        .stderr(contains("the keyward agent"));
    // The key it holds is in no file, and no reply gives it out.
    for (p, bytes) in kw.plaintext_files() {
        assert!(
            !bytes_contain(&bytes, b"BEGIN OPENSSH PRIVATE KEY") || p == key,
            "{}",
            p.display()
        );
    }
    let sock = socket(&kw).unwrap();
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"{\"op\":\"hello\"}\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&s).read_line(&mut reply).unwrap();
    assert!(!reply.contains("OPENSSH"), "{reply}");
    kw.cmd(["lock"]).assert().success();
    kw.cmd(["get", "K"]).assert().code(5).stdout("");
    // An SSH key without a passphrase has nothing to unlock.
    let (plain, _) = crate::support::ssh_identity(&kw);
    kw.cmd_as(&plain, ["unlock"])
        .assert()
        .code(1)
        .stderr(contains("nothing to unlock"));
}

/// The agent's directory may have been made by someone else first (without
/// XDG_RUNTIME_DIR it is `/tmp/keyward-<uid>`, which any local user can create): a link
/// there is refused before anything is started, and what it points at is left as it
/// was — never made 0700, never holding a socket `lock` then refuses to reach.
#[test]
fn unlock_refuses_an_agent_directory_that_is_a_link_and_changes_nothing_through_it() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
    let victim = kw.path("victim-dir");
    fs::create_dir(&victim).unwrap();
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir_all(kw.path("run")).unwrap();
    std::os::unix::fs::symlink(&victim, kw.path("run/keyward")).unwrap();
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .code(5)
        .stderr(contains(
            "is a symbolic link; refusing to start an agent there",
        ));
    assert_eq!(
        fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 0, "no socket there");
}

/// An agent is found by the identity file it unlocked: after the file is moved, `lock`
/// does not claim that none runs, and `lock --all` stops it.
#[test]
fn lock_says_when_other_agents_run_and_lock_all_stops_them() {
    let kw = &protected();
    let _agent = AgentGuard(kw);
    let id = kw.path("id.age");
    fs::copy(kw.path("config/keyward/identity.age"), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    // Named relative to where keyward runs, as people type it.
    kw.cmd(["-i", "id.age", "unlock"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    let sock = socket(kw).expect("an agent");
    let pid = agent_pid(&sock).expect("agent process");
    fs::rename(&id, kw.path("id.retired")).unwrap();
    kw.cmd(["-i", "id.age", "lock"])
        .assert()
        .success()
        .stderr(contains("1 agent(s) of yours run for other identity files"))
        .stderr(contains("keyward lock --all"));
    assert!(!process_gone(pid), "not stopped by a lock that found none");
    kw.cmd(["lock", "--all"])
        .assert()
        .success()
        .stderr(contains("stopped 1 agent(s)"));
    wait_for("the agent to end", || process_gone(pid));
    kw.cmd(["lock", "--all"])
        .assert()
        .success()
        .stderr(contains("no agent was running"));
}
