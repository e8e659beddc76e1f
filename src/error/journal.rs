//! Errors of the access journal (DESIGN §5, §8), a group of [`Error`](super::Error)
//! (each with its exit code). The journal is this machine's state, beside its pins: each
//! hint says where, and what removing a file would give up.

use std::path::PathBuf;

use crate::names::EnvName;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// DESIGN §8: the access journal lost events this machine saw.
    #[error(
        "the access journal of `{env}` has lost events: event {seen_seq} was seen here and is gone (the journal was deleted or cut back)\nhint: restore this machine's journal of `{env}` (`{env}.db` in `journal/` beside its pins, under `$XDG_STATE_HOME/keyward/pins/`) from a backup; to accept the loss after review, `keyward trust -e {env} --reason TEXT`"
    )]
    Gap { env: EnvName, seen_seq: i64 },
    #[error("the access journal `{}` of `{env}` is not this machine's: it holds events this machine never recorded (copied into this machine's state directory from elsewhere, or put back from a backup after the state directory was lost); it is not adopted\nhint: move it away (`mv {} {}.foreign`, and its -wal/-shm): the next access starts this machine's own journal; if it is this machine's own and its state was lost, `keyward trust -e {env} --reason TEXT` adopts it", path.display(), path.display(), path.display())]
    Foreign { env: EnvName, path: PathBuf },
    /// DESIGN §8: this machine's record of the journal's head does not read (the JSON pin
    /// holds a copy as of its last write: removing the record loses what was read since).
    #[error(
        "the journal record `{}` is corrupt: {detail}; it is not reset silently\nhint: it is this machine's note of where the access journal of `{env}` ended when last read. Removing it falls back to the pin's copy, as of this machine's last write to `{env}` (a gap found since is kept there too): reads since that write are then no longer checked. To accept that, remove it and run `keyward audit verify -e {env}`", path.display()
    )]
    RecordCorrupt {
        env: EnvName,
        path: PathBuf,
        detail: String,
    },
    /// A log lying without its database (a move into the state directory cut short by an
    /// earlier build): its rows are events, which SQLite would discard under a new database.
    #[error("the access journal's log `{}` lies without its database `{}` (a move cut short?); it is not discarded, and nothing was read\nhint: if the database is elsewhere, put it back beside the log; otherwise keep the log as evidence (`mv {} {}.orphan`) and accept the lost events after review: `keyward trust -e {env} --reason TEXT`", log.display(), db.display(), log.display(), log.display())]
    LogAlone {
        env: EnvName,
        log: PathBuf,
        db: PathBuf,
    },
    /// An earlier release's journal being taken over whose log another process holds.
    #[error("the access journal `{}` is in use by another process (an earlier release of keyward still running?): it is moved beside this machine's pins once nothing holds it\nhint: let the other process end, then retry", path.display())]
    Busy { path: PathBuf },
}

impl JournalError {
    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        match self {
            JournalError::Gap { .. }
            | JournalError::Foreign { .. }
            | JournalError::RecordCorrupt { .. }
            | JournalError::LogAlone { .. } => 6,
            JournalError::Busy { .. } => 7,
        }
    }
}
