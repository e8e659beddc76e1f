//! Running a rotation hook's process (`ops::hooks`): `/bin/sh -c COMMAND` in its own
//! session, the old value on its stdin, its stdout and stderr read on threads, all of it
//! bounded by the hook's timeout, pipes included. Holds no policy: what the output means
//! is decided by `hooks::roll`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::names::{EnvName, KeyName};
use crate::secret::Secret;

/// How much of a hook's stderr is kept for showing.
const MAX_STDERR: usize = 64 * 1024;

/// What a hook's run gave: its stdout (if it was read to the end), its stderr (cut at
/// 64 KiB), and why it failed, if it did.
type Ran = (Option<Zeroizing<Vec<u8>>>, Stderr, Option<String>);

/// A hook's stderr as kept for showing: its first 64 KiB, and whether it went on past
/// them (then its end is a cut, which may fall inside a value).
#[derive(Default)]
pub(super) struct Stderr {
    pub(super) kept: Zeroizing<Vec<u8>>,
    pub(super) cut: bool,
}

/// Run `sh -c command` with `value` on stdin; `Err` when it cannot start.
pub(super) fn run_command(
    command: &str,
    name: &KeyName,
    env: &EnvName,
    value: &Secret,
    timeout: Duration,
    dir: Option<std::path::PathBuf>,
) -> std::result::Result<Ran, String> {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(command);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    // keyward's credentials would let the hook open every key.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KEYWARD_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("KEYWARD_KEY", name.as_str())
        .env("KEYWARD_ENV", env.as_str())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group: a timeout ends the hook and everything it started.
    crate::sys::new_session_on_exec(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not be started (`/bin/sh`: {e})"))?;
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let input = Zeroizing::new(value.expose().to_vec());
    let writer = std::thread::spawn(move || {
        // A hook that does not read its stdin closes the pipe: not an error.
        let _ = stdin.write_all(&input);
    });
    // The readers report through a channel, so that a pipe held open by a process the
    // hook left in another session (`setsid`, a daemon) cannot keep keyward, and the
    // writer lock, waiting past the timeout: a reader still blocked then is left behind.
    let (piped, from_pipes) = std::sync::mpsc::channel();
    let to_out = piped.clone();
    std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        let limit = crate::input::MAX_VALUE as u64 + 2;
        let read = (&mut stdout).take(limit).read_to_end(&mut buf);
        // Drain the rest so the hook never blocks on a full pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        let _ = to_out.send(Piped::Out(read.ok().map(|_| buf)));
    });
    std::thread::spawn(move || {
        // It may echo a value: zeroed like one.
        let mut buf = Zeroizing::new(Vec::new());
        let _ = (&mut stderr).take(MAX_STDERR as u64).read_to_end(&mut buf);
        let more = std::io::copy(&mut stderr, &mut std::io::sink()).unwrap_or(0);
        let _ = piped.send(Piped::Err(Stderr {
            kept: buf,
            cut: more > 0,
        }));
    });
    let mut deadline = Instant::now() + timeout;
    // Asked to stop while the hook runs (termination is held back: `hooks::roll`), the
    // hook still gets to finish, but within [`STOP_GRACE`] at most: a timeout of a day,
    // set by any writer, must not make keyward deaf to SIGTERM for a day.
    let mut stopping = false;
    let status = loop {
        if !stopping && crate::sys::stop_asked().is_some() {
            stopping = true;
            deadline = deadline.min(Instant::now() + STOP_GRACE);
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    // Whatever the hook left running (a background `sleep`, a stuck `curl`) goes too,
    // so its pipes close and the readers end.
    crate::sys::kill_group(pid);
    let status = match status {
        Some(s) => Ok(s),
        None => {
            let _ = child.wait();
            Err(match stopping {
                true => format!(
                    "was killed: keyward was asked to stop and it did not finish within {}s more",
                    STOP_GRACE.as_secs()
                ),
                false => format!(
                    "did not finish within {}s and was killed",
                    timeout.as_secs()
                ),
            })
        }
    };
    // Both pipes end once every process holding them has; the hook's own are gone now.
    // Whatever still holds one (started in another session) is given until the timeout,
    // and a moment after a hook that was killed, then left behind, and so is the writer.
    let until = deadline.max(Instant::now()) + PIPE_GRACE;
    let (mut out, mut err, mut ended) = (None, Stderr::default(), 0);
    while ended < 2 {
        match from_pipes.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Piped::Out(o)) => out = o,
            Ok(Piped::Err(e)) => err = e,
            Err(_) => break,
        }
        ended += 1;
    }
    drop(writer);
    let held_open = (ended < 2).then(|| {
        "left a process holding its output after it ended (one started in another session, \
         e.g. by `setsid` or a daemon); its output is not used"
            .to_owned()
    });
    let failure = match status {
        Err(why) => Some(why),
        Ok(s) if s.success() => None,
        Ok(s) => Some(
            match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
                (Some(c), _) => format!("exited with status {c}"),
                (None, Some(sig)) => format!("was killed by signal {sig}"),
                _ => "failed".to_owned(),
            },
        ),
    };
    let failure = failure
        .or(held_open)
        .or_else(|| out.is_none().then(|| "its output could not be read".into()));
    Ok((out, err, failure))
}

/// What a reader of the hook's pipes reports.
enum Piped {
    /// Stdout, read to its end (`None`: a read failed).
    Out(Option<Zeroizing<Vec<u8>>>),
    Err(Stderr),
}

/// How long a hook may still run once keyward is asked to stop (SIGINT, SIGTERM,
/// SIGHUP): long enough for a provider call to come back, short enough for a CI runner's
/// grace before its SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long a killed hook's pipes are waited for once its process group is gone.
const PIPE_GRACE: Duration = Duration::from_secs(1);
