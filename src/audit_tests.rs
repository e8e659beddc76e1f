//! Unit tests of `audit` (kept apart: STYLE.md, files under 600 lines).
use super::*;

/// Stored codes are pinned: renumbering would relabel every stored event.
#[test]
fn action_codes_are_pinned() {
    let pinned = [
        (0, "init"),
        (1, "env-add"),
        (2, "generate"),
        (3, "set"),
        (4, "import"),
        (5, "rotate"),
        (6, "revoke"),
        (7, "expire"),
        (8, "access-grant"),
        (9, "access-revoke"),
        (10, "offboard"),
        (11, "get"),
        (12, "run"),
        (13, "export"),
        (14, "verify"),
        (15, "trust"),
        (16, "rename"),
        (17, "delete"),
        (18, "merge"),
        (19, "merge-conflict"),
        (20, "exposed"),
        (21, "resolve"),
        (22, "render"),
        (23, "hook"),
        (24, "verifier-key"),
        (25, "verifier-export"),
        (26, "checkpoint"),
        (27, "role"),
        (28, "touch"),
    ];
    assert_eq!(pinned.len(), Action::ALL.len());
    for (code, name) in pinned {
        let a = Action::from_code(code).unwrap();
        assert_eq!(a.as_str(), name);
        assert_eq!(name.parse::<Action>().unwrap().code(), code);
    }
    assert!(Action::from_code(29).is_none());
    assert!(Action::from_code(-1).is_none());
}

fn actor() -> Actor {
    Actor {
        recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into(),
        os_user: "bob".into(),
        host: "ci-runner-7".into(),
        via: Via::File,
    }
}

#[test]
fn actor_matches_its_recipient_never_its_reported_user_or_host() {
    let a = actor();
    for yes in [
        a.recipient.as_str(),
        "age1qyqs",
        "age1qyqszqgpqyqs",
        &crate::recipient::short_recipient(&a.recipient),
    ] {
        assert!(a.matches(yes), "{yes}");
    }
    // too short a prefix, the OS user or host its machine reported (unsigned),
    // another recipient
    for no in ["age1qyq", "bob", "ci-runner-7", "age1qyqszqgx", "", "BOB"] {
        assert!(!a.matches(no), "{no}");
    }
}

#[test]
fn an_event_without_a_stored_outcome_reads_ok_and_keeps_its_hash() {
    let env: EnvName = "dev".parse().unwrap();
    let canon = canonical(
        &env,
        &actor(),
        Action::Revoke,
        Some("K"),
        Some(1),
        None,
        None,
        7,
    );
    let bytes = canon.bytes();
    assert!(String::from_utf8_lossy(&bytes).ends_with(r#""outcome":null}"#));
    let hash = chain_hash(&GENESIS, &bytes);
    let e = canon
        .into_event(Chain::Lifecycle, 1, GENESIS, hash)
        .unwrap();
    assert_eq!(e.outcome, "ok");
    assert_eq!(e.hash, hash);
}

/// Format 2's subject extends the canonical form only when present: events without
/// one hash exactly as before.
#[test]
fn a_subject_is_hashed_last_and_only_when_present() {
    let env: EnvName = "dev".parse().unwrap();
    let canon = canonical(
        &env,
        &actor(),
        Action::AccessGrant,
        None,
        None,
        Some("age1x"),
        None,
        7,
    );
    let plain = canon.bytes();
    assert_eq!(canon.bytes_with(None), plain);
    let with = String::from_utf8(canon.bytes_with(Some("age1x"))).unwrap();
    let plain = String::from_utf8(plain).unwrap();
    assert_eq!(
        with,
        format!("{},\"subject\":\"age1x\"}}", &plain[..plain.len() - 1])
    );
}

#[test]
fn labels_are_1_to_64_printable_characters() {
    // Recipient-like text inside a word is no recipient.
    for ok in [
        "a",
        "Ana (backend)",
        &"é".repeat(64),
        "bob@example.com",
        "Homepage1 bot",
        "gh-ssh-deploy",
        "kw_member_ops",
    ] {
        assert_eq!(ok.parse::<Label>().unwrap().as_str(), ok);
    }
    for bad in [
        "",
        "  ",
        &"x".repeat(65),
        "a\tb",
        "a\nb",
        "a\u{7f}b",
        "\u{1b}[31m",
        "Alice\u{200b}",
        "\u{202e}ecilA",
        "Alice\u{a0}",
        "Ali\u{feff}ce",
        "\u{3164}",
        "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs5hzplm",
        "AGE1qyqs",
        "ssh-ed25519 AAAA",
        "Alice (age1putjpx)",
        "Alice age1putjpx",
        "Alice:AGE1putjpx",
        "Bob [ssh-ed25519 AAAA]",
        "Carol (kw-member1x)",
        "Dan (abc…def)",
        "Ana ",
        " Ana",
        "Ana  B.",
    ] {
        assert!(bad.parse::<Label>().is_err(), "{bad:?}");
    }
}

#[test]
fn an_actor_matches_its_label_exactly() {
    let a = actor();
    assert!(a.matches_labeled("Bob B.", Some("Bob B.")));
    assert!(!a.matches_labeled("Bob", Some("Bob B.")));
    assert!(!a.matches_labeled("Bob B.", None));
    assert!(!a.matches_labeled("", Some("")));
}

#[test]
fn chain_hash_depends_on_order() {
    let a = chain_hash(&GENESIS, b"a");
    let b = chain_hash(&a, b"b");
    let b2 = chain_hash(&GENESIS, b"b");
    assert_ne!(b, b2);
    assert_ne!(chain_hash(&b2, b"a"), b);
}
