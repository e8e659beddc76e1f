//! Templates (`keyward render`, DESIGN §11): a file with `{{ NAME }}` placeholders,
//! filled from the environment's keys.
//!
//! The grammar: `{{`, optional spaces or tabs, a key name, optional spaces or tabs, `}}`,
//! on one line. `{{ "{{" }}` writes a literal `{{`; any other `{{` is an error naming its
//! line, so a typo never passes through unfilled. Values are inserted byte for byte and
//! never parsed again (a value holding `{{` stays as it is). A placeholder may hold a
//! reference instead of a name (DESIGN §17): `{{ kw://prod/DB_PASSWORD }}` draws from
//! another environment the identity can open, `{{ kw://NAME }}` is `{{ NAME }}`.
//!
//! Every check — the template's grammar, the output path, each key found and usable — is
//! done before anything is written; each rendered key is an access event, journaled
//! before the output is written (DESIGN §5). A file output is 0600, written through a temp
//! file and a rename, never over an existing file without `--force`, never through a
//! symlink (`output::OutFile`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::fsutil::OutFile;
use crate::names::{EnvName, KeyName};
use crate::ops::Context;
use crate::ops::reference::{self, Reference, Resolve, Wanted};

/// Templates larger than this are refused (a template is a config file, not a data set).
const MAX_TEMPLATE: u64 = 16 << 20;

/// The largest output `render` builds (as the 256 MiB `import` reads): it is built
/// whole in memory (every reference a value has a part in is checked before a byte is
/// written), and a small template of one placeholder repeated (`{{BIG}}` 400,000 times,
/// BIG 64 KB) would be gigabytes.
/// Its size is counted from the values before it is built.
const MAX_RENDERED: u64 = 256 << 20;

/// What `render` is asked to do.
pub struct RenderRequest<'a> {
    /// The template file, or `-` for stdin.
    pub template: &'a Path,
    /// The output file; `None` (or `-`) for stdout.
    pub out: Option<&'a Path>,
    pub force: bool,
    /// `--allow-multiline NAME`: keys whose values may hold a line break.
    pub allow_multiline: &'a [KeyName],
}

/// One piece of a parsed template.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// Bytes copied as they are (`start..end` of the template).
    Text(usize, usize),
    /// A literal `{{`.
    OpenBraces,
    /// A key's value; `env` is `None` for the environment of `-e`.
    Key {
        env: Option<EnvName>,
        name: KeyName,
        line: usize,
        /// The placeholder as written, for messages.
        written: String,
    },
}

/// Split `tpl` into pieces; `label` names the template in errors.
fn parse(tpl: &[u8], label: &str) -> Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut text_start = 0;
    let mut line = 1;
    while at < tpl.len() {
        if tpl[at] == b'\n' {
            line += 1;
            at += 1;
            continue;
        }
        if !tpl[at..].starts_with(b"{{") {
            at += 1;
            continue;
        }
        let invalid = |detail: String| Error::TemplateInvalid {
            template: label.to_owned(),
            line,
            detail,
        };
        let rest = &tpl[at + 2..];
        let end_of_line = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let Some(close) = memchr::memmem::find(&rest[..end_of_line], b"}}") else {
            return Err(invalid(
                "`{{` is not closed by `}}` on the same line".into(),
            ));
        };
        let inner = &rest[..close];
        let written = format!("{{{{{}}}}}", String::from_utf8_lossy(inner));
        let trimmed = inner.trim_ascii();
        if text_start < at {
            pieces.push(Piece::Text(text_start, at));
        }
        if trimmed == b"\"{{\"" {
            pieces.push(Piece::OpenBraces);
        } else if trimmed.starts_with(crate::ops::reference::SCHEME) {
            let r = crate::ops::reference::Reference::parse(trimmed)
                .map_err(invalid)?
                .expect("starts with the scheme");
            pieces.push(Piece::Key {
                env: r.env,
                name: r.name,
                line,
                written,
            });
        } else {
            let name = std::str::from_utf8(trimmed)
                .ok()
                .and_then(|s| s.parse::<KeyName>().ok())
                .ok_or_else(|| invalid(format!("`{written}` is not a key name")))?;
            pieces.push(Piece::Key {
                env: None,
                name,
                line,
                written,
            });
        }
        at += 2 + close + 2;
        text_start = at;
    }
    if text_start < tpl.len() {
        pieces.push(Piece::Text(text_start, tpl.len()));
    }
    Ok(pieces)
}

/// What was rendered (printed as a note with `-o FILE`, as JSON with `--json`).
#[derive(Serialize)]
pub struct Rendered {
    pub env: EnvName,
    /// The output file; `None`: stdout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out: Option<PathBuf>,
    /// Each key of `env` rendered, once, in the order of its first placeholder.
    pub keys: Vec<KeyName>,
    /// Keys of other environments rendered (`kw://ENV/NAME`), once each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// Fill the template and write it out; nothing is written unless every placeholder can
/// be filled.
pub fn render(ctx: &Context, req: RenderRequest<'_>) -> Result<Rendered> {
    let label = req.template.display().to_string();
    let template = read_template(req.template)?;
    let pieces = parse(&template, &label)?;
    // Each key once, as a reference: `{{ NAME }}` is `kw://NAME`.
    let mut wanted: Vec<Wanted> = Vec::new();
    for p in &pieces {
        if let Piece::Key {
            env, name, written, ..
        } = p
        {
            let reference = Reference {
                env: env.clone(),
                name: name.clone(),
            };
            let same = |w: &Wanted| {
                w.reference.env_in(ctx) == reference.env_in(ctx) && w.reference.name == *name
            };
            if !wanted.iter().any(same) {
                wanted.push(Wanted {
                    at: String::new(),
                    written: written.clone(),
                    reference,
                    inherited_as: None,
                });
            }
        }
    }
    // The output path is checked (and its temp file made) before anything is read.
    let out_path = req.out.filter(|p| *p != Path::new("-"));
    let mut out_file = out_path
        .map(|p| OutFile::create(p, req.force))
        .transpose()?;
    // DESIGN §5: every key usable, in every environment, then each journaled, before a
    // byte of output exists.
    let resolved = reference::resolve(
        ctx,
        Resolve {
            access: Action::Render,
            wanted: &wanted,
            own: None,
            allow_loader: &[],
            strict: None,
        },
        &|w, e| at_placeholder(ctx, e, w, &pieces, &label),
    )?;
    let value_of = |env: &Option<EnvName>, name: &KeyName| -> &[u8] {
        resolved
            .value(env.as_ref().unwrap_or(&ctx.env), name)
            .expect("every placeholder's key was released")
    };
    let size: u64 = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(a, b) => (b - a) as u64,
            Piece::OpenBraces => 2,
            Piece::Key { env, name, .. } => value_of(env, name).len() as u64,
        })
        .sum();
    if size > MAX_RENDERED {
        return Err(Error::usage(format!(
            "template `{label}` renders to {size} bytes, more than `render` writes ({} MiB); nothing was written",
            MAX_RENDERED >> 20
        )));
    }
    let mut rendered = Zeroizing::new(Vec::with_capacity(size as usize));
    // Where each placeholder's value went, to find references values make together.
    let mut placed = Vec::new();
    for p in &pieces {
        match p {
            Piece::Text(a, b) => rendered.extend_from_slice(&template[*a..*b]),
            Piece::OpenBraces => rendered.extend_from_slice(b"{{"),
            Piece::Key { env, name, .. } => {
                let start = rendered.len();
                rendered.extend_from_slice(value_of(env, name));
                placed.push((start..rendered.len(), name));
            }
        }
    }
    refuse_references_made_by_values(&rendered, &placed)?;
    refuse_line_breaks(&rendered, &placed, req.allow_multiline)?;
    match (&mut out_file, out_path) {
        (Some(file), Some(path)) => {
            file.write_all(&rendered)
                .map_err(|e| Error::io("cannot write", path, e))?;
            out_file.take().expect("just matched").commit()?;
        }
        _ => ctx.out.data(&rendered)?,
    }
    let (mine, others): (Vec<&Wanted>, Vec<&Wanted>) = wanted
        .iter()
        .partition(|w| *w.reference.env_in(ctx) == ctx.env);
    Ok(Rendered {
        env: ctx.env.clone(),
        out: out_path.map(Path::to_path_buf),
        keys: mine.iter().map(|w| w.reference.name.clone()).collect(),
        references: others
            .iter()
            .map(|w| format!("kw://{}/{}", w.reference.env_in(ctx), w.reference.name))
            .collect(),
    })
}

/// DESIGN §17: no value may hold `kw://` (`release::withhold`), but two may make one
/// together, or one with the text beside it (`DB_USER` = `app` + a line `STOLEN=kw`,
/// `DB_PASS` = `//prod/DB_PASSWORD`), or choose what a template's own `kw://` names: a
/// reference in the output (up to a blank, a quote or a control character) that a value
/// has a part in is refused, naming the keys, before a byte is written. A reference the
/// template's text holds whole is its author's, and stays as written.
fn refuse_references_made_by_values(
    rendered: &[u8],
    placed: &[(std::ops::Range<usize>, &KeyName)],
) -> Result<()> {
    let scheme = crate::ops::reference::SCHEME;
    let mut names: Vec<KeyName> = Vec::new();
    for at in memchr::memmem::find_iter(rendered, scheme) {
        // The whole reference, not only its scheme: a value after a template's own
        // `kw://` would choose what it names (`kw://{{ TARGET_ENV }}/DB_PASSWORD`).
        let len = rendered[at..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b"\"'`".contains(b))
            .unwrap_or(rendered.len() - at);
        let span = at..at + len.max(scheme.len());
        for (range, name) in placed {
            if range.start < span.end && span.start < range.end && !names.contains(name) {
                names.push((*name).clone());
            }
        }
    }
    match names.is_empty() {
        true => Ok(()),
        false => Err(Error::ValueIsReference {
            names,
            access: Action::Render,
        }),
    }
}

/// A value is inserted byte for byte, and the output is usually line-oriented (a `.env`,
/// INI, YAML, a shell file): a line break in a value would make what follows it lines of
/// the value writer's choosing — `GIT_CONFIG_COUNT=1` after `DB_HOST=db.internal`, set by
/// the `run --env-file` that reads the file with prod keys beside it. So a value with a
/// line break is refused, naming the keys, before a byte is written, unless
/// `--allow-multiline` names its key (a PEM key, a service account's JSON). A line break
/// is what any reader of the file may take for one: `\n`, `\r`, and the Unicode ones
/// YAML and JavaScript readers break lines at (U+0085, U+2028, U+2029).
fn refuse_line_breaks(
    rendered: &[u8],
    placed: &[(std::ops::Range<usize>, &KeyName)],
    allowed: &[KeyName],
) -> Result<()> {
    let mut names: Vec<KeyName> = Vec::new();
    for (range, name) in placed {
        let breaks = has_line_break(&rendered[range.clone()]);
        if breaks && !allowed.contains(name) && !names.contains(name) {
            names.push((*name).clone());
        }
    }
    match names.is_empty() {
        true => Ok(()),
        false => Err(Error::ValueHasLineBreak { names }),
    }
}

/// Whether `value` holds a line break some reader of a rendered file takes for one (see
/// [`refuse_line_breaks`]): `\n`, `\r`, U+0085, U+2028 or U+2029 (in UTF-8).
fn has_line_break(value: &[u8]) -> bool {
    memchr::memchr2(b'\n', b'\r', value).is_some()
        || memchr::memmem::find(value, "\u{85}".as_bytes()).is_some()
        || memchr::memmem::find(value, "\u{2028}".as_bytes()).is_some()
        || memchr::memmem::find(value, "\u{2029}".as_bytes()).is_some()
}

/// A key that cannot be handed out (or an environment that cannot be opened), said with
/// the line and placeholder that asked for it.
fn at_placeholder(ctx: &Context, e: Error, w: &Wanted, pieces: &[Piece], label: &str) -> Error {
    let env = w.reference.env_in(ctx);
    // -e's own environment failing to open is said as every command says it; another
    // environment is named with the placeholder that drew from it.
    let about_the_key = matches!(
        e,
        Error::KeyNotFound { .. } | Error::Unusable { .. } | Error::RefusalNotRecorded { .. }
    );
    if !about_the_key && *env == ctx.env {
        return e;
    }
    match pieces.iter().find_map(|p| match p {
        Piece::Key {
            env: e,
            name,
            line,
            written,
        } if e.as_ref().unwrap_or(&ctx.env) == env && *name == w.reference.name => {
            Some((*line, written.clone()))
        }
        _ => None,
    }) {
        Some((line, placeholder)) => Error::InTemplate {
            template: label.to_owned(),
            line,
            placeholder,
            source: Box::new(e),
        },
        None => e,
    }
}

/// The template's bytes: a file (at most 16 MiB), or stdin for `-`.
fn read_template(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let mut buf = Zeroizing::new(Vec::new());
    if path == Path::new("-") {
        // A closed stdin is the runtime's /dev/null: read, it would render an empty
        // template over a good file (`--force`), as `scan -` refuses it too.
        if crate::sys::stdin_was_closed() {
            return Err(Error::io(
                "cannot read",
                "stdin",
                std::io::Error::other("stdin is closed"),
            ));
        }
        std::io::stdin()
            .lock()
            .take(MAX_TEMPLATE + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read", "<stdin>", e))?;
    } else {
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::FileNotFound {
                path: path.to_owned(),
            },
            _ => Error::io("cannot read", path, e),
        })?;
        file.take(MAX_TEMPLATE + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read", path, e))?;
    }
    if buf.len() as u64 > MAX_TEMPLATE {
        return Err(Error::TemplateInvalid {
            template: path.display().to_string(),
            line: 1,
            detail: "the template is larger than 16 MiB".into(),
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pieces: &[Piece]) -> Vec<(String, usize)> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Key { name, line, .. } => Some((name.to_string(), *line)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn placeholders_with_or_without_spaces_and_their_lines() {
        let t = b"a={{A}}\nb={{ B }} c={{\tA\t}}\n";
        let p = parse(t, "t").unwrap();
        assert_eq!(
            keys(&p),
            [("A".into(), 1), ("B".into(), 2), ("A".into(), 2)]
        );
        assert_eq!(p.first(), Some(&Piece::Text(0, 2)));
        assert_eq!(p.last(), Some(&Piece::Text(t.len() - 1, t.len())));
    }

    #[test]
    fn a_quoted_open_brace_pair_is_literal_and_lone_closing_braces_are_text() {
        let p = parse(b"x {{ \"{{\" }} y }} z", "t").unwrap();
        assert_eq!(
            p,
            [Piece::Text(0, 2), Piece::OpenBraces, Piece::Text(12, 19)]
        );
    }

    #[test]
    fn bad_placeholders_name_their_line() {
        for (t, want) in [
            (
                &b"ok\n{{ a-b }}"[..],
                "line 2: `{{ a-b }}` is not a key name",
            ),
            (b"{{ A\n}}", "line 1: `{{` is not closed"),
            (b"\n\n{{}}", "line 3: `{{}}` is not a key name"),
            (b"{{ .Values.x }}", "line 1: `{{ .Values.x }}`"),
        ] {
            let e = parse(t, "t").unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
            assert_eq!(
                Error::TemplateInvalid {
                    template: "t".into(),
                    line: 1,
                    detail: String::new()
                }
                .exit_code(),
                1
            );
        }
    }
}
