//! How steps and flows look on the canvas: egui_graphs display types for the view cache.
//! Steps are activity boxes, decision diamonds, start/end pills and wait triangles; flows are
//! routed curves, solid for work and dashed for information. Level of detail and culling
//! keep whole-map views of large maps cheap.

use super::theme::{self, Palette};
use crate::layout::{STEP_HEIGHT, STEP_WIDTH};
use crate::model::{FlowKind, StepKind};
use crate::view::{self, Badge, FlowLine, StepBox};
use egui::{
    Color32, CornerRadius, FontId, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2, pos2, vec2,
};
use egui_graphs::{DisplayEdge, DisplayNode, DrawContext, EdgeProps, Node, NodeProps};
use petgraph::{EdgeType, stable_graph::IndexType};
use std::sync::Arc;

/// What a step shows (the view model's box); shared (`Arc`) because egui_graphs clones
/// node props every frame.
pub type StepVisual = StepBox;

/// The node payload of the view cache.
#[derive(Debug, Clone)]
pub struct StepNode {
    pub visual: Arc<StepVisual>,
    pub selected: bool,
    pub search_hit: bool,
    /// Half the size of the free space around the step that its overview card may take
    /// (`view::overview::rooms`), in the canvas' display units (y stretched with the view).
    pub room: Vec2,
}

/// What a flow shows (the view model's line).
pub type FlowVisual = FlowLine;

/// The edge payload of the view cache.
#[derive(Debug, Clone)]
pub struct FlowEdge {
    pub visual: Arc<FlowVisual>,
    pub selected: bool,
}

/// Half the size of a step's box, canvas units.
pub fn half_size() -> Vec2 {
    vec2(STEP_WIDTH, STEP_HEIGHT) / 2.0
}

/// Whether a canvas point is inside the step drawn at `centre` (badge included).
pub fn step_contains(kind: StepKind, centre: Pos2, p: Pos2) -> bool {
    let h = half_size();
    let d = p - centre;
    let badge = centre + vec2(h.x, -h.y);
    if (p - badge).length() <= 10.0 {
        return true;
    }
    match kind {
        StepKind::Decision => d.x.abs() / h.x + d.y.abs() / h.y <= 1.0,
        StepKind::Wait => {
            // Triangle: apex at top centre, base at the bottom.
            let t = (d.y + h.y) / (2.0 * h.y);
            (0.0..=1.0).contains(&t) && d.x.abs() <= h.x * t
        }
        _ => d.x.abs() <= h.x && d.y.abs() <= h.y,
    }
}

/// The customer marker ([`crate::view::person_marker`]), centred on `at`, `size` tall.
fn person_icon(at: Pos2, size: f32, color: Color32) -> Vec<Shape> {
    let (head, radius, shoulders) = crate::view::person_marker([at.x, at.y], size);
    vec![
        Shape::circle_filled(head.into(), radius, color),
        Shape::convex_polygon(
            shoulders.into_iter().map(Pos2::from).collect(),
            color,
            Stroke::NONE,
        ),
    ]
}

/// Display of a step.
#[derive(Debug, Clone)]
pub struct StepShape {
    pub node: StepNode,
    pub centre: Pos2,
}

impl From<NodeProps<StepNode>> for StepShape {
    fn from(props: NodeProps<StepNode>) -> Self {
        Self {
            centre: props.location(),
            node: props.payload,
        }
    }
}

fn step_colors(p: &Palette, v: &StepVisual) -> (Color32, Color32) {
    if v.is_customer_facing() {
        (p.customer_facing_fill, p.customer_facing_stroke)
    } else {
        (p.internal_fill, p.internal_stroke)
    }
}

impl<Ty: EdgeType, Ix: IndexType> DisplayNode<StepNode, FlowEdge, Ty, Ix> for StepShape {
    fn closest_boundary_point(&self, dir: Vec2) -> Pos2 {
        let h = half_size();
        let d = dir.normalized();
        if !d.is_finite() {
            return self.centre;
        }
        let tx = if d.x.abs() > 1e-6 {
            h.x / d.x.abs()
        } else {
            f32::INFINITY
        };
        let ty = if d.y.abs() > 1e-6 {
            h.y / d.y.abs()
        } else {
            f32::INFINITY
        };
        self.centre + d * tx.min(ty)
    }

    fn shapes(&mut self, ctx: &DrawContext) -> Vec<Shape> {
        let zoom = ctx.meta.zoom;
        let centre = ctx.meta.canvas_to_screen_pos(self.centre);
        let room = Rect::from_center_size(
            centre,
            (half_size() * zoom).max(self.node.room * zoom) * 2.0,
        );
        // Culling: nothing off screen (with room for the wait label and the badge).
        if !ctx
            .painter
            .clip_rect()
            .intersects(room.expand(24.0 * zoom.max(0.5)))
        {
            return Vec::new();
        }
        let v = &self.node.visual;
        let p = theme::palette(ctx.ctx.theme() == egui::Theme::Dark);
        // Overview (semantic zoom): a card in the free space around the step, with the name
        // alone at a readable size, in as many lines as the card holds.
        let card = (!full_text_at(zoom)).then(|| {
            overview_card(
                ctx.ctx,
                &v.name,
                v.kind,
                centre,
                self.node.room * zoom,
                zoom,
                p.step_text,
            )
        });
        let rect = card.as_ref().map_or_else(
            || Rect::from_center_size(centre, half_size() * zoom * 2.0),
            |c| c.rect,
        );
        let h = rect.size() / 2.0;
        let (fill, base_stroke) = step_colors(p, v);
        let stroke = if self.node.selected {
            Stroke::new(3.0, p.selected_stroke)
        } else if self.node.search_hit {
            Stroke::new(3.0, p.search_hit_stroke)
        } else if v.bottleneck {
            Stroke::new(2.5, p.bottleneck_stroke)
        } else {
            Stroke::new(1.2, base_stroke)
        };
        let mut out = Vec::with_capacity(8);
        let body = match v.kind {
            StepKind::Decision => Shape::convex_polygon(
                vec![
                    centre - vec2(0.0, h.y),
                    centre + vec2(h.x, 0.0),
                    centre + vec2(0.0, h.y),
                    centre - vec2(h.x, 0.0),
                ],
                fill,
                stroke,
            ),
            StepKind::Wait => Shape::convex_polygon(
                vec![rect.center_top(), rect.right_bottom(), rect.left_bottom()],
                fill,
                stroke,
            ),
            StepKind::Start | StepKind::End => {
                // A pill; a tall overview card only rounds its corners, so its text fits.
                let r = if card.is_some() { h.y.min(12.0) } else { h.y };
                let r = CornerRadius::same(r.min(120.0) as u8);
                let stroke = if v.kind == StepKind::End && !self.node.selected {
                    Stroke::new(stroke.width + 1.5, stroke.color)
                } else {
                    stroke
                };
                Shape::Rect(egui::epaint::RectShape::new(
                    rect,
                    r,
                    fill,
                    stroke,
                    StrokeKind::Inside,
                ))
            }
            StepKind::Activity => Shape::Rect(egui::epaint::RectShape::new(
                rect,
                CornerRadius::same((8.0 * zoom).min(60.0) as u8),
                fill,
                stroke,
                StrokeKind::Inside,
            )),
        };
        out.push(body);
        let faded = v.dimmed;
        if let Some(OverviewCard {
            name: Some(name), ..
        }) = card
        {
            let at = match v.kind {
                // Below the apex of the triangle.
                StepKind::Wait => {
                    centre + vec2(0.0, (h.y - name.size().y / 2.0 - 3.0).min(h.y * 0.3))
                }
                _ => centre,
            };
            out.push(Shape::galley(
                at - name.rect.center().to_vec2(),
                name,
                p.step_text,
            ));
        } else if full_text_at(zoom) {
            let text_color = p.step_text;
            // Room for the customer marker at the left.
            let marker = if v.is_customer_facing() && v.kind != StepKind::Decision {
                16.0 * zoom
            } else {
                0.0
            };
            let wrap = match v.kind {
                StepKind::Decision => h.x * 1.1,
                StepKind::Wait => h.x * 1.0,
                StepKind::Start | StepKind::End => h.x * 2.0 - h.y - marker,
                StepKind::Activity => h.x * 2.0 - 16.0 * zoom - marker,
            };
            let galley = ctx.painter.layout(
                v.name.clone(),
                FontId::proportional(NAME_FONT_SIZE * zoom),
                text_color,
                wrap.max(10.0),
            );
            let text_centre = match v.kind {
                StepKind::Wait => centre + vec2(0.0, h.y * 0.35),
                StepKind::Decision if v.is_customer_facing() => centre + vec2(0.0, 4.0 * zoom),
                StepKind::Decision => centre,
                _ => centre + vec2(marker / 2.0, 0.0),
            };
            out.push(Shape::galley(
                text_centre - galley.size() / 2.0,
                galley,
                text_color,
            ));
            if v.is_customer_facing() {
                let [dx, dy] = crate::view::person_marker_offset(v.kind, [h.x / zoom, h.y / zoom]);
                let at = centre + vec2(dx, dy) * zoom;
                out.extend(person_icon(
                    at,
                    crate::view::PERSON_MARKER_SIZE * zoom,
                    p.customer_facing_stroke,
                ));
            }
            if !v.work.is_empty() {
                let g = ctx.painter.layout_no_wrap(
                    v.work.clone(),
                    FontId::proportional(10.0 * zoom),
                    p.step_detail_text,
                );
                let at = rect.right_bottom() - g.size() - vec2(6.0, 3.0) * zoom;
                out.push(Shape::galley(at, g, p.step_detail_text));
            }
            if !v.wait.is_empty() {
                let g = ctx.painter.layout_no_wrap(
                    format!("⏱ {}", v.wait),
                    FontId::proportional(10.5 * zoom),
                    p.wait_text,
                );
                let at = rect.left_top() - vec2(0.0, g.size().y + 2.0 * zoom);
                out.push(Shape::galley(at, g, p.wait_text));
            }
        }
        if let Some(Badge {
            severity,
            findings: count,
        }) = v.badge
        {
            let at = rect.right_top();
            let r = (9.0 * zoom).max(3.0);
            out.push(Shape::circle_filled(at, r, theme::severity_color(severity)));
            if zoom >= theme::TEXT_MIN_ZOOM {
                let g = ctx.painter.layout_no_wrap(
                    count.to_string(),
                    FontId::proportional(10.5 * zoom),
                    p.badge_text,
                );
                out.push(Shape::galley(at - g.size() / 2.0, g, p.badge_text));
            }
        }
        if faded {
            // Backstage in the customer view: the step shows through a veil of the canvas.
            out.push(Shape::rect_filled(
                rect.expand(3.0),
                CornerRadius::same((8.0 * zoom).min(60.0) as u8),
                p.canvas_background.gamma_multiply(0.6),
            ));
        }
        out
    }

    fn update(&mut self, state: &NodeProps<StepNode>) {
        self.centre = state.location();
        self.node = state.payload.clone();
    }

    fn is_inside(&self, pos: Pos2) -> bool {
        step_contains(self.node.visual.kind, self.centre, pos)
    }
}

/// Whether a step's text (name, times, badge count) is drawn to scale at `zoom`: only where
/// its name would be at least `theme::OVERVIEW_FONT_SIZE` on screen. Below that the name is
/// drawn at that size instead (`overview_label`), so it stays readable.
pub fn full_text_at(zoom: f32) -> bool {
    NAME_FONT_SIZE * zoom >= theme::OVERVIEW_FONT_SIZE
}

/// A step's name at 100% zoom, in points.
const NAME_FONT_SIZE: f32 = 12.0;

/// A step drawn in the overview (below `full_text_at`): its card on screen, and its name in
/// it at `theme::OVERVIEW_FONT_SIZE` whatever the zoom.
pub struct OverviewCard {
    /// The card: the room's width, and as tall as the name needs (at least the step's box,
    /// at most the room).
    pub rect: Rect,
    /// The name wrapped to the card's width and cut with "…" (`elided`) to the lines the
    /// room holds; `None` when not even one short line fits.
    pub name: Option<Arc<egui::Galley>>,
    /// The name's size: `theme::OVERVIEW_FONT_SIZE`, or down to
    /// `theme::OVERVIEW_MIN_FONT_SIZE` so that its longest word is not broken.
    pub font_size: f32,
}

/// Lays out a step's overview card centred on `centre`, in `room` (half size, screen points;
/// see `view::overview::rooms`). The canvas draws it and its flows stop at its edge.
pub fn overview_card(
    ctx: &egui::Context,
    name: &str,
    kind: StepKind,
    centre: Pos2,
    room: Vec2,
    zoom: f32,
    color: Color32,
) -> OverviewCard {
    let normal = half_size() * zoom;
    let half = room.max(normal);
    let width = half.x * 2.0
        - if matches!(kind, StepKind::Start | StepKind::End) {
            10.0
        } else {
            4.0
        };
    let plain = |font_size| OverviewCard {
        rect: Rect::from_center_size(centre, normal * 2.0),
        name: None,
        font_size,
    };
    if width < theme::OVERVIEW_MIN_LABEL_WIDTH || name.trim().is_empty() {
        // Too small for a name (a far zoom of a large map): no text work at all.
        return plain(theme::OVERVIEW_FONT_SIZE);
    }
    let (font, line) = ctx.fonts_mut(|f| {
        // The longest word decides: the regular size, or the largest smaller one (in
        // quarter points; text does not scale exactly) at which it fits on one line.
        let longest = name
            .split_whitespace()
            .max_by_key(|w| w.chars().count())
            .unwrap_or_default();
        let fits = |f: &mut egui::epaint::FontsView<'_>, size: f32| {
            let font = FontId::proportional(size);
            f.layout_no_wrap(longest.to_owned(), font, color).size().x + 1.0 <= width
        };
        let mut size = theme::OVERVIEW_FONT_SIZE;
        while size > theme::OVERVIEW_MIN_FONT_SIZE && !fits(f, size) {
            size -= 0.25;
        }
        let font = FontId::proportional(size);
        let line = f.row_height(&font);
        (font, line)
    });
    let font_size = font.size;
    // A diamond's corners hold no text: it keeps a line's height free above and below.
    let pad = if kind == StepKind::Decision {
        2.0 * line
    } else {
        6.0
    };
    let rows = ((half.y * 2.0 - pad) / line).floor().max(0.0) as usize;
    if rows == 0 {
        return plain(font_size);
    }
    let mut job = egui::text::LayoutJob::simple(name.to_owned(), font, color, width);
    job.wrap.max_rows = rows;
    job.wrap.break_anywhere = false;
    job.wrap.overflow_character = Some('…');
    job.halign = egui::Align::Center;
    let galley = ctx.fonts_mut(|f| f.layout_job(job));
    let height = (galley.size().y + pad).clamp(normal.y * 2.0, half.y * 2.0);
    OverviewCard {
        rect: Rect::from_center_size(centre, vec2(half.x * 2.0, height)),
        name: Some(galley),
        font_size,
    }
}

/// The four control points (canvas units) of the cubic curve a flow is drawn along
/// (`view::route` in egui's types).
pub fn route(from: Pos2, from_kind: StepKind, to: Pos2, to_kind: StepKind) -> [Pos2; 4] {
    view::route([from.x, from.y], from_kind, [to.x, to.y], to_kind).map(|[x, y]| pos2(x, y))
}

/// A point on a cubic curve.
pub fn bezier(p: &[Pos2; 4], t: f32) -> Pos2 {
    let [x, y] = view::bezier(&p.map(|q| [q.x, q.y]), t);
    pos2(x, y)
}

/// The curve as a polyline of `n + 1` points.
pub fn flatten(p: &[Pos2; 4], n: usize) -> Vec<Pos2> {
    (0..=n).map(|i| bezier(p, i as f32 / n as f32)).collect()
}

/// Distance from a point to a flow's curve (canvas units).
pub fn distance_to_route(p: &[Pos2; 4], q: Pos2) -> f32 {
    let pts = flatten(p, 24);
    pts.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let ab = b - a;
            let t = if ab.length_sq() > 0.0 {
                ((q - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (a + ab * t - q).length()
        })
        .fold(f32::INFINITY, f32::min)
}

/// Display of a flow.
#[derive(Debug, Clone)]
pub struct FlowShape {
    pub edge: FlowEdge,
}

impl From<EdgeProps<FlowEdge>> for FlowShape {
    fn from(props: EdgeProps<FlowEdge>) -> Self {
        Self {
            edge: props.payload,
        }
    }
}

fn endpoints<Ty: EdgeType, Ix: IndexType>(
    start: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
    end: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
) -> [Pos2; 4] {
    route(
        start.location(),
        start.payload().visual.kind,
        end.location(),
        end.payload().visual.kind,
    )
}

impl<Ty: EdgeType, Ix: IndexType> DisplayEdge<StepNode, FlowEdge, Ty, Ix, StepShape> for FlowShape {
    fn shapes(
        &mut self,
        start: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
        end: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
        ctx: &DrawContext,
    ) -> Vec<Shape> {
        let zoom = ctx.meta.zoom;
        let canvas = endpoints(start, end);
        let pts = canvas.map(|c| ctx.meta.canvas_to_screen_pos(c));
        let bounds = Rect::from_points(&pts).expand(12.0);
        if !ctx.painter.clip_rect().intersects(bounds) {
            return Vec::new();
        }
        let p = theme::palette(ctx.ctx.theme() == egui::Theme::Dark);
        let v = &self.edge.visual;
        let color = if self.edge.selected {
            p.selected_stroke
        } else if v.in_loop && v.kind == FlowKind::Work {
            p.loop_flow
        } else if v.kind == FlowKind::Information {
            p.information_flow
        } else {
            p.work_flow
        };
        let width = if self.edge.selected {
            2.5
        } else if v.in_loop {
            2.0
        } else {
            1.4
        };
        let stroke = Stroke::new(width, color);
        let mut line = flatten(&pts, 20);
        if !full_text_at(zoom) {
            // The overview's cards are larger than the boxes: the flow runs from card edge
            // to card edge, so its arrowhead shows.
            let card = |n: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>| {
                let v = &n.payload().visual;
                let centre = ctx.meta.canvas_to_screen_pos(n.location());
                let room = n.payload().room * zoom;
                overview_card(ctx.ctx, &v.name, v.kind, centre, room, zoom, p.step_text).rect
            };
            let (a, b) = (card(start), card(end));
            let first = line.iter().position(|q| !a.contains(*q));
            let last = line.iter().rposition(|q| !b.contains(*q));
            match (first, last) {
                (Some(f), Some(l)) if l > f => line = line[f..=l].to_vec(),
                _ => return Vec::new(),
            }
        }
        if zoom < theme::DETAIL_MIN_ZOOM {
            // Level of detail: a plain line is all that can be seen.
            return vec![Shape::line_segment(
                [line[0], line[line.len() - 1]],
                Stroke::new(1.0, color),
            )];
        }
        let mut out = if v.kind == FlowKind::Information {
            Shape::dashed_line(&line, stroke, 7.0 * zoom.max(0.5), 4.0 * zoom.max(0.5))
        } else {
            vec![Shape::line(line.clone(), stroke)]
        };
        // Arrowhead along the curve's last direction.
        let tip = line[line.len() - 1];
        let dir = (tip - line[line.len() - 2]).normalized();
        if dir.is_finite() {
            let size = (10.0 * zoom).clamp(4.0, 14.0);
            let normal = vec2(-dir.y, dir.x) * size * 0.45;
            let base = tip - dir * size;
            out.push(Shape::convex_polygon(
                vec![tip, base + normal, base - normal],
                color,
                Stroke::NONE,
            ));
        }
        if full_text_at(zoom) && !v.label.is_empty() {
            let g = ctx.painter.layout_no_wrap(
                v.label.clone(),
                FontId::proportional(10.5 * zoom),
                p.flow_label_text,
            );
            let mid = bezier(&pts, 0.5);
            let r = Rect::from_center_size(mid, g.size() + vec2(6.0, 2.0) * zoom);
            out.push(Shape::rect_filled(r, 3.0 * zoom, p.flow_label_fill));
            out.push(Shape::galley(
                r.min + vec2(3.0, 1.0) * zoom,
                g,
                p.flow_label_text,
            ));
        }
        out
    }

    fn update(&mut self, state: &EdgeProps<FlowEdge>) {
        self.edge = state.payload.clone();
    }

    fn is_inside(
        &self,
        start: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
        end: &Node<StepNode, FlowEdge, Ty, Ix, StepShape>,
        pos: Pos2,
    ) -> bool {
        distance_to_route(&endpoints(start, end), pos) <= 6.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_testing_follows_the_shapes() {
        let c = pos2(100.0, 100.0);
        let h = half_size();
        // Diamond: the bounding box corner is outside, the centre inside.
        assert!(step_contains(StepKind::Decision, c, c));
        assert!(!step_contains(
            StepKind::Decision,
            c,
            c + vec2(h.x - 2.0, h.y - 2.0)
        ));
        // Box: the corner is inside.
        assert!(step_contains(
            StepKind::Activity,
            c,
            c + vec2(h.x - 2.0, h.y - 2.0)
        ));
        // Triangle: the apex region is narrow.
        assert!(!step_contains(
            StepKind::Wait,
            c,
            c + vec2(h.x * 0.8, -h.y * 0.8)
        ));
        assert!(step_contains(
            StepKind::Wait,
            c,
            c + vec2(h.x * 0.8, h.y * 0.9)
        ));
        // The badge counts.
        assert!(step_contains(StepKind::Decision, c, c + vec2(h.x, -h.y)));
    }

    #[test]
    fn routes_leave_and_enter_at_the_sides_and_loops_go_underneath() {
        let a = pos2(0.0, 0.0);
        let b = pos2(400.0, 0.0);
        let r = route(a, StepKind::Activity, b, StepKind::Activity);
        assert_eq!(r[0], pos2(STEP_WIDTH / 2.0, 0.0));
        assert_eq!(r[3], pos2(400.0 - STEP_WIDTH / 2.0, 0.0));
        let back = route(b, StepKind::Activity, a, StepKind::Activity);
        assert!(back[1].y > STEP_HEIGHT / 2.0 && back[2].y > STEP_HEIGHT / 2.0);
        assert!(distance_to_route(&r, pos2(200.0, 0.0)) < 1.0);
        assert!(distance_to_route(&r, pos2(200.0, 50.0)) > 40.0);
    }
}
