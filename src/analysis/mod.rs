//! The analysis engine: pure functions from a `Map` to its metrics and findings, exactly as
//! defined in docs/format.md (lead time, value-added time, PCE, handoffs, and the rules that
//! flag delays without customer value, loops, the bottleneck and broken flows).

mod findings;
mod graph;
mod solve;

pub use findings::{CHALLENGE_QUESTION, Finding, Rule, Severity};

use crate::model::{FlowKind, LaneId, Map, StepId, Touchpoint, Value};
use graph::FlowGraph;
use serde::Serialize;
use solve::{Recursion, Scratch, find_traps, infinite_steps, is_cyclic, nearly_equal};
use std::borrow::Cow;

/// From this many steps on, the analysis solves V and the no-value wait on two threads (a
/// thread costs more than the whole analysis of a small map).
const PARALLEL_MIN_STEPS: usize = 4096;

/// The headline numbers of a map (names as in the file format spec).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Expected time from entry to finish; `None` when the map has an endless loop or the
    /// time overflows (see `null_reason`).
    pub lead_time_mins: Option<f64>,
    /// Expected work time of customer-value steps along the same path; `None` as above.
    pub value_added_mins: Option<f64>,
    /// Process cycle efficiency, value-added / lead time; `None` as above or if lead time is 0.
    pub pce: Option<f64>,
    /// Why the three above are `None`: `endless-loop` or `overflow`; `None` when they are given.
    pub null_reason: Option<Rule>,
    pub steps: usize,
    pub flows: usize,
    pub handoffs: usize,
    pub info_handoffs: usize,
    pub customer_touchpoints: usize,
    /// How many parts of the company the customer deals with: the lanes, not customer lanes,
    /// that hold a customer-facing step or a flow to or from a customer lane (format v2).
    pub customer_contact_lanes: usize,
    /// The expected waiting per case that gives the customer nothing (delays of steps whose
    /// value is `none` or `business`), along the same path as `value_added_mins`; `None` as
    /// for the lead time (format v2).
    pub no_value_wait_mins: Option<f64>,
}

/// Everything the analysis finds in a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub metrics: Metrics,
    /// Sorted by severity, delay (largest first), step id, rule.
    pub findings: Vec<Finding>,
    /// The most likely critical path from the lead-time entry (for highlighting).
    pub critical_path: Vec<StepId>,
    /// The steps of each loop (rework or endless), each sorted by id.
    pub loops: Vec<Vec<StepId>>,
    /// Expected remaining time T of each step in map order (`None` = infinite: an endless
    /// loop, or more than the largest f64 — see the `overflow` finding).
    pub step_time_mins: Vec<Option<f64>>,
}

impl Analysis {
    /// Findings about one step.
    /// Whether the map has no times yet on its critical path (lead time 0): the editor then
    /// shows no bottleneck ("at 0m" means nothing) and asks for times instead. The JSON
    /// report keeps the spec's rule and names one.
    pub fn no_times_yet(&self) -> bool {
        self.metrics.steps > 0 && self.metrics.lead_time_mins == Some(0.0)
    }

    /// The findings the editor shows: all of them, but the bottleneck when there are no
    /// times yet (see `no_times_yet`).
    pub fn shown_findings(&self) -> impl Iterator<Item = &Finding> + '_ {
        let no_times = self.no_times_yet();
        self.findings
            .iter()
            .filter(move |f| !(no_times && f.rule == Rule::Bottleneck))
    }

    pub fn findings_for<'a>(&'a self, step: &'a StepId) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| &f.step == step)
    }

    /// The findings grouped by severity, high first; only severities that have findings.
    pub fn findings_by_severity(&self) -> Vec<(Severity, Vec<&Finding>)> {
        Severity::ALL
            .iter()
            .copied()
            .map(|s| {
                (
                    s,
                    self.findings
                        .iter()
                        .filter(|f| f.severity == s)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, group)| !group.is_empty())
            .collect()
    }

    /// The highest severity among the findings (none → `None`).
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }
}

/// Analyzes a map. Pure: the same map always gives the same analysis.
pub fn analyze(map: &Map) -> Analysis {
    let g = FlowGraph::new(map);
    let steps: Vec<_> = map.steps().collect();
    // The findings that need no times are found on a second thread while the times are solved.
    let per_step = || findings::per_step(&g, &steps);
    std::thread::scope(|s| {
        let per_step = Started::new(s, g.len() >= PARALLEL_MIN_STEPS, &per_step);
        analyze_with(map, &g, &steps, per_step)
    })
}

/// Work started on another thread, or done already when it is not worth a thread (or none
/// can start).
enum Started<'s, T> {
    Thread(std::thread::ScopedJoinHandle<'s, T>),
    Done(T),
}

impl<'s, T: Send + 's> Started<'s, T> {
    fn new<'e, F: Fn() -> T + Sync>(
        s: &'s std::thread::Scope<'s, 'e>,
        parallel: bool,
        work: &'e F,
    ) -> Self {
        if parallel && let Ok(h) = std::thread::Builder::new().spawn_scoped(s, work) {
            return Started::Thread(h);
        }
        Started::Done(work())
    }

    /// Its result (a panic on the other thread goes on here).
    fn join(self) -> T {
        match self {
            Started::Thread(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Started::Done(t) => t,
        }
    }
}

/// `analyze`, with the per-step findings under way.
fn analyze_with(
    map: &Map,
    g: &FlowGraph,
    steps: &[&crate::model::Step],
    per_step: Started<'_, Vec<Finding>>,
) -> Analysis {
    let n = g.len();

    // Loops: strongly connected components of the work graph, sinks first.
    let comps = graph::sccs(n, &g.work, 0..n, &|_| true, &|_, _, _| true);
    let (trap, comp_has_trap) = find_traps(g, &comps);
    let inf = infinite_steps(g, &trap);

    let mut time = vec![f64::INFINITY; n];
    let mut value = vec![0.0; n];
    let mut no_value = vec![0.0; n];
    let mut scratch = Scratch::new(n);
    let mut slowest_next = vec![0.0; n];
    let mut overflow = vec![false; n];
    let mut overflow_origins = Vec::new();
    let cost = |v: usize| g.cost[v];
    let va = |v: usize| {
        if steps[v].value == Value::Customer {
            steps[v].work_mins
        } else {
            0.0
        }
    };
    let nv = |v: usize| {
        let s = steps[v];
        if s.is_delay() && matches!(s.value, Value::None | Value::Business) {
            s.delay_mins()
        } else {
            0.0
        }
    };
    // The finite steps of each component, downstream first (a component without an
    // endless step is taken as it is).
    let finite: Vec<Cow<'_, [usize]>> = comps
        .iter()
        .map(|comp| {
            if comp.iter().any(|&v| inf[v]) {
                Cow::Owned(comp.iter().copied().filter(|&v| !inf[v]).collect())
            } else {
                Cow::Borrowed(comp.as_slice())
            }
        })
        .filter(|f| !f.is_empty())
        .collect();
    let any_branch = |_: usize, _: usize| true;
    for f in &finite {
        Recursion {
            g,
            cost: &cost,
            allowed: &any_branch,
        }
        .solve(f, &mut time, &mut scratch);
        // V follows, at a parallel split, the branches with the largest T: that largest T is
        // found once per step, so the test per branch is O(1) and wide splits stay linear.
        for &v in f.iter() {
            slowest_next[v] = g
                .work
                .targets(v)
                .iter()
                .map(|&u| time[u as usize])
                .fold(0.0, f64::max);
        }
    }
    // V and the no-value wait (the same branches as V: at a tie of T, its own larger one)
    // need T only, not each other: on a large map they are solved side by side.
    let (time_ref, slowest_ref) = (&time, &slowest_next);
    let slowest = |v: usize, t: usize| nearly_equal(time_ref[t], slowest_ref[v]);
    let solve_all = |cost: &(dyn Fn(usize) -> f64 + Sync), out: &mut [f64]| {
        let mut scratch = Scratch::new(n);
        for f in &finite {
            Recursion {
                g,
                cost,
                allowed: &slowest,
            }
            .solve(f, out, &mut scratch);
        }
    };
    let mut no_value_solved = false;
    if n >= PARALLEL_MIN_STEPS {
        std::thread::scope(|s| {
            // A thread that cannot start leaves the work to this one.
            no_value_solved = std::thread::Builder::new()
                .spawn_scoped(s, || solve_all(&nv, &mut no_value))
                .is_ok();
            solve_all(&va, &mut value);
        });
    } else {
        solve_all(&va, &mut value);
    }
    if !no_value_solved {
        solve_all(&nv, &mut no_value);
    }
    // Overflow: times that add up beyond the largest f64. The component where it starts
    // (no branch leads to a step that overflowed already) gets the finding.
    for f in &finite {
        let over = |v: usize| !(time[v].is_finite() && value[v].is_finite());
        if f.iter().any(|&v| over(v)) {
            let inherited = f.iter().any(|&v| {
                g.work
                    .edges(v)
                    .any(|(t, p)| overflow[t] && (!g.is_decision(v) || p > 0.0))
            });
            if !inherited
                && let Some(first) = f
                    .iter()
                    .copied()
                    .filter(|&v| over(v))
                    .min_by(|&a, &b| g.ids[a].cmp(g.ids[b]))
            {
                overflow_origins.push(first);
            }
            for &v in f.iter() {
                overflow[v] = over(v);
            }
        }
    }

    // Entries and the lead-time entry: largest T, then larger V, then smaller id.
    let entries = g.entries();
    let reachable = FlowGraph::reach(&g.work, n, &entries);
    let endless = (0..n).any(|v| reachable[v] && inf[v]);
    let lead_entry = entries.iter().copied().reduce(|best, e| {
        let (tb, te) = (time[best], time[e]);
        let better = if nearly_equal(tb, te) {
            let (vb, ve) = (value[best], value[e]);
            if nearly_equal(vb, ve) || tb.is_infinite() {
                g.ids[e] < g.ids[best]
            } else {
                ve > vb
            }
        } else {
            te > tb
        };
        if better { e } else { best }
    });
    let null_reason = if endless {
        Some(Rule::EndlessLoop)
    } else if lead_entry.is_some_and(|e| overflow[e]) {
        Some(Rule::Overflow)
    } else {
        None
    };
    let (lead_time_mins, value_added_mins, no_value_wait_mins) = match lead_entry {
        _ if null_reason.is_some() => (None, None, None),
        None => (Some(0.0), Some(0.0), Some(0.0)),
        Some(e) => (Some(time[e]), Some(value[e]), Some(no_value[e])),
    };
    let pce = match (lead_time_mins, value_added_mins) {
        (Some(l), Some(v)) if l > 0.0 => Some(v / l),
        _ => None,
    };

    let critical = lead_entry
        .map(|e| critical_path(g, &time, e))
        .unwrap_or_default();

    let graph = map.graph();
    let (mut handoffs, mut info_handoffs) = (0, 0);
    for &e in map.flow_indices() {
        let Some((a, b)) = graph.edge_endpoints(e) else {
            continue;
        };
        if graph[a].lane != graph[b].lane {
            match graph[e].kind {
                FlowKind::Work => handoffs += 1,
                FlowKind::Information => info_handoffs += 1,
            }
        }
    }
    let metrics = Metrics {
        lead_time_mins,
        value_added_mins,
        pce,
        null_reason,
        steps: n,
        flows: map.flow_count(),
        handoffs,
        info_handoffs,
        customer_touchpoints: steps
            .iter()
            .filter(|s| s.touchpoint == Touchpoint::Customer)
            .count(),
        customer_contact_lanes: customer_contact_lanes(map),
        no_value_wait_mins,
    };

    let loops: Vec<(usize, &[usize])> = comps
        .iter()
        .enumerate()
        .filter(|(_, c)| is_cyclic(&g.work, c))
        .map(|(k, c)| (k, c.as_slice()))
        .collect();
    let findings = findings::collect(
        findings::Input {
            g,
            steps,
            entries: &entries,
            reachable: &reachable,
            loops: &loops,
            comp_has_trap: &comp_has_trap,
            critical: &critical,
            overflow_origins: &overflow_origins,
        },
        per_step.join(),
    );

    Analysis {
        metrics,
        findings,
        critical_path: critical.iter().map(|&v| g.ids[v].clone()).collect(),
        loops: loops
            .iter()
            .map(|(_, c)| {
                let mut ids: Vec<StepId> = c.iter().map(|&v| g.ids[v].clone()).collect();
                ids.sort();
                ids
            })
            .collect(),
        step_time_mins: time.iter().map(|&t| t.is_finite().then_some(t)).collect(),
    }
}

/// The lanes L, not customer lanes, with a customer-facing step or a flow (of either kind)
/// between a step in L and a step in a customer lane (map-format-v2.md).
fn customer_contact_lanes(map: &Map) -> usize {
    let customer: crate::model::IdSet<&LaneId> = map
        .lanes()
        .iter()
        .filter(|l| l.customer)
        .map(|l| &l.id)
        .collect();
    let mut contact: crate::model::IdSet<&LaneId> = Default::default();
    for s in map.steps() {
        if let Some(l) = &s.lane
            && s.touchpoint == Touchpoint::Customer
            && !customer.contains(l)
        {
            contact.insert(l);
        }
    }
    if !customer.is_empty() {
        let graph = map.graph();
        for &e in map.flow_indices() {
            let Some((a, b)) = graph.edge_endpoints(e) else {
                continue;
            };
            if let (Some(la), Some(lb)) = (&graph[a].lane, &graph[b].lane) {
                match (customer.contains(la), customer.contains(lb)) {
                    (true, false) => {
                        contact.insert(lb);
                    }
                    (false, true) => {
                        contact.insert(la);
                    }
                    _ => {}
                }
            }
        }
    }
    contact.len()
}

/// The most likely critical path: from `entry`, at a parallel split the branch with the
/// largest T, at a decision the most probable branch (ties: smallest id, which is first in
/// each row), stopping at a step already visited.
fn critical_path(g: &FlowGraph, time: &[f64], entry: usize) -> Vec<usize> {
    let mut seen = vec![false; g.len()];
    let mut path = Vec::new();
    let mut at = Some(entry);
    while let Some(v) = at {
        if seen[v] {
            break;
        }
        seen[v] = true;
        path.push(v);
        let key = |t: usize, p: f64| if g.is_decision(v) { p } else { time[t] };
        at = g
            .work
            .edges(v)
            .fold(None, |best: Option<(usize, f64)>, (t, p)| match best {
                Some((_, kb)) if kb >= key(t, p) || nearly_equal(kb, key(t, p)) => best,
                _ => Some((t, key(t, p))),
            })
            .map(|(t, _)| t);
    }
    path
}

#[cfg(test)]
mod tests;
