//! A hostile vault directory: tampered database columns, a damaged journal, unsafe
//! permissions, symlinks, and hostile input to `verify`. Each is an integrity error or a
//! rejection with its documented exit code — never a panic, never exit 1.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, open_image};

/// A vault whose `dev` holds every kind of row: generated keys (token and hex with a
/// non-default size and prefix), an imported key, a rotated key with a retiring
/// version, a revoked key, scopes, notes, expiry and a rotation period.
fn populated() -> (Sandbox, String) {
    let kw = Sandbox::with_vault();
    let g = kw.stdout([
        "generate",
        "G",
        "--scope",
        "read",
        "--note",
        "n",
        "--rotate-every",
        "30d",
        "--expires",
        "90d",
    ]);
    kw.stdout(["generate", "H", "--format", "hex", "--bytes", "24"]);
    kw.stdout(["generate", "T", "--prefix", "acme"]);
    kw.set("I", "imported-value-1234");
    kw.set("J", "another-value-5678");
    kw.stdout(["revoke", "--yes", "J", "--reason", "leaked"]);
    let g2 = kw.stdout(["rotate", "G", "--grace", "1d"]);
    assert_ne!(g.trim(), g2.trim());
    (kw, g2.trim().to_owned())
}

/// Strip `STRICT` and `NOT NULL` from every table so a mutation can store a value of any type, as
/// an attacker writing the image from scratch could.
fn loosen(image: &[u8]) -> rusqlite::Connection {
    let mut conn = open_image(image);
    conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA writable_schema = ON;")
        .unwrap();
    conn.execute(
        "UPDATE sqlite_schema SET sql = replace(replace(sql, ') STRICT', ')'), ' NOT NULL', '')
         WHERE type = 'table'",
        [],
    )
    .unwrap();
    conn.execute_batch("PRAGMA writable_schema = OFF;").unwrap();
    // Reopen so SQLite reparses the schema without STRICT.
    let bytes = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    let conn = open_image(&bytes);
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn
}

const HOSTILE: &[&str] = &["-1", "5000000000", "NULL", "'x'", "X'00ff'"];

/// `table.column` with the rows to change (`1` for all).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("keys", "name", "name = 'G'"),
    ("keys", "kind", "1"),
    ("keys", "format", "1"),
    ("keys", "bytes", "1"),
    ("keys", "prefix", "1"),
    ("keys", "scopes", "1"),
    ("keys", "created", "1"),
    ("keys", "rotate_every", "1"),
    (
        "versions",
        "version",
        "version = 1 AND key_id = (SELECT id FROM keys WHERE name = 'G')",
    ),
    ("versions", "value", "1"),
    ("versions", "created", "1"),
    ("versions", "expires", "1"),
    ("versions", "status", "1"),
    ("versions", "retire_at", "1"),
    ("versions", "revoked_at", "1"),
    ("versions", "revoked_by", "1"),
    // (`fingerprints`: a small image's rows are not read, the index is derived from the
    // values on load: `forged_fingerprint_rows_in_a_small_image_change_nothing`.)
    ("recipients", "recipient", "1"),
    ("recipients", "added_at", "1"),
    ("actors", "recipient", "1"),
    ("actors", "via", "1"),
    ("events", "time", "seq = 2"),
    ("events", "action", "seq = 2"),
    ("events", "version", "1"),
    ("events", "actor", "1"),
    ("events", "hash", "seq = (SELECT max(seq) FROM events)"),
    ("meta", "v", "k = 'audit_key'"),
    ("meta", "v", "k = 'env'"),
    ("meta", "v", "k = 'format_version'"),
];

/// Every command that reads or rewrites `dev`, with the stdin it needs.
fn commands(token: &str) -> Vec<(Vec<&'static str>, String)> {
    let none = String::new;
    vec![
        (vec!["list", "--json"], none()),
        (vec!["show", "G"], none()),
        (vec!["get", "G"], none()),
        (vec!["get", "H"], none()),
        (vec!["rotate", "H"], none()),
        (vec!["rotate", "--all", "--yes"], none()),
        (vec!["revoke", "--yes", "I", "--reason", "t"], none()),
        (vec!["check"], none()),
        (vec!["audit"], none()),
        (vec!["audit", "verify"], none()),
        (vec!["verify"], token.to_owned()),
        (vec!["export", "--format", "json"], none()),
        (vec!["access", "list"], none()),
        (vec!["set", "NEWKEY"], "new-value-9999".to_owned()),
    ]
}

fn run_mutations(columns: &[(&str, &str, &str)]) {
    let (kw, token) = populated();
    let original = fs::read(kw.env_file("dev")).unwrap();
    let image = kw.decrypt_env("dev");
    let cmds = commands(&token);
    let mut checked = 0;
    let mut skipped = 0;
    for (table, column, filter) in columns {
        for value in HOSTILE {
            let mut conn = loosen(&image);
            let sql = format!("UPDATE {table} SET {column} = {value} WHERE {filter}");
            let changed = match conn.execute(&sql, []) {
                Ok(n) => n,
                // A primary key cannot hold NULL or a duplicate even without STRICT.
                Err(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) =>
                {
                    skipped += 1;
                    continue;
                }
                Err(e) => panic!("{sql}: {e}"),
            };
            assert!(changed > 0, "mutation changed nothing: {sql}");
            let mutated = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
            for (args, stdin) in &cmds {
                kw.encrypt_env("dev", &mutated);
                let out = kw.cmd(args).write_stdin(stdin.as_str()).output().unwrap();
                let code = out.status.code();
                let stderr = String::from_utf8_lossy(&out.stderr);
                let newer = *column == "v" && stderr.contains("newer keyward");
                assert!(
                    matches!(code, Some(0 | 3 | 4 | 5 | 6 | 8)) || (code == Some(1) && newer),
                    "`{sql}` then `keyward {}` exited {code:?}; stderr: {stderr}",
                    args.join(" ")
                );
                assert!(!stderr.contains("panicked"), "{sql}: {stderr}");
                checked += 1;
            }
        }
    }
    fs::write(kw.env_file("dev"), original).unwrap();
    assert!(
        skipped <= 2 && checked >= (columns.len() * HOSTILE.len() - skipped) * cmds.len(),
        "checked {checked}, skipped {skipped}"
    );
}

#[test]
fn tampered_key_columns_are_integrity_errors_never_panics() {
    run_mutations(&COLUMNS[..8]);
}

#[test]
fn tampered_version_columns_are_integrity_errors_never_panics() {
    run_mutations(&COLUMNS[8..17]);
}

#[test]
fn tampered_recipient_actor_event_and_meta_columns_are_integrity_errors() {
    run_mutations(&COLUMNS[17..]);
}

/// Run one mutation on `dev`'s image and write it back, encrypted as before.
fn tamper(kw: &Sandbox, sql: &str) {
    let mut conn = loosen(&kw.decrypt_env("dev"));
    assert!(conn.execute(sql, []).unwrap() > 0);
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
}

#[test]
fn negative_key_size_is_exit_6_naming_the_file_not_a_panic() {
    let kw = Sandbox::with_vault();
    kw.generate("H");
    tamper(&kw, "UPDATE keys SET bytes = -1");
    for args in [vec!["rotate", "H"], vec!["rotate", "--all", "--yes"]] {
        kw.cmd(&args)
            .assert()
            .code(6)
            .stderr(contains("dev.db.age"))
            .stderr(contains("out-of-range size"));
    }
    tamper(&kw, "UPDATE keys SET bytes = 5000000000");
    kw.cmd(["rotate", "H"]).assert().code(6);
}

#[test]
fn out_of_range_status_and_times_are_exit_6() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    tamper(&kw, "UPDATE versions SET status = 7");
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("unknown status"));
    let kw = Sandbox::with_vault();
    kw.generate("A");
    tamper(&kw, "UPDATE versions SET expires = -5");
    kw.cmd(["list"]).assert().code(6).stderr(contains("expiry"));
}

#[test]
fn an_invalid_stored_recipient_is_exit_6_before_anything_is_written() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    tamper(
        &kw,
        "INSERT INTO recipients(recipient, added_at) VALUES ('age1notarecipient', 0)",
    );
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "A"])
        .assert()
        .code(6)
        .stderr(contains("not a valid recipient"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn a_malformed_chain_head_is_refused_rather_than_restarting_the_chain() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    tamper(
        &kw,
        "UPDATE events SET hash = X'00ff' WHERE seq = (SELECT max(seq) FROM events)",
    );
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "A"]).assert().code(6);
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

#[test]
fn a_truncated_journal_is_exit_6() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for _ in 0..40 {
        kw.cmd(["get", "A"]).assert().success();
    }
    let journal = kw.journal_file("dev");
    let len = fs::metadata(&journal).unwrap().len();
    assert!(len > 5000, "journal too small to truncate: {len}");
    fs::OpenOptions::new()
        .write(true)
        .open(&journal)
        .unwrap()
        .set_len(5000)
        .unwrap();
    kw.cmd(["audit"])
        .assert()
        .code(6)
        .stderr(contains("journal"));
    // Fail closed: no value is handed out when its access cannot be recorded.
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicates::str::is_empty());
}

#[test]
fn a_vault_directory_writable_by_others_is_refused() {
    for dir in ["", "envs", "journal"] {
        let kw = Sandbox::with_vault();
        kw.generate("A");
        let path = kw.vault().join(dir);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
        kw.cmd(["get", "A"])
            .assert()
            .code(6)
            .stdout(predicates::str::is_empty())
            .stderr(contains("writable by group or others"))
            .stderr(contains("chmod 700"));
        kw.cmd(["set", "B"])
            .write_stdin("value-b-123")
            .assert()
            .code(6);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
        kw.cmd(["get", "A"]).assert().success();
        kw.cmd(["get", "B"]).assert().code(3);
    }
}

#[test]
fn a_group_readable_vault_directory_is_accepted() {
    // What a git checkout with umask 022 makes: readable, not writable, by others.
    let kw = Sandbox::with_vault();
    kw.generate("A");
    fs::set_permissions(kw.vault(), fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["get", "A"]).assert().success();
}

#[test]
fn a_symlinked_journal_is_refused_and_nothing_is_created_at_its_target() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let _ = fs::remove_file(kw.journal_file("dev"));
    fs::create_dir_all(kw.vault().join("journal")).unwrap();
    let target = kw.path("elsewhere/stolen.db");
    fs::create_dir_all(kw.path("elsewhere")).unwrap();
    symlink(&target, kw.journal_file("dev")).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicates::str::is_empty())
        .stderr(contains("symlink"));
    let created: Vec<_> = fs::read_dir(kw.path("elsewhere")).unwrap().collect();
    assert!(created.is_empty(), "files created through the symlink");
}

#[test]
fn a_symlinked_journal_wal_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.cmd(["get", "A"]).assert().success();
    let wal = kw.vault().join("journal/dev.db-wal");
    let _ = fs::remove_file(&wal);
    symlink(kw.path("elsewhere-wal"), &wal).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
    assert!(!kw.path("elsewhere-wal").exists());
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_not_created() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let lock = kw.vault().join("envs/dev.lock");
    let _ = fs::remove_file(&lock);
    symlink(kw.path("elsewhere.lock"), &lock).unwrap();
    kw.cmd(["rotate", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
    assert!(!kw.path("elsewhere.lock").exists());
}

#[test]
fn a_symlinked_env_file_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let env = kw.env_file("dev");
    let moved = kw.path("moved.db.age");
    fs::rename(&env, &moved).unwrap();
    symlink(&moved, &env).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stderr(contains("symlink"));
}

#[test]
fn a_symlink_planted_at_the_temp_file_is_not_written_through() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let victim = kw.path("victim.txt");
    fs::write(&victim, "precious").unwrap();
    symlink(&victim, kw.vault().join("envs/dev.db.age.tmp")).unwrap();
    kw.cmd(["rotate", "A"]).assert().success();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    kw.cmd(["get", "A"]).assert().success();
}

#[test]
fn verify_of_hostile_input_is_a_rejection_with_its_reason() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let long = "k".repeat(64 * 1024 + 10);
    for (input, reason) in [
        ("", "empty"),
        ("\n", "empty"),
        ("abc\0def", "NUL"),
        (long.as_str(), "longer than 64 KiB"),
    ] {
        let out = kw
            .cmd(["verify", "--json"])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(4),
            "input {:?}",
            &input[..input.len().min(8)]
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], false);
        assert!(
            v["reason"].as_str().unwrap().contains(reason),
            "reason: {}",
            v["reason"]
        );
        kw.cmd(["verify"])
            .write_stdin(input)
            .assert()
            .code(4)
            .stderr(contains(reason));
    }
    // Each attempt is an access event: a guessing service leaves a trail.
    let audit = kw.stdout(["audit", "--action", "verify", "--json"]);
    assert!(audit.matches("malformed").count() >= 8, "{audit}");
}

#[test]
fn import_of_a_loader_variable_warns_when_it_is_stored() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("in.env"),
        "LD_PRELOAD=/tmp/evil.so\nSAFE_KEY=value-1234\n",
    )
    .unwrap();
    kw.cmd(["import", "in.env", "--format", "dotenv"])
        .assert()
        .success()
        .stderr(contains("warning: `LD_PRELOAD`"))
        .stderr(contains("--allow-name LD_PRELOAD"))
        .stderr(contains("SAFE_KEY").not());
    // Stored, but never injected without the explicit allowance.
    kw.cmd(["run", "--", "true"]).assert().code(1);
}

/// An X25519 recipient whose data happens to start with `pq` (about 1 in 1024 keys) is
/// not a post-quantum recipient (`age1pq1…`): refusing it made `init` fail at random.
#[test]
fn an_x25519_recipient_starting_with_pq_is_accepted() {
    use age::secrecy::ExposeSecret;
    let id = std::iter::repeat_with(age::x25519::Identity::generate)
        .take(200_000)
        .find(|id| id.to_public().to_string().starts_with("age1pq"))
        .expect("one in about 1024 recipients starts with age1pq");
    let mut kw = Sandbox::new();
    let path = kw.path("pq.key");
    fs::write(&path, format!("{}\n", id.to_string().expose_secret())).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    kw.identity = Some(path);
    kw.cmd(["init"]).assert().success();
    kw.generate("A");
    kw.cmd(["get", "A"]).assert().success();
    kw.cmd(["access", "grant", &id.to_public().to_string(), "-e", "test"])
        .assert()
        .success();
}

#[test]
fn forged_fingerprint_rows_in_a_small_image_change_nothing() {
    // A small image's fingerprint index is derived from its values when it is read, so
    // rows written into the file (pointing the token at another key, or at nothing) are
    // never what `verify` looks up.
    let (kw, token) = populated();
    let image = kw.decrypt_env("dev");
    let mut conn = loosen(&image);
    let fp = &<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes())[..16];
    conn.execute(
        "INSERT INTO fingerprints(fp, key_id, version) VALUES (?1, (SELECT id FROM keys WHERE name = 'H'), 1), (?1, 999, 7)",
        [fp],
    )
    .unwrap();
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    kw.cmd(["verify"])
        .write_stdin(token)
        .assert()
        .success()
        .stdout(predicates::str::contains("`G` version 2"));
}

#[test]
fn sql_hidden_in_an_image_schema_is_refused_not_run() {
    // A view over an endless recursive query in place of `meta` (or a trigger) would
    // run inside keyward's own queries: every command, `git diff` and the merge driver
    // would hang. The image is refused before any query touches it.
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let image = kw.decrypt_env("dev");
    let mut conn = loosen(&image);
    conn.execute_batch(
        "DROP TABLE meta;
         CREATE VIEW meta AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
           SELECT 'format_version' AS k, x AS v FROM c WHERE x < 0;",
    )
    .unwrap();
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    for args in [vec!["list"], vec!["get", "K"], vec!["audit", "verify"]] {
        kw.cmd(&args)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(6)
            .stderr(predicates::str::contains("views or triggers"));
    }
    let file = kw.env_file("dev");
    kw.cmd(["git", "textconv", file.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicates::str::contains("cannot decrypt"));
}

#[test]
fn directories_keyward_did_not_make_keep_their_mode() {
    // A shared directory as the parent of a new identity file or vault: `/tmp`-like.
    let kw = Sandbox::new();
    let shared = kw.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    kw.cmd(["identity", "new", "--out", "shared/ci.key"])
        .assert()
        .success();
    let id = kw.path("shared/ci.key");
    kw.cmd(["init"])
        .env("KEYWARD_IDENTITY", &id)
        .env("KEYWARD_VAULT", shared.join("vault"))
        .assert()
        .success();
    let mode = fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        mode, 0o1777,
        "keyward changed the mode of a directory it did not make"
    );
    // Its own directories are private.
    let vault = fs::metadata(shared.join("vault"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(vault, 0o700);
}
