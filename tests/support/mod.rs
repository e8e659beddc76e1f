//! `Sandbox`: an isolated home for one test. Every path keyward may touch (`HOME`,
//! `XDG_*`, the vault) points inside a temp dir, and inherited `KEYWARD_*` variables are
//! removed, so tests never see the developer's real vault or each other's.
//!
//! The one copy of each helper the test modules share: `image` (env files as age and
//! SQLite see them), `read` (what keyward printed, parsed), `setup` (identities and
//! vaults in a given state), `git` (real git, isolated), `team` (clones sharing a vault),
//! `pty` (a pseudo-terminal driven from Rust), `peers` (sops, gpg and pass, age, kubectl),
//! `token` (the test hardware token).

pub mod forge;
pub mod git;
mod image;
pub mod peers;
pub mod pty;
mod read;
mod setup;
pub mod team;
pub mod token;

pub use image::*;
pub use read::*;
pub use setup::*;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use assert_cmd::Command;
use tempfile::TempDir;

/// A fixed instant the tests run at: 2030-01-01T00:00:00Z in unix ms. Tests that
/// depend on time set the keyward clock (`Sandbox::at`) to `T0` plus an offset instead
/// of waiting for real time to pass.
pub const T0: i64 = 1_893_456_000_000;
pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// The keyward binary under test.
pub const KW: &str = env!("CARGO_BIN_EXE_keyward");

pub struct Sandbox {
    pub dir: TempDir,
    pub identity: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl Sandbox {
    /// A sandbox with no vault and no identity.
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("kw-test")
            .tempdir()
            .unwrap();
        Sandbox {
            dir,
            identity: None,
            env: Vec::new(),
        }
    }

    /// A sandbox with a plain identity file in `KEYWARD_IDENTITY` and an initialised
    /// vault (dev, test, prod).
    pub fn with_vault() -> Sandbox {
        let mut kw = Sandbox::new();
        let id = kw.write_identity("me.key");
        kw.identity = Some(id);
        kw.cmd(["init"]).assert().success();
        kw
    }

    /// `with_vault`, with the keyward clock set to `at` from `init` on (see `at`).
    pub fn with_vault_at(at: i64) -> Sandbox {
        let mut kw = Sandbox::new();
        kw.at(at);
        let id = kw.write_identity("me.key");
        kw.identity = Some(id);
        kw.cmd(["init"]).assert().success();
        kw
    }

    /// Set the time every later command runs at, in unix ms (`KEYWARD_TEST_NOW`, which
    /// debug builds honour), so a test moves the clock instead of sleeping.
    pub fn at(&mut self, ms: i64) -> &mut Sandbox {
        self.set_env("KEYWARD_TEST_NOW", &ms.to_string());
        self
    }

    /// Write a fresh plain identity file (0600) and return its path.
    pub fn write_identity(&self, name: &str) -> PathBuf {
        let id = age::x25519::Identity::generate();
        let path = self.path(name);
        write_private(
            &path,
            format!("# test identity\n{}\n", id.to_string().expose_secret()),
        );
        path
    }

    /// The `AGE-SECRET-KEY-1…` line of a plain identity file.
    pub fn secret_key_of(identity: &Path) -> String {
        fs::read_to_string(identity)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap()
            .to_owned()
    }

    /// The sandbox identity as the literal string a CI secret variable holds.
    pub fn literal_identity(&self) -> String {
        Self::secret_key_of(self.identity.as_ref().expect("sandbox has an identity"))
    }

    /// The public recipient of an identity file written by `write_identity`.
    pub fn recipient_of(&self, identity: &Path) -> String {
        let id: age::x25519::Identity = Self::secret_key_of(identity).parse().unwrap();
        id.to_public().to_string()
    }

    pub fn my_recipient(&self) -> String {
        self.recipient_of(self.identity.as_ref().expect("sandbox has an identity"))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn vault(&self) -> PathBuf {
        self.path("vault")
    }

    pub fn env_file(&self, env: &str) -> PathBuf {
        self.vault().join("envs").join(format!("{env}.db.age"))
    }

    /// The three versions of `dev`'s file git hands the merge driver (BASE, OURS — the
    /// one the driver rewrites — and THEIRS), written into the directory `tag`: their
    /// paths, for `git merge B O T vault/envs/dev.db.age`.
    pub fn merge_sides(&self, tag: &str, versions: [&[u8]; 3]) -> [String; 3] {
        let dir = self.path(tag);
        fs::create_dir_all(&dir).unwrap();
        let names = ["base", "ours", "theirs"];
        std::array::from_fn(|i| team::put_file(&dir, names[i], versions[i]))
    }

    /// This machine's journal of `env`: beside its pins of this sandbox's vault.
    pub fn journal_file(&self, env: &str) -> PathBuf {
        self.journal_in(&self.path("state"), &self.vault(), env)
    }

    /// The journal of `env` a machine whose state directory (`XDG_STATE_HOME`) is
    /// `state` keeps for the vault at `vault`: beside its pins, which are keyed by the
    /// vault's real path (as `PinDir::new` keys them).
    pub fn journal_in(&self, state: &Path, vault: &Path, env: &str) -> PathBuf {
        use sha2::Digest;
        let canonical = fs::canonicalize(vault).unwrap_or_else(|_| vault.to_owned());
        let id = hex::encode(&sha2::Sha256::digest(canonical.as_os_str().as_encoded_bytes())[..12]);
        state
            .join("keyward/pins")
            .join(id)
            .join("journal")
            .join(format!("{env}.db"))
    }

    /// A state directory `rel` with no pins, its journal directory for this sandbox's
    /// vault made (where a test puts a journal that machine then opens first): its
    /// path, for `XDG_STATE_HOME`.
    pub fn state_without_pins(&self, rel: &str) -> PathBuf {
        let journal = self.journal_in(&self.path(rel), &self.vault(), "dev");
        fs::create_dir_all(journal.parent().unwrap()).unwrap();
        self.path(rel)
    }

    /// Remove `env`'s journal with its write-ahead log and index, as if never made (a
    /// test then puts something else in its place).
    pub fn remove_journal(&self, env: &str) {
        remove_db(&self.journal_file(env));
    }

    /// Set an extra environment variable on every later command (replacing an earlier
    /// value of the same variable).
    pub fn set_env(&mut self, k: &str, v: &str) {
        self.env.retain(|(name, _)| name != k);
        self.env.push((k.to_owned(), v.to_owned()));
    }

    /// `keyward ARGS` with the sandbox environment.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Command::from_std(self.std_cmd(args))
    }

    /// `keyward ARGS` as the holder of `identity` (another member of the vault).
    pub fn cmd_as<I, S>(&self, identity: &Path, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.cmd(args);
        c.env("KEYWARD_IDENTITY", identity);
        c
    }

    /// The same as a plain `std::process::Command` (for spawning and signalling).
    pub fn std_cmd<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = std::process::Command::new(KW);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("KEYWARD_") || k == "NO_COLOR" {
                c.env_remove(&k);
            }
        }
        let root = self.dir.path();
        c.env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_RUNTIME_DIR", root.join("run"))
            .env("TMPDIR", root.join("tmp"))
            .env("KEYWARD_VAULT", self.vault())
            .env("KEYWARD_LOCK_TIMEOUT", "20")
            .current_dir(root);
        let _ = fs::create_dir_all(root.join("tmp"));
        if let Some(id) = &self.identity {
            c.env("KEYWARD_IDENTITY", id);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.args(args);
        c
    }

    /// Give another program (git, a shell, a pty driver) the environment every keyward
    /// command of this sandbox runs with.
    pub fn apply_env(&self, c: &mut std::process::Command) {
        let template = self.std_cmd::<[&str; 0], &str>([]);
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
    }

    /// `program` with the sandbox environment (`apply_env`).
    pub fn program(&self, program: &str) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        self.apply_env(&mut c);
        c
    }

    /// `bash -c SCRIPT` with the sandbox environment, for pipelines and loops of
    /// keyward commands: `$KW` is the keyward binary.
    pub fn shell(&self, script: &str) -> std::process::Command {
        let mut c = self.program("bash");
        c.env("KW", KW)
            .current_dir(self.dir.path())
            .arg("-c")
            .arg(script);
        c
    }

    /// `sh -c SCRIPT` with the sandbox environment, in the sandbox: for redirections and
    /// limits (`ulimit`) keyward cannot set itself.
    pub fn sh(&self, script: &str) -> std::process::Command {
        let mut c = self.program("sh");
        c.current_dir(self.dir.path()).args(["-c", script]);
        c
    }

    /// Run a command that must succeed and return its stdout as a string.
    pub fn stdout<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "command failed: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run a command that must succeed and parse its stdout as JSON.
    pub fn json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        serde_json::from_str(&self.stdout(args)).unwrap()
    }

    /// `generate NAME` and return the value.
    /// A new member: an identity file `name` granted (the default role) in each of
    /// `envs`; its path and recipient.
    pub fn member_in(&self, name: &str, envs: &[&str]) -> (PathBuf, String) {
        let key = self.write_identity(name);
        let recipient = self.recipient_of(&key);
        for env in envs {
            self.cmd(["-e", env, "access", "grant", &recipient])
                .assert()
                .success();
        }
        (key, recipient)
    }

    /// `verifier export` of the environment in use into `dev.kwset`, keyed with the HMAC
    /// key `hmac.key` ([`HMAC_KEY`]) written first.
    pub fn export_hmac_set(&self) {
        write_private(self.path("hmac.key"), HMAC_KEY);
        self.cmd([
            "verifier",
            "export",
            "--hmac-key-file",
            "hmac.key",
            "-o",
            "dev.kwset",
        ])
        .assert()
        .success();
    }

    pub fn generate(&self, name: &str) -> String {
        self.stdout(["generate", name]).trim_end().to_owned()
    }

    /// `set NAME` with `value` on stdin.
    pub fn set(&self, name: &str, value: &str) {
        self.cmd(["set", name])
            .write_stdin(value)
            .assert()
            .success();
    }

    /// Every file under the sandbox that is not an encrypted env file, as bytes, for
    /// checking that a secret leaked nowhere in plaintext.
    pub fn plaintext_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if !p.to_string_lossy().ends_with(".db.age") {
                    out.push((p.clone(), fs::read(&p).unwrap_or_default()));
                }
            }
        }
        out
    }

    /// Assert that `secret` appears in no plaintext file of the sandbox.
    pub fn assert_nowhere_in_files(&self, secret: &str) {
        for (p, bytes) in self.plaintext_files() {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "secret found in plaintext file {}",
                p.display()
            );
        }
    }
}

/// Poll `done` until it holds, failing with `what` after a generous bound. A guard
/// against hanging for ever, never a timing assertion: the bound is far above any
/// expected time, and a test asserts what happened, not how fast.
/// Write a secret file (an identity, an HMAC key) as its owner would keep it: 0600.
/// Every file under `dir` (not the directories), sorted; nothing for a directory
/// that is not there.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// An HMAC key for verifier sets: 32 bytes as `head -c 32 /dev/urandom` makes them (an
/// export refuses a constant or patterned one).
pub const HMAC_KEY: &[u8; 32] = b"Vq3#kP9xLz7@Wm2!Rt8$Ny5^Hb4&Jc6*";
/// Another, for "a service holding another key".
pub const OTHER_HMAC_KEY: &[u8; 32] = b"e7Gz!Qw2^Lp9&Xs4*Mb1#Tn8@Kd5$Rf3";

pub fn write_private(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path.as_ref(), bytes).unwrap();
    fs::set_permissions(path.as_ref(), fs::Permissions::from_mode(0o600)).unwrap();
}

pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether process `pid` is gone (exited, or a zombie nobody has reaped yet).
pub fn process_gone(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // state is the field after the parenthesised command name
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

/// Whether `needle` occurs in `hay` (an empty needle never does).
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// `n` processes at once, each running the bash `script` (`$KW` is keyward, `$W` the
/// process's number); every one must succeed.
pub fn concurrently(kw: &Sandbox, n: usize, script: &str) {
    let children: Vec<std::process::Child> = (0..n)
        .map(|w| {
            kw.shell(script)
                .env("W", w.to_string())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether `dev` has no verifier key yet (`verifier pubkey` exit 3): what a refused
/// `verifier export` must leave.
pub fn no_verifier_key(kw: &Sandbox) -> bool {
    kw.cmd(["verifier", "pubkey"])
        .output()
        .unwrap()
        .status
        .code()
        == Some(3)
}

/// Bob, a `write` member of `dev` whose first write (`BOBS`) bound his signing key:
/// his identity file and recipient.
pub fn bound_writer(kw: &Sandbox) -> (PathBuf, String) {
    let bob_key = kw.write_identity("bob.key");
    let bob = kw.recipient_of(&bob_key);
    kw.cmd(["access", "grant", &bob, "--role", "write"])
        .assert()
        .success();
    kw.cmd_as(&bob_key, ["generate", "BOBS"]).assert().success();
    (bob_key, bob)
}

/// Make a FIFO at `path` (`mkfifo`, default mode): what someone plants where keyward
/// expects a regular file, to show it is refused, never waited on.
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.unwrap().success(), "mkfifo {}", path.display());
}

/// Run `c` whatever it exits with: its exit code, stdout and stderr.
pub fn outcome(c: &mut Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// No raw control character (other than line breaks) and no bidi control in `s`.
pub fn assert_no_controls(s: &str) {
    for c in s.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control {c:?} in output:\n{s:?}"
        );
    }
    assert!(!s.contains('\u{2066}'), "raw isolate in {s:?}");
}

/// Whether the tests run as root (who ignores file modes and some resource limits).
pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
}

/// `keyward ARGS` run by `sh -c "PREFIX; exec keyward ARGS"` with the sandbox
/// environment (for `ulimit`), optionally wrapped in `setpriv` to drop CAP_IPC_LOCK (root
/// ignores RLIMIT_MEMLOCK otherwise).
pub fn under_shell(
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
        .arg(KW)
        .output()
        .unwrap()
}

/// A value that breaks naive quoting: quotes, `$`, backticks, a backslash, a newline, a
/// tab and a `#`.
pub const TRICKY: &str = "it's \"quoted\" $HOME `tick` \\ back\nsecond\tline # not a comment";

/// Remove the SQLite database at `path` with its write-ahead log and index (a test
/// then puts something else in its place).
pub fn remove_db(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        let _ = fs::remove_file(p);
    }
}
