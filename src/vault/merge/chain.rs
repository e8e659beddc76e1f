//! The merged chain of events (DESIGN §9): theirs' events ours lacks appended in
//! theirs' order, each recomputed to the hash theirs has, then the `merge` event
//! joining both heads, and the `merge-conflict` and `exposed` events the rules call
//! for.

use rusqlite::{Connection, params};

use crate::audit::{self, Action, Actor, Event};
use crate::error::Result;
use crate::names::EnvName;

use super::recipients::Recipients;
use super::report::{ExposedVersion, KeyConflict, bad};
use super::side::Side;
use super::write::ActorIds;

/// The events that close a merge, after both sides' own: the join, whose hash covers
/// both heads and which names the grants left out (the recipients' rows differ from
/// that side's); one `merge-conflict` per key both sides gave new values; one
/// `exposed` per value a removed recipient could read.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_merge(
    conn: &Connection,
    actors: &mut ActorIds,
    env: &EnvName,
    actor: &Actor,
    now: i64,
    heads: [[u8; 32]; 2],
    rs: &Recipients,
    conflicts: &[KeyConflict],
    exposed: &[ExposedVersion],
) -> Result<()> {
    let withheld = (!rs.withheld.is_empty()).then(|| {
        let who: Vec<&str> = rs.withheld.iter().map(|(r, _)| r.as_str()).collect();
        format!(
            "withheld access granted on a side not trusted with it: {}",
            who.join(", ")
        )
    });
    let canon = audit::canonical(
        env,
        actor,
        Action::Merge,
        None,
        None,
        withheld.as_deref(),
        None,
        now,
    );
    insert_event(conn, actors, &canon, None, Some(heads))?;
    for c in conflicts {
        let versions: Vec<String> = c.versions.iter().map(|v| format!("v{v}")).collect();
        let reason = format!(
            "both sides gave it a new value: {} kept, v{} active; pick one with `keyward git resolve -e {env} {}`",
            versions.join(", "),
            c.versions.last().copied().unwrap_or_default(),
            c.key
        );
        let canon = audit::canonical(
            env,
            actor,
            Action::MergeConflict,
            Some(&c.key),
            c.versions.last().copied(),
            Some(&reason),
            None,
            now,
        );
        insert_event(conn, actors, &canon, None, None)?;
    }
    for x in exposed {
        let (r, name) = (&x.recipient, &x.key);
        let reason = format!(
            "created on a side that still encrypted to {r}, removed on the other: rotate it (keyward rotate -e {env} {name})"
        );
        let canon = audit::canonical(
            env,
            actor,
            Action::Exposed,
            Some(name),
            Some(x.version),
            Some(&reason),
            None,
            now,
        );
        insert_event(conn, actors, &canon, Some(r), None)?;
    }
    Ok(())
}

/// Theirs' events that ours lacks, in theirs' order, after ours' (whose rows stay as
/// they are). A row whose parent is not the row before it names its parents.
pub(super) fn append_events(
    conn: &Connection,
    o: &Side,
    theirs_new: &[Event],
    actors: &mut ActorIds,
) -> Result<()> {
    let mut last = o.head();
    for e in theirs_new {
        let canon = audit::canonical(
            &crate::names::EnvName::clone(&o.db.env),
            &e.actor,
            e.action,
            e.key.as_deref(),
            e.version,
            e.reason.as_deref(),
            None,
            e.time,
        );
        let parents = e.joined_hash.map(|j| [e.prev_hash, j]);
        let explicit_one = (parents.is_none() && e.prev_hash != last).then_some(e.prev_hash);
        let hash = insert_event_raw(
            conn,
            actors,
            &canon,
            e.subject.as_deref(),
            explicit_one,
            parents,
        )?;
        if hash != e.hash {
            return Err(bad("an event of THEIRS does not hash the same when merged"));
        }
        last = hash;
    }
    // The merge event follows; its parents are explicit, so `last` need not be ours'.
    Ok(())
}

/// Insert a new event: after the row before it, or joining two heads.
fn insert_event(
    conn: &Connection,
    actors: &mut ActorIds,
    canon: &audit::Canonical,
    subject: Option<&str>,
    join: Option<[[u8; 32]; 2]>,
) -> Result<[u8; 32]> {
    insert_event_raw(conn, actors, canon, subject, None, join)
}

/// Insert one event row; `one`: an explicit single parent; `two`: a join.
fn insert_event_raw(
    conn: &Connection,
    actors: &mut ActorIds,
    canon: &audit::Canonical,
    subject: Option<&str>,
    one: Option<[u8; 32]>,
    two: Option<[[u8; 32]; 2]>,
) -> Result<[u8; 32]> {
    let actor = Actor {
        recipient: canon.recipient.clone(),
        os_user: canon.os_user.clone(),
        host: canon.host.clone(),
        via: audit::Via::from_name(&canon.via).ok_or_else(|| bad("unknown unlock method"))?,
    };
    let actor_id = actors.id(conn, &actor)?;
    let bytes = canon.bytes_with(subject);
    let prev_row: Option<Vec<u8>> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    ))?;
    let (hash, parents): ([u8; 32], Option<Vec<u8>>) = match (one, two) {
        (_, Some([a, b])) => (audit::join_hash(&a, &b, &bytes), Some([a, b].concat())),
        (Some(p), None) => (audit::chain_hash(&p, &bytes), Some(p.to_vec())),
        (None, None) => {
            let prev: [u8; 32] = prev_row
                .as_deref()
                .map(|p| p.try_into().map_err(|_| bad("malformed event hash")))
                .transpose()?
                .unwrap_or(audit::GENESIS);
            (audit::chain_hash(&prev, &bytes), None)
        }
    };
    let action = Action::from_name(&canon.action).ok_or_else(|| bad("unknown action"))?;
    conn.prepare_cached(
        "INSERT INTO events(time, action, key, version, actor, reason, hash, subject, parents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        canon.time,
        action.code(),
        canon.key,
        canon.version,
        actor_id,
        canon.reason,
        &hash[..],
        subject,
        parents
    ])?;
    Ok(hash)
}
