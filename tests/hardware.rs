//! Hardware-backed identities through age plugins (DESIGN §10), driven against the
//! test-only plugin `age-plugin-kwtest` (tests/plugin/age-plugin-kwtest.rs, built by
//! `cargo test` as an example): a PIN-protected "token" holding an X25519 key, speaking
//! the real plugin protocol. Its PIN is [`PIN`]; `AGE_PLUGIN_KWTEST_PIN` makes it use a
//! PIN without asking (the documented test-only source), `AGE_PLUGIN_KWTEST_CRASH`
//! makes it die mid-protocol.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::pty::{answer_on_terminal, on_terminal};
use crate::support::token::{PIN, PROMPT, card, identity_line, install_plugin, new_token};
use crate::support::{Sandbox, ssh_identity};

/// A bound for commands that must fail at once: a hang guard, not a timing assertion.
const NO_HANG: Duration = Duration::from_secs(60);

/// `keyward ARGS` as the holder of `identity`.
fn as_holder(kw: &Sandbox, identity: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = kw.cmd_as(identity, args);
    c.timeout(NO_HANG);
    c
}

/// A vault of a plain X25519 identity, with a kwtest token granted on `dev`, and key
/// `A` stored there after the grant. Returns the sandbox, the token and A's value.
fn vault_with_token() -> (Sandbox, PathBuf, String) {
    let mut kw = Sandbox::with_vault();
    install_plugin(&mut kw);
    let (token, _) = new_token(&kw, "token.txt");
    kw.cmd(["access", "grant", &card(&token)])
        .assert()
        .success()
        .stderr(contains("hardware-backed recipient"))
        .stderr(contains("age-plugin-kwtest"))
        .stderr(contains("backup recipient"))
        .stderr(contains("bound on your word"));
    kw.set("A", "value-of-a-0123456789");
    (kw, token, "value-of-a-0123456789".to_owned())
}

#[test]
fn a_granted_token_reads_with_its_pin_typed_on_a_terminal() {
    let (mut kw, token, value) = vault_with_token();
    let me = kw.identity.replace(token.clone());
    let (shown, code) = on_terminal(&kw, &["get", "A"], &[(PROMPT, &[PIN])]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(&value), "{shown}");
    // the plugin's message reaches the person; the PIN is never echoed
    assert!(shown.contains("touch your kwtest token"), "{shown}");
    assert!(!shown.contains(PIN), "{shown}");
    // the read is journaled under the token's recipient, unlocked via the plugin
    kw.identity = me;
    let audit = kw.stdout(["audit", "--json"]);
    let recipient = fs::read_to_string(&token).unwrap();
    let recipient = recipient
        .lines()
        .find_map(|l| l.strip_prefix("# recipient: "))
        .unwrap();
    assert!(audit.contains(recipient), "{audit}");
    assert!(audit.contains("\"via\": \"plugin\""), "{audit}");
}

#[test]
fn a_wrong_pin_exits_5_and_so_does_no_terminal_at_once() {
    let (mut kw, token, value) = vault_with_token();
    kw.identity = Some(token.clone());
    let (shown, code) = on_terminal(&kw, &["get", "A"], &[(PROMPT, &["13579"])]);
    assert_eq!(code, 5, "{shown}");
    assert!(shown.contains("wrong PIN"), "{shown}");
    assert!(!shown.contains(&value), "{shown}");
    // no terminal: the PIN request fails at once (the bound only guards a hang)
    let out = as_holder(&kw, &token, &["get", "A"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`age-plugin-kwtest` asks for a PIN and there is no terminal"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(!stderr.contains(&identity_line(&token)[11..40]), "{stderr}");
}

#[test]
fn init_and_env_add_encrypt_to_a_token_and_both_members_read_and_write() {
    let mut kw = Sandbox::new();
    install_plugin(&mut kw);
    let me = kw.write_identity("me.key");
    kw.identity = Some(me.clone());
    let (token, recipient) = new_token(&kw, "token.txt");
    kw.cmd(["init", "--envs", "dev,prod", "--recipient", &recipient])
        .assert()
        .success();
    kw.cmd(["env", "add", "staging", "--recipient", &recipient])
        .assert()
        .success()
        .stderr(contains("hardware-backed recipient"));
    // Granted as bare recipients: unbound. A token cannot prove its signing key itself,
    // so an admin binds its card (DESIGN §15); until then its writes are refused.
    as_holder(&kw, &token, &["set", "-e", "staging", "EARLY"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .write_stdin("too-early")
        .assert()
        .code(5)
        .stderr(contains("gave no proof"));
    for env in ["prod", "staging"] {
        kw.cmd(["access", "grant", &card(&token), "-e", env])
            .assert()
            .success()
            .stderr(contains("signing key bound"));
    }
    for env in ["prod", "staging"] {
        let list = kw.stdout(["access", "list", "--json", "-e", env]);
        let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 2, "{list}");
        for row in rows {
            let hardware = row["recipient"] == recipient.as_str();
            assert_eq!(
                row["plugin"],
                if hardware {
                    serde_json::json!("age-plugin-kwtest")
                } else {
                    serde_json::Value::Null
                },
                "{list}"
            );
        }
        let table = kw.stdout(["access", "list", "-e", env]);
        assert!(table.contains("yes (age-plugin-kwtest)"), "{table}");
    }
    // the X25519 member writes, the token member reads; then the other way round
    kw.cmd(["set", "-e", "prod", "DB_URL"])
        .write_stdin("postgres://from-x25519")
        .assert()
        .success();
    as_holder(&kw, &token, &["get", "-e", "prod", "DB_URL"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .assert()
        .success()
        .stdout("postgres://from-x25519\n");
    as_holder(&kw, &token, &["set", "-e", "staging", "API"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .write_stdin("api-from-the-token")
        .assert()
        .success();
    kw.cmd(["get", "-e", "staging", "API"])
        .assert()
        .success()
        .stdout("api-from-the-token\n");
    // an env without the token: not a recipient, not a PIN failure
    kw.cmd(["env", "add", "solo"]).assert().success();
    as_holder(&kw, &token, &["get", "-e", "solo", "X"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .assert()
        .code(5)
        .stderr(contains("not a recipient of environment `solo`"));
}

#[test]
fn a_mixed_env_of_x25519_ssh_and_a_token_opens_for_each() {
    let (mut kw, token, value) = vault_with_token();
    let (ssh, ssh_public) = ssh_identity(&kw);
    kw.cmd(["access", "grant", &ssh_public]).assert().success();
    kw.set("B", "value-of-b-0123456789");
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    for who in [kw.identity.clone().unwrap(), ssh, token] {
        as_holder(&kw, &who, &["get", "A"])
            .assert()
            .success()
            .stdout(format!("{value}\n"));
        as_holder(&kw, &who, &["get", "B"])
            .assert()
            .success()
            .stdout("value-of-b-0123456789\n");
    }
}

#[test]
fn a_missing_plugin_is_named_and_nothing_is_written() {
    let (kw, token, _) = vault_with_token();
    // the sandbox without the plugin directory on PATH
    let mut bare = Sandbox::new();
    bare.identity = kw.identity.clone();
    let no_plugin = |args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("PATH", std::env::var("PATH").unwrap_or_default())
            .timeout(NO_HANG);
        c
    };
    // to encrypt: refused before anything is written, whoever writes
    let before = fs::read(kw.env_file("dev")).unwrap();
    no_plugin(&["set", "B"])
        .write_stdin("value-of-b-0123456789")
        .assert()
        .code(1)
        .stderr(contains("`age-plugin-kwtest` is not on PATH"))
        .stderr(contains("nothing was written"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    let (_, other) = new_token(&kw, "other.txt");
    let before_prod = fs::read(kw.env_file("prod")).unwrap();
    no_plugin(&["access", "grant", &other, "-e", "prod"])
        .assert()
        .code(1)
        .stderr(contains("`age-plugin-kwtest` is not on PATH"));
    assert_eq!(fs::read(kw.env_file("prod")).unwrap(), before_prod);
    no_plugin(&["env", "add", "staging", "--recipient", &other])
        .assert()
        .code(1)
        .stderr(contains("`age-plugin-kwtest` is not on PATH"));
    assert!(!kw.env_file("staging").exists());
    bare.cmd(["init", "--recipient", &other])
        .assert()
        .code(1)
        .stderr(contains("`age-plugin-kwtest` is not on PATH"));
    assert!(!bare.vault().exists());
    // to unlock: exit 5, naming the binary
    no_plugin(&["get", "A"])
        .env("KEYWARD_IDENTITY", &token)
        .assert()
        .code(5)
        .stderr(contains("`age-plugin-kwtest` is not on PATH"))
        .stderr(contains("needed to unlock"));
}

#[test]
fn a_plugin_crashing_mid_protocol_fails_and_leaves_the_env_untouched() {
    let (kw, token, value) = vault_with_token();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["set", "B"])
        .env("AGE_PLUGIN_KWTEST_CRASH", "wrap")
        .write_stdin("value-of-b-0123456789")
        .timeout(NO_HANG)
        .assert()
        .code(1)
        .stderr(contains("`age-plugin-kwtest` failed while encrypting"))
        .stderr(contains("nothing was written"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    let out = as_holder(&kw, &token, &["get", "A"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .env("AGE_PLUGIN_KWTEST_CRASH", "unwrap")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stopped in the middle of the protocol"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&value));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    kw.cmd(["get", "B"])
        .assert()
        .code(3)
        .stderr(contains("no key `B` in environment `dev`"));
}

#[test]
fn identity_show_env_list_and_unlock_name_the_plugin() {
    let (kw, token, _) = vault_with_token();
    let shown = as_holder(&kw, &token, &["identity", "show", "--json"])
        .output()
        .unwrap();
    assert!(shown.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["plugin"], "age-plugin-kwtest");
    assert_eq!(shown["via"], "plugin");
    assert!(
        shown["recipient"]
            .as_str()
            .unwrap()
            .starts_with("age1kwtest1")
    );
    let envs = as_holder(&kw, &token, &["env", "list", "--json"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .output()
        .unwrap();
    assert!(envs.status.success());
    let envs: serde_json::Value = serde_json::from_slice(&envs.stdout).unwrap();
    for row in envs.as_array().unwrap() {
        if row["env"] == "dev" {
            assert_eq!(row["access"], "yes");
            assert_eq!(row["plugin"], "age-plugin-kwtest");
        } else {
            assert_eq!(row["access"], "no", "{row}");
            assert!(row.get("plugin").is_none(), "{row}");
        }
    }
    // without its PIN the plugin says why: not every environment listed as unreadable
    as_holder(&kw, &token, &["env", "list"])
        .write_stdin("")
        .assert()
        .code(5)
        .stdout("")
        .stderr(contains("asks for a PIN and there is no terminal"));
    // DESIGN §18: the agent of a hardware identity keeps file keys, never the identity
    as_holder(&kw, &token, &["unlock"])
        .assert()
        .success()
        .stderr(contains(
            "the agent keeps the file keys `age-plugin-kwtest` opens",
        ));
    as_holder(&kw, &token, &["lock"])
        .assert()
        .success()
        .stderr(contains("stopped the agent"));
    // the identity's text in KEYWARD_IDENTITY has no file to find an agent by
    kw.cmd(["unlock"])
        .env("KEYWARD_IDENTITY", fs::read_to_string(&token).unwrap())
        .assert()
        .code(2)
        .stderr(contains("given as a file"));
    as_holder(&kw, &token, &["lock"])
        .assert()
        .success()
        .stderr(contains("no agent was running"));
}

#[test]
fn a_plugin_identity_in_keyward_identity_works_and_is_never_echoed() {
    let (kw, token, value) = vault_with_token();
    let text = fs::read_to_string(&token).unwrap();
    kw.cmd(["get", "A"])
        .env("KEYWARD_IDENTITY", &text)
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .timeout(NO_HANG)
        .assert()
        .success()
        .stdout(format!("{value}\n"));
    // the bare line, without the recipient comment the plugin printed: refused, unechoed
    let line = identity_line(&token);
    let out = kw
        .cmd(["get", "A"])
        .env("KEYWARD_IDENTITY", &line)
        .timeout(NO_HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("without its recipient"), "{stderr}");
    assert!(!stderr.contains(&line[11..40]), "{stderr}");
    // and never on the command line
    kw.cmd(["--identity", &text, "get", "A"])
        .assert()
        .code(2)
        .stderr(contains("refusing a secret key on the command line"));
}

#[test]
fn go_age_decrypts_an_env_file_with_the_token_and_the_same_plugin() {
    let (kw, token, value) = vault_with_token();
    if std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: Go `age` is not installed; skipping the interoperability check");
        return;
    }
    let plugins = kw.path("plugins");
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&token)
        .arg(kw.env_file("dev"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                plugins.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A small image is gzip-compressed (README: `age -d … | gzip -dcf`).
    let mut image = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&out.stdout[..]),
        &mut image,
    )
    .unwrap();
    assert!(image.starts_with(b"SQLite format 3\0"));
    assert!(crate::support::contains(&image, value.as_bytes()));
}

#[test]
fn completion_never_asks_a_token() {
    let (kw, token, _) = vault_with_token();
    // with the token's PIN at hand the plugin would answer: completion must not ask it
    let out = as_holder(&kw, &token, &["completions", "--list", "keys"])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "the plugin said something"
    );
    // while the plain identity completes the same env
    assert_eq!(kw.stdout(["completions", "--list", "keys"]), "A\n");
}

#[test]
fn a_plugin_confirmation_is_asked_on_the_terminal() {
    let (mut kw, token, value) = vault_with_token();
    kw.identity = Some(token.clone());
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    kw.set_env("AGE_PLUGIN_KWTEST_CONFIRM", "1");
    let yes = answer_on_terminal(&kw, &["get", "A"], "y");
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert!(
        yes.stderr
            .contains("Is the kwtest token plugged in? (y: use it, n: skip it) [y/N]"),
        "{}",
        yes.stderr
    );
    assert_eq!(yes.stdout, format!("{value}\n"));
    // "skip it": the token is not used, so nothing opens the environment — said as
    // such, never "not a recipient" (it is one)
    let no = answer_on_terminal(&kw, &["get", "A"], "n");
    assert_eq!(no.code, 5, "{}", no.stderr);
    assert!(no.stdout.is_empty());
    assert!(
        no.stderr
            .contains("`age-plugin-kwtest` asked for a confirmation and it was declined"),
        "{}",
        no.stderr
    );
    assert!(!no.stderr.contains("not a recipient"), "{}", no.stderr);
    // without a terminal the question is not asked and the token is skipped: the
    // no-terminal error, as for a PIN
    as_holder(&kw, &token, &["get", "A"])
        .write_stdin("")
        .assert()
        .code(5)
        .stderr(contains(
            "`age-plugin-kwtest` asks for a confirmation and there is no terminal to ask on",
        ))
        .stderr(contains("not a recipient").not())
        .stdout("");
}

#[test]
fn a_pin_typed_once_serves_every_environment_of_one_command() {
    let (mut kw, token, _) = vault_with_token();
    let recipient = kw.stdout(["-i", token.to_str().unwrap(), "identity", "show"]);
    kw.cmd(["access", "grant", recipient.trim(), "-e", "prod"])
        .assert()
        .success();
    kw.cmd(["generate", "-e", "prod", "P"]).assert().success();
    kw.identity = Some(token);
    // one answer only: a second PIN prompt would find none and fail the run
    let (shown, code) = on_terminal(&kw, &["list", "--all-envs"], &[(PROMPT, &[PIN])]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("A") && shown.contains("P"), "{shown}");
    assert_eq!(shown.matches(PROMPT).count(), 1, "{shown}");
    assert_eq!(
        shown.matches("touch your kwtest token").count(),
        2,
        "{shown}"
    );
}

#[test]
fn set_asks_the_token_before_the_value_so_a_wrong_pin_loses_nothing_typed() {
    let (mut kw, token, _) = vault_with_token();
    kw.identity = Some(token);
    // a wrong PIN: the value is never asked for (a value prompt would find no answer)
    let (shown, code) = on_terminal(&kw, &["set", "B"], &[(PROMPT, &["13579"])]);
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Value for B"), "{shown}");
    // the right PIN, once, then the value
    let (shown, code) = on_terminal(
        &kw,
        &["set", "B"],
        &[
            (PROMPT, &[PIN]),
            ("Value for B", &["value-of-b-0123456789"]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    assert_eq!(shown.matches(PROMPT).count(), 1, "{shown}");
    kw.cmd(["get", "B"])
        .env("KEYWARD_IDENTITY", kw.path("me.key"))
        .assert()
        .success()
        .stdout("value-of-b-0123456789\n");
}

#[test]
fn git_textconv_never_asks_a_token() {
    let (kw, token, _) = vault_with_token();
    let file = kw.env_file("dev");
    let out = as_holder(&kw, &token, &["git", "textconv", file.to_str().unwrap()])
        .env("AGE_PLUGIN_KWTEST_PIN", PIN)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("keyward: cannot decrypt ("), "{text}");
    assert!(
        text.contains("hardware key (`age-plugin-kwtest`)"),
        "{text}"
    );
    // the token was not asked: the plugin's message never appeared
    assert!(!String::from_utf8_lossy(&out.stderr).contains("touch your kwtest token"));
    // the plain identity still shows the environment
    let plain = kw.stdout(["git", "textconv", file.to_str().unwrap()]);
    assert!(!plain.starts_with("keyward: cannot decrypt"), "{plain}");
}
