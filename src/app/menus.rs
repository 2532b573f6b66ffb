//! The menu bar, the toolbar and the status bar, all generated from the command table.

use super::commands::{self, COMMANDS, MenuName, UiCommand};
use super::{After, EditorApp, Request};
use crate::samples;
use std::time::Duration;

impl EditorApp {
    pub(super) fn menu_items_ui(&self, ui: &mut egui::Ui, menu: MenuName, out: &mut Vec<Request>) {
        for spec in COMMANDS.iter().filter(|s| s.menu == menu) {
            let mut label = spec.label.to_owned();
            if spec.command == UiCommand::Undo
                && let Some(l) = self.doc.undo_label()
            {
                label = format!("Undo {l}");
            }
            if spec.command == UiCommand::Redo
                && let Some(l) = self.doc.redo_label()
            {
                label = format!("Redo {l}");
            }
            let shortcut = spec.shortcut_text(ui.ctx());
            let response = match self.is_checked(spec.command) {
                Some(mut on) => ui.checkbox(&mut on, label),
                None => ui.add_enabled(
                    self.is_enabled(spec.command),
                    egui::Button::new(label).shortcut_text(shortcut),
                ),
            };
            if response.clicked() {
                out.push(Request::Ui(spec.command));
                ui.close();
            }
            if spec.command == UiCommand::Open {
                ui.menu_button("Open recent", |ui| {
                    // What the user's other windows opened too (a small file, read while
                    // the menu is open).
                    let shared = self
                        .shared_prefs
                        .as_ref()
                        .and_then(|(s, _)| s.read())
                        .map(|p| p.recent);
                    let recent = shared
                        .as_ref()
                        .filter(|l| !l.is_empty())
                        .unwrap_or(&self.prefs.recent);
                    if recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in recent {
                        if ui.button(p.display().to_string()).clicked() {
                            ui.close();
                            out.push(Request::Open(After::OpenPath(p.clone())));
                        }
                    }
                });
                ui.menu_button("Open sample", |ui| {
                    for (name, _) in samples::BUILT_IN {
                        if ui.button(*name).clicked() {
                            ui.close();
                            out.push(Request::Open(After::OpenSample((*name).to_owned())));
                        }
                    }
                });
            }
            if spec.command == UiCommand::SaveAs {
                ui.separator();
            }
        }
    }

    pub(super) fn toolbar_ui(&self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
        ui.horizontal(|ui| {
            let tools = [
                ("➕ Step", UiCommand::AddStep),
                ("Connect", UiCommand::ConnectWork),
                ("Information", UiCommand::ConnectInformation),
                ("👤 Customer-facing", UiCommand::ToggleCustomerFacing),
                ("🗑 Delete", UiCommand::Delete),
                ("Arrange", UiCommand::AutoArrange),
                ("⛶ Fit", UiCommand::FitView),
                ("Worksheet", UiCommand::Worksheet),
                ("👤 Customer view", UiCommand::CustomerView),
                ("⟲ Undo", UiCommand::Undo),
                ("⟳ Redo", UiCommand::Redo),
            ];
            for (text, command) in tools {
                let hint = commands::spec(command).map(|s| s.hint(ui.ctx()));
                // The view toggles show whether they are on.
                let on = match command {
                    UiCommand::Worksheet => self.worksheet.is_some(),
                    UiCommand::CustomerView => self.customer_view.is_some(),
                    _ => false,
                };
                let r = ui.add_enabled(
                    self.is_enabled(command),
                    egui::Button::new(text).selected(on),
                );
                if r.on_hover_text(hint.unwrap_or_default()).clicked() {
                    out.push(Request::Ui(command));
                }
            }
        });
    }

    pub(super) fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let m = &self.analysis.metrics;
            ui.label(format!(
                "{} · {} · {} · zoom {:.0}%",
                crate::text::count(m.steps, "step", "steps"),
                crate::text::count(m.flows, "flow", "flows"),
                crate::text::count(self.doc.map().lanes().len(), "lane", "lanes"),
                self.canvas.zoom * 100.0
            ));
            if let Some((text, at)) = &self.status {
                if at.elapsed() < Duration::from_secs(8) {
                    ui.separator();
                    ui.label(text);
                    ui.ctx()
                        .request_repaint_after(Duration::from_secs(8) - at.elapsed());
                } else {
                    self.status = None;
                }
            }
        });
    }

    /// The menu bar: File, Edit, Map, View, Help.
    pub(super) fn menu_bar_ui(&self, ui: &mut egui::Ui, requests: &mut Vec<Request>) {
        egui::MenuBar::new().ui(ui, |ui| {
            for (title, menu) in [
                ("File", MenuName::File),
                ("Edit", MenuName::Edit),
                ("Map", MenuName::Map),
                ("View", MenuName::View),
                ("Help", MenuName::Help),
            ] {
                ui.menu_button(title, |ui| self.menu_items_ui(ui, menu, requests));
            }
        });
    }
}
