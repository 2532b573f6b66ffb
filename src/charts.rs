//! The data of the charts a client reads (drawn by the editor's chart panel and the report):
//! the timeline ladder along the most likely critical path and the Pareto of delay by step
//! and by lane. Plain data, computed from the map and its analysis; no drawing here.

use crate::analysis::Analysis;
use crate::model::{Map, Step, StepId, Value};

/// One step of the ladder: the wait in front of it (above the line) and its work (below).
#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    pub step: StepId,
    pub name: String,
    /// Waiting before the step, plus a wait step's own time (its delay).
    pub wait_mins: f64,
    /// Hands-on work (none for a wait step, whose time is all waiting).
    pub work_mins: f64,
    /// The work gives the customer value.
    pub value_added: bool,
    /// The wait gives the customer nothing (a delay of a step valued none or business).
    pub no_value_wait: bool,
}

/// The timeline ladder with its totals (the analysis' metrics).
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    pub rungs: Vec<Rung>,
    pub lead_time_mins: Option<f64>,
    pub value_added_mins: Option<f64>,
    pub pce: Option<f64>,
    pub no_value_wait_mins: Option<f64>,
}

impl Ladder {
    /// The totals in one line, as the chart panel and the report print them.
    pub fn totals(&self) -> String {
        use crate::report::{duration_or_na, percent};
        format!(
            "Lead time {} · value-added {} · PCE {} · waiting with no customer value {}",
            duration_or_na(self.lead_time_mins),
            duration_or_na(self.value_added_mins),
            percent(self.pce),
            duration_or_na(self.no_value_wait_mins)
        )
    }
}

fn wait_of(s: &Step) -> f64 {
    s.delay_mins()
}

fn work_of(s: &Step) -> f64 {
    if s.kind == crate::model::StepKind::Wait {
        0.0
    } else {
        s.work_mins
    }
}

/// The ladder along the analysis' most likely critical path.
pub fn ladder(map: &Map, analysis: &Analysis) -> Ladder {
    let rungs = analysis
        .critical_path
        .iter()
        .filter_map(|id| map.step(id))
        .map(|s| Rung {
            step: s.id.clone(),
            name: s.name.clone(),
            wait_mins: wait_of(s),
            work_mins: work_of(s),
            value_added: s.value == Value::Customer && work_of(s) > 0.0,
            no_value_wait: s.is_delay() && matches!(s.value, Value::None | Value::Business),
        })
        .collect();
    let m = &analysis.metrics;
    Ladder {
        rungs,
        lead_time_mins: m.lead_time_mins,
        value_added_mins: m.value_added_mins,
        pce: m.pce,
        no_value_wait_mins: m.no_value_wait_mins,
    }
}

/// One bar of a Pareto chart: what it is (a step id or a lane id), its label, its delay and
/// the share of all delay up to and including it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub key: String,
    pub label: String,
    pub delay_mins: f64,
    pub cumulative_share: f64,
}

fn pareto(mut items: Vec<(String, String, f64)>) -> Vec<Bar> {
    items.retain(|(_, _, d)| *d > 0.0);
    // Largest first; ties by key, so the order is stable.
    items.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let total: f64 = items.iter().map(|i| i.2).sum();
    let mut running = 0.0;
    items
        .into_iter()
        .map(|(key, label, delay_mins)| {
            running += delay_mins;
            Bar {
                key,
                label,
                delay_mins,
                cumulative_share: if total > 0.0 { running / total } else { 0.0 },
            }
        })
        .collect()
}

/// The delay of every step that has one, largest first (where the waiting is).
pub fn pareto_by_step(map: &Map) -> Vec<Bar> {
    pareto(
        map.steps()
            .map(|s| {
                let label = if s.name.is_empty() {
                    s.id.to_string()
                } else {
                    s.name.clone()
                };
                (s.id.to_string(), label, wait_of(s))
            })
            .collect(),
    )
}

/// The delay of each lane's steps together, largest first.
pub fn pareto_by_lane(map: &Map) -> Vec<Bar> {
    let mut by_lane: Vec<(String, String, f64)> = map
        .lanes()
        .iter()
        .map(|l| (l.id.to_string(), l.name.clone(), 0.0))
        .collect();
    let index = map.lane_positions();
    for s in map.steps() {
        if let Some(&k) = s.lane.as_ref().and_then(|l| index.get(l)) {
            by_lane[k].2 += wait_of(s);
        }
    }
    pareto(by_lane)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    fn example() -> Map {
        crate::format::load_str(
            "example",
            include_str!("../tests/fixtures/spec/example-rework.vfmap.json"),
        )
        .unwrap()
    }

    #[test]
    fn the_ladder_follows_the_critical_path_with_wait_above_and_work_below() {
        // The spec's worked example: the critical path is S, A, D, P, Y, E. A waits 30 and
        // works 10 (customer value); P works 5 (customer value); Y waits 40 (no value) and
        // works 10.
        let m = example();
        let a = analyze(&m);
        let l = ladder(&m, &a);
        let ids: Vec<&str> = l.rungs.iter().map(|r| r.step.as_str()).collect();
        assert_eq!(ids, ["S", "A", "D", "P", "Y", "E"]);
        let rung = |id: &str| l.rungs.iter().find(|r| r.step.as_str() == id).unwrap();
        assert_eq!((rung("A").wait_mins, rung("A").work_mins), (30.0, 10.0));
        assert!(rung("A").value_added && !rung("A").no_value_wait);
        assert_eq!((rung("Y").wait_mins, rung("Y").work_mins), (40.0, 10.0));
        assert!(rung("Y").no_value_wait && !rung("Y").value_added);
        assert!(rung("P").value_added);
        // Totals are the analysis' own (the loop is averaged there, not on the ladder).
        assert_eq!(l.lead_time_mins, Some(105.0));
        assert_eq!(l.value_added_mins, Some(17.5));
        assert_eq!(l.no_value_wait_mins, Some(40.0));
    }

    #[test]
    fn paretos_sort_the_delay_largest_first_with_cumulative_shares() {
        let m = example();
        // Delays: A 30, Y 40; nothing else waits.
        let steps = pareto_by_step(&m);
        let keys: Vec<&str> = steps.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["Y", "A"]);
        assert_eq!(steps[0].delay_mins, 40.0);
        assert!((steps[0].cumulative_share - 40.0 / 70.0).abs() < 1e-12);
        assert!((steps[1].cumulative_share - 1.0).abs() < 1e-12);
        // A is in the front office, Y in the back office.
        let lanes = pareto_by_lane(&m);
        let keys: Vec<(&str, f64)> = lanes
            .iter()
            .map(|b| (b.key.as_str(), b.delay_mins))
            .collect();
        assert_eq!(keys, [("back", 40.0), ("front", 30.0)]);
        assert_eq!(lanes[0].label, "Back office");
    }
}
