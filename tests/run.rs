//! `keyward run`: values injected exactly, `--only` and `--pristine`, keyward's own
//! credentials and loader variables kept from the child, exit codes passed through
//! (126/127 when the command cannot start), signals forwarded and no orphan after
//! keyward is killed, values never in argv or files.

use std::fs;
use std::process::{Command, Stdio};

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{HOUR, KW, Sandbox, T0, TRICKY, process_gone, wait_for};

#[test]
fn injects_values_exactly_with_no_redact() {
    let kw = Sandbox::with_vault();
    kw.set("TRICKY", TRICKY);
    let tok = kw.generate("TOK");
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$TRICKY\" \"$TOK\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{TRICKY}|{tok}")
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&tok));
}

#[test]
fn exit_code_and_signal_pass_through() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.cmd(["run", "--", "sh", "-c", "exit 7"]).assert().code(7);
    kw.cmd(["run", "--", "sh", "-c", "exit 0"])
        .assert()
        .success();
    kw.cmd(["run", "--", "sh", "-c", "kill -KILL $$"])
        .assert()
        .code(128 + 9);
    kw.cmd(["run", "--", "/nonexistent/program"])
        .assert()
        .code(127)
        .stderr(contains("command not found"));
    kw.cmd(["run"]).assert().code(2).stderr(contains(
        "the following required arguments were not provided:\n  <CMD>...",
    ));
}

#[test]
fn only_limits_keys_and_refuses_unusable_before_start() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.generate("B");
    kw.generate("DEAD");
    kw.cmd(["revoke", "--yes", "DEAD", "--reason", "test"])
        .assert()
        .success();
    let out = kw.stdout([
        "run",
        "--only",
        "A",
        "--",
        "sh",
        "-c",
        "echo ${A:+a}${B:+b}${DEAD:+d}",
    ]);
    assert_eq!(out, "a\n");
    // unnamed revoked keys are skipped silently
    let out = kw.stdout(["run", "--", "sh", "-c", "echo ${A:+a}${B:+b}${DEAD:+d}"]);
    assert_eq!(out, "ab\n");
    let marker = kw.path("started");
    kw.cmd([
        "run",
        "--only",
        "A,DEAD",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ])
    .assert()
    .code(4)
    .stderr(contains("revoked"));
    assert!(!marker.exists(), "the command started");
    kw.cmd(["run", "--only", "NOPE", "--", "true"])
        .assert()
        .code(3)
        .stderr(contains("no key `NOPE` in environment `dev`"));
    kw.cmd(["run", "--only", "1bad", "--", "true"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value '1bad' for '--only <A,B>': invalid key name `1bad`",
        ));
}

#[test]
fn vault_key_overrides_inherited_variable_and_pristine_drops_the_rest() {
    let kw = Sandbox::with_vault();
    kw.set("HOMEISH", "from-vault");
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "echo $HOMEISH $INHERITED",
        ])
        .env("HOMEISH", "inherited")
        .env("INHERITED", "yes")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "from-vault yes\n");
    let out = kw
        .cmd(["run", "--no-redact", "--pristine", "--", "/usr/bin/env"])
        .env("INHERITED", "yes")
        .output()
        .unwrap();
    let env = String::from_utf8(out.stdout).unwrap();
    assert!(env.contains("HOMEISH=from-vault"));
    assert!(env.contains("PATH="));
    assert!(!env.contains("INHERITED"));
    assert!(!env.contains("KEYWARD_IDENTITY"));
}

/// Start `keyward run FLAGS` on a shell that writes its pid to `child.pid` and, on
/// SIGTERM, writes `got-term` and exits 42. Returns keyward and the shell's pid.
fn run_trapping_child(kw: &Sandbox, flags: &[&str]) -> (std::process::Child, i32) {
    let marker = kw.path("got-term");
    let pidfile = kw.path("child.pid");
    // the pid file appears whole (mv), after the trap is set
    let script = format!(
        "trap 'echo term > \"{marker}\"; exit 42' TERM; echo $$ > '{pid}.tmp'; mv '{pid}.tmp' '{pid}'; while :; do sleep 0.05; done",
        marker = marker.display(),
        pid = pidfile.display()
    );
    let mut args = vec!["run"];
    args.extend_from_slice(flags);
    args.extend(["--", "sh", "-c", &script]);
    let mut c: Command = kw.std_cmd(args);
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::panic::catch_unwind(|| wait_for("the child to start", || pidfile.exists()));
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        std::panic::resume_unwind(e);
    }
    let child_pid: i32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (child, child_pid)
}

#[test]
fn sigterm_reaches_the_child_and_its_code_comes_back() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let (mut keyward, _) = run_trapping_child(&kw, &[]);
    // SAFETY: signalling a process we started.
    unsafe {
        libc::kill(keyward.id() as i32, libc::SIGTERM);
    }
    let status = keyward.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "the child's code, not keyward's own"
    );
    assert_eq!(
        fs::read_to_string(kw.path("got-term")).unwrap().trim(),
        "term"
    );
}

#[test]
fn sigkill_of_keyward_leaves_no_orphan_with_or_without_redaction() {
    // SIGKILL cannot be forwarded: the child learns of keyward's death only through
    // PR_SET_PDEATHSIG, and must get SIGTERM instead of running on, orphaned — whether
    // keyward reads its output (redaction) or the child writes to keyward's own stdout.
    for flags in [&[][..], &["--no-redact"]] {
        let kw = Sandbox::with_vault();
        kw.generate("K");
        let (mut keyward, child_pid) = run_trapping_child(&kw, flags);
        keyward.kill().unwrap(); // SIGKILL: no handler of keyward's runs
        keyward.wait().unwrap();
        let marker = kw.path("got-term");
        let got_term = std::panic::catch_unwind(|| {
            wait_for("the orphaned child to get SIGTERM", || {
                marker.exists() && process_gone(child_pid)
            })
        });
        if got_term.is_err() {
            // SAFETY: ending the loop this test started, so it does not outlive the test.
            unsafe {
                libc::kill(child_pid, libc::SIGKILL);
            }
            panic!("{flags:?}: child {child_pid} kept running after keyward was killed");
        }
        assert_eq!(
            fs::read_to_string(&marker).unwrap().trim(),
            "term",
            "{flags:?}"
        );
    }
}

#[test]
fn run_records_access_events_and_keeps_values_out_of_argv_and_files() {
    let kw = Sandbox::with_vault();
    let v = kw.generate("K");
    // Redaction off, so a value in keyward's argv (or the child's) would show as is;
    // the `value` line proves that it would.
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--",
            "sh",
            "-c",
            "printf 'parent-exe %s\\n' \"$(readlink /proc/$PPID/exe)\"; \
             printf 'keyward-argv '; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; \
             printf 'child-argv '; tr '\\0' ' ' < /proc/$$/cmdline; echo; \
             printf 'value %s\\n' \"$K\"; \
             grep -i 'core file' /proc/$PPID/limits",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |tag: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap_or_else(|| panic!("no `{tag}` line in {stdout}"))
            .to_owned()
    };
    // $PPID is keyward itself, which holds the value while the child runs
    assert!(
        line("parent-exe ").ends_with("/keyward"),
        "{}",
        line("parent-exe ")
    );
    let keyward_argv = line("keyward-argv ");
    assert!(
        keyward_argv.contains(" run --no-redact -- sh -c "),
        "{keyward_argv}"
    );
    assert!(!keyward_argv.contains(&v), "value in keyward's argv");
    let child_argv = line("child-argv ");
    assert!(child_argv.starts_with("sh -c "), "{child_argv}");
    assert!(!child_argv.contains(&v), "value in the child's argv");
    assert_eq!(
        line("value "),
        v,
        "the check above could not have seen a value"
    );
    // the keyward process holding the value has core dumps off
    assert!(
        stdout
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(5)
            .any(|w| w == ["core", "file", "size", "0", "0"]),
        "{stdout}"
    );
    kw.assert_nowhere_in_files(&v);
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "run"])).unwrap();
    assert_eq!(ev[0]["key"], "K");
    assert_eq!(ev[0]["version"], 1);
}

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

fn env_lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn run_keeps_keyward_credentials_from_the_child_unless_passed_through() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let id = kw.identity.clone().unwrap();
    let out = kw
        .cmd(["run", "--no-redact", "--", "env"])
        .env("KEYWARD_PASSPHRASE", "a-passphrase-here")
        .env("KEYWARD_PASSPHRASE_FILE", kw.path("pw.txt"))
        .env("KEYWARD_FUTURE_SECRET", "x")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = env_lines(&out.stdout);
    for gone in [
        "KEYWARD_IDENTITY=",
        "KEYWARD_PASSPHRASE=",
        "KEYWARD_PASSPHRASE_FILE=",
        "KEYWARD_FUTURE_SECRET=",
    ] {
        assert!(
            !lines.iter().any(|l| l.starts_with(gone)),
            "{gone} reached the child"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| *l == format!("KEYWARD_VAULT={}", kw.vault().display()))
    );
    assert!(lines.iter().any(|l| l.starts_with("K=")));

    let out = kw
        .cmd(["run", "--no-redact", "--pass-keyward-env", "--", "env"])
        .env("KEYWARD_PASSPHRASE", "a-passphrase-here")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = env_lines(&out.stdout);
    assert!(
        lines
            .iter()
            .any(|l| *l == format!("KEYWARD_IDENTITY={}", id.display()))
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "KEYWARD_PASSPHRASE=a-passphrase-here")
    );
}

#[test]
fn a_child_cannot_read_keys_that_only_left_out() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let b = kw.generate("B");
    let script = format!("'{KW}' get B");
    let out = kw
        .cmd(["run", "--only", "A", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&b));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&b));
    // The inner keyward had no identity: unlock failed (5), passed through.
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn run_refuses_a_loader_variable_and_starts_nothing_unless_allowed() {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", "PATH"])
        .write_stdin("/tmp/evil-bin")
        .assert()
        .success()
        .stderr(contains("warning:").and(contains("`PATH`")));
    kw.generate("K");
    let marker = kw.path("started");
    let script = format!("echo \"$PATH\" > '{}'", marker.display());
    kw.cmd(["run", "--", "/bin/sh", "-c", &script])
        .assert()
        .code(1)
        .stderr(contains("`PATH`").and(contains("--allow-name PATH")));
    assert!(!marker.exists(), "the command ran");
    // nothing was released: no run event in the journal
    let ev: serde_json::Value =
        serde_json::from_str(&kw.stdout(["audit", "--json", "--action", "run"])).unwrap();
    assert_eq!(ev.as_array().unwrap().len(), 0, "{ev}");
    // --only without it is fine; --allow-name lets it through
    kw.cmd(["run", "--only", "K", "--", "/bin/sh", "-c", "true"])
        .assert()
        .success();
    kw.cmd([
        "run",
        "--allow-name",
        "PATH",
        "--",
        "/bin/sh",
        "-c",
        &script,
    ])
    .assert()
    .success();
    assert_eq!(fs::read_to_string(&marker).unwrap(), "/tmp/evil-bin\n");
}

/// The prompts an interactive shell expands run command substitutions: a `PS0` from the
/// vault, exported with `eval "$(keyward export --format shell)"` or passed to
/// `keyward run -- bash`, runs before every command typed (a hostile review's repro).
/// Refused like the loaders, with zsh's prompts, editors other tools start, Go's
/// toolchain source and GitHub Actions' switch for its old workflow commands.
#[test]
fn run_and_export_refuse_prompts_editors_and_toolchain_sources() {
    let kw = Sandbox::with_vault();
    let marker = kw.path("ps0-ran");
    let value = format!("$(touch '{}')", marker.display());
    kw.cmd(["set", "PS0"])
        .write_stdin(value.as_str())
        .assert()
        .success();
    kw.cmd(["run", "--", "bash", "--norc", "-i"])
        .write_stdin("true\n")
        .assert()
        .code(1)
        .stderr(contains("refusing to inject `PS0`"));
    kw.cmd(["export", "--format", "shell"])
        .assert()
        .code(1)
        .stderr(contains("refusing to export `PS0`"));
    assert!(!marker.exists(), "bash ran the vault's PS0");
    // The premise: allowed, bash does run it.
    kw.cmd(["run", "--allow-name", "PS0", "--", "bash", "--norc", "-i"])
        .write_stdin("true\n")
        .assert()
        .success();
    assert!(marker.exists(), "the test's bash did not expand PS0");
    for name in [
        "PS2",
        "PROMPT",
        "prompt",
        "SPROMPT",
        "FPATH",
        "RPROMPT",
        "PIP_INDEX_URL",
        "RUSTUP_TOOLCHAIN",
        "SUDO_EDITOR",
        "KUBE_EDITOR",
        "GH_PAGER",
        "GOTOOLCHAIN",
        "GOPROXY",
        "ACTIONS_ALLOW_UNSECURE_COMMANDS",
    ] {
        refused_by_run_and_export(name);
    }
}

/// A vault whose one key is `name`: `run` and `export` refuse it, naming it.
fn refused_by_run_and_export(name: &str) {
    let kw = Sandbox::with_vault();
    kw.cmd(["set", name])
        .write_stdin("/tmp/elsewhere")
        .assert()
        .success();
    kw.cmd(["run", "--", "true"])
        .assert()
        .code(1)
        .stderr(contains(format!("refusing to inject `{name}`")));
    kw.cmd(["export", "--format", "dotenv"])
        .assert()
        .code(1)
        .stderr(contains(format!("refusing to export `{name}`")));
}

/// Variables that make the child run other code are refused like the loaders: a vault
/// someone else can write (a cloned repository's) setting git's configuration through
/// `GIT_CONFIG_*` runs its `core.fsmonitor` in the next `run -- git status`; one setting
/// `KEYWARD_VAULT` sends a nested keyward's writes to another vault; `HOME` and the XDG
/// directories move every tool's configuration.
#[test]
fn run_refuses_variables_that_make_the_child_run_other_code() {
    let kw = Sandbox::with_vault();
    let marker = kw.path("fsmonitor-ran");
    let hook = format!("touch '{}'", marker.display());
    for (name, value) in [
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", "core.fsmonitor"),
        ("GIT_CONFIG_VALUE_0", hook.as_str()),
    ] {
        kw.cmd(["set", name])
            .write_stdin(value)
            .assert()
            .success()
            .stderr(contains("warning:").and(contains(format!("`{name}`"))));
    }
    let repo = kw.path("repo");
    fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("HOME", kw.path(""))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    fs::write(repo.join("f"), "x").unwrap();
    git(&["add", "f"]);
    let run_git_status = || {
        kw.cmd(["run", "--", "git", "status", "--short"])
            .current_dir(&repo)
            .output()
            .unwrap()
    };
    let out = run_git_status();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`GIT_CONFIG_COUNT`") && err.contains("--allow-name GIT_CONFIG_COUNT"),
        "{err}"
    );
    assert!(!marker.exists(), "git ran the vault's fsmonitor command");
    // The feature's premise: allowed, the same keys do run it.
    kw.cmd([
        "run",
        "--allow-name",
        "GIT_CONFIG_COUNT",
        "--allow-name",
        "GIT_CONFIG_KEY_0",
        "--allow-name",
        "GIT_CONFIG_VALUE_0",
        "--",
        "git",
        "status",
        "--short",
    ])
    .current_dir(&repo)
    .assert()
    .success();
    assert!(
        marker.exists(),
        "the test's git did not use the injected config"
    );
    // Others of the kind, each refused by name, for `run` and `export` alike.
    for name in [
        "KEYWARD_VAULT",
        "HOME",
        "XDG_CONFIG_HOME",
        "GIT_SSH_COMMAND",
        "PAGER",
        "MAKEFLAGS",
        "CFLAGS",
        "npm_config_script_shell",
    ] {
        refused_by_run_and_export(name);
    }
}

#[test]
fn run_names_the_keys_it_leaves_out_and_strict_refuses_before_the_child_starts() {
    let mut kw = Sandbox::with_vault_at(T0);
    kw.generate("ALIVE");
    kw.generate("BURNT");
    kw.cmd(["generate", "SHORT", "--expires", "1h"])
        .assert()
        .success();
    kw.cmd(["revoke", "BURNT", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.at(T0 + 2 * HOUR);
    let left =
        "left out of the command's environment (not in service): BURNT (revoked), SHORT (expired)";
    kw.cmd(["run", "--", "true"])
        .assert()
        .success()
        .stderr(contains(left));
    let started = kw.path("started");
    let touch = format!("touch {}", started.display());
    let runs_before = kw
        .json(["audit", "--json", "--action", "run"])
        .as_array()
        .unwrap()
        .len();
    kw.cmd(["run", "--strict", "--", "sh", "-c", &touch])
        .assert()
        .code(4)
        .stderr(contains("run --strict"))
        .stderr(contains(
            "BURNT (revoked), SHORT (expired); nothing started",
        ));
    assert!(!started.exists(), "the child never started");
    kw.cmd(["run", "--", "sh", "-c", &touch])
        .env("KEYWARD_RUN_STRICT", "1")
        .assert()
        .code(4);
    assert!(!started.exists());
    // Nothing was handed out: no `run` event for the refused ones.
    let runs = kw.json(["audit", "--json", "--action", "run"]);
    assert_eq!(runs.as_array().unwrap().len(), runs_before, "{runs}");
    kw.cmd(["run", "--", "true"])
        .env("KEYWARD_RUN_STRICT", "yes")
        .assert()
        .code(2)
        .stderr(contains("KEYWARD_RUN_STRICT must be 1 or 0"));
    kw.cmd(["run", "--", "true"])
        .env("KEYWARD_RUN_STRICT", "0")
        .assert()
        .success();
    // Keys named by --only are all there: nothing left out to refuse.
    kw.cmd([
        "run", "--strict", "--only", "ALIVE", "--", "sh", "-c", &touch,
    ])
    .assert()
    .success()
    .stderr(contains("left out").not());
    assert!(started.exists());
    // An environment with every key in service says nothing.
    kw.cmd(["-e", "test", "generate", "FINE"])
        .assert()
        .success();
    kw.cmd(["-e", "test", "run", "--strict", "--", "true"])
        .assert()
        .success()
        .stderr(contains("left out").not());
}

#[test]
fn redacted_values_are_named_once_when_a_person_watches_stderr() {
    let kw = Sandbox::with_vault();
    kw.set("STRIPE_KEY", "sk-live-value-0123456789");
    kw.set("OTHER_KEY", "other-value-0123456789");
    let mut c = kw.std_cmd(["run", "--redact", "--", "sh", "-c", "echo \"$STRIPE_KEY\""]);
    c.current_dir(kw.dir.path());
    let t = crate::support::pty::run_on_terminal(c, &[]);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert!(t.shown.contains("[redacted:STRIPE_KEY]"), "{}", t.shown);
    assert!(!t.shown.contains("sk-live-value"), "{}", t.shown);
    assert!(
        t.shown
            .contains("redacted STRIPE_KEY in stdout; --no-redact keeps values"),
        "{}",
        t.shown
    );
    assert!(!t.shown.contains("redacted OTHER_KEY"), "{}", t.shown);
    // Into a log (stderr not a terminal): the log shows the markers, no note.
    kw.cmd(["run", "--", "sh", "-c", "echo \"$STRIPE_KEY\" >&2"])
        .assert()
        .success()
        .stderr(contains("[redacted:STRIPE_KEY]"))
        .stderr(contains("--no-redact keeps values").not());
}

/// An env file setting more than 100,000 variables is refused (exit 2) before the
/// child's environment is built: 10,000,000 lines took 2.7 GB and aborted, for an
/// environment `exec` could never have passed. Nothing is started.
#[test]
fn run_refuses_an_env_file_of_more_variables_than_it_sets() {
    let kw = Sandbox::with_vault();
    let lines: String = (0..100_001).map(|i| format!("V{i}=x\n")).collect();
    fs::write(kw.path("many.env"), lines).unwrap();
    let marker = kw.path("started");
    kw.cmd(["run", "--env-file"])
        .arg(kw.path("many.env"))
        .args(["--", "touch"])
        .arg(&marker)
        .assert()
        .code(2)
        .stderr(contains(
            "many.env` sets more than 100000 variables, more than a program's environment holds; nothing was started",
        ));
    assert!(!marker.exists());
}
