//! The time recursion of the spec solved exactly: endless loops (traps) found as end
//! components, then each strongly connected component solved by policy iteration, where
//! decisions average their branches and parallel splits take their slowest branch.

use super::graph::{Csr, FlowGraph, SccScratch, sccs_in};

/// Relative tolerance for "equal" times (ties) and for policy improvement.
pub fn nearly_equal(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    if !(a.is_finite() && b.is_finite()) {
        return false;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// True where a decision's branch may carry a case (probability > 0), or any branch of a
/// non-decision (parallel splits run all their branches).
fn live(g: &FlowGraph, from: usize, p: f64) -> bool {
    !g.is_decision(from) || p > 0.0
}

/// Finds the traps of every component: maximal sets that a case can cycle through forever
/// (every decision inside stays inside with probability 1, every other step has a branch
/// inside) and in which some step takes time. Returns a flag per step and, per component
/// index, whether it holds a trap.
pub fn find_traps(g: &FlowGraph, comps: &[Vec<usize>]) -> (Vec<bool>, Vec<bool>) {
    let n = g.len();
    let mut trap = vec![false; n];
    let mut comp_has_trap = vec![false; comps.len()];
    let mut in_set = vec![false; n];
    let mut inside = vec![0u32; n];
    let mut scratch = SccScratch::new(n);
    for (c, comp) in comps.iter().enumerate() {
        if !is_cyclic(&g.work, comp) {
            continue;
        }
        let mut pending = vec![comp.clone()];
        while let Some(set) = pending.pop() {
            for &v in &set {
                in_set[v] = true;
            }
            // Drop steps that cannot stay in the set, and then those that could stay only
            // through a dropped one: a worklist over predecessors with, for non-decisions, a
            // count of branches still inside, so the work is linear in the set's flows.
            let mut dropped: Vec<usize> = Vec::new();
            for &v in &set {
                let stays = if g.is_decision(v) {
                    let mut any = false;
                    let mut all = true;
                    for (t, p) in g.work.edges(v) {
                        if p > 0.0 {
                            any = true;
                            all &= in_set[t];
                        }
                    }
                    any && all
                } else {
                    inside[v] = g
                        .work
                        .targets(v)
                        .iter()
                        .filter(|&&t| in_set[t as usize])
                        .count() as u32;
                    inside[v] > 0
                };
                if !stays {
                    dropped.push(v);
                }
            }
            for &v in &dropped {
                in_set[v] = false;
            }
            while let Some(w) = dropped.pop() {
                for (u, p) in g.work_rev.edges(w) {
                    if !in_set[u] {
                        continue;
                    }
                    let leaves = if g.is_decision(u) {
                        p > 0.0
                    } else {
                        inside[u] -= 1;
                        inside[u] == 0
                    };
                    if leaves {
                        in_set[u] = false;
                        dropped.push(u);
                    }
                }
            }
            let mut alive = set;
            alive.retain(|&v| in_set[v]);
            let subs = sccs_in(
                &mut scratch,
                &g.work,
                alive.iter().copied(),
                &|w| in_set[w],
                &|v, _, p| live(g, v, p),
            );
            for &v in &alive {
                in_set[v] = false;
            }
            for sub in subs {
                let cyclic = sub.len() > 1
                    || g.work
                        .edges(sub[0])
                        .any(|(t, p)| t == sub[0] && live(g, sub[0], p));
                if !cyclic {
                    continue;
                }
                if sub.len() == alive.len() {
                    if sub.iter().any(|&v| g.cost[v] > 0.0) {
                        comp_has_trap[c] = true;
                        for &v in &sub {
                            trap[v] = true;
                        }
                    }
                } else {
                    pending.push(sub);
                }
            }
        }
    }
    (trap, comp_has_trap)
}

/// A component is a loop when it has more than one step or a step that flows to itself.
pub fn is_cyclic(work: &Csr, comp: &[usize]) -> bool {
    comp.len() > 1 || work.targets(comp[0]).iter().any(|&t| t as usize == comp[0])
}

/// Steps whose time is infinite: those from which a case can reach a trap (along branches
/// with probability > 0 at decisions, any branch elsewhere).
pub fn infinite_steps(g: &FlowGraph, trap: &[bool]) -> Vec<bool> {
    let mut inf = trap.to_vec();
    let mut stack: Vec<usize> = (0..g.len()).filter(|&v| trap[v]).collect();
    while let Some(v) = stack.pop() {
        for (u, p) in g.work_rev.edges(v) {
            if !inf[u] && live(g, u, p) {
                inf[u] = true;
                stack.push(u);
            }
        }
    }
    inf
}

/// What one solve computes: x(v) = cost(v) + (decision: sum p * x(t); otherwise the max of
/// x(t) over the allowed branches; no branch: 0), the least solution.
pub struct Recursion<'a> {
    pub g: &'a FlowGraph<'a>,
    pub cost: &'a dyn Fn(usize) -> f64,
    /// Which branches of a non-decision the max may take.
    pub allowed: &'a dyn Fn(usize, usize) -> bool,
}

const MAX_POLICY_ROUNDS: usize = 500;

impl Recursion<'_> {
    /// Solves the component `comp` (all finite), with the values of every step it flows to
    /// outside already in `val`. `local` is scratch space of `u32::MAX` per step.
    pub fn solve(&self, comp: &[usize], val: &mut [f64], local: &mut [u32]) {
        let g = self.g;
        if comp.len() == 1 && !is_cyclic(&g.work, comp) {
            let v = comp[0];
            val[v] = (self.cost)(v) + self.tail(v, val, None);
            return;
        }
        for (k, &v) in comp.iter().enumerate() {
            local[v] = k as u32;
        }
        // Initial policy: the slowest allowed branch leaving the component, else the first.
        let mut policy: Vec<Option<usize>> = comp
            .iter()
            .map(|&v| {
                if g.is_decision(v) {
                    return None;
                }
                let allowed = || {
                    g.work
                        .targets(v)
                        .iter()
                        .map(|&t| t as usize)
                        .filter(|&t| (self.allowed)(v, t))
                };
                let outside = allowed().filter(|&t| local[t] == u32::MAX).fold(
                    None,
                    |best: Option<usize>, t| match best {
                        Some(b) if val[b] >= val[t] => Some(b),
                        _ => Some(t),
                    },
                );
                outside.or_else(|| allowed().next())
            })
            .collect();
        for _ in 0..MAX_POLICY_ROUNDS {
            let x = self.evaluate(comp, &policy, val, local);
            for (k, &v) in comp.iter().enumerate() {
                val[v] = x[k];
            }
            let mut improved = false;
            for (k, &v) in comp.iter().enumerate() {
                let Some(current) = policy[k] else { continue };
                let mut best = current;
                for &t in g.work.targets(v) {
                    let t = t as usize;
                    if (self.allowed)(v, t)
                        && val[t] > val[best]
                        && !nearly_equal(val[t], val[best])
                    {
                        best = t;
                    }
                }
                if best != current {
                    policy[k] = Some(best);
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
        for &v in comp {
            local[v] = u32::MAX;
        }
    }

    /// The aggregated successor term of v using current values (chosen = forced branch).
    fn tail(&self, v: usize, val: &[f64], chosen: Option<usize>) -> f64 {
        let g = self.g;
        if g.is_decision(v) {
            g.work
                .edges(v)
                .filter(|&(_, p)| p > 0.0)
                .map(|(t, p)| p * val[t])
                .sum()
        } else if let Some(t) = chosen {
            val[t]
        } else {
            g.work
                .targets(v)
                .iter()
                .map(|&t| t as usize)
                .filter(|&t| (self.allowed)(v, t))
                .map(|t| val[t])
                .fold(0.0, f64::max)
        }
    }

    /// The policy's linear system, one row per step of `comp` (in `comp` order).
    fn system(
        &self,
        comp: &[usize],
        policy: &[Option<usize>],
        val: &[f64],
        local: &[u32],
    ) -> Elimination {
        let g = self.g;
        let mut sys = Elimination::with_capacity(comp.len());
        for (k, &v) in comp.iter().enumerate() {
            let mut constant = (self.cost)(v);
            let mut exit = 0.0;
            // Sized for the row's entries up front: this runs for every row of every round.
            let mut row = Vec::with_capacity(if g.is_decision(v) {
                g.work.degree(v)
            } else {
                1
            });
            let mut any = false;
            let mut add = |t: usize, p: f64| {
                any = true;
                if local[t] == u32::MAX {
                    constant += p * val[t];
                    exit += p;
                } else if local[t] as usize != k {
                    row.push((local[t], p));
                }
                // A branch back to the step itself is left out: what stays is measured by
                // what leaves (see `Elimination`).
            };
            if g.is_decision(v) {
                for (t, p) in g.work.edges(v).filter(|&(_, p)| p > 0.0) {
                    add(t, p);
                }
            } else if let Some(t) = policy[k] {
                add(t, 1.0);
            }
            if !any {
                // No branch: the case finishes here (tail 0).
                exit = 1.0;
            }
            sys.push_row(constant, exit, row);
        }
        sys
    }

    /// Least solution of the linear system a fixed policy gives: exact sparse elimination,
    /// or (when elimination would fill in beyond its memory budget) Gauss-Seidel.
    fn evaluate(
        &self,
        comp: &[usize],
        policy: &[Option<usize>],
        val: &[f64],
        local: &[u32],
    ) -> Vec<f64> {
        match self.system(comp, policy, val, local).eliminate() {
            Some(x) => x,
            None => self.system(comp, policy, val, local).gauss_seidel(),
        }
    }
}

/// A policy's system x = c + P·x over the steps of one component, where row k's branch
/// masses P(k, ·) plus `exit[k]` (the mass leaving the component, whose values are already
/// in c) sum to 1, self-loops left out. Solved by state elimination in the manner of
/// Grassmann, Taksar and Heyman: the factor 1 − P(k, k) is computed as the sum of what
/// leaves k (its exit plus its branches to other steps), never by subtraction, so a loop
/// left with probability 1e-12 keeps all its digits; every operation adds non-negative
/// numbers. Steps are eliminated cheapest first (fewest incoming × outgoing entries), so
/// chains and rings create no fill-in and the work stays linear for them.
pub(super) struct Elimination {
    constant: Vec<f64>,
    exit: Vec<f64>,
    out: Vec<Vec<(u32, f64)>>,
    preds: Vec<Vec<u32>>,
    in_count: Vec<u32>,
    entries: usize,
}

/// (other step, mass) entries of one row.
type Row = Vec<(u32, f64)>;

/// Elimination gives up (for Gauss-Seidel) when its entries exceed this many per step and
/// branch of the component, so its memory stays linear in the map.
const FILL_PER_ENTRY: usize = 32;
/// ... but small components (up to ~1000 steps fully dense) always eliminate.
const FILL_MIN: usize = 1 << 20;

impl Elimination {
    pub(super) fn with_capacity(m: usize) -> Self {
        Self {
            constant: Vec::with_capacity(m),
            exit: Vec::with_capacity(m),
            out: Vec::with_capacity(m),
            preds: Vec::new(),
            in_count: Vec::with_capacity(m),
            entries: 0,
        }
    }

    /// Adds the next row: its constant, exit mass and (other step, mass) entries, each target
    /// at most once and never the row itself.
    pub(super) fn push_row(&mut self, constant: f64, exit: f64, row: Vec<(u32, f64)>) {
        self.constant.push(constant);
        self.exit.push(exit);
        self.in_count.push(0);
        self.entries += row.len();
        // Predecessor lists are linked once every row is in (targets may come later).
        self.out.push(row);
    }

    fn link_preds(&mut self) {
        // Counted first, so that each list is allocated once at its size.
        for row in &self.out {
            for &(j, _) in row {
                self.in_count[j as usize] += 1;
            }
        }
        self.preds = self
            .in_count
            .iter()
            .map(|&c| Vec::with_capacity(c as usize))
            .collect();
        for (k, row) in self.out.iter().enumerate() {
            for &(j, _) in row {
                self.preds[j as usize].push(k as u32);
            }
        }
    }

    fn score(&self, k: usize) -> u64 {
        u64::from(self.in_count[k]) * self.out[k].len() as u64
    }

    /// Removes the entry i → k and returns its mass.
    fn take_entry(&mut self, i: usize, k: usize) -> Option<f64> {
        let row = &mut self.out[i];
        let pos = row.iter().position(|&(j, _)| j as usize == k)?;
        self.entries -= 1;
        Some(row.swap_remove(pos).1)
    }

    /// The exact least solution, or `None` when the fill-in would exceed the budget.
    pub(super) fn eliminate(mut self) -> Option<Vec<f64>> {
        use std::cmp::Reverse;
        let m = self.out.len();
        self.link_preds();
        let budget = FILL_MIN.max(FILL_PER_ENTRY.saturating_mul(self.entries + m));
        let mut heap: std::collections::BinaryHeap<Reverse<(u64, u32)>> =
            (0..m).map(|k| Reverse((self.score(k), k as u32))).collect();
        let mut done = vec![false; m];
        let mut mark = vec![u32::MAX; m];
        // (step, constant, row) of each eliminated step, scaled by its stay factor.
        let mut log: Vec<(u32, f64, Row)> = Vec::with_capacity(m);
        let mut logged = 0usize;
        while let Some(Reverse((score, k32))) = heap.pop() {
            let k = k32 as usize;
            if done[k] || score != self.score(k) {
                continue;
            }
            done[k] = true;
            let mut row = std::mem::take(&mut self.out[k]);
            let preds = std::mem::take(&mut self.preds[k]);
            self.entries -= row.len();
            for &(j, _) in &row {
                self.in_count[j as usize] -= 1;
            }
            let leave = self.exit[k] + row.iter().map(|&(_, p)| p).sum::<f64>();
            if leave == 0.0 {
                // k only flows to itself: a closed class, which takes no time in a finite
                // component (least solution 0); with time it would be endless.
                let x = if self.constant[k] > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                };
                for &i in &preds {
                    let i = i as usize;
                    if done[i] {
                        continue;
                    }
                    if let Some(a) = self.take_entry(i, k) {
                        self.constant[i] += a * x;
                        self.exit[i] += a;
                        heap.push(Reverse((self.score(i), i as u32)));
                    }
                }
                // Its row holds only entries that underflowed to 0: nothing to add back.
                drop(row);
                log.push((k32, x, Vec::new()));
                continue;
            }
            let ck = self.constant[k] / leave;
            let ek = self.exit[k] / leave;
            for entry in &mut row {
                entry.1 /= leave;
            }
            for &i in &preds {
                let i = i as usize;
                if done[i] {
                    continue;
                }
                let Some(a) = self.take_entry(i, k) else {
                    continue;
                };
                self.constant[i] += a * ck;
                self.exit[i] += a * ek;
                for (pos, &(j, _)) in self.out[i].iter().enumerate() {
                    mark[j as usize] = pos as u32;
                }
                for &(j, q) in &row {
                    let ju = j as usize;
                    if ju == i {
                        // Back to i: a self-loop, left out like the others.
                        continue;
                    }
                    let w = a * q;
                    if mark[ju] == u32::MAX {
                        mark[ju] = self.out[i].len() as u32;
                        self.out[i].push((j, w));
                        self.preds[ju].push(i as u32);
                        self.in_count[ju] += 1;
                        self.entries += 1;
                    } else {
                        self.out[i][mark[ju] as usize].1 += w;
                    }
                }
                for &(j, _) in &self.out[i] {
                    mark[j as usize] = u32::MAX;
                }
                heap.push(Reverse((self.score(i), i as u32)));
            }
            for &(j, _) in &row {
                heap.push(Reverse((self.score(j as usize), j)));
            }
            logged += row.len();
            if self.entries + logged > budget {
                return None;
            }
            log.push((k32, ck, row));
        }
        let mut x = vec![0.0; m];
        for (k, ck, row) in log.iter().rev() {
            // q > 0: an entry that underflowed to 0 must not turn an overflowed x into NaN.
            x[*k as usize] = ck
                + row
                    .iter()
                    .filter(|&&(_, q)| q > 0.0)
                    .map(|&(j, q)| q * x[j as usize])
                    .sum::<f64>();
        }
        Some(x)
    }

    /// Gauss-Seidel from 0, which rises to the least solution; stops when a sweep changes
    /// nothing beyond 1e-13 relative, or after a bounded amount of work.
    pub(super) fn gauss_seidel(self) -> Vec<f64> {
        let m = self.out.len();
        let leave: Vec<f64> = (0..m)
            .map(|k| self.exit[k] + self.out[k].iter().map(|&(_, p)| p).sum::<f64>())
            .collect();
        let mut x = vec![0.0; m];
        let sweeps = (GAUSS_SEIDEL_WORK / (self.entries + m).max(1)).max(10);
        for _ in 0..sweeps {
            let mut change: f64 = 0.0;
            for k in 0..m {
                let sum = self.constant[k]
                    + self.out[k]
                        .iter()
                        .map(|&(j, p)| p * x[j as usize])
                        .sum::<f64>();
                let new = if leave[k] > 0.0 {
                    sum / leave[k]
                } else if sum > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                };
                change = change.max((new - x[k]).abs() / new.abs().max(1.0));
                x[k] = new;
            }
            if change < 1e-13 || change.is_nan() {
                break;
            }
        }
        x
    }
}

/// Entry updates Gauss-Seidel may spend on one system.
const GAUSS_SEIDEL_WORK: usize = 2_000_000_000;
