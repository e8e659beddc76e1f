//! What reaches the terminal: control characters in stored text are escaped (never
//! raw), `--json` keeps them exact; statuses are coloured on a terminal and only there
//! (never with `NO_COLOR`, off a terminal or with `--json`); long lists of names in one
//! message are summarized (a count, the first five, "and N more", where the whole list is).

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::pty::on_terminal;
use crate::support::{DAY, Sandbox, T0, assert_no_controls, open_image, outcome};

/// ESC (a colour sequence), BEL, CR, RIGHT-TO-LEFT OVERRIDE, C1 CSI, LEFT-TO-RIGHT ISOLATE.
const HOSTILE: &str = "a\x1b[31mred\x07\rb\u{202e}c\u{9b}2J\u{2066}d";

/// `HOSTILE` as `output::escape` shows it.
const SHOWN: &str = r"a\x1b[31mred\x07\rb\u{202e}c\u{9b}2J\u{2066}d";

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
        let (code, stdout, stderr) = outcome(&mut kw.cmd(["show", name]));
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
    let (code, stdout, stderr) = outcome(&mut kw.cmd(["audit"]));
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
    kw.edit_env("dev", |conn| {
        conn.execute(sql, params).unwrap();
    });
}

/// A forged text column shown by `args`: refused as corrupt (exit 6, if validated on
/// read) or shown escaped, never raw.
fn forged_text_is_never_raw(kw: &Sandbox, args: &[&str], shown: &str) {
    let (code, stdout, stderr) = outcome(&mut kw.cmd(args));
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

#[test]
fn errors_escape_the_paths_they_echo() {
    let kw = Sandbox::with_vault();
    let f = kw.path("a\x1b[31mb\u{202e}.jsonl");
    fs::write(&f, "x").unwrap();
    let (code, _, stderr) = outcome(
        kw.cmd(["audit", "export", "--format", "jsonl", "--out"])
            .arg(&f),
    );
    assert_eq!(code, 1);
    assert_no_controls(&stderr);
    assert!(stderr.contains(r"a\x1b[31mb\u{202e}.jsonl"), "{stderr}");
}

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

/// A table fits the terminal's width, and a terminal that does not know its size (0
/// columns: `docker run -t`, `script`) gets whole cells, never one character a column.
#[test]
fn tables_fit_a_narrow_terminal_and_keep_their_cells_on_one_of_unknown_width() {
    use crate::support::pty::run_on_terminal_of_width;
    let kw = statuses_vault();
    // Visible characters: colour sequences (`ESC [ … m`) take no room.
    let widest = |shown: &str| {
        let visible = |l: &str| {
            let (mut n, mut in_escape) = (0, false);
            for c in l.chars() {
                match (in_escape, c) {
                    (false, '\x1b') => in_escape = true,
                    (true, 'm') => in_escape = false,
                    (true, _) => {}
                    (false, _) => n += 1,
                }
            }
            n
        };
        shown.lines().map(visible).max().unwrap_or(0)
    };
    let unknown = run_on_terminal_of_width(kw.std_cmd(["list", "--status", "all"]), &[], 0);
    assert_eq!(unknown.code, 0, "{}", unknown.shown);
    for name in ["ROT", "REV", "revoked", "expired", "STATUS"] {
        assert!(unknown.shown.contains(name), "{name}: {:?}", unknown.shown);
    }
    let narrow = run_on_terminal_of_width(kw.std_cmd(["list", "--status", "all"]), &[], 60);
    assert_eq!(narrow.code, 0, "{}", narrow.shown);
    assert!(widest(&narrow.shown) <= 60, "{}", narrow.shown);
    assert!(widest(&unknown.shown) > 60, "{}", unknown.shown);
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
        .code(8)
        .stderr(contains("offboarded from `dev`"));
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

#[test]
fn jsonl_prints_one_object_per_line_for_list_audit_and_check() {
    let mut kw = Sandbox::with_vault_at(crate::support::T0);
    kw.generate("A");
    kw.generate("B");
    kw.cmd(["generate", "SOON", "--expires", "1d"])
        .assert()
        .success();
    kw.at(crate::support::T0 + 2 * crate::support::DAY);
    let lines = |args: &[&str], code: i32| -> Vec<serde_json::Value> {
        let out = kw.cmd(args).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect()
    };
    let keys = lines(&["list", "--jsonl"], 0);
    assert_eq!(keys.len(), 3);
    assert!(
        keys.iter()
            .all(|k| k["name"].is_string() && k["status"].is_string())
    );
    let events = lines(&["audit", "--jsonl"], 0);
    assert!(events.len() >= 4, "{events:?}");
    assert!(events.iter().all(|e| e["hash"].is_string()));
    let findings = lines(&["check", "--jsonl"], 8);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["name"], "SOON");
    for cmd in ["list", "audit", "check"] {
        kw.cmd([cmd, "--json", "--jsonl"]).assert().code(2);
    }
}
