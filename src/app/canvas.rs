//! The process canvas: an egui_graphs `GraphView` over a view cache rebuilt from the Map when
//! it changes, with lane bands behind it, and valueflow's own interactions on top (exact
//! dragging, box selection, connect handles, pan and zoom), since egui_graphs' built-in drag
//! snaps a grabbed node to the cursor.

use super::shapes::{
    FlowEdge, FlowShape, FlowVisual, StepNode, StepShape, StepVisual, distance_to_route, route,
};
use super::theme;
use crate::analysis::Analysis;
use crate::layout::{self, LaneBand};
use crate::model::{FlowKind, LaneId, Map, StepId, StepKind};
use crate::units::format_duration;
use egui::{
    Color32, CursorIcon, FontId, Key, PointerButton, Pos2, Rect, Sense, Shape, Stroke, Vec2, pos2,
    vec2,
};
use egui_graphs::{
    Graph, GraphView, Layout, LayoutState, MetadataFrame, SettingsInteraction, SettingsNavigation,
};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, EdgeIndex, NodeIndex};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The zoom a map opens at when the whole of it would be smaller.
const READABLE_ZOOM: f32 = 0.75;

/// egui_graphs' view of the map.
pub type ViewGraph = Graph<StepNode, FlowEdge, Directed, DefaultIx, StepShape, FlowShape>;

/// The id under which egui_graphs keeps the canvas' pan and zoom.
pub const GRAPH_ID: &str = "valueflow-canvas";

/// Layout state for a layout that never moves anything: positions come from the Map.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct StaticLayoutState;
impl LayoutState for StaticLayoutState {}

/// egui_graphs' default layout scrambles positions; this one leaves them alone.
#[derive(Debug, Default)]
pub struct StaticLayout;

impl Layout<StaticLayoutState> for StaticLayout {
    fn from_state(_: StaticLayoutState) -> impl Layout<StaticLayoutState> {
        StaticLayout
    }

    fn next<N, E, Ty, Ix, Dn, De>(&mut self, _: &mut Graph<N, E, Ty, Ix, Dn, De>, _: &egui::Ui)
    where
        N: Clone,
        E: Clone,
        Ty: petgraph::EdgeType,
        Ix: petgraph::stable_graph::IndexType,
        Dn: egui_graphs::DisplayNode<N, E, Ty, Ix>,
        De: egui_graphs::DisplayEdge<N, E, Ty, Ix, Dn>,
    {
    }

    fn state(&self) -> StaticLayoutState {
        StaticLayoutState
    }

    fn needs_next_frame(&self) -> bool {
        false
    }
}

/// What is selected on the canvas (view state, never saved).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Selected steps, in the order they were selected.
    pub steps: Vec<StepId>,
    /// A selected flow (from, to, kind); exclusive with steps.
    pub flow: Option<(StepId, StepId, FlowKind)>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.flow.is_none()
    }

    pub fn clear(&mut self) {
        self.steps.clear();
        self.flow = None;
    }

    pub fn only(&mut self, id: StepId) {
        self.flow = None;
        self.steps = vec![id];
    }

    pub fn toggle(&mut self, id: StepId) {
        self.flow = None;
        if let Some(i) = self.steps.iter().position(|s| s == &id) {
            self.steps.remove(i);
        } else {
            self.steps.push(id);
        }
    }

    pub fn contains(&self, id: &StepId) -> bool {
        self.steps.contains(id)
    }
}

/// Something the canvas asks the app to do (applied after the UI pass).
#[derive(Debug, Clone, PartialEq)]
pub enum CanvasRequest {
    /// Move steps to positions, each into the lane under it.
    Move(Vec<(StepId, [f32; 2], Option<LaneId>)>),
    /// Add a step at a canvas position.
    AddStepAt([f32; 2]),
    Connect(StepId, StepId, FlowKind),
    Rename(StepId),
    /// A command chosen from the context menu (for the selection).
    Command(super::commands::UiCommand),
}

enum Drag {
    /// Moving steps: where the pointer grabbed (canvas) and where each step started.
    Steps {
        grab: Pos2,
        origins: Vec<(StepId, NodeIndex, Pos2)>,
    },
    Pan,
    /// Box selection from a screen point; `additive` keeps the existing selection.
    Box {
        start: Pos2,
        additive: bool,
    },
    /// Drawing a new flow from a step's handle.
    Connect {
        from: StepId,
        kind: FlowKind,
    },
}

/// The canvas: view cache, transform and interaction state.
pub struct Canvas {
    pub graph: ViewGraph,
    index: HashMap<StepId, NodeIndex>,
    edges: Vec<(EdgeIndex, StepId, StepId, FlowKind)>,
    built: Option<(u64, usize)>,
    /// Canvas → screen: `screen = canvas * zoom + pan + rect.min`.
    pub zoom: f32,
    pub pan: Vec2,
    /// The canvas' screen rectangle in the last frame.
    pub rect: Rect,
    fit_pending: bool,
    /// The first view of a map is readable (zoom at least `READABLE_ZOOM`, from its start)
    /// rather than a whole-map overview where text is too small to draw.
    readable_pending: bool,
    drag: Option<Drag>,
    pub bands: Vec<LaneBand>,
    pub show_minimap: bool,
}

impl Default for Canvas {
    fn default() -> Self {
        Self {
            graph: ViewGraph::new(),
            index: HashMap::new(),
            edges: Vec::new(),
            built: None,
            zoom: 1.0,
            pan: Vec2::ZERO,
            rect: Rect::NOTHING,
            fit_pending: true,
            readable_pending: true,
            drag: None,
            bands: Vec::new(),
            show_minimap: true,
        }
    }
}

impl Canvas {
    /// Asks for a fit-to-view on the next frame.
    pub fn request_fit(&mut self) {
        self.fit_pending = true;
    }

    /// Asks for the opening view of a map on the next frame (see `readable_pending`).
    pub fn request_opening_view(&mut self) {
        self.fit_pending = true;
        self.readable_pending = true;
    }

    /// Rebuilds the view cache when the map or its analysis changed.
    pub fn sync(
        &mut self,
        map: &Map,
        analysis: &Analysis,
        revision: u64,
        analysis_generation: usize,
    ) {
        if self.built == Some((revision, analysis_generation)) {
            return;
        }
        self.built = Some((revision, analysis_generation));
        self.drag = None;
        self.bands = layout::lane_bands(map);
        let mut graph = ViewGraph::new();
        let mut index = HashMap::with_capacity(map.step_count());
        let bottleneck: Option<&StepId> = analysis
            .findings
            .iter()
            .find(|f| f.rule == crate::analysis::Rule::Bottleneck)
            .map(|f| &f.step);
        let mut badges: HashMap<&StepId, (crate::analysis::Severity, usize)> = HashMap::new();
        for f in &analysis.findings {
            let e = badges.entry(&f.step).or_insert((f.severity, 0));
            e.0 = e.0.min(f.severity);
            e.1 += 1;
        }
        // Steps without a position (not yet arranged) get the auto-arrange position.
        let fallback = if map.steps().any(|s| s.pos.is_none()) {
            layout::arrange(map)
        } else {
            Vec::new()
        };
        for (k, s) in map.steps().enumerate() {
            let visual = StepVisual {
                id: s.id.clone(),
                name: s.name.clone(),
                kind: s.kind,
                customer_facing: s.is_customer_facing(),
                work: if s.work_mins > 0.0 && s.kind != StepKind::Wait {
                    format_duration(s.work_mins)
                } else {
                    String::new()
                },
                wait: if s.delay_mins() > 0.0 {
                    format_duration(s.delay_mins())
                } else {
                    String::new()
                },
                badge: badges.get(&s.id).copied(),
                bottleneck: bottleneck == Some(&s.id),
            };
            let pos = s
                .pos
                .unwrap_or_else(|| fallback.get(k).map_or([0.0, 0.0], |(_, p)| *p));
            let node = StepNode {
                visual: Arc::new(visual),
                selected: false,
                search_hit: false,
            };
            let i = graph.add_node_custom(node, |n| n.set_location(pos2(pos[0], pos[1])));
            index.insert(s.id.clone(), i);
        }
        let loop_members: Vec<HashSet<&StepId>> =
            analysis.loops.iter().map(|l| l.iter().collect()).collect();
        let mut edges = Vec::with_capacity(map.flow_count());
        for f in map.flows() {
            let (Some(&a), Some(&b)) = (index.get(f.from), index.get(f.to)) else {
                continue;
            };
            let in_loop = f.flow.kind == FlowKind::Work
                && loop_members
                    .iter()
                    .any(|l| l.contains(f.from) && l.contains(f.to));
            let mut label = f.flow.label.clone();
            let from_decision = map
                .step(f.from)
                .is_some_and(|s| s.kind == StepKind::Decision);
            if from_decision && f.flow.kind == FlowKind::Work {
                let p = map
                    .index_of(f.from)
                    .map(|i| map.branch_probabilities(i))
                    .and_then(|ps| ps.into_iter().find(|(e, _)| *e == f.index).map(|(_, p)| p));
                if let Some(p) = p {
                    label = format!("{}% {label}", format_percent(p)).trim().to_owned();
                }
            }
            let visual = FlowVisual {
                kind: f.flow.kind,
                label,
                in_loop,
            };
            let e = graph.add_edge(
                a,
                b,
                FlowEdge {
                    visual: Arc::new(visual),
                    selected: false,
                },
            );
            edges.push((e, f.from.clone(), f.to.clone(), f.flow.kind));
        }
        self.graph = graph;
        self.index = index;
        self.edges = edges;
    }

    /// Marks selected and matching steps in the view cache.
    fn mark(&mut self, selection: &Selection, hits: &HashSet<StepId>) {
        let selected: HashSet<&StepId> = selection.steps.iter().collect();
        let ids: Vec<(NodeIndex, bool, bool)> = self
            .index
            .iter()
            .map(|(id, &i)| (i, selected.contains(id), hits.contains(id)))
            .collect();
        for (i, sel, hit) in ids {
            if let Some(n) = self.graph.node_mut(i) {
                let p = n.payload_mut();
                p.selected = sel;
                p.search_hit = hit;
            }
        }
        for (e, a, b, k) in &self.edges {
            let sel = selection.flow.as_ref() == Some(&(a.clone(), b.clone(), *k));
            if let Some(edge) = self.graph.edge_mut(*e) {
                edge.payload_mut().selected = sel;
            }
        }
    }

    pub fn canvas_to_screen(&self, p: Pos2) -> Pos2 {
        (p.to_vec2() * self.zoom + self.pan).to_pos2() + self.rect.min.to_vec2()
    }

    pub fn screen_to_canvas(&self, p: Pos2) -> Pos2 {
        ((p - self.rect.min - self.pan) / self.zoom).to_pos2()
    }

    /// Where a step is drawn (canvas units), including while being dragged.
    pub fn step_centre(&self, id: &StepId) -> Option<Pos2> {
        self.index
            .get(id)
            .and_then(|&i| self.graph.node(i))
            .map(|n| n.location())
    }

    /// The top-most step at a canvas point.
    pub fn step_at(&self, p: Pos2) -> Option<StepId> {
        let mut best = None;
        for (_, n) in self.graph.nodes_iter() {
            if super::shapes::step_contains(n.payload().visual.kind, n.location(), p) {
                // Later nodes are drawn on top, and selected ones above all.
                best = match best {
                    Some((_, true)) if !n.payload().selected => best,
                    _ => Some((n.payload().visual.id.clone(), n.payload().selected)),
                };
            }
        }
        best.map(|(id, _)| id)
    }

    /// The flow nearest to a canvas point, within a few screen points.
    pub fn flow_at(&self, p: Pos2) -> Option<(StepId, StepId, FlowKind)> {
        let tolerance = 6.0 / self.zoom;
        self.edges
            .iter()
            .filter_map(|(e, a, b, k)| {
                let (s, t) = self.graph.edge_endpoints(*e)?;
                let (s, t) = (self.graph.node(s)?, self.graph.node(t)?);
                let r = route(
                    s.location(),
                    s.payload().visual.kind,
                    t.location(),
                    t.payload().visual.kind,
                );
                let d = distance_to_route(&r, p);
                (d <= tolerance).then(|| (d, (a.clone(), b.clone(), *k)))
            })
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, f)| f)
    }

    /// The lane whose band holds a canvas y.
    pub fn lane_at(&self, y: f32) -> Option<LaneId> {
        layout::band_at(&self.bands, y).and_then(|b| b.lane.clone())
    }

    /// The bounds of everything on the canvas (steps and lane bands), canvas units.
    fn content_bounds(&self) -> Rect {
        let bands_bottom = self.bands.last().map_or(400.0, |b| b.bottom);
        if self.graph.node_count() == 0 {
            // An empty map: its lanes, at a comfortable width to start drawing in.
            return Rect::from_min_max(Pos2::ZERO, pos2(800.0, bands_bottom.max(200.0)));
        }
        let mut r = Rect::NOTHING;
        for (_, n) in self.graph.nodes_iter() {
            r = r.union(Rect::from_center_size(
                n.location(),
                super::shapes::half_size() * 2.0 + vec2(40.0, 50.0),
            ));
        }
        let top = self.bands.first().map_or(r.top(), |b| b.top);
        Rect::from_min_max(
            pos2(r.left(), top.min(r.top())),
            pos2(r.right(), bands_bottom.max(r.bottom())),
        )
    }

    /// Zoom and pan so that the whole map fits (right of the lane header column).
    pub fn fit(&mut self) {
        let content = self.content_bounds();
        let area = Rect::from_min_max(
            pos2(theme::LANE_HEADER_WIDTH + 10.0, 10.0),
            pos2(self.rect.width() - 10.0, self.rect.height() - 10.0),
        );
        if area.width() <= 1.0 || area.height() <= 1.0 {
            return;
        }
        self.zoom = (area.width() / content.width())
            .min(area.height() / content.height())
            .clamp(theme::MIN_ZOOM, 1.25);
        let centre_local = area.center().to_vec2();
        self.pan = centre_local - content.center().to_vec2() * self.zoom;
        // Lanes start at the top.
        if content.height() * self.zoom < area.height() {
            self.pan.y = area.top() - content.top() * self.zoom;
        }
    }

    /// Zooms by a factor around a screen point.
    pub fn zoom_by(&mut self, factor: f32, around: Pos2) {
        let before = self.screen_to_canvas(around);
        self.zoom = (self.zoom * factor).clamp(theme::MIN_ZOOM, theme::MAX_ZOOM);
        let after = self.canvas_to_screen(before);
        self.pan += around - after;
    }

    /// Pans so that a canvas point is at the centre of the view.
    pub fn center_on(&mut self, p: Pos2) {
        let centre_local = (self.rect.size() / 2.0) + vec2(theme::LANE_HEADER_WIDTH / 2.0, 0.0);
        self.pan = centre_local - p.to_vec2() * self.zoom;
    }

    pub fn center_on_step(&mut self, id: &StepId) {
        if let Some(c) = self.step_centre(id) {
            self.center_on(c);
        }
    }

    /// Draws the canvas and handles its input. Edits come back as requests.
    #[allow(
        clippy::too_many_lines,
        reason = "one interaction state machine reads best in one place"
    )]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selection: &mut Selection,
        search_hits: &HashSet<StepId>,
        keyboard_free: bool,
        analysis: &Analysis,
    ) -> Vec<CanvasRequest> {
        let mut requests = Vec::new();
        let palette = *theme::palette(ui.visuals().dark_mode);
        self.mark(selection, search_hits);
        let bg = ui.painter().add(Shape::Noop);
        let available = ui.available_rect_before_wrap();
        if self.rect == Rect::NOTHING {
            self.rect = available;
        }
        // Our transform is the truth; egui_graphs reads it from its metadata.
        let mut meta = MetadataFrame::new(Some(GRAPH_ID.to_owned())).load(ui);
        meta.zoom = self.zoom;
        meta.pan = self.pan;
        meta.save(ui);
        let response = GraphView::<StaticLayoutState, StaticLayout>::new()
            .with_id(Some(GRAPH_ID.to_owned()))
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
            if std::mem::take(&mut self.readable_pending) && self.zoom < READABLE_ZOOM {
                let content = self.content_bounds();
                self.zoom = READABLE_ZOOM;
                self.pan =
                    vec2(theme::LANE_HEADER_WIDTH + 10.0, 10.0) - content.min.to_vec2() * self.zoom;
            }
            ui.ctx().request_repaint();
        }
        let pointer = response.hover_pos();
        let pointer_canvas = pointer.map(|p| self.screen_to_canvas(p));
        let (modifiers, space_down) =
            ui.input(|i| (i.modifiers, keyboard_free && i.key_down(Key::Space)));
        let hovered_step = if self.drag.is_none() {
            pointer_canvas.and_then(|p| self.step_at(p))
        } else {
            None
        };
        let mut changed_view = false;

        // The connect handle of the hovered step, or of the one selected step.
        let handle_step = hovered_step
            .clone()
            .or_else(|| (selection.steps.len() == 1).then(|| selection.steps[0].clone()));
        let handle_at = handle_step.as_ref().and_then(|id| {
            let c = self.step_centre(id)?;
            Some(
                self.canvas_to_screen(c + vec2(super::shapes::half_size().x, 0.0))
                    + vec2(theme::HANDLE_RADIUS + 4.0, 0.0),
            )
        });

        // Zoom: wheel, pinch or ctrl+wheel, around the pointer.
        if let Some(p) = pointer {
            let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
            let factor = if zoom_delta != 1.0 {
                zoom_delta
            } else {
                (scroll.y / 200.0).exp()
            };
            if (factor - 1.0).abs() > 1e-4 {
                self.zoom_by(factor, p);
                changed_view = true;
            }
        }

        // Starting a drag decides what the drag does.
        if response.drag_started() && self.drag.is_none() {
            let press = ui.input(|i| i.pointer.press_origin()).or(pointer);
            let button_middle = ui.input(|i| i.pointer.button_down(PointerButton::Middle));
            let on_handle = press
                .zip(handle_at)
                .is_some_and(|(p, h)| (p - h).length() <= theme::HANDLE_RADIUS + 3.0);
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
            } else if let Some(id) = grabbed {
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
                        Some((s.clone(), i, self.graph.node(i)?.location()))
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
                    let moves: Vec<(NodeIndex, Pos2)> =
                        origins.iter().map(|(_, i, o)| (*i, *o + delta)).collect();
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

        if response.drag_stopped()
            && let Some(drag) = self.drag.take()
        {
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
                                if let Some(n) = self.graph.node_mut(i) {
                                    n.set_location(o);
                                }
                            }
                        }
                    }
                }
                Drag::Box { start, additive } => {
                    if let Some(p) = release {
                        let r = Rect::from_two_pos(
                            self.screen_to_canvas(start),
                            self.screen_to_canvas(p),
                        );
                        if !additive {
                            selection.clear();
                        }
                        selection.flow = None;
                        let mut inside: Vec<(NodeIndex, StepId)> = self
                            .graph
                            .nodes_iter()
                            .filter(|(_, n)| r.contains(n.location()))
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

        // Clicks and double-clicks (a drag is not a click).
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

        // Right-click: the step under the pointer joins the selection, then a menu of the
        // commands that act on a selection.
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
        let has_selection = !selection.is_empty();
        let steps_selected = selection.steps.len();
        response.context_menu(|ui| {
            use super::commands::{UiCommand as C, spec};
            let items: &[C] = if steps_selected > 0 {
                &[
                    C::Rename,
                    C::ToggleCustomerFacing,
                    C::ConnectWork,
                    C::ConnectInformation,
                    C::Copy,
                    C::Duplicate,
                    C::Delete,
                ]
            } else if has_selection {
                &[C::Delete]
            } else {
                &[C::AddStep, C::Paste, C::AutoArrange, C::FitView]
            };
            for &c in items {
                let enabled = match c {
                    C::Rename => steps_selected == 1,
                    C::ConnectWork | C::ConnectInformation => steps_selected >= 2,
                    _ => true,
                };
                let Some(s) = spec(c) else { continue };
                let shortcut = s
                    .shortcuts
                    .first()
                    .map(|k| ui.ctx().format_shortcut(k))
                    .unwrap_or_default();
                if ui
                    .add_enabled(enabled, egui::Button::new(s.label).shortcut_text(shortcut))
                    .clicked()
                {
                    requests.push(CanvasRequest::Command(c));
                    ui.close();
                }
            }
        });
        if let Some(id) = &hovered_step
            && self.drag.is_none()
        {
            ui.ctx().set_cursor_icon(CursorIcon::Grab);
            let near_handle = pointer
                .zip(handle_at)
                .is_some_and(|(p, h)| (p - h).length() <= theme::HANDLE_RADIUS + 3.0);
            if !near_handle {
                step_tooltip(&response, id, analysis);
            }
        }
        if space_down && self.drag.is_none() && response.hovered() {
            ui.ctx().set_cursor_icon(CursorIcon::Grab);
        }

        // Paint: lane bands behind the graph, then headers, handle and minimap above it.
        ui.painter().set(bg, Shape::Vec(self.band_shapes(&palette)));
        self.lane_headers_ui(ui, &palette);
        if let Some(h) = handle_at
            && self.drag.is_none()
        {
            ui.painter().circle(
                h,
                theme::HANDLE_RADIUS,
                palette.handle_fill,
                Stroke::new(1.5, Color32::WHITE),
            );
            if pointer.is_some_and(|p| (p - h).length() <= theme::HANDLE_RADIUS + 3.0) {
                ui.ctx().set_cursor_icon(CursorIcon::Crosshair);
                response.clone().on_hover_text(
                    "Drag to another step to connect (hold Alt for an information flow)",
                );
            }
        }
        if self.show_minimap && self.graph.node_count() > 0 {
            changed_view |= self.minimap_ui(ui, &palette);
        }
        if changed_view || self.drag.is_some() {
            ui.ctx().request_repaint();
        }
        requests
    }

    fn band_shapes(&self, p: &theme::Palette) -> Vec<Shape> {
        let mut out = vec![Shape::rect_filled(self.rect, 0.0, p.canvas_background)];
        for (k, b) in self.bands.iter().enumerate() {
            let top = self.canvas_to_screen(pos2(0.0, b.top)).y;
            let bottom = self.canvas_to_screen(pos2(0.0, b.bottom)).y;
            let r = Rect::from_x_y_ranges(self.rect.x_range(), top..=bottom).intersect(self.rect);
            if !r.is_positive() {
                continue;
            }
            out.push(Shape::rect_filled(
                r,
                0.0,
                if k % 2 == 0 {
                    p.lane_band_even
                } else {
                    p.lane_band_odd
                },
            ));
            out.push(Shape::line_segment(
                [
                    pos2(self.rect.left(), bottom),
                    pos2(self.rect.right(), bottom),
                ],
                Stroke::new(1.0, p.lane_border),
            ));
        }
        out
    }

    /// Sticky lane names at the left edge, painted above the steps.
    fn lane_headers_ui(&self, ui: &egui::Ui, p: &theme::Palette) {
        let painter = ui.painter().with_clip_rect(self.rect);
        for b in &self.bands {
            let top = self.canvas_to_screen(pos2(0.0, b.top)).y;
            let bottom = self.canvas_to_screen(pos2(0.0, b.bottom)).y;
            let r = Rect::from_min_max(
                pos2(self.rect.left(), top),
                pos2(self.rect.left() + theme::LANE_HEADER_WIDTH, bottom),
            );
            if !r.intersects(self.rect) {
                continue;
            }
            painter.rect_filled(r, 0.0, p.lane_header_fill);
            painter.line_segment(
                [r.right_top(), r.right_bottom()],
                Stroke::new(1.0, p.lane_border),
            );
            painter.line_segment(
                [r.left_bottom(), r.right_bottom()],
                Stroke::new(1.0, p.lane_border),
            );
            let name = if b.lane.is_none() {
                "(no lanes)"
            } else {
                b.name.as_str()
            };
            let galley = painter.layout(
                name.to_owned(),
                FontId::proportional(13.0),
                p.lane_header_text,
                theme::LANE_HEADER_WIDTH - 16.0,
            );
            // Keep the name visible while the band is partly scrolled off.
            let visible = r.intersect(self.rect);
            let y = (visible.center().y - galley.size().y / 2.0).clamp(
                r.top() + 2.0,
                (r.bottom() - galley.size().y - 2.0).max(r.top() + 2.0),
            );
            painter.galley(pos2(r.left() + 8.0, y), galley, p.lane_header_text);
        }
    }

    /// A small overview in the bottom-right corner; clicking or dragging in it moves the view.
    /// Returns whether the view moved.
    fn minimap_ui(&mut self, ui: &mut egui::Ui, p: &theme::Palette) -> bool {
        let size = vec2(200.0, 120.0);
        let frame = Rect::from_min_size(self.rect.right_bottom() - size - vec2(12.0, 12.0), size);
        if frame.left() < self.rect.left() + theme::LANE_HEADER_WIDTH
            || frame.top() < self.rect.top()
        {
            return false;
        }
        let content = self.content_bounds();
        let scale = (frame.width() / content.width()).min(frame.height() / content.height());
        let to_mini = |c: Pos2| frame.min + (c - content.min) * scale;
        let painter = ui.painter().with_clip_rect(frame);
        painter.rect(
            frame,
            4.0,
            p.minimap_fill,
            Stroke::new(1.0, p.lane_border),
            egui::StrokeKind::Inside,
        );
        // At most a few thousand dots: sample large maps.
        let n = self.graph.node_count();
        let step = (n / 4000).max(1);
        for (k, (_, node)) in self.graph.nodes_iter().enumerate() {
            if k % step != 0 {
                continue;
            }
            let color = if node.payload().visual.customer_facing {
                p.customer_facing_stroke
            } else {
                p.internal_stroke
            };
            painter.rect_filled(
                Rect::from_center_size(to_mini(node.location()), vec2(3.0, 2.0)),
                0.0,
                color,
            );
        }
        let view = Rect::from_min_max(
            self.screen_to_canvas(self.rect.min),
            self.screen_to_canvas(self.rect.max),
        );
        painter.rect_stroke(
            Rect::from_min_max(to_mini(view.min), to_mini(view.max)),
            0.0,
            Stroke::new(1.5, p.minimap_view),
            egui::StrokeKind::Inside,
        );
        let r = ui.interact(frame, ui.id().with("minimap"), Sense::click_and_drag());
        if (r.clicked() || r.dragged())
            && let Some(at) = r.interact_pointer_pos()
        {
            let c = content.min + (at - frame.min) / scale;
            self.center_on(c);
            return true;
        }
        false
    }
}

/// Hovering a step shows its findings, each delay with the challenge question.
fn step_tooltip(response: &egui::Response, id: &StepId, analysis: &Analysis) {
    let findings: Vec<_> = analysis.findings_for(id).collect();
    let time = analysis
        .critical_path
        .contains(id)
        .then_some("On the most likely critical path");
    if findings.is_empty() && time.is_none() {
        return;
    }
    response.clone().on_hover_ui_at_pointer(|ui| {
        ui.set_max_width(360.0);
        if let Some(t) = time {
            ui.label(egui::RichText::new(t).small().weak());
        }
        for f in findings {
            ui.label(
                egui::RichText::new(format!(
                    "{} · {}",
                    f.severity.as_str().to_uppercase(),
                    f.rule.title()
                ))
                .color(theme::severity_color(f.severity))
                .strong(),
            );
            ui.label(&f.message);
            if let Some(q) = f.question {
                ui.label(egui::RichText::new(q).italics());
            }
            ui.add_space(4.0);
        }
    });
}

/// A probability as a short percentage: 30, 33.3, 0.5.
pub fn format_percent(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round())
    } else {
        format!("{v:.1}")
    }
}
