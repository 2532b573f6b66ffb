//! The legend (View → Legend…): what the canvas' shapes, colours, badges, outlines, lines and
//! labels mean, each drawn as the canvas draws it, in the current theme.

use super::theme::{self, Palette};
use crate::analysis::Severity;
use egui::{CornerRadius, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Vec2, pos2, vec2};

/// One row: a small picture and what it means.
pub struct Row {
    picture: fn(&egui::Painter, Rect, &Palette),
    pub meaning: &'static str,
}

/// The rows, in the order a reader meets them on the canvas.
pub const ROWS: &[Row] = &[
    Row {
        picture: |p, r, c| step_box(p, r, c.customer_facing_fill, c.customer_facing_stroke),
        meaning: "Customer-facing step (blue, with the person): the customer takes part or sees it",
    },
    Row {
        picture: |p, r, c| step_box(p, r, c.internal_fill, c.internal_stroke),
        meaning: "Internal step: backstage work the customer does not see",
    },
    Row {
        picture: |p, r, c| {
            let s = Stroke::new(1.2, c.internal_stroke);
            let (a, b, d) = thirds(r);
            let h = r.height() / 2.0 - 2.0;
            p.add(Shape::convex_polygon(
                vec![
                    a - vec2(0.0, h),
                    a + vec2(h, 0.0),
                    a + vec2(0.0, h),
                    a - vec2(h, 0.0),
                ],
                c.internal_fill,
                s,
            ));
            p.add(Shape::convex_polygon(
                vec![b - vec2(0.0, h), b + vec2(h, h), b + vec2(-h, h)],
                c.internal_fill,
                s,
            ));
            let pill = Rect::from_center_size(d, vec2(h * 2.4, h * 1.6));
            p.rect(
                pill,
                CornerRadius::same(255),
                c.internal_fill,
                s,
                StrokeKind::Inside,
            );
        },
        meaning: "Decision (diamond), wait (triangle), start and end (rounded ends)",
    },
    Row {
        picture: |p, r, _| {
            let (a, b, d) = thirds(r);
            for (at, s) in [
                (a - vec2(6.0, 0.0), Severity::High),
                (a + vec2(6.0, 0.0), Severity::Medium),
                (b, Severity::Low),
                (d, Severity::Info),
            ] {
                p.circle_filled(at, 5.0, theme::severity_color(s));
            }
        },
        meaning: "Badge: the step's findings, coloured by the worst (red high, orange medium, yellow low, blue info)",
    },
    Row {
        picture: |p, r, c| step_box(p, r, c.internal_fill, c.bottleneck_stroke),
        meaning: "Thick orange outline: the bottleneck, the longest step on the critical path",
    },
    Row {
        picture: |p, r, c| {
            let (left, right) = r.split_left_right_at_fraction(0.5);
            step_box(
                p,
                left.shrink2(vec2(2.0, 0.0)),
                c.internal_fill,
                c.selected_stroke,
            );
            step_box(
                p,
                right.shrink2(vec2(2.0, 0.0)),
                c.internal_fill,
                c.search_hit_stroke,
            );
        },
        meaning: "Blue outline: selected; amber outline: a Find match",
    },
    Row {
        picture: |p, r, c| {
            let font = egui::FontId::proportional(10.0);
            p.text(
                r.left_top(),
                egui::Align2::LEFT_TOP,
                "⏱ 2d",
                font.clone(),
                c.wait_text,
            );
            p.text(
                r.right_bottom(),
                egui::Align2::RIGHT_BOTTOM,
                "25m",
                font,
                c.step_detail_text,
            );
        },
        meaning: "⏱ 2d above a step: the wait before it; 25m at its corner: its work time",
    },
    Row {
        picture: |p, r, c| {
            p.line_segment(
                [r.left_center(), r.right_center()],
                Stroke::new(1.6, c.work_flow),
            );
        },
        meaning: "Solid line: work flow (with its probability after a decision)",
    },
    Row {
        picture: |p, r, c| {
            p.extend(Shape::dashed_line(
                &[r.left_center(), r.right_center()],
                Stroke::new(1.6, c.information_flow),
                6.0,
                4.0,
            ));
        },
        meaning: "Dashed line: information flow (form, email, system feed)",
    },
    Row {
        picture: |p, r, c| {
            p.line_segment(
                [r.left_center(), r.right_center()],
                Stroke::new(2.0, c.loop_flow),
            );
        },
        meaning: "Magenta line: a flow inside a rework loop",
    },
];

/// The centres of a rectangle's left, middle and right thirds.
fn thirds(r: Rect) -> (Pos2, Pos2, Pos2) {
    let w = r.width() / 3.0;
    let y = r.center().y;
    (
        pos2(r.left() + w / 2.0, y),
        pos2(r.left() + w * 1.5, y),
        pos2(r.left() + w * 2.5, y),
    )
}

fn step_box(p: &egui::Painter, r: Rect, fill: egui::Color32, stroke: egui::Color32) {
    p.rect(
        r.shrink(1.0),
        CornerRadius::same(4),
        fill,
        Stroke::new(2.0, stroke),
        StrokeKind::Inside,
    );
}

/// The legend window; `open` is cleared when the user closes it.
pub fn legend_window(ctx: &egui::Context, open: &mut bool) {
    let palette = *theme::palette(ctx.theme() == egui::Theme::Dark);
    egui::Window::new("Legend")
        .open(open)
        .resizable(false)
        .collapsible(false)
        .default_pos(ctx.content_rect().right_top() + vec2(-520.0, 80.0))
        .show(ctx, |ui| {
            egui::Grid::new("legend-rows")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    for row in ROWS {
                        let (rect, _) =
                            ui.allocate_exact_size(Vec2::new(64.0, 24.0), Sense::hover());
                        (row.picture)(ui.painter(), rect, &palette);
                        ui.label(row.meaning);
                        ui.end_row();
                    }
                });
        });
}
