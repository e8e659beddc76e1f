//! Verifier sets (DESIGN §13): what a service needs to check a presented key without
//! the vault — for every version `keyward verify` would accept, the SHA-256 of its value
//! (or HMAC-SHA-256 under a key the service holds), its key name, version, status,
//! scopes and `not_after`. Never a value.
//!
//! This module owns the set's format: the canonical form that is signed, the signature
//! (Ed25519, with the environment's verifier key), the SQLite and JSON-lines files, and
//! the lookup a service runs. It needs no identity and no vault: a service links the
//! crate, opens a set once (which checks its signature and serial) and then answers
//! lookups from memory.
//!
//! ```no_run
//! use keyward::verifier::{Answer, Pinned, VerifierSet};
//!
//! # fn main() -> keyward::Result<()> {
//! // The public key `keyward verifier pubkey -e prod` printed, pinned in the service.
//! let pubkey = "ed25519:3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
//!     .parse()
//!     .map_err(keyward::Error::usage)?;
//! let set = VerifierSet::open(
//!     std::path::Path::new("/srv/keys/prod.kwset"),
//!     &Pinned { pubkey: Some(pubkey), min_serial: Some(40), hmac_key: None },
//! )?;
//! let now_ms = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH)
//!     .map(|d| d.as_millis() as i64)
//!     .unwrap_or(0);
//! match set.lookup(b"kw_prod_presented-by-a-client", now_ms)? {
//!     Answer::Valid(found) => println!("ok: {} v{} {:?}", found.name, found.version, found.scopes),
//!     other => println!("refused: {}", other.reason()),
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use rusqlite::{Connection, MAIN_DB, OpenFlags, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::names::{EnvName, KeyName, fmt_time_ms};

/// The format tag every set carries (and signs); a later incompatible format gets a new
/// tag, which this build refuses.
pub const SET_FORMAT: &str = "keyward-verifier-set-1";

/// What a signature covers: this domain, then the SHA-256 of the canonical form.
const SIGNING_DOMAIN: &[u8] = b"keyward-verifier-set-1 signature\0";

/// An HMAC key shorter than this is refused: it is what keeps a low-entropy value from
/// being guessed from its hash, so it must not be guessable itself.
pub const MIN_HMAC_KEY: usize = 32;

/// How each entry's hash was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alg {
    /// SHA-256 of the value: enough for generated keys (at least 128 bits of entropy).
    Sha256,
    /// HMAC-SHA-256 of the value under a key the service holds: for imported values,
    /// which may be guessable from a bare hash.
    HmacSha256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Sha256 => "sha256",
            Alg::HmacSha256 => "hmac-sha256",
        }
    }
}

/// The secret key of an HMAC set, held by the services and by whoever exports.
pub struct HmacKey(Zeroizing<Vec<u8>>);

impl HmacKey {
    /// Read a key file (at most 4 KiB; one trailing newline ignored). At least
    /// [`MIN_HMAC_KEY`] bytes, e.g. `head -c 32 /dev/urandom > hmac.key`.
    pub fn from_file(path: &Path) -> Result<HmacKey> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::FileNotFound {
                path: path.to_owned(),
            },
            _ => Error::io("cannot read", path, e),
        })?;
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(4097)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read", path, e))?;
        if bytes.len() > 4096 {
            return Err(Error::usage(format!(
                "the HMAC key file `{}` is longer than 4 KiB; is it the right file?",
                path.display()
            )));
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        HmacKey::from_bytes(bytes.to_vec()).map_err(|_| {
            Error::usage(format!(
                "the HMAC key in `{}` is shorter than {MIN_HMAC_KEY} bytes\nhint: make one with `head -c 32 /dev/urandom > {}`",
                path.display(),
                path.display()
            ))
        })
    }

    /// A key from its bytes; shorter than [`MIN_HMAC_KEY`] is refused.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<HmacKey> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_HMAC_KEY {
            return Err(Error::usage(format!(
                "an HMAC key has at least {MIN_HMAC_KEY} bytes"
            )));
        }
        Ok(HmacKey(bytes))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// A public name for the key (derived, not the key): a set records it so a service
    /// holding another key is told so instead of finding nothing.
    pub fn id(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"keyward verifier hmac key id");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

/// The hash a set stores for `value`: SHA-256, or HMAC-SHA-256 under `key`.
pub fn entry_hash(value: &[u8], key: Option<&HmacKey>) -> [u8; 32] {
    match key {
        None => Sha256::digest(value).into(),
        Some(k) => {
            let mut mac = k.mac();
            mac.update(value);
            mac.finalize().into_bytes().into()
        }
    }
}

/// The public half of an environment's verifier key, as `verifier pubkey` prints it
/// and `verifier check --pubkey` takes it: `ed25519:` and 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    fn verifying(&self) -> VerifyingKey {
        VerifyingKey::from_bytes(&self.0).expect("checked when parsed")
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ed25519:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for PublicKey {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || {
            "a verifier public key is `ed25519:` and 64 hex digits, as `keyward verifier pubkey` prints it"
                .to_owned()
        };
        let h = s.trim().strip_prefix("ed25519:").unwrap_or(s.trim());
        let bytes: [u8; 32] = hex::decode(h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| bad())
    }
}

/// The private half, built from the seed the environment keeps (`vault::verifier`).
pub(crate) struct SecretKey(SigningKey);

impl SecretKey {
    pub(crate) fn from_seed(seed: &[u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(seed))
    }

    pub(crate) fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    fn sign(&self, digest: &[u8; 32]) -> Signature {
        self.0.sign(&signed_message(digest))
    }
}

fn signed_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut m = SIGNING_DOMAIN.to_vec();
    m.extend_from_slice(digest);
    m
}

/// One version a service should accept until `not_after` (if any).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    #[serde(serialize_with = "ser_hex")]
    pub hash: [u8; 32],
    pub env: String,
    pub name: String,
    pub version: u32,
    /// `active`, or `retiring` (an old version within its rotation grace).
    pub status: String,
    pub scopes: Vec<String>,
    /// Unix ms: the earlier of the version's expiry and the end of its grace.
    pub not_after: Option<i64>,
}

fn ser_hex<S: serde::Serializer>(h: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
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
fn canonical_line(
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
fn check_fields(
    set_env: &str,
    env: &str,
    name: &str,
    version: u32,
    status: &str,
    scopes: &str,
) -> std::result::Result<(), String> {
    if env != set_env {
        return Err(format!(
            "an entry of environment `{env}` in a set of `{set_env}`"
        ));
    }
    if name.parse::<KeyName>().is_err() {
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

/// What a set says about itself: signed with its entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetInfo {
    pub format: String,
    pub env: String,
    /// The number of the environment's latest lifecycle event when the set was made: it
    /// grows with every change (rotation, revocation…), so a service can refuse a set
    /// older than one it has seen.
    pub serial: i64,
    /// Unix ms.
    pub generated: i64,
    pub alg: Alg,
    /// With `hmac-sha256`: the name of the HMAC key ([`HmacKey::id`]).
    pub hmac_key_id: Option<String>,
    pub entries: usize,
    /// The key that signed the set.
    #[serde(serialize_with = "ser_display")]
    pub pubkey: PublicKey,
}

fn ser_display<S: serde::Serializer, T: fmt::Display>(
    v: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
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

/// Entries are signed in 256 buckets, by the first byte of their hash: the signature
/// covers the header and each bucket's digest (the SHA-256 of its entries' canonical
/// lines, in canonical order). A lookup then checks only the bucket its hash falls in —
/// all of it, so a removed, added or edited entry there shows — and a one-shot check
/// reads 1/256 of a set instead of all of it.
pub const BUCKETS: usize = 256;

/// The digest of every bucket of `entries` (in canonical order).
fn bucket_digests(entries: &[Entry]) -> Vec<[u8; 32]> {
    let mut hashers: Vec<Sha256> = (0..BUCKETS).map(|_| Sha256::new()).collect();
    let mut line = Vec::with_capacity(256);
    for e in entries {
        line.clear();
        e.canonical(&mut line);
        hashers[usize::from(e.hash[0])].update(&line);
    }
    hashers.into_iter().map(|h| h.finalize().into()).collect()
}

/// What the signature covers: the SHA-256 of the header's canonical form and the
/// bucket digests.
fn signed_digest(info: &SetInfo, buckets: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(info.canonical_header().as_bytes());
    for b in buckets {
        h.update(b);
    }
    h.finalize().into()
}

/// Sort entries into the canonical order.
pub(crate) fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (a.hash, &a.name, a.version).cmp(&(b.hash, &b.name, b.version)));
}

/// A set ready to be written: its info, entries in canonical order, and signature.
pub(crate) struct SignedSet {
    pub info: SetInfo,
    pub entries: Vec<Entry>,
    buckets: Vec<[u8; 32]>,
    signature: Signature,
}

impl SignedSet {
    pub(crate) fn sign(info: SetInfo, mut entries: Vec<Entry>, key: &SecretKey) -> SignedSet {
        sort_entries(&mut entries);
        let buckets = bucket_digests(&entries);
        let signature = key.sign(&signed_digest(&info, &buckets));
        SignedSet {
            info,
            entries,
            buckets,
            signature,
        }
    }

    /// The set as an SQLite database image: `set_info` (header and signature) and
    /// `entries`, indexed by hash.
    pub(crate) fn to_sqlite(&self) -> Result<Vec<u8>> {
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
            put.execute(params!["signature", hex::encode(self.signature.to_bytes())])?;
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

    /// The set as JSON lines: a header object (with the signature), then one object per
    /// entry.
    pub(crate) fn to_jsonl(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let header = JsonHeader {
            keyward_verifier_set: self.info.format.clone(),
            env: self.info.env.clone(),
            serial: self.info.serial,
            generated: fmt_time_ms(self.info.generated),
            generated_ms: self.info.generated,
            alg: self.info.alg,
            hmac_key_id: self.info.hmac_key_id.clone(),
            entries: self.info.entries,
            pubkey: self.info.pubkey.to_string(),
            signature: hex::encode(self.signature.to_bytes()),
        };
        let json_err = |e: serde_json::Error| Error::Other(format!("cannot write JSON: {e}"));
        serde_json::to_writer(&mut out, &header).map_err(json_err)?;
        out.push(b'\n');
        for e in &self.entries {
            let line = JsonEntry {
                hash: hex::encode(e.hash),
                env: e.env.clone(),
                name: e.name.clone(),
                version: e.version,
                status: e.status.clone(),
                scopes: e.scopes.clone(),
                not_after: e.not_after.map(fmt_time_ms),
                not_after_ms: e.not_after,
            };
            serde_json::to_writer(&mut out, &line).map_err(json_err)?;
            out.push(b'\n');
        }
        Ok(out)
    }
}

impl SignedSet {
    /// The set as one PostgreSQL transaction for `psql -v ON_ERROR_STOP=1 -f FILE`:
    /// creates the tables if missing, refuses a set older than the one loaded (a higher
    /// serial), then replaces the environment's rows. Readers see the old set or the new
    /// one, never an empty or mixed one (one transaction; MVCC); running it again gives
    /// the same rows.
    pub(crate) fn to_sql(&self) -> Vec<u8> {
        let i = &self.info;
        // Every string below is a validated name, scope, status, hex or time: none holds
        // a quote. `lit` escapes anyway, so the statement cannot be broken by one.
        let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let env = lit(&i.env);
        let mut out = format!(
            "-- keyward verifier set: environment {env}, serial {serial}, generated {generated}, {alg}, {n} entries\n\
             -- load with: psql -v ON_ERROR_STOP=1 -f FILE (one transaction: readers see the old set or this one)\n\
             BEGIN;\n\
             {SQL_SCHEMA}\
             LOCK TABLE keyward_verifier_sets IN SHARE ROW EXCLUSIVE MODE;\n\
             DO $keyward$ BEGIN\n  IF EXISTS (SELECT 1 FROM keyward_verifier_sets WHERE env = {env} AND serial > {serial}) THEN\n    RAISE EXCEPTION 'keyward: a newer verifier set of {envq} is loaded; refusing serial {serial}';\n  END IF;\nEND $keyward$;\n\
             DELETE FROM keyward_verifier_keys WHERE env = {env};\n",
            serial = i.serial,
            generated = fmt_time_ms(i.generated),
            alg = i.alg.as_str(),
            n = i.entries,
            envq = i.env,
        );
        for chunk in self.entries.chunks(1000) {
            out.push_str(
                "INSERT INTO keyward_verifier_keys (env, hash, name, version, status, scopes, not_after) VALUES\n",
            );
            let rows: Vec<String> = chunk
                .iter()
                .map(|e| {
                    let scopes = if e.scopes.is_empty() {
                        "'{}'::text[]".to_owned()
                    } else {
                        let s: Vec<String> = e.scopes.iter().map(|s| lit(s)).collect();
                        format!("ARRAY[{}]::text[]", s.join(","))
                    };
                    format!(
                        "  ({env}, decode('{}', 'hex'), {}, {}, {}, {scopes}, {})",
                        hex::encode(e.hash),
                        lit(&e.name),
                        e.version,
                        lit(&e.status),
                        e.not_after.map_or("NULL".to_owned(), |t| format!(
                            "{}::timestamptz",
                            lit(&fmt_time_ms(t))
                        ))
                    )
                })
                .collect();
            out.push_str(&rows.join(",\n"));
            out.push_str(";\n");
        }
        out.push_str(&format!(
            "INSERT INTO keyward_verifier_sets (env, serial, generated, alg, hmac_key_id, entries, pubkey)\n  VALUES ({env}, {}, {}::timestamptz, {}, {}, {}, {})\n  ON CONFLICT (env) DO UPDATE SET serial = EXCLUDED.serial, generated = EXCLUDED.generated, alg = EXCLUDED.alg,\n    hmac_key_id = EXCLUDED.hmac_key_id, entries = EXCLUDED.entries, pubkey = EXCLUDED.pubkey;\nCOMMIT;\n",
            i.serial,
            lit(&fmt_time_ms(i.generated)),
            lit(i.alg.as_str()),
            i.hmac_key_id.as_deref().map_or("NULL".to_owned(), lit),
            i.entries,
            lit(&i.pubkey.to_string()),
        ));
        out.into_bytes()
    }

    /// The set as Redis commands (RESP) for `redis-cli --pipe`: each entry under its own
    /// key in a new namespace, `SET … PXAT not_after` so Redis drops it when it ends;
    /// then one script switches the environment's pointer to the namespace (refusing an
    /// older serial) and lets the old namespace expire after [`REDIS_GRACE_MS`], so a
    /// reader between its two reads still finds what it was looking at.
    pub(crate) fn to_redis(&self) -> Result<Vec<u8>> {
        let i = &self.info;
        let base = format!("keyward:verifier:{}", i.env);
        let ns = format!("{}-{}", i.serial, i.generated);
        let mut out = Vec::new();
        let json_err = |e: serde_json::Error| Error::Other(format!("cannot write JSON: {e}"));
        for e in &self.entries {
            let value = serde_json::to_string(&JsonEntry {
                hash: hex::encode(e.hash),
                env: e.env.clone(),
                name: e.name.clone(),
                version: e.version,
                status: e.status.clone(),
                scopes: e.scopes.clone(),
                not_after: e.not_after.map(fmt_time_ms),
                not_after_ms: e.not_after,
            })
            .map_err(json_err)?;
            let key = format!("{base}:{ns}:{}", hex::encode(e.hash));
            match e.not_after {
                Some(t) => resp(&mut out, &["SET", &key, &value, "PXAT", &t.to_string()]),
                None => resp(&mut out, &["SET", &key, &value]),
            }
        }
        let members_key = format!("{base}:{ns}:hashes");
        for chunk in self.entries.chunks(1000) {
            let mut cmd = vec!["SADD".to_owned(), members_key.clone()];
            cmd.extend(chunk.iter().map(|e| hex::encode(e.hash)));
            let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
            resp(&mut out, &cmd);
        }
        let info = serde_json::to_string(&self.info).map_err(json_err)?;
        resp(&mut out, &["SET", &format!("{base}:{ns}:info"), &info]);
        resp(
            &mut out,
            &[
                "EVAL",
                REDIS_SWITCH,
                "1",
                &base,
                &ns,
                &i.serial.to_string(),
                &REDIS_GRACE_MS.to_string(),
            ],
        );
        Ok(out)
    }
}

/// How long an old Redis namespace lives after the switch: a reader that read the old
/// pointer still finds its entry (or less, when the entry's own `not_after` is sooner).
pub const REDIS_GRACE_MS: i64 = 30_000;

/// The pointer switch, atomic in Redis: refuse an older serial, point `<base>:current`
/// at the new namespace, and let the previous one expire (`LT`: never later than an
/// entry's own `not_after`).
const REDIS_SWITCH: &str = "local cur = redis.call('GET', KEYS[1] .. ':current')
if cur then
  local serial = tonumber(string.match(cur, '^(%d+)-'))
  if serial and serial > tonumber(ARGV[2]) then
    return redis.error_reply('keyward: a newer verifier set is loaded (' .. cur .. '); refusing serial ' .. ARGV[2])
  end
  if cur == ARGV[1] then return 'unchanged' end
end
redis.call('SET', KEYS[1] .. ':current', ARGV[1])
if cur then
  local old = KEYS[1] .. ':' .. cur
  for _, h in ipairs(redis.call('SMEMBERS', old .. ':hashes')) do
    redis.call('PEXPIRE', old .. ':' .. h, ARGV[3], 'LT')
  end
  redis.call('PEXPIRE', old .. ':hashes', ARGV[3])
  redis.call('PEXPIRE', old .. ':info', ARGV[3])
end
return 'switched'";

/// One command in the Redis protocol (an array of bulk strings).
fn resp(out: &mut Vec<u8>, args: &[&str]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// The PostgreSQL tables: one row per set (its serial, to refuse older ones) and one per
/// entry. A service queries:
/// `SELECT name, version, status, scopes, not_after FROM keyward_verifier_keys
///  WHERE env = $1 AND hash = $2 AND (not_after IS NULL OR not_after > now())`.
pub const SQL_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS keyward_verifier_sets (
  env text PRIMARY KEY,
  serial bigint NOT NULL,
  generated timestamptz NOT NULL,
  alg text NOT NULL,
  hmac_key_id text,
  entries integer NOT NULL,
  pubkey text NOT NULL
);
CREATE TABLE IF NOT EXISTS keyward_verifier_keys (
  env text NOT NULL,
  hash bytea NOT NULL,
  name text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL,
  scopes text[] NOT NULL,
  not_after timestamptz,
  PRIMARY KEY (env, hash, name, version)
);
";

/// The tables of an SQLite set. A service queries `entries` by hash:
/// `SELECT name, version, status, scopes, not_after FROM entries
///  WHERE hash = ?1 AND (not_after IS NULL OR not_after > ?2)`.
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

#[derive(Serialize, Deserialize)]
struct JsonHeader {
    keyward_verifier_set: String,
    env: String,
    serial: i64,
    generated: String,
    generated_ms: i64,
    alg: Alg,
    hmac_key_id: Option<String>,
    entries: usize,
    pubkey: String,
    signature: String,
}

#[derive(Serialize, Deserialize)]
struct JsonEntry {
    hash: String,
    env: String,
    name: String,
    version: u32,
    status: String,
    scopes: Vec<String>,
    not_after: Option<String>,
    not_after_ms: Option<i64>,
}

/// What a service requires of a set before it answers from it.
#[derive(Default)]
pub struct Pinned {
    /// The environment's verifier public key. Without it the signature is checked
    /// against the key the set names, which catches damage but not a forgery.
    pub pubkey: Option<PublicKey>,
    /// Refuse a set whose serial is lower (an older state of the environment).
    pub min_serial: Option<i64>,
    /// Required for an `hmac-sha256` set: the same key it was exported with.
    pub hmac_key: Option<HmacKey>,
}

/// A set whose signature, serial and HMAC key were checked, ready for lookups: an
/// SQLite set is queried through its index (in memory, read-only); a JSON-lines set is
/// held in a hash map. Not `Sync` (an SQLite connection): a threaded service gives each
/// thread its own, or wraps it in a `Mutex`.
pub struct VerifierSet {
    info: SetInfo,
    store: Store,
    /// The signed digest of each bucket, and whether it was checked against the
    /// entries yet (a JSON-lines set: all at open; an SQLite one: on first use).
    buckets: Vec<[u8; 32]>,
    verified: Vec<std::cell::Cell<bool>>,
    label: std::path::PathBuf,
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
    pub status: String,
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
    /// A keyward token of another environment.
    OtherEnvironment(String),
    /// Cannot be a stored value (empty, a NUL byte, longer than 64 KiB).
    Malformed(&'static str),
    /// Not in the set: unknown, or revoked, retired or expired when it was made.
    Unknown,
}

impl Answer {
    /// Why a key is refused (or `valid`), for messages and `--json`.
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

enum Store {
    Sqlite(Connection),
    Memory(HashMap<[u8; 32], Vec<Entry>>),
}

enum Kind {
    Sqlite,
    Memory,
}

/// What a reader hands back: the set's info, its signature, the loaded entries and the
/// bucket digests (stored in an SQLite set, computed from a JSON-lines one).
struct Loaded {
    info: SetInfo,
    signature: Signature,
    store: Store,
    buckets: Vec<[u8; 32]>,
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
    /// load it for lookups. Anything wrong with the file is [`Error::VerifierSetInvalid`]
    /// (exit 6).
    pub fn open(path: &Path, pinned: &Pinned) -> Result<VerifierSet> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::FileNotFound {
                path: path.to_owned(),
            },
            _ => Error::io("cannot read", path, e),
        })?;
        Self::from_bytes(&bytes, path, pinned)
    }

    /// The same from the file's bytes; `label` names it in errors.
    pub fn from_bytes(bytes: &[u8], label: &Path, pinned: &Pinned) -> Result<VerifierSet> {
        let invalid = |detail: String| Error::VerifierSetInvalid {
            path: label.to_owned(),
            detail,
        };
        let Loaded {
            info,
            signature,
            store,
            buckets,
        } = if bytes.starts_with(b"SQLite format 3\0") {
            read_sqlite(bytes).map_err(invalid)?
        } else if bytes.first() == Some(&b'{') {
            read_jsonl(bytes).map_err(invalid)?
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
        if let Some(want) = &pinned.pubkey
            && *want != info.pubkey
        {
            return Err(Error::VerifierWrongKey {
                path: label.to_owned(),
                signer: info.pubkey.to_string(),
                pinned: want.to_string(),
            });
        }
        let message = signed_message(&signed_digest(&info, &buckets));
        info.pubkey
            .verifying()
            .verify(&message, &signature)
            .map_err(|_| invalid("its signature does not match its contents".into()))?;
        if let Some(min) = pinned.min_serial
            && info.serial < min
        {
            return Err(Error::VerifierSetStale {
                path: label.to_owned(),
                serial: info.serial,
                required: min,
            });
        }
        match (info.alg, &pinned.hmac_key) {
            (Alg::Sha256, _) => {}
            (Alg::HmacSha256, None) => {
                return Err(Error::VerifierHmacKeyNeeded {
                    path: label.to_owned(),
                });
            }
            (Alg::HmacSha256, Some(k)) => {
                if info.hmac_key_id.as_deref() != Some(k.id().as_str()) {
                    return Err(Error::VerifierHmacKeyMismatch {
                        path: label.to_owned(),
                    });
                }
            }
        }
        let store_kind = match &store {
            Store::Sqlite(_) => Kind::Sqlite,
            Store::Memory(_) => Kind::Memory,
        };
        Ok(VerifierSet {
            info,
            store,
            hmac_key: pinned.hmac_key.as_ref().map(|k| HmacKey(k.0.clone())),
            authenticated: pinned.pubkey.is_some(),
            verified: (0..BUCKETS)
                .map(|_| std::cell::Cell::new(matches!(store_kind, Kind::Memory)))
                .collect(),
            buckets,
            label: label.to_owned(),
        })
    }

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
        if let Some(why) = crate::ops::verify::malformed_bytes(trimmed) {
            return Ok(Answer::Malformed(why));
        }
        if let Some(token) = crate::token::parse_token(trimmed)
            && token.env != self.info.env
        {
            return Ok(Answer::OtherEnvironment(token.env.to_owned()));
        }
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
        for b in 0..BUCKETS {
            self.check_bucket(b as u8)?;
        }
        if let Store::Sqlite(conn) = &self.store {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
                .map_err(|e| self.invalid(format!("cannot read it as a set ({e})")))?;
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
        Error::VerifierSetInvalid {
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
        let digest = sqlite_bucket_digest(conn, &self.info.env, b).map_err(|d| self.invalid(d))?;
        if digest != self.buckets[i] {
            return Err(self.invalid("its signature does not match its contents".into()));
        }
        self.verified[i].set(true);
        Ok(())
    }

    /// The entries with this hash (usually none or one), by name and version.
    fn entries_for(&self, hash: &[u8; 32]) -> Vec<Entry> {
        match &self.store {
            Store::Memory(map) => map.get(hash).cloned().unwrap_or_default(),
            Store::Sqlite(conn) => {
                let found = conn
                    .prepare_cached(
                        "SELECT env, name, version, status, scopes, not_after FROM entries
                         WHERE hash = ?1 ORDER BY name, version",
                    )
                    .and_then(|mut stmt| {
                        stmt.query_map([&hash[..]], |r| {
                            let scopes: String = r.get(4)?;
                            Ok(Entry {
                                hash: *hash,
                                env: r.get(0)?,
                                name: r.get(1)?,
                                version: r.get(2)?,
                                status: r.get(3)?,
                                scopes: split_scopes(&scopes),
                                not_after: r.get(5)?,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()
                    });
                // The image is read-only and was read whole when opened; should a query
                // still fail, the key is not accepted (fail closed).
                found.unwrap_or_default()
            }
        }
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    if s.is_empty() {
        vec![]
    } else {
        s.split(',').map(str::to_owned).collect()
    }
}

/// `presented` without one trailing newline (`\n` or `\r\n`), as `verify` reads it.
fn strip_newline(b: &[u8]) -> &[u8] {
    match b.strip_suffix(b"\n") {
        Some(b) => b.strip_suffix(b"\r").unwrap_or(b),
        None => b,
    }
}

fn parse_signature(hex_sig: &str) -> std::result::Result<Signature, String> {
    let bytes: [u8; 64] = hex::decode(hex_sig)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("its signature is not 64 bytes of hex")?;
    Ok(Signature::from_bytes(&bytes))
}

fn parse_env(env: &str) -> std::result::Result<String, String> {
    env.parse::<EnvName>()
        .map(|e| e.to_string())
        .map_err(|_| "its environment name is not valid".into())
}

fn parse_alg(
    alg: &str,
    key_id: Option<String>,
) -> std::result::Result<(Alg, Option<String>), String> {
    match (alg, key_id) {
        ("sha256", None) => Ok((Alg::Sha256, None)),
        ("hmac-sha256", Some(id)) if id.len() == 16 && hex::decode(&id).is_ok() => {
            Ok((Alg::HmacSha256, Some(id)))
        }
        (a, _) => Err(format!("unknown hash `{a}` or a missing HMAC key id")),
    }
}

fn read_sqlite(bytes: &[u8]) -> std::result::Result<Loaded, String> {
    let fail = |e: rusqlite::Error| format!("cannot read it as a set ({e})");
    let mut conn = Connection::open_with_flags(
        ":memory:",
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.deserialize_read_exact(MAIN_DB, std::io::Cursor::new(bytes), bytes.len(), true)
        .map_err(fail)?;
    // A stable query plan: without it SQLite's STAT4 re-prepares the lookup statement
    // at every new hash bound to it (measured: most of a lookup's time).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(fail)?;
    let get = |k: &str| -> std::result::Result<Option<rusqlite::types::Value>, String> {
        use rusqlite::OptionalExtension;
        conn.query_row("SELECT v FROM set_info WHERE k = ?1", [k], |r| r.get(0))
            .optional()
            .map_err(fail)
    };
    use rusqlite::types::Value;
    let text = |k: &str| -> std::result::Result<String, String> {
        match get(k)? {
            Some(Value::Text(s)) => Ok(s),
            _ => Err(format!("`{k}` is missing")),
        }
    };
    let int = |k: &str| -> std::result::Result<i64, String> {
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
        pubkey: text("pubkey")?.parse()?,
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

/// The digest of bucket `b` of an SQLite set: one pass over the index range of hashes
/// starting with `b`, in canonical order (BLOB and TEXT compare bytewise in SQLite as
/// in Rust), with every field checked, and nothing allocated per entry.
fn sqlite_bucket_digest(
    conn: &Connection,
    set_env: &str,
    b: u8,
) -> std::result::Result<[u8; 32], String> {
    let fail = |e: rusqlite::Error| format!("cannot read it as a set ({e})");
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
    while let Some(r) = rows.next().map_err(fail)? {
        let hash: &[u8; 32] = r
            .get_ref(0)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(fail)?
            .try_into()
            .map_err(|_| "an entry's hash is not 32 bytes".to_owned())?;
        let text = |i: usize| -> std::result::Result<&str, String> {
            r.get_ref(i)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(fail)
        };
        let (env, name, status, scopes) = (text(1)?, text(2)?, text(4)?, text(5)?);
        let version: u32 = r.get(3).map_err(fail)?;
        let not_after: Option<i64> = r.get(6).map_err(fail)?;
        check_fields(set_env, env, name, version, status, scopes)?;
        line.clear();
        canonical_line(
            &mut line, hash, env, name, version, status, scopes, not_after,
        );
        h.update(&line);
    }
    Ok(h.finalize().into())
}

fn read_jsonl(bytes: &[u8]) -> std::result::Result<Loaded, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8")?;
    let mut lines = text.lines();
    let header: JsonHeader = serde_json::from_str(lines.next().unwrap_or_default())
        .map_err(|e| format!("its first line is not a set header ({e})"))?;
    let (alg, hmac_key_id) = parse_alg(header.alg.as_str(), header.hmac_key_id)?;
    let info = SetInfo {
        format: header.keyward_verifier_set,
        env: parse_env(&header.env)?,
        serial: header.serial,
        generated: header.generated_ms,
        alg,
        hmac_key_id,
        entries: header.entries,
        pubkey: header.pubkey.parse()?,
    };
    let signature = parse_signature(&header.signature)?;
    let mut entries = Vec::new();
    for (n, line) in lines.enumerate() {
        let e: JsonEntry = serde_json::from_str(line)
            .map_err(|err| format!("line {} is not an entry ({err})", n + 2))?;
        let hash: [u8; 32] = hex::decode(&e.hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| format!("line {}: the hash is not 32 bytes of hex", n + 2))?;
        entries.push(Entry {
            hash,
            env: e.env,
            name: e.name,
            version: e.version,
            status: e.status,
            scopes: e.scopes,
            not_after: e.not_after_ms,
        });
    }
    for e in &entries {
        check_fields(
            &info.env,
            &e.env,
            &e.name,
            e.version,
            &e.status,
            &e.scopes.join(","),
        )?;
        if e.scopes.iter().any(String::is_empty) {
            return Err("an entry has an invalid scope".into());
        }
    }
    if info.entries != entries.len() {
        return Err(format!(
            "it says {} entries and holds {}",
            info.entries,
            entries.len()
        ));
    }
    // The signature covers the canonical order, whatever order the file lists.
    sort_entries(&mut entries);
    let buckets = bucket_digests(&entries);
    let mut map: HashMap<[u8; 32], Vec<Entry>> = HashMap::with_capacity(entries.len());
    for e in entries {
        map.entry(e.hash).or_default().push(e);
    }
    Ok(Loaded {
        info,
        signature,
        store: Store::Memory(map),
        buckets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(key: &SecretKey) -> SignedSet {
        let entries = vec![
            Entry {
                hash: entry_hash(b"kw_dev_one", None),
                env: "dev".into(),
                name: "A".into(),
                version: 1,
                status: "active".into(),
                scopes: vec!["read".into()],
                not_after: None,
            },
            Entry {
                hash: entry_hash(b"kw_dev_two", None),
                env: "dev".into(),
                name: "B".into(),
                version: 2,
                status: "retiring".into(),
                scopes: vec![],
                not_after: Some(2_000),
            },
        ];
        let info = SetInfo {
            format: SET_FORMAT.into(),
            env: "dev".into(),
            serial: 7,
            generated: 1_000,
            alg: Alg::Sha256,
            hmac_key_id: None,
            entries: entries.len(),
            pubkey: key.public(),
        };
        SignedSet::sign(info, entries, key)
    }

    #[test]
    fn both_formats_round_trip_and_answer_alike() {
        let key = SecretKey::from_seed(&[7; 32]);
        let set = sample(&key);
        for bytes in [set.to_sqlite().unwrap(), set.to_jsonl().unwrap()] {
            let pinned = Pinned {
                pubkey: Some(key.public()),
                ..Default::default()
            };
            let s = VerifierSet::from_bytes(&bytes, Path::new("x"), &pinned).unwrap();
            assert_eq!(s.info(), &set.info);
            assert!(
                matches!(s.lookup(b"kw_dev_one\n", 1_500).unwrap(), Answer::Valid(f) if f.name == "A")
            );
            assert!(
                matches!(s.lookup(b"kw_dev_two", 1_500).unwrap(), Answer::Valid(f) if f.status == "retiring")
            );
            assert!(matches!(
                s.lookup(b"kw_dev_two", 2_000).unwrap(),
                Answer::Expired(_)
            ));
            assert_eq!(s.lookup(b"nope", 0).unwrap(), Answer::Unknown);
            assert!(matches!(s.lookup(b"", 0).unwrap(), Answer::Malformed(_)));
        }
    }

    #[test]
    fn an_edited_sqlite_bucket_is_caught_on_use_and_by_verify_all() {
        let key = SecretKey::from_seed(&[7; 32]);
        let set = sample(&key);
        let bytes = set.to_sqlite().unwrap();
        let pinned = Pinned {
            pubkey: Some(key.public()),
            ..Default::default()
        };
        let good = VerifierSet::from_bytes(&bytes, Path::new("x"), &pinned).unwrap();
        good.verify_all().unwrap();
        // The retiring B made active, in the image itself.
        let mut conn = Connection::open_in_memory().unwrap();
        conn.deserialize_read_exact(MAIN_DB, std::io::Cursor::new(&bytes), bytes.len(), false)
            .unwrap();
        conn.execute(
            "UPDATE entries SET status = 'active', not_after = NULL WHERE name = 'B'",
            [],
        )
        .unwrap();
        let edited = conn.serialize(MAIN_DB).unwrap().to_vec();
        let s = VerifierSet::from_bytes(&edited, Path::new("x"), &pinned).unwrap();
        assert!(matches!(
            s.lookup(b"kw_dev_two", 5_000),
            Err(Error::VerifierSetInvalid { .. })
        ));
        assert!(matches!(
            s.verify_all(),
            Err(Error::VerifierSetInvalid { .. })
        ));
        // A bucket nobody touched is not read: A still answers.
        assert!(matches!(
            s.lookup(b"kw_dev_one", 0).unwrap(),
            Answer::Valid(_)
        ));
    }

    #[test]
    fn a_changed_entry_breaks_the_signature() {
        let key = SecretKey::from_seed(&[7; 32]);
        let set = sample(&key);
        let jsonl = String::from_utf8(set.to_jsonl().unwrap()).unwrap();
        let forged = jsonl.replace("\"retiring\"", "\"active\"");
        assert_ne!(forged, jsonl);
        let r = VerifierSet::from_bytes(forged.as_bytes(), Path::new("x"), &Pinned::default());
        assert!(matches!(r, Err(Error::VerifierSetInvalid { .. })), "{r:?}");
    }
}
