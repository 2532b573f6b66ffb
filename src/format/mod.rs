//! The map file format (versions 1 and 2) (`*.vfmap.json`): load (validate fully, then build) and save
//! (stable, pretty, atomic). See docs/format.md.

mod error;
mod load;
mod save;

pub use error::{LoadError, LoadErrorKind};
pub use load::{MAX_FILE_BYTES, STEP_FIELD_KEYS, load_bytes, load_file, load_str};
pub use save::{
    SaveError, WriteOptions, save_file, save_file_with, to_json_string, write_atomic,
    write_atomic_with,
};

/// The `format` value every map file carries.
pub const FORMAT_NAME: &str = "valueflow-map";
/// The newest format version this build reads and writes (it reads 1 and 2; a map is saved
/// as version 1 unless it was read as 2 or uses a version 2 field: `Map::saved_version`).
pub const FORMAT_VERSION: u64 = 2;
/// The file name ending maps use.
pub const FILE_EXTENSION: &str = ".vfmap.json";

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
