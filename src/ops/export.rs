//! `keyward export`: released keys written as dotenv, JSON or shell lines, in a
//! zeroizing buffer, so the values never sit in an ordinary `String`.

use zeroize::Zeroizing;

use crate::audit::Action;
use crate::dotenv::{dotenv_line, shell_line};
use crate::error::{Error, Result};
use crate::names::KeyName;
use crate::ops::Context;
use crate::ops::release::{Pick, Release, release};

/// How exported keys are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Dotenv,
    Json,
    Shell,
}

impl ExportFormat {
    /// Its name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Dotenv => "dotenv",
            ExportFormat::Json => "json",
            ExportFormat::Shell => "shell",
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

/// Release the keys (`only`, or every active key) and format them (`pick_format`,
/// checked first). JSON refuses values that are not UTF-8 before anything is journaled.
pub fn export(
    ctx: &Context,
    format: Option<ExportFormat>,
    only: Option<&[KeyName]>,
    allow_loader: &[KeyName],
) -> Result<Zeroizing<Vec<u8>>> {
    let format = pick_format(format, ctx.out.json(), &ctx.env)?;
    let released = release(
        ctx,
        Release {
            access: Action::Export,
            pick: Pick::Keys(only),
            allow_loader,
            utf8_only: format == ExportFormat::Json,
        },
    )?;
    let mut out = Zeroizing::new(Vec::new());
    match format {
        ExportFormat::Dotenv => {
            for k in &released.keys {
                out.extend_from_slice(&dotenv_line(k.name.as_str(), k.value.expose()));
            }
        }
        ExportFormat::Shell => {
            for k in &released.keys {
                out.extend_from_slice(&shell_line(k.name.as_str(), k.value.expose()));
            }
        }
        ExportFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = released
                .keys
                .iter()
                .map(|k| {
                    (
                        k.name.to_string(),
                        serde_json::Value::String(
                            String::from_utf8_lossy(k.value.expose()).into_owned(),
                        ),
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
    Ok(out)
}
