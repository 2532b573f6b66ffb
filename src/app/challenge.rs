//! The inspector's "Challenge" section for one step: its delay findings, what becomes of it
//! (the disposition, with a merge target or target times), the five questions a consultant
//! asks of it and the rationale. Every committed edit is one undo step (`StepField::Review`).

use super::inspector::{
    InspectorRequest, combo, committed_optional_duration, committed_text, field_label,
};
use super::theme;
use crate::analysis::Analysis;
use crate::document::Command;
use crate::model::{
    Disposition, DispositionKind, FlowKind, Map, REVIEW_QUESTIONS, Review, Step, StepField, StepId,
    TargetTimes,
};
use egui::RichText;
use petgraph::Direction;
use petgraph::visit::EdgeRef;

/// The step a merge goes into by default: the next step of the work flow, else the one
/// before, else any other step that stays.
pub fn default_merge_target(map: &Map, id: &StepId) -> Option<StepId> {
    let i = map.index_of(id)?;
    let g = map.graph();
    let stays = |s: &Step| {
        &s.id != id
            && !matches!(
                s.disposition(),
                Disposition::Eliminate | Disposition::Merge { .. }
            )
    };
    let neighbour = |dir: Direction| {
        g.edges_directed(i, dir)
            .filter(|e| e.weight().kind == FlowKind::Work)
            .map(|e| {
                if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                }
            })
            .map(|k| &g[k])
            .filter(|s| stays(s))
            .min_by(|a, b| a.id.cmp(&b.id))
            .map(|s| s.id.clone())
    };
    neighbour(Direction::Outgoing)
        .or_else(|| neighbour(Direction::Incoming))
        .or_else(|| map.steps().find(|s| stays(s)).map(|s| s.id.clone()))
}

/// The disposition `kind` for a step, keeping what carries over (target times between
/// automate and simplify, the merge target); `None` when a merge has no step to go into.
pub(super) fn disposition_for(
    map: &Map,
    id: &StepId,
    current: &Disposition,
    kind: DispositionKind,
) -> Option<Disposition> {
    let targets = current.targets().unwrap_or_default();
    Some(match kind {
        DispositionKind::Undecided => Disposition::Undecided,
        DispositionKind::Keep => Disposition::Keep,
        DispositionKind::Eliminate => Disposition::Eliminate,
        DispositionKind::Merge => Disposition::Merge {
            into: default_merge_target(map, id)?,
        },
        DispositionKind::Backstage => Disposition::Backstage,
        DispositionKind::Automate => Disposition::Automate(targets),
        DispositionKind::Simplify => Disposition::Simplify(targets),
    })
}

/// What each disposition does to the to-be, for its tooltip.
fn disposition_help(kind: DispositionKind) -> &'static str {
    match kind {
        DispositionKind::Undecided => "Not decided yet.",
        DispositionKind::Keep => "The step stays as it is.",
        DispositionKind::Eliminate => {
            "The step goes: the steps before it are joined to the steps after it."
        }
        DispositionKind::Merge => {
            "Another step does this work: its work time is added there, its wait goes."
        }
        DispositionKind::Backstage => {
            "The step stays, out of the customer's sight (it becomes internal)."
        }
        DispositionKind::Automate => {
            "A system does it: no wait (unless you give one) and the target work time."
        }
        DispositionKind::Simplify => "The step stays with the target times you give.",
    }
}

/// The Challenge section of the inspector for step `id`.
pub fn challenge_ui(
    ui: &mut egui::Ui,
    map: &Map,
    analysis: &Analysis,
    id: &StepId,
    out: &mut Vec<InspectorRequest>,
) {
    let Some(step) = map.step(id) else { return };
    let review: Review = step.review.as_deref().cloned().unwrap_or_default();
    let set = |r: Review| {
        InspectorRequest::Execute(Command::SetStepField(
            id.clone(),
            StepField::Review(Some(Box::new(r))),
        ))
    };
    ui.add_space(8.0);
    ui.separator();
    ui.heading("Challenge");
    // The delay findings of this step, right above the questions they raise.
    for f in analysis.findings_for(id).filter(|f| f.rule.is_delay_rule()) {
        ui.label(
            RichText::new(format!("{}: {}", f.title(), f.message))
                .color(theme::severity_color(f.severity))
                .small(),
        );
    }
    field_label(ui, "What becomes of it");
    let current = review.disposition.kind();
    let chosen = combo(
        ui,
        &format!("{id}-disposition"),
        current,
        DispositionKind::ALL,
        |k| k.label().to_owned(),
    );
    ui.label(RichText::new(disposition_help(current)).small().weak());
    if let Some(kind) = chosen {
        match disposition_for(map, id, &review.disposition, kind) {
            Some(d) => {
                let mut r = review.clone();
                r.disposition = d;
                out.push(set(r));
            }
            None => {
                ui.colored_label(
                    super::inspector::error_color(ui),
                    "There is no other step to merge into.",
                );
            }
        }
    }
    match &review.disposition {
        Disposition::Merge { into } => {
            field_label(ui, "Merge into");
            if let Some(target) = merge_target_combo(ui, map, id, into) {
                let mut r = review.clone();
                r.disposition = Disposition::Merge { into: target };
                out.push(set(r));
            }
        }
        Disposition::Automate(t) | Disposition::Simplify(t) => {
            let automate = matches!(review.disposition, Disposition::Automate(_));
            let (work_hint, wait_hint) = if automate {
                ("unchanged", "none (0m)")
            } else {
                ("unchanged", "unchanged")
            };
            let mut changed: Option<TargetTimes> = None;
            ui.columns(2, |cols| {
                let label = field_label(&mut cols[0], "Target work");
                if let Some(v) = committed_optional_duration(
                    &mut cols[0],
                    label,
                    &format!("{id}-target-work"),
                    t.work_mins,
                    work_hint,
                ) {
                    changed = Some(TargetTimes { work_mins: v, ..*t });
                }
                let label = field_label(&mut cols[1], "Target wait");
                if let Some(v) = committed_optional_duration(
                    &mut cols[1],
                    label,
                    &format!("{id}-target-wait"),
                    t.wait_mins,
                    wait_hint,
                ) {
                    changed = Some(TargetTimes {
                        wait_mins: v,
                        ..changed.unwrap_or(*t)
                    });
                }
            });
            if let Some(t) = changed {
                let mut r = review.clone();
                r.disposition = if automate {
                    Disposition::Automate(t)
                } else {
                    Disposition::Simplify(t)
                };
                out.push(set(r));
            }
        }
        _ => {}
    }
    for (k, (key, question)) in REVIEW_QUESTIONS.iter().enumerate() {
        let label = field_label(ui, question);
        if let Some(v) = committed_text(
            ui,
            label,
            &format!("{id}-review-{key}"),
            &review.answers[k],
            true,
            "",
        ) {
            let mut r = review.clone();
            r.answers[k] = v;
            out.push(set(r));
        }
    }
    let label = field_label(ui, "Rationale");
    if let Some(v) = committed_text(
        ui,
        label,
        &format!("{id}-review-rationale"),
        &review.rationale,
        true,
        "Why, in the client's words",
    ) {
        let mut r = review.clone();
        r.rationale = v;
        out.push(set(r));
    }
}

/// The steps a step can merge into (every other step that stays), by name.
fn merge_target_combo(
    ui: &mut egui::Ui,
    map: &Map,
    id: &StepId,
    current: &StepId,
) -> Option<StepId> {
    let name = |s: &Step| {
        if s.name.is_empty() {
            s.id.to_string()
        } else {
            s.name.clone()
        }
    };
    let current_name = map.step(current).map_or_else(|| current.to_string(), name);
    let mut chosen = None;
    egui::ComboBox::from_id_salt(("merge-into", id.as_str()))
        .selected_text(current_name)
        .width(ui.available_width())
        .height(320.0)
        .show_ui(ui, |ui| {
            for s in map.steps() {
                let removed = matches!(
                    s.disposition(),
                    Disposition::Eliminate | Disposition::Merge { .. }
                );
                if &s.id == id || removed {
                    continue;
                }
                if ui.selectable_label(&s.id == current, name(s)).clicked() && &s.id != current {
                    chosen = Some(s.id.clone());
                }
            }
        });
    chosen
}
