//! The streamed load: the file parsed on one thread while a second one builds the map from
//! the lanes, steps and flows parsed so far. It only ever succeeds; whatever is wrong with a
//! file, the one-piece load reads it again to name the problem.

use super::lane_from;
use super::{Loader, RawDerivedFrom, RawFlow, RawLane, RawScorecard, StepEntry, add_flow};
use crate::model::{DerivedFrom, Map, MapBuilder};
use serde_json::value::RawValue;
use std::sync::mpsc::{Receiver, channel};

mod scan;

/// Elements sent to the builder at a time: large enough that sending costs nothing, small
/// enough that the builder starts early.
const CHUNK: usize = 1024;

/// What the parser hands the builder, in file order.
enum Part<'a> {
    /// All the lanes (they are few; the steps need all of them).
    Lanes(Vec<RawLane>),
    Steps(Vec<StepEntry>),
    /// The steps array has ended.
    StepsDone,
    Flows(Vec<RawFlow<'a>>),
}

/// The top level of the file but for its lanes, steps and flows (which went to the builder).
struct Header<'a> {
    format: &'a RawValue,
    version: &'a RawValue,
    name: Option<String>,
    description: Option<String>,
    scorecard: Option<Option<RawScorecard>>,
    derived_from: Option<Option<RawDerivedFrom>>,
}

/// Loads the file with the build on a second thread; `None` when anything is wrong (or a
/// thread could not be started), for the one-piece load to say what.
pub(super) fn load(loader: &Loader<'_>) -> Option<Map> {
    let text = loader.text;
    let (parts, received) = channel();
    let (header, (mut map, uses_v2)) = std::thread::scope(|s| {
        let builder = std::thread::Builder::new()
            .spawn_scoped(s, move || build(received))
            .ok()?;
        let header = scan::file(text, &parts);
        // The builder finishes once the sender is gone.
        drop(parts);
        let built = builder.join().ok().flatten();
        Some((header?, built?))
    })?;
    let version = loader
        .check_header(Some(header.format), Some(header.version))
        .ok()?;
    if version < 2 && (header.scorecard.is_some() || header.derived_from.is_some() || uses_v2) {
        return None;
    }
    map.read_version = version;
    if let Some(card) = header.scorecard.flatten() {
        map.scorecard = loader.scorecard(card).ok()?;
    }
    if let Some(from) = header.derived_from.flatten() {
        map.derived_from = Some(DerivedFrom {
            name: from.name,
            file: from.file,
        });
    }
    map.name = header.name.unwrap_or_default();
    map.description = header.description.unwrap_or_default();
    Some(map)
}

/// The builder's side: lanes first, then steps, then flows, whatever order the file has
/// them in (what comes early waits). `None` at the first problem (and the parser stops as
/// its next send fails); else the map, its decisions checked, and whether it uses a format
/// version 2 field (a customer lane, a step's review).
fn build(parts: Receiver<Part<'_>>) -> Option<(Map, bool)> {
    let mut b = StreamBuilder::default();
    for part in parts {
        b.take(part)?;
    }
    // The sections the file does not have are empty.
    b.take(Part::Lanes(Vec::new()))?;
    b.take(Part::StepsDone)?;
    let uses_v2 = b.uses_v2;
    Some((b.map.finish().ok()?, uses_v2))
}

#[derive(Default)]
struct StreamBuilder<'a> {
    map: MapBuilder,
    lanes_added: bool,
    steps_done: bool,
    waiting_steps: Vec<Vec<StepEntry>>,
    waiting_flows: Vec<Vec<RawFlow<'a>>>,
    uses_v2: bool,
}

impl<'a> StreamBuilder<'a> {
    fn take(&mut self, part: Part<'a>) -> Option<()> {
        match part {
            Part::Lanes(_) if self.lanes_added => {}
            Part::Lanes(lanes) => {
                for lane in lanes {
                    self.uses_v2 |= lane.customer.is_some();
                    self.map.add_lane(lane_from(lane)).ok()?;
                }
                self.lanes_added = true;
                for steps in std::mem::take(&mut self.waiting_steps) {
                    self.add_steps(steps)?;
                }
                self.add_waiting_flows()?;
            }
            Part::Steps(steps) if self.lanes_added => self.add_steps(steps)?,
            Part::Steps(steps) => self.waiting_steps.push(steps),
            Part::StepsDone => {
                self.steps_done = true;
                self.add_waiting_flows()?;
            }
            Part::Flows(flows) if self.lanes_added && self.steps_done => self.add_flows(flows)?,
            Part::Flows(flows) => self.waiting_flows.push(flows),
        }
        Some(())
    }

    fn add_steps(&mut self, steps: Vec<StepEntry>) -> Option<()> {
        for StepEntry(step, has_review) in steps {
            self.uses_v2 |= has_review;
            self.map.add_step(step.ok()?).ok()?;
        }
        Some(())
    }

    fn add_waiting_flows(&mut self) -> Option<()> {
        if self.lanes_added && self.steps_done {
            for flows in std::mem::take(&mut self.waiting_flows) {
                self.add_flows(flows)?;
            }
        }
        Some(())
    }

    fn add_flows(&mut self, flows: Vec<RawFlow<'a>>) -> Option<()> {
        for f in flows {
            add_flow(&mut self.map, f).ok()?;
        }
        Some(())
    }
}
