//! Keys and versions: the queries every command goes through (DESIGN §4).

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::secret::Secret;
use crate::token::{Format, GenSpec};
use crate::vault::journal::Journaled;
use crate::vault::schema::*;
use crate::vault::store::{EnvDb, Tx};
mod rows;
pub(in crate::vault) use rows::{bad, text_at};
mod status;
mod write;
#[allow(unused_imports)]
use rows::*;
#[allow(unused_imports)]
use write::*;

/// A value read from the vault that may not leave it yet. It opens only with the
/// receipt of a journal append ([`Journaled`]): "journal before release" holds by
/// construction, not because each caller remembers it. It can be compared (in constant
/// time) without being released, for `verify` and the reissue check.
pub struct Withheld(Secret);

impl Withheld {
    /// Hand the value out; the receipt proves its access was recorded first.
    pub fn release(self, _receipt: &Journaled) -> Secret {
        self.0
    }

    /// Whether the value equals `other`, in constant time; nothing is released.
    pub fn matches(&self, other: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.0.expose().ct_eq(other))
    }

    /// Whether `test` holds for the value (a value holding a key reference is refused
    /// where values become variables or files); nothing is released.
    pub fn satisfies(&self, test: impl Fn(&[u8]) -> bool) -> bool {
        test(self.0.expose())
    }

    /// Whether the value is UTF-8 (JSON export refuses others before anything is
    /// journaled).
    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(self.0.expose()).is_ok()
    }
}

impl std::fmt::Debug for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Withheld([redacted])")
    }
}

pub use crate::codes::Status;

/// `generated` keys get new values from keyward; `imported` ones from their provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Generated,
    Imported,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Generated => "generated",
            Kind::Imported => "imported",
        }
    }
}

/// A key's metadata (no value).
#[derive(Clone, Debug)]
pub struct KeyMeta {
    pub id: i64,
    pub name: KeyName,
    pub kind: Kind,
    pub spec: Option<GenSpec>,
    pub scopes: Vec<String>,
    pub note: Option<String>,
    pub created: i64,
    pub rotate_every: Option<i64>,
}

/// One version of a key (no value).
#[derive(Clone, Debug)]
pub struct VersionInfo {
    pub version: u32,
    pub created: i64,
    pub expires: Option<i64>,
    raw_status: i64,
    pub retire_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

impl VersionInfo {
    /// The status at `now`: revocation wins, then retirement, then expiry.
    pub fn status(&self, now: i64) -> Status {
        match self.raw_status {
            ST_REVOKED => Status::Revoked,
            ST_RETIRED => Status::Retired,
            _ if self.expires.is_some_and(|e| e <= now) => Status::Expired,
            ST_RETIRING if self.retire_at.is_some_and(|t| t <= now) => Status::Retired,
            ST_RETIRING => Status::Retiring,
            _ => Status::Active,
        }
    }

    /// The lifetime this version was given (expires − created, ms), if it expires after
    /// its creation: the expiry policy a rotation carries to the next version.
    pub fn lifetime(&self) -> Option<i64> {
        self.expires
            .map(|e| e.saturating_sub(self.created))
            .filter(|l| *l > 0)
    }

    /// The expiry of a version replacing this one at `now`: a key's expiry policy
    /// survives rotation (DESIGN §14), so the new version gets this one's lifetime again
    /// from `now` (an absolute date given at creation became that lifetime). Every way
    /// a new version is made (`rotate`, `import --overwrite`) takes it from here.
    pub fn renewed_expiry(&self, now: i64) -> Option<i64> {
        self.lifetime()
            .map(|l| now.saturating_add(l).min(crate::names::MAX_TIME_MS))
    }

    /// Still accepted by `verify`: active, or retiring within its grace period.
    pub fn verifies(&self, now: i64) -> bool {
        matches!(self.status(now), Status::Active | Status::Retiring)
    }
}

/// A key with its newest version, as `list` shows it.
#[derive(Clone, Debug)]
pub struct KeyState {
    pub meta: KeyMeta,
    pub current: VersionInfo,
}

/// Metadata for a new key.
#[derive(Clone, Debug, Default)]
pub struct NewKey {
    pub scopes: Vec<String>,
    pub note: Option<String>,
    pub rotate_every: Option<i64>,
}

/// A version `Tx::add_versions` adds: version `previous + 1` of `key`.
pub struct NewVersion<'a> {
    pub key: &'a KeyMeta,
    pub previous: u32,
    pub value: &'a Secret,
    pub expires: Option<i64>,
}

/// Rows per multi-row INSERT of a batch: 64 rows of at most 8 columns stay far below
/// SQLite's limit of 32,766 bound parameters.
pub(in crate::vault) const ROWS_PER_INSERT: usize = 64;

/// `INSERT INTO {into} VALUES (?, …), …`: `rows` rows of `cols` parameters each.
pub(in crate::vault) fn multi_row_insert(into: &str, cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(into.len() + 24 + rows * (cols * 3 + 2));
    match into.strip_prefix("OR IGNORE INTO ") {
        Some(_) => sql.push_str("INSERT OR IGNORE INTO "),
        None => sql.push_str("INSERT INTO "),
    }
    sql.push_str(into.trim_start_matches("OR IGNORE INTO "));
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            sql.push_str(if c == 0 { "?" } else { ", ?" });
        }
        sql.push(')');
    }
    sql
}

use crate::vault::schema::FP_LEN;

const KEY_COLS: &str = "k.id, k.name, k.kind, k.format, k.bytes, k.prefix, k.scopes, k.note, k.created, k.rotate_every";
const VERSION_COLS: &str = "v.version, v.created, v.expires, v.status, v.retire_at, v.revoked_at, (SELECT recipient FROM actors WHERE id = v.revoked_by), v.revoke_reason";

impl EnvDb {
    pub fn key(&self, name: &KeyName) -> Result<KeyMeta> {
        self.located((|| -> Result<KeyMeta> {
            self.conn
                .prepare_cached(&format!("SELECT {KEY_COLS} FROM keys k WHERE k.name = ?1"))?
                .query_row([name.as_str()], |r| key_from_row(r, 0))
                .optional()?
                .map_or_else(
                    || {
                        Err(Error::KeyNotFound {
                            name: name.clone(),
                            env: self.env.clone(),
                            similar: self.similar_names(name)?,
                            elsewhere: Vec::new(),
                        })
                    },
                    Ok,
                )
        })())
    }

    /// Key names close to `name` (a typo, another case), closest first, at most three:
    /// what a "no key" error suggests.
    pub fn similar_names(&self, name: &KeyName) -> Result<Vec<KeyName>> {
        let mut stmt = self.conn.prepare_cached("SELECT name FROM keys")?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut close = Vec::new();
        for n in names {
            let n = n?;
            if let Some(d) = crate::names::closeness(name.as_str(), &n)
                && let Ok(k) = n.parse::<KeyName>()
            {
                close.push((d, k));
            }
        }
        close.sort();
        Ok(close.into_iter().take(3).map(|(_, k)| k).collect())
    }

    pub fn has_key(&self, name: &KeyName) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM keys WHERE name = ?1")?
            .query_row([name.as_str()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Every version of a key, oldest first.
    pub fn versions(&self, key: &KeyMeta) -> Result<Vec<VersionInfo>> {
        self.located((|| -> Result<Vec<VersionInfo>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {VERSION_COLS} FROM versions v WHERE v.key_id = ?1 ORDER BY v.version"
            ))?;
            let rows = stmt.query_map([key.id], |r| {
                Ok(self.as_seen(&key.name, version_from_row(r, 0)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }

    pub fn version(&self, key: &KeyMeta, version: u32) -> Result<VersionInfo> {
        self.located((|| -> Result<VersionInfo> {
            // Cached: `rotate --all` asks once per key (a fresh prepare each time was
            // most of a 10,000-key rotation's SQL time).
            self.conn
                .prepare_cached(&format!(
                    "SELECT {VERSION_COLS} FROM versions v WHERE v.key_id = ?1 AND v.version = ?2"
                ))?
                .query_row(params![key.id, version], |r| {
                    Ok(self.as_seen(&key.name, version_from_row(r, 0)?))
                })
                .optional()?
                .ok_or_else(|| Error::VersionNotFound {
                    name: key.name.clone(),
                    env: self.env.clone(),
                    version,
                })
        })())
    }

    /// The newest version of a key.
    pub fn current(&self, key: &KeyMeta) -> Result<VersionInfo> {
        self.located((|| -> Result<VersionInfo> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLS} FROM versions v WHERE v.key_id = ?1 ORDER BY v.version DESC LIMIT 1"
            ))?
            .query_row(
                [key.id],
                |r| Ok(self.as_seen(&key.name, version_from_row(r, 0)?)),
            )
            .optional()?
            .ok_or_else(|| Error::Corrupt {
                path: self.path.clone(),
                detail: format!("key `{}` has no versions", key.name),
            })
    })())
    }

    /// A version's value, withheld until its access is journaled.
    pub fn value(&self, key: &KeyMeta, version: u32) -> Result<Withheld> {
        self.located((|| -> Result<Withheld> {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT value FROM versions WHERE key_id = ?1 AND version = ?2")?;
            Ok(Withheld(
                stmt.query_row(params![key.id, version], |r| value_at(r, 0))?,
            ))
        })())
    }

    /// The value `get`, `run` and `export` may hand out: the version asked for (default
    /// the newest) if it is active at `now`; otherwise exit 4 saying why.
    pub fn usable_value(
        &self,
        name: &KeyName,
        version: Option<u32>,
        now: i64,
    ) -> Result<(KeyMeta, VersionInfo, Withheld)> {
        let key = self.key(name)?;
        let v = match version {
            Some(n) => self.version(&key, n)?,
            None => self.current(&key)?,
        };
        self.check_usable(&key, &v, now)?;
        let value = self.value(&key, v.version)?;
        Ok((key, v, value))
    }

    pub fn check_usable(&self, key: &KeyMeta, v: &VersionInfo, now: i64) -> Result<()> {
        let status = v.status(now);
        if status == Status::Active {
            return Ok(());
        }
        Err(Error::Unusable {
            name: key.name.clone(),
            env: self.env.clone(),
            version: v.version,
            status,
            at: match status {
                Status::Revoked => v.revoked_at,
                Status::Expired => v.expires,
                Status::Retiring => v.retire_at,
                _ => None,
            },
            reason: v
                .revoke_reason
                .clone()
                .filter(|_| status == Status::Revoked),
        })
    }

    /// Every key with its newest version, by name (a key without versions is left out).
    ///
    /// Two sequential scans merged here, instead of a join that seeks into `versions`
    /// twice per key (its `max(version)`, then the row): `keys` and `versions` both
    /// backwards in primary-key order, so a key's first `versions` row is its newest
    /// (the only one decoded; the older ones are passed over on their key id). Every
    /// page is read once, in order (DESIGN §7: `list --json` and `rotate --all` at
    /// 100,000 keys were mostly those seeks).
    pub fn keys(&self) -> Result<Vec<KeyState>> {
        Ok(self.scan(None)?.into_iter().map(|(k, _)| k).collect())
    }

    /// [`keys`](Self::keys), each whose newest version is active at `now` with its
    /// value, withheld, from the same scan: `run` and `export` of every key (one point
    /// query a key before). Values not in service are not read at all.
    pub fn keys_with_values(&self, now: i64) -> Result<Vec<(KeyState, Option<Withheld>)>> {
        let keys = self.scan(Some(now))?;
        // A value is read when the file says active; what this machine saw may have
        // retired it since (`as_seen`): then it is dropped unused.
        Ok(keys
            .into_iter()
            .map(|(k, v)| {
                let v = v.filter(|_| k.current.status(now) == Status::Active);
                (k, v)
            })
            .collect())
    }

    fn scan(&self, values_at: Option<i64>) -> Result<Vec<(KeyState, Option<Withheld>)>> {
        self.located((|| -> Result<Vec<(KeyState, Option<Withheld>)>> {
            let mut keys = self
                .conn
                .prepare(&format!("SELECT {KEY_COLS} FROM keys k ORDER BY k.id DESC"))?;
            let value = if values_at.is_some() { ", v.value" } else { "" };
            let mut versions = self.conn.prepare(&format!(
                "SELECT v.key_id, {VERSION_COLS}{value} FROM versions v ORDER BY v.key_id DESC, v.version DESC"
            ))?;
            let mut keys = keys.query([])?;
            let mut versions = versions.query([])?;
            let mut out = Vec::new();
            // Each key id's newest version, read ahead of its key row when needed.
            type Newest = (i64, VersionInfo, Option<Withheld>);
            let mut ahead: Option<Newest> = None;
            let mut last_id = None;
            while let Some(k) = keys.next()? {
                let meta = key_from_row(k, 0)?;
                let mut newest = None;
                loop {
                    let next = match ahead.take() {
                        Some(row) => Some(row),
                        None => loop {
                            let Some(r) = versions.next()? else { break None };
                            let id: i64 = r.get(0)?;
                            // Older versions of a key already read.
                            if last_id == Some(id) {
                                continue;
                            }
                            last_id = Some(id);
                            let v = version_from_row(r, 1)?;
                            // The stored status only moves up when seen here: a version
                            // not active by it is not active at all, and stays unread.
                            let value = match values_at {
                                Some(now) if v.status(now) == Status::Active => {
                                    Some(Withheld(value_at(r, 9)?))
                                }
                                _ => None,
                            };
                            break Some((id, v, value));
                        },
                    };
                    match next {
                        // An orphan version (no key row): left out, as the join did.
                        Some((id, _, _)) if id > meta.id => continue,
                        Some((id, v, value)) if id == meta.id => {
                            newest = Some((v, value));
                            break;
                        }
                        Some(row) => {
                            ahead = Some(row);
                            break;
                        }
                        None => break,
                    }
                }
                if let Some((v, value)) = newest {
                    let current = self.as_seen(&meta.name, v);
                    out.push((KeyState { meta, current }, value));
                }
            }
            // Names are unique; ids mostly follow names (keys are added in order), so this
            // sort mostly reverses one run.
            out.sort_unstable_by(|(a, _), (b, _)| a.meta.name.as_str().cmp(b.meta.name.as_str()));
            Ok(out)
        })())
    }

    /// The key and version whose value has this SHA-256 fingerprint, if any. The value
    /// itself is compared by the caller in constant time.
    pub fn find_fingerprint(&self, fp: &[u8; 32]) -> Result<Vec<(KeyMeta, VersionInfo, Withheld)>> {
        self.fingerprint_index()?;
        self.located((|| -> Result<Vec<(KeyMeta, VersionInfo, Withheld)>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {KEY_COLS}, {VERSION_COLS}, v.value FROM fingerprints f
             JOIN keys k ON k.id = f.key_id
             JOIN versions v ON v.key_id = f.key_id AND v.version = f.version
             WHERE f.fp = ?1"
            ))?;
            let rows = stmt.query_map([&fp[..FP_LEN]], |r| {
                let key = key_from_row(r, 0)?;
                let version = self.as_seen(&key.name, version_from_row(r, 10)?);
                Ok((key, version, Withheld(value_at(r, 18)?)))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }
}

impl EnvDb {
    /// DESIGN §8: a version this machine saw revoked, retired or expired stays so,
    /// whatever an older file says (statuses only move forward, across time too).
    fn as_seen(&self, name: &KeyName, mut v: VersionInfo) -> VersionInfo {
        if let Some(seen) = self.pin.as_ref().and_then(|p| p.seen(name.as_str())) {
            (v.raw_status, v.retire_at, v.expires) =
                seen.raise(v.version, (v.raw_status, v.retire_at, v.expires));
        }
        v
    }
}

/// Remove a key and everything that hangs off it (its fingerprint rows, hook, versions
/// and row) from a database being written: `delete`, and the merge driver rewriting a
/// key. Fingerprint rows go by their primary key (`fp` first): a `WHERE key_id = ?`
/// would scan the whole index. Returns how many versions went.
pub(in crate::vault) fn purge_key(conn: &rusqlite::Connection, key_id: i64) -> Result<usize> {
    {
        let mut versions =
            conn.prepare_cached("SELECT version, value FROM versions WHERE key_id = ?1")?;
        let mut rows = versions.query([key_id])?;
        while let Some(r) = rows.next()? {
            let version: i64 = r.get(0)?;
            let fp = crate::secret::fingerprint(r.get_ref(1)?.as_bytes().unwrap_or_default());
            conn.prepare_cached(
                "DELETE FROM fingerprints WHERE fp = ?1 AND key_id = ?2 AND version = ?3",
            )?
            .execute(params![&fp[..FP_LEN], key_id, version])?;
        }
    }
    conn.prepare_cached("DELETE FROM hooks WHERE key_id = ?1")?
        .execute([key_id])?;
    let n = conn
        .prepare_cached("DELETE FROM versions WHERE key_id = ?1")?
        .execute([key_id])?;
    conn.prepare_cached("DELETE FROM keys WHERE id = ?1")?
        .execute([key_id])?;
    Ok(n)
}

impl EnvDb {
    /// Every version of every key with its value, any status (for `scan`: leaked old
    /// values matter too). Values are secrets: the caller keeps them in memory only.
    pub fn every_version(&self) -> Result<Vec<(KeyName, VersionInfo, Secret)>> {
        self.located((|| -> Result<Vec<(KeyName, VersionInfo, Secret)>> {
            let mut stmt = self.conn.prepare(&format!(
            "SELECT k.name, {VERSION_COLS}, v.value FROM versions v JOIN keys k ON k.id = v.key_id"
        ))?;
            let rows = stmt.query_map([], |r| {
                let name: String = r.get(0)?;
                let name = name
                    .parse::<KeyName>()
                    .map_err(|_| bad(0, "a key name is not a valid name".into()))?;
                let version = self.as_seen(&name, version_from_row(r, 1)?);
                Ok((name, version, value_at(r, 9)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })())
    }
}

#[cfg(test)]
mod batch_tests {
    #[test]
    fn a_multi_row_insert_has_one_parameter_per_row_and_column() {
        assert_eq!(
            super::multi_row_insert("t(a, b)", 2, 3),
            "INSERT INTO t(a, b) VALUES (?, ?), (?, ?), (?, ?)"
        );
        assert_eq!(
            super::multi_row_insert("OR IGNORE INTO t(a)", 1, 2),
            "INSERT OR IGNORE INTO t(a) VALUES (?), (?)"
        );
    }
}
