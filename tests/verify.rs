//! `verify`: a presented key on stdin, never argv; unknown (3) told from unusable (4),
//! another environment's key named; hostile input is a rejection with its reason.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, verify};

#[test]
fn verify_tells_unknown_from_unusable_and_other_environment() {
    let kw = Sandbox::with_vault();
    let dev = kw.generate("K");
    let prod = kw.stdout(["-e", "prod", "generate", "K"]);
    let (code, out) = verify(&kw, "dev", &dev);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "K");
    assert_eq!(v["version"], 1);
    assert_eq!(v["status"], "active");
    // A dev key presented to prod: known, but not usable there.
    let (code, out) = verify(&kw, "prod", &dev);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("environment `dev`"));
    assert_eq!(verify(&kw, "prod", prod.trim_end()).0, 0);
    // One changed character: the checksum fails offline.
    let mut bad = dev.clone().into_bytes();
    let i = bad.len() - 12;
    bad[i] = if bad[i] == b'a' { b'b' } else { b'a' };
    let bad = String::from_utf8(bad).unwrap();
    assert_eq!(verify(&kw, "dev", &bad).0, 3);
    assert_eq!(verify(&kw, "dev", "not-a-key-at-all").0, 3);
    // A trailing newline (echo) is tolerated.
    assert_eq!(verify(&kw, "dev", &format!("{dev}\n")).0, 0);
    // Non-token values are found by fingerprint.
    kw.set("IMPORTED", "imported-value-123");
    assert_eq!(verify(&kw, "dev", "imported-value-123").0, 0);
}

/// A vendor key imported as is may look like a keyward token (`sk_live_` and 36 letters
/// and digits) without its checksum: it is stored, so `verify` finds it, as a verifier
/// set of the same environment does. The shape only words the answer for a value that
/// is not stored.
#[test]
fn verify_finds_a_stored_value_shaped_like_a_token_as_the_set_does() {
    let kw = Sandbox::with_vault();
    let vendor = "sk_live_4eC39HqLyjWDarjtT1zdp7dcXk9Zq2LmN0pQ";
    kw.set("STRIPE_KEY", vendor);
    let (code, out) = verify(&kw, "dev", vendor);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["name"].as_str(), v["version"].as_u64()),
        (Some("STRIPE_KEY"), Some(1))
    );
    assert_eq!(verify(&kw, "dev", &format!("{vendor}\n")).0, 0);

    kw.export_hmac_set();
    kw.cmd([
        "verifier",
        "check",
        "--set",
        "dev.kwset",
        "--hmac-key-file",
        "hmac.key",
    ])
    .write_stdin(vendor)
    .assert()
    .code(0);

    // Not stored: unknown (3), the shape naming why.
    let other = "sk_live_4eC39HqLyjWDarjtT1zdp7dcXk9Zq2LmN0pR";
    let (code, out) = verify(&kw, "dev", other);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("token checksum does not match"), "{out}");
}

#[test]
fn verify_reads_stdin_never_argv() {
    let kw = Sandbox::with_vault();
    kw.cmd(["verify", "kw_dev_somethingsomething"])
        .assert()
        .code(2)
        .stderr(contains("unexpected extra argument (not shown"))
        .stderr(contains("somethingsomething").not());
    // Empty input is a rejected key (exit 4), not an internal error.
    kw.cmd(["verify"])
        .write_stdin("")
        .assert()
        .code(4)
        .stderr(contains("rejected: the presented key is empty"));
}

#[test]
fn verify_of_hostile_input_is_a_rejection_with_its_reason() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let long = "k".repeat(64 * 1024 + 10);
    for (input, reason) in [
        ("", "empty"),
        ("\n", "empty"),
        ("abc\0def", "NUL"),
        (long.as_str(), "longer than 64 KiB"),
    ] {
        let out = kw
            .cmd(["verify", "--json"])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(4),
            "input {:?}",
            &input[..input.len().min(8)]
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], false);
        assert!(
            v["reason"].as_str().unwrap().contains(reason),
            "reason: {}",
            v["reason"]
        );
        kw.cmd(["verify"])
            .write_stdin(input)
            .assert()
            .code(4)
            .stderr(contains(reason));
    }
    // Each attempt is an access event: a guessing service leaves a trail.
    let audit = kw.stdout(["audit", "--action", "verify", "--json"]);
    assert!(audit.matches("malformed").count() >= 8, "{audit}");
}
