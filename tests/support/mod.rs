//! `Sandbox`: an isolated home for one test. Every path keyward may touch (`HOME`,
//! `XDG_*`, the vault) points inside a temp dir, and inherited `KEYWARD_*` variables are
//! removed, so tests never see the developer's real vault or each other's.

#![allow(dead_code)]

pub mod pty;
pub mod team;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
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
        fs::write(
            &path,
            format!("# test identity\n{}\n", id.to_string().expose_secret()),
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
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

    pub fn journal_file(&self, env: &str) -> PathBuf {
        self.vault().join("journal").join(format!("{env}.db"))
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

    /// The same as a plain `std::process::Command` (for spawning and signalling).
    pub fn std_cmd<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
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
        c.env("KW", env!("CARGO_BIN_EXE_keyward"))
            .current_dir(self.dir.path())
            .arg("-c")
            .arg(script);
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

    /// `generate NAME` and return the value.
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

    /// Decrypt an env file with the plain age API and return the SQLite image: a small
    /// image is stored gzip-compressed (`gzip -dcf` in the README's recovery), a large
    /// one raw.
    pub fn decrypt_env(&self, env: &str) -> Vec<u8> {
        let payload = self.decrypt_env_payload(env);
        if payload.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&payload[..]), &mut out)
                .unwrap();
            return out;
        }
        payload
    }

    /// Decrypt an env file with the plain age API: the payload as stored.
    pub fn decrypt_env_payload(&self, env: &str) -> Vec<u8> {
        let id: age::x25519::Identity = self.literal_identity().parse().unwrap();
        let file = fs::read(self.env_file(env)).unwrap();
        let d = age::Decryptor::new(&file[..]).unwrap();
        let mut r = d
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut out).unwrap();
        out
    }

    /// Re-encrypt an SQLite image as `env`'s file, to the sandbox identity.
    pub fn encrypt_env(&self, env: &str, image: &[u8]) {
        let r: age::x25519::Recipient = self.my_recipient().parse().unwrap();
        let e =
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut w = e.wrap_output(&mut out).unwrap();
        std::io::Write::write_all(&mut w, image).unwrap();
        w.finish().unwrap();
        fs::write(self.env_file(env), out).unwrap();
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

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Open an SQLite image in memory (for checking what is inside an env file).
pub fn open_image(image: &[u8]) -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, image, image.len(), false)
        .unwrap();
    conn
}

/// The SQLite image of the env file `file`, decrypted with the identity file `identity`
/// (inflated when stored compressed): what anyone holding that identity can read.
pub fn decrypt_file(file: &Path, identity: &Path) -> Vec<u8> {
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let bytes = fs::read(file).unwrap();
    let d = age::Decryptor::new(&bytes[..]).unwrap();
    let mut r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut out).unwrap();
    if out.starts_with(&[0x1f, 0x8b]) {
        let mut image = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&out[..]), &mut image)
            .unwrap();
        return image;
    }
    out
}

/// Whether the identity file `identity` can decrypt the env file `file` at all.
pub fn can_decrypt(file: &Path, identity: &Path) -> bool {
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let bytes = fs::read(file).unwrap();
    age::Decryptor::new(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .is_ok()
}

/// An SQLite image (stored raw) encrypted to `recipients`: an env file anyone who knows
/// the public recipients can write.
pub fn encrypt_image(image: &[u8], recipients: &[&str]) -> Vec<u8> {
    let rs: Vec<age::x25519::Recipient> = recipients.iter().map(|r| r.parse().unwrap()).collect();
    let e = age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, image).unwrap();
    w.finish().unwrap();
    out
}

/// `image` changed by `edit` (SQL by hand, as an attacker holding the image would).
pub fn edit_image(image: &[u8], edit: impl FnOnce(&rusqlite::Connection)) -> Vec<u8> {
    let mut conn = open_image(image);
    edit(&conn);
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

/// `plaintext` encrypted under the file key and header of the age file `file` —
/// unwrapped with the X25519 identity file `identity` — as someone holding that file
/// key can: the header byte for byte, and with `keep_nonce` the payload nonce too (so
/// the payload key is the same and only the chunks differ).
pub fn reencrypt_under_header(
    file: &[u8],
    identity: &Path,
    plaintext: &[u8],
    keep_nonce: bool,
) -> Vec<u8> {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let hkdf = |ikm: &[u8], salt: &[u8], info: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .unwrap();
        out
    };
    let end = file.windows(5).position(|w| w == b"\n--- ").unwrap() + 5;
    let end = end + file[end..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let header = &file[..end];
    let (_, data) = bech32::decode(&Sandbox::secret_key_of(identity)).unwrap();
    let secret = x25519_dalek::StaticSecret::from(<[u8; 32]>::try_from(&data[..]).unwrap());
    let public = x25519_dalek::PublicKey::from(&secret);
    let text = std::str::from_utf8(header).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut file_key = None;
    for (i, l) in lines.iter().enumerate() {
        let Some(eph) = l.strip_prefix("-> X25519 ") else {
            continue;
        };
        let eph: [u8; 32] = b64.decode(eph.trim()).unwrap().try_into().unwrap();
        let mut body = String::new();
        for b in &lines[i + 1..] {
            body.push_str(b);
            if b.len() < 64 {
                break;
            }
        }
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(eph));
        let salt = [&eph[..], public.as_bytes()].concat();
        let wrap = hkdf(shared.as_bytes(), &salt, b"age-encryption.org/v1/X25519");
        let cipher = chacha20poly1305::ChaCha20Poly1305::new((&wrap).into());
        if let Ok(k) = cipher.decrypt(&[0u8; 12].into(), &b64.decode(&body).unwrap()[..]) {
            file_key = Some(k);
            break;
        }
    }
    let file_key = file_key.expect("the identity is a recipient of the file");
    let nonce: [u8; 16] = if keep_nonce {
        file[end..end + 16].try_into().unwrap()
    } else {
        rand::random()
    };
    let key = hkdf(&file_key, &nonce, b"payload");
    let cipher = chacha20poly1305::ChaCha20Poly1305::new((&key).into());
    let mut out = [header, &nonce[..]].concat();
    let chunks: Vec<&[u8]> = plaintext.chunks(64 * 1024).collect();
    for (n, c) in chunks.iter().enumerate() {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&(n as u64).to_be_bytes());
        nonce[11] = u8::from(n + 1 == chunks.len());
        out.extend(cipher.encrypt(&nonce.into(), *c).unwrap());
    }
    out
}
