//! The challenge worksheet: every step in one table (egui_extras' TableBuilder, rows drawn
//! only where visible), sortable by any column, filtered by lane, touchpoint, value, finding
//! and disposition, edited in place. Each edit is one undo step. Keys: arrows move the
//! current cell, Enter edits it (or, in a column of choices, takes the next choice), Enter
//! again or leaving the field commits, Esc cancels.

use super::challenge::disposition_for;
use super::theme;
use crate::analysis::{Analysis, Rule};
use crate::document::Command;
use crate::model::{DispositionKind, Map, Review, StepField, StepId, Touchpoint, Value};
use crate::units::parse_duration;
use crate::view::worksheet::{COLUMNS, Column, Filter, Row, rows};
use egui::{Key, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

/// The worksheet's view state (while it is open).
#[derive(Debug, Clone, Default)]
pub struct Worksheet {
    pub filter: Filter,
    /// The sorted column and whether ascending; `None`: map order.
    pub sort: Option<(Column, bool)>,
    /// The current cell: its step and column index.
    pub cursor: Option<(StepId, usize)>,
    /// The text being typed into the current cell.
    editing: Option<String>,
    /// Scroll the current row into view next frame.
    scroll_to_cursor: bool,
    /// The rows shown, with the map revision, filter and sort they were made for.
    cache: Option<(u64, Filter, Sort, Vec<Row>)>,
}

/// The sorted column and whether ascending.
type Sort = Option<(Column, bool)>;

/// What the worksheet asks the editor to do.
#[derive(Debug, Clone, PartialEq)]
pub enum WorksheetRequest {
    Execute(Command),
    /// Make this step the selection (the inspector shows it).
    Select(StepId),
    /// Say something in the status bar (e.g. a time that does not parse).
    Status(String),
}

/// The width each column starts with.
fn width(c: Column) -> f32 {
    match c {
        Column::Lane => 120.0,
        Column::Step => 210.0,
        Column::Touchpoint => 120.0,
        Column::Value => 95.0,
        Column::Work | Column::Wait => 70.0,
        Column::Findings => 190.0,
        Column::Answer(_) => 170.0,
        Column::Disposition => 160.0,
        Column::Rationale => 220.0,
    }
}

impl Worksheet {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// The worksheet in the central panel.
    /// `revision` is the map's: rows are made again only when it, the filter or the sort
    /// changes.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        map: &Map,
        analysis: &Analysis,
        revision: u64,
    ) -> Vec<WorksheetRequest> {
        let mut out = Vec::new();
        self.filter_bar(ui, map);
        let shown = match self.cache.take() {
            Some((r, f, s, rows)) if r == revision && f == self.filter && s == self.sort => rows,
            _ => rows(map, analysis, &self.filter, self.sort),
        };
        if let Some((id, _)) = &self.cursor
            && !shown.iter().any(|r| &r.id == id)
        {
            self.cursor = None;
            self.editing = None;
        }
        self.keys(ui, map, &shown, &mut out);
        let cursor_row = self
            .cursor
            .as_ref()
            .and_then(|(id, _)| shown.iter().position(|r| &r.id == id));
        egui::ScrollArea::horizontal()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let mut table = TableBuilder::new(ui)
                    .id_salt("worksheet")
                    .striped(true)
                    .resizable(true)
                    .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                    .min_scrolled_height(0.0);
                for &c in &COLUMNS {
                    table = table.column(TableColumn::initial(width(c)).at_least(48.0).clip(true));
                }
                if self.scroll_to_cursor
                    && let Some(k) = cursor_row
                {
                    table = table.scroll_to_row(k, None);
                    self.scroll_to_cursor = false;
                }
                table
                    .header(24.0, |mut header| {
                        for &c in &COLUMNS {
                            header.col(|ui| {
                                let arrow = match self.sort {
                                    Some((s, true)) if s == c => " ⏶",
                                    Some((s, false)) if s == c => " ⏷",
                                    _ => "",
                                };
                                let r = ui
                                    .add(
                                        egui::Button::new(
                                            RichText::new(format!("{}{arrow}", c.title())).strong(),
                                        )
                                        .frame(false),
                                    )
                                    .on_hover_text(format!(
                                        "{}\nClick to sort; again to reverse.",
                                        c.help()
                                    ));
                                if r.clicked() {
                                    self.sort = match self.sort {
                                        Some((s, true)) if s == c => Some((c, false)),
                                        Some((s, false)) if s == c => None,
                                        _ => Some((c, true)),
                                    };
                                }
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(26.0, shown.len(), |mut row| {
                            let r = &shown[row.index()];
                            for (k, &c) in COLUMNS.iter().enumerate() {
                                row.col(|ui| self.cell(ui, map, r, k, c, &mut out));
                            }
                        });
                    });
            });
        self.cache = Some((revision, self.filter.clone(), self.sort, shown));
        out
    }

    fn filter_bar(&mut self, ui: &mut egui::Ui, map: &Map) {
        ui.horizontal_wrapped(|ui| {
            ui.heading("Challenge worksheet");
            ui.add_space(12.0);
            let f = &mut self.filter;
            filter_combo(ui, "Lane", "ws-lane", &mut f.lane, map.lanes(), |l| {
                (l.id.clone(), l.name.clone())
            });
            filter_combo(
                ui,
                "Touchpoint",
                "ws-touch",
                &mut f.touchpoint,
                Touchpoint::ALL,
                |t| {
                    (
                        *t,
                        match t {
                            Touchpoint::Customer => "customer-facing".to_owned(),
                            Touchpoint::Internal => "internal".to_owned(),
                        },
                    )
                },
            );
            filter_combo(ui, "Value", "ws-value", &mut f.value, Value::ALL, |v| {
                (*v, v.as_str().to_owned())
            });
            filter_combo(ui, "Finding", "ws-rule", &mut f.rule, Rule::ALL, |r| {
                (*r, r.title().to_owned())
            });
            filter_combo(
                ui,
                "Disposition",
                "ws-disposition",
                &mut f.disposition,
                DispositionKind::ALL,
                |d| (*d, d.as_str().to_owned()),
            );
            if ui
                .add_enabled(*f != Filter::default(), egui::Button::new("Clear filters"))
                .clicked()
            {
                *f = Filter::default();
            }
        });
    }

    /// Arrow keys, Enter and Esc (when no other field has the keyboard).
    fn keys(&mut self, ui: &egui::Ui, map: &Map, shown: &[Row], out: &mut Vec<WorksheetRequest>) {
        if self.editing.is_some() || ui.ctx().egui_wants_keyboard_input() || shown.is_empty() {
            return;
        }
        let (row, col) = match &self.cursor {
            Some((id, col)) => (shown.iter().position(|r| &r.id == id).unwrap_or(0), *col),
            None => (0, 1),
        };
        let pressed = |k: Key| ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, k));
        let mut moved = None;
        if pressed(Key::ArrowDown) {
            moved = Some(((row + 1).min(shown.len() - 1), col));
        } else if pressed(Key::ArrowUp) {
            moved = Some((row.saturating_sub(1), col));
        } else if pressed(Key::ArrowRight) {
            moved = Some((row, (col + 1).min(COLUMNS.len() - 1)));
        } else if pressed(Key::ArrowLeft) {
            moved = Some((row, col.saturating_sub(1)));
        }
        if let Some((r, c)) = moved {
            self.cursor = Some((shown[r].id.clone(), c));
            self.scroll_to_cursor = true;
            out.push(WorksheetRequest::Select(shown[r].id.clone()));
            return;
        }
        if self.cursor.is_some() && pressed(Key::Enter) {
            let r = &shown[row];
            let c = COLUMNS[col];
            if c.is_text() || c.is_duration() {
                self.editing = Some(r.cell(c).to_owned());
            } else if let Some(command) = next_choice(map, &r.id, c) {
                out.push(WorksheetRequest::Execute(command));
            }
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one cell needs the map, its row, its place and where requests go"
    )]
    fn cell(
        &mut self,
        ui: &mut egui::Ui,
        map: &Map,
        r: &Row,
        k: usize,
        c: Column,
        out: &mut Vec<WorksheetRequest>,
    ) {
        let current = self.cursor.as_ref() == Some(&(r.id.clone(), k));
        if current && let Some(buffer) = &mut self.editing {
            let id = ui.id().with(("ws-edit", r.id.as_str(), k));
            if ui.input(|i| i.key_pressed(Key::Escape)) {
                // Esc cancels: the cell shows its value again.
                self.editing = None;
                ui.memory_mut(|m| m.surrender_focus(id));
                return;
            }
            let response = ui.add(
                egui::TextEdit::singleline(buffer)
                    .id(id)
                    .desired_width(f32::INFINITY),
            );
            if !response.has_focus() && !response.lost_focus() {
                response.request_focus();
            }
            if response.lost_focus() {
                let text = std::mem::take(buffer);
                self.editing = None;
                if text != r.cell(c) {
                    match edit(map, &r.id, c, &text) {
                        Ok(Some(command)) => out.push(WorksheetRequest::Execute(command)),
                        Ok(None) => {}
                        Err(message) => out.push(WorksheetRequest::Status(message)),
                    }
                }
            }
            return;
        }
        let choice = match c {
            Column::Lane | Column::Touchpoint | Column::Value | Column::Disposition => {
                self.choice_cell(ui, map, r, c, out)
            }
            _ => None,
        };
        let response = match choice {
            Some(r) => r,
            None => {
                let text = r.cell(c);
                let mut rich = RichText::new(text);
                if c == Column::Findings && !text.is_empty() {
                    rich = rich.color(theme::palette(ui.visuals().dark_mode).error_text);
                }
                ui.add(
                    egui::Label::new(rich)
                        .truncate()
                        .sense(egui::Sense::click()),
                )
                .on_hover_text(text)
            }
        };
        if current {
            ui.painter().rect_stroke(
                ui.max_rect(),
                2.0,
                ui.visuals().selection.stroke,
                egui::StrokeKind::Inside,
            );
        }
        if response.clicked() || response.double_clicked() {
            self.cursor = Some((r.id.clone(), k));
            out.push(WorksheetRequest::Select(r.id.clone()));
            if response.double_clicked() && (c.is_text() || c.is_duration()) {
                self.editing = Some(r.cell(c).to_owned());
            }
        }
    }

    /// A cell of choices (lane, touchpoint, value, disposition): a compact combo box.
    fn choice_cell(
        &mut self,
        ui: &mut egui::Ui,
        map: &Map,
        r: &Row,
        c: Column,
        out: &mut Vec<WorksheetRequest>,
    ) -> Option<egui::Response> {
        let step = map.step(&r.id)?;
        let options: Vec<(String, StepField)> = match c {
            Column::Lane => map
                .lanes()
                .iter()
                .map(|l| (l.name.clone(), StepField::Lane(Some(l.id.clone()))))
                .collect(),
            Column::Touchpoint => vec![
                (
                    "customer-facing".into(),
                    StepField::Touchpoint(Touchpoint::Customer),
                ),
                (
                    "internal".into(),
                    StepField::Touchpoint(Touchpoint::Internal),
                ),
            ],
            Column::Value => Value::ALL
                .iter()
                .map(|v| (v.as_str().to_owned(), StepField::Value(*v)))
                .collect(),
            Column::Disposition => DispositionKind::ALL
                .iter()
                .filter_map(|&d| {
                    let review = review_with(step.review.as_deref(), |rv| {
                        disposition_for(map, &r.id, &rv.disposition, d).map(|new| {
                            rv.disposition = new;
                        })
                    })?;
                    Some((d.as_str().to_owned(), review))
                })
                .collect(),
            _ => return None,
        };
        let current = r.cell(c).to_owned();
        let inner = egui::ComboBox::from_id_salt(("ws-choice", r.id.as_str(), c.title()))
            .selected_text(current.clone())
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                for (label, field) in options {
                    let selected = label == current
                        || (c == Column::Disposition && current.starts_with(&label));
                    if ui.selectable_label(selected, &label).clicked() && !selected {
                        out.push(WorksheetRequest::Execute(Command::SetStepField(
                            r.id.clone(),
                            field,
                        )));
                    }
                }
            });
        Some(inner.response)
    }
}

/// A filter of one kind: "Any" or one of the options.
fn filter_combo<T, K: Clone + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    salt: &str,
    value: &mut Option<K>,
    options: &[T],
    entry: impl Fn(&T) -> (K, String),
) {
    ui.label(label);
    let entries: Vec<(K, String)> = options.iter().map(&entry).collect();
    let shown = value
        .as_ref()
        .and_then(|v| entries.iter().find(|(k, _)| k == v))
        .map_or_else(|| "Any".to_owned(), |(_, name)| name.clone());
    egui::ComboBox::from_id_salt(salt)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            if ui.selectable_label(value.is_none(), "Any").clicked() {
                *value = None;
            }
            for (k, name) in entries {
                let selected = value.as_ref() == Some(&k);
                if ui.selectable_label(selected, name).clicked() {
                    *value = Some(k);
                }
            }
        });
}

/// The step's review with one change made (`None` when the change cannot be made).
fn review_with(
    review: Option<&Review>,
    change: impl FnOnce(&mut Review) -> Option<()>,
) -> Option<StepField> {
    let mut r = review.cloned().unwrap_or_default();
    change(&mut r)?;
    Some(StepField::Review(Some(Box::new(r))))
}

/// The command for text typed into a cell; `Err` says why it is not taken.
pub fn edit(map: &Map, id: &StepId, c: Column, text: &str) -> Result<Option<Command>, String> {
    let Some(step) = map.step(id) else {
        return Ok(None);
    };
    let field = match c {
        Column::Step => StepField::Name(text.to_owned()),
        Column::Work | Column::Wait => {
            let mins = parse_duration(text).map_err(|e| format!("Not changed: {e}"))?;
            if c == Column::Work {
                StepField::WorkMins(mins)
            } else {
                StepField::WaitMins(mins)
            }
        }
        Column::Answer(k) => match review_with(step.review.as_deref(), |r| {
            *r.answers.get_mut(k)? = text.to_owned();
            Some(())
        }) {
            Some(f) => f,
            None => return Ok(None),
        },
        Column::Rationale => match review_with(step.review.as_deref(), |r| {
            r.rationale = text.to_owned();
            Some(())
        }) {
            Some(f) => f,
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some(Command::SetStepField(id.clone(), field)))
}

/// Enter on a cell of choices: the next choice (one undo step).
fn next_choice(map: &Map, id: &StepId, c: Column) -> Option<Command> {
    let step = map.step(id)?;
    let next = |k: usize, n: usize| (k + 1) % n.max(1);
    let field = match c {
        Column::Touchpoint => StepField::Touchpoint(match step.touchpoint {
            Touchpoint::Customer => Touchpoint::Internal,
            Touchpoint::Internal => Touchpoint::Customer,
        }),
        Column::Value => {
            let k = Value::ALL.iter().position(|&v| v == step.value)?;
            StepField::Value(Value::ALL[next(k, Value::ALL.len())])
        }
        Column::Lane => {
            let lanes = map.lanes();
            let k = lanes
                .iter()
                .position(|l| Some(&l.id) == step.lane.as_ref())?;
            StepField::Lane(Some(lanes[next(k, lanes.len())].id.clone()))
        }
        Column::Disposition => {
            let all = DispositionKind::ALL;
            let k = all.iter().position(|&d| d == step.disposition().kind())?;
            // The next disposition that can be given (a merge needs a step to go into).
            (1..=all.len()).find_map(|j| {
                let d = all[(k + j) % all.len()];
                review_with(step.review.as_deref(), |r| {
                    r.disposition = disposition_for(map, id, &r.disposition, d)?;
                    Some(())
                })
            })?
        }
        _ => return None,
    };
    Some(Command::SetStepField(id.clone(), field))
}
