//! Load + analyze throughput for generated maps of 1k, 10k and 100k steps.
//! Run with `cargo bench --bench load_analyze`; results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on a broken input should stop loudly"
)]

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
    group.finish();
}

/// One step with `n` outgoing work flows (tests/fixtures/hostile/gen-wide.py): a start that
/// splits in parallel, or a decision with equal probabilities.
fn wide_map(n: usize, decision: bool) -> Map {
    let mut m = Map::new("wide");
    let kind = if decision {
        StepKind::Decision
    } else {
        StepKind::Start
    };
    m.add_step(Step::new("d", "", kind)).expect("new id");
    for k in 0..n {
        let id = format!("t{k}");
        m.add_step(Step::new(id.as_str(), "", StepKind::End).with_times(k as f64, 0.0))
            .expect("new id");
        let flow = if decision {
            Flow::work().with_probability(1.0 / n as f64)
        } else {
            Flow::work()
        };
        m.connect_unchecked_sum(&"d".into(), &id.as_str().into(), flow)
            .expect("new flow");
    }
    m
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
