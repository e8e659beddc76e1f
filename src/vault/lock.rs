//! The writer lock: an exclusive `flock` on `envs/<env>.lock`, taken before the read
//! of a read-modify-write and held through the rename (DESIGN §2). Readers take none:
//! they see the old or the new file, never a half-written one.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::names::{Dur, EnvName};

/// Held while an environment is being rewritten; released on drop.
#[derive(Debug)]
pub struct EnvLock {
    _file: File,
}

/// How long a writer waits for the lock: `KEYWARD_LOCK_TIMEOUT` (seconds or a duration
/// like `30s`; `0` means try once), default 10 s.
pub fn lock_timeout() -> Result<Duration> {
    match std::env::var("KEYWARD_LOCK_TIMEOUT") {
        Err(_) => Ok(Duration::from_secs(10)),
        Ok(v) if v.trim().is_empty() => Ok(Duration::from_secs(10)),
        Ok(v) => {
            if let Ok(secs) = v.trim().parse::<u64>() {
                return Ok(Duration::from_secs(secs));
            }
            v.trim()
                .parse::<Dur>()
                .map(|d| Duration::from_secs(d.secs as u64))
                .map_err(|e| Error::usage(format!("KEYWARD_LOCK_TIMEOUT: {e}")))
        }
    }
}

pub fn lock_env(path: &Path, env: &EnvName) -> Result<EnvLock> {
    let timeout = lock_timeout()?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(crate::sys::O_NOFOLLOW)
        .open(path)
        .map_err(|e| crate::fsutil::nofollow_error("cannot open lock file", path, e))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(EnvLock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() >= timeout {
                    return Err(Error::Busy {
                        env: env.clone(),
                        secs: timeout.as_secs(),
                    });
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("cannot lock", path, e)),
        }
    }
}
