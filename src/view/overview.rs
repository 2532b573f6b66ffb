//! The overview's step cards. Where a map is shown whole, a step's text cannot be drawn to
//! scale, so the canvas draws each step as a card that takes the free space around its box
//! (up to a column's width and a row's height, never into a neighbour or another lane) and
//! writes the name in it at a readable size. This is the geometry of that free space, in
//! canvas units, computed once per map: linear in steps (a grid of buckets), whatever the
//! map's shape.

use super::StepBox;
use crate::layout::{LANE_MIN_HEIGHT, LAYER_WIDTH, LaneBand, STEP_HEIGHT, STEP_WIDTH, band_at};
use std::collections::HashMap;

/// Half the widest card: a column of the auto-arrange less a gap.
pub const MAX_ROOM_HALF_WIDTH: f32 = LAYER_WIDTH / 2.0 - 6.0;
/// Half the tallest card: a lane of one row less a gap (rows of one lane share it, see
/// `rooms`).
pub const MAX_ROOM_HALF_HEIGHT: f32 = LANE_MIN_HEIGHT / 2.0 - 4.0;
/// Space kept between two cards, and between a card and its lane's edge, canvas units.
const GAP: f32 = 8.0;
/// Steps compared with one step, at most (so a pile of steps at one point stays linear).
const MAX_NEIGHBOURS: usize = 48;

/// For each step (in `steps` order): the half width and half height of its card, canvas
/// units. Never smaller than the step's own box; never reaching a neighbour's card, its
/// lane's edges (by more than the box itself does) or past `MAX_ROOM_HALF_*`.
pub fn rooms(steps: &[StepBox], bands: &[LaneBand]) -> Vec<[f32; 2]> {
    let (min_w, min_h) = (STEP_WIDTH / 2.0, STEP_HEIGHT / 2.0);
    let reach = [
        2.0 * MAX_ROOM_HALF_WIDTH + GAP,
        2.0 * MAX_ROOM_HALF_HEIGHT + GAP,
    ];
    let cell = |p: [f32; 2]| {
        (
            (p[0] / reach[0]).floor() as i64,
            (p[1] / reach[1]).floor() as i64,
        )
    };
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::with_capacity(steps.len());
    for (k, s) in steps.iter().enumerate() {
        grid.entry(cell(s.pos)).or_default().push(k);
    }
    steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let [x, y] = s.pos;
            let mut w = MAX_ROOM_HALF_WIDTH;
            let mut h = MAX_ROOM_HALF_HEIGHT;
            if let Some(b) = band_at(bands, y) {
                h = h.min(y - b.top - GAP / 2.0).min(b.bottom - y - GAP / 2.0);
            }
            let (cx, cy) = cell(s.pos);
            let mut seen = 0;
            'cells: for gx in cx - 1..=cx + 1 {
                for gy in cy - 1..=cy + 1 {
                    for &j in grid.get(&(gx, gy)).map_or(&[][..], Vec::as_slice) {
                        if j == k {
                            continue;
                        }
                        seen += 1;
                        if seen > MAX_NEIGHBOURS {
                            break 'cells;
                        }
                        let [dx, dy] = [(steps[j].pos[0] - x).abs(), (steps[j].pos[1] - y).abs()];
                        if dx >= reach[0] || dy >= reach[1] {
                            continue;
                        }
                        if dy < STEP_HEIGHT + GAP {
                            // Beside it, in its row: the cards share the space between.
                            w = w.min(dx / 2.0 - GAP / 2.0);
                        } else {
                            // Above or below it: the cards share the height between.
                            h = h.min(dy / 2.0 - GAP / 2.0);
                        }
                    }
                }
            }
            [w.max(min_w), h.max(min_h)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::layout::lane_bands;

    fn rect(s: &StepBox, r: [f32; 2]) -> [f32; 4] {
        [
            s.pos[0] - r[0],
            s.pos[1] - r[1],
            s.pos[0] + r[0],
            s.pos[1] + r[1],
        ]
    }

    fn overlap(a: [f32; 4], b: [f32; 4]) -> bool {
        a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
    }

    #[test]
    fn cards_of_the_samples_never_overlap_and_stay_in_their_lanes() {
        for (name, _) in crate::samples::BUILT_IN {
            let map = crate::samples::load(name).unwrap().unwrap();
            let view = super::super::build(&map, &analyze(&map), super::super::ViewMode::Plain);
            let bands = lane_bands(&map);
            let r = rooms(&view.steps, &bands);
            for (k, s) in view.steps.iter().enumerate() {
                assert!(r[k][0] >= STEP_WIDTH / 2.0 && r[k][1] >= STEP_HEIGHT / 2.0);
                let band = band_at(&bands, s.pos[1]).unwrap();
                let c = rect(s, r[k]);
                // A card reaches past its lane only where the box itself does.
                let (top, bottom) = (s.pos[1] - STEP_HEIGHT / 2.0, s.pos[1] + STEP_HEIGHT / 2.0);
                assert!(
                    c[1] >= band.top.min(top) && c[3] <= band.bottom.max(bottom),
                    "{name}: {}",
                    s.id
                );
                for (j, t) in view.steps.iter().enumerate().skip(k + 1) {
                    assert!(!overlap(c, rect(t, r[j])), "{name}: {} and {}", s.id, t.id);
                }
            }
            // The arranged samples leave room: most cards are wider than their boxes.
            let wide = r.iter().filter(|r| r[0] > STEP_WIDTH / 2.0 + 10.0).count();
            assert!(
                wide * 2 > r.len(),
                "{name}: {wide} of {} cards wider",
                r.len()
            );
        }
    }

    #[test]
    fn neighbours_share_the_space_between_them() {
        let at = |x: f32, y: f32| StepBox {
            id: format!("s{x}-{y}").as_str().into(),
            name: String::new(),
            kind: crate::model::StepKind::Activity,
            role: super::super::StepRole::Internal,
            pos: [x, y],
            work: String::new(),
            wait: String::new(),
            badge: None,
            bottleneck: false,
            dimmed: false,
        };
        let band = LaneBand {
            lane: None,
            name: String::new(),
            top: 0.0,
            bottom: 1000.0,
        };
        // Two steps 160 apart in a row, one 100 below the first.
        let steps = [at(100.0, 200.0), at(260.0, 200.0), at(100.0, 300.0)];
        let r = rooms(&steps, std::slice::from_ref(&band));
        let (beside, below) = (160.0 / 2.0 - GAP / 2.0, 100.0 / 2.0 - GAP / 2.0);
        assert_eq!(r[0], [beside, below]);
        assert_eq!(
            r[1],
            [beside, below],
            "the one below the first is diagonal to it"
        );
        assert_eq!(r[2], [MAX_ROOM_HALF_WIDTH, below]);
        // Alone, a step gets the whole room.
        assert_eq!(
            rooms(&steps[..1], &[band]),
            vec![[MAX_ROOM_HALF_WIDTH, MAX_ROOM_HALF_HEIGHT]]
        );
    }

    #[test]
    fn a_pile_of_steps_at_one_point_is_linear() {
        let map = crate::samples::synthetic(20);
        let view = super::super::build(&map, &analyze(&map), super::super::ViewMode::Plain);
        let mut steps = Vec::new();
        for k in 0..50_000 {
            let mut s = view.steps[k % view.steps.len()].clone();
            s.pos = [10.0, 10.0];
            steps.push(s);
        }
        let r = rooms(&steps, &[]);
        // Side by side at no distance: no wider than the box (nothing above or below).
        assert!(
            r.iter()
                .all(|r| *r == [STEP_WIDTH / 2.0, MAX_ROOM_HALF_HEIGHT])
        );
    }
}
