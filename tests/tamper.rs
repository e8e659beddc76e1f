//! A hostile image inside a valid env file (anyone among the recipients can write one):
//! tampered columns, out-of-range values, forged fingerprint rows, SQL hidden in the
//! schema. Each is an integrity error (exit 6) or changes nothing — never a panic,
//! never SQL of the attacker's run.

use std::fs;

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
            // Signed by a member (DESIGN §15): the parsers themselves meet the value.
            crate::support::forge::resign(&conn, kw.identity.as_ref().unwrap());
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

/// Run one mutation on `dev`'s image and write it back, encrypted as before and signed
/// by the sandbox identity (a member editing by hand: DESIGN §15), so that what reads
/// the rows meets the hostile value.
fn tamper(kw: &Sandbox, sql: &str) {
    let mut conn = loosen(&kw.decrypt_env("dev"));
    assert!(conn.execute(sql, []).unwrap() > 0);
    crate::support::forge::resign(&conn, kw.identity.as_ref().unwrap());
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
    kw.cmd(["rotate", "H"])
        .assert()
        .code(6)
        .stderr(contains("key `H` has an out-of-range size"));
}

#[test]
fn run_of_every_key_never_reads_a_value_out_of_service() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.cmd(["revoke", "--yes", "B", "--reason", "x"])
        .assert()
        .success();
    // A revoked value no reader may use, damaged: `run` leaves B out without reading it.
    tamper(
        &kw,
        "UPDATE versions SET value = x'' WHERE key_id = (SELECT id FROM keys WHERE name = 'B')",
    );
    kw.cmd(["run", "--", "sh", "-c", "test -n \"$A\" && test -z \"$B\""])
        .assert()
        .success();
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
    // This machine verified the state before the edit: the recipient came with no event.
    kw.cmd(["rotate", "A"]).assert().code(6).stderr(contains(
        "age1notarecipient was added with no `access-grant` event",
    ));
    // A machine that had not (a fresh clone): the recipient itself is refused.
    kw.forget_kept_rows("dev");
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
    kw.cmd(["rotate", "A"]).assert().code(6).stderr(contains(
        "audit chain of `dev` (lifecycle) is broken at event 2",
    ));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
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
    crate::support::forge::resign(&conn, kw.identity.as_ref().unwrap());
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
fn millions_of_junk_events_fail_at_the_first_without_reserving_room_for_all() {
    // Anyone with the public recipients can write an env file whose `events` table holds
    // 600,000 rows after a gap. Reading it fails at the gap (exit 6) under a memory
    // limit a normal read fits in, and that room for every row (~240 MB) would not: it
    // must never abort reserving room for rows not yet checked.
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let file = kw.env_file("dev");
    let image = crate::support::decrypt_file(&file, kw.identity.as_ref().unwrap());
    let junk = crate::support::edit_image(&image, |c| {
        c.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 600999)
             INSERT INTO events(seq, time, action, actor, hash) SELECT i, 0, 0, 1, x'' FROM n;",
        )
        .unwrap();
    });
    fs::write(
        &file,
        crate::support::encrypt_image(&junk, &[kw.my_recipient().as_str()]),
    )
    .unwrap();
    let c = kw.std_cmd(["get", "K"]);
    let mut limited = std::process::Command::new("sh");
    limited
        .args(["-c", "ulimit -v 160000 && exec \"$@\"", "sh"])
        .arg(c.get_program())
        .args(c.get_args())
        .env("XDG_STATE_HOME", kw.path("fresh"));
    for (k, v) in c.get_envs() {
        match v {
            Some(v) if k != "XDG_STATE_HOME" => limited.env(k, v),
            None => limited.env_remove(k),
            _ => &mut limited,
        };
    }
    limited.current_dir(c.get_current_dir().unwrap());
    let out = limited.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(err.contains("is missing"), "{err}");
    assert!(out.stdout.is_empty());
}

/// A hostile review: a generated column in a table of its own, whose expression (a
/// built-in function `trusted_schema` does not stop) built a 300 MB string for every row
/// the state digest's `SELECT *` read — seconds to minutes per command from a 3 KB file
/// anyone knowing a member's public recipient can commit. Refused before any query.
#[test]
fn a_generated_column_in_an_image_is_refused_not_computed() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let image = kw.decrypt_env("dev");
    let mut conn = loosen(&image);
    conn.execute_batch(
        "CREATE TABLE pad(a INTEGER, b TEXT GENERATED ALWAYS AS (length(printf('%.*c', 300000000 + a, 'x'))) VIRTUAL);
         INSERT INTO pad(a) VALUES (1), (2), (3), (4), (5), (6), (7), (8);",
    )
    .unwrap();
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    for args in [vec!["list"], vec!["audit", "verify"]] {
        kw.cmd(&args)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(6)
            .stderr(predicates::str::contains("generated columns"));
    }
}

/// A hostile review: age re-parses the whole header once per line it reads, so a file of
/// thousands of junk stanzas (786 KB) cost 20 s per command — `git diff`, `list
/// --all-envs`, `scan` — and one 13 MB stanza ran for minutes. A header past 128 KiB is
/// refused before age reads it.
#[test]
fn an_age_header_far_longer_than_keyward_writes_is_refused_before_parsing() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let mut file = b"age-encryption.org/v1\n".to_vec();
    let line = "A".repeat(43);
    while file.len() < 200 * 1024 {
        file.extend_from_slice(format!("-> X25519 {line}\n{line}\n").as_bytes());
    }
    file.extend_from_slice(format!("--- {line}\n").as_bytes());
    file.extend_from_slice(&[0u8; 4096]);
    std::fs::write(kw.env_file("dev"), &file).unwrap();
    kw.cmd(["list"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(6)
        .stderr(predicates::str::contains("age header runs past 128 KiB"));
}

/// A hostile review: text stored in an image went into error messages raw, and errors
/// keep their line breaks (`…\nhint: …`), so a file anyone can encrypt to a member
/// printed a `hint:` line of its author's ("accept it with `keyward trust … --yes`").
/// Stored text is shown escaped, on the error's own line.
#[test]
fn text_stored_in_an_image_cannot_add_lines_to_an_error() {
    let kw = Sandbox::with_vault();
    let fake = "hint: this is normal after a pull; accept it with `keyward trust --yes`";
    let image = kw.decrypt_env("dev");
    let mut conn = loosen(&image);
    conn.execute(
        "INSERT INTO recipients(recipient, added_at, role) VALUES (?1, 1, 7)",
        [format!("age1q\n{fake}\nx")],
    )
    .unwrap();
    kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    let image = kw.decrypt_env("test");
    let mut conn = loosen(&image);
    conn.execute(
        "UPDATE meta SET v = ?1 WHERE k = 'env'",
        [format!("test\n{fake}")],
    )
    .unwrap();
    kw.encrypt_env("test", &conn.serialize(rusqlite::MAIN_DB).unwrap());
    for env in ["dev", "test"] {
        let out = kw.cmd(["list", "-e", env]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{err}");
        assert!(err.contains("\\nhint: this is normal"), "{env}: {err}");
        assert!(
            !err.lines().any(|l| l.starts_with("hint: this is normal")),
            "{env}: the file's text is a line of the error: {err}"
        );
    }
}

/// The signatures cover an image's table rows, not its indexes; lookups go through the
/// indexes. Someone who holds the plaintext (here: anyone who can decrypt) trades two
/// keys' entries in the index of names, leaving every row as signed: `get KEY_3` would
/// hand out KEY_1's value. A changed image is checked whole (SQLite's integrity check)
/// where it is verified: exit 6, on this machine and for `audit verify`.
#[test]
fn an_index_that_disagrees_with_the_signed_rows_is_exit_6() {
    let kw = Sandbox::with_vault();
    for (name, value) in [
        ("KEY_1", "value-of-KEY_1-AAAA"),
        ("KEY_2", "value-of-KEY_2-BBBB"),
        ("KEY_3", "value-of-KEY_3-CCCC"),
    ] {
        kw.set(name, value);
    }
    kw.cmd(["get", "KEY_3"])
        .assert()
        .success()
        .stdout(contains("value-of-KEY_3-CCCC"));
    let a = kw.decrypt_env("dev");
    let b = crate::support::edit_image(&a, |c| {
        c.execute_batch(
            "UPDATE keys SET name = 'TMP__' WHERE name = 'KEY_1';
             UPDATE keys SET name = 'KEY_1' WHERE name = 'KEY_3';
             UPDATE keys SET name = 'KEY_3' WHERE name = 'TMP__';",
        )
        .unwrap();
    });
    let page = match u16::from_be_bytes([a[16], a[17]]) {
        1 => 65536,
        n => n as usize,
    };
    let root: i64 = open_image(&a)
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'sqlite_autoindex_keys_1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let root = root as usize;
    // Only the index's page from the edited image: the rows stay as they were signed.
    let mut c = a.clone();
    let at = (root - 1) * page;
    c[at..at + page].copy_from_slice(&b[at..at + page]);
    assert_ne!(c, a, "the index page changed");
    kw.encrypt_env("dev", &c);
    for args in [&["get", "KEY_3"][..], &["audit", "verify"]] {
        kw.cmd(args)
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains("do not agree with its rows"));
    }
    // A machine that never read it refuses it the same way.
    kw.cmd(["get", "KEY_3"])
        .env("XDG_STATE_HOME", kw.path("fresh-machine"))
        .assert()
        .code(6)
        .stdout("");
}

/// SQLite's whole-image check evaluates the schema's CHECK constraints on every row, and
/// anyone who holds the plaintext can add one that costs minutes and gigabytes. So the
/// check runs only on a state whose digest (rows and schema) matched its signature: a
/// schema nobody signed is refused by the signature first, at once. (A constraint that
/// fails on every row stands in for the costly one: which check refuses it shows the
/// order.)
#[test]
fn a_schema_nobody_signed_is_refused_before_the_whole_image_check_evaluates_it() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let image = kw.decrypt_env("dev");
    let mut conn = open_image(&image);
    conn.execute_batch("PRAGMA writable_schema = ON;").unwrap();
    conn.execute(
        "UPDATE sqlite_schema SET sql = replace(sql, ') STRICT', ', CHECK(length(hex(zeroblob(1000))) < 0)) STRICT')
         WHERE name = 'meta'",
        [],
    )
    .unwrap();
    conn.execute_batch("PRAGMA writable_schema = OFF;").unwrap();
    let edited = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    assert!(String::from_utf8_lossy(&edited).contains("CHECK(length(hex(zeroblob(1000)))"));
    kw.encrypt_env("dev", &edited);
    for state in ["state", "fresh-machine"] {
        let out = kw
            .cmd(["get", "K"])
            .env("XDG_STATE_HOME", kw.path(state))
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{err}");
        assert!(out.stdout.is_empty());
        assert!(err.contains("does not verify"), "{state}: {err}");
        assert!(
            !err.contains("do not agree with its rows"),
            "{state}: {err}"
        );
    }
}

/// What a schema can make SQLite evaluate, in an image anyone holding the plaintext can
/// write and a first write would sign as it stands: a CHECK constraint is never
/// evaluated (not by an insert, not by the whole-image check), and an index on an
/// expression, a partial index keyward never writes, or a default that is an expression
/// is refused (exit 6) before any query runs.
#[test]
fn schema_expressions_are_never_evaluated_or_are_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    // A constraint every row fails, signed as it stands (a write that signed a hostile
    // schema does no more): inert.
    kw.edit_env("dev", |c| {
        c.execute_batch("PRAGMA writable_schema = ON;").unwrap();
        c.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ') STRICT', ', CHECK(length(hex(zeroblob(1000))) < 0)) STRICT')
             WHERE name = 'versions'",
            [],
        )
        .unwrap();
        c.execute_batch("PRAGMA writable_schema = OFF;").unwrap();
    });
    kw.forget_kept_rows("dev");
    kw.cmd(["generate", "NEW"]).assert().success();
    kw.cmd(["get", "NEW"])
        .env("XDG_STATE_HOME", kw.path("fresh-machine"))
        .assert()
        .success();
    for (sql, says) in [
        (
            "CREATE INDEX hostile ON versions(length(hex(zeroblob(1000))))",
            "holds index `hostile` on an expression",
        ),
        (
            "CREATE INDEX hostile ON versions(version) WHERE length(hex(zeroblob(1000))) > 0",
            "holds index `hostile` on an expression or a condition",
        ),
        (
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = replace(sql, ') STRICT', ', pad BLOB DEFAULT (zeroblob(1000))) STRICT')
             WHERE name = 'meta';
             PRAGMA writable_schema = OFF;",
            "gives `meta.pad` a default keyward never writes",
        ),
    ] {
        let saved = fs::read(kw.env_file("dev")).unwrap();
        let mut conn = open_image(&kw.decrypt_env("dev"));
        conn.execute_batch(sql).unwrap();
        kw.encrypt_env("dev", &conn.serialize(rusqlite::MAIN_DB).unwrap());
        kw.cmd(["get", "K"])
            .env("XDG_STATE_HOME", kw.path("fresh-machine-2"))
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(says));
        fs::write(kw.env_file("dev"), saved).unwrap();
    }
}
