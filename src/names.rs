//! Newtypes for what users type: key names, environment names, durations and dates.
//! Each parses in one place, so bad input is a usage error (exit 2) before anything
//! is opened.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;

/// A key name: `[A-Za-z_][A-Za-z0-9_]*`, so it is also an environment variable name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX_LEN: usize = 128;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for KeyName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic());
        if !ok_first || !chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return Err(format!(
                "invalid key name `{}`: use letters, digits and `_`, not starting with a digit (it becomes an environment variable name)",
                printable(s)
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "invalid key name: longer than {} characters",
                Self::MAX_LEN
            ));
        }
        Ok(KeyName(s.to_owned()))
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An environment name: `[a-z][a-z0-9-]*`, at most 32 characters. No `_`, because the
/// environment is a field of the token format `<prefix>_<env>_<body>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EnvName(String);

impl EnvName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EnvName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c.is_ascii_lowercase());
        if !ok_first
            || s.len() > 32
            || !chars.all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(format!(
                "invalid environment name `{}`: use lowercase letters, digits and `-`, starting with a letter, at most 32 characters",
                printable(s)
            ));
        }
        Ok(EnvName(s.to_owned()))
    }
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token prefix: `[a-z][a-z0-9]*`, at most 16 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix(pub String);

impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let ok_first = matches!(chars.next(), Some(c) if c.is_ascii_lowercase());
        if !ok_first || s.len() > 16 || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(format!(
                "invalid prefix `{}`: use lowercase letters and digits, starting with a letter, at most 16 characters",
                printable(s)
            ));
        }
        Ok(Prefix(s.to_owned()))
    }
}

/// A duration: a positive whole number and a unit, `30s 15m 12h 90d 2w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur {
    pub secs: i64,
}

impl Dur {
    pub fn millis(self) -> i64 {
        self.secs.saturating_mul(1000)
    }
    pub fn from_secs(secs: i64) -> Self {
        Dur { secs }
    }
}

impl FromStr for Dur {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid duration `{}`: use a whole number and a unit, like 30s, 15m, 12h, 90d or 2w",
                printable(s)
            )
        };
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (num, unit) = s.split_at(split);
        if num.is_empty() || num.len() > 12 {
            return Err(bad());
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        let mult = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        if n == 0 {
            return Err(format!("invalid duration `{s}`: must be greater than zero"));
        }
        Ok(Dur { secs: n * mult })
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
            if s % size == 0 {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

/// A point in time as typed: RFC 3339, `YYYY-MM-DD` (midnight UTC), or a duration whose
/// direction depends on the flag (ahead of now for `--expires`, before now for `--since`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    At(i64),
    In(Dur),
}

impl When {
    /// A moment `dur` ahead of `now` (for `--expires`).
    pub fn ahead(self, now: i64) -> i64 {
        match self {
            When::At(t) => t,
            When::In(d) => now.saturating_add(d.millis()),
        }
    }
    /// A moment `dur` before `now` (for `--since`, `--until`).
    pub fn before(self, now: i64) -> i64 {
        match self {
            When::At(t) => t,
            When::In(d) => now.saturating_sub(d.millis()),
        }
    }
}

impl FromStr for When {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(d) = s.parse::<Dur>() {
            return Ok(When::In(d));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(When::At(t.timestamp_millis()));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            && s.len() == 10
        {
            let t = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"));
            return Ok(When::At(t.timestamp_millis()));
        }
        Err(format!(
            "invalid date `{}`: use RFC 3339 (2026-01-31T12:00:00Z), YYYY-MM-DD, or a duration like 90d",
            printable(s)
        ))
    }
}

/// Milliseconds since the epoch, UTC.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// RFC 3339 in UTC, seconds precision, for tables.
pub fn fmt_time(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => ms.to_string(),
    }
}

/// RFC 3339 in UTC, millisecond precision, for JSON and audit records.
pub fn fmt_time_ms(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

/// Echo user input into an error without letting control characters reach the terminal.
fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_default).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!("30s".parse::<Dur>().unwrap().secs, 30);
        assert_eq!("15m".parse::<Dur>().unwrap().secs, 900);
        assert_eq!("12h".parse::<Dur>().unwrap().secs, 43_200);
        assert_eq!("90d".parse::<Dur>().unwrap().secs, 7_776_000);
        assert_eq!("2w".parse::<Dur>().unwrap().secs, 1_209_600);
    }

    #[test]
    fn bad_durations_are_refused() {
        for bad in [
            "",
            "s",
            "10",
            "10x",
            "-5d",
            "1.5h",
            "0d",
            "d10",
            "10 d",
            "99999999999999d",
        ] {
            assert!(bad.parse::<Dur>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn dates_parse_as_rfc3339_day_or_duration() {
        assert_eq!(
            "2026-01-31".parse::<When>().unwrap(),
            When::At(1_769_817_600_000)
        );
        assert_eq!(
            "2026-01-31T00:00:01Z".parse::<When>().unwrap(),
            When::At(1_769_817_601_000)
        );
        assert_eq!(
            "2d".parse::<When>().unwrap(),
            When::In(Dur { secs: 172_800 })
        );
        assert!("2026-13-01".parse::<When>().is_err());
        assert!("tomorrow".parse::<When>().is_err());
    }

    #[test]
    fn key_names_are_env_var_names() {
        for good in ["A", "_x", "STRIPE_KEY_2", "a1"] {
            assert!(good.parse::<KeyName>().is_ok(), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "é", "A.B", "A=B"] {
            assert!(bad.parse::<KeyName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names_exclude_underscore() {
        assert!("prod".parse::<EnvName>().is_ok());
        assert!("eu-west-1".parse::<EnvName>().is_ok());
        for bad in ["", "Prod", "my_env", "1dev", "../x", "a/b"] {
            assert!(bad.parse::<EnvName>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn duration_parser_never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<Dur>();
            let _ = s.parse::<When>();
        }

        #[test]
        fn durations_round_trip_through_display(n in 1i64..1_000_000, unit in 0usize..5) {
            let u = ["s", "m", "h", "d", "w"][unit];
            let d: Dur = format!("{n}{u}").parse().unwrap();
            prop_assert_eq!(d.to_string().parse::<Dur>().unwrap(), d);
        }
    }
}
