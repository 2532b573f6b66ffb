//! Untrusted text made safe to print: control characters (which could move a terminal's
//! cursor, recolour it, forge extra lines or reorder text) become visible escapes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a one-line message raw: C0 and C1 controls,
/// DEL, and the Unicode bidirectional overrides and isolates (which reorder what is shown).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as `\u{…}` (tab, newline and carriage return as
/// `\t`, `\n`, `\r`), so a name or a bad value prints as one inert line. Borrows when
/// nothing needs escaping, which is the common case.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(escape_control("Ship order – 2d"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_terminal_sequences_newlines_and_bidi_overrides() {
        assert_eq!(
            escape_control("a\u{1b}]0;x\u{7}b\nerror: c\u{202e}d\u{9b}"),
            "a\\u{1b}]0;x\\u{7}b\\nerror: c\\u{202e}d\\u{9b}"
        );
        assert!(!escape_control("x\ny").contains('\n'));
    }
}
