//! An opened set and the lookup a service runs against it.
//!
//! Opening checks, in this order: the format tag, the signer against the pinned public
//! key, the Ed25519 signature over the header and bucket digests, the serial against the
//! lowest one the service accepts, and the HMAC key. Only then can a lookup answer; each
//! lookup also checks the one bucket its hash falls in (once per bucket), so an entry
//! added, removed or edited after signing is an error, never an answer.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::format::{BUCKETS, Entry, Loaded, SET_FORMAT, SetInfo, Store, signed_message};
use crate::keys::{Alg, HmacKey, PublicKey, entry_hash, read_error};
use crate::presented::{malformed, strip_newline, token_env};
use crate::time::fmt_time_ms;
use crate::{jsonl, sqlite};

/// What a service requires of a set before it answers from it.
#[derive(Debug, Default)]
pub struct Pinned {
    /// The environment's verifier public key (`keyward verifier pubkey`). Without it the
    /// signature is checked against the key the set names, which catches damage but not
    /// a forgery: a service should always pin it.
    pub pubkey: Option<PublicKey>,
    /// Refuse a set whose serial is lower: an older state of the environment, which
    /// may still list keys revoked since. A service remembers the highest serial it has
    /// loaded and pins that. An equal serial is accepted (a later export of the same
    /// state, whose expired versions dropped out); the serial counts one history's
    /// events, so sets exported from two branches of the vault may share one.
    pub min_serial: Option<i64>,
    /// Required for an `hmac-sha256` set: the same key it was exported with. A service
    /// that gives one accepts only HMAC sets: a plain `sha256` set is refused
    /// ([`Error::HmacKeyNotUsed`]), as a downgrade.
    pub hmac_key: Option<HmacKey>,
}

/// A set whose signature, serial and HMAC key were checked, ready for lookups. Not
/// `Sync` (an SQLite connection, and the record of which buckets were checked): a
/// threaded service gives each thread its own, or wraps it in a `Mutex`.
pub struct VerifierSet {
    info: SetInfo,
    store: Store,
    /// The signed digest of each bucket, and whether it was checked against the
    /// entries yet (a JSON-lines set: all at open; an SQLite one: on first use).
    buckets: Vec<[u8; 32]>,
    verified: Vec<Cell<bool>>,
    /// An SQLite set's entries of the buckets checked so far: the rows the check hashed,
    /// the only ones a lookup answers from (the image itself may be shaped to answer
    /// another query differently).
    checked: RefCell<HashMap<[u8; 32], Vec<Entry>>>,
    label: PathBuf,
    hmac_key: Option<HmacKey>,
    /// Whether the signature was checked against a pinned key.
    authenticated: bool,
}

/// A version the presented key matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Found {
    pub env: String,
    pub name: String,
    pub version: u32,
    /// `active`, or `retiring` (an old version within its rotation grace).
    pub status: String,
    /// What the key may do; the service enforces them.
    pub scopes: Vec<String>,
    /// Unix ms.
    pub not_after: Option<i64>,
}

/// The answer to a lookup: what `keyward verify` would say, from the set alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Accept: an active version, or a retiring one within its grace.
    Valid(Found),
    /// Known, but its `not_after` has passed since the set was made.
    Expired(Found),
    /// A keyward token of another environment (named by the token itself).
    OtherEnvironment(String),
    /// Cannot be a stored value (empty, a NUL byte, longer than 64 KiB).
    Malformed(&'static str),
    /// Not in the set: unknown, or revoked, retired or expired when it was made.
    Unknown,
}

impl Answer {
    /// Whether the service should accept the key.
    pub fn is_valid(&self) -> bool {
        matches!(self, Answer::Valid(_))
    }

    /// Why a key is refused (or `valid`), for messages and logs. Never holds the key.
    pub fn reason(&self) -> String {
        match self {
            Answer::Valid(_) => "valid".into(),
            Answer::Expired(f) => format!(
                "`{}` version {} ended at {}",
                f.name,
                f.version,
                f.not_after.map(fmt_time_ms).unwrap_or_default()
            ),
            Answer::OtherEnvironment(env) => format!("a token of environment `{env}`"),
            Answer::Malformed(why) => (*why).to_owned(),
            Answer::Unknown => "not in the set".into(),
        }
    }
}

impl fmt::Debug for VerifierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierSet")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl VerifierSet {
    /// Open a set file (SQLite or JSON lines, told apart by their first bytes), check
    /// its signature (against `pinned.pubkey` when given), its serial and HMAC key, and
    /// load it for lookups. The file is read once, whole: replacing it afterwards (as
    /// `keyward verifier export -o` does, by rename) changes nothing until it is opened
    /// again.
    pub fn open(path: &Path, pinned: &Pinned) -> Result<VerifierSet> {
        let bytes = std::fs::read(path).map_err(|e| read_error(path, e))?;
        Self::from_bytes(&bytes, path, pinned)
    }

    /// The same from the file's bytes; `label` names it in errors.
    pub fn from_bytes(bytes: &[u8], label: &Path, pinned: &Pinned) -> Result<VerifierSet> {
        let invalid = |detail: String| Error::SetInvalid {
            path: label.to_owned(),
            detail,
        };
        let Loaded {
            info,
            signature,
            store,
            buckets,
        } = if bytes.starts_with(sqlite::MAGIC) {
            sqlite::read(bytes).map_err(invalid)?
        } else if bytes.first() == Some(&b'{') {
            jsonl::read(bytes).map_err(invalid)?
        } else {
            return Err(invalid(
                "neither an SQLite nor a JSON-lines verifier set (sql and redis sets are loaded into their servers, not checked here)".into(),
            ));
        };
        if info.format != SET_FORMAT {
            return Err(invalid(format!(
                "format `{}`; this keyward reads `{SET_FORMAT}`",
                info.format
            )));
        }
        if let Some(want) = pinned.pubkey
            && want != info.pubkey
        {
            return Err(Error::WrongKey {
                path: label.to_owned(),
                signer: info.pubkey,
                pinned: want,
            });
        }
        if !info
            .pubkey
            .verifies(&signed_message(&info, &buckets), &signature)
        {
            return Err(invalid("its signature does not match its contents".into()));
        }
        if let Some(min) = pinned.min_serial
            && info.serial < min
        {
            return Err(Error::SetStale {
                path: label.to_owned(),
                serial: info.serial,
                required: min,
            });
        }
        match (info.alg, &pinned.hmac_key) {
            (Alg::Sha256, None) => {}
            // A service holding an HMAC key expects HMAC sets: a plain one is a downgrade
            // (bare hashes of guessable values), and hashing lookups under the key would
            // answer `Unknown` for every valid key. Refused, by name.
            (Alg::Sha256, Some(_)) => {
                return Err(Error::HmacKeyNotUsed {
                    path: label.to_owned(),
                });
            }
            (Alg::HmacSha256, None) => {
                return Err(Error::HmacKeyNeeded {
                    path: label.to_owned(),
                });
            }
            (Alg::HmacSha256, Some(k)) => {
                if info.hmac_key_id.as_deref() != Some(k.id().as_str()) {
                    return Err(Error::HmacKeyMismatch {
                        path: label.to_owned(),
                    });
                }
            }
        }
        // A JSON-lines set was parsed whole and its digests computed from what it holds:
        // every bucket is checked by the signature already.
        let checked = matches!(store, Store::Memory(_));
        Ok(VerifierSet {
            info,
            store,
            hmac_key: pinned.hmac_key.as_ref().map(HmacKey::duplicate),
            authenticated: pinned.pubkey.is_some(),
            verified: (0..BUCKETS).map(|_| Cell::new(checked)).collect(),
            checked: RefCell::new(HashMap::new()),
            buckets,
            label: label.to_owned(),
        })
    }

    /// Keep the set only if it is `env`'s: a service that knows which environment it
    /// serves refuses a set of another one (a misconfigured path, or a swapped file
    /// signed by another environment's key when no key is pinned) before any lookup,
    /// as [`Error::SetInvalid`]. `VerifierSet::open(path, &pinned)?.require_env("prod")?`.
    pub fn require_env(self, env: &str) -> Result<VerifierSet> {
        if self.info.env == env {
            return Ok(self);
        }
        Err(Error::SetInvalid {
            path: self.label.clone(),
            detail: format!(
                "it is the set of environment `{}`, not of `{env}`",
                self.info.env
            ),
        })
    }

    /// What the set says about itself (checked by the signature).
    pub fn info(&self) -> &SetInfo {
        &self.info
    }

    /// Whether the signature was checked against a pinned public key (not only against
    /// the key the set names).
    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    /// Answer for `presented` at `now_ms` (unix ms), as `keyward verify` would: one
    /// trailing newline is ignored; a keyward token of another environment is refused
    /// by its name; then the hash is looked up and `not_after` compared with `now_ms`.
    /// The bucket the hash falls in is checked against the signature first (once per
    /// bucket): an error means the set was changed after it was signed.
    pub fn lookup(&self, presented: &[u8], now_ms: i64) -> Result<Answer> {
        let trimmed = strip_newline(presented);
        if let Some(why) = malformed(trimmed) {
            return Ok(Answer::Malformed(why));
        }
        if let Some(env) = token_env(trimmed)
            && env != self.info.env
        {
            return Ok(Answer::OtherEnvironment(env.to_owned()));
        }
        // The key as given first (a value may end in a newline), then without it.
        for candidate in [presented, trimmed] {
            let hash = entry_hash(candidate, self.hmac_key.as_ref());
            self.check_bucket(hash[0])?;
            let entries = self.entries_for(&hash);
            if !entries.is_empty() {
                // The first entry still within its `not_after`; else the first one.
                let live = entries
                    .iter()
                    .find(|e| e.not_after.is_none_or(|t| t > now_ms));
                let e = live.unwrap_or(&entries[0]);
                let found = Found {
                    env: e.env.clone(),
                    name: e.name.clone(),
                    version: e.version,
                    status: e.status.clone(),
                    scopes: e.scopes.clone(),
                    not_after: e.not_after,
                };
                return Ok(if live.is_some() {
                    Answer::Valid(found)
                } else {
                    Answer::Expired(found)
                });
            }
            if candidate.len() == trimmed.len() {
                break;
            }
        }
        Ok(Answer::Unknown)
    }

    /// Check every bucket (and the number of entries) now, rather than each on first
    /// use: a service reloading a set can refuse a damaged one at once.
    pub fn verify_all(&self) -> Result<()> {
        for b in 0..=u8::MAX {
            self.check_bucket(b)?;
        }
        if let Store::Sqlite(conn) = &self.store {
            let n = sqlite::count(conn).map_err(|d| self.invalid(d))?;
            if usize::try_from(n).ok() != Some(self.info.entries) {
                return Err(self.invalid(format!(
                    "it says {} entries and holds {n}",
                    self.info.entries
                )));
            }
        }
        Ok(())
    }

    fn invalid(&self, detail: String) -> Error {
        Error::SetInvalid {
            path: self.label.clone(),
            detail,
        }
    }

    /// Recompute bucket `b`'s digest from the entries and compare it with the signed one.
    fn check_bucket(&self, b: u8) -> Result<()> {
        let i = usize::from(b);
        if self.verified[i].get() {
            return Ok(());
        }
        let Store::Sqlite(conn) = &self.store else {
            return Ok(());
        };
        let (digest, entries) =
            sqlite::read_bucket(conn, &self.info.env, b).map_err(|d| self.invalid(d))?;
        if digest != self.buckets[i] {
            return Err(self.invalid("its signature does not match its contents".into()));
        }
        self.checked.borrow_mut().extend(entries);
        self.verified[i].set(true);
        Ok(())
    }

    /// The entries with this hash (usually none or one), by name and version, from
    /// what the signature covers: a JSON-lines set's parsed entries, or the rows an
    /// SQLite set's bucket check read (called after that check).
    fn entries_for(&self, hash: &[u8; 32]) -> Vec<Entry> {
        match &self.store {
            Store::Memory(map) => map.get(hash).cloned().unwrap_or_default(),
            Store::Sqlite(_) => self.checked.borrow().get(hash).cloned().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::SET_FORMAT as FORMAT;
    use crate::keys::{SigningKey, entry_hash};
    use crate::signed::SignedSet;

    fn entry(value: &[u8], name: &str) -> Entry {
        Entry {
            hash: entry_hash(value, None),
            env: "dev".into(),
            name: name.into(),
            version: 1,
            status: "active".into(),
            scopes: vec![],
            not_after: None,
        }
    }

    /// Once a bucket is checked, a lookup answers from the rows that check hashed: a
    /// row the image yields afterwards (here put into the open connection; in a file,
    /// through another index or a b-tree out of order) is not in the set.
    #[test]
    fn a_lookup_answers_only_from_the_rows_its_bucket_check_read() {
        let key = SigningKey::from_seed(&[3; 32]);
        let info = SetInfo {
            format: FORMAT.into(),
            env: "dev".into(),
            serial: 1,
            generated: 1,
            alg: Alg::Sha256,
            hmac_key_id: None,
            entries: 0,
            pubkey: key.public(),
        };
        let bytes = SignedSet::sign(info, vec![entry(b"kw_dev_signed", "A")], &key)
            .to_sqlite()
            .unwrap();
        let pinned = Pinned {
            pubkey: Some(key.public()),
            ..Default::default()
        };
        let mut set = VerifierSet::from_bytes(&bytes, Path::new("x"), &pinned).unwrap();
        assert!(set.lookup(b"kw_dev_signed", 0).unwrap().is_valid());
        // A value whose hash falls in the same bucket, never signed.
        let bucket = entry_hash(b"kw_dev_signed", None)[0];
        let forged = (0u32..)
            .map(|i| format!("forged-{i}"))
            .find(|v| entry_hash(v.as_bytes(), None)[0] == bucket)
            .unwrap();
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.deserialize_read_exact(
            rusqlite::MAIN_DB,
            std::io::Cursor::new(&bytes),
            bytes.len(),
            false,
        )
        .unwrap();
        conn.execute(
            "INSERT INTO entries(hash, env, name, version, status, scopes, not_after)
             VALUES (?1, 'dev', 'A', 9, 'active', '', NULL)",
            [&entry(forged.as_bytes(), "A").hash[..]],
        )
        .unwrap();
        set.store = Store::Sqlite(conn);
        assert_eq!(set.lookup(forged.as_bytes(), 0).unwrap(), Answer::Unknown);
    }
}
