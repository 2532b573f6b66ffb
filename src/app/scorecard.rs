//! Map → Scorecard…: the customer-alignment scorecard of the map (format v2): each of the six
//! parameters rated on the four levels, with notes and its probing questions as guidance.
//! Every change is one undo step (`MapField::Score`).

use super::inspector::{InspectorRequest, committed_text, field_label};
use super::theme;
use crate::document::Command;
use crate::model::{Map, MapField, Rating, ScoreEntry, ScoreParam};
use egui::RichText;

/// The scorecard window; `open` closes it.
pub fn scorecard_window(ctx: &egui::Context, open: &mut bool, map: &Map) -> Vec<InspectorRequest> {
    let mut out = Vec::new();
    egui::Window::new("Customer-alignment scorecard")
        .open(open)
        .default_width(520.0)
        .default_height(620.0)
        .vscroll(true)
        .show(ctx, |ui| {
            ui.label(
                RichText::new(
                    "Rate how well each part of the business serves the customer. The \
                     questions under each are the ones to ask the client.",
                )
                .small(),
            );
            for &param in ScoreParam::ALL {
                let entry = map.scorecard.get(param);
                ui.add_space(6.0);
                ui.separator();
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    ui.painter()
                        .rect_filled(rect, 3.0, theme::rating_color(entry.rating));
                    ui.heading(param.label());
                });
                for q in param.questions() {
                    ui.label(RichText::new(format!("• {q}")).small().italics().weak());
                }
                ui.horizontal_wrapped(|ui| {
                    let mut choice = entry.rating;
                    ui.selectable_value(&mut choice, None, "Not rated");
                    for &r in Rating::ALL {
                        ui.selectable_value(&mut choice, Some(r), r.label());
                    }
                    if choice != entry.rating {
                        out.push(set(param, choice, entry.notes.clone()));
                    }
                });
                let label = field_label(ui, "Notes");
                if let Some(notes) = committed_text(
                    ui,
                    label,
                    &format!("score-notes-{}", param.as_str()),
                    &entry.notes,
                    true,
                    "What the client said; the evidence",
                ) {
                    out.push(set(param, entry.rating, notes));
                }
            }
        });
    out
}

fn set(param: ScoreParam, rating: Option<Rating>, notes: String) -> InspectorRequest {
    InspectorRequest::Execute(Command::SetMapField(MapField::Score(
        param,
        ScoreEntry { rating, notes },
    )))
}
