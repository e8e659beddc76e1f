//! A pseudo-terminal for tests of what keyward does on a terminal (prompts, questions,
//! colour), and a passphrase identity cheap enough to unlock in every test.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use age::secrecy::{ExposeSecret, SecretString};

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
    let mut c = std::process::Command::new("python3");
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
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

/// A passphrase-protected identity file with a tiny scrypt work factor (an unlock costs
/// milliseconds, not a second), 0600, in `KEYWARD_IDENTITY`; a vault initialised to it.
pub fn cheap_protected_vault(pass: &str) -> Sandbox {
    let mut kw = Sandbox::new();
    let id = age::x25519::Identity::generate();
    let mut r = age::scrypt::Recipient::new(SecretString::from(pass.to_owned()));
    r.set_work_factor(10);
    let e = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = e.wrap_output(armor).unwrap();
    w.write_all(format!("{}\n", id.to_string().expose_secret()).as_bytes())
        .unwrap();
    w.finish().unwrap().finish().unwrap();
    let path = kw.path("id.age");
    fs::write(&path, out).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    kw.set_env("KEYWARD_IDENTITY", path.to_str().unwrap());
    kw.cmd(["init"])
        .env("KEYWARD_PASSPHRASE", pass)
        .assert()
        .success();
    kw
}
