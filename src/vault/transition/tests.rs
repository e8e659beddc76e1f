//! The rules between two states, over plain data.

use super::*;
use crate::audit::{Actor, Chain, Via};

fn ver(fp: u8, status: i64) -> VerRow {
    VerRow {
        fp: [fp; 32],
        status,
        retire_at: None,
        expires: None,
    }
}

fn state(keys: &[(&str, &[(u32, VerRow)])], recipients: &[&str]) -> Rows {
    Rows {
        keys: keys
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().cloned().collect()))
            .collect(),
        recipients: recipients.iter().map(|r| r.to_string()).collect(),
        others: Default::default(),
    }
}

fn ev(action: Action, key: Option<&str>, subject: Option<&str>) -> Event {
    let mut e = crate::audit::canonical(
        &"prod".parse().unwrap(),
        &Actor {
            recipient: "age1x".into(),
            os_user: "u".into(),
            host: "h".into(),
            via: Via::File,
        },
        action,
        key,
        None,
        None,
        None,
        0,
    )
    .into_event(Chain::Lifecycle, 1, [0; 32], [1; 32])
    .unwrap();
    e.subject = subject.map(str::to_owned);
    e
}

#[test]
fn a_status_moved_back_is_refused_even_with_an_event() {
    let p = state(&[("API", &[(1, ver(1, 3))])], &["a"]);
    let c = state(&[("API", &[(1, ver(1, ST_ACTIVE))])], &["a"]);
    let e = [ev(Action::Rotate, Some("API"), None)];
    let broken = check(&p, &c, &e);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(
        broken[0].what.contains("moved back from revoked"),
        "{broken:?}"
    );
}

#[test]
fn a_changed_value_or_a_dropped_version_is_refused() {
    let p = state(&[("K", &[(1, ver(1, 2)), (2, ver(2, 0))])], &[]);
    let changed = state(&[("K", &[(1, ver(9, 2)), (2, ver(2, 0))])], &[]);
    let dropped = state(&[("K", &[(2, ver(2, 0))])], &[]);
    let e = [ev(Action::Rotate, Some("K"), None)];
    assert!(check(&p, &changed, &e)[0].what.contains("another value"));
    assert!(check(&p, &dropped, &e)[0].what.contains("v1 is gone"));
    // Deleted with its event: fine.
    let gone = state(&[], &[]);
    assert!(check(&p, &gone, &[ev(Action::Delete, Some("K"), None)]).is_empty());
    assert!(!check(&p, &gone, &e).is_empty());
}

#[test]
fn every_row_difference_needs_an_event_naming_its_key() {
    let p = state(&[("K", &[(1, ver(1, 0))])], &[]);
    let c = state(&[("K", &[(1, ver(1, 0)), (2, ver(2, 0))])], &[]);
    assert!(
        check(&p, &c, &[])
            .iter()
            .any(|b| b.what.contains("no event"))
    );
    assert!(check(&p, &c, &[ev(Action::Rotate, Some("K"), None)]).is_empty());
    let n = state(&[("K", &[(1, ver(1, 0))]), ("NEW", &[(1, ver(3, 0))])], &[]);
    assert!(!check(&p, &n, &[]).is_empty());
    assert!(check(&p, &n, &[ev(Action::Generate, Some("NEW"), None)]).is_empty());
}

#[test]
fn recipients_change_only_with_their_access_events() {
    let p = state(&[], &["a", "r"]);
    let added = state(&[], &["a", "r", "x"]);
    let removed = state(&[], &["a"]);
    assert!(!check(&p, &added, &[]).is_empty());
    assert!(!check(&p, &added, &[ev(Action::AccessGrant, None, Some("y"))]).is_empty());
    assert!(check(&p, &added, &[ev(Action::AccessGrant, None, Some("x"))]).is_empty());
    assert!(!check(&p, &removed, &[]).is_empty());
    assert!(check(&p, &removed, &[ev(Action::AccessRevoke, None, Some("r"))]).is_empty());
}

#[test]
fn resolve_may_confirm_a_value_a_merge_held_and_nothing_else() {
    let held = VerRow {
        fp: [1; 32],
        status: ST_RETIRING,
        retire_at: None,
        expires: None,
    };
    let graced = VerRow {
        retire_at: Some(5),
        ..held.clone()
    };
    assert!(status_may_move(&held, ST_ACTIVE, true));
    assert!(!status_may_move(&held, ST_ACTIVE, false));
    assert!(!status_may_move(&graced, ST_ACTIVE, true));
    assert!(!status_may_move(&ver(1, 3), ST_ACTIVE, true));
}

fn renamed(to: &str, from: &str) -> Event {
    let mut e = ev(Action::Rename, Some(to), None);
    e.reason = Some(format!("renamed from {from}"));
    e
}

#[test]
fn renames_are_followed_through_a_chain_a_delete_and_a_new_key_under_the_old_name() {
    let p = state(&[("K", &[(1, ver(1, 3))])], &[]);
    // Renamed twice.
    let c = state(&[("K2", &[(1, ver(1, 3))])], &[]);
    assert!(check(&p, &c, &[renamed("K1", "K"), renamed("K2", "K1")]).is_empty());
    // Renamed, then deleted.
    let gone = state(&[], &[]);
    let e = [renamed("K1", "K"), ev(Action::Delete, Some("K1"), None)];
    assert!(check(&p, &gone, &e).is_empty());
    // Renamed away, and a new key made under the old name.
    let c = state(
        &[("K_OLD", &[(1, ver(1, 3))]), ("K", &[(1, ver(2, 0))])],
        &[],
    );
    let e = [renamed("K_OLD", "K"), ev(Action::Generate, Some("K"), None)];
    assert!(check(&p, &c, &e).is_empty(), "{:?}", check(&p, &c, &e));
    // …but the renamed key's versions still follow.
    let c = state(
        &[("K_OLD", &[(1, ver(1, 0))]), ("K", &[(1, ver(2, 0))])],
        &[],
    );
    assert!(!check(&p, &c, &e).is_empty());
}

#[test]
fn the_other_lines_rename_of_a_key_this_line_made_again_is_not_this_keys() {
    // This line (the parent) deleted K and made it again (value 2); the other line
    // renamed the old K (value 1) to L. Merged: L holds 1, K holds 2.
    let p = state(&[("K", &[(1, ver(2, 0))])], &[]);
    let c = state(&[("K", &[(1, ver(2, 0))]), ("L", &[(1, ver(1, 0))])], &[]);
    let e = [renamed("L", "K"), ev(Action::Merge, None, None)];
    assert!(check(&p, &c, &e).is_empty(), "{:?}", check(&p, &c, &e));
    // Not in a merge, the rename is this line's: K's values must be under L.
    assert!(!check(&p, &c, &e[..1]).is_empty());
    // And K is still checked by name: its value changed is found.
    let swapped = state(&[("K", &[(1, ver(3, 0))]), ("L", &[(1, ver(1, 0))])], &[]);
    assert!(!check(&p, &swapped, &e).is_empty());
}

#[test]
fn an_expiry_moves_later_only_with_an_event_on_its_key() {
    let mut pv = ver(1, 0);
    pv.expires = Some(10);
    let mut cv = pv.clone();
    cv.expires = Some(20);
    let p = state(&[("K", &[(1, pv)])], &[]);
    let c = state(&[("K", &[(1, cv.clone())])], &[]);
    assert!(!check(&p, &c, &[]).is_empty());
    assert!(check(&p, &c, &[ev(Action::Set, Some("K"), None)]).is_empty());
    cv.expires = Some(5);
    let sooner = state(&[("K", &[(1, cv)])], &[]);
    assert!(check(&p, &sooner, &[ev(Action::Rotate, Some("K"), None)]).is_empty());
}

#[test]
fn a_rename_carries_the_versions_to_the_new_name() {
    let p = state(&[("OLD", &[(1, ver(1, 3))])], &[]);
    let c = state(&[("NEW", &[(1, ver(1, 3))])], &[]);
    let mut e = ev(Action::Rename, Some("NEW"), None);
    e.reason = Some("renamed from OLD".into());
    assert!(check(&p, &c, std::slice::from_ref(&e)).is_empty());
    let back = state(&[("NEW", &[(1, ver(1, 0))])], &[]);
    assert!(!check(&p, &back, &[e]).is_empty());
}

#[test]
fn a_new_value_needs_an_event_that_issues_values_of_its_key() {
    let parent = state(&[("K", &[(1, ver(1, ST_ACTIVE))])], &["r"]);
    let child = state(&[("K", &[(1, ver(1, 2)), (2, ver(2, ST_ACTIVE))])], &["r"]);
    // An event naming K that issues nothing: the new value is not explained.
    let broken = check(&parent, &child, &[ev(Action::Resolve, Some("K"), None)]);
    assert!(
        broken
            .iter()
            .any(|b| b.what == "v2 holds a value no event issued"),
        "{broken:?}"
    );
    assert!(check(&parent, &child, &[ev(Action::Rotate, Some("K"), None)]).is_empty());
    // Issued under the name the key had before a rename.
    let renamed = state(&[("L", &[(1, ver(1, 2)), (2, ver(2, ST_ACTIVE))])], &["r"]);
    let mut rename = ev(Action::Rename, Some("L"), None);
    rename.reason = Some("renamed from K".into());
    let events = [ev(Action::Rotate, Some("K"), None), rename];
    assert!(
        check(&parent, &renamed, &events).is_empty(),
        "{:?}",
        check(&parent, &renamed, &events)
    );
}

#[test]
fn a_merge_brings_no_value_of_its_own() {
    let a = state(&[("K", &[(1, ver(1, ST_ACTIVE))])], &["r"]);
    let b = state(&[("K", &[(1, ver(1, 2)), (2, ver(2, ST_ACTIVE))])], &["r"]);
    // Each side's values: fine, with nothing of the merge's own.
    let merged = state(&[("K", &[(1, ver(1, 2)), (2, ver(2, ST_ACTIVE))])], &["r"]);
    assert!(merge_values([&a, &b], &merged, &[], &[ev(Action::Merge, None, None)]).is_empty());
    // A value neither side holds, with only the merge event: refused.
    let forged = state(&[("K", &[(1, ver(1, 2)), (2, ver(9, ST_ACTIVE))])], &["r"]);
    let broken = merge_values([&a, &b], &forged, &[], &[ev(Action::Merge, None, None)]);
    assert_eq!(broken.len(), 1, "{broken:?}");
    // Issued by the merge commit's own rotation of K: fine.
    let own = [
        ev(Action::Merge, None, None),
        ev(Action::Rotate, Some("K"), None),
    ];
    assert!(merge_values([&a, &b], &forged, &own, &own).is_empty());
}

/// SECRET's value copied into PUB as its version 2 (v1 retired): the parent and child
/// states.
fn secret_copied_into_pub() -> (Rows, Rows) {
    let parent = state(
        &[
            ("PUB", &[(1, ver(1, ST_ACTIVE))]),
            ("SECRET", &[(1, ver(2, ST_ACTIVE))]),
        ],
        &["r"],
    );
    let child = state(
        &[
            ("PUB", &[(1, ver(1, 2)), (2, ver(2, ST_ACTIVE))]),
            ("SECRET", &[(1, ver(2, ST_ACTIVE))]),
        ],
        &["r"],
    );
    (parent, child)
}

#[test]
fn another_keys_value_copied_in_needs_an_event_issuing_it() {
    let (parent, child) = secret_copied_into_pub();
    let broken = check(&parent, &child, &[ev(Action::Resolve, Some("PUB"), None)]);
    assert!(
        broken
            .iter()
            .any(|b| b.what == "v2 holds another key's value, and no event issued it here"),
        "{broken:?}"
    );
    // In a merge too.
    let broken = check(&parent, &child, &[ev(Action::Merge, None, None)]);
    assert!(!broken.is_empty());
    // `set PUB` to the same value: issued.
    assert!(check(&parent, &child, &[ev(Action::Set, Some("PUB"), None)]).is_empty());
}

#[test]
fn a_value_of_a_key_left_out_of_the_rows_compared_still_counts_as_another_keys() {
    let (parent, child) = secret_copied_into_pub();
    // Only PUB differs: compared alone, SECRET's value is still known as another key's.
    let only: BTreeSet<String> = ["PUB".to_owned()].into();
    let broken = check(
        &parent.only(&only),
        &child.only(&only),
        &[ev(Action::Merge, None, None)],
    );
    assert!(!broken.is_empty(), "{broken:?}");
}
