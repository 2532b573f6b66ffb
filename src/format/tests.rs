//! Loading and saving: every validation rule gives an error naming where and what, and a
//! save → load round-trip is the identity.

use super::*;
use crate::model::*;

fn err(text: &str) -> LoadError {
    match load_str("t.vfmap.json", text) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e,
    }
}

fn with(steps: &str, flows: &str) -> String {
    format!(
        r#"{{"format":"valueflow-map","version":1,"name":"n","lanes":[{{"id":"a","name":"A"}},{{"id":"b","name":"B"}}],
"steps":[{steps}],
"flows":[{flows}]}}"#
    )
}

const TWO: &str = r#"{"id":"s","name":"S","lane":"a","kind":"start"},{"id":"d","name":"D","lane":"b","kind":"decision"},{"id":"x","lane":"a","kind":"end"},{"id":"y","lane":"a","kind":"end"}"#;

#[test]
fn loads_a_minimal_map_with_defaults() {
    let m = load_str("t", &with(TWO, r#"{"from":"s","to":"d"}"#)).unwrap();
    assert_eq!(m.name, "n");
    assert_eq!(m.step_count(), 4);
    let s = m.step(&"s".into()).unwrap();
    assert_eq!(s.touchpoint, Touchpoint::Internal);
    assert_eq!(s.value, Value::Unassessed);
    assert_eq!(s.work_mins, 0.0);
    assert_eq!(s.pos, None);
    assert_eq!(m.step(&"x".into()).unwrap().name, "");
    let f = m.flows().next().unwrap();
    assert_eq!(f.flow.kind, FlowKind::Work);
}

#[test]
fn not_json_reports_line_and_column() {
    let e = err("{\n  \"format\": \"valueflow-map\",\n  \"version\": 1,\n  oops\n}");
    assert!(matches!(*e.kind, LoadErrorKind::Syntax(_)), "{e}");
    assert_eq!(e.position, Some((4, 3)));
    assert!(
        e.to_string()
            .starts_with("t.vfmap.json:4:3: not valid JSON"),
        "{e}"
    );
}

#[test]
fn empty_and_blank_files() {
    assert_eq!(*err("").kind, LoadErrorKind::Empty);
    assert_eq!(*err(" \n\t").kind, LoadErrorKind::Empty);
}

#[test]
fn invalid_utf8_names_the_position() {
    let e = load_bytes("bin", b"{\n  \"name\": \"caf\xe9\"}").unwrap_err();
    assert_eq!(*e.kind, LoadErrorKind::NotUtf8);
    assert_eq!(e.position, Some((2, 15)));
}

#[test]
fn top_level_must_be_an_object() {
    assert_eq!(*err("[1, 2]").kind, LoadErrorKind::NotAnObject);
    assert_eq!(*err("42").kind, LoadErrorKind::NotAnObject);
}

#[test]
fn format_and_version() {
    assert!(matches!(
        *err(r#"{"version":1}"#).kind,
        LoadErrorKind::NotAMap { .. }
    ));
    assert!(matches!(
        *err(r#"{"format":"other","version":1}"#).kind,
        LoadErrorKind::NotAMap { .. }
    ));
    let e = err(r#"{"format":"valueflow-map","version":3,"future":true}"#);
    assert_eq!(*e.kind, LoadErrorKind::NewerVersion(3));
    assert!(
        e.to_string().contains("written by a newer valueflow"),
        "{e}"
    );
    assert!(matches!(
        *err(r#"{"format":"valueflow-map","version":0}"#).kind,
        LoadErrorKind::BadVersion { .. }
    ));
    assert!(matches!(
        *err(r#"{"format":"valueflow-map","version":"1"}"#).kind,
        LoadErrorKind::BadVersion { .. }
    ));
    assert!(matches!(
        *err(r#"{"format":"valueflow-map"}"#).kind,
        LoadErrorKind::BadVersion { .. }
    ));
}

#[test]
fn unknown_fields_are_named() {
    let e = err(r#"{"format":"valueflow-map","version":1,"nmae":"x"}"#);
    assert!(
        matches!(&*e.kind, LoadErrorKind::UnknownField { field, .. } if field == "nmae"),
        "{e}"
    );
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","wiat_mins":5}"#,
        "",
    ));
    assert!(
        matches!(&*e.kind, LoadErrorKind::UnknownField { field, .. } if field == "wiat_mins"),
        "{e}"
    );
    assert_eq!(e.context.as_deref(), Some("steps[0] (id \"s\")"));
    let e = err(&with(TWO, r#"{"from":"s","to":"d","weight":2}"#));
    assert!(
        e.to_string()
            .contains("flows[0] (\"s\" → \"d\"): unknown field \"weight\""),
        "{e}"
    );
    let e = err(r#"{"format":"valueflow-map","version":1,"lanes":[{"id":"a","colour":"red"}]}"#);
    assert!(
        e.to_string()
            .contains("lanes[0] (id \"a\"): unknown field \"colour\""),
        "{e}"
    );
}

#[test]
fn wrong_types_name_the_field() {
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","work_mins":"5"}"#,
        "",
    ));
    assert!(
        e.to_string()
            .contains("field \"work_mins\" must be a number, found the string \"5\""),
        "{e}"
    );
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","pos":[1]}"#,
        "",
    ));
    assert!(
        e.to_string()
            .contains("\"pos\" must be an array of two numbers"),
        "{e}"
    );
    let e = err(r#"{"format":"valueflow-map","version":1,"steps":{}}"#);
    assert!(
        e.to_string().contains("field \"steps\" must be an array"),
        "{e}"
    );
    let e = err(&with("7", ""));
    assert!(e.to_string().contains("steps[0]"), "{e}");
}

#[test]
fn missing_required_fields() {
    let e = err(&with(r#"{"id":"s","lane":"a"}"#, ""));
    assert_eq!(*e.kind, LoadErrorKind::MissingField("kind"));
    let e = err(&with(TWO, r#"{"from":"s"}"#));
    assert_eq!(*e.kind, LoadErrorKind::MissingField("to"));
}

#[test]
fn duplicate_and_empty_ids() {
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start"},{"id":"s","lane":"a","kind":"end"}"#,
        "",
    ));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::DuplicateStep("s".into()))
    );
    assert_eq!(
        e.context.as_deref(),
        Some("steps[1] (id \"s\"), field \"id\"")
    );
    assert_eq!(e.position, Some((2, 47)));
    let e = err(&with(r#"{"id":"","lane":"a","kind":"start"}"#, ""));
    assert_eq!(*e.kind, LoadErrorKind::Invalid(MapError::EmptyStepId));
    let e = err(r#"{"format":"valueflow-map","version":1,"lanes":[{"id":"a"},{"id":"a"}]}"#);
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::DuplicateLane("a".into()))
    );
}

#[test]
fn lanes_must_exist_and_are_required_when_declared() {
    let e = err(&with(r#"{"id":"s","lane":"nope","kind":"start"}"#, ""));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::UnknownLane("nope".into()))
    );
    assert!(
        e.to_string()
            .contains("steps[0] (id \"s\"), field \"lane\": no lane with id \"nope\""),
        "{e}"
    );
    let e = err(&with(r#"{"id":"s","kind":"start"}"#, ""));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::MissingLane("s".into()))
    );
    // Without lanes, no lane is needed, and naming one is an error.
    assert!(
        load_str(
            "t",
            r#"{"format":"valueflow-map","version":1,"steps":[{"id":"s","kind":"start"}]}"#
        )
        .is_ok()
    );
    let e = err(
        r#"{"format":"valueflow-map","version":1,"steps":[{"id":"s","lane":"a","kind":"start"}]}"#,
    );
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::UnknownLane("a".into()))
    );
}

#[test]
fn keywords_are_checked() {
    let e = err(&with(r#"{"id":"s","lane":"a","kind":"task"}"#, ""));
    assert!(
        e.to_string().contains(
            "field \"kind\" must be one of start | activity | decision | wait | end, found \"task\""
        ),
        "{e}"
    );
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","value":"high"}"#,
        "",
    ));
    assert!(matches!(
        *e.kind,
        LoadErrorKind::BadKeyword { field: "value", .. }
    ));
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","touchpoint":"external"}"#,
        "",
    ));
    assert!(matches!(
        *e.kind,
        LoadErrorKind::BadKeyword {
            field: "touchpoint",
            ..
        }
    ));
    let e = err(&with(TWO, r#"{"from":"s","to":"d","kind":"data"}"#));
    assert!(matches!(
        *e.kind,
        LoadErrorKind::BadKeyword { field: "kind", .. }
    ));
}

#[test]
fn times_must_be_finite_and_not_negative() {
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","wait_mins":-1}"#,
        "",
    ));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::InvalidTime {
            field: "wait_mins",
            value: -1.0
        })
    );
    assert!(
        e.to_string()
            .contains("steps[0] (id \"s\"): wait_mins must be a finite number >= 0"),
        "{e}"
    );
    // 1e400 is not a finite double: serde_json refuses it with a position.
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","work_mins":1e400}"#,
        "",
    ));
    assert!(e.position.is_some(), "{e}");
}

#[test]
fn flows_must_name_existing_steps_and_be_unique() {
    let e = err(&with(TWO, r#"{"from":"s","to":"ghost"}"#));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::UnknownStep("ghost".into()))
    );
    assert!(
        e.to_string()
            .contains("flows[0] (\"s\" → \"ghost\"), field \"to\""),
        "{e}"
    );
    let e = err(&with(TWO, r#"{"from":"ghost","to":"s"}"#));
    assert!(e.to_string().contains("field \"from\""), "{e}");
    let e = err(&with(
        TWO,
        r#"{"from":"s","to":"d"},{"from":"s","to":"d","kind":"work"}"#,
    ));
    assert!(matches!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::DuplicateFlow { .. })
    ));
    // The same pair with another kind is fine.
    assert!(
        load_str(
            "t",
            &with(
                TWO,
                r#"{"from":"s","to":"d"},{"from":"s","to":"d","kind":"information"}"#
            )
        )
        .is_ok()
    );
}

#[test]
fn probabilities_are_checked() {
    // Only on work flows leaving a decision.
    let e = err(&with(TWO, r#"{"from":"s","to":"d","probability":0.5}"#));
    assert!(
        matches!(
            *e.kind,
            LoadErrorKind::Invalid(MapError::ProbabilityNotAllowed { .. })
        ),
        "{e}"
    );
    let e = err(&with(
        TWO,
        r#"{"from":"d","to":"x","kind":"information","probability":0.5}"#,
    ));
    assert!(
        matches!(
            *e.kind,
            LoadErrorKind::Invalid(MapError::ProbabilityNotAllowed { .. })
        ),
        "{e}"
    );
    // In [0, 1].
    let e = err(&with(TWO, r#"{"from":"d","to":"x","probability":1.5}"#));
    assert_eq!(
        *e.kind,
        LoadErrorKind::Invalid(MapError::ProbabilityOutOfRange(1.5))
    );
    // Must sum to 1 when all are given.
    let e = err(&with(
        TWO,
        r#"{"from":"d","to":"x","probability":0.5},{"from":"d","to":"y","probability":0.4}"#,
    ));
    assert!(
        matches!(
            *e.kind,
            LoadErrorKind::Invalid(MapError::ProbabilitySum { .. })
        ),
        "{e}"
    );
    // Pointed at the decision step itself.
    assert_eq!(e.context.as_deref(), Some("steps[1] (id \"d\")"));
    assert_eq!(e.position, Some((2, 58)));
    // Explicit ones over 1 even with an unspecified one left.
    let e = err(&with(
        TWO,
        r#"{"from":"d","to":"x","probability":0.7},{"from":"d","to":"y","probability":0.7},{"from":"d","to":"s"}"#,
    ));
    assert!(
        matches!(
            *e.kind,
            LoadErrorKind::Invalid(MapError::ProbabilitySum { .. })
        ),
        "{e}"
    );
    // Unspecified ones share the remainder.
    let m = load_str("t", &with(TWO, r#"{"from":"d","to":"x","probability":0.5},{"from":"d","to":"y"},{"from":"d","to":"s"}"#)).unwrap();
    let d = m.index_of(&"d".into()).unwrap();
    let ps: Vec<f64> = m
        .branch_probabilities(d)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(ps.iter().sum::<f64>(), 1.0);
    assert!(ps.contains(&0.25));
    // Within the tolerance is fine.
    assert!(load_str("t", &with(TWO, r#"{"from":"d","to":"x","probability":0.3333333},{"from":"d","to":"y","probability":0.6666667}"#)).is_ok());
}

#[test]
fn deeply_nested_input_is_refused_without_a_crash() {
    let deep = format!(
        r#"{{"format":"valueflow-map","version":1,"name":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = err(&deep);
    assert!(e.position.is_some(), "{e}");
    let deep_top = "[".repeat(1_000_000);
    let _ = err(&deep_top);
    let deep_unknown = format!(
        r#"{{"format":"valueflow-map","version":1,"x":{}}}"#,
        "{\"a\":".repeat(50_000)
    );
    let _ = err(&deep_unknown);
}

#[test]
fn huge_strings_load() {
    let name = "x".repeat(5_000_000);
    let m = load_str(
        "t",
        &format!(r#"{{"format":"valueflow-map","version":1,"name":"{name}"}}"#),
    )
    .unwrap();
    assert_eq!(m.name.len(), 5_000_000);
}

#[test]
fn a_bom_is_accepted() {
    assert!(load_str("t", "\u{feff}{\"format\":\"valueflow-map\",\"version\":1}").is_ok());
}

#[test]
fn saved_text_is_stable_and_diff_friendly() {
    let mut m = Map::new("Demo");
    m.add_lane(Lane::new("l", "Lane")).unwrap();
    m.add_step(
        Step::new("b", "B", StepKind::Start)
            .in_lane("l")
            .with_times(18.0, 1.5),
    )
    .unwrap();
    m.add_step(Step::new("a", "A", StepKind::End).in_lane("l"))
        .unwrap();
    m.set_step_field(&"a".into(), StepField::Pos(Some([120.1, 40.0])))
        .unwrap();
    m.connect(&"b".into(), &"a".into(), Flow::work().with_label("go"))
        .unwrap();
    let text = to_json_string(&m).unwrap();
    let expected = r#"{
  "format": "valueflow-map",
  "version": 1,
  "name": "Demo",
  "description": "",
  "lanes": [
    {
      "id": "l",
      "name": "Lane"
    }
  ],
  "steps": [
    {
      "id": "b",
      "name": "B",
      "lane": "l",
      "kind": "start",
      "touchpoint": "internal",
      "work_mins": 18,
      "wait_mins": 1.5,
      "value": "unassessed",
      "benefit": "",
      "system": "",
      "notes": ""
    },
    {
      "id": "a",
      "name": "A",
      "lane": "l",
      "kind": "end",
      "touchpoint": "internal",
      "work_mins": 0,
      "wait_mins": 0,
      "value": "unassessed",
      "benefit": "",
      "system": "",
      "notes": "",
      "pos": [
        120.1,
        40
      ]
    }
  ],
  "flows": [
    {
      "from": "b",
      "to": "a",
      "kind": "work",
      "label": "go"
    }
  ]
}
"#;
    // The whole text: steps in map order (b before a), keys in the fixed order, whole
    // numbers without a fraction, the f32 position by its shortest text, no probability on
    // a flow without one, a trailing newline.
    assert_eq!(text, expected);
    assert_eq!(load_str("t", &text).unwrap(), m);
    assert_eq!(
        to_json_string(&load_str("t", &text).unwrap()).unwrap(),
        text
    );
}

#[test]
fn save_is_atomic_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.vfmap.json");
    std::fs::write(&path, "old").unwrap();
    let m = Map::new("new");
    save_file(&m, &path).unwrap();
    assert_eq!(load_file(&path).unwrap(), m);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An existing file keeps its permissions; a new one is readable by others.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        save_file(&m, &path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let fresh = dir.path().join("fresh.vfmap.json");
        save_file(&m, &fresh).unwrap();
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::remove_file(&fresh).unwrap();
    }
    // Saving into a missing directory fails and creates nothing.
    let bad = dir.path().join("missing").join("m.vfmap.json");
    assert!(matches!(save_file(&m, &bad), Err(SaveError::Io { .. })));
}

#[test]
fn load_file_errors_name_the_file() {
    let e = load_file(std::path::Path::new("/definitely/not/here.vfmap.json")).unwrap_err();
    assert!(matches!(*e.kind, LoadErrorKind::Io(_)));
    assert!(
        e.to_string()
            .starts_with("/definitely/not/here.vfmap.json: cannot read the file"),
        "{e}"
    );
}

/// The hostile reproducers (tests/fixtures/hostile, see its COMMANDS.md) for this reader.
fn hostile(name: &str) -> &'static str {
    match name {
        "duplicate-top-level-key" => {
            include_str!("../../tests/fixtures/hostile/duplicate-top-level-key.vfmap.json")
        }
        "pos-1e39" => {
            include_str!("../../tests/fixtures/hostile/pos-1e39-finite-rejected.vfmap.json")
        }
        "prob-sum" => {
            include_str!("../../tests/fixtures/hostile/prob-sum-message-rounding.vfmap.json")
        }
        "escapes-in-error" => {
            include_str!("../../tests/fixtures/hostile/terminal-escapes-in-error.vfmap.json")
        }
        "escapes-in-names" => {
            include_str!("../../tests/fixtures/hostile/terminal-escapes-in-names.vfmap.json")
        }
        "multiline" => include_str!("../../tests/fixtures/hostile/map-multiline-error.vfmap.json"),
        _ => panic!("no fixture {name}"),
    }
}

const HOSTILE_SEEDS: [&str; 6] = [
    "duplicate-top-level-key",
    "pos-1e39",
    "prob-sum",
    "escapes-in-error",
    "escapes-in-names",
    "multiline",
];

/// The shape of gen-wide.py: one step `d` with `n` work flows to ends `t0..`.
fn wide(decision: bool, n: usize) -> String {
    let mut text = String::from(r#"{"format":"valueflow-map","version":1,"steps":["#);
    text.push_str(if decision {
        r#"{"id":"d","kind":"decision"}"#
    } else {
        r#"{"id":"d","kind":"start"}"#
    });
    for i in 0..n {
        text.push_str(&format!(r#",{{"id":"t{i}","kind":"end"}}"#));
    }
    text.push_str(r#"],"flows":["#);
    let p = 1.0 / n as f64;
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        if decision {
            text.push_str(&format!(r#"{{"from":"d","to":"t{i}","probability":{p}}}"#));
        } else {
            text.push_str(&format!(r#"{{"from":"d","to":"t{i}"}}"#));
        }
    }
    text.push_str("]}");
    text
}

#[test]
fn a_decision_with_100k_branches_loads() {
    // Loading used to check each new flow against every earlier branch of its decision
    // (22.7 s for this map in a release build); the builder's hash indexes make it linear.
    let n = 100_000;
    let m = load_str("wide", &wide(true, n)).unwrap();
    assert_eq!(m.step_count(), n + 1);
    assert_eq!(m.flow_count(), n);
    let d = m.index_of(&"d".into()).unwrap();
    let ps = m.branch_probabilities(d);
    assert_eq!(ps.len(), n);
    assert!((ps.iter().map(|(_, p)| p).sum::<f64>() - 1.0).abs() < 1e-6);
    let m = load_str("fan", &wide(false, n)).unwrap();
    assert_eq!(m.outgoing_work(m.index_of(&"d".into()).unwrap()).count(), n);
    // The last branch is still checked against the others: a duplicate is refused.
    let mut dup = wide(false, 1000);
    dup.truncate(dup.len() - 2);
    dup.push_str(r#",{"from":"d","to":"t0"}]}"#);
    let e = err(&dup);
    assert!(
        matches!(
            &*e.kind,
            LoadErrorKind::Invalid(MapError::DuplicateFlow { .. })
        ),
        "{e}"
    );
    assert_eq!(e.context.as_deref(), Some("flows[1000] (\"d\" → \"t0\")"));
}

#[test]
fn many_lanes_load() {
    let n = 50_000;
    let lanes: Vec<String> = (0..n).map(|i| format!(r#"{{"id":"l{i}"}}"#)).collect();
    let steps: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"s{i}","lane":"l{i}","kind":"activity"}}"#))
        .collect();
    let text = format!(
        r#"{{"format":"valueflow-map","version":1,"lanes":[{}],"steps":[{}]}}"#,
        lanes.join(","),
        steps.join(",")
    );
    let m = load_str("lanes", &text).unwrap();
    assert_eq!(m.lanes().len(), n);
    assert_eq!(
        m.step(&"s49999".into()).unwrap().lane,
        Some("l49999".into())
    );
}

#[test]
fn a_duplicate_key_is_named() {
    let e = err(hostile("duplicate-top-level-key"));
    assert_eq!(*e.kind, LoadErrorKind::DuplicateField("version".into()));
    assert_eq!(e.position, Some((1, 49)));
    assert!(
        e.to_string()
            .contains("field \"version\" appears more than once"),
        "{e}"
    );
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","kind":"end"}"#,
        "",
    ));
    assert_eq!(*e.kind, LoadErrorKind::DuplicateField("kind".into()));
    assert_eq!(e.context.as_deref(), Some("steps[0] (id \"s\")"));
}

#[test]
fn positions_beyond_the_canvas_range_say_so() {
    let e = err(hostile("pos-1e39"));
    assert_eq!(*e.kind, LoadErrorKind::PositionOutOfRange { found: 1e39 });
    assert_eq!(
        e.context.as_deref(),
        Some("steps[0] (id \"a\"), field \"pos\"")
    );
    let text = e.to_string();
    assert!(text.contains("between -3.4e38 and 3.4e38"), "{text}");
    assert!(!text.contains("finite"), "{text}");
    // The largest f32 itself is fine.
    let max = format!(
        r#"{{"format":"valueflow-map","version":1,"steps":[{{"id":"a","kind":"start","pos":[{},0]}}]}}"#,
        f64::from(f32::MAX)
    );
    assert_eq!(
        load_str("t", &max).unwrap().steps().next().unwrap().pos,
        Some([f32::MAX, 0.0])
    );
}

#[test]
fn a_probability_sum_just_outside_the_tolerance_is_shown_unrounded() {
    let e = err(hostile("prob-sum"));
    let text = e.to_string();
    assert!(text.contains("sum to 0.9999989;"), "{text}");
    assert!(text.contains("within 0.000001"), "{text}");
    // 0.499999 is within the tolerance and accepted.
    assert!(load_str("t", &hostile("prob-sum").replace("0.4999989", "0.499999")).is_ok());
}

#[test]
fn numbers_out_of_range_name_the_step_and_field() {
    let steps = r#"{"id":"s","lane":"a","kind":"start"},{"id":"b","lane":"a","kind":"end"},{"id":"c","lane":"a","kind":"end"}"#;
    let e = err(&with(
        &format!(r#"{steps},{{"id":"big","lane":"a","kind":"end","work_mins":1e999}}"#),
        "",
    ));
    assert_eq!(
        *e.kind,
        LoadErrorKind::NumberOutOfRange {
            field: "work_mins".into(),
            found: "the number 1e999".into()
        }
    );
    assert_eq!(e.context.as_deref(), Some("steps[3] (id \"big\")"));
    assert!(e.position.is_some());
    let digits = "9".repeat(401);
    let e = err(&with(
        &format!(r#"{steps},{{"id":"big","lane":"a","kind":"end","wait_mins":{digits}}}"#),
        "",
    ));
    assert!(
        matches!(&*e.kind, LoadErrorKind::NumberOutOfRange { field, found }
            if field == "wait_mins" && found.starts_with("a 401-character number")),
        "{e}"
    );
    let e = err(&with(TWO, r#"{"from":"d","to":"x","probability":-1e400}"#));
    assert!(
        matches!(&*e.kind, LoadErrorKind::NumberOutOfRange { field, .. } if field == "probability"),
        "{e}"
    );
    assert_eq!(e.context.as_deref(), Some("flows[0] (\"d\" → \"x\")"));
    let e = err(&with(
        r#"{"id":"s","lane":"a","kind":"start","pos":[0,1e999]}"#,
        "",
    ));
    assert!(
        matches!(&*e.kind, LoadErrorKind::NumberOutOfRange { field, .. } if field == "pos"),
        "{e}"
    );
}

#[test]
fn errors_are_one_line_without_control_characters() {
    for name in ["escapes-in-error", "multiline"] {
        let text = err(hostile(name)).to_string();
        assert!(!text.chars().any(crate::text::is_unsafe_char), "{text:?}");
    }
    let text = err(hostile("escapes-in-error")).to_string();
    assert!(
        text.contains("found \"bogus\\u{1b}]0;pwned\\u{7}\""),
        "{text}"
    );
    let text = err(hostile("multiline")).to_string();
    assert!(
        text.contains("no lane with id \"x\\nerror: forged"),
        "{text}"
    );
    // A model error's own message escapes too (the editor shows it).
    let dup = MapError::DuplicateStep("a\u{1b}[2Jb".into()).to_string();
    assert_eq!(dup, "duplicate step id \"a\\u{1b}[2Jb\"");
}

#[test]
fn saving_writes_through_a_symbolic_link() {
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.vfmap.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.vfmap.json");
        std::os::unix::fs::symlink("real.vfmap.json", &link).unwrap();
        let m = Map::new("through the link");
        save_file(&m, &link).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(load_file(&real).unwrap(), m);
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling.vfmap.json");
        std::os::unix::fs::symlink("new.vfmap.json", &dangling).unwrap();
        save_file(&m, &dangling).unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(load_file(&dir.path().join("new.vfmap.json")).unwrap(), m);
    }
}

#[test]
fn a_read_only_file_is_refused_unless_forced() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.vfmap.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let m = Map::new("new");
        let e = save_file(&m, &path).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        save_file_with(
            &m,
            &path,
            WriteOptions {
                replace_read_only: true,
            },
        )
        .unwrap();
        assert_eq!(load_file(&path).unwrap(), m);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o444
        );
    }
}

#[test]
fn stale_temporary_files_are_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".valueflow-save-killed.tmp");
    let fresh = dir.path().join(".valueflow-save-running.tmp");
    let other = dir.path().join("notes.tmp");
    for p in [&stale, &fresh, &other] {
        std::fs::write(p, "partial").unwrap();
    }
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for p in [&stale, &other] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    save_file(&Map::new("m"), &dir.path().join("m.vfmap.json")).unwrap();
    assert!(!stale.exists());
    // A young one may belong to a save in progress; other files are not ours.
    assert!(fresh.exists());
    assert!(other.exists());
}

#[test]
fn a_list_is_refused_as_soon_as_it_passes_its_limit() {
    type Three = super::load::Bounded<u32, 3>;
    let ok: Three = serde_json::from_str("[1, 2, 3]").unwrap();
    assert_eq!(ok.0, vec![1, 2, 3]);
    let err = serde_json::from_str::<Three>("[1, 2, 3, 4, 5]")
        .err()
        .unwrap();
    assert!(err.to_string().contains("more than 3 elements"), "{err}");
}

#[test]
fn a_map_with_more_steps_than_the_limit_is_refused_by_name() {
    // One step past MAX_STEPS: refused with the limit and the position of the first extra
    // step, not an out-of-memory abort later in the analysis.
    let mut text = String::from(r#"{"format":"valueflow-map","version":1,"steps":["#);
    for i in 0..=MAX_STEPS {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("{{\"id\":\"s{i}\",\"kind\":\"end\"}}"));
    }
    text.push_str("]}");
    let err = load_str("big.vfmap.json", &text).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!("at most {MAX_STEPS} steps")) && message.contains("steps"),
        "{message}"
    );
    assert_eq!(err.position.map(|p| p.0), Some(1));
    let column = err.position.map_or(0, |p| p.1);
    let extra = text.find(&format!("\"s{MAX_STEPS}\"")).unwrap();
    assert!(column > 0 && column <= extra, "{column} vs {extra}");
}

/// A bounded fuzz run of the map reader: mutations of valid maps and of the hostile seeds.
/// More cases: `PROPTEST_CASES=100000 cargo test --lib format::tests::fuzz`.
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<String> {
        let mut seeds: Vec<String> = HOSTILE_SEEDS
            .iter()
            .map(|n| hostile(n).to_owned())
            .collect();
        seeds.push(with(TWO, r#"{"from":"s","to":"d"},{"from":"d","to":"x","probability":0.5},{"from":"d","to":"y"}"#));
        seeds.push(include_str!("../../tests/fixtures/spec/example-rework.vfmap.json").to_owned());
        seeds.push(wide(true, 5));
        seeds
    }

    #[derive(Debug, Clone)]
    pub(super) enum Mutation {
        Flip(usize, u8),
        Insert(usize, Vec<u8>),
        Delete(usize, usize),
        Truncate(usize),
        Duplicate(usize, usize),
    }

    /// Tokens that reach interesting paths: numbers out of range, escapes, nesting, keys.
    const TOKENS: [&str; 14] = [
        "1e999",
        "-0",
        "null",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\"",
        "\\u001b",
        "\\n",
        "\"id\":",
        "\"probability\":0.5",
        "99999999999999999999999999999999999999999",
    ];

    pub(super) fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            (any::<usize>(), 0..TOKENS.len())
                .prop_map(|(i, t)| Mutation::Insert(i, TOKENS[t].as_bytes().to_vec())),
            (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..4))
                .prop_map(|(i, b)| Mutation::Insert(i, b)),
            (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Delete(i, n)),
            any::<usize>().prop_map(Mutation::Truncate),
            (any::<usize>(), 1usize..40).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        ]
    }

    pub(super) fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    let at = i % bytes.len();
                    bytes[at] ^= b | 1;
                }
            }
            Mutation::Insert(i, ins) => {
                let at = i % len;
                let at = at.min(bytes.len());
                bytes.splice(at..at, ins.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = (i % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Duplicate(i, n) => {
                let at = (i % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }

    proptest! {
        // PROPTEST_CASES overrides this (the env var wins over the default config only
        // when the config does not set cases, so it is read here).
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(3000)
        ))]
        #[test]
        fn mutated_maps_never_panic_and_errors_are_one_located_line(
            seed in 0usize..9,
            mutations in proptest::collection::vec(mutation(), 1..6),
        ) {
            let seeds = seeds();
            let mut bytes = seeds[seed % seeds.len()].clone().into_bytes();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            if let Err(e) = load_bytes("fuzz.vfmap.json", &bytes) {
                let text = e.to_string();
                prop_assert!(!text.chars().any(crate::text::is_unsafe_char), "{:?}", text);
                prop_assert!(text.starts_with("fuzz.vfmap.json"), "{}", text);
                if !matches!(*e.kind, LoadErrorKind::Empty) {
                    prop_assert!(
                        e.position.is_some(),
                        "no position: {} for {:?}",
                        text,
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
}

/// The streamed load reads a file byte by byte and gives up where it is unsure; what it
/// accepts must be what the one-piece load (serde's typed structs) reads.
mod streamed {
    use super::*;
    use proptest::prelude::*;

    /// Valid files in the shapes a hand-written reader can get wrong: escapes in names and
    /// ids, `null` for every optional field, numbers with fractions, exponents and signs,
    /// odd whitespace, the version 2 fields, sections in another order.
    fn valid() -> Vec<String> {
        let mut files: Vec<String> = [
            include_str!("../../samples/coffee-shop-order.vfmap.json"),
            include_str!("../../samples/complaint-handling.vfmap.json"),
            include_str!("../../samples/customer-onboarding.vfmap.json"),
            include_str!("../../samples/order-to-cash-as-is.vfmap.json"),
            include_str!("../../samples/order-to-cash-to-be.vfmap.json"),
        ]
        .map(String::from)
        .into();
        files.push(include_str!("../../tests/fixtures/spec/example-rework.vfmap.json").into());
        files.push(
            include_str!("../../tests/fixtures/spec/example-rework-reviewed.vfmap.json").into(),
        );
        files.push(to_json_string(&crate::samples::synthetic(300)).unwrap());
        files.push(
            r#" { "version" : 2 , "format":"valueflow-map", "name": "Caf\u00e9 \"A\"\n",
  "flows": [ {"to":"b\u0031","from":"a","kind":"information","probability":null,"label":"e\\mail"},
             {"from":"a","to":"c","kind":null,"probability":1.0,"label":null} ],
  "steps": [ {"id":"a","name":null,"lane":"l2","kind":"decision","touchpoint":null,
              "work_mins":1.5e1,"wait_mins":-0,"value":null,"benefit":null,"system":null,
              "notes":null,"pos":null,"review":null},
             {"id":"b1","kind":"end","work_mins":0.000123,"wait_mins":12345678901234567890,
              "pos":[ -0.5 , 1E+2 ],"lane":"l\t1","review":{"disposition":"keep"}},
             {"id":"c","kind":"end","lane":"l2","wait_mins":2.5E-3,"work_mins":0.1000000000000000055511151231257827}],
  "lanes": [ {"id":"l\t1","name":"Tab","customer":null}, {"id":"l2","customer":true} ],
  "description": null, "scorecard": {"strategy":{"rating":"at-risk","notes":null}},
  "derived_from": null }
"#
            .into(),
        );
        files.push(
            r#"{"format":"valueflow-map","version":1,"lanes":null,"steps":null,"flows":null}"#
                .into(),
        );
        files.push(
            r#"{"format":"valueflow-map","version":1,"lanes":[],"flows":[],
"steps":[{"id":"only","lane":null,"kind":"activity","pos":[1e-7,-2.5]}]}"#
                .into(),
        );
        files
    }

    #[test]
    fn valid_files_are_read_by_the_streamed_load_as_in_one_piece() {
        for (n, text) in valid().iter().enumerate() {
            let (streamed, one_piece) = super::super::load::both_loads(text);
            let one_piece = one_piece.unwrap_or_else(|e| panic!("file {n}: {e}"));
            let streamed =
                streamed.unwrap_or_else(|| panic!("file {n}: the streamed load gave up"));
            assert_eq!(streamed, one_piece, "file {n}");
            assert_eq!(streamed.read_version, one_piece.read_version, "file {n}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(3000)
        ))]
        /// Mutated files: where the streamed load accepts one, the one-piece load reads the
        /// same map; a mutation it would misread shows as a difference here.
        #[test]
        fn what_the_streamed_load_accepts_the_one_piece_load_reads_the_same(
            seed in any::<usize>(),
            mutations in proptest::collection::vec(fuzz::mutation(), 1..4),
        ) {
            let files = files();
            let mut bytes = files[seed % files.len()].clone().into_bytes();
            for m in &mutations {
                fuzz::apply(&mut bytes, m);
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let (streamed, one_piece) = super::super::load::both_loads(text);
                if let Some(streamed) = streamed {
                    let one_piece = one_piece.map_err(|e| {
                        TestCaseError::fail(format!("streamed load accepted {text:?}: {e}"))
                    })?;
                    prop_assert_eq!(streamed.read_version, one_piece.read_version);
                    prop_assert!(streamed == one_piece, "different maps from {:?}", text);
                }
            }
        }

        /// Valid files with their numbers spelled otherwise (long, with exponents, out of
        /// range): read to the same bits, and given up on only where the file is wrong.
        #[test]
        fn numbers_however_spelled_read_as_in_one_piece(
            seed in any::<usize>(),
            spellings in proptest::collection::vec((any::<usize>(), NUMBER), 1..6),
        ) {
            let files = files();
            let mut text = files[seed % files.len()].clone();
            for (nth, spelling) in &spellings {
                text = respell(&text, *nth, spelling);
            }
            let (streamed, one_piece) = super::super::load::both_loads(&text);
            match (streamed, one_piece) {
                (Some(streamed), Ok(one_piece)) => {
                    prop_assert!(streamed == one_piece, "different maps from {:?}", text);
                }
                (None, Err(_)) => {}
                (Some(_), Err(e)) => prop_assert!(false, "streamed load accepted {:?}: {}", text, e),
                (None, Ok(_)) => prop_assert!(false, "streamed load gave up on {:?}", text),
            }
        }
    }

    /// The valid files, made once.
    fn files() -> &'static [String] {
        static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        FILES.get_or_init(valid)
    }

    /// A JSON number of any spelling: up to 25 digits before and after the point, and an
    /// exponent that may take it out of range.
    const NUMBER: &str = "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?";

    /// `text` with its `nth` number (modulo how many it has) spelled `spelling`: a run of
    /// number characters where a JSON value starts (after `:`, `[` or `,`).
    fn respell(text: &str, nth: usize, spelling: &str) -> String {
        let b = text.as_bytes();
        let mut numbers = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let starts = (b[i].is_ascii_digit() || b[i] == b'-')
                && b[..i]
                    .iter()
                    .rev()
                    .find(|c| !c.is_ascii_whitespace())
                    .is_some_and(|c| matches!(c, b':' | b'[' | b','));
            if starts {
                let end = (i..b.len())
                    .find(|&j| !matches!(b[j], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                    .unwrap_or(b.len());
                numbers.push(i..end);
                i = end;
            } else {
                i += 1;
            }
        }
        if numbers.is_empty() {
            return text.to_owned();
        }
        let range = numbers[nth % numbers.len()].clone();
        format!("{}{spelling}{}", &text[..range.start], &text[range.end..])
    }
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9 \"\\\\/\\n\u{e9}\u{1f600}-]{0,12}"
        ]
    }

    fn time() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            (0u32..100_000u32).prop_map(f64::from),
            0.0f64..1e7
        ]
    }

    prop_compose! {
        fn arb_step(lanes: usize)(
            kind in 0usize..5, tp in 0usize..2, value in 0usize..4,
            work in time(), wait in time(), lane in 0..lanes.max(1),
            name in text(), benefit in text(), system in text(), notes in text(),
            pos in proptest::option::of((-1e6f32..1e6, -1e6f32..1e6)),
            review in proptest::option::of((
                0usize..7, text(), text(),
                proptest::option::of(time()), proptest::option::of(time()),
            )),
        ) -> (Step, usize) {
            let mut s = Step::new("", name, StepKind::ALL[kind]);
            s.touchpoint = Touchpoint::ALL[tp];
            s.value = Value::ALL[value];
            s.work_mins = work;
            s.wait_mins = wait;
            s.benefit = benefit;
            s.system = system;
            s.notes = notes;
            s.pos = pos.map(|(x, y)| [x, y]);
            s.review = review.map(|(d, answer, rationale, work, wait)| {
                let times = TargetTimes { work_mins: work, wait_mins: wait };
                // A merge's target is set once the step ids are known (arb_map).
                let disposition = match DispositionKind::ALL[d] {
                    DispositionKind::Undecided => Disposition::Undecided,
                    DispositionKind::Keep => Disposition::Keep,
                    DispositionKind::Eliminate => Disposition::Eliminate,
                    DispositionKind::Merge => Disposition::Merge { into: "".into() },
                    DispositionKind::Backstage => Disposition::Backstage,
                    DispositionKind::Automate => Disposition::Automate(times),
                    DispositionKind::Simplify => Disposition::Simplify(times),
                };
                let mut answers: [String; 5] = Default::default();
                answers[d % 5] = answer;
                Box::new(Review { answers, disposition, rationale })
            });
            (s, lane)
        }
    }

    fn arb_map() -> impl Strategy<Value = Map> {
        (0usize..4, 0usize..12)
            .prop_flat_map(|(lanes, steps)| {
                (
                    Just(lanes),
                    proptest::collection::vec(arb_step(lanes), steps),
                    proptest::collection::vec(
                        (
                            0..steps.max(1),
                            0..steps.max(1),
                            any::<bool>(),
                            text(),
                            0u8..5,
                        ),
                        0..20,
                    ),
                    text(),
                    text(),
                    proptest::collection::vec(proptest::option::of((0usize..5, text())), 6),
                    (any::<u8>(), proptest::option::of((text(), any::<bool>()))),
                )
            })
            .prop_map(
                |(lanes, steps, flows, name, description, scores, (customer, from))| {
                    let mut m = Map::new(name);
                    m.description = description;
                    for (param, score) in ScoreParam::ALL.iter().zip(scores) {
                        if let Some((r, notes)) = score {
                            *m.scorecard.get_mut(*param) = ScoreEntry {
                                rating: Rating::ALL.get(r).copied(),
                                notes,
                            };
                        }
                    }
                    m.derived_from = from.map(|(name, with_file)| DerivedFrom {
                        file: with_file.then(|| format!("{name}.vfmap.json")),
                        name: Some(name),
                    });
                    for l in 0..lanes {
                        let mut lane = Lane::new(format!("lane{l}"), format!("Lane {l}"));
                        lane.customer = customer & (1 << l) != 0;
                        m.add_lane(lane).unwrap();
                    }
                    let count = steps.len();
                    for (k, (mut s, lane)) in steps.into_iter().enumerate() {
                        s.id = format!("id-{k}").into();
                        s.lane = (lanes > 0).then(|| format!("lane{lane}").into());
                        if let Some(r) = s.review.as_mut()
                            && matches!(r.disposition, Disposition::Merge { .. })
                        {
                            // Into the step before (which exists already), or kept if none.
                            r.disposition = if k == 0 || count < 2 {
                                Disposition::Keep
                            } else {
                                Disposition::Merge {
                                    into: format!("id-{}", k - 1).into(),
                                }
                            };
                        }
                        m.add_step(s).unwrap();
                    }
                    for (a, b, info, label, q) in flows {
                        let mut f = if info {
                            Flow::information()
                        } else {
                            Flow::work()
                        };
                        f.label = label;
                        let from: StepId = format!("id-{a}").into();
                        let is_decision =
                            m.step(&from).is_some_and(|s| s.kind == StepKind::Decision);
                        if is_decision && !info && q < 2 {
                            f.probability = Some(f64::from(q) * 0.3);
                        }
                        let _ = m.connect(&from, &format!("id-{b}").into(), f);
                    }
                    m
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn save_then_load_is_the_identity(m in arb_map()) {
            let text = to_json_string(&m).unwrap();
            let back = load_str("t", &text).unwrap();
            prop_assert_eq!(&back, &m);
            prop_assert_eq!(to_json_string(&back).unwrap(), text);
        }
    }
}

#[test]
fn a_large_file_read_in_two_halves_loads_as_its_text_does() {
    // Over 4 MiB: read on two threads, built while parsed; the same map as from the text.
    let map = crate::samples::synthetic(12_000);
    let text = crate::format::to_json_string(&map).unwrap();
    assert!(text.len() > 4 << 20, "{} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.vfmap.json");
    std::fs::write(&path, &text).unwrap();
    let from_file = crate::format::load_file(&path).unwrap();
    let from_text = crate::format::load_str("big.vfmap.json", &text).unwrap();
    assert_eq!(from_file, from_text);
    assert_eq!(crate::format::to_json_string(&from_file).unwrap(), text);
    // And the analysis of a map this size (solved on two threads) is deterministic.
    let a = crate::analysis::analyze(&from_file);
    let b = crate::analysis::analyze(&from_text);
    assert_eq!(a, b);
    assert_eq!(a.metrics.steps, 12_000);
}
