//! Unit tests of the event-log calibration: pairing, the concurrency and predecessor rules,
//! outcome filtering, ids, lanes, decisions, and errors on bad input (never a panic).

use super::calibrate::{slug, strip_number};
use super::*;
use crate::model::{StepId, StepKind};
use proptest::prelude::*;
use std::path::PathBuf;

const BASE_MS: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// A timestamp `m` minutes after the base.
fn at(m: i64) -> String {
    format_ms(BASE_MS + m * 60_000)
}

struct Log {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(name: &str, text: &str) -> Log {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Log { _dir: dir, path }
}

/// An interval CSV: each case a list of (activity, start minute or None, end minute).
fn interval(cases: &[Vec<(&str, Option<i64>, i64)>]) -> String {
    let mut s = String::from("case_id,activity,start_time,end_time\n");
    for (c, rows) in cases.iter().enumerate() {
        for (a, st, e) in rows {
            let st = st.map(at).unwrap_or_default();
            s.push_str(&format!("c{c},{a},{st},{}\n", at(*e)));
        }
    }
    s
}

/// A case of activities run one after another, each `work` minutes, `gap` between.
fn seq(acts: &[&'static str], work: i64, gap: i64) -> Vec<(&'static str, Option<i64>, i64)> {
    let mut t = 0;
    acts.iter()
        .map(|a| {
            let s = t;
            t += work;
            let row = (*a, Some(s), t);
            t += gap;
            row
        })
        .collect()
}

fn run(text: &str, options: &Options) -> Calibration {
    let log = file("log.csv", text);
    calibrate_path(&log.path, options, &Progress::new()).unwrap()
}

fn run_err(name: &str, text: &str, options: &Options) -> EventLogError {
    let log = file(name, text);
    calibrate_path(&log.path, options, &Progress::new()).unwrap_err()
}

fn step<'a>(c: &'a Calibration, id: &str) -> &'a crate::model::Step {
    c.map
        .step(&StepId::new(id))
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn flows(c: &Calibration) -> Vec<(String, String, Option<f64>)> {
    c.map
        .flows()
        .map(|f| (f.from.to_string(), f.to.to_string(), f.flow.probability))
        .collect()
}

fn has_flow(c: &Calibration, from: &str, to: &str) -> bool {
    flows(c).iter().any(|(a, b, _)| a == from && b == to)
}

fn no_filters() -> Options {
    Options {
        min_activity: 0.0,
        min_flow: 0.0,
        ..Options::default()
    }
}

// ---- rule 1: pairing ----

fn events(list: &[(u32, Transition, i64)]) -> RawLog {
    let mut log = RawLog::new(Layout::Lifecycle);
    log.cases.intern("c");
    log.activities.intern("A");
    for (pos, &(instance, transition, t)) in list.iter().enumerate() {
        log.events.push(Event {
            case: 0,
            activity: 0,
            instance,
            resource: NONE,
            role: NONE,
            transition,
            time_ms: t,
            pos: pos as u64,
        });
    }
    log
}

fn paired(log: RawLog) -> (Vec<(Option<i64>, i64)>, Vec<String>) {
    let log = pair::into_instances(log, &Progress::new()).unwrap();
    let mut v: Vec<_> = log
        .instances
        .iter()
        .map(|i| (i.start_ms, i.complete_ms))
        .collect();
    v.sort();
    (v, log.warnings)
}

#[test]
fn pairing_is_fifo_per_instance_id() {
    use Transition::*;
    // Two overlapping instances of A: ids pair them as written, FIFO without ids.
    let with_ids = events(&[
        (1, Start, 0),
        (2, Start, 10),
        (2, Complete, 15),
        (1, Complete, 30),
    ]);
    assert_eq!(paired(with_ids).0, vec![(Some(0), 30), (Some(10), 15)]);
    let without = events(&[
        (NONE, Start, 0),
        (NONE, Start, 10),
        (NONE, Complete, 15),
        (NONE, Complete, 30),
    ]);
    assert_eq!(paired(without).0, vec![(Some(0), 15), (Some(10), 30)]);
    // In time order, not file order; ties by position.
    let shuffled = events(&[
        (NONE, Complete, 30),
        (NONE, Start, 10),
        (NONE, Start, 0),
        (NONE, Complete, 15),
    ]);
    assert_eq!(paired(shuffled).0, vec![(Some(0), 15), (Some(10), 30)]);
}

#[test]
fn missing_transition_is_complete_and_others_are_ignored() {
    assert_eq!(Transition::parse(b""), Transition::Complete);
    assert_eq!(Transition::parse(b" COMPLETE "), Transition::Complete);
    assert_eq!(Transition::parse(b"Start"), Transition::Start);
    assert_eq!(Transition::parse(b"schedule"), Transition::Other);
    let text = format!(
        "case_id,activity,lifecycle,timestamp\nc,A,start,{}\nc,A,,{}\nc,B,schedule,{}\nc,B,,{}\n",
        at(0),
        at(5),
        at(6),
        at(20)
    );
    let c = run(&text, &no_filters());
    assert_eq!(c.summary.activity_instances, 2);
    assert_eq!(step(&c, "a").work_mins, 5.0);
    assert_eq!(step(&c, "b").work_mins, 0.0, "B has no start: no work");
    assert_eq!(
        step(&c, "b").wait_mins,
        15.0,
        "B waits from A's complete to its own"
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("1 event with a lifecycle transition other"))
    );
}

#[test]
fn start_never_completed_is_dropped_with_a_warning_and_complete_without_start_kept() {
    use Transition::*;
    let (inst, warnings) = paired(events(&[(NONE, Complete, 5), (NONE, Start, 10)]));
    assert_eq!(
        inst,
        vec![(None, 5)],
        "the complete has no start; the start is dropped"
    );
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("1 start event was never completed"),
        "{warnings:?}"
    );
}

#[test]
fn instance_takes_the_complete_resource_else_the_start_one() {
    let text = format!(
        "case_id,activity,lifecycle,timestamp,resource\nc,A,start,{},Ann\nc,A,complete,{},\nc,B,start,{},Ann\nc,B,complete,{},Bob\n",
        at(0),
        at(5),
        at(6),
        at(9)
    );
    let c = run(&text, &no_filters());
    // No roles, resources Ann and Bob (two groups: they have no numbers) → lanes by name.
    assert_eq!(step(&c, "a").lane.as_ref().unwrap().as_str(), "ann");
    assert_eq!(step(&c, "b").lane.as_ref().unwrap().as_str(), "bob");
}

// ---- rule 4: concurrency ----

#[test]
fn concurrency_from_both_orders_without_overlap() {
    // Complete-only: no overlap possible; B and C come in both orders.
    let mut cases = Vec::new();
    for n in 0..10 {
        let (x, y) = if n % 2 == 0 { ("B", "C") } else { ("C", "B") };
        cases.push(vec![
            ("A", None, 0),
            (x, None, 10),
            (y, None, 20),
            ("D", None, 30),
        ]);
    }
    let c = run(&interval(&cases), &no_filters());
    assert_eq!(c.summary.concurrent, vec![["B".to_owned(), "C".to_owned()]]);
    // A splits to both, both join at D.
    assert_eq!(step(&c, "a").kind, StepKind::Activity);
    assert!(has_flow(&c, "a", "b") && has_flow(&c, "a", "c"));
    assert!(has_flow(&c, "b", "d") && has_flow(&c, "c", "d"));
    assert!(!has_flow(&c, "b", "c") && !has_flow(&c, "c", "b"));
}

#[test]
fn concurrency_from_overlap_in_one_order() {
    // B always starts first, C starts before B ends: df only B→C, but they overlap.
    let cases: Vec<_> = (0..10)
        .map(|_| {
            vec![
                ("A", Some(0), 10),
                ("B", Some(10), 30),
                ("C", Some(15), 25),
                ("D", Some(40), 50),
            ]
        })
        .collect();
    let c = run(&interval(&cases), &no_filters());
    assert_eq!(c.summary.concurrent, vec![["B".to_owned(), "C".to_owned()]]);
    // Without overlap (C after B ends) the same order is a sequence.
    let cases: Vec<_> = (0..10)
        .map(|_| {
            vec![
                ("A", Some(0), 10),
                ("B", Some(10), 30),
                ("C", Some(30), 35),
                ("D", Some(40), 50),
            ]
        })
        .collect();
    assert!(
        run(&interval(&cases), &no_filters())
            .summary
            .concurrent
            .is_empty()
    );
}

#[test]
fn a_b_a_in_any_case_excludes_df_concurrency() {
    let mut cases = Vec::new();
    for n in 0..10 {
        let (x, y) = if n % 2 == 0 { ("B", "C") } else { ("C", "B") };
        cases.push(vec![
            ("A", None, 0),
            (x, None, 10),
            (y, None, 20),
            ("D", None, 30),
        ]);
    }
    // One case with B C B: B and C form a loop, not a parallel pair.
    cases.push(vec![
        ("A", None, 0),
        ("B", None, 10),
        ("C", None, 20),
        ("B", None, 30),
        ("D", None, 40),
    ]);
    let c = run(&interval(&cases), &no_filters());
    assert!(
        c.summary.concurrent.is_empty(),
        "{:?}",
        c.summary.concurrent
    );
    assert!(has_flow(&c, "b", "c") && has_flow(&c, "c", "b"));
}

#[test]
fn the_threshold_scales_with_the_instances() {
    // B C in 19 cases, C B in 1: df(C,B) = 1 < 0.05 × 20 = 1? t = max(1, 1.0) = 1 → concurrent;
    // at --min-conc 0.1, t = 2 → not.
    let mut cases = Vec::new();
    for n in 0..20 {
        let (x, y) = if n == 0 { ("C", "B") } else { ("B", "C") };
        cases.push(vec![("A", None, 0), (x, None, 10), (y, None, 20)]);
    }
    let text = interval(&cases);
    assert_eq!(run(&text, &no_filters()).summary.concurrent.len(), 1);
    let strict = Options {
        min_conc: 0.1,
        ..no_filters()
    };
    assert!(run(&text, &strict).summary.concurrent.is_empty());
}

// ---- rules 5 and 6: predecessors and times ----

#[test]
fn and_join_waits_for_the_last_predecessor() {
    let cases: Vec<_> = (0..4)
        .map(|_| {
            vec![
                ("A", Some(0), 10),
                ("B", Some(10), 20),
                ("C", Some(12), 30),
                ("D", Some(50), 60),
            ]
        })
        .collect();
    let c = run(&interval(&cases), &no_filters());
    assert_eq!(c.summary.concurrent.len(), 1);
    let d = step(&c, "d");
    assert_eq!(d.wait_mins, 20.0, "50 − max(20, 30)");
    assert_eq!(d.work_mins, 10.0);
    assert_eq!(step(&c, "b").wait_mins, 0.0);
    assert_eq!(
        step(&c, "c").wait_mins,
        2.0,
        "C's only predecessor is A (B is parallel)"
    );
    // Sequential case durations: first start to last complete = 60.
    assert_eq!(c.summary.mean_case_mins, 60.0);
}

#[test]
fn statistics_in_the_notes_and_median_option() {
    // Work of A: 1, 2, 3, 10 minutes → mean 4, median 2.5, p90 10.
    let cases: Vec<_> = [1, 2, 3, 10]
        .iter()
        .map(|&w| vec![("A", Some(0), w), ("B", Some(w + 1), w + 2)])
        .collect();
    let text = interval(&cases);
    let c = run(&text, &no_filters());
    let o = parse_observed(&step(&c, "a").notes).unwrap();
    assert_eq!((o.n, o.cases, o.with_start), (4, 4, 4));
    assert_eq!((o.work.mean, o.work.median, o.work.p90), (4.0, 2.5, 10.0));
    assert_eq!(step(&c, "a").work_mins, 4.0);
    assert!(!o.work.is_skewed());
    let median = Options {
        statistic: Statistic::Median,
        ..no_filters()
    };
    assert_eq!(step(&run(&text, &median), "a").work_mins, 2.5);
    let ob = parse_observed(&step(&c, "b").notes).unwrap();
    assert_eq!((ob.wait.mean, ob.wait.median), (1.0, 1.0));
}

#[test]
fn observed_notes_round_trip_and_flag_skew() {
    let o = Observed {
        n: 7,
        cases: 5,
        with_start: 6,
        work: ObservedStats {
            mean: 12.3456,
            median: 3.0,
            p90: 40.5,
        },
        wait: ObservedStats {
            mean: 0.0,
            median: 0.0,
            p90: 0.0,
        },
    };
    let notes = format!("my own words\n{}\nmore words", format_observed(&o));
    assert_eq!(parse_observed(&notes), Some(o));
    assert!(o.is_skewed(), "12.3456 > 3 × 3");
    assert_eq!(parse_observed("nothing here"), None);
    assert_eq!(
        parse_observed("observed in the event log: n=x cases=1 with_start=1\n"),
        None
    );
}

// ---- rule 7: outcomes and their filter ----

#[test]
fn min_flow_drops_rare_outcomes_and_keeps_every_activity_reachable() {
    let mut cases = Vec::new();
    cases.extend((0..90).map(|_| seq(&["A", "B"], 1, 1)));
    cases.extend((0..5).map(|_| seq(&["A", "C"], 1, 1)));
    cases.extend((0..5).map(|_| seq(&["A", "B", "C"], 1, 1)));
    let text = interval(&cases);
    let options = Options {
        min_flow: 0.1,
        ..no_filters()
    };
    let c = run(&text, &options);
    // A: {B} 95, {C} 5; B: {END} 90, {C} 5 (5.3%). Both C outcomes fall under 10%; C gets back
    // its most frequent (5 = 5: the first source by name, A).
    assert!(has_flow(&c, "a", "c"));
    assert!(!has_flow(&c, "b", "c"));
    let a_flows: Vec<_> = flows(&c).into_iter().filter(|f| f.0 == "a").collect();
    assert_eq!(a_flows[0], ("a".into(), "b".into(), Some(0.95)));
    assert_eq!(a_flows[1].1, "c");
    assert_eq!(c.summary.dropped_flows.len(), 1);
    let d = &c.summary.dropped_flows[0];
    assert_eq!(
        (d.from.as_str(), d.to.clone(), d.count),
        ("B", vec!["C".to_owned()], 5)
    );
    assert_eq!(
        step(&c, "b").kind,
        StepKind::Activity,
        "B keeps one outcome only"
    );
    // With no flow filter everything stays.
    let c = run(&text, &no_filters());
    assert!(has_flow(&c, "b", "c") && c.summary.dropped_flows.is_empty());
    assert_eq!(step(&c, "b").kind, StepKind::Decision);
}

#[test]
fn min_activity_removes_rare_activities_and_their_time_goes_to_the_next_wait() {
    let mut cases: Vec<_> = (0..99).map(|_| seq(&["A", "B"], 10, 0)).collect();
    cases.push(vec![
        ("A", Some(0), 10),
        ("X", Some(10), 20),
        ("B", Some(20), 30),
    ]);
    let c = run(&interval(&cases), &Options::default());
    assert!(c.map.step(&StepId::new("x")).is_some());
    assert_eq!(
        c.summary.dropped_activities.len(),
        0,
        "1% is kept at the default 0.01"
    );
    let strict = Options {
        min_activity: 0.02,
        ..Options::default()
    };
    let c = run(&interval(&cases), &strict);
    assert!(c.map.step(&StepId::new("x")).is_none());
    assert_eq!(c.summary.dropped_activities[0].name, "X");
    assert_eq!(c.summary.dropped_activities[0].case_share, 0.01);
    assert!(
        c.map
            .description
            .contains("Dropped activities: X (1.00% of cases)")
    );
    let b = parse_observed(&step(&c, "b").notes).unwrap();
    assert_eq!(
        b.wait.mean, 0.1,
        "X's 10 minutes in one case of 100 become B's wait"
    );
}

#[test]
fn decision_with_a_parallel_outcome_gets_a_split_step() {
    let mut cases = Vec::new();
    for _ in 0..6 {
        cases.push(vec![
            ("A", Some(0), 1),
            ("B", Some(1), 5),
            ("C", Some(2), 4),
            ("E", Some(6), 7),
        ]);
    }
    for _ in 0..4 {
        cases.push(seq(&["A", "D", "E"], 1, 1));
    }
    let c = run(&interval(&cases), &no_filters());
    assert_eq!(step(&c, "a").kind, StepKind::Decision);
    let split = step(&c, "a-and-1");
    assert_eq!(split.name, "A: parallel split 1");
    assert_eq!(split.kind, StepKind::Activity);
    assert_eq!((split.work_mins, split.wait_mins), (0.0, 0.0));
    let f = flows(&c);
    let from_a: Vec<_> = f.iter().filter(|x| x.0 == "a").collect();
    assert_eq!(from_a.len(), 2);
    assert_eq!((from_a[0].1.as_str(), from_a[0].2), ("a-and-1", Some(0.6)));
    assert_eq!(from_a[1].1, "d");
    assert_eq!(from_a[1].2, Some(1.0 - 0.6));
    assert!(has_flow(&c, "a-and-1", "b") && has_flow(&c, "a-and-1", "c"));
}

#[test]
fn start_with_several_outcomes_gets_a_start_choice() {
    let mut cases: Vec<_> = (0..3).map(|_| seq(&["A", "C"], 1, 1)).collect();
    cases.extend((0..3).map(|_| seq(&["B", "C"], 1, 1)));
    cases.extend((0..3).map(|_| seq(&["D", "C"], 1, 1)));
    let c = run(&interval(&cases), &no_filters());
    let choice = step(&c, "start-choice");
    assert_eq!(choice.kind, StepKind::Decision);
    assert_eq!(flows(&c)[0], ("start".into(), "start-choice".into(), None));
    let ps: Vec<f64> = flows(&c)
        .iter()
        .filter(|f| f.0 == "start-choice")
        .map(|f| f.2.unwrap())
        .collect();
    assert_eq!(ps.len(), 3);
    // Rounded to 12 decimals, the last is exactly 1 − the others.
    assert_eq!(ps[0], 0.333333333333);
    assert_eq!(ps[1], 0.333333333333);
    assert_eq!(ps[2], 1.0 - (ps[0] + ps[1]));
    assert_eq!(ps[0] + ps[1] + ps[2], 1.0);
    // Same count: ordered by outcome, i.e. by name.
    let to: Vec<_> = flows(&c)
        .into_iter()
        .filter(|f| f.0 == "start-choice")
        .map(|f| f.1)
        .collect();
    assert_eq!(to, ["a", "b", "d"]);
}

// ---- rule 8: ids ----

#[test]
fn slugs_and_collisions() {
    assert_eq!(
        slug("Check credit history", "activity"),
        "check-credit-history"
    );
    assert_eq!(slug("  A/B -- c!", "activity"), "a-b-c");
    assert_eq!(slug("Über", "activity"), "ber");
    assert_eq!(slug("!!!", "activity"), "activity");
    let names = ["Start", "end", "A b", "a-b", "a_b", "", "!!!"];
    let cases: Vec<_> = (0..2).map(|_| seq(&names, 1, 1)).collect();
    let c = run(&interval(&cases), &no_filters());
    let by_name = |n: &str| {
        let s = c
            .map
            .steps()
            .find(|s| s.name == n && s.kind == StepKind::Activity);
        s.unwrap().id.to_string()
    };
    // In name order: "" "!!!" "A b" "Start" "a-b" "a_b" "end".
    assert_eq!(by_name(""), "activity");
    assert_eq!(by_name("!!!"), "activity-2");
    assert_eq!(by_name("A b"), "a-b");
    assert_eq!(by_name("Start"), "start-2");
    assert_eq!(by_name("a-b"), "a-b-2");
    assert_eq!(by_name("a_b"), "a-b-3");
    assert_eq!(by_name("end"), "end-2");
    assert_eq!(step(&c, "start").kind, StepKind::Start);
    assert_eq!(step(&c, "end").kind, StepKind::End);
}

// ---- rule 9: lanes ----

#[test]
fn trailing_numbers_and_separators_are_stripped() {
    assert_eq!(strip_number("Clerk-000001"), "Clerk");
    assert_eq!(strip_number("Operator_0"), "Operator");
    assert_eq!(strip_number("AML Investigator-000001"), "AML Investigator");
    assert_eq!(strip_number("desk #12"), "desk");
    assert_eq!(strip_number("team.3"), "team");
    assert_eq!(strip_number("r1"), "r");
    assert_eq!(strip_number("Ann"), "Ann");
    assert_eq!(strip_number("42"), "42");
}

fn with_resources(rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("case_id,activity,start_time,end_time,resource,role\n");
    for (n, (a, r, role)) in rows.iter().enumerate() {
        for c in 0..2 {
            s.push_str(&format!(
                "c{c},{a},{},{},{r},{role}\n",
                at(n as i64 * 10),
                at(n as i64 * 10 + 5)
            ));
        }
    }
    s
}

fn lane_names(c: &Calibration) -> Vec<String> {
    c.map.lanes().iter().map(|l| l.name.clone()).collect()
}

#[test]
fn lanes_from_roles_else_resource_groups_else_resources() {
    let c = run(
        &with_resources(&[("A", "Clerk-1", "Office"), ("B", "Boss-1", "Management")]),
        &no_filters(),
    );
    assert_eq!(lane_names(&c), ["Management", "Office"]);
    assert_eq!(step(&c, "a").lane.as_ref().unwrap().as_str(), "office");
    // No roles: the resources' groups.
    let c = run(
        &with_resources(&[
            ("A", "Clerk-000001", ""),
            ("B", "Clerk-000002", ""),
            ("C", "Boss_1", ""),
        ]),
        &no_filters(),
    );
    assert_eq!(lane_names(&c), ["Boss", "Clerk"]);
    assert_eq!(step(&c, "b").lane.as_ref().unwrap().as_str(), "clerk");
    // No roles and one group of 2..12 resources: the resources themselves.
    let c = run(
        &with_resources(&[("A", "r1", ""), ("B", "r2", ""), ("C", "r3", "")]),
        &no_filters(),
    );
    assert_eq!(lane_names(&c), ["r1", "r2", "r3"]);
    // start takes the lane of the entry activity, end the lane of the last one.
    assert_eq!(step(&c, "start").lane.as_ref().unwrap().as_str(), "r1");
    assert_eq!(step(&c, "end").lane.as_ref().unwrap().as_str(), "r3");
    // No resource at all: no lanes.
    let c = run(&interval(&[seq(&["A", "B"], 1, 1)]), &no_filters());
    assert!(c.map.lanes().is_empty());
    assert!(step(&c, "a").lane.is_none());
}

#[test]
fn the_most_frequent_value_wins_and_a_step_without_one_takes_the_first_lane() {
    let mut s = String::from("case_id,activity,start_time,end_time,role\n");
    for c in 0..3 {
        let role = if c == 0 { "Zed" } else { "Yan" };
        s.push_str(&format!("c{c},A,{},{},{role}\n", at(0), at(1)));
        s.push_str(&format!("c{c},B,{},{},\n", at(2), at(3)));
    }
    let c = run(&s, &no_filters());
    assert_eq!(lane_names(&c), ["Yan"]);
    assert_eq!(step(&c, "a").lane.as_ref().unwrap().as_str(), "yan");
    assert_eq!(
        step(&c, "b").lane.as_ref().unwrap().as_str(),
        "yan",
        "no value: the first lane"
    );
}

// ---- rules 10 and 11 ----

#[test]
fn complete_only_log_says_so() {
    let text = format!(
        "case_id,activity,timestamp\nc,A,{}\nc,B,{}\nd,A,{}\nd,B,{}\n",
        at(0),
        at(30),
        at(0),
        at(10)
    );
    let c = run(&text, &no_filters());
    assert_eq!(c.summary.layout, Layout::CompleteOnly);
    assert!(c.summary.complete_only);
    assert!(c.map.description.contains("completion times only"));
    assert_eq!(step(&c, "b").work_mins, 0.0);
    assert_eq!(
        step(&c, "b").wait_mins,
        20.0,
        "the gap since A's completion, work included"
    );
    assert_eq!(c.map.name, "log (calibrated)");
    assert!(is_complete_only(&c.map));
    let with_starts = run(&interval(&[seq(&["A", "B"], 1, 1)]), &no_filters());
    assert!(!is_complete_only(&with_starts.map));
    assert!(!is_complete_only(&crate::model::Map::new("drawn by hand")));
}

#[test]
fn customer_lanes_are_suggested_by_name() {
    for yes in [
        "Customer",
        "applicant",
        "Loan Applicant",
        "CLIENT",
        "clients",
    ] {
        assert!(suggests_customer_lane(yes), "{yes}");
    }
    assert!(!suggests_customer_lane("Clerk"));
    assert!(!suggests_customer_lane("Clientele"));
    assert!(!suggests_customer_lane(""));
}

#[test]
fn semicolon_delimiter_and_column_overrides() {
    let text = format!("Fall;Schritt;Ende\n1;A;{}\n1;B;{}\n", at(0), at(5));
    let err = run_err("x.csv", &text, &Options::default());
    let msg = err.to_string();
    assert!(
        msg.contains("no case column (columns found: Fall, Schritt, Ende)"),
        "{msg}"
    );
    assert!(msg.contains("--case"), "{msg}");
    let options = Options {
        columns: ColumnMap {
            case: Some("fall".into()),
            activity: Some("Schritt".into()),
            timestamp: Some("Ende".into()),
            ..ColumnMap::default()
        },
        ..no_filters()
    };
    let c = run(&text, &options);
    assert_eq!(c.summary.cases, 1);
    assert!(has_flow(&c, "a", "b"));
    let unknown = Options {
        columns: ColumnMap {
            case: Some("nope".into()),
            ..ColumnMap::default()
        },
        ..no_filters()
    };
    let msg = run_err("x.csv", &text, &unknown).to_string();
    assert!(msg.contains("--case \"nope\": no such column"), "{msg}");
}

#[test]
fn an_empty_column_override_means_no_column() {
    // A detected role column left out on purpose: its values make no lanes.
    let text = format!(
        "case_id,activity,timestamp,role\n1,A,{},Clerk\n1,B,{},Manager\n",
        at(0),
        at(5)
    );
    assert_eq!(run(&text, &no_filters()).map.lanes().len(), 2);
    let without_role = Options {
        columns: ColumnMap {
            role: Some(String::new()),
            ..ColumnMap::default()
        },
        ..no_filters()
    };
    assert!(run(&text, &without_role).map.lanes().is_empty());
    // A required one left out is missing, as if never there.
    let without_case = Options {
        columns: ColumnMap {
            case: Some(" ".into()),
            ..ColumnMap::default()
        },
        ..no_filters()
    };
    let msg = run_err("x.csv", &text, &without_case).to_string();
    assert!(msg.contains("no case column"), "{msg}");
}

#[test]
fn preview_detects_columns_and_layout() {
    let log = file(
        "p.csv",
        "Case ID;Activity;Start_Time;End_Time;Resource\n1;A;2024-01-01 10:00;2024-01-01 10:05;Ann\n2;B;;2024-01-01 11:00;Bob\n",
    );
    let p = csv_preview(&log.path, 1).unwrap();
    assert_eq!(p.delimiter, ';');
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.detected.case.as_deref(), Some("Case ID"));
    assert_eq!(p.detected.end.as_deref(), Some("End_Time"));
    assert_eq!(p.detected.resource.as_deref(), Some("Resource"));
    assert_eq!(p.detected.lifecycle, None);
    assert_eq!(p.layout, Some(Layout::Interval));
}

// ---- XES ----

fn xes(events: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<log xmlns="http://www.xes-standard.org/">
  <global scope="event"><string key="lifecycle:transition" value="complete"/><string key="concept:name" value="Default"/></global>
  <string key="concept:name" value="My log"/>
{events}
</log>
"#
    )
}

#[test]
fn xes_with_defaults_nested_attributes_and_namespaces() {
    let text = xes(&format!(
        r#"  <trace><string key="concept:name" value="t1"/>
    <event><string key="concept:name" value="A &amp; B"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="{}"/>
      <list key="x"><string key="concept:name" value="nested, ignored"/></list></event>
    <event><string key="concept:name" value="A &amp; B"/><date key="time:timestamp" value="{}"/><string key="org:group" value="Desk"/></event>
    <xes:event xmlns:xes="http://www.xes-standard.org/"><date key="time:timestamp" value="{}"/></xes:event>
    <event><string key="concept:name" value="No time"/></event>
  </trace>
  <trace><event><string key="concept:name" value="A &amp; B"/><date key="time:timestamp" value="{}"/></event></trace>"#,
        at(0),
        at(10),
        at(25),
        at(3)
    ));
    let log = file("x.xes", &text);
    let c = calibrate_path(&log.path, &no_filters(), &Progress::new()).unwrap();
    assert_eq!(c.map.name, "My log (calibrated)");
    assert_eq!(
        c.summary.cases, 2,
        "a trace without a name is a case of its own"
    );
    assert_eq!(c.summary.events, 5);
    assert_eq!(c.summary.activity_instances, 3);
    let ab = step(&c, "a-b");
    assert_eq!(ab.name, "A & B");
    assert_eq!(ab.work_mins, 10.0, "over the instances with a start only");
    let o = parse_observed(&ab.notes).unwrap();
    assert_eq!((o.n, o.with_start, o.cases), (2, 1, 2));
    assert!(has_flow(&c, "a-b", "default"));
    assert_eq!(step(&c, "default").wait_mins, 15.0);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("1 event without a time:timestamp"))
    );
    assert_eq!(lane_names(&c), ["Desk"]);
}

#[test]
fn xes_gz_reads_the_same() {
    use std::io::Write;
    let text = xes(&format!(
        r#"<trace><string key="concept:name" value="1"/><event><string key="concept:name" value="A"/><date key="time:timestamp" value="{}"/></event><event><string key="concept:name" value="B"/><date key="time:timestamp" value="{}"/></event></trace>"#,
        at(0),
        at(7)
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.xes.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let c = calibrate_path(&path, &no_filters(), &Progress::new()).unwrap();
    assert_eq!(step(&c, "b").wait_mins, 7.0);
    // By content too: a gzip file without the name.
    let plain = dir.path().join("log.data");
    std::fs::copy(&path, &plain).unwrap();
    assert_eq!(LogFormat::detect(&plain).unwrap(), LogFormat::XesGz);
    // A gzipped log named .xes, and a plain one named .xes.gz, are read for what they are.
    let misnamed = dir.path().join("zipped.xes");
    std::fs::copy(&path, &misnamed).unwrap();
    assert_eq!(
        step(
            &calibrate_path(&misnamed, &no_filters(), &Progress::new()).unwrap(),
            "b"
        )
        .wait_mins,
        7.0
    );
    let plain_gz = dir.path().join("plain.xes.gz");
    std::fs::write(&plain_gz, &text).unwrap();
    assert_eq!(LogFormat::detect(&plain_gz).unwrap(), LogFormat::Xes);
    assert!(calibrate_path(&plain_gz, &no_filters(), &Progress::new()).is_ok());
}

// ---- errors ----

#[test]
fn bad_timestamp_names_the_row_or_line_column_and_value() {
    let text = format!(
        "case_id,activity,start_time,end_time\nc,A,{},{}\nc,B,{},half past nine\n",
        at(0),
        at(1),
        at(2)
    );
    let msg = run_err("bad.csv", &text, &Options::default()).to_string();
    assert!(
        msg.contains(
            "bad.csv: row 3: cannot read the timestamp \"half past nine\" in column \"end_time\""
        ),
        "{msg}"
    );
    let text = xes(r#"<trace><event>
<string key="concept:name" value="A"/>
<date key="time:timestamp" value="2024-02-30T00:00:00Z"/></event></trace>"#);
    let err = run_err("bad.xes", &text, &Options::default());
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            EventLogError::Timestamp {
                at: Location::Line(7),
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("bad.xes: line 7: cannot read the timestamp \"2024-02-30T00:00:00Z\" in column \"time:timestamp\""), "{msg}");
}

#[test]
fn empty_logs_are_no_events() {
    for (name, text) in [
        ("empty.csv", ""),
        ("blank.csv", "\n\n"),
        ("header.csv", "case_id,activity,end_time\n"),
        ("empty.xes", &xes("")),
        ("nothing.xes", ""),
        ("spaces.xes", " \n\t\n"),
        (
            "no-time.xes",
            &xes(r#"<trace><event><string key="concept:name" value="A"/></event></trace>"#),
        ),
    ] {
        let err = run_err(name, text, &Options::default());
        assert!(
            matches!(err, EventLogError::NoEvents { .. }),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("no events"), "{err}");
    }
}

#[test]
fn truncated_and_malformed_xes_say_so_with_a_line() {
    let whole = xes(&format!(
        "<trace>\n<event>\n<string key=\"concept:name\" value=\"A\"/>\n<date key=\"time:timestamp\" value=\"{}\"/>\n</event>\n</trace>",
        at(0)
    ));
    let cut = &whole[..whole.find("</event>").unwrap()];
    let msg = run_err("cut.xes", cut, &Options::default()).to_string();
    assert!(
        msg.contains("cut.xes: line 9: the file is truncated: it ends inside an <event>"),
        "{msg}"
    );
    let bad = whole.replace("</trace>", "</tracer>");
    let msg = run_err("bad.xes", &bad, &Options::default()).to_string();
    assert!(msg.contains("bad.xes: line 10: malformed XML"), "{msg}");
    let msg = run_err("html.xes", "<html><body/></html>", &Options::default()).to_string();
    assert!(
        msg.contains("not an XES log: the root element is <html>"),
        "{msg}"
    );
    let msg = run_err("text.xes", "just some text", &Options::default()).to_string();
    assert!(msg.contains("not an XES log: no <log> element"), "{msg}");
    let msg = run_err("log.csv.gz", "x", &Options::default()).to_string();
    assert!(msg.contains("a compressed CSV log is not read"), "{msg}");
}

#[test]
fn column_flags_are_refused_for_xes_and_thresholds_checked() {
    let options = Options {
        columns: ColumnMap {
            case: Some("x".into()),
            ..ColumnMap::default()
        },
        ..Options::default()
    };
    let msg = run_err("a.xes", &xes(""), &options).to_string();
    assert!(msg.contains("--case names a CSV column"), "{msg}");
    for bad in [-0.1, 1.5, f64::NAN] {
        let options = Options {
            min_flow: bad,
            ..Options::default()
        };
        assert!(
            options
                .check()
                .unwrap_err()
                .to_string()
                .contains("--min-flow must be a share between 0 and 1")
        );
    }
}

#[test]
fn cancel_stops_with_cancelled() {
    let log = file("log.csv", &interval(&[seq(&["A", "B"], 1, 1)]));
    let progress = Progress::new();
    progress.request_cancel();
    let err = calibrate_path(&log.path, &Options::default(), &progress).unwrap_err();
    assert!(matches!(err, EventLogError::Cancelled), "{err}");
    let progress = Progress::new();
    calibrate_path(&log.path, &Options::default(), &progress).unwrap();
    assert_eq!(progress.fraction(), 1.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random bytes are an error or a map, never a panic, for both readers.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), xes_name in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if xes_name { "r.xes" } else { "r.csv" });
        std::fs::write(&path, &bytes).unwrap();
        let _ = calibrate_path(&path, &Options::default(), &Progress::new());
    }

    /// Any prefix of a valid log (and a byte changed in it) is an error or a map, never a panic.
    #[test]
    fn truncated_and_mutated_logs_never_panic(cut in 0usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let x = xes(&format!(
            r#"<trace><string key="concept:name" value="1"/><event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="{}"/></event><event><string key="concept:name" value="A"/><date key="time:timestamp" value="{}"/></event><event><string key="concept:name" value="B"/><date key="time:timestamp" value="{}"/></event></trace>"#,
            at(0), at(3), at(9)
        ));
        let c = format!("case_id,activity,lifecycle,timestamp\n1,A,start,{}\n1,A,complete,{}\n1,B,,{}\n", at(0), at(3), at(9));
        for (name, text) in [("t.xes", x), ("t.csv", c)] {
            let mut bytes = text.into_bytes();
            bytes.truncate(cut.min(bytes.len()));
            if !bytes.is_empty() {
                let i = flip % bytes.len();
                bytes[i] = byte;
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let _ = calibrate_path(&path, &Options::default(), &Progress::new());
        }
    }
}
