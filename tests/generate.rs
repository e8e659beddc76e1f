//! `generate`: the token's documented shape, the other formats and their entropy floor,
//! and refusals that name the next command (an existing name points to `rotate`).

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

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
    kw.cmd(["generate", "W", "--bytes", "32"])
        .assert()
        .code(2)
        .stderr(contains(
            "--bytes applies to --format hex, base64url or alnum",
        ));
    kw.cmd(["generate", "W", "--format", "hex", "--prefix", "x"])
        .assert()
        .code(2)
        .stderr(contains("--prefix applies to --format token only"));
    kw.cmd(["generate", "W", "--prefix", "Bad_Prefix"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'Bad_Prefix' for '--prefix <P>': invalid prefix",
        ));
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
fn the_note_after_generate_names_its_environment() {
    let kw = Sandbox::with_vault();
    kw.cmd(["generate", "-e", "prod", "API_TOKEN"])
        .assert()
        .success()
        .stderr(contains("`keyward get -e prod API_TOKEN` prints it again"));
}

/// Each refusal of issuing or rotating names the next command with the flags it needs.
#[test]
fn issue_and_rotate_refusals_name_the_next_command() {
    let kw = Sandbox::with_vault();
    kw.cmd(["-e", "prod", "generate", "A"]).assert().success();
    kw.cmd(["-e", "prod", "generate", "A"])
        .assert()
        .code(1)
        .stderr(contains("already exists").and(contains("`keyward rotate A -e prod`")));
    kw.cmd(["-e", "prod", "import", "-", "--format", "dotenv"])
        .write_stdin("A=some-provider-value\n")
        .assert()
        .code(1)
        .stderr(
            contains("line 1: `A` already exists in `prod`").and(contains(
                "`keyward import - --format dotenv --overwrite -e prod`",
            )),
        );
    kw.cmd(["-e", "prod", "import", "-", "--format", "json"])
        .write_stdin(r#"{"B": "one-value", "B": "two-value"}"#)
        .assert()
        .code(1)
        .stderr(contains("key \"B\": `B` appears twice; nothing imported"));
    kw.cmd(["-e", "prod", "set", "S"])
        .write_stdin("first-provider-value")
        .assert()
        .success();
    kw.cmd(["-e", "prod", "rotate", "S"])
        .write_stdin("first-provider-value")
        .assert()
        .code(4)
        .stderr(contains("version 1").and(contains("`keyward rotate S -e prod`")));
    kw.cmd(["-e", "prod", "revoke", "--yes", "S", "--reason", "leaked"])
        .assert()
        .success();
    // DESIGN §16: the leaked key replaced under its name (never "use generate").
    kw.cmd(["-e", "prod", "rotate", "S"])
        .write_stdin("fresh-provider-value")
        .assert()
        .success()
        .stderr(contains("generate").not());
}

#[test]
fn generate_says_where_the_value_is_and_how_to_read_it_again() {
    let kw = Sandbox::with_vault();
    let out = kw.cmd(["generate", "-e", "test", "K"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "its value is on stdout (`keyward get -e test K` prints it again, as a recorded read)"
        ),
        "{err}"
    );
    assert!(!err.contains("shown once"), "{err}");
}
