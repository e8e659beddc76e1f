//! A pseudo-terminal driven from Rust, for tests of what keyward does on a terminal
//! (prompts, questions, colour); `cargo test` needs nothing but cargo.
//!
//! Two shapes, as keyward meets them:
//! - `on_terminal` (and `run_on_terminal` for any program): the terminal is the
//!   command's stdin, stdout, stderr and controlling terminal; prompts are answered by
//!   rules, each answer typed only once the terminal's echo is off (rpassword turns it
//!   off after printing its prompt);
//! - `answer_on_terminal`: the terminal is stdin only (stdout and stderr are pipes, kept
//!   apart); the answer to a `[y/N]` question is typed once the question is on stderr,
//!   optionally after running another command while it is open.
//!
//! Waits are bounded by `DEADLINE`, a guard against a hang, never a timing assertion:
//! a command still running then is killed and reported as exit 124.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::{LocalModes, Winsize};

use super::{Sandbox, contains};

/// How long a command may run on the terminal before it counts as hung.
const DEADLINE: Duration = Duration::from_secs(60);

/// The exit code reported for a command killed by the driver (as `timeout(1)` does).
pub const KILLED: i32 = 124;

/// A new pseudo-terminal pair, 50 rows of `cols` columns (a new one is 0x0: give 0 to
/// keep it so): (master, slave), both close-on-exec.
fn open_pty(cols: u16) -> (File, OwnedFd) {
    let master =
        rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("a pseudo-terminal");
    rustix::pty::grantpt(&master).unwrap();
    rustix::pty::unlockpt(&master).unwrap();
    let name = rustix::pty::ptsname(&master, Vec::new()).unwrap();
    let slave = rustix::fs::open(
        name.as_c_str(),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .unwrap();
    let size = Winsize {
        ws_row: if cols == 0 { 0 } else { 50 },
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&slave, size).unwrap();
    (File::from(master), slave)
}

/// Read `from` to its end (or an error: EIO once every slave end is closed) on a thread,
/// sending each chunk read.
fn read_chunks(mut from: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 || tx.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// The exit code as a shell would see it: the code, or minus the signal that ended it.
fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| -status.signal().unwrap_or(0))
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a command run by `run_on_terminal` showed.
pub struct Terminal {
    /// Everything the terminal showed (the command's stdout and stderr, interleaved).
    pub shown: String,
    /// The command's exit code (minus the signal if one ended it), or `KILLED`.
    pub code: i32,
    /// Why the driver killed the command, if it did.
    pub killed: Option<String>,
}

/// Run `cmd` with a pseudo-terminal as its stdin, stdout, stderr and controlling
/// terminal, answering prompts: `rules` maps a prompt's text to the answers to type, in
/// order, one each time the prompt appears (followed by a newline). Before typing, waits
/// until the terminal's echo is off. A prompt with no answer left, or a run past
/// `DEADLINE`, kills the command (`KILLED`).
pub fn run_on_terminal(cmd: Command, rules: &[(&str, &[&str])]) -> Terminal {
    run_on_terminal_of_width(cmd, rules, 200)
}

/// `run_on_terminal` on a terminal `cols` wide (0: one that does not know its size).
pub fn run_on_terminal_of_width(
    mut cmd: Command,
    rules: &[(&str, &[&str])],
    cols: u16,
) -> Terminal {
    let (mut master, slave) = open_pty(cols);
    let controlling = slave.try_clone().unwrap();
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: runs in the forked child before exec, and only makes two system calls
    // (setsid, ioctl TIOCSCTTY), which are async-signal-safe; it allocates nothing and
    // takes no lock. `controlling` is a close-on-exec copy of the slave, owned by the
    // closure, so it is valid there and gone after exec.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(&controlling)?;
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("the command starts on the terminal");
    // The parent's copies of the slave: once the command's are closed too, reads of the
    // master end (EIO), and the reader thread with them.
    drop(cmd);

    let chunks = read_chunks(master.try_clone().unwrap());
    let mut rules: Vec<(&[u8], std::slice::Iter<&str>)> = rules
        .iter()
        .map(|(prompt, answers)| (prompt.as_bytes(), answers.iter()))
        .collect();
    let deadline = Instant::now() + DEADLINE;
    let (mut buf, mut pos, mut killed) = (Vec::new(), 0, None);
    'reading: while killed.is_none() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            killed = Some("deadline passed".to_owned());
            break;
        };
        match chunks.recv_timeout(left.min(Duration::from_secs(1))) {
            Ok(chunk) => buf.extend(chunk),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Every prompt shown since the last one answered, in the order shown.
        while let Some((at, rule)) = rules
            .iter()
            .enumerate()
            .filter_map(|(r, (prompt, _))| find(&buf[pos..], prompt).map(|at| (pos + at, r)))
            .min()
        {
            let (prompt, answers) = &mut rules[rule];
            pos = at + prompt.len();
            let Some(answer) = answers.next() else {
                killed = Some(format!(
                    "no answer left for {}",
                    String::from_utf8_lossy(prompt)
                ));
                break 'reading;
            };
            while echo_on(&master) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            master.write_all(format!("{answer}\n").as_bytes()).unwrap();
        }
    }
    if killed.is_some() {
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    // After a kill, whatever was already read (a process the command started may still
    // hold the terminal open: do not wait for it).
    buf.extend(chunks.try_iter().flatten());
    Terminal {
        shown: String::from_utf8_lossy(&buf).into_owned(),
        code: if killed.is_some() {
            KILLED
        } else {
            exit_code(status)
        },
        killed,
    }
}

/// Whether the terminal (its slave end, as the master sees it) echoes what is typed.
fn echo_on(master: &File) -> bool {
    rustix::termios::tcgetattr(master)
        .map(|t| t.local_modes.contains(LocalModes::ECHO))
        .unwrap_or(false)
}

/// `keyward ARGS` on a pseudo-terminal in the sandbox environment, answering prompts by
/// `rules` (see `run_on_terminal`); what the terminal showed and the exit code. Fails
/// the test if the command hung or asked something with no answer left.
pub fn on_terminal(kw: &Sandbox, args: &[&str], rules: &[(&str, &[&str])]) -> (String, i32) {
    let t = run_on_terminal(kw.std_cmd(args), rules);
    assert_ne!(
        t.code,
        KILLED,
        "the command hung or asked something unexpected: {}\n{}",
        t.killed.unwrap_or_default(),
        t.shown
    );
    (t.shown, t.code)
}

/// What a command answered on a terminal printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `keyward ARGS` with a terminal as stdin, answering `answer` (`y` or `n`) to its
/// question.
pub fn answer_on_terminal(kw: &Sandbox, args: &[&str], answer: &str) -> Run {
    answer_on_terminal_with(kw, args, answer, None)
}

/// `keyward ARGS` with a pseudo-terminal as stdin (stdout and stderr are pipes). Once
/// `[y/N]` is on its stderr, runs `between` (keyward arguments, which must succeed) if
/// given, then types `answer`. A command that has not asked by the time its stderr ends
/// is not answered.
pub fn answer_on_terminal_with(
    kw: &Sandbox,
    args: &[&str],
    answer: &str,
    between: Option<&[&str]>,
) -> Run {
    answer_command_on_terminal(kw.std_cmd(args), answer, || {
        if let Some(between) = between {
            let st = kw.std_cmd(between).stdout(Stdio::null()).status().unwrap();
            assert!(st.success(), "`keyward {}` failed: {st}", between.join(" "));
        }
    })
}

/// `cmd` (any keyward command, already given its environment: a team member's, say)
/// with a pseudo-terminal as stdin (stdout and stderr are pipes). Once `[y/N]` is on its
/// stderr, runs `between`, then types `answer`. A command that has not asked by the time
/// its stderr ends is not answered.
pub fn answer_command_on_terminal(mut cmd: Command, answer: &str, between: impl FnOnce()) -> Run {
    let (mut master, slave) = open_pty(200);
    cmd.stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let stdout = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = { stdout }.read_to_end(&mut out);
        out
    });
    let errs = read_chunks(child.stderr.take().unwrap());
    let deadline = Instant::now() + DEADLINE;
    let mut err = Vec::new();
    let mut asked = false;
    let mut ended = false;
    while !asked && !ended && Instant::now() < deadline {
        match errs.recv_timeout(Duration::from_secs(1)) {
            Ok(chunk) => {
                err.extend(chunk);
                asked = contains(&err, b"[y/N]");
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => ended = true,
        }
    }
    if asked {
        between();
        master.write_all(format!("{answer}\n").as_bytes()).unwrap();
    }
    let code = finish(&mut child, deadline);
    err.extend(errs.iter().flatten());
    Run {
        code,
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// Wait for `child` until `deadline`, then kill it: its exit code, or `KILLED`.
fn finish(child: &mut Child, deadline: Instant) -> i32 {
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return exit_code(status);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    KILLED
}
