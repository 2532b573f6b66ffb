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

/// The buffers of the solves of one analysis, reused from component to component and from
/// round to round: a map of many small loops (a rework loop every few steps) would otherwise
/// allocate some thirty short vectors for every loop, round and solve.
pub struct Scratch {
    /// Each step's position in the component being solved; `u32::MAX` outside it.
    local: Vec<u32>,
    policy: Vec<Option<usize>>,
    sys: Elimination,
    work: EliminationWork,
}

impl Scratch {
    /// Scratch for a graph of `n` steps.
    pub fn new(n: usize) -> Self {
        Self {
            local: vec![u32::MAX; n],
            policy: Vec::new(),
            sys: Elimination::default(),
            work: EliminationWork::default(),
        }
    }
}

impl Recursion<'_> {
    /// Solves the component `comp` (all finite), with the values of every step it flows to
    /// outside already in `val`.
    pub fn solve(&self, comp: &[usize], val: &mut [f64], scratch: &mut Scratch) {
        let g = self.g;
        if comp.len() == 1 && !is_cyclic(&g.work, comp) {
            let v = comp[0];
            val[v] = (self.cost)(v) + self.tail(v, val, None);
            return;
        }
        let Scratch {
            local,
            policy,
            sys,
            work,
        } = scratch;
        for (k, &v) in comp.iter().enumerate() {
            local[v] = k as u32;
        }
        // Initial policy: the slowest allowed branch leaving the component, else the first.
        policy.clear();
        policy.extend(comp.iter().map(|&v| {
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
            let outside =
                allowed()
                    .filter(|&t| local[t] == u32::MAX)
                    .fold(None, |best: Option<usize>, t| match best {
                        Some(b) if val[b] >= val[t] => Some(b),
                        _ => Some(t),
                    });
            outside.or_else(|| allowed().next())
        }));
        for _ in 0..MAX_POLICY_ROUNDS {
            self.evaluate(comp, policy, val, local, sys, work);
            for (k, &v) in comp.iter().enumerate() {
                val[v] = work.x[k];
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

    /// Sets `sys` to the policy's linear system, one row per step of `comp` (in `comp`
    /// order).
    fn system(
        &self,
        comp: &[usize],
        policy: &[Option<usize>],
        val: &[f64],
        local: &[u32],
        sys: &mut Elimination,
    ) {
        let g = self.g;
        sys.reset();
        for (k, &v) in comp.iter().enumerate() {
            let mut constant = (self.cost)(v);
            let mut exit = 0.0;
            let row = sys.next_row();
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
            sys.end_row(constant, exit);
        }
    }

    /// Least solution of the linear system a fixed policy gives, into `work.x`: exact sparse
    /// elimination, or (when elimination would fill in beyond its memory budget)
    /// Gauss-Seidel.
    fn evaluate(
        &self,
        comp: &[usize],
        policy: &[Option<usize>],
        val: &[f64],
        local: &[u32],
        sys: &mut Elimination,
        work: &mut EliminationWork,
    ) {
        self.system(comp, policy, val, local, sys);
        if !sys.eliminate(work) {
            // Elimination changed the system as it went: set it up again.
            self.system(comp, policy, val, local, sys);
            sys.gauss_seidel(&mut work.x);
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
///
/// Its vectors are kept from one system to the next (`reset`): only the first `m` rows
/// and predecessor lists are in use.
#[derive(Default)]
pub(super) struct Elimination {
    constant: Vec<f64>,
    exit: Vec<f64>,
    out: Vec<Row>,
    preds: Vec<Vec<u32>>,
    in_count: Vec<u32>,
    entries: usize,
    m: usize,
}

/// (other step, mass) entries of one row.
type Row = Vec<(u32, f64)>;

/// The working vectors of `Elimination::eliminate`, kept between systems; `x` is the
/// solution.
#[derive(Default)]
pub(super) struct EliminationWork {
    heap: Vec<std::cmp::Reverse<(u64, u32)>>,
    scores: Vec<u64>,
    done: Vec<bool>,
    mark: Vec<u32>,
    /// (step, constant) of each eliminated step, in order; its row, scaled by its stay
    /// factor, stays in `out`.
    log: Vec<(u32, f64)>,
    pub(super) x: Vec<f64>,
}

/// The order of elimination: next the step with the fewest incoming × outgoing entries (the
/// smaller index at a tie). A heap of (score, step), where a step whose score changes is
/// pushed again and stale entries are skipped; or, for a small system, a scan of its steps,
/// which is cheaper there and gives the same order (every step not yet eliminated always
/// has an entry with its current score in the heap).
enum Queue {
    Heap(std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>>),
    /// Each step's score; `u64::MAX` once it is eliminated (a real score is at most m²).
    Scan(Vec<u64>),
}

/// Systems of at most this many steps are scanned rather than kept in a heap (`Queue`).
const SCAN_MAX: usize = 32;

impl Queue {
    /// Step `k` has a new score.
    fn push(&mut self, score: u64, k: usize) {
        match self {
            Queue::Heap(heap) => heap.push(std::cmp::Reverse((score, k as u32))),
            Queue::Scan(scores) => scores[k] = score,
        }
    }
}

/// Elimination gives up (for Gauss-Seidel) when its entries exceed this many per step and
/// branch of the component, so its memory stays linear in the map.
const FILL_PER_ENTRY: usize = 32;
/// ... but small components (up to ~1000 steps fully dense) always eliminate.
const FILL_MIN: usize = 1 << 20;

impl Elimination {
    /// Empties the system, keeping its memory.
    fn reset(&mut self) {
        self.constant.clear();
        self.exit.clear();
        self.in_count.clear();
        self.entries = 0;
        self.m = 0;
    }

    /// The next row, empty, for its (other step, mass) entries, each target at most once and
    /// never the row itself; `end_row` then gives its constant and exit mass.
    fn next_row(&mut self) -> &mut Row {
        if self.out.len() == self.m {
            self.out.push(Vec::new());
        }
        let row = &mut self.out[self.m];
        row.clear();
        row
    }

    fn end_row(&mut self, constant: f64, exit: f64) {
        self.constant.push(constant);
        self.exit.push(exit);
        self.in_count.push(0);
        self.entries += self.out[self.m].len();
        self.m += 1;
    }

    /// The system's rows, a row per step.
    fn rows(&self) -> &[Row] {
        &self.out[..self.m]
    }

    fn link_preds(&mut self) {
        let m = self.m;
        if self.preds.len() < m {
            self.preds.resize_with(m, Vec::new);
        }
        for preds in &mut self.preds[..m] {
            preds.clear();
        }
        // Counted first, so that each list is sized once (lists kept from an earlier system
        // keep their room).
        for row in &self.out[..m] {
            for &(j, _) in row {
                self.in_count[j as usize] += 1;
            }
        }
        for (preds, &c) in self.preds[..m].iter_mut().zip(&self.in_count) {
            preds.reserve(c as usize);
        }
        for (k, row) in self.out[..m].iter().enumerate() {
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

    /// The exact least solution into `work.x`; false (and the system changed) when the
    /// fill-in would exceed the budget.
    pub(super) fn eliminate(&mut self, work: &mut EliminationWork) -> bool {
        self.eliminate_in(work, self.m <= SCAN_MAX)
    }

    /// `eliminate`, the steps taken in order by a scan (`scan`) or by a heap.
    fn eliminate_in(&mut self, work: &mut EliminationWork, scan: bool) -> bool {
        use std::cmp::Reverse;
        let m = self.m;
        self.link_preds();
        let budget = FILL_MIN.max(FILL_PER_ENTRY.saturating_mul(self.entries + m));
        let mut queue = if scan {
            let mut scores = std::mem::take(&mut work.scores);
            scores.clear();
            scores.extend((0..m).map(|k| self.score(k)));
            Queue::Scan(scores)
        } else {
            let mut heap = std::mem::take(&mut work.heap);
            heap.clear();
            heap.extend((0..m).map(|k| Reverse((self.score(k), k as u32))));
            Queue::Heap(std::collections::BinaryHeap::from(heap))
        };
        let solved = self.pivot_all(&mut queue, work, budget);
        match queue {
            Queue::Heap(heap) => work.heap = heap.into_vec(),
            Queue::Scan(scores) => work.scores = scores,
        }
        if !solved {
            return false;
        }
        let x = &mut work.x;
        x.clear();
        x.resize(m, 0.0);
        for &(k, ck) in work.log.iter().rev() {
            // q > 0: an entry that underflowed to 0 must not turn an overflowed x into NaN.
            x[k as usize] = ck
                + self.out[k as usize]
                    .iter()
                    .filter(|&&(_, q)| q > 0.0)
                    .map(|&(j, q)| q * x[j as usize])
                    .sum::<f64>();
        }
        true
    }

    /// Eliminates every step, cheapest first, logging each; false when the fill-in would
    /// exceed `budget`.
    fn pivot_all(&mut self, queue: &mut Queue, work: &mut EliminationWork, budget: usize) -> bool {
        use std::cmp::Reverse;
        let m = self.m;
        let EliminationWork {
            done, mark, log, ..
        } = work;
        done.clear();
        done.resize(m, false);
        mark.clear();
        mark.resize(m, u32::MAX);
        log.clear();
        let mut logged = 0usize;
        loop {
            let k = match queue {
                Queue::Heap(heap) => match heap.pop() {
                    None => break,
                    Some(Reverse((score, k))) => {
                        let k = k as usize;
                        if done[k] || score != self.score(k) {
                            continue;
                        }
                        k
                    }
                },
                Queue::Scan(scores) => {
                    // The first of the lowest scores; eliminated steps score u64::MAX.
                    let (k, &score) = scores
                        .iter()
                        .enumerate()
                        .min_by_key(|&(k, &score)| (score, k))
                        .unwrap_or((0, &u64::MAX));
                    if score == u64::MAX {
                        break;
                    }
                    scores[k] = u64::MAX;
                    k
                }
            };
            let k32 = k as u32;
            done[k] = true;
            let mut row = std::mem::take(&mut self.out[k]);
            let mut preds = std::mem::take(&mut self.preds[k]);
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
                        queue.push(self.score(i), i);
                    }
                }
                // Its row holds only entries that underflowed to 0: nothing to add back,
                // but their steps have one entry fewer coming in.
                for &(j, _) in &row {
                    queue.push(self.score(j as usize), j as usize);
                }
                row.clear();
                self.out[k] = row;
                preds.clear();
                self.preds[k] = preds;
                log.push((k32, x));
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
                queue.push(self.score(i), i);
            }
            for &(j, _) in &row {
                queue.push(self.score(j as usize), j as usize);
            }
            logged += row.len();
            // The row, scaled, stays for the back substitution: nothing changes a row once
            // its step is eliminated.
            self.out[k] = row;
            preds.clear();
            self.preds[k] = preds;
            if self.entries + logged > budget {
                return false;
            }
            log.push((k32, ck));
        }
        true
    }

    /// Gauss-Seidel from 0, which rises to the least solution, into `x`; stops when a sweep
    /// changes nothing beyond 1e-13 relative, or after a bounded amount of work.
    pub(super) fn gauss_seidel(&self, x: &mut Vec<f64>) {
        let m = self.m;
        let rows = self.rows();
        let leave: Vec<f64> = (0..m)
            .map(|k| self.exit[k] + rows[k].iter().map(|&(_, p)| p).sum::<f64>())
            .collect();
        x.clear();
        x.resize(m, 0.0);
        let sweeps = (GAUSS_SEIDEL_WORK / (self.entries + m).max(1)).max(10);
        for _ in 0..sweeps {
            let mut change: f64 = 0.0;
            for k in 0..m {
                let sum =
                    self.constant[k] + rows[k].iter().map(|&(j, p)| p * x[j as usize]).sum::<f64>();
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
    }
}

/// Entry updates Gauss-Seidel may spend on one system.
const GAUSS_SEIDEL_WORK: usize = 2_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A system: per step its constant, exit mass and (other step, mass) entries.
    type System = Vec<(f64, f64, Vec<(u32, f64)>)>;

    fn arb_system() -> impl Strategy<Value = System> {
        (1usize..48).prop_flat_map(|m| {
            proptest::collection::vec(
                (
                    0u32..100,
                    0u32..4,
                    proptest::collection::btree_map(0..m as u32, 1u32..8, 0..4),
                ),
                m,
            )
            .prop_map(|rows| {
                rows.into_iter()
                    .enumerate()
                    .map(|(k, (c, exit, targets))| {
                        // Masses summing to 1 with the exit (a decision's branches).
                        let row: Vec<(u32, u32)> = targets
                            .into_iter()
                            .filter(|&(j, _)| j as usize != k)
                            .collect();
                        let total = f64::from(exit + row.iter().map(|&(_, w)| w).sum::<u32>());
                        let (exit, total) = if total == 0.0 {
                            (1.0, 1.0)
                        } else {
                            (f64::from(exit), total)
                        };
                        (
                            f64::from(c),
                            exit / total,
                            row.into_iter()
                                .map(|(j, w)| (j, f64::from(w) / total))
                                .collect(),
                        )
                    })
                    .collect()
            })
        })
    }

    fn solve(system: &System, scan: bool) -> Option<Vec<u64>> {
        let mut sys = Elimination::default();
        // Twice: the second time reuses the first one's vectors, as the solves do.
        for _ in 0..2 {
            sys.reset();
            for (c, exit, entries) in system {
                sys.next_row().extend_from_slice(entries);
                sys.end_row(*c, *exit);
            }
        }
        let mut work = EliminationWork::default();
        sys.eliminate_in(&mut work, scan)
            .then(|| work.x.iter().map(|x| x.to_bits()).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The scan that small systems use eliminates in the heap's order: the same bits.
        #[test]
        fn scan_and_heap_eliminate_in_the_same_order(system in arb_system()) {
            let heap = solve(&system, false);
            prop_assert!(heap.is_some());
            prop_assert_eq!(solve(&system, true), heap);
        }
    }

    #[test]
    fn a_ring_is_solved_exactly() {
        // 0 → 1 → 2 → 0 with probability 1/2 back to 0 from 2, else out: each step takes 1.
        // x2 = 1 + x0/2, x1 = 1 + x2, x0 = 1 + x1 → x0 = 3 + x0/2 → x0 = 6, x1 = 5, x2 = 4.
        let system: System = vec![
            (1.0, 0.0, vec![(1, 1.0)]),
            (1.0, 0.0, vec![(2, 1.0)]),
            (1.0, 0.5, vec![(0, 0.5)]),
        ];
        for scan in [false, true] {
            let x = solve(&system, scan).unwrap();
            let x: Vec<f64> = x.into_iter().map(f64::from_bits).collect();
            assert_eq!(x, vec![6.0, 5.0, 4.0], "scan: {scan}");
        }
    }
}
