//! The verifier sets this machine exported (DESIGN §13), beside the pins:
//! `<env>.sets.json`, the highest serial exported under each verifier public key and
//! the lifecycle head it was exported at. A service keeps the highest serial it loaded
//! and refuses a lower one, so an export that would not be newer than one already made
//! here is refused before anything is written: its set would be refused everywhere
//! (a lower serial), or replace the published one at the same serial with other
//! contents (a state that diverged). The serial itself stays monotone across `trust`
//! through the environment's own events (`EnvDb::set_serial`); this record is the
//! second line, for what no event can carry (a branch checked out here, a state a
//! `trust` on another machine accepted). Same rules as the pins: 0600, replaced
//! atomically under the pin's lock, a corrupt record an error, never a reset.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, VerifierError};
use crate::names::EnvName;
use crate::vault::paths::PinDir;

/// What was last exported under one verifier key.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Last {
    serial: i64,
    /// The lifecycle head (hex) of the state exported at `serial`.
    head: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    v: u32,
    /// By the verifier public key (`ed25519:…`) that signed the sets.
    sets: BTreeMap<String, Last>,
}

impl PinDir {
    fn sets_file(&self, env: &EnvName) -> std::path::PathBuf {
        self.dir.join(format!("{env}.sets.json"))
    }

    fn load_sets(&self, env: &EnvName) -> Result<Record> {
        let path = self.sets_file(env);
        match Self::read(&path)? {
            None => Ok(Record::default()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Verifier(VerifierError::ExportRecordCorrupt {
                    env: env.clone(),
                    path,
                    detail: e.to_string(),
                })
            }),
        }
    }

    /// The highest serial exported here for `env`, under any key (what a `trust` of an
    /// earlier state must make sets continue above).
    pub fn highest_exported(&self, env: &EnvName) -> Result<Option<i64>> {
        Ok(self.load_sets(env)?.sets.values().map(|l| l.serial).max())
    }

    /// Record an export of `env` at `serial` (state `head`) signed by `pubkey`, or refuse
    /// it when a set this machine exported under that key is newer: a higher serial, or
    /// the same serial at another head. The same state exported again is allowed (its
    /// expired versions drop out at the same serial).
    pub fn note_export(&self, env: &EnvName, pubkey: &str, serial: i64, head: &[u8]) -> Result<()> {
        let _lock = self.lock(env)?;
        let mut record = self.load_sets(env)?;
        let head = hex::encode(head);
        if let Some(last) = record.sets.get(pubkey)
            && (last.serial > serial || last.serial == serial && last.head != head)
        {
            return Err(Error::Verifier(VerifierError::VerifierSerialBehind {
                env: env.clone(),
                serial,
                exported: last.serial,
            }));
        }
        if record.sets.get(pubkey).is_some_and(|l| l.serial == serial) {
            return Ok(());
        }
        record.v = 1;
        record.sets.insert(pubkey.to_owned(), Last { serial, head });
        let bytes = serde_json::to_vec(&record).expect("plain map");
        crate::fsutil::replace_file(&self.sets_file(env), &bytes, 0o600, true)
            .map_err(|e| Error::io("cannot write pin", self.sets_file(env), e))
    }
}
