//! Hardening of identities, passphrase sources and the process itself (issue 13): a
//! secret key is recognised however it was pasted and never echoed; passphrase sources
//! that cannot unlock are exit 5; a write past `ulimit -f` is an error, not a kill; the
//! agent locks only its identity's pages and says so when it cannot.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::secrecy::{ExposeSecret, SecretString};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::{Sandbox, contains as bytes_contain};

/// Assert that stderr holds neither `key` nor its lower-case form.
fn assert_not_echoed(stderr: &[u8], key: &str) {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.contains(key), "the key was echoed: {text}");
    assert!(
        !text.contains(&key.to_lowercase()),
        "the key was echoed in lower case: {text}"
    );
    // no run of its body either (a message that truncates the value still leaks it)
    let body = &key[16..46];
    assert!(
        !text.to_uppercase().contains(body),
        "part of the key was echoed: {text}"
    );
}

// ------------------------------------------------------------------ literal identities

#[test]
fn a_secret_key_is_accepted_in_every_form_it_is_pasted_in_and_never_echoed() {
    let kw = Sandbox::with_vault();
    let key = kw.literal_identity();
    let whole_file = fs::read_to_string(kw.identity.as_ref().unwrap()).unwrap();
    assert!(whole_file.starts_with('#'), "the file has a comment line");
    let forms = [
        ("the whole identity file", whole_file.clone()),
        ("single quotes", format!("'{key}'")),
        ("double quotes", format!("\"{key}\"")),
        ("surrounding whitespace", format!("\n  {key} \n")),
        ("lower case", key.to_lowercase()),
        ("lower case file", whole_file.to_lowercase()),
    ];
    for (what, value) in forms {
        let out = kw
            .cmd(["identity", "show"])
            .env("KEYWARD_IDENTITY", &value)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim_end(),
            kw.my_recipient(),
            "{what}"
        );
        assert_not_echoed(&out.stderr, &key);
        // and it opens the vault
        let out = kw
            .cmd(["list"])
            .env("KEYWARD_IDENTITY", &value)
            .output()
            .unwrap();
        assert!(out.status.success(), "{what}: list");
        assert_not_echoed(&out.stderr, &key);
    }
}

#[test]
fn an_invalid_secret_key_is_refused_with_exit_5_without_echoing_it() {
    let kw = Sandbox::with_vault();
    let key = kw.literal_identity();
    // one changed character: the bech32 checksum fails
    let mut broken = key.clone();
    let last = broken.pop().unwrap();
    broken.push(if last == 'Q' { 'P' } else { 'Q' });
    let mixed_case = format!("{}{}", &key[..30], key[30..].to_lowercase());
    for value in [
        broken.clone(),
        broken.to_lowercase(),
        format!("# pasted\n'{broken}'\n"),
        mixed_case.clone(),
    ] {
        let out = kw
            .cmd(["list"])
            .env("KEYWARD_IDENTITY", &value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("looks like a secret key but is not valid"),
            "{stderr}"
        );
        assert_not_echoed(&out.stderr, &broken);
        assert_not_echoed(&out.stderr, &mixed_case);
    }
}

#[test]
fn a_plugin_identity_or_ssh_key_text_is_refused_without_echoing_it() {
    let kw = Sandbox::with_vault();
    let plugin = "AGE-PLUGIN-YUBIKEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGP";
    let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
    for (value, says, secret) in [
        (plugin, "plugin identity", &plugin[11..50]),
        (ssh, "private key's text", &ssh[40..80]),
    ] {
        let out = kw
            .cmd(["list"])
            .env("KEYWARD_IDENTITY", value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains(secret), "{stderr}");
        assert!(!stderr.to_lowercase().contains(&secret.to_lowercase()));
    }
}

#[test]
fn a_secret_key_in_argv_is_refused_in_any_form_without_echoing_it() {
    let kw = Sandbox::with_vault();
    let key = kw.literal_identity();
    let mut broken = key.clone();
    broken.pop();
    broken.push('Q');
    for value in [
        key.clone(),
        key.to_lowercase(),
        format!("'{key}'"),
        broken.clone(),
    ] {
        let out = kw.cmd(["-i", &value, "list"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("refusing a secret key on the command line"));
        assert_not_echoed(&out.stderr, &key);
        assert_not_echoed(&out.stderr, &broken);
    }
}

// ------------------------------------------------------------------ passphrase sources

const PASS: &str = "hardening passphrase 7d1c";

/// A passphrase-protected identity with a tiny scrypt work factor (so the tests that do
/// unlock cost milliseconds, not a second), 0600. Returns its path and recipient.
fn cheap_protected_identity(kw: &Sandbox, name: &str) -> (PathBuf, String) {
    let id = age::x25519::Identity::generate();
    let mut r = age::scrypt::Recipient::new(SecretString::from(PASS.to_owned()));
    r.set_work_factor(10);
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = e.wrap_output(armor).unwrap();
    std::io::Write::write_all(
        &mut w,
        format!("{}\n", id.to_string().expose_secret()).as_bytes(),
    )
    .unwrap();
    w.finish().unwrap().finish().unwrap();
    let path = kw.path(name);
    fs::write(&path, out).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    (path, id.to_public().to_string())
}

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
    let (id, recipient) = cheap_protected_identity(&kw, "id.age");
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
    let (id, _) = cheap_protected_identity(&kw, "id.age");
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
    let (id, _) = cheap_protected_identity(&kw, "id.age");
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
    let (id, _) = cheap_protected_identity(&kw, "id.age");
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

#[test]
fn an_empty_passphrase_variable_exits_5_with_a_clear_message() {
    let kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age");
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

// ------------------------------------------------------------------ process hygiene

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

// ------------------------------------------------------------------ the agent's memory

/// A sandbox whose vault is encrypted to a cheap passphrase-protected identity in
/// `KEYWARD_IDENTITY`, with a passphrase file for `unlock`; stops its agent on drop.
struct AgentBox {
    kw: Sandbox,
    pass_file: PathBuf,
}

impl Drop for AgentBox {
    fn drop(&mut self) {
        let _ = self.kw.cmd(["lock"]).output();
    }
}

fn agent_box() -> AgentBox {
    let mut kw = Sandbox::new();
    let (id, _) = cheap_protected_identity(&kw, "id.age");
    let pass_file = kw.path("pass.txt");
    fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    fs::set_permissions(&pass_file, fs::Permissions::from_mode(0o600)).unwrap();
    kw.set_env("KEYWARD_IDENTITY", id.to_str().unwrap());
    kw.cmd(["init"])
        .env("KEYWARD_PASSPHRASE_FILE", &pass_file)
        .assert()
        .success();
    AgentBox { kw, pass_file }
}

/// `keyward ARGS` run by `sh -c "PREFIX; exec keyward ARGS"` with the sandbox
/// environment, optionally wrapped in `setpriv` to drop CAP_IPC_LOCK (root ignores
/// RLIMIT_MEMLOCK otherwise).
fn under_shell(
    kw: &Sandbox,
    prefix: &str,
    drop_ipc_lock: bool,
    args: &str,
) -> std::process::Output {
    let mut c = if drop_ipc_lock && is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock", "sh"]);
        c
    } else {
        std::process::Command::new("sh")
    };
    kw.apply_env(&mut c);
    c.current_dir(kw.dir.path())
        .arg("-c")
        .arg(format!("{prefix}; exec \"$0\" {args}"))
        .arg(env!("CARGO_BIN_EXE_keyward"))
        .output()
        .unwrap()
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
}

fn agent_status(kw: &Sandbox) -> String {
    let dir = kw.path("run/keyward");
    let sock = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
        .expect("an agent socket");
    for e in fs::read_dir("/proc").unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        if let Ok(cmdline) = fs::read(e.path().join("cmdline"))
            && bytes_contain(&cmdline, b"__agent")
            && bytes_contain(&cmdline, sock.to_string_lossy().as_bytes())
        {
            let mut s = String::new();
            fs::File::open(e.path().join("status"))
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            return s;
        }
    }
    panic!("no agent process for {}", sock.display());
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
    let ab = agent_box();
    let kw = &ab.kw;
    kw.cmd(["unlock"])
        .env("KEYWARD_PASSPHRASE_FILE", &ab.pass_file)
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
    let ab = agent_box();
    let kw = &ab.kw;
    let out = under_shell(
        kw,
        &format!(
            "ulimit -l 0; export KEYWARD_PASSPHRASE_FILE='{}'",
            ab.pass_file.display()
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
