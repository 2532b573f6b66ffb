//! The editor driven as a person would, through egui_kittest: keys, clicks and drags on the
//! real app, checking the Map afterwards (not just that nothing crashed).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a clear test failure"
)]

use egui::{Event, Modifiers, PointerButton, Pos2, Vec2, pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use valueflow::app::EditorApp;
use valueflow::app::files::Prefs;
use valueflow::model::{FlowKind, Lane, Map, StepId, StepKind, Touchpoint, Value};

fn harness(app: EditorApp) -> Harness<'static, EditorApp> {
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_step_dt(0.05)
        .build_ui_state(|ui, app: &mut EditorApp| app.ui_root(ui), app);
    h.run_steps(4);
    h
}

fn empty_map() -> Map {
    let mut m = Map::new("Workshop");
    for (id, name) in [("customer", "Customer"), ("back", "Back office")] {
        m.add_lane(Lane::new(id, name)).unwrap();
    }
    m
}

fn app_on(map: Map) -> EditorApp {
    EditorApp::new(map, None, Prefs::default(), None)
}

/// Screen position of a canvas point.
fn screen(h: &Harness<'_, EditorApp>, canvas: Pos2) -> Pos2 {
    h.state().canvas.canvas_to_screen(canvas)
}

fn step_screen(h: &Harness<'_, EditorApp>, id: &str) -> Pos2 {
    let c = h.state().canvas.step_centre(&StepId::new(id)).unwrap();
    screen(h, c)
}

/// A full click (press and release) at a screen point, then enough time for it not to pair
/// with the next click into a double-click.
fn click(h: &mut Harness<'_, EditorApp>, at: Pos2, modifiers: Modifiers) {
    h.hover_at(at);
    h.step();
    for pressed in [true, false] {
        h.event_modifiers(
            Event::PointerButton {
                pos: at,
                button: PointerButton::Primary,
                pressed,
                modifiers,
            },
            modifiers,
        );
        h.step();
    }
    h.run_steps(8);
}

/// One press and release of a mouse button at a screen point, a frame each.
fn press_and_release(h: &mut Harness<'_, EditorApp>, at: Pos2, button: PointerButton) {
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: at,
            button,
            pressed,
            modifiers: Modifiers::NONE,
        });
        h.step();
    }
}

/// A right click at a screen point (it opens the context menu there).
fn right_click(h: &mut Harness<'_, EditorApp>, at: Pos2) {
    h.hover_at(at);
    h.step();
    press_and_release(h, at, PointerButton::Secondary);
    h.run_steps(3);
}

/// A step's overview card, laid out by the drawing's own function at the canvas' zoom.
fn overview_card_of(
    h: &Harness<'_, EditorApp>,
    step: &valueflow::model::Step,
) -> valueflow::app::shapes::OverviewCard {
    let canvas = &h.state().canvas;
    let room = canvas.overview_room(&step.id).unwrap();
    valueflow::app::shapes::overview_card(
        &h.ctx,
        &step.name,
        step.kind,
        room.center(),
        room.size() / 2.0,
        canvas.zoom,
        egui::Color32::BLACK,
    )
}

/// Opens the compare view on the to-be sample, laid out.
fn compare_with_to_be(h: &mut Harness<'_, EditorApp>) {
    h.state_mut().compare_with(std::path::Path::new(
        "samples/order-to-cash-to-be.vfmap.json",
    ));
    h.run_steps(4);
}

/// A point of the compare view's canvas with no step under it, among `rows` rows of
/// candidates from its top left (right of the lane headers).
fn empty_place_below(h: &Harness<'_, EditorApp>, rows: usize) -> Pos2 {
    let c = &h.state().compare.as_ref().unwrap().canvas;
    (0..40)
        .flat_map(|i| (0..rows).map(move |j| (i, j)))
        .map(|(i, j)| {
            pos2(
                c.rect.left() + 140.0 + 20.0 * i as f32,
                c.rect.top() + 60.0 + 25.0 * j as f32,
            )
        })
        .find(|&p| c.rect.contains(p) && c.step_at(c.screen_to_canvas(p)).is_none())
        .expect("an empty place below")
}

fn drag(h: &mut Harness<'_, EditorApp>, from: Pos2, to: Pos2, modifiers: Modifiers) {
    h.hover_at(from);
    h.step();
    h.event_modifiers(
        Event::PointerButton {
            pos: from,
            button: PointerButton::Primary,
            pressed: true,
            modifiers,
        },
        modifiers,
    );
    h.step();
    for k in 1..=6 {
        let p = from + (to - from) * (k as f32 / 6.0);
        h.event_modifiers(Event::PointerMoved(p), modifiers);
        h.step();
    }
    h.event_modifiers(
        Event::PointerButton {
            pos: to,
            button: PointerButton::Primary,
            pressed: false,
            modifiers,
        },
        modifiers,
    );
    h.step();
    h.run_steps(8);
}

fn key(h: &mut Harness<'_, EditorApp>, k: egui::Key) {
    h.key_press(k);
    h.run_steps(2);
}

fn cmd_key(h: &mut Harness<'_, EditorApp>, k: egui::Key) {
    h.key_press_modifiers(Modifiers::COMMAND, k);
    h.run_steps(2);
}

/// Every step sits inside its own lane's band.
fn assert_steps_in_their_lanes(map: &Map) {
    let bands = valueflow::layout::lane_bands(map);
    for s in map.steps() {
        let band = valueflow::layout::band_at(&bands, s.pos.unwrap()[1]).unwrap();
        assert_eq!(band.lane, s.lane, "{} in its lane's band", s.id);
    }
}

/// The text field that has keyboard focus.
fn focused<'h>(h: &'h Harness<'_, EditorApp>) -> egui_kittest::Node<'h> {
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .chain(h.get_all_by_role(egui::accesskit::Role::MultilineTextInput))
        .find(|n| n.is_focused())
        .expect("a focused text field")
}

/// The text field showing a value.
fn field<'h>(h: &'h Harness<'_, EditorApp>, value: &'h str) -> egui_kittest::Node<'h> {
    h.get_all_by_value(value)
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
        .expect("a text field with that value")
}

/// Adds a step with N at a canvas point and commits the in-place name editor.
fn add_step(h: &mut Harness<'_, EditorApp>, at: Pos2, name: &str) -> StepId {
    let p = screen(h, at);
    assert!(
        h.state().canvas.rect.contains(p),
        "{at:?} is not on screen: {p:?} zoom {} pan {:?} rect {:?}",
        h.state().canvas.zoom,
        h.state().canvas.pan,
        h.state().canvas.rect
    );
    h.hover_at(p);
    h.step();
    key(h, egui::Key::N);
    let id = h.state().selection.steps[0].clone();
    // The name editor is open (focused) with "New step" selected: typing replaces it.
    focused(h).type_text(name);
    h.step();
    key(h, egui::Key::Enter);
    id
}

#[test]
fn draw_a_process_and_see_the_no_value_delay_appear() {
    let mut h = harness(app_on(empty_map()));
    let a = add_step(&mut h, pos2(150.0, 70.0), "Customer orders");
    let b = add_step(&mut h, pos2(300.0, 210.0), "Check credit");
    let c = add_step(&mut h, pos2(460.0, 70.0), "Ship goods");
    {
        let map = h.state().doc.map();
        assert_eq!(map.step_count(), 3);
        assert_eq!(map.step(&a).unwrap().name, "Customer orders");
        assert_eq!(map.step(&a).unwrap().lane, Some("customer".into()));
        assert_eq!(map.step(&b).unwrap().lane, Some("back".into()));
    }
    // Connect a → b → c: click a, shift-click b, C; then b, shift-click c, C.
    let (pa, pb, pc) = (
        step_screen(&h, a.as_str()),
        step_screen(&h, b.as_str()),
        step_screen(&h, c.as_str()),
    );
    click(&mut h, pa, Modifiers::NONE);
    click(&mut h, pb, Modifiers::SHIFT);
    assert_eq!(h.state().selection.steps, vec![a.clone(), b.clone()]);
    key(&mut h, egui::Key::C);
    click(&mut h, pb, Modifiers::NONE);
    click(&mut h, pc, Modifiers::SHIFT);
    key(&mut h, egui::Key::C);
    {
        let map = h.state().doc.map();
        assert!(map.find_flow(&a, &b, FlowKind::Work).is_some());
        assert!(map.find_flow(&b, &c, FlowKind::Work).is_some());
    }
    // Mark the first step customer-facing with T.
    click(&mut h, pa, Modifiers::NONE);
    key(&mut h, egui::Key::T);
    assert_eq!(
        h.state().doc.map().step(&a).unwrap().touchpoint,
        Touchpoint::Customer
    );

    // The internal credit check: wait 2d and value none, through the inspector.
    click(&mut h, pb, Modifiers::NONE);
    assert_eq!(h.state().selection.steps, vec![b.clone()]);
    // Work and wait both show 0m; the wait field is the second.
    h.get_all_by_value("0m")
        .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
        .nth(1)
        .expect("the wait field")
        .focus();
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.step();
    focused(&h).type_text("2d");
    h.step();
    key(&mut h, egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(
        h.state().doc.map().step(&b).unwrap().wait_mins,
        2.0 * 1440.0,
        "wait typed as 2d"
    );
    h.get_by_value("Not assessed").click();
    h.run_steps(2);
    h.get_by_label("No value").click();
    h.run_steps(3);
    assert_eq!(h.state().doc.map().step(&b).unwrap().value, Value::None);

    // The findings panel lists it, and the analysis agrees.
    let f = &h.state().analysis.findings;
    assert!(
        f.iter()
            .any(|f| f.rule.as_str() == "no-value-delay" && f.step == b)
    );
    assert!(
        h.query_by_label_contains("Delay with no customer value: Check credit")
            .is_some()
    );

    // Editing the name in the inspector is one undo step.
    let before = h.state().doc.map().clone();
    field(&h, "Check credit").focus();
    h.step();
    field(&h, "Check credit").type_text(" twice");
    h.step();
    key(&mut h, egui::Key::Enter);
    assert_eq!(
        h.state().doc.map().step(&b).unwrap().name,
        "Check credit twice"
    );
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(*h.state().doc.map(), before);
}

#[test]
fn undo_to_the_empty_map_and_redo_to_the_same_map() {
    let empty = empty_map();
    let mut h = harness(app_on(empty.clone()));
    let a = add_step(&mut h, pos2(150.0, 70.0), "One");
    let b = add_step(&mut h, pos2(300.0, 210.0), "Two");
    let (pa, pb) = (step_screen(&h, a.as_str()), step_screen(&h, b.as_str()));
    click(&mut h, pa, Modifiers::NONE);
    click(&mut h, pb, Modifiers::SHIFT);
    key(&mut h, egui::Key::I);
    assert!(
        h.state()
            .doc
            .map()
            .find_flow(&a, &b, FlowKind::Information)
            .is_some()
    );
    drag(&mut h, pa, pa + Vec2::new(40.0, 0.0), Modifiers::NONE);
    let full = h.state().doc.map().clone();
    for _ in 0..20 {
        cmd_key(&mut h, egui::Key::Z);
    }
    assert_eq!(*h.state().doc.map(), empty);
    for _ in 0..20 {
        h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::Z);
        h.run_steps(2);
    }
    assert_eq!(*h.state().doc.map(), full);
}

#[test]
fn grabbing_a_step_off_centre_moves_it_exactly_and_once() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    let id = StepId::new("enter-order");
    // At 100% around the step (the map opens fitted, zoomed far out).
    h.state_mut().selection.only(id.clone());
    h.key_press_modifiers(Modifiers::SHIFT, egui::Key::F);
    h.run_steps(2);
    let before = h.state().doc.map().step(&id).unwrap().pos.unwrap();
    let zoom = h.state().canvas.zoom;
    let grab = step_screen(&h, "enter-order") + Vec2::new(30.0, 12.0);
    let undo_depth = h.state().doc.can_undo();
    assert!(!undo_depth);
    drag(&mut h, grab, grab + Vec2::new(120.0, 0.0), Modifiers::NONE);
    let after = h.state().doc.map().step(&id).unwrap().pos.unwrap();
    assert!(
        (after[0] - (before[0] + 120.0 / zoom)).abs() < 0.01,
        "{before:?} → {after:?} at zoom {zoom}"
    );
    assert!((after[1] - before[1]).abs() < 0.01, "no snap to the cursor");
    // One drag is one undo step.
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(h.state().doc.map().step(&id).unwrap().pos.unwrap(), before);
    assert!(!h.state().doc.can_undo());
    // A plain click does not move anything.
    click(&mut h, grab, Modifiers::NONE);
    assert_eq!(h.state().doc.map().step(&id).unwrap().pos.unwrap(), before);
    assert!(!h.state().doc.is_dirty());
}

#[test]
fn dragging_a_step_into_another_band_changes_its_lane() {
    let mut h = harness(app_on(empty_map()));
    let a = add_step(&mut h, pos2(150.0, 70.0), "Moves");
    let from = step_screen(&h, a.as_str());
    let to = screen(&h, pos2(150.0, 210.0));
    drag(&mut h, from, to, Modifiers::NONE);
    assert_eq!(
        h.state().doc.map().step(&a).unwrap().lane,
        Some("back".into())
    );
}

#[test]
fn open_move_save_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o2c.vfmap.json");
    valueflow::format::save_file(&valueflow::samples::default_map().unwrap(), &path).unwrap();
    let mut h = harness(app_on(Map::new("scratch")));
    h.state_mut().open_path(&path);
    h.run_steps(4);
    assert_eq!(h.state().doc.map().name, "Order to cash (as-is)");
    let p = step_screen(&h, "enter-order");
    drag(&mut h, p, p + Vec2::new(0.0, 25.0), Modifiers::NONE);
    assert!(h.state().doc.is_dirty());
    assert!(h.state().title().contains('•'));
    cmd_key(&mut h, egui::Key::S);
    h.run_steps(2);
    assert!(!h.state().doc.is_dirty());
    let reloaded = valueflow::format::load_file(&path).unwrap();
    assert_eq!(reloaded, *h.state().doc.map());
    assert!(
        h.state()
            .prefs
            .recent
            .iter()
            .any(|r| r.ends_with("o2c.vfmap.json"))
    );
}

#[test]
fn copy_paste_and_duplicate_keep_flows_among_the_copies() {
    let map = valueflow::samples::default_map().unwrap();
    let n = map.step_count();
    let mut h = harness(app_on(map));
    let (pa, pb) = (
        step_screen(&h, "enter-order"),
        step_screen(&h, "split-order"),
    );
    click(&mut h, pa, Modifiers::NONE);
    click(&mut h, pb, Modifiers::SHIFT);
    cmd_key(&mut h, egui::Key::C);
    cmd_key(&mut h, egui::Key::V);
    let map = h.state().doc.map();
    assert_eq!(map.step_count(), n + 2);
    let pasted = h.state().selection.steps.clone();
    assert_eq!(pasted.len(), 2);
    assert!(
        pasted
            .iter()
            .all(|id| id.as_str() != "enter-order" && id.as_str() != "split-order")
    );
    assert!(
        map.find_flow(&pasted[0], &pasted[1], FlowKind::Work)
            .is_some(),
        "the flow between the copies"
    );
    assert_eq!(map.step(&pasted[0]).unwrap().name, "Enter order");
    cmd_key(&mut h, egui::Key::D);
    assert_eq!(h.state().doc.map().step_count(), n + 4);
    cmd_key(&mut h, egui::Key::Z);
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(h.state().doc.map().step_count(), n);
}

#[test]
fn deleting_a_lane_with_steps_asks_where_they_go() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    let credit = valueflow::model::LaneId::new("credit");
    let members = h.state().doc.map().steps_in_lane(&credit).len();
    assert!(members > 0);
    // With nothing selected the inspector shows the lanes; each has a delete button.
    key(&mut h, egui::Key::Escape);
    let buttons = h.get_all_by_label("🗑").collect::<Vec<_>>();
    let credit_row = h.state().doc.map().lane_position(&credit).unwrap();
    buttons[credit_row].click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("Move them to").is_some(),
        "the dialog asks"
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Delete lane")
        .click();
    h.run_steps(3);
    let map = h.state().doc.map();
    assert!(map.lane(&credit).is_none());
    assert_eq!(map.step_count(), 28);
    assert!(
        map.steps()
            .all(|s| s.lane.as_ref().is_some_and(|l| map.lane(l).is_some()))
    );
    assert_steps_in_their_lanes(map);
}

#[test]
fn shortcuts_do_not_fire_while_typing() {
    let mut h = harness(app_on(empty_map()));
    // Map name field (nothing selected): typing n, t, c, delete must only edit text.
    field(&h, "Workshop").focus();
    h.step();
    field(&h, "Workshop").type_text(" nt");
    h.step();
    h.key_press(egui::Key::N);
    h.key_press(egui::Key::Delete);
    h.run_steps(2);
    assert_eq!(h.state().doc.map().step_count(), 0);
    key(&mut h, egui::Key::Enter);
    assert_eq!(h.state().doc.map().name, "Workshop nt");
}

#[test]
fn new_with_unsaved_changes_asks_first() {
    let mut h = harness(app_on(empty_map()));
    add_step(&mut h, pos2(150.0, 70.0), "Unsaved");
    cmd_key(&mut h, egui::Key::N);
    h.run_steps(2);
    assert!(h.query_by_label("Unsaved changes").is_some());
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(h.state().doc.map().step_count(), 1);
    cmd_key(&mut h, egui::Key::N);
    h.get_by_label("Discard").click();
    h.run_steps(2);
    assert_eq!(h.state().doc.map().step_count(), 0);
    assert_eq!(h.state().doc.map().name, "Untitled map");
}

#[test]
fn a_bad_file_shows_an_error_and_keeps_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.vfmap.json");
    std::fs::write(&path, "{ not json").unwrap();
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map.clone()));
    h.state_mut().open_path(&path);
    h.run_steps(3);
    assert!(h.query_by_label("Cannot open the map").is_some());
    assert!(h.query_by_label_contains("not valid JSON").is_some());
    assert_eq!(*h.state().doc.map(), map);
}

#[test]
fn idle_means_no_repaints() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    // `try_run` fails if the app keeps asking for frames.
    assert!(
        h.try_run().is_ok(),
        "the editor keeps repainting while idle"
    );
}

#[test]
fn clicking_a_finding_selects_its_step() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    h.get_all_by_label_contains("Reconcile customer account")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    assert_eq!(
        h.state().selection.steps,
        vec![StepId::new("reconcile-account")]
    );
    // And the inspector now shows it.
    assert!(
        h.query_all_by_value("Reconcile customer account across BU ledgers")
            .next()
            .is_some()
    );
}

#[test]
fn box_selection_and_delete() {
    let mut h = harness(app_on(empty_map()));
    let a = add_step(&mut h, pos2(150.0, 70.0), "A");
    let b = add_step(&mut h, pos2(300.0, 70.0), "B");
    add_step(&mut h, pos2(470.0, 210.0), "Far");
    key(&mut h, egui::Key::Escape);
    let from = screen(&h, pos2(60.0, 20.0));
    let to = screen(&h, pos2(380.0, 130.0));
    drag(&mut h, from, to, Modifiers::SHIFT);
    assert_eq!(h.state().selection.steps, vec![a, b]);
    key(&mut h, egui::Key::Delete);
    assert_eq!(h.state().doc.map().step_count(), 1);
    assert_eq!(
        h.state().doc.map().steps().next().unwrap().kind,
        StepKind::Activity
    );
}

#[test]
fn import_bpmn_into_the_editor_and_export_it_again() {
    let mut h = harness(app_on(empty_map()));
    h.state_mut().import_path(std::path::Path::new(
        "tests/fixtures/bpmn/bpmnjs-lanes.bpmn",
    ));
    h.run_steps(3);
    let app = h.state();
    assert!(app.dialog.is_none(), "imported without an error");
    assert!(app.doc.map().step_count() > 0);
    assert!(
        app.doc.path().is_none() && app.doc.is_dirty(),
        "an import is a new, unsaved map"
    );
    assert!(
        app.doc.map().steps().all(|s| s.pos.is_some()),
        "placed on the canvas"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lanes.bpmn");
    h.state_mut().export_to(&out);
    let back = valueflow::interop::import_file(&out).unwrap();
    assert_eq!(back.map.step_count(), h.state().doc.map().step_count());
    // A file that is not BPMN: an error dialog, and the map stays.
    let before = h.state().doc.map().clone();
    let bad = dir.path().join("bad.bpmn");
    std::fs::write(&bad, "<not-bpmn/>").unwrap();
    h.state_mut().import_path(&bad);
    h.run_steps(2);
    assert!(h.query_by_label("Cannot import the file").is_some());
    assert_eq!(*h.state().doc.map(), before);
}

/// Whether wgpu can find an adapter: on Linux an EGL vendor (Mesa) or a Vulkan driver must
/// be installed; elsewhere there is a system GPU API. In CI it must always be there.
fn renderer_available() -> bool {
    if std::env::var_os("CI").is_some() || !cfg!(target_os = "linux") {
        return true;
    }
    let has_files = |dir: &str| std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    has_files("/usr/share/glvnd/egl_vendor.d") || has_files("/usr/share/vulkan/icd.d")
}

/// Pixel snapshots of the as-is sample (wgpu on Mesa's software renderer).
/// After a deliberate visual change: `UPDATE_SNAPSHOTS=1 cargo test --test editor_ui snapshot`.
fn snapshot_sample(dark_mode: bool, name: &str) {
    if !renderer_available() {
        eprintln!(
            "skipping the {name} pixel snapshot: no GPU or Mesa software renderer \
             (apt-get install libegl1 libgl1-mesa-dri); CI installs it and always runs this"
        );
        return;
    }
    let prefs = Prefs {
        dark_mode,
        ..Prefs::default()
    };
    let app = EditorApp::new(
        valueflow::samples::default_map().unwrap(),
        None,
        prefs,
        None,
    );
    let mut h = Harness::builder()
        .with_size([1400.0, 860.0])
        .with_step_dt(0.05)
        .wgpu()
        .build_ui_state(|ui, app: &mut EditorApp| app.ui_root(ui), app);
    h.run_steps(6);
    h.snapshot(name);
}

#[test]
fn snapshot_as_is_sample_light() {
    snapshot_sample(false, "as_is_light");
}

#[test]
fn snapshot_as_is_sample_dark() {
    snapshot_sample(true, "as_is_dark");
}

#[test]
fn the_context_menu_acts_on_the_step_under_the_pointer() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    let id = StepId::new("enter-order");
    assert_eq!(
        h.state().doc.map().step(&id).unwrap().touchpoint,
        Touchpoint::Internal
    );
    let p = step_screen(&h, "enter-order");
    right_click(&mut h, p);
    assert_eq!(h.state().selection.steps, vec![id.clone()]);
    h.get_by_label_contains("Toggle customer-facing").click();
    h.run_steps(3);
    assert_eq!(
        h.state().doc.map().step(&id).unwrap().touchpoint,
        Touchpoint::Customer
    );
}

#[test]
fn find_cycles_through_matches_with_enter() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    cmd_key(&mut h, egui::Key::F);
    h.run_steps(2);
    focused(&h).type_text("invoice");
    h.run_steps(2);
    let matches: Vec<StepId> = h
        .state()
        .doc
        .map()
        .steps()
        .filter(|s| {
            s.name.to_lowercase().contains("invoice") || s.system.to_lowercase().contains("invoice")
        })
        .map(|s| s.id.clone())
        .collect();
    assert!(matches.len() >= 2);
    key(&mut h, egui::Key::Enter);
    let first = h.state().selection.steps.clone();
    key(&mut h, egui::Key::Enter);
    let second = h.state().selection.steps.clone();
    assert_eq!(first.len(), 1);
    assert!(matches.contains(&first[0]) && matches.contains(&second[0]));
    assert_ne!(first, second, "Enter moves to the next match");
}

#[test]
fn save_as_through_the_path_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("workshop");
    let mut h = harness(app_on(empty_map()).without_native_dialogs());
    add_step(&mut h, pos2(150.0, 70.0), "Only step");
    cmd_key(&mut h, egui::Key::S);
    h.run_steps(3);
    assert!(h.query_by_label_contains("type the file's path").is_some());
    let prompt = focused(&h);
    prompt.focus();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.step();
    focused(&h).type_text(&target.display().to_string());
    h.step();
    key(&mut h, egui::Key::Enter);
    h.run_steps(3);
    // The extension is added, the file is written, and the document is clean.
    let saved = dir.path().join("workshop.vfmap.json");
    assert!(saved.is_file(), "saved as {}", saved.display());
    assert_eq!(
        valueflow::format::load_file(&saved).unwrap(),
        *h.state().doc.map()
    );
    assert!(!h.state().doc.is_dirty());
    assert_eq!(h.state().doc.path(), Some(saved.as_path()));
}

#[path = "common/bpmn_text.rs"]
mod bpmn_text;

/// An editor window on an empty map named `name`, keeping its recovery copies in `root`.
fn window_with_recovery(name: &str, root: &std::path::Path) -> EditorApp {
    use valueflow::app::files::Recovery;
    EditorApp::new(
        Map::new(name),
        None,
        Prefs::default(),
        Some(Recovery::new(root.to_owned())),
    )
}

/// What an editor that crashed leaves in the recovery folder: its slot with the copy and an
/// unlocked lock file.
fn leave_crashed_copy(root: &std::path::Path, map: &Map) {
    let slot = root.join("4242-1");
    std::fs::create_dir_all(&slot).unwrap();
    std::fs::write(slot.join("lock"), "").unwrap();
    valueflow::format::save_file(map, &slot.join("recovery.vfmap.json")).unwrap();
}

#[test]
fn unsaved_work_from_a_crash_is_offered_back() {
    use valueflow::app::files::Recovery;
    let dir = tempfile::tempdir().unwrap();
    let mut lost = empty_map();
    lost.name = "Work from before the crash".into();
    leave_crashed_copy(dir.path(), &lost);
    let app = window_with_recovery("start", dir.path());
    let mut h = harness(app);
    assert!(h.query_by_label("Restore unsaved work?").is_some());
    h.get_by_label("Restore").click();
    h.run_steps(3);
    assert_eq!(*h.state().doc.map(), lost);
    assert!(
        h.state().doc.is_dirty(),
        "restored work is unsaved until saved"
    );
    // Saving clears the recovery copy: nothing is offered to the next editor.
    let path = dir.path().join("saved.vfmap.json");
    assert!(h.state_mut().save_to(&path));
    assert!(Recovery::new(dir.path().to_owned()).find_orphan().is_none());
}

#[test]
fn a_second_window_never_offers_nor_deletes_the_first_ones_unsaved_work() {
    use valueflow::app::files::Recovery;
    let dir = tempfile::tempdir().unwrap();
    // Window A runs with unsaved work in its recovery copy.
    let a = Recovery::new(dir.path().to_owned());
    let mut work = empty_map();
    work.name = "A's unsaved work".into();
    a.write(&work, None).unwrap();
    // Window B starts beside it: no restore question, and whatever B does to its own
    // work (discard it by starting a new map) leaves A's copy alone.
    let b = window_with_recovery("B", dir.path());
    let mut h = harness(b);
    assert!(h.query_by_label("Restore unsaved work?").is_none());
    add_step(&mut h, pos2(700.0, 300.0), "B's step");
    cmd_key(&mut h, egui::Key::N);
    if h.query_by_label("Discard").is_some() {
        h.get_by_label("Discard").click();
        h.run_steps(3);
    }
    drop(h);
    assert_eq!(a.read().unwrap().map, work, "A's copy is intact");
    // A third window while A still runs: still nothing offered.
    let c = window_with_recovery("C", dir.path());
    let h = harness(c);
    assert!(h.query_by_label("Restore unsaved work?").is_none());
}

#[test]
fn auto_arrange_puts_every_step_in_its_lane_in_flow_order_and_undoes_in_one_step() {
    let mut map = valueflow::samples::load("order-to-cash-to-be.vfmap.json")
        .unwrap()
        .unwrap();
    // Out of order: every step one column further right than the one before, in its band.
    let ids: Vec<StepId> = map.steps().map(|s| s.id.clone()).collect();
    for (k, id) in ids.iter().enumerate() {
        let [_, y] = map.step(id).unwrap().pos.unwrap();
        map.move_step(id, [100.0 + 150.0 * ((k * 7) % 20) as f32, y])
            .unwrap();
    }
    let before = map.clone();
    let mut h = harness(app_on(map));
    h.hover_at(pos2(900.0, 500.0));
    key(&mut h, egui::Key::L);
    h.run_steps(3);
    let map = h.state().doc.map();
    assert_ne!(map, &before, "positions changed");
    assert_steps_in_their_lanes(map);
    // Every forward work flow goes left to right within a lane, and never right to left
    // (a hand-off to another lane may run straight down or up).
    let x = |id: &StepId| map.step(id).unwrap().pos.unwrap()[0];
    let lane = |id: &StepId| map.step(id).unwrap().lane.clone();
    let loops: Vec<&Vec<StepId>> = h.state().analysis.loops.iter().collect();
    for f in map.flows().filter(|f| f.flow.kind == FlowKind::Work) {
        let in_loop = loops.iter().any(|l| l.contains(f.from) && l.contains(f.to));
        if !in_loop {
            let ok = if lane(f.from) == lane(f.to) {
                x(f.from) < x(f.to)
            } else {
                x(f.from) <= x(f.to)
            };
            assert!(ok, "{} → {} goes left to right", f.from, f.to);
        }
    }
    if std::env::var_os("VALUEFLOW_SAVE_RENDER").is_some() && renderer_available() {
        let mut r = Harness::builder()
            .with_size([1600.0, 900.0])
            .wgpu()
            .build_ui_state(
                |ui, app: &mut EditorApp| app.ui_root(ui),
                app_on(map.clone()),
            );
        r.run_steps(4);
        r.render()
            .unwrap()
            .save("/tmp/arranged-render.png")
            .unwrap();
    }
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(*h.state().doc.map(), before);
}

#[test]
fn dragging_from_the_handle_connects_two_steps() {
    let mut h = harness(app_on(empty_map()));
    let a = add_step(&mut h, pos2(150.0, 70.0), "From");
    let b = add_step(&mut h, pos2(420.0, 210.0), "To");
    let placed = h.state().doc.map().step(&a).unwrap().pos;
    // Select a: its handle sits just right of its box.
    let pa = step_screen(&h, a.as_str());
    click(&mut h, pa, Modifiers::NONE);
    let zoom = h.state().canvas.zoom;
    let handle = pa + Vec2::new(valueflow::layout::STEP_WIDTH / 2.0 * zoom + 11.0, 0.0);
    let pb = step_screen(&h, b.as_str());
    drag(&mut h, handle, pb, Modifiers::NONE);
    let map = h.state().doc.map();
    assert!(
        map.find_flow(&a, &b, FlowKind::Work).is_some(),
        "a work flow from the handle drag"
    );
    assert_eq!(
        map.step(&a).unwrap().pos,
        placed,
        "the step itself did not move"
    );
    // With Alt held the new flow carries information.
    click(&mut h, pa, Modifiers::NONE);
    drag(&mut h, handle, pb, Modifiers::ALT);
    assert!(
        h.state()
            .doc
            .map()
            .find_flow(&a, &b, FlowKind::Information)
            .is_some()
    );
}

#[test]
fn zoom_keys_and_fit() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    let z0 = h.state().canvas.zoom;
    h.hover_at(pos2(900.0, 500.0));
    key(&mut h, egui::Key::Plus);
    assert!(h.state().canvas.zoom > z0);
    key(&mut h, egui::Key::Minus);
    key(&mut h, egui::Key::Minus);
    assert!(h.state().canvas.zoom < z0);
    key(&mut h, egui::Key::F);
    h.run_steps(2);
    // Fit shows every step inside the canvas.
    let app = h.state();
    for s in app.doc.map().steps() {
        let [x, y] = s.pos.unwrap();
        let p = app.canvas.canvas_to_screen(pos2(x, y));
        assert!(app.canvas.rect.contains(p), "{} is in view after fit", s.id);
    }
}

#[test]
fn lane_name_fields_are_found_by_their_label_and_rename_with_undo() {
    let mut h = harness(app_on(empty_map()));
    // Nothing selected: the inspector shows the map and its lanes.
    let fields: Vec<_> = h
        .get_all_by_label("Lane name")
        .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::TextInput)
        .collect();
    assert_eq!(fields.len(), 2, "one labelled name field per lane");
    assert_eq!(fields[1].value().as_deref(), Some("Back office"));
    assert!(
        h.get_all_by_label("Description")
            .all(|n| n.value().as_deref() != Some("Back office")),
        "the lane fields are not labelled by the description caption"
    );
    fields[1].focus();
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.step();
    focused(&h).type_text("Finance");
    h.step();
    key(&mut h, egui::Key::Enter);
    h.run_steps(2);
    let lanes = h.state().doc.map().lanes();
    assert_eq!(lanes[1].name, "Finance");
    assert_eq!(lanes[0].name, "Customer");
    assert_eq!(h.state().doc.undo_label(), Some("rename lane"));
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(h.state().doc.map().lanes()[1].name, "Back office");
}

/// Opens a menu of the menu bar and clicks one of its items.
fn open_menu_item(h: &mut Harness<'_, EditorApp>, menu: &str, item: &str) {
    let at = h.get_by_label(menu).rect().center();
    click(h, at, Modifiers::NONE);
    h.run_steps(2);
    // A menu item's label ends with its shortcut text.
    h.get_by_label_contains(item).click();
    h.run_steps(2);
}

/// Every step's box, on screen, is inside the canvas.
fn assert_all_steps_in_view(h: &Harness<'_, EditorApp>) {
    let app = h.state();
    let half = valueflow::app::shapes::half_size() * app.canvas.zoom;
    for s in app.doc.map().steps() {
        let c = app.canvas.step_centre(&s.id).unwrap();
        let r = egui::Rect::from_center_size(app.canvas.canvas_to_screen(c), half * 2.0);
        assert!(
            app.canvas.rect.contains_rect(r),
            "{} ({r:?}) is inside the canvas {:?}",
            s.id,
            app.canvas.rect
        );
    }
}

#[test]
fn a_map_opens_fitted_and_a_small_one_with_its_text() {
    // The 28-step sample: all of it in view on the first frame.
    let h = harness(app_on(valueflow::samples::default_map().unwrap()));
    assert_all_steps_in_view(&h);
    // A ten-step map fits at a zoom where step names, times and badges are drawn.
    let map = valueflow::samples::load("coffee-shop-order.vfmap.json")
        .unwrap()
        .unwrap();
    let h = harness(app_on(map));
    assert_all_steps_in_view(&h);
    let app = h.state();
    let zoom = app.canvas.zoom;
    if !valueflow::app::shapes::full_text_at(zoom) {
        // The overview: every card has its name, as the drawing lays it out.
        for s in app.doc.map().steps() {
            let card = overview_card_of(&h, s);
            assert!(card.name.is_some(), "zoom {zoom}: {} has no name", s.id);
        }
    }
}

#[test]
fn every_step_name_of_the_as_is_sample_is_readable_after_f_at_1380_by_860() {
    let mut h = Harness::builder()
        .with_size([1380.0, 860.0])
        .with_step_dt(0.05)
        .build_ui_state(
            |ui, app: &mut EditorApp| app.ui_root(ui),
            app_on(valueflow::samples::default_map().unwrap()),
        );
    h.run_steps(4);
    key(&mut h, egui::Key::F);
    h.run_steps(2);
    let app = h.state();
    let (zoom, canvas) = (app.canvas.zoom, app.canvas.rect);
    assert!(
        app.prefs.show_findings && app.prefs.show_inspector,
        "both panels shown"
    );
    assert!(
        !valueflow::app::shapes::full_text_at(zoom),
        "zoom {zoom}: the overview draws the names"
    );
    for s in app.doc.map().steps() {
        let room = app.canvas.overview_room(&s.id).unwrap();
        let card = overview_card_of(&h, s);
        let name = card
            .name
            .unwrap_or_else(|| panic!("{}: no name drawn", s.id));
        assert!(!name.elided, "{}: {:?} is cut short", s.id, s.name);
        assert_eq!(name.text(), s.name, "{}: the whole name", s.id);
        // No word broken across lines: every row ends at a space or at the end.
        for row in &name.rows[..name.rows.len() - 1] {
            assert!(
                row.ends_with_newline || row.text().ends_with(' '),
                "{}: {:?} breaks a word (font {} room {:?} zoom {zoom})",
                s.id,
                row.text(),
                card.font_size,
                room
            );
        }
        assert!(card.font_size >= valueflow::app::theme::OVERVIEW_MIN_FONT_SIZE);
        assert!(
            canvas.contains_rect(card.rect),
            "{}: its card {:?} is on the canvas {canvas:?}",
            s.id,
            card.rect
        );
    }
    // The lanes use the window's height: the last ends near the canvas' bottom.
    let last = app.canvas.bands.last().unwrap().bottom;
    let bottom = app.canvas.canvas_to_screen(pos2(0.0, last)).y;
    assert!(
        bottom > canvas.bottom() - 40.0 && bottom <= canvas.bottom(),
        "the lanes end at {bottom}, the canvas at {}",
        canvas.bottom()
    );
}

#[test]
fn in_the_overview_hovering_a_step_tells_its_name_and_times() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    assert!(h.query_by_label("Pick and pack").is_none());
    h.hover_at(step_screen(&h, "pick-pack"));
    h.run_steps(20);
    h.get_by_label("Pick and pack");
    h.get_by_label_contains("work 1h 30m");
}

#[test]
fn in_the_stretched_overview_a_dragged_step_lands_under_the_pointer() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    let canvas = &h.state().canvas;
    assert!(
        canvas.vscale() > canvas.zoom * 1.5,
        "the fitted sample is stretched to the window's height"
    );
    // Drag "Pick and pack" one lane down, into Logistics.
    let from = step_screen(&h, "pick-pack");
    let band = |h: &Harness<'_, EditorApp>, id: &str| {
        let b = h
            .state()
            .canvas
            .bands
            .iter()
            .find(|b| b.lane == Some(id.into()));
        b.unwrap().clone()
    };
    let logistics = band(&h, "logistics");
    let target_y = h
        .state()
        .canvas
        .canvas_to_screen(pos2(0.0, (logistics.top + logistics.bottom) / 2.0))
        .y;
    let to = pos2(from.x + 3.0, target_y);
    drag(&mut h, from, to, Modifiers::NONE);
    let step = h
        .state()
        .doc
        .map()
        .step(&StepId::new("pick-pack"))
        .unwrap()
        .clone();
    assert_eq!(step.lane, Some("logistics".into()));
    let landed = h
        .state()
        .canvas
        .canvas_to_screen(pos2(step.pos.unwrap()[0], step.pos.unwrap()[1]));
    assert!(
        (landed - to).length() < 2.0,
        "the step's centre {landed:?} is where it was released {to:?}"
    );
}

#[test]
fn zoom_to_selection_actual_size_and_to_a_clicked_finding() {
    let map = valueflow::samples::default_map().unwrap();
    let mut h = harness(app_on(map));
    let overview = h.state().canvas.zoom;
    assert!(overview < 0.75, "the whole sample fits only zoomed out");
    // A clicked finding zooms in to a readable size and shows its step.
    h.get_all_by_label_contains("Reconcile customer account")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    assert!(h.state().canvas.zoom >= 0.75);
    let c = step_screen(&h, "reconcile-account");
    assert!(h.state().canvas.rect.contains(c), "the step is in view");
    // Shift+F: the selection fills the view, at most 100%.
    key(&mut h, egui::Key::F);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::SHIFT, egui::Key::F);
    h.run_steps(2);
    assert!((h.state().canvas.zoom - 1.0).abs() < 1e-4);
    assert!(
        h.state()
            .canvas
            .rect
            .contains(step_screen(&h, "reconcile-account"))
    );
    // Ctrl+0: 100% from anywhere.
    key(&mut h, egui::Key::F);
    h.run_steps(2);
    cmd_key(&mut h, egui::Key::Num0);
    assert!((h.state().canvas.zoom - 1.0).abs() < 1e-4);
}

#[test]
fn side_panels_never_squeeze_the_canvas_away_and_hide_with_f9_f10() {
    for width in [800.0, 960.0, 1400.0] {
        let mut h = Harness::builder()
            .with_size([width, 800.0])
            .with_step_dt(0.05)
            .build_ui_state(
                |ui, app: &mut EditorApp| app.ui_root(ui),
                app_on(valueflow::samples::default_map().unwrap()),
            );
        h.run_steps(4);
        let canvas = h.state().canvas.rect.width();
        assert!(
            canvas >= valueflow::app::MIN_CANVAS_WIDTH - 1.0,
            "at {width} px the canvas is {canvas} px wide"
        );
        if width == 1400.0 {
            key(&mut h, egui::Key::F9);
            h.run_steps(2);
            assert!(!h.state().prefs.show_findings);
            let wider = h.state().canvas.rect.width();
            key(&mut h, egui::Key::F10);
            h.run_steps(2);
            assert!(!h.state().prefs.show_inspector);
            let widest = h.state().canvas.rect.width();
            assert!(
                canvas < wider && wider < widest,
                "{canvas} < {wider} < {widest}"
            );
            // Each comes back from its button at the canvas' edge.
            h.get_by_label("«").click();
            h.run_steps(2);
            assert!(h.state().prefs.show_inspector);
            h.get_by_label("»").click();
            h.run_steps(2);
            assert!(h.state().prefs.show_findings);
        }
    }
}

#[test]
fn the_legend_opens_from_the_view_menu() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    open_menu_item(&mut h, "View", "Legend…");
    h.run_steps(2);
    for meaning in valueflow::app::legend::ROWS.iter().map(|r| r.meaning) {
        assert!(
            h.query_by_label(meaning).is_some(),
            "the legend says: {meaning}"
        );
    }
}

#[test]
fn no_bottleneck_is_named_before_any_time_is_set() {
    let mut map = empty_map();
    map.add_step(
        valueflow::model::Step::new("a", "Customer orders", StepKind::Start).in_lane("customer"),
    )
    .unwrap();
    map.add_step(valueflow::model::Step::new("b", "Ship", StepKind::End).in_lane("back"))
        .unwrap();
    map.connect(
        &StepId::new("a"),
        &StepId::new("b"),
        valueflow::model::Flow::work(),
    )
    .unwrap();
    let h = harness(app_on(map));
    assert!(h.query_by_label_contains("Bottleneck").is_none());
    assert!(h.query_by_label_contains("No times yet").is_some());
}

#[test]
fn the_find_bar_closes_on_esc_from_its_field_and_after_next() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    cmd_key(&mut h, egui::Key::F);
    assert!(h.state().is_finding());
    focused(&h).type_text("invoice");
    h.run_steps(2);
    key(&mut h, egui::Key::Escape);
    assert!(!h.state().is_finding(), "Esc in the field closes the bar");
    cmd_key(&mut h, egui::Key::F);
    focused(&h).type_text("invoice");
    h.run_steps(2);
    h.get_by_label("Next").click();
    h.run_steps(2);
    h.get_by_label("Next").click();
    h.run_steps(2);
    key(&mut h, egui::Key::Escape);
    assert!(!h.state().is_finding(), "Esc closes the bar after Next too");
}

#[test]
fn menus_list_save_before_save_as_and_undo_before_redo() {
    use valueflow::app::commands::{COMMANDS, UiCommand};
    let at = |c: UiCommand| COMMANDS.iter().position(|s| s.command == c).unwrap();
    assert!(at(UiCommand::Save) < at(UiCommand::SaveAs));
    assert!(at(UiCommand::Undo) < at(UiCommand::Redo));
    // And Ctrl+Shift+Z still redoes, Ctrl+Z undoes (matched most specific first).
    let mut h = harness(app_on(empty_map()));
    add_step(&mut h, pos2(700.0, 300.0), "First");
    // Adding and naming are two undo steps.
    cmd_key(&mut h, egui::Key::Z);
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(h.state().doc.map().step_count(), 0);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().doc.map().step_count(), 1);
}

#[test]
fn every_string_the_ui_draws_has_glyphs_in_the_bundled_fonts() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    // Open what shows more text: the legend, a selected step's inspector.
    open_menu_item(&mut h, "View", "Legend…");
    h.run_steps(2);
    h.get_all_by_label_contains("Reconcile customer account")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    let mut texts: Vec<String> = h
        .root()
        .children_recursive()
        .flat_map(|n| {
            let node = n.accesskit_node();
            [node.label(), node.value()]
        })
        .flatten()
        .collect();
    // What the canvas paints (not in the accessibility tree): names, times, menus' labels.
    let app = h.state();
    let view = valueflow::view::build(
        app.doc.map(),
        &valueflow::analysis::analyze(app.doc.map()),
        valueflow::view::ViewMode::Findings,
    );
    for s in &view.steps {
        texts.extend([s.name.clone(), format!("⏱ {}", s.wait), s.work.clone()]);
    }
    texts.extend(view.flows.iter().map(|f| f.label.clone()));
    texts.extend(
        valueflow::app::commands::COMMANDS
            .iter()
            .map(|c| c.label.to_owned()),
    );
    // The redesign views' own words and marks: the worksheet's headers and sort arrows, the
    // dispositions, the scorecard, the customer view's lines, the decided mark.
    use valueflow::model::{DispositionKind, Rating, ScoreParam};
    for c in valueflow::view::worksheet::COLUMNS {
        texts.extend([format!("{} ⏶", c.title()), format!("{} ⏷", c.title())]);
        texts.push(c.help().to_owned());
    }
    texts.extend(DispositionKind::ALL.iter().map(|d| d.label().to_owned()));
    texts.extend(Rating::ALL.iter().map(|r| r.label().to_owned()));
    for p in ScoreParam::ALL {
        texts.push(p.label().to_owned());
        texts.extend(p.questions().iter().map(|q| format!("• {q}")));
    }
    texts.extend(
        [
            "line of interaction",
            "line of visibility",
            "Backstage (internal work)",
            "✔ eliminate",
            "👤",
            "Metrics compared",
            "Reading the log… 1.5 of 20.0 MB",
            "Calibrating the map…",
            "Read as: interval CSV.",
        ]
        .map(str::to_owned),
    );
    // The event-log import and the observed statistics.
    texts.extend(
        [
            valueflow::app::observed::SKEWED,
            valueflow::eventlog::PARALLEL_NOTE,
        ]
        .map(str::to_owned),
    );
    for (label, meaning, _) in valueflow::app::eventlog_import::ROLES {
        texts.extend([format!("{label} *"), meaning.to_owned()]);
    }
    let font = egui::FontId::proportional(14.0);
    // `has_glyph` answers "no" for every character of the font that also holds the
    // replacement box, so a "no" is checked against the box itself: a character is missing
    // when it is drawn with the box's glyph.
    let glyph = |f: &mut egui::epaint::text::FontsView<'_>, c: char| {
        let g = f.layout_no_wrap(c.to_string(), font.clone(), egui::Color32::PLACEHOLDER);
        g.rows
            .first()
            .and_then(|r| r.glyphs.first())
            .map(|g| g.uv_rect)
    };
    let missing: Vec<(char, String)> = h.ctx.fonts_mut(|f| {
        let replacement = glyph(f, '◻');
        let mut out = Vec::new();
        for t in &texts {
            for c in t.chars() {
                if !c.is_control()
                    && !c.is_whitespace()
                    && !f.has_glyph(&font, c)
                    && glyph(f, c) == replacement
                {
                    out.push((c, t.clone()));
                }
            }
        }
        out
    });
    assert!(
        texts.len() > 100,
        "the check saw the UI's text ({} strings)",
        texts.len()
    );
    assert!(missing.is_empty(), "no glyph for: {missing:?}");
}

#[test]
fn a_bad_file_at_start_opens_the_window_with_the_error_and_the_choices() {
    let mut app = app_on(Map::untitled());
    let path = std::path::Path::new("/home/me/broken.vfmap.json");
    app.show_open_failure(
        path,
        "/home/me/broken.vfmap.json:3:5: expected `,` or `}`".to_owned(),
    );
    let mut h = harness(app);
    assert!(
        h.query_by_label("Could not open broken.vfmap.json")
            .is_some()
    );
    assert!(h.query_by_label_contains("3:5: expected").is_some());
    assert!(h.query_by_label("Open another file…").is_some());
    h.get_by_label("Start with an empty map").click();
    h.run_steps(3);
    assert!(h.state().dialog.is_none());
    assert_eq!(h.state().doc.map().step_count(), 0);
}

#[test]
fn two_windows_merge_their_recent_files_instead_of_overwriting() {
    use valueflow::app::files::SharedPrefs;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("settings.json");
    let files: Vec<_> = ["one", "two", "three"]
        .iter()
        .map(|n| {
            let p = dir.path().join(format!("{n}.vfmap.json"));
            valueflow::format::save_file(&empty_map(), &p).unwrap();
            p.canonicalize().unwrap()
        })
        .collect();
    let mut a = app_on(empty_map());
    a.share_prefs(SharedPrefs::new(shared.clone()));
    let mut b = app_on(empty_map());
    b.share_prefs(SharedPrefs::new(shared.clone()));
    a.open_path(&files[0]);
    b.open_path(&files[1]);
    assert_eq!(b.prefs.recent, [files[1].clone(), files[0].clone()]);
    a.open_path(&files[2]);
    assert_eq!(
        a.prefs.recent,
        [files[2].clone(), files[1].clone(), files[0].clone()]
    );
    // A third window starts with the list both made.
    let mut c = app_on(empty_map());
    c.share_prefs(SharedPrefs::new(shared));
    assert_eq!(c.prefs.recent, a.prefs.recent);
}

#[test]
fn the_path_prompt_lists_the_folder_and_tab_completes_then_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut other = empty_map();
    other.name = "Opened through the prompt".into();
    valueflow::format::save_file(&other, &dir.path().join("quarterly-review.vfmap.json")).unwrap();
    std::fs::write(dir.path().join("quartz.txt"), "").unwrap();
    let mut h = harness(app_on(empty_map()).without_native_dialogs());
    cmd_key(&mut h, egui::Key::O);
    h.run_steps(3);
    let prompt = focused(&h);
    prompt.focus();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.step();
    focused(&h).type_text(&format!("{}/quar", dir.path().display()));
    h.run_steps(2);
    // Both matches are listed.
    assert!(h.query_by_label("quarterly-review.vfmap.json").is_some());
    assert!(h.query_by_label("quartz.txt").is_some());
    // Tab: as far as they agree ("quart"), then with one more letter, the whole name.
    key(&mut h, egui::Key::Tab);
    focused(&h).type_text("e");
    h.run_steps(2);
    key(&mut h, egui::Key::Tab);
    let expected = format!("{}/quarterly-review.vfmap.json", dir.path().display());
    assert!(
        h.query_all_by_value(&expected).next().is_some(),
        "completed to the file"
    );
    key(&mut h, egui::Key::Enter);
    h.run_steps(3);
    assert_eq!(h.state().doc.map().name, "Opened through the prompt");
}

#[test]
fn a_step_placed_in_another_lanes_band_is_drawn_in_its_own_and_drops_where_released() {
    use valueflow::model::Step;
    let mut map = Map::new("Misplaced");
    for (id, name) in [("warehouse", "Warehouse"), ("logistics", "Logistics")] {
        map.add_lane(Lane::new(id, name)).unwrap();
    }
    for (id, lane, [x, y]) in [
        ("pick", "warehouse", [100.0, 70.0]),
        // In Logistics, but its file position is in the Warehouse band.
        ("pack", "logistics", [300.0, 60.0]),
        ("ship", "logistics", [500.0, 120.0]),
    ] {
        let mut s = Step::new(id, id, StepKind::Activity).in_lane(lane);
        s.pos = Some([x, y]);
        map.add_step(s).unwrap();
    }
    let mut h = harness(app_on(map));
    let lane_drawn = |h: &Harness<'_, EditorApp>, id: &str| {
        let c = h.state().canvas.step_centre(&StepId::new(id)).unwrap();
        h.state().canvas.lane_at(c.y)
    };
    assert_eq!(lane_drawn(&h, "pack"), Some("logistics".into()));
    // A drop inside the lane lands exactly where it was released.
    h.state_mut().selection.only(StepId::new("pack"));
    h.key_press_modifiers(Modifiers::SHIFT, egui::Key::F);
    h.run_steps(2);
    let zoom = h.state().canvas.zoom;
    let before = h
        .state()
        .doc
        .map()
        .step(&StepId::new("pack"))
        .unwrap()
        .pos
        .unwrap();
    let at = step_screen(&h, "pack");
    drag(&mut h, at, at + Vec2::new(60.0, 10.0), Modifiers::NONE);
    let after = h
        .state()
        .doc
        .map()
        .step(&StepId::new("pack"))
        .unwrap()
        .pos
        .unwrap();
    assert!(
        (after[0] - (before[0] + 60.0 / zoom)).abs() < 0.5,
        "{before:?} → {after:?}"
    );
    assert!(
        (after[1] - (before[1] + 10.0 / zoom)).abs() < 0.5,
        "{before:?} → {after:?}"
    );
    assert_steps_in_their_lanes(h.state().doc.map());
}

#[test]
fn import_notes_show_in_full_in_a_dialog_and_a_new_map_starts_its_findings_at_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bizagi.bpmn");
    std::fs::write(
        &file,
        bpmn_text::data_store_ref_not_in_the_file(
            "DataStore_never_written_by_the_exporting_tool_with_a_long_name",
        ),
    )
    .unwrap();
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    let opened = h.state().opened_count();
    h.state_mut().import_path(&file);
    h.run_steps(3);
    assert!(h.query_by_label("Imported with 1 note").is_some());
    assert!(
        h.query_by_label_contains("DataStore_never_written_by_the_exporting_tool_with_a_long_name")
            .is_some(),
        "the note in full"
    );
    h.get_by_label("OK").click();
    h.run_steps(2);
    assert!(h.state().dialog.is_none());
    // The findings list of the new map is a new scroll area (it starts at the top).
    assert_eq!(h.state().opened_count(), opened + 1);
}

#[test]
fn a_steps_tooltip_shows_on_hover_but_not_over_a_field_being_edited() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    h.get_all_by_label_contains("Reconcile customer account")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    let message = "makes the case wait 5d";
    // The inspector's Challenge section shows the finding too; the tooltip adds one more.
    let shown = |h: &Harness<'_, EditorApp>| h.query_all_by_label_contains(message).count();
    let in_inspector = shown(&h);
    let at = step_screen(&h, "reconcile-account");
    h.hover_at(at);
    h.run_steps(20);
    assert!(
        shown(&h) > in_inspector,
        "hovering the step shows its findings"
    );
    // Typing in the inspector: no tooltip over the fields.
    h.get_by_label("Name").click();
    h.run_steps(2);
    h.hover_at(pos2(at.x + 1.0, at.y));
    h.run_steps(20);
    assert!(h.state().doc.map().step_count() > 0);
    assert_eq!(
        shown(&h),
        in_inspector,
        "no tooltip while a field has the keyboard"
    );
}

/// The distinct steps with a delay finding (the challenge question's steps), counted here
/// from the findings themselves.
fn delay_flagged_steps(map: &Map) -> usize {
    let a = valueflow::analysis::analyze(map);
    let mut steps: Vec<&StepId> = a
        .findings
        .iter()
        .filter(|f| matches!(f.rule.as_str(), "no-value-delay" | "unassessed-delay"))
        .map(|f| &f.step)
        .collect();
    steps.sort();
    steps.dedup();
    steps.len()
}

#[test]
fn challenge_a_flagged_step_then_create_the_to_be_from_its_disposition() {
    // The sample without its challenge, as a consultant starts it.
    let mut map = valueflow::samples::default_map().unwrap();
    let ids: Vec<StepId> = map.steps().map(|s| s.id.clone()).collect();
    for id in &ids {
        map.set_step_field(id, valueflow::model::StepField::Review(None))
            .unwrap();
    }
    let flagged = delay_flagged_steps(&map);
    let mut h = harness(app_on(map));
    let progress = format!("0 of {flagged} flagged steps challenged");
    assert!(h.query_by_label(&progress).is_some(), "{progress}");
    h.get_all_by_label_contains("Split order by business unit")
        .next()
        .unwrap()
        .click();
    h.run_steps(3);
    assert_eq!(h.state().selection.steps, vec![StepId::new("split-order")]);
    // The step's delay finding shows above the questions.
    assert!(
        h.query_all_by_label_contains("makes the case wait")
            .next()
            .is_some()
    );
    // Answer the first question: one undo step, committed when the field is left.
    let question = h
        .get_all_by_label("What does this step do for the customer?")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::MultilineTextInput)
        .unwrap();
    question.focus();
    h.step();
    focused(&h).type_text("Nothing: it is for our ledgers");
    h.step();
    key(&mut h, egui::Key::Tab);
    h.run_steps(2);
    let step = |h: &Harness<'_, EditorApp>| {
        h.state()
            .doc
            .map()
            .step(&"split-order".into())
            .unwrap()
            .clone()
    };
    assert_eq!(
        step(&h).review.unwrap().answers[0],
        "Nothing: it is for our ledgers"
    );
    assert_eq!(h.state().doc.undo_label(), Some("challenge"));
    // Decide: eliminate.
    h.get_all_by_role(egui::accesskit::Role::ComboBox)
        .find(|n| n.value().as_deref() == Some("Undecided"))
        .unwrap()
        .scroll_to_me();
    h.run_steps(3);
    let at = h
        .get_all_by_role(egui::accesskit::Role::ComboBox)
        .find(|n| n.value().as_deref() == Some("Undecided"))
        .unwrap()
        .rect()
        .center();
    click(&mut h, at, Modifiers::NONE);
    h.run_steps(2);
    h.get_by_label("Eliminate").click();
    h.run_steps(3);
    assert_eq!(
        *step(&h).disposition(),
        valueflow::model::Disposition::Eliminate
    );
    let progress = format!("1 of {flagged} flagged steps challenged");
    assert!(h.query_by_label(&progress).is_some(), "{progress}");
    // The decided finding says so in the list.
    assert!(
        h.query_all_by_label_contains("✔ eliminate")
            .next()
            .is_some()
    );
    // Create the to-be: the as-is has unsaved changes, so the question comes first.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::T);
    h.run_steps(2);
    assert!(h.query_by_label("Unsaved changes").is_some());
    h.get_by_label("Discard").click();
    h.run_steps(3);
    let to_be = h.state().doc.map();
    assert_eq!(to_be.name, "Order to cash (as-is) (to-be)");
    assert!(!to_be.contains_step(&"split-order".into()));
    assert!(
        to_be
            .find_flow(
                &"enter-order".into(),
                &"credit-check".into(),
                FlowKind::Work
            )
            .is_some(),
        "the steps around the eliminated one are joined"
    );
    assert!(h.state().doc.is_dirty(), "the to-be is a new, unsaved map");
}

#[test]
fn a_lane_is_marked_as_the_customers_with_undo() {
    let mut h = harness(app_on(empty_map()));
    let customer = |h: &Harness<'_, EditorApp>| h.state().doc.map().lanes()[1].customer;
    assert!(!customer(&h));
    h.get_all_by_label("👤").nth(1).unwrap().click();
    h.run_steps(2);
    assert!(customer(&h));
    assert_eq!(h.state().doc.undo_label(), Some("customer lane"));
    cmd_key(&mut h, egui::Key::Z);
    assert!(!customer(&h));
}

#[test]
fn the_worksheet_sorts_filters_and_edits_in_place_with_undo() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    key(&mut h, egui::Key::W);
    h.run_steps(2);
    assert!(h.state().worksheet.is_some());
    assert!(h.query_by_label("Challenge worksheet").is_some());
    // Sort by wait, longest first: click the header twice.
    for _ in 0..2 {
        h.get_by_label_contains("Wait").click();
        h.run_steps(2);
    }
    let ws = h.state().worksheet.clone().unwrap();
    assert_eq!(
        ws.sort,
        Some((valueflow::view::worksheet::Column::Wait, false))
    );
    // The first row is the longest wait: the reconciliation (5d).
    assert!(
        h.query_by_label("Reconcile customer account across BU ledgers")
            .is_some()
    );
    // Filter to the merges only.
    h.state_mut().worksheet.as_mut().unwrap().filter.disposition =
        Some(valueflow::model::DispositionKind::Merge);
    h.run_steps(2);
    assert!(h.query_by_label("Split order by business unit").is_none());
    assert!(h.query_by_label("Create Services BU invoice").is_some());
    h.state_mut().worksheet.as_mut().unwrap().filter = Default::default();
    h.state_mut().worksheet.as_mut().unwrap().sort = None;
    h.run_steps(2);
    // Keyboard: the first cell, then right to the step's name, Enter, type, Enter.
    h.get_by_label("Customer places order").click();
    h.run_steps(2);
    assert_eq!(h.state().selection.steps, vec![StepId::new("place-order")]);
    key(&mut h, egui::Key::ArrowDown);
    assert_eq!(h.state().selection.steps, vec![StepId::new("enter-order")]);
    key(&mut h, egui::Key::Enter);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.step();
    focused(&h).type_text("Key in order");
    h.step();
    key(&mut h, egui::Key::Enter);
    h.run_steps(2);
    let name = |h: &Harness<'_, EditorApp>| {
        h.state()
            .doc
            .map()
            .step(&"enter-order".into())
            .unwrap()
            .name
            .clone()
    };
    assert_eq!(name(&h), "Key in order");
    assert_eq!(h.state().doc.undo_label(), Some("rename"));
    // Esc cancels an edit.
    key(&mut h, egui::Key::Enter);
    h.run_steps(2);
    focused(&h).type_text(" never");
    h.step();
    key(&mut h, egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(name(&h), "Key in order");
    // Right twice to the value column: Enter takes the next value, one undo step.
    key(&mut h, egui::Key::ArrowRight);
    key(&mut h, egui::Key::ArrowRight);
    let value = |h: &Harness<'_, EditorApp>| {
        h.state()
            .doc
            .map()
            .step(&"enter-order".into())
            .unwrap()
            .value
    };
    assert_eq!(value(&h), Value::Business);
    key(&mut h, egui::Key::Enter);
    assert_eq!(value(&h), Value::None);
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(value(&h), Value::Business);
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(name(&h), "Enter order");
    // W again: back to the canvas.
    key(&mut h, egui::Key::W);
    assert!(h.state().worksheet.is_none());
}

#[test]
fn the_customer_view_shows_the_blueprint_and_changes_nothing_in_the_file() {
    let map = valueflow::samples::default_map().unwrap();
    let before = valueflow::format::to_json_string(&map).unwrap();
    let mut h = harness(app_on(map));
    key(&mut h, egui::Key::B);
    h.run_steps(4);
    assert!(h.state().customer_view.is_some());
    let bands: Vec<String> = h
        .state()
        .canvas
        .bands
        .iter()
        .map(|b| b.name.clone())
        .collect();
    assert_eq!(bands.first().map(String::as_str), Some("Customer"));
    assert_eq!(
        bands.last().map(String::as_str),
        Some("Backstage (internal work)")
    );
    let (interaction, visibility) = h.state().canvas.blueprint_lines.unwrap();
    assert!(interaction.unwrap() < visibility.unwrap());
    // Dragging a step in the view moves nothing in the map.
    let from = step_screen(&h, "split-order");
    drag(&mut h, from, from + Vec2::new(80.0, 60.0), Modifiers::NONE);
    h.run_steps(3);
    assert_eq!(
        valueflow::format::to_json_string(h.state().doc.map()).unwrap(),
        before
    );
    assert!(!h.state().doc.is_dirty());
    // Every step is still in view after the fit, and B goes back to the lanes.
    assert_all_steps_in_view(&h);
    key(&mut h, egui::Key::B);
    h.run_steps(3);
    assert!(h.state().customer_view.is_none());
    assert_eq!(h.state().canvas.bands.len(), 8);
}

#[test]
fn the_to_be_opens_as_its_own_unsaved_map_proposed_beside_its_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let as_is = dir.path().join("rework.vfmap.json");
    std::fs::copy(
        "tests/fixtures/spec/example-rework-reviewed.vfmap.json",
        &as_is,
    )
    .unwrap();
    let before = std::fs::read(&as_is).unwrap();
    let map = valueflow::format::load_file(&as_is).unwrap();
    let mut h = harness(
        EditorApp::new(map, Some(as_is.clone()), Prefs::default(), None).without_native_dialogs(),
    );
    assert_eq!(h.state().analysis.metrics.lead_time_mins, Some(105.0));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::T);
    h.run_steps(3);
    // The improved lead time (A's wait automated away, Y eliminated: 37.5 min, see the CLI
    // test) is the app's analysis now.
    assert_eq!(h.state().analysis.metrics.lead_time_mins, Some(37.5));
    assert!(h.state().doc.path().is_none());
    assert!(h.state().doc.is_dirty());
    // Editable with undo like any map.
    key(&mut h, egui::Key::Escape);
    cmd_key(&mut h, egui::Key::S);
    h.run_steps(3);
    let proposed = dir.path().join("rework-to-be.vfmap.json");
    assert_eq!(
        focused(&h).value().as_deref(),
        Some(proposed.display().to_string().as_str())
    );
    key(&mut h, egui::Key::Enter);
    h.run_steps(3);
    assert!(proposed.is_file());
    assert_eq!(h.state().doc.path(), Some(proposed.as_path()));
    // The as-is file is never touched.
    assert_eq!(std::fs::read(&as_is).unwrap(), before);
}

/// The two halves of a linked comparison share the zoom and the horizontal pan, while each
/// fits its own lanes up and down: the to-be's lanes fill the lower half (they ran past it,
/// or left part of it empty, at the as-is' vertical scale), and zooming below keeps what is
/// at the middle of the view above where it was.
#[test]
fn in_a_linked_comparison_each_half_fits_its_own_lanes() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    compare_with_to_be(&mut h);
    let lanes_end = |c: &valueflow::app::canvas::Canvas| {
        let last = c.bands.last().unwrap().bottom;
        c.canvas_to_screen(pos2(0.0, last)).y
    };
    let lanes_top = |c: &valueflow::app::canvas::Canvas| {
        let first = c.bands.first().unwrap().top;
        c.canvas_to_screen(pos2(0.0, first)).y
    };
    {
        let app = h.state();
        let below = &app.compare.as_ref().unwrap().canvas;
        for (name, c) in [("above", &app.canvas), ("below", below)] {
            let (top, end) = (lanes_top(c), lanes_end(c));
            assert!(
                top >= c.rect.top() - 0.5 && end <= c.rect.bottom() + 0.5,
                "{name}: lanes from {top} to {end}, the canvas from {} to {}",
                c.rect.top(),
                c.rect.bottom()
            );
        }
        let end = lanes_end(below);
        assert!(
            end > below.rect.bottom() - 40.0,
            "below, the lanes end at {end}, the canvas at {}",
            below.rect.bottom()
        );
        assert!((below.zoom - app.canvas.zoom).abs() < 1e-6);
        assert!((below.pan.x - app.canvas.pan.x).abs() < 1e-3);
    }
    // Dragging the view below: across, both move; up and down, only the one below (its lanes
    // are its own).
    let pans = |h: &Harness<'_, EditorApp>| {
        let a = h.state();
        (a.canvas.pan, a.compare.as_ref().unwrap().canvas.pan)
    };
    let (above_before, below_before) = pans(&h);
    // A point of the canvas with no step under it (a drag there pans).
    let from = empty_place_below(&h, 10);
    let to = from + Vec2::new(60.0, 40.0);
    drag(&mut h, from, to, Modifiers::NONE);
    h.run_steps(3);
    let (above_after, below_after) = pans(&h);
    assert!(
        (below_after - below_before - (to - from)).length() < 1.0,
        "below, the pan went from {below_before:?} to {below_after:?}"
    );
    assert!((above_after.x - below_after.x).abs() < 1e-3);
    assert!(
        (above_after.y - above_before.y).abs() < 1e-3,
        "above, the pan went from {above_before:?} to {above_after:?}"
    );
    // Zooming in below: the zoom and the horizontal pan follow above, and the middle of the
    // view above stays on the same part of the map.
    let (middle_above, at_middle) = {
        let c = &h.state().canvas;
        let m = c.rect.center();
        (m, c.screen_to_canvas(m))
    };
    let below = h.state().compare.as_ref().unwrap().canvas.rect.center();
    h.hover_at(below);
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: Vec2::new(0.0, 3.0),
        modifiers: Modifiers::COMMAND,
        phase: egui::TouchPhase::Move,
    });
    h.run_steps(3);
    let app = h.state();
    let lower = &app.compare.as_ref().unwrap().canvas;
    assert!(app.canvas.zoom > lower.zoom - 1e-6 && app.canvas.zoom < lower.zoom + 1e-6);
    assert!((lower.pan.x - app.canvas.pan.x).abs() < 1e-3);
    let now = app.canvas.screen_to_canvas(middle_above);
    assert!(
        (now.y - at_middle.y).abs() < 1.0,
        "the middle above moved from y {} to {}",
        at_middle.y,
        now.y
    );
}

/// The compared map is looked at, not edited: its context menu offers only to fit it (no
/// Delete or Rename that would do nothing), a drag on one of its steps pans the view instead
/// of moving the step, and a double-click adds nothing.
#[test]
fn the_compared_map_is_read_only_its_menu_fits_and_a_drag_pans() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    compare_with_to_be(&mut h);
    let id = StepId::new("ship-goods");
    let below = |h: &Harness<'_, EditorApp>| {
        let c = &h.state().compare.as_ref().unwrap().canvas;
        c.canvas_to_screen(c.step_centre(&id).unwrap())
    };
    let before = h.state().compare.as_ref().unwrap().map.clone();
    // The edit commands (the toolbar has some of them too: counted before the menu opens).
    let edits = ["Delete", "Rename", "Duplicate", "Toggle customer-facing"];
    let count =
        |h: &Harness<'_, EditorApp>| edits.map(|edit| h.query_all_by_label_contains(edit).count());
    let without_menu = count(&h);
    // The menu of a step below.
    let p = below(&h);
    right_click(&mut h, p);
    // (With its key beside it: F acts on the half under the pointer.)
    assert!(h.query_by_label_contains("Fit this map").is_some());
    assert_eq!(count(&h), without_menu, "the menu below offers {edits:?}");
    // Fitting it: the whole to-be in its half, and the view above takes the zoom.
    let zoom = h.state().compare.as_ref().unwrap().canvas.zoom;
    h.get_by_label_contains("Fit this map").click();
    h.run_steps(4);
    let (fitted, above) = (
        h.state().compare.as_ref().unwrap().canvas.zoom,
        h.state().canvas.zoom,
    );
    assert!((fitted - zoom).abs() > 1e-3, "the fit changed the zoom");
    assert!((fitted - above).abs() < 1e-6);
    // A drag that starts on a step pans: the step keeps its place in the map.
    let (from, pan) = (below(&h), h.state().compare.as_ref().unwrap().canvas.pan);
    let at = h.state().compare.as_ref().unwrap().canvas.step_centre(&id);
    drag(&mut h, from, from + Vec2::new(50.0, 30.0), Modifiers::NONE);
    let c = &h.state().compare.as_ref().unwrap().canvas;
    assert_eq!(c.step_centre(&id), at);
    assert!((c.pan - pan - Vec2::new(50.0, 30.0)).length() < 1.0);
    // A double-click on empty canvas adds no step.
    let empty = empty_place_below(&h, 1);
    h.hover_at(empty);
    h.step();
    for _ in 0..2 {
        press_and_release(&mut h, empty, PointerButton::Primary);
    }
    h.run_steps(3);
    let app = h.state();
    assert_eq!(app.compare.as_ref().unwrap().map, before);
    assert!(!app.doc.is_dirty());
}

#[test]
fn in_a_comparison_the_view_keys_act_on_the_half_under_the_pointer() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    compare_with_to_be(&mut h);
    let fits = |h: &Harness<'_, EditorApp>| {
        let app = h.state();
        (app.canvas.fits, app.compare.as_ref().unwrap().canvas.fits)
    };
    let zoom_below = |h: &Harness<'_, EditorApp>| h.state().compare.as_ref().unwrap().canvas.zoom;
    // F over the lower half fits the compared map (the view above follows its zoom).
    let below = empty_place_below(&h, 1);
    h.hover_at(below);
    h.step();
    let (above, before) = fits(&h);
    h.key_press(egui::Key::F);
    h.run_steps(4);
    assert_eq!(fits(&h), (above, before + 1));
    assert!((h.state().canvas.zoom - zoom_below(&h)).abs() < 1e-6);
    // Zoom out there zooms that half.
    let zoom = zoom_below(&h);
    h.key_press(egui::Key::Minus);
    h.run_steps(2);
    assert!(
        (zoom_below(&h) - zoom * 0.8).abs() < 1e-4,
        "{zoom} -> {}",
        zoom_below(&h)
    );
    // Over the upper half, F fits the open map.
    let top = h.state().canvas.rect;
    h.hover_at(pos2(top.center().x, top.top() + 30.0));
    h.step();
    h.key_press(egui::Key::F);
    h.run_steps(4);
    assert_eq!(fits(&h).0, above + 1);
}

#[test]
fn the_compare_view_sets_the_to_be_below_with_the_metric_deltas() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    let full_height = h.state().canvas.rect.height();
    compare_with_to_be(&mut h);
    let c = h
        .state()
        .compare
        .as_ref()
        .expect("the compare view is open");
    assert!(h.state().canvas.rect.height() < 0.6 * full_height);
    assert!(c.canvas.rect.top() > h.state().canvas.rect.bottom());
    // The metric deltas, as `valueflow compare` computes them.
    let lead = c.rows.iter().find(|r| r[0] == "Lead time").unwrap();
    assert_eq!(lead[1], "26d 5h 58m");
    assert_eq!(lead[2], "3d 10h 6m");
    assert!(h.query_by_label("Metrics compared").is_some());
    let steps = c.steps.as_ref().unwrap();
    assert!(steps.removed.contains(&StepId::new("split-order")));
    assert!(steps.added.contains(&StepId::new("three-way-match")));
    // Selecting a step above selects its twin below, and the other way round.
    h.state_mut().selection.only(StepId::new("pick-pack"));
    h.run_steps(2);
    assert_eq!(
        h.state().compare.as_ref().unwrap().selection.steps,
        vec![StepId::new("pick-pack")]
    );
    let below = {
        let c = h.state().compare.as_ref().unwrap();
        let centre = c.canvas.step_centre(&StepId::new("ship-goods")).unwrap();
        c.canvas.canvas_to_screen(centre)
    };
    click(&mut h, below, Modifiers::NONE);
    assert_eq!(h.state().selection.steps, vec![StepId::new("ship-goods")]);
    // Linked views: zooming below zooms above.
    assert!(h.state().compare.as_ref().unwrap().linked);
    let zoom = h.state().canvas.zoom;
    h.hover_at(below);
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: Vec2::new(0.0, 2.0),
        modifiers: Modifiers::COMMAND,
        phase: egui::TouchPhase::Move,
    });
    h.run_steps(3);
    let (above, below_zoom) = (
        h.state().canvas.zoom,
        h.state().compare.as_ref().unwrap().canvas.zoom,
    );
    assert!((above - zoom).abs() > 1e-3, "the wheel zoomed");
    assert!((above - below_zoom).abs() < 1e-6);
    // The file is read only: nothing of it changed, and the view closes again.
    h.get_by_label("Close compare").click();
    h.run_steps(2);
    assert!(h.state().compare.is_none());
    assert!(!h.state().doc.is_dirty());
}

#[test]
fn the_scorecard_rates_each_parameter_with_notes_and_undo() {
    use valueflow::model::{Rating, ScoreParam};
    let mut h = harness(app_on(empty_map()));
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, egui::Key::K);
    h.run_steps(3);
    assert!(h.query_by_label("Customer-alignment scorecard").is_some());
    // The probing questions guide the rating.
    assert!(
        h.query_by_label_contains("designed for customer value or for internal efficiency")
            .is_some()
    );
    let rating = |h: &Harness<'_, EditorApp>| {
        h.state()
            .doc
            .map()
            .scorecard
            .get(ScoreParam::ProcessDesign)
            .clone()
    };
    // Process design is the fifth parameter (scrolled into view, then clicked).
    h.get_all_by_label("Putting us at risk with customers")
        .nth(4)
        .unwrap()
        .scroll_to_me();
    h.run_steps(3);
    let at = h
        .get_all_by_label("Putting us at risk with customers")
        .nth(4)
        .unwrap()
        .rect()
        .center();
    click(&mut h, at, Modifiers::NONE);
    assert_eq!(rating(&h).rating, Some(Rating::AtRisk));
    assert_eq!(h.state().doc.undo_label(), Some("scorecard"));
    // Notes, committed when the field is left.
    let notes = h
        .get_all_by_label("Notes")
        .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::MultilineTextInput)
        .nth(4)
        .unwrap();
    notes.focus();
    h.step();
    focused(&h).type_text("Built around each BU's system");
    h.step();
    key(&mut h, egui::Key::Tab);
    h.run_steps(2);
    assert_eq!(rating(&h).notes, "Built around each BU's system");
    assert_eq!(rating(&h).rating, Some(Rating::AtRisk));
    // Saved as version 2.
    assert_eq!(h.state().doc.map().saved_version(), 2);
    // Tab moved the keyboard to the next field; Esc leaves it for the undo keys.
    key(&mut h, egui::Key::Escape);
    cmd_key(&mut h, egui::Key::Z);
    cmd_key(&mut h, egui::Key::Z);
    assert_eq!(rating(&h), Default::default());
    assert_eq!(h.state().doc.map().saved_version(), 1);
}

#[test]
fn export_picture_writes_the_selection_or_the_whole_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut h =
        harness(app_on(valueflow::samples::default_map().unwrap()).without_native_dialogs());
    // Through the menu: the path prompt proposes an .svg beside the map.
    open_menu_item(&mut h, "File", "Export picture");
    h.run_steps(2);
    assert!(focused(&h).value().unwrap_or_default().ends_with(".svg"));
    key(&mut h, egui::Key::Escape);
    h.state_mut().dialog = None;
    let whole = dir.path().join("whole.svg");
    h.state_mut().export_picture_to(&whole);
    let steps_in = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .unwrap()
            .matches("class=\"step\"")
            .count()
    };
    assert_eq!(steps_in(&whole), 28);
    h.state_mut().selection.steps = vec![StepId::new("place-order"), StepId::new("enter-order")];
    let part = dir.path().join("part.svg");
    h.state_mut().export_picture_to(&part);
    assert_eq!(steps_in(&part), 2);
    let png = dir.path().join("part.png");
    h.state_mut().export_picture_to(&png);
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    // Any other name is refused with a message.
    h.state_mut()
        .export_picture_to(&dir.path().join("part.jpg"));
    assert!(matches!(
        h.state().dialog,
        Some(valueflow::app::Dialog::Error { .. })
    ));
}

#[test]
fn the_chart_panel_shows_the_ladder_and_a_clicked_pareto_bar_selects_its_step() {
    use valueflow::app::chart_panel::ChartKind;
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    key(&mut h, egui::Key::G);
    h.run_steps(3);
    let panel = h.state().charts.clone().expect("the chart panel is open");
    assert_eq!(panel.kind, ChartKind::Ladder);
    // One rung per step of the critical path, with the totals beside it.
    assert_eq!(
        panel.bar_centres.len(),
        h.state().analysis.critical_path.len()
    );
    assert!(h.query_by_label_contains("Lead time 26d 5h 58m").is_some());
    h.get_by_label("Delay by step").click();
    h.run_steps(3);
    let panel = h.state().charts.clone().unwrap();
    assert_eq!(panel.kind, ChartKind::ParetoSteps);
    // The largest delay first: the month-end reconciliation (5d).
    let (x, first) = panel.bar_centres[0].clone();
    assert_eq!(first, "reconcile-account");
    click(
        &mut h,
        egui::pos2(x, panel.plot_rect.center().y),
        Modifiers::NONE,
    );
    assert_eq!(
        h.state().selection.steps,
        vec![StepId::new("reconcile-account")]
    );
    // By lane: a click selects the lane's steps.
    h.get_by_label("Delay by lane").click();
    h.run_steps(3);
    let panel = h.state().charts.clone().unwrap();
    let (x, lane) = panel.bar_centres[0].clone();
    click(
        &mut h,
        egui::pos2(x, panel.plot_rect.center().y),
        Modifiers::NONE,
    );
    let selected = h.state().selection.steps.clone();
    assert!(!selected.is_empty());
    let map = h.state().doc.map();
    assert!(
        selected.iter().all(
            |id| map.step(id).unwrap().lane.as_ref().map(|l| l.as_str()) == Some(lane.as_str())
        )
    );
    // Charts follow the map: G closes the panel.
    key(&mut h, egui::Key::G);
    assert!(h.state().charts.is_none());
}

/// A small interval log with headers detection does not know for the case: `ticket;task;
/// begin;finish;team`, three tickets through Receive → Check → Reply.
fn write_ticket_log(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("ticket;task;start_time;end_time;role\n");
    for t in 1..=3 {
        let day = format!("2024-03-0{t}");
        for (task, s, e, role) in [
            ("Receive", "09:00", "09:10", "Customer"),
            ("Check", "10:00", "10:30", "Back office"),
            ("Reply", "11:00", "11:05", "Customer"),
        ] {
            text.push_str(&format!("T{t};{task};{day}T{s}:00Z;{day}T{e}:00Z;{role}\n"));
        }
    }
    let path = dir.join("tickets.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn import_an_event_log_through_its_column_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_ticket_log(dir.path());
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    h.state_mut().open_event_log(&log);
    h.run();
    assert!(h.query_by_label("Import event log").is_some());
    // The case column is not detected ("ticket"): Import waits for it and says so.
    assert!(h.query_by_label("Choose the case column.").is_some());
    assert!(
        h.get_by_role_and_label(egui::accesskit::Role::Button, "Import")
            .accesskit_node()
            .is_disabled()
    );
    // The detected columns are preselected; the preview shows the first rows.
    let chosen = h
        .state()
        .event_import
        .as_ref()
        .unwrap()
        .chosen_columns()
        .cloned();
    let chosen = chosen.unwrap();
    assert_eq!(chosen.start.as_deref(), Some("start_time"));
    assert_eq!(chosen.end.as_deref(), Some("end_time"));
    assert_eq!(chosen.role.as_deref(), Some("role"));
    assert_eq!(
        h.query_all_by_label("T1").count(),
        3,
        "the preview's first rows"
    );
    // Choose the case column from its dropdown, and the activity column.
    for (role, column) in [("Case *", "ticket"), ("Activity *", "task")] {
        h.get_by_role_and_label(egui::accesskit::Role::ComboBox, role)
            .click();
        h.run_steps(2);
        let option = h.get_all_by_label(column).last().unwrap();
        option.click();
        h.run_steps(2);
    }
    let chosen = h
        .state()
        .event_import
        .as_ref()
        .unwrap()
        .chosen_columns()
        .cloned();
    assert_eq!(chosen.unwrap().case.as_deref(), Some("ticket"));
    assert!(h.query_by_label("Choose the case column.").is_none());
    assert!(h.query_by_label_contains("Read as: interval CSV").is_some());
    // The thresholds: the median instead of the mean.
    h.get_by_label("median").click();
    h.run_steps(1);
    assert_eq!(
        h.state().event_import.as_ref().unwrap().options.statistic,
        valueflow::eventlog::Statistic::Median
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Import")
        .click();
    h.run_steps(1);
    // The calibration runs on its own thread; the window keeps drawing until it is done,
    // then the map opens.
    let started = std::time::Instant::now();
    while h.state().event_import.is_some() {
        assert!(
            started.elapsed().as_secs() < 30,
            "the calibration did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    h.run_steps(3);
    let map = h.state().doc.map();
    assert_eq!(map.name, "tickets (calibrated)");
    let ids: Vec<&str> = map.steps().map(|s| s.id.as_str()).collect();
    for id in ["start", "receive", "check", "reply", "end"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    // Every ticket waits 50 minutes for Check (09:10 → 10:00) and it takes 30.
    let check = map.step(&StepId::new("check")).unwrap();
    assert_eq!(check.work_mins, 30.0);
    assert_eq!(check.wait_mins, 50.0);
    assert!(h.state().doc.is_dirty() && h.state().doc.path().is_none());
    assert!(h.query_by_label("Calibrated from tickets.csv").is_some());
    // The lane named Customer is offered as the customer's: one click marks it and its
    // steps, one undo takes both back.
    assert!(
        h.query_by_label("\"Customer\" looks like the customer.")
            .is_some()
    );
    h.get_by_label_contains("Mark as the customer").click();
    h.run_steps(2);
    let map = h.state().doc.map();
    assert!(map.lane(&"customer".into()).unwrap().customer);
    for id in ["receive", "reply"] {
        assert!(map.step(&StepId::new(id)).unwrap().is_customer_facing());
    }
    assert!(
        !map.step(&StepId::new("check"))
            .unwrap()
            .is_customer_facing()
    );
    cmd_key(&mut h, egui::Key::Z);
    let map = h.state().doc.map();
    assert!(!map.lane(&"customer".into()).unwrap().customer);
    assert!(
        !map.step(&StepId::new("receive"))
            .unwrap()
            .is_customer_facing()
    );
}

#[test]
fn cancelling_the_import_keeps_the_open_map() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_ticket_log(dir.path());
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    let before = h.state().doc.map().clone();
    h.state_mut().open_event_log(&log);
    h.run_steps(2);
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Cancel")
        .click();
    h.run_steps(2);
    assert!(h.state().event_import.is_none());
    assert_eq!(*h.state().doc.map(), before);
    // Cancel while a large log is being read: the window shows the progress, Cancel
    // stops it and the open map stays, also after the reading thread has ended.
    let big = dir.path().join("big.csv");
    let mut text = String::from("case_id,activity,start_time,end_time\n");
    for c in 0..150_000 {
        for (a, s, e) in [("A", "09:00", "09:10"), ("B", "10:00", "10:30")] {
            text.push_str(&format!("{c},{a},2024-03-01T{s}:00Z,2024-03-01T{e}:00Z\n"));
        }
    }
    std::fs::write(&big, text).unwrap();
    h.state_mut().open_event_log(&big);
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Import")
        .click();
    h.run_steps(4);
    assert!(h.state().event_import.as_ref().unwrap().is_running());
    assert!(
        h.query_by_label_contains("Reading the log").is_some()
            || h.query_by_label_contains("Calibrating the map").is_some()
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Cancel")
        .click();
    h.run_steps(2);
    assert!(h.state().event_import.is_none());
    std::thread::sleep(std::time::Duration::from_millis(300));
    h.run_steps(2);
    assert_eq!(*h.state().doc.map(), before);
    // Esc closes it too; a file that is no log is an error dialog.
    h.state_mut().open_event_log(&log);
    h.run();
    key(&mut h, egui::Key::Escape);
    assert!(h.state().event_import.is_none());
    let bad = dir.path().join("empty.csv");
    std::fs::write(&bad, "").unwrap();
    h.state_mut().open_event_log(&bad);
    h.run_steps(2);
    assert!(h.query_by_label("Cannot read the event log").is_some());
    assert_eq!(*h.state().doc.map(), before);
}

#[test]
fn a_calibrated_step_shows_what_the_log_observed() {
    // Four tickets; Check waits 50 minutes for three of them and 2000 for the last one.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skewed.csv");
    let mut text = String::from("case_id,activity,start_time,end_time,role\n");
    for (t, check_wait) in [50, 50, 50, 2000].into_iter().enumerate() {
        let base = 1_700_000_000i64 + t as i64 * 86_400 * 3;
        let at = |mins: i64| {
            jiff::Timestamp::from_second(base + mins * 60)
                .unwrap()
                .to_string()
        };
        text.push_str(&format!("{t},Receive,{},{},Desk\n", at(0), at(10)));
        let s = 10 + check_wait;
        text.push_str(&format!("{t},Check,{},{},Office\n", at(s), at(s + 30)));
    }
    std::fs::write(&log, text).unwrap();
    let c = valueflow::eventlog::calibrate_path(
        &log,
        &valueflow::eventlog::Options::default(),
        &valueflow::eventlog::Progress::new(),
    )
    .unwrap();
    let mut h = harness(app_on(c.map));
    // The findings panel: the log's case durations beside the map's lead time.
    assert!(h.query_by_label("Observed case duration (mean)").is_some());
    assert!(
        h.query_by_label("Observed case duration (median)")
            .is_some()
    );
    // Check: 4 instances, its wait skewed (mean 537.5 minutes, median 50).
    h.state_mut().selection.steps = vec![StepId::new("check")];
    h.run_steps(3);
    assert!(h.query_by_label("Observed in the event log").is_some());
    assert!(h.query_by_label("4 instances in 4 cases").is_some());
    let shown = |mins: f64| valueflow::units::format_duration(mins);
    assert!(
        h.query_by_label(&shown(537.5)).is_some(),
        "the mean wait, 537.5 minutes"
    );
    assert!(h.query_by_label(&shown(50.0)).is_some(), "the median wait");
    assert!(
        h.query_by_label_contains("more than 3× the median")
            .is_some()
    );
    // Receive: no wait before it, no skew.
    h.state_mut().selection.steps = vec![StepId::new("receive")];
    h.run_steps(3);
    assert!(h.query_by_label("Observed in the event log").is_some());
    assert!(
        h.query_by_label_contains("more than 3× the median")
            .is_none()
    );
    // A step drawn by hand has no observed statistics.
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    h.state_mut().selection.steps = vec![StepId::new("enter-order")];
    h.run_steps(3);
    assert!(h.query_by_label("Observed in the event log").is_none());
    assert!(h.query_by_label("Observed case duration (mean)").is_none());
}

#[test]
fn opening_another_map_refreshes_every_view_made_from_the_old_one() {
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    key(&mut h, egui::Key::B);
    assert!(h.state().customer_view.is_some());
    h.state_mut()
        .open_path(std::path::Path::new("samples/coffee-shop-order.vfmap.json"));
    h.run_steps(3);
    let app = h.state();
    let ids = |m: &Map| {
        let mut v: Vec<String> = m.steps().map(|s| s.id.to_string()).collect();
        v.sort();
        v
    };
    // The customer view, the analysis and the canvas are the new map's.
    let (_, bp) = app.customer_view.as_ref().unwrap();
    assert_eq!(ids(&bp.map), ids(app.doc.map()));
    assert_eq!(app.analysis, valueflow::analysis::analyze(app.doc.map()));
    for s in app.doc.map().steps() {
        assert!(
            app.canvas.step_centre(&s.id).is_some(),
            "{} on the canvas",
            s.id
        );
    }
}

#[test]
fn a_dropped_event_log_opens_the_import_and_a_step_table_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_ticket_log(dir.path());
    let mut h = harness(app_on(valueflow::samples::default_map().unwrap()));
    #[derive(Debug)]
    struct Dropped(std::path::PathBuf);
    impl egui::DroppedFile for Dropped {
        fn path(&self) -> &std::path::Path {
            &self.0
        }
        fn bytes(&self) -> Result<Vec<u8>, String> {
            std::fs::read(&self.0).map_err(|e| e.to_string())
        }
    }
    let drop = |h: &mut Harness<'_, EditorApp>, path: &std::path::Path| {
        h.input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(path.to_owned())));
        h.run_steps(3);
    };
    drop(&mut h, &log);
    assert!(h.state().event_import.is_some(), "the log's import dialog");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Cancel")
        .click();
    h.run_steps(2);
    assert!(h.state().event_import.is_none());
    // valueflow's own CSV step table is a map, not a log.
    let table = dir.path().join("steps.csv");
    valueflow::interop::export_file(&valueflow::samples::default_map().unwrap(), &table).unwrap();
    drop(&mut h, &table);
    assert!(h.state().event_import.is_none());
    assert!(
        h.state().doc.is_dirty() && h.state().doc.path().is_none(),
        "imported"
    );
}
