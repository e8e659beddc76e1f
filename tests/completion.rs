//! Shell completion of names: the committed bash completion, sourced in a real bash,
//! offers key names, environments and recipients from the vault when the identity opens
//! without a prompt, and quietly nothing otherwise — never a prompt, never an error,
//! never a value, never a journal entry.

use predicates::str::contains;
use std::path::Path;

use crate::support::pty::run_on_terminal;
use crate::support::{KW, Sandbox, cheap_protected_vault};

const PASS: &str = "completion passphrase";

/// `bash -c` that sources the committed completion, completes `words` (the last one is
/// the word being typed) and prints the candidates, one per line.
fn complete(kw: &Sandbox, words: &[&str]) -> Vec<String> {
    let out = completion_shell(kw, words).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "completion prints nothing on stderr"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty()) // `printf` of no candidates prints one empty line
        .map(str::to_owned)
        .collect()
}

fn completion_script(words: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/keyward.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _keyward; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    )
}

fn completion_shell(kw: &Sandbox, words: &[&str]) -> std::process::Command {
    let mut c = kw.shell(&completion_script(words));
    c.env("PATH", path_with_keyward())
        .stdin(std::process::Stdio::null());
    c
}

/// `PATH` with the keyward under test first: the script runs `keyward` by name.
fn path_with_keyward() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_keyward")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|c| c == want)
}

#[test]
fn bash_completes_key_names_in_the_environment_given() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("API_TOKEN");
    kw.cmd(["generate", "-e", "prod", "PROD_ONLY"])
        .assert()
        .success();

    let offered = complete(&kw, &["keyward", "get", ""]);
    assert_eq!(offered, ["API_TOKEN"], "dev's keys only");
    assert_eq!(complete(&kw, &["keyward", "get", "AP"]), ["API_TOKEN"]);
    assert!(complete(&kw, &["keyward", "get", "X"]).is_empty());
    for cmd in ["show", "rotate", "revoke", "rename", "delete"] {
        assert_eq!(complete(&kw, &["keyward", cmd, ""]), ["API_TOKEN"], "{cmd}");
    }
    // -e before or after the subcommand, and KEYWARD_ENV, pick the environment
    assert_eq!(
        complete(&kw, &["keyward", "-e", "prod", "get", ""]),
        ["PROD_ONLY"]
    );
    assert_eq!(
        complete(&kw, &["keyward", "get", "--env", "prod", ""]),
        ["PROD_ONLY"]
    );
    let mut in_prod = kw.shell(&completion_script(&["keyward", "get", ""]));
    in_prod
        .env("PATH", path_with_keyward())
        .env("KEYWARD_ENV", "prod");
    let out = in_prod.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PROD_ONLY\n");
    // the name is the first positional only: `rename OLD <TAB>` is a new name
    assert!(!has(
        &complete(&kw, &["keyward", "rename", "API_TOKEN", ""]),
        "API_TOKEN"
    ));
    // an option's value is not a key name
    assert!(!has(
        &complete(&kw, &["keyward", "get", "--version", ""]),
        "API_TOKEN"
    ));
    // the value itself is never printed
    for words in [&["keyward", "get", ""][..], &["keyward", "show", "A"][..]] {
        let out = completion_shell(&kw, words).output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&value));
    }
}

#[test]
fn bash_completes_environments_and_recipients_and_still_flags_and_subcommands() {
    let kw = Sandbox::with_vault();
    let envs = complete(&kw, &["keyward", "get", "-e", ""]);
    assert_eq!(envs, ["dev", "prod", "test"]);
    assert_eq!(complete(&kw, &["keyward", "-e", "p"]), ["prod"]);
    assert_eq!(complete(&kw, &["keyward", "list", "--env", "t"]), ["test"]);

    let me = kw.my_recipient();
    assert_eq!(
        complete(&kw, &["keyward", "access", "revoke", ""]),
        std::slice::from_ref(&me)
    );
    assert_eq!(
        complete(&kw, &["keyward", "access", "revoke", "-e", "prod", ""]),
        [me]
    );
    // the static part is still there: subcommands, flags, and no hidden ones
    let subs = complete(&kw, &["keyward", ""]);
    assert!(has(&subs, "get") && has(&subs, "access"), "{subs:?}");
    assert!(!subs.iter().any(|s| s.starts_with("__")), "{subs:?}");
    assert!(has(&complete(&kw, &["keyward", "get", "--v"]), "--version"));
    assert!(has(&complete(&kw, &["keyward", "access", ""]), "revoke"));
}

#[test]
fn listing_candidates_journals_nothing_and_prints_no_value() {
    let kw = Sandbox::with_vault();
    let value = kw.generate("API_TOKEN");
    let before = kw.stdout(["audit", "--json"]);
    for what in ["keys", "envs", "recipients"] {
        let out = kw.cmd(["completions", "--list", what]).output().unwrap();
        assert!(out.status.success());
        assert!(out.stderr.is_empty(), "{what}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&value));
    }
    assert_eq!(kw.stdout(["completions", "--list", "keys"]), "API_TOKEN\n");
    assert_eq!(kw.stdout(["audit", "--json"]), before, "no event recorded");
}

#[test]
fn listing_candidates_is_quiet_when_there_is_nothing_to_offer() {
    // no vault, an environment that does not exist, an identity that cannot open it
    let empty = Sandbox::new();
    for what in ["keys", "envs", "recipients"] {
        empty
            .cmd(["completions", "--list", what])
            .assert()
            .success()
            .stdout("")
            .stderr("");
    }
    let kw = Sandbox::with_vault();
    kw.generate("API_TOKEN");
    kw.cmd(["completions", "--list", "keys", "-e", "staging"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let stranger = kw.write_identity("stranger.key");
    kw.cmd(["completions", "--list", "keys"])
        .env("KEYWARD_IDENTITY", &stranger)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    // a literal identity (what CI holds) is usable without a prompt
    kw.cmd(["completions", "--list", "keys"])
        .env("KEYWARD_IDENTITY", kw.literal_identity())
        .assert()
        .success()
        .stdout("API_TOKEN\n");
}

#[test]
fn completions_list_is_a_usage_error_when_misused() {
    let kw = Sandbox::with_vault();
    kw.cmd(["completions", "--list", "values"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'values' for '--list <LIST>'"));
    kw.cmd(["completions", "bash", "--list", "keys"])
        .assert()
        .code(2)
        .stderr(contains(
            "the argument '[SHELL]' cannot be used with '--list <LIST>'",
        ));
    kw.cmd(["completions"]).assert().code(2).stderr(contains(
        "the following required arguments were not provided:\n  <SHELL>",
    ));
    // and the scripts are still printed, with their dynamic part
    let bash = kw.stdout(["completions", "bash"]);
    assert!(bash.contains("completions --list"), "dynamic part");
    let help = kw.stdout(["completions", "--help"]);
    assert!(!help.contains("--list"), "hidden: {help}");
}

/// A passphrase-protected vault (cheap scrypt) with one key.
fn protected_vault() -> Sandbox {
    let kw = cheap_protected_vault(PASS);
    kw.cmd(["generate", "API_TOKEN"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    kw
}

#[test]
fn a_passphrase_identity_without_an_agent_offers_nothing_and_asks_nothing() {
    let kw = protected_vault();
    let locked = "keyward: names are not offered while the identity is locked";
    // on a terminal, where a prompt would wait for an answer: a prompt kills the run
    let script = completion_script(&["keyward", "get", ""]);
    // the script (which gives keyward no terminal stdin), and keyward itself with the
    // terminal as its stdin, so the refusal to prompt is keyward's own
    let runs: [(&[&str], i32, &str); 2] = [
        (&["bash", "-c", &script], 0, locked),
        // exit 5 and not a word: the script says why
        (&[KW, "completions", "--list", "keys"], 5, ""),
    ];
    for (argv, code, said) in runs {
        let mut c = kw.program(argv[0]);
        c.args(&argv[1..])
            .env("PATH", path_with_keyward())
            .env_remove("KEYWARD_PASSPHRASE")
            .env_remove("KEYWARD_PASSPHRASE_FILE")
            .current_dir(kw.dir.path());
        let t = run_on_terminal(c, &[("assphrase", &[])]);
        assert_eq!(
            t.code, code,
            "asked or hung: {argv:?} {:?} {}",
            t.killed, t.shown
        );
        assert!(
            t.shown.trim().starts_with(said) && !t.shown.contains("API_TOKEN"),
            "nothing offered: {argv:?}: {}",
            t.shown
        );
    }
    // even with a passphrase in the environment (an scrypt unlock per TAB is too slow)
    kw.cmd(["completions", "--list", "keys"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .code(5)
        .stdout("")
        .stderr("");
    // environments are file names: offered all the same
    assert_eq!(
        complete(&kw, &["keyward", "-e", ""]),
        ["dev", "prod", "test"]
    );
}

#[test]
fn a_locked_identity_gets_no_file_names_and_one_note_per_shell() {
    let kw = protected_vault();
    std::fs::write(kw.path("some-file.txt"), "x").unwrap();
    // `compopt` (a builtin only inside real completion) recorded; two TABs in one shell.
    let once = completion_script(&["keyward", "get", ""]);
    let script = format!(
        "compopt() {{ local IFS=' '; echo \"compopt $*\"; }}; {once}; {}",
        once.split_once("; ").unwrap().1
    );
    let out = kw
        .shell(&script)
        .env("PATH", path_with_keyward())
        .env_remove("KEYWARD_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("compopt +o default +o bashdefault"),
        "{stdout}"
    );
    assert!(!stdout.contains("some-file.txt"), "{stdout}");
    assert_eq!(
        stderr
            .matches("names are not offered while the identity is locked")
            .count(),
        1,
        "said once: {stderr}"
    );
    // Not locked, just nothing there: no note.
    let open = Sandbox::with_vault();
    let out = completion_shell(&open, &["keyward", "get", ""])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_running_agent_makes_key_names_complete() {
    let kw = protected_vault();
    kw.cmd(["unlock", "--for", "10m"])
        .env("KEYWARD_PASSPHRASE", PASS)
        .assert()
        .success();
    let offered = complete(&kw, &["keyward", "get", ""]);
    let _ = kw.cmd(["lock"]).output();
    assert_eq!(offered, ["API_TOKEN"]);
}
