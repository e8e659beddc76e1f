//! Where a scan reads from: directory trees (in parallel, honouring .gitignore unless
//! told not to, `.git/` skipped, binary files included), stdin, and what git has staged.
//! Hands bytes to the engine; never decides what is a finding.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::engine::Scanner;
use super::report::Finding;
use crate::error::{Error, Result};

/// The most a scan reads of one file or of stdin: a file is scanned whole in memory,
/// and `/dev/zero`, a `/proc` file or a stuck producer would never end. What lies past
/// it is not scanned, and said (the scan is then incomplete, never "clean").
const MAX_SCANNED: u64 = 256 << 20;

/// Up to [`MAX_SCANNED`] bytes of `r` (`size`: what the file says it holds, to size the
/// buffer once), and whether there was more.
fn read_bounded(r: impl Read, size: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::with_capacity(size.min(MAX_SCANNED + 1) as usize);
    r.take(MAX_SCANNED + 1).read_to_end(&mut buf)?;
    let more = buf.len() as u64 > MAX_SCANNED;
    buf.truncate(MAX_SCANNED as usize);
    Ok((buf, more))
}

fn past_the_limit(what: &str) -> String {
    format!(
        "{what}: only its first {} MiB were scanned",
        MAX_SCANNED >> 20
    )
}

/// Scan what stdin holds, named `<stdin>` in findings. Returns what could not be
/// scanned (past [`MAX_SCANNED`]). A stdin that was closed is an error: the runtime's
/// /dev/null in its place would read as an empty input found clean.
pub fn scan_stdin(scanner: &Scanner, findings: &Mutex<Vec<Finding>>) -> Result<Vec<String>> {
    if crate::sys::stdin_was_closed() {
        return Err(Error::io(
            "cannot read",
            "stdin",
            std::io::Error::other("stdin is closed"),
        ));
    }
    let (buf, more) = read_bounded(std::io::stdin().lock(), 0)
        .map_err(|e| Error::io("cannot read", "stdin", e))?;
    scanner.scan_all("<stdin>", &buf, findings);
    Ok(if more {
        vec![past_the_limit("stdin")]
    } else {
        Vec::new()
    })
}

/// Walk `paths` (each must exist) and scan every file. Returns what could not be read
/// (see [`incomplete`]).
pub fn scan_paths(
    scanner: &Scanner,
    paths: &[PathBuf],
    no_ignore: bool,
    findings: &Mutex<Vec<Finding>>,
) -> Result<Vec<String>> {
    let mut named = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(_) => return Err(Error::FileNotFound { path: p.clone() }),
            // A pipe, a device or a socket named on the command line (`scan <(…)`) is
            // not walked: it must not pass as a file found clean.
            Ok(m) if !m.is_file() && !m.is_dir() => named.push(format!(
                "{}: not a regular file or a directory",
                p.display()
            )),
            Ok(_) => {}
        }
    }
    let mut builder = ignore::WalkBuilder::new(&paths[0]);
    for p in &paths[1..] {
        builder.add(p);
    }
    builder
        .hidden(false)
        .parents(!no_ignore)
        .ignore(!no_ignore)
        .git_ignore(!no_ignore)
        .git_global(!no_ignore)
        .git_exclude(!no_ignore)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    let errors = Mutex::new(named);
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.lock().expect("no poisoned lock").push(e.to_string());
                    return ignore::WalkState::Continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_file()) {
                scan_file(scanner, entry.path(), findings, &errors);
            }
            ignore::WalkState::Continue
        })
    });
    Ok(errors.into_inner().expect("no poisoned lock"))
}

/// What could not be read, to warn about; an error if nothing was found: a scan that
/// could not read everything must not report "clean".
pub fn incomplete(unreadable: Vec<String>, findings: &Mutex<Vec<Finding>>) -> Result<Vec<String>> {
    if !unreadable.is_empty() && findings.lock().expect("no poisoned lock").is_empty() {
        return Err(Error::ScanIncomplete { unreadable });
    }
    Ok(unreadable)
}

fn scan_file(
    scanner: &Scanner,
    path: &Path,
    findings: &Mutex<Vec<Finding>>,
    errors: &Mutex<Vec<String>>,
) {
    let read = std::fs::File::open(path).and_then(|f| {
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        read_bounded(f, size)
    });
    let data = match read {
        Ok((d, more)) => {
            if more {
                errors
                    .lock()
                    .expect("no poisoned lock")
                    .push(past_the_limit(&format!("`{}`", path.display())));
            }
            d
        }
        Err(e) => {
            errors
                .lock()
                .expect("no poisoned lock")
                .push(format!("cannot read `{}`: {e}", path.display()));
            return;
        }
    };
    // Binary files too: skipping them (as git and ripgrep do for display) would let a
    // key past the pre-commit hook in any file with a NUL byte.
    let shown = path.strip_prefix("./").unwrap_or(path);
    scanner.scan_all(&shown.display().to_string(), &data, findings);
}

/// Scan what is staged for the next commit in the git repository here (the pre-commit
/// hook): each added, copied, modified or renamed file as it is in the index.
pub fn scan_staged(scanner: &Scanner, findings: &Mutex<Vec<Finding>>) -> Result<()> {
    let git = |args: &[&str]| -> Result<Vec<u8>> {
        let out = Command::new("git").args(args).output().map_err(|e| {
            Error::Git(crate::error::GitError::GitFailed {
                args: args.join(" "),
                detail: e.to_string(),
            })
        })?;
        if !out.status.success() {
            return Err(Error::Git(crate::error::GitError::GitFailed {
                args: args.join(" "),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            }));
        }
        Ok(out.stdout)
    };
    let names = git(&[
        "diff",
        "--cached",
        "--name-only",
        "-z",
        // T: a path whose type changed (a symlink committed, now a file) is a new file.
        "--diff-filter=ACMRT",
    ])?;
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let blob = git(&["show", &format!(":{name}")])?;
        scanner.scan_all(&name, &blob, findings);
    }
    Ok(())
}
