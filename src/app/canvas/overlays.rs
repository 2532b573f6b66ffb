//! What the canvas paints around the graph: lane bands behind it; lane headers, the connect
//! handle, the minimap and step tooltips above it.

use super::Canvas;
use super::interaction::FrameInput;
use crate::analysis::Analysis;
use crate::app::theme;
use crate::model::StepId;
use egui::{CursorIcon, FontId, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};

impl Canvas {
    /// Paints the overlays (the bands into the `bg` slot reserved before the graph); returns
    /// whether the view moved (minimap).
    pub(super) fn overlays_ui(
        &mut self,
        ui: &mut egui::Ui,
        bg: egui::layers::ShapeIdx,
        palette: &theme::Palette,
        input: &FrameInput,
        response: &egui::Response,
    ) -> bool {
        ui.painter().set(bg, Shape::Vec(self.band_shapes(palette)));
        self.blueprint_lines_ui(ui, palette);
        self.lane_headers_ui(ui, palette);
        if let Some(h) = input.handle_at
            && self.drag.is_none()
        {
            ui.painter().circle(
                h,
                theme::HANDLE_RADIUS,
                palette.handle_fill,
                Stroke::new(1.5, palette.handle_ring),
            );
            if input.near_handle(input.pointer) {
                ui.ctx().set_cursor_icon(CursorIcon::Crosshair);
                response.clone().on_hover_text(
                    "Drag to another step to connect (hold Alt for an information flow)",
                );
            }
        }
        if self.show_minimap && self.graph.node_count() > 0 {
            let content = self.content_bounds();
            if !self.all_in_view(content) {
                return self.minimap_ui(ui, palette, content);
            }
        }
        false
    }

    fn band_shapes(&self, p: &theme::Palette) -> Vec<Shape> {
        let mut out = vec![Shape::rect_filled(self.rect, 0.0, p.canvas_background)];
        for (k, b) in self.bands.iter().enumerate() {
            let top = self.canvas_to_screen(pos2(0.0, b.top)).y;
            let bottom = self.canvas_to_screen(pos2(0.0, b.bottom)).y;
            let r = Rect::from_x_y_ranges(self.rect.x_range(), top..=bottom).intersect(self.rect);
            if !r.is_positive() {
                continue;
            }
            out.push(Shape::rect_filled(
                r,
                0.0,
                if k % 2 == 0 {
                    p.lane_band_even
                } else {
                    p.lane_band_odd
                },
            ));
            out.push(Shape::line_segment(
                [
                    pos2(self.rect.left(), bottom),
                    pos2(self.rect.right(), bottom),
                ],
                Stroke::new(1.0, p.lane_border),
            ));
        }
        out
    }

    /// The customer view's line of interaction and line of visibility: dashed, named at the
    /// right edge.
    fn blueprint_lines_ui(&self, ui: &egui::Ui, p: &theme::Palette) {
        let Some((interaction, visibility)) = self.blueprint_lines else {
            return;
        };
        let painter = ui.painter().with_clip_rect(self.rect);
        for (y, name) in [
            (interaction, "line of interaction"),
            (visibility, "line of visibility"),
        ] {
            let Some(y) = y else { continue };
            let y = self.canvas_to_screen(pos2(0.0, y)).y;
            let from = pos2(self.rect.left() + theme::LANE_HEADER_WIDTH, y);
            let to = pos2(self.rect.right(), y);
            painter.extend(Shape::dashed_line(
                &[from, to],
                Stroke::new(2.0, p.blueprint_line),
                10.0,
                6.0,
            ));
            painter.text(
                pos2(self.rect.right() - 8.0, y - 3.0),
                egui::Align2::RIGHT_BOTTOM,
                name,
                FontId::proportional(11.0),
                p.blueprint_line,
            );
        }
    }

    /// Sticky lane names at the left edge, painted above the steps.
    fn lane_headers_ui(&self, ui: &egui::Ui, p: &theme::Palette) {
        let painter = ui.painter().with_clip_rect(self.rect);
        for b in &self.bands {
            let top = self.canvas_to_screen(pos2(0.0, b.top)).y;
            let bottom = self.canvas_to_screen(pos2(0.0, b.bottom)).y;
            let r = Rect::from_min_max(
                pos2(self.rect.left(), top),
                pos2(self.rect.left() + theme::LANE_HEADER_WIDTH, bottom),
            );
            if !r.intersects(self.rect) {
                continue;
            }
            painter.rect_filled(r, 0.0, p.lane_header_fill);
            painter.line_segment(
                [r.right_top(), r.right_bottom()],
                Stroke::new(1.0, p.lane_border),
            );
            painter.line_segment(
                [r.left_bottom(), r.right_bottom()],
                Stroke::new(1.0, p.lane_border),
            );
            let name = if b.lane.is_none() {
                "(no lanes)"
            } else {
                b.name.as_str()
            };
            // The name fits its band: smaller type in a thin band, as many lines as the band
            // holds (cut with "…"), none in a band thinner than the smallest type. It never
            // runs into the next lane.
            let size = (r.height() - 4.0).clamp(0.0, 13.0);
            if size < theme::OVERVIEW_FONT_SIZE {
                continue;
            }
            let font = FontId::proportional(size);
            let line = ui.ctx().fonts_mut(|f| f.row_height(&font));
            let mut job = egui::text::LayoutJob::simple(
                name.to_owned(),
                font,
                p.lane_header_text,
                theme::LANE_HEADER_WIDTH - 16.0,
            );
            job.wrap.max_rows = ((r.height() - 4.0) / line).floor().max(1.0) as usize;
            job.wrap.overflow_character = Some('…');
            let galley = painter.layout_job(job);
            // Keep the name visible while the band is partly scrolled off.
            let visible = r.intersect(self.rect);
            let y = (visible.center().y - galley.size().y / 2.0).clamp(
                r.top() + 2.0,
                (r.bottom() - galley.size().y - 2.0).max(r.top() + 2.0),
            );
            painter.with_clip_rect(r.intersect(self.rect)).galley(
                pos2(r.left() + 8.0, y),
                galley,
                p.lane_header_text,
            );
        }
    }

    /// Whether the whole map is on screen (then the minimap would only cover part of it).
    fn all_in_view(&self, content: Rect) -> bool {
        let area = self
            .view_area()
            .translate(self.rect.min.to_vec2())
            .expand(12.0);
        area.contains_rect(Rect::from_min_max(
            self.canvas_to_screen(content.min),
            self.canvas_to_screen(content.max),
        ))
    }

    /// A small overview in the bottom-right corner; clicking or dragging in it moves the view.
    /// Returns whether the view moved.
    /// `content`: the canvas' `content_bounds`.
    fn minimap_ui(&mut self, ui: &mut egui::Ui, p: &theme::Palette, content: Rect) -> bool {
        let size = vec2(200.0, 120.0);
        let frame = Rect::from_min_size(self.rect.right_bottom() - size - vec2(12.0, 12.0), size);
        if frame.left() < self.rect.left() + theme::LANE_HEADER_WIDTH
            || frame.top() < self.rect.top()
        {
            return false;
        }

        // Each axis scaled on its own: a long process stays a band of lanes, not a line.
        let scale = vec2(
            frame.width() / content.width().max(1.0),
            frame.height() / content.height().max(1.0),
        );
        let to_mini = |c: Pos2| frame.min + (c - content.min) * scale;
        let painter = ui.painter().with_clip_rect(frame);
        painter.rect(
            frame,
            4.0,
            p.minimap_fill,
            Stroke::new(1.0, p.lane_border),
            egui::StrokeKind::Inside,
        );
        // At most a few thousand dots: sample large maps.
        let n = self.graph.node_count();
        let step = (n / 4000).max(1);
        for (k, (_, node)) in self.graph.nodes_iter().enumerate() {
            if k % step != 0 {
                continue;
            }
            let color = if node.payload().visual.is_customer_facing() {
                p.customer_facing_stroke
            } else {
                p.internal_stroke
            };
            painter.rect_filled(
                Rect::from_center_size(
                    to_mini(self.display_to_canvas(node.location())),
                    vec2(3.0, 2.0),
                ),
                0.0,
                color,
            );
        }
        let view = Rect::from_min_max(
            self.screen_to_canvas(self.rect.min),
            self.screen_to_canvas(self.rect.max),
        );
        painter.rect_stroke(
            Rect::from_min_max(to_mini(view.min), to_mini(view.max)),
            0.0,
            Stroke::new(1.5, p.minimap_view),
            egui::StrokeKind::Inside,
        );
        let r = ui.interact(frame, ui.id().with("minimap"), Sense::click_and_drag());
        if (r.clicked() || r.dragged())
            && let Some(at) = r.interact_pointer_pos()
        {
            let c = content.min + (at - frame.min) / scale;
            self.center_on(c);
            return true;
        }
        false
    }
}

/// Hovering a step shows its findings, each delay with the challenge question.
/// With `step` (the overview), its name and times come first.
pub(super) fn step_tooltip(
    response: &egui::Response,
    id: &StepId,
    analysis: &Analysis,
    step: Option<&crate::view::StepBox>,
) {
    // No tooltip over a field being edited (the inspector's, say).
    if response.ctx.egui_wants_keyboard_input() {
        return;
    }
    let findings: Vec<_> = analysis
        .shown_findings()
        .filter(|f| &f.step == id)
        .collect();
    let time = analysis
        .critical_path
        .contains(id)
        .then_some("On the most likely critical path");
    if findings.is_empty() && time.is_none() && step.is_none() {
        return;
    }
    response.clone().on_hover_ui_at_pointer(|ui| {
        ui.set_max_width(360.0);
        if let Some(s) = step {
            ui.label(egui::RichText::new(&s.name).strong());
            let times: Vec<String> = [("work", &s.work), ("wait", &s.wait)]
                .into_iter()
                .filter(|(_, t)| !t.is_empty())
                .map(|(what, t)| format!("{what} {t}"))
                .collect();
            if !times.is_empty() {
                ui.label(egui::RichText::new(times.join(" · ")).small());
            }
        }
        if let Some(t) = time {
            ui.label(egui::RichText::new(t).small().weak());
        }
        for f in findings {
            ui.label(
                egui::RichText::new(format!(
                    "{} · {}",
                    f.severity.as_str().to_uppercase(),
                    f.title()
                ))
                .color(theme::severity_color(f.severity))
                .strong(),
            );
            ui.label(&f.message);
            if let Some(q) = f.question {
                ui.label(egui::RichText::new(q).italics());
            }
            ui.add_space(4.0);
        }
    });
}
