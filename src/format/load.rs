//! Loading: bytes → text → JSON → checked elements → `Map`. Each element is kept as a
//! borrowed slice of the input so that errors can point at its line and column.

use super::error::{LoadError, LoadErrorKind};
use super::{FORMAT_NAME, FORMAT_VERSION};
use crate::model::{
    Flow, FlowKind, Lane, LaneId, Map, MapError, Step, StepId, StepKind, Touchpoint, Value,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Read;
use std::path::Path;

/// Files larger than this are refused before reading (256 MiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Loads and validates a map file. The error names the file.
pub fn load_file(path: &Path) -> Result<Map, LoadError> {
    let name = path.display().to_string();
    let io = |e: std::io::Error| LoadError::new(&name, LoadErrorKind::Io(e.to_string()));
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(LoadError::new(
            &name,
            LoadErrorKind::TooLarge {
                size,
                limit: MAX_FILE_BYTES,
            },
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` bounds the read even if the file grows while we read it.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::new(
            &name,
            LoadErrorKind::TooLarge {
                size: bytes.len() as u64,
                limit: MAX_FILE_BYTES,
            },
        ));
    }
    load_bytes(&name, &bytes)
}

/// Loads a map from bytes; `source_name` is used in error messages.
pub fn load_bytes(source_name: &str, bytes: &[u8]) -> Result<Map, LoadError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            return Err(LoadError::new(source_name, LoadErrorKind::NotUtf8)
                .at(Some(line_col(valid, valid.len()))));
        }
    };
    load_str(source_name, text)
}

/// Loads a map from text; `source_name` is used in error messages.
pub fn load_str(source_name: &str, text: &str) -> Result<Map, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(LoadError::new(source_name, LoadErrorKind::Empty));
    }
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::new(
            source_name,
            LoadErrorKind::TooLarge {
                size: text.len() as u64,
                limit: MAX_FILE_BYTES,
            },
        ));
    }
    Loader {
        name: source_name,
        text,
    }
    .load()
}

/// 1-based (line, column) of a byte offset; columns count characters.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// serde_json's message without its trailing " at line L column C".
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).unwrap_or(&s).to_owned()
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow, default)]
    format: Option<&'a RawValue>,
    #[serde(borrow, default)]
    version: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile<'a> {
    #[allow(dead_code, reason = "checked through Header before this is parsed")]
    #[serde(borrow)]
    format: &'a RawValue,
    #[allow(dead_code, reason = "checked through Header before this is parsed")]
    #[serde(borrow)]
    version: &'a RawValue,
    name: Option<String>,
    description: Option<String>,
    #[serde(borrow, default)]
    lanes: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    steps: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    flows: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLane {
    id: String,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    name: Option<String>,
    lane: Option<String>,
    kind: String,
    touchpoint: Option<String>,
    work_mins: Option<f64>,
    wait_mins: Option<f64>,
    value: Option<String>,
    benefit: Option<String>,
    system: Option<String>,
    notes: Option<String>,
    pos: Option<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    from: String,
    to: String,
    kind: Option<String>,
    probability: Option<f64>,
    label: Option<String>,
}

/// The JSON type a field must have, for precise type errors.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Num,
    Pos,
    List,
}

struct Schema {
    fields: &'static [(&'static str, Ty, bool)],
    expected: &'static str,
}

const FILE_SCHEMA: Schema = Schema {
    fields: &[
        ("format", Ty::Str, true),
        ("version", Ty::Num, true),
        ("name", Ty::Str, false),
        ("description", Ty::Str, false),
        ("lanes", Ty::List, false),
        ("steps", Ty::List, false),
        ("flows", Ty::List, false),
    ],
    expected: "format, version, name, description, lanes, steps, flows",
};
const LANE_SCHEMA: Schema = Schema {
    fields: &[("id", Ty::Str, true), ("name", Ty::Str, false)],
    expected: "id, name",
};
/// The keys of a step in the map format, in file order: the loader's expected keys and, through
/// `interop::csv_table`, the CSV step table's columns.
pub const STEP_FIELD_KEYS: [&str; 12] = [
    "id",
    "name",
    "lane",
    "kind",
    "touchpoint",
    "work_mins",
    "wait_mins",
    "value",
    "benefit",
    "system",
    "notes",
    "pos",
];
const STEP_SCHEMA: Schema = Schema {
    fields: &[
        (STEP_FIELD_KEYS[0], Ty::Str, true),
        (STEP_FIELD_KEYS[1], Ty::Str, false),
        (STEP_FIELD_KEYS[2], Ty::Str, false),
        (STEP_FIELD_KEYS[3], Ty::Str, true),
        (STEP_FIELD_KEYS[4], Ty::Str, false),
        (STEP_FIELD_KEYS[5], Ty::Num, false),
        (STEP_FIELD_KEYS[6], Ty::Num, false),
        (STEP_FIELD_KEYS[7], Ty::Str, false),
        (STEP_FIELD_KEYS[8], Ty::Str, false),
        (STEP_FIELD_KEYS[9], Ty::Str, false),
        (STEP_FIELD_KEYS[10], Ty::Str, false),
        (STEP_FIELD_KEYS[11], Ty::Pos, false),
    ],
    expected: "id, name, lane, kind, touchpoint, work_mins, wait_mins, value, benefit, system, notes, pos",
};
const FLOW_SCHEMA: Schema = Schema {
    fields: &[
        ("from", Ty::Str, true),
        ("to", Ty::Str, true),
        ("kind", Ty::Str, false),
        ("probability", Ty::Num, false),
        ("label", Ty::Str, false),
    ],
    expected: "from, to, kind, probability, label",
};

/// Describes a JSON value for a message by its text, without parsing nested content (so a
/// pathologically deep value cannot hit a recursion limit here).
fn describe(raw: &RawValue) -> String {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => {
            let s: String = serde_json::from_str(text).unwrap_or_default();
            if s.chars().count() > 40 {
                format!("the string \"{}…\"", s.chars().take(40).collect::<String>())
            } else {
                format!("the string \"{s}\"")
            }
        }
        Some(b'[') => "an array".into(),
        Some(b'{') => "an object".into(),
        Some(b'n') => "null".into(),
        Some(b't' | b'f') => text.to_owned(),
        _ => format!("the number {text}"),
    }
}

fn is_number(raw: &RawValue) -> bool {
    raw.get()
        .trim()
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_digit() || *c == b'-')
}

/// Finds the first schema violation in an element that failed typed parsing, so the message
/// names the field. Returns `None` if it finds nothing (the caller then uses serde's message).
fn diagnose(raw: &str, schema: &Schema) -> Option<LoadErrorKind> {
    let fields: std::collections::BTreeMap<String, &RawValue> = match serde_json::from_str(raw) {
        Ok(f) => f,
        Err(_) => {
            let whole: &RawValue = serde_json::from_str(raw).ok()?;
            return Some(LoadErrorKind::NotAnObjectElement {
                found: describe(whole),
            });
        }
    };
    for (key, v) in &fields {
        let Some(&(_, ty, required)) = schema.fields.iter().find(|(f, _, _)| f == key) else {
            return Some(LoadErrorKind::UnknownField {
                field: key.clone(),
                expected: schema.expected,
            });
        };
        let first = v.get().trim().as_bytes().first().copied();
        if first == Some(b'n') && !required {
            continue;
        }
        let (ok, expected) = match ty {
            Ty::Str => (first == Some(b'"'), "a string"),
            Ty::Num => (is_number(v), "a number"),
            Ty::List => (first == Some(b'['), "an array"),
            Ty::Pos => (
                serde_json::from_str::<Vec<&RawValue>>(v.get())
                    .is_ok_and(|a| a.len() == 2 && a.iter().all(|x| is_number(x))),
                "an array of two numbers [x, y]",
            ),
        };
        if !ok {
            return Some(LoadErrorKind::WrongType {
                field: key.clone(),
                expected,
                found: describe(v),
            });
        }
    }
    schema
        .fields
        .iter()
        .find(|(f, _, required)| *required && !fields.contains_key(*f))
        .map(|(f, _, _)| LoadErrorKind::MissingField(f))
}

fn keyword<T>(
    field: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
    default: T,
) -> Result<T, LoadErrorKind> {
    match value {
        None => Ok(default),
        Some(s) => parse(s).ok_or_else(|| LoadErrorKind::BadKeyword {
            field,
            expected: expected(),
            found: s.to_owned(),
        }),
    }
}

struct Loader<'a> {
    name: &'a str,
    text: &'a str,
}

impl<'a> Loader<'a> {
    fn error(&self, kind: LoadErrorKind) -> LoadError {
        LoadError::new(self.name, kind)
    }

    /// Byte offset of a slice of the input.
    fn offset_of(&self, part: &str) -> usize {
        (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }

    fn position_of(&self, raw: &RawValue) -> Option<(usize, usize)> {
        Some(line_col(self.text, self.offset_of(raw.get())))
    }

    /// Position of a serde error raised while parsing `raw`, in the whole file.
    fn position_in(&self, raw: &str, e: &serde_json::Error) -> Option<(usize, usize)> {
        if e.line() == 0 {
            return Some(line_col(self.text, self.offset_of(raw)));
        }
        let (line0, col0) = line_col(self.text, self.offset_of(raw));
        Some(if e.line() == 1 {
            (line0, col0 + e.column().saturating_sub(1))
        } else {
            (line0 + e.line() - 1, e.column())
        })
    }

    /// Parses one element (lane, step, flow) into its typed form, or explains precisely why not.
    fn element<T: Deserialize<'a>>(
        &self,
        raw: &'a RawValue,
        schema: &Schema,
        context: impl Fn() -> String,
    ) -> Result<T, LoadError> {
        serde_json::from_str(raw.get()).map_err(|e| {
            let kind = diagnose(raw.get(), schema)
                .unwrap_or_else(|| LoadErrorKind::Syntax(bare_message(&e)));
            self.error(kind)
                .at(self.position_in(raw.get(), &e))
                .within(context())
        })
    }

    fn load(&self) -> Result<Map, LoadError> {
        // serde would read a struct from an array too; a map file is an object.
        if !self.text.trim_start().starts_with('{') {
            let first_token = serde_json::from_str::<serde::de::IgnoredAny>(self.text);
            return Err(match first_token {
                Err(e) if e.classify() != serde_json::error::Category::Data => self
                    .error(LoadErrorKind::Syntax(bare_message(&e)))
                    .at(Some((e.line(), e.column()))),
                _ => self.error(LoadErrorKind::NotAnObject).at(Some((1, 1))),
            });
        }
        let header: Header = serde_json::from_str(self.text).map_err(|e| {
            let kind = match e.classify() {
                serde_json::error::Category::Data => LoadErrorKind::NotAnObject,
                _ => LoadErrorKind::Syntax(bare_message(&e)),
            };
            self.error(kind).at(Some((e.line(), e.column())))
        })?;
        self.check_header(&header)?;
        let file: RawFile = serde_json::from_str(self.text).map_err(|e| {
            let kind = diagnose(self.text, &FILE_SCHEMA)
                .unwrap_or_else(|| LoadErrorKind::Syntax(bare_message(&e)));
            self.error(kind).at(Some((e.line(), e.column())))
        })?;

        let mut map = Map::new(file.name.unwrap_or_default());
        map.description = file.description.unwrap_or_default();
        for (n, raw) in file.lanes.unwrap_or_default().into_iter().enumerate() {
            self.add_lane(&mut map, n, raw)?;
        }
        let steps = file.steps.unwrap_or_default();
        map.reserve(steps.len());
        for (n, raw) in steps.into_iter().enumerate() {
            self.add_step(&mut map, n, raw)?;
        }
        let flows = file.flows.unwrap_or_default();
        for (n, raw) in flows.iter().enumerate() {
            self.add_flow(&mut map, n, raw)?;
        }
        if let Err(err) = map.check_decisions() {
            // Point at the decision step itself.
            let context = match &err {
                MapError::ProbabilitySum { step, .. } => format!("step \"{step}\""),
                _ => "flows".into(),
            };
            return Err(self.error(err.into()).within(context));
        }
        Ok(map)
    }

    fn check_header(&self, header: &Header) -> Result<(), LoadError> {
        let found = |raw: Option<&RawValue>| match raw {
            None => " (the field is missing)".to_owned(),
            Some(r) => format!(" (found {})", describe(r)),
        };
        let format: Option<String> = header
            .format
            .and_then(|r| serde_json::from_str(r.get()).ok());
        if format.as_deref() != Some(FORMAT_NAME) {
            return Err(self
                .error(LoadErrorKind::NotAMap {
                    found: found(header.format),
                })
                .at(header.format.and_then(|r| self.position_of(r))));
        }
        let version: Option<u64> = header
            .version
            .and_then(|r| serde_json::from_str(r.get()).ok());
        match version {
            Some(FORMAT_VERSION) => Ok(()),
            Some(v) if v > FORMAT_VERSION => Err(self
                .error(LoadErrorKind::NewerVersion(v))
                .at(header.version.and_then(|r| self.position_of(r)))),
            _ => Err(self
                .error(LoadErrorKind::BadVersion {
                    found: found(header.version),
                })
                .at(header.version.and_then(|r| self.position_of(r)))),
        }
    }

    fn add_lane(&self, map: &mut Map, n: usize, raw: &'a RawValue) -> Result<(), LoadError> {
        let lane: RawLane = self.element(raw, &LANE_SCHEMA, || format!("lanes[{n}]"))?;
        let context = || format!("lanes[{n}] (id \"{}\")", lane.id);
        let name = lane.name.clone().unwrap_or_else(|| lane.id.clone());
        map.add_lane(Lane {
            id: LaneId::new(lane.id.clone()),
            name,
        })
        .map_err(|e| {
            self.error(e.into())
                .at(self.position_of(raw))
                .within(context())
        })
    }

    fn add_step(&self, map: &mut Map, n: usize, raw: &'a RawValue) -> Result<(), LoadError> {
        let s: RawStep = self.element(raw, &STEP_SCHEMA, || format!("steps[{n}]"))?;
        let fail = |kind: LoadErrorKind| {
            let field = match &kind {
                LoadErrorKind::Invalid(MapError::UnknownLane(_) | MapError::MissingLane(_)) => {
                    ", field \"lane\""
                }
                LoadErrorKind::Invalid(MapError::EmptyStepId | MapError::DuplicateStep(_)) => {
                    ", field \"id\""
                }
                LoadErrorKind::Invalid(MapError::InvalidPosition) => ", field \"pos\"",
                _ => "",
            };
            self.error(kind)
                .at(self.position_of(raw))
                .within(format!("steps[{n}] (id \"{}\"){field}", s.id))
        };
        let kind = keyword(
            "kind",
            Some(&s.kind),
            StepKind::parse,
            StepKind::expected,
            StepKind::Activity,
        )
        .map_err(fail)?;
        let touchpoint = keyword(
            "touchpoint",
            s.touchpoint.as_deref(),
            Touchpoint::parse,
            Touchpoint::expected,
            Touchpoint::default(),
        )
        .map_err(fail)?;
        let value = keyword(
            "value",
            s.value.as_deref(),
            Value::parse,
            Value::expected,
            Value::default(),
        )
        .map_err(fail)?;
        let pos = match s.pos {
            None => None,
            Some([x, y]) => {
                let p = [x as f32, y as f32];
                if !(p[0].is_finite() && p[1].is_finite()) {
                    return Err(fail(MapError::InvalidPosition.into()));
                }
                Some(p)
            }
        };
        let step = Step {
            id: StepId::new(s.id.clone()),
            name: s.name.clone().unwrap_or_default(),
            lane: s.lane.clone().map(LaneId::new),
            kind,
            touchpoint,
            work_mins: s.work_mins.unwrap_or(0.0),
            wait_mins: s.wait_mins.unwrap_or(0.0),
            value,
            benefit: s.benefit.clone().unwrap_or_default(),
            system: s.system.clone().unwrap_or_default(),
            notes: s.notes.clone().unwrap_or_default(),
            pos,
        };
        map.add_step(step).map_err(|e| fail(e.into()))?;
        Ok(())
    }

    fn add_flow(&self, map: &mut Map, n: usize, raw: &'a RawValue) -> Result<(), LoadError> {
        let f: RawFlow = self.element(raw, &FLOW_SCHEMA, || format!("flows[{n}]"))?;
        let fail = |kind: LoadErrorKind| {
            let field = match &kind {
                LoadErrorKind::Invalid(MapError::UnknownStep(id)) if id.as_str() == f.from => {
                    ", field \"from\""
                }
                LoadErrorKind::Invalid(MapError::UnknownStep(_)) => ", field \"to\"",
                LoadErrorKind::Invalid(
                    MapError::ProbabilityNotAllowed { .. }
                    | MapError::ProbabilityOutOfRange(_)
                    | MapError::ProbabilitySum { .. },
                ) => ", field \"probability\"",
                _ => "",
            };
            self.error(kind)
                .at(self.position_of(raw))
                .within(format!("flows[{n}] (\"{}\" → \"{}\"){field}", f.from, f.to))
        };
        let kind = keyword(
            "kind",
            f.kind.as_deref(),
            FlowKind::parse,
            FlowKind::expected,
            FlowKind::Work,
        )
        .map_err(fail)?;
        let flow = Flow {
            kind,
            probability: f.probability,
            label: f.label.clone().unwrap_or_default(),
        };
        map.connect_unchecked_sum(
            &StepId::new(f.from.clone()),
            &StepId::new(f.to.clone()),
            flow,
        )
        .map_err(|e| fail(e.into()))?;
        Ok(())
    }
}
