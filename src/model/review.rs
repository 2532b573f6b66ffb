//! The redesign fields of format v2 (map-format-v2.md): a step's challenge (`Review`, with its
//! `Disposition`), the map's customer-alignment `Scorecard` and where a to-be came from
//! (`DerivedFrom`).

use super::types::{StepId, keyword_enum};
use std::fmt;

keyword_enum!(
    /// What becomes of a step in the redesign, as a keyword (the file's `disposition`).
    #[derive(Default)]
    DispositionKind {
        #[default]
        Undecided = "undecided",
        Keep = "keep",
        Eliminate = "eliminate",
        Merge = "merge",
        Backstage = "backstage",
        Automate = "automate",
        Simplify = "simplify",
    }
);

impl DispositionKind {
    /// How the editor names it.
    pub fn label(self) -> &'static str {
        match self {
            DispositionKind::Undecided => "Undecided",
            DispositionKind::Keep => "Keep",
            DispositionKind::Eliminate => "Eliminate",
            DispositionKind::Merge => "Merge into…",
            DispositionKind::Backstage => "Move backstage",
            DispositionKind::Automate => "Automate",
            DispositionKind::Simplify => "Simplify",
        }
    }
}

/// The to-be times of an automated or simplified step; `None` = the default of the
/// derivation (automate: wait 0 and work unchanged; simplify: unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TargetTimes {
    pub work_mins: Option<f64>,
    pub wait_mins: Option<f64>,
}

/// What becomes of a step, with the fields each choice needs (so a merge always has a target
/// and only automate and simplify carry target times).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Disposition {
    #[default]
    Undecided,
    Keep,
    Eliminate,
    /// Merged into another step, which takes over its work.
    Merge {
        into: StepId,
    },
    /// Kept, but out of the customer's sight (touchpoint internal).
    Backstage,
    Automate(TargetTimes),
    Simplify(TargetTimes),
}

impl Disposition {
    pub fn kind(&self) -> DispositionKind {
        match self {
            Disposition::Undecided => DispositionKind::Undecided,
            Disposition::Keep => DispositionKind::Keep,
            Disposition::Eliminate => DispositionKind::Eliminate,
            Disposition::Merge { .. } => DispositionKind::Merge,
            Disposition::Backstage => DispositionKind::Backstage,
            Disposition::Automate(_) => DispositionKind::Automate,
            Disposition::Simplify(_) => DispositionKind::Simplify,
        }
    }

    /// The merge target, for a merge.
    pub fn merge_into(&self) -> Option<&StepId> {
        match self {
            Disposition::Merge { into } => Some(into),
            _ => None,
        }
    }

    /// The target times, for automate and simplify.
    pub fn targets(&self) -> Option<TargetTimes> {
        match self {
            Disposition::Automate(t) | Disposition::Simplify(t) => Some(*t),
            _ => None,
        }
    }

    /// Whether the step has been decided on (anything but undecided).
    pub fn is_decided(&self) -> bool {
        !matches!(self, Disposition::Undecided)
    }
}

/// The five challenge questions a consultant asks of a step, in the order of the file.
pub const REVIEW_QUESTIONS: [(&str, &str); 5] = [
    ("for_customer", "What does this step do for the customer?"),
    ("slows_process", "Does it slow the process down?"),
    (
        "offsetting_benefit",
        "If so, is there a benefit the customer would expect to offset that?",
    ),
    (
        "competitors",
        "Do competitors do it quicker with the same benefit?",
    ),
    (
        "without_step",
        "Could the benefit be delivered without the step (maybe with technology)?",
    ),
];

/// The challenge of one step: the answers to the five questions (`REVIEW_QUESTIONS` order),
/// the disposition and its rationale.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Review {
    pub answers: [String; 5],
    pub disposition: Disposition,
    pub rationale: String,
}

impl Review {
    /// Nothing answered or decided: saved as no review at all.
    pub fn is_empty(&self) -> bool {
        self.answers.iter().all(String::is_empty)
            && !self.disposition.is_decided()
            && self.rationale.is_empty()
    }
}

keyword_enum!(
    /// One of the six customer-alignment parameters of the scorecard, by its file key.
    ScoreParam {
        CustomerRelationships = "customer_relationships",
        Strategy = "strategy",
        Marketing = "marketing",
        SalesAndService = "sales_and_service",
        ProcessDesign = "process_design",
        CapacityToChange = "capacity_to_change",
    }
);

impl ScoreParam {
    pub fn label(self) -> &'static str {
        match self {
            ScoreParam::CustomerRelationships => "Customer relationships",
            ScoreParam::Strategy => "Strategy",
            ScoreParam::Marketing => "Marketing",
            ScoreParam::SalesAndService => "Sales and service",
            ScoreParam::ProcessDesign => "Process design",
            ScoreParam::CapacityToChange => "Capacity to change",
        }
    }

    /// The probing questions a consultant asks about this parameter (guidance for rating it).
    pub fn questions(self) -> &'static [&'static str] {
        match self {
            ScoreParam::CustomerRelationships => &[
                "Does the customer deal with one company, or with each of our units separately?",
                "Do we know the whole relationship: everything the customer buys, owes and has asked?",
                "Would the customer say we are easy to do business with?",
            ],
            ScoreParam::Strategy => &[
                "Does the strategy say what the customer should experience, not only what we sell?",
                "Are the units measured on what the customer gets, or only on their own results?",
                "Is there one owner for the customer's experience across units?",
            ],
            ScoreParam::Marketing => &[
                "Do we promise what the processes can deliver?",
                "Do we learn from customers what they value and what annoys them?",
                "Is the offer the same whichever unit the customer talks to?",
            ],
            ScoreParam::SalesAndService => &[
                "Does the customer have one point of contact who can resolve a problem?",
                "How many hand-offs does a question or a dispute go through before it is answered?",
                "Can service see the customer's orders, invoices and payments in one place?",
            ],
            ScoreParam::ProcessDesign => &[
                "Are processes designed for customer value or for internal efficiency?",
                "Are process and customer information flows integrated?",
                "Is technology designed around the process, or the process around technology?",
            ],
            ScoreParam::CapacityToChange => &[
                "Can the units agree on one way of working for the customer?",
                "Who decides, and how quickly, when a redesign crosses units and systems?",
                "Have we changed a cross-unit process before, and did it stick?",
            ],
        }
    }

    /// Its place in `ALL` (the variants are declared in that order).
    fn index(self) -> usize {
        self as usize
    }
}

keyword_enum!(
    /// How well one scorecard parameter serves the customer, best first.
    Rating {
        DoingGreat = "doing-great",
        CouldImprove = "could-improve",
        NeedsAttention = "needs-attention",
        AtRisk = "at-risk",
    }
);

impl Rating {
    pub fn label(self) -> &'static str {
        match self {
            Rating::DoingGreat => "Doing great",
            Rating::CouldImprove => "Could stand some improvement",
            Rating::NeedsAttention => "Needs prompt attention",
            Rating::AtRisk => "Putting us at risk with customers",
        }
    }
}

/// One parameter's rating (`None` = unrated) and notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreEntry {
    pub rating: Option<Rating>,
    pub notes: String,
}

impl ScoreEntry {
    pub fn is_empty(&self) -> bool {
        self.rating.is_none() && self.notes.is_empty()
    }
}

/// The map-level customer-alignment scorecard: one entry per `ScoreParam`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scorecard {
    entries: [ScoreEntry; 6],
}

impl Scorecard {
    pub fn get(&self, p: ScoreParam) -> &ScoreEntry {
        &self.entries[p.index()]
    }

    pub fn get_mut(&mut self, p: ScoreParam) -> &mut ScoreEntry {
        &mut self.entries[p.index()]
    }

    /// Every parameter with its entry, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (ScoreParam, &ScoreEntry)> + '_ {
        ScoreParam::ALL.iter().copied().zip(self.entries.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(ScoreEntry::is_empty)
    }
}

/// Where a to-be map was derived from (the as-is map's name and file name).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DerivedFrom {
    pub name: Option<String>,
    pub file: Option<String>,
}

impl fmt::Display for DerivedFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, &self.file) {
            (Some(n), Some(file)) => write!(f, "{n} ({file})"),
            (Some(n), None) => f.write_str(n),
            (None, Some(file)) => f.write_str(file),
            (None, None) => f.write_str("another map"),
        }
    }
}
