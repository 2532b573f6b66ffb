//! Other formats ⇄ `Map`: BPMN 2.0 XML (import and export, docs/bpmn.md) and a CSV step
//! table. Errors name the file and the line (BPMN) or the row and column (CSV).

pub mod bpmn_export;
pub mod bpmn_import;
pub mod csv_table;
pub mod xml;

use crate::model::{Map, MapError};
use crate::text::escape_control;
use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// CSV files larger than this are refused before they are read (64 MiB: over a million
/// steps).
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// BPMN files larger than this are refused before they are read (128 MiB): valueflow's
/// export of a 100,000-step chain is 72 MB. Memory is bounded by the node and attribute
/// counts (`bpmn_import::MAX_NODES`, `MAX_ATTRIBUTES`), so the worst file of this size
/// imports in about 1.1 GB.
pub const MAX_BPMN_INPUT_BYTES: u64 = 128 * 1024 * 1024;

/// Every BPMN step writes at least this many bytes (its element and its shape), so a map
/// with more steps than `MAX_BPMN_INPUT_BYTES / MIN_BPMN_BYTES_PER_STEP` is refused before
/// the export is built.
const MIN_BPMN_BYTES_PER_STEP: u64 = 250;

/// Why an import or export failed. Nothing is half-imported and no output is half-written.
#[derive(Debug, Error)]
pub enum InteropError {
    #[error("{}: cannot read the file: {}", escape_control(.file), escape_control(&.source.to_string()))]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {}", escape_control(.file), escape_control(&.source.to_string()))]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: the file is {size} bytes; files larger than {limit} bytes are refused", escape_control(.file))]
    TooLarge { file: String, size: u64, limit: u64 },
    #[error(
        "{}: the export would be {what}, more than import reads back; nothing was written (split the map, or keep it as a .vfmap.json file)",
        escape_control(.file)
    )]
    ExportTooLarge { file: String, what: String },
    #[error("{}: the file is empty", escape_control(.file))]
    Empty { file: String },
    #[error(
        "{}: cannot tell the format from the file name; use a name ending in .bpmn, .xml or .csv",
        escape_control(.file)
    )]
    UnknownFormat { file: String },
    #[error("{}{}: {}", escape_control(.file), line_col(*.position), escape_control(&.problem.to_string()))]
    Bpmn {
        file: String,
        /// 1-based line and column, where known.
        position: Option<(u32, u32)>,
        /// Boxed so that results stay small.
        problem: Box<BpmnProblem>,
    },
    #[error(
        "{}: row {row}{}: {}",
        escape_control(.file),
        .column.as_ref().map(|c| format!(", column \"{}\"", escape_control(c))).unwrap_or_default(),
        escape_control(&.problem.to_string())
    )]
    Csv {
        file: String,
        /// The line number of the record in the file (the header is row 1).
        row: u64,
        column: Option<String>,
        /// Boxed so that results stay small.
        problem: Box<CsvProblem>,
    },
}

fn line_col(position: Option<(u32, u32)>) -> String {
    position
        .map(|(l, c)| format!(":{l}:{c}"))
        .unwrap_or_default()
}

/// `task "a"`, or `task (without an id)` when the element has none.
fn who(element: &str, id: &str) -> String {
    if id.is_empty() {
        format!("{element} (without an id)")
    } else {
        format!("{element} \"{id}\"")
    }
}

/// What is wrong with a BPMN file.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BpmnProblem {
    #[error(
        "the file is not UTF-8 text and declares no encoding this importer reads (UTF-8, ISO-8859-1)"
    )]
    NotUtf8,
    /// The file says it is UTF-8 but holds a byte sequence that is not (often a Latin-1
    /// character written by a tool that ignored its own declaration).
    #[error(
        "not valid UTF-8 here, although the file declares UTF-8 (a Latin-1 character?): save the file as UTF-8, or declare encoding=\"ISO-8859-1\""
    )]
    InvalidUtf8,
    #[error(
        "the XML declaration names the encoding \"{0}\"; this importer reads UTF-8 and ISO-8859-1: save the file as UTF-8"
    )]
    UnsupportedEncoding(String),
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error(
        "the file has a document type declaration (<!DOCTYPE ...>); BPMN needs none, and it is refused so that no entities are expanded: remove it"
    )]
    Dtd,
    #[error(
        "the file has more than {0} XML nodes (elements, texts, comments); larger files are refused so that memory stays bounded"
    )]
    TooManyNodes(u64),
    #[error(
        "the file has more than {0} XML attributes; larger files are refused so that memory stays bounded"
    )]
    TooManyAttributes(u64),
    #[error("elements are nested deeper than {0} levels")]
    TooDeep(usize),
    #[error(
        "not a BPMN 2.0 file: the root element is <{found}>, expected <definitions> in the namespace {}",
        bpmn_import::BPMN_NS
    )]
    NotBpmn { found: String },
    #[error(
        "the root element <definitions> is not in the BPMN 2.0 namespace: add xmlns=\"{}\" (or a prefix bound to it)",
        bpmn_import::BPMN_NS
    )]
    MissingNamespace,
    #[error("duplicate id \"{id}\" (first used on line {first_line}); ids must be unique")]
    DuplicateId { id: String, first_line: u32 },
    #[error("{element} has no id; every flow node needs one, flows refer to it")]
    MissingId { element: String },
    #[error("{}: the attribute {attribute} is missing; it must name {expected}", who(.element, .id))]
    MissingAttribute {
        element: String,
        id: String,
        attribute: &'static str,
        expected: &'static str,
    },
    #[error("{}: {reference} refers to \"{target}\", but no element has that id", who(.element, .id))]
    DanglingReference {
        element: String,
        id: String,
        reference: String,
        target: String,
    },
    #[error(
        "{}: {reference} refers to \"{target}\", which is {found}, not {expected}",
        who(.element, .id)
    )]
    WrongReference {
        element: String,
        id: String,
        reference: String,
        target: String,
        /// What the target is, with its article: `a sequenceFlow`, `a task of process "p1"`.
        found: String,
        expected: &'static str,
    },
    #[error(
        "flow node \"{node}\" is listed in lane \"{first}\" and in lane \"{second}\"; a flow node belongs to one lane"
    )]
    InTwoLanes {
        node: String,
        first: String,
        second: String,
    },
    #[error("{}: attribute {attribute} must be {expected}, found \"{found}\"", who(.element, .id))]
    BadAttribute {
        element: String,
        id: String,
        attribute: String,
        expected: String,
        found: String,
    },
    #[error(
        "{}: with it the data items' writers and readers would make {flows} information flows (each step that writes an item one to each step that reads it) with {label_mib} MiB of labels; at most {} flows and {} MiB of labels are read, so that memory stays bounded",
        who(.element, .id),
        crate::model::MAX_FLOWS,
        bpmn_import::MAX_DATA_LABEL_BYTES >> 20
    )]
    TooManyDataFlows {
        element: String,
        id: String,
        flows: u64,
        label_mib: u64,
    },
    #[error("{}: {error}", who(.element, .id))]
    Invalid {
        element: String,
        id: String,
        error: MapError,
    },
}

/// What is wrong with a row of a CSV step table.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CsvProblem {
    #[error("not valid CSV: {0}")]
    Syntax(String),
    #[error(
        "a quoted field starts here and is never closed, so every later row would be read into it; add the closing \" (a \" inside a quoted field is written \"\")"
    )]
    UnclosedQuote,
    #[error("unknown column (expected some of: {0})")]
    UnknownColumn(String),
    #[error("the column appears twice")]
    DuplicateColumn,
    #[error("the header has no column \"{0}\"")]
    MissingColumn(&'static str),
    #[error("the row has {found} fields, the header {expected}")]
    FieldCount { found: usize, expected: usize },
    #[error("{0}")]
    Value(String),
    #[error("{0}")]
    Invalid(MapError),
}

/// The file formats this module reads and writes, told apart by the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteropFormat {
    Bpmn,
    Csv,
}

impl InteropFormat {
    /// `.bpmn` and `.xml` are BPMN, `.csv` is the step table (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, InteropError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("bpmn" | "xml") => Ok(Self::Bpmn),
            Some("csv") => Ok(Self::Csv),
            _ => Err(InteropError::UnknownFormat {
                file: path.display().to_string(),
            }),
        }
    }
}

/// A map read from another format, with what the import had to leave out or guess.
#[derive(Debug, Clone)]
pub struct Imported {
    pub map: Map,
    /// One plain sentence per thing a user may want to know (dropped elements, defaults).
    pub notes: Vec<String>,
}

/// Reads a BPMN or CSV file (by its name), refusing files over `MAX_BPMN_INPUT_BYTES` or
/// `MAX_INPUT_BYTES`.
pub fn import_file(path: &Path) -> Result<Imported, InteropError> {
    let format = InteropFormat::from_path(path)?;
    let name = path.display().to_string();
    match format {
        InteropFormat::Bpmn => {
            bpmn_import::import_bytes(&name, &read_input(path, MAX_BPMN_INPUT_BYTES)?)
        }
        InteropFormat::Csv => csv_table::import_bytes(&name, &read_input(path, MAX_INPUT_BYTES)?),
    }
}

/// Writes a map as BPMN or CSV (by the file name), atomically. What valueflow writes it
/// reads back: an export that import would refuse (too large) is refused, and nothing is
/// written.
pub fn export_file(map: &Map, path: &Path) -> Result<(), InteropError> {
    let file = path.display().to_string();
    let text = to_text(map, InteropFormat::from_path(path)?, &file)?;
    crate::format::write_atomic(path, text.as_bytes())
        .map_err(|source| InteropError::Write { file, source })
}

/// The text of an export, checked against the limits of the import that reads it back.
pub fn to_text(map: &Map, format: InteropFormat, file: &str) -> Result<String, InteropError> {
    let too_large = |what: String| InteropError::ExportTooLarge {
        file: file.to_owned(),
        what,
    };
    let (text, limit) = match format {
        InteropFormat::Bpmn => {
            let steps = map.step_count() as u64;
            if steps.saturating_mul(MIN_BPMN_BYTES_PER_STEP) > MAX_BPMN_INPUT_BYTES {
                return Err(too_large(format!(
                    "over {} bytes for {steps} steps (BPMN import reads at most {MAX_BPMN_INPUT_BYTES} bytes)",
                    steps.saturating_mul(MIN_BPMN_BYTES_PER_STEP)
                )));
            }
            let text = bpmn_export::to_bpmn_string(map);
            if let Err(InteropError::Bpmn { problem, .. }) = bpmn_import::check_size(file, &text) {
                return Err(too_large(format!("a file whose import stops: {problem}")));
            }
            (text, MAX_BPMN_INPUT_BYTES)
        }
        InteropFormat::Csv => (csv_table::to_csv_string(map), MAX_INPUT_BYTES),
    };
    if text.len() as u64 > limit {
        return Err(too_large(format!(
            "{} bytes ({} import reads at most {limit} bytes)",
            text.len(),
            if format == InteropFormat::Bpmn {
                "BPMN"
            } else {
                "CSV"
            }
        )));
    }
    Ok(text)
}

/// Reads a whole input file, bounded by `limit` bytes.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, InteropError> {
    let file_name = path.display().to_string();
    let io = |source| InteropError::Read {
        file: file_name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let too_large = |size| InteropError::TooLarge {
        file: file_name.clone(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` bounds the read even if the file grows while it is read.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
