//! Rules 2–12 of the mapping (docs/eventlogs.md): activity filter, case order, concurrency,
//! causal predecessors, times, outcomes and their filter, then steps, flows and lanes built
//! through `MapBuilder`.

use super::observed::{Observed, ObservedStats, format_observed};
use super::time::format_ms;
use super::{Calibration, EventLogError, Instance, Layout, NONE, Options, Progress, RawLog};
use crate::model::{Flow, Lane, LaneId, MapBuilder, Step, StepKind};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::cmp::Reverse;
use std::path::Path;

/// The outcome member that stands for END (activities are their rank + 1).
const END: u32 = 0;
/// The source that stands for START (activities are their rank + 1).
const START: usize = 0;
/// How far (in instances of one case) predecessors are looked for back, and overlaps ahead:
/// bounds the time of a pathological case with hundreds of thousands of mutually concurrent
/// or overlapping instances.
const MAX_PRED_SCAN: usize = 1_000;
const MS_PER_MIN: f64 = 60_000.0;

/// What was read, what was filtered and why, and the case durations.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The log's file name.
    pub file: String,
    pub layout: Layout,
    /// The XES log's own `concept:name`.
    pub log_name: Option<String>,
    pub cases: u64,
    /// Events (XES) or rows (CSV) read.
    pub events: u64,
    /// Activity instances after pairing, before the activity filter.
    pub activity_instances: u64,
    /// Activity instances the map is calibrated from (after the activity filter).
    pub kept_instances: u64,
    /// The earliest and the latest timestamp, RFC 3339 UTC.
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub statistic: super::Statistic,
    pub min_activity: f64,
    pub min_flow: f64,
    pub min_conc: f64,
    /// No instance has a start: work is 0 and waits include the work.
    pub complete_only: bool,
    /// Activities kept (steps other than start, end and the extra split steps).
    pub activities: usize,
    pub dropped_activities: Vec<DroppedActivity>,
    pub dropped_flows: Vec<DroppedFlow>,
    /// The activity pairs found concurrent (names, each pair sorted).
    pub concurrent: Vec<[String; 2]>,
    /// Case duration, first start (or complete) to last complete, over the kept instances.
    pub mean_case_mins: f64,
    pub median_case_mins: f64,
}

/// An activity removed by `min_activity`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedActivity {
    pub name: String,
    /// Cases it occurs in.
    pub cases: u64,
    /// Its share of the cases.
    pub case_share: f64,
}

/// An outcome removed by `min_flow`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DroppedFlow {
    /// The source activity (or "START").
    pub from: String,
    /// The outcome's activities (sorted; "END" for the case's end).
    pub to: Vec<String>,
    pub count: u64,
    /// Its share of the source's outcomes.
    pub share: f64,
}

/// Which activity pairs are concurrent (rule 4), dense for up to 4096 activities.
struct Concurrency {
    k: usize,
    dense: Vec<bool>,
    sparse: HashSet<(u32, u32)>,
    /// Each activity's concurrent activities, sorted.
    partners: Vec<Vec<u32>>,
}

impl Concurrency {
    fn new(k: usize) -> Self {
        Self {
            k,
            dense: if k <= 4096 {
                vec![false; k * k]
            } else {
                Vec::new()
            },
            sparse: HashSet::new(),
            partners: vec![Vec::new(); k],
        }
    }

    fn set(&mut self, a: u32, b: u32) {
        if self.dense.is_empty() {
            self.sparse.insert((a.min(b), a.max(b)));
        } else {
            self.dense[a as usize * self.k + b as usize] = true;
            self.dense[b as usize * self.k + a as usize] = true;
        }
        self.partners[a as usize].push(b);
        self.partners[b as usize].push(a);
    }

    /// Sorts the partner lists (after the last `set`).
    fn finish(mut self) -> Self {
        for p in &mut self.partners {
            p.sort_unstable();
            p.dedup();
        }
        self
    }

    fn get(&self, a: u32, b: u32) -> bool {
        if a == b {
            return false;
        }
        if self.dense.is_empty() {
            self.sparse.contains(&(a.min(b), a.max(b)))
        } else {
            self.dense[a as usize * self.k + b as usize]
        }
    }
}

/// One source's outcome: its member activities (END = 0, else rank + 1, sorted).
#[derive(Debug, Clone)]
struct Outcome {
    members: Box<[u32]>,
    count: u64,
    kept: bool,
}

/// What pass 2 measures per activity (ms).
#[derive(Default)]
struct Times {
    work: Vec<i64>,
    wait: Vec<i64>,
}

pub(crate) fn calibrate(
    mut log: RawLog,
    path: &Path,
    options: &Options,
    progress: &Progress,
) -> Result<Calibration, EventLogError> {
    let file = path.display().to_string();
    let file_name = path
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let mut inst = std::mem::take(&mut log.instances);
    if inst.is_empty() {
        return Err(EventLogError::NoEvents { file });
    }
    let complete_only = inst.iter().all(|i| i.start_ms.is_none());
    let activity_instances = inst.len() as u64;
    // Rule 3's order, which also groups the cases.
    inst.sort_unstable_by_key(|i| (i.case, i.start_or_complete(), i.complete_ms, i.pos));
    progress.check()?;

    let Filtered {
        n_cases,
        names,
        kept_cases,
        dropped_activities,
    } = filter_activities(&mut inst, &log, options.min_activity)?;
    let k = names.len();
    let cases = case_ranges(&inst);
    let mut count = vec![0u64; k];
    for i in &inst {
        count[i.activity as usize] += 1;
    }

    let conc = concurrency(&inst, &cases, &count, options.min_conc, progress)?;
    let pass = causal_pass(&inst, &cases, &conc, k, progress)?;
    let mut outcomes = sorted_outcomes(pass.outcomes);
    let dropped_flows = filter_outcomes(&mut outcomes, options.min_flow, &names);

    let lanes = lane_values(&mut log, &inst, k);
    let stats: Vec<Observed> = pass
        .times
        .into_iter()
        .enumerate()
        .map(|(a, t)| observed(t, kept_cases[a]))
        .collect();

    let mut durations = pass.case_durations;
    durations.sort_unstable();
    let (mean_case_mins, median_case_mins) =
        (minutes(mean(&durations)), minutes(median(&durations)));
    let range = log.range_ms;
    let summary = Summary {
        file: file_name.clone(),
        layout: log.layout,
        log_name: log.name.clone(),
        cases: n_cases,
        events: log.event_count,
        activity_instances,
        kept_instances: inst.len() as u64,
        first_event: range.map(|r| format_ms(r.0)),
        last_event: range.map(|r| format_ms(r.1)),
        statistic: options.statistic,
        min_activity: options.min_activity,
        min_flow: options.min_flow,
        min_conc: options.min_conc,
        complete_only,
        activities: k,
        dropped_activities,
        dropped_flows,
        concurrent: concurrent_names(&conc, &names),
        mean_case_mins,
        median_case_mins,
    };
    let name = format!(
        "{} (calibrated)",
        log.name.clone().unwrap_or_else(|| file_stem(&file_name))
    );
    let plan = Plan {
        names: &names,
        stats: &stats,
        outcomes: &outcomes,
        lanes: &lanes,
        statistic: options.statistic,
    };
    let map = plan
        .build(name, description(&summary))
        .map_err(|source| EventLogError::Map { file, source })?;
    Ok(Calibration {
        map,
        summary,
        warnings: log.warnings,
    })
}

/// What the activity filter leaves: the kept activities by name (index = rank) with the
/// number of cases each occurs in, and what it dropped.
struct Filtered {
    n_cases: u64,
    names: Vec<String>,
    kept_cases: Vec<u64>,
    dropped_activities: Vec<DroppedActivity>,
}

/// Rule 2 on instances sorted by case: activities in fewer than `min_activity` of the cases
/// are removed; the others are renumbered by name (an instance's `activity` becomes its rank).
fn filter_activities(
    inst: &mut Vec<Instance>,
    log: &RawLog,
    min_activity: f64,
) -> Result<Filtered, EventLogError> {
    let n_act = log.activities.len();
    let mut case_count = vec![0u64; n_act];
    let mut last_case = vec![NONE; n_act];
    let mut n_cases = 0u64;
    let mut prev_case = NONE;
    for i in inst.iter() {
        if i.case != prev_case || n_cases == 0 {
            n_cases += 1;
            prev_case = i.case;
        }
        let a = i.activity as usize;
        if last_case[a] != i.case {
            last_case[a] = i.case;
            case_count[a] += 1;
        }
    }
    let share = |a: usize| case_count[a] as f64 / n_cases as f64;
    let mut kept: Vec<u32> = (0..n_act as u32)
        .filter(|&a| case_count[a as usize] > 0 && share(a as usize) >= min_activity)
        .collect();
    kept.sort_by(|&a, &b| log.activities.name(a).cmp(log.activities.name(b)));
    let mut dropped_activities: Vec<DroppedActivity> = (0..n_act)
        .filter(|&a| case_count[a] > 0 && share(a) < min_activity)
        .map(|a| DroppedActivity {
            name: log.activities.name(a as u32).to_owned(),
            cases: case_count[a],
            case_share: share(a),
        })
        .collect();
    dropped_activities.sort_by(|a, b| a.name.cmp(&b.name));
    if kept.is_empty() {
        let best = (0..n_act).map(share).fold(0.0, f64::max);
        return Err(EventLogError::BadOption(format!(
            "--min-activity {min_activity}: no activity is present in that share of the cases (the most common is in {:.1}%); lower it",
            best * 100.0
        )));
    }
    let mut rank = vec![NONE; n_act];
    for (r, &a) in kept.iter().enumerate() {
        rank[a as usize] = r as u32;
    }
    inst.retain_mut(|i| {
        i.activity = rank[i.activity as usize];
        i.activity != NONE
    });
    Ok(Filtered {
        n_cases,
        names: kept
            .iter()
            .map(|&a| log.activities.name(a).to_owned())
            .collect(),
        kept_cases: kept.iter().map(|&a| case_count[a as usize]).collect(),
        dropped_activities,
    })
}

/// The concurrent pairs by name (each pair and the list in name order).
fn concurrent_names(conc: &Concurrency, names: &[String]) -> Vec<[String; 2]> {
    let mut out = Vec::new();
    for a in 0..names.len() {
        for b in a + 1..names.len() {
            if conc.get(a as u32, b as u32) {
                out.push([names[a].clone(), names[b].clone()]);
            }
        }
    }
    out
}

/// The file name without .gz, .xes and .csv.
pub(super) fn file_stem(name: &str) -> String {
    let mut s = name;
    for ext in [".gz", ".xes", ".csv"] {
        if s.len() > ext.len() && s.to_ascii_lowercase().ends_with(ext) {
            s = &s[..s.len() - ext.len()];
        }
    }
    s.to_owned()
}

/// The index ranges of the cases in instances sorted by case.
fn case_ranges(inst: &[Instance]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for j in 1..=inst.len() {
        if j == inst.len() || inst[j].case != inst[start].case {
            out.push(start..j);
            start = j;
        }
    }
    out
}

/// Rule 4: df counts, the A B A exclusion and overlaps in time, with t = max(1, min_conc ×
/// max(|A|, |B|)).
fn concurrency(
    inst: &[Instance],
    cases: &[std::ops::Range<usize>],
    count: &[u64],
    min_conc: f64,
    progress: &Progress,
) -> Result<Concurrency, EventLogError> {
    let mut df: HashMap<(u32, u32), u64> = HashMap::new();
    let mut aba: HashSet<(u32, u32)> = HashSet::new();
    let mut overlap: HashMap<(u32, u32), u64> = HashMap::new();
    let pair = |a: u32, b: u32| (a.min(b), a.max(b));
    for (n, range) in cases.iter().enumerate() {
        if n % 4096 == 0 {
            progress.check()?;
        }
        let c = &inst[range.clone()];
        for w in c.windows(2) {
            let (a, b) = (w[0].activity, w[1].activity);
            if a != b {
                *df.entry((a, b)).or_insert(0) += 1;
            }
        }
        for w in c.windows(3) {
            if w[0].activity == w[2].activity && w[0].activity != w[1].activity {
                aba.insert(pair(w[0].activity, w[1].activity));
            }
        }
        for (x, i) in c.iter().enumerate() {
            let Some(si) = i.start_ms else { continue };
            for j in c[x + 1..].iter().take(MAX_PRED_SCAN) {
                if j.start_or_complete() >= i.complete_ms {
                    break; // sorted by start': no later instance starts before i ends
                }
                if let Some(sj) = j.start_ms
                    && j.activity != i.activity
                    && sj < i.complete_ms
                    && si < j.complete_ms
                {
                    *overlap.entry(pair(i.activity, j.activity)).or_insert(0) += 1;
                }
            }
        }
    }
    let mut conc = Concurrency::new(count.len());
    let threshold = |a: u32, b: u32| {
        let m = count[a as usize].max(count[b as usize]) as f64;
        (min_conc * m).max(1.0)
    };
    let mut candidates: Vec<(u32, u32)> = df.keys().map(|&(a, b)| pair(a, b)).collect();
    candidates.extend(overlap.keys().copied());
    candidates.sort_unstable();
    candidates.dedup();
    for (a, b) in candidates {
        let t = threshold(a, b);
        let d = |x, y| df.get(&(x, y)).copied().unwrap_or(0) as f64;
        let by_df = d(a, b) >= t && d(b, a) >= t && !aba.contains(&(a, b));
        let by_overlap = overlap.get(&(a, b)).copied().unwrap_or(0) as f64 >= t;
        if by_df || by_overlap {
            conc.set(a, b);
        }
    }
    Ok(conc.finish())
}

/// What rules 5–7 measure in one pass over the cases.
struct Pass {
    times: Vec<Times>,
    /// Per source (START, then activities by rank + 1): outcome → count.
    outcomes: Vec<HashMap<Box<[u32]>, u64>>,
    case_durations: Vec<i64>,
}

/// Rules 5–7: causal predecessors, work and wait, outcomes (and the case durations).
fn causal_pass(
    inst: &[Instance],
    cases: &[std::ops::Range<usize>],
    conc: &Concurrency,
    k: usize,
    progress: &Progress,
) -> Result<Pass, EventLogError> {
    let mut times: Vec<Times> = (0..k).map(|_| Times::default()).collect();
    let mut outcomes: Vec<HashMap<Box<[u32]>, u64>> = (0..=k).map(|_| HashMap::new()).collect();
    let mut durations = Vec::with_capacity(cases.len());
    let mut candidates: Vec<u32> = Vec::new();
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut entry: Vec<u32> = Vec::new();
    let mut scratch: Vec<u32> = Vec::new();
    for (n, range) in cases.iter().enumerate() {
        if n % 4096 == 0 {
            progress.check()?;
        }
        let c = &inst[range.clone()];
        edges.clear();
        entry.clear();
        let mut last_complete = i64::MIN;
        for (j, inst_j) in c.iter().enumerate() {
            let aj = inst_j.activity;
            last_complete = last_complete.max(inst_j.complete_ms);
            // The activities that could still be immediate: concurrent with every instance
            // already found to precede j (none found yet: any). Empty → stop looking.
            let mut any = true;
            let mut max_pred_complete: Option<i64> = None;
            for i in (j.saturating_sub(MAX_PRED_SCAN)..j).rev() {
                let ai = c[i].activity;
                if conc.get(ai, aj) {
                    continue;
                }
                if any || candidates.binary_search(&ai).is_ok() {
                    edges.push((i as u32, aj + 1));
                    let pc = c[i].complete_ms;
                    max_pred_complete = Some(max_pred_complete.map_or(pc, |m: i64| m.max(pc)));
                }
                if any {
                    candidates.clear();
                    candidates.extend_from_slice(&conc.partners[ai as usize]);
                    any = false;
                } else {
                    candidates.retain(|&x| conc.get(x, ai));
                }
                if candidates.is_empty() {
                    break; // every earlier instance precedes one found, so none is immediate
                }
            }
            let t = &mut times[aj as usize];
            if let Some(s) = inst_j.start_ms {
                t.work.push((inst_j.complete_ms - s).max(0));
            }
            match max_pred_complete {
                None => {
                    t.wait.push(0);
                    entry.push(aj + 1);
                }
                Some(m) => t.wait.push((inst_j.start_or_complete() - m).max(0)),
            }
        }
        durations.push(
            last_complete
                .saturating_sub(c[0].start_or_complete())
                .max(0),
        );
        entry.sort_unstable();
        entry.dedup();
        bump(&mut outcomes[START], &entry);
        count_outcomes(c, &mut edges, &mut outcomes, &mut scratch);
    }
    Ok(Pass {
        times,
        outcomes,
        case_durations: durations,
    })
}

/// Counts each instance's outcome from the case's (predecessor, successor activity) edges:
/// the sorted distinct successors, or END.
fn count_outcomes(
    c: &[Instance],
    edges: &mut [(u32, u32)],
    outcomes: &mut [HashMap<Box<[u32]>, u64>],
    scratch: &mut Vec<u32>,
) {
    edges.sort_unstable();
    let mut e = 0;
    for (i, inst_i) in c.iter().enumerate() {
        scratch.clear();
        while e < edges.len() && edges[e].0 as usize == i {
            if scratch.last() != Some(&edges[e].1) {
                scratch.push(edges[e].1);
            }
            e += 1;
        }
        if scratch.is_empty() {
            scratch.push(END);
        }
        bump(&mut outcomes[inst_i.activity as usize + 1], scratch);
    }
}

fn bump(map: &mut HashMap<Box<[u32]>, u64>, key: &[u32]) {
    if let Some(c) = map.get_mut(key) {
        *c += 1;
    } else {
        map.insert(key.into(), 1);
    }
}

/// Each source's outcomes by count descending, then outcome (rule 12).
fn sorted_outcomes(maps: Vec<HashMap<Box<[u32]>, u64>>) -> Vec<Vec<Outcome>> {
    maps.into_iter()
        .map(|m| {
            let mut v: Vec<Outcome> = m
                .into_iter()
                .map(|(members, count)| Outcome {
                    members,
                    count,
                    kept: true,
                })
                .collect();
            v.sort_by(|a, b| (Reverse(a.count), &a.members).cmp(&(Reverse(b.count), &b.members)));
            v
        })
        .collect()
}

/// Rule 7's filter: outcomes below `min_flow` of their source dropped, except the most
/// frequent; then an activity left with no incoming outcome (self-loops do not count) gets
/// back its most frequent one (by count, then source, then outcome). Returns what stays dropped.
fn filter_outcomes(
    outcomes: &mut [Vec<Outcome>],
    min_flow: f64,
    names: &[String],
) -> Vec<DroppedFlow> {
    for list in outcomes.iter_mut() {
        let total: u64 = list.iter().map(|o| o.count).sum();
        for (n, o) in list.iter_mut().enumerate() {
            o.kept = n == 0 || o.count as f64 / total as f64 >= min_flow;
        }
    }
    let k = names.len();
    let mut incoming = vec![false; k + 1];
    for (s, list) in outcomes.iter().enumerate() {
        for o in list.iter().filter(|o| o.kept) {
            for &m in o.members.iter().filter(|&&m| m != END && m as usize != s) {
                incoming[m as usize] = true;
            }
        }
    }
    // The dropped outcomes by member activity (source order, then the source's own order:
    // the first of the best count is the one to restore), so each activity lacking a way in
    // looks only at the outcomes that contain it.
    let mut by_member: Vec<Vec<(usize, usize)>> = vec![Vec::new(); k + 1];
    for (s, list) in outcomes.iter().enumerate() {
        for (n, o) in list.iter().enumerate().filter(|(_, o)| !o.kept) {
            for &m in o.members.iter().filter(|&&m| m != END && m as usize != s) {
                by_member[m as usize].push((s, n));
            }
        }
    }
    for b in 1..=k {
        if incoming[b] {
            continue;
        }
        let best = by_member[b].iter().copied().min_by(|&(s1, n1), &(s2, n2)| {
            let (o1, o2) = (&outcomes[s1][n1], &outcomes[s2][n2]);
            (Reverse(o1.count), s1, &o1.members).cmp(&(Reverse(o2.count), s2, &o2.members))
        });
        if let Some((s, n)) = best {
            outcomes[s][n].kept = true;
            for &m in outcomes[s][n].members.iter() {
                if m != END && m as usize != s {
                    incoming[m as usize] = true;
                }
            }
        }
    }
    let member = |m: u32| {
        if m == END {
            "END".to_owned()
        } else {
            names[m as usize - 1].clone()
        }
    };
    let mut dropped = Vec::new();
    for (s, list) in outcomes.iter().enumerate() {
        let total: u64 = list.iter().map(|o| o.count).sum();
        for o in list.iter().filter(|o| !o.kept) {
            dropped.push(DroppedFlow {
                from: if s == START {
                    "START".to_owned()
                } else {
                    names[s - 1].clone()
                },
                to: o.members.iter().map(|&m| member(m)).collect(),
                count: o.count,
                share: o.count as f64 / total as f64,
            });
        }
    }
    dropped
}

/// Rule 9: each activity's lane value (the most frequent among its instances, ties by name).
fn lane_values(log: &mut RawLog, inst: &[Instance], k: usize) -> Vec<Option<String>> {
    let has_roles = inst.iter().any(|i| i.role != NONE);
    let mut group: HashMap<u32, u32> = HashMap::new();
    for i in inst.iter().filter(|i| i.resource != NONE) {
        if let std::collections::hash_map::Entry::Vacant(slot) = group.entry(i.resource) {
            let g = strip_number(log.values.name(i.resource)).to_owned();
            slot.insert(log.values.intern(&g));
        }
    }
    let groups: HashSet<u32> = group.values().copied().collect();
    let resources_themselves = !has_roles && groups.len() <= 1 && (2..=12).contains(&group.len());
    let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
    for i in inst {
        let v = if i.role != NONE {
            i.role
        } else if i.resource == NONE {
            continue;
        } else if resources_themselves {
            i.resource
        } else {
            group.get(&i.resource).copied().unwrap_or(i.resource)
        };
        *counts.entry((i.activity, v)).or_insert(0) += 1;
    }
    let mut best: Vec<Option<(u64, u32)>> = vec![None; k];
    for (&(a, v), &c) in &counts {
        let slot = &mut best[a as usize];
        let better = match *slot {
            None => true,
            Some((bc, bv)) => c > bc || (c == bc && log.values.name(v) < log.values.name(bv)),
        };
        if better {
            *slot = Some((c, v));
        }
    }
    best.into_iter()
        .map(|b| b.map(|(_, v)| log.values.name(v).to_owned()))
        .collect()
}

/// A resource without its trailing number and the separators before it (`Clerk-000001` →
/// `Clerk`); the resource itself when nothing would be left.
pub(crate) fn strip_number(r: &str) -> &str {
    let t = r.trim_end_matches(|c: char| c.is_ascii_digit());
    if t.len() == r.len() {
        return r;
    }
    let t = t.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '#' | '.'));
    if t.is_empty() { r } else { t }
}

/// The observed statistics of one activity, from its times in ms.
fn observed(mut t: Times, cases: u64) -> Observed {
    t.work.sort_unstable();
    t.wait.sort_unstable();
    let stats = |v: &[i64]| ObservedStats {
        mean: minutes(mean(v)),
        median: minutes(median(v)),
        p90: minutes(p90(v)),
    };
    Observed {
        n: t.wait.len() as u64,
        cases,
        with_start: t.work.len() as u64,
        work: stats(&t.work),
        wait: stats(&t.wait),
    }
}

/// Exact mean (an i128 sum, so the order of the values cannot change the result).
fn mean(v: &[i64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
    sum as f64 / v.len() as f64
}

/// The median of sorted values (the mean of the two middle ones when even).
fn median(v: &[i64]) -> f64 {
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2] as f64,
        n => (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0,
    }
}

/// The 90th percentile of sorted values, nearest rank.
fn p90(v: &[i64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = (v.len() * 9).div_ceil(10).max(1);
    v[rank - 1] as f64
}

/// Milliseconds → minutes rounded to 4 decimals.
fn minutes(ms: f64) -> f64 {
    round_to(ms / MS_PER_MIN, 4)
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// `slug(name)`: lowercase, runs of characters other than [a-z0-9] become `-`, trimmed;
/// empty → `fallback`.
pub(crate) fn slug(name: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// `base`, or `base-2`, `base-3`, ... the first not yet used; marks it used.
fn unique(base: String, used: &mut HashSet<String>) -> String {
    let id = if used.contains(&base) {
        (2u64..)
            .map(|n| format!("{base}-{n}"))
            .find(|c| !used.contains(c))
            .unwrap_or(base)
    } else {
        base
    };
    used.insert(id.clone());
    id
}

/// The description (rule 10).
fn description(s: &Summary) -> String {
    let mut d = format!(
        "Calibrated from the event log {} ({}): {} cases, {} events, {} activity instances",
        s.file,
        s.layout.as_str(),
        s.cases,
        s.events,
        s.activity_instances
    );
    if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
        d.push_str(&format!(", {a} to {b}"));
    }
    d.push_str(&format!(
        ". Times are the {} per step. Thresholds: activities in at least {} of the cases, outcomes at least {} of their source's, concurrency {}.",
        s.statistic.as_str(),
        s.min_activity,
        s.min_flow,
        s.min_conc
    ));
    if s.dropped_activities.is_empty() {
        d.push_str(" No activity dropped.");
    } else {
        let list: Vec<String> = s
            .dropped_activities
            .iter()
            .map(|a| format!("{} ({:.2}% of cases)", a.name, a.case_share * 100.0))
            .collect();
        d.push_str(&format!(" Dropped activities: {}.", list.join(", ")));
    }
    if s.complete_only {
        d.push_str(
            " The log has completion times only: work is 0 and each wait includes the step's own work, so PCE is not meaningful.",
        );
    }
    d
}

/// Everything rule 8 needs to build the map.
struct Plan<'a> {
    names: &'a [String],
    stats: &'a [Observed],
    outcomes: &'a [Vec<Outcome>],
    lanes: &'a [Option<String>],
    statistic: super::Statistic,
}

/// The map's lanes and where the steps go.
struct LanePlan {
    lanes: Vec<Lane>,
    /// Each activity's lane, by rank (`None` only in a map without lanes).
    activity: Vec<Option<LaneId>>,
    start: Option<LaneId>,
    end: Option<LaneId>,
}

/// One step of the plan, with the flows leaving it.
struct PlannedStep {
    step: Step,
    flows: Vec<(String, Option<f64>)>,
}

impl Plan<'_> {
    fn kept(&self, source: usize) -> Vec<&Outcome> {
        self.outcomes[source].iter().filter(|o| o.kept).collect()
    }

    fn build(
        &self,
        name: String,
        description: String,
    ) -> Result<crate::model::Map, crate::model::MapError> {
        let mut used: HashSet<String> =
            ["start".to_owned(), "end".to_owned()].into_iter().collect();
        let ids: Vec<String> = self
            .names
            .iter()
            .map(|n| unique(slug(n, "activity"), &mut used))
            .collect();
        let lanes = self.lane_plan();
        let member_id = |m: u32| {
            if m == END {
                "end".to_owned()
            } else {
                ids[m as usize - 1].clone()
            }
        };

        let mut plan: Vec<PlannedStep> = Vec::new();
        let start_outcomes = self.kept(START);
        let mut start = Step::new("start", "Start", StepKind::Start);
        start.lane = lanes.start.clone();
        if start_outcomes.len() >= 2 {
            let choice_id = unique("start-choice".to_owned(), &mut used);
            plan.push(PlannedStep {
                step: start,
                flows: vec![(choice_id.clone(), None)],
            });
            let mut choice = Step::new(choice_id, "Start choice", StepKind::Decision);
            choice.lane = lanes.start.clone();
            self.decision(choice, &start_outcomes, &member_id, &mut used, &mut plan);
        } else {
            let flows = start_outcomes
                .first()
                .map(|o| o.members.iter().map(|&m| (member_id(m), None)).collect())
                .unwrap_or_default();
            plan.push(PlannedStep { step: start, flows });
        }
        for (a, (id, o)) in ids.iter().zip(self.stats).enumerate() {
            let (work, wait) = match self.statistic {
                super::Statistic::Mean => (o.work.mean, o.wait.mean),
                super::Statistic::Median => (o.work.median, o.wait.median),
            };
            let mut step = Step::new(id.clone(), self.names[a].clone(), StepKind::Activity)
                .with_times(work, wait);
            step.lane = lanes.activity[a].clone();
            step.notes = format_observed(o);
            let outs = self.kept(a + 1);
            if outs.len() >= 2 {
                step.kind = StepKind::Decision;
                self.decision(step, &outs, &member_id, &mut used, &mut plan);
            } else {
                let flows = outs
                    .first()
                    .map(|o| o.members.iter().map(|&m| (member_id(m), None)).collect())
                    .unwrap_or_default();
                plan.push(PlannedStep { step, flows });
            }
        }
        let mut end = Step::new("end", "End", StepKind::End);
        end.lane = lanes.end;
        plan.push(PlannedStep {
            step: end,
            flows: Vec::new(),
        });

        assemble(plan, lanes.lanes, name, description)
    }

    /// Rule 9's lanes (the distinct values by name, ids their slugs) and each step's lane.
    fn lane_plan(&self) -> LanePlan {
        let k = self.names.len();
        let mut names: Vec<&str> = self.lanes.iter().flatten().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let mut used = HashSet::new();
        let ids: Vec<String> = names
            .iter()
            .map(|n| unique(slug(n, "lane"), &mut used))
            .collect();
        let lane_of_value = |v: &Option<String>| -> Option<LaneId> {
            if ids.is_empty() {
                return None;
            }
            let i = v
                .as_deref()
                .and_then(|v| names.binary_search(&v).ok())
                .unwrap_or(0);
            Some(LaneId::new(ids[i].as_str()))
        };
        let activity: Vec<Option<LaneId>> = self.lanes.iter().map(lane_of_value).collect();
        let start = self
            .kept(START)
            .first()
            .and_then(|o| o.members.iter().find(|&&m| m != END))
            .and_then(|&m| activity[m as usize - 1].clone())
            .or_else(|| lane_of_value(&None));
        let end = (1..=k)
            .filter_map(|s| {
                let c = self
                    .kept(s)
                    .iter()
                    .find(|o| *o.members == [END])
                    .map(|o| o.count)?;
                Some((Reverse(c), s))
            })
            .min()
            .and_then(|(_, s)| activity[s - 1].clone())
            .or_else(|| start.clone());
        LanePlan {
            lanes: ids
                .iter()
                .zip(&names)
                .map(|(id, n)| Lane::new(id.as_str(), *n))
                .collect(),
            activity,
            start,
            end,
        }
    }

    /// A decision with its outcomes: one flow per single-activity outcome, an extra split
    /// step per multi-activity one; probabilities rounded to 12 decimals, the last 1 − the
    /// others.
    fn decision(
        &self,
        step: Step,
        outs: &[&Outcome],
        member_id: &dyn Fn(u32) -> String,
        used: &mut HashSet<String>,
        plan: &mut Vec<PlannedStep>,
    ) {
        let total: u64 = outs.iter().map(|o| o.count).sum();
        let mut sum = 0.0;
        let mut flows = Vec::new();
        let mut splits = Vec::new();
        for (n, o) in outs.iter().enumerate() {
            let p = if n + 1 == outs.len() {
                1.0 - sum
            } else {
                round_to(o.count as f64 / total as f64, 12)
            };
            sum += p;
            if o.members.len() == 1 {
                flows.push((member_id(o.members[0]), Some(p)));
            } else {
                let nth = splits.len() + 1;
                let id = unique(format!("{}-and-{nth}", step.id), used);
                let mut split = Step::new(
                    id.clone(),
                    format!("{}: parallel split {nth}", step.name),
                    StepKind::Activity,
                );
                split.lane = step.lane.clone();
                flows.push((id, Some(p)));
                splits.push(PlannedStep {
                    step: split,
                    flows: o.members.iter().map(|&m| (member_id(m), None)).collect(),
                });
            }
        }
        plan.push(PlannedStep { step, flows });
        plan.extend(splits);
    }
}

/// Adds the lanes, the planned steps and then their flows through `MapBuilder`.
fn assemble(
    plan: Vec<PlannedStep>,
    lanes: Vec<Lane>,
    name: String,
    description: String,
) -> Result<crate::model::Map, crate::model::MapError> {
    let mut b = MapBuilder::new(name, description);
    for lane in lanes {
        b.add_lane(lane)?;
    }
    let mut flows = Vec::new();
    for p in plan {
        let from = p.step.id.as_str().to_owned();
        b.add_step(p.step)?;
        flows.extend(p.flows.into_iter().map(|(to, pr)| (from.clone(), to, pr)));
    }
    for (from, to, p) in flows {
        let flow = match p {
            Some(p) => Flow::work().with_probability(p),
            None => Flow::work(),
        };
        b.connect(&from, &to, flow)?;
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rules 5–7 straight from their definitions, cubic in the case length.
    fn brute(c: &[Instance], conc: &Concurrency, k: usize) -> Pass {
        let prec = |i: usize, j: usize| i < j && !conc.get(c[i].activity, c[j].activity);
        let imm = |i: usize, j: usize| prec(i, j) && !(i + 1..j).any(|q| prec(i, q) && prec(q, j));
        let mut times: Vec<Times> = (0..k).map(|_| Times::default()).collect();
        let mut outcomes: Vec<HashMap<Box<[u32]>, u64>> = (0..=k).map(|_| HashMap::new()).collect();
        let mut entry = Vec::new();
        for j in 0..c.len() {
            let preds: Vec<usize> = (0..j).filter(|&i| imm(i, j)).collect();
            let t = &mut times[c[j].activity as usize];
            if let Some(s) = c[j].start_ms {
                t.work.push((c[j].complete_ms - s).max(0));
            }
            match preds.iter().map(|&i| c[i].complete_ms).max() {
                None => {
                    t.wait.push(0);
                    entry.push(c[j].activity + 1);
                }
                Some(m) => t.wait.push((c[j].start_or_complete() - m).max(0)),
            }
            let mut succ: Vec<u32> = (j + 1..c.len())
                .filter(|&q| imm(j, q))
                .map(|q| c[q].activity + 1)
                .collect();
            succ.sort_unstable();
            succ.dedup();
            if succ.is_empty() {
                succ.push(END);
            }
            bump(&mut outcomes[c[j].activity as usize + 1], &succ);
        }
        entry.sort_unstable();
        entry.dedup();
        bump(&mut outcomes[START], &entry);
        Pass {
            times,
            outcomes,
            case_durations: Vec::new(),
        }
    }

    proptest! {
        /// The early-stopping predecessor scan finds exactly the immediate predecessors.
        #[test]
        fn predecessor_scan_matches_the_definition(
            acts in proptest::collection::vec((0u32..5, 0i64..50, 0i64..50, any::<bool>()), 1..14),
            pairs in proptest::collection::vec((0u32..5, 0u32..5), 0..8),
        ) {
            let k = 5;
            let mut conc = Concurrency::new(k);
            for (a, b) in pairs {
                if a != b {
                    conc.set(a, b);
                }
            }
            let conc = conc.finish();
            let c: Vec<Instance> = acts
                .iter()
                .enumerate()
                .map(|(n, &(a, s, w, started))| Instance {
                    case: 0,
                    activity: a,
                    start_ms: started.then_some(s),
                    complete_ms: s + w,
                    resource: NONE,
                    role: NONE,
                    pos: n as u64,
                })
                .collect();
            let one_case: Vec<_> = std::iter::once(0..c.len()).collect();
            let fast = causal_pass(&c, &one_case, &conc, k, &Progress::new()).unwrap();
            let slow = brute(&c, &conc, k);
            for a in 0..k {
                prop_assert_eq!(&fast.times[a].work, &slow.times[a].work);
                prop_assert_eq!(&fast.times[a].wait, &slow.times[a].wait);
            }
            prop_assert_eq!(fast.outcomes, slow.outcomes);
        }
    }
}
