//! Audit events (DESIGN §5): who did what to which key, when and why, hash-chained so
//! that any edit, deletion or reordering shows.
//!
//! Two chains per environment: lifecycle events inside the encrypted environment
//! database, committed with the change they describe; and access events in the
//! append-only journal, each row sealed under the environment's audit key (the sealing
//! and the SQL live in `vault`). This module owns the actions, the canonical form and
//! the hashing. No event ever holds a value.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::codes::{Action, Chain, Via};
use crate::error::Error;
use crate::names::{EnvName, fmt_time_ms};

/// The outcome of an event that did what it describes.
pub const OK: &str = "ok";

/// The outcome of a read refused because the version is revoked, retired or expired
/// (exit 4); the event's reason is the status.
pub const REFUSED: &str = "refused";

/// The previous hash of a chain's first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// Who is acting: the public recipient of the identity in use, the OS user and host,
/// and how the identity was unlocked (`file`, `passphrase`, `agent`, …).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Actor {
    pub recipient: String,
    pub os_user: String,
    pub host: String,
    pub via: Via,
}

impl Actor {
    /// Whether `who` names this actor (`audit --actor`): its recipient in full, as `audit`
    /// shows it shortened, or a prefix of at least 8 characters. Never its OS user or
    /// host: those are what the writer's machine reported (`$USER`, `uname`), and anyone
    /// can report a member's name there; the recipient is what a lifecycle event's
    /// signature binds (`--os-user`, `--host` select the reported ones).
    pub fn matches(&self, who: &str) -> bool {
        let r = &self.recipient;
        r == who
            || (who.chars().count() >= 8 && r.starts_with(who))
            || crate::recipient::short_recipient(r) == who
    }

    /// `matches`, or `who` is `label`: the label of this actor's recipient.
    pub fn matches_labeled(&self, who: &str, label: Option<&str>) -> bool {
        self.matches(who) || (!who.is_empty() && label == Some(who))
    }

    pub fn named(recipient: &str, via: Via) -> Actor {
        Actor {
            recipient: recipient.to_owned(),
            os_user: os_user(),
            host: crate::sys::hostname(),
            via,
        }
    }
}

fn os_user() -> String {
    if let Ok(u) = std::env::var("USER").or_else(|_| std::env::var("LOGNAME"))
        && !u.is_empty()
    {
        return u;
    }
    format!("uid:{}", crate::sys::getuid())
}

/// A recipient's label (`access grant --name`): 1 to 64 printable characters, no
/// control characters, not only spaces. Shown in `access list` and `audit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    pub const MAX_CHARS: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let n = s.chars().count();
        if s.trim().is_empty() {
            return Err("a label has 1 to 64 printable characters; this one is empty".into());
        }
        if n > Label::MAX_CHARS {
            return Err(format!(
                "a label has at most {} characters; this one has {n}",
                Label::MAX_CHARS
            ));
        }
        if s.chars().any(char::is_control) {
            return Err("a label holds printable characters only, no control characters".into());
        }
        // A label is how people recognise each other in plans and questions: nothing in
        // it may be invisible or reorder the text around it (`Alice` + a zero-width
        // space would show as `Alice`), and no space but the plain one.
        if let Some(c) = s
            .chars()
            .find(|c| invisible(*c) || (c.is_whitespace() && *c != ' '))
        {
            return Err(format!(
                "a label holds visible characters and plain spaces only; this one holds U+{:04X}",
                c as u32
            ));
        }
        if s.trim() != s || s.contains("  ") {
            return Err(
                "a label has no space at either end and no two spaces in a row (they would look like another label)"
                    .into(),
            );
        }
        if let Some(why) = Label::imitation(s) {
            return Err(why);
        }
        Ok(Label(s.to_owned()))
    }
}

impl Label {
    /// Why `s` could pass for a recipient, if it could. Messages print a person as
    /// `Label (age1abcd…wxyz)`: the recipient beside the label is how a reader tells
    /// two people with look-alike labels apart, so no label may hold text that reads
    /// as a recipient or its short form — `Alice (age1putjpx…5dvh5v)` would show the
    /// real Alice's short recipient before the one it stands for. Checked for labels
    /// typed here and for labels read from a file (DESIGN §16), which anyone holding
    /// an admin's key or founding a vault could have written without this rule.
    pub fn imitation(s: &str) -> Option<String> {
        let lower = s.to_lowercase();
        // Where a word starts (the start, a blank, a bracket, a colon…): `age1` inside
        // `Homepage1` or `ssh-` inside `gh-ssh-deploy` reads as no recipient, and a
        // stored label like that must not make its environment unreadable.
        let starts_word = |at: usize| {
            lower[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
        };
        if let Some(p) = crate::recipient::RECIPIENT_STARTS
            .iter()
            .find(|p| lower.match_indices(*p).any(|(at, _)| starts_word(at)))
        {
            return Some(format!(
                "a label cannot hold text that begins a recipient (`{p}`) anywhere in it: with the recipient printed beside it, it would pass for another one"
            ));
        }
        if s.contains('…') {
            return Some(
                "a label cannot hold `…`: it is how a short recipient is printed beside the label, and a label could pass for one"
                    .into(),
            );
        }
        None
    }
}

impl Label {
    /// Whether two labels name the same member to a reader: equal but for case and
    /// spaces (labels stored before these rules may hold runs of them).
    pub fn same_as(a: &str, b: &str) -> bool {
        Label::as_read(a) == Label::as_read(b)
    }

    /// A label as a reader tells it from others: lower case, spaces collapsed.
    pub fn as_read(s: &str) -> String {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// Characters that show as nothing or change the direction of the text around them:
/// Unicode's format characters (category Cf: zero-width spaces and joiners, direction
/// marks and overrides, the word joiner, the byte-order mark, tags) and the blank
/// letters of Hangul and Braille.
fn invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// One event as read back, from either chain.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub env: String,
    pub chain: Chain,
    pub seq: i64,
    #[serde(serialize_with = "ser_time")]
    pub time: i64,
    pub action: Action,
    pub key: Option<String>,
    pub version: Option<u32>,
    /// An access event for several keys (`run`, `export`, `render` of more than one): each
    /// key handed out with its version, in the order handed out; `key` and `version` are
    /// then none. One event per command, not one per key (DESIGN §7 round 3: journaling
    /// was most of a 10,000-key `run`). Empty for every other event.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<(String, u32)>,
    pub actor: Actor,
    pub reason: Option<String>,
    /// The recipient an access change (`access-grant`, `access-revoke`, `offboard`) is
    /// about, in full; none for other events and for events written before format 2.
    pub subject: Option<String>,
    /// The subject's label, when a recipient of the environments read has one.
    pub subject_label: Option<String>,
    /// The label of the actor's recipient, when known (human output, `--actor`).
    #[serde(skip)]
    pub actor_label: Option<String>,
    /// `ok`, or why not (`refused`, `unknown`, `retired`, …): every event has one. A
    /// lifecycle event is recorded only with the change it describes, so it stores none
    /// and reads back `ok` (its hash covers `outcome: null`, see `Canonical`).
    pub outcome: String,
    #[serde(serialize_with = "ser_hex")]
    pub prev_hash: [u8; 32],
    #[serde(serialize_with = "ser_hex")]
    pub hash: [u8; 32],
    /// A `merge` event's second parent, the head of the chain it joined (DESIGN §9):
    /// its hash is `SHA-256(prev_hash || joined_hash || canonical event)`.
    #[serde(
        serialize_with = "ser_hex_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub joined_hash: Option<[u8; 32]>,
    /// DESIGN §16: the version this event's value has now, when a later merge that kept
    /// both sides' new values renumbered it (derived when read, never stored or hashed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renumbered: Option<u32>,
}

impl Event {
    /// The keys this event is about, each with its version: its `key`, or each of the
    /// `keys` of an access event for several keys. Readers that count or filter by key
    /// (`audit --key`, last reads, anomalies) go through this, never `key` alone.
    pub fn accessed(&self) -> impl Iterator<Item = (&str, Option<u32>)> {
        self.key
            .as_deref()
            .map(|k| (k, self.version))
            .into_iter()
            .chain(self.keys.iter().map(|(k, v)| (k.as_str(), Some(*v))))
    }
}

fn ser_hex_opt<S: serde::Serializer>(
    h: &Option<[u8; 32]>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match h {
        Some(h) => s.serialize_str(&hex::encode(h)),
        None => s.serialize_none(),
    }
}

fn ser_time<S: serde::Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_time_ms(*t))
}

fn ser_hex<S: serde::Serializer>(h: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(h))
}

/// The fields a hash covers, in a fixed order. serde_json writes struct fields in
/// declaration order, so this is canonical; `v` lets a later format change it.
///
/// Lifecycle events store no outcome (`null` here): they read back, and export, as
/// `ok`, and an outside verifier hashes a lifecycle event's `outcome` as `null`.
#[derive(Serialize, serde::Deserialize)]
pub struct Canonical {
    pub v: u8,
    pub time: i64,
    pub env: String,
    pub action: String,
    pub key: Option<String>,
    pub version: Option<u32>,
    pub recipient: String,
    pub os_user: String,
    pub host: String,
    pub via: String,
    pub reason: Option<String>,
    pub outcome: Option<String>,
    /// The keys of an access event for several keys, `[["NAME",version],…]`. Written only
    /// when present, after `outcome`, so every event without it keeps the canonical form
    /// and hash it had (like `subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<(String, u32)>>,
}

/// The canonical form of an access change: `Canonical` followed by `subject`. The
/// subject is hashed only when present (`Canonical::bytes_with`), so every event
/// without one (all events before format 2, every event but access changes) keeps the
/// canonical form and hash it had.
#[derive(Serialize)]
struct WithSubject<'a> {
    #[serde(flatten)]
    canon: &'a Canonical,
    subject: &'a str,
}

impl Canonical {
    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain struct serializes")
    }

    /// The hashed bytes of an event about `subject` (access changes): `bytes()` with
    /// `"subject":…` last; exactly `bytes()` without a subject.
    pub fn bytes_with(&self, subject: Option<&str>) -> Vec<u8> {
        match subject {
            None => self.bytes(),
            Some(subject) => serde_json::to_vec(&WithSubject {
                canon: self,
                subject,
            })
            .expect("plain struct serializes"),
        }
    }

    /// The event this canonical record describes; `None` when its action or unlock
    /// method is not one keyward writes (a forged record).
    pub fn into_event(
        self,
        chain: Chain,
        seq: i64,
        prev: [u8; 32],
        hash: [u8; 32],
    ) -> Option<Event> {
        let action = Action::from_name(&self.action)?;
        let via = Via::from_name(&self.via)?;
        Some(Event {
            env: self.env,
            chain,
            seq,
            time: self.time,
            action,
            key: self.key,
            version: self.version,
            keys: self.keys.unwrap_or_default(),
            actor: Actor {
                recipient: self.recipient,
                os_user: self.os_user,
                host: self.host,
                via,
            },
            reason: self.reason,
            subject: None,
            subject_label: None,
            actor_label: None,
            // Only lifecycle events store none: they are committed with their change.
            outcome: self.outcome.unwrap_or_else(|| OK.to_owned()),
            prev_hash: prev,
            hash,
            joined_hash: None,
            renumbered: None,
        })
    }
}

/// Which events of a stored chain are event `at` or one of its ancestors, through each
/// event's previous hash and, for a merge, the head it joined (DESIGN §9: the chain is a
/// DAG). What is *not* marked happened on another line or after: a merge made elsewhere
/// can put another line's events before `at` in the file. Parents come before their
/// children in a stored chain, so only `events[..=at]` can be marked.
pub fn ancestry(events: &[Event], at: usize) -> Vec<bool> {
    let index: std::collections::HashMap<[u8; 32], usize> = events[..=at]
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash, i))
        .collect();
    let mut marked = vec![false; events.len()];
    let mut stack = vec![at];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut marked[i], true) {
            continue;
        }
        let e = &events[i];
        for p in [Some(e.prev_hash), e.joined_hash].into_iter().flatten() {
            if p != GENESIS
                && let Some(&j) = index.get(&p)
            {
                stack.push(j);
            }
        }
    }
    marked
}

/// The events that happened since event `at` as its line saw it: every event that is
/// not `at` or one of its ancestors ([`ancestry`]), in file order.
pub fn since(events: &[Event], at: usize) -> impl Iterator<Item = &Event> {
    events
        .iter()
        .zip(ancestry(events, at))
        .filter(|(_, seen)| !seen)
        .map(|(e, _)| e)
}

/// `hash = SHA-256(prev_hash || canonical event)`.
pub fn chain_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().into()
}

/// The hash of an event with two parents (a `merge`): `SHA-256(first || second ||
/// canonical event)`, so it covers both heads it joins.
pub fn join_hash(first: &[u8; 32], second: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(first);
    h.update(second);
    h.update(canonical);
    h.finalize().into()
}

/// What `audit verify` reports for one chain.
#[derive(Clone, Debug, Serialize)]
pub struct ChainReport {
    pub env: String,
    pub chain: Chain,
    pub events: u64,
    pub head: String,
}

/// Filters for `audit` and `audit export`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub key: Option<String>,
    pub action: Option<Action>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Who acted (`Actor::matches_labeled`: also the label of its recipient).
    pub actor: Option<String>,
    /// The OS user the acting machine reported, exactly (unsigned: `$USER`).
    pub os_user: Option<String>,
    /// The host the acting machine reported, exactly (unsigned).
    pub host: Option<String>,
}

impl Filter {
    pub fn matches(&self, e: &Event) -> bool {
        self.actor
            .as_deref()
            .is_none_or(|a| e.actor.matches_labeled(a, e.actor_label.as_deref()))
            && self.os_user.as_deref().is_none_or(|u| e.actor.os_user == u)
            && self.host.as_deref().is_none_or(|h| e.actor.host == h)
            && self
                .key
                .as_deref()
                .is_none_or(|k| e.accessed().any(|(name, _)| name == k))
            && self.action.is_none_or(|a| e.action == a)
            && self.since.is_none_or(|t| e.time >= t)
            && self.until.is_none_or(|t| e.time <= t)
    }
}

/// Build the canonical record of a new event.
#[allow(clippy::too_many_arguments)]
pub fn canonical(
    env: &EnvName,
    actor: &Actor,
    action: Action,
    key: Option<&str>,
    version: Option<u32>,
    reason: Option<&str>,
    outcome: Option<&str>,
    now: i64,
) -> Canonical {
    Canonical {
        v: 1,
        time: now,
        env: env.to_string(),
        action: action.as_str().to_owned(),
        key: key.map(str::to_owned),
        version,
        recipient: actor.recipient.clone(),
        os_user: actor.os_user.clone(),
        host: actor.host.clone(),
        via: actor.via.as_str().to_owned(),
        reason: reason.map(str::to_owned),
        outcome: outcome.map(str::to_owned),
        keys: None,
    }
}

pub fn broken(env: &EnvName, chain: Chain, seq: i64, detail: &str) -> Error {
    Error::BrokenChain {
        env: env.clone(),
        chain,
        seq,
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
