//! A read-only view of a map: metrics header, findings list, and the map in its swimlanes.

use super::theme;
use crate::analysis::{Analysis, Severity, analyze};
use crate::model::{FlowKind, Map, StepId, StepKind};
use crate::units::format_duration;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2, pos2, vec2};
use std::path::PathBuf;

/// The app state: the map, its analysis (computed once per map) and what is selected.
pub struct ViewerApp {
    pub map: Map,
    pub analysis: Analysis,
    pub path: Option<PathBuf>,
    pub selected: Option<StepId>,
}

impl ViewerApp {
    pub fn new(map: Map, path: Option<PathBuf>) -> Self {
        let analysis = analyze(&map);
        Self {
            map,
            analysis,
            path,
            selected: None,
        }
    }

    /// The window title: map name and file name.
    pub fn title(&self) -> String {
        let file = self.path.as_ref().and_then(|p| p.file_name()).map_or_else(
            || "built-in sample".to_owned(),
            |f| f.to_string_lossy().into_owned(),
        );
        format!("{} — {file} — valueflow", self.map.name)
    }

    /// Where a step is drawn (canvas units, centre), falling back to a grid by lane.
    fn step_centre(&self, index_in_lane: usize, lane_row: usize, pos: Option<[f32; 2]>) -> Pos2 {
        match pos {
            Some([x, y]) => pos2(x, y),
            None => pos2(
                100.0 + 180.0 * index_in_lane as f32,
                lane_row as f32 * theme::LANE_HEIGHT + theme::LANE_HEIGHT / 2.0,
            ),
        }
    }

    fn metrics_ui(&self, ui: &mut egui::Ui) {
        let m = &self.analysis.metrics;
        let endless = || "endless".to_owned();
        ui.horizontal_wrapped(|ui| {
            ui.heading(&self.map.name);
            ui.separator();
            ui.label(format!(
                "Lead time {}",
                m.lead_time_mins.map_or_else(endless, format_duration)
            ));
            ui.label(format!(
                "Value-added {}",
                m.value_added_mins.map_or_else(endless, format_duration)
            ));
            ui.label(format!(
                "PCE {}",
                m.pce
                    .map_or_else(|| "n/a".to_owned(), |p| format!("{:.1}%", p * 100.0))
            ));
            ui.separator();
            ui.label(format!("{} steps", m.steps));
            ui.label(format!("{} hand-offs", m.handoffs));
            ui.label(format!("{} customer touchpoints", m.customer_touchpoints));
        });
    }

    fn findings_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading(format!("Findings ({})", self.analysis.findings.len()));
        egui::ScrollArea::vertical().show(ui, |ui| {
            for severity in Severity::ALL {
                let group: Vec<_> = self
                    .analysis
                    .findings
                    .iter()
                    .filter(|f| f.severity == severity)
                    .collect();
                if group.is_empty() {
                    continue;
                }
                ui.add_space(6.0);
                ui.colored_label(
                    theme::severity_color(severity),
                    format!("{} ({})", severity.as_str().to_uppercase(), group.len()),
                );
                for f in group {
                    let selected = self.selected.as_ref() == Some(&f.step);
                    let mut text = format!("{}: {}", f.rule.title(), f.step_name);
                    if f.delay_mins > 0.0 {
                        text.push_str(&format!(" (waits {})", format_duration(f.delay_mins)));
                    }
                    let r = ui.selectable_label(selected, text);
                    let r = match f.question {
                        Some(q) => r.on_hover_text(format!("{}\n\n{q}", f.message)),
                        None => r.on_hover_text(&f.message),
                    };
                    if r.clicked() {
                        self.selected = Some(f.step.clone());
                    }
                }
            }
        });
    }

    fn map_ui(&mut self, ui: &mut egui::Ui) {
        let lanes = self.map.lanes().to_vec();
        let mut centres: Vec<(StepId, Pos2)> = Vec::with_capacity(self.map.step_count());
        let mut per_lane = vec![0usize; lanes.len().max(1)];
        for s in self.map.steps() {
            let row = s
                .lane
                .as_ref()
                .and_then(|l| self.map.lane_position(l))
                .unwrap_or(0);
            let c = self.step_centre(per_lane[row], row, s.pos);
            per_lane[row] += 1;
            centres.push((s.id.clone(), c));
        }
        let max = centres.iter().fold(vec2(400.0, 200.0), |m, (_, c)| {
            m.max(c.to_vec2() + theme::STEP_SIZE)
        });
        let lane_rows = lanes.len().max(1) as f32;
        let size = vec2(
            max.x + theme::LANE_HEADER_WIDTH + 40.0,
            (lane_rows * theme::LANE_HEIGHT).max(max.y),
        );
        egui::ScrollArea::both().show(ui, |ui| {
            let (rect, response) = ui.allocate_exact_size(size, Sense::click());
            let painter = ui.painter_at(rect);
            let origin = rect.min + vec2(theme::LANE_HEADER_WIDTH, 0.0);
            let at = |c: Pos2| origin + c.to_vec2();
            for (k, lane) in lanes.iter().enumerate() {
                let band = Rect::from_min_size(
                    pos2(rect.min.x, rect.min.y + k as f32 * theme::LANE_HEIGHT),
                    vec2(size.x, theme::LANE_HEIGHT),
                );
                let fill = if k % 2 == 0 {
                    theme::LANE_BAND_EVEN
                } else {
                    theme::LANE_BAND_ODD
                };
                painter.rect_filled(band, 0.0, fill);
                painter.text(
                    band.left_center() + vec2(8.0, 0.0),
                    Align2::LEFT_CENTER,
                    &lane.name,
                    FontId::proportional(14.0),
                    ui.visuals().strong_text_color(),
                );
            }
            let centre_of =
                |id: &StepId| centres.iter().find(|(i, _)| i == id).map(|(_, c)| at(*c));
            for f in self.map.flows() {
                let (Some(a), Some(b)) = (centre_of(f.from), centre_of(f.to)) else {
                    continue;
                };
                let (color, dashed) = match f.flow.kind {
                    FlowKind::Work => (theme::WORK_FLOW, false),
                    FlowKind::Information => (theme::INFORMATION_FLOW, true),
                };
                arrow(&painter, a, b, color, dashed);
                let mut label = f.flow.label.clone();
                if let Some(p) = f.flow.probability {
                    label = format!("{:.0}% {label}", p * 100.0);
                }
                if !label.trim().is_empty() {
                    painter.text(
                        a.lerp(b, 0.5),
                        Align2::CENTER_BOTTOM,
                        label.trim(),
                        FontId::proportional(11.0),
                        color,
                    );
                }
            }
            let mut clicked = None;
            for s in self.map.steps() {
                let Some(c) = centre_of(&s.id) else { continue };
                let r = Rect::from_center_size(c, theme::STEP_SIZE);
                let (fill, stroke) = if s.is_customer_facing() {
                    (theme::CUSTOMER_FACING_FILL, theme::CUSTOMER_FACING_STROKE)
                } else {
                    (theme::INTERNAL_FILL, theme::INTERNAL_STROKE)
                };
                let width = if self.selected.as_ref() == Some(&s.id) {
                    3.0
                } else {
                    1.0
                };
                let stroke = Stroke::new(width, stroke);
                match s.kind {
                    StepKind::Decision => {
                        let h = r.size() / 2.0;
                        painter.add(Shape::convex_polygon(
                            vec![
                                c - vec2(0.0, h.y),
                                c + vec2(h.x, 0.0),
                                c + vec2(0.0, h.y),
                                c - vec2(h.x, 0.0),
                            ],
                            fill,
                            stroke,
                        ));
                    }
                    StepKind::Wait => {
                        painter.add(Shape::convex_polygon(
                            vec![r.center_top(), r.right_bottom(), r.left_bottom()],
                            fill,
                            stroke,
                        ));
                    }
                    StepKind::Start | StepKind::End => {
                        painter.rect(r, 32.0, fill, stroke, egui::StrokeKind::Inside);
                    }
                    StepKind::Activity => {
                        painter.rect(r, 8.0, fill, stroke, egui::StrokeKind::Inside);
                    }
                }
                let galley = painter.layout(
                    s.name.clone(),
                    FontId::proportional(12.0),
                    theme::STEP_TEXT,
                    r.width() - 14.0,
                );
                painter.galley(c - galley.size() / 2.0, galley, theme::STEP_TEXT);
                if s.wait_mins > 0.0 {
                    painter.text(
                        r.left_top() + vec2(0.0, -2.0),
                        Align2::LEFT_BOTTOM,
                        format!("⏱ {}", format_duration(s.wait_mins)),
                        FontId::proportional(11.0),
                        theme::WAIT_TEXT,
                    );
                }
                if s.work_mins > 0.0 {
                    painter.text(
                        r.right_bottom() + vec2(-4.0, -2.0),
                        Align2::RIGHT_BOTTOM,
                        format_duration(s.work_mins),
                        FontId::proportional(10.0),
                        theme::STEP_TEXT,
                    );
                }
                let worst = self.analysis.findings_for(&s.id).map(|f| f.severity).min();
                if let Some(sev) = worst {
                    let count = self.analysis.findings_for(&s.id).count();
                    let badge = r.right_top();
                    painter.circle_filled(badge, 9.0, theme::severity_color(sev));
                    painter.text(
                        badge,
                        Align2::CENTER_CENTER,
                        count.to_string(),
                        FontId::proportional(11.0),
                        Color32::WHITE,
                    );
                }
                if let Some(p) = response.interact_pointer_pos()
                    && response.clicked()
                    && r.contains(p)
                {
                    clicked = Some(s.id.clone());
                }
            }
            if response.clicked() {
                self.selected = clicked;
            }
        });
    }
}

/// A straight arrow from the edge of one step box towards another.
fn arrow(painter: &egui::Painter, a: Pos2, b: Pos2, color: Color32, dashed: bool) {
    let dir = (b - a).normalized();
    if !dir.is_finite() || dir == Vec2::ZERO {
        return;
    }
    let half = theme::STEP_SIZE / 2.0;
    // Leave the box where the line crosses its border.
    let shrink = |d: Vec2| {
        let tx = if d.x.abs() > 1e-6 {
            half.x / d.x.abs()
        } else {
            f32::INFINITY
        };
        let ty = if d.y.abs() > 1e-6 {
            half.y / d.y.abs()
        } else {
            f32::INFINITY
        };
        tx.min(ty)
    };
    let start = a + dir * shrink(dir);
    let end = b - dir * shrink(dir);
    let stroke = Stroke::new(1.5, color);
    if dashed {
        painter.extend(Shape::dashed_line(&[start, end], stroke, 6.0, 4.0));
    } else {
        painter.line_segment([start, end], stroke);
    }
    let normal = vec2(-dir.y, dir.x) * 5.0;
    let base = end - dir * 10.0;
    painter.add(Shape::convex_polygon(
        vec![end, base + normal, base - normal],
        color,
        Stroke::NONE,
    ));
}

impl eframe::App for ViewerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("metrics").show(ui, |ui| self.metrics_ui(ui));
        egui::Panel::right("findings")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| self.findings_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.map_ui(ui));
    }
}
