//! `audit follow` (DESIGN §12): every event from other processes arrives once, in chain
//! order per environment, with the fields and hashes of `audit export`; a restart with
//! `--cursor` loses and repeats nothing (across journal WAL truncation, new
//! environments and an environment file replaced as `git pull` does); it ends promptly
//! on SIGINT, SIGTERM and a closed stdout. No sleeping against the clock: every wait
//! polls the output with a bound (`wait_for`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::support::{KW, Sandbox, concurrently, copy_dir, process_gone, wait_for};

/// A guard against a follower that should have ended and did not: never reached when
/// the feature works (the commands end at once), so not a timing assertion.
const BOUND: std::time::Duration = std::time::Duration::from_secs(60);

/// A running `audit follow` whose stdout lines are collected by a thread.
struct Follower {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Follower {
    fn start(kw: &Sandbox, args: &[&str]) -> Follower {
        let mut a = vec!["audit", "follow"];
        a.extend_from_slice(args);
        let mut child = kw
            .std_cmd(&a)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                match l {
                    Ok(l) => sink.lock().unwrap().push(l),
                    Err(_) => break,
                }
            }
        });
        Follower { child, lines }
    }

    /// Started with `--cursor FILE`: ready (signal handlers in place, first look done)
    /// once the cursor file exists.
    fn start_with_cursor(kw: &Sandbox, cursor: &Path, args: &[&str]) -> Follower {
        let mut a = vec!["--cursor", cursor.to_str().unwrap()];
        a.extend_from_slice(args);
        let mut f = Follower::start(kw, &a);
        wait_for("the cursor file", || {
            cursor.exists() || f.child.try_wait().unwrap().is_some()
        });
        assert!(f.child.try_wait().unwrap().is_none(), "follow ended early");
        f
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn wait_for_lines(&self, n: usize) {
        wait_for(&format!("{n} lines from follow"), || {
            self.lines.lock().unwrap().len() >= n
        });
    }

    fn signal(&mut self, sig: i32) -> std::process::ExitStatus {
        // SAFETY (test): signals a child this test started and has not reaped.
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
        self.wait()
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id() as i32;
        wait_for("follow to exit", || process_gone(pid));
        self.child.wait().unwrap()
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every event of the vault, as `audit export --format jsonl --all-envs` prints them.
fn exported(kw: &Sandbox) -> Vec<String> {
    kw.stdout(["audit", "export", "--format", "jsonl", "--all-envs"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The same lines as `expected`, each once, and in chain order per environment.
fn assert_exactly_once_in_order(got: &[String], expected: &[String]) {
    let set: BTreeSet<&String> = got.iter().collect();
    assert_eq!(set.len(), got.len(), "a line was delivered twice");
    let want: BTreeSet<&String> = expected.iter().collect();
    assert_eq!(set, want, "delivered and exported events differ");
    let mut next: BTreeMap<(String, String), i64> = BTreeMap::new();
    for l in got {
        let v: Value = serde_json::from_str(l).unwrap();
        let chain = (
            v["env"].as_str().unwrap().to_owned(),
            v["chain"].as_str().unwrap().to_owned(),
        );
        let seq = v["seq"].as_i64().unwrap();
        let expect = next.entry(chain.clone()).or_insert(1);
        assert_eq!(seq, *expect, "out of chain order in {chain:?}");
        *expect += 1;
    }
}

#[test]
fn events_from_concurrent_processes_arrive_once_in_chain_order() {
    let kw = Sandbox::with_vault();
    let a = kw.generate("A");
    kw.cmd(["-e", "prod", "generate", "P"]).assert().success();
    let cursor = kw.path("follow.cursor");
    let mut f = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    // Readers and writers in other processes, at once: gets (each truncates the
    // journal's WAL), verifies, and lifecycle changes.
    concurrently(
        &kw,
        4,
        r#"for i in 1 2 3 4 5; do
            "$KW" get A >/dev/null || exit 1
            echo nope | "$KW" -e prod verify 2>/dev/null; [ $? = 3 ] || exit 1
        done
        "$KW" -e test generate "T$W" >/dev/null || exit 1
        "$KW" -e prod get P >/dev/null || exit 1"#,
    );
    let expected = exported(&kw);
    f.wait_for_lines(expected.len());
    assert_exactly_once_in_order(&f.lines(), &expected);
    // `follow` output is `audit export` output: same fields, same hashes.
    let v: Value = serde_json::from_str(&f.lines()[0]).unwrap();
    assert_eq!(v["prev_hash"].as_str().unwrap().len(), 64);
    let st = f.signal(libc::SIGTERM);
    assert_eq!(st.code(), Some(0), "{st:?}");
    // Never a value: not in the feed, not in the cursor.
    assert!(f.lines().iter().all(|l| !l.contains(&a)));
    kw.assert_nowhere_in_files(&a);
}

#[test]
fn a_restart_with_the_cursor_loses_and_repeats_nothing() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let cursor = kw.path("follow.cursor");
    let mut first = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    for _ in 0..3 {
        kw.stdout(["get", "A"]);
    }
    let so_far = exported(&kw);
    first.wait_for_lines(so_far.len());
    assert_eq!(first.signal(libc::SIGINT).code(), Some(0));
    let mode = fs::metadata(&cursor).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );

    // While it is down: reads (the WAL truncated each time), a new environment, and
    // `dev` replaced the way `git pull` does it, by a state made on another machine.
    for _ in 0..5 {
        kw.stdout(["get", "A"]);
    }
    kw.cmd(["env", "add", "staging"]).assert().success();
    kw.cmd(["-e", "staging", "generate", "S"])
        .assert()
        .success();
    kw.stdout(["-e", "staging", "get", "S"]);
    pull_a_change_made_elsewhere(&kw, "dev");

    let mut second = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    // And more while it runs.
    kw.stdout(["-e", "staging", "get", "S"]);
    pull_a_change_made_elsewhere(&kw, "dev");
    let all = exported(&kw);
    let before = first.lines();
    second.wait_for_lines(all.len() - before.len());
    let mut got = before;
    got.extend(second.lines());
    assert_exactly_once_in_order(&got, &all);
    assert!(got.iter().any(|l| l.contains(r#""env":"staging""#)));
    assert!(got.iter().any(|l| l.contains(r#""key":"ELSEWHERE2""#)));
    assert_eq!(second.signal(libc::SIGTERM).code(), Some(0));

    // A third run has nothing to repeat.
    let third = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    kw.stdout(["get", "A"]);
    third.wait_for_lines(1);
    let lines = third.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(r#""action":"get""#));
}

/// One follower per cursor: a second one on the same file would deliver every event
/// again and overwrite the first one's positions (h2 noted it). It is refused, exit 7,
/// and nothing is delivered; once the first has stopped, the cursor is free.
#[test]
fn a_second_follower_on_one_cursor_is_refused_while_the_first_runs() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let cursor = kw.path("follow.cursor");
    let mut first = Follower::start_with_cursor(&kw, &cursor, &[]);
    kw.cmd(["audit", "follow", "--cursor", cursor.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(7)
        .stdout("")
        .stderr(predicates::str::contains(
            "is in use by another `keyward audit follow`",
        ));
    assert_eq!(first.signal(libc::SIGTERM).code(), Some(0));
    let lock = kw.path("follow.cursor.lock");
    let mode = std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&lock).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let second = Follower::start_with_cursor(&kw, &cursor, &[]);
    kw.stdout(["get", "A"]);
    second.wait_for_lines(1);
}

/// Make a lifecycle change to `env` in a copy of the vault with its own state (another
/// clone, another machine), then put the new file in place as git does on a pull:
/// remove it and write the new one.
fn pull_a_change_made_elsewhere(kw: &Sandbox, env: &str) {
    let other = kw.path("other-clone");
    let _ = fs::remove_dir_all(&other);
    copy_dir(&kw.vault(), &other);
    let n = fs::read_dir(kw.path("."))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("state-")
        })
        .count();
    let name = format!("ELSEWHERE{}", n + 1);
    kw.cmd(["-e", env, "generate", &name])
        .env("KEYWARD_VAULT", &other)
        .env("XDG_STATE_HOME", kw.path(&format!("state-{n}")))
        .assert()
        .success();
    let new = fs::read(other.join("envs").join(format!("{env}.db.age"))).unwrap();
    let target = kw.env_file(env);
    fs::remove_file(&target).unwrap();
    fs::write(&target, new).unwrap();
}

#[test]
fn without_a_cursor_it_starts_at_now_and_polling_works_too() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.stdout(["get", "A"]);
    let f = Follower::start(&kw, &["--poll", "1s"]);
    // No readiness signal without a cursor: keep reading until one arrives.
    wait_for("a get delivered by polling", || {
        kw.stdout(["get", "A"]);
        !f.lines().is_empty()
    });
    let lines = f.lines();
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["action"], "get");
        // The get before follow started is not delivered.
        assert!(v["seq"].as_i64().unwrap() >= 2, "{l}");
    }
}

#[test]
fn it_exits_promptly_on_sigint_sigterm_and_a_closed_stdout() {
    let kw = Sandbox::with_vault();
    for (i, sig) in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP]
        .into_iter()
        .enumerate()
    {
        let cursor = kw.path(&format!("c{i}"));
        let mut f = Follower::start_with_cursor(&kw, &cursor, &[]);
        assert_eq!(f.signal(sig).code(), Some(0), "signal {sig}");
    }
    // The reader of its stdout goes away while it is idle.
    let cursor = kw.path("c-pipe");
    let mut child = kw
        .std_cmd(["audit", "follow", "--cursor", cursor.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the cursor file", || cursor.exists());
    drop(child.stdout.take());
    let pid = child.id() as i32;
    wait_for("follow to notice its stdout closed", || process_gone(pid));
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // Closed before it started: it ends at once, and moves no cursor. (`exec`: a
    // follower that did not end is the one the timeout kills, not a shell above it.)
    let cursor = kw.path("c-closed");
    let closed = kw.sh(&format!(
        "exec '{KW}' audit follow --cursor '{}' >&-",
        cursor.display()
    ));
    assert_cmd::Command::from_std(closed)
        .timeout(BOUND)
        .assert()
        .code(0);
    assert!(!cursor.exists(), "a cursor moved for nobody");
}

#[test]
fn bad_cursors_are_refused_and_left_alone() {
    let kw = Sandbox::with_vault();
    let cursor = kw.path("c");
    fs::write(&cursor, "{not json").unwrap();
    kw.cmd(["audit", "follow", "--cursor", "c"])
        .timeout(BOUND)
        .assert()
        .code(6)
        .stderr(contains("cursor `c` is corrupt"));
    assert_eq!(fs::read_to_string(&cursor).unwrap(), "{not json");

    // A position the chain does not hold (edited: its MAC no longer checks).
    let mut f = Follower::start_with_cursor(&kw, &cursor.with_extension("ok"), &[]);
    f.signal(libc::SIGTERM);
    let good = fs::read_to_string(cursor.with_extension("ok")).unwrap();
    let mut v: Value = serde_json::from_str(&good).unwrap();
    v["envs"]["dev"]["access"] = serde_json::json!({"seq": 7, "hash": "ab".repeat(32)});
    fs::write(&cursor, v.to_string()).unwrap();
    kw.generate("A");
    kw.stdout(["get", "A"]);
    kw.cmd(["audit", "follow", "--cursor", "c"])
        .timeout(BOUND)
        .assert()
        .code(6)
        .stdout(contains(r#""chain":"access""#).not())
        .stderr(contains(
            "cursor `c` is corrupt: its positions for `dev` are not the ones a follower of this vault wrote",
        ));

    // Another vault's cursor.
    v["vault"] = "/somewhere/else".into();
    fs::write(&cursor, v.to_string()).unwrap();
    kw.cmd(["audit", "follow", "--cursor", "c"])
        .timeout(BOUND)
        .assert()
        .code(2)
        .stderr(contains("not `"));

    // A symbolic link.
    std::os::unix::fs::symlink(kw.path("elsewhere"), kw.path("link")).unwrap();
    kw.cmd(["audit", "follow", "--cursor", "link"])
        .timeout(BOUND)
        .assert()
        .code(1)
        .stderr(contains("symbolic link"));
    assert!(!kw.path("elsewhere").exists());

    kw.cmd(["audit", "follow", "--poll", "0s"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration `0s`: must be greater than zero"));
    kw.cmd(["audit", "follow", "--format", "csv"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'csv' for '--format <FORMAT>'"));
    kw.cmd(["-e", "nope", "audit", "follow"])
        .assert()
        .code(3)
        .stderr(contains("no environment `nope` in the vault"));
}

#[test]
fn a_cursor_is_checked_against_the_recomputed_chains_before_anything_is_delivered() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    kw.stdout(["get", "A"]);
    let cursor = kw.path("c");
    let mut f = Follower::start_with_cursor(&kw, &cursor, &[]);
    f.signal(libc::SIGTERM);
    let good: Value = serde_json::from_str(&fs::read_to_string(&cursor).unwrap()).unwrap();
    let refuse = |v: &Value, says: &str| {
        fs::write(&cursor, v.to_string()).unwrap();
        kw.cmd(["audit", "follow", "--cursor", "c"])
            .timeout(BOUND)
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains("cursor `c` is corrupt").and(contains(says)));
        // Left as it was: never rewritten to another position.
        assert_eq!(fs::read_to_string(&cursor).unwrap(), v.to_string());
    };
    // A position past the end of the lifecycle chain (it waited silently before).
    let mut past = good.clone();
    past["envs"]["dev"]["lifecycle"] = serde_json::json!({"seq": 99, "hash": "cd".repeat(32)});
    let edited = "its positions for `dev` are not the ones a follower of this vault wrote";
    refuse(&past, edited);
    // The right number with another hash (a forged chain would rewind to it).
    let mut forged = good.clone();
    let seq = good["envs"]["dev"]["lifecycle"]["seq"].as_i64().unwrap();
    forged["envs"]["dev"]["lifecycle"] = serde_json::json!({"seq": seq, "hash": "ef".repeat(32)});
    refuse(&forged, edited);
    // Past the end of the journal.
    let mut ahead = good.clone();
    ahead["envs"]["dev"]["access"] = serde_json::json!({"seq": 50, "hash": "ab".repeat(32)});
    refuse(&ahead, edited);
    // Without its MAC, or as an earlier keyward wrote it (unauthenticated).
    let mut bare = good.clone();
    bare["envs"]["dev"].as_object_mut().unwrap().remove("mac");
    refuse(&bare, "its positions for `dev` carry no MAC");
    let mut v1 = good.clone();
    v1["v"] = 1.into();
    refuse(
        &v1,
        "written by an earlier keyward, its positions not authenticated",
    );
    // Bytes that are not text: corrupt (exit 6), not any other error.
    fs::write(&cursor, [0xff, 0xfe, 0x00, 0x7b]).unwrap();
    kw.cmd(["audit", "follow", "--cursor", "c"])
        .timeout(BOUND)
        .assert()
        .code(6)
        .stderr(contains("cursor `c` is corrupt"));
    // The good cursor still resumes: nothing new, nothing delivered again.
    fs::write(&cursor, good.to_string()).unwrap();
    let mut f = Follower::start(&kw, &["--cursor", "c"]);
    kw.generate("B");
    f.wait_for_lines(1);
    f.signal(libc::SIGTERM);
    let lines = f.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("\"B\""), "{lines:?}");
}

/// A cursor that cannot be kept (its directory is missing) is refused before any event
/// goes out: never the whole history followed by a failure a restart would repeat.
#[test]
fn a_cursor_that_cannot_be_written_is_refused_before_any_event() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let cursor = kw.path("no/such/dir/c.json");
    kw.cmd(["audit", "follow", "--cursor", cursor.to_str().unwrap()])
        .timeout(BOUND)
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("no/such/dir"));
}

/// A change made on another clone and merged there after the follower delivered this
/// clone's newer one: the merged file holds the other side's event *before* the one the
/// cursor points at. It is new all the same, and arrives on the next run.
#[test]
fn events_a_merge_places_before_the_cursor_are_delivered_not_lost() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let base = fs::read(kw.env_file("dev")).unwrap();
    // Another clone, with its own machine state, makes a change it has not pushed yet.
    let other = kw.path("developer-clone");
    copy_dir(&kw.vault(), &other);
    let dev_state = kw.path("state-developer");
    let as_developer = |args: &[&str]| {
        let mut c = kw.cmd(args);
        c.env("KEYWARD_VAULT", &other)
            .env("XDG_STATE_HOME", &dev_state);
        c
    };
    as_developer(&["generate", "KEY_FROM_DEVELOPER"])
        .assert()
        .success();
    // The monitored clone changes too, and the follower delivers it.
    let cursor = kw.path("follow.cursor");
    let mut first = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    kw.generate("KEY_FROM_MONITORED");
    first.wait_for_lines(exported(&kw).len());
    assert_eq!(first.signal(libc::SIGINT).code(), Some(0));
    let before = first.lines();
    // The developer pulls (the merge driver joins both) and pushes; the monitored
    // clone fast-forwards to the merged file.
    let ours = fs::read(other.join("envs/dev.db.age")).unwrap();
    let theirs = fs::read(kw.env_file("dev")).unwrap();
    let [b, o, t] = kw.merge_sides("merge", [&base, &ours, &theirs]);
    as_developer(&["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let merged = fs::read(&o).unwrap();
    fs::remove_file(kw.env_file("dev")).unwrap();
    fs::write(kw.env_file("dev"), merged).unwrap();

    let second = Follower::start_with_cursor(&kw, &cursor, &["--all-envs"]);
    // Events by hash (a merge renumbers: the same event may come with another seq).
    let hashes = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["chain"] == "lifecycle")
            .map(|v| v["hash"].as_str().unwrap().to_owned())
            .collect()
    };
    let want: BTreeSet<String> = hashes(&exported(&kw)).into_iter().collect();
    let first_run = hashes(&before);
    second.wait_for_lines(want.len() - first_run.len());
    let mut got = first_run;
    got.extend(hashes(&second.lines()));
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got_set.len(), got.len(), "an event was delivered twice");
    assert_eq!(got_set, want, "delivered and exported events differ");
    let got = second.lines();
    assert!(
        got.iter()
            .any(|l| l.contains(r#""key":"KEY_FROM_DEVELOPER""#)),
        "{got:?}"
    );
}

/// Whoever can write the cursor file (no identity: the journal's `seq` and `hash`
/// columns are in clear) must not make the follower skip events — a position moved
/// forward to a later event — nor repeat them for ever — a real hash under a wrong
/// number. The positions carry a MAC under a key derived from the environment's audit
/// key: both are refused (exit 6 naming the cursor) before anything is delivered.
#[test]
fn a_cursor_moved_forward_or_renumbered_by_hand_is_refused() {
    let kw = Sandbox::with_vault();
    kw.generate("K0");
    kw.stdout(["get", "K0"]);
    let cursor = kw.path("c");
    let mut f = Follower::start_with_cursor(&kw, &cursor, &[]);
    f.signal(libc::SIGTERM);
    let good: Value = serde_json::from_str(&fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(good["envs"]["dev"]["access"]["seq"], 1);
    // Two reads while the follower is down; the attacker moves the access position to
    // the second one, its hash read from the journal's clear column.
    kw.stdout(["get", "K0"]);
    kw.stdout(["get", "K0"]);
    let hash: Vec<u8> = rusqlite::Connection::open(kw.journal_file("dev"))
        .unwrap()
        .query_row("SELECT hash FROM journal WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    let mut forward = good.clone();
    forward["envs"]["dev"]["access"] = serde_json::json!({"seq": 3, "hash": hex(&hash)});
    // A real lifecycle hash at a number past the chain (kept for ever: every later
    // event was delivered again at each change).
    let mut renumbered = good.clone();
    renumbered["envs"]["dev"]["lifecycle"]["seq"] = i64::MAX.into();
    for bad in [&forward, &renumbered] {
        fs::write(&cursor, bad.to_string()).unwrap();
        kw.cmd(["audit", "follow", "--cursor", "c"])
            .timeout(BOUND)
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(
                "cursor `c` is corrupt: its positions for `dev` are not",
            ));
        assert_eq!(fs::read_to_string(&cursor).unwrap(), bad.to_string());
    }
    // The cursor as the follower wrote it resumes: both reads, then each new event
    // once, and the next run repeats none of them.
    fs::write(&cursor, good.to_string()).unwrap();
    let mut f = Follower::start(&kw, &["--cursor", "c"]);
    f.wait_for_lines(2);
    kw.generate("N1");
    kw.generate("N2");
    f.wait_for_lines(4);
    f.signal(libc::SIGTERM);
    let lines = f.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(r#""key":"N1""#)).count(),
        1
    );
    let mut again = Follower::start(&kw, &["--cursor", "c"]);
    kw.generate("N3");
    again.wait_for_lines(1);
    again.signal(libc::SIGTERM);
    let lines = again.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(r#""key":"N3""#), "{lines:?}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
