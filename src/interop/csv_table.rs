//! The CSV step table: one row per step (with its outgoing work flows in `next`), then an
//! optional `from,to,label` section of information flows. Errors name the row and column.

use super::{CsvProblem, Imported, InteropError};
use crate::format::STEP_FIELD_KEYS;
use crate::model::{
    Disposition, DispositionKind, Flow, FlowKind, FlowRef, Lane, LaneField, LaneId, Map,
    MapBuilder, MapError, Review, Step, StepField, StepId, StepKind, TargetTimes, Touchpoint,
    Value,
};
use crate::text;
use crate::units::{format_duration, parse_duration};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

/// The table's column for each step field of the map format (`format::STEP_FIELD_KEYS`, by
/// position): times get shorter names (they hold human units), positions have no column. A
/// new step field fails to compile here until the table has a place for it.
const STEP_COLUMNS: [Option<&str>; STEP_FIELD_KEYS.len()] = [
    Some("id"),
    Some("name"),
    Some("lane"),
    Some("kind"),
    Some("touchpoint"),
    Some("work"),
    Some("wait"),
    Some("value"),
    Some("benefit"),
    Some("system"),
    Some("notes"),
    None,
];
/// The columns the table adds: the lane's id after its name (written only when names do
/// not tell lanes apart), and each step's outgoing work flows at the end.
const LANE_ID_COLUMN: &str = "lane_id";
/// `yes` in the rows of a customer lane (format v2), after `lane_id`: written only when the
/// map has a customer lane that holds a step.
const CUSTOMER_LANE_COLUMN: &str = "customer_lane";
/// A step's review (format v2), after `notes`: written only when some step has one.
const REVIEW_COLUMNS: [&str; 10] = [
    "for_customer",
    "slows_process",
    "offsetting_benefit",
    "competitors",
    "without_step",
    "disposition",
    "merge_into",
    "target_work",
    "target_wait",
    "rationale",
];
const FLOW_COLUMNS: [&str; 3] = ["next", "probabilities", "labels"];

/// The step table's columns, in the order they are written.
pub fn columns() -> &'static [&'static str] {
    static COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut out = Vec::new();
        for (key, column) in STEP_FIELD_KEYS.iter().zip(STEP_COLUMNS) {
            if let Some(column) = column {
                out.push(column);
                if *key == "lane" {
                    out.push(LANE_ID_COLUMN);
                    out.push(CUSTOMER_LANE_COLUMN);
                }
                if *key == "notes" {
                    out.extend(REVIEW_COLUMNS);
                }
            }
        }
        out.extend(FLOW_COLUMNS);
        out
    });
    &COLUMNS
}

/// The header of the optional information-flow section.
pub const INFO_HEADER: [&str; 3] = ["from", "to", "label"];

/// A time as text that reads back exactly: `1h 30m` where that is exact, else plain minutes;
/// empty for 0.
fn time_text(mins: f64) -> String {
    if mins == 0.0 {
        return String::new();
    }
    let human = format_duration(mins);
    if parse_duration(&human) == Ok(mins) {
        human
    } else {
        format!("{mins}")
    }
}

/// Joins list items with `;`, escaping `\\` and `;` inside items with a backslash, and
/// spaces at an item's ends too (`split_list` trims only unescaped ones, as people type
/// `a; b`).
fn join_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (k, item) in items.enumerate() {
        if k > 0 {
            out.push(';');
        }
        let lead = item.len() - item.trim_start().len();
        let trail = item.trim_end().len().max(lead);
        for (at, c) in item.char_indices() {
            if matches!(c, '\\' | ';') || (c.is_whitespace() && (at < lead || at >= trail)) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Splits a `;` list (see `join_list`); items are trimmed of unescaped spaces. An empty text
/// is an empty list.
fn split_list(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    // Each character with whether it was escaped (escaped spaces are kept).
    let mut items: Vec<Vec<(char, bool)>> = vec![Vec::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(last)) = (chars.next(), items.last_mut()) {
                    last.push((next, true));
                }
            }
            ';' => items.push(Vec::new()),
            c => {
                if let Some(last) = items.last_mut() {
                    last.push((c, false));
                }
            }
        }
    }
    items
        .into_iter()
        .map(|item| {
            let loose = |&(c, escaped): &(char, bool)| c.is_whitespace() && !escaped;
            let start = item.iter().position(|x| !loose(x)).unwrap_or(item.len());
            let end = item
                .iter()
                .rposition(|x| !loose(x))
                .map_or(start, |k| k + 1);
            item[start..end.max(start)].iter().map(|(c, _)| c).collect()
        })
        .collect()
}

/// Whether the lanes' names tell them apart when read back (trimmed, by name): if not
/// (an empty name, two lanes with one name, spaces around a name) the table gets a
/// `lane_id` column.
/// Only lanes that hold a step count: the table has no row for an empty lane.
fn lanes_need_ids(map: &Map) -> bool {
    let used: HashSet<&LaneId> = map.steps().filter_map(|s| s.lane.as_ref()).collect();
    let mut seen = HashSet::new();
    map.lanes()
        .iter()
        .filter(|l| used.contains(&l.id))
        .any(|l| l.name.trim().is_empty() || l.name.trim() != l.name || !seen.insert(&l.name))
}

/// Writes one record, each cell guarded against running as a spreadsheet formula.
fn write_cells<'a>(w: &mut csv::Writer<Vec<u8>>, cells: impl IntoIterator<Item = &'a str>) {
    // Writing into a Vec cannot fail.
    let _ = w.write_record(
        cells
            .into_iter()
            .map(|c| text::neutralize_formula(c).into_owned()),
    );
}

/// The CSV text of a map. Every cell that a spreadsheet would run as a formula is guarded
/// with a leading `'` (`text::neutralize_formula`), which import takes off again.
pub fn to_csv_string(map: &Map) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let with_lane_ids = lanes_need_ids(map);
    let with_reviews = map.steps().any(|s| s.review.is_some());
    let customer_lanes: HashSet<&LaneId> = map
        .lanes()
        .iter()
        .filter(|l| l.customer)
        .map(|l| &l.id)
        .collect();
    let with_customer_lanes = map
        .steps()
        .any(|s| s.lane.as_ref().is_some_and(|l| customer_lanes.contains(l)));
    let written = |c: &str| {
        (with_lane_ids || c != LANE_ID_COLUMN)
            && (with_customer_lanes || c != CUSTOMER_LANE_COLUMN)
            && (with_reviews || !REVIEW_COLUMNS.contains(&c))
    };
    let header = columns().iter().copied().filter(|c| written(c));
    write_cells(&mut w, header);
    // Each step's outgoing work flows, in map order.
    let mut outgoing: HashMap<&StepId, Vec<FlowRef>> = HashMap::new();
    for f in map.flows().filter(|f| f.flow.kind == FlowKind::Work) {
        outgoing.entry(f.from).or_default().push(f);
    }
    let lanes: HashMap<&LaneId, &Lane> = map.lanes().iter().map(|l| (&l.id, l)).collect();
    for step in map.steps() {
        let out = outgoing.remove(&step.id).unwrap_or_default();
        let next = join_list(out.iter().map(|f| f.to.as_str()));
        let probabilities = if out.iter().any(|f| f.flow.probability.is_some()) {
            out.iter()
                .map(|f| {
                    f.flow
                        .probability
                        .map(|p| p.to_string())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(";")
        } else {
            String::new()
        };
        let labels = if out.iter().any(|f| !f.flow.label.is_empty()) {
            join_list(out.iter().map(|f| f.flow.label.as_str()))
        } else {
            String::new()
        };
        let lane = step.lane.as_ref().and_then(|l| lanes.get(l));
        let lane_name = lane.map(|l| l.name.as_str()).unwrap_or_default();
        let lane_id = lane.map(|l| l.id.as_str()).unwrap_or_default();
        let (work, wait) = (time_text(step.work_mins), time_text(step.wait_mins));
        let review = step.review.as_deref();
        let answer = |k: usize| review.map_or("", |r| r.answers[k].as_str());
        let disposition = review.map(|r| &r.disposition);
        let targets = disposition.and_then(|d| d.targets()).unwrap_or_default();
        let target_work = targets.work_mins.map(time_text).unwrap_or_default();
        let target_wait = targets.wait_mins.map(time_text).unwrap_or_default();
        // A target of 0 is written as 0m (empty means "not given").
        let target_work = if targets.work_mins == Some(0.0) {
            "0m".to_owned()
        } else {
            target_work
        };
        let target_wait = if targets.wait_mins == Some(0.0) {
            "0m".to_owned()
        } else {
            target_wait
        };
        let cell = |column: &str| -> &str {
            match column {
                "id" => step.id.as_str(),
                "name" => &step.name,
                "lane" => lane_name,
                "lane_id" => lane_id,
                "customer_lane" if lane.is_some_and(|l| l.customer) => "yes",
                "kind" => step.kind.as_str(),
                "touchpoint" => step.touchpoint.as_str(),
                "work" => &work,
                "wait" => &wait,
                "value" => step.value.as_str(),
                "benefit" => &step.benefit,
                "system" => &step.system,
                "notes" => &step.notes,
                "for_customer" => answer(0),
                "slows_process" => answer(1),
                "offsetting_benefit" => answer(2),
                "competitors" => answer(3),
                "without_step" => answer(4),
                "disposition" => disposition
                    .filter(|d| d.is_decided())
                    .map_or("", |d| d.kind().as_str()),
                "merge_into" => disposition
                    .and_then(|d| d.merge_into())
                    .map_or("", |id| id.as_str()),
                "target_work" => &target_work,
                "target_wait" => &target_wait,
                "rationale" => review.map_or("", |r| r.rationale.as_str()),
                "next" => &next,
                "probabilities" => &probabilities,
                "labels" => &labels,
                // `columns()` names no other column (the round-trip tests read every one back).
                _ => "",
            }
        };
        let cells = columns().iter().filter(|c| written(c)).map(|c| cell(c));
        write_cells(&mut w, cells);
    }
    let info: Vec<_> = map
        .flows()
        .filter(|f| f.flow.kind == FlowKind::Information)
        .collect();
    // The writers wrote into Vecs (which cannot fail) and only UTF-8 text.
    let mut text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    if !info.is_empty() {
        text.push('\n');
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        write_cells(&mut w, INFO_HEADER);
        for f in info {
            write_cells(&mut w, [f.from.as_str(), f.to.as_str(), &f.flow.label]);
        }
        text.push_str(&String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default());
    }
    text
}

/// Reads a step table from bytes; `source_name` names it in errors and names the map.
pub fn import_bytes(source_name: &str, bytes: &[u8]) -> Result<Imported, InteropError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        InteropError::Csv {
            file: source_name.to_owned(),
            row: line,
            column: None,
            problem: Box::new(CsvProblem::Syntax("the file is not UTF-8 text".into())),
        }
    })?;
    import_str(source_name, text)
}

/// Where a quoted field opens that is never closed (the line and the field's index), which
/// the csv crate would silently read to the end of the file.
fn unclosed_quote(text: &str) -> Option<(u64, usize)> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let (mut line, mut field) = (1u64, 0usize);
    let mut opened = (1u64, 0usize);
    for b in text.bytes() {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, b) => {
                line += u64::from(b == b'\n');
                State::Quoted
            }
            (State::FieldStart, b'"') => {
                opened = (line, field);
                State::Quoted
            }
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',') => {
                field += 1;
                State::FieldStart
            }
            (_, b'\n') => {
                line += 1;
                field = 0;
                State::FieldStart
            }
            _ => State::Unquoted,
        };
    }
    matches!(state, State::Quoted).then_some(opened)
}

struct Row {
    line: u64,
    fields: Vec<String>,
}

/// Reads a step table from text.
pub fn import_str(source_name: &str, text: &str) -> Result<Imported, InteropError> {
    let fail = |row: u64, column: Option<&str>, problem: CsvProblem| InteropError::Csv {
        file: source_name.to_owned(),
        row,
        column: column.map(str::to_owned),
        problem: Box::new(problem),
    };
    if text.trim().is_empty() {
        return Err(InteropError::Empty {
            file: source_name.to_owned(),
        });
    }
    if let Some((line, field)) = unclosed_quote(text) {
        // Name the column from the header, unless the quote opened in the header itself.
        let column = (line > 1)
            .then(|| text.lines().next())
            .flatten()
            .and_then(|header| {
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(header.as_bytes())
                    .records()
                    .next()
                    .and_then(Result::ok)
            })
            .and_then(|h| h.get(field).map(|c| c.trim().to_owned()));
        return Err(fail(line, column.as_deref(), CsvProblem::UnclosedQuote));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            fail(line, None, CsvProblem::Syntax(e.to_string()))
        })?;
        rows.push(Row {
            line: record.position().map_or(0, |p| p.line()),
            // Cells valueflow guarded against formulas lose the guard again.
            fields: record
                .iter()
                .map(|f| text::restore_formula(f).to_owned())
                .collect(),
        });
    }
    let Some((header, rest)) = rows.split_first() else {
        return Err(InteropError::Empty {
            file: source_name.to_owned(),
        });
    };
    // Columns by name, in any order; unknown ones are refused so nothing is silently lost.
    let mut column = HashMap::new();
    for (k, name) in header.fields.iter().enumerate() {
        let name = name.trim();
        let Some(&known) = columns().iter().find(|c| **c == name) else {
            return Err(fail(
                header.line,
                Some(name),
                CsvProblem::UnknownColumn(columns().join(", ")),
            ));
        };
        if column.insert(known, k).is_some() {
            return Err(fail(header.line, Some(name), CsvProblem::DuplicateColumn));
        }
    }
    for required in ["id", "kind"] {
        if !column.contains_key(required) {
            return Err(fail(header.line, None, CsvProblem::MissingColumn(required)));
        }
    }
    let info_at = rest
        .iter()
        .position(|r| r.fields.iter().map(|f| f.trim()).eq(INFO_HEADER));
    let (step_rows, info_rows) = match info_at {
        Some(k) => (&rest[..k], &rest[k + 1..]),
        None => (rest, &[][..]),
    };
    for r in step_rows {
        if r.fields.len() != header.fields.len() {
            return Err(fail(
                r.line,
                None,
                CsvProblem::FieldCount {
                    found: r.fields.len(),
                    expected: header.fields.len(),
                },
            ));
        }
    }
    let get = |r: &'_ Row, name: &str| -> String {
        column
            .get(name)
            .and_then(|&k| r.fields.get(k))
            .cloned()
            .unwrap_or_default()
    };
    let name = Path::new(source_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut map = Map::new(name);
    // Lanes in order of first appearance: by `lane_id` where a row gives one (the name is
    // then exact), else by the trimmed name, with an id made from it.
    let has_lane_ids = column.contains_key("lane_id");
    let any_lane = step_rows
        .iter()
        .any(|r| !get(r, "lane").trim().is_empty() || !get(r, "lane_id").is_empty());
    // (given id?, id or name) → the lane's id, its name and the row that made it.
    let mut lanes: HashMap<(bool, String), (LaneId, String, u64)> = HashMap::new();
    let mut used_lane_ids: HashSet<String> = HashSet::new();
    map.reserve(step_rows.len());
    let mut reviews = Vec::new();
    // Lanes any of whose rows say `customer_lane` = yes.
    let mut customer_lanes: Vec<LaneId> = Vec::new();
    for r in step_rows {
        let given_id = get(r, "lane_id");
        let lane_name = if has_lane_ids {
            get(r, "lane")
        } else {
            get(r, "lane").trim().to_owned()
        };
        let lane = if given_id.is_empty() && lane_name.trim().is_empty() {
            if any_lane {
                return Err(fail(
                    r.line,
                    Some("lane"),
                    CsvProblem::Value(
                        "empty, but other rows name lanes: every step needs a lane then".into(),
                    ),
                ));
            }
            None
        } else {
            let key = if given_id.is_empty() {
                (false, lane_name.trim().to_owned())
            } else {
                (true, given_id.clone())
            };
            match lanes.get(&key) {
                Some((id, name, row)) if key.0 && *name != lane_name => {
                    return Err(fail(
                        r.line,
                        Some("lane"),
                        CsvProblem::Value(format!(
                            "lane \"{id}\" is named \"{name}\" on row {row} and \"{lane_name}\" here; a lane has one name"
                        )),
                    ));
                }
                Some((id, ..)) => Some(id.clone()),
                None => {
                    let id = if key.0 {
                        LaneId::new(given_id)
                    } else {
                        lane_id(&used_lane_ids, &lane_name)
                    };
                    used_lane_ids.insert(id.as_str().to_owned());
                    map.add_lane(Lane::new(id.clone(), lane_name.clone()))
                        .map_err(|e| {
                            let column = if key.0 { "lane_id" } else { "lane" };
                            fail(r.line, Some(column), CsvProblem::Invalid(e))
                        })?;
                    lanes.insert(key, (id.clone(), lane_name, r.line));
                    Some(id)
                }
            }
        };
        match get(r, "customer_lane").trim().to_lowercase().as_str() {
            "" | "no" => {}
            "yes" => {
                if let Some(l) = &lane
                    && !customer_lanes.contains(l)
                {
                    customer_lanes.push(l.clone());
                }
            }
            other => {
                return Err(fail(
                    r.line,
                    Some("customer_lane"),
                    CsvProblem::Value(format!("\"{other}\" is not yes or no (or empty)")),
                ));
            }
        }
        let keyword = |name: &'static str, expected: String| {
            move |v: &str| {
                fail(
                    r.line,
                    Some(name),
                    CsvProblem::Value(format!("\"{v}\" is not one of {expected}")),
                )
            }
        };
        let kind_text = get(r, "kind").trim().to_owned();
        let kind = StepKind::parse(&kind_text)
            .ok_or_else(|| keyword("kind", StepKind::expected())(&kind_text))?;
        let text = get(r, "touchpoint").trim().to_owned();
        let touchpoint = if text.is_empty() {
            Touchpoint::default()
        } else {
            Touchpoint::parse(&text)
                .ok_or_else(|| keyword("touchpoint", Touchpoint::expected())(&text))?
        };
        let text = get(r, "value").trim().to_owned();
        let value = if text.is_empty() {
            Value::default()
        } else {
            Value::parse(&text).ok_or_else(|| keyword("value", Value::expected())(&text))?
        };
        let time = |name: &'static str| -> Result<f64, InteropError> {
            let text = get(r, name);
            if text.trim().is_empty() {
                return Ok(0.0);
            }
            parse_duration(&text)
                .map_err(|e| fail(r.line, Some(name), CsvProblem::Value(e.to_string())))
        };
        // Ids are exact: spaces around one are part of it (valueflow writes them so).
        let mut step = Step::new(get(r, "id"), get(r, "name"), kind);
        step.lane = lane;
        step.touchpoint = touchpoint;
        step.value = value;
        step.work_mins = time("work")?;
        step.wait_mins = time("wait")?;
        step.benefit = get(r, "benefit");
        step.system = get(r, "system");
        step.notes = get(r, "notes");
        let id = step.id.clone();
        map.add_step(step)
            .map_err(|e| fail(r.line, Some("id"), CsvProblem::Invalid(e)))?;
        if let Some(review) = review_from_row(r, &get, &fail)? {
            reviews.push((r.line, id, review));
        }
    }
    for l in &customer_lanes {
        map.set_lane_field(l, LaneField::Customer(true))
            .map_err(|e| fail(0, Some("customer_lane"), CsvProblem::Invalid(e)))?;
    }
    // Reviews go in once every step is there: a merge may name a later step.
    for (line, id, review) in reviews {
        map.set_step_field(&id, StepField::Review(Some(Box::new(review))))
            .map_err(|e| fail(line, Some("merge_into"), CsvProblem::Invalid(e)))?;
    }
    // The builder's hash indexes keep a 40k-way split linear.
    let mut builder = MapBuilder::from_map(map);
    for r in step_rows {
        let from = StepId::new(get(r, "id"));
        let next = split_list(&get(r, "next"));
        let probabilities = split_list(&get(r, "probabilities"));
        let labels = split_list(&get(r, "labels"));
        for (list, name) in [(&probabilities, "probabilities"), (&labels, "labels")] {
            if !list.is_empty() && list.len() != next.len() {
                return Err(fail(
                    r.line,
                    Some(name),
                    CsvProblem::Value(format!(
                        "{} item(s), but \"next\" names {} step(s); give one per step (empty for none)",
                        list.len(),
                        next.len()
                    )),
                ));
            }
        }
        for (k, to) in next.iter().enumerate() {
            let probability = match probabilities.get(k).map(|p| p.trim()) {
                None | Some("") => None,
                Some(p) => Some(p.parse::<f64>().map_err(|_| {
                    fail(
                        r.line,
                        Some("probabilities"),
                        CsvProblem::Value(format!("\"{p}\" is not a number from 0 to 1")),
                    )
                })?),
            };
            let flow = Flow {
                kind: FlowKind::Work,
                probability,
                label: labels.get(k).cloned().unwrap_or_default(),
            };
            builder
                .connect(from.as_str(), to.as_str(), flow)
                .map_err(|e| {
                    let column = if probability.is_some() && !matches!(e, MapError::UnknownStep(_))
                    {
                        "probabilities"
                    } else {
                        "next"
                    };
                    fail(r.line, Some(column), CsvProblem::Invalid(e))
                })?;
        }
    }
    let decisions_row: HashMap<String, u64> =
        step_rows.iter().map(|r| (get(r, "id"), r.line)).collect();
    let map = builder.into_map();
    if let Err(e) = map.check_decisions() {
        let line = match &e {
            MapError::ProbabilitySum { step, .. } => {
                decisions_row.get(step.as_str()).copied().unwrap_or(0)
            }
            _ => 0,
        };
        return Err(fail(line, Some("probabilities"), CsvProblem::Invalid(e)));
    }
    let mut builder = MapBuilder::from_map(map);
    for r in info_rows {
        // Ids are exact, as in the step rows.
        let field = |k: usize| r.fields.get(k).cloned();
        let (Some(from), Some(to)) = (field(0), field(1)) else {
            return Err(fail(
                r.line,
                None,
                CsvProblem::FieldCount {
                    found: r.fields.len(),
                    expected: 3,
                },
            ));
        };
        if r.fields.len() > 3 {
            return Err(fail(
                r.line,
                None,
                CsvProblem::FieldCount {
                    found: r.fields.len(),
                    expected: 3,
                },
            ));
        }
        let label = r.fields.get(2).cloned().unwrap_or_default();
        builder
            .connect(
                from.as_str(),
                to.as_str(),
                Flow::information().with_label(label),
            )
            .map_err(|e| {
                let column = match &e {
                    MapError::UnknownStep(id) if id.as_str() == from => "from",
                    _ => "to",
                };
                fail(r.line, Some(column), CsvProblem::Invalid(e))
            })?;
    }
    Ok(Imported {
        map: builder.into_map(),
        notes: Vec::new(),
    })
}

/// A lane id from its name: lowercase words joined by `-`, made unique among `used`.
fn lane_id(used: &HashSet<String>, name: &str) -> LaneId {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let base = if slug.is_empty() { "lane" } else { slug };
    let mut id = base.to_owned();
    let mut k = 2;
    while used.contains(&id) {
        id = format!("{base}-{k}");
        k += 1;
    }
    LaneId::new(id)
}

/// A row's review (format v2), if its review cells hold anything.
fn review_from_row(
    r: &Row,
    get: &dyn Fn(&Row, &str) -> String,
    fail: &dyn Fn(u64, Option<&str>, CsvProblem) -> InteropError,
) -> Result<Option<Review>, InteropError> {
    let mut review = Review::default();
    for (k, column) in REVIEW_COLUMNS[..5].iter().enumerate() {
        review.answers[k] = get(r, column);
    }
    review.rationale = get(r, "rationale");
    let target = |name: &'static str| -> Result<Option<f64>, InteropError> {
        let text = get(r, name);
        if text.trim().is_empty() {
            return Ok(None);
        }
        parse_duration(&text)
            .map(Some)
            .map_err(|e| fail(r.line, Some(name), CsvProblem::Value(e.to_string())))
    };
    let targets = TargetTimes {
        work_mins: target("target_work")?,
        wait_mins: target("target_wait")?,
    };
    let text = get(r, "disposition").trim().to_owned();
    let kind = if text.is_empty() {
        DispositionKind::Undecided
    } else {
        DispositionKind::parse(&text).ok_or_else(|| {
            fail(
                r.line,
                Some("disposition"),
                CsvProblem::Value(format!(
                    "\"{text}\" is not one of {}",
                    DispositionKind::expected()
                )),
            )
        })?
    };
    let merge_into = get(r, "merge_into");
    let only_with = |column: &'static str, allowed: &str| {
        fail(
            r.line,
            Some(column),
            CsvProblem::Value(format!(
                "only allowed when the disposition is {allowed} (here it is \"{}\")",
                kind.as_str()
            )),
        )
    };
    if !merge_into.is_empty() && kind != DispositionKind::Merge {
        return Err(only_with("merge_into", "merge"));
    }
    let timed = matches!(kind, DispositionKind::Automate | DispositionKind::Simplify);
    if !timed && targets.work_mins.is_some() {
        return Err(only_with("target_work", "automate or simplify"));
    }
    if !timed && targets.wait_mins.is_some() {
        return Err(only_with("target_wait", "automate or simplify"));
    }
    review.disposition = match kind {
        DispositionKind::Undecided => Disposition::Undecided,
        DispositionKind::Keep => Disposition::Keep,
        DispositionKind::Eliminate => Disposition::Eliminate,
        DispositionKind::Merge if merge_into.is_empty() => {
            return Err(fail(
                r.line,
                Some("merge_into"),
                CsvProblem::Value(
                    "required when the disposition is merge: the id of the step it merges into"
                        .into(),
                ),
            ));
        }
        DispositionKind::Merge => Disposition::Merge {
            into: StepId::new(merge_into),
        },
        DispositionKind::Backstage => Disposition::Backstage,
        DispositionKind::Automate => Disposition::Automate(targets),
        DispositionKind::Simplify => Disposition::Simplify(targets),
    };
    Ok((!review.is_empty()).then_some(review))
}
