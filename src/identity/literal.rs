//! Identities given as text (`--identity` / `KEYWARD_IDENTITY` holding the key itself):
//! telling them from paths, and finding the key inside them without ever echoing it.

use zeroize::Zeroizing;

/// Text that marks secret identity material. A value holding one is never taken for a
/// path, so it can never reach a message as "file `…` does not exist" (DESIGN §1.4).
const SECRET_MARKERS: &[&[u8]] = &[b"AGE-SECRET-KEY", b"AGE-PLUGIN-", b"PRIVATE KEY-----"];

/// Byte offsets where `needle` (ASCII) occurs in `hay`, ignoring ASCII case.
fn find_ignore_case<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| w.eq_ignore_ascii_case(needle))
        .map(|(i, _)| i)
}

pub(super) fn holds_secret_marker(value: &str) -> bool {
    SECRET_MARKERS
        .iter()
        .any(|m| find_ignore_case(value.as_bytes(), m).next().is_some())
}

/// The X25519 identity in a literal value: the first `AGE-SECRET-KEY-1…` in it that
/// parses, found case-insensitively anywhere (alone, in quotes, with whitespace, inside
/// a whole identity file with its comments). Bech32 is case-insensitive but must be all
/// one case, so a key written all in lower case is read as its upper-case form and a
/// mixed-case one is invalid. Errors describe the value; they never contain any of it.
pub(super) fn parse_literal_identity(
    value: &str,
) -> std::result::Result<age::x25519::Identity, String> {
    const PREFIX: &[u8] = b"AGE-SECRET-KEY-";
    let bytes = value.as_bytes();
    let mut post_quantum = false;
    for start in find_ignore_case(bytes, PREFIX) {
        let len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        let token = &bytes[start..start + len];
        if token[PREFIX.len()..].starts_with(b"PQ-") || token[PREFIX.len()..].starts_with(b"pq-") {
            post_quantum = true;
            continue;
        }
        let upper = token.iter().any(u8::is_ascii_uppercase);
        let lower = token.iter().any(u8::is_ascii_lowercase);
        if upper && lower {
            continue;
        }
        let mut normal = Zeroizing::new(token.to_vec());
        normal.make_ascii_uppercase();
        let Ok(text) = std::str::from_utf8(&normal) else {
            continue;
        };
        if let Ok(id) = text.parse::<age::x25519::Identity>() {
            return Ok(id);
        }
    }
    let has = |m: &[u8]| find_ignore_case(bytes, m).next().is_some();
    Err(if post_quantum {
        "post-quantum identities (AGE-SECRET-KEY-PQ-1…) are not supported yet".into()
    } else if has(b"AGE-SECRET-KEY") {
        "the identity value looks like a secret key but is not valid (an AGE-SECRET-KEY-1… \
         string, all in one case)"
            .into()
    } else if has(b"AGE-PLUGIN-") {
        "plugin identities (AGE-PLUGIN-…) are not supported: use an X25519 or SSH identity".into()
    } else if has(b"PRIVATE KEY-----") {
        "the identity value holds a private key's text, not a path\nhint: write it to a 0600 \
         file and set KEYWARD_IDENTITY to that file's path"
            .into()
    } else {
        "the identity value spans several lines but holds no AGE-SECRET-KEY-1… key\nhint: set \
         KEYWARD_IDENTITY to a file's path or to the key itself"
            .into()
    })
}
