//! Signing images by hand (DESIGN §15), as a member who edits rows outside keyward
//! can: their own key signs whatever state they made. What keyward must still refuse
//! then is refused by the rules that do not rest on a signature alone (the roles, the
//! pins, the rows following from their events) — the tests here give the attacker the
//! strongest hand.

use std::path::Path;

use ed25519_dalek::Signer;
use keyward::vault::signed::{
    Member, Members, Signature, insert_signature, settings_digest, state_digest,
};

use super::Sandbox;

/// The member list the image's rows hold.
fn members_of(conn: &rusqlite::Connection) -> Members {
    let mut stmt = conn
        .prepare("SELECT recipient, role, signing_key, key_proof FROM recipients")
        .unwrap();
    // Rows that do not read as a member are left out (the reader refuses them anyway).
    let list = stmt
        .query_map([], |r| {
            Ok(Member {
                recipient: r.get(0)?,
                role: keyward::codes::Role::from_code(r.get(1)?)
                    .ok_or(rusqlite::Error::InvalidQuery)?,
                key: match r.get::<_, Option<Vec<u8>>>(2)? {
                    Some(k) => Some(k.try_into().map_err(|_| rusqlite::Error::InvalidQuery)?),
                    None => None,
                },
                proof: match r.get::<_, Option<Vec<u8>>>(3)? {
                    Some(p) => Some(p.try_into().map_err(|_| rusqlite::Error::InvalidQuery)?),
                    None => None,
                },
            })
        })
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    Members::new(list)
}

/// The signing key, recipient and binding proof of an X25519 identity file.
fn signer_of(identity: &Path) -> (ed25519_dalek::SigningKey, String, [u8; 64]) {
    let id: age::x25519::Identity = Sandbox::secret_key_of(identity).parse().unwrap();
    let secret = keyward::signing::x25519_secret(&id).unwrap();
    let key = keyward::signing::derive_from_x25519(&secret);
    let recipient = id.to_public().to_string();
    let proof =
        keyward::signing::prove_binding(&secret, &recipient, &key.verifying_key().to_bytes());
    (key, recipient, proof)
}

fn has_signatures(conn: &rusqlite::Connection) -> bool {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'signatures'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        > 0
}

fn env_of(conn: &rusqlite::Connection) -> keyward::names::EnvName {
    conn.query_row("SELECT v FROM meta WHERE k = 'env'", [], |r| {
        r.get::<_, String>(0)
    })
    .ok()
    .and_then(|e| e.parse().ok())
    .unwrap_or_else(|| "env".parse().unwrap())
}

/// Append a lifecycle event to the image by hand, under `recipient` as its actor, with
/// a hash that follows the chain (anyone holding the image can compute one).
pub fn append_event(
    conn: &rusqlite::Connection,
    recipient: &str,
    action: keyward::audit::Action,
    key: Option<&str>,
    version: Option<u32>,
) {
    append(conn, recipient, action, key, version, None)
}

/// `append_event` of a keyless event with a reason (a `touch` event's policy).
pub fn append_event_with_reason(
    conn: &rusqlite::Connection,
    recipient: &str,
    action: keyward::audit::Action,
    reason: Option<&str>,
) {
    append(conn, recipient, action, None, None, reason)
}

fn append(
    conn: &rusqlite::Connection,
    recipient: &str,
    action: keyward::audit::Action,
    key: Option<&str>,
    version: Option<u32>,
    reason: Option<&str>,
) {
    let (prev, time): (Vec<u8>, i64) = conn
        .query_row(
            "SELECT hash, time FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "INSERT OR IGNORE INTO actors(recipient, os_user, host, via) VALUES (?1, 'u', 'h', 'file')",
        [recipient],
    )
    .unwrap();
    let actor: i64 = conn
        .query_row(
            "SELECT id FROM actors WHERE recipient = ?1 AND os_user = 'u' AND host = 'h' AND via = 'file'",
            [recipient],
            |r| r.get(0),
        )
        .unwrap();
    let canon = keyward::audit::Canonical {
        v: 1,
        time: time + 1,
        env: env_of(conn).to_string(),
        action: action.as_str().into(),
        key: key.map(Into::into),
        version,
        recipient: recipient.into(),
        os_user: "u".into(),
        host: "h".into(),
        via: "file".into(),
        reason: reason.map(Into::into),
        outcome: None,
        keys: None,
    };
    let hash = keyward::audit::chain_hash(&prev.try_into().unwrap(), &canon.bytes());
    conn.execute(
        "INSERT INTO events(time, action, key, version, actor, reason, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![time + 1, action.code(), key, version, actor, reason, &hash[..]],
    )
    .unwrap();
}

/// Sign the image's head as `identity` over the rows as they are now: the last
/// signature replaced when it signs the head already (rows edited, no new event), a
/// new one on top of it otherwise (events added by hand). An unsigned image is left
/// as it is.
pub fn resign(conn: &rusqlite::Connection, identity: &Path) {
    resign_claiming(conn, identity, None)
}

/// `resign`, the signature naming `claim` (another member's recipient and key) as its
/// signer while `identity`'s key makes it: a forgery of someone else's signature.
pub fn resign_claiming(
    conn: &rusqlite::Connection,
    identity: &Path,
    claim: Option<(String, [u8; 32])>,
) {
    resign_as(conn, identity, claim, false)
}

/// `resign`, the signature claiming the settings digest of the state it builds on
/// whatever the settings rows now hold: a writer hiding a change only an admin may make.
pub fn resign_hiding_settings(conn: &rusqlite::Connection, identity: &Path) {
    resign_as(conn, identity, None, true)
}

fn resign_as(
    conn: &rusqlite::Connection,
    identity: &Path,
    claim: Option<(String, [u8; 32])>,
    hide_settings: bool,
) {
    if !has_signatures(conn) {
        return;
    }
    // A head that is not a hash (the tests' own hostile values) cannot be signed: the
    // image is left for the reader to refuse as it is.
    let Some(head) = conn
        .query_row(
            "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .ok()
        .filter(|h| h.len() == 32)
    else {
        return;
    };
    let signed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT prev FROM signatures WHERE head = ?1",
            [&head],
            |r| r.get(0),
        )
        .ok();
    let prev: Vec<[u8; 32]> = match signed {
        Some(prev) => prev.chunks(32).filter_map(|c| c.try_into().ok()).collect(),
        None => {
            // On top of the last signed head (the one with the latest event).
            let Some(last) = conn
                .query_row(
                    "SELECT s.head FROM signatures s JOIN events e ON e.hash = s.head
                     ORDER BY e.seq DESC LIMIT 1",
                    [],
                    |r| r.get::<_, Vec<u8>>(0),
                )
                .ok()
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
            else {
                return;
            };
            vec![last]
        }
    };
    let settings = match prev.first() {
        Some(p) if hide_settings => conn
            .query_row(
                "SELECT settings FROM signatures WHERE head = ?1",
                [&p[..]],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .unwrap()
            .try_into()
            .unwrap(),
        _ => settings_digest(conn).unwrap(),
    };
    let (key, me, proof) = signer_of(identity);
    let (signer, public) = claim.unwrap_or((me, key.verifying_key().to_bytes()));
    let env = env_of(conn);
    conn.execute("DELETE FROM signatures WHERE head = ?1", [&head])
        .unwrap();
    let Ok(state) = state_digest(conn) else {
        return;
    };
    let sig = Signature {
        head: head.clone().try_into().unwrap(),
        prev,
        state,
        settings,
        members: members_of(conn),
        signer,
        key: public,
        proof: Some(proof),
        sig: [0; 64],
    };
    sign_and_insert(conn, &key, &env, sig);
}

/// Found the image's history anew as `identity`: every signature deleted, the signer
/// made its only admin, a checkpoint appended in its name and one signature over it
/// with nothing before it — a history that checks on its own, under a trust root of
/// the forger's making, whose chain still holds every head it held.
pub fn reroot(conn: &rusqlite::Connection, identity: &Path) {
    let (key, me, proof) = signer_of(identity);
    conn.execute("DELETE FROM signatures", []).unwrap();
    conn.execute(
        "UPDATE recipients SET role = ?1 WHERE role = ?2",
        [
            keyward::codes::Role::Write.code(),
            keyward::codes::Role::Admin.code(),
        ],
    )
    .unwrap();
    // A checkpoint by the forger: the events before it read as unsigned history, as in
    // a vault from before signed writes.
    append_event(conn, &me, keyward::audit::Action::Checkpoint, None, None);
    let head: [u8; 32] = conn
        .query_row(
            "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .unwrap()
        .try_into()
        .unwrap();
    conn.execute(
        "UPDATE recipients SET role = ?1, signing_key = ?2 WHERE recipient = ?3",
        rusqlite::params![
            keyward::codes::Role::Admin.code(),
            &key.verifying_key().to_bytes()[..],
            me
        ],
    )
    .unwrap();
    let env = env_of(conn);
    let sig = Signature {
        head,
        prev: Vec::new(),
        state: state_digest(conn).unwrap(),
        settings: settings_digest(conn).unwrap(),
        members: members_of(conn),
        signer: me,
        key: key.verifying_key().to_bytes(),
        proof: Some(proof),
        sig: [0; 64],
    };
    sign_and_insert(conn, &key, &env, sig);
}

/// Sign `sig` with `key` and store it.
fn sign_and_insert(
    conn: &rusqlite::Connection,
    key: &ed25519_dalek::SigningKey,
    env: &keyward::names::EnvName,
    mut sig: Signature,
) {
    sig.sig = key.sign(&sig.message(env)).to_bytes();
    insert_signature(conn, &sig).unwrap();
}

/// One event to append by hand: action, key, version and reason.
pub type Appended<'a> = (
    keyward::audit::Action,
    Option<&'a str>,
    Option<u32>,
    Option<&'a str>,
);

/// `image` with `sql` run in it and one ordinary `event` appended as `who`, then signed
/// by `identity` over the rows as they are: a member's change that also edits rows none
/// of its events name.
pub fn signed_edit(
    image: &[u8],
    sql: &str,
    who: &str,
    identity: &Path,
    event: Appended<'_>,
) -> Vec<u8> {
    super::edit_image(image, |c| {
        c.execute_batch(sql).unwrap();
        append(c, who, event.0, event.1, event.2, event.3);
        resign(c, identity);
    })
}
