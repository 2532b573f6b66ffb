//! The desktop editor (eframe/egui): menus, canvas, inspector, findings, files and dialogs.
//! The Map in `Document` is the single source of truth; the canvas is a view cache of it and
//! every edit is a `Command` applied after the UI pass. Everything computed without a window
//! (analysis, layout, file format) lives outside this module.

pub mod canvas;
mod challenge;
pub mod chart_panel;
mod command_handling;
pub mod commands;
mod compare_view;
mod dialogs;
pub mod eventlog_import;
mod file_flow;
pub mod files;
mod find;
mod findings_panel;
pub mod icon;
pub mod inspector;
pub mod legend;
mod menus;
pub mod observed;
mod recovery;
mod rename;
mod scorecard;
pub mod shapes;
pub mod theme;
mod worksheet;

use crate::analysis::{Analysis, analyze};
use crate::document::{Command, Document};
use crate::format::{LoadError, load_file};
use crate::model::{Fragment, LaneId, Map, StepId};
use crate::samples;
use canvas::{Canvas, CanvasRequest, Selection};
use commands::UiCommand;
use files::{DialogPurpose, NativeDialog, Prefs, Recovered, Recovery};
use find::Search;
use inspector::InspectorRequest;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Why the window could not be opened.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] Box<LoadError>),
    #[error(transparent)]
    Import(#[from] crate::interop::InteropError),
    #[error("cannot open the window: {0}")]
    Window(String),
}

const PREFS_KEY: &str = "valueflow-prefs";
/// How often the recovery copy is written while there are unsaved changes.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(5);

/// The app id: the Wayland app id / X11 class, matched by `assets/valueflow.desktop`.
pub const APP_ID: &str = "valueflow";

/// Opens the editor on a file, or on the built-in sample when `file` is `None`;
/// `dark_mode` overrides the remembered theme.
pub fn run(file: Option<PathBuf>, dark_mode: Option<bool>) -> Result<(), AppError> {
    // A BPMN or CSV file on the command line is imported as a new, unsaved map.
    // A file that cannot be read still opens the window (started from a file manager,
    // nobody sees a terminal): empty, with the error and the user's choices shown.
    let mut failure = None;
    let (map, file, imported) = match file {
        Some(path) => {
            let opened = if crate::interop::InteropFormat::from_path(&path).is_ok() {
                crate::interop::import_file(&path)
                    .map(|i| (i.map, None, true))
                    .map_err(|e| e.to_string())
            } else {
                load_file(&path)
                    .map(|m| (m, Some(path.clone()), false))
                    .map_err(|e| e.to_string())
            };
            match opened {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    failure = Some((path, e));
                    (Map::untitled(), None, false)
                }
            }
        }
        None => (samples::default_map().map_err(Box::new)?, None, false),
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("valueflow")
        .with_inner_size([1400.0, 860.0])
        .with_min_inner_size([720.0, 420.0])
        .with_app_id(APP_ID)
        .with_drag_and_drop(true);
    if let Some(icon) = icon::window_icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "valueflow",
        options,
        Box::new(move |cc| {
            let mut prefs = cc
                .storage
                .and_then(|s| eframe::get_value::<Prefs>(s, PREFS_KEY))
                .unwrap_or_default();
            if let Some(dark) = dark_mode {
                prefs.dark_mode = dark;
            }
            let storage = eframe::storage_dir("valueflow");
            let recovery = storage.as_ref().map(|d| Recovery::new(d.join("recovery")));
            let doc = if imported {
                Document::new_dirty(map, None)
            } else {
                Document::new(map, file)
            };
            let mut app = EditorApp::with_document(doc, prefs, recovery);
            if let Some(d) = storage {
                app.share_prefs(files::SharedPrefs::new(d.join("settings.json")));
            }
            if let Some((path, message)) = failure {
                app.show_open_failure(&path, message);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| AppError::Window(e.to_string()))
}

/// What happens after the unsaved-changes question is answered with Save or Discard.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    New,
    OpenDialog,
    OpenPath(PathBuf),
    OpenSample(String),
    ImportDialog,
    ImportPath(PathBuf),
    /// Open a derived to-be (unsaved), with the status line saying what was applied.
    OpenToBe(Box<Map>, String, Option<PathBuf>),
    /// Open a map calibrated from the event log at the path (unsaved), with its summary.
    OpenCalibrated(Box<crate::eventlog::Calibration>, PathBuf),
    Close,
}

/// A modal dialog.
#[derive(Debug, Clone)]
pub enum Dialog {
    Unsaved(After),
    Error {
        title: String,
        message: String,
    },
    RemoveLane {
        lane: LaneId,
        target: Option<LaneId>,
    },
    /// Typed path, when no native file dialog can be shown.
    PathPrompt {
        purpose: DialogPurpose,
        text: String,
        error: Option<String>,
    },
    Recover(Box<Recovered>),
    /// The file given at start could not be opened: what went wrong, and what to do next.
    OpenFailed {
        path: PathBuf,
        message: String,
    },
    Help,
    /// A map was calibrated from an event log: what was read and left out, and the lanes
    /// that look like the customer, to mark with one click.
    Calibrated {
        title: String,
        message: String,
        customer_lanes: Vec<LaneId>,
    },
}

/// The editor: the document, its analysis, and view state.
pub struct EditorApp {
    pub doc: Document,
    pub analysis: Analysis,
    analysis_revision: u64,
    analysis_generation: usize,
    pub selection: Selection,
    pub canvas: Canvas,
    pub prefs: Prefs,
    pub dialog: Option<Dialog>,
    clipboard: Option<Fragment>,
    paste_count: usize,
    search: Option<Search>,
    renaming: Option<(StepId, String, bool)>,
    native: Option<NativeDialog>,
    recovery: Option<Recovery>,
    last_autosave: (Instant, u64),
    status: Option<(String, Instant)>,
    deferred: Vec<UiCommand>,
    allow_close: bool,
    /// What to do once a Save-as started from the unsaved-changes question completes.
    pending_after: Option<After>,
    title: String,
    applied_dark_mode: Option<bool>,
    /// Whether to try the platform's file dialogs before the in-app path prompt.
    native_dialogs: bool,
    /// Whether the legend window is open (View → Legend).
    show_legend: bool,
    /// The chart panel, when shown (View → Charts).
    pub charts: Option<chart_panel::ChartPanel>,
    /// Whether the scorecard window is open (Map → Scorecard).
    pub show_scorecard: bool,
    /// Whether a text field had the keyboard at the end of the last frame (an Esc that ends
    /// its edit is then the field's, not the selection's).
    text_focus_last_frame: bool,
    /// The customer view (a service blueprint of the map) with the revision it was made
    /// for, when the canvas shows it instead of the map's lanes.
    pub customer_view: Option<(u64, crate::view::blueprint::Blueprint)>,
    /// Where "Save as" proposes to save a new document (a to-be: beside its as-is).
    suggested_path: Option<PathBuf>,
    /// File → Compare with…: the other map, shown below the open one.
    pub compare: Option<compare_view::CompareView>,
    /// The challenge worksheet, when it is shown instead of the canvas.
    pub worksheet: Option<worksheet::Worksheet>,
    /// File → Import event log…: the open import dialog (and its running calibration).
    pub event_import: Option<eventlog_import::EventLogImport>,
    /// Counts the maps opened in this window (view state such as scroll positions resets).
    opened: u64,
    /// The preferences shared with the user's other windows, and what this window last read
    /// or wrote of them.
    shared_prefs: Option<(files::SharedPrefs, Prefs)>,
}

impl EditorApp {
    /// An editor on a map. `recovery` is where unsaved work is kept (None: nowhere).
    pub fn new(map: Map, path: Option<PathBuf>, prefs: Prefs, recovery: Option<Recovery>) -> Self {
        Self::with_document(Document::new(map, path), prefs, recovery)
    }

    /// An editor on a document (e.g. an imported map, which starts unsaved).
    pub fn with_document(doc: Document, prefs: Prefs, recovery: Option<Recovery>) -> Self {
        let analysis = analyze(doc.map());
        let mut app = Self {
            analysis_revision: doc.revision(),
            doc,
            analysis,
            analysis_generation: 0,
            selection: Selection::default(),
            canvas: Canvas::default(),
            dialog: None,
            clipboard: None,
            paste_count: 0,
            search: None,
            renaming: None,
            native: None,
            last_autosave: (Instant::now(), 0),
            status: None,
            deferred: Vec::new(),
            allow_close: false,
            pending_after: None,
            title: String::new(),
            applied_dark_mode: None,
            native_dialogs: true,
            show_legend: false,
            show_scorecard: false,
            charts: None,
            worksheet: None,
            compare: None,
            suggested_path: None,
            customer_view: None,
            event_import: None,
            text_focus_last_frame: false,
            opened: 0,
            shared_prefs: None,
            recovery,
            prefs,
        };
        app.canvas.show_minimap = app.prefs.show_minimap;
        if let Some(found) = app.recovery.as_mut().and_then(Recovery::find_orphan) {
            app.dialog = Some(Dialog::Recover(Box::new(found)));
        }
        app
    }

    /// How many maps this window has opened (the findings list scrolls back to the top
    /// with each).
    pub fn opened_count(&self) -> u64 {
        self.opened
    }

    /// The window title: map name, file name and an unsaved-changes marker.
    pub fn title(&self) -> String {
        let file = self.doc.path().and_then(|p| p.file_name()).map_or_else(
            || "unsaved".to_owned(),
            |f| f.to_string_lossy().into_owned(),
        );
        let dirty = if self.doc.is_dirty() { " •" } else { "" };
        format!("{} — {file}{dirty} — valueflow", self.doc.map().name)
    }

    fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some((text.into(), Instant::now()));
    }

    /// Runs a command as one undo step; a refused edit is reported, not applied.
    pub fn execute(&mut self, command: Command) {
        if let Err(e) = self.doc.execute(command) {
            self.set_status(format!("Not changed: {e}"));
        }
        self.after_change();
    }

    /// Keeps view state consistent with the document after any change.
    fn after_change(&mut self) {
        let map = self.doc.map();
        self.selection.steps.retain(|id| map.contains_step(id));
        if let Some((a, b, k)) = &self.selection.flow
            && map.find_flow(a, b, *k).is_none()
        {
            self.selection.flow = None;
        }
        if self.analysis_revision != self.doc.revision() {
            self.analysis = analyze(self.doc.map());
            self.analysis_revision = self.doc.revision();
            self.analysis_generation += 1;
        }
    }

    /// The whole window. eframe calls this through `App::ui`; tests call it directly.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.applied_dark_mode != Some(self.prefs.dark_mode) {
            ctx.set_theme(if self.prefs.dark_mode {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.applied_dark_mode = Some(self.prefs.dark_mode);
        }
        let mut requests: Vec<Request> = std::mem::take(&mut self.deferred)
            .into_iter()
            .map(Request::Ui)
            .collect();
        self.poll_native_dialog(&ctx);
        self.handle_window_events(&ctx, &mut requests);

        self.shortcuts(&ctx, &mut requests);

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar_ui(ui, &mut requests));
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui, &mut requests));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        if let Some(panel) = &mut self.charts {
            egui::Panel::bottom("charts")
                .resizable(true)
                .default_size(230.0)
                .size_range(140.0..=600.0)
                .show(ui, |ui| {
                    match panel.ui(ui, self.doc.map(), &self.analysis) {
                        Some(chart_panel::ChartRequest::SelectStep(id)) => {
                            requests.push(Request::Focus(id));
                        }
                        Some(chart_panel::ChartRequest::SelectLane(lane)) => {
                            let map = self.doc.map();
                            let steps = map
                                .steps()
                                .filter(|s| s.lane.as_ref() == Some(&lane))
                                .map(|s| s.id.clone())
                                .collect();
                            self.selection.steps = steps;
                            self.selection.flow = None;
                        }
                        None => {}
                    }
                });
        }
        // The side panels share what the canvas does not need: each may grow to half of
        // the rest, and one that has no room at its minimum width is not shown at all.
        let (show_findings, show_inspector, panel_max) = panel_room(
            ui.available_width(),
            self.prefs.show_findings,
            self.prefs.show_inspector,
        );
        if show_findings {
            egui::Panel::left("findings")
                .resizable(true)
                .default_size(240.0)
                .size_range(MIN_PANEL_WIDTH..=panel_max)
                .show(ui, |ui| {
                    if panel_heading(ui, "Process", "Hide the findings panel (F9)") {
                        requests.push(Request::Ui(UiCommand::ToggleFindings));
                    }
                    let selected = self.selection.steps.first();
                    if let Some(id) = findings_panel::findings_ui(
                        ui,
                        self.doc.map(),
                        &self.analysis,
                        selected,
                        self.opened,
                    ) {
                        requests.push(Request::Focus(id));
                    }
                });
        }
        if show_inspector {
            egui::Panel::right("inspector")
                .resizable(true)
                .default_size(260.0)
                .size_range(MIN_PANEL_WIDTH..=panel_max)
                .show(ui, |ui| {
                    for r in
                        inspector::inspector_ui(ui, self.doc.map(), &self.analysis, &self.selection)
                    {
                        requests.push(Request::Inspector(r));
                    }
                });
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                if let Some(ws) = &mut self.worksheet {
                    egui::Frame::central_panel(ui.style()).show(ui, |ui| {
                        for r in ws.ui(ui, self.doc.map(), &self.analysis, self.doc.revision()) {
                            requests.push(Request::Worksheet(r));
                        }
                    });
                    return;
                }
                // With a compare view open, the open map takes the upper half.
                let full = ui.available_rect_before_wrap();
                let split = self.compare.as_ref().map(|_| full.center().y);
                let upper = match split {
                    Some(y) => egui::Rect::from_min_max(full.min, egui::pos2(full.max.x, y - 2.0)),
                    None => full,
                };
                let mut lower_ui = split.map(|y| {
                    ui.new_child(egui::UiBuilder::new().max_rect(egui::Rect::from_min_max(
                        egui::pos2(full.min.x, y + 2.0),
                        full.max,
                    )))
                });
                let mut upper_ui = ui.new_child(egui::UiBuilder::new().max_rect(upper));
                let ui = &mut upper_ui;
                self.search_ui(ui, &mut requests);
                let mut hits = self.search_hits();
                let revision = self.doc.revision();
                if let Some(c) = &mut self.compare {
                    c.refresh(self.doc.map(), &self.analysis, revision);
                    hits.extend(c.removed());
                }
                match &mut self.customer_view {
                    Some((made_for, bp)) => {
                        if *made_for != revision {
                            *bp = crate::view::blueprint::customer_view(self.doc.map());
                            *made_for = revision;
                        }
                        self.canvas.blueprint_lines = Some((bp.interaction_y, bp.visibility_y));
                        // Another picture of the same revision: its own cache key.
                        self.canvas.sync_dimmed(
                            &bp.map,
                            &self.analysis,
                            revision | 1 << 63,
                            self.analysis_generation,
                            &bp.backstage,
                        );
                    }
                    None => {
                        self.canvas.blueprint_lines = None;
                        self.canvas.sync(
                            self.doc.map(),
                            &self.analysis,
                            revision,
                            self.analysis_generation,
                        );
                    }
                }
                let keyboard_free = self.dialog.is_none()
                    && self.event_import.is_none()
                    && !ctx.egui_wants_keyboard_input();
                let command_state = self.command_state();
                for r in self.canvas.ui(
                    ui,
                    &mut self.selection,
                    &hits,
                    keyboard_free,
                    &self.analysis,
                    command_state,
                ) {
                    requests.push(Request::Canvas(r));
                }
                self.rename_ui(ui, &mut requests);
                // A hidden side panel comes back from a small button at the canvas' edge.
                let r = self.canvas.rect;
                let size = egui::vec2(22.0, 22.0);
                if !show_findings {
                    let at = egui::Rect::from_min_size(r.left_top() + egui::vec2(4.0, 4.0), size);
                    if ui
                        .put(at, egui::Button::new("»").small())
                        .on_hover_text("Show the findings panel (F9)")
                        .clicked()
                    {
                        requests.push(Request::Ui(UiCommand::ToggleFindings));
                    }
                }
                if !show_inspector {
                    let at = egui::Rect::from_min_size(
                        r.right_top() + egui::vec2(-4.0 - size.x, 4.0),
                        size,
                    );
                    if ui
                        .put(at, egui::Button::new("«").small())
                        .on_hover_text("Show the inspector (F10)")
                        .clicked()
                    {
                        requests.push(Request::Ui(UiCommand::ToggleInspector));
                    }
                }
                if let (Some(lower), Some(c)) = (&mut lower_ui, &mut self.compare) {
                    lower.separator();
                    if !c.ui(lower, &mut self.canvas, &mut self.selection) {
                        self.compare = None;
                    }
                }
            });
        self.dialog_ui(&ctx, &mut requests);
        if let Some(import) = &mut self.event_import {
            match import.ui(&ctx) {
                eventlog_import::ImportOutcome::Open => {}
                eventlog_import::ImportOutcome::Closed => self.event_import = None,
                eventlog_import::ImportOutcome::Done(c) => {
                    let log = import.path.clone();
                    self.event_import = None;
                    requests.push(Request::Open(After::OpenCalibrated(c, log)));
                }
            }
        }
        if self.show_legend {
            legend::legend_window(&ctx, &mut self.show_legend);
        }
        if self.show_scorecard {
            for r in scorecard::scorecard_window(&ctx, &mut self.show_scorecard, self.doc.map()) {
                requests.push(Request::Inspector(r));
            }
        }

        for r in requests {
            self.handle(r, &ctx);
        }
        self.after_change();
        self.update_title(&ctx);
        self.autosave(&ctx);
        self.text_focus_last_frame = ctx.egui_wants_keyboard_input();
    }
}

/// The canvas keeps at least this width, whatever the side panels ask for.
pub const MIN_CANVAS_WIDTH: f32 = 360.0;
/// The narrowest a side panel can be made.
pub const MIN_PANEL_WIDTH: f32 = 200.0;

/// Which side panels fit beside a canvas of at least `MIN_CANVAS_WIDTH` in a window
/// `width` wide, and the widest each may be: the findings panel gives way first.
fn panel_room(width: f32, findings: bool, inspector: bool) -> (bool, bool, f32) {
    let spare = width - MIN_CANVAS_WIDTH;
    let (mut findings, inspector) = (findings, inspector && spare >= MIN_PANEL_WIDTH);
    if findings && spare < MIN_PANEL_WIDTH * (1 + usize::from(inspector)) as f32 {
        findings = false;
    }
    let shown = usize::from(findings) + usize::from(inspector);
    let max = if shown == 0 {
        MIN_PANEL_WIDTH
    } else {
        (spare / shown as f32).max(MIN_PANEL_WIDTH)
    };
    (findings, inspector, max)
}

/// A panel's heading with a button at the right that hides the panel; returns whether it
/// was clicked.
fn panel_heading(ui: &mut egui::Ui, title: &str, hide: &str) -> bool {
    ui.horizontal(|ui| {
        ui.heading(title);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.small_button("«").on_hover_text(hide).clicked()
        })
        .inner
    })
    .inner
}

/// Everything the UI pass asks for, applied after it.
#[derive(Debug, Clone)]
enum Request {
    Ui(UiCommand),
    Open(After),
    Execute(Command),
    Focus(StepId),
    Canvas(CanvasRequest),
    Inspector(InspectorRequest),
    Worksheet(worksheet::WorksheetRequest),
    SaveThen(After),
    Discard(After),
    PathChosen(DialogPurpose, PathBuf),
    Restore(Box<Recovered>),
    DiscardRecovery,
}

impl eframe::App for EditorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.save_shared_prefs();
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }
}
