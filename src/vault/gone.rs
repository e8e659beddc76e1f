//! Environments this machine pinned whose files are gone (DESIGN §8). A deleted file is a
//! change to the vault like a rewound one: a check over every environment must not pass
//! without it, and a file that reappears later must not be a first use. So a missing
//! file with a pin is `EnvGone` (exit 6) until `trust` accepts the removal, which sets
//! what this machine remembered of the environment aside (never deletes it).

use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result, TeamError};
use crate::names::EnvName;
use crate::vault::paths::{PinDir, VaultPaths};
use crate::vault::store::in_git_work_tree;

/// What this machine keeps of an environment beside its pin (`pins`, `journal_pin`,
/// `fileseal`): set aside together when a removal is accepted.
const KEPT: [&str; 7] = [
    "json",
    "seen.json",
    "verified",
    "journal",
    "chunks",
    "rows",
    "writes",
];

impl PinDir {
    /// The environments this machine holds a pin for (`<env>.json`).
    pub fn pinned_envs(&self) -> Result<Vec<EnvName>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("cannot list pins", &self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list pins", &self.dir, e))?;
            let name = entry.file_name();
            if let Some(env) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| !n.contains('.'))
                .and_then(|n| n.parse::<EnvName>().ok())
                .filter(|env| !self.is_legacy_touch(env))
            {
                out.push(env);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Set aside everything kept here for `env` (after `trust` accepted its removal),
    /// into `<env>.gone-<now>/` beside the pins, with `note` (who accepted it, when and
    /// why) as `trust.json`: the next file of that name is a first use. Returns where
    /// it went.
    pub fn forget(&self, env: &EnvName, note: &[u8]) -> Result<PathBuf> {
        let _lock = self.lock(env)?;
        let to = self.dir.join(format!("{env}.gone-{}", self.now));
        crate::fsutil::create_private_dir(&to)?;
        let record = to.join("trust.json");
        crate::fsutil::replace_file(&record, note, 0o600, true)
            .map_err(|e| Error::io("cannot write", &record, e))?;
        for ext in KEPT {
            let from = self.dir.join(format!("{env}.{ext}"));
            match fs::rename(&from, to.join(format!("{env}.{ext}"))) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("cannot set aside", &from, e)),
            }
        }
        crate::fsutil::sync_dir(&self.dir).map_err(|e| Error::io("cannot sync", &self.dir, e))?;
        Ok(to)
    }
}

impl VaultPaths {
    /// Set aside this machine's access journal of `env` (with its `-wal` and
    /// `-shm`), as `<env>.aside-<now>.db` beside it: its rows belong to an environment no
    /// longer in this place (removed, or replaced by another one after `trust`), sealed
    /// under audit keys the new one does not hold, so `audit` would call every one of
    /// them tampered. Kept, never deleted: the events happened. None when there is none.
    pub(in crate::vault) fn set_journal_aside(
        &self,
        env: &EnvName,
        now: i64,
    ) -> Result<Option<PathBuf>> {
        let from = self.journal(env);
        if !from.exists() {
            return Ok(None);
        }
        // Never over an earlier one (two set aside at one clock reading: a clock stuck).
        let dir = self.journal_dir();
        let to = (1..)
            .map(|n| match n {
                1 => dir.join(format!("{env}.aside-{now}.db")),
                n => dir.join(format!("{env}.aside-{now}-{n}.db")),
            })
            .find(|p| fs::symlink_metadata(p).is_err())
            .expect("a free name");
        self.move_journal(&from, &to)?;
        Ok(Some(to))
    }

    /// When this machine last recorded an access to `env` (its journal's last row),
    /// if it has a journal: the clock must not be behind it (`journal::CLOCK_SKEW`).
    pub fn last_access_time(
        &self,
        env: &EnvName,
        keys: &crate::vault::keyring::AuditKeys,
    ) -> Result<Option<i64>> {
        let Some(journal) = crate::vault::journal::Journal::open_existing(self, env)? else {
            return Ok(None);
        };
        Ok(journal.sealed_head_at(keys)?.map(|(_, _, time)| time))
    }

    /// This machine's last recorded access to `env`, when the clock at `now` is behind
    /// it by more than `journal::CLOCK_SKEW` (`check`'s finding; a refusal elsewhere).
    pub fn clock_behind(
        &self,
        env: &EnvName,
        keys: &crate::vault::keyring::AuditKeys,
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(self
            .last_access_time(env, keys)?
            .filter(|last| crate::vault::journal::clock_is_behind(now, *last)))
    }

    /// Refuse a clock behind this machine's last recorded access to `env`
    /// ([`VaultPaths::clock_behind`]), as every journaled access would: for work that
    /// must not begin (a key made, a window judged) before that refusal.
    pub fn require_clock(
        &self,
        env: &EnvName,
        keys: &crate::vault::keyring::AuditKeys,
        now: i64,
    ) -> Result<()> {
        match self.clock_behind(env, keys, now)? {
            Some(last) => Err(crate::error::ClockError::behind(env, now, last).into()),
            None => Ok(()),
        }
    }

    /// `trust --clock`: accept this machine's clock when its journal's last access is
    /// ahead of `now` by more than `journal::CLOCK_SKEW` (the clock was ahead when it was
    /// recorded, and has been set right). The journal is set aside, kept (its rows stay
    /// verifiable there), and this machine's record of it restarts, so the next access
    /// starts a new one. The last access and where the journal went, if it was ahead.
    pub fn accept_clock(
        &self,
        env: &EnvName,
        keys: &crate::vault::keyring::AuditKeys,
        now: i64,
    ) -> Result<Option<(i64, PathBuf)>> {
        let Some(last) = self.clock_behind(env, keys, now)? else {
            return Ok(None);
        };
        let Some(pins) = &self.pins else {
            return Ok(None);
        };
        let _lock = pins.lock(env)?;
        let Some(to) = self.set_journal_aside(env, now)? else {
            return Ok(None);
        };
        pins.restart_journal(env)?;
        // The pin's own copy of the old journal's head (for builds before the record)
        // is the old journal's; every row of the new one is sealed with the key in
        // force now (or a newer one): its floor from row 0.
        if let Some(mut pin) = pins.load(env)? {
            pin.journal = None;
            pin.journal_gap = None;
            pin.journal_floor = Some((0, pin.ring.len()));
            pins.store(env, &pin)?;
        }
        Ok(Some((last, to)))
    }

    /// Accept that `env` is gone (`trust`): what this machine kept of it is set aside
    /// with `note` (see [`PinDir::forget`]), and its access journal too. Returns both
    /// places.
    pub fn forget_env(&self, env: &EnvName, note: &[u8]) -> Result<(PathBuf, Option<PathBuf>)> {
        let Some(pins) = &self.pins else {
            return Err(Error::EnvNotFound { env: env.clone() });
        };
        let kept = pins.forget(env, note)?;
        let journal = self.set_journal_aside(env, pins.now)?;
        Ok((kept, journal))
    }

    /// Why `env` cannot be opened when its file is not there: gone, if this machine
    /// pinned it (exit 6), else not found (exit 3). A pin that cannot be read is that
    /// error (fail closed).
    pub fn missing_env(&self, env: &EnvName) -> Error {
        let pin = match self.pins.as_ref().map(|p| p.load(env)) {
            Some(Ok(Some(pin))) => pin,
            Some(Err(e)) => return e,
            _ => return Error::EnvNotFound { env: env.clone() },
        };
        TeamError::EnvGone {
            env: env.clone(),
            path: std::path::absolute(self.env_file(env)).unwrap_or_else(|_| self.env_file(env)),
            seq: pin.seq,
            time: pin.time,
            hash: pin.hash,
            in_git: in_git_work_tree(&self.root),
        }
        .into()
    }

    /// Refuse (`VaultGone`, exit 6) when this machine pinned environments of the vault at
    /// this path: called where there is no vault (`require`, and `init` before it makes
    /// one), so that neither "no vault" nor a new vault passes over a removal unsaid. A
    /// pin directory that cannot be listed is that error (fail closed).
    pub fn require_not_seen(&self) -> Result<()> {
        let Some(pins) = &self.pins else {
            return Ok(());
        };
        let seen = pins.pinned_envs()?;
        if seen.is_empty() {
            return Ok(());
        }
        Err(TeamError::VaultGone {
            root: std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone()),
            envs: seen
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", "),
            pins: pins.dir.clone(),
            in_git: in_git_work_tree(&self.root),
        }
        .into())
    }

    /// The environments this machine pinned whose files are not there, each with its
    /// `EnvGone` error.
    pub fn gone_envs(&self) -> Result<Vec<(EnvName, Error)>> {
        let Some(pins) = &self.pins else {
            return Ok(Vec::new());
        };
        let present = self.env_names()?;
        let mut out = Vec::new();
        for env in pins.pinned_envs()? {
            if present.contains(&env) {
                continue;
            }
            match self.missing_env(&env) {
                e @ Error::Team(TeamError::EnvGone { .. }) => out.push((env, e)),
                Error::EnvNotFound { .. } => {}
                e => return Err(e),
            }
        }
        Ok(out)
    }
}
