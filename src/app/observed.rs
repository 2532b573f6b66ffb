//! What the event log showed for a calibrated step (its notes, written by the calibration):
//! instances and cases, mean / median / 90th percentile of work and wait, and a warning when
//! a mean is more than three times its median (nights, weekends or batching pull it up).

use crate::eventlog::{Observed, ObservedStats};
use crate::units::format_duration;

/// The warning shown under a skewed step's statistics.
pub const SKEWED: &str = "⚠ The mean is more than 3× the median: a few long cases (nights, weekends, batching) pull it up. Consider the median, or look at those cases.";

/// Shows the observed statistics of a step.
pub fn observed_ui(ui: &mut egui::Ui, o: &Observed) {
    ui.add_space(4.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong("Observed in the event log");
        ui.label(format!(
            "{} instances in {} cases{}",
            o.n,
            o.cases,
            if o.with_start < o.n {
                format!(" ({} with a start time)", o.with_start)
            } else {
                String::new()
            }
        ));
        egui::Grid::new("observed-stats")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for h in ["", "mean", "median", "p90"] {
                    ui.weak(h);
                }
                ui.end_row();
                let row = |ui: &mut egui::Ui, name: &str, s: &ObservedStats| {
                    let skewed = s.is_skewed();
                    ui.label(name);
                    let mean = egui::RichText::new(format_duration(s.mean));
                    ui.label(if skewed {
                        mean.color(ui.visuals().warn_fg_color)
                    } else {
                        mean
                    });
                    ui.label(format_duration(s.median));
                    ui.label(format_duration(s.p90));
                    ui.end_row();
                };
                row(ui, "Work", &o.work);
                row(ui, "Wait", &o.wait);
            });
        if o.is_skewed() {
            ui.add(egui::Label::new(
                egui::RichText::new(SKEWED).color(ui.visuals().warn_fg_color),
            ));
        }
    });
}
