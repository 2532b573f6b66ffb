//! The finding rules: each finding names one step, a stable rule id and a severity, and the
//! delay rules carry the challenge question a consultant asks of the step.

use super::graph::FlowGraph;
use crate::model::{Step, StepId, StepKind, Touchpoint, Value, keyword_enum};
use crate::units::format_duration;
use serde::Serialize;
use std::fmt;

/// The question asked of every delay step.
pub const CHALLENGE_QUESTION: &str = "What does this step do for the customer? Does it slow the process? \
Is there a benefit the customer would expect to offset the delay? Could that benefit be delivered without the step?";

keyword_enum!(
    /// How much a finding matters; sorts high first.
    #[derive(PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "lowercase")]
    Severity {
        High = "high",
        Medium = "medium",
        Low = "low",
        Info = "info",
    }
);

keyword_enum!(
    /// The stable rule ids.
    #[derive(PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "kebab-case")]
    Rule {
        NoValueDelay = "no-value-delay",
        UnassessedDelay = "unassessed-delay",
        NoCustomerOutcome = "no-customer-outcome",
        ReworkLoop = "rework-loop",
        EndlessLoop = "endless-loop",
        Overflow = "overflow",
        Bottleneck = "bottleneck",
        Unreachable = "unreachable",
        DeadEnd = "dead-end",
    }
);

impl Rule {
    /// A short human title for lists and reports.
    pub fn title(self) -> &'static str {
        match self {
            Rule::NoValueDelay => "Delay with no customer value",
            Rule::UnassessedDelay => "Delay not yet assessed",
            Rule::NoCustomerOutcome => "No customer outcome",
            Rule::ReworkLoop => "Rework loop",
            Rule::EndlessLoop => "Endless loop",
            Rule::Overflow => "Time overflow",
            Rule::Bottleneck => "Bottleneck",
            Rule::Unreachable => "Unreachable step",
            Rule::DeadEnd => "Dead end",
        }
    }

    /// Whether this rule is about a delay (and so carries the challenge question).
    pub fn is_delay_rule(self) -> bool {
        matches!(self, Rule::NoValueDelay | Rule::UnassessedDelay)
    }
}

impl Finding {
    /// The title of this finding for lists and reports: the rule's title, except that a
    /// medium no-value delay (the business gets something from it, the customer nothing) is
    /// not called a delay with no value at all.
    pub fn title(&self) -> &'static str {
        match (self.rule, self.severity) {
            (Rule::NoValueDelay, Severity::Medium) => "Delay with value to the business only",
            (rule, _) => rule.title(),
        }
    }
}

/// One finding about one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub step: StepId,
    pub step_name: String,
    pub severity: Severity,
    /// The step's queue time, plus its work time for a wait step.
    pub delay_mins: f64,
    /// Plain-language explanation.
    pub message: String,
    /// The challenge question, for delay rules.
    pub question: Option<&'static str>,
}

pub(super) struct Input<'a> {
    pub g: &'a FlowGraph<'a>,
    pub steps: &'a [&'a Step],
    pub entries: &'a [usize],
    pub reachable: &'a [bool],
    /// (component index, steps) of every loop.
    pub loops: &'a [(usize, &'a [usize])],
    pub comp_has_trap: &'a [bool],
    pub critical: &'a [usize],
    /// Where times overflow: one step per component in which the overflow starts.
    pub overflow_origins: &'a [usize],
}

fn quoted(step: &Step) -> String {
    if step.name.trim().is_empty() {
        format!("step \"{}\"", step.id)
    } else {
        format!("\"{}\"", step.name)
    }
}

/// A finding about step `s`.
fn finding(s: &Step, rule: Rule, severity: Severity, message: String) -> Finding {
    Finding {
        rule,
        step: s.id.clone(),
        step_name: s.name.clone(),
        severity,
        // Wait + work of a wait step can exceed the largest f64: reported as that largest.
        delay_mins: s.delay_mins().min(f64::MAX),
        message,
        question: rule.is_delay_rule().then_some(CHALLENGE_QUESTION),
    }
}

/// The findings that need the steps and flows only, not the times (the delay rules and
/// no customer outcome), in the order `collect` continues from: the analysis finds them
/// while it solves the times.
pub(super) fn per_step(g: &FlowGraph, steps: &[&Step]) -> Vec<Finding> {
    let n = steps.len();
    let mut out = Vec::new();
    let mut push = |v: usize, rule: Rule, severity: Severity, message: String| {
        out.push(finding(steps[v], rule, severity, message));
    };

    // Delay rules.
    for (v, s) in steps.iter().enumerate() {
        if !s.is_delay() {
            continue;
        }
        let wait = format_duration(s.delay_mins().min(f64::MAX));
        match s.value {
            Value::None => push(
                v,
                Rule::NoValueDelay,
                Severity::High,
                format!(
                    "{} makes the case wait {wait} and adds no value to the customer",
                    quoted(s)
                ),
            ),
            Value::Business => push(
                v,
                Rule::NoValueDelay,
                Severity::Medium,
                format!(
                    "{} makes the case wait {wait} for value to the business only, not to the customer",
                    quoted(s)
                ),
            ),
            Value::Unassessed => push(
                v,
                Rule::UnassessedDelay,
                Severity::Low,
                format!(
                    "{} makes the case wait {wait} and its value to the customer has not been assessed",
                    quoted(s)
                ),
            ),
            Value::Customer => {}
        }
    }

    // No customer outcome: internal steps from which no flow path reaches the customer or an end.
    let targets: Vec<usize> = (0..n)
        .filter(|&v| steps[v].touchpoint == Touchpoint::Customer || steps[v].kind == StepKind::End)
        .collect();
    let reaches_outcome = FlowGraph::reach(&g.all_rev, n, &targets);
    for v in 0..n {
        if !reaches_outcome[v] && steps[v].touchpoint == Touchpoint::Internal {
            push(
                v,
                Rule::NoCustomerOutcome,
                Severity::Medium,
                format!(
                    "{} is internal and no flow from it reaches a customer-facing step or an end",
                    quoted(steps[v])
                ),
            );
        }
    }
    out
}

/// All the findings, sorted: `per_step`'s (given) and those that need the times.
pub(super) fn collect(input: Input, per_step: Vec<Finding>) -> Vec<Finding> {
    let Input {
        g,
        steps,
        entries,
        reachable,
        loops,
        comp_has_trap,
        critical,
        overflow_origins,
    } = input;
    let n = steps.len();
    let mut out = per_step;
    let mut push = |v: usize, rule: Rule, severity: Severity, message: String| {
        out.push(finding(steps[v], rule, severity, message));
    };

    // Loops.
    for (comp, members) in loops {
        let smallest = |filter: &dyn Fn(usize) -> bool| {
            members
                .iter()
                .copied()
                .filter(|&v| filter(v))
                .min_by(|&a, &b| g.ids[a].cmp(g.ids[b]))
        };
        let named = smallest(&|v| g.is_decision(v)).or_else(|| smallest(&|_| true));
        let Some(named) = named else { continue };
        let others = members.len() - 1;
        let size = if others == 0 {
            "flows back into itself".to_owned()
        } else {
            format!("and {others} other step(s) form a loop")
        };
        push(
            named,
            Rule::ReworkLoop,
            Severity::Medium,
            format!(
                "{} {size}: every pass around it repeats work and adds time",
                quoted(steps[named])
            ),
        );
        if comp_has_trap[*comp]
            && let Some(first) = smallest(&|_| true)
        {
            push(
                first,
                Rule::EndlessLoop,
                Severity::High,
                format!(
                    "the loop through {} can never be left, so the process never ends: give its decisions a way out",
                    quoted(steps[first])
                ),
            );
        }
    }

    // Bottleneck: the largest queue + work on the most likely critical path.
    if !entries.is_empty()
        && let Some(&b) = critical.iter().reduce(|best, v| {
            let (cb, cv) = (g.cost[*best], g.cost[*v]);
            if cv > cb || (cv == cb && g.ids[*v] < g.ids[*best]) {
                v
            } else {
                best
            }
        })
    {
        push(
            b,
            Rule::Bottleneck,
            Severity::Info,
            format!(
                "{} is the bottleneck: at {} (wait + work) it is the longest step on the most likely critical path",
                quoted(steps[b]),
                format_duration(g.cost[b])
            ),
        );
    }

    for &v in overflow_origins {
        push(
            v,
            Rule::Overflow,
            Severity::High,
            format!(
                "the expected time from {} on is more than the largest number valueflow can hold (about 1.8e308 minutes), so no lead time can be given: check its wait and work times and how rarely its loops are left",
                quoted(steps[v])
            ),
        );
    }

    for v in 0..n {
        if !reachable[v] {
            push(
                v,
                Rule::Unreachable,
                Severity::Low,
                format!("no start reaches {} by work flows", quoted(steps[v])),
            );
        }
        if g.work.degree(v) == 0 && steps[v].kind != StepKind::End {
            push(
                v,
                Rule::DeadEnd,
                Severity::Low,
                format!(
                    "the work stops at {}: it has no outgoing work flow and is not an end step",
                    quoted(steps[v])
                ),
            );
        }
    }

    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| b.delay_mins.total_cmp(&a.delay_mins))
            .then_with(|| a.step.cmp(&b.step))
            .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
    });
    out
}
