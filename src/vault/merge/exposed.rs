//! Values exposed by a merge (DESIGN §9), over plain data: a value created on a side
//! that still encrypted to someone the other side removed, or on a side not trusted
//! (it may be that person's work, whatever it lists now), could be read by them, and
//! `check` demands its rotation. No SQL, no files.

use crate::vault::schema::ST_REVOKED;

use super::keys::{Changes, Keys};
use super::recipients::{RecipientSet, Recipients};
use super::report::ExposedVersion;

/// The values new since BASE that a removed recipient could read, with their merged
/// numbers, in a fixed order: theirs' values to those ours removed first, then ours'
/// values to those theirs removed; by recipient, key name and value. `keys` are the
/// merged changes (after the floor), `ours`/`theirs` the recipients each side lists.
pub(super) fn exposed_versions(
    rs: &Recipients,
    ours: &RecipientSet,
    theirs: &RecipientSet,
    [bk, ok, tk]: [&Keys; 3],
    keys: &Changes,
) -> Vec<ExposedVersion> {
    let mut out = Vec::new();
    for (removed, new_on, trusted, side_has) in [
        (&rs.removed_by_ours, tk, rs.trust.theirs, theirs),
        (&rs.removed_by_theirs, ok, rs.trust.ours, ours),
    ] {
        for r in removed
            .iter()
            .filter(|r| !trusted || side_has.contains_key(r.as_str()))
        {
            for (name, k) in new_on {
                let base_vals = bk.get(name).map(|k| &k.versions);
                // The key as merged: changed, or ours' as it is.
                let mk = match keys.get(name) {
                    Some(Some(k)) => k,
                    Some(None) => continue,
                    None => match ok.get(name) {
                        Some(k) => k,
                        None => continue,
                    },
                };
                for value in k.versions.keys() {
                    if base_vals.is_some_and(|b| b.contains_key(value)) {
                        continue;
                    }
                    let Some(mv) = mk.versions.get(value) else {
                        continue;
                    };
                    if mv.status == ST_REVOKED {
                        continue;
                    }
                    out.push(ExposedVersion {
                        key: name.clone(),
                        version: mv.version,
                        recipient: r.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::merge::recipients::merge_recipients;
    use crate::vault::merge::testkit::{key, keys, recipients, ver};
    use crate::vault::schema::{ST_ACTIVE, ST_RETIRING};

    fn exposed(
        b: &Keys,
        o: &Keys,
        t: &Keys,
        people: [&[&str]; 3],
        keys: &Changes,
    ) -> Vec<ExposedVersion> {
        let [br, or, tr] = people.map(recipients);
        let rs = merge_recipients(&br, &or, &tr);
        exposed_versions(&rs, &or, &tr, [b, o, t], keys)
    }

    fn exposure(key: &str, version: u32, recipient: &str) -> ExposedVersion {
        ExposedVersion {
            key: key.into(),
            version,
            recipient: recipient.into(),
        }
    }

    #[test]
    fn a_value_one_side_made_is_exposed_to_whoever_the_other_side_removed() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let t = keys([(
            "K",
            key([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 90)]),
        )]);
        let changes: Changes = [("K".to_owned(), Some(t["K"].clone()))].into();
        let people: [&[&str]; 3] = [&["ann", "cat"], &["ann"], &["ann", "cat"]];
        assert_eq!(
            exposed(&b, &b, &t, people, &changes),
            [exposure("K", 2, "cat")]
        );
        // From the other end: the same value, the same recipient.
        let people: [&[&str]; 3] = [&["ann", "cat"], &["ann", "cat"], &["ann"]];
        assert_eq!(
            exposed(&b, &t, &b, people, &[].into()),
            [exposure("K", 2, "cat")]
        );
    }

    #[test]
    fn base_values_revoked_values_and_dropped_keys_are_not_exposed() {
        let b = keys([("K", key([ver(1, 1, ST_ACTIVE, 10)]))]);
        let t = keys([(
            "K",
            key([ver(1, 1, ST_RETIRING, 10), ver(2, 2, ST_ACTIVE, 90)]),
        )]);
        let people: [&[&str]; 3] = [&["ann", "cat"], &["ann"], &["ann", "cat"]];
        // Revoked in the merge (the floor): nobody can use it.
        let mut revoked = t["K"].clone();
        revoked
            .versions
            .values_mut()
            .for_each(|v| v.status = ST_REVOKED);
        let changes: Changes = [("K".to_owned(), Some(revoked))].into();
        assert!(exposed(&b, &b, &t, people, &changes).is_empty());
        let changes: Changes = [("K".to_owned(), None)].into();
        assert!(exposed(&b, &b, &t, people, &changes).is_empty());
        // Nobody removed: nothing exposed.
        let changes: Changes = [("K".to_owned(), Some(t["K"].clone()))].into();
        let people: [&[&str]; 3] = [&["ann"], &["ann"], &["ann", "cat"]];
        assert!(exposed(&b, &b, &t, people, &changes).is_empty());
    }
}
