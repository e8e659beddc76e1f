//! Streams that fail under keyward and variables it cannot read (h15): an output that
//! cannot be written (`/dev/full`, a closed stdout) is an error, never exit 0 with the
//! output gone; a closed stdin is not an empty input; a `KEYWARD_*` variable that is
//! set but not valid (bytes that are not UTF-8 included) is a usage error naming it,
//! never "unset".

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use crate::support::{KW, Sandbox, vault_with_revoked_key};

/// A value set with bytes that are not UTF-8 (`1\xff`: a Latin-1 template, a stray byte).
fn not_utf8(text: &str) -> &OsStr {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0xff);
    OsStr::from_bytes(Box::leak(bytes.into_boxed_slice()))
}

/// `keyward run` into a full disk: the command runs to its end (its output is read and
/// dropped, never left to die of SIGPIPE half-way through a deploy), then keyward exits
/// 1 naming stdout; a command that failed keeps its own code, with a warning.
#[test]
fn run_into_a_full_stdout_lets_the_command_finish_then_fails() {
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    // More than a pipe holds, then a mark that the command got to its end (`-e`: as a
    // deploy script stops when a step dies, of SIGPIPE too).
    let out = kw
        .sh(&format!(
            "'{KW}' run -- sh -ec 'seq 1 100000; echo finished > done.txt' > /dev/full"
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout: No space left on device"),
        "{stderr}"
    );
    assert!(stderr.contains("ran to its end"), "{stderr}");
    assert_eq!(
        fs::read_to_string(kw.path("done.txt")).unwrap(),
        "finished\n",
        "the command was not stopped"
    );
    // The command's own failure wins, and the lost output is still said.
    let out = kw
        .sh(&format!(
            "'{KW}' run -- sh -c 'echo hi; exit 3' > /dev/full"
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not be passed on"), "{stderr}");
    // Unchanged: a discard succeeds, and so does a command that wrote nothing.
    for run in ["sh -c 'echo hi' > /dev/null", "true > /dev/full"] {
        let out = kw.sh(&format!("'{KW}' run -- {run}")).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{run}: {stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
    }
}

/// With stdout closed (`>&-`) the command's output had nowhere to go: exit 1, not 0 (the
/// runtime's /dev/null in its place swallowed it), with `--no-redact` too; a command
/// that writes nothing is fine.
#[test]
fn run_with_stdout_closed_fails_when_the_command_wrote_output() {
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    for flags in ["", "--no-redact"] {
        let out = kw
            .sh(&format!(
                "'{KW}' run {flags} -- sh -c 'echo hi; echo finished > done.txt' >&-"
            ))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flags}: {stderr}");
        assert!(
            stderr.contains("cannot write to stdout: it was closed"),
            "{stderr}"
        );
        assert!(kw.path("done.txt").exists());
        fs::remove_file(kw.path("done.txt")).unwrap();
    }
    let out = kw.sh(&format!("'{KW}' run -- true >&-")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A reader that went away (a broken pipe) is still not an error of keyward's: the
/// command's own exit code stands.
#[test]
fn run_into_a_pipe_whose_reader_is_gone_keeps_the_commands_code() {
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = kw
        .std_cmd(["run", "--", "sh", "-c", "echo hi; echo finished > done.txt"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(kw.path("done.txt").exists());
}

/// `KEYWARD_RUN_STRICT` and `KEYWARD_REDACT` set to bytes that are not UTF-8 are usage
/// errors naming the variable: read as unset, the strict gate was off and the command
/// started without the revoked key.
#[test]
fn run_variables_that_are_not_utf8_are_refused_not_unset() {
    let kw = vault_with_revoked_key();
    for var in ["KEYWARD_RUN_STRICT", "KEYWARD_REDACT"] {
        let out = kw
            .cmd(["run", "--", "touch", "started"])
            .env(var, not_utf8("1"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert!(
            stderr.contains(&format!("{var} must be 1 or 0")),
            "{stderr}"
        );
        assert!(!kw.path("started").exists(), "{var}: the command started");
    }
    // The valid values still work: strict refuses (4), unset starts.
    let out = kw
        .cmd(["run", "--", "touch", "started"])
        .env("KEYWARD_RUN_STRICT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(!kw.path("started").exists());
    kw.cmd(["run", "--", "touch", "started"]).assert().success();
    assert!(kw.path("started").exists());
}

/// `KEYWARD_ENV`, `KEYWARD_TRUST_ROOT` and `KEYWARD_IDENTITY` that are not UTF-8: the
/// message names the variable (clap's own said "arguments"), exit 2, no value shown.
#[test]
fn global_variables_that_are_not_utf8_are_named() {
    let kw = Sandbox::with_vault();
    for var in ["KEYWARD_ENV", "KEYWARD_TRUST_ROOT", "KEYWARD_IDENTITY"] {
        let out = kw
            .cmd(["list"])
            .env(var, not_utf8("secretish"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert!(
            stderr.contains(&format!("{var} is not valid UTF-8")),
            "{stderr}"
        );
        assert!(!stderr.contains("secretish"), "{stderr}");
    }
    // A bad argument is still clap's message about arguments.
    let out = kw
        .cmd([OsStr::new("list"), OsStr::new("-e"), not_utf8("de")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("arguments"), "{stderr}");
}

/// `KEYWARD_HOOK_TIMEOUT` that is not a timeout (`abc`, `0`, `10 min`, not UTF-8) is a
/// usage error naming it, before any hook runs or the key changes; it was quietly 60 s.
#[test]
fn a_bad_hook_timeout_is_refused_before_the_hook_runs() {
    let kw = Sandbox::with_vault();
    let hook = kw.path("roll.sh");
    fs::write(
        &hook,
        "#!/bin/sh\ntouch ran\necho new-provider-value-0002\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o700)).unwrap();
    kw.cmd(["set", "API", "--rotate-with", hook.to_str().unwrap()])
        .write_stdin("old-provider-value-0001")
        .assert()
        .success();
    let bad: [&OsStr; 4] = [
        "abc".as_ref(),
        "0".as_ref(),
        "10 min".as_ref(),
        not_utf8("30"),
    ];
    for value in bad {
        for args in [&["rotate", "API"][..], &["hook", "list"]] {
            let out = kw
                .cmd(args)
                .env("KEYWARD_HOOK_TIMEOUT", value)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{value:?} {args:?}: {stderr}");
            assert!(stderr.contains("KEYWARD_HOOK_TIMEOUT"), "{stderr}");
        }
        assert!(!kw.path("ran").exists(), "{value:?}: the hook ran");
    }
    assert_eq!(kw.stdout(["get", "API"]), "old-provider-value-0001\n");
    // A good value (and none) still rotates.
    kw.cmd(["rotate", "API"])
        .env("KEYWARD_HOOK_TIMEOUT", "90s")
        .assert()
        .success();
    assert!(kw.path("ran").exists());
    assert_eq!(kw.stdout(["get", "API"]), "new-provider-value-0002\n");
}

/// `render -` and `import -` with stdin closed (`<&-`) refuse, as `scan -` does: read as
/// empty, render replaced a good file with an empty one and import said "nothing".
#[test]
fn render_and_import_refuse_a_closed_stdin() {
    let kw = Sandbox::with_vault();
    kw.set("DB_URL", "postgres://db.example/app");
    kw.sh(&format!(
        "printf 'db: {{{{ DB_URL }}}}\\n' | '{KW}' render - -o config.yaml"
    ))
    .output()
    .unwrap();
    let good = fs::read_to_string(kw.path("config.yaml")).unwrap();
    assert_eq!(good, "db: postgres://db.example/app\n");
    let out = kw
        .sh(&format!("'{KW}' render - -o config.yaml --force <&-"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stdin is closed"), "{stderr}");
    assert_eq!(fs::read_to_string(kw.path("config.yaml")).unwrap(), good);
    let out = kw
        .sh(&format!("'{KW}' import - --format dotenv <&-"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stdin is closed"), "{stderr}");
    // An empty stdin is still an empty input.
    let out = kw
        .sh(&format!("'{KW}' import - --format dotenv < /dev/null"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// `generate` into a full disk: the key is committed, so the error says so and how to
/// read it (exit 1, "committed, aftermath failed"); the note that the value is on stdout
/// is not printed, since it is not.
#[test]
fn generate_into_a_full_stdout_says_the_key_is_committed() {
    let kw = Sandbox::with_vault();
    let out = kw
        .sh(&format!("'{KW}' generate API_TOKEN > /dev/full"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("on stdout"), "{stderr}");
    assert!(
        stderr.contains("`API_TOKEN` version 1 is committed in `dev`")
            && stderr.contains("do not generate it again"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("`keyward get -e dev API_TOKEN`"),
        "{stderr}"
    );
    // As it says: the key is there, and `get` prints it.
    let value = kw.stdout(["get", "API_TOKEN"]);
    assert!(value.starts_with("kw_dev_"), "{value}");
    // The note still follows a value that was written.
    let out = kw.cmd(["generate", "OTHER"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("its value is on stdout"));
}

/// `rotate` of a generated key prints its new value: into a full disk, the rotation is
/// committed all the same, and the error says so (another rotation would replace it).
#[test]
fn rotate_into_a_full_stdout_says_the_new_version_is_committed() {
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    let out = kw
        .sh(&format!("'{KW}' rotate API_TOKEN --yes > /dev/full"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("rotated `API_TOKEN`"), "{stderr}");
    assert!(
        stderr.contains("`API_TOKEN` version 2 is committed in `dev`")
            && stderr.contains("do not rotate it again")
            && stderr.contains("`keyward get -e dev API_TOKEN`"),
        "{stderr}"
    );
    let shown = kw.json(["show", "API_TOKEN", "--json"]);
    assert!(shown.to_string().contains("\"version\":2"), "{shown}");
}
