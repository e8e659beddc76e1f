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
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use comfy_table::{Color, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// A report an operation returns. With `--json` it is printed as its `Serialize`
/// form (the stable shape scripts rely on); otherwise `human` prints it for people.
/// `Output::render` is the one place that decides which, for every command.
pub trait Render: Serialize {
    fn human(&self, out: &Output) -> Result<()>;
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
        serde_json::to_writer_pretty(&mut out, value).map_err(json_error)?;
        out.write_all(b"\n")
            .and_then(|_| out.flush())
            .map_err(stdout_error)
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
            t.set_content_arrangement(ContentArrangement::Dynamic);
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
            "retiring" | "expiring" | "rotation-due" => Tone::Warn,
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

/// How many names a one-line list shows before "and N more".
pub const FEW: usize = 5;

/// Names for a one-line message, long lists cut short: `A, B, C` or
/// `A, B, C, D, E and 15 more`.
pub fn first_few<S: std::fmt::Display>(names: &[S]) -> String {
    let shown: Vec<String> = names.iter().take(FEW).map(|n| n.to_string()).collect();
    if names.len() <= FEW {
        return shown.join(", ");
    }
    format!("{} and {} more", shown.join(", "), names.len() - FEW)
}

/// Names for a one-line message that may be long (20,000 imported keys), after the
/// message has said how many: all of them when there are few, else the first [`FEW`],
/// "and N more" and where the whole list is (`all_in`, e.g. "`--json` lists all"):
/// `K1, K2, K3, K4, K5 and 15 more (--json lists all)`.
pub fn summarize<S: std::fmt::Display>(names: &[S], all_in: &str) -> String {
    if names.len() <= FEW {
        return first_few(names);
    }
    format!("{} ({all_in})", first_few(names))
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

pub fn stdout_error(e: io::Error) -> Error {
    Error::io("cannot write to", "stdout", e)
}

/// A serde error while writing JSON to stdout: a closed pipe (`--json | head -1`) ends
/// quietly like a table does (DESIGN §14); any other write error is an I/O error on
/// stdout; only a value serde cannot represent is something else.
fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        // serde_json hands the writer's own io::Error back unchanged.
        stdout_error(io::Error::from(e))
    } else {
        Error::Other(format!("cannot write JSON: {e}"))
    }
}

/// Text made safe for a terminal: C0 controls (newline and tab included), DEL, C1
/// controls and the Unicode bidirectional and line-separator controls that reorder or
/// break what is shown (U+061C, U+200E/F, U+2028/9, U+202A-E, U+2066-9) are written as
/// escapes: `\t`, `\n`, `\r`, `\x1b` (other ASCII controls as `\xNN`), `\u{202e}` (the
/// rest). A backslash is left as it is, so ordinary text (Windows paths) reads as before;
/// an escape shown can therefore also be literal text, never a control.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] for a message that may span lines on purpose (`…\nhint: …`): each line is
/// escaped and the line breaks kept.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(escape).collect::<Vec<_>>().join("\n"))
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `-` for absent values in tables.
pub fn or_dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

/// A file named by `--out`, written whole or not at all: data goes to a 0600 temp file
/// created beside it (`O_CREAT|O_EXCL|O_NOFOLLOW`), which `commit` fsyncs and moves into
/// place. An existing path is refused unless `force`; a symbolic link is refused always
/// (even with `force`), so the output can never land on whatever a link points at. If
/// the command fails before `commit`, the temp file is removed and the path untouched.
pub struct OutFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<io::BufWriter<File>>,
    force: bool,
    committed: bool,
}

impl OutFile {
    pub fn create(path: &Path, force: bool) -> Result<OutFile> {
        refuse_existing(path, force)?;
        let Some(name) = path.file_name() else {
            return Err(Error::NotAFile {
                path: path.to_owned(),
            });
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        for _ in 0..16 {
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".{:016x}.tmp", rand::random::<u64>()));
            let tmp = dir.join(tmp_name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(crate::sys::O_NOFOLLOW)
                .open(&tmp)
            {
                Ok(f) => {
                    return Ok(OutFile {
                        path: path.to_owned(),
                        tmp,
                        file: Some(io::BufWriter::new(f)),
                        force,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io("cannot create a file in", dir, e)),
            }
        }
        Err(Error::Other(format!(
            "cannot create a temporary file in `{}`",
            dir.display()
        )))
    }

    /// fsync the data, move it to the path (without `force`: only if nothing appeared
    /// there meanwhile), fsync the directory.
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let io_err = |e| Error::io("cannot write", path.clone(), e);
        let file = self.file.take().expect("commit runs once");
        let file = file.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        drop(file);
        if self.force {
            // rename(2) replaces a link placed here meanwhile, never its target.
            std::fs::rename(&self.tmp, &self.path).map_err(io_err)?;
            self.committed = true;
        } else {
            // link(2) fails if the path exists (a dangling link included): no clobbering
            // even when something appears between the check and now.
            match std::fs::hard_link(&self.tmp, &self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(refuse_existing(&self.path, false).err().unwrap_or(
                        Error::OutputExists {
                            path: self.path.clone(),
                        },
                    ));
                }
                // A file system without hard links: check, then rename.
                Err(_) => {
                    refuse_existing(&self.path, false)?;
                    std::fs::rename(&self.tmp, &self.path).map_err(io_err)?;
                    self.committed = true;
                }
            }
        }
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        crate::vault::paths::sync_dir(dir).map_err(|e| Error::io("cannot sync", dir, e))
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for OutFile {
    /// Not committed (an error on the way) or linked into place: the temp name goes.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// `Ok` when `path` may be written: absent, or (with `force`) an existing regular file.
fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot write", path, e)),
        Ok(m) if m.file_type().is_symlink() => Err(Error::OutputIsSymlink {
            path: path.to_owned(),
        }),
        Ok(m) if !m.is_file() => Err(Error::NotAFile {
            path: path.to_owned(),
        }),
        Ok(_) if force => Ok(()),
        Ok(_) => Err(Error::OutputExists {
            path: path.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(
            escape("plain – ünïcode \\ text"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape("a\x1b[31mb"), r"a\x1b[31mb");
        assert_eq!(escape("\x07\x00\x7f"), r"\x07\x00\x7f");
        assert_eq!(escape("\t\n\r"), r"\t\n\r");
        assert_eq!(escape("\u{9b}2J"), r"\u{9b}2J");
        assert_eq!(
            escape("\u{202e}\u{2066}\u{2069}\u{200f}\u{61c}\u{2028}"),
            r"\u{202e}\u{2066}\u{2069}\u{200f}\u{61c}\u{2028}"
        );
    }

    #[test]
    fn escape_lines_keeps_line_breaks_only() {
        assert_eq!(
            escape_lines("bad `a\x1bb`\nhint: do\tit"),
            "bad `a\\x1bb`\nhint: do\\tit"
        );
        assert!(matches!(escape_lines("one\ntwo"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_lists_are_summarized() {
        assert_eq!(summarize(&["A", "B"], "x"), "A, B");
        let many: Vec<String> = (1..=20).map(|i| format!("K{i}")).collect();
        assert_eq!(
            summarize(&many, "`--json` lists all"),
            "K1, K2, K3, K4, K5 and 15 more (`--json` lists all)"
        );
        assert_eq!(first_few(&many[..6]), "K1, K2, K3, K4, K5 and 1 more");
    }

    #[test]
    fn statuses_have_tones() {
        assert_eq!(Tone::of("revoked"), Tone::Bad);
        assert_eq!(Tone::of("expired"), Tone::Bad);
        assert_eq!(Tone::of("retiring"), Tone::Warn);
        assert_eq!(Tone::of("expiring"), Tone::Warn);
        assert_eq!(Tone::of("active"), Tone::Plain);
    }

    proptest! {
        #[test]
        fn escaped_text_holds_no_control(s in any::<String>()) {
            let e = escape(&s);
            prop_assert!(!e.chars().any(needs_escape));
            prop_assert!(!escape_lines(&s).chars().any(|c| c != '\n' && needs_escape(c)));
        }
    }
}
