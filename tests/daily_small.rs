//! Issue 22, "small things that break scripts and habits": `--json` into a closed pipe,
//! `run`'s 126/127, an agent never shortened, `export`'s default format and `--json`,
//! and passphrase tries on a terminal.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Stdio;

use crate::support::Sandbox;
use crate::support::pty::{cheap_protected_vault, on_terminal};

const PASS: &str = "daily small passphrase";

// ---- --json into a closed pipe ends quietly with 0 (DESIGN §14)

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

// ---- run: 127 when the command is not found, 126 when it cannot be executed

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_of_a_missing_command_exits_127_and_says_so() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("API_TOKEN");
    let out = kw.cmd(["run", "--", "./nonexistent.sh"]).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(
        err.contains("cannot run `./nonexistent.sh`: command not found"),
        "{err}"
    );
    assert!(err.contains("the read of 1 key was journaled"), "{err}");
    assert!(err.contains("hint: no file `./nonexistent.sh`"), "{err}");
    assert!(!err.contains(&value));
    // the access was journaled before the spawn, as the message says
    let audit = kw.stdout(["audit", "--action", "run", "--json"]);
    assert!(audit.contains("API_TOKEN"), "{audit}");

    // a bare name is looked up on PATH
    let out = kw
        .cmd(["-e", "test", "run", "--", "keyward-no-such-program"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(
        err.contains("`keyward-no-such-program` is not on `PATH`"),
        "{err}"
    );
    assert!(
        err.contains("`keyward run -e test -- ./keyward-no-such-program`"),
        "{err}"
    );
    // with no keys nothing was journaled, and the message does not claim it
    assert!(!err.contains("journaled"), "{err}");
}

#[test]
fn run_of_a_script_whose_interpreter_is_missing_exits_127_and_names_the_cause() {
    let kw = Sandbox::with_vault();
    std::fs::write(kw.path("bad.sh"), "#!/nonexistent/interpreter\n").unwrap();
    std::fs::set_permissions(
        kw.path("bad.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = kw.cmd(["run", "--", "./bad.sh"]).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(
        err.contains("its interpreter (the `#!` line) was not found"),
        "{err}"
    );
}

#[test]
fn run_of_a_file_that_is_not_executable_exits_126() {
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    std::fs::write(kw.path("deploy.sh"), "#!/bin/sh\necho deployed\n").unwrap();
    std::fs::set_permissions(
        kw.path("deploy.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let out = kw.cmd(["run", "--", "./deploy.sh"]).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(
        err.contains("cannot run `./deploy.sh`: permission denied"),
        "{err}"
    );
    assert!(err.contains("`chmod +x ./deploy.sh`"), "{err}");
    assert!(
        err.contains("`keyward run -e dev -- sh ./deploy.sh`"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    std::fs::create_dir(kw.path("bin")).unwrap();
    let out = kw.cmd(["run", "--", "./bin"]).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(err.contains("`./bin`: it is a directory"), "{err}");
}

#[test]
fn run_still_passes_a_child_s_own_126_and_127_through() {
    let kw = Sandbox::with_vault();
    for code in ["126", "127", "1"] {
        let out = kw
            .cmd(["run", "--", "sh", "-c", &format!("exit {code}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code.parse().unwrap()));
        assert!(out.stderr.is_empty(), "{}", stderr_of(&out));
    }
}

// ---- unlock never shortens a running agent

/// Stops the sandbox's agent on drop, so a failed test leaves no process behind.
struct AgentGuard<'a>(&'a Sandbox);

impl Drop for AgentGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.cmd(["lock"]).output();
    }
}

/// The running agent's idle duration in seconds, as it reports it over its socket.
fn agent_idle_secs(kw: &Sandbox) -> u64 {
    let sock: PathBuf = fs::read_dir(kw.path("run/keyward"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
        .expect("an agent socket");
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"{\"op\":\"hello\"}\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&s).read_line(&mut reply).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    reply["idle_secs"].as_u64().expect("idle_secs in hello")
}

#[test]
fn a_plain_unlock_never_shortens_a_running_agent() {
    let kw = cheap_protected_vault(PASS);
    let _guard = AgentGuard(&kw);
    kw.cmd(["unlock", "--for", "8h"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // the habitual `unlock` (default 15m) keeps the 8h, and asks nothing
    let out = kw.cmd(["unlock"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("keeps its longer time: it ends after 8h"),
        "{err}"
    );
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // an explicitly shorter --for does not shorten it either
    kw.cmd(["unlock", "--for", "5m"]).assert().success();
    assert_eq!(agent_idle_secs(&kw), 8 * 3600);

    // a longer one extends
    let out = kw.cmd(["unlock", "--for", "1d"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("now ends after 1d without use"), "{err}");
    assert_eq!(agent_idle_secs(&kw), 24 * 3600);

    // and the agent still serves
    kw.generate("K");
}

// ---- export: dotenv by default; --json never silently ignored

#[test]
fn export_without_format_writes_dotenv() {
    let kw = Sandbox::with_vault();
    kw.set("DB_URL", "postgres://u:p@h/db");
    let out = kw.stdout(["export"]);
    assert_eq!(out, kw.stdout(["export", "--format", "dotenv"]));
    assert!(out.starts_with("DB_URL="), "{out}");
    // and it imports back
    let other = Sandbox::with_vault();
    other
        .cmd(["import", "-", "--format", "dotenv"])
        .write_stdin(out)
        .assert()
        .success();
    assert_eq!(other.stdout(["get", "DB_URL"]), "postgres://u:p@h/db\n");
}

#[test]
fn export_json_with_a_text_format_is_a_usage_error_and_exports_nothing() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("API_TOKEN");
    for format in ["dotenv", "shell"] {
        let out = kw
            .cmd(["-e", "dev", "export", "--format", format, "--json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(out.stdout.is_empty());
        assert!(
            err.contains(&format!("`--format {format}` asks for {format}")),
            "{err}"
        );
        assert!(
            err.contains("`keyward export -e dev --format json`"),
            "{err}"
        );
        assert!(!err.contains(&value));
    }
    // refused before anything was journaled
    let audit = kw.stdout(["audit", "--action", "export", "--json"]);
    let events: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 0, "{audit}");
}

#[test]
fn export_json_with_format_json_or_alone_writes_json() {
    let kw = Sandbox::with_vault();
    kw.set("DB_URL", "postgres://u:p@h/db");
    for args in [
        &["export", "--format", "json", "--json"][..],
        &["export", "--json"],
        &["export", "--format", "json"],
    ] {
        let out = kw.stdout(args);
        let map: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(map["DB_URL"], "postgres://u:p@h/db", "{args:?}");
    }
}

// ---- passphrases: three tries on a terminal, one from the environment; an empty new
// passphrase refused at once; `set` unlocks before it asks for the value

#[test]
fn a_wrong_passphrase_on_a_terminal_is_asked_again() {
    let kw = cheap_protected_vault(PASS);
    let (shown, code) = on_terminal(
        &kw,
        &["identity", "show"],
        &[("Passphrase for", &["wrong one", "", PASS])],
    );
    assert_eq!(code, 0, "{shown}");
    assert_eq!(shown.matches("Passphrase for").count(), 3, "{shown}");
    assert!(
        shown.contains("wrong passphrase, try again (2 of 3)"),
        "{shown}"
    );
    assert!(
        shown.contains("wrong passphrase, try again (3 of 3)"),
        "{shown}"
    );
    assert!(shown.contains("age1"), "{shown}");
}

#[test]
fn three_wrong_passphrases_on_a_terminal_end_with_exit_5() {
    let kw = cheap_protected_vault(PASS);
    let (shown, code) = on_terminal(
        &kw,
        &["list"],
        &[("Passphrase for", &["one", "two", "three", PASS])],
    );
    assert_eq!(code, 5, "{shown}");
    assert_eq!(shown.matches("Passphrase for").count(), 3, "{shown}");
    assert!(shown.contains("error: wrong passphrase"), "{shown}");
}

#[test]
fn a_passphrase_from_the_environment_gets_one_try_even_on_a_terminal() {
    let mut kw = cheap_protected_vault(PASS);
    kw.set_env("KEYWARD_PASSPHRASE", "not it");
    let (shown, code) = on_terminal(&kw, &["list"], &[("Passphrase for", &[PASS])]);
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Passphrase for"), "{shown}");
    assert!(shown.contains("error: wrong passphrase"), "{shown}");

    let pf = kw.path("pass.txt");
    fs::write(&pf, "not it either\n").unwrap();
    fs::set_permissions(&pf, fs::Permissions::from_mode(0o600)).unwrap();
    kw.set_env("KEYWARD_PASSPHRASE_FILE", pf.to_str().unwrap());
    let (shown, code) = on_terminal(&kw, &["list"], &[("Passphrase for", &[PASS])]);
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Passphrase for"), "{shown}");
}

#[test]
fn an_empty_new_passphrase_is_refused_before_it_is_asked_again() {
    let kw = Sandbox::new();
    let (shown, code) = on_terminal(
        &kw,
        &["init"],
        &[
            ("Passphrase for the new keyward identity", &[""]),
            ("Repeat passphrase", &[""]),
        ],
    );
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("an empty passphrase is not allowed"),
        "{shown}"
    );
    assert!(!shown.contains("Repeat passphrase"), "{shown}");
    assert!(!kw.vault().exists(), "nothing was created");
}

#[test]
fn set_unlocks_before_it_asks_for_the_value() {
    let kw = cheap_protected_vault(PASS);
    let value = "sk_live_typed_by_hand_0123456789";
    let (shown, code) = on_terminal(
        &kw,
        &["set", "STRIPE_KEY"],
        &[
            ("Passphrase for", &[PASS]),
            ("Value for STRIPE_KEY", &[value]),
        ],
    );
    assert_eq!(code, 0, "{shown}");
    let asked_pass = shown.find("Passphrase for").expect("passphrase asked");
    let asked_value = shown.find("Value for STRIPE_KEY").expect("value asked");
    assert!(asked_pass < asked_value, "{shown}");
    assert!(!shown.contains(value), "the value was echoed: {shown}");
    let got = kw
        .cmd(["get", "STRIPE_KEY"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&got.stdout), format!("{value}\n"));

    // three wrong passphrases: the value is never asked for, so nothing typed is lost
    let (shown, code) = on_terminal(
        &kw,
        &["set", "OTHER_KEY"],
        &[
            ("Passphrase for", &["a", "b", "c"]),
            ("Value for OTHER_KEY", &[value]),
        ],
    );
    assert_eq!(code, 5, "{shown}");
    assert!(!shown.contains("Value for"), "{shown}");
}
