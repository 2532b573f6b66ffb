//! The document without a window: execute, undo, redo, revision, saved state, atomic
//! failure, and undo → redo identity over random edit sequences.

use super::*;
use crate::model::{
    Flow, FlowKind, Fragment, Lane, LaneField, MapField, Step, StepField, StepId, StepKind,
    Touchpoint, Value,
};
use proptest::prelude::*;

fn doc() -> Document {
    let mut m = Map::new("m");
    m.add_lane(Lane::new("a", "A")).unwrap();
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
    let empty = d.map().clone();
    d.execute(Command::AddStep(step("x"))).unwrap();
    d.execute(Command::AddStep(step("y"))).unwrap();
    d.execute(Command::Connect("x".into(), "y".into(), Flow::work()))
        .unwrap();
    d.execute(Command::SetStepField(
        "y".into(),
        StepField::Value(Value::None),
    ))
    .unwrap();
    let full = d.map().clone();
    assert!(d.is_dirty());
    while d.undo() {}
    assert_eq!(d.map(), &empty);
    assert!(!d.can_undo());
    assert_eq!(d.redo_label(), Some("add step"));
    while d.redo() {}
    assert_eq!(d.map(), &full);
    assert!(!d.can_redo());
    assert_eq!(d.undo_label(), Some("value"));
}

#[test]
fn the_revision_counts_every_change_and_nothing_else() {
    let mut d = doc();
    let r = d.revision();
    d.execute(Command::AddStep(step("x"))).unwrap();
    assert_eq!(d.revision(), r + 1);
    // Refused and no-op commands are not changes.
    assert!(d.execute(Command::AddStep(step("x"))).is_err());
    d.execute(Command::SetStepField(
        "x".into(),
        StepField::Name("x".into()),
    ))
    .unwrap();
    assert_eq!(d.revision(), r + 1);
    assert!(d.undo());
    assert_eq!(d.revision(), r + 2);
    assert!(!d.undo());
    assert_eq!(d.revision(), r + 2);
    assert!(d.redo());
    assert_eq!(d.revision(), r + 3);
    assert!(!d.redo());
    assert_eq!(d.revision(), r + 3);
    // Another document never shares a revision with this one.
    let other = doc();
    assert!(other.revision() > d.revision() || other.revision() + (1 << 31) < r);
    assert_ne!(other.revision() >> 32, r >> 32);
}

#[test]
fn a_failed_command_changes_nothing_and_is_not_recorded() {
    let mut d = doc();
    d.execute(Command::AddStep(step("x"))).unwrap();
    let before = d.map().clone();
    let r = d.execute(Command::Paste(Fragment {
        steps: vec![step("p"), step("x")],
        flows: vec![],
    }));
    assert!(matches!(r, Err(MapError::DuplicateStep(_))));
    assert_eq!(d.map(), &before);
    assert_eq!(d.undo_label(), Some("add step"));
}

#[test]
fn a_batch_is_all_or_nothing_and_one_undo_step() {
    let mut d = doc();
    d.execute(Command::AddStep(step("x"))).unwrap();
    d.execute(Command::AddStep(step("y"))).unwrap();
    let before = d.map().clone();
    let bad = Command::Batch(
        "connect",
        vec![
            Command::Connect("x".into(), "y".into(), Flow::work()),
            Command::Connect("y".into(), "nowhere".into(), Flow::work()),
        ],
    );
    assert_eq!(d.execute(bad), Err(MapError::UnknownStep("nowhere".into())));
    assert_eq!(d.map(), &before);
    assert_eq!(d.map().flow_count(), 0);
    let chain = Command::connect_chain(&["x".into(), "y".into()], FlowKind::Work).unwrap();
    d.execute(chain).unwrap();
    assert_eq!(d.undo_label(), Some("connect"));
    d.undo();
    assert_eq!(d.map(), &before);
    assert_eq!(Command::connect_chain(&["x".into()], FlowKind::Work), None);
}

#[test]
fn saving_clears_dirty_and_undoing_back_to_it_is_clean_again() {
    let mut d = doc();
    assert!(!d.is_dirty());
    d.execute(Command::AddStep(step("x"))).unwrap();
    d.mark_saved(PathBuf::from("x.vfmap.json"));
    assert_eq!(d.path(), Some(Path::new("x.vfmap.json")));
    assert!(!d.is_dirty());
    d.execute(Command::SetStepField(
        "x".into(),
        StepField::Name("X".into()),
    ))
    .unwrap();
    assert!(d.is_dirty());
    d.undo();
    assert!(!d.is_dirty());
    d.undo();
    assert!(d.is_dirty(), "before the saved state");
    d.redo();
    assert!(!d.is_dirty());
    // A new edit after undo forks the history: the saved state cannot come back by redo.
    d.execute(Command::SetStepField(
        "x".into(),
        StepField::Name("Z".into()),
    ))
    .unwrap();
    assert!(d.is_dirty());
    assert!(!d.can_redo());
}

#[test]
fn a_dirty_document_stays_dirty_until_saved() {
    let mut d = Document::new_dirty(doc().map().clone(), None);
    assert!(d.is_dirty());
    d.execute(Command::AddStep(step("x"))).unwrap();
    d.undo();
    assert!(d.is_dirty());
    d.mark_saved(PathBuf::from("m.vfmap.json"));
    assert!(!d.is_dirty());
}

#[test]
fn opening_a_map_with_unplaced_steps_arranges_them_without_an_undo_step() {
    let mut m = doc().map().clone();
    m.add_step(Step::new("u", "U", StepKind::Activity).in_lane("a"))
        .unwrap();
    m.add_step(Step::new("v", "V", StepKind::Activity).in_lane("a"))
        .unwrap();
    let d = Document::new(m, None);
    assert!(d.map().steps().all(|s| s.pos.is_some()));
    assert!(!d.is_dirty());
    assert!(!d.can_undo());
    // A placed map opens exactly as it is.
    let placed = d.map().clone();
    assert_eq!(Document::new(placed.clone(), None).map(), &placed);
}

#[test]
fn map_and_lane_fields_are_commands_with_undo() {
    let mut d = doc();
    d.execute(Command::SetMapField(MapField::Name("Order to cash".into())))
        .unwrap();
    d.execute(Command::SetMapField(MapField::Description("as-is".into())))
        .unwrap();
    d.execute(Command::SetLaneField(
        "a".into(),
        LaneField::Name("Sales".into()),
    ))
    .unwrap();
    assert_eq!(d.map().name, "Order to cash");
    assert_eq!(d.map().description, "as-is");
    assert_eq!(d.map().lanes()[0].name, "Sales");
    assert_eq!(d.undo_label(), Some("rename lane"));
    d.undo();
    assert_eq!(d.map().lanes()[0].name, "A");
    assert_eq!(d.undo_label(), Some("description"));
    d.undo();
    assert_eq!(d.undo_label(), Some("map name"));
    d.undo();
    assert_eq!(d.map().name, "m");
    assert!(
        d.execute(Command::SetLaneField(
            "zz".into(),
            LaneField::Name("?".into())
        ))
        .is_err()
    );
}

#[test]
fn add_lane_and_toggle_customer_facing_build_the_right_commands() {
    let mut d = doc();
    d.execute(Command::add_lane(d.map())).unwrap();
    assert_eq!(d.map().lanes()[1].name, "Lane 2");
    d.execute(Command::AddStep(step("x"))).unwrap();
    d.execute(Command::AddStep(step("y"))).unwrap();
    let ids: Vec<StepId> = vec!["x".into(), "y".into(), "gone".into()];
    let c = Command::toggle_customer_facing(d.map(), &ids).unwrap();
    assert_eq!(c.label(), "customer-facing");
    d.execute(c).unwrap();
    assert!(
        d.map()
            .steps()
            .all(|s| s.touchpoint == Touchpoint::Customer)
    );
    d.execute(Command::toggle_customer_facing(d.map(), &ids).unwrap())
        .unwrap();
    assert!(
        d.map()
            .steps()
            .all(|s| s.touchpoint == Touchpoint::Internal)
    );
    assert_eq!(Command::toggle_customer_facing(d.map(), &[]), None);
}

#[test]
fn the_undo_history_is_bounded_for_large_maps() {
    assert_eq!(undo_limit(10), MAX_UNDO);
    assert_eq!(undo_limit(1_000_000), 10);
    let mut d = doc();
    d.execute(Command::AddStep(step("x"))).unwrap();
    for k in 0..(MAX_UNDO + 20) {
        d.execute(Command::SetStepField(
            "x".into(),
            StepField::Name(format!("n{k}")),
        ))
        .unwrap();
    }
    let mut undone = 0;
    while d.undo() {
        undone += 1;
    }
    assert_eq!(undone, MAX_UNDO);
}

/// A small edit language for the property test: indices pick among existing ids.
#[derive(Debug, Clone)]
enum Op {
    Add,
    Delete(usize),
    Connect(usize, usize, bool),
    Wait(usize, u16),
    Decide(usize),
    Lane,
    Move(usize, i16, i16),
    Undo,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Add),
        1 => any::<usize>().prop_map(Op::Delete),
        3 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(a, b, i)| Op::Connect(a, b, i)),
        1 => (any::<usize>(), any::<u16>()).prop_map(|(a, w)| Op::Wait(a, w)),
        1 => any::<usize>().prop_map(Op::Decide),
        1 => Just(Op::Lane),
        1 => (any::<usize>(), any::<i16>(), any::<i16>()).prop_map(|(a, x, y)| Op::Move(a, x, y)),
        1 => Just(Op::Undo),
    ]
}

fn pick(map: &Map, k: usize) -> Option<StepId> {
    let n = map.step_count();
    (n > 0)
        .then(|| map.steps().nth(k % n).map(|s| s.id.clone()))
        .flatten()
}

fn command(map: &Map, op: &Op) -> Option<Command> {
    Some(match op {
        Op::Add => {
            let mut s = Step::new(map.fresh_step_id("s"), "S", StepKind::Activity);
            s.lane = map.lanes().last().map(|l| l.id.clone());
            s.pos = Some([100.0, 70.0]);
            Command::AddStep(s)
        }
        Op::Delete(a) => Command::DeleteSteps(vec![pick(map, *a)?]),
        Op::Connect(a, b, info) => {
            let kind = if *info {
                FlowKind::Information
            } else {
                FlowKind::Work
            };
            Command::Connect(
                pick(map, *a)?,
                pick(map, *b)?,
                Flow {
                    kind,
                    ..Flow::default()
                },
            )
        }
        Op::Wait(a, w) => Command::SetStepField(pick(map, *a)?, StepField::WaitMins(f64::from(*w))),
        Op::Decide(a) => Command::SetStepField(pick(map, *a)?, StepField::Kind(StepKind::Decision)),
        Op::Lane => Command::add_lane(map),
        Op::Move(a, x, y) => {
            let lane = map.lanes().first().map(|l| l.id.clone());
            Command::MoveSteps(vec![(pick(map, *a)?, [f32::from(*x), f32::from(*y)], lane)])
        }
        Op::Undo => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Undoing everything walks back through exactly the maps seen, redoing everything
    /// comes back to the last one, and the revision rose by one per change.
    #[test]
    fn undo_then_redo_is_the_identity(ops in prop::collection::vec(op(), 1..40)) {
        let mut d = doc();
        for o in &ops {
            match command(d.map(), o) {
                Some(c) => {
                    let before = d.map().clone();
                    if d.execute(c).is_err() {
                        prop_assert_eq!(d.map(), &before);
                    }
                }
                None => {
                    d.undo();
                }
            }
        }
        let last = d.map().clone();
        let mut seen = vec![last.clone()];
        while d.undo() {
            seen.push(d.map().clone());
        }
        let start = doc();
        prop_assert_eq!(d.map(), start.map());
        let r0 = d.revision();
        let mut steps = 0;
        for expected in seen.iter().rev().skip(1) {
            prop_assert!(d.redo());
            steps += 1;
            prop_assert_eq!(d.map(), expected);
        }
        // (Undos among the ops may have left more to redo beyond `last`.)
        prop_assert_eq!(d.map(), &last);
        prop_assert_eq!(d.revision(), r0 + steps);
    }
}

#[test]
fn a_map_whose_positions_put_a_step_in_another_lanes_band_opens_with_every_step_in_its_own() {
    let mut m = Map::new("imported");
    for id in ["warehouse", "logistics"] {
        m.add_lane(Lane::new(id, id)).unwrap();
    }
    let mut pick = Step::new("pick", "Pick", StepKind::Activity).in_lane("warehouse");
    pick.pos = Some([100.0, 70.0]);
    // "Pack order" is in Logistics but its file position is in the Warehouse band.
    let mut pack = Step::new("pack", "Pack order", StepKind::Activity).in_lane("logistics");
    pack.pos = Some([300.0, 60.0]);
    let mut ship = Step::new("ship", "Ship", StepKind::Activity).in_lane("logistics");
    ship.pos = Some([500.0, 120.0]);
    for s in [pick, pack, ship] {
        m.add_step(s).unwrap();
    }
    let d = Document::new(m, None);
    let bands = crate::layout::lane_bands(d.map());
    for s in d.map().steps() {
        let y = s.pos.unwrap()[1];
        let band = crate::layout::band_at(&bands, y).unwrap();
        assert_eq!(
            band.lane.as_ref(),
            s.lane.as_ref(),
            "{} is drawn in its lane",
            s.id
        );
    }
    // The lane's steps moved together: their relative placement is kept.
    let y = |id: &str| d.map().step(&StepId::new(id)).unwrap().pos.unwrap()[1];
    assert!((y("ship") - y("pack") - 60.0).abs() < 1e-3);
    assert!(!d.is_dirty());
}
