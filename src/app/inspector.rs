//! The inspector side panel: fields of the selected step(s) or flow, or of the map and its
//! lanes when nothing is selected. Text fields commit once, when the edit is finished (focus
//! leaves or Enter), so each committed edit is one undo step; Escape reverts.

use super::canvas::Selection;
use super::theme;
use crate::analysis::Analysis;
use crate::document::Command;
use crate::model::{
    FlowField, FlowKind, LaneField, LaneId, Map, MapField, StepField, StepId, StepKind, Touchpoint,
    Value,
};
use crate::units::{format_duration, parse_duration};
use crate::view::format_percent;
use egui::{Color32, RichText, TextEdit};

/// What the inspector asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum InspectorRequest {
    Execute(Command),
    /// Ask where a non-empty lane's steps go before deleting it.
    ConfirmRemoveLane(LaneId),
    /// Select and show a step.
    Focus(StepId),
}

/// The colour of text that says what is wrong with an input.
pub(super) fn error_color(ui: &egui::Ui) -> Color32 {
    theme::palette(ui.visuals().dark_mode).error_text
}

/// A text field that hands back its text only when an edit is committed and changed.
pub(super) fn committed_text(
    ui: &mut egui::Ui,
    label: egui::Id,
    salt: &str,
    current: &str,
    multiline: bool,
    hint: &str,
) -> Option<String> {
    let id = ui.id().with(("inspector-field", salt));
    let mut buffer = ui
        .data_mut(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| current.to_owned());
    let edit = if multiline {
        TextEdit::multiline(&mut buffer).desired_rows(3)
    } else {
        TextEdit::singleline(&mut buffer)
    };
    let response = ui
        .add(edit.id(id).hint_text(hint).desired_width(f32::INFINITY))
        .labelled_by(label);
    if response.has_focus() {
        ui.data_mut(|d| d.insert_temp(id, buffer.clone()));
        return None;
    }
    ui.data_mut(|d| d.remove::<String>(id));
    let reverted = ui.input(|i| i.key_pressed(egui::Key::Escape));
    (response.lost_focus() && !reverted && buffer != current).then_some(buffer)
}

/// A duration field: accepts `90`, `1h 30m`, `2d`, `1.5h`; shows a problem inline and keeps
/// the bad text in view (uncommitted) until it is fixed or reverted with Escape.
fn committed_duration(
    ui: &mut egui::Ui,
    label: egui::Id,
    salt: &str,
    current_mins: f64,
) -> Option<f64> {
    committed_optional_duration(ui, label, salt, Some(current_mins), "").flatten()
}

/// A duration field that may also be left empty (`None`, shown with `empty_hint`): hands
/// back `Some(new value)` when an edit is committed and changed.
pub(super) fn committed_optional_duration(
    ui: &mut egui::Ui,
    label: egui::Id,
    salt: &str,
    current: Option<f64>,
    empty_hint: &str,
) -> Option<Option<f64>> {
    let optional = !empty_hint.is_empty();
    let parse = |text: &str| -> Result<Option<f64>, crate::units::DurationError> {
        if optional && text.trim().is_empty() {
            Ok(None)
        } else {
            parse_duration(text).map(Some)
        }
    };
    let id = ui.id().with(("inspector-duration", salt));
    let stored = ui.data_mut(|d| d.get_temp::<String>(id));
    let mut buffer = stored
        .clone()
        .unwrap_or_else(|| current.map(format_duration).unwrap_or_default());
    let invalid = parse(&buffer).is_err();
    let mut edit = TextEdit::singleline(&mut buffer)
        .id(id)
        .hint_text(empty_hint)
        .desired_width(f32::INFINITY);
    if invalid {
        edit = edit.text_color(error_color(ui));
    }
    let response = ui
        .add(edit)
        .labelled_by(label)
        .on_hover_text("Minutes, or e.g. 45m, 1h 30m, 1.5h, 2d (a day is 24 hours)");
    let parsed = parse(&buffer);
    if let Err(e) = &parsed {
        ui.colored_label(error_color(ui), e.to_string());
    }
    if response.has_focus() {
        ui.data_mut(|d| d.insert_temp(id, buffer));
        return None;
    }
    let reverted = ui.input(|i| i.key_pressed(egui::Key::Escape));
    if response.lost_focus() && !reverted {
        return match parsed {
            Ok(v) => {
                ui.data_mut(|d| d.remove::<String>(id));
                let changed = match (v, current) {
                    (Some(a), Some(b)) => (a - b).abs() > 1e-9,
                    (a, b) => a.is_some() != b.is_some(),
                };
                changed.then_some(v)
            }
            Err(_) => {
                ui.data_mut(|d| d.insert_temp(id, buffer));
                None
            }
        };
    }
    if reverted || stored.is_none() || parsed.is_ok() {
        ui.data_mut(|d| d.remove::<String>(id));
    }
    None
}

/// Parses a probability typed as `0.3`, `30`, `30%`; empty means "share the remainder".
pub fn parse_probability(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = number
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("\"{t}\" is not a probability; use e.g. 0.3 or 30%"))?;
    let p = if percent || v > 1.0 { v / 100.0 } else { v };
    if !(0.0..=1.0).contains(&p) || !p.is_finite() {
        return Err("a probability is between 0 and 100%".to_owned());
    }
    Ok(Some(p))
}

pub(super) fn combo<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    salt: &str,
    current: T,
    all: &[T],
    name: impl Fn(T) -> String,
) -> Option<T> {
    let mut chosen = None;
    egui::ComboBox::from_id_salt(salt)
        .selected_text(name(current))
        .width(ui.available_width())
        .show_ui(ui, |ui| {
            for &v in all {
                if ui.selectable_label(v == current, name(v)).clicked() && v != current {
                    chosen = Some(v);
                }
            }
        });
    chosen
}

pub fn kind_name(k: StepKind) -> String {
    match k {
        StepKind::Start => "Start",
        StepKind::Activity => "Activity",
        StepKind::Decision => "Decision",
        StepKind::Wait => "Wait (queue)",
        StepKind::End => "End",
    }
    .to_owned()
}

pub fn value_name(v: Value) -> String {
    match v {
        Value::Customer => "Customer value",
        Value::Business => "Business value only",
        Value::None => "No value",
        Value::Unassessed => "Not assessed",
    }
    .to_owned()
}

fn lane_combo(
    ui: &mut egui::Ui,
    salt: &str,
    map: &Map,
    current: Option<&LaneId>,
) -> Option<LaneId> {
    let name = |id: Option<&LaneId>| {
        id.and_then(|l| map.lane(l))
            .map_or_else(|| "(none)".to_owned(), |l| l.name.clone())
    };
    let mut chosen = None;
    egui::ComboBox::from_id_salt(salt)
        .selected_text(name(current))
        .width(ui.available_width())
        .show_ui(ui, |ui| {
            for lane in map.lanes() {
                if ui
                    .selectable_label(Some(&lane.id) == current, &lane.name)
                    .clicked()
                    && Some(&lane.id) != current
                {
                    chosen = Some(lane.id.clone());
                }
            }
        });
    chosen
}

/// A field's caption; returns its id so the field can be labelled by it (screen readers,
/// UI tests).
pub(super) fn field_label(ui: &mut egui::Ui, text: &str) -> egui::Id {
    ui.add_space(4.0);
    ui.label(RichText::new(text).small().strong()).id
}

/// The inspector's contents for the current selection.
pub fn inspector_ui(
    ui: &mut egui::Ui,
    map: &Map,
    analysis: &Analysis,
    selection: &Selection,
) -> Vec<InspectorRequest> {
    let mut out = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if let Some((from, to, kind)) = &selection.flow {
                flow_ui(ui, map, from, to, *kind, &mut out);
            } else if selection.steps.len() == 1 {
                step_ui(ui, map, &selection.steps[0], &mut out);
                super::challenge::challenge_ui(ui, map, analysis, &selection.steps[0], &mut out);
            } else if selection.steps.len() > 1 {
                multi_ui(ui, map, &selection.steps, &mut out);
            } else {
                map_ui(ui, map, &mut out);
            }
        });
    out
}

fn step_ui(ui: &mut egui::Ui, map: &Map, id: &StepId, out: &mut Vec<InspectorRequest>) {
    let Some(s) = map.step(id) else { return };
    let set =
        |field: StepField| InspectorRequest::Execute(Command::SetStepField(id.clone(), field));
    ui.heading("Step");
    ui.label(RichText::new(format!("id: {id}")).small().weak());
    let label = field_label(ui, "Name");
    if let Some(v) = committed_text(
        ui,
        label,
        &format!("{id}-name"),
        &s.name,
        false,
        "What happens in this step",
    ) {
        out.push(set(StepField::Name(v)));
    }
    ui.columns(2, |cols| {
        field_label(&mut cols[0], "Lane (who)");
        if let Some(l) = lane_combo(&mut cols[0], "lane", map, s.lane.as_ref()) {
            out.push(set(StepField::Lane(Some(l))));
        }
        field_label(&mut cols[1], "Kind");
        if let Some(k) = combo(&mut cols[1], "kind", s.kind, StepKind::ALL, kind_name) {
            out.push(set(StepField::Kind(k)));
        }
    });
    field_label(ui, "Customer");
    let mut customer = s.touchpoint == Touchpoint::Customer;
    if ui
        .checkbox(
            &mut customer,
            "Customer-facing (the customer sees or takes part)  [T]",
        )
        .changed()
        && let Some(c) = Command::toggle_customer_facing(map, std::slice::from_ref(id))
    {
        out.push(InspectorRequest::Execute(c));
    }
    ui.columns(2, |cols| {
        let label = field_label(&mut cols[0], "Work time");
        if let Some(v) = committed_duration(&mut cols[0], label, &format!("{id}-work"), s.work_mins)
        {
            out.push(set(StepField::WorkMins(v)));
        }
        let label = field_label(&mut cols[1], "Wait before it");
        if let Some(v) = committed_duration(&mut cols[1], label, &format!("{id}-wait"), s.wait_mins)
        {
            out.push(set(StepField::WaitMins(v)));
        }
    });
    if let Some(o) = crate::eventlog::parse_observed(&s.notes) {
        super::observed::observed_ui(ui, &o);
    }
    field_label(ui, "Value to the customer");
    if let Some(v) = combo(ui, "value", s.value, Value::ALL, value_name) {
        out.push(set(StepField::Value(v)));
    }
    let label = field_label(ui, "Benefit to the customer");
    if let Some(v) = committed_text(
        ui,
        label,
        &format!("{id}-benefit"),
        &s.benefit,
        true,
        "What does this step do for the customer?",
    ) {
        out.push(set(StepField::Benefit(v)));
    }
    let label = field_label(ui, "System");
    if let Some(v) = committed_text(
        ui,
        label,
        &format!("{id}-system"),
        &s.system,
        false,
        "Technology used, e.g. SAP, email, paper",
    ) {
        out.push(set(StepField::System(v)));
    }
    let label = field_label(ui, "Notes");
    if let Some(v) = committed_text(ui, label, &format!("{id}-notes"), &s.notes, true, "") {
        out.push(set(StepField::Notes(v)));
    }
}

fn multi_ui(ui: &mut egui::Ui, map: &Map, ids: &[StepId], out: &mut Vec<InspectorRequest>) {
    ui.heading(format!("{} steps selected", ids.len()));
    let all = |f: &dyn Fn() -> StepField| {
        InspectorRequest::Execute(Command::SetStepFields(
            ids.iter().map(|id| (id.clone(), f())).collect(),
        ))
    };
    field_label(ui, "Customer");
    ui.horizontal(|ui| {
        if ui.button("👤 Customer-facing").clicked() {
            out.push(all(&|| StepField::Touchpoint(Touchpoint::Customer)));
        }
        if ui.button("Internal").clicked() {
            out.push(all(&|| StepField::Touchpoint(Touchpoint::Internal)));
        }
    });
    field_label(ui, "Value to the customer");
    ui.horizontal_wrapped(|ui| {
        for &v in Value::ALL {
            if ui.button(value_name(v)).clicked() {
                out.push(all(&|| StepField::Value(v)));
            }
        }
    });
    if !map.lanes().is_empty() {
        field_label(ui, "Move to lane");
        ui.horizontal_wrapped(|ui| {
            for lane in map.lanes() {
                if ui.button(&lane.name).clicked() {
                    let l = lane.id.clone();
                    out.push(all(&|| StepField::Lane(Some(l.clone()))));
                }
            }
        });
    }
    ui.add_space(8.0);
    for id in ids {
        if let Some(s) = map.step(id)
            && ui
                .link(if s.name.is_empty() {
                    id.as_str()
                } else {
                    &s.name
                })
                .clicked()
        {
            out.push(InspectorRequest::Focus(id.clone()));
        }
    }
}

fn flow_ui(
    ui: &mut egui::Ui,
    map: &Map,
    from: &StepId,
    to: &StepId,
    kind: FlowKind,
    out: &mut Vec<InspectorRequest>,
) {
    let Some(e) = map.find_flow(from, to, kind) else {
        return;
    };
    let flow = &map.graph()[e];
    let name = |id: &StepId| {
        map.step(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    ui.heading(if kind == FlowKind::Work {
        "Work flow"
    } else {
        "Information flow"
    });
    ui.label(format!("{} → {}", name(from), name(to)));
    field_label(ui, "Kind");
    let kinds = [FlowKind::Work, FlowKind::Information];
    let kind_label = |k: FlowKind| {
        if k == FlowKind::Work {
            "Work (the case moves on)".to_owned()
        } else {
            "Information (form, email, feed)".to_owned()
        }
    };
    if let Some(k) = combo(ui, "flow-kind", kind, &kinds, kind_label) {
        out.push(InspectorRequest::Execute(Command::SetFlowKind(
            from.clone(),
            to.clone(),
            kind,
            k,
        )));
    }
    let label = field_label(ui, "Label");
    if let Some(v) = committed_text(
        ui,
        label,
        "flow-label",
        &flow.label,
        false,
        "e.g. invoice, disputed",
    ) {
        out.push(InspectorRequest::Execute(Command::SetFlowField(
            from.clone(),
            to.clone(),
            kind,
            FlowField::Label(v),
        )));
    }
    let from_decision = map.step(from).is_some_and(|s| s.kind == StepKind::Decision);
    if kind == FlowKind::Work && from_decision {
        let label = field_label(ui, "Probability of this branch");
        let shown = flow
            .probability
            .map(|p| format!("{}%", format_percent(p)))
            .unwrap_or_default();
        let id = ui.id().with("probability-error");
        if let Some(text) = committed_text(
            ui,
            label,
            "probability",
            &shown,
            false,
            "empty = share the rest",
        ) {
            match parse_probability(&text) {
                Ok(p) => {
                    ui.data_mut(|d| d.remove::<String>(id));
                    out.push(InspectorRequest::Execute(Command::SetFlowField(
                        from.clone(),
                        to.clone(),
                        kind,
                        FlowField::Probability(p),
                    )));
                }
                Err(e) => {
                    ui.data_mut(|d| d.insert_temp(id, e));
                }
            }
        }
        if let Some(e) = ui.data(|d| d.get_temp::<String>(id)) {
            ui.colored_label(error_color(ui), e);
        }
        if let Some(shares) = map.decision_shares(from) {
            let text = if shares.unspecified > 0 {
                format!(
                    "Remainder {}% shared by {} branch(es) without a probability",
                    format_percent(shares.remainder),
                    shares.unspecified
                )
            } else {
                format!(
                    "All branches set; they sum to {}%",
                    format_percent(shares.explicit)
                )
            };
            ui.label(RichText::new(text).small().weak());
        }
    }
    ui.add_space(8.0);
    if ui.button("🗑 Delete flow").clicked() {
        out.push(InspectorRequest::Execute(Command::Disconnect(
            from.clone(),
            to.clone(),
            kind,
        )));
    }
}

fn map_ui(ui: &mut egui::Ui, map: &Map, out: &mut Vec<InspectorRequest>) {
    ui.heading("Map");
    let label = field_label(ui, "Name");
    if let Some(v) = committed_text(
        ui,
        label,
        "map-name",
        &map.name,
        false,
        "e.g. Order to cash (as-is)",
    ) {
        out.push(InspectorRequest::Execute(Command::SetMapField(
            MapField::Name(v),
        )));
    }
    let label = field_label(ui, "Description");
    if let Some(v) = committed_text(ui, label, "map-description", &map.description, true, "") {
        out.push(InspectorRequest::Execute(Command::SetMapField(
            MapField::Description(v),
        )));
    }
    ui.add_space(8.0);
    ui.heading("Lanes");
    let count = map.lanes().len();
    // Every lane's name field is labelled by this caption (like a column header), not by the
    // last caption drawn above it.
    let lane_name_label = field_label(ui, "Lane name");
    for (k, lane) in map.lanes().iter().enumerate() {
        ui.horizontal(|ui| {
            let steps = map.steps_in_lane(&lane.id).len();
            if ui
                .add_enabled(k > 0, egui::Button::new("⬆").small())
                .on_hover_text("Move up")
                .clicked()
            {
                out.push(InspectorRequest::Execute(Command::MoveLane(
                    lane.id.clone(),
                    k - 1,
                )));
            }
            if ui
                .add_enabled(k + 1 < count, egui::Button::new("⬇").small())
                .on_hover_text("Move down")
                .clicked()
            {
                out.push(InspectorRequest::Execute(Command::MoveLane(
                    lane.id.clone(),
                    k + 1,
                )));
            }
            if ui
                .add(egui::Button::new("🗑").small())
                .on_hover_text("Delete lane…")
                .clicked()
            {
                if steps == 0 || count == 1 {
                    out.push(InspectorRequest::Execute(Command::RemoveLane(
                        lane.id.clone(),
                        None,
                    )));
                } else {
                    out.push(InspectorRequest::ConfirmRemoveLane(lane.id.clone()));
                }
            }
            let mut customer = lane.customer;
            if ui
                .toggle_value(&mut customer, "👤")
                .on_hover_text(
                    "Customer lane: it holds what the customer does (the top row of the \
                     customer's view); the parts of the company it deals with are counted",
                )
                .changed()
            {
                out.push(InspectorRequest::Execute(Command::SetLaneField(
                    lane.id.clone(),
                    LaneField::Customer(customer),
                )));
            }
            ui.label(RichText::new(format!("{steps}")).weak())
                .on_hover_text("Steps in this lane");
            if let Some(v) = committed_text(
                ui,
                lane_name_label,
                &format!("lane-{}", lane.id),
                &lane.name,
                false,
                "Lane name",
            ) {
                out.push(InspectorRequest::Execute(Command::SetLaneField(
                    lane.id.clone(),
                    LaneField::Name(v),
                )));
            }
        });
    }
    if ui.button("➕ Add lane").clicked() {
        out.push(InspectorRequest::Execute(Command::add_lane(map)));
    }
    ui.add_space(8.0);
    ui.label(
        RichText::new("Tip: double-click the canvas to add a step; drag from a step's blue handle to connect it.")
            .small()
            .weak(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_in_the_forms_people_type() {
        assert_eq!(parse_probability(""), Ok(None));
        assert_eq!(parse_probability("0.3"), Ok(Some(0.3)));
        assert_eq!(parse_probability("30%"), Ok(Some(0.3)));
        assert_eq!(parse_probability("30"), Ok(Some(0.3)));
        assert_eq!(parse_probability("0,25"), Ok(Some(0.25)));
        assert!(parse_probability("150%").is_err());
        assert!(parse_probability("-1").is_err());
        assert!(parse_probability("abc").is_err());
    }
}
