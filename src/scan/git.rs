//! What a scan asks git: the files a work tree tracks (so an ignore rule never hides
//! one, see `walk`) and the blobs staged for the next commit (`scan --staged`). Names
//! stay raw bytes (git's names need not be UTF-8); blobs are read by id, never through
//! git's `:path` syntax (a file named `0:notes.txt` is `:0:notes.txt`, stage 0 of
//! `notes.txt`, to `git show`).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::engine::Scanner;
use super::report::Finding;
use crate::error::{Error, GitError, Result};

fn failed(args: &[&str], detail: impl ToString) -> Error {
    Error::Git(GitError::GitFailed {
        args: args.join(" "),
        detail: detail.to_string(),
    })
}

/// `git ARGS`, never running a command the repository's configuration names
/// (`core.fsmonitor`: a scanned tree may be a hostile one) nor a pager.
fn git(dir: Option<&Path>) -> Command {
    let mut c = Command::new("git");
    if let Some(dir) = dir {
        // The repository is the one at `dir`, not one an inherited variable names (a
        // hook runs with GIT_DIR set; a nested repository has its own index).
        c.current_dir(dir);
        for v in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_COMMON_DIR",
        ] {
            c.env_remove(v);
        }
    }
    c.args(["-c", "core.fsmonitor=false", "--no-pager"]);
    c
}

fn output(dir: Option<&Path>, args: &[&str]) -> Result<Vec<u8>> {
    let out = git(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| failed(args, e))?;
    if !out.status.success() {
        return Err(failed(args, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out.stdout)
}

/// The files git tracks (or has staged) under `dir`, as paths joined onto `dir`: what
/// `git ls-files --cached` lists, a submodule as its directory.
pub fn tracked(dir: &Path) -> Result<Vec<PathBuf>> {
    let out = output(Some(dir), &["ls-files", "--cached", "-z"])?;
    Ok(out
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| dir.join(OsStr::from_bytes(n)))
        .collect())
}

/// What `scan --staged` met: the staged names, and what it could not scan whole (a blob
/// past the scan's limit), as `walk::scan_paths` reports it.
pub struct Staged {
    pub names: Vec<Vec<u8>>,
    pub unreadable: Vec<String>,
}

/// Scan what is staged for the next commit in the git repository here (the pre-commit
/// hook): each added, copied, modified or type-changed file as it is in the index, read
/// by its blob id, up to its first `walk::MAX_SCANNED` bytes (as a file of a tree).
pub fn scan_staged(scanner: &Scanner, findings: &Mutex<Vec<Finding>>) -> Result<Staged> {
    let raw = output(
        None,
        &[
            "diff",
            "--cached",
            "--raw",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-abbrev",
            // T: a path whose type changed (a symlink committed, now a file) is a new file.
            "--diff-filter=ACMT",
        ],
    )?;
    let staged = parse_raw(&raw).ok_or_else(|| {
        failed(
            &["diff", "--cached", "--raw", "-z"],
            "output not understood",
        )
    })?;
    let mut unreadable = Vec::new();
    if !staged.is_empty() {
        read_blobs(&staged, |name, blob, more| {
            let name = String::from_utf8_lossy(name);
            if more {
                unreadable.push(super::walk::past_the_limit(&format!("`{name}`")));
            }
            scanner.scan_all(&name, blob, findings)
        })?;
    }
    Ok(Staged {
        names: staged.into_iter().map(|(_, name)| name.to_vec()).collect(),
        unreadable,
    })
}

/// The blobs of `git diff --raw -z --no-renames` output: `(blob id, raw name)` for each
/// record (`:<mode> <mode> <id> <id> <status>\0<name>\0`). A submodule (mode 160000)
/// holds no blob of its own and is left out. `None` for output not of that shape.
fn parse_raw(raw: &[u8]) -> Option<Vec<(String, &[u8])>> {
    let mut fields = raw.split(|b| *b == 0);
    let mut out = Vec::new();
    loop {
        let meta = match fields.next() {
            None | Some(b"") => return Some(out),
            Some(m) => std::str::from_utf8(m.strip_prefix(b":")?).ok()?,
        };
        let name = fields.next().filter(|n| !n.is_empty())?;
        let parts: Vec<&str> = meta.split(' ').collect();
        let [_, mode, _, id, _] = parts[..] else {
            return None;
        };
        if !id.bytes().all(|b| b.is_ascii_hexdigit()) || id.len() < 40 {
            return None;
        }
        if mode != "160000" {
            out.push((id.to_owned(), name));
        }
    }
}

/// Read each blob through one `git cat-file --batch` and hand it over with its name: its
/// first `walk::MAX_SCANNED` bytes, and whether there was more (read past, never held:
/// the size is git's header's, and a staged blob of zeros may be of any size).
fn read_blobs(staged: &[(String, &[u8])], mut each: impl FnMut(&[u8], &[u8], bool)) -> Result<()> {
    let args = ["cat-file", "--batch"];
    let mut child = git(None)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(&args, e))?;
    let mut stdin = child.stdin.take().expect("piped");
    let ids: Vec<u8> = staged
        .iter()
        .flat_map(|(id, _)| [id.as_bytes(), b"\n"].concat())
        .collect();
    // Written from a thread: git answers while it reads, and both pipes are bounded.
    let writer = std::thread::spawn(move || stdin.write_all(&ids));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut result = Ok(());
    for (id, name) in staged {
        let mut header = String::new();
        let size = stdout.read_line(&mut header).ok().and_then(|_| {
            let mut h = header.trim_end().split(' ');
            match (h.next(), h.next(), h.next(), h.next()) {
                (Some(got), Some("blob"), Some(n), None) if got == id => n.parse().ok(),
                _ => None,
            }
        });
        let Some(size) = size else {
            result = Err(failed(
                &args,
                format!("no blob {id}: {}", header.trim_end()),
            ));
            break;
        };
        let size: u64 = size;
        let kept = size.min(super::walk::MAX_SCANNED);
        let mut blob = vec![0; kept as usize];
        let mut nl = [0; 1];
        if let Err(e) = stdout
            .read_exact(&mut blob)
            .and_then(|_| skip(&mut stdout, size - kept))
            .and_then(|_| stdout.read_exact(&mut nl))
        {
            result = Err(failed(&args, e));
            break;
        }
        each(name, &blob, kept < size);
    }
    drop(stdout);
    let _ = writer.join();
    let status = child.wait().map_err(|e| failed(&args, e))?;
    result?;
    if !status.success() {
        return Err(failed(&args, format!("exited with {status}")));
    }
    Ok(())
}

/// Read and drop exactly `n` bytes of `r`.
fn skip(r: &mut impl Read, n: u64) -> std::io::Result<()> {
    let skipped = std::io::copy(&mut r.take(n), &mut std::io::sink())?;
    if skipped < n {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_records_give_blob_ids_and_raw_names() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let raw = format!(
            ":000000 100644 {z} {a} A\u{0}0:notes.txt\0:100644 160000 {a} {b} T\0sub\0:100644 100644 {a} {b} M\0caf\u{e9}\0",
            z = "0".repeat(40)
        );
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(b":100644 100644 ");
        raw.extend_from_slice(format!("{a} {b} M\0").as_bytes());
        raw.extend_from_slice(b"bad\xff\0");
        let got = parse_raw(&raw).unwrap();
        assert_eq!(
            got,
            vec![
                (a.clone(), b"0:notes.txt".as_slice()),
                (b.clone(), "caf\u{e9}".as_bytes()),
                (b.clone(), b"bad\xff".as_slice()),
            ]
        );
        assert!(parse_raw(b"garbage\0x\0").is_none());
        assert_eq!(parse_raw(b""), Some(vec![]));
    }
}
