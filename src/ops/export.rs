//! `keyward export`: released keys written as dotenv, JSON or shell lines, a Kubernetes
//! `Secret` or `$GITHUB_ENV` blocks (`ops::platform`), in a zeroizing buffer, so the
//! values never sit in an ordinary `String`. Where the output goes (`-o FILE`,
//! `$GITHUB_ENV`) is checked before anything is read or journaled.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::audit::Action;
use crate::dotenv::{dotenv_line, shell_line};
use crate::error::{Error, ImportError, Result};
use crate::fsutil::OutFile;
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
use crate::ops::platform::{self, K8sName, K8sNamespace};
use crate::ops::release::{Pick, Release, hand_out, withhold};
use crate::ops::run_guard::LeftOutOf;

/// How exported keys are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Dotenv,
    Json,
    Shell,
    /// A Kubernetes `Secret` manifest (DESIGN §17).
    K8sSecret,
    /// Blocks appended to `$GITHUB_ENV`, `::add-mask::` commands on stdout.
    GithubEnv,
}

impl ExportFormat {
    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Dotenv => "dotenv",
            ExportFormat::Json => "json",
            ExportFormat::Shell => "shell",
            ExportFormat::K8sSecret => "k8s-secret",
            ExportFormat::GithubEnv => "github-env",
        }
    }
}

/// The format to write: `--format`, else JSON with `--json`, else dotenv. `--json` with
/// another `--format` is refused (exit 2): one of the two would be silently ignored.
pub fn pick_format(
    requested: Option<ExportFormat>,
    json: bool,
    env: &crate::names::EnvName,
) -> Result<ExportFormat> {
    match (requested, json) {
        (None, false) => Ok(ExportFormat::Dotenv),
        (None, true) | (Some(ExportFormat::Json), _) => Ok(ExportFormat::Json),
        (Some(f), true) => Err(Error::ExportJsonConflict {
            format: f.as_str().to_owned(),
            env: env.clone(),
        }),
        (Some(f), false) => Ok(f),
    }
}

/// What `export` is asked to do.
pub struct ExportRequest<'a> {
    pub format: Option<ExportFormat>,
    /// Only these keys (each must be usable), or every active key.
    pub only: Option<&'a [KeyName]>,
    pub allow_loader: &'a [KeyName],
    /// `-o FILE`: a new 0600 file (appended to for github-env); `None`: stdout.
    pub out: Option<&'a Path>,
    pub force: bool,
    /// k8s-secret: the Secret's name (required) and namespace.
    pub name: Option<&'a K8sName>,
    pub namespace: Option<&'a K8sNamespace>,
    /// `--strict` / `KEYWARD_RUN_STRICT=1`: keys not in service left out are exit 4,
    /// before anything is written; otherwise they are named on stderr (DESIGN §16).
    pub strict: bool,
}

/// What `export` produced: bytes for stdout, and the file written, if any.
pub struct Exported {
    pub stdout: Zeroizing<Vec<u8>>,
    pub written: Option<Written>,
}

/// A file `export` wrote (`-o`, `$GITHUB_ENV`), reported on stderr.
#[derive(Serialize)]
pub struct Written {
    pub env: EnvName,
    pub path: PathBuf,
    pub keys: usize,
    /// Appended to (github-env), rather than created.
    pub appended: bool,
}

/// Where the keys go: checked (and the file opened) before anything is read.
enum Target {
    Stdout,
    New(OutFile, PathBuf),
    /// `$GITHUB_ENV` or `-o FILE` for github-env, before it is opened: once the keys
    /// are checked (a refused export leaves no file behind).
    AppendTo(PathBuf),
    /// The same, opened for appending.
    Append(std::fs::File, PathBuf),
}

/// Release the keys (`only`, or every active key) and format them (`pick_format`,
/// checked first, and the output's place). JSON refuses values that are not UTF-8 before
/// anything is journaled.
pub fn export(ctx: &Context, req: ExportRequest<'_>) -> Result<Exported> {
    let format = pick_format(req.format, ctx.out.json(), &ctx.env)?;
    match (format, req.name) {
        (ExportFormat::K8sSecret, None) => {
            return Err(Error::usage(
                "--format k8s-secret needs --name NAME, the Secret's name; nothing was exported",
            ));
        }
        (ExportFormat::K8sSecret, Some(_)) => {}
        (f, Some(_)) => {
            return Err(Error::usage(format!(
                "--name and --namespace name a Kubernetes Secret, not `--format {}` output; nothing was exported",
                f.as_str()
            )));
        }
        _ => {}
    }
    let target = match (format, req.out) {
        (ExportFormat::GithubEnv, out) => {
            let path = match out {
                Some(p) if p == Path::new("-") => {
                    return Err(Error::usage(
                        "--format github-env appends to a file (stdout carries the ::add-mask:: commands): name it with -o FILE, or leave -o out to use $GITHUB_ENV; nothing was exported",
                    ));
                }
                Some(p) => p.to_owned(),
                None => std::env::var_os("GITHUB_ENV")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .ok_or(ImportError::GithubEnvUnset)?,
            };
            // Opened (and created) once the keys are known to go out: see below.
            Target::AppendTo(path)
        }
        (_, Some(p)) if p != Path::new("-") => {
            Target::New(OutFile::create(p, req.force)?, p.to_owned())
        }
        _ => Target::Stdout,
    };
    let pending = withhold(
        ctx,
        &ctx.env,
        Release {
            access: Action::Export,
            pick: Pick::Keys(req.only),
            allow_loader: req.allow_loader,
            // The runner reads $GITHUB_ENV as UTF-8 text: a value that is not would
            // reach later steps changed.
            utf8_only: matches!(format, ExportFormat::Json | ExportFormat::GithubEnv),
        },
    )
    .map_err(|e| match (format, e) {
        (ExportFormat::GithubEnv, Error::NotUtf8 { name }) => {
            ImportError::GithubEnvNotText { name }.into()
        }
        (_, e) => e,
    })?;
    crate::ops::run_guard::refuse_if_strict(&pending, req.strict, LeftOutOf::Export)?;
    let target = match target {
        Target::AppendTo(path) => Target::Append(open_append(&path)?, path),
        other => other,
    };
    let released = hand_out(ctx, pending)?;
    crate::ops::run_guard::left_out(ctx, &released, LeftOutOf::Export);
    let keys: Vec<(&KeyName, &[u8])> = released
        .keys
        .iter()
        .map(|k| (&k.name, k.value.expose()))
        .collect();
    let mut out = Zeroizing::new(Vec::new());
    match format {
        ExportFormat::Dotenv => {
            for (name, value) in &keys {
                out.extend_from_slice(&dotenv_line(name.as_str(), value));
            }
        }
        ExportFormat::Shell => {
            for (name, value) in &keys {
                out.extend_from_slice(&shell_line(name.as_str(), value));
            }
        }
        ExportFormat::K8sSecret => {
            let name = req.name.expect("checked above");
            out = platform::k8s_secret(name, req.namespace, &keys);
        }
        ExportFormat::GithubEnv => {
            let blocks = platform::github_env(&keys);
            // The masks first: a later step must never log a value GitHub was not told
            // to mask.
            ctx.out.data(&blocks.masks)?;
            out = blocks.file;
        }
        ExportFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = keys
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        serde_json::Value::String(String::from_utf8_lossy(value).into_owned()),
                    )
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &map).map_err(|e| Error::Failed {
                what: "write JSON",
                detail: e.to_string(),
            })?;
            out.push(b'\n');
        }
    }
    let written = |path: PathBuf, appended| Written {
        env: released.env.clone(),
        path,
        keys: keys.len(),
        appended,
    };
    match target {
        Target::Stdout => Ok(Exported {
            stdout: out,
            written: None,
        }),
        Target::AppendTo(_) => Err(Error::Internal("the github-env file was not opened")),
        Target::New(mut file, path) => {
            file.write_all(&out)
                .map_err(|e| Error::io("cannot write", &path, e))?;
            file.commit()?;
            Ok(Exported {
                stdout: Zeroizing::new(Vec::new()),
                written: Some(written(path, false)),
            })
        }
        Target::Append(mut file, path) => {
            append_whole(&mut file, &out, &path)?;
            Ok(Exported {
                stdout: Zeroizing::new(Vec::new()),
                written: Some(written(path, true)),
            })
        }
    }
}

/// Append `out` to `file` whole or not at all: on a line of its own (a file whose last
/// line has no line break would otherwise run into the first line written, and the
/// runner read the value's lines as commands), and cut back to its length before if a
/// write fails part way (a full disk left half a block with no closing delimiter) —
/// unless something else appended meanwhile, whose lines are never cut.
fn append_whole(file: &mut std::fs::File, out: &[u8], path: &Path) -> Result<()> {
    use std::io::Read;
    let failed = |e| Error::io("cannot append to", path, e);
    let start = file.metadata().map_err(failed)?.len();
    // The last byte, through a handle of its own (the file may be write-only to us: then
    // the block starts with a line break anyway; an empty line is skipped by the runner).
    let ends_a_line = start == 0
        || std::fs::File::open(path)
            .and_then(|mut f| {
                use std::io::Seek;
                f.seek(std::io::SeekFrom::Start(start - 1))?;
                let mut last = [0u8];
                f.read_exact(&mut last)?;
                Ok(last[0] == b'\n')
            })
            .unwrap_or(false);
    let mut block = Zeroizing::new(Vec::with_capacity(out.len() + 1));
    if !ends_a_line {
        block.push(b'\n');
    }
    block.extend_from_slice(out);
    let mut written = 0usize;
    let result = (|| {
        while written < block.len() {
            match file.write(&block[written..]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        file.sync_all()
    })();
    if let Err(e) = result {
        // Only our own bytes: the file must be exactly what it was plus what we wrote.
        let ours = file
            .metadata()
            .is_ok_and(|m| m.len() == start + written as u64);
        if ours {
            let _ = file.set_len(start).and_then(|()| file.sync_all());
        }
        return Err(failed(e));
    }
    Ok(())
}

/// `$GITHUB_ENV` (or `-o FILE`) for appending: created 0600 when missing, never through
/// a symbolic link, and a regular file only, opened without waiting: a FIFO there would
/// hold the export (and the environment's values, withheld) until some reader came, and
/// a device or pipe is not the runner's file (a FIFO with no reader is ENXIO at once).
fn open_append(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(crate::sys::O_NOFOLLOW | crate::sys::O_NONBLOCK)
        .open(path)
        .and_then(crate::sys::require_regular)
        .map_err(|e| {
            if crate::sys::is_symlink_refusal(&e) {
                Error::OutputIsSymlink {
                    path: path.to_owned(),
                }
            } else if crate::sys::is_not_regular(&e) {
                Error::NotAFile {
                    path: path.to_owned(),
                }
            } else {
                Error::io("cannot append to", path, e)
            }
        })
}
