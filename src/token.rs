//! Generated key values and the keyward token grammar.
//!
//! A token is `<prefix>_<env>_<30 random base62><6 base62 CRC32>`: recognisable offline
//! and bound to its environment by the checksum. This module is the only place that
//! grammar lives: generating ([`generate`]), checking ([`parse_token`]), spotting a
//! token-shaped string ([`token_shaped`]), finding tokens in bytes ([`find_tokens`]) and
//! masking values for display ([`mask`]). It also generates the other value formats
//! (hex, base64url, alnum). It never stores, prints or reads a value.

use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::{Zeroize, Zeroizing};

use crate::names::EnvName;
use crate::secret::Secret;

pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Random characters in a token body: 30 × log2(62) ≈ 178 bits.
pub const TOKEN_RANDOM_CHARS: usize = 30;
/// Checksum characters: CRC32 in 6 base62 digits.
pub const TOKEN_CHECK_CHARS: usize = 6;
/// The base62 body after the last `_`: random characters, then the checksum.
pub const TOKEN_BODY_CHARS: usize = TOKEN_RANDOM_CHARS + TOKEN_CHECK_CHARS;
/// Minimum entropy for any generated key (DESIGN §4).
pub const MIN_BYTES: usize = 16;
/// Upper bound on `--bytes`, to keep values sane as environment variables.
pub const MAX_BYTES: usize = 1024;
pub const DEFAULT_PREFIX: &str = "kw";
pub const DEFAULT_BYTES: usize = 32;

/// The value format of a generated key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `<prefix>_<env>_<30 random base62><6 base62 CRC32>`: recognisable offline.
    Token,
    /// Lowercase hex of N random bytes.
    Hex,
    /// URL-safe base64 (no padding) of N random bytes.
    Base64url,
    /// Letters and digits carrying N bytes of entropy.
    Alnum,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Token => "token",
            Format::Hex => "hex",
            Format::Base64url => "base64url",
            Format::Alnum => "alnum",
        }
    }
    /// The stored code of a format (schema: `keys.format`).
    pub fn code(self) -> i64 {
        match self {
            Format::Token => 0,
            Format::Hex => 1,
            Format::Base64url => 2,
            Format::Alnum => 3,
        }
    }
    pub fn from_code(c: i64) -> Option<Format> {
        Some(match c {
            0 => Format::Token,
            1 => Format::Hex,
            2 => Format::Base64url,
            3 => Format::Alnum,
            _ => return None,
        })
    }
}

/// How to generate a key: what `generate` is told and `rotate` repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSpec {
    pub format: Format,
    pub bytes: usize,
    pub prefix: String,
}

/// Generate a value from the OS CSPRNG.
pub fn generate(spec: &GenSpec, env: &EnvName) -> Secret {
    generate_from(spec, env, &mut OsRng)
}

/// Values for many keys at once (`rotate --all`): the same as [`generate`], with the OS
/// CSPRNG's output drawn in 16 KiB blocks instead of one system call per value (at
/// 10,000 keys those calls were 7% of the rotation).
pub struct Batch(crate::secret::RandomPool);

impl Default for Batch {
    fn default() -> Batch {
        Batch(crate::secret::RandomPool::new(16 * 1024))
    }
}

impl Batch {
    pub fn generate(&mut self, spec: &GenSpec, env: &EnvName) -> Secret {
        generate_from(spec, env, &mut self.0)
    }
}

fn generate_from(spec: &GenSpec, env: &EnvName, rng: &mut impl RngCore) -> Secret {
    match spec.format {
        Format::Token => Secret::new(make_token(&spec.prefix, env.as_str(), rng).into_bytes()),
        Format::Hex => {
            let mut raw = Zeroizing::new(vec![0u8; spec.bytes]);
            rng.fill_bytes(&mut raw);
            Secret::new(hex::encode(&*raw).into_bytes())
        }
        Format::Base64url => {
            use base64::Engine;
            let mut raw = Zeroizing::new(vec![0u8; spec.bytes]);
            rng.fill_bytes(&mut raw);
            Secret::new(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(&*raw)
                    .into_bytes(),
            )
        }
        Format::Alnum => {
            // ceil(bytes * 8 / log2(62)) characters carry at least `bytes` of entropy.
            let chars = ((spec.bytes as f64 * 8.0) / 62f64.log2()).ceil() as usize;
            Secret::new(base62_random(chars, rng))
        }
    }
}

/// `n` uniform base62 characters. Random bytes are drawn in one call and mapped by
/// rejection sampling (bytes ≥ 248 = 4 × 62 are dropped), so there is no modulo bias and
/// no system call per character.
fn base62_random(n: usize, rng: &mut impl RngCore) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < n {
        rng.fill_bytes(&mut buf[..]);
        for b in buf.iter() {
            if *b < 248 && out.len() < n {
                out.push(BASE62[(*b % 62) as usize]);
            }
        }
    }
    out
}

fn make_token(prefix: &str, env: &str, rng: &mut impl RngCore) -> String {
    let mut body = String::with_capacity(prefix.len() + env.len() + 38);
    body.push_str(prefix);
    body.push('_');
    body.push_str(env);
    body.push('_');
    let mut random = base62_random(TOKEN_RANDOM_CHARS, rng);
    body.push_str(std::str::from_utf8(&random).expect("base62 is ascii"));
    random.zeroize();
    let check = token_checksum(body.as_bytes());
    body.push_str(&check);
    body
}

/// CRC32 over `<prefix>_<env>_<random>`, as 6 base62 digits (62^6 > 2^32).
fn token_checksum(signed: &[u8]) -> String {
    let mut n = crc32fast::hash(signed) as u64;
    let mut out = [b'0'; TOKEN_CHECK_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

/// A recognised keyward token: what its fields say, with its checksum verified.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenInfo<'a> {
    pub prefix: &'a str,
    pub env: &'a str,
}

/// Whether `s` (exactly) is a keyward token with a valid checksum.
pub fn parse_token(s: &[u8]) -> Option<TokenInfo<'_>> {
    let s = std::str::from_utf8(s).ok()?;
    if s.len() < TOKEN_BODY_CHARS + 4 {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - TOKEN_BODY_CHARS);
    let head = head.strip_suffix('_')?;
    let (prefix, env) = head.split_once('_')?;
    prefix.parse::<crate::names::Prefix>().ok()?;
    env.parse::<EnvName>().ok()?;
    if !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let check = &tail[TOKEN_RANDOM_CHARS..];
    let signed_len = s.len() - TOKEN_CHECK_CHARS;
    let expected = token_checksum(&s.as_bytes()[..signed_len]);
    // Not secret-dependent in a useful way (the checksum is public), but cheap to do right.
    if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), check.as_bytes()).into() {
        Some(TokenInfo { prefix, env })
    } else {
        None
    }
}

/// Whether `b` (exactly) has a token's shape, `<prefix>_<env>_<36 alnum>`, whatever its
/// checksum says: `verify` rejects such a value at once when the checksum fails.
pub fn token_shaped(b: &[u8]) -> bool {
    if b.len() < TOKEN_BODY_CHARS + 4 {
        return false;
    }
    let (head, tail) = b.split_at(b.len() - TOKEN_BODY_CHARS);
    tail.iter().all(u8::is_ascii_alphanumeric)
        && head.ends_with(b"_")
        && head.iter().filter(|c| **c == b'_').count() == 2
        && head
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// Byte ranges in `data` shaped like a keyward token: `<prefix>_<env>_<36 base62>`, with
/// word boundaries. The checksum is left to [`parse_token`].
pub fn find_tokens(data: &[u8]) -> Vec<(usize, usize)> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    // Anchor on the `_` before the body: 36 alphanumerics then a non-word byte.
    for us in memchr::memchr_iter(b'_', data) {
        let body_end = us + 1 + TOKEN_BODY_CHARS;
        if body_end > data.len()
            || !data[us + 1..body_end].iter().all(u8::is_ascii_alphanumeric)
            || data.get(body_end).is_some_and(|&b| word(b))
        {
            continue;
        }
        // Walk back over `<env>` to the `_` after the prefix, then over the prefix.
        let mut i = us;
        while i > 0
            && (data[i - 1].is_ascii_lowercase()
                || data[i - 1].is_ascii_digit()
                || data[i - 1] == b'-')
        {
            i -= 1;
        }
        if i == 0 || data[i - 1] != b'_' || i == us {
            continue;
        }
        let mut start = i - 1;
        while start > 0
            && (data[start - 1].is_ascii_lowercase() || data[start - 1].is_ascii_digit())
        {
            start -= 1;
        }
        if start == i - 1 || (start > 0 && word(data[start - 1])) {
            continue;
        }
        out.push((start, body_end));
    }
    out
}

/// Values this long or longer show their first 2 and last 2 characters when masked: at
/// most 1/8 of the value. Shorter ones show nothing of it.
pub const MASK_SHOWS_PARTS_FROM: usize = 32;

/// Mask a value for display (a CI log, `scan --json`): a valid token shows
/// `<prefix>_<env>_` (public: the grammar and the environment) and its last 2 characters
/// (2 of 36 random ones); any other value of [`MASK_SHOWS_PARTS_FROM`] characters or more
/// its first 2 and last 2, and a shorter one only `…`. Why: 3 + 2 characters of a
/// 9-character imported password is over half of it, in every log of every scan that
/// finds it; the finding already names the key, so the mask need not tell values apart.
pub fn mask(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let chars: Vec<char> = s.chars().collect();
    if let Some(info) = parse_token(value) {
        let head = info.prefix.len() + info.env.len() + 2;
        let tail: String = chars[chars.len() - 2..].iter().collect();
        return format!("{}…{tail}", &s[..head]);
    }
    if chars.len() < MASK_SHOWS_PARTS_FROM {
        return "…".into();
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(s: &str) -> EnvName {
        s.parse().unwrap()
    }

    fn token(prefix: &str, e: &str) -> String {
        let spec = GenSpec {
            format: Format::Token,
            bytes: DEFAULT_BYTES,
            prefix: prefix.into(),
        };
        String::from_utf8(generate(&spec, &env(e)).expose().to_vec()).unwrap()
    }

    #[test]
    fn token_has_documented_shape_and_checks() {
        let s = token("kw", "prod");
        assert!(s.starts_with("kw_prod_"), "{s}");
        assert_eq!(s.len(), "kw_prod_".len() + 36);
        assert_eq!(
            parse_token(s.as_bytes()),
            Some(TokenInfo {
                prefix: "kw",
                env: "prod"
            })
        );
        assert!(token_shaped(s.as_bytes()));
        assert_eq!(find_tokens(s.as_bytes()), vec![(0, s.len())]);
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let t = token("kw", "dev");
        let mut bytes = t.as_bytes().to_vec();
        let i = bytes.len() - 10;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        assert_eq!(parse_token(&bytes), None);
        // still token-shaped: `verify` rejects it offline for that reason
        assert!(token_shaped(&bytes));
        // the environment is covered by the checksum too
        let swapped = t.replacen("_dev_", "_dex_", 1);
        assert_eq!(parse_token(swapped.as_bytes()), None);
    }

    #[test]
    fn token_shape_needs_three_parts_in_lower_case() {
        let body = "A".repeat(36);
        assert!(token_shaped(format!("kw_prod_{body}").as_bytes()));
        assert!(token_shaped(format!("acme_eu-west-1_{body}").as_bytes()));
        assert!(!token_shaped(format!("KW_prod_{body}").as_bytes()));
        assert!(!token_shaped(format!("kw_prod_x_{body}").as_bytes()));
        assert!(!token_shaped(format!("kwprod_{body}").as_bytes()));
        assert!(!token_shaped(
            format!("kw_prod_{}", "A".repeat(35)).as_bytes()
        ));
    }

    #[test]
    fn formats_carry_requested_entropy() {
        let e = env("dev");
        let g = |format, bytes| {
            generate(
                &GenSpec {
                    format,
                    bytes,
                    prefix: "kw".into(),
                },
                &e,
            )
        };
        assert_eq!(g(Format::Hex, 16).len(), 32);
        assert_eq!(g(Format::Base64url, 32).len(), 43);
        assert_eq!(g(Format::Alnum, 16).len(), 22);
        assert_ne!(g(Format::Hex, 16), g(Format::Hex, 16));
    }

    #[test]
    fn mask_never_shows_the_body() {
        // A token-shaped value with a bad checksum is masked like any other value.
        let m = mask(b"kw_prod_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZZ");
        assert_eq!(m, "kw…ZZ");
        assert_eq!(mask(b"short"), "…");
    }

    #[test]
    fn mask_shows_nothing_of_a_value_shorter_than_32_characters() {
        // A 9-character password showed 5 of its characters (3 + 2) in every CI log.
        assert_eq!(mask(b"Xq7#kP2mZ"), "…");
        assert_eq!(mask(b"sk_live_abcdefghijklmn"), "…");
        assert_eq!(mask(&[b'a'; 31]), "…");
        // From 32 characters: 2 + 2, at most 1/8 of the value; counted in characters.
        assert_eq!(mask(b"sk_live_imported_0123456789abcdef"), "sk…ef");
        assert_eq!(mask("é".repeat(32).as_bytes()), "éé…éé");
        assert_eq!(mask("é".repeat(31).as_bytes()), "…");
    }

    #[test]
    fn mask_of_a_valid_token_shows_prefix_and_env_only() {
        let t = token("acme", "eu-west-1");
        let m = mask(t.as_bytes());
        // The token branch: the whole `<prefix>_<env>_` head, then the last 2 characters.
        assert_eq!(m, format!("acme_eu-west-1_…{}", &t[t.len() - 2..]));
        assert!(!m.contains(&t["acme_eu-west-1_".len()..t.len() - 2]));
    }

    #[test]
    fn tokens_are_found_with_word_boundaries() {
        let t = b"kw_prod_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let text = [b"x = \"".as_slice(), t, b"\";"].concat();
        assert_eq!(find_tokens(&text), vec![(5, 5 + t.len())]);
        // part of a longer word: not a token
        let glued = [b"my".as_slice(), b"_", t].concat();
        assert_eq!(find_tokens(&glued), vec![]);
        let longer = [t.as_slice(), b"B"].concat();
        assert_eq!(find_tokens(&longer), vec![]);
        // env names may hold dashes
        let dashed = b"acme_eu-west-1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(find_tokens(dashed), vec![(0, dashed.len())]);
        assert_eq!(find_tokens(b"snake_case_identifier_here"), vec![]);
    }

    proptest! {
        #[test]
        fn token_parser_never_panics(s in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse_token(&s);
            let _ = token_shaped(&s);
            let _ = find_tokens(&s);
            let _ = mask(&s);
        }

        #[test]
        fn random_strings_of_token_shape_rarely_check(body in "[0-9A-Za-z]{36}") {
            let s = format!("kw_dev_{body}");
            // A random body passes the CRC with probability 2^-32: treat a pass as a bug.
            prop_assert!(parse_token(s.as_bytes()).is_none());
        }
    }
}
