//! Issue 13, output hardening: control characters never reach the terminal raw, `audit
//! export --out` never clobbers or follows a link, `audit verify --all-envs` never passes
//! silently over environments it could not open, and `scan` finds keys in binary files
//! and UTF-16 text.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, open_image};

/// ESC (a colour sequence), BEL, CR, RIGHT-TO-LEFT OVERRIDE, C1 CSI, LEFT-TO-RIGHT ISOLATE.
const HOSTILE: &str = "a\x1b[31mred\x07\rb\u{202e}c\u{9b}2J\u{2066}d";
/// `HOSTILE` as `output::escape` shows it.
const SHOWN: &str = r"a\x1b[31mred\x07\rb\u{202e}c\u{9b}2J\u{2066}d";

/// No raw control character (other than line breaks) and no bidi control in `s`.
fn assert_no_controls(s: &str) {
    for c in s.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control {c:?} in output:\n{s:?}"
        );
    }
    assert!(!s.contains('\u{2066}'), "raw isolate in {s:?}");
}

fn out(c: &mut assert_cmd::Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

// ---- 1. terminal escape injection

#[test]
fn show_escapes_control_characters_in_notes_and_revoke_reasons() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["generate", "N", "--note", HOSTILE])
        .assert()
        .success();
    kw.cmd(["revoke", "--yes", "K", "--reason", HOSTILE])
        .assert()
        .success();
    for name in ["K", "N"] {
        let (code, stdout, stderr) = out(&mut kw.cmd(["show", name]));
        assert_eq!(code, 0, "{stderr}");
        assert_no_controls(&stdout);
        assert!(stdout.contains(SHOWN), "{stdout}");
    }
    // --json stays exact
    let v: serde_json::Value = serde_json::from_str(&kw.stdout(["show", "N", "--json"])).unwrap();
    assert_eq!(v["note"], HOSTILE);
    let v: serde_json::Value = serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(v["versions"][0]["revoke_reason"], HOSTILE);
}

#[test]
fn audit_escapes_reasons_and_actors_but_json_keeps_them() {
    let mut kw = Sandbox::with_vault();
    kw.generate("K");
    kw.set_env("USER", "ev\x1b]0;owned\x07il");
    kw.cmd(["revoke", "--yes", "K", "--reason", HOSTILE])
        .assert()
        .success();
    let (code, stdout, stderr) = out(&mut kw.cmd(["audit"]));
    assert_eq!(code, 0, "{stderr}");
    assert_no_controls(&stdout);
    assert!(stdout.contains(SHOWN), "{stdout}");
    assert!(stdout.contains(r"ev\x1b]0;owned\x07il@"), "{stdout}");
    let events: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "revoke"])).unwrap();
    assert_eq!(events[0]["reason"], HOSTILE);
    assert_eq!(events[0]["actor"]["os_user"], "ev\x1b]0;owned\x07il");
}

/// Rewrite the dev env's image with `sql` (a hostile fellow recipient can write any
/// image encrypted to the env's recipients).
fn forge(kw: &Sandbox, sql: &str, params: &[&dyn rusqlite::ToSql]) {
    let image = kw.decrypt_env("dev");
    let mut conn = open_image(&image);
    conn.execute(sql, params).unwrap();
    let data = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
    kw.encrypt_env("dev", &data);
}

/// A forged text column shown by `args`: refused as corrupt (exit 6, if validated on
/// read) or shown escaped, never raw.
fn forged_text_is_never_raw(kw: &Sandbox, args: &[&str], shown: &str) {
    let (code, stdout, stderr) = out(&mut kw.cmd(args));
    assert_no_controls(&stdout);
    assert_no_controls(&stderr);
    match code {
        0 => assert!(stdout.contains(shown), "{stdout}"),
        6 => {}
        _ => panic!("exit {code}: {stderr}"),
    }
}

#[test]
fn list_escapes_a_forged_scope() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "K", "--scope", "read"])
        .assert()
        .success();
    let image = kw.decrypt_env("dev");
    let scopes: String = open_image(&image)
        .query_row("SELECT scopes FROM keys WHERE name = 'K'", [], |r| r.get(0))
        .unwrap();
    let forged = scopes.replace("read", "re\x1b[2Jad\u{202e}");
    assert_ne!(forged, scopes, "scopes stored as {scopes}");
    forge(
        &kw,
        "UPDATE keys SET scopes = ?1 WHERE name = 'K'",
        &[&forged],
    );
    forged_text_is_never_raw(&kw, &["list"], r"re\x1b[2Jad\u{202e}");
}

#[test]
fn access_list_escapes_a_forged_recipient() {
    let kw = Sandbox::with_vault();
    let forged = format!("{}\x1b[8m\u{202e}", kw.my_recipient());
    forge(
        &kw,
        "INSERT INTO recipients(recipient, added_at, added_by) VALUES (?1, 0, NULL)",
        &[&forged],
    );
    forged_text_is_never_raw(
        &kw,
        &["access", "list"],
        &format!(r"{}\x1b[8m\u{{202e}}", kw.my_recipient()),
    );
}

// ---- 2. audit export --out

fn export_to(kw: &Sandbox, path: &Path, force: bool) -> assert_cmd::Command {
    let mut c = kw.cmd(["audit", "export", "--format", "jsonl", "--out"]);
    c.arg(path);
    if force {
        c.arg("--force");
    }
    c
}

/// Names in `dir` other than `keep`: temp files left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

fn export_dir(kw: &Sandbox) -> PathBuf {
    let dir = kw.path("exports");
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn export_out_writes_a_new_file_0600_and_no_temp_file() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    export_to(&kw, &f, false).assert().success();
    let text = fs::read_to_string(&f).unwrap();
    assert!(text.lines().count() >= 1 && text.contains("\"action\":\"init\""));
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_refuses_an_existing_file_without_force() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    fs::write(&f, "precious\n").unwrap();
    export_to(&kw, &f, false)
        .assert()
        .code(1)
        .stderr(contains("already exists").and(contains("--force")));
    assert_eq!(fs::read_to_string(&f).unwrap(), "precious\n");
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_force_replaces_a_file_and_makes_it_0600() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let f = dir.join("audit.jsonl");
    fs::write(&f, "old\n").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    export_to(&kw, &f, true).assert().success();
    let text = fs::read_to_string(&f).unwrap();
    assert!(!text.contains("old") && text.contains("\"action\":\"init\""));
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(leftovers(&dir, &["audit.jsonl"]), Vec::<String>::new());
}

#[test]
fn export_out_never_follows_a_symlink_even_with_force() {
    let kw = Sandbox::with_vault();
    let dir = export_dir(&kw);
    let victim = kw.path("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    let link = dir.join("audit.jsonl");
    symlink(&victim, &link).unwrap();
    for force in [false, true] {
        export_to(&kw, &link, force)
            .assert()
            .code(1)
            .stderr(contains("symbolic link"));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    // a dangling link: its target is not created
    let missing = kw.path("created-through-link.txt");
    let dangling = dir.join("dangling.jsonl");
    symlink(&missing, &dangling).unwrap();
    for force in [false, true] {
        export_to(&kw, &dangling, force).assert().code(1);
        assert!(!missing.exists());
    }
    assert_eq!(
        leftovers(&dir, &["audit.jsonl", "dangling.jsonl"]),
        Vec::<String>::new()
    );
}

// ---- 3. audit verify --all-envs over an environment it cannot open

/// A vault where `ops` is encrypted to another identity only.
fn vault_with_foreign_env() -> Sandbox {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let other = kw.write_identity("other.key");
    kw.cmd(["env", "add", "ops"])
        .env("KEYWARD_IDENTITY", &other)
        .assert()
        .success();
    kw.cmd(["-e", "ops", "list"]).assert().code(5);
    kw
}

#[test]
fn audit_verify_all_envs_fails_with_5_naming_what_it_skipped() {
    let kw = vault_with_foreign_env();
    kw.cmd(["audit", "verify", "--all-envs"])
        .assert()
        .code(5)
        .stderr(contains("`ops`").and(contains("--skip-unreadable")))
        .stderr(contains("all chains intact").not());
    // -q does not hide it
    kw.cmd(["-q", "audit", "verify", "--all-envs"])
        .assert()
        .code(5)
        .stderr(contains("not checked `ops`"));
    let (code, stdout, _) = out(&mut kw.cmd(["audit", "verify", "--all-envs", "--json"]));
    assert_eq!(code, 5);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["skipped"][0]["env"], "ops");
    assert_eq!(v["skipped"].as_array().unwrap().len(), 1);
    let envs: Vec<&str> = v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["env"].as_str().unwrap())
        .collect();
    assert!(envs.contains(&"dev") && !envs.contains(&"ops"), "{envs:?}");
}

#[test]
fn audit_verify_skip_unreadable_passes_but_still_names_the_env() {
    let kw = vault_with_foreign_env();
    kw.cmd(["audit", "verify", "--all-envs", "--skip-unreadable"])
        .assert()
        .success()
        .stderr(contains("not checked `ops`"));
    let (code, stdout, _) = out(&mut kw.cmd([
        "audit",
        "verify",
        "--all-envs",
        "--skip-unreadable",
        "--json",
    ]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["skipped"][0]["env"], "ops");
    // nothing skipped: a clean pass, an empty list
    let kw = Sandbox::with_vault();
    let v: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "verify", "--all-envs", "--json"])).unwrap();
    assert_eq!(v["skipped"], serde_json::json!([]));
    assert_eq!(v["chains"].as_array().unwrap().len(), 6);
}

// ---- 4. scan: binary files, UTF-16 text, hostile file names

const IMPORTED: &str = "sk_live_imported_0123456789abcdef";

/// A vault holding a generated token `TOK` and an imported value `IMP`.
fn scan_vault() -> (Sandbox, String) {
    let kw = Sandbox::with_vault();
    let tok = kw.generate("TOK");
    kw.set("IMP", IMPORTED);
    fs::create_dir_all(kw.path("scan")).unwrap();
    (kw, tok)
}

fn scan_json(kw: &Sandbox, file: &Path) -> (i32, Vec<serde_json::Value>) {
    let (code, stdout, stderr) = out(kw.cmd(["scan", "--json"]).arg(file));
    assert!(!stdout.contains(IMPORTED) && !stderr.contains(IMPORTED));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    (code, v.as_array().unwrap().clone())
}

fn names_lines(f: &[serde_json::Value]) -> Vec<(String, u64)> {
    f.iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_owned(),
                x["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn scan_finds_keys_in_a_file_with_a_nul_byte() {
    let (kw, tok) = scan_vault();
    let f = kw.path("scan/blob.bin");
    fs::write(&f, format!("x\0y\n{tok}\n\0\x01{IMPORTED}\n")).unwrap();
    let (code, found) = scan_json(&kw, &f);
    assert_eq!(code, 8);
    assert_eq!(
        names_lines(&found),
        vec![("TOK".into(), 2), ("IMP".into(), 3)]
    );
    assert_eq!(found[1]["column"], 3);
    // walked as part of a tree too
    kw.cmd(["scan", "scan"])
        .assert()
        .code(8)
        .stdout(contains("scan/blob.bin:2:1: dev/TOK v1"));
}

fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
    let bom = if bom { "\u{feff}" } else { "" };
    format!("{bom}{text}")
        .encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn scan_finds_keys_in_utf16_text_with_or_without_bom() {
    let (kw, tok) = scan_vault();
    let text = format!("# réglages\r\nTOKEN={tok}\r\nIMP=\"{IMPORTED}\"");
    for (name, bom, be) in [
        ("le-bom.env", true, false),
        ("le.env", false, false),
        ("be-bom.env", true, true),
        ("be.env", false, true),
    ] {
        let f = kw.path(&format!("scan/{name}"));
        fs::write(&f, utf16(&text, bom, be)).unwrap();
        let (code, found) = scan_json(&kw, &f);
        assert_eq!(code, 8, "{name}");
        assert_eq!(
            names_lines(&found),
            vec![("TOK".into(), 2), ("IMP".into(), 3)],
            "{name}"
        );
        assert!(found.iter().all(|x| x["encoding"] == "utf-16"), "{found:?}");
        assert_eq!(found[0]["column"], 7, "{name}: columns count UTF-16 units");
        kw.cmd(["scan"])
            .arg(&f)
            .assert()
            .code(8)
            .stdout(contains(":2:7: dev/TOK v1").and(contains("(as UTF-16 text)")));
    }
}

#[test]
fn scan_escapes_control_characters_in_file_names() {
    let (kw, tok) = scan_vault();
    let dir = kw.path("scan");
    let name = "evil\n\x1b[2Kok.txt:1:1: clean\u{202e}.txt";
    fs::write(dir.join(name), format!("{tok}\n{IMPORTED}\n")).unwrap();
    let (code, stdout, _) = out(kw.cmd(["scan"]).current_dir(&dir).arg("."));
    assert_eq!(code, 8);
    assert_no_controls(&stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per finding: {stdout:?}");
    for l in lines {
        assert!(
            l.starts_with(r"evil\n\x1b[2Kok.txt:1:1: clean\u{202e}.txt:"),
            "{l}"
        );
    }
    // JSON keeps the name exact
    let (code, stdout, _) = out(kw.cmd(["scan", "--json"]).current_dir(&dir).arg("."));
    assert_eq!(code, 8);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        v.as_array().unwrap().iter().all(|f| f["path"] == name),
        "{v}"
    );
}

#[test]
fn scan_staged_finds_a_key_in_a_binary_file() {
    let (kw, tok) = scan_vault();
    let repo = kw.path("repo");
    fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    fs::write(repo.join("leak.bin"), format!("\0\0{tok}\0")).unwrap();
    fs::write(repo.join("leak16.txt"), utf16(IMPORTED, true, false)).unwrap();
    git(&["add", "leak.bin", "leak16.txt"]);
    kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .code(8)
        .stdout(contains("leak.bin:1:3: dev/TOK").and(contains("leak16.txt:1:2: dev/IMP")));
}

#[test]
fn errors_escape_the_paths_they_echo() {
    let kw = Sandbox::with_vault();
    let f = kw.path("a\x1b[31mb\u{202e}.jsonl");
    fs::write(&f, "x").unwrap();
    let (code, _, stderr) = out(&mut export_to(&kw, &f, false));
    assert_eq!(code, 1);
    assert_no_controls(&stderr);
    assert!(stderr.contains(r"a\x1b[31mb\u{202e}.jsonl"), "{stderr}");
}
