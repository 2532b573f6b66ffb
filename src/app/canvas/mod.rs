//! The process canvas: an egui_graphs `GraphView` over a view cache rebuilt from the Map when
//! it changes, with lane bands behind it, and valueflow's own interactions on top (exact
//! dragging, box selection, connect handles, pan and zoom), since egui_graphs' built-in drag
//! snaps a grabbed node to the cursor. What is drawn comes from the egui-free view model
//! (`view::build`); `interaction` handles input and `overlays` paints around the graph.

mod interaction;
mod overlays;

use super::shapes::{FlowEdge, FlowShape, StepNode, StepShape, distance_to_route, route};
use super::theme;
use crate::analysis::Analysis;
use crate::layout::{self, LaneBand};
use crate::model::{FlowKind, IdSet, LaneId, Map, StepId};
use crate::view::{self, ViewMode};
use egui::{Pos2, Rect, Vec2, pos2, vec2};
use egui_graphs::{Graph, Layout, LayoutState};
use petgraph::Directed;
use petgraph::stable_graph::{DefaultIx, EdgeIndex, NodeIndex};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The zoom a map opens at when the whole of it would be smaller.
/// The zoom at which a step's text is comfortable to read: revealing a step (a clicked
/// finding, a Find match) zooms in to at least this.
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
    /// Canvas → screen: `screen.x = x * zoom + pan.x + rect.min.x`, and the same for y with
    /// `vscale()` in place of `zoom`.
    pub zoom: f32,
    pub pan: Vec2,
    /// The least vertical scale (screen points per canvas unit), set by a fit of a map wider
    /// than the window: its lanes are stretched to the window's height instead of leaving
    /// half of it empty, and keep that height on screen as long as the zoom is below it. 0
    /// for none.
    pub vscale_floor: f32,
    /// The vertical stretch the graph's node locations were placed with (display units are
    /// canvas units with y times this).
    applied_stretch: f32,
    /// The canvas' screen rectangle in the last frame.
    pub rect: Rect,
    fit_pending: bool,
    /// How many fits this canvas has done (a linked view fits its own height after one).
    pub fits: u32,
    drag: Option<Drag>,
    pub bands: Vec<LaneBand>,
    pub show_minimap: bool,
    /// A map that is looked at, not edited (the compare view's other map): no connect
    /// handle, a drag on a step pans, double-clicks do nothing and the context menu offers
    /// only the view's own commands.
    pub read_only: bool,
    /// The customer view's lines of interaction and visibility (canvas y), when it is shown.
    pub blueprint_lines: Option<(Option<f32>, Option<f32>)>,
    /// egui_graphs' id for this canvas' state (two canvases in one window need two).
    graph_id: &'static str,
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
            vscale_floor: 0.0,
            applied_stretch: 1.0,
            rect: Rect::NOTHING,
            fit_pending: true,
            fits: 0,
            drag: None,
            bands: Vec::new(),
            show_minimap: true,
            read_only: false,
            blueprint_lines: None,
            graph_id: GRAPH_ID,
        }
    }
}

impl Canvas {
    /// A second canvas in the window (the compare view's), with its own egui_graphs state.
    pub fn with_id(graph_id: &'static str) -> Self {
        Self {
            graph_id,
            ..Self::default()
        }
    }

    /// Drops a pending fit (a canvas that follows another's view).
    pub fn cancel_fit(&mut self) {
        self.fit_pending = false;
    }

    /// Asks for a fit-to-view on the next frame.
    pub fn request_fit(&mut self) {
        self.fit_pending = true;
    }

    /// Asks for the opening view of a map on the next frame: the whole map, fitted.
    pub fn request_opening_view(&mut self) {
        self.fit_pending = true;
    }

    /// Rebuilds the view cache when the map or its analysis changed.
    pub fn sync(
        &mut self,
        map: &Map,
        analysis: &Analysis,
        revision: u64,
        analysis_generation: usize,
    ) {
        self.sync_dimmed(
            map,
            analysis,
            revision,
            analysis_generation,
            &IdSet::default(),
        );
    }

    /// Forgets the view cache: the next `sync` rebuilds it (e.g. to undo a drag the view
    /// does not take).
    pub fn invalidate(&mut self) {
        self.built = None;
    }

    /// `sync`, with some steps drawn faded (the customer view's backstage). `revision` tells
    /// pictures apart: the same map in another view needs another number.
    pub fn sync_dimmed(
        &mut self,
        map: &Map,
        analysis: &Analysis,
        revision: u64,
        analysis_generation: usize,
        dimmed: &IdSet<StepId>,
    ) {
        if self.built == Some((revision, analysis_generation)) {
            return;
        }
        self.built = Some((revision, analysis_generation));
        self.drag = None;
        let mut view = view::build(map, analysis, ViewMode::Findings);
        for s in &mut view.steps {
            s.dimmed = dimmed.contains(&s.id);
        }
        let rooms = view::overview::rooms(&view.steps, &view.lanes);
        let stretch = self.stretch();
        let mut graph = ViewGraph::new();
        let mut nodes = Vec::with_capacity(view.steps.len());
        let mut index = HashMap::with_capacity(view.steps.len());
        for (step, [rx, ry]) in view.steps.into_iter().zip(rooms) {
            let [x, y] = step.pos;
            let id = step.id.clone();
            let node = StepNode {
                visual: Arc::new(step),
                selected: false,
                search_hit: false,
                room: vec2(rx, ry * stretch),
            };
            let i = graph.add_node_custom(node, |n| n.set_location(pos2(x, y * stretch)));
            index.insert(id, i);
            nodes.push(i);
        }
        self.applied_stretch = stretch;
        let mut edges = Vec::with_capacity(view.flows.len());
        for flow in view.flows {
            let (a, b) = (nodes[flow.from], nodes[flow.to]);
            let ids = graph
                .node(a)
                .zip(graph.node(b))
                .map(|(x, y)| (x.payload().visual.id.clone(), y.payload().visual.id.clone()));
            let Some((from, to)) = ids else { continue };
            let kind = flow.kind;
            let e = graph.add_edge(
                a,
                b,
                FlowEdge {
                    visual: Arc::new(flow),
                    selected: false,
                },
            );
            edges.push((e, from, to, kind));
        }
        self.bands = view.lanes;
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

    /// Screen points per canvas unit, vertically: the zoom, or the fit's floor when that is
    /// more.
    pub fn vscale(&self) -> f32 {
        self.zoom.max(self.vscale_floor)
    }

    /// How much taller than to scale the map is drawn (1 without a floor above the zoom).
    fn stretch(&self) -> f32 {
        self.vscale() / self.zoom
    }

    /// Canvas units → the graph's display units (y stretched).
    fn canvas_to_display(&self, p: Pos2) -> Pos2 {
        pos2(p.x, p.y * self.applied_stretch)
    }

    /// The graph's display units → canvas units.
    fn display_to_canvas(&self, p: Pos2) -> Pos2 {
        pos2(p.x, p.y / self.applied_stretch)
    }

    /// Re-places the graph's nodes when the stretch changed (the zoom moved across the floor,
    /// or a fit set a new one), keeping where dragged steps are; their rooms stretch with them.
    fn apply_stretch(&mut self) {
        let stretch = self.stretch();
        if (stretch - self.applied_stretch).abs() <= 1e-6 * stretch {
            return;
        }
        let ratio = stretch / self.applied_stretch;
        let nodes: Vec<NodeIndex> = self.graph.nodes_iter().map(|(i, _)| i).collect();
        for i in nodes {
            if let Some(n) = self.graph.node_mut(i) {
                let at = n.location();
                n.set_location(pos2(at.x, at.y * ratio));
                n.payload_mut().room.y *= ratio;
            }
        }
        self.applied_stretch = stretch;
    }

    pub fn canvas_to_screen(&self, p: Pos2) -> Pos2 {
        pos2(p.x * self.zoom, p.y * self.vscale()) + self.pan + self.rect.min.to_vec2()
    }

    pub fn screen_to_canvas(&self, p: Pos2) -> Pos2 {
        let d = p - self.rect.min - self.pan;
        pos2(d.x / self.zoom, d.y / self.vscale())
    }

    /// Where a step is drawn (canvas units), including while being dragged.
    pub fn step_centre(&self, id: &StepId) -> Option<Pos2> {
        self.index
            .get(id)
            .and_then(|&i| self.graph.node(i))
            .map(|n| self.display_to_canvas(n.location()))
    }

    /// The screen rectangle a step's overview card may take (where the zoom draws names
    /// at the overview size; see `shapes::full_text_at`).
    pub fn overview_room(&self, id: &StepId) -> Option<Rect> {
        let n = self.graph.node(*self.index.get(id)?)?;
        let centre = self.canvas_to_screen(self.display_to_canvas(n.location()));
        Some(Rect::from_center_size(
            centre,
            n.payload().room * 2.0 * self.zoom,
        ))
    }

    /// The top-most step at a canvas point.
    pub fn step_at(&self, p: Pos2) -> Option<StepId> {
        let overview = !super::shapes::full_text_at(self.zoom);
        let p = self.canvas_to_display(p);
        let mut best = None;
        for (_, n) in self.graph.nodes_iter() {
            let inside = if overview {
                Rect::from_center_size(n.location(), n.payload().room * 2.0).contains(p)
            } else {
                super::shapes::step_contains(n.payload().visual.kind, n.location(), p)
            };
            if inside {
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
        let p = self.canvas_to_display(p);
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
                self.display_to_canvas(n.location()),
                // Room for an overview card's width, the wait label and the badge.
                vec2(
                    2.0 * view::overview::MAX_ROOM_HALF_WIDTH + 16.0,
                    super::shapes::half_size().y * 2.0 + 50.0,
                ),
            ));
        }
        let top = self.bands.first().map_or(r.top(), |b| b.top);
        Rect::from_min_max(
            pos2(r.left(), top.min(r.top())),
            pos2(r.right(), bands_bottom.max(r.bottom())),
        )
    }

    /// Zoom and pan so that the whole map fits (right of the lane header column).
    /// A map wider than the window gets the window's height too: its lanes are stretched
    /// (up to how tall they are at 100%), so the overview's cards have room for their names
    /// and no half of the canvas stays empty.
    pub fn fit(&mut self) {
        self.fits = self.fits.wrapping_add(1);
        let content = self.content_bounds();
        let area = self.view_area();
        self.vscale_floor = 0.0;
        self.fit_rect(content, 1.25);
        if area.height() > 1.0 && content.is_positive() {
            let floor = self.stretch_floor(content, area);
            if floor > 0.0 {
                self.vscale_floor = floor;
                self.centre_in_view(content);
            }
        }
        // Lanes start at the top.
        if content.height() * self.vscale() < area.height() {
            self.pan.y = area.top() - content.top() * self.vscale();
        }
    }

    /// Fits the map's height into the view at the present zoom and horizontal pan: its lanes
    /// stretched to the view's height where that gains much (as `fit` does), from the top.
    /// The compare view's lower map, whose lanes are not the upper one's, is fitted so.
    pub fn fit_vertically(&mut self) {
        let content = self.content_bounds();
        let area = self.view_area();
        if area.height() <= 1.0 || !content.is_positive() {
            return;
        }
        self.vscale_floor = self.stretch_floor(content, area);
        self.pan.y = area.top() - content.top() * self.vscale();
        self.apply_stretch();
    }

    /// The vertical-scale floor a fit sets at the present zoom: the scale at which `content`
    /// fills the view area's height (at most 100%), or 0 where that gains little (a stretch
    /// of a few percent is not worth its look).
    fn stretch_floor(&self, content: Rect, area: Rect) -> f32 {
        let floor = (area.height() / content.height()).min(1.0);
        if floor > self.zoom * 1.25 { floor } else { 0.0 }
    }

    /// Takes another view's zoom and horizontal pan (the compare view's linked halves, whose
    /// lanes differ), keeping what is at the middle of this view's height where it is.
    pub fn follow(&mut self, zoom: f32, pan_x: f32) {
        if zoom == self.zoom && pan_x == self.pan.x {
            return;
        }
        let middle = self.rect.height() / 2.0;
        let before = self.vscale();
        self.zoom = zoom;
        self.pan.x = pan_x;
        // Before its first frame the canvas has no size yet, and nothing to keep.
        if self.rect.is_positive() && before > 0.0 && self.vscale() > 0.0 {
            let y = (middle - self.pan.y) / before;
            self.pan.y = middle - y * self.vscale();
        }
        self.apply_stretch();
    }

    /// The part of the canvas that content is fitted into (local coordinates): right of the
    /// lane header column, with a margin.
    fn view_area(&self) -> Rect {
        Rect::from_min_max(
            pos2(theme::LANE_HEADER_WIDTH + 10.0, 10.0),
            pos2(self.rect.width() - 10.0, self.rect.height() - 10.0),
        )
    }

    /// Zoom (at most `max_zoom`) and pan so that a canvas rectangle fills the view area.
    fn fit_rect(&mut self, content: Rect, max_zoom: f32) {
        let area = self.view_area();
        if area.width() <= 1.0 || area.height() <= 1.0 || !content.is_positive() {
            return;
        }
        self.zoom = (area.width() / content.width())
            .min(area.height() / content.height())
            .clamp(theme::MIN_ZOOM, max_zoom);
        // A floor that would push the rectangle out of view gives way.
        self.vscale_floor = self
            .vscale_floor
            .min(area.height() / content.height())
            .max(0.0);
        self.centre_in_view(content);
    }

    /// Pans so that a canvas rectangle is centred in the view area, at the present zoom and
    /// vertical scale (and places the nodes for that scale).
    fn centre_in_view(&mut self, content: Rect) {
        let c = content.center();
        self.pan = self.view_area().center().to_vec2() - vec2(c.x * self.zoom, c.y * self.vscale());
        self.apply_stretch();
    }

    /// Zooms to the given steps (the selection): all of them in view, at most 100%.
    pub fn zoom_to_steps(&mut self, ids: &[StepId]) {
        let mut r = Rect::NOTHING;
        for id in ids {
            if let Some(c) = self.step_centre(id) {
                r = r.union(Rect::from_center_size(
                    c,
                    super::shapes::half_size() * 2.0 + vec2(60.0, 60.0),
                ));
            }
        }
        if r.is_positive() {
            self.fit_rect(r, 1.0);
        }
    }

    /// 100%, keeping the centre of the view where it is.
    pub fn zoom_actual(&mut self) {
        let centre = self.rect.center();
        self.zoom_by(1.0 / self.zoom, centre);
    }

    /// Shows a step: centred, and zoomed in to `READABLE_ZOOM` when its text would be too
    /// small to read (a clicked finding, a Find match).
    pub fn reveal_step(&mut self, id: &StepId) {
        if self.zoom < READABLE_ZOOM {
            self.zoom = READABLE_ZOOM;
            self.apply_stretch();
        }
        self.center_on_step(id);
    }

    /// Zooms by a factor around a screen point.
    pub fn zoom_by(&mut self, factor: f32, around: Pos2) {
        let before = self.screen_to_canvas(around);
        self.zoom = (self.zoom * factor).clamp(theme::MIN_ZOOM, theme::MAX_ZOOM);
        let after = self.canvas_to_screen(before);
        self.pan += around - after;
        self.apply_stretch();
    }

    /// Pans so that a canvas point is at the centre of the view.
    pub fn center_on(&mut self, p: Pos2) {
        let centre_local = (self.rect.size() / 2.0) + vec2(theme::LANE_HEADER_WIDTH / 2.0, 0.0);
        self.pan = centre_local - vec2(p.x * self.zoom, p.y * self.vscale());
    }

    pub fn center_on_step(&mut self, id: &StepId) {
        if let Some(c) = self.step_centre(id) {
            self.center_on(c);
        }
    }
}
