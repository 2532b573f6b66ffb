//! Find: the search bar over the canvas, its matches (see `view::find_steps`) and stepping
//! through them.

use super::{EditorApp, Request};
use crate::model::StepId;
use crate::view::find_steps;
use std::collections::HashSet;

/// The search bar's state (view state, never saved).
#[derive(Debug, Clone, Default)]
pub(super) struct Search {
    pub(super) query: String,
    /// The match shown last (an index into the matches of `query`).
    pub(super) shown: Option<usize>,
    pub(super) focus: bool,
}

impl EditorApp {
    /// Whether the Find bar is open.
    pub fn is_finding(&self) -> bool {
        self.search.is_some()
    }

    /// Steps matching the search, for highlighting on the canvas.
    pub(super) fn search_hits(&self) -> HashSet<StepId> {
        self.search
            .as_ref()
            .map(|s| find_steps(self.doc.map(), &s.query).into_iter().collect())
            .unwrap_or_default()
    }

    pub(super) fn search_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
        let Some(mut search) = self.search.take() else {
            return;
        };
        let mut keep = true;
        // Esc closes the bar from its field, and from anywhere no other text field has the
        // keyboard. Read before the field is drawn: the field takes the key for itself.
        let field = egui::Id::new("search-field");
        let esc = ui.input(|i| i.key_pressed(egui::Key::Escape))
            && (ui.memory(|m| m.has_focus(field)) || !ui.ctx().egui_wants_keyboard_input());
        // The bar has the panels' own fill: over the canvas it must read in both themes.
        egui::Frame::NONE
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(8, 4))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label("🔍");
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut search.query)
                            .id(field)
                            .hint_text("Find steps by name, lane or system")
                            .desired_width(320.0),
                    );
                    if search.focus {
                        r.request_focus();
                        search.focus = false;
                    }
                    if r.changed() {
                        search.shown = None;
                    }
                    let matches = find_steps(self.doc.map(), &search.query);
                    if search.query.trim().is_empty() {
                        ui.label("");
                    } else {
                        ui.label(match matches.len() {
                            1 => "1 match".to_owned(),
                            n => format!("{n} matches"),
                        });
                    }
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let back = ui.input(|i| i.modifiers.shift);
                    if (enter || ui.button("Next").clicked()) && !matches.is_empty() {
                        let n = matches.len();
                        let next = match search.shown {
                            None if back => n - 1,
                            None => 0,
                            Some(i) if back => (i + n - 1) % n,
                            Some(i) => (i + 1) % n,
                        };
                        search.shown = Some(next);
                        out.push(Request::Focus(matches[next].clone()));
                        search.focus = true;
                    }
                    if ui.button("✖").on_hover_text("Close (Esc)").clicked() || esc {
                        keep = false;
                    }
                });
            });
        if keep {
            self.search = Some(search);
        }
    }
}
