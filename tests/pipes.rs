//! A closed stdout (DESIGN §14): a listing into a pipe whose reader has gone ends quietly
//! with 0, even in a `pipefail` job; a value that cannot be delivered is a failure, and
//! nothing is released (no access event) when stdout is closed before the read.

use std::process::Stdio;

use crate::support::{KW, Sandbox};

#[test]
fn list_into_closed_pipe_ends_quietly() {
    let kw = Sandbox::with_vault();
    for i in 0..20 {
        kw.set(&format!("K{i}"), "v-value");
    }
    // `true` exits without reading, so list writes into a closed pipe.
    let out = kw
        .shell(r#""$KW" list | true; exit ${PIPESTATUS[0]}"#)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// Run `args` with stdout a pipe whose reader is already gone: every write fails with
/// EPIPE, deterministically (what `| head -1` does once it has its line).
fn into_closed_pipe(kw: &Sandbox, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    kw.std_cmd(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn json_into_a_closed_pipe_ends_quietly_with_0() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for args in [
        &["audit", "--json"][..],
        &["list", "--json"],
        &["list", "--json", "--all-envs"],
        &["show", "A", "--json"],
        &["check", "--json"],
    ] {
        let out = into_closed_pipe(&kw, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn json_into_a_closed_pipe_keeps_a_pipefail_job_green() {
    let kw = Sandbox::with_vault();
    // enough output that `head -1` has gone before keyward's last write
    let dotenv: String = (0..2000).map(|i| format!("KEY_{i}=v\n")).collect();
    kw.cmd(["import", "-", "--format", "dotenv"])
        .write_stdin(dotenv)
        .assert()
        .success();
    let out = kw
        .shell(r#"set -o pipefail; "$KW" list --json | head -1 >/dev/null && "$KW" audit --json | head -1 >/dev/null"#)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn get_json_into_a_closed_pipe_is_still_not_delivered() {
    // a value is get's only product: a closed pipe is a failure there, never quiet
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let out = into_closed_pipe(&kw, &["get", "A", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not delivered"));
}

#[test]
fn get_with_stdout_closed_fails_and_releases_nothing() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let out = kw.sh(&format!("'{KW}' get A >&-")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is closed"), "{stderr}");
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 0, "released: {ev}");
    // an explicit discard is not an error
    let out = kw
        .sh(&format!("'{KW}' get A > /dev/null"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A caller's own /dev/null opened read-write (Python's `subprocess.DEVNULL`, a service
/// manager's null output) is an explicit discard, like `> /dev/null`: the value is read
/// and its access recorded. Only a stdout closed at start is refused, although Rust's
/// runtime has put the same read-write /dev/null on it by the time `main` runs.
#[test]
fn get_into_a_read_write_dev_null_is_a_discard_not_a_closed_stdout() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = kw
        .std_cmd(["get", "A"])
        .stdout(Stdio::from(null))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 1, "not recorded: {ev}");
    // Closed at start, it is still refused, with nothing released.
    let out = kw.sh(&format!("'{KW}' get A >&-")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdout is closed"));
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "get"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 1, "released: {ev}");
}

#[test]
fn get_into_a_pipe_nobody_reads_fails_but_list_ends_quietly() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = kw
        .std_cmd(["get", "A"])
        .stdout(Stdio::from(writer.try_clone().unwrap()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not delivered"));
    let out = kw
        .std_cmd(["list"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

/// `export` and `render` release values too: into a pipe whose reader has gone they fail
/// (exit 1, "not delivered"), never a quiet 0; with stdout closed at start nothing is
/// read out or journaled. Into a file (`-o`), a closed stdout does not matter.
#[test]
fn export_and_render_into_a_closed_stdout_are_not_delivered() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    std::fs::write(kw.path("app.tmpl"), "a={{ A }}\n").unwrap();
    let tmpl = kw.path("app.tmpl");
    let tmpl = tmpl.to_str().unwrap();
    let released = |action: &str| {
        let ev: serde_json::Value =
            serde_json::from_str(&kw.stdout(["audit", "--json", "--action", action])).unwrap();
        ev.as_array().unwrap().len()
    };
    for (args, action) in [
        (vec!["export"], "export"),
        (vec!["export", "--format", "json"], "export"),
        (vec!["render", tmpl], "render"),
    ] {
        let out = into_closed_pipe(&kw, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not delivered"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let before = released(action);
        let out = kw
            .sh(&format!("'{KW}' {} >&-", args.join(" ")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("stdout is closed"));
        assert_eq!(
            released(action),
            before,
            "{args:?}: read out with stdout closed"
        );
    }
    let file = kw.path("out.env");
    assert_cmd::Command::from_std(kw.sh(&format!("'{KW}' export -o '{}' >&-", file.display())))
        .assert()
        .success();
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("A="));
}

/// `generate` and `rotate` print a new value once: with stdout closed it would reach
/// no one, so nothing is generated or rotated. `scan -` with stdin closed has nothing to
/// read: that is an error, never "no keys found".
#[test]
fn generate_and_rotate_refuse_a_closed_stdout_and_scan_a_closed_stdin() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    for args in ["generate B", "rotate A"] {
        let out = kw.sh(&format!("'{KW}' {args} >&-")).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args}: {stderr}");
        assert!(stderr.contains("stdout is closed"), "{stderr}");
    }
    let list = kw.stdout(["list", "--json"]);
    assert!(!list.contains("\"B\""), "B was not generated: {list}");
    let show = kw.json(["show", "A", "--json"]);
    assert_eq!(
        show["versions"].as_array().unwrap().len(),
        1,
        "A was not rotated: {show}"
    );
    let out = kw.sh(&format!("'{KW}' scan - <&-")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stdin is closed"), "{stderr}");
    // An empty stdin is read and clean.
    let out = kw
        .sh(&format!("'{KW}' scan - < /dev/null"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A hostile review: github-env prints its masks on stdout before it appends the file; into
/// a pipe nobody reads it exited 0 with nothing appended. Now it is "not delivered", exit
/// 1, and the file is as it was. A file it created stays, empty: removing it by path
/// could take the block another export had just appended, a second review found.
#[test]
fn github_env_into_a_closed_pipe_is_not_delivered_and_appends_nothing() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let file = kw.path("gh.env");
    let args = [
        "export",
        "--format",
        "github-env",
        "-o",
        file.to_str().unwrap(),
    ];
    let out = into_closed_pipe(&kw, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not delivered"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), "");
    std::fs::write(&file, "EARLIER=1\n").unwrap();
    let out = into_closed_pipe(&kw, &args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "EARLIER=1\n");
    // Delivered, the block is appended after what was there.
    kw.cmd(args).assert().success();
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("EARLIER=1\nA<<")
    );
}
