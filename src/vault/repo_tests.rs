//! Unit tests of `repo`: reading git's trees and commit records.

use super::*;

/// A marker's text as a place in a commit's tree, as discovery reads it.
#[test]
fn a_marker_resolves_by_name_inside_the_tree_or_not_at_all() {
    for (marker, place) in [
        ("vault", Some("vault")),
        ("vault/.", Some("vault")),
        ("./ops//secrets/", Some("ops/secrets")),
        ("x/../vault", Some("vault")),
        (".", Some("")),
        ("../elsewhere", None),
        ("/abs/vault", None),
    ] {
        assert_eq!(tree_path(marker).as_deref(), place, "{marker}");
    }
}

#[test]
fn commit_headers_and_subject_are_parsed() {
    let body = b"tree 1111\nparent aaaa\nparent bbbb\nauthor Ann Example <ann@x.org> 1700000000 +0100\ncommitter C <c@x> 1 +0000\ngpgsig -----BEGIN\n line\n\nrotate STRIPE\n\nbody\n";
    let c = parse_commit("cccc", body);
    assert_eq!(c.parents, ["aaaa", "bbbb"]);
    assert_eq!(c.author, "Ann Example <ann@x.org>");
    assert_eq!(c.subject, "rotate STRIPE");
}

#[test]
fn only_regular_env_files_are_read_from_a_tree() {
    let tree = |entries: &[(&str, &str, u8)]| {
        let mut tree = Vec::new();
        for (mode, name, byte) in entries {
            tree.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            tree.extend_from_slice(&[*byte; 20]);
        }
        tree
    };
    let mut entries = vec![
        ("100644", "dev.db.age", 1u8),
        ("100644", "dev.lock", 2),
        ("120000", "notes.txt", 3),
        ("100755", "test.db.age", 4),
        ("100644", "-bad.db.age", 5),
    ];
    let blobs = parse_env_tree(&tree(&entries), 20).unwrap();
    let names: Vec<String> = blobs.keys().map(|e| e.to_string()).collect();
    assert_eq!(names, ["dev", "test"]);
    assert_eq!(blobs.values().next().unwrap(), &"01".repeat(20));
    // An environment's file as a symbolic link, a submodule or a directory: refused,
    // not skipped (every command refuses it in a checkout).
    for mode in ["120000", "160000", "40000"] {
        entries.push((mode, "prod.db.age", 6));
        let refused = parse_env_tree(&tree(&entries), 20);
        assert!(
            matches!(&refused, Err(Error::Corrupt { detail, .. }) if detail.contains("`prod`")),
            "{mode}: {refused:?}"
        );
        entries.pop();
    }
}
