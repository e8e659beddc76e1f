//! The `jsonl` format: a header object (with the signature), then one object per entry.
//! Written and read here. Readable by anything that parses JSON; a reader must still
//! check the signature over the canonical form (`format.rs`), which is what opening a
//! set with this crate does. The times are given twice: unix ms (signed, read) and
//! RFC 3339 (for people and `jq`, ignored on reading).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::format::{
    Entry, Loaded, SetInfo, Store, bucket_digests, check_fields, parse_alg, parse_env,
    parse_pubkey, parse_signature, sort_entries,
};
use crate::keys::Alg;
use crate::signed::SignedSet;
use crate::time::fmt_time_ms;

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

impl JsonEntry {
    fn of(e: &Entry) -> JsonEntry {
        JsonEntry {
            hash: hex::encode(e.hash),
            env: e.env.clone(),
            name: e.name.clone(),
            version: e.version,
            status: e.status.clone(),
            scopes: e.scopes.clone(),
            not_after: e.not_after.map(fmt_time_ms),
            not_after_ms: e.not_after,
        }
    }
}

/// One entry as a JSON object: a line of a `jsonl` set, and the value keyward's `redis`
/// format stores under each hash (one shape for both, so a service reads either alike).
pub fn entry_json(e: &Entry) -> Result<String> {
    Ok(serde_json::to_string(&JsonEntry::of(e))?)
}

impl SignedSet {
    /// The set as JSON lines: a header object (with the signature), then one object per
    /// entry, in canonical order.
    pub fn to_jsonl(&self) -> Result<Vec<u8>> {
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
            signature: self.signature_hex(),
        };
        serde_json::to_writer(&mut out, &header)?;
        out.push(b'\n');
        for e in &self.entries {
            serde_json::to_writer(&mut out, &JsonEntry::of(e))?;
            out.push(b'\n');
        }
        Ok(out)
    }
}

/// Load a JSON-lines set whole: every entry is parsed and checked, and the bucket
/// digests computed, so the signature check at open covers all of it.
pub(crate) fn read(bytes: &[u8]) -> Result<Loaded, String> {
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
        pubkey: parse_pubkey(&header.pubkey)?,
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
        // `a,,b` is caught above; an empty scope alone joins to nothing, and a scope
        // holding a comma (`["read,write"]`) joins to what two scopes do: one signed
        // line must have one reading, so each scope is looked at alone.
        if e.scopes.iter().any(|s| s.is_empty() || s.contains(',')) {
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
