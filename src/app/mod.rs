//! The desktop editor (eframe/egui): menus, canvas, inspector, findings, files and dialogs.
//! The Map in `Document` is the single source of truth; the canvas is a view cache of it and
//! every edit is a `Command` applied after the UI pass. Everything computed without a window
//! (analysis, layout, file format) lives outside this module.

pub mod canvas;
pub mod commands;
mod dialogs;
pub mod document;
pub mod files;
mod findings_panel;
pub mod icon;
pub mod inspector;
pub mod shapes;
pub mod theme;

use crate::analysis::{Analysis, analyze};
use crate::format::{LoadError, load_file, save_file};
use crate::layout;
use crate::model::{
    Flow, FlowKind, Lane, LaneId, Map, Step, StepField, StepId, StepKind, Touchpoint,
};
use crate::samples;
use canvas::{Canvas, CanvasRequest, Selection};
use commands::{COMMANDS, MenuName, UiCommand};
use document::{Command, Document};
use files::{DialogOutcome, DialogPurpose, NativeDialog, Prefs, Recovered, Recovery};
use inspector::InspectorRequest;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
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
    let (map, file, imported) = match file {
        Some(path) if crate::interop::InteropFormat::from_path(&path).is_ok() => {
            (crate::interop::import_file(&path)?.map, None, true)
        }
        Some(path) => (load_file(&path).map_err(Box::new)?, Some(path), false),
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
            let recovery =
                eframe::storage_dir("valueflow").map(|d| Recovery::new(d.join("recovery")));
            let mut app = EditorApp::new(map, file, prefs, recovery);
            if imported {
                let map = std::mem::take(&mut app.doc.map);
                app.doc = Document::new_dirty(map, None);
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
    Help,
}

/// Steps and flows copied together.
#[derive(Debug, Clone)]
struct Clip {
    steps: Vec<Step>,
    flows: Vec<(StepId, StepId, Flow)>,
}

#[derive(Debug, Clone, Default)]
struct Search {
    query: String,
    /// The match shown last (an index into the matches of `query`).
    shown: Option<usize>,
    focus: bool,
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
    clipboard: Option<Clip>,
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
}

impl EditorApp {
    /// An editor on a map. `recovery` is where unsaved work is kept (None: nowhere).
    pub fn new(map: Map, path: Option<PathBuf>, prefs: Prefs, recovery: Option<Recovery>) -> Self {
        let mut doc = Document::new(map, path);
        arrange_if_unplaced(&mut doc);
        let analysis = analyze(&doc.map);
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
            recovery,
            prefs,
        };
        app.canvas.show_minimap = app.prefs.show_minimap;
        if let Some(found) = app.recovery.as_ref().and_then(Recovery::read) {
            app.dialog = Some(Dialog::Recover(Box::new(found)));
        }
        app
    }

    /// The window title: map name, file name and an unsaved-changes marker.
    pub fn title(&self) -> String {
        let file = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or_else(
                || "unsaved".to_owned(),
                |f| f.to_string_lossy().into_owned(),
            );
        let dirty = if self.doc.is_dirty() { " •" } else { "" };
        format!("{} — {file}{dirty} — valueflow", self.doc.map.name)
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
        let map = &self.doc.map;
        self.selection.steps.retain(|id| map.contains_step(id));
        if let Some((a, b, k)) = &self.selection.flow
            && map.find_flow(a, b, *k).is_none()
        {
            self.selection.flow = None;
        }
        if self.analysis_revision != self.doc.revision() {
            self.analysis = analyze(&self.doc.map);
            self.analysis_revision = self.doc.revision();
            self.analysis_generation += 1;
        }
    }

    /// Replaces the document (after the unsaved-changes question was settled).
    fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        arrange_if_unplaced(&mut self.doc);
        self.selection.clear();
        self.renaming = None;
        self.search = None;
        self.analysis_revision = u64::MAX;
        self.after_change();
        self.canvas.request_opening_view();
    }

    /// Opens a file; on error the current map stays and the error is shown.
    pub fn open_path(&mut self, path: &Path) {
        match load_file(path) {
            Ok(map) => {
                self.replace_document(Document::new(map, Some(path.to_owned())));
                self.prefs.remember(path);
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
                self.set_status(if notes == 0 {
                    format!("Imported {}; save it as a map to keep it", path.display())
                } else {
                    format!(
                        "Imported {} with {notes} note(s): {}",
                        path.display(),
                        imported.notes.join(" · ")
                    )
                });
            }
            Err(e) => {
                self.dialog = Some(Dialog::Error {
                    title: "Cannot import the file".into(),
                    message: e.to_string(),
                });
            }
        }
    }

    /// Exports the map as BPMN 2.0 or CSV (by the file name); errors are shown.
    pub fn export_to(&mut self, path: &Path) {
        match crate::interop::export_file(&self.doc.map, path) {
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
        match save_file(&self.doc.map, &path) {
            Ok(()) => {
                self.doc.mark_saved(path.clone());
                self.prefs.remember(&path);
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
    fn ask_path(&mut self, purpose: DialogPurpose, ctx: &egui::Context) {
        let name = if purpose == DialogPurpose::Export {
            export_file_name(&self.doc.map)
        } else {
            files::suggested_file_name(&self.doc.map)
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

    fn prompt_path(&mut self, purpose: DialogPurpose) {
        let text = match (purpose, &self.doc.path) {
            (DialogPurpose::Export, _) => std::env::current_dir()
                .map(|d| {
                    d.join(export_file_name(&self.doc.map))
                        .display()
                        .to_string()
                })
                .unwrap_or_default(),
            (DialogPurpose::SaveAs, Some(p)) => p.display().to_string(),
            (DialogPurpose::SaveAs, None) => std::env::current_dir()
                .map(|d| {
                    d.join(files::suggested_file_name(&self.doc.map))
                        .display()
                        .to_string()
                })
                .unwrap_or_default(),
            (DialogPurpose::Open | DialogPurpose::Import, _) => self
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

    fn path_chosen(&mut self, purpose: DialogPurpose, path: PathBuf, ctx: &egui::Context) {
        match purpose {
            DialogPurpose::Open => self.open_path(&path),
            DialogPurpose::Import => self.import_path(&path),
            DialogPurpose::Export => self.export_to(&path),
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
    fn continue_after(&mut self, after: After, ctx: &egui::Context) {
        match after {
            After::New => {
                let mut map = Map::new("Untitled map");
                let _ = map.add_lane(Lane {
                    id: "lane-1".into(),
                    name: "Lane 1".into(),
                });
                self.replace_document(Document::new(map, None));
                if let Some(r) = &self.recovery {
                    r.clear();
                }
            }
            After::OpenDialog => self.ask_path(DialogPurpose::Open, ctx),
            After::ImportDialog => self.ask_path(DialogPurpose::Import, ctx),
            After::ImportPath(p) => self.import_path(&p),
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
    fn guard(&mut self, after: After, ctx: &egui::Context) {
        if self.doc.is_dirty() {
            self.dialog = Some(Dialog::Unsaved(after));
        } else {
            self.continue_after(after, ctx);
        }
    }

    /// A new step at a canvas position, in the lane under it, ready to be named.
    pub fn add_step_at(&mut self, at: [f32; 2]) -> StepId {
        let id = self.doc.map.fresh_step_id("step");
        let mut step = Step::new(id.clone(), "New step", StepKind::Activity);
        step.lane = self
            .canvas
            .lane_at(at[1])
            .or_else(|| self.doc.map.lanes().first().map(|l| l.id.clone()));
        step.pos = Some(at);
        self.execute(Command::AddStep(step));
        if self.doc.map.contains_step(&id) {
            self.selection.only(id.clone());
            self.start_rename(&id);
        }
        id
    }

    /// Opens the in-place name editor on a step, its current name selected.
    fn start_rename(&mut self, id: &StepId) {
        if let Some(step) = self.doc.map.step(id) {
            self.renaming = Some((id.clone(), step.name.clone(), true));
        }
    }

    /// Where a new step goes without a click: right of the selection, else the view centre.
    fn new_step_position(&self, pointer: Option<egui::Pos2>) -> [f32; 2] {
        if let Some(p) = pointer.filter(|p| self.canvas.rect.contains(*p)) {
            let c = self.canvas.screen_to_canvas(p);
            return [c.x, c.y];
        }
        if let Some(c) = self
            .selection
            .steps
            .last()
            .and_then(|id| self.canvas.step_centre(id))
        {
            return [c.x + layout::LAYER_WIDTH, c.y];
        }
        let c = self.canvas.screen_to_canvas(self.canvas.rect.center());
        [c.x, c.y]
    }

    fn copy_selection(&self) -> Option<Clip> {
        if self.selection.steps.is_empty() {
            return None;
        }
        let ids: HashSet<&StepId> = self.selection.steps.iter().collect();
        let steps: Vec<Step> = self
            .doc
            .map
            .steps()
            .filter(|s| ids.contains(&s.id))
            .cloned()
            .collect();
        let flows = self
            .doc
            .map
            .flows()
            .filter(|f| ids.contains(f.from) && ids.contains(f.to))
            .map(|f| (f.from.clone(), f.to.clone(), f.flow.clone()))
            .collect();
        Some(Clip { steps, flows })
    }

    /// Pastes a clip with fresh ids, offset so it does not hide the original.
    fn paste(&mut self, clip: &Clip) {
        self.paste_count += 1;
        let offset = 30.0 * self.paste_count as f32;
        let mut taken: HashSet<StepId> = self.doc.map.steps().map(|s| s.id.clone()).collect();
        let mut renamed = std::collections::HashMap::new();
        let mut steps = Vec::new();
        for s in &clip.steps {
            let stem =
                s.id.as_str()
                    .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
            let stem = if stem.is_empty() { "step" } else { stem };
            let id = (1..)
                .map(|n| StepId::new(format!("{stem}-{n}")))
                .find(|id| !taken.contains(id))
                .unwrap_or_else(|| StepId::new(stem));
            taken.insert(id.clone());
            renamed.insert(s.id.clone(), id.clone());
            let mut step = s.clone();
            step.id = id;
            step.pos = s.pos.map(|[x, y]| [x + offset, y + offset]);
            if step
                .lane
                .as_ref()
                .is_none_or(|l| self.doc.map.lane(l).is_none())
            {
                step.lane = self.doc.map.lanes().first().map(|l| l.id.clone());
            }
            steps.push(step);
        }
        let mut flows: Vec<(StepId, StepId, Flow)> = clip
            .flows
            .iter()
            .filter_map(|(a, b, f)| {
                Some((renamed.get(a)?.clone(), renamed.get(b)?.clone(), f.clone()))
            })
            .collect();
        // A decision copied without all its branches: let the copied ones share equally.
        let decisions: HashSet<StepId> = steps
            .iter()
            .filter(|s| s.kind == StepKind::Decision)
            .map(|s| s.id.clone())
            .collect();
        for d in &decisions {
            let sum: f64 = flows
                .iter()
                .filter(|(a, _, f)| a == d && f.kind == FlowKind::Work)
                .filter_map(|(_, _, f)| f.probability)
                .sum();
            let all_explicit = flows
                .iter()
                .filter(|(a, _, f)| a == d && f.kind == FlowKind::Work)
                .all(|(_, _, f)| f.probability.is_some());
            if all_explicit && (sum - 1.0).abs() > crate::model::PROBABILITY_TOLERANCE {
                for (a, _, f) in flows.iter_mut() {
                    if a == d {
                        f.probability = None;
                    }
                }
            }
        }
        let new_ids: Vec<StepId> = steps.iter().map(|s| s.id.clone()).collect();
        self.execute(Command::Paste(steps, flows));
        self.selection.clear();
        self.selection.steps = new_ids
            .into_iter()
            .filter(|id| self.doc.map.contains_step(id))
            .collect();
    }

    /// Runs a UI command (from a menu, a key or a button).
    pub fn run_command(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::New => self.guard(After::New, ctx),
            UiCommand::Open => self.guard(After::OpenDialog, ctx),
            UiCommand::Save => match self.doc.path.clone() {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.ask_path(DialogPurpose::SaveAs, ctx),
            },
            UiCommand::SaveAs => self.ask_path(DialogPurpose::SaveAs, ctx),
            UiCommand::Import => self.guard(After::ImportDialog, ctx),
            UiCommand::Export => self.ask_path(DialogPurpose::Export, ctx),
            UiCommand::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            UiCommand::Undo => {
                if self.doc.undo() {
                    self.after_change();
                }
            }
            UiCommand::Redo => {
                if self.doc.redo() {
                    self.after_change();
                }
            }
            UiCommand::Copy => {
                if let Some(clip) = self.copy_selection() {
                    self.set_status(format!("Copied {} step(s)", clip.steps.len()));
                    self.clipboard = Some(clip);
                    self.paste_count = 0;
                }
            }
            UiCommand::Paste => {
                if let Some(clip) = self.clipboard.clone() {
                    self.paste(&clip);
                }
            }
            UiCommand::Duplicate => {
                if let Some(clip) = self.copy_selection() {
                    self.paste_count = 0;
                    self.paste(&clip);
                }
            }
            UiCommand::Delete => {
                if let Some((a, b, k)) = self.selection.flow.clone() {
                    self.execute(Command::Disconnect(a, b, k));
                } else if !self.selection.steps.is_empty() {
                    self.execute(Command::DeleteSteps(self.selection.steps.clone()));
                }
            }
            UiCommand::SelectAll => {
                self.selection.flow = None;
                self.selection.steps = self.doc.map.steps().map(|s| s.id.clone()).collect();
            }
            UiCommand::Find => {
                let search = self.search.get_or_insert_with(Search::default);
                search.focus = true;
            }
            UiCommand::Rename => {
                if let Some(id) = self.selection.steps.first().cloned() {
                    self.start_rename(&id);
                }
            }
            UiCommand::AddStep => {
                let pointer = ctx.input(|i| i.pointer.hover_pos());
                let at = self.new_step_position(pointer);
                self.add_step_at(at);
            }
            UiCommand::ConnectWork | UiCommand::ConnectInformation => {
                let kind = if command == UiCommand::ConnectWork {
                    FlowKind::Work
                } else {
                    FlowKind::Information
                };
                let chain: Vec<Command> = self
                    .selection
                    .steps
                    .windows(2)
                    .map(|w| {
                        Command::Connect(
                            w[0].clone(),
                            w[1].clone(),
                            Flow {
                                kind,
                                ..Flow::default()
                            },
                        )
                    })
                    .collect();
                if chain.is_empty() {
                    self.set_status(
                        "Select two steps (shift-click), in flow order, to connect them",
                    );
                } else {
                    self.execute(Command::Batch("connect", chain));
                }
            }
            UiCommand::ToggleCustomerFacing => {
                let any_internal = self
                    .selection
                    .steps
                    .iter()
                    .filter_map(|id| self.doc.map.step(id))
                    .any(|s| s.touchpoint == Touchpoint::Internal);
                let t = if any_internal {
                    Touchpoint::Customer
                } else {
                    Touchpoint::Internal
                };
                let fields = self
                    .selection
                    .steps
                    .iter()
                    .map(|id| (id.clone(), StepField::Touchpoint(t)))
                    .collect::<Vec<_>>();
                if !fields.is_empty() {
                    self.execute(Command::SetStepFields(fields));
                }
            }
            UiCommand::AutoArrange => {
                self.execute(Command::Arrange);
                self.canvas.request_fit();
            }
            UiCommand::AddLane => {
                let id = self.doc.map.fresh_lane_id();
                let name = format!("Lane {}", self.doc.map.lanes().len() + 1);
                self.execute(Command::AddLane(Lane { id, name }));
            }
            UiCommand::FitView => self.canvas.request_fit(),
            UiCommand::ZoomIn => self.canvas.zoom_by(1.25, self.canvas.rect.center()),
            UiCommand::ZoomOut => self.canvas.zoom_by(0.8, self.canvas.rect.center()),
            UiCommand::ToggleTheme => self.prefs.dark_mode = !self.prefs.dark_mode,
            UiCommand::ToggleMinimap => {
                self.prefs.show_minimap = !self.prefs.show_minimap;
                self.canvas.show_minimap = self.prefs.show_minimap;
            }
            UiCommand::ToggleFindings => self.prefs.show_findings = !self.prefs.show_findings,
            UiCommand::ToggleInspector => self.prefs.show_inspector = !self.prefs.show_inspector,
            UiCommand::Help => self.dialog = Some(Dialog::Help),
        }
    }

    fn is_enabled(&self, command: UiCommand) -> bool {
        match command {
            UiCommand::Undo => self.doc.can_undo(),
            UiCommand::Redo => self.doc.can_redo(),
            UiCommand::Copy | UiCommand::Duplicate | UiCommand::ToggleCustomerFacing => {
                !self.selection.steps.is_empty()
            }
            UiCommand::Delete => !self.selection.is_empty(),
            UiCommand::Paste => self.clipboard.is_some(),
            UiCommand::Rename => self.selection.steps.len() == 1,
            UiCommand::ConnectWork | UiCommand::ConnectInformation => {
                self.selection.steps.len() >= 2
            }
            _ => true,
        }
    }

    fn is_checked(&self, command: UiCommand) -> Option<bool> {
        match command {
            UiCommand::ToggleTheme => Some(self.prefs.dark_mode),
            UiCommand::ToggleMinimap => Some(self.prefs.show_minimap),
            UiCommand::ToggleFindings => Some(self.prefs.show_findings),
            UiCommand::ToggleInspector => Some(self.prefs.show_inspector),
            _ => None,
        }
    }

    fn menu_items_ui(&self, ui: &mut egui::Ui, menu: MenuName, out: &mut Vec<Request>) {
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
            let shortcut = spec
                .shortcuts
                .first()
                .map(|s| ui.ctx().format_shortcut(s))
                .unwrap_or_default();
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
                    if self.prefs.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in &self.prefs.recent {
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

        // Keyboard shortcuts (not while a dialog is open; text fields keep their keys).
        if self.dialog.is_none() && self.renaming.is_none() {
            let typing = ctx.egui_wants_keyboard_input();
            for command in commands::pressed(&ctx, typing) {
                if typing {
                    // Let the focused field commit its edit first, then run it next frame.
                    ctx.memory_mut(|m| m.stop_text_input());
                    self.deferred.push(command);
                    ctx.request_repaint();
                } else {
                    requests.push(Request::Ui(command));
                }
            }
            if !typing && ctx.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Paste(_))))
            {
                requests.push(Request::Ui(UiCommand::Paste));
            }
            if !typing && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
            {
                self.selection.clear();
            }
        }

        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                for (title, menu) in [
                    ("File", MenuName::File),
                    ("Edit", MenuName::Edit),
                    ("Map", MenuName::Map),
                    ("View", MenuName::View),
                    ("Help", MenuName::Help),
                ] {
                    ui.menu_button(title, |ui| self.menu_items_ui(ui, menu, &mut requests));
                }
            });
        });
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui, &mut requests));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        if self.prefs.show_findings {
            egui::Panel::left("findings")
                .resizable(true)
                .default_size(330.0)
                .show(ui, |ui| {
                    let selected = self.selection.steps.first();
                    if let Some(id) = findings_panel::findings_ui(ui, &self.analysis, selected) {
                        requests.push(Request::Focus(id));
                    }
                });
        }
        if self.prefs.show_inspector {
            egui::Panel::right("inspector")
                .resizable(true)
                .default_size(320.0)
                .show(ui, |ui| {
                    for r in inspector::inspector_ui(ui, &self.doc.map, &self.selection) {
                        requests.push(Request::Inspector(r));
                    }
                });
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                self.search_ui(ui, &mut requests);
                let hits = self.search_hits();
                self.canvas.sync(
                    &self.doc.map,
                    &self.analysis,
                    self.doc.revision(),
                    self.analysis_generation,
                );
                let keyboard_free = self.dialog.is_none() && !ctx.egui_wants_keyboard_input();
                for r in self.canvas.ui(
                    ui,
                    &mut self.selection,
                    &hits,
                    keyboard_free,
                    &self.analysis,
                ) {
                    requests.push(Request::Canvas(r));
                }
                self.rename_ui(ui, &mut requests);
            });
        self.dialog_ui(&ctx, &mut requests);

        for r in requests {
            self.handle(r, &ctx);
        }
        self.after_change();
        self.update_title(&ctx);
        self.autosave(&ctx);
    }

    fn handle(&mut self, request: Request, ctx: &egui::Context) {
        match request {
            Request::Ui(c) => self.run_command(c, ctx),
            Request::Open(after) => self.guard(after, ctx),
            Request::Execute(c) => self.execute(c),
            Request::Focus(id) => {
                self.selection.only(id.clone());
                self.canvas.center_on_step(&id);
            }
            Request::Canvas(CanvasRequest::Move(moves)) => self.execute(Command::MoveSteps(moves)),
            Request::Canvas(CanvasRequest::AddStepAt(at)) => {
                self.add_step_at(at);
            }
            Request::Canvas(CanvasRequest::Connect(a, b, kind)) => {
                self.execute(Command::Connect(
                    a,
                    b,
                    Flow {
                        kind,
                        ..Flow::default()
                    },
                ));
            }
            Request::Canvas(CanvasRequest::Command(c)) => self.run_command(c, ctx),
            Request::Canvas(CanvasRequest::Rename(id)) => {
                self.selection.only(id.clone());
                self.start_rename(&id);
            }
            Request::Inspector(InspectorRequest::Execute(c)) => self.execute(c),
            Request::Inspector(InspectorRequest::Focus(id)) => self.handle(Request::Focus(id), ctx),
            Request::SaveThen(after) => match self.doc.path.clone() {
                Some(p) => {
                    if self.save_to(&p) {
                        self.continue_after(after, ctx);
                    }
                }
                None => {
                    self.pending_after = Some(after);
                    self.ask_path(DialogPurpose::SaveAs, ctx);
                }
            },
            Request::Discard(after) => self.continue_after(after, ctx),
            Request::PathChosen(purpose, path) => self.path_chosen(purpose, path, ctx),
            Request::Restore(found) => {
                let found = *found;
                self.replace_document(Document::new_dirty(found.map, found.original));
                self.set_status("Restored the unsaved work; save it to keep it");
            }
            Request::DiscardRecovery => {
                if let Some(r) = &self.recovery {
                    r.clear();
                }
            }
            Request::Inspector(InspectorRequest::ConfirmRemoveLane(lane)) => {
                let target = self
                    .doc
                    .map
                    .lanes()
                    .iter()
                    .find(|l| l.id != lane)
                    .map(|l| l.id.clone());
                self.dialog = Some(Dialog::RemoveLane { lane, target });
            }
        }
    }

    fn toolbar_ui(&self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
        ui.horizontal(|ui| {
            let tools = [
                ("➕ Step", UiCommand::AddStep),
                ("Connect", UiCommand::ConnectWork),
                ("Information", UiCommand::ConnectInformation),
                ("👤 Customer-facing", UiCommand::ToggleCustomerFacing),
                ("🗑 Delete", UiCommand::Delete),
                ("Arrange", UiCommand::AutoArrange),
                ("⛶ Fit", UiCommand::FitView),
                ("⟲ Undo", UiCommand::Undo),
                ("⟳ Redo", UiCommand::Redo),
            ];
            for (text, command) in tools {
                let hint = commands::spec(command).map(|s| {
                    let keys: Vec<String> = s
                        .shortcuts
                        .iter()
                        .map(|k| ui.ctx().format_shortcut(k))
                        .collect();
                    if keys.is_empty() {
                        s.label.to_owned()
                    } else {
                        format!("{} ({})", s.label, keys.join(", "))
                    }
                });
                let r = ui.add_enabled(self.is_enabled(command), egui::Button::new(text));
                if r.on_hover_text(hint.unwrap_or_default()).clicked() {
                    out.push(Request::Ui(command));
                }
            }
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let m = &self.analysis.metrics;
            ui.label(format!(
                "{} steps · {} flows · {} lanes · zoom {:.0}%",
                m.steps,
                m.flows,
                self.doc.map.lanes().len(),
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

    /// Steps matching the search: name, lane name or system contain the query.
    fn search_hits(&self) -> HashSet<StepId> {
        let Some(search) = &self.search else {
            return HashSet::new();
        };
        let q = search.query.trim().to_lowercase();
        if q.is_empty() {
            return HashSet::new();
        }
        self.search_matches(&q).into_iter().collect()
    }

    fn search_matches(&self, q: &str) -> Vec<StepId> {
        let map = &self.doc.map;
        map.steps()
            .filter(|s| {
                let lane = s
                    .lane
                    .as_ref()
                    .and_then(|l| map.lane(l))
                    .map(|l| l.name.to_lowercase())
                    .unwrap_or_default();
                s.name.to_lowercase().contains(q)
                    || s.system.to_lowercase().contains(q)
                    || lane.contains(q)
            })
            .map(|s| s.id.clone())
            .collect()
    }

    fn search_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
        let Some(mut search) = self.search.take() else {
            return;
        };
        let mut keep = true;
        egui::Frame::NONE
            .inner_margin(egui::Margin::symmetric(8, 4))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label("🔍");
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut search.query)
                            .id(egui::Id::new("search-field"))
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
                    let matches = self.search_matches(&search.query.trim().to_lowercase());
                    if search.query.trim().is_empty() {
                        ui.label("");
                    } else {
                        ui.label(format!("{} match(es)", matches.len()));
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
                    if ui.button("✖").on_hover_text("Close (Esc)").clicked()
                        || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)))
                    {
                        keep = false;
                    }
                });
            });
        if keep {
            self.search = Some(search);
        }
    }

    /// The in-place name editor over a step (F2 or double-click).
    fn rename_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Request>) {
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

    fn poll_native_dialog(&mut self, ctx: &egui::Context) {
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

    fn handle_window_events(&mut self, ctx: &egui::Context, out: &mut Vec<Request>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
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

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Writes the recovery copy every few seconds while there are unsaved changes.
    fn autosave(&mut self, ctx: &egui::Context) {
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
        if let Err(e) = recovery.write(&self.doc.map, self.doc.path.as_deref()) {
            self.set_status(format!("Could not write the recovery copy: {e}"));
        }
        self.last_autosave = (Instant::now(), self.doc.revision());
    }
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
    SaveThen(After),
    Discard(After),
    PathChosen(DialogPurpose, PathBuf),
    Restore(Box<Recovered>),
    DiscardRecovery,
}

/// A file name for exporting a map as BPMN.
fn export_file_name(map: &Map) -> String {
    let name = files::suggested_file_name(map);
    format!(
        "{}.bpmn",
        name.trim_end_matches(crate::format::FILE_EXTENSION)
    )
}

/// Maps without positions (new or imported) are arranged when they are opened.
fn arrange_if_unplaced(doc: &mut Document) {
    if doc.map.steps().any(|s| s.pos.is_none()) {
        for (id, pos) in layout::arrange(&doc.map) {
            let _ = doc.map.move_step(&id, pos);
        }
    }
}

impl eframe::App for EditorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }
}
