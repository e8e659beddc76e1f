//! What goes where: values and data on stdout, everything else on stderr; tables on a
//! terminal, stable serde structs with `--json`. A closed stdout (`keyward list | head`)
//! ends the command quietly instead of panicking.

use std::io::{self, IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::crypto::Secret;
use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub color: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool) -> Self {
        let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { json, quiet, color }
    }

    /// Print a value on stdout, exactly, with a newline unless `no_newline`.
    pub fn secret(&self, value: &Secret, no_newline: bool) -> Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(value.expose())
            .and_then(|_| {
                if no_newline {
                    Ok(())
                } else {
                    out.write_all(b"\n")
                }
            })
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// Print data as pretty JSON on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
        out.write_all(b"\n")
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// Print a line of data on stdout.
    pub fn line(&self, s: &str) -> Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(s.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// A message for the person at the terminal, on stderr; `-q` silences it.
    pub fn note(&self, s: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "{s}");
        }
    }

    /// A warning on stderr; shown even with `-q`.
    pub fn warn(&self, s: &str) {
        let _ = writeln!(io::stderr(), "warning: {s}");
    }

    /// A table on stdout: boxed on a terminal, plain aligned columns otherwise (cheap
    /// enough for the 10,000-row result of a batch rotation in a CI log).
    pub fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
        let mut out = io::BufWriter::new(io::stdout().lock());
        if self.color {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED);
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_header(header.iter().copied());
            for r in rows {
                t.add_row(r);
            }
            writeln!(out, "{t}").map_err(stdout_error)?;
            return out.flush().map_err(stdout_error);
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut line = String::new();
        let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
        for r in std::iter::once(&header).chain(rows.iter()) {
            line.clear();
            for (i, (cell, w)) in r.iter().zip(&widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if i + 1 < r.len() {
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
                }
            }
            out.write_all(line.trim_end().as_bytes())
                .and_then(|_| out.write_all(b"\n"))
                .map_err(stdout_error)?;
        }
        out.flush().map_err(stdout_error)
    }
}

pub fn stdout_error(e: io::Error) -> Error {
    Error::io("cannot write to", "stdout", e)
}

/// `-` for absent values in tables.
pub fn or_dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}
