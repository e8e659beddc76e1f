//! Random team histories through the merge driver (DESIGN §9): three clones making
//! random concurrent changes, honest and hostile, always merge and agree. The test
//! prints its seed; `KEYWARD_TEST_SEED=N` replays one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use crate::support::statuses;
use crate::support::team::{Team, assert_no_plaintext};

/// The schedule's generator, seeded: the schedule is a function of the seed.
struct Rng(rand::rngs::StdRng);

impl Rng {
    fn seeded(seed: u64) -> Rng {
        Rng(rand::SeedableRng::seed_from_u64(seed))
    }
    fn below(&mut self, n: usize) -> usize {
        rand::Rng::gen_range(&mut self.0, 0..n)
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

    let mut rng = Rng::seeded(seed);
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
    let listed = t.out(0, &["list", "-e", "dev", "--json"]);
    for k in &hostile_merged {
        // DESIGN §15: every change her branches made is signed by her, whom main
        // removed: left out of every merge, never in main.
        assert!(
            !listed.contains(&format!("\"{k}\"")),
            "seed {seed}: mallory's {k} was merged: {listed}"
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
/// that an honest member merges: what she built with keyward is signed by her and left
/// out of the merge, named (DESIGN §15); a hand-edited image is refused or left out
/// (the merge is aborted, or nothing taken).
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
        // DESIGN §15: all of it is signed by her, whom main removed: left out, named.
        assert!(
            said.contains("left out")
                && said.contains(&keyward::recipient::short_recipient(&mallory)),
            "seed {seed}: round {round}: {said}"
        );
    }
    t.sync(m, &format!("merge h{round}"));
}
