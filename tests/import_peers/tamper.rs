//! What a writer of the source who cannot decrypt it can do to an import: change a sops
//! file (exit 6, and never a decrypted value in the error), damage a passage entry
//! (exit 6), re-encode a prod entry into `dev/` (still a copy), or plant an entry that
//! is not a file or that inflates without end (refused, named).

use std::fs;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::support::peers::*;

/// A named change to a sops file's text.
type TextEdit = (&'static str, Box<dyn Fn(&str) -> String>);
/// A named change to an entry's bytes.
type ByteEdit = (&'static str, Box<dyn Fn(&mut Vec<u8>)>);

const SOPS_VALUE: &str = "sk_live_SUPERSECRETVALUE123";

/// A sops file of one value, encrypted to the sandbox identity, with `edit` applied to
/// its text, saved as `t.enc.yaml`.
fn tampered_sops(kw: &Sandbox, edit: impl Fn(&str) -> String) {
    let me = kw.my_recipient();
    let file = sops_file(
        kw,
        "s.enc.yaml",
        "yaml",
        &format!("API_TOKEN: {SOPS_VALUE}\n"),
        &me,
    );
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.contains(SOPS_VALUE));
    let changed = edit(&text);
    assert_ne!(changed, text, "the edit changed nothing");
    fs::write(kw.path("t.enc.yaml"), changed).unwrap();
}

/// The base64 data of the `ENC[…]` string after `key: ` with its first character changed.
fn flip_data(text: &str, key: &str) -> String {
    let at = text.find(&format!("{key}: ENC[AES256_GCM,data:")).unwrap();
    let start = at + key.len() + ": ENC[AES256_GCM,data:".len();
    let first = &text[start..start + 1];
    let with = if first == "A" { "B" } else { "A" };
    format!("{}{with}{}", &text[..start], &text[start + 1..])
}

/// sops decrypts a value before it checks the MAC, and quotes it when it does not
/// convert to the type its tag names; the tag is not authenticated first, so anyone
/// who can write the file can make sops print a value. keyward says the file fails
/// its integrity check (exit 6) and repeats none of sops' words.
#[test]
fn a_changed_sops_file_is_exit_6_and_no_value_is_in_the_error() {
    if !have(&["sops"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let cases: [TextEdit; 6] = [
        ("int", Box::new(|t| t.replace("type:str]", "type:int]"))),
        ("bool", Box::new(|t| t.replace("type:str]", "type:bool]"))),
        ("float", Box::new(|t| t.replace("type:str]", "type:float]"))),
        ("data", Box::new(|t| flip_data(t, "API_TOKEN"))),
        ("mac", Box::new(|t| flip_data(t, "mac"))),
        (
            "no mac",
            Box::new(|t| {
                t.lines()
                    .filter(|l| !l.trim_start().starts_with("mac:"))
                    .map(|l| format!("{l}\n"))
                    .collect()
            }),
        ),
    ];
    for (what, edit) in cases {
        tampered_sops(&kw, edit);
        for extra in [&["--dry-run"][..], &[][..]] {
            let mut args = vec!["import", "--from", "sops", "t.enc.yaml"];
            args.extend_from_slice(extra);
            let err = fails(&kw, &args, 6, "fails sops' integrity check", &[SOPS_VALUE]);
            assert!(err.contains("`t.enc.yaml`"), "{what}: {err}");
            assert!(!err.contains("SUPERSECRET"), "{what}: {err}");
            assert!(!err.contains("strconv"), "{what}: sops' words: {err}");
        }
    }
    assert!(names_in(&kw, "dev").is_empty());
    kw.assert_nowhere_in_files(SOPS_VALUE);
}

/// A failure keyward cannot class is told by sops' exit status only: whatever sops
/// printed (here a fake sops that prints a value) is not repeated.
#[test]
fn a_sops_failure_of_another_kind_names_only_sops_exit_status() {
    if !have(&["sops"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    fs::write(kw.path("plain.yaml"), "A: plain-value-never-encrypted\n").unwrap();
    fails(
        &kw,
        &["import", "--from", "sops", "plain.yaml"],
        1,
        "is not encrypted by sops (it has no `sops` metadata)",
        &["plain-value-never-encrypted"],
    );
    let bin = kw.path("fake-bin");
    fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("sops");
    fs::write(
        &fake,
        "#!/bin/sh\necho 'Error: parsing \"value-sops-printed-42\": invalid' >&2\nexit 3\n",
    )
    .unwrap();
    fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    kw.set_env("PATH", &path);
    let err = fails(
        &kw,
        &["import", "--from", "sops", "plain.yaml"],
        1,
        "(sops exit status 3)",
        &["value-sops-printed-42"],
    );
    assert!(err.contains("sops decrypt FILE"), "{err}");
    assert!(!err.contains("parsing"), "sops' words: {err}");
    assert!(names_in(&kw, "dev").is_empty());
}

/// A passage entry whose payload or header MAC does not authenticate, or which is cut
/// short: integrity, exit 6, naming the entry; nothing imported.
#[test]
fn a_damaged_passage_entry_is_exit_6_naming_it() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("store");
    passage_entry(&kw, &store, "a", b"value-of-entry-a-1234\n", &me, false);
    passage_entry(&kw, &store, "x", b"value-of-entry-x-1234\n", &me, false);
    let file = store.join("x.age");
    let good = fs::read(&file).unwrap();
    let mac_at = good.windows(4).position(|w| w == b"\n---").unwrap() + 5;
    let damages: [ByteEdit; 3] = [
        (
            "payload",
            Box::new(|b| *b.iter_mut().rev().nth(4).unwrap() ^= 1),
        ),
        (
            "header MAC",
            Box::new(move |b| b[mac_at] = if b[mac_at] == b'A' { b'B' } else { b'A' }),
        ),
        ("cut short", Box::new(|b| b.truncate(b.len() - 20))),
    ];
    for (what, damage) in damages {
        let mut bytes = good.clone();
        damage(&mut bytes);
        fs::write(&file, &bytes).unwrap();
        for extra in [&["--dry-run"][..], &[][..]] {
            let mut args = vec!["import", "--from", "passage", store.to_str().unwrap()];
            args.extend_from_slice(extra);
            let err = fails(
                &kw,
                &args,
                6,
                "entry `x` is damaged or was tampered with",
                &["value-of-entry"],
            );
            assert!(err.contains("nothing imported"), "{what}: {err}");
        }
    }
    assert!(names_in(&kw, "dev").is_empty());
}

/// `text` as PEM lines of `width` characters between `label` lines, each line ended by
/// `eol`.
fn pem(bytes: &[u8], label: &str, width: usize, eol: &str) -> String {
    let b64 = STANDARD.encode(bytes);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----{eol}{}{eol}-----END {label}-----{eol}",
        lines.join(eol)
    )
}

/// The cross-environment copy check compares ciphertexts, not bytes: the prod entry
/// ASCII-armored into `dev/` (or an armored prod entry copied there in binary) is the
/// same copy, refused; a dev entry that is not an age file at all cannot be checked and
/// is refused too (exit 6). `-e dev` refuses as well.
#[test]
fn a_re_encoded_copy_of_a_prod_passage_entry_is_refused() {
    if !have(&["age"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("store");
    passage_entry(&kw, &store, "dev/a", b"dev-value-a-1234\n", &me, false);
    passage_entry(
        &kw,
        &store,
        "prod/stripe",
        b"PROD-STRIPE-LIVE\n",
        &me,
        false,
    );
    passage_entry(
        &kw,
        &store,
        "prod/armored",
        b"PROD-ARMORED-LIVE\n",
        &me,
        true,
    );
    let dir = store.to_str().unwrap();
    let binary = fs::read(store.join("prod/stripe.age")).unwrap();
    let armored = fs::read_to_string(store.join("prod/armored.age")).unwrap();
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let dearmored = STANDARD.decode(body).unwrap();
    let copies: [(&str, Vec<u8>, &str); 3] = [
        (
            "armored",
            pem(&binary, "AGE ENCRYPTED FILE", 64, "\n").into_bytes(),
            "`dev/copy` = `prod/stripe`",
        ),
        (
            "armored, CRLF",
            pem(&binary, "AGE ENCRYPTED FILE", 64, "\r\n").into_bytes(),
            "`dev/copy` = `prod/stripe`",
        ),
        ("de-armored", dearmored, "`dev/copy` = `prod/armored`"),
    ];
    for (what, bytes, pair) in copies {
        fs::write(store.join("dev/copy.age"), &bytes).unwrap();
        let got = run(
            &kw,
            "age",
            &[
                "-d",
                "-i",
                kw.identity.as_ref().unwrap().to_str().unwrap(),
                store.join("dev/copy.age").to_str().unwrap(),
            ],
            b"",
        );
        assert!(got.status.success(), "{what}: age itself decrypts the copy");
        for extra in [&[][..], &["-e", "dev"][..]] {
            let mut args = vec!["import", "--from", "passage", dir, "--env-from-path"];
            args.extend_from_slice(extra);
            let err = fails(&kw, &args, 1, "the same ciphertext as", &["PROD-"]);
            assert!(err.contains(pair), "{what}: {err}");
        }
    }
    fs::write(store.join("dev/copy.age"), b"not an age file at all\n").unwrap();
    let args = ["import", "--from", "passage", dir, "--env-from-path"];
    let err = fails(&kw, &args, 6, "not one plain encrypted message", &["PROD-"]);
    assert!(err.contains("`dev/copy` (not an age"), "{err}");
    assert!(names_in(&kw, "dev").is_empty());
    assert!(names_in(&kw, "prod").is_empty());
    fs::remove_file(store.join("dev/copy.age")).unwrap();
    kw.cmd(args).assert().success();
    assert_eq!(stored(&kw, "dev", "A"), "dev-value-a-1234");
    assert_eq!(stored(&kw, "prod", "STRIPE"), "PROD-STRIPE-LIVE");
}

/// The same for pass: an OpenPGP marker packet in front of the prod entry, or the
/// entry armored, is still the copy; the entry wrapped in a compressed packet (gpg
/// decrypts it) has no one ciphertext to compare and is refused (exit 6).
#[test]
fn a_re_encoded_copy_of_a_prod_pass_entry_is_refused() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "prod/db", "PROD-DB-PASSWORD\n");
    store.insert(&kw, "dev/a", "dev-value-a\n");
    let dir = store.store.to_str().unwrap().to_owned();
    let original = fs::read(store.store.join("prod/db.gpg")).unwrap();
    let mut marked = b"\xa8\x03PGP".to_vec();
    marked.extend_from_slice(&original);
    let mut armored = pem(&original, "PGP MESSAGE", 50, "\r\n");
    armored.insert_str(
        armored.find("\r\n").unwrap() + 2,
        "Comment: nothing to see\r\n\r\n",
    );
    // A compressed packet (algorithm 0, stored) holding the whole message.
    let mut body = vec![0u8];
    body.extend_from_slice(&original);
    let len = body.len() - 192;
    let mut wrapped = vec![0xc8, (len >> 8) as u8 + 192, len as u8];
    wrapped.extend_from_slice(&body);
    let copies: [(&str, Vec<u8>, i32, &str); 3] = [
        ("marker", marked, 1, "`dev/copy` = `prod/db`"),
        ("armored", armored.into_bytes(), 1, "`dev/copy` = `prod/db`"),
        (
            "compressed",
            wrapped,
            6,
            "`dev/copy` (it is not one plain OpenPGP encrypted message)",
        ),
    ];
    for (what, bytes, code, want) in copies {
        fs::write(store.store.join("dev/copy.gpg"), &bytes).unwrap();
        assert_eq!(store.show(&kw, "dev/copy"), b"PROD-DB-PASSWORD\n", "{what}");
        for extra in [&[][..], &["-e", "dev"][..]] {
            let mut args = vec!["import", "--from", "pass", &dir, "--env-from-path"];
            args.extend_from_slice(extra);
            let err = fails(&kw, &args, code, want, &["PROD-DB"]);
            assert!(err.contains("nothing imported"), "{what}: {err}");
        }
    }
    assert!(names_in(&kw, "dev").is_empty());
    fs::remove_file(store.store.join("dev/copy.gpg")).unwrap();
    kw.cmd(["import", "--from", "pass", &dir, "--env-from-path"])
        .assert()
        .success();
    assert_eq!(stored(&kw, "prod", "DB"), "PROD-DB-PASSWORD");
}

/// An entry that is a FIFO (or a link to one inside the store) was skipped without a
/// word, exit 0: a store writer could make an entry vanish from an import. Refused,
/// named, before anything is decrypted.
#[test]
fn an_entry_that_is_not_a_file_refuses_the_import_naming_it() {
    if !have(&["age", "mkfifo"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let me = kw.my_recipient();
    let store = kw.path("store");
    passage_entry(&kw, &store, "dev/a", b"dev-value-a-1234\n", &me, false);
    run_ok(&kw, "mkfifo", &[store.join("fifo").to_str().unwrap()], b"");
    let dir = store.to_str().unwrap();
    for (entry, shown) in [("dev/b.age", "`dev/b.age`"), ("dev/c.age", "`dev/c.age`")] {
        let at = store.join(entry);
        if entry == "dev/b.age" {
            run_ok(&kw, "mkfifo", &[at.to_str().unwrap()], b"");
        } else {
            std::os::unix::fs::symlink("../fifo", &at).unwrap();
        }
        for extra in [&["--dry-run"][..], &[][..]] {
            let mut args = vec!["import", "--from", "passage", dir, "--env-from-path"];
            args.extend_from_slice(extra);
            let err = fails(&kw, &args, 1, "not a regular file", &["dev-value"]);
            assert!(err.contains(shown), "{err}");
        }
        fs::remove_file(at).unwrap();
    }
    assert!(names_in(&kw, "dev").is_empty());
}

/// A pass entry of a few KiB that gpg inflates past 64 MiB: refused, naming the entry.
#[test]
fn a_pass_entry_that_inflates_past_64_mib_is_refused_naming_it() {
    if !have(&["gpg", "gpgconf", "pass"]) {
        return;
    }
    let mut kw = Sandbox::with_vault();
    let store = PassStore::new(&mut kw);
    store.insert(&kw, "dev/a", "dev-value-a\n");
    let recipient = fs::read_to_string(store.store.join(".gpg-id")).unwrap();
    let bomb = store.store.join("dev/bomb.gpg");
    run_ok(
        &kw,
        "gpg",
        &[
            "--batch",
            "--compress-algo",
            "zlib",
            "-e",
            "-r",
            recipient.trim(),
            "-o",
            bomb.to_str().unwrap(),
        ],
        &vec![b'z'; (64 << 20) + 1],
    );
    assert!(fs::metadata(&bomb).unwrap().len() < 1 << 20);
    fails(
        &kw,
        &["import", "--from", "pass", &store.store.to_string_lossy()],
        1,
        "entry `dev/bomb` decrypts to more than 64 MiB",
        &[],
    );
    assert!(names_in(&kw, "dev").is_empty());
}

/// A store entry refused for its size is hashed as it is read, never held whole: a
/// 384 MiB entry (a file of zeros packs to almost nothing in git) was read whole to
/// compare it with the others, and a larger one ran out of memory. Under a 400 MB
/// address-space limit the entry is still refused as it should be (exit 6, named).
#[test]
fn an_oversize_store_entry_is_refused_without_being_read_whole() {
    if !have(&["gpg"]) {
        return;
    }
    let kw = Sandbox::with_vault();
    let store = kw.path("store");
    fs::create_dir_all(store.join("prod")).unwrap();
    fs::create_dir_all(store.join("dev")).unwrap();
    fs::write(store.join(".gpg-id"), "ABCDEF\n").unwrap();
    fs::File::create(store.join("prod/huge.gpg"))
        .unwrap()
        .set_len(384 << 20)
        .unwrap();
    fs::write(store.join("dev/small.gpg"), "x").unwrap();
    let out = kw
        .sh(&format!(
            "ulimit -v 400000; exec '{}' import --from pass --env-from-path store",
            crate::support::KW
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(err.contains("`prod/huge` (larger than 64 MiB)"), "{err}");
    assert!(names_in(&kw, "dev").is_empty());
}
