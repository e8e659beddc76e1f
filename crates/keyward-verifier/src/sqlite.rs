//! The `sqlite` format (keyward's default): an SQLite database image with `set_info`
//! (header, signature, bucket digests) and `entries`, indexed by hash. Written and read
//! here, in memory: the image is deserialized from bytes read once, so SQLite never
//! opens the file a service was given and nothing can change it between the check and
//! the lookups.
//!
//! Opening checks the header's signature only; each bucket is checked against its
//! signed digest when a lookup first falls in it (or all at once with
//! [`VerifierSet::verify_all`](crate::VerifierSet::verify_all)), so a one-shot check of
//! a large set reads 1/256 of it.
//!
//! The image is the attacker's to shape: whoever can replace the file chooses its
//! schema, indexes and planner statistics, and the b-tree pages themselves. So a lookup
//! answers only from the rows the bucket check read and hashed — never from a second
//! query, which another index (or a b-tree whose keys are out of order) could make
//! return a row the check never saw — and an image holding anything but the two tables
//! a set is made of is refused when opened.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, MAIN_DB, OpenFlags, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::format::{
    BUCKETS, Entry, Loaded, SetInfo, Store, canonical_line, check_fields, parse_alg, parse_env,
    parse_pubkey, parse_signature, split_scopes,
};
use crate::signed::SignedSet;

/// The tables of an SQLite set, and all it may hold. A service that queries the file
/// with its own SQLite driver checks nothing: the signature covers the rows this crate
/// reads in its bucket check, not what another query of a changed file returns.
pub const SQLITE_SCHEMA: &str = "
CREATE TABLE set_info(
  k TEXT PRIMARY KEY,
  v ANY NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE entries(
  hash BLOB NOT NULL,             -- SHA-256 (or HMAC-SHA-256) of the value, 32 bytes
  env TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,           -- active | retiring
  scopes TEXT NOT NULL,           -- comma-separated
  not_after INTEGER,              -- unix ms; NULL: no end
  PRIMARY KEY(hash, name, version)
) STRICT, WITHOUT ROWID;
";

/// What every SQLite set starts with; tells the format apart from JSON lines.
pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

impl SignedSet {
    /// The set as an SQLite database image: `set_info` (header and signature) and
    /// `entries`, indexed by hash.
    pub fn to_sqlite(&self) -> Result<Vec<u8>> {
        let mut conn = Connection::open_in_memory()?;
        conn.execute_batch(SQLITE_SCHEMA)?;
        let i = &self.info;
        {
            let mut put = conn.prepare("INSERT INTO set_info(k, v) VALUES (?1, ?2)")?;
            put.execute(params!["format", i.format])?;
            put.execute(params!["env", i.env])?;
            put.execute(params!["serial", i.serial])?;
            put.execute(params!["generated", i.generated])?;
            put.execute(params!["alg", i.alg.as_str()])?;
            if let Some(id) = &i.hmac_key_id {
                put.execute(params!["hmac_key_id", id])?;
            }
            put.execute(params!["entries", i.entries as i64])?;
            put.execute(params!["pubkey", i.pubkey.to_string()])?;
            put.execute(params!["signature", self.signature_hex()])?;
            put.execute(params!["buckets", self.buckets.concat()])?;
        }
        conn.execute_batch("BEGIN")?;
        {
            let mut put = conn.prepare(
                "INSERT INTO entries(hash, env, name, version, status, scopes, not_after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in &self.entries {
                put.execute(params![
                    &e.hash[..],
                    e.env,
                    e.name,
                    e.version,
                    e.status,
                    e.scopes.join(","),
                    e.not_after
                ])?;
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(conn.serialize(MAIN_DB)?.to_vec())
    }
}

fn fail(e: rusqlite::Error) -> String {
    format!("cannot read it as a set ({e})")
}

/// Load an SQLite set's header; its entries stay in the image (checked per bucket).
pub(crate) fn read(bytes: &[u8]) -> Result<Loaded, String> {
    let mut conn = Connection::open_with_flags(
        ":memory:",
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.deserialize_read_exact(MAIN_DB, std::io::Cursor::new(bytes), bytes.len(), true)
        .map_err(fail)?;
    check_schema(&conn)?;
    let get = |k: &str| -> Result<Option<Value>, String> {
        conn.query_row("SELECT v FROM set_info WHERE k = ?1", [k], |r| r.get(0))
            .optional()
            .map_err(fail)
    };
    let text = |k: &str| -> Result<String, String> {
        match get(k)? {
            Some(Value::Text(s)) => Ok(s),
            _ => Err(format!("`{k}` is missing")),
        }
    };
    let int = |k: &str| -> Result<i64, String> {
        match get(k)? {
            Some(Value::Integer(i)) => Ok(i),
            _ => Err(format!("`{k}` is missing")),
        }
    };
    let (alg, hmac_key_id) = parse_alg(
        &text("alg")?,
        match get("hmac_key_id")? {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        },
    )?;
    let info = SetInfo {
        format: text("format")?,
        env: parse_env(&text("env")?)?,
        serial: int("serial")?,
        generated: int("generated")?,
        alg,
        hmac_key_id,
        entries: usize::try_from(int("entries")?).map_err(|_| "`entries` is negative")?,
        pubkey: parse_pubkey(&text("pubkey")?)?,
    };
    let signature = parse_signature(&text("signature")?)?;
    let buckets: Vec<[u8; 32]> = match get("buckets")? {
        Some(Value::Blob(b)) if b.len() == 32 * BUCKETS => b
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32-byte chunks"))
            .collect(),
        _ => return Err("`buckets` is missing".into()),
    };
    Ok(Loaded {
        info,
        signature,
        store: Store::Sqlite(conn),
        buckets,
    })
}

/// One `sqlite_schema` row: type, name, table, SQL.
type SchemaRow = (String, String, String, Option<String>);

/// Entries by hash.
type ByHash = HashMap<[u8; 32], Vec<Entry>>;

/// Refuse an image holding any object but the two tables of [`SQLITE_SCHEMA`], exactly
/// as written: no index, view, trigger or planner statistics (`sqlite_stat1`) a
/// changed file could use to steer a query.
fn check_schema(conn: &Connection) -> Result<(), String> {
    let objects = |c: &Connection| -> Result<Vec<SchemaRow>, String> {
        let mut stmt = c
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")
            .map_err(fail)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(fail)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(fail)
    };
    // What SQLite records for the schema a set is written with: made once per process
    // (a service opening sets again and again does not rebuild it).
    static EXPECTED: std::sync::OnceLock<Vec<SchemaRow>> = std::sync::OnceLock::new();
    let expected = match EXPECTED.get() {
        Some(e) => e,
        None => {
            let made = Connection::open_in_memory().map_err(fail)?;
            made.execute_batch(SQLITE_SCHEMA).map_err(fail)?;
            let rows = objects(&made)?;
            EXPECTED.get_or_init(|| rows)
        }
    };
    if objects(conn)? != *expected {
        return Err("it holds tables or indexes a set does not have (edited after signing)".into());
    }
    Ok(())
}

/// Bucket `b` of an SQLite set: its digest, and its entries by hash, read in one pass
/// over the range of hashes starting with `b`, in canonical order (BLOB and TEXT compare
/// bytewise in SQLite as in Rust), with every field checked. A lookup answers from these
/// entries once the digest matched the signed one, and from nothing else.
pub(crate) fn read_bucket(
    conn: &Connection,
    set_env: &str,
    b: u8,
) -> Result<([u8; 32], ByHash), String> {
    let low = [b; 1];
    // Above every 32-byte hash starting with `b`: the next byte, or (for 0xff) a longer
    // run of 0xff, since a shorter blob with the same prefix sorts first.
    let high: Vec<u8> = if b == u8::MAX {
        vec![u8::MAX; 33]
    } else {
        vec![b + 1]
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT hash, env, name, version, status, scopes, not_after FROM entries
             WHERE hash >= ?1 AND hash < ?2 ORDER BY hash, name, version",
        )
        .map_err(fail)?;
    let mut rows = stmt.query(params![&low[..], &high[..]]).map_err(fail)?;
    let mut h = Sha256::new();
    let mut line = Vec::with_capacity(256);
    let mut entries = ByHash::new();
    while let Some(r) = rows.next().map_err(fail)? {
        let hash: &[u8; 32] = r
            .get_ref(0)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(fail)?
            .try_into()
            .map_err(|_| "an entry's hash is not 32 bytes".to_owned())?;
        let text = |i: usize| -> Result<&str, String> {
            r.get_ref(i)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(fail)
        };
        let (env, name, status, scopes) = (text(1)?, text(2)?, text(4)?, text(5)?);
        let version: u32 = r.get(3).map_err(fail)?;
        let not_after: Option<i64> = r.get(6).map_err(fail)?;
        check_fields(set_env, env, name, version, status, scopes)?;
        if hash[0] != b {
            return Err("an entry is out of its bucket (edited after signing)".into());
        }
        line.clear();
        canonical_line(
            &mut line, hash, env, name, version, status, scopes, not_after,
        );
        h.update(&line);
        entries.entry(*hash).or_default().push(Entry {
            hash: *hash,
            env: env.to_owned(),
            name: name.to_owned(),
            version,
            status: status.to_owned(),
            scopes: split_scopes(scopes),
            not_after,
        });
    }
    Ok((h.finalize().into(), entries))
}

/// How many entries the image holds, to compare with the signed count.
pub(crate) fn count(conn: &Connection) -> Result<i64, String> {
    conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .map_err(fail)
}
