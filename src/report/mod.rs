//! Renders a map's analysis for people and pipelines: plain text, JSON, Markdown and CSV.
//! Text is produced from the structured `Analysis`, never parsed back.

use crate::analysis::{Analysis, Finding, Metrics, Rule, Severity};
use crate::model::Map;
use crate::text::{escape_control, neutralize_formula};
use crate::units::format_duration;
use serde::Serialize;
use std::fmt::Write;

/// A time metric, or why there is none (`reason` is the metrics' `null_reason`).
fn duration_or_reason(mins: Option<f64>, reason: Option<Rule>) -> String {
    match (mins, reason) {
        (Some(m), _) if m.is_finite() => format_duration(m),
        (_, Some(Rule::Overflow)) | (Some(_), _) => {
            "too large to compute, over 1.8e308m (see overflow)".to_owned()
        }
        _ => "endless (see endless-loop)".to_owned(),
    }
}

/// A time, or "n/a" when there is none (an endless loop, an overflow).
pub fn duration_or_na(mins: Option<f64>) -> String {
    match mins {
        Some(m) if m.is_finite() => format_duration(m),
        _ => "n/a".to_owned(),
    }
}

/// A process cycle efficiency as a percentage, or "n/a".
pub fn percent(pce: Option<f64>) -> String {
    match pce {
        Some(p) if p.is_finite() => format!("{:.1}%", p * 100.0),
        _ => "n/a".to_owned(),
    }
}

/// A number for a CSV cell: plain digits, an exponent from 1e15 on, empty if not finite.
fn csv_number(v: f64) -> String {
    if !v.is_finite() {
        String::new()
    } else if v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// The headline lines shared by text, Markdown and the editor's findings panel.
pub fn metric_rows(m: &Metrics) -> Vec<(&'static str, String)> {
    vec![
        (
            "Lead time",
            duration_or_reason(m.lead_time_mins, m.null_reason),
        ),
        (
            "Value-added time",
            duration_or_reason(m.value_added_mins, m.null_reason),
        ),
        ("Process cycle efficiency", percent(m.pce)),
        ("Steps", m.steps.to_string()),
        ("Flows", m.flows.to_string()),
        ("Hand-offs between lanes", m.handoffs.to_string()),
        ("Information hand-offs", m.info_handoffs.to_string()),
        ("Customer touchpoints", m.customer_touchpoints.to_string()),
        (
            "Customer-facing lanes",
            m.customer_contact_lanes.to_string(),
        ),
        (
            "No-value waiting",
            duration_or_reason(m.no_value_wait_mins, m.null_reason),
        ),
    ]
}

/// What each metric of `metric_rows` means, for tooltips.
pub fn metric_help(name: &str) -> &'static str {
    match name {
        "Lead time" => {
            "The expected time from the start to the end of one case, along the most likely critical path: every step's wait before it plus its work. Decisions average their branches by probability; parallel branches count the slowest."
        }
        "Value-added time" => {
            "The part of the lead time spent on work the customer values (steps whose value is 'customer'); waits are never value-added."
        }
        "Process cycle efficiency" => {
            "Value-added time divided by lead time (PCE). World-class transactional processes reach 25%; most are under 10%."
        }
        "Steps" => "Every step of the map, of every kind.",
        "Flows" => "Work flows and information flows together.",
        "Hand-offs between lanes" => {
            "Work flows whose two steps are in different lanes: each is a point where the case changes hands (and usually waits)."
        }
        "Information hand-offs" => {
            "Information flows (forms, emails, system feeds) that cross from one lane to another."
        }
        "Customer touchpoints" => {
            "Steps marked customer-facing: the moments the customer deals with the company."
        }
        "Customer-facing lanes" => {
            "Lanes (other than customer lanes) that hold a customer-facing step or exchange work or information with a customer lane. A redesign around the customer brings this towards one."
        }
        "No-value waiting" => {
            "The expected waiting per case, along the same path as the lead time, in front of steps whose value is 'none' or 'business' (and the duration of such wait steps): the delay a redesign should remove first."
        }
        _ => "",
    }
}

fn delay_note(f: &Finding) -> String {
    if f.delay_mins > 0.0 {
        format!(", delay {}", format_duration(f.delay_mins))
    } else {
        String::new()
    }
}

/// Human-readable text for a terminal.
pub fn text(map: &Map, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", escape_control(&map.name));
    let rows = metric_rows(&a.metrics);
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &rows {
        let _ = writeln!(out, "  {k:<width$}  {v}");
    }
    let _ = writeln!(out);
    if a.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
        return out;
    }
    let _ = writeln!(out, "Findings ({}):", a.findings.len());
    // The challenge question is the same for every delay: said once, not under each one.
    if let Some(q) = a.findings.iter().find_map(|f| f.question) {
        let _ = writeln!(out, "  Ask of every delay marked ?:\n      ? {q}");
    }
    for f in &a.findings {
        let _ = writeln!(
            out,
            "  [{}] {} at {}{}",
            f.severity,
            f.rule,
            escape_control(f.step.as_str()),
            delay_note(f)
        );
        let ask = if f.question.is_some() { "  ?" } else { "" };
        let _ = writeln!(out, "      {}{ask}", escape_control(&f.message));
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    map: &'a str,
    metrics: &'a Metrics,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    step: &'a str,
    step_name: &'a str,
    severity: Severity,
    delay_mins: f64,
    message: &'a str,
    question: Option<&'static str>,
}

fn json_report<'a>(map: &'a Map, a: &'a Analysis) -> JsonReport<'a> {
    JsonReport {
        map: &map.name,
        metrics: &a.metrics,
        findings: a
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule: f.rule.as_str(),
                step: f.step.as_str(),
                step_name: &f.step_name,
                severity: f.severity,
                delay_mins: f.delay_mins,
                message: &f.message,
                question: f.question,
            })
            .collect(),
    }
}

/// Writes the stable JSON report (`{"map", "metrics", "findings": [...]}`, see the README),
/// pretty-printed with a trailing newline. Pass a buffered writer: serde writes in small
/// pieces. The error is the writer's (or, in theory, an encoding error).
pub fn write_json(w: &mut dyn std::io::Write, map: &Map, a: &Analysis) -> serde_json::Result<()> {
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, &json_report(map, a))?;
    w.write_all(b"\n").map_err(serde_json::Error::io)
}

/// The stable JSON report as a string (see [`write_json`]).
pub fn json(map: &Map, a: &Analysis) -> serde_json::Result<String> {
    let mut out = Vec::new();
    write_json(&mut out, map, a)?;
    // serde_json writes UTF-8 only.
    String::from_utf8(out).map_err(|e| serde_json::Error::io(std::io::Error::other(e)))
}

/// Escapes text for a Markdown table cell (control characters made visible first).
fn md_cell(s: &str) -> String {
    escape_control(s).replace('|', "\\|")
}

/// A Markdown report section a client can read.
pub fn markdown(map: &Map, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", md_cell(&map.name));
    if !map.description.trim().is_empty() {
        // Line by line, so paragraphs stay while control characters are made visible.
        for line in map.description.trim().lines() {
            let _ = writeln!(out, "{}", escape_control(line));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "| Metric | Value |\n|---|---|");
    for (k, v) in metric_rows(&a.metrics) {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    let _ = writeln!(out);
    if a.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
        return out;
    }
    for (severity, group) in a.findings_by_severity() {
        let _ = writeln!(
            out,
            "### {} ({})\n",
            capitalize(severity.as_str()),
            group.len()
        );
        if let Some(q) = group.iter().find_map(|f| f.question) {
            let _ = writeln!(out, "*Ask of each delay below: {q}*\n");
        }
        for f in group {
            let _ = writeln!(
                out,
                "- **{}**: {} (`{}`{}): {}",
                f.title(),
                md_cell(&f.step_name),
                md_cell(f.step.as_str()).replace('`', "'"),
                delay_note(f),
                md_cell(&f.message)
            );
        }
        let _ = writeln!(out);
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A text cell of the findings CSV: control characters made visible, and a leading
/// `=`, `+`, `-` or `@` guarded so spreadsheets do not run it as a formula.
fn csv_text(s: &str) -> String {
    neutralize_formula(&escape_control(s)).into_owned()
}

/// One CSV row per finding, with a header row.
pub fn csv(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "rule",
        "step",
        "step_name",
        "severity",
        "delay_mins",
        "message",
        "question",
    ];
    let mut rows = vec![header.map(str::to_owned)];
    for f in &a.findings {
        rows.push([
            f.rule.as_str().to_owned(),
            csv_text(f.step.as_str()),
            csv_text(&f.step_name),
            f.severity.as_str().to_owned(),
            csv_number(f.delay_mins),
            csv_text(&f.message),
            f.question.unwrap_or("").to_owned(),
        ]);
    }
    for row in rows {
        // Writing to a Vec cannot fail for I/O reasons; a failure would only drop the row.
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
