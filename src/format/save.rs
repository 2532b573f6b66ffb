//! Saving: stable key order, steps and flows in map order, pretty-printed, written atomically
//! (a temporary file beside the target, synced, then renamed over it).

use super::{FORMAT_NAME, FORMAT_VERSION};
use crate::model::Map;
use serde::{Serialize, Serializer};
use std::io::Write;
use std::path::Path;
use thiserror::Error;

/// Why a save failed. The target file is untouched when this is returned.
#[derive(Debug, Error)]
pub enum SaveError {
    #[error("cannot save {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the map: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Whole numbers are written without a fraction (`18`, not `18.0`) so files read naturally.
fn number<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

fn pos<S: Serializer>(p: &Option<[f32; 2]>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        None => s.serialize_none(),
        Some([x, y]) => {
            // Through f64 by way of the shortest f32 text, so 120.1f32 is written as 120.1.
            let to64 = |v: f32| v.to_string().parse::<f64>().unwrap_or(f64::from(v));
            let pair = [Num(to64(*x)), Num(to64(*y))];
            pair.serialize(s)
        }
    }
}

struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        number(&self.0, s)
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u64,
    name: &'a str,
    description: &'a str,
    lanes: Vec<LaneOut<'a>>,
    steps: Vec<StepOut<'a>>,
    flows: Vec<FlowOut<'a>>,
}

#[derive(Serialize)]
struct LaneOut<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct StepOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lane: Option<&'a str>,
    kind: &'static str,
    touchpoint: &'static str,
    #[serde(serialize_with = "number")]
    work_mins: f64,
    #[serde(serialize_with = "number")]
    wait_mins: f64,
    value: &'static str,
    benefit: &'a str,
    system: &'a str,
    notes: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "pos")]
    pos: Option<[f32; 2]>,
}

#[derive(Serialize)]
struct FlowOut<'a> {
    from: &'a str,
    to: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    probability: Option<f64>,
    label: &'a str,
}

fn file_out(map: &Map) -> FileOut<'_> {
    FileOut {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        name: &map.name,
        description: &map.description,
        lanes: map
            .lanes()
            .iter()
            .map(|l| LaneOut {
                id: l.id.as_str(),
                name: &l.name,
            })
            .collect(),
        steps: map
            .steps()
            .map(|s| StepOut {
                id: s.id.as_str(),
                name: &s.name,
                lane: s.lane.as_ref().map(|l| l.as_str()),
                kind: s.kind.as_str(),
                touchpoint: s.touchpoint.as_str(),
                work_mins: s.work_mins,
                wait_mins: s.wait_mins,
                value: s.value.as_str(),
                benefit: &s.benefit,
                system: &s.system,
                notes: &s.notes,
                pos: s.pos,
            })
            .collect(),
        flows: map
            .flows()
            .map(|f| FlowOut {
                from: f.from.as_str(),
                to: f.to.as_str(),
                kind: f.flow.kind.as_str(),
                probability: f.flow.probability,
                label: &f.flow.label,
            })
            .collect(),
    }
}

/// The file text for a map: pretty JSON with a trailing newline.
pub fn to_json_string(map: &Map) -> Result<String, SaveError> {
    let mut text = serde_json::to_string_pretty(&file_out(map))?;
    text.push('\n');
    Ok(text)
}

/// Saves a map atomically: the file at `path` is either the old one or the complete new one.
pub fn save_file(map: &Map, path: &Path) -> Result<(), SaveError> {
    let text = to_json_string(map)?;
    write_atomic(path, text.as_bytes()).map_err(|source| SaveError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes bytes atomically: a temporary file beside `path`, synced, then renamed over it, so
/// the file is either the old one or the complete new one (also used by the interop exports).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".valueflow-save-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // The temporary file is private (0600); give the saved file the old file's permissions,
    // or ordinary ones (0644) for a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(tmp.as_file())?,
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}
