//! Canvas geometry shared by the editor, the importers and the exporters: lane bands derived
//! from step positions, and the lane-aware layered auto-arrange (left to right in flow order).
//! Canvas units; no egui here.

use crate::model::{FlowKind, LaneId, Map, StepId, StepKind};
use std::collections::HashMap;

/// Width of a step's box on the canvas.
pub const STEP_WIDTH: f32 = 140.0;
/// Height of a step's box on the canvas.
pub const STEP_HEIGHT: f32 = 64.0;
/// Height of a lane with one row of steps.
pub const LANE_MIN_HEIGHT: f32 = 140.0;
/// Distance between the centres of two rows of steps in one lane.
pub const ROW_HEIGHT: f32 = 110.0;
/// Distance between the centres of two layers (columns).
pub const LAYER_WIDTH: f32 = 190.0;
/// Centre of the first row below the top of its lane.
pub const FIRST_ROW_OFFSET: f32 = LANE_MIN_HEIGHT / 2.0;
/// Centre of the first layer.
pub const FIRST_LAYER_X: f32 = 100.0;

/// One lane's horizontal band, top to bottom on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneBand {
    /// `None` for the single implicit band of a map without lanes.
    pub lane: Option<LaneId>,
    pub name: String,
    pub top: f32,
    pub bottom: f32,
}

impl LaneBand {
    pub fn contains_y(&self, y: f32) -> bool {
        y >= self.top && y < self.bottom
    }

    pub fn height(&self) -> f32 {
        self.bottom - self.top
    }
}

/// The lane bands of a map, stacked in lane order from y = 0: each lane is at least
/// `LANE_MIN_HEIGHT` and tall enough for the lowest step placed in it (relative to its top).
pub fn lane_bands(map: &Map) -> Vec<LaneBand> {
    let mut lowest: HashMap<Option<&LaneId>, f32> = HashMap::new();
    for s in map.steps() {
        if let Some([_, y]) = s.pos {
            let e = lowest.entry(s.lane.as_ref()).or_insert(f32::MIN);
            *e = e.max(y);
        }
    }
    let lanes: Vec<(Option<LaneId>, String)> = if map.lanes().is_empty() {
        vec![(None, String::new())]
    } else {
        map.lanes()
            .iter()
            .map(|l| (Some(l.id.clone()), l.name.clone()))
            .collect()
    };
    let mut top = 0.0;
    lanes
        .into_iter()
        .map(|(lane, name)| {
            let low = lowest.get(&lane.as_ref()).copied().unwrap_or(f32::MIN);
            let bottom = (top + LANE_MIN_HEIGHT).max(low + FIRST_ROW_OFFSET);
            let band = LaneBand {
                lane,
                name,
                top,
                bottom,
            };
            top = bottom;
            band
        })
        .collect()
}

/// The band a canvas y falls in (above the first: the first; below the last: the last).
pub fn band_at(bands: &[LaneBand], y: f32) -> Option<&LaneBand> {
    bands
        .iter()
        .find(|b| b.contains_y(y))
        .or_else(|| if y < 0.0 { bands.first() } else { bands.last() })
}

/// Positions that put every step inside its own lane band: where a lane's highest step
/// reaches above its band (into the lane above), the lane's steps are shifted down together
/// (their arrangement inside the lane is kept) so that it sits on the lane's first row.
/// Bands grow downwards to hold their lowest step, so nothing else needs moving.
/// With `compact`, every lane's highest step is put on its first row (lanes close up, e.g.
/// after lanes were reordered or removed). Returns only the steps that move.
pub fn fit_steps_to_lanes(map: &Map, compact: bool) -> Vec<(StepId, [f32; 2])> {
    let lanes: Vec<Option<&LaneId>> = if map.lanes().is_empty() {
        vec![None]
    } else {
        map.lanes().iter().map(|l| Some(&l.id)).collect()
    };
    // Each lane's placed steps, gathered in one pass (linear in steps + lanes).
    let mut by_lane: HashMap<Option<&LaneId>, Vec<(&StepId, [f32; 2])>> = HashMap::new();
    for s in map.steps() {
        if let Some(p) = s.pos {
            by_lane.entry(s.lane.as_ref()).or_default().push((&s.id, p));
        }
    }
    let mut moves = Vec::new();
    let mut top = 0.0f32;
    for lane in lanes {
        let members = by_lane.remove(&lane).unwrap_or_default();
        let highest = members.iter().map(|(_, p)| p[1]).fold(f32::MAX, f32::min);
        let lowest = members.iter().map(|(_, p)| p[1]).fold(f32::MIN, f32::max);
        if members.is_empty() {
            top += LANE_MIN_HEIGHT;
            continue;
        }
        let dy = if compact || highest < top + STEP_HEIGHT / 2.0 + 6.0 {
            top + FIRST_ROW_OFFSET - highest
        } else {
            0.0
        };
        if dy.abs() > 0.01 {
            moves.extend(
                members
                    .iter()
                    .map(|(id, [x, y])| ((*id).clone(), [*x, y + dy])),
            );
        }
        top = (top + LANE_MIN_HEIGHT).max(lowest + dy + FIRST_ROW_OFFSET);
    }
    moves
}

/// Whether some step is outside its lane band or has no position.
pub fn needs_fitting(map: &Map) -> bool {
    map.steps().any(|s| s.pos.is_none()) || !fit_steps_to_lanes(map, false).is_empty()
}

/// Auto-arrange: a lane-aware layered layout. Layers follow the work flows left to right
/// (loops are broken at their back edges, found depth-first from the entry steps); within a
/// lane, steps of the same layer go on separate rows, ordered by their predecessors' rows to
/// keep crossings few. Returns a position for every step, in map order.
pub fn arrange(map: &Map) -> Vec<(StepId, [f32; 2])> {
    let n = map.step_count();
    let order: Vec<_> = map.step_indices().to_vec();
    let mut dense: HashMap<petgraph::stable_graph::NodeIndex, usize> = HashMap::with_capacity(n);
    for (k, &i) in order.iter().enumerate() {
        dense.insert(i, k);
    }
    let steps: Vec<_> = map.steps().collect();
    // Work successors in map-order of flows (deterministic).
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for f in map.flows() {
        if f.flow.kind != FlowKind::Work {
            continue;
        }
        if let (Some(a), Some(b)) = (map.index_of(f.from), map.index_of(f.to))
            && let (Some(&a), Some(&b)) = (dense.get(&a), dense.get(&b))
        {
            succ[a].push(b);
        }
    }
    // Depth-first from entries (starts first, then steps without incoming work, then the
    // rest) to find back edges; iterative so long chains cannot overflow the stack.
    let mut indegree = vec![0usize; n];
    for out in &succ {
        for &b in out {
            indegree[b] += 1;
        }
    }
    let mut roots: Vec<usize> = (0..n)
        .filter(|&v| steps[v].kind == StepKind::Start)
        .collect();
    roots.extend((0..n).filter(|&v| steps[v].kind != StepKind::Start && indegree[v] == 0));
    roots.extend(0..n);
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    for root in roots {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = succ[v].get(*next) {
                *next += 1;
                match mark[w] {
                    Mark::New => {
                        forward[v].push(w);
                        mark[w] = Mark::Open;
                        stack.push((w, 0));
                    }
                    Mark::Done => forward[v].push(w),
                    Mark::Open => {} // a back edge: ignored for layering
                }
            } else {
                mark[v] = Mark::Done;
                stack.pop();
            }
        }
    }
    // Longest-path layering over the forward (acyclic) edges, in topological order.
    let mut indeg = vec![0usize; n];
    for out in &forward {
        for &b in out {
            indeg[b] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut topo = Vec::with_capacity(n);
    while let Some(v) = queue.pop_front() {
        topo.push(v);
        for &w in &forward[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    let lane_at = map.lane_positions();
    let lane_of = |v: usize| -> usize {
        steps[v]
            .lane
            .as_ref()
            .and_then(|l| lane_at.get(l).copied())
            .unwrap_or(0)
    };
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (v, out) in forward.iter().enumerate() {
        for &w in out {
            preds[w].push(v);
        }
    }
    if map.lanes().len() <= COMPACT_MAX_LANES {
        compact_layers(&topo, &preds, &lane_of, &mut layer);
    }
    // Rows within lanes: layer by layer, steps of a lane ordered by the mean row of their
    // forward predecessors (barycentre), then map order.
    let max_layer = layer.iter().copied().max().unwrap_or(0);
    let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); max_layer + 1];
    for v in 0..n {
        by_layer[layer[v]].push(v);
    }
    let lane_count = map.lanes().len().max(1);
    let mut row = vec![0usize; n];
    let mut rows_in_lane = vec![1usize; lane_count];
    for members in &by_layer {
        let mut per_lane: Vec<Vec<(f32, usize)>> = vec![Vec::new(); lane_count];
        for &v in members {
            let same_lane: Vec<f32> = preds[v]
                .iter()
                .filter(|&&u| lane_of(u) == lane_of(v))
                .map(|&u| row[u] as f32)
                .collect();
            let key = if same_lane.is_empty() {
                0.0
            } else {
                same_lane.iter().sum::<f32>() / same_lane.len() as f32
            };
            per_lane[lane_of(v)].push((key, v));
        }
        for (l, mut list) in per_lane.into_iter().enumerate() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Keep a step on its predecessor's row when it is free.
            let mut taken: Vec<bool> = Vec::new();
            for (key, v) in list {
                let want = key.round().max(0.0) as usize;
                let r = (want..)
                    .find(|&r| !taken.get(r).copied().unwrap_or(false))
                    .unwrap_or(want);
                if taken.len() <= r {
                    taken.resize(r + 1, false);
                }
                taken[r] = true;
                row[v] = r;
                rows_in_lane[l] = rows_in_lane[l].max(r + 1);
            }
        }
    }
    let mut lane_top = vec![0.0f32; lane_count];
    let mut top = 0.0;
    for l in 0..lane_count {
        lane_top[l] = top;
        top += LANE_MIN_HEIGHT + ROW_HEIGHT * (rows_in_lane[l] - 1) as f32;
    }
    (0..n)
        .map(|v| {
            let x = FIRST_LAYER_X + LAYER_WIDTH * layer[v] as f32;
            let y = lane_top[lane_of(v)] + FIRST_ROW_OFFSET + ROW_HEIGHT * row[v] as f32;
            (steps[v].id.clone(), [x, y])
        })
        .collect()
}

/// Up to this many lanes, `arrange` lets hand-offs run straight down or up (see
/// `compact_layers`); beyond it the plain longest-path layers are kept (the compact rule keeps
/// a column per lane for every step).
const COMPACT_MAX_LANES: usize = 32;

/// Columns for a swimlane map that use its height: a work flow to another lane may run
/// straight down or up (the next step in the same column), where a flow within a lane moves
/// one column on. A step still comes after every step of its own lane that leads to it (so
/// A → B → C, with A and C in one lane, puts C after A), and a hand-off only goes straight
/// when no step already sits in a lane it would cross. Maps of a few lanes get about half as
/// wide as with one column per step on the longest path.
fn compact_layers(
    topo: &[usize],
    preds: &[Vec<usize>],
    lane_of: &dyn Fn(usize) -> usize,
    layer: &mut [usize],
) {
    const NONE: i64 = -1;
    // For each step: the largest column of a step leading to it, per lane.
    let mut before: Vec<[i64; COMPACT_MAX_LANES]> = vec![[NONE; COMPACT_MAX_LANES]; layer.len()];
    let mut occupied: std::collections::HashSet<(usize, usize)> = Default::default();
    for &w in topo {
        let lw = lane_of(w);
        let mut upstream = [NONE; COMPACT_MAX_LANES];
        let mut col = 0usize;
        for &v in &preds[w] {
            let lv = lane_of(v);
            for (u, b) in upstream.iter_mut().zip(&before[v]) {
                *u = (*u).max(*b);
            }
            upstream[lv] = upstream[lv].max(layer[v] as i64);
            let straight = lv != lw
                && (lv.min(lw) + 1..lv.max(lw)).all(|l| !occupied.contains(&(l, layer[v])));
            col = col.max(layer[v] + usize::from(!straight));
        }
        if upstream[lw] != NONE {
            col = col.max(upstream[lw] as usize + 1);
        }
        layer[w] = col;
        before[w] = upstream;
        occupied.insert((lw, col));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, Lane, Step};

    fn map() -> Map {
        let mut m = Map::new("m");
        for l in ["a", "b"] {
            m.add_lane(Lane::new(l, l.to_uppercase())).unwrap();
        }
        let steps = [
            ("s", "a", StepKind::Start),
            ("d", "a", StepKind::Decision),
            ("x", "b", StepKind::Activity),
            ("y", "b", StepKind::Activity),
            ("e", "a", StepKind::End),
        ];
        for (id, lane, kind) in steps {
            m.add_step(Step::new(id, id, kind).in_lane(lane)).unwrap();
        }
        for (a, b) in [
            ("s", "d"),
            ("d", "x"),
            ("d", "y"),
            ("x", "e"),
            ("y", "e"),
            ("e", "s"),
        ] {
            m.connect_unchecked_sum(&a.into(), &b.into(), Flow::work())
                .unwrap();
        }
        m
    }

    fn apply(m: &mut Map, pos: &[(StepId, [f32; 2])]) {
        for (id, p) in pos {
            m.move_step(id, *p).unwrap();
        }
    }

    #[test]
    fn arrange_goes_left_to_right_in_lanes_and_breaks_loops() {
        let mut m = map();
        let pos = arrange(&m);
        apply(&mut m, &pos);
        let p = |id: &str| m.step(&id.into()).unwrap().pos.unwrap();
        // Columns: s 0, d 1, x/y 1 (the hand-off to lane b runs straight down), e 2 (after
        // d, the step of its own lane that leads to it); the loop back e → s is ignored.
        assert_eq!(p("s")[0], FIRST_LAYER_X);
        assert!(p("s")[0] < p("d")[0] && p("d")[0] == p("x")[0] && p("x")[0] < p("e")[0]);
        assert_eq!(p("x")[0], p("y")[0]);
        // x and y share a layer and a lane: two rows, so lane b is taller.
        assert_ne!(p("x")[1], p("y")[1]);
        let bands = lane_bands(&m);
        assert_eq!(bands.len(), 2);
        assert_eq!(bands[1].height(), LANE_MIN_HEIGHT + ROW_HEIGHT);
        for s in m.steps() {
            let band = band_at(&bands, s.pos.unwrap()[1]).unwrap();
            assert_eq!(band.lane, s.lane, "{} sits in its lane", s.id);
        }
        assert!(!needs_fitting(&m));
    }

    #[test]
    fn fitting_moves_whole_lanes_into_their_bands() {
        let mut m = map();
        let pos = arrange(&m);
        apply(&mut m, &pos);
        // Push lane a's steps far down: they now sit in b's band.
        let a_steps: Vec<StepId> = m
            .steps()
            .filter(|s| s.lane == Some("a".into()))
            .map(|s| s.id.clone())
            .collect();
        for id in &a_steps {
            let [x, y] = m.step(id).unwrap().pos.unwrap();
            m.move_step(id, [x, y + 500.0]).unwrap();
        }
        assert!(needs_fitting(&m));
        let moves = fit_steps_to_lanes(&m, false);
        apply(&mut m, &moves);
        assert!(!needs_fitting(&m));
        let bands = lane_bands(&m);
        for s in m.steps() {
            assert_eq!(band_at(&bands, s.pos.unwrap()[1]).unwrap().lane, s.lane);
        }
    }

    #[test]
    fn arrange_handles_a_large_map_quickly_and_deterministically() {
        let m = crate::samples::synthetic(5_000);
        let a = arrange(&m);
        assert_eq!(a.len(), 5_000);
        assert_eq!(a, arrange(&m));
    }
}
