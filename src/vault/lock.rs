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

/// The longest `KEYWARD_LOCK_TIMEOUT` accepted: 24 days. The same wait bounds SQLite's
/// busy handler on the access journal, which counts milliseconds in an `i32` (a little
/// under 25 days); a longer wait made every command that opens the journal panic.
const MAX_LOCK_WAIT: Duration = Duration::from_secs(24 * 86_400);

/// How long a writer waits for the lock, and a journal for its database:
/// `KEYWARD_LOCK_TIMEOUT` (seconds or a duration like `30s`, at most 24 days; `0` means
/// try once), default 10 s. Parsed here only, for both. Only an unset variable is the
/// default: one that is not UTF-8 (a stray byte from a template) is a usage error, as
/// any other malformed value, never read as unset.
pub fn lock_timeout() -> Result<Duration> {
    let bad = |why: String| Error::usage(format!("KEYWARD_LOCK_TIMEOUT: {why}"));
    let v = match std::env::var("KEYWARD_LOCK_TIMEOUT") {
        Err(std::env::VarError::NotPresent) => return Ok(Duration::from_secs(10)),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(bad(
                "not valid UTF-8 (a number of seconds, or a duration like `30s`)".into(),
            ));
        }
        Ok(v) => v,
    };
    let v = v.trim();
    if v.is_empty() {
        return Ok(Duration::from_secs(10));
    }
    let wait = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => v
            .parse::<Dur>()
            .map(|d| Duration::from_secs(d.secs.max(0) as u64))
            .map_err(|e| bad(e.to_string()))?,
    };
    if wait > MAX_LOCK_WAIT {
        return Err(bad(format!(
            "`{v}` is longer than the longest wait, 24d ({} seconds)",
            MAX_LOCK_WAIT.as_secs()
        )));
    }
    Ok(wait)
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
