//! The merge driver (DESIGN §9) with real git: a bare repository and clones with their
//! own identities, state (pins) and clocks, merging concurrent changes by meaning.
//! The randomised team test prints its seed; `KEYWARD_TEST_SEED=N` replays one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::team::{Team, put_file, statuses};
use crate::support::{Sandbox, contains as bytes_contain};

/// Value-free text of an env without the events a merger writes (its actor differs
/// with who merged): the logical state.
fn logical(team: &Team, m: usize, file: &Path) -> String {
    team.out(m, &["git", "textconv", file.to_str().unwrap()])
        .lines()
        .filter(|l| {
            !(l.contains(" merge by ") || l.contains(" merge-conflict ") || l.contains(" exposed "))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn concurrent_changes_merge_on_pull_and_every_side_keeps_its_work() {
    let t = Team::new(&["alice", "bob"], &[]);
    let a_old = t.out(0, &["generate", "-e", "prod", "A"]).trim().to_owned();
    t.sync(0, "A");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Alice rotates A; Bob adds B; neither knows of the other.
    let a_new = t.out(0, &["rotate", "-e", "prod", "A"]).trim().to_owned();
    t.sync(0, "rotate A");
    let b = t.out(1, &["generate", "-e", "prod", "B"]).trim().to_owned();
    let pull = t.git_out(1, &["add", "-A"]);
    assert!(pull.status.success());
    t.git(1, &["commit", "-q", "-m", "add B"]);
    let pull = t.git_out(1, &["pull", "--no-rebase", "origin", "main"]);
    let said = String::from_utf8_lossy(&pull.stderr).into_owned();
    assert!(pull.status.success(), "{said}");
    assert!(said.contains("merged `prod` by meaning"), "{said}");
    // Both changes are there, and A's old value, retired by Alice, stays retired.
    let listed = t.out(1, &["list", "-e", "prod", "--json"]);
    assert!(
        listed.contains("\"B\"") && listed.contains("\"A\""),
        "{listed}"
    );
    assert_eq!(t.out(1, &["get", "-e", "prod", "A"]).trim(), a_new);
    assert_eq!(t.out(1, &["get", "-e", "prod", "B"]).trim(), b);
    t.kw(1, &["verify", "-e", "prod"])
        .write_stdin(a_old.clone())
        .assert()
        .code(4);
    t.kw(1, &["audit", "verify", "-e", "prod"])
        .assert()
        .success();
    // Both heads are in the merged chain: neither side's pin is broken.
    t.git(1, &["push", "-q", "origin", "main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["generate", "-e", "prod", "C"]);
    t.out(1, &["generate", "-e", "prod", "D"]);
    // No merge leaves a value in the repository or the work tree in plaintext.
    for v in [&a_old, &a_new, &b] {
        for m in &t.members {
            assert_no_plaintext(&m.dir, v);
        }
        assert_no_plaintext(&t.origin, v);
        assert_no_plaintext(&t.kw.path("tmp"), v);
    }
}

#[test]
fn the_same_concurrent_pair_merged_either_way_gives_the_same_state() {
    let t = Team::new(&["alice", "bob"], &["dana"]);
    let dana = t.extra_recipient("dana");
    t.out(0, &["generate", "-e", "dev", "SHARED"]);
    t.out(0, &["generate", "-e", "dev", "OLD"]);
    t.sync(0, "base");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let base = fs::read(t.env_file(0, "dev")).unwrap();
    // Alice: rotate SHARED, revoke OLD, remove dana. Bob: rotate SHARED, add NEW.
    t.out(0, &["rotate", "-e", "dev", "SHARED"]);
    t.out(
        0,
        &["revoke", "-e", "dev", "OLD", "--reason", "leaked", "--yes"],
    );
    t.out(0, &["access", "revoke", "-e", "dev", &dana, "--yes"]);
    t.out(1, &["rotate", "-e", "dev", "SHARED"]);
    t.out(1, &["generate", "-e", "dev", "NEW"]);
    let (alice, bob) = (
        fs::read(t.env_file(0, "dev")).unwrap(),
        fs::read(t.env_file(1, "dev")).unwrap(),
    );
    let dir = t.kw.path("pair");
    fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| put_file(&dir, name, bytes);
    let (o, a1, b1) = (
        put("base", &base),
        put("a-ours", &alice),
        put("a-theirs", &bob),
    );
    t.kw(0, &["git", "merge", &o, &a1, &b1, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let (b2, a2) = (put("b-ours", &bob), put("b-theirs", &alice));
    t.kw(1, &["git", "merge", &o, &b2, &a2, "vault/envs/dev.db.age"])
        .assert()
        .success();
    let one = logical(&t, 0, Path::new(&a1));
    let two = logical(&t, 1, Path::new(&b2));
    assert_eq!(one, two, "the merged states differ with the direction");
    // And that state is right: both SHARED values kept (v2, v3), OLD revoked, dana gone.
    assert!(one.contains("key SHARED v2 retiring"), "{one}");
    assert!(one.contains("key SHARED v3 active"), "{one}");
    assert!(one.contains("key OLD v1 revoked"), "{one}");
    assert!(one.contains("key NEW v1 active"), "{one}");
    assert!(!one.contains(&format!("recipient {dana}")), "{one}");
    // The merged file is encrypted to the merged recipients only.
    let merged = fs::read(&a1).unwrap();
    let dana_id: age::x25519::Identity = Sandbox::secret_key_of(&t.kw.path("dana.key"))
        .parse()
        .unwrap();
    let d = age::Decryptor::new(&merged[..]).unwrap();
    assert!(
        d.decrypt(std::iter::once(&dana_id as &dyn age::Identity))
            .is_err()
    );
}

#[test]
fn both_sides_rotating_a_key_keep_both_values_until_resolved() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let from_alice = t.out(0, &["rotate", "-e", "prod", "K"]).trim().to_owned();
    t.sync(0, "alice rotates K");
    let from_bob = t.out(1, &["rotate", "-e", "prod", "K"]).trim().to_owned();
    t.sync(1, "bob rotates K");
    // Both values verify (either may be deployed); the later one is active.
    for v in [&from_alice, &from_bob] {
        t.kw(1, &["verify", "-e", "prod"])
            .write_stdin(v.clone())
            .assert()
            .success();
    }
    let st = statuses(&t.show(1, "prod", "K"));
    assert_eq!(st.len(), 3, "{st:?}");
    assert_eq!(st[&3], "active");
    assert_eq!(st[&2], "retiring");
    assert_eq!(st[&1], "retired");
    let active = t.out(1, &["get", "-e", "prod", "K"]).trim().to_owned();
    // `check` reports the key until someone picks.
    t.kw(1, &["check", "-e", "prod"])
        .assert()
        .code(8)
        .stdout(contains("merge-conflict").and(contains("git resolve -e prod K")));
    // Bad picks: a version that was not kept side by side, a key without a conflict.
    t.kw(1, &["git", "resolve", "-e", "prod", "K", "--keep", "1"])
        .assert()
        .code(2)
        .stderr(contains("v2, v3"));
    t.out(1, &["generate", "-e", "prod", "OTHER"]);
    t.kw(1, &["git", "resolve", "-e", "prod", "OTHER"])
        .assert()
        .code(3);
    // Keeping the older value would renumber versions that pins name: refused.
    t.kw(1, &["git", "resolve", "-e", "prod", "K", "--keep", "2"])
        .assert()
        .code(2)
        .stderr(contains("pins"));
    // Keep the active one, with a day of grace for the other.
    let other = if active == from_alice {
        &from_bob
    } else {
        &from_alice
    };
    t.kw(
        1,
        &[
            "git", "resolve", "-e", "prod", "K", "--keep", "3", "--grace", "1d",
        ],
    )
    .assert()
    .success()
    .stderr(contains("v3 is the active value"));
    assert_eq!(
        t.out(1, &["get", "-e", "prod", "K"]).trim(),
        active.as_str()
    );
    let st = statuses(&t.show(1, "prod", "K"));
    assert_eq!((st[&3].as_str(), st[&2].as_str()), ("active", "retiring"));
    t.kw(1, &["verify", "-e", "prod"])
        .write_stdin(other.clone())
        .assert()
        .success();
    t.kw(1, &["check", "-e", "prod"]).assert().success();
    t.kw(1, &["audit", "-e", "prod", "--action", "resolve"])
        .assert()
        .success()
        .stdout(contains("resolve"));
}

#[test]
fn offboarding_on_one_side_marks_what_the_other_side_added_as_exposed() {
    let t = Team::new(&["alice", "bob"], &["mallory"]);
    let mallory = t.extra_recipient("mallory");
    t.out(0, &["generate", "-e", "dev", "KEEP"]);
    t.sync(0, "KEEP");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.out(0, &["offboard", &mallory, "--reason", "left", "--yes"]);
    t.sync(0, "offboard mallory");
    // Bob, not yet knowing, adds a key: his commit is encrypted to mallory.
    let added = t
        .out(1, &["generate", "-e", "dev", "ADDED"])
        .trim()
        .to_owned();
    t.sync(1, "ADDED");
    let access = t.out(1, &["access", "list", "-e", "dev"]);
    assert!(!access.contains(&mallory), "{access}");
    t.kw(1, &["check", "-e", "dev"])
        .assert()
        .code(8)
        .stdout(contains("ADDED").and(contains("exposed")))
        .stdout(contains("KEEP").not());
    // Mallory can read ADDED from Bob's commit in history: rotating it is what helps.
    t.out(1, &["rotate", "-e", "dev", "ADDED"]);
    t.kw(1, &["check", "-e", "dev"]).assert().success();
    t.kw(1, &["verify", "-e", "dev"])
        .write_stdin(added)
        .assert()
        .code(4);
}

#[test]
fn the_driver_refuses_what_does_not_extend_base_and_leaves_ours_untouched() {
    let t = Team::new(&["alice"], &[]);
    t.out(0, &["generate", "-e", "dev", "K"]);
    let older = fs::read(t.env_file(0, "dev")).unwrap();
    t.out(0, &["rotate", "-e", "dev", "K"]);
    let newer = fs::read(t.env_file(0, "dev")).unwrap();
    let dir = t.kw.path("refuse");
    fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| put_file(&dir, name, bytes);
    // THEIRS older than BASE: a rewound side.
    let (o, a, b) = (
        put("base", &newer),
        put("ours", &newer),
        put("theirs", &older),
    );
    t.kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains("THEIRS").and(contains("-e dev")));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // THEIRS from another vault (a forgery with the public recipients).
    let other = Sandbox::with_vault();
    let forged = fs::read(other.env_file("dev")).unwrap();
    let b = put("theirs", &forged);
    let out = t
        .kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // THEIRS not decryptable, BASE empty (both sides created the env), damaged OURS.
    let b = put("theirs", b"age-encryption.org/v1\ngarbage");
    t.kw(0, &["git", "merge", &o, &a, &b, "vault/envs/dev.db.age"])
        .assert()
        .code(6);
    let empty = put("empty", b"");
    let b = put("theirs", &newer);
    t.kw(
        0,
        &["git", "merge", &empty, &a, &b, "vault/envs/dev.db.age"],
    )
    .assert()
    .code(6)
    .stderr(contains("both sides created it"));
    assert_eq!(fs::read(&a).unwrap(), newer);
    // No temp file is left beside OURS.
    let left: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter().all(|n| !n.to_string_lossy().contains(".tmp")),
        "{left:?}"
    );
}

/// A small deterministic generator (xorshift): the schedule is a function of the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn three_clones_with_random_concurrent_changes_always_merge_and_agree() {
    let seed: u64 = std::env::var("KEYWARD_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("team merge schedule seed: {seed} (replay with KEYWARD_TEST_SEED={seed})");
    // Mallory (3) is removed after round 1 and keeps pushing what she can build from
    // the state she held: her own keyward on her stale clone, and images edited by hand.
    let t = Team::new(&["alice", "bob", "carol", "mallory"], &["dave", "erin"]);
    let (dave, erin) = (t.extra_recipient("dave"), t.extra_recipient("erin"));
    const MALLORY: usize = 3;
    let mallory = t.members[MALLORY].recipient.clone();
    let m2_key = t.kw.write_identity("mallory2.key");
    let m2 = t.kw.recipient_of(&m2_key);
    let pool = ["S1", "S2", "S3"];
    for s in pool {
        t.out(0, &["generate", "-e", "dev", s]);
    }
    t.out(0, &["generate", "-e", "prod", "P1"]);
    t.sync(0, "pool");
    for m in 1..4 {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    let mut hostile_merged: Vec<String> = Vec::new();

    let mut rng = Rng(seed);
    let mut values: Vec<String> = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    // Each revocation: the key and the versions its clone saw (and so revoked).
    let mut revoked: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut rotations: BTreeMap<&str, usize> = pool.iter().map(|s| (*s, 0)).collect();
    let mut heads: Vec<(String, String)> = Vec::new();
    let mut offboarded = false;
    let mut n = 0;
    for round in 0..8 {
        if round == 2 {
            // Mallory's clone holds the state before her removal, and stays there.
            t.git(MALLORY, &["pull", "-q", "--no-rebase", "origin", "main"]);
            t.git(MALLORY, &["branch", "-f", "stale"]);
            let out = t
                .kw(0, &["offboard", &mallory, "--reason", "left", "--yes"])
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 8)),
                "seed {seed}: offboard mallory: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            t.sync(0, "offboard mallory");
        }
        if round >= 2 {
            hostile_round(&t, &mut rng, seed, round, &m2, &mut hostile_merged);
        }
        for m in 0..3 {
            for _ in 0..1 + rng.below(3) {
                n += 1;
                match rng.below(7) {
                    0 | 1 => {
                        let name = format!("G{n}");
                        values.push(
                            t.out(m, &["generate", "-e", "dev", &name])
                                .trim()
                                .to_owned(),
                        );
                        names.insert(name);
                    }
                    2 => {
                        let name = format!("I{n}");
                        let value = format!("imported-value-{seed}-{n}");
                        t.kw(m, &["set", "-e", "dev", &name])
                            .write_stdin(value.clone())
                            .assert()
                            .success();
                        values.push(value);
                        names.insert(name);
                    }
                    3 | 4 => {
                        let s = pool[rng.below(pool.len())];
                        values.push(t.out(m, &["rotate", "-e", "dev", s]).trim().to_owned());
                        *rotations.get_mut(s).unwrap() += 1;
                    }
                    5 => {
                        // Revoke a key this clone made and can see.
                        let mine: Vec<&String> =
                            names.iter().filter(|k| !revoked.contains_key(*k)).collect();
                        let listed = t.out(m, &["list", "-e", "dev", "--json"]);
                        if let Some(k) = mine.iter().find(|k| listed.contains(&format!("\"{k}\"")))
                        {
                            let k = (*k).clone();
                            t.out(m, &["revoke", "-e", "dev", &k, "--reason", "test", "--yes"]);
                            let seen = statuses(&t.show(m, "dev", &k)).into_keys().collect();
                            revoked.insert(k, seen);
                        }
                    }
                    _ => {
                        if !offboarded && round >= 2 {
                            // Exit 8 when imported keys await a new value: still done.
                            let out = t
                                .kw(m, &["offboard", &dave, "--reason", "left", "--yes"])
                                .output()
                                .unwrap();
                            assert!(
                                matches!(out.status.code(), Some(0 | 8)),
                                "seed {seed}: offboard: {}",
                                String::from_utf8_lossy(&out.stderr)
                            );
                            offboarded = true;
                        } else {
                            let listed = t.out(m, &["access", "list", "-e", "prod"]);
                            if listed.contains(&erin) {
                                t.out(m, &["access", "revoke", "-e", "prod", &erin, "--yes"]);
                            } else {
                                t.out(m, &["access", "grant", "-e", "prod", &erin]);
                            }
                        }
                    }
                }
            }
            t.sync(m, &format!("round {round} member {m}"));
            heads.push(("dev".into(), t.head(m, "dev")));
            heads.push(("prod".into(), t.head(m, "prod")));
        }
    }
    for m in 0..3 {
        t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    }
    // Nothing written since her removal reads with Mallory's key or the one she tried
    // to grant herself; what her branches added is named for rotation.
    for env in ["dev", "test", "prod"] {
        for key in [&t.members[MALLORY].identity, &m2_key] {
            assert!(
                !crate::support::can_decrypt(&t.env_file(0, env), key),
                "seed {seed}: a key of mallory's reads {env}"
            );
        }
    }
    let check = t.kw(0, &["check", "-e", "dev"]).output().unwrap();
    let check = String::from_utf8_lossy(&check.stdout);
    for k in &hostile_merged {
        // Flagged until a newer version replaces hers (an offboarding rotates it).
        let rotated = statuses(&t.show(0, "dev", k)).len() > 1;
        assert!(
            rotated || check.contains(k.as_str()),
            "seed {seed}: {k} not flagged: {check}\n{}\n{}",
            t.out(0, &["show", "-e", "dev", k]),
            t.out(0, &["audit", "-e", "dev", "--key", k])
        );
    }
    // Every clone holds the same files.
    for env in ["dev", "test", "prod"] {
        let first = fs::read(t.env_file(0, env)).unwrap();
        for m in 1..3 {
            assert_eq!(
                fs::read(t.env_file(m, env)).unwrap(),
                first,
                "seed {seed}: {env} differs"
            );
        }
    }
    // Every operation is there: each key, each rotation as a version; nothing revoked is
    // active again.
    let listed = t.out(2, &["list", "-e", "dev", "--json"]);
    for k in &names {
        assert!(
            listed.contains(&format!("\"{k}\"")),
            "seed {seed}: {k} lost"
        );
    }
    for (s, r) in &rotations {
        let st = statuses(&t.show(1, "dev", s));
        // offboarding rotates generated keys too: at least every rotation is there.
        assert!(
            st.len() > *r,
            "seed {seed}: {s} has {} versions for {r} rotations",
            st.len()
        );
    }
    // A concurrent rotation (an offboarding) may add a fresh value to a key revoked
    // elsewhere; every value a revocation covered stays revoked. Values are counted,
    // not numbered: a merge that kept two new values renumbers them after BASE's.
    for (k, seen) in &revoked {
        let st = statuses(&t.show(0, "dev", k));
        let now = st.values().filter(|s| *s == "revoked").count();
        assert!(
            now >= seen.len(),
            "seed {seed}: {k}: {} values revoked, {now} now: {st:?}",
            seen.len()
        );
    }
    if offboarded {
        for env in ["dev", "test", "prod"] {
            let access = t.out(0, &["access", "list", "-e", env]);
            assert!(
                !access.contains(&dave),
                "seed {seed}: dave still reads {env}"
            );
        }
    }
    // The chains verify, in the files and across git history, and hold every head
    // any clone saw.
    t.kw(0, &["audit", "verify", "--all-envs"])
        .assert()
        .success();
    for m in 0..3 {
        t.kw(m, &["audit", "verify", "--git"]).assert().success();
    }
    let all: BTreeMap<&str, BTreeSet<String>> = ["dev", "prod"]
        .into_iter()
        .map(|e| (e, t.hashes(0, e)))
        .collect();
    for (env, head) in &heads {
        assert!(
            all[env.as_str()].contains(head),
            "seed {seed}: head {head} of {env} lost"
        );
    }
    // No value in plaintext anywhere: work trees, .git, the origin, temp.
    for v in &values {
        for m in &t.members {
            assert_no_plaintext(&m.dir, v);
        }
        assert_no_plaintext(&t.origin, v);
        assert_no_plaintext(&t.kw.path("tmp"), v);
    }
}

/// One move of Mallory's after her removal, from her stale clone, pushed as a branch
/// that an honest member merges: what she built with keyward merges with its grants
/// withheld and its values marked exposed; a hand-edited image is refused (the merge
/// is aborted, nothing taken).
fn hostile_round(
    t: &Team,
    rng: &mut Rng,
    seed: u64,
    round: usize,
    m2: &str,
    merged: &mut Vec<String>,
) {
    const MALLORY: usize = 3;
    let mallory = t.members[MALLORY].recipient.clone();
    t.git(
        MALLORY,
        &["checkout", "-q", "-B", &format!("h{round}"), "stale"],
    );
    // Her machine is hers: no pins stand in her way.
    let _ = fs::remove_dir_all(&t.members[MALLORY].state);
    let by_hand = match rng.below(4) {
        0 => {
            let name = format!("MAL{round}");
            t.out(MALLORY, &["generate", "-e", "dev", &name]);
            t.out(MALLORY, &["access", "grant", "-e", "dev", m2]);
            t.out(
                MALLORY,
                &[
                    "access", "revoke", "-e", "dev", &mallory, "--force", "--yes",
                ],
            );
            merged.push(name);
            false
        }
        1 => {
            t.out(MALLORY, &["rotate", "-e", "dev", "S1"]);
            false
        }
        n => {
            let file = t.env_file(MALLORY, "dev");
            let image = crate::support::decrypt_file(&file, &t.members[MALLORY].identity);
            let sql = if n == 2 {
                "UPDATE versions SET status = 0 WHERE status IN (2, 3)"
            } else {
                "UPDATE versions SET value = CAST('mallory-value-0000000' AS BLOB) WHERE version = 1"
            };
            let edited = crate::support::edit_image(&image, |c| {
                c.execute(sql, []).unwrap();
            });
            let recipients: Vec<String> = crate::support::open_image(&image)
                .prepare("SELECT recipient FROM recipients")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let rs: Vec<&str> = recipients.iter().map(String::as_str).collect();
            fs::write(&file, crate::support::encrypt_image(&edited, &rs)).unwrap();
            // Nothing to edit (no retired version yet): the value change instead.
            true
        }
    };
    t.git(MALLORY, &["add", "-A"]);
    t.git(MALLORY, &["commit", "-qm", &format!("cleanup {round}")]);
    t.git(
        MALLORY,
        &["push", "-q", "-f", "origin", &format!("h{round}:h{round}")],
    );
    let m = rng.below(3);
    t.git(m, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(m, &["fetch", "-q", "origin", &format!("h{round}")]);
    let out = t.git_out(m, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    if by_hand {
        // An un-revoke with nothing retired is no change at all: then it merges.
        if out.status.success() {
            assert!(
                !said.contains("mallory-value"),
                "seed {seed}: round {round}: {said}"
            );
        } else {
            t.git(m, &["merge", "--abort"]);
        }
    } else {
        assert!(
            out.status.success(),
            "seed {seed}: round {round}: a merge of mallory's keyward branch failed: {said}"
        );
    }
    t.sync(m, &format!("merge h{round}"));
}

/// `value` in no file under `dir` (git objects are zlib-compressed: an object holding a
/// plaintext value would be found by `git grep`/inflating; env files are ciphertext).
fn assert_no_plaintext(dir: &Path, value: &str) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = fs::read(&p).unwrap_or_default();
            assert!(
                !bytes_contain(&bytes, value.as_bytes()),
                "value in {}",
                p.display()
            );
            // Loose git objects are zlib streams: look inside them too.
            if p.to_string_lossy().contains("/objects/") && !p.to_string_lossy().contains("/pack/")
            {
                let mut inflated = Vec::new();
                if std::io::Read::read_to_end(
                    &mut flate2::read::ZlibDecoder::new(&bytes[..]),
                    &mut inflated,
                )
                .is_ok()
                {
                    assert!(
                        !bytes_contain(&inflated, value.as_bytes()),
                        "value in object {}",
                        p.display()
                    );
                }
            }
        }
    }
}

#[test]
fn rotation_hooks_merge_with_their_keys_and_the_later_change_wins() {
    let t = Team::new(&["alice", "bob"], &[]);
    for name in ["ONE", "TWO", "BOTH"] {
        t.kw(0, &["set", "-e", "dev", name])
            .write_stdin(format!("imported-{name}-value"))
            .assert()
            .success();
        t.out(0, &["hook", "set", "-e", "dev", name, "--", "echo", "base"]);
    }
    t.sync(0, "imported keys with hooks");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Bob changes BOTH's hook first and clears TWO's; Alice changes ONE's, and BOTH's
    // later than Bob. Bob merges: the later change (theirs) wins.
    let set = |m: usize, name: &str, cmd: &str| {
        t.out(m, &["hook", "set", "-e", "dev", name, "--", "echo", cmd]);
    };
    set(1, "BOTH", "bob-both");
    t.out(1, &["hook", "clear", "-e", "dev", "TWO"]);
    set(0, "ONE", "alice-one");
    set(0, "BOTH", "alice-both");
    t.sync(0, "alice's hooks");
    t.sync(1, "bob's hooks");
    let hook = |name: &str| {
        let v = t.show(1, "dev", name);
        serde_json::to_string(&v["rotation_hook"]).unwrap()
    };
    assert!(hook("ONE").contains("alice-one"), "{}", hook("ONE"));
    assert_eq!(hook("TWO"), "null", "a clear on one side is a change");
    assert!(hook("BOTH").contains("alice-both"), "{}", hook("BOTH"));
    // Diffs show that a hook changed, by its hash, never the command (it may hold a
    // provider's token).
    let file = t.env_file(1, "dev");
    let text = t.out(1, &["git", "textconv", file.to_str().unwrap()]);
    assert!(text.contains("key ONE rotation-hook sha256:"), "{text}");
    assert!(
        !text.contains("alice-one") && !text.contains("echo"),
        "{text}"
    );
}

#[test]
fn a_verifier_key_made_on_both_sides_merges_to_the_older_one() {
    let t = Team::new(&["alice", "bob"], &[]);
    t.out(0, &["generate", "-e", "dev", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Both make the environment's verifier key with their first export; Alice first.
    let set = |m: usize| {
        let f = t.kw.path(&format!("set-{m}.db"));
        t.out(
            m,
            &["verifier", "export", "-e", "dev", "-o", f.to_str().unwrap()],
        );
        t.out(m, &["verifier", "pubkey", "-e", "dev"])
            .trim()
            .to_owned()
    };
    let alice = set(0);
    let bob = set(1);
    assert_ne!(alice, bob);
    t.sync(0, "alice's verifier key");
    t.git(1, &["add", "-A"]);
    t.git(1, &["commit", "-q", "-m", "bob's verifier key"]);
    let pull = t.git_out(1, &["pull", "--no-rebase", "origin", "main"]);
    assert!(pull.status.success());
    assert!(
        String::from_utf8_lossy(&pull.stderr).contains("verifier key"),
        "the merge says the key changed: {}",
        String::from_utf8_lossy(&pull.stderr)
    );
    assert_eq!(t.out(1, &["verifier", "pubkey", "-e", "dev"]).trim(), alice);
    // Only one side made one: it stays.
    t.git(1, &["push", "-q", "origin", "main"]);
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(t.out(0, &["verifier", "pubkey", "-e", "dev"]).trim(), alice);
}

#[test]
fn a_removed_recipients_branch_cannot_grant_itself_access_back_through_a_merge() {
    // Mallory could read the vault before she was offboarded: she still holds that
    // state (and its audit key), so she can write a branch from it. What that branch
    // grants, deletes or un-revokes must not survive Alice's merge.
    let t = Team::new(&["alice", "mallory"], &[]);
    let fresh_id = t.kw.write_identity("mallory2.key");
    let fresh = t.kw.recipient_of(&fresh_id);
    t.out(0, &["generate", "-e", "prod", "STRIPE_KEY"]);
    t.out(0, &["generate", "-e", "prod", "OLD"]);
    t.out(
        0,
        &["revoke", "-e", "prod", "OLD", "--reason", "leaked", "--yes"],
    );
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["offboard", &mallory, "--reason", "left", "--yes"]);
    t.out(0, &["generate", "-e", "prod", "AFTER"]);
    t.sync(0, "offboard mallory");
    // Mallory, from the state before: grants a fresh key, deletes STRIPE_KEY.
    t.out(1, &["access", "grant", "-e", "prod", &fresh]);
    t.out(
        1,
        &[
            "delete",
            "-e",
            "prod",
            "STRIPE_KEY",
            "--reason",
            "x",
            "--yes",
        ],
    );
    t.git(1, &["commit", "-qam", "docs typo"]);
    t.git(1, &["push", "-q", "origin", "main:typo"]);
    t.git(0, &["fetch", "-q", "origin", "typo"]);
    let merge = t.git_out(0, &["merge", "--no-edit", "FETCH_HEAD"]);
    let said = String::from_utf8_lossy(&merge.stderr).into_owned();
    assert!(merge.status.success(), "{said}");
    assert!(
        said.contains("not granted"),
        "the merge says what it left out: {said}"
    );
    let access = t.out(0, &["access", "list", "-e", "prod"]);
    assert!(
        !access.contains(&fresh) && !access.contains(&mallory),
        "{access}"
    );
    let listed = t.out(0, &["list", "-e", "prod", "--json"]);
    assert!(
        listed.contains("\"STRIPE_KEY\"") && listed.contains("\"AFTER\""),
        "{listed}"
    );
    let st = statuses(&t.show(0, "prod", "OLD"));
    assert!(st.values().all(|s| s == "revoked"), "{st:?}");
    // The merged file is not encrypted to the key she tried to add.
    let merged = fs::read(t.env_file(0, "prod")).unwrap();
    let id: age::x25519::Identity = Sandbox::secret_key_of(&t.kw.path("mallory2.key"))
        .parse()
        .unwrap();
    let d = age::Decryptor::new(&merged[..]).unwrap();
    assert!(
        d.decrypt(std::iter::once(&id as &dyn age::Identity))
            .is_err()
    );
}

#[test]
fn renames_deletes_and_rotations_on_two_sides_merge_and_their_history_checks() {
    let t = Team::new(&["alice", "bob"], &[]);
    for k in ["A", "B", "C", "D", "E"] {
        t.out(0, &["generate", "-e", "prod", k]);
    }
    t.sync(0, "keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    // Alice: renames twice, renames then deletes, renames away and reuses the name,
    // renames one Bob rotates.
    t.out(0, &["rename", "-e", "prod", "A", "A1"]);
    t.out(0, &["rename", "-e", "prod", "A1", "A2"]);
    t.out(0, &["rename", "-e", "prod", "B", "B1"]);
    t.out(
        0,
        &["delete", "-e", "prod", "B1", "--reason", "gone", "--yes"],
    );
    t.out(0, &["rename", "-e", "prod", "C", "C_OLD"]);
    t.out(0, &["generate", "-e", "prod", "C"]);
    t.out(0, &["rename", "-e", "prod", "E", "E2"]);
    t.sync(0, "alice renames");
    for k in ["D", "E"] {
        t.out(1, &["rotate", "-e", "prod", k]);
    }
    t.sync(1, "bob rotates");
    t.git(0, &["pull", "-q", "--no-rebase", "origin", "main"]);
    for m in 0..2 {
        t.kw(m, &["audit", "verify", "--git"]).assert().success();
    }
    // The value Bob retired is not active again under Alice's new name.
    let e2 = statuses(&t.show(0, "prod", "E2"));
    assert_ne!(e2[&1], "active", "{e2:?}");
}

#[test]
fn a_branch_that_merged_main_after_a_removal_reads_main_again_with_a_warning() {
    let t = Team::new(&["alice", "bob"], &["carol"]);
    let carol = t.extra_recipient("carol");
    t.out(0, &["generate", "-e", "prod", "K"]);
    t.sync(0, "K");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t.git(1, &["checkout", "-qb", "feature"]);
    t.out(1, &["generate", "-e", "prod", "FEATURE"]);
    t.git(1, &["commit", "-qam", "feature"]);
    t.out(0, &["access", "revoke", "-e", "prod", &carol, "--yes"]);
    t.sync(0, "remove carol");
    t.git(1, &["fetch", "-q", "origin"]);
    t.git(1, &["merge", "-q", "--no-edit", "origin/main"]);
    t.out(1, &["list", "-e", "prod"]);
    // Main, written by Alice after the removal, is an earlier state here — not one from
    // before the removal.
    t.git(1, &["checkout", "-q", "main"]);
    t.git(1, &["merge", "-q", "--ff-only", "origin/main"]);
    t.kw(1, &["get", "-e", "prod", "K"])
        .assert()
        .success()
        .stderr(contains("is behind what was seen here"));
}
