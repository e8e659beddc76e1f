//! `run`'s child: spawned with exactly the environment it is given, and every signal
//! that would end keyward, sent to keyward alone (a CI runner's SIGTERM, `timeout -s`,
//! `kill`), passed on to it, so keyward outlives it and removes the `--file` keys.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicI32, Ordering};

use super::ChildEnv;

/// The signals `run` forwards to its child: every signal whose default action ends a
/// process and that can be caught, so that no `kill -SIG` (`timeout -s PWR`, a
/// supervisor's SIGVTALRM, a CPU limit's SIGXCPU) ends keyward without removing the
/// `--file` keys. keyward ends when its child does, as a wrapper should. SIGPIPE is
/// left out: keyward ignores it (a closed reader is an error of the write).
///
/// The faults a program's own code raises ([`FAULTS`], forwarded too) are forwarded only
/// when another process sent them; keyward's own take their default action.
const TERMINATING: &[libc::c_int] = &[
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGIO,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    libc::SIGPWR,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    libc::SIGSTKFLT,
];

/// The signals an instruction of this process raises (a bad address, `abort()`, a
/// seccomp refusal). One the kernel sent for a fault of keyward's own (or `abort()`
/// raised) must end keyward as it would have: a handler that returned would run the
/// faulting instruction again, forever. The handler puts the default action back, and
/// the fault happens again and ends the process (without a core: RLIMIT_CORE is 0).
const FAULTS: &[libc::c_int] = &[
    libc::SIGTRAP,
    libc::SIGSYS,
    libc::SIGABRT,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
];

/// Every signal forwarded: [`TERMINATING`], [`FAULTS`], and the real-time signals (their default
/// action ends a process too) that the C library leaves to programs.
fn forwarded() -> impl Iterator<Item = libc::c_int> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let realtime = libc::SIGRTMIN()..=libc::SIGRTMAX();
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let realtime = 1..=0;
    TERMINATING.iter().chain(FAULTS).copied().chain(realtime)
}

/// The child's pid, for the signal handlers (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler; getpid is
    // async-signal-safe.
    let (code, by_us) = unsafe { ((*info).si_code, (*info).si_pid() == libc::getpid()) };
    // Sent by a process (kill, sigqueue, tkill), not by the kernel for an event: a
    // Ctrl-C on the terminal already reached the child (same process group), a fault
    // or a timer of keyward's is its own.
    let sent = code == libc::SI_USER || code == libc::SI_QUEUE || code == libc::SI_TKILL;
    let from_another = sent && !by_us;
    if FAULTS.contains(&sig) && !from_another {
        // SAFETY: signal is async-signal-safe; the default action comes back for the
        // fault to end keyward when it happens again (`abort()` raises it again itself).
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
        return;
    }
    // A write past `ulimit -f` is keyward's own (an EFBIG error: `harden_process`).
    if sig == libc::SIGXFSZ && by_us {
        return;
    }
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 && sent {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// A signal mask saved by [`block_forwarded`], to restore after the spawn.
#[derive(Clone, Copy)]
pub struct SavedMask(libc::sigset_t);

fn forwarded_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset reads it; both only
    // write the local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in forwarded() {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

/// Block the forwarded signals on this (the only) thread until the child's pid is
/// recorded: a SIGTERM that arrives in between stays pending and reaches the child when
/// the mask is restored, instead of hitting a handler with no child to forward to.
pub fn block_forwarded() -> SavedMask {
    let set = forwarded_set();
    // SAFETY: both sets are valid; pthread_sigmask only changes this thread's mask.
    unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        SavedMask(old)
    }
}

/// Restore the mask [`block_forwarded`] saved: pending signals are delivered now.
pub fn restore_mask(old: &SavedMask) {
    // SAFETY: `old` came from pthread_sigmask.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old.0, std::ptr::null_mut());
    }
}

fn install_forwarding() {
    for sig in forwarded() {
        // SAFETY: a zeroed sigaction with our handler and SA_SIGINFO is valid.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = forward as *const () as usize;
            // SA_ONSTACK: on the alternate stack std sets up, where a stack overflow of
            // keyward still finds room to run the handler.
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// In the forked child, before exec: take the default action for the forwarded signals
/// again (our handler would find no child there and swallow them), ask for SIGTERM when
/// keyward dies, and only then unblock what keyward blocked across the spawn, so a
/// pending signal acts on the child.
fn prepare_child(parent: libc::pid_t, old_mask: libc::sigset_t) -> io::Result<()> {
    // SAFETY: signal, prctl, getppid, kill, getpid and sigprocmask are
    // async-signal-safe, as a pre_exec hook requires; they affect only this process.
    unsafe {
        for sig in forwarded() {
            libc::signal(sig, libc::SIG_DFL);
        }
        #[cfg(target_os = "linux")]
        {
            // Linux: if keyward itself is killed (SIGKILL), the child gets SIGTERM.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            // keyward may have died before the prctl took effect: then no signal comes
            // (we were re-parented already), so send it ourselves.
            if libc::getppid() != parent {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = parent;
        libc::sigprocmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut());
    }
    Ok(())
}

unsafe extern "C" {
    /// The process's environment, which `execvp` hands to the new program.
    static mut environ: *const *const libc::c_char;
}

/// Spawn `cmd` with exactly the environment `env` so that SIGINT, SIGTERM and SIGHUP sent
/// to keyward alone reach the child, none is lost between fork and the pid being known,
/// and (Linux) the child gets SIGTERM if keyward dies. Call [`stop_forwarding`] once the
/// child has been waited for.
///
/// `cmd` is taken, not borrowed: its exec hook points at a block freed on return, so the
/// command must never be spawned again. It must carry no environment of its own
/// (`env`, `env_remove`, `env_clear`): std would replace `environ` after the hook.
pub fn spawn_forwarding_signals(mut cmd: Command, env: &ChildEnv<'_>) -> io::Result<Child> {
    if cmd.get_envs().len() != 0 {
        return Err(io::Error::other(
            "the command's environment must come from ChildEnv (a bug in keyward)",
        ));
    }
    let parent = std::process::id() as libc::pid_t;
    let block = env.block()?;
    // Sent to the forked child as an address: its copy of this process's memory holds
    // the block at the same place until it execs.
    let envp = block.envp() as usize;
    let old_mask = block_forwarded();
    let child_mask = old_mask.0;
    // SAFETY: prepare_child makes only async-signal-safe calls, and the store to
    // `environ` is a plain pointer write in the single-threaded child, after which std
    // calls `execvp` (it leaves `environ` alone when the command sets no variable).
    unsafe {
        cmd.pre_exec(move || {
            prepare_child(parent, child_mask)?;
            environ = envp as *const *const libc::c_char;
            Ok(())
        });
    }
    install_forwarding();
    let spawned = cmd.spawn();
    // The hook cannot run again (the command goes with this call); the parent's copy
    // of every value is wiped here, the child having its own.
    drop(cmd);
    drop(block);
    if let Ok(child) = &spawned {
        CHILD.store(child.id() as i32, Ordering::SeqCst);
    }
    // A signal that arrived meanwhile is delivered now, to the child if there is one.
    restore_mask(&old_mask);
    spawned
}

/// The child is gone: signals are no longer forwarded to its (reusable) pid.
pub fn stop_forwarding() {
    CHILD.store(0, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sigterm_sent_to_us_alone_reaches_the_child() {
        use std::os::unix::process::ExitStatusExt;
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let mut child = spawn_forwarding_signals(cmd, &ChildEnv::inherited(|_| false)).unwrap();
        // As `kill <keyward pid>` would: SI_USER, so the handler forwards it.
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TERM)
            .unwrap();
        let status = child.wait().unwrap();
        stop_forwarding();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    }

    #[test]
    fn forwarded_signals_are_blocked_then_restored() {
        let is_blocked = || {
            // SAFETY (test): reads this thread's mask into a local set.
            let mut cur: libc::sigset_t = unsafe { std::mem::zeroed() };
            unsafe {
                libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut cur);
                libc::sigismember(&cur, libc::SIGTERM) == 1
            }
        };
        assert!(!is_blocked());
        let old = block_forwarded();
        assert!(is_blocked());
        restore_mask(&old);
        assert!(!is_blocked());
    }

    /// A fault of keyward's own (not a `kill -SEGV`) must still end it: a handler that
    /// returned would run the faulting instruction again, forever.
    #[test]
    fn a_fault_of_keyward_itself_still_ends_it_rather_than_looping() {
        for (expected, fault) in [(libc::SIGSEGV, 0), (libc::SIGABRT, 1)] {
            // SAFETY (test): the forked child makes only async-signal-safe calls
            // (sigaction, a read of an unmapped address, abort, _exit) before it ends.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                install_forwarding();
                // SAFETY (test): address 1 is never mapped: the read faults (SIGSEGV).
                unsafe {
                    match fault {
                        0 => {
                            std::ptr::read_volatile(std::ptr::dangling::<u8>());
                        }
                        _ => libc::abort(),
                    }
                    libc::_exit(0);
                }
            }
            assert!(pid > 0);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut status = 0;
            // SAFETY (test): waits for the child this test forked.
            while unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == 0 {
                if std::time::Instant::now() > deadline {
                    // SAFETY (test): the child this test forked, looping on its fault.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    panic!("signal {expected}: the fault looped instead of ending the process");
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            assert!(libc::WIFSIGNALED(status), "{status:#x}");
            assert_eq!(libc::WTERMSIG(status), expected);
        }
    }
}
