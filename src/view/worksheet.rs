//! The challenge worksheet as plain data: one row per step with the columns a redesign
//! workshop reads (lane, step, touchpoint, value, times, findings, the five answers, the
//! disposition, the rationale), filtered and sorted. No egui: the editor draws it.

use crate::analysis::{Analysis, Rule};
use crate::model::{
    DispositionKind, IdMap, LaneId, Map, REVIEW_QUESTIONS, Step, StepId, Touchpoint, Value,
};
use crate::units::format_duration;

/// A column of the worksheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Lane,
    Step,
    Touchpoint,
    Value,
    Work,
    Wait,
    Findings,
    /// One of the five challenge questions (`REVIEW_QUESTIONS` order).
    Answer(usize),
    Disposition,
    Rationale,
}

/// Every column, in display order.
pub const COLUMNS: [Column; 14] = [
    Column::Lane,
    Column::Step,
    Column::Touchpoint,
    Column::Value,
    Column::Work,
    Column::Wait,
    Column::Findings,
    Column::Answer(0),
    Column::Answer(1),
    Column::Answer(2),
    Column::Answer(3),
    Column::Answer(4),
    Column::Disposition,
    Column::Rationale,
];

impl Column {
    /// The header text.
    pub fn title(self) -> &'static str {
        match self {
            Column::Lane => "Lane",
            Column::Step => "Step",
            Column::Touchpoint => "Touchpoint",
            Column::Value => "Value",
            Column::Work => "Work",
            Column::Wait => "Wait",
            Column::Findings => "Findings",
            Column::Answer(0) => "For the customer?",
            Column::Answer(1) => "Slows the process?",
            Column::Answer(2) => "Offsetting benefit?",
            Column::Answer(3) => "Competitors quicker?",
            Column::Answer(_) => "Without the step?",
            Column::Disposition => "Disposition",
            Column::Rationale => "Rationale",
        }
    }

    /// The full question or meaning, for the header's tooltip.
    pub fn help(self) -> &'static str {
        match self {
            Column::Answer(k) => REVIEW_QUESTIONS.get(k).map_or("", |q| q.1),
            Column::Findings => "The findings of the step (delays, loops, the bottleneck)",
            Column::Disposition => "What becomes of the step in the to-be",
            Column::Touchpoint => "Customer-facing or internal",
            Column::Value => "The value the step gives the customer",
            Column::Work => "Work time",
            Column::Wait => "Waiting time before the step",
            _ => "",
        }
    }

    /// Whether the worksheet edits this column as free text.
    pub fn is_text(self) -> bool {
        matches!(self, Column::Step | Column::Answer(_) | Column::Rationale)
    }

    /// Whether this column holds a duration.
    pub fn is_duration(self) -> bool {
        matches!(self, Column::Work | Column::Wait)
    }
}

/// Which rows the worksheet shows: `None` = any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub lane: Option<LaneId>,
    pub touchpoint: Option<Touchpoint>,
    pub value: Option<Value>,
    /// Steps with a finding of this rule.
    pub rule: Option<Rule>,
    pub disposition: Option<DispositionKind>,
}

/// One step's row: its id and the text of each column (`COLUMNS` order).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: StepId,
    pub cells: Vec<String>,
    work: f64,
    wait: f64,
}

impl Row {
    pub fn cell(&self, column: Column) -> &str {
        COLUMNS
            .iter()
            .position(|&c| c == column)
            .and_then(|k| self.cells.get(k))
            .map_or("", String::as_str)
    }
}

/// The text of a step's cell.
fn cell_text(map: &Map, findings: &IdMap<&StepId, Vec<String>>, s: &Step, c: Column) -> String {
    let review = s.review.as_deref();
    match c {
        Column::Lane => s
            .lane
            .as_ref()
            .and_then(|l| map.lane(l))
            .map(|l| l.name.clone())
            .unwrap_or_default(),
        Column::Step => s.name.clone(),
        Column::Touchpoint => match s.touchpoint {
            Touchpoint::Customer => "customer-facing".into(),
            Touchpoint::Internal => "internal".into(),
        },
        Column::Value => s.value.as_str().into(),
        Column::Work => format_duration(s.work_mins),
        Column::Wait => format_duration(s.wait_mins),
        Column::Findings => findings
            .get(&s.id)
            .map(|f| f.join("; "))
            .unwrap_or_default(),
        Column::Answer(k) => review
            .and_then(|r| r.answers.get(k))
            .cloned()
            .unwrap_or_default(),
        Column::Disposition => match s.disposition() {
            crate::model::Disposition::Merge { into } => {
                format!("merge into {}", map.step_name_or_id(into))
            }
            d => d.kind().as_str().into(),
        },
        Column::Rationale => review.map(|r| r.rationale.clone()).unwrap_or_default(),
    }
}

/// The rows of the worksheet: the steps that pass the filter, sorted by `sort` (column and
/// ascending?) with map order breaking ties; `None` keeps map order.
pub fn rows(
    map: &Map,
    analysis: &Analysis,
    filter: &Filter,
    sort: Option<(Column, bool)>,
) -> Vec<Row> {
    let mut findings: IdMap<&StepId, Vec<String>> = IdMap::default();
    let mut rules: IdMap<&StepId, Vec<Rule>> = IdMap::default();
    for f in &analysis.findings {
        findings
            .entry(&f.step)
            .or_default()
            .push(f.title().to_owned());
        rules.entry(&f.step).or_default().push(f.rule);
    }
    let mut out: Vec<Row> = map
        .steps()
        .filter(|s| {
            filter
                .lane
                .as_ref()
                .is_none_or(|l| s.lane.as_ref() == Some(l))
                && filter.touchpoint.is_none_or(|t| s.touchpoint == t)
                && filter.value.is_none_or(|v| s.value == v)
                && filter
                    .rule
                    .is_none_or(|r| rules.get(&s.id).is_some_and(|rs| rs.contains(&r)))
                && filter
                    .disposition
                    .is_none_or(|d| s.disposition().kind() == d)
        })
        .map(|s| Row {
            id: s.id.clone(),
            cells: COLUMNS
                .iter()
                .map(|&c| cell_text(map, &findings, s, c))
                .collect(),
            work: s.work_mins,
            wait: s.wait_mins,
        })
        .collect();
    if let Some((column, ascending)) = sort {
        let k = COLUMNS.iter().position(|&c| c == column).unwrap_or(0);
        // A stable sort: rows that compare equal stay in map order.
        out.sort_by(|a, b| {
            let order = match column {
                Column::Work => a.work.total_cmp(&b.work),
                Column::Wait => a.wait.total_cmp(&b.wait),
                _ => a.cells[k].to_lowercase().cmp(&b.cells[k].to_lowercase()),
            };
            if ascending { order } else { order.reverse() }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    fn sample() -> Map {
        crate::samples::default_map().unwrap()
    }

    #[test]
    fn one_row_per_step_in_map_order_with_every_column() {
        let m = sample();
        let a = analyze(&m);
        let rows = rows(&m, &a, &Filter::default(), None);
        assert_eq!(rows.len(), m.step_count());
        let split = rows
            .iter()
            .find(|r| r.id.as_str() == "split-order")
            .unwrap();
        assert_eq!(split.cell(Column::Lane), "Sales");
        assert_eq!(split.cell(Column::Step), "Split order by business unit");
        assert_eq!(split.cell(Column::Wait), "4h");
        assert_eq!(split.cell(Column::Disposition), "eliminate");
        assert!(
            split
                .cell(Column::Findings)
                .contains("Delay with no customer value")
        );
        assert!(split.cell(Column::Answer(0)).starts_with("Nothing"));
        let merged = rows
            .iter()
            .find(|r| r.id.as_str() == "invoice-services")
            .unwrap();
        assert_eq!(
            merged.cell(Column::Disposition),
            "merge into Create Industrial BU invoice"
        );
        assert_eq!(rows[0].id.as_str(), m.steps().next().unwrap().id.as_str());
    }

    #[test]
    fn filters_combine_and_sorts_are_stable() {
        let m = sample();
        let a = analyze(&m);
        let filter = Filter {
            lane: Some("customer".into()),
            disposition: Some(DispositionKind::Merge),
            ..Filter::default()
        };
        let ids: Vec<String> = rows(&m, &a, &filter, None)
            .iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(ids, ["receive-invoice-services"]);
        let filter = Filter {
            rule: Some(Rule::ReworkLoop),
            ..Filter::default()
        };
        let ids: Vec<String> = rows(&m, &a, &filter, None)
            .iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(ids, ["credit-ok", "invoice-disputed"]);
        // Waits sort by minutes, not by text ("12h" < "1d"), longest first when descending.
        let by_wait = rows(&m, &a, &Filter::default(), Some((Column::Wait, false)));
        assert_eq!(by_wait[0].id.as_str(), "reconcile-account");
        let waits: Vec<f64> = by_wait.iter().map(|r| r.wait).collect();
        assert!(waits.windows(2).all(|w| w[0] >= w[1]));
        // Equal keys keep map order.
        let by_tp = rows(&m, &a, &Filter::default(), Some((Column::Touchpoint, true)));
        let facing: Vec<&str> = by_tp
            .iter()
            .filter(|r| r.cell(Column::Touchpoint) == "customer-facing")
            .map(|r| r.id.as_str())
            .collect();
        let in_map_order: Vec<&str> = m
            .steps()
            .filter(|s| s.touchpoint == Touchpoint::Customer)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(facing, in_map_order);
        assert_eq!(by_tp[0].cell(Column::Touchpoint), "customer-facing");
    }
}
