//! Format version 2 (map-format-v2.md): the redesign fields load, save and are checked with
//! the same care as version 1, and the version rules hold.

use super::*;
use crate::model::*;

fn err(text: &str) -> LoadError {
    match load_str("t.vfmap.json", text) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e,
    }
}

/// A file of `version` with one lane (extra lane keys `lane`), steps a and b (a's extra keys
/// `step`) and top-level extra keys `top`.
fn file(version: u64, top: &str, lane: &str, step: &str) -> String {
    format!(
        r#"{{"format":"valueflow-map","version":{version},"name":"n"{top},
"lanes":[{{"id":"c","name":"Customer"{lane}}}],
"steps":[{{"id":"a","lane":"c","kind":"activity"{step}}},
{{"id":"b","lane":"c","kind":"end"}}],
"flows":[{{"from":"a","to":"b"}}]}}"#
    )
}

#[test]
fn version_2_fields_load() {
    let text = file(
        2,
        r#","derived_from":{"name":"As is","file":"as-is.vfmap.json"},
"scorecard":{"process_design":{"rating":"at-risk","notes":"silos"},"strategy":{"notes":"tbd"}}"#,
        r#","customer":true"#,
        r#","review":{"for_customer":"nothing","disposition":"merge","merge_into":"b","rationale":"same clerk"}"#,
    );
    let m = load_str("t", &text).unwrap();
    assert_eq!(m.read_version, 2);
    assert!(m.lanes()[0].customer);
    assert_eq!(
        m.derived_from,
        Some(DerivedFrom {
            name: Some("As is".into()),
            file: Some("as-is.vfmap.json".into())
        })
    );
    let pd = m.scorecard.get(ScoreParam::ProcessDesign);
    assert_eq!(pd.rating, Some(Rating::AtRisk));
    assert_eq!(pd.notes, "silos");
    assert_eq!(m.scorecard.get(ScoreParam::Strategy).rating, None);
    let a = m.step(&"a".into()).unwrap();
    let r = a.review.as_deref().unwrap();
    assert_eq!(r.answers[0], "nothing");
    assert_eq!(r.disposition, Disposition::Merge { into: "b".into() });
    assert_eq!(r.rationale, "same clerk");
    // Saved and read back: the same map and the same text.
    let saved = to_json_string(&m).unwrap();
    assert!(saved.contains("\"version\": 2"), "{saved}");
    let back = load_str("t", &saved).unwrap();
    assert_eq!(back, m);
    assert_eq!(to_json_string(&back).unwrap(), saved);
}

#[test]
fn a_version_1_map_saves_as_version_1_until_it_uses_a_version_2_field() {
    let text = file(1, "", "", "");
    let mut m = load_str("t", &text).unwrap();
    let saved = to_json_string(&m).unwrap();
    assert!(saved.contains("\"version\": 1"), "{saved}");
    assert!(!saved.contains("customer"), "{saved}");
    m.set_lane_field(&"c".into(), LaneField::Customer(true))
        .unwrap();
    let saved = to_json_string(&m).unwrap();
    assert!(saved.contains("\"version\": 2"), "{saved}");
    // Back to defaults: version 1 again (it was read as 1).
    m.set_lane_field(&"c".into(), LaneField::Customer(false))
        .unwrap();
    assert_eq!(m.saved_version(), 1);
    // An empty review is no review.
    m.set_step_field(&"a".into(), StepField::Review(Some(Box::default())))
        .unwrap();
    assert_eq!(m.step(&"a".into()).unwrap().review, None);
    assert_eq!(m.saved_version(), 1);
    m.set_map_field(MapField::Score(
        ScoreParam::Marketing,
        ScoreEntry {
            rating: Some(Rating::DoingGreat),
            notes: String::new(),
        },
    ));
    assert_eq!(m.saved_version(), 2);
}

#[test]
fn a_map_read_as_version_2_stays_version_2() {
    let m = load_str("t", &file(2, "", "", "")).unwrap();
    assert!(!m.uses_version_2());
    assert!(to_json_string(&m).unwrap().contains("\"version\": 2"));
}

#[test]
fn a_version_2_key_in_a_version_1_file_needs_version_2_whatever_its_value() {
    let cases = [
        (file(1, r#","scorecard":{}"#, "", ""), "scorecard", 1),
        (
            file(1, r#","derived_from":null"#, "", ""),
            "derived_from",
            1,
        ),
        (file(1, "", r#","customer":false"#, ""), "customer", 2),
        (file(1, "", r#","customer":"yes""#, ""), "customer", 2),
        (file(1, "", "", r#","review":null"#), "review", 3),
        (file(1, "", "", r#","review":{"bogus":1}"#), "review", 3),
    ];
    for (text, field, line) in cases {
        let e = err(&text);
        assert_eq!(
            *e.kind,
            LoadErrorKind::NeedsVersion2(field.into()),
            "{text}: {e}"
        );
        assert_eq!(e.position.map(|p| p.0), Some(line), "{e}");
        let message = e.to_string();
        assert!(message.contains("needs version 2"), "{message}");
    }
    let e = err(&file(1, "", "", r#","review":null"#));
    assert!(
        e.to_string().contains("steps[0] (id \"a\")"),
        "the step is named: {e}"
    );
}

#[test]
fn review_errors_name_the_step_and_the_field() {
    let cases: [(&str, &str); 9] = [
        (r#"{"bogus":""}"#, "unknown field \"review.bogus\""),
        (r#"{"disposition":"drop"}"#, "review.disposition"),
        (
            r#"{"disposition":"keep","merge_into":"b"}"#,
            "\"review.merge_into\" is only allowed when the disposition is \"merge\"",
        ),
        (
            r#"{"disposition":"merge"}"#,
            "is required when the disposition is \"merge\"",
        ),
        (
            r#"{"disposition":"merge","merge_into":"zz"}"#,
            "merged into \"zz\", which is not a step",
        ),
        (
            r#"{"disposition":"merge","merge_into":"a"}"#,
            "cannot be merged into itself",
        ),
        (
            r#"{"disposition":"eliminate","target_work_mins":3}"#,
            "\"review.target_work_mins\" is only allowed when the disposition is \"automate\" or \"simplify\"",
        ),
        (
            r#"{"disposition":"automate","target_wait_mins":-1}"#,
            "review.target_wait_mins must be a finite number >= 0",
        ),
        (
            r#"{"rationale":5}"#,
            "field \"review.rationale\" must be a string",
        ),
    ];
    for (review, expected) in cases {
        let text = file(2, "", "", &format!(r#","review":{review}"#));
        let e = err(&text);
        let message = e.to_string();
        assert!(message.contains(expected), "{review}: {message}");
        assert!(
            message.contains("steps[0] (id \"a\")"),
            "{review}: {message}"
        );
        assert!(e.position.is_some(), "{review}: {message}");
    }
}

#[test]
fn scorecard_and_lane_errors_say_what_and_where() {
    let e = err(&file(
        2,
        r#","scorecard":{"strategy":{"rating":"fine"}}"#,
        "",
        "",
    ));
    let message = e.to_string();
    assert!(message.contains("scorecard, \"strategy\""), "{message}");
    assert!(message.contains("doing-great | could-improve"), "{message}");
    assert_eq!(e.position.map(|p| p.0), Some(1));
    let e = err(&file(2, r#","scorecard":{"pricing":{}}"#, "", ""));
    assert!(
        e.to_string()
            .contains("unknown field \"scorecard.pricing\""),
        "{e}"
    );
    let e = err(&file(2, "", r#","customer":"yes""#, ""));
    assert!(
        e.to_string()
            .contains("field \"customer\" must be true or false"),
        "{e}"
    );
    let e = err(&file(2, r#","derived_from":{"name":1}"#, "", ""));
    assert!(
        e.to_string()
            .contains("field \"derived_from.name\" must be a string"),
        "{e}"
    );
}

#[test]
fn removing_a_merge_target_leaves_the_merged_step_undecided() {
    let text = file(
        2,
        "",
        "",
        r#","review":{"disposition":"merge","merge_into":"b","rationale":"r"}"#,
    );
    let mut m = load_str("t", &text).unwrap();
    m.remove_step(&"b".into()).unwrap();
    let r = m.step(&"a".into()).unwrap().review.as_deref().unwrap();
    assert_eq!(r.disposition, Disposition::Undecided);
    assert_eq!(r.rationale, "r");
    // What is saved loads again.
    load_str("t", &to_json_string(&m).unwrap()).unwrap();
    // The edit API refuses a merge into a step that is not there, or into itself.
    let merge = |into: &str| {
        StepField::Review(Some(Box::new(Review {
            disposition: Disposition::Merge { into: into.into() },
            ..Review::default()
        })))
    };
    assert!(matches!(
        m.set_step_field(&"a".into(), merge("b")),
        Err(MapError::UnknownMergeTarget { .. })
    ));
    assert!(matches!(
        m.set_step_field(&"a".into(), merge("a")),
        Err(MapError::MergeIntoItself(_))
    ));
}
