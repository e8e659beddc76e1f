//! The labels of removed members in the result (DESIGN §16): the union of BASE's and of
//! each trusted side's, plus the label BASE gave anyone the result no longer lists; two
//! labels for one recipient: the smaller, so either side merging gets the same result.
//! An untrusted side (it may be a removed member's work) names no one.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::error::Result;

use super::recipients::RecipientSet;

/// The result's former labels, from each side's (`None`: a side not trusted).
pub(super) fn former_labels(
    sides: [Option<&[(String, String)]>; 3],
    base: &RecipientSet,
    merged: &RecipientSet,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |r: &str, l: &str| {
        let e = out.entry(r.to_owned()).or_insert_with(|| l.to_owned());
        if l < e.as_str() {
            *e = l.to_owned();
        }
    };
    for (r, l) in sides.into_iter().flatten().flatten() {
        put(r, l);
    }
    for (r, info) in base.iter().filter(|(r, _)| !merged.contains_key(*r)) {
        if let Some(l) = &info.label {
            put(r, l);
        }
    }
    out
}

/// Make `labels` the result's former labels.
pub(super) fn write_former_labels(
    conn: &Connection,
    labels: &BTreeMap<String, String>,
) -> Result<()> {
    conn.execute_batch("DELETE FROM former_labels;")?;
    for (r, l) in labels {
        conn.prepare_cached("INSERT INTO former_labels(recipient, label) VALUES (?1, ?2)")?
            .execute(params![r, l])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::RecipientInfo;

    fn set(list: &[(&str, Option<&str>)]) -> RecipientSet {
        list.iter()
            .map(|(r, l)| {
                (
                    (*r).to_owned(),
                    RecipientInfo {
                        recipient: (*r).to_owned(),
                        added_at: 0,
                        added_by: None,
                        label: l.map(str::to_owned),
                        role: crate::codes::Role::Write,
                        signing_key: None,
                        key_proof: None,
                    },
                )
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn removed_members_keep_their_labels_whichever_side_merges() {
        let base = set(&[("r1", Some("Bob")), ("r2", Some("Ana")), ("r3", None)]);
        let merged = set(&[("r2", Some("Ana"))]);
        let ours = pairs(&[("r9", "Old")]);
        let theirs = pairs(&[("r9", "Older"), ("r8", "Eve")]);
        let a = former_labels([None, Some(&ours), Some(&theirs)], &base, &merged);
        let b = former_labels([None, Some(&theirs), Some(&ours)], &base, &merged);
        assert_eq!(a, b);
        assert_eq!(a.get("r1").map(String::as_str), Some("Bob"));
        assert_eq!(a.get("r9").map(String::as_str), Some("Old"));
        assert_eq!(a.get("r8").map(String::as_str), Some("Eve"));
        assert!(!a.contains_key("r3"), "no label, none made up");
        assert!(!a.contains_key("r2"), "still a member");
        // An untrusted side names no one.
        let c = former_labels([None, Some(&ours), None], &base, &merged);
        assert!(!c.contains_key("r8"));
    }
}
