//! A calibration's summary in words, for the CLI (`valueflow calibrate`) and the editor's
//! import: what was read, what was left out and why, and the case durations next to the
//! map's lead time.

use super::{Calibration, Summary};
use crate::model::{Map, StepKind};
use crate::text::escape_control;
use crate::units::format_duration;
use std::fmt::Write as _;
use std::path::Path;

/// The log's file name without its extensions (`.gz`, `.xes`, `.csv`): the name a
/// calibrated map is proposed to be saved under.
pub fn log_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = super::calibrate::file_stem(&name);
    if stem.is_empty() {
        "event-log".to_owned()
    } else {
        stem
    }
}

/// Why a log with parallel branches has a mean case duration above the map's lead time.
pub const PARALLEL_NOTE: &str = "The log has parallel branches: a case waits for its slowest branch, while the map counts each branch by its mean, so the observed case duration is longer than the map's lead time.";

/// Why the log's mean case duration and the map's lead time differ, when they do for a
/// reason of the map's kind (parallel branches), in one sentence.
pub fn duration_note(c: &Calibration) -> Option<&'static str> {
    (!c.summary.concurrent.is_empty()).then_some(PARALLEL_NOTE)
}

/// A threshold share as a percentage: `1%`, `0.5%`.
fn share(v: f64) -> String {
    format!("{}%", crate::view::format_percent(v))
}

/// The summary lines (each indented by two spaces, ending in a newline): the log, the
/// dates, the statistic and thresholds, the case durations and the map's lead time
/// (`lead_time_mins`, from the analysis), the concurrent pairs, what was dropped. The
/// warnings are the caller's to show (the CLI writes them to stderr).
pub fn summary_text(c: &Calibration, lead_time_mins: Option<f64>) -> String {
    let s = &c.summary;
    let e = |t: &str| escape_control(t).into_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  log: {} ({}), {} cases, {} events, {} activity instances ({} kept), {} activities kept",
        s.layout.as_str(),
        if s.complete_only {
            "completion times only"
        } else {
            "with starts"
        },
        s.cases,
        s.events,
        s.activity_instances,
        s.kept_instances,
        s.activities
    );
    if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
        let _ = writeln!(out, "  from {a} to {b}");
    }
    // In words, with the CLI's flag for each (the editor's dialog names them the same).
    let _ = writeln!(
        out,
        "  statistic: {}; kept: activities in at least {} of the cases (--min-activity), \
         outcomes of at least {} of their source's (--min-flow); concurrency from {} of the \
         instances (--min-conc)",
        s.statistic.as_str(),
        share(s.min_activity),
        share(s.min_flow),
        share(s.min_conc)
    );
    let _ = writeln!(
        out,
        "  case duration: mean {}, median {}\n  the map's expected lead time: {}",
        format_duration(s.mean_case_mins),
        format_duration(s.median_case_mins),
        lead_time_mins.map_or_else(
            || "none (an endless loop or no path to the end)".to_owned(),
            format_duration
        )
    );
    if let Some(note) = duration_note(c) {
        let _ = writeln!(out, "  {note}");
    }
    if !s.concurrent.is_empty() {
        let pairs: Vec<String> = s
            .concurrent
            .iter()
            .map(|[a, b]| format!("{} || {}", e(a), e(b)))
            .collect();
        let _ = writeln!(out, "  concurrent: {}", pairs.join(", "));
    }
    for a in &s.dropped_activities {
        let _ = writeln!(
            out,
            "  dropped activity {} (in {} cases, {:.2}%)",
            e(&a.name),
            a.cases,
            a.case_share * 100.0
        );
    }
    for f in &s.dropped_flows {
        let _ = writeln!(
            out,
            "  dropped outcome {} → {{{}}} ({} times, {:.2}%)",
            e(&f.from),
            e(&f.to.join(", ")),
            f.count,
            f.share * 100.0
        );
    }
    out
}

/// What the log showed of whole cases, carried in the calibrated map's start step's notes
/// (so the editor shows it next to the map's lead time after the map is saved and
/// reopened): `observed case duration: cases=N mean=M median=D parallel=yes|no` (minutes).
/// Whether the log had start times is told by the steps' own notes
/// ([`super::is_complete_only`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaseDurations {
    pub cases: u64,
    pub mean_mins: f64,
    pub median_mins: f64,
    /// Some activities ran in parallel (the mean case duration is then above the lead time).
    pub parallel: bool,
}

const CASE_HEADER: &str = "observed case duration:";

/// The start step's notes for `s`.
pub fn format_case_durations(s: &Summary) -> String {
    let num = |x: f64| {
        let r = (x * 10_000.0).round() / 10_000.0;
        format!("{r}")
    };
    format!(
        "{CASE_HEADER} cases={} mean={} median={} parallel={}",
        s.cases,
        num(s.mean_case_mins),
        num(s.median_case_mins),
        if s.concurrent.is_empty() { "no" } else { "yes" },
    )
}

/// Reads [`format_case_durations`]' line back from a step's notes (anywhere in them).
pub fn parse_case_durations(notes: &str) -> Option<CaseDurations> {
    let line = notes
        .lines()
        .find_map(|l| l.trim().strip_prefix(CASE_HEADER))?;
    let mut cd = CaseDurations {
        cases: 0,
        mean_mins: f64::NAN,
        median_mins: f64::NAN,
        parallel: false,
    };
    for pair in line.split_whitespace() {
        let (k, v) = pair.split_once('=')?;
        match k {
            "cases" => cd.cases = v.parse().ok()?,
            "mean" => cd.mean_mins = v.parse().ok()?,
            "median" => cd.median_mins = v.parse().ok()?,
            "parallel" => cd.parallel = v == "yes",
            _ => {}
        }
    }
    (cd.mean_mins.is_finite() && cd.median_mins.is_finite()).then_some(cd)
}

/// The case durations of a calibrated map (its start step's notes), if it is one.
pub fn case_durations(map: &Map) -> Option<CaseDurations> {
    map.steps()
        .filter(|s| s.kind == StepKind::Start)
        .find_map(|s| parse_case_durations(&s.notes))
}

/// The lanes of a calibrated map that look like the customer (named customer, applicant
/// or client, as a word): the editor offers to mark them as the customer's (a log cannot
/// tell who the customer is; people decide).
pub fn suggested_customer_lanes(map: &Map) -> Vec<crate::model::LaneId> {
    map.lanes()
        .iter()
        .filter(|l| !l.customer)
        .filter(|l| super::suggests_customer_lane(&l.name))
        .map(|l| l.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_log_stem_drops_the_log_extensions() {
        assert_eq!(log_stem(Path::new("/x/orders.xes.gz")), "orders");
        assert_eq!(log_stem(Path::new("orders.XES")), "orders");
        assert_eq!(
            log_stem(Path::new("loan-application.csv")),
            "loan-application"
        );
        assert_eq!(log_stem(Path::new("plain")), "plain");
        assert_eq!(log_stem(Path::new(".csv")), ".csv");
    }

    #[test]
    fn lanes_named_like_the_customer_are_suggested() {
        let mut m = Map::new("m");
        for (id, name) in [
            ("a", "Applicant"),
            ("b", "Client services desk"),
            ("c", "Clerk"),
            ("d", "Customerservice"),
            ("e", "Key customers"),
        ] {
            m.add_lane(crate::model::Lane::new(id, name)).unwrap();
        }
        let ids: Vec<String> = suggested_customer_lanes(&m)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(ids, ["a", "b", "e"]);
    }

    #[test]
    fn case_durations_read_back_and_refuse_garbage() {
        let line = "observed case duration: cases=500 mean=1234.5678 median=1000 parallel=yes";
        let cd = parse_case_durations(&format!("other notes\n{line}")).unwrap();
        assert_eq!(
            cd,
            CaseDurations {
                cases: 500,
                mean_mins: 1234.5678,
                median_mins: 1000.0,
                parallel: true,
            }
        );
        assert_eq!(
            parse_case_durations("observed case duration: cases=x mean=1 median=1"),
            None
        );
        assert_eq!(
            parse_case_durations("observed case duration: cases=3"),
            None
        );
        assert_eq!(parse_case_durations("nothing here"), None);
    }
}
