//! The findings panel: the headline metrics and the findings grouped by severity, each with
//! its challenge question. Clicking a finding selects and shows its step.

use super::theme;
use crate::analysis::{Analysis, Severity};
use crate::model::StepId;
use crate::units::format_duration;
use egui::RichText;

/// Shows the panel; returns the step of a clicked finding.
pub fn findings_ui(
    ui: &mut egui::Ui,
    analysis: &Analysis,
    selected: Option<&StepId>,
) -> Option<StepId> {
    ui.heading("Process");
    egui::Grid::new("metrics")
        .num_columns(2)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            let rows = crate::report::metric_rows(&analysis.metrics);
            for (k, v) in rows {
                ui.label(k);
                ui.label(RichText::new(v).strong());
                ui.end_row();
            }
        });
    ui.separator();
    ui.heading(format!("Findings ({})", analysis.findings.len()));
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if analysis.findings.is_empty() {
                ui.label("No findings: every delay is assessed and adds customer value.");
            }
            for (severity, group) in analysis.findings_by_severity() {
                let title = RichText::new(format!(
                    "{} ({})",
                    severity.as_str().to_uppercase(),
                    group.len()
                ))
                .color(theme::severity_color(severity))
                .strong();
                egui::CollapsingHeader::new(title)
                    .id_salt(("findings", severity.as_str()))
                    .default_open(severity != Severity::Info || group.len() < 5)
                    .show(ui, |ui| {
                        for f in group {
                            let is_selected = selected == Some(&f.step);
                            let mut text = format!(
                                "{}: {}",
                                f.rule.title(),
                                if f.step_name.is_empty() {
                                    f.step.as_str()
                                } else {
                                    &f.step_name
                                }
                            );
                            if f.delay_mins > 0.0 {
                                text.push_str(&format!(
                                    " · waits {}",
                                    format_duration(f.delay_mins)
                                ));
                            }
                            let r = ui
                                .selectable_label(is_selected, text)
                                .on_hover_text(&f.message);
                            if r.clicked() {
                                clicked = Some(f.step.clone());
                            }
                            if let Some(q) = f.question
                                && is_selected
                            {
                                ui.label(RichText::new(q).italics().small());
                            }
                        }
                    });
            }
        });
    clicked
}
