//! A set built through the crate's own API, written in both formats, and opened and
//! looked up the way a service does; then every way a set is refused.

use std::path::Path;

use keyward_verifier::{
    Alg, Answer, Entry, Error, HmacKey, Pinned, SET_FORMAT, SetInfo, SignedSet, SigningKey,
    VerifierSet, entry_hash,
};
use rusqlite::{Connection, MAIN_DB};

fn entry(value: &[u8], hmac: Option<&HmacKey>, name: &str, version: u32) -> Entry {
    Entry {
        hash: entry_hash(value, hmac),
        env: "dev".into(),
        name: name.into(),
        version,
        status: "active".into(),
        scopes: vec![],
        not_after: None,
    }
}

fn info(serial: i64, hmac: Option<&HmacKey>) -> SetInfo {
    SetInfo {
        format: SET_FORMAT.into(),
        env: "dev".into(),
        serial,
        generated: 1_000,
        alg: if hmac.is_some() {
            Alg::HmacSha256
        } else {
            Alg::Sha256
        },
        hmac_key_id: hmac.map(HmacKey::id),
        // `sign` fills these two from what it is given.
        entries: 0,
        pubkey: SigningKey::from_seed(&[0; 32]).public(),
    }
}

/// `A` v1, active, with a scope; `B` v2, retiring until 2000 ms.
fn sample(key: &SigningKey) -> SignedSet {
    let mut a = entry(b"kw_dev_one", None, "A", 1);
    a.scopes = vec!["read".into()];
    let mut b = entry(b"kw_dev_two", None, "B", 2);
    b.status = "retiring".into();
    b.not_after = Some(2_000);
    SignedSet::sign(info(7, None), vec![a, b], key)
}

fn pinned(key: &SigningKey) -> Pinned {
    Pinned {
        pubkey: Some(key.public()),
        ..Default::default()
    }
}

#[test]
fn sign_fills_the_count_and_the_signer() {
    let key = SigningKey::from_seed(&[7; 32]);
    let set = sample(&key);
    assert_eq!(set.info.entries, 2);
    assert_eq!(set.info.pubkey, key.public());
}

#[test]
fn both_formats_round_trip_through_a_file_and_answer_alike() {
    let key = SigningKey::from_seed(&[7; 32]);
    let set = sample(&key);
    let dir = tempfile::tempdir().unwrap();
    for (file, bytes) in [
        ("dev.kwset", set.to_sqlite().unwrap()),
        ("dev.jsonl", set.to_jsonl().unwrap()),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, bytes).unwrap();
        let s = VerifierSet::open(&path, &pinned(&key)).unwrap();
        assert!(s.authenticated());
        assert_eq!(s.info(), &set.info);
        s.verify_all().unwrap();
        match s.lookup(b"kw_dev_one\n", 1_500).unwrap() {
            Answer::Valid(f) => assert_eq!((f.name.as_str(), f.scopes), ("A", vec!["read".into()])),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(s.lookup(b"kw_dev_two", 1_500).unwrap(), Answer::Valid(f) if f.status == "retiring")
        );
        let expired = s.lookup(b"kw_dev_two", 2_000).unwrap();
        assert!(matches!(expired, Answer::Expired(_)), "{file}");
        assert_eq!(
            expired.reason(),
            "`B` version 2 ended at 1970-01-01T00:00:02.000Z"
        );
        assert_eq!(s.lookup(b"nope", 0).unwrap(), Answer::Unknown);
        assert!(matches!(s.lookup(b"", 0).unwrap(), Answer::Malformed(_)));
        assert!(matches!(s.lookup(b"\n", 0).unwrap(), Answer::Malformed(_)));
    }
}

#[test]
fn a_token_of_another_environment_is_named_not_unknown() {
    let key = SigningKey::from_seed(&[7; 32]);
    let bytes = sample(&key).to_jsonl().unwrap();
    let s = VerifierSet::from_bytes(&bytes, Path::new("x"), &pinned(&key)).unwrap();
    let prod = token("kw", "prod", "0123456789abcdefghijABCDEFGHIJ");
    assert_eq!(
        s.lookup(prod.as_bytes(), 0).unwrap(),
        Answer::OtherEnvironment("prod".into())
    );
    // A token of the set's own environment is looked up like any value.
    let own = token("kw", "dev", "0123456789abcdefghijABCDEFGHIJ");
    assert_eq!(s.lookup(own.as_bytes(), 0).unwrap(), Answer::Unknown);
    // Same shape, a broken checksum: just a value nobody issued.
    let broken = prod.replacen("0123", "0124", 1);
    assert_eq!(s.lookup(broken.as_bytes(), 0).unwrap(), Answer::Unknown);
}

/// A keyward token, `<prefix>_<env>_<30 random><6 base62 digits of CRC32>`, built here
/// from the grammar as keyward documents it (an oracle independent of the crate's code).
fn token(prefix: &str, env: &str, random: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let signed = format!("{prefix}_{env}_{random}");
    let mut n = u64::from(crc32fast::hash(signed.as_bytes()));
    let mut check = [0u8; 6];
    for slot in check.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("{signed}{}", std::str::from_utf8(&check).unwrap())
}

#[test]
fn an_edited_sqlite_bucket_is_caught_on_use_and_by_verify_all() {
    let key = SigningKey::from_seed(&[7; 32]);
    let bytes = sample(&key).to_sqlite().unwrap();
    let good = VerifierSet::from_bytes(&bytes, Path::new("x"), &pinned(&key)).unwrap();
    good.verify_all().unwrap();
    // The retiring B made active, in the image itself.
    let mut conn = Connection::open_in_memory().unwrap();
    conn.deserialize_read_exact(MAIN_DB, std::io::Cursor::new(&bytes), bytes.len(), false)
        .unwrap();
    conn.execute(
        "UPDATE entries SET status = 'active', not_after = NULL WHERE name = 'B'",
        [],
    )
    .unwrap();
    let edited = conn.serialize(MAIN_DB).unwrap().to_vec();
    let s = VerifierSet::from_bytes(&edited, Path::new("x"), &pinned(&key)).unwrap();
    assert!(matches!(
        s.lookup(b"kw_dev_two", 5_000),
        Err(Error::SetInvalid { .. })
    ));
    assert!(matches!(s.verify_all(), Err(Error::SetInvalid { .. })));
    // A bucket nobody touched is not read: A still answers.
    assert!(matches!(
        s.lookup(b"kw_dev_one", 0).unwrap(),
        Answer::Valid(_)
    ));
}

#[test]
fn a_changed_entry_breaks_the_signature() {
    let key = SigningKey::from_seed(&[7; 32]);
    let jsonl = String::from_utf8(sample(&key).to_jsonl().unwrap()).unwrap();
    let forged = jsonl.replace("\"retiring\"", "\"active\"");
    assert_ne!(forged, jsonl);
    let r = VerifierSet::from_bytes(forged.as_bytes(), Path::new("x"), &Pinned::default());
    assert!(matches!(r, Err(Error::SetInvalid { .. })), "{r:?}");
}

#[test]
fn another_signer_an_older_serial_and_the_wrong_hmac_key_are_refused() {
    let key = SigningKey::from_seed(&[7; 32]);
    let other = SigningKey::from_seed(&[8; 32]);
    let bytes = sample(&key).to_sqlite().unwrap();
    let open = |p: &Pinned| VerifierSet::from_bytes(&bytes, Path::new("x"), p);

    assert!(matches!(
        open(&pinned(&other)),
        Err(Error::WrongKey { signer, pinned, .. }) if signer == key.public() && pinned == other.public()
    ));
    // Unpinned: checked against the key it names, and said so.
    assert!(!open(&Pinned::default()).unwrap().authenticated());
    let stale = Pinned {
        min_serial: Some(8),
        ..pinned(&key)
    };
    assert!(matches!(
        open(&stale),
        Err(Error::SetStale {
            serial: 7,
            required: 8,
            ..
        })
    ));
    let current = Pinned {
        min_serial: Some(7),
        ..pinned(&key)
    };
    open(&current).unwrap();

    let hmac = HmacKey::from_bytes(vec![3; 32]).unwrap();
    let set = SignedSet::sign(
        info(7, Some(&hmac)),
        vec![entry(b"imported-value", Some(&hmac), "IMPORTED", 1)],
        &key,
    );
    let bytes = set.to_jsonl().unwrap();
    let open = |k: Option<HmacKey>| {
        VerifierSet::from_bytes(
            &bytes,
            Path::new("x"),
            &Pinned {
                hmac_key: k,
                ..pinned(&key)
            },
        )
    };
    assert!(matches!(open(None), Err(Error::HmacKeyNeeded { .. })));
    let wrong = HmacKey::from_bytes(vec![4; 32]).unwrap();
    assert!(matches!(
        open(Some(wrong)),
        Err(Error::HmacKeyMismatch { .. })
    ));
    let s = open(Some(HmacKey::from_bytes(vec![3; 32]).unwrap())).unwrap();
    assert!(s.lookup(b"imported-value", 0).unwrap().is_valid());
}

/// A service holding an HMAC key was set up for HMAC sets: a plain SHA-256 set is a
/// downgrade (bare hashes of possibly guessable values), refused by name, in both
/// formats — never opened to answer `Unknown` for every valid key.
#[test]
fn a_plain_set_opened_with_an_hmac_key_is_refused_as_a_downgrade() {
    let key = SigningKey::from_seed(&[7; 32]);
    for bytes in [
        sample(&key).to_sqlite().unwrap(),
        sample(&key).to_jsonl().unwrap(),
    ] {
        let with_key = Pinned {
            hmac_key: Some(HmacKey::from_bytes(vec![3; 32]).unwrap()),
            ..pinned(&key)
        };
        let r = VerifierSet::from_bytes(&bytes, Path::new("plain.kwset"), &with_key);
        match r {
            Err(e @ Error::HmacKeyNotUsed { .. }) => {
                assert!(e.to_string().contains("plain SHA-256"), "{e}");
            }
            other => panic!("a plain set opened with an HMAC key: {other:?}"),
        }
        // Without the key the same set answers.
        let set = VerifierSet::from_bytes(&bytes, Path::new("plain.kwset"), &pinned(&key)).unwrap();
        assert!(set.lookup(b"kw_dev_one", 0).unwrap().is_valid());
    }
}

#[test]
fn a_missing_file_and_a_file_that_is_no_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.kwset");
    assert!(matches!(
        VerifierSet::open(&path, &Pinned::default()),
        Err(Error::NotFound { .. })
    ));
    std::fs::write(&path, "-- a sql set\nBEGIN;\n").unwrap();
    assert!(matches!(
        VerifierSet::open(&path, &Pinned::default()),
        Err(Error::SetInvalid { .. })
    ));
}

/// The forgery a hostile review built: the signed rows kept in an index the range scan
/// of the bucket check uses, and a row nobody signed in another index that an equality
/// lookup prefers (steered by planner statistics). Any object beyond the two tables is
/// refused when the set is opened; an extra harmless index too.
#[test]
fn an_image_with_indexes_or_statistics_a_set_does_not_have_is_refused() {
    let key = SigningKey::from_seed(&[7; 32]);
    let bytes = sample(&key).to_sqlite().unwrap();
    let edit = |sql: &str| -> Vec<u8> {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.deserialize_read_exact(MAIN_DB, std::io::Cursor::new(&bytes), bytes.len(), false)
            .unwrap();
        conn.execute_batch(sql).unwrap();
        conn.serialize(MAIN_DB).unwrap().to_vec()
    };
    let forged_hash = hex::encode(entry_hash(b"attacker-chosen", None));
    let steered = edit(&format!(
        "CREATE TABLE e2(hash BLOB NOT NULL, env TEXT NOT NULL, name TEXT NOT NULL,
           version INTEGER NOT NULL, status TEXT NOT NULL, scopes TEXT NOT NULL, not_after INTEGER);
         INSERT INTO e2 SELECT * FROM entries;
         INSERT INTO e2 VALUES (x'{forged_hash}', 'dev', 'A', 99, 'active', 'admin', NULL);
         DROP TABLE entries; ALTER TABLE e2 RENAME TO entries;
         CREATE INDEX a ON entries(hash, name, version) WHERE version <> 99;
         CREATE INDEX b ON entries(hash);
         ANALYZE; DELETE FROM sqlite_stat1;
         INSERT INTO sqlite_stat1 VALUES ('entries','a','1000000 1000000 1000000 1000000');
         INSERT INTO sqlite_stat1 VALUES ('entries','b','1000000 1 unordered');"
    ));
    let harmless = edit("CREATE INDEX by_name ON entries(name)");
    for image in [steered, harmless] {
        match VerifierSet::from_bytes(&image, Path::new("x"), &pinned(&key)) {
            Err(Error::SetInvalid { detail, .. }) => {
                assert!(detail.contains("edited after signing"), "{detail}")
            }
            other => panic!(
                "opened: {:?}",
                other.map(|s| s.lookup(b"attacker-chosen", 0))
            ),
        }
    }
}

/// A service that knows its environment refuses another one's set before any lookup,
/// in both formats; its own passes through unchanged.
#[test]
fn require_env_keeps_only_the_environment_asked_for() {
    let key = SigningKey::from_seed(&[7; 32]);
    let set = sample(&key);
    for bytes in [set.to_sqlite().unwrap(), set.to_jsonl().unwrap()] {
        let open = || VerifierSet::from_bytes(&bytes, Path::new("dev.kwset"), &pinned(&key));
        let kept = open().unwrap().require_env("dev").unwrap();
        assert!(kept.lookup(b"kw_dev_one", 0).unwrap().is_valid());
        match open().unwrap().require_env("prod") {
            Err(Error::SetInvalid { path, detail }) => {
                assert_eq!(path, Path::new("dev.kwset"));
                assert_eq!(detail, "it is the set of environment `dev`, not of `prod`");
            }
            other => panic!("{:?}", other.map(|s| s.info().clone())),
        }
    }
}
