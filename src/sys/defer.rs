//! Termination held back across a commit, so that the exit code says whether a write
//! happened: a SIGINT, SIGTERM or SIGHUP that arrives before the commit point cancels the
//! write (the temp file is removed, then the signal acts: exit 128+N, nothing changed);
//! one that arrives after it waits until the command has finished (its output and exit
//! code say what it did). `kill -9` still ends keyward at once, and leaves the old or the
//! new state (DESIGN §1.6). A rotation hook, once started, is finished the same way: the
//! provider may have rolled the key, so the value the hook prints is stored.

use std::sync::atomic::{AtomicBool, Ordering};

/// The signals held back: those a terminal, a CI runner's timeout or a closed session
/// send to end a command.
const TERMINATING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Set when a commit passed its commit point, or a rotation hook started: from then on
/// the command finishes, every commit included.
static FINISHING: AtomicBool = AtomicBool::new(false);

/// Termination held back on this thread (and on the threads it starts) until dropped,
/// when the mask before it is restored and a pending signal acts.
pub struct Deferred {
    old: libc::sigset_t,
}

/// Hold back SIGINT, SIGTERM and SIGHUP from now on; see [`Deferred`].
pub fn defer_termination() -> Deferred {
    // SAFETY: sigemptyset initialises the set before sigaddset and pthread_sigmask read
    // it; pthread_sigmask only changes this thread's mask and writes the old one into a
    // valid local.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in TERMINATING {
            libc::sigaddset(&mut set, sig);
        }
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        Deferred { old }
    }
}

/// Hold back termination until the process exits, and let every later commit through:
/// what starts now (a rotation hook, which may roll a key at its provider) must have its
/// result stored.
pub fn finish_what_starts_now() {
    defer_termination().until_exit();
}

/// The terminating signal held back and pending, if any, even while finishing: a reason
/// not to start a further rotation hook.
pub fn stop_asked() -> Option<libc::c_int> {
    let set = pending_set()?;
    TERMINATING
        .into_iter()
        // SAFETY: sigismember only reads a set sigpending filled.
        .find(|&sig| unsafe { libc::sigismember(&set, sig) } == 1)
}

/// The signals pending for this thread or the process.
fn pending_set() -> Option<libc::sigset_t> {
    // SAFETY: sigpending writes the pending set into a valid, initialised local.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        (libc::sigpending(&mut set) == 0).then_some(set)
    }
}

impl Deferred {
    /// The terminating signal that arrived while held back and would act when this is
    /// dropped, if any. None once an earlier commit of this command passed its commit
    /// point (the command finishes), and none for a signal the caller had blocked
    /// already (it never acted on keyward).
    pub fn pending(&self) -> Option<libc::c_int> {
        if FINISHING.load(Ordering::SeqCst) {
            return None;
        }
        let set = pending_set()?;
        TERMINATING.into_iter().find(|&sig| {
            // SAFETY: sigismember only reads two initialised sets.
            unsafe { libc::sigismember(&set, sig) == 1 && libc::sigismember(&self.old, sig) == 0 }
        })
    }

    /// Keep termination held back until the process exits: the commit point has passed,
    /// so the command finishes and reports what it did. Its children start with an empty
    /// mask (the standard library resets it in every child).
    pub fn until_exit(self) {
        FINISHING.store(true, Ordering::SeqCst);
        std::mem::forget(self);
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        // SAFETY: `old` came from pthread_sigmask.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_sent_while_held_back_is_pending_and_not_delivered() {
        let held = defer_termination();
        assert_eq!(held.pending(), None);
        // SAFETY: raise on this thread; SIGHUP is held back here, so it only pends.
        unsafe {
            libc::pthread_kill(libc::pthread_self(), libc::SIGHUP);
        }
        assert_eq!(held.pending(), Some(libc::SIGHUP));
        // Not dropped: the test process would take the signal. Clear it instead.
        // SAFETY: sigwait takes the pending signal from a valid set.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGHUP);
            let mut got = 0;
            libc::sigwait(&set, &mut got);
            assert_eq!(got, libc::SIGHUP);
        }
        assert_eq!(held.pending(), None);
        drop(held);
    }
}
