//! The to-be derivation (map-format-v2.md, "To-be derivation"): a new map made from the as-is
//! by the dispositions of its steps. It is derived as a whole or not at all; the as-is is not
//! changed. Used by `valueflow redesign` and the editor's "Create to-be".

use crate::analysis::Analysis;
use crate::model::{
    DerivedFrom, Disposition, DispositionKind, Flow, FlowKind, IdMap, Map, MapBuilder, MapError,
    StepField, StepId, StepKind, Touchpoint,
};
use crate::text::escape_control;
use thiserror::Error;

/// A derived to-be with what the derivation did.
#[derive(Debug, Clone)]
pub struct Derivation {
    pub map: Map,
    /// The steps whose disposition is neither keep nor undecided, in map order.
    pub applied: Vec<(StepId, DispositionKind)>,
    /// The information flows into or out of removed steps, in the as-is flow order.
    pub dropped_information_flows: Vec<(StepId, StepId)>,
}

/// Why no to-be could be derived: each names the step and says what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RedesignError {
    #[error(
        "step \"{}\" is a {kind} and cannot be removed ({disposition}): choose keep, automate or simplify for it, or remove it by hand",
        esc(step)
    )]
    CannotRemove {
        step: StepId,
        kind: StepKind,
        disposition: DispositionKind,
    },
    #[error(
        "step \"{}\" is merged into \"{}\", which is {} itself: merge \"{}\" into a step that stays, or keep \"{}\"",
        esc(step),
        esc(into),
        what.as_done(),
        esc(step),
        esc(into)
    )]
    MergeIntoRemoved {
        step: StepId,
        into: StepId,
        what: DispositionKind,
    },
    #[error(
        "step \"{}\" is merged into \"{}\", which is not a step of this map: choose the step it merges into",
        esc(step),
        esc(into)
    )]
    UnknownMergeTarget { step: StepId, into: StepId },
    #[error(
        "removing step \"{}\" would leave decision \"{}\" with a branch into a parallel split ({successors} steps follow it): keep \"{}\", or change the flows so one step follows it",
        esc(step),
        esc(decision),
        esc(step)
    )]
    DecisionIntoSplit {
        step: StepId,
        decision: StepId,
        successors: usize,
    },
    #[error(
        "removing step \"{}\" would leave decision \"{}\" with a branch that goes nowhere (nothing follows \"{}\"): keep it, or connect it to the step the case goes to next",
        esc(step),
        esc(decision),
        esc(step)
    )]
    DecisionIntoNothing { step: StepId, decision: StepId },
    #[error("the derived map is not valid: {0} (please report this: the rules should prevent it)")]
    Invalid(#[from] MapError),
}

fn esc(id: &StepId) -> std::borrow::Cow<'_, str> {
    escape_control(id.as_str())
}

impl DispositionKind {
    /// The past participle for messages ("eliminated", "merged").
    fn as_done(self) -> &'static str {
        match self {
            DispositionKind::Eliminate => "eliminated",
            DispositionKind::Merge => "merged",
            other => other.as_str(),
        }
    }
}

/// Derives the to-be of `as_is`. `file` is the as-is file's path or name (only its last
/// component is kept in `derived_from`).
pub fn derive(as_is: &Map, file: Option<&str>) -> Result<Derivation, RedesignError> {
    let mut map = as_is.clone();
    // 1. The copy: a new name and where it came from.
    map.name = format!("{} (to-be)", as_is.name);
    map.derived_from = Some(DerivedFrom {
        name: Some(as_is.name.clone()),
        file: file.map(|f| {
            std::path::Path::new(f)
                .file_name()
                .map_or_else(|| f.to_owned(), |n| n.to_string_lossy().into_owned())
        }),
    });
    let decided: Vec<(StepId, Disposition)> = as_is
        .steps()
        .filter(|s| s.disposition().is_decided())
        .map(|s| (s.id.clone(), s.disposition().clone()))
        .collect();
    let applied = decided
        .iter()
        .filter(|(_, d)| d.kind() != DispositionKind::Keep)
        .map(|(id, d)| (id.clone(), d.kind()))
        .collect();
    let removed: IdMap<&StepId, DispositionKind> = decided
        .iter()
        .filter(|(_, d)| matches!(d, Disposition::Eliminate | Disposition::Merge { .. }))
        .map(|(id, d)| (id, d.kind()))
        .collect();

    // 2. Touchpoints and times.
    for (id, d) in &decided {
        let step = as_is
            .step(id)
            .ok_or_else(|| MapError::UnknownStep(id.clone()))?;
        match d {
            Disposition::Backstage => {
                map.set_step_field(id, StepField::Touchpoint(Touchpoint::Internal))?;
            }
            Disposition::Automate(t) => {
                map.set_step_field(id, StepField::WaitMins(t.wait_mins.unwrap_or(0.0)))?;
                map.set_step_field(
                    id,
                    StepField::WorkMins(t.work_mins.unwrap_or(step.work_mins)),
                )?;
            }
            Disposition::Simplify(t) => {
                if let Some(w) = t.wait_mins {
                    map.set_step_field(id, StepField::WaitMins(w))?;
                }
                if let Some(w) = t.work_mins {
                    map.set_step_field(id, StepField::WorkMins(w))?;
                }
            }
            _ => {}
        }
    }

    // 3. Merges: the target takes over the merged step's work (its wait goes with it).
    for (id, d) in &decided {
        let Disposition::Merge { into } = d else {
            continue;
        };
        if let Some(&what) = removed.get(into) {
            return Err(RedesignError::MergeIntoRemoved {
                step: id.clone(),
                into: into.clone(),
                what,
            });
        }
        let Some(target) = map.step(into) else {
            return Err(RedesignError::UnknownMergeTarget {
                step: id.clone(),
                into: into.clone(),
            });
        };
        let work = as_is.step(id).map_or(0.0, |s| s.work_mins);
        let total = target.work_mins + work;
        map.set_step_field(into, StepField::WorkMins(total))?;
    }

    // 4. Removals, in map order, on a light copy of the flows; the to-be is built once
    //    from it (removing steps from a Map one by one is linear in the flows each time).
    let mut sim = Bridging::new(&map);
    for (id, d) in &decided {
        if !matches!(d, Disposition::Eliminate | Disposition::Merge { .. }) {
            continue;
        }
        sim.remove(id, d.kind())?;
    }
    // Dropped information flows are original ones: in the as-is map's flow order.
    sim.dropped.sort_unstable();
    let dropped = sim
        .dropped
        .iter()
        .map(|&k| {
            let f = &sim.flows[k];
            (sim.ids[f.from].clone(), sim.ids[f.to].clone())
        })
        .collect();
    let mut to_be = MapBuilder::new(map.name.clone(), map.description.clone());
    to_be.set_read_version(2);
    to_be.set_scorecard(map.scorecard.clone());
    if let Some(from) = map.derived_from.clone() {
        to_be.set_derived_from(from);
    }
    to_be.reserve(map.step_count(), sim.flows.len());
    for lane in map.lanes() {
        to_be.add_lane(lane.clone())?;
    }
    for (k, s) in map.steps().enumerate() {
        if sim.removed[k] {
            continue;
        }
        let mut step = s.clone();
        // 5. The to-be is challenged afresh: answers and rationale stay, dispositions do not.
        if let Some(r) = step.review.as_mut() {
            r.disposition = Disposition::Undecided;
        }
        to_be.add_step(step)?;
    }
    for f in sim.flows.iter().filter(|f| f.alive) {
        to_be.connect(
            sim.ids[f.from].as_str(),
            sim.ids[f.to].as_str(),
            f.flow.clone(),
        )?;
    }
    Ok(Derivation {
        map: to_be.finish()?,
        applied,
        dropped_information_flows: dropped,
    })
}

/// One flow of the derivation's working copy.
struct SimFlow {
    from: usize,
    to: usize,
    flow: Flow,
    alive: bool,
}

/// Rule 4 on a working copy of the flows: steps by their place in the map order, flows in
/// map order (then the new ones in the order they are made), with each step's flows.
struct Bridging {
    ids: Vec<StepId>,
    kinds: Vec<StepKind>,
    index: IdMap<StepId, usize>,
    flows: Vec<SimFlow>,
    /// Flows out of / into each step (indices into `flows`, dead ones included).
    out: Vec<Vec<usize>>,
    inc: Vec<Vec<usize>>,
    /// The live flow (from, to, kind), for "not doubled".
    key: IdMap<(usize, usize, FlowKind), usize>,
    removed: Vec<bool>,
    /// Dropped information flows (indices of original flows).
    dropped: Vec<usize>,
}

impl Bridging {
    fn new(map: &Map) -> Self {
        let ids: Vec<StepId> = map.steps().map(|s| s.id.clone()).collect();
        let kinds = map.steps().map(|s| s.kind).collect();
        let index: IdMap<StepId, usize> = ids
            .iter()
            .enumerate()
            .map(|(k, id)| (id.clone(), k))
            .collect();
        let n = ids.len();
        let mut sim = Self {
            ids,
            kinds,
            flows: Vec::with_capacity(map.flow_count()),
            out: vec![Vec::new(); n],
            inc: vec![Vec::new(); n],
            key: IdMap::default(),
            removed: vec![false; n],
            dropped: Vec::new(),
            index,
        };
        for f in map.flows() {
            let (Some(&a), Some(&b)) = (sim.index.get(f.from), sim.index.get(f.to)) else {
                continue;
            };
            sim.push(a, b, f.flow.clone());
        }
        sim
    }

    fn push(&mut self, from: usize, to: usize, flow: Flow) {
        let k = self.flows.len();
        self.key.insert((from, to, flow.kind), k);
        self.flows.push(SimFlow {
            from,
            to,
            flow,
            alive: true,
        });
        self.out[from].push(k);
        self.inc[to].push(k);
    }

    fn live_work_out(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        self.out[v].iter().copied().filter(|&k| {
            let f = &self.flows[k];
            f.alive && f.flow.kind == FlowKind::Work
        })
    }

    /// Gives every work branch of decision `d` its effective probability explicitly.
    fn make_explicit(&mut self, d: usize) {
        let branches: Vec<(usize, Option<f64>)> = self
            .live_work_out(d)
            .map(|k| (k, self.flows[k].flow.probability))
            .collect();
        for (k, p) in crate::model::effective_probabilities(&branches) {
            self.flows[k].flow.probability = Some(p);
        }
    }

    /// Removes step `id`, joining every work predecessor to every work successor.
    fn remove(&mut self, id: &StepId, disposition: DispositionKind) -> Result<(), RedesignError> {
        let s = *self
            .index
            .get(id)
            .ok_or_else(|| MapError::UnknownStep(id.clone()))?;
        let kind = self.kinds[s];
        if matches!(kind, StepKind::Start | StepKind::End | StepKind::Decision) {
            return Err(RedesignError::CannotRemove {
                step: id.clone(),
                kind,
                disposition,
            });
        }
        let mut successors: Vec<usize> = self
            .live_work_out(s)
            .map(|k| self.flows[k].to)
            .filter(|&t| t != s)
            .collect();
        successors.sort_by(|&a, &b| self.ids[a].cmp(&self.ids[b]));
        successors.dedup();
        // Predecessors with the flow into S.
        let mut predecessors: Vec<(usize, usize)> = self.inc[s]
            .iter()
            .copied()
            .filter(|&k| {
                let f = &self.flows[k];
                f.alive && f.flow.kind == FlowKind::Work && f.from != s
            })
            .map(|k| (self.flows[k].from, k))
            .collect();
        predecessors.sort_by(|a, b| self.ids[a.0].cmp(&self.ids[b.0]));
        for &(p, _) in &predecessors {
            if self.kinds[p] == StepKind::Decision {
                if successors.len() >= 2 {
                    return Err(RedesignError::DecisionIntoSplit {
                        step: id.clone(),
                        decision: self.ids[p].clone(),
                        successors: successors.len(),
                    });
                }
                if successors.is_empty() {
                    return Err(RedesignError::DecisionIntoNothing {
                        step: id.clone(),
                        decision: self.ids[p].clone(),
                    });
                }
            }
        }
        for &(p, into_s) in &predecessors {
            // At a decision every branch is made explicit first (their effective values),
            // so that removing S and adding P → N keep the others' shares exactly; P → S's
            // share moves to P → N.
            let share = if self.kinds[p] == StepKind::Decision {
                self.make_explicit(p);
                let q = self.flows[into_s].flow.probability.unwrap_or(0.0);
                self.flows[into_s].flow.probability = Some(0.0);
                Some(q)
            } else {
                None
            };
            for &n in &successors {
                match self.key.get(&(p, n, FlowKind::Work)).copied() {
                    Some(k) if self.flows[k].alive => {
                        if let Some(q) = share {
                            let old = self.flows[k].flow.probability.unwrap_or(0.0);
                            self.flows[k].flow.probability = Some((old + q).clamp(0.0, 1.0));
                        }
                    }
                    _ => self.push(
                        p,
                        n,
                        Flow {
                            probability: share,
                            ..Flow::work()
                        },
                    ),
                }
            }
        }
        // S goes with its flows; its information flows are listed.
        for k in self.out[s]
            .iter()
            .chain(&self.inc[s])
            .copied()
            .collect::<Vec<_>>()
        {
            let f = &mut self.flows[k];
            if !f.alive {
                continue;
            }
            f.alive = false;
            if f.flow.kind == FlowKind::Information {
                self.dropped.push(k);
            }
        }
        self.dropped.sort_unstable();
        self.dropped.dedup();
        self.removed[s] = true;
        Ok(())
    }
}

/// How far the challenge of a map has got: the flagged steps (those with a delay finding,
/// the ones the challenge question is asked of) and how many of them have a disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChallengeProgress {
    pub flagged: usize,
    pub challenged: usize,
}

/// The flagged steps of a map, in the order the findings list them, each with whether it has
/// a disposition.
pub fn flagged_steps<'a>(map: &'a Map, analysis: &'a Analysis) -> Vec<(&'a StepId, bool)> {
    let mut seen = crate::model::IdSet::default();
    analysis
        .findings
        .iter()
        .filter(|f| f.rule.is_delay_rule())
        .filter(|f| seen.insert(&f.step))
        .map(|f| {
            let decided = map
                .step(&f.step)
                .is_some_and(|s| s.disposition().is_decided());
            (&f.step, decided)
        })
        .collect()
}

pub fn challenge_progress(map: &Map, analysis: &Analysis) -> ChallengeProgress {
    let flagged = flagged_steps(map, analysis);
    ChallengeProgress {
        flagged: flagged.len(),
        challenged: flagged.iter().filter(|(_, decided)| *decided).count(),
    }
}

#[cfg(test)]
mod tests;
