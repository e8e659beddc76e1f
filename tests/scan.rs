//! `keyward scan`: every vault value, any status, and foreign tokens, in trees, stdin and
//! what git would commit; binary files and UTF-16 text; hostile file names escaped;
//! environments it could not read named even with `-q`.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::git::git;
use crate::support::{Sandbox, assert_no_controls, outcome};

struct Planted {
    kw: Sandbox,
    current: String,
    retired: String,
    revoked: String,
    imported: String,
    prod: String,
    foreign: String,
    broken: String,
}

fn planted() -> Planted {
    let kw = Sandbox::with_vault();
    let retired = kw.generate("ROTATED");
    let current = kw.stdout(["rotate", "ROTATED"]).trim_end().to_owned();
    let revoked = kw.generate("REVOKED");
    kw.cmd(["revoke", "--yes", "REVOKED", "--reason", "test"])
        .assert()
        .success();
    let imported = "sk_live_imported_0123456789abcdef".to_owned();
    kw.set("IMPORTED", &imported);
    let prod = kw
        .stdout(["-e", "prod", "generate", "PRODKEY"])
        .trim_end()
        .to_owned();
    let other = Sandbox::with_vault();
    let foreign = other
        .stdout(["-e", "test", "generate", "X"])
        .trim_end()
        .to_owned();
    let mut broken = current.clone().into_bytes();
    let i = broken.len() - 8;
    broken[i] = if broken[i] == b'a' { b'b' } else { b'a' };
    let broken = String::from_utf8(broken).unwrap();
    Planted {
        kw,
        current,
        retired,
        revoked,
        imported,
        prod,
        foreign,
        broken,
    }
}

fn tree(p: &Planted) {
    let root = p.kw.path("repo");
    fs::create_dir_all(root.join("src")).unwrap();
    // A git work tree: `.gitignore` means nothing outside one.
    git(&p.kw, &root, &["init", "-q"]);
    fs::write(
        root.join("src/config.py"),
        format!(
            "# settings\nAPI = \"{}\"\nOLD = '{}'\n    revoked={}\n",
            p.current, p.retired, p.revoked
        ),
    )
    .unwrap();
    fs::write(
        root.join(".env.example"),
        format!("IMPORTED={}\n", p.imported),
    )
    .unwrap();
    fs::write(root.join("deploy.log"), format!("prod key {}\n", p.prod)).unwrap();
    fs::write(root.join("foreign.txt"), format!("x {} y\n", p.foreign)).unwrap();
    fs::write(root.join("broken.txt"), format!("{}\n", p.broken)).unwrap();
    fs::write(root.join(".gitignore"), "ignored.txt\n").unwrap();
    fs::write(root.join("ignored.txt"), format!("{}\n", p.current)).unwrap();
    fs::write(root.join(".git/leaked"), format!("{}\n", p.current)).unwrap();
    fs::write(
        root.join("binary.bin"),
        [b"\0\0".as_slice(), p.current.as_bytes()].concat(),
    )
    .unwrap();
}

fn scan_json(p: &Planted, args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let mut a = vec!["scan", "--json"];
    a.extend_from_slice(args);
    let out =
        p.kw.cmd(&a)
            .current_dir(p.kw.path("repo"))
            .output()
            .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for secret in [
        &p.current,
        &p.retired,
        &p.revoked,
        &p.imported,
        &p.prod,
        &p.foreign,
    ] {
        assert!(!stdout.contains(secret.as_str()), "full value on stdout");
        assert!(!stderr.contains(secret.as_str()), "full value on stderr");
    }
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    (
        out.status.code().unwrap(),
        v.as_array().unwrap().clone(),
        stderr,
    )
}

fn find<'a>(f: &'a [serde_json::Value], path: &str) -> Vec<&'a serde_json::Value> {
    f.iter().filter(|x| x["path"] == path).collect()
}

#[test]
fn finds_every_status_in_every_env_with_positions() {
    let p = planted();
    tree(&p);
    let (code, f, _) = scan_json(&p, &[]);
    assert_eq!(code, 8);
    let cfg = find(&f, "src/config.py");
    assert_eq!(cfg.len(), 3, "{cfg:?}");
    assert_eq!(
        (cfg[0]["line"].as_u64(), cfg[0]["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(cfg[0]["name"], "ROTATED");
    assert_eq!(cfg[0]["version"], 2);
    assert_eq!(cfg[0]["status"], "active");
    assert_eq!(cfg[1]["status"], "retired");
    assert_eq!(
        (cfg[1]["line"].as_u64(), cfg[1]["column"].as_u64()),
        (Some(3), Some(8))
    );
    assert_eq!(cfg[2]["status"], "revoked");
    assert_eq!(
        (cfg[2]["line"].as_u64(), cfg[2]["column"].as_u64()),
        (Some(4), Some(13))
    );
    let hidden = find(&f, ".env.example");
    assert_eq!(hidden[0]["name"], "IMPORTED");
    let prod = find(&f, "deploy.log");
    assert_eq!(prod[0]["env"], "prod");
    let foreign = find(&f, "foreign.txt");
    assert_eq!(foreign[0]["status"], "unknown-token");
    assert_eq!(foreign[0]["env"], "test");
    assert!(foreign[0]["name"].is_null());
    assert!(
        find(&f, "broken.txt").is_empty(),
        "a broken checksum is no token"
    );
    assert!(find(&f, "ignored.txt").is_empty());
    assert_eq!(
        find(&f, "binary.bin").len(),
        1,
        "binary files are scanned too"
    );
    assert!(
        f.iter()
            .all(|x| !x["path"].as_str().unwrap().starts_with(".git/"))
    );
    let masked = cfg[0]["masked"].as_str().unwrap();
    assert!(
        masked.starts_with("kw_dev_…") && masked.len() < 20,
        "{masked}"
    );
}

#[test]
fn no_ignore_scans_ignored_files() {
    let p = planted();
    tree(&p);
    let (_, f, _) = scan_json(&p, &["--no-ignore"]);
    assert_eq!(find(&f, "ignored.txt").len(), 1);
    assert!(
        f.iter()
            .all(|x| !x["path"].as_str().unwrap().starts_with(".git/"))
    );
}

#[test]
fn env_flag_limits_the_vault_values_but_not_token_recognition() {
    let p = planted();
    tree(&p);
    let (_, f, _) = scan_json(&p, &["-e", "prod"]);
    let prod = find(&f, "deploy.log");
    assert_eq!(prod[0]["name"], "PRODKEY");
    // dev tokens are still recognised as tokens, just not named
    let cfg = find(&f, "src/config.py");
    assert!(cfg.iter().all(|x| x["status"] == "unknown-token"));
    // imported (non-token) dev values are not known to a prod-only scan
    assert!(find(&f, ".env.example").is_empty());
}

#[test]
fn stdin_and_clean_trees() {
    let p = planted();
    p.kw.cmd(["scan", "-"])
        .write_stdin(format!("line one\nthe key: {}\n", p.current))
        .assert()
        .code(8)
        .stderr(contains("1 leaked key(s) found"))
        .stdout(
            contains("<stdin>:2:10: dev/ROTATED v2 (active)")
                .and(contains(p.current.as_str()).not()),
        );
    let clean = p.kw.path("clean");
    fs::create_dir_all(&clean).unwrap();
    fs::write(clean.join("a.txt"), "nothing here\n").unwrap();
    p.kw.cmd(["scan", clean.to_str().unwrap()])
        .assert()
        .success();
    p.kw.cmd(["scan", "no/such/path"])
        .assert()
        .code(3)
        .stderr(contains("no file `no/such/path`"));
}

#[test]
fn staged_scans_what_git_would_commit() {
    let p = planted();
    let repo = p.kw.path("gitrepo");
    fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| git(&p.kw, &repo, args);
    git(&["init", "-q"]);
    fs::write(repo.join("ok.txt"), "fine\n").unwrap();
    git(&["add", "ok.txt"]);
    p.kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .success();
    fs::write(repo.join("leak.txt"), format!("token={}\n", p.current)).unwrap();
    git(&["add", "leak.txt"]);
    // the working copy no longer holds it, the index does
    fs::write(repo.join("leak.txt"), "fixed\n").unwrap();
    p.kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .code(8)
        .stderr(contains("1 leaked key(s) found"))
        .stdout(contains("leak.txt:1:7"));
    // A path committed as a symbolic link, now staged as a file holding a key: git
    // calls it a type change (a hostile review found the hook passing it).
    git(&["reset", "-q", "leak.txt"]);
    fs::remove_file(repo.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink("ok.txt", repo.join("link.txt")).unwrap();
    git(&["add", "link.txt"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "a link",
    ]);
    fs::remove_file(repo.join("link.txt")).unwrap();
    fs::write(repo.join("link.txt"), format!("token={}\n", p.current)).unwrap();
    git(&["add", "link.txt"]);
    p.kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .code(8)
        .stdout(contains("link.txt:1:7"));
}

#[test]
fn short_values_are_skipped_with_a_warning() {
    let kw = Sandbox::with_vault();
    kw.set("TINY", "abc");
    fs::create_dir_all(kw.path("t")).unwrap();
    fs::write(kw.path("t/a.txt"), "abc abc abc\n").unwrap();
    kw.cmd(["scan", "t"])
        .assert()
        .success()
        .stderr(contains("shorter than 8 bytes"));
}

pub const IMPORTED: &str = "sk_live_imported_0123456789abcdef";

/// A vault holding a generated token `TOK` and an imported value `IMP`.
pub fn scan_vault() -> (Sandbox, String) {
    let kw = Sandbox::with_vault();
    let tok = kw.generate("TOK");
    kw.set("IMP", IMPORTED);
    fs::create_dir_all(kw.path("scan")).unwrap();
    (kw, tok)
}

pub fn scan_file_json(kw: &Sandbox, file: &Path) -> (i32, Vec<serde_json::Value>) {
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--json"]).arg(file));
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
    let (code, found) = scan_file_json(&kw, &f);
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
        .stderr(contains("2 leaked key(s) found"))
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
        let (code, found) = scan_file_json(&kw, &f);
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
            .stderr(contains("2 leaked key(s) found"))
            .stdout(contains(":2:7: dev/TOK v1").and(contains("(as UTF-16 text)")));
    }
}

#[test]
fn scan_escapes_control_characters_in_file_names() {
    let (kw, tok) = scan_vault();
    let dir = kw.path("scan");
    let name = "evil\n\x1b[2Kok.txt:1:1: clean\u{202e}.txt";
    fs::write(dir.join(name), format!("{tok}\n{IMPORTED}\n")).unwrap();
    let (code, stdout, _) = outcome(kw.cmd(["scan"]).current_dir(&dir).arg("."));
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
    let (code, stdout, _) = outcome(kw.cmd(["scan", "--json"]).current_dir(&dir).arg("."));
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
    let git = |args: &[&str]| git(&kw, &repo, args);
    git(&["init", "-q"]);
    fs::write(repo.join("leak.bin"), format!("\0\0{tok}\0")).unwrap();
    fs::write(repo.join("leak16.txt"), utf16(IMPORTED, true, false)).unwrap();
    git(&["add", "leak.bin", "leak16.txt"]);
    kw.cmd(["scan", "--staged"])
        .current_dir(&repo)
        .assert()
        .code(8)
        .stderr(contains("2 leaked key(s) found"))
        .stdout(contains("leak.bin:1:3: dev/TOK").and(contains("leak16.txt:1:2: dev/IMP")));
}

/// A scan that cannot read an environment's values says so even with `-q` (it is never
/// an error by itself: a pre-commit hook must work without prod access).
#[test]
fn scan_names_the_environments_it_could_not_read_even_when_quiet() {
    let kw = Sandbox::with_vault();
    let other = kw.recipient_of(&kw.write_identity("other.key"));
    kw.cmd(["env", "add", "secret", "--admin", &other])
        .assert()
        .success();
    kw.cmd([
        "access",
        "revoke",
        &kw.my_recipient(),
        "-e",
        "secret",
        "--force",
        "--yes",
    ])
    .assert()
    .success();
    fs::write(kw.path("clean.txt"), "nothing here\n").unwrap();
    kw.cmd(["-q", "scan", "clean.txt"])
        .assert()
        .success()
        .stderr(contains("warning: not scanning for keys of `secret`"));
}

#[test]
fn scan_finds_age_identities_and_knows_this_vaults_own() {
    let kw = Sandbox::with_vault();
    let dir = kw.path("tree");
    fs::create_dir_all(&dir).unwrap();
    let mine = Sandbox::secret_key_of(kw.identity.as_ref().unwrap());
    let stranger = kw.write_identity("stranger.key");
    let theirs = Sandbox::secret_key_of(&stranger);
    fs::write(dir.join("ci.key"), format!("# created: today\n{mine}\n")).unwrap();
    fs::write(
        dir.join("notes.md"),
        format!("export K={theirs}\nsee AGE-SECRET-KEY-1… in the docs\n"),
    )
    .unwrap();
    let out = kw.cmd(["scan", "--json", "tree"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for secret in [&mine, &theirs] {
        assert!(
            !stdout.contains(secret.as_str()),
            "never the identity itself"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains(secret.as_str()));
    }
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let by = |p: &str| {
        found
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(p))
            .unwrap()
            .clone()
    };
    assert_eq!(by("ci.key")["status"], "vault-identity");
    assert_eq!(by("ci.key")["env"], "dev,prod,test");
    assert_eq!(by("ci.key")["line"], 2);
    assert_eq!(by("notes.md")["status"], "age-identity");
    assert_eq!(by("notes.md")["column"], 10);
    kw.cmd(["scan", "tree"])
        .assert()
        .code(8)
        .stdout(contains(
            "an identity of this vault: it decrypts `dev`, `prod`, `test`",
        ))
        .stdout(contains(format!("of {}", &kw.my_recipient()[..10])))
        .stdout(contains("an age identity (not a recipient"));
}

/// A pipe or a device named on the command line (`scan <(cat build.log)`) was skipped
/// without a word and reported "no keys found", exit 0, while the same bytes on stdin
/// found the key (a hostile review). It is now a scan that could not read everything:
/// exit 1, naming the path.
#[test]
fn a_pipe_or_device_named_to_scan_is_never_reported_clean() {
    let p = planted();
    let fifo = p.kw.path("log.fifo");
    crate::support::mkfifo(&fifo);
    for path in [fifo.to_str().unwrap(), "/dev/null"] {
        p.kw.cmd(["scan", path])
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(1)
            .stderr(contains("scan incomplete: 1 path(s) could not be read"))
            .stderr(contains(format!(
                "{path}: not a regular file or a directory"
            )));
    }
    // The same bytes on stdin are read.
    p.kw.cmd(["scan"])
        .write_stdin(format!("token={}\n", p.current))
        .assert()
        .code(8);
}

/// A stdin (or a file) that never ends is read up to 256 MiB and scanned that far; the
/// rest is said unscanned, and the scan is incomplete (exit 1), never clean or a hang.
#[test]
fn an_endless_input_is_scanned_as_far_as_the_limit_and_said_incomplete() {
    let p = planted();
    let out =
        p.kw.std_cmd(["scan", "-"])
            .stdin(fs::File::open("/dev/zero").unwrap())
            .output()
            .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stdin: only its first 256 MiB were scanned"),
        "{stderr}"
    );
}

/// `echo "$T" | keyward set K` stores the newline; a log holds the value trimmed.
#[test]
fn a_value_stored_with_a_trailing_newline_is_found_where_it_was_printed_trimmed() {
    let kw = Sandbox::with_vault();
    kw.set("API_KEY", "legacyApiKey701898\n");
    kw.set("NAMED_TOO", "  legacyApiKey701898\t\n");
    let out = kw
        .cmd(["scan", "--json", "-"])
        .write_stdin("GET /v1 Authorization: Bearer legacyApiKey701898 -> 200\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(8), "{stdout}");
    assert!(!stdout.contains("legacyApiKey701898"), "{stdout}");
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let mut names: Vec<&str> = found.iter().map(|f| f["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["API_KEY", "NAMED_TOO"], "{stdout}");
    assert!(
        found.iter().all(|f| f["line"] == 1 && f["column"] == 31),
        "{stdout}"
    );
    // A value too short once trimmed is still searched for as it is stored.
    kw.set("PIN", "  1234\n\n");
    kw.cmd(["scan", "-"])
        .write_stdin("pin 1234\n")
        .assert()
        .code(0);
}

/// A file of thousands of well-formed tokens (an unknown vault's) lists the first 1000
/// findings and says how many more there were: a hostile file of millions held a
/// finding per token in memory (1 GB for 88 MB) and printed every one. Still exit 8.
#[test]
fn a_file_of_thousands_of_tokens_lists_the_first_thousand_and_counts_the_rest() {
    let (kw, tok) = scan_vault();
    let other = Sandbox::with_vault().generate("ELSEWHERE");
    let f = kw.path("scan/tokens.txt");
    let mut text = String::new();
    for _ in 0..1500 {
        text.push_str(&other);
        text.push('\n');
    }
    // The vault's own key after them all: never left out for the foreign ones.
    text.push_str(&format!("{tok}\n"));
    fs::write(&f, text).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--json"]).arg(&f));
    assert_eq!(code, 8, "{stderr}");
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found.len(), 1001, "{stderr}");
    // The first unknown ones in order, then the vault's own key (line 1501).
    assert_eq!(found[999]["status"], "unknown-token");
    assert_eq!(found[999]["line"], 1000);
    assert_eq!(found[1000]["name"], "TOK");
    assert_eq!(found[1000]["line"], 1501);
    assert!(
        stderr
            .contains("tokens.txt`: 500 more finding(s) past the first 1000 of a kind not listed"),
        "{stderr}"
    );
    // Nor does one of the vault's own keys crowd out another: each has its own 1,000.
    let payments = kw.generate("PAYMENTS_KEY");
    let mut text = format!("{tok}\n").repeat(1001);
    text.push_str(&format!("{payments}\n"));
    fs::write(&f, text).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--json"]).arg(&f));
    assert_eq!(code, 8, "{stderr}");
    let found: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found.len(), 1001, "{stderr}");
    assert_eq!(found[1000]["name"], "PAYMENTS_KEY");
    assert!(stderr.contains("1 more finding(s)"), "{stderr}");
}

/// A `.gitignore` too large to honour (a hostile tree's 13 MB of globs took 4 GB to
/// compile and aborted the scan) is not honoured: what it would have ignored is scanned,
/// with a warning, at the top of the work tree and in a directory within it alike.
#[test]
fn an_oversize_gitignore_is_not_honoured_and_what_it_names_is_scanned() {
    let (kw, tok) = scan_vault();
    let huge: String = (0..20_000).map(|i| format!("/ignored-{i}\n")).collect();
    assert!(huge.len() > 64 << 10);
    for (top, dir) in [("at-top", ""), ("within", "sub")] {
        let repo = kw.path(&format!("scan/{top}"));
        let here = repo.join(dir);
        fs::create_dir_all(&here).unwrap();
        git(&kw, &repo, &["init", "-q"]);
        fs::write(here.join(".gitignore"), format!("secret.txt\n{huge}")).unwrap();
        fs::write(here.join("secret.txt"), format!("k={tok}\n")).unwrap();
        let (code, stdout, stderr) = outcome(kw.cmd(["scan"]).current_dir(&repo));
        assert_eq!(code, 8, "{top}: {stderr}");
        assert!(
            stdout.contains("secret.txt:1:3: dev/TOK v1"),
            "{top}: {stdout}"
        );
        assert!(
            stderr.contains("larger than 64 KiB") && stderr.contains("is not honoured"),
            "{top}: {stderr}"
        );
        // A small one is honoured as before.
        fs::write(here.join(".gitignore"), "secret.txt\n").unwrap();
        kw.cmd(["scan"]).current_dir(&repo).assert().success();
    }
    // Files each under the limit, nested deep enough to pass 512 KiB together: the
    // rules past that total are not honoured either (each directory's are compiled).
    let repo = kw.path("scan/nested");
    git(&kw, repo.parent().unwrap(), &["init", "-q", "nested"]);
    let under: String = (0..2_500).map(|i| format!("/ignored-{i}\n")).collect();
    assert!(under.len() < 64 << 10 && under.len() * 20 > 512 << 10);
    let mut here = repo.clone();
    for d in 0..20 {
        here = here.join(format!("d{d}"));
        fs::create_dir_all(&here).unwrap();
        fs::write(here.join(".gitignore"), format!("secret.txt\n{under}")).unwrap();
    }
    fs::write(here.join("secret.txt"), format!("k={tok}\n")).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan"]).current_dir(&repo));
    assert_eq!(code, 8, "{stderr}");
    assert!(stdout.contains("secret.txt:1:3: dev/TOK v1"), "{stdout}");
    assert!(
        stderr.contains("past the 512 KiB of ignore rules"),
        "{stderr}"
    );
    // A `.gitignore` that is a link (a hostile tree's to `/dev/zero` was read without
    // end; a FIFO never ends, and is not a regular file either): git does not follow
    // one, and it is not honoured, never read. Here a link to a file of rules that
    // would hide the secret: not honoured, the secret is found.
    let repo = kw.path("scan/linked");
    let sub = repo.join("sub");
    fs::create_dir_all(&sub).unwrap();
    git(&kw, &repo, &["init", "-q"]);
    fs::write(kw.path("rules"), "secret.txt\n").unwrap();
    std::os::unix::fs::symlink(kw.path("rules"), sub.join(".gitignore")).unwrap();
    fs::write(sub.join("secret.txt"), format!("k={tok}\n")).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan"]).current_dir(&repo));
    assert_eq!(code, 8, "{stderr}");
    assert!(stdout.contains("secret.txt:1:3: dev/TOK v1"), "{stdout}");
    assert!(stderr.contains("is not a regular file"), "{stderr}");
}

/// `scan --staged` reads a staged blob up to the scan's 256 MiB, as a file of a tree, and
/// says the rest was not scanned; it allocated the blob whole from git's header (a
/// staged 2.5 GB file of zeros took 4 GB). Other staged files are still scanned.
#[test]
fn scan_staged_reads_an_oversize_blob_only_as_far_as_the_limit() {
    let p = planted();
    let repo = p.kw.path("bigrepo");
    fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| git(&p.kw, &repo, args);
    git(&["init", "-q"]);
    // Staged straight from a pipe (nothing of its size on disk): text, so that only its
    // bytes are scanned (a NUL would add its UTF-16 readings, slow in a debug build).
    let staged = p
        .kw
        .sh(&format!(
            "cd '{}' && id=$(head -c {} /dev/zero | tr '\\0' a | git -c core.compression=1 hash-object -w --stdin) && git update-index --add --cacheinfo 100644,$id,big.bin",
            repo.display(),
            (256 << 20) + 4096
        ))
        .output()
        .unwrap();
    assert!(staged.status.success(), "{staged:?}");
    fs::write(repo.join("leak.txt"), format!("token={}\n", p.current)).unwrap();
    git(&["add", "leak.txt"]);
    let (code, stdout, stderr) = outcome(p.kw.cmd(["scan", "--staged"]).current_dir(&repo));
    assert_eq!(code, 8, "{stderr}");
    assert!(stdout.contains("leak.txt:1:7"), "{stdout}");
    assert!(
        stderr.contains("`big.bin`: only its first 256 MiB were scanned"),
        "{stderr}"
    );
}
