//! Where a scan reads from: directory trees (in parallel, `.git/` skipped, binary files
//! included) and stdin; what git has staged is `super::git`'s. Hands bytes to the
//! engine; never decides what is a finding.
//!
//! Which files of a tree are scanned: every file git tracks (or has staged), always; an
//! untracked file unless git's own rules ignore it (`.gitignore`, `.git/info/exclude`,
//! `core.excludesFile`). A `.ignore` file (ripgrep's, not git's: git tracks and pushes
//! what it names) is not honoured, nor a `.gitignore` outside a git work tree (a
//! tarball's rules mean nothing there). The walker applies git's rules to what it meets,
//! then `git ls-files` names what the repository holds, and each tracked file the walker
//! left out is scanned too: a rule can only ever skip an untracked file. Where git
//! cannot say what it tracks, everything there is scanned, with a warning. A
//! `.gitignore` too large to honour makes its directory scanned whole, with a warning.
//! `--no-ignore` scans every file, tracked or not.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::engine::Scanner;
use super::report::Finding;
use crate::error::{Error, Result};

/// The most a scan reads of one file or of stdin: a file is scanned whole in memory,
/// and `/dev/zero`, a `/proc` file or a stuck producer would never end. What lies past
/// it is not scanned, and said (the scan is then incomplete, never "clean").
pub(super) const MAX_SCANNED: u64 = 256 << 20;

/// A file larger than this is read and scanned only while no other such file is: the
/// walk runs a thread per CPU, and a hostile tree of many files of [`MAX_SCANNED`] (a
/// blob of zeros costs nothing to push) would otherwise hold one per thread at once
/// (5 GB on a 12-CPU runner). Smaller files are scanned in parallel as before, so a
/// scan holds at most one large file, plus one small one per thread.
const LARGE: u64 = 4 << 20;

/// Held while a file larger than [`LARGE`] is in memory.
static ONE_LARGE_FILE: Mutex<()> = Mutex::new(());

/// A file's bytes, up to [`MAX_SCANNED`], and whether there was more; `large` holds
/// the turn of a large file (see [`LARGE`]) until the bytes are dropped.
struct Bounded {
    bytes: Vec<u8>,
    more: bool,
    _large: Option<std::sync::MutexGuard<'static, ()>>,
}

/// Up to [`MAX_SCANNED`] bytes of `r` (`size`: what the file says it holds, to size the
/// buffer once), and whether there was more. What `size` says is only a hint (a file
/// may grow): the first [`LARGE`] bytes are read, and only past them does the read wait
/// for its turn as a large file.
fn read_bounded(mut r: impl Read, size: u64) -> std::io::Result<Bounded> {
    let mut bytes = Vec::with_capacity(size.min(LARGE + 1) as usize);
    (&mut r).take(LARGE + 1).read_to_end(&mut bytes)?;
    let mut large = None;
    if bytes.len() as u64 > LARGE {
        // A thread that panicked while holding it held nothing the next one needs.
        large = Some(ONE_LARGE_FILE.lock().unwrap_or_else(|e| e.into_inner()));
        bytes.reserve(size.min(MAX_SCANNED + 1).saturating_sub(bytes.len() as u64) as usize);
        r.take(MAX_SCANNED + 1 - bytes.len() as u64)
            .read_to_end(&mut bytes)?;
    }
    let more = bytes.len() as u64 > MAX_SCANNED;
    bytes.truncate(MAX_SCANNED as usize);
    Ok(Bounded {
        bytes,
        more,
        _large: large,
    })
}

/// The largest `.gitignore` a walk honours. The walker compiles every rule of one into
/// a glob set held in memory (about 10 KB a glob line: 400,000 lines of a hostile tree's
/// `.gitignore`, 13 MB, took 4 GB), while a real one is a few KB. Past it the file's
/// directory is scanned with no ignore rule at all, with a warning: more is scanned,
/// never less.
const MAX_IGNORE_FILE: u64 = 64 << 10;

/// The most `.gitignore` bytes one walk honours, all files together: rules are compiled
/// per directory, so hundreds of files each under [`MAX_IGNORE_FILE`] (nested
/// directories of a hostile tree) added up to the same 4 GB. Real trees hold a few KB.
/// A directory whose file would pass it is scanned with no ignore rule, as above.
const MAX_IGNORE_TOTAL: u64 = 512 << 10;

/// Whether `dir` holds a `.gitignore` larger than [`MAX_IGNORE_FILE`].
fn ignore_too_large(dir: &Path) -> bool {
    ignore_size(dir).is_none_or(|size| size > MAX_IGNORE_FILE)
}

/// The size of `dir`'s `.gitignore`: 0 when there is none; `None` when it is anything
/// but a regular file (a link, which git itself does not follow there — to
/// `/dev/zero` it read without end; a FIFO, which never ends): never honoured.
fn ignore_size(dir: &Path) -> Option<u64> {
    match std::fs::symlink_metadata(dir.join(".gitignore")) {
        Ok(m) if m.is_file() => Some(m.len()),
        Ok(_) => None,
        Err(_) => Some(0),
    }
}

/// Whether `dir`'s `.gitignore` is to be honoured: not too large, and within what is
/// left of the walk's `budget` (which it then takes).
fn ignore_honoured(dir: &Path, budget: &std::sync::atomic::AtomicU64) -> bool {
    use std::sync::atomic::Ordering;
    let Some(size) = ignore_size(dir) else {
        return false;
    };
    if size == 0 {
        return true;
    }
    size <= MAX_IGNORE_FILE
        && budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(size)
            })
            .is_ok()
}

/// Whether the walk from `root` would read a `.gitignore` larger than
/// [`MAX_IGNORE_FILE`] before its filter sees it: the root's own, or that of a
/// directory above it in its git work tree (the walker reads those too).
fn root_ignore_too_large(root: &Path) -> bool {
    let Some(top) = crate::vault::discover::work_tree_top(root) else {
        return false;
    };
    let Ok(start) = root.canonicalize() else {
        return false;
    };
    start
        .ancestors()
        .take_while(|d| d.starts_with(&top))
        .any(ignore_too_large)
}

fn unhonoured(dir: &Path) -> String {
    format!(
        "`{}`: its `.gitignore` is not a regular file, is larger than {} KiB, or is past the {} KiB of ignore rules a scan honours in all, and is not honoured: every file under it was scanned",
        dir.display(),
        MAX_IGNORE_FILE >> 10,
        MAX_IGNORE_TOTAL >> 10
    )
}

pub(super) fn past_the_limit(what: &str) -> String {
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
    let read = read_bounded(std::io::stdin().lock(), 0)
        .map_err(|e| Error::io("cannot read", "stdin", e))?;
    scanner.scan_all("<stdin>", &read.bytes, findings);
    Ok(if read.more {
        vec![past_the_limit("stdin")]
    } else {
        Vec::new()
    })
}

/// Walk `paths` (each must exist) and scan every file git tracks or does not ignore (see
/// the module's rule; every file with `no_ignore`). Returns what could not be read (see
/// [`incomplete`]); `warnings` gets where git could not say what it tracks.
pub fn scan_paths(
    scanner: &Scanner,
    paths: &[PathBuf],
    no_ignore: bool,
    findings: &Mutex<Vec<Finding>>,
    warnings: &mut Vec<String>,
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
    let errors = Mutex::new(named);
    let seen = Seen::default();
    walk(scanner, paths, no_ignore, &seen, findings, &errors);
    // Directories whose ignore rules were too large to honour: scanned whole.
    let unhonoured_dirs = std::mem::take(&mut *seen.unhonoured.lock().expect("no poisoned lock"));
    for dir in unhonoured_dirs {
        warnings.push(unhonoured(&dir));
        walk(scanner, &[dir], true, &seen, findings, &errors);
    }
    if !no_ignore {
        let mut queue: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.is_dir() && crate::vault::discover::work_tree_top(p).is_some())
            .cloned()
            .collect();
        queue.extend(seen.repos.lock().expect("no poisoned lock").drain(..));
        let mut listed: HashSet<PathBuf> = HashSet::new();
        while let Some(repo) = queue.pop() {
            if listed.insert(repo.clone()) {
                queue.extend(scan_tracked(
                    scanner, &repo, &seen, findings, &errors, warnings,
                ));
            }
        }
    }
    Ok(errors.into_inner().expect("no poisoned lock"))
}

/// What a walk met: the files it scanned and the directories holding a `.git` (nested
/// repositories and submodules: each lists its own tracked files).
struct Seen {
    files: Mutex<HashSet<PathBuf>>,
    repos: Arc<Mutex<Vec<PathBuf>>>,
    /// Directories left out of a walk that honours ignore rules because their
    /// `.gitignore` is too large to (see [`MAX_IGNORE_FILE`]): to be walked with none.
    unhonoured: Arc<Mutex<Vec<PathBuf>>>,
    /// The `.gitignore` bytes the walk may still honour ([`MAX_IGNORE_TOTAL`]).
    ignore_budget: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            files: Mutex::default(),
            repos: Arc::default(),
            unhonoured: Arc::default(),
            ignore_budget: Arc::new(std::sync::atomic::AtomicU64::new(MAX_IGNORE_TOTAL)),
        }
    }
}

impl Seen {
    /// Whether `path` is met for the first time (then it is to be scanned).
    fn first(&self, path: &Path) -> bool {
        let mut files = self.files.lock().expect("no poisoned lock");
        files.insert(path.to_owned())
    }
}

/// Walk `roots` in parallel and scan every file met, honouring git's ignore rules
/// (inside a git work tree only) unless `no_ignore`; `.ignore` files never.
fn walk(
    scanner: &Scanner,
    roots: &[PathBuf],
    no_ignore: bool,
    seen: &Seen,
    findings: &Mutex<Vec<Finding>>,
    errors: &Mutex<Vec<String>>,
) {
    let (roots, too_large): (Vec<&PathBuf>, Vec<&PathBuf>) = roots
        .iter()
        .partition(|r| no_ignore || !root_ignore_too_large(r));
    seen.unhonoured
        .lock()
        .expect("no poisoned lock")
        .extend(too_large.into_iter().cloned());
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    let repos = Arc::clone(&seen.repos);
    let unhonoured = Arc::clone(&seen.unhonoured);
    let budget = Arc::clone(&seen.ignore_budget);
    builder
        .hidden(false)
        .ignore(false)
        .parents(!no_ignore)
        .git_ignore(!no_ignore)
        .git_global(!no_ignore)
        .git_exclude(!no_ignore)
        .require_git(true)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            // Left out before the walker reads (and compiles) its `.gitignore`.
            if !no_ignore && is_dir && e.depth() > 0 && !ignore_honoured(e.path(), &budget) {
                let mut unhonoured = unhonoured.lock().expect("no poisoned lock");
                unhonoured.push(e.path().to_owned());
                return false;
            }
            // A repository within the tree (nested, or a submodule): asked for its own
            // tracked files. Seen from the directory, not its `.git` entry, which the
            // repository's own rules may ignore (`*`) before this filter sees it.
            if e.depth() > 0 && is_dir && e.path().join(".git").exists() {
                repos
                    .lock()
                    .expect("no poisoned lock")
                    .push(e.path().to_owned());
            }
            true
        });
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.lock().expect("no poisoned lock").push(e.to_string());
                    return ignore::WalkState::Continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_file()) && seen.first(entry.path()) {
                scan_file(scanner, entry.path(), findings, errors);
            }
            ignore::WalkState::Continue
        })
    });
}

/// Scan each file git tracks under `repo` that the walk left out (an ignore rule matched
/// it: `git add -f`, or a rule added after the file). Returns the tracked directories
/// (submodules), whose own tracked files are to be listed the same way. Where git cannot
/// list what it tracks, `repo` is walked whole, with a warning.
fn scan_tracked(
    scanner: &Scanner,
    repo: &Path,
    seen: &Seen,
    findings: &Mutex<Vec<Finding>>,
    errors: &Mutex<Vec<String>>,
    warnings: &mut Vec<String>,
) -> Vec<PathBuf> {
    let tracked = match super::git::tracked(repo) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!(
                "`{}`: cannot list the files git tracks ({}): scanning every file there, ignored ones included",
                repo.display(),
                e.to_string().lines().next().unwrap_or_default()
            ));
            walk(scanner, &[repo.to_owned()], true, seen, findings, errors);
            return Vec::new();
        }
    };
    let mut submodules = Vec::new();
    for path in tracked {
        // Not on disk (deleted, not yet committed): nothing of it is in the tree.
        // A symbolic link is not followed, as in the walk.
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() && seen.first(&path) => {
                scan_file(scanner, &path, findings, errors)
            }
            Ok(m) if m.is_dir() => submodules.push(path),
            _ => {}
        }
    }
    submodules
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
    // Held (with a large file's turn) until the scan below is done with it.
    let data = match read {
        Ok(read) => {
            if read.more {
                errors
                    .lock()
                    .expect("no poisoned lock")
                    .push(past_the_limit(&format!("`{}`", path.display())));
            }
            read
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
    scanner.scan_all(&shown.display().to_string(), &data.bytes, findings);
}
