//! File → Import event log…: the column mapping of a CSV log (detected columns preselected,
//! the first rows as a preview, each role from a dropdown), the statistic and thresholds with
//! what they mean, then the calibration on a background thread with a progress bar and
//! Cancel (the window stays responsive). The calibrated map opens as a new, unsaved document
//! with its summary. The mapping itself is the library's (`crate::eventlog`).

use crate::eventlog::{
    Calibration, ColumnMap, CsvPreview, EventLogError, Layout, LogFormat, Options, Progress,
    Statistic,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Duration;

/// How many rows of a CSV log the dialog shows.
const PREVIEW_ROWS: usize = 8;

/// The column roles of a CSV log, in the order the dialog lists them: (label, what it is,
/// required).
pub const ROLES: [(&str, &str, bool); 9] = [
    (
        "Case",
        "which case (order, patient, application) the row belongs to",
        true,
    ),
    ("Activity", "the step's name", true),
    ("Start", "when the work started (interval logs)", false),
    ("End", "when the work completed (interval logs)", false),
    (
        "Timestamp",
        "when the event happened (lifecycle or completion-only logs)",
        false,
    ),
    (
        "Lifecycle",
        "start / complete of each event (lifecycle logs)",
        false,
    ),
    (
        "Resource",
        "who did it (a lane, when there is no role)",
        false,
    ),
    ("Role", "the role or group that did it (the lane)", false),
    (
        "Instance",
        "pairs a start with its complete (lifecycle logs)",
        false,
    ),
];

fn role_slot(c: &mut ColumnMap, role: usize) -> &mut Option<String> {
    match role {
        0 => &mut c.case,
        1 => &mut c.activity,
        2 => &mut c.start,
        3 => &mut c.end,
        4 => &mut c.timestamp,
        5 => &mut c.lifecycle,
        6 => &mut c.resource,
        7 => &mut c.role,
        _ => &mut c.instance,
    }
}

/// Whether a dropped file is an event log: an XES log (by name), or a CSV that is not a step
/// table (whose headers have `id` and `name`) and has a column detection knows for a log
/// (case, activity, end or timestamp).
pub fn looks_like_event_log(path: &Path) -> bool {
    match LogFormat::detect(path) {
        Ok(LogFormat::Xes | LogFormat::XesGz) => {
            let name = path.to_string_lossy().to_ascii_lowercase();
            name.ends_with(".xes") || name.ends_with(".xes.gz") || name.ends_with(".gz")
        }
        Ok(LogFormat::Csv) => crate::eventlog::csv_preview(path, 0).is_ok_and(|p| {
            let has = |name: &str| {
                p.headers
                    .iter()
                    .any(|h| h.trim().eq_ignore_ascii_case(name))
            };
            let d = &p.detected;
            !(has("id") && has("name"))
                && (d.case.is_some()
                    || d.activity.is_some()
                    || d.end.is_some()
                    || d.timestamp.is_some())
        }),
        Err(_) => false,
    }
}

/// A CSV log's preview and the columns chosen so far (`Some("")`: none).
struct CsvSetup {
    preview: CsvPreview,
    chosen: ColumnMap,
}

impl CsvSetup {
    /// The layout the chosen columns give: the calibration's own rule
    /// ([`crate::eventlog::csv_layout`]), so the dialog says what the import will do.
    fn layout(&self) -> Option<Layout> {
        crate::eventlog::csv_layout(&self.preview.headers, &self.chosen)
    }
}

/// A calibration on its way.
struct Running {
    progress: Arc<Progress>,
    rx: Receiver<Result<Calibration, EventLogError>>,
}

/// What the dialog asks of the editor after a frame.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Still open.
    Open,
    /// Closed (cancelled, or an error the user has read).
    Closed,
    /// The calibrated map, to open as a new document.
    Done(Box<Calibration>),
}

/// The import dialog of one event log.
pub struct EventLogImport {
    pub path: PathBuf,
    csv: Option<CsvSetup>,
    pub options: Options,
    running: Option<Running>,
    /// The last calibration's error, shown in the dialog (the settings stay to correct).
    pub error: Option<String>,
}

impl EventLogImport {
    /// The dialog for the log at `path`: a CSV log is previewed (its columns detected);
    /// an error names the file and what is wrong with it.
    pub fn open(path: &Path) -> Result<Self, String> {
        let format = LogFormat::detect(path).map_err(|e| e.to_string())?;
        let csv = if format == LogFormat::Csv {
            let preview =
                crate::eventlog::csv_preview(path, PREVIEW_ROWS).map_err(|e| e.to_string())?;
            Some(CsvSetup {
                chosen: preview.detected.clone(),
                preview,
            })
        } else {
            None
        };
        Ok(Self {
            path: path.to_owned(),
            csv,
            options: Options::default(),
            running: None,
            error: None,
        })
    }

    pub fn is_csv(&self) -> bool {
        self.csv.is_some()
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The columns the calibration will use (CSV), as chosen in the dialog.
    pub fn chosen_columns(&self) -> Option<&ColumnMap> {
        self.csv.as_ref().map(|c| &c.chosen)
    }

    /// Chooses the column of role `role` (an index into the dialog's list; `None`: no
    /// column).
    pub fn choose_column(&mut self, role: usize, column: Option<&str>) {
        if let Some(c) = &mut self.csv {
            *role_slot(&mut c.chosen, role) = Some(column.unwrap_or_default().to_owned());
        }
    }

    /// Why the import cannot start yet (a required column missing), if it cannot.
    pub fn not_ready(&self) -> Option<String> {
        let c = self.csv.as_ref()?;
        let mut chosen = c.chosen.clone();
        for (k, (label, _, required)) in ROLES.iter().enumerate() {
            if *required
                && role_slot(&mut chosen, k)
                    .as_deref()
                    .is_none_or(str::is_empty)
            {
                return Some(format!("Choose the {} column.", label.to_lowercase()));
            }
        }
        if c.layout().is_none() {
            return Some(
                "Choose an end column (interval log), a lifecycle and a timestamp column \
                 (lifecycle log) or a timestamp column (completion times only)."
                    .into(),
            );
        }
        None
    }

    /// Starts the calibration on a background thread.
    pub fn start(&mut self, ctx: &egui::Context) {
        if self.running.is_some() || self.not_ready().is_some() {
            return;
        }
        let mut options = self.options.clone();
        if let Some(c) = &self.csv {
            options.columns = c.chosen.clone();
        }
        let progress = Arc::new(Progress::new());
        let (tx, rx) = channel();
        let path = self.path.clone();
        let ctx = ctx.clone();
        let shared = Arc::clone(&progress);
        let spawned = std::thread::Builder::new()
            .name("calibrate".into())
            .spawn(move || {
                let result = crate::eventlog::calibrate_path(&path, &options, &shared);
                // The dialog may be gone (cancelled): then nobody waits for the result.
                let _ = tx.send(result);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.error = None;
                self.running = Some(Running { progress, rx });
            }
            Err(e) => self.error = Some(format!("cannot start the calibration: {e}")),
        }
    }

    /// Stops a running calibration (its thread ends at its next check).
    pub fn cancel(&mut self) {
        if let Some(r) = self.running.take() {
            r.progress.request_cancel();
        }
    }

    fn poll(&mut self) -> ImportOutcome {
        let Some(r) = &self.running else {
            return ImportOutcome::Open;
        };
        match r.rx.try_recv() {
            Ok(result) => self.finish(result),
            Err(TryRecvError::Empty) => ImportOutcome::Open,
            Err(TryRecvError::Disconnected) => {
                self.running = None;
                self.error = Some("the calibration stopped unexpectedly".into());
                ImportOutcome::Open
            }
        }
    }

    fn finish(&mut self, result: Result<Calibration, EventLogError>) -> ImportOutcome {
        self.running = None;
        match result {
            Ok(c) => ImportOutcome::Done(Box::new(c)),
            Err(EventLogError::Cancelled) => ImportOutcome::Closed,
            Err(e) => {
                self.error = Some(e.to_string());
                ImportOutcome::Open
            }
        }
    }

    /// The dialog window, one frame.
    pub fn ui(&mut self, ctx: &egui::Context) -> ImportOutcome {
        let outcome = self.poll();
        if !matches!(outcome, ImportOutcome::Open) {
            return outcome;
        }
        let mut close = false;
        let file = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        egui::Window::new("Import event log")
            .id(egui::Id::new("eventlog-import"))
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(egui::RichText::new(crate::text::escape_control(&file)).strong());
                if let Some(r) = &self.running {
                    running_ui(ui, &r.progress);
                    ctx.request_repaint_after(Duration::from_millis(100));
                    ui.add_space(6.0);
                    if ui.button("Cancel").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        close = true;
                    }
                    return;
                }
                if let Some(c) = &mut self.csv {
                    columns_ui(ui, c);
                } else {
                    ui.label(
                        "An XES log: cases, activities, times, lifecycle transitions, resources \
                         and roles come from its standard attributes.",
                    );
                }
                ui.separator();
                thresholds_ui(ui, &mut self.options);
                if let Some(e) = &self.error {
                    ui.add_space(4.0);
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        crate::text::escape_control(e).as_ref(),
                    );
                }
                ui.add_space(6.0);
                let blocked = self.not_ready();
                ui.horizontal(|ui| {
                    let import = ui
                        .add_enabled(blocked.is_none(), egui::Button::new("Import"))
                        .on_disabled_hover_text(blocked.clone().unwrap_or_default());
                    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter))
                        && !ui.ctx().egui_wants_keyboard_input();
                    if import.clicked() || (enter && blocked.is_none()) {
                        self.start(ctx);
                    }
                    if ui.button("Cancel").clicked()
                        || ui.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        close = true;
                    }
                    if let Some(why) = &blocked {
                        ui.label(why);
                    }
                });
            });
        if close {
            self.cancel();
            return ImportOutcome::Closed;
        }
        ImportOutcome::Open
    }
}

fn running_ui(ui: &mut egui::Ui, progress: &Progress) {
    use std::sync::atomic::Ordering;
    let read = progress.bytes_read.load(Ordering::Relaxed);
    let total = progress.total_bytes.load(Ordering::Relaxed);
    let fraction = progress.fraction() as f32;
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let text = if total > 0 && read < total {
        format!("Reading the log… {:.1} of {:.1} MB", mb(read), mb(total))
    } else {
        "Calibrating the map…".to_owned()
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .show_percentage()
            .animate(true),
    );
    ui.label(text);
}

fn columns_ui(ui: &mut egui::Ui, c: &mut CsvSetup) {
    let headers = c.preview.headers.clone();
    ui.label(format!(
        "Columns (separated by \"{}\"); detected ones are chosen. {}",
        c.preview.delimiter,
        match c.layout() {
            Some(l) => format!("Read as: {}.", l.as_str()),
            None => "Not yet a log valueflow can read.".to_owned(),
        }
    ));
    egui::Grid::new("eventlog-columns")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (k, (label, meaning, required)) in ROLES.iter().enumerate() {
                let role_label = ui.label(if *required {
                    format!("{label} *")
                } else {
                    (*label).to_owned()
                });
                let slot = role_slot(&mut c.chosen, k);
                let shown = slot
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("(none)")
                    .to_owned();
                let combo = egui::ComboBox::from_id_salt(("eventlog-column", k))
                    .selected_text(crate::text::escape_control(&shown).into_owned())
                    .width(200.0)
                    .show_ui(ui, |ui| {
                        if ui.selectable_label(shown == "(none)", "(none)").clicked() {
                            *slot = Some(String::new());
                        }
                        for h in &headers {
                            let on = slot.as_deref() == Some(h.as_str());
                            if ui
                                .selectable_label(on, crate::text::escape_control(h).as_ref())
                                .clicked()
                            {
                                *slot = Some(h.clone());
                            }
                        }
                    });
                // The role's name is the dropdown's accessible label.
                let _ = combo.response.labelled_by(role_label.id);
                ui.weak(*meaning);
                ui.end_row();
            }
        });
    ui.add_space(4.0);
    ui.label("The first rows:");
    egui::ScrollArea::horizontal()
        .id_salt("eventlog-preview")
        .max_height(180.0)
        .show(ui, |ui| {
            egui::Grid::new("eventlog-preview-rows")
                .striped(true)
                .show(ui, |ui| {
                    for h in &headers {
                        ui.strong(crate::text::escape_control(h).as_ref());
                    }
                    ui.end_row();
                    for row in &c.preview.rows {
                        for cell in row {
                            let cell: String = cell.chars().take(32).collect();
                            ui.label(crate::text::escape_control(&cell).as_ref());
                        }
                        ui.end_row();
                    }
                });
        });
}

fn thresholds_ui(ui: &mut egui::Ui, o: &mut Options) {
    egui::Grid::new("eventlog-thresholds")
        .num_columns(3)
        .show(ui, |ui| {
            ui.label("Times");
            ui.horizontal(|ui| {
                ui.radio_value(&mut o.statistic, Statistic::Mean, "mean");
                ui.radio_value(&mut o.statistic, Statistic::Median, "median");
            });
            ui.weak(
                "The mean reproduces the mean case duration; the median ignores a few very long cases.",
            );
            ui.end_row();
            let share = |ui: &mut egui::Ui, label: &str, v: &mut f64, meaning: &str| {
                ui.label(label);
                let mut pct = *v * 100.0;
                if ui
                    .add(
                        egui::DragValue::new(&mut pct)
                            .range(0.0..=100.0)
                            .speed(0.1)
                            .suffix(" %")
                            .max_decimals(2),
                    )
                    .changed()
                {
                    *v = (pct / 100.0).clamp(0.0, 1.0);
                }
                ui.weak(meaning);
                ui.end_row();
            };
            share(
                ui,
                "Minimum activity",
                &mut o.min_activity,
                "Activities in fewer cases than this are left out (their time goes to the next step's wait).",
            );
            share(
                ui,
                "Minimum flow",
                &mut o.min_flow,
                "Rarer paths out of a step are left out (each step keeps its most frequent one).",
            );
            share(
                ui,
                "Concurrency",
                &mut o.min_conc,
                "Two activities seen in both orders (or overlapping) this often run in parallel.",
            );
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of a log whose headers are the usual case and activity columns and `e`,
    /// `l`, `t`, with some of those chosen for a role.
    fn layout_of(pairs: &[(&str, &str)]) -> Option<Layout> {
        let mut c = ColumnMap::default();
        for (role, name) in pairs {
            let slot = match *role {
                "end" => &mut c.end,
                "timestamp" => &mut c.timestamp,
                "lifecycle" => &mut c.lifecycle,
                _ => &mut c.case,
            };
            *slot = Some((*name).to_owned());
        }
        let headers = ["case_id", "activity", "e", "l", "t"].map(str::to_owned);
        CsvSetup {
            preview: CsvPreview {
                delimiter: ',',
                headers: headers.to_vec(),
                rows: Vec::new(),
                detected: ColumnMap::default(),
                layout: None,
            },
            chosen: c,
        }
        .layout()
    }

    #[test]
    fn the_chosen_columns_decide_the_layout() {
        assert_eq!(layout_of(&[("end", "e")]), Some(Layout::Interval));
        assert_eq!(
            layout_of(&[("lifecycle", "l"), ("timestamp", "t")]),
            Some(Layout::Lifecycle)
        );
        assert_eq!(layout_of(&[("timestamp", "t")]), Some(Layout::CompleteOnly));
        // A column chosen as "(none)" counts as none.
        assert_eq!(layout_of(&[("end", "")]), None);
        assert_eq!(layout_of(&[("lifecycle", "l")]), None);
    }
}
