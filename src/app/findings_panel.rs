//! The findings panel: the headline metrics (each with what it means), the bottleneck as the
//! headline, and the findings grouped by severity. Clicking a finding selects and shows its
//! step; the challenge question shows under the selected delay finding only.

use super::theme;
use crate::analysis::{Analysis, Finding, Rule, Severity};
use crate::model::{Map, StepId};
use crate::units::format_duration;
use egui::RichText;

/// A finding's step as the list names it: its name, else its id.
fn step_label(f: &Finding) -> &str {
    if f.step_name.is_empty() {
        f.step.as_str()
    } else {
        &f.step_name
    }
}

/// The text of a finding's row in the list.
pub fn finding_row_text(f: &Finding) -> String {
    let mut text = format!("{}: {}", f.title(), step_label(f));
    if f.delay_mins > 0.0 {
        text.push_str(&format!(" · waits {}", format_duration(f.delay_mins)));
    }
    text
}

/// Shows the panel's contents below its heading; returns the step of a clicked finding.
/// `opened` changes when another map is opened: the list then starts at the top again.
pub fn findings_ui(
    ui: &mut egui::Ui,
    map: &Map,
    analysis: &Analysis,
    selected: Option<&StepId>,
    opened: u64,
) -> Option<StepId> {
    let observed = crate::eventlog::case_durations(map);
    egui::Grid::new("metrics")
        .num_columns(2)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for (k, v) in crate::report::metric_rows(&analysis.metrics) {
                let mut help = crate::report::metric_help(k);
                let v = if k == "Process cycle efficiency"
                    && observed.is_some()
                    && crate::eventlog::is_complete_only(map)
                {
                    help = "The event log has completion times only: work and waiting cannot \
                            be told apart, so the process cycle efficiency means nothing.";
                    "not meaningful".to_owned()
                } else {
                    v
                };
                ui.label(k).on_hover_text(help);
                ui.label(RichText::new(v).strong()).on_hover_text(help);
                ui.end_row();
                if let (Some(cd), "Lead time") = (observed, k) {
                    let help = "Measured in the event log: first start to last completion of \
                                each case.";
                    for (name, mins) in [
                        ("Observed case duration (mean)", cd.mean_mins),
                        ("Observed case duration (median)", cd.median_mins),
                    ] {
                        ui.label(name).on_hover_text(help);
                        ui.label(RichText::new(format_duration(mins)).strong())
                            .on_hover_text(help);
                        ui.end_row();
                    }
                }
            }
        });
    if let Some(cd) = observed
        && cd.parallel
    {
        ui.label(RichText::new(crate::eventlog::PARALLEL_NOTE).small());
    }
    let mut clicked = None;
    let no_times = analysis.no_times_yet();
    if no_times {
        ui.add_space(4.0);
        ui.label(
            RichText::new(
                "No times yet: select a step and enter its work and wait times in the \
                 inspector (e.g. 45m, 2d) to see the lead time, the bottleneck and the delays.",
            )
            .italics(),
        );
    } else if let Some(b) = analysis
        .findings
        .iter()
        .find(|f| f.rule == Rule::Bottleneck)
    {
        ui.add_space(4.0);
        let text = RichText::new(format!("Bottleneck: {}", step_label(b)))
            .strong()
            .color(theme::severity_color(Severity::Info));
        let r = ui
            .selectable_label(selected == Some(&b.step), text)
            .on_hover_text(&b.message);
        if r.clicked() {
            clicked = Some(b.step.clone());
        }
    }
    // The customer's side of the numbers, in words.
    let m = &analysis.metrics;
    if let (Some(nv), Some(lead)) = (m.no_value_wait_mins, m.lead_time_mins)
        && nv > 0.0
        && lead.is_finite()
    {
        ui.label(
            RichText::new(format!(
                "{} of the {} lead time is waiting that gives the customer nothing.",
                format_duration(nv),
                format_duration(lead)
            ))
            .small(),
        );
    }
    if m.customer_contact_lanes > 1 {
        ui.label(
            RichText::new(format!(
                "The customer deals with {} parts of the company.",
                m.customer_contact_lanes
            ))
            .small(),
        );
    }
    ui.separator();
    let listed: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.rule != Rule::Bottleneck)
        .collect();
    ui.heading(format!("Findings ({})", listed.len()));
    let progress = crate::redesign::challenge_progress(map, analysis);
    if progress.flagged > 0 {
        ui.label(
            RichText::new(format!(
                "{} of {} challenged",
                progress.challenged,
                crate::text::count(progress.flagged, "flagged step", "flagged steps")
            ))
            .small(),
        )
        .on_hover_text(
            "Flagged steps are those with a delay finding. A step is challenged once it has a \
             disposition (keep, eliminate, merge, move backstage, automate, simplify) in the \
             inspector's Challenge section. Flagged steps not yet decided are listed first.",
        );
    }
    // Within each severity, the delays still to be decided come first (stable otherwise).
    let decided = |f: &Finding| {
        f.rule.is_delay_rule()
            && map
                .step(&f.step)
                .is_some_and(|s| s.disposition().is_decided())
    };
    let mut listed = listed;
    listed.sort_by_key(|f| decided(f));
    egui::ScrollArea::vertical()
        .id_salt(("findings-list", opened))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if listed.is_empty() {
                ui.label("No findings: every delay is assessed and adds customer value.");
            }
            for &severity in Severity::ALL {
                let group: Vec<&Finding> = listed
                    .iter()
                    .copied()
                    .filter(|f| f.severity == severity)
                    .collect();
                if group.is_empty() {
                    continue;
                }
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
                            let mut text = finding_row_text(f);
                            if decided(f)
                                && let Some(s) = map.step(&f.step)
                            {
                                text = format!("{text} · ✔ {}", map.disposition_text(s));
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
