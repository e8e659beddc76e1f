//! A pseudo-terminal for tests of what keyward does on a terminal (prompts, questions,
//! colour).

use std::fs;

use super::Sandbox;

/// Runs a command on a pseudo-terminal (its stdin, stdout and stderr, and its controlling
/// terminal) and answers prompts: `rules` maps a prompt's text to the answers to give,
/// in order, each time it appears. Waits until the terminal's echo is off before
/// typing (rpassword turns it off after printing its prompt). A prompt with no answer
/// left, or a run past the deadline, kills the command (exit 124). Prints everything
/// the terminal showed, then exits with the command's code.
const PTY_DRIVER: &str = r#"
import fcntl, json, os, pty, select, signal, struct, sys, termios, time
spec = json.loads(sys.argv[1])
rules = [[p.encode(), list(a)] for p, a in spec["rules"]]
pid, fd = pty.fork()
if pid == 0:
    # a terminal of a real size (a new pty is 0x0, and tables wrap to one column)
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    os.execv(spec["argv"][0], spec["argv"])
buf, pos, code = b"", 0, None
deadline = time.monotonic() + 60
def kill(why):
    global code
    sys.stderr.write(why + "\n")
    os.kill(pid, signal.SIGKILL)
    code = 124
while True:
    if time.monotonic() > deadline:
        kill("deadline passed"); break
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    buf += data
    while True:
        hits = [(buf.find(p, pos), p, a) for p, a in rules if buf.find(p, pos) >= 0]
        if not hits:
            break
        at, p, answers = min(hits, key=lambda h: h[0])
        pos = at + len(p)
        if not answers:
            kill("no answer left for " + p.decode()); break
        while termios.tcgetattr(fd)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        os.write(fd, answers.pop(0).encode() + b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(buf)
sys.exit(code if code is not None else os.waitstatus_to_exitcode(status))
"#;

/// `keyward ARGS` on a pseudo-terminal in the sandbox environment, answering prompts
/// (see `PTY_DRIVER`); returns what the terminal showed and the exit code.
pub fn on_terminal(kw: &Sandbox, args: &[&str], rules: &[(&str, &[&str])]) -> (String, i32) {
    let driver = kw.path("pty_driver.py");
    fs::write(&driver, PTY_DRIVER).unwrap();
    let template = kw.std_cmd(args);
    let mut argv = vec![template.get_program().to_string_lossy().into_owned()];
    argv.extend(
        template
            .get_args()
            .map(|a| a.to_string_lossy().into_owned()),
    );
    let spec = serde_json::json!({ "argv": argv, "rules": rules });
    let mut c = kw.program("python3");
    let out = c
        .current_dir(kw.dir.path())
        .arg(&driver)
        .arg(spec.to_string())
        .output()
        .expect("python3 runs the pseudo-terminal driver");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        124,
        "the command hung or asked something unexpected: {}\n{shown}",
        String::from_utf8_lossy(&out.stderr)
    );
    (shown, code)
}

/// Runs `argv` with a pseudo-terminal as stdin. Waits for `[y/N]` on the child's stderr
/// (a hang guard of 60 s, never a timing assertion), then, if `between` is given, runs it
/// to completion, then types `answer`. Prints the child's stdout and stderr as its own
/// and exits with the child's code.
const ASK_PTY: &str = r#"
import json, os, select, subprocess, sys, time
spec = json.loads(os.environ["KW_PTY_SPEC"])
master, slave = os.openpty()
child = subprocess.Popen(spec["argv"], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(slave)
err = b""
deadline = time.monotonic() + 60
while b"[y/N]" not in err and time.monotonic() < deadline:
    ready, _, _ = select.select([child.stderr], [], [], 1)
    if ready:
        chunk = os.read(child.stderr.fileno(), 4096)
        if not chunk:
            break
        err += chunk
if b"[y/N]" in err:
    if spec["between"]:
        subprocess.run(spec["between"], check=True, stdout=subprocess.DEVNULL)
    os.write(master, spec["answer"].encode())
out, rest = child.communicate()
os.close(master)
sys.stdout.buffer.write(out)
sys.stderr.buffer.write(err + rest)
sys.exit(child.returncode)
"#;

/// What a command answered on a terminal showed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `keyward ARGS` on a terminal, answering `answer` (`y` or `n`) to its question.
pub fn answer_on_terminal(kw: &Sandbox, args: &[&str], answer: &str) -> Run {
    answer_on_terminal_with(kw, args, answer, None)
}

/// The same, running `between` (keyward arguments) while the question is open.
pub fn answer_on_terminal_with(
    kw: &Sandbox,
    args: &[&str],
    answer: &str,
    between: Option<&[&str]>,
) -> Run {
    let argv = |a: &[&str]| {
        let mut v = vec![env!("CARGO_BIN_EXE_keyward").to_owned()];
        v.extend(a.iter().map(|s| s.to_string()));
        v
    };
    let spec = serde_json::json!({
        "argv": argv(args),
        "answer": format!("{answer}\n"),
        "between": between.map(argv),
    });
    let mut c = kw.program("python3");
    let out = c
        .env("KW_PTY_SPEC", spec.to_string())
        .current_dir(kw.dir.path())
        .arg("-c")
        .arg(ASK_PTY)
        .output()
        .expect("python3 runs");
    Run {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
