//! The file life cycle: open, import, save, export, the unsaved-changes question, native
//! file dialogs (with the in-app path prompt as fallback), dropped files, closing the window,
//! the window title and the recovery autosave.

use super::files::{self, DialogOutcome, DialogPurpose, NativeDialog};
use super::{AUTOSAVE_EVERY, After, Dialog, EditorApp, Request};
use crate::document::Document;
use crate::format::{load_file, save_file};
use crate::model::Map;
use crate::samples;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A file name for the report of the map.
fn report_file_name(map: &Map) -> String {
    let name = files::suggested_file_name(map);
    format!(
        "{}-report.html",
        name.trim_end_matches(crate::format::FILE_EXTENSION)
    )
}

/// A file name for a picture of the map.
fn picture_file_name(map: &Map) -> String {
    let name = files::suggested_file_name(map);
    format!(
        "{}.svg",
        name.trim_end_matches(crate::format::FILE_EXTENSION)
    )
}

/// A file name for exporting a map as BPMN.
fn export_file_name(map: &Map) -> String {
    let name = files::suggested_file_name(map);
    format!(
        "{}.bpmn",
        name.trim_end_matches(crate::format::FILE_EXTENSION)
    )
}

impl EditorApp {
    /// Replaces the document (after the unsaved-changes question was settled).
    pub(super) fn replace_document(&mut self, doc: Document) {
        // Whatever is cached by revision (the analysis, the canvas, the worksheet rows, the
        // customer view, the comparison) is made again by itself: a new document's
        // revisions are its own. View state of the old map goes: the worksheet's filters
        // and sort, the selection, a rename, the find bar.
        self.doc = doc;
        self.suggested_path = None;
        if self.worksheet.is_some() {
            self.worksheet = Some(Default::default());
        }
        self.selection.clear();
        self.renaming = None;
        self.search = None;
        self.opened += 1;
        self.after_change();
        self.canvas.request_opening_view();
    }

    /// Puts a file at the top of the recent list, merged with the other windows' list when
    /// the preferences are shared.
    pub(super) fn remember_file(&mut self, path: &Path) {
        self.prefs.remember(path);
        if let Some((shared, _)) = &self.shared_prefs
            && let Ok(merged) = shared.remember(path, &self.prefs)
        {
            self.prefs.recent = merged.recent;
        }
    }

    /// Uses preferences shared with the user's other windows (the app does; tests may):
    /// read now (when stored), merged into on every open and save of a file and whenever
    /// eframe saves the app's state.
    pub fn share_prefs(&mut self, shared: files::SharedPrefs) {
        if let Some(stored) = shared.read() {
            self.prefs = stored;
            self.canvas.show_minimap = self.prefs.show_minimap;
        }
        self.shared_prefs = Some((shared, self.prefs.clone()));
    }

    /// Stores the settings this window changed (see `files::SharedPrefs::save_changes`).
    pub(super) fn save_shared_prefs(&mut self) {
        if let Some((shared, baseline)) = &mut self.shared_prefs
            && let Ok(merged) = shared.save_changes(baseline, &self.prefs)
        {
            self.prefs.recent = merged.recent;
            *baseline = self.prefs.clone();
        }
    }

    /// Shows that the file given at start could not be opened (the window then holds an
    /// empty map), with the choices: open another file, or start with the empty map.
    pub fn show_open_failure(&mut self, path: &Path, message: String) {
        self.dialog = Some(Dialog::OpenFailed {
            path: path.to_owned(),
            message,
        });
    }

    /// Opens a file; on error the current map stays and the error is shown.
    pub fn open_path(&mut self, path: &Path) {
        match load_file(path) {
            Ok(map) => {
                self.replace_document(Document::new(map, Some(path.to_owned())));
                self.remember_file(path);
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                self.set_status(format!("Opened {}", path.display()));
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot open the map".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Imports a BPMN 2.0 or CSV file as a new, unsaved map; on error the current map stays.
    pub fn import_path(&mut self, path: &Path) {
        match crate::interop::import_file(path) {
            Ok(imported) => {
                self.replace_document(Document::new_dirty(imported.map, None));
                let notes = imported.notes.len();
                self.set_status(format!(
                    "Imported {}; save it as a map to keep it",
                    path.display()
                ));
                if notes > 0 {
                    // The notes in full, one per line, in a dialog (a status line would cut
                    // them off at the window's edge).
                    self.dialog = Some(Dialog::Error {
                        title: format!(
                            "Imported with {}",
                            crate::text::count(notes, "note", "notes")
                        ),
                        message: imported
                            .notes
                            .iter()
                            .map(|n| format!("• {n}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    });
                }
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot import the file".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Opens the import dialog of the event log at `path` (a CSV log previewed with its
    /// columns detected); an unreadable file is an error dialog.
    pub fn open_event_log(&mut self, path: &Path) {
        match super::eventlog_import::EventLogImport::open(path) {
            Ok(d) => self.event_import = Some(d),
            Err(message) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot read the event log".into(),
                    message,
                });
            }
        }
    }

    /// Opens a calibrated map as a new, unsaved document (proposed to be saved as
    /// LOG.vfmap.json beside the log) and shows what the calibration read and left out.
    pub(super) fn open_calibrated(&mut self, c: crate::eventlog::Calibration, log: &Path) {
        let stem = crate::eventlog::log_stem(log);
        let path = log.with_file_name(format!("{stem}{}", crate::format::FILE_EXTENSION));
        let lead = crate::analysis::analyze(&c.map).metrics.lead_time_mins;
        let mut lines: Vec<String> = crate::eventlog::summary_text(&c, lead)
            .lines()
            .map(|l| l.trim().to_owned())
            .collect();
        lines.extend(
            c.warnings
                .iter()
                .map(|w| format!("⚠ {}", crate::text::escape_control(w))),
        );
        let summary = lines.join("\n");
        let file = log.file_name().map_or_else(
            || log.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.replace_document(Document::new_dirty(c.map, None));
        self.suggested_path = Some(path);
        self.set_status(format!("Calibrated from {file}; save it to keep it"));
        let customer_lanes = crate::eventlog::suggested_customer_lanes(self.doc.map());
        self.dialog = Some(Dialog::Calibrated {
            title: format!("Calibrated from {file}"),
            message: summary,
            customer_lanes,
        });
    }

    /// Derives the to-be from the dispositions (map-format-v2.md) and opens it as a new,
    /// unsaved map, after the unsaved-changes question for the as-is. Nothing changes when
    /// the derivation fails: the error says which step and what to change.
    pub fn create_to_be(&mut self, ctx: &egui::Context) {
        let file = self
            .doc
            .path()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        // Saved beside the as-is as NAME-to-be.vfmap.json.
        let to_be_path = self.doc.path().map(|p| {
            let stem = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = stem
                .strip_suffix(crate::format::FILE_EXTENSION)
                .unwrap_or(&stem)
                .to_owned();
            p.with_file_name(format!("{stem}-to-be{}", crate::format::FILE_EXTENSION))
        });
        match crate::redesign::derive(self.doc.map(), file.as_deref()) {
            Ok(d) => {
                let mut summary = format!(
                    "Created the to-be from {}",
                    crate::text::count(d.applied.len(), "disposition", "dispositions")
                );
                if !d.dropped_information_flows.is_empty() {
                    summary.push_str(&format!(
                        " ({} of removed steps dropped)",
                        crate::text::count(
                            d.dropped_information_flows.len(),
                            "information flow",
                            "information flows"
                        )
                    ));
                }
                summary.push_str("; save it to keep it");
                self.guard(After::OpenToBe(Box::new(d.map), summary, to_be_path), ctx);
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot create the to-be".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Writes a picture (SVG or PNG, by the name) of what the canvas shows: the selected
    /// steps if any are selected, else the whole map; the customer view when it is on; in
    /// the editor's theme.
    pub fn export_picture_to(&mut self, path: &Path) {
        let Some(kind) = crate::deliver::picture_kind(path) else {
            self.dialog = Some(Dialog::Error {
                title: "Cannot export the picture".into(),
                message: format!(
                    "{}: a picture is an .svg or a .png file; choose a name ending in one",
                    path.display()
                ),
            });
            return;
        };
        let options = crate::deliver::PictureOptions {
            dark: self.prefs.dark_mode,
            only: (!self.selection.steps.is_empty())
                .then(|| self.selection.steps.iter().cloned().collect()),
            customer_view: self.customer_view.is_some(),
        };
        match crate::deliver::export_picture(self.doc.map(), path, kind, 2.0, &options) {
            Ok(()) => self.set_status(format!("Exported {}", path.display())),
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot export the picture".into(),
                    message: e,
                });
            }
        }
    }

    /// Writes the client report (HTML, or Markdown with its pictures beside it), with the
    /// comparison when a compare view is open.
    pub fn export_report_to(&mut self, path: &Path) {
        let to_be = self.compare.as_ref().map(|c| &c.map);
        match crate::deliver::write_report(self.doc.map(), to_be, path) {
            Ok(()) => self.set_status(format!("Wrote the report {}", path.display())),
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot write the report".into(),
                    message: e,
                });
            }
        }
    }

    /// Opens the compare view with another map file; errors are shown.
    pub fn compare_with(&mut self, path: &Path) {
        match super::compare_view::CompareView::open(path) {
            Ok(c) => {
                self.compare = Some(c);
                self.worksheet = None;
                // Both halves start fitted (the views move together).
                self.canvas.request_fit();
                self.set_status(format!("Comparing with {}", path.display()));
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot compare with that file".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Exports the map as BPMN 2.0 or CSV (by the file name); errors are shown.
    pub fn export_to(&mut self, path: &Path) {
        match crate::interop::export_file(self.doc.map(), path) {
            Ok(()) => self.set_status(format!("Exported {}", path.display())),
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot export the map".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Saves to a path; returns whether it worked (errors are shown).
    pub fn save_to(&mut self, path: &Path) -> bool {
        let path = files::with_extension(path.to_owned());
        match save_file(self.doc.map(), &path) {
            Ok(()) => {
                self.doc.mark_saved(path.clone());
                self.remember_file(&path);
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                self.set_status(format!("Saved {}", path.display()));
                true
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot save the map".into(),
                    message: e.to_string(),
                });
                false
            }
        }
    }

    /// Starts a native file dialog, or the in-app path prompt where there is none.
    pub(super) fn ask_path(&mut self, purpose: DialogPurpose, ctx: &egui::Context) {
        let suggested = self
            .suggested_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let name = match (purpose, suggested) {
            (DialogPurpose::Export, _) => export_file_name(self.doc.map()),
            (DialogPurpose::ExportPicture, _) => picture_file_name(self.doc.map()),
            (DialogPurpose::ExportReport, _) => report_file_name(self.doc.map()),
            (DialogPurpose::SaveAs, Some(name)) => name,
            _ => files::suggested_file_name(self.doc.map()),
        };
        let native = self
            .native_dialogs
            .then(|| NativeDialog::spawn(purpose, &name, ctx))
            .flatten();
        match native {
            Some(d) => self.native = Some(d),
            None => self.prompt_path(purpose),
        }
    }

    /// Always use the in-app path prompt instead of the platform's file dialogs (tests,
    /// or desktops whose dialog service misbehaves).
    pub fn without_native_dialogs(mut self) -> Self {
        self.native_dialogs = false;
        self
    }

    pub(super) fn prompt_path(&mut self, purpose: DialogPurpose) {
        let text = match (purpose, self.doc.path()) {
            (DialogPurpose::Export, _) => std::env::current_dir()
                .map(|d| {
                    d.join(export_file_name(self.doc.map()))
                        .display()
                        .to_string()
                })
                .unwrap_or_default(),
            (DialogPurpose::ExportPicture | DialogPurpose::ExportReport, _) => {
                let name = if purpose == DialogPurpose::ExportPicture {
                    picture_file_name(self.doc.map())
                } else {
                    report_file_name(self.doc.map())
                };
                self.doc
                    .path()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .or_else(|| std::env::current_dir().ok())
                    .map(|d| d.join(name).display().to_string())
                    .unwrap_or_default()
            }
            (DialogPurpose::SaveAs, Some(p)) => p.display().to_string(),
            (DialogPurpose::SaveAs, None) if self.suggested_path.is_some() => self
                .suggested_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            (DialogPurpose::SaveAs, None) => std::env::current_dir()
                .map(|d| {
                    d.join(files::suggested_file_name(self.doc.map()))
                        .display()
                        .to_string()
                })
                .unwrap_or_default(),
            (
                DialogPurpose::Open
                | DialogPurpose::Import
                | DialogPurpose::Compare
                | DialogPurpose::ImportEventLog,
                _,
            ) => self
                .prefs
                .recent
                .first()
                .and_then(|p| p.parent())
                .map(|d| format!("{}/", d.display()))
                .unwrap_or_default(),
        };
        self.dialog = Some(Dialog::PathPrompt {
            purpose,
            text,
            error: None,
        });
    }

    pub(super) fn path_chosen(
        &mut self,
        purpose: DialogPurpose,
        path: PathBuf,
        ctx: &egui::Context,
    ) {
        match purpose {
            DialogPurpose::Open => self.open_path(&path),
            DialogPurpose::Import => self.import_path(&path),
            DialogPurpose::Export => self.export_to(&path),
            DialogPurpose::Compare => self.compare_with(&path),
            DialogPurpose::ExportPicture => self.export_picture_to(&path),
            DialogPurpose::ExportReport => self.export_report_to(&path),
            DialogPurpose::ImportEventLog => self.open_event_log(&path),
            DialogPurpose::SaveAs => {
                if self.save_to(&path)
                    && let Some(after) = self.pending_after.take()
                {
                    self.continue_after(after, ctx);
                }
            }
        }
    }

    /// Does what was waiting for the unsaved-changes question.
    pub(super) fn continue_after(&mut self, after: After, ctx: &egui::Context) {
        match after {
            After::New => {
                self.replace_document(Document::new(Map::untitled(), None));
                if let Some(r) = &self.recovery {
                    r.clear();
                }
            }
            After::OpenDialog => self.ask_path(DialogPurpose::Open, ctx),
            After::ImportDialog => self.ask_path(DialogPurpose::Import, ctx),
            After::ImportPath(p) => self.import_path(&p),
            After::OpenCalibrated(c, log) => self.open_calibrated(*c, &log),
            After::OpenPath(p) => self.open_path(&p),
            After::OpenSample(name) => match samples::load(&name) {
                Some(Ok(map)) => self.replace_document(Document::new(map, None)),
                Some(Err(e)) => {
                    self.dialog = Some(Dialog::Error {
                        title: "Cannot open the sample".into(),
                        message: e.to_string(),
                    });
                }
                None => {}
            },
            After::OpenToBe(map, summary, path) => {
                self.replace_document(Document::new_dirty(*map, None));
                self.suggested_path = path;
                self.set_status(summary);
            }
            After::Close => {
                if let Some(r) = &self.recovery {
                    r.clear();
                }
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Asks about unsaved changes first, if there are any.
    pub(super) fn guard(&mut self, after: After, ctx: &egui::Context) {
        if self.doc.is_dirty() {
            self.dialog = Some(Dialog::Unsaved(after));
        } else {
            self.continue_after(after, ctx);
        }
    }

    pub(super) fn poll_native_dialog(&mut self, ctx: &egui::Context) {
        let Some(d) = &self.native else { return };
        let purpose = d.purpose;
        match d.poll() {
            DialogOutcome::Pending => {
                ctx.request_repaint_after(Duration::from_millis(100));
                return;
            }
            DialogOutcome::Chosen(p) => self.path_chosen(purpose, p, ctx),
            DialogOutcome::Cancelled => self.pending_after = None,
            DialogOutcome::Unavailable => self.prompt_path(purpose),
        }
        self.native = None;
    }

    pub(super) fn handle_window_events(&mut self, ctx: &egui::Context, out: &mut Vec<Request>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            // An event log (XES, or a CSV with case and activity columns) opens the import
            // dialog; a BPMN file or a CSV step table is imported; anything else opened.
            if super::eventlog_import::looks_like_event_log(&p) {
                self.open_event_log(&p);
                return;
            }
            let import = crate::interop::InteropFormat::from_path(&p).is_ok();
            out.push(Request::Open(if import {
                After::ImportPath(p)
            } else {
                After::OpenPath(p)
            }));
        }
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.doc.is_dirty()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.dialog = Some(Dialog::Unsaved(After::Close));
        }
    }

    pub(super) fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Writes the recovery copy every few seconds while there are unsaved changes.
    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
        let Some(recovery) = &self.recovery else {
            return;
        };
        if !self.doc.is_dirty() || self.last_autosave.1 == self.doc.revision() {
            return;
        }
        let since = self.last_autosave.0.elapsed();
        if since < AUTOSAVE_EVERY {
            ctx.request_repaint_after(AUTOSAVE_EVERY - since);
            return;
        }
        if let Err(e) = recovery.write(self.doc.map(), self.doc.path()) {
            self.set_status(format!("Could not write the recovery copy: {e}"));
        }
        self.last_autosave = (Instant::now(), self.doc.revision());
    }
}
