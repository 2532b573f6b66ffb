//! BPMN import and export against real files: every shared fixture imports with the counts an
//! independent count over its XML gives, analyzes, exports, passes bpmn-moddle (no warnings)
//! and bpmnlint, and re-imports unchanged; the broken fixtures give clear errors; the CLI too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a clear test failure"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use roxmltree::{Document, Node, ParsingOptions};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use valueflow::analysis::analyze;
use valueflow::interop::bpmn_export::to_bpmn_string;
use valueflow::interop::bpmn_import::{BPMN_NS, import_bytes, is_flow_node};
use valueflow::interop::{InteropError, import_file};
use valueflow::model::{FlowKind, Map};

const FIXTURES: &str = "tests/fixtures/bpmn";

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("the BPMN fixtures (tests/fixtures/bpmn) are missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bpmn"))
        .collect();
    files.sort();
    assert!(files.len() >= 19, "expected the 19 BPMN fixtures");
    files
}

fn is_error_fixture(p: &Path) -> bool {
    p.file_name().unwrap().to_str().unwrap().contains("-error-")
}

/// What the mapping of docs/bpmn.md should give, counted straight from the XML.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    lanes: usize,
    steps: usize,
    work: usize,
    information: usize,
}

fn bpmn(n: &Node, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(BPMN_NS) && n.tag_name().name() == name
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(move |c| bpmn(c, name))
}

fn model_elements<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| {
            n.is_element()
                && n.tag_name().namespace() == Some(BPMN_NS)
                && !n
                    .ancestors()
                    .any(|a| a.tag_name().name() == "extensionElements")
        })
        .collect()
}

/// The independent count: steps are the flow nodes directly in a process plus black-box
/// pools; anything nested in a sub-process counts as that sub-process.
fn count(text: &str) -> Counts {
    let doc = Document::parse_with_options(text, ParsingOptions::default()).unwrap();
    let root = doc.root_element();
    let processes: Vec<_> = children(root, "process").collect();
    let participants: Vec<_> = children(root, "collaboration")
        .flat_map(|c| children(c, "participant"))
        .collect();
    let leaf_lanes = |p: &Node| {
        p.descendants()
            .filter(|n| bpmn(n, "lane") && !n.children().any(|c| bpmn(&c, "childLaneSet")))
            .count()
    };
    // Each id → the step it stands for (its top-level flow node, or a black-box pool).
    let mut step_of: HashMap<&str, &str> = HashMap::new();
    let mut steps = 0;
    let mut lanes = 0;
    for p in &participants {
        if p.attribute("processRef").is_none() {
            lanes += 1;
            steps += 1;
            step_of.insert(p.attribute("id").unwrap(), p.attribute("id").unwrap());
        }
    }
    for p in &processes {
        let leaves = leaf_lanes(p);
        lanes += if leaves == 0 { 1 } else { leaves };
        for n in p
            .children()
            .filter(|c| c.is_element() && is_flow_node(c.tag_name().name()))
        {
            steps += 1;
            let top = n.attribute("id").unwrap();
            for d in n.descendants() {
                if let Some(inner) = d.attribute("id") {
                    step_of.insert(inner, top);
                }
            }
        }
    }
    let single_bare_process =
        participants.is_empty() && processes.len() == 1 && leaf_lanes(&processes[0]) == 0;
    if single_bare_process {
        lanes = 0;
    }
    let pair = |a: Option<&str>, b: Option<&str>| -> Option<(String, String)> {
        let a = step_of.get(a?.trim())?;
        let b = step_of.get(b?.trim())?;
        Some((a.to_string(), b.to_string()))
    };
    let mut work = BTreeSet::new();
    for p in &processes {
        for f in children(*p, "sequenceFlow") {
            work.insert(pair(f.attribute("sourceRef"), f.attribute("targetRef")).unwrap());
        }
        for b in children(*p, "boundaryEvent") {
            work.extend(pair(b.attribute("attachedToRef"), b.attribute("id")));
        }
    }
    let mut information = BTreeSet::new();
    for f in model_elements(&doc)
        .into_iter()
        .filter(|n| bpmn(n, "messageFlow"))
    {
        if let Some((a, b)) = pair(f.attribute("sourceRef"), f.attribute("targetRef"))
            && a != b
        {
            information.insert((a, b));
        }
    }
    for f in model_elements(&doc)
        .into_iter()
        .filter(|n| bpmn(n, "association"))
    {
        information.extend(pair(f.attribute("sourceRef"), f.attribute("targetRef")));
    }
    // Data: writers × readers of each data object / store (references to one object merge).
    let ids: HashMap<&str, Node> = model_elements(&doc)
        .into_iter()
        .filter_map(|n| Some((n.attribute("id")?, n)))
        .collect();
    let data_key = |r: &str| -> Option<String> {
        let n = ids.get(r.trim())?;
        match n.tag_name().name() {
            "dataObjectReference" | "dataStoreReference" => Some(
                n.attribute("dataObjectRef")
                    .or(n.attribute("dataStoreRef"))
                    .unwrap_or(n.attribute("id")?)
                    .to_owned(),
            ),
            "dataObject" | "dataStore" => Some(n.attribute("id")?.to_owned()),
            _ => None,
        }
    };
    let mut writers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut readers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for a in model_elements(&doc) {
        let (list, child) = match a.tag_name().name() {
            "dataOutputAssociation" => (&mut writers, "targetRef"),
            "dataInputAssociation" => (&mut readers, "sourceRef"),
            _ => continue,
        };
        let Some(step) = a
            .parent()
            .and_then(|p| p.attribute("id"))
            .and_then(|id| step_of.get(id))
        else {
            continue;
        };
        for r in a.children().filter(|c| bpmn(c, child)) {
            if let Some(key) = data_key(r.text().unwrap_or_default()) {
                list.entry(key).or_default().push(step);
            }
        }
    }
    for (key, ws) in &writers {
        for w in ws {
            for r in readers.get(key).into_iter().flatten() {
                if w != r {
                    information.insert((w.to_string(), r.to_string()));
                }
            }
        }
    }
    Counts {
        lanes,
        steps,
        work: work.len(),
        information: information.len(),
    }
}

fn counts_of(map: &Map) -> Counts {
    let kind = |k| map.flows().filter(|f| f.flow.kind == k).count();
    Counts {
        lanes: map.lanes().len(),
        steps: map.step_count(),
        work: kind(FlowKind::Work),
        information: kind(FlowKind::Information),
    }
}

/// The manifest's element counts, to check that the independent count reads the XML right.
fn manifest() -> HashMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("manifest.json")).unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    list.into_iter()
        .map(|v| (v["file"].as_str().unwrap().to_owned(), v))
        .collect()
}

#[test]
fn valid_fixtures_import_with_the_counts_of_their_xml_and_round_trip() {
    let manifest = manifest();
    let mut checked = 0;
    for path in fixtures().iter().filter(|p| !is_error_fixture(p)) {
        let name = path.file_name().unwrap().to_str().unwrap();
        // The fixtures that declare ISO-8859-1 are plain ASCII (ATTRIBUTION.md).
        let text = std::fs::read_to_string(path).unwrap();
        // The counter sees the same elements the manifest counted.
        let doc = Document::parse(&text).unwrap();
        let all = model_elements(&doc);
        let m = &manifest[name];
        let total = |pred: &dyn Fn(&Node) -> bool| all.iter().filter(|n| pred(n)).count() as u64;
        assert_eq!(
            total(&|n| bpmn(n, "lane")),
            m["lanes"].as_u64().unwrap(),
            "{name}: lanes"
        );
        assert_eq!(
            total(&|n| bpmn(n, "sequenceFlow")),
            m["sequence_flows"].as_u64().unwrap(),
            "{name}: sequence flows"
        );
        assert_eq!(
            total(&|n| is_flow_node(n.tag_name().name())),
            m["flow_nodes"].as_u64().unwrap(),
            "{name}: flow nodes"
        );

        let expected = count(&text);
        let imported = import_file(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let map = imported.map;
        assert_eq!(counts_of(&map), expected, "{name}");
        assert!(expected.steps > 0, "{name}: a fixture with steps");

        let a = analyze(&map);
        assert_eq!(a.metrics.steps, expected.steps, "{name}");
        assert_eq!(a.step_time_mins.len(), expected.steps, "{name}");
        for s in map.steps() {
            assert!(map.lanes().is_empty() || s.lane.is_some(), "{name}");
        }

        let xml = to_bpmn_string(&map);
        let again = import_bytes(name, xml.as_bytes()).unwrap().map;
        assert_eq!(again, map, "{name}: export → import changed the map");
        assert_eq!(counts_of(&again), expected, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 15);
}

#[test]
fn layout_comes_from_the_diagram() {
    let map = import_file(&Path::new(FIXTURES).join("miwg-A.1.0.bpmn"))
        .unwrap()
        .map;
    // Every shape has bounds: each step sits at the centre of its shape, the drawing moved
    // onto the editor's canvas as a whole and stretched sideways by one factor where
    // valueflow's larger boxes would overlap (one lane here, so vertical distances stay
    // exact).
    assert!(map.steps().all(|s| s.pos.is_some()));
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("miwg-A.1.0.bpmn")).unwrap();
    let doc = Document::parse(&text).unwrap();
    let centre = |id: &str| -> [f32; 2] {
        let shape = doc
            .descendants()
            .find(|n| n.tag_name().name() == "BPMNShape" && n.attribute("bpmnElement") == Some(id))
            .unwrap();
        let b = shape
            .children()
            .find(|c| c.tag_name().name() == "Bounds")
            .unwrap();
        let v = |a: &str| b.attribute(a).unwrap().parse::<f32>().unwrap();
        [v("x") + v("width") / 2.0, v("y") + v("height") / 2.0]
    };
    let steps: Vec<_> = map.steps().collect();
    let (a, b) = (steps[0], steps[steps.len() - 1]);
    let (ca, cb) = (centre(a.id.as_str()), centre(b.id.as_str()));
    let (pa, pb) = (a.pos.unwrap(), b.pos.unwrap());
    let stretch = (pb[0] - pa[0]) / (cb[0] - ca[0]);
    assert!(stretch >= 1.0, "{stretch}");
    for s in &steps {
        let (c, p) = (centre(s.id.as_str()), s.pos.unwrap());
        assert!(
            ((p[0] - pa[0]) - stretch * (c[0] - ca[0])).abs() < 1e-2,
            "{}",
            s.id
        );
        assert!(((p[1] - pa[1]) - (c[1] - ca[1])).abs() < 1e-3, "{}", s.id);
    }
    let min_x = steps
        .iter()
        .map(|s| s.pos.unwrap()[0])
        .fold(f32::MAX, f32::min);
    assert_eq!(min_x, valueflow::layout::FIRST_LAYER_X);
    // B.1.0's called process has no shapes: those steps are placed after the drawn ones.
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("miwg-B.1.0.bpmn")).unwrap();
    let doc = Document::parse(&text).unwrap();
    let drawn: BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "BPMNShape")
        .filter_map(|n| n.attribute("bpmnElement"))
        .collect();
    let map = import_file(&Path::new(FIXTURES).join("miwg-B.1.0.bpmn"))
        .unwrap()
        .map;
    assert!(map.steps().all(|s| s.pos.is_some()));
    let without = map
        .steps()
        .filter(|s| !drawn.contains(s.id.as_str()))
        .count();
    assert_eq!(without, 3, "the 3 flow nodes without DI");
    // Lanes are ordered top to bottom by their shapes.
    // Lanes are ordered top to bottom by their shapes, and every placed step ends up inside
    // its lane's band on the editor's canvas.
    for file in ["miwg-C.1.0.bpmn", "miwg-C.2.0.bpmn", "bpmnjs-lanes.bpmn"] {
        let map = import_file(&Path::new(FIXTURES).join(file)).unwrap().map;
        let bands = valueflow::layout::lane_bands(&map);
        for s in map.steps() {
            let y = s.pos.unwrap()[1];
            let band = bands.iter().find(|b| b.lane == s.lane).unwrap();
            assert!(
                band.contains_y(y),
                "{file}: {} at y {y} outside {band:?}",
                s.id
            );
        }
    }
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("miwg-C.1.0.bpmn")).unwrap();
    let doc = Document::parse(&text).unwrap();
    let lane_y = |id: &str| -> f32 {
        let shape = doc
            .descendants()
            .find(|n| n.tag_name().name() == "BPMNShape" && n.attribute("bpmnElement") == Some(id))
            .unwrap();
        let b = shape
            .children()
            .find(|c| c.tag_name().name() == "Bounds")
            .unwrap();
        b.attribute("y").unwrap().parse().unwrap()
    };
    let map = import_file(&Path::new(FIXTURES).join("miwg-C.1.0.bpmn"))
        .unwrap()
        .map;
    let ys: Vec<f32> = map.lanes().iter().map(|l| lane_y(l.id.as_str())).collect();
    assert_eq!(ys.len(), 4);
    assert!(ys.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
}

#[test]
fn nested_lanes_are_flattened_with_their_parent_name() {
    let map = import_file(&Path::new(FIXTURES).join("bpmnjs-nested-lanes.bpmn"))
        .unwrap()
        .map;
    let names: Vec<_> = map.lanes().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names.iter().filter(|n| n.contains(" / ")).count() == 2,
        "{names:?}"
    );
}

#[test]
fn error_fixtures_give_clear_errors_with_lines() {
    let cases = [
        (
            "bpmnjs-error-duplicate-ids.bpmn",
            "bpmnjs-error-duplicate-ids.bpmn:9:3: duplicate id \"test\" (first used on line 8)",
        ),
        (
            "bpmnjs-error-missing-namespace.bpmn",
            "bpmnjs-error-missing-namespace.bpmn:2:1: the root element <definitions> is not in the BPMN 2.0 namespace",
        ),
        (
            "bpmnjs-error-dangling-attached-to-ref.bpmn",
            "bpmnjs-error-dangling-attached-to-ref.bpmn:4:5: boundaryEvent \"BoundaryEvent_1\": attachedToRef refers to \"NON_EXISTING_TASK\", but no element has that id",
        ),
        (
            "bpmnjs-error-dangling-di-plane-ref.bpmn",
            "bpmnjs-error-dangling-di-plane-ref.bpmn:7:5: BPMNPlane \"BPMNPlane_1\": bpmnElement refers to \"Collaboration_2\", but no element has that id",
        ),
    ];
    let error_files: Vec<_> = fixtures()
        .into_iter()
        .filter(|p| is_error_fixture(p))
        .collect();
    assert_eq!(
        error_files.len(),
        cases.len(),
        "a case for every error fixture"
    );
    for (file, expected) in cases {
        let err = import_file(&Path::new(FIXTURES).join(file)).unwrap_err();
        assert!(matches!(err, InteropError::Bpmn { .. }));
        let message = err.to_string();
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    }
}

#[test]
fn truncated_and_damaged_files_never_panic() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            let _ = import_bytes("cut.bpmn", &bytes[..cut]);
        }
        let mut damaged = bytes.clone();
        for k in (0..damaged.len()).step_by(53) {
            damaged[k] = b"<>\"&/ x\0\xff"[k % 9];
        }
        let _ = import_bytes("damaged.bpmn", &damaged);
    }
    let err = import_bytes("x.bpmn", b"").unwrap_err().to_string();
    assert_eq!(err, "x.bpmn: the file is empty");
    let err = import_bytes("x.bpmn", b"\xff\xfe<a/>")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not UTF-8"), "{err}");
}

// ---- the node side: bpmn-moddle and bpmnlint -----------------------------------------------

fn tool_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/bpmn-check")
}

/// Installs the BPMN checker (pinned by its package-lock.json) the first time it is needed,
/// so that a plain `cargo test` works on a fresh clone with Node.js and npm.
fn ensure_checker_installed(dir: &Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let installed = || {
        dir.join("node_modules/bpmn-moddle").is_dir() && dir.join("node_modules/bpmnlint").is_dir()
    };
    if installed() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(dir)
        .status();
    assert!(
        matches!(status, Ok(s) if s.success()) && installed(),
        "the BPMN checker could not be installed ({status:?}): it needs Node.js 20+ with npm; \
         install it, then run `npm ci --prefix tools/bpmn-check`"
    );
}

/// Runs tools/bpmn-check/check.mjs once on many files; one JSON object per file.
fn check_with_node(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let dir = tool_dir();
    ensure_checker_installed(&dir);
    let out = std::process::Command::new("node")
        .arg(dir.join("check.mjs"))
        .args(files)
        .output()
        .expect(
            "cannot run `node`: install Node.js 20+ and run `npm ci --prefix tools/bpmn-check`",
        );
    assert!(
        out.status.success(),
        "check.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// bpmnlint rules whose reports are expected for valueflow maps (docs/bpmn.md says why);
/// any other rule reporting an error fails the test as an exporter defect.
const ACCEPTED_RULES: &[&str] = &[
    // valueflow's parallel split is a task with several outgoing flows: BPMN's implicit split.
    "no-implicit-split",
    // A step with several incoming work flows: BPMN's implicit (exclusive) merge.
    "fake-join",
    // Labels on flows that do not leave a gateway: valueflow keeps every flow's label.
    "superfluous-label",
    // Data objects are placed between the two steps they connect and may touch a shape.
    "no-overlapping-elements",
];
/// Also accepted for re-exports of the fixtures, whose content these rules describe:
/// processes without start or end events, gateways without flows, several start events.
const ACCEPTED_FOR_FIXTURES: &[&str] = &[
    "no-disconnected",
    "no-implicit-start",
    "no-implicit-end",
    "start-event-required",
    "end-event-required",
    "single-blank-start-event",
];

#[test]
fn exports_load_in_bpmn_moddle_without_warnings_and_pass_bpmnlint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut from_fixture = BTreeSet::new();
    for (name, _) in valueflow::samples::BUILT_IN {
        let map = valueflow::samples::load(name).unwrap().unwrap();
        let path = tmp.path().join(name.replace(".vfmap.json", ".bpmn"));
        valueflow::interop::export_file(&map, &path).unwrap();
        files.push(path);
    }
    let mut synthetic = valueflow::samples::synthetic(120);
    synthetic.name = "Synthetic & <generated>".into();
    let path = tmp.path().join("synthetic.bpmn");
    valueflow::interop::export_file(&synthetic, &path).unwrap();
    files.push(path);
    for fixture in fixtures().iter().filter(|p| !is_error_fixture(p)) {
        let map = import_file(fixture).unwrap().map;
        let path = tmp.path().join(format!(
            "re-{}",
            fixture.file_name().unwrap().to_str().unwrap()
        ));
        valueflow::interop::export_file(&map, &path).unwrap();
        from_fixture.insert(path.clone());
        files.push(path);
    }
    let results = check_with_node(&files);
    assert_eq!(results.len(), files.len());
    let mut findings: BTreeMap<String, usize> = BTreeMap::new();
    let mut defects = Vec::new();
    for (r, path) in results.iter().zip(&files) {
        let file = path.file_name().unwrap().to_str().unwrap();
        assert!(
            r["error"].is_null(),
            "{file}: bpmn-moddle could not read it: {}",
            r["error"]
        );
        let warnings = r["warnings"].as_array().unwrap();
        assert!(
            warnings.is_empty(),
            "{file}: bpmn-moddle warnings: {warnings:?}"
        );
        for l in r["lint"].as_array().unwrap() {
            let rule = l["rule"].as_str().unwrap();
            *findings
                .entry(format!("{rule} ({})", l["category"].as_str().unwrap()))
                .or_default() += 1;
            let accepted = ACCEPTED_RULES.contains(&rule)
                || (from_fixture.contains(path) && ACCEPTED_FOR_FIXTURES.contains(&rule));
            if !accepted {
                defects.push(format!("{file}: {rule} on {}: {}", l["id"], l["message"]));
            }
        }
    }
    println!(
        "bpmnlint (recommended) findings over {} exported files:",
        files.len()
    );
    for (rule, n) in &findings {
        println!("  {rule}: {n}");
    }
    assert!(
        defects.is_empty(),
        "bpmnlint reports exporter defects:\n{}",
        defects.join("\n")
    );
}

// ---- the command line ----------------------------------------------------------------------

fn valueflow() -> Command {
    Command::cargo_bin("valueflow").unwrap()
}

#[test]
fn cli_imports_and_exports_bpmn() {
    let tmp = tempfile::tempdir().unwrap();
    let map_path = tmp.path().join("a4.vfmap.json");
    valueflow()
        .args(["import", &format!("{FIXTURES}/miwg-A.4.0.bpmn"), "-o"])
        .arg(&map_path)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 11 steps"));
    let map = valueflow::format::load_file(&map_path).unwrap();
    assert_eq!(map.step_count(), 11);

    let bpmn_path = tmp.path().join("o2c.bpmn");
    valueflow()
        .args(["export", "samples/order-to-cash-as-is.vfmap.json", "-o"])
        .arg(&bpmn_path)
        .assert()
        .success()
        .stdout(predicate::str::contains("exported 28 steps"));
    let back = import_file(&bpmn_path).unwrap().map;
    let original =
        valueflow::format::load_file(Path::new("samples/order-to-cash-as-is.vfmap.json")).unwrap();
    assert_eq!(back, original);
}

#[test]
fn cli_bad_bpmn_exits_2_with_one_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.vfmap.json");
    let assert = valueflow()
        .args([
            "import",
            &format!("{FIXTURES}/bpmnjs-error-duplicate-ids.bpmn"),
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("duplicate id \"test\""));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "));
    assert!(!out.exists(), "no output for a bad input");

    valueflow()
        .args(["import", "missing.bpmn", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "missing.bpmn: cannot read the file",
        ));
    valueflow()
        .args(["import", "samples/order-to-cash-as-is.vfmap.json", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "use a name ending in .bpmn, .xml or .csv",
        ));
    valueflow()
        .args(["export", "samples/order-to-cash-as-is.vfmap.json", "-o"])
        .arg(tmp.path().join("no-such-dir/x.bpmn"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"));
    valueflow()
        .args(["import", &format!("{FIXTURES}/miwg-A.1.0.bpmn")])
        .assert()
        .code(2);
}

// ---- hostile inputs (tests/fixtures/hostile, COMMANDS.md) ----------------------------------

const HOSTILE: &str = "tests/fixtures/hostile";

/// The one-line error of importing a file.
fn import_error(path: &Path) -> String {
    let message = import_file(path).unwrap_err().to_string();
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    message
}

#[test]
fn hostile_bpmn_reproducers_are_refused_at_the_element_with_one_line() {
    let cases = [
        (
            "bpmn-dangling-edge-with-id.bpmn",
            ":6:7: BPMNEdge \"E1\": bpmnElement refers to \"NO_SUCH_FLOW\", but no element has that id",
        ),
        (
            "bpmn-dangling-edge-without-id.bpmn",
            ":6:7: BPMNEdge (without an id): bpmnElement refers to \"NO_SUCH_FLOW\", but no element has that id",
        ),
        (
            "bpmn-dangling-shape-without-id.bpmn",
            ":6:7: BPMNShape (without an id): bpmnElement refers to \"NO_SUCH_TASK\", but no element has that id",
        ),
        (
            "bpmn-dangling-seqflow-without-id.bpmn",
            ":4:3: sequenceFlow (without an id): targetRef refers to \"NOPE\", but no element has that id",
        ),
        (
            "bpmn-sequenceflow-across-processes.bpmn",
            ":5:5: sequenceFlow \"f\": sourceRef refers to \"a\", which is a task of process \"p1\", not a flow node of the same process",
        ),
        (
            "bpmn-sequenceflow-missing-targetref.bpmn",
            ":5:5: sequenceFlow \"f\": the attribute targetRef is missing; it must name a flow node of the same process",
        ),
        (
            "bpmn-task-without-id.bpmn",
            ":4:5: task has no id; every flow node needs one, flows refer to it",
        ),
        (
            // A newline in a reference must not forge a second error line.
            "bpmn-multiline-error.bpmn",
            ": lane \"L\": flowNodeRef refers to \"a\\nerror: fake.bpmn:1:1: forged line\\nb\", but no element has that id",
        ),
    ];
    for (file, expected) in cases {
        let message = import_error(&Path::new(HOSTILE).join(file));
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    }
}

/// Imports BPMN text and returns its one-line error.
fn bpmn_text_error(body: &str) -> String {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"{BPMN_NS}\" id=\"d\">\n{body}\n</definitions>"
    );
    let message = import_bytes("t.bpmn", text.as_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    message
}

#[test]
fn boundary_events_must_sit_on_an_activity_of_their_process() {
    let on_itself = bpmn_text_error(
        "<process id=\"p\"><task id=\"a\"/><boundaryEvent id=\"b\" attachedToRef=\"b\"/></process>",
    );
    assert!(
        on_itself.contains("t.bpmn:3:31: boundaryEvent \"b\": attachedToRef refers to \"b\", which is the boundaryEvent itself, not an activity"),
        "{on_itself}"
    );
    let on_each_other = bpmn_text_error(
        "<process id=\"p\"><task id=\"a\"/><boundaryEvent id=\"b1\" attachedToRef=\"b2\"/>\
         <boundaryEvent id=\"b2\" attachedToRef=\"b1\"/></process>",
    );
    assert!(
        on_each_other.contains("boundaryEvent \"b1\": attachedToRef refers to \"b2\", which is a boundaryEvent, not an activity"),
        "{on_each_other}"
    );
    let on_a_flow = bpmn_text_error(
        "<process id=\"p\"><task id=\"a\"/><task id=\"c\"/><sequenceFlow id=\"f\" sourceRef=\"a\" targetRef=\"c\"/>\
         <boundaryEvent id=\"b\" attachedToRef=\"f\"/></process>",
    );
    assert!(
        on_a_flow.contains("which is a sequenceFlow, not an activity"),
        "{on_a_flow}"
    );
    let missing = bpmn_text_error("<process id=\"p\"><boundaryEvent id=\"b\"/></process>");
    assert!(
        missing.contains("boundaryEvent \"b\": the attribute attachedToRef is missing"),
        "{missing}"
    );
}

#[test]
fn a_flow_node_in_two_sibling_lanes_is_an_error_but_parent_and_child_lanes_may_share() {
    let two = bpmn_text_error(
        "<process id=\"p\"><laneSet id=\"ls\">\
         <lane id=\"L1\"><flowNodeRef>a</flowNodeRef></lane>\
         <lane id=\"L2\"><flowNodeRef>a</flowNodeRef></lane></laneSet><task id=\"a\"/></process>",
    );
    assert!(
        two.contains("flow node \"a\" is listed in lane \"L1\" and in lane \"L2\""),
        "{two}"
    );
    let nested = format!(
        "<?xml version=\"1.0\"?><definitions xmlns=\"{BPMN_NS}\" id=\"d\"><process id=\"p\"><laneSet id=\"ls\">\
         <lane id=\"P\" name=\"Parent\"><flowNodeRef>a</flowNodeRef><childLaneSet id=\"c\">\
         <lane id=\"C\" name=\"Child\"><flowNodeRef>a</flowNodeRef></lane></childLaneSet></lane>\
         </laneSet><task id=\"a\"/></process></definitions>"
    );
    let map = import_bytes("n.bpmn", nested.as_bytes()).unwrap().map;
    assert_eq!(map.lanes()[0].name, "Parent / Child");
}

#[test]
fn only_declared_utf8_or_latin1_is_read() {
    let latin1 = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><definitions xmlns=\"{BPMN_NS}\" id=\"d\">\
         <process id=\"p\"><task id=\"a\" name=\"Caf\u{e9}\"/></process></definitions>"
    );
    let bytes: Vec<u8> = latin1.chars().map(|c| c as u8).collect();
    let map = import_bytes("l.bpmn", &bytes).unwrap().map;
    assert_eq!(map.steps().next().unwrap().name, "Café");
    for encoding in ["windows-1252", "UTF-16", "Shift_JIS"] {
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"{encoding}\"?><definitions xmlns=\"{BPMN_NS}\" id=\"d\"/>"
        );
        let message = import_bytes("e.bpmn", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            format!(
                "e.bpmn:1:1: the XML declaration names the encoding \"{encoding}\"; this importer reads UTF-8 and ISO-8859-1: save the file as UTF-8"
            )
        );
    }
    // Declared UTF-8 but holding a Latin-1 byte: said as such, at the byte.
    let mut bad = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"{BPMN_NS}\" id=\"d\"><process id=\"p\"><task id=\"a\" name=\"Caf"
    )
    .into_bytes();
    bad.push(0xe9);
    bad.extend_from_slice(b"\"/></process></definitions>");
    let message = import_bytes("u.bpmn", &bad).unwrap_err().to_string();
    assert!(
        message.starts_with("u.bpmn:2:")
            && message.contains("not valid UTF-8 here, although the file declares UTF-8"),
        "{message}"
    );
}

#[test]
fn a_dtd_is_named_as_such() {
    let message = import_bytes(
        "d.bpmn",
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE definitions>\n<definitions xmlns=\"{BPMN_NS}\"/>"
        )
        .as_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.starts_with("d.bpmn:") && message.contains("document type declaration (<!DOCTYPE"),
        "{message}"
    );
    assert!(!message.contains("not well-formed"), "{message}");
}

#[test]
fn ids_that_differ_only_by_a_control_character_survive_export_and_import() {
    let map = valueflow::format::load_file(
        &Path::new(HOSTILE).join("bpmn-roundtrip-control-char-ids.vfmap.json"),
    )
    .unwrap();
    let xml = to_bpmn_string(&map);
    assert!(xml.contains("vf:idEscaped=\"a\\u{1}\""), "{xml}");
    let back = import_bytes("c.bpmn", xml.as_bytes()).unwrap().map;
    assert_eq!(back, map);
}

// ---- bounded fuzzing -------------------------------------------------------------------------

#[path = "common/bpmn_text.rs"]
mod bpmn_text;
#[path = "common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz_cases, mutate};

/// The seeds: every hostile BPMN reproducer, the small fixtures and a valueflow export.
fn bpmn_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(HOSTILE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bpmn"))
        .chain(
            fixtures()
                .into_iter()
                .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() < 20_000)),
        )
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let sample = valueflow::samples::load("coffee-shop-order.vfmap.json")
        .unwrap()
        .unwrap();
    seeds.push(to_bpmn_string(&sample).into_bytes());
    seeds.sort();
    seeds
}

/// Pieces that make XML and BPMN break in interesting ways.
const BPMN_TOKENS: &[&str] = &[
    "<",
    ">",
    "\"",
    "'",
    "&",
    "/>",
    "</",
    "=",
    " ",
    "\n",
    "\0",
    "\u{1}",
    "\u{202e}",
    "\u{fffe}",
    "&#1;",
    "&amp;",
    "&undefined;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?pi x?>",
    "<!DOCTYPE d>",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    " id=\"a\"",
    " id=\"\"",
    " sourceRef=\"a\"",
    " targetRef=\"nowhere\"",
    " attachedToRef=\"a\"",
    " bpmnElement=\"x\"",
    "<task/>",
    "<task id=\"a\"/>",
    "<boundaryEvent id=\"b\" attachedToRef=\"b\"/>",
    "<sequenceFlow id=\"s\" sourceRef=\"a\" targetRef=\"a\"/>",
    "<lane id=\"L\"><flowNodeRef>a</flowNodeRef></lane>",
    " vf:workMins=\"-1\"",
    " vf:idEscaped=\"\\u{zz}\"",
    " vf:kind=\"decision\"",
    " vf:probability=\"2\"",
    " xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"",
    " xmlns:vf=\"https://valueflow.dev/bpmn/1\"",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: fuzz_cases(1500),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Mutated BPMN never panics, and every error is one line naming line:col (or the file
    /// as a whole when it is empty or not text).
    #[test]
    fn fuzz_bpmn_import_never_panics_and_errors_name_the_place(
        seed in 0usize..64,
        edits in proptest::collection::vec((0.0f64..1.0, 0u8..16, 0usize..64), 1..6),
    ) {
        static SEEDS: std::sync::LazyLock<Vec<Vec<u8>>> = std::sync::LazyLock::new(bpmn_seeds);
        let input = mutate(&SEEDS[seed % SEEDS.len()], &edits, BPMN_TOKENS);
        if let Err(e) = import_bytes("fuzz.bpmn", &input) {
            let message = e.to_string();
            proptest::prop_assert_eq!(message.lines().count(), 1, "{}", message);
            match &e {
                InteropError::Bpmn { position, .. } => {
                    proptest::prop_assert!(position.is_some(), "{}", message);
                    let (line, col) = position.unwrap();
                    let place = format!("fuzz.bpmn:{line}:{col}: ");
                    proptest::prop_assert!(message.starts_with(&place), "{}", message);
                }
                InteropError::Empty { .. } => {}
                other => proptest::prop_assert!(false, "unexpected error kind: {other}"),
            }
        }
    }
}

#[test]
fn imported_lanes_are_named_for_people_never_by_a_generated_id() {
    for path in fixtures().iter().filter(|p| !is_error_fixture(p)) {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = Document::parse_with_options(
            &text,
            ParsingOptions {
                allow_dtd: false,
                ..ParsingOptions::default()
            },
        )
        .unwrap();
        // Ids that are not also the element's own name (a lane `id="Approver"
        // name="Approver"` is named, not numbered).
        let ids: BTreeSet<&str> = doc
            .descendants()
            .filter_map(|n| {
                n.attribute("id")
                    .filter(|id| n.attribute("name") != Some(*id))
            })
            .collect();
        let map = import_file(path).unwrap().map;
        for lane in map.lanes() {
            for part in lane.name.split(" / ") {
                assert!(
                    !ids.contains(part) && !part.trim().is_empty(),
                    "{}: lane \"{}\" is named by an id",
                    path.display(),
                    lane.name
                );
            }
        }
    }
}

#[test]
fn imported_steps_never_sit_on_top_of_each_other() {
    use valueflow::layout::{STEP_HEIGHT, STEP_WIDTH};
    for path in fixtures().iter().filter(|p| !is_error_fixture(p)) {
        let map = import_file(path).unwrap().map;
        let steps: Vec<_> = map.steps().collect();
        for (i, a) in steps.iter().enumerate() {
            for b in &steps[i + 1..] {
                let ([ax, ay], [bx, by]) = (a.pos.unwrap(), b.pos.unwrap());
                let overlap = (ax - bx).abs() < STEP_WIDTH && (ay - by).abs() < STEP_HEIGHT;
                assert!(
                    !overlap,
                    "{}: \"{}\" at {:?} overlaps \"{}\" at {:?}",
                    path.display(),
                    a.name,
                    a.pos.unwrap(),
                    b.name,
                    b.pos.unwrap()
                );
            }
        }
    }
}

#[test]
fn steps_without_a_shape_go_after_the_drawn_ones_in_their_lane() {
    let di = "http://www.omg.org/spec/BPMN/20100524/DI";
    let dc = "http://www.omg.org/spec/DD/20100524/DC";
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{BPMN_NS}" xmlns:bpmndi="{di}" xmlns:dc="{dc}" id="d">
  <process id="p">
    <task id="a" name="Drawn first"/>
    <task id="b" name="Drawn second"/>
    <task id="c" name="Not drawn"/>
    <sequenceFlow id="f1" sourceRef="a" targetRef="b"/>
    <sequenceFlow id="f2" sourceRef="b" targetRef="c"/>
  </process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="p">
    <bpmndi:BPMNShape id="sa" bpmnElement="a"><dc:Bounds x="100" y="100" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="sb" bpmnElement="b"><dc:Bounds x="400" y="100" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"#
    );
    let map = import_bytes("t.bpmn", text.as_bytes()).unwrap().map;
    let x = |id: &str| {
        map.step(&valueflow::model::StepId::new(id))
            .unwrap()
            .pos
            .unwrap()
    };
    // The drawing is kept (the two drawn tasks 300 apart, far enough for valueflow's boxes).
    assert!((x("b")[0] - x("a")[0] - 300.0).abs() < 1e-3);
    assert!(
        x("c")[0] > x("b")[0],
        "the undrawn task comes after the drawing"
    );
    assert!(
        (x("c")[1] - x("a")[1]).abs() < 1e-3,
        "on its lane's first row"
    );
}

#[test]
fn a_data_store_reference_to_an_id_not_in_the_file_is_a_note_not_an_error() {
    let text = bpmn_text::data_store_ref_not_in_the_file("DataStore_never_written");
    let imported = import_bytes("bizagi.bpmn", text.as_bytes()).unwrap();
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("DataStore_never_written") && n.contains("not in the file")),
        "{:?}",
        imported.notes
    );
    let info: Vec<_> = imported
        .map
        .flows()
        .filter(|f| f.flow.kind == FlowKind::Information)
        .map(|f| {
            (
                f.from.as_str().to_owned(),
                f.to.as_str().to_owned(),
                f.flow.label.clone(),
            )
        })
        .collect();
    assert_eq!(info, [("a".into(), "b".into(), "Orders".to_owned())]);
    // A dangling reference among steps and flows stays an error.
    let message = bpmn_text_error(
        "<process id=\"p\"><task id=\"a\"/><sequenceFlow id=\"f\" sourceRef=\"a\" targetRef=\"nowhere\"/></process>",
    );
    assert!(message.contains("nowhere"), "{message}");
}
