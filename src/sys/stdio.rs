//! Standard output as the process found it: whether it was closed at start (before
//! Rust's runtime put /dev/null there) and how wide its terminal is.

use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;

/// Whether stdout was closed when keyward started (`keyward get A >&-`). Rust's runtime
/// reopens a closed fd 0-2 on /dev/null, read-write, before `main`, so that no file
/// opened later lands on it; writes then succeed and a value would vanish with exit 0.
///
/// On Linux the answer is taken before the runtime's reopening, by a function the
/// loader runs at start ([`STDOUT_AT_START`]): exact, so a caller's own read-write
/// /dev/null (Python's `subprocess.DEVNULL`, a service manager's null output) is an
/// explicit discard like a shell's `> /dev/null`, not "closed". Elsewhere, a read-write
/// /dev/null is all there is to go by.
pub fn stdout_was_closed() -> bool {
    match STDOUT_AT_START.load(Ordering::Relaxed) {
        STDOUT_OPEN => false,
        STDOUT_CLOSED => true,
        _ => {
            let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
                return true; // EBADF: closed, and not even reopened
            };
            is_runtime_dev_null(fd)
        }
    }
}

const STDOUT_UNSEEN: u8 = 0;
const STDOUT_OPEN: u8 = 1;
const STDOUT_CLOSED: u8 = 2;

/// fd 1 as the process found it, before Rust's runtime put /dev/null on a closed one.
static STDOUT_AT_START: std::sync::atomic::AtomicU8 =
    std::sync::atomic::AtomicU8::new(STDOUT_UNSEEN);

/// fd 0 likewise (`keyward scan - <&-` must not read the runtime's /dev/null as an
/// empty, clean input).
static STDIN_AT_START: std::sync::atomic::AtomicU8 =
    std::sync::atomic::AtomicU8::new(STDOUT_UNSEEN);

/// Run by the dynamic loader (or the static start code) with the other `.init_array`
/// functions, before `main` and so before the runtime's reopening of fds 0-2.
#[cfg(target_os = "linux")]
#[used]
// SAFETY: an `.init_array` entry is called once, single-threaded, before `main`, with
// no arguments (glibc passes argc/argv/envp, which an `extern "C" fn()` ignores, as
// its ABI allows). The function it points to only queries fds 0 and 1 and stores
// atomics.
#[unsafe(link_section = ".init_array")]
static SEE_STDOUT_AT_START: extern "C" fn() = see_stdout_at_start;

#[cfg(target_os = "linux")]
extern "C" fn see_stdout_at_start() {
    for (fd, at_start) in [(1, &STDOUT_AT_START), (0, &STDIN_AT_START)] {
        // SAFETY: F_GETFD takes no pointer; it only asks whether the fd is open.
        // Nothing Rust owns is touched, so running before the runtime is set up is sound.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1;
        let seen = if closed { STDOUT_CLOSED } else { STDOUT_OPEN };
        at_start.store(seen, Ordering::Relaxed);
    }
}

/// Whether stdin was closed when keyward started (`keyward scan - <&-`), as
/// [`stdout_was_closed`] tells for stdout.
pub fn stdin_was_closed() -> bool {
    match STDIN_AT_START.load(Ordering::Relaxed) {
        STDOUT_OPEN => false,
        STDOUT_CLOSED => true,
        _ => {
            let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() else {
                return true;
            };
            is_runtime_dev_null(fd)
        }
    }
}

/// Whether `fd` is /dev/null opened read-write: what the runtime puts on a closed fd.
fn is_runtime_dev_null(fd: impl AsFd) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(owned) = fd.as_fd().try_clone_to_owned() else {
        return false;
    };
    let file = std::fs::File::from(owned);
    let (Ok(meta), Ok(null)) = (file.metadata(), std::fs::metadata("/dev/null")) else {
        return false;
    };
    if !meta.file_type().is_char_device() || meta.rdev() != null.rdev() {
        return false;
    }
    rustix::fs::fcntl_getfl(&file)
        .is_ok_and(|flags| flags & rustix::fs::OFlags::RWMODE == rustix::fs::OFlags::RDWR)
}

/// The width of the terminal stdout is, in columns: `None` when stdout is not a
/// terminal or the terminal does not know its size (a pseudo-terminal nobody sized, as
/// `docker run -t` and `script` make, reports 0).
pub fn stdout_columns() -> Option<u16> {
    rustix::termios::tcgetwinsize(io::stdout())
        .ok()
        .map(|w| w.ws_col)
        .filter(|c| *c > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    /// The loader ran the start-up check: this test binary started with fd 1 open.
    #[cfg(target_os = "linux")]
    #[test]
    fn stdout_is_seen_as_the_process_found_it_before_main() {
        assert_eq!(STDOUT_AT_START.load(Ordering::Relaxed), STDOUT_OPEN);
        assert!(!stdout_was_closed());
    }

    #[test]
    fn only_a_read_write_dev_null_counts_as_a_closed_stdout() {
        let rw = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        assert!(is_runtime_dev_null(&rw));
        let wo = OpenOptions::new().write(true).open("/dev/null").unwrap();
        assert!(!is_runtime_dev_null(&wo));
        let file = tempfile::tempfile().unwrap();
        assert!(!is_runtime_dev_null(&file));
    }
}
