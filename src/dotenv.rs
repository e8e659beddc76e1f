//! The dotenv, shell and JSON forms of `export` and `import`: quoting that round-trips
//! every value exactly (quotes, `$`, backticks, backslashes, newlines), and a dotenv
//! parser that reports the line of the first error and never echoes a value.

use crate::names::KeyName;
use crate::secret::Secret;

/// `NAME="value"` with `\\ \" \n \r \t \$` escaped; our own parser reads it back exactly.
pub fn dotenv_line(name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + value.len() + 4);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'$' => out.extend_from_slice(b"\\$"),
            b'`' => out.extend_from_slice(b"\\`"),
            _ => out.push(b),
        }
    }
    out.extend_from_slice(b"\"\n");
    out
}

/// `export NAME='value'` for `eval`: single quotes keep everything literal; a quote
/// inside becomes `'\''`.
pub fn shell_line(name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + value.len() + 12);
    out.extend_from_slice(b"export ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"='");
    for &b in value {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(b"'\n");
    out
}

/// One `NAME=value` entry of a dotenv file, with the line it starts on.
pub struct Entry {
    pub line: usize,
    pub name: KeyName,
    pub value: Secret,
}

/// Parse a dotenv file: comments, blank lines, `export ` prefixes, unquoted values (an
/// inline ` #` starts a comment), single quotes (literal) and double quotes (escapes
/// `\n \r \t \\ \" \$ \``, may span lines). The error names the line, never the value.
///
/// Files saved by Windows editors are read as their author meant them: a UTF-8 byte
/// order mark at the start is skipped, and every CRLF line ending is read as LF, inside
/// quoted values too (a value never keeps the `\r` of a line ending; a `\r` escape or a
/// lone CR is kept).
///
/// The parse stops at the entry past `max`: `Ok(None)` for a file of more entries. A
/// file of millions of short lines (`K1=v`, 11 bytes each) would otherwise be millions
/// of entries, each a few heap strings, before any check sees them.
pub fn parse_dotenv_at_most(input: &[u8], max: usize) -> Result<Option<Vec<Entry>>, String> {
    let entries = parse(input, max)?;
    Ok((entries.len() <= max).then_some(entries))
}

/// [`parse_dotenv_at_most`] with no bound.
#[cfg(test)]
pub fn parse_dotenv(input: &[u8]) -> Result<Vec<Entry>, String> {
    parse(input, usize::MAX)
}

/// The entries of `input`, up to the first past `max`.
fn parse(input: &[u8], max: usize) -> Result<Vec<Entry>, String> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let normalized;
    let input = if input.windows(2).any(|w| w == b"\r\n") {
        normalized = zeroize::Zeroizing::new(crlf_to_lf(input));
        &normalized[..]
    } else {
        input
    };
    let mut entries = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let n = input.len();
    while i < n {
        let start_line = line;
        // one logical line
        let skip_ws = |i: &mut usize| {
            while *i < n && (input[*i] == b' ' || input[*i] == b'\t') {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        if i < n && (input[i] == b'\n' || input[i] == b'\r') {
            if input[i] == b'\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        if i < n && input[i] == b'#' {
            while i < n && input[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if input[i..].starts_with(b"export ") || input[i..].starts_with(b"export\t") {
            i += 7;
            skip_ws(&mut i);
        }
        let name_start = i;
        while i < n && (input[i].is_ascii_alphanumeric() || input[i] == b'_') {
            i += 1;
        }
        let name_bytes = &input[name_start..i];
        let name = std::str::from_utf8(name_bytes)
            .ok()
            .and_then(|s| s.parse::<KeyName>().ok())
            .ok_or_else(|| {
                format!("line {start_line}: expected NAME=value with a valid key name")
            })?;
        skip_ws(&mut i);
        if i >= n || input[i] != b'=' {
            // Never the text itself: a line without `=` is as likely a value (a token
            // pasted alone, a PEM body line) as a name.
            return Err(format!(
                "line {start_line}: expected NAME=value (the line is not shown: it may hold a value)"
            ));
        }
        i += 1;
        skip_ws(&mut i);
        let mut value = Vec::new();
        match input.get(i) {
            Some(b'\'') => {
                i += 1;
                loop {
                    match input.get(i) {
                        None => {
                            return Err(format!("line {start_line}: unterminated single quote"));
                        }
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(&b) => {
                            if b == b'\n' {
                                line += 1;
                            }
                            value.push(b);
                            i += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                i += 1;
                loop {
                    match input.get(i) {
                        None => {
                            return Err(format!("line {start_line}: unterminated double quote"));
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let esc = input.get(i + 1).copied().ok_or_else(|| {
                                format!("line {start_line}: unterminated double quote")
                            })?;
                            value.push(match esc {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'\\' | b'"' | b'$' | b'`' | b'\'' => esc,
                                b'\n' => {
                                    line += 1;
                                    b'\n'
                                }
                                _ => {
                                    return Err(format!(
                                        "line {line}: unknown escape in a double-quoted value"
                                    ));
                                }
                            });
                            i += 2;
                        }
                        Some(&b) => {
                            if b == b'\n' {
                                line += 1;
                            }
                            value.push(b);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                while i < n && input[i] != b'\n' && input[i] != b'\r' {
                    if input[i] == b'#' && value.last().is_some_and(|c| *c == b' ' || *c == b'\t') {
                        while i < n && input[i] != b'\n' {
                            i += 1;
                        }
                        break;
                    }
                    value.push(input[i]);
                    i += 1;
                }
                while value.last().is_some_and(|c| *c == b' ' || *c == b'\t') {
                    value.pop();
                }
                if value.first().is_some_and(|c| *c == b'"' || *c == b'\'') {
                    return Err(format!("line {start_line}: bad quoting"));
                }
            }
        }
        // after a value: only spaces and a comment until the end of the line
        skip_ws(&mut i);
        if i < n && input[i] == b'#' {
            while i < n && input[i] != b'\n' {
                i += 1;
            }
        }
        if i < n && input[i] == b'\r' {
            i += 1;
        }
        if i < n && input[i] != b'\n' {
            return Err(format!(
                "line {start_line}: unexpected text after the value"
            ));
        }
        entries.push(Entry {
            line: start_line,
            name,
            value: Secret::new(value),
        });
        if entries.len() > max {
            break;
        }
    }
    Ok(entries)
}

/// `input` with every CRLF replaced by LF (the copy holds values: callers zeroize it).
fn crlf_to_lf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate() {
        if !(b == b'\r' && input.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(input: &str) -> Vec<u8> {
        let e = parse_dotenv(input.as_bytes()).unwrap();
        assert_eq!(e.len(), 1, "{input}");
        e[0].value.expose().to_vec()
    }

    #[test]
    fn parses_the_common_dotenv_forms() {
        assert_eq!(one("A=plain"), b"plain");
        assert_eq!(one("export A=plain # comment"), b"plain");
        assert_eq!(one("A='single $x \\n'"), b"single $x \\n");
        assert_eq!(one("A=\"dq \\n \\\" \\$x\""), b"dq \n \" $x");
        assert_eq!(one("A=\"two\nlines\""), b"two\nlines");
        assert_eq!(one("  A = spaced  "), b"spaced");
        assert_eq!(one("A=has#hash"), b"has#hash");
        assert_eq!(one("A=\r\n"), b"");
        let all = parse_dotenv(b"# top\n\nA=1\nexport B='2'\n  # indented\nC=\"3\"\n").unwrap();
        let names: Vec<_> = all.iter().map(|e| (e.name.to_string(), e.line)).collect();
        assert_eq!(names, [("A".into(), 3), ("B".into(), 4), ("C".into(), 6)]);
    }

    #[test]
    fn errors_name_the_line_and_not_the_value() {
        for (input, line) in [
            ("A=1\n1BAD=x\n", 2),
            ("A=1\nB='open\n", 2),
            ("A=1\nB=\"open\n", 2),
            ("A=1\n\nC=\"x\" trailing\n", 3),
            ("A=1\nNOEQUALS\n", 2),
            ("A-B=1\n", 1),
        ] {
            let e = parse_dotenv(input.as_bytes()).err().unwrap();
            assert!(e.starts_with(&format!("line {line}:")), "{input:?}: {e}");
            assert!(!e.contains("open") && !e.contains("trailing"), "{e}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let all = parse_dotenv(b"\xEF\xBB\xBFA=1\nB=2\n").unwrap();
        let names: Vec<_> = all.iter().map(|e| e.name.to_string()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(all[0].value.expose(), b"1");
        // only at the very start: elsewhere it is not part of a name
        assert!(parse_dotenv(b"A=1\n\xEF\xBB\xBFB=2\n").is_err());
    }

    #[test]
    fn crlf_line_endings_never_reach_a_value() {
        let text = b"# comment\r\nA=plain\r\nexport B='single'\r\nC=\"double\"  # c\r\n\r\nD=\"two\r\nlines\"\r\nE='x\r\ny'\r\nF=\r\nG=\"esc\\r\"\r\n";
        let all = parse_dotenv(text).unwrap();
        let got: Vec<_> = all
            .iter()
            .map(|e| (e.name.to_string(), e.line, e.value.expose().to_vec()))
            .collect();
        let want: Vec<(String, usize, Vec<u8>)> = vec![
            ("A".into(), 2, b"plain".to_vec()),
            ("B".into(), 3, b"single".to_vec()),
            ("C".into(), 4, b"double".to_vec()),
            ("D".into(), 6, b"two\nlines".to_vec()),
            ("E".into(), 8, b"x\ny".to_vec()),
            ("F".into(), 10, b"".to_vec()),
            ("G".into(), 11, b"esc\r".to_vec()),
        ];
        assert_eq!(got, want);
        // errors still name the right line
        let e = parse_dotenv(b"A=1\r\nB=\"open\r\n").err().unwrap();
        assert!(e.starts_with("line 2:"), "{e}");
    }

    proptest! {
        #[test]
        fn dotenv_export_round_trips_arbitrary_bytes(value in proptest::collection::vec(1u8..=255, 0..64)) {
            let text = dotenv_line("KEY", &value);
            let parsed = parse_dotenv(&text).unwrap();
            prop_assert_eq!(parsed.len(), 1);
            prop_assert_eq!(parsed[0].value.expose(), &value[..]);
        }

        #[test]
        fn dotenv_export_with_crlf_endings_round_trips(value in proptest::collection::vec(1u8..=255, 0..64)) {
            let mut text = dotenv_line("KEY", &value);
            text.pop();
            text.extend_from_slice(b"\r\nOTHER=1\r\n");
            let parsed = parse_dotenv(&text).unwrap();
            prop_assert_eq!(parsed.len(), 2);
            prop_assert_eq!(parsed[0].value.expose(), &value[..]);
            prop_assert_eq!(parsed[1].value.expose(), b"1");
        }

        #[test]
        fn parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_dotenv(&input);
        }

        #[test]
        fn shell_quoting_round_trips_through_sh(value in "[^\\x00]{0,40}") {
            let line = shell_line("KEY", value.as_bytes());
            let script = format!("{}printf %s \"$KEY\"", String::from_utf8(line).unwrap());
            let out = std::process::Command::new("sh").arg("-c").arg(&script).output().unwrap();
            prop_assert_eq!(out.stdout, value.as_bytes());
        }
    }
}
