//! The canvas' input: pan and zoom, dragging steps, box selection, connecting from a
//! step's handle, clicks, double-clicks and the context menu. Everything that edits the map
//! comes back as a `CanvasRequest`.

use super::overlays::step_tooltip;
use super::{Canvas, CanvasRequest, Drag, Selection, StaticLayout, StaticLayoutState};
use crate::analysis::Analysis;
use crate::app::commands::{self, CommandState};
use crate::app::theme;
use crate::model::{FlowKind, StepId};
use egui::{CursorIcon, Key, PointerButton, Pos2, Rect, Shape, Stroke, Vec2, vec2};
use egui_graphs::{GraphView, MetadataFrame, SettingsInteraction, SettingsNavigation};
use petgraph::stable_graph::NodeIndex;
use std::collections::HashSet;

/// This frame's pointer and keys as the canvas sees them, read once.
pub(super) struct FrameInput {
    pub(super) pointer: Option<Pos2>,
    pub(super) pointer_canvas: Option<Pos2>,
    pub(super) modifiers: egui::Modifiers,
    pub(super) space_down: bool,
    /// The step under the pointer (none while dragging).
    pub(super) hovered_step: Option<StepId>,
    /// The step whose connect handle is shown: the hovered one, or the one selected step.
    pub(super) handle_step: Option<StepId>,
    /// Where that handle is, screen points.
    pub(super) handle_at: Option<Pos2>,
}

impl FrameInput {
    /// Whether the pointer is on the connect handle.
    pub(super) fn near_handle(&self, p: Option<Pos2>) -> bool {
        p.zip(self.handle_at)
            .is_some_and(|(p, h)| (p - h).length() <= theme::HANDLE_RADIUS + 3.0)
    }
}

impl Canvas {
    /// Draws the canvas and handles its input. Edits come back as requests.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selection: &mut Selection,
        search_hits: &HashSet<StepId>,
        keyboard_free: bool,
        analysis: &Analysis,
        command_state: CommandState,
    ) -> Vec<CanvasRequest> {
        let mut requests = Vec::new();
        let palette = *theme::palette(ui.visuals().dark_mode);
        self.mark(selection, search_hits);
        let bg = ui.painter().add(Shape::Noop);
        let response = self.graph_ui(ui);
        let input = self.read_input(ui, &response, selection, keyboard_free);
        let mut changed_view = self.zoom_input(ui, input.pointer);
        if response.drag_started() && self.drag.is_none() {
            self.start_drag(ui, &input, selection);
        }
        changed_view |= self.drag_ui(ui, &response, &palette);
        if response.drag_stopped()
            && let Some(drag) = self.drag.take()
        {
            self.finish_drag(ui, drag, input.pointer, selection, &mut requests);
        }
        self.clicks(&response, &input, selection, &mut requests);
        self.context_menu_ui(&response, &input, selection, command_state, &mut requests);
        if let Some(id) = &input.hovered_step
            && self.drag.is_none()
        {
            ui.ctx().set_cursor_icon(CursorIcon::Grab);
            if !input.near_handle(input.pointer) {
                // In the overview the tooltip also tells the step's name and times, in
                // case its card had no room for all of its name.
                let overview = !crate::app::shapes::full_text_at(self.zoom);
                let visual = overview
                    .then(|| self.index.get(id).and_then(|&i| self.graph.node(i)))
                    .flatten()
                    .map(|n| n.payload().visual.clone());
                step_tooltip(&response, id, analysis, visual.as_deref());
            }
        }
        if input.space_down && self.drag.is_none() && response.hovered() {
            ui.ctx().set_cursor_icon(CursorIcon::Grab);
        }
        changed_view |= self.overlays_ui(ui, bg, &palette, &input, &response);
        if changed_view || self.drag.is_some() {
            ui.ctx().request_repaint();
        }
        requests
    }

    /// Shows egui_graphs' view with our transform, and applies a pending fit.
    fn graph_ui(&mut self, ui: &mut egui::Ui) -> egui::Response {
        let available = ui.available_rect_before_wrap();
        if self.rect == Rect::NOTHING {
            self.rect = available;
        }
        // Our transform is the truth; egui_graphs reads it from its metadata.
        self.apply_stretch();
        let mut meta = MetadataFrame::new(Some(self.graph_id.to_owned())).load(ui);
        meta.zoom = self.zoom;
        meta.pan = self.pan;
        meta.save(ui);
        let response = GraphView::<StaticLayoutState, StaticLayout>::new()
            .with_id(Some(self.graph_id.to_owned()))
            .with_interactions(
                // Only hover from egui_graphs: its drag snaps the node to the cursor, so
                // dragging, clicking and selection are done here.
                &SettingsInteraction::new()
                    .with_dragging_enabled(false)
                    .with_node_clicking_enabled(false)
                    .with_node_selection_enabled(false)
                    .with_hover_enabled(true),
            )
            .with_navigations(
                &SettingsNavigation::new()
                    .with_fit_to_screen_enabled(false)
                    .with_zoom_and_pan_enabled(false),
            )
            .show(ui, &mut self.graph)
            .response;
        self.rect = response.rect;
        if self.fit_pending {
            self.fit_pending = false;
            self.fit();
            ui.ctx().request_repaint();
        }
        response
    }

    fn read_input(
        &self,
        ui: &egui::Ui,
        response: &egui::Response,
        selection: &Selection,
        keyboard_free: bool,
    ) -> FrameInput {
        let pointer = response.hover_pos();
        let pointer_canvas = pointer.map(|p| self.screen_to_canvas(p));
        let (modifiers, space_down) =
            ui.input(|i| (i.modifiers, keyboard_free && i.key_down(Key::Space)));
        let hovered_step = if self.drag.is_none() {
            pointer_canvas.and_then(|p| self.step_at(p))
        } else {
            None
        };

        // The connect handle of the hovered step, or of the one selected step.
        let handle_step = hovered_step
            .clone()
            .or_else(|| (selection.steps.len() == 1).then(|| selection.steps[0].clone()))
            .filter(|_| !self.read_only);
        let handle_at = handle_step.as_ref().and_then(|id| {
            let c = self.step_centre(id)?;
            Some(
                self.canvas_to_screen(c + vec2(crate::app::shapes::half_size().x, 0.0))
                    + vec2(theme::HANDLE_RADIUS + 4.0, 0.0),
            )
        });
        FrameInput {
            pointer,
            pointer_canvas,
            modifiers,
            space_down,
            hovered_step,
            handle_step,
            handle_at,
        }
    }

    /// Zoom: wheel, pinch or ctrl+wheel, around the pointer. Returns whether the view moved.
    fn zoom_input(&mut self, ui: &egui::Ui, pointer: Option<Pos2>) -> bool {
        if let Some(p) = pointer {
            let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            let factor = if zoom_delta != 1.0 {
                zoom_delta
            } else {
                // One wheel notch (about 50 points) zooms by about 13%.
                (scroll.y / 400.0).exp()
            };
            if (factor - 1.0).abs() > 1e-4 {
                self.zoom_by(factor, p);
                return true;
            }
        }
        false
    }

    /// Starting a drag decides what the drag does.
    fn start_drag(&mut self, ui: &egui::Ui, input: &FrameInput, selection: &mut Selection) {
        let FrameInput {
            pointer,
            modifiers,
            space_down,
            handle_step,
            ..
        } = input;
        let (pointer, modifiers, space_down) = (*pointer, *modifiers, *space_down);
        let press = ui.input(|i| i.pointer.press_origin()).or(pointer);
        let button_middle = ui.input(|i| i.pointer.button_down(PointerButton::Middle));
        let on_handle = input.near_handle(press);
        let grabbed = press
            .map(|p| self.screen_to_canvas(p))
            .and_then(|p| self.step_at(p));
        self.drag = Some(if button_middle || space_down {
            Drag::Pan
        } else if on_handle && let Some(from) = handle_step.clone() {
            let kind = if modifiers.alt {
                FlowKind::Information
            } else {
                FlowKind::Work
            };
            Drag::Connect { from, kind }
        } else if let Some(id) = grabbed.filter(|_| !self.read_only) {
            if !selection.contains(&id) {
                if modifiers.shift {
                    selection.toggle(id.clone());
                } else {
                    selection.only(id.clone());
                }
            }
            let grab = press.map_or(Pos2::ZERO, |p| self.screen_to_canvas(p));
            let origins = selection
                .steps
                .iter()
                .filter_map(|s| {
                    let i = *self.index.get(s)?;
                    Some((
                        s.clone(),
                        i,
                        self.display_to_canvas(self.graph.node(i)?.location()),
                    ))
                })
                .collect();
            Drag::Steps { grab, origins }
        } else if modifiers.shift || modifiers.command {
            Drag::Box {
                start: press.unwrap_or(Pos2::ZERO),
                additive: true,
            }
        } else {
            Drag::Pan
        });
    }

    /// While dragging: move the dragged steps, pan, or draw the box or the new flow.
    /// Returns whether the view moved.
    fn drag_ui(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        palette: &theme::Palette,
    ) -> bool {
        let mut changed_view = false;
        match &self.drag {
            Some(Drag::Pan) => {
                self.pan += response.drag_delta();
                changed_view |= response.drag_delta() != Vec2::ZERO;
                ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
            }
            Some(Drag::Steps { grab, origins }) => {
                if let Some(p) = ui.input(|i| i.pointer.interact_pos()) {
                    // Exact: each step keeps its offset from the grab point.
                    let delta = self.screen_to_canvas(p) - *grab;
                    let moves: Vec<(NodeIndex, Pos2)> = origins
                        .iter()
                        .map(|(_, i, o)| (*i, self.canvas_to_display(*o + delta)))
                        .collect();
                    for (i, at) in moves {
                        if let Some(n) = self.graph.node_mut(i) {
                            n.set_location(at);
                        }
                    }
                }
                ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
            }
            Some(Drag::Box { start, .. }) => {
                if let Some(p) = ui.input(|i| i.pointer.interact_pos()) {
                    let r = Rect::from_two_pos(*start, p);
                    ui.painter().rect(
                        r,
                        0.0,
                        palette.box_select_fill,
                        Stroke::new(1.0, palette.box_select_stroke),
                        egui::StrokeKind::Inside,
                    );
                }
            }
            Some(Drag::Connect { from, kind }) => {
                if let (Some(c), Some(p)) = (
                    self.step_centre(from),
                    ui.input(|i| i.pointer.interact_pos()),
                ) {
                    let a = self.canvas_to_screen(c);
                    let color = if *kind == FlowKind::Information {
                        palette.information_flow
                    } else {
                        palette.work_flow
                    };
                    ui.painter().line_segment([a, p], Stroke::new(2.0, color));
                    ui.painter().circle_filled(p, 4.0, color);
                }
            }
            None => {}
        }

        changed_view
    }

    /// A finished drag: a move request, a box selection, or a connect request.
    fn finish_drag(
        &mut self,
        ui: &egui::Ui,
        drag: Drag,
        pointer: Option<Pos2>,
        selection: &mut Selection,
        requests: &mut Vec<CanvasRequest>,
    ) {
        let release = ui.input(|i| i.pointer.interact_pos()).or(pointer);
        match drag {
            Drag::Steps { grab, origins } => {
                if let Some(p) = release {
                    let delta = self.screen_to_canvas(p) - grab;
                    if delta.length() * self.zoom >= 1.0 {
                        let moves = origins
                            .into_iter()
                            .map(|(id, _, o)| {
                                let at = o + delta;
                                (id, [at.x, at.y], self.lane_at(at.y))
                            })
                            .collect();
                        requests.push(CanvasRequest::Move(moves));
                    } else {
                        // A click, not a move: put the steps back exactly.
                        for (_, i, o) in origins {
                            let at = self.canvas_to_display(o);
                            if let Some(n) = self.graph.node_mut(i) {
                                n.set_location(at);
                            }
                        }
                    }
                }
            }
            Drag::Box { start, additive } => {
                if let Some(p) = release {
                    let r =
                        Rect::from_two_pos(self.screen_to_canvas(start), self.screen_to_canvas(p));
                    if !additive {
                        selection.clear();
                    }
                    selection.flow = None;
                    let mut inside: Vec<(NodeIndex, StepId)> = self
                        .graph
                        .nodes_iter()
                        .filter(|(_, n)| r.contains(self.display_to_canvas(n.location())))
                        .map(|(i, n)| (i, n.payload().visual.id.clone()))
                        .collect();
                    inside.sort_by_key(|(i, _)| *i);
                    for (_, id) in inside {
                        if !selection.contains(&id) {
                            selection.steps.push(id);
                        }
                    }
                }
            }
            Drag::Connect { from, kind } => {
                if let Some(to) = release
                    .map(|p| self.screen_to_canvas(p))
                    .and_then(|p| self.step_at(p))
                {
                    requests.push(CanvasRequest::Connect(from, to, kind));
                }
            }
            Drag::Pan => {}
        }
    }

    /// Clicks and double-clicks (a drag is not a click).
    fn clicks(
        &mut self,
        response: &egui::Response,
        input: &FrameInput,
        selection: &mut Selection,
        requests: &mut Vec<CanvasRequest>,
    ) {
        let (pointer_canvas, modifiers) = (input.pointer_canvas, input.modifiers);
        if response.clicked()
            && let Some(p) = pointer_canvas
        {
            if let Some(id) = self.step_at(p) {
                if modifiers.shift || modifiers.command {
                    selection.toggle(id);
                } else {
                    selection.only(id);
                }
            } else if let Some(flow) = self.flow_at(p) {
                selection.steps.clear();
                selection.flow = Some(flow);
            } else if !(modifiers.shift || modifiers.command) {
                selection.clear();
            }
        }
        if response.double_clicked()
            && !self.read_only
            && let Some(p) = pointer_canvas
        {
            match self.step_at(p) {
                Some(id) => requests.push(CanvasRequest::Rename(id)),
                None if self.flow_at(p).is_none() => {
                    requests.push(CanvasRequest::AddStepAt([p.x, p.y]))
                }
                None => {}
            }
        }
    }

    /// Right-click: the step under the pointer joins the selection, then a menu of the
    /// commands that act on a selection (their enable rules are `CommandState`'s).
    fn context_menu_ui(
        &mut self,
        response: &egui::Response,
        input: &FrameInput,
        selection: &mut Selection,
        state: CommandState,
        requests: &mut Vec<CanvasRequest>,
    ) {
        let pointer_canvas = input.pointer_canvas;
        if response.secondary_clicked()
            && let Some(p) = pointer_canvas
        {
            match self.step_at(p) {
                Some(id) if !selection.contains(&id) => selection.only(id),
                Some(_) => {}
                None => {
                    if let Some(flow) = self.flow_at(p) {
                        selection.steps.clear();
                        selection.flow = Some(flow);
                    }
                }
            }
        }
        let state = state.with_selection(selection);
        if self.read_only {
            // Looked at, not edited: the view's own command, done here (its key acts on
            // the canvas under the pointer: this one, when the menu was opened over it).
            let mut fit = false;
            response.context_menu(|ui| {
                let key = commands::spec(commands::UiCommand::FitView)
                    .map(|s| s.shortcut_text(ui.ctx()))
                    .unwrap_or_default();
                if ui
                    .add(egui::Button::new("Fit this map").shortcut_text(key))
                    .clicked()
                {
                    fit = true;
                    ui.close();
                }
            });
            if fit {
                self.request_fit();
            }
            return;
        }
        response.context_menu(|ui| {
            for &c in state.context_menu() {
                let Some(s) = commands::spec(c) else {
                    continue;
                };
                let item = egui::Button::new(s.label).shortcut_text(s.shortcut_text(ui.ctx()));
                if ui.add_enabled(state.is_enabled(c), item).clicked() {
                    requests.push(CanvasRequest::Command(c));
                    ui.close();
                }
            }
        });
    }
}
