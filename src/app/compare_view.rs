//! File → Compare with…: the open map (above) and another map file (below, read-only) side
//! by side, removed steps marked on the open map, added and changed ones on the other, the
//! metric deltas in a table (`crate::compare`), an option to move both views together, and
//! a step selected in one selected in the other.

use super::canvas::{Canvas, Selection};
use super::commands::CommandState;
use crate::analysis::{Analysis, analyze};
use crate::compare::{StepChanges, compare};
use crate::model::{Map, StepId};
use egui::RichText;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The compare view's state.
pub struct CompareView {
    pub path: PathBuf,
    pub map: Map,
    pub analysis: Analysis,
    pub canvas: Canvas,
    pub selection: Selection,
    /// Pan and zoom both views together.
    pub linked: bool,
    /// The lower map's height is fitted to its half once the half is laid out.
    fit_pending: bool,
    /// The open map's canvas' fits seen so far.
    main_fits: u32,
    /// Show the metrics table.
    pub show_table: bool,
    /// The open map's revision the comparison below was made for.
    made_for: Option<u64>,
    pub steps: Option<StepChanges>,
    /// Name, open map, other map, change: one row per metric.
    pub rows: Vec<[String; 4]>,
}

impl CompareView {
    /// Opens the other map of the comparison.
    pub fn open(path: &Path) -> Result<Self, crate::format::LoadError> {
        let map = crate::format::load_file(path)?;
        let analysis = analyze(&map);
        let mut canvas = Canvas::with_id("valueflow-compare-canvas");
        canvas.show_minimap = false;
        canvas.read_only = true;
        // It starts linked: it follows the open map's view (which is fitted) across, and is
        // fitted to its own half up and down.
        canvas.cancel_fit();
        Ok(Self {
            path: path.to_owned(),
            map,
            analysis,
            canvas,
            selection: Selection::default(),
            linked: true,
            fit_pending: true,
            main_fits: 0,
            show_table: true,
            made_for: None,
            steps: None,
            rows: Vec::new(),
        })
    }

    /// Compares again when the open map changed.
    pub fn refresh(&mut self, map: &Map, analysis: &Analysis, revision: u64) {
        if self.made_for == Some(revision) {
            return;
        }
        self.made_for = Some(revision);
        let c = compare(map, analysis, &self.map, &self.analysis);
        self.rows = c.rows();
        self.steps = Some(c.steps);
    }

    /// The open map's steps that the other map does not have (marked on the open map).
    pub fn removed(&self) -> HashSet<StepId> {
        self.steps
            .as_ref()
            .map(|s| s.removed.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The other map's new and changed steps (marked on it).
    fn added_or_changed(&self) -> HashSet<StepId> {
        self.steps
            .as_ref()
            .map(|s| {
                s.added
                    .iter()
                    .cloned()
                    .chain(s.changed.iter().map(|c| c.step.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The lower half: a bar (file, link option, table, close) and the other map's canvas.
    /// `main` is the open map's canvas (linked views follow each other) and `selection` its
    /// selection (a step selected here selects its twin there). Returns false when closed.
    pub fn ui(&mut self, ui: &mut egui::Ui, main: &mut Canvas, selection: &mut Selection) -> bool {
        let mut open = true;
        let area = ui.max_rect();
        ui.painter().rect_filled(area, 0.0, ui.visuals().panel_fill);
        ui.horizontal_wrapped(|ui| {
            if ui.button("Close compare").clicked() {
                open = false;
            }
            let name = self
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.label(RichText::new(format!("Compared with {name}")).strong())
                .on_hover_text(self.path.display().to_string());
            ui.checkbox(&mut self.linked, "Move both views together");
            ui.toggle_value(&mut self.show_table, "Metrics");
            ui.label(
                RichText::new(
                    "Marked: above, steps it does not have; below, its new and changed steps",
                )
                .small()
                .weak(),
            );
        });
        // The twin of the open map's selection.
        let twins: Vec<StepId> = selection
            .steps
            .iter()
            .filter(|id| self.map.contains_step(id))
            .cloned()
            .collect();
        if twins != self.selection.steps {
            self.selection.steps = twins;
            self.selection.flow = None;
        }
        let before = self.selection.steps.clone();
        self.canvas.sync(&self.map, &self.analysis, 0, 0);
        // Linked, the two follow each other across (the same zoom and horizontal pan: what
        // is at some x above is at that x below); up and down each has its own place and
        // stretch, as their lanes differ.
        if self.linked {
            self.canvas.follow(main.zoom, main.pan.x);
            if main.fits != self.main_fits {
                // The view above was fitted: this one's height is fitted again too.
                self.fit_pending = true;
            }
        }
        self.main_fits = main.fits;
        let marks = self.added_or_changed();
        // Read-only (`Canvas::read_only`): the canvas asks for no change.
        let requests = self.canvas.ui(
            ui,
            &mut self.selection,
            &marks,
            false,
            &self.analysis,
            CommandState::default(),
        );
        debug_assert!(
            requests.is_empty(),
            "a read-only canvas asked for {requests:?}"
        );
        if self.fit_pending && self.canvas.rect.height() > 1.0 {
            // The first frame laid the canvas out: its lanes now fill the lower half.
            self.fit_pending = false;
            self.canvas.fit_vertically();
            ui.ctx().request_repaint();
        }
        if self.linked {
            main.follow(self.canvas.zoom, self.canvas.pan.x);
        }
        if self.selection.steps != before {
            selection.steps = self.selection.steps.clone();
            selection.flow = None;
        }
        if self.show_table {
            self.table_window(ui.ctx(), area);
        }
        open
    }

    /// The metric deltas, in a window that starts at the bottom right of the lower half.
    fn table_window(&mut self, ctx: &egui::Context, area: egui::Rect) {
        let mut show = self.show_table;
        egui::Window::new("Metrics compared")
            .open(&mut show)
            .resizable(false)
            .pivot(egui::Align2::RIGHT_BOTTOM)
            .default_pos(area.right_bottom() - egui::vec2(12.0, 12.0))
            .show(ctx, |ui| {
                egui::Grid::new("compare-metrics")
                    .striped(true)
                    .num_columns(4)
                    .show(ui, |ui| {
                        for h in ["Metric", "This map", "Compared", "Change"] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for r in &self.rows {
                            for cell in r {
                                ui.label(cell);
                            }
                            ui.end_row();
                        }
                    });
                if let Some(s) = &self.steps {
                    ui.separator();
                    ui.label(format!(
                        "Steps: {} removed, {} added, {} changed, {} unchanged",
                        s.removed.len(),
                        s.added.len(),
                        s.changed.len(),
                        s.unchanged
                    ));
                }
            });
        self.show_table = show;
    }
}
