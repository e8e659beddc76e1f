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
