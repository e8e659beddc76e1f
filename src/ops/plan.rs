//! Destructive operations (DESIGN §14: `rotate --all`, `revoke`, `offboard`, `access
//! revoke`, `delete`, `hook allow`, `trust`) as a plan: what will change is read
//! without the writer lock and shown; the change is applied under the lock and refused
//! if what was shown changed meanwhile. Asking is the command's business
//! (`cmd::confirm`): an operation never sees a terminal.

use crate::error::Result;
use crate::ops::Context;

/// A destructive change about to be made, described before anything is changed so the
/// question shows real numbers. Built by the operation, which owns the rules.
#[derive(Debug, Default)]
pub struct Confirmation {
    /// What will change, one line each: shown before the question.
    pub lines: Vec<String>,
    /// Said plainly before the question.
    pub warnings: Vec<String>,
    /// The change in a few words with its numbers: "rotate 3 keys in `prod`".
    pub what: String,
    /// The same command with `--yes` and its `-e` (the hint without a terminal).
    pub command: String,
}

/// A planned destructive change: `ask` (only when a person is to be asked) reads what
/// will change and remembers it; `apply` makes the change under the writer lock.
pub trait Destructive {
    type Done;
    /// What the change will do, for the question; `None` when there is nothing to ask
    /// about (nothing would change). Remembers what was shown, so `apply` refuses with
    /// `ChangedWhileAsked` if the vault moved meanwhile.
    fn ask(&mut self, ctx: &Context) -> Result<Option<Confirmation>>;
    /// Make the change.
    fn apply(self, ctx: &Context) -> Result<Self::Done>;
}

/// `keyward` and `words` as one copy-pasteable shell command: each word quoted as a
/// POSIX shell reads it back unchanged (`shlex`: the one quoting rule).
pub fn command_line<S: AsRef<str>>(words: &[S]) -> String {
    let mut line = String::from("keyward");
    for w in words {
        line.push(' ');
        line.push_str(&shell_word(w.as_ref()));
    }
    line
}

/// One word as a POSIX shell reads it back unchanged.
pub fn shell_word(w: &str) -> std::borrow::Cow<'_, str> {
    // A word holding a NUL cannot be quoted; keyward never builds one (names are
    // validated), so show it escaped rather than fail.
    shlex::try_quote(w)
        .unwrap_or_else(|_| std::borrow::Cow::Owned(crate::text::escape(w).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_a_shell_would_change() {
        assert_eq!(
            command_line(&["rotate", "-e", "prod", "--all", "--yes"]),
            "keyward rotate -e prod --all --yes"
        );
        assert_eq!(
            command_line(&["--reason", "it's gone", ""]),
            "keyward --reason \"it's gone\" ''"
        );
    }
}
