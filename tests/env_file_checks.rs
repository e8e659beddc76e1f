//! What `run --env-file` and inherited references may set (review h9 #3, #5): the env
//! file's variables pass the check keys pass (`--allow-name`), a name given twice in the
//! file is refused naming both lines, `render` refuses a value with a line break unless
//! `--allow-multiline` names its key, and an inherited `NAME=kw://…` yields to the key
//! NAME that `run` sets itself. In every refusal nothing starts and nothing is read.

use std::fs;

use crate::support::*;

/// The `run` events of `env` (their keys).
fn runs(kw: &Sandbox, env: &str) -> Vec<String> {
    kw.json(["audit", "-e", env, "--json", "--action", "run"])
        .as_array()
        .unwrap()
        .iter()
        .flat_map(event_keys)
        .collect()
}

/// A dev writer's `DB_HOST` that adds git configuration running a command; `DB_PASS`
/// in prod.
fn planted() -> Sandbox {
    let kw = Sandbox::with_vault();
    let host = format!(
        "db.internal\nGIT_CONFIG_COUNT=1\nGIT_CONFIG_KEY_0=core.fsmonitor\nGIT_CONFIG_VALUE_0=touch {}; false",
        kw.path("PWNED").display()
    );
    kw.set("DB_HOST", &host);
    kw.cmd(["set", "-e", "prod", "DB_PASS"])
        .write_stdin("prod-password-123")
        .assert()
        .success();
    fs::write(
        kw.path("env.tmpl"),
        "DB_HOST={{ DB_HOST }}\nDB_PASS={{ kw://prod/DB_PASS }}\n",
    )
    .unwrap();
    kw
}

#[test]
fn render_refuses_a_value_that_would_add_lines_unless_its_key_is_named() {
    let kw = planted();
    let (code, out, err) = outcome(&mut kw.cmd(["render", "env.tmpl", "-o", ".env"]));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("refusing to render `DB_HOST`: the value holds a line break"),
        "{err}"
    );
    assert!(err.contains("--allow-multiline DB_HOST"), "{err}");
    assert!(
        !err.contains("GIT_CONFIG") && !err.contains("db.internal"),
        "{err}"
    );
    assert!(!kw.path(".env").exists());
    // To stdout too, a CR alone as well; a key named by another flag is not allowed.
    kw.set("CR", "x\rGIT_CONFIG_COUNT=1");
    let (code, out, err) = outcome(
        kw.cmd(["render", "-", "--allow-multiline", "DB_HOST"])
            .write_stdin("A={{ CR }}\nB={{ DB_HOST }}\n"),
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("refusing to render `CR`"), "{err}");
    // Named, it is rendered byte for byte, as before.
    render_allowing_db_host(&kw);
    let text = fs::read_to_string(kw.path(".env")).unwrap();
    assert!(
        text.starts_with("DB_HOST=db.internal\nGIT_CONFIG_COUNT=1\n"),
        "{text}"
    );
}

/// `render env.tmpl -o .env --allow-multiline DB_HOST`: the planted value let through.
fn render_allowing_db_host(kw: &Sandbox) {
    kw.cmd([
        "render",
        "env.tmpl",
        "-o",
        ".env",
        "--allow-multiline",
        "DB_HOST",
    ])
    .assert()
    .success();
}

#[test]
fn an_env_file_cannot_set_what_run_refuses_for_keys() {
    let kw = planted();
    render_allowing_db_host(&kw);
    let prod_before = runs(&kw, "prod");
    fs::create_dir(kw.path("repo")).unwrap();
    crate::support::git::git(&kw, &kw.path("repo"), &["init", "-q"]);
    let env_file = kw.path(".env");
    let (code, _, err) = outcome(&mut kw.cmd([
        "run",
        "--env-file",
        env_file.to_str().unwrap(),
        "--",
        "git",
        "-C",
        kw.path("repo").to_str().unwrap(),
        "status",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "refusing to inject `GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_0`, `GIT_CONFIG_VALUE_0`"
        ),
        "{err}"
    );
    assert!(err.contains("(or a value rendered into it)"), "{err}");
    assert!(!err.contains("touch"), "{err}");
    assert!(
        !kw.path("PWNED").exists(),
        "git ran the dev writer's command"
    );
    // Nothing was read: prod holds no new run event.
    assert_eq!(runs(&kw, "prod"), prod_before);

    // Literal lines and a reference's variable alike; `--allow-name` lets each through.
    fs::write(
        kw.path("plain.env"),
        "BASH_ENV=/dev/null\nNODE_OPTIONS=kw://prod/DB_PASS\nLOG=info\n",
    )
    .unwrap();
    let print = "printf '%s|%s|%s' \"$BASH_ENV\" \"$NODE_OPTIONS\" \"$LOG\"";
    let (code, out, err) = outcome(&mut kw.cmd([
        "run",
        "--no-redact",
        "--env-file",
        "plain.env",
        "--",
        "sh",
        "-c",
        print,
    ]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("`BASH_ENV`, `NODE_OPTIONS`")
            && err.contains("--allow-name BASH_ENV --allow-name NODE_OPTIONS"),
        "{err}"
    );
    assert_eq!(runs(&kw, "prod"), prod_before);
    let (code, _, err) = outcome(&mut kw.cmd([
        "run",
        "--no-redact",
        "--env-file",
        "plain.env",
        "--allow-name",
        "BASH_ENV",
        "--",
        "sh",
        "-c",
        print,
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refusing to inject `NODE_OPTIONS`"), "{err}");
    let out = kw.stdout([
        "run",
        "--no-redact",
        "--env-file",
        "plain.env",
        "--allow-name",
        "BASH_ENV",
        "--allow-name",
        "NODE_OPTIONS",
        "--",
        "sh",
        "-c",
        print,
    ]);
    assert_eq!(out, "/dev/null|prod-password-123|info");
}

#[test]
fn a_name_given_twice_in_an_env_file_is_refused_naming_both_lines() {
    let kw = planted();
    let prod_before = runs(&kw, "prod");
    for (file, first, second) in [
        ("A=first-v\nB=other-v\nA=kw://prod/DB_PASS\n", 1, 3),
        ("# c\nA=kw://prod/DB_PASS\n\nexport A=first-v\n", 2, 4),
        ("A=first-v\nA=second-v\n", 1, 2),
    ] {
        fs::write(kw.path("twice.env"), file).unwrap();
        let (code, out, err) = outcome(&mut kw.cmd([
            "run",
            "--env-file",
            "twice.env",
            "--",
            "sh",
            "-c",
            "echo started",
        ]));
        assert_eq!((code, out.as_str()), (1, ""), "{file:?}: {err}");
        assert!(
            err.contains(&format!(
                "`A` is set on line {first} and again on line {second}"
            )),
            "{file:?}: {err}"
        );
        assert!(
            !err.contains("first-v") && !err.contains("second-v"),
            "{err}"
        );
    }
    assert_eq!(runs(&kw, "prod"), prod_before);
}

#[test]
fn an_inherited_reference_yields_to_the_key_run_sets_by_its_name() {
    let mut kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "sk_test_devsandboxkey");
    kw.set("OTHER", "dev-other-value");
    kw.cmd(["set", "-e", "prod", "STRIPE_KEY"])
        .write_stdin("sk_live_PRODUCTIONKEY")
        .assert()
        .success();
    kw.set_env("STRIPE_KEY", "kw://prod/STRIPE_KEY");
    // Where `--file` writes (with --allow-disk, any directory will do).
    let runtime = tempfile::tempdir().unwrap();
    kw.set_env("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap());
    let print =
        "printf '%s|%s' \"${STRIPE_KEY-unset}\" \"$(cat \"${STRIPE_KEY_FILE:-/dev/null}\")\"";
    let said = "the inherited `STRIPE_KEY=kw://prod/STRIPE_KEY` is not resolved: the key `STRIPE_KEY` of `dev` overrides it";
    for (args, want) in [
        (&["--only", "STRIPE_KEY"][..], "sk_test_devsandboxkey|"),
        // Every active key: dev's keys are known only once dev is opened.
        (&[][..], "sk_test_devsandboxkey|"),
        // As a file, the inherited variable is not the key either.
        (
            &["--file", "STRIPE_KEY", "--allow-disk"][..],
            "unset|sk_test_devsandboxkey",
        ),
    ] {
        let mut c = kw.cmd(["run", "-e", "dev", "--no-redact"]);
        c.args(args).args(["--", "sh", "-c", print]);
        let (code, out, err) = outcome(&mut c);
        assert_eq!((code, out.as_str()), (0, want), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(!err.contains("sk_live"), "{err}");
        // prod was never read.
        assert!(runs(&kw, "prod").is_empty(), "{args:?}");
    }
    // Under another name the reference is resolved, as before.
    kw.set_env("LIVE", "kw://prod/STRIPE_KEY");
    let out = kw.stdout([
        "run",
        "-e",
        "dev",
        "--no-redact",
        "--only",
        "OTHER",
        "--",
        "sh",
        "-c",
        "printf %s \"$LIVE\"",
    ]);
    assert_eq!(out, "sk_live_PRODUCTIONKEY");
    assert_eq!(runs(&kw, "prod"), ["STRIPE_KEY"]);
}

#[test]
fn the_file_variable_of_run_file_is_the_key_file_never_a_reference_read_elsewhere() {
    let mut kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "sk_test_devsandboxkey");
    kw.cmd(["set", "-e", "prod", "STRIPE_KEY"])
        .write_stdin("sk_live_PRODUCTIONKEY")
        .assert()
        .success();
    let runtime = tempfile::tempdir().unwrap();
    kw.set_env("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap());
    let print = "cat \"$STRIPE_KEY_FILE\"";
    let file_args = ["--file", "STRIPE_KEY", "--allow-disk"];
    // Inherited: overridden by the key's file, said, and prod never read.
    kw.set_env("STRIPE_KEY_FILE", "kw://prod/STRIPE_KEY");
    let mut c = kw.cmd(["run", "-e", "dev", "--no-redact"]);
    c.args(file_args).args(["--", "sh", "-c", print]);
    let (code, out, err) = outcome(&mut c);
    assert_eq!((code, out.as_str()), (0, "sk_test_devsandboxkey"), "{err}");
    assert!(
        err.contains("the inherited `STRIPE_KEY_FILE=kw://prod/STRIPE_KEY` is not resolved: `--file STRIPE_KEY` sets `STRIPE_KEY_FILE` to the key's file"),
        "{err}"
    );
    assert!(!err.contains("sk_live"), "{err}");
    assert!(runs(&kw, "prod").is_empty());
    // A line of the env file setting it too: refused before anything is read.
    let dev_runs = runs(&kw, "dev").len();
    for line in [
        "STRIPE_KEY_FILE=kw://prod/STRIPE_KEY",
        "STRIPE_KEY_FILE=/etc/hostname",
        // The key itself as a variable: what `--file` keeps out of the environment.
        "STRIPE_KEY=kw://prod/STRIPE_KEY",
    ] {
        let var = line.split_once('=').unwrap().0;
        fs::write(kw.path(".env"), format!("A=1\n{line}\n")).unwrap();
        let mut c = kw.cmd(["run", "-e", "dev", "--env-file", ".env"]);
        c.env_remove("STRIPE_KEY_FILE");
        c.args(file_args).args(["--", "sh", "-c", print]);
        let (code, out, err) = outcome(&mut c);
        assert_eq!((code, out.as_str()), (2, ""), "{line}: {err}");
        assert!(
            err.contains(&format!(
                "line 2 of `.env` sets `{var}`, but `--file STRIPE_KEY` gives the command the key as a file"
            )),
            "{err}"
        );
        assert!(runs(&kw, "prod").is_empty() && runs(&kw, "dev").len() == dev_runs);
    }
}

#[test]
fn render_refuses_unicode_line_breaks_too() {
    // YAML (and JavaScript) readers break lines at U+0085, U+2028 and U+2029 as well.
    let kw = Sandbox::with_vault();
    for (i, brk) in ["\u{85}", "\u{2028}", "\u{2029}"].into_iter().enumerate() {
        let name = format!("HOST{i}");
        kw.cmd(["set", &name])
            .write_stdin(format!("db.internal{brk}admin: true"))
            .assert()
            .success();
        let (code, out, err) = outcome(
            kw.cmd(["render", "-"])
                .write_stdin(format!("host: {{{{ {name} }}}}\n")),
        );
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert!(
            err.contains(&format!("refusing to render `{name}`")),
            "{err}"
        );
    }
}
