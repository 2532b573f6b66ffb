//! Canvas frame CPU time (UI pass + tessellation, no GPU) for maps of 100, 1,000 and 10,000
//! steps, whole map in view and zoomed in to 100%, and the challenge worksheet's frame. Run with `cargo bench --bench canvas`;
//! results are in the README.
#![allow(
    clippy::expect_used,
    reason = "a benchmark on a broken input should stop loudly"
)]

// The allocator the valueflow binary uses, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use egui::{Event, Pos2, RawInput, Rect, pos2, vec2};
use valueflow::app::EditorApp;
use valueflow::app::files::Prefs;
use valueflow::model::Map;
use valueflow::samples::synthetic;

/// The synthetic map laid out as a snake, 100 steps a row, like a large real map on screen.
fn snake(steps: usize) -> Map {
    let mut map = synthetic(steps);
    let ids: Vec<_> = map.steps().map(|s| s.id.clone()).collect();
    for (i, id) in ids.iter().enumerate() {
        let (row, col) = (i / 100, i % 100);
        map.move_step(id, [100.0 + col as f32 * 190.0, 70.0 + row as f32 * 140.0])
            .expect("known step");
    }
    map
}

fn input(t: f64, pointer: Pos2) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1600.0, 1000.0))),
        time: Some(t),
        events: vec![Event::PointerMoved(pointer)],
        ..Default::default()
    }
}

fn frame(ctx: &egui::Context, app: &mut EditorApp, t: f64, pointer: Pos2) -> usize {
    let out = ctx.run_ui(input(t, pointer), |ui| app.ui_root(ui));
    ctx.tessellate(out.shapes, out.pixels_per_point).len()
}

fn canvas_frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("canvas_frame");
    group.sample_size(20);
    for steps in [100usize, 1_000, 10_000] {
        for view in ["whole", "100%"] {
            let ctx = egui::Context::default();
            let mut app = EditorApp::new(snake(steps), None, Prefs::default(), None);
            let centre = pos2(800.0, 500.0);
            for k in 0..5 {
                frame(&ctx, &mut app, f64::from(k) * 0.016, centre);
            }
            if view == "whole" {
                app.canvas.fit();
            } else {
                app.canvas.zoom = 1.0;
                app.canvas.center_on(pos2(5000.0, 700.0));
            }
            let mut t = 1.0;
            group.bench_function(BenchmarkId::new(view, steps), |b| {
                b.iter(|| {
                    t += 0.016;
                    // Move the pointer a little so hover is recomputed every frame.
                    let wiggle = if (t * 60.0) as i64 % 2 == 0 { 0.0 } else { 3.0 };
                    frame(&ctx, &mut app, t, centre + vec2(wiggle, 0.0))
                });
            });
        }
    }
    group.finish();
}

/// An edit on a large map: the command (with its undo snapshot), the analysis and the view
/// cache rebuild, then the next frame, as when a drag is dropped.
fn edit_then_frame(c: &mut Criterion) {
    use valueflow::document::Command;
    let mut group = c.benchmark_group("edit_then_frame");
    group.sample_size(20);
    for steps in [1_000usize, 10_000] {
        let ctx = egui::Context::default();
        let mut app = EditorApp::new(snake(steps), None, Prefs::default(), None);
        let centre = pos2(800.0, 500.0);
        for k in 0..5 {
            frame(&ctx, &mut app, f64::from(k) * 0.016, centre);
        }
        let id = app
            .doc
            .map()
            .steps()
            .nth(steps / 2)
            .map(|s| s.id.clone())
            .expect("a step");
        let mut t = 1.0;
        let mut dx = 0.0;
        group.bench_function(BenchmarkId::from_parameter(steps), |b| {
            b.iter(|| {
                t += 0.016;
                dx = if dx == 0.0 { 20.0 } else { 0.0 };
                let [x, y] = app.doc.map().step(&id).and_then(|s| s.pos).expect("placed");
                app.execute(Command::MoveSteps(vec![(id.clone(), [x + dx, y], None)]));
                frame(&ctx, &mut app, t, centre)
            });
        });
    }
    group.finish();
}

/// The challenge worksheet open on a map whose every step has a review: a frame with the
/// table (only the visible rows are laid out).
fn worksheet_frames(c: &mut Criterion) {
    use valueflow::model::{Disposition, Review, StepField};
    let mut group = c.benchmark_group("worksheet_frame");
    group.sample_size(20);
    for steps in [1_000usize, 10_000] {
        let mut map = snake(steps);
        let ids: Vec<_> = map.steps().map(|s| s.id.clone()).collect();
        for (k, id) in ids.iter().enumerate() {
            let review = Review {
                answers: std::array::from_fn(|q| format!("Answer {q} for step {k}")),
                disposition: if k % 3 == 0 {
                    Disposition::Keep
                } else {
                    Disposition::Undecided
                },
                rationale: "Because the customer waits".into(),
            };
            map.set_step_field(id, StepField::Review(Some(Box::new(review))))
                .expect("a valid review");
        }
        let ctx = egui::Context::default();
        let mut app = EditorApp::new(map, None, Prefs::default(), None);
        app.worksheet = Some(Default::default());
        let centre = pos2(800.0, 500.0);
        for k in 0..5 {
            frame(&ctx, &mut app, f64::from(k) * 0.016, centre);
        }
        let mut t = 1.0;
        group.bench_function(BenchmarkId::from_parameter(steps), |b| {
            b.iter(|| {
                t += 0.016;
                let wiggle = if (t * 60.0) as i64 % 2 == 0 { 0.0 } else { 3.0 };
                frame(&ctx, &mut app, t, centre + vec2(wiggle, 0.0))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, canvas_frames, edit_then_frame, worksheet_frames);
criterion_main!(benches);
