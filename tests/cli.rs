//! The command line as a user runs it: every subcommand, output format and exit code, and
//! clear errors (exit 2, one line on stderr, no panic) for bad files and arguments.
#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap is a clear test failure"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const EXAMPLE: &str = "tests/fixtures/spec/example-rework.vfmap.json";

fn valueflow() -> Command {
    Command::cargo_bin("valueflow").unwrap()
}

/// A map file in a temp dir with the given text.
fn file_with(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.vfmap.json");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn example_text() -> String {
    std::fs::read_to_string(EXAMPLE).unwrap()
}

#[test]
fn analyze_prints_metrics_findings_and_questions() {
    valueflow()
        .args(["analyze", EXAMPLE])
        .assert()
        .success()
        .stdout(predicate::str::contains("Lead time"))
        .stdout(predicate::str::contains("1h 45m"))
        .stdout(predicate::str::contains("17m 30s"))
        .stdout(predicate::str::contains("16.7%"))
        .stdout(predicate::str::contains("[high] no-value-delay at Y, delay 40m\n      \"Archive paper copy\" makes the case wait 40m"))
        .stdout(predicate::str::contains(
            "? What does this step do for the customer?",
        ))
        .stdout(predicate::str::contains("[info] bottleneck at Y"));
}

#[test]
fn analyze_json_is_the_documented_shape() {
    let out = valueflow()
        .args(["analyze", EXAMPLE, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["map"], "Worked example: rework loop and parallel split");
    assert_eq!(v["metrics"]["lead_time_mins"], 105.0);
    assert_eq!(v["metrics"]["value_added_mins"], 17.5);
    assert_eq!(v["metrics"]["handoffs"], 2);
    assert_eq!(v["metrics"]["info_handoffs"], 1);
    assert_eq!(v["metrics"]["customer_touchpoints"], 2);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "step",
        "step_name",
        "severity",
        "delay_mins",
        "message",
        "question",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    assert_eq!(f["rule"], "no-value-delay");
    assert_eq!(f["severity"], "high");
    assert_eq!(v["findings"][1]["question"], serde_json::Value::Null);
}

#[test]
fn analyze_markdown_and_csv() {
    valueflow()
        .args(["analyze", EXAMPLE, "--format", "md"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Worked example"))
        .stdout(predicate::str::contains("| Lead time | 1h 45m |"))
        .stdout(predicate::str::contains("### High (1)"));
    let out = valueflow()
        .args(["analyze", EXAMPLE, "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("rule,step,step_name,severity,delay_mins,message,question")
    );
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("no-value-delay,Y,Archive paper copy,high,40,"));
}

#[test]
fn fail_on_gates_a_pipeline() {
    valueflow()
        .args(["analyze", EXAMPLE, "--fail-on", "high"])
        .assert()
        .code(1);
    valueflow()
        .args(["analyze", EXAMPLE, "--fail-on", "medium"])
        .assert()
        .code(1);
    // Without the high finding only medium and info remain.
    let text = example_text().replace(r#""value": "none""#, r#""value": "customer""#);
    let (_d, path) = file_with(text.as_bytes());
    valueflow()
        .args(["analyze"])
        .arg(&path)
        .args(["--fail-on", "high"])
        .assert()
        .code(0);
    valueflow()
        .args(["analyze"])
        .arg(&path)
        .args(["--fail-on", "low"])
        .assert()
        .code(1);
}

#[test]
fn validate_accepts_a_good_map() {
    valueflow()
        .args(["validate", EXAMPLE])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid map \"Worked example"))
        .stdout(predicate::str::contains("7 steps, 9 flows, 2 lanes"));
}

#[test]
fn every_sample_validates_and_analyzes() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")).unwrap() {
        let path = entry.unwrap().path();
        valueflow().arg("validate").arg(&path).assert().success();
        valueflow()
            .arg("analyze")
            .arg(&path)
            .args(["--format", "json"])
            .assert()
            .success();
    }
}

/// Each bad file: exit 2, nothing on stdout, one line on stderr naming the file and containing
/// `expected`.
fn assert_rejected(text: &[u8], expected: &str) {
    let (_d, path) = file_with(text);
    for sub in ["validate", "analyze"] {
        let out = valueflow()
            .arg(sub)
            .arg(&path)
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains("bad.vfmap.json"), "{err}");
        assert!(err.contains(expected), "expected {expected:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn bad_files_get_clear_errors() {
    let ex = example_text();
    assert_rejected(b"this is not json", "not valid JSON");
    assert_rejected(
        b"{\"format\": \"valueflow-map\",\n \"version\": 1,\n}",
        ":3:1: not valid JSON",
    );
    assert_rejected(b"", "the file is empty");
    assert_rejected(b"\xff\xfe", "not valid UTF-8");
    assert_rejected(
        ex.replace(r#""version": 1"#, r#""version": 7"#).as_bytes(),
        "written by a newer valueflow",
    );
    assert_rejected(
        ex.replace(r#"{ "id": "X""#, r#"{ "id": "Y""#).as_bytes(),
        "duplicate step id \"Y\"",
    );
    assert_rejected(
        ex.replace(
            r#"{ "from": "X", "to": "E" }"#,
            r#"{ "from": "X", "to": "Q" }"#,
        )
        .as_bytes(),
        "field \"to\": no step with id \"Q\"",
    );
    assert_rejected(
        ex.replace(
            r#""lane": "back", "kind": "end""#,
            r#""lane": "middle", "kind": "end""#,
        )
        .as_bytes(),
        "steps[6] (id \"E\"), field \"lane\": no lane with id \"middle\"",
    );
    assert_rejected(
        ex.replace(r#""wait_mins": 40"#, r#""wait_mins": -40"#)
            .as_bytes(),
        "steps[5] (id \"Y\"): wait_mins must be a finite number >= 0 (got -40)",
    );
    assert_rejected(
        ex.replace(r#""probability": 0.8"#, r#""probability": 0.7"#)
            .as_bytes(),
        "the probabilities of decision \"D\"'s work flows sum to 0.9",
    );
    assert_rejected(
        ex.replace(r#""probability": 0.8"#, r#""probability": 1.8"#)
            .as_bytes(),
        "probability must be between 0 and 1 (got 1.8)",
    );
    assert_rejected(
        ex.replace(r#""touchpoint": "customer""#, r#""touchpont": "customer""#)
            .as_bytes(),
        "unknown field \"touchpont\"",
    );
    let deep = format!(
        "{{\"format\":\"valueflow-map\",\"version\":1,\"name\":{}0{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    assert_rejected(
        deep.as_bytes(),
        "field \"name\" must be a string, found an array",
    );
    let deep = format!(
        "{{\"format\":\"valueflow-map\",\"version\":1,\"steps\":[{}0{}]}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    assert_rejected(
        deep.as_bytes(),
        "steps[0]: must be a JSON object, found an array",
    );
}

#[test]
fn missing_file_and_bad_arguments() {
    valueflow()
        .args(["validate", "no/such/file.vfmap.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/file.vfmap.json: cannot read the file",
        ));
    valueflow()
        .args(["analyze", EXAMPLE, "--format", "xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'xml'"));
    valueflow()
        .args(["analyze", EXAMPLE, "--fail-on", "critical"])
        .assert()
        .code(2);
    valueflow().arg("analyze").assert().code(2);
}

#[test]
fn help_documents_exit_codes() {
    valueflow()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("analyze"))
        .stdout(predicate::str::contains("validate"));
    valueflow()
        .args(["analyze", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--fail-on"))
        .stdout(predicate::str::contains("Exit codes:"));
}

#[test]
fn the_gui_refuses_a_bad_file_before_opening_a_window() {
    let (_d, path) = file_with(b"nope");
    valueflow()
        .arg(&path)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid JSON"));
}

#[test]
fn a_generated_large_map_round_trips_and_analyzes() {
    let map = valueflow::samples::synthetic(2_000);
    assert!(map.check_decisions().is_ok());
    let text = valueflow::format::to_json_string(&map).unwrap();
    let back = valueflow::format::load_str("big", &text).unwrap();
    assert_eq!(back, map);
    let a = valueflow::analysis::analyze(&back);
    assert!(a.metrics.lead_time_mins.is_some_and(|t| t > 0.0));
    assert_eq!(a.loops.len(), 2_000 / 10 - 1);
}

#[test]
fn the_gui_refuses_a_bad_bpmn_file_before_opening_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.bpmn");
    std::fs::write(&path, "<definitions").unwrap();
    valueflow()
        .arg(&path)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.bpmn"));
}

fn hostile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name)
}

#[test]
fn a_failed_write_is_exit_2_with_a_message() {
    let dev_full = Path::new("/dev/full");
    if !dev_full.exists() {
        return;
    }
    for format in ["text", "json", "md", "csv"] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("valueflow"))
            .args(["analyze", EXAMPLE, "--format", format])
            .stdout(std::fs::File::create(dev_full).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: cannot write the output"), "{err}");
    }
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("valueflow"))
        .args(["validate", EXAMPLE])
        .stdout(std::fs::File::create(dev_full).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    // Far more output than a pipe buffers, so the writer meets the closed pipe.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.vfmap.json");
    valueflow::format::save_file(&valueflow::samples::synthetic(5_000), &path).unwrap();
    for format in ["text", "json"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("valueflow"))
            .arg("analyze")
            .arg(&path)
            .args(["--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn names_and_bad_values_cannot_reach_the_terminal_raw() {
    for format in ["text", "json", "md", "csv"] {
        let out = valueflow()
            .arg("analyze")
            .arg(hostile("terminal-escapes-in-names.vfmap.json"))
            .args(["--format", format])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert!(
            !out.contains(&0x1b),
            "{format}: {}",
            String::from_utf8_lossy(&out)
        );
    }
    let out = valueflow()
        .arg("validate")
        .arg(hostile("terminal-escapes-in-names.vfmap.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("valid map \"\\u{1b}]0;pwned\\u{7}"), "{text}");
    for name in [
        "terminal-escapes-in-error.vfmap.json",
        "map-multiline-error.vfmap.json",
    ] {
        let out = valueflow()
            .arg("validate")
            .arg(hostile(name))
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    }
}

#[test]
fn misleading_messages_are_fixed() {
    let cases = [
        (
            "duplicate-top-level-key.vfmap.json",
            ":1:49: field \"version\" appears more than once",
        ),
        (
            "pos-1e39-finite-rejected.vfmap.json",
            "steps[0] (id \"a\"), field \"pos\": pos must be two numbers between -3.4e38 and 3.4e38",
        ),
        (
            "prob-sum-message-rounding.vfmap.json",
            "sum to 0.9999989; they must sum to 1 within 0.000001",
        ),
    ];
    for (name, expected) in cases {
        valueflow()
            .arg("validate")
            .arg(hostile(name))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
    }
}

#[test]
fn import_refuses_a_map_named_like_bpmn_or_its_own_input() {
    let bpmn = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile/bpmn-task-without-id.bpmn");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("in.bpmn");
    std::fs::copy(&bpmn, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    valueflow()
        .arg("import")
        .arg(&copy)
        .arg("-o")
        .arg(&copy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "choose a name ending in .vfmap.json",
        ));
    valueflow()
        .arg("import")
        .arg(&copy)
        .arg("-o")
        .arg(dir.path().join("x.BPMN"))
        .assert()
        .code(2);
    assert!(!dir.path().join("x.BPMN").exists());
    // Over its own input under another name (a link).
    #[cfg(unix)]
    {
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "id,kind\na,start\n").unwrap();
        let alias = dir.path().join("t.vfmap.json");
        std::os::unix::fs::symlink(&csv, &alias).unwrap();
        valueflow()
            .arg("import")
            .arg(&csv)
            .arg("-o")
            .arg(&alias)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("the output is the input file"));
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "id,kind\na,start\n");
    }
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn import_refuses_a_read_only_output_unless_forced() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "id,kind\na,start\n").unwrap();
        let out = dir.path().join("ro.vfmap.json");
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o444)).unwrap();
        valueflow()
            .arg("import")
            .arg(&csv)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("read-only"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        valueflow()
            .arg("import")
            .arg(&csv)
            .arg("-o")
            .arg(&out)
            .arg("--force")
            .assert()
            .success();
        assert!(valueflow::format::load_file(&out).is_ok());
    }
}

const REVIEWED: &str = "tests/fixtures/spec/example-rework-reviewed.vfmap.json";

#[test]
fn redesign_writes_the_to_be_and_compare_sets_it_beside_the_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let to_be = dir.path().join("to-be.vfmap.json");
    let out = valueflow()
        .args(["redesign", REVIEWED, "-o"])
        .arg(&to_be)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["applied"],
        serde_json::json!([
            {"step": "A", "disposition": "automate"},
            {"step": "Y", "disposition": "eliminate"}
        ])
    );
    assert_eq!(v["dropped_information_flows"], serde_json::json!([]));
    assert_eq!(
        v["map"],
        "Worked example: rework loop and parallel split (to-be)"
    );
    let saved = std::fs::read_to_string(&to_be).unwrap();
    assert!(saved.contains("\"version\": 2"));
    assert!(saved.contains("\"file\": \"example-rework-reviewed.vfmap.json\""));

    let out = valueflow()
        .args(["compare", REVIEWED])
        .arg(&to_be)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let c: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // A without its 30m wait and Y gone: T(P) = 5 + max(20, 0) = 25, T(A) = 10 + T(D),
    // T(D) = 0.2 T(A) + 0.8*25 => T(A) = 37.5 (as-is 105).
    let lead = &c["changes"]["lead_time_mins"];
    assert_eq!(lead["as_is"], 105.0);
    assert_eq!(lead["to_be"], 37.5);
    assert_eq!(lead["delta"], -67.5);
    assert!((lead["delta_pct"].as_f64().unwrap() + 64.285714285714).abs() < 1e-9);
    assert_eq!(c["changes"]["no_value_wait_mins"]["to_be"], 0.0);
    assert_eq!(c["changes"]["no_value_delays"]["as_is"], 1.0);
    assert_eq!(c["changes"]["no_value_delays"]["to_be"], 0.0);
    assert_eq!(c["changes"]["no_value_delays"]["delta_pct"], -100.0);
    // PCE as-is 1/6 is not 0: a percentage; steps: one removed, A's wait changed.
    assert_eq!(c["steps"]["removed"], serde_json::json!(["Y"]));
    assert_eq!(c["steps"]["added"], serde_json::json!([]));
    assert_eq!(
        c["steps"]["changed"],
        serde_json::json!([{"step": "A", "fields": ["wait_mins"]}])
    );
    assert_eq!(c["steps"]["unchanged"], 5);
    assert_eq!(c["as_is"]["metrics"]["no_value_wait_mins"], 40.0);
    assert_eq!(c["to_be"]["metrics"]["customer_contact_lanes"], 1);

    valueflow()
        .args(["compare", REVIEWED])
        .arg(&to_be)
        .assert()
        .success()
        .stdout(predicate::str::contains("Lead time"))
        .stdout(predicate::str::contains("Removed (1): Y"));
    valueflow()
        .args(["compare", REVIEWED])
        .arg(&to_be)
        .args(["--format", "md"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| Metric | As-is | To-be | Change |",
        ));
}

#[test]
fn a_redesign_that_cannot_be_derived_writes_nothing_and_names_the_step() {
    let text = std::fs::read_to_string(REVIEWED)
        .unwrap()
        .replace(
            "\"disposition\": \"automate\"",
            "\"disposition\": \"merge\", \"merge_into\": \"Y\"",
        )
        .replace("\"target_wait_mins\": 0,", "");
    let (dir, path) = file_with(text.as_bytes());
    let to_be = dir.path().join("to-be.vfmap.json");
    valueflow()
        .args(["redesign"])
        .arg(&path)
        .arg("-o")
        .arg(&to_be)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "step \"A\" is merged into \"Y\", which is eliminated itself",
        ));
    assert!(!to_be.exists());
    // The output may not be the input.
    valueflow()
        .args(["redesign"])
        .arg(&path)
        .arg("-o")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the output is the input file"));
}

#[test]
fn compare_and_redesign_name_a_bad_file_and_exit_2() {
    let (_dir, bad) = file_with(b"{\"format\": \"valueflow-map\", \"version\": 9}");
    valueflow()
        .args(["compare", REVIEWED])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.vfmap.json"))
        .stderr(predicate::str::contains("newer valueflow"));
    valueflow()
        .args(["compare", "no-such.vfmap.json", REVIEWED])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such.vfmap.json"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("to-be.vfmap.json");
    valueflow()
        .arg("redesign")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.vfmap.json"));
    assert!(!out.exists());
    // The output must be a map file name.
    valueflow()
        .args(["redesign", REVIEWED, "-o"])
        .arg(dir.path().join("to-be.bpmn"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "choose a name ending in .vfmap.json",
        ));
    // A map without dispositions derives a copy, and says so.
    let out = dir.path().join("copy.vfmap.json");
    valueflow()
        .args(["redesign", EXAMPLE, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("the to-be is a copy"));
    assert!(out.is_file());
}

#[test]
fn export_writes_svg_and_png_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("map.svg");
    valueflow()
        .args(["export", EXAMPLE, "-o"])
        .arg(&svg)
        .assert()
        .success()
        .stdout(predicate::str::contains("exported a picture of 7 steps"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    assert!(text.contains("Archive paper copy"));
    let png = dir.path().join("map.png");
    valueflow()
        .args(["export", EXAMPLE, "-o"])
        .arg(&png)
        .args(["--scale", "2", "--theme", "dark", "--customer-view"])
        .assert()
        .success();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // The PNG's width (bytes 16..20 of its header) is twice the SVG's.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert!(width > 400, "{width}");
    valueflow()
        .args(["export", EXAMPLE, "-o"])
        .arg(dir.path().join("bad.png"))
        .args(["--scale", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--scale must be a number above 0"));
}

#[test]
fn report_writes_a_self_contained_html_page_or_markdown_with_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    valueflow()
        .args([
            "report",
            "samples/order-to-cash-as-is.vfmap.json",
            "--to-be",
            "samples/order-to-cash-to-be.vfmap.json",
            "-o",
        ])
        .arg(&html)
        .assert()
        .success();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"));
    for id in [
        "summary",
        "map",
        "charts",
        "findings",
        "scorecard",
        "comparison",
    ] {
        assert!(text.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(!text.contains("<script"));
    let md = dir.path().join("report.md");
    valueflow()
        .args(["report", EXAMPLE, "-o"])
        .arg(&md)
        .assert()
        .success();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("![The process](report-map.svg)"));
    assert!(dir.path().join("report-map.svg").is_file());
    assert!(dir.path().join("report-customer-view.svg").is_file());
    valueflow()
        .args(["report", EXAMPLE, "-o"])
        .arg(dir.path().join("report.pdf"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("an .html or an .md file"));
}
