//! Text for people: escaping what a terminal would obey, short lists. The bottom of the
//! stack (DESIGN §14: every table cell, line, note, warning and error is escaped by the
//! one function here), used by output, errors and the merge driver's notes alike.

use std::borrow::Cow;

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

/// Whether a word a person typed where a name, a recipient or a flag goes may be a
/// value put in the wrong place, so a message must not repeat it: an age secret key
/// (or a plugin identity), or a word of 24 characters or more with no blank that is
/// not written as key names are (words of upper case and digits, at most 16 long,
/// joined by `_`): an API key, a token, a JWT (`ghp_…` is a valid key name, and a
/// token), a base32 seed or upper-case hex (one long word). A long name in the usual
/// form (`STRIPE_RESTRICTED_API_KEY_PROD`), or a label with blanks, is shown.
pub fn may_be_a_value(word: &str) -> bool {
    let name_like = word.contains('_')
        && word.split('_').all(|part| {
            part.len() <= 16
                && part
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
    is_secret_key(word)
        || (word.chars().count() >= 24 && !name_like && !word.chars().any(char::is_whitespace))
}

/// Whether `word` is an age secret key or plugin identity (`AGE-SECRET-KEY-1…`,
/// `AGE-PLUGIN-…`, any case): never repeated, and said to be exposed.
pub fn is_secret_key(word: &str) -> bool {
    let upper = word.trim().to_ascii_uppercase();
    upper.starts_with("AGE-SECRET-KEY-") || upper.starts_with("AGE-PLUGIN-")
}

/// `word` as a message shows it: escaped in backticks, or, when it [`may_be_a_value`],
/// only its length.
pub fn shown(word: &str) -> String {
    if may_be_a_value(word) {
        format!(
            "({} characters, not shown: it may be a value)",
            word.chars().count()
        )
    } else {
        format!("`{}`", escape(word))
    }
}

/// A path given where a file goes (`KEYWARD_IDENTITY`, `--identity`) that names no
/// file, as a message shows it: escaped in backticks when it [`reads_as_a_path`], else
/// as [`shown`] shows a word (only its length when it may be a value). A token pasted
/// into the variable made for the identity's path is a value in the wrong place, and a
/// message is read in CI logs.
pub fn shown_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    match reads_as_a_path(path) {
        true => format!("`{}`", escape(&text)),
        false => shown(&text),
    }
}

/// Whether `path`, which names no file, reads as a path rather than as a word put in
/// its place (a passphrase, a token), so a message may repeat it: either the directory
/// it names a file in exists (and is neither `/` nor the current one: a mistyped file
/// name) and the file's name is not one that [`may_be_a_value`], or it starts as a path does (`/`, `./`, `../`, `~/`), holds no blank and no
/// part of it between `/`s [`may_be_a_value`] (a base64 secret may start with `/`).
pub fn reads_as_a_path(path: &std::path::Path) -> bool {
    let text = path.to_string_lossy();
    let named = path
        .file_name()
        .is_some_and(|n| !may_be_a_value(&n.to_string_lossy()));
    let into_a_directory = match path.parent() {
        Some(dir)
            if !dir.as_os_str().is_empty()
                && dir != std::path::Path::new("/")
                && dir != std::path::Path::new(".") =>
        {
            dir.is_dir() && named
        }
        _ => false,
    };
    into_a_directory
        || (["/", "./", "../", "~/"].iter().any(|p| text.starts_with(p))
            && !text.chars().any(char::is_whitespace)
            && !text.split('/').any(may_be_a_value))
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
    fn a_word_put_where_a_path_goes_is_shown_only_when_it_reads_as_a_path() {
        use std::path::Path;
        let dir = tempfile::tempdir().unwrap();
        for path in ["/no/such/dir/id.age", "./id.age", "~/keys/id.age"] {
            assert!(reads_as_a_path(Path::new(path)), "{path}");
        }
        let typo = dir.path().join("a file with blanks.age");
        assert!(reads_as_a_path(&typo));
        for word in [
            "correct horse battery staple",
            "Tr0ub4dor&3",
            "/K7MDENGbPxRfiCYEXAMPLEKEY0123456789abcd",
            "/no such/dir/id.age",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ] {
            assert!(!reads_as_a_path(Path::new(word)), "{word}");
        }
        // A token in an existing directory, or the current one, is not a file's name.
        let token = "ghp_R3alLook1ngT0kenValue0123456789abcd";
        assert!(!reads_as_a_path(&dir.path().join(token)));
        assert!(!reads_as_a_path(&Path::new(".").join(token)));
        assert_eq!(shown_path(Path::new("id.agee")), "`id.agee`");
        assert_eq!(
            shown_path(Path::new("ghp_R3alLook1ngT0kenValue0123456789abcd")),
            "(39 characters, not shown: it may be a value)"
        );
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

    proptest! {
        #[test]
        fn escaped_text_holds_no_control(s in any::<String>()) {
            let e = escape(&s);
            prop_assert!(!e.chars().any(needs_escape));
            prop_assert!(!escape_lines(&s).chars().any(|c| c != '\n' && needs_escape(c)));
        }
    }
}
