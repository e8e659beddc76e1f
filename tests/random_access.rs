//! Reads that decrypt only the chunks they visit (DESIGN §7 round 2): an env file's age
//! payload is a STREAM of 64 KiB chunks, each authenticated on its own, and a read
//! opens the database page by page through them. A tampered chunk is exit 6 for every
//! command that touches it; `audit verify`, exports and writes read the whole file.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

/// age's plaintext chunk and tag sizes (the STREAM construction's, fixed by the format).
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// An env with enough keys for its image to span many chunks, and over 1 MiB so it is
/// stored raw (smaller images are compressed and read whole); the first key's value.
fn big_env(kw: &Sandbox, keys: usize) -> String {
    let value = |i: usize| format!("value-{i:05}-{}", "x".repeat(400));
    let dotenv: String = (0..keys)
        .map(|i| format!("K{i:05}={}\n", value(i)))
        .collect();
    kw.cmd(["import", "-", "--format", "dotenv"])
        .write_stdin(dotenv)
        .assert()
        .success();
    value(0)
}

/// Where each chunk's ciphertext starts in the env file: the payload is the file's tail,
/// one tag per chunk over the plaintext.
fn chunk_offsets(kw: &Sandbox, file: &[u8]) -> Vec<usize> {
    let plain = kw.decrypt_env_payload("dev").len();
    let chunks = plain.div_ceil(CHUNK);
    let start = file.len() - plain - chunks * TAG;
    (0..chunks).map(|i| start + i * (CHUNK + TAG)).collect()
}

#[test]
fn a_tampered_chunk_fails_the_reads_that_touch_it_and_every_whole_file_check() {
    let kw = Sandbox::with_vault();
    let first = big_env(&kw, 3000);
    let pristine = fs::read(kw.env_file("dev")).unwrap();
    let offsets = chunk_offsets(&kw, &pristine);
    assert!(
        offsets.len() >= 6,
        "{} chunks: too few to tell",
        offsets.len()
    );

    let (mut served, mut refused) = (Vec::new(), Vec::new());
    for (i, at) in offsets.iter().enumerate() {
        let mut bad = pristine.clone();
        bad[at + 100] ^= 0x01;
        fs::write(kw.env_file("dev"), &bad).unwrap();

        // A point read: the right value, or exit 6 naming the chunk it could not trust.
        let out = kw.cmd(["get", "K00000"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{first}\n"));
                served.push(i);
            }
            Some(6) => {
                assert!(
                    stderr.contains(&format!("chunk {i} ")) || stderr.contains("payload damaged"),
                    "chunk {i}: {stderr}"
                );
                refused.push(i);
            }
            other => panic!("chunk {i}: exit {other:?}: {stderr}"),
        }
        // Whatever a point read touched, these read the whole file.
        kw.cmd(["audit", "verify"])
            .assert()
            .code(6)
            .stderr(contains("failed authentication").or(contains("payload damaged")));
        kw.cmd(["export", "--format", "dotenv"])
            .assert()
            .code(6)
            .stderr(contains("is corrupt or has been tampered with"))
            .stdout("");
        kw.cmd(["generate", "NEW"])
            .assert()
            .code(6)
            .stderr(contains(
                "differs from the file verified here under the same header",
            ));
        assert_eq!(
            fs::read(kw.env_file("dev")).unwrap(),
            bad,
            "chunk {i}: rewritten"
        );
    }
    // The header page is in chunk 0: every read touches it. Most chunks hold pages a
    // point read never visits: it did not decrypt them.
    assert!(
        refused.contains(&0),
        "served {served:?}, refused {refused:?}"
    );
    assert!(
        served.len() * 2 > offsets.len(),
        "a point read touched most chunks: served {served:?}, refused {refused:?}"
    );

    fs::write(kw.env_file("dev"), &pristine).unwrap();
    kw.cmd(["get", "K00000"])
        .assert()
        .success()
        .stdout(format!("{first}\n"));
    kw.cmd(["audit", "verify"]).assert().success();
}

#[test]
fn a_truncated_file_is_refused_before_any_page_is_read() {
    let kw = Sandbox::with_vault();
    big_env(&kw, 1500);
    let pristine = fs::read(kw.env_file("dev")).unwrap();
    let offsets = chunk_offsets(&kw, &pristine);
    // Cut at a chunk boundary: every remaining chunk is intact, but the last one is not
    // flagged as last, which seeking to the end (at open) detects.
    fs::write(kw.env_file("dev"), &pristine[..offsets[offsets.len() - 1]]).unwrap();
    kw.cmd(["get", "K00000"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("truncated"));
}

#[test]
fn reads_of_a_large_env_agree_with_the_whole_image() {
    let kw = Sandbox::with_vault();
    big_env(&kw, 3000);
    kw.cmd(["rotate", "K01234", "--reason", "test"])
        .write_stdin("rotated-value-of-K01234")
        .assert()
        .success();
    let image = kw.decrypt_env("dev");
    let db = crate::support::open_image(&image);
    let keys: i64 = db
        .query_row("SELECT count(*) FROM keys", [], |r| r.get(0))
        .unwrap();
    let listed: serde_json::Value = serde_json::from_str(&kw.stdout(["list", "--json"])).unwrap();
    let listed = listed["keys"].as_array().expect("a JSON array of keys");
    assert_eq!(listed.len() as i64, keys);
    assert_eq!(keys, 3000);
    kw.cmd(["get", "K01234"])
        .assert()
        .success()
        .stdout("rotated-value-of-K01234\n");
    kw.cmd(["get", "K02999"])
        .assert()
        .success()
        .stdout(format!("value-02999-{}\n", "x".repeat(400)));
}

#[test]
fn audit_verify_authenticates_even_the_chunks_no_query_of_it_reads() {
    let kw = Sandbox::with_vault();
    // Large values fill chunks of their own (overflow pages), which reading the audit
    // chains never visits; over 1 MiB in all, so the image is stored raw.
    for i in 0..20 {
        kw.set(&format!("BIG{i}"), &format!("{}", i % 10).repeat(60_000));
    }
    kw.set("SMALL", "small-value");
    let pristine = fs::read(kw.env_file("dev")).unwrap();
    let offsets = chunk_offsets(&kw, &pristine);
    let mut served = 0;
    for (i, at) in offsets.iter().enumerate() {
        let mut bad = pristine.clone();
        bad[at + 100] ^= 0x01;
        fs::write(kw.env_file("dev"), &bad).unwrap();
        kw.cmd(["audit", "verify"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(format!("chunk {i} ")).or(contains("payload damaged")));
        if kw.cmd(["get", "SMALL"]).output().unwrap().status.success() {
            served += 1;
        }
    }
    // The chunks a point read never touched are exactly what the check adds.
    assert!(served >= 1, "no chunk untouched by a point read");
}

#[test]
fn a_large_payload_rewritten_under_its_own_header_is_refused_at_the_chunk_read() {
    // A recipient holds the file key: under the same header and nonce they can write
    // other chunks, each authenticating. A point read checks each chunk it decrypts
    // against the seal this machine made when it verified the file.
    let kw = Sandbox::with_vault();
    big_env(&kw, 3000);
    kw.stdout(["get", "K00000"]);
    let file = fs::read(kw.env_file("dev")).unwrap();
    let image = kw.decrypt_env("dev");
    let edited = crate::support::edit_image(&image, |c| {
        c.execute(
            "UPDATE versions SET value = CAST('attacker-value-00000000' AS BLOB)
             WHERE key_id = (SELECT id FROM keys WHERE name = 'K00000')",
            [],
        )
        .unwrap();
    });
    let forged = crate::support::reencrypt_under_header(&file, &kw.path("me.key"), &edited, true);
    fs::write(kw.env_file("dev"), &forged).unwrap();
    kw.cmd(["get", "K00000"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains(
            "differs from the file verified here under the same header",
        ));
}
