//! Running a command with keys in its environment (`keyward run`): the child's
//! environment (keys in, keyward's own credentials out), redaction of its output, and
//! the signals that must reach it. Values come only from `release`, after the access
//! was journaled.

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::audit::Action;
use crate::error::{Error, ImportError, NotExecutable, Result};
use crate::names::KeyName;
use crate::ops::Context;
use crate::ops::files;
use crate::ops::reference::{self, Resolve, Wanted};
use crate::ops::release::Pick;
use crate::redact::{MIN_LEN, Pumped, Redactor};
use crate::sys;

/// What `run` is asked to do.
#[derive(Debug)]
pub struct RunRequest<'a> {
    pub command: &'a [OsString],
    /// Only these keys (each must be usable), or every active key.
    pub only: Option<&'a [KeyName]>,
    /// The child gets only the keys plus PATH, HOME, USER, LANG and TERM.
    pub pristine: bool,
    /// `Some(true)`: filter output even on a terminal; `Some(false)`: never.
    pub redact: Option<bool>,
    pub pass_keyward_env: bool,
    pub allow_loader: &'a [KeyName],
    /// `--file NAME`: these keys reach the child as files (`NAME_FILE=path`), not as
    /// variables (DESIGN §11).
    pub files: &'a [KeyName],
    /// `--allow-disk`: key files may be written where they could reach a disk.
    pub allow_disk: bool,
    /// `--env-file FILE`: a dotenv file whose values may be references (DESIGN §17);
    /// the command then gets the file's variables, and of `-e`'s keys only those named
    /// by `--only` and `--file`.
    pub env_file: Option<&'a Path>,
    /// `--strict` / `KEYWARD_RUN_STRICT=1`: keys not in service left out are exit 4,
    /// before the child starts (DESIGN §16).
    pub strict: bool,
}

/// Inherited variables whose name starts with `KEYWARD_` that the child keeps: where
/// the vault is and which environment, never a credential.
const KEYWARD_KEPT: [&str; 4] = [
    "KEYWARD_VAULT",
    "KEYWARD_ENV",
    "KEYWARD_REDACT",
    "KEYWARD_LOCK_TIMEOUT",
];

/// Whether to filter a stream: the flags, then KEYWARD_REDACT, then "not a terminal".
/// Only an absent (or empty) KEYWARD_REDACT is unset: any other value, one that is not
/// UTF-8 included, is 1, 0 or a usage error.
fn redact_stream(req: &RunRequest<'_>, is_terminal: bool) -> Result<bool> {
    if let Some(forced) = req.redact {
        return Ok(forced);
    }
    match std::env::var("KEYWARD_REDACT").as_deref() {
        Ok("1") | Ok("true") => Ok(true),
        Ok("0") | Ok("false") => Ok(false),
        Ok("") | Err(std::env::VarError::NotPresent) => Ok(!is_terminal),
        Ok(_) | Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::usage("KEYWARD_REDACT must be 1 or 0"))
        }
    }
}

/// Start `req.command` with the released keys in its environment and pass its exit
/// status through (`Error::ChildExit`, 128+N after signal N).
pub fn run(ctx: &Context, req: RunRequest<'_>) -> Result<()> {
    let redact_out = redact_stream(&req, io::stdout().is_terminal())?;
    // A stdout closed at start is the runtime's /dev/null: the child's output would
    // vanish with its exit code. It goes through keyward, which reports it lost.
    let stdout_closed = sys::stdout_was_closed();
    let redact_err = redact_stream(&req, io::stderr().is_terminal())?;
    // Where key files would go is checked before anything is read or journaled.
    let location = if req.files.is_empty() {
        None
    } else {
        Some(files::Location::choose(req.allow_disk)?)
    };
    // --only with --file: the files are among the keys asked for.
    let only: Option<Vec<KeyName>> = req.only.map(|only| {
        let mut names = only.to_vec();
        names.extend(req.files.iter().filter(|f| !only.contains(f)).cloned());
        names
    });
    // With --env-file the file says what the command gets: of `-e`'s keys only those
    // --only and --file name.
    let declared: Vec<KeyName> = union(req.only.unwrap_or_default(), req.files);
    let pick = match (&only, req.files, req.env_file) {
        (_, _, Some(_)) if declared.is_empty() => None,
        (_, _, Some(_)) => Some(Pick::Keys(Some(&declared))),
        (Some(names), _, None) => Some(Pick::Keys(Some(names))),
        (None, [], None) => Some(Pick::Keys(None)),
        (None, required, None) => Some(Pick::Every { required }),
    };
    // DESIGN §17: the env file's variables, and variables already set to a reference.
    let vars = match req.env_file {
        Some(file) => env_file(file, req.allow_loader)?,
        None => Vec::new(),
    };
    // `--file NAME` sets `NAME_FILE` to the key's file, instead of `NAME`: a line of the
    // env file setting either contradicts the command line (refused before anything is
    // read); an inherited `NAME_FILE` is overridden (and, a reference, never read).
    let file_var = |var: &str| {
        req.files
            .iter()
            .find(|f| var.strip_suffix("_FILE") == Some(f.as_str()))
    };
    if let Some((v, f)) = vars.iter().find_map(|v| {
        file_var(v.name.as_str())
            .or_else(|| req.files.iter().find(|f| **f == v.name))
            .map(|f| (v, f))
    }) {
        return Err(Error::usage(format!(
            "line {} of `{}` sets `{}`, but `--file {f}` gives the command the key as a file (`{f}_FILE`), not as a variable: drop one of the two",
            v.line,
            req.env_file.expect("read").display(),
            v.name
        )));
    }
    let mut wanted = Vec::new();
    let mut literal: Vec<(KeyName, &[u8])> = Vec::new();
    for v in &vars {
        match reference::Reference::parse(v.value.expose()) {
            Ok(Some(r)) => wanted.push((
                v.name.to_string(),
                Wanted {
                    at: format!(
                        "line {} of `{}`",
                        v.line,
                        req.env_file.expect("read").display()
                    ),
                    written: String::from_utf8_lossy(v.value.expose()).into_owned(),
                    reference: r,
                    inherited_as: None,
                },
            )),
            Ok(None) => literal.push((v.name.clone(), v.value.expose())),
            Err(detail) => {
                return Err(ImportError::ReferenceInvalid {
                    at: format!(
                        "line {} of `{}`",
                        v.line,
                        req.env_file.expect("read").display()
                    ),
                    detail,
                }
                .into());
            }
        }
    }
    if !req.pristine {
        for (var, value) in std::env::vars_os() {
            let name = var.to_string_lossy().into_owned();
            let set_by_file = vars.iter().any(|v| v.name.as_str() == name);
            if name.starts_with("KEYWARD_") || set_by_file {
                continue;
            }
            let at = format!("variable `{name}`");
            match reference::Reference::parse(value.as_bytes()) {
                Ok(Some(_)) | Err(_) if let Some(f) = file_var(&name) => ctx.out.warn(&format!(
                    "the inherited `{name}={}` is not resolved: `--file {f}` sets `{name}` to the key's file",
                    value.to_string_lossy()
                )),
                Ok(Some(r)) => wanted.push((
                    name.clone(),
                    Wanted {
                        at,
                        written: value.to_string_lossy().into_owned(),
                        reference: r,
                        inherited_as: Some(name),
                    },
                )),
                Ok(None) => {}
                Err(detail) => return Err(ImportError::ReferenceInvalid { at, detail }.into()),
            }
        }
    }
    let refs: Vec<Wanted> = wanted.iter().map(|(_, w)| w.clone()).collect();
    // Every key named by --only, --file or a reference must be usable, and loader
    // variables allowed, in every environment, before anything is journaled or
    // started; then each access is journaled in its environment's journal (DESIGN §5).
    let resolved = reference::resolve(
        ctx,
        Resolve {
            access: Action::Run,
            wanted: &refs,
            own: pick,
            allow_loader: req.allow_loader,
            strict: req.strict.then_some(crate::ops::run_guard::LeftOutOf::Run),
        },
        &|w, e| {
            ImportError::InReference {
                at: w.at.clone(),
                reference: w.written.clone(),
                source: Box::new(e),
            }
            .into()
        },
    )?;
    for released in &resolved.released {
        crate::ops::run_guard::left_out(ctx, released, crate::ops::run_guard::LeftOutOf::Run);
    }
    // Keys set by their own names: -e's own pick (with --env-file, only those named).
    let keys: Vec<(&KeyName, &[u8])> = match (pick, resolved.of(&ctx.env)) {
        (Some(pick), Some(released)) => released
            .keys
            .iter()
            .filter(|k| match pick {
                Pick::Keys(Some(names)) => names.contains(&k.name),
                _ => true,
            })
            .map(|k| (&k.name, k.value.expose()))
            .collect(),
        _ => Vec::new(),
    };
    // Variables set to a referenced key's value; an inherited one a key of -e's sets by
    // its name (or as a file) is not: the vault key wins, as over any inherited variable.
    for i in &resolved.overridden {
        let (var, w) = &wanted[*i];
        ctx.out.warn(&format!(
            "the inherited `{var}={}` is not resolved: the key `{var}` of `{}` overrides it, as a vault key overrides any inherited variable of its name",
            w.written, ctx.env
        ));
    }
    let referenced: Vec<(&str, &[u8])> = wanted
        .iter()
        .enumerate()
        .filter(|(i, _)| !resolved.overridden.contains(i))
        .map(|(_, (var, w))| {
            let value = resolved
                .value(w.reference.env_in(ctx), &w.reference.name)
                .expect("every reference was released");
            (var.as_str(), value)
        })
        .collect();
    let handed_out: usize = resolved.released.iter().map(|r| r.keys.len()).sum();
    // DESIGN §11: journaled above, written now; the directory goes when this returns.
    let mut key_files = None;
    let mut file_vars = Vec::new();
    if let Some(location) = &location {
        let written = key_files.insert(location.create()?);
        for (name, value) in keys.iter().filter(|(n, _)| req.files.contains(n)) {
            let path = written.write(name, value)?;
            file_vars.push((format!("{name}_FILE"), path));
        }
    }

    let (program, rest) = req
        .command
        .split_first()
        .ok_or_else(|| Error::usage("no command to run"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest).stdin(Stdio::inherit());
    // The child's environment is built apart from `cmd` (sys::ChildEnv: one wiped
    // buffer, not std's unwiped copies of every value).
    let mut env = if req.pristine {
        sys::ChildEnv::inherited(|k| {
            !["PATH", "HOME", "USER", "LANG", "TERM"].contains(&k.to_string_lossy().as_ref())
        })
    } else {
        // keyward's own credentials would let the child open every key, including
        // those --only left out, unredacted.
        sys::ChildEnv::inherited(|k| {
            let name = k.to_string_lossy();
            !req.pass_keyward_env && name.starts_with("KEYWARD_") && !KEYWARD_KEPT.contains(&&*name)
        })
    };
    for (name, value) in &keys {
        if req.files.contains(name) {
            // The key comes as a file; an inherited variable of its name is not it.
            env.remove(name.as_str());
        } else {
            env.set(name.as_str(), value);
        }
    }
    // The env file's variables and its references win over keys of the same name (the
    // file is what the command line asked for); inherited references were overridden.
    for (name, value) in &literal {
        env.set(name.as_str(), value);
    }
    for (var, value) in &referenced {
        env.set(var, value);
    }
    for (var, path) in &file_vars {
        if keys.iter().any(|(n, _)| n.as_str() == var) {
            ctx.out.warn(&format!(
                "`{var}` names the file of `--file {}`, not the key `{var}` of the same name",
                &var[..var.len() - "_FILE".len()]
            ));
        }
        env.set(var, path.as_os_str().as_bytes());
    }
    cmd.stdout(if redact_out || stdout_closed {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });
    cmd.stderr(if redact_err {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });

    let mut pairs: Vec<(String, &[u8])> = keys.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    pairs.extend(referenced.iter().map(|(var, v)| (var.to_string(), *v)));
    // Passed through on request: keep them out of the child's logs too.
    let inherited: Vec<(String, zeroize::Zeroizing<Vec<u8>>)> =
        if req.pass_keyward_env && !req.pristine {
            ["KEYWARD_IDENTITY", "KEYWARD_PASSPHRASE"]
                .iter()
                .filter_map(|k| {
                    sys::var_os(k).map(|v| (k.to_string(), zeroize::Zeroizing::new(v.into_vec())))
                })
                .filter(|(k, v)| *k != "KEYWARD_IDENTITY" || contains_secret_key(v))
                .collect()
        } else {
            Vec::new()
        };
    pairs.extend(inherited.iter().map(|(k, v)| (k.clone(), v.as_slice())));
    if redact_out || redact_err {
        let short = Redactor::too_short(&pairs);
        if !short.is_empty() {
            let names: Vec<String> = short.iter().map(|n| format!("`{n}`")).collect();
            ctx.out.warn(&format!(
                "not redacting {}: values shorter than {MIN_LEN} bytes would match by chance (as `scan` skips them)",
                names.join(", ")
            ));
        }
    }

    // Signals sent to keyward reach the child; none is lost around the spawn; the child
    // gets SIGTERM if keyward dies (sys owns the system calls).
    let child = sys::spawn_forwarding_signals(cmd, &env)
        .map_err(|e| spawn_error(ctx, program, handed_out, e))?;
    // The parent's copies of the values go now (wiped), not when the child exits.
    drop(env);
    let (done, pumped) = supervise(child, &pairs, stdout_closed);
    // The child has exited (after a forwarded signal too): its key files go now.
    drop(key_files);
    let redacted: Vec<(&str, Vec<String>)> = pumped
        .iter()
        .map(|(stream, p)| (*stream, p.redacted.clone()))
        .collect();
    crate::ops::run_guard::say_redacted(ctx, io::stderr().is_terminal(), &redacted);
    output_lost(ctx, done, &pumped)
}

/// The child's outcome, unless its output could not be passed on: a write error other
/// than a broken pipe (a full disk, an I/O error, a closed stdout) turns its exit 0
/// into exit 1, as `get` and `export` fail when their output is not delivered. The
/// error is reported only now, once the command has run to its end (its output was
/// drained meanwhile): a deploy is never stopped half-way because its log could not be
/// written. A command that failed keeps its own code, with a warning.
fn output_lost(ctx: &Context, done: Result<()>, pumped: &[(&'static str, Pumped)]) -> Result<()> {
    let lost: Vec<String> = pumped
        .iter()
        .filter_map(|(stream, p)| {
            p.lost
                .as_ref()
                .map(|e| format!("cannot write to {stream}: {e}"))
        })
        .collect();
    if lost.is_empty() {
        return done;
    }
    let lost = lost.join("; ");
    match done {
        Ok(()) => Err(Error::Failed {
            what: "pass the command's output on",
            detail: format!(
                "{lost}; the command ran to its end and exited 0, but what it wrote from there on was dropped"
            ),
        }),
        Err(e) => {
            ctx.out.warn(&format!(
                "the command's output could not be passed on ({lost}): what it wrote from there on was dropped"
            ));
            Err(e)
        }
    }
}

/// Stands for a stdout that was closed when keyward started: every write fails, as it
/// would have for the command itself (a write to a closed descriptor).
struct ClosedStdout;

impl io::Write for ClosedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Err(io::Error::other("it was closed when keyward started"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why the command did not start, with the exit codes `env`, `sh` and `timeout` use:
/// 127 when it is not found, 126 when it is found but cannot be executed (not
/// executable, a directory, not an executable format). The access was journaled before
/// the spawn: values are handed only to a child that starts, so none left keyward.
fn spawn_error(ctx: &Context, program: &OsStr, keys: usize, e: io::Error) -> Error {
    let name = program.to_string_lossy().into_owned();
    let env = ctx.env.clone();
    match (e.kind(), e.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => Error::CommandNotFound {
            // execve says ENOENT for a script whose `#!` interpreter is missing too
            interpreter: program.as_bytes().contains(&b'/')
                && std::path::Path::new(program).is_file(),
            program: name,
            env,
            keys,
        },
        (io::ErrorKind::PermissionDenied, _) => Error::CommandNotExecutable {
            reason: if std::path::Path::new(program).is_dir() {
                NotExecutable::Directory
            } else {
                NotExecutable::Permission
            },
            program: name,
            env,
            keys,
        },
        (_, Some(libc::ENOEXEC)) => Error::CommandNotExecutable {
            reason: NotExecutable::Format,
            program: name,
            env,
            keys,
        },
        _ => Error::Failed {
            what: "start the command",
            detail: format!("`{name}`: {e}"),
        },
    }
}

/// What became of each of the child's piped streams.
type Streams = Vec<(&'static str, Pumped)>;

/// Pump the child's redacted output and wait for it; its exit code becomes ours. Also
/// what became of each stream (the names redacted, an output error).
fn supervise(
    mut child: std::process::Child,
    pairs: &[(String, &[u8])],
    stdout_closed: bool,
) -> (Result<()>, Streams) {
    let mut pumps = Vec::new();
    // Built once (after the child started, so it runs meanwhile), shared by both streams.
    let redactor = (child.stdout.is_some() || child.stderr.is_some()).then(|| Redactor::new(pairs));
    if let Some(out) = child.stdout.take() {
        let r = redactor.clone().expect("built when a stream is piped");
        pumps.push((
            "stdout",
            std::thread::spawn(move || {
                if stdout_closed {
                    return r.pump_named(out, ClosedStdout);
                }
                r.pump_named(
                    out,
                    io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
                )
            }),
        ));
    }
    if let Some(err) = child.stderr.take() {
        let r = redactor.clone().expect("built when a stream is piped");
        pumps.push((
            "stderr",
            std::thread::spawn(move || {
                r.pump_named(
                    err,
                    io::BufWriter::with_capacity(1 << 16, io::stderr().lock()),
                )
            }),
        ));
    }
    let status = match child.wait() {
        Ok(s) => s,
        Err(e) => {
            let failed = Error::Failed {
                what: "wait for the command",
                detail: e.to_string(),
            };
            return (Err(failed), Vec::new());
        }
    };
    sys::stop_forwarding();
    // Each pump reads its stream to the end (an output error included), so the child
    // was never stopped by one; what they met is judged by `output_lost`.
    let pumped = pumps
        .into_iter()
        .map(|(stream, p)| (stream, p.join().unwrap_or_default()))
        .collect();
    let code = match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        _ => 1,
    };
    let done = if code == 0 {
        Ok(())
    } else {
        Err(Error::ChildExit(code.clamp(1, 255) as u8))
    };
    (done, pumped)
}

/// `a ∪ b`, in order.
fn union(a: &[KeyName], b: &[KeyName]) -> Vec<KeyName> {
    let mut out = a.to_vec();
    out.extend(b.iter().filter(|n| !a.contains(n)).cloned());
    out
}

/// The entries of `--env-file FILE` (dotenv), errors naming the line, never a value.
///
/// A name set twice is refused, naming both lines: which one a command gets would
/// otherwise be a rule to remember (dotenv's last-wins against a reference that always
/// won), and a second line is how a rendered value adds itself. Every name passes the
/// check keys pass (`--allow-name`): a file's lines, a rendered value's included, must
/// not set `GIT_CONFIG_*` or `LD_PRELOAD` where a key may not.
fn env_file(file: &Path, allow_loader: &[KeyName]) -> Result<Vec<crate::dotenv::Entry>> {
    let raw = crate::input::read_file_capped(file, crate::ops::issue::MAX_IMPORT)?;
    let invalid = |detail: String| -> Error {
        ImportError::EnvFileInvalid {
            file: file.to_owned(),
            detail,
        }
        .into()
    };
    // Bounded before any variable is built: a program's environment could never hold
    // more, and millions of short lines exhausted memory building the child's block.
    let max = crate::ops::issue::MAX_ENTRIES;
    let entries = crate::dotenv::parse_dotenv_at_most(&raw, max)
        .map_err(invalid)?
        .ok_or_else(|| ImportError::EnvFileTooMany {
            file: file.to_owned(),
            max,
        })?;
    let mut seen: std::collections::HashMap<&KeyName, usize> = Default::default();
    for e in &entries {
        if let Some(first) = seen.insert(&e.name, e.line) {
            return Err(invalid(format!(
                "`{}` is set on line {first} and again on line {}: keep one of them",
                e.name, e.line
            )));
        }
    }
    crate::ops::release::refuse_loader_variables(
        entries.iter().map(|e| &e.name),
        allow_loader,
        Action::Run,
        Some(file),
    )?;
    Ok(entries)
}

/// Whether a KEYWARD_IDENTITY value holds a key itself (not a path), in any case.
fn contains_secret_key(v: &[u8]) -> bool {
    let upper = zeroize::Zeroizing::new(v.to_ascii_uppercase());
    upper.windows(15).any(|w| w == b"AGE-SECRET-KEY-")
}
