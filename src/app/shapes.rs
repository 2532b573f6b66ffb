//! How steps and flows look on the canvas: egui_graphs display types for the view cache.
//! Steps are activity boxes, decision diamonds, start/end pills and wait triangles; flows are
//! routed curves, solid for work and dashed for information. Level of detail and culling
//! keep whole-map views of large maps cheap.

use super::theme::{self, Palette};
use crate::analysis::Severity;
use crate::layout::{STEP_HEIGHT, STEP_WIDTH};
use crate::model::{FlowKind, StepId, StepKind};
use egui::{
    Color32, CornerRadius, FontId, Pos2, Rect, Shape, Stroke, StrokeKind, Vec2, pos2, vec2,
};
use egui_graphs::{DisplayEdge, DisplayNode, DrawContext, EdgeProps, Node, NodeProps};
use petgraph::{EdgeType, stable_graph::IndexType};
use std::sync::Arc;

/// What a step shows; shared (`Arc`) because egui_graphs clones node props every frame.
#[derive(Debug, Clone, PartialEq)]
pub struct StepVisual {
    pub id: StepId,
    pub name: String,
    pub kind: StepKind,
    pub customer_facing: bool,
    /// Work time as text (empty for none).
    pub work: String,
    /// Wait time as text (empty for none).
    pub wait: String,
    /// Worst severity and number of findings.
    pub badge: Option<(Severity, usize)>,
    pub bottleneck: bool,
}

/// The node payload of the view cache.
#[derive(Debug, Clone)]
pub struct StepNode {
    pub visual: Arc<StepVisual>,
    pub selected: bool,
    pub search_hit: bool,
}

/// What a flow shows.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowVisual {
    pub kind: FlowKind,
    /// Label with the probability in front for decision branches, e.g. `30% disputed`.
    pub label: String,
    /// Part of a loop (rework or endless): highlighted.
    pub in_loop: bool,
}

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

/// Horizontal distance from the centre to where flows attach on the left and right.
fn side_offset(kind: StepKind) -> f32 {
    match kind {
        StepKind::Wait => STEP_WIDTH * 0.25,
        _ => STEP_WIDTH / 2.0,
    }
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
    if v.customer_facing {
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
        let h = half_size() * zoom;
        let rect = Rect::from_center_size(centre, h * 2.0);
        // Culling: nothing off screen (with room for the wait label and the badge).
        if !ctx
            .painter
            .clip_rect()
            .intersects(rect.expand(24.0 * zoom.max(0.5)))
        {
            return Vec::new();
        }
        let v = &self.node.visual;
        let p = theme::palette(ctx.ctx.theme() == egui::Theme::Dark);
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
                let r = CornerRadius::same((h.y).min(120.0) as u8);
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
        if zoom >= theme::TEXT_MIN_ZOOM {
            let text_color = p.step_text;
            let wrap = match v.kind {
                StepKind::Decision => h.x * 1.1,
                StepKind::Wait => h.x * 1.0,
                _ => h.x * 2.0 - 16.0 * zoom,
            };
            let galley = ctx.painter.layout(
                v.name.clone(),
                FontId::proportional(12.0 * zoom),
                text_color,
                wrap.max(10.0),
            );
            let text_centre = if v.kind == StepKind::Wait {
                centre + vec2(0.0, h.y * 0.35)
            } else {
                centre
            };
            out.push(Shape::galley(
                text_centre - galley.size() / 2.0,
                galley,
                text_color,
            ));
            if v.customer_facing {
                let icon = ctx.painter.layout_no_wrap(
                    "👤".to_owned(),
                    FontId::proportional(11.0 * zoom),
                    p.customer_facing_stroke,
                );
                let at = match v.kind {
                    StepKind::Decision => centre - vec2(icon.size().x / 2.0, h.y * 0.75),
                    _ => rect.left_top() + vec2(5.0, 3.0) * zoom,
                };
                out.push(Shape::galley(at, icon, p.customer_facing_stroke));
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
        if let Some((severity, count)) = v.badge {
            let at = rect.right_top();
            let r = (9.0 * zoom).max(3.0);
            out.push(Shape::circle_filled(at, r, theme::severity_color(severity)));
            if zoom >= theme::TEXT_MIN_ZOOM {
                let g = ctx.painter.layout_no_wrap(
                    count.to_string(),
                    FontId::proportional(10.5 * zoom),
                    Color32::WHITE,
                );
                out.push(Shape::galley(at - g.size() / 2.0, g, Color32::WHITE));
            }
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

/// The four control points (canvas units) of the cubic curve a flow is drawn along.
pub fn route(from: Pos2, from_kind: StepKind, to: Pos2, to_kind: StepKind) -> [Pos2; 4] {
    let h = half_size();
    if (from - to).length() < 1.0 {
        // A step flowing into itself: a loop over its top.
        let a = from + vec2(h.x * 0.4, -h.y);
        let b = from + vec2(-h.x * 0.4, -h.y);
        return [a, a + vec2(30.0, -60.0), b + vec2(-30.0, -60.0), b];
    }
    let dx = to.x - from.x;
    let dy = to.y - from.y;
    if dx > side_offset(from_kind) + side_offset(to_kind) + 10.0 {
        // Forward: right side to left side, leaving and arriving horizontally.
        let a = from + vec2(side_offset(from_kind), 0.0);
        let b = to - vec2(side_offset(to_kind), 0.0);
        let k = ((b.x - a.x) * 0.5).max(20.0);
        [a, a + vec2(k, 0.0), b - vec2(k, 0.0), b]
    } else if dx.abs() <= h.x && dy.abs() > 2.0 * h.y {
        // Straight down or up between steps in one column.
        let s = dy.signum();
        let a = from + vec2(0.0, s * h.y);
        let b = to - vec2(0.0, s * h.y);
        let k = ((b.y - a.y).abs() * 0.4).max(20.0) * s;
        [a, a + vec2(0.0, k), b - vec2(0.0, k), b]
    } else {
        // Backwards (a loop) or a tight sideways step: around underneath both steps.
        let a = from + vec2(0.0, h.y);
        let b = to + vec2(0.0, h.y);
        let depth = 45.0 + dx.abs() * 0.12;
        let low = a.y.max(b.y) + depth;
        [a, pos2(a.x, low), pos2(b.x, low), b]
    }
}

/// A point on a cubic curve.
pub fn bezier(p: &[Pos2; 4], t: f32) -> Pos2 {
    let u = 1.0 - t;
    let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    pos2(
        w[0] * p[0].x + w[1] * p[1].x + w[2] * p[2].x + w[3] * p[3].x,
        w[0] * p[0].y + w[1] * p[1].y + w[2] * p[2].y + w[3] * p[3].y,
    )
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
        if zoom < theme::DETAIL_MIN_ZOOM {
            // Level of detail: a plain line is all that can be seen.
            return vec![Shape::line_segment(
                [pts[0], pts[3]],
                Stroke::new(1.0, color),
            )];
        }
        let line = flatten(&pts, 20);
        let mut out = if v.kind == FlowKind::Information {
            Shape::dashed_line(&line, stroke, 7.0 * zoom.max(0.5), 4.0 * zoom.max(0.5))
        } else {
            vec![Shape::line(line.clone(), stroke)]
        };
        // Arrowhead along the curve's last direction.
        let tip = pts[3];
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
        if zoom >= theme::TEXT_MIN_ZOOM && !v.label.is_empty() {
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
