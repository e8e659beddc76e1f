//! Waiting for files to change (`audit follow`): inotify where there is one, a poll otherwise, and the signals that end the wait.

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------- `audit follow`

/// A file-change watch (Linux inotify) on a few directories: wakes `audit follow` when
/// an environment file is replaced or a journal written, instead of polling.
pub struct DirWatch {
    fd: std::os::fd::OwnedFd,
}

impl DirWatch {
    pub fn new() -> io::Result<DirWatch> {
        use rustix::fs::inotify::CreateFlags;
        let fd = rustix::fs::inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)?;
        Ok(DirWatch { fd })
    }

    /// Watch `dir` for files created, written, closed, renamed into it or removed.
    /// Adding a directory already watched changes nothing.
    pub fn add(&self, dir: &std::path::Path) -> io::Result<()> {
        use rustix::fs::inotify::WatchFlags as W;
        let flags = W::CREATE
            | W::MODIFY
            | W::CLOSE_WRITE
            | W::MOVED_TO
            | W::DELETE
            | W::ONLYDIR
            | W::DONT_FOLLOW;
        rustix::fs::inotify::add_watch(&self.fd, dir, flags)?;
        Ok(())
    }

    /// Read and discard every pending notification (the caller re-reads what changed).
    pub fn drain(&self) {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
        let mut reader = rustix::fs::inotify::Reader::new(&self.fd, &mut buf);
        while reader.next().is_ok() {}
    }
}

/// What ended a [`wait_for_change`].
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    /// The watch saw a change.
    Changed,
    /// The timeout passed.
    Timeout,
    /// SIGINT, SIGTERM or SIGHUP arrived.
    Stop,
    /// Nobody reads stdout any more (the pipe's reader is gone, or the terminal hung up).
    StdoutClosed,
}

/// SIGINT, SIGTERM and SIGHUP, made readable on a socket (signal-hook writes a byte from
/// its handler), so a wait can include them with no race between a check and a sleep.
pub fn termination_signals() -> io::Result<UnixStream> {
    let (read, write) = UnixStream::pair()?;
    read.set_nonblocking(true)?;
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::low_level::pipe::register(sig, write.try_clone()?)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot handle signal {sig}: {e}")))?;
    }
    Ok(read)
}

/// Whether a termination signal arrived (without waiting).
pub fn stop_requested(signals: &UnixStream) -> bool {
    wait_readable(signals, Duration::ZERO)
}

/// Sleep until the watch sees a change, a termination signal arrives, stdout is closed,
/// or `timeout` passes: one `poll`, no busy loop.
pub fn wait_for_change(
    watch: Option<&DirWatch>,
    signals: &UnixStream,
    timeout: Duration,
) -> io::Result<Wake> {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdout = io::stdout();
    let mut fds = vec![
        PollFd::new(signals, PollFlags::IN),
        // No events asked: only POLLERR/POLLHUP, which a pipe whose reader has gone
        // reports (a file or /dev/null reports nothing, so this never spins).
        PollFd::new(&stdout, PollFlags::empty()),
    ];
    if let Some(w) = watch {
        fds.push(PollFd::new(&w.fd, PollFlags::IN));
    }
    let timeout = rustix::event::Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(0) => return Ok(Wake::Timeout),
        Ok(_) => {}
        // A signal handler ran: the signal socket says whether it was a stop.
        Err(rustix::io::Errno::INTR) => return Ok(Wake::Timeout),
        Err(e) => return Err(e.into()),
    }
    if !fds[0].revents().is_empty() {
        return Ok(Wake::Stop);
    }
    if fds[1].revents().intersects(PollFlags::ERR | PollFlags::HUP) {
        return Ok(Wake::StdoutClosed);
    }
    Ok(if fds.len() > 2 && !fds[2].revents().is_empty() {
        Wake::Changed
    } else {
        Wake::Timeout
    })
}
