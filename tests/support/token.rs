//! Hardware tokens for tests (DESIGN §10, §18): the test-only plugin `age-plugin-kwtest`
//! (tests/plugin/age-plugin-kwtest.rs, built by `cargo test` as an example), a
//! PIN-protected "token" holding an X25519 key and speaking the real plugin protocol.
//! Its PIN is [`PIN`]; `AGE_PLUGIN_KWTEST_PIN` makes it use a PIN without asking,
//! `AGE_PLUGIN_KWTEST_LOG` makes it count every time it is asked to open a file.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::Sandbox;

pub const PIN: &str = "24680";
pub const PROMPT: &str = "Enter the PIN of the kwtest token";
/// The passphrase of every token's signing key here.
pub const SIGNING_PASS: &str = "signing-key-passphrase";

/// The test plugin binary cargo built next to the keyward binary.
pub fn plugin_binary() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_keyward"))
        .parent()
        .unwrap()
        .join("examples")
        .join("age-plugin-kwtest");
    assert!(
        bin.exists(),
        "{} is missing: `cargo test` builds it (a filtered run needs `cargo build --example age-plugin-kwtest` first)",
        bin.display()
    );
    bin
}

/// Put a directory holding `age-plugin-kwtest` first on the sandbox's `PATH`.
pub fn install_plugin(kw: &mut Sandbox) {
    let dir = kw.path("plugins");
    fs::create_dir_all(&dir).unwrap();
    let link = dir.join("age-plugin-kwtest");
    if !link.exists() {
        std::os::unix::fs::symlink(plugin_binary(), &link).unwrap();
    }
    let path = std::env::var("PATH").unwrap_or_default();
    kw.set_env("PATH", &format!("{}:{path}", dir.display()));
    // A token signs its writes with a separate, passphrase-protected key (DESIGN §15).
    kw.set_env("KEYWARD_PASSPHRASE", SIGNING_PASS);
}

/// The member card of a token (`new_token` made its signing key): what an admin grants
/// so that its writes are signed by a key bound to it.
pub fn card(token: &Path) -> String {
    fs::read_to_string(token.with_extension("card")).unwrap()
}

/// A new kwtest "token": its identity file as the plugin prints it (0600), and its
/// recipient.
pub fn new_token(kw: &Sandbox, name: &str) -> (PathBuf, String) {
    let out = std::process::Command::new(plugin_binary())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# recipient: "))
        .unwrap()
        .to_owned();
    assert!(recipient.starts_with("age1kwtest1"), "{text}");
    let path = kw.path(name);
    super::write_private(&path, &text);
    // Its signing key beside it (no token touch: the key is a file), and its card.
    let card = kw
        .cmd_as(&path, ["identity", "signing-key"])
        .env("KEYWARD_PASSPHRASE", SIGNING_PASS)
        .output()
        .unwrap();
    assert!(
        card.status.success(),
        "{}",
        String::from_utf8_lossy(&card.stderr)
    );
    let card = String::from_utf8(card.stdout).unwrap();
    assert!(
        card.starts_with(&format!("kw-member1:{recipient}:")),
        "{card}"
    );
    assert!(
        card.trim_end().ends_with(":-"),
        "a token's card carries no proof: {card}"
    );
    assert!(path.with_file_name(format!("{name}.signing")).exists());
    fs::write(path.with_extension("card"), card.trim()).unwrap();
    (path, recipient)
}

/// The `AGE-PLUGIN-KWTEST-1…` line of a token's identity file.
pub fn identity_line(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-PLUGIN-"))
        .unwrap()
        .to_owned()
}

/// A vault of a plain identity with a kwtest token (`token.txt`) granted on `dev`, its
/// PIN given without asking; the sandbox and the token's identity file (its signing key
/// file is `token.txt.signing` beside it).
pub fn vault_with_granted_token() -> (Sandbox, PathBuf) {
    let mut kw = Sandbox::with_vault();
    install_plugin(&mut kw);
    let (token, _) = new_token(&kw, "token.txt");
    kw.cmd(["access", "grant", &card(&token)])
        .assert()
        .success();
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    (kw, token)
}
