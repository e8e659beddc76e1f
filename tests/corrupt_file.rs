//! A damaged env file (exit 6): truncated, bit-flipped in its header, payload or last
//! chunk, empty, not age, or another environment's file; refused by every command, left
//! as it is (no writer "repairs" it by starting over), with how to restore it.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

fn corrupt_case(mutate: impl Fn(&mut Vec<u8>)) {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    let path = kw.env_file("dev");
    let mut bytes = fs::read(&path).unwrap();
    mutate(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    kw.cmd(["get", "K"])
        .assert()
        .code(6)
        .stdout("")
        .stderr(contains("corrupt"));
    // A writer must not "repair" it by starting over.
    kw.cmd(["generate", "NEW"])
        .assert()
        .code(6)
        .stderr(contains("is corrupt or has been tampered with"));
    kw.cmd(["list"])
        .assert()
        .code(6)
        .stderr(contains("is corrupt or has been tampered with"));
    assert_eq!(fs::read(&path).unwrap(), bytes, "file changed");
}

#[test]
fn truncated_env_file_is_exit_6_and_left_alone() {
    corrupt_case(|b| b.truncate(b.len() - 100));
}

#[test]
fn truncated_to_header_is_exit_6() {
    corrupt_case(|b| {
        let header_end = b.windows(4).position(|w| w == b"\n---").unwrap() + 60;
        b.truncate(header_end)
    });
}

#[test]
fn bit_flipped_payload_is_exit_6() {
    corrupt_case(|b| {
        let i = b.len() / 2;
        b[i] ^= 0x01;
    });
}

#[test]
fn bit_flipped_last_chunk_is_exit_6() {
    corrupt_case(|b| {
        let i = b.len() - 5;
        b[i] ^= 0x80;
    });
}

#[test]
fn empty_env_file_is_exit_6() {
    corrupt_case(|b| b.clear());
}

#[test]
fn non_age_env_file_is_exit_6() {
    corrupt_case(|b| *b = b"SQLite format 3\0 this is not age at all".to_vec());
}

#[test]
fn bit_flipped_header_mac_is_exit_6() {
    corrupt_case(|b| {
        let i = b.windows(4).position(|w| w == b"\n---").unwrap() + 6;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    });
}

#[test]
fn env_file_copied_over_another_is_detected() {
    let kw = Sandbox::with_vault();
    fs::copy(kw.env_file("dev"), kw.env_file("prod")).unwrap();
    kw.cmd(["-e", "prod", "list"])
        .assert()
        .code(6)
        .stderr(contains("holds environment `dev`"));
}

#[test]
fn a_corrupt_file_says_nothing_changed_and_how_to_restore_it() {
    let kw = Sandbox::with_vault();
    kw.generate("A");
    let path = kw.env_file("dev");
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 0x55;
    fs::write(&path, &bytes).unwrap();
    kw.cmd(["get", "A"])
        .assert()
        .code(6)
        .stdout(predicate::str::is_empty())
        .stderr(contains("is corrupt or has been tampered with"))
        .stderr(contains("restore the file from git"));
}

/// A directory, or a FIFO, where an environment's file or its journal belongs (a commit
/// can hold a directory at that path; a FIFO takes local write access): exit 6 naming
/// it, never a hang on the open, and for every command that reads the vault.
#[test]
fn a_directory_or_pipe_in_place_of_a_vault_file_is_exit_6_never_a_hang() {
    let kw = Sandbox::with_vault();
    kw.generate("K");
    kw.stdout(["get", "K"]);
    let scanned = kw.path("clean.txt");
    fs::write(&scanned, "nothing to see\n").unwrap();
    let mkfifo = crate::support::mkfifo;
    let check = |what: &std::path::Path| {
        for args in [
            &["get", "K"][..],
            &["list", "--all-envs"],
            &["audit", "verify"],
            &["scan", scanned.to_str().unwrap()],
        ] {
            kw.cmd(args)
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .code(6)
                .stdout("")
                .stderr(contains(what.to_str().unwrap()).and(contains("is not a regular file")));
        }
    };
    let env_file = kw.env_file("dev");
    let saved = fs::read(&env_file).unwrap();
    for make in [&mkfifo as &dyn Fn(&std::path::Path), &|p| {
        fs::create_dir(p).unwrap()
    }] {
        fs::remove_file(&env_file).unwrap();
        make(&env_file);
        check(&env_file);
        let _ = fs::remove_dir(&env_file);
        let _ = fs::remove_file(&env_file);
        fs::write(&env_file, &saved).unwrap();
    }
    kw.cmd(["get", "K"]).assert().success();
    // A machine's first open of a journal that is no file (put in its state directory).
    let fresh = kw.state_without_pins("fresh-machine");
    let journal = kw.journal_in(&kw.path("fresh-machine"), &kw.vault(), "dev");
    for make in [&mkfifo as &dyn Fn(&std::path::Path), &|p| {
        fs::create_dir(p).unwrap()
    }] {
        crate::support::remove_db(&journal);
        make(&journal);
        for args in [&["get", "K"][..], &["audit", "verify"]] {
            kw.cmd(args)
                .env("XDG_STATE_HOME", &fresh)
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .code(6)
                .stdout("")
                .stderr(contains("is not a regular file"));
        }
        let _ = fs::remove_dir(&journal);
        let _ = fs::remove_file(&journal);
    }
}
