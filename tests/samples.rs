//! Every shipped sample loads, is saved in canonical form, and analyzes to the numbers worked
//! out by hand (and by an independent script) when the samples were written.
#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap is a clear test failure"
)]

use std::path::{Path, PathBuf};
use valueflow::analysis::{Analysis, analyze};
use valueflow::format::{load_file, to_json_string};
use valueflow::model::Map;

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> (Map, Analysis) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    let map = load_file(&path).unwrap();
    let a = analyze(&map);
    (map, a)
}

fn findings(a: &Analysis, rule: &str) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.rule.as_str() == rule)
        .map(|f| f.step.to_string())
        .collect()
}

#[test]
fn every_sample_is_canonical_and_built_in() {
    let files = samples();
    assert!(files.len() >= 5);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let map = load_file(path).unwrap();
        assert_eq!(
            to_json_string(&map).unwrap(),
            text,
            "{} is not in the form valueflow saves",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        let built_in = valueflow::samples::load(name)
            .unwrap_or_else(|| panic!("{name} is not built in"))
            .unwrap();
        assert_eq!(built_in, map);
        // No sample has structural problems: every step is reachable and leads somewhere.
        let a = analyze(&map);
        for rule in [
            "unreachable",
            "dead-end",
            "endless-loop",
            "no-customer-outcome",
        ] {
            assert!(findings(&a, rule).is_empty(), "{name}: {rule}");
        }
        assert!(
            map.steps().all(|s| s.pos.is_some()),
            "{name}: every step placed"
        );
    }
}

#[test]
fn the_default_sample_is_the_as_is_order_to_cash() {
    let map = valueflow::samples::default_map().unwrap();
    assert_eq!(map.name, "Order to cash (as-is)");
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.01)
}

#[test]
fn order_to_cash_as_is() {
    let (map, a) = load("order-to-cash-as-is.vfmap.json");
    assert!(map.lanes().len() >= 8);
    // Credit loop C = 2925 + 0.85*32780 + 0.15*(4430 + C) => C = 37002.94; + 270 + 505 + 20.
    assert!(
        close(a.metrics.lead_time_mins, 37_797.94),
        "{:?}",
        a.metrics
    );
    assert!(close(a.metrics.value_added_mins, 170.0));
    assert!(a.metrics.pce.is_some_and(|p| (p - 0.0045).abs() < 0.0001));
    let high: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.as_str() == "no-value-delay" && f.severity.as_str() == "high")
        .map(|f| f.step.to_string())
        .collect();
    assert_eq!(
        high,
        [
            "reconcile-account",
            "send-financials",
            "correct-invoice",
            "return-pod",
            "services-approval-queue",
            "review-statements",
            "route-dispute",
            "await-carrier",
            "split-order"
        ]
    );
    assert_eq!(
        findings(&a, "rework-loop"),
        ["credit-ok", "invoice-disputed"]
    );
    assert_eq!(findings(&a, "bottleneck"), ["reconcile-account"]);
    assert_eq!(
        (
            a.metrics.handoffs,
            a.metrics.info_handoffs,
            a.metrics.customer_touchpoints
        ),
        (20, 14, 11)
    );
}

#[test]
fn order_to_cash_to_be_is_clearly_better() {
    let (_, before) = load("order-to-cash-as-is.vfmap.json");
    let (_, after) = load("order-to-cash-to-be.vfmap.json");
    // M = 5 + 0.05*(525 + M) + 0.95*1452 => M = 1484.89; lead time 4926.19.
    assert!(
        close(after.metrics.lead_time_mins, 4_926.19),
        "{:?}",
        after.metrics
    );
    assert!(close(after.metrics.value_added_mins, 150.0));
    let (lb, la) = (
        before.metrics.lead_time_mins.unwrap(),
        after.metrics.lead_time_mins.unwrap(),
    );
    assert!(la * 5.0 < lb, "lead time {la} vs {lb}");
    assert!(after.metrics.pce.unwrap() > 5.0 * before.metrics.pce.unwrap());
    assert!(findings(&after, "no-value-delay").len() < findings(&before, "no-value-delay").len());
    assert_eq!(findings(&after, "rework-loop"), ["invoice-query"]);
}

#[test]
fn everyday_processes() {
    let (_, a) = load("coffee-shop-order.vfmap.json");
    assert!(close(a.metrics.lead_time_mins, 15.8043));
    assert!(close(a.metrics.value_added_mins, 5.0435));
    assert_eq!(findings(&a, "no-value-delay"), ["cup-queue"]);
    assert_eq!(findings(&a, "rework-loop"), ["order-correct"]);

    let (_, a) = load("customer-onboarding.vfmap.json");
    assert!(close(a.metrics.lead_time_mins, 14_072.31));
    assert!(close(a.metrics.value_added_mins, 75.0));
    assert_eq!(findings(&a, "rework-loop"), ["documents-complete"]);
    assert_eq!(findings(&a, "bottleneck"), ["kyc-check"]);

    let (_, a) = load("complaint-handling.vfmap.json");
    assert!(close(a.metrics.lead_time_mins, 10_286.54));
    assert!(close(a.metrics.value_added_mins, 178.53));
    assert_eq!(findings(&a, "rework-loop"), ["remedy-accepted"]);
    assert_eq!(findings(&a, "bottleneck"), ["refund-queue"]);
}

#[test]
fn the_as_is_samples_challenge_is_complete_and_its_derived_to_be_is_better() {
    let (as_is, before) = load("order-to-cash-as-is.vfmap.json");
    // Every flagged step (a delay finding) has a disposition.
    let progress = valueflow::redesign::challenge_progress(&as_is, &before);
    assert_eq!(progress.flagged, 17);
    assert_eq!(progress.challenged, progress.flagged);
    assert!(as_is.scorecard.iter().all(|(_, e)| e.rating.is_some()));
    let d = valueflow::redesign::derive(&as_is, Some("order-to-cash-as-is.vfmap.json")).unwrap();
    let after = analyze(&d.map);
    let (b, a) = (&before.metrics, &after.metrics);
    assert!(a.lead_time_mins.unwrap() < 0.25 * b.lead_time_mins.unwrap());
    assert!(a.pce.unwrap() > 4.0 * b.pce.unwrap());
    assert!(a.handoffs < b.handoffs);
    assert!(a.customer_contact_lanes < b.customer_contact_lanes);
    assert!(a.no_value_wait_mins.unwrap() < 0.1 * b.no_value_wait_mins.unwrap());
    // The to-be is a valid map that saves and loads again as version 2.
    let text = to_json_string(&d.map).unwrap();
    assert!(text.contains("\"version\": 2"));
    assert_eq!(valueflow::format::load_str("to-be", &text).unwrap(), d.map);
}
