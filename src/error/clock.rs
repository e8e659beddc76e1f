//! Errors of the system clock, a group of [`Error`](super::Error) (each with its exit
//! code). Expiries and grace periods are judged against the clock (DESIGN §4): a clock
//! that is plainly wrong is refused rather than trusted.

use crate::names::EnvName;

#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error(
        "the system clock is before 1970: expiries and grace periods cannot be judged\nhint: set the clock right (NTP), then run the command again"
    )]
    BeforeEpoch,
    /// The clock went back past this machine's own last recorded access: a snapshot
    /// restored, a device without a real-time clock, a time source steered by someone.
    /// Expired keys would come back, so nothing is released.
    #[error(
        "the system clock ({now}) is behind this machine's last recorded access to `{env}` ({last}): expiries and grace periods cannot be judged, so nothing was released or recorded\nhint: set the clock right (NTP); if the time recorded then was the wrong one (the clock was ahead), `keyward trust -e {env} --clock --reason TEXT` accepts this clock: the access journal is set aside (kept) and a new one starts"
    )]
    Behind {
        env: EnvName,
        now: String,
        last: String,
    },
}

impl ClockError {
    /// The clock at `now` is behind this machine's last recorded access to `env`, at
    /// `last`.
    pub fn behind(env: &EnvName, now: i64, last: i64) -> ClockError {
        ClockError::Behind {
            env: env.clone(),
            now: crate::names::fmt_time(now),
            last: crate::names::fmt_time(last),
        }
    }

    /// This group's part of the one mapping from errors to exit codes (DESIGN §6).
    pub fn exit_code(&self) -> u8 {
        1
    }
}
