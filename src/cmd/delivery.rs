//! Commands whose product is values on stdout (`get`, `export`, `render`): DESIGN §14's
//! "delivered or failed". A stdout closed at start releases nothing (checked before the
//! access is journaled); a reader gone before the values were written is a failure, never
//! the quiet end a listing gets.

use crate::error::{Error, Result};

/// Refuse before anything is read out when the values would go to a stdout that was
/// closed when keyward started.
pub fn require_stdout(to_stdout: bool) -> Result<()> {
    if to_stdout && crate::sys::stdout_was_closed() {
        return Err(Error::StdoutClosed);
    }
    Ok(())
}

/// Whether `-o PATH` means stdout: none given, or `-`.
pub fn is_stdout(out: Option<&std::path::Path>) -> bool {
    out.is_none_or(|p| p == std::path::Path::new("-"))
}

/// A new value committed and then not printed (`generate`, `rotate` of a generated key
/// into a full disk): the change stands, so the error says it is committed and how to
/// read the value, and that doing it `again` would not help (docs/reference/exit-codes.md:
/// committed, exit 1).
pub fn committed_unprinted(
    e: Error,
    again: &str,
    name: &crate::names::KeyName,
    version: u32,
    env: &crate::names::EnvName,
) -> Error {
    Error::Failed {
        what: "print the new value",
        detail: format!(
            "`{name}` version {version} is committed in `{env}`, but {why}\nhint: do not {again}: `keyward get -e {env} {name}` prints its value (a recorded read)",
            why = e.to_string().lines().next().unwrap_or_default(),
        ),
    }
}

/// A write of values that hit a closed pipe, said as not delivered.
pub fn delivered<T>(r: Result<T>) -> Result<T> {
    r.map_err(|e| match e {
        Error::BrokenPipe => Error::OutputNotDelivered,
        e => e,
    })
}
