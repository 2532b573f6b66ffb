//! The edit API keeps maps valid and returns what an exact undo needs.

use super::*;

fn lane(id: &str) -> Lane {
    Lane::new(id, id.to_uppercase())
}

fn sample() -> Map {
    let mut m = Map::new("m");
    m.add_lane(lane("a")).unwrap();
    m.add_lane(lane("b")).unwrap();
    m.add_step(Step::new("s", "Start", StepKind::Start).in_lane("a"))
        .unwrap();
    m.add_step(Step::new("d", "Decide", StepKind::Decision).in_lane("a"))
        .unwrap();
    m.add_step(Step::new("x", "X", StepKind::Activity).in_lane("b"))
        .unwrap();
    m.add_step(Step::new("y", "Y", StepKind::Activity).in_lane("b"))
        .unwrap();
    m.connect(&"s".into(), &"d".into(), Flow::work()).unwrap();
    m.connect(&"d".into(), &"x".into(), Flow::work()).unwrap();
    m.connect(&"d".into(), &"y".into(), Flow::work()).unwrap();
    m.set_flow_field(
        &"d".into(),
        &"x".into(),
        FlowKind::Work,
        FlowField::Probability(Some(0.3)),
    )
    .unwrap();
    m.set_flow_field(
        &"d".into(),
        &"y".into(),
        FlowKind::Work,
        FlowField::Probability(Some(0.7)),
    )
    .unwrap();
    m
}

#[test]
fn steps_keep_map_order_after_removal_and_reinsertion() {
    let mut m = sample();
    let removed = m.remove_step(&"d".into()).unwrap();
    assert_eq!(removed.position, 1);
    assert_eq!(removed.flows.len(), 3);
    assert_eq!(m.flow_count(), 0);
    m.add_step(Step::new("z", "Z", StepKind::End).in_lane("a"))
        .unwrap();
    let ids: Vec<&str> = m.steps().map(|s| s.id.as_str()).collect();
    // The freed graph slot is reused, but the map order puts the new step last.
    assert_eq!(ids, ["s", "x", "y", "z"]);
    m.insert_step(removed.position, removed.step).unwrap();
    let ids: Vec<&str> = m.steps().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s", "d", "x", "y", "z"]);
}

#[test]
fn invalid_steps_are_refused() {
    let mut m = sample();
    assert_eq!(
        m.add_step(Step::new("s", "", StepKind::End).in_lane("a")),
        Err(MapError::DuplicateStep("s".into()))
    );
    assert_eq!(
        m.add_step(Step::new("", "", StepKind::End).in_lane("a")),
        Err(MapError::EmptyStepId)
    );
    assert_eq!(
        m.add_step(Step::new("n", "", StepKind::End)),
        Err(MapError::MissingLane("n".into()))
    );
    assert_eq!(
        m.add_step(Step::new("n", "", StepKind::End).in_lane("q")),
        Err(MapError::UnknownLane("q".into()))
    );
    assert!(matches!(
        m.add_step(
            Step::new("n", "", StepKind::End)
                .in_lane("a")
                .with_times(f64::NAN, 0.0)
        ),
        Err(MapError::InvalidTime {
            field: "work_mins",
            ..
        })
    ));
    assert!(matches!(
        m.set_step_field(&"s".into(), StepField::WaitMins(-1.0)),
        Err(MapError::InvalidTime {
            field: "wait_mins",
            ..
        })
    ));
    assert_eq!(m.step_count(), 4);
}

#[test]
fn setters_return_the_old_value() {
    let mut m = sample();
    let id: StepId = "x".into();
    assert_eq!(
        m.set_step_field(&id, StepField::Name("New".into())),
        Ok(StepField::Name("X".into()))
    );
    assert_eq!(
        m.set_step_field(&id, StepField::WorkMins(12.0)),
        Ok(StepField::WorkMins(0.0))
    );
    assert_eq!(
        m.set_step_field(&id, StepField::Lane(Some("a".into()))),
        Ok(StepField::Lane(Some("b".into())))
    );
    assert_eq!(m.move_step(&id, [1.0, 2.0]), Ok(None));
    assert_eq!(m.move_step(&id, [3.0, 4.0]), Ok(Some([1.0, 2.0])));
    let step = m.step(&id).unwrap();
    assert_eq!((step.name.as_str(), step.work_mins), ("New", 12.0));
}

#[test]
fn renaming_an_id_keeps_flows() {
    let mut m = sample();
    m.rename_step_id(&"d".into(), "decide".into()).unwrap();
    assert!(
        m.find_flow(&"s".into(), &"decide".into(), FlowKind::Work)
            .is_some()
    );
    assert_eq!(
        m.rename_step_id(&"decide".into(), "s".into()),
        Err(MapError::DuplicateStep("s".into()))
    );
}

#[test]
fn flows_are_checked() {
    let mut m = sample();
    assert!(matches!(
        m.connect(&"s".into(), &"d".into(), Flow::work()),
        Err(MapError::DuplicateFlow { .. })
    ));
    assert!(
        m.connect(&"s".into(), &"d".into(), Flow::information())
            .is_ok()
    );
    assert_eq!(
        m.connect(&"s".into(), &"nope".into(), Flow::work()),
        Err(MapError::UnknownStep("nope".into()))
    );
    assert!(matches!(
        m.connect(&"s".into(), &"x".into(), Flow::work().with_probability(0.5)),
        Err(MapError::ProbabilityNotAllowed { .. })
    ));
    // A third branch with an explicit probability would push the sum over 1.
    assert!(matches!(
        m.connect(&"d".into(), &"s".into(), Flow::work().with_probability(0.2)),
        Err(MapError::ProbabilitySum { .. })
    ));
    // Without one it gets the remainder, 0.
    m.connect(&"d".into(), &"s".into(), Flow::work()).unwrap();
    let d = m.index_of(&"d".into()).unwrap();
    let ps: Vec<f64> = m.branch_probabilities(d).iter().map(|&(_, p)| p).collect();
    assert!(ps.contains(&0.0));
    // Setting a probability that breaks the sum is refused and changes nothing.
    assert!(matches!(
        m.set_flow_field(
            &"d".into(),
            &"x".into(),
            FlowKind::Work,
            FlowField::Probability(Some(0.9))
        ),
        Err(MapError::ProbabilitySum { .. })
    ));
    let x = m
        .find_flow(&"d".into(), &"x".into(), FlowKind::Work)
        .unwrap();
    assert_eq!(m.graph()[x].probability, Some(0.3));
}

#[test]
fn removing_a_branch_rescales_the_rest() {
    let mut m = sample();
    m.disconnect(&"d".into(), &"x".into(), FlowKind::Work)
        .unwrap();
    let y = m
        .find_flow(&"d".into(), &"y".into(), FlowKind::Work)
        .unwrap();
    assert!((m.graph()[y].probability.unwrap() - 1.0).abs() < 1e-12);
    assert!(m.check_decisions().is_ok());
    // Removing the target step does the same.
    let mut m = sample();
    m.remove_step(&"y".into()).unwrap();
    assert!(m.check_decisions().is_ok());
}

#[test]
fn a_decision_that_stops_being_one_drops_its_probabilities() {
    let mut m = sample();
    m.set_step_field(&"d".into(), StepField::Kind(StepKind::Activity))
        .unwrap();
    assert!(m.flows().all(|f| f.flow.probability.is_none()));
}

#[test]
fn lanes_add_rename_move_remove() {
    let mut m = sample();
    assert_eq!(
        m.add_lane(lane("a")),
        Err(MapError::DuplicateLane("a".into()))
    );
    assert_eq!(m.rename_lane(&"a".into(), "Front"), Ok("A".into()));
    assert_eq!(m.move_lane(&"b".into(), 0), Ok(1));
    let order: Vec<&str> = m.lanes().iter().map(|l| l.id.as_str()).collect();
    assert_eq!(order, ["b", "a"]);
    // A non-empty lane needs a destination for its steps.
    assert_eq!(
        m.remove_lane(&"b".into(), None),
        Err(MapError::LaneNotEmpty {
            lane: "b".into(),
            steps: 2
        })
    );
    assert!(matches!(
        m.remove_lane(&"b".into(), Some(&"b".into())),
        Err(MapError::UnknownLane(_))
    ));
    let (removed, at) = m.remove_lane(&"b".into(), Some(&"a".into())).unwrap();
    assert_eq!((removed.id.as_str(), at), ("b", 0));
    assert!(m.steps().all(|s| s.lane == Some("a".into())));
    // The last lane can go: its steps keep no lane, which is valid without lanes.
    m.remove_lane(&"a".into(), None).unwrap();
    assert!(m.steps().all(|s| s.lane.is_none()));
    // Adding a first lane again puts every step in it.
    m.add_lane(lane("c")).unwrap();
    assert!(m.steps().all(|s| s.lane == Some("c".into())));
}

#[test]
fn fresh_ids_are_unused() {
    let m = sample();
    assert_eq!(m.fresh_step_id("s"), StepId::new("s-1"));
    assert_eq!(m.fresh_lane_id(), LaneId::new("lane-1"));
}

#[test]
fn equality_ignores_graph_indices() {
    let a = sample();
    // The same map built so that its node and edge indices differ: a throwaway step and
    // flow take the first slots, and the steps go into the graph in another order.
    let mut b = Map::new("m");
    b.add_lane(lane("a")).unwrap();
    b.add_lane(lane("b")).unwrap();
    b.add_step(Step::new("tmp", "", StepKind::Activity).in_lane("a"))
        .unwrap();
    b.add_step(Step::new("y", "Y", StepKind::Activity).in_lane("b"))
        .unwrap();
    b.connect(&"tmp".into(), &"y".into(), Flow::work()).unwrap();
    b.insert_step(0, Step::new("x", "X", StepKind::Activity).in_lane("b"))
        .unwrap();
    b.insert_step(0, Step::new("d", "Decide", StepKind::Decision).in_lane("a"))
        .unwrap();
    b.insert_step(0, Step::new("s", "Start", StepKind::Start).in_lane("a"))
        .unwrap();
    b.connect(&"s".into(), &"d".into(), Flow::work()).unwrap();
    b.connect_unchecked_sum(&"d".into(), &"x".into(), Flow::work().with_probability(0.3))
        .unwrap();
    b.connect_unchecked_sum(&"d".into(), &"y".into(), Flow::work().with_probability(0.7))
        .unwrap();
    b.check_decisions().unwrap();
    b.remove_step(&"tmp".into()).unwrap();
    assert_ne!(a.step_indices(), b.step_indices());
    assert_ne!(a.flow_indices(), b.flow_indices());
    assert_eq!(a, b);

    // Same content but the flows in another order: not equal (they save differently).
    let mut c = sample();
    let removed = c.remove_step(&"s".into()).unwrap();
    c.insert_step(removed.position, removed.step).unwrap();
    for (from, to, flow) in removed.flows {
        c.connect_unchecked_sum(&from, &to, flow).unwrap();
    }
    assert_ne!(a, c);
}

#[test]
fn a_step_missing_from_the_order_is_an_error_not_another_removal() {
    // Break the invariant by hand: "x" is in the graph but not in the map order.
    let mut m = sample();
    let x = m.index_of(&"x".into()).unwrap();
    m.step_order.retain(|&i| i != x);
    let before = m.clone();
    assert_eq!(
        m.remove_step(&"x".into()),
        Err(MapError::UnknownStep("x".into()))
    );
    // Nothing changed (the old fallback removed position 0, the start step).
    assert_eq!(m.step_order, before.step_order);
    assert_eq!(m.flow_order, before.flow_order);
    assert!(m.contains_step(&"s".into()));
}

#[test]
fn a_flow_missing_from_the_order_is_an_error_not_another_removal() {
    let mut m = sample();
    let e = m
        .find_flow(&"d".into(), &"y".into(), FlowKind::Work)
        .unwrap();
    m.flow_order.retain(|&f| f != e);
    let before = m.flow_order.clone();
    assert!(matches!(
        m.disconnect(&"d".into(), &"y".into(), FlowKind::Work),
        Err(MapError::UnknownFlow { .. })
    ));
    // The old fallback removed flow_order[0] (s → d) from the order instead.
    assert_eq!(m.flow_order, before);
    assert!(
        m.find_flow(&"d".into(), &"y".into(), FlowKind::Work)
            .is_some()
    );
}

/// The builder finds a duplicate flow whether the step's flows are still looked through
/// (fewer than `SCAN_FLOWS`) or already in its set, at the change from one to the other,
/// and in a map it continues from (`from_map`).
#[test]
fn the_builder_refuses_duplicate_flows_of_narrow_and_wide_steps() {
    let fan = 2 * super::build::SCAN_FLOWS as usize + 3;
    let mut b = MapBuilder::new("m".into(), String::new());
    b.add_step(Step::new("p", "Split", StepKind::Activity))
        .unwrap();
    for k in 0..fan {
        b.add_step(Step::new(format!("t{k}"), "T", StepKind::Activity))
            .unwrap();
    }
    let dup = |b: &mut MapBuilder, k: usize, kind: FlowKind| {
        matches!(
            b.connect(
                "p",
                &format!("t{k}"),
                Flow {
                    kind,
                    ..Flow::work()
                }
            ),
            Err(MapError::DuplicateFlow { .. })
        )
    };
    for k in 0..fan {
        b.connect("p", &format!("t{k}"), Flow::work()).unwrap();
        // Every flow so far, the first and the one just added among them.
        assert!(dup(&mut b, 0, FlowKind::Work), "after {k}: the first");
        assert!(dup(&mut b, k, FlowKind::Work), "after {k}: the last");
        // The same steps by the other kind of flow are no duplicate.
        assert!(!dup(&mut b, k + 1, FlowKind::Information) || k + 1 == fan);
    }
    let map = b.into_map();
    let mut again = MapBuilder::from_map(map);
    for k in [0, 1, fan / 2, fan - 1] {
        assert!(dup(&mut again, k, FlowKind::Work), "from_map: t{k}");
    }
    // A narrow step in the continued map: its one flow is looked through.
    again.connect("t0", "t1", Flow::work()).unwrap();
    assert!(matches!(
        again.connect("t0", "t1", Flow::work()),
        Err(MapError::DuplicateFlow { .. })
    ));
}
