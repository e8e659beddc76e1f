//! Seals (DESIGN §8, §7 round 3): a file this machine wrote or verified is known by
//! the seal of its bytes, kept with the pin, and read without verifying its history
//! again. A payload rewritten under a sealed file's header (every recipient holds the
//! file key) is refused chunk by chunk; the seal is of the bytes written or read, never
//! of the path read again; the seals of files verified before the pinned one are kept
//! (a merge's BASE is one of them) while the environment and its root stay the same.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::pins::FORGED;
use crate::support::Sandbox;

/// `file` with its payload rewritten under the same header and nonce by `key` (a
/// recipient, so a holder of the file key): K's value changed.
fn rewritten_under_its_header(
    file: &[u8],
    path: &std::path::Path,
    key: &std::path::Path,
) -> Vec<u8> {
    let image = crate::support::decrypt_file(path, key);
    let changed = crate::support::edit_image(&image, |c| {
        c.execute("UPDATE versions SET value = ?1", [FORGED.as_bytes()])
            .unwrap();
    });
    let forged =
        crate::support::reencrypt_under_header(file, key, &crate::support::gzipped(&changed), true);
    assert_eq!(forged[..100], file[..100], "the same header");
    forged
}

/// A vault holding `K` whose `dev` Bob is a recipient of (so he holds its file key):
/// the sandbox and Bob's identity file.
fn with_bob() -> (Sandbox, std::path::PathBuf) {
    let kw = Sandbox::with_vault();
    let bob_key = kw.write_identity("bob.key");
    kw.cmd(["access", "grant", &kw.recipient_of(&bob_key)])
        .assert()
        .success();
    kw.generate("K");
    (kw, bob_key)
}

#[test]
fn the_file_sealed_here_is_the_one_written_or_read_here() {
    // The seal is of the bytes this machine wrote (or read and verified): a rewrite under
    // the same header right after a write, or right after a first read, is caught
    // chunk by chunk, not taken for the file verified here.
    let (kw, bob_key) = with_bob();
    let path = kw.env_file("dev");
    // Bob rewrites `file` under its header; the next read refuses it, chunk by chunk.
    let refused_rewritten = |file: &[u8]| {
        fs::write(&path, rewritten_under_its_header(file, &path, &bob_key)).unwrap();
        kw.cmd(["get", "K"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(contains(
                "differs from the file verified here under the same header",
            ));
    };
    let written = fs::read(&path).unwrap();
    refused_rewritten(&written);
    // A write by another machine, read here first: sealed as read.
    fs::write(&path, &written).unwrap();
    kw.cmd(["rotate", "K"])
        .env("XDG_STATE_HOME", kw.path("laptop"))
        .assert()
        .success();
    let theirs = fs::read(&path).unwrap();
    kw.cmd(["get", "K"]).assert().success();
    refused_rewritten(&theirs);
    fs::write(&path, &theirs).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .success()
        .stdout(contains(FORGED).not());
}

#[test]
fn a_payload_rewritten_under_a_header_verified_here_is_refused_chunk_by_chunk() {
    // Bob is a recipient, so he holds the file key of Alice's file: he can write another
    // payload under the very same header (and nonce).
    let (kw, bob_key) = with_bob();
    kw.cmd(["revoke", "K", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stderr(contains("key `K` version 1 in `dev` is revoked since"));
    let file = fs::read(kw.env_file("dev")).unwrap();
    let image = crate::support::decrypt_file(&kw.env_file("dev"), &bob_key);
    let unrevoked = crate::support::edit_image(&image, |c| {
        c.execute("UPDATE versions SET status = 0, revoked_at = NULL", [])
            .unwrap();
    });
    let unrevoked = crate::support::gzipped(&unrevoked);
    for keep_nonce in [true, false] {
        let forged =
            crate::support::reencrypt_under_header(&file, &bob_key, &unrevoked, keep_nonce);
        assert_eq!(forged[..100], file[..100], "the same header");
        fs::write(kw.env_file("dev"), &forged).unwrap();
        kw.cmd(["get", "K"])
            .assert()
            .code(6)
            .stdout("")
            .stderr(if keep_nonce {
                contains("differs from the file verified here under the same header")
            } else {
                contains("`K` v1 was seen revoked on this machine")
            });
    }
    fs::write(kw.env_file("dev"), &file).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(4)
        .stderr(contains("key `K` version 1 in `dev` is revoked since"));
}

/// The record of seals verified here before the pinned one (`<env>.verified` beside
/// the pin): 32 bytes a seal.
fn earlier_seals(kw: &Sandbox, env: &str) -> Option<(usize, u32)> {
    let pins = kw.path("state/keyward/pins");
    for d in fs::read_dir(pins).ok()? {
        let p = d.unwrap().path().join(format!("{env}.verified"));
        if let Ok(meta) = fs::metadata(&p) {
            assert_eq!(meta.len() % 32, 0, "{}", p.display());
            return Some((meta.len() as usize / 32, meta.permissions().mode() & 0o777));
        }
    }
    None
}

#[test]
fn the_files_verified_here_before_are_remembered_until_trust() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let (first, mode) = earlier_seals(&kw, "dev").expect("a record after a write");
    assert_eq!(mode, 0o600);
    // Each write here adds the file it replaced.
    for n in 1..=3 {
        kw.cmd(["rotate", "K"]).assert().success();
        assert_eq!(earlier_seals(&kw, "dev").unwrap().0, first + n);
    }
    // A read of the file written here adds nothing; a read of another machine's write
    // (verified here first) adds the one it replaced.
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(earlier_seals(&kw, "dev").unwrap().0, first + 3);
    kw.cmd(["rotate", "K"])
        .env("XDG_STATE_HOME", kw.path("laptop"))
        .assert()
        .success();
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(earlier_seals(&kw, "dev").unwrap().0, first + 4);
    // A state accepted after review (`trust`) starts the record again.
    let file = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "K"]).assert().success();
    fs::write(kw.env_file("dev"), &file).unwrap();
    kw.cmd(["trust", "--reason", "restored", "--yes"])
        .assert()
        .success();
    assert_eq!(earlier_seals(&kw, "dev").unwrap().0, 0);
}

#[test]
fn a_merge_on_a_machine_whose_pin_cannot_be_read_is_refused_not_taken_as_unpinned() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let base = fs::read(kw.env_file("dev")).unwrap();
    kw.cmd(["rotate", "K"]).assert().success();
    let ours = fs::read(kw.env_file("dev")).unwrap();
    fs::write(kw.env_file("dev"), &base).unwrap();
    kw.cmd(["generate", "T"])
        .env("XDG_STATE_HOME", kw.path("laptop"))
        .assert()
        .success();
    let theirs = fs::read(kw.env_file("dev")).unwrap();
    fs::write(kw.env_file("dev"), &ours).unwrap();
    let [b, o, t] = kw.merge_sides("sides", [&base, &ours, &theirs]);
    // The pin made readable by others: an error, as on any read (never "nothing
    // pinned", which would drop the pinned root).
    let state = kw.path("state/keyward/pins");
    let pin = fs::read_dir(&state)
        .unwrap()
        .map(|d| d.unwrap().path().join("dev.json"))
        .find(|p| p.exists())
        .unwrap();
    fs::set_permissions(&pin, fs::Permissions::from_mode(0o644)).unwrap();
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .code(6)
        .stderr(contains(pin.to_str().unwrap()));
    assert_eq!(fs::read(&o).unwrap(), ours);
    fs::set_permissions(&pin, fs::Permissions::from_mode(0o600)).unwrap();
    kw.cmd(["git", "merge", &b, &o, &t, "vault/envs/dev.db.age"])
        .assert()
        .success();
}

#[test]
fn a_seal_kept_by_a_pin_from_older_rules_is_not_trusted_the_file_is_verified_again() {
    let (kw, _bob_key) = with_bob();
    let pins = kw.path("state/keyward/pins");
    let pin = fs::read_dir(&pins)
        .unwrap()
        .map(|d| d.unwrap().path().join("dev.json"))
        .find(|p| p.exists())
        .unwrap();
    let version = |p: &std::path::Path| -> (i64, bool) {
        let v: serde_json::Value = serde_json::from_slice(&fs::read(p).unwrap()).unwrap();
        (v["v"].as_i64().unwrap(), v["seal"].is_string())
    };
    assert_eq!(version(&pin), (4, true));
    // A pin written by a build whose merge rules were weaker: its seal may stand for a
    // file those rules accepted and these refuse. The next read verifies the file from
    // its rows and seals it anew.
    let older = String::from_utf8(fs::read(&pin).unwrap())
        .unwrap()
        .replace("\"v\":4", "\"v\":3");
    fs::write(&pin, older).unwrap();
    assert_eq!(version(&pin), (3, true));
    assert!(earlier_seals(&kw, "dev").unwrap().0 > 0);
    kw.cmd(["get", "K"]).assert().success();
    assert_eq!(version(&pin), (4, true));
    // Nor are the seals of earlier files, recorded under those rules.
    assert_eq!(earlier_seals(&kw, "dev").unwrap().0, 0);
}
