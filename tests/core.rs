//! Core vault: init, identities, generate / set / get / list / show, bad input.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, contains as bytes_contain, open_image};

#[test]
fn get_of_missing_key_exits_3_and_names_it() {
    let kw = Sandbox::with_vault();
    kw.cmd(["get", "NOPE"])
        .assert()
        .code(3)
        .stderr(contains("`NOPE`"));
}

#[test]
fn init_creates_private_vault_with_three_environments() {
    let kw = Sandbox::with_vault();
    for env in ["dev", "test", "prod"] {
        let meta = fs::metadata(kw.env_file(env)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{env}");
    }
    for dir in ["", "envs", "journal"] {
        let meta = fs::metadata(kw.vault().join(dir)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{dir}");
    }
    let out = kw.stdout(["env", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["env"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "prod", "test"]);
}

#[test]
fn init_on_existing_vault_refuses_and_changes_nothing() {
    let kw = Sandbox::with_vault();
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["init"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn init_with_custom_envs_and_extra_recipient() {
    let mut kw = Sandbox::new();
    let me = kw.write_identity("me.key");
    let other = kw.write_identity("other.key");
    kw.identity = Some(me);
    let other_r = kw.recipient_of(&other);
    kw.cmd(["init", "--envs", "dev,staging", "--recipient", &other_r])
        .assert()
        .success();
    assert!(kw.env_file("staging").exists());
    assert!(!kw.env_file("prod").exists());
    kw.generate("K");
    // The extra recipient can read.
    kw.cmd(["-i", other.to_str().unwrap(), "get", "K"])
        .assert()
        .success();
}

#[test]
fn generated_token_has_documented_shape() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("STRIPE_KEY");
    assert!(v.starts_with("kw_dev_"), "{v}");
    assert_eq!(v.len(), "kw_dev_".len() + 36);
    assert!(
        v["kw_dev_".len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
    );
    let got = kw.stdout(["get", "STRIPE_KEY"]);
    assert_eq!(got, format!("{v}\n"));
    let prod = kw.stdout(["-e", "prod", "generate", "K", "--prefix", "acme"]);
    assert!(prod.starts_with("acme_prod_"), "{prod}");
}

#[test]
fn generate_formats_and_entropy_floor() {
    let kw = Sandbox::with_vault();
    let hex = kw.stdout(["generate", "H", "--format", "hex", "--bytes", "16"]);
    assert_eq!(hex.trim_end().len(), 32);
    assert!(hex.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
    let b64 = kw.stdout(["generate", "B", "--format", "base64url"]);
    assert_eq!(b64.trim_end().len(), 43);
    let al = kw.stdout(["generate", "A", "--format", "alnum", "--bytes", "32"]);
    assert!(al.trim_end().chars().all(|c| c.is_ascii_alphanumeric()));
    kw.cmd(["generate", "W", "--format", "hex", "--bytes", "8"])
        .assert()
        .code(2)
        .stderr(contains("at least 16"));
    kw.cmd(["generate", "W", "--bytes", "32"]).assert().code(2);
    kw.cmd(["generate", "W", "--format", "hex", "--prefix", "x"])
        .assert()
        .code(2);
    kw.cmd(["generate", "W", "--prefix", "Bad_Prefix"])
        .assert()
        .code(2);
}

#[test]
fn generate_existing_name_is_refused_and_points_to_rotate() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.cmd(["generate", "K"])
        .assert()
        .code(1)
        .stderr(contains("rotate"));
    assert_eq!(kw.stdout(["get", "K"]).trim_end(), v);
}

#[test]
fn set_reads_stdin_byte_exact_and_get_prints_it() {
    let kw = Sandbox::with_vault();
    let value = "sk_live_\"quoted\" $HOME `tick` \\ back\nsecond line ";
    kw.set("OPENAI", value);
    let out = kw.cmd(["get", "OPENAI", "-n"]).output().unwrap();
    assert_eq!(out.stdout, value.as_bytes());
    let out = kw.cmd(["get", "OPENAI"]).output().unwrap();
    assert_eq!(out.stdout, format!("{value}\n").as_bytes());
    assert!(!bytes_contain(&out.stderr, b"sk_live"));
}

#[test]
fn set_refuses_empty_value_and_nul() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "E"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(contains("empty"));
    kw.cmd(["set", "E"])
        .write_stdin("a\0b")
        .assert()
        .code(1)
        .stderr(contains("NUL"));
    kw.cmd(["get", "E"]).assert().code(3);
}

#[test]
fn set_has_no_value_flag() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "K", "--value", "x"]).assert().code(2);
    kw.cmd(["set", "K", "secretvalue"]).assert().code(2);
}

#[test]
fn bad_names_durations_and_flags_are_usage_errors() {
    let kw = Sandbox::with_vault();
    for bad in ["1ABC", "A-B", "A B", "é"] {
        kw.cmd(["generate", bad])
            .assert()
            .code(2)
            .stderr(contains("invalid key name"));
    }
    kw.cmd(["generate", "K", "--rotate-every", "10x"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration"));
    kw.cmd(["generate", "K", "--expires", "tomorrow"])
        .assert()
        .code(2);
    kw.cmd(["generate", "K", "--expires", "2001-01-01"])
        .assert()
        .code(2)
        .stderr(contains("past"));
    kw.cmd(["list", "--frobnicate"]).assert().code(2);
    kw.cmd(["-e", "Prod", "list"]).assert().code(2);
    kw.cmd(["frobnicate"]).assert().code(2);
    // Nothing was created by any of them.
    kw.cmd(["get", "K"]).assert().code(3);
}

#[test]
fn unknown_env_vault_and_version_exit_3() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["-e", "staging", "get", "K"])
        .assert()
        .code(3)
        .stderr(contains("`staging`"));
    kw.cmd(["get", "K", "--version", "7"])
        .assert()
        .code(3)
        .stderr(contains("version 7"));
    kw.cmd(["--vault", kw.path("nowhere").to_str().unwrap(), "list"])
        .assert()
        .code(3)
        .stderr(contains("no vault"));
}

#[test]
fn list_and_show_never_print_values() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("IMPORTED", "imported-secret-value");
    kw.cmd([
        "generate",
        "NOTED",
        "--scope",
        "read",
        "--scope",
        "write",
        "--note",
        "hello",
        "--rotate-every",
        "30d",
    ])
    .assert()
    .success();
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", "K"],
        vec!["show", "K", "--json"],
        vec!["list", "--all-envs"],
    ] {
        let out = kw.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!bytes_contain(&out.stdout, v.as_bytes()), "{args:?}");
        assert!(!bytes_contain(&out.stdout, b"imported-secret-value"));
        assert!(!bytes_contain(&out.stderr, v.as_bytes()));
    }
    let list: serde_json::Value = serde_json::from_str(&kw.stdout(["list", "--json"])).unwrap();
    let keys = list["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    let noted = keys.iter().find(|k| k["name"] == "NOTED").unwrap();
    assert_eq!(noted["scopes"], serde_json::json!(["read", "write"]));
    assert_eq!(noted["rotate_every"], "30d");
    assert_eq!(noted["status"], "active");
    let imported = keys.iter().find(|k| k["name"] == "IMPORTED").unwrap();
    assert_eq!(imported["kind"], "imported");
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "NOTED", "--json"])).unwrap();
    assert_eq!(show["note"], "hello");
    assert_eq!(show["versions"][0]["version"], 1);
    let human = kw.stdout(["show", "NOTED"]);
    assert!(human.contains("rotate every: 30d"), "{human}");
}

#[test]
fn list_all_envs_names_environments_it_cannot_open() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let other_r = kw.recipient_of(&other);
    kw.cmd(["env", "add", "shared", "--recipient", &other_r])
        .assert()
        .success();
    kw.cmd(["-e", "shared", "generate", "S"]).assert().success();
    kw.generate("MINE");
    let out = kw
        .cmd([
            "-i",
            other.to_str().unwrap(),
            "list",
            "--all-envs",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["S"]);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["env"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["dev", "prod", "test"]);
}

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

#[test]
fn missing_or_garbage_identity_file_is_exit_5() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-i", kw.path("absent.key").to_str().unwrap(), "list"])
        .assert()
        .code(5);
    let junk = kw.path("junk.key");
    fs::write(&junk, "hello world\n").unwrap();
    fs::set_permissions(&junk, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["-i", junk.to_str().unwrap(), "list"])
        .assert()
        .code(5)
        .stderr(contains("not an age identity"));
}

#[test]
fn no_identity_at_all_is_exit_5_with_hint() {
    let kw = Sandbox::new();
    let mut c = kw.cmd(["list"]);
    c.env_remove("KEYWARD_IDENTITY");
    c.assert().code(3);
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
        .cmd(["-i", "ci.key", "identity", "show"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shown.stdout), out);
}

#[test]
fn passphrase_identity_init_and_unlock() {
    // The only test that pays for scrypt twice: init, then one unlock.
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "correct horse battery staple");
    kw.cmd(["init"]).assert().success();
    let id_path = kw.path("config/keyward/identity.age");
    let text = fs::read_to_string(&id_path).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!text.contains("AGE-SECRET-KEY"));
    assert_eq!(
        fs::metadata(&id_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    kw.cmd(["generate", "K"])
        .env("KEYWARD_PASSPHRASE", "wrong")
        .assert()
        .code(5)
        .stderr(contains("wrong passphrase"));
    let pf = kw.path("pass.txt");
    fs::write(&pf, "correct horse battery staple\n").unwrap();
    fs::set_permissions(&pf, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["list"])
        .env_remove("KEYWARD_PASSPHRASE")
        .env("KEYWARD_PASSPHRASE_FILE", &pf)
        .assert()
        .success();
}

#[test]
fn passphrase_needed_without_terminal_fails_at_once() {
    let mut kw = Sandbox::new();
    kw.set_env("KEYWARD_PASSPHRASE", "pw-for-this-test");
    // init without a passphrase source: exit 5, nothing created
    kw.cmd(["init"])
        .env_remove("KEYWARD_PASSPHRASE")
        .assert()
        .code(5)
        .stderr(contains("no terminal"));
    assert!(!kw.vault().exists());
    assert!(!kw.path("config/keyward/identity.age").exists());
}

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
fn values_never_reach_plaintext_files() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    kw.set("S", "plain-imported-secret");
    kw.stdout(["get", "K"]);
    kw.stdout(["get", "S"]);
    kw.assert_nowhere_in_files(&v);
    kw.assert_nowhere_in_files("plain-imported-secret");
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

fn corrupt_case(mutate: impl Fn(&mut Vec<u8>)) {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let path = kw.env_file("dev");
    let mut bytes = fs::read(&path).unwrap();
    mutate(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("corrupt"));
    // A writer must not "repair" it by starting over.
    kw.cmd(["generate", "NEW"]).assert().code(6);
    kw.cmd(["list"]).assert().code(6);
    assert_eq!(fs::read(&path).unwrap(), bytes, "file changed");
}

#[test]
fn truncated_env_file_is_exit_6_and_left_alone() {
    corrupt_case(|b| b.truncate(b.len() - 100));
}

#[test]
fn truncated_to_header_is_exit_6() {
    corrupt_case(|b| {
        let header_end = b.windows(4).position(|w| w == b"\n---").unwrap() + 60;
        b.truncate(header_end)
    });
}

#[test]
fn bit_flipped_payload_is_exit_6() {
    corrupt_case(|b| {
        let i = b.len() / 2;
        b[i] ^= 0x01;
    });
}

#[test]
fn bit_flipped_last_chunk_is_exit_6() {
    corrupt_case(|b| {
        let i = b.len() - 5;
        b[i] ^= 0x80;
    });
}

#[test]
fn empty_env_file_is_exit_6() {
    corrupt_case(|b| b.clear());
}

#[test]
fn non_age_env_file_is_exit_6() {
    corrupt_case(|b| *b = b"SQLite format 3\0 this is not age at all".to_vec());
}

#[test]
fn bit_flipped_header_mac_is_exit_6() {
    corrupt_case(|b| {
        let i = b.windows(4).position(|w| w == b"\n---").unwrap() + 6;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    });
}

#[test]
fn newer_format_is_refused_clearly() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let image = kw.decrypt_env("dev");
    let mut conn = open_image(&image);
    conn.execute("UPDATE meta SET v = 99 WHERE k = 'format_version'", [])
        .unwrap();
    let data = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    kw.encrypt_env("dev", &data);
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(1)
        .stderr(contains("newer keyward"));
    kw.cmd(["generate", "X"]).assert().code(1);
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn env_file_copied_over_another_is_detected() {
    let kw = Sandbox::with_vault();
    fs::copy(kw.env_file("dev"), kw.env_file("prod")).unwrap();
    kw.cmd(["-e", "prod", "list"])
        .assert()
        .code(6)
        .stderr(contains("holds environment `dev`"));
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

#[test]
fn list_into_closed_pipe_ends_quietly() {
    let kw = Sandbox::with_vault();
    for i in 0..20 {
        kw.set(&format!("K{i}"), "v-value");
    }
    // `true` exits without reading, so list writes into a closed pipe.
    let out = kw
        .shell(r#""$KW" list | true; exit ${PIPESTATUS[0]}"#)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn env_add_and_refusals() {
    let kw = Sandbox::with_vault();
    kw.cmd(["env", "add", "staging"]).assert().success();
    kw.cmd(["-e", "staging", "generate", "K"])
        .assert()
        .success();
    kw.cmd(["env", "add", "staging"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    kw.cmd(["env", "add", "Bad_Env"]).assert().code(2);
    kw.cmd(["env", "add", "x", "--recipient", "age1notvalid"])
        .assert()
        .code(2)
        .stderr(contains("invalid age recipient"));
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

#[test]
fn get_json_carries_name_version_and_value() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    let out: serde_json::Value = serde_json::from_str(&kw.stdout(["get", "K", "--json"])).unwrap();
    assert_eq!(out["value"], v.as_str());
    assert_eq!(out["version"], 1);
    assert_eq!(out["env"], "dev");
}

#[test]
fn an_x25519_recipient_that_happens_to_start_with_pq_is_accepted() {
    // About one x25519 recipient in 1024 reads `age1pq…`; only `age1pq1…` (the
    // separator `1` is not a bech32 data character) is a post-quantum recipient.
    let id = std::iter::repeat_with(age::x25519::Identity::generate)
        .find(|id| id.to_public().to_string().starts_with("age1pq"))
        .unwrap();
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
        .stdout(contains(id.to_public().to_string()));
}
