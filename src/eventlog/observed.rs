//! The observed statistics a calibrated step carries in its notes, in a stable text form
//! that `parse_observed` reads back (docs/eventlogs.md, "The notes"):
//!
//! ```text
//! observed in the event log: n=120 cases=100 with_start=118
//! work_mins: mean=12.5 median=10 p90=25.25
//! wait_mins: mean=40 median=31.5 p90=95
//! ```

/// Mean, median and 90th percentile of one time, in minutes (rounded to 4 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ObservedStats {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
}

impl ObservedStats {
    /// The mean is more than three times the median: a few long cases pull it up.
    pub fn is_skewed(&self) -> bool {
        self.mean > 3.0 * self.median
    }
}

/// What the log showed for one step.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Observed {
    /// Activity instances.
    pub n: u64,
    /// Cases with at least one instance.
    pub cases: u64,
    /// Instances with a known start (the work statistics are over these).
    pub with_start: u64,
    pub work: ObservedStats,
    pub wait: ObservedStats,
}

impl Observed {
    /// Either time's mean is more than three times its median.
    pub fn is_skewed(&self) -> bool {
        self.work.is_skewed() || self.wait.is_skewed()
    }
}

const HEADER: &str = "observed in the event log:";

/// A map calibrated from a complete-only log (rule 11): its steps carry observed statistics
/// and none of them saw a start, so work is 0 and PCE is not meaningful. Read from the notes,
/// so it holds after the map is saved and opened again.
pub fn is_complete_only(map: &crate::model::Map) -> bool {
    let mut observed = map
        .steps()
        .filter_map(|s| parse_observed(&s.notes))
        .peekable();
    observed.peek().is_some() && observed.all(|o| o.with_start == 0)
}

/// A lane the editor may suggest marking as the customer's (rule 10): named customer,
/// applicant or client (any case, also as a word in a longer name, e.g. "Loan applicant").
pub fn suggests_customer_lane(name: &str) -> bool {
    name.split(|c: char| !c.is_alphanumeric()).any(|w| {
        [
            "customer",
            "customers",
            "applicant",
            "applicants",
            "client",
            "clients",
        ]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
    })
}

/// The notes text of `o` (three lines, no trailing newline).
pub fn format_observed(o: &Observed) -> String {
    let s = |x: &ObservedStats| {
        format!(
            "mean={} median={} p90={}",
            num(x.mean),
            num(x.median),
            num(x.p90)
        )
    };
    format!(
        "{HEADER} n={} cases={} with_start={}\nwork_mins: {}\nwait_mins: {}",
        o.n,
        o.cases,
        o.with_start,
        s(&o.work),
        s(&o.wait)
    )
}

/// A number rounded to 4 decimals, written as Rust writes an f64 (no trailing zeros).
fn num(x: f64) -> String {
    format!("{}", (x * 10_000.0).round() / 10_000.0)
}

/// Reads the observed statistics back from a step's notes (anywhere in them, so a user's
/// own notes before or after are fine); `None` when the notes do not carry them.
pub fn parse_observed(notes: &str) -> Option<Observed> {
    let mut lines = notes
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(HEADER));
    let head = lines.next()?.trim_start().strip_prefix(HEADER)?;
    let mut o = Observed::default();
    for (k, v) in pairs(head) {
        let v: u64 = v.parse().ok()?;
        match k {
            "n" => o.n = v,
            "cases" => o.cases = v,
            "with_start" => o.with_start = v,
            _ => {}
        }
    }
    o.work = stats(lines.next()?.trim().strip_prefix("work_mins:")?)?;
    o.wait = stats(lines.next()?.trim().strip_prefix("wait_mins:")?)?;
    Some(o)
}

fn pairs(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split_whitespace().filter_map(|p| p.split_once('='))
}

fn stats(s: &str) -> Option<ObservedStats> {
    let (mut mean, mut median, mut p90) = (None, None, None);
    for (k, v) in pairs(s) {
        let v: f64 = v.parse().ok().filter(|x: &f64| x.is_finite())?;
        match k {
            "mean" => mean = Some(v),
            "median" => median = Some(v),
            "p90" => p90 = Some(v),
            _ => {}
        }
    }
    Some(ObservedStats {
        mean: mean?,
        median: median?,
        p90: p90?,
    })
}
