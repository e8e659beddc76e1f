//! What a lookup does with a presented key before it hashes it, so that a set answers
//! as `keyward verify` does: one trailing newline is dropped (`echo $KEY |`), input that
//! cannot be a stored value is refused as malformed, and a keyward token names its
//! environment, so another environment's token is refused by that name rather than
//! reported as unknown.
//!
//! keyward's CLI uses [`malformed`] and [`MAX_PRESENTED`] from here for its own
//! `verify`, and tests [`token_env`] against its token grammar, so the two cannot drift.

use crate::format::is_env_name;

/// The longest value keyward stores; a presented key longer than this (plus a newline)
/// cannot match, and a reader may stop there so hostile input cannot exhaust memory.
pub const MAX_PRESENTED: usize = 64 * 1024;

/// `presented` without one trailing newline (`\n` or `\r\n`).
pub fn strip_newline(b: &[u8]) -> &[u8] {
    match b.strip_suffix(b"\n") {
        Some(b) => b.strip_suffix(b"\r").unwrap_or(b),
        None => b,
    }
}

/// Why a presented key (already without its newline) cannot be a stored value, if it
/// cannot: empty, a NUL byte, or longer than [`MAX_PRESENTED`].
pub fn malformed(v: &[u8]) -> Option<&'static str> {
    if v.is_empty() {
        Some("the presented key is empty")
    } else if v.contains(&0) {
        Some("the presented key contains a NUL byte")
    } else if v.len() > MAX_PRESENTED {
        Some("the presented key is longer than 64 KiB")
    } else {
        None
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// A token's body after the last `_`: 30 random base62 characters, then 6 of checksum.
const TOKEN_RANDOM_CHARS: usize = 30;
const TOKEN_CHECK_CHARS: usize = 6;
const TOKEN_BODY_CHARS: usize = TOKEN_RANDOM_CHARS + TOKEN_CHECK_CHARS;

/// The environment a keyward token names, if `s` (exactly) is one with a valid
/// checksum: `<prefix>_<env>_<30 random base62><6 base62 CRC32>`, the prefix
/// `[a-z][a-z0-9]*` (at most 16), the environment a valid environment name. A value
/// that only looks like a token (a bad checksum) names nothing: it is looked up like
/// any other value.
pub fn token_env(s: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(s).ok()?;
    if s.len() < TOKEN_BODY_CHARS + 4 {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - TOKEN_BODY_CHARS);
    let (prefix, env) = head.strip_suffix('_')?.split_once('_')?;
    if !is_prefix(prefix) || !is_env_name(env) || !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let expected = checksum(&s.as_bytes()[..s.len() - TOKEN_CHECK_CHARS]);
    let check = &tail.as_bytes()[TOKEN_RANDOM_CHARS..];
    // The checksum is public, so comparing in constant time guards nothing much; it is
    // as cheap as not doing it.
    let diff = expected
        .iter()
        .zip(check)
        .fold(0, |acc, (a, b)| acc | (a ^ b));
    (diff == 0).then_some(env)
}

fn is_prefix(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 16
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// CRC32 over `<prefix>_<env>_<random>`, as 6 base62 digits (62^6 > 2^32).
fn checksum(signed: &[u8]) -> [u8; TOKEN_CHECK_CHARS] {
    let mut n = u64::from(crc32fast::hash(signed));
    let mut out = [b'0'; TOKEN_CHECK_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token as keyward makes one, with a fixed "random" part.
    fn token(prefix: &str, env: &str, random: &str) -> String {
        let signed = format!("{prefix}_{env}_{random}");
        let check = checksum(signed.as_bytes());
        format!("{signed}{}", std::str::from_utf8(&check).unwrap())
    }

    #[test]
    fn a_token_names_its_environment_only_with_a_valid_checksum() {
        let random = "Ab3".repeat(10);
        let t = token("kw", "prod-eu", &random);
        assert_eq!(token_env(t.as_bytes()), Some("prod-eu"));
        // One character of the random part changed: the checksum no longer holds.
        let forged = t.replacen("Ab3", "Ab4", 1);
        assert_eq!(token_env(forged.as_bytes()), None);
        // A valid checksum over a bad prefix or environment is still not a token.
        for (prefix, env) in [("KW", "dev"), ("kw", "Dev"), ("1kw", "dev"), ("kw", "d_v")] {
            assert_eq!(token_env(token(prefix, env, &random).as_bytes()), None);
        }
        assert_eq!(token_env(b"kw_dev_short"), None);
        assert_eq!(token_env(&[0xff; 48]), None);
    }

    #[test]
    fn newlines_and_malformed_input() {
        assert_eq!(strip_newline(b"k\r\n"), b"k");
        assert_eq!(strip_newline(b"k\n\n"), b"k\n");
        assert_eq!(strip_newline(b"k"), b"k");
        assert!(malformed(b"").is_some());
        assert!(malformed(b"a\0b").is_some());
        assert!(malformed(&vec![b'a'; MAX_PRESENTED + 1]).is_some());
        assert!(malformed(&vec![b'a'; MAX_PRESENTED]).is_none());
    }
}
