//! The chart panel (View → Charts, `G`): the timeline ladder along the most likely critical
//! path (wait above the line, work below, value-added work and no-value waits marked, the
//! totals beside it) and the Pareto of delay by step or by lane, drawn with egui_plot from
//! `crate::charts`. Clicking a Pareto bar selects its step (or the lane's steps).

use super::theme;
use crate::analysis::Analysis;
use crate::charts::{self, Bar as ChartBar};
use crate::model::{LaneId, Map, StepId};
use crate::units::format_duration;
use egui::RichText;
use egui_plot::{Bar, BarChart, Plot};

/// Which chart the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartKind {
    #[default]
    Ladder,
    ParetoSteps,
    ParetoLanes,
}

/// The panel's state.
#[derive(Debug, Clone)]
pub struct ChartPanel {
    pub kind: ChartKind,
    /// The screen x of each bar's centre in the last frame with its key (for clicks and
    /// tests).
    pub bar_centres: Vec<(f32, String)>,
    /// The plot's screen rectangle in the last frame.
    pub plot_rect: egui::Rect,
}

impl Default for ChartPanel {
    fn default() -> Self {
        Self {
            kind: ChartKind::default(),
            bar_centres: Vec::new(),
            plot_rect: egui::Rect::NOTHING,
        }
    }
}

/// What a click on a chart asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartRequest {
    SelectStep(StepId),
    SelectLane(LaneId),
}

const HOUR: f64 = 60.0;

impl ChartPanel {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        map: &Map,
        analysis: &Analysis,
    ) -> Option<ChartRequest> {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.kind, ChartKind::Ladder, "Timeline ladder");
            ui.selectable_value(&mut self.kind, ChartKind::ParetoSteps, "Delay by step");
            ui.selectable_value(&mut self.kind, ChartKind::ParetoLanes, "Delay by lane");
        });
        match self.kind {
            ChartKind::Ladder => {
                self.ladder_ui(ui, map, analysis);
                None
            }
            ChartKind::ParetoSteps => self
                .pareto_ui(ui, "pareto-steps", &charts::pareto_by_step(map))
                .map(|k| ChartRequest::SelectStep(StepId::new(k))),
            ChartKind::ParetoLanes => self
                .pareto_ui(ui, "pareto-lanes", &charts::pareto_by_lane(map))
                .map(|k| ChartRequest::SelectLane(LaneId::new(k))),
        }
    }

    fn ladder_ui(&mut self, ui: &mut egui::Ui, map: &Map, analysis: &Analysis) {
        let l = charts::ladder(map, analysis);
        ui.label(
            RichText::new(format!(
                "Along the most likely path: waits above the line (red: no value to the customer), work below (blue: value-added). {}",
                l.totals()
            ))
            .small(),
        );
        let p = theme::palette(ui.visuals().dark_mode);
        let waits: Vec<Bar> = l
            .rungs
            .iter()
            .enumerate()
            .map(|(k, r)| {
                Bar::new(k as f64, r.wait_mins / HOUR)
                    .name(format!(
                        "{} · waits {}",
                        r.name,
                        format_duration(r.wait_mins)
                    ))
                    .fill(if r.no_value_wait {
                        p.wait_text
                    } else {
                        p.lane_border
                    })
            })
            .collect();
        let works: Vec<Bar> = l
            .rungs
            .iter()
            .enumerate()
            .map(|(k, r)| {
                Bar::new(k as f64, -r.work_mins / HOUR)
                    .name(format!(
                        "{} · works {}",
                        r.name,
                        format_duration(r.work_mins)
                    ))
                    .fill(if r.value_added {
                        p.customer_facing_stroke
                    } else {
                        p.internal_stroke
                    })
            })
            .collect();
        let names: Vec<String> = l.rungs.iter().map(|r| r.name.clone()).collect();
        let response = bar_plot("ladder", "hours", names).show(ui, |plot| {
            plot.bar_chart(BarChart::new("Wait", waits).width(0.7));
            plot.bar_chart(BarChart::new("Work", works).width(0.7));
        });
        self.plot_rect = response.response.rect;
        self.bar_centres = bar_centres(
            &response.transform,
            l.rungs.iter().map(|r| r.step.to_string()),
        );
    }

    /// A Pareto bar chart; returns the key of a clicked bar.
    fn pareto_ui(&mut self, ui: &mut egui::Ui, id: &str, bars: &[ChartBar]) -> Option<String> {
        if bars.is_empty() {
            ui.label("No step waits: the map has no delay yet.");
            return None;
        }
        let p = theme::palette(ui.visuals().dark_mode);
        let plotted: Vec<Bar> = bars
            .iter()
            .enumerate()
            .map(|(k, b)| {
                Bar::new(k as f64, b.delay_mins / HOUR)
                    .name(format!(
                        "{} · {} ({:.0}% of all delay so far)",
                        b.label,
                        format_duration(b.delay_mins),
                        b.cumulative_share * 100.0
                    ))
                    .fill(p.wait_text)
            })
            .collect();
        let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
        let response = bar_plot(id, "hours of delay", labels).show(ui, |plot| {
            plot.bar_chart(BarChart::new("Delay", plotted).width(0.7));
            plot.pointer_coordinate()
        });
        self.plot_rect = response.response.rect;
        self.bar_centres = bar_centres(&response.transform, bars.iter().map(|b| b.key.clone()));
        if response.response.clicked()
            && let Some(at) = response.inner
        {
            let k = at.x.round();
            if k >= 0.0 && (at.x - k).abs() <= 0.35 && at.y >= 0.0 {
                return bars.get(k as usize).map(|b| b.key.clone());
            }
        }
        None
    }
}

/// A fixed bar chart (no zoom, drag or scroll) whose x axis names bar k by `labels[k]`.
fn bar_plot<'a>(id: &str, y_label: &str, labels: Vec<String>) -> Plot<'a> {
    Plot::new(id)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .y_axis_label(y_label.to_owned())
        .x_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() < 1e-6 && k >= 0.0 {
                labels
                    .get(k as usize)
                    .map(|n| n.chars().take(14).collect())
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
}

/// The screen x of each bar's centre (bar k at plot x = k), with its key, for clicks.
fn bar_centres(
    transform: &egui_plot::PlotTransform,
    keys: impl Iterator<Item = String>,
) -> Vec<(f32, String)> {
    keys.enumerate()
        .map(|(k, key)| {
            let x = transform
                .position_from_point(&egui_plot::PlotPoint::new(k as f64, 0.0))
                .x;
            (x, key)
        })
        .collect()
}
