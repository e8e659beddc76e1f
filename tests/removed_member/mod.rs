//! A removed member stays removed (DESIGN §8, §9 round 3): through a merge of a branch
//! they wrote, a forged file carrying a published head, a hand-edited commit, or a
//! journal row sealed with the key they still hold. Real repositories, a bare origin,
//! clones with their own identities, pins and clocks; the attacker writes what anyone
//! holding an old state can write: their own keyward on a stale clone, and images
//! edited by hand and encrypted to the public recipients.

mod branches;
mod commits;
mod files;
mod verifier_key;

use crate::support::team::Team;
use crate::support::{edit_image, encrypt_image};

/// Alice (0) and Mallory (1) share `prod` with `DB_PASSWORD`, an `OLD` key revoked
/// before Mallory leaves, and `API_TOKEN`; Mallory holds that state in her clone.
pub(super) fn team_before_removal() -> Team {
    let t = Team::new(&["alice", "mallory"], &[]);
    for k in ["DB_PASSWORD", "API_TOKEN", "OLD"] {
        t.out(0, &["generate", "-e", "prod", k]);
    }
    t.out(
        0,
        &["revoke", "-e", "prod", "OLD", "--reason", "leaked", "--yes"],
    );
    t.sync(0, "prod keys");
    t.git(1, &["pull", "-q", "--no-rebase", "origin", "main"]);
    t
}

/// Alice removes Mallory from `prod`, rotates `DB_PASSWORD` and revokes `API_TOKEN`;
/// pushed. Returns the value rotated after the removal.
pub(super) fn remove_mallory(t: &Team) -> String {
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.out(0, &["rotate", "-e", "prod", "DB_PASSWORD"]);
    t.out(
        0,
        &[
            "revoke",
            "-e",
            "prod",
            "API_TOKEN",
            "--reason",
            "leaked",
            "--yes",
        ],
    );
    t.sync(0, "remove mallory");
    t.out(0, &["get", "-e", "prod", "DB_PASSWORD"])
        .trim()
        .to_owned()
}

/// Mallory's branch `name` (from her stale clone) pushed to origin; Alice fetches it.
pub(super) fn push_branch(t: &Team, name: &str) {
    t.git(1, &["add", "-A"]);
    t.git(1, &["commit", "-qm", "docs typo"]);
    t.git(1, &["push", "-q", "origin", &format!("main:{name}")]);
    t.git(0, &["fetch", "-q", "origin", name]);
}

/// Mallory's forgery: the state she could read, with `DB_PASSWORD` set to her own value,
/// and events rows that merely *store* the heads Alice published (`heads`), encrypted
/// to Alice and herself.
pub(super) fn forge_with_heads(t: &Team, stale: &[u8], heads: &[String]) -> Vec<u8> {
    let (alice, mallory) = (
        t.members[0].recipient.clone(),
        t.members[1].recipient.clone(),
    );
    let edited = edit_image(stale, |c| {
        c.execute(
            "UPDATE versions SET value = CAST('mallory-controlled-value' AS BLOB)
             WHERE key_id = (SELECT id FROM keys WHERE name = 'DB_PASSWORD') AND status = 0",
            [],
        )
        .unwrap();
        for h in heads {
            c.execute(
                "INSERT INTO events(time, action, key, version, actor, reason, hash)
                 SELECT time + 1, action, key, version, actor, reason, ?1 FROM events ORDER BY seq DESC LIMIT 1",
                [hex::decode(h).unwrap()],
            )
            .unwrap();
        }
        c.execute(
            "INSERT OR IGNORE INTO recipients(recipient, added_at) VALUES (?1, 0)",
            [&mallory],
        )
        .unwrap();
    });
    encrypt_image(&edited, &[&alice, &mallory])
}

/// Alice removes Mallory from `prod` and rotates `DB_PASSWORD`; pushed.
pub(super) fn remove_mallory_only(t: &Team) {
    let mallory = t.members[1].recipient.clone();
    t.out(0, &["access", "revoke", "-e", "prod", &mallory, "--yes"]);
    t.out(0, &["rotate", "-e", "prod", "DB_PASSWORD"]);
    t.sync(0, "remove mallory");
}
