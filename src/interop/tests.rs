//! Unit and property tests of the interop formats: ISO durations, BPMN export → import is
//! lossless, CSV export → import keeps everything the table holds, and bad input errors.

use super::bpmn_export::{format_iso_duration, to_bpmn_string};
use super::bpmn_import::{PARALLEL_MIN_ELEMENTS, import_str, parse_iso_duration};
use super::csv_table::{self, to_csv_string};
use super::{BpmnProblem, CsvProblem, InteropError};
use crate::model::{Flow, FlowKind, Lane, LaneId, Map, Step, StepId, StepKind, Touchpoint, Value};
use proptest::prelude::*;

#[test]
fn iso_durations_parse_to_minutes() {
    assert_eq!(parse_iso_duration("PT4H"), Some(240.0));
    assert_eq!(parse_iso_duration("P2D"), Some(2880.0));
    assert_eq!(parse_iso_duration("P1DT2H30M"), Some(1440.0 + 150.0));
    assert_eq!(parse_iso_duration("PT30S"), Some(0.5));
    assert_eq!(parse_iso_duration("PT1.5M"), Some(1.5));
    assert_eq!(parse_iso_duration("P1W"), Some(7.0 * 1440.0));
    assert_eq!(parse_iso_duration(" PT0M "), Some(0.0));
    for bad in [
        "", "P", "PT", "4H", "PT4", "P1H", "PT4H2D", "PTxH", "P1DT", "${x}", "PT1M1H",
    ] {
        assert_eq!(parse_iso_duration(bad), None, "{bad}");
    }
}

#[test]
fn iso_durations_round_trip() {
    for mins in [
        0.0, 1.0, 59.0, 60.0, 150.0, 1440.0, 1441.0, 4326.0, 0.5, 17.25,
    ] {
        let text = format_iso_duration(mins);
        assert_eq!(parse_iso_duration(&text), Some(mins), "{text}");
    }
    assert_eq!(format_iso_duration(1440.0 + 150.0), "P1DT2H30M");
    assert_eq!(format_iso_duration(240.0), "PT4H");
}

fn bpmn_error(text: &str) -> (Option<(u32, u32)>, BpmnProblem) {
    match import_str("t.bpmn", text) {
        Err(InteropError::Bpmn {
            position, problem, ..
        }) => (position, *problem),
        other => panic!("expected a BPMN error, got {other:?}"),
    }
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">"#;

#[test]
fn malformed_xml_names_line_and_column() {
    let (pos, problem) = bpmn_error(&format!(
        "{HEAD}\n<process id=\"p\">\n<task id=\"a\">\n</process>"
    ));
    assert_eq!(pos.map(|p| p.0), Some(5));
    assert!(matches!(problem, BpmnProblem::Xml(_)), "{problem}");
}

#[test]
fn not_bpmn_and_too_deep_are_refused() {
    let (_, problem) = bpmn_error("<html><body/></html>");
    assert!(
        problem.to_string().contains("root element is <html>"),
        "{problem}"
    );
    let deep = format!(
        "{HEAD}{}{}</definitions>",
        "<extensionElements>".repeat(300),
        "</extensionElements>".repeat(300)
    );
    let (_, problem) = bpmn_error(&deep);
    assert_eq!(problem, BpmnProblem::TooDeep(super::bpmn_import::MAX_DEPTH));
    // In the model too, named at the first element past the limit: `definitions` is at
    // depth 1, so the 256th nested sub-process is the first too deep.
    let deep = format!(
        "{HEAD}\n{}{}</definitions>",
        "<subProcess>".repeat(300),
        "</subProcess>".repeat(300)
    );
    let (pos, problem) = bpmn_error(&deep);
    assert_eq!(problem, BpmnProblem::TooDeep(super::bpmn_import::MAX_DEPTH));
    let column = 1 + 255 * "<subProcess>".len() as u32;
    assert_eq!(pos, Some((3, column)));
}

#[test]
fn dtd_and_entity_bombs_are_refused() {
    let text = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" name="&b;"/>"#;
    let (_, problem) = bpmn_error(text);
    assert_eq!(problem, BpmnProblem::Dtd, "{problem}");
    assert!(problem.to_string().contains("<!DOCTYPE"), "{problem}");
}

#[test]
fn sequence_flow_to_a_non_step_is_an_error() {
    let text = format!(
        "{HEAD}<process id=\"p\"><task id=\"a\"/><dataObject id=\"x\"/>\
         <sequenceFlow id=\"f\" sourceRef=\"a\" targetRef=\"x\"/></process></definitions>"
    );
    let (_, problem) = bpmn_error(&text);
    assert!(
        problem.to_string().contains("\"x\", which is a dataObject"),
        "{problem}"
    );
}

#[test]
fn dangling_data_association_is_named() {
    let text = format!(
        "{HEAD}<process id=\"p\"><task id=\"a\">\n<dataOutputAssociation>\
         <targetRef>Nowhere</targetRef></dataOutputAssociation></task></process></definitions>"
    );
    let (pos, problem) = bpmn_error(&text);
    assert_eq!(pos.map(|p| p.0), Some(3));
    assert_eq!(
        problem.to_string(),
        "dataOutputAssociation (without an id): targetRef refers to \"Nowhere\", but no element has that id"
    );
}

/// A process of `tasks` chained tasks in two lanes that both list the first task (an error
/// the mapping finds), with `extra` inside the process: with a few thousand tasks the
/// references are checked on a second thread while the mapping runs.
fn two_lanes_one_task(tasks: usize, extra: &str) -> String {
    let mut body = String::new();
    for k in 0..tasks {
        body.push_str(&format!("<task id=\"t{k}\"/>"));
        if k > 0 {
            let j = k - 1;
            body.push_str(&format!(
                "<sequenceFlow id=\"f{k}\" sourceRef=\"t{j}\" targetRef=\"t{k}\"/>"
            ));
        }
    }
    format!(
        "{HEAD}<process id=\"p\"><laneSet><lane id=\"a\"><flowNodeRef>t0</flowNodeRef></lane>\
         <lane id=\"b\"><flowNodeRef>t0</flowNodeRef></lane></laneSet>{body}{extra}</process>\
         </definitions>"
    )
}

#[test]
fn the_reference_check_wins_over_the_mapping_on_small_and_large_files() {
    let dangling = "<sequenceFlow id=\"bad\" sourceRef=\"t0\" targetRef=\"nowhere\"/>";
    // Every task is an element (and every flow one more).
    for tasks in [3, PARALLEL_MIN_ELEMENTS] {
        // Both problems: the reference check's is the one named.
        let (_, problem) = bpmn_error(&two_lanes_one_task(tasks, dangling));
        assert!(
            matches!(&problem, BpmnProblem::DanglingReference { target, .. } if target == "nowhere"),
            "{tasks} tasks: {problem}"
        );
        // Only the mapping's.
        let (_, problem) = bpmn_error(&two_lanes_one_task(tasks, ""));
        assert!(
            matches!(problem, BpmnProblem::InTwoLanes { .. }),
            "{tasks} tasks: {problem}"
        );
    }
}

#[test]
fn the_reference_check_notes_come_first_on_small_and_large_files() {
    for tasks in [3, PARALLEL_MIN_ELEMENTS] {
        // A data object reference to nothing (noted by the check) and a task in no lane
        // (noted by the mapping).
        let mut body = String::new();
        for k in 0..tasks {
            body.push_str(&format!("<task id=\"t{k}\"/>"));
        }
        let text = format!(
            "{HEAD}<process id=\"p\"><laneSet><lane id=\"a\"><flowNodeRef>t0</flowNodeRef>\
             </lane></laneSet>{body}<dataObjectReference id=\"dr\" dataObjectRef=\"gone\"/>\
             </process></definitions>"
        );
        let notes = import_str("t.bpmn", &text).unwrap().notes;
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("refers to \"gone\""), "{notes:?}");
        assert!(notes[1].contains("are in no lane"), "{notes:?}");
    }
}

/// A process where `n` steps write the data object `obj` (named `name`) and `n` others read
/// it: every writer gets an information flow to every reader.
fn shared_data_object(n: usize, name: &str) -> String {
    let mut body = format!(
        "<dataObject id=\"obj\" name=\"{name}\"/><dataObjectReference id=\"ref\" dataObjectRef=\"obj\"/>"
    );
    for k in 0..n {
        body.push_str(&format!(
            "<task id=\"w{k}\"><dataOutputAssociation><targetRef>ref</targetRef></dataOutputAssociation></task>\
             <task id=\"r{k}\"><dataInputAssociation><sourceRef>ref</sourceRef></dataInputAssociation></task>"
        ));
    }
    format!("{HEAD}<process id=\"p\">{body}</process></definitions>")
}

#[test]
fn data_objects_that_would_make_too_many_flows_are_refused_before_any_is_made() {
    use super::bpmn_import::MAX_DATA_LABEL_BYTES;
    use crate::model::MAX_FLOWS;
    // A few thousand associations: 1,733 writers times 1,733 readers is just over the
    // 3,000,000 flows a map holds.
    let n = (MAX_FLOWS as f64).sqrt() as usize + 1;
    let (_, problem) = bpmn_error(&shared_data_object(n, "Order"));
    assert!(
        matches!(&problem, BpmnProblem::TooManyDataFlows { id, flows, .. }
            if id == "ref" && *flows == (n * n) as u64),
        "{problem}"
    );
    // Fewer flows, but each a copy of a long name: more label text than the largest file.
    let n = 200;
    let name = "x".repeat(usize::try_from(MAX_DATA_LABEL_BYTES).unwrap() / (n * n) + 1);
    let (_, problem) = bpmn_error(&shared_data_object(n, &name));
    assert!(
        matches!(&problem, BpmnProblem::TooManyDataFlows { flows, label_mib, .. }
            if *flows == (n * n) as u64 && *label_mib > MAX_DATA_LABEL_BYTES >> 20),
        "{problem}"
    );
    assert!(
        problem.to_string().contains("at most 3000000 flows"),
        "{problem}"
    );
    // Within the limits, every writer reaches every reader.
    let map = import_str("t.bpmn", &shared_data_object(30, "Order"))
        .unwrap()
        .map;
    assert_eq!(map.flow_count(), 30 * 30);
}

#[test]
fn bad_vf_attribute_is_named() {
    let text = format!(
        "{HEAD}<process id=\"p\" xmlns:vf=\"https://valueflow.dev/bpmn/1\">\
         <task id=\"a\" vf:workMins=\"soon\"/></process></definitions>"
    );
    let (_, problem) = bpmn_error(&text);
    assert_eq!(
        problem.to_string(),
        "task \"a\": attribute vf:workMins must be a number of minutes >= 0, found \"soon\""
    );
}

#[test]
fn gateways_timers_and_duplicates_map_as_documented() {
    let text = format!(
        r#"{HEAD}<process id="p">
  <startEvent id="s"/>
  <exclusiveGateway id="g"/>
  <task id="a" name="A"/><task id="b" name="B"/>
  <parallelGateway id="j"/>
  <intermediateCatchEvent id="t" name="Wait"><timerEventDefinition><timeDuration>P1DT2H</timeDuration></timerEventDefinition></intermediateCatchEvent>
  <endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
  <sequenceFlow id="f2" sourceRef="g" targetRef="a" name="yes"/>
  <sequenceFlow id="f3" sourceRef="g" targetRef="b"><conditionExpression>x &gt; 1</conditionExpression></sequenceFlow>
  <sequenceFlow id="f4" sourceRef="a" targetRef="j"/>
  <sequenceFlow id="f5" sourceRef="b" targetRef="j"/>
  <sequenceFlow id="f6" sourceRef="j" targetRef="t"/>
  <sequenceFlow id="f7" sourceRef="t" targetRef="e" name="one"/>
  <sequenceFlow id="f8" sourceRef="t" targetRef="e" name="two"/>
</process></definitions>"#
    );
    let imported = import_str("t.bpmn", &text).unwrap();
    let m = &imported.map;
    let kind = |id: &str| m.step(&StepId::new(id)).unwrap().kind;
    assert_eq!(kind("g"), StepKind::Decision);
    assert_eq!(kind("j"), StepKind::Activity);
    assert_eq!(kind("t"), StepKind::Wait);
    assert_eq!(m.step(&StepId::new("t")).unwrap().wait_mins, 1440.0 + 120.0);
    assert_eq!(m.step(&StepId::new("g")).unwrap().name, "Exclusive gateway");
    assert!(m.lanes().is_empty());
    let flows: Vec<_> = m
        .flows()
        .map(|f| (f.from.as_str(), f.to.as_str(), f.flow.label.as_str()))
        .collect();
    assert_eq!(
        flows,
        [
            ("s", "g", ""),
            ("g", "a", "yes"),
            ("g", "b", "x > 1"),
            ("a", "j", ""),
            ("b", "j", ""),
            ("j", "t", ""),
            ("t", "e", "one / two"),
        ]
    );
    // Equal probabilities: none given.
    assert!(m.flows().all(|f| f.flow.probability.is_none()));
    for s in m.steps() {
        assert_eq!(
            (s.value, s.touchpoint),
            (Value::Unassessed, Touchpoint::Internal)
        );
    }
}

// ---- generated maps ------------------------------------------------------------------------

/// Text with XML's special characters, quotes, line breaks, tabs, non-ASCII letters,
/// control characters XML cannot carry, spreadsheet formula starts and backslash escapes;
/// often only spaces, or empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 <>&\"';:,\\\\é€漢\n\t\r\x01\x1b\u{FFFF}=+@-]{0,10}",
        "[ \t]{0,3}",
        Just("\\u{1}".to_owned()),
    ]
}

fn minutes() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (0u32..5000).prop_map(f64::from),
        (0u32..100_000).prop_map(|v| f64::from(v) / 7.0),
        Just(0.1),
        Just(1e-3),
    ]
}

fn position() -> impl Strategy<Value = Option<[f32; 2]>> {
    prop_oneof![
        Just(None),
        (-5000.0f32..5000.0, -2000.0f32..3000.0).prop_map(|(x, y)| Some([x, y])),
    ]
}

/// kind, lane, touchpoint, value, work, wait, [name, benefit, system, notes], pos.
type StepSpec = (u8, u8, u8, u8, f64, f64, [String; 4], Option<[f32; 2]>);

#[derive(Debug, Clone)]
struct Spec {
    name: String,
    description: String,
    lanes: Vec<String>,
    steps: Vec<StepSpec>,
    flows: Vec<(usize, usize, bool, String, u8)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        text(),
        text(),
        proptest::collection::vec(text(), 0..4),
        proptest::collection::vec(
            (
                0u8..5,
                any::<u8>(),
                0u8..2,
                0u8..4,
                minutes(),
                minutes(),
                [text(), text(), text(), text()],
                position(),
            ),
            1..14,
        ),
        proptest::collection::vec(
            (0usize..14, 0usize..14, any::<bool>(), text(), 0u8..3),
            0..30,
        ),
    )
        .prop_map(|(name, description, lanes, steps, flows)| Spec {
            name,
            description,
            lanes,
            steps,
            flows,
        })
}

/// Builds a valid map from a generated spec. Ids get characters XML ids cannot hold.
fn build(spec: &Spec, id_chars: &str) -> Map {
    let mut map = Map::new(spec.name.clone());
    map.description = spec.description.clone();
    for (k, name) in spec.lanes.iter().enumerate() {
        let mut lane = Lane::new(LaneId::new(format!("lane {k}{id_chars}")), name.clone());
        lane.customer = k.is_multiple_of(2);
        map.add_lane(lane).unwrap();
    }
    // The map-level v2 fields, from the generated texts.
    if spec.name.len().is_multiple_of(2) {
        map.derived_from = Some(crate::model::DerivedFrom {
            name: Some(spec.description.clone()),
            file: spec
                .name
                .len()
                .is_multiple_of(4)
                .then(|| format!("{id_chars}.vfmap.json")),
        });
        let param = crate::model::ScoreParam::ALL[spec.name.len() % 6];
        *map.scorecard.get_mut(param) = crate::model::ScoreEntry {
            rating: crate::model::Rating::ALL
                .get(spec.description.len() % 5)
                .copied(),
            notes: spec.name.clone(),
        };
    }
    let n = spec.steps.len();
    for (k, (kind, lane, touch, value, work, wait, texts, pos)) in spec.steps.iter().enumerate() {
        // Ids that differ only by a control character, and ids with spaces around them or
        // starting like a spreadsheet formula.
        let lead = ["", " ", "=", "\t", "-"][k % 5];
        let mut step = Step::new(
            format!("{lead}s{}{}{id_chars}", k / 2, ['\u{1}', '\u{2}'][k % 2]),
            texts[0].clone(),
            StepKind::ALL[*kind as usize],
        )
        .with_times(*work, *wait)
        .with_touchpoint(Touchpoint::ALL[*touch as usize])
        .with_value(Value::ALL[*value as usize]);
        step.benefit = texts[1].clone();
        step.system = texts[2].clone();
        step.notes = texts[3].clone();
        step.pos = *pos;
        if !map.lanes().is_empty() {
            step.lane = Some(map.lanes()[*lane as usize % map.lanes().len()].id.clone());
        }
        map.add_step(step).unwrap();
    }
    let ids: Vec<StepId> = map.steps().map(|s| s.id.clone()).collect();
    // Reviews on every other step (a merge names the next step: a later one, so readers must
    // take merges in once all steps are there).
    for (k, (_, _, touch, value, work, wait, texts, _)) in spec.steps.iter().enumerate() {
        if value % 2 == 1 {
            continue;
        }
        use crate::model::{Disposition, DispositionKind, Review, TargetTimes};
        let times = TargetTimes {
            work_mins: (touch % 2 == 0).then_some(*work),
            wait_mins: (k % 3 == 0).then_some(*wait),
        };
        let disposition = match DispositionKind::ALL[(k * 3 + *touch as usize) % 7] {
            DispositionKind::Undecided => Disposition::Undecided,
            DispositionKind::Keep => Disposition::Keep,
            DispositionKind::Eliminate => Disposition::Eliminate,
            DispositionKind::Merge if n > 1 => Disposition::Merge {
                into: ids[(k + 1) % n].clone(),
            },
            DispositionKind::Merge => Disposition::Keep,
            DispositionKind::Backstage => Disposition::Backstage,
            DispositionKind::Automate => Disposition::Automate(times),
            DispositionKind::Simplify => Disposition::Simplify(times),
        };
        let mut answers: [String; 5] = Default::default();
        answers[k % 5] = texts[(k + 1) % 4].clone();
        answers[(k + 2) % 5] = texts[k % 4].clone();
        let review = Review {
            answers,
            disposition,
            rationale: texts[3].clone(),
        };
        map.set_step_field(
            &ids[k],
            crate::model::StepField::Review(Some(Box::new(review))),
        )
        .unwrap();
    }
    let mut flows: Vec<(usize, usize, Flow)> = Vec::new();
    for (a, b, info, label, _) in &spec.flows {
        let (a, b) = (a % n, b % n);
        let kind = if *info {
            FlowKind::Information
        } else {
            FlowKind::Work
        };
        if flows
            .iter()
            .any(|(x, y, f)| (*x, *y, f.kind) == (a, b, kind))
        {
            continue;
        }
        flows.push((
            a,
            b,
            Flow {
                kind,
                probability: None,
                label: label.clone(),
            },
        ));
    }
    // Probabilities per decision: none, all (summing to 1), or the first only.
    for (d, step) in map.steps().enumerate() {
        if step.kind != StepKind::Decision {
            continue;
        }
        let mode = spec.flows.get(d).map_or(0, |f| f.4);
        let out: Vec<usize> = (0..flows.len())
            .filter(|&k| flows[k].0 == d && flows[k].2.kind == FlowKind::Work)
            .collect();
        match (mode, out.len()) {
            (_, 0) | (0, _) => {}
            (1, len) => {
                // 1/2, 1/4, ... and the rest to the last: exact, summing to 1.
                for (j, &k) in out.iter().enumerate() {
                    let p = 0.5f64.powi((j + 1).min(len - 1) as i32);
                    flows[k].2.probability = Some(if len == 1 { 1.0 } else { p });
                }
            }
            (_, 1) => {}
            _ => flows[out[0]].2.probability = Some(0.3),
        }
    }
    for (a, b, f) in flows {
        map.connect_unchecked_sum(&ids[a], &ids[b], f).unwrap();
    }
    map.check_decisions().unwrap();
    map
}

fn bpmn_round_trip(map: &Map) -> Map {
    let xml = to_bpmn_string(map);
    match import_str("generated.bpmn", &xml) {
        Ok(i) => i.map,
        Err(e) => panic!("{e}\n{xml}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Export → import gives back exactly the same map: ids, names, lanes and their order,
    /// every field, positions (or none), flows in order with kinds, labels and probabilities.
    #[test]
    fn bpmn_export_then_import_is_lossless(spec in spec()) {
        let map = build(&spec, " <&é;\\\"");
        let back = bpmn_round_trip(&map);
        prop_assert_eq!(&back, &map);
        prop_assert_eq!(back.lanes(), map.lanes());
    }

    /// CSV export → import keeps steps (but positions), lanes by name, and all flows; the
    /// table it writes again is the same text.
    #[test]
    fn csv_export_then_import_keeps_the_table(spec in spec()) {
        // Lane names may be empty, repeated or padded: the table then carries lane ids.
        let map = build(&spec, ";\\ é,\" ");
        let text = to_csv_string(&map);
        let back = match csv_table::import_str("t.csv", &text) {
            Ok(i) => i.map,
            Err(e) => panic!("{e}\n{text}"),
        };
        prop_assert_eq!(to_csv_string(&back), text.clone());
        prop_assert_eq!(back.step_count(), map.step_count());
        let lanes_used = map.lanes().iter().all(|l| map.steps().any(|s| s.lane.as_ref() == Some(&l.id)));
        if lanes_used && to_csv_string(&map).lines().next().is_some_and(|h| h.contains("lane_id")) {
            // Lanes come back in order of first use, with their exact ids and names.
            let sorted = |m: &Map| {
                let mut v: Vec<_> = m.lanes().iter().map(|l| (l.id.to_string(), l.name.clone())).collect();
                v.sort();
                v
            };
            prop_assert_eq!(sorted(&back), sorted(&map));
        }
        for (a, b) in map.steps().zip(back.steps()) {
            let lane_name = |m: &Map, s: &Step| s.lane.as_ref().and_then(|l| m.lane(l)).map(|l| l.name.clone());
            prop_assert_eq!(lane_name(&map, a), lane_name(&back, b));
            let mut a = a.clone();
            a.pos = None;
            a.lane = b.lane.clone();
            prop_assert_eq!(&a, b);
        }
        let flows = |m: &Map| {
            let mut v: Vec<_> = m
                .flows()
                .map(|f| (f.from.clone(), f.to.clone(), f.flow.kind.as_str(), f.flow.label.clone(), f.flow.probability.map(f64::to_bits)))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(flows(&back), flows(&map));
    }
}

#[test]
fn samples_round_trip_through_bpmn() {
    for (name, _) in crate::samples::BUILT_IN {
        let map = crate::samples::load(name).unwrap().unwrap();
        assert_eq!(bpmn_round_trip(&map), map, "{name}");
    }
}

#[test]
fn synthetic_map_round_trips_through_bpmn_and_csv() {
    let mut map = crate::samples::synthetic(300);
    // Some steps without a position: they are auto-placed in the export, and stay unplaced.
    for id in ["s3", "s10", "s200"] {
        map.set_step_field(&StepId::new(id), crate::model::StepField::Pos(None))
            .unwrap();
    }
    assert_eq!(bpmn_round_trip(&map), map);
    let text = to_csv_string(&map);
    let back = csv_table::import_str("synthetic.csv", &text).unwrap().map;
    assert_eq!(to_csv_string(&back), text);
}

fn csv_error(text: &str) -> (u64, Option<String>, CsvProblem) {
    match csv_table::import_str("steps.csv", text) {
        Err(InteropError::Csv {
            row,
            column,
            problem,
            ..
        }) => (row, column, *problem),
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

#[test]
fn csv_errors_name_row_and_column() {
    let head = "id,name,lane,kind,work,wait,next,probabilities\n";
    let (row, column, problem) = csv_error(&format!(
        "{head}a,Start,Sales,start,,,b,\nb,Check,Sales,decision,5m,,c;d,0.5;0.7\nc,C,Sales,end,,,,\nd,D,Sales,end,,,,\n"
    ));
    assert_eq!((row, column.as_deref()), (3, Some("probabilities")));
    assert!(problem.to_string().contains("sum to 1.2"), "{problem}");

    let (row, column, problem) = csv_error(&format!("{head}a,A,Sales,start,,soon,,\n"));
    assert_eq!((row, column.as_deref()), (2, Some("wait")));
    assert!(
        problem.to_string().contains("\"soon\" is not a time"),
        "{problem}"
    );

    let (row, column, _) = csv_error(&format!("{head}a,A,Sales,begin,,,,\n"));
    assert_eq!((row, column.as_deref()), (2, Some("kind")));

    let (row, column, problem) = csv_error(&format!("{head}a,A,Sales,start,,,zz,\n"));
    assert_eq!((row, column.as_deref()), (2, Some("next")));
    assert_eq!(problem.to_string(), "no step with id \"zz\"");

    let (row, column, _) = csv_error("id,kind,colour\na,start,red\n");
    assert_eq!((row, column.as_deref()), (1, Some("colour")));

    let (row, _, problem) = csv_error(&format!("{head}a,A,Sales,start\n"));
    assert_eq!(row, 2);
    assert!(matches!(
        problem,
        CsvProblem::FieldCount {
            found: 4,
            expected: 8
        }
    ));

    let (row, column, _) = csv_error(&format!(
        "{head}a,A,Sales,start,,,,\n\nfrom,to,label\na,nowhere,form\n"
    ));
    assert_eq!((row, column.as_deref()), (5, Some("to")));

    let err = csv_table::import_str("steps.csv", &format!("{head}a,A,Sales,start,,soon,,\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "steps.csv: row 2, column \"wait\": \"soon\" is not a time; use numbers with d, h, m or s (e.g. 1h 30m, 2d, 90)"
    );
}

#[test]
fn csv_reads_hand_written_tables() {
    let text = "id,name,lane,kind,work,wait,value,next,probabilities\n\
                in,Order in,Customer,start,,,,check,\n\
                check,Complete?,Sales,decision,,,business,ok; fix,0.9;\n\
                fix,Fix order,Sales,activity,20,1h 30m,none,check,\n\
                ok,Ship,Warehouse,end,1.5h,2d,customer,,\n\
                \n\
                from,to,label\n\
                in,ok,delivery address\n";
    let map = csv_table::import_str("orders.csv", text).unwrap().map;
    assert_eq!(map.name, "orders");
    let lanes: Vec<_> = map
        .lanes()
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    assert_eq!(
        lanes,
        [
            ("customer", "Customer"),
            ("sales", "Sales"),
            ("warehouse", "Warehouse")
        ]
    );
    let fix = map.step(&StepId::new("fix")).unwrap();
    assert_eq!(
        (fix.work_mins, fix.wait_mins, fix.value),
        (20.0, 90.0, Value::None)
    );
    let ok = map.step(&StepId::new("ok")).unwrap();
    assert_eq!((ok.work_mins, ok.wait_mins), (90.0, 2880.0));
    let check = map.index_of(&StepId::new("check")).unwrap();
    let mut p: Vec<f64> = map
        .branch_probabilities(check)
        .iter()
        .map(|x| x.1)
        .collect();
    p.sort_by(f64::total_cmp);
    assert!((p[0] - 0.1).abs() < 1e-12 && p[1] == 0.9, "{p:?}");
    let info: Vec<_> = map
        .flows()
        .filter(|f| f.flow.kind == FlowKind::Information)
        .map(|f| (f.from.as_str(), f.to.as_str(), f.flow.label.as_str()))
        .collect();
    assert_eq!(info, [("in", "ok", "delivery address")]);
}

// ---- limits: what valueflow writes it reads ------------------------------------------------

/// A chain of `n` steps with the shortest ids and texts an export can have.
fn minimal_chain(n: usize) -> Map {
    let mut map = Map::new("");
    for k in 0..n {
        let kind = StepKind::ALL[k % StepKind::ALL.len()];
        let mut step = Step::new(format!("{k}"), "", kind).with_value(Value::None);
        step.pos = Some([0.0, 0.0]);
        map.add_step(step).unwrap();
    }
    map
}

#[test]
fn every_bpmn_step_writes_at_least_the_bytes_the_export_check_assumes() {
    // The early refusal (before any XML is built) must never refuse a map that would fit.
    let empty = to_bpmn_string(&minimal_chain(0)).len();
    let n = 50;
    let per_step = (to_bpmn_string(&minimal_chain(n)).len() - empty) / n;
    assert!(
        per_step as u64 >= super::MIN_BPMN_BYTES_PER_STEP,
        "{per_step} bytes per step"
    );
}

#[test]
fn an_export_that_import_would_refuse_is_refused_and_names_the_limit() {
    let n =
        usize::try_from(super::MAX_BPMN_INPUT_BYTES / super::MIN_BPMN_BYTES_PER_STEP).unwrap() + 1;
    let map = minimal_chain(n);
    let err = super::to_text(&map, super::InteropFormat::Bpmn, "big.bpmn").unwrap_err();
    assert!(matches!(err, InteropError::ExportTooLarge { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("big.bpmn: the export would be over ")
            && message.contains(&format!(
                "BPMN import reads at most {}",
                super::MAX_BPMN_INPUT_BYTES
            ))
            && message.contains("nothing was written"),
        "{message}"
    );
}

#[test]
#[ignore = "exports and imports 100,000 steps (72 MB): cargo test --release --lib -- --ignored"]
fn a_100k_step_chain_exports_and_imports_within_the_limits() {
    let mut map = Map::new("chain");
    for k in 0..100_000 {
        let kind = match k {
            0 => StepKind::Start,
            99_999 => StepKind::End,
            _ => StepKind::Activity,
        };
        map.add_step(Step::new(format!("s{k}"), "", kind).with_times(1.0, 0.0))
            .unwrap();
    }
    for k in 0..99_999 {
        map.connect(
            &StepId::new(format!("s{k}")),
            &StepId::new(format!("s{}", k + 1)),
            Flow::work(),
        )
        .unwrap();
    }
    let text = super::to_text(&map, super::InteropFormat::Bpmn, "c.bpmn").unwrap();
    assert!(
        text.len() as u64 > super::MAX_INPUT_BYTES,
        "{} bytes",
        text.len()
    );
    let back = import_str("c.bpmn", &text).unwrap().map;
    assert_eq!(back.step_count(), 100_000);
    assert_eq!(back.flow_count(), 99_999);
}

/// One step splitting to `n` ends whose ids differ only in characters an XML id cannot hold
/// (so every XML id is made from one base), spread over `lanes` lanes.
fn wide_map(n: u32, lanes: usize) -> Map {
    let mut map = Map::new("wide");
    for k in 0..lanes {
        map.add_lane(Lane::new(
            LaneId::new(format!("l{k}")),
            format!("Lane {}", k % 7),
        ))
        .unwrap();
    }
    let lane = |k: usize| Some(LaneId::new(format!("l{}", k % lanes)));
    let mut start = Step::new("d", "Split", StepKind::Start);
    start.lane = lane(0);
    map.add_step(start).unwrap();
    for k in 0..n {
        let id: String = char::from_u32(0x4E00 + k).into_iter().collect();
        let mut end = Step::new(id.clone(), "", StepKind::End);
        end.lane = lane(k as usize);
        map.add_step(end).unwrap();
        map.connect(&StepId::new("d"), &StepId::new(id), Flow::work())
            .unwrap();
    }
    map
}

/// Wide splits, many lanes and colliding XML ids keep their structure through BPMN and CSV
/// (the code paths are linear in steps + flows; `benches/interop.rs` times a 40k-way split).
#[test]
fn wide_splits_and_many_lanes_keep_their_structure() {
    let map = wide_map(2000, 1000);
    let xml = to_bpmn_string(&map);
    let ids: std::collections::HashSet<&str> = xml
        .match_indices(" id=\"")
        .map(|(at, _)| {
            let rest = &xml[at + 5..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        ids.len(),
        xml.matches(" id=\"").count(),
        "XML ids are unique"
    );
    assert_eq!(bpmn_round_trip(&map), map);
    let text = to_csv_string(&map);
    let back = csv_table::import_str("wide.csv", &text).unwrap().map;
    assert_eq!(back.flow_count(), 2000);
    assert_eq!(to_csv_string(&back), text);
}

/// One field list: the loader's expected step keys and the CSV columns come from
/// `format::STEP_FIELD_KEYS`.
#[test]
fn the_step_table_and_the_loader_share_one_field_list() {
    let keys = crate::format::STEP_FIELD_KEYS;
    let err = crate::format::load_str(
        "m.vfmap.json",
        r#"{"format": "valueflow-map", "version": 1, "steps": [{"id": "a", "kind": "start", "colour": 1}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(&keys.join(", ")), "{err}");
    let columns = csv_table::columns();
    for key in keys.iter().filter(|k| **k != "pos") {
        let column = key.strip_suffix("_mins").unwrap_or(key);
        assert!(columns.contains(&column), "{key} has no column");
    }
    assert_eq!(
        columns.join(","),
        "id,name,lane,lane_id,customer_lane,kind,touchpoint,work,wait,value,benefit,system,notes,\
         for_customer,slows_process,offsetting_benefit,competitors,without_step,disposition,\
         merge_into,target_work,target_wait,rationale,next,probabilities,labels"
    );
}

/// The size check's one-pass count agrees with counting byte by byte, across its 255-byte
/// chunks and with every byte of a chunk a match (where a byte-wide count is full).
#[test]
fn the_size_check_counts_both_bytes_exactly() {
    let mut text = Vec::new();
    for k in 0..3000u32 {
        text.push(b"<=a\n"[(k * k % 7 % 4) as usize]);
    }
    text.extend(std::iter::repeat_n(b'<', 255 * 3 + 7));
    text.extend(std::iter::repeat_n(b'=', 600));
    for end in [0, 1, 254, 255, 256, 511, 3000, text.len()] {
        let part = &text[..end];
        let naive = |x: u8| part.iter().filter(|&&b| b == x).count() as u64;
        assert_eq!(
            super::bpmn_import::count_two(part, b'<', b'='),
            (naive(b'<'), naive(b'=')),
            "first {end} bytes"
        );
    }
}

/// The reproducer `gen-bpmn-16m-elements.py` (16.7 M empty elements in 64 MiB) aborted under
/// a 2 GB cap; the counts are now checked before roxmltree reserves its arrays. This file has
/// one element more than the limit.
#[test]
fn millions_of_empty_elements_are_refused_before_the_tree_is_built() {
    let head = format!("{HEAD}<process id=\"p\"><task id=\"t\"/>\n");
    let n = usize::try_from(super::bpmn_import::MAX_NODES).unwrap();
    let text = format!("{head}{}</process></definitions>", "<a/>".repeat(n));
    let (pos, problem) = bpmn_error(&text);
    assert_eq!(
        problem,
        BpmnProblem::TooManyNodes(super::bpmn_import::MAX_NODES)
    );
    // Four `<` come before the line of elements: the limit is passed at its (n - 3)th element.
    let col = u32::try_from(4 * (n - 4) + 1).unwrap();
    assert_eq!(pos, Some((3, col)));
    let attributes = format!(
        "{head}<a {}/></process></definitions>",
        "x=\"\" ".repeat(usize::try_from(super::bpmn_import::MAX_ATTRIBUTES).unwrap())
    );
    let (_, problem) = bpmn_error(&attributes);
    assert_eq!(
        problem,
        BpmnProblem::TooManyAttributes(super::bpmn_import::MAX_ATTRIBUTES)
    );
}

#[test]
fn notes_print_as_one_line_whatever_the_ids_hold() {
    let text = format!(
        "{HEAD}<process id=\"p&#10;error: forged\"><intermediateCatchEvent id=\"t&#x202E;x&#133;\">\
         <timerEventDefinition><timeDuration>soon</timeDuration></timerEventDefinition>\
         </intermediateCatchEvent></process></definitions>"
    );
    let notes = import_str("n.bpmn", &text).unwrap().notes;
    assert!(!notes.is_empty());
    for note in notes {
        assert!(!note.chars().any(crate::text::is_unsafe_char), "{note:?}");
    }
}
