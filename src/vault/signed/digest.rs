//! The digest of an environment's whole logical state (DESIGN §15), which every signed
//! head commits to: keys, versions with their values, statuses and times, recipients
//! with roles and keys, hooks, the verifier key, meta (the audit key, policy), actors —
//! every row of every table but three, and the schema itself (a trigger or a table
//! someone added shows). Left out: the events (their hash chain ends in the signed
//! head), the signatures (they sign this), and the fingerprint index (derived from
//! the values, rebuilt at will).
//!
//! Recomputed from the rows by every reader that verifies, never read from a stored
//! field: a row changed without a signed event no longer matches.

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::sys::Pipe;

/// Tables whose rows the digest does not cover (see the module's comment).
const LEFT_OUT: [&str; 3] = ["events", "signatures", "fingerprints"];

/// SHA-256 fed through a buffer: a digest feeds a few bytes at a time (a tag, a length,
/// a column), millions of times for a large environment, and one `update` call each
/// was most of a write's digest. The bytes hashed, and so the digest, are the same.
///
/// For a large image the bytes go through a `Pipe` to a helper thread that hashes them
/// in order while the rows are read here (SHA-256 was a quarter of a 1,000,000-key
/// digest).
struct Hasher<'s> {
    sha: Sha256,
    pipe: Option<Pipe<'s, Sha256>>,
    /// It holds values (the digest covers them): wiped when dropped, on every path.
    buf: Zeroizing<Vec<u8>>,
}

impl<'s> Hasher<'s> {
    const CAP: usize = 64 * 1024;

    /// A hasher; pipelined through a helper thread of `scope` when one is given and can
    /// be started (else everything is hashed here, with the same result).
    fn new<'env>(domain: &[u8], scope: Option<&'s std::thread::Scope<'s, 'env>>) -> Hasher<'s> {
        let pipe = scope.and_then(|s| Pipe::start(s, Sha256::new(), |sha, b| sha.update(b)));
        let mut h = Hasher {
            sha: Sha256::new(),
            buf: Zeroizing::new(Vec::with_capacity(if pipe.is_some() {
                0
            } else {
                Hasher::CAP
            })),
            pipe,
        };
        h.update(domain);
        h
    }

    fn update(&mut self, bytes: &[u8]) {
        if let Some(p) = &mut self.pipe {
            return p.write(bytes);
        }
        if self.buf.len() + bytes.len() > Hasher::CAP {
            self.sha.update(&*self.buf);
            self.buf.clear();
        }
        if bytes.len() >= Hasher::CAP {
            self.sha.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn finalize(mut self) -> [u8; 32] {
        let sha = match self.pipe.take() {
            Some(p) => p.finish(),
            None => {
                self.sha.update(&*self.buf);
                self.sha
            }
        };
        sha.finalize().into()
    }
}

fn feed(h: &mut Hasher, v: ValueRef<'_>) {
    let (tag, int, bytes): (u8, [u8; 8], &[u8]) = match v {
        ValueRef::Null => (0, [0; 8], &[]),
        ValueRef::Integer(i) => (1, i.to_be_bytes(), &[]),
        ValueRef::Real(f) => (2, f.to_bits().to_be_bytes(), &[]),
        ValueRef::Text(t) => (3, [0; 8], t),
        ValueRef::Blob(b) => (4, [0; 8], b),
    };
    // The tag, the length and a number in one piece (the same bytes as three).
    let mut head = [0u8; 17];
    head[0] = tag;
    if tag == 1 || tag == 2 {
        head[1..9].copy_from_slice(&8u64.to_be_bytes());
        head[9..].copy_from_slice(&int);
        h.update(&head);
    } else {
        head[1..9].copy_from_slice(&(bytes.len() as u64).to_be_bytes());
        h.update(&head[..9]);
        h.update(bytes);
    }
}

/// Images from this size on are digested with the hashing on a second core.
const PIPELINE_FROM: i64 = 8 << 20;

/// SHA-256 over the schema and the rows of every covered table, in primary-key order.
pub fn state_digest(conn: &Connection) -> Result<[u8; 32]> {
    let size: i64 = conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |r| r.get(0),
    )?;
    digest_state(conn, size >= PIPELINE_FROM)
}

fn digest_state(conn: &Connection, pipelined: bool) -> Result<[u8; 32]> {
    std::thread::scope(|s| digest_state_in(conn, pipelined.then_some(s)))
}

fn digest_state_in<'s, 'env>(
    conn: &Connection,
    scope: Option<&'s std::thread::Scope<'s, 'env>>,
) -> Result<[u8; 32]> {
    let mut h = Hasher::new(b"keyward-state-v1", scope);
    let mut tables = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY type, name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            for i in 0..4 {
                feed(&mut h, r.get_ref(i)?);
            }
            let (kind, name): (String, String) = (r.get(0)?, r.get(1)?);
            if kind == "table" && !LEFT_OUT.contains(&name.as_str()) {
                tables.push(name);
            }
        }
    }
    for table in tables {
        feed_table(&mut h, conn, &table)?;
    }
    Ok(h.finalize())
}

/// Feed `table`'s rows to `h`, in primary-key order.
fn feed_table(h: &mut Hasher, conn: &Connection, table: &str) -> Result<()> {
    // Rows in primary-key order: the table's own order, no sort.
    let pk: Vec<String> = {
        let mut stmt =
            conn.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")?;
        stmt.query_map([table], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let quote = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let order = if pk.is_empty() {
        "rowid".to_owned()
    } else {
        pk.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT * FROM main.{} ORDER BY {order}",
        quote(table)
    ))?;
    let cols = stmt.column_count();
    h.update(b"\0table\0");
    h.update(table.as_bytes());
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        h.update(&[0xa5]);
        for i in 0..cols {
            feed(h, r.get_ref(i)?);
        }
    }
    Ok(())
}

/// The tables only an admin changes (DESIGN §15): `meta` (the audit key, the format,
/// the environment's settings), rotation hooks, the verifier key, and the labels of
/// removed members (DESIGN §16). A writer's signature must leave their digest as the
/// state it builds on had it. Tables an image does not have yet are skipped.
pub const SETTINGS_TABLES: [&str; 4] = ["former_labels", "hooks", "meta", "verifier_key"];

/// SHA-256 over the rows of the settings tables and the members' labels (a label
/// names who `access revoke Bob` removes: an admin's to give), nothing else.
pub fn settings_digest(conn: &Connection) -> Result<[u8; 32]> {
    let mut h = Hasher::new(b"keyward-settings-v1", None);
    for table in SETTINGS_TABLES {
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM main.sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if exists {
            feed_table(&mut h, conn, table)?;
        }
    }
    let labels: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('recipients') WHERE name = 'label'",
        [],
        |r| r.get(0),
    )?;
    if labels {
        h.update(b"\0labels\0");
        let mut stmt =
            conn.prepare("SELECT recipient, label FROM recipients ORDER BY recipient")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            h.update(&[0xa5]);
            feed(&mut h, r.get_ref(0)?);
            feed(&mut h, r.get_ref(1)?);
        }
    }
    Ok(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty image with its env name and one actor, then `rows`.
    fn image_with(rows: &str) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::vault::schema::SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO meta(k, v) VALUES ('env', 'dev');
             INSERT INTO actors(id, recipient, os_user, host, via) VALUES (1, 'age1x', 'u', 'h', 'file');",
        )
        .unwrap();
        conn.execute_batch(rows).unwrap();
        conn
    }

    #[test]
    fn any_covered_row_or_schema_change_moves_the_digest_and_the_rest_do_not() {
        let conn = image_with(
            "INSERT INTO keys(id, name, kind, created) VALUES (1, 'K', 0, 5);
             INSERT INTO versions(key_id, version, value, created, status) VALUES (1, 1, x'01', 5, 0);",
        );
        let d0 = state_digest(&conn).unwrap();
        assert_eq!(d0, state_digest(&conn).unwrap());
        for (change, undo) in [
            (
                "UPDATE versions SET status = 3",
                "UPDATE versions SET status = 0",
            ),
            (
                "UPDATE versions SET value = x'02'",
                "UPDATE versions SET value = x'01'",
            ),
            (
                "UPDATE actors SET host = 'x'",
                "UPDATE actors SET host = 'h'",
            ),
            ("UPDATE meta SET v = 'prod'", "UPDATE meta SET v = 'dev'"),
            (
                "CREATE TRIGGER t AFTER INSERT ON keys BEGIN SELECT 1; END",
                "DROP TRIGGER t",
            ),
        ] {
            conn.execute_batch(change).unwrap();
            assert_ne!(state_digest(&conn).unwrap(), d0, "{change}");
            conn.execute_batch(undo).unwrap();
            assert_eq!(state_digest(&conn).unwrap(), d0, "{undo}");
        }
        conn.execute_batch(
            "INSERT INTO fingerprints(fp, key_id, version) VALUES (x'00', 1, 1);
             INSERT INTO events(seq, time, action, actor, hash) VALUES (1, 0, 0, 1, x'00');",
        )
        .unwrap();
        assert_eq!(state_digest(&conn).unwrap(), d0);
    }

    /// The digest is a format (every signed head commits to it): pinned, over a state
    /// large enough to cross any buffering, with a blob larger than a buffer.
    #[test]
    fn the_digest_of_a_known_state_is_pinned() {
        let conn = image_with(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO keys(id, name, kind, created, note) SELECT i, 'K' || i, 0, i * 7, CASE WHEN i % 3 = 0 THEN NULL ELSE printf('%.*c', i % 50, 'n') END FROM n;
             INSERT INTO versions(key_id, version, value, created, status) SELECT id, 1, randomblob(0), created, 0 FROM keys;
             UPDATE versions SET value = zeroblob(100000) WHERE key_id = 1500;
             UPDATE versions SET value = CAST(printf('v%d', key_id) AS BLOB) WHERE key_id <> 1500;",
        );
        // Hashed here, and pipelined through a helper thread (a large image's way).
        for pipelined in [false, true] {
            assert_eq!(
                hex::encode(digest_state(&conn, pipelined).unwrap()),
                "62701ebd2271e82b7fa1966764c8743c0ba8e5c4813b3128eb28d19fe48dca3e",
                "pipelined: {pipelined}"
            );
        }
        assert_eq!(
            hex::encode(state_digest(&conn).unwrap()),
            "62701ebd2271e82b7fa1966764c8743c0ba8e5c4813b3128eb28d19fe48dca3e"
        );
        assert_eq!(
            hex::encode(settings_digest(&conn).unwrap()),
            "5dec262d25316b90430b3cf6f8e449aead2e5c328edcb017b9bb116a3419f504"
        );
    }
}
