//! The file keys an agent keeps for a hardware identity (DESIGN §18), each bound to the
//! header it opens (`identity::filekey::header_id`) and labelled with the vault and
//! environment it belongs to (counted and forgotten by label). Every version opened or
//! written here is kept — a merge reads its base and both sides, a checkout goes back —
//! for the agent's lifetime, up to [`SLOTS`] keys, the least recently used giving way.
//!
//! The keys live in one buffer allocated once, at full size, and locked in RAM where the
//! system permits; a slot is zeroized when its key is dropped, expired or replaced, and
//! every slot when the agent locks, times out or exits. Only headers and labels (not
//! secret) live elsewhere. A key may carry a deadline: it is dropped once the client's
//! clock or the agent's own reaches it, whichever comes first.

use std::collections::BTreeMap;

use zeroize::{Zeroize, Zeroizing};

use crate::identity::filekey::HeaderId;

/// How many file keys an agent keeps at most (the least recently used gives way).
pub(super) const SLOTS: usize = 1024;

struct Entry {
    header: HeaderId,
    label: String,
    /// Deadline by the client's clock, and the same span by the agent's own.
    until_client: Option<i64>,
    until_agent: Option<i64>,
    used: u64,
}

/// The kept keys (see the module doc).
pub(super) struct KeyCache {
    keys: Box<[[u8; 16]; SLOTS]>,
    entries: Vec<Option<Entry>>,
    tick: u64,
    /// Whether the key buffer is locked in RAM.
    pub locked: bool,
}

impl KeyCache {
    pub fn new() -> KeyCache {
        let keys = Box::new([[0u8; 16]; SLOTS]);
        let locked = crate::sys::lock_in_memory(keys.as_ref()).is_ok();
        KeyCache {
            keys,
            entries: (0..SLOTS).map(|_| None).collect(),
            tick: 0,
            locked,
        }
    }

    fn expired(e: &Entry, client_now: Option<i64>, agent_now: i64) -> bool {
        e.until_agent.is_some_and(|u| agent_now >= u)
            || matches!((e.until_client, client_now), (Some(u), Some(now)) if now >= u)
    }

    fn drop_slot(&mut self, i: usize) {
        self.keys[i].zeroize();
        self.entries[i] = None;
    }

    /// Drop every key past its deadline.
    fn sweep(&mut self, client_now: Option<i64>, agent_now: i64) {
        for i in 0..SLOTS {
            if self.entries[i]
                .as_ref()
                .is_some_and(|e| Self::expired(e, client_now, agent_now))
            {
                self.drop_slot(i);
            }
        }
    }

    /// The key kept for `header`, if one is and has not expired.
    pub fn recall(
        &mut self,
        header: &HeaderId,
        client_now: Option<i64>,
        agent_now: i64,
    ) -> Option<Zeroizing<[u8; 16]>> {
        self.sweep(client_now, agent_now);
        let i = self
            .entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.header == *header))?;
        self.tick += 1;
        if let Some(e) = self.entries[i].as_mut() {
            e.used = self.tick;
        }
        Some(Zeroizing::new(self.keys[i]))
    }

    /// Keep `key` for `header` under `label`, until `until` by the client's clock (the
    /// same span from now by the agent's).
    pub fn keep(
        &mut self,
        header: HeaderId,
        key: &[u8; 16],
        label: &str,
        until: Option<i64>,
        client_now: i64,
        agent_now: i64,
    ) {
        self.sweep(Some(client_now), agent_now);
        if until.is_some_and(|u| u <= client_now) {
            return;
        }
        let i = self
            .entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.header == header))
            .or_else(|| self.entries.iter().position(Option::is_none))
            .unwrap_or_else(|| {
                // Full: the least recently used gives way.
                (0..SLOTS)
                    .min_by_key(|&i| self.entries[i].as_ref().map_or(0, |e| e.used))
                    .unwrap_or(0)
            });
        self.drop_slot(i);
        self.tick += 1;
        self.keys[i] = *key;
        self.entries[i] = Some(Entry {
            header,
            label: label.to_owned(),
            until_client: until,
            until_agent: until.map(|u| agent_now.saturating_add(u - client_now)),
            used: self.tick,
        });
    }

    /// Forget every key kept under `label`.
    pub fn forget(&mut self, label: &str) {
        for i in 0..SLOTS {
            if self.entries[i].as_ref().is_some_and(|e| e.label == label) {
                self.drop_slot(i);
            }
        }
    }

    /// How many keys are kept, per label.
    pub fn counts(&mut self, client_now: Option<i64>, agent_now: i64) -> BTreeMap<String, u32> {
        self.sweep(client_now, agent_now);
        let mut out = BTreeMap::new();
        for e in self.entries.iter().flatten() {
            *out.entry(e.label.clone()).or_insert(0) += 1;
        }
        out
    }

    /// Zeroize every key.
    pub fn clear(&mut self) {
        for i in 0..SLOTS {
            self.drop_slot(i);
        }
    }
}

impl Drop for KeyCache {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_serve_their_header_until_either_clock_says_and_are_zeroized_when_dropped() {
        let mut c = KeyCache::new();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        c.keep(a, &[7; 16], "v\tdev", None, 1_000, 50_000);
        c.keep(b, &[8; 16], "v\ttest", Some(61_000), 1_000, 50_000);
        assert_eq!(*c.recall(&a, Some(2_000), 50_001).unwrap(), [7; 16]);
        assert!(c.recall(&[3; 32], Some(2_000), 50_001).is_none());
        assert_eq!(c.counts(None, 50_001)["v\tdev"], 1);
        assert_eq!(c.counts(None, 50_001)["v\ttest"], 1);
        // b: by the client's clock (a test clock moved ahead)...
        assert!(c.recall(&b, Some(61_000), 50_002).is_none());
        // ... or by the agent's own, whatever a client says.
        c.keep(b, &[8; 16], "v\ttest", Some(61_000), 1_000, 50_000);
        assert!(c.recall(&b, Some(1_500), 110_000).is_none());
        assert!(c.recall(&b, None, 110_000).is_none());
        // a deadline already past is not kept
        c.keep(b, &[8; 16], "v\tprod", Some(900), 1_000, 50_000);
        assert!(c.recall(&b, None, 50_000).is_none());
        // every version of an environment is kept
        c.keep(b, &[8; 16], "v\tdev", None, 1_000, 50_000);
        assert_eq!(*c.recall(&a, None, 50_000).unwrap(), [7; 16]);
        assert_eq!(*c.recall(&b, None, 50_000).unwrap(), [8; 16]);
        assert_eq!(c.counts(None, 50_000)["v\tdev"], 2);
        // forgetting a label zeroizes its slots
        c.forget("v\tdev");
        assert!(c.recall(&a, None, 50_000).is_none());
        assert!(c.recall(&b, None, 50_000).is_none());
        assert!(c.keys.iter().all(|k| k == &[0; 16]));
        // full: the least recently used gives way
        for i in 0..SLOTS {
            let mut h = [0u8; 32];
            h[..8].copy_from_slice(&(i as u64).to_be_bytes());
            c.keep(h, &[9; 16], &format!("v\t{i}"), None, 1_000, 50_000);
        }
        let first = [0u8; 32];
        assert!(c.recall(&first, None, 50_000).is_some());
        c.keep([0xff; 32], &[5; 16], "v\tnew", None, 1_000, 50_000);
        assert!(c.recall(&first, None, 50_000).is_some(), "just used");
        let mut second = [0u8; 32];
        second[..8].copy_from_slice(&1u64.to_be_bytes());
        assert!(
            c.recall(&second, None, 50_000).is_none(),
            "the least recently used"
        );
        c.clear();
        assert!(c.keys.iter().all(|k| k == &[0; 16]));
    }
}
