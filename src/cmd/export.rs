//! `keyward export`: the environment's active keys as dotenv, JSON or shell.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::Context;
use crate::audit::Action;
use crate::dotenv::{dotenv_line, shell_line};
use crate::error::{Error, Result};
use crate::names::{KeyName, loader_refusal, loader_variables_refused, now_ms};
use crate::output::stdout_error;

/// Print the active keys as dotenv, JSON or shell `export` lines
///
/// Every value round-trips exactly through `eval` (shell), a JSON parser (json) and
/// `keyward import` (dotenv). Each exported key is recorded in the audit trail first.
/// Prefer `keyward run`: an exported file is plaintext on disk.
///
/// Keys named like variables that change how programs load or shells start (PATH,
/// LD_*, DYLD_*, BASH_ENV, NODE_OPTIONS, PYTHONPATH, ...) are refused in every format
/// (the output is meant to become an environment) and nothing is exported, unless
/// --allow-name names each one.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  keyward export -e test --format dotenv --only DB_URL,API_KEY > .env.test\n  eval \"$(keyward export --format shell)\"\n  keyward export --format json | jq 'keys'"
)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum)]
    pub format: ExportFormat,

    /// Only these keys (comma-separated); each must be usable
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub only: Option<Vec<KeyName>>,

    /// Export this key even though its name changes how programs load (PATH, LD_*,
    /// ...); repeatable
    #[arg(long = "allow-name", value_name = "NAME")]
    pub allow_names: Vec<KeyName>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Dotenv,
    Json,
    Shell,
}

pub fn run(args: ExportArgs, ctx: &Context) -> Result<()> {
    let db = ctx.open_env()?;
    let now = now_ms();
    let keys = super::handed_out(&db, args.only.as_deref(), now)?;
    let refused = loader_variables_refused(keys.iter().map(|(n, _, _)| n), &args.allow_names);
    if !refused.is_empty() {
        return Err(Error::Refused(loader_refusal(&refused, "export")));
    }
    let not_utf8 = keys
        .iter()
        .find(|(_, _, v)| std::str::from_utf8(v.expose()).is_err());
    if let (ExportFormat::Json, Some((name, _, _))) = (args.format, not_utf8) {
        return Err(Error::Refused(format!(
            "the value of `{name}` is not UTF-8, which JSON cannot carry\nhint: use --format dotenv or shell"
        )));
    }
    if !keys.is_empty() {
        let events = keys.iter().map(|(n, v, _)| (n, Some(*v))).collect();
        ctx.audit_all(&db, Action::Export, events, "ok")?;
    }
    let mut out = zeroize::Zeroizing::new(Vec::new());
    match args.format {
        ExportFormat::Dotenv => {
            for (name, _, v) in &keys {
                out.extend_from_slice(&dotenv_line(name.as_str(), v.expose()));
            }
        }
        ExportFormat::Shell => {
            for (name, _, v) in &keys {
                out.extend_from_slice(&shell_line(name.as_str(), v.expose()));
            }
        }
        ExportFormat::Json => {
            let map: serde_json::Map<String, serde_json::Value> = keys
                .iter()
                .map(|(n, _, v)| {
                    (
                        n.to_string(),
                        serde_json::Value::String(String::from_utf8_lossy(v.expose()).into_owned()),
                    )
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &map)
                .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
            out.push(b'\n');
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| stdout.flush())
        .map_err(stdout_error)
}
