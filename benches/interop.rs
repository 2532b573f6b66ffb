//! BPMN import and export of a generated 10,000-step map (samples::synthetic → export), and
//! BPMN and CSV both ways for a 40,000-way parallel split (the shape of
//! tests/fixtures/hostile/gen-wide.py). Run one group with a filter, e.g.
//! `cargo bench --bench interop -- bpmn_10k`; results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on invalid input should stop loudly"
)]

// The allocator the valueflow binary uses, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use valueflow::interop::{bpmn_export::to_bpmn_string, bpmn_import::import_str, csv_table};
use valueflow::model::{Flow, Map, Step, StepId, StepKind};
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

/// A start that splits in parallel to `n` ends.
fn parallel_split(n: usize) -> Map {
    let mut map = Map::new("wide");
    map.add_step(Step::new("d", "Split", StepKind::Start))
        .expect("new id");
    for k in 0..n {
        let id = format!("t{k}");
        map.add_step(Step::new(id.as_str(), "", StepKind::End))
            .expect("new id");
        map.connect_unchecked_sum(&StepId::new("d"), &StepId::new(id), Flow::work())
            .expect("new flow");
    }
    map
}

fn wide_40k(c: &mut Criterion) {
    let map = parallel_split(40_000);
    let xml = to_bpmn_string(&map);
    let table = csv_table::to_csv_string(&map);
    let mut group = c.benchmark_group("wide_40k");
    group.sample_size(10);
    group.bench_function("bpmn_export", |b| {
        b.iter(|| to_bpmn_string(black_box(&map)))
    });
    group.bench_function("bpmn_import", |b| {
        b.iter(|| import_str("wide.bpmn", black_box(&xml)).expect("valid"))
    });
    group.bench_function("csv_export", |b| {
        b.iter(|| csv_table::to_csv_string(black_box(&map)))
    });
    group.bench_function("csv_import", |b| {
        b.iter(|| csv_table::import_str("wide.csv", black_box(&table)).expect("valid"))
    });
    group.finish();
}

/// Pictures: the SVG text of the 10,000-step map (analysis included), and the PNG of the
/// order-to-cash sample at scale 2 (a slide); the client report of a 1,000-step map.
fn pictures(c: &mut Criterion) {
    use valueflow::deliver::picture::{PictureOptions, png, svg};
    let mut group = c.benchmark_group("picture");
    group.sample_size(10);
    let map = synthetic(10_000);
    group.bench_function("svg_10k", |b| {
        b.iter(|| {
            let analysis = valueflow::analysis::analyze(&map);
            svg(&map, &analysis, &PictureOptions::default()).len()
        })
    });
    let sample = valueflow::samples::default_map().expect("the built-in sample");
    let text = svg(
        &sample,
        &valueflow::analysis::analyze(&sample),
        &PictureOptions::default(),
    );
    group.bench_function("png_sample_x2", |b| {
        b.iter(|| png(&text, 2.0).expect("renders").len())
    });
    // The client report of a 1,000-step map compared with itself: three pictures, the
    // charts, every finding, two analyses and the comparison.
    let thousand = synthetic(1_000);
    group.bench_function("report_html_1k", |b| {
        b.iter(|| {
            valueflow::deliver::html::report(black_box(&thousand), Some(&thousand), "2026-12-01")
                .len()
        })
    });
    group.bench_function("report_md_1k", |b| {
        b.iter(|| {
            valueflow::deliver::markdown::report(
                black_box(&thousand),
                Some(&thousand),
                "2026-12-01",
                "r",
            )
            .0
            .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bpmn_10k, wide_40k, pictures);
criterion_main!(benches);
