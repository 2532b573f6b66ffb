//! Load errors that name the file, the position, the element (with its id) and the field.

use crate::model::MapError;
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
        "this map was written by a newer valueflow (format version {0}); this build reads version 1"
    )]
    NewerVersion(u64),
    #[error("\"version\" must be the number 1{found}")]
    BadVersion { found: String },
    #[error("unknown field \"{field}\" (expected one of: {expected})")]
    UnknownField {
        field: String,
        expected: &'static str,
    },
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source_name)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(context) = &self.context {
            write!(f, "{context}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for LoadError {}
