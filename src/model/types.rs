//! The value types of a map: ids, lanes, steps, flows and their enums.

use super::review::{Disposition, Review};
use smol_str::SmolStr;
use std::fmt;

/// An id type: immutable text kept inline up to 23 bytes (shared beyond that), so that
/// ids, which are short, cost no allocation and an index compares them without following
/// a pointer (the loader looks up two ids for every flow).
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(SmolStr);

        impl $name {
            pub fn new(s: impl AsRef<str>) -> Self {
                Self(SmolStr::new(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Lookups by `&str` (no allocation): the derived Hash of a one-field struct is the
        // field's, so it agrees with `str`'s.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(SmolStr::new(s))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(SmolStr::new(s))
            }
        }
    };
}

string_id!(
    /// The unique, non-empty id of a step (ordered by code point, so `s10` < `s9`).
    StepId
);
string_id!(
    /// The unique id of a lane.
    LaneId
);

/// A swimlane: who does the steps in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub id: LaneId,
    pub name: String,
    /// The lane holds what the customer does (format v2; a service blueprint's top row).
    pub customer: bool,
}

impl Lane {
    /// A lane of the company (not a customer lane).
    pub fn new(id: impl Into<LaneId>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            customer: false,
        }
    }

    /// The lane marked as a customer lane.
    pub fn for_customer(mut self) -> Self {
        self.customer = true;
        self
    }
}

macro_rules! keyword_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $kw:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in the order the format lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The keyword used in files and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $kw),+
                }
            }

            /// Parses the file keyword.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($kw => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The accepted keywords, for error messages: `a | b | c`.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(" | ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// For the analysis' own keyword enums (severities, rule ids).
pub(crate) use keyword_enum;

keyword_enum!(
    /// What kind of step this is; drives the analysis (decisions branch, the rest split in parallel).
    StepKind {
        Start = "start",
        Activity = "activity",
        Decision = "decision",
        /// A pure wait (the value-stream "inventory" triangle): its work time counts as delay too.
        Wait = "wait",
        End = "end",
    }
);

keyword_enum!(
    /// Whether the customer sees or takes part in the step.
    #[derive(Default)]
    Touchpoint {
        Customer = "customer",
        #[default]
        Internal = "internal",
    }
);

keyword_enum!(
    /// The judgement of what the step gives the customer.
    #[derive(Default)]
    Value {
        Customer = "customer",
        Business = "business",
        None = "none",
        #[default]
        Unassessed = "unassessed",
    }
);

keyword_enum!(
    /// Work flows carry the case from step to step; information flows (forms, emails,
    /// system feeds) run beside them and add no time.
    #[derive(Default)]
    FlowKind {
        #[default]
        Work = "work",
        Information = "information",
    }
);

/// One step of the process.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: StepId,
    pub name: String,
    /// The lane it sits in; `None` only when the map has no lanes.
    pub lane: Option<LaneId>,
    pub kind: StepKind,
    pub touchpoint: Touchpoint,
    /// Hands-on time, minutes, finite and >= 0.
    pub work_mins: f64,
    /// Queue or delay before the step starts, minutes, finite and >= 0.
    pub wait_mins: f64,
    pub value: Value,
    /// What the step does for the customer.
    pub benefit: String,
    /// Technology or system used.
    pub system: String,
    pub notes: String,
    /// Canvas position; `None` until placed (the editor auto-arranges).
    pub pos: Option<[f32; 2]>,
    /// The step's challenge (format v2); `None` = nothing answered or decided. Boxed: most
    /// steps of a large map have none, and a step stays small.
    pub review: Option<Box<Review>>,
}

impl Step {
    /// A step with defaults for everything but id, name and kind.
    pub fn new(id: impl Into<StepId>, name: impl Into<String>, kind: StepKind) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            lane: None,
            kind,
            touchpoint: Touchpoint::Internal,
            work_mins: 0.0,
            wait_mins: 0.0,
            value: Value::Unassessed,
            benefit: String::new(),
            system: String::new(),
            notes: String::new(),
            pos: None,
            review: None,
        }
    }

    /// The step's disposition (undecided when it has no review).
    pub fn disposition(&self) -> &Disposition {
        static UNDECIDED: Disposition = Disposition::Undecided;
        self.review.as_ref().map_or(&UNDECIDED, |r| &r.disposition)
    }

    pub fn in_lane(mut self, lane: impl Into<LaneId>) -> Self {
        self.lane = Some(lane.into());
        self
    }

    pub fn with_times(mut self, work_mins: f64, wait_mins: f64) -> Self {
        self.work_mins = work_mins;
        self.wait_mins = wait_mins;
        self
    }

    pub fn with_value(mut self, value: Value) -> Self {
        self.value = value;
        self
    }

    pub fn with_touchpoint(mut self, touchpoint: Touchpoint) -> Self {
        self.touchpoint = touchpoint;
        self
    }

    /// A delay step: it makes the case wait (wait time before it, or it is a wait itself).
    pub fn is_delay(&self) -> bool {
        self.wait_mins > 0.0 || self.kind == StepKind::Wait
    }

    /// The delay a finding reports: the wait before the step, plus its duration for a wait step.
    pub fn delay_mins(&self) -> f64 {
        if self.kind == StepKind::Wait {
            self.wait_mins + self.work_mins
        } else {
            self.wait_mins
        }
    }

    pub fn is_customer_facing(&self) -> bool {
        self.touchpoint == Touchpoint::Customer
    }
}

/// A flow between two steps (the endpoints live in the graph).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flow {
    pub kind: FlowKind,
    /// Only on work flows leaving a decision; `None` shares the remainder equally.
    pub probability: Option<f64>,
    pub label: String,
}

impl Flow {
    pub fn work() -> Self {
        Self::default()
    }

    pub fn information() -> Self {
        Self {
            kind: FlowKind::Information,
            ..Self::default()
        }
    }

    pub fn with_probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}
