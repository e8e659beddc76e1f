//! What an env file is (DESIGN §2): plain age around plain SQLite (gzip-compressed when
//! small), replaced text gone from free pages, a newer format refused, a recovery
//! session's WAL-mode image still read; and the committed format-1 vault in
//! `tests/fixtures/vault-v1`: a change that cannot read old vaults, or reads them
//! differently, fails here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use predicates::str::contains;

use crate::support::{
    Sandbox, audit_events, contains as bytes_contain, copy_dir, open_image, own_journals,
};

#[test]
fn env_file_decrypts_with_plain_age_and_opens_as_sqlite() {
    // The no-lock-in promise: standard age, standard SQLite.
    let kw = Sandbox::with_vault();
    let v = kw.generate("DISTINCTIVE_KEY_NAME");
    // Small images are stored gzip-compressed (DESIGN §9: small history in git).
    assert_eq!(&kw.decrypt_env_payload("dev")[..2], &[0x1f, 0x8b]);
    let image = kw.decrypt_env("dev");
    assert_eq!(&image[..16], b"SQLite format 3\0");
    let conn = open_image(&image);
    let name: String = conn
        .query_row("SELECT name FROM keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "DISTINCTIVE_KEY_NAME");
    let value: Vec<u8> = conn
        .query_row("SELECT value FROM versions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(value, v.as_bytes());
    // The file on disk reveals neither.
    let raw = fs::read(kw.env_file("dev")).unwrap();
    assert!(!bytes_contain(&raw, b"DISTINCTIVE_KEY_NAME"));
    assert!(!bytes_contain(&raw, v.as_bytes()));
    assert!(!bytes_contain(&raw, b"SQLite"));
}

#[test]
fn replaced_text_does_not_survive_in_free_pages() {
    // DESIGN §2, secure_delete: text the vault replaces leaves no trace in the image.
    let kw = Sandbox::with_vault();
    let old_note = "note-that-must-vanish-0123456789";
    kw.cmd(["generate", "K", "--note", old_note])
        .assert()
        .success();
    // A later row sits between K's row and the page's free area, and the new note is
    // longer than the old one: SQLite writes K's new row elsewhere and leaves the old
    // one as a free block, which only secure_delete zeroes.
    kw.generate("LATER");
    assert!(bytes_contain(&kw.decrypt_env("dev"), old_note.as_bytes()));
    let new_note = "a replacement note, much longer than the one it replaces. ".repeat(4);
    kw.cmd(["rotate", "K", "--note", &new_note])
        .assert()
        .success();
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["note"], new_note.as_str());
    let image = kw.decrypt_env("dev");
    assert!(
        !bytes_contain(&image, old_note.as_bytes()),
        "the replaced note survives in the decrypted image"
    );
}

#[test]
fn newer_format_is_refused_clearly() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.edit_env("dev", |conn| {
        conn.execute("UPDATE meta SET v = 99 WHERE k = 'format_version'", [])
            .unwrap();
    });
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(1)
        .stderr(contains("newer keyward"));
    kw.cmd(["generate", "X"])
        .assert()
        .code(1)
        .stderr(contains("newer keyward"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn wal_mode_image_from_a_recovery_session_still_opens() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let mut image = kw.decrypt_env("dev");
    image[18] = 2;
    image[19] = 2;
    kw.encrypt_env("dev", &image);
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stdout(format!("{v}\n"));
    kw.cmd(["generate", "K2"]).assert().success();
}

const GEN_V1: &str = "kw_dev_LxgfJUSBqhWOVHcY1Hh4xjQwrAhXu22sys3T";

const GEN_V2: &str = "kw_dev_FBCDD03SCOBCKNDsV60X4YTaeTKO4E1B0gqE";

const IMPORTED: &str = "imported-fixture-value \"quoted\" $x";

const PRODKEY: &str = "d7c8d3a54d6c1e4482bf2bb6af032e2a";

/// A sandbox holding a copy of the committed format-1 vault and its identity.
fn fixture_sandbox() -> Sandbox {
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v1"), &kw.vault());
    let id = kw.path("identity-v1.key");
    fs::copy(fixtures.join("identity-v1.key"), &id).unwrap();
    fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(id);
    own_journals(&kw);
    kw
}

#[test]
fn format_1_vault_reads_as_written() {
    let kw = fixture_sandbox();
    assert_eq!(kw.stdout(["get", "GEN", "-n"]), GEN_V2);
    assert_eq!(kw.stdout(["get", "IMPORTED", "-n"]), IMPORTED);
    assert_eq!(kw.stdout(["-e", "prod", "get", "PRODKEY", "-n"]), PRODKEY);
    kw.cmd(["get", "DEAD"])
        .assert()
        .code(4)
        .stderr(contains("key `DEAD` version 1 in `dev` is revoked since"));
    kw.cmd(["verify"]).write_stdin(GEN_V1).assert().success();
    kw.cmd(["verify"]).write_stdin(GEN_V2).assert().success();
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "GEN", "--json"])).unwrap();
    assert_eq!(show["scopes"], serde_json::json!(["read"]));
    assert_eq!(show["rotate_every"], "90d");
    assert_eq!(show["versions"][0]["status"], "retiring");
    let dead: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "DEAD", "--json"])).unwrap();
    assert_eq!(dead["versions"][0]["revoke_reason"], "fixture revoke");
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    let events: serde_json::Value = serde_json::from_str(&kw.stdout(["audit", "--json"])).unwrap();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chain"] == "lifecycle")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["init", "generate", "set", "rotate", "generate", "revoke"]
    );
}

#[test]
fn format_1_vault_accepts_new_writes() {
    let kw = fixture_sandbox();
    kw.generate("NEW");
    kw.stdout(["rotate", "GEN"]);
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(kw.stdout(["get", "IMPORTED", "-n"]), IMPORTED);
}

fn format_version(kw: &Sandbox, env: &str) -> i64 {
    let conn = open_image(&kw.decrypt_env(env));
    conn.query_row("SELECT v FROM meta WHERE k = 'format_version'", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn a_format_1_vault_reads_as_before_and_is_migrated_by_its_next_write() {
    let kw = fixture_sandbox();

    // Reads leave format 1 as it is, without the new columns.
    let before = kw.json(["audit", "--json"]);
    let list = kw.json(["access", "list", "--json"]);
    assert_eq!(list[0]["label"], serde_json::Value::Null);
    assert!(
        before
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject"].is_null())
    );
    assert_eq!(format_version(&kw, "dev"), 1);

    // The next write migrates, in the same commit; old events keep their hashes.
    let other = kw.write_identity("ana.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r, "--name", "Ana"])
        .assert()
        .success();
    assert_eq!(
        format_version(&kw, "dev"),
        keyward::vault::schema::BASE_FORMAT
    );
    assert_eq!(
        format_version(&kw, "prod"),
        1,
        "an environment not written stays"
    );
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    let after = kw.json(["audit", "--json"]);
    let hashes = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["chain"] == "lifecycle")
            .map(|e| e["hash"].as_str().unwrap().to_owned())
            .collect()
    };
    let (old, new) = (hashes(&before), hashes(&after));
    // The grant, and the checkpoint that starts its signed history (DESIGN §15).
    assert_eq!(new.len(), old.len() + 2);
    assert_eq!(&new[..old.len()], &old[..]);
    let checkpoint = audit_events(&kw, &["--action", "checkpoint"]);
    assert_eq!(checkpoint.len(), 1, "{checkpoint:?}");
    let grant = audit_events(&kw, &["--action", "access-grant"]);
    assert_eq!(grant[0]["subject"], r.as_str());
    assert_eq!(grant[0]["subject_label"], "Ana");
    let list = kw.json(["access", "list", "--json"]);
    assert!(list.as_array().unwrap().iter().any(|x| x["label"] == "Ana"));
}

/// The committed format-3 vault (written by round 2's keyward: rotations, a revocation,
/// a labelled second member, a hook, a verifier key; `prod` with one key) and its
/// founder's identity (the format-1 fixture's).
fn fixture_v3() -> Sandbox {
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v3"), &kw.vault());
    for (name, file) in [
        ("identity-v1.key", "identity-v1.key"),
        ("ana.key", "ana-v3.key"),
    ] {
        let id = kw.path(name);
        fs::copy(fixtures.join(file), &id).unwrap();
        fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    }
    kw.identity = Some(kw.path("identity-v1.key"));
    kw
}

#[test]
fn a_format_3_vault_with_history_reads_as_it_is_and_its_first_write_signs_it() {
    let kw = fixture_v3();
    own_journals(&kw);
    // Read as it is: values, statuses, history; said to be unsigned, never refused.
    assert_eq!(
        kw.stdout(["get", "IMPORTED", "-n"]),
        "imported-value-v3-0123456789"
    );
    kw.cmd(["get", "DEAD"]).assert().code(4);
    kw.cmd(["audit", "verify", "--all-envs"])
        .assert()
        .success()
        .stderr(contains("not signed yet"));
    kw.cmd(["check"])
        .assert()
        .code(8)
        .stdout(contains("unsigned-history"));
    kw.cmd(["trust", "root"])
        .assert()
        .success()
        .stdout("")
        .stderr(contains("no signed history yet"));
    assert_eq!(format_version(&kw, "dev"), 3);
    let lifecycle = |kw: &Sandbox| -> Vec<String> {
        kw.json(["audit", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["chain"] == "lifecycle")
            .map(|e| e["hash"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = lifecycle(&kw);

    // The first write signs the state as it stands: its writer is the first admin.
    kw.cmd(["generate", "NEW"])
        .assert()
        .success()
        .stderr(contains(
            "had no signed history: this write signs it as it stands, with you as its first admin",
        ));
    assert_eq!(
        format_version(&kw, "dev"),
        keyward::vault::schema::BASE_FORMAT
    );
    let after = lifecycle(&kw);
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "old events keep their hashes"
    );
    assert_eq!(
        audit_events(&kw, &["--action", "checkpoint"]).len(),
        1,
        "one checkpoint"
    );
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    assert_eq!(root.len(), 64, "{root}");
    kw.cmd(["audit", "verify"])
        .assert()
        .success()
        .stderr(contains("signature(s) check"));
    let check = kw.cmd(["check"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&check.stdout).contains("unsigned-history"));
    // The members from before: the writer is admin, Ana a writer not bound yet; her
    // first write binds her key with the proof her identity makes.
    let list = kw.json(["access", "list", "--json"]);
    let ana_row = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == "Ana")
            .cloned()
            .unwrap()
    };
    assert_eq!(ana_row(&list)["role"], "write");
    assert!(ana_row(&list)["signing_key"].is_null());
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "admin" && r["you"] == true)
    );
    kw.cmd_as(&kw.path("ana.key"), ["set", "FROM_ANA"])
        .write_stdin("ana's value")
        .assert()
        .success();
    let list = kw.json(["access", "list", "--json"]);
    assert!(ana_row(&list)["signing_key"].is_string());
    // `prod`, never written since, stays as it was; a runner pinning the root reads the
    // signed `dev` and refuses the unsigned `prod`.
    assert_eq!(format_version(&kw, "prod"), 3);
    // (Its own clone: the journal here is this machine's, not the runner's.)
    let runner = kw.path("runner-state");
    let clone = kw.path("runner-clone");
    copy_dir(&kw.vault(), &clone);
    fs::remove_dir_all(clone.join("journal")).unwrap();
    kw.cmd(["get", "NEW"])
        .env("KEYWARD_VAULT", &clone)
        .env("XDG_STATE_HOME", &runner)
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .success();
    kw.cmd(["-e", "prod", "list"])
        .env("KEYWARD_VAULT", &clone)
        .env("XDG_STATE_HOME", &runner)
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .code(6)
        .stderr(contains("has no signed history"));
}

/// The committed format-4 vault (written by round 3's keyward before DESIGN §16: signed,
/// `Ana` a labelled writer who wrote `ANAS`; `dev` and `prod`), and its identities.
fn fixture_v4() -> Sandbox {
    let mut kw = Sandbox::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    copy_dir(&fixtures.join("vault-v4"), &kw.vault());
    for (name, file) in [
        ("identity-v1.key", "identity-v1.key"),
        ("ana.key", "ana-v3.key"),
    ] {
        let id = kw.path(name);
        fs::copy(fixtures.join(file), &id).unwrap();
        fs::set_permissions(&id, fs::Permissions::from_mode(0o600)).unwrap();
    }
    kw.identity = Some(kw.path("identity-v1.key"));
    kw
}

#[test]
fn a_format_4_vault_reads_as_it_is_and_its_next_write_keeps_removed_members_labels() {
    let kw = fixture_v4();
    let ana = kw.recipient_of(&kw.path("ana.key"));
    // (written through a here-string: the newline is part of the value)
    assert_eq!(kw.stdout(["get", "ANAS", "-n"]), "anas-v4-value-0123\n");
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    assert_eq!(format_version(&kw, "dev"), 4);
    assert_eq!(audit_events(&kw, &["--actor", "Ana"]).len(), 1);
    // The next write migrates (format 5: `former_labels`), signed like any other.
    kw.cmd(["access", "revoke", &ana, "--yes"])
        .assert()
        .success()
        .stderr(contains("revoked Ana ("));
    assert_eq!(
        format_version(&kw, "dev"),
        keyward::vault::schema::BASE_FORMAT
    );
    assert_eq!(format_version(&kw, "prod"), 4, "not written, not migrated");
    kw.cmd(["audit", "verify", "--all-envs"]).assert().success();
    let hers = audit_events(&kw, &["--actor", "Ana"]);
    assert!(hers.iter().any(|e| e["key"] == "ANAS"), "{hers:?}");
    let conn = open_image(&kw.decrypt_env("dev"));
    let label: String = conn
        .query_row(
            "SELECT label FROM former_labels WHERE recipient = ?1",
            [&ana],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(label, "Ana");
}

/// A writer's writes to a signed format-4 environment, and her merge of two of them,
/// need no admin, as before format 5. Its step adds `former_labels`, a table of the
/// settings only an admin's signature changes (DESIGN §15), so such a file takes it with
/// its first removal of a member, an admin's change; until then it stays format 4.
#[test]
fn a_writer_writes_and_merges_a_signed_format_4_environment_without_an_admin() {
    let kw = fixture_v4();
    let ana = kw.path("ana.key");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let base = fs::read(kw.env_file("dev")).unwrap();
    // Two branches of Ana's from the same state, each on its own machine state.
    let side = |name: &str, key: &str| {
        fs::write(kw.env_file("dev"), &base).unwrap();
        kw.cmd_as(&ana, ["set", key])
            .env("XDG_STATE_HOME", kw.path(name))
            .write_stdin(format!("{key}-value-0123456789"))
            .assert()
            .success();
        assert_eq!(format_version(&kw, "dev"), 4, "a writer's write migrates");
        fs::read(kw.env_file("dev")).unwrap()
    };
    let ours = side("state-ours", "ANA_ONE");
    let theirs = side("state-theirs", "ANA_TWO");
    let [b, o, t] = kw.merge_sides("sides", [&base, &ours, &theirs]);
    kw.cmd_as(&ana, ["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .env("XDG_STATE_HOME", kw.path("state-ours"))
        .assert()
        .success();
    fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
    assert_eq!(format_version(&kw, "dev"), 4, "the merge migrates");
    // A runner that never saw the file, pinned to the root, reads and verifies it.
    let runner = kw.path("runner");
    for args in [&["audit", "verify"][..], &["list"]] {
        kw.cmd(args)
            .env("XDG_STATE_HOME", &runner)
            .env("KEYWARD_TRUST_ROOT", &root)
            .assert()
            .success();
    }
    let listed = kw
        .cmd(["list"])
        .env("XDG_STATE_HOME", &runner)
        .env("KEYWARD_TRUST_ROOT", &root)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("ANA_ONE") && listed.contains("ANA_TWO"),
        "{listed}"
    );
    // The admin's removal of her takes format 5, and keeps her label.
    kw.cmd(["access", "revoke", "Ana", "--yes"])
        .env("XDG_STATE_HOME", &runner)
        .env("KEYWARD_TRUST_ROOT", &root)
        .assert()
        .success();
    assert_eq!(
        format_version(&kw, "dev"),
        keyward::vault::schema::BASE_FORMAT
    );
    let conn = open_image(&kw.decrypt_env("dev"));
    let label: String = conn
        .query_row("SELECT label FROM former_labels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(label, "Ana");
}

/// An admin's removal on one branch (format 5 from then on: the removed member's label is
/// kept) and a writer's write on another (still format 4), merged by the writer either
/// way round: the result takes format 5 and the label, and reads where the root is pinned.
#[test]
fn a_writers_merge_of_an_admins_removal_takes_format_5_either_way_round() {
    let kw = fixture_v4();
    let ana = kw.path("ana.key");
    let carol = kw.recipient_of(&kw.write_identity("carol.key"));
    kw.cmd(["access", "grant", &carol, "--name", "Carol"])
        .assert()
        .success();
    assert_eq!(format_version(&kw, "dev"), 4, "an admin's grant migrates");
    let root = kw.stdout(["trust", "root"]).trim().to_owned();
    let base = fs::read(kw.env_file("dev")).unwrap();
    let branch = |state: &str, key: &Path, args: &[&str], stdin: &str| {
        fs::write(kw.env_file("dev"), &base).unwrap();
        kw.cmd_as(key, args)
            .env("XDG_STATE_HOME", kw.path(state))
            .write_stdin(stdin)
            .assert()
            .success();
        fs::read(kw.env_file("dev")).unwrap()
    };
    let removal = branch(
        "state-removal",
        &kw.path("identity-v1.key"),
        &["access", "revoke", "Carol", "--yes"],
        "",
    );
    let write = branch(
        "state-ana",
        &ana,
        &["set", "ANA_ONE"],
        "ana-one-value-0123456789",
    );
    for (n, (ours, theirs)) in [(&write, &removal), (&removal, &write)]
        .into_iter()
        .enumerate()
    {
        let [b, o, t] = kw.merge_sides(&format!("sides-{n}"), [&base, ours, theirs]);
        kw.cmd_as(&ana, ["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
            .env("XDG_STATE_HOME", kw.path(&format!("state-merge-{n}")))
            .assert()
            .success();
        fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
        assert_eq!(
            format_version(&kw, "dev"),
            keyward::vault::schema::BASE_FORMAT,
            "merge {n}"
        );
        let conn = open_image(&kw.decrypt_env("dev"));
        let former: Vec<(String, String)> = conn
            .prepare("SELECT recipient, label FROM former_labels")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(former, [(carol.clone(), "Carol".to_owned())], "merge {n}");
        let runner = kw.path(&format!("runner-{n}"));
        let read = |args: &[&str]| {
            let out = kw
                .cmd(args)
                .env("XDG_STATE_HOME", &runner)
                .env("KEYWARD_TRUST_ROOT", &root)
                .output()
                .unwrap();
            assert!(out.status.success(), "merge {n}: {args:?}: {out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        read(&["audit", "verify"]);
        assert!(read(&["list"]).contains("ANA_ONE"), "merge {n}");
        assert!(!read(&["access", "list"]).contains("Carol"), "merge {n}");
    }
}

/// Two branches of a format-3 vault, each changed by the keyward before signed writes,
/// merged by this one's driver (a team upgrading with branches still open): the merged
/// file is unsigned, like its sides, and reads everywhere — an unsigned image is
/// "signatures stripped" only when its members show a signed write was made.
#[test]
fn two_unsigned_branches_of_a_format_3_vault_merge_into_a_file_that_reads() {
    use crate::support::forge::append_event;
    use crate::support::{decrypt_file, edit_image, encrypt_image};
    let kw = fixture_v3();
    let file = kw.env_file("dev");
    let id = kw.identity.clone().unwrap();
    let founder = kw.recipient_of(&id);
    let ana = kw.recipient_of(&kw.path("ana.key"));
    let base = fs::read(&file).unwrap();
    let image = decrypt_file(&file, &id);
    // Each side revokes another key by hand, as round 2's keyward wrote a revocation.
    let side = |key: &str| {
        let edited = edit_image(&image, |c| {
            append_event(c, &founder, keyward::audit::Action::Revoke, Some(key), None);
            c.execute(
                "UPDATE versions SET status = 3,
                   revoked_at = (SELECT max(time) FROM events),
                   revoked_by = (SELECT actor FROM events ORDER BY seq DESC LIMIT 1)
                 WHERE key_id = (SELECT id FROM keys WHERE name = ?1)",
                [key],
            )
            .unwrap();
        });
        encrypt_image(&edited, &[founder.as_str(), ana.as_str()])
    };
    let [b, o, t] = kw.merge_sides("v3", [&base, &side("IMPORTED"), &side("GEN")]);
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success();
    fs::copy(&o, &file).unwrap();
    for state in ["state", "fresh"] {
        kw.cmd(["list"])
            .env("XDG_STATE_HOME", kw.path(state))
            .assert()
            .success()
            .stderr(contains("not signed yet"));
        kw.cmd(["get", "IMPORTED"])
            .env("XDG_STATE_HOME", kw.path(state))
            .assert()
            .code(4);
    }
}

/// A `trust` of an earlier state records a verifier serial floor (DESIGN §13) that
/// releases before format 6 do not count: they would export a set below the serial
/// services hold. The image is marked format 6 with it, so they refuse it ("upgrade");
/// a merge with a marked side is marked; a `trust` without a floor, and other writes,
/// leave format 5, which those releases read.
#[test]
fn a_serial_floor_marks_the_image_format_6_and_merges_keep_the_mark() {
    use keyward::vault::schema::{BASE_FORMAT, FLOOR_FORMAT};
    let kw = Sandbox::with_vault_at(crate::support::T0);
    kw.generate("K");
    let export = |out: &str| {
        kw.cmd(["verifier", "export", "-o", out]).assert().success();
    };
    export("a.kwset");
    let base = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["trust", "--reason", "as it is", "--yes"])
        .assert()
        .success();
    assert_eq!(format_version(&kw, "dev"), BASE_FORMAT, "no floor, no mark");
    for name in ["X", "Y", "Z"] {
        kw.generate(name);
    }
    export("b.kwset");
    // Restored from the backup, another machine (its own state) writes on it.
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["generate", "Q"])
        .env("XDG_STATE_HOME", kw.path("state-b"))
        .assert()
        .success();
    let theirs = fs::read(kw.env_file("dev")).unwrap();
    assert_eq!(format_version(&kw, "dev"), BASE_FORMAT);
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["trust", "--reason", "restored backup", "--yes"])
        .assert()
        .success();
    assert_eq!(
        format_version(&kw, "dev"),
        FLOOR_FORMAT,
        "the floor marks it"
    );
    kw.generate("W");
    assert_eq!(
        format_version(&kw, "dev"),
        FLOOR_FORMAT,
        "and the mark stays"
    );
    let floored = fs::read(kw.env_file("dev")).unwrap();
    for (n, (ours, other)) in [(&floored, &theirs), (&theirs, &floored)]
        .into_iter()
        .enumerate()
    {
        let [b, o, t] = kw.merge_sides(&format!("floor-{n}"), [&base, ours, other]);
        kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
            .env("XDG_STATE_HOME", kw.path(&format!("state-merge-{n}")))
            .assert()
            .success();
        fs::write(kw.env_file("dev"), fs::read(&o).unwrap()).unwrap();
        assert_eq!(format_version(&kw, "dev"), FLOOR_FORMAT, "merge {n}");
    }
}

/// A floor recorded by a build before format 6 (at format 5, unmarked) is marked by the
/// next admin's write: the mark is a setting, an admin's to change; a writer's writes
/// leave it as it is.
#[test]
fn a_floor_left_unmarked_is_marked_by_the_next_admins_write() {
    use keyward::vault::schema::{BASE_FORMAT, FLOOR_FORMAT};
    let kw = Sandbox::with_vault_at(crate::support::T0);
    let (bob_key, bob) = crate::support::bound_writer(&kw);
    kw.cmd(["verifier", "export", "-o", "a.kwset"])
        .assert()
        .success();
    let base = fs::read(kw.env_file("dev")).unwrap();
    kw.generate("X");
    kw.generate("Y");
    kw.cmd(["verifier", "export", "-o", "b.kwset"])
        .assert()
        .success();
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["trust", "--reason", "restored", "--yes"])
        .assert()
        .success();
    assert_eq!(format_version(&kw, "dev"), FLOOR_FORMAT);
    // As a build before format 6 left it (signed by the admin, to both members).
    let me = kw.identity.clone().unwrap();
    let image = crate::support::edit_image(&kw.decrypt_env("dev"), |c| {
        c.execute("UPDATE meta SET v = 5 WHERE k = 'format_version'", [])
            .unwrap();
        crate::support::forge::resign(c, &me);
    });
    let to: Vec<age::x25519::Recipient> = [kw.my_recipient(), bob.clone()]
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    let e = age::Encryptor::with_recipients(to.iter().map(|r| r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = e.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, &image).unwrap();
    w.finish().unwrap();
    fs::write(kw.env_file("dev"), out).unwrap();
    kw.cmd_as(&bob_key, ["generate", "BOB2"]).assert().success();
    assert_eq!(format_version(&kw, "dev"), BASE_FORMAT, "a writer's write");
    kw.generate("Z");
    assert_eq!(format_version(&kw, "dev"), FLOOR_FORMAT, "an admin's write");
    kw.cmd(["audit", "verify"]).assert().success();
}

/// A `trust` of an earlier state of an unsigned (format-3) history records a floor in the
/// same write that signs the history for the first time, which ends with its checkpoint:
/// the floor counts (the write is the first admin's), so a runner with no state exports
/// above what was published.
#[test]
fn a_floor_in_the_write_that_first_signs_a_history_counts() {
    let kw = fixture_v3();
    own_journals(&kw);
    let hmac = kw.path("hmac.key");
    let random: Vec<u8> = (0..32).map(|_| rand_byte()).collect();
    fs::write(&hmac, random).unwrap();
    fs::set_permissions(&hmac, fs::Permissions::from_mode(0o600)).unwrap();
    let serial = |out: &str, state: &str| -> i64 {
        let out = kw
            .cmd(["verifier", "export", "--hmac-key-file"])
            .arg(&hmac)
            .args(["--json", "-o", out])
            .env("XDG_STATE_HOME", kw.path(state))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["serial"].as_i64().unwrap()
    };
    let base = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["generate", "X"]).assert().success();
    kw.cmd(["generate", "Y"]).assert().success();
    let published = serial("a.kwset", "state");
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["trust", "--reason", "restored backup", "--yes"])
        .assert()
        .success();
    let audit = kw.stdout(["audit", "--action", "trust"]);
    assert!(audit.contains("continue above"), "{audit}");
    // A runner with no state of its own.
    assert!(serial("b.kwset", "ci-state") > published);
}

fn rand_byte() -> u8 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    (h.finish() & 0xff) as u8
}

/// A floor recorded on a signed format-4 environment marks it too: builds that read
/// format 4 do not count floors either. The `trust` that records it is an admin's,
/// whose write may also take the image to format 5 (`former_labels`, a setting).
#[test]
fn a_floor_on_a_signed_format_4_environment_marks_it_format_6() {
    use keyward::vault::schema::FLOOR_FORMAT;
    let kw = fixture_v4();
    let hmac = kw.path("hmac.key");
    fs::write(&hmac, b"0123456789abcdefghijklmnopqrstuv").unwrap();
    fs::set_permissions(&hmac, fs::Permissions::from_mode(0o600)).unwrap();
    let hmac = hmac.to_str().unwrap();
    kw.cmd([
        "verifier",
        "export",
        "-o",
        "a.kwset",
        "--hmac-key-file",
        hmac,
    ])
    .assert()
    .success();
    assert_eq!(format_version(&kw, "dev"), 4);
    let base = fs::read(kw.env_file("dev")).unwrap();
    for name in ["X", "Y"] {
        kw.generate(name);
    }
    kw.cmd([
        "verifier",
        "export",
        "-o",
        "b.kwset",
        "--hmac-key-file",
        hmac,
    ])
    .assert()
    .success();
    assert_eq!(format_version(&kw, "dev"), 4);
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["trust", "--reason", "restored backup", "--yes"])
        .assert()
        .success();
    assert_eq!(format_version(&kw, "dev"), FLOOR_FORMAT);
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(kw.stdout(["get", "ANAS", "-n"]), "anas-v4-value-0123\n");
}
