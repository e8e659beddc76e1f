//! What a `keyward scan` finding says: every key whose value occurs (keys sharing a
//! value, a value inside another's), and a mask that shows nothing of a short value.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::scan::{IMPORTED, scan_file_json, scan_vault};
use crate::support::{Sandbox, outcome};

/// A hostile review: keys holding the same value collapsed into the first one (a revoked
/// dev key, which a reader dismisses, hid the active prod key), and a value inside
/// another key's value (a password inside a database URL) was never named.
#[test]
fn every_key_whose_value_occurs_is_reported() {
    let kw = Sandbox::with_vault();
    let shared = "sk_shared_ABCDEFGH12345";
    let (pw, url) = ("Pa55w0rd!xyz", "postgres://app:Pa55w0rd!xyz@db/app");
    kw.set("OLD_TOKEN", shared);
    kw.cmd(["revoke", "OLD_TOKEN", "--reason", "old", "--yes"])
        .assert()
        .success();
    for (env, name, value) in [
        ("prod", "STRIPE", shared),
        ("prod", "DB_PASSWORD", pw),
        ("test", "DB_URL", url),
    ] {
        kw.cmd(["-e", env, "set", name])
            .write_stdin(value)
            .assert()
            .success();
    }
    let dir = kw.path("r");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("a.txt"), format!("stripe={shared}\n")).unwrap();
    fs::write(dir.join("b.txt"), format!("url={url}\n")).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--json", "."]).current_dir(&dir));
    assert_eq!(code, 8, "{stderr}");
    for v in [shared, pw, url] {
        assert!(!stdout.contains(v) && !stderr.contains(v));
    }
    let v: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let got: Vec<(String, String, String, String, u64)> = v
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (
                s("path"),
                s("env"),
                s("name"),
                s("status"),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = |p: &str, e: &str, n: &str, st: &str, c| {
        (p.to_owned(), e.to_owned(), n.to_owned(), st.to_owned(), c)
    };
    assert_eq!(
        got,
        vec![
            want("a.txt", "dev", "OLD_TOKEN", "revoked", 8),
            want("a.txt", "prod", "STRIPE", "active", 8),
            want("b.txt", "test", "DB_URL", "active", 5),
            want("b.txt", "prod", "DB_PASSWORD", "active", 20),
        ]
    );
    kw.cmd(["scan", "."])
        .current_dir(&dir)
        .assert()
        .code(8)
        .stderr(contains("4 leaked key(s) found"))
        .stdout(
            contains("a.txt:1:8: prod/STRIPE v1 (active)")
                .and(contains("a.txt:1:8: dev/OLD_TOKEN v1 (revoked)"))
                .and(contains("b.txt:1:20: prod/DB_PASSWORD v1 (active)")),
        );
}

/// A hostile review: a 9-character imported password showed 5 of its characters
/// (`Xq7…mZ`) in every CI log of every scan that found it. A value shorter than 32
/// characters now shows nothing of itself; a longer one 2 + 2; a token its public head.
#[test]
fn a_short_value_shows_nothing_of_itself_when_found() {
    let (kw, tok) = scan_vault();
    kw.cmd(["-e", "prod", "set", "DB_PASSWORD"])
        .write_stdin("Xq7#kP2mZ")
        .assert()
        .success();
    let f = kw.path("scan/app.conf");
    fs::write(&f, format!("pw=Xq7#kP2mZ\nimp={IMPORTED}\ntok={tok}\n")).unwrap();
    let (code, stdout, _) = outcome(kw.cmd(["scan"]).arg(&f));
    assert_eq!(code, 8);
    let line = |n: &str| stdout.lines().find(|l| l.contains(n)).unwrap().to_owned();
    assert!(line("prod/DB_PASSWORD").ends_with("(active) …"), "{stdout}");
    assert!(
        !stdout.contains("Xq7") && !stdout.contains("mZ"),
        "{stdout}"
    );
    assert!(line("dev/IMP").ends_with(" sk…ef"), "{stdout}");
    assert!(
        line("dev/TOK").ends_with(&format!(" kw_dev_…{}", &tok[tok.len() - 2..])),
        "{stdout}"
    );
    let (_, found) = scan_file_json(&kw, &f);
    let masked: Vec<&str> = found
        .iter()
        .map(|x| x["masked"].as_str().unwrap())
        .collect();
    assert_eq!(masked[0], "…");
    assert_eq!(masked[1], "sk…ef");
}

/// A value that overlaps itself (a stored password of one repeated character, and a
/// file of that character a hostile commit adds) is one finding per line, not one per
/// offset: the review's 2 MB file was 12 million findings and 6 GB.
#[test]
fn a_value_overlapping_itself_is_one_finding_per_line() {
    let kw = Sandbox::with_vault();
    kw.set("REPEATED", &"a".repeat(12));
    kw.cmd(["-e", "prod", "set", "LONGER"])
        .write_stdin("a".repeat(16))
        .assert()
        .success();
    let dir = kw.path("r");
    fs::create_dir_all(&dir).unwrap();
    let line = "a".repeat(200_000);
    fs::write(dir.join("flood.txt"), format!("{line}\n{line}\n")).unwrap();
    let (code, stdout, stderr) = outcome(kw.cmd(["scan", "--json", "."]).current_dir(&dir));
    assert_eq!(code, 8, "{stderr}");
    let v: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let mut got: Vec<(u64, String)> = v
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    let want = |l, n: &str| (l, n.to_owned());
    assert_eq!(
        got,
        vec![
            want(1, "LONGER"),
            want(1, "REPEATED"),
            want(2, "LONGER"),
            want(2, "REPEATED"),
        ]
    );
}
