//! The report renderers on hostile maps: control characters in names never reach the output
//! raw, formula-like CSV cells are guarded, and extreme times never print NaN or infinity.
#![allow(
    clippy::expect_used,
    reason = "a failed expect is a clear test failure"
)]

use valueflow::analysis::analyze;
use valueflow::format::load_str;
use valueflow::model::{Flow, Map, Step, StepKind, Value};
use valueflow::report;

fn hostile(name: &str) -> Map {
    let path = format!(
        "{}/tests/fixtures/hostile/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    load_str(name, &text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Text, Markdown, CSV and JSON of the analysis of `m`.
fn all_reports(m: &Map) -> [(&'static str, String); 4] {
    let a = analyze(m);
    [
        ("text", report::text(m, &a)),
        ("md", report::markdown(m, &a)),
        ("csv", report::csv(&a)),
        (
            "json",
            report::json(m, &a).expect("a report always encodes"),
        ),
    ]
}

#[test]
fn control_characters_in_names_are_escaped_in_every_report() {
    let m = hostile("terminal-escapes-in-names.vfmap.json");
    for (format, out) in all_reports(&m) {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format} has a raw control character:\n{out:?}"
        );
    }
    let [(_, text), (_, md), (_, csv), _] = all_reports(&m);
    // Visible instead: the escape reads \u{1b}.
    assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
    assert!(md.contains("\\u{1b}[31mRED"), "{md}");
    assert!(csv.contains("\\u{1b}[1;31mEVIL"), "{csv}");
}

#[test]
fn formula_cells_in_the_findings_csv_are_guarded() {
    let mut m = Map::new("formulas");
    for (id, name) in [
        ("=cmd", "=HYPERLINK(\"x\")"),
        ("+b", "@SUM(A1)"),
        ("-c", "-2+3"),
    ] {
        m.add_step(
            Step::new(id, name, StepKind::Activity)
                .with_times(1.0, 5.0)
                .with_value(Value::None),
        )
        .unwrap();
    }
    m.connect(&"=cmd".into(), &"+b".into(), Flow::work())
        .unwrap();
    let csv = report::csv(&analyze(&m));
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let mut cells = 0;
    for row in rows.records() {
        let row = row.unwrap();
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?} in\n{csv}"
            );
            if cell.starts_with('\'') {
                cells += 1;
            }
        }
    }
    // Every finding's step id and name start with a formula character.
    assert!(cells >= 6, "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

#[test]
fn extreme_times_never_print_nan_or_infinity() {
    for name in [
        "extreme-times-1e308-all-steps.vfmap.json",
        "extreme-times-1e300-all-steps.vfmap.json",
        "extreme-times-overflow-single-step.vfmap.json",
        "extreme-times-overflow-two-steps.vfmap.json",
    ] {
        let m = hostile(name);
        for (format, out) in all_reports(&m) {
            let words: Vec<&str> = out
                .split(|c: char| !c.is_alphanumeric() && c != '%' && c != '.')
                .collect();
            for bad in ["NaN", "NaN%", "inf", "infd", "infh", "infm", "Infinity"] {
                assert!(
                    !words.contains(&bad),
                    "{name} as {format} says {bad}:\n{out}"
                );
            }
            assert!(!out.contains('∞'), "{name} as {format} has ∞:\n{out}");
        }
    }
    // The single overflowing step: the metrics say why they are missing.
    let m = hostile("extreme-times-overflow-single-step.vfmap.json");
    let [(_, text), _, (_, csv), (_, json)] = all_reports(&m);
    assert!(text.contains("see overflow"), "{text}");
    assert!(csv.contains("overflow,a,"), "{csv}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["metrics"]["lead_time_mins"], serde_json::Value::Null);
    assert_eq!(v["metrics"]["null_reason"], "overflow");
}

#[test]
fn the_challenge_question_is_asked_once_not_under_every_delay() {
    let m = valueflow::samples::default_map().expect("the sample loads");
    let a = analyze(&m);
    let q = valueflow::analysis::CHALLENGE_QUESTION;
    let delays = a.findings.iter().filter(|f| f.question.is_some()).count();
    assert!(delays > 10, "the sample has many delay findings ({delays})");
    assert_eq!(report::text(&m, &a).matches(q).count(), 1);
    // Markdown: once per severity section that holds delays.
    let sections = a
        .findings_by_severity()
        .iter()
        .filter(|(_, g)| g.iter().any(|f| f.question.is_some()))
        .count();
    assert_eq!(report::markdown(&m, &a).matches(q).count(), sections);
    // A medium no-value delay is titled for what it is.
    let md = report::markdown(&m, &a);
    assert!(md.contains("**Delay with value to the business only**"));
}
