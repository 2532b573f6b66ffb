//! Renaming a step in place: the name editor over the step (F2, double-click, new step).

use super::{EditorApp, Request};
use crate::document::Command;
use crate::layout;
use crate::model::{StepField, StepId};

impl EditorApp {
    /// Opens the in-place name editor on a step, its current name selected.
    pub(super) fn start_rename(&mut self, id: &StepId) {
        if let Some(step) = self.doc.map().step(id) {
            self.renaming = Some((id.clone(), step.name.clone(), true));
        }
    }

    /// The in-place name editor over a step (F2 or double-click).
    pub(super) fn rename_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
        let Some((id, mut text, focus)) = self.renaming.take() else {
            return;
        };
        let Some(centre) = self.canvas.step_centre(&id) else {
            return;
        };
        let at = self.canvas.canvas_to_screen(centre);
        let width = (layout::STEP_WIDTH * self.canvas.zoom).max(160.0);
        let mut done = false;
        let mut cancel = false;
        egui::Area::new(egui::Id::new("rename-step"))
            .fixed_pos(at - egui::vec2(width / 2.0, 12.0))
            .order(egui::Order::Foreground)
            .show(ui.ctx(), |ui| {
                let r = ui.add(
                    egui::TextEdit::singleline(&mut text)
                        .id(egui::Id::new("rename-field"))
                        .desired_width(width),
                );
                if focus {
                    r.request_focus();
                    let mut state = egui::TextEdit::load_state(ui.ctx(), r.id).unwrap_or_default();
                    let all = egui::text::CCursorRange::two(
                        egui::text::CCursor::new(0),
                        egui::text::CCursor::new(text.chars().count()),
                    );
                    state.cursor.set_char_range(Some(all));
                    state.store(ui.ctx(), r.id);
                }
                if r.lost_focus() {
                    if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        cancel = true;
                    } else {
                        done = true;
                    }
                }
            });
        if done {
            out.push(Request::Execute(Command::SetStepField(
                id,
                StepField::Name(text),
            )));
        } else if !cancel {
            self.renaming = Some((id, text, false));
        }
    }
}
