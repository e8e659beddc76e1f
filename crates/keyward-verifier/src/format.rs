//! The set's canonical form: what is signed, independent of the file it is stored in.
//!
//! A set is a header ([`SetInfo`]) and entries ([`Entry`]). The signature covers a
//! domain tag and the SHA-256 of the header's canonical lines followed by the digest of
//! each of [`BUCKETS`] buckets (entries grouped by the first byte of their hash, each
//! bucket the SHA-256 of its entries' canonical lines in canonical order). Both file
//! formats (`sqlite`, `jsonl`) store the same fields, so one signature check serves
//! both, and a reader checks every field it reads ([`check_fields`]) so one canonical
//! form has exactly one reading.

use std::collections::HashMap;
use std::fmt;

use ed25519_dalek::Signature;
use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::keys::{Alg, PublicKey};

/// The format tag every set carries (and signs); a later incompatible format gets a new
/// tag, which this build refuses.
pub const SET_FORMAT: &str = "keyward-verifier-set-1";

/// What a signature covers: this domain, then the SHA-256 of the canonical form (so a
/// signature over a set can never be taken for one over anything else).
const SIGNING_DOMAIN: &[u8] = b"keyward-verifier-set-1 signature\0";

/// Entries are signed in 256 buckets, by the first byte of their hash: the signature
/// covers the header and each bucket's digest. A lookup then checks only the bucket its
/// hash falls in — all of it, so a removed, added or edited entry there shows — and a
/// one-shot check reads 1/256 of a set instead of all of it.
pub const BUCKETS: usize = 256;

/// One version a service should accept until `not_after` (if any).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// [`entry_hash`](crate::entry_hash) of the value.
    #[serde(serialize_with = "ser_hex")]
    pub hash: [u8; 32],
    /// The environment; the same for every entry of a set.
    pub env: String,
    /// The key's name (`[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters).
    pub name: String,
    /// The version's number, from 1.
    pub version: u32,
    /// `active`, or `retiring` (an old version within its rotation grace).
    pub status: String,
    pub scopes: Vec<String>,
    /// Unix ms: the earlier of the version's expiry and the end of its grace.
    pub not_after: Option<i64>,
}

fn ser_hex<S: serde::Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(h))
}

impl Entry {
    /// The entry's line in the canonical form (see [`canonical_line`]).
    fn canonical(&self, buf: &mut Vec<u8>) {
        canonical_line(
            buf,
            &self.hash,
            &self.env,
            &self.name,
            self.version,
            &self.status,
            &self.scopes.join(","),
            self.not_after,
        );
    }
}

/// Append one entry's line of the canonical form to `buf`: tab-separated hex hash, env,
/// name, version, status, comma-joined scopes, `not_after` (or `-`). Every field is
/// checked on reading ([`check_fields`]: a valid name, environment, scope and status
/// hold no tab, comma or newline), so one canonical form has one reading. Written into
/// a reused buffer: opening a 100,000-entry set allocates nothing per entry here.
#[allow(clippy::too_many_arguments)]
pub(crate) fn canonical_line(
    buf: &mut Vec<u8>,
    hash: &[u8; 32],
    env: &str,
    name: &str,
    version: u32,
    status: &str,
    scopes: &str,
    not_after: Option<i64>,
) {
    use std::io::Write;
    let mut hx = [0u8; 64];
    hex::encode_to_slice(hash, &mut hx).expect("32 bytes are 64 hex digits");
    buf.extend_from_slice(&hx);
    for field in [env, name] {
        buf.push(b'\t');
        buf.extend_from_slice(field.as_bytes());
    }
    let _ = write!(buf, "\t{version}\t{status}\t{scopes}\t");
    match not_after {
        Some(t) => {
            let _ = write!(buf, "{t}");
        }
        None => buf.push(b'-'),
    }
    buf.push(b'\n');
}

/// Whether an entry's fields are ones keyward writes; why not otherwise. `scopes` is
/// comma-joined.
pub(crate) fn check_fields(
    set_env: &str,
    env: &str,
    name: &str,
    version: u32,
    status: &str,
    scopes: &str,
) -> Result<(), String> {
    if env != set_env {
        return Err(format!(
            "an entry of environment `{env}` in a set of `{set_env}`"
        ));
    }
    if !is_key_name(name) {
        return Err("an entry's key name is not a valid name".into());
    }
    if version == 0 {
        return Err("an entry's version is 0".into());
    }
    if status != "active" && status != "retiring" {
        return Err(format!("an entry has status `{status}`"));
    }
    if !scopes.is_empty()
        && scopes.split(',').any(|s| {
            s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_:.*/".contains(c))
        })
    {
        return Err("an entry has an invalid scope".into());
    }
    Ok(())
}

/// keyward's key-name rule: `[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters (it
/// becomes an environment variable name). keyward's CLI tests that this agrees with
/// its own `KeyName`.
pub fn is_key_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && s.len() <= 128
}

/// keyward's environment-name rule: `[a-z][a-z0-9-]*`, at most 32 characters (no `_`:
/// the environment is a field of the token `<prefix>_<env>_<body>`).
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 32
        && chars.all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// What a set says about itself: signed with its entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetInfo {
    /// [`SET_FORMAT`].
    pub format: String,
    pub env: String,
    /// The number of the environment's latest lifecycle event when the set was made: it
    /// grows with every change (rotation, revocation…), so a service can refuse a set
    /// older than one it has seen.
    pub serial: i64,
    /// Unix ms.
    pub generated: i64,
    pub alg: Alg,
    /// With `hmac-sha256`: the name of the HMAC key ([`HmacKey::id`](crate::HmacKey::id)).
    pub hmac_key_id: Option<String>,
    /// How many entries the set holds (signed, so none can be dropped unnoticed).
    pub entries: usize,
    /// The key that signed the set.
    #[serde(serialize_with = "ser_display")]
    pub pubkey: PublicKey,
}

fn ser_display<S: serde::Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

impl SetInfo {
    fn canonical_header(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.format,
            self.env,
            self.serial,
            self.generated,
            self.alg.as_str(),
            self.hmac_key_id.as_deref().unwrap_or("-"),
            self.entries,
            self.pubkey
        )
    }
}

/// The digest of every bucket of `entries` (in canonical order).
pub(crate) fn bucket_digests(entries: &[Entry]) -> Vec<[u8; 32]> {
    let mut hashers: Vec<Sha256> = (0..BUCKETS).map(|_| Sha256::new()).collect();
    let mut line = Vec::with_capacity(256);
    for e in entries {
        line.clear();
        e.canonical(&mut line);
        hashers[usize::from(e.hash[0])].update(&line);
    }
    hashers.into_iter().map(|h| h.finalize().into()).collect()
}

/// The message the signature is over: the domain, then the SHA-256 of the header's
/// canonical form and the bucket digests.
pub(crate) fn signed_message(info: &SetInfo, buckets: &[[u8; 32]]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(info.canonical_header().as_bytes());
    for b in buckets {
        h.update(b);
    }
    let digest: [u8; 32] = h.finalize().into();
    let mut m = SIGNING_DOMAIN.to_vec();
    m.extend_from_slice(&digest);
    m
}

/// Sort entries into the canonical order: by hash, then name, then version.
pub(crate) fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (a.hash, &a.name, a.version).cmp(&(b.hash, &b.name, b.version)));
}

/// Where an opened set's entries live: an SQLite set is queried through its index (in
/// memory, read-only); a JSON-lines set is held in a hash map.
pub(crate) enum Store {
    Sqlite(Connection),
    Memory(HashMap<[u8; 32], Vec<Entry>>),
}

/// What a reader hands back before anything is trusted: the set's info, its signature,
/// the loaded entries and the bucket digests (stored in an SQLite set, computed from a
/// JSON-lines one).
pub(crate) struct Loaded {
    pub info: SetInfo,
    pub signature: Signature,
    pub store: Store,
    pub buckets: Vec<[u8; 32]>,
}

/// The header fields both readers parse alike.
pub(crate) fn parse_signature(hex_sig: &str) -> Result<Signature, String> {
    let bytes: [u8; 64] = hex::decode(hex_sig)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("its signature is not 64 bytes of hex")?;
    Ok(Signature::from_bytes(&bytes))
}

pub(crate) fn parse_env(env: &str) -> Result<String, String> {
    if is_env_name(env) {
        Ok(env.to_owned())
    } else {
        Err("its environment name is not valid".into())
    }
}

pub(crate) fn parse_pubkey(s: &str) -> Result<PublicKey, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

pub(crate) fn parse_alg(
    alg: &str,
    key_id: Option<String>,
) -> Result<(Alg, Option<String>), String> {
    match (alg, key_id) {
        ("sha256", None) => Ok((Alg::Sha256, None)),
        ("hmac-sha256", Some(id)) if id.len() == 16 && hex::decode(&id).is_ok() => {
            Ok((Alg::HmacSha256, Some(id)))
        }
        (a, _) => Err(format!("unknown hash `{a}` or a missing HMAC key id")),
    }
}

pub(crate) fn split_scopes(s: &str) -> Vec<String> {
    if s.is_empty() {
        vec![]
    } else {
        s.split(',').map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_line_is_pinned() {
        // A change here invalidates every set already exported: it needs a new
        // SET_FORMAT, not an edit.
        let mut buf = Vec::new();
        canonical_line(
            &mut buf,
            &[0xab; 32],
            "dev",
            "A_KEY",
            3,
            "retiring",
            "r,w",
            Some(5),
        );
        canonical_line(&mut buf, &[0; 32], "dev", "B", 1, "active", "", None);
        let expected = format!(
            "{}\tdev\tA_KEY\t3\tretiring\tr,w\t5\n{}\tdev\tB\t1\tactive\t\t-\n",
            "ab".repeat(32),
            "00".repeat(32)
        );
        assert_eq!(String::from_utf8(buf).unwrap(), expected);
    }

    #[test]
    fn fields_that_keyward_never_writes_are_refused() {
        let ok = |env, name, version, status, scopes| {
            check_fields("dev", env, name, version, status, scopes).is_ok()
        };
        assert!(ok("dev", "A_1", 1, "active", "read,write:x"));
        assert!(ok("dev", "_a", 2, "retiring", ""));
        assert!(!ok("prod", "A", 1, "active", ""));
        assert!(!ok("dev", "1A", 1, "active", ""));
        assert!(!ok("dev", "A\tB", 1, "active", ""));
        let too_long = "A".repeat(129);
        assert!(!ok("dev", &too_long, 1, "active", ""));
        assert!(!ok("dev", "A", 0, "active", ""));
        assert!(!ok("dev", "A", 1, "revoked", ""));
        assert!(!ok("dev", "A", 1, "active", "a,,b"));
        assert!(!ok("dev", "A", 1, "active", "a\tb"));
    }

    #[test]
    fn environment_names_follow_keywards_rule() {
        for good in ["dev", "prod-eu-1", &"a".repeat(32)] {
            assert!(is_env_name(good), "{good}");
        }
        for bad in ["", "Dev", "1dev", "de_v", "dev.x", &"a".repeat(33)] {
            assert!(!is_env_name(bad), "{bad}");
        }
    }
}
