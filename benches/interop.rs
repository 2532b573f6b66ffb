//! BPMN import and export of a generated 10,000-step map (samples::synthetic → export).
//! Run with `cargo bench --bench interop`; results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on invalid input should stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use valueflow::interop::{bpmn_export::to_bpmn_string, bpmn_import::import_str};
use valueflow::samples::synthetic;

fn bpmn_10k(c: &mut Criterion) {
    let map = synthetic(10_000);
    let xml = to_bpmn_string(&map);
    let mut group = c.benchmark_group("bpmn_10k");
    group.sample_size(10);
    group.bench_function("export", |b| b.iter(|| to_bpmn_string(black_box(&map))));
    group.bench_function("import", |b| {
        b.iter(|| import_str("bench.bpmn", black_box(&xml)).expect("valid"))
    });
    group.finish();
    println!(
        "bpmn_10k: {} bytes of XML for {} steps and {} flows",
        xml.len(),
        map.step_count(),
        map.flow_count()
    );
}

criterion_group!(benches, bpmn_10k);
criterion_main!(benches);
