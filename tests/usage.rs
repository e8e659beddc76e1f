//! Usage errors (exit 2): bad names, durations, dates and flags are refused before
//! anything is opened or changed.

use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn bad_names_durations_and_flags_are_usage_errors() {
    let kw = Sandbox::with_vault();
    for bad in ["1ABC", "A-B", "A B", "é"] {
        kw.cmd(["generate", bad])
            .assert()
            .code(2)
            .stderr(contains("invalid key name"));
    }
    kw.cmd(["generate", "K", "--rotate-every", "10x"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration"));
    kw.cmd(["generate", "K", "--expires", "tomorrow"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'tomorrow' for '--expires <WHEN>': invalid date",
        ));
    kw.cmd(["generate", "K", "--expires", "2001-01-01"])
        .assert()
        .code(2)
        .stderr(contains("past"));
    kw.cmd(["list", "--frobnicate"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--frobnicate' found"));
    kw.cmd(["-e", "Prod", "list"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'Prod' for '--env <ENV>': invalid environment name",
        ));
    kw.cmd(["frobnicate"])
        .assert()
        .code(2)
        .stderr(contains("unrecognized subcommand 'frobnicate'"));
    // Nothing was created by any of them.
    kw.cmd(["get", "K"])
        .assert()
        .code(3)
        .stderr(contains("no key `K` in environment `dev`"));
}

#[test]
fn durations_beyond_8000_years_are_usage_errors_for_every_flag() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let recipient = kw.my_recipient();
    let huge = "999999999999w";
    let cases: Vec<Vec<&str>> = vec![
        vec!["generate", "A", "--rotate-every", huge],
        vec!["generate", "A", "--expires", huge],
        vec!["rotate", "K", "--grace", huge],
        vec!["rotate", "--all", "--yes", "--older-than", huge],
        vec!["check", "--within", huge],
        vec!["check", "--unused-for", huge],
        vec!["audit", "--since", huge],
        vec![
            "offboard", "--yes", &recipient, "--reason", "r", "--grace", huge,
        ],
    ];
    for args in cases {
        kw.cmd(&args)
            .assert()
            .code(2)
            .stderr(contains("8000 years"));
    }
    kw.cmd(["set", "B", "--expires", huge])
        .write_stdin("some-value-1234")
        .assert()
        .code(2)
        .stderr(contains("longer than 8000 years"));
    kw.cmd(["get", "A"])
        .assert()
        .code(3)
        .stderr(contains("no key `A` in environment `dev`"));
    kw.cmd(["get", "B"])
        .assert()
        .code(3)
        .stderr(contains("no key `B` in environment `dev`"));
    // K was not rotated
    let show: serde_json::Value =
        serde_json::from_str(&kw.stdout(["show", "K", "--json"])).unwrap();
    assert_eq!(show["versions"].as_array().unwrap().len(), 1, "{show}");
}

/// clap's own errors are escaped like keyward's (on a terminal too: a name from a
/// script's input may hold terminal controls), and an extra argument, the slip
/// `keyward set NAME VALUE`, is not repeated in the error (a CI log would keep it).
#[test]
fn command_line_errors_repeat_no_stray_value_and_pass_no_terminal_controls() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    for args in [
        &["set", "MYKEY", "sk_live_SUPERSECRET"][..],
        &["rotate", "K", "sk_live_SUPERSECRET"],
        &["get", "K", "sk_live_SUPERSECRET"],
    ] {
        let out = kw.cmd(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("SUPERSECRET"), "{args:?}: {err}");
        assert!(
            err.contains("error: unexpected extra argument (not shown: it may be a value)")
                && err.contains("hint: keyward reads values from stdin"),
            "{args:?}: {err}"
        );
    }
    // `NAME=VALUE`, the dotenv habit: the name is refused, the value not repeated.
    for cmd in ["set", "get", "generate"] {
        let out = kw.cmd([cmd, "K9=sk_live_SUPERSECRET"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(!err.contains("SUPERSECRET"), "{cmd}: {err}");
        assert!(err.contains("invalid key name `K9=…`"), "{cmd}: {err}");
    }
    // A value where a name or a flag goes (a JWT, base64 with its padding, a value
    // behind `--`), and a secret key where a recipient goes: never repeated.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTVVBFUlNFQ1JFVCJ9.c2lnbmF0dXJl";
    let secret_key = "AGE-SECRET-KEY-1SUPERSECRETQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
    for args in [
        vec!["set", jwt],
        vec!["rotate", jwt],
        vec!["set", "AbCdSUPERSECRETxyzabcdefgh+/xyz=="],
        vec!["set", "K", "--sk_live_SUPERSECRET_abcdefghijkl"],
        vec!["access", "grant", secret_key],
        vec!["offboard", "--reason", "left", secret_key],
        vec!["init", "--recipient", secret_key],
        vec!["access", "grant", &secret_key.to_lowercase()],
        vec!["export", "--format", jwt],
        vec!["help", secret_key],
        vec![secret_key],
        // Short base64 with its `=` padding: no name before the `=`.
        vec!["set", "SUPERSECRET+/x=="],
    ] {
        let out = kw.cmd(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            !err.to_lowercase().contains("supersecret") && !err.contains("eyJ"),
            "{args:?}: {err}"
        );
        assert!(err.contains("not shown"), "{args:?}: {err}");
    }
    // A token that is a valid key name (`ghp_…`): not repeated by "no key" nor "no
    // member labelled"; a long name written as names are is.
    let token = "ghp_0123SUPERSECRETtokenVALUEabcdefghijkl";
    // A base32 seed (upper case and digits, one long word), and upper-case hex.
    let seed = "SUPERSECRETJBSWY3DPEHPK3PXPJBSWY3DP";
    let hex = "SUPERSECRET0000000000000000000000000000000";
    for args in [
        vec!["get", token],
        vec!["access", "grant", token],
        vec!["get", seed],
        vec!["run", "--only", hex, "--", "true"],
    ] {
        let out = kw.cmd(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(2 | 3)), "{args:?}: {err}");
        assert!(
            !err.contains("SUPERSECRET") && err.contains("not shown"),
            "{args:?}: {err}"
        );
    }
    kw.cmd(["get", "STRIPE_RESTRICTED_API_KEY_PROD_V2"])
        .assert()
        .code(3)
        .stderr(contains("no key `STRIPE_RESTRICTED_API_KEY_PROD_V2`"));
    // A secret key in the trust root variable: named, not shown.
    let out = kw
        .cmd(["get", "K"])
        .env("KEYWARD_TRUST_ROOT", secret_key)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.to_lowercase().contains("supersecret") && err.contains("not a trust root"),
        "{err}"
    );
    // A secret key where the vault's path goes (pasted into KEYWARD_VAULT, or --vault):
    // every message naming the vault would repeat it.
    for (flag, env) in [(None, Some(secret_key)), (Some(secret_key), None)] {
        let mut c = kw.cmd(["list"]);
        if let Some(v) = env {
            c.env("KEYWARD_VAULT", format!("/tmp/{v}"));
        }
        if let Some(v) = flag {
            c.args(["--vault", v]);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            !err.to_lowercase().contains("supersecret") && err.contains("holds a secret key"),
            "{err}"
        );
    }
    let err = kw
        .cmd(["access", "grant", secret_key])
        .output()
        .unwrap()
        .stderr;
    assert!(String::from_utf8_lossy(&err).contains("a secret key was given as an argument"));
    // A mistyped flag is still named, with clap's tip.
    kw.cmd(["get", "K", "--nolog"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--nolog' found"));
    // Right-to-left override and a bell, in a value clap refuses, on a terminal.
    let (shown, code) = crate::support::pty::on_terminal(
        &kw,
        &["generate", "K2", "--expires", "\u{202e}2030\u{7}"],
        &[],
    );
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("invalid value"), "{shown}");
    assert!(
        !shown.contains('\u{202e}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(shown.contains("\\u{202e}"), "{shown:?}");
}
