//! Loading: bytes → text → JSON → checked elements → `Map`. Each element is kept as a
//! borrowed slice of the input so that errors can point at its line and column.

use super::error::{LoadError, LoadErrorKind};
use super::{FORMAT_NAME, FORMAT_VERSION};
use crate::model::{
    DerivedFrom, Disposition, DispositionKind, Flow, FlowKind, Lane, LaneId, MAX_FLOWS, MAX_STEPS,
    Map, MapBuilder, MapError, Rating, Review, ScoreEntry, ScoreParam, Scorecard, Step, StepId,
    StepKind, TargetTimes, Touchpoint, Value,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

mod stream;

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
    if let Some(bytes) = read_in_halves(&file, size) {
        return load_bytes(&name, &bytes);
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

/// Reads a large file (of at most `MAX_FILE_BYTES`) as two halves on two threads: most of
/// reading it is the kernel filling fresh pages, and that halves. `None` when the file is
/// small, changes size while it is read, cannot be read this way or a thread cannot start:
/// the plain read then reads it (and reports what is wrong).
#[cfg(unix)]
fn read_in_halves(file: &std::fs::File, size: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    const MIN_BYTES: u64 = 4 << 20;
    if !(MIN_BYTES..=MAX_FILE_BYTES).contains(&size) {
        return None;
    }
    let len = usize::try_from(size).ok()?;
    let mut bytes = vec![0u8; len];
    let (first, second) = bytes.split_at_mut(len / 2);
    let middle = first.len() as u64;
    let read = std::thread::scope(|s| {
        let other = std::thread::Builder::new()
            .spawn_scoped(s, || file.read_exact_at(second, middle))
            .ok()?;
        let own = file.read_exact_at(first, 0);
        Some(own.is_ok() && other.join().ok()?.is_ok())
    })?;
    // Nothing after the end: the file did not grow while it was read.
    let grown = file.read_at(&mut [0u8], size).ok()? != 0;
    (read && !grown).then_some(bytes)
}

#[cfg(not(unix))]
fn read_in_halves(_: &std::fs::File, _: u64) -> Option<Vec<u8>> {
    None
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

/// The streamed load of `text` (`None` where it gives up) beside the one-piece load, for
/// the tests that whatever the streamed load accepts, the one-piece load reads the same.
#[cfg(test)]
pub(super) fn both_loads(text: &str) -> (Option<Map>, Result<Map, LoadError>) {
    let loader = Loader { name: "t", text };
    (stream::load(&loader), loader.load_in_one_piece())
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

/// The whole file in one typed parse (the fast path). Strings that are only looked up or
/// matched (keywords, flow ends) borrow from the input when they hold no escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedFile<'a> {
    #[serde(borrow)]
    format: &'a RawValue,
    #[serde(borrow)]
    version: &'a RawValue,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    lanes: Option<Bounded<RawLane, MAX_STEPS>>,
    #[serde(default)]
    steps: Option<Bounded<StepEntry, MAX_STEPS>>,
    #[serde(borrow, default)]
    flows: Option<Bounded<RawFlow<'a>, MAX_FLOWS>>,
    #[serde(default, deserialize_with = "present")]
    scorecard: Option<Option<RawScorecard>>,
    #[serde(default, deserialize_with = "present")]
    derived_from: Option<Option<RawDerivedFrom>>,
}

/// A field that may be given as `null`: `Some(None)` then, `None` only when the key is absent
/// (a version 2 key in a version 1 file is an error whatever its value, `null` included).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScorecard {
    customer_relationships: Option<RawScoreEntry>,
    strategy: Option<RawScoreEntry>,
    marketing: Option<RawScoreEntry>,
    sales_and_service: Option<RawScoreEntry>,
    process_design: Option<RawScoreEntry>,
    capacity_to_change: Option<RawScoreEntry>,
}

impl RawScorecard {
    /// The entries in `ScoreParam::ALL` order.
    fn entries(self) -> [(ScoreParam, Option<RawScoreEntry>); 6] {
        [
            (
                ScoreParam::CustomerRelationships,
                self.customer_relationships,
            ),
            (ScoreParam::Strategy, self.strategy),
            (ScoreParam::Marketing, self.marketing),
            (ScoreParam::SalesAndService, self.sales_and_service),
            (ScoreParam::ProcessDesign, self.process_design),
            (ScoreParam::CapacityToChange, self.capacity_to_change),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoreEntry {
    rating: Option<String>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDerivedFrom {
    name: Option<String>,
    file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    for_customer: Option<String>,
    slows_process: Option<String>,
    offsetting_benefit: Option<String>,
    competitors: Option<String>,
    without_step: Option<String>,
    disposition: Option<String>,
    merge_into: Option<String>,
    target_work_mins: Option<f64>,
    target_wait_mins: Option<f64>,
    rationale: Option<String>,
}

/// A JSON array refused as soon as it has more than `LIMIT` elements, before the memory
/// for the rest is taken (the failure path then names the section and the limit).
pub(super) struct Bounded<T, const LIMIT: usize>(pub(super) Vec<T>);

impl<'de, T: Deserialize<'de>, const LIMIT: usize> Deserialize<'de> for Bounded<T, LIMIT> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Elements<T, const LIMIT: usize>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const LIMIT: usize> serde::de::Visitor<'de> for Elements<T, LIMIT> {
            type Value = Bounded<T, LIMIT>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a list of at most {LIMIT} elements")
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(
                self,
                mut seq: S,
            ) -> Result<Self::Value, S::Error> {
                let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(element) = seq.next_element()? {
                    if elements.len() == LIMIT {
                        return Err(serde::de::Error::custom(format_args!(
                            "more than {LIMIT} elements"
                        )));
                    }
                    elements.push(element);
                }
                Ok(Bounded(elements))
            }
        }
        d.deserialize_seq(Elements(std::marker::PhantomData))
    }
}

/// A step converted as soon as it is parsed, so that the whole file is never held as the
/// larger `RawStep`s; with whether it has a `review` key (format v2).
struct StepEntry(Result<Step, LoadErrorKind>, bool);

impl<'de> Deserialize<'de> for StepEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawStep::deserialize(d).map(StepEntry::from_raw)
    }
}

impl StepEntry {
    fn from_raw(raw: RawStep<'_>) -> Self {
        let has_review = raw.review.is_some();
        StepEntry(step_from(raw), has_review)
    }
}

/// The sections of the file as raw slices, for the failure path: to find an element again
/// and name its line and column.
#[derive(Deserialize)]
struct RawSections<'a> {
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
    #[serde(default, deserialize_with = "present")]
    customer: Option<Option<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep<'a> {
    // Ids borrowed from the file: they become inline ids without an allocation.
    #[serde(borrow)]
    id: Cow<'a, str>,
    name: Option<String>,
    #[serde(borrow, default)]
    lane: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    touchpoint: Option<Cow<'a, str>>,
    work_mins: Option<f64>,
    wait_mins: Option<f64>,
    #[serde(borrow, default)]
    value: Option<Cow<'a, str>>,
    benefit: Option<String>,
    system: Option<String>,
    notes: Option<String>,
    pos: Option<[f64; 2]>,
    #[serde(default, deserialize_with = "present")]
    review: Option<Option<RawReview>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow<'a> {
    #[serde(borrow)]
    from: Cow<'a, str>,
    #[serde(borrow)]
    to: Cow<'a, str>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    probability: Option<f64>,
    label: Option<String>,
}

/// An object's members in file order, duplicates kept (serde's derived structs and maps
/// would report or hide them), each value a raw slice of the input.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut access: M,
            ) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some(member) = access.next_entry::<String, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Entries(members))
            }
        }
        d.deserialize_map(Members)
    }
}

impl<'a> Entries<'a> {
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The first key that appears a second time, with its second value.
    fn duplicate(&self) -> Option<(&str, &'a RawValue)> {
        let mut seen = std::collections::HashSet::new();
        self.0
            .iter()
            .find(|(k, _)| !seen.insert(k.as_str()))
            .map(|(k, v)| (k.as_str(), *v))
    }

    /// A member's value decoded as a string, if it is one.
    fn string(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(|v| serde_json::from_str::<String>(v.get()).ok())
    }
}

/// The JSON type a field must have, for precise type errors.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Num,
    Bool,
    Pos,
    List,
    /// An object with its own schema (a step's review, the scorecard and its entries).
    Obj(&'static Schema),
}

struct Schema {
    fields: &'static [(&'static str, Ty, bool)],
    expected: &'static str,
    /// The fields that need version 2 of the format.
    since_v2: &'static [&'static str],
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
        ("derived_from", Ty::Obj(&DERIVED_FROM_SCHEMA), false),
        ("scorecard", Ty::Obj(&SCORECARD_SCHEMA), false),
    ],
    expected: "format, version, name, description, derived_from, scorecard, lanes, steps, flows",
    since_v2: &["derived_from", "scorecard"],
};
const LANE_SCHEMA: Schema = Schema {
    fields: &[
        ("id", Ty::Str, true),
        ("name", Ty::Str, false),
        ("customer", Ty::Bool, false),
    ],
    expected: "id, name, customer",
    since_v2: &["customer"],
};
const DERIVED_FROM_SCHEMA: Schema = Schema {
    fields: &[("name", Ty::Str, false), ("file", Ty::Str, false)],
    expected: "name, file",
    since_v2: &[],
};
const SCORE_ENTRY_SCHEMA: Schema = Schema {
    fields: &[("rating", Ty::Str, false), ("notes", Ty::Str, false)],
    expected: "rating, notes",
    since_v2: &[],
};
const SCORECARD_SCHEMA: Schema = Schema {
    fields: &[
        (
            "customer_relationships",
            Ty::Obj(&SCORE_ENTRY_SCHEMA),
            false,
        ),
        ("strategy", Ty::Obj(&SCORE_ENTRY_SCHEMA), false),
        ("marketing", Ty::Obj(&SCORE_ENTRY_SCHEMA), false),
        ("sales_and_service", Ty::Obj(&SCORE_ENTRY_SCHEMA), false),
        ("process_design", Ty::Obj(&SCORE_ENTRY_SCHEMA), false),
        ("capacity_to_change", Ty::Obj(&SCORE_ENTRY_SCHEMA), false),
    ],
    expected: "customer_relationships, strategy, marketing, sales_and_service, process_design, capacity_to_change",
    since_v2: &[],
};
const REVIEW_SCHEMA: Schema = Schema {
    fields: &[
        ("for_customer", Ty::Str, false),
        ("slows_process", Ty::Str, false),
        ("offsetting_benefit", Ty::Str, false),
        ("competitors", Ty::Str, false),
        ("without_step", Ty::Str, false),
        ("disposition", Ty::Str, false),
        ("merge_into", Ty::Str, false),
        ("target_work_mins", Ty::Num, false),
        ("target_wait_mins", Ty::Num, false),
        ("rationale", Ty::Str, false),
    ],
    expected: "for_customer, slows_process, offsetting_benefit, competitors, without_step, disposition, merge_into, target_work_mins, target_wait_mins, rationale",
    since_v2: &[],
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
        ("review", Ty::Obj(&REVIEW_SCHEMA), false),
    ],
    expected: "id, name, lane, kind, touchpoint, work_mins, wait_mins, value, benefit, system, notes, pos, review",
    since_v2: &["review"],
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
    since_v2: &[],
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

/// Finds the first schema violation in an object's members: a duplicate or unknown field,
/// a field of the wrong type, a number out of range, a missing required field. Returns the
/// problem and the value it is about (for its line and column).
fn diagnose<'a>(
    members: &Entries<'a>,
    schema: &Schema,
    version: u64,
) -> Option<(LoadErrorKind, Option<&'a RawValue>)> {
    if let Some((key, v)) = members.duplicate() {
        return Some((LoadErrorKind::DuplicateField(key.to_owned()), Some(v)));
    }
    if version < 2
        && let Some((key, v)) = members
            .0
            .iter()
            .find(|(k, _)| schema.since_v2.contains(&k.as_str()))
    {
        return Some((LoadErrorKind::NeedsVersion2(key.clone()), Some(*v)));
    }
    for (key, v) in &members.0 {
        let Some(&(_, ty, required)) = schema.fields.iter().find(|(f, _, _)| f == key) else {
            return Some((
                LoadErrorKind::UnknownField {
                    field: key.clone(),
                    expected: schema.expected,
                },
                Some(*v),
            ));
        };
        let first = v.get().trim().as_bytes().first().copied();
        if first == Some(b'n') && !required {
            continue;
        }
        let (ok, expected) = match ty {
            Ty::Str => (first == Some(b'"'), "a string"),
            Ty::Num => (is_number(v), "a number"),
            Ty::Bool => (matches!(first, Some(b't' | b'f')), "true or false"),
            Ty::List => (first == Some(b'['), "an array"),
            Ty::Obj(_) => (first == Some(b'{'), "an object"),
            Ty::Pos => (
                serde_json::from_str::<Vec<&RawValue>>(v.get())
                    .is_ok_and(|a| a.len() == 2 && a.iter().all(|x| is_number(x))),
                "an array of two numbers [x, y]",
            ),
        };
        if !ok {
            let kind = LoadErrorKind::WrongType {
                field: key.clone(),
                expected,
                found: describe(v),
            };
            return Some((kind, Some(*v)));
        }
        if let Some(out_of_range) = number_out_of_range(v, ty) {
            let kind = LoadErrorKind::NumberOutOfRange {
                field: key.clone(),
                found: describe_number(out_of_range),
            };
            return Some((kind, Some(out_of_range)));
        }
        if let Ty::Obj(inner) = ty {
            let found = match serde_json::from_str::<Entries>(v.get()) {
                Ok(m) => diagnose(&m, inner, version),
                Err(_) => None,
            };
            if let Some((kind, at)) = found {
                return Some((kind.within_field(key), at.or(Some(*v))));
            }
        }
    }
    schema
        .fields
        .iter()
        .find(|(f, _, required)| *required && members.get(f).is_none())
        .map(|(f, _, _)| (LoadErrorKind::MissingField(f), None))
}

/// The number (a field or one coordinate of `pos`) that does not fit an f64, such as
/// `1e999` or a 400-digit integer.
fn number_out_of_range(v: &RawValue, ty: Ty) -> Option<&RawValue> {
    let fits = |x: &RawValue| serde_json::from_str::<f64>(x.get()).is_ok();
    match ty {
        Ty::Num => (!fits(v)).then_some(v),
        Ty::Pos => serde_json::from_str::<Vec<&RawValue>>(v.get())
            .ok()?
            .into_iter()
            .find(|x| !fits(x)),
        Ty::Str | Ty::Bool | Ty::List | Ty::Obj(_) => None,
    }
}

/// A number for a message: its text, shortened when it is very long.
fn describe_number(raw: &RawValue) -> String {
    let text = raw.get().trim();
    if text.len() > 40 {
        format!("a {}-character number ({}…)", text.len(), &text[..20])
    } else {
        format!("the number {text}")
    }
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

/// Which array an element is in, for contexts and for finding it again.
#[derive(Clone, Copy)]
enum Section {
    Lanes,
    Steps,
    Flows,
}

impl Section {
    fn key(self) -> &'static str {
        match self {
            Section::Lanes => "lanes",
            Section::Steps => "steps",
            Section::Flows => "flows",
        }
    }

    fn schema(self) -> &'static Schema {
        match self {
            Section::Lanes => &LANE_SCHEMA,
            Section::Steps => &STEP_SCHEMA,
            Section::Flows => &FLOW_SCHEMA,
        }
    }
}

/// `steps[3] (id "x")`, `flows[0] ("a" → "b")` or, when the element's ids are unreadable,
/// `steps[3]`.
fn element_label(section: Section, n: usize, members: Option<&Entries<'_>>) -> String {
    let at = format!("{}[{n}]", section.key());
    let Some(m) = members else {
        return at;
    };
    match section {
        Section::Lanes | Section::Steps => match m.string("id") {
            Some(id) => format!("{at} (id \"{id}\")"),
            None => at,
        },
        Section::Flows => match (m.string("from"), m.string("to")) {
            (Some(from), Some(to)) => format!("{at} (\"{from}\" → \"{to}\")"),
            _ => at,
        },
    }
}

/// The field a model error is about, for the message.
fn field_of(kind: &LoadErrorKind, from: &str) -> &'static str {
    match kind {
        LoadErrorKind::Invalid(MapError::UnknownLane(_) | MapError::MissingLane(_)) => {
            ", field \"lane\""
        }
        LoadErrorKind::Invalid(
            MapError::EmptyStepId
            | MapError::DuplicateStep(_)
            | MapError::EmptyLaneId
            | MapError::DuplicateLane(_),
        ) => ", field \"id\"",
        LoadErrorKind::Invalid(MapError::InvalidPosition)
        | LoadErrorKind::PositionOutOfRange { .. } => ", field \"pos\"",
        LoadErrorKind::Invalid(MapError::UnknownStep(id)) if id.as_str() == from => {
            ", field \"from\""
        }
        LoadErrorKind::Invalid(MapError::UnknownStep(_)) => ", field \"to\"",
        LoadErrorKind::Invalid(
            MapError::ProbabilityNotAllowed { .. }
            | MapError::ProbabilityOutOfRange(_)
            | MapError::ProbabilitySum { .. },
        ) => ", field \"probability\"",
        LoadErrorKind::Invalid(
            MapError::MergeIntoItself(_) | MapError::UnknownMergeTarget { .. },
        ) => ", field \"review.merge_into\"",
        _ => "",
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

    /// Where the top-level object starts: the place to point at for a missing field.
    fn object_start(&self) -> Option<(usize, usize)> {
        let offset = self.text.len() - self.text.trim_start().len();
        Some(line_col(self.text, offset))
    }

    /// Position of a serde error raised while parsing `raw`, in the whole file.
    fn position_in(&self, raw: &str, e: &serde_json::Error) -> Option<(usize, usize)> {
        let (line0, col0) = line_col(self.text, self.offset_of(raw));
        Some(match e.line() {
            0 => (line0, col0),
            1 => (line0, col0 + e.column().saturating_sub(1)),
            l => (line0 + l - 1, e.column()),
        })
    }

    /// The fast path: one typed parse of the whole file, the map built on a second thread
    /// while it is parsed (`stream`). Only when something is wrong is the file read again,
    /// in one piece, to say what and where.
    fn load(&self) -> Result<Map, LoadError> {
        // serde would read a struct from an array too; a map file is an object.
        if !self.text.trim_start().starts_with('{') {
            return Err(self.not_an_object());
        }
        match stream::load(self) {
            Some(map) => Ok(map),
            None => self.load_in_one_piece(),
        }
    }

    /// One typed parse of the whole file, then the model's checks: the path that names the
    /// problem of a file the streamed load refused (and reads a valid one the same way).
    fn load_in_one_piece(&self) -> Result<Map, LoadError> {
        match serde_json::from_str::<TypedFile>(self.text) {
            Ok(file) => {
                let version = self.check_header(Some(file.format), Some(file.version))?;
                self.build(file, version)
            }
            Err(e) => Err(self.explain(&e)),
        }
    }

    /// The failure path: finds the first problem in the file, in reading order (header
    /// first, so a newer file says so rather than "unknown field"), with its line, column,
    /// element, id and field.
    fn explain(&self, typed_error: &serde_json::Error) -> LoadError {
        self.first_problem().unwrap_or_else(|| {
            // Every part is fine on its own; report what the typed parse said.
            self.error(LoadErrorKind::Syntax(bare_message(typed_error)))
                .at(Some((typed_error.line(), typed_error.column())))
        })
    }

    /// The first problem of the file in reading order, if one part of it shows one.
    fn first_problem(&self) -> Option<LoadError> {
        let syntax = |e: &serde_json::Error| {
            self.error(LoadErrorKind::Syntax(bare_message(e)))
                .at(Some((e.line(), e.column())))
        };
        if !self.text.trim_start().starts_with('{') {
            return Some(self.not_an_object());
        }
        let members: Entries = match serde_json::from_str(self.text) {
            Ok(m) => m,
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                return Some(
                    self.error(LoadErrorKind::NotAnObject)
                        .at(Some((e.line(), e.column()))),
                );
            }
            Err(e) => return Some(syntax(&e)),
        };
        let version = match self.check_header(members.get("format"), members.get("version")) {
            Ok(v) => v,
            Err(e) => return Some(e),
        };
        if let Some((kind, at)) = diagnose(&members, &FILE_SCHEMA, version) {
            let position = at.map_or_else(|| self.object_start(), |v| self.position_of(v));
            return Some(self.error(kind).at(position));
        }
        for section in [Section::Lanes, Section::Steps, Section::Flows] {
            let Some(list) = members.get(section.key()) else {
                continue;
            };
            let elements: Vec<&RawValue> = match serde_json::from_str(list.get()) {
                Ok(v) => v,
                Err(e) => {
                    return Some(
                        self.error(LoadErrorKind::Syntax(bare_message(&e)))
                            .at(self.position_in(list.get(), &e))
                            .within(section.key()),
                    );
                }
            };
            let (limit, too_many) = match section {
                Section::Lanes => (MAX_STEPS, LoadErrorKind::TooManyLanes),
                Section::Steps => (MAX_STEPS, LoadErrorKind::Invalid(MapError::TooManySteps)),
                Section::Flows => (MAX_FLOWS, LoadErrorKind::Invalid(MapError::TooManyFlows)),
            };
            if let Some(extra) = elements.get(limit) {
                return Some(
                    self.error(too_many)
                        .at(self.position_of(extra))
                        .within(section.key()),
                );
            }
            for (n, raw) in elements.into_iter().enumerate() {
                if let Some(e) = self.explain_element(section, n, raw, version) {
                    return Some(e);
                }
            }
        }
        None
    }

    /// Why one element does not parse into its typed form, if it does not.
    fn explain_element(
        &self,
        section: Section,
        n: usize,
        raw: &'a RawValue,
        version: u64,
    ) -> Option<LoadError> {
        let typed = match section {
            Section::Lanes => serde_json::from_str::<RawLane>(raw.get()).map(|_| ()),
            Section::Steps => serde_json::from_str::<RawStep>(raw.get()).map(|_| ()),
            Section::Flows => serde_json::from_str::<RawFlow>(raw.get()).map(|_| ()),
        };
        let Ok(members) = serde_json::from_str::<Entries>(raw.get()) else {
            typed.err()?;
            return Some(
                self.error(LoadErrorKind::NotAnObjectElement {
                    found: describe(raw),
                })
                .at(self.position_of(raw))
                .within(element_label(section, n, None)),
            );
        };
        let context = element_label(section, n, Some(&members));
        // A version 2 key in a version 1 file is found even when the element parses.
        Some(
            match (diagnose(&members, section.schema(), version), typed) {
                (Some((kind, at)), _) => self
                    .error(kind)
                    .at(at.map_or_else(|| self.position_of(raw), |v| self.position_of(v)))
                    .within(context),
                (None, Err(e)) => self
                    .error(LoadErrorKind::Syntax(bare_message(&e)))
                    .at(self.position_in(raw.get(), &e))
                    .within(context),
                (None, Ok(())) => return None,
            },
        )
    }

    /// The error for a file whose top level is not an object: a syntax error if it is not
    /// JSON either.
    fn not_an_object(&self) -> LoadError {
        match serde_json::from_str::<serde::de::IgnoredAny>(self.text) {
            Err(e) if e.classify() != serde_json::error::Category::Data => self
                .error(LoadErrorKind::Syntax(bare_message(&e)))
                .at(Some((e.line(), e.column()))),
            _ => self.error(LoadErrorKind::NotAnObject).at(Some((1, 1))),
        }
    }

    /// Element `n` of a section as a raw slice (failure path only: parses the file again).
    fn find_element(&self, section: Section, n: usize) -> Option<&'a RawValue> {
        let raw: RawSections<'a> = serde_json::from_str(self.text).ok()?;
        let list = match section {
            Section::Lanes => raw.lanes,
            Section::Steps => raw.steps,
            Section::Flows => raw.flows,
        };
        list?.get(n).copied()
    }

    fn check_header(
        &self,
        format: Option<&RawValue>,
        version: Option<&RawValue>,
    ) -> Result<u64, LoadError> {
        let found = |raw: Option<&RawValue>| match raw {
            None => " (the field is missing)".to_owned(),
            Some(r) => format!(" (found {})", describe(r)),
        };
        let name: Option<String> = format.and_then(|r| serde_json::from_str(r.get()).ok());
        if name.as_deref() != Some(FORMAT_NAME) {
            return Err(self
                .error(LoadErrorKind::NotAMap {
                    found: found(format),
                })
                .at(format.map_or_else(|| self.object_start(), |r| self.position_of(r))));
        }
        let number: Option<u64> = version.and_then(|r| serde_json::from_str(r.get()).ok());
        match number {
            Some(v @ 1..=FORMAT_VERSION) => Ok(v),
            Some(v) if v > FORMAT_VERSION => Err(self
                .error(LoadErrorKind::NewerVersion(v))
                .at(version.and_then(|r| self.position_of(r)))),
            _ => Err(self
                .error(LoadErrorKind::BadVersion {
                    found: found(version),
                })
                .at(version.map_or_else(|| self.object_start(), |r| self.position_of(r)))),
        }
    }

    /// An error about element `n` of a section whose typed form was read: the element is
    /// found again in the file for its line, column and ids.
    fn element_error(&self, section: Section, n: usize, kind: LoadErrorKind) -> LoadError {
        let raw = self.find_element(section, n);
        let members = raw.and_then(|r| serde_json::from_str::<Entries>(r.get()).ok());
        let from = members
            .as_ref()
            .and_then(|m| m.string("from"))
            .unwrap_or_default();
        let field = field_of(&kind, &from);
        let label = element_label(section, n, members.as_ref());
        self.error(kind)
            .at(raw.and_then(|r| self.position_of(r)))
            .within(format!("{label}{field}"))
    }

    fn build(&self, file: TypedFile<'a>, version: u64) -> Result<Map, LoadError> {
        let mut map = MapBuilder::new(
            file.name.unwrap_or_default(),
            file.description.unwrap_or_default(),
        );
        let lanes = file.lanes.map(|b| b.0).unwrap_or_default();
        let steps = file.steps.map(|b| b.0).unwrap_or_default();
        let flows = file.flows.map(|b| b.0).unwrap_or_default();
        if version < 2
            && (file.scorecard.is_some()
                || file.derived_from.is_some()
                || lanes.iter().any(|l| l.customer.is_some())
                || steps.iter().any(|s| s.1))
        {
            // The failure path finds the first version 2 key and says where it is.
            return Err(self
                .first_problem()
                .unwrap_or_else(|| self.error(LoadErrorKind::NeedsVersion2("?".into()))));
        }
        map.set_read_version(version);
        if let Some(card) = file.scorecard.flatten() {
            map.set_scorecard(self.scorecard(card)?);
        }
        if let Some(from) = file.derived_from.flatten() {
            map.set_derived_from(DerivedFrom {
                name: from.name,
                file: from.file,
            });
        }
        map.reserve(steps.len(), flows.len());
        for (n, lane) in lanes.into_iter().enumerate() {
            map.add_lane(lane_from(lane))
                .map_err(|e| self.element_error(Section::Lanes, n, e.into()))?;
        }
        for (n, entry) in steps.into_iter().enumerate() {
            let step = entry
                .0
                .map_err(|kind| self.element_error(Section::Steps, n, kind))?;
            map.add_step(step)
                .map_err(|e| self.element_error(Section::Steps, n, e.into()))?;
        }
        for (n, f) in flows.into_iter().enumerate() {
            add_flow(&mut map, f).map_err(|kind| self.element_error(Section::Flows, n, kind))?;
        }
        map.finish().map_err(|err| self.decision_error(err))
    }

    /// The scorecard with its ratings checked; a bad rating is pointed at its entry.
    fn scorecard(&self, card: RawScorecard) -> Result<Scorecard, LoadError> {
        let mut out = Scorecard::default();
        for (param, entry) in card.entries() {
            let Some(entry) = entry else { continue };
            let rating = match entry.rating.as_deref() {
                None => None,
                Some(r) => Some(Rating::parse(r).ok_or_else(|| {
                    let kind = LoadErrorKind::BadKeyword {
                        field: "rating",
                        expected: Rating::expected(),
                        found: r.to_owned(),
                    };
                    let at = serde_json::from_str::<Entries>(self.text)
                        .ok()
                        .and_then(|m| m.get("scorecard"))
                        .and_then(|c| serde_json::from_str::<Entries>(c.get()).ok())
                        .and_then(|c| c.get(param.as_str()))
                        .and_then(|v| self.position_of(v));
                    self.error(kind)
                        .at(at)
                        .within(format!("scorecard, \"{param}\""))
                })?),
            };
            *out.get_mut(param) = ScoreEntry {
                rating,
                notes: entry.notes.unwrap_or_default(),
            };
        }
        Ok(out)
    }

    /// A failed whole-map check (a decision's probabilities, a merge target), pointed at the
    /// step itself.
    fn decision_error(&self, err: MapError) -> LoadError {
        let (step, field) = match &err {
            MapError::ProbabilitySum { step, .. } => (step, ""),
            MapError::UnknownMergeTarget { step, .. } => (step, ", field \"review.merge_into\""),
            _ => return self.error(err.into()).within("flows"),
        };
        let n = serde_json::from_str::<RawSections>(self.text)
            .ok()
            .and_then(|raw| raw.steps)
            .and_then(|steps| {
                steps.iter().position(|s| {
                    serde_json::from_str::<Entries>(s.get())
                        .is_ok_and(|m| m.string("id").as_deref() == Some(step.as_str()))
                })
            });
        let context = match n {
            Some(n) => format!("steps[{n}] (id \"{step}\"){field}"),
            None => format!("step \"{step}\"{field}"),
        };
        let position = n
            .and_then(|n| self.find_element(Section::Steps, n))
            .and_then(|r| self.position_of(r));
        self.error(err.into()).at(position).within(context)
    }
}

/// A lane from its typed form (a lane without a name is named by its id).
fn lane_from(lane: RawLane) -> Lane {
    let name = lane.name.unwrap_or_else(|| lane.id.clone());
    let mut new = Lane::new(LaneId::new(lane.id), name);
    new.customer = lane.customer.flatten().unwrap_or(false);
    new
}

/// A flow from its typed form, added to the map.
fn add_flow(map: &mut MapBuilder, f: RawFlow<'_>) -> Result<(), LoadErrorKind> {
    let kind = keyword(
        "kind",
        f.kind.as_deref(),
        FlowKind::parse,
        FlowKind::expected,
        FlowKind::Work,
    )?;
    let flow = Flow {
        kind,
        probability: f.probability,
        label: f.label.unwrap_or_default(),
    };
    map.connect(&f.from, &f.to, flow)?;
    Ok(())
}

/// A step from its typed form, or the problem with one of its keywords or its position.
fn step_from(s: RawStep<'_>) -> Result<Step, LoadErrorKind> {
    let checked = (|| {
        let kind = keyword(
            "kind",
            Some(&s.kind),
            StepKind::parse,
            StepKind::expected,
            StepKind::Activity,
        )?;
        let touchpoint = keyword(
            "touchpoint",
            s.touchpoint.as_deref(),
            Touchpoint::parse,
            Touchpoint::expected,
            Touchpoint::default(),
        )?;
        let value = keyword(
            "value",
            s.value.as_deref(),
            Value::parse,
            Value::expected,
            Value::default(),
        )?;
        let pos = match s.pos {
            None => None,
            Some([x, y]) => {
                // The editor keeps positions as f32; anything beyond its range would become
                // infinite.
                let limit = f64::from(f32::MAX);
                if let Some(&bad) = [x, y].iter().find(|v| v.abs() > limit) {
                    return Err(LoadErrorKind::PositionOutOfRange { found: bad });
                }
                Some([x as f32, y as f32])
            }
        };
        Ok((kind, touchpoint, value, pos))
    })();
    let (kind, touchpoint, value, pos) = checked?;
    let review = match s.review.flatten() {
        None => None,
        Some(r) => Some(Box::new(review_from(r)?)),
    };
    Ok(Step {
        id: StepId::new(s.id),
        name: s.name.unwrap_or_default(),
        lane: s.lane.map(LaneId::new),
        kind,
        touchpoint,
        work_mins: s.work_mins.unwrap_or(0.0),
        wait_mins: s.wait_mins.unwrap_or(0.0),
        value,
        benefit: s.benefit.unwrap_or_default(),
        system: s.system.unwrap_or_default(),
        notes: s.notes.unwrap_or_default(),
        pos,
        review,
    })
}

/// A step's review from its typed form: the disposition keyword, and the fields each
/// disposition allows (map-format-v2.md).
fn review_from(r: RawReview) -> Result<Review, LoadErrorKind> {
    let kind = keyword(
        "review.disposition",
        r.disposition.as_deref(),
        DispositionKind::parse,
        DispositionKind::expected,
        DispositionKind::Undecided,
    )?;
    let not_with = |field, allowed| LoadErrorKind::NotWithDisposition {
        field,
        allowed,
        found: kind.as_str(),
    };
    if r.merge_into.is_some() && kind != DispositionKind::Merge {
        return Err(not_with("review.merge_into", "\"merge\""));
    }
    let targets = TargetTimes {
        work_mins: r.target_work_mins,
        wait_mins: r.target_wait_mins,
    };
    let timed = matches!(kind, DispositionKind::Automate | DispositionKind::Simplify);
    if !timed {
        if targets.work_mins.is_some() {
            return Err(not_with(
                "review.target_work_mins",
                "\"automate\" or \"simplify\"",
            ));
        }
        if targets.wait_mins.is_some() {
            return Err(not_with(
                "review.target_wait_mins",
                "\"automate\" or \"simplify\"",
            ));
        }
    }
    for (field, v) in [
        ("review.target_work_mins", targets.work_mins),
        ("review.target_wait_mins", targets.wait_mins),
    ] {
        if let Some(v) = v {
            crate::model::check_time(field, v)?;
        }
    }
    let disposition = match kind {
        DispositionKind::Undecided => Disposition::Undecided,
        DispositionKind::Keep => Disposition::Keep,
        DispositionKind::Eliminate => Disposition::Eliminate,
        DispositionKind::Merge => Disposition::Merge {
            into: StepId::new(r.merge_into.ok_or(LoadErrorKind::MergeTargetMissing)?),
        },
        DispositionKind::Backstage => Disposition::Backstage,
        DispositionKind::Automate => Disposition::Automate(targets),
        DispositionKind::Simplify => Disposition::Simplify(targets),
    };
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(Review {
        answers: [
            text(r.for_customer),
            text(r.slows_process),
            text(r.offsetting_benefit),
            text(r.competitors),
            text(r.without_step),
        ],
        disposition,
        rationale: text(r.rationale),
    })
}
