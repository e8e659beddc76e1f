//! The hints and details some messages build from their fields.

use crate::names::{EnvName, KeyName};

use super::Error;

/// "template `t` line 3, `{{ NOPE }}`: <cause>; nothing was written", with the
/// cause's hint kept as the second line.
pub(super) fn in_template(
    template: &str,
    line: usize,
    placeholder: &str,
    source: &Error,
) -> String {
    let text = source.to_string();
    let (first, hint) = match text.split_once('\n') {
        Some((first, hint)) => (first, format!("\n{hint}")),
        None => (text.as_str(), String::new()),
    };
    format!(
        "template `{template}` line {line}, `{placeholder}`: {first}; nothing was written{hint}"
    )
}

/// What became of the keys when `run`'s command did not start.
pub(super) fn journaled_note(keys: usize) -> String {
    match keys {
        0 => String::new(),
        1 => "; the read of 1 key was journaled, its value reached no process".to_owned(),
        n => format!("; the read of {n} keys was journaled, no value reached any process"),
    }
}

/// Why `run` found its command but could not execute it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotExecutable {
    /// EACCES on a file: no execute permission (or a `noexec` mount).
    Permission,
    /// EACCES on a directory.
    Directory,
    /// ENOEXEC: no `#!` line the kernel accepts, or a program for another machine.
    Format,
}

impl std::fmt::Display for NotExecutable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotExecutable::Permission => "permission denied",
            NotExecutable::Directory => "it is a directory",
            NotExecutable::Format => "exec format error",
        })
    }
}

/// The next step when `run` found `program` but could not execute it.
pub(super) fn not_executable_hint(program: &str, env: &EnvName, reason: NotExecutable) -> String {
    match reason {
        NotExecutable::Directory => {
            format!("name the program inside it: `keyward run -e {env} -- {program}/PROGRAM`")
        }
        _ => format!(
            "make it executable (`chmod +x {program}`) or name its interpreter: `keyward run -e {env} -- sh {program}`"
        ),
    }
}

/// The next step when `run` found no command `program`.
pub(super) fn not_found_hint(program: &str, env: &EnvName, interpreter: bool) -> String {
    if interpreter {
        format!(
            "install the interpreter named on the first line of `{program}`, or name another: `keyward run -e {env} -- sh {program}`"
        )
    } else if program.contains('/') {
        format!(
            "no file `{program}`: check the path (relative paths start from the current directory)"
        )
    } else {
        format!(
            "`{program}` is not on `PATH`: give its path, e.g. `keyward run -e {env} -- ./{program}`"
        )
    }
}

/// The rest of an `Unusable` message: since when, why, and what to do.
pub(super) fn unusable_detail(
    name: &KeyName,
    env: &EnvName,
    status: crate::codes::Status,
    at: Option<i64>,
    reason: Option<&str>,
) -> String {
    use crate::codes::Status;
    let t = at.map(crate::names::fmt_time).unwrap_or_default();
    match status {
        Status::Revoked => format!(
            " since {t}{}",
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ),
        Status::Expired => format!(
            ": it expired at {t}\nhint: `keyward rotate {name} -e {env}` issues a new version"
        ),
        Status::Retiring => {
            format!(": replaced by a newer version; it only passes `verify` until {t}")
        }
        _ => ": replaced by a newer version".to_owned(),
    }
}

/// "it exists in `prod` (add `-e prod`); " for a hint, or nothing.
pub(super) fn found_elsewhere(name: &KeyName, envs: &[EnvName]) -> String {
    match envs {
        [] => String::new(),
        [one] => format!("`{name}` exists in `{one}` (add `-e {one}`); "),
        many => format!(
            "`{name}` exists in {} (add `-e ENV`); ",
            many.iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// "did you mean `A` or `B`? " for a hint, or nothing.
pub(super) fn did_you_mean(similar: &[KeyName]) -> String {
    match similar {
        [] => String::new(),
        [one] => format!("did you mean `{one}`? "),
        [init @ .., last] => format!("did you mean {} or `{last}`? ", backticked(init)),
    }
}

/// `A`, `B` → "`A`, `B`".
pub(super) fn backticked(names: &[KeyName]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refusing loader variables: who could run code through them is the environment's
/// writers, or (`run --env-file`) whoever can write the file or a value rendered into it.
pub(super) fn loader_refusal(
    names: &[KeyName],
    access: crate::codes::Action,
    from: Option<&std::path::Path>,
) -> String {
    let (writer, what) = match from {
        None => ("this environment".to_owned(), "the key is"),
        Some(file) => (
            format!(
                "`{}` (or a value rendered into it)",
                crate::text::escape(&file.display().to_string())
            ),
            "the file is",
        ),
    };
    format!(
        "refusing to {} {}: such a variable makes programs run other code (how they load or start, which commands and configuration they use), so whoever can write {writer} could run code here; nothing was done\nhint: if {what} meant to set it, pass {}",
        if access == crate::codes::Action::Export {
            "export"
        } else {
            "inject"
        },
        backticked(names),
        names
            .iter()
            .map(|n| format!("--allow-name {n}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// `render` refusing values with a line break: in a line-oriented output (a `.env`, INI,
/// YAML) the lines after the break are the value writer's, a `GIT_CONFIG_COUNT=1` that
/// `run --env-file` would set. The multi-line keys a template means are named on the
/// command line.
pub(super) fn line_break_refusal(names: &[KeyName]) -> String {
    format!(
        "refusing to render {}: the value holds a line break, so what follows it would be lines of their own in the output (in a `.env`, variables chosen by whoever can write the environment); nothing was written\nhint: if the key is meant to span lines (a PEM key, a JSON file), pass {}",
        backticked(names),
        names
            .iter()
            .map(|n| format!("--allow-multiline {n}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}
