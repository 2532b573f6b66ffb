//! Hand-computed analysis cases: each expected number is worked out in the comment above it.

use super::*;
use crate::model::{Flow, Step, StepField, StepKind, Touchpoint, Value};

/// Builds a map from compact step and flow lists (no lanes).
/// Steps: (id, kind, work, wait, value, customer-facing). Flows: (from, to, probability).
fn build(
    steps: &[(&str, StepKind, f64, f64, Value, bool)],
    flows: &[(&str, &str, Option<f64>)],
) -> Map {
    let mut m = Map::new("test");
    for &(id, kind, work, wait, value, customer) in steps {
        let tp = if customer {
            Touchpoint::Customer
        } else {
            Touchpoint::Internal
        };
        m.add_step(
            Step::new(id, format!("Step {id}"), kind)
                .with_times(work, wait)
                .with_value(value)
                .with_touchpoint(tp),
        )
        .unwrap();
    }
    for &(a, b, p) in flows {
        let mut f = Flow::work();
        f.probability = p;
        m.connect_unchecked_sum(&a.into(), &b.into(), f).unwrap();
    }
    m.check_decisions().unwrap();
    m
}

use StepKind::{Activity as Act, Decision as Dec, End, Start, Wait};
use Value::{Business, Customer as Cust, None as NoValue, Unassessed};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

fn rules(a: &Analysis) -> Vec<(&'static str, &str)> {
    a.findings
        .iter()
        .map(|f| (f.rule.as_str(), f.step.as_str()))
        .collect()
}

#[test]
fn worked_example_from_the_spec() {
    let text = include_str!("../../tests/fixtures/spec/example-rework.vfmap.json");
    let m = crate::format::load_str("example", text).unwrap();
    let a = analyze(&m);
    // T(D) = 0.2 T(A) + 0.8*55, T(A) = 40 + T(D) => T(A) = 105; V(A) = 17.5.
    assert!(close(a.metrics.lead_time_mins.unwrap(), 105.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 17.5));
    assert!(close(a.metrics.pce.unwrap(), 17.5 / 105.0));
    assert_eq!(a.metrics.handoffs, 2);
    assert_eq!(a.metrics.info_handoffs, 1);
    assert_eq!(a.metrics.customer_touchpoints, 2);
    // v2: N(Y) = 40, N(P) = N(Y) = 40, N(D) = 0.2 N(A) + 0.8*40, N(A) = 0 + N(D) (A's wait
    // has customer value) => N(A) = 40. A and P, customer-facing, are both in "front".
    assert!(close(a.metrics.no_value_wait_mins.unwrap(), 40.0));
    assert_eq!(a.metrics.customer_contact_lanes, 1);
    assert_eq!(a.metrics.steps, 7);
    assert_eq!(a.metrics.flows, 9);
    assert_eq!(
        rules(&a),
        vec![
            ("no-value-delay", "Y"),
            ("rework-loop", "D"),
            ("bottleneck", "Y")
        ]
    );
    assert_eq!(a.findings[0].severity, Severity::High);
    assert_eq!(a.findings[0].delay_mins, 40.0);
    assert_eq!(a.findings[0].question, Some(CHALLENGE_QUESTION));
    assert_eq!(a.findings[1].question, None);
    let path: Vec<&str> = a.critical_path.iter().map(|s| s.as_str()).collect();
    assert_eq!(path, ["S", "A", "D", "P", "Y", "E"]);
}

#[test]
fn linear_flow() {
    // T = 5+10 + 60+20 = 95; V = 10 (only A has customer value); PCE = 10/95.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("A", Act, 10.0, 5.0, Cust, true),
            ("B", Act, 20.0, 60.0, NoValue, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[("S", "A", None), ("A", "B", None), ("B", "E", None)],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 95.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 10.0));
    assert!(close(a.metrics.pce.unwrap(), 10.0 / 95.0));
    // A's wait has customer value: not flagged. B: high. Bottleneck B (80 > 15).
    assert_eq!(
        rules(&a),
        vec![("no-value-delay", "B"), ("bottleneck", "B")]
    );
}

#[test]
fn decision_weights_branches() {
    // T(D) = 0.25*40 + 0.75*8 = 16; V = 0.25*40 (A has customer value) = 10.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("D", Dec, 0.0, 0.0, Business, false),
            ("A", Act, 40.0, 0.0, Cust, true),
            ("B", Act, 8.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "D", None),
            ("D", "A", Some(0.25)),
            ("D", "B", None),
            ("A", "E", None),
            ("B", "E", None),
        ],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 16.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 10.0));
    // Most likely branch is B (0.75): the critical path is S, D, B, E and B is the bottleneck.
    let path: Vec<&str> = a.critical_path.iter().map(|s| s.as_str()).collect();
    assert_eq!(path, ["S", "D", "B", "E"]);
    assert_eq!(rules(&a), vec![("bottleneck", "B")]);
}

#[test]
fn parallel_split_takes_the_slowest_branch_and_ties_take_larger_value() {
    // X: 20 work + 30 wait = 50 (customer value 20); Y: 50 work (no value). T(P) = 50 either
    // way; the tie goes to the branch with the larger V, so V = 20.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("P", Act, 0.0, 0.0, Business, false),
            ("X", Act, 20.0, 30.0, Cust, true),
            ("Y", Act, 50.0, 0.0, NoValue, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "P", None),
            ("P", "X", None),
            ("P", "Y", None),
            ("X", "E", None),
            ("Y", "E", None),
        ],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 50.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 20.0));
    // The critical path breaks the T tie by smallest id: X. Bottleneck X (50 = 50, but X < Y
    // and Y is not on the path anyway).
    let path: Vec<&str> = a.critical_path.iter().map(|s| s.as_str()).collect();
    assert_eq!(path, ["S", "P", "X", "E"]);
}

#[test]
fn parallel_split_value_follows_the_slower_branch() {
    // X = 30 (customer value), Y = 10 + 40 = 50 (none): T(P) = 5 + 50; V = 5 + 0 (Y is slower).
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("P", Act, 5.0, 0.0, Cust, true),
            ("X", Act, 30.0, 0.0, Cust, true),
            ("Y", Act, 10.0, 40.0, NoValue, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "P", None),
            ("P", "X", None),
            ("P", "Y", None),
            ("X", "E", None),
            ("Y", "E", None),
        ],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 55.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 5.0));
}

#[test]
fn loop_with_probability_099_is_solved_exactly() {
    // T(A) = 1 + T(D), T(D) = 0.99 T(A) + 0.01*0 => T(A) = 100; V(A) = 100 too.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("A", Act, 1.0, 0.0, Cust, true),
            ("D", Dec, 0.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "A", None),
            ("A", "D", None),
            ("D", "A", Some(0.99)),
            ("D", "E", Some(0.01)),
        ],
    );
    let a = analyze(&m);
    assert!((a.metrics.lead_time_mins.unwrap() - 100.0).abs() < 1e-9);
    assert!((a.metrics.value_added_mins.unwrap() - 100.0).abs() < 1e-9);
    assert_eq!(rules(&a), vec![("rework-loop", "D"), ("bottleneck", "A")]);
}

#[test]
fn nested_loops_with_high_probabilities() {
    // Inner: T(B) = 1 + T(D2), T(D2) = 0.999 T(B) + 0.001 T(D1) => T(B) = 1000 + T(D1).
    // Outer: T(D1) = 0.99 T(A) + 0.01*0, T(A) = 2 + T(B) = 1002 + T(D1)
    //   => T(A) = 1002 + 0.99 T(A) => T(A) = 100200.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("A", Act, 2.0, 0.0, Cust, true),
            ("B", Act, 1.0, 0.0, Cust, true),
            ("D1", Dec, 0.0, 0.0, Business, false),
            ("D2", Dec, 0.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "A", None),
            ("A", "B", None),
            ("B", "D2", None),
            ("D2", "B", Some(0.999)),
            ("D2", "D1", Some(0.001)),
            ("D1", "A", Some(0.99)),
            ("D1", "E", Some(0.01)),
        ],
    );
    let a = analyze(&m);
    assert!((a.metrics.lead_time_mins.unwrap() - 100_200.0).abs() < 1e-6);
}

#[test]
fn parallel_split_inside_a_loop_takes_the_slower_fixed_point() {
    // P (10) splits to D and X (5); D loops back to P with 0.5, else ends.
    // Taking D: T(P) = 10 + 0.5 T(P) => 20, T(D) = 10 > T(X) = 5: consistent, and it is
    // the least fixed point (taking X would give T(P) = 15 but then T(D) = 7.5 > 5).
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("P", Act, 10.0, 0.0, Cust, true),
            ("X", Act, 5.0, 0.0, Business, false),
            ("D", Dec, 0.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "P", None),
            ("P", "D", None),
            ("P", "X", None),
            ("X", "E", None),
            ("D", "P", Some(0.5)),
            ("D", "E", Some(0.5)),
        ],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 20.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 20.0));
}

#[test]
fn cycle_without_decision_is_endless() {
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("B", Act, 5.0, 0.0, Cust, true),
            ("A", Act, 5.0, 0.0, Cust, true),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[("S", "B", None), ("B", "A", None), ("A", "B", None)],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, None);
    assert_eq!(a.metrics.value_added_mins, None);
    assert_eq!(a.metrics.pce, None);
    // Endless (high) and rework (medium) both name A, the smallest id; E is unreachable.
    let r = rules(&a);
    assert_eq!(r[0], ("endless-loop", "A"));
    assert!(r.contains(&("rework-loop", "A")));
    assert!(r.contains(&("unreachable", "E")));
    assert!(r.contains(&("bottleneck", "A")) || r.contains(&("bottleneck", "B")));
}

#[test]
fn decision_that_stays_inside_with_probability_one_is_endless() {
    // D's exit has probability 0: the case can never leave {A, D}.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("A", Act, 3.0, 0.0, Cust, true),
            ("D", Dec, 0.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "A", None),
            ("A", "D", None),
            ("D", "A", Some(1.0)),
            ("D", "E", Some(0.0)),
        ],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, None);
    assert_eq!(rules(&a)[0], ("endless-loop", "A"));
}

#[test]
fn parallel_branch_leaving_does_not_free_a_loop() {
    // P runs both X (leaving) and Q; Q goes back to P: the case cycles through {P, Q} forever.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("P", Act, 1.0, 0.0, Cust, true),
            ("Q", Act, 1.0, 0.0, Cust, true),
            ("X", Act, 1.0, 0.0, Cust, true),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "P", None),
            ("P", "Q", None),
            ("P", "X", None),
            ("Q", "P", None),
            ("X", "E", None),
        ],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, None);
    assert!(rules(&a).contains(&("endless-loop", "P")));
}

#[test]
fn zero_time_loop_is_not_endless() {
    // A and B take no time and loop forever: T = 0, a rework loop but not endless.
    let m = build(
        &[
            ("S", Start, 2.0, 0.0, Cust, true),
            ("A", Act, 0.0, 0.0, Cust, true),
            ("B", Act, 0.0, 0.0, Cust, true),
        ],
        &[("S", "A", None), ("A", "B", None), ("B", "A", None)],
    );
    let a = analyze(&m);
    assert!(close(a.metrics.lead_time_mins.unwrap(), 2.0));
    let r = rules(&a);
    assert!(r.contains(&("rework-loop", "A")));
    assert!(!r.iter().any(|(rule, _)| *rule == "endless-loop"));
}

#[test]
fn probability_zero_branch_adds_no_time_but_a_reachable_trap_is_still_endless() {
    // D goes to E with 1 and to L with 0; L loops on itself (a trap). T(D) = 0 + 1*T(E),
    // but L is reachable from S, so the headline metrics are null.
    let m = build(
        &[
            ("S", Start, 1.0, 0.0, Cust, true),
            ("D", Dec, 0.0, 0.0, Business, false),
            ("L", Act, 5.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[
            ("S", "D", None),
            ("D", "E", Some(1.0)),
            ("D", "L", Some(0.0)),
            ("L", "L", None),
        ],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, None);
    let t: Vec<Option<f64>> = a.step_time_mins.clone();
    assert_eq!(t[0], Some(1.0)); // S: 0 x infinity = 0
    assert_eq!(t[2], None); // L
    let r = rules(&a);
    assert!(r.contains(&("endless-loop", "L")));
    assert!(r.contains(&("rework-loop", "L")));
}

#[test]
fn information_flows_add_no_time() {
    let steps = [
        ("S", Start, 0.0, 0.0, Cust, true),
        ("A", Act, 10.0, 30.0, Cust, true),
        ("B", Act, 5.0, 0.0, Business, false),
        ("E", End, 0.0, 0.0, Business, false),
    ];
    let flows = [("S", "A", None), ("A", "B", None), ("B", "E", None)];
    let plain = analyze(&build(&steps, &flows));
    let mut with_info = build(&steps, &flows);
    for (a, b) in [("B", "A"), ("A", "E"), ("E", "S"), ("S", "B")] {
        with_info
            .connect(&a.into(), &b.into(), Flow::information())
            .unwrap();
    }
    let informed = analyze(&with_info);
    assert_eq!(
        plain.metrics.lead_time_mins,
        informed.metrics.lead_time_mins
    );
    assert_eq!(
        plain.metrics.value_added_mins,
        informed.metrics.value_added_mins
    );
    assert_eq!(plain.findings, informed.findings);
    assert_eq!(informed.metrics.flows, 7);
    assert!(informed.loops.is_empty(), "information flows make no loops");
}

#[test]
fn no_entry_means_lead_time_zero_and_no_bottleneck() {
    let m = build(
        &[
            ("A", Act, 1.0, 0.0, Cust, true),
            ("B", Act, 0.0, 0.0, Cust, true),
        ],
        &[("A", "B", None), ("B", "A", None)],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, Some(0.0));
    assert_eq!(a.metrics.pce, None);
    let r = rules(&a);
    assert!(!r.iter().any(|(rule, _)| *rule == "bottleneck"));
    assert!(r.contains(&("unreachable", "A")) && r.contains(&("unreachable", "B")));
    assert!(r.contains(&("endless-loop", "A")));
}

#[test]
fn entries_are_steps_without_incoming_work_when_there_is_no_start() {
    // No start: A and X have no incoming work flow. T(A) = 10, T(X) = 30 => lead 30 from X.
    let m = build(
        &[
            ("A", Act, 10.0, 0.0, Cust, true),
            ("X", Act, 30.0, 0.0, Business, true),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[("A", "E", None), ("X", "E", None)],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.lead_time_mins, Some(30.0));
    assert_eq!(a.metrics.value_added_mins, Some(0.0));
    assert_eq!(a.critical_path[0].as_str(), "X");
    assert!(!rules(&a).iter().any(|(r, _)| *r == "unreachable"));
}

#[test]
fn every_rule_with_its_severity_and_the_sort_order() {
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            // business-value delay: medium, delay 30
            ("b", Act, 5.0, 30.0, Business, false),
            // unassessed delay: low, delay 20
            ("u", Act, 5.0, 20.0, Unassessed, false),
            // a wait step with no value: high, delay = wait + work = 15 + 45
            ("w", Wait, 45.0, 15.0, NoValue, false),
            ("E", End, 0.0, 0.0, Business, false),
            // internal dead end that reaches no customer step and no end; unreachable too
            ("z", Act, 1.0, 0.0, Business, false),
        ],
        &[
            ("S", "b", None),
            ("b", "u", None),
            ("u", "w", None),
            ("w", "E", None),
        ],
    );
    let a = analyze(&m);
    let got: Vec<(&str, &str, Severity, f64)> = a
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.step.as_str(), f.severity, f.delay_mins))
        .collect();
    assert_eq!(
        got,
        vec![
            ("no-value-delay", "w", Severity::High, 60.0),
            ("no-value-delay", "b", Severity::Medium, 30.0),
            ("no-customer-outcome", "z", Severity::Medium, 0.0),
            ("unassessed-delay", "u", Severity::Low, 20.0),
            ("dead-end", "z", Severity::Low, 0.0),
            ("unreachable", "z", Severity::Low, 0.0),
            ("bottleneck", "w", Severity::Info, 60.0),
        ]
    );
    // Lead time: 35 + 25 + 60 = 120.
    assert_eq!(a.metrics.lead_time_mins, Some(120.0));
}

#[test]
fn no_customer_outcome_follows_information_flows_too() {
    // R is internal with no work flow out, but it informs the customer-facing step C.
    let mut m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("C", Act, 1.0, 0.0, Cust, true),
            ("R", Act, 1.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[("S", "C", None), ("C", "E", None), ("S", "R", None)],
    );
    assert!(rules(&analyze(&m)).contains(&("no-customer-outcome", "R")));
    m.connect(&"R".into(), &"C".into(), Flow::information())
        .unwrap();
    assert!(!rules(&analyze(&m)).contains(&("no-customer-outcome", "R")));
}

#[test]
fn rework_loop_names_the_smallest_decision_else_the_smallest_id() {
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("a", Act, 1.0, 0.0, Cust, true),
            ("z2", Dec, 0.0, 0.0, Business, false),
            ("z1", Dec, 0.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Business, false),
            ("q", Act, 1.0, 0.0, Cust, true),
        ],
        &[
            ("S", "a", None),
            ("a", "z2", None),
            ("z2", "z1", Some(0.5)),
            ("z2", "a", Some(0.5)),
            ("z1", "a", Some(0.5)),
            ("z1", "q", Some(0.5)),
            ("q", "q", None),
            ("q", "E", None),
        ],
    );
    let a = analyze(&m);
    let r = rules(&a);
    assert!(r.contains(&("rework-loop", "z1")));
    // q loops on itself and is a parallel split whose other branch leaves: endless.
    assert!(r.contains(&("rework-loop", "q")));
    assert!(r.contains(&("endless-loop", "q")));
}

#[test]
fn smallest_id_is_code_point_order() {
    // "s10" < "s9": the bottleneck tie goes to s10.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Cust, true),
            ("s9", Act, 5.0, 0.0, Cust, true),
            ("s10", Act, 5.0, 0.0, Cust, true),
            ("E", End, 0.0, 0.0, Business, false),
        ],
        &[("S", "s9", None), ("s9", "s10", None), ("s10", "E", None)],
    );
    let a = analyze(&m);
    assert_eq!(rules(&a), vec![("bottleneck", "s10")]);
}

#[test]
fn empty_map() {
    let a = analyze(&Map::new("empty"));
    assert_eq!(a.metrics.lead_time_mins, Some(0.0));
    assert_eq!(a.metrics.pce, None);
    assert!(a.findings.is_empty());
}

/// Value iteration (Gauss-Seidel) as an independent check of the exact solver.
fn brute_force(m: &Map, rounds: usize) -> Vec<f64> {
    let g = graph::FlowGraph::new(m);
    let mut t = vec![0.0; g.len()];
    for _ in 0..rounds {
        for v in (0..g.len()).rev() {
            let tail = if g.is_decision(v) {
                g.work
                    .edges(v)
                    .filter(|&(_, p)| p > 0.0)
                    .map(|(u, p)| p * t[u])
                    .sum()
            } else {
                g.work
                    .targets(v)
                    .iter()
                    .map(|&u| t[u as usize])
                    .fold(0.0, f64::max)
            };
            t[v] = g.cost[v] + tail;
        }
    }
    t
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Random small maps: kinds, integer times, flows, decision probabilities in quarters.
    fn arb_map() -> impl Strategy<Value = Map> {
        (2usize..8)
            .prop_flat_map(|n| {
                (
                    proptest::collection::vec((0u8..4, 0u8..6), n),
                    proptest::collection::vec((0..n, 0..n, 0u8..5), 0..(2 * n)),
                )
            })
            .prop_map(|(steps, flows)| {
                let mut m = Map::new("random");
                for (k, &(kind, time)) in steps.iter().enumerate() {
                    let kind = match kind {
                        0 => StepKind::Decision,
                        1 => StepKind::End,
                        _ => StepKind::Activity,
                    };
                    let kind = if k == 0 { StepKind::Start } else { kind };
                    let _ = m.add_step(
                        Step::new(format!("s{k}"), "", kind).with_times(f64::from(time), 0.0),
                    );
                }
                // q picks the quarter probability a decision's first branch gets (below).
                let mut quarter = std::collections::HashMap::new();
                for &(a, b, q) in &flows {
                    let (from, to): (StepId, StepId) =
                        (format!("s{a}").into(), format!("s{b}").into());
                    if m.connect_unchecked_sum(&from, &to, Flow::work()).is_ok() {
                        quarter.insert((from, to), q);
                    }
                }
                // Give decisions with two branches quarter probabilities that sum to 1.
                let decisions: Vec<_> = m
                    .step_indices()
                    .iter()
                    .copied()
                    .filter(|&i| m.step_at(i).map(|s| s.kind) == Some(StepKind::Decision))
                    .collect();
                for i in decisions {
                    let out: Vec<(StepId, StepId)> = m
                        .outgoing_work(i)
                        .map(|(_, t, _)| {
                            (
                                m.step_at(i).unwrap().id.clone(),
                                m.step_at(t).unwrap().id.clone(),
                            )
                        })
                        .collect();
                    if out.len() == 2 {
                        let q = quarter.get(&out[0]).copied().unwrap_or(0);
                        let p = f64::from(q) / 4.0;
                        let _ = m.set_flow_field(
                            &out[0].0,
                            &out[0].1,
                            FlowKind::Work,
                            crate::model::FlowField::Probability(Some(p)),
                        );
                    }
                }
                m
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn exact_solver_agrees_with_value_iteration(m in arb_map()) {
            let a = analyze(&m);
            let slow = brute_force(&m, 4000);
            let slower = brute_force(&m, 8000);
            for (k, t) in a.step_time_mins.iter().enumerate() {
                match t {
                    Some(t) => prop_assert!((t - slower[k]).abs() < 1e-6 * t.max(1.0), "step {k}: exact {t}, iterated {}", slower[k]),
                    // Infinite: iterating longer keeps adding time.
                    None => prop_assert!(slower[k] - slow[k] > 1e-7 * slow[k].max(1.0), "step {k}: exact infinite, iterated {} then {}", slow[k], slower[k]),
                }
            }
        }
    }
}

#[test]
fn zero_time_trap_behind_a_timed_step() {
    // S (1) → D; D → D with 1, D → S with 0. {D} cycles forever but takes no time:
    // T(D) = 0, T(S) = 1.
    let m = build(
        &[
            ("S", Start, 1.0, 0.0, Cust, true),
            ("D", Dec, 0.0, 0.0, Business, false),
        ],
        &[
            ("D", "D", Some(1.0)),
            ("D", "S", Some(0.0)),
            ("S", "D", None),
        ],
    );
    let a = analyze(&m);
    assert_eq!(a.step_time_mins, vec![Some(1.0), Some(0.0)]);
}

/// Adjacency entries the analysis reads for `m` (see `graph::scanned`).
fn work_of(m: &Map) -> u64 {
    let before = graph::scanned::get();
    let _ = analyze(m);
    graph::scanned::get() - before
}

/// A start that splits in parallel (or a decision that branches) to `n` ends.
fn wide(n: usize, kind: StepKind) -> Map {
    let mut m = Map::new("wide");
    m.add_step(Step::new("d", "", kind).with_times(1.0, 0.0))
        .unwrap();
    for k in 0..n {
        let id = format!("t{k}");
        m.add_step(Step::new(id.as_str(), "", End).with_times(k as f64, 0.0))
            .unwrap();
        m.connect_unchecked_sum(&"d".into(), &id.as_str().into(), Flow::work())
            .unwrap();
    }
    m
}

/// A loop of `n` activities a0 → … → a(n-1) → D, left at D with probability 1/2.
fn long_loop(n: usize) -> Map {
    let mut m = Map::new("ring");
    m.add_step(Step::new("s", "", Start)).unwrap();
    m.add_step(Step::new("D", "", Dec)).unwrap();
    m.add_step(Step::new("e", "", End)).unwrap();
    for k in 0..n {
        m.add_step(Step::new(format!("a{k}"), "", Act).with_times(1.0, 0.0))
            .unwrap();
    }
    let f = |m: &mut Map, a: &str, b: &str, p: Option<f64>| {
        let mut flow = Flow::work();
        flow.probability = p;
        m.connect_unchecked_sum(&a.into(), &b.into(), flow).unwrap();
    };
    f(&mut m, "s", "a0", None);
    for k in 1..n {
        f(&mut m, &format!("a{}", k - 1), &format!("a{k}"), None);
    }
    f(&mut m, &format!("a{}", n - 1), "D", None);
    f(&mut m, "D", "a0", Some(0.5));
    f(&mut m, "D", "e", Some(0.5));
    m
}

#[test]
fn a_wide_parallel_split_takes_linear_work() {
    // Twice the branches must cost about twice the work, not four times.
    let (small, big) = (work_of(&wide(2000, Start)), work_of(&wide(4000, Start)));
    assert!(big <= small * 5 / 2, "2000 branches: {small}, 4000: {big}");
    let a = analyze(&wide(4000, Start));
    // T(d) = 1 + the slowest branch (3999); V follows it.
    assert_eq!(a.metrics.lead_time_mins, Some(4000.0));
}

#[test]
fn a_wide_decision_takes_linear_work() {
    let (small, big) = (work_of(&wide(2000, Dec)), work_of(&wide(4000, Dec)));
    assert!(big <= small * 5 / 2, "2000 branches: {small}, 4000: {big}");
    // T(d) = 1 + mean(0..3999) = 1 + 1999.5.
    let lead = analyze(&wide(4000, Dec)).metrics.lead_time_mins.unwrap();
    assert!(close(lead, 2000.5), "{lead}");
}

#[test]
fn a_long_loop_takes_linear_work() {
    let (small, big) = (work_of(&long_loop(2000)), work_of(&long_loop(4000)));
    assert!(big <= small * 5 / 2, "2000 steps: {small}, 4000: {big}");
    // Each pass takes 4000 minutes, 2 passes expected.
    let lead = analyze(&long_loop(4000)).metrics.lead_time_mins.unwrap();
    assert!(close(lead, 8000.0), "{lead}");
}

fn hostile(name: &str) -> Map {
    let path = format!(
        "{}/tests/fixtures/hostile/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    crate::format::load_str(name, &text).unwrap()
}

#[test]
fn a_loop_left_with_probability_1e_12_takes_3e12_minutes() {
    // a (3 min) → d; d → a with 0.999999999999, d → e with 1e-12: T(a) = 3 / 1e-12.
    let a = analyze(&hostile("loop-exit-1e-12-lead-time-0.vfmap.json"));
    let lead = a.metrics.lead_time_mins.unwrap();
    assert!((lead - 3e12).abs() <= 3e12 * 1e-6, "{lead}");
    // All of it is customer-value work.
    let va = a.metrics.value_added_mins.unwrap();
    assert!((va - lead).abs() <= lead * 1e-9, "{va} vs {lead}");
}

#[test]
fn probabilities_summing_to_slightly_over_one_are_divided_by_their_sum() {
    // d → a with 1, d → e with 1e-6 (sum 1.000001, accepted): the exit is taken with
    // 1e-6 / 1.000001, so T(d) = 3 · (1/1.000001) / (1e-6/1.000001) = 3e6, T(a) = 3e6 + 3.
    let a = analyze(&hostile("loop-prob-1-exit-1e-6-lead-time-0.vfmap.json"));
    let lead = a.metrics.lead_time_mins.unwrap();
    assert!(close(lead, 3e6 + 3.0), "{lead}");
}

/// The loop of `loop_with_exit` solved for T(a): 3 / exit, at every scale of exit.
#[test]
fn near_endless_loops_keep_their_digits_at_every_exit_probability() {
    for exp in [1, 3, 6, 9, 12, 13, 15, 17, 20, 100, 300] {
        let exit = 10f64.powi(-exp);
        let m = build(
            &[
                ("s", Start, 0.0, 0.0, Unassessed, false),
                ("a", Act, 3.0, 0.0, Cust, false),
                ("d", Dec, 0.0, 0.0, Unassessed, false),
                ("e", End, 0.0, 0.0, Unassessed, false),
            ],
            &[
                ("s", "a", None),
                ("a", "d", None),
                ("d", "a", None),
                ("d", "e", Some(exit)),
            ],
        );
        let lead = analyze(&m).metrics.lead_time_mins.unwrap();
        let want = 3.0 / exit;
        assert!(
            (lead - want).abs() <= want * 1e-9,
            "exit {exit}: {lead}, want {want}"
        );
    }
}

#[test]
fn a_large_near_endless_loop_is_solved_exactly_too() {
    // 5000 steps of 1 minute in a ring, left at D with 1e-12: T = 5000 / 1e-12 (the old
    // Gauss-Seidel path for large components stopped after a million sweeps, far short).
    let mut m = long_loop(5000);
    m.set_flow_field(
        &"D".into(),
        &"e".into(),
        FlowKind::Work,
        crate::model::FlowField::Probability(None),
    )
    .unwrap();
    m.set_flow_field(
        &"D".into(),
        &"a0".into(),
        FlowKind::Work,
        crate::model::FlowField::Probability(Some(1.0 - 1e-12)),
    )
    .unwrap();
    let lead = analyze(&m).metrics.lead_time_mins.unwrap();
    // The exit's share is 1 - (1 - 1e-12) as f64 computes it.
    let exit = 1.0 - (1.0 - 1e-12);
    let want = 5000.0 / exit;
    assert!((lead - want).abs() <= want * 1e-9, "{lead}, want {want}");
}

/// No number the analysis hands out may be NaN or infinite.
fn assert_all_finite(a: &Analysis) {
    let m = &a.metrics;
    for v in [m.lead_time_mins, m.value_added_mins, m.pce]
        .into_iter()
        .flatten()
    {
        assert!(v.is_finite(), "{m:?}");
    }
    for f in &a.findings {
        assert!(f.delay_mins.is_finite(), "{f:?}");
        // Words, not substrings: a step may well be called "Send information".
        let bad = f
            .message
            .split(|c: char| !c.is_alphanumeric() && c != '.')
            .any(|w| ["inf", "infd", "infh", "infm", "NaN", "NaN%"].contains(&w));
        assert!(!bad && !f.message.contains('∞'), "{}", f.message);
    }
}

#[test]
fn one_step_whose_times_overflow_gets_an_overflow_finding_and_no_metrics() {
    // wait + work = 2 × 1.8e308 overflows: not an endless loop, an overflow.
    let a = analyze(&hostile("extreme-times-overflow-single-step.vfmap.json"));
    assert_eq!(a.metrics.lead_time_mins, None);
    assert_eq!(a.metrics.value_added_mins, None);
    assert_eq!(a.metrics.pce, None);
    assert_eq!(a.metrics.null_reason, Some(Rule::Overflow));
    assert!(!a.findings.iter().any(|f| f.rule == Rule::EndlessLoop));
    let over: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::Overflow)
        .collect();
    assert_eq!(over.len(), 1);
    assert_eq!(over[0].step.as_str(), "a");
    assert_eq!(over[0].severity, Severity::High);
    assert_all_finite(&a);
}

#[test]
fn overflow_is_named_where_it_starts() {
    // a (1e308) → b (1e308): T(b) is fine, T(a) overflows: the finding names a, not b.
    let a = analyze(&hostile("extreme-times-overflow-two-steps.vfmap.json"));
    assert_eq!(a.metrics.null_reason, Some(Rule::Overflow));
    let over: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::Overflow)
        .map(|f| f.step.as_str())
        .collect();
    assert_eq!(over, ["a"]);
    assert_eq!(a.step_time_mins, vec![None, Some(1e308)]);
    assert_all_finite(&a);
}

#[test]
fn huge_times_on_every_step_never_give_nan() {
    // 1e308 everywhere overflows (was: pce NaN); 1e300 everywhere does not.
    let a = analyze(&hostile("extreme-times-1e308-all-steps.vfmap.json"));
    assert_eq!(a.metrics.null_reason, Some(Rule::Overflow));
    assert_eq!(a.metrics.pce, None);
    assert!(a.findings.iter().any(|f| f.rule == Rule::Overflow));
    assert_all_finite(&a);
    let a = analyze(&hostile("extreme-times-1e300-all-steps.vfmap.json"));
    assert_eq!(a.metrics.null_reason, None);
    assert!(a.metrics.lead_time_mins.unwrap() > 1e300);
    assert!(a.metrics.pce.unwrap().is_finite());
    assert_all_finite(&a);
}

#[test]
fn an_endless_loop_gives_endless_loop_as_the_reason() {
    let m = build(
        &[
            ("S", Start, 1.0, 0.0, Cust, true),
            ("A", Act, 1.0, 0.0, Cust, true),
        ],
        &[("S", "A", None), ("A", "A", None)],
    );
    let a = analyze(&m);
    assert_eq!(a.metrics.null_reason, Some(Rule::EndlessLoop));
    assert_eq!(a.metrics.lead_time_mins, None);
}

#[test]
fn severity_and_rule_keywords_are_their_json_names() {
    for r in Rule::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        assert_eq!(Rule::parse(r.as_str()), Some(*r));
    }
    for s in Severity::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(Severity::parse(s.as_str()), Some(*s));
    }
    assert_eq!(Rule::ALL.len(), 9);
    assert!(Severity::High < Severity::Info);
}

#[test]
fn no_value_wait_takes_its_own_larger_branch_at_a_tie_of_t() {
    // S splits to X (work 10, customer value) and Y (wait 10, no value): T(X) = T(Y) = 10.
    // V takes X (V 10 > 0); N takes Y (N 10 > 0); a business-value wait step W counts its
    // work too: after Y, W (work 3, wait 2, business) adds 5.
    let m = build(
        &[
            ("S", Start, 0.0, 0.0, Unassessed, false),
            ("X", Act, 10.0, 0.0, Cust, false),
            ("Y", Act, 0.0, 7.0, NoValue, false),
            ("W", Wait, 3.0, 0.0, Business, false),
            ("E", End, 0.0, 0.0, Unassessed, false),
        ],
        &[
            ("S", "X", None),
            ("S", "Y", None),
            ("X", "E", None),
            ("Y", "W", None),
            ("W", "E", None),
        ],
    );
    let a = analyze(&m);
    // T(Y) = 7 + 3 = 10 = T(X).
    assert!(close(a.metrics.lead_time_mins.unwrap(), 10.0));
    assert!(close(a.metrics.value_added_mins.unwrap(), 10.0));
    // N(Y) = 7 + N(W) = 7 + 3 = 10.
    assert!(close(a.metrics.no_value_wait_mins.unwrap(), 10.0));
}

#[test]
fn no_value_wait_is_null_with_the_lead_time_and_zero_without_steps() {
    let endless = build(
        &[
            ("S", Start, 0.0, 0.0, Unassessed, false),
            ("A", Act, 1.0, 5.0, NoValue, false),
        ],
        &[("S", "A", None), ("A", "A", None)],
    );
    let a = analyze(&endless);
    assert_eq!(a.metrics.lead_time_mins, None);
    assert_eq!(a.metrics.no_value_wait_mins, None);
    let empty = analyze(&Map::new("empty"));
    assert_eq!(empty.metrics.no_value_wait_mins, Some(0.0));
    assert_eq!(empty.metrics.customer_contact_lanes, 0);
}

#[test]
fn customer_contact_lanes_count_the_parts_of_the_company_the_customer_meets() {
    use crate::model::Lane;
    let mut m = Map::new("contact");
    for (id, customer) in [
        ("cust", true),
        ("sales", false),
        ("billing", false),
        ("store", false),
        ("back", false),
    ] {
        let mut lane = Lane::new(id, id);
        lane.customer = customer;
        m.add_lane(lane).unwrap();
    }
    let step = |id: &str, lane: &str, tp: Touchpoint| {
        Step::new(id, id, Act).in_lane(lane).with_touchpoint(tp)
    };
    use Touchpoint::{Customer as Facing, Internal};
    for s in [
        step("c1", "cust", Internal),
        step("s1", "sales", Internal),
        step("b1", "billing", Internal),
        step("w1", "store", Facing),
        step("k1", "back", Internal),
        step("k2", "back", Internal),
    ] {
        m.add_step(s).unwrap();
    }
    // sales by a work flow from the customer, billing by an information flow to the
    // customer, store by a customer-facing step; back only talks to sales and itself.
    m.connect(&"c1".into(), &"s1".into(), Flow::work()).unwrap();
    m.connect(&"b1".into(), &"c1".into(), Flow::information())
        .unwrap();
    m.connect(&"s1".into(), &"k1".into(), Flow::work()).unwrap();
    m.connect(&"k1".into(), &"k2".into(), Flow::work()).unwrap();
    assert_eq!(analyze(&m).metrics.customer_contact_lanes, 3);
    // A customer-facing step in a customer lane does not count that lane.
    m.set_step_field(&"c1".into(), StepField::Touchpoint(Facing))
        .unwrap();
    assert_eq!(analyze(&m).metrics.customer_contact_lanes, 3);
}
