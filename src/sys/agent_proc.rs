//! The agent's process, as a client sees it: who listens on a socket (`SO_PEERCRED`),
//! whether that process is still running, and ending it with SIGTERM when it does not
//! stop when asked (`keyward lock` must never say "stopped" of an agent that runs).

use std::os::unix::net::UnixStream;

/// The pid of the process that listens on the other end of `stream` (the agent): the
/// kernel records it at `listen`, so it is known even before the agent accepts.
pub fn peer_pid(stream: &UnixStream) -> Option<u32> {
    let cred = rustix::net::sockopt::socket_peercred(stream).ok()?;
    u32::try_from(cred.pid.as_raw_nonzero().get()).ok()
}

/// Whether process `pid` still runs: it exists and is not a zombie (an ended agent whose
/// parent has not reaped it yet holds nothing).
pub fn process_running(pid: u32) -> bool {
    let Some(p) = rustix::process::Pid::from_raw(pid as i32) else {
        return false;
    };
    if rustix::process::test_kill_process(p).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the command name (which may hold `)`).
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => !std::path::Path::new("/proc/self/stat").exists(),
    }
}

/// Whether `pid` is a keyward agent serving `socket` (its command line says so), so a
/// signal never goes to a process that merely listens there or reused the pid.
pub fn is_agent_for(pid: u32, socket: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    args.get(1) == Some(&&b"__agent"[..])
        && args
            .windows(2)
            .any(|w| w[0] == b"--socket" && w[1] == socket.as_os_str().as_bytes())
}

/// Send SIGTERM to `pid` (the agent checks for it between requests and ends).
pub fn terminate(pid: u32) {
    if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::TERM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_of_a_socket_pair_is_this_process_which_runs_and_is_no_agent() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_eq!(peer_pid(&a), Some(std::process::id()));
        assert!(process_running(std::process::id()));
        assert!(!is_agent_for(
            std::process::id(),
            std::path::Path::new("/x")
        ));
    }
}
