//! `keyward verifier` (DESIGN §13): sets hold exactly what `verify` accepts, never a
//! value; `verifier check` answers from the set alone, refuses a set that was edited,
//! signed by another key or older than required.

use std::fs;
use std::path::Path;

use crate::support::{DAY, HOUR, Sandbox, T0, contains, make_fleet};

/// A dev environment with one version of each kind, at T0 + 2h:
/// A active (scope `read`), B1 retiring until T0+3h, B2 active, C revoked, D expired at
/// T0+1h. Returns the values.
struct Fleet {
    kw: Sandbox,
    a: String,
    b1: String,
    b2: String,
    c: String,
    d: String,
}

fn fleet() -> Fleet {
    let mut kw = Sandbox::with_vault_at(T0);
    let [a, b1, b2, c, d] = make_fleet(&mut kw);
    kw.at(T0 + 2 * HOUR);
    Fleet {
        kw,
        a,
        b1,
        b2,
        c,
        d,
    }
}

/// `verifier check` with no identity and no vault: the set alone.
fn check(kw: &Sandbox, set: &Path, args: &[&str], presented: &str) -> std::process::Output {
    let mut c = kw.std_cmd(["verifier", "check", "--set"]);
    c.arg(set)
        .args(args)
        .env_remove("KEYWARD_IDENTITY")
        .env("KEYWARD_VAULT", kw.path("no-vault-here"));
    let mut cmd = assert_cmd::Command::from_std(c);
    cmd.write_stdin(presented.as_bytes().to_vec())
        .output()
        .unwrap()
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_set_holds_exactly_what_verify_accepts_and_check_answers_alike_without_the_vault() {
    let f = fleet();
    let kw = &f.kw;
    let pubkey_before = kw.cmd(["verifier", "pubkey"]).output().unwrap();
    assert_eq!(
        pubkey_before.status.code(),
        Some(3),
        "no key before the first export"
    );
    for format in ["sqlite", "jsonl"] {
        let set = kw.path(&format!("dev.{format}"));
        let out = kw
            .cmd(["verifier", "export", "--format", format, "-o"])
            .arg(&set)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pubkey = kw.stdout(["verifier", "pubkey"]).trim().to_owned();
        assert!(pubkey.starts_with("ed25519:"), "{pubkey}");
        let bytes = fs::read(&set).unwrap();
        for v in [&f.a, &f.b1, &f.b2, &f.c, &f.d] {
            assert!(
                !contains(&bytes, v.as_bytes()),
                "a value is in the {format} set"
            );
            assert!(!contains(&out.stderr, v.as_bytes()));
        }
        let unknown = "kw_dev_this_is_not_a_key_of_ours";
        // Same clock, same answer as `verify` (which reads the vault), for every kind.
        for (value, code) in [
            (&f.a, 0),
            (&f.b1, 0),
            (&f.b2, 0),
            (&f.c, 3),
            (&f.d, 3),
            (&unknown.to_owned(), 3),
        ] {
            let out = check(kw, &set, &["--pubkey", &pubkey, "--json"], value);
            assert_eq!(
                out.status.code(),
                Some(code),
                "{format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let verified = kw
                .cmd(["verify"])
                .write_stdin(value.as_bytes().to_vec())
                .output()
                .unwrap();
            let verify_code = verified.status.code();
            // verify knows revoked/expired versions (4); the set does not hold them (3).
            let expected = if verify_code == Some(4) {
                Some(3)
            } else {
                verify_code
            };
            assert_eq!(
                out.status.code(),
                expected,
                "{format}: check and verify disagree"
            );
        }
        let a = json_of(&check(
            kw,
            &set,
            &["--pubkey", &pubkey, "--json"],
            &format!("{}\n", f.a),
        ));
        assert_eq!(a["valid"], true);
        assert_eq!(a["name"], "A");
        assert_eq!(a["status"], "active");
        assert_eq!(a["scopes"], serde_json::json!(["read"]));
        assert_eq!(a["pinned"], true);
        let b1 = json_of(&check(kw, &set, &["--pubkey", &pubkey, "--json"], &f.b1));
        assert_eq!(
            (b1["name"].as_str(), b1["version"].as_u64()),
            (Some("B"), Some(1))
        );
        assert_eq!(b1["status"], "retiring");
        assert_eq!(b1["not_after"], "2030-01-01T03:00:00.000Z");

        // After its end of grace the retiring version is refused from the same set: 4.
        let later = check_at(kw, &set, &pubkey, &f.b1, T0 + 3 * HOUR);
        assert_eq!(later.status.code(), Some(4));
        let later = json_of(&later);
        assert_eq!(later["status"], "expired");
        assert_eq!(later["valid"], false);

        // Another environment's token is told apart by its name, as `verify` does.
        let name = format!("P_{format}");
        let prod = kw
            .stdout(["generate", "-e", "prod", &name])
            .trim()
            .to_owned();
        let out = check(kw, &set, &["--pubkey", &pubkey], &prod);
        assert_eq!(out.status.code(), Some(4));
        assert!(String::from_utf8_lossy(&out.stderr).contains("environment `prod`"));
    }
}

fn check_at(
    kw: &Sandbox,
    set: &Path,
    pubkey: &str,
    presented: &str,
    at: i64,
) -> std::process::Output {
    let mut c = kw.std_cmd(["verifier", "check", "--json", "--pubkey", pubkey, "--set"]);
    c.arg(set).env("KEYWARD_TEST_NOW", at.to_string());
    assert_cmd::Command::from_std(c)
        .write_stdin(presented.as_bytes().to_vec())
        .output()
        .unwrap()
}

#[test]
fn export_creates_one_verifier_key_inside_the_env_and_records_both_events() {
    let f = fleet();
    let kw = &f.kw;
    kw.cmd(["verifier", "export", "--format", "jsonl", "-o", "one.jsonl"])
        .assert()
        .success();
    let first = kw.stdout(["verifier", "pubkey"]);
    kw.cmd(["verifier", "export", "-o", "two.kwset"])
        .assert()
        .success();
    assert_eq!(
        kw.stdout(["verifier", "pubkey"]),
        first,
        "the key is made once"
    );
    let header: serde_json::Value = serde_json::from_str(
        fs::read_to_string(kw.path("one.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["pubkey"], first.trim());
    assert_eq!(header["entries"], 3);
    // The key lives in the encrypted environment, nowhere else.
    let conn = crate::support::open_image(&kw.decrypt_env("dev"));
    let n: i64 = conn
        .query_row("SELECT count(*) FROM verifier_key", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let audit: serde_json::Value = serde_json::from_str(&kw.stdout(["audit", "--json"])).unwrap();
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["chain"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == ("verifier-key", "lifecycle"))
            .count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == ("verifier-export", "access"))
            .count(),
        2
    );
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn a_tampered_set_is_exit_6_and_so_is_a_wrong_key() {
    let f = fleet();
    let kw = &f.kw;
    kw.cmd(["verifier", "export", "-o", "dev.kwset"])
        .assert()
        .success();
    kw.cmd(["verifier", "export", "--format", "jsonl", "-o", "dev.jsonl"])
        .assert()
        .success();
    let pubkey = kw.stdout(["verifier", "pubkey"]).trim().to_owned();

    // Edited with sqlite: the revoked C put back in as active.
    let set = kw.path("dev.kwset");
    {
        let conn = rusqlite::Connection::open(&set).unwrap();
        let fp = sha256(f.c.as_bytes());
        conn.execute(
            "INSERT INTO entries(hash, env, name, version, status, scopes, not_after) VALUES (?1, 'dev', 'C', 1, 'active', '', NULL)",
            [&fp[..]],
        )
        .unwrap();
        // The retiring B1 made active with no end.
        conn.execute(
            "UPDATE entries SET status = 'active', not_after = NULL WHERE name = 'B' AND version = 1",
            [],
        )
        .unwrap();
    }
    for args in [vec!["--pubkey", pubkey.as_str()], vec![]] {
        for presented in [&f.c, &f.b1] {
            let out = check(kw, &set, &args, presented);
            assert_eq!(
                out.status.code(),
                Some(6),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stderr).contains("signature does not match"));
        }
    }
    // A retiring version made active in the JSON lines.
    let jsonl = kw.path("dev.jsonl");
    let text = fs::read_to_string(&jsonl).unwrap();
    fs::write(&jsonl, text.replace("\"retiring\"", "\"active\"")).unwrap();
    assert_eq!(
        check(kw, &jsonl, &["--pubkey", &pubkey], &f.a)
            .status
            .code(),
        Some(6)
    );
    // Truncated: a line fewer than the header says.
    let lines: Vec<&str> = text.lines().collect();
    fs::write(&jsonl, lines[..lines.len() - 1].join("\n")).unwrap();
    let out = check(kw, &jsonl, &["--pubkey", &pubkey], &f.a);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("entries"));
    // Not a set at all.
    fs::write(&jsonl, "hello").unwrap();
    assert_eq!(check(kw, &jsonl, &[], &f.a).status.code(), Some(6));

    // A genuine set of another environment is refused against this one's key.
    kw.cmd(["verifier", "export", "-e", "prod", "-o", "prod.kwset"])
        .assert()
        .success();
    let prod_key = kw
        .stdout(["verifier", "pubkey", "-e", "prod"])
        .trim()
        .to_owned();
    assert_ne!(prod_key, pubkey);
    let out = check(kw, &kw.path("prod.kwset"), &["--pubkey", &pubkey], &f.a);
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&prod_key) && err.contains(&pubkey), "{err}");
    // A bad --pubkey is a usage error.
    assert_eq!(
        check(kw, &set, &["--pubkey", "ed25519:zz"], &f.a)
            .status
            .code(),
        Some(2)
    );
}

/// A hostile review's forgery: the signed rows behind an index the bucket check's range
/// scan uses, and a key nobody signed behind one an equality lookup prefers (steered by
/// planner statistics). `check` refuses the image, pinned key or not.
#[test]
fn a_set_steering_its_lookups_to_a_row_nobody_signed_is_exit_6() {
    let f = fleet();
    let kw = &f.kw;
    kw.cmd(["verifier", "export", "-o", "dev.kwset"])
        .assert()
        .success();
    let pubkey = kw.stdout(["verifier", "pubkey"]).trim().to_owned();
    let set = kw.path("dev.kwset");
    {
        let conn = rusqlite::Connection::open(&set).unwrap();
        let fp = hex::encode(sha256(b"attacker-chosen-key"));
        conn.execute_batch(&format!(
            "CREATE TABLE e2(hash BLOB NOT NULL, env TEXT NOT NULL, name TEXT NOT NULL,
               version INTEGER NOT NULL, status TEXT NOT NULL, scopes TEXT NOT NULL, not_after INTEGER);
             INSERT INTO e2 SELECT * FROM entries;
             INSERT INTO e2 VALUES (x'{fp}', 'dev', 'A', 99, 'active', 'admin', NULL);
             DROP TABLE entries; ALTER TABLE e2 RENAME TO entries;
             CREATE INDEX a ON entries(hash, name, version) WHERE version <> 99;
             CREATE INDEX b ON entries(hash);
             ANALYZE; DELETE FROM sqlite_stat1;
             INSERT INTO sqlite_stat1 VALUES ('entries','a','1000000 1000000 1000000 1000000');
             INSERT INTO sqlite_stat1 VALUES ('entries','b','1000000 1 unordered');"
        ))
        .unwrap();
    }
    for args in [vec!["--pubkey", pubkey.as_str()], vec![]] {
        for presented in ["attacker-chosen-key", f.a.as_str()] {
            let out = check(kw, &set, &args, presented);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(6), "{err}");
            assert!(err.contains("edited after signing"), "{err}");
        }
    }
}

fn sha256(b: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(b).into()
}

#[test]
fn a_set_older_than_required_is_refused_and_serials_grow_with_changes() {
    let f = fleet();
    let mut kw = f.kw;
    kw.cmd(["verifier", "export", "-o", "old.kwset"])
        .assert()
        .success();
    kw.at(T0 + 2 * HOUR + 1);
    kw.cmd(["rotate", "A", "--reason", "r"]).assert().success();
    kw.cmd(["verifier", "export", "-o", "new.kwset"])
        .assert()
        .success();
    let serial = |file: &str| -> i64 {
        let out = check(&kw, &kw.path(file), &["--json"], &f.b2);
        assert_eq!(out.status.code(), Some(0));
        json_of(&out)["serial"].as_i64().unwrap()
    };
    let (old, new) = (serial("old.kwset"), serial("new.kwset"));
    assert!(new > old, "serial {new} after a rotation, {old} before");
    let min = new.to_string();
    let out = check(&kw, &kw.path("old.kwset"), &["--min-serial", &min], &f.b2);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("serial {old}, older than the {new}"))
    );
    let out = check(&kw, &kw.path("new.kwset"), &["--min-serial", &min], &f.b2);
    assert_eq!(out.status.code(), Some(0));
    // The rotated-out A (retired at once) is gone from the new set only.
    assert_eq!(
        check(&kw, &kw.path("old.kwset"), &[], &f.a).status.code(),
        Some(0)
    );
    assert_eq!(
        check(&kw, &kw.path("new.kwset"), &[], &f.a).status.code(),
        Some(3)
    );
    let _ = DAY;
}

#[test]
fn imported_keys_need_an_hmac_key_and_its_set_needs_the_same_key() {
    let kw = Sandbox::with_vault_at(T0);
    kw.set("LEGACY", "short-and-guessable");
    kw.generate("GEN");
    let out = kw
        .cmd(["verifier", "export", "-o", "dev.kwset"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`LEGACY`") && err.contains("--hmac-key-file"),
        "{err}"
    );
    assert!(!kw.path("dev.kwset").exists(), "nothing written");
    assert!(
        crate::support::no_verifier_key(&kw),
        "no key made by a refused export"
    );

    fs::write(kw.path("short.key"), b"too short").unwrap();
    let out = kw
        .cmd([
            "verifier",
            "export",
            "--hmac-key-file",
            "short.key",
            "-o",
            "dev.kwset",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    crate::support::write_private(kw.path("hmac.key"), crate::support::HMAC_KEY);
    crate::support::write_private(kw.path("other.key"), crate::support::OTHER_HMAC_KEY);
    for format in ["sqlite", "jsonl"] {
        let set = kw.path(&format!("dev.{format}"));
        kw.cmd([
            "verifier",
            "export",
            "--hmac-key-file",
            "hmac.key",
            "--format",
            format,
            "-o",
        ])
        .arg(&set)
        .assert()
        .success();
        assert!(!contains(
            &fs::read(&set).unwrap(),
            &sha256(b"short-and-guessable")
        ));
        let out = check(&kw, &set, &[], "short-and-guessable");
        assert_eq!(out.status.code(), Some(2), "an HMAC set needs its key");
        let out = check(
            &kw,
            &set,
            &["--hmac-key-file", "other.key"],
            "short-and-guessable",
        );
        assert_eq!(out.status.code(), Some(2), "another key is told apart");
        assert!(String::from_utf8_lossy(&out.stderr).contains("another HMAC key"));
        let out = check(
            &kw,
            &set,
            &["--hmac-key-file", "hmac.key", "--json"],
            "short-and-guessable",
        );
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(json_of(&out)["name"], "LEGACY");
    }
}

/// A service configured with an HMAC key (as it must be once the environment has imported
/// keys) handed a plain SHA-256 set: a downgrade, refused by name (exit 2) rather than
/// answering "unknown" for every valid key.
#[test]
fn a_plain_set_checked_with_an_hmac_key_is_refused_as_a_downgrade() {
    let kw = Sandbox::with_vault_at(T0);
    let value = kw.generate("GEN");
    crate::support::write_private(kw.path("hmac.key"), crate::support::HMAC_KEY);
    for format in ["sqlite", "jsonl"] {
        let set = kw.path(&format!("dev.{format}"));
        kw.cmd(["verifier", "export", "--format", format, "-o"])
            .arg(&set)
            .assert()
            .success();
        let out = check(&kw, &set, &["--hmac-key-file", "hmac.key"], &value);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("holds plain SHA-256 hashes, not HMAC-SHA-256")
                && err.contains("hint: export it with the key your services hold"),
            "{err}"
        );
        assert!(!err.contains(value.trim_end()), "{err}");
        assert_eq!(check(&kw, &set, &[], &value).status.code(), Some(0));
    }
}

/// A generated key that `import --overwrite` gave a value from outside keeps its kind,
/// and its new value may be as guessable as any imported one: the set needs an HMAC key
/// for it too, or a dictionary finds the value from its bare SHA-256.
#[test]
fn a_generated_key_given_an_imported_value_needs_an_hmac_key_too() {
    let kw = Sandbox::with_vault_at(T0);
    kw.generate("API_KEY");
    fs::write(kw.path("new.env"), "API_KEY=hunter2-but-longer\n").unwrap();
    kw.cmd(["import", "new.env", "--format", "dotenv", "--overwrite"])
        .assert()
        .success();
    kw.cmd(["rename", "API_KEY", "RENAMED_KEY"])
        .assert()
        .success();
    let out = kw
        .cmd(["verifier", "export", "-o", "dev.kwset"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`RENAMED_KEY`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!kw.path("dev.kwset").exists(), "nothing written");
    kw.export_hmac_set();
    assert!(!contains(
        &fs::read(kw.path("dev.kwset")).unwrap(),
        &sha256(b"hunter2-but-longer")
    ));
    // The key is a secret, held to an identity file's rule; a short key's hint names a
    // new file, never the one given (it may hold something else).
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(kw.path("hmac.key"), fs::Permissions::from_mode(0o644)).unwrap();
    }
    let export = |key: &str| {
        let out = kw
            .cmd([
                "verifier",
                "export",
                "--hmac-key-file",
                key,
                "-o",
                "again.kwset",
            ])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = export("hmac.key");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("is readable by other users (mode 0644)") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!kw.path("again.kwset").exists());
    crate::support::write_private(kw.path("notes.txt"), "short");
    let (code, err) = export("notes.txt");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("> hmac.key)") && !err.contains("> notes.txt"),
        "{err}"
    );
}

/// Two scopes and one scope holding a comma join to the same signed line: a set edited
/// from `["read","write"]` to `["read,write"]` must not pass as signed.
#[test]
fn a_jsonl_set_whose_scopes_were_merged_into_one_is_refused() {
    let kw = Sandbox::with_vault_at(T0);
    let value = kw.stdout(["generate", "SCOPED", "--scope", "read", "--scope", "write"]);
    kw.cmd(["verifier", "export", "--format", "jsonl", "-o", "dev.jsonl"])
        .assert()
        .success();
    let pubkey = kw.stdout(["verifier", "pubkey"]).trim().to_owned();
    let jsonl = kw.path("dev.jsonl");
    let text = fs::read_to_string(&jsonl).unwrap();
    assert!(text.contains(r#""scopes":["read","write"]"#), "{text}");
    assert!(
        check(&kw, &jsonl, &["--pubkey", &pubkey], value.trim())
            .status
            .success()
    );
    fs::write(
        &jsonl,
        text.replace(r#""scopes":["read","write"]"#, r#""scopes":["read,write"]"#),
    )
    .unwrap();
    let out = check(&kw, &jsonl, &["--pubkey", &pubkey], value.trim());
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A `verifier export` the clock check refuses (the clock behind this machine's last
/// recorded access) makes no verifier key: it committed one, dated by the wrong clock,
/// before its journaling was refused.
#[test]
fn an_export_refused_for_a_clock_behind_makes_no_key() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("K");
    kw.at(T0 + 10 * DAY);
    kw.cmd(["get", "K"]).assert().success();
    kw.at(T0 + DAY);
    kw.cmd(["verifier", "export", "-o", "set.kwset"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is behind"));
    assert!(!kw.path("set.kwset").exists());
    kw.at(T0 + 11 * DAY);
    let events = kw.stdout(["audit"]);
    assert!(
        events.contains("generate") && !events.contains("verifier-key"),
        "{events}"
    );
}
