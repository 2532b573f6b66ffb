//! The sample maps shipped inside the binary; the as-is order-to-cash map is what the app
//! opens with on a fresh machine.

use crate::format::{LoadError, load_bytes};
use crate::model::Map;

/// (file name, contents) of every built-in sample, the default first.
pub const BUILT_IN: &[(&str, &[u8])] = &[
    (
        "order-to-cash-as-is.vfmap.json",
        include_bytes!("../samples/order-to-cash-as-is.vfmap.json"),
    ),
    (
        "order-to-cash-to-be.vfmap.json",
        include_bytes!("../samples/order-to-cash-to-be.vfmap.json"),
    ),
    (
        "coffee-shop-order.vfmap.json",
        include_bytes!("../samples/coffee-shop-order.vfmap.json"),
    ),
    (
        "customer-onboarding.vfmap.json",
        include_bytes!("../samples/customer-onboarding.vfmap.json"),
    ),
    (
        "complaint-handling.vfmap.json",
        include_bytes!("../samples/complaint-handling.vfmap.json"),
    ),
];

/// Loads a built-in sample by file name.
pub fn load(name: &str) -> Option<Result<Map, LoadError>> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, bytes)| load_bytes(&format!("<built-in sample {n}>"), bytes))
}

/// The map the app opens with: the order-to-cash as-is sample.
pub fn default_map() -> Result<Map, LoadError> {
    let (name, bytes) = BUILT_IN[0];
    load_bytes(&format!("<built-in sample {name}>"), bytes)
}

/// A generated map of `steps` steps for benchmarks and stress tests: eight lanes, a chain
/// of activities with a rework decision every ten steps (looping back with probability
/// 0.1), a parallel split every thirty, waits with mixed values, and information flows.
pub fn synthetic(steps: usize) -> Map {
    use crate::model::{Flow, Lane, Step, StepKind, Touchpoint, Value};
    const LANES: usize = 8;
    let steps = steps.max(2);
    let mut map = Map::new(format!("Synthetic process with {steps} steps"));
    map.description = "Generated for benchmarks".into();
    for l in 0..LANES {
        // Ids are fresh and unique by construction.
        let _ = map.add_lane(Lane::new(format!("lane-{l}"), format!("Team {l}")));
    }
    map.reserve(steps);
    let id = |i: usize| crate::model::StepId::new(format!("s{i}"));
    for i in 0..steps {
        let kind = if i == 0 {
            StepKind::Start
        } else if i == steps - 1 {
            StepKind::End
        } else if i % 10 == 9 {
            StepKind::Decision
        } else if i % 17 == 0 {
            StepKind::Wait
        } else {
            StepKind::Activity
        };
        let lane = (i / 3) % LANES;
        let mut step = Step::new(id(i), format!("Step {i}"), kind)
            .in_lane(format!("lane-{lane}"))
            .with_times(
                ((i * 7) % 60) as f64,
                if i % 4 == 0 {
                    ((i * 13) % 240) as f64
                } else {
                    0.0
                },
            )
            .with_value(Value::ALL[i % 4])
            .with_touchpoint(if i % 5 == 0 {
                Touchpoint::Customer
            } else {
                Touchpoint::Internal
            });
        step.pos = Some([i as f32 * 180.0, lane as f32 * 140.0 + 70.0]);
        let _ = map.add_step(step);
    }
    for i in 0..steps - 1 {
        if i % 10 == 9 && i >= 9 {
            let _ =
                map.connect_unchecked_sum(&id(i), &id(i + 1), Flow::work().with_probability(0.9));
            let _ = map.connect_unchecked_sum(
                &id(i),
                &id(i - 8),
                Flow::work().with_probability(0.1).with_label("rework"),
            );
        } else {
            let _ = map.connect_unchecked_sum(&id(i), &id(i + 1), Flow::work());
        }
        if i % 30 == 5 && i + 2 < steps {
            let _ = map.connect_unchecked_sum(&id(i), &id(i + 2), Flow::work());
        }
        if i % 5 == 0 && i + 3 < steps {
            let _ = map.connect_unchecked_sum(
                &id(i),
                &id(i + 3),
                Flow::information().with_label("form"),
            );
        }
    }
    map
}
