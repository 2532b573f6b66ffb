//! The derivation rules of map-format-v2.md, one case each, worked out by hand.

use super::*;
use crate::model::{Review, Step, TargetTimes, Value};

/// Steps (id, kind, work, wait) without lanes, work flows (from, to, probability).
fn map(steps: &[(&str, StepKind, f64, f64)], flows: &[(&str, &str, Option<f64>)]) -> Map {
    let mut m = Map::new("Order");
    for &(id, kind, work, wait) in steps {
        m.add_step(Step::new(id, id, kind).with_times(work, wait))
            .unwrap();
    }
    for &(a, b, p) in flows {
        let f = Flow {
            probability: p,
            ..Flow::work()
        };
        m.connect_unchecked_sum(&a.into(), &b.into(), f).unwrap();
    }
    m.check_decisions().unwrap();
    m
}

fn decide(m: &mut Map, id: &str, disposition: Disposition) {
    let review = Review {
        answers: [
            "q1".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        disposition,
        rationale: format!("why {id}"),
    };
    m.set_step_field(&id.into(), StepField::Review(Some(Box::new(review))))
        .unwrap();
}

fn flows(m: &Map) -> Vec<(String, String, Option<f64>)> {
    m.flows()
        .filter(|f| f.flow.kind == FlowKind::Work)
        .map(|f| (f.from.to_string(), f.to.to_string(), f.flow.probability))
        .collect()
}

fn times(m: &Map, id: &str) -> (f64, f64) {
    let s = m.step(&id.into()).unwrap();
    (s.work_mins, s.wait_mins)
}

use StepKind::{Activity as Act, Decision as Dec, End, Start};

fn chain() -> Map {
    map(
        &[
            ("S", Start, 0.0, 0.0),
            ("A", Act, 10.0, 30.0),
            ("B", Act, 5.0, 20.0),
            ("E", End, 0.0, 0.0),
        ],
        &[("S", "A", None), ("A", "B", None), ("B", "E", None)],
    )
}

#[test]
fn eliminating_a_step_joins_its_neighbours_and_names_the_copy() {
    let mut m = chain();
    decide(&mut m, "A", Disposition::Eliminate);
    decide(&mut m, "B", Disposition::Keep);
    let before = m.clone();
    let d = derive(&m, Some("/home/me/maps/order.vfmap.json")).unwrap();
    assert_eq!(m, before, "the as-is is not changed");
    assert_eq!(d.map.name, "Order (to-be)");
    assert_eq!(
        d.map.derived_from,
        Some(DerivedFrom {
            name: Some("Order".into()),
            file: Some("order.vfmap.json".into())
        })
    );
    assert!(!d.map.contains_step(&"A".into()));
    assert_eq!(
        flows(&d.map),
        [
            ("B".into(), "E".into(), None),
            ("S".into(), "B".into(), None)
        ]
    );
    assert_eq!(d.applied, [("A".into(), DispositionKind::Eliminate)]);
    // 5. Kept steps are challenged afresh: answers and rationale stay.
    let b = d.map.step(&"B".into()).unwrap().review.as_deref().unwrap();
    assert_eq!(b.disposition, Disposition::Undecided);
    assert_eq!(b.rationale, "why B");
    assert_eq!(b.answers[0], "q1");
}

#[test]
fn a_merge_adds_the_work_after_the_targets_own_automation() {
    let mut m = chain();
    decide(
        &mut m,
        "B",
        Disposition::Automate(TargetTimes {
            work_mins: Some(2.0),
            wait_mins: None,
        }),
    );
    decide(&mut m, "A", Disposition::Merge { into: "B".into() });
    let d = derive(&m, None).unwrap();
    // B automated: work 2, wait 0 (the default); then A's work 10 merged in: 12. A's wait
    // goes with A.
    assert_eq!(times(&d.map, "B"), (12.0, 0.0));
    assert!(!d.map.contains_step(&"A".into()));
    assert_eq!(
        d.applied,
        [
            ("A".into(), DispositionKind::Merge),
            ("B".into(), DispositionKind::Automate)
        ]
    );
    assert_eq!(d.map.derived_from.as_ref().unwrap().file, None);
}

#[test]
fn simplify_replaces_only_the_given_times_and_backstage_hides_the_step() {
    let mut m = chain();
    m.set_step_field(&"A".into(), StepField::Touchpoint(Touchpoint::Customer))
        .unwrap();
    decide(&mut m, "A", Disposition::Backstage);
    decide(
        &mut m,
        "B",
        Disposition::Simplify(TargetTimes {
            work_mins: None,
            wait_mins: Some(1.0),
        }),
    );
    let d = derive(&m, None).unwrap();
    assert_eq!(
        d.map.step(&"A".into()).unwrap().touchpoint,
        Touchpoint::Internal
    );
    assert_eq!(times(&d.map, "A"), (10.0, 30.0));
    assert_eq!(times(&d.map, "B"), (5.0, 1.0));
    // Automate without targets: wait 0, work unchanged.
    let mut m = chain();
    decide(&mut m, "A", Disposition::Automate(TargetTimes::default()));
    assert_eq!(times(&derive(&m, None).unwrap().map, "A"), (10.0, 0.0));
}

#[test]
fn at_a_decision_the_bridged_branch_keeps_the_removed_steps_probability() {
    // D → A (0.3) → E; D → C (the rest, 0.7) → E; D → E (0.0 explicit would be odd, so a
    // second case below adds to an existing flow).
    let m0 = map(
        &[
            ("S", Start, 0.0, 0.0),
            ("D", Dec, 0.0, 0.0),
            ("A", Act, 1.0, 5.0),
            ("C", Act, 1.0, 0.0),
            ("E", End, 0.0, 0.0),
        ],
        &[
            ("S", "D", None),
            ("D", "A", Some(0.3)),
            ("D", "C", None),
            ("A", "E", None),
            ("C", "E", None),
        ],
    );
    let mut m = m0.clone();
    decide(&mut m, "A", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    let mut f = flows(&d.map);
    f.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(
        f,
        [
            ("C".into(), "E".into(), None),
            // Every flow changed or created at the decision carries its probability.
            ("D".into(), "C".into(), Some(0.7)),
            ("D".into(), "E".into(), Some(0.3)),
            ("S".into(), "D".into(), None),
        ]
    );
    // Eliminating C too: D → E exists already, the probabilities add (0.3 + 0.7).
    decide(&mut m, "C", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    let at_d: Vec<_> = flows(&d.map).into_iter().filter(|f| f.0 == "D").collect();
    assert_eq!(at_d.len(), 1);
    assert_eq!(at_d[0].1, "E");
    assert!((at_d[0].2.unwrap() - 1.0).abs() < 1e-12, "{at_d:?}");
}

#[test]
fn information_flows_of_removed_steps_are_dropped_and_listed_in_map_order() {
    let mut m = chain();
    m.connect(&"B".into(), &"A".into(), Flow::information())
        .unwrap();
    m.connect(&"A".into(), &"E".into(), Flow::information())
        .unwrap();
    m.connect(&"S".into(), &"B".into(), Flow::information())
        .unwrap();
    decide(&mut m, "A", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    assert_eq!(
        d.dropped_information_flows,
        [("B".into(), "A".into()), ("A".into(), "E".into())]
    );
    // S → B information stays beside the new S → B work flow.
    assert!(
        d.map
            .find_flow(&"S".into(), &"B".into(), FlowKind::Information)
            .is_some()
    );
    assert!(
        d.map
            .find_flow(&"S".into(), &"B".into(), FlowKind::Work)
            .is_some()
    );
}

#[test]
fn a_loop_through_a_removed_step_becomes_a_self_loop() {
    // A → R → A (rework) and A → E: removing R leaves A → A, which is kept.
    let mut m = map(
        &[
            ("S", Start, 0.0, 0.0),
            ("A", Dec, 1.0, 0.0),
            ("R", Act, 5.0, 0.0),
            ("E", End, 0.0, 0.0),
        ],
        &[
            ("S", "A", None),
            ("A", "R", Some(0.2)),
            ("A", "E", None),
            ("R", "A", None),
        ],
    );
    decide(&mut m, "R", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    let self_loop = d.map.find_flow(&"A".into(), &"A".into(), FlowKind::Work);
    assert!(self_loop.is_some(), "{:?}", flows(&d.map));
}

#[test]
fn what_cannot_be_derived_names_the_step_and_what_to_change() {
    let mut m = chain();
    decide(&mut m, "S", Disposition::Eliminate);
    let e = derive(&m, None).unwrap_err();
    assert!(matches!(e, RedesignError::CannotRemove { .. }), "{e}");
    assert!(e.to_string().contains("step \"S\" is a start"), "{e}");

    let mut m = chain();
    decide(&mut m, "B", Disposition::Eliminate);
    decide(&mut m, "A", Disposition::Merge { into: "B".into() });
    let e = derive(&m, None).unwrap_err();
    assert!(
        e.to_string()
            .contains("merged into \"B\", which is eliminated itself"),
        "{e}"
    );

    // A decision's branch into a step followed by a parallel split.
    let mut m = map(
        &[
            ("D", Dec, 0.0, 0.0),
            ("A", Act, 1.0, 0.0),
            ("X", Act, 1.0, 0.0),
            ("Y", Act, 1.0, 0.0),
            ("E", End, 0.0, 0.0),
        ],
        &[
            ("D", "A", None),
            ("D", "E", None),
            ("A", "X", None),
            ("A", "Y", None),
            ("X", "E", None),
            ("Y", "E", None),
        ],
    );
    decide(&mut m, "A", Disposition::Eliminate);
    let e = derive(&m, None).unwrap_err();
    assert!(matches!(e, RedesignError::DecisionIntoSplit { .. }), "{e}");
    // ... and into a step nothing follows.
    let mut m = map(
        &[
            ("D", Dec, 0.0, 0.0),
            ("A", Act, 1.0, 0.0),
            ("E", End, 0.0, 0.0),
        ],
        &[("D", "A", None), ("D", "E", None)],
    );
    decide(&mut m, "A", Disposition::Eliminate);
    let e = derive(&m, None).unwrap_err();
    assert!(
        matches!(e, RedesignError::DecisionIntoNothing { .. }),
        "{e}"
    );
    // A plain step into a step nothing follows: its flows are simply dropped.
    let mut m = chain();
    m.add_step(Step::new("Z", "Z", Act)).unwrap();
    m.connect(&"B".into(), &"Z".into(), Flow::work()).unwrap();
    decide(&mut m, "Z", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    assert!(!d.map.contains_step(&"Z".into()));
}

#[test]
fn the_derived_map_analyses_better_and_saves_as_version_2() {
    let mut m = chain();
    m.set_step_field(&"A".into(), StepField::Value(Value::None))
        .unwrap();
    decide(&mut m, "A", Disposition::Eliminate);
    let d = derive(&m, Some("order.vfmap.json")).unwrap();
    let before = crate::analysis::analyze(&m);
    let after = crate::analysis::analyze(&d.map);
    // As-is: 40 + 25 = 65; to-be: 25.
    assert_eq!(before.metrics.lead_time_mins, Some(65.0));
    assert_eq!(after.metrics.lead_time_mins, Some(25.0));
    let text = crate::format::to_json_string(&d.map).unwrap();
    assert!(text.contains("\"version\": 2"));
    let back = crate::format::load_str("to-be", &text).unwrap();
    assert_eq!(back, d.map);
}

#[test]
fn challenge_progress_counts_the_flagged_steps_with_a_disposition() {
    let mut m = chain();
    for id in ["A", "B"] {
        m.set_step_field(&id.into(), StepField::Value(Value::None))
            .unwrap();
    }
    let a = crate::analysis::analyze(&m);
    // A (wait 30) and B (wait 20) are delays with no value: two flagged, none challenged.
    assert_eq!(
        challenge_progress(&m, &a),
        ChallengeProgress {
            flagged: 2,
            challenged: 0
        }
    );
    decide(&mut m, "B", Disposition::Keep);
    // A review without a disposition does not count.
    m.set_step_field(
        &"A".into(),
        StepField::Review(Some(Box::new(Review {
            rationale: "later".into(),
            ..Review::default()
        }))),
    )
    .unwrap();
    let a = crate::analysis::analyze(&m);
    assert_eq!(challenge_progress(&m, &a).challenged, 1);
    let flagged = flagged_steps(&m, &a);
    assert_eq!(
        flagged,
        [(&StepId::from("A"), false), (&StepId::from("B"), true)]
    );
}

#[test]
fn a_step_before_a_parallel_split_reached_by_a_non_decision_fans_out() {
    // S → A → {X, Y} (parallel) → E: eliminating A gives S → X and S → Y.
    let mut m = map(
        &[
            ("S", Start, 0.0, 0.0),
            ("A", Act, 3.0, 10.0),
            ("X", Act, 5.0, 0.0),
            ("Y", Act, 7.0, 0.0),
            ("E", End, 0.0, 0.0),
        ],
        &[
            ("S", "A", None),
            ("A", "X", None),
            ("A", "Y", None),
            ("X", "E", None),
            ("Y", "E", None),
        ],
    );
    decide(&mut m, "A", Disposition::Eliminate);
    let d = derive(&m, None).unwrap();
    let mut f = flows(&d.map);
    f.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(
        f,
        [
            ("S".into(), "X".into(), None),
            ("S".into(), "Y".into(), None),
            ("X".into(), "E".into(), None),
            ("Y".into(), "E".into(), None),
        ]
    );
    // The slower branch sets the lead time: 7.
    assert_eq!(
        crate::analysis::analyze(&d.map).metrics.lead_time_mins,
        Some(7.0)
    );
}
