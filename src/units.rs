//! Human time units: minutes ⇄ text such as `3d 4h 12m`, `1h 30m`, `1.5h`, `90`.
//! A day is 24 hours (calendar time, as waits are measured).

use thiserror::Error;

pub const MINS_PER_HOUR: f64 = 60.0;
pub const MINS_PER_DAY: f64 = 24.0 * MINS_PER_HOUR;

/// Beyond this many days, durations are written as `1.25e12d`: whole days, hours and
/// minutes mean nothing at that size (and f64 minutes are no longer whole numbers).
const SCIENTIFIC_DAYS: f64 = 1e9;

/// Formats minutes compactly: `3d 4h 12m`; seconds appear only under an hour (`17m 30s`);
/// from a billion days on in days with an exponent (`2.50e12d`). Never prints `inf` or `NaN`:
/// a value that is not a finite number (which the analysis never hands over) reads
/// `over 1.8e308m` (or `not a number`).
pub fn format_duration(mins: f64) -> String {
    if mins.is_nan() {
        return "not a number".to_owned();
    }
    if mins.is_infinite() {
        let sign = if mins < 0.0 { "-" } else { "" };
        return format!("{sign}over 1.8e308m");
    }
    if mins < 0.0 {
        return format!("-{}", format_duration(-mins));
    }
    if mins / MINS_PER_DAY >= SCIENTIFIC_DAYS {
        return format!("{:.2e}d", mins / MINS_PER_DAY);
    }
    let total_secs = (mins * 60.0).round();
    if total_secs == 0.0 {
        return "0m".to_owned();
    }
    if total_secs < 3600.0 {
        let m = (total_secs / 60.0).floor();
        let s = total_secs - m * 60.0;
        return if s == 0.0 {
            format!("{m}m")
        } else if m == 0.0 {
            format!("{s}s")
        } else {
            format!("{m}m {s}s")
        };
    }
    let total_mins = (total_secs / 60.0).round();
    let d = (total_mins / MINS_PER_DAY).floor();
    let h = ((total_mins - d * MINS_PER_DAY) / MINS_PER_HOUR).floor();
    let m = total_mins - d * MINS_PER_DAY - h * MINS_PER_HOUR;
    let mut parts = Vec::new();
    if d > 0.0 {
        parts.push(format!("{d}d"));
    }
    if h > 0.0 {
        parts.push(format!("{h}h"));
    }
    if m > 0.0 {
        parts.push(format!("{m}m"));
    }
    parts.join(" ")
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("enter a time such as 90, 45m, 1h 30m, 1.5h or 2d")]
    Empty,
    #[error("\"{0}\" is not a time; use numbers with d, h, m or s (e.g. 1h 30m, 2d, 90)")]
    Invalid(String),
    #[error("a time cannot be negative")]
    Negative,
}

/// Parses a duration into minutes. A bare number is minutes; units d, h, m (or min), s may be
/// combined (`1d 2h`, `1h30m`) and may carry decimals (`1.5h`, `0,5d`).
pub fn parse_duration(text: &str) -> Result<f64, DurationError> {
    let t = text.trim().to_lowercase().replace(',', ".");
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    if t.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let invalid = || DurationError::Invalid(text.trim().to_owned());
    if let Ok(v) = t.parse::<f64>() {
        return if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(invalid())
        };
    }
    let mut total = 0.0;
    let mut rest = t.as_str();
    let mut any = false;
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "d" | "day" | "days" => MINS_PER_DAY,
            "h" | "hr" | "hrs" | "hour" | "hours" => MINS_PER_HOUR,
            "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0 / 60.0,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total += number * factor;
        any = true;
    }
    if any && total.is_finite() {
        Ok(total)
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_compactly() {
        assert_eq!(format_duration(0.0), "0m");
        assert_eq!(format_duration(18.0), "18m");
        assert_eq!(format_duration(17.5), "17m 30s");
        assert_eq!(format_duration(0.5), "30s");
        assert_eq!(format_duration(60.0), "1h");
        assert_eq!(format_duration(90.0), "1h 30m");
        assert_eq!(format_duration(1440.0), "1d");
        assert_eq!(
            format_duration(3.0 * 1440.0 + 4.0 * 60.0 + 12.0),
            "3d 4h 12m"
        );
        assert_eq!(format_duration(2.0 * 1440.0 + 5.0), "2d 5m");
    }

    #[test]
    fn never_prints_inf_or_nan() {
        // 1e308 minutes: mins * 60 overflows, which used to print "infd".
        for mins in [
            1e308,
            f64::MAX,
            1.7976931348623157e308 / 2.0,
            1e300,
            1e20,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            let text = format_duration(mins);
            for bad in ["inf", "NaN", "∞"] {
                assert!(!text.contains(bad), "{mins} → {text}");
            }
        }
        assert_eq!(format_duration(1e308), "6.94e304d");
        assert_eq!(format_duration(f64::MAX), "1.25e305d");
        assert_eq!(format_duration(1440.0 * 1e9), "1.00e9d");
        // Just under a billion days is still exact.
        assert_eq!(format_duration(1440.0 * 999_999_999.0), "999999999d");
        assert_eq!(format_duration(f64::INFINITY), "over 1.8e308m");
        assert_eq!(format_duration(f64::NAN), "not a number");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_duration("90"), Ok(90.0));
        assert_eq!(parse_duration("1h 30m"), Ok(90.0));
        assert_eq!(parse_duration("1h30m"), Ok(90.0));
        assert_eq!(parse_duration("1.5h"), Ok(90.0));
        assert_eq!(parse_duration("2d"), Ok(2880.0));
        assert_eq!(parse_duration(" 2 days 3 hours "), Ok(2880.0 + 180.0));
        assert_eq!(parse_duration("0,5d"), Ok(720.0));
        assert_eq!(parse_duration("30s"), Ok(0.5));
        assert_eq!(parse_duration("45 min"), Ok(45.0));
    }

    #[test]
    fn rejects_nonsense() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("-5"), Err(DurationError::Negative));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1..5h").is_err());
        assert!(parse_duration("NaN").is_err());
        assert!(parse_duration("inf").is_err());
    }

    #[test]
    fn format_then_parse_round_trips_whole_minutes() {
        for mins in [0.0, 1.0, 59.0, 61.0, 1439.0, 1441.0, 10_000.0] {
            assert_eq!(parse_duration(&format_duration(mins)), Ok(mins));
        }
    }
}
