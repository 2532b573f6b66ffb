//! The view model from hand-built maps: what each step and flow shows in each mode.

use super::*;
use crate::analysis::analyze;
use crate::model::{Flow, Lane, Step, Touchpoint, Value};

/// start → check (waits 2h, no value) → decide (30% back to check, 70% on) → done;
/// check —info→ done. Two lanes; `done` has no position.
fn map() -> Map {
    let mut m = Map::new("m");
    for id in ["front", "back"] {
        m.add_lane(Lane::new(id, format!("{id} office"))).unwrap();
    }
    let placed = |s: Step, x: f32, y: f32| {
        let mut s = s;
        s.pos = Some([x, y]);
        s
    };
    m.add_step(placed(
        Step::new("start", "Order", StepKind::Start)
            .in_lane("front")
            .with_touchpoint(Touchpoint::Customer),
        100.0,
        70.0,
    ))
    .unwrap();
    let mut check = Step::new("check", "Check credit", StepKind::Activity)
        .in_lane("back")
        .with_times(30.0, 120.0)
        .with_value(Value::None);
    check.system = "SAP".into();
    m.add_step(placed(check, 290.0, 210.0)).unwrap();
    m.add_step(placed(
        Step::new("decide", "OK?", StepKind::Decision).in_lane("back"),
        480.0,
        210.0,
    ))
    .unwrap();
    m.add_step(Step::new("done", "Ship", StepKind::End).in_lane("front"))
        .unwrap();
    m.connect(&"start".into(), &"check".into(), Flow::work())
        .unwrap();
    m.connect(&"check".into(), &"decide".into(), Flow::work())
        .unwrap();
    m.connect(&"decide".into(), &"done".into(), Flow::work())
        .unwrap();
    m.connect(
        &"decide".into(),
        &"check".into(),
        Flow::work().with_probability(0.3).with_label("rework"),
    )
    .unwrap();
    m.connect(
        &"check".into(),
        &"done".into(),
        Flow::information().with_label("credit note"),
    )
    .unwrap();
    m
}

fn step<'v>(v: &'v ViewModel, id: &str) -> &'v StepBox {
    v.steps.iter().find(|s| s.id.as_str() == id).unwrap()
}

fn flow<'v>(v: &'v ViewModel, from: &str, to: &str, kind: FlowKind) -> &'v FlowLine {
    v.flows
        .iter()
        .find(|f| {
            v.steps[f.from].id.as_str() == from && v.steps[f.to].id.as_str() == to && f.kind == kind
        })
        .unwrap()
}

#[test]
fn steps_show_their_label_role_and_times_in_map_order() {
    let m = map();
    let v = build(&m, &analyze(&m), ViewMode::Findings);
    let ids: Vec<&str> = v.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["start", "check", "decide", "done"]);
    let start = step(&v, "start");
    assert_eq!(start.role, StepRole::CustomerFacing);
    assert!(start.is_customer_facing());
    assert_eq!((start.work.as_str(), start.wait.as_str()), ("", ""));
    let check = step(&v, "check");
    assert_eq!(check.role, StepRole::Internal);
    assert_eq!(check.name, "Check credit");
    assert_eq!(check.work, format_duration(30.0));
    assert_eq!(check.wait, format_duration(120.0));
    assert_eq!(check.pos, [290.0, 210.0]);
}

#[test]
fn an_unplaced_step_is_shown_where_auto_arrange_would_put_it() {
    let m = map();
    let v = build(&m, &analyze(&m), ViewMode::Plain);
    let arranged = layout::arrange(&m);
    let done = arranged
        .iter()
        .find(|(id, _)| id.as_str() == "done")
        .unwrap()
        .1;
    assert_eq!(step(&v, "done").pos, done);
}

#[test]
fn findings_mode_shows_badges_the_bottleneck_and_loops_and_plain_mode_does_not() {
    let m = map();
    let a = analyze(&m);
    let v = build(&m, &a, ViewMode::Findings);
    let check = step(&v, "check");
    let expected = a.findings_for(&"check".into()).count();
    assert!(expected > 0, "the no-value wait is a finding");
    let badge = check.badge.unwrap();
    assert_eq!(badge.findings, expected);
    let worst = a
        .findings_for(&"check".into())
        .map(|f| f.severity)
        .min()
        .unwrap();
    assert_eq!(badge.severity, worst);
    let bottleneck = a
        .findings
        .iter()
        .find(|f| f.rule == Rule::Bottleneck)
        .map(|f| f.step.as_str());
    for s in &v.steps {
        assert_eq!(s.bottleneck, bottleneck == Some(s.id.as_str()), "{}", s.id);
    }
    assert!(flow(&v, "decide", "check", FlowKind::Work).in_loop);
    assert!(flow(&v, "check", "decide", FlowKind::Work).in_loop);
    assert!(!flow(&v, "start", "check", FlowKind::Work).in_loop);
    assert!(!flow(&v, "check", "done", FlowKind::Information).in_loop);

    let plain = build(&m, &a, ViewMode::Plain);
    assert!(
        plain
            .steps
            .iter()
            .all(|s| s.badge.is_none() && !s.bottleneck)
    );
    assert!(plain.flows.iter().all(|f| !f.in_loop));
    // The map itself looks the same in both.
    assert_eq!(plain.steps.len(), v.steps.len());
    assert_eq!(step(&plain, "check").wait, check.wait);
}

#[test]
fn decision_branches_show_their_effective_probability_before_the_label() {
    let m = map();
    let v = build(&m, &analyze(&m), ViewMode::Findings);
    assert_eq!(
        flow(&v, "decide", "check", FlowKind::Work).label,
        "30% rework"
    );
    // Unspecified: shares the remainder.
    assert_eq!(flow(&v, "decide", "done", FlowKind::Work).label, "70%");
    assert_eq!(flow(&v, "start", "check", FlowKind::Work).label, "");
    assert_eq!(
        flow(&v, "check", "done", FlowKind::Information).label,
        "credit note"
    );
}

#[test]
fn flows_carry_their_curve_and_lanes_their_bands() {
    let m = map();
    let v = build(&m, &analyze(&m), ViewMode::Findings);
    assert_eq!(v.flows.len(), m.flow_count());
    for f in &v.flows {
        let (a, b) = (&v.steps[f.from], &v.steps[f.to]);
        assert_eq!(f.curve, route(a.pos, a.kind, b.pos, b.kind));
    }
    assert_eq!(v.lanes, layout::lane_bands(&m));
    assert_eq!(v.lanes.len(), 2);
}

#[test]
fn an_empty_map_is_an_empty_picture_with_its_lanes() {
    let m = Map::untitled();
    let v = build(&m, &analyze(&m), ViewMode::Findings);
    assert!(v.steps.is_empty() && v.flows.is_empty());
    assert_eq!(v.lanes.len(), 1);
}

#[test]
fn percentages_are_short() {
    assert_eq!(format_percent(0.3), "30");
    assert_eq!(format_percent(1.0 / 3.0), "33.3");
    assert_eq!(format_percent(0.005), "0.5");
    assert_eq!(format_percent(0.0), "0");
}

#[test]
fn find_matches_name_system_and_lane_case_insensitively() {
    let m = map();
    let ids = |q: &str| -> Vec<String> {
        find_steps(&m, q)
            .into_iter()
            .map(|s| s.to_string())
            .collect()
    };
    assert_eq!(ids("CREDIT"), ["check"]);
    assert_eq!(ids("sap"), ["check"]);
    assert_eq!(ids("front office"), ["start", "done"]);
    assert_eq!(ids("  ship "), ["done"]);
    assert!(ids("").is_empty());
    assert!(ids("   ").is_empty());
    assert!(ids("nothing like it").is_empty());
}

#[test]
fn the_view_model_and_the_document_use_no_egui() {
    let files = [
        ("view/mod.rs", include_str!("mod.rs")),
        ("view/geometry.rs", include_str!("geometry.rs")),
        ("document/mod.rs", include_str!("../document/mod.rs")),
        (
            "document/command.rs",
            include_str!("../document/command.rs"),
        ),
        ("model/rules.rs", include_str!("../model/rules.rs")),
    ];
    for (file, text) in files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.contains("egui") && !code.contains("crate::app"),
                "{file}:{}: {line}",
                n + 1
            );
        }
    }
}
