//! Every change signed by its writer (DESIGN §15): member cards, roles, the trust root,
//! and what each attacker who can write the repository can and cannot do — a current
//! member forging another's change, a `read` member writing, a removed admin writing on
//! an old state, an outsider (or a member) rewriting the repository from another start.
//! Real repositories and clones; forged images made by hand as those attackers can.

mod forgery;
mod merge_signatures;
mod roles;
mod rows_seen;
mod stale_branches;

use std::fs;
use std::path::Path;

use crate::support::Sandbox;

/// A member's card, as `identity show` prints it.
pub(super) fn card_of(kw: &Sandbox, key: &std::path::Path) -> String {
    kw.stdout(["-i", key.to_str().unwrap(), "identity", "show"])
        .trim()
        .to_owned()
}

/// The signing key (hex) `access list --json` shows for `recipient`.
pub(super) fn bound_key(kw: &Sandbox, recipient: &str) -> Option<String> {
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["access", "list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == recipient)
        .and_then(|r| r["signing_key"].as_str().map(str::to_owned))
}

/// A vault holding `K`, and a `write` member granted by their card: their identity
/// file and recipient.
pub(super) fn with_writer(name: &str) -> (Sandbox, std::path::PathBuf, String) {
    with_member(name, "write")
}

/// [`with_writer`] for a member of `role`.
pub(super) fn with_member(name: &str, role: &str) -> (Sandbox, std::path::PathBuf, String) {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let key = kw.write_identity(&format!("{name}.key"));
    let recipient = kw.recipient_of(&key);
    kw.cmd(["access", "grant", &card_of(&kw, &key), "--role", role])
        .assert()
        .success();
    (kw, key, recipient)
}

/// `keyward ARGS` as `key`'s holder on a copy of the vault whose `dev` file is `file`,
/// with a state directory of its own; the file it leaves.
pub(super) fn branch_as(
    kw: &Sandbox,
    key: &Path,
    file: &[u8],
    name: &str,
    args: &[&str],
) -> Vec<u8> {
    branch_in(kw, &kw.vault(), "dev", key, file, name, args)
}

/// `branch_as` for the vault at `from`, environment `env`.
pub(super) fn branch_in(
    kw: &Sandbox,
    from: &Path,
    env: &str,
    key: &Path,
    file: &[u8],
    name: &str,
    args: &[&str],
) -> Vec<u8> {
    let vault = kw.path(&format!("branch-{name}"));
    let copied = std::process::Command::new("cp")
        .args(["-r"])
        .arg(from)
        .arg(&vault)
        .status()
        .unwrap();
    assert!(copied.success());
    let f = vault.join(format!("envs/{env}.db.age"));
    fs::write(&f, file).unwrap();
    kw.cmd_as(key, args)
        .env("KEYWARD_VAULT", &vault)
        .env("XDG_STATE_HOME", kw.path(&format!("state-{name}")))
        .assert()
        .success();
    fs::read(&f).unwrap()
}
