//! Durations (`30s 15m 12h 90d 2w`), instants (RFC 3339, a date, or a duration back from now) and how times are printed; every one bounded so no arithmetic on them overflows.

#[allow(unused_imports)]
use super::*;

/// A duration: a positive whole number and a unit, `30s 15m 12h 90d 2w`, at most
/// `Dur::MAX_SECS` (8000 years): longer ones are a usage error, so that `now + dur` and
/// `now - dur` in milliseconds can never overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur {
    pub secs: i64,
}

impl Dur {
    /// 8000 Gregorian years (365.2425 days each): 417,420 weeks.
    pub const MAX_SECS: i64 = 8_000 * 31_556_952;

    pub fn millis(self) -> i64 {
        self.secs.saturating_mul(1000)
    }
    pub fn from_secs(secs: i64) -> Self {
        Dur { secs }
    }
    /// The moment `self` after `t`, never past `MAX_TIME_MS` (a grace or period longer
    /// than what is left of year 9999 ends then): no overflow, no out-of-range stored time.
    pub fn after(self, t: i64) -> i64 {
        t.saturating_add(self.millis()).min(MAX_TIME_MS)
    }
    /// The moment `self` before `t`, never before `MIN_TIME_MS`.
    pub fn before(self, t: i64) -> i64 {
        t.saturating_sub(self.millis()).max(MIN_TIME_MS)
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
        match n.checked_mul(mult) {
            Some(secs) if secs <= Dur::MAX_SECS => Ok(Dur { secs }),
            _ => Err(format!(
                "invalid duration `{s}`: longer than 8000 years (the limit is {}w)",
                Dur::MAX_SECS / 604_800
            )),
        }
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
    /// A moment `dur` ahead of `now` (for `--expires`), never past `MAX_TIME_MS`.
    pub fn ahead(self, now: i64) -> i64 {
        match self {
            When::At(t) => t,
            When::In(d) => now.saturating_add(d.millis()).min(MAX_TIME_MS),
        }
    }
    /// A moment `dur` before `now` (for `--since`, `--until`), never before `MIN_TIME_MS`.
    pub fn before(self, now: i64) -> i64 {
        match self {
            When::At(t) => t,
            When::In(d) => now.saturating_sub(d.millis()).max(MIN_TIME_MS),
        }
    }
}

impl FromStr for When {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<Dur>() {
            Ok(d) => return Ok(When::In(d)),
            // It is a duration, just not an acceptable one (`0s`, `999999999999w`): say
            // that, not "invalid date".
            Err(e) if looks_like_duration(s) => return Err(e),
            Err(_) => {}
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            let t = t.timestamp_millis();
            if !(MIN_TIME_MS..=MAX_TIME_MS).contains(&t) {
                return Err(format!(
                    "invalid date `{}`: outside the years 0000 to 9999",
                    printable(s)
                ));
            }
            return Ok(When::At(t));
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

/// Digits then one of the duration units: a duration, even if out of range.
pub(super) fn looks_like_duration(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(&s[digits..], "s" | "m" | "h" | "d" | "w")
}

/// Milliseconds since the epoch, UTC; negative for a clock set before 1970 (which
/// `Context` refuses: chrono's `Utc::now` would panic).
pub fn now_ms() -> i64 {
    let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => ms(d),
        Err(e) => -ms(e.duration()),
    }
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
    if (0..=MAX_TIME_MS).contains(&ms) {
        return fmt_time_ms_fast(ms);
    }
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

/// `fmt_time_ms` for every time keyward stores (1970 to 9999), without chrono's format
/// parser: `list --json` prints one per key (at 100,000 keys it was an eighth of the
/// command). Days to a civil date by Howard Hinnant's `civil_from_days`.
pub(super) fn fmt_time_ms_fast(ms: i64) -> String {
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (secs, milli) = (in_day / 1000, in_day % 1000);
    // Digits written straight into 24 bytes: `format!` was most of this function.
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    put(20, 3, milli);
    out.iter().map(|&b| char::from(b)).collect()
}
