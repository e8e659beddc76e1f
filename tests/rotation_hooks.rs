//! Rotation hooks (DESIGN §11): `set --rotate-with`, `hook set|clear|allow|list`, and
//! `rotate`, `rotate --all` and `offboard` running them, with consent per machine.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{HOUR, MINUTE, Sandbox, T0, get};

const OLD: &str = "old-provider-key-0001";
/// What a hook prints on stdout when it fails: never shown by keyward.
const MARKER: &str = "hook-stdout-never-shown";

/// Write an executable hook script `name` into the sandbox and return its path.
fn script(kw: &Sandbox, name: &str, body: &str) -> String {
    let path = kw.path(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o700)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A hook that checks it got the current value on stdin (`$HOOK_EXPECT`), records what
/// it saw of its environment, and prints `new` (with a newline, as `echo` does). The
/// script's text holds `new` cut in two, so a search of the files for `new` only finds
/// a copy keyward made.
fn rolling_hook(kw: &Sandbox, file: &str, new: &str) -> String {
    let (a, b) = new.split_at(new.len() / 2);
    let seen = kw.path(&format!("{file}.seen"));
    script(
        kw,
        file,
        &format!(
            "old=$(cat)\n[ \"$old\" = \"$HOOK_EXPECT\" ] || {{ echo 'wrong stdin' >&2; exit 9; }}\necho \"key=$KEYWARD_KEY env=$KEYWARD_ENV identity=${{KEYWARD_IDENTITY:-none}}\" > '{}'\necho \"provider rolled $old\" >&2\necho '{a}''{b}'",
            seen.display()
        ),
    )
}

fn hash_of(kw: &Sandbox, name: &str) -> String {
    let list = kw.json(["hook", "list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A vault with Bob as a second admin (hooks are an admin's to set: DESIGN §15), who
/// changes hooks from his own machine; his identity file.
fn with_second_admin() -> (Sandbox, PathBuf) {
    let kw = Sandbox::with_vault();
    let bob_key = kw.write_identity("bob.key");
    let bob = kw.recipient_of(&bob_key);
    kw.cmd(["access", "grant", &bob, "--role", "admin"])
        .assert()
        .success();
    (kw, bob_key)
}

fn approvals_file(kw: &Sandbox) -> PathBuf {
    let pins = kw.path("state/keyward/pins");
    let id = fs::read_dir(&pins).unwrap().next().unwrap().unwrap().path();
    id.join("dev.hooks.json")
}

#[test]
fn a_hook_rotates_an_imported_key_and_the_old_value_verifies_only_during_the_grace() {
    let mut kw = Sandbox::with_vault_at(T0);
    let hook = rolling_hook(&kw, "roll.sh", "rolled-value-0002");
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .write_stdin(OLD)
        .assert()
        .success();
    kw.set_env("HOOK_EXPECT", OLD);
    let out = kw.cmd(["rotate", "API", "--grace", "1h"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The new value is stored, not printed; the hook's stderr is shown, redacted.
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("provider rolled [redacted:API]"),
        "{stderr}"
    );
    assert!(!stderr.contains(OLD));
    assert_eq!(get(&kw, "dev", "API"), "rolled-value-0002");
    // KEYWARD_KEY and KEYWARD_ENV given; keyward's own identity not.
    assert_eq!(
        fs::read_to_string(kw.path("roll.sh.seen")).unwrap().trim(),
        "key=API env=dev identity=none"
    );
    // The old version passes `verify` during the grace, and not after.
    kw.at(T0 + 30 * MINUTE);
    kw.cmd(["verify"]).write_stdin(OLD).assert().code(0);
    kw.at(T0 + 2 * HOUR);
    kw.cmd(["verify"])
        .write_stdin(OLD)
        .assert()
        .code(4)
        .stderr(contains("rejected: `API` version 1 in `dev` is retired"));
    kw.cmd(["verify"])
        .write_stdin("rolled-value-0002")
        .assert()
        .code(0);
    // The old value handed to the hook is an access event, with why.
    let audit = kw.json(["audit", "--key", "API", "--json"]);
    let events = audit.as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "run" && e["version"] == 1 && e["reason"] == "rotation hook"),
        "{audit}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "rotate" && e["version"] == 2)
    );
    assert!(events.iter().any(|e| e["action"] == "hook"));
    kw.assert_nowhere_in_files("rolled-value-0002");
}

#[test]
fn failing_hanging_and_empty_hooks_change_nothing_exit_8_and_never_show_their_output() {
    let mut kw = Sandbox::with_vault();
    kw.set("API", OLD);
    // Each hook's output goes to stdout only, where keyward never shows it.
    let cases = [
        (
            "fails.sh",
            format!("echo {MARKER}; exit 3"),
            "exited with status 3",
        ),
        (
            "hangs.sh",
            format!("echo {MARKER}; sleep 30; echo late"),
            "did not finish within 1s",
        ),
        ("empty.sh", "cat > /dev/null".to_owned(), "printed nothing"),
        ("nul.sh", "printf 'a\\000b'".to_owned(), "NUL byte"),
        (
            "old.sh",
            "cat".to_owned(),
            "printed the value of version 1 again",
        ),
    ];
    kw.set_env("KEYWARD_HOOK_TIMEOUT", "1");
    for (file, body, why) in &cases {
        let hook = script(&kw, file, body);
        kw.cmd(["hook", "set", "API", "--", &hook])
            .assert()
            .success();
        for args in [&["rotate", "API"][..], &["rotate", "--all", "--yes"][..]] {
            let out = kw.cmd(args).output().unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert_eq!(out.status.code(), Some(8), "{file} {args:?}: {stderr}");
            assert!(stderr.contains(why), "{file} {args:?}: {stderr}");
            assert!(
                !stdout.contains(MARKER) && !stderr.contains(MARKER),
                "{file}"
            );
            assert!(!stdout.contains(OLD) && !stderr.contains(OLD), "{file}");
            if args[1] == "--all" {
                assert!(stdout.contains("needs-new-value"), "{stdout}");
            }
        }
        assert_eq!(get(&kw, "dev", "API"), OLD, "{file}: the key is as it was");
    }
    let out = kw
        .cmd(["rotate", "--all", "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let batch: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &batch[0];
    assert_eq!(row["result"], "needs-new-value");
    assert!(row["new_version"].is_null());
    assert!(
        row["hook"]
            .as_str()
            .unwrap()
            .contains("printed the value of version 1")
    );
}

#[test]
fn a_hook_changed_by_another_identity_does_not_run_until_approved_here() {
    let (kw, bob_key) = with_second_admin();
    let mine = rolling_hook(&kw, "mine.sh", "from-my-hook-0003");
    kw.cmd(["set", "API", "--rotate-with", &mine])
        .write_stdin(OLD)
        .assert()
        .success();
    // Each run prints a new value: from-their-hook-0001, -0002, …
    let theirs = script(
        &kw,
        "theirs.sh",
        &format!(
            "cat > /dev/null; touch '{ran}'; n=$(cat '{count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{count}'; echo from-their-hook-000$n",
            ran = kw.path("theirs-ran").display(),
            count = kw.path("theirs-count").display()
        ),
    );
    // Bob, on his own machine (his own state dir), changes the hook.
    let bob_state = kw.path("bob-state");
    kw.cmd(["hook", "set", "API", "--", &theirs])
        .env("KEYWARD_IDENTITY", &bob_key)
        .env("XDG_STATE_HOME", &bob_state)
        .assert()
        .success();

    kw.cmd(["rotate", "API"])
        .assert()
        .code(8)
        .stderr(contains("not approved on this machine"))
        .stderr(contains("keyward hook allow API -e dev"));
    let batch = kw
        .cmd(["rotate", "--all", "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(batch.status.code(), Some(8));
    let batch: serde_json::Value = serde_json::from_slice(&batch.stdout).unwrap();
    assert_eq!(batch[0]["result"], "hook-not-approved");
    let list = kw.json(["hook", "list", "--json"]);
    assert_eq!(list[0]["approved"], false);
    let show = kw.json(["show", "API", "--json"]);
    assert_eq!(show["rotation_hook"]["approved"], false);
    assert_eq!(show["rotation_hook"]["hash"], list[0]["hash"]);
    kw.cmd(["show", "API"]).assert().success().stdout(contains(
        "not approved on this machine: `keyward hook allow -e dev API`",
    ));
    assert!(list[0]["command"].as_str().unwrap().ends_with("theirs.sh"));
    // A wrong hash for --allow-hook is refused, and nothing runs.
    let right = hash_of(&kw, "API");
    let wrong = format!("API={}", "0".repeat(64));
    kw.cmd(["rotate", "API", "--allow-hook", &wrong])
        .assert()
        .code(1)
        .stderr(contains(right.as_str()));
    kw.cmd(["rotate", "--all", "--yes", "--allow-hook", &wrong])
        .assert()
        .code(1)
        .stderr(contains(right.as_str()).and(contains("nothing was run or changed")));
    assert!(
        !kw.path("theirs-ran").exists(),
        "an unapproved hook never runs"
    );
    assert_eq!(get(&kw, "dev", "API"), OLD);
    // Approving needs a person: no terminal and no --yes is exit 2.
    kw.cmd(["hook", "allow", "API"])
        .assert()
        .code(2)
        .stderr(contains(
            "needs confirmation and there is no terminal to ask on",
        ));
    assert!(!kw.path("theirs-ran").exists());
    // The right hash runs it for this command only…
    kw.cmd(["rotate", "API", "--allow-hook", &format!("API={right}")])
        .assert()
        .success();
    assert!(kw.path("theirs-ran").exists());
    assert_eq!(get(&kw, "dev", "API"), "from-their-hook-0001");
    kw.cmd(["rotate", "API"]).assert().code(8).stderr(contains(
        "the rotation hook of `API` in `dev` is not approved on this machine",
    ));
    // …and `hook allow` records it here.
    kw.cmd(["hook", "allow", "API", "--yes"])
        .assert()
        .success()
        .stderr(contains("theirs.sh"))
        .stderr(contains(right.as_str()));
    kw.cmd(["rotate", "API"]).assert().success();
    assert_eq!(get(&kw, "dev", "API"), "from-their-hook-0002");
}

#[test]
fn a_hook_whose_timeout_another_writer_changed_does_not_run_until_approved_here() {
    // A running hook holds the writer lock for up to its timeout: the approval covers
    // the timeout as well as the command, so a writer cannot stretch an approved hook
    // to a day without a person here seeing it.
    let (kw, bob_key) = with_second_admin();
    let roll = script(&kw, "roll.sh", "cat > /dev/null; echo rolled-by-hook-0001");
    kw.cmd(["set", "API", "--rotate-with", &roll])
        .write_stdin(OLD)
        .assert()
        .success();
    let approved = hash_of(&kw, "API");
    // Bob, on his own machine, keeps the command and gives it a day.
    kw.cmd(["hook", "set", "API", "--timeout", "1d", "--", &roll])
        .env("KEYWARD_IDENTITY", &bob_key)
        .env("XDG_STATE_HOME", kw.path("bob-state"))
        .assert()
        .success();
    let list = kw.json(["hook", "list", "--json"]);
    assert_eq!(list[0]["command"], roll.as_str());
    assert_eq!(list[0]["timeout_secs"], 86400);
    assert_eq!(list[0]["approved"], false);
    let stretched = hash_of(&kw, "API");
    assert_ne!(stretched, approved);
    kw.cmd(["rotate", "API"]).assert().code(8).stderr(contains(
        "the rotation hook of `API` in `dev` is not approved on this machine",
    ));
    kw.cmd(["rotate", "API", "--allow-hook", &format!("API={approved}")])
        .assert()
        .code(1)
        .stderr(contains(stretched.as_str()));
    assert_eq!(get(&kw, "dev", "API"), OLD);
    // Approving says the timeout it approves.
    kw.cmd(["hook", "allow", "API", "--yes"])
        .assert()
        .success()
        .stderr(contains("timeout: 86400 s"))
        .stderr(contains(stretched.as_str()));
    kw.cmd(["rotate", "API"]).assert().success();
    assert_eq!(get(&kw, "dev", "API"), "rolled-by-hook-0001");
}

#[test]
fn offboarding_with_a_hook_on_every_imported_key_exits_0_with_nothing_left() {
    let kw = Sandbox::with_vault();
    let bob_key = kw.write_identity("bob.key");
    let bob = kw.recipient_of(&bob_key);
    kw.cmd(["access", "grant", &bob]).assert().success();
    let generated = kw.generate("GEN");
    let a = script(&kw, "a.sh", "cat > /dev/null; echo a-rolled-000000001");
    let b = script(&kw, "b.sh", "cat > /dev/null; echo b-rolled-000000001");
    kw.cmd([
        "import",
        "-",
        "--format",
        "dotenv",
        "--rotate-with",
        &format!("A={a}"),
    ])
    .write_stdin(format!("A={OLD}\nB=other-provider-key-01\n"))
    .assert()
    .success();
    kw.cmd(["hook", "set", "B", "--", &b]).assert().success();
    let plan = kw
        .cmd(["offboard", &bob, "--reason", "left", "--dry-run", "--json"])
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0));
    let out = kw
        .cmd(["offboard", &bob, "--reason", "left", "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let envs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dev = envs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["env"] == "dev")
        .unwrap();
    for row in dev["keys"].as_array().unwrap() {
        assert_eq!(row["result"], "rotated", "{row}");
        assert_eq!(row["new_version"], 2, "{row}");
    }
    assert_eq!(get(&kw, "dev", "A"), "a-rolled-000000001");
    assert_eq!(get(&kw, "dev", "B"), "b-rolled-000000001");
    assert_ne!(get(&kw, "dev", "GEN"), generated);
    // Bob can no longer open dev.
    kw.cmd(["list"])
        .env("KEYWARD_IDENTITY", &bob_key)
        .env("XDG_STATE_HOME", kw.path("bob-state"))
        .assert()
        .code(5)
        .stderr(contains(
            "the identity in use is not a recipient of environment `dev`",
        ));
}

#[test]
fn approvals_are_a_private_file_and_an_unsafe_or_corrupt_one_is_refused() {
    let kw = Sandbox::with_vault();
    let hook = script(&kw, "roll.sh", "cat > /dev/null; echo rolled-value-0009");
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .write_stdin(OLD)
        .assert()
        .success();
    let file = approvals_file(&kw);
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains(&hash_of(&kw, "API")), "{text}");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["rotate", "API"])
        .assert()
        .code(6)
        .stderr(contains("not a private file"));
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(&file, "{not json").unwrap();
    kw.cmd(["rotate", "API"])
        .assert()
        .code(6)
        .stderr(contains("corrupt"));
    assert_eq!(get(&kw, "dev", "API"), OLD);
}

#[test]
fn hooks_are_only_for_imported_keys_and_clear_brings_back_stdin() {
    let kw = Sandbox::with_vault();
    kw.generate("GEN");
    kw.cmd(["hook", "set", "GEN", "--", "echo x"])
        .assert()
        .code(1)
        .stderr(contains("generated key"));
    kw.cmd(["hook", "clear", "NOPE"])
        .assert()
        .code(3)
        .stderr(contains("no key `NOPE` in environment `dev`"));
    kw.set("API", OLD);
    kw.cmd(["hook", "clear", "API"])
        .assert()
        .code(3)
        .stderr(contains("no rotation hook"));
    kw.cmd(["hook", "set", "API", "--timeout", "0s", "--", "true"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration `0s`: must be greater than zero"));
    kw.cmd(["hook", "set", "API", "--timeout", "2m", "--", "exit", "1"])
        .assert()
        .success();
    let hooks = kw.json(["hook", "list", "--json"]);
    assert_eq!(hooks[0]["timeout_secs"], 120);
    assert_eq!(hooks[0]["command"], "exit 1");
    kw.cmd(["rotate", "API"])
        .write_stdin("typed-value-000001")
        .assert()
        .code(8)
        .stderr(contains(
            "the rotation hook of `API` in `dev` exited with status 1",
        ));
    // --no-hook reads stdin as before.
    kw.cmd(["rotate", "API", "--no-hook"])
        .write_stdin("typed-value-000001")
        .assert()
        .success();
    kw.cmd(["hook", "clear", "API"]).assert().success();
    kw.cmd(["rotate", "API"])
        .write_stdin("typed-value-000002")
        .assert()
        .success();
    assert_eq!(get(&kw, "dev", "API"), "typed-value-000002");
    let hooks = kw.json(["hook", "list", "--json"]);
    assert_eq!(hooks, serde_json::json!([]));
    let events = kw.json(["audit", "--action", "hook", "--json"]);
    let reasons: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].starts_with("set "));
    assert_eq!(reasons[1], "cleared");
}

#[test]
fn hook_allow_on_a_terminal_shows_the_command_and_only_yes_approves() {
    use crate::support::pty::answer_on_terminal;
    let kw = Sandbox::with_vault();
    let hook = script(&kw, "roll.sh", "cat > /dev/null; echo rolled-value-0010");
    // Set on another machine (another state dir): not approved here.
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .env("XDG_STATE_HOME", kw.path("other-machine"))
        .write_stdin(OLD)
        .assert()
        .success();
    let h = hash_of(&kw, "API");
    let no = answer_on_terminal(&kw, &["hook", "allow", "API"], "n");
    assert_eq!(no.code, 2, "{}", no.stderr);
    assert!(no.stderr.contains("roll.sh"), "{}", no.stderr);
    assert!(no.stderr.contains(&h), "{}", no.stderr);
    kw.cmd(["rotate", "API"]).assert().code(8).stderr(contains(
        "the rotation hook of `API` in `dev` is not approved on this machine",
    ));
    let yes = answer_on_terminal(&kw, &["hook", "allow", "API"], "y");
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    kw.cmd(["rotate", "API"]).assert().success();
    assert_eq!(get(&kw, "dev", "API"), "rolled-value-0010");
}

#[test]
fn a_hook_runs_from_the_work_trees_top_or_the_directory_it_was_set_in() {
    // In a git work tree: `./scripts/roll.sh` is the repository's, wherever rotate runs.
    let kw = Sandbox::new();
    let repo = kw.path("repo");
    fs::create_dir_all(repo.join("scripts")).unwrap();
    fs::create_dir_all(repo.join("src")).unwrap();
    crate::support::git::git(&kw, &repo, &["init", "-q"]);
    let roll = repo.join("scripts/roll.sh");
    fs::write(
        &roll,
        "#!/bin/sh\ncat >/dev/null\necho \"rolled-in-$(basename \"$PWD\")-$$\"\n",
    )
    .unwrap();
    fs::set_permissions(&roll, fs::Permissions::from_mode(0o700)).unwrap();
    let id = kw.write_identity("me.key");
    let run = |dir: &std::path::Path, args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_VAULT", repo.join("vault"))
            .env("KEYWARD_IDENTITY", &id)
            .current_dir(dir);
        c
    };
    run(&repo, &["init"]).assert().success();
    run(&repo, &["set", "API"])
        .write_stdin("first-provider-value")
        .assert()
        .success();
    run(&repo, &["hook", "set", "API", "--", "./scripts/roll.sh"])
        .assert()
        .success();
    for dir in [repo.join("vault"), repo.join("src")] {
        run(&dir, &["rotate", "API"]).assert().success();
        let v =
            String::from_utf8(run(&dir, &["get", "API", "-n"]).output().unwrap().stdout).unwrap();
        assert!(v.starts_with("rolled-in-repo-"), "ran from the top: {v}");
    }

    // Outside a work tree: the directory `hook set` ran in, recorded on this machine.
    let kw = Sandbox::with_vault();
    let tools = kw.path("tools");
    fs::create_dir_all(&tools).unwrap();
    let roll = tools.join("roll.sh");
    fs::write(
        &roll,
        "#!/bin/sh\ncat >/dev/null\necho \"rolled-in-$(basename \"$PWD\")-$$\"\n",
    )
    .unwrap();
    fs::set_permissions(&roll, fs::Permissions::from_mode(0o700)).unwrap();
    kw.set("API", "first-provider-value");
    kw.cmd(["hook", "set", "API", "--", "./roll.sh"])
        .current_dir(&tools)
        .assert()
        .success();
    kw.cmd(["rotate", "API"]).assert().success();
    assert!(get(&kw, "dev", "API").starts_with("rolled-in-tools-"));
}

/// A write whose file is in place but whose pin cannot be written afterwards (here the
/// machine's pin directory is taken away while the hook runs) says the change is
/// committed — never a bare "cannot write pin" that reads as a rotation that did not
/// happen — and the next read records it.
#[test]
fn a_pin_that_cannot_be_written_after_a_commit_says_the_change_is_committed() {
    let mut kw = Sandbox::with_vault_at(T0);
    let pins = kw.path("state/keyward/pins");
    let hook = script(
        &kw,
        "sabotage.sh",
        &format!(
            "cat > /dev/null\nfor d in '{p}'/*; do rm -rf \"$d\"; touch \"$d\"; done\necho rolled-value-0009",
            p = pins.display()
        ),
    );
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .write_stdin(OLD)
        .assert()
        .success();
    kw.set_env("HOOK_EXPECT", OLD);
    kw.cmd(["rotate", "API"]).assert().code(1).stderr(contains(
        "the change to `dev` is committed, but this machine could not record it in its pins",
    ));
    for d in fs::read_dir(&pins).unwrap() {
        fs::remove_file(d.unwrap().path()).unwrap();
    }
    // The state is lost, and the journal this machine kept with it (journals live
    // beside the pins): the next read is a first use, said as such.
    kw.cmd(["get", "API"])
        .assert()
        .success()
        .stderr(contains("`dev` is new to this machine"));
    assert_eq!(get(&kw, "dev", "API"), "rolled-value-0009");
    kw.cmd(["audit", "verify"]).assert().success();
}

/// A hostile review: a hook that starts a process in another session (`setsid`, a
/// daemon) that keeps its stdout open made `rotate` wait for that process, past the
/// timeout and with the writer lock held. Now the pipes are waited for until the timeout
/// (and a moment after a kill), then left: keyward returns while that process still
/// runs, and says why the hook failed.
#[test]
fn a_process_a_hook_leaves_holding_its_output_never_holds_keyward_past_the_timeout() {
    let mut kw = Sandbox::with_vault();
    kw.set("API", OLD);
    kw.set_env("KEYWARD_HOOK_TIMEOUT", "1");
    for (i, (file, tail, why)) in [
        ("hangs.sh", "sleep 30", "did not finish within 1s"),
        (
            "ends.sh",
            "echo new-provider-key-0002",
            "left a process holding its output",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let pid_file = kw.path(&format!("{file}.pid"));
        let hook = script(
            &kw,
            file,
            &format!(
                "cat > /dev/null\nsetsid sh -c 'echo $$ > \"{}\"; exec sleep 30' &\n{tail}",
                pid_file.display()
            ),
        );
        kw.cmd(["hook", "set", "API", "--", &hook])
            .assert()
            .success();
        kw.cmd(["rotate", "API"])
            .assert()
            .code(8)
            .stderr(contains(why));
        let pid: i32 = fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY (test): signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        // SAFETY (test): the sleeper this test's hook started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        assert!(
            alive,
            "{file}: keyward waited for the process holding the pipe"
        );
        assert_eq!(get(&kw, "dev", "API"), OLD, "{file}");
        kw.cmd(["set", &format!("OTHER_{i}")])
            .env("KEYWARD_LOCK_TIMEOUT", "0")
            .write_stdin("other-value-0123456789")
            .assert()
            .success();
    }
}

/// A hostile review: a CI job cancelled (SIGTERM) or a session closed (SIGHUP) while a
/// hook was rolling a key at its provider ended keyward, and the new value the hook then
/// printed was lost while the vault kept the dead one. Now a hook once started is
/// finished and its value stored; the signal waits, and no further hook starts.
#[test]
fn a_terminating_signal_while_a_hook_runs_lets_it_finish_and_stores_its_value() {
    let kw = Sandbox::with_vault();
    kw.set("API_1", OLD);
    kw.set("API_2", "old-provider-key-0003");
    let started = kw.path("started");
    let go = kw.path("go");
    // The provider's new value, one per round.
    let issued = kw.path("issued");
    let slow = script(
        &kw,
        "slow.sh",
        &format!(
            "cat > /dev/null\ntouch '{}'\nwhile [ ! -e '{}' ]; do sleep 0.02; done\ncat '{}'",
            started.display(),
            go.display(),
            issued.display()
        ),
    );
    let quick = script(
        &kw,
        "quick.sh",
        "cat > /dev/null\necho new-provider-key-0004",
    );
    kw.cmd(["hook", "set", "API_1", "--", &slow])
        .assert()
        .success();
    kw.cmd(["hook", "set", "API_2", "--", &quick])
        .assert()
        .success();
    for (round, (args, code)) in [
        (&["rotate", "API_1"][..], 0),
        (&["rotate", "--all", "--yes"][..], 8),
    ]
    .into_iter()
    .enumerate()
    {
        let new = format!("new-provider-key-100{round}");
        fs::write(&issued, &new).unwrap();
        let _ = fs::remove_file(&started);
        let _ = fs::remove_file(&go);
        let before_2 = get(&kw, "dev", "API_2");
        let mut c = kw.std_cmd(args);
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let child = c.spawn().unwrap();
        crate::support::wait_for("the hook to start", || started.exists());
        // SAFETY (test): signals a child this test started and has not reaped.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        fs::write(&go, b"").unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert_eq!(get(&kw, "dev", "API_1"), new, "{args:?}: {stderr}");
        if args[1] == "--all" {
            // The hook of API_2 was not started once keyward was asked to stop.
            assert!(stderr.contains("was not started"), "{stderr}");
            assert_eq!(get(&kw, "dev", "API_2"), before_2);
        }
    }
}

/// A second review: any writer can give an approved hook a timeout of a day (the
/// approval covers the command), and a hook once started held SIGTERM back until it
/// ended. Asked to stop, keyward now gives the hook 5 s more, then kills it and ends.
#[test]
fn asked_to_stop_a_hook_gets_seconds_more_whatever_its_timeout() {
    let kw = Sandbox::with_vault();
    kw.set("API", OLD);
    let started = kw.path("started");
    let hook = script(
        &kw,
        "stuck.sh",
        &format!(
            "cat > /dev/null\ntouch '{}'\nexec sleep 1000",
            started.display()
        ),
    );
    kw.cmd(["hook", "set", "API", "--timeout", "1d", "--", &hook])
        .assert()
        .success();
    let mut c = kw.std_cmd(["rotate", "API"]);
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    crate::support::wait_for("the hook to start", || started.exists());
    // SAFETY (test): signals a child this test started and has not reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::support::wait_for("rotate to end", || child.try_wait().unwrap().is_some())
    }));
    if ended.is_err() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        ended.is_ok(),
        "rotate held SIGTERM back for the hook's whole timeout"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains("keyward was asked to stop"), "{stderr}");
    assert_eq!(get(&kw, "dev", "API"), OLD);
}

#[test]
fn a_hooks_stderr_never_shows_the_new_value_wherever_it_prints_it() {
    let kw = Sandbox::with_vault();
    // Short and of one line: no rule for the words of a multi-line value covers it.
    let new = "NewSecret96436706";
    let (a, b) = new.split_at(8);
    let hook = script(
        &kw,
        "roll.sh",
        &format!(
            "cat > /dev/null\nv='{a}''{b}'\necho \"provider issued $v (expires in 90d)\" >&2\nprintf '{{\"key\":\"%s\"}}' \"$v\" >&2\necho \"$v\""
        ),
    );
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .write_stdin(OLD)
        .assert()
        .success();
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(get(&kw, "dev", "API"), new);
    assert!(
        stderr.contains(
            "provider issued [redacted:API] (expires in 90d)\n{\"key\":\"[redacted:API]\"}"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(new), "{stderr}");
}

#[test]
fn a_hooks_stderr_cut_at_64_kib_never_shows_the_start_of_a_value_and_says_so() {
    let kw = Sandbox::with_vault();
    // 64 KiB less 12 bytes of chatter, then the old value: the cut falls 12 bytes in.
    let hook = script(
        &kw,
        "roll.sh",
        "old=$(cat)\nhead -c 65524 /dev/zero | tr '\\0' x >&2\nprintf '%s\\n' \"$old\" >&2\necho 'rolled-value-0002'",
    );
    kw.cmd(["set", "API", "--rotate-with", &hook])
        .write_stdin(OLD)
        .assert()
        .success();
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        &stderr[stderr.len() - 300..]
    );
    assert_eq!(get(&kw, "dev", "API"), "rolled-value-0002");
    assert!(!stderr.contains(&OLD[..12]), "{}", &stderr[65000..]);
    assert!(
        stderr.contains("xxxx\n[the hook's stderr was cut at 64 KiB]\n"),
        "{}",
        &stderr[65000..]
    );
    // A stderr within the limit is shown whole, with no such line.
    let hook = script(
        &kw,
        "short.sh",
        "old=$(cat)\nprintf 'saw %s' \"$old\" >&2\necho 'rolled-value-0003'",
    );
    kw.cmd(["hook", "set", "API", "--", &hook])
        .assert()
        .success();
    let out = kw.cmd(["rotate", "API"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("saw [redacted:API]"), "{stderr}");
    assert!(!stderr.contains("cut at 64 KiB"), "{stderr}");
}
