//! Builds a long git history of a vault through the library, fast: ENVS environments of
//! KEYS keys each, then COMMITS commits, each rotating one key of one environment (round
//! robin over the environments) as `keyward rotate` does, signed by the identity. The
//! commits are written by one `git fast-import` (no work tree churn), and the work tree is
//! left at the last commit.
//!
//! cargo run --release --example bench_history -- REPO IDENTITY_FILE ENVS KEYS COMMITS
//!
//! REPO must not exist; the vault is REPO/vault. Keys are generated tokens named K000000….

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use keyward::audit;
use keyward::fsutil::create_private_dir;
use keyward::identity::IdentitySpec;
use keyward::names::{EnvName, KeyName, now_ms};
use keyward::token::{Format, GenSpec};
use keyward::vault::{EnvDb, NewKey, VaultPaths};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 {
        eprintln!("usage: bench_history REPO IDENTITY_FILE ENVS KEYS COMMITS");
        std::process::exit(2);
    }
    let repo = PathBuf::from(&args[0]);
    let identity = keyward::identity::load_identity(&IdentitySpec::File(PathBuf::from(&args[1])))
        .expect("identity");
    let n_envs: usize = args[2].parse().expect("env count");
    let n_keys: usize = args[3].parse().expect("key count");
    let n_commits: usize = args[4].parse().expect("commit count");
    assert!(!repo.exists(), "REPO must not exist");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    std::fs::create_dir_all(&repo).expect("repo dir");
    git(&["init", "-q", "-b", "main"]);
    let paths = VaultPaths::new(repo.join("vault"));
    for dir in [paths.root.clone(), paths.envs_dir(), paths.journal_dir()] {
        create_private_dir(&dir).expect("vault dir");
    }
    std::fs::write(paths.root.join(".gitignore"), "journal/\n*.lock\n*.tmp\n").unwrap();

    let actor = identity.actor();
    let me = identity.recipient_string().expect("recipient");
    let mut now = now_ms() - (n_commits as i64 + 10) * 1000;
    let spec = GenSpec {
        format: Format::Token,
        bytes: 32,
        prefix: "kw".into(),
    };
    let envs: Vec<EnvName> = (0..n_envs)
        .map(|i| format!("e{i:03}").parse().expect("env name"))
        .collect();

    let mut fi = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    let mut out = std::io::BufWriter::new(fi.stdin.take().expect("piped"));
    let mut mark = 0u64;
    let mut blob = |out: &mut dyn Write, bytes: &[u8]| -> u64 {
        mark += 1;
        write!(out, "blob\nmark :{mark}\ndata {}\n", bytes.len()).unwrap();
        out.write_all(bytes).unwrap();
        out.write_all(b"\n").unwrap();
        mark
    };
    let commit = |out: &mut dyn Write, when: i64, msg: &str, files: &[(String, u64)]| {
        write!(
            out,
            "commit refs/heads/main\ncommitter bench <bench@example.org> {} +0000\ndata {}\n{msg}\n",
            when / 1000,
            msg.len() + 1
        )
        .unwrap();
        for (path, m) in files {
            writeln!(out, "M 100644 :{m} {path}").unwrap();
        }
        out.write_all(b"\n").unwrap();
    };

    // The first commit: every environment with its keys.
    let mut files = Vec::new();
    let gi = blob(&mut out, b"journal/\n*.lock\n*.tmp\n");
    files.push(("vault/.gitignore".to_owned(), gi));
    for env in &envs {
        let signing = keyward::vault::signed::Signing {
            signer: identity.signer().expect("a signing identity"),
            recipient: &identity.recipient,
            actor: &actor,
            now,
        };
        EnvDb::create(&paths, env, &signing, |db| {
            db.add_recipient(&me, &actor, now)?;
            db.record(&actor, audit::Action::Init, None, None, None, now)
        })
        .expect("create env");
        let mut db = EnvDb::open_write(&paths, env, identity.as_age()).expect("open env");
        db.batch(|db| {
            for i in 0..n_keys {
                let name: KeyName = format!("K{i:06}").parse().expect("name");
                let meta = NewKey {
                    scopes: vec!["read".into()],
                    note: None,
                    rotate_every: None,
                };
                let key = db.insert_key(&name, Some(&spec), &meta, now)?;
                let value = keyward::token::generate(&spec, env);
                let v = db.add_version(&key, 0, &value, None, now)?;
                db.record(
                    &actor,
                    audit::Action::Generate,
                    Some(name.as_str()),
                    Some(v),
                    None,
                    now,
                )?;
            }
            Ok(())
        })
        .expect("keys");
        db.sign_change(&signing).expect("sign");
        db.commit().expect("commit");
        let m = blob(&mut out, &read(&paths.env_file(env)));
        files.push((format!("vault/envs/{env}.db.age"), m));
    }
    commit(&mut out, now, "the vault", &files);

    // Then one rotation per commit.
    for c in 0..n_commits {
        now += 1000;
        let e = c % n_envs;
        let env = &envs[e];
        // Opened afresh for each change, as each `keyward rotate` does (a signature
        // covers the events since the one before it, as the file says).
        let mut db = EnvDb::open_write(&paths, env, identity.as_age()).expect("open env");
        let name: KeyName = format!("K{:06}", (c / n_envs) % n_keys.max(1))
            .parse()
            .expect("name");
        let signing = keyward::vault::signed::Signing {
            signer: identity.signer().expect("a signing identity"),
            recipient: &identity.recipient,
            actor: &actor,
            now,
        };
        db.batch(|db| {
            let key = db.key(&name)?;
            let current = db.versions(&key)?.last().map_or(0, |v| v.version);
            let value = keyward::token::generate(&spec, env);
            let v = db.add_version(&key, current, &value, None, now)?;
            db.retire_older(&key, v, None)?;
            db.record(
                &actor,
                audit::Action::Rotate,
                Some(name.as_str()),
                Some(v),
                None,
                now,
            )
        })
        .expect("rotate");
        db.sign_change(&signing).expect("sign");
        db.commit().expect("commit");
        let m = blob(&mut out, &read(&paths.env_file(env)));
        commit(
            &mut out,
            now,
            &format!("rotate {name} in {env}"),
            &[(format!("vault/envs/{env}.db.age"), m)],
        );
    }
    out.write_all(b"done\n").unwrap();
    drop(out);
    assert!(
        fi.wait().expect("fast-import").success(),
        "git fast-import failed"
    );
    // The work tree already holds the last version of every file; the index follows.
    git(&["reset", "-q"]);
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("env file")
}
