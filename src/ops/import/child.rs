//! Running a peer's tool (`sops`, `gpg`) to decrypt: the value comes back on a pipe into
//! a zeroizing buffer, never through argv, a file or keyward's own output. The tool's
//! stderr comes back for the caller to classify; gpg's is shown as a short diagnostic,
//! sops' never (it can quote a decrypted value).

use std::ffi::OsStr;
use std::io::{self, Read};
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

/// The most a decrypted file or entry may hold (a value is at most 64 KiB; a sops file
/// holds many).
const MAX_OUTPUT: usize = 64 << 20;

/// How a tool run ended.
pub enum Ran {
    /// Exit 0: what it printed on stdout.
    Ok(Zeroizing<Vec<u8>>),
    /// A non-zero exit: its stderr (lossy text) and exit status (none: a signal).
    Failed(String, Option<i32>),
    /// The program is not on PATH.
    Missing,
}

/// Run `program args…` with `envs` added, stdin closed; collect stdout (zeroized) and
/// stderr. Errors other than "not found" are returned as they are.
pub fn run(program: &str, args: &[&OsStr], envs: &[(&str, &OsStr)]) -> io::Result<Ran> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Ran::Missing),
        Err(e) => return Err(e),
    };
    // The environment given to the child may hold an identity (SOPS_AGE_KEY): the
    // Command keeps a copy until dropped.
    drop(cmd);
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.by_ref().take(1 << 20).read_to_end(&mut buf);
        buf
    });
    let out = read_all(child.stdout.take().expect("piped"));
    let status = child.wait()?;
    let stderr = errors.join().unwrap_or_default();
    let out = out?;
    if status.success() {
        Ok(Ran::Ok(out))
    } else {
        Ok(Ran::Failed(
            String::from_utf8_lossy(&stderr).into_owned(),
            status.code(),
        ))
    }
}

/// Everything `r` gives, up to 64 MiB (see [`crate::input::read_capped`]); more is an
/// error of kind `FileTooLarge`, so a caller can name the entry that inflated (a
/// compressed OpenPGP entry of a few KiB can decompress to gigabytes).
pub fn read_all(r: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut counted = Counted { inner: r, seen: 0 };
    crate::input::read_capped(&mut counted, MAX_OUTPUT).map_err(|e| {
        if counted.seen > MAX_OUTPUT {
            io::Error::new(io::ErrorKind::FileTooLarge, e)
        } else {
            e
        }
    })
}

/// A reader that counts what it gave.
struct Counted<R> {
    inner: R,
    seen: usize,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen += n;
        Ok(n)
    }
}

/// A tool's stderr as one short line for a message: the first non-empty lines joined,
/// control characters dropped, cut at 300 characters.
pub fn diagnostic(stderr: &str) -> String {
    let joined = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let clean: String = joined.chars().filter(|c| !c.is_control()).collect();
    match clean.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &clean[..i]),
        None if clean.is_empty() => "no message".to_owned(),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_first_chunk_exactly() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        assert_eq!(&read_all(&data[..]).unwrap()[..], &data[..]);
        let e = read_all(io::repeat(0).take(MAX_OUTPUT as u64 + 1)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn a_diagnostic_is_one_clean_line() {
        assert_eq!(
            diagnostic("\nFailed to get the data key.\n\nGroup 0: FAILED\n  x\x1b[1m\nmore\n"),
            "Failed to get the data key. Group 0: FAILED x[1m"
        );
        assert_eq!(diagnostic(""), "no message");
    }
}
