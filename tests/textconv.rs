//! What `git diff` and `git log -p` show of an env file (DESIGN §9, §15): the first line
//! says whether its signed history verifies, as a read would check it, so a file
//! re-encrypted by hand by anyone who can decrypt it never reads like a signed change;
//! each member's role and signing key show, so a role taken or granted is a change in
//! the diff. Through real git repositories, with the driver `init` sets up.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::git::git;
use crate::support::{Sandbox, copy_dir, decrypt_file, edit_image, encrypt_image};

const BAD: &str = "# DOES NOT VERIFY: ";
const GOOD: &str = "# signed history verifies (trust root ";

/// A vault in a git repository (`init` runs `git setup`): Alice, its admin, holds `K`
/// with a note, and Carol is a `read` member granted by her card. Committed. Carol's
/// identity file and recipient.
fn repo_with_a_reader() -> (Sandbox, std::path::PathBuf, String) {
    let mut kw = Sandbox::new();
    kw.identity = Some(kw.write_identity("alice.key"));
    let root = kw.dir.path();
    git(&kw, root, &["init", "-q", "-b", "main"]);
    git(&kw, root, &["config", "user.name", "Alice"]);
    git(&kw, root, &["config", "user.email", "alice@example.org"]);
    kw.cmd(["init", "--name", "Alice"]).assert().success();
    kw.cmd(["set", "K", "--note", "for the billing job"])
        .write_stdin("value-Kq7Zr9wT2mN5pL8x")
        .assert()
        .success();
    let carol = kw.write_identity("carol.key");
    let card = kw
        .stdout(["-i", carol.to_str().unwrap(), "identity", "show"])
        .trim()
        .to_owned();
    kw.cmd([
        "access", "grant", &card, "--role", "read", "--name", "Carol",
    ])
    .assert()
    .success();
    git(&kw, root, &["add", "-A", "vault"]);
    git(&kw, root, &["commit", "-qm", "vault"]);
    let recipient = kw.recipient_of(&carol);
    (kw, carol, recipient)
}

/// Every file under `dir` with its bytes (the state directory: pins, seals).
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    crate::support::files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn a_file_forged_by_a_read_member_says_it_does_not_verify_in_git_log_and_a_good_one_does_not() {
    let (kw, carol_key, carol) = repo_with_a_reader();
    let root = kw.dir.path();
    let file = kw.env_file("dev");
    let alice = kw.my_recipient();

    // The signed file: said to verify, every member with their role and key.
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), file.as_os_str()]);
    let first = text.lines().next().unwrap();
    assert!(first.starts_with(GOOD), "{text}");
    assert!(!text.contains("DOES NOT VERIFY"), "{text}");
    let line_of = |text: &str, who: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("recipient {who} ")))
            .unwrap_or_else(|| panic!("no line for {who}:\n{text}"))
            .to_owned()
    };
    assert!(
        line_of(&text, &alice).contains(" role=admin signing-key="),
        "{text}"
    );
    let carol_line = line_of(&text, &carol);
    assert!(carol_line.contains(" role=read "), "{text}");
    assert!(carol_line.contains("label=\"Carol\""), "{text}");
    let log = git(&kw, root, &["log", "-p", "--", "vault/envs/dev.db.age"]);
    assert!(!log.contains("DOES NOT VERIFY"), "{log}");
    assert!(log.contains(&format!("+{GOOD}")), "{log}");
    assert!(log.contains(" role=read "), "{log}");

    // Carol decrypts with plain age, makes herself admin, changes the note, encrypts to
    // the same recipients and commits: no signature covers any of it.
    let forged = edit_image(&decrypt_file(&file, &carol_key), |c| {
        c.execute(
            "UPDATE recipients SET role = 2 WHERE recipient = ?1",
            [&carol],
        )
        .unwrap();
        c.execute("UPDATE keys SET note = 'approved by alice'", [])
            .unwrap();
    });
    fs::write(&file, encrypt_image(&forged, &[&alice, &carol])).unwrap();
    git(&kw, root, &["commit", "-qam", "routine"]);

    // The same file read by keyward is refused; in git it says so on its first line.
    kw.cmd(["list"]).assert().code(6);
    let state = kw.path("state");
    let before = snapshot(&state);
    let log = git(
        &kw,
        root,
        &["log", "-p", "-1", "--", "vault/envs/dev.db.age"],
    );
    let diff: Vec<&str> = log
        .lines()
        .skip_while(|l| !l.starts_with("@@"))
        .skip(1)
        .collect();
    assert!(
        diff[0].starts_with(&format!("-{GOOD}")) && diff[1].starts_with(&format!("+{BAD}")),
        "the verdict is not the first change:\n{log}"
    );
    assert!(
        diff[1].contains("the rows are not the state"),
        "the reason is not given:\n{log}"
    );
    // The role taken and the note show as changes, under that line.
    assert!(
        log.lines()
            .any(|l| l.starts_with(&format!("+recipient {carol} role=admin "))),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.starts_with(&format!("-recipient {carol} role=read "))),
        "{log}"
    );
    assert!(log.contains("note=\"approved by alice\""), "{log}");
    assert!(!log.contains("value-Kq7Zr9wT2mN5pL8x"), "{log}");
    // Textconv wrote nothing to this machine's state: no pin moved, none made.
    assert_eq!(
        snapshot(&state),
        before,
        "textconv changed the state directory"
    );

    // Run directly, it still succeeds, with the line first.
    let out = kw
        .cmd(["git".as_ref(), "textconv".as_ref(), file.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(BAD), "{text}");
}

#[test]
fn textconv_of_a_signed_file_under_another_trust_root_does_not_verify() {
    // `KEYWARD_TRUST_ROOT` holds in a diff as it does on a read.
    let (mut kw, _, _) = repo_with_a_reader();
    let file = kw.env_file("dev");
    kw.set_env("KEYWARD_TRUST_ROOT", &"ab".repeat(32));
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), file.as_os_str()]);
    assert!(text.starts_with(BAD), "{text}");
    assert!(
        text.lines().next().unwrap().contains("trust root"),
        "{text}"
    );
    kw.cmd(["list"]).assert().code(6);
}

#[test]
fn textconv_of_an_unsigned_history_says_unsigned_history() {
    // The format-3 fixture: written before signed writes, read as it is.
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v3"), &kw.vault());
    let id = kw.path("identity-v1.key");
    fs::copy(fixtures.join("identity-v1.key"), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(id);
    let file = kw.env_file("dev");
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), file.as_os_str()]);
    assert!(
        text.starts_with(&format!("{BAD}unsigned-history")),
        "{text}"
    );
    // Before signed writes everyone may write, and no key is bound.
    let members: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("recipient "))
        .collect();
    assert!(!members.is_empty(), "{text}");
    for l in members {
        assert!(l.contains(" role=write signing-key=unbound "), "{l}");
    }
}

#[test]
fn textconv_of_another_history_under_a_pinned_name_does_not_verify() {
    // Another vault the same admin founded: its `dev` verifies under its own root, but
    // it is not the `dev` this machine pinned (DESIGN §15: a history, not its founders).
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let own = kw.env_file("dev");
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), own.as_os_str()]);
    assert!(text.starts_with(GOOD), "{text}");
    let other = kw.path("other-vault");
    kw.cmd(["--vault", other.to_str().unwrap(), "init"])
        .assert()
        .success();
    let theirs = other.join("envs/dev.db.age");
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), theirs.as_os_str()]);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "{BAD}not the history this machine pinned for `dev`"
        )),
        "{text}"
    );
    // Its rows are still shown, under the line.
    assert!(text.lines().count() > 1, "{text}");
    // On a machine that pinned nothing, it verifies under its own root.
    let text = kw
        .cmd(["git".as_ref(), "textconv".as_ref(), theirs.as_os_str()])
        .env("XDG_STATE_HOME", kw.path("fresh-state"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).starts_with(GOOD));
}

#[test]
fn textconv_of_one_environments_file_under_anothers_name_does_not_verify() {
    // `dev`'s file committed over `prod`'s: the path names the environment, and `prod`'s
    // pinned history is another one (every keyward command on `prod` refuses it).
    let kw = Sandbox::with_vault();
    kw.cmd(["-e", "prod", "generate", "K"]).assert().success();
    kw.cmd(["-e", "dev", "generate", "K"]).assert().success();
    let swapped = kw.path("swapped/envs/prod.db.age");
    fs::create_dir_all(swapped.parent().unwrap()).unwrap();
    fs::copy(kw.env_file("dev"), &swapped).unwrap();
    let text = kw.stdout(["git".as_ref(), "textconv".as_ref(), swapped.as_os_str()]);
    assert!(
        text.starts_with(&format!(
            "{BAD}not the history this machine pinned for `prod`"
        )),
        "{text}"
    );
}
