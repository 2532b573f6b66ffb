//! Building a whole map at once (the file loader): the edit API's checks, backed by hash
//! indexes so that building is linear in the size of the map, even for a decision with
//! 100 000 branches or a map with 100 000 lanes.

use super::edit::{check_pos, check_review, check_time, normalized};
use super::*;

/// A step's flows out are looked through for a duplicate while it has fewer than this many
/// (see `MapBuilder::flows_out`).
pub(super) const SCAN_FLOWS: u32 = 8;

/// A map under construction. Lanes, steps and flows are checked as they are added with the
/// same rules as `Map::add_lane`, `Map::add_step` and `Map::connect_unchecked_sum`;
/// `finish` then checks every decision's probabilities (`Map::check_decisions`).
#[derive(Debug, Default)]
pub struct MapBuilder {
    map: Map,
    lane_ids: IdSet<LaneId>,
    /// Flows out of each step so far (by node index), for the duplicate check: while a step
    /// has fewer than `SCAN_FLOWS`, its own flows are looked through; from then on the
    /// (from, to, kind) of its flows are in `flow_keys`. Most steps have a flow or two out,
    /// and looking through them is cheaper than a lookup in a set as large as the map; a
    /// decision with 100,000 branches still costs one lookup per branch.
    flows_out: Vec<u32>,
    flow_keys: IdSet<(NodeIndex, NodeIndex, FlowKind)>,
    /// Sum of the explicit probabilities on each decision's work flows so far.
    explicit: IdMap<NodeIndex, f64>,
    /// Steps merged into another (format v2), whose target `finish` checks: it may come later.
    merges: Vec<NodeIndex>,
}

impl MapBuilder {
    /// An empty map with a name and description.
    pub fn new(name: String, description: String) -> Self {
        let mut map = Map::new(name);
        map.description = description;
        Self {
            map,
            ..Self::default()
        }
    }

    /// Continues building from a map that already has lanes, steps and maybe flows (an
    /// importer places lanes and steps first, then adds the flows): its lanes, flows and
    /// decisions' explicit probabilities are indexed once, so every later `connect` is O(1).
    pub fn from_map(map: Map) -> Self {
        let lane_ids = map.lanes.iter().map(|l| l.id.clone()).collect();
        let mut explicit: IdMap<NodeIndex, f64> = IdMap::default();
        let mut keys = Vec::with_capacity(map.flow_order.len());
        for e in map.graph.edge_indices() {
            if let (Some((a, b)), Some(flow)) =
                (map.graph.edge_endpoints(e), map.graph.edge_weight(e))
            {
                keys.push((a, b, flow.kind));
                if let Some(p) = flow.probability {
                    *explicit.entry(a).or_insert(0.0) += p;
                }
            }
        }
        let merges = map
            .step_order
            .iter()
            .copied()
            .filter(|&i| map.graph[i].disposition().merge_into().is_some())
            .collect();
        let mut built = Self {
            map,
            lane_ids,
            flows_out: Vec::new(),
            flow_keys: IdSet::default(),
            explicit,
            merges,
        };
        for key in keys {
            built.count_flow_out(key);
        }
        built
    }

    /// The version the map was read as (see `Map::read_version`).
    pub fn set_read_version(&mut self, version: u64) {
        self.map.read_version = version;
    }

    pub fn set_scorecard(&mut self, scorecard: Scorecard) {
        self.map.scorecard = scorecard;
    }

    pub fn set_derived_from(&mut self, from: DerivedFrom) {
        self.map.derived_from = Some(from);
    }

    /// The map as built, without the final decision check (for a caller that reports a
    /// failing decision its own way, then calls `Map::check_decisions`).
    pub fn into_map(self) -> Map {
        self.map
    }

    /// Reserves room for the given numbers of steps and flows.
    pub fn reserve(&mut self, steps: usize, flows: usize) {
        self.map.reserve(steps);
        self.map.graph.reserve_nodes(steps);
        self.map.graph.reserve_edges(flows);
        self.map.flow_order.reserve(flows);
        self.flows_out.reserve(steps);
    }

    /// The map built so far (e.g. to find where a failing step sits).
    pub fn map(&self) -> &Map {
        &self.map
    }

    /// Appends a lane at the bottom (as `Map::add_lane`).
    pub fn add_lane(&mut self, lane: Lane) -> Result<(), MapError> {
        if lane.id.as_str().is_empty() {
            return Err(MapError::EmptyLaneId);
        }
        if self.lane_ids.contains(&lane.id) {
            return Err(MapError::DuplicateLane(lane.id));
        }
        if self.map.lanes.is_empty() {
            // Lanes are required once the map has any: steps without one join the first lane.
            for &i in &self.map.step_order {
                let step = &mut self.map.graph[i];
                if step.lane.is_none() {
                    step.lane = Some(lane.id.clone());
                }
            }
        }
        self.lane_ids.insert(lane.id.clone());
        self.map.lanes.push(lane);
        Ok(())
    }

    /// Appends a step at the end of the map order (as `Map::add_step`).
    pub fn add_step(&mut self, step: Step) -> Result<NodeIndex, MapError> {
        if step.id.as_str().is_empty() {
            return Err(MapError::EmptyStepId);
        }
        if self.map.contains_step(&step.id) {
            return Err(MapError::DuplicateStep(step.id));
        }
        if self.map.step_order.len() >= MAX_STEPS {
            return Err(MapError::TooManySteps);
        }
        match &step.lane {
            Some(l) if !self.lane_ids.contains(l) => return Err(MapError::UnknownLane(l.clone())),
            None if !self.lane_ids.is_empty() => return Err(MapError::MissingLane(step.id)),
            _ => {}
        }
        check_time("work_mins", step.work_mins)?;
        check_time("wait_mins", step.wait_mins)?;
        check_pos(step.pos)?;
        check_review(&step.id, step.review.as_deref())?;
        let mut step = step;
        step.review = normalized(step.review.take());
        let id = step.id.clone();
        let merges = step.disposition().merge_into().is_some();
        let i = self.map.graph.add_node(step);
        if merges {
            self.merges.push(i);
        }
        self.map.step_index.insert(id, i);
        self.map.step_order.push(i);
        Ok(i)
    }

    /// Appends a flow (as `Map::connect_unchecked_sum`: explicit probabilities may not
    /// exceed 1 yet; that they sum to 1 is checked by `finish`).
    pub fn connect(&mut self, from: &str, to: &str, flow: Flow) -> Result<EdgeIndex, MapError> {
        let a = self
            .map
            .step_index
            .get(from)
            .copied()
            .ok_or_else(|| MapError::UnknownStep(from.into()))?;
        let b = self
            .map
            .step_index
            .get(to)
            .copied()
            .ok_or_else(|| MapError::UnknownStep(to.into()))?;
        if self.map.flow_order.len() >= MAX_FLOWS {
            return Err(MapError::TooManyFlows);
        }
        let key = (a, b, flow.kind);
        let duplicate = if self.flows_out.get(a.index()).copied().unwrap_or(0) < SCAN_FLOWS {
            self.map.flow_between(a, b, flow.kind).is_some()
        } else {
            self.flow_keys.contains(&key)
        };
        if duplicate {
            return Err(MapError::DuplicateFlow {
                from: from.into(),
                to: to.into(),
                kind: flow.kind,
            });
        }
        if let Some(p) = flow.probability {
            self.map.check_probability_allowed(a, flow.kind)?;
            if !(0.0..=1.0).contains(&p) {
                return Err(MapError::ProbabilityOutOfRange(p));
            }
            let sum = self.explicit.entry(a).or_insert(0.0);
            if *sum + p > 1.0 + PROBABILITY_TOLERANCE {
                return Err(MapError::ProbabilitySum {
                    step: from.into(),
                    sum: *sum + p,
                });
            }
            *sum += p;
        }
        let e = self.map.graph.add_edge(a, b, flow);
        self.map.flow_order.push(e);
        self.count_flow_out(key);
        Ok(e)
    }

    /// Counts a flow just added (its (from, to, kind)) for the duplicate check, and keeps
    /// `flow_keys` holding the flows of every step with `SCAN_FLOWS` or more.
    fn count_flow_out(&mut self, key: (NodeIndex, NodeIndex, FlowKind)) {
        let a = key.0;
        let i = a.index();
        if self.flows_out.len() <= i {
            self.flows_out.resize(i + 1, 0);
        }
        self.flows_out[i] += 1;
        match self.flows_out[i].cmp(&SCAN_FLOWS) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                // From now on looked up: all its flows so far go into the set.
                for e in self.map.graph.edges(a) {
                    self.flow_keys.insert((a, e.target(), e.weight().kind));
                }
            }
            std::cmp::Ordering::Greater => {
                self.flow_keys.insert(key);
            }
        }
    }

    /// Checks every decision's probabilities and every merge target, and returns the map.
    pub fn finish(self) -> Result<Map, MapError> {
        self.map.check_decisions()?;
        for &i in &self.merges {
            let step = &self.map.graph[i];
            if let Some(target) = step.disposition().merge_into()
                && !self.map.contains_step(target)
            {
                return Err(MapError::UnknownMergeTarget {
                    step: step.id.clone(),
                    target: target.clone(),
                });
            }
        }
        Ok(self.map)
    }
}
