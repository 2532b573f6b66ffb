//! The process map: lanes, steps and flows, held in a petgraph `StableGraph`.
//! Every edit goes through a method here that keeps the map valid (see `MapError`).
//! No egui and no I/O: the GUI, the CLI and the file format are clients of this module.

mod build;
mod edit;
mod review;
mod rules;
mod types;

pub use build::MapBuilder;
pub use edit::{FlowField, MapError, RemovedStep, StepField, check_time};
pub use review::*;
pub use rules::{DecisionShares, Fragment, LaneField, MapField};
pub(crate) use types::keyword_enum;
pub use types::*;

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use std::collections::HashMap;

/// The hash map of the id indexes: foldhash, seeded per process (see Cargo.toml).
pub type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// The hash set of the id indexes (see [`IdMap`]).
pub type IdSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Probabilities of a decision's branches must sum to 1 within this tolerance.
pub const PROBABILITY_TOLERANCE: f64 = 1e-6;

/// The most steps a map may have. Every way in (the file loader, the importers, the editor)
/// stops here, so that whatever is accepted is also analysed: loading and analysing a map
/// at both limits peaks well under 2 GB (README, "Performance").
pub const MAX_STEPS: usize = 1_000_000;
/// The most flows a map may have (see [`MAX_STEPS`]).
pub const MAX_FLOWS: usize = 3_000_000;

/// A whole process map. The graph is the single source of truth for steps and flows;
/// `step_order`/`flow_order` keep the user's order so saved files diff well.
#[derive(Debug, Clone, Default)]
pub struct Map {
    pub name: String,
    pub description: String,
    /// The customer-alignment scorecard (format v2).
    pub scorecard: Scorecard,
    /// The as-is this map was derived from (format v2), for a to-be.
    pub derived_from: Option<DerivedFrom>,
    /// The format version the map was read as (1 for a new map): a map read as version 2
    /// is saved as version 2 (see `needs_version_2`).
    pub read_version: u64,
    lanes: Vec<Lane>,
    graph: StableDiGraph<Step, Flow>,
    step_index: IdMap<StepId, NodeIndex>,
    step_order: Vec<NodeIndex>,
    flow_order: Vec<EdgeIndex>,
}

impl PartialEq for Map {
    /// Two maps are equal when they would save to the same file.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.scorecard == other.scorecard
            && self.derived_from == other.derived_from
            && self.saved_version() == other.saved_version()
            && self.lanes == other.lanes
            && self.steps().eq(other.steps())
            && self
                .flows()
                .map(|f| (f.from, f.to, f.flow))
                .eq(other.flows().map(|f| (f.from, f.to, f.flow)))
    }
}

impl Map {
    /// An empty map with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            read_version: 1,
            ..Self::default()
        }
    }

    /// Whether the map uses a v2 field with a non-default value (a customer lane, a step's
    /// review, the scorecard, `derived_from`).
    pub fn uses_version_2(&self) -> bool {
        !self.scorecard.is_empty()
            || self.derived_from.is_some()
            || self.lanes.iter().any(|l| l.customer)
            || self.steps().any(|s| s.review.is_some())
    }

    /// The version a save writes: 2 when the map was read as version 2 or uses a v2 field,
    /// else 1 (so an old map saved unchanged stays byte-identical).
    pub fn saved_version(&self) -> u64 {
        if self.read_version >= 2 || self.uses_version_2() {
            2
        } else {
            1
        }
    }

    /// Reserves room for `steps` more steps (for loaders that know the count).
    pub fn reserve(&mut self, steps: usize) {
        self.step_index.reserve(steps);
        self.step_order.reserve(steps);
    }

    /// The underlying graph (nodes are steps, edges are flows of both kinds).
    pub fn graph(&self) -> &StableDiGraph<Step, Flow> {
        &self.graph
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    pub fn lane(&self, id: &LaneId) -> Option<&Lane> {
        self.lanes.iter().find(|l| &l.id == id)
    }

    /// Position of a lane in the lane order (top to bottom).
    pub fn lane_position(&self, id: &LaneId) -> Option<usize> {
        self.lanes.iter().position(|l| &l.id == id)
    }

    /// The position of every lane by its id, for callers that look up many (a scan per
    /// lookup, as `lane_position` does, would be quadratic in steps × lanes).
    pub fn lane_positions(&self) -> IdMap<&LaneId, usize> {
        self.lanes
            .iter()
            .enumerate()
            .map(|(k, l)| (&l.id, k))
            .collect()
    }

    pub fn step_count(&self) -> usize {
        self.step_order.len()
    }

    pub fn flow_count(&self) -> usize {
        self.flow_order.len()
    }

    /// Node indices of the steps in map order.
    pub fn step_indices(&self) -> &[NodeIndex] {
        &self.step_order
    }

    /// Edge indices of the flows in map order.
    pub fn flow_indices(&self) -> &[EdgeIndex] {
        &self.flow_order
    }

    /// Steps in map order.
    pub fn steps(&self) -> impl Iterator<Item = &Step> + '_ {
        self.step_order.iter().map(|&i| &self.graph[i])
    }

    /// Flows in map order, with their endpoints.
    pub fn flows(&self) -> impl Iterator<Item = FlowRef<'_>> + '_ {
        self.flow_order.iter().map(|&e| self.flow_ref(e))
    }

    /// The flow `e` of `flow_order` with its endpoints.
    #[allow(
        clippy::expect_used,
        reason = "flow_order holds exactly the graph's edges: every edit that adds an edge \
                  pushes it and every edit that removes one removes it from flow_order in the \
                  same method, and removing a step removes its edges from both; so the edge \
                  and its endpoints exist"
    )]
    fn flow_ref(&self, e: EdgeIndex) -> FlowRef<'_> {
        let (a, b) = self
            .graph
            .edge_endpoints(e)
            .expect("every edge in flow_order is in the graph");
        FlowRef {
            index: e,
            from: &self.graph[a].id,
            to: &self.graph[b].id,
            flow: &self.graph[e],
        }
    }

    pub fn index_of(&self, id: &StepId) -> Option<NodeIndex> {
        self.step_index.get(id).copied()
    }

    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.index_of(id).map(|i| &self.graph[i])
    }

    /// What a person calls step `id`: its name, or its id when it has no name (or is not in
    /// the map).
    pub fn step_name_or_id(&self, id: &StepId) -> String {
        self.step(id)
            .filter(|s| !s.name.is_empty())
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    /// A step's disposition in words (`merge into Check order`, `automate`, ...).
    pub fn disposition_text(&self, s: &Step) -> String {
        match s.disposition() {
            Disposition::Merge { into } => format!("merge into {}", self.step_name_or_id(into)),
            d => d.kind().label().to_lowercase(),
        }
    }

    pub fn step_at(&self, i: NodeIndex) -> Option<&Step> {
        self.graph.node_weight(i)
    }

    pub fn contains_step(&self, id: &StepId) -> bool {
        self.step_index.contains_key(id)
    }

    /// The flow (from, to, kind), if the map has it.
    pub fn find_flow(&self, from: &StepId, to: &StepId, kind: FlowKind) -> Option<EdgeIndex> {
        self.flow_between(self.index_of(from)?, self.index_of(to)?, kind)
    }

    /// The flow of this kind from step `a` to step `b`, if any (looks through `a`'s flows
    /// out).
    pub(crate) fn flow_between(
        &self,
        a: NodeIndex,
        b: NodeIndex,
        kind: FlowKind,
    ) -> Option<EdgeIndex> {
        self.graph
            .edges_connecting(a, b)
            .find(|e| e.weight().kind == kind)
            .map(|e| e.id())
    }

    /// Work flows leaving a step, in map order of their creation (edge index order is not map
    /// order, so callers that need determinism sort by target id).
    pub fn outgoing_work(
        &self,
        i: NodeIndex,
    ) -> impl Iterator<Item = (EdgeIndex, NodeIndex, &Flow)> {
        self.graph
            .edges_directed(i, Direction::Outgoing)
            .filter(|e| e.weight().kind == FlowKind::Work)
            .map(|e| (e.id(), e.target(), e.weight()))
    }

    /// Effective probabilities of a decision's work flows: explicit ones as given, the
    /// unspecified ones sharing the remainder equally. Empty for a step that is not a decision.
    pub fn branch_probabilities(&self, i: NodeIndex) -> Vec<(EdgeIndex, f64)> {
        let Some(step) = self.graph.node_weight(i) else {
            return Vec::new();
        };
        if step.kind != StepKind::Decision {
            return Vec::new();
        }
        let branches: Vec<_> = self
            .outgoing_work(i)
            .map(|(e, _, f)| (e, f.probability))
            .collect();
        effective_probabilities(&branches)
    }

    /// A fresh step id (`step-N`) not used in this map.
    pub fn fresh_step_id(&self, stem: &str) -> StepId {
        let stem = if stem.is_empty() { "step" } else { stem };
        (1..)
            .map(|n| StepId::new(format!("{stem}-{n}")))
            .find(|id| !self.contains_step(id))
            .unwrap_or_else(|| StepId::new(stem))
    }

    /// A fresh lane id (`lane-N`) not used in this map.
    pub fn fresh_lane_id(&self) -> LaneId {
        (1..)
            .map(|n| LaneId::new(format!("lane-{n}")))
            .find(|id| self.lane(id).is_none())
            .unwrap_or_else(|| LaneId::new("lane"))
    }
}

/// Given the branches of a decision (flow, explicit probability), returns the effective
/// probability of each: unspecified ones share `1 - sum(explicit)` equally (never below 0).
pub fn effective_probabilities<E: Copy>(branches: &[(E, Option<f64>)]) -> Vec<(E, f64)> {
    let explicit: f64 = branches.iter().filter_map(|(_, p)| *p).sum();
    let unspecified = branches.iter().filter(|(_, p)| p.is_none()).count();
    let share = if unspecified == 0 {
        0.0
    } else {
        ((1.0 - explicit) / unspecified as f64).max(0.0)
    };
    branches
        .iter()
        .map(|&(e, p)| (e, p.unwrap_or(share)))
        .collect()
}

/// A flow seen with the ids of its endpoints.
#[derive(Debug, Clone, Copy)]
pub struct FlowRef<'a> {
    pub index: EdgeIndex,
    pub from: &'a StepId,
    pub to: &'a StepId,
    pub flow: &'a Flow,
}

#[cfg(test)]
mod tests;
