//! Where flows run between steps: the cubic curve from one step's side to another's, in
//! canvas units, shared by the canvas (hit testing, drawing) and any other picture.

use crate::layout::{STEP_HEIGHT, STEP_WIDTH};
use crate::model::StepKind;

/// Horizontal distance from the centre to where flows attach on the left and right.
pub fn side_offset(kind: StepKind) -> f32 {
    match kind {
        StepKind::Wait => STEP_WIDTH * 0.25,
        _ => STEP_WIDTH / 2.0,
    }
}

fn add(a: [f32; 2], dx: f32, dy: f32) -> [f32; 2] {
    [a[0] + dx, a[1] + dy]
}

/// The four control points (canvas units) of the cubic curve a flow is drawn along.
pub fn route(
    from: [f32; 2],
    from_kind: StepKind,
    to: [f32; 2],
    to_kind: StepKind,
) -> [[f32; 2]; 4] {
    let (hx, hy) = (STEP_WIDTH / 2.0, STEP_HEIGHT / 2.0);
    let dx = to[0] - from[0];
    let dy = to[1] - from[1];
    if dx.hypot(dy) < 1.0 {
        // A step flowing into itself: a loop over its top.
        let a = add(from, hx * 0.4, -hy);
        let b = add(from, -hx * 0.4, -hy);
        return [a, add(a, 30.0, -60.0), add(b, -30.0, -60.0), b];
    }
    if dx > side_offset(from_kind) + side_offset(to_kind) + 10.0 {
        // Forward: right side to left side, leaving and arriving horizontally.
        let a = add(from, side_offset(from_kind), 0.0);
        let b = add(to, -side_offset(to_kind), 0.0);
        let k = ((b[0] - a[0]) * 0.5).max(20.0);
        [a, add(a, k, 0.0), add(b, -k, 0.0), b]
    } else if dx.abs() <= hx && dy.abs() > 2.0 * hy {
        // Straight down or up between steps in one column.
        let s = dy.signum();
        let a = add(from, 0.0, s * hy);
        let b = add(to, 0.0, -s * hy);
        let k = ((b[1] - a[1]).abs() * 0.4).max(20.0) * s;
        [a, add(a, 0.0, k), add(b, 0.0, -k), b]
    } else {
        // Backwards (a loop) or a tight sideways step: around underneath both steps.
        let a = add(from, 0.0, hy);
        let b = add(to, 0.0, hy);
        let depth = 45.0 + dx.abs() * 0.12;
        let low = a[1].max(b[1]) + depth;
        [a, [a[0], low], [b[0], low], b]
    }
}

/// A point on a cubic curve.
pub fn bezier(p: &[[f32; 2]; 4], t: f32) -> [f32; 2] {
    let u = 1.0 - t;
    let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    let at = |c: usize| w[0] * p[0][c] + w[1] * p[1][c] + w[2] * p[2][c] + w[3] * p[3][c];
    [at(0), at(1)]
}

/// Height of the customer marker (a head and shoulders) at zoom 1, in canvas units.
pub const PERSON_MARKER_SIZE: f32 = 13.0;

/// The customer marker, `size` tall and centred on `at`: the head (centre, radius) and the
/// shoulders' outline (a half disc, left to right). The canvas and the pictures both draw it
/// from here, so they show the same figure.
pub fn person_marker(at: [f32; 2], size: f32) -> ([f32; 2], f32, Vec<[f32; 2]>) {
    let head = [at[0], at[1] - size * 0.22];
    let r = size * 0.42;
    let base = [at[0], at[1] + size * 0.5];
    let shoulders = (0..=10)
        .map(|k| {
            let a = std::f32::consts::PI * (1.0 + k as f32 / 10.0);
            [base[0] + a.cos() * r, base[1] + a.sin() * r]
        })
        .collect();
    (head, size * 0.22, shoulders)
}

/// Where a customer-facing step of `kind` with half-size `half` carries its marker, from the
/// step's centre (zoom 1: the canvas multiplies it by its zoom).
pub fn person_marker_offset(kind: StepKind, half: [f32; 2]) -> [f32; 2] {
    let [hx, hy] = half;
    match kind {
        StepKind::Decision => [0.0, -hy * 0.6],
        StepKind::Start | StepKind::End => [-hx + hy * 0.6, 0.0],
        StepKind::Wait => [-hx + hx * 0.55, hy - hy * 0.35],
        StepKind::Activity => [-hx + PERSON_MARKER_SIZE, 0.0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_leave_and_enter_at_the_sides_and_loops_go_underneath() {
        let a = [0.0, 0.0];
        let b = [400.0, 0.0];
        let r = route(a, StepKind::Activity, b, StepKind::Activity);
        assert_eq!(r[0], [STEP_WIDTH / 2.0, 0.0]);
        assert_eq!(r[3], [400.0 - STEP_WIDTH / 2.0, 0.0]);
        let back = route(b, StepKind::Activity, a, StepKind::Activity);
        assert!(back[1][1] > STEP_HEIGHT / 2.0 && back[2][1] > STEP_HEIGHT / 2.0);
        // A wait triangle is narrower: flows attach closer to its centre.
        let w = route(a, StepKind::Wait, b, StepKind::Activity);
        assert_eq!(w[0], [STEP_WIDTH * 0.25, 0.0]);
        let down = route(a, StepKind::Activity, [0.0, 300.0], StepKind::Activity);
        assert_eq!(down[0], [0.0, STEP_HEIGHT / 2.0]);
        let own = route(a, StepKind::Activity, a, StepKind::Activity);
        assert!(
            own[1][1] < -STEP_HEIGHT / 2.0,
            "a self-loop goes over the top"
        );
    }

    #[test]
    fn the_curve_runs_from_the_first_to_the_last_point() {
        let r = route(
            [0.0, 0.0],
            StepKind::Activity,
            [400.0, 0.0],
            StepKind::Activity,
        );
        assert_eq!(bezier(&r, 0.0), r[0]);
        assert_eq!(bezier(&r, 1.0), r[3]);
        assert!((bezier(&r, 0.5)[0] - 200.0).abs() < 1e-3);
    }
}
