//! Every system call keyward makes directly (rustix, signal-hook, libc), behind safe
//! wrappers. The only `unsafe` in the crate is here, each block with its `// SAFETY:`.
//!
//! Owns process hardening, signal handling and forwarding, the fork-to-exec hooks,
//! page locking, the agent's socket primitives and the `O_NOFOLLOW` opening rule. It
//! holds no policy: callers decide what a refusal means and what to tell the user.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
mod agent_proc;
mod both;
mod child_env;
mod defer;
mod forward;
mod room;
mod stdio;
mod swap;
mod unnamed;
mod watch;
mod withheld;
pub use agent_proc::{is_agent_for, peer_pid, process_running, terminate};
pub use both::{Pipe, both};
pub use child_env::ChildEnv;
pub use defer::{defer_termination, finish_what_starts_now, stop_asked};
pub use forward::{spawn_forwarding_signals, stop_forwarding};
pub use room::reserve;
pub use stdio::{stdin_was_closed, stdout_columns, stdout_was_closed};
pub use swap::{rename_new, swap};
pub use unnamed::{name_unnamed, unnamed_file};
#[allow(unused_imports)]
pub use watch::*;
pub use withheld::{var_os, withhold_credentials};

// ---------------------------------------------------------------- the process

/// Keep plaintext out of core dumps and away from same-uid debuggers (DESIGN §2).
/// SQLite frees its own buffers without zeroing them, so this is the backstop.
///
/// Also turns SIGXFSZ (a write past `ulimit -f`) from "kill the process" into an EFBIG
/// error, so a full quota takes the normal error path: exit 1, temp file removed. A
/// handler rather than SIG_IGN: handlers reset to the default on exec, so the children
/// of `run` see the signal exactly as they would without keyward.
///
/// A protection the system refuses is not fatal (the command's other checks still hold);
/// each refusal comes back as one line for the caller to print as a warning.
pub fn harden_process() -> Vec<String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let mut refused = Vec::new();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        refused.push(format!("cannot disable core dumps (RLIMIT_CORE): {e}"));
    }
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        refused.push(format!(
            "cannot make the process non-dumpable (PR_SET_DUMPABLE): {e}"
        ));
    }
    let ignored = Arc::new(AtomicBool::new(false));
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, ignored) {
        refused.push(format!("cannot catch SIGXFSZ: {e}"));
    }
    refused
}

/// The real user id of this process.
/// Which directory sits at `path`: its device, inode and birth time (statx), so a
/// directory removed and made again at the same path (which often reuses the inode
/// number) is told apart. `None` where the file system keeps no birth time.
pub fn dir_identity(path: &std::path::Path) -> Option<String> {
    use rustix::fs::{AtFlags, CWD, StatxFlags, statx};
    let st = statx(
        CWD,
        path,
        AtFlags::empty(),
        StatxFlags::BTIME | StatxFlags::INO,
    )
    .ok()?;
    if st.stx_mask & StatxFlags::BTIME.bits() == 0 {
        return None;
    }
    Some(format!(
        "{}:{}:{}:{}.{:09}",
        st.stx_dev_major, st.stx_dev_minor, st.stx_ino, st.stx_btime.tv_sec, st.stx_btime.tv_nsec
    ))
}

/// This machine's host name (for the actor of an event).
pub fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

pub fn getuid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// Set `stop` when SIGTERM, SIGINT or SIGHUP arrives (the agent's way to end cleanly).
pub fn stop_on_termination(stop: &Arc<AtomicBool>) -> io::Result<()> {
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(stop))
            .map_err(|e| io::Error::new(e.kind(), format!("cannot handle signal {sig}: {e}")))?;
    }
    Ok(())
}

/// Lock the pages holding `value` in RAM so they never reach swap. Only these pages:
/// `mlockall(MCL_FUTURE)` made every later allocation count against RLIMIT_MEMLOCK, so
/// a small limit turned into failed allocations.
pub fn lock_in_memory<T: ?Sized>(value: &T) -> io::Result<()> {
    let len = std::mem::size_of_val(value);
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the range is exactly `value`'s own memory, borrowed for the call, so it is
    // mapped; mlock only pins its pages and neither reads nor writes them. Callers pass
    // heap buffers that stay allocated, unmoved, until the process ends.
    unsafe { rustix::mm::mlock((value as *const T).cast_mut().cast(), len) }.map_err(Into::into)
}

/// Read from stdin straight into `buf` until end of input or `buf` is full, with no
/// buffering layer (std's stdin buffer would keep a copy nothing zeroizes).
pub fn read_stdin_unbuffered(buf: &mut [u8]) -> io::Result<usize> {
    read_unbuffered(io::stdin().as_fd(), buf)
}

fn read_unbuffered(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match rustix::io::read(&fd, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// How long the machine has been suspended since it booted, in ms: `CLOCK_BOOTTIME`
/// counts suspended time and `CLOCK_MONOTONIC` does not, so a growth of the difference
/// is the kernel saying the machine slept. `None` where the platform has no such clock.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn suspended_ms() -> Option<i64> {
    use rustix::time::{ClockId, Timespec, clock_gettime};
    // `tv_nsec` is a C long: i64 here, i32 on 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    let ms = |t: Timespec| t.tv_sec.saturating_mul(1000) + t.tv_nsec as i64 / 1_000_000;
    Some(ms(clock_gettime(ClockId::Boottime)) - ms(clock_gettime(ClockId::Monotonic)))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn suspended_ms() -> Option<i64> {
    None
}

/// Run `f` with the process umask set to `mask` (0o177: a socket created 0600, with no
/// window where another user could connect), restoring the old mask after.
pub fn with_umask<R>(mask: u32, f: impl FnOnce() -> R) -> R {
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(mask));
    let r = f();
    rustix::process::umask(old);
    r
}

/// The uid of the process at the other end of a Unix socket (`SO_PEERCRED`).
pub fn peer_uid(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream)
        .ok()
        .map(|cred| cred.uid.as_raw())
}

/// Wait up to `timeout` for `fd` to be readable. `false` on timeout or EINTR: the caller
/// re-checks its stop flag and deadline.
pub fn wait_readable(fd: &impl AsFd, timeout: Duration) -> bool {
    let mut pfd = [rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN)];
    let timeout = rustix::event::Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    matches!(rustix::event::poll(&mut pfd, Some(&timeout)), Ok(n) if n > 0)
}

/// Make the child `cmd` starts a session leader (`setsid` between fork and exec), so it
/// is detached from the terminal's session and its signals.
pub fn new_session_on_exec(cmd: &mut Command) {
    // SAFETY: the closure runs between fork and exec, where only async-signal-safe calls
    // are allowed: it makes one setsid system call (rustix, no allocation, no lock).
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            Ok(())
        });
    }
}

// ---------------------------------------------------------------- files

/// Open without following a symlink at the last component, for a builder chain's
/// `custom_flags` (std adds `O_CLOEXEC` itself). A symlink there fails with ELOOP: see
/// [`is_symlink_refusal`].
pub const O_NOFOLLOW: i32 = libc::O_NOFOLLOW;

/// Opening a FIFO (or a device) with this never waits for the other end: a file that
/// should be a regular one is refused after `fstat`, not hung on.
pub const O_NONBLOCK: i32 = libc::O_NONBLOCK;

/// Whether an error from an [`O_NOFOLLOW`] open means the path was a symlink.
pub fn is_symlink_refusal(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

/// What [`require_regular`] answers for a directory, a FIFO, a socket or a device.
#[derive(Debug)]
struct NotRegular;

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a regular file")
    }
}

impl std::error::Error for NotRegular {}

/// `file`, if it is a regular file (by `fstat` of the open file, not of its path): a
/// vault's files are, and a directory, FIFO or device in their place is someone
/// else's doing. See [`is_not_regular`].
pub fn require_regular(file: std::fs::File) -> io::Result<std::fs::File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(io::Error::other(NotRegular))
    }
}

/// Whether an error is [`require_regular`]'s refusal, or an open's own answer for what
/// is not a regular file: a directory opened for writing (EISDIR), a FIFO with no
/// reader or a device with none behind it opened with [`O_NONBLOCK`] (ENXIO).
pub fn is_not_regular(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<NotRegular>())
        || matches!(e.raw_os_error(), Some(libc::EISDIR | libc::ENXIO))
}

// ---------------------------------------------------------------- keys as files

/// Whether the file system holding `path` keeps its files in memory only (tmpfs or
/// ramfs), so a key written there never reaches a disk. `statfs(2)`'s magic number is
/// the only reliable answer: a mount point's name says nothing.
#[cfg(target_os = "linux")]
pub fn is_memory_backed(path: &std::path::Path) -> io::Result<bool> {
    // linux/magic.h; libc has no RAMFS_MAGIC.
    const RAMFS_MAGIC: i64 = 0x8584_58f6;
    let st = rustix::fs::statfs(path)?;
    let magic = st.f_type as i64;
    // `c_long` is i32 on 32-bit targets: the cast is needed there.
    #[allow(clippy::unnecessary_cast)]
    let tmpfs = libc::TMPFS_MAGIC as i64;
    Ok(magic == tmpfs || magic == RAMFS_MAGIC)
}

/// Elsewhere there is no portable answer: treat it as a disk (refused without
/// `--allow-disk`).
#[cfg(not(target_os = "linux"))]
pub fn is_memory_backed(_path: &std::path::Path) -> io::Result<bool> {
    Ok(false)
}

/// This process's id and start time (clock ticks since boot, from `/proc/self/stat`),
/// which together name a process even after its pid is reused.
pub fn process_identity() -> (u32, u64) {
    let pid = std::process::id();
    (pid, process_start(pid).unwrap_or(0))
}

/// Whether the process `pid` that started at `start` (0: unknown) still runs. A pid that
/// exists with another start time is another process that reused it: gone.
pub fn process_alive(pid: u32, start: u64) -> bool {
    let Some(pid_t) = rustix::process::Pid::from_raw(pid as i32) else {
        return false;
    };
    match rustix::process::test_kill_process(pid_t) {
        // EPERM: it exists, as another user's process (so not ours: a reused pid).
        Err(rustix::io::Errno::SRCH) => return false,
        Err(rustix::io::Errno::PERM) => return false,
        _ => {}
    }
    match process_start(pid) {
        Some(s) => start == 0 || s == start,
        // No /proc (not Linux): the pid alone answers.
        None => !std::path::Path::new("/proc/self/stat").exists(),
    }
}

/// Field 22 of `/proc/PID/stat`, the start time. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its last `)`.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    // rest: " S ppid ..." — field 3 is the first; start time is field 22.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Send SIGKILL to the process group `pgid` (a rotation hook started as a session
/// leader with [`new_session_on_exec`], and whatever it started: `curl`, a subshell).
/// A group that is already gone is not an error.
pub fn kill_group(pgid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;
    use std::os::unix::fs::OpenOptionsExt;

    #[test]
    fn hardened_process_is_not_dumpable_and_has_no_core_limit() {
        assert_eq!(harden_process(), Vec::<String>::new());
        let lim = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((lim.current, lim.maximum), (Some(0), Some(0)));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }

    #[test]
    fn getuid_is_the_owner_of_files_we_create() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(std::fs::metadata(dir.path()).unwrap().uid(), getuid());
    }

    #[test]
    fn no_follow_refuses_a_symlink_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let nofollow = || {
            let mut o = OpenOptions::new();
            o.read(true).custom_flags(O_NOFOLLOW);
            o
        };
        let err = nofollow().open(&link).unwrap_err();
        assert!(is_symlink_refusal(&err), "{err}");
        assert!(nofollow().open(&target).is_ok());
        let missing = OpenOptions::new().read(true).open(dir.path().join("nope"));
        assert!(!is_symlink_refusal(&missing.unwrap_err()));
    }

    #[test]
    fn unbuffered_read_takes_everything_up_to_the_end_or_the_buffer_end() {
        let (mut w, r) = UnixStream::pair().unwrap();
        io::Write::write_all(&mut w, b"key\nrest\0more").unwrap();
        drop(w);
        let mut buf = [0u8; 64];
        let n = read_unbuffered(&r, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"key\nrest\0more");
        let (mut w, r) = UnixStream::pair().unwrap();
        io::Write::write_all(&mut w, b"abc").unwrap();
        let mut small = [0u8; 2];
        assert_eq!(read_unbuffered(&r, &mut small).unwrap(), 2);
    }

    #[test]
    fn a_socket_peer_of_ours_has_our_uid() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_eq!(peer_uid(&a), Some(getuid()));
    }

    #[test]
    fn wait_readable_sees_data_and_times_out_without() {
        let (mut w, r) = UnixStream::pair().unwrap();
        assert!(!wait_readable(&r, Duration::from_millis(1)));
        io::Write::write_all(&mut w, b"x").unwrap();
        assert!(wait_readable(&r, Duration::from_millis(1)));
    }
}
