//! `keyward export` and `import`: exact round trips, all-or-nothing imports.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

const TRICKY: &str = "it's \"quoted\" $HOME `tick` \\ back\nsecond\tline # not a comment";

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
        .stdout("");
    kw.cmd(["export", "--format", "yaml"]).assert().code(2);
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "export"])).unwrap();
    let outcomes: Vec<&str> = ev
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    // one event per exported key, and the refused `--only PLAIN` (DESIGN §14)
    assert_eq!(outcomes, ["ok", "ok", "refused"]);
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
        .code(1);
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
    ] {
        kw.cmd(["import", "-", "--format", "dotenv"])
            .write_stdin(input)
            .assert()
            .code(1)
            .stderr(
                contains(needle)
                    .and(contains("secret-one").not())
                    .and(contains("secret-two").not()),
            );
        assert_eq!(fs::read(kw.env_file("dev")).unwrap(), before, "{input:?}");
    }
    kw.cmd(["get", "GOOD"]).assert().code(3);
    kw.cmd(["import", "missing.env", "--format", "dotenv"])
        .assert()
        .code(3);
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
