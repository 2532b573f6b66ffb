//! The modal dialogs: unsaved changes, errors, deleting a lane, the in-app path prompt,
//! restoring a recovery copy, and the keyboard shortcuts (from the command table).

use super::commands::{COMMANDS, UiCommand};
use super::{Dialog, EditorApp, Request};
use crate::document::Command;
use std::path::PathBuf;

impl EditorApp {
    pub(super) fn dialog_ui(&mut self, ctx: &egui::Context, out: &mut Vec<Request>) {
        let Some(dialog) = self.dialog.take() else {
            return;
        };
        let mut keep = true;
        let modal = |title: &str, add: &mut dyn FnMut(&mut egui::Ui)| {
            egui::Modal::new(egui::Id::new(("dialog", title.to_owned()))).show(ctx, |ui| {
                ui.set_max_width(520.0);
                ui.heading(title);
                ui.add_space(6.0);
                add(ui);
            });
        };
        match &dialog {
            Dialog::Unsaved(after) => {
                let after = after.clone();
                modal("Unsaved changes", &mut |ui| {
                    ui.label(format!(
                        "Save the changes to \"{}\" first?",
                        self.doc.map().name
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            keep = false;
                            out.push(Request::SaveThen(after.clone()));
                        }
                        if ui.button("Discard").clicked() {
                            keep = false;
                            out.push(Request::Discard(after.clone()));
                        }
                        if ui.button("Cancel").clicked()
                            || ui.input(|i| i.key_pressed(egui::Key::Escape))
                        {
                            keep = false;
                        }
                    });
                });
            }
            Dialog::Error { title, message } => {
                modal(title, &mut |ui| {
                    ui.label(message);
                    ui.add_space(8.0);
                    if ok_pressed(ui) {
                        keep = false;
                    }
                });
            }
            Dialog::Calibrated {
                title,
                message,
                customer_lanes,
            } => {
                let map = self.doc.map();
                let names: Vec<String> = customer_lanes
                    .iter()
                    .filter_map(|l| map.lane(l))
                    .map(|l| format!("\"{}\"", l.name))
                    .collect();
                let mark = Command::mark_customer_lanes(map, customer_lanes);
                modal(title, &mut |ui| {
                    ui.label(message);
                    ui.add_space(6.0);
                    ui.label(
                        "Every step starts internal and unassessed: the log shows what \
                         happens and when, not what it does for the customer.",
                    );
                    if let (Some(mark), false) = (&mark, names.is_empty()) {
                        ui.add_space(6.0);
                        ui.label(format!(
                            "{} {} like the customer.",
                            crate::text::join_and(&names),
                            if names.len() == 1 { "looks" } else { "look" }
                        ));
                        if ui
                            .button("👤 Mark as the customer (lane and its steps customer-facing)")
                            .clicked()
                        {
                            keep = false;
                            out.push(Request::Execute(mark.clone()));
                        }
                    }
                    ui.add_space(8.0);
                    if ok_pressed(ui) {
                        keep = false;
                    }
                });
            }
            Dialog::OpenFailed { path, message } => {
                let title = format!(
                    "Could not open {}",
                    path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned()
                    )
                );
                modal(&title, &mut |ui| {
                    ui.label(crate::text::escape_control(message).as_ref());
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Open another file…").clicked() {
                            keep = false;
                            out.push(Request::Ui(UiCommand::Open));
                        }
                        if ui.button("Start with an empty map").clicked()
                            || ui.input(|i| i.key_pressed(egui::Key::Escape))
                        {
                            keep = false;
                        }
                    });
                });
            }
            Dialog::RemoveLane { lane, target } => {
                let mut target = target.clone();
                let map = self.doc.map();
                let name = map.lane(lane).map(|l| l.name.clone()).unwrap_or_default();
                let steps = map.steps_in_lane(lane).len();
                modal("Delete lane", &mut |ui| {
                    ui.label(format!(
                        "\"{name}\" holds {}. Move them to:",
                        crate::text::count(steps, "step", "steps")
                    ));
                    egui::ComboBox::from_id_salt("remove-lane-target")
                        .selected_text(
                            target
                                .as_ref()
                                .and_then(|t| map.lane(t))
                                .map(|l| l.name.clone())
                                .unwrap_or_default(),
                        )
                        .show_ui(ui, |ui| {
                            for l in map.lanes().iter().filter(|l| &l.id != lane) {
                                ui.selectable_value(&mut target, Some(l.id.clone()), &l.name);
                            }
                        });
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Delete lane").clicked() {
                            keep = false;
                            out.push(Request::Execute(Command::RemoveLane(
                                lane.clone(),
                                target.clone(),
                            )));
                        }
                        if ui.button("Cancel").clicked()
                            || ui.input(|i| i.key_pressed(egui::Key::Escape))
                        {
                            keep = false;
                        }
                    });
                });
                if keep {
                    self.dialog = Some(Dialog::RemoveLane {
                        lane: lane.clone(),
                        target,
                    });
                    return;
                }
            }
            Dialog::PathPrompt {
                purpose,
                text,
                error,
            } => {
                let (purpose, mut text, mut error) = (*purpose, text.clone(), error.clone());
                let (title, action) = purpose.title_and_action();
                modal(title, &mut |ui| {
                    ui.label(
                        "No file dialog is available here; type the file's path (Tab completes):",
                    );
                    let id = egui::Id::new("path-prompt");
                    // Tab completes the name (the field keeps the focus, see `lock_focus`).
                    let tab = ui.memory(|m| m.has_focus(id))
                        && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab));
                    let mut moved = false;
                    if tab && let Some(done) = super::files::complete_path(&text) {
                        text = done;
                        moved = true;
                    }
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut text)
                            .id(id)
                            .lock_focus(true)
                            .desired_width(480.0),
                    );
                    if !r.has_focus() && error.is_none() && !r.lost_focus() {
                        r.request_focus();
                    }
                    // The folder's entries that fit what is typed; a click picks one.
                    let entries = super::files::folder_entries(&text);
                    egui::ScrollArea::vertical()
                        .max_height(160.0)
                        .auto_shrink([false, true])
                        .show(ui, |ui| {
                            for e in &entries {
                                let label = if e.is_dir {
                                    format!("{}/", e.name)
                                } else {
                                    e.name.clone()
                                };
                                if ui.selectable_label(false, label).clicked() {
                                    text = e.text.clone();
                                    moved = true;
                                    r.request_focus();
                                }
                            }
                        });
                    if moved {
                        // The cursor goes to the end of the completed text.
                        if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
                            let end = egui::text::CCursor::new(text.chars().count());
                            state
                                .cursor
                                .set_char_range(Some(egui::text::CCursorRange::one(end)));
                            state.store(ui.ctx(), id);
                        }
                        error = None;
                    }
                    if let Some(e) = &error {
                        ui.colored_label(
                            super::theme::palette(ui.visuals().dark_mode).error_text,
                            e,
                        );
                    }
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        let go = ui.button(action).clicked()
                            || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
                        if go {
                            let path = PathBuf::from(text.trim());
                            if text.trim().is_empty() {
                                error = Some("Type a path".into());
                            } else if purpose.reads() && !path.is_file() {
                                error = Some(format!("No file at {}", path.display()));
                            } else {
                                keep = false;
                                out.push(Request::PathChosen(purpose, path));
                            }
                        }
                        if ui.button("Cancel").clicked()
                            || ui.input(|i| i.key_pressed(egui::Key::Escape))
                        {
                            keep = false;
                        }
                    });
                });
                if keep {
                    self.dialog = Some(Dialog::PathPrompt {
                        purpose,
                        text,
                        error,
                    });
                    return;
                }
            }
            Dialog::Recover(found) => {
                let when = found
                    .saved_at
                    .and_then(|t| t.elapsed().ok())
                    .map(|d| {
                        format!(
                            " from {} ago",
                            crate::units::format_duration(d.as_secs_f64() / 60.0)
                        )
                    })
                    .unwrap_or_default();
                modal("Restore unsaved work?", &mut |ui| {
                    ui.label(format!(
                        "valueflow was closed with unsaved changes to \"{}\"{when}. Restore them?",
                        found.map.name
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Restore").clicked() {
                            keep = false;
                            out.push(Request::Restore(found.clone()));
                        }
                        if ui.button("Discard").clicked() {
                            keep = false;
                            out.push(Request::DiscardRecovery);
                        }
                    });
                });
            }
            Dialog::Help => {
                modal("Keyboard shortcuts", &mut |ui| {
                    egui::Grid::new("shortcuts")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for s in COMMANDS.iter().filter(|s| !s.shortcuts.is_empty()) {
                                ui.label(s.label.trim_end_matches('…'));
                                ui.label(s.shortcut_texts(ui.ctx()).join(", "));
                                ui.end_row();
                            }
                            for (what, how) in [
                                ("Pan", "Drag empty canvas, middle mouse, or Space + drag"),
                                ("Zoom", "Mouse wheel or pinch"),
                                ("Select several", "Shift-click, or Shift + drag a box"),
                                (
                                    "Connect",
                                    "Drag from a step's handle (Alt: information flow)",
                                ),
                                ("Add step", "Double-click empty canvas"),
                                ("Rename", "Double-click a step"),
                            ] {
                                ui.label(what);
                                ui.label(how);
                                ui.end_row();
                            }
                        });
                    ui.add_space(8.0);
                    if ui.button("Close").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        keep = false;
                    }
                });
            }
        }
        if keep {
            self.dialog = Some(dialog);
        }
    }
}

/// The OK button of a message: clicked, or Enter or Esc pressed.
fn ok_pressed(ui: &mut egui::Ui) -> bool {
    ui.button("OK").clicked()
        || ui.input(|i| i.key_pressed(egui::Key::Enter) || i.key_pressed(egui::Key::Escape))
}
