//! `Command`: one user edit of a map, as a value. Applying it goes through the model's
//! checked edit API; commands that move steps or change lanes end by fitting steps into
//! their lane bands, so bands and steps never disagree.

use crate::layout;
use crate::model::{
    Flow, FlowField, FlowKind, Fragment, Lane, LaneField, LaneId, Map, MapError, MapField, Step,
    StepField, StepId, Touchpoint,
};

/// One user edit.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    AddStep(Step),
    /// Removes steps and their flows.
    DeleteSteps(Vec<StepId>),
    /// Moves steps (canvas positions) and puts each in the given lane; lanes then grow or
    /// shift so every step sits inside its own lane band.
    MoveSteps(Vec<(StepId, [f32; 2], Option<LaneId>)>),
    SetStepField(StepId, StepField),
    /// The same field value on several steps (e.g. toggling touchpoints of a selection).
    SetStepFields(Vec<(StepId, StepField)>),
    Connect(StepId, StepId, Flow),
    Disconnect(StepId, StepId, FlowKind),
    SetFlowField(StepId, StepId, FlowKind, FlowField),
    /// Changes a flow's kind (work ⇄ information); it keeps its label.
    SetFlowKind(StepId, StepId, FlowKind, FlowKind),
    AddLane(Lane),
    SetLaneField(LaneId, LaneField),
    MoveLane(LaneId, usize),
    /// Removes a lane; its steps move to the given lane.
    RemoveLane(LaneId, Option<LaneId>),
    SetMapField(MapField),
    /// Adds steps (with fresh ids, see `Map::paste_fragment`) and the flows among them.
    Paste(Fragment),
    /// Auto-arrange every step.
    Arrange,
    /// Several commands as one undo step, with the label to show for it.
    Batch(&'static str, Vec<Command>),
}

impl Command {
    /// Adds the map's next lane ("Lane N" with a fresh id) at the bottom.
    pub fn add_lane(map: &Map) -> Self {
        Command::AddLane(map.next_lane())
    }

    /// Toggles "customer-facing" on steps (see `Map::toggled_touchpoint`); `None` when none of
    /// the ids is a step.
    pub fn toggle_customer_facing(map: &Map, ids: &[StepId]) -> Option<Self> {
        let t = map.toggled_touchpoint(ids)?;
        let fields = ids
            .iter()
            .filter(|id| map.contains_step(id))
            .map(|id| (id.clone(), StepField::Touchpoint(t)))
            .collect();
        Some(Command::SetStepFields(fields))
    }

    /// Marks `lanes` as the customer's (map-format-v2.md `customer`) and every step in them
    /// customer-facing, as one undo step; `None` when there is nothing to change.
    pub fn mark_customer_lanes(map: &Map, lanes: &[LaneId]) -> Option<Self> {
        let mut commands: Vec<Command> = lanes
            .iter()
            .filter(|l| map.lane(l).is_some_and(|lane| !lane.customer))
            .map(|l| Command::SetLaneField(l.clone(), LaneField::Customer(true)))
            .collect();
        let steps: Vec<(StepId, StepField)> = map
            .steps()
            .filter(|s| s.lane.as_ref().is_some_and(|l| lanes.contains(l)))
            .filter(|s| s.touchpoint != Touchpoint::Customer)
            .map(|s| (s.id.clone(), StepField::Touchpoint(Touchpoint::Customer)))
            .collect();
        if !steps.is_empty() {
            commands.push(Command::SetStepFields(steps));
        }
        (!commands.is_empty()).then_some(Command::Batch("Mark the customer", commands))
    }

    /// Connects each selected step to the next one, in selection order, as one undo step;
    /// `None` for fewer than two steps.
    pub fn connect_chain(ids: &[StepId], kind: FlowKind) -> Option<Self> {
        let chain: Vec<Command> = ids
            .windows(2)
            .map(|w| {
                Command::Connect(
                    w[0].clone(),
                    w[1].clone(),
                    Flow {
                        kind,
                        ..Flow::default()
                    },
                )
            })
            .collect();
        (!chain.is_empty()).then_some(Command::Batch("connect", chain))
    }

    /// A short name for the undo/redo menu.
    pub fn label(&self) -> &'static str {
        match self {
            Command::AddStep(_) => "add step",
            Command::DeleteSteps(_) => "delete",
            Command::MoveSteps(_) => "move",
            Command::SetStepField(_, f) => field_label(f),
            Command::SetStepFields(fields) => {
                fields.first().map_or("edit", |(_, f)| field_label(f))
            }
            Command::Connect(_, _, f) if f.kind == FlowKind::Information => "connect information",
            Command::Connect(..) => "connect",
            Command::Disconnect(..) => "delete flow",
            Command::SetFlowField(_, _, _, FlowField::Label(_)) => "flow label",
            Command::SetFlowField(_, _, _, FlowField::Probability(_)) => "probability",
            Command::SetFlowKind(..) => "flow kind",
            Command::AddLane(_) => "add lane",
            Command::SetLaneField(_, LaneField::Name(_)) => "rename lane",
            Command::SetLaneField(_, LaneField::Customer(_)) => "customer lane",
            Command::MoveLane(..) => "reorder lanes",
            Command::RemoveLane(..) => "delete lane",
            Command::SetMapField(MapField::Name(_)) => "map name",
            Command::SetMapField(MapField::Description(_)) => "description",
            Command::SetMapField(MapField::Score(..)) => "scorecard",
            Command::SetMapField(MapField::DerivedFrom(_)) => "derived from",
            Command::Paste(..) => "paste",
            Command::Arrange => "auto-arrange",
            Command::Batch(label, _) => label,
        }
    }

    /// Applies the command. On error the map may be partly changed: `Document::execute`
    /// restores it from its snapshot.
    pub(crate) fn apply(self, map: &mut Map) -> Result<(), MapError> {
        match self {
            Command::AddStep(step) => {
                map.add_step(step)?;
                fit(map, false)
            }
            Command::DeleteSteps(ids) => {
                for id in &ids {
                    map.remove_step(id)?;
                }
                Ok(())
            }
            Command::MoveSteps(moves) => {
                for (id, pos, lane) in moves {
                    if lane.is_some() || map.lanes().is_empty() {
                        map.set_step_field(&id, StepField::Lane(lane))?;
                    }
                    map.move_step(&id, pos)?;
                }
                fit(map, false)
            }
            Command::SetStepField(id, field) => {
                let relayout = matches!(field, StepField::Lane(_));
                map.set_step_field(&id, field)?;
                if relayout { fit(map, false) } else { Ok(()) }
            }
            Command::SetStepFields(fields) => {
                let relayout = fields.iter().any(|(_, f)| matches!(f, StepField::Lane(_)));
                for (id, field) in fields {
                    map.set_step_field(&id, field)?;
                }
                if relayout { fit(map, false) } else { Ok(()) }
            }
            Command::Connect(from, to, flow) => map.connect(&from, &to, flow).map(|_| ()),
            Command::Disconnect(from, to, kind) => map.disconnect(&from, &to, kind).map(|_| ()),
            Command::SetFlowField(from, to, kind, field) => {
                map.set_flow_field(&from, &to, kind, field).map(|_| ())
            }
            Command::SetFlowKind(from, to, old, new) => {
                if old == new {
                    return Ok(());
                }
                let (flow, _) = map.disconnect(&from, &to, old)?;
                let flow = Flow {
                    kind: new,
                    probability: None,
                    label: flow.label,
                };
                map.connect(&from, &to, flow).map(|_| ())
            }
            Command::AddLane(lane) => {
                map.add_lane(lane)?;
                fit(map, true)
            }
            Command::SetLaneField(id, field) => map.set_lane_field(&id, field).map(|_| ()),
            Command::MoveLane(id, to) => {
                map.move_lane(&id, to)?;
                fit(map, true)
            }
            Command::RemoveLane(id, target) => {
                map.remove_lane(&id, target.as_ref())?;
                fit(map, true)
            }
            Command::SetMapField(field) => {
                map.set_map_field(field);
                Ok(())
            }
            Command::Paste(fragment) => {
                for step in fragment.steps {
                    map.add_step(step)?;
                }
                for (from, to, flow) in fragment.flows {
                    map.connect_unchecked_sum(&from, &to, flow)?;
                }
                map.check_decisions()?;
                fit(map, false)
            }
            Command::Arrange => {
                for (id, pos) in layout::arrange(map) {
                    map.move_step(&id, pos)?;
                }
                Ok(())
            }
            Command::Batch(_, commands) => commands.into_iter().try_for_each(|c| c.apply(map)),
        }
    }
}

fn field_label(f: &StepField) -> &'static str {
    match f {
        StepField::Name(_) => "rename",
        StepField::Lane(_) => "lane",
        StepField::Kind(_) => "kind",
        StepField::Touchpoint(_) => "customer-facing",
        StepField::WorkMins(_) => "work time",
        StepField::WaitMins(_) => "wait time",
        StepField::Value(_) => "value",
        StepField::Benefit(_) => "benefit",
        StepField::System(_) => "system",
        StepField::Notes(_) => "notes",
        StepField::Pos(_) => "move",
        StepField::Review(_) => "challenge",
    }
}

/// Puts every step inside its lane band (see `layout::fit_steps_to_lanes`).
fn fit(map: &mut Map, compact: bool) -> Result<(), MapError> {
    for (id, pos) in layout::fit_steps_to_lanes(map, compact) {
        map.move_step(&id, pos)?;
    }
    Ok(())
}
