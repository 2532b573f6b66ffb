//! The redesign on a large map: the to-be derivation of a 10,000-step map with 3,000
//! dispositions, and derivation + analysis of both + compare (what `valueflow redesign` and
//! `valueflow compare` do after loading). Run with `cargo bench --bench redesign`; results
//! are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on a broken input should stop loudly"
)]

// The allocator the valueflow binary uses, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use valueflow::analysis::analyze;
use valueflow::compare::compare;
use valueflow::model::{Disposition, Map, Review, StepField, StepId, TargetTimes};
use valueflow::redesign::derive;
use valueflow::samples::synthetic;

/// The synthetic map with a disposition on 3 steps in 10: eliminate, automate, simplify, merge
/// into the next step, move backstage (never on its decisions, start or end).
pub fn challenged(steps: usize) -> Map {
    let mut map = synthetic(steps);
    let id = |i: usize| StepId::new(format!("s{i}"));
    for i in 1..steps - 1 {
        let disposition = match i % 10 {
            2 => Disposition::Eliminate,
            3 => Disposition::Backstage,
            4 => Disposition::Automate(TargetTimes {
                work_mins: Some(1.0),
                wait_mins: None,
            }),
            6 => Disposition::Simplify(TargetTimes {
                work_mins: None,
                wait_mins: Some(5.0),
            }),
            7 if i + 1 < steps - 1 => Disposition::Merge { into: id(i + 1) },
            _ => continue,
        };
        let review = Review {
            disposition,
            rationale: "benchmark".into(),
            ..Review::default()
        };
        map.set_step_field(&id(i), StepField::Review(Some(Box::new(review))))
            .expect("a valid review");
    }
    map
}

fn redesign(c: &mut Criterion) {
    let mut group = c.benchmark_group("redesign");
    group.sample_size(20);
    let steps = 10_000;
    let map = challenged(steps);
    derive(&map, Some("as-is.vfmap.json")).expect("the synthetic redesign derives");
    group.bench_function(BenchmarkId::new("derive", steps), |b| {
        b.iter(|| derive(&map, Some("as-is.vfmap.json")).expect("derives"))
    });
    group.bench_function(BenchmarkId::new("derive_analyze_compare", steps), |b| {
        b.iter(|| {
            let to_be = derive(&map, Some("as-is.vfmap.json")).expect("derives").map;
            let (before, after) = (analyze(&map), analyze(&to_be));
            compare(&map, &before, &to_be, &after).steps.unchanged
        })
    });
    group.finish();
}

criterion_group!(benches, redesign);
criterion_main!(benches);
