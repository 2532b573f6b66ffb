//! A compact, index-based view of a map's flows for the analysis: steps are numbered in map
//! order, adjacency is stored in CSR arrays (fast and small at 100k steps).

use crate::model::{FlowKind, Map, StepId, StepKind};
use petgraph::visit::NodeIndexable;

/// Adjacency lists in compressed-sparse-row form.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl Csr {
    /// Builds from (from, to, weight) triples over `n` nodes; each row keeps the given order.
    pub fn build(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut offsets = vec![0u32; n + 1];
        for &(a, _, _) in edges {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        let mut weights = vec![0f64; edges.len()];
        for &(a, b, w) in edges {
            let slot = fill[a as usize] as usize;
            targets[slot] = b;
            weights[slot] = w;
            fill[a as usize] += 1;
        }
        Self {
            offsets,
            targets,
            weights,
        }
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// Targets of node `i`.
    pub fn targets(&self, i: usize) -> &[u32] {
        let r = self.range(i);
        scanned::add(r.len());
        &self.targets[r]
    }

    /// (target, weight) pairs of node `i`.
    pub fn edges(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.range(i);
        scanned::add(r.len());
        self.targets[r.clone()]
            .iter()
            .zip(&self.weights[r])
            .map(|(&t, &w)| (t as usize, w))
    }

    pub fn degree(&self, i: usize) -> usize {
        self.range(i).len()
    }
}

/// How many adjacency entries the analysis has been handed (tests only): a structural
/// measure of its work, so a test can show that it grows linearly with the map.
pub mod scanned {
    #[cfg(test)]
    thread_local! {
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Counts `n` entries read (a no-op outside tests).
    #[inline]
    pub fn add(n: usize) {
        #[cfg(test)]
        COUNT.with(|c| c.set(c.get() + n as u64));
        #[cfg(not(test))]
        let _ = n;
    }

    /// Entries read on this thread so far.
    #[cfg(test)]
    pub fn get() -> u64 {
        COUNT.with(|c| c.get())
    }
}

/// The map reduced to what the analysis needs.
pub struct FlowGraph<'m> {
    pub ids: Vec<&'m StepId>,
    pub kinds: Vec<StepKind>,
    /// Queue + work time of each step.
    pub cost: Vec<f64>,
    /// Work flows; the weight is the effective branch probability for decisions (divided by
    /// the decision's sum, so it is exactly 1), else 1.
    /// Each row is sorted by target id, so "smallest id" tie-breaks are first-wins.
    pub work: Csr,
    /// Reversed work flows.
    pub work_rev: Csr,
    /// Reversed flows of every kind.
    pub all_rev: Csr,
}

impl<'m> FlowGraph<'m> {
    pub fn new(map: &'m Map) -> Self {
        let n = map.step_count();
        let graph = map.graph();
        let mut dense = vec![u32::MAX; graph.node_bound()];
        for (k, &i) in map.step_indices().iter().enumerate() {
            dense[i.index()] = k as u32;
        }
        let mut ids = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let mut cost = Vec::with_capacity(n);
        for s in map.steps() {
            ids.push(&s.id);
            kinds.push(s.kind);
            cost.push(s.wait_mins + s.work_mins);
        }
        let mut work = Vec::with_capacity(map.flow_count());
        let mut all = Vec::with_capacity(map.flow_count());
        for (k, &i) in map.step_indices().iter().enumerate() {
            let a = k as u32;
            if kinds[k] == StepKind::Decision {
                // Validation lets the probabilities sum to 1 within 1e-6; the analysis
                // divides by their sum, so each case leaves by exactly one branch (a loop
                // "back 1, out 1e-6" is left with probability 1e-6 / 1.000001, not never).
                let branches = map.branch_probabilities(i);
                let sum: f64 = branches.iter().map(|&(_, p)| p).sum();
                let scale = if sum > 0.0 { sum } else { 1.0 };
                for (e, p) in branches {
                    if let Some((_, b)) = graph.edge_endpoints(e) {
                        work.push((a, dense[b.index()], p / scale));
                    }
                }
            } else {
                for (_, b, _) in map.outgoing_work(i) {
                    work.push((a, dense[b.index()], 1.0));
                }
            }
        }
        for &e in map.flow_indices() {
            if let Some((a, b)) = graph.edge_endpoints(e) {
                all.push((dense[b.index()], dense[a.index()], 1.0));
            }
            debug_assert!(
                graph[e].kind == FlowKind::Work || graph[e].probability.is_none(),
                "only work flows carry probabilities"
            );
        }
        // `work` is grouped by source already (pushed step by step); sort each row by target
        // id (stable tie-breaks). Most rows have one edge, so this is close to linear.
        for row in work.chunk_by_mut(|x, y| x.0 == y.0) {
            if row.len() > 1 {
                row.sort_by(|x, y| ids[x.1 as usize].cmp(ids[y.1 as usize]));
            }
        }
        // Each edge list is dropped as soon as its CSR is built, to keep the peak low.
        let all_rev = Csr::build(n, &all);
        drop(all);
        let work_csr = Csr::build(n, &work);
        for edge in &mut work {
            *edge = (edge.1, edge.0, edge.2);
        }
        let work_rev = Csr::build(n, &work);
        drop(work);
        Self {
            work: work_csr,
            work_rev,
            all_rev,
            ids,
            kinds,
            cost,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_decision(&self, i: usize) -> bool {
        self.kinds[i] == StepKind::Decision
    }

    /// Entry steps: starts, or if there are none, steps with no incoming work flow.
    pub fn entries(&self) -> Vec<usize> {
        let starts: Vec<usize> = (0..self.len())
            .filter(|&i| self.kinds[i] == StepKind::Start)
            .collect();
        if !starts.is_empty() {
            return starts;
        }
        (0..self.len())
            .filter(|&i| self.work_rev.degree(i) == 0)
            .collect()
    }

    /// Steps reachable from `from` along a CSR (iterative, no recursion).
    pub fn reach(csr: &Csr, n: usize, from: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        for &s in from {
            if !seen[s] {
                seen[s] = true;
                stack.push(s);
            }
        }
        while let Some(i) = stack.pop() {
            for &t in csr.targets(i) {
                let t = t as usize;
                if !seen[t] {
                    seen[t] = true;
                    stack.push(t);
                }
            }
        }
        seen
    }
}

/// Strongly connected components of the subgraph on `nodes` whose edges pass `keep`,
/// in reverse topological order (a component comes before every component that reaches it).
/// Iterative Tarjan, so deep chains cannot overflow the stack.
pub fn sccs(
    n: usize,
    csr: &Csr,
    nodes: impl Iterator<Item = usize>,
    member: &dyn Fn(usize) -> bool,
    keep: &dyn Fn(usize, usize, f64) -> bool,
) -> Vec<Vec<usize>> {
    sccs_in(&mut SccScratch::new(n), csr, nodes, member, keep)
}

const UNSEEN: u32 = u32::MAX;

/// Per-node working arrays for `sccs_in`, reusable across calls on subsets of one graph
/// (each call resets only what it touched, so many small calls stay linear overall).
pub struct SccScratch {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

impl SccScratch {
    pub fn new(n: usize) -> Self {
        Self {
            index: vec![UNSEEN; n],
            low: vec![0; n],
            on_stack: vec![false; n],
        }
    }
}

/// `sccs` with caller-provided scratch space.
pub fn sccs_in(
    scratch: &mut SccScratch,
    csr: &Csr,
    nodes: impl Iterator<Item = usize>,
    member: &dyn Fn(usize) -> bool,
    keep: &dyn Fn(usize, usize, f64) -> bool,
) -> Vec<Vec<usize>> {
    let SccScratch {
        index,
        low,
        on_stack,
    } = scratch;
    let mut visited: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut next = 0u32;
    // Call stack of (node, position in its edge list).
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in nodes {
        if index[root] != UNSEEN {
            continue;
        }
        calls.push((root, 0));
        visited.push(root);
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, pos)) = calls.last() {
            let row = csr.range(v);
            let mut p = pos;
            let mut child = None;
            while row.start + p < row.end {
                let slot = row.start + p;
                p += 1;
                let w = csr.targets[slot] as usize;
                if !member(w) || !keep(v, w, csr.weights[slot]) {
                    continue;
                }
                if index[w] == UNSEEN {
                    child = Some(w);
                    break;
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            }
            if let Some(last) = calls.last_mut() {
                last.1 = p;
            }
            if let Some(w) = child {
                visited.push(w);
                index[w] = next;
                low[w] = next;
                next += 1;
                stack.push(w);
                on_stack[w] = true;
                calls.push((w, 0));
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
        }
    }
    for v in visited {
        index[v] = UNSEEN;
        low[v] = 0;
        on_stack[v] = false;
    }
    out
}
