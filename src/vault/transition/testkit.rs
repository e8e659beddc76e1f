//! Event histories for the tests of the rules over events (here and in the merge).

use crate::audit::{Action, Actor, Chain, Event, GENESIS, Via};

/// A linear history of `(action, key, version)`.
pub fn history(steps: &[(Action, &str, Option<u32>)]) -> Vec<Event> {
    let mut prev = GENESIS;
    steps
        .iter()
        .enumerate()
        .map(|(i, (action, key, version))| {
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            let e = event(i as i64 + 1, *action, key, *version, prev, hash);
            prev = hash;
            e
        })
        .collect()
}

pub fn event(
    seq: i64,
    action: Action,
    key: &str,
    version: Option<u32>,
    prev_hash: [u8; 32],
    hash: [u8; 32],
) -> Event {
    Event {
        env: "prod".into(),
        chain: Chain::Lifecycle,
        seq,
        time: seq,
        action,
        key: (!key.is_empty()).then(|| key.to_owned()),
        version,
        keys: Vec::new(),
        actor: Actor {
            recipient: "age1admin".into(),
            os_user: "ann".into(),
            host: "box".into(),
            via: Via::File,
        },
        reason: None,
        subject: None,
        subject_label: None,
        actor_label: None,
        outcome: "ok".into(),
        prev_hash,
        hash,
        joined_hash: None,
        renumbered: None,
    }
}
