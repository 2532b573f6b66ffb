//! Load errors that name the file, the position, the element (with its id) and the field.

use crate::model::MapError;
use crate::text::escape_control;
use std::fmt;
use thiserror::Error;

/// Why a file could not be loaded. Nothing is half-loaded: a load either returns a whole
/// valid map or one of these.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    /// The file name (or another name for in-memory input, e.g. `<built-in sample>`).
    pub source_name: String,
    /// 1-based line and column, where known.
    pub position: Option<(usize, usize)>,
    /// The element and field, e.g. `steps[3] (id "enter-order"), field "work_mins"`.
    pub context: Option<String>,
    /// Boxed so that `Result<Map, LoadError>` stays small.
    pub kind: Box<LoadErrorKind>,
}

/// What is wrong, without where.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LoadErrorKind {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; maps larger than {limit} bytes are refused")]
    TooLarge { size: u64, limit: u64 },
    #[error("a map may have at most {} lanes", crate::model::MAX_STEPS)]
    TooManyLanes,
    #[error("the file is not valid UTF-8 text")]
    NotUtf8,
    #[error("not valid JSON: {0}")]
    Syntax(String),
    #[error("the top level must be a JSON object")]
    NotAnObject,
    #[error("must be a JSON object, found {found}")]
    NotAnObjectElement { found: String },
    #[error("not a valueflow map: \"format\" must be \"valueflow-map\"{found}")]
    NotAMap { found: String },
    #[error(
        "this map was written by a newer valueflow (format version {0}); this build reads versions 1 and 2"
    )]
    NewerVersion(u64),
    #[error("\"version\" must be the number 1 or 2{found}")]
    BadVersion { found: String },
    #[error("field \"{0}\" needs version 2 of the format (this file says \"version\": 1)")]
    NeedsVersion2(String),
    #[error(
        "field \"{field}\" is only allowed when the disposition is {allowed} (here it is \"{found}\")"
    )]
    NotWithDisposition {
        field: &'static str,
        allowed: &'static str,
        found: &'static str,
    },
    #[error(
        "field \"review.merge_into\" is required when the disposition is \"merge\": name the step it merges into"
    )]
    MergeTargetMissing,
    #[error("unknown field \"{field}\" (expected one of: {expected})")]
    UnknownField {
        field: String,
        expected: &'static str,
    },
    #[error("field \"{0}\" appears more than once (each field may appear only once)")]
    DuplicateField(String),
    #[error(
        "field \"{field}\" holds {found}, which is out of range: numbers must fit a 64-bit float (magnitude below about 1.8e308)"
    )]
    NumberOutOfRange { field: String, found: String },
    #[error(
        "pos must be two numbers between -3.4e38 and 3.4e38 (the editor's canvas coordinates), found {found}"
    )]
    PositionOutOfRange { found: f64 },
    #[error("missing field \"{0}\"")]
    MissingField(&'static str),
    #[error("field \"{field}\" must be {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: String,
    },
    #[error("field \"{field}\" must be one of {expected}, found \"{found}\"")]
    BadKeyword {
        field: &'static str,
        expected: String,
        found: String,
    },
    #[error("{0}")]
    Invalid(#[from] MapError),
}

impl LoadErrorKind {
    /// The same problem inside the object at field `outer` (`disposition` → `review.disposition`).
    pub(crate) fn within_field(self, outer: &str) -> Self {
        let nested = |field: &str| format!("{outer}.{field}");
        match self {
            LoadErrorKind::UnknownField { field, expected } => LoadErrorKind::UnknownField {
                field: nested(&field),
                expected,
            },
            LoadErrorKind::DuplicateField(field) => LoadErrorKind::DuplicateField(nested(&field)),
            LoadErrorKind::NumberOutOfRange { field, found } => LoadErrorKind::NumberOutOfRange {
                field: nested(&field),
                found,
            },
            LoadErrorKind::WrongType {
                field,
                expected,
                found,
            } => LoadErrorKind::WrongType {
                field: nested(&field),
                expected,
                found,
            },
            other => other,
        }
    }
}

impl LoadError {
    pub(crate) fn new(source_name: &str, kind: LoadErrorKind) -> Self {
        Self {
            source_name: source_name.to_owned(),
            position: None,
            context: None,
            kind: Box::new(kind),
        }
    }

    pub(crate) fn at(mut self, position: Option<(usize, usize)>) -> Self {
        self.position = position;
        self
    }

    pub(crate) fn within(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}

impl fmt::Display for LoadError {
    /// One line: the file name, ids, keywords and values quoted from the file are untrusted,
    /// so control characters (terminal escapes, newlines that could forge a second
    /// `error:` line) are shown as visible escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.source_name.clone();
        if let Some((l, column)) = self.position {
            line.push_str(&format!(":{l}:{column}"));
        }
        line.push_str(": ");
        if let Some(context) = &self.context {
            line.push_str(context);
            line.push_str(": ");
        }
        line.push_str(&self.kind.to_string());
        f.write_str(&escape_control(&line))
    }
}

impl std::error::Error for LoadError {}
