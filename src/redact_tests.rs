//! Tests of the streaming redaction (kept beside `redact.rs`).

use super::*;
use proptest::prelude::*;

fn redact_chunks(values: &[(&str, &[u8])], chunks: &[&[u8]]) -> Vec<u8> {
    let owned: Vec<(String, &[u8])> = values.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let mut r = Redactor::new(&owned);
    let mut out = Vec::new();
    for c in chunks {
        r.feed(c, &mut out).unwrap();
    }
    r.finish(&mut out).unwrap();
    out
}

#[test]
fn replaces_every_value_with_its_name() {
    let out = redact_chunks(
        &[("A", b"secret11"), ("B", b"other-secret")],
        &[b"x secret11 y other-secret z secret11"],
    );
    assert_eq!(out, b"x [redacted:A] y [redacted:B] z [redacted:A]");
}

#[test]
fn a_line_of_a_multi_line_value_printed_alone_is_redacted_but_not_its_armor() {
    let pem: &[u8] = b"-----BEGIN PRIVATE KEY-----\r\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
    let out = redact_chunks(
        &[("PEM", pem)],
        &[
            b"line: AASCBKcwggSjAgEAAoIBAQC7\n",
            b"all: ",
            pem,
            b"head: -----BEGIN PRIVATE KEY-----",
        ],
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "line: [redacted:PEM]\nall: [redacted:PEM]head: -----BEGIN PRIVATE KEY-----"
    );
    let owned = vec![("PEM".to_string(), pem)];
    let mut r = Redactor::new(&owned);
    r.feed(
        b"MIIEvQIBADANBgkqhkiG9w0BAQEF AASCBKcwggSjAgEAAoIBAQC7",
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(r.redacted(), ["PEM"]);
    // A credential's structure is the program's too: only its key material goes.
    let sa: &[u8] = b"{\n  \"type\": \"service_account\",\n  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}";
    let printed: &[u8] = b"\"service_account\", POST https://oauth2.googleapis.com/token\n";
    assert_eq!(redact_chunks(&[("SA", sa)], &[printed]), printed);
    let kube: &[u8] =
        b"apiVersion: v1\nkind: Config\nusers:\n        token: c2VjcmV0LXRva2VuLWJvZHk=\n";
    let out = redact_chunks(
        &[("KUBE", kube)],
        &[b"apiVersion: v1\nkind: Config\n        return 1\ntoken c2VjcmV0LXRva2VuLWJvZHk=\n"],
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "apiVersion: v1\nkind: Config\n        return 1\ntoken [redacted:KUBE]\n"
    );
}

#[test]
fn value_split_across_writes_is_caught() {
    let out = redact_chunks(&[("K", b"abcdefgh")], &[b"start abc", b"defgh end"]);
    assert_eq!(out, b"start [redacted:K] end");
}

#[test]
fn output_that_cannot_start_a_value_is_not_held() {
    let owned = vec![("K".to_string(), &b"secretvalue"[..])];
    let mut r = Redactor::new(&owned);
    let mut out = Vec::new();
    r.feed(b"line one\n", &mut out).unwrap();
    assert_eq!(out, b"line one\n");
    r.feed(b"tail sec", &mut out).unwrap();
    assert_eq!(out, b"line one\ntail ");
}

#[test]
fn longest_value_wins_when_one_contains_another() {
    let (s, l) = (&b"abcdefgh"[..], &b"abcdefghijkl"[..]);
    let out = redact_chunks(&[("S", s), ("L", l)], &[b"abcdefghijkl abcdefgh"]);
    assert_eq!(out, b"[redacted:L] [redacted:S]");
    let out = redact_chunks(&[("S", s), ("L", l)], &[b"abcd", b"efghijk", b"l!"]);
    assert_eq!(out, b"[redacted:L]!");
}

#[test]
fn a_value_ending_where_another_may_begin_is_redacted_whole() {
    // "…efgh" is a whole value and "gh…" the start of another: both are handled.
    let out = redact_chunks(
        &[("A", b"abcdefgh"), ("B", b"ghijklmn")],
        &[b"x abcdefgh", b"ijklmn y"],
    );
    assert_eq!(out, b"x [redacted:A]ijklmn y");
}

#[test]
fn values_shorter_than_8_bytes_are_left_alone_and_named() {
    let owned = vec![
        ("ONE".to_string(), &b"e"[..]),
        ("SEVEN".to_string(), &b"1234567"[..]),
        ("EIGHT".to_string(), &b"12345678"[..]),
        ("EMPTY".to_string(), &b""[..]),
    ];
    assert_eq!(Redactor::too_short(&owned), ["ONE", "SEVEN"]);
    let mut r = Redactor::new(&owned);
    let mut out = Vec::new();
    r.feed(b"parent-edits 1234567 12345678", &mut out).unwrap();
    r.finish(&mut out).unwrap();
    assert_eq!(out, b"parent-edits 1234567 [redacted:EIGHT]");
}

#[test]
fn memory_for_a_64_kib_value_is_linear_in_its_length() {
    // The old prefix set held every prefix: 64 KiB * 64 KiB / 2 = 2 GiB for this one.
    let held = |len: usize| {
        let v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        Redactor::new(&[("K".to_string(), &v[..])]).bytes_held()
    };
    let small = held(64 * 1024);
    assert!(
        small <= 64 * 64 * 1024,
        "a 64 KiB value holds {small} bytes, over 64 bytes per value byte"
    );
    let double = held(128 * 1024);
    assert!(
        double <= small * 5 / 2,
        "doubling the value took {small} -> {double} bytes: not linear"
    );
    // A repetitive value (long failure chains) is no worse.
    // A second stream shares the values: only its own buffer is new.
    let v: Vec<u8> = (0..64 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
    let r = Redactor::new(&[("K".to_string(), &v[..])]);
    let values = r.bytes_held() - r.pending.capacity();
    let other = r.clone();
    assert!(Arc::ptr_eq(&r.shared, &other.shared));
    assert_eq!(other.bytes_held() - other.pending.capacity(), values);
    let same = vec![b'a'; 64 * 1024];
    let r = Redactor::new(&[("K".to_string(), &same[..])]);
    assert!(r.bytes_held() <= 64 * 64 * 1024, "{}", r.bytes_held());
}

#[test]
fn a_64_kib_value_is_redacted_whole_and_split() {
    let v: Vec<u8> = (0..64 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
    let mut text = b"before ".to_vec();
    text.extend_from_slice(&v);
    text.extend_from_slice(b" after");
    let whole = redact_chunks(&[("K", &v)], &[&text]);
    assert_eq!(whole, b"before [redacted:K] after");
    let chunks: Vec<&[u8]> = text.chunks(4096).collect();
    assert_eq!(redact_chunks(&[("K", &v)], &chunks), whole);
}

proptest! {
    #[test]
    fn split_anywhere_gives_the_same_output(
        value in "[0-9]{8,24}".prop_map(String::into_bytes),
        before in proptest::collection::vec(any::<u8>(), 0..40),
        after in proptest::collection::vec(any::<u8>(), 0..40),
        cut in 0usize..200,
    ) {
        let mut text = before.clone();
        text.extend_from_slice(&value);
        text.extend_from_slice(&after);
        let whole = redact_chunks(&[("K", &value)], &[&text]);
        let cut = cut % (text.len() + 1);
        let split = redact_chunks(&[("K", &value)], &[&text[..cut], &text[cut..]]);
        prop_assert_eq!(&whole, &split);
        // and the value never survives (digits: it cannot hide in `[redacted:K]`)
        prop_assert!(!whole.windows(value.len()).any(|w| w == &value[..]));
    }

    #[test]
    fn overlapping_values_split_anywhere_give_the_same_output(
        a in "[ab]{8,12}".prop_map(String::into_bytes),
        b in "[ab]{8,12}".prop_map(String::into_bytes),
        text in "[ab ]{0,80}".prop_map(String::into_bytes),
        cut1 in 0usize..100,
        cut2 in 0usize..100,
    ) {
        let vals = [("A", &a[..]), ("B", &b[..])];
        let whole = redact_chunks(&vals, &[&text]);
        let (mut c1, mut c2) = (cut1 % (text.len() + 1), cut2 % (text.len() + 1));
        if c1 > c2 { std::mem::swap(&mut c1, &mut c2); }
        let split = redact_chunks(&vals, &[&text[..c1], &text[c1..c2], &text[c2..]]);
        prop_assert_eq!(&whole, &split);
    }
}
