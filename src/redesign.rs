//! The to-be derivation (map-format-v2.md, "To-be derivation"): a new map made from the as-is
//! by the dispositions of its steps. It is derived as a whole or not at all; the as-is is not
//! changed. Used by `valueflow redesign` and the editor's "Create to-be".

use crate::analysis::Analysis;
use crate::model::{
    DerivedFrom, Disposition, DispositionKind, Flow, FlowKind, IdMap, Map, MapError, StepField,
    StepId, StepKind, Touchpoint,
};
use crate::text::escape_control;
use petgraph::Direction;
use petgraph::visit::EdgeRef;
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

    // 4. Removals, in map order.
    let mut dropped = Vec::new();
    for (id, d) in &decided {
        if !matches!(d, Disposition::Eliminate | Disposition::Merge { .. }) {
            continue;
        }
        remove_and_bridge(&mut map, id, d.kind(), &mut dropped)?;
    }
    // Dropped information flows in the as-is map's flow order.
    let order: IdMap<(&StepId, &StepId), usize> = as_is
        .flows()
        .filter(|f| f.flow.kind == FlowKind::Information)
        .enumerate()
        .map(|(k, f)| ((f.from, f.to), k))
        .collect();
    dropped.sort_by_key(|(a, b)| order.get(&(a, b)).copied().unwrap_or(usize::MAX));

    // 5. The to-be is challenged afresh: answers and rationale stay, dispositions do not.
    let ids: Vec<StepId> = map
        .steps()
        .filter(|s| s.review.is_some())
        .map(|s| s.id.clone())
        .collect();
    for id in ids {
        let review = map.step(&id).and_then(|s| s.review.clone()).map(|mut r| {
            r.disposition = Disposition::Undecided;
            r
        });
        map.set_step_field(&id, StepField::Review(review))?;
    }
    map.check_decisions()?;
    Ok(Derivation {
        map,
        applied,
        dropped_information_flows: dropped,
    })
}

/// Rule 4 for one step: every work predecessor P is joined to every work successor N, at a
/// decision with the probability P → S had; then S goes with its flows.
fn remove_and_bridge(
    map: &mut Map,
    id: &StepId,
    disposition: DispositionKind,
    dropped: &mut Vec<(StepId, StepId)>,
) -> Result<(), RedesignError> {
    let i = map
        .index_of(id)
        .ok_or_else(|| MapError::UnknownStep(id.clone()))?;
    let kind = map.graph()[i].kind;
    if matches!(kind, StepKind::Start | StepKind::End | StepKind::Decision) {
        return Err(RedesignError::CannotRemove {
            step: id.clone(),
            kind,
            disposition,
        });
    }
    let g = map.graph();
    let mut successors: Vec<StepId> = g
        .edges_directed(i, Direction::Outgoing)
        .filter(|e| e.weight().kind == FlowKind::Work && e.target() != i)
        .map(|e| g[e.target()].id.clone())
        .collect();
    successors.sort();
    // Predecessors with the probability of their flow into S (at a decision, effective).
    let mut predecessors: Vec<(StepId, Option<f64>)> = Vec::new();
    for e in g.edges_directed(i, Direction::Incoming) {
        if e.weight().kind != FlowKind::Work || e.source() == i {
            continue;
        }
        let p = e.source();
        let probability = (g[p].kind == StepKind::Decision).then(|| {
            map.branch_probabilities(p)
                .into_iter()
                .find(|&(x, _)| x == e.id())
                .map_or(0.0, |(_, q)| q)
        });
        predecessors.push((g[p].id.clone(), probability));
    }
    predecessors.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, probability) in &predecessors {
        if probability.is_some() {
            if successors.len() >= 2 {
                return Err(RedesignError::DecisionIntoSplit {
                    step: id.clone(),
                    decision: p.clone(),
                    successors: successors.len(),
                });
            }
            if successors.is_empty() {
                return Err(RedesignError::DecisionIntoNothing {
                    step: id.clone(),
                    decision: p.clone(),
                });
            }
        }
    }
    for f in map.flows() {
        if f.flow.kind == FlowKind::Information && (f.from == id || f.to == id) {
            dropped.push((f.from.clone(), f.to.clone()));
        }
    }
    for (p, probability) in &predecessors {
        // At a decision every branch is made explicit first (their effective values), so
        // that removing S and adding P → N keep the others' shares exactly; P → S's share
        // moves to P → N.
        if probability.is_some() {
            make_explicit(map, p)?;
            if let Some(e) = map.find_flow(p, id, FlowKind::Work) {
                map.set_probability_unchecked(e, 0.0);
            }
        }
        for n in &successors {
            match map.find_flow(p, n, FlowKind::Work) {
                Some(e) => {
                    if let Some(q) = probability {
                        let old = map.graph()[e].probability.unwrap_or(0.0);
                        map.set_probability_unchecked(e, old + q);
                    }
                }
                None => {
                    let flow = Flow {
                        probability: *probability,
                        ..Flow::work()
                    };
                    map.connect_unchecked_sum(p, n, flow)?;
                }
            }
        }
    }
    map.remove_step(id)?;
    Ok(())
}

/// Gives every work branch of decision `d` its effective probability explicitly.
fn make_explicit(map: &mut Map, d: &StepId) -> Result<(), MapError> {
    let i = map
        .index_of(d)
        .ok_or_else(|| MapError::UnknownStep(d.clone()))?;
    for (e, p) in map.branch_probabilities(i) {
        map.set_probability_unchecked(e, p);
    }
    Ok(())
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
