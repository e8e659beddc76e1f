//! Identities (DESIGN §3): identity files and their modes, a literal secret key in
//! `KEYWARD_IDENTITY` however it was pasted, `identity new` and `identity show`, and every
//! refusal — not a recipient, unreadable, garbage, a key on the command line — without
//! ever echoing the key.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn wrong_identity_is_exit_5_not_a_recipient() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let stranger = kw.write_identity("stranger.key");
    kw.cmd(["-i", stranger.to_str().unwrap(), "get", "K"])
        .assert()
        .code(5)
        .stderr(contains("not a recipient"));
}

#[test]
fn literal_identity_string_unlocks() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let literal = kw.literal_identity();
    kw.cmd(["get", "K"])
        .env("KEYWARD_IDENTITY", &literal)
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    kw.cmd(["get", "K"])
        .env("KEYWARD_IDENTITY", "AGE-SECRET-KEY-1NOTAKEY")
        .assert()
        .code(5)
        .stderr(contains("AGE-SECRET-KEY-1NOTAKEY").not());
}

#[test]
fn identity_readable_by_others_is_refused() {
    let kw = Sandbox::with_vault();
    let id = kw.identity.clone().unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("chmod 600"));
}

/// A token pasted into KEYWARD_IDENTITY (or given to `-i`) names no file: the error
/// says so with its length only; a path is still shown.
#[test]
fn a_token_given_as_the_identity_file_is_never_repeated() {
    let kw = Sandbox::with_vault();
    let token = "ghp_R3alLook1ngT0kenValue0123456789abcd";
    let mut from_env = kw.cmd(["list"]);
    from_env.env("KEYWARD_IDENTITY", token);
    for (from, mut cmd) in [
        ("(from KEYWARD_IDENTITY)", from_env),
        ("(from --identity)", kw.cmd(["-i", token, "list"])),
    ] {
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "the identity file ({} characters, not shown: it may be a value) {from} does not exist",
                token.len()
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("R3alLook1ng"), "{stderr}");
    }
    // A path into a directory that is not there reads as a path: shown.
    let missing = kw.path("nope/ci.key");
    kw.cmd(["-i", missing.to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains(format!("`{}`", missing.display())));
}

#[test]
fn missing_or_garbage_identity_file_is_exit_5() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-i", kw.path("absent.key").to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains("absent.key` (from --identity) does not exist"));
    let junk = kw.path("junk.key");
    fs::write(&junk, "hello world\n").unwrap();
    fs::set_permissions(&junk, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["-i", junk.to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains("not an age identity"));
    // A device or an endless pipe named by mistake (a hostile review pointed it at a
    // 0600 `/dev/zero`: read until memory ran out): read up to 1 MiB, then refused.
    let huge = kw.path("huge.key");
    fs::write(&huge, vec![b'A'; 2 * 1024 * 1024]).unwrap();
    fs::set_permissions(&huge, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["-i", huge.to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains("longer than 1 MiB"));
    // A directory named by mistake: unlock failed, as for any file that is no identity.
    let dir = kw.path("keys.d");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    kw.cmd(["-i", dir.to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains("it is a directory"));
}

#[test]
fn no_identity_at_all_is_exit_5_with_hint() {
    let kw = Sandbox::new();
    let mut c = kw.cmd(["list"]);
    c.env_remove("KEYWARD_IDENTITY");
    c.assert().code(3).stderr(contains("no vault at"));
    let kw = Sandbox::with_vault();
    let mut c = kw.cmd(["list"]);
    c.env_remove("KEYWARD_IDENTITY");
    c.assert().code(5).stderr(contains("keyward init"));
}

#[test]
fn identity_new_writes_private_file_and_prints_recipient() {
    let kw = Sandbox::new();
    let out = kw.stdout(["identity", "new", "--out", "ci.key"]);
    assert!(out.starts_with("age1"), "{out}");
    let meta = fs::metadata(kw.path("ci.key")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(kw.recipient_of(&kw.path("ci.key")), out.trim_end());
    kw.cmd(["identity", "new", "--out", "ci.key"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    let printed = kw.stdout(["identity", "new"]);
    assert!(printed.starts_with("AGE-SECRET-KEY-1"));
    let shown = kw
        .cmd(["-i", "ci.key", "identity", "show", "--recipient"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shown.stdout), out);
    // Without --recipient: the member card (DESIGN §15), recipient first, with the
    // signing key and the proof that binds them.
    let card = kw.stdout(["-i", "ci.key", "identity", "show"]);
    assert!(
        card.starts_with(&format!("kw-member1:{}:", out.trim_end())),
        "{card}"
    );
    assert_eq!(card.trim_end().split(':').count(), 4, "{card}");
}

#[test]
fn literal_identity_on_the_command_line_is_refused() {
    let kw = Sandbox::with_vault();
    let literal = kw.literal_identity();
    kw.cmd(["-i", &literal, "list"])
        .env_remove("KEYWARD_IDENTITY")
        .assert()
        .code(2)
        .stderr(contains("KEYWARD_IDENTITY").and(contains(literal.as_str()).not()));
}

/// About one X25519 recipient in 1024 reads `age1pq…`; only `age1pq1…` (the separator
/// `1` is not a bech32 data character) is a post-quantum recipient. Refusing the others
/// made `init` fail at random.
#[test]
fn an_x25519_recipient_that_happens_to_start_with_pq_is_accepted() {
    let id = std::iter::repeat_with(age::x25519::Identity::generate)
        .take(200_000)
        .find(|id| id.to_public().to_string().starts_with("age1pq"))
        .expect("one in about 1024 recipients starts with age1pq");
    let recipient = id.to_public().to_string();
    let mut kw = Sandbox::new();
    let path = kw.path("pq-looking.key");
    fs::write(
        &path,
        format!(
            "{}\n",
            age::secrecy::ExposeSecret::expose_secret(&id.to_string())
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(path);
    kw.cmd(["init"]).assert().success();
    let v = kw.generate("K");
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    kw.cmd(["access", "list"])
        .assert()
        .success()
        .stdout(contains(recipient.as_str()));
    // and as an argument
    kw.cmd(["access", "grant", &recipient, "-e", "test"])
        .assert()
        .success();
}

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
            .cmd(["identity", "show", "--recipient"])
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

/// `keyward -i "$KEYWARD_IDENTITY" …`: the key is on the command line all the same, so
/// it is refused there although the variable holds the very same key; the variable alone
/// is fine. Every spelling and place of the flag, through the frequent commands' parser
/// (`get`, `list`) and the full one (`env list`).
#[test]
fn a_secret_key_in_argv_is_refused_even_when_keyward_identity_holds_it_too() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let key = kw.literal_identity();
    let short = format!("-i{key}");
    let long = format!("--identity={key}");
    let lines: [&[&str]; 6] = [
        &["-i", &key, "get", "A"],
        &["get", "A", "--identity", &key],
        &[&short, "list"],
        &["list", &long],
        &["-i", &key, "env", "list"],
        &["env", "list", "-i", &key],
    ];
    for line in lines {
        let out = kw
            .cmd(line.iter().copied())
            .env("KEYWARD_IDENTITY", &key)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line:?}: {stderr}");
        assert!(
            stderr.contains("refusing a secret key on the command line"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "released on {line:?}");
        assert_not_echoed(&out.stderr, &key);
    }
    // The variable alone is the documented way, and the value is read.
    kw.cmd(["get", "A"])
        .env("KEYWARD_IDENTITY", &key)
        .assert()
        .success()
        .stdout(predicates::str::is_empty().not());
}

#[test]
fn identity_help_sends_a_literal_key_to_keyward_identity() {
    let kw = Sandbox::new();
    let help = kw.stdout(["--help"]);
    assert!(!help.contains("or a literal AGE-SECRET-KEY"), "{help}");
    assert!(help.contains("KEYWARD_IDENTITY"), "{help}");
    // and it is refused there, as the help says
    let key = Sandbox::secret_key_of(&kw.write_identity("k.key"));
    kw.cmd(["-i", &key, "list"])
        .assert()
        .code(2)
        .stderr(contains("put it in KEYWARD_IDENTITY"));
}

/// Joining a team: a second person makes a passphrase-protected default identity for
/// the existing vault, is granted access, and reads.
#[test]
fn a_new_person_joins_an_existing_vault_with_identity_new_passphrase() {
    let alice = Sandbox::with_vault();
    alice.set("A", "shared-value-12345");
    let mut bob = Sandbox::new();
    bob.set_env("KEYWARD_VAULT", alice.vault().to_str().unwrap());
    bob.cmd(["list"])
        .assert()
        .code(5)
        .stderr(contains("`keyward identity new --passphrase` to join"));
    bob.set_env("KEYWARD_PASSPHRASE", "bob's long passphrase");
    let out = bob
        .cmd(["identity", "new", "--passphrase"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    let id = bob.path("config/keyward/identity.age");
    let text = fs::read(&id).unwrap();
    assert!(
        text.starts_with(b"age-encryption.org/")
            || text.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
        "not passphrase-protected"
    );
    assert!(!crate::support::contains(&text, b"AGE-SECRET-KEY"));
    // Never over an existing identity.
    bob.cmd(["identity", "new", "--passphrase"])
        .assert()
        .code(1)
        .stderr(contains("identity.age`: it already exists"));
    alice
        .cmd(["access", "grant", &recipient, "-e", "dev"])
        .assert()
        .success();
    bob.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("shared-value-12345\n");
}

#[test]
fn identity_new_out_inside_a_work_tree_warns_unless_git_ignores_it() {
    let kw = Sandbox::new();
    let repo = kw.path("repo");
    fs::create_dir_all(&repo).unwrap();
    crate::support::git::git(&kw, &repo, &["init", "-q"]);
    let warned = "is an identity inside the git work tree";
    kw.cmd(["identity", "new", "--out", "repo/ci.key"])
        .assert()
        .success()
        .stderr(predicates::str::contains(warned))
        .stderr(predicates::str::contains("add it to `.gitignore`"));
    fs::write(repo.join(".gitignore"), "*.key\n").unwrap();
    kw.cmd(["identity", "new", "--out", "repo/other.key"])
        .assert()
        .success()
        .stderr(predicates::str::contains(warned).not());
    kw.cmd(["identity", "new", "--out", "outside.key"])
        .assert()
        .success()
        .stderr(predicates::str::contains(warned).not());
}
