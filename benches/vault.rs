//! In-process benchmarks of the hot paths (criterion): opening a 10,000-key environment
//! and reading one value, the verify lookup, and one journal append.
//!
//! cargo bench --bench vault

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward::audit::{self, Actor};
use keyward::fsutil::create_private_dir;
use keyward::names::{EnvName, KeyName, now_ms};
use keyward::recipient::RecipientString;
use keyward::token::{Format, GenSpec};
use keyward::vault::journal::Journal;
use keyward::vault::{EnvDb, NewKey, VaultPaths};

struct Fixture {
    _dir: tempfile::TempDir,
    paths: VaultPaths,
    id: age::x25519::Identity,
    env: EnvName,
    presented: keyward::secret::Secret,
}

fn fixture(keys: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let paths = VaultPaths::new(dir.path().join("vault"));
    for d in [paths.root.clone(), paths.envs_dir(), paths.journal_dir()] {
        create_private_dir(&d).unwrap();
    }
    let id = age::x25519::Identity::generate();
    let me = RecipientString::from(&id.to_public());
    let actor = Actor::named(me.as_str(), audit::Via::File);
    let env: EnvName = "bench".parse().unwrap();
    let now = now_ms();
    // Signed like every write (DESIGN §15).
    let signer = keyward::identity::KeySigner::of_x25519(&id).unwrap();
    let signing = keyward::vault::signed::Signing {
        signer: &signer,
        recipient: me.as_str(),
        actor: &actor,
        now,
    };
    EnvDb::create(&paths, &env, &signing, |db| {
        db.add_recipient(&me, &actor, now)?;
        db.record(&actor, audit::Action::Init, None, None, None, now)
    })
    .unwrap();
    let spec = GenSpec {
        format: Format::Token,
        bytes: 32,
        prefix: "kw".into(),
    };
    let mut db = EnvDb::open_write(&paths, &env, &id).unwrap();
    let mut presented = None;
    let names: Vec<String> = (0..keys).map(|i| format!("K{i:06}")).collect();
    db.batch(|db| {
        for (i, n) in names.iter().enumerate() {
            let name: KeyName = n.parse().unwrap();
            let key = db.insert_key(&name, Some(&spec), &NewKey::default(), now)?;
            let value = keyward::token::generate(&spec, &env);
            db.add_version(&key, 0, &value, None, now)?;
            if i == keys / 2 {
                presented = Some(value);
            }
        }
        let each: Vec<(&str, u32)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        db.record_each(&actor, audit::Action::Generate, &each, None, now)
    })
    .unwrap();
    db.sign_change(&signing).unwrap();
    db.commit().unwrap();
    Fixture {
        _dir: dir,
        paths,
        id,
        env,
        presented: presented.unwrap(),
    }
}

fn benches(c: &mut Criterion) {
    let f = fixture(10_000);
    let name: KeyName = "K005000".parse().unwrap();
    c.bench_function("open 10k-key env + read one value", |b| {
        b.iter(|| {
            let db = EnvDb::open_read(&f.paths, &f.env, &f.id).unwrap();
            black_box(db.usable_value(&name, None, now_ms()).unwrap());
        })
    });
    let db = EnvDb::open_read(&f.paths, &f.env, &f.id).unwrap();
    c.bench_function("verify lookup in 10k keys (open env)", |b| {
        b.iter(|| black_box(db.find_fingerprint(&f.presented.fingerprint()).unwrap()))
    });
    let key = db.audit_keys().unwrap();
    let actor = Actor::named(&f.id.to_public().to_string(), audit::Via::File);
    let mut journal = Journal::open(&f.paths, &f.env).unwrap();
    c.bench_function("journal append (fsync)", |b| {
        b.iter(|| {
            let canon = audit::canonical(
                &f.env,
                &actor,
                audit::Action::Get,
                Some("K005000"),
                Some(1),
                None,
                Some("ok"),
                now_ms(),
            );
            journal.append(&key, canon).unwrap();
        })
    });
}

criterion_group! {
    name = vault;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(vault);
