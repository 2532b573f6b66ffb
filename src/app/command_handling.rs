//! What the UI asks for, done: requests from the panels and UI commands from menus, keys
//! and buttons become document commands or view changes. The enable rules live in
//! `commands::CommandState`; the edit rules in the model and `document`.

use super::canvas::{Canvas, CanvasRequest};
use super::commands::{CommandState, UiCommand};
use super::files::DialogPurpose;
use super::inspector::InspectorRequest;
use super::worksheet::WorksheetRequest;
use super::{After, Dialog, EditorApp, Request, Search};
use crate::document::{Command, Document};
use crate::layout;
use crate::model::{Flow, FlowKind, Fragment, Step, StepId, StepKind};
use std::path::Path;

impl EditorApp {
    pub(super) fn handle(&mut self, request: Request, ctx: &egui::Context) {
        match request {
            Request::Ui(c) => self.run_command(c, ctx),
            Request::Open(after) => self.guard(after, ctx),
            Request::Execute(c) => self.execute(c),
            Request::Focus(id) => {
                self.selection.only(id.clone());
                self.canvas.reveal_step(&id);
            }
            // The customer view is a picture: steps are moved, added and connected on the map.
            Request::Canvas(
                CanvasRequest::Move(_) | CanvasRequest::AddStepAt(_) | CanvasRequest::Connect(..),
            ) if self.customer_view.is_some() => {
                self.canvas.invalidate();
                self.set_status(
                    "The customer view is a view of the map: switch back (B) to move, add or connect steps",
                );
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
            Request::Worksheet(WorksheetRequest::Execute(c)) => self.execute(c),
            Request::Worksheet(WorksheetRequest::Select(id)) => self.selection.only(id),
            Request::Worksheet(WorksheetRequest::Status(text)) => self.set_status(text),
            Request::SaveThen(after) => match self.doc.path().map(Path::to_path_buf) {
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
                // The work is in this editor's own copy before the old one goes.
                if let Some(r) = &mut self.recovery
                    && r.write(self.doc.map(), self.doc.path()).is_ok()
                {
                    r.adopt_orphan();
                }
                self.set_status("Restored the unsaved work; save it to keep it");
            }
            Request::DiscardRecovery => {
                if let Some(r) = &mut self.recovery {
                    r.discard_orphan();
                }
            }
            Request::Inspector(InspectorRequest::ConfirmRemoveLane(lane)) => {
                let target = self
                    .doc
                    .map()
                    .lanes()
                    .iter()
                    .find(|l| l.id != lane)
                    .map(|l| l.id.clone());
                self.dialog = Some(Dialog::RemoveLane { lane, target });
            }
        }
    }

    /// Runs a UI command (from a menu, a key or a button).
    pub fn run_command(&mut self, command: UiCommand, ctx: &egui::Context) {
        match command {
            UiCommand::New => self.guard(After::New, ctx),
            UiCommand::Open => self.guard(After::OpenDialog, ctx),
            UiCommand::Save => match self.doc.path().map(Path::to_path_buf) {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.ask_path(DialogPurpose::SaveAs, ctx),
            },
            UiCommand::SaveAs => self.ask_path(DialogPurpose::SaveAs, ctx),
            UiCommand::Import => self.guard(After::ImportDialog, ctx),
            UiCommand::Export => self.ask_path(DialogPurpose::Export, ctx),
            UiCommand::ExportPicture => self.ask_path(DialogPurpose::ExportPicture, ctx),
            UiCommand::ExportReport => self.ask_path(DialogPurpose::ExportReport, ctx),
            UiCommand::ImportEventLog => self.ask_path(DialogPurpose::ImportEventLog, ctx),
            UiCommand::CompareWith => match self.compare {
                Some(_) => self.compare = None,
                None => self.ask_path(DialogPurpose::Compare, ctx),
            },
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
                    self.set_status(format!(
                        "Copied {}",
                        crate::text::count(clip.steps.len(), "step", "steps")
                    ));
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
                self.selection.steps = self.doc.map().steps().map(|s| s.id.clone()).collect();
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
                match Command::connect_chain(&self.selection.steps, kind) {
                    Some(chain) => self.execute(chain),
                    None => self.set_status(
                        "Select two steps (shift-click), in flow order, to connect them",
                    ),
                }
            }
            UiCommand::ToggleCustomerFacing => {
                if let Some(c) =
                    Command::toggle_customer_facing(self.doc.map(), &self.selection.steps)
                {
                    self.execute(c);
                }
            }
            UiCommand::AutoArrange => {
                self.execute(Command::Arrange);
                self.canvas.request_fit();
            }
            UiCommand::AddLane => {
                self.execute(Command::add_lane(self.doc.map()));
            }
            UiCommand::CreateToBe => self.create_to_be(ctx),
            UiCommand::Scorecard => self.show_scorecard = !self.show_scorecard,
            UiCommand::CustomerView => {
                self.customer_view = match self.customer_view.take() {
                    Some(_) => None,
                    None => Some((
                        self.doc.revision(),
                        crate::view::blueprint::customer_view(self.doc.map()),
                    )),
                };
                self.worksheet = None;
                self.canvas.request_fit();
            }
            UiCommand::Charts => {
                self.charts = match self.charts.take() {
                    Some(_) => None,
                    None => Some(super::chart_panel::ChartPanel::default()),
                };
            }
            UiCommand::Worksheet => {
                self.worksheet = match self.worksheet.take() {
                    Some(_) => None,
                    None => Some(super::worksheet::Worksheet::default()),
                };
            }
            UiCommand::FitView => self.on_view_canvas(ctx, Canvas::request_fit),
            UiCommand::ZoomToSelection => {
                let steps = self.selection.steps.clone();
                self.on_view_canvas(ctx, |c| c.zoom_to_steps(&steps));
            }
            UiCommand::ZoomActual => self.on_view_canvas(ctx, Canvas::zoom_actual),
            UiCommand::Legend => self.show_legend = !self.show_legend,
            UiCommand::ZoomIn => self.on_view_canvas(ctx, |c| c.zoom_by(1.25, c.rect.center())),
            UiCommand::ZoomOut => self.on_view_canvas(ctx, |c| c.zoom_by(0.8, c.rect.center())),
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

    /// Runs a view command (fit, zoom) on the canvas it is for: the compared map's when the
    /// pointer is over it (the lower half of a compare view, no menu or window above it
    /// there), else the open map's. Linked, the open map's view then follows at once (the
    /// lower one follows the upper one at the start of the next frame).
    fn on_view_canvas(&mut self, ctx: &egui::Context, act: impl FnOnce(&mut Canvas)) {
        let over = |rect: egui::Rect| {
            ctx.pointer_hover_pos().is_some_and(|p| {
                rect.contains(p)
                    && ctx
                        .layer_id_at(p)
                        .is_none_or(|layer| layer.order == egui::Order::Background)
            })
        };
        match &mut self.compare {
            Some(c) if over(c.canvas.rect) => {
                act(&mut c.canvas);
                if c.linked {
                    self.canvas.follow(c.canvas.zoom, c.canvas.pan.x);
                }
            }
            _ => act(&mut self.canvas),
        }
    }

    /// A new step at a canvas position, in the lane under it, ready to be named.
    pub fn add_step_at(&mut self, at: [f32; 2]) -> StepId {
        let id = self.doc.map().fresh_step_id("step");
        let mut step = Step::new(id.clone(), "New step", StepKind::Activity);
        step.lane = self
            .canvas
            .lane_at(at[1])
            .or_else(|| self.doc.map().lanes().first().map(|l| l.id.clone()));
        step.pos = Some(at);
        self.execute(Command::AddStep(step));
        if self.doc.map().contains_step(&id) {
            self.selection.only(id.clone());
            self.start_rename(&id);
        }
        id
    }

    /// Where a new step goes without a click: right of the selection, else the view centre.
    pub(super) fn new_step_position(&self, pointer: Option<egui::Pos2>) -> [f32; 2] {
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

    pub(super) fn copy_selection(&self) -> Option<Fragment> {
        let clip = self.doc.map().extract(&self.selection.steps);
        (!clip.is_empty()).then_some(clip)
    }

    /// Pastes a clip with fresh ids, offset so it does not hide the original.
    pub(super) fn paste(&mut self, clip: &Fragment) {
        self.paste_count += 1;
        let offset = 30.0 * self.paste_count as f32;
        let fragment = self.doc.map().paste_fragment(clip, [offset, offset]);
        let new_ids: Vec<StepId> = fragment.steps.iter().map(|s| s.id.clone()).collect();
        self.execute(Command::Paste(fragment));
        self.selection.clear();
        self.selection.steps = new_ids
            .into_iter()
            .filter(|id| self.doc.map().contains_step(id))
            .collect();
    }

    /// What the enable rules of commands depend on (see `CommandState::is_enabled`).
    pub(super) fn command_state(&self) -> CommandState {
        CommandState {
            can_undo: self.doc.can_undo(),
            can_redo: self.doc.can_redo(),
            has_clipboard: self.clipboard.is_some(),
            ..CommandState::default()
        }
        .with_selection(&self.selection)
    }

    pub(super) fn is_enabled(&self, command: UiCommand) -> bool {
        self.command_state().is_enabled(command)
    }

    pub(super) fn is_checked(&self, command: UiCommand) -> Option<bool> {
        match command {
            UiCommand::ToggleTheme => Some(self.prefs.dark_mode),
            UiCommand::ToggleMinimap => Some(self.prefs.show_minimap),
            UiCommand::ToggleFindings => Some(self.prefs.show_findings),
            UiCommand::ToggleInspector => Some(self.prefs.show_inspector),
            _ => None,
        }
    }

    /// Keyboard shortcuts (not while a dialog or the event-log import is open: Enter and
    /// Esc are theirs; text fields keep their keys).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, requests: &mut Vec<Request>) {
        if self.dialog.is_none() && self.renaming.is_none() && self.event_import.is_none() {
            let typing = ctx.egui_wants_keyboard_input();
            for command in super::commands::pressed(ctx, typing) {
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
            if !typing && ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
                // Esc closes the Find bar first (its field gave up the keyboard on the same
                // key), then clears the selection. An Esc that made another text field give
                // up the keyboard is that field's (it reverts its edit): left to it.
                if self.search.is_some() {
                    self.search = None;
                    ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
                } else if !self.text_focus_last_frame {
                    self.selection.clear();
                    ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
                }
            }
        }
    }
}
