//! What goes where: values and data on stdout, everything else on stderr; tables on a
//! terminal, stable serde structs with `--json`. A closed stdout (`keyward list | head`)
//! ends the command quietly instead of panicking.
//!
//! Every human-readable line, table cell, note and warning passes through [`escape`], so
//! a note, reason, scope, actor or file name holding terminal control sequences is shown,
//! never obeyed: no command can forget it. `--json` and values (`secret`) stay exact.
//! Also the one place that writes a user-named output file ([`OutFile`]): never through
//! a symlink, never over an existing file unless asked, 0600, atomically.

use std::borrow::Cow;

use std::io::{self, IsTerminal, Write};

use comfy_table::{Color, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::{Error, Result};
pub use crate::fsutil::stdout_error;
use crate::secret::Secret;
pub use crate::text::{escape, escape_lines, or_dash};

/// A report an operation returns. With `--json` it is printed as its `Serialize`
/// form (the stable shape scripts rely on); otherwise `human` prints it for people.
/// `Output::render` is the one place that decides which, for every command.
pub trait Render: Serialize {
    fn human(&self, out: &Output) -> Result<()>;
}

impl crate::ops::Say for Output {
    fn note(&self, s: &str) {
        Output::note(self, s)
    }
    fn warn(&self, s: &str) {
        Output::warn(self, s)
    }
    fn data(&self, bytes: &[u8]) -> Result<()> {
        Output::data(self, bytes)
    }
    fn json(&self) -> bool {
        self.json
    }
}

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

    /// Print a report: JSON with `--json`, else its human form.
    pub fn render<R: Render + ?Sized>(&self, report: &R) -> Result<()> {
        if self.json {
            self.json(report)
        } else {
            report.human(self)
        }
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

    /// Write bytes on stdout exactly (an export: values, not escaped).
    pub fn data(&self, bytes: &[u8]) -> Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(bytes)
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// Print data as pretty JSON on stdout, streamed through a wiped buffer: stdout's
    /// own line buffering would make one write per line (`list --json` at 100,000 keys
    /// is 1.5 million lines).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let mut out = WipedBuf::new(io::stdout().lock());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        value.serialize(&mut ser).map_err(json_error)?;
        out.write_all(b"\n")
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// `--jsonl` (DESIGN §16): one compact JSON object per line on stdout, through a
    /// wiped buffer (as `json`), for `jq -c` and line-by-line readers.
    pub fn jsonl<T: Serialize>(&self, items: impl IntoIterator<Item = T>) -> Result<()> {
        let mut out = WipedBuf::new(io::stdout().lock());
        for item in items {
            serde_json::to_writer(&mut out, &item).map_err(json_error)?;
            out.write_all(b"\n").map_err(stdout_error)?;
        }
        out.flush().map_err(stdout_error)
    }

    /// Print a line of data on stdout, control characters escaped (a newline inside
    /// `s` too: one call is one line).
    pub fn line(&self, s: &str) -> Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(escape(s).as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// A message for the person at the terminal, on stderr; `-q` silences it.
    pub fn note(&self, s: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "{}", escape_lines(s));
        }
    }

    /// A warning on stderr; shown even with `-q`.
    pub fn warn(&self, s: &str) {
        let _ = writeln!(io::stderr(), "warning: {}", escape_lines(s));
    }

    /// A status (`revoked`, `retiring`, a `check` problem) as a table cell or line
    /// part, highlighted on a terminal by how urgent it is (see [`Tone::of`]). The text
    /// is escaped like any other; the colour is added after, by [`Output::table`] and
    /// [`Output::styled_line`], and only when `color` (stdout a terminal, no `NO_COLOR`,
    /// not `--json`).
    pub fn status(&self, s: &str) -> Cell {
        Cell {
            text: s.to_owned(),
            tone: Tone::of(s),
        }
    }

    /// One line on stdout made of parts, each escaped, coloured by its tone on a
    /// terminal (`status:       revoked`, with `revoked` in red).
    pub fn styled_line(&self, parts: &[Cell]) -> Result<()> {
        let mut line = String::new();
        for p in parts {
            line.push_str(&self.paint(&escape(&p.text), p.tone));
        }
        let mut out = io::stdout().lock();
        out.write_all(line.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
            .map_err(stdout_error)
    }

    /// Already escaped text wrapped in the SGR colour of `tone` when colour is on.
    fn paint(&self, escaped: &str, tone: Tone) -> String {
        match (self.color && !self.json, tone.ansi()) {
            (true, Some(code)) => format!("\x1b[{code}m{escaped}\x1b[0m"),
            _ => escaped.to_owned(),
        }
    }

    /// A table on stdout: boxed on a terminal, plain aligned columns otherwise (cheap
    /// enough for the 10,000-row result of a batch rotation in a CI log). Cells are
    /// strings or [`Output::status`] cells; only the latter are coloured, and only on a
    /// terminal.
    pub fn table<C: Into<Cell>>(&self, header: &[&str], rows: Vec<Vec<C>>) -> Result<()> {
        let rows: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| {
                        let c: Cell = c.into();
                        Cell {
                            text: match escape(&c.text) {
                                Cow::Borrowed(_) => c.text,
                                Cow::Owned(e) => e,
                            },
                            tone: c.tone,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut out = io::BufWriter::new(io::stdout().lock());
        if self.color {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED);
            // Fitted to the terminal's width when it knows it; a terminal that reports
            // 0 columns would squeeze every column to one character, so then the table
            // takes the width its cells need.
            match crate::sys::stdout_columns() {
                Some(columns) => {
                    t.set_width(columns);
                    t.set_content_arrangement(ContentArrangement::Dynamic);
                }
                None => {
                    t.set_content_arrangement(ContentArrangement::Disabled);
                }
            }
            t.enforce_styling();
            t.set_header(header.iter().map(|h| escape(h)));
            for r in rows {
                t.add_row(r.into_iter().map(|c| {
                    let cell = comfy_table::Cell::new(c.text);
                    match c.tone {
                        Tone::Plain => cell,
                        Tone::Bad => cell.fg(Color::Red),
                        Tone::Warn => cell.fg(Color::Yellow),
                    }
                }));
            }
            writeln!(out, "{t}").map_err(stdout_error)?;
            return out.flush().map_err(stdout_error);
        }
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.text).collect())
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut line = String::new();
        let header: Vec<String> = header.iter().map(|h| escape(h).into_owned()).collect();
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

/// A table cell or part of a line: text (escaped when printed) and how it is coloured
/// on a terminal. Plain strings convert into plain cells.
#[derive(Clone, Debug)]
pub struct Cell {
    text: String,
    tone: Tone,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            tone: Tone::Plain,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_owned())
    }
}

/// How urgent a status reads: red for a value that no longer works or must not be
/// trusted, yellow for one that soon will not or needs doing, plain otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Bad,
    Warn,
}

impl Tone {
    /// The tone of a key status (`list`, `show`) or a `check` problem.
    pub fn of(status: &str) -> Tone {
        match status {
            "revoked" | "expired" | "exposed" => Tone::Bad,
            "retiring" | "expiring" | "rotation-due" | "merge-conflict" => Tone::Warn,
            _ => Tone::Plain,
        }
    }

    /// The SGR foreground code.
    fn ansi(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Bad => Some("31"),
            Tone::Warn => Some("33"),
        }
    }
}

/// serde_json's pretty format, byte for byte (two spaces a level), with each line break
/// and its indentation written in one piece: `PrettyFormatter` writes the indentation one
/// level at a time, three or four calls a field, 12 million of them for a 100,000-key
/// `list --json`.
#[derive(Default)]
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A comma, a line break and the deepest indentation written in one piece: every
    /// separator is a slice of it.
    const BREAK: &'static [u8; 2 + 2 * 32] =
        b",\n                                                                ";

    /// `,` (unless `first`), a line break and the current level's indentation.
    fn break_line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        let from = usize::from(first);
        let width = 2 * self.level;
        if width <= Self::BREAK.len() - 2 {
            return w.write_all(&Self::BREAK[from..2 + width]);
        }
        w.write_all(&Self::BREAK[from..2])?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.break_line(w, true)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.break_line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.break_line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A write buffer whose bytes are zeroed after each flush and on drop: JSON output may
/// hold values (`get --json`, `export`), which must not linger in freed memory.
struct WipedBuf<W: Write> {
    inner: W,
    buf: zeroize::Zeroizing<Vec<u8>>,
}

impl<W: Write> WipedBuf<W> {
    const SIZE: usize = 64 * 1024;

    fn new(inner: W) -> Self {
        WipedBuf {
            inner,
            buf: zeroize::Zeroizing::new(Vec::with_capacity(Self::SIZE)),
        }
    }

    fn drain(&mut self) -> io::Result<()> {
        let written = self.inner.write_all(&self.buf);
        // Zeroes the bytes and clears; the capacity is kept for the next round.
        zeroize::Zeroize::zeroize(&mut *self.buf);
        written
    }
}

impl<W: Write> Write for WipedBuf<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > Self::SIZE {
            self.drain()?;
        }
        if data.len() >= Self::SIZE {
            return self.inner.write(data);
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    /// serde_json writes every token with `write_all`: the common case (room in the
    /// buffer) is one copy, without the default's loop over `write`.
    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.buf.len() + data.len() <= Self::SIZE {
            self.buf.extend_from_slice(data);
            return Ok(());
        }
        self.drain()?;
        if data.len() >= Self::SIZE {
            return self.inner.write_all(data);
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

/// A serde error while writing JSON to stdout: a closed pipe (`--json | head -1`) ends
/// quietly like a table does (DESIGN §14); any other write error is an I/O error on
/// stdout; only a value serde cannot represent is something else.
fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        // serde_json hands the writer's own io::Error back unchanged.
        stdout_error(io::Error::from(e))
    } else {
        Error::Failed {
            what: "write JSON",
            detail: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_have_tones() {
        assert_eq!(Tone::of("revoked"), Tone::Bad);
        assert_eq!(Tone::of("expired"), Tone::Bad);
        assert_eq!(Tone::of("retiring"), Tone::Warn);
        assert_eq!(Tone::of("expiring"), Tone::Warn);
        assert_eq!(Tone::of("active"), Tone::Plain);
    }

    /// `--json` output is serde_json's pretty format to the byte: empty and nested
    /// arrays and objects, escapes, and nesting deeper than `Pretty::BREAK` holds.
    #[test]
    fn pretty_is_serde_jsons_pretty_format() {
        let mut deep = serde_json::json!("bottom");
        for i in 0..40 {
            deep = if i % 2 == 0 {
                serde_json::json!([deep, i, {}])
            } else {
                serde_json::json!({ "level": i, "inner": deep, "empty": [] })
            };
        }
        let value = serde_json::json!({
            "keys": [{ "name": "A\"\n\u{1b}", "scopes": ["read", "write"], "note": null }],
            "skipped": [],
            "none": {},
            "deep": deep,
            "numbers": [1, -2.5, 3e100],
        });
        let mut ours = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut ours, Pretty::default());
        value.serialize(&mut ser).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}
