//! Files around the document: preferences (theme, recent files, panels), native file dialogs
//! with an in-app fallback, and the crash-recovery copy written while there are unsaved changes.

use crate::format::FILE_EXTENSION;
use crate::model::Map;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

/// Preferences kept between sessions (eframe storage). Nothing of the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub dark_mode: bool,
    pub recent: Vec<PathBuf>,
    pub show_findings: bool,
    pub show_inspector: bool,
    pub show_minimap: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            dark_mode: false,
            recent: Vec::new(),
            show_findings: true,
            show_inspector: true,
            show_minimap: true,
        }
    }
}

/// How many recent files are remembered.
pub const MAX_RECENT: usize = 10;

impl Prefs {
    /// Puts a file at the top of the recent list.
    pub fn remember(&mut self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

/// Opens (creating it) a file that is only ever locked, never read or written: the lock
/// files of the shared preferences and of the recovery slots.
pub(super) fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// The preferences shared by every editor window of one user, in a small JSON file: each
/// window merges into it what it changed (its newest file on each open and save, a setting
/// when it saves), under a lock and with an atomic write, so two windows add to one recent
/// list and keep each other's settings instead of the last to close overwriting the other.
#[derive(Debug, Clone)]
pub struct SharedPrefs {
    path: PathBuf,
}

impl SharedPrefs {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The stored preferences, if there are readable ones.
    pub fn read(&self) -> Option<Prefs> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Prefs>(&b).ok())
    }

    /// Runs `change` on the stored preferences (or `fallback` when there are none) under an
    /// exclusive lock, writes the result atomically and returns it.
    fn update(&self, fallback: &Prefs, change: impl FnOnce(&mut Prefs)) -> std::io::Result<Prefs> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let lock = open_lock_file(&self.path.with_extension("lock"))?;
        lock.lock()?;
        let mut prefs = self.read().unwrap_or_else(|| fallback.clone());
        change(&mut prefs);
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut tmp, &prefs)?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        // The lock goes with `lock` at the end of this scope.
        Ok(prefs)
    }

    /// Puts `newest` first in the stored recent list; returns the merged preferences (the
    /// other windows' files stay).
    pub fn remember(&self, newest: &Path, fallback: &Prefs) -> std::io::Result<Prefs> {
        self.update(fallback, |p| p.remember(newest))
    }

    /// Stores the settings this window changed since `baseline` (what it last read or
    /// wrote) and leaves the others as stored; returns the merged preferences.
    pub fn save_changes(&self, baseline: &Prefs, now: &Prefs) -> std::io::Result<Prefs> {
        self.update(now, |p| {
            if now.dark_mode != baseline.dark_mode {
                p.dark_mode = now.dark_mode;
            }
            if now.show_findings != baseline.show_findings {
                p.show_findings = now.show_findings;
            }
            if now.show_inspector != baseline.show_inspector {
                p.show_inspector = now.show_inspector;
            }
            if now.show_minimap != baseline.show_minimap {
                p.show_minimap = now.show_minimap;
            }
        })
    }
}

/// One entry of the folder a typed path points into (the path prompt's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub is_dir: bool,
    /// The text the prompt holds when the entry is picked (a folder ends with `/`).
    pub text: String,
}

/// The most entries the path prompt lists.
const MAX_LISTED: usize = 200;

/// The typed folder part (up to and including the last `/`, as typed) and the start of the
/// name typed after it.
fn split_typed(text: &str) -> (&str, &str) {
    match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    }
}

/// The folder a typed folder part names (`~/` is the home folder; empty is the current one).
fn typed_folder(dir: &str) -> PathBuf {
    if let Some(rest) = dir.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    if dir.is_empty() {
        PathBuf::from(".")
    } else {
        PathBuf::from(dir)
    }
}

/// The entries of the folder `text` points into whose names start with what is typed after
/// its last `/`: folders first, then files, each sorted by name; hidden ones only when the
/// typed name starts with a dot. At most `MAX_LISTED`.
pub fn folder_entries(text: &str) -> Vec<FolderEntry> {
    let (dir, start) = split_typed(text);
    let Ok(read) = std::fs::read_dir(typed_folder(dir)) else {
        return Vec::new();
    };
    let mut entries: Vec<FolderEntry> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(start) || (name.starts_with('.') && !start.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            let text = format!("{dir}{name}{}", if is_dir { "/" } else { "" });
            Some(FolderEntry { name, is_dir, text })
        })
        .collect();
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    entries.truncate(MAX_LISTED);
    entries
}

/// Tab completion: the typed path extended as far as every matching entry agrees (a single
/// folder gets its `/`); `None` when nothing matches or nothing would be added.
pub fn complete_path(text: &str) -> Option<String> {
    let entries = folder_entries(text);
    let first = entries.first()?;
    if entries.len() == 1 {
        return (first.text != text).then(|| first.text.clone());
    }
    let mut common = first.name.as_str();
    for e in &entries[1..] {
        let same = common
            .char_indices()
            .zip(e.name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, c), _)| i + c.len_utf8());
        common = &common[..same];
    }
    let (dir, start) = split_typed(text);
    (common.len() > start.len()).then(|| format!("{dir}{common}"))
}

/// What a file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveAs,
    /// Read a BPMN 2.0 or CSV file into a new map.
    Import,
    /// Write the map as BPMN 2.0 or CSV.
    Export,
    /// Pick a map to compare the open one with.
    Compare,
    /// Write a picture of the map (SVG or PNG).
    ExportPicture,
    /// Write the client report (HTML or Markdown).
    ExportReport,
    /// Read an event log (XES, XES.gz, CSV) to calibrate a new map from.
    ImportEventLog,
}

impl DialogPurpose {
    /// Whether the dialog picks an existing file (rather than naming one to write).
    pub fn reads(self) -> bool {
        matches!(
            self,
            DialogPurpose::Open
                | DialogPurpose::Import
                | DialogPurpose::Compare
                | DialogPurpose::ImportEventLog
        )
    }

    /// The prompt's title and its button.
    pub fn title_and_action(self) -> (&'static str, &'static str) {
        match self {
            DialogPurpose::Open => ("Open map", "Open"),
            DialogPurpose::SaveAs => ("Save map as", "Save"),
            DialogPurpose::Import => ("Import BPMN or CSV", "Import"),
            DialogPurpose::Export => ("Export as BPMN or CSV", "Export"),
            DialogPurpose::Compare => ("Compare with another map", "Compare"),
            DialogPurpose::ExportPicture => ("Export a picture (SVG or PNG)", "Export"),
            DialogPurpose::ExportReport => ("Export the report (HTML or Markdown)", "Export"),
            DialogPurpose::ImportEventLog => ("Import an event log (XES or CSV)", "Import"),
        }
    }
}

/// A native dialog running on its own thread, so the window keeps painting.
pub struct NativeDialog {
    pub purpose: DialogPurpose,
    rx: Receiver<Option<PathBuf>>,
    started: Instant,
}

/// What became of a native dialog.
pub enum DialogOutcome {
    Pending,
    Chosen(PathBuf),
    Cancelled,
    /// It closed at once without asking anyone: no dialog service; use the in-app prompt.
    Unavailable,
}

/// A dialog answered faster than this did not wait for a person.
const NO_DIALOG_SERVICE: Duration = Duration::from_millis(250);

impl NativeDialog {
    /// Starts a native dialog, or returns `None` when none can be shown here (no desktop
    /// session bus on Linux, where the file dialog is a desktop portal).
    pub fn spawn(
        purpose: DialogPurpose,
        suggested_name: &str,
        ctx: &egui::Context,
    ) -> Option<Self> {
        if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return None;
        }
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        let name = suggested_name.to_owned();
        std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let map_filter = |d: rfd::FileDialog| d.add_filter("valueflow map", &["json"]);
                let other_filter = |d: rfd::FileDialog| {
                    d.add_filter("BPMN 2.0", &["bpmn", "xml"])
                        .add_filter("CSV step table", &["csv"])
                };
                let dialog = rfd::FileDialog::new();
                let chosen = match purpose {
                    DialogPurpose::Open | DialogPurpose::Compare => map_filter(dialog).pick_file(),
                    DialogPurpose::SaveAs => map_filter(dialog).set_file_name(name).save_file(),
                    DialogPurpose::Import => other_filter(dialog).pick_file(),
                    DialogPurpose::ImportEventLog => dialog
                        .add_filter("Event log (XES, XES.gz, CSV)", &["xes", "gz", "csv"])
                        .pick_file(),
                    DialogPurpose::Export => other_filter(dialog).set_file_name(name).save_file(),
                    DialogPurpose::ExportReport => dialog
                        .add_filter("HTML report", &["html"])
                        .add_filter("Markdown report", &["md"])
                        .set_file_name(name)
                        .save_file(),
                    DialogPurpose::ExportPicture => dialog
                        .add_filter("SVG picture", &["svg"])
                        .add_filter("PNG picture", &["png"])
                        .set_file_name(name)
                        .save_file(),
                };
                let _ = tx.send(chosen);
                ctx.request_repaint();
            })
            .ok()?;
        Some(Self {
            purpose,
            rx,
            started: Instant::now(),
        })
    }

    pub fn poll(&self) -> DialogOutcome {
        match self.rx.try_recv() {
            Ok(Some(p)) => DialogOutcome::Chosen(p),
            Ok(None) if self.started.elapsed() < NO_DIALOG_SERVICE => DialogOutcome::Unavailable,
            Ok(None) => DialogOutcome::Cancelled,
            Err(TryRecvError::Empty) => DialogOutcome::Pending,
            Err(TryRecvError::Disconnected) => DialogOutcome::Unavailable,
        }
    }
}

/// A file name for a map: its name made safe, with the map extension.
pub fn suggested_file_name(map: &Map) -> String {
    let stem: String = map
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!(
        "{}{FILE_EXTENSION}",
        if stem.is_empty() { "map" } else { &stem }
    )
}

/// Adds the map extension to a typed path that has none.
pub fn with_extension(path: PathBuf) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".json") {
        path
    } else {
        path.with_file_name(format!("{name}{FILE_EXTENSION}"))
    }
}

pub use super::recovery::{Recovered, Recovery};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut p = Prefs::default();
        for k in 0..15 {
            p.remember(Path::new(&format!("/nonexistent/{k}.vfmap.json")));
        }
        p.remember(Path::new("/nonexistent/3.vfmap.json"));
        assert_eq!(p.recent.len(), MAX_RECENT);
        assert_eq!(p.recent[0], PathBuf::from("/nonexistent/3.vfmap.json"));
        assert_eq!(
            p.recent
                .iter()
                .filter(|r| r.ends_with("3.vfmap.json"))
                .count(),
            1
        );
    }

    #[test]
    fn file_names() {
        let m = Map::new("Order to cash (as-is)");
        assert_eq!(suggested_file_name(&m), "order-to-cash-as-is.vfmap.json");
        assert_eq!(
            with_extension(PathBuf::from("/x/map")),
            PathBuf::from("/x/map.vfmap.json")
        );
        assert_eq!(
            with_extension(PathBuf::from("/x/a.vfmap.json")),
            PathBuf::from("/x/a.vfmap.json")
        );
    }
}

#[cfg(test)]
mod shared_prefs_tests {
    use super::*;

    #[test]
    fn two_windows_add_to_one_recent_list_and_keep_each_others_settings() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("settings.json");
        let (a, b) = (SharedPrefs::new(at.clone()), SharedPrefs::new(at));
        let start = Prefs::default();
        a.remember(Path::new("/nonexistent/a.vfmap.json"), &start)
            .unwrap();
        let merged = b
            .remember(Path::new("/nonexistent/b.vfmap.json"), &start)
            .unwrap();
        assert_eq!(
            merged.recent,
            [
                PathBuf::from("/nonexistent/b.vfmap.json"),
                PathBuf::from("/nonexistent/a.vfmap.json")
            ]
        );
        // A turns the theme dark, B hides the minimap: both stay.
        let dark = Prefs {
            dark_mode: true,
            ..start.clone()
        };
        a.save_changes(&start, &dark).unwrap();
        let no_minimap = Prefs {
            show_minimap: false,
            ..start.clone()
        };
        let stored = b.save_changes(&start, &no_minimap).unwrap();
        assert!(stored.dark_mode && !stored.show_minimap);
        assert_eq!(stored.recent, merged.recent, "the recent list is kept");
        assert_eq!(a.read().unwrap(), stored);
    }
}

#[cfg(test)]
mod prompt_tests {
    use super::*;

    #[test]
    fn the_prompt_lists_the_folder_and_completes_names_with_tab() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "order-to-cash.vfmap.json",
            "order-intake.vfmap.json",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("archive")).unwrap();
        std::fs::write(dir.path().join(".hidden"), "").unwrap();
        let base = format!("{}/", dir.path().display());
        let names: Vec<String> = folder_entries(&base).into_iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                "archive",
                "notes.txt",
                "order-intake.vfmap.json",
                "order-to-cash.vfmap.json"
            ]
        );
        // Two names start "order-": Tab goes as far as they agree, then on to one.
        assert_eq!(
            complete_path(&format!("{base}or")),
            Some(format!("{base}order-"))
        );
        assert_eq!(
            complete_path(&format!("{base}order-t")),
            Some(format!("{base}order-to-cash.vfmap.json"))
        );
        assert_eq!(
            complete_path(&format!("{base}ar")),
            Some(format!("{base}archive/"))
        );
        assert_eq!(complete_path(&format!("{base}zzz")), None);
        assert_eq!(
            folder_entries(&format!("{base}.")).len(),
            1,
            "hidden files only when asked for"
        );
    }
}
