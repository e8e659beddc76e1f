//! Touch once per change (DESIGN §18): `keyward unlock` with a hardware identity starts
//! an agent that keeps the file keys the token opened — never the identity — so a token
//! is asked once per version of an environment file: a day of commands after one pull
//! asks once, this machine's own writes ask nothing more, an `every-command`
//! environment asks every time, and `lock`, the idle time and a key's maximum age drop
//! what was kept. Counted with the test token's log (`AGE_PLUGIN_KWTEST_LOG`: one line
//! each time it is asked to open a file, a PIN and a touch).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::pty::on_terminal;
use crate::support::team::{Member, Team};
use crate::support::token::{PIN, PROMPT, SIGNING_PASS, card, install_plugin, new_token};
use crate::support::{
    HOUR, MINUTE, Sandbox, T0, contains as bytes_contain, is_root, process_gone, wait_for,
};

/// How many times the token was asked to open a file so far.
fn asked(log: &Path) -> usize {
    fs::read_to_string(log).map_or(0, |s| s.lines().count())
}

/// Locks the token's agent on drop, so a failed test leaves no process behind.
struct Locked(std::process::Command);

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = self.0.output();
    }
}

fn locked(kw: &Sandbox, token: &Path) -> Locked {
    let mut c = kw.std_cmd(["lock"]);
    c.env("KEYWARD_IDENTITY", token);
    Locked(c)
}

/// A vault of a plain identity (an admin) with a token granted on `dev` and `prod`, keys
/// in both, the token's PIN given without asking and its asks counted. The clock at T0.
fn token_vault() -> (Sandbox, PathBuf, PathBuf) {
    let mut kw = Sandbox::with_vault_at(T0);
    install_plugin(&mut kw);
    let (token, _) = new_token(&kw, "token.txt");
    for env in ["dev", "prod"] {
        kw.cmd(["access", "grant", &card(&token), "-e", env])
            .assert()
            .success();
        kw.cmd(["set", "-e", env, "A"])
            .write_stdin(format!("a-of-{env}-0123456789"))
            .assert()
            .success();
    }
    kw.set("B", "b-of-dev-0123456789");
    let log = kw.path("token.log");
    kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    kw.set_env("AGE_PLUGIN_KWTEST_LOG", log.to_str().unwrap());
    (kw, token, log)
}

fn get(kw: &Sandbox, token: &Path, args: &[&str], value: &str) {
    let mut all = vec!["get"];
    all.extend(args);
    kw.cmd_as(token, &all)
        .assert()
        .success()
        .stdout(format!("{value}\n"));
}

/// The agent's socket in the sandbox's runtime dir, if one is there.
fn socket(kw: &Sandbox) -> Option<PathBuf> {
    fs::read_dir(kw.path("run/keyward"))
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
}

/// One raw request to the agent, its reply line.
fn raw(sock: &Path, req: &str) -> String {
    let mut s = UnixStream::connect(sock).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(&s).read_line(&mut reply).unwrap();
    reply
}

/// The pid of the agent listening on `sock`.
fn agent_pid(sock: &Path) -> Option<i32> {
    for e in fs::read_dir("/proc").ok()? {
        let e = e.ok()?;
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmdline) = fs::read(e.path().join("cmdline"))
            && bytes_contain(&cmdline, b"__agent")
            && bytes_contain(&cmdline, sock.to_string_lossy().as_bytes())
        {
            return Some(pid);
        }
    }
    None
}

/// A team: an admin (plain identity) who grants a token on `dev` and stores `A`, `B`;
/// the token's holder with a clone of their own. The team, the holder's index, the
/// token, its ask log.
fn team_with_token() -> (Team, usize, PathBuf, PathBuf) {
    let mut t = Team::new(&["admin"], &[]);
    install_plugin(&mut t.kw);
    let log = t.kw.path("token.log");
    t.kw.set_env("AGE_PLUGIN_KWTEST_PIN", PIN);
    t.kw.set_env("AGE_PLUGIN_KWTEST_LOG", log.to_str().unwrap());
    let (token, recipient) = new_token(&t.kw, "token.txt");
    t.kw(0, &["access", "grant", &card(&token), "-e", "dev"])
        .assert()
        .success();
    for (k, v) in [("A", "a-0123456789abcdef"), ("B", "b-0123456789abcdef")] {
        t.kw(0, &["set", k]).write_stdin(v).assert().success();
    }
    // A policy set by the admin travels with the environment.
    t.kw(0, &["env", "touch", "once-per-change", "--max-age", "1d"])
        .assert()
        .success();
    t.sync(0, "keys");
    let root = t.kw.dir.path().to_path_buf();
    t.members.push(Member {
        dir: root.join("tok"),
        identity: token.clone(),
        recipient,
        state: root.join("state-tok"),
    });
    let tok = t.members.len() - 1;
    t.plain_git(&root, &["clone", "-q", "origin.git", "tok"]);
    t.git(tok, &["config", "user.name", "tok"]);
    t.git(tok, &["config", "user.email", "tok@example.org"]);
    t.kw(tok, &["git", "setup"]).assert().success();
    (t, tok, token, log)
}

#[test]
fn a_day_on_one_env_after_one_pull_asks_once_and_own_writes_ask_nothing_more() {
    let (t, tok, token, log) = team_with_token();
    let _agent = locked(&t.kw, &token);
    t.kw(tok, &["unlock", "--for", "8h"])
        .assert()
        .success()
        .stderr(contains("never the key in the token"))
        .stderr(contains("holds your signing key"));
    assert_eq!(asked(&log), 0, "unlock asks the token nothing");

    // A day of commands: the token is asked once, by the first.
    let day: &[&[&str]] = &[
        &["get", "A"],
        &["get", "B"],
        &["list"],
        &["show", "A"],
        &["export", "--format", "dotenv"],
        &["run", "--", "true"],
        &["list", "--json"],
        &["get", "A"],
    ];
    for args in day {
        t.out(tok, args);
    }
    assert_eq!(asked(&log), 1, "a day of commands after one pull");
    // Own writes: the writer made the new file's key and hands it over.
    t.kw(tok, &["set", "C"])
        .write_stdin("c-0123456789abcdef")
        .assert()
        .success();
    t.out(tok, &["generate", "D"]);
    t.kw(tok, &["rotate", "B", "--grace", "1h"])
        .write_stdin("b-rotated-0123456789")
        .assert()
        .success();
    assert_eq!(t.out(tok, &["get", "C"]), "c-0123456789abcdef\n");
    t.out(tok, &["list"]);
    assert_eq!(asked(&log), 1, "this machine's writes ask nothing more");
    t.sync(tok, "token's keys");

    // The admin changes a key; the token's holder pulls it: asked once more, once.
    t.sync(0, "pull");
    t.kw(0, &["set", "E"])
        .write_stdin("e-0123456789abcdef")
        .assert()
        .success();
    t.sync(0, "E");
    t.git(tok, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(t.out(tok, &["get", "E"]), "e-0123456789abcdef\n");
    for args in day {
        t.out(tok, args);
    }
    assert_eq!(asked(&log), 2, "a pulled change asks once");
    // `identity show` names what the agent holds, in counts: a key per version of `dev`
    // opened or written here (the first pull's, each write's, the second pull's).
    let shown: serde_json::Value =
        serde_json::from_str(&t.out(tok, &["identity", "show", "--json"])).unwrap();
    assert_eq!(shown["agent_holds"]["file_keys"]["dev"], 5, "{shown}");
    assert_eq!(shown["agent_holds"]["signing_key"], true, "{shown}");
    // The policy came with the pull; the history with its `touch` event verifies in git.
    assert_eq!(
        t.out(tok, &["env", "touch"]),
        "once-per-change (a kept key serves at most 1d)\n"
    );
    t.sync(tok, "day");
    t.sync(0, "day");
    t.out(0, &["audit", "verify", "--git"]);
}

#[test]
fn an_every_command_env_asks_every_time_and_unlock_says_so() {
    let (kw, token, log) = token_vault();
    // Only an admin sets it; the token's holder is a writer.
    kw.cmd_as(&token, ["env", "touch", "every-command", "-e", "prod"])
        .assert()
        .code(5)
        .stderr(contains("may not set the touch policy in `prod`"))
        .stderr(contains("needs the `admin` role"));
    kw.cmd(["env", "touch", "every-command", "-e", "prod"])
        .assert()
        .success()
        .stdout("every-command\n")
        .stderr(contains("`prod` now asks a hardware key on every command"));
    let shown: serde_json::Value =
        serde_json::from_str(&kw.stdout(["env", "touch", "-e", "prod", "--json"])).unwrap();
    assert_eq!(shown["touch"], "every-command");
    assert_eq!(kw.stdout(["env", "touch"]), "once-per-change\n");
    // Seen once on this machine, so `unlock` can name it.
    get(&kw, &token, &["-e", "prod", "A"], "a-of-prod-0123456789");
    let before = asked(&log);
    let _agent = locked(&kw, &token);
    kw.cmd_as(&token, ["unlock"])
        .assert()
        .success()
        .stderr(contains(
            "`prod` asks the token on every command (touch = every-command)",
        ))
        .stderr(contains("`dev` asks").not());
    for _ in 0..3 {
        get(&kw, &token, &["-e", "prod", "A"], "a-of-prod-0123456789");
    }
    assert_eq!(asked(&log), before + 3, "every command asks");
    // Its own write keeps nothing either.
    kw.cmd_as(&token, ["set", "-e", "prod", "P"])
        .write_stdin("p-0123456789abcdef")
        .assert()
        .success();
    let after_write = asked(&log);
    assert_eq!(after_write, before + 4, "the write asked to open it");
    get(&kw, &token, &["-e", "prod", "P"], "p-0123456789abcdef");
    assert_eq!(asked(&log), after_write + 1);
    // While `dev`, once-per-change, is asked once.
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    get(&kw, &token, &["B"], "b-of-dev-0123456789");
    assert_eq!(asked(&log), after_write + 2);
    let shown: serde_json::Value = serde_json::from_str(&kw.stdout([
        "-i",
        token.to_str().unwrap(),
        "identity",
        "show",
        "--json",
    ]))
    .unwrap();
    let held = &shown["agent_holds"]["file_keys"];
    assert_eq!(held["dev"], 1, "{shown}");
    assert!(held.get("prod").is_none(), "nothing kept for prod: {shown}");
    kw.cmd_as(&token, ["identity", "show"])
        .assert()
        .success()
        .stderr(contains("holds 1 file key (dev: 1)"))
        .stderr(contains("never the key in the token"));
}

#[test]
fn a_touch_policy_is_an_admins_even_in_a_hand_signed_file() {
    use crate::support::forge::{append_event_with_reason, resign};
    use crate::support::{decrypt_file, edit_image, encrypt_image};
    let kw = Sandbox::with_vault_at(T0);
    let bob = kw.write_identity("bob.key");
    let bob_card = kw.stdout(["-i", bob.to_str().unwrap(), "identity", "show"]);
    kw.cmd(["access", "grant", bob_card.trim(), "-e", "prod"])
        .assert()
        .success();
    kw.cmd(["env", "touch", "every-command", "-e", "prod"])
        .assert()
        .success();
    // Bob, a writer, records `touch=once-per-change` by hand and signs it himself.
    let file = kw.env_file("prod");
    let (me, bob_r) = (kw.my_recipient(), kw.recipient_of(&bob));
    let recipients = [me.as_str(), bob_r.as_str()];
    let image = decrypt_file(&file, &bob);
    let forged = edit_image(&image, |c| {
        append_event_with_reason(
            c,
            &bob_r,
            keyward::audit::Action::Touch,
            Some("touch=once-per-change"),
        );
        resign(c, &bob);
    });
    fs::write(&file, encrypt_image(&forged, &recipients)).unwrap();
    kw.cmd(["env", "touch", "-e", "prod"])
        .env("XDG_STATE_HOME", kw.path("fresh-state"))
        .assert()
        .code(6)
        .stderr(contains("may not record `touch`"));
}

#[test]
fn bad_touch_policies_are_usage_errors() {
    let kw = Sandbox::with_vault();
    kw.cmd(["env", "touch", "sometimes"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'sometimes'"));
    kw.cmd(["env", "touch", "every-command", "--max-age", "1h"])
        .assert()
        .code(2)
        .stderr(contains("--max-age goes with once-per-change"));
    kw.cmd(["env", "touch", "--max-age", "1h"]).assert().code(2);
    kw.cmd(["env", "touch", "once-per-change", "--max-age", "forever"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration"));
    assert_eq!(kw.stdout(["env", "touch"]), "once-per-change\n");
}

#[test]
fn lock_and_the_idle_time_drop_every_key_and_the_next_command_asks_again() {
    let (mut kw, token, log) = token_vault();
    let _agent = locked(&kw, &token);
    kw.cmd_as(&token, ["unlock", "--for", "15m"])
        .assert()
        .success();
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    get(&kw, &token, &["B"], "b-of-dev-0123456789");
    assert_eq!(asked(&log), 1);
    kw.cmd_as(&token, ["lock"])
        .assert()
        .success()
        .stderr(contains("stopped the agent"));
    assert!(socket(&kw).is_none());
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    assert_eq!(asked(&log), 2, "after lock the token is asked again");

    // The idle time, by the command's clock: 14 minutes apart keeps it, 16 ends it.
    kw.cmd_as(&token, ["unlock", "--for", "15m"])
        .assert()
        .success();
    let pid = agent_pid(&socket(&kw).unwrap()).expect("agent process");
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    kw.at(T0 + 14 * MINUTE);
    get(&kw, &token, &["B"], "b-of-dev-0123456789");
    assert_eq!(asked(&log), 3);
    kw.at(T0 + 30 * MINUTE + MINUTE);
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    assert_eq!(
        asked(&log),
        4,
        "idle past its time: the token is asked again"
    );
    wait_for("the idle agent to end", || process_gone(pid));
    assert!(socket(&kw).is_none(), "socket left behind");
}

#[test]
fn a_kept_key_serves_at_most_the_policys_max_age() {
    let (mut kw, token, log) = token_vault();
    kw.cmd(["env", "touch", "once-per-change", "--max-age", "1h"])
        .assert()
        .success()
        .stdout("once-per-change (a kept key serves at most 1h)\n");
    let _agent = locked(&kw, &token);
    kw.cmd_as(&token, ["unlock", "--for", "1d"])
        .assert()
        .success();
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    kw.at(T0 + 30 * MINUTE);
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    assert_eq!(asked(&log), 1);
    kw.at(T0 + HOUR + MINUTE);
    get(&kw, &token, &["A"], "a-of-dev-0123456789");
    assert_eq!(asked(&log), 2, "past its max age the key is dropped");
    kw.at(T0 + HOUR + 30 * MINUTE);
    get(&kw, &token, &["B"], "b-of-dev-0123456789");
    assert_eq!(asked(&log), 2, "the key the token opened again serves");
}

#[test]
fn the_pin_is_asked_in_the_terminal_of_the_command_that_needs_it_once() {
    let (mut kw, token, _) = token_vault();
    let _agent = locked(&kw, &token);
    kw.cmd_as(&token, ["unlock"]).assert().success();
    kw.identity = Some(token.clone());
    let mut no_pin = kw.std_cmd(["get", "A"]);
    no_pin.env_remove("AGE_PLUGIN_KWTEST_PIN");
    let t = crate::support::pty::run_on_terminal(no_pin, &[(PROMPT, &[PIN])]);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert_eq!(t.shown.matches(PROMPT).count(), 1, "{}", t.shown);
    assert!(t.shown.contains("touch your kwtest token"), "{}", t.shown);
    assert!(t.shown.contains("a-of-dev-0123456789"), "{}", t.shown);
    // The next command has no terminal and no PIN: the kept key serves it.
    kw.cmd(["get", "B"])
        .env_remove("AGE_PLUGIN_KWTEST_PIN")
        .write_stdin("")
        .assert()
        .success()
        .stdout("b-of-dev-0123456789\n")
        .stderr(contains("touch your kwtest token").not());
    // Another environment is another file: asked there, in that command's terminal.
    let (shown, code) = on_terminal(&kw, &["get", "-e", "prod", "A"], &[(PROMPT, &[PIN])]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("a-of-prod-0123456789"), "{shown}");
}

#[test]
fn the_agent_never_holds_the_tokens_identity_and_asks_the_signing_passphrase_once() {
    let (kw, token, log) = token_vault();
    let _agent = locked(&kw, &token);
    // The signing key's passphrase, typed once on the terminal at unlock.
    let mut unlock = kw.std_cmd(["unlock"]);
    unlock
        .env("KEYWARD_IDENTITY", &token)
        .env_remove("KEYWARD_PASSPHRASE");
    let t =
        crate::support::pty::run_on_terminal(unlock, &[("token.txt.signing: ", &[SIGNING_PASS])]);
    assert_eq!(t.code, 0, "{}", t.shown);
    assert_eq!(t.shown.matches("Passphrase for").count(), 1, "{}", t.shown);
    // Writes sign through the agent: no passphrase anywhere, no terminal.
    for (name, value) in [("S1", "s1-0123456789abcdef"), ("S2", "s2-0123456789abcdef")] {
        kw.cmd_as(&token, ["set", name])
            .env_remove("KEYWARD_PASSPHRASE")
            .write_stdin(value)
            .assert()
            .success();
    }
    kw.cmd(["audit", "verify"]).assert().success();
    assert_eq!(asked(&log), 1);
    let sock = socket(&kw).expect("agent socket");
    // It holds no identity: it cannot unwrap a stanza, whatever it is asked.
    let reply = raw(&sock, "{\"op\":\"unwrap\",\"stanzas\":[]}\n");
    assert!(reply.contains("holds no identity"), "{reply}");
    let hello = raw(&sock, "{\"op\":\"hello\"}\n");
    assert!(hello.contains("\"holds\":\"file-keys\""), "{hello}");
    let line = crate::support::token::identity_line(&token);
    for reply in [&reply, &hello] {
        assert!(!reply.contains(&line[11..]), "{reply}");
    }
    // And its memory holds neither the identity nor its secret key (root can read it).
    if !is_root() {
        eprintln!("note: not root; the agent's memory is not read (it is not dumpable)");
        return;
    }
    let pid = agent_pid(&sock).expect("agent process");
    let memory = process_memory(pid);
    let recipient = kw.stdout([
        "-i",
        token.to_str().unwrap(),
        "identity",
        "show",
        "--recipient",
    ]);
    assert!(
        bytes_contain(&memory, recipient.trim().as_bytes()),
        "the scan reads the agent's memory"
    );
    let (_, secret) = bech32::decode(&line).unwrap();
    assert!(!bytes_contain(&memory, line.as_bytes()));
    assert!(!bytes_contain(&memory, line.to_lowercase().as_bytes()));
    assert!(
        !bytes_contain(&memory, &secret),
        "the token's key is in the agent"
    );
}

/// Every readable mapping of process `pid` (as root, which may read a process that is
/// not dumpable).
fn process_memory(pid: i32) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mem = fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut out = Vec::new();
    for line in maps.lines() {
        let mut words = line.split_whitespace();
        let (Some(range), Some(perms)) = (words.next(), words.next()) else {
            continue;
        };
        if !perms.starts_with('r') || line.ends_with("[vvar]") || line.ends_with("[vsyscall]") {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.read_exact_at(&mut buf, a).is_ok() {
            out.extend_from_slice(&buf);
        }
    }
    out
}

#[test]
fn a_pull_that_merges_asks_once_for_the_other_side() {
    let (t, tok, token, log) = team_with_token();
    let _agent = locked(&t.kw, &token);
    t.kw(tok, &["unlock", "--for", "8h"]).assert().success();
    assert_eq!(t.out(tok, &["get", "A"]), "a-0123456789abcdef\n");
    // Both change `dev`: the token's holder commits, the admin pushes first.
    t.kw(tok, &["set", "MINE"])
        .write_stdin("mine-0123456789abcdef")
        .assert()
        .success();
    t.git(tok, &["add", "-A"]);
    t.git(tok, &["commit", "-q", "-m", "mine"]);
    t.kw(0, &["set", "THEIRS"])
        .write_stdin("theirs-0123456789abcdef")
        .assert()
        .success();
    t.sync(0, "theirs");
    assert_eq!(asked(&log), 1);
    // The merge driver opens BASE and OURS with kept keys, asks the token for THEIRS,
    // and hands the merged file's key over.
    t.git(tok, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(asked(&log), 2, "the pull asked once, for the other side");
    assert_eq!(t.out(tok, &["get", "THEIRS"]), "theirs-0123456789abcdef\n");
    assert_eq!(t.out(tok, &["get", "MINE"]), "mine-0123456789abcdef\n");
    t.out(tok, &["list"]);
    assert_eq!(
        asked(&log),
        2,
        "the merged file was written here: nothing more"
    );
}
