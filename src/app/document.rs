//! The open document: the map, its file, and undo/redo. Every edit is a `Command` applied
//! here in one place; undo keeps whole-map snapshots, so it is exact whatever the command did
//! (including the model's own side effects such as rescaled probabilities).

use crate::layout;
use crate::model::{
    Flow, FlowField, FlowKind, Lane, LaneId, Map, MapError, Step, StepField, StepId,
};
use std::path::PathBuf;

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
    RenameLane(LaneId, String),
    MoveLane(LaneId, usize),
    /// Removes a lane; its steps move to the given lane.
    RemoveLane(LaneId, Option<LaneId>),
    SetName(String),
    SetDescription(String),
    /// Adds steps (with fresh ids) and the flows among them.
    Paste(Vec<Step>, Vec<(StepId, StepId, Flow)>),
    /// Auto-arrange every step.
    Arrange,
    /// Several commands as one undo step, with the label to show for it.
    Batch(&'static str, Vec<Command>),
}

impl Command {
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
            Command::RenameLane(..) => "rename lane",
            Command::MoveLane(..) => "reorder lanes",
            Command::RemoveLane(..) => "delete lane",
            Command::SetName(_) => "map name",
            Command::SetDescription(_) => "description",
            Command::Paste(..) => "paste",
            Command::Arrange => "auto-arrange",
            Command::Batch(label, _) => label,
        }
    }

    /// Applies the command. On error the map may be partly changed: `Document::execute`
    /// restores it from its snapshot.
    pub fn apply(self, map: &mut Map) -> Result<(), MapError> {
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
            Command::RenameLane(id, name) => map.rename_lane(&id, name).map(|_| ()),
            Command::MoveLane(id, to) => {
                map.move_lane(&id, to)?;
                fit(map, true)
            }
            Command::RemoveLane(id, target) => {
                map.remove_lane(&id, target.as_ref())?;
                fit(map, true)
            }
            Command::SetName(name) => {
                map.name = name;
                Ok(())
            }
            Command::SetDescription(text) => {
                map.description = text;
                Ok(())
            }
            Command::Paste(steps, flows) => {
                for step in steps {
                    map.add_step(step)?;
                }
                for (from, to, flow) in flows {
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
    }
}

/// Puts every step inside its lane band (see `layout::fit_steps_to_lanes`).
fn fit(map: &mut Map, compact: bool) -> Result<(), MapError> {
    for (id, pos) in layout::fit_steps_to_lanes(map, compact) {
        map.move_step(&id, pos)?;
    }
    Ok(())
}

/// A map as it was before an edit, with the edit's name.
#[derive(Debug, Clone)]
struct Snapshot {
    label: &'static str,
    map: Map,
    /// Which state of the document this map was (for the unsaved-changes marker).
    state: u64,
}

/// How many undo steps are kept at most; fewer for very large maps (see `undo_limit`).
const MAX_UNDO: usize = 200;

/// The open map and everything about it that is not view state.
#[derive(Debug, Clone)]
pub struct Document {
    pub map: Map,
    /// Where it was loaded from or last saved to.
    pub path: Option<PathBuf>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    /// Increases with every change of the map (edit, undo, redo).
    revision: u64,
    /// Identifies the current state: a new edit makes a new state, undo and redo go back
    /// to earlier ones, so undoing to the saved state clears the unsaved marker.
    state: u64,
    next_state: u64,
    saved_state: u64,
}

impl Document {
    pub fn new(map: Map, path: Option<PathBuf>) -> Self {
        Self {
            map,
            path,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: 0,
            state: 0,
            next_state: 1,
            saved_state: 0,
        }
    }

    /// A document that starts unsaved (e.g. restored from a recovery copy).
    pub fn new_dirty(map: Map, path: Option<PathBuf>) -> Self {
        let mut d = Self::new(map, path);
        d.saved_state = u64::MAX;
        d
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the map differs from the file (or was never saved).
    pub fn is_dirty(&self) -> bool {
        self.state != self.saved_state
    }

    pub fn mark_saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.saved_state = self.state;
    }

    /// Applies a command as one undo step. On error the map is unchanged.
    pub fn execute(&mut self, command: Command) -> Result<(), MapError> {
        let label = command.label();
        let before = self.map.clone();
        match command.apply(&mut self.map) {
            Ok(()) => {
                if self.map == before {
                    return Ok(());
                }
                self.undo.push(Snapshot {
                    label,
                    map: before,
                    state: self.state,
                });
                self.state = self.next_state;
                self.next_state += 1;
                let limit = undo_limit(self.map.step_count());
                if self.undo.len() > limit {
                    let excess = self.undo.len() - limit;
                    self.undo.drain(..excess);
                }
                self.redo.clear();
                self.revision += 1;
                Ok(())
            }
            Err(e) => {
                self.map = before;
                Err(e)
            }
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The name of the edit undo would take back.
    pub fn undo_label(&self) -> Option<&'static str> {
        self.undo.last().map(|s| s.label)
    }

    pub fn redo_label(&self) -> Option<&'static str> {
        self.redo.last().map(|s| s.label)
    }

    pub fn undo(&mut self) -> bool {
        self.travel(true)
    }

    pub fn redo(&mut self) -> bool {
        self.travel(false)
    }

    /// Moves one step back (undo) or forward (redo) through the history: the map becomes the
    /// snapshot's, and the current map goes onto the other stack.
    fn travel(&mut self, back: bool) -> bool {
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some(s) = from.pop() else {
            return false;
        };
        let current = std::mem::replace(&mut self.map, s.map);
        to.push(Snapshot {
            label: s.label,
            map: current,
            state: std::mem::replace(&mut self.state, s.state),
        });
        self.revision += 1;
        true
    }
}

/// Snapshots cost about a few hundred bytes per step: keep the history under ~250 MB.
fn undo_limit(steps: usize) -> usize {
    (250_000_000 / (steps.max(1) * 600)).clamp(10, MAX_UNDO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StepKind, Value};

    fn doc() -> Document {
        let mut m = Map::new("m");
        m.add_lane(Lane {
            id: "a".into(),
            name: "A".into(),
        })
        .unwrap();
        Document::new(m, None)
    }

    fn step(id: &str) -> Step {
        let mut s = Step::new(id, id, StepKind::Activity).in_lane("a");
        s.pos = Some([100.0, 70.0]);
        s
    }

    #[test]
    fn undo_and_redo_restore_exact_maps() {
        let mut d = doc();
        let empty = d.map.clone();
        d.execute(Command::AddStep(step("x"))).unwrap();
        d.execute(Command::AddStep(step("y"))).unwrap();
        d.execute(Command::Connect("x".into(), "y".into(), Flow::work()))
            .unwrap();
        d.execute(Command::SetStepField(
            "y".into(),
            StepField::Value(Value::None),
        ))
        .unwrap();
        let full = d.map.clone();
        assert!(d.is_dirty());
        while d.undo() {}
        assert_eq!(d.map, empty);
        while d.redo() {}
        assert_eq!(d.map, full);
        assert_eq!(d.undo_label(), Some("value"));
    }

    #[test]
    fn a_failed_command_changes_nothing_and_is_not_recorded() {
        let mut d = doc();
        d.execute(Command::AddStep(step("x"))).unwrap();
        let before = d.map.clone();
        let r = d.execute(Command::Paste(vec![step("p"), step("x")], vec![]));
        assert!(matches!(r, Err(MapError::DuplicateStep(_))));
        assert_eq!(d.map, before);
        assert_eq!(d.undo_label(), Some("add step"));
    }

    #[test]
    fn saving_clears_dirty_and_no_op_edits_are_not_recorded() {
        let mut d = doc();
        d.execute(Command::AddStep(step("x"))).unwrap();
        d.mark_saved(PathBuf::from("x.vfmap.json"));
        assert!(!d.is_dirty());
        d.execute(Command::SetStepField(
            "x".into(),
            StepField::Name("x".into()),
        ))
        .unwrap();
        assert!(!d.is_dirty());
        d.execute(Command::SetStepField(
            "x".into(),
            StepField::Name("X".into()),
        ))
        .unwrap();
        assert!(d.is_dirty());
        d.undo();
        assert!(!d.is_dirty());
    }
}
