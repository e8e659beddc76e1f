//! The rows of a state this machine verified, kept to hold the next changed file to
//! (DESIGN §8 round 3: values of a version never change, statuses only move forward,
//! every row difference with its event).
//!
//! A signature proves who wrote a state, not that its rows follow from its events: a
//! member allowed to write can sign a state that swaps another key's value in place
//! under an event about something else. `audit verify --git` compares each commit's
//! rows with its parent's; a machine reading a changed file had only the file. It now
//! keeps the rows of a state it verified (the first read of a changed file, or its
//! first write), and the next changed file that extends it must follow from them by
//! the events added since (`transition::check`, the rules `audit verify --git` and the
//! merge driver apply).
//!
//! The rows hold each value's SHA-256, so they are sealed (XChaCha20-Poly1305) under a
//! key derived from the environment's audit key, which only the file's recipients can
//! read; the file names which key by a one-way id, and a later file finds it in its
//! ring. What is kept is a file of this machine's state directory (0600, like the
//! pins), which only its owner can write: losing it, or finding it damaged (it is not
//! synced), only skips the comparison once, and the state read then is kept instead.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::SignedError;
use crate::error::{Error, Result};
use crate::names::EnvName;
use crate::vault::keyring::AuditKeys;
use crate::vault::paths::PinDir;
use crate::vault::store::EnvDb;
use crate::vault::transition::{Rows, VerRow};

const MAGIC: &[u8; 8] = b"kwrows1\0";

/// The rows of a state and the head event that state ends with.
#[derive(Debug, PartialEq, Eq)]
pub struct KeptRows {
    pub head: [u8; 32],
    pub rows: Rows,
}

/// The one-way id of an audit key (names it in the kept file) and the sealing key
/// derived from it.
fn keys_of(audit_key: &[u8; 32]) -> ([u8; 32], Zeroizing<[u8; 32]>) {
    let id: [u8; 32] = Sha256::new()
        .chain_update(b"keyward-kept-rows-id\0")
        .chain_update(audit_key)
        .finalize()
        .into();
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(None, audit_key)
        .expand(b"keyward-kept-rows-v1", &mut key[..])
        .expect("32 bytes is a valid HKDF length");
    (id, key)
}

fn ad(env: &EnvName, id: &[u8; 32]) -> Vec<u8> {
    let mut ad = MAGIC.to_vec();
    ad.extend_from_slice(env.as_str().as_bytes());
    ad.push(0);
    ad.extend_from_slice(id);
    ad
}

/// Plain rows sealed for `env` under `audit_key`: magic, key id, nonce, ciphertext.
fn seal(env: &EnvName, audit_key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    let (id, key) = keys_of(audit_key);
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new((&*key).into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &ad(env, &id),
            },
        )
        .expect("encryption of a bounded buffer cannot fail");
    let mut out = Vec::with_capacity(8 + 32 + 24 + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&id);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// The plain rows `bytes` hold: `Ok(None)` when no key of `ring` is the one they name
/// (sealed under a key this file does not have: nothing to compare with); `Err(detail)`
/// when they are not a kept file or do not open under the key they name.
fn open(
    env: &EnvName,
    ring: &AuditKeys,
    bytes: &[u8],
) -> std::result::Result<Option<Zeroizing<Vec<u8>>>, String> {
    if bytes.len() < 8 + 32 + 24 || &bytes[..8] != MAGIC {
        return Err("not a file of kept rows".into());
    }
    let (id, rest) = bytes[8..].split_at(32);
    let (nonce, sealed) = rest.split_at(24);
    let Some(key) = ring
        .all()
        .map(keys_of)
        .find(|(i, _)| i == id)
        .map(|(_, k)| k)
    else {
        return Ok(None);
    };
    let id: [u8; 32] = id.try_into().expect("32 bytes");
    let plain = XChaCha20Poly1305::new((&*key).into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &ad(env, &id),
            },
        )
        .map_err(|_| "it does not open under the key it names (changed, or another file)")?;
    Ok(Some(Zeroizing::new(plain)))
}

/// What a kept state and a new one differ in, from their plain rows: the kept state's
/// head, the names of the keys whose rows differ (or that one of them lacks), and the
/// kept rows of those keys (with every recipient): all the rules need, since a key the
/// same in both has nothing to explain. Compared record by record, in name order, without
/// decoding what is the same (most of a large environment).
pub struct Compared {
    pub head: [u8; 32],
    pub differ: std::collections::BTreeSet<String>,
    pub parent: Rows,
}

/// [`Compared`] of `kept` and `new` (both from [`encode`]); `None` when `kept` is not
/// such rows.
pub fn compare(kept: &[u8], new: &[u8]) -> Option<Compared> {
    let (head, kept_recipients, kept_keys) = records(kept)?;
    let (_, _, new_keys) = records(new).expect("rows encoded here");
    let mut differ = std::collections::BTreeSet::new();
    let (mut a, mut b) = (kept_keys.iter().peekable(), new_keys.iter().peekable());
    let mut parent_records = Vec::new();
    let mut same = Vec::new();
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(y.0),
        };
        match order {
            std::cmp::Ordering::Less => {
                let x = a.next().expect("peeked");
                differ.insert(String::from_utf8(x.0.to_vec()).ok()?);
                parent_records.push(*x);
            }
            std::cmp::Ordering::Greater => {
                let y = b.next().expect("peeked");
                differ.insert(String::from_utf8(y.0.to_vec()).expect("encoded here"));
            }
            std::cmp::Ordering::Equal => {
                let (x, y) = (a.next().expect("peeked"), b.next().expect("peeked"));
                if x.1 != y.1 {
                    differ.insert(String::from_utf8(x.0.to_vec()).ok()?);
                    parent_records.push(*x);
                } else {
                    same.push(*x);
                }
            }
        }
    }
    let mut parent = Rows::default();
    // The values of the keys left the same: where a value was, whatever its key.
    for (name, body) in same {
        let mut r = Reader(body);
        let mut fps = Vec::new();
        for _ in 0..r.u32()? {
            r.take(4)?;
            fps.push(r.array()?);
            r.take(8)?;
            r.time()?;
            r.time()?;
        }
        let name = String::from_utf8(name.to_vec()).ok()?;
        parent.others.insert(name, fps);
    }
    let mut r = Reader(kept_recipients);
    while !r.0.is_empty() {
        parent.recipients.insert(r.text()?);
    }
    for (name, body) in parent_records {
        let mut r = Reader(body);
        let mut versions = BTreeMap::new();
        for _ in 0..r.u32()? {
            let n = r.u32()?;
            let v = VerRow {
                fp: r.array()?,
                status: r.i64()?,
                retire_at: r.time()?,
                expires: r.time()?,
            };
            versions.insert(n, v);
        }
        parent
            .keys
            .insert(String::from_utf8(name.to_vec()).ok()?, versions);
    }
    Some(Compared {
        head,
        differ,
        parent,
    })
}

/// A name's bytes and the bytes of its versions.
type Record<'a> = (&'a [u8], &'a [u8]);

/// The head, the recipients' bytes and every key's record of plain rows, checked for
/// shape (each record's versions parse) and for names in strictly increasing order.
fn records(bytes: &[u8]) -> Option<([u8; 32], &[u8], Vec<Record<'_>>)> {
    let mut r = Reader(bytes);
    let head = r.array()?;
    let start = r.0;
    for _ in 0..r.u32()? {
        r.text()?;
    }
    let recipients = &start[4..start.len() - r.0.len()];
    let n = r.u32()? as usize;
    let mut out: Vec<Record<'_>> = Vec::with_capacity(n.min(bytes.len() / 8));
    for _ in 0..n {
        let len = r.u32()? as usize;
        let name = r.take(len)?;
        std::str::from_utf8(name).ok()?;
        if out.last().is_some_and(|(prev, _)| *prev >= name) {
            return None;
        }
        let body_start = r.0;
        for _ in 0..r.u32()? {
            r.take(4 + 32 + 8)?;
            r.time()?;
            r.time()?;
        }
        out.push((name, &body_start[..body_start.len() - r.0.len()]));
    }
    r.0.is_empty().then_some((head, recipients, out))
}

/// Plain data, length-prefixed: the head, the recipients, then each key with its
/// versions (number, value hash, status, end of grace, expiry), keys in name order.
/// Zeroized when dropped: it holds every value's hash.
pub fn encode(kept: &KeptRows) -> Zeroizing<Vec<u8>> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn time(out: &mut Vec<u8>, t: Option<i64>) {
        match t {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                out.extend_from_slice(&t.to_be_bytes());
            }
        }
    }
    let rows = &kept.rows;
    let mut out = Vec::with_capacity(64 + rows.keys.len() * 80);
    out.extend_from_slice(&kept.head);
    out.extend_from_slice(&(rows.recipients.len() as u32).to_be_bytes());
    for r in &rows.recipients {
        text(&mut out, r);
    }
    out.extend_from_slice(&(rows.keys.len() as u32).to_be_bytes());
    for (name, versions) in &rows.keys {
        text(&mut out, name);
        out.extend_from_slice(&(versions.len() as u32).to_be_bytes());
        for (n, v) in versions {
            out.extend_from_slice(&n.to_be_bytes());
            out.extend_from_slice(&v.fp);
            out.extend_from_slice(&v.status.to_be_bytes());
            time(&mut out, v.retire_at);
            time(&mut out, v.expires);
        }
    }
    Zeroizing::new(out)
}

/// A cursor over plain rows.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        (self.0.len() >= n).then(|| {
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            a
        })
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_be_bytes)
    }
    fn text(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn time(&mut self) -> Option<Option<i64>> {
        match self.take(1)?[0] {
            0 => Some(None),
            1 => self.i64().map(Some),
            _ => None,
        }
    }
}

impl PinDir {
    fn kept_rows_file(&self, env: &EnvName) -> PathBuf {
        self.dir.join(format!("{env}.rows"))
    }

    /// Whether rows of `env` are kept here.
    pub(in crate::vault) fn has_kept_rows(&self, env: &EnvName) -> bool {
        std::fs::symlink_metadata(self.kept_rows_file(env)).is_ok()
    }

    /// The plain rows kept for `env`, opened with a key of `ring`; `None` when none are
    /// kept or none of the ring's keys is theirs.
    pub(in crate::vault) fn kept_rows(
        &self,
        env: &EnvName,
        ring: &AuditKeys,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let path = self.kept_rows_file(env);
        // Rows of ten million keys are under 1 GiB: anything larger is not ours.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.len() > 1 << 30) {
            return Err(Error::PinCorrupt {
                path,
                detail: "larger than any rows kept here".into(),
            });
        }
        let Some(bytes) = Self::read(&path)? else {
            return Ok(None);
        };
        open(env, ring, &bytes).map_err(|detail| Error::PinCorrupt { path, detail })
    }

    /// Whether this machine wrote `env` (or accepted writing it: `note_write`).
    pub fn wrote_here(&self, env: &EnvName) -> bool {
        std::fs::symlink_metadata(self.dir.join(format!("{env}.writes"))).is_ok()
    }

    /// Record that this machine writes `env` (an empty file beside its pin).
    pub fn note_write(&self, env: &EnvName) -> Result<()> {
        if self.wrote_here(env) {
            return Ok(());
        }
        let path = self.dir.join(format!("{env}.writes"));
        let _lock = self.lock(env)?;
        crate::fsutil::replace_file(&path, b"", 0o600, false)
            .map_err(|e| Error::io("cannot write pin", &path, e))
    }

    /// Keep `plain` (from [`encode`]) as the rows of `env`, sealed under `audit_key`,
    /// under the pin's lock (not synced: lost, it only skips one comparison).
    pub(in crate::vault) fn keep_rows(
        &self,
        env: &EnvName,
        audit_key: &[u8; 32],
        plain: &[u8],
    ) -> Result<()> {
        let _lock = self.lock(env)?;
        let path = self.kept_rows_file(env);
        crate::fsutil::replace_file(&path, &seal(env, audit_key, plain), 0o600, false)
            .map_err(|e| Error::io("cannot write pin", &path, e))
    }
}

impl EnvDb {
    /// DESIGN §8 round 3: the rows of a changed file follow, by the events added since,
    /// from those of the state this machine last verified in full (`kept_rows`): a
    /// signature proves who wrote a state, not that a value was not swapped in place
    /// under an event about another key. Then this state's rows are kept instead.
    ///
    /// `keep`: whether this state's rows replace the kept ones (not for an earlier or
    /// diverging state, a branch checked out, which is held to them all the same).
    pub(in crate::vault) fn follow_kept_rows(
        &self,
        pins: &PinDir,
        events: &[crate::audit::Event],
        keep: bool,
    ) -> Result<()> {
        use crate::vault::transition;
        let ring = self.audit_keys()?;
        let Some(new) = self.rows_now()? else {
            return Ok(());
        };
        let plain = encode(&new);
        // Kept rows that do not open or parse (a crash while they were written: they are
        // not synced) are no rows: this machine's own state directory, which only its
        // owner can write, so nothing an attacker of the repository can reach.
        let kept = pins.kept_rows(&self.env, &ring).ok().flatten();
        if let Some(c) = kept.as_deref().and_then(|k| compare(k, &plain))
            && let Some(at) = events.iter().position(|e| e.hash == c.head)
        {
            let added: Vec<crate::audit::Event> =
                crate::audit::since(events, at).cloned().collect();
            let child = new.rows.only(&c.differ);
            if let Some(b) = transition::check_in(&c.parent, &child, &added, events).first() {
                return Err(SignedError::BadSignature {
                    env: self.env.clone(),
                    detail: format!(
                        "since this machine verified it at event {}, {b}: a row changed without an event",
                        events[at].seq
                    ),
                }
                .into());
            }
        }
        if keep {
            pins.keep_rows(&self.env, ring.current(), &plain)?;
        }
        Ok(())
    }

    /// Keep this state's rows (at the head of its chain), sealed under the audit key in
    /// force.
    pub(in crate::vault) fn keep_rows(&self, pins: &PinDir) -> Result<()> {
        let Some(now) = self.rows_now()? else {
            return Ok(());
        };
        pins.keep_rows(&self.env, self.audit_keys()?.current(), &encode(&now))
    }

    /// This state's rows and the head of its chain (`None` before its first event).
    fn rows_now(&self) -> Result<Option<KeptRows>> {
        let Some(head) = self.lifecycle_head()? else {
            return Ok(None);
        };
        Ok(Some(KeptRows {
            head,
            rows: crate::vault::transition::rows(self)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeptRows {
        let mut rows = Rows::default();
        rows.recipients.insert("age1one".into());
        let v = |fp: u8, status, retire_at| VerRow {
            fp: [fp; 32],
            status,
            retire_at,
            expires: Some(-7),
        };
        rows.keys.insert(
            "K".into(),
            [(1, v(1, 2, Some(9))), (2, v(2, 0, None))].into(),
        );
        rows.keys.insert("EMPTY".into(), BTreeMap::new());
        KeptRows {
            head: [7; 32],
            rows,
        }
    }

    fn env() -> EnvName {
        "prod".parse().unwrap()
    }

    #[test]
    fn kept_rows_open_under_any_key_of_a_later_ring() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let plain = encode(&sample());
        let sealed = seal(&env(), &old, &plain);
        let ring = AuditKeys::single(Zeroizing::new(old));
        assert_eq!(
            open(&env(), &ring, &sealed).unwrap().as_deref(),
            Some(&*plain)
        );
        // A ring without the key: nothing to compare with, not an error.
        let other = AuditKeys::single(Zeroizing::new(new));
        assert_eq!(open(&env(), &other, &sealed), Ok(None));
        // Another environment's kept rows do not open as this one's.
        assert!(open(&"dev".parse().unwrap(), &ring, &sealed).is_err());
    }

    #[test]
    fn kept_rows_changed_or_cut_are_refused_and_never_panic() {
        let key = [1u8; 32];
        let ring = AuditKeys::single(Zeroizing::new(key));
        let plain = encode(&sample());
        let sealed = seal(&env(), &key, &plain);
        for at in [0, 40, 64, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[at] ^= 1;
            assert!(open(&env(), &ring, &bad).is_err(), "byte {at}");
        }
        // Another key id: a key this ring does not hold, nothing to compare with.
        let mut other = sealed.clone();
        other[8] ^= 1;
        assert_eq!(open(&env(), &ring, &other), Ok(None));
        for len in 0..sealed.len() {
            let _ = open(&env(), &ring, &sealed[..len]);
        }
        for len in 0..plain.len() {
            assert!(compare(&plain[..len], &plain).is_none(), "cut at {len}");
        }
        // Names out of order are not rows this code wrote.
        let mut swapped = sample();
        let k = swapped.rows.keys.remove("K").unwrap();
        swapped.rows.keys.insert("A".into(), k);
        let mut p = encode(&swapped).to_vec();
        let (a, b) = (
            p.iter().position(|&c| c == b'A').unwrap(),
            p.iter().position(|&c| c == b'E').unwrap(),
        );
        p[a] = b'Z';
        assert!(b > a && compare(&p, &plain).is_none());
    }

    #[test]
    fn only_the_keys_that_differ_are_compared_and_decoded() {
        let kept = sample();
        let same = compare(&encode(&kept), &encode(&kept)).unwrap();
        assert_eq!(same.head, kept.head);
        assert!(same.differ.is_empty() && same.parent.keys.is_empty());
        assert_eq!(same.parent.recipients, kept.rows.recipients);
        // K's v2 retired, EMPTY gone, NEW added.
        let mut new = sample();
        new.rows
            .keys
            .get_mut("K")
            .unwrap()
            .get_mut(&2)
            .unwrap()
            .status = 2;
        new.rows.keys.remove("EMPTY");
        new.rows.keys.insert("NEW".into(), BTreeMap::new());
        let c = compare(&encode(&kept), &encode(&new)).unwrap();
        assert_eq!(
            c.differ.iter().map(String::as_str).collect::<Vec<_>>(),
            ["EMPTY", "K", "NEW"]
        );
        // The kept rows of those it has: K's as kept, EMPTY's (none).
        assert_eq!(c.parent.keys["K"], kept.rows.keys["K"]);
        assert!(c.parent.keys["EMPTY"].is_empty());
        assert!(!c.parent.keys.contains_key("NEW"));
    }
}
