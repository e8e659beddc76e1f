//! The shell reader of the docs test: the simple commands of a line as words, with
//! placeholders given plausible values (see the module above for the convention).

/// A valid X25519 recipient (the example of age's own README), for `age1…`.
pub(super) const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
/// A valid Ed25519 public key (the base point), for `ed25519:…`.
pub(super) const PUBKEY: &str =
    "ed25519:5866666666666666666666666666666666666666666666666666666666666666";

/// What the shell reader gives, or why a line is not shell.
pub(super) type Parsed<T> = Result<T, String>;

pub(super) const BACKTICKS: &str = "backticks: write $(…) instead";

/// The simple commands of a shell line, and of every `$(…)` and `sh -c '…'` in it: each
/// as its words after placeholders, without the assignments and `exec` in front.
pub(super) fn shell_commands(line: &str) -> Parsed<Vec<Vec<String>>> {
    let mut nested = Vec::new();
    let split = split(line, &mut nested)?;
    let mut commands = Vec::new();
    for inner in nested {
        commands.extend(shell_commands(&inner)?);
    }
    for mut words in split {
        let prefix = |w: &String| is_assignment(w) || ["exec", "command", "time"].contains(&&**w);
        while words.first().is_some_and(prefix) {
            words.remove(0);
        }
        if words.len() > 2
            && ["sh", "bash", "/bin/sh", "/bin/bash"].contains(&words[0].as_str())
            && words[1] == "-c"
        {
            commands.extend(shell_commands(&words[2])?);
        }
        if !words.is_empty() {
            commands.push(words);
        }
    }
    Ok(commands)
}

pub(super) fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

enum Tok {
    Word(String),
    /// `|`, `&`, `;`, `(`, `)`: a command ends.
    Sep,
    /// `>`, `<`, `>>`: the next word is a file, not an argument.
    Redirect,
}

/// Splits a line into simple commands of words: quotes removed, expansions replaced by
/// placeholders, redirections and comments dropped. The text of each command
/// substitution is pushed to `nested`.
pub(super) fn split(line: &str, nested: &mut Vec<String>) -> Parsed<Vec<Vec<String>>> {
    let c: Vec<char> = line.chars().collect();
    let (mut toks, mut word, mut i) = (Vec::new(), None::<String>, 0);
    while i < c.len() {
        match c[i] {
            ' ' | '\t' => {
                toks.extend(word.take().map(Tok::Word));
                i += 1;
            }
            '#' if word.is_none() => break,
            '|' | '&' | ';' | '(' | ')' => {
                toks.extend(word.take().map(Tok::Word));
                toks.push(Tok::Sep);
                i += 1;
            }
            '<' if placeholder_len(&c[i..]).is_some() => {
                let len = placeholder_len(&c[i..]).unwrap();
                let name: String = c[i + 1..i + len - 1].iter().collect();
                word.get_or_insert_default()
                    .push_str(placeholder_value(&name));
                i += len;
            }
            '<' | '>' => {
                // In `2>&1` the digits name a file descriptor; they are not a word.
                let fd = word
                    .as_deref()
                    .is_some_and(|w| w.bytes().all(|d| d.is_ascii_digit()));
                if !fd {
                    toks.extend(word.take().map(Tok::Word));
                }
                word = None;
                while matches!(c.get(i), Some('<' | '>')) {
                    i += 1;
                }
                if c.get(i) == Some(&'&') {
                    let fd = c[i + 1..]
                        .iter()
                        .take_while(|d| d.is_ascii_digit() || **d == '-');
                    i += 1 + fd.count();
                } else {
                    toks.push(Tok::Redirect);
                }
            }
            '\'' => {
                let end = find(&c, i + 1, '\'')?;
                word.get_or_insert_default().extend(&c[i + 1..end]);
                i = end + 1;
            }
            '"' => {
                let end = find(&c, i + 1, '"')?;
                let w = word.get_or_insert_default();
                i += 1;
                while i < end {
                    match c[i] {
                        '\\' if matches!(c[i + 1], '"' | '\\' | '$' | '`') => {
                            w.push(c[i + 1]);
                            i += 2;
                        }
                        '$' => i = expansion(&c, i, w, nested)?,
                        '`' => return Err(BACKTICKS.into()),
                        x => {
                            w.push(x);
                            i += 1;
                        }
                    }
                }
                i = end + 1;
            }
            '\\' => {
                word.get_or_insert_default().extend(c.get(i + 1));
                i += 2;
            }
            '$' => i = expansion(&c, i, word.get_or_insert_default(), nested)?,
            '`' => return Err(BACKTICKS.into()),
            x => {
                word.get_or_insert_default().push(x);
                i += 1;
            }
        }
    }
    toks.extend(word.map(Tok::Word));
    let mut commands = vec![Vec::new()];
    let mut toks = toks.into_iter();
    while let Some(tok) = toks.next() {
        match tok {
            Tok::Word(w) => commands.last_mut().unwrap().push(ellipsis_value(w)),
            Tok::Sep => commands.push(Vec::new()),
            Tok::Redirect if matches!(toks.next(), Some(Tok::Word(_))) => {}
            Tok::Redirect => return Err("a redirection without a target".into()),
        }
    }
    Ok(commands)
}

/// The index of the first `ch` at or after `from` (for `"`, one no backslash escapes).
pub(super) fn find(c: &[char], from: usize, ch: char) -> Parsed<usize> {
    let mut i = from;
    while let Some(x) = c.get(i) {
        match x {
            '\\' if ch == '"' => i += 2,
            x if *x == ch => return Ok(i),
            _ => i += 1,
        }
    }
    Err(format!("an unclosed `{ch}`"))
}

/// From the `(` at `open` to its matching `)`, quotes respected: what is inside, and the
/// index after the `)`.
pub(super) fn balanced(c: &[char], open: usize) -> Parsed<(String, usize)> {
    let (mut depth, mut i) = (0, open);
    while let Some(x) = c.get(i) {
        match x {
            '\'' | '"' => i = find(c, i + 1, *x)?,
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok((c[open + 1..i].iter().collect(), i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err("an unclosed `(`".into())
}

/// `$(…)`, `${NAME}` or `$NAME` at `i`: appends a plausible value to `w` and
/// returns the index after it.
pub(super) fn expansion(
    c: &[char],
    i: usize,
    w: &mut String,
    nested: &mut Vec<String>,
) -> Parsed<usize> {
    let name_char = |x: &char| x.is_ascii_alphanumeric() || *x == '_';
    match c.get(i + 1) {
        Some('(') => {
            let (inner, end) = balanced(c, i + 1)?;
            nested.push(inner);
            w.push_str(RECIPIENT);
            Ok(end)
        }
        Some('{') => {
            let end = find(c, i + 2, '}')?;
            w.push_str(&variable_value(&c[i + 2..end].iter().collect::<String>()));
            Ok(end + 1)
        }
        Some(x) if x.is_ascii_alphabetic() || *x == '_' => {
            let end = (i + 1..=c.len())
                .find(|j| !c.get(*j).is_some_and(name_char))
                .unwrap();
            w.push_str(&variable_value(&c[i + 1..end].iter().collect::<String>()));
            Ok(end)
        }
        _ => {
            w.push('$');
            Ok(i + 1)
        }
    }
}

/// The length of a `<name>` placeholder (letters, digits, `_`, `-`) at the start of `c`.
pub(super) fn placeholder_len(c: &[char]) -> Option<usize> {
    let end = c.iter().position(|x| *x == '>')?;
    let name = &c[1..end];
    let ok = name.first().is_some_and(char::is_ascii_alphabetic)
        && name
            .iter()
            .all(|x| x.is_ascii_alphanumeric() || *x == '_' || *x == '-');
    ok.then_some(end + 1)
}

pub(super) fn variable_value(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    if upper.contains("HEAD") || upper.contains("HASH") {
        "a".repeat(64)
    } else if upper.ends_with("ENV") {
        "prod".into()
    } else {
        "value".into()
    }
}

pub(super) fn placeholder_value(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "env" | "environment" => "prod",
        "recipient" => RECIPIENT,
        n if n.contains("key") || n.contains("name") => "STRIPE_KEY",
        _ => "value",
    }
}

/// A word written with an ellipsis (`age1teammate…`) stands for a whole value.
pub(super) fn ellipsis_value(w: String) -> String {
    match w {
        w if !w.contains('…') => w,
        w if w.starts_with("age1") => RECIPIENT.into(),
        w if w.starts_with("ed25519:") => PUBKEY.into(),
        // A member card (DESIGN §15): recipient, signing key, proof.
        w if w.starts_with("kw-member1:") => {
            format!(
                "kw-member1:{RECIPIENT}:{}:{}",
                "ab".repeat(32),
                "cd".repeat(64)
            )
        }
        w => w.replace('…', ""),
    }
}
