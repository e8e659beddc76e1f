//! docs/hardware-keys.md "A YubiKey for `prod`", run as written by the person moving to
//! the token, the sole admin of prod (h15 #4): the token's card granted as an admin, an
//! offline backup, then the plain identity revoked with `--force --yes`. Afterwards prod
//! opens with the token (which can also write) and no longer with the plain identity.
//! The order the guide had (a bare recipient, then the revoke) is refused, which is why
//! the guide changed.

use predicates::str::contains;

use crate::support::Sandbox;
use crate::support::token::{PIN, install_plugin, new_token};

#[test]
fn the_yubikey_recipe_runs_as_written_by_the_sole_admin() {
    let mut kw = Sandbox::with_vault();
    install_plugin(&mut kw);
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    let value = kw.stdout(["generate", "-e", "prod", "STRIPE_KEY"]);
    let plain = kw.my_recipient();
    // `identity signing-key` with the token (new_token runs it), then `identity show`
    // prints the card the guide grants.
    let (token, _) = new_token(&kw, "yubikey.txt");
    let shown = kw.stdout(["-i", token.to_str().unwrap(), "identity", "show"]);
    let card = shown.lines().next().unwrap();
    assert!(card.starts_with("kw-member1:age1kwtest1"), "{shown}");
    kw.cmd([
        "access",
        "grant",
        card,
        "-e",
        "prod",
        "--name",
        "Ana (YubiKey)",
        "--role",
        "admin",
    ])
    .assert()
    .success();
    let backup = kw.write_identity("backup.key");
    let backup = kw.recipient_of(&backup);
    kw.cmd([
        "access",
        "grant",
        &backup,
        "-e",
        "prod",
        "--name",
        "offline backup",
    ])
    .assert()
    .success();
    kw.cmd(["access", "revoke", &plain, "-e", "prod", "--force", "--yes"])
        .assert()
        .success();
    // "prod no longer opens without the token"
    kw.cmd(["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .code(5)
        .stderr(contains("not a recipient"));
    kw.cmd_as(&token, ["get", "-e", "prod", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(value.clone());
    // The token is an admin that signs: it writes, and grants.
    kw.cmd_as(&token, ["set", "-e", "prod", "NEW_KEY"])
        .write_stdin("a-new-value-0123456789")
        .assert()
        .success();
    let list = kw
        .cmd_as(&token, ["access", "list", "-e", "prod", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let members: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["recipient"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(members.len(), 2, "{list}");
    assert!(members.contains(&(backup.as_str(), "write")), "{list}");
    assert!(members.iter().all(|(r, _)| *r != plain), "{list}");
    assert!(
        members
            .iter()
            .any(|(r, role)| r.starts_with("age1kwtest1") && *role == "admin"),
        "{list}"
    );
}

/// The order the guide had: the token granted as a bare recipient (a `write` member
/// that cannot sign), then the revoke: refused, the sole admin cannot leave.
#[test]
fn the_old_order_is_refused_by_the_last_admin_guard() {
    let mut kw = Sandbox::with_vault();
    install_plugin(&mut kw);
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    kw.stdout(["generate", "-e", "prod", "STRIPE_KEY"]);
    let plain = kw.my_recipient();
    let (_, recipient) = new_token(&kw, "yubikey.txt");
    kw.cmd([
        "access",
        "grant",
        &recipient,
        "-e",
        "prod",
        "--name",
        "Ana (YubiKey)",
    ])
    .assert()
    .success();
    kw.cmd(["access", "revoke", &plain, "-e", "prod", "--yes"])
        .assert()
        .code(1)
        .stderr(contains("your own identity"));
    kw.cmd(["access", "revoke", &plain, "-e", "prod", "--force", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("without an admin"));
    kw.stdout(["get", "-e", "prod", "STRIPE_KEY"]);
}
