//! Reading a state's rows for the rules (`Rows`): every key's versions and the
//! recipients, or only the keys asked for — looked up by name when they are few (a
//! merge's keys that differ), scanned otherwise. Names are compared here, byte for
//! byte, whatever the file's schema declares.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::{Rows, VerRow};
use crate::error::Result;
use crate::vault::keys::{bad, text_at};
use crate::vault::store::EnvDb;

/// A row's first column, a key's name, borrowed (most are not kept).
fn name_at<'r>(r: &'r rusqlite::Row<'_>) -> rusqlite::Result<&'r str> {
    text_at(r, 0)?.ok_or_else(|| bad(0, "a key has no name".into()))
}

/// Read the rows of `db`.
pub fn rows(db: &EnvDb) -> Result<Rows> {
    rows_of(db, None)
}

/// Up to how many keys [`rows_of`] looks up by name rather than scanning every version:
/// a lookup costs a few microseconds, a scan of 10,000 keys' versions a few milliseconds.
const LOOKUP_UP_TO: usize = 512;

/// Read the rows of `db`, only of the keys named in `only` when given (keys the caller
/// knows to be the same on both sides need no look); the recipients always.
pub fn rows_of(db: &EnvDb, only: Option<&BTreeSet<String>>) -> Result<Rows> {
    db.located((|| -> Result<Rows> {
        let mut out = Rows::default();
        const VERSIONS: &str = "SELECT k.name, v.version, v.value, v.status, v.retire_at, v.expires
             FROM versions v JOIN keys k ON k.id = v.key_id";
        let keep = |out: &mut Rows, r: &rusqlite::Row<'_>| -> Result<()> {
            // Most names are not asked for: compared as borrowed text, copied if kept.
            let name = name_at(r)?;
            if only.is_some_and(|o| !o.contains(name)) {
                return Ok(());
            }
            let value = zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(2)?);
            out.keys.entry(name.to_owned()).or_default().insert(
                r.get(1)?,
                VerRow {
                    fp: Sha256::digest(&value[..]).into(),
                    status: r.get(3)?,
                    retire_at: r.get(4)?,
                    expires: r.get(5)?,
                },
            );
            Ok(())
        };
        match only {
            // A few keys of many (a merge's, usually): looked up by name, not scanned.
            Some(names) if names.len() <= LOOKUP_UP_TO => {
                let mut stmt = db.conn.prepare(&format!("{VERSIONS} WHERE k.name = ?1"))?;
                let mut key = db.conn.prepare("SELECT name FROM keys WHERE name = ?1")?;
                for n in names {
                    let mut rs = stmt.query([n])?;
                    while let Some(r) = rs.next()? {
                        keep(&mut out, r)?;
                    }
                    // A key with no version yet still exists. Names compared here, byte for
                    // byte: a hostile schema's collation (NOCASE) must not invent a key.
                    if !out.keys.contains_key(n.as_str()) {
                        let mut rs = key.query([n])?;
                        while let Some(r) = rs.next()? {
                            if name_at(r)? == n.as_str() {
                                out.keys.insert(n.clone(), BTreeMap::new());
                            }
                        }
                    }
                }
            }
            _ => {
                let mut stmt = db.conn.prepare(VERSIONS)?;
                let mut rs = stmt.query([])?;
                while let Some(r) = rs.next()? {
                    keep(&mut out, r)?;
                }
                let mut stmt = db.conn.prepare("SELECT name FROM keys")?;
                let mut rs = stmt.query([])?;
                while let Some(r) = rs.next()? {
                    let name = name_at(r)?;
                    if only.is_none_or(|o| o.contains(name)) && !out.keys.contains_key(name) {
                        out.keys.insert(name.to_owned(), BTreeMap::new());
                    }
                }
            }
        }
        let mut stmt = db.conn.prepare("SELECT recipient FROM recipients")?;
        let mut rs = stmt.query([])?;
        while let Some(r) = rs.next()? {
            out.recipients.insert(r.get(0)?);
        }
        Ok(out)
    })())
}

/// The stored status of every version of the keys in `names` (the revocation rules'
/// view: no values read), looked up by name when they are few, scanned otherwise.
pub fn statuses_of(
    db: &EnvDb,
    names: &BTreeSet<String>,
) -> Result<std::collections::HashMap<(String, u32), i64>> {
    db.located(
        (|| -> Result<std::collections::HashMap<(String, u32), i64>> {
            let mut out = std::collections::HashMap::new();
            if names.is_empty() {
                return Ok(out);
            }
            const STATUSES: &str =
                "SELECT k.name, v.version, v.status FROM versions v JOIN keys k ON k.id = v.key_id";
            // Names compared here, byte for byte (a hostile schema's collation must not
            // answer for another key).
            let mut keep = |r: &rusqlite::Row<'_>| -> Result<()> {
                let name = name_at(r)?;
                if names.contains(name) {
                    out.insert((name.to_owned(), r.get(1)?), r.get(2)?);
                }
                Ok(())
            };
            if names.len() <= LOOKUP_UP_TO {
                let mut stmt = db.conn.prepare(&format!("{STATUSES} WHERE k.name = ?1"))?;
                for n in names {
                    let mut rs = stmt.query([n])?;
                    while let Some(r) = rs.next()? {
                        keep(r)?;
                    }
                }
            } else {
                let mut stmt = db.conn.prepare(STATUSES)?;
                let mut rs = stmt.query([])?;
                while let Some(r) = rs.next()? {
                    keep(r)?;
                }
            }
            Ok(out)
        })(),
    )
}

/// Every revoked version with its recorded author, time and reason (scanned: the
/// attribution rule holds each to an event).
pub fn revocations_of(db: &EnvDb) -> Result<Vec<super::Revocation>> {
    db.located((|| -> Result<Vec<super::Revocation>> {
        let mut stmt = db.conn.prepare(
            "SELECT k.name, v.version, v.revoked_at, a.recipient, v.revoke_reason
             FROM versions v JOIN keys k ON k.id = v.key_id LEFT JOIN actors a ON a.id = v.revoked_by
             WHERE v.status = ?1",
        )?;
        let mut rs = stmt.query([crate::vault::schema::ST_REVOKED])?;
        let mut out = Vec::new();
        while let Some(r) = rs.next()? {
            out.push(super::Revocation {
                key: name_at(r)?.to_owned(),
                version: r.get(1)?,
                at: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                by: r.get(3)?,
                reason: r.get(4)?,
            });
        }
        Ok(out)
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Looked up by name or scanned, the rows of the keys asked for are the same: every
    /// version, a key with none, and nothing for a name no key has.
    #[test]
    fn rows_looked_up_by_name_are_the_rows_scanned() {
        let (_dir, paths, env, id) = crate::vault::open::test_vault();
        let (scopes, note, rotate_every) = (Vec::new(), None, None);
        let meta = crate::vault::keys::NewKey {
            scopes,
            note,
            rotate_every,
        };
        crate::vault::open::create_test_env(&paths, &env, &id, |db| {
            for (i, (name, versions)) in [("A", 1), ("B", 2), ("EMPTY", 0), ("C", 3)]
                .into_iter()
                .enumerate()
            {
                let key = db.insert_key(&name.parse().unwrap(), None, &meta, 0)?;
                for v in 1..=versions {
                    let value = crate::secret::Secret::new(vec![b'a' + v as u8, i as u8]);
                    db.add_version(&key, v, &value, None, 0)?;
                }
            }
            Ok(())
        })
        .unwrap();
        let db = EnvDb::open_write(&paths, &env, &id).unwrap();
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let all = rows_of(&db, None).unwrap();
        assert_eq!(all.keys.len(), 4);
        assert!(all.keys["EMPTY"].is_empty() && all.keys["C"].len() == 3);
        let asked = names(&["A", "EMPTY", "C", "NOT_A_KEY"]);
        let looked_up = rows_of(&db, Some(&asked)).unwrap();
        assert_eq!(looked_up.keys, all.only(&asked).keys);
        assert_eq!(looked_up.recipients, all.recipients);
        // Past the bound, the scan: the same again.
        let many: BTreeSet<String> = (0..=LOOKUP_UP_TO)
            .map(|i| format!("K{i}"))
            .chain(asked.clone())
            .collect();
        assert_eq!(rows_of(&db, Some(&many)).unwrap().keys, looked_up.keys);
        // A hostile schema comparing names without case: no key is found by another
        // name's case, looked up or scanned.
        db.conn
            .execute_batch(
                "PRAGMA foreign_keys = OFF;
                 CREATE TABLE k2 AS SELECT * FROM keys; DROP TABLE keys;
                 CREATE TABLE keys(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                   kind INTEGER, format INTEGER, bytes INTEGER, prefix TEXT, scopes TEXT,
                   note TEXT, created INTEGER, rotate_every INTEGER);
                 INSERT INTO keys SELECT * FROM k2; DROP TABLE k2;",
            )
            .unwrap();
        let lower = names(&["empty", "c"]);
        assert!(rows_of(&db, Some(&lower)).unwrap().keys.is_empty());
        assert!(all.only(&lower).keys.is_empty());
    }
}
