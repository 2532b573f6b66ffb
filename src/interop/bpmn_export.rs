//! `Map` → BPMN 2.0 XML: one pool with the map's lanes, full DI from step positions, and
//! valueflow's own fields in the `vf:` namespace so that export → import is lossless.

use super::bpmn_import::{BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, VF_NS};
use super::xml;
use crate::layout;
use crate::model::{Flow, FlowKind, Lane, Map, Review, ScoreParam, Step, StepId, StepKind};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

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

pub use super::xml::format_iso_duration;

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
    /// The next suffix to try for a base that was taken, so that many ids made from one
    /// base (ids that differ only in characters an XML id cannot hold) stay linear.
    next_suffix: HashMap<String, usize>,
}

impl Ids {
    fn make(&mut self, prefix: &str, text: &str) -> String {
        let base = ncname(prefix, text);
        if self.used.insert(base.clone()) {
            return base;
        }
        let k = self.next_suffix.entry(base.clone()).or_insert(2);
        loop {
            let id = format!("{base}_{k}");
            *k += 1;
            if self.used.insert(id.clone()) {
                return id;
            }
        }
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

// ---- a small XML writer ----------------------------------------------------------------
// Our own rather than quick-xml's: attribute values must keep tabs and line breaks as
// character references (quick-xml escapes only `<>&'"`, and readers normalise a raw line
// break in an attribute to a space), and the writer is this page long.

/// The attributes of one element, in the order they are written; values are escaped when
/// written.
#[derive(Default)]
struct Attrs<'a>(Vec<(&'static str, Cow<'a, str>)>);

impl<'a> Attrs<'a> {
    fn with(mut self, key: &'static str, value: impl Into<Cow<'a, str>>) -> Self {
        self.0.push((key, value.into()));
        self
    }

    /// A text attribute; where XML cannot carry the text exactly (control characters),
    /// `exact_key` (`vf:<name>Escaped`) holds it in `xml::encode_exact`'s form as well.
    fn text(mut self, key: &'static str, exact_key: &'static str, value: &'a str) -> Self {
        self.0.push((key, Cow::Borrowed(value)));
        if let Some(exact) = xml::encode_exact(value) {
            self.0.push((exact_key, Cow::Owned(exact)));
        }
        self
    }

    /// These attributes followed by `more`.
    fn extend(mut self, more: Attrs<'a>) -> Self {
        self.0.extend(more.0);
        self
    }

    /// A text attribute written only when the text is not empty (import reads absent as empty).
    fn text_if_any(self, key: &'static str, exact_key: &'static str, value: &'a str) -> Self {
        if value.is_empty() {
            self
        } else {
            self.text(key, exact_key, value)
        }
    }
}

/// Indented XML text, one element per line.
struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    fn new(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        Self { out, depth: 0 }
    }

    fn tag(&mut self, name: &str, attrs: &Attrs) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in &attrs.0 {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            self.out.push_str(&xml::escape(value));
            self.out.push('"');
        }
    }

    /// `<name ...>` and one level deeper.
    fn start(&mut self, name: &str, attrs: Attrs) {
        self.tag(name, &attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    /// `<name ... />`
    fn empty(&mut self, name: &str, attrs: Attrs) {
        self.tag(name, &attrs);
        self.out.push_str(" />\n");
    }

    /// `<name ...>text</name>`
    fn leaf_with(&mut self, name: &str, attrs: Attrs, text: &str) {
        self.tag(name, &attrs);
        self.out.push('>');
        self.out.push_str(&xml::escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name>text</name>`
    fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, Attrs::default(), text);
    }

    /// `</name>` one level up.
    fn end(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
}

// ---- what is written ---------------------------------------------------------------------

/// A step with its XML id, its shape and the flows its element lists.
struct StepOut<'m> {
    step: &'m Step,
    xml_id: String,
    centre: [f64; 2],
    size: (f64, f64),
    /// Indices into `Plan::sequence`.
    incoming: Vec<usize>,
    outgoing: Vec<usize>,
    /// Indices into `Plan::data`: what the step reads and writes.
    reads: Vec<usize>,
    writes: Vec<usize>,
}

/// A work flow as a `sequenceFlow`, or an information flow as an `association`.
struct EdgeOut<'m> {
    xml_id: String,
    from: usize,
    to: usize,
    /// The flow's place in the map's order (`vf:flowIndex`).
    order: usize,
    flow: &'m Flow,
}

/// An information flow through a data object: the source writes it, the target reads it.
struct DataOut<'m> {
    reference_id: String,
    object_id: String,
    write_id: String,
    read_id: String,
    /// The reading activity's placeholder property, as bpmn-js writes it.
    property_id: String,
    from: usize,
    to: usize,
    order: usize,
    flow: &'m Flow,
    /// Where the data object is drawn: between the two steps, a little below.
    centre: (f64, f64),
}

/// A lane with its XML id and its steps (indices into `Plan::steps`).
struct LaneOut<'m> {
    lane: &'m Lane,
    xml_id: String,
    members: Vec<usize>,
}

/// Everything the document holds, named, before any XML is written.
struct Plan<'m> {
    map: &'m Map,
    steps: Vec<StepOut<'m>>,
    lanes: Vec<LaneOut<'m>>,
    sequence: Vec<EdgeOut<'m>>,
    data: Vec<DataOut<'m>>,
    associations: Vec<EdgeOut<'m>>,
}

/// The ids of the document's fixed elements; step and flow ids are made around them.
const FIXED_IDS: [&str; 7] = [
    "Definitions_1",
    "Collaboration_1",
    "Participant_1",
    "Process_1",
    "LaneSet_1",
    "BPMNDiagram_1",
    "BPMNPlane_1",
];

impl<'m> Plan<'m> {
    fn new(map: &'m Map) -> Self {
        let mut ids = Ids::default();
        ids.used.extend(FIXED_IDS.iter().map(|s| (*s).to_owned()));
        let centre = centres(map);
        let mut steps: Vec<StepOut> = map
            .steps()
            .zip(centre)
            .map(|(step, centre)| StepOut {
                step,
                xml_id: ids.make(&format!("{}_", element_name(step.kind)), step.id.as_str()),
                centre,
                size: shape_size(step.kind),
                incoming: Vec::new(),
                outgoing: Vec::new(),
                reads: Vec::new(),
                writes: Vec::new(),
            })
            .collect();
        let index: HashMap<&str, usize> = steps
            .iter()
            .enumerate()
            .map(|(k, s)| (s.step.id.as_str(), k))
            .collect();
        let lane_at = map.lane_positions();
        let mut lanes: Vec<LaneOut> = map
            .lanes()
            .iter()
            .map(|lane| LaneOut {
                lane,
                xml_id: ids.make("Lane_", lane.id.as_str()),
                members: Vec::new(),
            })
            .collect();
        for (k, s) in steps.iter().enumerate() {
            if let Some(&l) = s.step.lane.as_ref().and_then(|l| lane_at.get(l)) {
                lanes[l].members.push(k);
            }
        }
        let mut sequence = Vec::new();
        let mut data = Vec::new();
        let mut associations = Vec::new();
        for (order, f) in map.flows().enumerate() {
            let (Some(&from), Some(&to)) = (index.get(f.from.as_str()), index.get(f.to.as_str()))
            else {
                continue;
            };
            let n = (order + 1).to_string();
            let edge = |ids: &mut Ids, prefix: &str| EdgeOut {
                xml_id: ids.make(prefix, &n),
                from,
                to,
                order,
                flow: f.flow,
            };
            match f.flow.kind {
                FlowKind::Work => {
                    steps[from].outgoing.push(sequence.len());
                    steps[to].incoming.push(sequence.len());
                    sequence.push(edge(&mut ids, "Flow_"));
                }
                FlowKind::Information
                    if from != to && via_data_object(steps[from].step, steps[to].step) =>
                {
                    let ([ax, ay], [bx, by]) = (steps[from].centre, steps[to].centre);
                    steps[from].writes.push(data.len());
                    steps[to].reads.push(data.len());
                    data.push(DataOut {
                        reference_id: ids.make("DataObjectReference_", &n),
                        object_id: ids.make("DataObject_", &n),
                        write_id: ids.make("DataOutputAssociation_", &n),
                        read_id: ids.make("DataInputAssociation_", &n),
                        property_id: ids.make("Property_", &n),
                        from,
                        to,
                        order,
                        flow: f.flow,
                        centre: ((ax + bx) / 2.0, (ay + by) / 2.0 + 45.0),
                    });
                }
                FlowKind::Information => associations.push(edge(&mut ids, "Association_")),
            }
        }
        Plan {
            map,
            steps,
            lanes,
            sequence,
            data,
            associations,
        }
    }

    fn box_of(&self, s: usize) -> Box2 {
        (self.steps[s].centre, self.steps[s].size)
    }
}

/// The BPMN 2.0 XML text of a map (see docs/bpmn.md for the mapping).
pub fn to_bpmn_string(map: &Map) -> String {
    let plan = Plan::new(map);
    let mut w = XmlWriter::new(1024 + plan.steps.len() * 800);
    w.start(
        "bpmn:definitions",
        Attrs::default()
            .with("xmlns:bpmn", BPMN_NS)
            .with("xmlns:bpmndi", BPMNDI_NS)
            .with("xmlns:dc", DC_NS)
            .with("xmlns:di", DI_NS)
            .with("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
            .with("xmlns:vf", VF_NS)
            .with("id", "Definitions_1")
            .with("targetNamespace", "https://valueflow.dev/bpmn/map")
            .with("exporter", "valueflow")
            .with("exporterVersion", env!("CARGO_PKG_VERSION"))
            .text("name", "vf:nameEscaped", &map.name)
            .text("vf:description", "vf:descriptionEscaped", &map.description)
            .extend(redesign_attrs(map)),
    );
    write_collaboration(&mut w, map);
    write_process(&mut w, &plan);
    write_diagram(&mut w, &plan);
    w.end("bpmn:definitions");
    w.out
}

/// The map's format v2 fields as `vf:` attributes of the definitions: the version, where a
/// to-be came from and the scorecard (`vf:score_<parameter>` and its `_notes`).
fn redesign_attrs(map: &Map) -> Attrs<'_> {
    let mut attrs = Attrs::default();
    if map.saved_version() >= 2 {
        attrs = attrs.with("vf:version", "2");
    }
    if let Some(from) = &map.derived_from {
        if let Some(name) = &from.name {
            attrs = attrs.text("vf:derivedFromName", "vf:derivedFromNameEscaped", name);
        }
        if let Some(file) = &from.file {
            attrs = attrs.text("vf:derivedFromFile", "vf:derivedFromFileEscaped", file);
        }
    }
    for &(param, rating, notes, notes_escaped) in SCORE_ATTRS {
        let e = map.scorecard.get(param);
        if e.is_empty() {
            continue;
        }
        attrs = attrs
            .with(rating, e.rating.map_or("", |r| r.as_str()))
            .text_if_any(notes, notes_escaped, &e.notes);
    }
    attrs
}

/// The scorecard's attributes: parameter, `vf:score_<key>`, `vf:score_<key>_notes` and its
/// exact form (the importer reads the same table).
pub(super) const SCORE_ATTRS: &[(ScoreParam, &str, &str, &str)] = &[
    (
        ScoreParam::CustomerRelationships,
        "vf:score_customer_relationships",
        "vf:score_customer_relationships_notes",
        "vf:score_customer_relationships_notesEscaped",
    ),
    (
        ScoreParam::Strategy,
        "vf:score_strategy",
        "vf:score_strategy_notes",
        "vf:score_strategy_notesEscaped",
    ),
    (
        ScoreParam::Marketing,
        "vf:score_marketing",
        "vf:score_marketing_notes",
        "vf:score_marketing_notesEscaped",
    ),
    (
        ScoreParam::SalesAndService,
        "vf:score_sales_and_service",
        "vf:score_sales_and_service_notes",
        "vf:score_sales_and_service_notesEscaped",
    ),
    (
        ScoreParam::ProcessDesign,
        "vf:score_process_design",
        "vf:score_process_design_notes",
        "vf:score_process_design_notesEscaped",
    ),
    (
        ScoreParam::CapacityToChange,
        "vf:score_capacity_to_change",
        "vf:score_capacity_to_change_notes",
        "vf:score_capacity_to_change_notesEscaped",
    ),
];

/// A step's review as `vf:` attributes (only what is given; an absent one reads as empty).
fn review_attrs<'a>(mut attrs: Attrs<'a>, review: &'a Review) -> Attrs<'a> {
    for (k, (name, escaped)) in REVIEW_ATTRS.iter().enumerate() {
        attrs = attrs.text_if_any(name, escaped, &review.answers[k]);
    }
    let d = &review.disposition;
    if d.is_decided() {
        attrs = attrs.with("vf:disposition", d.kind().as_str());
    }
    if let Some(into) = d.merge_into() {
        attrs = attrs.text("vf:mergeInto", "vf:mergeIntoEscaped", into.as_str());
    }
    if let Some(t) = d.targets() {
        if let Some(v) = t.work_mins {
            attrs = attrs.with("vf:targetWorkMins", num(v));
        }
        if let Some(v) = t.wait_mins {
            attrs = attrs.with("vf:targetWaitMins", num(v));
        }
    }
    attrs.text_if_any("vf:rationale", "vf:rationaleEscaped", &review.rationale)
}

/// The attributes of the five answers, in `REVIEW_QUESTIONS` order.
pub(super) const REVIEW_ATTRS: [(&str, &str); 5] = [
    ("vf:forCustomer", "vf:forCustomerEscaped"),
    ("vf:slowsProcess", "vf:slowsProcessEscaped"),
    ("vf:offsettingBenefit", "vf:offsettingBenefitEscaped"),
    ("vf:competitors", "vf:competitorsEscaped"),
    ("vf:withoutStep", "vf:withoutStepEscaped"),
];

fn write_collaboration(w: &mut XmlWriter, map: &Map) {
    let pool_name = if map.name.is_empty() {
        "Process"
    } else {
        &map.name
    };
    w.start(
        "bpmn:collaboration",
        Attrs::default().with("id", "Collaboration_1"),
    );
    let mut pool = Attrs::default()
        .with("id", "Participant_1")
        .with("name", pool_name)
        .with("processRef", "Process_1");
    if map.lanes().is_empty() {
        pool = pool.with("vf:laneless", "true");
    }
    w.empty("bpmn:participant", pool);
    w.end("bpmn:collaboration");
}

fn write_process(w: &mut XmlWriter, plan: &Plan) {
    w.start(
        "bpmn:process",
        Attrs::default()
            .with("id", "Process_1")
            .with("isExecutable", "false"),
    );
    if !plan.lanes.is_empty() {
        w.start("bpmn:laneSet", Attrs::default().with("id", "LaneSet_1"));
        for lane in &plan.lanes {
            w.start(
                "bpmn:lane",
                Attrs::default()
                    .with("id", lane.xml_id.as_str())
                    .text("name", "vf:nameEscaped", &lane.lane.name)
                    .text("vf:id", "vf:idEscaped", lane.lane.id.as_str())
                    .extend(if lane.lane.customer {
                        Attrs::default().with("vf:customer", "true")
                    } else {
                        Attrs::default()
                    }),
            );
            for &s in &lane.members {
                w.leaf("bpmn:flowNodeRef", &plan.steps[s].xml_id);
            }
            w.end("bpmn:lane");
        }
        w.end("bpmn:laneSet");
    }
    for s in &plan.steps {
        write_step(w, plan, s);
    }
    for e in &plan.sequence {
        let mut attrs = Attrs::default()
            .with("id", e.xml_id.as_str())
            .with("sourceRef", plan.steps[e.from].xml_id.as_str())
            .with("targetRef", plan.steps[e.to].xml_id.as_str())
            .text_if_any("name", "vf:nameEscaped", &e.flow.label)
            .with("vf:flowIndex", e.order.to_string());
        if let Some(p) = e.flow.probability {
            attrs = attrs.with("vf:probability", num(p));
        }
        w.empty("bpmn:sequenceFlow", attrs);
    }
    for d in &plan.data {
        w.empty(
            "bpmn:dataObjectReference",
            Attrs::default()
                .with("id", d.reference_id.as_str())
                .text("name", "vf:nameEscaped", &d.flow.label)
                .with("dataObjectRef", d.object_id.as_str()),
        );
        w.empty(
            "bpmn:dataObject",
            Attrs::default().with("id", d.object_id.as_str()),
        );
    }
    for e in &plan.associations {
        w.empty(
            "bpmn:association",
            Attrs::default()
                .with("id", e.xml_id.as_str())
                .with("associationDirection", "One")
                .with("sourceRef", plan.steps[e.from].xml_id.as_str())
                .with("targetRef", plan.steps[e.to].xml_id.as_str())
                .with("vf:flowIndex", e.order.to_string())
                .text_if_any("vf:label", "vf:labelEscaped", &e.flow.label),
        );
    }
    w.end("bpmn:process");
}

/// A step's element with valueflow's fields, its flows and (for activities) its data
/// associations, in the schema's order.
fn write_step(w: &mut XmlWriter, plan: &Plan, s: &StepOut) {
    let step = s.step;
    let el = format!("bpmn:{}", element_name(step.kind));
    let mut attrs = Attrs::default()
        .with("id", s.xml_id.as_str())
        .text("name", "vf:nameEscaped", &step.name)
        .text("vf:id", "vf:idEscaped", step.id.as_str())
        .with("vf:kind", step.kind.as_str())
        .with("vf:touchpoint", step.touchpoint.as_str())
        .with("vf:value", step.value.as_str());
    // Zero times are left out (import reads them as 0), except on a wait step, whose
    // timer holds wait + work.
    if step.work_mins != 0.0 || step.kind == StepKind::Wait {
        attrs = attrs.with("vf:workMins", num(step.work_mins));
    }
    if step.wait_mins != 0.0 || step.kind == StepKind::Wait {
        attrs = attrs.with("vf:waitMins", num(step.wait_mins));
    }
    let attrs = attrs
        .text_if_any("vf:benefit", "vf:benefitEscaped", &step.benefit)
        .text_if_any("vf:system", "vf:systemEscaped", &step.system)
        .text_if_any("vf:notes", "vf:notesEscaped", &step.notes);
    let attrs = match step.review.as_deref() {
        Some(r) => review_attrs(attrs, r),
        None => attrs,
    };
    w.start(&el, attrs);
    for &k in &s.incoming {
        w.leaf("bpmn:incoming", &plan.sequence[k].xml_id);
    }
    for &k in &s.outgoing {
        w.leaf("bpmn:outgoing", &plan.sequence[k].xml_id);
    }
    for &k in &s.reads {
        w.empty(
            "bpmn:property",
            Attrs::default()
                .with("id", plan.data[k].property_id.as_str())
                .with("name", "__targetRef_placeholder"),
        );
    }
    for &k in &s.reads {
        let d = &plan.data[k];
        w.start(
            "bpmn:dataInputAssociation",
            Attrs::default().with("id", d.read_id.as_str()),
        );
        w.leaf("bpmn:sourceRef", &d.reference_id);
        w.leaf("bpmn:targetRef", &d.property_id);
        w.end("bpmn:dataInputAssociation");
    }
    for &k in &s.writes {
        let d = &plan.data[k];
        w.start(
            "bpmn:dataOutputAssociation",
            Attrs::default()
                .with("id", d.write_id.as_str())
                .with("vf:flowIndex", d.order.to_string()),
        );
        w.leaf("bpmn:targetRef", &d.reference_id);
        w.end("bpmn:dataOutputAssociation");
    }
    if step.kind == StepKind::Wait {
        w.start(
            "bpmn:timerEventDefinition",
            Attrs::default().with("id", format!("{}_timer", s.xml_id)),
        );
        w.leaf_with(
            "bpmn:timeDuration",
            Attrs::default().with("xsi:type", "bpmn:tFormalExpression"),
            &format_iso_duration(step.wait_mins + step.work_mins),
        );
        w.end("bpmn:timerEventDefinition");
    }
    w.end(&el);
}

fn write_diagram(w: &mut XmlWriter, plan: &Plan) {
    let map = plan.map;
    let centre: Vec<[f64; 2]> = plan.steps.iter().map(|s| s.centre).collect();
    let bands = if map.lanes().is_empty() {
        Vec::new()
    } else {
        lane_bands(map, &centre)
    };
    let boxes = || plan.steps.iter().map(|s| (s.centre, s.size));
    let min_x = boxes()
        .map(|(c, s)| c[0] - s.0 / 2.0)
        .fold(f64::INFINITY, f64::min);
    let max_x = boxes()
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
    let step_top = boxes()
        .map(|(c, s)| c[1] - s.1 / 2.0 - MARGIN)
        .fold(0.0, f64::min);
    let step_bottom = boxes()
        .map(|(c, s)| c[1] + s.1 / 2.0 + MARGIN)
        .fold(LANE_HEIGHT, f64::max);
    let pool_top = bands.first().map_or(step_top, |b| b.0);
    let pool_bottom = bands.last().map_or(step_bottom, |b| b.1);
    w.start(
        "bpmndi:BPMNDiagram",
        Attrs::default().with("id", "BPMNDiagram_1"),
    );
    w.start(
        "bpmndi:BPMNPlane",
        Attrs::default()
            .with("id", "BPMNPlane_1")
            .with("bpmnElement", "Collaboration_1"),
    );
    let horizontal = || Attrs::default().with("isHorizontal", "true");
    shape(
        w,
        "Participant_1",
        [pool_x, pool_top, pool_w, pool_bottom - pool_top],
        horizontal(),
    );
    for (lane, band) in plan.lanes.iter().zip(&bands) {
        shape(
            w,
            &lane.xml_id,
            [
                pool_x + HEADER_WIDTH,
                band.0,
                pool_w - HEADER_WIDTH,
                band.1 - band.0,
            ],
            horizontal(),
        );
    }
    for s in &plan.steps {
        let (width, height) = s.size;
        let [cx, cy] = s.centre;
        let mut extra = Attrs::default();
        if s.step.kind == StepKind::Decision {
            extra = extra.with("isMarkerVisible", "true");
        }
        if s.step.pos.is_none() {
            // Placed by the exporter, not by the user: imports back without a position.
            extra = extra.with("vf:autoPlaced", "true");
        }
        shape(
            w,
            &s.xml_id,
            [cx - width / 2.0, cy - height / 2.0, width, height],
            extra,
        );
    }
    for d in &plan.data {
        let (cx, cy) = d.centre;
        shape(
            w,
            &d.reference_id,
            [cx - 18.0, cy - 25.0, 36.0, 50.0],
            Attrs::default(),
        );
    }
    for e in &plan.sequence {
        let points = route(plan.box_of(e.from), plan.box_of(e.to), e.from == e.to);
        edge(w, &e.xml_id, &points);
    }
    for d in &plan.data {
        let c = d.centre;
        let top = (c.0, c.1 - 25.0);
        edge(w, &d.write_id, &[border(plan.box_of(d.from), c), top]);
        edge(w, &d.read_id, &[top, border(plan.box_of(d.to), c)]);
    }
    for e in &plan.associations {
        let (a, b) = (plan.box_of(e.from), plan.box_of(e.to));
        edge(
            w,
            &e.xml_id,
            &[border(a, (b.0[0], b.0[1])), border(b, (a.0[0], a.0[1]))],
        );
    }
    w.end("bpmndi:BPMNPlane");
    w.end("bpmndi:BPMNDiagram");
}

fn shape(w: &mut XmlWriter, element: &str, [bx, by, width, height]: [f64; 4], extra: Attrs) {
    let mut attrs = Attrs::default()
        .with("id", format!("{element}_di"))
        .with("bpmnElement", element);
    attrs.0.extend(extra.0);
    w.start("bpmndi:BPMNShape", attrs);
    w.empty(
        "dc:Bounds",
        Attrs::default()
            .with("x", num(bx))
            .with("y", num(by))
            .with("width", num(width))
            .with("height", num(height)),
    );
    w.end("bpmndi:BPMNShape");
}

fn edge(w: &mut XmlWriter, element: &str, points: &[(f64, f64)]) {
    w.start(
        "bpmndi:BPMNEdge",
        Attrs::default()
            .with("id", format!("{element}_di"))
            .with("bpmnElement", element),
    );
    for (px, py) in points {
        w.empty(
            "di:waypoint",
            Attrs::default().with("x", num(*px)).with("y", num(*py)),
        );
    }
    w.end("bpmndi:BPMNEdge");
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
