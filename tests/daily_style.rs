//! Daily use, the look of it (issue 22): statuses highlighted on a terminal and only
//! there (revoked/expired/exposed red, retiring/expiring/rotation-due yellow; never with
//! `NO_COLOR`, off a terminal or with `--json`); long lists of names in one message
//! summarized (a count, the first five, "and N more", where the whole list is); `rotate`
//! of an imported key unlocks the identity before it asks for the new value; `-i`'s help
//! does not offer a literal secret key.
//!
//! The terminal is a real pseudo-terminal (Python's `pty`) on stdin, stdout and stderr.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::pty::{cheap_protected_vault, on_terminal};
use crate::support::{DAY, Sandbox, T0};

const PASS: &str = "daily small passphrase";

/// A vault in `dev` at `T0 + 2d` holding one key of each look: `REV` revoked, `OLD`
/// expired, `SOON` expiring within `check`'s 14 days, `ROT` rotated with a grace (its
/// version 1 retiring), `FINE` active.
fn statuses_vault() -> Sandbox {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.cmd(["generate", "REV"]).assert().success();
    kw.cmd(["generate", "OLD", "--expires", "1d"])
        .assert()
        .success();
    kw.cmd(["generate", "SOON", "--expires", "10d"])
        .assert()
        .success();
    kw.cmd(["generate", "ROT"]).assert().success();
    kw.cmd(["generate", "FINE"]).assert().success();
    kw.cmd(["revoke", "REV", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.at(T0 + 2 * DAY);
    kw.cmd(["rotate", "ROT", "--grace", "24h"])
        .assert()
        .success();
    kw
}

/// An SGR colour sequence right before `word` (the cell's text) in `shown`.
fn coloured(shown: &str, word: &str) -> bool {
    shown.match_indices(word).any(|(at, _)| {
        let before = shown[..at].trim_end_matches(' ');
        before.ends_with('m')
            && before.rfind("\x1b[").is_some_and(|esc| {
                before[esc + 2..before.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ';')
            })
    })
}

/// Whether `word` is shown in red (SGR 31, or 38;5;1 / 38;5;9) or yellow (33, 38;5;3/11).
fn colour_of(shown: &str, word: &str) -> Option<&'static str> {
    for (at, _) in shown.match_indices(word) {
        // a table cell's padding may sit inside the colour
        let before = shown[..at].trim_end_matches(' ');
        let Some(esc) = before.rfind("\x1b[") else {
            continue;
        };
        let code = &before[esc + 2..];
        let Some(code) = code.strip_suffix('m') else {
            continue;
        };
        if !code.chars().all(|c| c.is_ascii_digit() || c == ';') {
            continue;
        }
        return match code {
            "31" | "38;5;1" | "38;5;9" | "91" => Some("red"),
            "33" | "38;5;3" | "38;5;11" | "93" => Some("yellow"),
            _ => Some("other"),
        };
    }
    None
}

#[test]
fn statuses_are_coloured_on_a_terminal() {
    let kw = statuses_vault();
    let (shown, code) = on_terminal(&kw, &["list", "--status", "all"], &[]);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(colour_of(&shown, "revoked"), Some("red"), "{shown:?}");
    assert_eq!(colour_of(&shown, "expired"), Some("red"), "{shown:?}");
    assert_eq!(colour_of(&shown, "active"), None, "{shown:?}");

    let (shown, code) = on_terminal(&kw, &["show", "ROT"], &[]);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(colour_of(&shown, "retiring"), Some("yellow"), "{shown:?}");
    let (shown, code) = on_terminal(&kw, &["show", "REV"], &[]);
    assert_eq!(code, 0, "{shown}");
    // the `status:` line and the version table
    assert_eq!(colour_of(&shown, "revoked"), Some("red"), "{shown:?}");
    assert!(
        shown.contains("status:       \x1b[31mrevoked\x1b[0m"),
        "{shown:?}"
    );

    let (shown, code) = on_terminal(&kw, &["check"], &[]);
    assert_eq!(code, 8, "{shown}");
    assert_eq!(colour_of(&shown, "expired"), Some("red"), "{shown:?}");
    assert_eq!(colour_of(&shown, "expiring"), Some("yellow"), "{shown:?}");
}

#[test]
fn no_colour_with_no_color_off_a_terminal_or_with_json() {
    let mut kw = statuses_vault();
    for args in [
        &["list", "--status", "all"][..],
        &["show", "REV"],
        &["show", "ROT"],
        &["check"],
    ] {
        // off a terminal: stdout a pipe
        let out = kw.cmd(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("revoked") || text.contains("retiring") || text.contains("expired"),
            "{text}"
        );
        assert!(!text.contains('\x1b'), "{args:?} off a terminal: {text:?}");
        // --json on a terminal
        let mut json = args.to_vec();
        json.push("--json");
        let (shown, _) = on_terminal(&kw, &json, &[]);
        assert!(!shown.contains('\x1b'), "{json:?} on a terminal: {shown:?}");
        assert!(!coloured(&shown, "revoked"), "{shown:?}");
    }
    kw.set_env("NO_COLOR", "1");
    for args in [
        &["list", "--status", "all"][..],
        &["show", "REV"],
        &["show", "ROT"],
        &["check"],
    ] {
        let (shown, _) = on_terminal(&kw, args, &[]);
        assert!(
            shown.contains("revoked") || shown.contains("retiring") || shown.contains("expired"),
            "{shown}"
        );
        assert!(!shown.contains('\x1b'), "{args:?} with NO_COLOR: {shown:?}");
    }
}

#[test]
fn a_status_colour_never_lets_a_stored_escape_through() {
    // A note holding an escape sequence is still shown escaped on a terminal, beside
    // the coloured status.
    let kw = statuses_vault();
    kw.cmd(["generate", "NOTED", "--note", "\x1b[2Jwiped"])
        .assert()
        .success();
    let (shown, code) = on_terminal(&kw, &["show", "NOTED"], &[]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("\\x1b[2Jwiped"), "{shown:?}");
    assert!(!shown.contains("\x1b[2J"), "{shown:?}");
}

// ---- long lists summarized

/// 20 imported keys (`IMP_01` … `IMP_20`) in `dev`.
fn twenty_imported() -> Sandbox {
    let kw = Sandbox::with_vault();
    for i in 1..=20 {
        kw.set(&format!("IMP_{i:02}"), &format!("provider-value-{i}"));
    }
    kw
}

#[test]
fn rotate_all_summarizes_twenty_pending_imported_keys() {
    let kw = twenty_imported();
    let out = kw.cmd(["rotate", "--all", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("need a new value from their provider"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("20 imported key(s)"), "{line}");
    assert!(
        line.contains("IMP_01, IMP_02, IMP_03, IMP_04, IMP_05 and 15 more"),
        "{line}"
    );
    assert!(line.contains("`--json` list all"), "{line}");
    assert!(!line.contains("IMP_06"), "{line}");
    // --json still has every one
    let out = kw
        .cmd(["rotate", "--all", "--yes", "--json"])
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    for i in 1..=20 {
        assert!(json.contains(&format!("\"IMP_{i:02}\"")), "{json}");
    }
}

#[test]
fn a_short_list_is_shown_whole() {
    let kw = Sandbox::with_vault();
    for i in 1..=3 {
        kw.set(&format!("IMP_{i}"), "v");
    }
    kw.cmd(["rotate", "--all", "--yes"])
        .assert()
        .code(8)
        .stderr(contains("3 imported key(s)").and(contains(": IMP_1, IMP_2, IMP_3\n")));
}

#[test]
fn offboard_summarizes_twenty_keys_still_exposed() {
    let kw = twenty_imported();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    kw.cmd(["access", "grant", &r]).assert().success();
    kw.cmd(["offboard", &r, "--reason", "left", "--yes"])
        .assert()
        .code(8);
    // the second offboard: no longer a recipient, the 20 keys it could read remain
    let out = kw
        .cmd(["offboard", &r, "--reason", "left", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("never rotated since"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("could read 20 key(s)"), "{line}");
    assert!(
        line.contains("IMP_01, IMP_02, IMP_03, IMP_04, IMP_05 and 15 more"),
        "{line}"
    );
    assert!(
        line.contains("`keyward check -e dev --json` lists all"),
        "{line}"
    );
    assert!(!line.contains("IMP_20"), "{line}");
}

#[test]
fn list_summarizes_many_skipped_environments() {
    let kw = Sandbox::with_vault();
    let other = kw.write_identity("other.key");
    let r = kw.recipient_of(&other);
    let _ = r;
    for i in 1..=8 {
        // encrypted to the other identity only: this one skips them
        kw.cmd([
            "-i",
            other.to_str().unwrap(),
            "env",
            "add",
            &format!("team{i}"),
        ])
        .assert()
        .success();
    }
    let out = kw.cmd(["list", "--all-envs"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let skipped: Vec<&str> = err.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 1, "{err}");
    assert!(skipped[0].contains("8 environments"), "{err}");
    assert!(skipped[0].contains("and 3 more"), "{err}");
    assert!(skipped[0].contains("--json"), "{err}");
    let json = kw.stdout(["list", "--all-envs", "--json"]);
    for i in 1..=8 {
        assert!(json.contains(&format!("team{i}")), "{json}");
    }
}

// ---- rotate unlocks first; -i's help

#[test]
fn rotate_of_an_imported_key_unlocks_before_it_asks_for_the_value() {
    let kw = cheap_protected_vault(PASS);
    kw.cmd(["set", "PARTNER_KEY"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .write_stdin("first-value")
        .assert()
        .success();
    let value = "partner_value_typed_by_hand_0123";
    let (shown, code) = on_terminal(
        &kw,
        &["rotate", "PARTNER_KEY"],
        &[
            ("Passphrase for", &[PASS]),
            ("New value for PARTNER_KEY", &[value]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    let asked_pass = shown.find("Passphrase for").expect("passphrase asked");
    let asked_value = shown.find("New value for").expect("value asked");
    assert!(asked_pass < asked_value, "{shown}");
    assert!(!shown.contains(value), "the value was echoed: {shown}");

    // three wrong passphrases: the value is never asked for
    let (shown, code) = on_terminal(
        &kw,
        &["rotate", "PARTNER_KEY"],
        &[
            ("Passphrase for", &["a", "b", "c"]),
            ("New value for", &[value]),
        ],
    );
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("New value for"), "{shown}");
}

#[test]
fn identity_help_sends_a_literal_key_to_keyward_identity() {
    let kw = Sandbox::new();
    let help = kw.stdout(["--help"]);
    assert!(!help.contains("or a literal AGE-SECRET-KEY"), "{help}");
    assert!(help.contains("KEYWARD_IDENTITY"), "{help}");
    // and it is refused there, as the help says
    let key = Sandbox::secret_key_of(&kw.write_identity("k.key"));
    kw.cmd(["-i", &key, "list"])
        .assert()
        .code(2)
        .stderr(contains("put it in KEYWARD_IDENTITY"));
}
