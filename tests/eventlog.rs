//! `valueflow calibrate` on the real event-log fixtures (tests/fixtures/eventlogs), with the
//! expectations computed here from the raw files by a few lines of independent code, and
//! the command's errors (exit 2, nothing written).
#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap is a clear test failure"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use valueflow::eventlog::parse_observed;
use valueflow::model::{Map, StepKind};

const PATIENTS_CSV: &str = "tests/fixtures/eventlogs/patients.csv";
const PATIENTS_XES: &str = "tests/fixtures/eventlogs/patients.xes";
const LOAN_CSV: &str = "tests/fixtures/eventlogs/loan-application.csv";
const PATIENTS_COLUMNS: &[&str] = &[
    "--case",
    "patient",
    "--activity",
    "handling",
    "--lifecycle",
    "registration_type",
    "--timestamp",
    "time",
    "--resource",
    "employee",
    "--instance",
    "handling_id",
];

fn valueflow() -> Command {
    Command::cargo_bin("valueflow").unwrap()
}

/// Runs `calibrate` into a temp dir and returns the dir, the map path and the JSON summary.
fn calibrate(log: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.vfmap.json");
    let stdout = valueflow()
        .arg("calibrate")
        .arg(log)
        .arg("-o")
        .arg(&out)
        .args(["--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = serde_json::from_slice(&stdout).unwrap();
    (dir, out, v)
}

fn load(path: &Path) -> Map {
    valueflow::format::load_file(path).unwrap()
}

/// Epoch milliseconds of an ISO timestamp, through jiff directly (not valueflow's parser);
/// no offset means UTC.
fn ms(s: &str) -> i64 {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return t.as_millisecond();
    }
    let dt: jiff::civil::DateTime = s.parse().unwrap();
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond()
}

#[test]
fn patients_lead_time_is_the_mean_case_duration() {
    // Independently: per patient, first start to last complete.
    let text = std::fs::read_to_string(PATIENTS_CSV).unwrap();
    let mut span: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let t = ms(f[5]);
        let e = span.entry(f[1]).or_insert((i64::MAX, i64::MIN));
        e.0 = e.0.min(t);
        e.1 = e.1.max(t);
    }
    let mean_mins =
        span.values().map(|(a, b)| (b - a) as f64).sum::<f64>() / span.len() as f64 / 60_000.0;
    let mut args = PATIENTS_COLUMNS.to_vec();
    args.extend(["--min-flow", "0"]);
    let (_d, out, v) = calibrate(PATIENTS_CSV, &args);
    assert_eq!(v["summary"]["cases"], 500);
    assert!(
        v["summary"]["concurrent"].as_array().unwrap().is_empty(),
        "sequential"
    );
    let reported = v["summary"]["mean_case_mins"].as_f64().unwrap();
    assert!(
        (reported - mean_mins).abs() < 1e-3,
        "{reported} vs {mean_mins}"
    );
    let lead = valueflow::analysis::analyze(&load(&out))
        .metrics
        .lead_time_mins
        .unwrap();
    assert_eq!(v["lead_time_mins"].as_f64().unwrap(), lead);
    // Times are rounded to 4 decimals per step: the lead time is within a rounding of each.
    assert!(
        (lead - mean_mins).abs() < 0.01,
        "lead {lead} vs mean case {mean_mins}"
    );
}

#[test]
fn patients_csv_and_xes_give_the_same_map() {
    let (_a, csv_out, _) = calibrate(PATIENTS_CSV, PATIENTS_COLUMNS);
    let (_b, xes_out, _) = calibrate(PATIENTS_XES, &[]);
    let strip = |p: &Path| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("name");
        o.remove("description");
        v
    };
    let (c, x) = (strip(&csv_out), strip(&xes_out));
    assert!(c["steps"].as_array().unwrap().len() >= 9);
    assert_eq!(c, x);
}

/// The loan log's rows as (activity, start ms, end ms), read with plain string splitting.
fn loan_rows() -> Vec<(String, i64, i64)> {
    let text = std::fs::read_to_string(LOAN_CSV).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (a, s, e) = (col("activity"), col("start_time"), col("end_time"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[a].to_owned(), ms(f[s]), ms(f[e]))
        })
        .collect()
}

fn step_by_name<'a>(map: &'a Map, name: &str) -> &'a valueflow::model::Step {
    map.steps().find(|s| s.name == name).unwrap()
}

#[test]
fn loan_parallel_checks_are_a_split_and_the_rework_loop_is_there() {
    let (_d, out, _) = calibrate(LOAN_CSV, &[]);
    let map = load(&out);
    let checks = ["AML check", "Check credit history", "Appraise property"];
    let ids: Vec<String> = checks
        .iter()
        .map(|n| step_by_name(&map, n).id.to_string())
        .collect();
    let flows: Vec<(String, String, Option<f64>)> = map
        .flows()
        .map(|f| (f.from.to_string(), f.to.to_string(), f.flow.probability))
        .collect();
    // One source with a flow to each check, itself not a decision, the flows without
    // probabilities: a parallel split.
    let sources: Vec<&String> = flows
        .iter()
        .filter(|f| f.1 == ids[0])
        .map(|f| &f.0)
        .collect();
    assert_eq!(sources.len(), 1, "{sources:?}");
    let split = sources[0];
    for id in &ids {
        let f = flows.iter().find(|f| &f.0 == split && &f.1 == id).unwrap();
        assert_eq!(f.2, None);
        assert_eq!(
            flows.iter().filter(|f| &f.1 == id).count(),
            1,
            "{id} has one way in"
        );
    }
    let split_step = map.steps().find(|s| s.id.as_str() == split).unwrap();
    assert_ne!(split_step.kind, StepKind::Decision);
    // No flow between two checks (no loops among them, no decision exits).
    for a in &ids {
        for b in &ids {
            assert!(!flows.iter().any(|f| &f.0 == a && &f.1 == b));
        }
    }
    // The rework loop: the form check can reach itself again.
    let check = step_by_name(&map, "Check application form completeness")
        .id
        .to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = flows
        .iter()
        .filter(|f| f.0 == check)
        .map(|f| f.1.clone())
        .collect();
    while let Some(s) = todo.pop() {
        if seen.insert(s.clone()) {
            todo.extend(flows.iter().filter(|f| f.0 == s).map(|f| f.1.clone()));
        }
    }
    assert!(seen.contains(&check), "no way back to {check}");
    assert!(
        seen.contains(
            &step_by_name(&map, "Return application back to applicant")
                .id
                .to_string()
        )
    );
    // The checks are concurrent, so they wait for the form check, not for each other.
    let notes: Vec<_> = ids
        .iter()
        .map(|id| {
            parse_observed(&map.steps().find(|s| s.id.as_str() == id).unwrap().notes).unwrap()
        })
        .collect();
    assert!(notes.iter().all(|o| o.n > 0 && o.with_start == o.n));
}

fn median(mut v: Vec<i64>) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

#[test]
fn loan_work_medians_match_the_raw_rows() {
    let mut work: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (a, s, e) in loan_rows() {
        work.entry(a).or_default().push((e - s).max(0));
    }
    let (_d, out, _) = calibrate(LOAN_CSV, &["--stat", "median"]);
    let map = load(&out);
    assert_eq!(work.len(), 12);
    for (name, w) in work {
        let n = w.len() as u64;
        let want = (median(w) / 60_000.0 * 10_000.0).round() / 10_000.0;
        let step = step_by_name(&map, &name);
        assert_eq!(step.work_mins, want, "{name}");
        let o = parse_observed(&step.notes).unwrap();
        assert_eq!(o.work.median, want, "{name}");
        assert_eq!(o.n, n, "{name}");
    }
}

#[test]
fn text_summary_shows_durations_next_to_the_lead_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("loan.vfmap.json");
    valueflow()
        .arg("calibrate")
        .arg(LOAN_CSV)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "calibrated \"loan-application (calibrated)\"",
        ))
        .stdout(predicate::str::contains("1000 cases"))
        .stdout(predicate::str::contains("case duration: mean "))
        .stdout(predicate::str::contains("the map's expected lead time: "))
        .stdout(predicate::str::contains(
            "concurrent: AML check || Appraise property",
        ));
    // The written map loads and validates.
    valueflow().arg("validate").arg(&out).assert().success();
}

/// A calibrate that must fail: exit 2, one error line with `message`, nothing written over
/// the existing output.
fn fails(log: &Path, extra: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.vfmap.json");
    std::fs::write(&out, "previous").unwrap();
    valueflow()
        .arg("calibrate")
        .arg(log)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error: "))
        .stderr(predicate::str::contains(message));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

fn log_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fails(
        Path::new(PATIENTS_CSV),
        &[],
        "no case column (columns found: handling, patient, employee, handling_id, registration_type, time); name it with --case COLUMN",
    );
    let bad = log_file(
        &dir,
        "bad.csv",
        "case_id,activity,end_time\n1,A,2024-01-01T10:00:00Z\n1,B,soon\n",
    );
    fails(
        &bad,
        &[],
        "row 3: cannot read the timestamp \"soon\" in column \"end_time\"",
    );
    let header = log_file(&dir, "header.csv", "case_id,activity,end_time\n");
    fails(&header, &[], "no events");
    let empty = log_file(&dir, "empty.xes", "");
    fails(&empty, &[], "no events");
    let xes = std::fs::read_to_string(PATIENTS_XES).unwrap();
    let cut = log_file(&dir, "cut.xes", &xes[..xes.len() / 2]);
    fails(&cut, &[], "the file is truncated");
    fails(
        Path::new(LOAN_CSV),
        &["--min-flow", "1.5"],
        "--min-flow must be a share between 0 and 1",
    );
    fails(
        Path::new(LOAN_CSV),
        &["--min-conc", "-1"],
        "--min-conc must be a share",
    );
    fails(
        Path::new(LOAN_CSV),
        &["--case", "nope"],
        "--case \"nope\": no such column",
    );
    fails(
        Path::new(PATIENTS_XES),
        &["--case", "x"],
        "--case names a CSV column",
    );
    fails(&dir.path().join("missing.csv"), &[], "cannot read the file");
}

#[test]
fn the_output_must_not_be_the_input_or_a_log_name() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::copy(LOAN_CSV, &log).unwrap();
    let before = std::fs::read(&log).unwrap();
    valueflow()
        .arg("calibrate")
        .arg(&log)
        .arg("-o")
        .arg(&log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("choose"));
    assert_eq!(std::fs::read(&log).unwrap(), before);
    for name in ["x.xes", "x.xes.gz"] {
        valueflow()
            .arg("calibrate")
            .arg(&log)
            .arg("-o")
            .arg(dir.path().join(name))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("the name says an event log"));
        assert!(!dir.path().join(name).exists());
    }
}

#[test]
fn an_existing_map_is_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.vfmap.json");
    std::fs::write(&out, "old").unwrap();
    valueflow()
        .arg("calibrate")
        .arg(LOAN_CSV)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let map = load(&out);
    assert_eq!(map.name, "loan-application (calibrated)");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    valueflow()
        .args(["calibrate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("--min-activity"))
        .stdout(predicate::str::contains("--instance <COL>"));
}
