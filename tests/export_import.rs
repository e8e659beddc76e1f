//! `export` and `import`: exact round trips (dotenv by default, shell, JSON), imports all
//! or nothing with the bad line named, never back to an earlier value, and loader
//! variables refused on export unless allowed.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, TRICKY, get, versions};

fn vault_with_tricky() -> (Sandbox, String) {
    let kw = Sandbox::with_vault();
    kw.set("TRICKY", TRICKY);
    kw.set("PLAIN", "plain-value");
    let tok = kw.generate("TOK");
    (kw, tok)
}

#[test]
fn shell_export_round_trips_through_eval() {
    let (kw, tok) = vault_with_tricky();
    let script = kw.stdout(["export", "--format", "shell"]);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{script}\nprintf '%s|%s|%s' \"$TRICKY\" \"$PLAIN\" \"$TOK\""
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{TRICKY}|plain-value|{tok}")
    );
}

#[test]
fn json_export_parses_back() {
    let (kw, tok) = vault_with_tricky();
    let v: serde_json::Value =
        serde_json::from_str(&kw.stdout(["export", "--format", "json"])).unwrap();
    assert_eq!(v["TRICKY"], TRICKY);
    assert_eq!(v["TOK"], tok.as_str());
    let only: serde_json::Value =
        serde_json::from_str(&kw.stdout(["export", "--format", "json", "--only", "PLAIN"]))
            .unwrap();
    assert_eq!(only.as_object().unwrap().len(), 1);
}

#[test]
fn dotenv_export_round_trips_through_import() {
    let (kw, tok) = vault_with_tricky();
    let dotenv = kw.stdout(["export", "--format", "dotenv"]);
    kw.cmd(["-e", "test", "import", "-", "--format", "dotenv"])
        .write_stdin(dotenv)
        .assert()
        .success();
    assert_eq!(kw.stdout(["-e", "test", "get", "TRICKY", "-n"]), TRICKY);
    assert_eq!(kw.stdout(["-e", "test", "get", "TOK", "-n"]), tok);
    let list: serde_json::Value =
        serde_json::from_str(&kw.stdout(["-e", "test", "list", "--json"])).unwrap();
    assert!(
        list["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kind"] == "imported")
    );
}

/// `--only A,A` (a hostile review): the key was written twice, so the dotenv did not
/// import back ("appears twice") and the access event counted it twice.
#[test]
fn a_key_named_twice_by_only_is_handed_out_once() {
    let kw = Sandbox::with_vault();
    kw.set("A", "value-a");
    let out = kw.stdout(["export", "--format", "dotenv", "--only", "A,A"]);
    assert_eq!(out.matches("A=").count(), 1, "{out}");
    fs::write(kw.path("a.env"), &out).unwrap();
    kw.cmd([
        "-e",
        "test",
        "import",
        kw.path("a.env").to_str().unwrap(),
        "--format",
        "dotenv",
    ])
    .assert()
    .success();
    let ev = kw.json(["audit", "--json", "--action", "export"]);
    assert_eq!(crate::support::event_keys(&ev[0]), ["A"], "{ev}");
}

/// Every active key, as `run` gives them (DESIGN §16): a key not in service is left out
/// and named on stderr; `--strict` (or `KEYWARD_RUN_STRICT=1`) refuses, exit 4, before
/// anything is written. Before, a CI job's export silently lacked the key (a hostile
/// review).
#[test]
fn export_names_the_keys_it_leaves_out_and_strict_refuses() {
    let kw = Sandbox::with_vault();
    kw.set("KEPT", "kept-value");
    kw.set("GONE", "gone-value");
    kw.cmd(["revoke", "--yes", "GONE", "--reason", "leaked"])
        .assert()
        .success();
    kw.cmd(["export", "--format", "dotenv"])
        .assert()
        .success()
        .stdout(contains("KEPT=").and(contains("GONE").not()))
        .stderr(contains(
            "left out of the export (not in service): GONE (revoked)",
        ));
    kw.cmd(["export", "--format", "dotenv", "--strict", "-o", "out.env"])
        .assert()
        .code(4)
        .stderr(contains("export --strict").and(contains("GONE (revoked)")))
        .stderr(contains("nothing was written"));
    assert!(!kw.path("out.env").exists());
    kw.cmd(["export", "--format", "json"])
        .env("KEYWARD_RUN_STRICT", "1")
        .assert()
        .code(4)
        .stdout("");
    kw.cmd([
        "export",
        "--format",
        "github-env",
        "--strict",
        "-o",
        "gh.env",
    ])
    .assert()
    .code(4)
    .stdout("");
    assert!(
        !kw.path("gh.env").exists(),
        "a refused export made the file"
    );
    // Only the export that went out is in the audit trail (a review found the refused
    // ones recorded as `export … ok`).
    let ev = kw.json(["audit", "--json", "--action", "export"]);
    assert_eq!(ev.as_array().unwrap().len(), 1, "{ev}");
}

#[test]
fn export_skips_unusable_keys_unless_named() {
    let (kw, _) = vault_with_tricky();
    kw.cmd(["revoke", "--yes", "PLAIN", "--reason", "x"])
        .assert()
        .success();
    let out = kw.stdout(["export", "--format", "dotenv"]);
    assert!(!out.contains("PLAIN"));
    kw.cmd(["export", "--format", "dotenv", "--only", "PLAIN"])
        .assert()
        .code(4)
        .stderr(contains("key `PLAIN` version 1 in `dev` is revoked since"))
        .stdout("");
    kw.cmd(["export", "--format", "yaml"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'yaml' for '--format <FORMAT>'"));
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "export"])).unwrap();
    let outcomes: Vec<&str> = ev
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    // one event for the export, naming each key it handed out, and the refused
    // `--only PLAIN` (DESIGN §14)
    assert_eq!(outcomes, ["ok", "refused"]);
    let mut exported: Vec<&str> = ev[0]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k[0].as_str().unwrap())
        .collect();
    exported.sort_unstable();
    assert_eq!(exported, ["TOK", "TRICKY"]);
    assert_eq!(ev[1]["key"], "PLAIN");
}

#[test]
fn import_dotenv_with_comments_quotes_and_export_prefix() {
    let kw = Sandbox::with_vault();
    let file = kw.path("in.env");
    fs::write(
        &file,
        "# a comment\n\nexport A=plain # trailing comment\nB='single $x'\nC=\"double\\nline \\\"q\\\"\"\nD=\"multi\nline\"\n",
    )
    .unwrap();
    kw.cmd(["import", file.to_str().unwrap(), "--format", "dotenv"])
        .assert()
        .success();
    assert_eq!(kw.stdout(["get", "A", "-n"]), "plain");
    assert_eq!(kw.stdout(["get", "B", "-n"]), "single $x");
    assert_eq!(kw.stdout(["get", "C", "-n"]), "double\nline \"q\"");
    assert_eq!(kw.stdout(["get", "D", "-n"]), "multi\nline");
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "import"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 4);
}

#[test]
fn import_json_object_of_strings() {
    let kw = Sandbox::with_vault();
    kw.cmd(["import", "-", "--format", "json"])
        .write_stdin(r#"{"API_KEY": "v1", "OTHER": "line\nbreak"}"#)
        .assert()
        .success();
    assert_eq!(kw.stdout(["get", "OTHER", "-n"]), "line\nbreak");
    kw.cmd(["import", "-", "--format", "json"])
        .write_stdin(r#"{"N": 5}"#)
        .assert()
        .code(1)
        .stderr(contains("must be a string"));
    kw.cmd(["import", "-", "--format", "json"])
        .write_stdin(r#"["a"]"#)
        .assert()
        .code(1)
        .stderr(contains(
            "expected a JSON object of strings; nothing imported",
        ));
    kw.cmd(["import", "-", "--format", "json"])
        .write_stdin("{not json")
        .assert()
        .code(1)
        .stderr(contains("not valid JSON"));
}

#[test]
fn one_bad_line_imports_nothing_and_names_the_line() {
    let kw = Sandbox::with_vault();
    kw.generate("EXISTING");
    let before = fs::read(kw.env_file("dev")).unwrap();
    for (input, needle) in [
        ("GOOD=secret-one\n1BAD=secret-two\n", "line 2"),
        ("GOOD=secret-one\nQ='unterminated\n", "line 2"),
        ("GOOD=secret-one\nGOOD=secret-two\n", "appears twice"),
        ("GOOD=secret-one\nEMPTY=\n", "line 2"),
        ("GOOD=secret-one\nEXISTING=secret-two\n", "already exists"),
        // A value alone on its line (a pasted token, a PEM body line): never echoed.
        ("GOOD=secret-one\nghp_secret-two\n", "line 2"),
        ("GOOD=secret-one\nsecret_two_token_0123456789\n", "line 2"),
        (
            "K=-----BEGIN PRIVATE KEY-----\nMIIsecret_two_AAAAB3NzaC1yc2E\n-----END PRIVATE KEY-----\n",
            "line 2",
        ),
    ] {
        kw.cmd(["import", "-", "--format", "dotenv"])
            .write_stdin(input)
            .assert()
            .code(1)
            .stderr(
                contains(needle)
                    .and(contains("secret-one").not())
                    .and(contains("secret-two").not())
                    .and(contains("secret_two").not()),
            );
        assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before, "{input:?}");
        // `run --env-file` reads the same grammar, and says as little.
        let file = kw.path("bad.env");
        fs::write(&file, input).unwrap();
        let run = kw
            .cmd(["run", "--env-file", file.to_str().unwrap(), "--", "true"])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&run.stderr);
        assert!(
            !said.contains("secret-two") && !said.contains("secret_two"),
            "{said}"
        );
    }
    kw.cmd(["get", "GOOD"])
        .assert()
        .code(3)
        .stderr(contains("no key `GOOD` in environment `dev`"));
    kw.cmd(["import", "missing.env", "--format", "dotenv"])
        .assert()
        .code(3)
        .stderr(contains("no file `missing.env`"));
}

#[test]
fn overwrite_adds_a_new_version() {
    let kw = Sandbox::with_vault();
    kw.set("K", "old-value");
    kw.cmd(["import", "-", "--format", "dotenv", "--overwrite"])
        .write_stdin("K=new-value\nN=fresh\n")
        .assert()
        .success();
    assert_eq!(kw.stdout(["get", "K", "-n"]), "new-value");
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["versions"][0]["status"], "retired");
    assert_eq!(show["versions"][1]["status"], "active");
}

#[test]
fn export_without_format_writes_dotenv() {
    let kw = Sandbox::with_vault();
    kw.set("DB_URL", "postgres://u:p@h/db");
    let out = kw.stdout(["export"]);
    assert_eq!(out, kw.stdout(["export", "--format", "dotenv"]));
    assert!(out.starts_with("DB_URL="), "{out}");
    // and it imports back
    let other = Sandbox::with_vault();
    other
        .cmd(["import", "-", "--format", "dotenv"])
        .write_stdin(out)
        .assert()
        .success();
    assert_eq!(other.stdout(["get", "DB_URL"]), "postgres://u:p@h/db\n");
}

#[test]
fn export_json_with_a_text_format_is_a_usage_error_and_exports_nothing() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("API_TOKEN");
    for format in ["dotenv", "shell"] {
        let out = kw
            .cmd(["-e", "dev", "export", "--format", format, "--json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(out.stdout.is_empty());
        assert!(
            err.contains(&format!("`--format {format}` asks for {format}")),
            "{err}"
        );
        assert!(
            err.contains("`keyward export -e dev --format json`"),
            "{err}"
        );
        assert!(!err.contains(&value));
    }
    // refused before anything was journaled
    let audit = kw.stdout(["audit", "--action", "export", "--json"]);
    let events: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 0, "{audit}");
}

#[test]
fn export_json_with_format_json_or_alone_writes_json() {
    let kw = Sandbox::with_vault();
    kw.set("DB_URL", "postgres://u:p@h/db");
    for args in [
        &["export", "--format", "json", "--json"][..],
        &["export", "--json"],
        &["export", "--format", "json"],
    ] {
        let out = kw.stdout(args);
        let map: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(map["DB_URL"], "postgres://u:p@h/db", "{args:?}");
    }
}

#[test]
fn export_refuses_loader_variables_in_shell_and_dotenv_unless_allowed() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "LD_PRELOAD"])
        .assert()
        .success()
        .stderr(contains("warning:").and(contains("`LD_PRELOAD`")));
    kw.set("BASH_ENV", "/tmp/evil.sh");
    for format in ["shell", "dotenv", "json"] {
        kw.cmd(["export", "--format", format])
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                contains("`LD_PRELOAD`")
                    .and(contains("`BASH_ENV`"))
                    .and(contains("--allow-name BASH_ENV --allow-name LD_PRELOAD")),
            );
    }
    kw.cmd(["export", "--format", "shell", "--allow-name", "LD_PRELOAD"])
        .assert()
        .code(1)
        .stderr(contains("`BASH_ENV`").and(contains("`LD_PRELOAD`").not()));
    kw.cmd([
        "export",
        "--format",
        "shell",
        "--allow-name",
        "LD_PRELOAD",
        "--allow-name",
        "BASH_ENV",
    ])
    .assert()
    .success()
    .stdout(contains("/tmp/evil.sh"));
}

#[test]
fn import_overwrite_with_an_earlier_value_is_refused_and_imports_nothing() {
    let kw = Sandbox::with_vault();
    fs::write(kw.path("first.env"), "A=value-from-provider-1\n").unwrap();
    kw.cmd(["import", "first.env", "--format", "dotenv"])
        .assert()
        .success();
    let before = fs::read(kw.env_file("dev")).unwrap();
    // the same value again, next to a new key: nothing at all is imported
    fs::write(
        kw.path("again.env"),
        "NEW=brand-new-value-9\nA=value-from-provider-1\n",
    )
    .unwrap();
    let out = kw
        .cmd(["import", "again.env", "--format", "dotenv", "--overwrite"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("`A`") && stderr.contains("version 1"),
        "{stderr}"
    );
    assert!(!stderr.contains("value-from-provider"), "{stderr}");
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    assert_eq!(versions(&kw, "dev", "A"), [(1, "active".to_owned())]);
    kw.cmd(["get", "NEW"])
        .assert()
        .code(3)
        .stderr(contains("no key `NEW` in environment `dev`"));
    // JSON too
    fs::write(kw.path("again.json"), r#"{"A":"value-from-provider-1"}"#).unwrap();
    kw.cmd(["import", "again.json", "--format", "json", "--overwrite"])
        .assert()
        .code(4)
        .stderr(contains("`A`"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
    // a new value is fine
    fs::write(kw.path("new.env"), "A=value-from-provider-2\n").unwrap();
    kw.cmd(["import", "new.env", "--format", "dotenv", "--overwrite"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "value-from-provider-2");
}

/// A JSON member whose name is not a key name is as likely a value put where the name
/// goes: the error names its place, never its text (as the dotenv reader does).
#[test]
fn json_import_never_echoes_a_member_name_that_is_not_a_key_name() {
    let kw = Sandbox::with_vault();
    let secret = "sk_live-51HxQdLkj2-not-a-name";
    kw.cmd(["import", "-", "--format", "json"])
        .write_stdin(format!("{{\"GOOD\": \"v\", \"{secret}\": \"STRIPE_KEY\"}}"))
        .assert()
        .code(1)
        .stderr(contains("member 2 of the object").and(contains(secret).not()));
    kw.cmd(["get", "GOOD"]).assert().code(3);
}

#[test]
fn json_import_with_a_duplicate_key_is_refused_like_dotenv() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("dup.env"),
        "A=first-dup-value\nA=second-dup-value\n",
    )
    .unwrap();
    let dotenv = kw
        .cmd(["import", "dup.env", "--format", "dotenv"])
        .output()
        .unwrap();
    fs::write(
        kw.path("dup.json"),
        r#"{"A":"first-dup-value","B":"other-value","A":"second-dup-value"}"#,
    )
    .unwrap();
    let json = kw
        .cmd(["import", "dup.json", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&json.stderr);
    assert_eq!(json.status.code(), Some(1), "{stderr}");
    assert_eq!(json.status.code(), dotenv.status.code(), "{stderr}");
    assert!(
        stderr.contains("`A`") && stderr.contains("twice"),
        "{stderr}"
    );
    assert!(!stderr.contains("dup-value"), "{stderr}");
    kw.cmd(["get", "A"])
        .assert()
        .code(3)
        .stderr(contains("no key `A` in environment `dev`"));
    kw.cmd(["get", "B"])
        .assert()
        .code(3)
        .stderr(contains("no key `B` in environment `dev`"));
}

#[test]
fn dotenv_import_accepts_a_byte_order_mark_and_crlf_line_endings() {
    let kw = Sandbox::with_vault();
    fs::write(
        kw.path("windows.env"),
        "\u{FEFF}A=plain-value\r\n# comment\r\nexport B=\"quoted value\"\r\nC='two\r\nlines'\r\n",
    )
    .unwrap();
    kw.cmd(["import", "windows.env", "--format", "dotenv"])
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "A"), "plain-value");
    assert_eq!(get(&kw, "dev", "B"), "quoted value");
    assert_eq!(get(&kw, "dev", "C"), "two\nlines");
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
    kw.cmd(["run", "--", "true"]).assert().code(1).stderr(
        contains("refusing to inject `LD_PRELOAD`").and(contains("--allow-name LD_PRELOAD")),
    );
}

#[test]
fn export_to_a_file_is_0600_and_never_over_an_existing_one_without_force() {
    use std::os::unix::fs::PermissionsExt;
    let kw = Sandbox::with_vault();
    let value = kw.generate("API");
    let file = kw.path("out.env");
    kw.cmd(["export", "-o", file.to_str().unwrap()])
        .assert()
        .success()
        .stdout("")
        .stderr(predicates::str::contains("(mode 0600)"));
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("API=\"{value}\"\n")
    );
    let exports = |kw: &Sandbox| crate::support::audit_events(kw, &["--action", "export"]).len();
    assert_eq!(exports(&kw), 1);
    // An existing file: refused before anything is read or journaled.
    std::fs::write(&file, "keep me\n").unwrap();
    kw.cmd(["export", "-o", file.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");
    assert_eq!(exports(&kw), 1, "nothing journaled");
    kw.cmd(["export", "-o", file.to_str().unwrap(), "--force"])
        .assert()
        .success();
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Never through a symbolic link, even with --force.
    let link = kw.path("link.env");
    std::os::unix::fs::symlink(kw.path("elsewhere"), &link).unwrap();
    kw.cmd(["export", "-o", link.to_str().unwrap(), "--force"])
        .assert()
        .failure();
    assert!(!kw.path("elsewhere").exists());
    kw.cmd(["export", "--force"]).assert().code(2);
    // `-o -` is stdout.
    kw.cmd(["export", "-o", "-"])
        .assert()
        .success()
        .stdout(format!("API=\"{value}\"\n"));
}

/// An empty source imports nothing and says so: an empty or comment-only file, `{}`,
/// an empty stdin. Never a panic; the vault is unchanged.
#[test]
fn an_empty_source_imports_nothing_and_says_so() {
    let kw = Sandbox::with_vault();
    kw.generate("EXISTING");
    let before = fs::read(kw.env_file("dev")).unwrap();
    for (format, input) in [
        ("dotenv", ""),
        ("dotenv", "# only a comment\n\n"),
        ("json", "{}"),
    ] {
        kw.cmd(["import", "-", "--format", format])
            .write_stdin(input)
            .assert()
            .success()
            .stderr(contains("nothing to import").and(contains("panicked").not()));
        assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before, "{input:?}");
    }
    let json = kw.json(["import", "-", "--format", "dotenv", "--json"]);
    assert_eq!(json, serde_json::json!([]));
}

/// An import file, stdin, or `run --env-file` that never ends (`/dev/zero`, a stuck
/// pipe's producer) is refused past 256 MiB instead of filling memory, and nothing is
/// imported.
#[test]
fn an_import_without_end_is_refused_before_it_fills_memory() {
    let kw = Sandbox::with_vault();
    kw.generate("EXISTING");
    let before = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["import", "/dev/zero", "--format", "dotenv"])
        .assert()
        .code(1)
        .stderr(contains("cannot read `/dev/zero`").and(contains("more than 256 MiB")));
    let out = kw
        .std_cmd(["import", "-", "--format", "json"])
        .stdin(fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("cannot read `stdin`: more than 256 MiB"),
        "{said}"
    );
    kw.cmd(["run", "--env-file", "/dev/zero", "--", "true"])
        .assert()
        .code(1)
        .stderr(contains("more than 256 MiB"));
    assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before);
}

/// A dotenv or JSON file of more than 100,000 keys is refused (exit 2, naming the cap)
/// as soon as the parse meets the one past it: 4,000,000 short lines (43 MB, far under
/// the 256 MiB byte cap) took 3.8 GB and aborted. Nothing is imported.
#[test]
fn import_refuses_more_keys_than_one_import_takes() {
    let kw = Sandbox::with_vault();
    let dotenv: String = (0..100_001).map(|i| format!("K{i}=v\n")).collect();
    fs::write(kw.path("many.env"), &dotenv).unwrap();
    let json = format!(
        "{{{}}}",
        (0..100_001)
            .map(|i| format!("\"K{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    fs::write(kw.path("many.json"), json).unwrap();
    for (file, format) in [("many.env", "dotenv"), ("many.json", "json")] {
        for dry_run in [true, false] {
            let mut c = kw.cmd(["import", "--format", format]);
            c.arg(kw.path(file));
            if dry_run {
                c.arg("--dry-run");
            }
            c.assert().code(2).stderr(contains(format!(
                "{file}` holds more than 100000 keys, more than one import takes; nothing imported"
            )));
        }
    }
    assert_eq!(kw.json(["list", "--json"])["keys"], serde_json::json!([]));
    // One key fewer is a file like any other.
    let fewer: String = (0..100_000).map(|i| format!("K{i}=v\n")).collect();
    fs::write(kw.path("fewer.env"), fewer).unwrap();
    kw.cmd(["import", "--format", "dotenv", "--dry-run"])
        .arg(kw.path("fewer.env"))
        .assert()
        .success();
}
