//! Real git in the sandbox, isolated from the developer's and the system's
//! configuration (`HOME` is the sandbox, `GIT_CONFIG_NOSYSTEM`, no inherited `GIT_DIR`),
//! with the sandbox environment, so the merge driver and textconv git runs are this
//! sandbox's keyward.

use std::path::Path;
use std::process::{Command, Output};

use super::Sandbox;

/// `git ARGS` in `dir`, not yet run.
pub fn git_cmd(kw: &Sandbox, dir: &Path, args: &[&str]) -> Command {
    let mut c = kw.program("git");
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_PAGER", "cat")
        .current_dir(dir)
        .args(args);
    c
}

/// `git ARGS` in `dir`, whatever it exits with.
pub fn git_out(kw: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    git_cmd(kw, dir, args).output().unwrap()
}

/// `git ARGS` in `dir`, which must succeed: its stdout.
pub fn git(kw: &Sandbox, dir: &Path, args: &[&str]) -> String {
    let out = git_out(kw, dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
