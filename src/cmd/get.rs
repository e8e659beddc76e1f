//! `keyward get`: print one active value, after recording the access.

use std::io;

use clap::Args;

use super::Context;
use crate::audit::Action;
use crate::error::{Error, Result};
use crate::names::{KeyName, now_ms};

/// Print a key's active value
///
/// Revoked, expired and retired versions are refused (exit 4) and nothing is printed.
/// The access is recorded in the audit journal before the value is printed; if it
/// cannot be recorded, nothing is printed. With stdout closed (`>&-`) nothing is read
/// and the exit code is 1; a reader that goes away before the value is written is
/// exit 1 too (`> /dev/null` is an explicit discard and succeeds).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward get STRIPE_KEY\n  keyward get -e prod STRIPE_KEY -n | pbcopy\n  curl -H \"Authorization: Bearer $(keyward get API_TOKEN)\" …"
)]
pub struct GetArgs {
    /// Name of the key
    pub name: KeyName,

    /// A specific version (it must still be active)
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Print no trailing newline
    #[arg(short = 'n', long)]
    pub no_newline: bool,
}

pub fn run(args: GetArgs, ctx: &Context) -> Result<()> {
    // Checked before the access is journaled: a value nobody can receive is not released.
    if stdout_was_closed() {
        return Err(Error::Refused(
            "stdout is closed: there is nowhere to print the value, so it was not read\nhint: run `keyward get` with stdout open, e.g. redirected to a file or a pipe".into(),
        ));
    }
    let env = ctx.open_env()?;
    let (_, version, value) = env.usable_value(&args.name, args.version, now_ms())?;
    // DESIGN §5: journal before release.
    ctx.audit(
        &env,
        Action::Get,
        Some(&args.name),
        Some(version.version),
        "ok",
    )?;
    let printed = if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "env": env.env,
            "name": args.name,
            "version": version.version,
            "value": String::from_utf8_lossy(value.expose()),
        }))
    } else {
        ctx.out.secret(&value, args.no_newline)
    };
    // The value is this command's only product: unlike `list | head`, a reader that went
    // away before it was written is a failure, not a quiet end.
    printed.map_err(|e| match e {
        Error::BrokenPipe => Error::Other(format!(
            "stdout was closed before the value of `{}` was written: it was not delivered",
            args.name
        )),
        e => e,
    })
}

/// Whether stdout was closed when keyward started (`keyward get A >&-`). Rust's runtime
/// reopens a closed fd 0-2 on /dev/null, read-write, before `main`, so that no file
/// opened later lands on it; writes then succeed and the value would vanish with exit
/// 0. A shell's `> /dev/null` opens it write-only, so an explicit discard still works.
fn stdout_was_closed() -> bool {
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
        return true; // EBADF: closed, and not even reopened
    };
    let file = std::fs::File::from(fd);
    let (Ok(meta), Ok(null)) = (file.metadata(), std::fs::metadata("/dev/null")) else {
        return false;
    };
    if !meta.file_type().is_char_device() || meta.rdev() != null.rdev() {
        return false;
    }
    // SAFETY: F_GETFL only reads the status flags of a descriptor we own.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    flags >= 0 && flags & libc::O_ACCMODE == libc::O_RDWR
}
