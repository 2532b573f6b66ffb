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

/// Text for SVG or HTML that valueflow writes (pictures, the report): `&`, `<`, `>` and both
/// quotes escaped, so a name like `<script>` shows as text in element content and attribute
/// values alike; control characters other than tab and line breaks (which neither XML nor a
/// reader wants) and the bidirectional overrides dropped. BPMN export has its own, exact
/// form (`interop::xml::escape`), because a BPMN file must read back to the same text.
pub fn escape_markup(s: &str) -> Cow<'_, str> {
    let special = |c: char| {
        matches!(c, '&' | '<' | '>' | '"' | '\'' | '\u{fffe}' | '\u{ffff}')
            || (is_unsafe_char(c) && !matches!(c, '\t' | '\n' | '\r'))
    };
    if !s.chars().any(special) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if special(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A spreadsheet cell that cannot run as a formula: text starting with `=`, `+`, `-`, `@`,
/// tab or carriage return gets a leading `'` (OWASP's advice for CSV injection). Readers of
/// valueflow's own CSV strip it again with [`restore_formula`].
pub fn neutralize_formula(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        // A cell that already starts with the guard quote keeps it doubled, so that
        // restore_formula gives back exactly what was written.
        Some('\'') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The inverse of [`neutralize_formula`]: drops one leading `'` that guards a cell.
pub fn restore_formula(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape_control("Ship order – 2d"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escapes_terminal_sequences_newlines_and_bidi_overrides() {
        assert_eq!(
            escape_control("a\u{1b}]0;x\u{7}b\nerror: c\u{202e}d\u{9b}"),
            "a\\u{1b}]0;x\\u{7}b\\nerror: c\\u{202e}d\\u{9b}"
        );
        assert!(!escape_control("x\ny").contains('\n'));
    }

    #[test]
    fn formulas_are_neutralized_and_restored() {
        for cell in ["=SUM(A1)", "+1", "-2", "@x", "'quoted", "plain", ""] {
            let safe = neutralize_formula(cell);
            assert!(!safe.starts_with(['=', '+', '-', '@']), "{safe}");
            assert_eq!(restore_formula(&safe), cell);
        }
        assert_eq!(neutralize_formula("=1+1"), "'=1+1");
        assert_eq!(neutralize_formula("Ship"), "Ship");
    }
}

/// Names in a sentence: `A`, `A and B`, `A, B and C`.
pub fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A count with its noun in the right number: "1 lane", "0 lanes", "3 lanes".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(super::count(1, "lane", "lanes"), "1 lane");
        assert_eq!(super::count(0, "lane", "lanes"), "0 lanes");
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(super::join_and(&names(&["A"])), "A");
        assert_eq!(super::join_and(&names(&["A", "B"])), "A and B");
        assert_eq!(super::join_and(&names(&["A", "B", "C"])), "A, B and C");
        assert_eq!(super::count(2, "step", "steps"), "2 steps");
    }
}
