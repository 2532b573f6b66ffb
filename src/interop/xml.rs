//! What BPMN import and export share: XML text escaping, the reversible `vf:…Escaped` form
//! of text XML cannot carry, ISO-8601 durations and the XML declaration's encoding.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether XML 1.0 can carry `c` at all (as itself or as a character reference).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for an attribute value or element content. Tabs and line breaks become
/// character references so attribute normalisation keeps them; characters XML 1.0 cannot
/// carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD (see [`encode_exact`] for
/// the exact form). Borrows when nothing needs escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    let plain =
        |c: char| !matches!(c, '&' | '<' | '>' | '"' | '\t' | '\n' | '\r') && is_xml_char(c);
    if text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text that XML cannot carry exactly, in a form it can: `\` becomes `\\` and every
/// character XML cannot carry becomes `\u{hex}`. `None` when the text needs no such form
/// (the plain attribute is exact). valueflow writes it as `vf:<attribute>Escaped`.
pub fn encode_exact(text: &str) -> Option<String> {
    if text.chars().all(is_xml_char) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if !is_xml_char(c) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// The inverse of [`encode_exact`]; `None` for a malformed escape.
pub fn decode_exact(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        h if h.is_ascii_hexdigit() && hex.len() < 6 => hex.push(h),
                        _ => return None,
                    }
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Formats minutes as an ISO-8601 duration: `P1DT2H30M`, `PT0M`, `PT1.5M`.
pub fn format_iso_duration(mins: f64) -> String {
    if !(mins.is_finite() && mins > 0.0) {
        return "PT0M".into();
    }
    if mins.fract() != 0.0 || mins >= 1e15 {
        return format!("PT{mins}M");
    }
    let days = (mins / 1440.0).floor();
    let rest = mins - days * 1440.0;
    let hours = (rest / 60.0).floor();
    let minutes = rest - hours * 60.0;
    let mut out = String::from("P");
    // Writing to a String cannot fail.
    if days > 0.0 {
        let _ = write!(out, "{days}D");
    }
    if hours > 0.0 || minutes > 0.0 {
        out.push('T');
        if hours > 0.0 {
            let _ = write!(out, "{hours}H");
        }
        if minutes > 0.0 {
            let _ = write!(out, "{minutes}M");
        }
    }
    out
}

/// Parses an ISO-8601 duration (`PT4H`, `P2D`, `P1DT2H30M`, `PT1.5M`) into minutes.
/// A day is 1440 minutes, a week 7 days, a month 30 days and a year 365 days.
pub fn parse_iso_duration(text: &str) -> Option<f64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total = 0.0;
    let mut any = false;
    let mut read = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let k = units[next_unit..].iter().position(|(u, _)| *u == c)? + next_unit;
            let v: f64 = number.parse().ok()?;
            total += v * units[k].1;
            number.clear();
            next_unit = k + 1;
            any = true;
        }
        number.is_empty().then_some(())
    };
    read(
        date,
        &[
            ('Y', 365.0 * 1440.0),
            ('M', 30.0 * 1440.0),
            ('W', 7.0 * 1440.0),
            ('D', 1440.0),
        ],
    )?;
    if let Some(time) = time {
        read(time, &[('H', 60.0), ('M', 1.0), ('S', 1.0 / 60.0)])?;
    }
    (any && total.is_finite()).then_some(total)
}

/// The encoding an XML declaration names (`<?xml version="1.0" encoding="X"?>`), as
/// written; `None` without a declaration or an `encoding` in it.
pub fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let rest = head.strip_prefix(b"<?xml")?;
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&rest[..end]);
    let at = decl.find("encoding")?;
    let after = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let after = after.trim_start();
    let quote = after.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let value = &after[1..];
    let close = value.find(quote)?;
    Some(value[..close].to_owned())
}

/// How the importer reads a declared encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Latin1,
}

/// The encodings the importer reads, by their IANA names and common aliases
/// (case-insensitive); US-ASCII is read as the UTF-8 it is a subset of.
pub fn known_encoding(name: &str) -> Option<Encoding> {
    match name.trim().to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => Some(Encoding::Utf8),
        "iso-8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "iso8859-1" => {
            Some(Encoding::Latin1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_form_round_trips_and_is_only_made_when_needed() {
        assert_eq!(encode_exact("plain \\ text\n"), None);
        for text in ["a\u{1}", "a\u{2}\\u{1}", "\u{FFFF}\u{0}", "\\\u{1b}"] {
            let enc = encode_exact(text).unwrap();
            assert!(enc.chars().all(is_xml_char), "{enc:?}");
            assert_eq!(decode_exact(&enc).as_deref(), Some(text));
        }
        assert_ne!(encode_exact("a\u{1}"), encode_exact("a\u{2}"));
        for bad in [
            "\\",
            "\\x",
            "\\u{",
            "\\u{zz}",
            "\\u{110000}",
            "\\u{d800}",
            "\\u1",
        ] {
            assert_eq!(decode_exact(bad), None, "{bad}");
        }
    }

    #[test]
    fn escape_keeps_line_breaks_and_replaces_what_xml_cannot_carry() {
        assert_eq!(escape("a&b"), "a&amp;b");
        assert_eq!(escape("x\n\t\"<>"), "x&#10;&#9;&quot;&lt;&gt;");
        assert_eq!(escape("a\u{1}"), "a\u{FFFD}");
        assert!(matches!(escape("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_declared_encoding_is_read_from_the_declaration_only() {
        let enc = |s: &str| declared_encoding(s.as_bytes());
        assert_eq!(
            enc(r#"<?xml version="1.0" encoding="UTF-16"?><a/>"#).as_deref(),
            Some("UTF-16")
        );
        assert_eq!(
            enc("<?xml version='1.0' encoding = 'latin1' ?>").as_deref(),
            Some("latin1")
        );
        assert_eq!(enc(r#"<?xml version="1.0"?><a encoding="x"/>"#), None);
        assert_eq!(enc(r#"<a/>"#), None);
        assert_eq!(known_encoding("ISO-8859-1"), Some(Encoding::Latin1));
        assert_eq!(known_encoding("utf-8"), Some(Encoding::Utf8));
        assert_eq!(known_encoding("windows-1252"), None);
    }
}
