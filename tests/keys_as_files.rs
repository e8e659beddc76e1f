//! `keyward run --file NAME` (DESIGN §11): keys handed to a command as files on tmpfs.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use predicates::str::contains;

use crate::support::{Sandbox, audit_keys, process_gone, wait_for};

/// A service-account file: quotes, newlines, backslashes, no trailing newline.
const SA_JSON: &str =
    "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN KEY-----\\nMIIEv\\n\"\n}";

/// A 0700 directory on tmpfs (`/dev/shm`) for `XDG_RUNTIME_DIR`, as a login session has.
fn tmpfs_runtime() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("kw-run")
        .tempdir_in("/dev/shm")
        .expect("/dev/shm (tmpfs) is needed by these tests");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(fs_type(dir.path()), "tmpfs");
    dir
}

/// `stat -f`'s name of the file system holding `path`.
fn fs_type(path: &Path) -> String {
    let out = std::process::Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A sandbox whose `XDG_RUNTIME_DIR` is on tmpfs; the key `SA` holds `SA_JSON`.
fn sandbox_with_sa() -> (Sandbox, tempfile::TempDir) {
    let mut kw = Sandbox::with_vault();
    let run = tmpfs_runtime();
    kw.set_env("XDG_RUNTIME_DIR", run.path().to_str().unwrap());
    kw.set("SA", SA_JSON);
    (kw, run)
}

/// Every run directory left under the per-user key-file directory of `runtime`.
fn run_dirs(runtime: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for user in fs::read_dir(runtime).unwrap().flatten() {
        if user
            .file_name()
            .to_string_lossy()
            .starts_with("keyward-files-")
        {
            out.extend(
                fs::read_dir(user.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    out
}

#[test]
fn the_child_reads_the_file_twice_and_gets_the_exact_bytes_from_a_private_tmpfs_file() {
    let (kw, run) = sandbox_with_sa();
    let tok = kw.generate("TOK");
    let info = kw.path("info");
    // The file's path and modes go to `info`; the value itself only to stdout, twice.
    // keyward's own command line (its parent's) goes to `argv`.
    let script = format!(
        "cat \"$SA_FILE\"; cat \"$SA_FILE\"; {{ echo \"$SA_FILE\"; stat -c %a \"$SA_FILE\"; stat -c %a \"$(dirname \"$SA_FILE\")\"; stat -f -c %T \"$SA_FILE\"; echo \"SA=${{SA-unset}}\"; echo \"TOK=${{#TOK}}\"; }} > '{}'; tr '\\0' ' ' < /proc/$PPID/cmdline > '{}'",
        info.display(),
        kw.path("argv").display()
    );
    let out = kw
        .cmd([
            "run",
            "--no-redact",
            "--file",
            "SA",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .env("SA", "inherited")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), SA_JSON.repeat(2));
    let info = fs::read_to_string(info).unwrap();
    let lines: Vec<&str> = info.lines().collect();
    let path = Path::new(lines[0]);
    assert!(path.starts_with(run.path()), "{info}");
    assert_eq!(path.file_name().unwrap(), "SA");
    assert_eq!(&lines[1..4], ["600", "700", "tmpfs"], "{info}");
    // NAME_FILE instead of NAME (an inherited SA is not the key); other keys as usual.
    assert_eq!(lines[4], "SA=unset");
    assert_eq!(lines[5], format!("TOK={}", tok.len()));
    // Gone once the child has exited.
    assert!(!path.exists());
    assert_eq!(run_dirs(run.path()), Vec::<PathBuf>::new());
    // The value was in no other file, nor on stderr; the access is in the journal.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("service_account"));
    let argv = fs::read_to_string(kw.path("argv")).unwrap();
    assert!(argv.contains("--file SA"), "{argv}");
    assert!(!argv.contains("service_account"), "{argv}");
    kw.assert_nowhere_in_files(SA_JSON);
    assert_eq!(audit_keys(&kw, "run"), ["SA", "TOK"]);
}

#[test]
fn file_values_are_redacted_from_the_childs_output() {
    let (kw, _run) = sandbox_with_sa();
    let out = kw
        .cmd([
            "run",
            "--only",
            "SA",
            "--file",
            "SA",
            "--",
            "sh",
            "-c",
            "cat \"$SA_FILE\"; cat \"$SA_FILE\" >&2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "[redacted:SA]");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "[redacted:SA]");
}

#[test]
fn a_runtime_dir_on_disk_is_refused_without_allow_disk_and_nothing_is_read() {
    let mut kw = Sandbox::with_vault();
    kw.set("SA", SA_JSON);
    // Under target/: a disk, as a non-tmpfs XDG_RUNTIME_DIR would be.
    let disk = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    assert_ne!(fs_type(disk.path()), "tmpfs", "needs a directory on disk");
    kw.set_env("XDG_RUNTIME_DIR", disk.path().to_str().unwrap());
    let marker = kw.path("started");
    let script = format!("touch '{}'", marker.display());
    kw.cmd(["run", "--file", "SA", "--", "sh", "-c", &script])
        .assert()
        .code(1)
        .stderr(contains("not a memory-backed file system"))
        .stderr(contains("--allow-disk"));
    assert!(!marker.exists(), "the command must not start");
    assert_eq!(audit_keys(&kw, "run"), Vec::<String>::new());
    assert_eq!(fs::read_dir(disk.path()).unwrap().count(), 0);
    // --allow-disk accepts it, and still cleans up.
    let out = kw
        .cmd([
            "run",
            "--allow-disk",
            "--no-redact",
            "--file",
            "SA",
            "--",
            "sh",
            "-c",
            "cat \"$SA_FILE\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), SA_JSON);
    assert_eq!(run_dirs(disk.path()), Vec::<PathBuf>::new());
    // --allow-disk without --file is a usage error.
    kw.cmd(["run", "--allow-disk", "--", "true"])
        .assert()
        .code(2)
        .stderr(contains(
            "the following required arguments were not provided:\n  --file <NAME>",
        ));
}

#[test]
fn an_unknown_or_revoked_file_key_starts_nothing_and_writes_nothing() {
    let (kw, run) = sandbox_with_sa();
    kw.cmd(["run", "--file", "NOPE", "--", "true"])
        .assert()
        .code(3)
        .stderr(contains("`NOPE`"));
    kw.cmd(["revoke", "SA", "--reason", "leaked", "--yes"])
        .assert()
        .success();
    kw.cmd(["run", "--file", "SA", "--", "true"])
        .assert()
        .code(4)
        .stderr(contains("`SA`"));
    assert_eq!(run_dirs(run.path()), Vec::<PathBuf>::new());
}

#[test]
fn a_per_user_directory_others_can_enter_is_refused() {
    let (kw, run) = sandbox_with_sa();
    let uid = fs::metadata(kw.dir.path())
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    let shared = run.path().join(format!("keyward-files-{uid}"));
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).unwrap();
    kw.cmd(["run", "--file", "SA", "--", "true"])
        .assert()
        .code(1)
        .stderr(contains("group or others"));
    assert_eq!(fs::read_dir(&shared).unwrap().count(), 0);
}

#[test]
fn after_kill_9_the_next_command_sweeps_the_files_left_behind() {
    let (kw, run) = sandbox_with_sa();
    let pathfile = kw.path("path");
    let script = format!(
        "echo \"$SA_FILE\" > '{p}.tmp'; mv '{p}.tmp' '{p}'; while :; do sleep 0.05; done",
        p = pathfile.display()
    );
    let mut keyward = kw
        .std_cmd(["run", "--file", "SA", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::panic::catch_unwind(|| wait_for("the child to start", || pathfile.exists()));
    if let Err(e) = started {
        let _ = keyward.kill();
        let _ = keyward.wait();
        std::panic::resume_unwind(e);
    }
    let file = PathBuf::from(fs::read_to_string(&pathfile).unwrap().trim());
    let keyward_pid = keyward.id() as i32;
    keyward.kill().unwrap(); // SIGKILL: nothing in keyward runs
    keyward.wait().unwrap();
    assert!(process_gone(keyward_pid));
    assert!(file.exists(), "a kill -9 leaves the file behind");
    // A run directory of a process that still runs is kept (this test process's pid).
    let (user_dir, live) = {
        let dir = file.parent().unwrap().parent().unwrap().to_owned();
        let start = fs::read_to_string("/proc/self/stat").unwrap();
        let start: u64 = start
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .nth(19)
            .unwrap()
            .parse()
            .unwrap();
        let live = dir.join(format!("run-{}-{start}-0000abcd", std::process::id()));
        (dir, live)
    };
    fs::create_dir(&live).unwrap();
    // A symlink of the right form is never followed.
    let target = kw.path("precious");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), b"x").unwrap();
    std::os::unix::fs::symlink(&target, user_dir.join("run-2147483646-1-0000dead")).unwrap();

    kw.cmd(["list"]).assert().success();
    assert!(!file.exists(), "swept by the next command");
    assert!(!file.parent().unwrap().exists());
    assert!(live.exists(), "a live process's directory is kept");
    assert!(target.join("keep").exists());
    assert_eq!(
        run_dirs(run.path()).len(),
        2,
        "the live dir and the symlink stay"
    );
}

/// Every signal whose default action would end keyward is forwarded to the child, and
/// keyward removes the files when it ends: hostile reviews found the key file left on
/// tmpfs (until the next command's sweep) after SIGALRM (`timeout -s ALRM`) or SIGUSR1,
/// then after SIGVTALRM, SIGPROF, SIGPWR, a real-time signal, or a `kill -SEGV`.
#[test]
fn a_sigterm_to_keyward_ends_the_child_and_removes_the_files() {
    let mut signals = vec![
        libc::SIGTERM,
        libc::SIGALRM,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGQUIT,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGIO,
        libc::SIGTRAP,
        libc::SIGSYS,
        // Sent by `kill`, not a fault of keyward's: forwarded too.
        libc::SIGABRT,
        libc::SIGSEGV,
        libc::SIGBUS,
    ];
    #[cfg(target_os = "linux")]
    signals.extend([
        libc::SIGPWR,
        libc::SIGSTKFLT,
        libc::SIGRTMIN(),
        libc::SIGRTMIN() + 5,
        libc::SIGRTMAX(),
    ]);
    for sig in signals {
        a_signal_to_keyward_ends_the_child_and_removes_the_files(sig);
    }
}

fn a_signal_to_keyward_ends_the_child_and_removes_the_files(sig: i32) {
    let (kw, run) = sandbox_with_sa();
    let pathfile = kw.path("path");
    let script = format!(
        "trap 'exit 42' {sig}; echo \"$SA_FILE\" > '{p}.tmp'; mv '{p}.tmp' '{p}'; while :; do sleep 0.05; done",
        p = pathfile.display()
    );
    let mut keyward = kw
        .std_cmd(["run", "--file", "SA", "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::panic::catch_unwind(|| wait_for("the child to start", || pathfile.exists()));
    if let Err(e) = started {
        let _ = keyward.kill();
        let _ = keyward.wait();
        std::panic::resume_unwind(e);
    }
    let file = PathBuf::from(fs::read_to_string(&pathfile).unwrap().trim());
    assert!(file.exists());
    // SAFETY: signalling a process this test started.
    unsafe {
        libc::kill(keyward.id() as i32, sig);
    }
    let status = keyward.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "signal {sig}: the child's code comes back"
    );
    assert!(
        !file.exists(),
        "signal {sig}: removed by keyward itself, not by a sweep"
    );
    assert_eq!(run_dirs(run.path()), Vec::<PathBuf>::new());
}
