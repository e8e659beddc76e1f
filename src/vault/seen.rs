//! What this machine knows of one environment (DESIGN §8), as data: the pin (audit key
//! fingerprints, head, seal), what it saw go out of service (`Seen`), and how a file
//! relates to it (`Relation`). Read and written by `pins`; no file or SQL here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::vault::schema::*;

/// The pin format this build writes (1: before audit keys were replaced on removal;
/// 2: before signed histories; 3: before merge signatures were checked three-way; each
/// read as it is, its next advance writes 4).
pub(in crate::vault) const PIN_VERSION: u8 = 4;

/// From which pin format on a seal is trusted: a file sealed under older rules (a merge
/// signature they accepted and these refuse) is verified again once, then sealed anew.
pub(in crate::vault) const SEALS_FROM: u8 = 4;

/// How many seals of files verified here before the pinned one are kept (`PinDir::
/// earlier`): 32 bytes each, read only by a merge. A merge's BASE is the state before
/// this machine's changes since the branches parted, one write each.
pub(in crate::vault) const EARLIER_SEALS: usize = 512;

/// A journal head as pinned: its sequence number and hash (hex).
pub type JournalHead = (i64, String);

/// The access journal's head as last seen here, and the gap found in it if one was
/// (`<env>.journal`, written by `PinDir::advance_journal` after every append).
///
/// Every `get` advances it, so it is not in the JSON pin, which is replaced by a
/// rename: renaming over an existing file makes ext4 write the new file's data out at
/// once (`auto_da_alloc`), 0.1–0.2 ms of every read. This record is rewritten in
/// place instead: one `pwrite` of [`JournalRecord::LEN`] bytes at offset 0, always the
/// same length, under the pin's lock. A reader that does not hold the lock may see a
/// write half done: the check at its end tells, and it reads again under the lock.
/// A read's advance is not fsynced: a head lost in a crash only makes the next check
/// laxer (DESIGN §8). A gap, when first found, is (it must last until `trust`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::vault) struct JournalRecord {
    pub head: JournalHead,
    pub gap: Option<i64>,
}

impl JournalRecord {
    /// `SEQ HASH GAP CHECK\n`: the sequence number in 20 digits, the hash in 64 hex
    /// digits, the gap in 20 digits or 20 `-`, and the first 8 bytes of the SHA-256 of
    /// all that before it (with its spaces), in hex.
    pub const LEN: usize = 20 + 1 + 64 + 1 + 20 + 1 + 16 + 1;
    const NO_GAP: &'static str = "--------------------";

    /// The record's bytes; `None` for a head that does not fit it (a negative number or
    /// a hash that is not 64 lowercase hex digits: never one this build makes).
    pub fn encode(&self) -> Option<Vec<u8>> {
        let (seq, hash) = &self.head;
        let fits = |n: i64| n >= 0;
        if !fits(*seq) || !self.gap.is_none_or(fits) || !is_hash(hash) {
            return None;
        }
        let gap = self
            .gap
            .map_or_else(|| Self::NO_GAP.to_owned(), |g| format!("{g:020}"));
        let mut out = format!("{seq:020} {hash} {gap} ").into_bytes();
        out.extend(hex::encode(check(&out)).bytes());
        out.push(b'\n');
        (out.len() == Self::LEN).then_some(out)
    }

    /// The record in `bytes`, or why they are not one.
    pub fn decode(bytes: &[u8]) -> std::result::Result<JournalRecord, &'static str> {
        if bytes.len() != Self::LEN || bytes[Self::LEN - 1] != b'\n' {
            return Err("not a journal head record (wrong length)");
        }
        let (body, tail) = bytes.split_at(Self::LEN - 17);
        if hex::encode(check(body)).as_bytes() != &tail[..16] {
            return Err("its check does not match (a torn or edited record)");
        }
        let text = std::str::from_utf8(body).map_err(|_| "not text")?;
        let mut fields = text.split(' ');
        let number = |f: Option<&str>| {
            f.filter(|f| f.len() == 20 && f.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|f| f.parse::<i64>().ok())
        };
        let seq = number(fields.next()).ok_or("malformed sequence number")?;
        let hash = fields
            .next()
            .filter(|h| is_hash(h))
            .ok_or("malformed hash")?;
        let gap = match fields.next() {
            Some(Self::NO_GAP) => None,
            f => Some(number(f).ok_or("malformed gap")?),
        };
        Ok(JournalRecord {
            head: (seq, hash.to_owned()),
            gap,
        })
    }
}

fn is_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check(body: &[u8]) -> [u8; 8] {
    use sha2::Digest;
    let d = sha2::Sha256::digest(body);
    d[..8].try_into().expect("8 of 32 bytes")
}

/// What this machine knows of one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub(in crate::vault) v: u8,
    /// First 16 bytes of SHA-256 of the environment's audit key in force, in hex.
    pub(in crate::vault) audit_key: String,
    /// The same for every audit key of the environment seen here, oldest first (each
    /// removal of a recipient replaces the key: DESIGN §8 round 3). A file whose key is
    /// one of the older ones is a state from before a removal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(in crate::vault) ring: Vec<String>,
    /// The environment's identity (`AuditKeys::env_id`): the same in every clone,
    /// unchanged by key replacements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) env_id: Option<String>,
    /// The lifecycle chain's head when last seen: its sequence number, hash and time.
    pub seq: i64,
    pub hash: String,
    pub time: i64,
    /// The seal (`fileseal`) of the file verified (or written) here at that head; the
    /// hashes of its chunks are in `<env>.chunks`. A file with the same header and nonce
    /// is read without checking its chain again, each chunk it reads checked against
    /// its hash. Any other file is verified from its rows before it is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) seal: Option<String>,
    /// Per key, what was seen out of service (statuses only move forward). Kept in its
    /// own file (`<env>.seen.json`, one entry per rotated or revoked key): it matters
    /// only for an earlier state, so a `get` of a current file never reads it.
    #[serde(skip)]
    pub(in crate::vault) seen: BTreeMap<String, Seen>,
    /// The access journal's head when the pin was last written: `(seq, hash)`. Every read
    /// advances the record beside the pin (`journal_pin`); each write of the pin copies
    /// it here, for builds before the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) journal: Option<(i64, String)>,
    /// The journal lost events this machine saw (deleted or cut back): the sequence
    /// number last seen. Kept until `trust`, so `audit` never passes over the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) journal_gap: Option<i64>,
    /// When this machine first saw the audit key in force: the journal's head then and
    /// the key's place in the ring. Rows after that head must open with that key or a
    /// newer one: a removed recipient's key seals nothing here after its removal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) journal_floor: Option<(i64, usize)>,
    /// The trust root of the environment's signed history (DESIGN §15) as verified
    /// here. Once set, a file must be signed under the same root: a history rewritten
    /// from another start, or stripped of its signatures, is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) root: Option<String>,
    /// The root of the history itself (`signing::history_root`), which
    /// `KEYWARD_TRUST_ROOT` may name; absent from pins of builds before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) history_root: Option<String>,
    /// The verifier-set serial of the state seen (`EnvDb::set_serial`), kept only when
    /// above its head's number (a `trust` before raised it): what sets exported from
    /// that state, anywhere, carried, and what a `trust` of an earlier state must
    /// continue above. The highest seen here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<i64>,
}

impl Pin {
    /// The trust root pinned here (DESIGN §15).
    pub fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    /// The root of the history itself pinned here, when this machine recorded it.
    pub fn history_root(&self) -> Option<&str> {
        self.history_root.as_deref()
    }
}

/// The out-of-service versions of one key seen here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    /// Every version up to this one was seen retired, revoked or expired.
    pub(in crate::vault) dead: u32,
    /// Whether version `dead` itself was seen revoked (for the message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(in crate::vault) revoked: bool,
    /// Versions up to `.0` were seen retiring, verifying until `.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) grace: Option<(u32, i64)>,
    /// Versions up to `.0` were seen expired, at `.1` at the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(in crate::vault) expired: Option<(u32, i64)>,
}

impl Seen {
    /// A version as read from the file — `(status, retire_at, expires)` — raised to
    /// what was seen here: never less out of service than this machine saw it.
    pub fn raise(
        &self,
        version: u32,
        (status, retire_at, expires): (i64, Option<i64>, Option<i64>),
    ) -> (i64, Option<i64>, Option<i64>) {
        let earlier = |a: Option<i64>, b: i64| Some(a.map_or(b, |a| a.min(b)));
        let expires = match self.expired {
            Some((v, at)) if version <= v => earlier(expires, at),
            _ => expires,
        };
        if version < self.dead || (version == self.dead && !self.revoked) {
            return (status.max(ST_RETIRED), retire_at, expires);
        }
        if version == self.dead {
            return (ST_REVOKED, retire_at, expires);
        }
        match self.grace {
            Some((v, until)) if version <= v && status == ST_ACTIVE => {
                (ST_RETIRING, earlier(retire_at, until), expires)
            }
            _ => (status, retire_at, expires),
        }
    }

    pub(in crate::vault) fn merge(&mut self, other: &Seen) {
        if other.dead > self.dead || (other.dead == self.dead && other.revoked) {
            self.revoked = other.revoked;
        }
        self.dead = self.dead.max(other.dead);
        let widest = |a: Option<(u32, i64)>, b: Option<(u32, i64)>| match (a, b) {
            (Some(a), Some(b)) => Some((a.0.max(b.0), a.1.min(b.1))),
            (a, b) => a.or(b),
        };
        self.grace = widest(self.grace, other.grace);
        self.expired = widest(self.expired, other.expired);
    }
}

/// How an opened file relates to its pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Never seen here (a first open: trust on first use).
    Fresh,
    /// Holds the pinned head: the same state, or a later one.
    Current,
    /// Has the pinned audit key but not the pinned head: an earlier state (an older
    /// branch, a restored backup) or a diverging one. Reads warn; writes are refused.
    Behind {
        pinned_seq: i64,
        pinned_time: i64,
        file_seq: i64,
    },
    /// Never seen here, and neither is the vault: another vault now sits at a path
    /// where this machine pinned one before (a reused CI workspace). Trusted on first
    /// use; what was kept for the old vault (pins, hook approvals) was set aside to the
    /// directory named here.
    NewVault { set_aside: PathBuf },
    /// Not checked (no state directory; `trust`; a vault being created).
    Unchecked,
}

impl Pin {
    /// What was seen out of service of key `name`.
    pub fn seen(&self, name: &str) -> Option<&Seen> {
        self.seen.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::JournalRecord;

    #[test]
    fn a_journal_record_reads_back_and_any_change_to_it_is_refused() {
        let hash = "ab".repeat(32);
        for gap in [None, Some(7)] {
            let r = JournalRecord {
                head: (12345, hash.clone()),
                gap,
            };
            let bytes = r.encode().unwrap();
            assert_eq!(bytes.len(), JournalRecord::LEN);
            assert_eq!(JournalRecord::decode(&bytes).unwrap(), r);
            for at in 0..bytes.len() {
                let mut torn = bytes.clone();
                torn[at] ^= 0x01;
                assert!(JournalRecord::decode(&torn).is_err(), "byte {at} changed");
            }
            assert!(JournalRecord::decode(&bytes[..bytes.len() - 1]).is_err());
            assert!(JournalRecord::decode(&[0; JournalRecord::LEN]).is_err());
        }
        let bad = |head: (i64, String), gap| JournalRecord { head, gap }.encode();
        assert_eq!(bad((-1, hash.clone()), None), None);
        assert_eq!(bad((1, hash.clone()), Some(-2)), None);
        assert_eq!(bad((1, "AB".repeat(32)), None), None);
        assert_eq!(bad((1, "ab".into()), None), None);
    }
}
