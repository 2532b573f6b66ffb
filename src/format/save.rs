//! Saving: stable key order, steps and flows in map order, pretty-printed, written atomically
//! (a temporary file beside the target, synced, then renamed over it).

use super::FORMAT_NAME;
use crate::model::{Map, Review, Scorecard};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    derived_from: Option<DerivedFromOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scorecard: Option<ScorecardOut<'a>>,
    lanes: Vec<LaneOut<'a>>,
    steps: Vec<StepOut<'a>>,
    flows: Vec<FlowOut<'a>>,
}

#[derive(Serialize)]
struct LaneOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    customer: bool,
}

#[derive(Serialize)]
struct DerivedFromOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
}

/// The scorecard: the rated or annotated parameters, in `ScoreParam::ALL` order.
struct ScorecardOut<'a>(&'a Scorecard);

impl Serialize for ScorecardOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct Entry<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            rating: Option<&'static str>,
            notes: &'a str,
        }
        let entries: Vec<_> = self.0.iter().filter(|(_, e)| !e.is_empty()).collect();
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (param, e) in entries {
            map.serialize_entry(
                param.as_str(),
                &Entry {
                    rating: e.rating.map(|r| r.as_str()),
                    notes: &e.notes,
                },
            )?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ReviewOut<'a> {
    for_customer: &'a str,
    slows_process: &'a str,
    offsetting_benefit: &'a str,
    competitors: &'a str,
    without_step: &'a str,
    disposition: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    merge_into: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    target_work_mins: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    target_wait_mins: Option<f64>,
    rationale: &'a str,
}

fn opt_number<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}

fn review_out(r: &Review) -> ReviewOut<'_> {
    let targets = r.disposition.targets().unwrap_or_default();
    ReviewOut {
        for_customer: &r.answers[0],
        slows_process: &r.answers[1],
        offsetting_benefit: &r.answers[2],
        competitors: &r.answers[3],
        without_step: &r.answers[4],
        disposition: r.disposition.kind().as_str(),
        merge_into: r.disposition.merge_into().map(|id| id.as_str()),
        target_work_mins: targets.work_mins,
        target_wait_mins: targets.wait_mins,
        rationale: &r.rationale,
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<ReviewOut<'a>>,
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
        version: map.saved_version(),
        name: &map.name,
        description: &map.description,
        derived_from: map.derived_from.as_ref().map(|d| DerivedFromOut {
            name: d.name.as_deref(),
            file: d.file.as_deref(),
        }),
        scorecard: (!map.scorecard.is_empty()).then_some(ScorecardOut(&map.scorecard)),
        lanes: map
            .lanes()
            .iter()
            .map(|l| LaneOut {
                id: l.id.as_str(),
                name: &l.name,
                customer: l.customer,
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
                review: s.review.as_deref().map(review_out),
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
/// A read-only file is refused (see [`write_atomic`]).
pub fn save_file(map: &Map, path: &Path) -> Result<(), SaveError> {
    save_file_with(map, path, WriteOptions::default())
}

/// [`save_file`] with options (e.g. to replace a read-only file on request).
pub fn save_file_with(map: &Map, path: &Path, options: WriteOptions) -> Result<(), SaveError> {
    let text = to_json_string(map)?;
    write_atomic_with(path, text.as_bytes(), options).map_err(|source| SaveError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// How [`write_atomic_with`] treats an existing file.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Replace a file that is read-only (its permissions are kept).
    pub replace_read_only: bool,
}

/// The temporary files of a save: `.valueflow-save-XXXXXX.tmp` beside the target.
const TEMP_PREFIX: &str = ".valueflow-save-";
const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file this old was left by a save that was killed (a save takes seconds).
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// Symbolic links followed before giving up (as Linux's ELOOP limit).
const MAX_SYMLINKS: usize = 40;

/// Writes bytes atomically: a temporary file beside the target, synced, then renamed over it,
/// so the file is either the old one or the complete new one (also used by the interop
/// exports). A symbolic link is written through: its target is replaced and the link stays.
/// A read-only file is refused, unless `replace_read_only`. Temporary files left by a killed
/// save (older than ten minutes) are removed from the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, WriteOptions::default())
}

/// [`write_atomic`] with options.
pub fn write_atomic_with(path: &Path, bytes: &[u8], options: WriteOptions) -> std::io::Result<()> {
    let target = resolve_symlinks(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(std::io::Error::other("it is a directory"));
        }
        if is_read_only(m) && !options.replace_read_only {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only, so it was left unchanged",
            ));
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    remove_stale_temporaries(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // The temporary file is private (0600); give the saved file the old file's permissions,
    // or ordinary ones (0644) for a new file.
    let permissions = match &existing {
        Some(m) => m.permissions(),
        None => default_permissions(tmp.as_file())?,
    };
    tmp.as_file().sync_all()?;
    tmp.as_file().set_permissions(permissions)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// The file a path finally names, following symbolic links (also dangling ones, so that
/// saving through a link creates its target instead of replacing the link).
fn resolve_symlinks(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&target)?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

#[cfg(unix)]
fn is_read_only(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    // The owner's write bit: what `chmod a-w` / `chmod u-w` clears. (Root could write
    // anyway; the user asked for the file not to change.)
    m.permissions().mode() & 0o200 == 0
}

#[cfg(not(unix))]
fn is_read_only(m: &std::fs::Metadata) -> bool {
    m.permissions().readonly()
}

/// Removes `.valueflow-save-*.tmp` files older than `STALE_TEMP_AGE` from `dir`. Younger ones
/// may belong to a save in progress and are left alone; failures are ignored (they only
/// leave litter, as before).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMP_AGE);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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
