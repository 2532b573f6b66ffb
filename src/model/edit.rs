//! Every edit of a map, each checked so that the map stays valid. Setters return the old
//! value so that an editor can record an exact inverse.

use super::*;
use thiserror::Error;

/// Why an edit (or a file being built into a map) was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MapError {
    #[error("step id must not be empty")]
    EmptyStepId,
    #[error("a map may have at most {} steps", super::MAX_STEPS)]
    TooManySteps,
    #[error("a map may have at most {} flows", super::MAX_FLOWS)]
    TooManyFlows,
    #[error("lane id must not be empty")]
    EmptyLaneId,
    #[error("duplicate step id \"{}\"", esc(.0.as_str()))]
    DuplicateStep(StepId),
    #[error("duplicate lane id \"{}\"", esc(.0.as_str()))]
    DuplicateLane(LaneId),
    #[error("no step with id \"{}\"", esc(.0.as_str()))]
    UnknownStep(StepId),
    #[error("no lane with id \"{}\"", esc(.0.as_str()))]
    UnknownLane(LaneId),
    #[error("step \"{}\" needs a lane because the map has lanes", esc(.0.as_str()))]
    MissingLane(StepId),
    #[error("{field} must be a finite number >= 0 (got {value})")]
    InvalidTime { field: &'static str, value: f64 },
    #[error("pos must be two finite numbers")]
    InvalidPosition,
    #[error("the {kind} flow from \"{}\" to \"{}\" already exists", esc(from.as_str()), esc(to.as_str()))]
    DuplicateFlow {
        from: StepId,
        to: StepId,
        kind: FlowKind,
    },
    #[error("no {kind} flow from \"{}\" to \"{}\"", esc(from.as_str()), esc(to.as_str()))]
    UnknownFlow {
        from: StepId,
        to: StepId,
        kind: FlowKind,
    },
    #[error(
        "probability is only allowed on work flows leaving a decision, but \"{}\" is {what}",
        esc(from.as_str())
    )]
    ProbabilityNotAllowed { from: StepId, what: String },
    #[error("probability must be between 0 and 1 (got {0})")]
    ProbabilityOutOfRange(f64),
    #[error(
        "the probabilities of decision \"{}\"'s work flows sum to {}; they must sum to 1 within {} (leave some out to share the remainder)",
        esc(step.as_str()),
        round12(*.sum),
        PROBABILITY_TOLERANCE
    )]
    ProbabilitySum { step: StepId, sum: f64 },
    #[error(
        "lane \"{}\" still holds {steps} step(s); say which lane they move to before removing it",
        esc(lane.as_str())
    )]
    LaneNotEmpty { lane: LaneId, steps: usize },
    #[error("step \"{}\" cannot be merged into itself", esc(.0.as_str()))]
    MergeIntoItself(StepId),
    #[error(
        "step \"{}\" is to be merged into \"{}\", which is not a step of this map",
        esc(step.as_str()),
        esc(target.as_str())
    )]
    UnknownMergeTarget { step: StepId, target: StepId },
}

/// Rounds for messages, so 0.7 + 0.2 reads as 0.9, not 0.8999999999999999, while a sum
/// that misses 1 by a little more than the tolerance (0.9999989) is shown as it is: 12
/// decimals are far finer than the tolerance and far coarser than summation error.
fn round12(v: f64) -> f64 {
    (v * 1e12).round() / 1e12
}

/// Ids and names in messages are untrusted: control characters become visible escapes.
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    crate::text::escape_control(s)
}

/// One field of a step, with its new (or, when returned, old) value.
#[derive(Debug, Clone, PartialEq)]
pub enum StepField {
    Name(String),
    Lane(Option<LaneId>),
    Kind(StepKind),
    Touchpoint(Touchpoint),
    WorkMins(f64),
    WaitMins(f64),
    Value(Value),
    Benefit(String),
    System(String),
    Notes(String),
    Pos(Option<[f32; 2]>),
    /// The challenge (format v2); an empty review is stored as `None`.
    Review(Option<Box<Review>>),
}

/// One field of a flow, with its new (or, when returned, old) value.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowField {
    Probability(Option<f64>),
    Label(String),
}

/// Checks a time field: finite and >= 0.
pub fn check_time(field: &'static str, value: f64) -> Result<(), MapError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(MapError::InvalidTime { field, value })
    }
}

/// Checks what a review can check on its own: target times finite and >= 0, no merge into
/// the step itself. Whether the merge target exists is the map's check.
pub(super) fn check_review(id: &StepId, review: Option<&Review>) -> Result<(), MapError> {
    let Some(review) = review else {
        return Ok(());
    };
    if let Some(t) = review.disposition.targets() {
        if let Some(v) = t.work_mins {
            check_time("target_work_mins", v)?;
        }
        if let Some(v) = t.wait_mins {
            check_time("target_wait_mins", v)?;
        }
    }
    match review.disposition.merge_into() {
        Some(target) if target == id => Err(MapError::MergeIntoItself(id.clone())),
        _ => Ok(()),
    }
}

/// An empty review is no review (so it is neither saved nor makes the file version 2).
pub(super) fn normalized(review: Option<Box<Review>>) -> Option<Box<Review>> {
    review.filter(|r| !r.is_empty())
}

pub(super) fn check_pos(pos: Option<[f32; 2]>) -> Result<(), MapError> {
    match pos {
        Some([x, y]) if !(x.is_finite() && y.is_finite()) => Err(MapError::InvalidPosition),
        _ => Ok(()),
    }
}

impl Map {
    /// The node of a step, or `UnknownStep`.
    fn require_step(&self, id: &StepId) -> Result<NodeIndex, MapError> {
        self.index_of(id)
            .ok_or_else(|| MapError::UnknownStep(id.clone()))
    }

    /// The edge of a flow, or `UnknownFlow`.
    fn require_flow(
        &self,
        from: &StepId,
        to: &StepId,
        kind: FlowKind,
    ) -> Result<EdgeIndex, MapError> {
        self.find_flow(from, to, kind)
            .ok_or_else(|| MapError::UnknownFlow {
                from: from.clone(),
                to: to.clone(),
                kind,
            })
    }

    // ---- lanes -------------------------------------------------------------------------

    /// Appends a lane at the bottom.
    pub fn add_lane(&mut self, lane: Lane) -> Result<(), MapError> {
        let at = self.lanes.len();
        self.insert_lane(at, lane)
    }

    /// Inserts a lane at a position (clamped to the lane count).
    pub fn insert_lane(&mut self, at: usize, lane: Lane) -> Result<(), MapError> {
        if lane.id.as_str().is_empty() {
            return Err(MapError::EmptyLaneId);
        }
        if self.lane(&lane.id).is_some() {
            return Err(MapError::DuplicateLane(lane.id));
        }
        let first_lane = self.lanes.is_empty();
        let at = at.min(self.lanes.len());
        let id = lane.id.clone();
        self.lanes.insert(at, lane);
        if first_lane {
            // Lanes are required once the map has any: steps without one join the new lane.
            for &i in &self.step_order {
                let step = &mut self.graph[i];
                if step.lane.is_none() {
                    step.lane = Some(id.clone());
                }
            }
        }
        Ok(())
    }

    /// Renames a lane; returns the old name.
    pub fn rename_lane(
        &mut self,
        id: &LaneId,
        name: impl Into<String>,
    ) -> Result<String, MapError> {
        let lane = self
            .lanes
            .iter_mut()
            .find(|l| &l.id == id)
            .ok_or_else(|| MapError::UnknownLane(id.clone()))?;
        Ok(std::mem::replace(&mut lane.name, name.into()))
    }

    /// Moves a lane to a new position in the order (clamped); returns its old position.
    pub fn move_lane(&mut self, id: &LaneId, to: usize) -> Result<usize, MapError> {
        let from = self
            .lane_position(id)
            .ok_or_else(|| MapError::UnknownLane(id.clone()))?;
        let lane = self.lanes.remove(from);
        let to = to.min(self.lanes.len());
        self.lanes.insert(to, lane);
        Ok(from)
    }

    /// Steps in a lane, in map order.
    pub fn steps_in_lane(&self, id: &LaneId) -> Vec<NodeIndex> {
        self.step_order
            .iter()
            .copied()
            .filter(|&i| self.graph[i].lane.as_ref() == Some(id))
            .collect()
    }

    /// Removes a lane. Its steps move to `move_steps_to`, which is required when it holds
    /// steps (and must be another lane), unless it is the last lane, when steps keep no lane.
    /// Returns the removed lane and its position.
    pub fn remove_lane(
        &mut self,
        id: &LaneId,
        move_steps_to: Option<&LaneId>,
    ) -> Result<(Lane, usize), MapError> {
        let at = self
            .lane_position(id)
            .ok_or_else(|| MapError::UnknownLane(id.clone()))?;
        let members = self.steps_in_lane(id);
        let target = match move_steps_to {
            Some(t) if t == id || self.lane(t).is_none() => {
                return Err(MapError::UnknownLane(t.clone()));
            }
            Some(t) => Some(t.clone()),
            None if members.is_empty() || self.lanes.len() == 1 => None,
            None => {
                return Err(MapError::LaneNotEmpty {
                    lane: id.clone(),
                    steps: members.len(),
                });
            }
        };
        for i in members {
            self.graph[i].lane = target.clone();
        }
        Ok((self.lanes.remove(at), at))
    }

    // ---- steps -------------------------------------------------------------------------

    fn check_new_step(&self, step: &Step) -> Result<(), MapError> {
        if step.id.as_str().is_empty() {
            return Err(MapError::EmptyStepId);
        }
        if self.step_order.len() >= super::MAX_STEPS {
            return Err(MapError::TooManySteps);
        }
        if self.contains_step(&step.id) {
            return Err(MapError::DuplicateStep(step.id.clone()));
        }
        self.check_step_lane(&step.id, step.lane.as_ref())?;
        check_time("work_mins", step.work_mins)?;
        check_time("wait_mins", step.wait_mins)?;
        check_pos(step.pos)?;
        self.check_merge_target(&step.id, step.review.as_deref())
    }

    /// A review's own checks, and that its merge target is a step of this map.
    fn check_merge_target(&self, id: &StepId, review: Option<&Review>) -> Result<(), MapError> {
        check_review(id, review)?;
        match review.and_then(|r| r.disposition.merge_into()) {
            Some(target) if !self.contains_step(target) => Err(MapError::UnknownMergeTarget {
                step: id.clone(),
                target: target.clone(),
            }),
            _ => Ok(()),
        }
    }

    fn check_step_lane(&self, id: &StepId, lane: Option<&LaneId>) -> Result<(), MapError> {
        match lane {
            Some(l) if self.lane(l).is_none() => Err(MapError::UnknownLane(l.clone())),
            None if !self.lanes.is_empty() => Err(MapError::MissingLane(id.clone())),
            _ => Ok(()),
        }
    }

    /// Adds a step at the end of the map order.
    pub fn add_step(&mut self, step: Step) -> Result<NodeIndex, MapError> {
        let at = self.step_order.len();
        self.insert_step(at, step)
    }

    /// Adds a step at a position in the map order (clamped), e.g. to undo a removal exactly.
    pub fn insert_step(&mut self, at: usize, mut step: Step) -> Result<NodeIndex, MapError> {
        self.check_new_step(&step)?;
        step.review = normalized(step.review.take());
        let id = step.id.clone();
        let i = self.graph.add_node(step);
        self.step_index.insert(id, i);
        let at = at.min(self.step_order.len());
        self.step_order.insert(at, i);
        Ok(i)
    }

    /// Removes a step and every flow touching it. Returns the step, its position in the map
    /// order and the removed flows (from, to, flow) in map order.
    pub fn remove_step(&mut self, id: &StepId) -> Result<RemovedStep, MapError> {
        let i = self.require_step(id)?;
        // Found before anything changes: a step missing from the order fails cleanly.
        let position = self
            .step_order
            .iter()
            .position(|&s| s == i)
            .ok_or_else(|| MapError::UnknownStep(id.clone()))?;
        let touching: Vec<EdgeIndex> = self
            .flow_order
            .iter()
            .copied()
            .filter(|&e| {
                self.graph
                    .edge_endpoints(e)
                    .is_some_and(|(a, b)| a == i || b == i)
            })
            .collect();
        let mut flows = Vec::with_capacity(touching.len());
        let mut decisions = Vec::new();
        for e in touching {
            let r = self.flow_ref(e);
            flows.push((r.from.clone(), r.to.clone(), r.flow.clone()));
            if let Some((a, _)) = self.graph.edge_endpoints(e)
                && a != i
            {
                decisions.push(a);
            }
        }
        self.flow_order.retain(|&e| {
            self.graph
                .edge_endpoints(e)
                .is_some_and(|(a, b)| a != i && b != i)
        });
        self.step_order.remove(position);
        self.step_index.remove(id);
        let step = self
            .graph
            .remove_node(i)
            .ok_or_else(|| MapError::UnknownStep(id.clone()))?;
        for d in decisions {
            self.normalize_decision(d);
        }
        // A step merged into the removed one has nothing to merge into: it is undecided again
        // (its answers and rationale stay).
        for &k in &self.step_order {
            if let Some(r) = self.graph[k].review.as_mut()
                && r.disposition.merge_into() == Some(id)
            {
                r.disposition = Disposition::Undecided;
            }
        }
        Ok(RemovedStep {
            step,
            position,
            flows,
        })
    }

    /// Changes a step's id everywhere (its flows follow it). Returns the old id.
    pub fn rename_step_id(&mut self, id: &StepId, new_id: StepId) -> Result<StepId, MapError> {
        let i = self.require_step(id)?;
        if &new_id == id {
            return Ok(new_id);
        }
        if new_id.as_str().is_empty() {
            return Err(MapError::EmptyStepId);
        }
        if self.contains_step(&new_id) {
            return Err(MapError::DuplicateStep(new_id));
        }
        self.step_index.remove(id);
        self.step_index.insert(new_id.clone(), i);
        Ok(std::mem::replace(&mut self.graph[i].id, new_id))
    }

    /// Sets one field of a step; returns the field's old value.
    pub fn set_step_field(&mut self, id: &StepId, field: StepField) -> Result<StepField, MapError> {
        let i = self.require_step(id)?;
        match &field {
            StepField::Lane(lane) => self.check_step_lane(id, lane.as_ref())?,
            StepField::WorkMins(v) => check_time("work_mins", *v)?,
            StepField::WaitMins(v) => check_time("wait_mins", *v)?,
            StepField::Pos(p) => check_pos(*p)?,
            StepField::Review(r) => self.check_merge_target(id, r.as_deref())?,
            _ => {}
        }
        let step = &mut self.graph[i];
        let old = match field {
            StepField::Name(v) => StepField::Name(std::mem::replace(&mut step.name, v)),
            StepField::Lane(v) => StepField::Lane(std::mem::replace(&mut step.lane, v)),
            StepField::Kind(v) => {
                let old = std::mem::replace(&mut step.kind, v);
                if old == StepKind::Decision && v != StepKind::Decision {
                    // Probabilities belong to decisions only.
                    let out: Vec<EdgeIndex> = self.outgoing_work(i).map(|(e, _, _)| e).collect();
                    for e in out {
                        self.graph[e].probability = None;
                    }
                }
                StepField::Kind(old)
            }
            StepField::Touchpoint(v) => {
                StepField::Touchpoint(std::mem::replace(&mut step.touchpoint, v))
            }
            StepField::WorkMins(v) => {
                StepField::WorkMins(std::mem::replace(&mut step.work_mins, v))
            }
            StepField::WaitMins(v) => {
                StepField::WaitMins(std::mem::replace(&mut step.wait_mins, v))
            }
            StepField::Value(v) => StepField::Value(std::mem::replace(&mut step.value, v)),
            StepField::Benefit(v) => StepField::Benefit(std::mem::replace(&mut step.benefit, v)),
            StepField::System(v) => StepField::System(std::mem::replace(&mut step.system, v)),
            StepField::Notes(v) => StepField::Notes(std::mem::replace(&mut step.notes, v)),
            StepField::Pos(v) => StepField::Pos(std::mem::replace(&mut step.pos, v)),
            StepField::Review(v) => {
                StepField::Review(std::mem::replace(&mut step.review, normalized(v)))
            }
        };
        Ok(old)
    }

    /// Moves a step on the canvas; returns the old position.
    pub fn move_step(&mut self, id: &StepId, pos: [f32; 2]) -> Result<Option<[f32; 2]>, MapError> {
        match self.set_step_field(id, StepField::Pos(Some(pos)))? {
            StepField::Pos(old) => Ok(old),
            _ => Ok(None),
        }
    }

    // ---- flows -------------------------------------------------------------------------

    /// Adds a flow at the end of the map order, checking the whole decision it leaves.
    pub fn connect(
        &mut self,
        from: &StepId,
        to: &StepId,
        flow: Flow,
    ) -> Result<EdgeIndex, MapError> {
        let e = self.connect_unchecked_sum(from, to, flow)?;
        if let Some(a) = self.graph.edge_endpoints(e).map(|(a, _)| a)
            && let Err(err) = self.check_decision(a)
        {
            self.graph.remove_edge(e);
            self.flow_order.pop();
            return Err(err);
        }
        Ok(e)
    }

    /// Adds a flow checking everything but that a decision's probabilities sum to exactly 1
    /// (they may not exceed it): for building a map flow by flow, then `check_decisions`.
    pub fn connect_unchecked_sum(
        &mut self,
        from: &StepId,
        to: &StepId,
        flow: Flow,
    ) -> Result<EdgeIndex, MapError> {
        let a = self.require_step(from)?;
        let b = self.require_step(to)?;
        if self.flow_order.len() >= super::MAX_FLOWS {
            return Err(MapError::TooManyFlows);
        }
        if self.find_flow(from, to, flow.kind).is_some() {
            return Err(MapError::DuplicateFlow {
                from: from.clone(),
                to: to.clone(),
                kind: flow.kind,
            });
        }
        if let Some(p) = flow.probability {
            self.check_probability_allowed(a, flow.kind)?;
            if !(0.0..=1.0).contains(&p) {
                return Err(MapError::ProbabilityOutOfRange(p));
            }
            let explicit: f64 = self
                .outgoing_work(a)
                .filter_map(|(_, _, f)| f.probability)
                .sum();
            if explicit + p > 1.0 + PROBABILITY_TOLERANCE {
                return Err(MapError::ProbabilitySum {
                    step: from.clone(),
                    sum: explicit + p,
                });
            }
        }
        let e = self.graph.add_edge(a, b, flow);
        self.flow_order.push(e);
        Ok(e)
    }

    pub(super) fn check_probability_allowed(
        &self,
        from: NodeIndex,
        kind: FlowKind,
    ) -> Result<(), MapError> {
        let step = &self.graph[from];
        if kind != FlowKind::Work {
            return Err(MapError::ProbabilityNotAllowed {
                from: step.id.clone(),
                what: "the source of an information flow".into(),
            });
        }
        if step.kind != StepKind::Decision {
            return Err(MapError::ProbabilityNotAllowed {
                from: step.id.clone(),
                what: format!("a step of kind {}", step.kind),
            });
        }
        Ok(())
    }

    /// Checks that a decision's work-flow probabilities can sum to 1: all explicit ones sum
    /// to 1, or some are unspecified and the explicit ones do not exceed 1.
    pub fn check_decision(&self, i: NodeIndex) -> Result<(), MapError> {
        let Some(step) = self.graph.node_weight(i) else {
            return Ok(());
        };
        if step.kind != StepKind::Decision {
            return Ok(());
        }
        let mut explicit = 0.0;
        let mut unspecified = 0usize;
        let mut any = false;
        for (_, _, f) in self.outgoing_work(i) {
            any = true;
            match f.probability {
                Some(p) => explicit += p,
                None => unspecified += 1,
            }
        }
        let ok = !any
            || if unspecified == 0 {
                (explicit - 1.0).abs() <= PROBABILITY_TOLERANCE
            } else {
                explicit <= 1.0 + PROBABILITY_TOLERANCE
            };
        if ok {
            Ok(())
        } else {
            Err(MapError::ProbabilitySum {
                step: step.id.clone(),
                sum: explicit,
            })
        }
    }

    /// Checks every decision (see `check_decision`), in map order.
    pub fn check_decisions(&self) -> Result<(), MapError> {
        self.step_order
            .iter()
            .try_for_each(|&i| self.check_decision(i))
    }

    /// After a branch left a decision, keeps it valid: when every remaining branch carries a
    /// probability and they no longer sum to 1, scale them to 1 (or clear them if all are 0).
    fn normalize_decision(&mut self, i: NodeIndex) {
        if self.check_decision(i).is_ok() {
            return;
        }
        let out: Vec<EdgeIndex> = self.outgoing_work(i).map(|(e, _, _)| e).collect();
        let sum: f64 = out.iter().filter_map(|&e| self.graph[e].probability).sum();
        for e in out {
            let p = &mut self.graph[e].probability;
            *p = if sum > 0.0 { p.map(|p| p / sum) } else { None };
        }
    }

    /// Removes a flow; returns it and its position in the map order.
    pub fn disconnect(
        &mut self,
        from: &StepId,
        to: &StepId,
        kind: FlowKind,
    ) -> Result<(Flow, usize), MapError> {
        let e = self.require_flow(from, to, kind)?;
        let unknown = || MapError::UnknownFlow {
            from: from.clone(),
            to: to.clone(),
            kind,
        };
        // Everything is looked up before anything changes, so a broken invariant (a flow in
        // the graph but not in the order) fails cleanly instead of removing the wrong flow.
        let position = self
            .flow_order
            .iter()
            .position(|&x| x == e)
            .ok_or_else(unknown)?;
        let (a, _) = self.graph.edge_endpoints(e).ok_or_else(unknown)?;
        let flow = self.graph.remove_edge(e).ok_or_else(unknown)?;
        self.flow_order.remove(position);
        self.normalize_decision(a);
        Ok((flow, position))
    }

    /// Sets one field of a flow; returns the old value.
    pub fn set_flow_field(
        &mut self,
        from: &StepId,
        to: &StepId,
        kind: FlowKind,
        field: FlowField,
    ) -> Result<FlowField, MapError> {
        let e = self.require_flow(from, to, kind)?;
        match field {
            FlowField::Label(v) => Ok(FlowField::Label(std::mem::replace(
                &mut self.graph[e].label,
                v,
            ))),
            FlowField::Probability(p) => {
                let (a, _) = self
                    .graph
                    .edge_endpoints(e)
                    .ok_or_else(|| MapError::UnknownFlow {
                        from: from.clone(),
                        to: to.clone(),
                        kind,
                    })?;
                if let Some(p) = p {
                    self.check_probability_allowed(a, kind)?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(MapError::ProbabilityOutOfRange(p));
                    }
                }
                let old = std::mem::replace(&mut self.graph[e].probability, p);
                if let Err(err) = self.check_decision(a) {
                    self.graph[e].probability = old;
                    return Err(err);
                }
                Ok(FlowField::Probability(old))
            }
        }
    }
}

/// What `Map::remove_step` took out, enough to put it back exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedStep {
    pub step: Step,
    pub position: usize,
    pub flows: Vec<(StepId, StepId, Flow)>,
}
