//! Event-log timestamps → epoch milliseconds: RFC 3339 / ISO 8601 with `T` or a space, an
//! optional fraction, `Z` or an offset (none means UTC), `/` accepted as date separator.
//! The common fixed shapes take a hand-written path; everything else goes through jiff.

use jiff::fmt::temporal::Pieces;
use jiff::tz::Offset;

const MS_PER_MIN: i64 = 60_000;

/// Parses a timestamp to milliseconds since 1970-01-01T00:00:00Z (a fraction past the
/// millisecond is truncated). `None` when it is not a timestamp.
pub fn parse_timestamp_ms(raw: &[u8]) -> Option<i64> {
    let s = raw.trim_ascii();
    if let Some(ms) = fast(s) {
        return Some(ms);
    }
    slow(s)
}

/// The timestamp as RFC 3339 in UTC (milliseconds shown only when not zero).
pub fn format_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => {
            let text = t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            text.replace(".000Z", "Z")
        }
        Err(_) => format!("{ms} ms"),
    }
}

/// Through jiff's Temporal parser (which takes `T`, `t` or a space and up to nine fraction
/// digits); `/` date separators are replaced first.
fn slow(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut buf = [0u8; 64];
    let buf = &mut buf[..s.len()];
    buf.copy_from_slice(s);
    for b in buf.iter_mut().take(10) {
        if *b == b'/' {
            *b = b'-';
        }
    }
    let pieces = Pieces::parse(&*buf).ok()?;
    let time = pieces.time().unwrap_or(jiff::civil::Time::midnight());
    let dt = pieces.date().to_datetime(time);
    let offset = pieces.to_numeric_offset().unwrap_or(Offset::UTC);
    let ts = offset.to_timestamp(dt).ok()?;
    Some(ts.as_millisecond())
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff…][Z|±HH:MM|±HHMM]` with `-` or `/`; `None` for anything else
/// (the slow path then decides).
fn fast(s: &[u8]) -> Option<i64> {
    if s.len() < 19 {
        return None;
    }
    let year = digits(&s[0..4])?;
    let sep = s[4];
    if !(sep == b'-' || sep == b'/') || s[7] != sep {
        return None;
    }
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    if !(s[10] == b'T' || s[10] == b' ' || s[10] == b't') || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let hour = digits(&s[11..13])?;
    let minute = digits(&s[14..16])?;
    let second = digits(&s[17..19])?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix(b".").or_else(|| rest.strip_prefix(b",")) {
        let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        for (k, &b) in frac[..n.min(3)].iter().enumerate() {
            millis += i64::from(b - b'0') * [100, 10, 1][k];
        }
        rest = &frac[n..];
    }
    let offset_mins = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 60 + m;
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(secs * 1000 + millis - offset_mins * MS_PER_MIN)
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "a failed unwrap is a clear test failure"
    )]
    use super::*;

    /// Both paths agree with jiff on every accepted shape.
    #[test]
    fn shapes_parse_to_the_same_instant() {
        let want = jiff::Timestamp::from_second(1_709_285_400)
            .unwrap()
            .as_millisecond(); // 2024-03-01T09:30:00Z
        for s in [
            "2024-03-01T09:30:00Z",
            "2024-03-01 09:30:00",
            "2024/03/01 09:30:00",
            "2024-03-01T09:30:00.000Z",
            "2024-03-01T10:30:00+01:00",
            "2024-03-01T10:30:00+0100",
            "2024-03-01T08:30:00-01:00",
            "2024-03-01T09:30:00.000000000+00:00",
            "  2024-03-01T09:30:00Z ",
            "2024-03-01T09:30Z",
            "2024/03/01T09:30",
        ] {
            assert_eq!(parse_timestamp_ms(s.as_bytes()), Some(want), "{s}");
        }
        assert_eq!(
            parse_timestamp_ms(b"2024-03-01T09:30:00.25Z"),
            Some(want + 250)
        );
        assert_eq!(parse_timestamp_ms(b"2024-03-01"), Some(want - 570 * 60_000));
        assert_eq!(
            slow(b"2023-02-09T08:05:04.420"),
            fast(b"2023-02-09T08:05:04.420")
        );
        assert_eq!(
            slow(b"2000-02-29T23:59:59-07:30"),
            fast(b"2000-02-29T23:59:59-07:30")
        );
        assert_eq!(slow(b"1969-12-31T23:59:59Z"), Some(-1000));
    }

    #[test]
    fn non_timestamps_are_refused() {
        for s in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-03-01T24:00:00Z",
            "2024-03-01T09:30:00+99:00",
            "2024-03-01X09:30:00",
            "12345",
        ] {
            assert_eq!(parse_timestamp_ms(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn formats_back_in_utc() {
        assert_eq!(format_ms(1_709_285_400_000), "2024-03-01T09:30:00Z");
        assert_eq!(format_ms(1_709_285_400_250), "2024-03-01T09:30:00.250Z");
    }
}
