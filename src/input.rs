//! Reading values a person or a pipe gives keyward: a hidden prompt on a terminal,
//! otherwise stdin exactly as given; and asking before a destructive change
//! ([`confirm_change`], DESIGN §14), never without a terminal.
//!
//! Owns the rules every stored value obeys ([`check_value`]: not empty, no NUL, at most
//! 64 KiB). Never echoes what it reads and never reads a passphrase (that is
//! `identity`'s, with its own sources).

use std::borrow::Cow;
use std::io::{self, IsTerminal, Read};

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::output::{Output, escape_lines};
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
        let mut buf = Zeroizing::new(Vec::new());
        io::stdin()
            .lock()
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

/// A destructive change about to be made (DESIGN §14), described before anything is
/// changed so the question shows real numbers. Built by `ops`, which owns the rules.
#[derive(Debug, Default)]
pub struct Confirmation {
    /// What will change, one line each: shown before the question.
    pub lines: Vec<String>,
    /// Said plainly before the question (the caller warns with `--yes`).
    pub warnings: Vec<String>,
    /// The change in a few words with its numbers: "rotate 3 keys in `prod`".
    pub what: String,
    /// The same command with `--yes` and its `-e` (the hint without a terminal).
    pub command: String,
}

/// Show what will change and ask on a terminal (the caller skips this with `--yes`).
/// Without a terminal: exit 2 naming the command with `--yes`. A refused question is
/// [`Error::Cancelled`] (exit 2): the caller has changed nothing yet.
pub fn confirm_change(out: &Output, c: &Confirmation) -> Result<()> {
    if !io::stdin().is_terminal() {
        return Err(Error::ConfirmationNeeded {
            what: c.what.clone(),
            command: c.command.clone(),
        });
    }
    // Shown even with -q: a question without what it is about cannot be answered.
    for line in &c.lines {
        eprintln!("{}", escape_lines(line));
    }
    for w in &c.warnings {
        out.warn(w);
    }
    match confirm(&format!("{}?", c.what)) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::Cancelled),
        Err(Error::NeedsYes) => Err(Error::ConfirmationNeeded {
            what: c.what.clone(),
            command: c.command.clone(),
        }),
        Err(e) => Err(e),
    }
}

/// `keyward` and `words` as one copy-pasteable shell command: words a shell would
/// change are single-quoted.
pub fn command_line<S: AsRef<str>>(words: &[S]) -> String {
    let mut line = String::from("keyward");
    for w in words {
        line.push(' ');
        line.push_str(&shell_word(w.as_ref()));
    }
    line
}

/// One word as a shell reads it back unchanged: single-quoted when needed.
pub fn shell_word(w: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@%+".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        Cow::Borrowed(w)
    } else {
        Cow::Owned(format!("'{}'", w.replace('\'', "'\\''")))
    }
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

    #[test]
    fn command_lines_quote_what_a_shell_would_change() {
        assert_eq!(
            command_line(&["rotate", "-e", "prod", "--all", "--yes"]),
            "keyward rotate -e prod --all --yes"
        );
        assert_eq!(
            command_line(&["--reason", "it's gone", ""]),
            "keyward --reason 'it'\\''s gone' ''"
        );
    }
}
