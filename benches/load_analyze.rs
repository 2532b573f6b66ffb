//! Load + analyze throughput for generated maps of 1k, 10k and 100k steps, and loading one
//! decision with 100k branches (the shape of tests/fixtures/hostile/gen-wide.py).
//! Run with `cargo bench --bench load_analyze` (one case: `-- wide`); results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on a broken input should stop loudly"
)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
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

criterion_group!(benches, load_and_analyze);
criterion_main!(benches);
