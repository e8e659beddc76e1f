//! Reading values a person or a pipe gives keyward: a hidden prompt on a terminal,
//! otherwise stdin exactly as given; and asking before a destructive change
//! ([`confirm_change`], DESIGN §14), never without a terminal.
//!
//! Owns the rules every stored value obeys ([`check_value`]: not empty, no NUL, at most
//! 64 KiB). Never echoes what it reads and never reads a passphrase (that is
//! `identity`'s, with its own sources).

use std::io::{self, IsTerminal, Read};

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The longest value keyward stores (values become environment variables).
pub const MAX_VALUE: usize = 64 * 1024;

/// Read a value from stdin: the hidden prompt on a terminal, otherwise every byte of
/// stdin exactly as given. Empty values and NUL bytes are refused (values become
/// environment variables, which cannot hold NUL).
pub fn read_value(prompt: &str) -> Result<Secret> {
    let value = if io::stdin().is_terminal() {
        let v = rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("cannot read value from", "/dev/tty", e))?;
        Secret::new(v.into_bytes())
    } else {
        // One byte past the limit is enough to refuse (`set < /dev/zero` must not grow
        // without end), and a buffer of that size from the start is never moved, so no
        // copy of the value is left behind in freed memory.
        let mut buf = Zeroizing::new(Vec::with_capacity(MAX_VALUE + 1));
        io::stdin()
            .lock()
            .take(MAX_VALUE as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read value from", "stdin", e))?;
        Secret::new(std::mem::take(&mut *buf))
    };
    check_value(&value)?;
    Ok(value)
}

/// Read a key presented for checking: the hidden prompt on a terminal, else stdin up to
/// `limit` bytes (hostile input cannot exhaust memory). Unlike [`read_value`] nothing is
/// refused here: the caller judges what it got.
pub fn read_presented(prompt: &str, limit: usize) -> Result<Secret> {
    if io::stdin().is_terminal() {
        let v = rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("cannot read the key from", "/dev/tty", e))?;
        return Ok(Secret::new(v.into_bytes()));
    }
    let mut buf = Zeroizing::new(Vec::new());
    io::stdin()
        .lock()
        .take(limit as u64)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("cannot read the key from", "stdin", e))?;
    Ok(Secret::new(std::mem::take(&mut *buf)))
}

/// Everything `r` gives, up to `cap` bytes (more is an error: `< /dev/zero` must not
/// fill memory), into a buffer that is wiped when dropped. Growing it never leaves an
/// unwiped copy behind: the old buffer is wiped before it is freed. For input that holds
/// values (an import file, a peer's output).
pub fn read_capped(mut r: impl Read, cap: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(8 << 10));
    let mut chunk = Zeroizing::new([0u8; 8 << 10]);
    loop {
        let n = match r.read(&mut chunk[..]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.len() + n > cap {
            return Err(io::Error::other(format!("more than {} MiB", cap >> 20)));
        }
        if buf.len() + n > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(((buf.len() + n) * 2).min(cap)));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A file that holds values (an import file, `run --env-file`), read as
/// [`read_capped`] reads. A pipe or a process substitution (`<(sops -d …)`) is read as
/// a file is.
pub fn read_file_capped(path: &std::path::Path, cap: usize) -> Result<Zeroizing<Vec<u8>>> {
    let f = std::fs::File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::FileNotFound {
            path: path.to_owned(),
        },
        _ => Error::io("cannot read", path, e),
    })?;
    read_capped(f, cap).map_err(|e| Error::io("cannot read", path, e))
}

/// Ask a yes/no question on the terminal; `false` unless the answer is yes. Without a
/// terminal nothing is asked: the command needs `--yes` (a usage error, exit 2), so a
/// CI job never hangs and never says yes by accident.
pub fn confirm(question: &str) -> Result<bool> {
    if !io::stdin().is_terminal() {
        return Err(Error::NeedsYes);
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("cannot read the answer from", "stdin", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// The rules every stored value obeys, wherever it came from (stdin, a .env file).
pub fn check_value(value: &Secret) -> Result<()> {
    if value.is_empty() {
        return Err(Error::EmptyValue);
    }
    if value.expose().contains(&0) {
        return Err(Error::ValueWithNul);
    }
    if value.len() > MAX_VALUE {
        return Err(Error::ValueTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_refused_empty_with_nul_or_over_64_kib() {
        assert!(check_value(&Secret::new(vec![])).is_err());
        assert!(check_value(&Secret::new(b"a\0b".to_vec())).is_err());
        assert!(check_value(&Secret::new(vec![b'a'; MAX_VALUE + 1])).is_err());
        assert!(check_value(&Secret::new(vec![b'a'; MAX_VALUE])).is_ok());
    }
}
