//! Builds benchmark fixtures through the library, fast: an environment with N keys in one
//! commit, and optionally M sealed access events in its journal.
//!
//! cargo run --release --example bench_fixture -- VAULT IDENTITY_FILE ENV KEYS [JOURNAL_EVENTS]
//!
//! The vault is created if missing. Keys are generated tokens named K000000…, each with
//! its `generate` lifecycle event, as `keyward generate` would leave them.

use std::path::PathBuf;

use keyward::audit;
use keyward::fsutil::create_private_dir;
use keyward::identity::IdentitySpec;
use keyward::names::{EnvName, KeyName, now_ms};
use keyward::token::{Format, GenSpec};
use keyward::vault::journal::Journal;
use keyward::vault::{EnvDb, NewKey, VaultPaths};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: bench_fixture VAULT IDENTITY_FILE ENV KEYS [JOURNAL_EVENTS]");
        std::process::exit(2);
    }
    let paths = VaultPaths::new(PathBuf::from(&args[0]));
    let identity = keyward::identity::load_identity(&IdentitySpec::File(PathBuf::from(&args[1])))
        .expect("identity");
    let env: EnvName = args[2].parse().expect("env name");
    let keys: usize = args[3].parse().expect("key count");
    let journal: u64 = args
        .get(4)
        .map(|s| s.parse().expect("event count"))
        .unwrap_or(0);
    let actor = identity.actor();
    let now = now_ms();

    for dir in [paths.root.clone(), paths.envs_dir(), paths.journal_dir()] {
        create_private_dir(&dir).expect("vault dir");
    }
    // Signed like every write (DESIGN §15), by the identity given.
    let signing = keyward::vault::signed::Signing {
        signer: identity.signer().expect("a signing identity"),
        recipient: &identity.recipient,
        actor: &actor,
        now,
    };
    if !paths.env_file(&env).exists() {
        let me = identity.recipient_string().expect("recipient");
        EnvDb::create(&paths, &env, &signing, |db| {
            db.add_recipient(&me, &actor, now)?;
            db.record(&actor, audit::Action::Init, None, None, None, now)
        })
        .expect("create env");
    }
    let mut db = EnvDb::open_write(&paths, &env, identity.as_age()).expect("open env");
    let spec = GenSpec {
        format: Format::Token,
        bytes: 32,
        prefix: "kw".into(),
    };
    let start = db.keys().expect("keys").len();
    db.batch(|db| {
        for i in start..start + keys {
            let name: KeyName = format!("K{i:06}").parse().expect("name");
            let meta = NewKey {
                scopes: vec!["read".into()],
                note: None,
                rotate_every: Some(90 * 86_400),
            };
            let key = db.insert_key(&name, Some(&spec), &meta, now)?;
            let value = keyward::token::generate(&spec, &env);
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
    .expect("insert keys");
    db.sign_change(&signing).expect("sign");
    db.commit().expect("commit");

    if journal > 0 {
        let key = db.audit_keys().expect("audit keys");
        let mut j = Journal::open(&paths, &env).expect("journal");
        let events = (0..journal).map(|i| {
            let name = format!("K{:06}", i % keys.max(1) as u64);
            audit::canonical(
                &env,
                &actor,
                audit::Action::Get,
                Some(&name),
                Some(1),
                None,
                Some("ok"),
                now,
            )
        });
        j.append_all(&key, events, |_| Ok(())).expect("append");
        drop(j);
        // Built without pins, in the vault: moved to where the machine the bench runs as
        // (its `XDG_STATE_HOME`) keeps its journals, whose `trust` adopts it.
        if let Some(state) = std::env::var_os("XDG_STATE_HOME") {
            let state = PathBuf::from(state).join("keyward");
            let mine = VaultPaths::pinned(paths.root.clone(), &state, now).journal(&env);
            std::fs::create_dir_all(mine.parent().expect("a directory")).expect("journal dir");
            for ext in ["-wal", "-shm", ""] {
                let mut from = paths.legacy_journal(&env).into_os_string();
                let mut to = mine.clone().into_os_string();
                from.push(ext);
                to.push(ext);
                if std::path::Path::new(&from).exists() {
                    std::fs::rename(&from, &to).expect("journal moved");
                }
            }
        }
    }
}
