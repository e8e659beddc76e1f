//! `kw://ENV/NAME` references (DESIGN §17): in `run --env-file`, in variables already set
//! to a reference when `run` starts, and inside `render`'s `{{ }}`. Each resolved key is
//! journaled in its own environment's journal and redacted; an unknown reference is exit
//! 3 naming its line, an environment the identity cannot open exit 5 naming it, and then
//! nothing starts, nothing is written and nothing is journaled.

use std::fs;

use crate::support::*;

/// The `ACTION` events of `env` for `key` (`audit --json`).
fn events(kw: &Sandbox, env: &str, action: &str) -> Vec<String> {
    kw.json(["audit", "-e", env, "--json", "--action", action])
        .as_array()
        .unwrap()
        .iter()
        .flat_map(event_keys)
        .collect()
}

/// A vault with `DB_PASSWORD` in prod and `API_KEY` and `OTHER` in dev.
fn two_envs() -> Sandbox {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "-e", "prod", "DB_PASSWORD"])
        .write_stdin("prod-db-password-value")
        .assert()
        .success();
    kw.set("API_KEY", "dev-api-key-value");
    kw.set("OTHER", "dev-other-value");
    kw
}

/// The child's `NAME=value` lines for `names`, printed by `sh`.
const PRINT: &str = "for n in PLAIN DB API OTHER API_KEY; do eval \"v=\\${$n-unset}\"; printf '%s=%s\\n' \"$n\" \"$v\"; done";

#[test]
fn env_file_references_resolve_other_values_pass_through_and_nothing_else_is_injected() {
    let kw = two_envs();
    fs::write(
        kw.path(".env.keyward"),
        "# committed: no values\nPLAIN=just text\nDB=kw://prod/DB_PASSWORD\nAPI=kw://API_KEY\n",
    )
    .unwrap();
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--env-file",
            ".env.keyward",
            "--",
            "sh",
            "-c",
            PRINT,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "PLAIN=just text\nDB=prod-db-password-value\nAPI=dev-api-key-value\nOTHER=unset\nAPI_KEY=unset\n"
    );
    // Each read in its own environment's journal.
    assert_eq!(events(&kw, "prod", "run"), ["DB_PASSWORD"]);
    assert_eq!(events(&kw, "dev", "run"), ["API_KEY"]);
}

#[test]
fn a_nul_byte_in_an_env_file_value_is_refused_naming_the_variable_and_nothing_runs() {
    let kw = two_envs();
    fs::write(
        kw.path(".env.keyward"),
        b"PLAIN=sec\0ret\nAPI=kw://API_KEY\n".as_slice(),
    )
    .unwrap();
    let out = kw
        .cmd([
            "run",
            "--env-file",
            ".env.keyward",
            "--",
            "sh",
            "-c",
            "touch ran",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`PLAIN` holds a NUL byte"), "{stderr}");
    assert!(
        !stderr.contains("sec") && !stderr.contains("ret"),
        "{stderr}"
    );
    assert!(!kw.path("ran").exists());
}

#[test]
fn with_only_the_env_file_adds_the_named_keys_of_the_environment() {
    let kw = two_envs();
    fs::write(kw.path("refs.env"), "DB=kw://prod/DB_PASSWORD\n").unwrap();
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--env-file",
            "refs.env",
            "--only",
            "OTHER",
            "--",
            "sh",
            "-c",
            PRINT,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("DB=prod-db-password-value\n"), "{text}");
    assert!(text.contains("OTHER=dev-other-value\n"), "{text}");
    assert!(text.contains("API_KEY=unset\n"), "{text}");
}

#[test]
fn resolved_values_are_redacted_like_run_s_own() {
    let kw = two_envs();
    fs::write(kw.path("refs.env"), "DB=kw://prod/DB_PASSWORD\n").unwrap();
    let out = kw
        .cmd([
            "run",
            "--redact",
            "--env-file",
            "refs.env",
            "--",
            "sh",
            "-c",
            "echo \"out $DB\"; echo \"err $DB\" >&2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(stdout, "out [redacted:DB]\n");
    assert!(stderr.contains("err [redacted:DB]"), "{stderr}");
    assert!(!stderr.contains("prod-db-password-value"));
    kw.assert_nowhere_in_files("prod-db-password-value");
}

#[test]
fn variables_already_set_to_a_reference_are_resolved_as_op_run_does() {
    let mut kw = two_envs();
    kw.set_env("DB", "kw://prod/DB_PASSWORD");
    kw.set_env("PLAIN", "https://not-a-reference.example");
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--only",
            "API_KEY",
            "--",
            "sh",
            "-c",
            PRINT,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("DB=prod-db-password-value\n"), "{text}");
    assert!(
        text.contains("PLAIN=https://not-a-reference.example\n"),
        "{text}"
    );
    assert!(text.contains("API_KEY=dev-api-key-value\n"), "{text}");
    assert_eq!(events(&kw, "prod", "run"), ["DB_PASSWORD"]);
}

/// A hostile review: a `dev` writer stores `kw://prod/DB_PASSWORD` as a value. Exported
/// into a shell (or a CI step's `$GITHUB_ENV`), or passed down by `run`, it is inherited
/// by the next `keyward run`, which resolves it with that user's identity (the test
/// above): a `dev` value would become a read of `prod`. `run` and `export` refuse such a
/// value, and `prod` is not read. A second review: a reference anywhere in the value
/// counts, after a blank, inside quotes or on a line of its own, since a rendered `.env`
/// is parsed again by `run --env-file` (blanks skipped, quotes taken off, one variable per
/// line, named by the writer of the value).
#[test]
fn a_value_that_reads_as_a_reference_is_never_made_a_variable() {
    for value in [
        "kw://prod/DB_PASSWORD",
        " kw://prod/DB_PASSWORD",
        "'kw://prod/DB_PASSWORD'",
        "x\nSTOLEN=kw://prod/DB_PASSWORD",
    ] {
        a_value_holding_a_reference_is_never_made_a_variable(value);
    }
}

fn a_value_holding_a_reference_is_never_made_a_variable(value: &str) {
    let kw = two_envs();
    kw.set("API_TOKEN", value);
    fs::write(kw.path("app.env.tmpl"), "API_TOKEN={{ API_TOKEN }}\n").unwrap();
    for (args, verb) in [
        (
            vec!["run", "--", "sh", "-c", "keyward run -- printenv API_TOKEN"],
            "inject",
        ),
        (vec!["run", "--only", "API_TOKEN", "--", "true"], "inject"),
        (vec!["export", "--format", "shell"], "export"),
        (
            vec!["export", "--format", "github-env", "-o", "gh.env"],
            "export",
        ),
        // A rendered `.env` is what `run --env-file` reads.
        (vec!["render", "app.env.tmpl", "-o", "app.env"], "render"),
    ] {
        let out = kw.cmd(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!("refusing to {verb} `API_TOKEN`")) && err.contains("reference"),
            "{args:?}: {err}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("prod-db-password-value"));
        assert!(
            !err.contains("kw://prod"),
            "the value is in the error: {err}"
        );
    }
    assert!(
        !fs::read_to_string(kw.path("gh.env"))
            .unwrap_or_default()
            .contains("kw://")
    );
    assert!(events(&kw, "prod", "run").is_empty(), "prod was read");
    assert!(!kw.path("app.env").exists());
    // `get` prints it: nothing resolves a value printed.
    assert_eq!(
        kw.stdout(["get", "API_TOKEN"]).trim_end_matches('\n'),
        value
    );
}

/// A second review: no value holds `kw://`, but two values of an ordinary template can
/// make one together (`DB_USER` ends a line with `STOLEN=kw`, `DB_PASS` starts with
/// `//prod/…`), or one value with the template's text beside it. `render` refuses a
/// reference in its output that a value has a part in, naming the keys, and writes
/// nothing; the template's own text stays as its author wrote it.
#[test]
fn values_that_make_a_reference_together_are_never_rendered() {
    for (template, values, named) in [
        (
            "DSN=postgres://{{ DB_USER }}:{{ DB_PASS }}@db/app\n",
            &[
                ("DB_USER", "app\nSTOLEN=kw"),
                ("DB_PASS", "//prod/DB_PASSWORD\nREST="),
            ][..],
            "`DB_USER`, `DB_PASS`",
        ),
        (
            "TOKEN=kw:{{ DB_PASS }}\n",
            &[("DB_PASS", "//prod/DB_PASSWORD")][..],
            "`DB_PASS`",
        ),
        // The template's own `kw://`, its target chosen by a value (a third review).
        (
            "X=kw://{{ TARGET_ENV }}/DB_PASSWORD\n",
            &[("TARGET_ENV", "prod")][..],
            "`TARGET_ENV`",
        ),
    ] {
        let kw = two_envs();
        for (name, value) in values {
            kw.set(name, value);
        }
        fs::write(kw.path("app.env.tmpl"), template).unwrap();
        let out = kw
            .cmd(["render", "app.env.tmpl", "-o", "app.env"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{template}: {err}");
        assert!(
            err.contains(&format!("refusing to render {named}")),
            "{template}: {err}"
        );
        assert!(!kw.path("app.env").exists(), "{template}");
        assert!(events(&kw, "prod", "render").is_empty(), "prod was read");
    }
    // A reference the template's text holds whole is the template's.
    let kw = two_envs();
    kw.set("SUFFIX", "-suffix");
    fs::write(
        kw.path("own.tmpl"),
        "NOTE=see kw://prod/DB_PASSWORD {{ SUFFIX }}\n",
    )
    .unwrap();
    kw.cmd(["render", "own.tmpl", "-o", "own.env"])
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(kw.path("own.env")).unwrap(),
        "NOTE=see kw://prod/DB_PASSWORD -suffix\n"
    );
}

#[test]
fn an_unknown_reference_is_exit_3_naming_the_line_and_nothing_starts() {
    let kw = two_envs();
    fs::write(
        kw.path("refs.env"),
        // dev's reference is good and checked first: it must not be journaled either.
        "API=kw://API_KEY\n\n\nX=kw://prod/NOPE\n",
    )
    .unwrap();
    let marker = kw.path("started");
    let (code, _, err) = outcome(&mut kw.cmd([
        "run",
        "--env-file",
        "refs.env",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("line 4 of `refs.env`: `kw://prod/NOPE`: no key `NOPE` in environment `prod`"),
        "{err}"
    );
    assert!(!marker.exists(), "the command started");
    // Nothing journaled anywhere: the good references were not handed out either.
    assert!(events(&kw, "prod", "run").is_empty());
    assert!(events(&kw, "dev", "run").is_empty());
}

#[test]
fn an_unknown_reference_in_a_variable_names_the_variable() {
    let mut kw = two_envs();
    kw.set_env("TOKEN", "kw://NOPE");
    let (code, _, err) = outcome(&mut kw.cmd(["run", "--", "true"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("variable `TOKEN`: `kw://NOPE`: no key `NOPE` in environment `dev`"),
        "{err}"
    );
    assert!(events(&kw, "dev", "run").is_empty());
}

#[test]
fn a_reference_to_an_environment_the_identity_cannot_open_is_exit_5_naming_it() {
    let (kw, _other) = vault_with_unreadable_env();
    kw.set("MINE", "my-own-dev-value");
    fs::write(kw.path("refs.env"), "A=kw://MINE\nS=kw://shared/SECRET\n").unwrap();
    let marker = kw.path("started");
    let (code, _, err) = outcome(&mut kw.cmd([
        "run",
        "--env-file",
        "refs.env",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]));
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("line 2 of `refs.env`: `kw://shared/SECRET`"),
        "{err}"
    );
    assert!(
        err.contains("not a recipient of environment `shared`"),
        "{err}"
    );
    assert!(!marker.exists());
    assert!(events(&kw, "dev", "run").is_empty());
}

#[test]
fn a_malformed_reference_is_a_usage_error_not_a_value() {
    let kw = two_envs();
    fs::write(kw.path("refs.env"), "A=kw://prod/not-a-name\n").unwrap();
    let (code, _, err) = outcome(&mut kw.cmd(["run", "--env-file", "refs.env", "--", "true"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 1 of `refs.env`: `kw://prod/not-a-name` is not a reference"),
        "{err}"
    );
    let (code, _, err) = outcome(&mut kw.cmd(["run", "--env-file", "missing.env", "--", "true"]));
    assert_eq!(code, 3, "{err}");
    fs::write(kw.path("bad.env"), "A='open\n").unwrap();
    let (code, _, err) = outcome(&mut kw.cmd(["run", "--env-file", "bad.env", "--", "true"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`bad.env`: line 1: unterminated single quote"),
        "{err}"
    );
}

#[test]
fn a_revoked_key_behind_a_reference_is_exit_4_and_the_refusal_is_recorded() {
    let kw = two_envs();
    kw.cmd([
        "revoke",
        "-e",
        "prod",
        "DB_PASSWORD",
        "--reason",
        "leaked",
        "--yes",
    ])
    .assert()
    .success();
    fs::write(kw.path("refs.env"), "DB=kw://prod/DB_PASSWORD\n").unwrap();
    let (code, _, err) = outcome(&mut kw.cmd(["run", "--env-file", "refs.env", "--", "true"]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("line 1 of `refs.env`"), "{err}");
}

// ---------------------------------------------------------------- render

#[test]
fn render_draws_from_several_environments_journaling_each() {
    let kw = two_envs();
    fs::write(
        kw.path("app.tmpl"),
        "db={{ kw://prod/DB_PASSWORD }}\napi={{kw://API_KEY}}\nother={{ OTHER }}\n",
    )
    .unwrap();
    let out = kw.stdout(["render", "app.tmpl"]);
    assert_eq!(
        out,
        "db=prod-db-password-value\napi=dev-api-key-value\nother=dev-other-value\n"
    );
    assert_eq!(events(&kw, "prod", "render"), ["DB_PASSWORD"]);
    let mut dev = events(&kw, "dev", "render");
    dev.sort();
    assert_eq!(dev, ["API_KEY", "OTHER"]);
}

#[test]
fn render_of_an_unknown_reference_writes_nothing_and_names_the_line() {
    let kw = two_envs();
    fs::write(
        kw.path("app.tmpl"),
        "api={{ API_KEY }}\ndb={{ kw://prod/NOPE }}\n",
    )
    .unwrap();
    let (code, _, err) = outcome(&mut kw.cmd(["render", "app.tmpl", "-o", "out.conf"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("line 2, `{{ kw://prod/NOPE }}`"), "{err}");
    assert!(!kw.path("out.conf").exists());
    assert!(events(&kw, "dev", "render").is_empty());
}

#[test]
fn render_of_a_reference_to_an_unreadable_environment_is_exit_5() {
    let (kw, _other) = vault_with_unreadable_env();
    fs::write(kw.path("app.tmpl"), "s={{ kw://shared/SECRET }}\n").unwrap();
    let (code, _, err) = outcome(&mut kw.cmd(["render", "app.tmpl", "-o", "out.conf"]));
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("line 1, `{{ kw://shared/SECRET }}`") && err.contains("`shared`"),
        "{err}"
    );
    assert!(!kw.path("out.conf").exists());
}
