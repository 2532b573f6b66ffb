//! As-is vs to-be (map-format-v2.md, "Compare"): every metric side by side with its change,
//! and the steps removed, added and changed (matched by id). `valueflow compare` prints it as
//! text, JSON or Markdown; the editor and the report show the same numbers.

use crate::analysis::{Analysis, Metrics, Rule};
use crate::model::{Map, Step, StepId};
use crate::text::escape_control;
use crate::units::format_duration;
use serde::Serialize;
use std::fmt::Write;

/// One metric of both maps and its change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub as_is: Option<f64>,
    pub to_be: Option<f64>,
    /// to_be − as_is; `None` when either is `None`.
    pub delta: Option<f64>,
    /// 100 × delta / as_is, unrounded; `None` when as_is is 0 or either is `None`.
    pub delta_pct: Option<f64>,
}

impl Change {
    pub fn new(as_is: Option<f64>, to_be: Option<f64>) -> Self {
        let delta = match (as_is, to_be) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        let delta_pct = match (as_is, delta) {
            (Some(a), Some(d)) if a != 0.0 => Some(100.0 * d / a),
            _ => None,
        };
        Self {
            as_is,
            to_be,
            delta,
            delta_pct,
        }
    }
}

/// How a metric's values read (for text and Markdown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    Minutes,
    Ratio,
    Count,
}

/// The metrics compared, in the order of `analyze`'s JSON (then the two finding counts):
/// key, name for people, unit. Lower is better for all but value-added time and PCE.
pub const COMPARED: [(&str, &str, Unit); 12] = [
    ("lead_time_mins", "Lead time", Unit::Minutes),
    ("value_added_mins", "Value-added time", Unit::Minutes),
    ("pce", "Process cycle efficiency", Unit::Ratio),
    ("steps", "Steps", Unit::Count),
    ("flows", "Flows", Unit::Count),
    ("handoffs", "Hand-offs between lanes", Unit::Count),
    ("info_handoffs", "Information hand-offs", Unit::Count),
    ("customer_touchpoints", "Customer touchpoints", Unit::Count),
    (
        "customer_contact_lanes",
        "Customer-facing lanes",
        Unit::Count,
    ),
    ("no_value_wait_mins", "No-value waiting", Unit::Minutes),
    ("no_value_delays", "Delays with no value", Unit::Count),
    ("findings", "Findings", Unit::Count),
];

/// A metric's value by its key in `COMPARED`.
fn value_of(key: &str, m: &Metrics, a: &Analysis) -> Option<f64> {
    let count = |n: usize| Some(n as f64);
    match key {
        "lead_time_mins" => m.lead_time_mins,
        "value_added_mins" => m.value_added_mins,
        "pce" => m.pce,
        "steps" => count(m.steps),
        "flows" => count(m.flows),
        "handoffs" => count(m.handoffs),
        "info_handoffs" => count(m.info_handoffs),
        "customer_touchpoints" => count(m.customer_touchpoints),
        "customer_contact_lanes" => count(m.customer_contact_lanes),
        "no_value_wait_mins" => m.no_value_wait_mins,
        "no_value_delays" => count(
            a.findings
                .iter()
                .filter(|f| f.rule == Rule::NoValueDelay)
                .count(),
        ),
        "findings" => count(a.findings.len()),
        _ => None,
    }
}

/// A step that is in both maps with the fields that differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedStep {
    pub step: StepId,
    pub fields: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChanges {
    pub removed: Vec<StepId>,
    pub added: Vec<StepId>,
    pub changed: Vec<ChangedStep>,
    pub unchanged: usize,
}

/// The fields of a step that compare looks at, in the order they are listed.
fn differing_fields(a: &Step, b: &Step) -> Vec<&'static str> {
    [
        ("name", a.name != b.name),
        ("lane", a.lane != b.lane),
        ("kind", a.kind != b.kind),
        ("touchpoint", a.touchpoint != b.touchpoint),
        // Exactly, as the spec says (and both are finite).
        ("work_mins", a.work_mins.to_bits() != b.work_mins.to_bits()),
        ("wait_mins", a.wait_mins.to_bits() != b.wait_mins.to_bits()),
        ("value", a.value != b.value),
    ]
    .into_iter()
    .filter(|&(_, differs)| differs)
    .map(|(f, _)| f)
    .collect()
}

/// The steps of two maps matched by id; ids sorted by plain string order.
pub fn step_changes(as_is: &Map, to_be: &Map) -> StepChanges {
    let mut removed: Vec<StepId> = as_is
        .steps()
        .filter(|s| !to_be.contains_step(&s.id))
        .map(|s| s.id.clone())
        .collect();
    let mut added: Vec<StepId> = to_be
        .steps()
        .filter(|s| !as_is.contains_step(&s.id))
        .map(|s| s.id.clone())
        .collect();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for a in as_is.steps() {
        let Some(b) = to_be.step(&a.id) else { continue };
        let fields = differing_fields(a, b);
        if fields.is_empty() {
            unchanged += 1;
        } else {
            changed.push(ChangedStep {
                step: a.id.clone(),
                fields,
            });
        }
    }
    removed.sort();
    added.sort();
    changed.sort_by(|x, y| x.step.cmp(&y.step));
    StepChanges {
        removed,
        added,
        changed,
        unchanged,
    }
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side<'a> {
    pub map: &'a str,
    pub metrics: &'a Metrics,
}

/// Both maps, every metric's change and the step changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison<'a> {
    pub as_is: Side<'a>,
    pub to_be: Side<'a>,
    /// By metric key, in `COMPARED` order.
    #[serde(serialize_with = "ordered_changes")]
    pub changes: Vec<(&'static str, Change)>,
    pub steps: StepChanges,
}

fn ordered_changes<S: serde::Serializer>(
    changes: &[(&'static str, Change)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(changes.len()))?;
    for (k, c) in changes {
        map.serialize_entry(k, c)?;
    }
    map.end()
}

/// Compares two analysed maps.
pub fn compare<'a>(
    as_is: &'a Map,
    before: &'a Analysis,
    to_be: &'a Map,
    after: &'a Analysis,
) -> Comparison<'a> {
    let changes = COMPARED
        .iter()
        .map(|&(key, _, _)| {
            (
                key,
                Change::new(
                    value_of(key, &before.metrics, before),
                    value_of(key, &after.metrics, after),
                ),
            )
        })
        .collect();
    Comparison {
        as_is: Side {
            map: &as_is.name,
            metrics: &before.metrics,
        },
        to_be: Side {
            map: &to_be.name,
            metrics: &after.metrics,
        },
        changes,
        steps: step_changes(as_is, to_be),
    }
}

/// A value for people: a duration, a percentage or a count; "n/a" when there is none.
pub fn show(v: Option<f64>, unit: Unit) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if !v.is_finite() => "n/a".into(),
        Some(v) => match unit {
            Unit::Minutes => format_duration(v),
            Unit::Ratio => format!("{:.1}%", v * 100.0),
            Unit::Count => format!("{v}"),
        },
    }
}

/// The change for people: "−3d 2h (−87%)", "+2", "no change".
pub fn show_delta(c: &Change, unit: Unit) -> String {
    let Some(d) = c.delta.filter(|d| d.is_finite()) else {
        return "n/a".into();
    };
    if d == 0.0 {
        return "no change".into();
    }
    let sign = if d < 0.0 { "−" } else { "+" };
    let size = match unit {
        Unit::Minutes => format_duration(d.abs()),
        Unit::Ratio => format!("{:.1} points", d.abs() * 100.0),
        Unit::Count => format!("{}", d.abs()),
    };
    match c.delta_pct.filter(|p| p.is_finite()) {
        Some(p) if unit != Unit::Ratio => format!("{sign}{size} ({sign}{:.0}%)", p.abs()),
        _ => format!("{sign}{size}"),
    }
}

impl Comparison<'_> {
    /// The rows of the metrics table: name, as-is, to-be, change.
    pub fn rows(&self) -> Vec<[String; 4]> {
        self.changes
            .iter()
            .zip(COMPARED)
            .map(|((_, c), (_, name, unit))| {
                [
                    name.to_owned(),
                    show(c.as_is, unit),
                    show(c.to_be, unit),
                    show_delta(c, unit),
                ]
            })
            .collect()
    }

    fn step_lines(&self) -> Vec<String> {
        let ids = |v: &[StepId]| {
            v.iter()
                .map(|id| escape_control(id.as_str()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let s = &self.steps;
        let mut lines = Vec::new();
        if !s.removed.is_empty() {
            lines.push(format!(
                "Removed ({}): {}",
                s.removed.len(),
                ids(&s.removed)
            ));
        }
        if !s.added.is_empty() {
            lines.push(format!("Added ({}): {}", s.added.len(), ids(&s.added)));
        }
        if !s.changed.is_empty() {
            let changed = s
                .changed
                .iter()
                .map(|c| {
                    format!(
                        "{} ({})",
                        escape_control(c.step.as_str()),
                        c.fields.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            lines.push(format!("Changed ({}): {changed}", s.changed.len()));
        }
        lines.push(format!("Unchanged: {}", s.unchanged));
        lines
    }

    /// Plain text for a terminal: `Lead time  26d 5h 58m → 3d 10h 6m  (−87%)` per metric,
    /// then the step diff.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}  →  {}",
            escape_control(self.as_is.map),
            escape_control(self.to_be.map)
        );
        let rows = self.rows();
        let width = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0);
        let (name_w, before_w) = (width(0), width(1));
        for ((_, c), r) in self.changes.iter().zip(&rows) {
            let change = match (c.delta, c.delta_pct) {
                (Some(0.0), _) => "(no change)".to_owned(),
                (_, Some(p)) if p.is_finite() => {
                    let sign = if p < 0.0 { "−" } else { "+" };
                    format!("({sign}{:.0}%)", p.abs())
                }
                _ => String::new(),
            };
            let line = format!(
                "{:<name_w$}  {:>before_w$} → {}  {change}",
                r[0], r[1], r[2]
            );
            let _ = writeln!(out, "  {}", line.trim_end());
        }
        let _ = writeln!(out, "\nSteps:");
        for l in self.step_lines() {
            let _ = writeln!(out, "  {l}");
        }
        out
    }

    /// A Markdown section.
    pub fn markdown(&self) -> String {
        let cell = |s: &str| escape_control(s).replace('|', "\\|");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## {} → {}\n",
            cell(self.as_is.map),
            cell(self.to_be.map)
        );
        let _ = writeln!(
            out,
            "| Metric | As-is | To-be | Change |\n|---|---|---|---|"
        );
        for r in self.rows() {
            let _ = writeln!(out, "| {} | {} | {} | {} |", r[0], r[1], r[2], r[3]);
        }
        let _ = writeln!(out, "\n### Steps\n");
        for l in self.step_lines() {
            let _ = writeln!(out, "- {}", cell(&l));
        }
        out
    }

    /// Stable JSON (map-format-v2.md), pretty, with a trailing newline.
    pub fn json(&self) -> serde_json::Result<String> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::model::{Flow, StepField, StepKind, Value};

    #[test]
    fn deltas_and_percentages_follow_the_spec() {
        let c = Change::new(Some(200.0), Some(50.0));
        assert_eq!(c.delta, Some(-150.0));
        assert_eq!(c.delta_pct, Some(-75.0));
        // Unrounded.
        let c = Change::new(Some(3.0), Some(4.0));
        assert_eq!(c.delta_pct, Some(100.0 / 3.0));
        // No percentage from 0; nothing from a missing value.
        assert_eq!(Change::new(Some(0.0), Some(5.0)).delta_pct, None);
        assert_eq!(Change::new(Some(0.0), Some(5.0)).delta, Some(5.0));
        let none = Change::new(None, Some(5.0));
        assert_eq!((none.delta, none.delta_pct), (None, None));
        assert_eq!(
            show_delta(&Change::new(Some(60.0), Some(30.0)), Unit::Minutes),
            "−30m (−50%)"
        );
        assert_eq!(
            show_delta(&Change::new(Some(2.0), Some(2.0)), Unit::Count),
            "no change"
        );
    }

    #[test]
    fn steps_are_matched_by_id_and_changed_fields_listed_in_order() {
        let mut a = Map::new("A");
        for id in ["s", "x", "y", "e"] {
            a.add_step(Step::new(id, id, StepKind::Activity)).unwrap();
        }
        a.connect(&"s".into(), &"x".into(), Flow::work()).unwrap();
        let mut b = a.clone();
        b.name = "B".into();
        b.remove_step(&"y".into()).unwrap();
        b.add_step(Step::new("n", "n", StepKind::Activity)).unwrap();
        b.add_step(Step::new("m", "m", StepKind::Activity)).unwrap();
        b.set_step_field(&"x".into(), StepField::Value(Value::None))
            .unwrap();
        b.set_step_field(&"x".into(), StepField::WaitMins(5.0))
            .unwrap();
        b.set_step_field(&"x".into(), StepField::Name("X".into()))
            .unwrap();
        // Positions and notes are not compared.
        b.set_step_field(&"e".into(), StepField::Notes("later".into()))
            .unwrap();
        let (ra, rb) = (analyze(&a), analyze(&b));
        let c = compare(&a, &ra, &b, &rb);
        assert_eq!(c.steps.removed, [StepId::from("y")]);
        assert_eq!(c.steps.added, [StepId::from("m"), StepId::from("n")]);
        assert_eq!(
            c.steps.changed,
            [ChangedStep {
                step: "x".into(),
                fields: vec!["name", "wait_mins", "value"]
            }]
        );
        assert_eq!(c.steps.unchanged, 2);
        let json: serde_json::Value = serde_json::from_str(&c.json().unwrap()).unwrap();
        assert_eq!(json["as_is"]["map"], "A");
        assert_eq!(json["to_be"]["map"], "B");
        assert_eq!(json["changes"]["steps"]["delta"], 1.0);
        // Every metric has an entry, and the two finding counts.
        let keys: Vec<&str> = json["changes"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), COMPARED.len());
        assert!(keys.contains(&"no_value_delays") && keys.contains(&"findings"));
        // No lead time on either side's loop-free map of 0 minutes: PCE is none.
        assert!(json["changes"]["pce"]["delta_pct"].is_null());
    }
}
