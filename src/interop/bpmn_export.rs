//! `Map` → BPMN 2.0 XML: one pool with the map's lanes, full DI from step positions, and
//! valueflow's own fields in the `vf:` namespace so that export → import is lossless.

use super::bpmn_import::{BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, VF_NS};
use crate::layout;
use crate::model::{FlowKind, Map, Step, StepId, StepKind};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Height of a pool without lanes when it holds nothing.
const LANE_HEIGHT: f64 = layout::LANE_MIN_HEIGHT as f64;
/// Width of the pool's and the lanes' title strips.
const HEADER_WIDTH: f64 = 30.0;
/// Room between the outermost shapes and the pool's border.
const MARGIN: f64 = 40.0;

/// Shape size (width, height) of a step of each kind, as BPMN tools draw them.
fn shape_size(kind: StepKind) -> (f64, f64) {
    match kind {
        StepKind::Start | StepKind::End | StepKind::Wait => (36.0, 36.0),
        StepKind::Decision => (50.0, 50.0),
        StepKind::Activity => (100.0, 80.0),
    }
}

fn element_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Start => "startEvent",
        StepKind::End => "endEvent",
        StepKind::Wait => "intermediateCatchEvent",
        StepKind::Decision => "exclusiveGateway",
        StepKind::Activity => "task",
    }
}

/// Formats minutes as an ISO-8601 duration: `P1DT2H30M`, `PT0M`, `PT1.5M`.
pub fn format_iso_duration(mins: f64) -> String {
    if !(mins.is_finite() && mins > 0.0) {
        return "PT0M".into();
    }
    if mins.fract() != 0.0 || mins >= 1e15 {
        return format!("PT{mins}M");
    }
    let days = (mins / 1440.0).floor();
    let rest = mins - days * 1440.0;
    let hours = (rest / 60.0).floor();
    let minutes = rest - hours * 60.0;
    let mut out = String::from("P");
    if days > 0.0 {
        let _ = write!(out, "{days}D");
    }
    if hours > 0.0 || minutes > 0.0 {
        out.push('T');
        if hours > 0.0 {
            let _ = write!(out, "{hours}H");
        }
        if minutes > 0.0 {
            let _ = write!(out, "{minutes}M");
        }
    }
    out
}

/// Escapes text for an attribute value or element content. Tabs and line breaks become
/// character references so attribute normalisation keeps them; characters XML 1.0 cannot
/// carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Makes an XML id (an NCName) from any text: ASCII letters, digits, `-`, `_`, `.` kept.
fn ncname(prefix: &str, text: &str) -> String {
    let mut out = String::from(prefix);
    for c in text.chars() {
        out.push(
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            },
        );
    }
    out
}

/// Unique XML ids, made readable from the map's own ids.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
}

impl Ids {
    fn make(&mut self, prefix: &str, text: &str) -> String {
        let base = ncname(prefix, text);
        let mut id = base.clone();
        let mut k = 2;
        while self.used.contains(&id) {
            id = format!("{base}_{k}");
            k += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

/// Where each step is drawn: its own position, else where the editor's auto-arrange puts it.
fn centres(map: &Map) -> Vec<[f64; 2]> {
    let arranged: HashMap<StepId, [f32; 2]> = if map.steps().any(|s| s.pos.is_none()) {
        layout::arrange(map).into_iter().collect()
    } else {
        HashMap::new()
    };
    map.steps()
        .map(|s| {
            let [x, y] = s
                .pos
                .or_else(|| arranged.get(&s.id).copied())
                .unwrap_or([0.0, 0.0]);
            [f64::from(x), f64::from(y)]
        })
        .collect()
}

/// The y range of each lane band, top to bottom, as the editor draws them
/// (`layout::lane_bands`), counting auto-placed steps where they are drawn.
fn lane_bands(map: &Map, centre: &[[f64; 2]]) -> Vec<(f64, f64)> {
    let mut placed = map.clone();
    let ids: Vec<StepId> = map.steps().map(|s| s.id.clone()).collect();
    for (id, [x, y]) in ids.iter().zip(centre) {
        // The ids come from the map itself and the positions are finite.
        let _ = placed.move_step(id, [*x as f32, *y as f32]);
    }
    layout::lane_bands(&placed)
        .into_iter()
        .map(|b| (f64::from(b.top), f64::from(b.bottom)))
        .collect()
}

/// How an information flow is written: through a data object (the BPMN way for a document
/// passed between activities) or, where an end cannot hold a data association, an association.
fn via_data_object(from: &Step, to: &Step) -> bool {
    matches!(
        from.kind,
        StepKind::Activity | StepKind::Start | StepKind::Wait
    ) && to.kind == StepKind::Activity
}

/// A number as exact text (Rust's shortest round-trip form).
fn num(v: f64) -> String {
    format!("{v}")
}

/// The BPMN 2.0 XML text of a map (see docs/bpmn.md for the mapping).
pub fn to_bpmn_string(map: &Map) -> String {
    let mut ids = Ids::default();
    let steps: Vec<&Step> = map.steps().collect();
    let index: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    for fixed in [
        "Definitions_1",
        "Collaboration_1",
        "Participant_1",
        "Process_1",
        "LaneSet_1",
        "BPMNDiagram_1",
        "BPMNPlane_1",
    ] {
        ids.used.insert(fixed.into());
    }
    let step_ids: Vec<String> = steps
        .iter()
        .map(|s| ids.make(&format!("{}_", element_name(s.kind)), s.id.as_str()))
        .collect();
    let lane_ids: Vec<String> = map
        .lanes()
        .iter()
        .map(|l| ids.make("Lane_", l.id.as_str()))
        .collect();
    let centre = centres(map);

    // Flows, with their XML ids and what each step needs to list.
    struct Edge {
        id: String,
        from: usize,
        to: usize,
        order: usize,
    }
    let mut sequence = Vec::new();
    let mut data = Vec::new();
    let mut associations = Vec::new();
    let mut incoming: Vec<Vec<String>> = vec![Vec::new(); steps.len()];
    let mut outgoing: Vec<Vec<String>> = vec![Vec::new(); steps.len()];
    let mut reads: Vec<Vec<(String, String, String)>> = vec![Vec::new(); steps.len()];
    let mut writes: Vec<Vec<(String, String, usize)>> = vec![Vec::new(); steps.len()];
    for (order, f) in map.flows().enumerate() {
        let (Some(&from), Some(&to)) = (index.get(f.from.as_str()), index.get(f.to.as_str()))
        else {
            continue;
        };
        match f.flow.kind {
            FlowKind::Work => {
                let id = ids.make("Flow_", &format!("{}", order + 1));
                outgoing[from].push(id.clone());
                incoming[to].push(id.clone());
                sequence.push((
                    Edge {
                        id,
                        from,
                        to,
                        order,
                    },
                    f.flow,
                ));
            }
            FlowKind::Information if from != to && via_data_object(steps[from], steps[to]) => {
                let n = order + 1;
                let reference = ids.make("DataObjectReference_", &n.to_string());
                let object = ids.make("DataObject_", &n.to_string());
                let write_id = ids.make("DataOutputAssociation_", &n.to_string());
                let read_id = ids.make("DataInputAssociation_", &n.to_string());
                let property = ids.make("Property_", &n.to_string());
                writes[from].push((write_id.clone(), reference.clone(), order));
                reads[to].push((read_id.clone(), reference.clone(), property));
                data.push((reference, object, write_id, read_id, from, to, f.flow));
            }
            FlowKind::Information => {
                let id = ids.make("Association_", &format!("{}", order + 1));
                associations.push((
                    Edge {
                        id,
                        from,
                        to,
                        order,
                    },
                    f.flow,
                ));
            }
        }
    }

    let mut x = String::with_capacity(1024 + steps.len() * 900);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<bpmn:definitions xmlns:bpmn=\"{BPMN_NS}\" xmlns:bpmndi=\"{BPMNDI_NS}\" \
         xmlns:dc=\"{DC_NS}\" xmlns:di=\"{DI_NS}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:vf=\"{VF_NS}\" \
         id=\"Definitions_1\" targetNamespace=\"https://valueflow.dev/bpmn/map\" \
         exporter=\"valueflow\" exporterVersion=\"{}\" name=\"{}\" vf:description=\"{}\">",
        env!("CARGO_PKG_VERSION"),
        esc(&map.name),
        esc(&map.description)
    );
    let pool_name = if map.name.is_empty() {
        "Process"
    } else {
        &map.name
    };
    let laneless = map.lanes().is_empty();
    x.push_str("  <bpmn:collaboration id=\"Collaboration_1\">\n");
    let _ = writeln!(
        x,
        "    <bpmn:participant id=\"Participant_1\" name=\"{}\" processRef=\"Process_1\"{} />",
        esc(pool_name),
        if laneless {
            " vf:laneless=\"true\""
        } else {
            ""
        }
    );
    x.push_str("  </bpmn:collaboration>\n");
    x.push_str("  <bpmn:process id=\"Process_1\" isExecutable=\"false\">\n");
    if !laneless {
        x.push_str("    <bpmn:laneSet id=\"LaneSet_1\">\n");
        for (k, lane) in map.lanes().iter().enumerate() {
            let _ = writeln!(
                x,
                "      <bpmn:lane id=\"{}\" name=\"{}\" vf:id=\"{}\">",
                lane_ids[k],
                esc(&lane.name),
                esc(lane.id.as_str())
            );
            for (s, step) in steps.iter().enumerate() {
                if step.lane.as_ref() == Some(&lane.id) {
                    let _ = writeln!(
                        x,
                        "        <bpmn:flowNodeRef>{}</bpmn:flowNodeRef>",
                        step_ids[s]
                    );
                }
            }
            x.push_str("      </bpmn:lane>\n");
        }
        x.push_str("    </bpmn:laneSet>\n");
    }
    for (s, step) in steps.iter().enumerate() {
        let el = element_name(step.kind);
        let _ = writeln!(
            x,
            "    <bpmn:{el} id=\"{}\" name=\"{}\" vf:id=\"{}\" vf:kind=\"{}\" vf:touchpoint=\"{}\" \
             vf:value=\"{}\" vf:workMins=\"{}\" vf:waitMins=\"{}\" vf:benefit=\"{}\" \
             vf:system=\"{}\" vf:notes=\"{}\">",
            step_ids[s],
            esc(&step.name),
            esc(step.id.as_str()),
            step.kind,
            step.touchpoint,
            step.value,
            num(step.work_mins),
            num(step.wait_mins),
            esc(&step.benefit),
            esc(&step.system),
            esc(&step.notes)
        );
        for id in &incoming[s] {
            let _ = writeln!(x, "      <bpmn:incoming>{id}</bpmn:incoming>");
        }
        for id in &outgoing[s] {
            let _ = writeln!(x, "      <bpmn:outgoing>{id}</bpmn:outgoing>");
        }
        // Activities: property, dataInputAssociation, dataOutputAssociation (schema order).
        for (_, _, property) in &reads[s] {
            let _ = writeln!(
                x,
                "      <bpmn:property id=\"{property}\" name=\"__targetRef_placeholder\" />"
            );
        }
        for (id, reference, property) in &reads[s] {
            let _ = writeln!(
                x,
                "      <bpmn:dataInputAssociation id=\"{id}\">\n        \
                 <bpmn:sourceRef>{reference}</bpmn:sourceRef>\n        \
                 <bpmn:targetRef>{property}</bpmn:targetRef>\n      \
                 </bpmn:dataInputAssociation>"
            );
        }
        for (id, reference, order) in &writes[s] {
            let _ = writeln!(
                x,
                "      <bpmn:dataOutputAssociation id=\"{id}\" vf:flowIndex=\"{order}\">\n        \
                 <bpmn:targetRef>{reference}</bpmn:targetRef>\n      \
                 </bpmn:dataOutputAssociation>"
            );
        }
        if step.kind == StepKind::Wait {
            let _ = writeln!(
                x,
                "      <bpmn:timerEventDefinition id=\"{0}_timer\">\n        \
                 <bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">{1}</bpmn:timeDuration>\n      \
                 </bpmn:timerEventDefinition>",
                step_ids[s],
                format_iso_duration(step.wait_mins + step.work_mins)
            );
        }
        let _ = writeln!(x, "    </bpmn:{el}>");
    }
    for (e, flow) in &sequence {
        let _ = write!(
            x,
            "    <bpmn:sequenceFlow id=\"{}\" sourceRef=\"{}\" targetRef=\"{}\" name=\"{}\" vf:flowIndex=\"{}\"",
            e.id,
            step_ids[e.from],
            step_ids[e.to],
            esc(&flow.label),
            e.order
        );
        if let Some(p) = flow.probability {
            let _ = write!(x, " vf:probability=\"{}\"", num(p));
        }
        x.push_str(" />\n");
    }
    for (reference, object, _, _, _, _, flow) in &data {
        let _ = writeln!(
            x,
            "    <bpmn:dataObjectReference id=\"{reference}\" name=\"{}\" dataObjectRef=\"{object}\" />\n    \
             <bpmn:dataObject id=\"{object}\" />",
            esc(&flow.label)
        );
    }
    for (e, flow) in &associations {
        let _ = writeln!(
            x,
            "    <bpmn:association id=\"{}\" associationDirection=\"One\" sourceRef=\"{}\" targetRef=\"{}\" vf:flowIndex=\"{}\" vf:label=\"{}\" />",
            e.id,
            step_ids[e.from],
            step_ids[e.to],
            e.order,
            esc(&flow.label)
        );
    }
    x.push_str("  </bpmn:process>\n");

    // ---- diagram -----------------------------------------------------------------------
    let size: Vec<(f64, f64)> = steps.iter().map(|s| shape_size(s.kind)).collect();
    let bands = if map.lanes().is_empty() {
        Vec::new()
    } else {
        lane_bands(map, &centre)
    };
    let min_x = centre
        .iter()
        .zip(&size)
        .map(|(c, s)| c[0] - s.0 / 2.0)
        .fold(f64::INFINITY, f64::min);
    let max_x = centre
        .iter()
        .zip(&size)
        .map(|(c, s)| c[0] + s.0 / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let (min_x, max_x) = if min_x.is_finite() {
        (min_x, max_x)
    } else {
        (0.0, 400.0)
    };
    let pool_x = min_x - MARGIN - 2.0 * HEADER_WIDTH;
    let pool_w = (max_x + MARGIN) - pool_x;
    // Without lanes the pool just holds the steps.
    let step_top = centre
        .iter()
        .zip(&size)
        .map(|(c, s)| c[1] - s.1 / 2.0 - MARGIN)
        .fold(0.0, f64::min);
    let step_bottom = centre
        .iter()
        .zip(&size)
        .map(|(c, s)| c[1] + s.1 / 2.0 + MARGIN)
        .fold(LANE_HEIGHT, f64::max);
    let pool_top = bands.first().map_or(step_top, |b| b.0);
    let pool_bottom = bands.last().map_or(step_bottom, |b| b.1);
    x.push_str("  <bpmndi:BPMNDiagram id=\"BPMNDiagram_1\">\n");
    x.push_str("    <bpmndi:BPMNPlane id=\"BPMNPlane_1\" bpmnElement=\"Collaboration_1\">\n");
    shape(
        &mut x,
        "Participant_1",
        [pool_x, pool_top, pool_w, pool_bottom - pool_top],
        " isHorizontal=\"true\"",
    );
    for (k, band) in bands.iter().enumerate().take(map.lanes().len()) {
        shape(
            &mut x,
            &lane_ids[k],
            [
                pool_x + HEADER_WIDTH,
                band.0,
                pool_w - HEADER_WIDTH,
                band.1 - band.0,
            ],
            " isHorizontal=\"true\"",
        );
    }
    for (s, step) in steps.iter().enumerate() {
        let (w, h) = size[s];
        let [cx, cy] = centre[s];
        let mut extra = String::new();
        if step.kind == StepKind::Decision {
            extra.push_str(" isMarkerVisible=\"true\"");
        }
        if step.pos.is_none() {
            // Placed by the exporter, not by the user: imports back without a position.
            extra.push_str(" vf:autoPlaced=\"true\"");
        }
        shape(
            &mut x,
            &step_ids[s],
            [cx - w / 2.0, cy - h / 2.0, w, h],
            &extra,
        );
    }
    let box_of = |s: usize| (centre[s], size[s]);
    for (reference, _, _, _, from, to, _) in &data {
        let ([ax, ay], _) = box_of(*from);
        let ([bx, by], _) = box_of(*to);
        let (cx, cy) = ((ax + bx) / 2.0, (ay + by) / 2.0 + 45.0);
        shape(&mut x, reference, [cx - 18.0, cy - 25.0, 36.0, 50.0], "");
    }
    for (e, _) in &sequence {
        let points = route(box_of(e.from), box_of(e.to), e.from == e.to);
        edge(&mut x, &e.id, &points);
    }
    for (_, _, write_id, read_id, from, to, _) in &data {
        let ([ax, ay], _) = box_of(*from);
        let ([bx, by], _) = box_of(*to);
        let c = ((ax + bx) / 2.0, (ay + by) / 2.0 + 45.0);
        edge(
            &mut x,
            write_id,
            &[border(box_of(*from), c), (c.0, c.1 - 25.0)],
        );
        edge(
            &mut x,
            read_id,
            &[(c.0, c.1 - 25.0), border(box_of(*to), c)],
        );
    }
    for (e, _) in &associations {
        let (a, b) = (box_of(e.from), box_of(e.to));
        edge(
            &mut x,
            &e.id,
            &[border(a, (b.0[0], b.0[1])), border(b, (a.0[0], a.0[1]))],
        );
    }
    x.push_str("    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n");
    x
}

fn shape(x: &mut String, element: &str, [bx, by, w, h]: [f64; 4], extra: &str) {
    let _ = writeln!(
        x,
        "      <bpmndi:BPMNShape id=\"{element}_di\" bpmnElement=\"{element}\"{extra}>\n        \
         <dc:Bounds x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" />\n      \
         </bpmndi:BPMNShape>",
        num(bx),
        num(by),
        num(w),
        num(h)
    );
}

fn edge(x: &mut String, element: &str, points: &[(f64, f64)]) {
    let _ = writeln!(
        x,
        "      <bpmndi:BPMNEdge id=\"{element}_di\" bpmnElement=\"{element}\">"
    );
    for (px, py) in points {
        let _ = writeln!(
            x,
            "        <di:waypoint x=\"{}\" y=\"{}\" />",
            num(*px),
            num(*py)
        );
    }
    x.push_str("      </bpmndi:BPMNEdge>\n");
}

type Box2 = ([f64; 2], (f64, f64));

/// Where the line from a box's centre towards a point leaves the box.
fn border(([cx, cy], (w, h)): Box2, (tx, ty): (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (tx - cx, ty - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let sx = if dx == 0.0 {
        f64::INFINITY
    } else {
        (w / 2.0) / dx.abs()
    };
    let sy = if dy == 0.0 {
        f64::INFINITY
    } else {
        (h / 2.0) / dy.abs()
    };
    let t = sx.min(sy);
    (cx + dx * t, cy + dy * t)
}

/// Orthogonal waypoints for a sequence flow: forwards right-to-left sides with one bend
/// column, backwards (and self loops) under both shapes.
fn route(a: Box2, b: Box2, self_loop: bool) -> Vec<(f64, f64)> {
    let ([ax, ay], (aw, ah)) = a;
    let ([bx, by], (bw, bh)) = b;
    if self_loop {
        let below = ay + ah / 2.0 + 25.0;
        let left = ax - aw / 2.0 - 25.0;
        return vec![
            (ax, ay + ah / 2.0),
            (ax, below),
            (left, below),
            (left, ay),
            (ax - aw / 2.0, ay),
        ];
    }
    let start = (ax + aw / 2.0, ay);
    let end = (bx - bw / 2.0, by);
    if end.0 > start.0 + 10.0 {
        if ay == by {
            return vec![start, end];
        }
        let mid = (start.0 + end.0) / 2.0;
        return vec![start, (mid, ay), (mid, by), end];
    }
    if (ax - bx).abs() < 1.0 {
        // One above the other.
        let (from_y, to_y) = if by > ay {
            (ay + ah / 2.0, by - bh / 2.0)
        } else {
            (ay - ah / 2.0, by + bh / 2.0)
        };
        return vec![(ax, from_y), (bx, to_y)];
    }
    let below = (ay + ah / 2.0).max(by + bh / 2.0) + 25.0;
    vec![
        (ax, ay + ah / 2.0),
        (ax, below),
        (bx, below),
        (bx, by + bh / 2.0),
    ]
}
