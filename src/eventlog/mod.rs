//! Calibrating a map from an event log (XES, XES.gz, CSV): streaming readers, lifecycle
//! pairing and the mapping rules of docs/eventlogs.md, built through `MapBuilder`. The GUI
//! runs [`calibrate_path`] on a background thread with a shared [`Progress`].

mod calibrate;
mod csv;
mod observed;
mod pair;
mod summary;
mod time;
mod xes;

#[cfg(test)]
mod tests;

pub use calibrate::{DroppedActivity, DroppedFlow, Summary};
pub use csv::{CsvPreview, csv_layout, csv_preview};
pub use observed::{
    Observed, ObservedStats, format_observed, is_complete_only, parse_observed,
    suggests_customer_lane,
};
pub use summary::{
    CaseDurations, PARALLEL_NOTE, case_durations, duration_note, format_case_durations, log_stem,
    parse_case_durations, suggested_customer_lanes, summary_text,
};
pub use time::{format_ms, parse_timestamp_ms};

use crate::model::{Map, MapError};
use crate::text::escape_control;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use thiserror::Error;

/// Which time statistic becomes a step's `work_mins` and `wait_mins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    /// The mean: the map's expected lead time then reproduces the mean case duration of a
    /// sequential log.
    #[default]
    Mean,
    /// The median: robust against a few very long cases.
    Median,
}

impl Statistic {
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::Median => "median",
        }
    }
}

/// The CSV columns for each role, by header name (compared case-insensitively). In
/// [`Options`] a `Some` overrides the detected column (`Some("")`: no column for that role,
/// even if one is detected); in [`CsvPreview::detected`] it is what detection found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ColumnMap {
    pub case: Option<String>,
    pub activity: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub timestamp: Option<String>,
    pub lifecycle: Option<String>,
    pub resource: Option<String>,
    pub role: Option<String>,
    pub instance: Option<String>,
}

/// How a calibration reads and filters the log (the defaults are the CLI's).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub statistic: Statistic,
    /// Keep activities present in at least this share of the cases (0..=1).
    pub min_activity: f64,
    /// Drop a source's outcomes below this share of its outcomes (0..=1), except its most
    /// frequent one.
    pub min_flow: f64,
    /// The concurrency threshold t = max(1, min_conc × max(|A|, |B|)) (0..=1).
    pub min_conc: f64,
    /// CSV column overrides (ignored for XES).
    pub columns: ColumnMap,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            statistic: Statistic::Mean,
            min_activity: 0.01,
            min_flow: 0.01,
            min_conc: 0.05,
            columns: ColumnMap::default(),
        }
    }
}

impl Options {
    /// Checks the thresholds: each a number in [0, 1].
    pub fn check(&self) -> Result<(), EventLogError> {
        for (flag, value) in [
            ("--min-activity", self.min_activity),
            ("--min-flow", self.min_flow),
            ("--min-conc", self.min_conc),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(EventLogError::BadOption(format!(
                    "{flag} must be a share between 0 and 1 (got {value})"
                )));
            }
        }
        Ok(())
    }
}

/// Where a calibration running on another thread is, and how to stop it. Share it by
/// reference (or in an `Arc`); every field is atomic.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of the file read so far (compressed bytes for .xes.gz).
    pub bytes_read: AtomicU64,
    /// The file's size in bytes (0 until known).
    pub total_bytes: AtomicU64,
    /// Set by the caller to stop; the calibration then returns `EventLogError::Cancelled`.
    pub cancel: AtomicBool,
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the running calibration to stop (it checks every few thousand events).
    pub fn request_cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The share of the file read, 0..=1 (0 while the size is unknown).
    pub fn fraction(&self) -> f64 {
        let total = self.total_bytes.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.bytes_read.load(Ordering::Relaxed) as f64 / total as f64).min(1.0)
    }

    fn check(&self) -> Result<(), EventLogError> {
        if self.is_cancelled() {
            Err(EventLogError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The result: the map, what was read and filtered, and the warnings (unpaired events,
/// skipped events) in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub map: Map,
    pub summary: Summary,
    pub warnings: Vec<String>,
}

/// How a log's rows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// XES: one event per element, with lifecycle transitions.
    Xes,
    /// CSV, one row per activity instance (start and end columns).
    Interval,
    /// CSV, one row per event (a lifecycle column).
    Lifecycle,
    /// CSV, one row per completion (a timestamp, no end and no lifecycle column).
    CompleteOnly,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Xes => "XES",
            Layout::Interval => "interval CSV",
            Layout::Lifecycle => "lifecycle CSV",
            Layout::CompleteOnly => "complete-only CSV",
        }
    }
}

/// Where in the file a problem is: a CSV row (its 1-based line) or an XES line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Row(u64),
    Line(u64),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Row(n) => write!(f, "row {n}"),
            Location::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// Why a calibration failed. Nothing is written on any of them.
#[derive(Debug, Error)]
pub enum EventLogError {
    #[error("{}: cannot read the file: {}", escape_control(.file), escape_control(&.source.to_string()))]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: {at}: cannot read the timestamp \"{}\" in column \"{}\" (expected RFC 3339 / ISO 8601, e.g. 2024-03-01T09:30:00Z)",
        escape_control(.file), escape_control(.value), escape_control(.column)
    )]
    Timestamp {
        file: String,
        at: Location,
        column: String,
        value: String,
    },
    #[error(
        "{}: no {role} column (columns found: {}); name it with {flag} COLUMN",
        escape_control(.file), escape_control(&.found.join(", "))
    )]
    MissingColumn {
        file: String,
        role: &'static str,
        flag: &'static str,
        found: Vec<String>,
    },
    #[error(
        "{}: {flag} \"{}\": no such column (columns found: {})",
        escape_control(.file), escape_control(.name), escape_control(&.found.join(", "))
    )]
    UnknownColumn {
        file: String,
        flag: &'static str,
        name: String,
        found: Vec<String>,
    },
    #[error("{}: no events: the log has no usable event", escape_control(.file))]
    NoEvents { file: String },
    #[error("{}: {at}: {}", escape_control(.file), escape_control(.message))]
    Csv {
        file: String,
        at: Location,
        message: String,
    },
    #[error("{}: line {line}: {}", escape_control(.file), escape_control(.message))]
    Xes {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{}: the calibrated map is not valid: {source}", escape_control(.file))]
    Map {
        file: String,
        #[source]
        source: MapError,
    },
    #[error("{0}")]
    BadOption(String),
    #[error("cancelled")]
    Cancelled,
}

/// The log formats, told by the file name or, failing that, by the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Csv,
    Xes,
    XesGz,
}

impl LogFormat {
    /// A `.csv` name is CSV; otherwise the content decides gzip (its magic number, whatever
    /// the name), then the name (.xes, .gz), then a leading `<` (XES) or not (CSV).
    pub fn detect(path: &Path) -> Result<Self, EventLogError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".csv") {
            return Ok(LogFormat::Csv);
        }
        if name.ends_with(".csv.gz") {
            return Err(EventLogError::BadOption(format!(
                "{}: a compressed CSV log is not read; decompress it first (gzip -d)",
                escape_control(&path.display().to_string())
            )));
        }
        let mut head = [0u8; 512];
        let mut file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(read_error(path, e)),
            }
        }
        let head = &head[..n];
        if head.starts_with(&[0x1f, 0x8b]) {
            return Ok(LogFormat::XesGz);
        }
        if name.ends_with(".xes") || name.ends_with(".gz") {
            return Ok(LogFormat::Xes);
        }
        let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
            Ok(LogFormat::Xes)
        } else {
            Ok(LogFormat::Csv)
        }
    }
}

/// Reads the log at `path` and calibrates a map from it (docs/eventlogs.md). Runs on the
/// calling thread; `progress` reports the bytes read and carries the cancel flag.
pub fn calibrate_path(
    path: &Path,
    options: &Options,
    progress: &Progress,
) -> Result<Calibration, EventLogError> {
    options.check()?;
    let format = LogFormat::detect(path)?;
    let log = match format {
        LogFormat::Csv => csv::read(path, &options.columns, progress)?,
        LogFormat::Xes | LogFormat::XesGz => {
            if let Some(flag) = column_flag_given(&options.columns) {
                return Err(EventLogError::BadOption(format!(
                    "{flag} names a CSV column; an XES log's attributes are fixed (concept:name, time:timestamp, ...)"
                )));
            }
            xes::read(path, format == LogFormat::XesGz, progress)?
        }
    };
    let log = pair::into_instances(log, progress)?;
    let mut c = calibrate::calibrate(log, path, options, progress)?;
    // The case durations ride in the start step's notes, so the editor can set them beside
    // the map's lead time whenever the map is open.
    let notes = format_case_durations(&c.summary);
    c.map
        .set_step_field(
            &crate::model::StepId::new("start"),
            crate::model::StepField::Notes(notes),
        )
        .map_err(|source| EventLogError::Map {
            file: c.summary.file.clone(),
            source,
        })?;
    Ok(c)
}

/// The first column override given, as its flag (XES logs take none).
fn column_flag_given(c: &ColumnMap) -> Option<&'static str> {
    [
        (&c.case, "--case"),
        (&c.activity, "--activity"),
        (&c.start, "--start"),
        (&c.end, "--end"),
        (&c.timestamp, "--timestamp"),
        (&c.lifecycle, "--lifecycle"),
        (&c.resource, "--resource"),
        (&c.role, "--role"),
        (&c.instance, "--instance"),
    ]
    .into_iter()
    .find(|(v, _)| v.is_some())
    .map(|(_, f)| f)
}

fn read_error(path: &Path, source: std::io::Error) -> EventLogError {
    EventLogError::Read {
        file: path.display().to_string(),
        source,
    }
}

/// "No value" for the optional u32 fields of events and instances (resource, role, instance).
pub(crate) const NONE: u32 = u32::MAX;

/// Strings seen in a log, each stored once and named by its index (memory grows with the
/// distinct values, not with the events).
#[derive(Debug, Default)]
pub(crate) struct Interner {
    index: foldhash::HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    /// Interns raw bytes from a file (invalid UTF-8 replaced).
    pub(crate) fn intern_bytes(&mut self, b: &[u8]) -> u32 {
        match std::str::from_utf8(b) {
            Ok(s) => self.intern(s),
            Err(_) => self.intern(&String::from_utf8_lossy(b)),
        }
    }

    /// A value of its own that no lookup finds (an XES trace without a name).
    pub(crate) fn fresh(&mut self, label: String) -> u32 {
        let i = self.names.len() as u32;
        self.names.push(label.into());
        i
    }

    pub(crate) fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", |s| s)
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// A lifecycle transition; others than start and complete are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    Start,
    Complete,
    Other,
}

impl Transition {
    /// A missing or empty transition means complete.
    pub(crate) fn parse(b: &[u8]) -> Self {
        let b = b.trim_ascii();
        if b.is_empty() || b.eq_ignore_ascii_case(b"complete") {
            Transition::Complete
        } else if b.eq_ignore_ascii_case(b"start") {
            Transition::Start
        } else {
            Transition::Other
        }
    }
}

/// One lifecycle event as read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub case: u32,
    pub activity: u32,
    pub instance: u32,
    pub resource: u32,
    pub role: u32,
    pub transition: Transition,
    pub time_ms: i64,
    /// Position in the file (events and rows numbered from 0).
    pub pos: u64,
}

/// One activity instance (rule 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instance {
    pub case: u32,
    pub activity: u32,
    pub start_ms: Option<i64>,
    pub complete_ms: i64,
    pub resource: u32,
    pub role: u32,
    pub pos: u64,
}

impl Instance {
    /// start', the start or, when unknown, the complete.
    pub(crate) fn start_or_complete(&self) -> i64 {
        self.start_ms.unwrap_or(self.complete_ms)
    }
}

/// What a reader hands on: the interned strings and either events or instances.
#[derive(Debug)]
pub(crate) struct RawLog {
    pub layout: Layout,
    /// The XES log's own `concept:name`.
    pub name: Option<String>,
    pub cases: Interner,
    pub activities: Interner,
    /// Resources and roles (and their groups).
    pub values: Interner,
    pub instance_ids: Interner,
    pub events: Vec<Event>,
    pub instances: Vec<Instance>,
    /// Events (XES) or rows (CSV) read.
    pub event_count: u64,
    pub warnings: Vec<String>,
    /// The earliest and latest timestamps of the log (ms).
    pub range_ms: Option<(i64, i64)>,
}

impl RawLog {
    pub(crate) fn new(layout: Layout) -> Self {
        Self {
            layout,
            name: None,
            cases: Interner::default(),
            activities: Interner::default(),
            values: Interner::default(),
            instance_ids: Interner::default(),
            events: Vec::new(),
            instances: Vec::new(),
            event_count: 0,
            warnings: Vec::new(),
            range_ms: None,
        }
    }

    pub(crate) fn saw_time(&mut self, t: i64) {
        self.range_ms = Some(match self.range_ms {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
    }
}

/// A reader that adds the bytes it reads to `Progress::bytes_read`.
pub(crate) struct CountingReader<'p, R> {
    inner: R,
    progress: &'p Progress,
}

impl<'p, R> CountingReader<'p, R> {
    pub(crate) fn new(inner: R, progress: &'p Progress) -> Self {
        Self { inner, progress }
    }
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress
            .bytes_read
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a log file and records its size as the progress total.
pub(crate) fn open(path: &Path, progress: &Progress) -> Result<std::fs::File, EventLogError> {
    let file = std::fs::File::open(path).map_err(|e| read_error(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    progress.total_bytes.store(size, Ordering::Relaxed);
    progress.bytes_read.store(0, Ordering::Relaxed);
    Ok(file)
}
