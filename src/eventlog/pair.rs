//! Rule 1: lifecycle events paired into activity instances, per (case, activity, instance
//! id) first-in first-out in time order, ties by position in the file.

use super::{Event, EventLogError, Instance, NONE, Progress, RawLog, Transition};
use std::collections::VecDeque;

/// Turns the log's events (if any) into instances; an interval log passes through.
pub(crate) fn into_instances(
    mut log: RawLog,
    progress: &Progress,
) -> Result<RawLog, EventLogError> {
    if log.events.is_empty() {
        return Ok(log);
    }
    let mut events = std::mem::take(&mut log.events);
    events.sort_unstable_by_key(|e| (e.case, e.activity, e.instance, e.time_ms, e.pos));
    progress.check()?;
    let mut instances = Vec::with_capacity(events.len() / 2 + 1);
    let mut open: VecDeque<Event> = VecDeque::new();
    let mut unpaired = 0u64;
    let mut first_unpaired: Option<(u32, u32)> = None;
    let mut ignored = 0u64;
    let mut group_start = 0;
    while group_start < events.len() {
        let key = |e: &Event| (e.case, e.activity, e.instance);
        let k = key(&events[group_start]);
        let mut end = group_start;
        open.clear();
        while end < events.len() && key(&events[end]) == k {
            let e = events[end];
            match e.transition {
                Transition::Start => open.push_back(e),
                Transition::Complete => instances.push(instance(open.pop_front(), &e)),
                Transition::Other => ignored += 1,
            }
            end += 1;
        }
        if !open.is_empty() {
            unpaired += open.len() as u64;
            first_unpaired.get_or_insert((k.0, k.1));
        }
        group_start = end;
    }
    drop(events);
    if let Some((case, activity)) = first_unpaired {
        log.warnings.push(format!(
            "{unpaired} start event{} never completed and {} dropped (the first: case \"{}\", activity \"{}\")",
            if unpaired == 1 { " was" } else { "s were" },
            if unpaired == 1 { "is" } else { "are" },
            log.cases.name(case),
            log.activities.name(activity)
        ));
    }
    if ignored > 0 {
        log.warnings.push(format!(
            "{ignored} event{} with a lifecycle transition other than start and complete ignored",
            if ignored == 1 { "" } else { "s" }
        ));
    }
    log.instances = instances;
    Ok(log)
}

/// The instance of a complete event and its start (if any): the complete's resource and
/// role, else the start's; the start's position when it has one.
fn instance(start: Option<Event>, complete: &Event) -> Instance {
    let pick = |c: u32, s: Option<u32>| if c != NONE { c } else { s.unwrap_or(NONE) };
    Instance {
        case: complete.case,
        activity: complete.activity,
        start_ms: start.map(|s| s.time_ms),
        complete_ms: complete.time_ms,
        resource: pick(complete.resource, start.map(|s| s.resource)),
        role: pick(complete.role, start.map(|s| s.role)),
        pos: start.map_or(complete.pos, |s| s.pos),
    }
}
