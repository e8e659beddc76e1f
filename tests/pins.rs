//! Pins (DESIGN §8): a forged env file (anyone with the public recipients can write one)
//! and a rewound one (an older copy) are noticed; `trust` accepts a file after review;
//! legitimate flows (another machine's write, concurrent writers) never trip.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, concurrently, contains as bytes_contain};

pub(crate) const FORGED: &str = "attacker-chosen-value-4242";

/// The pin files of a sandbox (one vault): `$XDG_STATE_HOME/keyward/pins/<id>/*.json`.
fn pin_files(kw: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let root = kw.path("state/keyward/pins");
    let Ok(dirs) = fs::read_dir(root) else {
        return out;
    };
    for d in dirs {
        for f in fs::read_dir(d.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out
}

/// Forge `env` the way an attacker who knows only the victim's public recipient would:
/// a database of the public schema built by the attacker's own keyward, holding
/// `STRIPE_KEY = FORGED` and a valid chain, encrypted with the `age` crate to the victim
/// and the attacker, written over the victim's file.
fn forge(victim: &Sandbox, env: &str) -> Vec<u8> {
    let attacker = Sandbox::with_vault();
    // Recipients in the database: the victim too, so the victim's next write goes to
    // both (what the attack is after).
    attacker
        .cmd(["access", "grant", &victim.my_recipient(), "-e", env])
        .assert()
        .success();
    for (name, value) in [("STRIPE_KEY", FORGED), ("LD_PRELOAD", "/tmp/evil.so")] {
        attacker
            .cmd(["set", "-e", env, name])
            .write_stdin(value)
            .assert()
            .success();
    }
    let image = attacker.decrypt_env(env);
    let to: Vec<age::x25519::Recipient> = [victim.my_recipient(), attacker.my_recipient()]
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    let enc = age::Encryptor::with_recipients(to.iter().map(|r| r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, &image).unwrap();
    w.finish().unwrap();
    fs::write(victim.env_file(env), &out).unwrap();
    out
}

#[test]
fn a_forged_env_is_refused_by_every_command_once_this_machine_has_seen_the_real_one() {
    let kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "the-real-stripe-key-1");
    kw.cmd(["get", "STRIPE_KEY"]).assert().success();
    let forged = forge(&kw, "dev");
    for (args, stdin) in [
        (vec!["get", "STRIPE_KEY"], ""),
        (vec!["run", "--", "env"], ""),
        (vec!["export", "--format", "dotenv"], ""),
        (vec!["verify"], FORGED),
        (vec!["list"], ""),
        (vec!["show", "STRIPE_KEY"], ""),
        (vec!["set", "NEW_SECRET"], "a-new-secret-value-1"),
        (vec!["rotate", "STRIPE_KEY"], "another-value-12345"),
        (
            vec![
                "access",
                "grant",
                "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",
            ],
            "",
        ),
        (vec!["audit", "verify"], ""),
        (vec!["audit"], ""),
    ] {
        let out = kw.cmd(&args).write_stdin(stdin).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(6),
            "keyward {}: {:?}",
            args.join(" "),
            out
        );
        assert!(
            !bytes_contain(&out.stdout, FORGED.as_bytes()),
            "{args:?} printed the forged value"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("not the environment `dev` last seen here"),
            "{err}"
        );
        assert!(err.contains("keyward trust -e dev"), "{err}");
    }
    // Nothing was written: the victim's identity never encrypted anything to the attacker.
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), forged);
    kw.assert_nowhere_in_files("a-new-secret-value-1");
}

#[test]
fn a_forged_env_in_a_vault_this_machine_never_saw_is_trusted_on_first_use() {
    // Documented limit: a first open has nothing to compare with (CI uses
    // `audit verify --git` instead). Then the forged state is what is pinned.
    let kw = Sandbox::with_vault();
    for f in pin_files(&kw) {
        fs::remove_file(f).unwrap();
    }
    forge(&kw, "test");
    kw.cmd(["get", "-e", "test", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(contains(FORGED));
}

#[test]
fn a_rewound_env_is_read_with_a_warning_never_written_and_what_was_revoked_stays_revoked() {
    let mut kw = Sandbox::with_vault();
    kw.set("OPENAI", "leaked-openai-key-123");
    kw.set("OTHER", "other-value-12345678");
    let before_revoke = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["revoke", "--yes", "OPENAI", "--reason", "leaked"])
        .assert()
        .success();
    let newer = fs::read(kw.env_file("dev")).unwrap();

    // An older copy comes back (a restored backup, an old branch, "take theirs").
    fs::write(kw.env_file("dev"), &before_revoke).unwrap();
    for (args, stdin) in [
        (vec!["get", "OPENAI"], ""),
        (vec!["run", "--only", "OPENAI", "--", "true"], ""),
        (vec!["export", "--format", "dotenv", "--only", "OPENAI"], ""),
        (vec!["verify"], "leaked-openai-key-123"),
    ] {
        let out = kw.cmd(&args).write_stdin(stdin).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(4),
            "keyward {}: {:?}",
            args.join(" "),
            out
        );
        assert!(!bytes_contain(&out.stdout, b"leaked-openai-key-123"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is behind what was seen here"), "{err}");
        assert!(err.contains("revoked"), "{err}");
    }
    // Reads of what is still valid go on, with the warning.
    kw.cmd(["get", "OTHER"])
        .assert()
        .success()
        .stdout("other-value-12345678\n")
        .stderr(contains("warning: environment `dev` is behind"));
    // Writes are refused: they would throw away the revocation.
    kw.cmd(["set", "NEW"])
        .write_stdin("new-value-123456")
        .assert()
        .code(6)
        .stderr(contains("refusing to write over a newer state"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before_revoke);

    // The newer file back: no warning, writes work.
    fs::write(kw.env_file("dev"), &newer).unwrap();
    kw.cmd(["get", "OTHER"])
        .assert()
        .success()
        .stderr(contains("behind").not());

    // Or, after review, trust the older one: recorded, and writes work again; the
    // revocation seen here still holds.
    fs::write(kw.env_file("dev"), &before_revoke).unwrap();
    kw.cmd(["trust", "--reason", "restored from backup"])
        .assert()
        .code(2)
        .stderr(contains("--yes"));
    kw.cmd(["trust", "--reason", "restored from backup", "--yes"])
        .assert()
        .success()
        .stderr(contains("an earlier (or diverging) state"));
    kw.cmd(["set", "NEW"])
        .write_stdin("new-value-123456")
        .assert()
        .success();
    kw.cmd(["get", "OPENAI"]).assert().code(4).stderr(contains(
        "revoked on this machine before `trust` accepted an earlier state",
    ));
    // The trust wrote the revocation seen here into the file, for every reader.
    let revoked = kw.stdout(["list", "--json", "--status", "revoked"]);
    assert!(revoked.contains("\"OPENAI\""), "{revoked}");
    let audit = kw.stdout(["audit", "--action", "trust", "--json"]);
    assert!(audit.contains("restored from backup"), "{audit}");
    kw.at(crate::support::T0); // any later command still reads cleanly
    kw.cmd(["get", "OTHER"]).assert().success();
}

#[test]
fn trust_accepts_a_replaced_file_after_review_and_pins_it() {
    let kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "the-real-stripe-key-1");
    kw.cmd(["get", "STRIPE_KEY"]).assert().success();
    forge(&kw, "dev");
    kw.cmd(["trust", "--reason", "reviewed the new vault", "--yes"])
        .assert()
        .success()
        .stderr(contains("NOT the environment seen here"))
        .stderr(contains("recipients in the file"));
    kw.cmd(["get", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(contains(FORGED));
}

#[test]
fn a_write_from_another_machine_is_accepted_here() {
    let here = Sandbox::with_vault();
    here.set("A", "value-a-12345678");
    here.cmd(["get", "A"]).assert().success();
    // Another machine: its own HOME and state dir, the same vault and identity.
    let mut there = Sandbox::new();
    there.identity = here.identity.clone();
    there.set_env("KEYWARD_VAULT", here.vault().to_str().unwrap());
    there
        .cmd(["rotate", "A"])
        .write_stdin("value-a-2-12345678")
        .assert()
        .success();
    there
        .cmd(["revoke", "--yes", "A", "--version", "1", "--reason", "old"])
        .assert()
        .success();
    here.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("value-a-2-12345678\n")
        .stderr(contains("behind").not());
    here.cmd(["set", "B"])
        .write_stdin("value-b-12345678")
        .assert()
        .success();
    // (Its metadata: a read would go to the access journal, which is `here`'s own and
    // not adopted by another state directory; see tests/journal_owner.rs.)
    there
        .cmd(["show", "B"])
        .assert()
        .success()
        .stdout(contains("B"));
}

#[test]
fn concurrent_writers_never_trip_the_pin_nor_lose_its_advance() {
    let kw = Sandbox::with_vault();
    for i in 0..6 {
        kw.generate(&format!("K{i}"));
    }
    concurrently(&kw, 6, r#""$KW" rotate "K$W""#);
    // The pin holds the final head: 3 init events + 6 generate + 6 rotate.
    let pins = pin_files(&kw);
    let dev = pins.iter().find(|p| p.ends_with("dev.json")).unwrap();
    let pin: serde_json::Value = serde_json::from_slice(&fs::read(dev).unwrap()).unwrap();
    let audit: serde_json::Value = serde_json::from_str(&kw.stdout(["audit", "--json"])).unwrap();
    let lifecycle = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chain"] == "lifecycle")
        .count();
    assert_eq!(pin["seq"], lifecycle as i64, "{pin}");
    kw.cmd(["set", "AFTER"])
        .write_stdin("after-value-1234")
        .assert()
        .success();
}

#[test]
fn two_vaults_with_the_same_env_names_keep_separate_pins() {
    let mut kw = Sandbox::with_vault();
    kw.set("A", "first-vault-value-1");
    let second = kw.path("second-vault");
    kw.cmd(["--vault", second.to_str().unwrap(), "init"])
        .assert()
        .success();
    kw.cmd(["--vault", second.to_str().unwrap(), "set", "A"])
        .write_stdin("second-vault-value-1")
        .assert()
        .success();
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("first-vault-value-1\n");
    kw.set_env("KEYWARD_VAULT", second.to_str().unwrap());
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stdout("second-vault-value-1\n");
}

#[test]
fn a_corrupt_or_exposed_pin_is_an_error_not_a_reset() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let dev = pin_files(&kw)
        .into_iter()
        .find(|p| p.ends_with("dev.json"))
        .unwrap();
    let good = fs::read(&dev).unwrap();
    fs::write(&dev, b"{not json").unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("is corrupt"))
        .stderr(contains("not reset silently"));
    fs::write(&dev, &good).unwrap();
    fs::set_permissions(&dev, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("not a private file (mode 644)"));
    fs::set_permissions(&dev, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["get", "A"]).assert().success();
}

#[test]
fn a_deleted_journal_is_noticed_by_audit_while_reads_go_on_with_a_warning() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for _ in 0..3 {
        kw.cmd(["get", "A"]).assert().success();
    }
    kw.remove_journal("dev");
    // Nothing to read back: audit says what is missing.
    kw.cmd(["audit"])
        .assert()
        .code(6)
        .stderr(contains("has lost events: event 3 was seen here"));
    // Reads go on (the history is gone either way), and say so.
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stderr(contains("has lost events seen here"));
    // The gap is remembered: the new journal alone does not pass.
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("lost events"));
    kw.cmd(["audit"]).assert().code(6).stderr(contains(
        "the access journal of `dev` has lost events: event 3 was seen here",
    ));
    kw.cmd([
        "trust",
        "--reason",
        "journal lost with the old laptop",
        "--yes",
    ])
    .assert()
    .success();
    kw.cmd(["audit", "verify"]).assert().success();
    kw.cmd(["get", "A"])
        .assert()
        .success()
        .stderr(contains("lost").not());
}

#[test]
fn a_journal_cut_back_is_noticed_by_audit() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for _ in 0..5 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let conn = rusqlite::Connection::open(kw.journal_file("dev")).unwrap();
    conn.execute("DELETE FROM journal WHERE seq > 2", [])
        .unwrap();
    drop(conn);
    kw.cmd(["audit", "verify"])
        .assert()
        .code(6)
        .stderr(contains("event 5 was seen here and is gone"));
}

/// Copy a directory tree as `cp -a` does (a vault made elsewhere, checked out here).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cp -a failed");
}

#[test]
fn a_new_vault_at_a_reused_path_is_a_first_use_said_as_such_and_inherits_no_approval() {
    let kw = Sandbox::with_vault();
    let ran = kw.path("ran");
    let hook = kw.path("hook.sh");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat >/dev/null; touch '{}'; echo rolled-by-hook-0002\n",
            ran.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o700)).unwrap();
    let hook = hook.to_str().unwrap();
    // Set here, so approved on this machine for this vault.
    kw.cmd(["set", "API", "--rotate-with", hook])
        .write_stdin("imported-value-0001")
        .assert()
        .success();
    kw.stdout(["get", "API"]);
    // Another vault, made on another machine with the same hook command…
    let other = kw.path("other-vault");
    let other_state = kw.path("other-state");
    let elsewhere = [("KEYWARD_VAULT", &other), ("XDG_STATE_HOME", &other_state)];
    kw.cmd(["init"]).envs(elsewhere).assert().success();
    kw.cmd(["set", "API", "--rotate-with", hook])
        .envs(elsewhere)
        .write_stdin("imported-value-0001")
        .assert()
        .success();
    // …checked out where the first one was (a reused CI workspace).
    fs::remove_dir_all(kw.vault()).unwrap();
    copy_tree(&other, &kw.vault());
    kw.cmd(["get", "API"])
        .assert()
        .success()
        .stdout(contains("imported-value-0001"))
        .stderr(contains("is not the one this machine saw there before"));
    // Said once: the next command is an ordinary read.
    kw.cmd(["get", "API"]).assert().success().stderr("");
    // The approval was for the old vault's hook: this one's is not approved here.
    kw.cmd(["rotate", "API"])
        .assert()
        .code(8)
        .stderr(contains("not approved on this machine"));
    assert!(
        !ran.exists(),
        "a hook ran on an approval made for another vault"
    );
}

/// A pinned clone refuses a rewritten repository's file; cloning it again at the same
/// path (a new directory: "another vault") must not make it a first use. A vault at the
/// path of one seen here, signed under another root, is refused (exit 6, nothing read)
/// until `trust` accepts it after review; a vault founded by the same admins (a real
/// clone made again) is a first use as before.
#[test]
fn a_vault_cloned_again_under_another_root_is_refused_until_trusted() {
    let kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "sk_live_the-real-one-0123456789");
    kw.stdout(["get", "STRIPE_KEY"]);
    // The attacker's vault: founded by someone else, encrypted to this identity too.
    let other = kw.path("forged-vault");
    let mallory = kw.write_identity("mallory.key");
    let as_mallory = [
        ("KEYWARD_VAULT", other.as_os_str()),
        (
            "XDG_STATE_HOME",
            kw.path("mallory-state").into_os_string().leak(),
        ),
        ("KEYWARD_IDENTITY", mallory.as_os_str()),
    ];
    kw.cmd(["init"]).envs(as_mallory).assert().success();
    for env in ["dev", "test", "prod"] {
        kw.cmd(["-e", env, "access", "grant", &kw.my_recipient()])
            .envs(as_mallory)
            .assert()
            .success();
    }
    kw.cmd(["set", "STRIPE_KEY"])
        .envs(as_mallory)
        .write_stdin(FORGED)
        .assert()
        .success();
    // Cloned again where the real one was (the old directory kept elsewhere, so that its
    // inode is not handed to the new one).
    fs::rename(kw.vault(), kw.path("old-clone")).unwrap();
    copy_tree(&other, &kw.vault());
    for _ in 0..2 {
        kw.cmd(["get", "STRIPE_KEY"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(
                contains("the vault at this path was replaced")
                    .and(contains("keyward trust -e dev --reason")),
            );
    }
    // Accepted after review: a first use, what was kept of the old vault set aside.
    kw.cmd([
        "trust",
        "-e",
        "dev",
        "--reason",
        "the team re-founded the vault",
        "--yes",
    ])
    .assert()
    .success()
    .stderr(contains("this machine has not seen it before"));
    let aside = fs::read_dir(kw.path("state/keyward/pins"))
        .unwrap()
        .filter(|d| {
            d.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".replaced-")
        })
        .count();
    assert_eq!(aside, 1, "the old vault's pins were not set aside");
    kw.cmd(["get", "STRIPE_KEY"])
        .assert()
        .success()
        .stdout(format!("{FORGED}\n"));
}

/// `trust` of an earlier state of the same vault keeps what this machine saw, even when
/// the vault's directory was made again meanwhile (a checkout that removed `vault/` and
/// brought it back, a clone made again): it is not another vault. A version seen
/// revoked stays revoked.
#[test]
fn trust_of_an_earlier_state_in_a_directory_made_again_keeps_what_was_seen() {
    let kw = Sandbox::with_vault();
    kw.set("K", "old-leaked-value-0123456789");
    let earlier = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "K"])
        .write_stdin("new-value-0123456789abc")
        .assert()
        .success();
    kw.cmd([
        "revoke",
        "K",
        "--version",
        "1",
        "--reason",
        "leaked",
        "--yes",
    ])
    .assert()
    .success();
    kw.stdout(["get", "K"]);
    // A machine that only ever used `dev` (a teammate's clone): no other environment
    // pinned here to tell the directory is the same vault.
    for dir in fs::read_dir(kw.path("state/keyward/pins")).unwrap() {
        for other in ["test", "prod"] {
            let _ = fs::remove_file(dir.as_ref().unwrap().path().join(format!("{other}.json")));
        }
    }
    // The same vault, its directory made again, holding the earlier state.
    fs::rename(kw.vault(), kw.path("vault-before")).unwrap();
    copy_tree(&kw.path("vault-before"), &kw.vault());
    fs::write(kw.env_file("dev"), &earlier).unwrap();
    kw.cmd(["get", "K", "--version", "1"]).assert().code(4);
    kw.cmd([
        "trust",
        "-e",
        "dev",
        "--reason",
        "review the old branch",
        "--yes",
    ])
    .assert()
    .success();
    kw.cmd(["get", "K", "--version", "1"])
        .assert()
        .code(4)
        .stdout("");
}

#[test]
fn one_environment_replaced_in_the_same_vault_is_still_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    let other = kw.path("other-vault");
    kw.cmd(["init"])
        .env("KEYWARD_VAULT", &other)
        .env("XDG_STATE_HOME", kw.path("other-state"))
        .assert()
        .success();
    fs::copy(other.join("envs/dev.db.age"), kw.env_file("dev")).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stderr(contains("is not the environment `dev` last seen here"));
}

#[test]
fn a_pinned_head_is_accepted_only_when_recomputed_from_its_rows() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    // The last event edited, its stored hash kept: the head "is there" as stored.
    let edited = crate::support::edit_image(&kw.decrypt_env("dev"), |c| {
        c.execute(
            "UPDATE events SET reason = 'nothing to see' WHERE seq = (SELECT max(seq) FROM events)",
            [],
        )
        .unwrap();
    });
    kw.encrypt_env("dev", &edited);
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("its hash does not match its content"));
}

/// The machine's state directory holds the pins: one others could write to (where they
/// could take the pins away, and any replaced file would be a first open) is refused,
/// as a vault directory is.
#[test]
fn a_state_directory_others_can_write_to_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let state = kw.path("state/keyward");
    for dir in [state.clone(), state.join("pins")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        kw.cmd(["get", "A"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(predicates::str::contains("writable by group or others"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    kw.cmd(["get", "A"]).assert().success();
}
