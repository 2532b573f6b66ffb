//! The customer's view of a map, as a service blueprint: the customer lanes on top, then a
//! line of interaction, the customer-facing steps of each other lane (frontstage), a line of
//! visibility and all internal work collapsed into one backstage band. It is a picture only:
//! it is derived from the map, which it leaves unchanged.

use crate::layout::{FIRST_ROW_OFFSET, LANE_MIN_HEIGHT, LAYER_WIDTH, ROW_HEIGHT, STEP_WIDTH};
use crate::model::{IdMap, IdSet, Lane, LaneId, Map, Step, StepId};

/// The blueprint's lane for the backstage band.
pub const BACKSTAGE_LANE: &str = "blueprint-backstage";

/// The customer view of a map.
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// The same steps and flows in the blueprint's lanes and positions.
    pub map: Map,
    /// The line of interaction (between the customer and the company), canvas y; `None`
    /// when the map has no customer lane.
    pub interaction_y: Option<f32>,
    /// The line of visibility (above the backstage band), canvas y; `None` when nothing is
    /// backstage.
    pub visibility_y: Option<f32>,
    /// The internal steps, drawn dimmed.
    pub backstage: IdSet<StepId>,
}

/// Rows inside one band: steps sorted by x, each on the first row where it keeps a step's
/// width from the one before it, so no two boxes overlap.
fn rows(steps: &mut [(&Step, f32)]) -> Vec<usize> {
    steps.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut last: Vec<f32> = Vec::new();
    let gap = STEP_WIDTH + (LAYER_WIDTH - STEP_WIDTH) / 2.0;
    steps
        .iter()
        .map(|&(_, x)| match last.iter().position(|&l| x - l >= gap) {
            Some(r) => {
                last[r] = x;
                r
            }
            None => {
                last.push(x);
                last.len() - 1
            }
        })
        .collect()
}

/// The customer view of `map`.
pub fn customer_view(map: &Map) -> Blueprint {
    let customer: IdSet<&LaneId> = map
        .lanes()
        .iter()
        .filter(|l| l.customer)
        .map(|l| &l.id)
        .collect();
    let front_id = |l: &LaneId| LaneId::new(format!("blueprint-front-{l}"));
    // The blueprint's lanes, top to bottom: customer lanes, frontstage lanes, backstage.
    let mut lanes: Vec<Lane> = map.lanes().iter().filter(|l| l.customer).cloned().collect();
    let customer_lanes = lanes.len();
    for l in map.lanes().iter().filter(|l| !l.customer) {
        if map
            .steps()
            .any(|s| s.lane.as_ref() == Some(&l.id) && s.is_customer_facing())
        {
            lanes.push(Lane::new(front_id(&l.id), l.name.clone()));
        }
    }
    let front_end = lanes.len();
    let mut backstage = IdSet::default();
    // Each step's blueprint lane.
    let lane_of = |s: &Step| -> LaneId {
        match &s.lane {
            Some(l) if customer.contains(l) => l.clone(),
            Some(l) if s.is_customer_facing() => front_id(l),
            None if s.is_customer_facing() => LaneId::new("blueprint-front"),
            _ => LaneId::new(BACKSTAGE_LANE),
        }
    };
    if map
        .steps()
        .any(|s| s.lane.is_none() && s.is_customer_facing())
    {
        lanes.push(Lane::new("blueprint-front", "Frontstage"));
    }
    let front_end = front_end.max(lanes.len());
    for s in map.steps() {
        if lane_of(s).as_str() == BACKSTAGE_LANE {
            backstage.insert(s.id.clone());
        }
    }
    if !backstage.is_empty() {
        lanes.push(Lane::new(BACKSTAGE_LANE, "Backstage (internal work)"));
    }
    // Positions: x as drawn in the map (auto-arranged where a step has none), rows per band.
    let fallback: IdMap<StepId, [f32; 2]> = if map.steps().any(|s| s.pos.is_none()) {
        crate::layout::arrange(map).into_iter().collect()
    } else {
        IdMap::default()
    };
    let x_of = |s: &Step| {
        s.pos
            .or_else(|| fallback.get(&s.id).copied())
            .map_or(0.0, |p| p[0])
    };
    let mut by_lane: IdMap<LaneId, Vec<(&Step, f32)>> = IdMap::default();
    for s in map.steps() {
        by_lane.entry(lane_of(s)).or_default().push((s, x_of(s)));
    }
    let mut pos: IdMap<&StepId, [f32; 2]> = IdMap::default();
    let mut top = 0.0f32;
    let mut tops = Vec::with_capacity(lanes.len());
    for lane in &lanes {
        tops.push(top);
        let mut members = by_lane.remove(&lane.id).unwrap_or_default();
        let rows = rows(&mut members);
        let count = rows.iter().copied().max().map_or(0, |r| r + 1);
        for ((s, x), r) in members.iter().zip(&rows) {
            pos.insert(&s.id, [*x, top + FIRST_ROW_OFFSET + *r as f32 * ROW_HEIGHT]);
        }
        let height = if count == 0 {
            LANE_MIN_HEIGHT
        } else {
            LANE_MIN_HEIGHT.max((count - 1) as f32 * ROW_HEIGHT + 2.0 * FIRST_ROW_OFFSET)
        };
        top += height;
    }
    let mut out = Map::new(map.name.clone());
    out.description = map.description.clone();
    for lane in lanes.iter().cloned() {
        // Ids are unique: the map's own lane ids, and prefixed ones for the new bands.
        let _ = out.add_lane(lane);
    }
    let lane_ids: IdSet<LaneId> = lanes.iter().map(|l| l.id.clone()).collect();
    for s in map.steps() {
        let mut step = s.clone();
        let lane = lane_of(s);
        step.lane = lane_ids.contains(&lane).then_some(lane);
        step.pos = pos.get(&s.id).copied();
        // The review's merge target is a step of the same map; it is not drawn anyway.
        step.review = None;
        let _ = out.add_step(step);
    }
    for f in map.flows() {
        let _ = out.connect_unchecked_sum(f.from, f.to, f.flow.clone());
    }
    let interaction_y =
        (customer_lanes > 0 && lanes.len() > customer_lanes).then(|| tops[customer_lanes]);
    let visibility_y = (!backstage.is_empty()).then(|| tops[front_end]);
    Blueprint {
        map: out,
        interaction_y,
        visibility_y,
        backstage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{STEP_HEIGHT, band_at, lane_bands};

    #[test]
    fn customer_lanes_on_top_then_frontstage_then_one_backstage_band() {
        let map = crate::samples::default_map().unwrap();
        let before = crate::format::to_json_string(&map).unwrap();
        let bp = customer_view(&map);
        assert_eq!(crate::format::to_json_string(&map).unwrap(), before);
        let names: Vec<&str> = bp.map.lanes().iter().map(|l| l.name.as_str()).collect();
        // Customer; the lanes with a customer-facing step, in map order; backstage.
        assert_eq!(
            names,
            ["Customer", "Sales", "Credit", "Backstage (internal work)"]
        );
        assert_eq!(bp.map.step_count(), map.step_count());
        assert_eq!(bp.map.flow_count(), map.flow_count());
        // Every step is drawn in its band, and no two boxes of a band overlap.
        let bands = lane_bands(&bp.map);
        for s in bp.map.steps() {
            let band = band_at(&bands, s.pos.unwrap()[1]).unwrap();
            assert_eq!(band.lane, s.lane, "{}", s.id);
            let internal =
                !s.is_customer_facing() && s.lane.as_ref().is_none_or(|l| l.as_str() != "customer");
            assert_eq!(bp.backstage.contains(&s.id), internal, "{}", s.id);
        }
        let steps: Vec<&Step> = bp.map.steps().collect();
        for (i, a) in steps.iter().enumerate() {
            for b in &steps[i + 1..] {
                let (pa, pb) = (a.pos.unwrap(), b.pos.unwrap());
                let apart =
                    (pa[0] - pb[0]).abs() >= STEP_WIDTH || (pa[1] - pb[1]).abs() >= STEP_HEIGHT;
                assert!(apart, "{} overlaps {}", a.id, b.id);
            }
        }
        // The lines: interaction under the customer lane, visibility over the backstage.
        let customer_band = &bands[0];
        assert_eq!(bp.interaction_y, Some(customer_band.bottom));
        let backstage_band = bands.last().unwrap();
        assert_eq!(bp.visibility_y, Some(backstage_band.top));
    }

    #[test]
    fn without_customer_lanes_there_is_no_line_of_interaction() {
        let mut map = crate::samples::default_map().unwrap();
        map.set_lane_field(&"customer".into(), crate::model::LaneField::Customer(false))
            .unwrap();
        let bp = customer_view(&map);
        assert_eq!(bp.interaction_y, None);
        assert!(bp.visibility_y.is_some());
        // The customer lane, no longer marked, has customer-facing steps: frontstage.
        assert_eq!(bp.map.lanes()[0].name, "Customer");
    }
}
