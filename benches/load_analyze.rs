//! Load + analyze throughput for generated maps of 1k, 10k and 100k steps, and loading one
//! decision with 100k branches (the shape of tests/fixtures/hostile/gen-wide.py).
//! Run with `cargo bench --bench load_analyze` (one case: `-- wide`); results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on a broken input should stop loudly"
)]

// The allocator the valueflow binary uses, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use valueflow::model::{Flow, Map, Step, StepKind};
use valueflow::{analysis::analyze, format, samples::synthetic};

fn load_and_analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_analyze");
    for steps in [1_000usize, 10_000, 100_000] {
        let text = format::to_json_string(&synthetic(steps)).expect("encode");
        group.sample_size(if steps >= 100_000 { 10 } else { 20 });
        group.bench_with_input(BenchmarkId::new("load", steps), &text, |b, text| {
            b.iter(|| format::load_str("bench", black_box(text)).expect("valid"));
        });
        let map = format::load_str("bench", &text).expect("valid");
        group.bench_with_input(BenchmarkId::new("analyze", steps), &map, |b, map| {
            b.iter(|| analyze(black_box(map)));
        });
        group.bench_with_input(BenchmarkId::new("load+analyze", steps), &text, |b, text| {
            b.iter(|| analyze(&format::load_str("bench", black_box(text)).expect("valid")));
        });
    }
    let wide = wide_decision(100_000);
    group.sample_size(10);
    group.bench_with_input(
        BenchmarkId::new("load-wide-decision", 100_000),
        &wide,
        |b, text| {
            b.iter(|| format::load_str("bench", black_box(text)).expect("valid"));
        },
    );
    group.finish();
}

/// One decision `d` with `n` work flows of probability 1/n to ends `t0..`.
fn wide_decision(n: usize) -> String {
    let steps: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"t{i}","kind":"end"}}"#))
        .collect();
    let p = 1.0 / n as f64;
    let flows: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"from":"d","to":"t{i}","probability":{p}}}"#))
        .collect();
    format!(
        r#"{{"format":"valueflow-map","version":1,"steps":[{{"id":"d","kind":"decision"}},{}],"flows":[{}]}}"#,
        steps.join(","),
        flows.join(",")
    )
}

/// One step with `n` outgoing work flows (tests/fixtures/hostile/gen-wide.py): a start that
/// splits in parallel, or a decision with equal probabilities. Built from JSON through the
/// loader, which is linear in steps + flows.
fn wide_map(n: usize, decision: bool) -> Map {
    let kind = if decision { "decision" } else { "start" };
    let steps: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"t{i}","kind":"end","work_mins":{i}}}"#))
        .collect();
    let probability = if decision {
        format!(r#","probability":{}"#, 1.0 / n as f64)
    } else {
        String::new()
    };
    let flows: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"from":"d","to":"t{i}"{probability}}}"#))
        .collect();
    let text = format!(
        r#"{{"format":"valueflow-map","version":1,"steps":[{{"id":"d","kind":"{kind}"}},{}],"flows":[{}]}}"#,
        steps.join(","),
        flows.join(",")
    );
    format::load_str("wide", &text).expect("valid")
}

/// A ring of `n` one-minute steps left at a decision with probability `exit`.
fn ring_map(n: usize, exit: f64) -> Map {
    let mut m = Map::new("ring");
    for (id, kind) in [
        ("s", StepKind::Start),
        ("D", StepKind::Decision),
        ("e", StepKind::End),
    ] {
        m.add_step(Step::new(id, "", kind)).expect("new id");
    }
    for k in 0..n {
        m.add_step(Step::new(format!("a{k}"), "", StepKind::Activity).with_times(1.0, 0.0))
            .expect("new id");
    }
    let mut link = |a: String, b: String, flow: Flow| {
        m.connect_unchecked_sum(&a.into(), &b.into(), flow)
            .expect("new flow");
    };
    link("s".into(), "a0".into(), Flow::work());
    for k in 1..n {
        link(format!("a{}", k - 1), format!("a{k}"), Flow::work());
    }
    link(format!("a{}", n - 1), "D".into(), Flow::work());
    link("D".into(), "a0".into(), Flow::work());
    link("D".into(), "e".into(), Flow::work().with_probability(exit));
    m
}

/// The analysis alone on wide steps and one large near-endless loop: linear in steps + flows.
fn analyze_wide(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze_wide");
    group.sample_size(10);
    for (name, map) in [
        ("parallel-40k", wide_map(40_000, false)),
        ("parallel-200k", wide_map(200_000, false)),
        ("decision-100k", wide_map(100_000, true)),
        ("ring-100k-exit-1e-12", ring_map(100_000, 1e-12)),
    ] {
        group.bench_with_input(BenchmarkId::new("analyze", name), &map, |b, map| {
            b.iter(|| analyze(black_box(map)));
        });
    }
    group.finish();
}

criterion_group!(benches, load_and_analyze, analyze_wide);
criterion_main!(benches);
