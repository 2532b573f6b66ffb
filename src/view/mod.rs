//! What a picture of a map shows, as plain data: step boxes (label, colour role, times,
//! badges, flags), flows (kind, label, curve) and lane bands, computed from a Map and its
//! Analysis. No egui: the canvas draws it, and an SVG export or a customer view can reuse it.

pub mod blueprint;
mod geometry;
pub mod overview;
pub mod palette;
pub mod worksheet;

pub use geometry::{
    PERSON_MARKER_SIZE, bezier, person_marker, person_marker_offset, route, side_offset,
};

use crate::analysis::{Analysis, Rule, Severity};
use crate::layout::{self, LaneBand};
use crate::model::{FlowKind, Map, StepId, StepKind};
use crate::units::format_duration;
use std::collections::{HashMap, HashSet};

/// Which marks of the analysis a picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    /// The editor's view: finding badges, the bottleneck and loops highlighted.
    Findings,
    /// The map alone (for a clean export): no badges, no highlights.
    Plain,
}

/// How a step is coloured, by meaning (the palette picks the colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRole {
    /// The customer sees or takes part in it.
    CustomerFacing,
    Internal,
}

/// The findings marker on a step: its worst severity and how many findings it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    pub severity: Severity,
    pub findings: usize,
}

/// One step as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct StepBox {
    pub id: StepId,
    /// The label inside the shape.
    pub name: String,
    pub kind: StepKind,
    pub role: StepRole,
    /// Centre, canvas units (the auto-arrange position for a step without one).
    pub pos: [f32; 2],
    /// Work time as text; empty for none (and for waits, whose time is all waiting).
    pub work: String,
    /// Waiting time (wait before it, or a wait step's time) as text; empty for none.
    pub wait: String,
    pub badge: Option<Badge>,
    /// The step the lead time waits on most.
    pub bottleneck: bool,
    /// Drawn faded (backstage work in the customer view).
    pub dimmed: bool,
}

impl StepBox {
    pub fn is_customer_facing(&self) -> bool {
        self.role == StepRole::CustomerFacing
    }
}

/// One flow as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowLine {
    /// Indices into `ViewModel::steps`.
    pub from: usize,
    pub to: usize,
    pub kind: FlowKind,
    /// The flow's label, a decision branch's probability in front: `30% disputed`.
    pub label: String,
    /// A work flow inside a loop (rework or endless): highlighted.
    pub in_loop: bool,
    /// The cubic curve's four control points, canvas units (see `route`).
    pub curve: [[f32; 2]; 4],
}

/// Everything a picture of the map shows, in map order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewModel {
    pub steps: Vec<StepBox>,
    pub flows: Vec<FlowLine>,
    pub lanes: Vec<LaneBand>,
}

/// The picture of a map with its analysis.
pub fn build(map: &Map, analysis: &Analysis, mode: ViewMode) -> ViewModel {
    let marks = mode == ViewMode::Findings;
    let bottleneck: Option<&StepId> = analysis
        .shown_findings()
        .find(|f| marks && f.rule == Rule::Bottleneck)
        .map(|f| &f.step);
    let mut badges: HashMap<&StepId, Badge> = HashMap::new();
    for f in analysis.shown_findings().filter(|_| marks) {
        let b = badges.entry(&f.step).or_insert(Badge {
            severity: f.severity,
            findings: 0,
        });
        b.severity = b.severity.min(f.severity);
        b.findings += 1;
    }
    // Steps without a position (not yet arranged) get the auto-arrange position.
    let fallback = if map.steps().any(|s| s.pos.is_none()) {
        layout::arrange(map)
    } else {
        Vec::new()
    };
    let mut index = HashMap::with_capacity(map.step_count());
    let mut steps = Vec::with_capacity(map.step_count());
    for (k, s) in map.steps().enumerate() {
        index.insert(&s.id, k);
        steps.push(StepBox {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind,
            role: if s.is_customer_facing() {
                StepRole::CustomerFacing
            } else {
                StepRole::Internal
            },
            pos: s
                .pos
                .unwrap_or_else(|| fallback.get(k).map_or([0.0, 0.0], |(_, p)| *p)),
            work: if s.work_mins > 0.0 && s.kind != StepKind::Wait {
                format_duration(s.work_mins)
            } else {
                String::new()
            },
            wait: if s.delay_mins() > 0.0 {
                format_duration(s.delay_mins())
            } else {
                String::new()
            },
            badge: badges.get(&s.id).copied(),
            bottleneck: bottleneck == Some(&s.id),
            dimmed: false,
        });
    }
    let loops: Vec<HashSet<&StepId>> = if marks {
        analysis.loops.iter().map(|l| l.iter().collect()).collect()
    } else {
        Vec::new()
    };
    let mut flows = Vec::with_capacity(map.flow_count());
    for f in map.flows() {
        let (Some(&a), Some(&b)) = (index.get(f.from), index.get(f.to)) else {
            continue;
        };
        let in_loop = f.flow.kind == FlowKind::Work
            && loops.iter().any(|l| l.contains(f.from) && l.contains(f.to));
        let mut label = f.flow.label.clone();
        if f.flow.kind == FlowKind::Work && steps[a].kind == StepKind::Decision {
            let p = map
                .index_of(f.from)
                .map(|i| map.branch_probabilities(i))
                .and_then(|ps| ps.into_iter().find(|(e, _)| *e == f.index).map(|(_, p)| p));
            if let Some(p) = p {
                label = format!("{}% {label}", format_percent(p)).trim().to_owned();
            }
        }
        let (from, to) = (&steps[a], &steps[b]);
        flows.push(FlowLine {
            from: a,
            to: b,
            kind: f.flow.kind,
            label,
            in_loop,
            curve: route(from.pos, from.kind, to.pos, to.kind),
        });
    }
    ViewModel {
        steps,
        flows,
        lanes: layout::lane_bands(map),
    }
}

/// A probability as a short percentage: 30, 33.3, 0.5.
pub fn format_percent(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round())
    } else {
        format!("{v:.1}")
    }
}

/// Steps whose name, system or lane name contains the query (case-insensitive), in map
/// order; none for an empty query.
pub fn find_steps(map: &Map, query: &str) -> Vec<StepId> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    map.steps()
        .filter(|s| {
            let lane = s
                .lane
                .as_ref()
                .and_then(|l| map.lane(l))
                .is_some_and(|l| l.name.to_lowercase().contains(&q));
            lane || s.name.to_lowercase().contains(&q) || s.system.to_lowercase().contains(&q)
        })
        .map(|s| s.id.clone())
        .collect()
}

#[cfg(test)]
mod tests;
