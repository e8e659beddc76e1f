//! Times as keyward prints them: RFC 3339 in UTC with milliseconds. A set stores unix ms
//! (that is what is signed and compared); this text is for people — the `jsonl` format's
//! readable copies and [`Answer::reason`](crate::Answer::reason). Written here rather
//! than pulled from a date crate: a service should not link one for a message.

/// The earliest time printed as a date: 0000-01-01T00:00:00Z.
const MIN_MS: i64 = -62_167_219_200_000;
/// The latest: 9999-12-31T23:59:59.999Z (keyward never stores a later one).
const MAX_MS: i64 = 253_402_300_799_999;

/// `2025-01-31T12:00:00.000Z` for unix ms; outside years 0000–9999, the number itself.
pub fn fmt_time_ms(ms: i64) -> String {
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return ms.to_string();
    }
    // Days to a civil date by Howard Hinnant's `civil_from_days`.
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
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::fmt_time_ms;

    #[test]
    fn known_moments_print_as_rfc_3339() {
        assert_eq!(fmt_time_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(fmt_time_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(fmt_time_ms(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(fmt_time_ms(super::MIN_MS), "0000-01-01T00:00:00.000Z");
        assert_eq!(fmt_time_ms(super::MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(fmt_time_ms(super::MAX_MS + 1), "253402300800000");
    }
}
