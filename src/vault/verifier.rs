//! The environment's verifier key (DESIGN §13): the Ed25519 key that signs verifier
//! sets, kept inside the encrypted environment like the audit key, so only someone who
//! can read the environment can sign a set for it. One row at most (`verifier_key`,
//! format 3); created by the first `verifier export`, in a write with its own event.

use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use crate::audit::{Action, Actor, Chain, GENESIS};
use crate::error::{Error, Result};
use crate::vault::seen::Relation;
use crate::vault::signed::Link;
use crate::vault::store::{EnvDb, Tx};

/// What a `trust` event's reason ends with when the state it accepted is behind what
/// this machine saw (or exported): the serial a verifier set of that earlier state
/// would have had is at or below one already published, so sets continue above it.
const CONTINUES: &str = "; verifier serials continue above ";

/// The reason a `trust` event records: the person's, and, when `floor` is given, the
/// serial verifier sets must continue above (parsed back by [`EnvDb::set_serial`]).
pub fn trust_reason(reason: &str, floor: Option<i64>) -> String {
    match floor {
        Some(f) => format!("{reason}{CONTINUES}{f}"),
        None => reason.to_owned(),
    }
}

impl Tx<'_> {
    /// Record a `trust` event with `reason` (see [`trust_reason`]). One carrying a floor
    /// (however it came to be written there) marks the image format 6: a release that
    /// does not count floors refuses it (upgrade) instead of exporting a set below a
    /// serial services already hold.
    pub fn record_trust(&self, actor: &Actor, reason: &str, now: i64) -> Result<()> {
        self.record(actor, Action::Trust, None, None, Some(reason), now)?;
        if floor_of(reason).is_some() {
            self.mark_serial_floor()?;
        }
        Ok(())
    }
}

/// The floor a `trust` reason carries. At most `u32::MAX` (as a version is): a serial
/// that large is no environment's, and a bound keeps `floor + events` from overflowing
/// whatever a writer typed.
fn floor_of(reason: &str) -> Option<i64> {
    let (_, tail) = reason.rsplit_once(CONTINUES)?;
    tail.parse::<u32>().ok().map(i64::from)
}

/// Whether `floor` is one [`floor_of`] reads back (a floor recorded and then not
/// counted would be worse than none: sets would fall below it unsaid).
pub fn floor_fits(floor: i64) -> bool {
    u32::try_from(floor).is_ok()
}

/// Whether a person's reason holds the words keyward writes before a floor: refused
/// (a reason is the person's; a floor only keyward's, and only an admin's counts).
pub fn reason_holds_floor_words(reason: &str) -> bool {
    reason.contains(CONTINUES.trim_start_matches("; "))
}

impl EnvDb {
    /// The serial of a verifier set of this state (DESIGN §13): one more per lifecycle
    /// event, and never below what a `trust` of an earlier state superseded. Each event
    /// counts one; a `trust` event carrying a floor (see [`trust_reason`]) restarts the
    /// count above it. Without such an event it is the number of the last event, as it
    /// always was. It lives in the signed, hash-chained events, so any machine (a CI
    /// runner with no state) computes the same serial, and a merge, which keeps every
    /// event of both sides in each side's order and adds its own, comes out above both.
    /// In a signed history a floor counts only where an admin signed its event: the
    /// signature that covers it (`signed::covering`, by the hash chain: a `trust` that
    /// also signs a history for the first time ends with the checkpoint), by the members
    /// that signature lists. Which sets services take is the
    /// environment's policy, not a writer's.
    pub fn set_serial(&self) -> Result<i64> {
        let (last, _, _) = self.last_event()?;
        let mut serial = last;
        let floors: Vec<(String, i64, i64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT reason, (SELECT count(*) FROM events AS later WHERE later.seq > e.seq), seq
                   FROM events AS e WHERE e.action = ?1 AND e.reason LIKE ?2",
            )?;
            stmt.query_map(
                rusqlite::params![Action::Trust.code(), format!("%{CONTINUES}%")],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .collect::<rusqlite::Result<_>>()?
        };
        if floors.is_empty() {
            return Ok(serial);
        }
        let sigs = if self.is_signed()? {
            Some(self.signatures()?)
        } else {
            None
        };
        // The events as the signatures bind them (hash chain, parents), only when a
        // floor is there to judge.
        let events = match &sigs {
            None => Vec::new(),
            Some(_) => match self.verified_links()? {
                Some(links) => links,
                None => self.lifecycle_events()?.iter().map(Link::from).collect(),
            },
        };
        let by_admin = |seq: i64| match &sigs {
            None => true,
            Some(sigs) => events
                .iter()
                .position(|e| e.seq == seq)
                .and_then(|i| crate::vault::signed::covering(&events, sigs, i))
                .is_some_and(|s| {
                    s.members
                        .get(&s.signer)
                        .is_some_and(|m| m.role == crate::codes::Role::Admin)
                }),
        };
        for (reason, after, seq) in floors {
            if let Some(floor) = floor_of(&reason).filter(|_| by_admin(seq)) {
                serial = serial.max(floor + 1 + after);
            }
        }
        Ok(serial)
    }

    /// The lifecycle chain's links as the rows store them, when opening checked the
    /// chain: every hash recomputed then (or the file is the one this machine verified
    /// or wrote, by its seal; or a new environment), and the events since added by this
    /// process, which hashed them. An environment with a floor judges it on every write
    /// and pin advance; hashing every event again for it doubled a write at 100,000
    /// events. `None` where nothing checked the chain (no state directory, `trust`, a
    /// merge's sides): the caller recomputes it.
    fn verified_links(&self) -> Result<Option<Vec<Link>>> {
        if matches!(self.history, Relation::Unchecked) {
            return Ok(None);
        }
        self.located((|| -> Result<Option<Vec<Link>>> {
            let parents = if self.has_parents() {
                "parents"
            } else {
                "NULL"
            };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT seq, hash, {parents} FROM events ORDER BY seq"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            let mut prev = GENESIS;
            let hash32 = |b: &[u8]| -> Option<[u8; 32]> { b.try_into().ok() };
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let links = (|| {
                    let hash = hash32(&r.get::<_, Vec<u8>>(1).ok()?)?;
                    let (first, joined) = match r.get::<_, Option<Vec<u8>>>(2).ok()? {
                        None => (prev, None),
                        Some(p) if p.len() == 32 => (hash32(&p)?, None),
                        Some(p) if p.len() == 64 => (hash32(&p[..32])?, Some(hash32(&p[32..])?)),
                        Some(_) => return None,
                    };
                    Some(Link {
                        seq,
                        hash,
                        prev: first,
                        joined,
                    })
                })();
                let link = links.ok_or_else(|| {
                    crate::audit::broken(
                        &self.env,
                        Chain::Lifecycle,
                        seq,
                        "its links are malformed",
                    )
                })?;
                prev = link.hash;
                out.push(link);
            }
            Ok(Some(out))
        })())
    }

    /// Whether a floor raises this state's serial above its events' count: what a build
    /// before format 6, which counts events only, would get wrong.
    pub(in crate::vault) fn holds_serial_floor(&self) -> Result<bool> {
        Ok(self.set_serial()? > self.last_event()?.0)
    }

    /// The verifier key's 32-byte seed, if the environment has one. A format-2 image
    /// (no table yet) has none.
    pub fn verifier_seed(&self) -> Result<Option<Zeroizing<[u8; 32]>>> {
        if !self.has_verifier_table() {
            return Ok(None);
        }
        self.located((|| -> Result<Option<Zeroizing<[u8; 32]>>> {
            let seed: Option<Zeroizing<Vec<u8>>> = self
                .conn
                .query_row("SELECT seed FROM verifier_key WHERE id = 1", [], |r| {
                    r.get::<_, Vec<u8>>(0).map(Zeroizing::new)
                })
                .optional()?;
            let Some(seed) = seed else {
                return Ok(None);
            };
            let arr: [u8; 32] = seed.as_slice().try_into().map_err(|_| Error::CorruptDb {
                detail: "the verifier key has the wrong length".into(),
            })?;
            Ok(Some(Zeroizing::new(arr)))
        })())
    }
}

impl Tx<'_> {
    /// Replace the verifier key, if the environment has one, with a fresh random one
    /// made at `now` (a reader was removed: they hold the old seed and could sign a set
    /// services accept). Returns the new public key.
    pub(in crate::vault) fn replace_verifier_key(
        &self,
        now: i64,
    ) -> Result<Option<keyward_verifier::PublicKey>> {
        if self.verifier_seed()?.is_none() {
            return Ok(None);
        }
        let seed = crate::secret::random_key();
        self.located((|| -> Result<()> {
            self.conn.execute(
                "UPDATE verifier_key SET seed = ?1, created = ?2 WHERE id = 1",
                params![&seed[..], now],
            )?;
            Ok(())
        })())?;
        Ok(Some(
            keyward_verifier::SigningKey::from_seed(&seed).public(),
        ))
    }

    /// Store `seed` as the environment's verifier key; refused if it has one (a key
    /// services pin is replaced only when a reader is removed, and then said).
    pub fn create_verifier_key(&self, seed: &[u8; 32], now: i64) -> Result<()> {
        self.located((|| -> Result<()> {
            self.conn.execute(
                "INSERT INTO verifier_key(id, seed, created) VALUES (1, ?1, ?2)",
                params![&seed[..], now],
            )?;
            Ok(())
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trust_reason_carries_its_floor_and_only_a_bounded_one() {
        assert_eq!(
            floor_of(&trust_reason("restored backup", Some(12))),
            Some(12)
        );
        assert_eq!(floor_of(&trust_reason("restored backup", None)), None);
        // The last marker counts: a person's reason may hold the words too.
        assert_eq!(
            floor_of(&trust_reason(&trust_reason("x", Some(3)), Some(9))),
            Some(9)
        );
        assert_eq!(
            floor_of("x; verifier serials continue above 99999999999"),
            None
        );
        assert_eq!(floor_of("x; verifier serials continue above -4"), None);
    }
}
