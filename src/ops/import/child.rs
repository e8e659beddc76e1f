//! Running a peer's tool (`sops`, `gpg`) to decrypt: the value comes back on a pipe into
//! a zeroizing buffer, never through argv, a file or keyward's own output; the tool's
//! stderr is kept only as its diagnostic (a line or two, control characters escaped).

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
    /// A non-zero exit: its stderr, as text.
    Failed(String),
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
        Ok(Ran::Failed(String::from_utf8_lossy(&stderr).into_owned()))
    }
}

/// Everything `r` gives, into a buffer that is wiped when dropped; growing it never
/// leaves an unwiped copy behind (the old buffer is wiped before it is freed).
pub fn read_all(mut r: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(8 << 10));
    let mut chunk = Zeroizing::new([0u8; 8 << 10]);
    loop {
        let n = match r.read(&mut chunk[..]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.len() + n > MAX_OUTPUT {
            return Err(io::Error::other("more than 64 MiB of output"));
        }
        if buf.len() + n > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity((buf.len() + n) * 2));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
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

/// A tool's raw stderr about `input` with every word of 6 characters or more that occurs
/// in the file (as it is, or without the quotes and punctuation around it) replaced by
/// `[…]`: a tool that quotes the line it failed on must not put a value into keyward's
/// error (and a CI log). Run on the raw stderr, before [`diagnostic`] drops control
/// characters (a tab would join two words into one the file does not hold) and cuts it.
/// The first 16 MiB of the file are compared; one that cannot be read hides every long
/// word.
pub fn without_input(stderr: &str, input: &std::path::Path) -> String {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(input)
        .and_then(|f| f.take(16 * 1024 * 1024).read_to_end(&mut bytes))
        .is_ok();
    let in_file = |w: &str| bytes.windows(w.len()).any(|win| win == w.as_bytes());
    let mut out = String::with_capacity(stderr.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        let long = word.chars().count() >= 6;
        if long && (!read || in_file(word) || (bare.chars().count() >= 6 && in_file(bare))) {
            out.push_str("[…]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in stderr.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    zeroize::Zeroize::zeroize(&mut bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_never_repeats_a_long_word_of_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("plain.env");
        std::fs::write(
            &f,
            "KEY=\"-----BEGIN\nMIIEvQSECRETLINE\nSTRIPE\tsk_live_abcdef\n\"\n",
        )
        .unwrap();
        assert_eq!(
            without_input("invalid dotenv input line: MIIEvQSECRETLINE", &f),
            "invalid dotenv input line: […]"
        );
        // A tab between two words, and quotes around one: each word is looked for.
        assert_eq!(
            diagnostic(&without_input(
                "invalid line: \"STRIPE\tsk_live_abcdef\"",
                &f
            )),
            "invalid line: […][…]"
        );
        assert_eq!(
            without_input("no such thing: MIIEvQSECRETLINE", &dir.path().join("gone")),
            "no such […] […]"
        );
    }

    #[test]
    fn reads_past_the_first_chunk_exactly() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        assert_eq!(&read_all(&data[..]).unwrap()[..], &data[..]);
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
