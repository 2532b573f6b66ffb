//! The time recursion of the spec solved exactly: endless loops (traps) found as end
//! components, then each strongly connected component solved by policy iteration, where
//! decisions average their branches and parallel splits take their slowest branch.

use super::graph::{Csr, FlowGraph, SccScratch, sccs, sccs_in};

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
            let mut alive = set;
            // Drop steps that cannot stay in the set, until nothing changes.
            loop {
                let before = alive.len();
                alive.retain(|&v| {
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
                        g.work.targets(v).iter().any(|&t| in_set[t as usize])
                    };
                    if !stays {
                        in_set[v] = false;
                    }
                    stays
                });
                if alive.len() == before {
                    break;
                }
            }
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

const DENSE_LIMIT: usize = 600;
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

    /// Least solution of the linear system a fixed policy gives.
    fn evaluate(
        &self,
        comp: &[usize],
        policy: &[Option<usize>],
        val: &[f64],
        local: &[u32],
    ) -> Vec<f64> {
        let g = self.g;
        let m = comp.len();
        // Rows: constant part and (local target, probability) entries inside the component.
        let mut constant = vec![0.0; m];
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
        let mut leaks = vec![false; m];
        for (k, &v) in comp.iter().enumerate() {
            constant[k] = (self.cost)(v);
            let mut inside = 0.0;
            let mut add = |t: usize, p: f64, constant: &mut f64| {
                if local[t] == u32::MAX {
                    *constant += p * val[t];
                } else {
                    rows[k].push((local[t] as usize, p));
                    inside += p;
                }
            };
            if g.is_decision(v) {
                for (t, p) in g.work.edges(v).filter(|&(_, p)| p > 0.0) {
                    add(t, p, &mut constant[k]);
                }
            } else if let Some(t) = policy[k] {
                add(t, 1.0, &mut constant[k]);
            }
            leaks[k] = inside < 1.0 - 1e-12;
        }
        // Under this policy, a case that can never leave the component ends up cycling in a
        // closed class, which (the component being finite) takes no time: value 0. Those
        // classes absorb; every other step reaches a leak or one of them, so the system on
        // the other steps has a unique solution.
        let mut rev: Vec<Vec<usize>> = vec![Vec::new(); m];
        for (k, row) in rows.iter().enumerate() {
            for &(j, _) in row {
                rev[j].push(k);
            }
        }
        let mut leaves = leaks.clone();
        let mut stack: Vec<usize> = (0..m).filter(|&k| leaks[k]).collect();
        while let Some(j) = stack.pop() {
            for &k in &rev[j] {
                if !leaves[k] {
                    leaves[k] = true;
                    stack.push(k);
                }
            }
        }
        let local_edges: Vec<(u32, u32, f64)> = rows
            .iter()
            .enumerate()
            .flat_map(|(k, row)| row.iter().map(move |&(j, p)| (k as u32, j as u32, p)))
            .collect();
        let local = Csr::build(m, &local_edges);
        let mut absorbing = vec![false; m];
        let mut class_of = vec![usize::MAX; m];
        let classes = sccs(
            m,
            &local,
            (0..m).filter(|&k| !leaves[k]),
            &|k| !leaves[k],
            &|_, _, _| true,
        );
        for (c, class) in classes.iter().enumerate() {
            for &k in class {
                class_of[k] = c;
            }
        }
        for (c, class) in classes.iter().enumerate() {
            let closed = class
                .iter()
                .all(|&k| local.targets(k).iter().all(|&j| class_of[j as usize] == c));
            if closed {
                for &k in class {
                    absorbing[k] = true;
                }
            }
        }
        let r: Vec<usize> = (0..m).filter(|&k| !absorbing[k]).collect();
        let mut x = vec![0.0; m];
        if r.len() <= DENSE_LIMIT {
            let mut pos = vec![usize::MAX; m];
            for (i, &k) in r.iter().enumerate() {
                pos[k] = i;
            }
            let size = r.len();
            let mut a = vec![0.0; size * size];
            let mut b = vec![0.0; size];
            for (i, &k) in r.iter().enumerate() {
                a[i * size + i] += 1.0;
                b[i] = constant[k];
                for &(j, p) in &rows[k] {
                    if pos[j] != usize::MAX {
                        a[i * size + pos[j]] -= p;
                    }
                }
            }
            if let Some(sol) = gauss(&mut a, &mut b, size) {
                for (i, &k) in r.iter().enumerate() {
                    x[k] = sol[i].max(0.0);
                }
                return x;
            }
        }
        // Large (or numerically singular) systems: Gauss-Seidel from 0 rises to the least
        // solution; stop when a sweep changes nothing beyond 1e-13 relative.
        for _ in 0..1_000_000 {
            let mut change: f64 = 0.0;
            for &k in &r {
                let new = constant[k] + rows[k].iter().map(|&(j, p)| p * x[j]).sum::<f64>();
                change = change.max((new - x[k]).abs() / new.abs().max(1.0));
                x[k] = new;
            }
            if change < 1e-13 {
                break;
            }
        }
        x
    }
}

/// Solves a dense n×n system in place with partial pivoting; `None` if singular.
fn gauss(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-12 {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
            }
            b.swap(pivot, col);
        }
        let d = a[col * n + col];
        for row in col + 1..n {
            let f = a[row * n + col] / d;
            if f == 0.0 {
                continue;
            }
            for k in col..n {
                a[row * n + k] -= f * a[col * n + k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row * n + k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row * n + row];
    }
    Some(x)
}
