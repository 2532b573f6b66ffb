//! Editing rules an editor needs beyond single checked edits: map and lane fields with their
//! old values, copy and paste of a fragment (fresh ids, decisions kept valid), a decision's
//! probability remainder, the next lane, and the customer-facing toggle of a selection.

use super::*;
use std::collections::{HashMap, HashSet};

/// One field of the map itself, with its new (or, when returned, old) value. Open for more
/// map-level fields (e.g. a scorecard) without a new command.
#[derive(Debug, Clone, PartialEq)]
pub enum MapField {
    Name(String),
    Description(String),
    /// One scorecard parameter's entry (format v2).
    Score(ScoreParam, ScoreEntry),
    /// Where a to-be came from (format v2).
    DerivedFrom(Option<DerivedFrom>),
}

/// One field of a lane, with its new (or, when returned, old) value. Open for more lane-level
/// fields (e.g. a customer-lane flag) without a new command.
#[derive(Debug, Clone, PartialEq)]
pub enum LaneField {
    Name(String),
    /// Whether the lane holds what the customer does (format v2).
    Customer(bool),
}

/// Steps and the flows among them, taken out of a map (copy) to be put into one (paste).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fragment {
    pub steps: Vec<Step>,
    pub flows: Vec<(StepId, StepId, Flow)>,
}

impl Fragment {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// How a decision's probability is shared among its work branches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecisionShares {
    /// Sum of the probabilities given explicitly.
    pub explicit: f64,
    /// Branches without an explicit probability.
    pub unspecified: usize,
    /// What the unspecified branches get together (0 when there are none).
    pub remainder: f64,
}

impl Map {
    /// Sets one field of the map; returns its old value.
    pub fn set_map_field(&mut self, field: MapField) -> MapField {
        match field {
            MapField::Name(v) => MapField::Name(std::mem::replace(&mut self.name, v)),
            MapField::Description(v) => {
                MapField::Description(std::mem::replace(&mut self.description, v))
            }
            MapField::Score(p, v) => {
                MapField::Score(p, std::mem::replace(self.scorecard.get_mut(p), v))
            }
            MapField::DerivedFrom(v) => {
                MapField::DerivedFrom(std::mem::replace(&mut self.derived_from, v))
            }
        }
    }

    /// Sets one field of a lane; returns its old value.
    pub fn set_lane_field(&mut self, id: &LaneId, field: LaneField) -> Result<LaneField, MapError> {
        match field {
            LaneField::Name(v) => self.rename_lane(id, v).map(LaneField::Name),
            LaneField::Customer(v) => {
                let lane = self
                    .lanes
                    .iter_mut()
                    .find(|l| &l.id == id)
                    .ok_or_else(|| MapError::UnknownLane(id.clone()))?;
                Ok(LaneField::Customer(std::mem::replace(
                    &mut lane.customer,
                    v,
                )))
            }
        }
    }

    /// A new lane for the bottom of the map: an unused id and the name "Lane N".
    pub fn next_lane(&self) -> Lane {
        Lane::new(
            self.fresh_lane_id(),
            format!("Lane {}", self.lanes().len() + 1),
        )
    }

    /// The map a "New" command opens: a name and one lane to draw in.
    pub fn untitled() -> Self {
        let mut map = Map::new("Untitled map");
        let lane = map.next_lane();
        // The first lane of an empty map: its id is fresh and not empty, so this cannot fail.
        let _ = map.add_lane(lane);
        map
    }

    /// The touchpoint that toggling "customer-facing" on these steps sets: customer-facing
    /// if any of them is internal, else internal. `None` when none of the ids is a step.
    pub fn toggled_touchpoint(&self, ids: &[StepId]) -> Option<Touchpoint> {
        let mut steps = ids.iter().filter_map(|id| self.step(id)).peekable();
        steps.peek()?;
        Some(if steps.any(|s| s.touchpoint == Touchpoint::Internal) {
            Touchpoint::Customer
        } else {
            Touchpoint::Internal
        })
    }

    /// The probability shares of a decision's work branches (see `effective_probabilities`);
    /// `None` for a step that is not a decision.
    pub fn decision_shares(&self, id: &StepId) -> Option<DecisionShares> {
        let i = self.index_of(id)?;
        if self.step_at(i)?.kind != StepKind::Decision {
            return None;
        }
        let branches: Vec<(EdgeIndex, Option<f64>)> = self
            .outgoing_work(i)
            .map(|(e, _, f)| (e, f.probability))
            .collect();
        let unspecified: HashSet<EdgeIndex> = branches
            .iter()
            .filter(|(_, p)| p.is_none())
            .map(|(e, _)| *e)
            .collect();
        let explicit = branches.iter().filter_map(|(_, p)| *p).sum();
        let remainder = effective_probabilities(&branches)
            .into_iter()
            .filter(|(e, _)| unspecified.contains(e))
            .map(|(_, p)| p)
            .sum();
        Some(DecisionShares {
            explicit,
            unspecified: unspecified.len(),
            remainder,
        })
    }

    /// The given steps (in map order) and the flows among them.
    pub fn extract(&self, ids: &[StepId]) -> Fragment {
        let ids: HashSet<&StepId> = ids.iter().collect();
        Fragment {
            steps: self
                .steps()
                .filter(|s| ids.contains(&s.id))
                .cloned()
                .collect(),
            flows: self
                .flows()
                .filter(|f| ids.contains(f.from) && ids.contains(f.to))
                .map(|f| (f.from.clone(), f.to.clone(), f.flow.clone()))
                .collect(),
        }
    }

    /// A fragment made ready to be added to this map: fresh ids (`stem-N`, the stem being the
    /// copied id without its trailing number), positions moved by `offset`, steps whose lane
    /// this map lacks put in its first lane, and a decision copied without all its branches
    /// letting the copied ones share equally (so the probabilities still sum to 1).
    pub fn paste_fragment(&self, fragment: &Fragment, offset: [f32; 2]) -> Fragment {
        let mut taken: HashSet<StepId> = HashSet::new();
        let mut renamed: HashMap<&StepId, StepId> = HashMap::new();
        let mut steps = Vec::with_capacity(fragment.steps.len());
        for s in &fragment.steps {
            let stem =
                s.id.as_str()
                    .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
            let id = self.fresh_id_avoiding(stem, &taken);
            taken.insert(id.clone());
            renamed.insert(&s.id, id.clone());
            let mut step = s.clone();
            step.id = id;
            step.pos = s.pos.map(|[x, y]| [x + offset[0], y + offset[1]]);
            if step.lane.as_ref().is_none_or(|l| self.lane(l).is_none()) {
                step.lane = self.lanes().first().map(|l| l.id.clone());
            }
            steps.push(step);
        }
        let mut flows: Vec<(StepId, StepId, Flow)> = fragment
            .flows
            .iter()
            .filter_map(|(a, b, f)| {
                Some((renamed.get(a)?.clone(), renamed.get(b)?.clone(), f.clone()))
            })
            .collect();
        for d in steps.iter().filter(|s| s.kind == StepKind::Decision) {
            let branch =
                |(a, _, f): &&(StepId, StepId, Flow)| a == &d.id && f.kind == FlowKind::Work;
            let all_explicit = flows
                .iter()
                .filter(branch)
                .all(|(_, _, f)| f.probability.is_some());
            let sum: f64 = flows
                .iter()
                .filter(branch)
                .filter_map(|(_, _, f)| f.probability)
                .sum();
            if all_explicit && (sum - 1.0).abs() > PROBABILITY_TOLERANCE {
                for (a, _, f) in flows.iter_mut() {
                    if a == &d.id && f.kind == FlowKind::Work {
                        f.probability = None;
                    }
                }
            }
        }
        Fragment { steps, flows }
    }

    /// A step id `stem-N` used neither in this map nor in `taken`.
    fn fresh_id_avoiding(&self, stem: &str, taken: &HashSet<StepId>) -> StepId {
        let stem = if stem.is_empty() { "step" } else { stem };
        (1..)
            .map(|n| StepId::new(format!("{stem}-{n}")))
            .find(|id| !self.contains_step(id) && !taken.contains(id))
            .unwrap_or_else(|| StepId::new(stem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(id: &str) -> Lane {
        Lane::new(id, id.to_uppercase())
    }

    /// a: start → decide → (x 30%, y 70%); y —info→ x.
    fn sample() -> Map {
        let mut m = Map::new("m");
        m.add_lane(lane("a")).unwrap();
        m.add_lane(lane("b")).unwrap();
        m.add_step(Step::new("start-1", "Start", StepKind::Start).in_lane("a"))
            .unwrap();
        m.add_step(Step::new("d", "Decide", StepKind::Decision).in_lane("a"))
            .unwrap();
        m.add_step(Step::new("x", "X", StepKind::Activity).in_lane("b"))
            .unwrap();
        m.add_step(Step::new("y", "Y", StepKind::Activity).in_lane("b"))
            .unwrap();
        m.connect(&"start-1".into(), &"d".into(), Flow::work())
            .unwrap();
        m.connect(&"d".into(), &"x".into(), Flow::work()).unwrap();
        m.connect(&"d".into(), &"y".into(), Flow::work().with_probability(0.7))
            .unwrap();
        m.set_flow_field(
            &"d".into(),
            &"x".into(),
            FlowKind::Work,
            FlowField::Probability(Some(0.3)),
        )
        .unwrap();
        m.connect(&"y".into(), &"x".into(), Flow::information())
            .unwrap();
        m
    }

    fn ids(v: &[&str]) -> Vec<StepId> {
        v.iter().map(|s| StepId::new(*s)).collect()
    }

    #[test]
    fn map_and_lane_fields_return_their_old_values() {
        let mut m = sample();
        assert_eq!(
            m.set_map_field(MapField::Name("n".into())),
            MapField::Name("m".into())
        );
        assert_eq!(m.name, "n");
        m.set_map_field(MapField::Description("why".into()));
        assert_eq!(m.description, "why");
        assert_eq!(
            m.set_lane_field(&"b".into(), LaneField::Name("Back".into())),
            Ok(LaneField::Name("B".into()))
        );
        assert_eq!(m.lane(&"b".into()).unwrap().name, "Back");
        assert_eq!(
            m.set_lane_field(&"zz".into(), LaneField::Name("?".into())),
            Err(MapError::UnknownLane("zz".into()))
        );
    }

    #[test]
    fn next_lane_has_an_unused_id_and_a_numbered_name() {
        let mut m = Map::new("m");
        m.add_lane(lane("lane-1")).unwrap();
        let l = m.next_lane();
        assert_eq!(l.id, LaneId::new("lane-2"));
        assert_eq!(l.name, "Lane 2");
        m.add_lane(l).unwrap();
        assert!(m.add_lane(m.next_lane()).is_ok());
        let u = Map::untitled();
        assert_eq!(u.name, "Untitled map");
        assert_eq!(u.lanes(), &[Lane::new("lane-1", "Lane 1")]);
    }

    #[test]
    fn toggling_customer_facing_makes_all_customer_facing_unless_all_already_are() {
        let mut m = sample();
        assert_eq!(
            m.toggled_touchpoint(&ids(&["x", "y"])),
            Some(Touchpoint::Customer)
        );
        m.set_step_field(&"x".into(), StepField::Touchpoint(Touchpoint::Customer))
            .unwrap();
        assert_eq!(
            m.toggled_touchpoint(&ids(&["x", "y"])),
            Some(Touchpoint::Customer)
        );
        m.set_step_field(&"y".into(), StepField::Touchpoint(Touchpoint::Customer))
            .unwrap();
        assert_eq!(
            m.toggled_touchpoint(&ids(&["x", "y"])),
            Some(Touchpoint::Internal)
        );
        assert_eq!(m.toggled_touchpoint(&ids(&["gone"])), None);
        assert_eq!(m.toggled_touchpoint(&[]), None);
    }

    #[test]
    fn decision_shares_say_what_the_open_branches_get() {
        let mut m = sample();
        let all_set = m.decision_shares(&"d".into()).unwrap();
        assert_eq!(all_set.unspecified, 0);
        assert!((all_set.explicit - 1.0).abs() < 1e-12);
        assert_eq!(all_set.remainder, 0.0);
        m.set_flow_field(
            &"d".into(),
            &"x".into(),
            FlowKind::Work,
            FlowField::Probability(None),
        )
        .unwrap();
        let open = m.decision_shares(&"d".into()).unwrap();
        assert_eq!(open.unspecified, 1);
        assert!((open.remainder - 0.3).abs() < 1e-12);
        assert_eq!(m.decision_shares(&"x".into()), None);
        assert_eq!(m.decision_shares(&"nope".into()), None);
    }

    #[test]
    fn extract_takes_the_steps_in_map_order_and_only_the_flows_among_them() {
        let m = sample();
        let f = m.extract(&ids(&["y", "d"]));
        let got: Vec<&str> = f.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, ["d", "y"]);
        assert_eq!(f.flows.len(), 1);
        assert_eq!((f.flows[0].0.as_str(), f.flows[0].1.as_str()), ("d", "y"));
    }

    #[test]
    fn pasting_gives_fresh_ids_moves_the_copy_and_keeps_the_map_valid() {
        let mut m = sample();
        let copied = m.extract(&ids(&["start-1", "d", "y"]));
        let p = m.paste_fragment(&copied, [30.0, 30.0]);
        let got: Vec<&str> = p.steps.iter().map(|s| s.id.as_str()).collect();
        // "start-1" is taken, so its copy is start-2; "d" and "y" become d-1 and y-1.
        assert_eq!(got, ["start-2", "d-1", "y-1"]);
        // d's branch to y (70%) came without its 30% sibling: it now shares the rest.
        let branch = p
            .flows
            .iter()
            .find(|(a, b, _)| a.as_str() == "d-1" && b.as_str() == "y-1");
        assert_eq!(branch.unwrap().2.probability, None);
        for s in p.steps {
            m.add_step(s).unwrap();
        }
        for (a, b, f) in p.flows {
            m.connect(&a, &b, f).unwrap();
        }
        m.check_decisions().unwrap();
        assert_eq!(m.step_count(), 7);
    }

    #[test]
    fn pasting_a_whole_decision_keeps_its_probabilities_and_moves_positions() {
        let mut m = sample();
        m.move_step(&"x".into(), [10.0, 20.0]).unwrap();
        let copied = m.extract(&ids(&["d", "x", "y"]));
        let p = m.paste_fragment(&copied, [5.0, -5.0]);
        let ps: Vec<Option<f64>> = p
            .flows
            .iter()
            .filter(|(_, _, f)| f.kind == FlowKind::Work)
            .map(|(_, _, f)| f.probability)
            .collect();
        assert_eq!(ps, [Some(0.3), Some(0.7)]);
        assert_eq!(p.steps[1].pos, Some([15.0, 15.0]));
        assert_eq!(p.steps[0].pos, None);
    }

    #[test]
    fn pasting_into_a_map_without_the_lane_uses_its_first_lane() {
        let m = sample();
        let copied = m.extract(&ids(&["x"]));
        let mut other = Map::new("o");
        other.add_lane(lane("only")).unwrap();
        let p = other.paste_fragment(&copied, [0.0, 0.0]);
        assert_eq!(p.steps[0].lane, Some("only".into()));
        assert_eq!(p.steps[0].id, StepId::new("x-1"));
    }
}
