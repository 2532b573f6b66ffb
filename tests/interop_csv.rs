//! The CSV step table as a user meets it: every sample survives export → import with the same
//! analysis, the CLI converts both ways, and a bad table gets one clear line naming row and column.
#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap is a clear test failure"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use valueflow::analysis::analyze;
use valueflow::interop::csv_table::{import_str, to_csv_string};
use valueflow::model::{FlowKind, Map};

fn valueflow() -> Command {
    Command::cargo_bin("valueflow").unwrap()
}

fn flows(map: &Map) -> Vec<(String, String, &'static str, String, Option<u64>)> {
    let mut v: Vec<_> = map
        .flows()
        .map(|f| {
            (
                f.from.to_string(),
                f.to.to_string(),
                f.flow.kind.as_str(),
                f.flow.label.clone(),
                f.flow.probability.map(f64::to_bits),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_sample_round_trips_through_the_table() {
    for (name, _) in valueflow::samples::BUILT_IN {
        let map = valueflow::samples::load(name).unwrap().unwrap();
        let text = to_csv_string(&map);
        let back = import_str(name, &text).unwrap().map;
        assert_eq!(to_csv_string(&back), text, "{name}");
        // Lanes come back by name, in order of first use (the samples use each lane).
        let names = |m: &Map| m.lanes().iter().map(|l| l.name.clone()).collect::<Vec<_>>();
        let mut used = Vec::new();
        for s in map.steps() {
            let lane = map.lane(s.lane.as_ref().unwrap()).unwrap().name.clone();
            if !used.contains(&lane) {
                used.push(lane);
            }
        }
        assert_eq!(names(&back), used, "{name}");
        for (a, b) in map.steps().zip(back.steps()) {
            assert_eq!(
                (&a.id, &a.name, a.kind, a.touchpoint, a.value),
                (&b.id, &b.name, b.kind, b.touchpoint, b.value)
            );
            assert_eq!((a.work_mins, a.wait_mins), (b.work_mins, b.wait_mins));
            assert_eq!(
                (&a.benefit, &a.system, &a.notes),
                (&b.benefit, &b.system, &b.notes)
            );
            assert_eq!(b.pos, None, "the table has no positions");
        }
        assert_eq!(flows(&back), flows(&map), "{name}");
        assert_eq!(analyze(&back).metrics, analyze(&map).metrics, "{name}");
    }
}

#[test]
fn the_table_reads_like_a_spreadsheet() {
    let map = valueflow::samples::load("coffee-shop-order.vfmap.json")
        .unwrap()
        .unwrap();
    let text = to_csv_string(&map);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,name,lane,kind,touchpoint,work,wait,value,benefit,system,notes,next,probabilities,labels"
    );
    // Times in human units; next, probabilities and labels as ';' lists.
    assert!(
        text.contains("\ntake-order,Take order,Counter,activity,customer,1m 30s,3m,customer,"),
        "{text}"
    );
    assert!(text.contains(",leave;remake,0.92;0.08,yes;no\n"), "{text}");
    // The information flows follow in their own section.
    let info = map
        .flows()
        .filter(|f| f.flow.kind == FlowKind::Information)
        .count();
    let section = text.split("\n\nfrom,to,label\n").nth(1).unwrap();
    assert_eq!(section.lines().count(), info);
    assert!(section.contains("take-order,take-payment,order total\n"));
}

#[test]
fn cli_exports_and_imports_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("o2c.csv");
    valueflow()
        .args(["export", "samples/order-to-cash-as-is.vfmap.json", "-o"])
        .arg(&csv)
        .assert()
        .success();
    let map_path = tmp.path().join("o2c.vfmap.json");
    valueflow()
        .arg("import")
        .arg(&csv)
        .arg("-o")
        .arg(&map_path)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 28 steps, 44 flows, 8 lanes",
        ));
    valueflow()
        .arg("analyze")
        .arg(&map_path)
        .assert()
        .success()
        .stdout(predicate::str::contains("26d"));
}

#[test]
fn cli_bad_csv_exits_2_with_row_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("steps.csv");
    std::fs::write(
        &csv,
        "id,name,lane,kind,work,wait\na,Start,Sales,start,,\nb,Wait,Sales,wait,,three days\n",
    )
    .unwrap();
    let out = tmp.path().join("out.vfmap.json");
    let assert = valueflow()
        .arg("import")
        .arg(&csv)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "steps.csv: row 3, column \"wait\": \"three days\" is not a time",
        ));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists());
}

// ---- hostile inputs (tests/fixtures/hostile, COMMANDS.md) ----------------------------------

const HOSTILE: &str = "tests/fixtures/hostile";

/// Export → import through the table, comparing everything the table keeps.
fn assert_table_round_trip(map: &Map, what: &str) -> Map {
    let text = to_csv_string(map);
    let back = match import_str("t.csv", &text) {
        Ok(i) => i.map,
        Err(e) => panic!("{what}: {e}\n{text}"),
    };
    assert_eq!(to_csv_string(&back), text, "{what}");
    let steps = |m: &Map| {
        m.steps()
            .map(|s| {
                let lane = s
                    .lane
                    .as_ref()
                    .and_then(|l| m.lane(l))
                    .map(|l| l.name.clone());
                (s.id.to_string(), s.name.clone(), lane, s.kind)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(steps(&back), steps(map), "{what}");
    assert_eq!(flows(&back), flows(map), "{what}");
    assert_eq!(analyze(&back).metrics, analyze(map).metrics, "{what}");
    back
}

#[test]
fn hostile_lane_names_and_ids_survive_the_table() {
    for file in [
        "csv-roundtrip-duplicate-lane-names.vfmap.json",
        "csv-roundtrip-empty-lane-name.vfmap.json",
        "csv-roundtrip-leading-space-id.vfmap.json",
        "csv-roundtrip-whitespace-ids.vfmap.json",
    ] {
        let map = valueflow::format::load_file(&std::path::Path::new(HOSTILE).join(file)).unwrap();
        let back = assert_table_round_trip(&map, file);
        // With names that do not tell lanes apart, the lane ids travel in a lane_id column.
        assert_eq!(back.lanes(), map.lanes(), "{file}");
    }
}

#[test]
fn an_imported_collaboration_keeps_its_hand_offs_through_the_table() {
    let imported = valueflow::interop::import_file(std::path::Path::new(
        "tests/fixtures/bpmn/bpmnjs-collaboration-message-flows.bpmn",
    ))
    .unwrap()
    .map;
    assert_table_round_trip(&imported, "bpmnjs-collaboration-message-flows");
}

#[test]
fn an_unclosed_quote_is_an_error_where_it_opens() {
    let text = std::fs::read_to_string(format!(
        "{HOSTILE}/csv-unterminated-quote-swallows-rows.csv"
    ))
    .unwrap();
    let message = import_str("q.csv", &text).unwrap_err().to_string();
    assert_eq!(
        message,
        "q.csv: row 2, column \"name\": a quoted field starts here and is never closed, so every later row would be read into it; add the closing \" (a \" inside a quoted field is written \"\")"
    );
    // A quote inside an unquoted field, and a doubled quote inside a quoted one, are fine.
    let ok = "id,kind,name\ns,start,5\" pipe\ne,end,\"say \"\"hi\"\"\"\n";
    let map = import_str("ok.csv", ok).unwrap().map;
    let names: Vec<_> = map.steps().map(|s| s.name.clone()).collect();
    assert_eq!(names, ["5\" pipe", "say \"hi\""]);
}

#[test]
fn cells_that_would_run_as_formulas_are_guarded_and_come_back_exactly() {
    let mut map = Map::new("f");
    let texts = [
        "=HYPERLINK(\"x\")",
        "+1",
        "-2",
        "@SUM(A1)",
        "'quoted",
        "\tTab",
    ];
    for (k, t) in texts.iter().enumerate() {
        let mut step = valueflow::model::Step::new(
            format!("{t}{k}"),
            *t,
            valueflow::model::StepKind::Activity,
        );
        step.notes = (*t).to_owned();
        map.add_step(step).unwrap();
    }
    let text = to_csv_string(&map);
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t']),
                "unguarded cell {cell:?} in {line}"
            );
        }
    }
    assert!(text.contains("'=HYPERLINK"), "{text}");
    let back = assert_table_round_trip(&map, "formulas");
    let notes: Vec<_> = back.steps().map(|s| s.notes.clone()).collect();
    assert_eq!(notes, texts);
}

// ---- bounded fuzzing -------------------------------------------------------------------------

#[path = "common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz_cases, mutate};

/// The seeds: the hostile CSV reproducer, tables of the samples and of the hostile maps.
fn csv_seeds() -> Vec<String> {
    let mut seeds = vec![
        std::fs::read_to_string(format!(
            "{HOSTILE}/csv-unterminated-quote-swallows-rows.csv"
        ))
        .unwrap(),
    ];
    for (name, _) in valueflow::samples::BUILT_IN {
        seeds.push(to_csv_string(
            &valueflow::samples::load(name).unwrap().unwrap(),
        ));
    }
    for file in [
        "csv-roundtrip-duplicate-lane-names.vfmap.json",
        "csv-roundtrip-whitespace-ids.vfmap.json",
    ] {
        let map = valueflow::format::load_file(&std::path::Path::new(HOSTILE).join(file)).unwrap();
        seeds.push(to_csv_string(&map));
    }
    seeds
}

const CSV_TOKENS: &[&str] = &[
    "\"",
    ",",
    "\n",
    "\r\n",
    ";",
    "\\",
    "'",
    "=",
    "\t",
    " ",
    "\0",
    "\u{1b}",
    "\u{202e}",
    "\"\"",
    "start",
    "end",
    "decision",
    "1h",
    "-5",
    "1e308",
    "NaN",
    "0.5;0.7",
    "a;a",
    "from,to,label\n",
    "\nid,kind\n",
    "lane_id",
    ",,,,,,,,,,,,,,,",
    "\u{2028}",
    "\u{feff}",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: fuzz_cases(2000),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// A mutated table never panics, and every error is one line naming the row (and the
    /// column where there is one).
    #[test]
    fn fuzz_csv_import_never_panics_and_errors_name_the_row(
        seed in 0usize..64,
        edits in proptest::collection::vec((0.0f64..1.0, 0u8..16, 0usize..64), 1..6),
    ) {
        static SEEDS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(csv_seeds);
        let bytes = mutate(SEEDS[seed % SEEDS.len()].as_bytes(), &edits, CSV_TOKENS);
        if let Err(e) = valueflow::interop::csv_table::import_bytes("fuzz.csv", &bytes) {
            let message = e.to_string();
            proptest::prop_assert_eq!(message.lines().count(), 1, "{}", message);
            match &e {
                valueflow::interop::InteropError::Csv { row, .. } => {
                    proptest::prop_assert!(*row >= 1, "{}", message);
                    let place = format!("fuzz.csv: row {row}");
                    proptest::prop_assert!(message.starts_with(&place), "{}", message);
                }
                valueflow::interop::InteropError::Empty { .. } => {}
                other => proptest::prop_assert!(false, "unexpected error kind: {other}"),
            }
        }
    }
}
