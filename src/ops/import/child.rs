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
    /// A non-zero exit: its stderr, as text (lossy) and as the bytes it wrote.
    Failed(String, Vec<u8>),
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
            stderr,
        ))
    }
}

/// Everything `r` gives, up to 64 MiB (see [`crate::input::read_capped`]).
pub fn read_all(r: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    crate::input::read_capped(r, MAX_OUTPUT)
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

/// A tool's raw stderr about `input` with every word of 6 bytes or more that occurs in
/// the file (as it is, or without the quotes and punctuation around it) replaced by
/// `[…]`: a tool that quotes the line it failed on must not put a value into keyward's
/// error (and a CI log). Run on the raw bytes, before [`diagnostic`] decodes them (a
/// byte that is not UTF-8 would no longer match the file), drops control characters (a
/// tab would join two words into one the file does not hold) and cuts the message. A
/// file that cannot be read, or is longer than 16 MiB, hides every long word.
pub fn without_input(stderr: &[u8], input: &std::path::Path) -> String {
    use std::io::Read;
    const CAP: u64 = 16 * 1024 * 1024;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(input)
        .and_then(|f| f.take(CAP + 1).read_to_end(&mut bytes))
        .is_ok_and(|n| n as u64 <= CAP);
    let in_file = |w: &[u8]| bytes.windows(w.len()).any(|win| win == w);
    // A word is quoted when it, or it without the punctuation around it, is in the file.
    let quoted = |word: &[u8]| {
        let inner = |b: &u8| b.is_ascii_alphanumeric() || *b >= 0x80;
        let bare = match (word.iter().position(inner), word.iter().rposition(inner)) {
            (Some(from), Some(to)) => &word[from..=to],
            _ => &[][..],
        };
        word.len() >= 6 && (!read || in_file(word) || (bare.len() >= 6 && in_file(bare)))
    };
    let mut out: Vec<u8> = Vec::with_capacity(stderr.len());
    let mut word: Vec<u8> = Vec::new();
    for &b in stderr.iter().chain(std::iter::once(&b' ')) {
        if !b.is_ascii_whitespace() {
            word.push(b);
            continue;
        }
        if quoted(&word) {
            out.extend_from_slice("[…]".as_bytes());
        } else {
            out.extend_from_slice(&word);
        }
        word.clear();
        out.push(b);
    }
    out.pop();
    zeroize::Zeroize::zeroize(&mut bytes);
    String::from_utf8_lossy(&out).into_owned()
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
            without_input(b"invalid dotenv input line: MIIEvQSECRETLINE", &f),
            "invalid dotenv input line: […]"
        );
        // A tab between two words, and quotes around one: each word is looked for.
        assert_eq!(
            diagnostic(&without_input(
                b"invalid line: \"STRIPE\tsk_live_abcdef\"",
                &f
            )),
            "invalid line: […][…]"
        );
        // A byte that is not UTF-8 in the quoted word: compared as bytes.
        std::fs::write(&f, b"P\xe4sswortGeheimnis2024\n").unwrap();
        assert_eq!(
            without_input(b"invalid dotenv input line: P\xe4sswortGeheimnis2024", &f),
            "invalid dotenv input line: […]"
        );
        assert_eq!(
            without_input(b"no such thing: MIIEvQSECRETLINE", &dir.path().join("gone")),
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
