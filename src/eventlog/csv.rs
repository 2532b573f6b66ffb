//! The CSV reader: delimiter (`,` or `;`) sniffed from the header line, columns detected by
//! name (or named by the caller), the layout told by the columns, rows streamed through one
//! reused `csv::ByteRecord`.

use super::time::parse_timestamp_ms;
use super::{
    ColumnMap, CountingReader, Event, EventLogError, Instance, Layout, Location, NONE, Progress,
    RawLog, Transition, open, read_error,
};
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

const CASE: &[&str] = &["case_id", "case:concept:name", "case", "caseid", "case id"];
const ACTIVITY: &[&str] = &["activity", "concept:name", "activity_id", "task", "event"];
const START: &[&str] = &[
    "start_time",
    "start_timestamp",
    "start",
    "starttime",
    "start timestamp",
];
const END: &[&str] = &[
    "end_time",
    "complete_time",
    "end_timestamp",
    "complete_timestamp",
    "end",
    "endtime",
    "complete timestamp",
    "time:timestamp",
];
const TIMESTAMP: &[&str] = &["timestamp", "time:timestamp", "time"];
const LIFECYCLE: &[&str] = &[
    "lifecycle",
    "lifecycle:transition",
    "transition",
    "lifecycle_id",
];
const RESOURCE: &[&str] = &["resource", "org:resource", "user", "resource_id"];
const ROLE: &[&str] = &["role", "org:role", "org:group", "group"];
const INSTANCE: &[&str] = &[
    "instance_id",
    "concept:instance",
    "activity_instance_id",
    "activity_instance",
];

/// How often (in rows) the cancel flag is checked.
const CHECK_EVERY: u64 = 1 << 14;

/// The first rows of a CSV log and what detection makes of them, for a column-mapping dialog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CsvPreview {
    /// `,` or `;`.
    pub delimiter: char,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The columns detected by name.
    pub detected: ColumnMap,
    /// The layout the detected columns give (`None`: no end, timestamp or lifecycle column).
    pub layout: Option<Layout>,
}

/// Reads the header and up to `rows` rows of a CSV log.
pub fn csv_preview(path: &Path, rows: usize) -> Result<CsvPreview, EventLogError> {
    let progress = Progress::new();
    let (delimiter, mut reader) = reader(path, &progress)?;
    let file = path.display().to_string();
    let headers = headers(&mut reader, &file)?;
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    while out.len() < rows {
        match reader.read_byte_record(&mut record) {
            Ok(true) => out.push(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            ),
            Ok(false) => break,
            Err(e) => return Err(csv_error(&file, &e)),
        }
    }
    let detected = detect(&headers);
    let layout = csv_layout(&headers, &ColumnMap::default());
    Ok(CsvPreview {
        delimiter: char::from(delimiter),
        headers,
        rows: out,
        detected,
        layout,
    })
}

/// The layout a CSV log with `headers` is read in with `columns` (overrides as in
/// [`super::Options`]): what the calibration will do; `None` when it could not read it (a
/// required column missing or unknown).
pub fn csv_layout(headers: &[String], columns: &ColumnMap) -> Option<Layout> {
    Columns::resolve(headers, columns, "")
        .ok()
        .map(|c| c.layout)
}

/// The columns detection finds by name (first candidate in the spec's order that is present).
fn detect(headers: &[String]) -> ColumnMap {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            headers
                .iter()
                .find(|h| h.trim().eq_ignore_ascii_case(n))
                .cloned()
        })
    };
    ColumnMap {
        case: find(CASE),
        activity: find(ACTIVITY),
        start: find(START),
        end: find(END),
        timestamp: find(TIMESTAMP),
        lifecycle: find(LIFECYCLE),
        resource: find(RESOURCE),
        role: find(ROLE),
        instance: find(INSTANCE),
    }
}

/// Column indexes per role and the layout.
struct Columns {
    case: usize,
    activity: usize,
    start: Option<usize>,
    /// The end (interval), the event time (lifecycle) or the completion time (complete-only).
    time: usize,
    lifecycle: Option<usize>,
    resource: Option<usize>,
    role: Option<usize>,
    instance: Option<usize>,
    layout: Layout,
    names: Vec<String>,
}

impl Columns {
    fn resolve(
        headers: &[String],
        overrides: &ColumnMap,
        file: &str,
    ) -> Result<Columns, EventLogError> {
        let detected = detect(headers);
        let index = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
        };
        let pick = |given: &Option<String>,
                    found: &Option<String>,
                    flag: &'static str|
         -> Result<Option<usize>, EventLogError> {
            match given {
                // An empty name: no column for this role, whatever detection finds (the
                // editor's "(none)", the CLI's `--resource ""`).
                Some(name) if name.trim().is_empty() => Ok(None),
                Some(name) => index(name)
                    .map(Some)
                    .ok_or_else(|| EventLogError::UnknownColumn {
                        file: file.to_owned(),
                        flag,
                        name: name.clone(),
                        found: headers.to_vec(),
                    }),
                None => Ok(found.as_deref().and_then(index)),
            }
        };
        let missing = |role, flag| EventLogError::MissingColumn {
            file: file.to_owned(),
            role,
            flag,
            found: headers.to_vec(),
        };
        let o = overrides;
        let d = &detected;
        let case = pick(&o.case, &d.case, "--case")?.ok_or_else(|| missing("case", "--case"))?;
        let activity = pick(&o.activity, &d.activity, "--activity")?
            .ok_or_else(|| missing("activity", "--activity"))?;
        let start = pick(&o.start, &d.start, "--start")?;
        let end = pick(&o.end, &d.end, "--end")?;
        let timestamp = pick(&o.timestamp, &d.timestamp, "--timestamp")?;
        let lifecycle = pick(&o.lifecycle, &d.lifecycle, "--lifecycle")?;
        let resource = pick(&o.resource, &d.resource, "--resource")?;
        let role = pick(&o.role, &d.role, "--role")?;
        let instance = pick(&o.instance, &d.instance, "--instance")?;
        let (layout, time) = match (lifecycle, end, timestamp) {
            (Some(_), _, Some(t)) => (Layout::Lifecycle, t),
            (Some(_), Some(e), None) => (Layout::Lifecycle, e),
            (Some(_), None, None) => return Err(missing("timestamp", "--timestamp")),
            (None, Some(e), _) => (Layout::Interval, e),
            (None, None, Some(t)) => (Layout::CompleteOnly, t),
            (None, None, None) => return Err(missing("end or timestamp", "--end or --timestamp")),
        };
        Ok(Columns {
            case,
            activity,
            start: if layout == Layout::Interval {
                start
            } else {
                None
            },
            time,
            lifecycle,
            resource,
            role,
            instance,
            layout,
            names: headers.to_vec(),
        })
    }

    fn name(&self, i: usize) -> String {
        self.names.get(i).cloned().unwrap_or_default()
    }
}

/// Opens the file, sniffs the delimiter from the first line and returns a csv reader at the
/// start of the file.
fn reader<'p>(
    path: &Path,
    progress: &'p Progress,
) -> Result<(u8, csv::Reader<CountingReader<'p, std::fs::File>>), EventLogError> {
    let mut file = open(path, progress)?;
    let mut first = Vec::new();
    BufReader::new((&mut file).take(1 << 20))
        .read_until(b'\n', &mut first)
        .map_err(|e| read_error(path, e))?;
    if first.iter().all(u8::is_ascii_whitespace) {
        return Err(EventLogError::NoEvents {
            file: path.display().to_string(),
        });
    }
    let delimiter = sniff(&first);
    file.rewind().map_err(|e| read_error(path, e))?;
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(CountingReader::new(file, progress));
    Ok((delimiter, reader))
}

/// `;` when the header line has more semicolons than commas outside quotes, else `,`.
fn sniff(line: &[u8]) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

fn headers<R: Read>(reader: &mut csv::Reader<R>, file: &str) -> Result<Vec<String>, EventLogError> {
    let h = reader.byte_headers().map_err(|e| csv_error(file, &e))?;
    Ok(h.iter()
        .map(|f| {
            let f = f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f);
            String::from_utf8_lossy(f).trim().to_owned()
        })
        .collect())
}

fn csv_error(file: &str, e: &csv::Error) -> EventLogError {
    let line = e.position().map_or(0, |p| p.line());
    EventLogError::Csv {
        file: file.to_owned(),
        at: Location::Row(line),
        message: match e.kind() {
            csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
            _ => e.to_string(),
        },
    }
}

/// Reads a CSV log into events (lifecycle layout) or instances (interval, complete-only).
pub(crate) fn read(
    path: &Path,
    overrides: &ColumnMap,
    progress: &Progress,
) -> Result<RawLog, EventLogError> {
    let file = path.display().to_string();
    let (_, mut reader) = reader(path, progress)?;
    let headers = headers(&mut reader, &file)?;
    let cols = Columns::resolve(&headers, overrides, &file)?;
    let mut log = RawLog::new(cols.layout);
    let mut record = csv::ByteRecord::new();
    let mut row = 0u64;
    let mut last_case = LastCase::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&file, &e)),
        }
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let line = record.position().map_or(row + 2, |p| p.line());
        read_row(&mut log, &cols, &record, (row, line), &file, &mut last_case)?;
        row += 1;
        if row.is_multiple_of(CHECK_EVERY) {
            progress.check()?;
        }
    }
    if row == 0 {
        return Err(EventLogError::NoEvents { file });
    }
    log.event_count = row;
    Ok(log)
}

/// The case of the previous row: logs list a case's rows together, so most rows skip the
/// interner's hash lookup.
#[derive(Default)]
struct LastCase {
    bytes: Vec<u8>,
    id: Option<u32>,
}

impl LastCase {
    fn id(&mut self, log: &mut RawLog, raw: &[u8]) -> u32 {
        match self.id {
            Some(id) if self.bytes == raw => id,
            _ => {
                let id = log.cases.intern_bytes(raw);
                self.bytes.clear();
                self.bytes.extend_from_slice(raw);
                self.id = Some(id);
                id
            }
        }
    }
}

fn read_row(
    log: &mut RawLog,
    cols: &Columns,
    record: &csv::ByteRecord,
    (pos, line): (u64, u64),
    file: &str,
    last_case: &mut LastCase,
) -> Result<(), EventLogError> {
    let field = |i: usize| record.get(i).unwrap_or(b"");
    let opt = |i: Option<usize>| i.map(field).filter(|f| !f.trim_ascii().is_empty());
    let time = |i: usize| {
        let raw = field(i);
        parse_timestamp_ms(raw).ok_or_else(|| EventLogError::Timestamp {
            file: file.to_owned(),
            at: Location::Row(line),
            column: cols.name(i),
            value: String::from_utf8_lossy(raw).into_owned(),
        })
    };
    let complete_ms = time(cols.time)?;
    let start_ms = match cols.start {
        Some(i) if !field(i).trim_ascii().is_empty() => Some(time(i)?),
        _ => None,
    };
    log.saw_time(complete_ms);
    if let Some(s) = start_ms {
        log.saw_time(s);
    }
    let case = last_case.id(log, field(cols.case));
    let activity = log.activities.intern_bytes(field(cols.activity));
    let resource = opt(cols.resource).map_or(NONE, |f| log.values.intern_bytes(f));
    let role = opt(cols.role).map_or(NONE, |f| log.values.intern_bytes(f));
    if cols.layout == Layout::Lifecycle {
        let transition = Transition::parse(opt(cols.lifecycle).unwrap_or(b""));
        let instance = opt(cols.instance).map_or(NONE, |f| log.instance_ids.intern_bytes(f));
        log.events.push(Event {
            case,
            activity,
            instance,
            resource,
            role,
            transition,
            time_ms: complete_ms,
            pos,
        });
    } else {
        log.instances.push(Instance {
            case,
            activity,
            start_ms,
            complete_ms,
            resource,
            role,
            pos,
        });
    }
    Ok(())
}
