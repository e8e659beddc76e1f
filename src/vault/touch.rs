//! An environment's touch policy (DESIGN §18) as stored, and what this machine last saw
//! of each environment's policy.
//!
//! The policy is the reason of the latest `touch` event: a signed lifecycle event only
//! an admin may record (`Action::needs_admin`, checked by the writer and by every
//! reader), so no row holds it that a writer could change on the side. "Latest" is by
//! the event's time, then its hash: one answer whichever side of a merge joined the
//! other. No event: the default, `once-per-change`.
//!
//! `unlock` names the environments that ask on every command before opening any: it
//! reads them from `touch.json` beside the vault's pins (written when a command read a
//! policy; not secret: a policy per environment name).

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;

use crate::codes::Action;
use crate::error::{Error, Result};
use crate::names::{EnvName, TouchPolicy};
use crate::vault::paths::PinDir;
use crate::vault::store::EnvDb;

impl EnvDb {
    /// The touch policy in force (see the module doc).
    pub fn touch_policy(&self) -> Result<TouchPolicy> {
        // The code as a literal, the very term of the partial index `events_touch`
        // (`schema::INDEX_REMOVALS`): a read of a large file does not scan every event.
        let stored: Option<Option<String>> = self.located(
            self.conn
                .query_row(
                    &format!(
                        "SELECT reason FROM events WHERE action = {} ORDER BY time DESC, hash DESC LIMIT 1",
                        Action::Touch.code()
                    ),
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::from),
        )?;
        Ok(match stored {
            None => TouchPolicy::default(),
            Some(reason) => TouchPolicy::from_stored(reason.as_deref().unwrap_or("")),
        })
    }
}

impl PinDir {
    /// `touch_policy.json`: a name no environment's pin can have (`_` is never in an
    /// environment name). Builds before it used `touch.json`, the pin of an environment
    /// named `touch`: that file is read (and moved here) only when it holds policies.
    fn touch_file(&self) -> std::path::PathBuf {
        self.dir.join("touch_policy.json")
    }

    /// The policies this machine last saw, by environment.
    pub fn touch_seen(&self) -> Result<BTreeMap<EnvName, TouchPolicy>> {
        let path = self.touch_file();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.legacy_touch() {
                Some(b) => b,
                None => return Ok(BTreeMap::new()),
            },
            Err(e) => return Err(Error::io("cannot read", &path, e)),
        };
        let stored: BTreeMap<String, String> =
            serde_json::from_slice(&bytes).map_err(|e| Error::PinCorrupt {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        Ok(stored
            .into_iter()
            .filter_map(|(env, p)| Some((env.parse().ok()?, TouchPolicy::from_stored(&p))))
            .collect())
    }

    /// The policies an older build kept in `touch.json`, moved to their own name; `None`
    /// when there is none, or the file is the pin of an environment named `touch`.
    fn legacy_touch(&self) -> Option<Vec<u8>> {
        let old = self.dir.join("touch.json");
        let bytes = std::fs::read(&old).ok()?;
        serde_json::from_slice::<BTreeMap<String, String>>(&bytes).ok()?;
        let _ = std::fs::rename(&old, self.touch_file());
        Some(bytes)
    }

    /// Whether `touch.json` is an older build's policy record, not a pin.
    pub(in crate::vault) fn is_legacy_touch(&self, env: &EnvName) -> bool {
        env.as_str() == "touch"
            && std::fs::read(self.dir.join("touch.json"))
                .is_ok_and(|b| serde_json::from_slice::<BTreeMap<String, String>>(&b).is_ok())
    }

    /// Remember `env`'s policy (a no-op when it is the one remembered).
    pub fn note_touch(&self, env: &EnvName, policy: &TouchPolicy) -> Result<()> {
        let mut seen = self.touch_seen()?;
        if seen.get(env) == Some(policy) {
            return Ok(());
        }
        seen.insert(env.clone(), *policy);
        let stored: BTreeMap<String, String> = seen
            .into_iter()
            .map(|(e, p)| (e.to_string(), p.stored()))
            .collect();
        crate::fsutil::create_private_dir(self.dir.parent().expect("pins/<id>"))?;
        crate::fsutil::create_private_dir(&self.dir)?;
        let path = self.touch_file();
        let bytes = serde_json::to_vec_pretty(&stored).map_err(|e| Error::Failed {
            what: "record the touch policy seen",
            detail: e.to_string(),
        })?;
        crate::fsutil::replace_file(&path, &bytes, 0o600, false)
            .map_err(|e| Error::io("cannot write", &path, e))
    }
}

impl EnvDb {
    /// The header of this environment's file as it is on disk now (`None` when it is not
    /// an age file, or cannot be read).
    pub fn file_header(&self) -> Option<crate::identity::filekey::HeaderId> {
        let file = crate::vault::store::open_nofollow(&self.path).ok()?;
        crate::identity::filekey::header_of(std::io::BufReader::new(file))
    }

    /// The file key of the file this process just committed, bound to that file's header
    /// (its MAC checked with it): what a writer hands its agent (DESIGN §18). `None`
    /// when nothing was written, or the file was replaced since.
    pub fn written_file_key(&self) -> Option<crate::identity::filekey::Held> {
        let key = self.written.as_ref()?;
        let file = crate::vault::store::open_nofollow(&self.path).ok()?;
        crate::identity::filekey::bind(std::io::BufReader::new(file), key.bytes())
    }
}

#[cfg(test)]
mod tests {
    use crate::codes::Action;
    use crate::vault::schema;

    /// The query repeats the partial index's term, so SQLite reads only `touch` events.
    #[test]
    fn the_policy_is_read_through_its_partial_index() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(schema::SCHEMA).unwrap();
        conn.execute_batch(schema::INDEX_REMOVALS).unwrap();
        let term = format!("action = {}", Action::Touch.code());
        assert!(schema::INDEX_REMOVALS.contains(&format!("WHERE {term};")));
        let plan: String = conn
            .query_row(
                &format!(
                    "EXPLAIN QUERY PLAN SELECT reason FROM events WHERE {term} ORDER BY time DESC, hash DESC LIMIT 1"
                ),
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("events_touch"), "{plan}");
    }
}
